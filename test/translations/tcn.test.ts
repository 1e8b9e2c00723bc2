/**
 * 1-D convolutional sequence models and their training recipe, translated line by line from
 * test/fixtures/translations/tcn.py (-> tcn.json, PyTorch 1.13): locuslab's temporal
 * convolutional network (causal dilated Conv1d cut back by a Chomp1d, weightNorm on the convs,
 * the original initWeights writing into the computed weight's data, a 1x1 downsample residual,
 * ReLU({ inplace: true })), trained with AdamW over parameter groups chosen by name, OneCycleLR
 * (lr and betas[0]), gradient accumulation, clipGradValue_, a hand-written EMA and early
 * stopping on copy.deepcopy(stateDict()), removeWeightNorm; a character CNN (Embedding with
 * paddingIdx, Conv1d padding "same" with groups, BatchNorm1d on 3-D input, F.pad reflect and
 * replicate, AdaptiveMaxPool1d and F.maxPool1d over the length) trained with nesterov SGD,
 * SequentialLR(LinearLR, CosineAnnealingWarmRestarts), an AveragedModel EMA and timm's
 * ModelEmaV2 update over stateDict() values (buffers included), then
 * fine-tuned with ChainedScheduler and ReduceLROnPlateau(mode "max"); model.apply(initFn)
 * with kaimingNormal_(fan_out, relu); and the errors of common mistakes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { copy, nn, optim, Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const { weightNorm, removeWeightNorm } = nn.utils;
const FIX = loadFixture("tcn.json");

class Chomp1d extends nn.Module {
  constructor(public chompSize: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.index(":", ":", `:-${this.chompSize}`).contiguous();
  }
}

class TemporalBlock extends nn.Module {
  conv1: nn.utils.WeightNormed<nn.Conv1d>; chomp1: Chomp1d; relu1: nn.ReLU; dropout1: nn.Dropout;
  conv2: nn.utils.WeightNormed<nn.Conv1d>; chomp2: Chomp1d; relu2: nn.ReLU; dropout2: nn.Dropout;
  net: nn.Sequential;
  downsample: nn.Conv1d | null;
  relu: nn.ReLU;
  constructor(nInputs: number, nOutputs: number, kernelSize: number, stride: number, dilation: number, padding: number, dropout = 0.2) {
    super();
    this.conv1 = weightNorm(new nn.Conv1d(nInputs, nOutputs, kernelSize, { stride, padding, dilation }));
    this.chomp1 = new Chomp1d(padding);
    this.relu1 = new nn.ReLU();
    this.dropout1 = new nn.Dropout(dropout);
    this.conv2 = weightNorm(new nn.Conv1d(nOutputs, nOutputs, kernelSize, { stride, padding, dilation }));
    this.chomp2 = new Chomp1d(padding);
    this.relu2 = new nn.ReLU();
    this.dropout2 = new nn.Dropout(dropout);
    this.net = new nn.Sequential(this.conv1, this.chomp1, this.relu1, this.dropout1,
      this.conv2, this.chomp2, this.relu2, this.dropout2);
    this.downsample = nInputs !== nOutputs ? new nn.Conv1d(nInputs, nOutputs, 1) : null;
    this.relu = new nn.ReLU({ inplace: true });
    this.initWeights();
  }

  initWeights(): void {
    this.conv1.weight.data.normal_(0, 0.01);
    this.conv2.weight.data.normal_(0, 0.01);
    if (this.downsample !== null) this.downsample.weight.data.normal_(0, 0.01);
  }

  forward(x: Tensor): Tensor {
    const out = this.net(x);
    const res = this.downsample === null ? x : this.downsample(x);
    return this.relu(out.add(res));
  }
}

class TemporalConvNet extends nn.Module {
  network: nn.Sequential;
  constructor(numInputs: number, numChannels: number[], kernelSize = 2, dropout = 0.2) {
    super();
    const layers: nn.Module[] = [];
    const numLevels = numChannels.length;
    for (let i = 0; i < numLevels; i++) {
      const dilationSize = 2 ** i;
      const inChannels = i === 0 ? numInputs : numChannels[i - 1]!;
      const outChannels = numChannels[i]!;
      layers.push(new TemporalBlock(inChannels, outChannels, kernelSize, 1, dilationSize, (kernelSize - 1) * dilationSize, dropout));
    }
    this.network = new nn.Sequential(...layers);
  }

  forward(x: Tensor): Tensor {
    return this.network(x);
  }
}

class TCN extends nn.Module {
  tcn: TemporalConvNet;
  linear: nn.Linear;
  constructor(inputSize: number, outputSize: number, numChannels: number[], kernelSize: number, dropout: number) {
    super();
    this.tcn = new TemporalConvNet(inputSize, numChannels, kernelSize, dropout);
    this.linear = new nn.Linear(numChannels[numChannels.length - 1]!, outputSize);
  }

  forward(inputs: Tensor): Tensor {
    const y1 = this.tcn(inputs);
    return this.linear(y1.index(":", ":", -1));
  }
}

class CharCNN extends nn.Module {
  embedding: nn.Embedding; conv1: nn.Conv1d; bn1: nn.BatchNorm1d; conv2: nn.Conv1d; conv3: nn.Conv1d;
  pool: nn.AdaptiveMaxPool1d; fc: nn.Linear;
  constructor(vocab: number, emb: number, ch: number, nClasses: number) {
    super();
    this.embedding = new nn.Embedding(vocab, emb, { paddingIdx: 0 });
    this.conv1 = new nn.Conv1d(emb, ch, 3, { padding: "same", groups: 2 });
    this.bn1 = new nn.BatchNorm1d(ch);
    this.conv2 = new nn.Conv1d(ch, ch, 3);
    this.conv3 = new nn.Conv1d(ch, ch, 3, { dilation: 2, groups: ch, bias: false });
    this.pool = new nn.AdaptiveMaxPool1d(1);
    this.fc = new nn.Linear(2 * ch, nClasses);
  }

  forward(tokens: Tensor): Tensor {
    let x = this.embedding(tokens).permute(0, 2, 1); // [B, emb, L]
    x = F.relu(this.bn1(this.conv1(x)), { inplace: true });
    x = F.pad(x, [1, 1], { mode: "reflect" });
    x = F.relu(this.conv2(x)); // back to L
    x = F.pad(x, [4, 0], { mode: "replicate" });
    x = this.conv3(x); // causal, L
    const a = this.pool(x).squeeze(-1);
    const b = F.maxPool1d(x, { kernelSize: x.size(2) }).squeeze(2);
    return this.fc(torch.cat([a, b.mul(0.5)], { dim: 1 }));
  }
}

function initFn(m: nn.Module): void {
  if (m instanceof nn.Conv1d) {
    nn.init.kaimingNormal_(m.weight, { mode: "fan_out", nonlinearity: "relu" });
    if (m.bias !== null) nn.init.zeros_(m.bias);
  } else if (m instanceof nn.BatchNorm1d) {
    nn.init.constant_(m.weight!, 1);
    nn.init.constant_(m.bias!, 0);
  } else if (m instanceof nn.Linear) {
    nn.init.xavierUniform_(m.weight);
    nn.init.constant_(m.bias!, 0.01);
  } else if (m instanceof nn.Embedding) {
    nn.init.normal_(m.weight, 0, 0.1);
  }
}

function paramGroups(model: nn.Module, lr: number, wd: number, headLr: number): optim.ParamGroupInput[] {
  const decay: Tensor[] = [], noDecay: Tensor[] = [], head: Tensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    if (name.startsWith("linear.") || name.startsWith("fc.")) head.push(p);
    else if (name.endsWith("bias") || name.includes("bn") || name.endsWith("weight_g")) noDecay.push(p);
    else decay.push(p);
  }
  void lr;
  return [{ params: decay, weightDecay: wd }, { params: noDecay, weightDecay: 0.0 }, { params: head, lr: headLr }];
}

/** The error a call raises, as "Class: message" (null when it does not raise). */
function err(fn: () => unknown): string | null {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
  return null;
}

const close = (a: number, b: number, tol: number, msg: string): void => assert.ok(Math.abs(a - b) <= tol, `${msg}: ${a} vs PyTorch ${b}`);
const closeRows = (a: number[][], b: number[][], tol: number, msg: string): void => {
  assert.equal(a.length, b.length, msg);
  a.forEach((row, i) => row.forEach((v, k) => close(v, b[i]![k]!, tol, `${msg}[${i}][${k}]`)));
};

test("TCN: weight-normed causal dilated convs, AdamW groups, OneCycleLR, accumulation, EMA and early stopping match PyTorch", () => {
  const B = 4, C_IN = 3, L = 12, N_CLS = 3;
  const model = new TCN(C_IN, N_CLS, [4, 6, 6], 3, 0.0);
  model.apply(initFn);
  initDeterministic(model, 1000);
  assert.deepEqual([...model.namedParameters()].map(([n]) => n), FIX.tcn_param_names);
  assert.deepEqual(Object.keys(model.stateDict()), FIX.tcn_state_keys);

  const groups = paramGroups(model, 0.01, 0.05, 0.05);
  const optimizer = new optim.AdamW(groups, { lr: 0.01, betas: [0.9, 0.99], weightDecay: 0.01 });
  assert.deepEqual(optimizer.paramGroups.map((g) => g.params.length), FIX.tcn_group_sizes);
  const accumSteps = 2, nSteps = 6;
  const scheduler = new optim.lrScheduler.OneCycleLR(optimizer, [0.05, 0.05, 0.2], {
    totalSteps: nSteps, pctStart: 0.3, divFactor: 10.0, finalDivFactor: 100.0,
  });
  closeRows([optimizer.paramGroups.map((g) => g.lr)], [FIX.tcn_lr0], 1e-12, "initial lr");
  assert.equal(optimizer.paramGroups[0]!.betas![0], FIX.tcn_beta0);

  const ema = new TCN(C_IN, N_CLS, [4, 6, 6], 3, 0.0);
  ema.loadStateDict(model.stateDict());
  const emaDecay = 0.8;

  const xs = det([nSteps * accumSteps, B, C_IN, L], 1100);
  const ys = detLabels(nSteps * accumSteps * B, 1200, N_CLS).view(nSteps * accumSteps, B);
  const xVal = det([B, C_IN, L], 1300);
  const yVal = detLabels(B, 1310, N_CLS);
  const criterion = new nn.CrossEntropyLoss();

  let bestVal = Infinity, bestState: Record<string, Tensor> | null = null, bestStep = -1, badSteps = 0;
  const patience = 2;
  const tcnLosses: number[] = [], tcnLrs: number[][] = [], tcnBetas: number[] = [], tcnLastLr: number[][] = [], tcnVal: number[] = [], stopFlags: boolean[] = [];
  const block = (i: number) => model.tcn.network.at(i) as TemporalBlock;
  for (let step = 0; step < nSteps; step++) {
    model.train();
    optimizer.zeroGrad();
    let running = 0.0;
    for (let micro = 0; micro < accumSteps; micro++) {
      const i = step * accumSteps + micro;
      const logits = model(xs.index(i));
      const loss = criterion(logits, ys.index(i)).div(accumSteps);
      loss.backward();
      running += loss.item();
      if (step === 0 && micro === 0) assertTensor(logits, FIX.tcn_logits0, { atol: 1e-5, msg: "first logits" });
    }
    if (step === 0) {
      const g = FIX.tcn_grad0;
      assertTensor(block(0).conv1.weight_g.grad!, g.conv1_weight_g, { atol: 1e-5, msg: "conv1.weight_g.grad" });
      assertTensor(block(0).conv1.weight_v.grad!, g.conv1_weight_v, { atol: 1e-5, msg: "conv1.weight_v.grad" });
      assertTensor(block(0).downsample!.weight.grad!, g.downsample_weight, { atol: 1e-5, msg: "downsample.weight.grad" });
      assertTensor(block(2).conv2.bias!.grad!, g.block2_conv2_bias, { atol: 1e-5, msg: "block2.conv2.bias.grad" });
      assertTensor(model.linear.weight.grad!, g.linear_weight, { atol: 1e-5, msg: "linear.weight.grad" });
    }
    nn.utils.clipGradValue_(model.parameters(), { clipValue: 0.05 });
    if (step === 0) assertTensor(block(0).conv1.weight_v.grad!, FIX.tcn_clipped_grad_v, { atol: 1e-6, msg: "clipped grad" });
    tcnLrs.push(optimizer.paramGroups.map((g) => g.lr));
    tcnBetas.push(optimizer.paramGroups[0]!.betas![0]);
    optimizer.step();
    scheduler.step();
    tcnLastLr.push(scheduler.getLastLr());
    tcnLosses.push(running);
    torch.noGrad(() => {
      const qs = [...model.parameters()];
      [...ema.parameters()].forEach((p, k) => p.mul_(emaDecay).add_(qs[k]!, { alpha: 1 - emaDecay }));
    });
    model.eval();
    const valLoss = torch.noGrad(() => criterion(model(xVal), yVal).item());
    tcnVal.push(valLoss);
    if (valLoss < bestVal) {
      [bestVal, bestStep, badSteps] = [valLoss, step, 0];
      bestState = copy.deepcopy(model.stateDict());
    } else {
      badSteps += 1;
    }
    stopFlags.push(badSteps >= patience); // a real loop would break here; this one runs on to compare every step
  }
  tcnLosses.forEach((l, i) => close(l, FIX.tcn_losses[i], 1e-4, `step ${i} loss`));
  closeRows(tcnLrs, FIX.tcn_lrs, 1e-12, "lr");
  tcnBetas.forEach((b, i) => close(b, FIX.tcn_betas[i], 1e-12, `step ${i} betas[0]`));
  closeRows(tcnLastLr, FIX.tcn_last_lr, 1e-12, "getLastLr");
  tcnVal.forEach((v, i) => close(v, FIX.tcn_val[i], 1e-4, `step ${i} val loss`));
  assert.equal(bestStep, FIX.best_step);
  assert.equal(badSteps, FIX.bad_steps);
  assert.deepEqual(stopFlags, FIX.stop_flags);

  const st = optimizer.state.get(model.linear.weight)!;
  assertTensor(st.expAvgSq as Tensor, FIX.tcn_adam_exp_avg_sq, { atol: 1e-7, rtol: 1e-4, msg: "exp_avg_sq" });
  assert.equal(st.step, FIX.tcn_adam_step); // a number here (PyTorch 1.13: a 0-d tensor)
  assertTensor(block(0).conv1.weight_g, FIX.tcn_final.conv1_weight_g, { atol: 1e-5, msg: "final weight_g" });
  assertTensor(block(1).conv2.weight_v, FIX.tcn_final.conv2_weight_v, { atol: 1e-5, msg: "final weight_v" });
  assertTensor(model.linear.weight, FIX.tcn_final.linear_weight, { atol: 1e-5, msg: "final linear.weight" });
  const overstep = err(() => scheduler.step());
  assert.ok(overstep?.toLowerCase().includes(FIX.err_onecycle_overstep.slice("ValueError: ".length).toLowerCase()), `${overstep}\n  PyTorch: ${FIX.err_onecycle_overstep}`);

  ema.eval();
  const [emaOut, lastOut] = torch.noGrad(() => [ema(xVal), model(xVal)]);
  assertTensor(emaOut, FIX.ema_out, { atol: 1e-5, msg: "EMA output" });
  assertTensor(ema.linear.weight, FIX.ema_linear_weight, { atol: 1e-5, msg: "EMA linear.weight" });
  model.loadStateDict(bestState!);
  model.eval();
  torch.noGrad(() => {
    assertTensor(model(xVal), FIX.best_out, { atol: 1e-5, msg: "best model output" });
    assertTensor(lastOut, FIX.last_out, { atol: 1e-5, msg: "last model output" });
    for (const blk of model.tcn.network) {
      removeWeightNorm((blk as TemporalBlock).conv1);
      removeWeightNorm((blk as TemporalBlock).conv2);
    }
    assertTensor(model(xVal), FIX.removed_out, { atol: 1e-5, msg: "output after removeWeightNorm" });
  });
  assert.deepEqual(Object.keys(model.stateDict()), FIX.removed_keys);
  const removeTwice = err(() => removeWeightNorm(block(0).conv1));
  assert.ok(removeTwice !== null && removeTwice.includes("weight_norm of 'weight' not found in Conv1d(3, 4, kernel_size=(3,), stride=(1,), padding=(2,))"), String(removeTwice));
});

test("char-CNN: Embedding, Conv1d same/groups, BatchNorm1d, reflect/replicate pads, global max pools; SGD groups with SequentialLR, AveragedModel, ChainedScheduler and ReduceLROnPlateau(max) match PyTorch", () => {
  const B = 4, VOCAB = 12, EMB = 6, CH = 8, NC = 3, LT = 10;
  const cnn = new CharCNN(VOCAB, EMB, CH, NC);
  cnn.apply(initFn);
  initDeterministic(cnn, 2000);
  torch.noGrad(() => cnn.embedding.weight.index(cnn.embedding.paddingIdx!).fill_(0));
  const tok = detLabels(6 * B * LT, 2100, VOCAB).view(6, B, LT);
  tok.indexPut_([":", ":", "-3:"], 0); // padding at the end
  const lab = detLabels(6 * B, 2200, NC).view(6, B);

  const groups: optim.ParamGroupInput[] = [];
  const noDecay = ["bias", "bn1.weight"];
  const named = [...cnn.namedParameters()];
  groups.push({ params: named.filter(([n]) => n.startsWith("embedding")).map(([, p]) => p), lr: 0.05 });
  groups.push({ params: named.filter(([n]) => !n.startsWith("embedding") && !noDecay.some((nd) => n.includes(nd))).map(([, p]) => p), weightDecay: 1e-3 });
  groups.push({ params: named.filter(([n]) => !n.startsWith("embedding") && noDecay.some((nd) => n.includes(nd))).map(([, p]) => p), weightDecay: 0.0 });
  const sgd = new optim.SGD(groups, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
  const warm = new optim.lrScheduler.LinearLR(sgd, { startFactor: 0.25, totalIters: 2 });
  const restarts = new optim.lrScheduler.CosineAnnealingWarmRestarts(sgd, { t0: 2, tMult: 2, etaMin: 0.001 });
  const seq = new optim.lrScheduler.SequentialLR(sgd, { schedulers: [warm, restarts], milestones: [2] });
  const swa = new optim.swaUtils.AveragedModel(cnn, { avgFn: (avg: Tensor, p: Tensor) => avg.mul(0.7).add(p.mul(0.3)) });
  const emaCnn = copy.deepcopy(cnn).eval(); // timm's ModelEmaV2: every state_dict entry, buffers included

  function emaUpdate(emaModel: nn.Module, model: nn.Module, decay = 0.9): void {
    torch.noGrad(() => {
      const modelVs = Object.values(model.stateDict());
      Object.values(emaModel.stateDict()).forEach((emaV, i) => emaV.copy_(emaV.mul(decay).add(modelVs[i]!.mul(1 - decay))));
    });
  }

  const cnnLosses: number[] = [], cnnLrs: number[][] = [], cnnLastLr: number[][] = [];
  for (let step = 0; step < 6; step++) {
    cnn.train();
    sgd.zeroGrad();
    const logits = cnn(tok.index(step));
    const loss = F.crossEntropy(logits, lab.index(step), { labelSmoothing: 0.1 });
    loss.backward();
    if (step === 0) {
      const g = FIX.cnn_grad0;
      assertTensor(logits, FIX.cnn_logits0, { atol: 1e-5, msg: "first logits" });
      assertTensor(cnn.embedding.weight.grad!, g.embedding, { atol: 1e-5, msg: "embedding.weight.grad" });
      assertTensor(cnn.conv1.weight.grad!, g.conv1_weight, { atol: 1e-5, msg: "conv1.weight.grad" });
      assertTensor(cnn.conv3.weight.grad!, g.conv3_weight, { atol: 1e-5, msg: "conv3.weight.grad" });
      assertTensor(cnn.bn1.weight!.grad!, g.bn1_weight, { atol: 1e-5, msg: "bn1.weight.grad" });
      assertTensor(cnn.fc.bias!.grad!, g.fc_bias, { atol: 1e-5, msg: "fc.bias.grad" });
    }
    nn.utils.clipGradValue_(cnn.parameters(), 0.1);
    sgd.step();
    seq.step();
    swa.updateParameters(cnn);
    emaUpdate(emaCnn, cnn);
    cnnLosses.push(loss.item());
    cnnLrs.push([0, 1, 2].map((i) => sgd.paramGroups[i]!.lr));
    cnnLastLr.push(seq.getLastLr());
  }
  cnnLosses.forEach((l, i) => close(l, FIX.cnn_losses[i], 1e-4, `step ${i} loss`));
  closeRows(cnnLrs, FIX.cnn_lrs, 1e-12, "lr");
  closeRows(cnnLastLr, FIX.cnn_last_lr, 1e-12, "getLastLr");
  assertTensor(cnn.bn1.runningVar!, FIX.cnn_bn_running_var, { atol: 1e-5, msg: "bn1.running_var" });
  assertTensor(sgd.state.get(cnn.conv1.weight)!.momentumBuffer as Tensor, FIX.cnn_momentum_conv1, { atol: 1e-5, msg: "momentum_buffer" });
  assertTensor(cnn.conv3.weight, FIX.cnn_conv3_weight, { atol: 1e-5, msg: "conv3.weight" });
  assertTensor(cnn.embedding.weight.index(0), FIX.cnn_emb_row0, { msg: "padding row" });
  assert.equal(Number(swa.n_averaged.item()), FIX.swa_n_averaged);
  assertTensor((swa.module as CharCNN).fc.weight, FIX.swa_fc_weight, { atol: 1e-5, msg: "AveragedModel fc.weight" });
  assertTensor(emaCnn.bn1.runningMean!, FIX.ema_cnn_bn_mean, { atol: 1e-5, msg: "EMA bn1.running_mean" });
  assertTensor(emaCnn.bn1.numBatchesTracked!, FIX.ema_cnn_nbt, { msg: "EMA bn1.num_batches_tracked (int64, truncated by copy_)" });
  assert.equal(emaCnn.bn1.numBatchesTracked!.dtype, "int64");
  assertTensor(emaCnn.fc.weight, FIX.ema_cnn_fc_weight, { atol: 1e-5, msg: "EMA fc.weight" });
  swa.eval();
  assertTensor(torch.noGrad(() => swa(tok.index(0)) as Tensor), FIX.swa_out, { atol: 1e-5, msg: "AveragedModel output" });

  // fine-tuning stage: the head only, ChainedScheduler and ReduceLROnPlateau(mode "max")
  for (const [n, p] of cnn.namedParameters()) p.requiresGrad_(n.startsWith("fc."));
  const ft = new optim.SGD([...cnn.parameters()].filter((p) => p.requiresGrad), { lr: 0.2, momentum: 0.5 });
  const chained = new optim.lrScheduler.ChainedScheduler([
    new optim.lrScheduler.ConstantLR(ft, { factor: 0.5, totalIters: 2 }),
    new optim.lrScheduler.ExponentialLR(ft, { gamma: 0.9 })]);
  const plateau = new optim.lrScheduler.ReduceLROnPlateau(ft, { mode: "max", factor: 0.5, patience: 1, threshold: 0.05 });
  const scores = [0.30, 0.31, 0.29, 0.50, 0.49, 0.48, 0.47];
  const ftLrs: number[] = [], ftLosses: number[] = [], ftLast: number[][] = [];
  cnn.eval();
  scores.forEach((score, step) => {
    ft.zeroGrad();
    const loss = F.crossEntropy(cnn(tok.index(step % 6)), lab.index(step % 6));
    loss.backward();
    ft.step();
    chained.step();
    plateau.step(score);
    ftLosses.push(loss.item());
    ftLrs.push(ft.paramGroups[0]!.lr);
    ftLast.push(chained.getLastLr());
  });
  ftLosses.forEach((l, i) => close(l, FIX.ft_losses[i], 1e-4, `fine-tune step ${i} loss`));
  ftLrs.forEach((l, i) => close(l, FIX.ft_lrs[i], 1e-12, `fine-tune step ${i} lr`));
  closeRows(ftLast, FIX.ft_last, 1e-12, "chained getLastLr");
  assert.equal(plateau.best, FIX.plateau_best);
  assert.equal(plateau.numBadEpochs, FIX.plateau_bad);
  assertTensor(cnn.fc.weight, FIX.ft_fc_weight, { atol: 1e-5, msg: "fine-tuned fc.weight" });
  assert.equal(cnn.embedding.weight.grad === null, FIX.ft_emb_grad_is_none);
});

test("TCN / char-CNN: common mistakes raise PyTorch's errors; reflect/replicate pads and Chomp1d give PyTorch's values", () => {
  const x3 = det([2, 8, 4], 3000);
  const ft = new optim.SGD([new nn.Parameter(torch.zeros(2))], { lr: 0.2 });
  const fc = new nn.Linear(2, 2);
  const E = FIX.errors;
  // each Fluxion message carries PyTorch's point, in PyTorch's words or with the shapes and Fluxion's option names
  const cases: Record<string, [() => unknown, string]> = {
    kaiming_1d: [() => nn.init.kaimingNormal_(torch.zeros(5), { mode: "fan_out", nonlinearity: "relu" }), "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"],
    kaiming_mode: [() => nn.init.kaimingNormal_(torch.zeros(4, 3), { mode: "fan_avg" as "fan_in" }), "fan_avg"],
    kaiming_nonlinearity: [() => nn.init.kaimingNormal_(torch.zeros(4, 3), { nonlinearity: "gelu" as "relu" }), "gelu"],
    same_strided: [() => new nn.Conv1d(4, 4, 3, { stride: 2, padding: "same" }), "padding='same' is not supported for strided convolutions"],
    groups_divide: [() => new nn.Conv1d(6, 8, 3, { groups: 4 }), "must be divisible by groups"],
    bad_padding_string: [() => new nn.Conv1d(4, 4, 3, { padding: "causal" as "same" }), "causal"],
    reflect_too_big: [() => F.pad(x3, [4, 4], { mode: "reflect" }), "Padding size should be less than the corresponding input dimension"],
    bn_channels: [() => new nn.BatchNorm1d(6)(x3), "expected input with 6 channels at dim 1, got shape [2, 8, 4]"],
    conv_channels: [() => new nn.Conv1d(6, 4, 3)(x3), "with C = 6, got shape [2, 8, 4]"],
    plateau_mode: [() => new optim.lrScheduler.ReduceLROnPlateau(ft, { mode: "maximum" as "max" }), "maximum"],
    restarts_t0: [() => new optim.lrScheduler.CosineAnnealingWarmRestarts(ft, { t0: 0 }), "expected a positive integer t0, but got 0"],
    restarts_tmult: [() => new optim.lrScheduler.CosineAnnealingWarmRestarts(ft, { t0: 2, tMult: 0 }), "expected an integer tMult >= 1, but got 0"],
    sequential_milestones: [() => new optim.lrScheduler.SequentialLR(ft, [new optim.lrScheduler.ConstantLR(ft), new optim.lrScheduler.ConstantLR(ft)], { milestones: [1, 2] }),
      "one more than the number of milestone points, but got 2 schedulers and 2 milestones"],
    duplicate_param: [() => new optim.AdamW([{ params: [fc.weight] }, { params: [fc.weight, fc.bias!] }]), "some parameters appear in more than one parameter group"],
    onecycle_no_total: [() => new optim.lrScheduler.OneCycleLR(ft, 0.1), "you must define either totalSteps OR (epochs AND stepsPerEpoch)"],
  };
  const wrong: string[] = [];
  for (const [key, [fn, wording]] of Object.entries(cases)) {
    assert.ok(E[key] !== null, `${key}: PyTorch raises`);
    const got = err(fn);
    if (got === null || !got.toLowerCase().includes(wording.toLowerCase())) wrong.push(`${key}: ${got}\n  PyTorch: ${E[key]}`);
  }
  assert.deepEqual(wrong, []);

  assertTensor(F.pad(x3.index(":", ":2"), [3, 3], { mode: "reflect" }), FIX.pad_reflect, { msg: "reflect" });
  assertTensor(F.pad(x3.index(":", ":2"), [2, 5], { mode: "replicate" }), FIX.pad_replicate, { msg: "replicate" });
  assertTensor(new Chomp1d(2)(x3).index(":", ":2"), FIX.chomp_view, { msg: "chomp" });
});

/**
 * Training-loop utilities, translated line by line from test/fixtures/translations/trainloop.py
 * (-> trainloop.json, PyTorch 1.13): every lrScheduler class traced for 40 steps over two
 * parameter groups (the lrs compared exactly, as float64), each with a stateDict/loadStateDict
 * round trip at step 20 into a fresh optimizer and scheduler; the closed forms of step(epoch);
 * ReduceLROnPlateau (mode, thresholdMode, cooldown, minLr per group); CyclicLR's modes with
 * cycleMomentum; OneCycleLR cos/linear/threePhase; CosineAnnealingWarmRestarts with tMult and a
 * fractional step(epoch); SWALR. Then a training run: Adam over two groups with a LambdaLR
 * warm-up, addParamGroup for a head unfrozen mid-run, clipGradNorm_ (2 and inf) and
 * clipGradValue_, an EMA of the weights by hand, AveragedModel (SWA and a custom avgFn) with
 * SWALR and updateBn over a DataLoader, a checkpoint dict through torch.save/torch.load
 * resumed into fresh objects, early stopping; zeroGrad(setToNone), errorIfNonfinite and the
 * warning of scheduler.step() before optimizer.step().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../src/index.js";
import { data, nn, optim, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const S = optim.lrScheduler;
const { AveragedModel, SWALR, updateBn } = optim.swaUtils;
const FIX = loadFixture("trainloop.json");
const STEPS = 40, RESUME = 20;

type Sched = { step(...a: unknown[]): void; stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void; getLastLr(): number[] };

function makeOpt(kind = "sgd"): optim.Optimizer<any> {
  const w = new nn.Parameter(det([3], 900));
  const b = new nn.Parameter(det([2], 901));
  const groups = [{ params: [w], lr: 0.1 }, { params: [b], lr: 0.05 }];
  if (kind === "adam") return new optim.Adam(groups, { lr: 0.1 });
  return new optim.SGD(groups, { lr: 0.1, momentum: 0.9 });
}

function momenta(opt: optim.Optimizer<any>): number[] {
  return opt.paramGroups.map((g) => ("betas" in g ? (g.betas as number[])[0]! : ((g.momentum as number | undefined) ?? 0.0)));
}

function trace(makeSched: (o: optim.Optimizer<any>) => Sched, kind = "sgd", metrics: number[] | null = null) {
  const opt = makeOpt(kind);
  const sched = makeSched(opt);
  const out = { last: [] as number[][], lr: [opt.paramGroups.map((g) => g.lr)], mom: [momenta(opt)], resumed: [] as number[][] };
  let opt2!: optim.Optimizer<any>, sched2!: Sched;
  for (let i = 0; i < STEPS; i++) {
    if (i === RESUME) {
      const optSd = torch.utils.deepcopy(opt.stateDict());
      const schedSd = torch.utils.deepcopy(sched.stateDict());
      opt2 = makeOpt(kind);
      sched2 = makeSched(opt2);
      opt2.loadStateDict(optSd);
      sched2.loadStateDict(schedSd);
    }
    opt.step();
    if (metrics === null) sched.step();
    else sched.step(metrics[i]);
    if (metrics === null) out.last.push(sched.getLastLr());
    out.lr.push(opt.paramGroups.map((g) => g.lr));
    out.mom.push(momenta(opt));
    if (i >= RESUME) {
      opt2.step();
      if (metrics === null) sched2.step();
      else sched2.step(metrics[i]);
      out.resumed.push(opt2.paramGroups.map((g) => g.lr));
    }
  }
  return out;
}

const scheds: Record<string, (o: optim.Optimizer<any>) => Sched> = {
  lambda: (o) => new S.LambdaLR(o, [(e: number) => 1.0 - 0.02 * e, (e: number) => 1.0 / (1 + e)]),
  multiplicative: (o) => new S.MultiplicativeLR(o, (e: number) => (e % 2 ? 0.97 : 0.99)),
  step: (o) => new S.StepLR(o, { stepSize: 7, gamma: 0.5 }),
  multistep: (o) => new S.MultiStepLR(o, { milestones: [5, 12, 12, 30], gamma: 0.3 }),
  constant: (o) => new S.ConstantLR(o, { factor: 0.25, totalIters: 6 }),
  linear: (o) => new S.LinearLR(o, { startFactor: 0.2, endFactor: 0.9, totalIters: 13 }),
  exponential: (o) => new S.ExponentialLR(o, { gamma: 0.93 }),
  polynomial: (o) => new S.PolynomialLR(o, { totalIters: 30, power: 2.0 }),
  cosine: (o) => new S.CosineAnnealingLR(o, { tMax: 15, etaMin: 0.001 }),
  chained: (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.5, totalIters: 4 }), new S.ExponentialLR(o, { gamma: 0.95 })]),
  sequential: (o) => new S.SequentialLR(o, [new S.LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new S.CosineAnnealingLR(o, { tMax: 20 })], { milestones: [5] }),
  sequential3: (o) => new S.SequentialLR(o, [new S.ConstantLR(o, { factor: 0.5, totalIters: 3 }), new S.ExponentialLR(o, { gamma: 0.9 }), new S.StepLR(o, 4, 0.5)], { milestones: [3, 15] }),
  cyclic_tri: (o) => new S.CyclicLR(o, { baseLr: [0.01, 0.005], maxLr: [0.1, 0.05], stepSizeUp: 4, stepSizeDown: 6 }),
  cyclic_tri2: (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 5, mode: "triangular2", baseMomentum: 0.7, maxMomentum: 0.95 }),
  cyclic_exp: (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, mode: "exp_range", gamma: 0.97 }),
  cyclic_nomom: (o) => new S.CyclicLR(o, { baseLr: 0.02, maxLr: 0.2, stepSizeUp: 4, cycleMomentum: false }),
  cyclic_fn: (o) => new S.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, scaleFn: (x: number) => 1.0 / (1.0 + 0.1 * x), scaleMode: "iterations" }),
  onecycle_cos: (o) => new S.OneCycleLR(o, { maxLr: [0.5, 0.2], epochs: 8, stepsPerEpoch: 5 }),
  onecycle_linear: (o) => new S.OneCycleLR(o, { maxLr: 0.4, totalSteps: 45, annealStrategy: "linear", pctStart: 0.25, divFactor: 10.0, finalDivFactor: 100.0 }),
  onecycle_3phase: (o) => new S.OneCycleLR(o, { maxLr: 0.3, totalSteps: 41, threePhase: true, baseMomentum: 0.8, maxMomentum: 0.9 }),
  warm_restarts: (o) => new S.CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2, etaMin: 0.001 }),
  warm_restarts1: (o) => new S.CosineAnnealingWarmRestarts(o, { t0: 7 }),
  swalr_cos: (o) => new SWALR(o, { swaLr: 0.01, annealEpochs: 5 }),
  swalr_linear: (o) => new SWALR(o, { swaLr: [0.02, 0.01], annealEpochs: 3, annealStrategy: "linear" }),
  custom: (o) => new WarmupPolyLR(o, 4, 30),
};

/** A scheduler of one's own: linear warm-up, then (1 - progress)^2. */
class WarmupPolyLR extends S.LRScheduler {
  constructor(optimizer: optim.Optimizer<any>, readonly warmup: number, readonly total: number, lastEpoch = -1, verbose = false) {
    super(optimizer, lastEpoch, verbose);
    this.initialStep(); // PyTorch's __init__ takes the first step; here the subclass's fields must exist first
  }

  protected getLr(): number[] {
    const e = this.lastEpoch;
    if (e < this.warmup) return this.baseLrs.map((b) => (b * (e + 1)) / this.warmup);
    const left = 1.0 - Math.min(1.0, (e - this.warmup) / (this.total - this.warmup));
    return this.baseLrs.map((b) => b * left * left);
  }
}

let metric = [1.0, 0.9, 0.85, 0.86, 0.849, 0.85, 0.84, 0.8, 0.81, 0.82, 0.83, 0.79, 0.7905, 0.7902, 0.79, 0.6, 0.61, 0.62, 0.63, 0.64];
metric = metric.concat(Array.from({ length: 20 }, (_, i) => 0.5 + 0.01 * ((7 * i) % 5)));

function diffs(got: any, want: any): string[] {
  const out: string[] = [];
  for (const k of ["lr", "last", "mom", "resumed"]) {
    (got[k] as number[][]).forEach((row, i) => row.forEach((v, j) => {
      const w = want[k][i]?.[j];
      if (v !== w) out.push(`${k}[${i}][${j}] ${v} vs ${w}`);
    }));
  }
  return out.slice(0, 4);
}

function checkTrace(name: string, got: ReturnType<typeof trace>): void {
  const want = FIX.traces[name];
  assert.deepEqual(got.lr, want.lr, `${name}: param_groups lr`);
  assert.deepEqual(got.last, want.last, `${name}: get_last_lr()`);
  assert.deepEqual(got.mom, want.mom, `${name}: momentum`);
  assert.deepEqual(got.resumed, want.resumed, `${name}: resumed at step ${RESUME}`);
}

test("trainloop: every lrScheduler's lr (and momentum) sequence over 40 steps matches PyTorch exactly, resumed mid-run too", () => {
  const bad: string[] = [];
  for (const [name, make] of Object.entries(scheds)) {
    try {
      checkTrace(name, trace(make));
    } catch (e) {
      bad.push(`${name}: ${(e as Error).message.split("\n")[0]} ${JSON.stringify(diffs(trace(make), FIX.traces[name]))}`);
    }
  }
  assert.deepEqual(bad, []);
  checkTrace("onecycle_adam", trace((o) => new S.OneCycleLR(o, { maxLr: 0.3, totalSteps: 40 }), "adam"));
  checkTrace("plateau_min", trace((o) => new S.ReduceLROnPlateau(o, { mode: "min", factor: 0.5, patience: 2, threshold: 0.01, cooldown: 2, minLr: [0.01, 0.002] }), "sgd", metric));
  checkTrace("plateau_max_abs", trace((o) => new S.ReduceLROnPlateau(o, { mode: "max", factor: 0.3, patience: 1, threshold: 0.005, thresholdMode: "abs", minLr: 0.004 }), "sgd", metric.map((m) => -m)));
});

test("trainloop: step(epoch) closed forms, a fractional CosineAnnealingWarmRestarts epoch, OneCycleLR past its total", () => {
  for (const name of ["step", "multistep", "constant", "linear", "exponential", "polynomial", "cosine"]) {
    const opt = makeOpt();
    const sched = scheds[name]!(opt);
    const out: number[][] = [];
    for (const e of [3, 1, 7, 12, 0, 25, 6, 39]) {
      sched.step(e);
      out.push(opt.paramGroups.map((g) => g.lr));
    }
    assert.deepEqual(out, FIX.closed[name], `${name}.step(epoch)`);
  }

  let opt = makeOpt();
  const wr = new S.CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 2, etaMin: 0.002 });
  const frac: number[][] = [];
  for (let epoch = 0; epoch < 8; epoch++) {
    for (let i = 0; i < 5; i++) {
      opt.step();
      wr.step(epoch + i / 5);
      frac.push(wr.getLastLr());
    }
  }
  assert.deepEqual(frac, FIX.frac);

  opt = makeOpt();
  const oc = new S.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 3 });
  for (let i = 0; i < 3; i++) {
    opt.step();
    oc.step();
  }
  assert.throws(() => oc.step(), (e: Error) => e.message.toLowerCase().includes(FIX.onecycle_err.toLowerCase()));
});

function captureWarnings<T>(fn: () => T): [T, string[]] {
  const seen: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void seen.push(a.map(String).join(" "));
  try {
    return [fn(), seen];
  } finally {
    console.warn = orig;
  }
}

test("trainloop: scheduler.step() before optimizer.step() warns as PyTorch does", () => {
  let opt = makeOpt();
  let sched = new S.StepLR(opt, 2);
  const [, bad] = captureWarnings(() => {
    sched.step();
    sched.step();
  });
  assert.equal(FIX.order_warnings.length, 1);
  assert.equal(bad.length, 1, `warnings: ${JSON.stringify(bad)}`);
  assert.ok(bad[0]!.includes("Detected call of `lr_scheduler.step()` before `optimizer.step()`"), bad[0]);
  opt = makeOpt();
  sched = new S.StepLR(opt, 2);
  const [, ok] = captureWarnings(() => {
    opt.step();
    sched.step();
  });
  assert.deepEqual(ok, FIX.ok_warnings);
});

// ---- the training run ----------------------------------------------------------------
class Net extends nn.Module {
  body = new nn.Sequential(new nn.Linear(4, 8, { bias: false }), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 1));
  head = new nn.Linear(4, 1);

  forward(x: Tensor): Tensor {
    return this.body(x).add(this.head(x).mul(0.5));
  }
}

function build(): [Net, optim.Adam, optim.lrScheduler.LambdaLR] {
  const model = new Net();
  initDeterministic(model, 1000);
  for (const p of model.head.parameters()) p.requiresGrad_(false);
  const named = [...model.body.namedParameters()];
  const decay = named.filter(([n, p]) => n.endsWith("weight") && p.dim() > 1).map(([, p]) => p);
  const other = named.filter(([n, p]) => !(n.endsWith("weight") && p.dim() > 1)).map(([, p]) => p);
  const optimizer = new optim.Adam([{ params: decay, lr: 0.02, weightDecay: 1e-3 }, { params: other, lr: 0.01 }], { lr: 0.01, betas: [0.8, 0.95] });
  const warm = 3;
  const scheduler = new S.LambdaLR(optimizer, [(e: number) => Math.min(1.0, (e + 1) / warm), (e: number) => 1.0 / (1.0 + 0.1 * e)]);
  return [model, optimizer, scheduler];
}

class EarlyStopping {
  best = Infinity;
  bad = 0;
  bestEpoch = -1;
  bestState: Record<string, Tensor> = {};
  constructor(readonly patience = 2, readonly minDelta = 1e-3) {}

  step(loss: number, epoch: number, model: nn.Module): boolean {
    if (loss < this.best - this.minDelta) {
      [this.best, this.bad, this.bestEpoch] = [loss, 0, epoch];
      this.bestState = torch.utils.deepcopy(model.stateDict());
      return false;
    }
    this.bad += 1;
    return this.bad > this.patience;
  }
}

test("trainloop: a training run with addParamGroup, clipping, EMA, SWA, a checkpoint resume and early stopping matches PyTorch", () => {
  const xTrain = det([24, 4], 1100);
  const yTrain = xTrain.index(":", ":1").mul(0.7).sub(xTrain.index(":", "1:2").mul(xTrain.index(":", "2:3"))).add(det([24, 1], 1101).mul(0.1));
  const xVal = det([8, 4], 1102);
  const yVal = xVal.index(":", ":1").mul(0.7).sub(xVal.index(":", "1:2").mul(xVal.index(":", "2:3")));
  const loader = new data.DataLoader(new data.TensorDataset(xTrain, yTrain), { batchSize: 8, shuffle: false });

  let [model, optimizer, scheduler] = build();
  const swaModel = new AveragedModel(model);
  const emaModel = new AveragedModel(model, { avgFn: (avg: Tensor, p: Tensor, _n: Tensor) => avg.mul(0.9).add(p.mul(0.1)) });
  const ema = model.parameters().map((p) => p.detach().clone());
  const decay = 0.8;
  const swaStart = 7, epochs = 11;
  let swaScheduler: InstanceType<typeof SWALR> | null = null;
  const stopper = new EarlyStopping(2, 1e-3);
  const log = { train: [] as number[], val: [] as number[], lr: [] as number[][], norms: [] as number[], inf_norms: [] as number[], last_lr: [] as number[][] };
  let stoppedAt: number | null = null;
  let resumedEpoch = -1;
  let expAvgHeadBefore!: Tensor, expAvgHeadAfter!: Tensor;
  const dir = mkdtempSync(join(tmpdir(), "trainloop-"));
  const trainWarnings: string[] = []; // SWALR's first step warns, as in PyTorch (building it resets the optimizer's step count)
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void trainWarnings.push(a.map(String).join(" "));
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      model.train();
      if (epoch === 3) {
        for (const p of model.head.parameters()) p.requiresGrad_(true);
        optimizer.addParamGroup({ params: model.head.parameters(), lr: 0.005, betas: [0.9, 0.99] });
      }
      let bi = 0;
      for (const [xb, yb] of loader) {
        optimizer.zeroGrad({ setToNone: bi % 2 === 0 });
        const loss = F.mseLoss(model(xb!), yb!);
        loss.backward();
        if (epoch % 2 === 0) {
          log.norms.push(nn.utils.clipGradNorm_(model.parameters(), { maxNorm: 0.5 }).item());
        } else {
          log.inf_norms.push(nn.utils.clipGradNorm_(model.parameters(), { maxNorm: 0.2, normType: Infinity }).item());
          nn.utils.clipGradValue_(model.parameters(), { clipValue: 0.05 });
        }
        optimizer.step();
        torch.noGrad(() => {
          ema.forEach((e, i) => e.mul_(decay).add_(model.parameters()[i]!.detach(), { alpha: 1 - decay }));
        });
        emaModel.updateParameters(model);
        log.train.push(loss.item());
        bi++;
      }
      if (epoch >= swaStart) {
        if (swaScheduler === null) swaScheduler = new SWALR(optimizer, { swaLr: [0.004, 0.002, 0.001], annealEpochs: 2, annealStrategy: "linear" });
        swaModel.updateParameters(model);
        swaScheduler.step();
        log.last_lr.push(swaScheduler.getLastLr());
      } else {
        scheduler.step();
        log.last_lr.push(scheduler.getLastLr());
      }
      log.lr.push(optimizer.paramGroups.map((g) => g.lr));
      model.eval();
      const val = torch.noGrad(() => F.mseLoss(model(xVal), yVal).item());
      log.val.push(val);
      if (epoch === 5) {
        // checkpoint and resume into fresh objects (model, optimizer with its added group, scheduler)
        const path = join(dir, "ckpt.safetensors");
        torch.save({ model: model.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), epoch }, path);
        const ck = torch.load(path);
        const [model2, optimizer2, scheduler2] = build();
        for (const p of model2.head.parameters()) p.requiresGrad_(true);
        optimizer2.addParamGroup({ params: model2.head.parameters(), lr: 0.005, betas: [0.9, 0.99] });
        model2.loadStateDict(ck.model);
        optimizer2.loadStateDict(ck.optimizer);
        scheduler2.loadStateDict(ck.scheduler);
        resumedEpoch = ck.epoch;
        expAvgHeadBefore = (optimizer.state.get(model.head.weight)!.expAvg as Tensor).clone();
        [model, optimizer, scheduler] = [model2, optimizer2, scheduler2];
        expAvgHeadAfter = (optimizer.state.get(model.head.weight)!.expAvg as Tensor).clone();
      }
      if (stopper.step(val, epoch, model)) {
        stoppedAt = epoch;
        break;
      }
    }
  } finally {
    console.warn = warn;
    rmSync(dir, { recursive: true, force: true });
  }
  // torch.save to a .safetensors name says nothing; the one warning is SWALR's
  assert.equal(trainWarnings.length, FIX.train_warnings.length, JSON.stringify(trainWarnings));
  trainWarnings.forEach((w) => assert.match(w, /Detected call of `lr_scheduler.step\(\)` before `optimizer.step\(\)`/));

  assert.deepEqual(log.lr, FIX.log.lr, "param_groups lr per epoch");
  assert.deepEqual(log.last_lr, FIX.log.last_lr, "get_last_lr per epoch");
  const close = (a: number[], b: number[], tol: number, what: string) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < tol, `${what}[${i}]: ${v} vs PyTorch ${b[i]}`));
  assert.equal(log.train.length, FIX.log.train.length);
  close(log.train, FIX.log.train, 1e-5, "train loss");
  close(log.val, FIX.log.val, 1e-5, "val loss");
  close(log.norms, FIX.log.norms, 1e-5, "clip_grad_norm_ total (2)");
  close(log.inf_norms, FIX.log.inf_norms, 1e-5, "clip_grad_norm_ total (inf)");
  assert.equal(stoppedAt, FIX.stopped_at);
  assert.equal(stopper.bestEpoch, FIX.best_epoch);
  assert.equal(resumedEpoch, FIX.resumed_epoch);
  assertTensor(expAvgHeadBefore, FIX.exp_avg_head_before, { atol: 1e-6, msg: "exp_avg before the checkpoint" });
  assertTensor(expAvgHeadAfter, FIX.exp_avg_head_after, { atol: 1e-6, msg: "exp_avg after torch.load" });

  for (const [n, p] of model.namedParameters()) assertTensor(p, FIX.params[n], { atol: 1e-5, msg: `param ${n}` });
  for (const [n, b] of model.namedBuffers()) assertTensor(b, FIX.buffers[n], { atol: 1e-5, msg: `buffer ${n}` });
  const st = optimizer.state.get((model.body.at(0) as nn.Linear).weight)!;
  assertTensor(st.expAvgSq as Tensor, FIX.exp_avg_sq_w0, { atol: 1e-7, msg: "exp_avg_sq" });
  assert.equal(Number(st.step), FIX.step_w0);
  ema.forEach((e, i) => assertTensor(e, FIX.ema[i], { atol: 1e-5, msg: `ema[${i}]` }));
  for (const [n, p] of swaModel.namedParameters()) assertTensor(p, FIX.swa_params[n], { atol: 1e-5, msg: `swa ${n}` });
  assert.equal(Number(swaModel.nAveraged.item()), FIX.swa_n);
  for (const [n, p] of emaModel.namedParameters()) assertTensor(p, FIX.ema_model_params[n], { atol: 1e-5, msg: `ema_model ${n}` });

  const swaBn = (swaModel.module as Net).body.at(1) as nn.BatchNorm1d;
  assertTensor(swaBn.runningMean!, FIX.bn_before, { atol: 1e-6, msg: "swa bn running_mean before update_bn" });
  updateBn(loader, swaModel);
  // both averaged models are still in training mode, so these calls update their running stats too (as in PyTorch)
  const [predSwa, predEma] = torch.noGrad(() => [swaModel(xVal) as Tensor, emaModel(xVal) as Tensor]);
  assertTensor(swaBn.runningMean!, FIX.swa_bn_mean, { atol: 1e-5, msg: "swa bn running_mean" });
  assertTensor(swaBn.runningVar!, FIX.swa_bn_var, { atol: 1e-5, msg: "swa bn running_var" });
  assert.equal(Number(swaBn.numBatchesTracked!.item()), FIX.swa_bn_batches);
  assertTensor(predSwa, FIX.pred_swa, { atol: 1e-5, msg: "swa prediction" });
  assertTensor(predEma, FIX.pred_ema, { atol: 1e-5, msg: "ema prediction" });

  // the best weights early stopping kept, restored into a fresh model
  const bestModel = build()[0];
  bestModel.loadStateDict(stopper.bestState);
  bestModel.eval();
  const bestVal = torch.noGrad(() => F.mseLoss(bestModel(xVal), yVal).item());
  assert.ok(Math.abs(bestVal - FIX.best_val) < 1e-5, `best val ${bestVal} vs ${FIX.best_val}`);
  assert.deepEqual(Object.keys(swaModel.stateDict()), FIX.swa_keys);

  // zeroGrad semantics: setToNone false leaves zeros, true leaves null
  const loss = F.mseLoss(model(xTrain), yTrain);
  loss.backward();
  optimizer.zeroGrad({ setToNone: false });
  const w0 = (model.body.at(0) as nn.Linear).weight;
  assertTensor(w0.grad!, FIX.grad_after_false, { msg: "grad after zero_grad(set_to_none=False)" });
  optimizer.zeroGrad({ setToNone: true });
  assert.equal(w0.grad === null, FIX.grad_after_true_is_none);
});

test("trainloop: clipGradNorm_ with errorIfNonfinite and normType inf", () => {
  const q = new nn.Parameter(torch.ones(3));
  q.grad = torch.tensor([1.0, Infinity, 2.0]);
  assert.throws(() => nn.utils.clipGradNorm_([q], 1.0, { errorIfNonfinite: true }), (e: Error) => /is non-finite \(Infinity\), so it cannot be clipped.*errorIfNonfinite: false/.test(e.message));
  assert.equal(String(nn.utils.clipGradNorm_([q], 1.0, { normType: Infinity }).item()), FIX.nonfinite_total === "inf" ? "Infinity" : FIX.nonfinite_total);
  q.grad = torch.tensor([3.0, -4.0, 0.5]);
  assert.equal(nn.utils.clipGradNorm_([q], 2.0, { normType: "inf" }).item(), FIX.inf_total);
  assertTensor(q.grad, FIX.grad_inf_clipped, { atol: 1e-7, msg: "grad clipped by its inf norm" });
  assert.equal(FIX.nonfinite_err.includes("non-finite"), true);
});

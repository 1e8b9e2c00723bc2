/**
 * A tiny Vision Transformer and knowledge distillation into a smaller student, translated
 * line by line from test/fixtures/translations/vit_distill.py (-> vit_distill.json, PyTorch
 * 1.13): patch embedding by Conv2d(kernelSize = stride = 4) then flatten(2).transpose(1, 2),
 * a cls token (nn.Parameter(zeros(1, 1, D))) expanded with expand(B, -1, -1) and cat,
 * position embeddings, Dropout, TransformerEncoderLayer(batchFirst, normFirst, "gelu")
 * stacked by TransformerEncoder, LayerNorm, a head on x[:, 0]; a student of hand-written
 * blocks around MultiheadAttention(batchFirst) with needWeights and a keyPaddingMask. AdamW
 * with two parameter groups picked from namedParameters() by name and ndim, clipGradNorm_,
 * SequentialLR(LinearLR, CosineAnnealingLR) and LambdaLR, CrossEntropyLoss(labelSmoothing),
 * KLDivLoss("batchmean") on logSoftmax(s / T) vs softmax(t / T) times T * T with the teacher
 * in eval mode under noGrad, accuracy by argmax(-1).eq(y).float().mean().item(), stateDict
 * key names and loadStateDict round trips.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FIX = loadFixture("vit_distill.json");
const numClasses = 5;

class PatchEmbed extends nn.Module {
  proj: nn.Conv2d;
  constructor(inCh = 3, dim = 16, patch = 4) {
    super();
    this.proj = new nn.Conv2d(inCh, dim, { kernelSize: patch, stride: patch });
  }

  forward(x: Tensor): Tensor {
    return this.proj(x).flatten(2).transpose(1, 2); // [B, N, D]
  }
}

class ViT extends nn.Module {
  patch_embed: PatchEmbed;
  cls_token: nn.Parameter;
  pos_embed: nn.Parameter;
  pos_drop: nn.Dropout;
  encoder: nn.TransformerEncoder;
  norm: nn.LayerNorm;
  head: nn.Linear;
  constructor(dim = 16, depth = 2, heads = 4, mlpDim = 32, dropout = 0.0, img = 16, patch = 4) {
    super();
    this.patch_embed = new PatchEmbed(3, dim, patch);
    const numPatches = Math.floor(img / patch) ** 2;
    this.cls_token = new nn.Parameter(torch.zeros(1, 1, dim));
    this.pos_embed = new nn.Parameter(torch.zeros(1, numPatches + 1, dim));
    this.pos_drop = new nn.Dropout({ p: dropout });
    const layer = new nn.TransformerEncoderLayer({
      dModel: dim, nhead: heads, dimFeedforward: mlpDim, dropout,
      activation: "gelu", batchFirst: true, normFirst: true,
    });
    this.encoder = new nn.TransformerEncoder(layer, { numLayers: depth });
    this.norm = new nn.LayerNorm(dim);
    this.head = new nn.Linear(dim, numClasses);
  }

  forward(x: Tensor): Tensor {
    const B = x.shape[0]!;
    x = this.patch_embed(x);
    const cls = this.cls_token.expand(B, -1, -1);
    x = torch.cat([cls, x], { dim: 1 });
    x = this.pos_drop(x.add(this.pos_embed));
    x = this.encoder(x);
    x = this.norm(x);
    return this.head(x.index(":", 0));
  }
}

class Block extends nn.Module {
  norm1: nn.LayerNorm;
  attn: nn.MultiheadAttention;
  norm2: nn.LayerNorm;
  mlp: nn.Sequential;
  constructor(dim: number, heads: number, mlpRatio = 2) {
    super();
    this.norm1 = new nn.LayerNorm(dim);
    this.attn = new nn.MultiheadAttention(dim, heads, { batchFirst: true });
    this.norm2 = new nn.LayerNorm(dim);
    this.mlp = new nn.Sequential(new nn.Linear(dim, dim * mlpRatio), new nn.GELU(), new nn.Linear(dim * mlpRatio, dim));
  }

  forward(x: Tensor, keyPaddingMask: Tensor | null = null): [Tensor, Tensor] {
    const h = this.norm1(x);
    const [a, w] = this.attn(h, h, h, { keyPaddingMask, needWeights: true });
    x = x.add(a);
    x = x.add(this.mlp(this.norm2(x)));
    return [x, w!];
  }
}

class StudentViT extends nn.Module {
  patch_embed: PatchEmbed;
  cls_token: nn.Parameter;
  pos_embed: nn.Parameter;
  blocks: nn.ModuleList;
  norm: nn.LayerNorm;
  head: nn.Linear;
  constructor(dim = 8, depth = 1, heads = 2) {
    super();
    this.patch_embed = new PatchEmbed(3, dim, 4);
    this.cls_token = new nn.Parameter(torch.zeros(1, 1, dim));
    this.pos_embed = new nn.Parameter(torch.zeros(1, 17, dim));
    this.blocks = new nn.ModuleList(Array.from({ length: depth }, () => new Block(dim, heads)));
    this.norm = new nn.LayerNorm(dim);
    this.head = new nn.Linear(dim, numClasses);
  }

  forward(x: Tensor, keyPaddingMask: Tensor | null = null): [Tensor, Tensor[]] {
    const B = x.shape[0]!;
    x = torch.cat([this.cls_token.expand(B, -1, -1), this.patch_embed(x)], { dim: 1 }).add(this.pos_embed);
    const weights: Tensor[] = [];
    for (const blk of this.blocks) {
      let w: Tensor;
      [x, w] = (blk as Block)(x, keyPaddingMask);
      weights.push(w);
    }
    return [this.head(this.norm(x).index(":", 0)), weights];
  }
}

function paramGroups(model: nn.Module, weightDecay: number): [torch.optim.ParamGroupInput[], number, number] {
  const decay: nn.Parameter[] = [], noDecay: nn.Parameter[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    if (p.ndim <= 1 || name.endsWith(".bias") || ["cls_token", "pos_embed"].includes(name)) noDecay.push(p);
    else decay.push(p);
  }
  return [[{ params: decay, weightDecay }, { params: noDecay, weightDecay: 0.0 }], decay.length, noDecay.length];
}

const close = (a: number, b: number, tol: number, msg: string) => assert.ok(Math.abs(a - b) <= tol, `${msg}: ${a} vs PyTorch ${b}`);

test("a tiny ViT (TransformerEncoder, cls token, AdamW groups, SequentialLR) and its distilled student match PyTorch", () => {
  const B = 8, steps = 6;
  const xAll = det([steps, B, 3, 16, 16], 500);
  const yAll = detLabels(steps * B, 501, numClasses).reshape(steps, B);
  const xTest = det([16, 3, 16, 16], 502);
  const yTest = detLabels(16, 503, numClasses);

  // ---- teacher -------------------------------------------------------------------------------
  const teacher = new ViT();
  initDeterministic(teacher, 510);
  const [groups, nDecay, nNoDecay] = paramGroups(teacher, 0.05);
  assert.deepEqual([nDecay, nNoDecay], [FIX.n_decay, FIX.n_no_decay], "parameter groups");
  const optimizer = new torch.optim.AdamW(groups, { lr: 1e-2, betas: [0.9, 0.999] });
  const warmup = new torch.optim.lrScheduler.LinearLR(optimizer, { startFactor: 0.25, totalIters: 2 });
  const cosine = new torch.optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: steps - 2, etaMin: 1e-4 });
  const scheduler = new torch.optim.lrScheduler.SequentialLR(optimizer, { schedulers: [warmup, cosine], milestones: [2] });
  const criterion = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });

  const tLosses: number[] = [], tNorms: number[] = [], tLrs: number[][] = [];
  teacher.train();
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const logits = teacher(xAll.index(step));
    const loss = criterion(logits, yAll.index(step));
    loss.backward();
    if (step === 0) {
      const g = FIX.first_grads;
      assertTensor(teacher.cls_token.grad!, g.cls_token, { atol: 1e-6, msg: "cls_token.grad" });
      assertTensor(teacher.pos_embed.grad!.index(0, 0), g.pos_embed_row0, { atol: 1e-6, msg: "pos_embed.grad[0, 0]" });
      assertTensor(teacher.patch_embed.proj.bias!.grad!, g.proj_bias, { atol: 1e-6, msg: "proj.bias.grad" });
      const layer0 = teacher.encoder.layers.at(0) as nn.TransformerEncoderLayer; // teacher.encoder.layers[0]
      assertTensor(layer0.self_attn.in_proj_weight!.grad!.index(":4"), g.in_proj_weight0, { atol: 1e-7, msg: "in_proj_weight.grad[:4]" });
    }
    const totalNorm = torch.nn.utils.clipGradNorm_(teacher.parameters(), { maxNorm: 1.0 });
    optimizer.step();
    scheduler.step();
    tLosses.push(loss.item());
    tNorms.push(totalNorm.item());
    tLrs.push(optimizer.paramGroups.map((g) => g.lr as number));
  }
  tLosses.forEach((l, i) => close(l, FIX.t_losses[i], 1e-5, `teacher step ${i} loss`));
  tNorms.forEach((n, i) => close(n, FIX.t_norms[i], 1e-5, `teacher step ${i} total norm`));
  tLrs.forEach((row, s) => row.forEach((lr, g) => close(lr, FIX.t_lrs[s][g], 1e-12, `teacher step ${s} group ${g} lr`)));
  assertTensor(teacher.head.weight, FIX.head_weight, { atol: 1e-5, msg: "head.weight" });
  assertTensor(teacher.cls_token, FIX.cls_token, { atol: 1e-5, msg: "cls_token" });
  // optimizer.state[teacher.pos_embed]["exp_avg"][0, 1]
  assertTensor((optimizer.state.get(teacher.pos_embed)!.expAvg as Tensor).index(0, 1), FIX.exp_avg_pos_embed_row1, { atol: 1e-7, msg: "exp_avg" });

  teacher.eval();
  let tTestLogits!: Tensor;
  torch.noGrad(() => {
    tTestLogits = teacher(xTest);
    const tAcc = tTestLogits.argmax({ dim: -1 }).eq(yTest).float().mean().item();
    const tPreds = tTestLogits.argmax({ dim: -1 });
    close(tAcc, FIX.t_acc, 1e-7, "teacher accuracy");
    // PyTorch's argmax gives int64; Fluxion's returned indices are int32 (README, "Conventions")
    assert.equal(FIX.t_preds.dtype, "int64");
    assert.equal(tPreds.dtype, "int32");
    assertTensor(tPreds, FIX.t_preds, { msg: "teacher predictions" });
  });
  assert.equal(tTestLogits.dtype, FIX.t_test_logits.dtype);
  assertTensor(tTestLogits, FIX.t_test_logits, { atol: 1e-4, msg: "teacher test logits" });

  // stateDict round trip into a model with dropout, compared in eval mode
  const sd = teacher.stateDict();
  const teacherKeys = [...Object.keys(sd)];
  assert.deepEqual(teacherKeys, FIX.teacher_keys, "teacher stateDict keys");
  const teacher2 = new ViT(16, 2, 4, 32, 0.1); // ViT(dropout=0.1)
  const missing = teacher2.loadStateDict(sd);
  assert.deepEqual([...missing.missingKeys], FIX.missing);
  assert.deepEqual([...missing.unexpectedKeys], FIX.unexpected);
  teacher2.eval();
  const t2Logits = torch.noGrad(() => teacher2(xTest));
  close(t2Logits.sub(tTestLogits).abs().max().item(), FIX.roundtrip_maxdiff, 0, "round-trip max difference");
  // and its dropout is live in training mode
  teacher2.train();
  assert.ok(torch.noGrad(() => teacher2(xTest)).sub(tTestLogits).abs().max().item() > 0, "dropout 0.1 changes training-mode outputs");

  // ---- student -------------------------------------------------------------------------------
  const student = new StudentViT();
  initDeterministic(student, 520);
  const [sGroups, sDecay, sNoDecay] = paramGroups(student, 0.01);
  assert.deepEqual([sDecay, sNoDecay], [FIX.s_decay, FIX.s_no_decay], "student parameter groups");
  const sOpt = new torch.optim.AdamW(sGroups, { lr: 5e-3 });
  const sSched = new torch.optim.lrScheduler.LambdaLR(sOpt, (step: number) => Math.min(1.0, (step + 1) / 3));
  const kl = new nn.KLDivLoss({ reduction: "batchmean", logTarget: false });
  const hard = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
  const T = 2.0, alpha = 0.7;

  // hide a few patches per image (never the cls token): true = ignore that key
  const mask = torch.zeros(B, 17, { dtype: torch.bool });
  for (let i = 0; i < B; i++) {
    mask.indexPut_([i, 1 + (i % 4)], true);
    mask.indexPut_([i, 16 - (i % 3)], true);
  }

  const sLosses: number[] = [], sKd: number[] = [], sNorms: number[] = [], sLrs: number[][] = [];
  teacher.eval();
  student.train();
  for (let step = 0; step < steps; step++) {
    const x = xAll.index(step), y = yAll.index(step);
    const tLogits = torch.noGrad(() => teacher(x));
    const [sLogits, attn] = student(x, mask);
    const kd = kl(F.logSoftmax(sLogits.div(T), { dim: -1 }), F.softmax(tLogits.div(T), { dim: -1 })).mul(T * T);
    const loss = kd.mul(alpha).add(hard(sLogits, y).mul(1 - alpha));
    sOpt.zeroGrad();
    loss.backward();
    if (step === 0) {
      assertTensor(attn[0]!.index(":2"), FIX.first_attn, { atol: 1e-6, msg: "attention weights" });
      assertTensor(student.cls_token.grad!, FIX.first_s_grads.cls_token, { atol: 1e-6, msg: "student cls_token.grad" });
      const blk0 = student.blocks.at(0) as Block;
      assertTensor(blk0.attn.in_proj_bias!.grad!, FIX.first_s_grads.in_proj_bias, { atol: 1e-6, msg: "student in_proj_bias.grad" });
    }
    sNorms.push(torch.nn.utils.clipGradNorm_(student.parameters(), 0.5).item());
    sOpt.step();
    sSched.step();
    sLosses.push(loss.item());
    sKd.push(kd.item());
    sLrs.push(sSched.getLastLr());
  }
  sLosses.forEach((l, i) => close(l, FIX.s_losses[i], 1e-5, `student step ${i} loss`));
  sKd.forEach((l, i) => close(l, FIX.s_kd[i], 1e-5, `student step ${i} KD loss`));
  sNorms.forEach((n, i) => close(n, FIX.s_norms[i], 1e-5, `student step ${i} total norm`));
  sLrs.forEach((row, s) => row.forEach((lr, g) => close(lr, FIX.s_lrs[s][g], 1e-12, `student step ${s} group ${g} lr`)));

  student.eval();
  let sTestLogits!: Tensor;
  torch.noGrad(() => {
    let sAttn: Tensor[];
    [sTestLogits, sAttn] = student(xTest);
    const sAcc = sTestLogits.argmax({ dim: -1 }).eq(yTest).float().mean().item();
    const agree = sTestLogits.argmax(-1).eq(tTestLogits.argmax(-1)).float().mean().item();
    close(sAcc, FIX.s_acc, 1e-7, "student accuracy");
    close(agree, FIX.agree, 1e-7, "teacher/student agreement");
    assertTensor(sAttn[0]!.index(":1"), FIX.s_attn_test, { atol: 1e-5, msg: "test attention weights" });
    // per-head attention of the cls token to the patches (averageAttnWeights: false)
    const blk = student.blocks.at(0) as Block;
    const h = blk.norm1(torch.cat([student.cls_token.expand(2, -1, -1), student.patch_embed(xTest.index(":2"))], { dim: 1 }).add(student.pos_embed));
    const [, perHead] = blk.attn(h, h, h, { keyPaddingMask: mask.index(":2"), averageAttnWeights: false });
    const clsAttn = perHead!.index(":", ":", 0, "1:").reshape(2, 2, 4, 4);
    assertTensor(clsAttn, FIX.cls_attn, { atol: 1e-5, msg: "per-head cls attention map" });
  });
  assertTensor(sTestLogits, FIX.s_test_logits, { atol: 1e-4, msg: "student test logits" });
  assertTensor(student.head.bias!, FIX.s_head_bias, { atol: 1e-5, msg: "student head.bias" });

  const studentKeys = [...Object.keys(student.stateDict())];
  assert.deepEqual(studentKeys, FIX.student_keys, "student stateDict keys");
  const student2 = new StudentViT();
  student2.loadStateDict(student.stateDict());
  student2.eval();
  const [s2Logits] = torch.noGrad(() => student2(xTest));
  assertTensor(s2Logits, FIX.s2_logits, { atol: 1e-4, msg: "student round trip" });

  // sum(p.numel() for p in model.parameters())
  let nParams = 0;
  for (const p of teacher.parameters()) nParams += p.numel();
  assert.equal(nParams, FIX.n_params);
  let sNParams = 0;
  for (const p of student.parameters()) sNParams += p.numel();
  assert.equal(sNParams, FIX.s_n_params);
});

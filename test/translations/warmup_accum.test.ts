/**
 * Linear warmup + cosine decay on AdamW with gradient accumulation and a custom
 * autograd.Function, translated line by line from test/fixtures/translations/warmup_accum.py
 * (-> warmup_accum.json, PyTorch 1.13): two parameter groups (no weight decay for biases and
 * LayerNorm), loss / accumSteps over 3 micro-batches, clipGradNorm_'s returned total norm,
 * LambdaLR over the step, a straight-through clamp as autograd.Function (saveForBackward plus
 * a plain value on ctx, None for the non-tensor argument), and the same schedule built from
 * SequentialLR(LinearLR, CosineAnnealingLR).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { autograd, nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("warmup_accum.json");

class ClampST extends autograd.Function {
  static override forward(ctx: autograd.FunctionCtx, x: Tensor, bound: number): Tensor {
    ctx.saveForBackward(x);
    ctx.bound = bound;
    return x.clamp(-bound, bound);
  }

  static override backward(ctx: autograd.FunctionCtx, gradOutput: Tensor): [Tensor, null] {
    const [x] = ctx.savedTensors;
    const mask = x!.abs().le(ctx.bound as number).to(gradOutput.dtype); // ctx.bound is unknown to TypeScript
    return [gradOutput.mul(mask), null];
  }
}

class Net extends nn.Module {
  fc1 = new nn.Linear(6, 10);
  norm = new nn.LayerNorm(10);
  fc2 = new nn.Linear(10, 1);

  forward(x: Tensor): Tensor {
    const h = ClampST.apply<Tensor>(this.fc1(x), 0.8);
    return this.fc2(torch.tanh(this.norm(h)));
  }
}

const close = (a: number, b: number, tol: number, msg: string) => assert.ok(Math.abs(a - b) <= tol, `${msg}: ${a} vs PyTorch ${b}`);

test("warmup + cosine LambdaLR on AdamW with gradient accumulation and a custom Function match PyTorch", () => {
  const model = new Net();
  initDeterministic(model, 130);
  const decay: nn.Parameter[] = [], noDecay: nn.Parameter[] = [];
  for (const [name, p] of model.namedParameters()) (name.endsWith("bias") || name.includes("norm") ? noDecay : decay).push(p);
  const optimizer = new torch.optim.AdamW([
    { params: decay, weightDecay: 0.1 },
    { params: noDecay, weightDecay: 0.0 },
  ], { lr: 3e-2, betas: [0.9, 0.95] });

  const warmupSteps = 2, totalSteps = 6, accumSteps = 3;
  const lrLambda = (step: number): number => {
    if (step < warmupSteps) return (step + 1) / warmupSteps;
    const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return 0.5 * (1.0 + Math.cos(Math.PI * progress));
  };
  const scheduler = new torch.optim.lrScheduler.LambdaLR(optimizer, lrLambda);
  const lossFn = new nn.MSELoss();
  const xAll = det([totalSteps * accumSteps, 4, 6], 140);
  const yAll = det([totalSteps * accumSteps, 4, 1], 141);

  const lrs: number[][] = [], losses: number[] = [], norms: number[] = [];
  optimizer.zeroGrad();
  for (let i = 0; i < totalSteps * accumSteps; i++) {
    const out = model(xAll.index(i));
    const loss = lossFn(out, yAll.index(i)).div(accumSteps);
    loss.backward();
    losses.push(loss.item());
    if ((i + 1) % accumSteps === 0) {
      const totalNorm = torch.nn.utils.clipGradNorm_(model.parameters(), { maxNorm: 1.0 });
      norms.push(totalNorm.item());
      optimizer.step();
      scheduler.step();
      optimizer.zeroGrad();
      lrs.push(optimizer.paramGroups.map((g) => g.lr as number));
    }
  }
  lrs.forEach((row, s) => row.forEach((lr, g) => close(lr, FIX.lrs[s][g], 1e-12, `step ${s} group ${g} lr`)));
  losses.forEach((l, i) => close(l, FIX.losses[i], 2e-6, `micro-batch ${i} loss`));
  norms.forEach((n, i) => close(n, FIX.norms[i], 1e-5, `step ${i} total norm`));
  assertTensor(model.fc2.weight, FIX.fc2_weight, { atol: 1e-5, msg: "fc2.weight" });
  assertTensor(model.norm.bias!, FIX.norm_bias, { atol: 1e-5, msg: "norm.bias" });
  // optimizer.state[model.fc1.bias]["exp_avg_sq"]
  assertTensor(optimizer.state.get(model.fc1.bias!)!.expAvgSq as Tensor, FIX.exp_avg_sq_fc1_bias, { atol: 1e-8, rtol: 1e-4, msg: "exp_avg_sq" });

  // the same schedule from built-in schedulers
  const p = torch.zeros(1, { requiresGrad: true });
  const opt2 = new torch.optim.AdamW([p], { lr: 3e-2 });
  const sched2 = new torch.optim.lrScheduler.SequentialLR(opt2, {
    schedulers: [
      new torch.optim.lrScheduler.LinearLR(opt2, { startFactor: 0.5, totalIters: 1 }),
      new torch.optim.lrScheduler.CosineAnnealingLR(opt2, { tMax: 4 }), // T_max=4
    ],
    milestones: [2],
  });
  const seqLrs: number[] = [];
  for (let k = 0; k < 6; k++) {
    opt2.step();
    sched2.step();
    seqLrs.push(sched2.getLastLr()[0]!);
  }
  seqLrs.forEach((lr, k) => close(lr, FIX.seq_lrs[k], 1e-12, `SequentialLR step ${k}`));

  const xg = torch.tensor([-1.0, -0.5, 0.2, 0.9], { requiresGrad: true });
  ClampST.apply<Tensor>(xg, 0.8).mul(torch.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward();
  assertTensor(xg.grad!, FIX.clamp_grad, { msg: "straight-through clamp gradient" });
});

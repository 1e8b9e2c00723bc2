/**
 * Custom autograd Functions, translated line by line from
 * test/fixtures/translations/custom_autograd.py (-> custom_autograd.json, PyTorch 1.13): the
 * docs' LinearFunction (saveForBackward with a null bias, needsInputGrad, three gradients
 * returned when forward took two arguments), a straight-through quantizer with a learnable
 * scale (null for the non-tensor `bits`), a leaky clamp with two outputs whose mask is
 * markNonDifferentiable, and sin/cos with setMaterializeGrads(false); inside an nn.Module
 * trained for four SGD steps, then gradcheck in float64.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { autograd, nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("custom_autograd.json");
const { Function, gradcheck } = autograd;
type Ctx = autograd.FunctionCtx;

class LinearFunction extends Function {
  static override forward(ctx: Ctx, input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
    ctx.saveForBackward(input, weight, bias);
    const output = input.mm(weight.t());
    if (bias !== null) output.add_(bias.unsqueeze(0).expandAs(output));
    return output;
  }

  static override backward(ctx: Ctx, gradOutput: Tensor): (Tensor | null)[] {
    const [input, weight, bias] = ctx.savedTensors;
    let gradInput = null, gradWeight = null, gradBias = null;
    if (ctx.needsInputGrad[0]) gradInput = gradOutput.mm(weight!);
    if (ctx.needsInputGrad[1]) gradWeight = gradOutput.t().mm(input!);
    if (bias !== null && ctx.needsInputGrad[2]) gradBias = gradOutput.sum(0);
    return [gradInput, gradWeight, gradBias];
  }
}

class STEQuantize extends Function {
  static override forward(ctx: Ctx, x: Tensor, scale: Tensor, bits: number): Tensor {
    const qmax = 2 ** (bits - 1) - 1;
    ctx.saveForBackward(x, scale);
    ctx.qmax = qmax;
    return torch.clamp(torch.round(x.div(scale)), -qmax - 1, qmax).mul(scale);
  }

  static override backward(ctx: Ctx, gradOutput: Tensor): (Tensor | null)[] {
    const [x, scale] = ctx.savedTensors;
    const qmax = ctx.qmax as number;
    const v = x!.div(scale!);
    const inside = v.ge(-qmax - 1).bitwiseAnd(v.le(qmax)).to(gradOutput.dtype);
    let gradX = null, gradScale = null;
    if (ctx.needsInputGrad[0]) gradX = gradOutput.mul(inside);
    if (ctx.needsInputGrad[1]) {
      const q = torch.clamp(torch.round(v), -qmax - 1, qmax);
      gradScale = gradOutput.mul(q.sub(v.mul(inside))).sum().reshape(scale!.shape);
    }
    return [gradX, gradScale, null];
  }
}

const maskGrads: (number | null)[] = [];

class LeakyClamp extends Function {
  static override forward(ctx: Ctx, x: Tensor, lo: number, hi: number, slope: number): Tensor[] {
    const inside = x.ge(lo).bitwiseAnd(x.le(hi));
    const mask = inside.to(x.dtype);
    ctx.markNonDifferentiable(mask);
    ctx.saveForBackward(inside);
    ctx.slope = slope;
    return [x.clamp(lo, hi), mask];
  }

  static override backward(ctx: Ctx, gradY: Tensor, gradMask: Tensor | null): (Tensor | null)[] {
    const [inside] = ctx.savedTensors;
    maskGrads.push(gradMask === null ? null : gradMask.abs().sum().item());
    return [torch.where(inside!, gradY, gradY.mul(ctx.slope as number)), null, null, null];
  }
}

const seenNone: boolean[][] = [];

class SinCos extends Function {
  static override forward(ctx: Ctx, x: Tensor): Tensor[] {
    ctx.setMaterializeGrads(false);
    ctx.saveForBackward(x);
    return [x.sin(), x.cos()];
  }

  static override backward(ctx: Ctx, gradS: Tensor | null, gradC: Tensor | null): Tensor | null {
    const [x] = ctx.savedTensors;
    seenNone.push([gradS === null, gradC === null]);
    let grad: Tensor | null = null;
    if (gradS !== null) grad = gradS.mul(x!.cos());
    if (gradC !== null) {
      const g = gradC.neg().mul(x!.sin());
      grad = grad === null ? g : grad.add(g);
    }
    return grad;
  }
}

class MyLinear extends nn.Module {
  weight: nn.Parameter;
  bias!: nn.Parameter | null; // a TypeScript declaration; registerParameter below may register it as null
  constructor(inFeatures: number, outFeatures: number, bias = true) {
    super();
    this.weight = new nn.Parameter(torch.empty(outFeatures, inFeatures));
    if (bias) this.bias = new nn.Parameter(torch.empty(outFeatures));
    else this.registerParameter("bias", null);
  }

  forward(input: Tensor): Tensor {
    return LinearFunction.apply(input, this.weight, this.bias);
  }
}

class QuantNet extends nn.Module {
  fc1 = new MyLinear(6, 8);
  scale = new nn.Parameter(torch.tensor(0.25));
  fc2 = new MyLinear(8, 3, false);
  insideFrac: Tensor | null = null;

  forward(x: Tensor): Tensor {
    let [h, mask] = LeakyClamp.apply<Tensor[]>(this.fc1(x), -1.0, 1.0, 0.1);
    this.insideFrac = mask!.mean();
    h = STEQuantize.apply(h, this.scale, 4);
    const [s, c] = SinCos.apply<Tensor[]>(h);
    return this.fc2(s!.add(c!.mul(0.5)));
  }
}

test("custom autograd Functions (saveForBackward, needsInputGrad, markNonDifferentiable, setMaterializeGrads) train as in PyTorch", () => {
  const model = new QuantNet();
  initDeterministic(model, 300);
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const lossFn = new nn.CrossEntropyLoss();
  const x = det([5, 6], 310, 2.0);
  const y = detLabels(5, 311, 3);
  const losses: number[] = [], fracs: number[] = [], scales: number[] = [];
  for (let step = 0; step < 4; step++) {
    opt.zeroGrad();
    const loss = lossFn(model(x), y);
    loss.backward();
    opt.step();
    losses.push(loss.item());
    fracs.push(model.insideFrac!.item());
    scales.push(model.scale.item());
  }
  const maskRequiresGrad = model.insideFrac!.requiresGrad;

  // only the sin output used: backward sees null for the cos gradient
  const xs = det([4], 320).requiresGrad_();
  const [s] = SinCos.apply<Tensor[]>(xs);
  s!.sum().backward();
  const sinOnlyGrad = xs.grad!.clone();
  const seenFirst = seenNone.slice(0, 5);

  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 2e-5, `step ${i} loss ${l} vs PyTorch ${FIX.losses[i]}`));
  fracs.forEach((f, i) => assert.ok(Math.abs(f - FIX.fracs[i]) < 1e-6, `step ${i} inside fraction ${f} vs PyTorch ${FIX.fracs[i]}`));
  scales.forEach((v, i) => assert.ok(Math.abs(v - FIX.scales[i]) < 2e-5, `step ${i} scale ${v} vs PyTorch ${FIX.scales[i]}`));
  assert.equal(maskRequiresGrad, FIX.mask_requires_grad, "a markNonDifferentiable output does not require grad");
  assert.deepEqual(maskGrads.slice(0, 2), FIX.mask_grads, "the non-differentiable output's gradient is materialized as zeros");
  assert.deepEqual(seenFirst, FIX.seen_none, "which gradients backward saw as null (setMaterializeGrads(false))");
  assertTensor(model.fc1.weight, FIX.fc1_weight, { atol: 2e-5, msg: "fc1.weight" });
  assertTensor(model.fc1.bias!, FIX.fc1_bias, { atol: 2e-5, msg: "fc1.bias" });
  assertTensor(model.fc2.weight, FIX.fc2_weight, { atol: 2e-5, msg: "fc2.weight" });
  assertTensor(sinOnlyGrad, FIX.sin_only_grad, { atol: 1e-6, msg: "sin-only gradient" });

  // gradcheck in float64
  const inp = det([4, 3], 330).double().requiresGrad_();
  const w = det([2, 3], 331).double().requiresGrad_();
  const b = det([2], 332).double().requiresGrad_();
  const checkLinear = gradcheck(LinearFunction.apply, [inp, w, b], { eps: 1e-6, atol: 1e-4 });
  const checkLinearNobias = gradcheck(LinearFunction.apply, [inp, w], { eps: 1e-6, atol: 1e-4 });
  const xc = det([6], 333).double().requiresGrad_();
  const checkClamp = gradcheck(LeakyClamp.apply, [xc, -0.5, 0.5, 0.0]); // slope 0: the true gradient
  const checkLeaky = gradcheck(LeakyClamp.apply, [xc, -0.5, 0.5, 0.1], { raiseException: false });
  const checkSincos = gradcheck(SinCos.apply, xc);
  const xq = det([6], 334, 0.7).double().requiresGrad_();
  const sq = torch.tensor(0.25, { dtype: torch.float64, requiresGrad: true });
  const checkQuant = gradcheck(STEQuantize.apply, [xq, sq, 4], { raiseException: false });
  assert.deepEqual([checkLinear, checkLinearNobias, checkClamp, checkLeaky, checkSincos, checkQuant], FIX.checks);
});

/**
 * "Fusing Convolution and Batch Norm using Custom Function"
 * (pytorch.org/tutorials/intermediate/custom_function_conv_bn_tutorial) translated line by
 * line, on test/fixtures/tutorials/fuse_conv_bn.py's deterministic inputs, checked against
 * PyTorch 1.13 (fuse_conv_bn.json): the gradchecks of the custom Conv2D, BatchNorm (with
 * once_differentiable) and FusedConvBN2DFunction, the fused function's output and
 * gradients, the error of a double backward through a once-differentiable backward, and three
 * Adadelta steps of the tutorial's Net, fused and unfused. Lines that needed more than the
 * mechanical changes carry a comment.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { autograd, nn, optim, type Tensor } from "../../src/index.js";

type FunctionCtx = autograd.FunctionCtx;
import { assertClose } from "../helpers.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FX = loadFixture("fuse_conv_bn.json");
const onceDifferentiable = autograd.onceDifferentiable;

function convolutionBackward(gradOut: Tensor, X: Tensor, weight: Tensor): [Tensor, Tensor] {
  const gradInput = F.conv2d(X.transpose(0, 1), gradOut.transpose(0, 1)).transpose(0, 1);
  const gradX = F.convTranspose2d(gradOut, weight);
  return [gradX, gradInput];
}

class Conv2D extends autograd.Function {
  static override forward(ctx: FunctionCtx, X: Tensor, weight: Tensor): Tensor {
    ctx.saveForBackward(X, weight);
    return F.conv2d(X, weight);
  }

  // Use @once_differentiable by default unless we intend to double backward
  static override backward = onceDifferentiable((ctx: FunctionCtx, gradOut: Tensor) => {
    const [X, weight] = ctx.savedTensors as [Tensor, Tensor];
    return convolutionBackward(gradOut, X, weight);
  });
}

// Helper function to unsqueeze all the dimensions that we reduce over
const unsqueezeAll = (t: Tensor) => t.index(null, ":", null, null); // t[None, :, None, None]

function batchNormBackward(gradOut: Tensor, X: Tensor, sum: Tensor, sqrtVar: Tensor, N: number, eps: number): Tensor {
  // We use the formula: out = (X - mean(X)) / (sqrt(var(X)) + eps) in batch norm 2d's
  // forward. (The tutorial's derivation notes are in fuse_conv_bn.py.)
  const tmp = X.sub(unsqueezeAll(sum).div(N)).mul(gradOut).sum([0, 2, 3]);
  tmp.mul_(-1); // tmp *= -1
  const dDenom = tmp.div(sqrtVar.add(eps).pow(2)); // d_denom = -num / denom**2
  const dVar = dDenom.div(sqrtVar.mul(2)); // denom = torch.sqrt(var) + eps
  // Compute d_mean_dx before allocating the final NCHW-sized grad_input buffer
  let dMeanDx = gradOut.div(unsqueezeAll(sqrtVar.add(eps)));
  dMeanDx = unsqueezeAll(dMeanDx.sum([0, 2, 3]).neg().div(N));

  // (1) unbiased_var(x) = ((X - unsqueeze_all(mean))**2).sum(dim=(0, 2, 3)) / (N - 1)
  const gradInput = X.mul(unsqueezeAll(dVar.mul(N)));
  gradInput.add_(unsqueezeAll(dVar.neg().mul(sum)));
  gradInput.mul_(2 / ((N - 1) * N));
  // (2) mean (see above)
  gradInput.add_(dMeanDx);
  // (3) Add 'grad_out / <factor>' without allocating an extra buffer
  gradInput.mul_(unsqueezeAll(sqrtVar.add(eps)));
  gradInput.add_(gradOut);
  gradInput.div_(unsqueezeAll(sqrtVar.add(eps))); // sqrt_var + eps > 0!
  return gradInput;
}

class BatchNorm extends autograd.Function {
  static override forward(ctx: FunctionCtx, X: Tensor, eps = 1e-3): Tensor {
    // Don't save keepdim'd values for backward
    const sum = X.sum([0, 2, 3]);
    const variance = X.var([0, 2, 3], { unbiased: true }); // var: a reserved word in JS
    const N = X.numel() / X.size(1);
    const sqrtVar = torch.sqrt(variance);
    ctx.saveForBackward(X);
    ctx.eps = eps;
    ctx.sum = sum;
    ctx.N = N;
    ctx.sqrtVar = sqrtVar;
    const mean = sum.div(N);
    const denom = sqrtVar.add(eps);
    const out = X.sub(unsqueezeAll(mean));
    out.div_(unsqueezeAll(denom));
    return out;
  }

  static override backward = onceDifferentiable((ctx: FunctionCtx, gradOut: Tensor) => {
    const [X] = ctx.savedTensors as [Tensor];
    return batchNormBackward(gradOut, X, ctx.sum as Tensor, ctx.sqrtVar as Tensor, ctx.N as number, ctx.eps as number);
  });
}

class FusedConvBN2DFunction extends autograd.Function {
  static override forward(ctx: FunctionCtx, X: Tensor, convWeight: Tensor, eps = 1e-3): Tensor {
    assert.equal(X.ndim, 4); // N, C, H, W
    // (1) Only need to save this single buffer for backward!
    ctx.saveForBackward(X, convWeight);

    // (2) Exact same Conv2D forward from example above
    X = F.conv2d(X, convWeight);
    // (3) Exact same BatchNorm2D forward from example above
    const sum = X.sum([0, 2, 3]);
    const variance = X.var([0, 2, 3], { unbiased: true });
    const N = X.numel() / X.size(1);
    const sqrtVar = torch.sqrt(variance);
    ctx.eps = eps;
    ctx.sum = sum;
    ctx.N = N;
    ctx.sqrtVar = sqrtVar;
    const mean = sum.div(N);
    const denom = sqrtVar.add(eps);
    // Try to do as many things in-place as possible
    const out = X.sub(unsqueezeAll(mean));
    out.div_(unsqueezeAll(denom));
    return out;
  }

  static override backward(ctx: FunctionCtx, gradOut: Tensor) {
    const [X, convWeight] = ctx.savedTensors as [Tensor, Tensor];
    // (4) Batch norm backward
    // (5) We need to recompute conv
    const XConvOut = F.conv2d(X, convWeight);
    gradOut = batchNormBackward(gradOut, XConvOut, ctx.sum as Tensor, ctx.sqrtVar as Tensor, ctx.N as number, ctx.eps as number);
    // (6) Conv2d backward
    const [gradX, gradInput] = convolutionBackward(gradOut, X, convWeight);
    return [gradX, gradInput, null, null, null, null, null];
  }
}

class FusedConvBN extends nn.Module {
  convWeight: nn.Parameter;
  numFeatures: number;
  eps: number;
  constructor(inChannels: number, outChannels: number, kernelSize: number, _expAvgFactor = 0.1, eps = 1e-3, device: string | null = null, dtype: torch.DType | null = null) {
    super();
    const factoryKwargs = { device: device ?? undefined, dtype: dtype ?? undefined };
    // Conv parameters
    const weightShape = [outChannels, inChannels, kernelSize, kernelSize];
    this.convWeight = new nn.Parameter(torch.empty(weightShape, factoryKwargs));
    // Batch norm parameters
    const numFeatures = outChannels;
    this.numFeatures = numFeatures;
    this.eps = eps;
    // Initialize
    this.resetParameters();
  }
  forward(X: Tensor): Tensor {
    return FusedConvBN2DFunction.apply(X, this.convWeight, this.eps) as Tensor;
  }
  resetParameters(): void {
    nn.init.kaimingUniform_(this.convWeight, { a: Math.sqrt(5) });
  }
}

class Net extends nn.Module {
  fused: boolean;
  convbn1?: FusedConvBN; convbn2?: FusedConvBN;
  conv1?: nn.Conv2d; bn1?: nn.BatchNorm2d; conv2?: nn.Conv2d; bn2?: nn.BatchNorm2d;
  fc1: nn.Linear; dropout: nn.Dropout; fc2: nn.Linear;
  constructor(fused = true) {
    super();
    this.fused = fused;
    if (fused) {
      this.convbn1 = new FusedConvBN(1, 32, 3);
      this.convbn2 = new FusedConvBN(32, 64, 3);
    } else {
      this.conv1 = new nn.Conv2d(1, 32, 3, 1, { bias: false });
      this.bn1 = new nn.BatchNorm2d(32, { affine: false, trackRunningStats: false });
      this.conv2 = new nn.Conv2d(32, 64, 3, 1, { bias: false });
      this.bn2 = new nn.BatchNorm2d(64, { affine: false, trackRunningStats: false });
    }
    this.fc1 = new nn.Linear(9216, 128);
    this.dropout = new nn.Dropout(0.5);
    this.fc2 = new nn.Linear(128, 10);
  }
  forward(x: Tensor): Tensor {
    x = this.fused ? this.convbn1!(x) : this.bn1!(this.conv1!(x));
    F.relu_(x);
    x = this.fused ? this.convbn2!(x) : this.bn2!(this.conv2!(x));
    F.relu_(x);
    x = F.maxPool2d(x, 2);
    F.relu_(x);
    x = x.flatten(1);
    x = this.fc1(x);
    x = this.dropout(x);
    F.relu_(x);
    x = this.fc2(x);
    const output = F.logSoftmax(x, { dim: 1 });
    return output;
  }
}

test("Fusing conv and batch norm: the custom Functions pass gradcheck and give PyTorch's fused output and gradients", () => {
  let weight = det([5, 3, 3, 3], 7000, 0.5, 0.5).double().requiresGrad_();
  let X = det([10, 3, 7, 7], 7001, 0.5, 0.5).double().requiresGrad_();
  // fastMode: the slow mode's 1600 perturbed convolutions take seconds (PyTorch's fixture ran it slow)
  assert.equal(autograd.gradcheck((X: Tensor, w: Tensor) => Conv2D.apply(X, w) as Tensor, [X, weight], { fastMode: true }), FX.gradcheck_conv);

  let a = det([1, 2, 3, 4], 7002).double().requiresGrad_();
  assert.equal(autograd.gradcheck((x: Tensor) => BatchNorm.apply(x) as Tensor, [a], { fastMode: false }), FX.gradcheck_bn);

  weight = det([5, 3, 3, 3], 7003).double().requiresGrad_();
  a = det([2, 3, 4, 5], 7004).double().requiresGrad_();
  assert.equal(autograd.gradcheck((x: Tensor, w: Tensor) => FusedConvBN2DFunction.apply(x, w) as Tensor, [a, weight]), FX.gradcheck_fused);
  const y = FusedConvBN2DFunction.apply(a, weight) as Tensor;
  const g = det([...y.shape], 7005).double();
  y.backward(g);
  assertTensor(y, FX.fused.y, { atol: 1e-12 });
  assertTensor(a.grad!, FX.fused.grad_a, { atol: 1e-10 });
  assertTensor(weight.grad!, FX.fused.grad_w, { atol: 1e-10 });

  // double backward through a once-differentiable backward raises PyTorch's error
  X = det([2, 3, 4, 5], 7006).double().requiresGrad_();
  const yb = BatchNorm.apply(X) as Tensor;
  const [gx] = autograd.grad(yb.pow(2).sum(), X, { createGraph: true });
  assert.throws(() => gx!.sum().backward(), (e: Error) => e.message.includes(FX.double_backward_error));
});

test("Fusing conv and batch norm: the tutorial's Net trains the same fused and unfused, and as PyTorch's", () => {
  const images = det([8, 1, 28, 28], 7100, 0.5, 0.5), labels = detLabels(8, 7101, 10);
  for (const fused of [true, false]) {
    const model = new Net(fused);
    initDeterministic(model, 7200);
    model.dropout.p = 0; // the tutorial's 0.5 draws random masks
    const optimizer = new optim.Adadelta(model.parameters(), { lr: 1.0 });
    const ls: number[] = [];
    for (let i = 0; i < 3; i++) {
      optimizer.zeroGrad();
      const loss = F.nllLoss(model(images), labels);
      loss.backward();
      optimizer.step();
      ls.push(loss.item());
    }
    assertClose(ls, FX.losses[fused ? "fused" : "unfused"], { rtol: 2e-4 });
  }
});

/**
 * Activation functions (F.relu, F.gelu, F.softmax, celu, hardswish, prelu, ...), thin
 * wrappers over Tensor ops.
 * The raw functions serve the layers; ACTIVATION_FNS are the declared, argument-checked
 * forms `F` exports, in PyTorch's positional order (inplace included).
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { noGrad } from "../../autograd/grad_mode.js";
import type { BackwardFn } from "../../autograd/node.js";
import { record1 } from "../../autograd/record.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { softmax as softmaxOp, logSoftmax as logSoftmaxOp } from "../../ops/reduction.js";
import { where } from "../../ops/elementwise.js";
import { applyInPlace, refusingBackward } from "../../ops/inplace.js";
import { defineF } from "./define.js";

export function relu(x: Tensor): Tensor {
  return x.relu();
}
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return x.leakyRelu(negativeSlope);
}
export function gelu(x: Tensor, opts?: { approximate?: "none" | "tanh" }): Tensor {
  return x.gelu(opts);
}
export function silu(x: Tensor): Tensor {
  return x.silu();
}
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}
export function softplus(x: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
  return x.softplus(opts);
}
/** ELU: x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return where(x.gt(0), x, x.expm1().mul(alpha));
}
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  if (minVal > maxVal) throw new FluxionError(`hardtanh: minVal cannot be greater than maxVal (got minVal=${minVal}, maxVal=${maxVal})`);
  // clamp's values; the gradient is 0 at the bounds, as PyTorch's hardtanh_backward
  return clampStrict("HardtanhBackward0", x, minVal, maxVal);
}
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return logSoftmaxOp(x, dim);
}

// ---- in-place forms (F.elu_, F.hardtanh_, ..., and the inplace=true flags) ---------------

const ELU_NEGATIVE_SLOPE = "In-place elu backward calculation is triggered with a negative slope which is not supported. " +
  "This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead.";

/**
 * elu written into x. As PyTorch, a negative alpha runs but its gradient is refused (the
 * in-place backward reads the overwritten output); `op` names the public form (celu_ is
 * elu_ with the input scaled).
 */
export function eluInPlace(x: Tensor, alpha = 1, op = "elu_"): Tensor {
  return applyInPlace(x, op, (s) => (alpha < 0 ? refusingBackward("EluBackward1", s, () => elu(s, alpha), ELU_NEGATIVE_SLOPE) : elu(s, alpha)));
}
/** hardtanh written into x. */
export function hardtanhInPlace(x: Tensor, minVal = -1, maxVal = 1, op = "hardtanh_"): Tensor {
  return applyInPlace(x, op, (s) => hardtanh(s, minVal, maxVal));
}

/** The declared forms (torch.nn.functional's signatures); `F` exports these. */
export const ACTIVATION_FNS = {
  relu: defineF("relu(Tensor input, bool inplace=false) -> Tensor", (x: Tensor, inplace: boolean) => (inplace ? x.relu_() : x.relu())),
  leakyRelu: defineF("leakyRelu(Tensor input, float negativeSlope=0.01, bool inplace=false) -> Tensor", (x: Tensor, slope: number, inplace: boolean) =>
    inplace ? x.leakyRelu_(slope) : x.leakyRelu(slope)),
  gelu: defineF('gelu(Tensor input, *, "none"|"tanh" approximate="none") -> Tensor', (x: Tensor, { approximate }: { approximate: "none" | "tanh" }) => x.gelu({ approximate })),
  silu: defineF("silu(Tensor input, bool inplace=false) -> Tensor", (x: Tensor, inplace: boolean) => (inplace ? x.silu_() : x.silu())),
  sigmoid: defineF("sigmoid(Tensor input) -> Tensor", sigmoid),
  tanh: defineF("tanh(Tensor input) -> Tensor", tanh),
  softplus: defineF("softplus(Tensor input, float beta=1, float threshold=20) -> Tensor", (x: Tensor, beta: number, threshold: number) => x.softplus(beta, threshold)),
  elu: defineF("elu(Tensor input, float alpha=1.0, bool inplace=false) -> Tensor", (x: Tensor, alpha: number, inplace: boolean) =>
    inplace ? eluInPlace(x, alpha) : elu(x, alpha)),
  hardtanh: defineF("hardtanh(Tensor input, float minVal=-1.0, float maxVal=1.0, bool inplace=false) -> Tensor", (x: Tensor, lo: number, hi: number, inplace: boolean) =>
    inplace ? hardtanhInPlace(x, lo, hi) : hardtanh(x, lo, hi)),
  // PyTorch's `_stacklevel` (its third positional parameter) is left out: dtype is keyword-only here
  softmax: defineF("softmax(Tensor input, int dim, *, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, { dtype }: { dtype: DType | null }) => softmaxOp(x, dim, dtype)),
  logSoftmax: defineF("logSoftmax(Tensor input, int dim, *, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, { dtype }: { dtype: DType | null }) =>
    logSoftmaxOp(x, dim, dtype)),
};

// ---- more activations (torch.nn.functional's celu ... prelu) ------------------------------
// Each is composed from Tensor ops, so autograd derives its gradient (and higher ones), except
// the hard* family: their kinks follow PyTorch's backward (no gradient at the boundaries),
// which a clamp's gradient would not, so they record their formula beside the forward.

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** CELU: max(0, x) + min(0, alpha · (exp(x / alpha) - 1)). */
export function celu(x: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new FluxionError("celu: ZeroDivisionError: alpha cannot be 0 for CELU");
  return where(x.gt(0), x, x.div(alpha).expm1().mul(alpha));
}
/** SELU: scale · (max(0, x) + min(0, alpha · (exp(x) - 1))) with PyTorch's constants. */
export function selu(x: Tensor): Tensor {
  return where(x.gt(0), x.mul(SELU_SCALE), x.expm1().mul(SELU_ALPHA * SELU_SCALE));
}

/** The gradient mask g · [lo < x < hi] · scale, strict at the boundaries as PyTorch's. */
function insideBackward(lo: number, hi: number, scale: number): BackwardFn {
  return ([g], [xs]) => {
    const masked = g!.mul(xs!.gt(lo).logicalAnd(xs!.lt(hi)));
    return [scale === 1 ? masked : masked.mul(scale)];
  };
}

/** hardtanh's core: clamp into [lo, hi]; the gradient is 1 strictly inside, 0 at and beyond the bounds. */
function clampStrict(name: string, x: Tensor, lo: number, hi: number): Tensor {
  const out = noGrad(() => x.clamp(lo, hi));
  return record1(name, [x], out, [x], insideBackward(lo, hi, 1));
}
/** relu6: min(max(0, x), 6). */
export function relu6(x: Tensor): Tensor {
  return clampStrict("HardtanhBackward0", x, 0, 6);
}
/** hardsigmoid: relu6(x + 3) / 6. */
export function hardsigmoid(x: Tensor): Tensor {
  const out = noGrad(() => x.add(3).clamp(0, 6).div(6));
  // PyTorch's backward multiplies by 1/6 rounded to float32 (1.0f / 6.0f), in every dtype
  return record1("HardsigmoidBackward0", [x], out, [x], insideBackward(-3, 3, Math.fround(1 / 6)));
}

/**
 * hardswish's gradient: 0 below -3, x / 3 + 0.5 below 3, 1 from 3 on. (At exactly 3 PyTorch's
 * vectorized CPU kernel, which computes nearly all elements, gives 1; its scalar tail 1.5.)
 */
function hardswishBackward(): BackwardFn {
  return ([g], [xs]) => [where(xs!.lt(-3), 0, where(xs!.lt(3), g!.mul(xs!.div(3).add(0.5)), g!))];
}
/** hardswish: x · relu6(x + 3) / 6. */
export function hardswish(x: Tensor): Tensor {
  const out = noGrad(() => x.mul(x.add(3).clamp(0, 6)).div(6));
  return record1("HardswishBackward0", [x], out, [x], hardswishBackward());
}
/** mish: x · tanh(softplus(x)). */
export function mish(x: Tensor): Tensor {
  return x.mul(x.softplus().tanh());
}
/** softsign: x / (1 + |x|). */
export function softsign(x: Tensor): Tensor {
  return x.div(x.abs().add(1));
}
// PyTorch's log_sigmoid_backward: with z = exp(-|x|), the derivative is z / (1 + z) for
// x >= 0 and 1 - z / (1 + z) below. Differentiating the composite forward instead sums
// -1/2 and z / (1 + z) at |x|, which rounds the tail (2e-9 at x = 20) away in float32.
function logsigmoidBackward(): BackwardFn {
  return ([g], [xs]) => {
    const z = xs!.abs().neg().exp();
    const s = z.div(z.add(1));
    return [g!.mul(where(xs!.lt(0), s.neg().add(1), s))];
  };
}
/** logsigmoid: log(sigmoid(x)) as min(x, 0) - log1p(exp(-|x|)), finite for any x. */
export function logsigmoid(x: Tensor): Tensor {
  const out = noGrad(() => {
    const a = x.abs();
    return x.sub(a).mul(0.5).sub(a.neg().exp().log1p());
  });
  return record1("LogSigmoidBackward0", [x], out, [x], logsigmoidBackward());
}
/** softmin: softmax(-x) along dim. */
export function softmin(x: Tensor, dim: number, dtype: DType | null = null): Tensor {
  return softmaxOp(x.neg(), dim, dtype);
}
/** tanhshrink: x - tanh(x). */
export function tanhshrink(x: Tensor): Tensor {
  return x.sub(x.tanh());
}
function checkLambd(op: string, lambd: number): void {
  if (!(lambd >= 0)) throw new FluxionError(`${op}: lambda must be greater or equal to 0, but found to be ${lambd}.`);
}
/** softshrink: x - lambd above lambd, x + lambd below -lambd, else 0. */
export function softshrink(x: Tensor, lambd = 0.5): Tensor {
  checkLambd("softshrink", lambd);
  return where(x.gt(lambd), x.sub(lambd), where(x.lt(-lambd), x.add(lambd), 0));
}
/** hardshrink: x where |x| > lambd, else 0. */
export function hardshrink(x: Tensor, lambd = 0.5): Tensor {
  return where(x.gt(lambd).logicalOr(x.lt(-lambd)), x, 0);
}
/** threshold: x where x > threshold, else value. */
export function threshold(x: Tensor, thresholdValue: number, value: number): Tensor {
  return where(x.gt(thresholdValue), x, value);
}
/** GLU: a · sigmoid(b) with a, b the two halves of x along dim. */
export function glu(x: Tensor, dim = -1): Tensor {
  if (x.ndim === 0) throw new ShapeError("glu: glu does not support scalars because halving size must be even");
  const d = dim < 0 ? dim + x.ndim : dim;
  if (d < 0 || d >= x.ndim) throw new ShapeError(`glu: Dimension out of range (expected to be in range of [${-x.ndim}, ${x.ndim - 1}], but got ${dim})`);
  const n = x.shape[d]!;
  if (n % 2 !== 0) throw new ShapeError(`glu: Halving dimension must be even, but dimension ${d} is size ${n}`);
  return x.narrow(d, 0, n / 2).mul(x.narrow(d, n / 2, n / 2).sigmoid());
}
/**
 * PReLU: x where x > 0, weight · x otherwise; weight has one value, or one per channel
 * (dim 1 of an input with 2 or more dims).
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  if (weight.ndim > 1) throw new ShapeError(`prelu: Expected \`weight\` to be a scalar or 1D tensor, but got ndim = ${weight.ndim} (shape ${fmtShape(weight.shape)})`);
  const channels = x.ndim >= 2 ? x.shape[1]! : 1;
  const n = weight.numel();
  if (n !== 1 && n !== channels) {
    throw new ShapeError(`prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${channels} (input shape ${fmtShape(x.shape)}).`);
  }
  const w = n === 1 ? weight.reshape([]) : weight.reshape([n, ...new Array<number>(x.ndim - 2).fill(1)]);
  return where(x.gt(0), x, x.mul(w));
}

const inplaceOr = (name: string, f: (x: Tensor) => Tensor) => (x: Tensor, inplace: boolean) => (inplace ? applyInPlace(x, name, f) : f(x));

/** celu written into x; a negative alpha's gradient is refused as elu_'s (PyTorch's celu_ is elu_). */
export function celuInPlace(x: Tensor, alpha = 1): Tensor {
  if (alpha === 0) throw new FluxionError("celu_: ZeroDivisionError: alpha cannot be 0 for CELU");
  return applyInPlace(x, "celu_", (s) => (alpha < 0 ? refusingBackward("CeluBackward1", s, () => celu(s, alpha), ELU_NEGATIVE_SLOPE) : celu(s, alpha)));
}
/** selu written into x. */
export function seluInPlace(x: Tensor): Tensor {
  return applyInPlace(x, "selu_", selu);
}
/** threshold written into x. */
export function thresholdInPlace(x: Tensor, thresholdValue: number, value: number): Tensor {
  return applyInPlace(x, "threshold_", (s) => threshold(s, thresholdValue, value));
}

/** The declared forms of the activations above (torch.nn.functional's signatures). */
export const MORE_ACTIVATION_FNS = {
  celu: defineF("celu(Tensor input, float alpha=1.0, bool inplace=false) -> Tensor", (x: Tensor, alpha: number, inplace: boolean) =>
    inplace ? celuInPlace(x, alpha) : celu(x, alpha)),
  selu: defineF("selu(Tensor input, bool inplace=false) -> Tensor", (x: Tensor, inplace: boolean) => (inplace ? seluInPlace(x) : selu(x))),
  hardsigmoid: defineF("hardsigmoid(Tensor input, bool inplace=false) -> Tensor", inplaceOr("hardsigmoid_", hardsigmoid)),
  hardswish: defineF("hardswish(Tensor input, bool inplace=false) -> Tensor", inplaceOr("hardswish_", hardswish)),
  relu6: defineF("relu6(Tensor input, bool inplace=false) -> Tensor", inplaceOr("relu6_", relu6)),
  mish: defineF("mish(Tensor input, bool inplace=false) -> Tensor", inplaceOr("mish_", mish)),
  softsign: defineF("softsign(Tensor input) -> Tensor", softsign),
  logsigmoid: defineF("logsigmoid(Tensor input) -> Tensor", logsigmoid),
  // as softmax: PyTorch's _stacklevel is left out and dtype is keyword-only; dim is required (no implicit dim)
  softmin: defineF("softmin(Tensor input, int dim, *, ScalarType? dtype=null) -> Tensor", (x: Tensor, dim: number, { dtype }: { dtype: DType | null }) => softmin(x, dim, dtype)),
  tanhshrink: defineF("tanhshrink(Tensor input) -> Tensor", tanhshrink),
  softshrink: defineF("softshrink(Tensor input, float lambd=0.5) -> Tensor", softshrink),
  hardshrink: defineF("hardshrink(Tensor input, float lambd=0.5) -> Tensor", hardshrink),
  threshold: defineF("threshold(Tensor input, float threshold, float value, bool inplace=false) -> Tensor", (x: Tensor, t: number, v: number, inplace: boolean) =>
    inplace ? thresholdInPlace(x, t, v) : threshold(x, t, v)),
  glu: defineF("glu(Tensor input, int dim=-1) -> Tensor", glu),
  prelu: defineF("prelu(Tensor input, Tensor weight) -> Tensor", prelu),
};

/**
 * In-place ops (add_, mul_, copy_, fill_, zero_, ...). Each computes the out-of-place
 * result, checks it fits (shape and dtype, as PyTorch's "result type Float can't be cast to
 * the desired output type Int"), writes it into the tensor's storage and bumps the version
 * counter. Autograd: a leaf that requires grad refuses; otherwise the tensor's history is
 * rebased onto the result, and for a view the base's history is rebased through a
 * CopySlices node so gradients flow to both the untouched and the written parts.
 */
import { dispatch } from "../backend/dispatcher.js";
import { releaseStorage } from "../backend/backend.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { record1 } from "../autograd/record.js";
import { rebaseView } from "../autograd/view_grad.js";
import { AutogradError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { isFloating, isHalf } from "../tensor/dtype.js";
import { scalarTensor, zerosLike } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { expandableTo, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { asTensor, resultTypeOf, type TensorLike } from "./helpers.js";
import { canCastDType } from "./config.js";
import { refuseBoolSub } from "./elementwise.js";
import { defineOp, type MethodsOf } from "../api/registry.js";


function checkWritable(op: string, self: Tensor): void {
  if (isGradEnabled()) {
    if (self.isLeaf && self._requiresGrad) {
      throw new AutogradError(`${op}: a leaf Variable that requires grad is being used in an in-place operation. Wrap the update in noGrad(() => ...) or use an out-of-place op.`);
    }
    const base = self._base;
    if (base?.isLeaf && base.requiresGrad) {
      throw new AutogradError(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation.`);
    }
    if (base?.requiresGrad && !self.requiresGrad) {
      throw new AutogradError(`${op}: a view created in noGrad mode (or before its base required grad) is being modified in-place with grad mode enabled. This is ambiguous for autograd and forbidden; create the view with grad mode on, or clone() it.`);
    }
  }
  self.shape.forEach((s, d) => {
    if (s > 1 && self.strides[d] === 0) {
      throw new FluxionError(`${op}: unsupported operation: more than one element of the written-to tensor (shape ${fmtShape(self.shape)}, strides ${fmtShape(self.strides)}) refers to a single memory location. Please clone() the tensor before performing the operation.`);
    }
  });
}

/** PyTorch's refusal to differentiate leakyRelu_ (and rrelu_ out of training) with a negative slope. */
export const LEAKY_RELU_NEGATIVE_SLOPE = "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. " +
  "This is caused by calling in-place forward function with a negative slope, please call out-of-place version instead.";

/**
 * compute()'s values with a backward that raises `message`: PyTorch's in-place leakyRelu_
 * and elu_ compute their gradient from the overwritten output, which a negative slope makes
 * ambiguous, so it refuses then (at backward, as PyTorch; the forward runs).
 */
export function refusingBackward(name: string, input: Tensor, compute: () => Tensor, message: string): Tensor {
  const out = noGrad(compute);
  return record1(name, [input], out, [], () => {
    throw new AutogradError(message);
  });
}

/**
 * Writes compute(self) into self and returns self. `operands` are the other tensors compute
 * reads (to know whether autograd is involved). `savesSelf` says whether compute's backward
 * keeps self's old values (mul_, pow_, ...): then compute gets a copy, so the saved tensor
 * is not the one being overwritten. Nothing is written when the result does not fit.
 */
export function applyInPlace(self: Tensor, op: string, compute: (current: Tensor) => Tensor, operands: readonly unknown[] = [], savesSelf = true): Tensor {
  checkWritable(op, self);
  const tracking = isGradEnabled() && (self.requiresGrad || operands.some((o) => o instanceof Tensor && o.requiresGrad));
  let result = compute(tracking && savesSelf ? self.clone() : self);
  if (!shapesEqual(result.shape, self.shape)) {
    throw new ShapeError(`${op}: output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`);
  }
  if (!canCastDType(result.dtype, self.dtype)) {
    throw new DTypeError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${self.dtype}`);
  }
  if (result.dtype !== self.dtype) result = result.to(self.dtype);
  if (tracking && self.requiresGrad && !result.requiresGrad) {
    // overwritten by values that don't depend on self's old ones: zero gradient to them
    const name = op === "copy_" ? "CopyBackwards" : `${op[0]!.toUpperCase()}${op.slice(1, -1)}Backward0`;
    result = record1(name, [self], result, [], ([g]) => [zerosLike(g!)]);
  }
  const values = result.storage === self.storage ? noGrad(() => result.clone()) : result; // never read what is being written
  dispatch("assign", [self, values], {});
  self.storage.version++;
  if (tracking && result.requiresGrad) {
    if (self._base) rebaseView(self, self._base, result);
    else {
      self.gradFn = result.gradFn;
      self.outputNr = result.outputNr;
    }
  }
  return self;
}

/** In-place forms of unary ops: x.exp_() computes exp and writes it into x. */
const UNARY_INPLACE = [
  "neg", "abs", "sign", "floor", "ceil", "trunc", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt",
  "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "relu", "silu",
  "log2", "log10", "exp2", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sinc", "deg2rad", "rad2deg", "frac", "bitwiseNot",
] as const;
type UnaryInPlace = `${(typeof UNARY_INPLACE)[number]}_`;
// ops whose backward needs only their output (or nothing) may read self directly
const OUTPUT_ONLY = new Set<string>([
  "neg", "sign", "exp", "expm1", "sqrt", "rsqrt", "reciprocal", "tan", "sigmoid", "tanh", "relu", "floor", "ceil", "round", "trunc",
  "exp2", "deg2rad", "rad2deg", "frac", "bitwiseNot",
]);
/** In-place forms of binary ops: x.fmod_(y) computes fmod and writes it into x. */
const BINARY_INPLACE = [
  "remainder", "fmod", "copysign", "atan2", "xlogy", "floorDivide",
  "bitwiseAnd", "bitwiseOr", "bitwiseXor", "bitwiseLeftShift", "bitwiseRightShift",
] as const;
type BinaryInPlace = `${(typeof BINARY_INPLACE)[number]}_`;

const SIGS = {
  add_: "add_(Tensor self, Tensor|Scalar other, *, Scalar alpha=1) -> self",
  sub_: "sub_(Tensor self, Tensor|Scalar other, *, Scalar alpha=1) -> self",
  mul_: "mul_(Tensor self, Tensor|Scalar other) -> self",
  div_: "div_(Tensor self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null) -> self",
  pow_: "pow_(Tensor self, Tensor|Scalar exponent) -> self",
  clamp_: "clamp_(Tensor self, Tensor|Scalar? min=null, Tensor|Scalar? max=null) -> self",
  clip_: "clip_(Tensor self, Tensor|Scalar? min=null, Tensor|Scalar? max=null) -> self",
  clampMin_: "clampMin_(Tensor self, Tensor|Scalar min) -> self",
  clampMax_: "clampMax_(Tensor self, Tensor|Scalar max) -> self",
  leakyRelu_: "leakyRelu_(Tensor self, float negativeSlope=0.01) -> self",
  copy_: "copy_(Tensor self, Tensor src) -> self",
  fill_: "fill_(Tensor self, Tensor|Scalar value) -> self",
  zero_: "zero_(Tensor self) -> self",
  round_: "round_(Tensor self, *, int decimals=0) -> self",
  addcmul_: "addcmul_(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> self",
  addcdiv_: "addcdiv_(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> self",
  lerp_: "lerp_(Tensor self, Tensor end, Tensor|Scalar weight) -> self",
  logit_: "logit_(Tensor self, float? eps=null) -> self",
  hypot_: "hypot_(Tensor self, Tensor other) -> self",
  nanToNum_: "nanToNum_(Tensor self, float? nan=0, float? posinf=null, float? neginf=null) -> self",
  uniform_: "uniform_(Tensor self, float from=0, float to=1, *, Generator? generator=null) -> self",
  normal_: "normal_(Tensor self, float mean=0, float std=1, *, Generator? generator=null) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS>, MethodsOf<{ [K in UnaryInPlace]: `${K}(Tensor self) -> self` }>,
    MethodsOf<{ [K in BinaryInPlace]: `${K}(Tensor self, Tensor|Scalar other) -> self` }> {}
}

const m = { variants: "method" } as const;
for (const name of UNARY_INPLACE) {
  defineOp(`${name}_(Tensor self) -> self`, (x: Tensor) => applyInPlace(x, `${name}_`, (s) => (s[name] as () => Tensor)(), [], !OUTPUT_ONLY.has(name)), m);
}
defineOp(SIGS.round_, (x: Tensor, kw: { decimals: number }) => applyInPlace(x, "round_", (s) => s.round(kw), [], false), m);
type Alpha = { alpha: number | boolean };
defineOp(SIGS.add_, (x: Tensor, o: TensorLike, { alpha }: Alpha) =>
  binaryInPlace(x, "add", o, Number(alpha)) ?? applyInPlace(x, "add_", (s) => s.add(o, { alpha }), [o], false), m);
defineOp(SIGS.sub_, (x: Tensor, o: TensorLike, { alpha }: Alpha) => {
  refuseBoolSub("sub_", x, o);
  return binaryInPlace(x, "sub", o, Number(alpha)) ?? applyInPlace(x, "sub_", (s) => s.sub(o, { alpha }), [o], false);
}, m);
defineOp(SIGS.mul_, (x: Tensor, o: TensorLike) => binaryInPlace(x, "mul", o) ?? applyInPlace(x, "mul_", (s) => s.mul(o), [o]), m);
defineOp(SIGS.div_, (x: Tensor, o: TensorLike, { roundingMode }: { roundingMode?: "trunc" | "floor" | null }) =>
  (roundingMode ? null : binaryInPlace(x, "div", o)) ?? applyInPlace(x, "div_", (s) => s.div(o, { roundingMode }), [o]), m);
defineOp(SIGS.pow_, (x: Tensor, e: TensorLike) => applyInPlace(x, "pow_", (s) => s.pow(e), [e]), m);
for (const name of BINARY_INPLACE) {
  defineOp(`${name}_(Tensor self, Tensor|Scalar other) -> self`, (x: Tensor, o: TensorLike) => applyInPlace(x, `${name}_`, (s) => (s[name] as (o: TensorLike) => Tensor)(o), [o]), m);
}
const clampInPlace = (x: Tensor, min: TensorLike | null, max: TensorLike | null) => applyInPlace(x, "clamp_", (s) => s.clamp(min, max), [min, max]);
defineOp(SIGS.clamp_, clampInPlace, m);
defineOp(SIGS.clip_, clampInPlace, m);
defineOp(SIGS.clampMin_, (x: Tensor, min: TensorLike) => clampInPlace(x, min, null), m);
defineOp(SIGS.clampMax_, (x: Tensor, max: TensorLike) => clampInPlace(x, null, max), m);
defineOp(SIGS.leakyRelu_, (x: Tensor, slope: number) => applyInPlace(x, "leakyRelu_", (s) =>
  slope < 0 ? refusingBackward("LeakyReluBackward1", s, () => s.leakyRelu(slope), LEAKY_RELU_NEGATIVE_SLOPE) : s.leakyRelu(slope), []), m);
defineOp(SIGS.copy_, (x: Tensor, src: Tensor) => applyInPlace(x, "copy_", () => {
  if (!expandableTo(src.shape, x.shape)) throw new ShapeError(`copy_: src of shape ${fmtShape(src.shape)} cannot be broadcast to the shape of self ${fmtShape(x.shape)}`);
  const r = src.expand(x.shape);
  return r.dtype === x.dtype ? r : r.to(x.dtype);
}, [src], false), m);
defineOp(SIGS.fill_, (x: Tensor, value: TensorLike) => {
  if (value instanceof Tensor && value.ndim !== 0) throw new ShapeError(`fill_: only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions`);
  const v = value instanceof Tensor ? value : scalarTensor(value, x.dtype, x.device);
  return applyInPlace(x, "fill_", () => v.to(x.dtype).expand(x.shape), [v], false);
}, m);
defineOp(SIGS.zero_, (x: Tensor) => applyInPlace(x, "zero_", () => scalarTensor(0, x.dtype, x.device).expand(x.shape), [], false), m);
type Value = { value: number | boolean };
defineOp(SIGS.addcmul_, (x: Tensor, t1: Tensor, t2: Tensor, { value }: Value) =>
  productInPlace(x, "mul", t1, t2, Number(value)) ?? applyInPlace(x, "addcmul_", (s) => s.add(t1.mul(t2).mul(value)), [t1, t2], false), m);
defineOp(SIGS.addcdiv_, (x: Tensor, t1: Tensor, t2: Tensor, { value }: Value) =>
  productInPlace(x, "div", t1, t2, Number(value)) ?? applyInPlace(x, "addcdiv_", (s) => s.add(t1.div(t2).mul(value)), [t1, t2], false), m);
// the same kernel as lerp; a weight tensor's backward reads self's old values
defineOp(SIGS.lerp_, (x: Tensor, end: Tensor, w: TensorLike) => applyInPlace(x, "lerp_", (s) => s.lerp(end, w), [end, w], w instanceof Tensor), m);
defineOp(SIGS.hypot_, (x: Tensor, o: Tensor) => applyInPlace(x, "hypot_", (s) => s.hypot(o), [o]), m);
defineOp(SIGS.logit_, (x: Tensor, eps: number | null) => applyInPlace(x, "logit_", (s) => s.logit(eps), []), m);
defineOp(SIGS.nanToNum_, (x: Tensor, nan: number | null, posinf: number | null, neginf: number | null) =>
  applyInPlace(x, "nanToNum_", (s) => s.nanToNum(nan, posinf, neginf), [], false), m);
type Gen = { generator?: Generator | null };
/** PyTorch's argument checks of uniform_/normal_ (null when they pass), before anything is written. */
function checkRandomArgs(op: string, ok: boolean, expects: string): null {
  if (!ok) throw new FluxionError(`${op} expects ${expects}`);
  return null;
}
defineOp(SIGS.uniform_, (x: Tensor, low: number, high: number, { generator }: Gen) =>
  checkRandomArgs("uniform_", Number.isFinite(low) && Number.isFinite(high) && low <= high, `a finite [from, to) range, but found from=${low}, to=${high}`) ??
  applyInPlace(x, "uniform_", () => dispatch("random", [], { dist: { kind: "uniform", low, high }, shape: x.shape, dtype: x.dtype, generator: generator ?? defaultGenerator }, x.device), [], false), m);
defineOp(SIGS.normal_, (x: Tensor, mean: number, std: number, { generator }: Gen) =>
  checkRandomArgs("normal_", std >= 0, `std >= 0.0, but found std ${std}`) ??
  applyInPlace(x, "normal_", () => dispatch("random", [], { dist: { kind: "normal", mean, std }, shape: x.shape, dtype: x.dtype, generator: generator ?? defaultGenerator }, x.device), [], false), m);

/**
 * The fast path of addcmul_/addcdiv_ (the optimizers' moment and parameter updates) when
 * autograd has nothing to record: t1·t2 (or t1/t2) into one temporary, then self += value·that
 * in place, and the temporary back to the allocator at once. The general path makes three
 * temporaries and copies the sum back into self (AdamW step of TransformerLM: ~20x slower on
 * a [1000, 128] moment). Null when binaryInPlace would refuse self or the product.
 */
function productInPlace(self: Tensor, op: "mul" | "div", t1: Tensor, t2: Tensor, value: number): Tensor | null {
  if (isGradEnabled() && (self.requiresGrad || t1.requiresGrad || t2.requiresGrad)) return null;
  if (!isFloating(self.dtype) || isHalf(self.dtype) || t1.dtype !== self.dtype || t2.dtype !== self.dtype) return null;
  const p = op === "mul" ? t1.mul(t2) : t1.div(t2);
  const done = binaryInPlace(self, "add", p, value);
  if (p.storage !== t1.storage && p.storage !== t2.storage) releaseStorage(p.storage); // used up, or refused
  return done;
}

/**
 * The fast path of add_/sub_/mul_/div_ when autograd has nothing to record: one kernel
 * writing straight into self (no temporary, no copy back). Returns null when the general
 * path is needed (autograd, dtype or shape changes, overlapping operands).
 */
function binaryInPlace(self: Tensor, op: "add" | "sub" | "mul" | "div", other: TensorLike, alpha = 1): Tensor | null {
  if (isGradEnabled() && (self.requiresGrad || (other instanceof Tensor && other.requiresGrad))) return null;
  if (!isFloating(self.dtype) || isHalf(self.dtype) || resultTypeOf(self, other) !== self.dtype) return null;
  const o = asTensor(other, self.dtype, self.device);
  if (o.ndim > self.ndim || o.shape.some((s, i) => s !== 1 && s !== self.shape[self.ndim - o.ndim + i])) return null;
  if (o.storage === self.storage && !(o.offset === self.offset && shapesEqual(o.shape, self.shape) && shapesEqual(o.strides, self.strides))) return null;
  checkWritable(`${op}_`, self);
  // with alpha, x ± alpha·y is one kernel (computed in double, rounded once)
  // alpha is rounded to the tensor's precision first, as PyTorch's kernels take it as scalar_t
  const a = self.dtype === "float32" ? Math.fround(alpha) : alpha;
  if (alpha !== 1) dispatch("binary", [self, o], { op: "addScaled", params: [op === "sub" ? -a : a], inPlace: true });
  else dispatch("binary", [self, o], { op, inPlace: true });
  self.storage.version++;
  return self;
}

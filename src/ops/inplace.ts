/**
 * In-place ops (add_, mul_, copy_, fill_, zero_, ...). Each computes the out-of-place
 * result, checks it fits (shape and dtype, as PyTorch's "result type Float can't be cast to
 * the desired output type Int"), writes it into the tensor's storage and bumps the version
 * counter. Autograd: a leaf that requires grad refuses; otherwise the tensor's history is
 * rebased onto the result, and for a view the base's history is rebased through a
 * CopySlices node so gradients flow to both the untouched and the written parts.
 */
import { dispatch } from "../backend/dispatcher.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { record1 } from "../autograd/record.js";
import { rebaseView } from "../autograd/view_grad.js";
import { AutogradError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { isFloating, isHalf, type DType } from "../tensor/dtype.js";
import { scalarTensor, zerosLike } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { asTensor, resultTypeOf, type TensorLike } from "./helpers.js";

/** PyTorch's can_cast: no float -> integer/bool, no integer -> bool. */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from)) return isFloating(to);
  if (from === "int32") return to !== "bool";
  return true;
}

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
  if (!canCast(result.dtype, self.dtype)) {
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

declare module "../tensor/tensor.js" {
  interface Tensor {
    add_(other: TensorLike, opts?: { alpha?: number }): this;
    sub_(other: TensorLike, opts?: { alpha?: number }): this;
    mul_(other: TensorLike): this;
    div_(other: TensorLike): this;
    pow_(exponent: TensorLike): this;
    neg_(): this;
    abs_(): this;
    exp_(): this;
    log_(): this;
    sqrt_(): this;
    sigmoid_(): this;
    tanh_(): this;
    relu_(): this;
    floor_(): this;
    ceil_(): this;
    round_(): this;
    clamp_(min?: number | Tensor | null, max?: number | Tensor | null): this;
    /** Copies src (broadcast, cast) into this tensor. */
    copy_(src: Tensor): this;
    fill_(value: number | boolean | Tensor): this;
    zero_(): this;
    /** Adds tensor1 * tensor2 * value (torch.addcmul_). */
    addcmul_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this;
    /** Adds tensor1 / tensor2 * value (torch.addcdiv_). */
    addcdiv_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this;
    /** Linear interpolation toward end (torch.lerp_). */
    lerp_(end: Tensor, weight: number | Tensor): this;
    uniform_(low?: number, high?: number, opts?: { generator?: Generator }): this;
    normal_(mean?: number, std?: number, opts?: { generator?: Generator }): this;
  }
}

const P = Tensor.prototype;
P.add_ = function (o, opts) {
  return binaryInPlace(this, "add", o, opts?.alpha ?? 1) ?? applyInPlace(this, "add_", (s) => s.add(o, opts), [o], false);
};
P.sub_ = function (o, opts) {
  return binaryInPlace(this, "sub", o, opts?.alpha ?? 1) ?? applyInPlace(this, "sub_", (s) => s.sub(o, opts), [o], false);
};
P.mul_ = function (o) { return binaryInPlace(this, "mul", o) ?? applyInPlace(this, "mul_", (s) => s.mul(o), [o]); };
P.div_ = function (o) { return binaryInPlace(this, "div", o) ?? applyInPlace(this, "div_", (s) => s.div(o), [o]); };

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
P.pow_ = function (e) { return applyInPlace(this, "pow_", (s) => s.pow(e), [e]); };
// ops whose backward needs only their output (or nothing) may read self directly
const OUTPUT_ONLY = new Set(["neg", "exp", "sqrt", "sigmoid", "tanh", "relu", "floor", "ceil", "round"]);
for (const name of ["neg", "abs", "exp", "log", "sqrt", "sigmoid", "tanh", "relu", "floor", "ceil", "round"] as const) {
  (P as any)[`${name}_`] = function (this: Tensor) { return applyInPlace(this, `${name}_`, (s) => (s as any)[name](), [], !OUTPUT_ONLY.has(name)); };
}
P.clamp_ = function (min, max) { return applyInPlace(this, "clamp_", (s) => s.clamp(min, max), [min, max]); };
P.copy_ = function (src) {
  return applyInPlace(this, "copy_", () => {
    const r = src.expand(this.shape);
    return r.dtype === this.dtype ? r : r.to(this.dtype);
  }, [src], false);
};
P.fill_ = function (value) {
  if (value instanceof Tensor && value.ndim !== 0) throw new ShapeError(`fill_: only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions`);
  const v = value instanceof Tensor ? value : scalarTensor(value, this.dtype, this.device);
  return applyInPlace(this, "fill_", () => v.to(this.dtype).expand(this.shape), [v], false);
};
P.zero_ = function () { return applyInPlace(this, "zero_", () => scalarTensor(0, this.dtype, this.device).expand(this.shape), [], false); };
P.addcmul_ = function (t1, t2, opts) { return applyInPlace(this, "addcmul_", (s) => s.add(t1.mul(t2).mul(opts?.value ?? 1)), [t1, t2], false); };
P.addcdiv_ = function (t1, t2, opts) { return applyInPlace(this, "addcdiv_", (s) => s.add(t1.div(t2).mul(opts?.value ?? 1)), [t1, t2], false); };
P.lerp_ = function (end, w) { return applyInPlace(this, "lerp_", (s) => s.add(end.sub(s).mul(w)), [end, w], false); };
P.uniform_ = function (low = 0, high = 1, opts) {
  const generator = opts?.generator ?? defaultGenerator;
  return applyInPlace(this, "uniform_", () => dispatch("random", [], { dist: { kind: "uniform", low, high }, shape: this.shape, dtype: this.dtype, generator }, this.device), [], false);
};
P.normal_ = function (mean = 0, std = 1, opts) {
  const generator = opts?.generator ?? defaultGenerator;
  return applyInPlace(this, "normal_", () => dispatch("random", [], { dist: { kind: "normal", mean, std }, shape: this.shape, dtype: this.dtype, generator }, this.device), [], false);
};

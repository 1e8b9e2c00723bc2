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
import { record1, edgeOf } from "../autograd/record.js";
import { Node } from "../autograd/node.js";
import { AutogradError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { isFloating, type DType } from "../tensor/dtype.js";
import { scalarTensor, zeros } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { isContiguousLayout, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { rawView } from "./views.js";
import type { TensorLike } from "./helpers.js";

/** PyTorch's can_cast: no float -> integer/bool, no integer -> bool. */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from)) return isFloating(to);
  if (from === "int32") return to !== "bool";
  return true;
}

function checkWritable(op: string, self: Tensor): void {
  if (isGradEnabled()) {
    if (self.isLeaf && self.requiresGrad) {
      throw new AutogradError(`${op}: a leaf Variable that requires grad is being used in an in-place operation. Wrap the update in noGrad(() => ...) or use an out-of-place op.`);
    }
    if (self._base && self._base.isLeaf && self._base.requiresGrad) {
      throw new AutogradError(`${op}: a view of a leaf Variable that requires grad is being used in an in-place operation.`);
    }
  }
  self.shape.forEach((s, d) => {
    if (s > 1 && self.strides[d] === 0) {
      throw new FluxionError(`${op}: unsupported operation: more than one element of the written-to tensor (shape ${fmtShape(self.shape)}, strides ${fmtShape(self.strides)}) refers to a single memory location. Please clone() the tensor before performing the operation.`);
    }
  });
}

/**
 * Writes compute(self) into self. `compute` sees a snapshot of self when autograd may need
 * the old values, so saved tensors are never the ones being overwritten.
 */
export function applyInPlace(self: Tensor, op: string, compute: (current: Tensor) => Tensor): Tensor {
  checkWritable(op, self);
  const tracking = isGradEnabled();
  const current = tracking ? snapshot(self) : self;
  let result = compute(current);
  if (!shapesEqual(result.shape, self.shape)) {
    throw new ShapeError(`${op}: output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(result.shape)}`);
  }
  if (!canCast(result.dtype, self.dtype)) {
    throw new DTypeError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${self.dtype}`);
  }
  if (result.dtype !== self.dtype) result = result.to(self.dtype);
  if (result.storage === self.storage) result = noGrad(() => result.clone()); // never read what is being written
  dispatch("assign", [self, result.detach()], {});
  self.storage.version++;
  if (tracking && result.requiresGrad) rebase(self, result);
  return self;
}

/** A tensor with self's current values and history that later writes to self don't touch. */
function snapshot(self: Tensor): Tensor {
  if (!self.requiresGrad) return self; // nothing to save for self's own gradient
  return self.clone();
}

function rebase(self: Tensor, result: Tensor): void {
  const base = self._base;
  if (!base) {
    self.gradFn = result.gradFn;
    self.outputNr = result.outputNr;
    return;
  }
  if (base.offset !== 0 || !isContiguousLayout(base.shape, base.strides)) {
    throw new AutogradError(`in-place write through a view: the base tensor (shape ${fmtShape(base.shape)}) is not contiguous; clone() it first`);
  }
  const geom = { shape: [...self.shape], strides: [...self.strides], offset: self.offset };
  const baseEdge = edgeOf(base);
  const node = new Node(
    "CopySlices",
    [baseEdge, edgeOf(result)],
    [{ shape: base.shape, dtype: base.dtype }],
    [],
    ([g]) => [baseEdge ? maskRegion(g!, geom) : null, regionOf(g!, geom)],
  );
  base.gradFn = node;
  base.outputNr = 0;
  // the view's own history: its region of the rebased base
  const viewNode = new Node("AsStridedBackward0", [{ node, outputNr: 0 }], [{ shape: self.shape, dtype: self.dtype }], [], ([g]) => [embedRegion(g!, base.shape, geom)]);
  self.gradFn = viewNode;
  self.outputNr = 0;
}

type Geometry = { shape: number[]; strides: number[]; offset: number };

/** g (shaped like the base) with the view's region set to zero. Self-adjoint. */
function maskRegion(g: Tensor, geom: Geometry): Tensor {
  const out = noGrad(() => g.contiguous().clone());
  dispatch("assign", [rawView(out, geom.shape, geom.strides, geom.offset), scalarTensor(0, out.dtype, out.device)], {});
  return record1("MaskRegionBackward", [g], out, [], ([gg]) => [maskRegion(gg!, geom)]);
}

/** The view's region of g (shaped like the base). Adjoint of embedRegion. */
function regionOf(g: Tensor, geom: Geometry): Tensor {
  const c = noGrad(() => g.contiguous());
  const out = noGrad(() => rawView(c, geom.shape, geom.strides, c.offset + geom.offset).clone());
  const baseShape = g.shape;
  return record1("AsStridedBackward0", [g], out, [], ([gg]) => [embedRegion(gg!, baseShape, geom)]);
}

/** Zeros shaped like the base with g written into the view's region. Adjoint of regionOf. */
function embedRegion(g: Tensor, baseShape: readonly number[], geom: Geometry): Tensor {
  const out = zeros(baseShape, { dtype: g.dtype, device: g.device });
  dispatch("assign", [rawView(out, geom.shape, geom.strides, geom.offset), g.detach()], {});
  return record1("AsStridedScatterBackward", [g], out, [], ([gg]) => [regionOf(gg!, geom)]);
}

/** Writes without autograd (random fills, initialisers). */
function fillRaw(self: Tensor, op: string, values: Tensor): Tensor {
  checkWritable(op, self);
  dispatch("assign", [self, values], {});
  self.storage.version++;
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
P.add_ = function (o, opts) { return applyInPlace(this, "add_", (s) => s.add(o, opts)); };
P.sub_ = function (o, opts) { return applyInPlace(this, "sub_", (s) => s.sub(o, opts)); };
P.mul_ = function (o) { return applyInPlace(this, "mul_", (s) => s.mul(o)); };
P.div_ = function (o) { return applyInPlace(this, "div_", (s) => s.div(o)); };
P.pow_ = function (e) { return applyInPlace(this, "pow_", (s) => s.pow(e)); };
for (const name of ["neg", "abs", "exp", "log", "sqrt", "sigmoid", "tanh", "relu", "floor", "ceil", "round"] as const) {
  (P as any)[`${name}_`] = function (this: Tensor) { return applyInPlace(this, `${name}_`, (s) => (s as any)[name]()); };
}
P.clamp_ = function (min, max) { return applyInPlace(this, "clamp_", (s) => s.clamp(min, max)); };
P.copy_ = function (src) {
  return applyInPlace(this, "copy_", () => {
    const r = src.expand(this.shape);
    return r.dtype === this.dtype ? r : r.to(this.dtype);
  });
};
P.fill_ = function (value) {
  if (value instanceof Tensor && value.ndim !== 0) throw new ShapeError(`fill_: only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions`);
  const v = value instanceof Tensor ? value : scalarTensor(value, this.dtype, this.device);
  return applyInPlace(this, "fill_", () => v.to(this.dtype).expand(this.shape));
};
P.zero_ = function () { return this.fill_(0); };
P.addcmul_ = function (t1, t2, opts) { return applyInPlace(this, "addcmul_", (s) => s.add(t1.mul(t2).mul(opts?.value ?? 1))); };
P.addcdiv_ = function (t1, t2, opts) { return applyInPlace(this, "addcdiv_", (s) => s.add(t1.div(t2).mul(opts?.value ?? 1))); };
P.lerp_ = function (end, w) { return applyInPlace(this, "lerp_", (s) => s.add(end.sub(s).mul(w))); };
P.uniform_ = function (low = 0, high = 1, opts) {
  const g = opts?.generator ?? defaultGenerator;
  return fillRaw(this, "uniform_", dispatch("random", [], { dist: { kind: "uniform", low, high }, shape: this.shape, dtype: this.dtype, generator: g }, this.device));
};
P.normal_ = function (mean = 0, std = 1, opts) {
  const g = opts?.generator ?? defaultGenerator;
  return fillRaw(this, "normal_", dispatch("random", [], { dist: { kind: "normal", mean, std }, shape: this.shape, dtype: this.dtype, generator: g }, this.device));
};

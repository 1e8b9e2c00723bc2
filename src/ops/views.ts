/**
 * View ops: new shapes and strides over the same storage (reshape, permute, expand,
 * narrow, select, ...). Each goes through the `view` primitive and records its backward.
 * A view remembers its base tensor so in-place writes through it can rebase autograd.
 */
import { dispatch } from "../backend/dispatcher.js";
import { AutogradError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { record1 } from "../autograd/record.js";
import type { BackwardFn } from "../autograd/node.js";
import { markView } from "../autograd/view_grad.js";
import type { ViewRegion } from "../autograd/region_grad.js";
import { broadcastShapes, contiguousStrides, inferShape, normalizeDim, normalizeDims, numelOf } from "../tensor/shape.js";
import { checkDType, itemSize, type DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/creation.js";
import { reduceGradToShape } from "./helpers.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { checkMemoryFormat, contiguousFormat, isNonOverlappingAndDense, preserveFormat, suggestMemoryFormat, toMemoryFormat, type MemoryFormat } from "./memory_format.js";

/** A raw view (no autograd): the result shares x's storage and base. */
export function rawView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  const v = dispatch("view", [x], { shape, strides, offset });
  v._base = x._base ?? x;
  return v;
}

/**
 * A differentiable view. Its node saves nothing, so its closure outlives backward (a graph
 * of views can be walked twice): `backward` must be made in a scope where no closure
 * mentions a tensor, or V8 keeps that tensor alive with it.
 */
export function makeView(name: string, x: Tensor, shape: readonly number[], strides: readonly number[], offset: number, backward: (g: Tensor) => Tensor, region?: ViewRegion): Tensor {
  const v = record1(name, [x], rawView(x, shape, strides, offset), [], ([g]) => [backward(g!)]);
  // views that pick part of x: without createGraph the engine passes g on lazily
  if (region && v.gradFn && v.gradFn.next[0] !== null) v.gradFn.region = region;
  markView(v);
  return v;
}

/**
 * The gradient of a view that selects part of its input: zeros of the input's shape with
 * g written into the same view. Its own backward applies the view again (double backward).
 */
function viewBackward(g: Tensor, inputShape: readonly number[], applyView: (t: Tensor) => Tensor, name: string): Tensor {
  const out = zeros(inputShape, { dtype: g.dtype, device: g.device });
  const target = applyView(out.detach());
  dispatch("assign", [target, g], {});
  return record1(name, [g], out, [], ([gg]) => [applyView(gg!)]);
}

/** Strides for viewing (shape, strides) as newShape without copying, or null (torch's computeStride). */
function viewStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  if (numelOf(shape) === 0) return contiguousStrides(newShape);
  if (shape.length === 0) return newShape.map(() => 1); // a 0-d tensor: any all-ones shape
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape("view", shape, x.numel(), x.shape);
  const strides = viewStrides(x.shape, x.strides, target);
  if (!strides) {
    throw new ShapeError(`view: size ${fmtShape(target)} is not compatible with input tensor's size ${fmtShape(x.shape)} and stride ${fmtShape(x.strides)} (at least one dimension spans across two contiguous subspaces). Use reshape(...) instead.`);
  }
  const inShape = x.shape;
  return makeView("ViewBackward0", x, target, strides, x.offset, (g) => g.reshape(inShape));
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape("reshape", shape, x.numel(), x.shape);
  if (viewStrides(x.shape, x.strides, target)) return view(x, target);
  return view(x.contiguous(), target);
}

export function permute(x: Tensor, dims: readonly number[], name = "PermuteBackward0"): Tensor {
  if (dims.length !== x.ndim) throw new ShapeError(`permute: number of dims don't match: input has ${x.ndim} dims (shape ${fmtShape(x.shape)}), permutation has ${dims.length}`);
  const p = normalizeDimsKeepOrder("permute", dims, x.ndim);
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => (inv[d] = i));
  // no closure here may mention x: the backward closure would keep it alive (see makeView)
  const xShape = x.shape, xStrides = x.strides;
  return makeView(name, x, p.map((d) => xShape[d]!), p.map((d) => xStrides[d]!), x.offset, (g) => g.permute(inv));
}

function normalizeDimsKeepOrder(op: string, dims: readonly number[], ndim: number): number[] {
  const out = dims.map((d) => normalizeDim(op, d, ndim));
  if (new Set(out).size !== out.length) throw new IndexError(`${op}: repeated dim in ${JSON.stringify(dims)}`);
  return out;
}

export function transpose(x: Tensor, d0: number, d1: number, name = "TransposeBackward0"): Tensor {
  const a = normalizeDim("transpose", d0, x.ndim), b = normalizeDim("transpose", d1, x.ndim);
  if (x.ndim === 0) return makeView(name, x, [], [], x.offset, (g) => g);
  const p = x.shape.map((_, i) => i);
  [p[a], p[b]] = [p[b]!, p[a]!];
  return permute(x, p, name);
}

export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) throw new ShapeError(`expand: the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${x.ndim}, shape ${fmtShape(x.shape)})`);
  const lead = sizes.length - x.ndim;
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    let s = sizes[i]!;
    const d = i - lead;
    const cur = d >= 0 ? x.shape[d]! : 1;
    if (s === -1) {
      if (d < 0) throw new ShapeError(`expand: -1 is not allowed in a leading, non-existing dimension (sizes ${fmtShape(sizes)})`);
      s = cur;
    }
    if (cur !== s && cur !== 1) throw new ShapeError(`expand: the expanded size of the tensor (${s}) must match the existing size (${cur}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(sizes)}. Tensor sizes: ${fmtShape(x.shape)}`);
    shape.push(s);
    strides.push(d < 0 || (cur === 1 && s !== 1) ? 0 : x.strides[d]!);
  }
  const inShape = x.shape;
  return makeView("ExpandBackward0", x, shape, strides, x.offset, (g) => reduceGradToShape(g, inShape));
}

export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : normalizeDims("squeeze", dim, x.ndim);
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  const inShape = x.shape;
  return makeView("SqueezeBackward0", x, x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset, (g) => g.reshape(inShape));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim("unsqueeze", dim, x.ndim + 1);
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d]! * x.shape[d]! : 1);
  const inShape = x.shape;
  return makeView("UnsqueezeBackward0", x, shape, strides, x.offset, (g) => g.reshape(inShape));
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return x.reshape([1]);
  const s = normalizeDim("flatten", startDim, x.ndim), e = normalizeDim("flatten", endDim, x.ndim);
  if (s > e) throw new IndexError(`flatten: startDim (${startDim}) cannot come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return x.reshape(shape);
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim("unflatten", dim, x.ndim);
  const inner = inferShape("unflatten", sizes, x.shape[d]!, [x.shape[d]!]);
  return x.view([...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/** Elements start..start+length-1 along dim. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim("narrow", dim, x.ndim);
  const size = x.shape[d]!;
  if (start < 0) start += size;
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new IndexError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of dim ${d} (shape ${fmtShape(x.shape)})`);
  }
  return slice(x, d, start, start + length, 1);
}

/** Elements start, start+step, ... < end along dim (a basic-indexing slice, already clamped). */
export function slice(x: Tensor, dim: number, start: number, end: number, step: number): Tensor {
  const n = Math.max(0, Math.ceil((end - start) / step));
  const shape = [...x.shape], strides = [...x.strides];
  shape[dim] = n;
  strides[dim] = x.strides[dim]! * step;
  const offset = x.offset + (n > 0 ? start * x.strides[dim]! : 0);
  const inShape = x.shape;
  const apply = (t: Tensor) => slice(t, dim, start, end, step);
  const region: ViewRegion = { inShape, step: { dim, start, length: n, step, drop: false } };
  return makeView("SliceBackward0", x, shape, strides, offset, (g) => viewBackward(g, inShape, apply, "SliceBackwardBackward0"), region);
}

/** Removes dim by taking one index of it. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim("select", dim, x.ndim);
  if (x.ndim === 0) throw new IndexError("select: cannot select on a 0-d tensor");
  const i = x._checkIndex("select", d, index);
  const shape = x.shape.filter((_, k) => k !== d), strides = x.strides.filter((_, k) => k !== d);
  const inShape = x.shape;
  const apply = (t: Tensor) => select(t, d, i);
  const region: ViewRegion = { inShape, step: { dim: d, start: i, length: 1, step: 1, drop: true } };
  return makeView("SelectBackward0", x, shape, strides, x.offset + i * x.strides[d]!, (g) => viewBackward(g, inShape, apply, "SelectBackwardBackward0"), region);
}

export function contiguous(x: Tensor): Tensor {
  if (x.isContiguous()) return x;
  return clone(x, contiguousFormat);
}

/**
 * A copy of x (torch.clone), laid out as `memoryFormat` says. With preserveFormat (the default,
 * as PyTorch's) a dense x keeps its strides exactly (a channels-last tensor clones to
 * channels-last, a transposed one to the same transposed strides), any other x takes the
 * layout its strides suggest (channels-last for a sliced channels-last tensor, else row-major).
 */
export function clone(x: Tensor, memoryFormat: MemoryFormat = preserveFormat): Tensor {
  let fmt = memoryFormat;
  let out: Tensor;
  if (fmt === preserveFormat && (x.isContiguous() || x.numel() === 0)) fmt = contiguousFormat;
  if (fmt === preserveFormat && isNonOverlappingAndDense(x)) {
    // copy in the order of x's strides, then view the copy with x's own strides
    out = viewAs(denseCopy(x, strideOrder(x.strides)), x.shape, x.strides);
  } else {
    if (fmt === preserveFormat) fmt = suggestMemoryFormat(x);
    if (fmt === contiguousFormat) out = dispatch("copy", [x], {});
    else {
      // channels-last: copy with C innermost, then view it in x's dim order
      const order = x.ndim === 4 ? [0, 2, 3, 1] : [0, 2, 3, 4, 1];
      const c = denseCopy(x, order);
      const strides = new Array<number>(x.ndim);
      order.forEach((d, i) => (strides[d] = c.strides[i]!));
      out = viewAs(c, x.shape, strides);
    }
  }
  return record1("CloneBackward0", [x], out, [], cloneBackward);
}

// outside clone(): a closure made there would share its context, and so keep x alive (see makeView)
const cloneBackward: BackwardFn = ([g]) => [g!];

/** The dims from the largest stride to the smallest (ties in dim order). */
function strideOrder(strides: readonly number[]): number[] {
  return strides.map((_, d) => d).sort((a, b) => strides[b]! - strides[a]! || a - b);
}

/** x's dims permuted to `order`, copied row-major (no autograd: clone records its own node). */
function denseCopy(x: Tensor, order: readonly number[]): Tensor {
  const permuted = dispatch("view", [x], { shape: order.map((d) => x.shape[d]!), strides: order.map((d) => x.strides[d]!), offset: x.offset });
  return dispatch("copy", [permuted], {});
}
const viewAs = (t: Tensor, shape: readonly number[], strides: readonly number[]) => dispatch("view", [t], { shape, strides, offset: t.offset });

/**
 * A tensor sharing storage (and version counter) with x but cut from the graph. It is not
 * a differentiable view: in-place writes to it don't change x's history.
 */
export function detach(x: Tensor): Tensor {
  return dispatch("view", [x], { shape: x.shape, strides: x.strides, offset: x.offset });
}

export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normalizeDim("unbind", dim, x.ndim);
  return Array.from({ length: x.shape[d]! }, (_, i) => select(x, d, i));
}

/** Moves dims `source` to positions `destination` (ints or equal-length lists); the rest keep their order. */
export function movedim(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const src = normalizeDimsKeepOrder("movedim", typeof source === "number" ? [source] : source, x.ndim);
  const dst = normalizeDimsKeepOrder("movedim", typeof destination === "number" ? [destination] : destination, x.ndim);
  if (src.length !== dst.length) throw new ShapeError(`movedim: Invalid source or destination dims: source (${JSON.stringify(source)} dims) should contain the same number of dims as destination (${JSON.stringify(destination)} dims)`);
  if (x.ndim === 0) return permute(x, []); // dims 0 and -1 name the 0-d tensor itself: nothing moves
  const order = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => (order[dst[i]!] = s));
  const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
  return permute(x, order.map((o) => (o >= 0 ? o : rest.shift()!)));
}

/**
 * x.view(dtype): the same bytes read as another dtype, sharing storage (torch.Tensor.view(dtype)).
 * Same element size: the same shape and strides. A smaller element (float32 -> bfloat16,
 * int32 -> bool) multiplies the last dim by the size ratio and needs it contiguous
 * (stride 1); a larger one divides it, and needs the last dim, the storage offset and the
 * other strides divisible by the ratio, as PyTorch does. Not differentiable: the result
 * requires no gradient (PyTorch's view(dtype) has none either), but in-place writes
 * through it bump the version counter the original shares.
 * @example tensor([1]).view("int32").item() // 1065353216 (the bits of 1.0f)
 */
export function viewAsDType(x: Tensor, dtype: DType): Tensor {
  const to = checkDType(dtype, "view");
  if (to === x.dtype) return x;
  const from = itemSize(x.dtype), size = itemSize(to);
  const shape = [...x.shape], strides = [...x.strides];
  let offset = x.offset;
  const why = `to view ${x.dtype} as ${to} (different element sizes)`;
  const where_ = `(shape ${fmtShape(x.shape)}, strides ${fmtShape(x.strides)}, offset ${x.offset})`;
  if (from !== size) {
    if (x.ndim === 0) throw new ShapeError(`view: self.dim() cannot be 0 ${why}`);
    const last = x.ndim - 1;
    if (from > size) {
      const r = from / size;
      if (strides[last] !== 1) throw new ShapeError(`view: self.stride(-1) must be 1 ${why}, but got ${strides[last]} ${where_}`);
      shape[last]! *= r;
      for (let d = 0; d < last; d++) strides[d]! *= r;
      offset *= r;
    } else {
      const r = size / from;
      if (shape[last]! % r !== 0) throw new ShapeError(`view: self.size(-1) must be divisible by ${r} ${why}, but got ${shape[last]} ${where_}`);
      if (offset % r !== 0) throw new ShapeError(`view: self.storage_offset() must be divisible by ${r} ${why}, but got ${offset} ${where_}`);
      if (strides[last] !== 1) throw new ShapeError(`view: self.stride(-1) must be 1 ${why}, but got ${strides[last]} ${where_}`);
      for (let d = 0; d < last; d++) {
        if (strides[d]! % r !== 0) throw new ShapeError(`view: self.stride(${d}) must be divisible by ${r} ${why}, but got ${strides[d]} ${where_}`);
        strides[d]! /= r;
      }
      shape[last]! /= r;
      offset /= r;
    }
  }
  return dispatch("view", [x], { shape, strides, offset, dtype: to });
}

const SIGS = {
  view: ["view(Tensor self, int... size) -> Tensor", "view.dtype(Tensor self, ScalarType dtype) -> Tensor"],
  reshape: "reshape(Tensor self, int... shape) -> Tensor",
  viewAs: "viewAs(Tensor self, Tensor other) -> Tensor",
  reshapeAs: "reshapeAs(Tensor self, Tensor other) -> Tensor",
  permute: "permute(Tensor self, int... dims) -> Tensor",
  transpose: "transpose(Tensor self, int dim0, int dim1) -> Tensor",
  swapaxes: "swapaxes(Tensor self, int axis0, int axis1) -> Tensor",
  swapdims: "swapdims(Tensor self, int dim0, int dim1) -> Tensor",
  t: "t(Tensor self) -> Tensor",
  expand: "expand(Tensor self, int... size) -> Tensor",
  expandAs: "expandAs(Tensor self, Tensor other) -> Tensor",
  broadcastTo: "broadcastTo(Tensor self, int[] size) -> Tensor",
  squeeze: "squeeze(Tensor self, int[]? dim=null) -> Tensor",
  unsqueeze: "unsqueeze(Tensor self, int dim) -> Tensor",
  flatten: "flatten(Tensor self, int startDim=0, int endDim=-1) -> Tensor",
  unflatten: "unflatten(Tensor self, int dim, int[] sizes) -> Tensor",
  narrow: "narrow(Tensor self, int dim, int start, int length) -> Tensor",
  select: "select(Tensor self, int dim, int index) -> Tensor",
  contiguous: "contiguous(Tensor self, *, str memoryFormat=\"contiguousFormat\") -> Tensor",
  clone: "clone(Tensor self, *, str memoryFormat=\"preserveFormat\") -> Tensor",
  detach: "detach(Tensor self) -> Tensor",
  detach_: "detach_(Tensor self) -> self",
  unbind: "unbind(Tensor self, int dim=0) -> Tensor[]",
  movedim: "movedim(Tensor self, int[] source, int[] destination) -> Tensor",
  moveaxis: "moveaxis(Tensor self, int[] source, int[] destination) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {
    /** The transpose of a 2-D tensor (x.T in PyTorch). */
    readonly T: Tensor;
    /** Matrix transpose of the last two dims (x.mT). */
    readonly mT: Tensor;
  }
}

function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError(`t: expects a tensor with <= 2 dimensions, but self is ${x.ndim}D (shape ${fmtShape(x.shape)})`);
  return transpose(x, 0, x.ndim < 2 ? 0 : 1, "TBackward0");
}
function detachInPlace(x: Tensor): Tensor {
  if (x._base && x.gradFn) throw new AutogradError("detach_: can't detach views in-place. Use detach() instead.");
  x.gradFn = null;
  x._requiresGrad = false;
  return x;
}

function broadcastTensors(ts: Tensor[]): Tensor[] {
  const shape = broadcastShapes("broadcastTensors", ...ts.map((x) => x.shape));
  return ts.map((x) => expand(x, shape));
}

/** The function forms (torch.reshape, torch.permute, ...); view, expand and the like are methods only. */
export const VIEW_FNS = {
  view: defineOp(SIGS.view, [view, viewAsDType], { variants: "method" }),
  reshape: defineOp(SIGS.reshape, reshape),
  viewAs: defineOp(SIGS.viewAs, (x: Tensor, other: Tensor) => view(x, other.shape), { variants: "method" }),
  reshapeAs: defineOp(SIGS.reshapeAs, (x: Tensor, other: Tensor) => reshape(x, other.shape), { variants: "method" }),
  permute: defineOp(SIGS.permute, (x: Tensor, dims: number[]) => permute(x, dims)),
  transpose: defineOp(SIGS.transpose, (x: Tensor, d0: number, d1: number) => transpose(x, d0, d1)),
  swapaxes: defineOp(SIGS.swapaxes, (x: Tensor, d0: number, d1: number) => transpose(x, d0, d1)),
  swapdims: defineOp(SIGS.swapdims, (x: Tensor, d0: number, d1: number) => transpose(x, d0, d1)),
  t: defineOp(SIGS.t, t),
  expand: defineOp(SIGS.expand, expand, { variants: "method" }),
  expandAs: defineOp(SIGS.expandAs, (x: Tensor, other: Tensor) => expand(x, other.shape), { variants: "method" }),
  squeeze: defineOp(SIGS.squeeze, (x: Tensor, dim: number | number[] | null) => squeeze(x, dim ?? undefined)),
  unsqueeze: defineOp(SIGS.unsqueeze, unsqueeze),
  flatten: defineOp(SIGS.flatten, flatten),
  unflatten: defineOp(SIGS.unflatten, (x: Tensor, dim: number, sizes: number | number[]) => unflatten(x, dim, typeof sizes === "number" ? [sizes] : sizes)),
  narrow: defineOp(SIGS.narrow, narrow),
  select: defineOp(SIGS.select, select),
  // x.contiguous({ memoryFormat: channelsLast }): the same shape, laid out NHWC (memory_format.ts)
  contiguous: defineOp(SIGS.contiguous, (x: Tensor, { memoryFormat }: { memoryFormat: string }) =>
    memoryFormat === "contiguousFormat" ? contiguous(x) : toMemoryFormat(x, checkMemoryFormat("contiguous", memoryFormat, x, false)), { variants: "method" }),
  clone: defineOp(SIGS.clone, (x: Tensor, { memoryFormat }: { memoryFormat: string }) =>
    clone(x, memoryFormat === preserveFormat ? preserveFormat : checkMemoryFormat("clone", memoryFormat, x, true))),
  detach: defineOp(SIGS.detach, detach),
  detach_: defineOp(SIGS.detach_, detachInPlace, { variants: "method" }),
  unbind: defineOp(SIGS.unbind, unbind),
  movedim: defineOp(SIGS.movedim, movedim),
  moveaxis: defineOp(SIGS.moveaxis, movedim),
  broadcastTo: defineOp(SIGS.broadcastTo, (x: Tensor, size: number | number[]) => expand(x, typeof size === "number" ? [size] : size)),
  // torch.broadcast_tensors(*tensors): each expanded (a view) to the common broadcast shape
  broadcastTensors: defineOp(["broadcastTensors(Tensor... tensors) -> Tensor[]", "broadcastTensors.list(Tensor[] tensors) -> Tensor[]"], [broadcastTensors, broadcastTensors]),
};

const P = Tensor.prototype;
Object.defineProperty(P, "T", { get(this: Tensor) { return this.permute(this.shape.map((_, i) => this.ndim - 1 - i)); } });
Object.defineProperty(P, "mT", {
  get(this: Tensor) {
    if (this.ndim < 2) throw new ShapeError(`mT: tensor must have at least 2 dimensions, got shape ${fmtShape(this.shape)}`);
    return transpose(this, -2, -1);
  },
});

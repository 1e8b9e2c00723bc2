/**
 * indexFill and indexCopy (torch.index_fill / index_copy and their in-place forms): the
 * slices of x at `index` along `dim` set to one value, or replaced by the slices of
 * `source`. Both lower to the scatter primitive (index laid along dim, value or source
 * broadcast over the rest), whose kernel checks every index: indexFill counts negative ones
 * from the end, indexCopy refuses them, as PyTorch. Where an index repeats, indexCopy's last
 * slice wins. Gradients as PyTorch's: self's is g with the written slices zeroed; source's
 * is g read back at index; the fill value's (a 0-d tensor) is the sum of g over the filled
 * slices, each counted once however often its index repeats.
 */
import { dispatch } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import { DTypeError, FluxionError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { scalarTensor } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { normalizeDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { boundsRule, checkIndexDType, indexSelect } from "./advanced_indexing.js";
import { applyInPlace } from "./inplace.js";

type Value = Tensor | number | boolean | bigint;

/** A 0-d or 1-d index as 1-D, checked. */
function vectorIndex(op: string, index: Tensor): Tensor {
  checkIndexDType(op, index);
  if (index.ndim > 1) throw new IndexError(`${op}: index has to be a vector or a scalar (0-d or 1-d), got shape ${fmtShape(index.shape)}`);
  return index.reshape([-1]);
}

/** idx (n values) laid along dim d of a tensor of `shape` whose dim d has size n. */
function alongDim(idx: Tensor, d: number, shape: readonly number[]): Tensor {
  return idx.reshape(shape.map((_, k) => (k === d ? idx.numel() : 1))).expand(shape);
}

/** x with the slices at idx along d overwritten by src (of x's shape but idx.numel() along d), no autograd. */
function writeSlices(op: string, x: Tensor, d: number, idx: Tensor, src: Tensor, negative: boolean): Tensor {
  if (idx.numel() === 0) return dispatch("copy", [x], {});
  return dispatch("scatter", [x, alongDim(idx, d, src.shape), src], { axis: d, reduce: "none", index: boundsRule(op, d, x.shape[d]!, x.shape, negative) });
}

/**
 * A copy of x whose slices at `index` along `dim` hold `value` (a scalar or a 0-d tensor,
 * cast to x's dtype); negative indices count from the end (torch.index_fill).
 * @example tensor([[1, 2, 3], [4, 5, 6]]).indexFill(1, tensor([0, 2], { dtype: "int64" }), -1) // [[-1, 2, -1], [-1, 5, -1]]
 */
export function indexFill(x: Tensor, dim: number, index: Tensor, value: Value): Tensor {
  const op = "indexFill";
  const idx = vectorIndex(op, index);
  if (value instanceof Tensor && value.ndim !== 0) throw new ShapeError(`${op}: only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s) (shape ${fmtShape(value.shape)})`);
  if (!(value instanceof Tensor) && !isFloating(x.dtype) && x.dtype !== "bool" && !Number.isFinite(Number(value))) {
    throw new FluxionError(`${op}: value ${value} cannot be converted to type ${x.dtype} without overflow`);
  }
  if (x.ndim === 0) return indexFill(x.reshape([1]), normalizeDim(op, dim, 0), index, value).reshape([]);
  const d = normalizeDim(op, dim, x.ndim);
  const v = value instanceof Tensor ? value.to(x.dtype) : scalarTensor(value, x.dtype, x.device);
  const sliced = x.shape.map((s, k) => (k === d ? idx.numel() : s));
  const out = writeSlices(op, x, d, idx, v.expand(sliced), true);
  return record1("IndexFillBackward0", [x, value instanceof Tensor ? v : null], out, [idx], ([g], [i], needs) => {
    const kept = indexFill(g!, d, i!, 0);
    // the filled slices, each once: what the value fed
    return [needs[0] ? kept : null, needs[1] ? g!.sub(kept).sum() : null];
  });
}

/**
 * A copy of x whose slices at `index` along `dim` are source's slices in order (source has
 * x's shape but index.numel() along dim; either may be 0-d when one slice is written).
 * Indices must be in [0, size) (torch.index_copy).
 * @example zeros([2, 3]).indexCopy(1, tensor([2, 0], { dtype: "int64" }), tensor([[1, 2], [3, 4]])) // [[2, 0, 1], [4, 0, 3]]
 */
export function indexCopy(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  const op = "indexCopy";
  const idx = vectorIndex(op, index);
  if (source.ndim === 0 && idx.numel() !== 1) throw new IndexError(`${op}: when source is a scalar, index should have one element (got ${idx.numel()})`);
  if (source.ndim !== x.ndim && source.ndim !== 0 && x.ndim !== 0) {
    throw new IndexError(`${op}: when source and destination are not scalars, their dimensionality must match. Source dimensionality (${source.ndim}, shape ${fmtShape(source.shape)}), destination dimensionality (${x.ndim}, shape ${fmtShape(x.shape)})`);
  }
  if (x.dtype !== source.dtype) throw new DTypeError(`${op}: self and source expected to have the same dtype, but got (self) ${x.dtype} and (source) ${source.dtype}`);
  const d = normalizeDim(op, dim, x.ndim);
  // the slices (shape without dim; a 0-d tensor's is empty) must match, as PyTorch checks
  const slice = (t: Tensor) => (t.ndim === 0 ? [] : t.shape.filter((_, k) => k !== d));
  if (fmtShape(slice(x)) !== fmtShape(slice(source))) {
    throw new ShapeError(`${op}: source/destination tensor must have same slice shapes: destination ${fmtShape(x.shape)} and source ${fmtShape(source.shape)} differ outside dimension ${d}`);
  }
  if (source.ndim > 0 && source.shape[d] !== idx.numel()) {
    throw new IndexError(`${op}: number of indices (${idx.numel()}) should be equal to source.size(dim) (${source.shape[d]}, source shape ${fmtShape(source.shape)}, dim ${d})`);
  }
  // a 0-d side: both are single slices of at most one dim
  if (x.ndim === 0 || source.ndim === 0) return indexCopy(x.reshape([-1]), 0, idx, source.reshape([-1])).reshape(x.shape);
  const out = writeSlices(op, x, d, idx, source, false);
  return record1("IndexCopyBackward0", [x, source], out, [idx], ([g], [i], needs) => [
    needs[0] ? indexFill(g!, d, i!, 0) : null,
    needs[1] ? indexSelect(g!, d, i!) : null,
  ]);
}

const SIGS = {
  indexFill: "indexFill(Tensor self, int dim, Tensor index, Tensor|Scalar value) -> Tensor",
  indexFill_: "indexFill_(Tensor self, int dim, Tensor index, Tensor|Scalar value) -> self",
  indexCopy: "indexCopy(Tensor self, int dim, Tensor index, Tensor source) -> Tensor",
  indexCopy_: "indexCopy_(Tensor self, int dim, Tensor index, Tensor source) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

const m = { variants: "method" } as const;

/** The public, argument-checked forms (torch.index_fill, Tensor.index_fill_, ...). */
export const INDEX_FILL_COPY_FNS = {
  indexFill: defineOp(SIGS.indexFill, indexFill),
  indexFill_: defineOp(SIGS.indexFill_, (x: Tensor, dim: number, index: Tensor, value: Value) =>
    applyInPlace(x, "indexFill_", (s) => indexFill(s, dim, index, value), [value], false), m),
  indexCopy: defineOp(SIGS.indexCopy, indexCopy),
  indexCopy_: defineOp(SIGS.indexCopy_, (x: Tensor, dim: number, index: Tensor, source: Tensor) =>
    applyInPlace(x, "indexCopy_", (s) => indexCopy(s, dim, index, source), [source], false), m),
};

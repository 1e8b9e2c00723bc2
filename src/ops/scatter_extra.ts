/**
 * Writing into a copy of a tensor, PyTorch 1.13's way: diagonalScatter, selectScatter and
 * sliceScatter (src copied into a view of a clone, as PyTorch composes them, so autograd's
 * view handling gives both gradients), maskedScatter (source's elements in order at the true
 * positions of a mask), put (flat positions, optionally accumulating) and indexReduce (a
 * scatterReduce with the index spread along one dim), with their in-place forms.
 */
import { dispatch } from "../backend/dispatcher.js";
import { DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { arange } from "../tensor/creation.js";
import { broadcastShapes, normalizeDim, shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { assertAll, checkIndexDType, checkIndexValues, putFlat } from "./advanced_indexing.js";
import { torchDTypeName, whereImpl } from "./elementwise.js";
import { slice } from "./indexing.js";
import { applyInPlace } from "./inplace.js";
import { scatterReduce } from "./scatter_reduce.js";

// ---- diagonal / select / slice scatter --------------------------------------------------------

/** A clone of x with src copied into view(clone); src must have the view's shape exactly (its dtype is cast). */
function scatterIntoView(op: string, x: Tensor, src: Tensor, view: (t: Tensor) => Tensor): Tensor {
  const out = x.clone();
  const slot = view(out);
  if (!shapesEqual(slot.shape, src.shape)) {
    throw new ShapeError(`${op}: expected src to have a size equal to the slice of self. src size = ${fmtShape(src.shape)}, slice size = ${fmtShape(slot.shape)} (self shape ${fmtShape(x.shape)})`);
  }
  slot.copy_(src);
  return out;
}

/**
 * x with its diagonal (offset, dim1, dim2, as x.diagonal takes them) replaced by src.
 * @example diagonalScatter(zeros([2, 2]), tensor([1, 2])).tolist() // [[1, 0], [0, 2]]
 */
function diagonalScatter(x: Tensor, src: Tensor, offset: number, dim1: number, dim2: number): Tensor {
  return scatterIntoView("diagonalScatter", x, src, (t) => t.diagonal(offset, dim1, dim2));
}

/** x with x.select(dim, index) replaced by src. */
function selectScatter(x: Tensor, src: Tensor, dim: number, index: number): Tensor {
  return scatterIntoView("selectScatter", x, src, (t) => t.select(dim, index));
}

/** x with the slice start:end:step of dim replaced by src (start/end clamp as Python's slices). */
function sliceScatter(x: Tensor, src: Tensor, dim: number, start: number | null, end: number | null, step: number): Tensor {
  if (step <= 0) throw new IndexError(`sliceScatter: slice step must be positive (got ${step})`);
  const d = normalizeDim("sliceScatter", dim, x.ndim);
  return scatterIntoView("sliceScatter", x, src, (t) => t.index(...new Array<string>(d).fill(":"), slice(start, end, step)));
}

// ---- maskedScatter ------------------------------------------------------------------------------

/**
 * x where mask is false; where it is true, source's elements in row-major order (the k-th
 * true position gets source's k-th element). x and mask broadcast together (mask to x's shape
 * in place); source needs at least as many elements as mask has true values, and x's dtype.
 * @example zeros([3]).maskedScatter(tensor([true, false, true]), tensor([7, 8])) // [7, 0, 8]
 */
function maskedScatter(x: Tensor, mask: Tensor, source: Tensor, op = "maskedScatter"): Tensor {
  if (mask.dtype !== "bool") throw new DTypeError(`${op}: masked_scatter only supports boolean masks, but got mask with dtype ${mask.dtype} (shape ${fmtShape(mask.shape)})`);
  if (source.dtype !== x.dtype) {
    throw new DTypeError(`${op}: expected self and source to have same dtypes but got ${torchDTypeName(x.dtype)} and ${torchDTypeName(source.dtype)} (self ${x.dtype}, source ${source.dtype})`);
  }
  const shape = broadcastShapes(op, x.shape, mask.shape);
  const m = mask.expand(shape).reshape([-1]);
  assertAll(m.sum().le(source.numel()), `${op}: Number of elements of source < number of ones in mask (source has ${source.numel()} elements, mask shape ${fmtShape(mask.shape)})`);
  const base = x.expand(shape);
  if (source.numel() === 0) return base.clone(); // the mask has no true value (checked above)
  // the k-th true position reads source[k]; false positions read source[0] and are discarded
  const position = whereImpl(m, m.to("int64").cumsum(0).sub(1), 0);
  const picked = source.reshape([-1]).gather(0, position).reshape(shape);
  return whereImpl(mask.expand(shape), picked, base);
}

// ---- put --------------------------------------------------------------------------------------------

/**
 * A copy of x with source's values written at x's flat (row-major) positions `index`
 * (negative ones count from the end), or added there with accumulate (repeated positions add
 * up). index and source have the same number of elements; source has x's dtype.
 * @example zeros([2, 2]).put(tensor([0, -1], { dtype: "int64" }), tensor([5, 6])) // [[5, 0], [0, 6]]
 */
function put(x: Tensor, index: Tensor, source: Tensor, accumulate: boolean, op = "put"): Tensor {
  checkIndexDType(op, index);
  if (source.dtype !== x.dtype) {
    throw new DTypeError(`${op}: self and source expected to have the same dtype, but got self.dtype = ${x.dtype} and source.dtype = ${source.dtype}`);
  }
  if (source.numel() !== index.numel()) {
    throw new ShapeError(`${op}: Expected source and index to have the same number of elements, but got source.numel() = ${source.numel()}, index.numel() = ${index.numel()}`);
  }
  const n = x.numel();
  if (n === 0 && index.numel() > 0) throw new IndexError(`${op}: Tried to put elements into an empty tensor`);
  // the positions, wrapped and checked by a gather kernel (no host read)
  const rule = { negative: true, error: `${op}: out of range: tried to access index {index} on a tensor of ${n} elements (shape ${fmtShape(x.shape)})` };
  const flat = dispatch("gather", [arange(Math.max(n, 1), { dtype: "int32", device: x.device }), index.reshape([-1])], { axis: 0, index: rule });
  return putFlat(x, flat, source.reshape([-1]), accumulate);
}

// ---- indexReduce ------------------------------------------------------------------------------------

type IndexReduceOp = "prod" | "mean" | "amax" | "amin";

/**
 * x with source's slices along dim reduced into the slices index names ("prod", "mean",
 * "amax", "amin"), starting from x's own values when includeSelf (default): for dim 0,
 * out[index[i]] = reduce(out[index[i]], source[i]) (torch.index_reduce). A scatterReduce
 * whose index is spread along the other dims, so values, gradients and integer means are its.
 * @example ones([3]).indexReduce(0, tensor([0, 0], { dtype: "int64" }), tensor([2, 5]), "amax") // [5, 1, 1]
 */
function indexReduce(x: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduceOp, includeSelf: boolean, op = "indexReduce"): Tensor {
  checkIndexDType(op, index); // (reduce is one of the four: the declaration checks it)
  if (index.ndim > 1) throw new ShapeError(`${op}: Index is supposed to be a vector, but got dim: ${index.ndim} with type: ${index.dtype} and size: ${fmtShape(index.shape)}`);
  if (source.dtype !== x.dtype) throw new DTypeError(`${op}: self (${x.dtype}) and source (${source.dtype}) must have the same scalar type`);
  const x1 = x.ndim === 0 ? x.reshape([1]) : x, s1 = source.ndim === 0 ? source.reshape([1]) : source;
  const d = normalizeDim(op, dim, x1.ndim);
  if (s1.ndim !== x1.ndim || s1.shape.some((s, k) => k !== d && s !== x1.shape[k])) {
    throw new ShapeError(`${op}: source (shape ${fmtShape(source.shape)}) must have self's shape (${fmtShape(x.shape)}) in every dimension but ${d}`);
  }
  const n = index.numel();
  if (n !== s1.shape[d]) throw new ShapeError(`${op}: Number of indices (${n}) should be equal to source.size(dim): (${s1.shape[d]}), for dim: ${d}`);
  const checked = checkIndexValues(op, index.reshape([-1]), x1.shape[d]!, d, false, x.shape);
  const along = checked.reshape(x1.shape.map((_, k) => (k === d ? n : 1))).expand(s1.shape);
  const out = scatterReduce(x1, d, along, s1, reduce, includeSelf);
  return x.ndim === 0 ? out.reshape([]) : out;
}

// ---- declarations ----------------------------------------------------------------------------------

const REDUCE = `"prod"|"mean"|"amax"|"amin" reduce`;
const SIGS = {
  diagonalScatter: "diagonalScatter(Tensor self, Tensor src, int offset=0, int dim1=0, int dim2=1) -> Tensor",
  selectScatter: "selectScatter(Tensor self, Tensor src, int dim, int index) -> Tensor",
  sliceScatter: "sliceScatter(Tensor self, Tensor src, int dim=0, int? start=null, int? end=null, int step=1) -> Tensor",
  maskedScatter: "maskedScatter(Tensor self, Tensor mask, Tensor source) -> Tensor",
  maskedScatter_: "maskedScatter_(Tensor self, Tensor mask, Tensor source) -> self",
  put: "put(Tensor self, Tensor index, Tensor source, bool accumulate=false) -> Tensor",
  put_: "put_(Tensor self, Tensor index, Tensor source, bool accumulate=false) -> self",
  indexReduce: `indexReduce(Tensor self, int dim, Tensor index, Tensor source, ${REDUCE}, *, bool includeSelf=true) -> Tensor`,
  indexReduce_: `indexReduce_(Tensor self, int dim, Tensor index, Tensor source, ${REDUCE}, *, bool includeSelf=true) -> self`,
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

const m = { variants: "method" } as const;
type Kw = { includeSelf: boolean };

defineOp(SIGS.maskedScatter_, (x: Tensor, mask: Tensor, source: Tensor) => {
  // in place, the mask broadcasts to self's shape (self does not grow)
  if (!shapesEqual(broadcastShapes("maskedScatter_", x.shape, mask.shape), x.shape)) {
    throw new ShapeError(`maskedScatter_: mask of shape ${fmtShape(mask.shape)} cannot be broadcast to self's shape ${fmtShape(x.shape)}`);
  }
  return applyInPlace(x, "maskedScatter_", (s) => maskedScatter(s, mask, source, "maskedScatter_"), [source], false);
}, m);
defineOp(SIGS.put_, (x: Tensor, index: Tensor, source: Tensor, accumulate: boolean) =>
  applyInPlace(x, "put_", (s) => put(s, index, source, accumulate, "put_"), [source], false), m);
defineOp(SIGS.indexReduce_, (x: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduceOp, { includeSelf }: Kw) =>
  applyInPlace(x, "indexReduce_", (s) => indexReduce(s, dim, index, source, reduce, includeSelf, "indexReduce_"), [source], reduce !== "mean"), m);

export const SCATTER_EXTRA_FNS = {
  diagonalScatter: defineOp(SIGS.diagonalScatter, diagonalScatter),
  selectScatter: defineOp(SIGS.selectScatter, selectScatter),
  sliceScatter: defineOp(SIGS.sliceScatter, sliceScatter),
  maskedScatter: defineOp(SIGS.maskedScatter, (x: Tensor, mask: Tensor, source: Tensor) => maskedScatter(x, mask, source)),
  put: defineOp(SIGS.put, (x: Tensor, index: Tensor, source: Tensor, accumulate: boolean) => put(x, index, source, accumulate)),
  indexReduce: defineOp(SIGS.indexReduce, (x: Tensor, dim: number, index: Tensor, source: Tensor, reduce: IndexReduceOp, { includeSelf }: Kw) =>
    indexReduce(x, dim, index, source, reduce, includeSelf)),
};

/**
 * Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, nanmedian
 * and unique. All are built on the `sort`, `topk` and `unique` primitives (stable; NaN
 * counts as the largest value; topk and kthvalue select without sorting whole rows).
 * Indices are int32.
 *
 * The values of sort/topk/kthvalue/median are differentiable: the gradient flows back to
 * the elements that were chosen, by scattering it to their indices. That scatter's own
 * backward is a gather (and the gather's a scatter), so double backward works too.
 */
import { dispatch, dispatchAll } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import { noGrad } from "../autograd/grad_mode.js";
import { DTypeError, IndexError, fmtShape } from "../errors.js";
import { isFloating } from "../tensor/dtype.js";
import { full, zeros } from "../tensor/creation.js";
import { normalizeDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { namedTuple } from "../api/return_types.js";
import { uniqueConsecutive, uniqueDim } from "./unique_dim.js";

/** Values with the int32 positions they came from along the dim (like torch.return_types). */
export interface SortResult {
  values: Tensor;
  indices: Tensor;
}
export interface SortOptions {
  /** Largest first (default false). */
  descending?: boolean;
  /** Accepted for PyTorch compatibility: Fluxion's sort is always stable. */
  stable?: boolean;
}
export interface TopkOptions {
  /** The k largest (default) or the k smallest elements. */
  largest?: boolean;
  /**
   * Accepted for PyTorch compatibility: results always come back sorted (an order PyTorch
   * allows for sorted: false, whose order it leaves unspecified).
   */
  sorted?: boolean;
}
export interface KeepdimOptions {
  /** Keep the reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

// ---- differentiable gather / scatter along a dim ----------------------------------------

/** out[..i..] = x[..index[..i..]..] along axis; its gradient scatters back. */
function gatherAlong(x: Tensor, axis: number, index: Tensor): Tensor {
  const out = dispatch("gather", [x, index], { axis });
  const shape = x.shape;
  return record1("GatherBackward0", [x], out, [index], ([g], [idx]) => [scatterAddInto(shape, axis, idx!, g!)]);
}

/** zeros(shape) with src added at index along axis; its gradient gathers back. */
function scatterAddInto(shape: readonly number[], axis: number, index: Tensor, src: Tensor): Tensor {
  const base = zeros(shape, { dtype: src.dtype, device: src.device });
  const out = dispatch("scatter", [base, index, src], { axis, reduce: "add" });
  return record1("ScatterAddBackward0", [src], out, [index], ([g], [idx]) => [gatherAlong(g!, axis, idx!)]);
}

/**
 * Records the backward of an op whose values are elements of x picked along dim d at
 * `indices` (same rank as x when keepdim, else without dim d).
 */
function recordSelection(name: string, x: Tensor, values: Tensor, indices: Tensor, d: number, keepdim: boolean): Tensor {
  const shape = x.shape;
  return record1(name, [x], values, [indices], ([g], [idx]) => {
    const gk = keepdim ? g! : g!.unsqueeze(d);
    const ik = keepdim ? idx! : idx!.unsqueeze(d);
    return [scatterAddInto(shape, d, ik, gk)];
  });
}

/** A contiguous copy of elements start..start+len-1 along d (dim d dropped if squeeze). */
function takeRaw(t: Tensor, d: number, start: number, len: number, squeeze: boolean): Tensor {
  const shape = [...t.shape], strides = [...t.strides];
  shape[d] = len;
  if (squeeze) {
    shape.splice(d, 1);
    strides.splice(d, 1);
  }
  const offset = t.offset + (len > 0 ? start * t.strides[d]! : 0);
  return dispatch("copy", [dispatch("view", [t], { shape, strides, offset })], {});
}

function dropDim(t: Tensor, d: number): Tensor {
  const shape = t.shape.filter((_, k) => k !== d);
  return dispatch("view", [t], { shape, strides: t.strides.filter((_, k) => k !== d), offset: t.offset });
}

/** Runs a dim-wise op on a 0-d tensor as on [1], then makes its results 0-d again. */
function on0d(x: Tensor, fn: (x1: Tensor) => SortResult): SortResult {
  const r = fn(x.unsqueeze(0));
  const to0d = (t: Tensor) => (t.ndim === 1 && t.shape[0] === 1 ? t.reshape([]) : t);
  return { values: to0d(r.values), indices: to0d(r.indices) };
}

function checkNonEmptyDim(op: string, x: Tensor, d: number): void {
  if (x.shape[d] === 0) throw new IndexError(`${op}: expected reduction dim ${d} to have non-zero size (input shape ${fmtShape(x.shape)})`);
}

// ---- sort / argsort / msort -------------------------------------------------------------

/**
 * Sorts along dim (default the last), ascending unless `descending`. Stable: equal values
 * keep their order. NaN sorts as larger than every number.
 * @example sort(tensor([3, 1, 2])).values.tolist() // [1, 2, 3]; .indices: [1, 2, 0]
 */
export function sort(x: Tensor, dim = -1, opts?: SortOptions): SortResult {
  if (x.ndim === 0) return on0d(x, (x1) => sort(x1, 0, opts));
  const d = normalizeDim("sort", dim, x.ndim);
  const [values, indices] = dispatchAll("sort", [x], { axis: d, descending: opts?.descending ?? false }) as [Tensor, Tensor];
  return { values: recordSelection("SortBackward0", x, values, indices, d, true), indices };
}

/**
 * The int32 indices that sort x along dim (sort(...).indices).
 * @example argsort(tensor([3, 1, 2])).tolist() // [1, 2, 0]
 */
export function argsort(x: Tensor, dim = -1, opts?: SortOptions): Tensor {
  return noGrad(() => sort(x, dim, opts).indices);
}

/**
 * Sorts along dim 0 (torch.msort).
 * @example msort(tensor([[2, 1], [1, 3]])).tolist() // [[1, 1], [2, 3]]
 */
export function msort(x: Tensor): Tensor {
  return sort(x, 0).values;
}

// ---- topk / kthvalue --------------------------------------------------------------------

/**
 * The k largest (or, with largest: false, smallest) elements along dim, in sorted order,
 * with their indices. NaN counts as the largest value; equal values come lower index first
 * (the first k of the stable sort, descending for largest). Selects without sorting whole
 * rows (the `topk` primitive).
 * @example topk(tensor([1, 5, 3]), 2).values.tolist() // [5, 3]
 */
export function topk(x: Tensor, k: number, dim = -1, opts?: TopkOptions): SortResult {
  if (x.ndim === 0) return on0d(x, (x1) => topk(x1, k, 0, opts));
  const d = normalizeDim("topk", dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) {
    throw new IndexError(`topk: selected index k out of range (k = ${k}, size of dim ${d} = ${size}, input shape ${fmtShape(x.shape)})`);
  }
  const [values, indices] = dispatchAll("topk", [x], { axis: d, k, largest: opts?.largest ?? true }) as [Tensor, Tensor];
  return { values: recordSelection("TopkBackward0", x, values, indices, d, true), indices };
}

/**
 * The k-th smallest element (k counts from 1) along dim, with its index.
 * @example kthvalue(tensor([4, 1, 3]), 2).values.item() // 3
 */
export function kthvalue(x: Tensor, k: number, dim = -1, opts?: KeepdimOptions): SortResult {
  if (x.ndim === 0) return on0d(x, (x1) => kthvalue(x1, k, 0, opts));
  const d = normalizeDim("kthvalue", dim, x.ndim);
  const size = x.shape[d]!;
  if (!Number.isInteger(k) || k < 1 || k > size) {
    throw new IndexError(`kthvalue: selected number k out of range for dimension ${d} (k = ${k}, size ${size}, input shape ${fmtShape(x.shape)})`);
  }
  const keepdim = opts?.keepdim ?? false;
  // the k smallest in order (the stable sort's first k): the last of them is the k-th
  const [sv, si] = dispatchAll("topk", [x], { axis: d, k, largest: false }) as [Tensor, Tensor];
  const values = takeRaw(sv, d, k - 1, 1, !keepdim), indices = takeRaw(si, d, k - 1, 1, !keepdim);
  return { values: recordSelection("KthvalueBackward0", x, values, indices, d, keepdim), indices };
}

// ---- median / nanmedian -----------------------------------------------------------------

type MedianKind = "median" | "nanmedian";

/**
 * Position of the median in each row of `sorted` (keepdim shape, int32): the lower median;
 * for "median" a row with NaN picks its first NaN, for "nanmedian" NaNs are ignored.
 */
function medianPositions(kind: MedianKind, sorted: Tensor, d: number): Tensor {
  const n = sorted.shape[d]!;
  const nanCount = sorted.isnan().sum(d, { keepdim: true, dtype: "int32" }); // positions are int32 indices
  const numbers = nanCount.rsub(n);
  if (kind === "median") return where(nanCount.gt(0), numbers, (n - 1) >> 1);
  // lower median of the numbers; an all-NaN row picks position 0 (a NaN)
  return where(numbers.gt(0), numbers.sub(1).div(2).floor().int(), 0);
}

function medianDim(kind: MedianKind, x: Tensor, dim: number, keepdim: boolean): SortResult {
  if (x.ndim === 0) return on0d(x, (x1) => medianDim(kind, x1, 0, keepdim));
  const d = normalizeDim(kind, dim, x.ndim);
  checkNonEmptyDim(kind, x, d);
  const [sv, si] = dispatchAll("sort", [x], { axis: d, descending: false }) as [Tensor, Tensor];
  const pos = noGrad(() => medianPositions(kind, sv, d));
  let values = dispatch("gather", [sv, pos], { axis: d }), indices = dispatch("gather", [si, pos], { axis: d });
  if (!keepdim) [values, indices] = [dropDim(values, d), dropDim(indices, d)];
  return { values: recordSelection(kind === "median" ? "MedianBackward1" : "NanmedianBackward1", x, values, indices, d, keepdim), indices };
}

/** Median of all elements; the gradient is shared equally by the elements equal to it (as torch). */
function medianAll(kind: MedianKind, x: Tensor): Tensor {
  if (x.numel() === 0) {
    if (!isFloating(x.dtype)) throw new DTypeError(`${kind}: cannot take the median of an empty ${x.dtype} tensor (shape ${fmtShape(x.shape)})`);
    return full([], NaN, { dtype: x.dtype, device: x.device });
  }
  const out = noGrad(() => medianDim(kind, x.ndim === 0 ? x : x.reshape([-1]), 0, false).values);
  return record1(kind === "median" ? "MedianBackward0" : "NanmedianBackward0", [x], out, [x, out], ([g], [xs, y]) => {
    const mask = where(y!.isnan(), xs!.isnan(), xs!.eq(y!)).to(g!.dtype);
    return [mask.mul(g!.div(mask.sum()))];
  });
}

/**
 * median(x): the lower median of all elements (NaN if any element is NaN).
 * median(x, dim): { values, indices } of the lower median along dim.
 * @example median(tensor([3, 1, 4, 2])).item() // 2
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, opts?: KeepdimOptions): SortResult;
export function median(x: Tensor, dim?: number, opts?: KeepdimOptions): Tensor | SortResult {
  return dim === undefined ? medianAll("median", x) : medianDim("median", x, dim, opts?.keepdim ?? false);
}

/**
 * Like median, ignoring NaNs (NaN only when every element considered is NaN).
 * @example nanmedian(tensor([1, NaN, 3, 2])).item() // 2
 */
export function nanmedian(x: Tensor): Tensor;
export function nanmedian(x: Tensor, dim: number, opts?: KeepdimOptions): SortResult;
export function nanmedian(x: Tensor, dim?: number, opts?: KeepdimOptions): Tensor | SortResult {
  return dim === undefined ? medianAll("nanmedian", x) : medianDim("nanmedian", x, dim, opts?.keepdim ?? false);
}

// ---- unique -----------------------------------------------------------------------------

export interface UniqueOptions {
  /** Accepted for PyTorch compatibility: the values always come back sorted ascending. */
  sorted?: boolean;
  /** Also return `inverse`: for each input element, the index of its value in `values`. */
  returnInverse?: boolean;
  /** Also return `counts`: how often each value occurs. */
  returnCounts?: boolean;
}
/** unique()'s result when returnInverse or returnCounts is set. */
export interface UniqueResult {
  /** The distinct values, sorted ascending (1-D; each NaN counts as distinct). */
  values: Tensor;
  /** int32, the input's shape: values.flatten()[inverse] rebuilds the input. */
  inverse?: Tensor;
  /** int32, one count per value. */
  counts?: Tensor;
}

/**
 * The distinct elements of the flattened input, sorted. Without options this returns a
 * Tensor, like torch.unique; with `returnInverse` and/or `returnCounts` it returns an object
 * holding `values` plus exactly the requested fields (typed accordingly). Not differentiable.
 * @example unique(tensor([2, 1, 2])).tolist() // [1, 2]
 * @example const { values, counts } = unique(tensor([2, 1, 2]), { returnCounts: true }); // counts: [1, 2]
 */
export function unique(x: Tensor, opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(x: Tensor, opts: UniqueOptions & { returnInverse: true; returnCounts: true }): { values: Tensor; inverse: Tensor; counts: Tensor };
export function unique(x: Tensor, opts: UniqueOptions & { returnInverse: true }): { values: Tensor; inverse: Tensor };
export function unique(x: Tensor, opts: UniqueOptions & { returnCounts: true }): { values: Tensor; counts: Tensor };
export function unique(x: Tensor, opts?: UniqueOptions): Tensor | UniqueResult;
export function unique(x: Tensor, opts?: UniqueOptions): Tensor | UniqueResult {
  const [values, inverse, counts] = dispatchAll("unique", [x], {}) as [Tensor, Tensor, Tensor];
  if (!opts?.returnInverse && !opts?.returnCounts) return values;
  const r: UniqueResult = { values };
  if (opts.returnInverse) r.inverse = inverse;
  if (opts.returnCounts) r.counts = counts;
  return r;
}

// ---- declarations -----------------------------------------------------------------------

const SIGS = {
  sort: "sort(Tensor self, int dim=-1, bool descending=false, *, bool? stable=null) -> (Tensor values, Tensor indices)",
  argsort: "argsort(Tensor self, int dim=-1, bool descending=false, *, bool? stable=null) -> Tensor",
  msort: "msort(Tensor self) -> Tensor",
  topk: "topk(Tensor self, int k, int dim=-1, bool largest=true, bool sorted=true) -> (Tensor values, Tensor indices)",
  kthvalue: "kthvalue(Tensor self, int k, int dim=-1, bool keepdim=false) -> (Tensor values, Tensor indices)",
  median: ["median(Tensor self) -> Tensor", "median.dim(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)"],
  nanmedian: ["nanmedian(Tensor self) -> Tensor", "nanmedian.dim(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)"],
} as const;
const UNIQUE = "unique(Tensor self, bool sorted=true, bool returnInverse=false, bool returnCounts=false, int? dim=null) -> Any";
const UNIQUE_CONSECUTIVE = "uniqueConsecutive(Tensor self, bool returnInverse=false, bool returnCounts=false, int? dim=null) -> Any";

type Uniq = { sorted?: boolean; dim?: number | null };
type UniqConsecutive = { dim?: number | null };
/**
 * unique's overloads with the input first or not (`S` is [] for the method, [Tensor] for
 * torch.unique): TypeScript's Parameters<> of an overloaded method sees only its last
 * overload, so the function form spells them out too.
 */
export interface UniqueOverloads<S extends unknown[]> {
  (...a: [...S, opts?: Uniq & { returnInverse?: false; returnCounts?: false }]): Tensor;
  (...a: [...S, opts: Uniq & { returnInverse: true; returnCounts: true }]): [values: Tensor, inverse: Tensor, counts: Tensor] & { values: Tensor; inverse: Tensor; counts: Tensor };
  (...a: [...S, opts: Uniq & { returnInverse: true; returnCounts?: false }]): [values: Tensor, inverse: Tensor] & { values: Tensor; inverse: Tensor };
  (...a: [...S, opts: Uniq & { returnInverse?: false; returnCounts: true }]): [values: Tensor, counts: Tensor] & { values: Tensor; counts: Tensor };
  (...a: [...S, opts: Uniq & { returnInverse?: boolean; returnCounts?: boolean }]): Tensor | (Tensor[] & { values: Tensor; inverse?: Tensor; counts?: Tensor });
  (...a: [...S, sorted: boolean, returnInverse?: boolean, returnCounts?: boolean, dim?: number | null]): Tensor | Tensor[];
}
export interface UniqueConsecutiveOverloads<S extends unknown[]> {
  (...a: [...S, opts?: UniqConsecutive & { returnInverse?: false; returnCounts?: false }]): Tensor;
  (...a: [...S, opts: UniqConsecutive & { returnInverse: true; returnCounts: true }]): [values: Tensor, inverse: Tensor, counts: Tensor] & { values: Tensor; inverse: Tensor; counts: Tensor };
  (...a: [...S, opts: UniqConsecutive & { returnInverse: true; returnCounts?: false }]): [values: Tensor, inverse: Tensor] & { values: Tensor; inverse: Tensor };
  (...a: [...S, opts: UniqConsecutive & { returnInverse?: false; returnCounts: true }]): [values: Tensor, counts: Tensor] & { values: Tensor; counts: Tensor };
  (...a: [...S, opts: UniqConsecutive & { returnInverse?: boolean; returnCounts?: boolean }]): Tensor | (Tensor[] & { values: Tensor; inverse?: Tensor; counts?: Tensor });
  (...a: [...S, returnInverse: boolean, returnCounts?: boolean, dim?: number | null]): Tensor | Tensor[];
}
declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {
    /**
     * Distinct elements, sorted (torch.unique). With returnInverse and/or returnCounts, a
     * tuple [values, inverse?, counts?] that also has those names as fields.
     */
    unique: UniqueOverloads<[]>;
    /** Runs of equal consecutive elements (or slices along dim), torch.unique_consecutive: a tensor, or a tuple with inverse / counts. */
    uniqueConsecutive: UniqueConsecutiveOverloads<[]>;
  }
}

/** A unique result as torch returns it: the values, or a tuple of them and the requested extras. */
function tupleOf(name: string, r: UniqueResult, returnInverse: boolean, returnCounts: boolean): Tensor | unknown[] {
  if (!returnInverse && !returnCounts) return r.values;
  const fields = ["values", ...(returnInverse ? ["inverse"] : []), ...(returnCounts ? ["counts"] : [])];
  return namedTuple(name, fields, fields.map((f) => r[f as keyof UniqueResult]));
}

function uniqueTuple(x: Tensor, _sorted: boolean, returnInverse: boolean, returnCounts: boolean, dim: number | null | undefined): Tensor | unknown[] {
  const r = dim !== null && dim !== undefined ? uniqueDim(x, dim) : unique(x, { returnInverse, returnCounts });
  return r instanceof Tensor ? r : tupleOf("unique", r, returnInverse, returnCounts);
}

function uniqueConsecutiveTuple(x: Tensor, returnInverse: boolean, returnCounts: boolean, dim: number | null): Tensor | unknown[] {
  return tupleOf("unique_consecutive", uniqueConsecutive(x, dim), returnInverse, returnCounts);
}

const medianOf = (kind: MedianKind) => [
  (x: Tensor) => medianAll(kind, x),
  (x: Tensor, dim: number, keepdim: boolean) => medianDim(kind, x, dim, keepdim),
];

/** The public, argument-checked forms (torch.sort, ...); ops call the functions above directly. */
export const SORTING_FNS = {
  sort: defineOp(SIGS.sort, (x: Tensor, dim: number, descending: boolean) => sort(x, dim, { descending })),
  argsort: defineOp(SIGS.argsort, (x: Tensor, dim: number, descending: boolean) => argsort(x, dim, { descending })),
  msort: defineOp(SIGS.msort, msort),
  topk: defineOp(SIGS.topk, (x: Tensor, k: number, dim: number, largest: boolean) => topk(x, k, dim, { largest })),
  kthvalue: defineOp(SIGS.kthvalue, (x: Tensor, k: number, dim: number, keepdim: boolean) => kthvalue(x, k, dim, { keepdim })),
  median: defineOp(SIGS.median, medianOf("median")),
  nanmedian: defineOp(SIGS.nanmedian, medianOf("nanmedian")),
  unique: defineOp(UNIQUE, uniqueTuple) as unknown as UniqueOverloads<[x: Tensor]>,
  uniqueConsecutive: defineOp(UNIQUE_CONSECUTIVE, uniqueConsecutiveTuple) as unknown as UniqueConsecutiveOverloads<[x: Tensor]>,
};

/**
 * Ops that move elements by index tensors: gather, scatter, scatterAdd, indexSelect,
 * indexAdd, take and oneHot, plus the flat take/put helpers that x.index(...) and
 * x.indexPut_(...) (src/ops/indexing.ts) are built on. Everything lowers to the gather,
 * scatter and indexPut primitives; each op records its backward with these same ops
 * (gather <-> scatterAdd, indexSelect <-> indexAdd, take <-> put), so gradients are
 * differentiable again.
 *
 * Index tensors are int32 (Fluxion's integer dtype) or int64 (PyTorch's); the kernels take
 * both. No op here reads index values on the host: the kernel checks every value while it
 * runs (an IndexRule in its attrs carries the public op's error message, naming the op, the
 * bad index, the dim and its size) and raises before writing anything, so a failed in-place
 * op leaves its tensor untouched. nonzero is the exception (its output shape is the data's):
 * a host read through readHost (src/tensor/host_read.ts).
 */
import { dispatch } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import { DTypeError, FluxionError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { arange, onesLike, scalarTensor, zeros, zerosLike } from "../tensor/creation.js";
import type { IndexRule, PrimitiveAttrs } from "../backend/primitives.js";
import { readHost } from "../tensor/host_read.js";
import { normalizeDim, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { applyInPlace } from "./inplace.js";
import { whereImpl as where } from "./elementwise.js";

type ScatterReduce = PrimitiveAttrs["scatter"]["reduce"];

// ---- checks ---------------------------------------------------------------------------

/** Throws a DTypeError unless `index` is an int64 or int32 tensor. */
export function checkIndexDType(op: string, index: Tensor, what = "index"): void {
  if (!(index instanceof Tensor)) throw new DTypeError(`${op}: expected ${what} to be an int64 or int32 Tensor, got ${typeof index}`);
  if (index.dtype !== "int32" && index.dtype !== "int64") {
    throw new DTypeError(`${op}: expected ${what} to be an int64 or int32 tensor, got ${index.dtype} (shape ${fmtShape(index.shape)}); convert it with .long() or .int()`);
  }
}

/**
 * The kernel rule that makes an out-of-range index raise "<op>: index <v> is out of bounds
 * for dimension <dim> with size <size> (input shape <shape>)" (no shape part without
 * `shape`), naming the public op instead of the primitive.
 */
export function boundsRule(op: string, dim: number, size: number, shape: readonly number[] | null, negative = false): IndexRule {
  const where_ = shape ? ` (input shape ${fmtShape(shape)})` : "";
  return { negative, error: `${op}: index {index} is out of bounds for dimension ${dim} with size ${size}${where_}` };
}

/**
 * `index` checked against a dim of size `size`, as int32 of the same shape, with negative
 * values counted from the end when `allowNegative` (torch's advanced indexing does; gather,
 * scatter and indexSelect do not). A dispatched computation (a gather from 0..size-1 whose
 * kernel checks each value), not a host read: for ops that combine several indices before
 * any kernel sees them.
 */
export function checkIndexValues(op: string, index: Tensor, size: number, dim: number, allowNegative: boolean, shape?: readonly number[]): Tensor {
  const positions = arange(size, { dtype: "int32", device: index.device });
  const rule = boundsRule(op, dim, size, shape ?? null, allowNegative);
  return dispatch("gather", [positions, index.reshape([-1])], { axis: 0, index: rule }).reshape(index.shape);
}

/**
 * Raises an IndexError with `message` unless every element of the boolean tensor `cond` is
 * true: a dispatched assertion (a one-element gather whose index is 1 when the condition
 * fails), so the check runs as a kernel and a compiled graph keeps it, with no host read.
 */
export function assertAll(cond: Tensor, message: string): void {
  const failed = cond.all().logicalNot().to("int32").reshape([1]);
  dispatch("gather", [zeros([1], { dtype: "int32", device: cond.device }), failed], { axis: 0, index: { error: message } });
}

/** gather/scatter's rule: same ndim, and index no larger than `other` in the listed dims. */
function checkIndexShape(op: string, index: Tensor, other: Tensor, otherName: string, exceptDim: number | null): void {
  if (index.ndim !== other.ndim) {
    throw new ShapeError(`${op}: index tensor must have the same number of dimensions as ${otherName} tensor (index shape ${fmtShape(index.shape)}, ${otherName} shape ${fmtShape(other.shape)})`);
  }
  for (let d = 0; d < index.ndim; d++) {
    if (d !== exceptDim && index.shape[d]! > other.shape[d]!) {
      throw new ShapeError(`${op}: size of index (${fmtShape(index.shape)}) must be no larger than ${otherName} (${fmtShape(other.shape)}) in dimension ${d}${exceptDim === null ? "" : ` (all dims but ${exceptDim})`}`);
    }
  }
}

function checkSameDType(op: string, self: Tensor, src: Tensor, name: string): void {
  if (self.dtype !== src.dtype) {
    throw new DTypeError(`${op}: expected self and ${name} to have the same dtype, but got self ${self.dtype} and ${name} ${src.dtype}`);
  }
}

/** g padded with zeros at the end of each dim up to `shape` (the adjoint of narrowing to g's shape). */
function padTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const out = dispatch("pad", [g], { pads: shape.map((s, d) => [0, s - g.shape[d]!] as const), value: 0 });
  const small = g.shape;
  return record1("ConstantPadNdBackward0", [g], out, [], ([gg]) => [small.reduce((t: Tensor, s, d) => t.narrow(d, 0, s), gg!)]);
}

/** Runs fn on 1-D views of 0-d tensors (the kernels need an axis), and reshapes back. */
function lift0d(tensors: Tensor[], fn: (ts: Tensor[]) => Tensor, outScalar: boolean): Tensor {
  const r = fn(tensors.map((t) => (t.ndim === 0 ? t.reshape([1]) : t)));
  return outScalar ? r.reshape([]) : r;
}

// ---- gather / scatter -----------------------------------------------------------------

/**
 * Gathers values along `dim`: out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (torch.gather).
 * `index` is int32 with x's number of dims and no larger than x outside `dim`.
 *
 * @example
 * tensor([[1, 2], [3, 4]]).gather(1, tensor([[0, 0], [1, 0]], { dtype: "int32" })) // [[1, 1], [4, 3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndexDType("gather", index);
  const d = normalizeDim("gather", dim, x.ndim);
  if (x.ndim === 0 || index.ndim === 0) {
    if (x.ndim > 1 || index.ndim > 1) checkIndexShape("gather", index, x, "input", d);
    return lift0d([x, index], ([a, i]) => gather(a!, 0, i!), index.ndim === 0);
  }
  checkIndexShape("gather", index, x, "input", d);
  const out = dispatch("gather", [x, index], { axis: d }); // the kernel's bounds error names gather
  const inShape = x.shape;
  return record1("GatherBackward0", [x], out, [index], ([g], [idx]) => [
    scatterAdd(zeros(inShape, { dtype: g!.dtype, device: g!.device }), d, idx!, g!),
  ]);
}

/**
 * The shared body of scatter and scatterAdd (out-of-place). The kernel checks the index
 * values; its error names `op`.
 */
function scatterImpl(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | number, reduce: ScatterReduce, ownRule?: IndexRule): Tensor {
  checkIndexDType(op, index);
  const d = normalizeDim(op, dim, x.ndim);
  const srcT = src instanceof Tensor ? src : scalarTensor(src, x.dtype, x.device).expand(index.shape);
  if (src instanceof Tensor) checkSameDType(op, x, src, "src");
  if (x.ndim === 0 || index.ndim === 0 || srcT.ndim === 0) {
    if (Math.max(x.ndim, index.ndim, srcT.ndim) > 1) checkIndexShape(op, index, x, "self", d);
    return lift0d([x, index, srcT], ([a, i, s]) => scatterImpl(op, a!, 0, i!, s!, reduce, ownRule), x.ndim === 0);
  }
  checkIndexShape(op, index, x, "self", d);
  checkIndexShape(op, index, srcT, "src", null);
  const rule = ownRule ?? (op === "scatter" ? undefined : boundsRule(op, d, x.shape[d]!, x.shape)); // "scatter" is the kernel's own
  const out = dispatch("scatter", [x, index, srcT], rule ? { axis: d, reduce, index: rule } : { axis: d, reduce });
  const srcShape = srcT.shape;
  if (reduce === "multiply") return recordScatterMultiply(x, d, index, srcT, src instanceof Tensor, out);
  const name = reduce === "add" ? "ScatterAddBackward0" : "ScatterBackward0";
  return record1(name, [x, src instanceof Tensor ? srcT : null], out, [index], ([g], [idx]) => [
    // overwritten positions get no gradient from self; added ones pass it through
    reduce === "add" ? g! : scatterImpl("scatter", g!, d, idx!, 0, "none"),
    src instanceof Tensor ? padTo(gather(g!, d, idx!), srcShape) : null,
  ]);
}

/**
 * The gradient of scatter with reduce "multiply" (PyTorch has none): out[p] = x[p] · Π src[k]
 * over the k sent to p. For x it is g · Π src[k] (exact with zeros); for src[k] it is
 * g[p] · x[p] · Π of the other src sent to p, without dividing by a zero: the product of the
 * other non-zero ones, times 1 if no other is zero, the (zero) value of the other zero if
 * there is one, else 0 — so its own derivative (createGraph) is right at zeros too.
 */
function recordScatterMultiply(x: Tensor, d: number, index: Tensor, srcT: Tensor, srcIsTensor: boolean, out: Tensor): Tensor {
  const srcShape = srcT.shape;
  return record1("ScatterReduceBackward0", [x, srcIsTensor ? srcT : null], out, [x, index, srcT], ([g], [xs, idx, ss], needs) => {
    const ones = onesLike(xs!);
    const used = index.shape.reduce((t: Tensor, s, k) => t.narrow(k, 0, s), ss!); // the src elements that are sent
    const gx = needs[0] ? g!.mul(scatterImpl("scatter", ones, d, idx!, used, "multiply")) : null;
    if (!needs[1]) return [gx, null];
    // per target p, gathered back to each k: the product of the non-zero src, the number of
    // zeros and the sum of the zeros' values (0, but its derivative counts each zero once)
    const isZero = used.eq(0), zero = zerosLike(xs!);
    const perTarget = (v: Tensor, reduce: "add" | "multiply") => scatterImpl("scatter", reduce === "add" ? zero : ones, d, idx!, v, reduce).gather(d, idx!);
    const nonzeroProd = perTarget(where(isZero, 1, used), "multiply");
    const otherZeros = perTarget(isZero.to(used.dtype), "add").sub(isZero.to(used.dtype));
    const otherZeroSum = perTarget(where(isZero, used, 0), "add").sub(where(isZero, used, 0));
    const otherNonzero = where(isZero, nonzeroProd, nonzeroProd.div(where(isZero, 1, used)));
    const others = otherNonzero.mul(where(otherZeros.eq(0), 1, where(otherZeros.eq(1), otherZeroSum, 0)));
    return [gx, padTo(g!.mul(xs!).gather(d, idx!).mul(others), srcShape)];
  });
}

/**
 * Out-of-place scatter: a copy of x with out[index[i][j]][j] = src[i][j] along `dim` (dim 0
 * shown). `src` may be a tensor (same dtype, at least index's size) or a number. Where an
 * index repeats, which write wins is unspecified, as in PyTorch. With `reduce` "add" or
 * "multiply" each src value is added to / multiplied into its target instead (repeats
 * accumulate), as torch.scatter(..., reduce=...).
 *
 * @example
 * zeros([2, 3]).scatter(1, tensor([[2], [0]], { dtype: "int32" }), 1) // [[0, 0, 1], [1, 0, 0]]
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor | number, opts?: { reduce?: "add" | "multiply" }): Tensor {
  const reduce = opts?.reduce;
  if (reduce === undefined) return scatterImpl("scatter", x, dim, index, src, "none");
  if (reduce !== "add" && reduce !== "multiply") throw new FluxionError(`scatter: reduce argument must be either "add" or "multiply", got ${JSON.stringify(reduce)}`);
  return scatterImpl("scatter", x, dim, index, src, reduce);
}

/**
 * Out-of-place scatter with summation: out[index[i][j]][j] += src[i][j] along `dim`
 * (dim 0 shown); repeated indices accumulate. The adjoint of gather.
 *
 * @example
 * zeros([3]).scatterAdd(0, tensor([0, 0, 2], { dtype: "int32" }), tensor([1, 2, 3])) // [3, 0, 3]
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  if (!(src instanceof Tensor)) throw new DTypeError(`scatterAdd: expected src to be a Tensor, got ${typeof src}`);
  return scatterImpl("scatterAdd", x, dim, index, src, "add");
}

/**
 * @internal scatterAdd for indices produced by Fluxion's own kernels (max pooling's winner
 * positions). Now the same as scatterAdd: no op reads index values on the host any more.
 */
export function _scatterAddTrusted(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  return scatterImpl("scatterAdd", x, dim, index, src, "add");
}

/**
 * @internal Out-of-place scatter (written, not reduced) whose bad index raises `rule`'s
 * error, for ops built on it that name their own (maxUnpool's "invalid max index").
 */
export function _scatterWithRule(x: Tensor, dim: number, index: Tensor, src: Tensor, rule: IndexRule): Tensor {
  return scatterImpl("scatter", x, dim, index, src, "none", rule);
}

// ---- indexSelect / indexAdd -------------------------------------------------------------

function checkVectorIndex(op: string, index: Tensor): void {
  checkIndexDType(op, index);
  if (index.ndim > 1) throw new ShapeError(`${op}: index is supposed to be a vector (0-d or 1-d), got shape ${fmtShape(index.shape)}`);
}

/** index (1-D, n elements) shaped to run along `dim` of a tensor of `shape` (with shape[dim] = n). */
function alongDim(index: Tensor, dim: number, shape: readonly number[]): Tensor {
  const s = shape.map((_, k) => (k === dim ? index.numel() : 1));
  return index.reshape(s).expand(shape);
}

/**
 * The entries of x at `index` (int32, 1-D) along `dim` (torch.index_select).
 *
 * @example
 * tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, tensor([2, 0], { dtype: "int32" })) // [[5, 6], [1, 2]]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkVectorIndex("indexSelect", index);
  const d = normalizeDim("indexSelect", dim, x.ndim);
  if (x.ndim === 0) {
    if (index.numel() !== 1) throw new IndexError(`indexSelect: a 0-d input needs exactly one index, got ${index.numel()}`);
    return indexSelect(x.reshape([1]), 0, index.reshape([1])).reshape([]);
  }
  const idx = index.reshape([-1]);
  const outShape = x.shape.map((s, k) => (k === d ? idx.numel() : s));
  const out = dispatch("gather", [x, alongDim(idx, d, outShape)], { axis: d, index: boundsRule("indexSelect", d, x.shape[d]!, x.shape) });
  const inShape = x.shape;
  return record1("IndexSelectBackward0", [x], out, [idx], ([g], [i]) => [
    indexAdd(zeros(inShape, { dtype: g!.dtype, device: g!.device }), d, i!, g!),
  ]);
}

/**
 * x with alpha * source added at `index` (int32, 1-D) along `dim`; repeated indices
 * accumulate (torch.index_add). source has x's shape except source.shape[dim] = index.numel().
 *
 * @example
 * zeros([3, 2]).indexAdd(0, tensor([0, 0], { dtype: "int32" }), ones([2, 2]), { alpha: 2 }) // [[4, 4], [0, 0], [0, 0]]
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor {
  checkVectorIndex("indexAdd", index);
  checkSameDType("indexAdd", x, source, "source");
  const alpha = opts?.alpha ?? 1;
  if (!x.isFloatingPoint() && !Number.isInteger(alpha)) throw new DTypeError(`indexAdd: for an ${x.dtype} input, alpha must be an integer, got ${alpha}`);
  const d = normalizeDim("indexAdd", dim, x.ndim);
  if (x.ndim === 0 || source.ndim === 0) {
    if (x.ndim > 1 || source.ndim > 1) throw new ShapeError(`indexAdd: source (shape ${fmtShape(source.shape)}) and self (shape ${fmtShape(x.shape)}) must have the same number of dimensions`);
    return lift0d([x, source], ([a, s]) => indexAdd(a!, 0, index.reshape([-1]), s!, opts), x.ndim === 0);
  }
  const flatIndex = index.reshape([-1]);
  const ok = source.ndim === x.ndim && source.shape.every((s, k) => (k === d ? s === flatIndex.numel() : s === x.shape[k]));
  if (!ok) {
    throw new ShapeError(`indexAdd: source (shape ${fmtShape(source.shape)}) must match self (shape ${fmtShape(x.shape)}) in every dim but ${d}, where it must have index's length ${flatIndex.numel()}`);
  }
  const idx = flatIndex;
  const scaled = alpha === 1 ? source : source.mul(alpha);
  const out = dispatch("scatter", [x, alongDim(idx, d, source.shape), scaled], { axis: d, reduce: "add", index: boundsRule("indexAdd", d, x.shape[d]!, x.shape) });
  return record1("IndexAddBackward0", [x, scaled], out, [idx], ([g], [i]) => [g!, indexSelect(g!, d, i!)]);
}

// ---- take / flat put ------------------------------------------------------------------

/**
 * Reads x's elements (in row-major order) at flat positions `flatIndex` (already checked,
 * non-negative, unless `rule` has the kernel check them); the result has flatIndex's
 * shape. The core of take and advanced indexing.
 */
export function takeFlat(x: Tensor, flatIndex: Tensor, rule?: IndexRule): Tensor {
  const flat = x.reshape([-1]);
  if (rule === undefined) return gather(flat, 0, flatIndex.reshape([-1])).reshape(flatIndex.shape);
  const idx = flatIndex.reshape([-1]);
  const out = dispatch("gather", [flat, idx], { axis: 0, index: rule });
  const n = flat.numel();
  // the gradient goes back through positions with negative values wrapped (dispatched, not read)
  return record1("TakeBackward0", [flat], out, [idx], ([g], [i]) => [
    scatterAdd(zeros([n], { dtype: g!.dtype, device: g!.device }), 0, where(i!.lt(0), i!.add(n), i!), g!),
  ]).reshape(flatIndex.shape);
}

/**
 * Out-of-place put: a copy of x with values (shaped like flatIndex) written at x's flat
 * positions flatIndex, or added there when `accumulate`. Positions must be checked already.
 * Backward: self's gradient is g with the written positions zeroed (unless accumulating);
 * values' gradient is g read back at those positions.
 */
export function putFlat(x: Tensor, flatIndex: Tensor, values: Tensor, accumulate: boolean): Tensor {
  const vals = (values.dtype === x.dtype ? values : values.to(x.dtype)).expand(flatIndex.shape);
  const out = dispatch("copy", [x], {});
  if (flatIndex.numel() > 0) dispatch("indexPut", [out, flatIndex.reshape([-1]).contiguous(), vals.detach().contiguous().reshape([-1])], { accumulate });
  return record1("IndexPutBackward0", [x, vals], out, [flatIndex], ([g], [fi]) => [
    accumulate ? g! : zeroAt(g!, fi!),
    takeFlat(g!, fi!),
  ]);
}

/** g with its elements at flat positions `flatIndex` set to zero. Linear and self-adjoint. */
function zeroAt(g: Tensor, flatIndex: Tensor): Tensor {
  const out = dispatch("copy", [g], {});
  if (flatIndex.numel() > 0) dispatch("indexPut", [out, flatIndex.reshape([-1]).contiguous(), scalarTensor(0, g.dtype, g.device)], { accumulate: false });
  return record1("ZeroAtBackward", [g], out, [flatIndex], ([gg], [fi]) => [zeroAt(gg!, fi!)]);
}

/**
 * x treated as 1-D (row-major) and read at `index` (int32, any shape, negatives count from
 * the end); the result has index's shape (torch.take).
 *
 * @example
 * tensor([[1, 2], [3, 4]]).take(tensor([0, -1], { dtype: "int32" })) // [1, 4]
 */
export function take(x: Tensor, index: Tensor): Tensor {
  checkIndexDType("take", index);
  const n = x.numel();
  return takeFlat(x, index, { negative: true, error: `take: index {index} is out of bounds for a tensor of ${n} elements (shape ${fmtShape(x.shape)})` });
}

// ---- oneHot ---------------------------------------------------------------------------

/**
 * One-hot encoding: labels of shape S become a tensor of shape [...S, numClasses] with a 1
 * at each label (torch.nn.functional.one_hot), of the labels' dtype: int64 for int64 labels
 * (as PyTorch), int32 for int32 ones. numClasses -1 means max(labels) + 1.
 *
 * @example
 * oneHot(tensor([0, 2], { dtype: "int32" }), 3) // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  checkIndexDType("oneHot", labels, "labels");
  let rule: IndexRule;
  if (numClasses === -1) {
    // the number of classes is the data's: an inherent host read (PyTorch's is too)
    const vals = readHost(labels, "oneHot");
    let max = -1;
    for (const v of vals) {
      if (v < 0) throw new IndexError(`oneHot: class values must be non-negative, got ${v}`);
      if (v > max) max = Number(v);
    }
    if (vals.length === 0) throw new ShapeError("oneHot: can not infer the number of classes from an empty tensor; pass numClasses");
    numClasses = max + 1;
    rule = {};
  } else if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ShapeError(`oneHot: numClasses must be a positive integer or -1, got ${numClasses}`);
  } else {
    // checked by the scatter kernel, as PyTorch's CUDA one_hot relies on scatter's check
    rule = { error: `oneHot: class values must be non-negative and smaller than numClasses (${numClasses}), got {index}` };
  }
  const out = zeros([...labels.shape, numClasses], { dtype: labels.dtype, device: labels.device });
  if (labels.numel() === 0) return out;
  const idx = labels.unsqueeze(-1);
  return dispatch("scatter", [out, idx, scalarTensor(1, labels.dtype, labels.device).expand(idx.shape)], { axis: labels.ndim, reduce: "none", index: rule });
}

// ---- nonzero ----------------------------------------------------------------------------

/**
 * The coordinates of x's non-zero elements, int32 [n, ndim], in row-major order
 * (torch.nonzero). Its shape is the data's: an inherent host read (a graph break).
 */
export function nonzero(x: Tensor): Tensor {
  const vals = readHost(x, "nonzero"); // half dtypes arrive widened to float32
  const nd = x.ndim;
  const isZero = (v: number | bigint) => v === 0 || v === 0n;
  const coords: number[] = [];
  const c = new Array<number>(nd).fill(0);
  let n = 0;
  for (let k = 0; k < vals.length; k++) {
    if (!isZero(vals[k]!)) {
      n++;
      coords.push(...c);
    }
    for (let d = nd - 1; d >= 0; d--) {
      if (++c[d]! < x.shape[d]!) break;
      c[d] = 0;
    }
  }
  return dispatch("fromHost", [], { data: Int32Array.from(coords), shape: [n, nd], dtype: "int32" }, x.device);
}

// ---- Tensor methods ---------------------------------------------------------------------

const SIGS = {
  gather: "gather(Tensor self, int dim, Tensor index, *, bool sparseGrad=false) -> Tensor",
  scatter: [
    "scatter.src(Tensor self, int dim, Tensor index, Tensor|Scalar src, *, \"add\"|\"multiply\"? reduce=null) -> Tensor",
    "scatter.value(Tensor self, int dim, Tensor index, Scalar value, *, \"add\"|\"multiply\"? reduce=null) -> Tensor",
  ],
  scatter_: [
    "scatter_.src(Tensor self, int dim, Tensor index, Tensor|Scalar src, *, \"add\"|\"multiply\"? reduce=null) -> self",
    "scatter_.value(Tensor self, int dim, Tensor index, Scalar value, *, \"add\"|\"multiply\"? reduce=null) -> self",
  ],
  scatterAdd: "scatterAdd(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
  scatterAdd_: "scatterAdd_(Tensor self, int dim, Tensor index, Tensor src) -> self",
  indexSelect: "indexSelect(Tensor self, int dim, Tensor index) -> Tensor",
  indexAdd: "indexAdd(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor",
  indexAdd_: "indexAdd_(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> self",
  take: "take(Tensor self, Tensor index) -> Tensor",
  nonzero: "nonzero(Tensor self, *, bool asTuple=false) -> Any",
  argwhere: "argwhere(Tensor self) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<Omit<typeof SIGS, "nonzero">> {
    /** Coordinates of the non-zero elements, int32 [n, ndim]; with asTuple, one 1-D tensor per dim. */
    nonzero(opts?: { asTuple?: false }): Tensor;
    nonzero(opts: { asTuple: true }): Tensor[];
  }
}

type Reduce = { reduce?: "add" | "multiply" | null };
const scatterReduce = (x: Tensor, dim: number, index: Tensor, src: Tensor | number, { reduce }: Reduce) =>
  scatter(x, dim, index, src, reduce ? { reduce } : undefined);
const scatterReduceInPlace = (x: Tensor, dim: number, index: Tensor, src: Tensor | number, kw: Reduce) =>
  applyInPlace(x, "scatter_", (s) => scatterReduce(s, dim, index, src, kw), [src], false);
const m = { variants: "method" } as const;

/** The public, argument-checked forms (torch.gather, ...); ops call the functions above directly. */
export const ADVANCED_INDEXING_FNS = {
  gather: defineOp(SIGS.gather, (x: Tensor, dim: number, index: Tensor) => gather(x, dim, index)),
  scatter: defineOp(SIGS.scatter, scatterReduce),
  scatter_: defineOp(SIGS.scatter_, scatterReduceInPlace, m),
  scatterAdd: defineOp(SIGS.scatterAdd, scatterAdd),
  scatterAdd_: defineOp(SIGS.scatterAdd_, (x: Tensor, dim: number, index: Tensor, src: Tensor) => applyInPlace(x, "scatterAdd_", (s) => scatterAdd(s, dim, index, src), [src], false), m),
  indexSelect: defineOp(SIGS.indexSelect, indexSelect),
  indexAdd: defineOp(SIGS.indexAdd, (x: Tensor, dim: number, index: Tensor, source: Tensor, { alpha }: { alpha: number }) => indexAdd(x, dim, index, source, { alpha })),
  indexAdd_: defineOp(SIGS.indexAdd_, (x: Tensor, dim: number, index: Tensor, source: Tensor, { alpha }: { alpha: number }) =>
    applyInPlace(x, "indexAdd_", (s) => indexAdd(s, dim, index, source, { alpha }), [source], false), m),
  take: defineOp(SIGS.take, take),
  // asTuple treats a 0-d input as 1-d, as PyTorch: nonzero(tensor(5), { asTuple: true }) is [tensor([0])]
  nonzero: defineOp(SIGS.nonzero, (x: Tensor, { asTuple }: { asTuple: boolean }) => (asTuple ? nonzero(x.ndim === 0 ? x.reshape(1) : x).unbind(1) : nonzero(x))) as unknown as {
    (x: Tensor, opts?: { asTuple?: false }): Tensor;
    (x: Tensor, opts: { asTuple: true }): Tensor[];
    (x: Tensor, opts?: { asTuple?: boolean }): Tensor | Tensor[];
  },
  argwhere: defineOp(SIGS.argwhere, nonzero),
  oneHot: defineOp("oneHot(Tensor tensor, int numClasses=-1) -> Tensor", oneHot, { group: "nn.functional" }),
};

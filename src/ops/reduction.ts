/**
 * Reductions over one or several dims (sum, mean, prod, max/min, var/std, logsumexp, norm,
 * all/any), scans (cumsum, cumprod) and softmax/logSoftmax. Options follow the project's
 * rule: positional dim, then an options object: `x.sum(1, { keepdim: true })`.
 *
 * As in PyTorch, sum, prod, cumsum and cumprod of integer and bool tensors accumulate in
 * int64 and return int64 (exact, wrapping only at 2^63), never in a narrower type.
 */
import { releaseStorage } from "../backend/backend.js";
import { dispatch } from "../backend/dispatcher.js";
import { record, record1 } from "../autograd/record.js";
import type { BackwardFn } from "../autograd/node.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { getDefaultDtype, isFloating, type DType } from "../tensor/dtype.js";
import { normalizeDim, normalizeDims, numelOf } from "../tensor/shape.js";
import { arange } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { castRaw, checkFloat } from "./helpers.js";
import { where } from "./elementwise.js";
import { cat } from "./shape_ops.js";

export type Dims = number | readonly number[] | null | undefined;

/**
 * The dims a reduction runs over: all of them for undefined/null or an empty list (as
 * torch.sum(x, dim=[])), none for a 0-d tensor (whose dims 0 and -1 name the tensor itself).
 */
function reductionAxes(op: string, dim: Dims, x: Tensor): number[] {
  const all = dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0);
  const axes = normalizeDims(op, all ? null : dim, x.ndim);
  return x.ndim === 0 ? [] : axes;
}

/** A single dim, normalized; null for a 0-d tensor (where dims 0 and -1 are accepted). */
function singleAxis(op: string, dim: number, x: Tensor): number | null {
  const d = normalizeDim(op, dim, x.ndim);
  return x.ndim === 0 ? null : d;
}

/** x as 1-D (a 0-d tensor becomes [1]). */
function flat1(x: Tensor): Tensor {
  return x.ndim === 0 ? x.unsqueeze(0) : x.reshape([-1]);
}

/** Reshapes a reduced gradient back so it broadcasts against the input. */
function unreduce(g: Tensor, inShape: readonly number[], axes: readonly number[], keepdim: boolean): Tensor {
  if (!keepdim) for (const a of axes) g = g.unsqueeze(a);
  return g;
}

function checkNonEmpty(op: string, x: Tensor, axes: readonly number[]): void {
  for (const a of axes) {
    if (x.shape[a] === 0) throw new IndexError(`${op}: expected reduction dim ${a} to have non-zero size (shape ${fmtShape(x.shape)})`);
  }
  if (axes.length === 0 && x.numel() === 0) throw new IndexError(`${op}: cannot reduce an empty tensor (shape ${fmtShape(x.shape)}) without a dim`);
}

/** The largest magnitude of each narrow integer dtype (and bool). */
const MAX_ABS: Partial<Record<DType, number>> = { bool: 1, uint8: 255, int8: 128, int32: 2 ** 31 };

/**
 * Whether sums of `n` elements of x's dtype are exact in float64 (every partial sum stays within
 * 2^53): then an int64 result is computed by the float64 kernels (native, vectorised) and
 * converted, instead of by bigint accumulation, which is two orders of magnitude slower.
 * CPU tensors only: the other backends store no float64 (WebGPU sums its int64 directly).
 */
function exactInFloat64(x: Tensor, n: number): boolean {
  const m = MAX_ABS[x.dtype];
  return x.device === "cpu" && m !== undefined && n * m <= 2 ** 53;
}

/** How many elements each output of a reduction over `axes` folds. */
function reducedNumel(shape: readonly number[], axes: readonly number[]): number {
  let n = 1;
  for (const a of axes) n *= shape[a]!;
  return n;
}

function sumImpl(x: Tensor, dim: Dims, keepdim: boolean, dtype?: DType | null): Tensor {
  const axes = reductionAxes("sum", dim, x);
  let input = x;
  if (dtype) input = x.to(dtype);
  else if (!isFloating(x.dtype)) {
    // integers never require grad: nothing to record. (No closure over x here: V8 would
    // keep x alive in the backward closure's context below.)
    if (exactInFloat64(x, reducedNumel(x.shape, axes))) {
      return castRaw(dispatch("reduce", [castRaw(x, "float64")], { op: "sum", axes, keepdim }), "int64");
    }
    input = castRaw(x, "int64");
  }
  const out = dispatch("reduce", [input], { op: "sum", axes, keepdim });
  const inShape = input.shape;
  return record1("SumBackward0", [input], out, [], ([g]) => [unreduce(g!, inShape, axes, keepdim).expand(inShape)]);
}

function meanImpl(x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(`mean: could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype}`);
  const axes = reductionAxes("mean", dim, x);
  const n = numelOf(axes.map((a) => x.shape[a]!));
  return sumImpl(x, axes, keepdim).div(n);
}

function prodImpl(x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (dim === undefined || dim === null || x.ndim === 0) {
    if (dim !== undefined && dim !== null) normalizeDim("prod", dim, x.ndim);
    return prodImpl(flat1(x), 0, false).reshape(keepdim ? x.shape.map(() => 1) : []);
  }
  const d = normalizeDim("prod", dim, x.ndim);
  const input = isFloating(x.dtype) ? x : castRaw(x, "int64");
  const out = dispatch("reduce", [input], { op: "prod", axes: [d], keepdim });
  return record1("ProdBackward0", [input], out, [input, out], ([g], [xs, y]) => {
    const gk = unreduce(g!, xs!.shape, [d], keepdim);
    const yk = unreduce(y!, xs!.shape, [d], keepdim);
    // slices without zeros: the product of the others is y / x (PyTorch's values); slices
    // with a zero: exact exclusive products. Chosen per slice by a mask, not a host read
    const hasZero = xs!.eq(0).any(d, { keepdim: true });
    const divided = gk.mul(yk).div(where(hasZero, 1, xs!)); // finite where unused, so no NaN gradient leaks
    return [where(hasZero, gk.mul(productOfOthers(xs!, d)), divided)];
  });
}

/**
 * out[k] = prod_{j != k} x[j] along dim, exact with zeros: the exclusive products from the
 * front times those from the back (PyTorch's prod_safe_zeros_backward), O(n).
 */
function productOfOthers(x: Tensor, dim: number): Tensor {
  const n = x.shape[dim]!;
  if (n === 0) return x;
  const one = x.narrow(dim, 0, 1).mul(0).add(1);
  const front = cat([one, x.narrow(dim, 0, n - 1)], dim).cumprod(dim); // prod_{j<k}
  const back = cat([one, x.narrow(dim, 1, n - 1).flip([dim])], dim).cumprod(dim).flip([dim]); // prod_{j>k}
  return front.mul(back);
}

type MaxMinResult = [values: Tensor, indices: Tensor];

/** Values and int32 indices of the max/min along a dim (first occurrence). */
function maxMinDim(kind: "max" | "min", x: Tensor, dim: number, keepdim: boolean): MaxMinResult {
  if (x.ndim === 0) {
    normalizeDim(kind, dim, 0);
    const r = maxMinDim(kind, flat1(x), 0, false);
    return [r[0].reshape([]), r[1].reshape([])];
  }
  const d = normalizeDim(kind, dim, x.ndim);
  checkNonEmpty(kind, x, [d]);
  const values = dispatch("reduce", [x], { op: kind, axes: [d], keepdim });
  const indices = dispatch("reduce", [x], { op: kind === "max" ? "argmax" : "argmin", axes: [d], keepdim });
  const inShape = x.shape;
  record(kind === "max" ? "MaxBackward0" : "MinBackward0", [x], [values, indices], [indices], ([g], [idx]) => {
    const gk = unreduce(g!, inShape, [d], keepdim);
    const ik = unreduce(idx!, inShape, [d], keepdim);
    const positions = arange(inShape[d]!, { device: g!.device }).reshape(inShape.map((s, i) => (i === d ? s : 1)));
    return [where(positions.eq(ik), gk, 0)];
  });
  return [values, indices];
}

/**
 * amax/amin: the extreme value; the gradient is shared equally among ties (as torch). max()/min()
 * of the whole tensor are the same computation, under torch's node names (MaxBackward1/MinBackward1).
 */
function amaxAmin(kind: "max" | "min", x: Tensor, dim: Dims, keepdim: boolean, nodeName?: string): Tensor {
  const axes = reductionAxes(kind === "max" ? "amax" : "amin", dim, x);
  checkNonEmpty(kind === "max" ? "amax" : "amin", x, axes);
  const out = dispatch("reduce", [x], { op: kind, axes, keepdim });
  const inShape = x.shape;
  return record1(nodeName ?? (kind === "max" ? "AmaxBackward0" : "AminBackward0"), [x], out, [x, out], ([g], [xs, y]) => {
    const yb = unreduce(y!, inShape, axes, keepdim);
    let hit = xs!.eq(yb);
    // max()/min() of the whole tensor: a NaN result's gradient goes to the NaNs (PyTorch's
    // evenly_distribute_backward); amax/amin leave it NaN, as PyTorch's do
    if (nodeName) hit = hit.logicalOr(xs!.isnan().logicalAnd(yb.isnan()));
    const mask = hit.to(g!.dtype);
    const count = mask.sum(axes, { keepdim: true });
    return [unreduce(g!, inShape, axes, keepdim).mul(mask).div(count)];
  });
}

function argMaxMin(kind: "argmax" | "argmin", x: Tensor, dim: number | null | undefined, keepdim: boolean): Tensor {
  if (x.dtype === "bool") {
    // max(dim) of a bool tensor is defined, its positions alone are not (as in PyTorch)
    throw new DTypeError(`${kind}: not implemented for bool tensors (shape ${fmtShape(x.shape)}): "${kind}_cpu" not implemented for 'Bool', as in PyTorch; convert with .int() first`);
  }
  if (dim === undefined || dim === null) {
    const r = argMaxMin(kind, flat1(x), 0, false);
    return keepdim ? r.reshape(x.shape.map(() => 1)) : r;
  }
  if (x.ndim === 0) {
    normalizeDim(kind, dim, 0);
    return argMaxMin(kind, x, null, false);
  }
  const d = normalizeDim(kind, dim, x.ndim);
  checkNonEmpty(kind, x, [d]);
  return dispatch("reduce", [x], { op: kind, axes: [d], keepdim });
}

/** Variance with `correction` degrees of freedom subtracted from N (1 = unbiased, 0 = population). */
function variance(x: Tensor, dim: Dims, correction: number, keepdim: boolean): Tensor {
  const v = variance64(x, dim, correction, keepdim);
  return v.dtype === x.dtype ? v : v.to(x.dtype);
}

/** The standard deviation, its square root taken in float64 too (as PyTorch's kernel). */
function stdev(x: Tensor, dim: Dims, correction: number, keepdim: boolean): Tensor {
  const s = stdFromVariance(variance64(x, dim, correction, keepdim));
  return s.dtype === x.dtype ? s : s.to(x.dtype);
}

/**
 * The variance in float64: PyTorch's CPU kernel accumulates every float dtype in float64 (its
 * Welford reduction), so the squares of float32 values past 1e19 do not overflow on the way
 * (std [1e30, -1e30] is 1.4e30, not inf).
 */
function variance64(x: Tensor, dim: Dims, correction: number, keepdim: boolean): Tensor {
  checkFloat("var", x);
  if (x.dtype !== "float64") x = x.to("float64");
  const axes = reductionAxes("var", dim, x);
  const n = numelOf(axes.map((a) => x.shape[a]!));
  const divisor = Math.max(0, n - correction);
  const input = x, inShape = x.shape;
  const out = noGrad(() => {
    const dev = input.sub(input.mean(axes, true));
    return dev.mul(dev).sum(axes, keepdim).div(divisor);
  });
  // PyTorch's var_backward, g · 2(x - mean) / (N - correction): with no degrees of freedom left
  // (divisor 0) the gradient is ±inf as PyTorch's, not the NaN the composed form gives (inf - inf
  // from the mean's term, which is 0 anyway: the deviations sum to 0)
  return record1("VarBackward0", [input], out, [input], ([g], [xs]) => [
    unreduce(g!, inShape, axes, keepdim).mul(xs!.sub(xs!.mean(axes, true)).mul(2 / divisor)),
  ]);
}

function logsumexp(x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const input = isFloating(x.dtype) ? x : x.to(getDefaultDtype());
  const axes = reductionAxes("logsumexp", dim, x);
  // shift by the (detached) max for stability; infinite maxima (and empty sets) shift by 0
  const empty = axes.some((a) => x.shape[a] === 0);
  const r = empty
    ? input.exp().sum(axes, { keepdim: true }).log()
    : (() => {
        const m = noGrad(() => {
          const mx = input.amax(axes, { keepdim: true });
          return where(mx.isfinite(), mx, 0);
        });
        return input.sub(m).exp().sum(axes, { keepdim: true }).log().add(m);
      })();
  return keepdim || axes.length === 0 ? r : r.squeeze(axes);
}

function norm(x: Tensor, p: number | "fro", dim: Dims, keepdim: boolean): Tensor {
  checkFloat("norm", x);
  const axes = reductionAxes("norm", dim, x);
  if (p === "fro" && Array.isArray(dim) && dim.length > 2) {
    // torch.norm sends "fro" over more than two dims to linalg.matrix_norm, which refuses them
    throw new ShapeError(`norm: p="fro" reduces at most 2 dims, got dims [${dim.join(", ")}] of shape ${fmtShape(x.shape)} (PyTorch: Expected at most 2 dimensions); pass p=2 for the vector norm over them`);
  }
  const order = p === "fro" ? 2 : p;
  if (order === Infinity || order === -Infinity) {
    // the max (min) over an empty set is taken as 0, as PyTorch's vector_norm
    if (axes.some((a) => x.shape[a] === 0)) return x.abs().sum(axes, { keepdim });
    return order === Infinity ? x.abs().amax(axes, { keepdim }) : x.abs().amin(axes, { keepdim });
  }
  if (order === 0) return x.ne(0).to(x.dtype).sum(axes, { keepdim });
  if (order === 1) return x.abs().sum(axes, { keepdim });
  if (order === 2) {
    const out = noGrad(() => {
      const sq = x.mul(x), s = sq.sum(axes, { keepdim }), r = s.sqrt();
      // temporaries nothing else sees go back to the allocator now (cache-hot for the next
      // call) instead of at the next garbage collection
      if (s.storage !== sq.storage) releaseStorage(sq.storage);
      if (r.storage !== s.storage) releaseStorage(s.storage);
      return r;
    });
    const inShape = x.shape;
    // d||x|| = x / ||x||, taken as 0 where the norm is 0 (as torch). The saved norm is the
    // recorded output itself, so a second derivative flows through it too.
    return record1("NormBackward1", [x], out, [x, out], ([g], [xs, n]) => {
      const nk = unreduce(n!, inShape, axes, keepdim);
      return [where(nk.eq(0), 0, unreduce(g!, inShape, axes, keepdim).mul(xs!).div(nk))];
    });
  }
  // any other p: PyTorch's norm_backward, which takes the gradient as 0 where the norm (or,
  // for p < 1, the element) is 0 instead of differentiating pow(1 / p) there (inf · 0 = NaN)
  const out = noGrad(() => x.abs().pow(order).sum(axes, { keepdim }).pow(1 / order));
  const inShape = x.shape;
  return record1("NormBackward1", [x], out, [x, out], ([g], [xs, n]) => {
    const nk = unreduce(n!, inShape, axes, keepdim), gk = unreduce(g!, inShape, axes, keepdim);
    const a = xs!.abs();
    if (order < 1) return [xs!.sign().mul(where(xs!.eq(0), 0, a.pow(order - 1))).mul(gk).mul(nk.pow(1 - order))];
    const scaled = order < 2 ? xs!.sign().mul(a.pow(order - 1)) : xs!.mul(a.pow(order - 2));
    return [scaled.mul(where(nk.eq(0), 0, gk.div(nk.pow(order - 1))))];
  });
}

/**
 * The standard deviation from the variance: sqrt, with PyTorch's std_backward, which takes
 * the gradient as 0 where the std is 0 (a constant slice) instead of sqrt's inf · 0 = NaN.
 */
export function stdFromVariance(v: Tensor): Tensor {
  const out = noGrad(() => v.sqrt());
  return record1("StdBackward0", [v], out, [out], ([g], [s]) => [where(s!.eq(0), 0, g!.div(s!.mul(2)))]);
}

function cumsum(x: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return cumsum(flat1(x), singleAxis("cumsum", dim, x) ?? 0).reshape([]);
  const d = normalizeDim("cumsum", dim, x.ndim);
  if (!isFloating(x.dtype) && exactInFloat64(x, x.shape[d]!)) {
    return castRaw(dispatch("scan", [castRaw(x, "float64")], { op: "sum", axis: d }), "int64");
  }
  const input = isFloating(x.dtype) ? x : castRaw(x, "int64");
  const out = dispatch("scan", [input], { op: "sum", axis: d });
  return record1("CumsumBackward0", [input], out, [], ([g]) => {
    // reverse cumulative sum: total - cumsum + g
    return [g!.sum(d, { keepdim: true }).sub(g!.cumsum(d)).add(g!)];
  });
}

function cumprod(x: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return cumprod(flat1(x), singleAxis("cumprod", dim, x) ?? 0).reshape([]);
  const d = normalizeDim("cumprod", dim, x.ndim);
  const input = isFloating(x.dtype) ? x : castRaw(x, "int64");
  const out = dispatch("scan", [input], { op: "prod", axis: d });
  return record1("CumprodBackward0", [input], out, [input, out], ([g], [xs, y]) => [cumprodBackward(g!, xs!, y!, d)]);
}

/** Σ_{i>=k} t_i along dim: the sum of the terms themselves (no total - prefix cancellation). */
function reversedCumsum(t: Tensor, dim: number): Tensor {
  return t.flip([dim]).cumsum(dim).flip([dim]);
}

/**
 * cumprod's gradient, grad_k = Σ_{i>=k} g_i Π_{j<=i, j!=k} x_j, as PyTorch's cumprod_backward.
 * Before the first zero along dim it is reversedCumsum(g·y) / x; at the first zero z it is
 * Π_{j<z} x_j · Σ_{z<=i<z2} g_i Π_{z<j<=i} x_j (z2 the second zero); after z it is 0. The
 * masks make one formula for every row, with or without zeros, read no values on the host,
 * and cost O(n). Its values are exact, but the masks hide how the gradient changes when a
 * zero moves, so under createGraph (differentiating the gradient) it takes PyTorch's route:
 * without zeros the first part alone (correct to every order), with zeros the O(n²) exact
 * products, chosen per slice by a mask (both are computed: no host read decides).
 */
function cumprodBackward(g: Tensor, x: Tensor, y: Tensor, dim: number): Tensor {
  if (isGradEnabled()) {
    const hasZero = x.eq(0).any(dim, { keepdim: true });
    const divided = reversedCumsum(g.mul(y), dim).div(where(hasZero, 1, x)); // finite where unused
    return where(hasZero, cumprodGradExact(x, g, dim), divided);
  }
  const isZero = x.eq(0);
  const zerosSoFar = isZero.to("int32").cumsum(dim);
  const before = zerosSoFar.eq(0); // k < z
  const part0 = where(before, reversedCumsum(where(before, g.mul(y), 0), dim).div(where(before, x, 1)), 0);
  const firstZero = zerosSoFar.eq(1).logicalAnd(isZero);
  const between = zerosSoFar.eq(1).logicalAnd(isZero.logicalNot()); // z < k < z2
  const prefix = where(before, x, 1).prod(dim, { keepdim: true }); // Π_{j<z} x_j
  const tail = where(zerosSoFar.eq(1), g, 0).mul(where(between, x, 1).cumprod(dim)).sum(dim, { keepdim: true });
  return part0.add(where(firstZero, prefix.mul(tail), 0));
}

/** grad_k = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j, exact with zeros (O(n^2) along dim). */
function cumprodGradExact(x: Tensor, g: Tensor, dim: number): Tensor {
  const xm = x.movedim(dim, -1), gm = g.movedim(dim, -1);
  const n = xm.shape[xm.ndim - 1]!;
  const ar = arange(n, { device: x.device });
  const rows = where(ar.unsqueeze(1).eq(ar), 1, xm.unsqueeze(-2).expand([...xm.shape.slice(0, -1), n, n]));
  const partial = rows.cumprod(-1); // [.., k, i] = prod_{j<=i, j!=k} x_j
  const upper = ar.unsqueeze(0).ge(ar.unsqueeze(1)); // i >= k
  return where(upper, partial.mul(gm.unsqueeze(-2)), 0).sum(-1).movedim(-1, dim);
}

export function softmaxImpl(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim, false);
}

export function logSoftmaxImpl(x: Tensor, dim: number): Tensor {
  return softmaxOp(x, dim, true);
}

/** softmax / logSoftmax as the fused primitive (one kernel forward, one backward). */
function softmaxOp(x: Tensor, dim: number, log: boolean): Tensor {
  const op = log ? "logSoftmax" : "softmax";
  if (!isFloating(x.dtype)) {
    // as PyTorch ("softmax_kernel_impl" not implemented for 'Long'): the dtype argument converts first
    throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype} (shape ${fmtShape(x.shape)}); pass { dtype: "float32" } or convert with .float() first`);
  }
  const input = x;
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim === 0 || x.shape[d] === 0) return softmaxDegenerate(input, log);
  const out = dispatch("softmax", [input], { axis: d, log });
  return record1(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", [input], out, [out], softmaxBackward(d, log));
}

/**
 * The backward of softmax (log: logSoftmax) along axis `d`, from the saved output y: the fused
 * primitive, or under createGraph the same formula in differentiable ops (y is the recorded
 * output, so a second derivative flows through it).
 */
function softmaxBackward(d: number, log: boolean): BackwardFn {
  return ([g], [y]) => {
    const gy = g!.dtype === y!.dtype ? g! : g!.to(y!.dtype);
    if (isGradEnabled()) {
      return [log ? gy.sub(y!.exp().mul(gy.sum(d, { keepdim: true }))) : y!.mul(gy.sub(gy.mul(y!).sum(d, { keepdim: true })))];
    }
    return [dispatch("softmaxBackward", [gy, y!], { axis: d, log })];
  };
}

/**
 * softmax over a 0-d tensor (a set of one: 1, or 0 for log) or an empty dim (an empty
 * result): computed with differentiable ops so the zero gradient still flows.
 */
function softmaxDegenerate(x: Tensor, log: boolean): Tensor {
  // x * 0 is -0 for a negative x; PyTorch's x - logsumexp(x) is +0 (NaN stays NaN)
  const zero = x.mul(0).add(0);
  return log ? zero : zero.add(1);
}

/** all/any are min/max over bool; the kernel gives the empty set the identity (true / false). */
function allAny(kind: "all" | "any", x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const r = dispatch("reduce", [castRaw(x, "bool")], { op: kind === "all" ? "min" : "max", axes: reductionAxes(kind, dim, x), keepdim });
  return x.dtype === "uint8" ? castRaw(r, "uint8") : r; // PyTorch keeps uint8 for uint8 input (a legacy mask dtype)
}

/** std/var: `correction` (keyword) or the legacy positional `unbiased`, not both. */
function correctionOf(op: string, unbiased: boolean | undefined, correction: number | null | undefined): number {
  if (correction !== undefined && correction !== null) {
    if (unbiased !== undefined) throw new ArgumentError(`${op}(): pass either unbiased or correction, not both`);
    return correction;
  }
  return unbiased === false ? 0 : 1;
}

const SIGS = {
  sum: "sum(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null, Tensor? out=null) -> Tensor",
  mean: "mean(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null, Tensor? out=null) -> Tensor",
  prod: "prod(Tensor self, int? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor",
  max: [
    "max(Tensor self) -> Tensor",
    "max.dim(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)",
    "max.other(Tensor self, Tensor other) -> Tensor",
  ],
  min: [
    "min(Tensor self) -> Tensor",
    "min.dim(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)",
    "min.other(Tensor self, Tensor other) -> Tensor",
  ],
  amax: "amax(Tensor self, int[]? dim=null, bool keepdim=false) -> Tensor",
  amin: "amin(Tensor self, int[]? dim=null, bool keepdim=false) -> Tensor",
  argmax: "argmax(Tensor self, int? dim=null, bool keepdim=false) -> Tensor",
  argmin: "argmin(Tensor self, int? dim=null, bool keepdim=false) -> Tensor",
  var: [
    "var(Tensor self, int[]? dim=null, bool? unbiased=null, bool keepdim=false, *, float? correction=null) -> Tensor",
    "var.unbiased(Tensor self, bool unbiased) -> Tensor",
  ],
  std: [
    "std(Tensor self, int[]? dim=null, bool? unbiased=null, bool keepdim=false, *, float? correction=null) -> Tensor",
    "std.unbiased(Tensor self, bool unbiased) -> Tensor",
  ],
  logsumexp: "logsumexp(Tensor self, int[] dim, bool keepdim=false) -> Tensor",
  norm: "norm(Tensor self, float|\"fro\"? p=2, int[]? dim=null, bool keepdim=false) -> Tensor",
  all: "all(Tensor self, int[]? dim=null, bool keepdim=false) -> Tensor",
  any: "any(Tensor self, int[]? dim=null, bool keepdim=false) -> Tensor",
  cumsum: "cumsum(Tensor self, int dim, *, ScalarType? dtype=null) -> Tensor",
  cumprod: "cumprod(Tensor self, int dim, *, ScalarType? dtype=null) -> Tensor",
  softmax: "softmax(Tensor self, int dim, ScalarType? dtype=null) -> Tensor",
  logSoftmax: "logSoftmax(Tensor self, int dim, ScalarType? dtype=null) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

type DtypeKw = { dtype?: DType | null };
/** Casts to the requested dtype first, as the `dtype` argument of torch's reductions does. */
const withDtype = (x: Tensor, dtype: DType | null | undefined): Tensor => (dtype ? x.to(dtype) : x);

const sum_ = defineOp(SIGS.sum, (x: Tensor, dim: Dims, keepdim: boolean, { dtype }: DtypeKw) => sumImpl(x, dim, keepdim, dtype));
const mean_ = defineOp(SIGS.mean, (x: Tensor, dim: Dims, keepdim: boolean, { dtype }: DtypeKw) => meanImpl(withDtype(x, dtype), dim, keepdim));
const prod_ = defineOp(SIGS.prod, (x: Tensor, dim: number | null, keepdim: boolean, { dtype }: DtypeKw) => prodImpl(withDtype(x, dtype), dim, keepdim));
const max_ = defineOp(SIGS.max, [
  (x: Tensor) => amaxAmin("max", x, undefined, false, "MaxBackward1"),
  (x: Tensor, dim: number, keepdim: boolean) => maxMinDim("max", x, dim, keepdim),
  (x: Tensor, other: Tensor) => x.maximum(other),
]);
const min_ = defineOp(SIGS.min, [
  (x: Tensor) => amaxAmin("min", x, undefined, false, "MinBackward1"),
  (x: Tensor, dim: number, keepdim: boolean) => maxMinDim("min", x, dim, keepdim),
  (x: Tensor, other: Tensor) => x.minimum(other),
]);
const amax_ = defineOp(SIGS.amax, (x: Tensor, dim: Dims, keepdim: boolean) => amaxAmin("max", x, dim, keepdim));
const amin_ = defineOp(SIGS.amin, (x: Tensor, dim: Dims, keepdim: boolean) => amaxAmin("min", x, dim, keepdim));
const argmax_ = defineOp(SIGS.argmax, (x: Tensor, dim: number | null, keepdim: boolean) => argMaxMin("argmax", x, dim, keepdim));
const argmin_ = defineOp(SIGS.argmin, (x: Tensor, dim: number | null, keepdim: boolean) => argMaxMin("argmin", x, dim, keepdim));
const var_ = defineOp(SIGS.var, [
  (x: Tensor, dim: Dims, unbiased: boolean | null, keepdim: boolean, { correction }: { correction?: number | null }) =>
    variance(x, dim, correctionOf("var", unbiased ?? undefined, correction), keepdim),
  (x: Tensor, unbiased: boolean) => variance(x, null, unbiased ? 1 : 0, false),
]);
const std_ = defineOp(SIGS.std, [
  (x: Tensor, dim: Dims, unbiased: boolean | null, keepdim: boolean, { correction }: { correction?: number | null }) =>
    stdev(x, dim, correctionOf("std", unbiased ?? undefined, correction), keepdim),
  (x: Tensor, unbiased: boolean) => stdev(x, null, unbiased ? 1 : 0, false),
]);
const logsumexp_ = defineOp(SIGS.logsumexp, logsumexp);
const norm_ = defineOp(SIGS.norm, (x: Tensor, p: number | "fro" | null, dim: Dims, keepdim: boolean) => norm(x, p ?? 2, dim, keepdim));
const all_ = defineOp(SIGS.all, (x: Tensor, dim: Dims, keepdim: boolean) => allAny("all", x, dim, keepdim));
const any_ = defineOp(SIGS.any, (x: Tensor, dim: Dims, keepdim: boolean) => allAny("any", x, dim, keepdim));
const cumsum_ = defineOp(SIGS.cumsum, (x: Tensor, dim: number, { dtype }: DtypeKw) => cumsum(withDtype(x, dtype), dim));
const cumprod_ = defineOp(SIGS.cumprod, (x: Tensor, dim: number, { dtype }: DtypeKw) => cumprod(withDtype(x, dtype), dim));
const softmax_ = defineOp(SIGS.softmax, (x: Tensor, dim: number, dtype: DType | null) => softmaxImpl(withDtype(x, dtype), dim));
const logSoftmax_ = defineOp(SIGS.logSoftmax, (x: Tensor, dim: number, dtype: DType | null) => logSoftmaxImpl(withDtype(x, dtype), dim));

export {
  sum_ as sum, mean_ as mean, prod_ as prod, max_ as max, min_ as min, amax_ as amax, amin_ as amin,
  argmax_ as argmax, argmin_ as argmin, var_ as var, std_ as std, logsumexp_ as logsumexp, norm_ as norm,
  all_ as all, any_ as any, cumsum_ as cumsum, cumprod_ as cumprod, softmax_ as softmax, logSoftmax_ as logSoftmax,
};

/**
 * Statistics over a dim or a whole tensor, composed from sort, gather, lerp and matmul as
 * PyTorch 1.13 composes them (so values round the same way and gradients follow): mode,
 * quantile / nanquantile (five interpolations) and cov / corrcoef (with frequency and
 * analytic weights). Argument checks are PyTorch's; the checks on values (q in [0, 1],
 * non-negative weights) run as kernels, with no host read.
 */
import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import { noGrad } from "../autograd/grad_mode.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { arange, fullLike, ones, scalarTensor } from "../tensor/creation.js";
import { isFloating, isIntegral } from "../tensor/dtype.js";
import { normalizeDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { assertAll } from "./advanced_indexing.js";
import { describe, whereImpl } from "./elementwise.js";
import { cat } from "./shape_ops.js";

// ---- mode -----------------------------------------------------------------------------------------

/**
 * The most frequent value along dim and its index (torch.mode). Among equally frequent values
 * the smallest wins, and its index is that of its last occurrence: PyTorch's CPU kernel sorts
 * each row and keeps the last element of the winning run (for rows of up to 16 elements, which
 * it insertion-sorts, that is the last occurrence; Fluxion's sort is stable, so always). Each
 * NaN counts as a value of its own. Indices are int32, as Fluxion's max, median, kthvalue.
 * @example mode(tensor([1, 2, 2, 3, 3, 1])) // values 1, indices 5
 */
function mode(x: Tensor, dim: number, keepdim: boolean): [Tensor, Tensor] {
  if (x.ndim === 0) return [x.clone(), scalarTensor(0, "int32", x.device)];
  const d = normalizeDim("mode", dim, x.ndim);
  const n = x.shape[d]!;
  if (n === 0) throw new ShapeError(`mode: Expected reduction dim ${d} to have non-zero size (shape ${fmtShape(x.shape)})`);
  const index = noGrad(() => {
    const { values: s, indices } = x.sort(d);
    const one = s.shape.map((size, k) => (k === d ? 1 : size));
    const always = ones(one, { dtype: "bool", device: x.device });
    // runs of equal sorted values (NaN differs from everything, itself included)
    const differs = s.narrow(d, 0, n - 1).ne(s.narrow(d, 1, n - 1));
    const ends = cat([differs, always], d), starts = cat([always, differs], d);
    const pos = arange(n, { dtype: "int32", device: x.device }).reshape(s.shape.map((size, k) => (k === d ? size : 1)));
    const start = whereImpl(starts, pos, 0).cummax(d).values;
    const frequency = whereImpl(ends, pos.sub(start).add(1), 0);
    // the first maximum: the smallest of the most frequent values, at the end of its run
    return indices.gather(d, frequency.argmax(d, true));
  });
  const values = x.gather(d, index); // the gradient flows to that element, as PyTorch's
  return keepdim ? [values, index] : [values.squeeze(d), index.squeeze(d)];
}

// ---- quantile / nanquantile ---------------------------------------------------------------------

type Interpolation = "linear" | "lower" | "higher" | "midpoint" | "nearest";

/**
 * The q-th quantiles of x along dim (all of x when dim is null), by PyTorch's algorithm: sort,
 * rank = q (n - 1), then per interpolation the value below, above, nearest (ties to even), the
 * midpoint or the lerp between them. quantile gives NaN for a slice holding a NaN; nanquantile
 * ranks among the non-NaN values only (NaN when there are none). A tensor q (0-d or 1-D, x's
 * dtype) puts its dim first in the result; keepdim keeps the reduced dim (all dims when dim is null).
 * @example quantile(tensor([1, 2, 3, 4]), 0.5) // 2.5
 */
function quantile(op: "quantile" | "nanquantile", x: Tensor, q: number | Tensor, dim: number | null, keepdim: boolean, interpolation: Interpolation): Tensor {
  if (x.dtype !== "float32" && x.dtype !== "float64") throw new DTypeError(`${op}: quantile() input tensor must be either float or double dtype (got ${describe(x)})`);
  if (x.numel() === 0) throw new ShapeError(`${op}: quantile() input tensor must be non-empty (shape ${fmtShape(x.shape)})`);
  let qs: Tensor;
  if (q instanceof Tensor) {
    if (q.ndim > 1) throw new ShapeError(`${op}: quantile() q must be a scalar or 1D tensor (got shape ${fmtShape(q.shape)})`);
    if (q.dtype !== x.dtype) throw new DTypeError(`${op}: quantile() q tensor must be same dtype as the input tensor (input ${x.dtype}, q ${q.dtype})`);
    assertAll(q.ge(0).logicalAnd(q.le(1)), `${op}: quantile() q values must be in the range [0, 1]`);
    qs = q.reshape([-1]);
  } else {
    if (!(q >= 0 && q <= 1)) throw new ShapeError(`${op}: quantile() q must be in the range [0, 1] but got ${q}`);
    qs = scalarTensor(q, x.dtype, x.device).reshape([1]);
  }
  // the reduced values along a last dim: [rest..., n]
  const d = dim === null ? null : normalizeDim(op, dim, Math.max(x.ndim, 1));
  const rows = d === null || x.ndim === 0 ? x.reshape([1, -1]) : x.movedim(d, -1);
  const sorted = rows.sort(-1).values;
  const n = sorted.shape[sorted.ndim - 1]!;
  const batch = sorted.shape.slice(0, -1);
  const k = qs.numel();
  let ranks: Tensor;
  if (op === "nanquantile") {
    // ranked among the non-NaN values; all NaN: rank 0, which reads a NaN
    const count = sorted.isnan().logicalNot().sum(-1, true);
    ranks = qs.mul(count.sub(1)).clampMin(0);
  } else {
    // a NaN anywhere: the last rank, where the sort put it
    ranks = whereImpl(sorted.isnan().any(-1, true), n - 1, qs.mul(n - 1).expand([...batch, k]));
  }
  if (interpolation === "lower") ranks = ranks.floor();
  else if (interpolation === "higher") ranks = ranks.ceil();
  else if (interpolation === "nearest") ranks = ranks.round();
  const below = ranks.to("int64");
  let result = sorted.gather(-1, below);
  if (interpolation === "linear" || interpolation === "midpoint") {
    const weights = interpolation === "midpoint" ? fullLike(ranks, 0.5) : ranks.sub(below.to(ranks.dtype));
    result = result.lerp(sorted.gather(-1, ranks.ceil().to("int64")), weights);
  }
  // [rest..., k] -> [k, rest...] -> the output's shape
  let shape: number[];
  if (d !== null && x.ndim > 0) shape = x.shape.flatMap((s, j) => (j !== d ? [s] : keepdim ? [1] : []));
  else shape = keepdim ? new Array<number>(x.ndim).fill(1) : [];
  if (q instanceof Tensor && q.ndim > 0) shape.unshift(k);
  return result.movedim(-1, 0).reshape(shape);
}

// ---- cov / corrcoef -------------------------------------------------------------------------------

/**
 * The covariance matrix of the variables in x's rows (observations in its columns; a 1-D x is
 * one variable), as PyTorch computes it: weights w = fweights * aweights, the weighted mean,
 * then (x - mean) (w (x - mean))^T divided by sum(w) - correction (with aweights: sum(w) -
 * correction * sum(w aweights) / sum(w)); a normaliser <= 0 becomes 0 (inf or NaN results;
 * PyTorch also warns). Squeezed: one variable gives a 0-d tensor.
 * @example cov(tensor([[0, 1, 2], [2, 1, 0]])) // [[1, -1], [-1, 1]]
 */
function cov(x: Tensor, correction: number, fweights: Tensor | null, aweights: Tensor | null): Tensor {
  if (x.ndim > 2) throw new ShapeError(`cov: expected input to have two or fewer dimensions but got an input with ${x.ndim} dimensions (shape ${fmtShape(x.shape)})`);
  if (x.dtype === "bool") throw new DTypeError("cov: bool dtype is not supported for input");
  const v = x.ndim < 2 ? x.reshape([1, -1]) : x;
  const observations = v.shape[1]!;
  const checkWeights = (w: Tensor, name: string, floating: boolean) => {
    if (w.ndim > 1) throw new ShapeError(`cov: expected ${name} to have one or fewer dimensions but got ${name} with ${w.ndim} dimensions`);
    if (w.numel() !== observations) throw new ShapeError(`cov: expected ${name} to have the same numel as there are observations in the input but got ${w.numel()} != ${observations}`);
    if (floating ? !isFloating(w.dtype) : !isIntegral(w.dtype)) {
      throw new DTypeError(`cov: expected ${name} to have ${floating ? "floating point" : "integral"} dtype but got ${name} with ${w.dtype} dtype`);
    }
    assertAll(w.ge(0), `cov: ${name} cannot be negative`);
  };
  let w: Tensor | null = null;
  if (fweights) {
    checkWeights(fweights, "fweights", false);
    w = fweights;
  }
  if (aweights) {
    checkWeights(aweights, "aweights", true);
    w = w ? w.mul(aweights) : aweights;
  }
  const wSum = w ? w.sum() : scalarTensor(observations, "int64", x.device);
  const avg = (w ? v.mul(w).sum(1) : v.sum(1)).div(wSum);
  let norm: Tensor;
  // in PyTorch's order of operations: w_sum - correction * sum(w aweights) / w_sum
  if (w && correction !== 0 && aweights) norm = wSum.sub(w.mul(aweights).sum().mul(correction).div(wSum));
  else norm = wSum.sub(correction);
  norm = whereImpl(norm.le(0), 0, norm); // (PyTorch warns: degrees of freedom <= 0)
  const centred = v.sub(avg.unsqueeze(1));
  const c = centred.mm((w ? centred.mul(w) : centred).t());
  return c.div(norm).squeeze();
}

/**
 * Pearson's correlation coefficients of the variables in x's rows: cov(x) divided by the
 * outer product of the standard deviations, clipped to [-1, 1]; 0-d for one variable (1, or NaN
 * for a constant one).
 * @example corrcoef(tensor([[0, 1, 2], [2, 1, 0]])) // [[1, -1], [-1, 1]]
 */
function corrcoef(x: Tensor): Tensor {
  const c = cov(x, 1, null, null);
  if (c.ndim === 0) return c.div(c);
  const std = c.diagonal().sqrt();
  return c.div(std.reshape([-1, 1])).div(std.reshape([1, -1])).clip(-1, 1);
}

// ---- declarations -----------------------------------------------------------------------------------

const INTERP = `"linear"|"lower"|"higher"|"midpoint"|"nearest" interpolation="linear"`;
const SIGS = {
  mode: "mode(Tensor self, int dim=-1, bool keepdim=false) -> (Tensor values, Tensor indices)",
  quantile: `quantile(Tensor self, Tensor|float q, int? dim=null, bool keepdim=false, *, ${INTERP}) -> Tensor`,
  nanquantile: `nanquantile(Tensor self, Tensor|float q, int? dim=null, bool keepdim=false, *, ${INTERP}) -> Tensor`,
  cov: "cov(Tensor self, *, int correction=1, Tensor? fweights=null, Tensor? aweights=null) -> Tensor",
  corrcoef: "corrcoef(Tensor self) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

type QKw = { interpolation: Interpolation };
type CovKw = { correction: number; fweights: Tensor | null; aweights: Tensor | null };
export const STATISTICS_FNS = {
  mode: defineOp(SIGS.mode, mode),
  quantile: defineOp(SIGS.quantile, (x: Tensor, q: number | Tensor, dim: number | null, keepdim: boolean, { interpolation }: QKw) =>
    quantile("quantile", x, q, dim, keepdim, interpolation)),
  nanquantile: defineOp(SIGS.nanquantile, (x: Tensor, q: number | Tensor, dim: number | null, keepdim: boolean, { interpolation }: QKw) =>
    quantile("nanquantile", x, q, dim, keepdim, interpolation)),
  cov: defineOp(SIGS.cov, (x: Tensor, { correction, fweights, aweights }: CovKw) => cov(x, correction, fweights, aweights)),
  corrcoef: defineOp(SIGS.corrcoef, corrcoef),
};

/**
 * Cumulative ops beyond the scan primitive's sum and product: cummax, cummin (running
 * extreme with the index it came from, as torch.return_types) and logcumsumexp.
 *
 * The primitive set has no max-scan or log-add-exp scan, so these are composed as a
 * parallel (Hillis-Steele) prefix scan: log2(n) steps, each combining every element with
 * the one `s` places before it through elementwise ops on two shifted views — O(n log n)
 * work, no host reads, and it runs on any backend. Both combines are associative, so the
 * result is exactly the sequential one (logcumsumexp up to rounding order).
 *
 * Gradients follow PyTorch: cummax/cummin send the gradient to the chosen indices
 * (a scatter-add, whose own gradient is a gather), and logcumsumexp's is PyTorch's stable
 * formula written with logcumsumexp itself, so higher orders work.
 */
import { record1 } from "../autograd/record.js";
import { noGrad } from "../autograd/grad_mode.js";
import type { BackwardFn } from "../autograd/node.js";
import { DTypeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { isFloating } from "../tensor/dtype.js";
import { arange, zeros } from "../tensor/creation.js";
import { normalizeDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { cat } from "./shape_ops.js";
import { _scatterAddTrusted } from "./advanced_indexing.js";

/**
 * Inclusive prefix scan of the tensors `parts` (same shape) along dim d with an
 * associative `combine(earlier, later)`: log2(n) steps, each combining position k with
 * position k - s (the first s positions are already final).
 */
function prefixScan(parts: Tensor[], d: number, combine: (earlier: Tensor[], later: Tensor[]) => Tensor[]): Tensor[] {
  const n = parts[0]!.shape[d]!;
  let cur = parts;
  for (let s = 1; s < n; s *= 2) {
    const earlier = cur.map((t) => t.narrow(d, 0, n - s));
    const later = cur.map((t) => t.narrow(d, s, n - s));
    const merged = combine(earlier, later);
    cur = cur.map((t, i) => cat([t.narrow(d, 0, s), merged[i]!], d));
  }
  return cur;
}

/** The dim to scan along; a 0-d tensor scans as one element (dims 0 and -1). */
function scanDim(op: string, x: Tensor, dim: number): number {
  return normalizeDim(op, dim, x.ndim);
}

// ---- cummax / cummin --------------------------------------------------------------------

type Extreme = "cummax" | "cummin";

/**
 * Running max/min along d with int32 indices, as PyTorch's CPU loop: a later element
 * replaces the running one when it is NaN, or when neither is NaN and it is >= (<= for
 * cummin) — so ties and NaNs take the latest index. The rule is associative on
 * (value, index) summaries of adjacent segments, which is what lets the scan run in parallel.
 */
function runningExtreme(kind: Extreme, x: Tensor, d: number): [Tensor, Tensor] {
  const n = x.shape[d]!;
  const idx0 = arange(n, { dtype: "int32", device: x.device }).reshape(x.shape.map((s, k) => (k === d ? s : 1))).expand(x.shape);
  const float = isFloating(x.dtype);
  const [values, indices] = prefixScan([x, idx0], d, ([av, ai], [bv, bi]) => {
    let takeLater = kind === "cummax" ? bv!.ge(av!) : bv!.le(av!);
    if (float) takeLater = bv!.isnan().logicalOr(av!.isnan().logicalNot().logicalAnd(takeLater));
    return [where(takeLater, bv!, av!), where(takeLater, bi!, ai!)];
  });
  // a one-element dim never combines: copy so the result never aliases x
  return n <= 1 ? [values!.clone(), indices!.clone()] : [values!, indices!.contiguous()];
}

/** cummax/cummin's gradient: g added at the chosen indices (made here so the closure holds no tensors). */
function extremeBackward(d: number, inShape: readonly number[]): BackwardFn {
  return ([g], [idx]) => [_scatterAddTrusted(zeros(inShape, { dtype: g!.dtype, device: g!.device }), d, idx!, g!)];
}

function cumExtreme(kind: Extreme, x: Tensor, dim: number): [Tensor, Tensor] {
  const d = scanDim(kind, x, dim);
  if (x.ndim === 0) {
    const [v, i] = cumExtreme(kind, x.reshape([1]), 0);
    return [v.reshape([]), i.reshape([])];
  }
  const [values, indices] = noGrad(() => runningExtreme(kind, x, d));
  const name = kind === "cummax" ? "CummaxBackward0" : "CumminBackward0";
  return [record1(name, [x], values, [indices], extremeBackward(d, x.shape)), indices];
}

// ---- logcumsumexp -----------------------------------------------------------------------

/** log(exp(a) + exp(b)), stable: max + log1p(exp(-|a - b|)); equal infinities give themselves. */
function logAddExp(a: Tensor, b: Tensor): Tensor {
  const m = a.maximum(b);
  const negGap = where(a.eq(b), 0, a.sub(b).abs().neg());
  return m.add(negGap.exp().log1p());
}

/** Σ_{i>=k} along d in log space: logcumsumexp of the reversed tensor, reversed back. */
function reverseLogcumsumexp(t: Tensor, d: number): Tensor {
  return logcumsumexp(t.flip([d]), d).flip([d]);
}

/**
 * logcumsumexp's gradient, PyTorch's formula: grad_k = Σ_{i>=k} g_i exp(x_k - y_i), with the
 * positive and negative parts of g summed separately in log space so nothing overflows.
 * Written with differentiable ops (logcumsumexp included), so it has its own gradient.
 */
function logcumsumexpBackward(d: number): BackwardFn {
  return ([g], [x, y]) => {
    const lowest = g!.dtype === "float64" ? -Number.MAX_VALUE : -3.4028234663852886e38;
    const logAbs = g!.abs().log();
    const pos = where(g!.gt(0), logAbs, lowest), neg = where(g!.lt(0), logAbs, lowest);
    const part = (lg: Tensor) => reverseLogcumsumexp(lg.sub(y!), d).add(x!).exp();
    return [part(pos).sub(part(neg))];
  };
}

function logcumsumexp(x: Tensor, dim: number): Tensor {
  if (!isFloating(x.dtype)) throw new DTypeError(`logcumsumexp: expected a floating point tensor, got ${x.dtype} (shape ${fmtShape(x.shape)}); PyTorch has no integer logcumsumexp either`);
  const d = scanDim("logcumsumexp", x, dim);
  if (x.ndim === 0) return logcumsumexp(x.reshape([1]), 0).reshape([]);
  const out = noGrad(() => {
    const [r] = prefixScan([x], d, ([a], [b]) => [logAddExp(a!, b!)]);
    return x.shape[d]! <= 1 ? r!.clone() : r!;
  });
  return record1("LogcumsumexpBackward0", [x], out, [x, out], logcumsumexpBackward(d));
}

// ---- declarations -----------------------------------------------------------------------

const SIGS = {
  cummax: "cummax(Tensor self, int dim) -> (Tensor values, Tensor indices)",
  cummin: "cummin(Tensor self, int dim) -> (Tensor values, Tensor indices)",
  logcumsumexp: "logcumsumexp(Tensor self, int dim) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** The public, argument-checked forms (torch.cummax, ...). */
export const CUMULATIVE_FNS = {
  /**
   * The running maximum along dim and the (int32) index it came from; ties and NaNs take
   * the latest index, as PyTorch.
   * @example const [v, i] = tensor([1, 3, 2, 3]).cummax(0); // v: [1, 3, 3, 3], i: [0, 1, 1, 3]
   */
  cummax: defineOp(SIGS.cummax, (x: Tensor, dim: number) => cumExtreme("cummax", x, dim)),
  /**
   * The running minimum along dim and the (int32) index it came from.
   * @example const [v, i] = tensor([3, 1, 2, 1]).cummin(0); // v: [3, 1, 1, 1], i: [0, 1, 1, 3]
   */
  cummin: defineOp(SIGS.cummin, (x: Tensor, dim: number) => cumExtreme("cummin", x, dim)),
  /**
   * log(cumsum(exp(x))) along dim, computed without overflow.
   * @example tensor([0, 0]).logcumsumexp(0) // [0, 0.6931]
   */
  logcumsumexp: defineOp(SIGS.logcumsumexp, logcumsumexp),
};

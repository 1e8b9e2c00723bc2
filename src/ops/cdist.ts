/**
 * torch.cdist: the p-norm distance between each row of x1 [..., r1, m] and each row of
 * x2 [..., r2, m], batch dims broadcast, giving [..., r1, r2]. Two computations, chosen as
 * PyTorch 1.13 chooses them:
 * - direct: ‖x1_i − x2_j‖_p from the differences of every pair (materialised as
 *   [..., r1, r2, m]; PyTorch's kernel loops instead), for any p ≥ 0 (0 counts the differing
 *   coordinates, inf takes the largest, ignoring NaN as PyTorch's max(agg, x) does);
 * - for p = 2 with more than 25 rows on either side (or computeMode "use_mm_for_euclid_dist"):
 *   PyTorch's _euclidean_dist, one matmul of [−2·x1, |x1|², 1] and [x2, 1, |x2|²], clamped at
 *   0 before the square root (faster, less exact for near points).
 * Each records one node with PyTorch's backward formulas (_cdist_backward per p, and
 * _euclidean_dist_backward), written with Tensor ops; both take the gradient as 0 where a
 * distance is 0, where the norm has none.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { record1 } from "../autograd/record.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { onesLike } from "../tensor/creation.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { cat } from "./shape_ops.js";

type Mode = "use_mm_for_euclid_dist_if_necessary" | "use_mm_for_euclid_dist" | "donot_use_mm_for_euclid_dist";

function checkInputs(x1: Tensor, x2: Tensor, p: number): void {
  for (const [name, t] of [["X1", x1], ["X2", x2]] as const) {
    if (t.dtype !== "float32" && t.dtype !== "float64") {
      throw new DTypeError(`cdist: only supports float32 and float64 tensors, ${name} got ${t.dtype} (shape ${fmtShape(t.shape)})`);
    }
    if (t.ndim < 2) throw new ShapeError(`cdist: only supports at least 2D tensors, ${name} got: ${t.ndim}D (shape ${fmtShape(t.shape)})`);
  }
  if (x1.shape[x1.ndim - 1] !== x2.shape[x2.ndim - 1]) {
    throw new ShapeError(`cdist: X1 and X2 must have the same number of columns. X1: ${x1.shape[x1.ndim - 1]} X2: ${x2.shape[x2.ndim - 1]} (shapes ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)})`);
  }
  if (x1.dtype !== x2.dtype) throw new DTypeError(`cdist: X1 and X2 must have the same dtype, got ${x1.dtype} and ${x2.dtype}`);
  if (!(p >= 0)) throw new ArgumentError(`cdist: only supports non-negative p values, got ${p}`);
}

/** |x1_i − x2_j| for every pair of rows: [..., r1, r2, m]. */
function pairDiffs(a: Tensor, b: Tensor): Tensor {
  return a.unsqueeze(-2).sub(b.unsqueeze(-3));
}

/** The p-norms of the rows of the pairwise differences, as PyTorch's per-p kernels. */
function norms(a: Tensor, b: Tensor, p: number): Tensor {
  const d = pairDiffs(a, b).abs();
  if (p === 0) return d.ceil().clampMax(1).sum(-1); // min(ceil(|d|), 1): NaN counts as NaN
  if (p === 1) return d.sum(-1);
  if (p === 2) return d.mul(d).sum(-1).sqrt();
  if (p === Infinity) {
    if (d.shape[d.ndim - 1] === 0) return d.sum(-1);
    return where(d.isnan(), 0, d).amax(-1); // the kernel's max(agg, |d|) from 0 skips NaN
  }
  return d.pow(p).sum(-1).pow(1 / p);
}

/**
 * _cdist_backward's per-element term for x1 (diff = x1_i − x2_j, g and dist broadcast along
 * the last dim); x2's is its negation (every term is odd in diff).
 */
function pairGrad(diff: Tensor, g: Tensor, dist: Tensor, p: number): Tensor {
  if (p === 0) return diff.mul(0);
  if (p === 1) return g.mul(diff.sign());
  const atZero = dist.eq(0);
  // divide by 1 where the distance is 0 (the term is then masked to 0): dividing by 0 there
  // would put 0/0 = NaN into the second derivative through where's other branch (pdist, which
  // takes cdist of the input with itself, always has zero distances on the diagonal)
  const safe = where(atZero, 1, dist);
  if (p < 2) {
    const absDiff = p < 1 ? where(diff.eq(0), 1, diff.abs()) : diff.abs();
    const t = where(atZero, 0, diff.sign().mul(absDiff.pow(p - 1)).mul(g).div(safe.pow(p - 1)));
    return p < 1 ? where(diff.eq(0), 0, t) : t; // |0|^(p−1) is inf for p < 1: 0 there
  }
  if (p === 2) return where(atZero, 0, g.mul(diff).div(safe));
  // inf: g·sign(diff) where |diff| is the max (1 − min(1, ceil(| |diff| − dist |)))
  if (p === Infinity) return g.mul(diff.sign()).mul(diff.abs().sub(dist).abs().ceil().clampMax(1).neg().add(1));
  return where(atZero, 0, diff.mul(diff.abs().pow(p - 2)).mul(g).div(safe.pow(p - 1)));
}

function direct(a: Tensor, b: Tensor, p: number): Tensor {
  const out = noGrad(() => norms(a, b, p));
  return record1("CdistBackward0", [a, b], out, [a, b, out], ([g], [sa, sb, dist], needs) => {
    const t = pairGrad(pairDiffs(sa!, sb!), g!.unsqueeze(-1), dist!.unsqueeze(-1), p);
    return [needs[0] ? t.sum(-2) : null, needs[1] ? t.sum(-3).neg() : null];
  });
}

/** PyTorch's _euclidean_dist: one matmul, clamped at 0, then sqrt. */
function euclideanByMatmul(a: Tensor, b: Tensor): Tensor {
  const out = noGrad(() => {
    const an = a.pow(2).sum(-1, { keepdim: true }), bn = b.pow(2).sum(-1, { keepdim: true });
    const left = cat([a.mul(-2), an, onesLike(an)], -1);
    const right = cat([b, onesLike(bn), bn], -1);
    return left.matmul(right.mT).clampMin(0).sqrt();
  });
  return record1("EuclideanDistBackward0", [a, b], out, [a, b, out], ([g], [sa, sb, res], needs) => {
    const zero = res!.eq(0);
    const ratio = where(zero, 0, g!.div(where(zero, 1, res!))); // no 0/0 for the second derivative (see pairGrad)
    return [
      needs[0] ? sa!.mul(ratio.sum(-1, { keepdim: true })).sub(ratio.matmul(sb!)) : null,
      needs[1] ? sb!.mul(ratio.sum(-2).unsqueeze(-1)).sub(ratio.mT.matmul(sa!)) : null,
    ];
  });
}

/**
 * Distances between the rows of x1 [..., r1, m] and x2 [..., r2, m] (batch dims broadcast):
 * [..., r1, r2] of ‖x1_i − x2_j‖_p, for any p ≥ 0 including inf (torch.cdist).
 * @example cdist(tensor([[0, 0], [1, 1]]), tensor([[3, 4]])) // [[5], [3.6056]]
 */
export function cdist(x1: Tensor, x2: Tensor, p = 2, computeMode: Mode = "use_mm_for_euclid_dist_if_necessary"): Tensor {
  checkInputs(x1, x2, p);
  const batch = broadcastShapes("cdist", x1.shape.slice(0, -2), x2.shape.slice(0, -2));
  const [r1, m] = x1.shape.slice(-2) as [number, number];
  const r2 = x2.shape[x2.ndim - 2]!;
  const a = x1.expand([...batch, r1, m]), b = x2.expand([...batch, r2, m]);
  // empty inputs always take the direct path (PyTorch: to keep the graph connected)
  const mm = p === 2 && a.numel() > 0 && b.numel() > 0 &&
    (computeMode === "use_mm_for_euclid_dist" || (computeMode === "use_mm_for_euclid_dist_if_necessary" && (r1 > 25 || r2 > 25)));
  return mm ? euclideanByMatmul(a, b) : direct(a, b, p);
}

/** The public, argument-checked form (torch.cdist). */
export const CDIST_FNS = {
  cdist: defineOp(
    'cdist(Tensor x1, Tensor x2, float p=2, "use_mm_for_euclid_dist_if_necessary"|"use_mm_for_euclid_dist"|"donot_use_mm_for_euclid_dist" computeMode="use_mm_for_euclid_dist_if_necessary") -> Tensor',
    cdist,
  ),
};

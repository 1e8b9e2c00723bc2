/**
 * F.cosineSimilarity, F.pairwiseDistance (and F.pdist, torch.pdist), composed from Tensor ops (so their gradients
 * come from autograd) formula for formula as PyTorch 1.13's ATen kernels:
 *   cosine_similarity: sum(x1 * x2, dim) * rsqrt(max(|x1|², eps²) * max(|x2|², eps²)), the
 *     clamps applied without autograd seeing them (ATen clamps under NoGradGuard);
 *   pairwise_distance: norm(x1 - x2 + eps, p) over the last dim.
 */
import { DTypeError } from "../../errors.js";
import { pdist } from "../../ops/numeric_extra.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { isFloating, resultType } from "../../tensor/dtype.js";
import { broadcastShapes, normalizeDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

/** x1 and x2 in their common floating dtype, broadcast to one shape. */
function commonFloat(op: string, x1: Tensor, x2: Tensor): [Tensor, Tensor] {
  const dtype = resultType([x1, x2].map((t) => ({ dtype: t.dtype, dim: t.ndim })));
  if (!isFloating(dtype)) throw new DTypeError(`${op}: expected common dtype to be floating point, yet common dtype is ${dtype} (x1 ${x1.dtype}, x2 ${x2.dtype})`);
  const shape = broadcastShapes(op, x1.shape, x2.shape);
  return [x1.to(dtype).expand(shape), x2.to(dtype).expand(shape)];
}

/** max(s, floor) in value, with the gradient of s itself (a clamp autograd does not record). */
function clampMinUnrecorded(s: Tensor, floor: number): Tensor {
  return s.add(noGrad(() => s.clampMin(floor).sub(s)));
}

/**
 * The cosine of the angle between x1 and x2 along dim (broadcasting them first).
 * @example F.cosineSimilarity(a, b) // a, b [N, D] -> [N]
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, eps = 1e-8): Tensor {
  const op = "cosineSimilarity";
  const [a, b] = commonFloat(op, x1, x2);
  const d = normalizeDim(op, dim, a.ndim);
  const n1 = clampMinUnrecorded(a.mul(a).sum(d, { keepdim: true }), eps * eps);
  const n2 = clampMinUnrecorded(b.mul(b).sum(d, { keepdim: true }), eps * eps);
  return a.mul(b).sum(d, { keepdim: true }).mul(n1.mul(n2).rsqrt()).squeeze(d);
}

/**
 * The p-norm distance between the rows of x1 and x2 (the last dim), with eps added to the
 * difference to keep the norm differentiable at 0.
 * @example F.pairwiseDistance(a, b) // a, b [N, D] -> [N]
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, p = 2, eps = 1e-6, keepdim = false): Tensor {
  const [a, b] = commonFloat("pairwiseDistance", x1, x2);
  return a.sub(b).add(eps).norm(p, a.ndim === 0 ? null : -1, { keepdim });
}

export const DISTANCE_FNS = {
  cosineSimilarity: defineF("cosineSimilarity(Tensor x1, Tensor x2, int dim=1, float eps=1e-8) -> Tensor", cosineSimilarity),
  pairwiseDistance: defineF("pairwiseDistance(Tensor x1, Tensor x2, float p=2.0, float eps=1e-6, bool keepdim=false) -> Tensor", pairwiseDistance),
  /** F.pdist is torch.pdist (PyTorch has it in both places). */
  pdist: defineF("pdist(Tensor input, float p=2) -> Tensor", pdist),
};


/**
 * linalg.matrixExp / torch.matrix_exp: exp(A) = Σ Aᵏ/k! for batches of square matrices, by
 * scaling and squaring: A / 2ˢ has 1-norm ≤ 1/2, its degree-18 Taylor polynomial (Horner's
 * form) is accurate to float64's rounding, and s squarings undo the scaling. s is computed
 * per matrix as a tensor and the squarings are a fixed loop of where(k < s, X @ X, X), so no
 * value is read on the host (norms up to 2^63 are covered; beyond, exp overflows anyway but
 * for special matrices). Composed of matmuls, so gradients (and second order) follow.
 */
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { eye } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { where } from "../elementwise.js";

const TAYLOR_DEGREE = 18;
const MAX_SQUARINGS = 64;

export function matrixExp(A: Tensor, op = "linalg.matrixExp"): Tensor {
  if (A.ndim < 2) throw new ShapeError(`${op}: The input tensor A must have at least 2 dimensions (got shape ${fmtShape(A.shape)})`);
  const n = A.shape[A.ndim - 1]!;
  if (A.shape[A.ndim - 2] !== n) throw new ShapeError(`${op}: A must be batches of square matrices, but they are ${A.shape[A.ndim - 2]} by ${n} matrices`);
  if (A.dtype !== "float32" && A.dtype !== "float64") {
    throw new DTypeError(`${op}: Expected a floating point tensor of dtype float32 or float64 as input, got ${A.dtype}`);
  }
  if (A.numel() === 0) return A.mul(1);
  const I = eye(n, { dtype: A.dtype, device: A.device });
  // s = max(0, ceil(log2(‖A‖₁ / θ))) with θ = 1/2, per matrix (detached: only a choice of steps)
  const norm = A.detach().abs().sum(-2).amax(-1, true).unsqueeze(-1);
  const s = norm.mul(2).log2().ceil().clamp(0, MAX_SQUARINGS).nanToNum(0, MAX_SQUARINGS, 0);
  const scaled = A.div(s.exp2());
  // Horner: I + X(I + X/2(I + X/3(... (I + X/18))))
  let P = I.add(scaled.div(TAYLOR_DEGREE));
  for (let k = TAYLOR_DEGREE - 1; k >= 1; k--) P = I.add(scaled.matmul(P).div(k));
  for (let k = 0; k < MAX_SQUARINGS; k++) P = where(s.gt(k), P.matmul(P), P);
  return P;
}

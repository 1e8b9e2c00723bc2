/**
 * What a Cholesky factor gives: torch.choleskySolve(b, u, upper) (X with A X = b, A = u uᴴ or
 * uᴴ u) and torch.choleskyInverse(u, upper) (A⁻¹), as two triangular solves reading u's
 * triangle, with PyTorch 1.13's gradients (cholesky_solve_backward,
 * cholesky_inverse_backward):
 *   choleskySolve:   gb = A⁻¹ g,  gu = -(gb Xᴴ + X gbᴴ) u   (-u (...) when upper)
 *   choleskyInverse: gu = -(X (g + gᴴ) X) u                  (-u (...) when upper)
 * These are the derivatives with respect to u as a full matrix (PyTorch differentiates the
 * formula A = u uᴴ, not the triangle it reads): PyTorch's own gradient checks feed a
 * triangular u through tril/triu, as the tests here do.
 */
import { dispatch } from "../../backend/dispatcher.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { record1 } from "../../autograd/record.js";
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { eye } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { where } from "../elementwise.js";
import { reduceGradToShape } from "../helpers.js";
import { broadcastBatch, checkFloatingInput, checkInfo, checkMatrices } from "./checks.js";

/** A⁻¹ B for A = u uᴴ (u lower) or uᴴ u (upper): u's batch dims and B's already equal. */
function solveWithFactor(u: Tensor, B: Tensor, upper: boolean): Tensor {
  const tri = (A: Tensor, X: Tensor, up: boolean) => dispatch("linalg", [A, X], { op: "solveTriangular", upper: up, unitriangular: false });
  // lower: L Lᴴ X = B; upper: Uᴴ U X = B (Uᴴ is lower)
  return upper ? tri(u, tri(u.mT, B, false), true) : tri(u.mT, tri(u, B, false), true);
}

/** torch.choleskySolve(b, u, upper): A⁻¹ b with A = u uᴴ (uᴴ u when upper), batches broadcast. */
export function choleskySolve(b: Tensor, u: Tensor, upper: boolean): Tensor {
  const op = "choleskySolve";
  if (b.ndim < 2) throw new ShapeError(`${op}: b should have at least 2 dimensions, but has ${b.ndim} dimensions instead`);
  if (u.ndim < 2) throw new ShapeError(`${op}: u should have at least 2 dimensions, but has ${u.ndim} dimensions instead`);
  if (b.dtype !== u.dtype) throw new DTypeError(`${op}: Expected b and A to have the same dtype, but found b of type ${b.dtype} and A of type ${u.dtype} instead.`);
  const n = u.shape[u.ndim - 1]!;
  if (u.shape[u.ndim - 2] !== n) throw new ShapeError(`${op}: A must be batches of square matrices, but they are ${u.shape[u.ndim - 2]} by ${n} matrices (shape ${fmtShape(u.shape)})`);
  if (b.shape[b.ndim - 2] !== n) {
    throw new ShapeError(`${op}: Incompatible matrix sizes for cholesky_solve: each A matrix is ${n} by ${n} but each b matrix is ${b.shape[b.ndim - 2]} by ${b.shape[b.ndim - 1]}`);
  }
  checkFloatingInput(op, u);
  const [bb, ub] = broadcastBatch(op, b.detach(), u.detach());
  const X = solveWithFactor(ub, bb, upper);
  return record1("CholeskySolveBackward0", [b, u], X, [u, X], ([g], [uu, x], needs) => {
    const gb = choleskySolve(g!, uu!, upper);
    let gu: Tensor | null = null;
    if (needs[1]) {
      const common = gb.matmul(x!.mT);
      const sym = common.add(common.mT);
      gu = reduceGradToShape((upper ? uu!.matmul(sym) : sym.matmul(uu!)).neg(), u.shape);
    }
    return [needs[0] ? reduceGradToShape(gb, b.shape) : null, gu];
  });
}

/** The 1-based index of the first zero on each u's diagonal (0 where there is none): the info of LAPACK's potri. */
function zeroDiagonalInfo(u: Tensor): Tensor {
  return noGrad(() => {
    const n = u.shape[u.ndim - 1]!;
    const zero = u.diagonal(0, -2, -1).eq(0);
    if (n === 0) return zero.sum(-1).to("int32");
    return where(zero.any(-1), zero.to("int32").argmax(-1).add(1), 0).to("int32");
  });
}

/** torch.choleskyInverse(u, upper): A⁻¹ for A = u uᴴ (uᴴ u when upper); a zero on u's diagonal raises, as PyTorch. */
export function choleskyInverse(u: Tensor, upper: boolean): Tensor {
  const op = "choleskyInverse";
  checkMatrices(op, u, { square: true });
  checkInfo(op, zeroDiagonalInfo(u), "inv");
  const n = u.shape[u.ndim - 1]!;
  const I = eye(n, { dtype: u.dtype, device: u.device }).expand(u.shape);
  const X = solveWithFactor(u.detach(), I, upper);
  return record1("CholeskyInverseBackward0", [u], X, [u, X], ([g], [uu, x]) => {
    const common = x!.matmul(g!.add(g!.mT)).matmul(x!);
    return [(upper ? uu!.matmul(common) : common.matmul(uu!)).neg()];
  });
}

/**
 * linalg.solveTriangular (and torch.triangularSolve): A X = B (or X A = B) with A triangular,
 * batched with broadcasting, and its gradient (PyTorch's linalg_solve_triangular_backward):
 * gB = A⁻ᴴ gX (gX A⁻ᴴ on the right), gA = -gB Xᴴ (-Xᴴ gB), kept to A's triangle.
 */
import { dispatch } from "../../backend/dispatcher.js";
import { record1 } from "../../autograd/record.js";
import { ShapeError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { reduceGradToShape } from "../helpers.js";
import { broadcastBatch, checkMatrices, checkSameDType, matrixSize } from "./checks.js";

/** A X = B (left) or X A = B reading A's `upper` or lower triangle; `unitriangular` takes its diagonal as ones. */
export function solveTriangular(A: Tensor, B: Tensor, upper: boolean, left = true, unitriangular = false, op = "linalg.solveTriangular"): Tensor {
  checkMatrices(op, A, { square: true });
  checkMatrices(op, B, { name: "B" });
  checkSameDType(op, A, B);
  const n = A.shape[A.ndim - 1]!;
  if ((left ? B.shape[B.ndim - 2] : B.shape[B.ndim - 1]) !== n) {
    throw new ShapeError(`${op}: Incompatible shapes of A and B for the equation ${left ? "AX = B" : "XA = B"} (${matrixSize(A)} and ${matrixSize(B)})`);
  }
  const [Ab, Bb] = broadcastBatch(op, A.detach(), B.detach());
  // X A = B is Aᵀ Xᵀ = Bᵀ, with Aᵀ's triangle the other one
  const X = left
    ? dispatch("linalg", [Ab, Bb], { op: "solveTriangular", upper, unitriangular })
    : dispatch("linalg", [Ab.mT, Bb.mT], { op: "solveTriangular", upper: !upper, unitriangular }).mT;
  return record1("LinalgSolveTriangularBackward0", [A, B], X, [A, X], ([g], [a, x], needs) => {
    const gB = solveTriangular(a!.mT, g!, !upper, left, unitriangular, op);
    let gA: Tensor | null = null;
    if (needs[0]) {
      const full = (left ? gB.matmul(x!.mT) : x!.mT.matmul(gB)).neg();
      gA = reduceGradToShape(upper ? full.triu(unitriangular ? 1 : 0) : full.tril(unitriangular ? -1 : 0), a!.shape);
    }
    return [gA, needs[1] ? reduceGradToShape(gB, B.shape) : null];
  });
}

/**
 * torch.triangularSolve(b, A, upper, transpose, unitriangular): A X = b (Aᵀ X = b with
 * `transpose`), returning the solution and a copy of A broadcast with b (PyTorch's
 * cloned_coefficient).
 */
export function triangularSolve(b: Tensor, A: Tensor, upper: boolean, transpose: boolean, unitriangular: boolean): [Tensor, Tensor] {
  const op = "triangularSolve";
  checkMatrices(op, A, { square: true });
  checkMatrices(op, b, { name: "b" });
  const X = solveTriangular(transpose ? A.mT : A, b, transpose ? !upper : upper, true, unitriangular, op);
  const batch = X.shape.slice(0, -2);
  return [X, A.expand([...batch, ...A.shape.slice(-2)]).clone()];
}

/**
 * linalg.tensorinv and linalg.tensorsolve: the tensor forms of inv and solve, reshaping to a
 * square matrix as PyTorch 1.13 does (LinearAlgebra.cpp), with its checks and messages.
 * Composed of reshape/movedim and inv/solve, so their gradients are autograd's.
 */
import { ArgumentError, ShapeError, fmtShape } from "../../errors.js";
import { normalizeDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkInfo } from "./checks.js";
import { invEx, solve } from "./solve.js";

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** linalg.tensorinv(A, ind): the inverse of A seen as a prod(shape[:ind]) x prod(shape[ind:]) matrix, shaped shape[ind:] + shape[:ind]. */
export function tensorinv(A: Tensor, ind: number): Tensor {
  const op = "linalg.tensorinv";
  if (!Number.isInteger(ind) || ind <= 0) throw new ArgumentError(`${op}: Expected a strictly positive integer for 'ind', but got ${ind}`);
  const head = A.shape.slice(0, ind), tail = A.shape.slice(ind);
  const n = prod(tail);
  if (n !== prod(head)) {
    throw new ShapeError(`${op}: Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), but got ${n} != ${prod(head)} (shape ${fmtShape(A.shape)}, ind ${ind})`);
  }
  const M = A.reshape([n, n]);
  const [X, info] = invEx(M, false);
  checkInfo(op, info, "inv");
  return X.reshape([...tail, ...head]);
}

/** linalg.tensorsolve(A, B, dims): X with tensordot(A, X, X.ndim) = B (dims of A moved to the end first). */
export function tensorsolve(A: Tensor, B: Tensor, dims: readonly number[] | null): Tensor {
  const op = "linalg.tensorsolve";
  let Ap = A;
  if (dims !== null) {
    const src = dims.map((d) => normalizeDim(op, d, A.ndim));
    if (new Set(src).size !== src.length) throw new ArgumentError(`${op}: movedim: repeated dim in \`source\` ([${dims.join(", ")}])`);
    Ap = A.movedim(src, src.map((_, i) => A.ndim - src.length + i));
  }
  const resultShape = Ap.shape.slice(B.ndim);
  const n = prod(resultShape), nb = B.numel();
  if (n !== nb) {
    throw new ShapeError(`${op}: Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but got ${n} != ${nb} (shapes ${fmtShape(A.shape)} and ${fmtShape(B.shape)})`);
  }
  return solve(Ap.reshape([n, n]), B.flatten(), true, true, op).reshape(resultShape);
}


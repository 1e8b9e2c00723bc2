/**
 * QR in LAPACK's compact form: torch.geqrf (the `linalg` primitive's "geqrf": R on and above
 * the diagonal, the Householder vectors below it, and their scalars tau),
 * linalg.householderProduct (torch.orgqr: the first n columns of Q = H_0 ... H_{k-1}) and
 * torch.ormqr (Q or Qᵀ applied to a matrix from the left or the right, Q m x m).
 *
 * householderProduct and ormqr apply the reflectors H_j = I - τ_j v_j v_jᵀ one at a time as
 * differentiable ops, so their gradients come from autograd: householderProduct's is the one
 * PyTorch defines (the derivative with respect to the vectors below the diagonal and tau);
 * ormqr is differentiable too, where PyTorch 1.13 raises "the derivative for 'ormqr' is not
 * implemented". geqrf is not differentiable, as in PyTorch (its backward raises).
 */
import { dispatchAll } from "../../backend/dispatcher.js";
import { record } from "../../autograd/record.js";
import { AutogradError, DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { eye } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkFloatingInput } from "./checks.js";

const rowsOf = (t: Tensor) => t.shape[t.ndim - 2]!;
const colsOf = (t: Tensor) => t.shape[t.ndim - 1]!;
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/** torch.geqrf: (a, tau) as LAPACK's geqrf returns them. */
export function geqrf(A: Tensor): [Tensor, Tensor] {
  const op = "geqrf";
  if (A.ndim < 2) throw new ShapeError(`torch.geqrf: input must have at least 2 dimensions. (got shape ${fmtShape(A.shape)})`);
  checkFloatingInput(op, A);
  const [a, tau] = dispatchAll("linalg", [A.detach()], { op: "geqrf" }) as [Tensor, Tensor];
  record("GeqrfBackward0", [A], [a, tau], [], () => {
    throw new AutogradError("geqrf: the derivative for 'geqrf' is not implemented (as in PyTorch); differentiate linalg.qr instead");
  });
  return [a, tau];
}

/** The Householder vectors of a geqrf result: v_j is column j of tril(A, -1) + I (m x n). */
function reflectors(A: Tensor): Tensor {
  return A.tril(-1).add(eye(rowsOf(A), colsOf(A), { dtype: A.dtype, device: A.device }));
}

/** H_j C = C - τ_j v_j (v_jᵀ C) (from the left) or C H_j = C - τ_j (C v_j) v_jᵀ (from the right), batched. */
function reflect(C: Tensor, V: Tensor, tau: Tensor, j: number, left: boolean): Tensor {
  const v = V.narrow(-1, j, 1); // [..., m, 1]
  const t = tau.narrow(-1, j, 1).unsqueeze(-1); // [..., 1, 1]
  return left ? C.sub(v.mul(t).matmul(v.mT.matmul(C))) : C.sub(C.matmul(v).mul(t).matmul(v.mT));
}

/** linalg.householderProduct (torch.orgqr): the first n columns of H_0 H_1 ... H_{k-1}, k = tau's size. */
export function householderProduct(A: Tensor, tau: Tensor, op = "torch.linalg.householder_product"): Tensor {
  if (A.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dimensions. (got shape ${fmtShape(A.shape)})`);
  if (rowsOf(A) < colsOf(A)) throw new ShapeError(`${op}: input.shape[-2] must be greater than or equal to input.shape[-1] (got shape ${fmtShape(A.shape)})`);
  if (tau.ndim === 0 || colsOf(A) < colsOf(tau)) throw new ShapeError(`${op}: input.shape[-1] must be greater than or equal to tau.shape[-1] (shapes ${fmtShape(A.shape)} and ${fmtShape(tau.shape)})`);
  if (A.ndim - tau.ndim !== 1) throw new ShapeError(`${op}: Expected tau to have one dimension less than input, but got tau.ndim equal to ${tau.ndim} and input.ndim is equal to ${A.ndim}`);
  if (A.ndim > 2 && !sameShape(tau.shape.slice(0, -1), A.shape.slice(0, -2))) {
    throw new ShapeError(`${op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got ${fmtShape(tau.shape.slice(0, -1))} (input of shape ${fmtShape(A.shape)})`);
  }
  if (tau.dtype !== A.dtype) throw new DTypeError(`${op}: tau dtype ${tau.dtype} does not match input dtype ${A.dtype}`);
  checkFloatingInput(op, A);
  const V = reflectors(A);
  let Q = eye(rowsOf(A), colsOf(A), { dtype: A.dtype, device: A.device }).expand(A.shape);
  for (let j = colsOf(tau) - 1; j >= 0; j--) Q = reflect(Q, V, tau, j, true);
  // (a copy where no reflector ran, as PyTorch returns a new tensor)
  return colsOf(tau) === 0 ? Q.clone() : Q;
}

/**
 * torch.ormqr(A, tau, C, left, transpose): Q C, Qᵀ C (transpose), C Q or C Qᵀ (left false),
 * Q = H_0 ... H_{k-1} the m x m orthogonal matrix of a geqrf result.
 */
export function ormqr(A: Tensor, tau: Tensor, C: Tensor, left: boolean, transpose: boolean): Tensor {
  const op = "torch.ormqr";
  if (A.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dimensions. (got shape ${fmtShape(A.shape)})`);
  if (C.ndim < 2) throw new ShapeError(`${op}: other must have at least 2 dimensions. (got shape ${fmtShape(C.shape)})`);
  const sizeDim = left ? -2 : -1;
  const cSize = C.shape[C.ndim + sizeDim]!;
  const k = tau.ndim === 0 ? 1 : colsOf(tau);
  if (cSize < k) throw new ShapeError(`${op}: other.shape[${sizeDim}] must be greater than or equal to tau.shape[-1] (shapes ${fmtShape(C.shape)} and ${fmtShape(tau.shape)})`);
  if (cSize !== rowsOf(A)) throw new ShapeError(`${op}: other.shape[${sizeDim}] must be equal to input.shape[-2] (shapes ${fmtShape(C.shape)} and ${fmtShape(A.shape)})`);
  if (k > colsOf(A)) throw new ShapeError(`${op}: tau.shape[-1] must be less than or equal to input.shape[-1] (shapes ${fmtShape(tau.shape)} and ${fmtShape(A.shape)})`);
  if (A.ndim - tau.ndim !== 1) throw new ShapeError(`${op}: Expected tau to have one dimension less than input, but got tau.ndim equal to ${tau.ndim} and input.ndim is equal to ${A.ndim}`);
  if (A.ndim !== C.ndim) throw new ShapeError(`${op}: Expected other to have the same number of dimensions as input, but got other.ndim equal to ${C.ndim} and input.ndim is equal to ${A.ndim}`);
  if (A.ndim > 2) {
    const batch = A.shape.slice(0, -2);
    if (!sameShape(tau.shape.slice(0, -1), batch)) throw new ShapeError(`${op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got ${fmtShape(tau.shape.slice(0, -1))} (input of shape ${fmtShape(A.shape)})`);
    if (!sameShape(C.shape.slice(0, -2), batch)) throw new ShapeError(`${op}: Expected batch dimensions of other to be equal to input.shape[:-2], but got ${fmtShape(C.shape.slice(0, -2))} (input of shape ${fmtShape(A.shape)})`);
  }
  if (tau.dtype !== A.dtype) throw new DTypeError(`${op}: Expected input and tau to have the same dtype, but input has dtype ${A.dtype} and tau has dtype ${tau.dtype}`);
  if (C.dtype !== A.dtype) throw new DTypeError(`${op}: Expected input and other to have the same dtype, but input has dtype ${A.dtype} and other has dtype ${C.dtype}`);
  checkFloatingInput(op, A);
  const V = reflectors(A);
  // Q C = H_0 (H_1 (... H_{k-1} C)): the last reflector first; Qᵀ C and C Q the first first
  const lastFirst = left !== transpose;
  let X = C;
  for (let s = 0; s < k; s++) X = reflect(X, V, tau, lastFirst ? k - 1 - s : s, left);
  return k === 0 ? X.clone() : X;
}

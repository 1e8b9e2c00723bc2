/**
 * Householder reflectors as LAPACK stores them: geqrf (torch.geqrf) factors A = QR keeping the
 * reflectors' vectors below R's diagonal and their scales in tau; householderProduct
 * (torch.linalg.householder_product, torch.orgqr) multiplies such reflectors out into the
 * first n columns of Q. Both are composed of tensor ops over the whole batch (a loop over
 * columns), so they run on any device; householderProduct is differentiable in A and tau
 * (nn.utils.parametrizations.orthogonal's "householder" map trains through it), geqrf is not
 * (PyTorch has no derivative for it either).
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { ShapeError, fmtShape } from "../../errors.js";
import { arange, eye, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { whereImpl as where } from "../elementwise.js";
import { cat } from "../shape_ops.js";
import { checkFloatingInput } from "./checks.js";

/**
 * Q = H_0 H_1 ... H_{k-1} (first n columns) with H_i = I - tau_i v_i v_iᵀ, v_i the i-th
 * column of A below the diagonal with a 1 on it: A [..., m, n] (m >= n), tau [..., k] (k <= n).
 */
export function householderProduct(A: Tensor, tau: Tensor, op = "linalg.householderProduct"): Tensor {
  if (A.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dimensions (got shape ${fmtShape(A.shape)})`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  checkFloatingInput(op, A);
  if (m < n) throw new ShapeError(`${op}: input.shape[-2] must be greater than or equal to input.shape[-1] (got ${m} x ${n})`);
  if (tau.ndim !== A.ndim - 1) throw new ShapeError(`${op}: input.dim() - tau.dim() must be equal to 1, but got input ${fmtShape(A.shape)} and tau ${fmtShape(tau.shape)}`);
  const k = tau.shape[tau.ndim - 1]!;
  if (k > n) throw new ShapeError(`${op}: input.shape[-1] must be greater than or equal to tau.shape[-1] (got ${n} and ${k})`);
  if (A.shape.slice(0, -2).some((s, i) => s !== tau.shape[i])) throw new ShapeError(`${op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got input ${fmtShape(A.shape)} and tau ${fmtShape(tau.shape)}`);
  // the reflectors' vectors: A strictly below the diagonal, ones on it
  const V = A.tril(-1).add(eye(m, n, { dtype: A.dtype, device: A.device }));
  let X = eye(m, n, { dtype: A.dtype, device: A.device }).expand([...A.shape.slice(0, -2), m, n]);
  for (let i = k - 1; i >= 0; i--) {
    const v = V.narrow(-1, i, 1); // [..., m, 1]
    const t = tau.narrow(-1, i, 1).unsqueeze(-1); // [..., 1, 1]
    X = X.sub(v.mul(t).matmul(v.mT.matmul(X)));
  }
  return X;
}

/**
 * LAPACK's geqrf: [a, tau] with R on and above a's diagonal, the reflectors' vectors below
 * it (their leading 1 implied) and tau their scales (k = min(m, n)), LAPACK's signs (R's
 * diagonal is -sign(alpha) * norm). Not differentiable.
 */
export function geqrf(A: Tensor, op = "geqrf"): [Tensor, Tensor] {
  if (A.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dimensions (got shape ${fmtShape(A.shape)})`);
  checkFloatingInput(op, A);
  return noGrad(() => {
    const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!, k = Math.min(m, n);
    const rows = arange(m, { device: A.device }).unsqueeze(-1), cols = arange(n, { device: A.device });
    let R = A.detach().clone();
    const taus: Tensor[] = [];
    for (let j = 0; j < k; j++) {
      const colj = R.narrow(-1, j, 1); // [..., m, 1]
      const below = where(rows.gt(j), colj, 0);
      const xnorm = below.square().sum(-2, true); // squared, [..., 1, 1]
      const alpha = colj.narrow(-2, j, 1);
      const norm = alpha.square().add(xnorm).sqrt();
      const none = xnorm.eq(0);
      const beta = where(none, alpha, where(alpha.ge(0), norm.neg(), norm));
      const tau = where(none, 0, beta.sub(alpha).div(beta));
      const scale = where(none, 0, alpha.sub(beta).reciprocal());
      const v = where(rows.eq(j), 1, below.mul(scale));
      // H_j applied to the columns right of j (those on the left hold the earlier vectors)
      R = R.sub(where(cols.gt(j), v.mul(tau).matmul(v.mT.matmul(R)), 0));
      // column j: beta on the diagonal (R), the vector below it (kept for householderProduct)
      R = where(cols.eq(j).logicalAnd(rows.eq(j)), beta, where(cols.eq(j).logicalAnd(rows.gt(j)), v, R));
      taus.push(tau.reshape([...A.shape.slice(0, -2), 1]));
    }
    const tau = k > 0 ? cat(taus, -1) : zeros([...A.shape.slice(0, -2), 0], { dtype: A.dtype, device: A.device });
    return [R, tau] as [Tensor, Tensor];
  });
}

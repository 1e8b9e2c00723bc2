/**
 * torch.svd_lowrank and torch.pca_lowrank: randomized low-rank SVD (Halko, Martinsson and Tropp
 * 2009, Algorithm 4.4 with `niter` power iterations, then Algorithm 5.1), as torch/_lowrank.py.
 * A [..., m, n] ~ U diag(S) V^T with U [..., m, q], S [..., q], V [..., n, q]. The random test
 * matrix comes from the default generator (as PyTorch's torch.randn), so the factors are not
 * PyTorch's bit for bit (nor are the signs of singular vectors); the reconstruction is.
 */
import { defineOp } from "../../api/registry.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { randn } from "../../tensor/creation.js";
import { isFloating } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { qr, svd } from "./factorizations.js";

const MAX_NITER = 1000;

/** An orthonormal basis Q [..., m, q] of A's range, from A times a Gaussian matrix and `niter` power iterations. */
function approximateBasis(A: Tensor, q: number, niter: number): Tensor {
  const n = A.shape[A.ndim - 1]!;
  const R = randn([n, q], { dtype: A.dtype, device: A.device });
  const At = A.mT;
  let Q = qr(A.matmul(R), "reduced", "svdLowrank")[0];
  for (let i = 0; i < niter; i++) {
    Q = qr(At.matmul(Q), "reduced", "svdLowrank")[0];
    Q = qr(A.matmul(Q), "reduced", "svdLowrank")[0];
  }
  return Q;
}

function svdLowrankImpl(op: string, A: Tensor, q: number, niter: number, M: Tensor | null): [Tensor, Tensor, Tensor] {
  if (A.ndim < 2) throw new ShapeError(`${op}: expected a matrix or a batch of matrices [..., m, n], got shape ${fmtShape(A.shape)}`);
  if (!isFloating(A.dtype)) throw new DTypeError(`${op}: expected a floating point input, got ${A.dtype}`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  if (!Number.isInteger(q) || q < 0 || q > Math.min(m, n)) throw new ArgumentError(`${op}: q(=${q}) must be non-negative integer and not greater than min(m, n)=${Math.min(m, n)}`);
  if (!Number.isInteger(niter) || niter < 0) throw new ArgumentError(`${op}: niter(=${niter}) must be non-negative integer`);
  // PyTorch runs any count; a bound keeps an absurd one (2**53) from running for ever
  if (niter > MAX_NITER) throw new ArgumentError(`${op}: niter(=${niter}) is more power iterations than make sense (at most ${MAX_NITER}; PyTorch's default is 2)`);
  const B = M === null ? A : A.sub(M.broadcastTo(A.shape));
  // the basis of the smaller side keeps the small matrix small, as PyTorch's choice
  if (m < n || n > q) {
    const Q = approximateBasis(B.mT, q, niter); // [..., n, q]
    const [U, S, Vh] = svd(B.matmul(Q), false, null); // B Q: [..., m, q]
    return [U, S, Q.matmul(Vh.mT)];
  }
  const Q = approximateBasis(B, q, niter); // [..., m, q]
  const [Ub, S, Vh] = svd(Q.mT.matmul(B), false, null); // Q^T B: [..., q, n]
  return [Q.matmul(Ub), S, Vh.mT];
}

/**
 * torch.pca_lowrank: svdLowrank of A minus its column means (center, the default), q defaulting
 * to min(6, m, n). V's columns are the principal directions, S^2 / (m - 1) their variances.
 * @example const [U, S, V] = pcaLowrank(X, { q: 3 }); const projected = X.sub(X.mean(0)).matmul(V);
 */
function pcaLowrank(A: Tensor, q: number | null, center: boolean, niter: number): [Tensor, Tensor, Tensor] {
  const op = "pcaLowrank";
  if (A.ndim < 2) throw new ShapeError(`${op}: expected a matrix or a batch of matrices [..., m, n], got shape ${fmtShape(A.shape)}`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const k = q ?? Math.min(6, m, n);
  if (!center) return svdLowrankImpl(op, A, k, niter, null);
  return svdLowrankImpl(op, A.sub(A.mean(-2, true)), k, niter, null);
}

export const LOWRANK_FNS = {
  /**
   * torch.svd_lowrank(A, q=6, niter=2, M=None): a rank-q approximate SVD of A (or of A - M).
   * @example const [U, S, V] = svdLowrank(A, 3); U.mul(S).matmul(V.mT) // ~ A for rank <= 3
   */
  svdLowrank: defineOp("svdLowrank(Tensor A, int? q=6, int? niter=2, Tensor? M=null) -> (Tensor, Tensor, Tensor)",
    (A: Tensor, q: number | null, niter: number | null, M: Tensor | null) => svdLowrankImpl("svdLowrank", A, q ?? 6, niter ?? 2, M), { variants: "function" }),
  pcaLowrank: defineOp("pcaLowrank(Tensor A, int? q=null, bool center=true, int niter=2) -> (Tensor, Tensor, Tensor)", pcaLowrank, { variants: "function" }),
};

/**
 * The factorizations as ops: linalg.cholesky/choleskyEx, qr, eigh/eigvalsh, svd/svdvals (and
 * torch.cholesky, torch.qr, torch.svd), each a call of the `linalg` primitive recorded with
 * PyTorch 1.13's gradient formula (FunctionsManual.cpp), written with differentiable ops so
 * that second derivatives work too:
 *   cholesky: gA = L⁻ᴴ Φ(Lᴴ gL) L⁻¹, Φ(X) = ½(tril(X) + tril(X, -1)ᴴ)           (symmetric)
 *   qr:       gA = (gQ + Q·copyltu(M)) R⁻ᴴ, M = gR Rᴴ - Qᴴ gQ                    (m >= n)
 *   eigh:     gA = V (skew(Vᴴ gV)/E + diag(gL)) Vᴴ, E_ij = λ_j - λ_i
 *   svd:      gA = U ((skew(Uᴴ gU) S + S skew(Vᴴ gV))/E + diag(gS)) Vh (+ the parts
 *             outside U's or V's span when m ≠ n), E_ij = s_j² - s_i²
 * Where only the values are used (eigvalsh, svdvals, or outputs that received no gradient:
 * the engine's `defined` flags) the formulas reduce to V diag(gL) Vᴴ and U diag(gS) Vh,
 * which hold for repeated values too, as in PyTorch.
 */
import { dispatch, dispatchAll } from "../../backend/dispatcher.js";
import { needsGrad, record, record1 } from "../../autograd/record.js";
import { ArgumentError, AutogradError } from "../../errors.js";
import { eye, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat } from "../shape_ops.js";
import { checkFinite, checkInfo, checkMatrices } from "./checks.js";
import { solveTriangular } from "./triangular.js";

// ---- cholesky ---------------------------------------------------------------------------------

function choleskyBackward(gL0: Tensor, L0: Tensor, upper: boolean): Tensor {
  const L = upper ? L0.mT : L0, gL = upper ? gL0.mT : gL0;
  let gA = L.mT.matmul(gL).tril();
  gA = gA.add(gA.tril(-1).mT).mul(0.5);
  gA = solveTriangular(L.mT, gA, true, true);
  return solveTriangular(L, gA, false, false);
}

/** The factor and LAPACK's info (int32, one per matrix). */
function choleskyRaw(op: string, A: Tensor, upper: boolean): [Tensor, Tensor] {
  checkMatrices(op, A, { square: true });
  const [L, info] = dispatchAll("linalg", [A.detach()], { op: "cholesky", upper }) as [Tensor, Tensor];
  return [record1("LinalgCholeskyExBackward0", [A], L, [L], ([g], [l]) => [choleskyBackward(g!, l!, upper)]), info];
}

/** linalg.cholesky (torch.cholesky with op "cholesky"): L with A = L Lᴴ (U with A = Uᴴ U when upper). */
export function cholesky(A: Tensor, upper: boolean, op = "linalg.cholesky"): Tensor {
  const [L, info] = choleskyRaw(op, A, upper);
  checkInfo(op, info, "cholesky");
  return L;
}

/** linalg.choleskyEx: (L, info) without raising unless checkErrors. */
export function choleskyEx(A: Tensor, upper: boolean, checkErrors: boolean): [Tensor, Tensor] {
  const [L, info] = choleskyRaw("linalg.choleskyEx", A, upper);
  if (checkErrors) checkInfo("linalg.cholesky", info, "cholesky");
  return [L, info];
}

// ---- qr ---------------------------------------------------------------------------------------

export type QrMode = "reduced" | "complete" | "r";

/** triu(M) + triu(M, 1)ᴴ: the symmetric matrix with M's upper triangle. */
const copyUpper = (M: Tensor) => M.triu().add(M.triu(1).mT);

function qrBackward(gQ: Tensor, gR: Tensor, Q: Tensor, R: Tensor): Tensor {
  const m = Q.shape[Q.ndim - 2]!, n = R.shape[R.ndim - 1]!;
  if (m >= n) {
    const M = gR.matmul(R.mT).sub(Q.mT.matmul(gQ));
    return solveTriangular(R.mT, Q.matmul(copyUpper(M)).add(gQ), false, false);
  }
  // A = [X | Y] with X = Q U square and Y = Q V: V's gradient reaches Q too
  const U = R.narrow(-1, 0, m), V = R.narrow(-1, m, n - m);
  const gU = gR.narrow(-1, 0, m), gV = gR.narrow(-1, m, n - m);
  const gQ2 = gQ.add(Q.matmul(V).matmul(gV.mT));
  const M = gU.matmul(U.mT).sub(Q.mT.matmul(gQ2));
  const gX = solveTriangular(U.mT, Q.matmul(copyUpper(M)).add(gQ2), false, false);
  return cat([gX, Q.matmul(gV)], -1);
}

/** linalg.qr (torch.qr with op "qr"): (Q, R) as LAPACK's geqrf/orgqr give them. */
export function qr(A: Tensor, mode: QrMode, op = "linalg.qr"): [Tensor, Tensor] {
  checkMatrices(op, A);
  const [Q, R] = dispatchAll("linalg", [A.detach()], { op: "qr", mode }) as [Tensor, Tensor];
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const outs = mode === "r" ? [R] : [Q, R];
  record("LinalgQrBackward0", [A], outs, mode === "r" ? [] : [Q, R], (grads, saved) => {
    if (mode === "r") {
      throw new AutogradError(`${op}: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.`);
    }
    if (mode === "complete" && m > n) throw new AutogradError(`${op}: The QR decomposition is not differentiable when mode='complete' and nrows > ncols (A of shape [${A.shape.join(", ")}]).`);
    return [qrBackward(grads[0]!, grads[1]!, saved[0]!, saved[1]!)];
  });
  return [Q, R];
}

// ---- eigh -------------------------------------------------------------------------------------

function eighBackward(gL: Tensor | null, gV: Tensor | null, L: Tensor, V: Tensor): Tensor {
  if (gV === null) return V.mul(gL!.unsqueeze(-2)).matmul(V.mT);
  const n = L.shape[L.ndim - 1]!;
  const X = V.mT.matmul(gV);
  const skew = X.sub(X.mT).mul(0.5);
  // E_ij = λ_j - λ_i off the diagonal, 1 on it (where skew(·) is 0)
  const E = L.unsqueeze(-2).sub(L.unsqueeze(-1)).add(eye(n, { dtype: L.dtype, device: L.device }));
  let inner = skew.div(E);
  if (gL !== null) inner = inner.add(gL.diagEmbed());
  return V.matmul(inner).matmul(V.mT);
}

/** linalg.eigh: (eigenvalues ascending, eigenvectors as columns) of the symmetric matrix A's UPLO triangle describes. */
export function eigh(A: Tensor, UPLO: "L" | "U"): [Tensor, Tensor] {
  checkMatrices("linalg.eigh", A, { square: true });
  const [w, V] = dispatchAll("linalg", [A.detach()], { op: "eigh", upper: UPLO === "U", vectors: true }) as [Tensor, Tensor];
  record("LinalgEighBackward0", [A], [w, V], [w, V], (grads, [l, v], _needs, defined) => [eighBackward(defined[0] ? grads[0]! : null, defined[1] ? grads[1]! : null, l!, v!)]);
  return [w, V];
}

/**
 * linalg.eigvalsh: the eigenvalues only. When A needs a gradient the eigenvectors are computed
 * too, as outputs of the recorded eigh node (so the gradient, V diag(g) Vᴴ, is differentiable
 * again through them).
 */
export function eigvalsh(A: Tensor, UPLO: "L" | "U"): Tensor {
  checkMatrices("linalg.eigvalsh", A, { square: true });
  if (!needsGrad([A])) return dispatch("linalg", [A.detach()], { op: "eigh", upper: UPLO === "U", vectors: false });
  return eigh(A, UPLO)[0];
}

// ---- svd --------------------------------------------------------------------------------------

interface SvdGrads {
  gU: Tensor | null;
  gS: Tensor | null;
  gVh: Tensor | null;
}

/** PyTorch's svd_backward on the reduced factors (U m x k, S k, Vh k x n). */
function svdBackward({ gU, gS, gVh }: SvdGrads, U: Tensor, S: Tensor, Vh: Tensor): Tensor {
  const m = U.shape[U.ndim - 2]!, n = Vh.shape[Vh.ndim - 1]!, k = S.shape[S.ndim - 1]!;
  if (gU === null && gVh === null) return U.mul(gS!.unsqueeze(-2)).matmul(Vh);
  const skew = (X: Tensor) => X.sub(X.mT);
  const S2 = S.mul(S);
  const E = S2.unsqueeze(-2).sub(S2.unsqueeze(-1)).add(eye(k, { dtype: S.dtype, device: S.device }));
  const Sr = S.unsqueeze(-2), Sc = S.unsqueeze(-1); // s_j along rows, s_i down columns
  let inner: Tensor;
  if (gU !== null && gVh !== null) inner = skew(U.mT.matmul(gU)).mul(Sr).add(Sc.mul(skew(Vh.matmul(gVh.mT)))).div(E);
  else if (gU !== null) inner = skew(U.mT.matmul(gU)).mul(Sr.div(E));
  else inner = Sc.mul(skew(Vh.matmul(gVh!.mT)).div(E));
  if (gS !== null) inner = inner.add(gS.diagEmbed());
  if (m > n && gU !== null) {
    // the part of gU outside U's span: (I - U Uᴴ) gU S⁻¹
    const gUSinv = gU.div(Sr);
    return U.matmul(inner).add(gUSinv).sub(U.matmul(U.mT.matmul(gUSinv))).matmul(Vh);
  }
  if (m < n && gVh !== null) {
    const SinvgVh = gVh.div(Sc);
    return U.matmul(inner.matmul(Vh).add(SinvgVh).sub(SinvgVh.matmul(Vh.mT).matmul(Vh)));
  }
  return U.matmul(inner).matmul(Vh);
}

export interface SvdParts {
  U: Tensor | null;
  S: Tensor;
  Vh: Tensor | null;
}

/**
 * A = U diag(S) Vh, recorded: `full` gives the square U and Vh (their gradient reads the
 * first k columns and rows, as PyTorch's); without `vectors` only S (the vectors are still
 * computed for the gradient when A needs one).
 */
export function svdParts(op: string, A: Tensor, fullMatrices: boolean, vectors: boolean): SvdParts {
  checkMatrices(op, A);
  checkFinite(op, A);
  const k = Math.min(A.shape[A.ndim - 2]!, A.shape[A.ndim - 1]!);
  // without vectors they are still computed when A needs a gradient, as outputs of the recorded
  // node (the gradient U diag(g) Vh is then differentiable again through them)
  if (!vectors && !needsGrad([A])) return { U: null, S: dispatch("linalg", [A.detach()], { op: "svd", full: false, vectors: false }), Vh: null };
  const full = vectors && fullMatrices;
  const outs = dispatchAll("linalg", [A.detach()], { op: "svd", full, vectors: true }) as [Tensor, Tensor, Tensor];
  record("LinalgSvdBackward0", [A], outs, outs, (grads, [U, S, Vh], _needs, defined) => {
    const narrowU = (t: Tensor) => (full ? t.narrow(-1, 0, k) : t), narrowVh = (t: Tensor) => (full ? t.narrow(-2, 0, k) : t);
    const g: SvdGrads = {
      gU: defined[0] ? narrowU(grads[0]!) : null,
      gS: defined[1] ? grads[1]! : null,
      gVh: defined[2] ? narrowVh(grads[2]!) : null,
    };
    return [svdBackward(g, narrowU(U!), S!, narrowVh(Vh!))];
  });
  return vectors ? { U: outs[0], S: outs[1], Vh: outs[2] } : { U: null, S: outs[1], Vh: null };
}

/** `driver=` is cuSOLVER's choice in PyTorch: on these backends there is one algorithm. */
export function checkSvdDriver(op: string, driver: string | null): void {
  if (driver !== null) throw new ArgumentError(`torch.${op}: keyword argument \`driver=\` is only supported on CUDA inputs with cuSOLVER backend.`);
}

/** linalg.svd: (U, S, Vh). */
export function svd(A: Tensor, fullMatrices: boolean, driver: string | null): [Tensor, Tensor, Tensor] {
  checkSvdDriver("linalg.svd", driver);
  const { U, S, Vh } = svdParts("linalg.svd", A, fullMatrices, true);
  return [U!, S, Vh!];
}

/** linalg.svdvals: the singular values, descending. */
export function svdvals(A: Tensor, driver: string | null): Tensor {
  checkSvdDriver("linalg.svdvals", driver);
  return svdParts("linalg.svdvals", A, false, false).S;
}

/**
 * torch.svd: (U, S, V) with V, not Vh; `some` the reduced factors. Without computeUv, U and V
 * are zero-filled m x m and n x n matrices, as PyTorch's.
 */
export function torchSvd(A: Tensor, some: boolean, computeUv: boolean): [Tensor, Tensor, Tensor] {
  const { U, S, Vh } = svdParts("svd", A, !some, computeUv);
  if (computeUv) return [U!, S, Vh!.mT];
  const batch = A.shape.slice(0, -2), m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const opts = { dtype: A.dtype, device: A.device };
  return [zeros([...batch, m, m], opts), S, zeros([...batch, n, n], opts)];
}

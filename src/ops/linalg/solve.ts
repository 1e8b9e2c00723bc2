/**
 * What the LU factorization gives (the `linalg` primitive's "lu"): linalg.solve, inv/invEx,
 * det, slogdet and torch.logdet, each with PyTorch's gradient:
 *   solve:   gB = A⁻ᴴ gX, gA = -gB Xᴴ (right-hand: gB = gX A⁻ᴴ, gA = -Xᴴ gB)
 *   inv:     gA = -Xᴴ g Xᴴ
 *   det:     gA = g·det·A⁻ᴴ, and at a singular A the cofactor matrix from the SVD
 *   slogdet: gA = g_logabsdet·A⁻ᴴ (the sign is not differentiable)
 */
import { dispatch, dispatchAll } from "../../backend/dispatcher.js";
import { record1 } from "../../autograd/record.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { ShapeError } from "../../errors.js";
import { eye } from "../../tensor/creation.js";
import { readHost } from "../../tensor/host_read.js";
import type { Tensor } from "../../tensor/tensor.js";
import { where } from "../elementwise.js";
import { cat } from "../shape_ops.js";
import { reduceGradToShape } from "../helpers.js";
import { broadcastBatch, checkInfo, checkMatrices, checkSameDType, isVectorRhs, matrixSize, type InfoKind } from "./checks.js";
import { svdParts } from "./factorizations.js";

interface LU {
  LU: Tensor;
  pivots: Tensor;
  perm: Tensor;
  info: Tensor;
}

/** The LU factorization of A's matrices (no autograd). */
function luOf(A: Tensor): LU {
  const [LU, pivots, perm, info] = dispatchAll("linalg", [A.detach()], { op: "lu" }) as [Tensor, Tensor, Tensor, Tensor];
  return { LU, pivots, perm, info };
}

/** A⁻¹ B from A's LU, B with the same batch dims: P·B, then L and U substitutions. */
function luSolve(f: LU, B: Tensor): Tensor {
  const PB = B.gather(-2, f.perm.unsqueeze(-1).expand(B.shape));
  const Y = dispatch("linalg", [f.LU, PB], { op: "solveTriangular", upper: false, unitriangular: true });
  return dispatch("linalg", [f.LU, Y], { op: "solveTriangular", upper: true, unitriangular: false });
}

/** A⁻¹ B and LU's info, both with the broadcast batch dims of A and B; `kind` names the error raised where A is singular (null: none). */
function solveRaw(op: string, A: Tensor, B: Tensor, kind: InfoKind | null): [Tensor, Tensor] {
  const [Ab, Bb] = broadcastBatch(op, A, B);
  const f = luOf(A);
  if (kind !== null) checkInfo(kind === "solve" ? "torch.linalg.solve" : op, f.info, kind);
  const batch = Ab.shape.slice(0, -2);
  const expand = (t: Tensor, last: number) => t.expand([...batch, ...t.shape.slice(t.ndim - last)]);
  return [luSolve({ ...f, LU: expand(f.LU, 2), perm: expand(f.perm, 1) }, Bb.detach()), expand(f.info, 0).clone()];
}

/** linalg.solve(A, B, left): A X = B (X A = B), B a matrix or PyTorch's vector case, batches broadcast. */
export function solve(A: Tensor, B: Tensor, left = true, check = true, op = "linalg.solve"): Tensor {
  return solveWithInfo(A, B, left, check, op)[0];
}

/** linalg.solveEx: (result, info), raising only with checkErrors. */
export function solveEx(A: Tensor, B: Tensor, left: boolean, checkErrors: boolean): [Tensor, Tensor] {
  return solveWithInfo(A, B, left, checkErrors, "linalg.solveEx");
}

function solveWithInfo(A: Tensor, B: Tensor, left: boolean, check: boolean, op: string): [Tensor, Tensor] {
  checkMatrices(op, A, { square: true });
  checkSameDType(op, A, B);
  const vector = isVectorRhs(A, B);
  const Bm = vector ? B.unsqueeze(-1) : B;
  checkMatrices(op, Bm, { name: "B" });
  const n = A.shape[A.ndim - 1]!;
  if ((left ? Bm.shape[Bm.ndim - 2] : Bm.shape[Bm.ndim - 1]) !== n) {
    throw new ShapeError(`${op}: Incompatible shapes of A and B for the equation ${left ? "AX = B" : "XA = B"} (${matrixSize(A)} and ${matrixSize(Bm)})`);
  }
  const kind = check ? "solve" : null;
  // X A = B is Aᵀ Xᵀ = Bᵀ
  const [Xm0, info] = left ? solveRaw(op, A.detach(), Bm.detach(), kind) : solveRaw(op, A.detach().mT, Bm.detach().mT, kind);
  const Xm = left ? Xm0 : Xm0.mT;
  const X = vector ? Xm.squeeze(-1) : Xm;
  const out = record1("LinalgSolveExBackward0", [A, B], X, [A, X], ([g], [a, x], needs) => {
    const gB = solve(a!.mT, g!, left, false, op);
    const gBm = vector ? gB.unsqueeze(-1) : gB, xm = vector ? x!.unsqueeze(-1) : x!;
    const gA = needs[0] ? reduceGradToShape((left ? gBm.matmul(xm.mT) : xm.mT.matmul(gBm)).neg(), a!.shape) : null;
    return [gA, needs[1] ? reduceGradToShape(gB, B.shape) : null];
  });
  return [out, info];
}

/** The inverse and LU's info (no check, no autograd). */
function invRaw(A: Tensor): [Tensor, Tensor] {
  const n = A.shape[A.ndim - 1]!;
  const f = luOf(A);
  const I = eye(n, { dtype: A.dtype, device: A.device }).expand(A.shape);
  return [luSolve(f, I), f.info];
}

/** A⁻¹ recorded with its gradient -Xᴴ g Xᴴ. */
function recordInv(A: Tensor, X: Tensor): Tensor {
  return record1("LinalgInvExBackward0", [A], X, [X], ([g], [x]) => [x!.mT.matmul(g!).matmul(x!.mT).neg()]);
}

/** linalg.inv (torch.inverse): raises LinAlgError for a singular matrix, as PyTorch. */
export function inv(A: Tensor, op = "linalg.inv"): Tensor {
  checkMatrices(op, A, { square: true });
  const [X, info] = invRaw(A);
  checkInfo(op, info, "inv");
  return recordInv(A, X);
}

/** linalg.invEx: (inverse, info), raising only with checkErrors. */
export function invEx(A: Tensor, checkErrors: boolean): [Tensor, Tensor] {
  const op = "linalg.invEx";
  checkMatrices(op, A, { square: true });
  const [X, info] = invRaw(A);
  if (checkErrors) checkInfo("linalg.inv", info, "inv");
  return [recordInv(A, X), info];
}

/** The sign of each LU's row permutation (±1, A's dtype): (-1)^(number of pivots that swapped). */
function permutationSign(f: LU, A: Tensor): Tensor {
  const n = f.pivots.shape[f.pivots.ndim - 1]!;
  const steps = dispatch("range", [], { start: 1, step: 1, n, dtype: "int32" }, A.device);
  // a product of ±1 per step rather than a count's parity: no int64 arithmetic (which a GPU may lack)
  return where(f.pivots.ne(steps), -1, 1).to(A.dtype).prod(-1);
}

/** The diagonal of U (LU's), [..., n]. */
const uDiagonal = (f: LU) => f.LU.diagonal(0, -2, -1);

/** Each i: the product of the other entries of S along the last dim (exclusive products from both ends). */
function productOfOthers(S: Tensor): Tensor {
  const ones = S.narrow(-1, 0, 1).mul(0).add(1);
  const k = S.shape[S.ndim - 1]!;
  const before = cat([ones, S.narrow(-1, 0, k - 1).cumprod(-1)], -1);
  const after = cat([ones, S.flip(-1).narrow(-1, 0, k - 1).cumprod(-1)], -1).flip(-1);
  return before.mul(after);
}

/**
 * det's gradient at any A: g times the cofactor matrix. Small matrices take it as a polynomial
 * in A (Faddeev–LeVerrier: adj(A) = (-1)^(n+1) M_n), so its own derivative, det's second, is
 * right at a singular A too (through the SVD it is NaN where singular values repeat, as at rank
 * n-2 or lower); larger ones, where the polynomial loses precision, through the SVD.
 */
function cofactorGrad(A: Tensor, g: Tensor): Tensor {
  const n = A.shape[A.ndim - 1]!;
  if (n <= 8) return adjugateByCharPoly(A).mT.mul(g.unsqueeze(-1).unsqueeze(-1));
  return cofactorGradBySvd(A, g);
}

/** adj(A) by the Faddeev–LeVerrier recurrence: M_k = A M_(k-1) + c_(n-k+1) I, c_(n-k) = -tr(A M_k) / k. */
function adjugateByCharPoly(A: Tensor): Tensor {
  const n = A.shape[A.ndim - 1]!;
  const I = eye(n, { dtype: A.dtype, device: A.device });
  let M = A.mul(0), c: Tensor | number = 1;
  for (let k = 1; k <= n; k++) {
    M = A.matmul(M).add(I.mul(typeof c === "number" ? c : c.unsqueeze(-1).unsqueeze(-1)));
    if (k < n) c = A.matmul(M).diagonal(0, -2, -1).sum(-1).div(-k);
  }
  return n % 2 === 1 ? M : M.neg();
}

/** det's gradient through the SVD: U diag(Π_{j≠i} s_j) Vh · det(U) det(Vh). */
function cofactorGradBySvd(A: Tensor, g: Tensor): Tensor {
  const { U, S, Vh } = svdParts("linalg.det", A, false, true);
  const alpha = noGrad(() => det(U!).mul(det(Vh!)));
  return U!.mul(productOfOthers(S).mul(g.mul(alpha).unsqueeze(-1)).unsqueeze(-2)).matmul(Vh!);
}

/** linalg.det (torch.det). */
export function det(A: Tensor): Tensor {
  const op = "linalg.det";
  checkMatrices(op, A, { square: true });
  const f = luOf(A);
  const d = noGrad(() => uDiagonal(f).prod(-1).mul(permutationSign(f, A)));
  return record1("LinalgDetBackward0", [A], d, [A, d], ([g], [a, dv]) => {
    const n = a!.shape[a!.ndim - 1]!;
    if (n === 0) return [a!.mul(0)];
    const singular = dv!.eq(0);
    // PyTorch masks the singular matrices out (a host read of the mask, as its index_put)
    const anySingular = singular.storage.memory === null && readHost<Uint8Array>(singular.any().reshape([1]), op)[0] === 1;
    const I = eye(n, { dtype: a!.dtype, device: a!.device });
    const safe = anySingular ? where(singular.unsqueeze(-1).unsqueeze(-1), I, a!) : a!;
    const [x] = invRaw(safe.detach());
    const gA = recordInv(safe, x).mT.mul(g!.mul(dv!).unsqueeze(-1).unsqueeze(-1));
    if (!anySingular) return [gA];
    return [where(singular.unsqueeze(-1).unsqueeze(-1), cofactorGrad(a!, g!), gA)];
  });
}

/** linalg.slogdet: (sign, logabsdet); sign 0 and logabsdet -inf where A is singular. */
export function slogdet(A: Tensor, op = "linalg.slogdet"): [Tensor, Tensor] {
  checkMatrices(op, A, { square: true });
  const f = luOf(A);
  const [sign, logabsdet] = noGrad(() => {
    const diag = uDiagonal(f);
    return [diag.sign().prod(-1).mul(permutationSign(f, A)), diag.abs().log().sum(-1)];
  });
  const lad = record1("LinalgSlogdetBackward0", [A], logabsdet, [A], ([g], [a]) => {
    const [x] = invRaw(a!.detach());
    return [recordInv(a!, x).mT.mul(g!.unsqueeze(-1).unsqueeze(-1))];
  });
  return [sign, lad];
}

/** torch.logdet: log det(A), NaN where det < 0 (-inf where singular). */
export function logdet(A: Tensor): Tensor {
  const [sign, logabsdet] = slogdet(A, "logdet");
  return where(sign.eq(-1), NaN, logabsdet);
}

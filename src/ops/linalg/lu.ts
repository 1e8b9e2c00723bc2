/**
 * The LU family as PyTorch 1.13 has it: linalg.luFactor / luFactorEx / lu / luSolve and the
 * torch.* forms torch.lu (LU, pivots[, infos]), torch.luSolve(b, LU, pivots) and
 * torch.luUnpack, on the `linalg` primitive's "lu" (getrf with partial pivoting, any m x n).
 * Pivots are LAPACK's: 1-based int32, row j swapped with row pivots[j] at step j.
 *
 * Gradients: luFactor/luFactorEx record PyTorch's lu_factor_ex_backward (the LU matrix's
 * gradient split into L's strict lower and U's upper part, then linalg_lu_backward); lu is the
 * factorization followed by luUnpack, whose tril/triu/narrow are differentiable ops; luSolve is
 * a permutation and two triangular solves on LU's triangles, so its gradient with respect to
 * LU and B is the composition's (equal to PyTorch's linalg_lu_solve_LU formula).
 */
import { dispatchAll } from "../../backend/dispatcher.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { record1 } from "../../autograd/record.js";
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { arange, eye, zeros } from "../../tensor/creation.js";
import { readHost } from "../../tensor/host_read.js";
import type { Tensor } from "../../tensor/tensor.js";
import { where } from "../elementwise.js";
import { cat } from "../shape_ops.js";
import { broadcastShapes } from "../../tensor/shape.js";
import { checkFloatingInput, checkInfo, checkMatrices, checkSameDType, matrixSize } from "./checks.js";
import { solveTriangular } from "./triangular.js";

const rowsOf = (t: Tensor) => t.shape[t.ndim - 2]!;
const colsOf = (t: Tensor) => t.shape[t.ndim - 1]!;

/** PyTorch's checks of lu_factor's input (its own wording for a 1-D input). */
function checkLuInput(op: string, A: Tensor, pivot: boolean): void {
  if (A.ndim < 2) throw new ShapeError(`${op}: Expected tensor with 2 or more dimensions. Got size: ${fmtShape(A.shape)} instead`);
  checkFloatingInput(op, A);
  if (!pivot) throw new ArgumentError(`${op}: LU without pivoting is not implemented on the CPU (PyTorch has it on CUDA only; pass pivot=true)`);
}

// ---- unpacking ------------------------------------------------------------------------------

/**
 * perm [..., m] (int32) from LAPACK's pivots [..., k]: row i of P⁻¹A is row perm[i] of A
 * (the swaps applied in order, as tensor ops: nothing is read on the host).
 */
export function permutationOf(pivots: Tensor, m: number): Tensor {
  return noGrad(() => {
    const k = colsOf1(pivots);
    const idx = arange(m, { dtype: "int32", device: pivots.device });
    let perm = idx.expand([...pivots.shape.slice(0, -1), m]).clone();
    for (let j = 0; j < k; j++) {
      const p = pivots.narrow(-1, j, 1).sub(1);
      const atJ = perm.narrow(-1, j, 1), atP = perm.gather(-1, p);
      perm = where(idx.eq(j), atP, where(idx.eq(p), atJ, perm));
    }
    return perm;
  });
}

const colsOf1 = (t: Tensor) => t.shape[t.ndim - 1]!;

/** PyTorch's P (A = P L U) from perm: P[r, i] = 1 where perm[i] = r, in `dtype`. */
export function permutationMatrix(perm: Tensor, m: number, dtype: Tensor["dtype"]): Tensor {
  return noGrad(() => arange(m, { dtype: "int32", device: perm.device }).unsqueeze(-1).eq(perm.unsqueeze(-2)).to(dtype));
}

/** L (m x k, unit lower) and U (k x n, upper) from a packed LU, as differentiable ops. */
function unpackData(LU: Tensor): [Tensor, Tensor] {
  const m = rowsOf(LU), n = colsOf(LU), k = Math.min(m, n);
  const L = (k === n ? LU : LU.narrow(-1, 0, k)).tril(-1).add(eye(m, k, { dtype: LU.dtype, device: LU.device }));
  const U = (k === m ? LU : LU.narrow(-2, 0, k)).triu();
  return [L, U];
}

/** lu_unpack's check of pivot values (1 <= p <= m), read on the host where that is possible. */
function checkPivotValues(pivots: Tensor, m: number): void {
  if (pivots.storage.memory !== null || pivots.numel() === 0) return;
  const v = readHost<Int32Array>(pivots.contiguous().reshape([-1]), "luUnpack");
  for (const p of v) {
    if (p < 1 || p > m) {
      throw new IndexError(`pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive.Did you properly pass the result of lu_factor? (got ${p} with LU.size(-2) = ${m})`);
    }
  }
}

/** The pivots' checks of lu_unpack (dtype, shape against LU's) and values. */
function checkPivots(op: string, LU: Tensor, pivots: Tensor): void {
  if (pivots.dtype !== "int32") throw new DTypeError(`${op}: LU_pivots is expected to be a contiguous tensor of torch.int32 dtype. (got ${pivots.dtype})`);
  const k = Math.min(rowsOf(LU), colsOf(LU));
  const want = [...LU.shape.slice(0, -2), k];
  if (pivots.ndim !== want.length || pivots.shape.some((s, d) => s !== want[d])) {
    throw new ShapeError(`${op}: expected pivots of shape ${fmtShape(want)} for LU of shape ${fmtShape(LU.shape)}, got ${fmtShape(pivots.shape)}`);
  }
  checkPivotValues(pivots, rowsOf(LU));
}

/** torch.luUnpack: (P, L, U) with A = P L U; without unpackData L and U are empty, without unpackPivots P is. */
export function luUnpack(LU: Tensor, pivots: Tensor, unpackData_ = true, unpackPivots = true): [Tensor, Tensor, Tensor] {
  const op = "luUnpack";
  if (LU.ndim < 2) throw new ShapeError(`${op}: Expected tensor with 2 or more dimensions. Got size: ${fmtShape(LU.shape)} instead`);
  if (LU.dtype === "bool") throw new DTypeError(`${op}: not implemented for bool tensors`);
  checkPivots(op, LU, pivots);
  const empty = () => zeros([0], { dtype: LU.dtype, device: LU.device });
  const [L, U] = unpackData_ ? unpackData(LU) : [empty(), empty()];
  const m = rowsOf(LU);
  const P = unpackPivots ? permutationMatrix(permutationOf(pivots, m), m, LU.dtype) : empty();
  return [P, L, U];
}

// ---- factorization and its gradient -----------------------------------------------------------

/**
 * PyTorch's linalg_lu_backward: A's gradient from those of L (m x k) and U (k x n) for
 * A = P L U (square, wide and tall A). (PyTorch's also takes a missing gL or gU; here both
 * come from the LU matrix's gradient, so both are there.)
 */
export function luBackward(gL: Tensor, gU: Tensor, P: Tensor, L: Tensor, U: Tensor): Tensor {
  const m = rowsOf(L), n = colsOf(U), k = Math.min(m, n);
  if (m === n) {
    // P L⁻ᴴ (tril(Lᴴ gL, -1) + triu(gU Uᴴ)) U⁻ᴴ
    const gA = solveTriangular(U.mT, L.mT.matmul(gL).tril(-1).add(gU.matmul(U.mT).triu()), false, false);
    return P.matmul(solveTriangular(L.mT, gA, true, true, true));
  }
  if (m < n) {
    // wide, U = [U1 U2]: A1 = P L U1 as the square case, A2's gradient P L⁻ᴴ gU2
    const gX = solveTriangular(U.narrow(-1, 0, k).mT, L.mT.matmul(gL).sub(gU.triu().matmul(U.mT)).tril(-1), false, false);
    const gA = cat([gX.add(gU.narrow(-1, 0, k).triu()), gU.narrow(-1, k, n - k)], -1);
    return P.matmul(solveTriangular(L.mT, gA, true, true, true));
  }
  // tall, L = [L1; L2]: A1 = P1 L1 U as the square case, A2's gradient gL2 U⁻ᴴ
  const gX = solveTriangular(L.narrow(-2, 0, k).mT, gU.matmul(U.mT).sub(L.mT.matmul(gL.tril(-1))).triu(), true, true, true);
  const gA = cat([gX.add(gL.narrow(-2, 0, k).tril(-1)), gL.narrow(-2, k, m - k)], -2);
  return P.matmul(solveTriangular(U.mT, gA, false, false));
}

interface Factored {
  LU: Tensor;
  pivots: Tensor;
  perm: Tensor;
  info: Tensor;
}

/** getrf of A's matrices, LU recorded with lu_factor_ex_backward. */
function factor(op: string, A: Tensor, pivot: boolean): Factored {
  checkLuInput(op, A, pivot);
  const [LU0, pivots, perm, info] = dispatchAll("linalg", [A.detach()], { op: "lu" }) as [Tensor, Tensor, Tensor, Tensor];
  const m = rowsOf(A), n = colsOf(A), k = Math.min(m, n);
  const LU = record1("LinalgLuFactorExBackward0", [A], LU0, [LU0, perm], ([g], [lu, pm]) => {
    const [L, U] = unpackData(lu!);
    const P = permutationMatrix(pm!, m, lu!.dtype);
    return [luBackward(k === n ? g! : g!.narrow(-1, 0, k), k === m ? g! : g!.narrow(-2, 0, k), P, L, U)];
  });
  return { LU, pivots, perm, info };
}

/** linalg.luFactorEx: (LU, pivots, info), raising only with checkErrors. */
export function luFactorEx(A: Tensor, pivot: boolean, checkErrors: boolean, op = "linalg.luFactorEx"): [Tensor, Tensor, Tensor] {
  const f = factor(op, A, pivot);
  if (checkErrors) checkInfo(op, f.info, "lu");
  return [f.LU, f.pivots, f.info];
}

/** linalg.luFactor: (LU, pivots); an exactly zero pivot raises PyTorch's error. */
export function luFactor(A: Tensor, pivot: boolean): [Tensor, Tensor] {
  const op = "linalg.luFactor";
  const f = factor(op, A, pivot);
  checkInfo(op, f.info, "lu");
  return [f.LU, f.pivots];
}

/** linalg.lu: (P, L, U) with A = P L U (no error for a singular A, as PyTorch). */
export function lu(A: Tensor, pivot: boolean): [Tensor, Tensor, Tensor] {
  const f = factor("linalg.lu", A, pivot);
  const [L, U] = unpackData(f.LU);
  return [permutationMatrix(f.perm, rowsOf(A), A.dtype), L, U];
}

/** torch.lu: [LU, pivots] or, with getInfos, [LU, pivots, infos] (never raising for a singular A, as PyTorch 1.13). */
export function torchLu(A: Tensor, pivot: boolean, getInfos: boolean): Tensor[] {
  const f = factor("lu", A, pivot);
  return getInfos ? [f.LU, f.pivots, f.info] : [f.LU, f.pivots];
}

// ---- solving ---------------------------------------------------------------------------------

/** A X = B (Aᴴ X = B with adjoint) from A's LU and P, batches broadcast. */
function solveLeft(op: string, LU: Tensor, P: Tensor, B: Tensor, adjoint: boolean): Tensor {
  if (!adjoint) {
    const Y = solveTriangular(LU, P.mT.matmul(B), false, true, true, op);
    return solveTriangular(LU, Y, true, true, false, op);
  }
  // Uᵀ Lᵀ Pᵀ X = B
  const Y = solveTriangular(LU.mT, B, false, true, false, op);
  return P.matmul(solveTriangular(LU.mT, Y, true, true, true, op));
}

/** linalg.luSolve: X with A X = B (Aᴴ X = B with adjoint; X A = B, X Aᴴ = B when left is false). */
export function luSolve(LU: Tensor, pivots: Tensor, B: Tensor, left: boolean, adjoint: boolean, op = "linalg.luSolve"): Tensor {
  checkFloatingInput(op, LU);
  checkSameDType(op, LU, B, ["LU", "B"]);
  if (pivots.dtype !== "int32") throw new DTypeError(`${op}: pivots should be a Tensor of scalar type torch.int32 (got ${pivots.dtype})`);
  checkMatrices(op, LU, { square: true });
  if (B.ndim < 2) throw new ShapeError(`${op}: The input tensor B must have at least 2 dimensions. (got shape ${fmtShape(B.shape)})`);
  const n = colsOf(LU);
  if ((left ? rowsOf(B) : colsOf(B)) !== n) {
    throw new ShapeError(`${op}: Incompatible shapes of A and B for the equation ${left ? "AX = B" : "XA = B"} (${matrixSize(LU)} and ${matrixSize(B)})`);
  }
  if (pivots.ndim === 0 || colsOf1(pivots) !== n) throw new ShapeError(`${op}: Number of pivots per batch should be same as the dimension of the matrix (pivots of shape ${fmtShape(pivots.shape)}, LU of shape ${fmtShape(LU.shape)})`);
  const want = LU.shape.slice(0, -1);
  if (pivots.ndim !== want.length || pivots.shape.some((s, d) => s !== want[d])) {
    throw new ShapeError(`${op}: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape ${fmtShape(pivots.shape)} instead (LU of shape ${fmtShape(LU.shape)})`);
  }
  broadcastShapes(op, B.shape.slice(0, -2), LU.shape.slice(0, -2));
  checkPivotValues(pivots, n);
  const P = permutationMatrix(permutationOf(pivots, n), n, LU.dtype);
  // X A = B is Aᵀ Xᵀ = Bᵀ, and X Aᵀ = B is A Xᵀ = Bᵀ
  return left ? solveLeft(op, LU, P, B, adjoint) : solveLeft(op, LU, P, B.mT, !adjoint).mT;
}

/** torch.luSolve(b, LU_data, LU_pivots): linalg.luSolve(LU, pivots, b) (whose name its errors carry, as PyTorch's). */
export function torchLuSolve(b: Tensor, LU: Tensor, pivots: Tensor): Tensor {
  return luSolve(LU, pivots, b, true, false);
}

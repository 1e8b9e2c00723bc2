/**
 * Bunch-Kaufman LDLᵀ as PyTorch 1.13 has it for real matrices: linalg.ldlFactor / ldlFactorEx
 * (LAPACK's sytrf with uplo "L", on the `linalg` primitive's "ldl") and linalg.ldlSolve
 * (LAPACK's sytrs, composed here from tensor ops).
 *
 * The layout is LAPACK's, which PyTorch returns unchanged (its upper triangle zeroed): LD holds
 * D's 1x1 and 2x2 blocks on the diagonal, a 2x2 block's off-diagonal element just below it, and
 * L's multipliers below the rest; pivots (int32, 1-based) say, per step k, pivots[k] > 0: a 1x1
 * block, rows and columns k and pivots[k] - 1 interchanged; pivots[k] = pivots[k+1] < 0: a 2x2
 * block, k + 1 and -pivots[k] - 1 interchanged. L is in LAPACK's factored form: a step's
 * multipliers are not moved by later interchanges. So A = P L̃ D L̃ᵀ Pᵀ where L̃ is L with the
 * later interchanges applied to the earlier columns and P the interchanges in order; ldlSolve
 * builds P and L̃ with tensor ops (nothing read on the host) and solves
 * X = P L̃⁻ᵀ D⁻¹ L̃⁻¹ Pᵀ B.
 *
 * For real inputs `hermitian` changes nothing (PyTorch takes both). PyTorch 1.13 has no
 * derivative for either op; differentiating them raises, as there.
 */
import { dispatchAll } from "../../backend/dispatcher.js";
import { isGradEnabled } from "../../autograd/grad_mode.js";
import { AutogradError, DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { arange, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { where } from "../elementwise.js";
import { cat } from "../shape_ops.js";
import { broadcastShapes } from "../../tensor/shape.js";
import { checkFloatingInput, checkInfo, checkMatrices } from "./checks.js";
import { permutationMatrix, permutationOf } from "./lu.js";
import { solveTriangular } from "./triangular.js";

/** PyTorch 1.13 raises where autograd would need a derivative it does not have. */
function refuseGrad(op: string, ...ts: Tensor[]): void {
  if (isGradEnabled() && ts.some((t) => t.requiresGrad)) {
    throw new AutogradError(`${op}: the derivative for '${op}' is not implemented (as in PyTorch 1.13); call it on a detached tensor, or use linalg.solve for a differentiable solve`);
  }
}

/** linalg.ldlFactorEx: (LD, pivots, info), raising for a singular D only with checkErrors. */
export function ldlFactorEx(A: Tensor, checkErrors: boolean, op = "linalg.ldlFactorEx"): [Tensor, Tensor, Tensor] {
  checkMatrices(op, A, { square: true });
  refuseGrad(op, A);
  const [LD, pivots, info] = dispatchAll("linalg", [A], { op: "ldl" }) as [Tensor, Tensor, Tensor];
  if (checkErrors) checkInfo(op, info, "ldl");
  return [LD, pivots, info];
}

/**
 * linalg.ldlFactor: (LD, pivots); an exactly zero block of D raises (PyTorch 1.13 raises an
 * internal assert there, "Unknown error code"; this says what happened).
 */
export function ldlFactor(A: Tensor): [Tensor, Tensor] {
  const [LD, pivots, info] = ldlFactorEx(A, false, "linalg.ldlFactor");
  checkInfo("linalg.ldlFactor", info, "ldl");
  return [LD, pivots];
}

/** The step each pivot belongs to: isSecond[k] where k closes a 2x2 block (pairs of negatives, counted from each run's start). */
function secondOfPair(pivots: Tensor): Tensor {
  const n = pivots.shape[pivots.ndim - 1]!;
  const neg = pivots.lt(0);
  const parts: Tensor[] = [];
  let prevNeg: Tensor | null = null, prevSecond: Tensor | null = null;
  for (let k = 0; k < n; k++) {
    const nk = neg.narrow(-1, k, 1);
    const second: Tensor = prevNeg === null ? nk.logicalAnd(false) : nk.logicalAnd(prevNeg).logicalAnd(prevSecond!.logicalNot());
    parts.push(second);
    [prevNeg, prevSecond] = [nk, second];
  }
  return n === 0 ? neg : cat(parts, -1);
}

/**
 * P (as a permutation matrix: Pᵀ B applies the interchanges in order), L̃ (unit lower, the later
 * interchanges applied to earlier columns) and the masks of D's 2x2 blocks' first and second rows.
 */
function unpackLdl(LD: Tensor, pivots: Tensor): { P: Tensor; L: Tensor; first: Tensor; second: Tensor } {
  const n = LD.shape[LD.ndim - 1]!;
  const second = secondOfPair(pivots);
  const first = pivots.lt(0).logicalAnd(second.logicalNot());
  // the row each step swaps with (0-based): |pivot| - 1 at a 1x1 or a block's second step, itself at a block's first
  const idx = arange(n, { dtype: "int32", device: LD.device });
  const partner = where(first, idx, pivots.abs().sub(1)).to("int32");
  const P = permutationMatrix(permutationOf(partner.add(1), n), n, LD.dtype);
  // L without D's 2x2 off-diagonal elements, then each step's swap applied to the columns before its block
  const sub = LD.tril(-1);
  const firstCol = first.unsqueeze(-2); // [..., 1, n]: column k starts a 2x2 block
  const rows = idx.unsqueeze(-1), cols = idx.unsqueeze(-2);
  let L = where(rows.eq(cols.add(1)).logicalAnd(firstCol), 0, sub);
  for (let k = 0; k < n; k++) {
    const p = partner.narrow(-1, k, 1); // [..., 1]
    const start = where(second.narrow(-1, k, 1), k - 1, k); // the columns before the block are swapped
    const colMask = cols.lt(start.unsqueeze(-1)); // [..., 1, n]
    const rowK = L.narrow(-2, k, 1);
    const rowP = L.gather(-2, p.unsqueeze(-1).expand([...p.shape.slice(0, -1), 1, n]).to("int64"));
    const atK = rows.eq(k).logicalAnd(colMask), atP = rows.eq(p.unsqueeze(-1)).logicalAnd(colMask);
    L = where(atK, rowP, where(atP, rowK, L));
  }
  const eye = rows.eq(cols).to(LD.dtype);
  return { P, L: L.add(eye), first, second };
}

/** D⁻¹ Y for D's 1x1 and 2x2 blocks (as sytrs: division by a zero block gives inf/NaN, not an error). */
function solveBlockDiagonal(LD: Tensor, first: Tensor, second: Tensor, Y: Tensor): Tensor {
  const n = LD.shape[LD.ndim - 1]!;
  const d = LD.diagonal(0, -2, -1);
  const one = (t: Tensor) => zeros([...t.shape.slice(0, -1), 1], { dtype: t.dtype, device: t.device }).add(1);
  const zero = (t: Tensor) => zeros([...t.shape.slice(0, -1), 1], { dtype: t.dtype, device: t.device });
  const e = cat([LD.diagonal(-1, -2, -1), zero(d)], -1); // e[k] = LD[k+1, k]
  const dNext = cat([d.narrow(-1, 1, n - 1), one(d)], -1), dPrev = cat([one(d), d.narrow(-1, 0, n - 1)], -1);
  const ePrev = cat([zero(e), e.narrow(-1, 0, n - 1)], -1);
  const detFirst = d.mul(dNext).sub(e.mul(e)), detSecond = dPrev.mul(d).sub(ePrev.mul(ePrev));
  const diagInv = where(first, dNext.div(detFirst), where(second, dPrev.div(detSecond), d.reciprocal()));
  const offFirst = e.neg().div(detFirst), offSecond = ePrev.neg().div(detSecond);
  const k = Y.shape[Y.ndim - 1]!;
  const zeroRow = zeros([...Y.shape.slice(0, -2), 1, k], { dtype: Y.dtype, device: Y.device });
  const yNext = cat([Y.narrow(-2, 1, n - 1), zeroRow], -2), yPrev = cat([zeroRow, Y.narrow(-2, 0, n - 1)], -2);
  const col = (t: Tensor) => t.unsqueeze(-1);
  return diagInv.unsqueeze(-1).mul(Y)
    .add(where(col(first), col(offFirst).mul(yNext), 0))
    .add(where(col(second), col(offSecond).mul(yPrev), 0));
}

/** linalg.ldlSolve: X with A X = B from ldlFactor's (LD, pivots); batches broadcast. */
export function ldlSolve(LD: Tensor, pivots: Tensor, B: Tensor): Tensor {
  const op = "linalg.ldlSolve";
  checkMatrices(op, LD, { square: true, name: "LD" });
  if (B.ndim < 2) throw new ShapeError(`${op}: The input tensor B must have at least 2 dimensions (got shape ${fmtShape(B.shape)}); for a vector b pass b.unsqueeze(-1)`);
  if (pivots.dtype !== "int32" && pivots.dtype !== "int64") throw new DTypeError(`${op}: Expected pivots to be integers. Got ${pivots.dtype}`);
  const want = LD.shape.slice(0, -1);
  if (pivots.ndim !== want.length || pivots.shape.some((s, d) => s !== want[d])) {
    throw new ShapeError(`${op}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with shape ${fmtShape(pivots.shape)} instead (LD of shape ${fmtShape(LD.shape)})`);
  }
  checkFloatingInput(op, B);
  if (B.dtype !== LD.dtype) throw new DTypeError(`${op}: Expected B and LD to have the same dtype, but found B of type ${B.dtype} and LD of type ${LD.dtype} instead`);
  const n = LD.shape[LD.ndim - 1]!;
  if (B.shape[B.ndim - 2] !== n) {
    throw new ShapeError(`${op}: Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is ${n} by ${n} but each b matrix is ${B.shape[B.ndim - 2]} by ${B.shape[B.ndim - 1]}`);
  }
  const batch = broadcastShapes(op, LD.shape.slice(0, -2), B.shape.slice(0, -2));
  refuseGrad(op, LD, B);
  const Bb = B.expand([...batch, ...B.shape.slice(-2)]);
  if (n === 0 || Bb.numel() === 0) return Bb.clone();
  const { P, L, first, second } = unpackLdl(LD, pivots.to("int32"));
  const Y = solveTriangular(L, P.mT.matmul(Bb), false, true, true, op);
  const Z = solveBlockDiagonal(LD, first, second, Y);
  return P.matmul(solveTriangular(L.mT, Z, true, true, true, op));
}

/**
 * linalg.cond as PyTorch 1.13 computes it (LinearAlgebra.cpp): ord null or ±2 from the
 * singular values (σ_max/σ_min, or σ_min/σ_max for -2; any m x n), "nuc" as Σσ · Σ1/σ, and
 * "fro", ±1, ±inf as ‖A‖·‖A⁻¹‖ with A⁻¹ from invEx (inf where A is singular, and 0·inf read
 * as inf). Empty matrices give 0. Composed of differentiable ops: the gradient is autograd's.
 */
import { ArgumentError, ShapeError, fmtShape } from "../../errors.js";
import { zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkFloatingInput, checkMatrices } from "./checks.js";
import { svdParts } from "./factorizations.js";
import { matrixNorm } from "./norms.js";
import { invEx } from "./solve.js";

export type CondOrd = number | "fro" | "nuc" | null;

/** ord as PyTorch prints it in "linalg.cond(ord=...)": inf, -inf, 1, fro. */
function ordText(ord: number | string): string {
  return typeof ord === "string" ? ord : Number.isFinite(ord) ? String(ord) : ord > 0 ? "inf" : "-inf";
}

/** linalg.cond(A, ord): the condition number of each matrix in ord's norm. */
export function cond(A: Tensor, ord: CondOrd): Tensor {
  const op = "linalg.cond";
  if (A.ndim < 2) throw new ShapeError(`${op}: The input tensor must have at least 2 dimensions. (got shape ${fmtShape(A.shape)})`);
  const p = ord ?? 2;
  if (typeof p === "string") {
    checkMatrices(`${op}(ord=${p})`, A, { square: true });
    if (p !== "fro" && p !== "nuc") throw new ArgumentError(`${op} got an invalid norm type: ${p}`);
  } else if (![1, 2, Infinity].includes(Math.abs(p))) {
    throw new ArgumentError(`${op} got an invalid norm type: ${p}`);
  }
  checkFloatingInput(op, A);
  if (typeof p === "number" && Math.abs(p) !== 2) checkMatrices(`${op}(ord=${ordText(p)})`, A, { square: true });
  if (A.numel() === 0) return zeros(A.shape.slice(0, -2), { dtype: A.dtype, device: A.device });
  if (p === 2 || p === -2) {
    const s = svdParts(op, A, false, false).S;
    const k = s.shape[s.ndim - 1]!;
    const max = s.narrow(-1, 0, 1), min = s.narrow(-1, k - 1, 1);
    return (p === 2 ? max.div(min) : min.div(max)).squeeze(-1);
  }
  if (p === "nuc") {
    const s = svdParts(op, A, false, false).S;
    return s.sum(-1).mul(s.reciprocal().sum(-1));
  }
  const [inverse, info] = invEx(A, false);
  const safe = inverse.maskedFill(info.gt(0).unsqueeze(-1).unsqueeze(-1), Infinity);
  const r = matrixNorm(A, p, [-2, -1], false, null, op).mul(matrixNorm(safe, p, [-2, -1], false, null, op));
  return r.nanToNum(Infinity, Infinity, -Infinity);
}

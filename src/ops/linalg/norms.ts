/**
 * linalg.vectorNorm, linalg.matrixNorm and linalg.norm as PyTorch 1.13 composes them
 * (aten/src/ATen/native/LinearAlgebra.cpp): vector norms are Fluxion's p-norm reduction (with
 * PyTorch's norm_backward), the matrix 1/inf norms a 1-norm and a max/min over the other dim,
 * the 2 and nuclear norms the singular values' max/min and sum.
 */
import { DTypeError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { isFloating, isHalf, type DType } from "../../tensor/dtype.js";
import { normalizeDim } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { checkFloatingInput } from "./checks.js";
import { svdParts } from "./factorizations.js";

/** ord as PyTorch prints a double: inf, -inf, 2, 0.5. */
function ordText(ord: number): string {
  return Number.isFinite(ord) || Number.isNaN(ord) ? String(ord) : ord > 0 ? "inf" : "-inf";
}

/** The dtype= of the norms: floating, and no narrower than the input (PyTorch's check_linalg_norm_dtype). */
function withDtype(op: string, x: Tensor, dtype: DType | null): Tensor {
  if (dtype === null) return x;
  if (!isFloating(dtype)) throw new DTypeError(`${op}: dtype should be floating point or complex, but got ${dtype}`);
  const rank = (d: DType) => (d === "float64" ? 2 : d === "float32" ? 1 : 0);
  if (rank(dtype) < rank(x.dtype) || (isHalf(dtype) && isHalf(x.dtype) && dtype !== x.dtype)) {
    throw new DTypeError(`${op}: the dtype of the input (${x.dtype}) should be convertible without narrowing to the specified dtype (${dtype})`);
  }
  return x.to(dtype);
}

/** linalg.vectorNorm: (Σ|x|^ord)^(1/ord) over `dim` (all dims when null); inf/-inf the max/min |x|, 0 the count of nonzeros. */
export function vectorNorm(x: Tensor, ord: number, dim: number | readonly number[] | null, keepdim: boolean, dtype: DType | null, op = "linalg.vectorNorm"): Tensor {
  checkFloatingInput(op, x, true);
  const xs = withDtype(op, x, dtype);
  if (x.numel() === 0 && (ord < 0 || ord === Infinity)) {
    // over dims that are all nonempty the reduction has something to take (an empty batch)
    const dims = dim === null ? x.shape.map((_, i) => i) : (Array.isArray(dim) ? dim : [dim as number]).map((d) => normalizeDim(op, d, x.ndim));
    if (dims.length === 0 || dims.some((d) => x.shape[d] === 0) || x.ndim === 0) {
      throw new IndexError(`${op} cannot compute the ${ordText(ord)} norm on an empty tensor because the operation does not have an identity (shape ${fmtShape(x.shape)})`);
    }
  }
  return xs.norm(ord, dim === null ? null : dim, keepdim);
}

/** The permutation moving dims d0, d1 to the end (PyTorch's create_dim_backshift_permutation). */
function backshift(d0: number, d1: number, ndim: number): number[] {
  return [...Array.from({ length: ndim }, (_, i) => i).filter((i) => i !== d0 && i !== d1), d0, d1];
}

/** The singular values of the matrices in dims (d0, d1), reduced by `reduce` over them; with keepdim both kept as 1. */
function spectral(op: string, A: Tensor, d0: number, d1: number, keepdim: boolean, reduce: (s: Tensor) => Tensor): Tensor {
  const perm = backshift(d0, d1, A.ndim);
  const r = reduce(svdParts(op, A.permute(perm), false, false).S);
  if (!keepdim) return r;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return r.unsqueeze(-1).unsqueeze(-1).permute(inverse);
}

/** linalg.matrixNorm: "fro", "nuc", ±1 (max/min column sum), ±inf (max/min row sum), ±2 (largest/smallest singular value). */
export function matrixNorm(A: Tensor, ord: number | "fro" | "nuc", dim: readonly number[], keepdim: boolean, dtype: DType | null, op = "linalg.matrixNorm"): Tensor {
  if (typeof ord === "number" && ![1, 2, Infinity].includes(Math.abs(ord))) throw new ShapeError(`${op}: Order ${ordText(ord)} not supported.`);
  if (A.ndim < 2) throw new ShapeError(`${op}: The input tensor A must have at least 2 dimensions (got shape ${fmtShape(A.shape)}).`);
  checkFloatingInput(op, A, ord !== "nuc" && Math.abs(ord as number) !== 2);
  if (dim.length !== 2) throw new ShapeError(`${op}: dim must be a 2-tuple. Got [${dim.join(", ")}]`);
  const d0 = normalizeDim(op, dim[0]!, A.ndim), d1 = normalizeDim(op, dim[1]!, A.ndim);
  if (d0 === d1) throw new ShapeError(`${op}: dims must be different. Got (${d0}, ${d1})`);
  if (ord === "fro") return vectorNorm(A, 2, [d0, d1], keepdim, dtype, op);
  const X = withDtype(op, A, dtype);
  if (ord === "nuc") return spectral(op, X, d0, d1, keepdim, (s) => s.sum(-1));
  const pick = (t: Tensor, d: number) => (ord > 0 ? t.amax(d, { keepdim }) : t.amin(d, { keepdim }));
  if (Math.abs(ord) === 2) return spectral(op, X, d0, d1, keepdim, (s) => (ord > 0 ? s.amax(-1) : s.amin(-1)));
  // the 1-norm sums over rows (d0) then picks over columns; inf is that on the transpose
  let [sumDim, pickDim] = Math.abs(ord) === Infinity ? [d1, d0] : [d0, d1];
  const summed = vectorNorm(X, 1, sumDim, keepdim, null, op);
  if (!keepdim && sumDim < pickDim) pickDim--;
  return pick(summed, pickDim);
}

/**
 * linalg.norm: a vector norm (ord a number or null) over `dim` (one dim, or all dims of a
 * flattened input when both dim and ord are null), a matrix norm when dim has two dims or ord
 * is given for a 2-D input.
 */
export function norm(A: Tensor, ord: number | "fro" | "nuc" | null, dim: number | readonly number[] | null, keepdim: boolean, dtype: DType | null): Tensor {
  const op = "linalg.norm";
  const dims = dim === null ? null : Array.isArray(dim) ? dim : [dim as number];
  if (dims !== null && dims.length !== 1 && dims.length !== 2) throw new ShapeError(`${op}: If dim is specified, it must be of length 1 or 2. Got [${dims.join(", ")}]`);
  if (dims === null && ord !== null && A.ndim !== 1 && A.ndim !== 2) throw new ShapeError(`${op}: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A.ndim}D.`);
  if (typeof ord === "string" || (ord !== null && ((dims !== null && dims.length === 2) || (dims === null && A.ndim === 2)))) {
    return matrixNorm(A, ord, dims ?? [0, 1], keepdim, dtype, op);
  }
  return vectorNorm(A, ord ?? 2, dims, keepdim, dtype, op);
}

/**
 * What the linalg ops share: PyTorch's argument checks and messages (matrices of at least 2
 * dims, square ones, floating dtypes), batch broadcasting of two operands, and the reading of
 * the factorizations' `info` into PyTorch's errors (LinAlgError: not positive-definite,
 * singular).
 *
 * Errors from info are the one host read here, as in PyTorch (whose linalg.cholesky reads
 * info and synchronizes a GPU too): only where the values live in host memory. On a device
 * that cannot be read synchronously (WebGPU) the check is skipped and the results hold
 * NaN/inf instead; the `*Ex` forms return info for those who want to check it themselves.
 */
import { DTypeError, LinAlgError, ShapeError, fmtShape } from "../../errors.js";
import { isFloating, isHalf } from "../../tensor/dtype.js";
import { readHost } from "../../tensor/host_read.js";
import { broadcastShapes } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

/** A tensor of matrices ([..., m, n]) of float32 or float64: PyTorch's checks, in its order. */
export function checkMatrices(op: string, A: Tensor, opts: { square?: boolean; name?: string; lowPrecision?: boolean } = {}): void {
  const name = opts.name ?? "A";
  if (A.ndim < 2) throw new ShapeError(`${op}: The input tensor ${name} must have at least 2 dimensions (got shape ${fmtShape(A.shape)}).`);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  if (opts.square && m !== n) throw new ShapeError(`${op}: ${name} must be batches of square matrices, but they are ${m} by ${n} matrices (shape ${fmtShape(A.shape)})`);
  checkFloatingInput(op, A, opts.lowPrecision ?? false);
}

/** Floating point, and float32/float64 unless `lowPrecision` (the norms take bfloat16/float16 too). */
export function checkFloatingInput(op: string, A: Tensor, lowPrecision = false): void {
  if (!isFloating(A.dtype)) throw new DTypeError(`${op}: Expected a floating point or complex tensor as input. Got ${A.dtype} (shape ${fmtShape(A.shape)})`);
  if (!lowPrecision && isHalf(A.dtype)) throw new DTypeError(`${op}: Low precision dtypes not supported. Got ${A.dtype} (shape ${fmtShape(A.shape)}; convert to float32 first)`);
}

/** Two operands of one dtype, as linalg.solve's "Expected A and B to have the same dtype". */
export function checkSameDType(op: string, A: Tensor, B: Tensor, names: [string, string] = ["A", "B"]): void {
  if (A.dtype !== B.dtype) {
    throw new DTypeError(`${op}: Expected ${names[0]} and ${names[1]} to have the same dtype, but found ${names[0]} of type ${A.dtype} and ${names[1]} of type ${B.dtype} instead (shapes ${fmtShape(A.shape)} and ${fmtShape(B.shape)})`);
  }
}

/** A and B expanded to their broadcast batch dims (the last two dims of each kept). */
export function broadcastBatch(op: string, A: Tensor, B: Tensor): [Tensor, Tensor] {
  const batch = broadcastShapes(op, A.shape.slice(0, -2), B.shape.slice(0, -2));
  return [A.expand([...batch, ...A.shape.slice(-2)]), B.expand([...batch, ...B.shape.slice(-2)])];
}

/** The last two sizes as PyTorch prints them: "2x3". */
export function matrixSize(t: Tensor): string {
  return `${t.shape[t.ndim - 2]}x${t.shape[t.ndim - 1]}`;
}

/**
 * linalg.solve's rule for a vector right-hand side: B is a (batch of) vector(s) when it is
 * 1-D, or has one dim less than A and A's shape without its last dim.
 */
export function isVectorRhs(A: Tensor, B: Tensor): boolean {
  if (B.ndim === 1) return true;
  return B.ndim === A.ndim - 1 && B.shape.every((s, d) => s === A.shape[d]);
}

/** What a nonzero info means, per factorization, in PyTorch's words. */
export type InfoKind = "cholesky" | "inv" | "solve" | "lu" | "ldl";

function infoMessage(kind: InfoKind, i: number): string {
  switch (kind) {
    case "cholesky":
      return `The factorization could not be completed because the input is not positive-definite (the leading minor of order ${i} is not positive-definite).`;
    case "inv":
      return `The diagonal element ${i} is zero, the inversion could not be completed because the input matrix is singular.`;
    case "solve":
      return "The solver failed because the input matrix is singular.";
    case "ldl":
      return `The factorization could not be completed because the input is singular: D[${i - 1},${i - 1}] (the block of step ${i}) is exactly zero, and ldlSolve would divide by zero. Call linalg.ldlFactorEx to get the factorization and info instead`;
    case "lu":
      return `U[${i},${i}] is zero and using it on luSolve would result in a division by zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.luFactorEx(A, pivot)`;
  }
}

/**
 * Raises PyTorch's LinAlgError for the first matrix whose info is nonzero (info holds one
 * int32 per matrix of a batch of shape `batch`; "(Batch element k)" counts them flat). Skipped
 * where info cannot be read synchronously (see the file comment).
 */
export function checkInfo(op: string, info: Tensor, kind: InfoKind): void {
  if (info.storage.memory !== null || info.numel() === 0) return;
  const values = readHost<Int32Array>(info, op);
  for (let b = 0; b < values.length; b++) {
    const i = values[b]!;
    if (i === 0) continue;
    const batch = info.ndim > 0 ? `(Batch element ${b}): ` : "";
    throw new LinAlgError(`${op}: ${batch}${infoMessage(kind, i)}`);
  }
}

/** linalg.svd's check: LAPACK cannot converge on inf or NaN, and PyTorch raises. */
export function checkFinite(op: string, A: Tensor): void {
  if (A.storage.memory !== null || A.numel() === 0) return;
  const finite = readHost<Uint8Array>(A.isfinite().all(A.ndim > 2 ? [-2, -1] : undefined).reshape([-1]), op);
  for (let b = 0; b < finite.length; b++) {
    if (finite[b]) continue;
    const batch = A.ndim > 2 ? `(Batch element ${b}): ` : "";
    throw new LinAlgError(`${op}: ${batch}The algorithm failed to converge because the input matrix contained non-finite values.`);
  }
}

/**
 * The CPU backend's `linalg` primitive (src/backend/linalg.ts): each matrix of the batch is
 * read into a float64 row-major buffer, factored by ./linalg_algorithms.ts, and written out in
 * the input's dtype (float32 inputs are computed in float64 and rounded once). The
 * decomposition into core primitives (../decompositions_linalg.ts) is tested against this.
 */
import type { StorageArray } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { linalgOutputs, type LinalgAttrs } from "../linalg.js";
import { dense } from "./fused.js";
import { alloc } from "./util.js";
import { choleskyLower, householderQ, householderQr, jacobiEigh, ldlFactor, luFactor, tallSvd, triangularSolve } from "./linalg_algorithms.js";

/** The input's matrices as one float64 array (batch-major, each m x n row-major); `transpose` reads each transposed. */
function readMatrices(t: Tensor, device: string, transpose = false): Float64Array {
  const src = dense(transpose ? transposedView(t) : t, device);
  const data = src.storage.data as StorageArray;
  const n = src.numel();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(data[src.offset + i]!);
  return out;
}

/** t with its last two dims swapped (a view over the same storage, made here: kernels dispatch nothing). */
function transposedView(t: Tensor): Tensor {
  const shape = [...t.shape], strides = [...t.strides], d = t.ndim;
  [shape[d - 2], shape[d - 1]] = [shape[d - 1]!, shape[d - 2]!];
  [strides[d - 2], strides[d - 1]] = [strides[d - 1]!, strides[d - 2]!];
  return new Tensor(t.storage, shape, strides, t.offset, t.dtype);
}

function write(out: Tensor, at: number, values: ArrayLike<number>): void {
  const d = out.storage.data as Float64Array | Float32Array | Int32Array;
  for (let i = 0; i < values.length; i++) d[at + i] = values[i]!;
}

/** Copies the rows x cols matrix `src` (row-major) transposed into out at `at`. */
function writeTransposed(out: Tensor, at: number, src: Float64Array, rows: number, cols: number): void {
  const d = out.storage.data as Float64Array | Float32Array;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[at + j * rows + i] = src[i * cols + j]!;
}

export function linalg(inputs: readonly Tensor[], a: LinalgAttrs, device: string): Tensor[] {
  const A = inputs[0]!;
  const specs = linalgOutputs(inputs, a);
  const outs = specs.map((s) => alloc(s.shape, s.dtype, device));
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  const batch = A.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  if (batch === 0 || (m === 0 && n === 0)) return outs;
  switch (a.op) {
    case "cholesky": {
      // upper: Uᵀ U = A from A's upper triangle is the lower factor of Aᵀ, transposed
      const all = readMatrices(A, device, a.upper);
      for (let b = 0; b < batch; b++) {
        const mat = all.subarray(b * n * n, (b + 1) * n * n);
        (outs[1]!.storage.data as Int32Array)[b] = choleskyLower(mat, n);
        if (a.upper) writeTransposed(outs[0]!, b * n * n, mat, n, n);
        else write(outs[0]!, b * n * n, mat);
      }
      return outs;
    }
    case "lu": {
      const all = readMatrices(A, device);
      const k = Math.min(m, n);
      const pivots = new Int32Array(k), perm = new Int32Array(m);
      for (let b = 0; b < batch; b++) {
        const mat = all.subarray(b * m * n, (b + 1) * m * n);
        (outs[3]!.storage.data as Int32Array)[b] = luFactor(mat, m, n, pivots, perm);
        write(outs[0]!, b * m * n, mat);
        write(outs[1]!, b * k, pivots);
        write(outs[2]!, b * m, perm);
      }
      return outs;
    }
    case "ldl": {
      const all = readMatrices(A, device);
      const pivots = new Int32Array(n);
      for (let b = 0; b < batch; b++) {
        const mat = all.subarray(b * n * n, (b + 1) * n * n);
        (outs[2]!.storage.data as Int32Array)[b] = ldlFactor(mat, n, pivots);
        write(outs[0]!, b * n * n, mat);
        write(outs[1]!, b * n, pivots);
      }
      return outs;
    }
    case "geqrf": {
      const all = readMatrices(A, device);
      const k = Math.min(m, n);
      const tau = new Float64Array(k);
      for (let b = 0; b < batch; b++) {
        const mat = all.subarray(b * m * n, (b + 1) * m * n);
        householderQr(mat, m, n, tau);
        write(outs[0]!, b * m * n, mat);
        write(outs[1]!, b * k, tau);
      }
      return outs;
    }
    case "qr": {
      const all = readMatrices(A, device);
      const k = Math.min(m, n), rRows = a.mode === "complete" ? m : k;
      const tau = new Float64Array(k);
      for (let b = 0; b < batch; b++) {
        const mat = all.subarray(b * m * n, (b + 1) * m * n);
        householderQr(mat, m, n, tau);
        const r = new Float64Array(rRows * n);
        for (let i = 0; i < Math.min(rRows, m); i++) for (let j = i; j < n; j++) r[i * n + j] = mat[i * n + j]!;
        write(outs[1]!, b * rRows * n, r);
        if (a.mode === "r") continue;
        const cols = a.mode === "complete" ? m : k;
        write(outs[0]!, b * m * cols, householderQ(mat, m, n, tau, cols));
      }
      return outs;
    }
    case "eigh": {
      // the lower triangle of A (or of Aᵀ for the upper one) mirrored into a full symmetric matrix
      const all = readMatrices(A, device, a.upper);
      const v = a.vectors ? new Float64Array(n * n) : null;
      const w = new Float64Array(n);
      for (let b = 0; b < batch; b++) {
        const mat = all.subarray(b * n * n, (b + 1) * n * n);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) mat[i * n + j] = mat[j * n + i]!;
        jacobiEigh(mat, n, v);
        const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => mat[x * n + x]! - mat[y * n + y]! || x - y);
        order.forEach((j, r) => (w[r] = mat[j * n + j]!));
        write(outs[0]!, b * n, w);
        if (!v) continue;
        const sorted = new Float64Array(n * n);
        for (let i = 0; i < n; i++) order.forEach((j, r) => (sorted[i * n + r] = v[i * n + j]!));
        write(outs[1]!, b * n * n, sorted);
      }
      return outs;
    }
    case "svd": {
      // Jacobi on the columns of the tall one of A and Aᵀ: A's columns are the rows of Aᵀ
      const tall = m >= n;
      const all = readMatrices(A, device, tall);
      const k = Math.min(m, n), len = Math.max(m, n);
      for (let b = 0; b < batch; b++) {
        const cols = all.slice(b * m * n, (b + 1) * m * n);
        const uCols = a.full ? len : k;
        const r = tallSvd(cols, k, len, a.vectors, uCols);
        if (!a.vectors) {
          write(outs[0]!, b * k, r.s);
          continue;
        }
        const [U, S, Vh] = outs as [Tensor, Tensor, Tensor];
        write(S, b * k, r.s);
        if (tall) {
          // A = U S Vᵀ: U (m x uCols) as computed, Vh = Vᵀ (k = n)
          write(U, b * m * uCols, r.u!);
          write(Vh, b * n * n, r.vt!);
        } else {
          // Aᵀ = U' S V'ᵀ, so A = V' S U'ᵀ: U = V' (m x m), Vh = U'ᵀ (uCols x n)
          writeTransposed(U, b * m * m, r.vt!, k, k);
          writeTransposed(Vh, b * uCols * n, r.u!, n, uCols);
        }
      }
      return outs;
    }
    case "solveTriangular": {
      const B = inputs[1]!;
      const k = B.shape[B.ndim - 1]!;
      const as = readMatrices(A, device), bs = readMatrices(B, device);
      for (let b = 0; b < batch; b++) {
        const x = bs.subarray(b * n * k, (b + 1) * n * k);
        triangularSolve(as.subarray(b * n * n, (b + 1) * n * n), n, x, k, a.upper, a.unitriangular);
        write(outs[0]!, b * n * k, x);
      }
      return outs;
    }
  }
}

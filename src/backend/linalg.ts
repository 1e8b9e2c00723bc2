/**
 * The matrix-factorization primitive, `linalg`: one fused-tier primitive whose `op` attribute
 * names the factorization (or the triangular solve) it runs, batched over the leading dims of
 * its inputs. Everything in `linalg.*` (solve, inv, det, pinv, lstsq, norms ...) is composed
 * from it and core primitives in src/ops/linalg/.
 *
 * It is optional ("fused") like softmax: the CPU backend runs it as TypeScript loops in
 * float64 (cpu/linalg.ts); a backend without it (WebGPU) gets the decomposition into core
 * primitives (decompositions_linalg.ts): column-by-column algorithms written as dispatched
 * tensor ops, slow but correct anywhere. The two are tested against each other.
 *
 * Inputs are float32 or float64 (the ops reject other dtypes first), [..., m, n] with any
 * strides; outputs are new contiguous tensors of the input's dtype (index outputs int32):
 *
 *   cholesky {upper}          [A (n x n)]        -> [L, info]   A = L Lᴴ from A's lower triangle
 *                                                               (upper: A = Uᴴ U from its upper one)
 *   lu                        [A (m x n)]        -> [LU, pivots, perm, info]
 *       partial pivoting as LAPACK's getrf: LU (m x n) holds the unit-lower L below the
 *       diagonal and U on and above it; pivots (k = min(m, n), 1-based, LAPACK's ipiv): row j
 *       was swapped with row pivots[j]; perm (m): row i of P·A is row perm[i] of A (the swaps
 *       applied in order).
 *   ldl                       [A (n x n)]        -> [LD, pivots, info]
 *       Bunch-Kaufman LDLᵀ from A's lower triangle as LAPACK's sytrf (uplo "L"): D's 1x1 and
 *       2x2 blocks on the diagonal (a 2x2 block's off-diagonal element below it), L's
 *       multipliers below, the upper triangle zero; pivots (n, 1-based, LAPACK's ipiv: > 0 a 1x1
 *       block and its interchange, a pair of equal negatives a 2x2 block). CPU only: its pivoting
 *       is not written as core primitives yet, so other backends refuse it.
 *   qr {mode}                 [A (m x n)]        -> [Q, R]      Householder, LAPACK's signs (geqrf,
 *       orgqr); k = min(m, n): "reduced" Q m x k, R k x n; "complete" Q m x m, R m x n;
 *       "r" Q empty ([0]), R k x n.
 *   geqrf                     [A (m x n)]        -> [QR, tau]   LAPACK's geqrf layout: R on and above
 *       the diagonal, reflector j's vector below it (its leading 1 implicit), tau (k) the scalars:
 *       H_j = I - tau_j v_j v_jᵀ, Q = H_0 ... H_{k-1}.
 *   eigh {upper, vectors}     [A (n x n)]        -> [w, V]      A = V diag(w) Vᵀ from one triangle,
 *       w ascending; with vectors false only [w].
 *   svd {full, vectors}       [A (m x n)]        -> [U, S, Vh]  A = U diag(S) Vh, S descending;
 *       full: U m x m, Vh n x n, else m x k and k x n; with vectors false only [S].
 *   solveTriangular {upper, unitriangular}
 *                             [A (n x n), B (n x k)] -> [X]     A X = B reading one triangle of A
 *       (unitriangular: its diagonal taken as ones); A's and B's batch dims are equal.
 *
 * `info` (int32, one per matrix; 0 when it succeeded) is LAPACK's: for cholesky the order of
 * the first leading minor that is not positive-definite, for lu the 1-based index of the first
 * exactly zero pivot, for ldl that of the first exactly zero block of D. The ops read it to raise PyTorch's errors (src/ops/linalg/checks.ts).
 * Where info > 0 the other outputs are unspecified (NaN, or partly factored).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

export type LinalgAttrs =
  | { op: "cholesky"; upper: boolean }
  | { op: "lu" }
  | { op: "ldl" }
  | { op: "qr"; mode: "reduced" | "complete" | "r" }
  | { op: "geqrf" }
  | { op: "eigh"; upper: boolean; vectors: boolean }
  | { op: "svd"; full: boolean; vectors: boolean }
  | { op: "solveTriangular"; upper: boolean; unitriangular: boolean };

/** The entry this primitive adds to PrimitiveAttrs. */
export interface LinalgPrimitiveAttrs {
  linalg: LinalgAttrs;
}

export type LinalgOp = LinalgAttrs["op"];

/** An output's shape and dtype. */
export interface LinalgOutput {
  shape: number[];
  dtype: DType;
}

/** The outputs' shapes and dtypes (for the kernels, the decomposition and compile()'s meta rules). */
export function linalgOutputs(inputs: readonly Tensor[], a: LinalgAttrs): LinalgOutput[] {
  const A = inputs[0]!;
  const batch = A.shape.slice(0, -2);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!, k = Math.min(m, n);
  const dt = A.dtype;
  const of = (...s: number[]): LinalgOutput => ({ shape: [...batch, ...s], dtype: dt });
  const int = (...s: number[]): LinalgOutput => ({ shape: [...batch, ...s], dtype: "int32" });
  switch (a.op) {
    case "cholesky":
      return [of(n, n), int()];
    case "lu":
      return [of(m, n), int(k), int(m), int()];
    case "ldl":
      return [of(n, n), int(n), int()];
    case "geqrf":
      return [of(m, n), of(k)];
    case "qr":
      if (a.mode === "complete") return [of(m, m), of(m, n)];
      return [a.mode === "r" ? { shape: [0], dtype: dt } : of(m, k), of(k, n)];
    case "eigh":
      return a.vectors ? [of(n), of(n, n)] : [of(n)];
    case "svd":
      if (!a.vectors) return [of(k)];
      return a.full ? [of(m, m), of(k), of(n, n)] : [of(m, k), of(k), of(k, n)];
    case "solveTriangular":
      return [of(n, inputs[1]!.shape[inputs[1]!.ndim - 1]!)];
  }
}

// ---- the contract, checked by the dispatcher ----------------------------------------------

const FLAGS: Record<LinalgOp, readonly string[]> = {
  cholesky: ["upper"],
  lu: [],
  ldl: [],
  qr: [],
  geqrf: [],
  eigh: ["upper", "vectors"],
  svd: ["full", "vectors"],
  solveTriangular: ["upper", "unitriangular"],
};

function matrix(op: string, what: string, t: unknown, square: boolean): Tensor {
  if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${what} must be a Tensor, got ${typeof t}`);
  if (t.dtype !== "float32" && t.dtype !== "float64") throw new DTypeError(`${op}: expected ${what} of dtype float32 or float64, got ${t.dtype} (shape ${fmtShape(t.shape)})`);
  if (t.ndim < 2) throw new ShapeError(`${op}: expected ${what} of at least 2 dims, got shape ${fmtShape(t.shape)}`);
  if (square && t.shape[t.ndim - 1] !== t.shape[t.ndim - 2]) throw new ShapeError(`${op}: expected ${what} to be square matrices, got shape ${fmtShape(t.shape)}`);
  return t;
}

export function checkLinalg(inputs: readonly unknown[], a: LinalgAttrs): void {
  const name = `linalg (${String(a?.op)})`;
  if (a === null || typeof a !== "object" || !Object.hasOwn(FLAGS, a.op)) throw new ArgumentError(`linalg: op must be one of ${Object.keys(FLAGS).join(", ")}, got ${String(a?.op)}`);
  for (const f of FLAGS[a.op]) {
    if (typeof (a as unknown as Record<string, unknown>)[f] !== "boolean") throw new ArgumentError(`${name}: ${f} must be true or false`);
  }
  if (a.op === "qr" && !["reduced", "complete", "r"].includes(a.mode)) throw new ArgumentError(`${name}: mode must be "reduced", "complete" or "r", got ${String(a.mode)}`);
  const arity = a.op === "solveTriangular" ? 2 : 1;
  if (!Array.isArray(inputs) || inputs.length !== arity) throw new ArgumentError(`${name}: expected ${arity} input tensor${arity > 1 ? "s" : ""}, got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`);
  const A = matrix(name, "A", inputs[0], a.op === "cholesky" || a.op === "eigh" || a.op === "solveTriangular" || a.op === "ldl");
  if (a.op !== "solveTriangular") return;
  const B = matrix(name, "B", inputs[1], false);
  if (B.dtype !== A.dtype) throw new DTypeError(`${name}: A and B must have one dtype, got ${A.dtype} and ${B.dtype}`);
  const n = A.shape[A.ndim - 1]!;
  if (B.ndim !== A.ndim || B.shape[B.ndim - 2] !== n || A.shape.slice(0, -2).some((s, d) => s !== B.shape[d])) {
    throw new ShapeError(`${name}: B must be [..., ${n}, k] with A's batch dims, got A ${fmtShape(A.shape)} and B ${fmtShape(B.shape)}`);
  }
}

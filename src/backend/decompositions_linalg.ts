/**
 * The `linalg` primitive (linalg.ts) as core primitives: what a backend without a linalg
 * kernel (WebGPU) runs, and the second implementation the CPU kernels are tested against.
 * Each algorithm is the CPU kernel's (cpu/linalg_algorithms.ts) written column by column (or
 * rotation by rotation) as whole-batch tensor ops: a loop of O(n) steps for cholesky, lu, qr
 * and the triangular solve, of a fixed number of Jacobi sweeps for eigh and svd. Slow (one
 * dispatch per step per op) but correct on any backend, in the input's dtype; nothing reads
 * values on the host, so it runs on a GPU as it is.
 *
 * Every operand is seen as [batch, rows, cols] (the batch dims flattened); helpers below
 * take views of those without copying.
 */
import { FluxionError } from "../errors.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { dispatch, dispatchAll } from "./dispatcher.js";
import { binary, cast, reduce, reshape, scalar, unary, where } from "./decompositions_helpers.js";
import { linalgOutputs, type LinalgAttrs } from "./linalg.js";

/** Jacobi sweeps of the decompositions (quadratic convergence: float64 needs 5-8 for small n). */
export const JACOBI_SWEEPS = 10;

// ---- views and small builders over [B, r, c] tensors ----------------------------------------

/** Rows [r0, r1) and columns [c0, c1) of a [B, r, c] tensor (a view). */
function sub(x: Tensor, r0: number, r1: number, c0: number, c1: number): Tensor {
  const [B] = x.shape as [number];
  return dispatch("view", [x], { shape: [B, r1 - r0, c1 - c0], strides: x.strides, offset: x.offset + r0 * x.strides[1]! + c0 * x.strides[2]! });
}
/** The matrices transposed (a view). */
function T(x: Tensor): Tensor {
  const [B, r, c] = x.shape as [number, number, number];
  return dispatch("view", [x], { shape: [B, c, r], strides: [x.strides[0]!, x.strides[2]!, x.strides[1]!], offset: x.offset });
}
/** x broadcast to `shape` (a stride-0 view along its size-1 dims). */
function expand(x: Tensor, shape: readonly number[]): Tensor {
  return dispatch("view", [x], { shape, strides: x.shape.map((s, d) => (s === 1 && shape[d] !== 1 ? 0 : x.strides[d]!)), offset: x.offset });
}
const mm = (a: Tensor, b: Tensor): Tensor => dispatch("matmul", [a, b], {});
const copy = (x: Tensor): Tensor => dispatch("copy", [x], {});
const full = (shape: readonly number[], value: number, dtype: DType, device: string): Tensor => dispatch("full", [], { shape, dtype, value }, device);
/** 0..n-1 as int32, shaped [1, n, 1] (a row index) or [1, 1, n] (a column index). */
function index(n: number, device: string, along: "rows" | "cols"): Tensor {
  const r = dispatch("range", [], { start: 0, step: 1, n, dtype: "int32" }, device);
  return dispatch("view", [r], { shape: along === "rows" ? [1, n, 1] : [1, 1, n], strides: [n, 1, 1], offset: r.offset });
}
const eq = (x: Tensor, v: number | Tensor) => binary("eq", x, typeof v === "number" ? scalar(v, x.dtype, x.device) : v);
const gt = (x: Tensor, v: number) => binary("gt", x, scalar(v, x.dtype, x.device));
const and = (x: Tensor, y: Tensor) => binary("logicalAnd", x, y);
/** Batched identity-like [B, r, c] (ones where row == col). */
function eye(B: number, r: number, c: number, dtype: DType, device: string): Tensor {
  const id = cast(eq(index(r, device, "rows"), index(c, device, "cols")), dtype);
  return copy(expand(id, [B, r, c]));
}
/** x with zeros where `cond` holds. */
function zeroWhere(cond: Tensor, x: Tensor): Tensor {
  return where(cond, scalar(0, x.dtype, x.device), x);
}
/** info := where(info == 0 and bad, j + 1, info): LAPACK's first failing index. */
function firstFailure(info: Tensor, bad: Tensor, j: number): Tensor {
  return where(and(eq(info, 0), bad), scalar(j + 1, "int32", info.device), info);
}

// ---- the algorithms ---------------------------------------------------------------------------

/**
 * Left-looking Cholesky of A's lower triangle, column by column: [L, info [B, 1, 1]]. Where it
 * fails, the factor is left as LAPACK's potf2 leaves it (and the CPU kernel): the failing
 * diagonal element reduced, that column below it and the later columns A's values.
 */
function cholesky(A: Tensor): [Tensor, Tensor] {
  const [B, n] = A.shape as [number, number];
  const rows = index(n, A.device, "rows"), cols = index(n, A.device, "cols");
  let L = full([B, n, n], 0, A.dtype, A.device);
  let info = full([B, 1, 1], 0, "int32", A.device);
  for (let j = 0; j < n; j++) {
    const a = sub(A, 0, n, j, j + 1);
    const c = j > 0 ? binary("sub", a, mm(sub(L, 0, n, 0, j), T(sub(L, j, j + 1, 0, j)))) : a;
    const d = sub(c, j, j + 1, 0, 1);
    const failedBefore = binary("ne", info, scalar(0, "int32", A.device));
    info = firstFailure(info, binary("le", d, scalar(0, d.dtype, d.device)), j); // NaN passes, as in the kernel
    const failsHere = and(unary("logicalNot", failedBefore), binary("ne", info, scalar(0, "int32", A.device)));
    const ljj = unary("sqrt", d);
    const below = where(gt(rows, j), a, 0);
    const col = where(failedBefore, where(eq(rows, j), expand(sub(A, j, j + 1, j, j + 1), [B, n, 1]), below),
      where(failsHere, where(eq(rows, j), expand(d, [B, n, 1]), below),
        where(gt(rows, j), binary("div", c, ljj), where(eq(rows, j), expand(ljj, [B, n, 1]), 0))));
    L = where(eq(cols, j), col, L);
  }
  return [L, info];
}

/** Right-looking LU with partial pivoting (getf2) of [B, m, n]: [LU, pivots [B, k], perm [B, m], info [B, 1, 1]]. */
function lu(A: Tensor): Tensor[] {
  const [B, m, n] = A.shape as [number, number, number];
  const k = Math.min(m, n), dev = A.device;
  const rows = index(m, dev, "rows"), cols = index(n, dev, "cols");
  let M = copy(A);
  let perm = copy(expand(reshape(index(m, dev, "cols"), [1, m]), [B, m]));
  let info = full([B, 1, 1], 0, "int32", dev);
  const pivots: Tensor[] = [];
  for (let j = 0; j < (B === 0 ? 0 : k); j++) {
    // the first largest |M[i, j]| over rows i >= j (rows above can never win: -1)
    const colAbs = unary("abs", sub(M, 0, m, j, j + 1));
    const p = dispatch("reduce", [where(binary("ge", rows, scalar(j, "int32", dev)), colAbs, -1)], { op: "argmax", axes: [1], keepdim: true });
    pivots.push(binary("add", p, scalar(1, "int32", dev)));
    // swap rows j and p: idx[r] = p if r == j, j if r == p, else r
    const idx = where(eq(rows, j), expand(p, [B, m, 1]), where(eq(rows, p), scalar(j, "int32", dev), expand(rows, [B, m, 1])));
    M = dispatch("gather", [M, expand(idx, [B, m, n])], { axis: 1 });
    perm = dispatch("gather", [perm, reshape(idx, [B, m])], { axis: 1 });
    const pivot = sub(M, j, j + 1, j, j + 1);
    const zero = eq(pivot, 0);
    info = firstFailure(info, zero, j);
    // multipliers below the pivot (scaled by its reciprocal, as LAPACK); none for a zero pivot
    const l = where(and(gt(rows, j), unary("logicalNot", zero)), binary("mul", sub(M, 0, m, j, j + 1), unary("reciprocal", pivot)), 0);
    const u = where(gt(cols, j), sub(M, j, j + 1, 0, n), 0);
    M = binary("sub", M, binary("mul", l, u));
    M = where(and(gt(rows, j), eq(cols, j)), l, M);
  }
  const piv = pivots.length ? reshape(dispatch("cat", pivots, { axis: 1 }), [B, k]) : full([B, k], 0, "int32", dev);
  return [M, piv, perm, info];
}

/**
 * Householder QR with LAPACK's signs (geqr2 + org2r): Q [B, m, qCols] and R [B, m, n]; with
 * `geqrf`, [R with the reflectors' vectors below its diagonal (geqrf's layout), tau [B, k]].
 */
function qr(A: Tensor, qCols: number, wantQ: boolean, geqrf = false): [Tensor | null, Tensor] {
  const [B, m, n] = A.shape as [number, number, number];
  const k = Math.min(m, n), dev = A.device;
  const rows = index(m, dev, "rows"), cols = index(n, dev, "cols");
  let R = copy(A);
  const vs: Tensor[] = [], taus: Tensor[] = [];
  for (let j = 0; j < k; j++) {
    const below = where(gt(rows, j), sub(R, 0, m, j, j + 1), 0);
    const xnorm = unary("sqrt", reduce("sum", binary("mul", below, below), [1]));
    const alpha = sub(R, j, j + 1, j, j + 1);
    const norm = unary("sqrt", binary("add", binary("mul", alpha, alpha), binary("mul", xnorm, xnorm)));
    const none = eq(xnorm, 0); // nothing to eliminate: H = I (τ = 0), R[j][j] stays α
    const beta = where(none, alpha, where(binary("ge", alpha, scalar(0, A.dtype, dev)), unary("neg", norm), norm));
    const tau = zeroWhere(none, binary("div", binary("sub", beta, alpha), beta));
    const scale = zeroWhere(none, unary("reciprocal", binary("sub", alpha, beta)));
    const v = where(eq(rows, j), scalar(1, A.dtype, dev), binary("mul", below, scale));
    R = binary("sub", R, binary("mul", binary("mul", v, tau), mm(T(v), R)));
    const colJ = eq(cols, j);
    R = zeroWhere(and(colJ, gt(rows, j)), where(and(colJ, eq(rows, j)), expand(beta, [B, m, n]), R));
    vs.push(v);
    taus.push(tau);
  }
  if (geqrf) {
    for (let j = 0; j < k; j++) R = where(and(eq(cols, j), gt(rows, j)), vs[j]!, R);
    const tau = k > 0 ? reshape(dispatch("cat", taus, { axis: 1 }), [B, k]) : full([B, 0], 0, A.dtype, dev);
    return [tau, R];
  }
  if (!wantQ) return [null, R];
  let Q = eye(B, m, qCols, A.dtype, dev);
  for (let j = k - 1; j >= 0; j--) Q = binary("sub", Q, binary("mul", binary("mul", vs[j]!, taus[j]!), mm(T(vs[j]!), Q)));
  return [Q, R];
}

/**
 * The rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s, else the identity) for each matrix of
 * the batch, from t = tan of its angle [B, 1, 1].
 */
function rotation(t: Tensor, n: number, p: number, q: number): Tensor {
  const dev = t.device, B = t.shape[0]!;
  const rows = index(n, dev, "rows"), cols = index(n, dev, "cols");
  const c = unary("rsqrt", binary("add", binary("mul", t, t), 1));
  const s = binary("mul", t, c);
  const at = (i: number, j: number) => and(eq(rows, i), eq(cols, j));
  const id = cast(eq(rows, cols), t.dtype);
  const J = where(binary("logicalOr", at(p, p), at(q, q)), expand(c, [B, n, n]), where(at(p, q), expand(s, [B, n, n]), where(at(q, p), expand(unary("neg", s), [B, n, n]), expand(id, [B, n, n]))));
  return J;
}

/** tan of the Jacobi angle for cot 2φ = θ: sign(θ)/(|θ| + sqrt(θ² + 1)); 0 where `skip`. */
function jacobiTan(theta: Tensor, skip: Tensor): Tensor {
  const dev = theta.device, dt = theta.dtype;
  const sign = where(binary("ge", theta, scalar(0, dt, dev)), scalar(1, dt, dev), -1);
  const t = binary("div", sign, binary("add", unary("abs", theta), unary("sqrt", binary("add", binary("mul", theta, theta), 1))));
  return zeroWhere(skip, t);
}

/** Cyclic two-sided Jacobi on the symmetric [B, n, n] S: [eigenvalues ascending [B, n], V or null]. */
function eigh(S0: Tensor, vectors: boolean): [Tensor, Tensor | null] {
  const [B, n] = S0.shape as [number, number];
  let S = S0;
  let V = vectors ? eye(B, n, n, S0.dtype, S0.device) : null;
  for (let sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const app = sub(S, p, p + 1, p, p + 1), aqq = sub(S, q, q + 1, q, q + 1), apq = sub(S, p, p + 1, q, q + 1);
        const zero = eq(apq, 0);
        const t = jacobiTan(binary("div", binary("sub", aqq, app), binary("mul", apq, 2)), zero);
        const J = rotation(t, n, p, q);
        S = mm(mm(T(J), S), J);
        if (V) V = mm(V, J);
      }
    }
  }
  const diag = dispatch("view", [S], { shape: [B, n], strides: [S.strides[0]!, S.strides[1]! + S.strides[2]!], offset: S.offset });
  const [w, order] = dispatchAll("sort", [diag], { axis: 1, descending: false }) as [Tensor, Tensor];
  if (!V) return [w, null];
  return [w, dispatch("gather", [V, expand(reshape(order, [B, 1, n]), [B, n, n])], { axis: 2 })];
}

/**
 * One-sided Jacobi on the columns of X [B, M, N] (M >= N), then U from a QR of X·V:
 * [U [B, M, uCols] | null, S [B, N] descending, V [B, N, N] | null].
 */
function tallSvd(X0: Tensor, vectors: boolean, uCols: number): [Tensor | null, Tensor, Tensor | null] {
  const [B, M, N] = X0.shape as [number, number, number];
  let X = X0;
  let V = vectors ? eye(B, N, N, X0.dtype, X0.device) : null;
  const dot = (a: Tensor, b: Tensor) => reduce("sum", binary("mul", a, b), [1]);
  for (let sweep = 0; sweep < JACOBI_SWEEPS; sweep++) {
    for (let p = 0; p < N - 1; p++) {
      for (let q = p + 1; q < N; q++) {
        const bp = sub(X, 0, M, p, p + 1), bq = sub(X, 0, M, q, q + 1);
        const gamma = dot(bp, bq);
        const t = jacobiTan(binary("div", binary("sub", dot(bq, bq), dot(bp, bp)), binary("mul", gamma, 2)), eq(gamma, 0));
        const J = rotation(t, N, p, q);
        X = mm(X, J);
        if (V) V = mm(V, J);
      }
    }
  }
  const norms = unary("sqrt", reduce("sum", binary("mul", X, X), [1], false)); // [B, N]
  const [S, order] = dispatchAll("sort", [norms], { axis: 1, descending: true }) as [Tensor, Tensor];
  if (!vectors) return [null, S, null];
  const byNorm = (x: Tensor, rows: number) => dispatch("gather", [x, expand(reshape(order, [B, 1, N]), [B, rows, N])], { axis: 2 });
  const [Q, R] = qr(byNorm(X, M), uCols, true) as [Tensor, Tensor];
  // Q's column j is ±(X·V)_j / s_j: R's diagonal sign makes it +
  const rdiag = dispatch("view", [R], { shape: [B, 1, N], strides: [R.strides[0]!, 0, R.strides[1]! + R.strides[2]!], offset: R.offset });
  const signs = where(binary("lt", rdiag, scalar(0, R.dtype, R.device)), scalar(-1, R.dtype, R.device), 1);
  const head = binary("mul", sub(Q, 0, M, 0, N), signs);
  const U = uCols > N ? dispatch("cat", [head, copy(sub(Q, 0, M, N, uCols))], { axis: 2 }) : head;
  return [U, S, byNorm(V!, N)];
}

/** A X = Bm by substitution, one row of X per step, reading A's `upper` or lower triangle. */
function solveTriangular(A: Tensor, Bm: Tensor, upper: boolean, unit: boolean): Tensor {
  const [B, n, k] = Bm.shape as [number, number, number];
  const rows = index(n, A.device, "rows"), cols = index(n, A.device, "cols");
  let X = full([B, n, k], 0, A.dtype, A.device);
  for (let s = 0; s < n; s++) {
    const i = upper ? n - 1 - s : s;
    const solved = upper ? gt(cols, i) : binary("lt", cols, scalar(i, "int32", A.device));
    // rows of X not solved yet are zero, and the other triangle of A is masked out (it may hold anything)
    const aRow = where(solved, sub(A, i, i + 1, 0, n), 0);
    let xi = binary("sub", sub(Bm, i, i + 1, 0, k), mm(aRow, X));
    if (!unit) xi = binary("div", xi, sub(A, i, i + 1, i, i + 1));
    X = where(eq(rows, i), xi, X);
  }
  return X;
}

// ---- the primitive ------------------------------------------------------------------------------

/** A [..., r, c] tensor as [B, r, c]. */
function batched(x: Tensor): Tensor {
  const r = x.shape[x.ndim - 2]!, c = x.shape[x.ndim - 1]!;
  const B = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return x.ndim === 3 ? x : reshape(x, [B, r, c]);
}

/** linalg as core primitives (dispatcher fallback; attributes already checked). */
export function linalgDecomposed(inputs: readonly Tensor[], a: LinalgAttrs): Tensor[] {
  const A0 = inputs[0]!;
  const specs = linalgOutputs(inputs, a);
  const dev = A0.device;
  // nothing to compute (qr and svd of empty matrices may still have an identity factor)
  if (a.op !== "qr" && a.op !== "svd" && a.op !== "lu" && inputs.some((t) => t.numel() === 0)) return specs.map((s) => full(s.shape, 0, s.dtype, dev));
  const shapeAs = (x: Tensor, i: number) => reshape(x, specs[i]!.shape);
  const A = batched(A0);
  switch (a.op) {
    case "cholesky": {
      const [L, info] = cholesky(a.upper ? T(A) : A);
      return [shapeAs(a.upper ? copy(T(L)) : L, 0), shapeAs(info, 1)];
    }
    case "lu":
      return lu(A).map(shapeAs);
    case "ldl":
      throw new FluxionError(`linalg.ldlFactor: Bunch-Kaufman LDLᵀ runs on the CPU only for now (its pivoting is not written as core primitives); move the tensor to the CPU with .to("cpu") first (got a ${A0.device} tensor)`);
    case "geqrf": {
      const [B, m, n] = A.shape as [number, number, number];
      if (A.numel() === 0) return specs.map((s) => full(s.shape, 0, s.dtype, dev));
      const [tau, QR] = qr(A, Math.min(m, n), false, true);
      return [shapeAs(QR, 0), shapeAs(tau!, 1)];
    }
    case "qr": {
      const [B, m, n] = A.shape as [number, number, number];
      const k = Math.min(m, n);
      if (A.numel() === 0 && (k === 0 || B === 0)) return emptyQr(specs, B, m, a.mode, dev);
      const [Q, R] = qr(A, a.mode === "complete" ? m : k, a.mode !== "r");
      const Rout = a.mode === "complete" ? R : copy(sub(R, 0, k, 0, n));
      return [Q ? shapeAs(Q, 0) : full([0], 0, A0.dtype, dev), shapeAs(Rout, 1)];
    }
    case "eigh": {
      const [rows, cols] = [index(A.shape[1]!, dev, "rows"), index(A.shape[1]!, dev, "cols")];
      // the symmetric matrix one triangle describes
      const S = where(a.upper ? binary("le", rows, cols) : binary("ge", rows, cols), A, T(A));
      const [w, V] = eigh(S, a.vectors);
      return V ? [shapeAs(w, 0), shapeAs(V, 1)] : [shapeAs(w, 0)];
    }
    case "svd": {
      const [B, m, n] = A.shape as [number, number, number];
      if (A.numel() === 0) return emptySvd(specs, B, m, n, a, dev);
      const tall = m >= n;
      const [U, S, V] = tallSvd(tall ? A : T(A), a.vectors, a.full ? Math.max(m, n) : Math.min(m, n));
      if (!a.vectors) return [shapeAs(S, 0)];
      // tall: A = U S Vᵀ; else Aᵀ = U' S V'ᵀ, so A = V' S U'ᵀ
      return tall ? [shapeAs(U!, 0), shapeAs(S, 1), shapeAs(copy(T(V!)), 2)] : [shapeAs(V!, 0), shapeAs(S, 1), shapeAs(copy(T(U!)), 2)];
    }
    case "solveTriangular":
      return [shapeAs(solveTriangular(A, batched(inputs[1]!), a.upper, a.unitriangular), 0)];
  }
}

/** QR of matrices with no elements (or an empty batch): zeros, and the identity as a complete Q. */
function emptyQr(specs: ReturnType<typeof linalgOutputs>, B: number, m: number, mode: string, dev: string): Tensor[] {
  const Q = mode === "complete" ? reshape(eye(B, m, m, specs[0]!.dtype, dev), specs[0]!.shape) : full(specs[0]!.shape, 0, specs[0]!.dtype, dev);
  return [Q, full(specs[1]!.shape, 0, specs[1]!.dtype, dev)];
}

/** SVD of matrices with no elements: S empty, full U and Vh the identity. */
function emptySvd(specs: ReturnType<typeof linalgOutputs>, B: number, m: number, n: number, a: { full: boolean; vectors: boolean }, dev: string): Tensor[] {
  const z = (i: number) => full(specs[i]!.shape, 0, specs[i]!.dtype, dev);
  if (!a.vectors) return [z(0)];
  if (!a.full) return [z(0), z(1), z(2)];
  return [reshape(eye(B, m, m, specs[0]!.dtype, dev), specs[0]!.shape), z(1), reshape(eye(B, n, n, specs[2]!.dtype, dev), specs[2]!.shape)];
}

/**
 * The matrix algorithms behind the CPU backend's `linalg` primitive (../linalg.ts), one matrix
 * at a time on row-major Float64Arrays the caller owns (cpu/linalg.ts does the batching, the
 * dtypes and the layouts). They follow LAPACK's conventions where PyTorch's results depend on
 * them (getrf's pivots, geqrf's Householder signs, potrf's info), so results match PyTorch's
 * up to rounding; the eigen- and singular value solvers are Jacobi methods (simple, accurate
 * to a few ulps relative to the matrix norm, and sign conventions left to the tests).
 */

const EPS = Number.EPSILON;
/** Jacobi sweeps before giving up (converged matrices need 5-10). */
const MAX_SWEEPS = 60;

/**
 * Cholesky of the symmetric matrix whose lower triangle `a` (n x n) holds, in place: on
 * return the lower triangle is L (A = L Lᵀ) and the upper one zero. Returns LAPACK's info: 0,
 * or the order j of the first leading minor that is not positive-definite (potf2's behaviour:
 * the failing diagonal element holds its reduced value, later columns A's values). A NaN is
 * not caught: PyTorch raises nothing for it either.
 */
export function choleskyLower(a: Float64Array, n: number): number {
  let info = 0;
  for (let j = 0; j < n && info === 0; j++) {
    let d = a[j * n + j]!;
    for (let k = 0; k < j; k++) d -= a[j * n + k]! * a[j * n + k]!;
    if (d <= 0) {
      a[j * n + j] = d;
      info = j + 1;
      break;
    }
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= a[i * n + k]! * a[j * n + k]!;
      a[i * n + j] = s / ljj;
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 0;
  return info;
}

/**
 * LU with partial pivoting (getf2), in place on `a` (m x n, row-major): L (unit, below the
 * diagonal, m x k) and U (k x n), k = min(m, n). pivots[j] (1-based, k of them) is the row
 * swapped with row j at step j; perm[i] (m of them) the row of A that ends in row i. Returns
 * info: 0, or the 1-based index of the first exactly zero pivot (the factorization still
 * completes, as LAPACK's does, so det is 0 there).
 */
export function luFactor(a: Float64Array, m: number, n: number, pivots: Int32Array, perm: Int32Array): number {
  let info = 0;
  const k = Math.min(m, n);
  for (let i = 0; i < m; i++) perm[i] = i;
  for (let j = 0; j < k; j++) {
    let p = j, best = Math.abs(a[j * n + j]!);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(a[i * n + j]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    pivots[j] = p + 1;
    if (a[p * n + j] !== 0) {
      if (p !== j) {
        for (let c = 0; c < n; c++) {
          const t = a[j * n + c]!;
          a[j * n + c] = a[p * n + c]!;
          a[p * n + c] = t;
        }
        const t = perm[j]!;
        perm[j] = perm[p]!;
        perm[p] = t;
      }
      const inv = 1 / a[j * n + j]!; // LAPACK scales by the reciprocal
      for (let i = j + 1; i < m; i++) a[i * n + j]! *= inv;
    } else if (info === 0) info = j + 1;
    for (let i = j + 1; i < m; i++) {
      const l = a[i * n + j]!;
      for (let c = j + 1; c < n; c++) a[i * n + c]! -= l * a[j * n + c]!;
    }
  }
  return info;
}

/**
 * Householder QR (geqr2) in place on `a` (m x n): R on and above the diagonal, the reflectors'
 * vectors below it (v_j = [1, a[j+1.., j]]), their scalars in tau (min(m, n)). H_j = I - τ v vᵀ,
 * with LAPACK's larfg signs: R[j][j] = -sign(α)·‖x‖, and no reflection (τ = 0) where the
 * column below the diagonal is already zero.
 */
export function householderQr(a: Float64Array, m: number, n: number, tau: Float64Array): void {
  const k = Math.min(m, n);
  const w = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    const alpha = a[j * n + j]!;
    let xn2 = 0;
    for (let i = j + 1; i < m; i++) xn2 += a[i * n + j]! * a[i * n + j]!;
    if (xn2 === 0) {
      tau[j] = 0;
      continue;
    }
    const norm = Math.hypot(alpha, Math.sqrt(xn2));
    const beta = alpha >= 0 ? -norm : norm;
    const t = (beta - alpha) / beta;
    tau[j] = t;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) a[i * n + j]! *= scale;
    a[j * n + j] = beta;
    // columns c > j: a -= τ v (vᵀ a), row by row so the inner loops run along rows
    for (let c = j + 1; c < n; c++) w[c] = a[j * n + c]!;
    for (let i = j + 1; i < m; i++) {
      const vi = a[i * n + j]!;
      for (let c = j + 1; c < n; c++) w[c]! += vi * a[i * n + c]!;
    }
    for (let c = j + 1; c < n; c++) {
      w[c]! *= t;
      a[j * n + c]! -= w[c]!;
    }
    for (let i = j + 1; i < m; i++) {
      const vi = a[i * n + j]!;
      for (let c = j + 1; c < n; c++) a[i * n + c]! -= vi * w[c]!;
    }
  }
}

/** The first `cols` columns of Q = H_0 H_1 ... H_{k-1} (orgqr) from householderQr's a and tau, as an m x cols matrix. */
export function householderQ(a: Float64Array, m: number, n: number, tau: Float64Array, cols: number): Float64Array {
  const k = Math.min(m, n);
  const q = new Float64Array(m * cols);
  for (let i = 0; i < Math.min(m, cols); i++) q[i * cols + i] = 1;
  const w = new Float64Array(cols);
  for (let j = k - 1; j >= 0; j--) {
    const t = tau[j]!;
    if (t === 0) continue;
    for (let c = 0; c < cols; c++) w[c] = q[j * cols + c]!;
    for (let i = j + 1; i < m; i++) {
      const vi = a[i * n + j]!;
      for (let c = 0; c < cols; c++) w[c]! += vi * q[i * cols + c]!;
    }
    for (let c = 0; c < cols; c++) {
      w[c]! *= t;
      q[j * cols + c]! -= w[c]!;
    }
    for (let i = j + 1; i < m; i++) {
      const vi = a[i * n + j]!;
      for (let c = 0; c < cols; c++) q[i * cols + c]! -= vi * w[c]!;
    }
  }
  return q;
}

/** tan of the Jacobi rotation angle that zeroes the (p, q) entry: the smaller root of t² + 2θt - 1 = 0. */
function jacobiTan(theta: number): number {
  return (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(1, theta));
}

/**
 * Cyclic two-sided Jacobi on the symmetric n x n matrix `a` (both triangles filled), in place:
 * on return its diagonal holds the eigenvalues (unsorted); `v`, when given, the eigenvectors as
 * columns (it is set to the identity first). An entry is rotated away unless it is negligible
 * next to its diagonal pair (|a_pq| <= ε·sqrt|a_pp·a_qq|), which keeps small eigenvalues
 * accurate relative to themselves; sweeps stop when none is rotated.
 */
export function jacobiEigh(a: Float64Array, n: number, v: Float64Array | null): void {
  if (v) {
    v.fill(0);
    for (let i = 0; i < n; i++) v[i * n + i] = 1;
  }
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        const app = a[p * n + p]!, aqq = a[q * n + q]!;
        if (apq === 0 || Math.abs(apq) <= EPS * Math.sqrt(Math.abs(app * aqq))) continue;
        const t = jacobiTan((aqq - app) / (2 * apq));
        if (t === 0) continue;
        rotated = true;
        const c = 1 / Math.sqrt(1 + t * t), s = t * c, tau = s / (1 + c);
        a[p * n + p] = app - t * apq;
        a[q * n + q] = aqq + t * apq;
        a[p * n + q] = a[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          if (r === p || r === q) continue;
          const arp = a[r * n + p]!, arq = a[r * n + q]!;
          const np = arp - s * (arq + tau * arp), nq = arq + s * (arp - tau * arq);
          a[r * n + p] = a[p * n + r] = np;
          a[r * n + q] = a[q * n + r] = nq;
        }
        if (v) {
          for (let r = 0; r < n; r++) {
            const vrp = v[r * n + p]!, vrq = v[r * n + q]!;
            v[r * n + p] = vrp - s * (vrq + tau * vrp);
            v[r * n + q] = vrq + s * (vrp - tau * vrq);
          }
        }
      }
    }
    if (!rotated) break;
  }
}

/**
 * One-sided (Hestenes) Jacobi on a len x k matrix (len >= k) given by its columns: `cols` holds
 * column j as row j (k x len). Rotates pairs of columns until they are orthogonal (|bp·bq| <=
 * ε‖bp‖‖bq‖); on return cols holds B·V and `vt`, when given, Vᵀ (row j = column j of V).
 */
export function jacobiColumns(cols: Float64Array, k: number, len: number, vt: Float64Array | null): void {
  if (vt) {
    vt.fill(0);
    for (let i = 0; i < k; i++) vt[i * k + i] = 1;
  }
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < len; i++) {
          const x = cols[p * len + i]!, y = cols[q * len + i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        const t = jacobiTan((beta - alpha) / (2 * gamma));
        if (t === 0) continue;
        rotated = true;
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        rotate(cols, p * len, q * len, len, c, s);
        if (vt) rotate(vt, p * k, q * k, k, c, s);
      }
    }
    if (!rotated) break;
  }
}

/** Rows x (at i) and y (at j) of length len become c·x - s·y and s·x + c·y. */
function rotate(a: Float64Array, i: number, j: number, len: number, c: number, s: number): void {
  for (let r = 0; r < len; r++) {
    const x = a[i + r]!, y = a[j + r]!;
    a[i + r] = c * x - s * y;
    a[j + r] = s * x + c * y;
  }
}

export interface TallSvd {
  /** Singular values, descending (k). */
  s: Float64Array;
  /** Left singular vectors, len x uCols (row-major); null without vectors. */
  u: Float64Array | null;
  /** Vᵀ (k x k, row j = the j-th right singular vector); null without vectors. */
  vt: Float64Array | null;
}

/**
 * The SVD of a len x k matrix (len >= k) given by its columns (k x len, see jacobiColumns),
 * which it overwrites. U comes from a Householder QR of B·V (orthogonal columns, sorted by
 * norm): its columns are those of B·V normalised where the singular value is not zero, and an
 * orthonormal completion elsewhere (and, with uCols = len, the full basis).
 */
export function tallSvd(cols: Float64Array, k: number, len: number, vectors: boolean, uCols: number): TallSvd {
  const vt0 = vectors ? new Float64Array(k * k) : null;
  jacobiColumns(cols, k, len, vt0);
  const norms = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < len; i++) s += cols[j * len + i]! * cols[j * len + i]!;
    norms[j] = Math.sqrt(s);
  }
  // descending, ties in column order (a stable sort; NaN last)
  const order = Array.from({ length: k }, (_, j) => j).sort((x, y) => (norms[y]! > norms[x]! ? 1 : norms[y]! < norms[x]! ? -1 : Number.isNaN(norms[x]!) ? 1 : Number.isNaN(norms[y]!) ? -1 : x - y));
  const s = Float64Array.from(order, (j) => norms[j]!);
  if (!vectors) return { s, u: null, vt: null };
  const vt = new Float64Array(k * k);
  order.forEach((j, r) => vt.set(vt0!.subarray(j * k, j * k + k), r * k));
  const b = new Float64Array(len * k); // B·V sorted, row-major len x k
  order.forEach((j, c) => {
    for (let i = 0; i < len; i++) b[i * k + c] = cols[j * len + i]!;
  });
  const tau = new Float64Array(k);
  householderQr(b, len, k, tau);
  const u = householderQ(b, len, k, tau, uCols);
  // Q's column j is ±(B·V)_j / s_j: the sign of R's diagonal makes it +
  for (let j = 0; j < k; j++) {
    if (b[j * k + j]! >= 0) continue;
    for (let i = 0; i < len; i++) u[i * uCols + j] = -u[i * uCols + j]!;
  }
  return { s, u, vt };
}

/**
 * Solves A X = B in place on `b` (n x k) with the triangle of `a` (n x n) that `upper` names,
 * by substitution; `unit` takes A's diagonal as ones. No singularity check (as trsm): a zero
 * on the diagonal gives inf/NaN, propagated as trsm does (0·inf is NaN).
 */
export function triangularSolve(a: Float64Array, n: number, b: Float64Array, k: number, upper: boolean, unit: boolean): void {
  for (let s = 0; s < n; s++) {
    const i = upper ? n - 1 - s : s;
    const from = upper ? i + 1 : 0, to = upper ? n : i;
    for (let j = from; j < to; j++) {
      const l = a[i * n + j]!;
      for (let c = 0; c < k; c++) b[i * k + c]! -= l * b[j * k + c]!;
    }
    if (!unit) {
      const d = a[i * n + i]!;
      for (let c = 0; c < k; c++) b[i * k + c]! /= d;
    }
  }
}

/**
 * Bunch-Kaufman LDLᵀ of a symmetric matrix from its lower triangle, in place on `a` (n x n,
 * row-major), as LAPACK's unblocked sytf2 with uplo "L" (what sytrf runs for n below its block
 * size): D's 1x1 and 2x2 blocks on the diagonal (a 2x2 block's off-diagonal element below it),
 * the multipliers of L (unit lower, in LAPACK's factored form) below. piv (1-based, LAPACK's
 * ipiv): piv[k] > 0, a 1x1 block with rows and columns k and piv[k] - 1 interchanged;
 * piv[k] = piv[k+1] < 0, a 2x2 block with k + 1 and -piv[k] - 1 interchanged. The upper
 * triangle is zeroed (as PyTorch returns LD). Returns info: 0, or the 1-based index of the first
 * exactly zero block of D (the factorization still completes, as LAPACK's).
 */
export function ldlFactor(a: Float64Array, n: number, piv: Int32Array): number {
  // 1-based accessors, so the loop reads as LAPACK's
  const at = (i: number, j: number) => (i - 1) * n + (j - 1);
  const A = (i: number, j: number) => a[at(i, j)]!;
  const swap = (p: number, q: number) => {
    const t = a[p]!;
    a[p] = a[q]!;
    a[q] = t;
  };
  const alpha = (1 + Math.sqrt(17)) / 8;
  let info = 0;
  let k = 1;
  while (k <= n) {
    let kstep = 1, kp: number;
    const absakk = Math.abs(A(k, k));
    // the largest off-diagonal element of column k (the first one on ties, as idamax)
    let imax = k, colmax = 0;
    for (let i = k + 1; i <= n; i++) {
      const v = Math.abs(A(i, k));
      if (i === k + 1 || v > colmax) [imax, colmax] = [i, v];
    }
    if (Math.max(absakk, colmax) === 0 || Number.isNaN(absakk)) {
      if (info === 0) info = k;
      kp = k;
    } else {
      if (absakk >= alpha * colmax) kp = k;
      else {
        // the largest off-diagonal element of row/column imax
        let rowmax = 0;
        for (let j = k; j < imax; j++) rowmax = Math.max(rowmax, Math.abs(A(imax, j)));
        for (let i = imax + 1; i <= n; i++) rowmax = Math.max(rowmax, Math.abs(A(i, imax)));
        if (absakk >= alpha * colmax * (colmax / rowmax)) kp = k;
        else if (Math.abs(A(imax, imax)) >= alpha * rowmax) kp = imax;
        else {
          kp = imax;
          kstep = 2;
        }
      }
      const kk = k + kstep - 1;
      if (kp !== kk) {
        // interchange rows and columns kk and kp of the trailing submatrix A(k:n, k:n)
        for (let i = kp + 1; i <= n; i++) swap(at(i, kk), at(i, kp));
        for (let j = kk + 1; j < kp; j++) swap(at(j, kk), at(kp, j));
        swap(at(kk, kk), at(kp, kp));
        if (kstep === 2) swap(at(k + 1, k), at(kp, k));
      }
      if (kstep === 1) {
        if (k < n) {
          // A22 -= d11 x xᵀ (lower triangle), then x *= d11 (dsyr, dscal)
          const d11 = 1 / A(k, k);
          for (let j = k + 1; j <= n; j++) {
            const xj = A(j, k);
            if (xj !== 0) {
              const t = -d11 * xj;
              for (let i = j; i <= n; i++) a[at(i, j)] = A(i, j) + A(i, k) * t;
            }
          }
          for (let i = k + 1; i <= n; i++) a[at(i, k)] = d11 * A(i, k);
        }
      } else if (k < n - 1) {
        let d21 = A(k + 1, k);
        const d11 = A(k + 1, k + 1) / d21, d22 = A(k, k) / d21;
        const t = 1 / (d11 * d22 - 1);
        d21 = t / d21;
        for (let j = k + 2; j <= n; j++) {
          const wk = d21 * (d11 * A(j, k) - A(j, k + 1));
          const wkp1 = d21 * (d22 * A(j, k + 1) - A(j, k));
          for (let i = j; i <= n; i++) a[at(i, j)] = A(i, j) - A(i, k) * wk - A(i, k + 1) * wkp1;
          a[at(j, k)] = wk;
          a[at(j, k + 1)] = wkp1;
        }
      }
    }
    if (kstep === 1) piv[k - 1] = kp;
    else piv[k - 1] = piv[k] = -kp;
    k += kstep;
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = 0;
  return info;
}

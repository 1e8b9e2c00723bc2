/**
 * The PyTorch reference of test/fixtures/linalg_torch.json (written by linalg_torch.py) and
 * the Fluxion side of its function table: each fixture case names a function of FNS there;
 * FNS here computes the same outputs (the same sign-invariant forms of eigen- and singular
 * vectors) with Fluxion, so the parity tests can run every case on any device.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { linalg, tensor, logdet, pinverse, svd as torchSvd, qr as torchQr, cross as torchCross, triangularSolve, type DType, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";

export interface Enc {
  shape: number[];
  dtype: string;
  v: unknown[];
}

export interface Case {
  name: string;
  fn: string;
  inputs: Enc[];
  kw: Record<string, unknown>;
  out: Enc[];
  w?: (Enc | null)[];
  grads?: (Enc | null)[];
  /** Where PyTorch 1.13's gradient is wrong (det at a singular matrix: zero): the true one, which Fluxion gives. */
  trueGrads?: (Enc | null)[];
}

export const FIXTURE = JSON.parse(readFileSync(new URL("../fixtures/linalg_torch.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: Case[];
  errors: Record<string, string | null>;
};

/** The encoded tensor on `device` (int64 stays int64: the linalg ops take it where PyTorch does). */
export function decode(e: Enc, device = "cpu", requiresGrad = false): Tensor {
  return tensor(decAll(e.v), { shape: e.shape, dtype: e.dtype as DType, device, requiresGrad });
}

/** Keyword values back from JSON ("inf" strings). */
function kwValue(v: unknown): unknown {
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v;
}

export function kwOf(c: Case): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c.kw).map(([k, v]) => [k, kwValue(v)]));
}

type Fn = (inputs: Tensor[], kw: Record<string, any>) => Tensor[];

/** The fixture's function table in Fluxion (test/fixtures/linalg_torch.py FNS, by name). */
export const FNS: Record<string, Fn> = {
  cholesky: ([A], kw) => [linalg.cholesky(A!, kw)],
  choleskyEx: ([A], kw) => [...linalg.choleskyEx(A!, kw)],
  qr: ([A], kw) => [...linalg.qr(A!, kw)],
  eigh: ([A], kw) => {
    const r = linalg.eigh(A!, kw);
    return [r.eigenvalues, r.eigenvectors.abs()];
  },
  eighGrad: ([A], kw) => {
    const r = linalg.eigh(A!, kw);
    return [r.eigenvalues, r.eigenvectors.mul(r.eigenvectors)];
  },
  eigvalsh: ([A], kw) => [linalg.eigvalsh(A!, kw)],
  svd: ([A], kw) => {
    const r = linalg.svd(A!, kw);
    return [r.S, r.U.abs(), r.Vh.abs()];
  },
  svdGrad: ([A]) => {
    const r = linalg.svd(A!, false);
    return [r.S, r.U.mul(r.U), r.Vh.mul(r.Vh), r.U.matmul(r.Vh)];
  },
  svdUGrad: ([A]) => {
    const r = linalg.svd(A!, false);
    return [r.U.mul(r.U)];
  },
  svdVhGrad: ([A]) => {
    const r = linalg.svd(A!, false);
    return [r.Vh.mul(r.Vh)];
  },
  svdSOnly: ([A]) => [linalg.svd(A!, false).S.sum()],
  svdvals: ([A]) => [linalg.svdvals(A!)],
  svdvalsSum: ([A]) => [linalg.svdvals(A!).sum()],
  eigvalshSum: ([A]) => [linalg.eigvalsh(A!).sum()],
  solve: ([A, B], kw) => [linalg.solve(A!, B!, kw)],
  solveTriangular: ([A, B], kw) => [linalg.solveTriangular(A!, B!, kw as { upper: boolean })],
  inv: ([A]) => [linalg.inv(A!)],
  invEx: ([A]) => [...linalg.invEx(A!)],
  det: ([A]) => [linalg.det(A!)],
  slogdet: ([A]) => [...linalg.slogdet(A!)],
  logdet: ([A]) => [logdet(A!)],
  lstsq: ([A, B], kw) => [...linalg.lstsq(A!, B!, kw)],
  pinv: ([A], kw) => [linalg.pinv(A!, kw)],
  matrixRank: ([A], kw) => [linalg.matrixRank(A!, kw)],
  matrixNorm: ([A], kw) => [linalg.matrixNorm(A!, kw)],
  vectorNorm: ([x], kw) => [linalg.vectorNorm(x!, kw)],
  norm: ([A], kw) => [linalg.norm(A!, kw)],
  cross: ([x, y], kw) => [linalg.cross(x!, y!, kw)],
  torchCross: ([x, y], kw) => [torchCross(x!, y!, kw)],
  matrixPower: ([A], kw) => [linalg.matrixPower(A!, kw as { n: number })],
  multiDot: (ts) => [linalg.multiDot(ts)],
  vander: ([x], kw) => [linalg.vander(x!, kw)],
  vecdot: ([x, y], kw) => [linalg.vecdot(x!, y!, kw)],
  torchSvd: ([A], kw) => {
    const [U, S, V] = torchSvd(A!, kw);
    return [S, U.abs(), V.abs()];
  },
  torchQr: ([A], kw) => [...torchQr(A!, kw)],
  pinverse: ([A], kw) => [pinverse(A!, kw)],
  triangularSolve: ([b, A], kw) => [...triangularSolve(b!, A!, kw)],
};

/** Outputs of a case whose extra columns are any orthonormal completion (full U/Vh with m ≠ n): compare only their first k. */
export function comparable(c: Case, i: number, t: Tensor, e: Enc): [Tensor, Enc] {
  const full = (c.fn === "svd" && c.kw.fullMatrices !== false) || (c.fn === "torchSvd" && c.kw.some === false);
  if (!full || i === 0) return [t, e];
  const A = c.inputs[0]!.shape, m = A[A.length - 2]!, n = A[A.length - 1]!, k = Math.min(m, n);
  if (m === n || k === 0) return [t, e];
  // U is [..., m, m] (its first k columns are determined), Vh [..., n, n] (first k rows), torch.svd's V [..., n, n] (first k columns)
  const rowsOf = c.fn === "svd" && i === 2;
  const cut = (x: Tensor) => (rowsOf ? x.narrow(-2, 0, k) : x.narrow(-1, 0, k));
  const ref = cut(decode(e));
  return [cut(t), { shape: [...ref.shape], dtype: e.dtype, v: Array.from(ref.toTypedArray() as Float64Array) }];
}

/**
 * |actual - expected| <= tol · max(1, max |expected|) elementwise; NaN and infinities exactly;
 * integer outputs exactly. float64: 1e-9 (LAPACK and Fluxion's Jacobi/Householder differ in
 * rounding only); float32: PyTorch computes in float32, Fluxion in float64 then rounds.
 */
export function match(actual: Tensor, expected: Enc, msg: string, kind: "value" | "grad" = "value"): void {
  assert.deepEqual([...actual.shape], expected.shape, `${msg}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${msg}: dtype`);
  const a = Array.from(actual.toTypedArray() as ArrayLike<number | bigint>, Number), e = decAll(expected.v);
  let scale = 1;
  for (const v of e) if (Number.isFinite(v) && Math.abs(v) > scale) scale = Math.abs(v);
  const integral = !expected.dtype.startsWith("float");
  const tol = integral ? 0 : (expected.dtype === "float64" ? (kind === "value" ? 1e-9 : 1e-8) : kind === "value" ? 1e-4 : 1e-3) * scale;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `${msg}[${i}]: expected NaN, got ${x}`);
    else if (!Number.isFinite(y)) assert.equal(x, y, `${msg}[${i}]`);
    else assert.ok(Math.abs(x - y) <= tol, `${msg}[${i}]: ${x} vs PyTorch ${y} (tolerance ${tol})`);
  }
}

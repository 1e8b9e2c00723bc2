/**
 * The LU family (linalg.luFactor/luFactorEx/lu/luSolve, torch.lu/luSolve/luUnpack),
 * linalg.cond/tensorinv/tensorsolve, geqrf/householderProduct/orgqr/ormqr,
 * choleskySolve/choleskyInverse, and inner/vdot/dist/chainMatmul/ger/
 * frobeniusNorm/nuclearNorm/vander against PyTorch 1.13 (test/fixtures/linalg_more_torch.json):
 * values in float32 and float64 (random, batched, broadcast, empty, singular and
 * ill-conditioned inputs) on the CPU kernel and on the decomposition into core primitives,
 * PyTorch's gradients for float64 cases, and its error messages. Then gradcheck (float64) of
 * each differentiable function, including what PyTorch 1.13 itself cannot differentiate
 * (torch.vander, the inverse-based orders of cond, ormqr), and the eig/eigvals refusals.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { AutogradError, DTypeError, FluxionError, LinAlgError, autograd, eye, linalg, randn, tensor, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";
import { NOFUSED } from "../backend/fused_helpers.js";
import { decode, kwOf, type Case, type Enc } from "./cases.js";
import { readFileSync } from "node:fs";

const FIXTURE = JSON.parse(readFileSync(new URL("../fixtures/linalg_more_torch.json", import.meta.url), "utf8")) as {
  torch: string;
  cases: (Case & { tol?: number })[];
  errors: Record<string, string | null>;
};

type Fn = (inputs: Tensor[], kw: Record<string, any>) => Tensor[];

/** The fixture's function table (linalg_more_torch.py FNS) in Fluxion. */
const FNS: Record<string, Fn> = {
  luFactor: ([A], kw) => [...linalg.luFactor(A!, kw)],
  luFactorEx: ([A], kw) => [...linalg.luFactorEx(A!, kw)],
  lu: ([A], kw) => [...linalg.lu(A!, kw)],
  luSolve: ([LU, piv, B], kw) => [linalg.luSolve(LU!, piv!, B!, kw)],
  luFactorSolve: ([A, B], kw) => {
    const { LU, pivots } = linalg.luFactor(A!);
    return [linalg.luSolve(LU, pivots, B!, kw)];
  },
  torchLu: ([A], kw) => [...fx.lu(A!, kw)],
  torchLuSolve: ([b, LU, piv]) => [fx.luSolve(b!, LU!, piv!)],
  luUnpack: ([LU, piv], kw) => [...fx.luUnpack(LU!, piv!, kw)],
  cond: ([A], kw) => [linalg.cond(A!, kw)],
  tensorinv: ([A], kw) => [linalg.tensorinv(A!, kw)],
  tensorsolve: ([A, B], kw) => [linalg.tensorsolve(A!, B!, kw)],
  geqrf: ([A]) => [...fx.geqrf(A!)],
  householderProduct: ([A, tau]) => [linalg.householderProduct(A!, tau!)],
  orgqr: ([A, tau]) => [fx.orgqr(A!, tau!)],
  ormqr: ([A, tau, C], kw) => [fx.ormqr(A!, tau!, C!, kw)],
  choleskySolve: ([b, u], kw) => [fx.choleskySolve(b!, u!, kw)],
  choleskyInverse: ([u], kw) => [fx.choleskyInverse(u!, kw)],
  inner: ([a, b]) => [fx.inner(a!, b!)],
  vdot: ([a, b]) => [fx.vdot(a!, b!)],
  dist: ([a, b], kw) => [fx.dist(a!, b!, kw)],
  chainMatmul: (ts) => [fx.chainMatmul(...ts)],
  ger: ([a, b]) => [fx.ger(a!, b!)],
  frobeniusNorm: ([x], kw) => [fx.frobeniusNorm(x!, kw)],
  nuclearNorm: ([x], kw) => [kw.dim ? fx.nuclearNorm(x!, kw.dim, kw.keepdim ?? false) : fx.nuclearNorm(x!, kw.keepdim ?? false)],
  vander: ([x], kw) => [fx.vander(x!, kw)],
};

/** |actual - expected| <= tol · max(1, max |expected|); NaN and infinities exactly; integers exactly. */
function match(actual: Tensor, expected: Enc, msg: string, tol: number): void {
  assert.deepEqual([...actual.shape], expected.shape, `${msg}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${msg}: dtype`);
  const a = Array.from(actual.toTypedArray() as ArrayLike<number | bigint>, Number), e = decAll(expected.v);
  let scale = 1;
  for (const v of e) if (Number.isFinite(v) && Math.abs(v) > scale) scale = Math.abs(v);
  const t = expected.dtype.startsWith("float") ? tol * scale : 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `${msg}[${i}]: expected NaN, got ${x}`);
    else if (!Number.isFinite(y)) assert.equal(x, y, `${msg}[${i}]`);
    else assert.ok(Math.abs(x - y) <= t, `${msg}[${i}]: ${x} vs PyTorch ${y} (tolerance ${t})`);
  }
}

function runCase(c: Case & { tol?: number }, device: string): void {
  const fn = FNS[c.fn]!;
  const kw = kwOf(c);
  const f32 = c.inputs.some((e) => e.dtype === "float32");
  const tol = c.tol ?? (f32 ? 1e-4 : 1e-9);
  const outs = fn(c.inputs.map((e) => decode(e, device)), kw);
  assert.equal(outs.length, c.out.length, `${c.name}: number of outputs`);
  outs.forEach((t, i) => match(t, c.out[i]!, `${c.name}: output ${i}`, tol));
  if (!c.grads) return;
  const xs = c.inputs.map((e, i) => decode(e, device, c.grads![i] !== null));
  let loss: Tensor | null = null;
  fn(xs, kw).forEach((y, i) => {
    const w = c.w![i];
    if (!w) return;
    const term = y.mul(decode(w, device)).sum();
    loss = loss === null ? term : loss.add(term);
  });
  (loss as unknown as Tensor).backward();
  c.grads.forEach((g, i) => {
    if (g === null) return;
    assert.ok(xs[i]!.grad, `${c.name}: input ${i} got no gradient`);
    match(xs[i]!.grad!, g, `${c.name}: gradient of input ${i}`, c.tol ?? 1e-7);
  });
}

const groups = new Map<string, Case[]>();
for (const c of FIXTURE.cases) groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);

for (const { name, device } of [{ name: "CPU kernel", device: "cpu" }, { name: "decomposition", device: NOFUSED }]) {
  describe(`linalg (LU, cond, Householder, Cholesky solves, products) against PyTorch ${FIXTURE.torch} (${name})`, () => {
    for (const [fn, cases] of groups) {
      it(`${fn}: ${cases.length} cases`, () => {
        for (const c of cases) runCase(c, device);
      });
    }
  });
}

it("the fixture covers every function of the table", () => {
  assert.deepEqual(new Set(FIXTURE.cases.map((c) => c.fn)), new Set(Object.keys(FNS)));
});

// ---- errors ---------------------------------------------------------------------------------

const f64 = { dtype: "float64" as const };
const SING = () => tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]);
const LU3 = () => linalg.luFactor(randn(3, 3).add(eye(3).mul(3)));
const QR43 = () => fx.geqrf(randn(4, 3));
const u3 = () => linalg.cholesky(eye(3).mul(2));
const o = (...s: number[]) => fx.ones(s);

const CALLS: Record<string, () => unknown> = {
  "luFactor singular": () => linalg.luFactor(SING()),
  "luFactor batch element": () => linalg.luFactor(fx.zeros(3, 2, 2)),
  "luFactorEx check_errors": () => linalg.luFactorEx(SING(), { checkErrors: true }),
  "luFactor 1-D": () => linalg.luFactor(o(3)),
  "luFactor int64": () => linalg.luFactor(fx.ones([2, 2], { dtype: "int64" })),
  "luFactor pivot=False": () => linalg.luFactor(o(2, 2), { pivot: false }),
  "lu 1-D": () => linalg.lu(o(3)),
  "torch.lu 1-D": () => fx.lu(o(3)),
  "luSolve shapes": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots, randn(2, 3)); },
  "luSolve shapes left=False": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots, randn(2, 2), { left: false }); },
  "luSolve 1-D B": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots, randn(3)); },
  "luSolve dtypes": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots, randn([3, 2], f64)); },
  "luSolve int64 pivots": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots.to("int64"), randn(3, 2)); },
  "luSolve pivots size": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots.narrow(0, 0, 2), randn(3, 2)); },
  "luSolve not square": () => { const f = LU3(); return linalg.luSolve(f.LU.narrow(0, 0, 2), f.pivots.narrow(0, 0, 2), randn(2, 2)); },
  "luSolve pivots batch": () => { const f = LU3(); return linalg.luSolve(f.LU, f.pivots.expand([2, 3]), randn(3, 1)); },
  "luSolve int64 LU": () => linalg.luSolve(fx.ones([2, 2], { dtype: "int64" }), fx.ones([2], { dtype: "int32" }), fx.ones([2, 1], { dtype: "int64" })),
  "torch.lu_solve shapes": () => { const f = LU3(); return fx.luSolve(randn(2, 3), f.LU, f.pivots); },
  "luUnpack int64 pivots": () => { const f = LU3(); return fx.luUnpack(f.LU, f.pivots.to("int64")); },
  "luUnpack pivots out of range": () => { const f = LU3(); return fx.luUnpack(f.LU, f.pivots.add(5)); },
  "luUnpack 1-D": () => { const f = LU3(); return fx.luUnpack(f.LU.index(0), f.pivots); },
  "cond invalid p": () => linalg.cond(randn(2, 2), 0.5),
  "cond 1-D": () => linalg.cond(randn(3)),
  "cond p=1 not square": () => linalg.cond(randn(2, 3), 1),
  "cond p=inf not square": () => linalg.cond(randn(2, 3), Infinity),
  "cond fro not square": () => linalg.cond(randn(2, 3), "fro"),
  "tensorinv shapes": () => linalg.tensorinv(randn(4, 6), 1),
  "tensorinv ind": () => linalg.tensorinv(randn(4, 6), 0),
  "tensorinv singular": () => linalg.tensorinv(fx.zeros(2, 2, 4), 2),
  "tensorsolve shapes": () => linalg.tensorsolve(randn(2, 3, 6), randn(4)),
  "tensorsolve singular": () => linalg.tensorsolve(fx.zeros(2, 3, 6), randn(2, 3)),
  "tensorsolve dtypes": () => linalg.tensorsolve(fx.zeros(2, 3, 6), randn([2, 3], f64)),
  "geqrf 1-D": () => fx.geqrf(o(3)),
  "householderProduct tau ndim": () => { const r = QR43(); return linalg.householderProduct(r.a, r.tau.unsqueeze(0)); },
  "householderProduct tau too long": () => linalg.householderProduct(QR43().a, randn(4)),
  "householderProduct wide": () => { const r = QR43(); return linalg.householderProduct(r.a.mT, r.tau); },
  "householderProduct dtypes": () => { const r = QR43(); return linalg.householderProduct(r.a, r.tau.double()); },
  "householderProduct 1-D": () => linalg.householderProduct(o(3), QR43().tau),
  "householderProduct batch": () => linalg.householderProduct(randn(2, 4, 3), randn(3, 3)),
  "ormqr rows": () => { const r = QR43(); return fx.ormqr(r.a, r.tau, randn(3, 2)); },
  "ormqr cols left=False": () => { const r = QR43(); return fx.ormqr(r.a, r.tau, randn(2, 3), { left: false }); },
  "ormqr tau too long": () => fx.ormqr(QR43().a, randn(5), randn(4, 2)),
  "ormqr 1-D other": () => { const r = QR43(); return fx.ormqr(r.a, r.tau, randn(4)); },
  "ormqr other dtype": () => { const r = QR43(); return fx.ormqr(r.a, r.tau, randn([4, 2], f64)); },
  "ormqr tau dtype": () => { const r = QR43(); return fx.ormqr(r.a, r.tau.double(), randn(4, 2)); },
  "ormqr tau batch": () => fx.ormqr(randn(2, 4, 3), randn(3, 3), randn(2, 4, 2)),
  "ormqr other batch": () => fx.ormqr(randn(2, 4, 3), randn(2, 3), randn(3, 4, 2)),
  "choleskySolve shapes": () => fx.choleskySolve(randn(2, 3), u3()),
  "choleskySolve 1-D b": () => fx.choleskySolve(randn(3), u3()),
  "choleskySolve not square": () => fx.choleskySolve(randn(3, 2), randn(2, 3)),
  "choleskySolve dtypes": () => fx.choleskySolve(randn([3, 2], f64), u3()),
  "choleskyInverse singular": () => fx.choleskyInverse(fx.zeros(3, 3)),
  "choleskyInverse 1-D": () => fx.choleskyInverse(randn(3)),
  "choleskyInverse not square": () => fx.choleskyInverse(randn(2, 3)),
  "inner last dims": () => fx.inner(randn(2, 3), randn(4, 2)),
  "vdot sizes": () => fx.vdot(randn(3), randn(4)),
  "vdot 2-D": () => fx.vdot(randn(3, 1), randn(3)),
  "dist broadcast": () => fx.dist(randn(3), randn(4)),
  "dist int64": () => fx.dist(fx.ones([3], { dtype: "int64" }), fx.ones([2, 3], { dtype: "int64" })),
  "chainMatmul none": () => fx.chainMatmul(),
  "chainMatmul 1-D": () => fx.chainMatmul(o(2, 3), o(3)),
  "chainMatmul shapes": () => fx.chainMatmul(o(2, 3), o(2, 3)),
  "ger 2-D": () => fx.ger(o(2, 3), o(3)),
  "frobeniusNorm 3 dims": () => fx.frobeniusNorm(o(2, 3, 4), [0, 1, 2]),
  "frobeniusNorm same dims": () => fx.frobeniusNorm(o(2, 3), [0, -2]),
  "nuclearNorm 3-D": () => fx.nuclearNorm(o(2, 3, 4)),
  "nuclearNorm one dim": () => fx.nuclearNorm(o(2, 3, 4), [0]),
  "vander 2-D": () => fx.vander(o(2, 3)),
  "vander N": () => fx.vander(o(3), -1),
};

/** PyTorch's spellings as Fluxion's (names in camelCase, dtypes by name); each error keeps the rest of PyTorch's words. */
const TORCH_NAMES: [RegExp, string][] = [
  [/torch\.linalg\.lu_factor_ex/g, "linalg.luFactorEx"], [/torch\.linalg\.lu_factor/g, "linalg.luFactor"], [/linalg\.lu_factor_ex\(/g, "linalg.luFactorEx("],
  [/torch\.lu_factor:/g, "FACTOR:"], [/linalg\.lu_factor:/g, "linalg.luFactor:"], [/on lu_solve/g, "on luSolve"],
  [/torch\.linalg\.lu_solve/g, "linalg.luSolve"], [/linalg\.lu_solve/g, "linalg.luSolve"], [/torch\.lu_unpack/g, "luUnpack"],
  [/torch\.linalg\.householder_product/g, "torch.linalg.householder_product"],
  [/^inv:/g, "linalg.tensorinv:"], [/^cholesky_inverse:/g, "choleskyInverse:"], [/^linalg\.solve: Expected/g, "linalg.tensorsolve: Expected"], [/multi_dot\(\):/g, "multiDot:"],
  [/dtypeFloat/g, "dtype float32"], [/\bLong\b/g, "int64"], [/\bFloat\b/g, "float32"], [/\bDouble\b/g, "float64"],
];

/** Where Fluxion words it differently on purpose (a PyTorch kernel's name, CUDA-only advice, a broadcast message): what it must say instead. */
const REWORDED: Record<string, RegExp> = {
  "luFactor int64": /linalg\.luFactor: Expected a floating point or complex tensor as input\. Got int64/,
  "luFactor pivot=False": /linalg\.luFactor: LU without pivoting is not implemented on the CPU/,
  "luSolve int64 LU": /linalg\.luSolve: Expected a floating point or complex tensor as input\. Got int64/,
  "ger 2-D": /ger: Expected 1-D argument self, but got 2-D/,
  "dist broadcast": /shapes? .*\[3\].*\[4\]|\[3\] and \[4\]/,
};

/** Fluxion's message without the parentheses it adds ("(shape ...)", "(got ...)", ...). */
function withoutAdditions(msg: string): string {
  return msg.replace(/\s*\((?:got |shapes? |input |pivots |LU |with |PyTorch |pass |convert |input shape )[^()]*(?:\([^()]*\)[^()]*)*\)/g, "");
}

function errorOf(fn: () => unknown): FluxionError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FluxionError, `not a FluxionError: ${String(e)}`);
    return e;
  }
  assert.fail("no error");
}

describe("errors carry PyTorch 1.13's messages", () => {
  it("every fixture error has a Fluxion call", () => assert.deepEqual(Object.keys(CALLS).sort(), Object.keys(FIXTURE.errors).sort()));
  for (const [name, torchMsg] of Object.entries(FIXTURE.errors)) {
    it(name, () => {
      assert.ok(torchMsg, "PyTorch raised");
      const e = errorOf(CALLS[name]!);
      if (REWORDED[name]) return assert.match(e.message, REWORDED[name]!);
      let expected = torchMsg;
      for (const [re, to] of TORCH_NAMES) expected = expected.replace(re, to);
      const msg = withoutAdditions(e.message).replace(/^(linalg\.luFactor|linalg\.lu|lu): Expected tensor/, "FACTOR: Expected tensor");
      assert.ok(msg.includes(expected.replace(/^linalg\.lu: Expected/, "FACTOR: Expected")), `Fluxion: ${e.message}\nPyTorch: ${torchMsg}`);
      if (/singular|is zero/.test(torchMsg)) assert.ok(e instanceof LinAlgError, `${e.constructor.name}, expected LinAlgError`);
      if (/dtype|Long|Double/.test(torchMsg)) assert.ok(e instanceof DTypeError, `${e.constructor.name}, expected DTypeError`);
    });
  }
});

// ---- gradients against finite differences ---------------------------------------------------

const leaf = (...shape: number[]) => randn(shape, f64).requiresGrad_(true);
const wellConditioned = (...shape: number[]) => randn(shape, f64).add(eye(shape.at(-1)!, f64).mul(3)).requiresGrad_(true);
/** A triangular factor with a diagonal kept away from 0, from any X (gradcheck's perturbations of the other triangle are cut by tril/triu, as PyTorch's own checks do). */
const lowerOf = (X: Tensor) => X.tril().add(eye(X.shape.at(-1)!, f64).mul(3));

describe("gradcheck (float64)", () => {
  const cases: [string, (...xs: Tensor[]) => Tensor | Tensor[], () => Tensor[], boolean?][] = [
    ["luFactor square", (A) => linalg.luFactor(A).LU, () => [leaf(3, 3)], true],
    ["luFactor tall, batched", (A) => linalg.luFactor(A).LU, () => [leaf(2, 4, 2)]],
    ["luFactor wide", (A) => linalg.luFactor(A).LU, () => [leaf(2, 4)]],
    ["lu (L and U)", (A) => { const r = linalg.lu(A); return [r.L, r.U]; }, () => [leaf(3, 3)], true],
    ["lu tall", (A) => { const r = linalg.lu(A); return [r.L, r.U]; }, () => [leaf(4, 3)]],
    ["lu wide", (A) => { const r = linalg.lu(A); return [r.L, r.U]; }, () => [leaf(3, 4)]],
    ["luSolve through luFactor", (A, B) => { const f = linalg.luFactor(A); return linalg.luSolve(f.LU, f.pivots, B); }, () => [wellConditioned(3, 3), leaf(2, 3, 2)], true],
    ["luSolve adjoint, left=false", (A, B) => { const f = linalg.luFactor(A); return linalg.luSolve(f.LU, f.pivots, B, { left: false, adjoint: true }); }, () => [wellConditioned(3, 3), leaf(2, 3)]],
    ["luUnpack", (LU) => { const r = fx.luUnpack(LU, linalg.luFactor(randn([3, 3], f64)).pivots); return [r.L, r.U]; }, () => [leaf(3, 3)]],
    ["cond 2", (A) => linalg.cond(A), () => [leaf(3, 3)]],
    ["cond nuc", (A) => linalg.cond(A, "nuc"), () => [leaf(3, 3)]],
    ["cond fro (PyTorch 1.13 cannot)", (A) => linalg.cond(A, "fro"), () => [leaf(3, 3)]],
    ["cond inf (PyTorch 1.13 cannot)", (A) => linalg.cond(A, Infinity), () => [leaf(3, 3)]],
    ["tensorinv", (A) => linalg.tensorinv(A, 1), () => [wellConditioned(4, 2, 2).reshape([4, 4]).reshape([4, 2, 2]).detach().requiresGrad_(true)]],
    ["tensorsolve", (A, B) => linalg.tensorsolve(A, B), () => [wellConditioned(6, 6).reshape([2, 3, 6]).detach().requiresGrad_(true), leaf(2, 3)]],
    ["householderProduct", (A, tau) => linalg.householderProduct(A, tau), () => [leaf(4, 3), leaf(3)], true],
    ["householderProduct batched", (A, tau) => linalg.householderProduct(A, tau), () => [leaf(2, 3, 2), leaf(2, 2)]],
    ["ormqr, every side and transpose (PyTorch 1.13 cannot)", (A, tau, C, D) => [fx.ormqr(A, tau, C), fx.ormqr(A, tau, C, true, true), fx.ormqr(A, tau, D, false), fx.ormqr(A, tau, D, false, true)], () => [leaf(4, 3), leaf(3), leaf(4, 2), leaf(2, 4)]],
    ["choleskySolve", (b, X) => fx.choleskySolve(b, lowerOf(X)), () => [leaf(3, 2), leaf(3, 3)], true],
    ["choleskySolve upper, broadcast", (b, X) => fx.choleskySolve(b, lowerOf(X).mT, true), () => [leaf(2, 3, 1), leaf(3, 3)]],
    ["choleskyInverse", (X) => fx.choleskyInverse(lowerOf(X)), () => [leaf(3, 3)], true],
    ["choleskyInverse upper", (X) => fx.choleskyInverse(lowerOf(X).mT, true), () => [leaf(2, 3, 3)]],
    ["inner", (a, b) => fx.inner(a, b), () => [leaf(2, 3), leaf(4, 3)]],
    ["vdot", (a, b) => fx.vdot(a, b), () => [leaf(4), leaf(4)]],
    ["dist 3", (a, b) => fx.dist(a, b, 3), () => [leaf(2, 3), leaf(3)]],
    ["chainMatmul", (a, b, c) => fx.chainMatmul(a, b, c), () => [leaf(2, 3), leaf(3, 4), leaf(4, 2)]],
    ["ger", (a, b) => fx.ger(a, b), () => [leaf(3), leaf(2)]],
    ["frobeniusNorm", (x) => fx.frobeniusNorm(x, [0, 2]), () => [leaf(2, 3, 2)]],
    ["nuclearNorm", (x) => fx.nuclearNorm(x), () => [leaf(3, 2)]],
    ["vander (PyTorch 1.13 cannot)", (x) => fx.vander(x, 4, true), () => [leaf(3)]],
  ];
  for (const [name, fn, inputs, gradgrad] of cases) {
    it(name, () => {
      const xs = inputs();
      assert.ok(autograd.gradcheck(fn, xs, { atol: 1e-6 }), name);
      if (gradgrad) assert.ok(autograd.gradgradcheck(fn, xs, { atol: 1e-5 }), `${name}: second derivatives`);
    });
  }
});

describe("behaviour beyond the fixture", () => {
  it("P L U reconstructs A, and luUnpack(luFactor(A)) is linalg.lu(A)", () => {
    for (const shape of [[4, 4], [5, 3], [3, 5], [2, 3, 3]]) {
      const A = randn(shape, f64);
      const { P, L, U } = linalg.lu(A);
      assert.ok(P.matmul(L).matmul(U).sub(A).abs().max().item<number>() < 1e-12, `[${shape}]`);
      const f = linalg.luFactor(A);
      const u = fx.luUnpack(f.LU, f.pivots);
      assert.deepEqual(u.P.tolist(), P.tolist());
      assert.deepEqual(u.L.tolist(), L.tolist());
    }
  });

  it("pivots are 1-based int32 (LAPACK's), info one int32 per matrix; torch.lu returns infos only with getInfos", () => {
    const r = linalg.luFactorEx(fx.stack([SING(), eye(3)]));
    assert.equal(r.pivots.dtype, "int32");
    assert.deepEqual(r.pivots.tolist(), [[2, 3, 3], [1, 2, 3]]);
    assert.deepEqual(r.info.tolist(), [3, 0]);
    assert.equal(fx.lu(SING()).length, 2);
    assert.equal(fx.lu(SING(), { getInfos: true }).length, 3);
    assert.equal(SING().lu().length, 2);
  });

  it("geqrf is not differentiable (PyTorch's error, in backward); householderProduct of geqrf is linalg.qr's Q", () => {
    const A = leaf(4, 3);
    const { a, tau } = fx.geqrf(A);
    assert.throws(() => a.sum().backward(), (e: unknown) => e instanceof AutogradError && /derivative for 'geqrf' is not implemented/.test((e as Error).message));
    const Q = linalg.householderProduct(a, tau);
    assert.ok(Q.sub(linalg.qr(A.detach()).Q).abs().max().item<number>() < 1e-12);
    assert.ok(A.detach().geqrf().a.sub(a).abs().max().item<number>() === 0);
    assert.ok(a.orgqr(tau).sub(Q).abs().max().item<number>() === 0);
  });

  it("eig and eigvals are refused by design (no complex dtype), pointing at eigh and eigvalsh", () => {
    const e1 = errorOf(() => linalg.eig(eye(2)));
    assert.ok(e1 instanceof DTypeError);
    assert.match(e1.message, /linalg\.eig: Fluxion has no complex dtype.*linalg\.eigh/);
    assert.match(errorOf(() => linalg.eigvals(eye(2))).message, /linalg\.eigvals: .*linalg\.eigvalsh/);
  });

  it("Tensor methods: luSolve, choleskySolve, choleskyInverse, inner, vdot, dist, ger, ormqr", () => {
    const A = randn([3, 3], f64).add(eye(3, f64).mul(3)), b = randn([3, 1], f64);
    const f = linalg.luFactor(A);
    assert.ok(b.luSolve(f.LU, f.pivots).sub(linalg.solve(A, b)).abs().max().item<number>() < 1e-12);
    const u = linalg.cholesky(A.matmul(A.mT));
    assert.ok(b.choleskySolve(u).sub(linalg.solve(A.matmul(A.mT), b)).abs().max().item<number>() < 1e-10);
    assert.ok(u.choleskyInverse().sub(linalg.inv(A.matmul(A.mT))).abs().max().item<number>() < 1e-10);
    const v = randn([3], f64);
    assert.equal(v.inner(v).item(), v.vdot(v).item());
    assert.ok(Math.abs(v.dist(v.mul(0)).item<number>() - linalg.vectorNorm(v).item<number>()) < 1e-12);
    assert.deepEqual(v.ger(v).tolist(), fx.outer(v, v).tolist());
  });
});

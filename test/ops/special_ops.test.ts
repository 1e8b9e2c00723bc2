/**
 * The special functions as ops (the values themselves: special.test.ts): function, method,
 * in-place and torch.special forms, dtype promotion of integer and bool inputs, 0-d, empty and
 * non-contiguous inputs, broadcasting, out=, PyTorch's error messages, and gradients (against
 * PyTorch's, and by gradcheck/gradgradcheck in float64). Reference: special_torch.json.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { FluxionError, autograd, special, tensor, zeros, type Tensor } from "../../src/index.js";
import { dec, decAll } from "../fixtures/math_ref.js";
import { ulpDistance } from "../fixtures/math_ext_ref.js";
import { assertClose, fluxionErrorMessage, nonContiguous } from "../helpers.js";

const FX = JSON.parse(readFileSync(new URL("../fixtures/special_torch.json", import.meta.url), "utf8"));
const f64 = (v: readonly number[], shape?: number[]) => tensor(new Float64Array(v), shape ? { shape } : {});
const vals = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>, Number);

function assertUlps(got: readonly number[], want: readonly number[], ulps: number, what: string, dt: "float32" | "float64" = "float64"): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((g, i) => assert.ok(ulpDistance(g, want[i]!, dt) <= ulps, `${what}[${i}]: ${g} vs ${want[i]}`));
}

const UNARY: Record<string, (t: Tensor) => Tensor> = {
  erfc: fx.erfc, erfinv: fx.erfinv, lgamma: fx.lgamma, digamma: fx.digamma, i0: fx.i0, i0e: special.i0e, ndtr: special.ndtr, entr: special.entr,
  polygamma1: (t) => fx.polygamma(1, t),
};

test("integer and bool inputs compute in float32 (the default float dtype), as PyTorch", () => {
  for (const [name, want] of Object.entries<{ int32: unknown[]; dtype: string; bool: unknown[]; boolDtype: string }>(FX.intInput)) {
    const fn = UNARY[name]!;
    const r = fn(tensor([1, 2, 3, 5], { dtype: "int32" })), rb = fn(tensor([true, false]));
    assert.equal(r.dtype, want.dtype, name);
    assert.equal(rb.dtype, want.boolDtype, name);
    // PyTorch's float32 kernels are a few ulps off themselves (digamma(1): 4)
    assertUlps(vals(r), decAll(want.int32), 8, `${name}(int32)`, "float32");
    assertUlps(vals(rb), decAll(want.bool), 8, `${name}(bool)`, "float32");
    assert.equal(fn(tensor([1, 2], { dtype: "int64" })).dtype, "float32", `${name}(int64)`);
  }
});

test("function, method and torch.special forms agree; polygamma is polygamma(n, x) as a function and x.polygamma(n) as a method", () => {
  const x = f64([0.3, 1.7, 4.2, 9.5]);
  const pairs: [Tensor, Tensor][] = [
    [fx.erfc(x), x.erfc()], [fx.erfc(x), special.erfc(x)], [fx.erfinv(x.div(10)), x.div(10).erfinv()], [fx.erfinv(x.div(10)), special.erfinv(x.div(10))],
    [fx.lgamma(x), x.lgamma()], [fx.lgamma(x), special.gammaln(x)], [fx.digamma(x), x.digamma()], [fx.digamma(x), special.psi(x)], [fx.digamma(x), special.digamma(x)],
    [fx.polygamma(2, x), x.polygamma(2)], [fx.polygamma(2, x), special.polygamma(2, x)], [fx.polygamma(0, x), fx.digamma(x)],
    [fx.i0(x), x.i0()], [fx.i0(x), special.i0(x)], [fx.mvlgamma(x.add(2), 2), x.add(2).mvlgamma(2)], [fx.mvlgamma(x.add(2), 2), special.multigammaln(x.add(2), 2)],
    [special.erf(x), x.erf()], [special.expit(x), x.sigmoid()], [special.exp2(x), x.exp2()], [special.expm1(x), x.expm1()], [special.log1p(x), x.log1p()],
  ];
  pairs.forEach(([a, b], i) => assert.deepEqual(vals(a), vals(b), `pair ${i}`));
  assert.deepEqual(vals(special.polygamma(1, x)), vals(fx.polygamma(1, x)));
});

test("the in-place forms write the value into self; an integer self refuses a float result, as PyTorch", () => {
  const x = f64([0.3, 1.7, 4.2]);
  const cases: [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor][] = [
    ["erfc_", (t) => t.erfc_(), fx.erfc], ["erfinv_", (t) => t.div_(10).erfinv_(), (t) => fx.erfinv(t.div(10))], ["lgamma_", (t) => t.lgamma_(), fx.lgamma],
    ["digamma_", (t) => t.digamma_(), fx.digamma], ["i0_", (t) => t.i0_(), fx.i0], ["polygamma_", (t) => t.polygamma_(3), (t) => fx.polygamma(3, t)],
    ["mvlgamma_", (t) => t.add_(2).mvlgamma_(3), (t) => fx.mvlgamma(t.add(2), 3)],
  ];
  for (const [name, inPlace, outOfPlace] of cases) {
    const c = x.clone(), version = c.version;
    const r = inPlace(c);
    assert.equal(r, c, `${name} returns self`);
    assert.ok(c.version > version, `${name} bumps the version`);
    assert.deepEqual(vals(c), vals(outOfPlace(x)), name);
  }
  // PyTorch: "result type Float can't be cast to the desired output type Long"
  const msg = fluxionErrorMessage(() => tensor([1, 2], { dtype: "int32" }).lgamma_(), "lgamma_ on int32");
  assert.match(msg, /result type float32 can't be cast to the desired output type int32/);
  assert.match(FX.errors.lgammaIntInPlace, /result type Float can't be cast to the desired output type Long/);
});

test("0-d, empty and non-contiguous inputs; broadcasting of xlog1py and zeta", () => {
  const s = fx.lgamma(tensor(4.5, { dtype: "float64" }));
  assert.deepEqual(s.shape, []);
  assert.ok(Math.abs((s.item() as number) - 2.453736570842442) < 1e-15);
  for (const fn of Object.values(UNARY)) assert.deepEqual(fn(zeros([0, 3])).shape, [0, 3]);
  const base = f64([0.1, 0.7, 1.9, 3.3, 7.1, 12.5], [2, 3]);
  const nc = nonContiguous(base);
  assert.ok(!nc.isContiguous());
  for (const [name, fn] of Object.entries(UNARY)) assert.deepEqual(vals(fn(nc)), vals(fn(base)), `${name} non-contiguous`);
  const col = f64([1, 2], [2, 1]), row = f64([0.5, 1.5, 3], [1, 3]);
  const z = special.zeta(col.add(1), row);
  assert.deepEqual(z.shape, [2, 3]);
  assert.ok(Math.abs((z.select(0, 0).select(0, 1).item() as number) - 0.9348022005446793) < 1e-15, "zeta(2, 1.5) = pi^2/2 - 4");
  assert.deepEqual(special.xlog1py(col, row).shape, [2, 3]);
  assert.equal(special.xlog1py(tensor([1, 2], { dtype: "int32" }), 3).dtype, "float32");
  assert.equal(special.zeta(2, tensor([1, 2], { dtype: "int32" })).dtype, "float32");
});

test("out= writes the result into the given tensor", () => {
  const x = f64([0.5, 2]), out = zeros([2], { dtype: "float64" });
  assert.equal(special.ndtr(x, { out }), out);
  assert.deepEqual(vals(out), vals(special.ndtr(x)));
  fx.lgamma(x, { out });
  assert.deepEqual(vals(out), vals(fx.lgamma(x)));
});

test("mvlgamma / multigammaln: PyTorch's values for p = 1, 2, 3, 5 (float64, float32, integers) and its gradient", () => {
  const M = FX.mvlgamma;
  const x = f64(decAll(M.x));
  for (const p of [1, 2, 3, 5]) assertUlps(vals(fx.mvlgamma(x, p)), decAll(M.values[String(p)]), 8, `mvlgamma(p=${p})`);
  for (const p of [1, 3]) assertUlps(vals(fx.mvlgamma(x.float(), p)), decAll(M.float32[String(p)]), 2, `mvlgamma float32 (p=${p})`, "float32");
  const ints = fx.mvlgamma(tensor([3, 4, 7], { dtype: "int32" }), 2);
  assert.equal(ints.dtype, "float32");
  assertUlps(vals(ints), decAll(M.int), 2, "mvlgamma(int32)", "float32");
  const g = x.clone().requiresGrad_(true);
  fx.mvlgamma(g, 3).sum().backward();
  assertUlps(vals(g.grad!), decAll(M.grad3), 16, "mvlgamma grad");
});

test("PyTorch's errors: negative polygamma order, mvlgamma's p < 1 and bool input, no derivative of zeta in x", () => {
  const E = FX.errors;
  const x = f64([1, 2]);
  assert.match(fluxionErrorMessage(() => fx.polygamma(-1, x), "polygamma(-1)"), /polygamma\(n, x\) does not support negative n/);
  assert.match(fluxionErrorMessage(() => x.polygamma(-2), "x.polygamma(-2)"), /does not support negative n/);
  assert.match(E.polygammaNegative, /does not support negative n/);
  assert.match(fluxionErrorMessage(() => fx.mvlgamma(x, 0), "mvlgamma p=0"), /p has to be greater than or equal to 1/);
  assert.match(fluxionErrorMessage(() => special.multigammaln(x, 0), "multigammaln p=0"), /^multigammaln: p has to be/);
  assert.match(E.mvlgammaP0, /p has to be greater than or equal to 1/);
  assert.match(fluxionErrorMessage(() => fx.mvlgamma(tensor([true]), 1), "mvlgamma(bool)"), /the input tensor may not be a boolean tensor/i);
  assert.match(E.mvlgammaBool, /may not be a boolean tensor/);
  const s = tensor([2], { dtype: "float64", requiresGrad: true });
  const y = special.zeta(s, f64([2]));
  assert.ok(y.requiresGrad, "the output requires grad, as PyTorch's");
  assert.match(fluxionErrorMessage(() => y.backward(), "zeta backward"), /the derivative for 'zeta' is not implemented/);
  assert.match(E.zetaGradSelf, /the derivative for 'zeta' is not implemented/);
  // arguments are checked: n must be an int
  assert.throws(() => fx.polygamma(1.5 as never, x), FluxionError);
});

const ONE_ARG: Record<string, (t: Tensor) => Tensor> = {
  erfc: fx.erfc, erfcx: special.erfcx, erfinv: fx.erfinv, lgamma: fx.lgamma, digamma: fx.digamma, polygamma2: (t) => fx.polygamma(2, t),
  i0: fx.i0, i0e: special.i0e, i1: special.i1, i1e: special.i1e, ndtr: special.ndtr, ndtri: special.ndtri, logNdtr: special.logNdtr, entr: special.entr,
};

test("gradients equal PyTorch's (float64), including at 0 for i1/i1e (1/2) and where entr's is inf or NaN", () => {
  for (const [name, g] of Object.entries<{ x: unknown[]; grad: unknown[] }>(FX.grads)) {
    if (!(name in ONE_ARG)) continue;
    const x = f64(decAll(g.x)).requiresGrad_(true);
    ONE_ARG[name]!(x).sum().backward();
    // digamma's derivative is trigamma, which PyTorch computes to ~1e-9 only
    const rtol = name === "digamma" ? 1e-8 : 1e-13;
    assertClose(vals(x.grad!), decAll(g.grad), { rtol, atol: 1e-300, msg: `${name}'` });
  }
  const X = FX.grads.xlog1py;
  const a = f64(decAll(X.a)).requiresGrad_(true), b = f64(decAll(X.b)).requiresGrad_(true);
  special.xlog1py(a, b).sum().backward();
  assertClose(vals(a.grad!), decAll(X.gradA), { rtol: 1e-14, msg: "xlog1py d/dx (0 where x = 0 and y <= -1)" });
  assertClose(vals(b.grad!), decAll(X.gradB), { rtol: 1e-14, msg: "xlog1py d/dy" });
  const Z = FX.grads.zetaQ;
  const q = f64(decAll(Z.q)).requiresGrad_(true);
  special.zeta(f64(Z.s), q).sum().backward();
  assertClose(vals(q.grad!), decAll(Z.grad), { rtol: 1e-13, msg: "zeta d/dq" });
});

test("gradcheck and gradgradcheck (float64) of every special function", () => {
  const at: Record<string, number[]> = {
    erfc: [0.3, -1.2, 2.1], erfcx: [0.3, -1.2, 2.1, 4], erfinv: [0.3, -0.6, 0.9], lgamma: [0.3, 2.5, -1.5], digamma: [0.3, 2.5, -1.5], polygamma2: [0.4, 2.5, -1.5],
    i0: [0.3, -1.2, 20], i0e: [0.3, -1.2, 20], i1: [0.3, -1.2, 20], i1e: [0.3, -1.2, 20], ndtr: [0.3, -1.2, -8], ndtri: [0.1, 0.5, 0.97], logNdtr: [0.3, -1.2, -8, 3], entr: [0.3, 1.7, 5],
  };
  for (const [name, fn] of Object.entries(ONE_ARG)) {
    const x = f64(at[name]!).requiresGrad_(true);
    assert.ok(autograd.gradcheck(fn, [x], { atol: 1e-7, rtol: 1e-5 }), `gradcheck ${name}`);
    assert.ok(autograd.gradgradcheck(fn, [x], { atol: 1e-6, rtol: 1e-4 }), `gradgradcheck ${name}`);
  }
  const mv = f64([3.5, 4.25]).requiresGrad_(true);
  assert.ok(autograd.gradcheck((t) => fx.mvlgamma(t, 3), [mv]));
  const a = f64([0.5, 2, 3]).requiresGrad_(true), b = f64([0.3, -0.5, 4]).requiresGrad_(true);
  assert.ok(autograd.gradcheck((u, v) => special.xlog1py(u, v), [a, b]));
  assert.ok(autograd.gradgradcheck((u, v) => special.xlog1py(u, v), [a, b]));
  const q = f64([0.7, 2, 5.5]).requiresGrad_(true);
  assert.ok(autograd.gradcheck((t) => special.zeta(f64([2, 3.5, 4]), t), [q]));
});

test("the torch.special aliases give PyTorch's values (expit, erf, exp2, expm1, log1p, sinc, round, logit, xlogy, gammaln, psi, multigammaln, logsumexp, softmax, logSoftmax)", () => {
  const A = FX.aliases;
  const x = f64(decAll(A.x), A.shape);
  const check = (got: Tensor, key: string, ulps = 4) => assertUlps(vals(got), decAll(A[key]), ulps, `special.${key}`);
  check(special.expit(x), "expit");
  check(special.erf(x), "erf");
  check(special.exp2(x), "exp2");
  check(special.expm1(x), "expm1");
  check(special.log1p(x), "log1p");
  check(special.sinc(x), "sinc");
  check(special.round(x), "round");
  check(special.round(x, { decimals: 1 }), "roundDecimals");
  check(special.logit(x.abs().div(3)), "logit");
  check(special.logit(x.abs().div(3), 0.1), "logitEps");
  check(special.xlogy(x, x.abs()), "xlogy");
  check(special.xlogy(2, x.abs()), "xlogyScalar");
  check(special.gammaln(x), "gammaln", 200); // gammaln(-1.3): Fluxion's reflection (special.test.ts), 2e-16 absolute
  check(special.psi(x), "psi", 16);
  check(special.digamma(x), "digamma", 16);
  check(special.multigammaln(x.abs().add(2), 2), "multigammaln", 8);
  assertClose(vals(special.polygamma(1, x)), decAll(A.polygamma), { rtol: 1e-9, msg: "special.polygamma (PyTorch's trigamma: ~1e-9)" });
  check(special.logsumexp(x, 1), "logsumexp");
  check(special.logsumexp(x, [0, 1], true), "logsumexpKeep");
  assert.deepEqual(special.logsumexp(x, [0, 1], true).shape, [1, 1]);
  check(special.softmax(x, 0), "softmax");
  check(special.logSoftmax(x, 1), "logSoftmax");
  assert.equal(special.softmax(x.float(), 0, "float64").dtype, A.softmaxDtype);
  assert.equal(special.softmax(x.float(), 0, { dtype: "float64" }).dtype, A.softmaxDtype);
});

test("special is documented as its own group, each function under special.<name>", async () => {
  const { registeredOps } = await import("../../src/api/registry.js");
  const keys = registeredOps().filter((o) => o.group === "special").map((o) => o.key);
  for (const name of Object.keys(special)) assert.ok(keys.includes(`special.${name}`), `special.${name} is declared`);
  assert.equal(keys.length, Object.keys(special).length);
  assert.equal(dec("-0"), -0); // (the fixture's encoding, used above)
});

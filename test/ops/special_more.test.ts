/**
 * torch.special's Bessel, Airy and incomplete-gamma functions and orthogonal polynomials
 * (special_more.ts) against PyTorch 1.13 (special_more_torch.json): float64 values to a few ulps
 * (more only where the value is ill-conditioned: near a root, deep in a tail, after a long
 * recurrence), float32 values as PyTorch's float64 ones rounded once, dtypes of integer and bool
 * inputs, broadcasting and number operands, igamma's derivative in x and PyTorch's errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { FluxionError, autograd, special, tensor, zeros, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";
import { ulpDistance } from "../fixtures/math_ext_ref.js";
import { fluxionErrorMessage, nonContiguous } from "../helpers.js";

const FX = JSON.parse(readFileSync(new URL("../fixtures/special_more_torch.json", import.meta.url), "utf8"));
const f64 = (v: readonly number[]) => tensor(new Float64Array(v));
const f32 = (v: readonly number[]) => tensor(new Float32Array(v));
const vals = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number>, Number);
type Fn1 = (x: Tensor) => Tensor;
type Fn2 = (x: Tensor | number, n: Tensor | number) => Tensor;
const SP = special as unknown as Record<string, Fn1 & Fn2>;

/**
 * got within `ulps` float64 ulps of want, or (rel given) within rel |want|: NaN where NaN,
 * infinities exact. Returns the largest relative error seen, for the messages.
 */
function assertNear(got: readonly number[], want: readonly number[], what: string, tol: { ulps: number; rel?: number }, dt: "float32" | "float64" = "float64"): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((g, i) => {
    const w = want[i]!;
    const ok = ulpDistance(g, w, dt) <= tol.ulps || (tol.rel !== undefined && Number.isFinite(w) && Math.abs(g - w) <= tol.rel * Math.abs(w));
    assert.ok(ok, `${what}[${i}]: ${g} vs PyTorch ${w} (${ulpDistance(g, w, dt)} ulps)`);
  });
}

// float64 tolerances: the Bessel functions agree to a few ulps (Airy's asymptotic sin/cos of
// large arguments to 15: Math.sin/cos are not glibc's); the incomplete gamma functions' tiny
// values carry exp(a log x - x - lgamma a), whose exponent's last ulp (lgamma is not glibc's)
// moves them by up to ~3e-13; the polynomials' recurrences are PyTorch's bit for bit, but the
// Chebyshev kinds' cos(n acos x) amplifies acos's last ulp by n near a root.
const UNARY_ULPS: Record<string, number> = { airyAi: 32 };
const POLY_TOL: Record<string, { ulps: number; rel?: number }> = {
  chebyshevPolynomialT: { ulps: 16, rel: 1e-12 }, chebyshevPolynomialU: { ulps: 16, rel: 1e-12 },
  chebyshevPolynomialV: { ulps: 16, rel: 1e-12 }, chebyshevPolynomialW: { ulps: 16, rel: 1e-12 },
};

test("the Bessel and Airy functions match PyTorch's float64 values, special points included", () => {
  for (const [name, d] of Object.entries<Record<string, unknown[]>>(FX.unary)) {
    assertNear(vals(SP[name]!(f64(decAll(d.x!)))), decAll(d.torch64!), name, { ulps: UNARY_ULPS[name] ?? 8 });
  }
});

test("float32 inputs give PyTorch's float64 values at the same inputs, rounded once (PyTorch's float32 kernels round every step)", () => {
  for (const [name, d] of Object.entries<Record<string, unknown[]>>(FX.unary)) {
    const r = SP[name]!(f32(decAll(d.x32!)));
    assert.equal(r.dtype, "float32", name);
    assertNear(vals(r), decAll(d.torch64at32!).map(Math.fround), `${name}(float32)`, { ulps: 1 }, "float32");
    // and PyTorch's own float32 results for moderate x, away from roots (where its float32 cancellation shows)
    const t32 = decAll(d.torch32!), w64 = decAll(d.torch64at32!), xs = decAll(d.x32!);
    vals(r).forEach((g, i) => {
      const w = t32[i]!;
      if (Math.abs(xs[i]!) <= 30 && Math.abs(w64[i]!) > 5e-2 && Number.isFinite(w)) assert.ok(Math.abs(g - w) <= 3e-5 * Math.abs(w64[i]!), `${name}(float32)[${i}]: ${g} vs PyTorch float32 ${w}`);
    });
  }
});

test("gammainc and gammaincc (torch.igamma, igammac) match PyTorch over every regime and at the boundaries", () => {
  const g = FX.igamma;
  for (const [k, fn] of [["gammainc", special.gammainc], ["gammaincc", special.gammaincc]] as const) {
    assertNear(vals(fn(f64(decAll(g.a)), f64(decAll(g.x)))), decAll(g[k]), k, { ulps: 16, rel: 5e-13 });
    const r = fn(f32(decAll(g.a32)), f32(decAll(g.x32)));
    assert.equal(r.dtype, "float32");
    assertNear(vals(r), decAll(g[`${k}64at32`]).map(Math.fround), `${k}(float32)`, { ulps: 1 }, "float32");
  }
  const a = f64([0.5, 2, 30]), x = f64([0.7, 1.5, 31]);
  assert.deepEqual(vals(fx.igamma(a, x)), vals(special.gammainc(a, x)));
  assert.deepEqual(vals(fx.igammac(a, x)), vals(special.gammaincc(a, x)));
  assert.deepEqual(vals(a.igamma(x)), vals(special.gammainc(a, x)));
  assert.deepEqual(vals(a.igammac(x)), vals(special.gammaincc(a, x)));
  // P + Q = 1
  vals(fx.igamma(a, x).add(fx.igammac(a, x))).forEach((v) => assert.ok(Math.abs(v - 1) < 1e-15));
});

test("the orthogonal polynomials match PyTorch for every x, and for negative, fractional, NaN, infinite and huge n", () => {
  const p = FX.poly;
  const x = f64(decAll(p.x)), n = f64(decAll(p.n)), x32 = f32(decAll(p.x32));
  for (const [name, d] of Object.entries<Record<string, unknown[]>>(p.values)) {
    assertNear(vals(SP[name]!(x, n)), decAll(d.torch64!), name, POLY_TOL[name] ?? { ulps: 2 });
    const r = SP[name]!(x32, n.float());
    assert.equal(r.dtype, "float32", name);
    assertNear(vals(r), decAll(d.torch64at32!).map(Math.fround), `${name}(float32)`, { ulps: 1 }, "float32");
  }
});

test("a degree whose recurrence would run past 2^22 steps is refused (PyTorch loops n times); the trigonometric forms take any n", () => {
  for (const name of Object.keys(FX.poly.values)) {
    assert.match(fluxionErrorMessage(() => SP[name]!(f64([2.5]), 1e12), `${name}(2.5, 1e12)`), /degree n = 1000000000000 .*refuses degrees above 2\^22/);
  }
  // inside (-1, 1) the Chebyshev kinds use cos(n acos x) and its kin beyond small n, as PyTorch
  const t = special.chebyshevPolynomialT(f64([0.3]), 1e12).item() as number;
  assert.ok(Math.abs(t - Math.cos(1e12 * Math.acos(0.3))) < 1e-15);
  assert.deepEqual(vals(special.legendrePolynomialP(f64([0.3, -1, 1]), 2 ** 22)).length, 3);
});

test("polynomials take n (or x) as a number, broadcast x against n, and refuse two numbers", () => {
  const s = FX.polyScalar, x = f64(decAll(s.x));
  for (const [name, want] of Object.entries<unknown[]>(s.nScalar)) {
    assertNear(vals(SP[name]!(x, 4)), decAll(want), `${name}(x, 4)`, { ulps: 4 });
    assert.equal(SP[name]!(x.float(), 4.6).dtype, s.nScalar32[name], `${name}(float32, 4.6)`);
    // (PyTorch's float32 kernel, a few float32 ulps from the value rounded once)
    assertNear(vals(SP[name]!(0.3, tensor([0, 1, 2, 5], { dtype: "int64" }))), decAll(s.xScalar[name]), `${name}(0.3, n)`, { ulps: 2, rel: 2e-6 }, "float32");
  }
  assert.equal(special.legendrePolynomialP(0.3, tensor([0, 1, 2, 5], { dtype: "int64" })).dtype, s.xScalarDtype);
  // [3, 1] x [4] -> [3, 4]
  const grid = special.chebyshevPolynomialT(f64([0.1, 0.2, 0.3]).reshape([3, 1]), f64([0, 1, 2, 3]));
  assert.deepEqual(grid.shape, [3, 4]);
  assert.ok(Math.abs((grid.tolist() as number[][])[2]![3]! - (4 * 0.027 - 3 * 0.3)) < 1e-15);
  assert.match(FX.errors.polyBothScalar, /invalid combination of arguments/);
  assert.throws(() => SP.legendrePolynomialP!(0.5, 3), FluxionError);
});

test("integer and bool inputs compute in float32 (the default float dtype), as PyTorch", () => {
  const ints = tensor([0, 1, 2, 3, 5], { dtype: "int32" }), bools = tensor([true, false]);
  for (const [name, want] of Object.entries<{ int32: unknown[]; dtype: string; bool: unknown[]; boolDtype: string }>(FX.intInput)) {
    const r = SP[name]!(ints), rb = SP[name]!(bools);
    assert.equal(r.dtype, want.dtype, name);
    assert.equal(rb.dtype, want.boolDtype, name);
    // (against PyTorch's float32 kernels, a few float32 ulps from the value rounded once)
    assertNear(vals(r), decAll(want.int32), `${name}(int32)`, { ulps: 2, rel: 2e-6 }, "float32");
    assertNear(vals(rb), decAll(want.bool), `${name}(bool)`, { ulps: 2, rel: 2e-6 }, "float32");
  }
  for (const [name, want] of Object.entries<{ values: unknown[]; dtype: string }>(FX.polyInt)) {
    const r = SP[name]!(tensor([0, 1, 2, 3], { dtype: "int64" }), tensor([3, 2, 1, 4], { dtype: "int32" }));
    assert.equal(r.dtype, want.dtype, name);
    assertNear(vals(r), decAll(want.values), name, { ulps: 2, rel: 2e-6 }, "float32");
  }
  // igamma: an integer operand promotes with a float one; two integer (or bool) operands are refused
  const m = fx.igamma(tensor([1, 2], { dtype: "int32" }), f32([1.5, 2.5]));
  assert.equal(m.dtype, FX.igammaMixed.dtype);
  assertNear(vals(m), decAll(FX.igammaMixed.values), "igamma(int32, float32)", { ulps: 1 }, "float32");
  assert.match(fluxionErrorMessage(() => fx.igamma(tensor([1, 2], { dtype: "int32" }), tensor([1, 2], { dtype: "int32" })), "igamma int"), /"igamma_cpu" not implemented for 'Int'/);
  assert.match(FX.errors.igammaInt, /"igamma_cpu" not implemented for 'Int'/);
  assert.match(fluxionErrorMessage(() => special.gammaincc(tensor([true]), tensor([false])), "gammaincc bool"), /"igammac_cpu" not implemented for 'Bool'/);
  assert.match(FX.errors.igammaBool, /"igamma_cpu" not implemented for 'Bool'/);
});

test("float16 and bfloat16 inputs compute in float64 and round once (PyTorch's CPU kernels take only igamma's)", () => {
  for (const dtype of ["float16", "bfloat16"] as const) {
    const x = tensor([0.5, 1.5, 3], { dtype });
    const r = special.besselJ0(x);
    assert.equal(r.dtype, dtype);
    assert.deepEqual(vals(r), vals(special.besselJ0(x.double()).to(dtype)));
    assert.deepEqual(vals(special.gammainc(x, x)), vals(special.gammainc(x.double(), x.double()).to(dtype)));
    assert.deepEqual(vals(special.hermitePolynomialH(x, 3)), vals(special.hermitePolynomialH(x.double(), 3).to(dtype)));
  }
});

test("0-d, empty and non-contiguous inputs; out=", () => {
  assert.deepEqual(special.besselJ0(tensor(1.5, { dtype: "float64" })).shape, []);
  assert.deepEqual(special.airyAi(zeros([0, 3])).shape, [0, 3]);
  assert.deepEqual(special.gammainc(zeros([0, 3]), zeros([3])).shape, [0, 3]);
  assert.deepEqual(special.legendrePolynomialP(zeros([2, 0]), 3).shape, [2, 0]);
  const m = f64([0.5, 1, 2, 4, 8, 16]).reshape([2, 3]);
  assert.deepEqual(vals(special.modifiedBesselK1(nonContiguous(m))), vals(special.modifiedBesselK1(nonContiguous(m).contiguous())));
  assert.deepEqual(vals(special.gammaincc(nonContiguous(m), nonContiguous(m.add(1)))), vals(special.gammaincc(m, m.add(1))));
  const out = zeros([3], { dtype: "float64" });
  const r = special.besselY1(f64([1, 2, 3]), { out });
  assert.equal(r, out);
  assert.deepEqual(vals(out), vals(special.besselY1(f64([1, 2, 3]))));
  const out2 = zeros([3], { dtype: "float64" });
  special.laguerrePolynomialL(f64([1, 2, 3]), 2, { out: out2 });
  assert.deepEqual(vals(out2), [-0.5, -1, -0.5]);
});

test("igamma_ and igammac_ write into self; an integer self refuses the float result, as PyTorch", () => {
  const a = f64([0.5, 2, 30]), x = f64([0.7, 1.5, 31]);
  for (const [name, inPlace, outOfPlace] of [["igamma_", (t: Tensor) => t.igamma_(x), fx.igamma], ["igammac_", (t: Tensor) => t.igammac_(x), fx.igammac]] as const) {
    const c = a.clone(), version = c.version;
    assert.equal(inPlace(c), c, name);
    assert.ok(c.version > version, `${name} bumps the version`);
    assert.deepEqual(vals(c), vals(outOfPlace(a, x)), name);
  }
  assert.match(fluxionErrorMessage(() => tensor([1, 2], { dtype: "int32" }).igamma_(f32([1, 3])), "igamma_ on int32"), /result type float32 can't be cast to the desired output type int32/);
  assert.match(FX.errors.igammaIntInPlace, /result type Float can't be cast to the desired output type Long/);
});

test("igamma's gradient flows to x only, as PyTorch's: its value, gradcheck, gradgradcheck, and the error for a", () => {
  const g = FX.igammaGrad;
  for (const k of ["gammainc", "gammaincc"] as const) {
    const x = f64(decAll(g.x)).requiresGrad_();
    special[k](f64(decAll(g.a)), x).sum().backward();
    assertNear(vals(x.grad!), decAll(g[k]), `d ${k} / dx`, { ulps: 64, rel: 1e-13 });
    const a = f64([0.5, 2.5, 7]);
    assert.ok(autograd.gradcheck((t: Tensor) => special[k](a, t), [f64([0.7, 2, 6.5]).requiresGrad_()]), `gradcheck ${k}`);
    assert.ok(autograd.gradgradcheck((t: Tensor) => special[k](a, t), [f64([0.7, 2, 6.5]).requiresGrad_()]), `gradgradcheck ${k}`);
  }
  assert.equal(FX.requiresGrad.gammaincX, true);
  for (const [fn, op] of [[fx.igamma, "igamma"], [fx.igammac, "igammac"]] as const) {
    const a = f64([1, 2]).requiresGrad_();
    const y = fn(a, f64([1, 2]));
    assert.ok(y.requiresGrad, `${op} output requires grad`);
    const msg = fluxionErrorMessage(() => y.sum().backward(), `${op} backward to a`);
    assert.match(msg, new RegExp(`the derivative for '${op}: input' is not implemented`));
    assert.match(FX.errors[`${op}InputGrad`], new RegExp(`the derivative for '${op}: input' is not implemented`));
  }
});

test("the Bessel, Airy and polynomial functions are not differentiable in PyTorch 1.13: their results never require grad", () => {
  const x = f64([0.5, 1.5]).requiresGrad_();
  assert.equal(FX.requiresGrad.besselJ0, false);
  assert.equal(FX.requiresGrad.legendrePolynomialP, false);
  for (const name of Object.keys(FX.unary)) assert.equal(SP[name]!(x).requiresGrad, false, name);
  for (const name of Object.keys(FX.poly.values)) assert.equal(SP[name]!(x, 3).requiresGrad, false, name);
  assert.match(fluxionErrorMessage(() => special.besselJ0(x).sum().backward(), "besselJ0 backward"), /does not require grad/);
  assert.match(FX.errors.besselNoGrad, /does not require grad/);
  assert.match(FX.errors.polyNoGrad, /does not require grad/);
});

test("non-tensor arguments are refused with the argument named, as PyTorch's", () => {
  assert.match(fluxionErrorMessage(() => SP.besselJ0!(1.5 as unknown as Tensor), "besselJ0(1.5)"), /argument 'input' \(position 1\) must be Tensor/);
  assert.match(fluxionErrorMessage(() => (fx.igamma as unknown as Fn2)(f64([1]), 2), "igamma(t, 2)"), /argument 'other' \(position 2\) must be Tensor/);
  assert.match(FX.errors.igammaScalar, /argument 'other' \(position 2\) must be Tensor/);
  assert.throws(() => (special.gammainc as unknown as Fn2)(2, f64([1])), FluxionError);
  assert.throws(() => SP.hermitePolynomialH!("3" as unknown as Tensor, f64([1])), FluxionError);
});

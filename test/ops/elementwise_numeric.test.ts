/**
 * signbit, isposinf/isneginf, frexp, ldexp, nextafter, floatPower, heaviside, gcd, lcm and the NumPy-named
 * aliases (arccos ..., negative, positive, absolute, fix, trueDivide) against PyTorch 1.13
 * (test/fixtures/elementwise_numeric_torch.json, written by elementwise_numeric_torch.py):
 * values per dtype on special inputs, result dtypes, C's integer wrap-around, in-place forms,
 * gradients and PyTorch's error messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { tensor, type DType, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";
import { fluxionErrorMessage } from "../helpers.js";

const FX = JSON.parse(readFileSync(new URL("../fixtures/elementwise_numeric_torch.json", import.meta.url), "utf8"));
const vals = (t: Tensor) => Array.from(t.toTypedArray() as ArrayLike<number | bigint>, (v) => (typeof v === "bigint" ? v : Number(v)));
/** Equal values, NaN equal to NaN and the sign of zero compared. */
function assertSame(got: readonly unknown[], want: readonly unknown[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((g, i) => assert.ok(Object.is(g, want[i]), `${what}[${i}]: ${String(g)} vs ${String(want[i])}`));
}
const specials = (dtype: DType) => tensor(new Float64Array(decAll(FX.specials))).to(dtype);

test("signbit: the sign bit of every float dtype (-0 and -inf included), x < 0 for integers, false for bool", () => {
  for (const [dtype, want] of Object.entries<unknown[]>(FX.signbit)) {
    const r = fx.signbit(specials(dtype as DType));
    assert.equal(r.dtype, "bool");
    assert.deepEqual(r.tolist(), want, dtype);
    assert.deepEqual(specials(dtype as DType).signbit().tolist(), want, `${dtype} method`);
  }
  for (const [dtype, want] of Object.entries<unknown[]>(FX.signbitInt)) {
    assert.deepEqual(fx.signbit(tensor([-3, 0, 5, -128, 127]).to(dtype as DType)).tolist(), want, dtype);
  }
  assert.deepEqual(fx.signbit(tensor([true, false])).tolist(), FX.signbitBool);
  // a NaN with its sign bit set (PyTorch: torch.signbit(torch.tensor([-nan])) is True)
  const negNan = new Float64Array(1);
  new Uint32Array(negNan.buffer)[1] = 0xfff80000;
  assert.ok(Number.isNaN(negNan[0]));
  assert.equal(fx.signbit(tensor(negNan)).item(), FX.signbitNegativeNan);
});

test("isposinf and isneginf: +inf / -inf of every float dtype (NaN and finite values false), all false for integers and bool; out=", () => {
  for (const dtype of ["float32", "float64", "float16", "bfloat16"] as const) {
    const x = tensor([1, Infinity, -Infinity, NaN, -0, 65504]).to(dtype);
    const pos = fx.isposinf(x), neg = fx.isneginf(x);
    assert.equal(pos.dtype, "bool");
    assert.deepEqual(pos.tolist(), [false, true, false, false, false, false], dtype);
    assert.deepEqual(neg.tolist(), [false, false, true, false, false, false], dtype);
    assert.deepEqual(x.isposinf().tolist(), pos.tolist(), `${dtype} method`);
    assert.deepEqual(x.isneginf().tolist(), neg.tolist(), `${dtype} method`);
  }
  for (const dtype of ["int32", "int64", "uint8", "int8", "bool"] as const) {
    const x = tensor([0, 1, 1]).to(dtype);
    assert.deepEqual(fx.isposinf(x).tolist(), [false, false, false], dtype);
    assert.deepEqual(fx.isneginf(x).tolist(), [false, false, false], dtype);
    assert.equal(fx.isneginf(x).dtype, "bool");
  }
  const out = fx.zeros([2], { dtype: "bool" });
  assert.equal(fx.isneginf(tensor([-Infinity, 0]), { out }), out);
  assert.deepEqual(out.tolist(), [true, false]);
  const g = tensor([[-Infinity, 2]], { requiresGrad: true });
  assert.equal(fx.isneginf(g).requiresGrad, false);
  assert.deepEqual([...fx.isposinf(g).shape], [1, 2]);
});

test("frexp: mantissa in [0.5, 1) of the input's dtype and an int32 exponent (0 for 0, inf, NaN), subnormals included; named tuple", () => {
  for (const [dtype, want] of Object.entries<{ x: unknown[]; mantissa: unknown[]; exponent: number[]; mantissaDtype: string; exponentDtype: string }>(FX.frexp)) {
    const x = specials(dtype as DType);
    assertSame(vals(x), decAll(want.x), `${dtype} input`);
    const r = fx.frexp(x);
    const [mantissa, exponent] = r;
    assert.equal(r.mantissa, mantissa);
    assert.equal(r.exponent, exponent);
    assert.equal(mantissa.dtype, want.mantissaDtype);
    assert.equal(exponent.dtype, want.exponentDtype);
    assertSame(vals(mantissa), decAll(want.mantissa), `${dtype} mantissa`);
    assert.deepEqual(vals(exponent), want.exponent, `${dtype} exponent`);
    assert.deepEqual(vals(x.frexp().mantissa), vals(mantissa), `${dtype} method`);
  }
  const g = tensor(new Float64Array(decAll(FX.frexpGrad.x))).requiresGrad_(true);
  fx.frexp(g).mantissa.sum().backward();
  assertSame(vals(g.grad!), decAll(FX.frexpGrad.grad), "d mantissa / dx = 2^-exponent");
  assert.match(fluxionErrorMessage(() => fx.frexp(tensor([1], { dtype: "int32" })), "frexp(int32)"), /torch\.frexp\(\) only supports floating-point dtypes/);
  assert.match(FX.errors.frexpInt, /only supports floating-point dtypes/);
});

test("ldexp: x * 2^other with PyTorch's promotion (integers give float32), overflow and underflow; gradients; ldexp_", () => {
  for (const c of FX.ldexp as { x: number[]; xDtype: DType; other: number[]; otherDtype: DType; values: unknown[]; dtype: string }[]) {
    const r = fx.ldexp(tensor(c.x, { dtype: c.xDtype }), tensor(c.other, { dtype: c.otherDtype }));
    assert.equal(r.dtype, c.dtype, `${c.xDtype} x ${c.otherDtype}`);
    assertSame(vals(r), decAll(c.values), `${c.xDtype} x ${c.otherDtype}`);
  }
  const a = tensor([1.5, -2], { dtype: "float64", requiresGrad: true }), b = tensor([2, 0.5], { dtype: "float64", requiresGrad: true });
  fx.ldexp(a, b).sum().backward();
  assert.deepEqual(vals(a.grad!), decAll(FX.ldexpGrad.gradX));
  vals(b.grad!).forEach((v, i) => assert.ok(Math.abs((v as number) - decAll(FX.ldexpGrad.gradOther)[i]!) < 1e-14));
  const x = tensor([1, 3], { dtype: "float32" });
  assert.equal(x.ldexp_(tensor([2, -1], { dtype: "int32" })), x);
  assert.deepEqual(x.tolist(), [4, 1.5]);
  assert.match(fluxionErrorMessage(() => tensor([1, 2], { dtype: "int32" }).ldexp_(tensor([1, 1], { dtype: "int32" })), "ldexp_ on int32"), /result type float32 can't be cast to the desired output type int32/);
  assert.match(FX.errors.ldexpInPlaceInt, /can't be cast to the desired output type/);
});

test("nextafter in float64, float32 and bfloat16 (their own spacing: ±0, subnormals, ±inf, NaN, the largest finite); mixed dtypes promote", () => {
  for (const dtype of ["float64", "float32", "bfloat16"] as DType[]) {
    const c = FX.nextafter[dtype];
    const x = tensor(new Float64Array(decAll(c.x))).to(dtype), y = tensor(new Float64Array(decAll(c.y))).to(dtype);
    const r = fx.nextafter(x, y);
    assert.equal(r.dtype, dtype);
    assertSame(vals(r), decAll(c.values), dtype);
    assertSame(vals(x.clone().nextafter_(y)), decAll(c.values), `${dtype} in place`);
  }
  const mixed = fx.nextafter(tensor([1], { dtype: "float32" }), tensor([2], { dtype: "float64" }));
  assert.equal(mixed.dtype, FX.nextafterMixed.dtype);
  assert.deepEqual(vals(mixed), decAll(FX.nextafterMixed.values));
  assert.match(fluxionErrorMessage(() => fx.nextafter(tensor([1], { dtype: "int64" }), tensor([2], { dtype: "int64" })), "nextafter(int64)"), /"nextafter_cpu" not implemented for 'Long'/);
  assert.match(FX.errors.nextafterInt, /"nextafter_cpu" not implemented for 'Long'/);
  const h = tensor([1], { dtype: "float16" });
  assert.match(fluxionErrorMessage(() => fx.nextafter(h, h), "nextafter(float16)"), /"nextafter_cpu" not implemented for 'Half'/);
  assert.match(FX.errors.nextafterHalf, /not implemented for 'Half'/);
  const rg = tensor([1, 0], { requiresGrad: true });
  const out = fx.nextafter(rg, tensor([2, 2]));
  assert.ok(out.requiresGrad);
  assert.match(fluxionErrorMessage(() => out.sum().backward(), "nextafter backward"), /the derivative for 'nextafter' is not implemented/);
  assert.match(FX.errors.nextafterBackward, /the derivative for 'nextafter' is not implemented/);
});

test("floatPower: float64 results for every operand mix (scalar base too), its gradients, and floatPower_ only on float64", () => {
  const F = FX.floatPower;
  const cases: Record<string, Tensor> = {
    intScalar: fx.floatPower(tensor([2, 3, -2], { dtype: "int64" }), 2),
    scalarTensor: fx.floatPower(2, tensor([2, 0.5, -1])),
    floatInt: fx.floatPower(tensor([2, 9], { dtype: "float32" }), tensor([3, -1], { dtype: "int64" })),
    fractional: tensor([2, -8, 0]).floatPower(0.5),
  };
  for (const [k, r] of Object.entries(cases)) {
    assert.equal(r.dtype, F[k].dtype, k);
    assertSame(vals(r), decAll(F[k].values), k);
  }
  const a = tensor([1.5, 2.5], { dtype: "float64", requiresGrad: true }), b = tensor([2, 0.5], { dtype: "float64", requiresGrad: true });
  fx.floatPower(a, b).sum().backward();
  const close = (got: Tensor, want: unknown[]) => vals(got).forEach((v, i) => assert.ok(Math.abs((v as number) - decAll(want)[i]!) < 1e-14));
  close(a.grad!, FX.floatPowerGrad.gradX);
  close(b.grad!, FX.floatPowerGrad.gradExponent);
  const d = tensor([2], { dtype: "float64" });
  assert.equal(d.floatPower_(3), d);
  assert.deepEqual(d.tolist(), [8]);
  assert.match(fluxionErrorMessage(() => tensor([2]).floatPower_(2), "floatPower_ on float32"), /the base given to floatPower_ has dtype float32 but the operation's result requires dtype float64/);
  assert.match(FX.errors.floatPowerInPlace, /the base given to float_power_ has dtype Float but the operation's result requires dtype Double/);
});

test("heaviside: 0, values or 1 by the sign (NaN gives 0), integers and bool; one dtype only; no derivative", () => {
  const H = FX.heaviside;
  const x = tensor(new Float64Array(decAll(H.x)));
  assertSame(vals(fx.heaviside(x, tensor([0.5], { dtype: "float64" }))), decAll(H.float64), "float64");
  assertSame(vals(x.heaviside(tensor([NaN], { dtype: "float64" }))), decAll(H.valuesNan), "values NaN");
  assert.deepEqual(fx.heaviside(tensor([-3, 0, 4], { dtype: "int32" }), tensor([7, 8, 9], { dtype: "int32" })).tolist(), H.int32);
  assert.deepEqual(fx.heaviside(tensor([true, false]), tensor([false, true])).tolist(), H.bool);
  assert.deepEqual(tensor([-3, 0, 4], { dtype: "int64" }).heaviside_(tensor([7], { dtype: "int64" })).tolist(), [0, 7, 1]);
  assert.match(fluxionErrorMessage(() => fx.heaviside(tensor([1]), tensor([1], { dtype: "int32" })), "mixed dtypes"), /heaviside is not yet implemented for tensors with different dtypes/);
  assert.match(FX.errors.heavisideDtypes, /heaviside is not yet implemented for tensors with different dtypes/);
  const rg = tensor([1, 0], { requiresGrad: true });
  assert.match(fluxionErrorMessage(() => fx.heaviside(rg, tensor([0.5])).sum().backward(), "heaviside backward"), /derivative for 'heaviside' is not implemented/);
  assert.match(FX.errors.heavisideBackward, /derivative for aten::heaviside is not implemented/);
});

test("gcd and lcm: non-negative results with C's int32/int64 wrap-around (INT_MIN), int8/uint8 stores, promotion, integer-only", () => {
  const G = FX.gcd;
  const a = tensor(G.a, { dtype: "int32" }), b = tensor(G.b, { dtype: "int32" });
  assert.deepEqual(fx.gcd(a, b).tolist(), G.gcd);
  assert.deepEqual(fx.lcm(a, b).tolist(), G.lcm);
  assert.deepEqual(a.gcd(b).tolist(), G.gcd);
  assert.deepEqual(a.clone().lcm_(b).tolist(), G.lcm);
  const L = FX.gcd64;
  const big = (v: string[]) => tensor(new BigInt64Array(v.map(BigInt)));
  assert.deepEqual(vals(fx.gcd(big(L.a), big(L.b))), L.gcd.map(BigInt), "int64 gcd");
  assert.deepEqual(vals(fx.lcm(big(L.a), big(L.b))), L.lcm.map(BigInt), "int64 lcm");
  for (const [dtype, c] of Object.entries<{ a: number[]; b: number[]; gcd: number[]; lcm: number[] }>(FX.gcdSmall)) {
    const x = tensor(c.a).to(dtype as DType), y = tensor(c.b).to(dtype as DType);
    assert.deepEqual(fx.gcd(x, y).tolist(), c.gcd, `${dtype} gcd`);
    assert.deepEqual(fx.lcm(x, y).tolist(), c.lcm, `${dtype} lcm`);
    assert.equal(fx.lcm(x, y).dtype, dtype);
  }
  assert.equal(fx.gcd(tensor([12], { dtype: "int32" }), tensor([18], { dtype: "int64" })).dtype, FX.gcdMixedDtype);
  assert.match(fluxionErrorMessage(() => fx.gcd(tensor([1]), tensor([2])), "gcd(float32)"), /"gcd_cpu" not implemented for 'Float'/);
  assert.match(fluxionErrorMessage(() => fx.lcm(tensor([true]), tensor([false])), "lcm(bool)"), /"lcm_cpu" not implemented for 'Bool'/);
  assert.match(FX.errors.gcdFloat, /"gcd_cpu" not implemented for 'Float'/);
  assert.match(FX.errors.gcdBool, /not implemented for 'Bool'/);
  assert.throws(() => fx.gcd(tensor([4], { dtype: "int32" }), 6 as never), fx.ArgumentError, "other must be a tensor, as PyTorch's");
});

test("the NumPy-named aliases run their op: arccos..arctanh, arctan2, negative, absolute, fix, trueDivide (and their in-place forms); positive is self", () => {
  const A = FX.aliases;
  const x = tensor(new Float64Array(decAll(A.x)));
  const same = (got: Tensor, key: string) => assertSame(vals(got), decAll(A[key]), key);
  same(fx.arccos(x), "arccos");
  same(x.arcsin(), "arcsin");
  same(fx.arctan(x), "arctan");
  same(fx.arccosh(x.add(2)), "arccosh");
  same(fx.arcsinh(x), "arcsinh");
  same(x.arctanh(), "arctanh");
  same(fx.arctan2(x, x.flip(0)), "arctan2");
  same(fx.negative(x), "negative");
  same(x.absolute(), "absolute");
  same(fx.fix(x.mul(7)), "fix");
  same(fx.trueDivide(x, 3), "trueDivide");
  const ti = fx.trueDivide(tensor([1, 2, 3], { dtype: "int64" }), 2);
  assert.equal(ti.dtype, A.trueDivideInt.dtype);
  assert.deepEqual(vals(ti), decAll(A.trueDivideInt.values));
  const fi = fx.fix(tensor([3, -4], { dtype: "int32" }));
  assert.equal(fi.dtype, A.fixInt.dtype);
  assert.deepEqual(fi.tolist(), A.fixInt.values);
  for (const [name, want] of [["arccos_", "arccos"], ["arcsin_", "arcsin"], ["arctan_", "arctan"], ["arcsinh_", "arcsinh"], ["arctanh_", "arctanh"], ["negative_", "negative"], ["absolute_", "absolute"]] as const) {
    const c = x.clone();
    assert.equal((c as unknown as Record<string, () => Tensor>)[name]!.call(c), c, name);
    same(c, want);
  }
  const c = x.clone();
  c.arctan2_(x.flip(0));
  same(c, "arctan2");
  same(x.mul(7).fix_(), "fix");
  same(x.clone().trueDivide_(3), "trueDivide");
  same(x.add(2).arccosh_(), "arccosh");
  assert.equal(fx.positive(x), x, "positive returns self, as PyTorch's");
  assert.equal(x.positive(), x);
  assert.match(fluxionErrorMessage(() => fx.positive(tensor([true])), "positive(bool)"), /the `\+` operator, on a bool tensor is not supported/);
  assert.match(FX.errors.positiveBool, /The `\+` operator, on a bool tensor is not supported/);
  // gradients flow through the aliases as through their ops
  const g = tensor([0.3, -0.2], { dtype: "float64", requiresGrad: true });
  fx.arcsin(g).sum().backward();
  assert.deepEqual(vals(g.grad!), vals(g.detach().mul(g.detach()).rsub(1).rsqrt()));
});

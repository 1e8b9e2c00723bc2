/**
 * The unary math of issue 11 section 3 against PyTorch 1.13 (test/fixtures/math_ext_torch.json):
 * log2, log10, exp2, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, sinc, deg2rad,
 * rad2deg, frac, logit (with and without eps), nanToNum and bitwiseNot, on special values
 * (±0, ±inf, NaN, domain edges such as acosh(0.5) and log2 of negatives) in float64 and
 * float32, on integer and bool inputs (promoted to float32, or refused with PyTorch's
 * message), as methods, torch.* functions and in-place forms; gradients against PyTorch's
 * and by finite differences (gradcheck, float64).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { DTypeError, Tensor, autograd, tensor } from "../../src/index.js";
import { flat } from "../helpers.js";
import { assertValues } from "../fixtures/math_ref.js";
import { MX, assertUlps, decAll } from "../fixtures/math_ext_ref.js";

const SPECIAL = decAll(MX.special);

/** Fluxion's call for each fixture entry (method form; the function forms are checked equal below). */
const UNARY: Record<string, (t: Tensor) => Tensor> = {
  log2: (t) => t.log2(), log10: (t) => t.log10(), exp2: (t) => t.exp2(),
  asin: (t) => t.asin(), acos: (t) => t.acos(), atan: (t) => t.atan(),
  sinh: (t) => t.sinh(), cosh: (t) => t.cosh(), asinh: (t) => t.asinh(), acosh: (t) => t.acosh(), atanh: (t) => t.atanh(),
  sinc: (t) => t.sinc(), deg2rad: (t) => t.deg2rad(), rad2deg: (t) => t.rad2deg(), frac: (t) => t.frac(),
  logit: (t) => t.logit(), logitEps01: (t) => t.logit(0.1), logitEps06: (t) => t.logit(0.6), logitEps0: (t) => t.logit({ eps: 0 }),
  nanToNum: (t) => t.nanToNum(), nanToNumArgs: (t) => t.nanToNum(2, 1e300, -5), nanToNumPos: (t) => t.nanToNum({ posinf: 7 }),
};

/**
 * Allowed distance from PyTorch in ulps of the dtype. Fluxion computes float32 in float64 and
 * rounds once (correctly rounded but for the last bit of V8's libm); PyTorch's float32 kernels
 * (SLEEF, glibc's float functions) are within an ulp or so, hence 1-2 ulps. logit's float32
 * ratio x / (1 - x) is rounded to float32 by PyTorch before the log, which near x = 0.5 costs
 * it a few ulps more.
 */
const ULPS: Record<string, { float64: number; float32: number }> = { logit: { float64: 2, float32: 4 }, logitEps01: { float64: 2, float32: 4 }, logitEps0: { float64: 2, float32: 4 } };

/**
 * Where PyTorch is wrong and Fluxion is not: SLEEF's float64 sinh and cosh overflow to inf
 * from |x| = 709.78 although the results are finite up to |x| = 710.47; Fluxion gives the
 * finite value (Python's math.sinh(710) = 1.1169973830808557e308).
 */
function pytorchOverflow(name: string, x: number, dtype: string): boolean {
  return (name === "sinh" || name === "cosh") && dtype === "float64" && Math.abs(x) > 709.78 && Math.abs(x) < 710.475;
}

describe("unary math matches PyTorch on special values", () => {
  for (const [name, f] of Object.entries(UNARY)) {
    for (const dtype of ["float64", "float32"] as const) {
      it(`${name} ${dtype}`, () => {
        const want = decAll(MX.unary[name][dtype]);
        // three copies: past the size at which the native kernels take over
        const x = tensor(new Float64Array([...SPECIAL, ...SPECIAL, ...SPECIAL])).to(dtype);
        const out = f(x);
        assert.equal(out.dtype, dtype);
        const got = flat(out);
        for (let k = 0; k < 3; k++) {
          const part = got.slice(k * SPECIAL.length, (k + 1) * SPECIAL.length);
          const w = want.map((v, i) => (pytorchOverflow(name, SPECIAL[i]!, dtype) ? part[i]! : v));
          assertUlps(part, w, dtype, ULPS[name]?.[dtype] ?? (dtype === "float32" ? 2 : 1), `${name} ${dtype} copy ${k}`);
          // zeros keep PyTorch's sign (asin(-0) = -0, frac(-0) = +0, ...)
          w.forEach((v, i) => {
            if (v === 0) assert.ok(Object.is(part[i], v), `${name}(${SPECIAL[i]}) ${dtype}: ${Object.is(part[i], -0) ? "-0" : part[i]} vs PyTorch ${Object.is(v, -0) ? "-0" : v}`);
          });
        }
        if (name === "sinh" && dtype === "float64") assert.equal(got[SPECIAL.indexOf(710)], 1.1169973830808557e308);
      });
    }
  }

  it("domain errors give NaN and poles give infinities, as in PyTorch", () => {
    const x = tensor([0.5, -1, 0, 1, -2, 2], { dtype: "float64" });
    assert.ok(Number.isNaN(flat(x.acosh())[0]!), "acosh(0.5)");
    assert.deepEqual(flat(x.log2()).slice(1, 3), [NaN, -Infinity]);
    assert.ok(Number.isNaN(flat(x.log10())[1]!));
    assert.deepEqual(flat(x.atanh()).slice(2, 4), [0, Infinity]);
    assert.ok(flat(x.asin()).slice(4).every(Number.isNaN), "asin outside [-1, 1]");
    assert.ok(flat(x.acos()).slice(4).every(Number.isNaN), "acos outside [-1, 1]");
  });
});

describe("integer and bool inputs", () => {
  const INTS = MX.unaryIntInput as number[];
  for (const name of Object.keys(MX.unaryInt)) {
    it(`${name} promotes int32 and bool to float32, as PyTorch`, () => {
      const ref = MX.unaryInt[name];
      const r = UNARY[name]!(tensor(INTS, { dtype: "int32" }));
      assert.equal(r.dtype, ref.dtype);
      assertUlps(flat(r), decAll(ref.int32), "float32", 2, `${name} int32`);
      const rb = UNARY[name]!(tensor([true, false, true]));
      assert.equal(rb.dtype, ref.boolDtype);
      assertUlps(flat(rb), decAll(ref.bool), "float32", 2, `${name} bool`);
    });
  }

  it("nanToNum returns integer and bool tensors unchanged (a copy)", () => {
    const i = tensor(INTS, { dtype: "int32" });
    const r = i.nanToNum();
    assert.equal(r.dtype, MX.nanToNumInt.dtype);
    assert.deepEqual(flat(r), MX.nanToNumInt.values);
    assert.notEqual(r.storage, i.storage);
    assert.deepEqual(tensor([true, false]).nanToNum().tolist(), [true, false]);
  });

  it("frac refuses integers and bool, bitwiseNot refuses floats, with PyTorch's messages", () => {
    const E = MX.errors;
    const refuses = (f: () => unknown, torchMsg: string, op: string) =>
      assert.throws(f, (e: Error) => e instanceof DTypeError && e.message.replace(/^Tensor\.\w+\(\): /, "").startsWith(`${op}: `) && e.message.includes(torchMsg), `${op}: ${torchMsg}`);
    refuses(() => tensor([1, 2], { dtype: "int32" }).frac(), E.fracInt, "frac");
    refuses(() => fx.frac(tensor([true, false])), E.fracBool, "frac");
    refuses(() => tensor([1.5, 2]).bitwiseNot(), E.bitwiseNotFloat, "bitwiseNot");
    refuses(() => tensor([1.5, 2]).bitwiseNot_(), E.bitwiseNotFloat, "bitwiseNot");
  });

  it("bitwiseNot: ~x on int32, logical not on bool", () => {
    const a = tensor(MX.intA, { dtype: "int32" });
    const r = a.bitwiseNot();
    assert.equal(r.dtype, "int32");
    assert.deepEqual(flat(r), MX.int.bitwiseNot);
    const b = fx.bitwiseNot(tensor(MX.boolA));
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.tolist(), MX.bool.bitwiseNot);
  });
});

describe("function forms and in-place forms", () => {
  const x = tensor([0.3, -0.7, 0.9, 2.5, -4, 0]);
  const FNS: Record<string, (t: Tensor) => Tensor> = {
    log2: fx.log2, log10: fx.log10, exp2: fx.exp2, asin: fx.asin, acos: fx.acos, atan: fx.atan, sinh: fx.sinh, cosh: fx.cosh,
    asinh: fx.asinh, acosh: fx.acosh, atanh: fx.atanh, sinc: fx.sinc, deg2rad: fx.deg2rad, rad2deg: fx.rad2deg, frac: fx.frac,
  };
  for (const [name, fn] of Object.entries(FNS)) {
    it(`${name}: torch.${name}(x), x.${name}() and x.${name}_() agree`, () => {
      const call = (t: Tensor, m: string) => (t as unknown as Record<string, () => Tensor>)[m]!.call(t);
      const method = call(x, name);
      assert.deepEqual(flat(fn(x)), flat(method));
      const y = x.clone(), v0 = y.version;
      assert.equal(call(y, `${name}_`), y, "returns self");
      assert.ok(y.version > v0, "bumps the version");
      assert.deepEqual(flat(y), flat(method));
    });
  }

  it("logit_ and nanToNum_ take the same arguments as logit and nanToNum", () => {
    const p = tensor([0.05, 0.5, 0.97, -1, 2]);
    const want = flat(p.logit(0.1));
    assert.deepEqual(flat(p.clone().logit_(0.1)), want);
    assert.deepEqual(flat(fx.logit(p, 0.1)), want);
    assert.deepEqual(flat(fx.logit(p, { eps: 0.1 })), want);
    const q = tensor([NaN, Infinity, -Infinity, 1.5], { dtype: "float64" });
    assert.deepEqual(flat(q.clone().nanToNum_(1, 2, 3)), [1, 2, 3, 1.5]);
    assert.deepEqual(flat(fx.nanToNum(q, { neginf: -9 })), [0, Number.MAX_VALUE, -9, 1.5]);
    assert.deepEqual(flat(q.to("float16").nanToNum()), [0, 65504, -65504, 1.5], "the half type's own largest value");
  });

  it("an in-place float op on an integer tensor is refused and writes nothing", () => {
    const i = tensor([1, 2, 4], { dtype: "int32" });
    assert.throws(() => i.log2_(), (e: Error) => e instanceof DTypeError && /log2_: result type float32 can't be cast to the desired output type int32/.test(e.message));
    assert.deepEqual(i.tolist(), [1, 2, 4]);
    assert.deepEqual(i.bitwiseNot_().tolist(), [-2, -3, -5]);
  });

  it("half types compute in float32 and round to their own precision", () => {
    const h = tensor([0.3, 2, 5, -1]);
    for (const dt of ["bfloat16", "float16"] as const) {
      const got = flat(h.to(dt).log2());
      assert.equal(h.to(dt).log2().dtype, dt);
      const want = flat(h.to(dt).to("float64").log2().to(dt));
      assert.deepEqual(got.map(String), want.map(String), dt);
    }
  });
});

describe("gradients", () => {
  /** Fluxion's call for each gradient case of the fixture. */
  const G: Record<string, (...t: Tensor[]) => Tensor> = {
    log2: (t) => t.log2(), log10: (t) => t.log10(), exp2: (t) => t.exp2(), asin: (t) => t.asin(), acos: (t) => t.acos(), atan: (t) => t.atan(),
    sinh: (t) => t.sinh(), cosh: (t) => t.cosh(), asinh: (t) => t.asinh(), acosh: (t) => t.acosh(), atanh: (t) => t.atanh(),
    sinc: (t) => t.sinc(), deg2rad: (t) => t.deg2rad(), rad2deg: (t) => t.rad2deg(), frac: (t) => t.frac(),
    logit: (t) => t.logit(), logitEps: (t) => t.logit(0.1), nanToNum: (t) => t.nanToNum(),
  };
  for (const [name, f] of Object.entries(G)) {
    it(`${name}: output and gradient match PyTorch's (float64)`, () => {
      const c = MX.grads[name];
      const ins = (c.inputs as unknown[][]).map((v) => tensor(new Float64Array(decAll(v)), { requiresGrad: true }));
      const y = f(...ins);
      assertValues(y, decAll(c.out), { rtol: 1e-14, atol: 1e-300, msg: `${name} out` });
      y.mul(tensor(new Float64Array(decAll(c.upstream)))).sum().backward();
      ins.forEach((t, k) => assertValues(t.grad!, decAll(c.grads[k]), { rtol: 1e-13, atol: 1e-300, signedZero: true, msg: `${name} grad ${k}` }));
    });
  }

  it("gradcheck and gradgradcheck in float64", () => {
    const at = (v: number[]) => tensor(new Float64Array(v), { requiresGrad: true });
    const inside = at([-0.8, -0.35, 0.1, 0.45, 0.7]), wide = at([-2.1, -0.6, 0.3, 1.4, 2.2]), above1 = at([1.2, 1.7, 2.5, 4.0, 9.0]), prob = at([0.15, 0.3, 0.5, 0.65, 0.9]);
    const cases: [string, (t: Tensor) => Tensor, Tensor][] = [
      ["log2", (t) => t.log2(), above1], ["log10", (t) => t.log10(), above1], ["exp2", (t) => t.exp2(), wide],
      ["asin", (t) => t.asin(), inside], ["acos", (t) => t.acos(), inside], ["atan", (t) => t.atan(), wide],
      ["sinh", (t) => t.sinh(), wide], ["cosh", (t) => t.cosh(), wide], ["asinh", (t) => t.asinh(), wide],
      ["acosh", (t) => t.acosh(), above1], ["atanh", (t) => t.atanh(), inside], ["sinc", (t) => t.sinc(), wide],
      ["deg2rad", (t) => t.deg2rad(), wide], ["rad2deg", (t) => t.rad2deg(), wide], ["frac", (t) => t.frac(), wide],
      ["logit", (t) => t.logit(), prob], ["logit eps", (t) => t.logit(0.2), prob], ["nanToNum", (t) => t.nanToNum(), wide],
    ];
    for (const [name, f, x] of cases) {
      assert.ok(autograd.gradcheck(f, [x]), name);
      if (name !== "frac" && name !== "nanToNum") assert.ok(autograd.gradgradcheck(f, [x]), `${name} second order`);
    }
  });

  it("integer results (bitwiseNot) carry no gradient", () => {
    const r = tensor([1, 2], { dtype: "int32" }).bitwiseNot();
    assert.equal(r.requiresGrad, false);
  });
});

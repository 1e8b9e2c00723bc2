/**
 * lerp (method, torch.lerp, lerp_) and isclose/allclose against PyTorch 1.13
 * (test/fixtures/math_ext_torch.json). lerp: scalar and tensor weights in float32 and
 * float64, special values, broadcasting, PyTorch's dtype rules and messages, gradients w.r.t.
 * start, end and weight; lerp_ computes exactly what lerp does. isclose: rtol, atol and
 * equalNan on infinities, NaN and near-equal values in float64/float32, int32 (compared in
 * the default float dtype, as PyTorch) and bool; argument checks.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { DTypeError, FluxionError, Tensor, autograd, tensor } from "../../src/index.js";
import { flat } from "../helpers.js";
import { assertValues } from "../fixtures/math_ref.js";
import { MX, assertUlps, decAll, f64 } from "../fixtures/math_ext_ref.js";

describe("lerp matches PyTorch", () => {
  const L = MX.lerp;
  for (const dtype of ["float64", "float32"] as const) {
    // PyTorch's kernel fuses the final multiply-add (an FMA). Fluxion reproduces it exactly in
    // float32 (the product of two float32 values is exact in float64, rounded once on store);
    // in float64 it rounds the product and the sum separately, which can differ by half an ulp
    // of the larger operand (a few ulps of a result that cancels).
    const check = (got: number[], want: number[], s: number[], e: number[], msg: string) => {
      if (dtype === "float32") return assertUlps(got, want, dtype, 0, msg);
      want.forEach((v, i) => {
        const scale = Math.max(Math.abs(s[i]!), Math.abs(e[i]!), Math.abs(v));
        assert.ok(Math.abs(got[i]! - v) <= scale * 2 ** -52, `${msg}[${i}]: ${got[i]} vs PyTorch ${v}`);
      });
    };
    it(`scalar weights, ${dtype}`, () => {
      const s = f64(L.start).to(dtype), e = f64(L.end).to(dtype);
      for (const [w, vals] of Object.entries(L.scalar[dtype] as Record<string, unknown[]>)) {
        const r = s.lerp(e, Number(w));
        assert.equal(r.dtype, dtype);
        check(flat(r), decAll(vals), flat(s), flat(e), `lerp(w=${w}) ${dtype}`);
        assert.deepEqual(flat(fx.lerp(s, e, Number(w))), flat(r), "function form");
      }
      // exact at the ends
      assert.deepEqual(flat(s.lerp(e, 0)), flat(s));
      assert.deepEqual(flat(s.lerp(e, 1)), flat(e));
    });

    it(`a weight tensor, ${dtype}`, () => {
      const s = f64(L.start).to(dtype), e = f64(L.end).to(dtype), w = f64(L.weight).to(dtype);
      const r = s.lerp(e, w);
      assert.equal(r.dtype, dtype);
      check(flat(r), decAll(L.tensor[dtype]), flat(s), flat(e), `lerp(tensor weight) ${dtype}`);
    });
  }

  it("special values: infinities and NaN as PyTorch's formula gives them", () => {
    const s = f64(MX.lerpSpecial.start), e = f64(MX.lerpSpecial.end);
    for (const [w, vals] of Object.entries(MX.lerpSpecial.w as Record<string, unknown[]>)) {
      assertValues(s.lerp(e, Number(w)), decAll(vals), { rtol: 0, signedZero: true, msg: `w=${w}` });
      assertValues(s.lerp(e, tensor(new Float64Array(s.numel()).fill(Number(w)))), decAll(vals), { rtol: 0, signedZero: true, msg: `tensor w=${w}` });
    }
  });

  it("broadcasts start, end and weight; weight may be a bool or int scalar", () => {
    const r = fx.lerp(tensor([1, 2]), tensor([[3, 4], [5, 6]]), tensor([[0.5], [0.25]]));
    assert.deepEqual([...r.shape], MX.lerpBroadcast.shape);
    assert.deepEqual(flat(r), decAll(MX.lerpBroadcast.values));
    assert.deepEqual(tensor([1, 2]).lerp(tensor([3, 4]), true).tolist(), [3, 4]);
    assert.deepEqual(tensor([1, 2]).lerp(tensor([3, 4]), 1).tolist(), [3, 4]);
  });

  it("refuses integer tensors and mismatched dtypes with PyTorch's messages", () => {
    const E = MX.errors, f = tensor([1.5, 2]), i = tensor([1, 2], { dtype: "int32" });
    const refuses = (fn: () => unknown, msg: string) => assert.throws(fn, (e: Error) => e instanceof DTypeError && e.message.startsWith("lerp: ") && e.message.includes(msg), msg);
    refuses(() => i.lerp(i, 0.5), E.lerpInt);
    refuses(() => i.lerp(i, i), `"lerp_kernel_tensor" not implemented for 'Int'`);
    refuses(() => f.lerp(f.to("float64"), 0.5), E.lerpEndDtype);
    refuses(() => f.lerp(f, tensor([0.5, 0.5], { dtype: "float64" })), E.lerpWeightDtype);
    assert.throws(() => f.lerp(3 as unknown as Tensor, 0.5), /lerp.*end/, "end must be a tensor");
    assert.throws(() => f.lerp(tensor([1, 2, 3]), 0.5), /lerp/, "shapes that do not broadcast");
  });
});

describe("lerp_ and lerp's gradients", () => {
  it("lerp_ writes exactly lerp's values (both weight kinds) and checks the broadcast shape", () => {
    const s = f64(MX.lerp.start).to("float32"), e = f64(MX.lerp.end).to("float32"), w = f64(MX.lerp.weight).to("float32");
    for (const weight of [0.3, 0.8, w] as (number | Tensor)[]) {
      const y = s.clone();
      assert.equal(y.lerp_(e, weight), y);
      assert.deepEqual(flat(y), flat(s.lerp(e, weight)));
    }
    const small = tensor([1, 2]);
    assert.throws(() => small.lerp_(tensor([[3, 4], [5, 6]]), 0.5), (err: Error) => err instanceof FluxionError && /output with shape \[2\] doesn't match the broadcast shape \[2, 2\]/.test(err.message));
    assert.deepEqual(small.tolist(), [1, 2], "nothing written");
  });

  const G: Record<string, (...t: Tensor[]) => Tensor> = {
    lerpScalar: (s, e) => s.lerp(e, 0.3), lerpScalarHigh: (s, e) => fx.lerp(s, e, 0.8), lerpTensor: (s, e, w) => s.lerp(e, w),
  };
  for (const [name, f] of Object.entries(G)) {
    it(`${name}: output and gradients w.r.t. start, end (and weight) match PyTorch's`, () => {
      const c = MX.grads[name];
      const ins = (c.inputs as unknown[][]).map((v) => tensor(new Float64Array(decAll(v)), { requiresGrad: true }));
      const y = f(...ins);
      assertValues(y, decAll(c.out), { rtol: 1e-15, msg: `${name} out` });
      y.mul(tensor(new Float64Array(decAll(c.upstream)))).sum().backward();
      ins.forEach((t, k) => assertValues(t.grad!, decAll(c.grads[k]), { rtol: 1e-14, atol: 1e-300, msg: `${name} grad ${k}` }));
    });
  }

  it("gradcheck and gradgradcheck, broadcast operands; lerp_ on a non-leaf flows to all three", () => {
    const at = (v: number[], shape: number[]) => tensor(new Float64Array(v)).reshape(shape).requiresGrad_(true);
    const s = at([1, -2, 0.5, 3, 0.25, -1], [2, 3]), e = at([0.7, 2.2, -1.3], [3]), w = at([0.2, 0.9], [2, 1]);
    assert.ok(autograd.gradcheck((a, b, c) => a!.lerp(b!, c!), [s, e, w]));
    assert.ok(autograd.gradcheck((a, b) => a!.lerp(b!, 0.35), [s, e]));
    assert.ok(autograd.gradgradcheck((a, b, c) => a!.lerp(b!, c!), [s, e, w]));
    assert.ok(autograd.gradcheck((a, b, c) => a!.mul(1).lerp_(b!, c!), [s, e, w]));
  });
});

describe("isclose and allclose match PyTorch", () => {
  const I = MX.isclose;
  type Kw = { rtol?: number; atol?: number; equal_nan?: boolean };
  const opts = (kw: Kw) => ({ ...(kw.rtol !== undefined && { rtol: kw.rtol }), ...(kw.atol !== undefined && { atol: kw.atol }), ...(kw.equal_nan !== undefined && { equalNan: kw.equal_nan }) });

  it("floats: rtol, atol, equalNan, infinities (float64 and float32)", () => {
    for (const c of I.cases as { dtype: "float32" | "float64"; kw: Kw; isclose: boolean[]; allclose: boolean; allcloseFinite: boolean }[]) {
      const a = f64(I.a).to(c.dtype), b = f64(I.b).to(c.dtype);
      const what = `${c.dtype} ${JSON.stringify(c.kw)}`;
      const r = a.isclose(b, opts(c.kw));
      assert.equal(r.dtype, "bool");
      assert.deepEqual(r.tolist(), c.isclose, what);
      assert.deepEqual(fx.isclose(a, b, opts(c.kw)).tolist(), c.isclose, `${what} function form`);
      assert.equal(a.allclose(b, opts(c.kw)), c.allclose, `${what} allclose`);
      assert.equal(fx.allclose(a.narrow(0, 0, 5), b.narrow(0, 0, 5), opts(c.kw)), c.allcloseFinite, `${what} allclose (first 5)`);
    }
    // positional order: rtol, atol, equalNan
    assert.deepEqual(f64([1, "nan"]).isclose(f64([1.5, "nan"]), 0, 0.5, true).tolist(), [true, true]);
  });

  it("int32 (compared in float32, as PyTorch: no wraparound) and bool", () => {
    const a = tensor(MX.iscloseInt.a, { dtype: "int32" }), b = tensor(MX.iscloseInt.b, { dtype: "int32" });
    for (const c of MX.iscloseInt.cases as { kw: Kw; isclose: boolean[]; allclose: boolean }[]) {
      assert.deepEqual(a.isclose(b, opts(c.kw)).tolist(), c.isclose, JSON.stringify(c.kw));
      assert.equal(fx.allclose(a, b, opts(c.kw)), c.allclose);
    }
    const x = tensor(MX.boolA), y = tensor(MX.boolB);
    for (const c of MX.iscloseBool as { kw: Kw; isclose: boolean[] }[]) assert.deepEqual(x.isclose(y, opts(c.kw)).tolist(), c.isclose, JSON.stringify(c.kw));
  });

  it("broadcasts, and does not record a graph", () => {
    const a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const r = a.isclose(tensor([1, 4.00001]));
    assert.deepEqual(r.tolist(), [[true, false], [false, true]]);
    assert.equal(r.requiresGrad, false);
    assert.equal(r.gradFn, null);
  });

  it("refuses dtype mismatches and negative tolerances with PyTorch's messages", () => {
    const E = MX.errors, f = tensor([1.5, 2]), i = tensor([1, 2], { dtype: "int32" });
    const refuses = (fn: () => unknown, msg: string, op = "isclose") => assert.throws(fn, (e: Error) => e instanceof FluxionError && e.message.startsWith(`${op}: `) && e.message.includes(msg), msg);
    refuses(() => f.isclose(f.to("float64")), E.iscloseDtype);
    refuses(() => fx.isclose(i, f), E.iscloseIntFloat);
    refuses(() => f.allclose(f.to("float64")), E.iscloseDtype, "allclose");
    refuses(() => f.isclose(f, -1), E.iscloseRtol);
    refuses(() => fx.allclose(f, f, { atol: -0.5 }), E.iscloseAtol, "allclose");
    assert.throws(() => f.isclose(f, NaN), /rtol must be greater than or equal to zero, but got NaN/);
  });
});

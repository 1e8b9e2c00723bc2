/**
 * Elementwise ops against independent references: PyTorch values for special inputs
 * (test/fixtures/math_reference.json), plain-loop float64 references on random inputs in
 * every layout and broadcast, half-precision rounding, errors, and gradcheck.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, Tensor, tensor, zeros, autograd, clamp, where } from "../../src/index.js";
import { binary, unary } from "../../src/ops/elementwise.js";
import { erf } from "../../src/ops/elementwise_table.js";
import { flat } from "../helpers.js";
import {
  FIX, assertThrowsWith, assertValues, dec, decAll, erfRef, mapRef, randT, refOf, roundHalfEven, withLayout, type Layout,
} from "../fixtures/math_ref.js";

const SPECIAL = decAll(FIX.special);
const LAYOUTS: Layout[] = ["contiguous", "transposed", "strided"];

/** Fluxion call and float64 reference for every unary op of the table (and its variants). */
const UNARY: Record<string, { f: (t: Tensor) => Tensor; ref: (x: number) => number; fixture?: string; bool?: boolean }> = {
  neg: { f: (t) => t.neg(), ref: (x) => -x, fixture: "neg" },
  abs: { f: (t) => t.abs(), ref: Math.abs, fixture: "abs" },
  sign: { f: (t) => t.sign(), ref: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), fixture: "sign" },
  floor: { f: (t) => t.floor(), ref: Math.floor, fixture: "floor" },
  ceil: { f: (t) => t.ceil(), ref: Math.ceil, fixture: "ceil" },
  round: { f: (t) => t.round(), ref: roundHalfEven, fixture: "round" },
  trunc: { f: (t) => t.trunc(), ref: Math.trunc, fixture: "trunc" },
  exp: { f: (t) => t.exp(), ref: Math.exp, fixture: "exp" },
  log: { f: (t) => t.log(), ref: Math.log, fixture: "log" },
  log1p: { f: (t) => t.log1p(), ref: Math.log1p, fixture: "log1p" },
  expm1: { f: (t) => t.expm1(), ref: Math.expm1, fixture: "expm1" },
  sqrt: { f: (t) => t.sqrt(), ref: Math.sqrt, fixture: "sqrt" },
  rsqrt: { f: (t) => t.rsqrt(), ref: (x) => 1 / Math.sqrt(x), fixture: "rsqrt" },
  reciprocal: { f: (t) => t.reciprocal(), ref: (x) => 1 / x, fixture: "reciprocal" },
  sin: { f: (t) => t.sin(), ref: Math.sin, fixture: "sin" },
  cos: { f: (t) => t.cos(), ref: Math.cos, fixture: "cos" },
  tan: { f: (t) => t.tan(), ref: Math.tan, fixture: "tan" },
  tanh: { f: (t) => t.tanh(), ref: Math.tanh, fixture: "tanh" },
  sigmoid: { f: (t) => t.sigmoid(), ref: (x) => 1 / (1 + Math.exp(-x)), fixture: "sigmoid" },
  erf: { f: (t) => t.erf(), ref: erfRef, fixture: "erf" },
  relu: { f: (t) => t.relu(), ref: (x) => (x > 0 ? x : x === x ? 0 : x), fixture: "relu" },
  leakyRelu: { f: (t) => t.leakyRelu(0.1), ref: (x) => (x > 0 ? x : 0.1 * x), fixture: "leakyRelu" },
  gelu: { f: (t) => t.gelu(), ref: (x) => 0.5 * x * (1 + erfRef(x / Math.SQRT2)), fixture: "gelu" },
  geluTanh: {
    f: (t) => t.gelu({ approximate: "tanh" }),
    ref: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    fixture: "geluTanh",
  },
  silu: { f: (t) => t.silu(), ref: (x) => x / (1 + Math.exp(-x)), fixture: "silu" },
  softplus: { f: (t) => t.softplus(), ref: (x) => Math.log(1 + Math.exp(x)), fixture: "softplus" },
  softplusBeta: { f: (t) => t.softplus({ beta: 2, threshold: 10 }), ref: (x) => (2 * x > 10 ? x : Math.log(1 + Math.exp(2 * x)) / 2), fixture: "softplusBeta" },
  clamp: { f: (t) => t.clamp(-1, 2), ref: (x) => (x !== x ? x : Math.min(2, Math.max(-1, x))), fixture: "clamp" },
  clampInverted: { f: (t) => t.clamp(2, -1), ref: (x) => (x !== x ? x : -1), fixture: "clampInverted" },
  pow2: { f: (t) => t.pow(2), ref: (x) => x * x, fixture: "pow2" },
  pow05: { f: (t) => t.pow(0.5), ref: Math.sqrt, fixture: "pow05" },
  powNeg3: { f: (t) => t.pow(-3), ref: (x) => 1 / (x * x * x), fixture: "powNeg3" },
  isnan: { f: (t) => t.isnan(), ref: (x) => Number(Number.isNaN(x)), fixture: "isnan", bool: true },
  isfinite: { f: (t) => t.isfinite(), ref: (x) => Number(Number.isFinite(x)), fixture: "isfinite", bool: true },
  isinf: { f: (t) => t.isinf(), ref: (x) => Number(Math.abs(x) === Infinity), fixture: "isinf", bool: true },
  logicalNot: { f: (t) => t.logicalNot(), ref: (x) => Number(x === 0), fixture: "logicalNot", bool: true },
};

/** Binary ops: Fluxion call and float64 reference (the fixture covers special values). */
const BINARY: Record<string, { f: (a: Tensor, b: Tensor) => Tensor; ref: (x: number, y: number) => number; bool?: boolean }> = {
  add: { f: (a, b) => a.add(b), ref: (x, y) => x + y },
  sub: { f: (a, b) => a.sub(b), ref: (x, y) => x - y },
  mul: { f: (a, b) => a.mul(b), ref: (x, y) => x * y },
  div: { f: (a, b) => a.div(b), ref: (x, y) => x / y },
  pow: { f: (a, b) => a.pow(b), ref: (x, y) => x ** y },
  maximum: { f: (a, b) => a.maximum(b), ref: (x, y) => (x !== x || y !== y ? NaN : Math.max(x, y)) },
  minimum: { f: (a, b) => a.minimum(b), ref: (x, y) => (x !== x || y !== y ? NaN : Math.min(x, y)) },
  atan2: { f: (a, b) => a.atan2(b), ref: Math.atan2 },
  remainder: { f: (a, b) => a.remainder(b), ref: (x, y) => x - Math.floor(x / y) * y },
  eq: { f: (a, b) => a.eq(b), ref: (x, y) => Number(x === y), bool: true },
  ne: { f: (a, b) => a.ne(b), ref: (x, y) => Number(x !== y), bool: true },
  lt: { f: (a, b) => a.lt(b), ref: (x, y) => Number(x < y), bool: true },
  le: { f: (a, b) => a.le(b), ref: (x, y) => Number(x <= y), bool: true },
  gt: { f: (a, b) => a.gt(b), ref: (x, y) => Number(x > y), bool: true },
  ge: { f: (a, b) => a.ge(b), ref: (x, y) => Number(x >= y), bool: true },
  logicalAnd: { f: (a, b) => a.logicalAnd(b), ref: (x, y) => Number(x !== 0 && y !== 0), bool: true },
  logicalOr: { f: (a, b) => a.logicalOr(b), ref: (x, y) => Number(x !== 0 || y !== 0), bool: true },
  logicalXor: { f: (a, b) => a.logicalXor(b), ref: (x, y) => Number((x !== 0) !== (y !== 0)), bool: true },
};

describe("unary ops match PyTorch on special values (NaN, ±inf, ±0, halves, huge)", () => {
  for (const [name, op] of Object.entries(UNARY)) {
    it(`${name} float64`, () => {
      const out = op.f(tensor(new Float64Array(SPECIAL)));
      assert.equal(out.dtype, op.bool ? "bool" : "float64");
      // transcendental functions may differ from glibc/SLEEF in the last bits
      // 1 + erf(x) cancels for gelu at negative x: a few erf ulps become 1e-12 relative
      assertValues(out, decAll(FIX.unary64[op.fixture!]), { rtol: name === "gelu" ? 2e-12 : 1e-14, atol: 1e-300, signedZero: ["neg", "abs", "sign", "floor", "ceil", "round", "trunc", "relu", "clamp"].includes(name), msg: name });
    });
    it(`${name} float32`, () => {
      const out = op.f(tensor(new Float64Array(SPECIAL)).float());
      assert.equal(out.dtype, op.bool ? "bool" : "float32");
      // torch's float32 gelu loses a few ulps to cancellation; Fluxion computes in float64 and rounds once
      assertValues(out, decAll(FIX.unary32[op.fixture!]), { rtol: name.startsWith("gelu") ? 3e-6 : 2.5e-7, atol: name.startsWith("gelu") ? 1e-7 : 1e-37, msg: name });
    });
  }
});

describe("unary ops against a float64 reference in every layout", () => {
  const shapes = [[3, 5], [2, 3, 4], [7], [], [0, 3], [1, 1, 6]];
  for (const [name, op] of Object.entries(UNARY)) {
    it(name, () => {
      shapes.forEach((shape, si) => {
        for (const layout of LAYOUTS) {
          const base = randT(shape, 100 + si, -3, 3);
          const x = withLayout(base, layout);
          const out = op.f(x);
          assert.deepEqual(out.shape, shape);
          const expected = flat(base).map(op.ref);
          assertValues(out, expected, { rtol: 1e-12, atol: 1e-15, msg: `${name} ${JSON.stringify(shape)} ${layout}` });
        }
      });
    });
  }

  it("an expanded input (stride 0) reads the broadcast value", () => {
    const x = tensor(new Float64Array([0.3, -1.2])).reshape([2, 1]).expand([2, 4]);
    assertValues(x.exp(), [0.3, 0.3, 0.3, 0.3, -1.2, -1.2, -1.2, -1.2].map(Math.exp));
  });
});

describe("special values", () => {
  it("round is half to even and keeps the sign of zero", () => {
    const x = tensor(new Float64Array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, -0.4, 0.49999999999999994]));
    assertValues(x.round(), [0, 2, 2, -0, -2, -2, 4, -0, 0], { signedZero: true });
    assertValues(x.float().round(), [0, 2, 2, -0, -2, -2, 4, -0, 0], { signedZero: true });
  });

  it("neg, abs and floor keep IEEE zeros", () => {
    const z = tensor(new Float64Array([0, -0]));
    assertValues(z.neg(), [-0, 0], { signedZero: true });
    assertValues(z.abs(), [0, 0], { signedZero: true });
    assertValues(z.floor(), [0, -0], { signedZero: true });
  });

  it("maximum, minimum, relu and clamp propagate NaN", () => {
    const a = tensor(new Float64Array([NaN, 1, NaN, -1]));
    const b = tensor(new Float64Array([0, NaN, NaN, 2]));
    assertValues(a.maximum(b), [NaN, NaN, NaN, 2]);
    assertValues(a.minimum(b), [NaN, NaN, NaN, -1]);
    assertValues(a.relu(), [NaN, 1, NaN, 0]);
    assertValues(a.clamp(0, 0.5), [NaN, 0.5, NaN, 0]);
    assertValues(a.clamp(b, null), [NaN, NaN, NaN, 2]);
    assertValues(a.max(), [NaN]);
  });

  it("sigmoid, softplus, silu and logSigmoid-style large logits stay finite", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = tensor([-1000, -100, -30, 30, 100, 1000], { dtype });
      assertValues(x.sigmoid(), [0, 3.720075976020836e-44, 9.357622968840175e-14, 1, 1, 1], { rtol: 1e-6, atol: dtype === "float32" ? 1e-45 : 0, msg: dtype });
      assertValues(x.softplus(), [0, 3.720075976020836e-44, 9.357622968840175e-14, 30, 100, 1000], { rtol: 1e-6, atol: dtype === "float32" ? 1e-45 : 0 });
      assertValues(x.silu(), [-0, -3.720075976020836e-42, -2.8072868906520526e-12, 30, 100, 1000], { rtol: 1e-6, atol: dtype === "float32" ? 1e-44 : 0 });
      for (const v of flat(x.sigmoid())) assert.ok(Number.isFinite(v));
    }
  });

  it("erf matches PyTorch and Python's math.erf to float64 accuracy", () => {
    const xs = decAll(FIX.erfX);
    const torchY = decAll(FIX.erfY), mathY = FIX.erfMath as number[];
    xs.forEach((x, i) => {
      // within a few ulps (torch and libm are within one)
      assert.ok(Math.abs(erf(x) - torchY[i]!) <= 6e-16, `erf(${x}) = ${erf(x)} vs torch ${torchY[i]}`);
      assert.ok(Math.abs(erf(x) - mathY[i]!) <= 6e-16, `erf(${x}) vs math.erf`);
    });
    assert.equal(erf(Infinity), 1);
    assert.equal(erf(-Infinity), -1);
    assert.ok(Object.is(erf(-0), -0));
  });

  it("pow follows C semantics: 1 ** NaN = 1, NaN ** 0 = 1, (-1) ** inf = 1", () => {
    assertValues(tensor([1, NaN, -1, -1]).pow(tensor([NaN, 0, Infinity, -Infinity])), [1, 1, 1, 1]);
    assertValues(tensor([1]).pow(NaN), [1]);
  });
});

describe("binary ops match PyTorch on every pair of special values", () => {
  const A = decAll(FIX.binaryA), B = decAll(FIX.binaryB);
  for (const [name, op] of Object.entries(BINARY)) {
    it(name, () => {
      const out = op.f(tensor(new Float64Array(A)), tensor(new Float64Array(B)));
      assert.equal(out.dtype, op.bool ? "bool" : "float64");
      assertValues(out, decAll(FIX.binary64[name]), { rtol: 1e-15, signedZero: name !== "pow" && name !== "atan2", msg: name });
    });
  }

  it("integer remainder is Python's modulo; integer division is true division to float32", () => {
    const a = tensor(FIX.intA, { dtype: "int32" }), b = tensor(FIX.intB, { dtype: "int32" });
    const r = a.remainder(b);
    assert.equal(r.dtype, "int32");
    assert.deepEqual(flat(r), FIX.intRemainder);
    const q = a.div(b);
    assert.equal(q.dtype, "float32");
    assertValues(q, decAll(FIX.intDiv), { rtol: 0 });
  });
});

/** Pairs of shapes that broadcast (size-1 dims, missing leading dims, zero sizes, 0-d). */
const BROADCAST_PAIRS: [number[], number[]][] = [
  [[3, 4], [3, 4]], [[3, 1], [1, 4]], [[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[5], []], [[], [2, 3]], [[], []],
  [[1], [2, 3]], [[4, 1, 1], [1, 3, 2]], [[0, 3], [1, 3]], [[2, 0], [2, 1]], [[0], []], [[1, 1, 7], [6, 1]],
];

describe("binary ops broadcast like NumPy, in every layout", () => {
  for (const [name, op] of Object.entries(BINARY)) {
    it(name, () => {
      BROADCAST_PAIRS.forEach(([sa, sb], pi) => {
        for (const la of LAYOUTS) {
          for (const lb of ["contiguous", "transposed"] as Layout[]) {
            // positive bases for pow so the reference is real; distinct values otherwise
            const lo = name === "pow" ? 0.2 : -3;
            let a = withLayout(randT(sa, 7 * pi + 1, lo, 3), la), b = withLayout(randT(sb, 7 * pi + 2, -3, 3), lb);
            if (name.startsWith("logical")) [a, b] = [a.round(), b.round()];
            const out = op.f(a, b);
            const expected = mapRef(op.ref, refOf(a), refOf(b));
            assert.deepEqual([...out.shape], expected.shape, `${name} ${JSON.stringify([sa, sb])}`);
            assertValues(out, expected.v, { rtol: 1e-13, atol: 1e-15, msg: `${name} ${JSON.stringify([sa, sb])} ${la}/${lb}` });
          }
        }
      });
    });
  }

  it("expanded operands (stride 0) and sliced ones with steps", () => {
    const a = randT([4, 1], 3).expand([4, 5]);
    const b = withLayout(randT([5], 4), "strided");
    const expected = mapRef((x, y) => x * y, refOf(a), refOf(b));
    assertValues(a.mul(b), expected.v);
  });

  it("incompatible shapes raise an error naming both shapes", () => {
    assertThrowsWith(() => zeros([2, 3]).add(zeros([4])), "add", "[2, 3]", "[4]");
    assertThrowsWith(() => zeros([2, 3]).mul(zeros([3, 2])), "mul", "[2, 3]", "[3, 2]");
    assertThrowsWith(() => zeros([2, 3]).lt(zeros([2, 2])), "[2, 3]", "[2, 2]");
  });
});

describe("scalar operands", () => {
  const x = tensor(new Float64Array([1.5, -2, 4]));
  it("on the right and on the left", () => {
    assertValues(x.add(2), [3.5, 0, 6]);
    assertValues(x.rsub(1), [-0.5, 3, -3]);
    assertValues(binary("sub", 1, x), [-0.5, 3, -3]);
    assertValues(binary("div", 1, x), [1 / 1.5, -0.5, 0.25]);
    assertValues(binary("pow", 2, x), [2 ** 1.5, 0.25, 16]);
    assertValues(binary("maximum", 0, x), [1.5, 0, 4]);
    assert.deepEqual(flat(binary("lt", 0, x)), [1, 0, 1]);
    assert.deepEqual(flat(x.gt(true)), [1, 0, 1]);
  });
  it("add and sub with alpha", () => {
    const y = tensor(new Float64Array([1, 2, 3]));
    assertValues(x.add(y, { alpha: 2 }), [3.5, 2, 10]);
    assertValues(x.sub(y, { alpha: 0.5 }), [1, -3, 2.5]);
    assertValues(x.add(3, { alpha: -1 }), [-1.5, -5, 1]);
  });
  it("0-d tensors and zero-size tensors", () => {
    const s = tensor(2.5, { dtype: "float64" });
    assert.deepEqual(s.mul(s).shape, []);
    assert.equal(s.mul(s).item(), 6.25);
    assert.deepEqual(zeros([0, 3]).add(1).shape, [0, 3]);
    assert.deepEqual(zeros([0, 3]).exp().shape, [0, 3]);
    assert.deepEqual(zeros([2, 0]).lt(zeros([1, 0])).shape, [2, 0]);
  });
});

describe("where and clamp", () => {
  it("where broadcasts condition, values and scalars", () => {
    const c = tensor([[true], [false]]);
    const a = randT([2, 3], 11), b = randT([3], 12);
    const expected = mapRef((cc, x, y) => (cc ? x : y), refOf(c), refOf(a), refOf(b));
    assertValues(where(c, a, b), expected.v);
    assertValues(where(c, a, 0), mapRef((cc, x) => (cc ? x : 0), refOf(c), refOf(a)).v);
    assertValues(a.where(c, -1), mapRef((cc, x) => (cc ? x : -1), refOf(c), refOf(a)).v);
    const w = where(c, tensor([1, 2, 3], { dtype: "int32" }), 2.5);
    assert.equal(w.dtype, "float32");
    assertThrowsWith(() => where(tensor([1, 0]), a, b), "where", "bool");
  });

  it("clamp with tensor bounds broadcasts and matches min(max(x, lo), hi)", () => {
    const x = randT([3, 4], 21, -3, 3), lo = randT([4], 22, -2, 0), hi = randT([3, 1], 23, 0, 2);
    const expected = mapRef((v, l, h) => Math.min(Math.max(v, l), h), refOf(x), refOf(lo), refOf(hi));
    assertValues(x.clamp(lo, hi), expected.v);
    assertValues(clamp(x, lo, null), mapRef((v, l) => Math.max(v, l), refOf(x), refOf(lo)).v);
    assertValues(x.clip(null, hi), mapRef((v, h) => Math.min(v, h), refOf(x), refOf(hi)).v);
    assertThrowsWith(() => x.clamp(), "clamp", "min", "max");
  });

  it("clamp of an int tensor with float bounds gives float32 (as torch)", () => {
    const r = tensor([1, 2, 3], { dtype: "int32" }).clamp(1.5);
    assert.equal(r.dtype, FIX.promotionWhere.clamp_int_float);
    assertValues(r, [1.5, 2, 3]);
    const i = tensor([1, 5, 9], { dtype: "int32" }).clamp(2, 6);
    assert.equal(i.dtype, "int32");
    assert.deepEqual(flat(i), [2, 5, 6]);
  });
});

describe("dtypes of results", () => {
  it("float ops promote integers to float32; comparisons give bool", () => {
    const i = tensor([1, 4, 9], { dtype: "int32" });
    assert.equal(i.sqrt().dtype, "float32");
    assertValues(i.sqrt(), [1, 2, 3]);
    assert.equal(i.neg().dtype, "int32");
    assert.equal(i.abs().dtype, "int32");
    assert.equal(i.eq(4).dtype, "bool");
    assert.equal(i.float().lt(i).dtype, "bool");
    assert.equal(i.pow(2).dtype, "int32");
    assert.deepEqual(flat(i.pow(2)), [1, 16, 81]);
    assert.equal(i.pow(0.5).dtype, "float32");
  });

  it("bool arithmetic stays boolean (true + true is true)", () => {
    const a = tensor([true, true, false]), b = tensor([true, false, false]);
    const s = a.add(b);
    assert.equal(s.dtype, "bool");
    assert.deepEqual(flat(s), [1, 1, 0]);
    assert.deepEqual(s.tolist(), [true, true, false]);
    assert.deepEqual(flat(a.mul(b)), [1, 0, 0]);
    assertThrowsWith(() => a.sub(b), "sub", "bool", "logicalXor");
    assertThrowsWith(() => a.neg(), "neg", "bool", "logicalNot");
  });

  it("integers to negative integer powers: a scalar exponent is refused, a tensor one computed as PyTorch's", () => {
    const i = tensor([1, 2], { dtype: "int32" });
    assertThrowsWith(() => i.pow(-1), "pow", "negative");
    assertValues(i.pow(-1.0 + 0.5), [1, 2 ** -0.5], { rtol: 1e-7 });
    // PyTorch 1.13 (torch.tensor(a).to(dt) ** torch.tensor(b).to(dt)): no error for a tensor of
    // exponents (it would need a host read); 1 ** -n = 1, (-1) ** -n = ±1, anything else 0
    const a = [2, 3, 1, -1, -1, 0, -2, 5, 0], b = [-1, -2, -1, -1, -2, -1, -3, 2, 0];
    const want: Record<string, number[]> = {
      int32: [0, 0, 1, -1, 1, 0, 0, 25, 1], int64: [0, 0, 1, -1, 1, 0, 0, 25, 1],
      int8: [0, 0, 1, -1, 1, 0, 0, 25, 1], uint8: [0, 57, 1, 255, 1, 0, 0, 25, 1],
    };
    for (const dt of ["int32", "int64", "int8", "uint8"] as const) {
      const r = tensor(a, { dtype: "int32" }).to(dt).pow(tensor(b, { dtype: "int32" }).to(dt));
      assert.equal(r.dtype, dt);
      assert.deepEqual(r.tolist(), want[dt], dt);
      assert.deepEqual(tensor(2, { dtype: dt }).pow(tensor(b, { dtype: "int32" }).to(dt)).tolist(), [0, 0, 0, 0, 0, 0, 0, 4, 1], dt);
    }
  });
});

describe("bfloat16 / float16 results are rounded like PyTorch", () => {
  for (const dt of ["bfloat16", "float16"] as const) {
    it(dt, () => {
      const F = FIX.half[dt];
      const a = tensor(new Float64Array(decAll(FIX.halfA))).to(dt), b = tensor(new Float64Array(decAll(FIX.halfB))).to(dt);
      assertValues(a, decAll(F.a), { rtol: 0 });
      assertValues(b, decAll(F.b), { rtol: 0 });
      for (const op of ["add", "mul", "div"] as const) {
        const r = binary(op, a, b);
        assert.equal(r.dtype, dt);
        assertValues(r, decAll(F[op]), { rtol: 0, msg: `${dt} ${op}` });
      }
      // float32 math rounded once to the half type; allow one half-ulp for exp/tanh rounding
      const ulp = dt === "bfloat16" ? 2 ** -7 : 2 ** -10;
      assertValues(a.exp(), decAll(F.exp), { rtol: ulp, msg: `${dt} exp` });
      assertValues(a.tanh(), decAll(F.tanh), { rtol: ulp, msg: `${dt} tanh` });
      // each op rounds to the half type: the same as float32 math rounded after every step
      const stepwise = a.float().mul(3).to(dt).float().add(1).to(dt);
      assertValues(a.mul(3).add(1), flat(stepwise), { rtol: 0 });
    });
  }
});

describe("gradients (gradcheck in float64)", () => {
  const pos = ["log", "log1p", "sqrt", "rsqrt", "reciprocal", "powNeg3", "pow05"];
  const skip = new Set(["isnan", "isfinite", "isinf", "logicalNot", "clampInverted"]);
  const piecewiseConstant = new Set(["sign", "floor", "ceil", "round", "trunc"]);
  for (const [name, op] of Object.entries(UNARY)) {
    if (skip.has(name)) continue;
    it(`${name} (contiguous and non-contiguous)`, () => {
      const [lo, hi] = pos.includes(name) ? [0.5, 2] : name === "tan" ? [-1, 1] : [-2, 2];
      for (const layout of ["contiguous", "transposed"] as Layout[]) {
        // keep inputs away from kinks (abs/relu/clamp at their corners)
        const base = randT([3, 4], 31, lo, hi).add(piecewiseConstant.has(name) ? 0.25 : 0);
        const x = withLayout(base.detach(), layout).requiresGrad_(true);
        assert.ok(autograd.gradcheck((t) => op.f(t), [x]), name);
      }
    });
  }
  it("piecewise-constant ops have a zero gradient but still require grad", () => {
    const x = randT([4], 5).requiresGrad_(true);
    for (const f of [(t: Tensor) => t.floor(), (t: Tensor) => t.sign(), (t: Tensor) => t.round()]) {
      const y = f(x);
      assert.ok(y.requiresGrad);
      const [g] = autograd.grad(y.sum(), x);
      assert.deepEqual(flat(g!), [0, 0, 0, 0]);
    }
  });

  const differentiable = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder"];
  for (const name of differentiable) {
    it(`${name} with broadcasting and non-contiguous operands`, () => {
      const lo = name === "pow" ? 0.5 : -2;
      const a = withLayout(randT([3, 4], 41, lo, 2), "transposed").requiresGrad_(true);
      const b = randT([4], 42, name === "remainder" ? 0.7 : -2, 2).requiresGrad_(true);
      assert.ok(autograd.gradcheck((x, y) => BINARY[name]!.f(x!, y!), [a, b]), name);
      const c = randT([2, 1, 4], 43, lo, 2).requiresGrad_(true);
      const d = randT([3, 1], 44, 0.6, 2).requiresGrad_(true);
      assert.ok(autograd.gradcheck((x, y) => BINARY[name]!.f(x!, y!), [c, d]), `${name} 3-D`);
    });
  }

  it("add/sub alpha, scalars on either side, where and clamp with tensor bounds", () => {
    const a = randT([2, 3], 51).requiresGrad_(true), b = randT([3], 52).requiresGrad_(true);
    assert.ok(autograd.gradcheck((x, y) => x!.add(y!, { alpha: 2.5 }), [a, b]));
    assert.ok(autograd.gradcheck((x, y) => x!.sub(y!, { alpha: -0.5 }), [a, b]));
    assert.ok(autograd.gradcheck((x) => binary("div", 3, x!).add(binary("pow", 1.5, x!)), [a]));
    const c = tensor([[true, false, true], [false, false, true]]);
    assert.ok(autograd.gradcheck((x, y) => where(c, x!, y!), [a, b]));
    const lo = randT([3], 53, -1.9, -0.1).requiresGrad_(true), hi = randT([2, 1], 54, 0.1, 1.9).requiresGrad_(true);
    assert.ok(autograd.gradcheck((x, l, h) => x!.clamp(l!, h!), [randT([2, 3], 55, -3, 3).requiresGrad_(true), lo, hi]));
  });

  it("pow's gradient at 0 ** 0 matches torch (0, and log-term 0)", () => {
    const x = tensor(new Float64Array([0, 2, -1.5]), { requiresGrad: true });
    const e = tensor(new Float64Array([0, 0, 2]), { requiresGrad: true });
    x.pow(e).sum().backward();
    assertValues(x.grad!, decAll(FIX.powGradZero.gx));
    assertValues(e.grad!, decAll(FIX.powGradZero.ge));
  });

  it("gradgradcheck: mul, div, pow, exp, tanh, sigmoid", () => {
    const a = randT([2, 3], 61, 0.5, 2).requiresGrad_(true), b = randT([3], 62, 0.5, 2).requiresGrad_(true);
    assert.ok(autograd.gradgradcheck((x, y) => x!.mul(y!), [a, b]));
    assert.ok(autograd.gradgradcheck((x, y) => x!.div(y!), [a, b]));
    assert.ok(autograd.gradgradcheck((x, y) => x!.pow(y!), [a, b]));
    assert.ok(autograd.gradgradcheck((x) => x!.pow(3), [a]));
    assert.ok(autograd.gradgradcheck((x) => x!.exp(), [a]));
    assert.ok(autograd.gradgradcheck((x) => x!.tanh(), [a]));
    assert.ok(autograd.gradgradcheck((x) => x!.sigmoid(), [a]));
    assert.ok(autograd.gradgradcheck((x) => x!.gelu(), [a]));
  });

  it("table ops without a gradient rule are listed on purpose", () => {
    // every float op of the table either has a derivative here or is a predicate
    const x = randT([2], 71).requiresGrad_(true);
    for (const name of ["exp", "log1p", "expm1", "erf", "silu", "softplus"]) {
      assert.ok(unary(name as "exp", x.abs().add(0.1)).requiresGrad, name);
    }
    assert.ok(!x.isnan().requiresGrad);
  });
});

describe("fixture sanity", () => {
  it("decodes special values", () => {
    assert.ok(Object.is(dec("-0"), -0));
    assert.equal(dec("inf"), Infinity);
  });
});

// PyTorch 1.13 parity found by the differential fuzz (test/fuzz/diff_torch.test.ts)
describe("elementwise: PyTorch parity from the differential fuzz", () => {
  const b = () => tensor([true, false]);
  const dtypeError = (re: RegExp) => (e: Error) => e instanceof DTypeError && re.test(e.message);

  it("abs, floor, ceil, round and trunc refuse bool, as PyTorch (\"abs_cpu\" not implemented for 'Bool'); sign and square take it", () => {
    for (const op of ["abs", "floor", "ceil", "round", "trunc"] as const) {
      assert.throws(() => b()[op](), dtypeError(new RegExp(`${op}: not implemented for bool operands .*not implemented for 'Bool', as in PyTorch`)), op);
    }
    assert.deepEqual(b().sign().tolist(), [true, false]); // torch.sign(b) -> tensor([ True, False])
    assert.deepEqual(b().square().tolist(), [1, 0]);
    assert.deepEqual(tensor([-2, 3], { dtype: "int8" }).abs().tolist(), [2, 3]);
  });

  it("sub refuses any bool operand, a bool scalar too, also with alpha and in place", () => {
    const x = tensor([1.5, 2]);
    assert.throws(() => b().sub(b()), dtypeError(/sub: subtraction with two bool operands/));
    assert.throws(() => x.sub(b()), dtypeError(/sub: subtraction with a bool operand \(float32 tensor of shape \[2\] and bool tensor of shape \[2\]\)/));
    assert.throws(() => b().sub(tensor([1], { dtype: "uint8" }), { alpha: 2 }), dtypeError(/sub: subtraction with a bool operand/));
    assert.throws(() => tensor([1, 2], { dtype: "int32" }).sub(true), dtypeError(/sub: subtraction with a bool operand/));
    assert.throws(() => x.sub(b(), { alpha: 2 }), dtypeError(/sub: /));
    assert.throws(() => x.rsub(b()), dtypeError(/rsub: /));
    assert.throws(() => x.sub_(b()), dtypeError(/sub_: /));
    assert.deepEqual(flat(x), [1.5, 2]); // unchanged by the refused sub_
    assert.deepEqual(x.add(b()).tolist(), [2.5, 2]);
  });

  it("where takes a uint8 condition (nonzero is true), as PyTorch 1.13 still does; int8 is refused", () => {
    // torch.where(torch.tensor([1, 0, 5], dtype=torch.uint8), 1., 2.) -> tensor([1., 2., 1.])
    assert.deepEqual(where(tensor([1, 0, 5], { dtype: "uint8" }), 1.5, 2.5).tolist(), [1.5, 2.5, 1.5]);
    assert.throws(() => where(tensor([1, 0], { dtype: "int8" }), 1.5, 2.5), dtypeError(/where: expected condition to be a bool tensor, got int8/));
  });

  it("clamp's scalar bounds take part in promotion and must fit an integer dtype, as PyTorch's", () => {
    // torch.clamp(torch.tensor([True, False]), 2) -> tensor([2, 2]) (int64; int32 here, a JS integer's dtype)
    const r = clamp(b(), 2);
    assert.equal(r.dtype, "int32");
    assert.deepEqual(r.tolist(), [2, 2]);
    assert.deepEqual(clamp(b(), 0, 1).tolist(), [1, 0]);
    assert.deepEqual(clamp(b(), 0.5).tolist(), [1, 0.5]);
    assert.throws(() => clamp(b(), true), dtypeError(/clamp: not implemented for a bool tensor/));
    const u = tensor([1, 5, 200], { dtype: "uint8" });
    assert.deepEqual(clamp(u, -5).tolist(), [251, 251, 251]); // torch: -5 wraps to 251
    assert.deepEqual(clamp(u, -1, 100).tolist(), [100, 100, 100]);
    // torch.clamp(u, None, 300) -> RuntimeError: value cannot be converted to type uint8_t without overflow
    assert.throws(() => clamp(u, null, 300), dtypeError(/clamp: value 300 cannot be converted to type uint8 without overflow/));
    assert.throws(() => clamp(tensor([1], { dtype: "int8" }), -200, 100), dtypeError(/clamp: value -200 cannot be converted to type int8/));
    assert.throws(() => clamp(tensor([1], { dtype: "int32" }), 2 ** 40), dtypeError(/clamp: value 1099511627776 cannot be converted to type int32/));
    assert.equal(clamp(tensor([1, 5], { dtype: "int32" }), 0.5, 3.5).dtype, "float32");
  });
});

describe("elementwise: more PyTorch parity from the differential fuzz", () => {
  const dtypeError = (re: RegExp) => (e: Error) => e instanceof DTypeError && re.test(e.message);

  it("add/sub with alpha: the dtype of a ± b, alpha scaling in it; a fractional alpha is refused for integers", () => {
    // torch.sub(torch.tensor([-2]), torch.tensor(2, dtype=torch.uint8), alpha=-1) -> tensor([0]) (not -256: no uint8 wrap)
    assert.deepEqual(tensor([-2], { dtype: "int64" }).sub(tensor(2, { dtype: "uint8" }), { alpha: -1 }).tolist(), [0]);
    // torch.add(torch.tensor([0.]), torch.tensor([2147483646], dtype=torch.int32), alpha=2) -> 4294967292
    assert.deepEqual(tensor([0], { dtype: "float64" }).add(tensor([2147483646], { dtype: "int32" }), { alpha: 2 }).tolist(), [4294967292]);
    // torch.sub(torch.tensor(0.5, dtype=torch.float64), torch.tensor([6, -1], dtype=torch.int32), alpha=0.5) -> float64 [-2.5, 1.]
    const r = tensor(0.5, { dtype: "float64" }).sub(tensor([6, -1], { dtype: "int32" }), { alpha: 0.5 });
    assert.deepEqual([r.dtype, r.tolist()], ["float64", [-2.5, 1]]);
    // int32 + -1.5 * 2 is float32 (the scalar's kind counts, not the product's)
    assert.equal(tensor([1], { dtype: "int32" }).add(-1.5, { alpha: 2 }).dtype, "float32");
    assert.throws(() => tensor([1], { dtype: "int32" }).add(1, { alpha: 0.5 }), dtypeError(/add: for integral input tensors, argument alpha must not be a floating point number/));
    assert.throws(() => tensor([1], { dtype: "uint8" }).sub(tensor([1], { dtype: "uint8" }), { alpha: 0.5 }), dtypeError(/sub: for integral input tensors/));
  });

  it("pow of bool operands, relu of bool and addcmul of bool are refused, as PyTorch", () => {
    const b = tensor([true, false]);
    assert.throws(() => b.pow(tensor(false)), dtypeError(/pow: not implemented for bool operands/));
    assert.deepEqual(b.pow(2).tolist(), [1, 0]); // a bool tensor with an integer exponent is integer
    assert.throws(() => b.relu(), dtypeError(/relu: Boolean inputs not supported for relu/));
    assert.throws(() => b.addcmul(b, b), dtypeError(/addcmul: not implemented for bool tensors/));
  });
});

// PyTorch 1.13: a = [nan, 2, 1, 1], b = [1, nan, 3, 1]; grad of maximum(a, b).sum():
// a [1, 1, 0, .5], b [1, 1, 1, .5]; of minimum(a, b).sum(): a [1, 1, 1, .5], b [1, 1, 0, .5]
describe("maximum/minimum gradient where an operand is NaN", () => {
  it("goes to both operands (the result is NaN), as PyTorch's; ties split in half", () => {
    const a = tensor([NaN, 2, 1, 1], { dtype: "float64", requiresGrad: true }), b = tensor([1, NaN, 3, 1], { dtype: "float64", requiresGrad: true });
    assert.deepEqual(autograd.grad(a.maximum(b).sum(), [a, b]).map((g) => g!.tolist()), [[1, 1, 0, 0.5], [1, 1, 1, 0.5]]);
    assert.deepEqual(autograd.grad(a.minimum(b).sum(), [a, b]).map((g) => g!.tolist()), [[1, 1, 1, 0.5], [1, 1, 0, 0.5]]);
  });
});

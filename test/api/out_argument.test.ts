/**
 * PyTorch's out= keyword (add, sub, mul, div, matmul, mm, bmm, sum, mean, clamp, cat, stack and the elementwise unary and
 * binary ops): the result written into out, which is returned, as PyTorch's functions do;
 * a result cast into out's dtype where PyTorch casts; and what PyTorch refuses refused
 * (automatic differentiation through out=, casting a float result into an integer out), plus
 * an out of another shape, which PyTorch resizes and Fluxion does not: each a clear error,
 * out untouched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, DTypeError, ShapeError, add, bmm, div, exp, matmul, maximum, mm, mul, noGrad, ones, randn, sub, tensor, zeros } from "../../src/index.js";

const values = (t: { toTypedArray(): ArrayLike<number> }) => Array.from(t.toTypedArray());

test("out=: the result goes into out, which is returned (function and method forms)", () => {
  const a = tensor([[1, 2], [3, 4]]), b = tensor([[5, 6], [7, 8]]);
  for (const [name, run, want] of [
    ["add", (o: ReturnType<typeof zeros>) => add(a, b, { alpha: 2, out: o }), [11, 14, 17, 20]],
    ["sub", (o: ReturnType<typeof zeros>) => sub(a, b, { out: o }), [-4, -4, -4, -4]],
    ["mul", (o: ReturnType<typeof zeros>) => mul(a, b, { out: o }), [5, 12, 21, 32]],
    ["div", (o: ReturnType<typeof zeros>) => div(b, a, { roundingMode: "floor", out: o }), [5, 3, 2, 2]],
    ["maximum", (o: ReturnType<typeof zeros>) => maximum(a, 2.5, { out: o }), [2.5, 2.5, 3, 4]],
    ["matmul", (o: ReturnType<typeof zeros>) => matmul(a, b, { out: o }), [19, 22, 43, 50]],
    ["mm", (o: ReturnType<typeof zeros>) => mm(a, b, { out: o }), [19, 22, 43, 50]],
    ["method mul", (o: ReturnType<typeof zeros>) => a.mul(b, { out: o }), [5, 12, 21, 32]],
  ] as const) {
    const out = zeros([2, 2]);
    const r = run(out);
    assert.equal(r, out, `${name} returns out`);
    assert.deepEqual(values(out), want, name);
  }
  const e = zeros([3]);
  assert.equal(exp(tensor([0, 1, 2]), { out: e }), e);
  assert.deepEqual(values(e).map((v) => Math.round(v * 1e4) / 1e4), [1, 2.7183, 7.3891]);
  const o3 = zeros([2, 2, 2]);
  bmm(ones([2, 2, 3]), ones([2, 3, 2]), { out: o3 });
  assert.deepEqual(values(o3), [3, 3, 3, 3, 3, 3, 3, 3]);
});

test("out=: cast into out's dtype where PyTorch casts; out may be an input", () => {
  const o64 = zeros([2], { dtype: "float64" });
  add(tensor([0.1, 0.2]), tensor([0.2, 0.3]), { out: o64 });
  assert.equal(o64.dtype, "float64");
  assert.deepEqual(values(o64), [Math.fround(0.1) + Math.fround(0.2), Math.fround(0.2) + Math.fround(0.3)].map(Math.fround));
  const oi = zeros([2], { dtype: "float32" });
  mul(tensor([2, 3], { dtype: "int32" }), 2, { out: oi }); // int result into a float out
  assert.deepEqual(values(oi), [4, 6]);
  const a = tensor([1, 2, 3]);
  add(a, a, { out: a }); // in place through out
  assert.deepEqual(values(a), [2, 4, 6]);
});

test("out=: refused as PyTorch refuses, and an out of another shape; out untouched", () => {
  const out = tensor([7, 7, 7, 7]).reshape([2, 2]);
  assert.throws(() => add(randn([2, 2]), 1, { out: zeros([2, 2], { dtype: "int32" }) }), (e: unknown) => e instanceof DTypeError && /add\(\): result type float32 can't be cast to the desired output type int32/.test(e.message));
  assert.throws(() => mul(randn([2, 2], { requiresGrad: true }), 2, { out }), (e: unknown) => e instanceof AutogradError && /out=\.\.\. arguments don't support automatic differentiation/.test(e.message));
  assert.throws(() => matmul(randn([2, 3]), randn([3, 4]), { out }), (e: unknown) => e instanceof ShapeError && /matmul\(\): out has shape \[2, 2\] but the result has shape \[2, 4\]/.test(e.message));
  assert.deepEqual(values(out), [7, 7, 7, 7]);
  // under noGrad, inputs that require grad are fine (nothing is recorded)
  noGrad(() => mul(randn([2, 2], { requiresGrad: true }), 0, { out }));
  assert.ok(values(out).every((v) => v === 0), String(values(out)));
});

test("out=: also sum, mean, clamp, cat, stack", async () => {
  const { sum, mean, clamp, cat, stack } = await import("../../src/index.js");
  const x = tensor([[1, 2], [3, 4]]);
  const o1 = zeros([2]);
  assert.equal(sum(x, 0, { out: o1 }), o1);
  assert.deepEqual(values(o1), [4, 6]);
  const o0 = zeros([]);
  mean(x, null, { out: o0 });
  assert.deepEqual(values(o0), [2.5]);
  const oc = zeros([2, 2]);
  clamp(x, 2, 3, { out: oc });
  assert.deepEqual(values(oc), [2, 2, 3, 3]);
  const ocat = zeros([4, 2]);
  cat([x, x], 0, { out: ocat });
  assert.deepEqual(values(ocat), [1, 2, 3, 4, 1, 2, 3, 4]);
  const ost = zeros([2, 2, 2]);
  stack([x, x], 1, { out: ost });
  assert.deepEqual(values(ost), [1, 2, 1, 2, 3, 4, 3, 4]);
});

/**
 * asTensor / asarray (memory shared where PyTorch shares it), logspace, diagflat, poisson, normal (four
 * overloads, zero gradients, errors) and randintLike against PyTorch 1.13
 * (test/fixtures/creation_extra_torch.json).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, FluxionError, IndexError, ShapeError, type DType } from "../../src/index.js";
import { signatureMismatches, type OpFixture } from "../fixtures/op_cases.js";

const FIX = JSON.parse(readFileSync(new URL("../fixtures/creation_extra_torch.json", import.meta.url), "utf8"));
const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));

test("asTensor: the same tensor when dtype and device match, a converted one (keeping the graph) otherwise", () => {
  const t = fx.zeros(3, { requiresGrad: true });
  assert.equal(fx.asTensor(t), t);
  assert.equal(fx.asTensor(t, "float32", "cpu"), t);
  assert.equal(fx.asTensor(t, { device: "cpu" }), t);
  const d = fx.asTensor(t, "float64");
  assert.equal(d.dtype, "float64");
  d.sum().backward();
  assert.deepEqual(t.grad!.tolist(), [1, 1, 1]);
});

test("asTensor: typed arrays of a Fluxion dtype share memory (as from_numpy); nested arrays copy, as tensor()", () => {
  const a = new Float32Array([1, 2]);
  const t = fx.asTensor(a);
  t.add_(1);
  assert.deepEqual(Array.from(a), [2, 3]);
  assert.equal(fx.asTensor(new Int32Array([1])).dtype, "int32");
  const c = fx.asTensor(a, "float64");
  c.add_(1);
  assert.deepEqual(Array.from(a), [2, 3]);
  assert.equal(fx.asTensor([1, 2]).dtype, "float32");
  assert.equal(fx.asTensor([1, 2], "int64").dtype, "int64");
  assert.equal(fx.asTensor(2.5).ndim, 0);
  is(() => fx.asTensor([1, 2], "int128" as DType), DTypeError, /asTensor\(\): argument 'dtype'/);
  is(() => fx.asTensor([[1], [2, 3]]), ShapeError, /ragged/);
});

test("asarray: copy null shares, true copies, false refuses a needed copy; requiresGrad makes a leaf", () => {
  const t = fx.ones(2);
  assert.equal(fx.asarray(t), t);
  const c = fx.asarray(t, { copy: true });
  assert.notEqual(c, t);
  c.add_(1);
  assert.deepEqual(t.tolist(), [1, 1]);
  assert.equal(fx.asarray(t, { copy: false }), t);
  is(() => fx.asarray(t, { dtype: "float64", copy: false }), FluxionError, /^asarray: can't alias a float32 cpu tensor as float64 on cpu without a copy \(copy=false\)$/);
  is(() => fx.asarray([1, 2], { copy: false }), FluxionError, /can't alias nested arrays or scalars without a copy/);
  const a = new Float64Array([1, 2]);
  fx.asarray(a, { copy: false }).mul_(2);
  assert.deepEqual(Array.from(a), [2, 4]);
  const g = fx.asarray([1.5, 2], { requiresGrad: true });
  assert.equal(g.requiresGrad, true);
  assert.equal(g.isLeaf, true);
  is(() => fx.asarray([1, 2], { dtype: "int32", requiresGrad: true }), DTypeError, /^asarray: only tensors of floating point dtype can require gradients, got int32$/);
  is(() => fx.asarray([1], { cpoy: true } as never), ArgumentError, /asarray\(\).*cpoy/);
});

test("logspace: PyTorch's values for bases, fractional and negative exponents and dtypes", () => {
  for (const c of FIX.logspace as { args: [number, number, number]; kw: { base?: number; dtype?: DType }; dtype: DType; v: number[] }[]) {
    const { base, ...rest } = c.kw;
    const r = base === undefined ? fx.logspace(...c.args, rest) : fx.logspace(...c.args, base, rest);
    assert.equal(r.dtype, c.dtype, JSON.stringify(c));
    assert.deepEqual(r.shape, [c.v.length]);
    const got = r.tolist() as number[];
    c.v.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) <= 1e-6 * Math.abs(v), `${JSON.stringify(c)}[${i}]: ${got[i]} vs ${v}`));
  }
  fx.setDefaultDtype("float64");
  try {
    assert.equal(fx.logspace(0, 1, 2).dtype, "float64");
  } finally {
    fx.setDefaultDtype("float32");
  }
  is(() => fx.logspace(0, 1, -1), FluxionError, /^logspace: number of steps must be a non-negative integer, got -1$/);
  is(() => fx.logspace(0, 1, 2, { dtype: "bool" }), DTypeError, /^logspace: dtype bool is not supported/);
  is(() => fx.logspace("0" as never, 1, 2), ArgumentError, /logspace\(\): argument 'start'/);
});

test("diagflat: the flattened input on a diagonal, as PyTorch (function and method)", () => {
  for (const c of FIX.diagflat) {
    const x = fx.tensor(c.x, { dtype: c.dtype }).reshape(c.shape);
    const r = fx.diagflat(x, c.offset);
    assert.deepEqual(r.shape, c.out.shape);
    assert.deepEqual(r.reshape(-1).tolist(), c.out.v);
    assert.equal(r.dtype, c.dtype);
    assert.deepEqual(x.diagflat(c.offset).shape, c.out.shape);
  }
  const x = fx.tensor([1, 2], { dtype: "float64", requiresGrad: true });
  assert.ok(fx.autograd.gradcheck((a) => fx.diagflat(a, 1), [x]));
});

test("normal: each overload's shape and dtype as PyTorch; seeded and per-generator reproducible", () => {
  const N = FIX.normal;
  assert.deepEqual(fx.normal(fx.zeros(2, 3), fx.ones(3)).shape, N.tensor_tensor);
  assert.deepEqual(fx.normal(fx.zeros(4, 1, { dtype: "float64" }), 2).shape, N.tensor_float);
  assert.deepEqual(fx.normal(1, fx.ones(2, 2)).shape, N.float_tensor);
  assert.deepEqual(fx.normal(1, 2, [3, 2]).shape, N.float_float);
  assert.equal(fx.normal(1, 2, [3], { dtype: "float64" }).dtype, N.float_float_dtype);
  assert.equal(fx.normal(fx.zeros(2, { dtype: "float64" }), 1).dtype, N.tensor_float_dtype);
  assert.deepEqual(fx.normal(fx.zeros(2)).shape, [2]); // std defaults to 1
  const g1 = new fx.Generator(7), g2 = new fx.Generator(7);
  assert.deepEqual(fx.normal(3, 2, [5], { generator: g1 }).tolist(), fx.normal(3, 2, [5], { generator: g2 }).tolist());
  assert.deepEqual(fx.normal(fx.full([5], 3), 2, { generator: new fx.Generator(7) }).tolist(), fx.normal(3, 2, [5], { generator: new fx.Generator(7) }).tolist());
});

test("normal: the samples have the asked mean and std (mean + std * N(0, 1))", () => {
  fx.manualSeed(0);
  const x = fx.normal(fx.full([20000], 5, { dtype: "float64" }), fx.full([20000], 0.5, { dtype: "float64" }));
  assert.ok(Math.abs((x.mean().item() as number) - 5) < 0.02);
  assert.ok(Math.abs((x.std().item() as number) - 0.5) < 0.02);
  const zeroStd = fx.normal(fx.tensor([1, 2]), 0);
  assert.deepEqual(zeroStd.tolist(), [1, 2]);
});

test("normal: gradients to mean and std are zeros, as PyTorch's", () => {
  const m = fx.zeros(3, { requiresGrad: true }), s = fx.ones(3, { requiresGrad: true });
  const r = fx.normal(m, s);
  assert.equal(r.requiresGrad, true);
  r.sum().backward();
  assert.deepEqual([m.grad!.tolist(), s.grad!.tolist()], FIX.normal.grads);
  const m2 = fx.zeros(2, { requiresGrad: true });
  fx.normal(m2, 2).sum().backward();
  assert.deepEqual(m2.grad!.tolist(), [0, 0]);
  assert.equal(fx.noGrad(() => fx.normal(m, s)).requiresGrad, false);
});

test("normal: PyTorch's errors for a negative std, shapes that do not broadcast and non-float dtypes", () => {
  const E = FIX.normal.errors;
  is(() => fx.normal(fx.zeros(2), -1), ArgumentError, new RegExp(`^normal: ${E["negative std"]}$`));
  is(() => fx.normal(0, fx.tensor([1, -1])), IndexError, new RegExp(`^normal: ${E["negative std tensor"]}$`));
  is(() => fx.normal(fx.zeros(2), fx.ones(3)), ShapeError, /^normal: shapes \[2\] and \[3\] cannot be broadcast together/);
  is(() => fx.normal(0, 1, [2], { dtype: "int32" }), DTypeError, /^normal: expected a floating point dtype, got int32/);
  is(() => fx.normal(fx.zeros(2, { dtype: "int64" }), 1), DTypeError, /^normal: expected a floating point mean tensor, got int64$/);
  is(() => fx.normal(0, fx.ones(2, { dtype: "int32" })), DTypeError, /^normal: expected a floating point std tensor, got int32$/);
  is(() => (fx.normal as (...a: unknown[]) => unknown)(0, 1), ArgumentError, /normal\(\)/);
  is(() => fx.normal(fx.zeros(2), NaN), ArgumentError, /found std NaN/);
});

test("randintLike: input's shape, dtype and device; the range and overrides", () => {
  assert.equal(fx.randintLike(fx.zeros(2, { dtype: "float64" }), 5).dtype, FIX.randintLike.float64);
  const r = fx.randintLike(fx.zeros([100], { dtype: "int32" }), 3, 5);
  assert.equal(r.dtype, FIX.randintLike.int32);
  assert.ok((r.tolist() as number[]).every((v) => v === 3 || v === 4));
  assert.deepEqual(fx.randintLike(fx.zeros(2, 3), 4, { dtype: "int64" }).shape, [2, 3]);
  assert.equal(fx.randintLike(fx.zeros(2, 3), 4, { dtype: "int64" }).dtype, "int64");
  is(() => fx.randintLike(fx.zeros(2), 5, 3), FluxionError, /randint: expected integers low < high, got low=5, high=3/);
  is(() => fx.randintLike(fx.zeros(2), 1.5), ArgumentError, /randintLike\(\)/);
});

/** The Poisson probability of k for rate lam. */
function pmf(k: number, lam: number): number {
  let logp = -lam + k * Math.log(lam);
  for (let i = 2; i <= k; i++) logp -= Math.log(i);
  return Math.exp(logp);
}

test("poisson: frequencies match the Poisson distribution for rates below and above 10 (both samplers)", () => {
  fx.manualSeed(1);
  const N = 40000;
  for (const lam of [0.7, 3.5, 9.5, 10, 24]) {
    const s = fx.poisson(fx.full([N], lam, { dtype: "float64" }));
    const counts = new Map<number, number>();
    for (const v of s.tolist() as number[]) {
      assert.ok(Number.isInteger(v) && v >= 0, `sample ${v}`);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    // every value with expected count >= 200 within 5 standard deviations
    for (let k = 0; k < 3 * lam + 10; k++) {
      const want = N * pmf(k, lam);
      if (want < 200) continue;
      const got = counts.get(k) ?? 0;
      assert.ok(Math.abs(got - want) < 5 * Math.sqrt(want), `lam ${lam}, k ${k}: ${got} vs ${want.toFixed(1)}`);
    }
  }
  assert.deepEqual(fx.poisson(fx.zeros(5)).tolist(), [0, 0, 0, 0, 0]);
});

test("poisson: shape and dtype of the rates, per-generator reproducible, zero gradient, PyTorch's errors", () => {
  const rates = fx.tensor([[0.5, 4], [12, 100]]);
  const s = fx.poisson(rates);
  assert.deepEqual(s.shape, [2, 2]);
  assert.equal(s.dtype, "float32");
  assert.equal(fx.poisson(fx.ones(2, { dtype: "float64" })).dtype, FIX.poisson.dtype64);
  assert.deepEqual(fx.poisson(rates, new fx.Generator(4)).tolist(), fx.poisson(rates, { generator: new fx.Generator(4) }).tolist());
  const r = fx.tensor([1, 2], { requiresGrad: true });
  fx.poisson(r).sum().backward();
  assert.deepEqual(r.grad!.tolist(), FIX.poisson.grad);
  is(() => fx.poisson(fx.tensor([1, -1])), IndexError, new RegExp(`^poisson: ${FIX.poisson.errors.negative}$`));
  is(() => fx.poisson(fx.tensor([NaN])), IndexError, new RegExp(`^poisson: ${FIX.poisson.errors.nan}$`));
  is(() => fx.poisson(fx.tensor([1n, 2n])), DTypeError, /^poisson: expected a floating point tensor of rates, got int64/);
  is(() => fx.poisson(fx.ones(2), 3 as never), ArgumentError, /poisson\(\): argument 'generator'/);
});

test("asTensor, asarray, logspace, diagflat, poisson: PyTorch's signatures (positional order, defaults, keyword-only)", () => {
  assert.deepEqual(signatureMismatches(FIX as OpFixture, {
    // out= and layout= are not supported on these (README: out= on a listed set of functions)
    logspace: { omit: ["out", "layout"] },
  }), []);
});

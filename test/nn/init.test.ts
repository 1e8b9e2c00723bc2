import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, empty, Generator, ShapeError, manualSeed, randn, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const init = nn.init;

function stats(v: ArrayLike<number>) {
  let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    s += v[i]!;
    s2 += v[i]! * v[i]!;
    lo = Math.min(lo, v[i]!);
    hi = Math.max(hi, v[i]!);
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean), lo, hi };
}

test("calculateGain and fan computation follow torch.nn.init", () => {
  assert.equal(init.calculateGain("relu"), Math.SQRT2);
  assert.equal(init.calculateGain("tanh"), 5 / 3);
  assertClose([init.calculateGain("leaky_relu", 0.2)], [Math.sqrt(2 / 1.04)]);
  assert.equal(init.calculateGain("conv2d"), 1);
  assert.deepEqual(init.calculateFanInAndFanOut(empty([32, 16, 3, 3])), { fanIn: 144, fanOut: 288 });
  assert.throws(() => init.calculateFanInAndFanOut(empty([5])), (e: unknown) => e instanceof ShapeError && /fewer than 2 dimensions \(shape \[5\]\)/.test((e as Error).message));
});

test("uniform/normal families have the documented bounds and spread", () => {
  const g = new Generator(3);
  const w = empty([400, 300]);
  init.kaimingUniform_(w, { nonlinearity: "relu", generator: g });
  const bound = Math.sqrt(6 / 300);
  let s = stats(w.toTypedArray());
  assert.ok(s.lo >= -bound && s.hi <= bound && s.hi > 0.99 * bound);
  assert.ok(Math.abs(s.std - bound / Math.sqrt(3)) < 0.01 * bound);
  init.kaimingNormal_(w, { mode: "fan_out", nonlinearity: "relu", generator: g });
  s = stats(w.toTypedArray());
  assert.ok(Math.abs(s.std - Math.sqrt(2 / 400)) < 0.02 * Math.sqrt(2 / 400));
  init.xavierUniform_(w, 2, { generator: g });
  s = stats(w.toTypedArray());
  const xb = 2 * Math.sqrt(6 / 700);
  assert.ok(s.lo >= -xb && s.hi <= xb && s.hi > 0.99 * xb);
  init.xavierNormal_(w, 1, { generator: g });
  assert.ok(Math.abs(stats(w.toTypedArray()).std - Math.sqrt(2 / 700)) < 0.02 * Math.sqrt(2 / 700));
  init.truncNormal_(w, 0, 1, -0.5, 0.5, { generator: g });
  s = stats(w.toTypedArray());
  assert.ok(s.lo >= -0.5 && s.hi <= 0.5);
  init.constant_(w, 0.25);
  assert.deepEqual(stats(w.toTypedArray()), { mean: 0.25, std: 0, lo: 0.25, hi: 0.25 });
});

test("the same generator seed gives the same initialisation", () => {
  const a = empty([3, 4]), b = empty([3, 4]);
  init.normal_(a, 0, 1, { generator: new Generator(7) });
  init.normal_(b, 0, 1, { generator: new Generator(7) });
  assert.deepEqual(a.tolist(), b.tolist());
});

test("orthogonal_ gives orthonormal rows or columns; eye_ gives the identity", () => {
  for (const shape of [[6, 4], [4, 6], [5, 5]]) {
    const w = empty(shape, { dtype: "float64" });
    init.orthogonal_(w, 1, { generator: new Generator(1) });
    const [r, c] = shape as [number, number];
    const gram = r >= c ? w.T.matmul(w) : w.matmul(w.T);
    const k = Math.min(r, c);
    assertClose(gram, init.eye_(empty([k, k], { dtype: "float64" })), { atol: 1e-12 });
  }
  assert.deepEqual(init.eye_(empty([2, 3])).tolist(), [[1, 0, 0], [0, 1, 0]]);
});

test("initialisers refuse nothing under autograd: they run without recording", () => {
  const p = new nn.Parameter(tensor([1, 2]));
  init.uniform_(p, -1, 1);
  assert.ok(p.isLeaf && p.requiresGrad && p.gradFn === null);
});

test("init.dirac_: each group's output channel d passes input channel d at the kernel centre (PyTorch 1.13's nonzeros)", () => {
  const w = empty([4, 2, 3]);
  nn.init.dirac_(w);
  assert.deepEqual(w.nonzero().tolist(), [[0, 0, 1], [1, 1, 1]]);
  assert.equal(w.sum().item(), 2);
  const w2 = empty([4, 4, 3, 3]);
  assert.equal(nn.init.dirac_(w2, 2), w2);
  assert.deepEqual(w2.nonzero().tolist(), [[0, 0, 1, 1], [1, 1, 1, 1], [2, 0, 1, 1], [3, 1, 1, 1]]);
  const w3 = empty([2, 2, 3, 3, 3], { dtype: "float64" });
  nn.init.dirac_(w3);
  assert.deepEqual(w3.nonzero().tolist(), [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]]);
  // a dirac-initialised conv is the identity on its channels
  const conv = new nn.Conv2d(3, 3, 3, { padding: 1, bias: false });
  nn.init.dirac_(conv.weight);
  const x = randn([1, 3, 5, 5]);
  assert.ok((conv.call(x) as Tensor).sub(x).abs().max().item() < 1e-6);
  assert.throws(() => nn.init.dirac_(empty([3, 3])), (e: Error) => e instanceof ShapeError && /only tensors with 3, 4, or 5 dimensions are supported/.test(e.message));
  assert.throws(() => nn.init.dirac_(empty([5, 2, 3]), 2), /dim 0 \(5\) must be divisible by groups \(2\)/);
});

test("init.sparse_: ceil(sparsity * rows) zeros in every column, N(0, std²) elsewhere, seeded", () => {
  manualSeed(0);
  const s = empty([10, 4]);
  assert.equal(nn.init.sparse_(s, 0.3), s);
  assert.deepEqual(s.eq(0).sum(0).tolist(), [3, 3, 3, 3]);
  const big = nn.init.sparse_(empty([400, 50]), 0.1, 0.5);
  assert.deepEqual([...new Set(big.eq(0).sum(0).tolist() as number[])], [40]);
  const nz = big.index(big.ne(0));
  assert.ok(Math.abs(nz.std().item() - 0.5) < 0.02, `std ${nz.std().item()}`);
  manualSeed(5);
  const a = nn.init.sparse_(empty([6, 3]), 0.5).tolist();
  manualSeed(5);
  assert.deepEqual(nn.init.sparse_(empty([6, 3]), 0.5).tolist(), a);
  assert.throws(() => nn.init.sparse_(empty([3, 3, 3]), 0.5), (e: Error) => e instanceof ShapeError && /only tensors with 2 dimensions are supported/.test(e.message));
  assert.throws(() => nn.init.sparse_(empty([3, 3]), 1.5), /sparsity must be in \[0, 1\], got 1.5/);
});

/**
 * The in-place random fills (bernoulli_, exponential_, geometric_, logNormal_, cauchy_,
 * random_), the in-place forms triu_/tril_/square_/cumsum_/sgn_/eq_../logicalOr_.., fillDiagonal_, the
 * in-place view ops (unsqueeze_, squeeze_, t_, transpose_), fmax/fmin, renorm, ravel and the
 * small Tensor properties (nelement, nbytes, itemsize, isCuda). Expected values are PyTorch
 * 1.13's (printed by /usr/bin/python3 and copied here where short); random fills are checked
 * by their support and sample moments, since Fluxion's random streams are its own.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, DTypeError, FluxionError, ShapeError, empty, fmax, fmin, manualSeed, ones, randn, ravel, renorm, sgn, tensor, zeros } from "../../src/index.js";

const N = 20000;
const mean = (t: { tolist(): unknown }) => { const v = (t.tolist() as number[]); return v.reduce((a, b) => a + b, 0) / v.length; };
const variance = (t: { tolist(): unknown }) => { const v = (t.tolist() as number[]), m = mean(t); return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length; };
const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want} (tol ${tol})`);

test("bernoulli_: a probability or a tensor of them, any dtype for a number, moments and support", () => {
  manualSeed(1);
  const b = empty([N]).bernoulli_(0.3);
  assert.equal(b.dtype, "float32");
  assert.ok((b.tolist() as number[]).every((v) => v === 0 || v === 1));
  close(mean(b), 0.3, 0.02, "bernoulli_ mean");
  assert.deepEqual(zeros([2, 3]).bernoulli_(tensor([0, 1, 1])).tolist(), [[0, 1, 1], [0, 1, 1]]);
  const i = zeros([4], { dtype: "int64" }).bernoulli_(1);
  assert.equal(i.dtype, "int64");
  assert.deepEqual(i.tolist(), [1, 1, 1, 1]);
  assert.deepEqual(zeros([3], { dtype: "bool" }).bernoulli_(0).tolist(), [false, false, false]);
  assert.throws(() => zeros([3]).bernoulli_(1.5), (e: Error) => e instanceof FluxionError && e.message === "bernoulli_ expects p to be in [0, 1], but got p=1.5");
  assert.throws(() => zeros([3]).bernoulli_(tensor([0.5, 0.5])), (e: Error) => e instanceof ShapeError && /p of shape \[2\] cannot be expanded to self's shape \[3\]/.test(e.message));
  assert.throws(() => zeros([3]).bernoulli_(tensor([1, 0, 1], { dtype: "int64" })), DTypeError);
});

test("exponential_, geometric_, logNormal_, cauchy_: PyTorch's distributions and argument checks", () => {
  manualSeed(2);
  const e = empty([N]).exponential_(2);
  assert.ok((e.tolist() as number[]).every((v) => v >= 0 && Number.isFinite(v)));
  close(mean(e), 0.5, 0.02, "exponential_ mean 1/lambda");
  close(variance(e), 0.25, 0.02, "exponential_ variance 1/lambda^2");
  const g = empty([N]).geometric_(0.25);
  assert.ok((g.tolist() as number[]).every((v) => Number.isInteger(v) && v >= 1));
  close(mean(g), 4, 0.15, "geometric_ mean 1/p");
  assert.equal(zeros([5], { dtype: "int64" }).geometric_(0.5).dtype, "int64");
  const l = empty([N], { dtype: "float64" }).logNormal_(0, 0.5);
  assert.ok((l.tolist() as number[]).every((v) => v > 0));
  close(mean(l.log()), 0, 0.02, "logNormal_ mean of the log");
  close(variance(l.log()), 0.25, 0.02, "logNormal_ variance of the log");
  const c = empty([N]).cauchy_(3, 2);
  const sorted = (c.tolist() as number[]).sort((a, b) => a - b);
  close(sorted[N / 2]!, 3, 0.1, "cauchy_ median");
  close(sorted[(3 * N) / 4]! - sorted[N / 4]!, 4, 0.25, "cauchy_ interquartile range 2 sigma");
  assert.throws(() => zeros([3]).exponential_(-1), (e: Error) => e instanceof FluxionError && e.message === "exponential_ expects lambda >= 0.0, but found lambda=-1");
  assert.throws(() => zeros([3]).geometric_(0), (e: Error) => e.message === "geometric_ expects p to be in (0, 1), but got p=0");
  assert.throws(() => zeros([3]).logNormal_(1, 0), (e: Error) => e.message === "logNormal_ expects std > 0.0, but found std=0");
  for (const f of [() => zeros([3], { dtype: "int64" }).exponential_(), () => zeros([3], { dtype: "int32" }).cauchy_(), () => zeros([3], { dtype: "int64" }).logNormal_()]) {
    assert.throws(f, (e: Error) => e instanceof DTypeError && /not implemented for int(32|64) tensors/.test(e.message));
  }
});

test("random_: random_(), random_(to), random_(from, to), per-dtype ranges, seeded", () => {
  manualSeed(3);
  const a = empty([N]).random_(3, 7);
  assert.ok((a.tolist() as number[]).every((v) => Number.isInteger(v) && v >= 3 && v < 7));
  assert.deepEqual([...new Set(a.tolist() as number[])].sort(), [3, 4, 5, 6]);
  const b = empty([N]).random_(10);
  assert.ok((b.tolist() as number[]).every((v) => Number.isInteger(v) && v >= 0 && v < 10));
  const c = empty([N]).random_();
  assert.ok((c.tolist() as number[]).every((v) => Number.isInteger(v) && v >= 0 && v <= 2 ** 24));
  assert.ok(mean(c) > 2 ** 22, "random_() spans float32's exact integers");
  const u8 = zeros([N], { dtype: "uint8" }).random_();
  assert.ok(Math.max(...(u8.tolist() as number[])) > 250);
  assert.deepEqual([...new Set(zeros([200], { dtype: "bool" }).random_().tolist() as boolean[])].sort(), [false, true]);
  assert.deepEqual([...new Set(empty([N]).random_(-5, -3).tolist() as number[])].sort(), [-4, -5]);
  manualSeed(7);
  const s1 = empty([10]).random_(100).tolist();
  manualSeed(7);
  assert.deepEqual(empty([10]).random_(100).tolist(), s1);
  assert.throws(() => zeros([3]).random_(5, 2), (e: Error) => e.message === "random_ expects 'from' to be less than 'to', but got from=5 >= to=2");
  assert.throws(() => zeros([3], { dtype: "uint8" }).random_(-5, 3), (e: Error) => e instanceof FluxionError && /from=-5 is out of bounds for uint8/.test(e.message));
  assert.throws(() => zeros([3], { dtype: "int8" }).random_(0, 1000), /out of bounds for int8/);
});

test("a failed random fill writes nothing", () => {
  const x = tensor([1, 2, 3]);
  const v = x.version;
  assert.throws(() => x.random_(5, 2));
  assert.throws(() => x.bernoulli_(2));
  assert.deepEqual(x.tolist(), [1, 2, 3]);
  assert.equal(x.version, v);
});

test("triu_, tril_, square_, cumsum_, sgn, sgn_ and the in-place comparisons", () => {
  assert.deepEqual(ones([3, 3]).triu_(1).tolist(), [[0, 1, 1], [0, 0, 1], [0, 0, 0]]);
  assert.deepEqual(ones([2, 3]).tril_(-1).tolist(), [[0, 0, 0], [1, 0, 0]]);
  assert.deepEqual(tensor([-2, 3], { dtype: "int32" }).square_().tolist(), [4, 9]);
  assert.deepEqual(ones([3]).cumsum_(0).tolist(), [1, 2, 3]);
  assert.deepEqual(sgn(tensor([-2, 0, 3])).tolist(), [-1, 0, 1]);
  assert.deepEqual(tensor([-0.5, 2]).sgn_().tolist(), [-1, 1]);
  const t = tensor([1, 2, 3]);
  t.eq_(tensor([1, 0, 3]));
  assert.deepEqual([t.tolist(), t.dtype], [[1, 0, 1], "float32"]);
  const i = tensor([1, 2, 3], { dtype: "int64" });
  i.lt_(2.5);
  assert.deepEqual([i.tolist(), i.dtype], [[1, 1, 0], "int64"]);
  assert.deepEqual(tensor([1, 5]).ge_(tensor([2, 5])).tolist(), [0, 1]);
  assert.deepEqual(tensor([1, 5]).ne_(5).tolist(), [1, 0]);
  assert.throws(() => tensor([1, 2]).eq_(tensor([[1], [2]])), (e: Error) => e instanceof ShapeError && /eq_: output with shape \[2\] doesn't match the broadcast shape \[2, 2\]/.test(e.message));
  const leaf = ones([2, 2]).requiresGrad_(true);
  assert.throws(() => leaf.triu_(), AutogradError);
  // gradients through triu_ on a non-leaf: the zeroed part gets none
  const w = ones([2, 2]).requiresGrad_(true);
  const y = w.mul(3);
  y.triu_();
  y.sum().backward();
  assert.deepEqual(w.grad!.tolist(), [[3, 3], [0, 3]]);
});

test("logicalAnd_ / logicalOr_ / logicalXor_ / logicalNot_: the 0/1 result in self's dtype, as PyTorch's", () => {
  const finished = zeros([3], { dtype: "bool" }); // a decoding loop's `finished |= next_word == EOS`
  finished.logicalOr_(tensor([true, false, true]));
  assert.deepEqual([finished.tolist(), finished.dtype], [[true, false, true], "bool"]);
  const x = tensor([0, 2, 3]);
  x.logicalAnd_(tensor([1, 1, 0], { dtype: "int64" }));
  assert.deepEqual([x.tolist(), x.dtype], [[0, 1, 0], "float32"]);
  const y = tensor([0, 5, 0], { dtype: "int64" });
  assert.equal(y.logicalNot_(), y);
  assert.deepEqual([y.tolist(), y.dtype], [[1, 0, 1], "int64"]);
  assert.deepEqual(tensor([1, 0]).logicalXor_(tensor([true, true])).tolist(), [0, 1]);
  assert.throws(() => tensor([true]).logicalOr_(1 as never), /logicalOr_\(\): argument 'other' \(position 1\) must be Tensor/);
  assert.throws(() => tensor([true, false]).logicalOr_(tensor([[true], [false]])), (e: Error) => e instanceof ShapeError && /logicalOr_: output with shape \[2\] doesn't match the broadcast shape \[2, 2\]/.test(e.message));
});

test("fillDiagonal_: 2-D, wrapped tall matrices, n-D cubes, gradients and PyTorch's errors", () => {
  const z = zeros([7, 3]).fillDiagonal_(5, true);
  assert.deepEqual(z.tolist(), [[5, 0, 0], [0, 5, 0], [0, 0, 5], [0, 0, 0], [5, 0, 0], [0, 5, 0], [0, 0, 5]]);
  assert.deepEqual(zeros([4, 2]).fillDiagonal_(1).tolist(), [[1, 0], [0, 1], [0, 0], [0, 0]]);
  assert.deepEqual(zeros([2, 4]).fillDiagonal_(1, true).tolist(), [[1, 0, 0, 0], [0, 1, 0, 0]]);
  assert.deepEqual(zeros([3, 3, 3]).fillDiagonal_(1).nonzero().tolist(), [[0, 0, 0], [1, 1, 1], [2, 2, 2]]);
  const t = zeros([3, 3]).t(); // a non-contiguous view: written through
  t.fillDiagonal_(2);
  assert.deepEqual(t.tolist(), [[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
  const w = ones([2, 2]).requiresGrad_(true);
  const y = w.mul(1);
  y.fillDiagonal_(0);
  y.mul(tensor([[1, 2], [3, 4]])).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [[0, 2], [3, 0]]);
  assert.throws(() => zeros([2, 3, 4]).fillDiagonal_(1), (e: Error) => e instanceof ShapeError && /all dimensions of input must be of equal length/.test(e.message));
  assert.throws(() => zeros([3]).fillDiagonal_(1), (e: Error) => e instanceof ShapeError && /dimensions must be larger than 1/.test(e.message));
  assert.throws(() => ones([2, 2]).requiresGrad_(true).fillDiagonal_(1), AutogradError);
});

test("unsqueeze_, squeeze_, t_, transpose_ change self's shape in place, with autograd", () => {
  const u = randn([2, 3]);
  const before = u.tolist() as number[][];
  assert.equal(u.t_(), u);
  assert.deepEqual(u.shape, [3, 2]);
  assert.deepEqual(u.tolist(), before[0]!.map((_, j) => before.map((row) => row[j])));
  const s = zeros([2, 1, 3]);
  s.squeeze_(1);
  assert.deepEqual(s.shape, [2, 3]);
  s.unsqueeze_(0).unsqueeze_(-1);
  assert.deepEqual(s.shape, [1, 2, 3, 1]);
  s.squeeze_();
  assert.deepEqual(s.shape, [2, 3]);
  s.transpose_(0, 1);
  assert.deepEqual([s.shape, s.isContiguous()], [[3, 2], false]);
  const w = randn([2, 3]).requiresGrad_(true);
  const y = w.mul(2);
  y.unsqueeze_(0);
  assert.deepEqual(y.shape, [1, 2, 3]);
  y.mul(tensor([1, 2, 3])).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [[2, 4, 6], [2, 4, 6]]);
  assert.throws(() => randn([2, 3]).requiresGrad_(true).unsqueeze_(0), (e: Error) => e instanceof AutogradError && /unsqueeze_: a leaf Variable that requires grad/.test(e.message));
  assert.throws(() => zeros([2, 3, 4]).t_(), (e: Error) => /t_\(\): expects a tensor with <= 2 dimensions, but self is 3D/.test(e.message));
});

test("fmax / fmin: NaN loses unless both are NaN; gradients go wholly to self on ties (PyTorch's)", () => {
  assert.deepEqual(fmax(tensor([1, NaN, 3, NaN]), tensor([NaN, 2, 1, NaN])).tolist(), [1, 2, 3, NaN]);
  assert.deepEqual(fmin(tensor([1, NaN, 3]), tensor([NaN, 2, 1])).tolist(), [1, 2, 1]);
  assert.deepEqual(tensor([[1, 5]]).fmax(tensor([[2], [4]])).tolist(), [[2, 5], [4, 5]]);
  assert.equal(fmax(tensor([1, 2], { dtype: "int32" }), tensor([1.5, 0])).dtype, "float32");
  const a = tensor([1, 2, 3, NaN]).requiresGrad_(true), b = tensor([1, 5, NaN, 0]).requiresGrad_(true);
  fmax(a, b).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [1, 0, 1, 0]);
  assert.deepEqual(b.grad!.tolist(), [0, 1, 0, 1]);
});

test("renorm: slices above maxnorm scaled to it (with PyTorch's 1e-7), gradients through the norm", () => {
  const r = ones([2, 3]).renorm(2, 0, 1);
  for (const v of (r.tolist() as number[][]).flat()) close(v, 0.5773502588272095, 1e-7, "renorm");
  const x = tensor([[3, 4], [0.3, 0.4]]).requiresGrad_(true);
  const y = renorm(x, 2, 0, 1);
  y.sum().backward();
  // PyTorch 1.13: y [[0.6, 0.8], [0.3, 0.4]], x.grad [[0.0320, -0.0240], [1, 1]]
  (y.tolist() as number[][]).flat().forEach((v, k) => close(v, [0.6, 0.8, 0.3, 0.4][k]!, 1e-6, "renorm value"));
  (x.grad!.tolist() as number[][]).flat().forEach((v, k) => close(v, [0.032, -0.024, 1, 1][k]!, 1e-6, "renorm grad"));
  const z = tensor([[3, 4], [0.3, 0.4]]);
  z.renorm_(2, 1, 1);
  assert.ok(Math.abs((z.tolist() as number[][])[0]![0]! - 3 / Math.hypot(3, 0.3)) < 1e-6);
  assert.throws(() => renorm(ones([3]), 2, 0, 1), /renorm: input needs at least 2 dimensions/);
  assert.throws(() => renorm(ones([2, 2]), 0, 0, 1), /renorm: non-positive norm not supported/);
  assert.throws(() => renorm(ones([2, 2], { dtype: "int64" }), 2, 0, 1), /renorm: expected a floating point tensor/);
});

test("ravel, nelement, nbytes, itemsize, isCuda", () => {
  const x = zeros([2, 3]);
  assert.deepEqual(ravel(x).shape, [6]);
  assert.deepEqual(ravel(x.t()).tolist(), [0, 0, 0, 0, 0, 0]);
  assert.equal(x.ravel().storage, x.storage); // contiguous: a view
  assert.equal(tensor([3, 4]).nelement(), 2);
  assert.throws(() => (tensor([3, 4]).nelement as (...a: unknown[]) => unknown)(0), FluxionError);
  assert.equal(zeros([3], { dtype: "float64" }).nbytes, 24);
  assert.equal(zeros([3], { dtype: "bfloat16" }).itemsize, 2);
  assert.equal(x.isCuda, false);
});

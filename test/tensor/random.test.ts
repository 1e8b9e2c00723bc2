/** Random numbers: reproducibility, generator state, distributions (loose bounds) and errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DTypeError, FluxionError, Generator, bernoulli, defaultGenerator, full, manualSeed, rand, randLike, randint, randn,
  randnLike, randperm, tensor, zeros,
} from "../../src/index.js";

const arr = (t: { toTypedArray(): ArrayLike<number> }) => Array.from(t.toTypedArray());
function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0, s2 = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  const mean = s / xs.length;
  for (let i = 0; i < xs.length; i++) s2 += (xs[i]! - mean) ** 2;
  return { mean, variance: s2 / (xs.length - 1) };
}

test("manualSeed: the same seed gives the same numbers, different seeds differ", () => {
  manualSeed(42);
  const a = [arr(rand([5])), arr(randn([5])), arr(randint(0, 100, [5])), arr(randperm(10))];
  manualSeed(42);
  const b = [arr(rand([5])), arr(randn([5])), arr(randint(0, 100, [5])), arr(randperm(10))];
  assert.deepEqual(a, b);
  manualSeed(43);
  assert.notDeepEqual(arr(rand([5])), a[0]);
  assert.equal(manualSeed(7), defaultGenerator);
  assert.equal(defaultGenerator.initialSeed(), 7);
});

test("a per-call Generator is reproducible and leaves the default generator alone", () => {
  manualSeed(1);
  const expectDefault = arr(rand([3]));
  manualSeed(1);
  const g1 = new Generator(123), g2 = new Generator(123);
  assert.deepEqual(arr(randn([4], { generator: g1 })), arr(randn([4], { generator: g2 })));
  assert.deepEqual(arr(rand([4], { generator: g1 })), arr(rand([4], { generator: g2 })));
  assert.deepEqual(arr(bernoulli(full([8], 0.5), { generator: g1 })), arr(bernoulli(full([8], 0.5), { generator: g2 })));
  assert.deepEqual(arr(rand([3])), expectDefault, "default generator not advanced by per-call generators");
  assert.notDeepEqual(arr(rand([4], { generator: new Generator(1) })), arr(rand([4], { generator: new Generator(2) })));
  assert.deepEqual(arr(rand([2], { generator: new Generator().manualSeed(5) })), arr(rand([2], { generator: new Generator(5) })));
});

test("seeds are distinct across the full 53-bit range and for negatives", () => {
  const first = (s: number) => new Generator(s).nextUint32();
  const seeds = [0, 1, -1, 2 ** 32, 2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER];
  assert.equal(new Set(seeds.map(first)).size, seeds.length);
  assert.throws(() => manualSeed(NaN), (e: Error) => e instanceof FluxionError && /seed/.test(e.message));
  assert.throws(() => new Generator(Infinity), FluxionError);
});

test("getState/setState: [key low, key high, offset low, offset high]; a saved state replays the stream", () => {
  const g = new Generator(9);
  assert.deepEqual(g.getState(), [9, 0, 0, 0]);
  randn([3], { generator: g }); // 3 float32 normals: one block
  const state = g.getState();
  assert.deepEqual(state, [9, 0, 1, 0]);
  const a = [arr(randn([5], { generator: g })), arr(rand([5], { generator: g })), g.nextDouble(), g.nextBelow(1000)];
  g.setState(state);
  const b = [arr(randn([5], { generator: g })), arr(rand([5], { generator: g })), g.nextDouble(), g.nextBelow(1000)];
  assert.deepEqual(a, b);
  const h = new Generator(1);
  h.setState(state);
  assert.equal(h.initialSeed(), 9);
  assert.deepEqual(arr(randn([5], { generator: h })), a[0]);
  // a negative seed's key is its two's complement, and initialSeed gives the seed back
  const neg = new Generator(-2);
  assert.deepEqual(neg.getState(), [0xfffffffe, 0xffffffff, 0, 0]);
  h.setState(neg.getState());
  assert.equal(h.initialSeed(), -2);
  assert.throws(() => g.setState([1, 2, 3]), (e: Error) => e instanceof FluxionError && /expected 4 numbers/.test(e.message));
  assert.throws(() => g.setState(7 as never), (e: Error) => e instanceof FluxionError && /expected an array of 4 numbers \(from getState\(\)\), got int 7/.test(e.message));
  assert.throws(() => g.setState([1.5, 0, 0, 0]), (e: Error) => e instanceof FluxionError && /unsigned 32-bit/.test(e.message) && /1\.5/.test(e.message));
  assert.throws(() => g.setState([0, 0, -1, 0]), FluxionError);
  assert.throws(() => g.setState([0, 0, 2 ** 32, 0]), FluxionError);
  assert.deepEqual(g.getState(), [9, 0, 7, 0], "a refused state leaves the generator as it was");
});

test("each draw advances the offset by the blocks it used, so consecutive calls differ", () => {
  const g = new Generator(3);
  const offset = () => g.getState()[2];
  const x = arr(rand([6], { generator: g })); // float32: 4 per block
  assert.equal(offset(), 2);
  const y = arr(rand([6], { generator: g }));
  assert.notDeepEqual(x, y);
  assert.equal(offset(), 4);
  rand([3], { dtype: "float64", generator: g }); // float64: 2 per block
  assert.equal(offset(), 6);
  randn([5], { generator: g }); // float32 normals: 4 per block
  assert.equal(offset(), 8);
  randint(0, 5, [3], { generator: g }); // 2 per block
  assert.equal(offset(), 10);
  bernoulli(full([9], 0.5), { generator: g }); // float32 probabilities: 4 per block
  assert.equal(offset(), 13);
  randperm(5, { generator: g }); // 2 draws per block
  assert.equal(offset(), 16);
  g.nextUint32(); // a scalar draw takes one block
  assert.equal(offset(), 17);
  rand([0], { generator: g });
  assert.equal(offset(), 17);
  // a bernoulli refused for a bad probability draws nothing
  assert.throws(() => bernoulli(tensor([0.5, 2]), { generator: g }), FluxionError);
  assert.equal(offset(), 17);
});

test("the scalar draws are the first element of the matching one-element op", () => {
  const pairs: [(g: Generator) => number, (g: Generator) => number][] = [
    [(g) => g.nextDouble(), (g) => rand([1], { dtype: "float64", generator: g }).item()],
    [(g) => g.nextFloat(), (g) => rand([1], { generator: g }).item()],
    [(g) => g.nextNormal(), (g) => randn([1], { dtype: "float64", generator: g }).item()],
    [(g) => g.nextBelow(37), (g) => randint(0, 37, [1], { generator: g }).item()],
  ];
  for (const [scalar, op] of pairs) {
    for (const seed of [0, 5, 77]) assert.equal(scalar(new Generator(seed)), op(new Generator(seed)));
  }
});

test("rand: values in [0, 1), mean ~ 1/2 and variance ~ 1/12 over 1e5 samples", () => {
  const x = rand([100000], { generator: new Generator(3) });
  assert.equal(x.dtype, "float32");
  const d = x.toTypedArray();
  for (const v of d) assert.ok(v >= 0 && v < 1);
  const { mean, variance } = moments(d);
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.003, `variance ${variance}`);
  assert.equal(rand([2, 3]).dtype, "float32");
  assert.deepEqual([...rand([2, 3]).shape], [2, 3]);
  assert.equal(rand(4, { dtype: "float64" }).dtype, "float64");
});

for (const dtype of ["bfloat16", "float16", "float64"] as const) {
  test(`rand in ${dtype} never reaches 1`, () => {
    const d = rand([200000], { dtype, generator: new Generator(11) }).toTypedArray();
    let max = 0;
    for (const v of d) max = Math.max(max, v);
    assert.ok(max < 1, `max ${max}`);
    assert.ok(max > 0.99);
  });
}

test("randn: mean ~ 0 and std ~ 1 over 1e5 samples", () => {
  const d = randn([100000], { generator: new Generator(4) }).toTypedArray();
  const { mean, variance } = moments(d);
  assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(variance) - 1) < 0.02, `std ${Math.sqrt(variance)}`);
  let within1 = 0;
  for (const v of d) if (Math.abs(v) < 1) within1++;
  assert.ok(Math.abs(within1 / d.length - 0.6827) < 0.01);
  assert.equal(randn([2], { dtype: "float64" }).dtype, "float64");
});

test("randint: bounds, every value hit, dtype", () => {
  const t = randint(-3, 4, [10000], { generator: new Generator(5) });
  assert.equal(t.dtype, "int32");
  const seen = new Set<number>();
  for (const v of t.toTypedArray()) {
    assert.ok(Number.isInteger(v) && v >= -3 && v < 4, String(v));
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  const u = randint(6, [1000], { generator: new Generator(5) });
  for (const v of u.toTypedArray()) assert.ok(v >= 0 && v < 6);
  assert.equal(randint(0, 2, [3], { dtype: "float32" }).dtype, "float32");
  assert.throws(() => randint(5, 5, [2]), (e: Error) => e instanceof FluxionError && /low < high/.test(e.message));
  assert.throws(() => randint(0, 2.5, [2]), FluxionError);
  assert.throws(() => randint(0, 2 ** 40, [2]), DTypeError);
  assert.throws(() => randint(0, 10, [-1]), FluxionError);
});

test("randperm: a permutation of 0..n-1", () => {
  const p = randperm(1000, { generator: new Generator(6) });
  assert.equal(p.dtype, "int32");
  const sorted = arr(p).sort((a, b) => a - b);
  assert.deepEqual(sorted, Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(arr(p), sorted);
  assert.deepEqual(arr(randperm(0)), []);
  assert.deepEqual(arr(randperm(1)), [0]);
  assert.throws(() => randperm(-1), (e: Error) => e instanceof FluxionError && /non-negative integer/.test(e.message));
  assert.throws(() => randperm(2.5), FluxionError);
});

test("bernoulli: p = 0 and 1 exact, p = 0.3 frequency, shape and dtype of p", () => {
  const g = new Generator(8);
  assert.ok(arr(bernoulli(zeros([1000]), { generator: g })).every((v) => v === 0));
  assert.ok(arr(bernoulli(full([1000], 1), { generator: g })).every((v) => v === 1));
  const b = bernoulli(full([100000], 0.3), { generator: g });
  assert.equal(b.dtype, "float32");
  const freq = arr(b).reduce((a, v) => a + v, 0) / 1e5;
  assert.ok(Math.abs(freq - 0.3) < 0.01, `freq ${freq}`);
  const mixed = bernoulli(tensor([[0, 1], [1, 0]], { dtype: "float64" }));
  assert.equal(mixed.dtype, "float64");
  assert.deepEqual(mixed.tolist(), [[0, 1], [1, 0]]);
  assert.equal(bernoulli(tensor([0.5], { requiresGrad: true })).requiresGrad, false);
  assert.throws(() => bernoulli(tensor([1], { dtype: "int32" })), DTypeError);
  assert.throws(() => bernoulli(tensor([0.5, 1.5])), (e: Error) => e instanceof FluxionError && /\[0, 1\]/.test(e.message) && /1.5/.test(e.message));
  assert.throws(() => bernoulli(tensor([NaN])), FluxionError);
});

test("random creators: errors for bad dtypes and shapes; *Like variants", () => {
  assert.throws(() => rand([2], { dtype: "int32" }), (e: Error) => e instanceof DTypeError && /floating point/.test(e.message));
  assert.throws(() => randn([2], { dtype: "bool" }), DTypeError);
  assert.throws(() => rand([2, -1]), FluxionError);
  assert.throws(() => rand([2], { dtype: "int32", requiresGrad: true }), DTypeError);
  assert.equal(rand([2], { requiresGrad: true }).requiresGrad, true);
  const base = zeros([2, 3], { dtype: "float64" });
  const r = randLike(base), n = randnLike(base);
  assert.equal(r.dtype, "float64");
  assert.deepEqual([...n.shape], [2, 3]);
});

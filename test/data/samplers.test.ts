/**
 * Samplers (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
 * WeightedRandomSampler, BatchSampler) and DataLoader's sampler/batchSampler options:
 * orders, lengths, PyTorch's mutual-exclusion rules and errors, reproducibility from a
 * Generator, and the distributions, checked with chi-square tests on seeded draws (the
 * critical values are those of p = 1e-6, and each test also shows that a wrong
 * distribution would fail it by far).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, Generator, IndexError, Tensor, arange, data, manualSeed, tensor } from "../../src/index.js";

const { DataLoader, TensorDataset, Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler } = data;
const throwsFx = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message), String(re));
const ds = (n: number) => new TensorDataset(arange(n));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: number[], probs: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - total * probs[i]!) ** 2 / (total * probs[i]!), 0);
}
/** chi-square critical values at p = 1e-6, by degrees of freedom. */
const CHI2_1E6: Record<number, number> = { 3: 30.66, 4: 33.38, 9: 44.81 };

function countsOf(values: Iterable<number>, n: number): number[] {
  const c = new Array<number>(n).fill(0);
  for (const v of values) c[v]!++;
  return c;
}

test("SequentialSampler yields 0..n-1; its length follows the data source", () => {
  const s = new SequentialSampler(ds(5));
  assert.deepEqual([...s], [0, 1, 2, 3, 4]);
  assert.equal(s.length, 5);
  assert.equal(s.len(), 5);
  assert.deepEqual([...new SequentialSampler([7, 8, 9])], [0, 1, 2], "any sized data source (an array)");
  throwsArg(() => new SequentialSampler(5 as never), /^SequentialSampler\(\): argument 'dataSource' must have a length \(a Dataset or an array\), but got int 5$/);
  throwsArg(() => new (SequentialSampler as unknown as new () => unknown)(), /SequentialSampler\(\) missing required argument 'dataSource'/);
});

test("RandomSampler: a permutation per pass, reproducible from its generator, new each pass", () => {
  const s = new RandomSampler(ds(20), { generator: new Generator(3) });
  const a = [...s], b = [...s];
  assert.deepEqual(sorted(a), range(20));
  assert.deepEqual(sorted(b), range(20));
  assert.notDeepEqual(a, b, "each pass reshuffles");
  assert.notDeepEqual(a, range(20));
  const again = new RandomSampler(ds(20), false, null, new Generator(3));
  assert.deepEqual([...again], a, "the same seed, the same first pass (positional form)");
  assert.deepEqual([...again], b, "and the same second pass");
  assert.equal(s.length, 20);
  // without a generator it draws from the global one: manualSeed makes it reproducible
  manualSeed(11);
  const g1 = [...new RandomSampler(ds(10))];
  manualSeed(11);
  assert.deepEqual([...new RandomSampler(ds(10))], g1);
});

test("RandomSampler: numSamples beyond the length chains permutations; below it, distinct indices", () => {
  const long = [...new RandomSampler(ds(6), { numSamples: 15, generator: new Generator(1) })];
  assert.equal(long.length, 15);
  assert.deepEqual(sorted(long.slice(0, 6)), range(6));
  assert.deepEqual(sorted(long.slice(6, 12)), range(6));
  assert.equal(new Set(long.slice(12)).size, 3, "the last three: part of one more permutation");
  const short = [...new RandomSampler(ds(50), { numSamples: 10, generator: new Generator(1) })];
  assert.equal(new Set(short).size, 10);
  assert.equal(new RandomSampler(ds(6), { numSamples: 15 }).length, 15);
  // numSamples follows the data source when not given
  const items = [1, 2, 3];
  const s = new RandomSampler(items);
  items.push(4);
  assert.equal(s.numSamples, 4);
  assert.equal([...s].length, 4);
});

test("RandomSampler draws uniformly: with replacement every index equally often, without every first index equally often", () => {
  const n = 10;
  const draws = [...new RandomSampler(ds(n), { replacement: true, numSamples: 20000, generator: new Generator(5) })];
  assert.equal(draws.length, 20000);
  const counts = countsOf(draws, n);
  const uniform = new Array(n).fill(1 / n);
  assert.ok(chiSquare(counts, uniform) < CHI2_1E6[9]!, `counts ${counts}: chi2 ${chiSquare(counts, uniform)}`);
  // (the same counts are far from a skewed distribution: the test has power)
  const skewed = range(n).map((i) => (i + 1) / 55);
  assert.ok(chiSquare(counts, skewed) > 1000);
  // with replacement indices repeat within a pass of n
  const pass = [...new RandomSampler(ds(n), { replacement: true, generator: new Generator(6) })];
  assert.equal(pass.length, n);
  assert.ok(new Set(pass).size < n);
  // without replacement: the first index of 5000 permutations of 5
  const s = new RandomSampler(ds(5), { generator: new Generator(7) });
  const firsts = countsOf(Array.from({ length: 5000 }, () => s[Symbol.iterator]().next().value as number), 5);
  assert.ok(chiSquare(firsts, new Array(5).fill(0.2)) < CHI2_1E6[4]!, `first indices ${firsts}`);
});

test("RandomSampler checks its arguments (PyTorch's messages)", () => {
  throwsFx(() => new RandomSampler(ds(3), { numSamples: 0 }), /^RandomSampler: numSamples should be a positive integer value, but got numSamples=0$/);
  throwsFx(() => new RandomSampler(ds(0)), /numSamples should be a positive integer value, but got numSamples=0/);
  throwsArg(() => new RandomSampler(ds(3), { numSamples: 2.5 }), /RandomSampler\(\): option 'numSamples' must be int or null, but got float 2.5/);
  throwsArg(() => new RandomSampler(ds(3), 1 as never), /RandomSampler\(\): argument 'replacement' \(position 2\) must be bool, but got int 1/);
  throwsArg(() => new RandomSampler(ds(3), { generator: 3 as never }), /option 'generator' must be Generator or null, but got int 3/);
  throwsArg(() => new RandomSampler({} as never), /RandomSampler\(\): argument 'dataSource' must have a length/);
  // an explicit numSamples over a data source that emptied since
  const items = [1];
  const s = new RandomSampler(items, { numSamples: 2 });
  items.pop();
  throwsFx(() => [...s], /RandomSampler: cannot draw 2 samples from an empty data source/);
});

test("SubsetRandomSampler: the given indices in a new random order each pass", () => {
  const idx = [10, 3, 7, 42, 5];
  const s = new SubsetRandomSampler(idx, { generator: new Generator(2) });
  const a = [...s], b = [...s];
  assert.deepEqual(sorted(a), sorted(idx));
  assert.notDeepEqual(a, b);
  assert.equal(s.length, 5);
  assert.deepEqual([...new SubsetRandomSampler(idx, new Generator(2))], a, "positional generator, same seed");
  assert.deepEqual(sorted([...new SubsetRandomSampler(tensor([4, 1, 9], { dtype: "int64" }))]), [1, 4, 9], "a 1-D integer tensor of indices");
  assert.deepEqual(sorted([...new SubsetRandomSampler(Int32Array.from([2, 0]))]), [0, 2]);
  // each index first equally often
  const firsts = new Map<number, number>();
  for (let i = 0; i < 5000; i++) {
    const f = s[Symbol.iterator]().next().value as number;
    firsts.set(f, (firsts.get(f) ?? 0) + 1);
  }
  const counts = idx.map((i) => firsts.get(i) ?? 0);
  assert.ok(chiSquare(counts, new Array(5).fill(0.2)) < CHI2_1E6[4]!, `first indices ${counts}`);
  throwsArg(() => new SubsetRandomSampler([1, 2.5]), /^SubsetRandomSampler\(\): indices must be integers, but indices\[1\] is float 2.5$/);
  throwsArg(() => new SubsetRandomSampler(5 as never), /SubsetRandomSampler\(\): argument 'indices' must be a list of ints/);
  throwsArg(() => new SubsetRandomSampler(tensor([0.5])), /SubsetRandomSampler\(\): a Tensor of indices must be 1-D with an integer dtype/);
});

test("WeightedRandomSampler with replacement draws index i with probability w_i / Σw (zero weights never)", () => {
  const weights = [1, 2, 0, 3, 4];
  const s = new WeightedRandomSampler(weights, 50000, { generator: new Generator(9) });
  const draws = [...s];
  assert.equal(draws.length, 50000);
  assert.equal(s.length, 50000);
  const counts = countsOf(draws, 5);
  assert.equal(counts[2], 0, "a zero weight is never drawn");
  const positive = [0, 1, 3, 4];
  const probs = positive.map((i) => weights[i]! / 10);
  const observed = positive.map((i) => counts[i]!);
  assert.ok(chiSquare(observed, probs) < CHI2_1E6[3]!, `counts ${counts}: chi2 ${chiSquare(observed, probs)}`);
  assert.ok(chiSquare(observed, [0.25, 0.25, 0.25, 0.25]) > 1000, "uniform draws would fail it");
  // reproducible; a Float64Array or a tensor of weights; positional replacement and generator
  assert.deepEqual([...new WeightedRandomSampler(Float64Array.from(weights), 50000, true, new Generator(9))], draws);
  assert.deepEqual([...new WeightedRandomSampler(tensor(weights), 50000, { generator: new Generator(9) })], draws);
  assert.equal(new WeightedRandomSampler(weights, 3).weights.dtype, "float64");
});

test("WeightedRandomSampler without replacement: each index at most once, the first draw ∝ weights", () => {
  const weights = [1, 2, 0, 3, 4];
  const all = new WeightedRandomSampler(weights, 4, { replacement: false, generator: new Generator(4) });
  for (let i = 0; i < 20; i++) assert.deepEqual(sorted([...all]), [0, 1, 3, 4], "every positive index once, the zero-weight one never");
  const s = new WeightedRandomSampler(weights, 2, false, new Generator(8));
  const firsts: number[] = [], seconds: number[] = [];
  for (let i = 0; i < 8000; i++) {
    const [a, b] = [...s];
    assert.notEqual(a, b);
    firsts.push(a!);
    seconds.push(b!);
  }
  const positive = [0, 1, 3, 4];
  const counts = countsOf(firsts, 5);
  const observed = positive.map((i) => counts[i]!);
  const probs = positive.map((i) => weights[i]! / 10);
  assert.ok(chiSquare(observed, probs) < CHI2_1E6[3]!, `first draws ${counts}`);
  assert.ok(chiSquare(observed, [0.25, 0.25, 0.25, 0.25]) > 500, "uniform first draws would fail it");
  // the second draw is from the rest, renormalized: P(second = i) = Σ_j w_j/10 · w_i/(10 − w_j)
  const second = positive.map((i) => positive.reduce((p, j) => (j === i ? p : p + (weights[j]! / 10) * (weights[i]! / (10 - weights[j]!))), 0));
  const secondCounts = countsOf(seconds, 5);
  assert.ok(chiSquare(positive.map((i) => secondCounts[i]!), second) < CHI2_1E6[3]!, `second draws ${secondCounts}`);
});

test("WeightedRandomSampler draws numSamples = 60000 from 60000 weights in one pass (no k × n table)", () => {
  // the first half weighs 1, the second 3: three quarters of the draws land in the second half
  const n = 60000;
  const weights = new Float64Array(n).map((_, i) => (i < n / 2 ? 1 : 3));
  const t0 = performance.now();
  const draws = [...new WeightedRandomSampler(weights, n, { generator: new Generator(1) })];
  assert.ok(performance.now() - t0 < 20000);
  const high = draws.filter((i) => i >= n / 2).length;
  assert.ok(Math.abs(high / n - 0.75) < 5 * Math.sqrt((0.75 * 0.25) / n), `${high} of ${n} in the second half`);
  assert.ok(draws.every((i) => Number.isInteger(i) && i >= 0 && i < n));
});

test("WeightedRandomSampler checks its arguments, naming the bad value", () => {
  throwsFx(() => new WeightedRandomSampler([1, 2], 0), /^WeightedRandomSampler: numSamples should be a positive integer value, but got numSamples=0$/);
  throwsArg(() => new WeightedRandomSampler([1, 2], 1.5), /WeightedRandomSampler\(\): argument 'numSamples' \(position 2\) must be int, but got float 1.5/);
  throwsArg(() => new WeightedRandomSampler([1, 2], 2, "yes" as never), /argument 'replacement' \(position 3\) must be bool, but got string "yes"/);
  throwsFx(() => new WeightedRandomSampler([[1, 2], [3, 4]] as never, 2), /^WeightedRandomSampler: weights should be a 1d sequence but given weights have shape \[2, 2\]$/);
  throwsFx(() => new WeightedRandomSampler(tensor(5), 2), /weights should be a 1d sequence but given weights have shape \[\]/);
  throwsFx(() => new WeightedRandomSampler([1, -2], 2), /^WeightedRandomSampler: weights must be finite and non-negative, but weights\[1\] is -2$/);
  throwsFx(() => new WeightedRandomSampler([1, NaN], 2), /weights\[1\] is NaN/);
  throwsFx(() => new WeightedRandomSampler([0, 0], 2), /WeightedRandomSampler: invalid distribution: the weights sum to 0 \(2 weights\)/);
  throwsFx(() => new WeightedRandomSampler([], 2), /the weights sum to 0 \(0 weights\)/);
  throwsFx(() => new WeightedRandomSampler([1, 0, 2], 3, false), /^WeightedRandomSampler: cannot draw numSamples=3 samples without replacement from 2 indices with a positive weight$/);
  throwsArg(() => new WeightedRandomSampler("1, 2" as never, 2), /WeightedRandomSampler\(\): argument 'weights' must be a list of numbers or a Tensor, but got string "1, 2"/);
  throwsArg(() => new WeightedRandomSampler(["a"] as never, 2), /argument 'weights' must be a list of numbers or a Tensor/);
});

test("BatchSampler groups a sampler's indices (PyTorch's example), with and without dropLast", () => {
  const seq = new SequentialSampler(ds(10));
  assert.deepEqual([...new BatchSampler(seq, 3, false)], [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  assert.deepEqual([...new BatchSampler(seq, 3, true)], [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  assert.equal(new BatchSampler(seq, 3, false).length, 4);
  assert.equal(new BatchSampler(seq, 3, true).length, 3);
  assert.equal(new BatchSampler(seq, 5, true).len(), 2);
  // PyTorch's keywords, BatchSampler(sampler, batch_size=3, drop_last=True), as options (typed overloads)
  assert.deepEqual([...new BatchSampler(seq, { batchSize: 3, dropLast: true })], [[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  assert.deepEqual([...new BatchSampler(seq, 3, { dropLast: false })], [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  throwsArg(() => new BatchSampler(seq, { batchSize: 3 } as never), /BatchSampler\(\) missing required argument 'dropLast' \(position 3\)/);
  // any iterable of indices; a generator has no length
  assert.deepEqual([...new BatchSampler([5, 4, 3], 2, false)], [[5, 4], [3]]);
  const gen = new BatchSampler((function* () { yield 1; yield 2; yield 3; })(), 2, false);
  throwsFx(() => gen.length, /BatchSampler: its sampler \(Generator\) has no length, so neither has the BatchSampler|BatchSampler: its sampler .* has no length/);
  assert.deepEqual([...gen], [[1, 2], [3]]);
  throwsFx(() => new BatchSampler(seq, 0, false), /^BatchSampler: batchSize should be a positive integer value, but got batchSize=0$/);
  throwsArg(() => new BatchSampler(seq, 2.5, false), /BatchSampler\(\): argument 'batchSize' \(position 2\) must be int, but got float 2.5/);
  throwsArg(() => new BatchSampler(seq, 2, "no" as never), /BatchSampler\(\): argument 'dropLast' \(position 3\) must be bool, but got string "no"/);
  throwsArg(() => new (BatchSampler as unknown as new (...a: unknown[]) => unknown)(seq, 2), /BatchSampler\(\) missing required argument 'dropLast' \(position 3\)/);
  throwsArg(() => new BatchSampler(7 as never, 2, false), /BatchSampler\(\): argument 'sampler' must be an iterable of indices \(a Sampler or an array\), but got int 7/);
  throwsArg(() => new BatchSampler("abc" as never, 2, false), /argument 'sampler' must be an iterable of indices/);
});

test("Sampler is the base to subclass; one without a length says so", () => {
  class EvenFirst extends Sampler {
    constructor(readonly n: number) {
      super();
    }
    get length() {
      return this.n;
    }
    *[Symbol.iterator]() {
      for (let i = 0; i < this.n; i += 2) yield i;
      for (let i = 1; i < this.n; i += 2) yield i;
    }
  }
  const s = new EvenFirst(5);
  assert.deepEqual([...s], [0, 2, 4, 1, 3]);
  assert.equal(s.len(), 5);
  assert.ok(s instanceof Sampler);
  class Endless extends Sampler {
    *[Symbol.iterator]() {
      yield 0;
    }
  }
  throwsFx(() => new Endless().len(), /^Endless has no length \(define a `length` getter\)$/);
  const loader = new DataLoader(ds(7), { batchSize: 2, sampler: s });
  assert.deepEqual([...loader].map(([x]) => (x as Tensor).tolist()), [[0, 2], [4, 1], [3]]);
  assert.equal(loader.length, 3);
});

test("DataLoader takes a sampler: its order, its length, the getBatch fast path, dropLast, no batching", () => {
  const order = [4, 0, 3, 3, 1];
  const loader = new DataLoader(ds(5), { batchSize: 2, sampler: order });
  assert.deepEqual([...loader].map(([x]) => (x as Tensor).tolist()), [[4, 0], [3, 3], [1]]);
  assert.equal(loader.length, 3);
  assert.equal(loader.sampler, order);
  assert.ok(loader.batchSampler instanceof BatchSampler);
  assert.equal(new DataLoader(ds(5), { batchSize: 2, sampler: order, dropLast: true }).length, 2);
  assert.deepEqual([...new DataLoader(ds(5), { batchSize: 2, sampler: order, dropLast: true })].map(([x]) => (x as Tensor).tolist()), [[4, 0], [3, 3]]);
  // positional, as PyTorch orders them: (dataset, batchSize, shuffle, sampler)
  const positional = new DataLoader(ds(5), 2, false, new SequentialSampler(ds(5)));
  assert.deepEqual([...positional].map(([x]) => (x as Tensor).tolist()), [[0, 1], [2, 3], [4]]);
  // batching disabled: one item per index
  const items = [...new DataLoader(ds(5), { batchSize: null, sampler: [2, 0] })] as unknown as Tensor[][];
  assert.deepEqual(items.map(([x]) => x!.tolist()), [2, 0]);
  assert.equal(new DataLoader(ds(5), { batchSize: null, sampler: [2, 0] }).length, 2);
  // a Set has a length (its size); a generator iterates but has no len()
  assert.equal(new DataLoader(ds(5), { batchSize: 2, sampler: new Set([1, 2, 3]) }).length, 2);
  const noLen = new DataLoader(ds(5), { batchSize: 2, sampler: (function* () { yield* [1, 2, 3]; })() });
  assert.deepEqual([...noLen].map(([x]) => (x as Tensor).tolist()), [[1, 2], [3]]);
  throwsFx(() => noLen.length, /DataLoader: the number of batches is unknown: its batchSampler .* has no length|BatchSampler: its sampler .* has no length/);
  // out of range indices are the dataset's error
  assert.throws(() => [...new DataLoader(ds(3), { batchSize: 2, sampler: [0, 5] })], (e: Error) => e instanceof IndexError && /index 5 is out of range for a dataset of 3 items/.test(e.message));
  // a custom collateFn takes the items one by one (no fast path)
  const collated = [...new DataLoader(ds(4), { batchSize: 3, sampler: [3, 1, 2], collateFn: (xs: Tensor[][]) => xs.map(([x]) => x!.item()) })];
  assert.deepEqual(collated, [[3, 1, 2]]);
});

test("DataLoader's default samplers: SequentialSampler, or RandomSampler(generator) with shuffle, batched by a BatchSampler", () => {
  const plain = new DataLoader(ds(5), 2);
  assert.ok(plain.sampler instanceof SequentialSampler);
  assert.ok(plain.batchSampler instanceof BatchSampler);
  assert.equal((plain.batchSampler as InstanceType<typeof BatchSampler>).batchSize, 2);
  const g = new Generator(4);
  const shuffled = new DataLoader(ds(5), { batchSize: 2, shuffle: true, generator: g });
  assert.ok(shuffled.sampler instanceof RandomSampler);
  assert.equal((shuffled.sampler as InstanceType<typeof RandomSampler>).generator, g);
  assert.equal(new DataLoader(ds(5), { batchSize: null }).batchSampler, null);
  throwsFx(() => new DataLoader(ds(0), { shuffle: true }), /RandomSampler: numSamples should be a positive integer value, but got numSamples=0/);
});

test("DataLoader takes a batchSampler: its batches, its length; batchSize is null and dropLast false", () => {
  const batches = [[0, 1, 2], [4], [3, 3]];
  const loader = new DataLoader(ds(5), { batchSampler: batches });
  assert.deepEqual([...loader].map(([x]) => (x as Tensor).tolist()), [[0, 1, 2], [4], [3, 3]]);
  assert.equal(loader.length, 3);
  assert.equal(loader.batchSize, null);
  assert.equal(loader.dropLast, false);
  const bs = new BatchSampler(new RandomSampler(ds(10), { generator: new Generator(1) }), 4, true);
  const l2 = new DataLoader(ds(10), { batchSampler: bs });
  assert.equal(l2.length, 2);
  const seen = [...l2].map(([x]) => (x as Tensor).tolist() as number[]);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((b) => b.length === 4));
  assert.equal(new Set(seen.flat()).size, 8);
  // a batchSampler must yield lists
  throwsFx(() => [...new DataLoader(ds(5), { batchSampler: [0, 1] as never })], /DataLoader: the batchSampler yielded int 0, not a list of indices/);
});

test("DataLoader: sampler and batchSampler follow PyTorch's mutual-exclusion rules", () => {
  const d = ds(6);
  throwsFx(() => new DataLoader(d, { sampler: [0, 1], shuffle: true }), /^DataLoader: sampler option is mutually exclusive with shuffle$/);
  const bs = [[0, 1]];
  const exclusive = /^DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast$/;
  throwsFx(() => new DataLoader(d, { batchSampler: bs, batchSize: 2 }), exclusive);
  throwsFx(() => new DataLoader(d, { batchSampler: bs, batchSize: null }), exclusive);
  throwsFx(() => new DataLoader(d, { batchSampler: bs, shuffle: true }), exclusive);
  throwsFx(() => new DataLoader(d, { batchSampler: bs, sampler: [0] }), exclusive);
  throwsFx(() => new DataLoader(d, { batchSampler: bs, dropLast: true }), exclusive);
  // shuffle false (and batchSize 1, its default) are no conflict
  assert.doesNotThrow(() => new DataLoader(d, { sampler: [0], shuffle: false }));
  assert.doesNotThrow(() => new DataLoader(d, { batchSampler: bs, shuffle: false, batchSize: 1 }));
  throwsFx(() => new DataLoader(d, { batchSize: null, dropLast: true, sampler: [0] }), /batchSize=null disables batching and cannot be combined with dropLast=true/);
  throwsArg(() => new DataLoader(d, { sampler: 5 as never }), /^DataLoader\(\): sampler must be an iterable of indices \(a Sampler or an array\), but got int 5$/);
  throwsArg(() => new DataLoader(d, { sampler: "012" as never }), /DataLoader\(\): sampler must be an iterable of indices/);
  throwsArg(() => new DataLoader(d, { batchSampler: {} as never }), /^DataLoader\(\): batchSampler must be an iterable of lists of indices \(a BatchSampler or an array of arrays\), but got object \{\}$/);
});

test("a WeightedRandomSampler in a DataLoader balances an imbalanced dataset", () => {
  // 900 items of class 0, 100 of class 1; weights 1/count per item: classes drawn about equally
  const labels = tensor(range(1000).map((i) => (i < 900 ? 0 : 1)));
  const set = new TensorDataset(labels);
  const weights = range(1000).map((i) => (i < 900 ? 1 / 900 : 1 / 100));
  const loader = new DataLoader(set, { batchSize: 100, sampler: new WeightedRandomSampler(weights, 20000, { generator: new Generator(12) }) });
  assert.equal(loader.length, 200);
  let ones = 0;
  for (const [y] of loader) ones += (y as Tensor).sum().item() as number;
  // P(class 1) = 0.5: 10000 ± 5σ (σ = 71)
  assert.ok(Math.abs(ones - 10000) < 5 * 71, `${ones} of 20000 draws from class 1`);
});

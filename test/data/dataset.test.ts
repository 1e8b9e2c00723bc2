/** Datasets: TensorDataset, Subset, ConcatDataset, randomSplit. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, Generator, IndexError, ShapeError, Tensor, arange, data, tensor } from "../../src/index.js";

const { Dataset, TensorDataset, Subset, ConcatDataset, randomSplit } = data;

class Range extends Dataset<number> {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number) {
    return this.checkIndex(i) * 10;
  }
}

test("TensorDataset items are rows of each tensor; length is the first dim", () => {
  const x = arange(12).reshape(4, 3).float();
  const y = tensor([3, 1, 4, 1], { dtype: "int32" });
  const ds = new TensorDataset(x, y);
  assert.equal(ds.length, 4);
  assert.equal(ds.len(), 4);
  const [xi, yi] = ds.get(2);
  assert.deepEqual(xi!.tolist(), [6, 7, 8]);
  assert.equal(yi!.item(), 4);
  assert.deepEqual(ds.get(-1)[0]!.tolist(), [9, 10, 11], "negative index counts from the end");
  assert.throws(() => ds.get(4), (e: unknown) => e instanceof IndexError && /index 4 is out of range for a dataset of 4 items/.test(e.message));
  const [bx, by] = ds.getBatch([3, 0]);
  assert.deepEqual(bx!.tolist(), [[9, 10, 11], [0, 1, 2]]);
  assert.deepEqual(by!.tolist(), [1, 3]);
  assert.equal(by!.dtype, "int32");
});

test("TensorDataset rejects tensors whose first dims differ", () => {
  assert.throws(() => new TensorDataset(tensor([[1], [2]]), tensor([1, 2, 3])), (e: unknown) => e instanceof ShapeError && /tensor 0 has shape \[2, 1\], tensor 1 has shape \[3\]/.test(e.message));
  assert.throws(() => new TensorDataset(tensor(1)), /0-d/);
});

test("a user Dataset subclass is iterable and indexes with checks", () => {
  const ds = new Range(3);
  assert.deepEqual([...ds], [0, 10, 20]);
  assert.throws(() => ds.get(5), /Range\.get: index 5 is out of range for a dataset of 3 items/);
});

test("Subset maps indices and keeps the TensorDataset batch fast path", () => {
  const ds = new TensorDataset(arange(5).float().mul(2));
  const sub = new Subset(ds, [4, 0, 2]);
  assert.equal(sub.length, 3);
  assert.equal(sub.get(0)[0]!.item(), 8);
  assert.equal(sub.get(2)[0]!.item(), 4);
  assert.ok(sub.getBatch, "fast path available");
  assert.deepEqual(sub.getBatch!([1, 0])[0]!.tolist(), [0, 8]);
  assert.throws(() => new Subset(ds, [5]), /Subset: index 5 is out of range for a dataset of 5 items/);
  assert.equal(new Subset(new Range(3), [1]).getBatch, undefined, "no fast path when the base has none");
});

test("ConcatDataset chains datasets", () => {
  const cat = new ConcatDataset([new Range(2), new Range(3)]);
  assert.equal(cat.length, 5);
  assert.deepEqual([...cat], [0, 10, 0, 10, 20]);
});

test("ConcatDataset.cumulativeSizes: the running totals (torch's cumulative_sizes), with an empty dataset in between", () => {
  const cat = new ConcatDataset([new Range(2), new Range(0), new Range(3)]);
  assert.deepEqual(cat.cumulativeSizes, [2, 2, 5]);
  assert.ok(Object.isFrozen(cat.cumulativeSizes));
  assert.deepEqual([...cat], [0, 10, 0, 10, 20]);
  assert.equal(cat.get(-1), 20);
});

test("randomSplit by counts: disjoint, covering, seeded", () => {
  const ds = new Range(10);
  const [a, b] = randomSplit(ds, [7, 3], { generator: new Generator(42) });
  assert.equal(a!.length, 7);
  assert.equal(b!.length, 3);
  const all = [...a!.indices, ...b!.indices].sort((p, q) => p - q);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const [a2] = randomSplit(ds, [7, 3], { generator: new Generator(42) });
  assert.deepEqual(a2!.indices, a!.indices, "same seed, same split");
  const [a3] = randomSplit(ds, [7, 3], { generator: new Generator(43) });
  assert.notDeepEqual(a3!.indices, a!.indices, "another seed, another split");
  assert.equal(a!.get(0), a!.indices[0]! * 10, "items come from the base dataset");
});

test("randomSplit by fractions floors and hands out the remainder from the first subset", () => {
  const parts = randomSplit(new Range(10), [0.33, 0.33, 0.34], { generator: new Generator(0) });
  // floor: 3, 3, 3 = 9; the remaining 1 goes to the first subset (as torch does)
  assert.deepEqual(parts.map((p) => p.length), [4, 3, 3]);
  assert.deepEqual(randomSplit(new Range(5), [0.5, 0.5], { generator: new Generator(0) }).map((p) => p.length), [3, 2]);
});

test("randomSplit rejects lengths that do not add up", () => {
  assert.throws(() => randomSplit(new Range(10), [5, 4]), (e: unknown) => e instanceof FluxionError && /sum of input lengths \(9\) does not equal the length of the input dataset \(10\)/.test(e.message));
  assert.throws(() => randomSplit(new Range(10), [2.5, 7.5]), /non-negative integers or fractions/);
});

test("TensorDataset.getBatch copies: changing a batch leaves the dataset alone", () => {
  const x = tensor([1, 2, 3]);
  const ds = new TensorDataset(x);
  const [b] = ds.getBatch([0, 1]);
  (b as Tensor).mul_(100);
  assert.deepEqual(x.tolist(), [1, 2, 3]);
});

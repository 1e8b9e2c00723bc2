/**
 * Iterable-style datasets: IterableDataset subclasses, plain iterables and ChainDataset through
 * the DataLoader (batches in the iterator's order, the last one shorter unless dropLast, no
 * batching with batchSize null, collateFn), len(loader) from an optional length, PyTorch's
 * refusals of shuffle/sampler/batchSampler, and getWorkerInfo() (null: no worker processes).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { data, tensor, type Tensor, FluxionError, ArgumentError } from "../../src/index.js";

class Counter extends data.IterableDataset<[Tensor, number]> {
  constructor(private readonly n: number, private readonly start = 0) { super(); }
  *[Symbol.iterator](): Iterator<[Tensor, number]> {
    for (let i = this.start; i < this.start + this.n; i++) yield [tensor([i, i * 10]), i];
  }
}
class Sized extends Counter {
  get length(): number { return 5; }
}

test("an IterableDataset is batched in its iterator's order; the last batch is shorter unless dropLast", () => {
  const batches = [...new data.DataLoader(new Counter(5), 2)];
  assert.equal(batches.length, 3);
  assert.deepEqual(batches.map(([x, y]) => [x.tolist(), (y as Tensor).tolist()]), [
    [[[0, 0], [1, 10]], [0, 1]],
    [[[2, 20], [3, 30]], [2, 3]],
    [[[4, 40]], [4]],
  ]);
  const dropped = [...new data.DataLoader(new Counter(5), { batchSize: 2, dropLast: true })];
  assert.equal(dropped.length, 2);
  // each iteration is a new pass over the stream
  const loader = new data.DataLoader(new Counter(3), 3);
  assert.deepEqual([...loader].map(([, y]) => (y as Tensor).tolist()), [[0, 1, 2]]);
  assert.deepEqual([...loader].map(([, y]) => (y as Tensor).tolist()), [[0, 1, 2]]);
  assert.equal(loader.iterableStyle, true);
});

test("batchSize null yields the items as they are (or through collateFn); collateFn sees each batch's items", () => {
  const items = [...new data.DataLoader(new Counter(2), { batchSize: null })];
  assert.deepEqual(items.map(([x, y]) => [x.tolist(), y]), [[[0, 0], 0], [[1, 10], 1]]);
  const sums = [...new data.DataLoader(new Counter(4), { batchSize: 3, collateFn: (b: [Tensor, number][]) => b.reduce((s, [, y]) => s + y, 0) })];
  assert.deepEqual(sums, [3, 3]);
});

test("a plain iterable (a generator object's factory, an array-free stream) works as an iterable dataset", () => {
  const stream = { *[Symbol.iterator]() { for (let i = 0; i < 3; i++) yield tensor([i]); } };
  const out = [...new data.DataLoader(stream as never, 2)] as unknown as Tensor[];
  assert.deepEqual(out.map((t) => t.tolist()), [[[0], [1]], [[2]]]);
});

test("len(loader) comes from the dataset's length; without one it says so", () => {
  assert.equal(new data.DataLoader(new Sized(5), 2).length, 3);
  assert.equal(new data.DataLoader(new Sized(5), { batchSize: 2, dropLast: true }).length, 2);
  assert.equal(new data.DataLoader(new Sized(5), { batchSize: null }).length, 5);
  assert.throws(() => new data.DataLoader(new Counter(5), 2).length, (e: Error) => e instanceof FluxionError && /number of batches is unknown: the IterableDataset/.test(e.message));
});

test("shuffle, sampler and batchSampler are refused with an iterable dataset, as PyTorch", () => {
  assert.throws(() => new data.DataLoader(new Counter(4), 2, true), /DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=true/);
  assert.throws(() => new data.DataLoader(new Counter(4), { sampler: [0, 1] }), /expected unspecified sampler option/);
  assert.throws(() => new data.DataLoader(new Counter(4), { batchSampler: [[0, 1]] }), /expected unspecified batchSampler option/);
});

test("ChainDataset chains iterable datasets; its length is the sum when each has one", () => {
  const chain = new data.ChainDataset([new Counter(2), new Counter(2, 10)]);
  assert.deepEqual([...chain].map(([, y]) => y), [0, 1, 10, 11]);
  assert.deepEqual([...new data.DataLoader(chain, 3)].map(([, y]) => (y as Tensor).tolist()), [[0, 1, 10], [11]]);
  assert.equal(new data.ChainDataset([new Sized(5), new Sized(5)]).length, 10);
  assert.throws(() => chain.length, /ChainDataset: the length is unknown/);
  assert.throws(() => new data.ChainDataset([new data.TensorDataset(tensor([1]))] as never), (e: Error) => e instanceof ArgumentError && /ChainDataset only supports IterableDataset, but datasets\[0\]/.test(e.message));
});

test("getWorkerInfo() is null (batches are made in the calling thread)", () => {
  assert.equal(data.getWorkerInfo(), null);
  assert.throws(() => (data.getWorkerInfo as (...a: unknown[]) => null)(1), ArgumentError);
});

test("a map-style Dataset still takes the indexed path", () => {
  const ds = new data.TensorDataset(tensor([[1], [2], [3]]));
  const loader = new data.DataLoader(ds, 2);
  assert.equal(loader.iterableStyle, false);
  assert.equal(loader.length, 2);
});

test("a tensor is a map-style dataset of its rows (shuffle allowed), not a stream", () => {
  const t = tensor([[0, 1], [2, 3], [4, 5]]);
  const loader = new data.DataLoader(t as never, 2);
  assert.equal(loader.iterableStyle, false);
  assert.equal(loader.dataset as unknown, t);
  assert.equal(loader.length, 2);
  assert.deepEqual(([...loader] as unknown as Tensor[]).map((b) => b.tolist()), [[[0, 1], [2, 3]], [[4, 5]]]);
  const shuffled = ([...new data.DataLoader(t as never, { batchSize: 3, shuffle: true })] as unknown as Tensor[])[0]!;
  assert.deepEqual((shuffled.tolist() as number[][]).map((r) => r[0]).sort(), [0, 2, 4]);
  assert.throws(() => new data.DataLoader(tensor(1) as never, 1), /0-d tensor has no rows/);
});

test("a tensor sampler (randperm) yields 0-d integer tensors, read as indices as PyTorch does", () => {
  const ds = new data.TensorDataset(tensor([[0, 1], [2, 3], [4, 5]]), tensor([0, 1, 2], { dtype: "int64" }));
  const order = tensor([2, 0, 1], { dtype: "int64" });
  const ys = [...new data.DataLoader(ds, { batchSize: 2, sampler: order })].map(([, y]) => (y as Tensor).tolist());
  assert.deepEqual(ys, [[2, 0], [1]]);
  const single = [...new data.DataLoader(ds, { batchSize: null, sampler: order })].map(([, y]) => (y as Tensor).item());
  assert.deepEqual(single, [2, 0, 1]);
});

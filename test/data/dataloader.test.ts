/** DataLoader: batching, length, dropLast, seeded shuffling, collation, the getBatch fast path. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, Generator, Tensor, arange, data, randperm, tensor } from "../../src/index.js";

const { Dataset, DataLoader, TensorDataset, defaultCollate, ByteImage } = data;

/** Items [x_i, label_i] with x_i = [i, i + 0.5] and label_i = i % 3, made one by one (no fast path). */
class Pairs extends Dataset<[Tensor, number]> {
  constructor(readonly n: number) {
    super();
  }
  get length() {
    return this.n;
  }
  get(i: number): [Tensor, number] {
    return [tensor([i, i + 0.5]), i % 3];
  }
}

test("batches come in order with default collation: stacked tensors, int labels as int32", () => {
  const loader = new DataLoader(new Pairs(5), { batchSize: 2 });
  const batches = [...loader];
  assert.equal(batches.length, 3);
  const [x0, y0] = batches[0]!;
  assert.deepEqual(x0.tolist(), [[0, 0.5], [1, 1.5]]);
  assert.equal(x0.dtype, "float32");
  assert.deepEqual(y0.tolist(), [0, 1]);
  assert.equal(y0.dtype, "int32");
  const [x2, y2] = batches[2]!;
  assert.deepEqual(x2.tolist(), [[4, 4.5]], "the last batch is partial");
  assert.deepEqual(y2.tolist(), [1]);
});

test("length counts batches, with and without dropLast", () => {
  const ds = new Pairs(10);
  assert.equal(new DataLoader(ds, { batchSize: 3 }).length, 4);
  assert.equal(new DataLoader(ds, { batchSize: 3, dropLast: true }).length, 3);
  assert.equal(new DataLoader(ds, { batchSize: 5, dropLast: true }).length, 2);
  assert.equal(new DataLoader(ds).length, 10, "batchSize defaults to 1");
  const dropped = [...new DataLoader(ds, { batchSize: 3, dropLast: true })];
  assert.equal(dropped.length, 3);
  assert.ok(dropped.every(([x]) => x.shape[0] === 3));
  assert.equal(new DataLoader(ds, { batchSize: 4 }).len(), 3);
});

test("shuffle: a permutation per epoch, reproducible from the generator's seed", () => {
  const ds = new TensorDataset(arange(20));
  const order = (loader: Iterable<Tensor[]>) => [...loader].flatMap(([x]) => x!.tolist() as number[]);
  const a = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new Generator(7) });
  const b = new DataLoader(ds, { batchSize: 6, shuffle: true, generator: new Generator(7) });
  const a1 = order(a), a2 = order(a);
  assert.deepEqual([...a1].sort((p, q) => p - q), [...Array(20).keys()], "every item exactly once");
  assert.notDeepEqual(a1, [...Array(20).keys()], "not the identity order");
  assert.notDeepEqual(a1, a2, "each epoch reshuffles");
  assert.deepEqual(order(b), a1, "same seed, same first epoch");
  assert.deepEqual(order(b), a2, "and the same second epoch");
  // the epoch order is randperm(n) drawn from the loader's generator
  assert.deepEqual(a1, randperm(20, { generator: new Generator(7) }).tolist());
});

test("the getBatch fast path gives the same batches as item-by-item collation", () => {
  const x = arange(30).reshape(10, 3).float();
  const y = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { dtype: "int32" });
  const ds = new TensorDataset(x, y);
  let perItemCalls = 0;
  const fast = [...new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator(3) })];
  const slow = [
    ...new DataLoader(ds, {
      batchSize: 4,
      shuffle: true,
      generator: new Generator(3),
      collateFn: (items) => {
        perItemCalls++;
        return defaultCollate(items);
      },
    }),
  ];
  assert.equal(perItemCalls, 3, "a collateFn disables the fast path");
  assert.equal(fast.length, slow.length);
  fast.forEach(([fx, fy], i) => {
    const [sx, sy] = slow[i]!;
    assert.deepEqual(fx!.tolist(), sx!.tolist());
    assert.deepEqual(fy!.tolist(), sy!.tolist());
    assert.equal(fy!.dtype, sy!.dtype);
  });
});

test("a custom collateFn receives the items of each batch", () => {
  const loader = new DataLoader(new Pairs(4), { batchSize: 3, collateFn: (items) => items.map(([, y]) => y).join(",") });
  assert.deepEqual([...loader], ["0,1,2", "0"]);
});

test("for await iterates the same batches", async () => {
  const loader = new DataLoader(new TensorDataset(arange(5)), { batchSize: 2 });
  const seen: number[][] = [];
  for await (const [x] of loader) seen.push(x!.tolist());
  assert.deepEqual(seen, [[0, 1], [2, 3], [4]]);
});

test("defaultCollate: floats to float32, booleans to bool, objects by key, strings as lists", () => {
  const floats = defaultCollate([0.5, 2, -1.25]);
  assert.equal(floats.dtype, "float32");
  assert.deepEqual(floats.tolist(), [0.5, 2, -1.25]);
  const ints = defaultCollate([1, 2, 3]);
  assert.equal(ints.dtype, "int32");
  const bools = defaultCollate([true, false]);
  assert.equal(bools.dtype, "bool");
  assert.deepEqual(bools.tolist(), [true, false]);
  const objs = defaultCollate([{ x: tensor([1, 2]), name: "a", w: 1.5 }, { x: tensor([3, 4]), name: "b", w: 2 }]);
  assert.deepEqual(objs.x.tolist(), [[1, 2], [3, 4]]);
  assert.deepEqual(objs.name, ["a", "b"]);
  assert.deepEqual(objs.w.tolist(), [1.5, 2]);
  const imgs = defaultCollate([new ByteImage(new Uint8Array([1, 2]), [1, 2]), new ByteImage(new Uint8Array([3, 4]), [1, 2])]);
  assert.ok(imgs.batched);
  assert.deepEqual([...imgs.shape], [2, 1, 2]);
  assert.deepEqual([...imgs.pixels], [1, 2, 3, 4]);
  const halves = defaultCollate([tensor([1.5], { dtype: "bfloat16" }), tensor([-2], { dtype: "bfloat16" })]);
  assert.equal(halves.dtype, "bfloat16");
  assert.deepEqual(halves.tolist(), [[1.5], [-2]]);
});

test("defaultCollate: bigints to int64, typed arrays stacked in their dtype (uint8 images, int64 labels), int64/uint8 tensors stacked", () => {
  const big = defaultCollate([2n ** 60n, -3n]);
  assert.equal(big.dtype, "int64");
  assert.deepEqual(big.tolist(), [2n ** 60n, -3]);
  const imgs = defaultCollate([new Uint8Array([0, 255]), new Uint8Array([7, 8])]);
  assert.equal(imgs.dtype, "uint8");
  assert.deepEqual(imgs.tolist(), [[0, 255], [7, 8]]);
  const labels = defaultCollate([new BigInt64Array([1n]), new BigInt64Array([2n ** 62n])]);
  assert.equal(labels.dtype, "int64");
  assert.deepEqual(labels.tolist(), [[1], [2n ** 62n]]);
  const pairs = defaultCollate([[tensor([1, 2], { dtype: "uint8" }), tensor(5n)], [tensor([3, 4], { dtype: "uint8" }), tensor(6n)]]);
  assert.equal(pairs[0].dtype, "uint8");
  assert.deepEqual(pairs[0].tolist(), [[1, 2], [3, 4]]);
  assert.equal(pairs[1].dtype, "int64");
  assert.deepEqual(pairs[1].tolist(), [5, 6]);
  assert.throws(() => defaultCollate([new Uint8Array([1]), new Int8Array([1])]), /items differ in type: item 0 is a Uint8Array, item 1 is a Int8Array/);
  // a DataLoader over uint8 data with int64 labels batches them in their dtypes
  const ds = new TensorDataset(tensor([[1, 2], [3, 4], [5, 6]], { dtype: "uint8" }), tensor([0n, 1n, 2n]));
  const [x, y] = [...new DataLoader(ds, { batchSize: 2 })][0]!;
  assert.equal(x.dtype, "uint8");
  assert.equal(y.dtype, "int64");
  assert.deepEqual(y.tolist(), [0, 1]);
});

test("defaultCollate explains mismatched items", () => {
  assert.throws(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])]), (e: unknown) => e instanceof FluxionError && /stack expects each tensor to be equal size, but got \[2\] at item 0 and \[3\] at item 1/.test(e.message));
  assert.throws(() => defaultCollate([[tensor([1]), 1], [tensor([1]), "x"]] as unknown[]), /items differ in type\[1\]: item 0 is number, item 1 is string/);
  assert.throws(() => defaultCollate([]), /empty batch/);
});

test("DataLoader validates its options", () => {
  assert.throws(() => new DataLoader(new Pairs(3), { batchSize: 0 }), /batchSize should be a positive integer, got 0/);
  assert.throws(() => new DataLoader({} as never), /expected a Dataset/);
});

test("an epoch of 60000 items at batch 64 runs the fast path once per batch", () => {
  const n = 60000;
  const ds = new TensorDataset(arange(n * 4).reshape(n, 4).float(), arange(n));
  let calls = 0;
  const original = ds.getBatch.bind(ds);
  ds.getBatch = (idx) => {
    calls++;
    return original(idx);
  };
  const loader = new DataLoader(ds, { batchSize: 64, shuffle: true, generator: new Generator(1) });
  let items = 0, checksum = 0;
  for (const [x, y] of loader) {
    items += x!.shape[0]!;
    const xs = x!.toTypedArray(), ys = y!.toTypedArray();
    // row i of x is [4i, 4i+1, 4i+2, 4i+3]: batches pair rows with their own labels
    for (let r = 0; r < ys.length; r++) assert.equal(xs[4 * r], 4 * ys[r]!);
    for (const v of ys) checksum += v;
  }
  assert.equal(calls, 938);
  assert.equal(items, n);
  assert.equal(checksum, (n * (n - 1)) / 2, "every label exactly once");
});

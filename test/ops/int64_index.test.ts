/**
 * int64 index tensors (what PyTorch users pass everywhere: labels, gather indices) are
 * accepted wherever int32 ones are, with the same results and gradients: gather, scatter,
 * scatterAdd, indexSelect, indexAdd, take, index/indexPut_, embedding, crossEntropy/nllLoss
 * targets, oneHot. Out-of-range int64 values are refused before any narrowing (2^32 must not
 * wrap to 0); other dtypes are refused with a message naming the fix.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, IndexError, nn, oneHot, tensor, zeros, type Tensor } from "../../src/index.js";
import * as F from "../../src/nn/functional/index.js";
import { randomTensor } from "../helpers.js";

const i64 = (v: number[] | number[][]) => tensor(v as never, { dtype: "int64" });
const i32 = (v: number[] | number[][]) => tensor(v as never, { dtype: "int32" });

/** Runs f with an int32 and an int64 copy of the same index; values and x's gradient must agree. */
function sameWithBoth(what: string, f: (x: Tensor, idx: Tensor) => Tensor, idx: number[] | number[][], shape = [3, 4]): void {
  const run = (index: Tensor) => {
    const x = randomTensor(shape, { seed: 5, requiresGrad: true });
    const y = f(x, index);
    y.mul(randomTensor(y.shape, { seed: 6 })).sum().backward();
    return { y: y.tolist(), g: x.grad!.tolist() };
  };
  const a = run(i32(idx)), b = run(i64(idx));
  assert.deepEqual(b.y, a.y, `${what}: values`);
  assert.deepEqual(b.g, a.g, `${what}: gradient`);
}

test("gather/scatter/scatterAdd/indexSelect/indexAdd/take/index take int64 indices like int32 ones", () => {
  sameWithBoth("gather", (x, i) => x.gather(1, i), [[0, 3], [1, 1], [2, 0]]);
  sameWithBoth("scatter", (x, i) => x.scatter(1, i, randomTensor([3, 2], { seed: 7 })), [[0, 3], [1, 2], [2, 0]]);
  sameWithBoth("scatterAdd", (x, i) => x.scatterAdd(1, i, randomTensor([3, 2], { seed: 7 })), [[0, 0], [1, 1], [2, 0]]);
  sameWithBoth("scatter value", (x, i) => x.scatter(1, i, 2.5), [[3, 0], [1, 2], [2, 0]]);
  sameWithBoth("indexSelect", (x, i) => x.indexSelect(0, i), [2, 0, 2]);
  sameWithBoth("indexAdd", (x, i) => x.indexAdd(1, i, randomTensor([3, 2], { seed: 8 })), [3, 3]);
  sameWithBoth("take", (x, i) => x.take(i), [0, -1, 5]);
  sameWithBoth("index", (x, i) => x.index(i), [2, -3]);
  sameWithBoth("index 2 tensors", (x, i) => x.index(i, i.add(1)), [0, 2]);
  sameWithBoth("0-d index", (x, i) => x.index(i.select(0, 0)), [1]);
});

test("in-place scatter_/indexPut_ and maskless indexPut with int64 indices", () => {
  const a = zeros([2, 3]), b = zeros([2, 3]);
  a.scatter_(1, i32([[2], [0]]), 1);
  b.scatter_(1, i64([[2], [0]]), 1);
  assert.deepEqual(b.tolist(), a.tolist());
  const c = zeros([4]), d = zeros([4]);
  c.indexPut_([i32([1, 3])], tensor([5, 6]));
  d.indexPut_([i64([1, 3])], tensor([5, 6]));
  assert.deepEqual(d.tolist(), c.tolist());
  const e = zeros([4]);
  e.indexPut_([i64([1, 1])], tensor([5, 6]), { accumulate: true });
  assert.deepEqual(e.tolist(), [0, 11, 0, 0]);
});

test("out-of-range int64 indices are refused before narrowing to int32 (2^32 does not wrap to 0)", () => {
  const x = tensor([1, 2, 3]);
  const huge = tensor([2n ** 32n]);
  assert.throws(() => x.gather(0, huge), (e: Error) => e instanceof IndexError && /gather: index 4294967296 is out of bounds for dimension 0 with size 3/.test(e.message));
  assert.throws(() => x.indexSelect(0, huge), /indexSelect: index 4294967296 is out of bounds/);
  assert.throws(() => x.index(huge), /index: index 4294967296 is out of bounds/);
  assert.throws(() => x.take(tensor([-(2n ** 40n)])), /take: index -1099511627776 is out of bounds/);
  assert.throws(() => x.scatter(0, huge, 1), /scatter: index 4294967296 is out of bounds/);
  assert.throws(() => F.embedding(huge, zeros([3, 2])), /embedding: index 4294967296 is out of range/);
  assert.throws(() => F.crossEntropy(zeros([1, 3]), huge), /target 4294967296 is out of bounds for 3 classes/);
});

test("index dtypes other than int32/int64 are refused, naming the fix", () => {
  const x = tensor([1, 2, 3]);
  const u8 = tensor([0, 1], { dtype: "uint8" });
  assert.throws(() => x.gather(0, u8), (e: Error) => e instanceof DTypeError && /gather: expected index to be an int64 or int32 tensor, got uint8.*\.long\(\)/.test(e.message));
  assert.throws(() => x.index(u8), /tensors used as indices must be int64, int32 or bool tensors, got uint8.*\.bool\(\) for a mask/);
  assert.throws(() => F.embedding(u8, zeros([3, 2])), /embedding: expected integer \(int64 or int32\) indices, got uint8/);
  assert.throws(() => F.crossEntropy(zeros([2, 3]), u8), /expected target of class indices with dtype int64 or int32, got uint8/);
});

test("embedding (F and nn.Embedding) with int64 indices: same rows and gradient", () => {
  const run = (idx: Tensor) => {
    const emb = new nn.Embedding(5, 3, { paddingIdx: 0 });
    nn.init.constant_(emb.weight, 0);
    emb.weight.data.add_(randomTensor([5, 3], { seed: 2, dtype: "float32" }));
    const y = emb.forward(idx);
    y.sum().backward();
    return { y: y.tolist(), g: emb.weight.grad!.tolist() };
  };
  const a = run(i32([[1, 4], [0, 1]])), b = run(i64([[1, 4], [0, 1]]));
  assert.deepEqual(b, a);
  const w = randomTensor([4, 2], { seed: 3 });
  assert.deepEqual(F.embedding(i64([3, 1]), w).tolist(), F.embedding(i32([3, 1]), w).tolist());
});

test("crossEntropy and nllLoss with int64 targets equal the int32 results (plain and general paths)", () => {
  const logits = randomTensor([4, 5], { seed: 11 });
  for (const opts of [{}, { ignoreIndex: 2 }, { labelSmoothing: 0.1 }, { reduction: "sum" as const }, { weight: randomTensor([5], { seed: 4, lo: 0.5, hi: 2 }) }]) {
    const run = (t: Tensor) => {
      const x = logits.detach().requiresGrad_(true);
      const loss = F.crossEntropy(x, t, opts);
      loss.backward();
      return { loss: loss.item(), g: x.grad!.tolist() };
    };
    assert.deepEqual(run(i64([0, 2, 4, 1])), run(i32([0, 2, 4, 1])), JSON.stringify(opts));
  }
  const lp = randomTensor([3, 4], { seed: 12 }).logSoftmax(1);
  assert.equal(F.nllLoss(lp, i64([3, 0, 1])).item(), F.nllLoss(lp, i32([3, 0, 1])).item());
  const loss = new nn.CrossEntropyLoss();
  assert.equal(loss.forward(logits, i64([1, 1, 0, 3])).item(), loss.forward(logits, i32([1, 1, 0, 3])).item());
});

test("oneHot keeps the labels' dtype: int64 labels give int64 (as PyTorch), int32 give int32", () => {
  const a = oneHot(i64([0, 2]), 3);
  assert.equal(a.dtype, "int64");
  assert.deepEqual(a.tolist(), [[1, 0, 0], [0, 0, 1]]);
  assert.equal(oneHot(i32([1]), 2).dtype, "int32");
  assert.deepEqual(oneHot(i64([1, 0])).tolist(), [[0, 1], [1, 0]]);
});

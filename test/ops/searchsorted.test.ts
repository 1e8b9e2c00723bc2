/**
 * searchsorted / bucketize against PyTorch 1.13's values and a brute-force count:
 *   s = [1., 3, 5, 7, 9]; v = [[3., 6, 9], [0, 10, nan]]
 *   torch.searchsorted(s, v)             -> [[1, 3, 4], [0, 5, 5]]   (NaN sorts last)
 *   torch.searchsorted(s, v, right=True) -> [[2, 3, 5], [0, 5, 5]];   bucketize(v, s) as the first
 *   torch.searchsorted([[1., 3, 5], [2, 4, 6]], [[3.], [3.]]) -> [[1], [1]]
 *   torch.searchsorted([5., 1, 3], [2., 4], sorter=[1, 2, 0]) -> [1, 2];  searchsorted(s, 4.) -> tensor(2)
 *   torch.searchsorted([1., nan], [5., nan]) -> [2, 2]
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const s = fx.tensor([1, 3, 5, 7, 9]);
const v = fx.tensor([[3, 6, 9], [0, 10, NaN]]);

test("searchsorted / bucketize: left and right sides, NaN last, int64 (or int32) indices", () => {
  const l = fx.searchsorted(s, v);
  assert.deepEqual([l.tolist(), l.dtype], [[[1, 3, 4], [0, 5, 5]], "int64"]);
  assert.deepEqual(fx.searchsorted(s, v, { right: true }).tolist(), [[2, 3, 5], [0, 5, 5]]);
  const r32 = fx.searchsorted(s, v, { side: "right", outInt32: true });
  assert.deepEqual([r32.tolist(), r32.dtype], [[[2, 3, 5], [0, 5, 5]], "int32"]);
  assert.deepEqual(fx.bucketize(v, s).tolist(), [[1, 3, 4], [0, 5, 5]]);
  assert.deepEqual(fx.bucketize(v, s, { right: true }).tolist(), [[2, 3, 5], [0, 5, 5]]);
  assert.deepEqual(fx.searchsorted(fx.tensor([1, NaN]), fx.tensor([5, NaN])).tolist(), [2, 2]);
});

test("searchsorted: batched sequences, a sorter, a scalar value", () => {
  assert.deepEqual(fx.searchsorted(fx.tensor([[1, 3, 5], [2, 4, 6]]), fx.tensor([[3], [3]])).tolist(), [[1], [1]]);
  assert.deepEqual(fx.searchsorted(fx.tensor([5, 1, 3]), fx.tensor([2, 4]), { sorter: fx.tensor([1, 2, 0], { dtype: "int64" }) }).tolist(), [1, 2]);
  const sc = fx.searchsorted(s, 4);
  assert.deepEqual([sc.shape, sc.item()], [[], 2]);
  assert.deepEqual(fx.bucketize(fx.tensor(3), s).item(), 1);
});

test("a scalar value or bucketize input keeps its value against integer boundaries (PyTorch promotes, it does not truncate)", () => {
  // torch.searchsorted(tensor([1, 2]), 1.5) -> tensor(1); torch.bucketize(1.5, tensor([1, 2])) -> tensor(1)
  const ints = fx.tensor([1, 2], { dtype: "int64" });
  const sc = fx.searchsorted(ints, 1.5);
  assert.deepEqual([sc.shape, sc.item(), sc.dtype], [[], 1, "int64"]);
  assert.equal(fx.searchsorted(ints, 1).item(), 0);
  const b = fx.bucketize(1.5, ints);
  assert.deepEqual([b.shape, b.item(), b.dtype], [[], 1, "int64"]);
  // bucketize(2, tensor([1., 2.]), right=True) -> tensor(2); out_int32 -> int32
  assert.equal(fx.bucketize(2, fx.tensor([1, 2]), { right: true }).item(), 2);
  assert.equal(fx.bucketize(1.5, fx.tensor([1, 2]), { right: true, outInt32: true }).dtype, "int32");
});

test("searchsorted equals a brute-force count for every sequence length (duplicates included)", () => {
  fx.manualSeed(3);
  for (const N of [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
    const seq = fx.randint(0, 10, [N]).float().sort().values;
    const vals = fx.randint(-1, 11, [60]).float();
    const sv = seq.tolist() as number[];
    for (const right of [false, true]) {
      const want = (vals.tolist() as number[]).map((x) => sv.filter((y) => (right ? y <= x : y < x)).length);
      assert.deepEqual(fx.searchsorted(seq, vals, { right }).tolist(), want, `N=${N} right=${right}`);
    }
  }
});

test("searchsorted / bucketize refuse mismatched shapes and opposite sides, as PyTorch", () => {
  assert.throws(() => fx.searchsorted(fx.tensor([[1, 2]]), fx.tensor([1, 2])), (e) => e instanceof fx.ShapeError && /first N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor \[1, 2\] and input value tensor \[2\]/.test(e.message));
  assert.throws(() => fx.bucketize(fx.tensor([1]), fx.tensor([[1]])), (e) => e instanceof fx.ShapeError && /^bucketize: boundaries tensor must be 1 dimension, but got dim\(2\)/.test(e.message));
  assert.throws(() => fx.searchsorted(s, v, { side: "left", right: true }), (e) => e instanceof fx.ArgumentError && /side and right can't be set to opposites/.test(e.message));
});

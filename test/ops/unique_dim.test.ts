/**
 * unique(dim=d): the distinct slices along d, sorted lexicographically, with inverse and
 * counts, as torch.unique(x, dim=d, return_inverse=True, return_counts=True). PyTorch 1.13:
 *   x = [[1, 2], [0, 5], [1, 2], [0, 1]]
 *   dim=0 -> values [[0, 1], [0, 5], [1, 2]], inverse [2, 1, 2, 0], counts [1, 1, 2]
 *   dim=1 -> values x (its columns are already distinct and sorted), inverse [0, 1], counts [1, 1]
 *   y = [[[1., 2], [3, 4]], [[1, 2], [3, 4]], [[0, 9], [9, 9]]], dim=0 -> [[[0, 9], [9, 9]], [[1, 2], [3, 4]]], counts [1, 2]
 *   torch.unique(torch.zeros(0, 3), dim=0) -> size (0, 3), empty inverse and counts
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const x = fx.tensor([[1, 2], [0, 5], [1, 2], [0, 1]], { dtype: "int64" });

test("unique({ dim }) returns the sorted distinct slices, the inverse and the counts", () => {
  const [values, inverse, counts] = x.unique({ dim: 0, returnInverse: true, returnCounts: true });
  assert.equal(values.dtype, "int64");
  assert.deepEqual(values.tolist(), [[0, 1], [0, 5], [1, 2]]);
  assert.deepEqual(inverse.tolist(), [2, 1, 2, 0]);
  assert.deepEqual(counts.tolist(), [1, 1, 2]);
  assert.deepEqual(values.indexSelect(0, inverse).tolist(), x.tolist()); // the inverse rebuilds x
  const c = x.unique({ dim: 1, returnInverse: true, returnCounts: true });
  assert.deepEqual([c.values.tolist(), c.inverse.tolist(), c.counts.tolist()], [x.tolist(), [0, 1], [1, 1]]);
  assert.deepEqual(x.unique({ dim: -1 }).tolist(), x.tolist());
});

test("unique({ dim }) on 3-D floats, on an empty dim, and a 0-d input's error", () => {
  const y = fx.tensor([[[1, 2], [3, 4]], [[1, 2], [3, 4]], [[0, 9], [9, 9]]]);
  const [v, counts] = y.unique({ dim: 0, returnCounts: true });
  assert.deepEqual(v.tolist(), [[[0, 9], [9, 9]], [[1, 2], [3, 4]]]);
  assert.deepEqual(counts.tolist(), [1, 2]);
  const e = fx.zeros(0, 3).unique({ dim: 0, returnInverse: true, returnCounts: true });
  assert.deepEqual([e.values.shape, e.inverse.shape, e.counts.shape], [[0, 3], [0], [0]]);
  assert.throws(() => fx.tensor(3).unique({ dim: 0 }), (err) => err instanceof fx.IndexError && /^unique: dimension specified as 0 but the tensor has no dimensions/.test(err.message));
});

// torch.unique_consecutive (PyTorch 1.13):
//   x = [1, 1, 2, 2, 3, 1, 1, 2] -> [1, 2, 3, 1, 2], inverse [0, 0, 1, 1, 2, 3, 3, 4], counts [2, 2, 1, 2, 1]
//   [[1, 1], [1, 1], [0, 2], [1, 1]], dim=0 -> [[1, 1], [0, 2], [1, 1]], inverse [0, 0, 1, 2], counts [2, 1, 1]
//   [[1, 1], [2, 2]] (no dim: flattened) -> [1, 2], inverse [[0, 0], [1, 1]] (the input's shape)
test("uniqueConsecutive collapses runs of equal elements or slices, without sorting", () => {
  const y = fx.tensor([1, 1, 2, 2, 3, 1, 1, 2], { dtype: "int64" });
  assert.deepEqual(y.uniqueConsecutive().tolist(), [1, 2, 3, 1, 2]);
  assert.deepEqual((fx.uniqueConsecutive as (t: fx.Tensor) => fx.Tensor)(y).tolist(), [1, 2, 3, 1, 2]); // torch.unique_consecutive(y)
  const [values, inverse, counts] = y.uniqueConsecutive({ returnInverse: true, returnCounts: true });
  assert.deepEqual([values.tolist(), inverse.tolist(), counts.tolist()], [[1, 2, 3, 1, 2], [0, 0, 1, 1, 2, 3, 3, 4], [2, 2, 1, 2, 1]]);
  const r = fx.tensor([[1, 1], [1, 1], [0, 2], [1, 1]]).uniqueConsecutive({ dim: 0, returnInverse: true, returnCounts: true });
  assert.deepEqual([r.values.tolist(), r.inverse!.tolist(), r.counts!.tolist()], [[[1, 1], [0, 2], [1, 1]], [0, 0, 1, 2], [2, 1, 1]]);
  const f = fx.tensor([[1, 1], [2, 2]]).uniqueConsecutive({ returnInverse: true });
  assert.deepEqual([f.values.tolist(), f.inverse!.tolist()], [[1, 2], [[0, 0], [1, 1]]]);
});

// NaN never equals NaN (PyTorch 1.13): unique_consecutive([nan, nan, 1]) -> [nan, nan, 1],
// counts [1, 1, 1]; unique([[nan], [nan], [1]], dim=0) keeps both NaN rows (counts [1, 1, 1];
// PyTorch orders them first, Fluxion sorts NaN last as sort does)
test("unique(dim) and uniqueConsecutive keep NaN slices apart", () => {
  const [v, , c] = fx.tensor([NaN, NaN, 1]).uniqueConsecutive({ returnInverse: true, returnCounts: true });
  assert.deepEqual([v.tolist(), c.tolist()], [[NaN, NaN, 1], [1, 1, 1]]);
  const r = fx.tensor([[NaN], [NaN], [1]]).unique({ dim: 0, returnInverse: true, returnCounts: true });
  assert.deepEqual([r.values.tolist(), r.inverse!.tolist(), r.counts!.tolist()], [[[1], [NaN], [NaN]], [1, 2, 0], [1, 1, 1]]);
});

/**
 * torch.where(condition) with one argument is nonzero(condition, as_tuple=True): a list of
 * index tensors, one per dim. PyTorch 1.13:
 *   torch.where(torch.tensor([[1, 0], [3, 4]]) > 2) -> (tensor([1, 1]), tensor([0, 1]))
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

test("where(condition) returns one index tensor per dim, usable as an index", () => {
  const x = fx.tensor([[1, 0], [3, 4]]);
  const idx = fx.where(x.gt(2));
  assert.equal(idx.length, 2);
  assert.deepEqual(idx.map((t) => t.tolist()), [[1, 1], [0, 1]]);
  assert.deepEqual(x.index(...idx).tolist(), [3, 4]); // x[torch.where(x > 2)]
  assert.deepEqual(fx.where(fx.tensor([0, 2, 0, 5])).map((t) => t.tolist()), [[1, 3]]);
});

test("where with two arguments names both overloads", () => {
  assert.throws(() => (fx.where as any)(fx.tensor([1]), 2), (e) => e instanceof fx.ArgumentError && /where\(Tensor condition\)/.test(e.message) && /missing required argument 'other'/.test(e.message));
  assert.deepEqual(fx.where(fx.tensor([true, false]), 1, 2).tolist(), [1, 2]);
});

test("nonzero(asTuple) and where(condition) treat a 0-d input as 1-d, as PyTorch", () => {
  // torch.nonzero(torch.tensor(5), as_tuple=True) -> (tensor([0]),); torch.where(torch.tensor(0)) -> (tensor([], dtype=torch.int64),)
  const [i5, ...rest5] = fx.nonzero(fx.tensor(5), { asTuple: true });
  assert.deepEqual([i5!.shape, i5!.tolist(), rest5.length], [[1], [0], 0]);
  const z = fx.where(fx.tensor(0));
  assert.deepEqual([z.length, z[0]!.shape], [1, [0]]);
  assert.deepEqual(fx.tensor(true).nonzero({ asTuple: true }).map((t) => t.tolist()), [[0]]);
  // without asTuple a 0-d input gives [n, 0]
  assert.deepEqual(fx.nonzero(fx.tensor(5)).shape, [1, 0]);
  // the function form is typed by the flag
  const rowsCols: fx.Tensor[] = fx.nonzero(fx.tensor([[0, 1], [2, 0]]), { asTuple: true });
  assert.deepEqual(rowsCols.map((t) => t.tolist()), [[0, 1], [1, 0]]);
});

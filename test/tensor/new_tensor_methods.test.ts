/**
 * x.newZeros / newOnes / newEmpty / newFull / newTensor and x.typeAs(y), as PyTorch's
 * new_zeros ... new_tensor (x's dtype and device unless the call names others) and type_as.
 * Expected dtypes and values as PyTorch 1.13 gives them, e.g.
 *   torch.tensor([1., 2.], dtype=torch.float64).new_full([2], 7)  -> tensor([7., 7.], dtype=torch.float64)
 *   torch.tensor([1, 2]).new_tensor([1.5])                        -> tensor([1])
 *   torch.tensor([1.7]).type_as(torch.tensor([1], dtype=torch.int32)) -> tensor([1], dtype=torch.int32)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const x = fx.tensor([1, 2], { dtype: "float64" });

test("newZeros/newOnes/newEmpty take sizes as varargs or a list and keep x's dtype", () => {
  const z = x.newZeros(2, 3);
  assert.equal(z.dtype, "float64");
  assert.deepEqual(z.shape, [2, 3]);
  assert.deepEqual(z.tolist(), [[0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(x.newZeros([2]).shape, [2]);
  const o = x.newOnes(2, { dtype: "int64" });
  assert.equal(o.dtype, "int64");
  assert.deepEqual(o.tolist(), [1, 1]);
  const e = x.newEmpty(0);
  assert.equal(e.dtype, "float64");
  assert.deepEqual(e.shape, [0]);
});

test("newFull keeps x's dtype whatever the fill value (int tensor, float fill truncates)", () => {
  assert.equal(x.newFull([2], 7).dtype, "float64");
  const i = fx.tensor([1, 2], { dtype: "int32" }).newFull([3], 2.7);
  assert.equal(i.dtype, "int32");
  assert.deepEqual(i.tolist(), [2, 2, 2]);
  const g = x.newFull([2], 7.5, { requiresGrad: true });
  assert.ok(g.requiresGrad && g.isLeaf);
  assert.throws(() => fx.tensor([1], { dtype: "int64" }).newFull([1], 1, { requiresGrad: true }), fx.DTypeError);
});

test("newTensor copies data (a tensor too, detached) into x's dtype", () => {
  const i = fx.tensor([1, 2], { dtype: "int64" }).newTensor([1.5]);
  assert.equal(i.dtype, "int64");
  assert.deepEqual(i.tolist(), [1]);
  const src = fx.tensor([3], { requiresGrad: true });
  const c = x.newTensor(src);
  assert.equal(c.dtype, "float64");
  assert.equal(c.requiresGrad, false);
  c.fill_(5);
  assert.deepEqual(src.tolist(), [3]);
});

test("typeAs casts to the other tensor's dtype", () => {
  const a = fx.tensor([1.7]).typeAs(fx.tensor([1], { dtype: "int32" }));
  assert.equal(a.dtype, "int32");
  assert.deepEqual(a.tolist(), [1]);
  assert.equal(fx.tensor([1, 2], { dtype: "int64" }).typeAs(x).dtype, "float64");
  const g = fx.tensor([1, 2], { requiresGrad: true });
  g.typeAs(x).mul(3).sum().backward();
  assert.deepEqual(g.grad!.tolist(), [3, 3]);
  assert.equal(g.grad!.dtype, "float32");
  assert.throws(() => fx.tensor([1]).typeAs("float64" as never), fx.ArgumentError);
});

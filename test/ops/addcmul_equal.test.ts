/**
 * The function forms addcmul / addcdiv (self + value * t1 * t2, self + value * t1 / t2) and
 * torch.equal. PyTorch 1.13:
 *   torch.addcmul(torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([5, 6]), value=2) -> tensor([31, 50])
 *   torch.addcmul(torch.tensor([1., 2]), [3, 4], [5, 6], value=0.5) -> tensor([8.5, 14.])
 *   torch.addcdiv(torch.tensor([1., 2]), [3., 4], [5., 6], value=2) -> tensor([2.2, 3.3333])
 *   torch.addcdiv with integer tensor1 and tensor2 -> "Integer division with addcdiv is no longer supported"
 *   torch.equal([1], [1.]) -> True; equal([1., 2], [[1., 2]]) -> False; equal([nan], [nan]) -> False
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const i = (d: number[]) => fx.tensor(d, { dtype: "int64" });

test("addcmul / addcdiv compute self + value * t1 (* or /) t2 with PyTorch's dtypes", () => {
  const a = fx.addcmul(i([1, 2]), i([3, 4]), i([5, 6]), { value: 2 });
  assert.deepEqual([a.tolist(), a.dtype], [[31, 50], "int64"]);
  assert.deepEqual(fx.tensor([1, 2]).addcmul(i([3, 4]), i([5, 6]), { value: 0.5 }).tolist(), [8.5, 14]);
  const d = fx.addcdiv(fx.tensor([1, 2]), fx.tensor([3, 4]), fx.tensor([5, 6]), { value: 2 }).tolist() as number[];
  assert.ok(Math.abs(d[0]! - 2.2) < 1e-6 && Math.abs(d[1]! - 10 / 3) < 1e-6);
  assert.throws(() => fx.addcdiv(fx.tensor([1, 2]), i([3, 4]), i([5, 6])), (e) => e instanceof fx.DTypeError && /^addcdiv: integer division with addcdiv is not supported/.test(e.message));
  const x = fx.tensor([1, 2], { requiresGrad: true });
  const y = fx.tensor([3, 4], { requiresGrad: true });
  fx.addcmul(x, y, fx.tensor([5, 6]), { value: 2 }).sum().backward();
  assert.deepEqual([x.grad!.tolist(), y.grad!.tolist()], [[1, 1], [10, 12]]);
});

test("equal is true for the same shape and elements, false otherwise (NaN included)", () => {
  assert.equal(fx.equal(i([1]), fx.tensor([1])), true);
  assert.equal(fx.equal(fx.tensor([1, 2]), fx.tensor([[1, 2]])), false);
  assert.equal(fx.equal(fx.tensor([NaN]), fx.tensor([NaN])), false);
  assert.equal(fx.tensor([1, 2]).equal(fx.tensor([1, 3])), false);
});

test("addcmul / addcdiv promote self, tensor1 and tensor2 together; value takes the result's dtype (found by the differential fuzz)", () => {
  // torch.addcmul(torch.tensor([2, 3]), torch.tensor([3, 121], dtype=torch.uint8), torch.tensor(3, dtype=torch.uint8)) -> tensor([11, 366])
  const u = fx.addcmul(i([2, 3]), fx.tensor([3, 121], { dtype: "uint8" }), fx.tensor(3, { dtype: "uint8" }));
  assert.deepEqual([u.tolist(), u.dtype], [[11, 366], "int64"]); // the product in int64, not wrapped in uint8
  // value does not promote: 0.5 with integer tensors is 0, 1.5 is 1 (torch: tensor([1, -3]), tensor([1, -18]))
  const s = fx.tensor([1, -3], { dtype: "int32" });
  const h = fx.addcmul(s, fx.tensor(-5, { dtype: "int64" }), i([0, 3]), { value: 0.5 });
  assert.deepEqual([h.tolist(), h.dtype], [[1, -3], "int64"]);
  assert.deepEqual(fx.addcmul(s, fx.tensor(-5, { dtype: "int64" }), i([0, 3]), { value: 1.5 }).tolist(), [1, -18]);
  // a float32 tensor1 with a float64 0-d tensor2 and self: all in float64 (torch: 0.6535279883742332)
  const f = fx.addcmul(fx.tensor([-0.331], { dtype: "float64" }), fx.tensor([-0.424]), fx.tensor(-1.548, { dtype: "float64" }), { value: 1.5 });
  assert.equal(f.dtype, "float64");
  assert.ok(Math.abs(f.item() - 0.6535279883742332) < 1e-15);
  assert.equal(fx.addcdiv(fx.tensor([1], { dtype: "float64" }), fx.tensor([1]), fx.tensor(3, { dtype: "float64" })).item(), 4 / 3);
  const one = () => fx.tensor([1], { dtype: "uint8" });
  assert.throws(() => fx.addcmul(one(), one(), one(), { value: 300 }), (e) => e instanceof fx.DTypeError && /addcmul: value 300 cannot be converted to type uint8 without overflow/.test(e.message));
});

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

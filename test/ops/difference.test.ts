/**
 * diff, nansum, nanmean and countNonzero against PyTorch 1.13 (values printed by it):
 *   torch.diff(torch.tensor([1, 3, 6, 10]))                -> [2, 3, 4]; n=2 -> [1, 1]
 *   torch.diff(torch.tensor([[1, 2], [4, 8]]), dim=0)      -> [[3, 6]]
 *   torch.diff(torch.tensor([1., 2]), prepend=[0.], append=[5., 7]) -> [1, 1, 3, 2]
 *   torch.diff(torch.tensor([True, False, False, True]))   -> [True, False, True]
 *   torch.diff(torch.tensor([1, 3]), n=3)                  -> tensor([], dtype=torch.int64)
 *   a = [1., 4, 9]; torch.diff(a).mul([1., 10]).sum().backward() -> a.grad [-1, -9, 10]
 *   x = [1., nan, 3, 4]: x.nansum() -> 8, x.nanmean() -> 2.6667; [[nan, 1], [2, 3]].nanmean(1) -> [1, 2.5]
 *   [nan].nanmean() -> nan; grads of nansum / nanmean at [1, nan, 3] -> [1, 0, 1] / [0.5, 0, 0.5]
 *   torch.count_nonzero([[0, 1, 2], [0, 0, 3]], dim=0) -> [0, 1, 2]; without dim -> 3
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const i = (d: number[] | number[][]) => fx.tensor(d, { dtype: "int64" });

test("diff: n-th differences along dim, prepend/append, bool xor, empty past the length", () => {
  assert.deepEqual(fx.diff(i([1, 3, 6, 10])).tolist(), [2, 3, 4]);
  assert.deepEqual(fx.diff(i([1, 3, 6, 10]), 2).tolist(), [1, 1]);
  assert.deepEqual(fx.diff(i([[1, 2], [4, 8]]), { dim: 0 }).tolist(), [[3, 6]]);
  assert.deepEqual(fx.diff(fx.tensor([1, 2]), { prepend: fx.tensor([0]), append: fx.tensor([5, 7]) }).tolist(), [1, 1, 3, 2]);
  const b = fx.tensor([true, false, false, true]).diff();
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.tolist(), [true, false, true]);
  const e = fx.diff(i([1, 3]), 3);
  assert.deepEqual([e.shape, e.dtype], [[0], "int64"]);
  const a = fx.tensor([1, 4, 9], { requiresGrad: true });
  fx.diff(a).mul(fx.tensor([1, 10])).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [-1, -9, 10]);
  assert.throws(() => fx.diff(fx.tensor(1)), (err) => err instanceof fx.ShapeError && /^diff: expects input to be at least one-dimensional/.test(err.message));
});

test("nansum / nanmean skip NaNs (gradient 0 there); nanmean needs a floating dtype", () => {
  const x = fx.tensor([1, NaN, 3, 4]);
  assert.equal(x.nansum().item(), 8);
  assert.ok(Math.abs(x.nanmean().item() - 8 / 3) < 1e-6);
  assert.deepEqual(fx.tensor([[NaN, 1], [2, 3]]).nanmean(1).tolist(), [1, 2.5]);
  assert.ok(Number.isNaN(fx.tensor([NaN]).nanmean().item()));
  assert.deepEqual([i([1, 2]).nansum().item(), i([1, 2]).nansum().dtype], [3, "int64"]);
  assert.throws(() => i([1, 2]).nanmean(), (e) => e instanceof fx.DTypeError && /^nanmean: expected input to have floating point dtype but got int64/.test(e.message));
  let a = fx.tensor([1, NaN, 3], { requiresGrad: true });
  a.nansum().backward();
  assert.deepEqual(a.grad!.tolist(), [1, 0, 1]);
  a = fx.tensor([1, NaN, 3], { requiresGrad: true });
  fx.nanmean(a).backward();
  assert.deepEqual(a.grad!.tolist(), [0.5, 0, 0.5]);
});

test("countNonzero counts per dim (int64), or over all", () => {
  const c = fx.countNonzero(i([[0, 1, 2], [0, 0, 3]]), 0);
  assert.deepEqual([c.tolist(), c.dtype], [[0, 1, 2], "int64"]);
  assert.equal(fx.countNonzero(fx.tensor([[0, 1, 2], [0, 0, 3]])).item(), 3);
  assert.equal(i([[0, 1, 2], [0, 0, 3]]).countNonzero([0, 1]).item(), 3);
});

test("diff refuses a negative order, as torch.diff", () => {
  assert.throws(() => fx.diff(fx.tensor([1, 2, 4]), -1), (e: Error) => e instanceof fx.ArgumentError && /^diff: order must be non-negative but got -1/.test(e.message));
});

test("nansum of a float tensor into an integer dtype is refused, as PyTorch's kernel (\"nansum_cpu\" not implemented for 'Long'); integer inputs sum", () => {
  assert.throws(() => fx.tensor([1.5, NaN]).nansum(0, { dtype: "int64" }), (e: Error) => e instanceof fx.DTypeError && /nansum: "nansum_cpu" not implemented for 'Long'/.test(e.message));
  assert.equal(fx.tensor([1, 2], { dtype: "int32" }).nansum({ dtype: "int64" }).item(), 3);
  assert.equal(fx.tensor([1.5, NaN]).nansum({ dtype: "float64" }).item(), 1.5);
});

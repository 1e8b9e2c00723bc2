/**
 * clampMin / clampMax (and their in-place forms), PyTorch's clamp_min / clamp_max. Expected
 * values from PyTorch 1.13:
 *   x = torch.tensor([1., 5., 9., nan])
 *   x.clamp_min(4) -> [4, 5, 9, nan];  x.clamp_max(4) -> [1, 4, 4, nan]
 *   x.clamp_min(torch.tensor([0., 6., 10., 0.])) -> [1, 6, 10, nan]
 *   torch.tensor([1, 5]).clamp_min(2.5) -> tensor([2.5, 5.]) (float);  torch.clamp_max(torch.tensor([1, 5]), 2) -> tensor([1, 2])
 *   a = torch.tensor([1., 5., 9.], requires_grad=True); a.clamp_min(5).sum().backward(); a.grad -> [0, 1, 1]
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

test("clampMin / clampMax bound one side, NaN stays NaN, tensor bounds broadcast", () => {
  const x = fx.tensor([1, 5, 9, NaN]);
  assert.deepEqual(x.clampMin(4).tolist(), [4, 5, 9, NaN]);
  assert.deepEqual(x.clampMax(4).tolist(), [1, 4, 4, NaN]);
  assert.deepEqual(x.clampMin(fx.tensor([0, 6, 10, 0])).tolist(), [1, 6, 10, NaN]);
  assert.deepEqual(fx.clampMax(x, 4).tolist(), [1, 4, 4, NaN]);
});

test("clampMin / clampMax follow clamp's dtype promotion", () => {
  const f = fx.tensor([1, 5], { dtype: "int64" }).clampMin(2.5);
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.tolist(), [2.5, 5]);
  const i = fx.clampMax(fx.tensor([1, 5], { dtype: "int64" }), 2);
  assert.equal(i.dtype, "int64");
  assert.deepEqual(i.tolist(), [1, 2]);
});

test("clampMin's gradient passes where the input is at or above the bound; clampMax_ writes in place", () => {
  const a = fx.tensor([1, 5, 9], { requiresGrad: true });
  a.clampMin(5).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [0, 1, 1]);
  const y = fx.tensor([1, 5, 9]);
  assert.equal(y.clampMax_(4), y);
  assert.deepEqual(y.tolist(), [1, 4, 4]);
  assert.deepEqual(fx.tensor([1, 5, 9]).clampMin_(6).tolist(), [6, 6, 9]);
  assert.throws(() => fx.tensor([1]).clampMin(null as never), fx.ArgumentError);
});

// PyTorch 1.13: x = [-1, 0, .5, 2, 1], lo = [-.5, 0, 0, 0, 1.5], hi = [.5, .5, .5, 1, 1];
// torch.clamp(x, lo, hi).sum().backward() -> x.grad [0, 1, 1, 0, 0], lo.grad [1, 0, 0, 0, 0],
// hi.grad [0, 0, 0, 1, 1]; x = [0, 1, -1], lo = zeros(3): clamp(x, min=lo) -> x.grad [1, 1, 0], lo.grad [0, 0, 1]
test("clamp with tensor bounds gives x the whole gradient at a bound (no tie split) and a bound its own where it wins", () => {
  const x = fx.tensor([-1, 0, 0.5, 2, 1], { requiresGrad: true });
  const lo = fx.tensor([-0.5, 0, 0, 0, 1.5], { requiresGrad: true });
  const hi = fx.tensor([0.5, 0.5, 0.5, 1, 1], { requiresGrad: true });
  const [gx, glo, ghi] = fx.autograd.grad(x.clamp(lo, hi).sum(), [x, lo, hi]);
  assert.deepEqual(gx!.tolist(), [0, 1, 1, 0, 0]);
  assert.deepEqual(glo!.tolist(), [1, 0, 0, 0, 0]);
  assert.deepEqual(ghi!.tolist(), [0, 0, 0, 1, 1]);
  const y = fx.tensor([0, 1, -1], { requiresGrad: true });
  const m = fx.zeros([3], { requiresGrad: true });
  const [gy, gm] = fx.autograd.grad(y.clamp(m, null).sum(), [y, m]);
  assert.deepEqual(gy!.tolist(), [1, 1, 0]);
  assert.deepEqual(gm!.tolist(), [0, 0, 1]);
});

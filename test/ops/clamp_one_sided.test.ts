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

test("clamp with tensor bounds has PyTorch's clamp.Tensor gradients (the input keeps the whole gradient at a tie, a bound only where it was taken)", () => {
  // x = torch.tensor([-1., 0., 1., 2., 3.]); lo = torch.tensor([0., 0., 0., 0., 4.]); hi = torch.tensor([2., 2., 0.5, 2., 1.]) (all requires_grad)
  // y = x.clamp(min=lo, max=hi) -> [0, 0, 0.5, 2, 1]; (y * [1..5]).sum().backward()
  // x.grad [0, 2, 0, 4, 0]; lo.grad [1, 0, 0, 0, 0]; hi.grad [0, 0, 3, 0, 5] (min > max: the output is max)
  const x = fx.tensor([-1, 0, 1, 2, 3], { requiresGrad: true });
  const lo = fx.tensor([0, 0, 0, 0, 4], { requiresGrad: true });
  const hi = fx.tensor([2, 2, 0.5, 2, 1], { requiresGrad: true });
  const y = x.clamp({ min: lo, max: hi });
  assert.deepEqual(y.tolist(), [0, 0, 0.5, 2, 1]);
  y.mul(fx.tensor([1, 2, 3, 4, 5])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 2, 0, 4, 0]);
  assert.deepEqual(lo.grad!.tolist(), [1, 0, 0, 0, 0]);
  assert.deepEqual(hi.grad!.tolist(), [0, 0, 3, 0, 5]);

  // a broadcast bound: torch.clamp_min(x [1, 3], lo [2, 1]) -> x.grad [[0, 2, 2]], lo.grad [[1], [1]]
  const a = fx.tensor([[-1, 0.5, 2]], { requiresGrad: true });
  const b = fx.tensor([[0], [0.5]], { requiresGrad: true });
  const z = fx.clampMin(a, b);
  assert.deepEqual(z.tolist(), [[0, 0.5, 2], [0.5, 0.5, 2]]);
  z.sum().backward();
  assert.deepEqual(a.grad!.tolist(), [[0, 2, 2]]);
  assert.deepEqual(b.grad!.tolist(), [[1], [1]]);

  // a 0-d max: x.clamp(max=hi) with x = [-1, 0.5, 2], hi = 0.5 -> x.grad [1, 1, 0], hi.grad 1
  const c = fx.tensor([-1, 0.5, 2], { requiresGrad: true });
  const h = fx.tensor(0.5, { requiresGrad: true });
  c.clamp({ max: h }).sum().backward();
  assert.deepEqual(c.grad!.tolist(), [1, 1, 0]);
  assert.equal(h.grad!.item(), 1);
  assert.ok(fx.autograd.gradcheck((p, q, r) => p.clamp({ min: q, max: r }), [
    fx.tensor([-1.3, 0.2, 0.9, 2.5], { dtype: "float64", requiresGrad: true }),
    fx.tensor([0.1, 0.0, 0.0, 3.0], { dtype: "float64", requiresGrad: true }),
    fx.tensor([1.0, 1.0, 0.5, 1.0], { dtype: "float64", requiresGrad: true }),
  ]));
});

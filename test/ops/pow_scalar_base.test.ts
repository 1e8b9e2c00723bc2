/**
 * torch.pow(self: Scalar, exponent: Tensor): a number base with a tensor exponent, as fx.pow(2, t).
 * The values and dtypes are PyTorch 1.13's:
 *   torch.pow(2, torch.tensor([1, 2, 3]))          -> tensor([2, 4, 8])            (int64)
 *   torch.pow(2.5, torch.tensor([1, 2, 3]))        -> tensor([2.5, 6.25, 15.625])  (float32)
 *   torch.pow(2, torch.tensor([0.5, -1.]))         -> tensor([1.4142, 0.5])
 *   e = torch.tensor([0.5, 2.], requires_grad=True); torch.pow(3, e).sum().backward()
 *   e.grad                                          -> 3**e * log(3) = [1.9029, 9.8875]
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { assertClose } from "../helpers.js";

test("fx.pow(number, tensor) raises the number to each element, with PyTorch's result dtype", () => {
  const i = fx.pow(2, fx.tensor([1, 2, 3], { dtype: "int64" }));
  assert.equal(i.dtype, "int64");
  assert.deepEqual(i.tolist(), [2, 4, 8]);
  const f = fx.pow(2.5, fx.tensor([1, 2, 3], { dtype: "int64" }));
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.tolist(), [2.5, 6.25, 15.625]);
  const h = fx.pow(2, fx.tensor([0.5, -1], { dtype: "float64" }));
  assert.equal(h.dtype, "float64");
  assertClose(h, [Math.SQRT2, 0.5], { atol: 1e-15 });
});

test("fx.pow(number, tensor) differentiates w.r.t. the exponent: base^e * log(base)", () => {
  const e = fx.tensor([0.5, 2], { dtype: "float64", requiresGrad: true });
  fx.pow(3, e).sum().backward();
  assertClose(e.grad!, [3 ** 0.5 * Math.log(3), 9 * Math.log(3)], { atol: 1e-14 });
});

test("fx.pow of two numbers names both overloads", () => {
  assert.throws(() => fx.pow(2 as never, 3 as never), (e) => e instanceof fx.ArgumentError && /pow\(Scalar self, Tensor exponent\)/.test(e.message));
});

/**
 * xlogy's derivative w.r.t. self, as PyTorch 1.13's derivatives.yaml:
 * xlogy(grad, other).masked_fill((self == 0) & (other <= 0), 0). It is log(other) also where
 * self is 0, but 0 (not -inf) where self is 0 and other <= 0. Values from PyTorch 1.13:
 *   a = torch.tensor([0., 0., 2., 0., 0.], requires_grad=True)
 *   b = torch.tensor([3., 0., 3., nan, -1.], requires_grad=True)
 *   torch.xlogy(a, b).sum().backward()
 *   a.grad -> [1.0986, 0., 1.0986, nan, 0.];  b.grad -> [0., nan, 0.6667, nan, -0.]
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

test("xlogy's gradient w.r.t. self is 0 where self == 0 and other <= 0, log(other) elsewhere", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const a = fx.tensor([0, 0, 2, 0, 0], { dtype, requiresGrad: true });
    const b = fx.tensor([3, 0, 3, NaN, -1], { dtype, requiresGrad: true });
    a.xlogy(b).sum().backward();
    const ga = a.grad!.tolist() as number[];
    const l3 = dtype === "float32" ? Math.fround(Math.log(3)) : Math.log(3);
    assert.deepEqual(ga, [l3, 0, l3, NaN, 0], dtype);
    const gb = b.grad!.tolist() as number[];
    assert.deepEqual(gb.map((v) => (Number.isNaN(v) ? "nan" : Math.abs(v) < 1e-300 ? 0 : Number(v.toFixed(6)))), [0, "nan", 0.666667, "nan", 0], dtype);
  }
});

test("xlogy with a scalar other: the gradient w.r.t. self is log(other), also at self == 0", () => {
  const a = fx.tensor([0, 2], { dtype: "float64", requiresGrad: true });
  a.xlogy(3).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [Math.log(3), Math.log(3)]);
  const z = fx.tensor([0, 0], { dtype: "float64", requiresGrad: true });
  z.xlogy(0).sum().backward();
  assert.deepEqual(z.grad!.tolist(), [0, 0]);
});

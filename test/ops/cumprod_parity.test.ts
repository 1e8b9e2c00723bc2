/**
 * cumprod's gradient against PyTorch's cumprod_backward (test/fixtures/wrong_values_torch.json)
 * and finite differences: rows without zeros, with one zero, two zeros, a zero first or last,
 * all zeros, along either dim of 2-D and the middle dim of 3-D inputs; a case where large
 * early products and small later ones made the old total-minus-prefix formula lose small
 * gradients to cancellation (now relative precision, float64 and float32); gradcheck and
 * gradgradcheck in float64 with and without zeros.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, tensor, type Tensor } from "../../src/index.js";
import { WV, assertValues, decAll, fromEnc, type Enc } from "../fixtures/wrong_values.js";
import { randomTensor } from "../helpers.js";

interface CpCase {
  name: string;
  dim: number;
  x: Enc;
  g: Enc;
  y: Enc;
  grad: Enc;
}

for (const c of WV.cumprod as CpCase[]) {
  test(`cumprod and its gradient match PyTorch: ${c.name}`, () => {
    const x = fromEnc(c.x).requiresGrad_(true);
    const y = x.cumprod(c.dim);
    const f32 = x.dtype === "float32";
    assertValues(y, decAll(c.y.v), { rtol: f32 ? 1e-6 : 1e-14, msg: "values" });
    y.backward(fromEnc(c.g));
    // every gradient to its own relative precision, however small (no absolute slack)
    assertValues(x.grad!, decAll(c.grad.v), { rtol: f32 ? 2e-6 : 1e-12, atol: 0, msg: "gradient" });
  });
}

test("the cancellation case: the smallest gradients keep their relative precision", () => {
  const c = (WV.cumprod as CpCase[]).find((k) => k.name === "cancellation")!;
  const grad = decAll(c.grad.v);
  // the gradients span many orders of magnitude: a total-minus-prefix sum would cancel the small ones away
  assert.ok(Math.max(...grad.map(Math.abs)) / Math.min(...grad.map(Math.abs)) > 1e12);
});

test("cumprod passes gradcheck in float64 with and without zeros, along every dim", () => {
  const x = randomTensor([3, 5, 4], { seed: 5, lo: -1.5, hi: 1.5 });
  const d = x.toTypedArray();
  for (const k of [0, 7, 8, 13, 31, 40, 44, 59]) d[k] = 0;
  for (const input of [randomTensor([3, 5, 4], { seed: 6, lo: 0.5, hi: 1.5 }), x]) {
    for (const dim of [0, 1, 2, -1]) {
      const t = input.clone().requiresGrad_(true);
      assert.ok(autograd.gradcheck((a: Tensor) => a.cumprod(dim), [t]), `dim ${dim}`);
    }
  }
  const z = tensor([0, 0, 2, 0, 3], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a: Tensor) => a.cumprod(0), [z]));
});

test("cumprod's gradient is differentiable again (gradgradcheck), with and without zeros", () => {
  const a = tensor([[0.5, 2, -1.3, 3], [1.2, 0.7, 0.9, -2]], { dtype: "float64", requiresGrad: true });
  const b = tensor([[0.5, 0, -1.3, 3], [0, 0.7, 0, -2]], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradgradcheck((t: Tensor) => t.cumprod(1), [a]));
  assert.ok(autograd.gradgradcheck((t: Tensor) => t.cumprod(1), [b]));
});

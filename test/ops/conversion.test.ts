/** dtype/device conversions: values, dtypes, identity when nothing changes, gradients through float casts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, DeviceError, autograd, tensor } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

test("float/double/int/bool/half/bfloat16 convert values like PyTorch", () => {
  const x = tensor([1.7, -2.5, 0, 3]);
  assert.equal(x.double().dtype, "float64");
  assertClose(x.double(), [1.7, -2.5, 0, 3]);
  assert.deepEqual(x.int().tolist(), [1, -2, 0, 3], "float -> int truncates toward zero");
  assert.equal(x.int().dtype, "int32");
  assert.deepEqual(x.bool().tolist(), [true, true, false, true]);
  assert.equal(x.half().dtype, "float16");
  assert.deepEqual(x.half().tolist(), [1.7001953125, -2.5, 0, 3]);
  assert.equal(x.bfloat16().dtype, "bfloat16");
  assert.deepEqual(x.bfloat16().tolist(), [1.703125, -2.5, 0, 3]);
  assert.deepEqual(tensor([true, false]).float().tolist(), [1, 0]);
  assert.deepEqual(tensor([3, -4], { dtype: "int32" }).double().tolist(), [3, -4]);
  assert.equal(tensor([1], { dtype: "float64" }).float().dtype, "float32");
});

test("to() accepts a dtype, a device, an options object or another tensor", () => {
  const x = tensor([1, 2]);
  assert.equal(x.to("float64").dtype, "float64");
  assert.equal(x.to({ dtype: "int32" }).dtype, "int32");
  assert.equal(x.to(tensor([1], { dtype: "bfloat16" })).dtype, "bfloat16");
  assert.equal(x.type("float16").dtype, "float16");
  assert.equal(x.to("cpu"), x);
  assert.equal(x.cpu(), x);
  assert.equal(x.to({ dtype: "float32", device: "cpu" }), x, "no change: the same tensor");
  assert.equal(x.float(), x);
  const c = x.to({ dtype: "float32", copy: true });
  assert.notEqual(c, x);
  assert.notEqual(c.storage, x.storage);
  assert.deepEqual(c.tolist(), [1, 2]);
  assert.throws(() => x.to({ dtype: "float128" as never }), (e: Error) => e instanceof DTypeError && /unknown dtype "float128"/.test(e.message));
  assert.throws(() => x.to("tpu"), DeviceError);
});

test("a cast copies: writing the result leaves the source alone", () => {
  const x = tensor([1, 2]);
  const d = x.double();
  d.add_(1);
  assert.deepEqual(x.tolist(), [1, 2]);
});

test("gradients flow through float casts and come back in the source dtype", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.double();
  assert.equal(y.gradFn!.name, "ToCopyBackward0");
  y.mul(y).sum().backward();
  assert.equal(x.grad!.dtype, "float32");
  assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
  const h = tensor([0.5, 1.5], { requiresGrad: true });
  h.half().mul(4).float().sum().backward();
  assert.deepEqual(h.grad!.tolist(), [4, 4]);
  const b = tensor([1, 2], { requiresGrad: true, dtype: "float64" });
  b.bfloat16().sum().backward();
  assert.equal(b.grad!.dtype, "float64");
  assert.deepEqual(b.grad!.tolist(), [1, 1]);
});

test("casts to integer or bool are not differentiable", () => {
  const x = tensor([1.5, 2.5], { requiresGrad: true });
  for (const r of [x.int(), x.bool(), x.to("int32")]) {
    assert.equal(r.requiresGrad, false);
    assert.equal(r.gradFn, null);
  }
  // a float result computed from an integer cast has no path back
  assert.equal(x.int().float().requiresGrad, false);
});

test("float casts pass gradcheck and gradgradcheck", () => {
  const x = randomTensor([2, 3], { seed: 41, requiresGrad: true });
  assert.equal(autograd.gradcheck((t) => t.float().double().mul(t), [x], { atol: 1e-4, rtol: 1e-3, eps: 1e-3 }), true);
  assert.equal(autograd.gradgradcheck((t) => t.to("float64").pow(3), [x]), true);
});

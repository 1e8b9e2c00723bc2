/**
 * Memory formats (channelsLast: the same [N, C, H, W] tensor with NHWC strides; isContiguous
 * per format; to() and Module.to() with memoryFormat) and asStrided (a view of the storage
 * with any sizes/strides/offset; its gradient sums per storage position). Values and
 * gradients are PyTorch 1.13's for the same calls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { ArgumentError, FluxionError, ShapeError, arange, nn, randn, tensor, zeros } from "../../src/index.js";

test("contiguous({ memoryFormat: channelsLast }) keeps shape and values with NHWC strides, differentiably", () => {
  const x = randn([2, 3, 4, 5], { requiresGrad: true });
  const y = x.contiguous({ memoryFormat: torch.channelsLast });
  assert.deepEqual([y.shape, y.stride()], [[2, 3, 4, 5], [60, 1, 15, 3]]);
  assert.equal(torch.equal(x, y), true);
  assert.deepEqual([y.isContiguous(), y.isContiguous({ memoryFormat: "channelsLast" }), y.isContiguous(torch.channelsLast)], [false, true, true]);
  assert.equal(x.isContiguous(torch.channelsLast), false);
  assert.equal(y.contiguous({ memoryFormat: torch.channelsLast }), y); // already in the format: itself
  y.mul(2).sum().backward();
  assert.equal(x.grad!.eq(2).all().item(), true);
  // size-1 dims may have any stride (PyTorch's rule): [N, 1, H, W] is both formats at once
  assert.equal(zeros([2, 1, 3, 3]).isContiguous(torch.channelsLast), true);
  const v = randn([1, 2, 2, 3, 3]).contiguous({ memoryFormat: torch.channelsLast3d });
  assert.deepEqual(v.stride(), [36, 1, 18, 6, 2]);
});

test("to({ memoryFormat }) and Module.to({ memoryFormat }) lay out 4-D tensors; results do not change", () => {
  const x = randn([2, 3, 6, 6]);
  assert.deepEqual(x.to({ memoryFormat: torch.channelsLast }).stride(), [108, 1, 18, 3]);
  assert.deepEqual(x.to("float64", { memoryFormat: torch.channelsLast }).stride(), [108, 1, 18, 3]);
  assert.equal(x.to({ memoryFormat: torch.preserveFormat }), x);
  const conv = new nn.Conv2d(3, 4, 3);
  const ref = new nn.Conv2d(3, 4, 3);
  ref.loadStateDict(conv.stateDict());
  conv.to({ memoryFormat: torch.channelsLast });
  assert.deepEqual([conv.weight.stride(), conv.bias!.stride()], [[27, 1, 9, 3], [1]]);
  assert.ok(conv.weight instanceof nn.Parameter && conv.weight.requiresGrad);
  const out = conv.forward(x.contiguous({ memoryFormat: torch.channelsLast }));
  assert.ok(torch.allclose(out, ref.forward(x), 1e-5, 1e-6));
});

test("memory formats: bad names and ranks are refused", () => {
  assert.throws(() => zeros([2, 3]).contiguous({ memoryFormat: torch.channelsLast }), (e: Error) => e instanceof ShapeError && /required rank 4 tensor to use channels_last format/.test(e.message));
  assert.throws(() => zeros([2, 3, 4, 5]).contiguous({ memoryFormat: torch.channelsLast3d }), /required rank 5 tensor/);
  assert.throws(() => zeros([2]).isContiguous("nhwc" as never), (e: Error) => e instanceof ArgumentError && /memoryFormat must be one of/.test(e.message));
  assert.throws(() => zeros([2, 3, 4, 5]).contiguous({ memoryFormat: torch.preserveFormat }), ArgumentError);
  assert.throws(() => new nn.Linear(2, 2).to({ memoryFormat: "fast" as never }), ArgumentError);
});

test("asStrided: views of the storage (sliding windows), the gradient summed per storage position", () => {
  const x = arange(10, { dtype: "float64" }).requiresGrad_(true);
  const w = x.asStrided([4, 3], [2, 1]);
  assert.deepEqual(w.tolist(), [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8]]);
  assert.equal(w.storage, x.storage);
  w.mul(arange(12, { dtype: "float64" }).reshape(4, 3)).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 1, 5, 4, 11, 7, 17, 10, 11, 0]); // PyTorch 1.13
  assert.deepEqual(torch.asStrided(arange(6), [2], [3], 1).tolist(), [1, 4]);
  const y = randn([3, 4], { dtype: "float64", requiresGrad: true });
  assert.equal(torch.autograd.gradcheck((t: torch.Tensor) => torch.asStrided(t, [2, 2], [1, 3], 1), [y]), true);
  assert.equal(torch.autograd.gradcheck((t: torch.Tensor) => t.t().asStrided([3, 2], [2, 1]), [y]), true);
  assert.equal(torch.autograd.gradgradcheck((t: torch.Tensor) => t.asStrided([2, 3], [3, 1]).pow(2), [y]), true);
});

test("asStrided refuses layouts outside the storage, negative strides and mismatched lengths", () => {
  const x = arange(10, { dtype: "float64" });
  assert.throws(() => x.asStrided([20], [1]), (e: Error) => e instanceof ShapeError && e.message.includes("requiring a storage size of 160 are out of bounds for storage of size 80"));
  assert.throws(() => x.asStrided([2], [-1]), /Negative strides are not supported/);
  assert.throws(() => x.asStrided([2, 2], [1]), /mismatch in length of strides and shape/);
  assert.throws(() => x.asStrided([2], [1], -1), /invalid storage offset -1/);
});

test("layout predicates and the internal constructor's clear error", () => {
  const t = tensor([1, 2]);
  assert.deepEqual([t.layout, t.isSparse, t.isQuantized, t.isMeta], ["strided", false, false, false]);
  assert.throws(() => new (torch.Tensor as unknown as new (d: number[]) => unknown)([1, 2]), (e: Error) => e instanceof FluxionError && /internal constructor; make tensors with tensor\(data\)/.test(e.message));
});

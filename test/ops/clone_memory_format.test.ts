/**
 * clone() and clone({ memoryFormat }) lay the copy out as PyTorch 1.13's clone does (strides
 * checked against it by hand): preserveFormat (the default) keeps a dense tensor's strides
 * exactly (channels-last, transposed, permuted, size-1 dims' odd strides), gives a non-dense one
 * the layout its strides suggest (a sliced channels-last tensor clones to channels-last, an
 * expanded or sliced row-major one to row-major); contiguousFormat and channelsLast force one.
 * Values and gradients are those of the input whatever the layout.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ShapeError, ArgumentError, randn, slice, type Tensor } from "../../src/index.js";

const cl = { memoryFormat: "channelsLast" } as const;
const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.tolist(), b.tolist());

test("preserveFormat keeps a dense tensor's strides exactly, as PyTorch", () => {
  const x = randn([2, 3, 4, 5]).contiguous(cl);
  for (const c of [x.clone(), x.clone({ memoryFormat: "preserveFormat" }), fx.clone(x)]) {
    assert.deepEqual(c.strides, [60, 1, 15, 3]);
    assert.ok(c.isContiguous({ memoryFormat: "channelsLast" }));
    same(c, x);
  }
  assert.deepEqual(randn([3, 4]).t().clone().strides, [1, 4]);
  const p = randn([2, 3, 4, 5]).permute([0, 2, 3, 1]);
  assert.deepEqual(p.clone().strides, [60, 5, 1, 20]);
  same(p.clone(), p);
  // size-1 dims keep their strides too: torch gives (15, 1, 15, 3) for [2, 3, 1, 5] channels-last
  assert.deepEqual(randn([2, 3, 1, 5]).contiguous(cl).clone().strides, [15, 1, 15, 3]);
  assert.deepEqual(randn([1, 3, 1, 1]).contiguous(cl).clone().strides, [3, 1, 1, 1]);
  const f = randn([2, 3, 4, 5, 6]).contiguous({ memoryFormat: "channelsLast3d" });
  assert.deepEqual(f.clone().strides, [360, 1, 90, 18, 3]);
});

test("preserveFormat gives a non-dense tensor the layout its strides suggest (suggest_memory_format)", () => {
  const s = randn([2, 3, 4, 5]).contiguous(cl).index(slice(), slice(), slice(null, null, 2));
  assert.deepEqual([s.strides, s.clone().strides], [[60, 1, 30, 3], [30, 1, 15, 3]]);
  same(s.clone(), s);
  assert.deepEqual(randn([2, 3, 4, 5]).index(slice(), slice(), slice(null, null, 2)).clone().strides, [30, 10, 5, 1]);
  assert.deepEqual(randn([2, 1, 4, 5]).expand([2, 3, 4, 5]).clone().strides, [60, 20, 5, 1]);
  assert.deepEqual(randn([4, 5]).narrow(1, 1, 2).clone().strides, [2, 1]);
  const f = randn([2, 3, 4, 5, 6]).contiguous({ memoryFormat: "channelsLast3d" }).index(slice(), slice(), slice(null, null, 2));
  assert.deepEqual(f.clone().strides, [180, 1, 90, 18, 3]);
});

test("contiguousFormat and channelsLast force a layout; bad formats and ranks are refused", () => {
  const x = randn([2, 3, 4, 5]).contiguous(cl);
  const c = x.clone({ memoryFormat: "contiguousFormat" });
  assert.deepEqual(c.strides, [60, 20, 5, 1]);
  same(c, x);
  const y = randn([2, 3, 4, 5]);
  const z = y.clone(cl);
  assert.deepEqual(z.strides, [60, 1, 15, 3]);
  same(z, y);
  assert.notEqual(y.clone({ memoryFormat: "contiguousFormat" }).storage, y.storage);
  assert.notEqual(x.clone(cl).storage, x.storage); // a copy even when already in the format
  assert.throws(() => randn([2, 3]).clone(cl), (e: unknown) => e instanceof ShapeError && /required rank 4 tensor to use channels_last format/.test(e.message));
  assert.throws(() => y.clone({ memoryFormat: "nhwc" as never }), ArgumentError);
  // contiguous() still gives row-major
  assert.deepEqual(x.contiguous().strides, [60, 20, 5, 1]);
});

test("the gradient of a clone in any layout is the output's gradient", () => {
  const x = randn([2, 3, 4, 5], { requiresGrad: true });
  x.contiguous(cl).clone().mul(2).sum().backward();
  assert.equal(x.grad!.sum().item(), 240);
  assert.ok(x.grad!.isContiguous());
  const w = randn([3, 4], { requiresGrad: true });
  w.t().clone().mul(3).sum().backward();
  assert.equal(w.grad!.sum().item(), 36);
});

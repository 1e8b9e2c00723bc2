/**
 * The padding modules (ConstantPad1d/2d/3d, ZeroPad1d/2d/3d, ReflectionPad*, ReplicationPad*),
 * PixelShuffle/PixelUnshuffle (and F.pixelShuffle/pixelUnshuffle) and Softmax2d against
 * PyTorch 1.13: values, gradients, prints and errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arange, nn, ShapeError, tensor } from "../../src/index.js";
import { assertClose, assertShape } from "../helpers.js";

const F = nn.F;

test("padding modules pad as F.pad with their mode and print as PyTorch", () => {
  const x = arange(12, { dtype: "float32" }).reshape(1, 1, 3, 4);
  // nn.ReflectionPad2d((1, 2, 0, 1))(torch.arange(12.).reshape(1, 1, 3, 4))
  assertClose(new nn.ReflectionPad2d([1, 2, 0, 1])(x), [[[[1, 0, 1, 2, 3, 2, 1], [5, 4, 5, 6, 7, 6, 5], [9, 8, 9, 10, 11, 10, 9], [5, 4, 5, 6, 7, 6, 5]]]]);
  // nn.ReplicationPad2d((1, 0, 1, 0))(...)
  assertClose(new nn.ReplicationPad2d([1, 0, 1, 0])(x), [[[[0, 0, 1, 2, 3], [0, 0, 1, 2, 3], [4, 4, 5, 6, 7], [8, 8, 9, 10, 11]]]]);
  assertClose(new nn.ConstantPad1d([1, 0], 3.5)(x.index(0, 0, 0)), [3.5, 0, 1, 2, 3]);
  assertShape(new nn.ZeroPad2d([1, 0, 0, 1])(x.index(0)), [1, 4, 5]);
  // nn.ZeroPad1d((2, 0))(torch.arange(12.).reshape(1, 1, 3, 4)[0, 0]) (PyTorch 2.1): a causal left pad
  assertClose(new nn.ZeroPad1d([2, 0])(x.index(0, 0)), [[0, 0, 0, 1, 2, 3], [0, 0, 4, 5, 6, 7], [0, 0, 8, 9, 10, 11]]);
  assertShape(new nn.ZeroPad3d([1, 0, 0, 2, 1, 1])(x), [1, 3, 5, 5]);
  assertClose(new nn.ZeroPad3d(1)(x).sum(), 66);
  assertShape(new nn.ReflectionPad1d(2)(x.index(0)), [1, 3, 8]);
  assertShape(new nn.ReplicationPad3d(1)(x), [1, 3, 5, 6]);
  assertShape(new nn.ConstantPad3d([1, 1, 0, 0, 2, 0], 0)(x), [1, 3, 3, 6]);
  const g = arange(12, { dtype: "float32" }).reshape(1, 1, 3, 4).requiresGrad_(true);
  new nn.ReflectionPad2d(1)(g).sum().backward();
  // nn.ReflectionPad2d(1)(g).sum().backward(); g.grad
  assertClose(g.grad!, [[[[1, 2, 2, 1], [3, 6, 6, 3], [1, 2, 2, 1]]]]);
  const prints: [nn.Module, string][] = [
    [new nn.ZeroPad2d(2), "ZeroPad2d((2, 2, 2, 2))"],
    [new nn.ZeroPad2d([1, 2, 0, 3]), "ZeroPad2d((1, 2, 0, 3))"],
    [new nn.ZeroPad1d(3), "ZeroPad1d((3, 3))"],
    [new nn.ZeroPad3d([1, 0, 0, 1, 2, 2]), "ZeroPad3d((1, 0, 0, 1, 2, 2))"],
    [new nn.ConstantPad1d(2, 3.5), "ConstantPad1d(padding=(2, 2), value=3.5)"],
    [new nn.ConstantPad2d([1, 0, 2, 1], -1), "ConstantPad2d(padding=(1, 0, 2, 1), value=-1)"],
    [new nn.ConstantPad3d(1, 0), "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=0)"],
    [new nn.ReflectionPad1d([1, 2]), "ReflectionPad1d((1, 2))"],
    [new nn.ReflectionPad2d(1), "ReflectionPad2d((1, 1, 1, 1))"],
    [new nn.ReflectionPad3d(1), "ReflectionPad3d((1, 1, 1, 1, 1, 1))"],
    [new nn.ReplicationPad1d(3), "ReplicationPad1d((3, 3))"],
    [new nn.ReplicationPad2d([1, 1, 2, 0]), "ReplicationPad2d((1, 1, 2, 0))"],
    [new nn.ReplicationPad3d(2), "ReplicationPad3d((2, 2, 2, 2, 2, 2))"],
  ];
  for (const [m, s] of prints) assert.equal(String(m), s);
  assert.throws(() => new nn.ZeroPad2d([1, 2] as never), /ZeroPad2d\(\): argument 'padding' \(position 1\) must be int\[4\]/);
  assert.throws(() => new nn.ZeroPad2d(1)(arange(5)), ShapeError);
  assert.throws(() => new nn.ZeroPad1d([1, 2, 3] as never), /ZeroPad1d\(\): argument 'padding' \(position 1\) must be int\[2\]/);
  assert.throws(() => new nn.ZeroPad3d(1)(arange(5)), ShapeError);
});

test("pixelShuffle and pixelUnshuffle rearrange channels into pixels as PyTorch", () => {
  const x = arange(2 * 8 * 2 * 3, { dtype: "float32" }).reshape(2, 8, 2, 3);
  // F.pixel_shuffle(torch.arange(96.).reshape(2, 8, 2, 3), 2)[1, 0]
  const y = F.pixelShuffle(x, 2);
  assertShape(y, [2, 2, 4, 6]);
  assertClose(y.index(1, 0), [[48, 54, 49, 55, 50, 56], [60, 66, 61, 67, 62, 68], [51, 57, 52, 58, 53, 59], [63, 69, 64, 70, 65, 71]]);
  assertClose(F.pixelUnshuffle(y, 2), x);
  // F.pixel_unshuffle(torch.arange(96.).reshape(2, 2, 4, 6), 2)[1, 3]
  assertClose(F.pixelUnshuffle(arange(96, { dtype: "float32" }).reshape(2, 2, 4, 6), 2).index(1, 3), [[55, 57, 59], [67, 69, 71]]);
  assertShape(new nn.PixelShuffle(3)(arange(9 * 4, { dtype: "float32" }).reshape(9, 2, 2)), [1, 6, 6]);
  assertShape(new nn.PixelUnshuffle(2)(arange(32, { dtype: "float32" }).reshape(1, 1, 2, 4, 4)), [1, 1, 8, 2, 2]);
  const g = arange(16, { dtype: "float32" }).reshape(1, 4, 2, 2).requiresGrad_(true);
  F.pixelShuffle(g, 2).mul(arange(16, { dtype: "float32" }).reshape(1, 1, 4, 4)).sum().backward();
  assertClose(g.grad!, F.pixelUnshuffle(arange(16, { dtype: "float32" }).reshape(1, 1, 4, 4), 2));
  assert.equal(String(new nn.PixelShuffle(3)), "PixelShuffle(upscale_factor=3)");
  assert.equal(String(new nn.PixelUnshuffle(2)), "PixelUnshuffle(downscale_factor=2)");
  assert.throws(() => F.pixelShuffle(arange(12).reshape(3, 4), 2), /pixelShuffle: expects input to have at least 3 dimensions, but got input with 2 dimension\(s\)/);
  assert.throws(() => F.pixelShuffle(arange(20).reshape(1, 5, 2, 2), 2), /input.size\(-3\)=5 is not divisible by 4/);
  assert.throws(() => F.pixelUnshuffle(arange(12).reshape(1, 1, 3, 4), 2), /expects height to be divisible by downscaleFactor, but input.size\(-2\)=3 is not divisible by 2/);
});

test("Softmax2d is a softmax over the channel dim of 3-D and 4-D inputs", () => {
  const x = tensor([[[[1, 2]], [[3, 0]]]]);
  // nn.Softmax2d()(torch.tensor([[[[1., 2.]], [[3., 0.]]]]))
  assertClose(new nn.Softmax2d()(x), [[[[0.11920291930437088, 0.8807970285415649]], [[0.8807970285415649, 0.11920291930437088]]]], { rtol: 1e-6 });
  assertShape(new nn.Softmax2d()(x.index(0)), [2, 1, 2]);
  assert.equal(String(new nn.Softmax2d()), "Softmax2d()");
  assert.throws(() => new nn.Softmax2d()(tensor([[1, 2]])), /Softmax2d: requires a 3D or 4D tensor as input, got shape \[1, 2\]/);
});

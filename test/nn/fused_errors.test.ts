/**
 * The errors of the ops that run as fused primitives (softmax, logSoftmax, F.crossEntropy,
 * F.layerNorm, F.batchNorm, F.groupNorm and their modules): bad input is refused by the op
 * with its class and a message naming the op, the parameter and the shapes/dtypes, before
 * any primitive runs — the errors the composed versions gave, in PyTorch's order of checks
 * (batch norm's "more than 1 value per channel" before the dtype, as F.batch_norm). Running
 * statistics are left as they were when a call fails (num_batches_tracked is counted before
 * the call, as in PyTorch's module).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, FluxionError, IndexError, ShapeError, ArgumentError, nn, tensor, type Tensor } from "../../src/index.js";
import { randomTensor } from "../helpers.js";

const F = nn.F;
const r = (shape: number[], seed: number) => randomTensor(shape, { seed, dtype: "float32" });
const i64 = (v: number[]) => tensor(v, { dtype: "int64" });

function fails(fn: () => unknown, cls: new (...a: never[]) => Error, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), `${cls.name} ${re}`);
}

test("crossEntropy: bad targets, weights, options", () => {
  const x = r([4, 3], 1), t = i64([0, 1, 2, 1]);
  fails(() => F.crossEntropy(x, i64([0, 3, 1, 1])), IndexError, /^crossEntropy: target 3 is out of bounds for 3 classes \(input shape \[4, 3\]\); labels must be in \[0, 2\]$/);
  fails(() => F.crossEntropy(x, i64([0, -5, 1, 1])), IndexError, /crossEntropy: target -5 is out of bounds for 3 classes/);
  // an out-of-range target among ignored ones, on [N, C, d]
  fails(() => F.crossEntropy(r([2, 3, 2], 2), tensor([[0, -100], [7, 1]], { dtype: "int32" })), IndexError, /crossEntropy: target 7 is out of bounds for 3 classes \(input shape \[2, 3, 2\]\)/);
  fails(() => F.crossEntropy(x, i64([0, 1])), ShapeError, /crossEntropy: expected target of shape \[4\] for input of shape \[4, 3\] \(class indices\), got \[2\]/);
  fails(() => F.crossEntropy(r([2, 3, 4], 3), tensor([[0, 1, 2]], { dtype: "int64" })), ShapeError, /crossEntropy: expected target of shape \[2, 4\] for input of shape \[2, 3, 4\]/);
  fails(() => F.crossEntropy(x, r([4, 2], 4)), ShapeError, /crossEntropy: target shape \[4, 2\] must match input shape \[4, 3\]/);
  fails(() => F.crossEntropy(x, t, { weight: r([4], 5) }), ShapeError, /crossEntropy: weight must be a 1-D tensor of size 3 \(number of classes\), got shape \[4\]/);
  fails(() => F.crossEntropy(x, tensor([0, 1, 2, 1], { dtype: "uint8" })), DTypeError, /crossEntropy: expected target of class indices with dtype int64 or int32, got uint8/);
  fails(() => F.crossEntropy(x, t, { labelSmoothing: 2 }), FluxionError, /crossEntropy: labelSmoothing must be between 0.0 and 1.0, got 2/);
  fails(() => F.crossEntropy(x, t, { reduction: "avg" as never }), ArgumentError, /reduction/);
  fails(() => F.crossEntropy(tensor(1.0), i64([0]).reshape([])), ShapeError, /crossEntropy: input must have at least 1 dimension \(classes\), got a 0-d tensor/);
});

test("softmax and logSoftmax: dims out of range", () => {
  const x = r([4, 3], 6);
  fails(() => x.softmax(2), IndexError, /^softmax: dimension 2 out of range \(expected to be in range of \[-2, 1\]\) for a tensor of 2 dims$/);
  fails(() => x.logSoftmax(-3), IndexError, /^logSoftmax: dimension -3 out of range/);
  fails(() => F.softmax(x, 5), IndexError, /softmax: dimension 5 out of range/);
});

test("layerNorm, batchNorm, groupNorm and their modules: shapes, dtypes, missing statistics", () => {
  const x = r([4, 3], 7);
  fails(() => F.layerNorm(x, [4]), ShapeError, /layerNorm: Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size \[4, 3\]/);
  fails(() => F.layerNorm(x, [3], r([4], 8)), ShapeError, /layerNorm: expected weight of shape \[3\], got \[4\]/);
  fails(() => F.layerNorm(tensor([[1, 2]], { dtype: "int32" }), [2]), DTypeError, /layerNorm: expected a floating point input, got int32/);
  fails(() => F.batchNorm(r([4], 9), null, null, null, null, { training: true }), ShapeError, /batchNorm: expected an input of at least 2 dims \[N, C, \*\], got shape \[4\]/);
  fails(() => F.batchNorm(x, null, null, r([4], 10), null, { training: true }), ShapeError, /batchNorm: expected weight of shape \[3\], got \[4\]/);
  fails(() => F.batchNorm(x, null, null), FluxionError, /batchNorm: running_mean and running_var must be given when training is false/);
  fails(() => F.batchNorm(r([1, 3], 11), null, null, null, null, { training: true }), ShapeError, /batchNorm: Expected more than 1 value per channel when training, got input size \[1, 3\]/);
  // PyTorch's order: the size check first, then the dtype
  fails(() => F.batchNorm(tensor([[1, 2]], { dtype: "int32" }), null, null, null, null, { training: true }), ShapeError, /Expected more than 1 value per channel/);
  fails(() => F.batchNorm(tensor([[1, 2], [3, 4]], { dtype: "int32" }), null, null, null, null, { training: true }), DTypeError, /batchNorm: expected a floating point input, got int32 \(shape \[2, 2\]\)/);
  fails(() => F.groupNorm(r([2, 6, 3], 12), 4), ShapeError, /groupNorm: Expected number of channels in input to be divisible by num_groups, but got input of shape \[2, 6, 3\] and num_groups=4/);
  fails(() => F.groupNorm(r([6], 13), 3), ShapeError, /groupNorm: expected an input of at least 2 dims/);
  fails(() => new nn.BatchNorm2d(3).call(r([2, 3, 4], 14)), ShapeError, /BatchNorm2d: expected 4D input \(got 3D input, shape \[2, 3, 4\]\)/);
  fails(() => new nn.LayerNorm(5).call(r([2, 4], 15)), ShapeError, /LayerNorm: layerNorm: Given normalized_shape=\[5\]/);
});

test("a failing batch norm call leaves the running statistics as they were", () => {
  const bn = new nn.BatchNorm1d(3);
  bn.train();
  const before = [bn.running_mean, bn.running_var].map((t) => Array.from((t as Tensor).toTypedArray()));
  fails(() => bn.call(r([1, 3], 16)), ShapeError, /Expected more than 1 value per channel/);
  fails(() => bn.call(r([4, 5], 17)), FluxionError, /3|5/);
  assert.deepEqual([bn.running_mean, bn.running_var].map((t) => Array.from((t as Tensor).toTypedArray())), before);
});

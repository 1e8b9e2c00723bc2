// Primitives called straight through `dispatch` with attributes and shapes that disagree
// (a conv2d whose weight does not fit its image, a max pooling whose output size runs past
// the input, a view past its storage, gather/scatter/matmul/reduce with bad axes, shapes or
// index dtypes) are FluxionErrors naming the primitive, checked before any kernel reads or
// writes. The native bindings check again on their own (called here through the typed
// wrappers with inconsistent sizes, NaN, fractions and overflowing products). The file runs
// a second time under FLUXION_NATIVE=0, so the TypeScript kernels are covered too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { FluxionError, Generator, Tensor, dispatch, dispatchAll, nn, tensor, zeros } from "../../src/index.js";
import {
  nativeConv2d, nativeElementwise, nativeFold, nativeGemm, nativeMaxPool, nativeReduce, nativeScatter, nativeStatus, nativeUnfold,
  type ConvGeometry,
} from "../../src/backend/cpu/native.js";
import { conv2dReference, maxPoolReference } from "../../src/backend/cpu/conv.js";
import { assertClose, randomTensor } from "../helpers.js";

const fails = (f: () => unknown, op: string, re?: RegExp) =>
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof FluxionError, `expected a FluxionError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.ok(e.message.startsWith(`${op}`), `message should name ${op}: ${e.message}`);
    if (re) assert.match(e.message, re);
    return true;
  });

const x4 = () => randomTensor([1, 2, 5, 5], { dtype: "float32", seed: 3 });
const win = { kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1] } as const;

test("conv2d: a weight, gradient or input size that does not fit the image is refused before the kernel runs", () => {
  const x = x4(), w = randomTensor([4, 2, 3, 3], { dtype: "float32", seed: 4 });
  // a consistent call works and matches the reference
  const y = dispatch("conv2d", [x, w], { pass: "forward", ...win });
  assert.deepEqual(y.shape, [1, 4, 3, 3]);
  assertClose(y, conv2dReference([x, w], { pass: "forward", ...win }, "cpu")[0]!);
  // the weight's channels or kernel disagree with x and the attributes
  fails(() => dispatch("conv2d", [x, randomTensor([4, 3, 3, 3], { dtype: "float32" })], { pass: "forward", ...win }), "conv2d", /weight of shape \[4, 3, 3, 3\] does not fit input \[1, 2, 5, 5\]/);
  fails(() => dispatch("conv2d", [x, w], { pass: "forward", ...win, kernel: [5, 5] }), "conv2d", /expected \[O, 2, 5, 5\]/);
  // the same through a weight that is a view into a larger storage (the buffer would be long enough)
  const big = randomTensor([4, 2, 5, 5], { dtype: "float32" });
  const wView = big.narrow(2, 0, 3).narrow(3, 0, 3);
  fails(() => dispatch("conv2d", [x, wView], { pass: "forward", ...win, kernel: [5, 5] }), "conv2d");
  // a kernel larger than the padded image; bias of the wrong length; bad window attributes
  fails(() => dispatch("conv2d", [x, randomTensor([4, 2, 7, 7], { dtype: "float32" })], { pass: "forward", ...win, kernel: [7, 7] }), "conv2d", /larger than the padded input/);
  fails(() => dispatch("conv2d", [x, w, zeros([3])], { pass: "forward", ...win }), "conv2d", /bias must be 1-D of length 4/);
  for (const bad of [{ stride: [0, 1] }, { padding: [-1, 0] }, { dilation: [1.5, 1] }, { kernel: [NaN, 3] }, { stride: [1] }]) {
    fails(() => dispatch("conv2d", [x, w], { pass: "forward", ...win, ...bad } as never), "conv2d");
  }
  // the input pass: dy must be what the forward over inputSize gives
  const dy = randomTensor([1, 4, 3, 3], { dtype: "float32" });
  assert.deepEqual(dispatch("conv2d", [dy, w], { pass: "input", ...win, inputSize: [5, 5] }).shape, [1, 2, 5, 5]);
  fails(() => dispatch("conv2d", [dy, w], { pass: "input", ...win, inputSize: [9, 9] }), "conv2d", /expected \[N, 4, 7, 7\]/);
  fails(() => dispatch("conv2d", [dy, w], { pass: "input", ...win } as never), "conv2d", /inputSize/);
  // the weight pass: dy must match the output of x
  fails(() => dispatchAll("conv2d", [x, randomTensor([1, 4, 2, 2], { dtype: "float32" })], { pass: "weight", ...win }), "conv2d", /expected \[1, O, 3, 3\]/);
  fails(() => dispatch("conv2d", [x, w], { pass: "sideways", ...win } as never), "conv2d", /unknown pass/);
  // a pooling window larger than the convolution's output
  fails(() => dispatch("conv2d", [x, w], { pass: "forward", ...win, pool: { kernel: [4, 4], stride: [1, 1] } }), "conv2d (pool)");
  // mixed dtypes, wrong rank
  fails(() => dispatch("conv2d", [x.double(), w], { pass: "forward", ...win }), "conv2d", /one dtype/);
  fails(() => dispatch("conv2d", [x.reshape([2, 5, 5]), w], { pass: "forward", ...win }), "conv2d", /4-D/);
});

test("maxPool: an output size past the input (the windows would read past it) is refused; floor and ceil sizes work", () => {
  const x = x4();
  const attrs = { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] } as const;
  const [v, i] = dispatchAll("maxPool", [x], { ...attrs, outputSize: [2, 2] }) as [Tensor, Tensor];
  const [rv, ri] = maxPoolReference([x], { ...attrs, outputSize: [2, 2] }, "cpu") as [Tensor, Tensor];
  assertClose(v, rv);
  assert.deepEqual(i.tolist(), ri.tolist());
  // ceil mode's extra window (it starts inside the input) is valid too
  assert.deepEqual(dispatch("maxPool", [x], { ...attrs, outputSize: [3, 3] }).shape, [1, 2, 3, 3]);
  fails(() => dispatch("maxPool", [x], { ...attrs, outputSize: [4, 3] }), "maxPool", /height: 2 or 3/);
  fails(() => dispatch("maxPool", [x], { ...attrs, outputSize: [1000, 1000] }), "maxPool");
  fails(() => dispatch("maxPool", [x], { ...attrs, outputSize: [-1, 2] }), "maxPool");
  fails(() => dispatch("maxPool", [x], { ...attrs, kernel: [9, 9], outputSize: [1, 1] }), "maxPool", /larger than the padded input/);
  fails(() => dispatch("maxPool", [x.reshape([2, 5, 5])], { ...attrs, outputSize: [2, 2] }), "maxPool", /4-D/);
});

test("unfold and fold: kernels larger than the image, columns that do not fit the output size", () => {
  const x = x4();
  assert.deepEqual(dispatch("unfold", [x], win).shape, [1, 18, 9]);
  fails(() => dispatch("unfold", [x], { ...win, kernel: [6, 6] }), "unfold", /larger than the padded input height/);
  fails(() => dispatch("unfold", [x], { ...win, stride: [0, 0] }), "unfold");
  fails(() => dispatch("unfold", [zeros([2, 5, 5])], win), "unfold", /4-D/);
  const cols = dispatch("unfold", [x], win);
  assert.deepEqual(dispatch("fold", [cols], { outputSize: [5, 5], ...win }).shape, [1, 2, 5, 5]);
  fails(() => dispatch("fold", [cols], { outputSize: [9, 9], ...win }), "fold", /expected \[N, C·9, 49\]/);
  fails(() => dispatch("fold", [zeros([1, 17, 9])], { outputSize: [5, 5], ...win }), "fold");
});

test("gather, scatter and indexPut: axes, index dtypes and ranks are checked; out-of-range indices are IndexErrors", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const idx = tensor([[0, 2], [1, 0]], { dtype: "int32" });
  assert.deepEqual(dispatch("gather", [x, idx], { axis: 1 }).tolist(), [[1, 3], [5, 4]]);
  fails(() => dispatch("gather", [x, idx], { axis: 2 }), "gather", /axis 2 is out of range/);
  fails(() => dispatch("gather", [x, idx], { axis: -1 }), "gather");
  fails(() => dispatch("gather", [x, idx.float()], { axis: 1 }), "gather", /int32 index/);
  fails(() => dispatch("gather", [x, tensor([0, 1], { dtype: "int32" })], { axis: 0 }), "gather", /as many dims/);
  fails(() => dispatch("gather", [x, tensor([[0, 7]], { dtype: "int32" })], { axis: 1 }), "gather", /index 7 is out of bounds/);
  const src = tensor([[10, 20], [30, 40]]);
  assert.deepEqual(dispatch("scatter", [x, idx, src], { axis: 1, reduce: "none" }).tolist(), [[10, 2, 20], [40, 30, 6]]);
  fails(() => dispatch("scatter", [x, idx, src.double()], { axis: 1, reduce: "none" }), "scatter", /one dtype/);
  fails(() => dispatch("scatter", [x, idx, src], { axis: 1, reduce: "max" } as never), "scatter", /unknown reduce/);
  fails(() => dispatch("scatter", [x, tensor([[5, 0]], { dtype: "int32" }), src], { axis: 1, reduce: "add" }), "scatter", /index 5 is out of bounds/);
  // dense float32 layout: the native scatter's path
  const big = zeros([4, 64]), bigIdx = tensor(Array.from({ length: 4 }, () => Array.from({ length: 64 }, (_, j) => (j === 63 ? 64 : j))), { dtype: "int32" });
  fails(() => dispatch("scatter", [big, bigIdx, zeros([4, 64]).add(1)], { axis: 1, reduce: "add" }), "scatter", /index 64 is out of bounds/);
  fails(() => dispatch("indexPut", [zeros([3]), tensor([0.5]), tensor([1])], { accumulate: false }), "indexPut", /int32 index/);
});

test("matmul: ranks, K, batch dims, bias and dtypes must agree", () => {
  const a = randomTensor([2, 3, 4], { dtype: "float32" }), b = randomTensor([2, 4, 5], { dtype: "float32" });
  assert.deepEqual(dispatch("matmul", [a, b], {}).shape, [2, 3, 5]);
  fails(() => dispatch("matmul", [a, randomTensor([2, 3, 5], { dtype: "float32" })], {}), "matmul", /K = 4 must match 3/);
  fails(() => dispatch("matmul", [a, randomTensor([3, 4, 5], { dtype: "float32" })], {}), "matmul", /batch dims must be equal/);
  fails(() => dispatch("matmul", [a, randomTensor([4, 5], { dtype: "float32" })], {}), "matmul", /equal rank/);
  fails(() => dispatch("matmul", [randomTensor([4], { dtype: "float32" }), randomTensor([4], { dtype: "float32" })], {}), "matmul");
  fails(() => dispatch("matmul", [a, b.double()], {}), "matmul", /one dtype/);
  fails(() => dispatch("matmul", [a, b, zeros([4])], { bias: "col" }), "matmul", /col bias must be 1-D of length 5/);
  fails(() => dispatch("matmul", [a, b, zeros([5])], {}), "matmul", /attrs\.bias/);
  fails(() => dispatch("matmul", [a, b], { bias: "col" }), "matmul", /third input/);
});

test("reduce, scan, sort and cat: axes must exist and not repeat; argmax takes one axis", () => {
  const x = randomTensor([2, 3], { dtype: "float32" });
  assert.deepEqual(dispatch("reduce", [x], { op: "sum", axes: [1], keepdim: false }).shape, [2]);
  fails(() => dispatch("reduce", [x], { op: "sum", axes: [2], keepdim: false }), "reduce", /axis 2 is out of range/);
  fails(() => dispatch("reduce", [x], { op: "sum", axes: [-1], keepdim: false }), "reduce");
  fails(() => dispatch("reduce", [x], { op: "sum", axes: [1, 1], keepdim: false }), "reduce", /repeat/);
  fails(() => dispatch("reduce", [x], { op: "sum", axes: [NaN], keepdim: false }), "reduce");
  fails(() => dispatch("reduce", [x], { op: "argmax", axes: [0, 1], keepdim: false }), "reduce", /exactly one axis/);
  fails(() => dispatch("reduce", [x], { op: "mean", axes: [0], keepdim: false } as never), "reduce", /unknown op/);
  fails(() => dispatch("scan", [x], { op: "sum", axis: 5 }), "scan");
  fails(() => dispatchAll("sort", [x], { axis: 2, descending: false }), "sort");
  fails(() => dispatch("cat", [x, randomTensor([2, 4], { dtype: "float32" })], { axis: 0 }), "cat", /differ outside axis 0/);
  fails(() => dispatch("cat", [x, x], { axis: 3 }), "cat");
  fails(() => dispatch("pad", [x], { pads: [[0, 0], [-1, 0]], value: 0 }), "pad");
  fails(() => dispatch("pad", [x], { pads: [[0, 0]], value: 0 }), "pad", /one \[before, after\] pair per dim/);
});

test("view: a view that reaches outside its storage is refused; expand-style stride-0 views are fine", () => {
  const x = tensor([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(dispatch("view", [x], { shape: [2, 2], strides: [2, 1], offset: 2 }).tolist(), [[3, 4], [5, 6]]);
  assert.deepEqual(dispatch("view", [x], { shape: [1e12], strides: [0], offset: 5 }).shape, [1e12]);
  fails(() => dispatch("view", [x], { shape: [2, 2], strides: [2, 1], offset: 3 }), "view", /outside a storage of 6 elements/);
  fails(() => dispatch("view", [x], { shape: [7], strides: [1], offset: 0 }), "view");
  fails(() => dispatch("view", [x], { shape: [2], strides: [-1], offset: 0 }), "view");
  fails(() => dispatch("view", [x], { shape: [2], strides: [1], offset: -1 }), "view");
  fails(() => dispatch("view", [x], { shape: [2.5], strides: [1], offset: 0 }), "view");
  fails(() => dispatch("view", [x], { shape: [2, 2], strides: [1], offset: 0 }), "view", /strides must be 2 integers/);
  // through another dtype: 6 float32 = 3 float64
  fails(() => dispatch("view", [x], { shape: [4], strides: [1], offset: 0, dtype: "float64" }), "view", /storage of 3 elements/);
  // the TypeScript kernels never see such a tensor, so never read undefined
  const ok = dispatch("view", [x], { shape: [3], strides: [2], offset: 1 });
  assert.deepEqual(ok.add(0).tolist(), [2, 4, 6]);
});

test("in-place primitives: a broadcast (stride-0) or mismatched destination is refused and left unchanged", () => {
  const dst = zeros([3]);
  const before = dst.version;
  fails(() => dispatch("assign", [dst, tensor([1, 2])], {}), "assign", /cannot be broadcast/);
  const expanded = zeros([1]).expand([4]);
  fails(() => dispatch("assign", [expanded, tensor([1, 2, 3, 4])], {}), "assign", /several elements at one memory location/);
  fails(() => dispatch("binary", [dst, zeros([2, 3])], { op: "add", inPlace: true }), "add", /doesn't match the broadcast shape/);
  assert.deepEqual(dst.tolist(), [0, 0, 0]);
  assert.equal(dst.version, before);
});

test("inputs and attributes of the wrong kind: not tensors, wrong counts, unknown primitives and dtypes", () => {
  const w = zeros([1, 1, 1, 1]);
  fails(() => dispatch("conv2d", [null as never, w], { pass: "forward", kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }), "conv2d", /input 0 must be a Tensor, got null/);
  fails(() => dispatch("binary", [zeros([2])], { op: "add" }), "binary", /expected 2 input tensors, got 1/);
  fails(() => dispatch("binary", [zeros([2]), zeros([2])], { op: "plus" } as never), "binary", /unknown op/);
  fails(() => dispatch("unary", [zeros([2]), zeros([2])], { op: "exp" }), "unary");
  fails(() => dispatch("nope" as never, [], {} as never), "dispatch", /unknown primitive/);
  fails(() => dispatch("cast", [zeros([2])], null as never), "cast", /attrs must be an object/);
  fails(() => dispatch("cast", [zeros([2])], { dtype: "int128" as never }), "cast", /unknown dtype/);
  fails(() => dispatch("full", [], { shape: [1e12], dtype: "float32", value: 0 }), "full", /4000000000000 bytes/);
  fails(() => dispatch("full", [], { shape: [-1], dtype: "float32", value: 0 }), "full");
  fails(() => dispatch("range", [], { start: 0, step: 1, n: 2 ** 53, dtype: "float32" }), "range");
  fails(() => dispatch("random", [], { dist: { kind: "randperm", n: 5 }, shape: [4], dtype: "int32", generator: new Generator(0) }), "random", /needs shape \[n\]/);
  fails(() => dispatch("random", [], { dist: { kind: "uniform", low: 0, high: 1 }, shape: [2], dtype: "float32", generator: {} as never }), "random", /Generator/);
  fails(() => dispatch("fromHost", [], { data: [1, 2, 3], shape: [2, 2], dtype: "float32" }), "fromHost", /4 values/);
});

// ---- the native bindings' own checks -------------------------------------------------------

const native = nativeStatus();
const skipNative = native.active ? false : `native addon not loaded: ${native.reason}`;

function geometry(over: Partial<ConvGeometry> = {}): ConvGeometry {
  return { N: 1, C: 2, H: 5, W: 5, O: 4, kernel: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1], oh: 3, ow: 3, ...over };
}

test("native conv2d: an output size that does not follow from the geometry, short arrays and bad slots throw", { skip: skipNative }, () => {
  const x = new Float32Array(1 * 2 * 5 * 5).fill(1), w = new Float32Array(4 * 2 * 3 * 3).fill(1);
  const y = new Float32Array(4 * 9);
  assert.equal(nativeConv2d("forward", "float32", geometry(), undefined, x, 0, w, 0, null, 0, y, null), true);
  assert.deepEqual([...y.slice(0, 3)], [18, 18, 18]);
  // a larger output than the image gives, with y (and x, read past its image) long enough
  const roomy = new Float32Array(1 * 2 * 9 * 9);
  fails(() => nativeConv2d("forward", "float32", geometry({ oh: 7, ow: 7 }), undefined, roomy, 0, w, 0, null, 0, new Float32Array(4 * 49), null), "conv2d (native kernel)", /output size 7x7 does not follow/);
  fails(() => nativeConv2d("forward", "float32", geometry(), undefined, x.subarray(0, 40), 0, w, 0, null, 0, y, null), "conv2d (native kernel)", /too short/);
  fails(() => nativeConv2d("forward", "float32", geometry(), undefined, x, 1, w, 0, null, 0, y, null), "conv2d (native kernel)", /too short/);
  fails(() => nativeConv2d("input", "float32", geometry(), undefined, new Float32Array(35), 0, w, 0, null, 0, x, null), "conv2d (native kernel)");
  fails(() => nativeConv2d("weight", "float32", geometry(), undefined, x, 0, new Float32Array(36), 0, null, 0, w, new Float32Array(3)), "conv2d (native kernel)");
  for (const bad of [{ N: NaN }, { C: -1 }, { H: 2.5 }, { W: 1e300 }, { O: 2 ** 40 }, { N: 2 ** 31 - 1, C: 2 ** 31 - 1 }]) {
    fails(() => nativeConv2d("forward", "float32", geometry(bad), undefined, x, 0, w, 0, null, 0, y, null), "conv2d (native kernel)");
  }
  fails(() => nativeConv2d("forward", "float32", geometry({ stride: [0, 1] }), undefined, x, 0, w, 0, null, 0, y, null), "conv2d (native kernel)", /positive/);
});

test("native unfold, fold and maxPool: output sizes that do not follow, short arrays and overflowing products throw", { skip: skipNative }, () => {
  const img = new Float32Array(2 * 5 * 5).fill(1);
  const g = { N: 1, C: 2, H: 5, W: 5, kernel: [3, 3] as const, stride: [1, 1] as const, padding: [0, 0] as const, dilation: [1, 1] as const, oh: 3, ow: 3 };
  assert.equal(nativeUnfold("float32", g, img, 0, new Float32Array(2 * 9 * 9)), true);
  fails(() => nativeUnfold("float32", { ...g, oh: 9, ow: 9 }, img, 0, new Float32Array(2 * 9 * 81)), "unfold (native kernel)", /output size 9x9 does not follow/);
  fails(() => nativeUnfold("float32", g, img, 0, new Float32Array(10)), "unfold (native kernel)", /too short/);
  fails(() => nativeFold("float32", g, new Float32Array(10), 0, new Float32Array(50)), "fold (native kernel)", /too short/);
  fails(() => nativeUnfold("float32", { ...g, N: 2 ** 31 - 1, C: 2 ** 31 - 1 }, img, 0, img), "unfold (native kernel)", /larger than any array/);
  fails(() => nativeUnfold("float32", { ...g, kernel: [NaN, 3] }, img, 0, img), "unfold (native kernel)");
  const pg = { ...g, kernel: [2, 2] as const, stride: [2, 2] as const, oh: 2, ow: 2 };
  assert.equal(nativeMaxPool("float32", pg, img, 0, new Float32Array(8), new Int32Array(8)), true);
  assert.equal(nativeMaxPool("float32", { ...pg, oh: 3, ow: 3 }, img, 0, new Float32Array(18), new Int32Array(18)), true); // ceil mode
  // windows past the input are clipped there (-inf at index -1): memory-safe, refused by dispatch
  assert.equal(nativeMaxPool("float32", { ...pg, oh: 40, ow: 40 }, img, 0, new Float32Array(3200), new Int32Array(3200)), true);
  fails(() => nativeMaxPool("float32", { ...pg, kernel: [2, 2.5] }, img, 0, new Float32Array(8), new Int32Array(8)), "maxPool (native kernel)", /whole numbers/);
  fails(() => nativeMaxPool("float32", pg, img, 0, new Float32Array(8), new Int32Array(7)), "maxPool (native kernel)", /too short/);
});

test("native gemm, reduce, elementwise and scatter: sizes and strides past the arrays, NaN and fractions throw", { skip: skipNative }, () => {
  const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4);
  const op = (data: Float32Array, rs: number) => ({ data, offset: 0, rowStride: rs, colStride: 1 });
  assert.equal(nativeGemm("float32", 2, 2, 3, 1, op(a, 3), { data: b, offset: 0, rowStride: 2, colStride: 1 }, op(c, 2)), true);
  fails(() => nativeGemm("float32", 2, 2, 4, 1, op(a, 3), { data: b, offset: 0, rowStride: 2, colStride: 1 }, op(c, 2)), "gemm (native kernel)", /outside its array/);
  fails(() => nativeGemm("float32", 2 ** 40, 2 ** 40, 3, 1, op(a, 3), op(b, 2), op(c, 2)), "gemm (native kernel)");
  fails(() => nativeGemm("float32", NaN, 2, 3, 1, op(a, 3), op(b, 2), op(c, 2)), "gemm (native kernel)", /whole numbers/);
  fails(() => nativeGemm("float32", 2, 2, 3, 1, op(a, 1.5), op(b, 2), op(c, 2)), "gemm (native kernel)", /whole numbers/);
  fails(() => nativeGemm("float32", 2, 2, 3, 1, { ...op(a, 3), offset: -1 }, op(b, 2), op(c, 2)), "gemm (native kernel)");
  const src = new Float32Array(100), out = new Float32Array(10);
  assert.equal(nativeReduce("sum", "float32", "float32", [10], [10], out, src, 0, 10, 1), true);
  fails(() => nativeReduce("sum", "float32", "float32", [10], [10], out, src, 0, 11, 1), "reduce (native kernel)", /too short/);
  fails(() => nativeReduce("sum", "float32", "float32", [11], [10], out, src, 0, 10, 1), "reduce (native kernel)", /too short/);
  fails(() => nativeReduce("sum", "float32", "float32", [10], [NaN], out, src, 0, 10, 1), "reduce (native kernel)");
  fails(() => nativeReduce("sum", "float32", "float32", [2 ** 30, 2 ** 30], [0, 0], out, src, 0, 10, 1), "reduce (native kernel)");
  const e = { arr: new Float32Array(8), offset: 0, dtype: "float32" as const };
  assert.equal(nativeElementwise("unary", "exp", [8], [e, e], [[1], [1]]), true);
  fails(() => nativeElementwise("unary", "exp", [9], [e, e], [[1], [1]]), "elementwise (native kernel)", /reach outside/);
  fails(() => nativeElementwise("unary", "exp", [8], [e, e], [[1], [2]]), "elementwise (native kernel)", /reach outside/);
  fails(() => nativeElementwise("unary", "exp", [8], [e, { ...e, offset: 0.5 }], [[1], [1]]), "elementwise (native kernel)");
  fails(() => nativeElementwise("unary", "exp", [NaN], [e, e], [[1], [1]]), "elementwise (native kernel)");
  const so = new Float32Array(12), si = new Int32Array(12), ss = new Float32Array(12);
  assert.equal(nativeScatter("float32", { outer: 2, size: 3, len: 3, inner: 2 }, false, null, so, si, 0, ss, 0), -1);
  fails(() => nativeScatter("float32", { outer: 2, size: 3, len: 4, inner: 2 }, false, null, so, si, 0, ss, 0), "scatter (native kernel)", /too short/);
  fails(() => nativeScatter("float32", { outer: 2 ** 40, size: 2 ** 40, len: 3, inner: 2 }, false, null, so, si, 0, ss, 0), "scatter (native kernel)");
  fails(() => nativeScatter("float32", { outer: 2, size: 3, len: 3, inner: 2 }, false, null, so, si, 1, ss, 0), "scatter (native kernel)", /too short/);
});

// ---- the same dispatch checks on the TypeScript kernels --------------------------------------

test("the dispatch checks hold with the native addon off (FLUXION_NATIVE=0)", { skip: process.env.FLUXION_NATIVE === "0" ? "this is that run" : false }, () => {
  // run as a plain script (under `node --test` a nested test run would be skipped)
  const env: Record<string, string | undefined> = { ...process.env, FLUXION_NATIVE: "0" };
  delete env.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname], { env, encoding: "utf8" });
  assert.equal(r.status, 0, `FLUXION_NATIVE=0 run failed:\n${r.stdout}\n${r.stderr}`);
  const passed = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  assert.ok(passed >= 9 && /^# fail 0$/m.test(r.stdout), `FLUXION_NATIVE=0 run: ${passed} passed\n${r.stdout.slice(-600)}`);
  assert.match(r.stdout, /# skipped 4/); // the native binding tests, and this one
});

test("a layer fed through these paths still trains: nn.Conv2d + MaxPool2d forward and backward agree with the reference", () => {
  const conv = new nn.Conv2d(2, 3, 3), pool = new nn.MaxPool2d(2);
  const x = randomTensor([2, 2, 6, 6], { dtype: "float32", seed: 9 });
  const y = pool.forward(conv.forward(x).relu());
  assert.deepEqual(y.shape, [2, 3, 2, 2]);
  y.sum().backward();
  assert.ok(conv.weight.grad !== null && !conv.weight.grad.isnan().any().item());
});

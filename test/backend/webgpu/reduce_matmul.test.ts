/**
 * WebGPU reductions, matmul (tiled, batched, strided operands, fused bias and activation) and
 * softmax/logSoftmax (the decomposition over them) against the CPU backend.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dispatch, tensor, type Tensor } from "../../../src/index.js";
import { randomTensor as random64 } from "../../helpers.js";
import { sameAsCpu, startWebGPU } from "./setup.js";

const skip = await startWebGPU();

/** A seeded float32 tensor of uniform values in [lo, hi). */
function randomTensor(shape: readonly number[], opts: { seed?: number; lo?: number; hi?: number } = {}): Tensor {
  return random64(shape, { ...opts, dtype: "float32" });
}

test("sum, prod, max and min over any axes, with and without keepdim, of views", { skip }, async () => {
  const x = randomTensor([3, 4, 5], { seed: 3, lo: -2, hi: 2 });
  const axesSets = [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], []];
  for (const op of ["sum", "prod", "max", "min"] as const) {
    for (const axes of axesSets) {
      for (const keepdim of [false, true]) {
        await sameAsCpu([x], (t) => dispatch("reduce", [t], { op, axes, keepdim }), { msg: `${op} ${axes} ${keepdim}` });
        await sameAsCpu([x], (t) => dispatch("reduce", [t.permute([2, 0, 1])], { op, axes, keepdim }), { msg: `${op} ${axes} of a permuted view` });
      }
    }
  }
  // many outputs and long rows: every workgroup thread strides over the reduced elements
  const big = randomTensor([70, 1000], { seed: 4 });
  await sameAsCpu([big], (t) => t.sum(1), { rtol: 1e-4, atol: 1e-4 });
  await sameAsCpu([big], (t) => t.sum(0));
  await sameAsCpu([big], (t) => t.amax(1));
  await sameAsCpu([big], (t) => t.mean(), { atol: 1e-5 });
  const ints = tensor([[3, -7, 2], [9, 0, -1]], { dtype: "int32" });
  await sameAsCpu([ints], (t) => dispatch("reduce", [t], { op: "max", axes: [1], keepdim: false }));
  await sameAsCpu([ints], (t) => dispatch("reduce", [t], { op: "min", axes: [0], keepdim: true }));
  await sameAsCpu([ints], (t) => dispatch("reduce", [t], { op: "sum", axes: [1], keepdim: false }));
  const huge = tensor([2147483647, 5, 2147483647], { dtype: "int32" });
  await sameAsCpu([huge], (t) => dispatch("reduce", [t], { op: "sum", axes: [0], keepdim: false }), { msg: "int32 sums wrap as the CPU's" });
});

test("max and min propagate NaN as torch.amax does; argmax/argmin pick the first NaN, else the first extreme", { skip }, async () => {
  const x = tensor([[1, NaN, 3], [4, 5, 6], [-Infinity, -1, Infinity]]);
  const ties = tensor([[2, 7, 7, 1, NaN, 7, NaN], [0, -3, 5, -3, 5, 0, 5]]);
  for (const op of ["argmax", "argmin"] as const) {
    for (const [t, axis] of [[ties, 1], [ties, 0], [ties.t(), 0], [x, 0], [tensor([[3, 9, 9], [9, 1, 1]], { dtype: "int32" }), 1]] as const) {
      const r = await sameAsCpu([t], (u) => dispatch("reduce", [u], { op, axes: [axis], keepdim: axis === 0 }), { msg: `${op} ${axis}` });
      assert.equal(r.dtype, "int32");
    }
  }
  await sameAsCpu([randomTensor([3, 700], { seed: 9 })], (u) => u.argmax(1));
  await sameAsCpu([x], (t) => t.amax(1));
  await sameAsCpu([x], (t) => t.amin(0));
});

test("matmul: tiles with ragged edges, batches, transposed and strided operands", { skip }, async () => {
  const a = randomTensor([17, 33], { seed: 5 }), b = randomTensor([33, 9], { seed: 6 });
  await sameAsCpu([a, b], (x, y) => x.matmul(y));
  await sameAsCpu([a, b], (x, y) => y.t().matmul(x.t())); // strides [1, n] on both
  const ba = randomTensor([2, 3, 5, 18], { seed: 7 }), bb = randomTensor([2, 3, 18, 4], { seed: 8 });
  await sameAsCpu([ba, bb], (x, y) => x.matmul(y));
  await sameAsCpu([ba, bb], (x, y) => x.transpose(0, 1).matmul(y.transpose(0, 1)), { msg: "permuted batch dims" });
  await sameAsCpu([ba, randomTensor([18, 4], { seed: 9 })], (x, y) => x.matmul(y), { msg: "broadcast weight" });
  await sameAsCpu([randomTensor([40], { seed: 1 }), randomTensor([40, 3], { seed: 2 })], (x, y) => x.matmul(y), { msg: "vector-matrix" });
  await sameAsCpu([randomTensor([1, 1], { seed: 1 }), randomTensor([1, 1], { seed: 2 })], (x, y) => x.matmul(y));
});

test("matmul: every register blocking (1x1, 4x4, 8x8 a thread) on ragged tiles, strides, batches and the epilogue", { skip }, async () => {
  const { matmulBlocked, matmulBlocking } = await import("../../../src/backend/webgpu/matmul.js");
  assert.deepEqual(matmulBlocking(512, 512), { TM: 8, TN: 8, BK: 8 });
  assert.deepEqual(matmulBlocking(64, 100), { TM: 4, TN: 4, BK: 16 });
  assert.deepEqual(matmulBlocking(63, 1000), { TM: 1, TN: 1, BK: 16 });
  const cases: [string, Tensor[], Record<string, unknown>][] = [
    ["ragged", [randomTensor([131, 37], { seed: 1 }), randomTensor([37, 70], { seed: 2 })], {}],
    ["transposed operands", [randomTensor([37, 131], { seed: 3 }).t(), randomTensor([70, 37], { seed: 4 }).t()], {}],
    ["K below one step", [randomTensor([20, 3], { seed: 5 }), randomTensor([3, 140], { seed: 6 })], {}],
    ["batched, broadcast B", [randomTensor([3, 66, 17], { seed: 7 }), randomTensor([1, 17, 130], { seed: 8 }).expand([3, 17, 130])], {}],
    ["col bias + gelu", [randomTensor([70, 19], { seed: 9 }), randomTensor([19, 129], { seed: 10 }), randomTensor([129], { seed: 11 })], { bias: "col", activation: "gelu" }],
    ["row bias + relu", [randomTensor([129, 19], { seed: 12 }), randomTensor([19, 65], { seed: 13 }), randomTensor([129], { seed: 14 })], { bias: "row", activation: "relu" }],
  ];
  for (const blocking of [{ TM: 1, TN: 1, BK: 16 }, { TM: 4, TN: 4, BK: 16 }, { TM: 8, TN: 8, BK: 8 }, { TM: 2, TN: 4, BK: 4 }]) {
    for (const [name, inputs, attrs] of cases) {
      await sameAsCpu(inputs, (...xs) => (xs[0]!.device === "cpu" ? dispatch("matmul", xs, attrs) : matmulBlocked(xs, attrs as never, blocking)[0]!), { atol: 2e-5, msg: `${name} ${JSON.stringify(blocking)}` });
    }
  }
  // the 8x8 blocking chosen by size, through the public op
  await sameAsCpu([randomTensor([520, 24], { seed: 15 }), randomTensor([24, 515], { seed: 16 })], (x, y) => x.matmul(y), { atol: 2e-5, msg: "520x24x515" });
});

test("matmul's fused epilogue: a bias per column or row, then relu, gelu or geluTanh", { skip }, async () => {
  const a = randomTensor([20, 12], { seed: 10 }), b = randomTensor([12, 7], { seed: 11 });
  const col = randomTensor([7], { seed: 12 }), row = randomTensor([20], { seed: 13 });
  for (const activation of [undefined, "relu", "gelu", "geluTanh"] as const) {
    await sameAsCpu([a, b, col], (x, y, c) => dispatch("matmul", [x, y, c], { bias: "col", activation }), { msg: `col ${activation}` });
    await sameAsCpu([a, b, row], (x, y, r) => dispatch("matmul", [x, y, r], { bias: "row", activation }), { msg: `row ${activation}` });
    await sameAsCpu([a, b], (x, y) => dispatch("matmul", [x, y], { activation }), { msg: `no bias ${activation}` });
  }
  // nn.Linear's call: x @ W^T + b
  const w = randomTensor([5, 12], { seed: 14 }), bias = randomTensor([5], { seed: 15 });
  const { nn } = await import("../../../src/index.js");
  await sameAsCpu([a, w, bias], (x, wt, bb) => nn.functional.linear(x, wt, bb));
});

test("softmax and logSoftmax (their decomposition into WebGPU primitives) and their gradients", { skip }, async () => {
  const x = randomTensor([4, 6], { seed: 16, lo: -3, hi: 3 });
  await sameAsCpu([x], (t) => t.softmax(1));
  await sameAsCpu([x], (t) => t.logSoftmax(0));
  const grad = async (device: string): Promise<Tensor> => {
    const leaf = (device === "cpu" ? x.clone() : x.to(device)).requiresGrad_();
    leaf.logSoftmax(1).mul(tensor([1, -2, 3, 0.5, 0, 1], { device })).sum().backward();
    return leaf.grad!;
  };
  const want = await grad("cpu"), got = await grad("webgpu");
  assert.equal(got.device, "webgpu");
  await sameAsCpu([want], (t) => t, { msg: "cpu reference" });
  const { assertClose } = await import("../../helpers.js");
  assertClose(Array.from(await got.toArrayAsync()), Array.from(want.toTypedArray()), { rtol: 1e-4, atol: 1e-6 });
});

test("layer, batch and group norm (decompositions into WebGPU primitives) and their gradients", { skip }, async () => {
  const { nn, manualSeed } = await import("../../../src/index.js");
  const { assertClose } = await import("../../helpers.js");
  const x0 = randomTensor([4, 6], { seed: 30 });
  // the loss weighs y by fixed random r: sum(y²) would have a gradient that is only eps's small
  // effect on a normalized output (ill-conditioned wherever a group's variance is near eps)
  const r0 = randomTensor([4, 6], { seed: 31 });
  for (const make of [() => new nn.LayerNorm(6), () => new nn.BatchNorm1d(6), () => new nn.GroupNorm(2, 6)]) {
    const run = async (device: string) => {
      manualSeed(1);
      const m = make().to(device);
      const x = (device === "cpu" ? x0.clone() : x0.to(device)).requiresGrad_();
      const y = m.forward(x) as Tensor;
      y.mul(device === "cpu" ? r0 : r0.to(device)).sum().backward();
      return [await y.toArrayAsync(), await x.grad!.toArrayAsync(), ...(await Promise.all(m.parameters().map((p) => p.grad!.toArrayAsync())))];
    };
    const want = await run("cpu"), got = await run("webgpu");
    want.forEach((w, i) => assertClose(Array.from(got[i]!), Array.from(w), { rtol: 1e-4, atol: 1e-5, msg: `${make().constructor.name} output ${i}` }));
  }
});

test("cumsum and cumprod (scan) along any axis of views", { skip }, async () => {
  const x = randomTensor([3, 5, 4], { seed: 60, lo: 0.5, hi: 1.5 });
  for (const dim of [0, 1, 2]) {
    await sameAsCpu([x], (t) => t.cumsum(dim), { msg: `cumsum ${dim}` });
    await sameAsCpu([x], (t) => t.cumprod(dim), { msg: `cumprod ${dim}` });
    await sameAsCpu([x], (t) => t.permute([2, 0, 1]).cumsum(dim), { msg: `cumsum ${dim} of a permuted view` });
  }
  const long = randomTensor([2, 3000], { seed: 61 });
  await sameAsCpu([long], (t) => t.cumsum(1), { atol: 1e-4 });
});

test("LSTM and GRU layers (their cells' decomposition into WebGPU primitives) and their gradients", { skip }, async () => {
  const { nn, manualSeed } = await import("../../../src/index.js");
  const { assertClose } = await import("../../helpers.js");
  const x0 = randomTensor([5, 2, 3], { seed: 62 });
  for (const make of [() => new nn.LSTM(3, 4), () => new nn.GRU(3, 4)]) {
    const run = async (device: string) => {
      manualSeed(2);
      const m = make().to(device);
      const x = (device === "cpu" ? x0.clone() : x0.to(device)).requiresGrad_();
      const [y] = (m as unknown as { forward(x: Tensor): [Tensor] }).forward(x);
      y.mul(y).sum().backward();
      return [await y.toArrayAsync(), await x.grad!.toArrayAsync(), ...(await Promise.all(m.parameters().map((p) => p.grad!.toArrayAsync())))];
    };
    const want = await run("cpu"), got = await run("webgpu");
    want.forEach((w, i) => assertClose(Array.from(got[i]!), Array.from(w), { rtol: 1e-4, atol: 1e-5, msg: `${make().constructor.name} output ${i}` }));
  }
});

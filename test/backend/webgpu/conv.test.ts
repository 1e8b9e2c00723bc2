/**
 * WebGPU sliding windows against the CPU backend: unfold/fold (F.unfold, F.fold), max and
 * average pooling, conv2d's three passes (stride, padding, dilation, bias, fused ReLU and
 * pooling), the depthwise convolution's decomposition, and a small CNN's training step.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dispatch, dispatchAll, manualSeed, nn, optim, randn, tensor, type Tensor } from "../../../src/index.js";
import { assertClose, randomTensor as random64 } from "../../helpers.js";
import { sameAsCpu, startWebGPU, valuesOf, trainSteps } from "./setup.js";

const skip = await startWebGPU();
const rand = (shape: number[], seed: number) => random64(shape, { seed, dtype: "float32" });

test("unfold and fold (im2col, col2im) with stride, padding and dilation", { skip }, async () => {
  const x = rand([2, 3, 7, 6], 50);
  const win = { kernel: [3, 2] as const, stride: [2, 1] as const, padding: [1, 0] as const, dilation: [1, 2] as const };
  const cols = await sameAsCpu([x], (t) => dispatch("unfold", [t], win));
  await sameAsCpu([x], (t) => dispatch("unfold", [t.transpose(2, 3).transpose(2, 3)], win), { msg: "strided input" });
  const c = rand([...cols.shape], 51);
  await sameAsCpu([c], (t) => dispatch("fold", [t], { ...win, outputSize: [7, 6] }));
});

test("max pooling: values and winning positions (ties, padding, ceil-mode windows)", { skip }, async () => {
  const x = tensor([[[[1, 3, 3, 0], [2, 2, 5, 5], [9, 1, 1, 9], [0, 0, 0, 7], [4, 4, 4, 4]]]]);
  for (const attrs of [
    { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], outputSize: [2, 2] },
    { kernel: [3, 3], stride: [1, 2], padding: [1, 1], dilation: [1, 1], outputSize: [5, 2] },
    { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], outputSize: [3, 2] },
  ] as const) {
    const want = dispatchAll("maxPool", [x], attrs), got = dispatchAll("maxPool", [x.to("webgpu")], attrs);
    assert.deepEqual(await valuesOf(got[0]!), Array.from(want[0]!.toTypedArray()));
    assert.deepEqual(await valuesOf(got[1]!), Array.from(want[1]!.toTypedArray()));
    assert.equal(got[1]!.dtype, "int32");
  }
  const r = rand([2, 3, 6, 5], 52);
  await sameAsCpu([r], (t) => nn.functional.maxPool2d(t, 3, { stride: 2, padding: 1 }));
  await sameAsCpu([r], (t) => nn.functional.avgPool2d(t, 2));
});

test("conv2d forward, input and weight passes, bias, fused ReLU and pooling", { skip }, async () => {
  const x = rand([2, 3, 8, 7], 53), w = rand([4, 3, 3, 3], 54), b = rand([4], 55);
  const win = { kernel: [3, 3] as const, stride: [1, 2] as const, padding: [1, 1] as const, dilation: [1, 1] as const };
  const y = await sameAsCpu([x, w, b], (t, k, c) => dispatch("conv2d", [t, k, c], { pass: "forward", ...win, activation: "relu" }));
  await sameAsCpu([x, w], (t, k) => dispatch("conv2d", [t, k], { pass: "forward", ...win, dilation: [2, 1] }), { msg: "dilated" });
  await sameAsCpu([x, w, b], (t, k, c) => dispatch("conv2d", [t, k, c], { pass: "forward", ...win, stride: [1, 1], activation: "relu", pool: { kernel: [2, 2], stride: [2, 2] } }), { msg: "fused pool" });
  const dy = rand([...y.shape], 56);
  await sameAsCpu([dy, w], (g, k) => dispatch("conv2d", [g, k], { pass: "input", ...win, inputSize: [8, 7] }));
  const want = dispatchAll("conv2d", [x, dy], { pass: "weight", ...win });
  const got = dispatchAll("conv2d", [x.to("webgpu"), dy.to("webgpu")], { pass: "weight", ...win });
  assertClose(await valuesOf(got[0]!), Array.from(want[0]!.toTypedArray()), { atol: 1e-5 });
  assertClose(await valuesOf(got[1]!), Array.from(want[1]!.toTypedArray()), { atol: 1e-5 });
});

test("depthwiseConv2d runs on webgpu through its decomposition (grouped im2col + matmul), all three passes", { skip }, async () => {
  const x = rand([2, 3, 8, 7], 63), w = rand([6, 1, 3, 3], 64), b = rand([6], 65);
  const win = { multiplier: 2, kernel: [3, 3] as const, stride: [2, 1] as const, padding: [1, 1] as const, dilation: [1, 2] as const };
  const y = await sameAsCpu([x, w, b], (t, k, c) => dispatch("depthwiseConv2d", [t, k, c], { pass: "forward", ...win }));
  const dy = rand([...y.shape], 66);
  await sameAsCpu([dy, w], (g, k) => dispatch("depthwiseConv2d", [g, k], { pass: "input", ...win, inputSize: [8, 7] }));
  const want = dispatchAll("depthwiseConv2d", [x, dy], { pass: "weight", ...win });
  const got = dispatchAll("depthwiseConv2d", [x.to("webgpu"), dy.to("webgpu")], { pass: "weight", ...win });
  assertClose(await valuesOf(got[0]!), Array.from(want[0]!.toTypedArray()), { atol: 1e-5 });
  assertClose(await valuesOf(got[1]!), Array.from(want[1]!.toTypedArray()), { atol: 1e-5 });
});

test("a small CNN (Conv2d, ReLU, MaxPool2d, Linear, CrossEntropyLoss) trains on webgpu as on the CPU", { skip }, async () => {
  const run = async (device: string) => {
    manualSeed(9);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 6, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(6 * 2 * 2, 3),
    ).to(device);
    const x = randn([5, 1, 8, 8]).to(device), y = tensor([0, 2, 1, 1, 0], { dtype: "int32", device });
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const losses = await trainSteps(opt, 3, () => new nn.CrossEntropyLoss().forward(model.forward(x) as Tensor, y));
    return { losses, weights: await Promise.all(model.parameters().map((p) => valuesOf(p))) };
  };
  const cpu = await run("cpu"), gpu = await run("webgpu");
  assertClose(gpu.losses, cpu.losses, { rtol: 1e-4, msg: "losses" });
  cpu.weights.forEach((w, i) => assertClose(gpu.weights[i], w, { rtol: 1e-4, atol: 1e-5, msg: `parameter ${i}` }));
});

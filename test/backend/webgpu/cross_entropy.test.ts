/**
 * WebGPU cross entropy (fused kernels) against the CPU backend: reductions, class weights,
 * ignoreIndex, label smoothing, 1-D and spatial logits, their gradients; and the seed's
 * SimpleNet-style step with CrossEntropyLoss on "webgpu".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, manualSeed, nn, optim, randn, tensor, type Tensor } from "../../../src/index.js";
import { randomTensor } from "../../helpers.js";
import { assertClose } from "../../helpers.js";
import { startWebGPU, valuesOf, trainSteps } from "./setup.js";

const skip = await startWebGPU();

/** Loss and logits gradient of F.crossEntropy on `device`. */
async function lossAndGrad(device: string, x0: Tensor, target0: Tensor, opts: nn.functional.CrossEntropyOptions, gradOut?: Tensor) {
  const x = (device === "cpu" ? x0.clone() : x0.to(device)).requiresGrad_();
  const target = target0.to(device);
  const w = opts.weight ? opts.weight.to(device) : undefined;
  const loss = nn.functional.crossEntropy(x, target, { ...opts, weight: w });
  if (gradOut) loss.backward(gradOut.to(device));
  else loss.backward();
  return { loss: await valuesOf(loss), grad: await valuesOf(x.grad!), shape: [...loss.shape] };
}

test("crossEntropy and its gradient: every reduction, weights, ignoreIndex, label smoothing, 1-D and spatial logits", { skip }, async () => {
  const x = randomTensor([6, 5], { seed: 21, dtype: "float32", lo: -3, hi: 3 });
  const t = tensor([0, 4, 2, -100, 1, 4], { dtype: "int32" });
  const weight = tensor([0.5, 2, 1, 0.25, 3]);
  const spatial = randomTensor([2, 4, 3, 2], { seed: 22, dtype: "float32" });
  const st = tensor([[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 2], [1, 7]]], { dtype: "int32" });
  const cases: [string, Tensor, Tensor, nn.functional.CrossEntropyOptions][] = [];
  for (const reduction of ["mean", "sum", "none"] as const) {
    for (const labelSmoothing of [0, 0.1]) {
      cases.push([`${reduction} eps=${labelSmoothing}`, x, t, { reduction, labelSmoothing }]);
      cases.push([`${reduction} eps=${labelSmoothing} weighted`, x, t, { reduction, labelSmoothing, weight }]);
    }
    cases.push([`${reduction} spatial, ignoreIndex 7`, spatial, st, { reduction, ignoreIndex: 7 }]);
  }
  cases.push(["1-D logits", x.select(0, 1), tensor(3, { dtype: "int32" }), {}]);
  for (const [name, input, target, opts] of cases) {
    const gradOut = opts.reduction === "none" ? randomTensor(target.shape, { seed: 3, dtype: "float32" }) : undefined;
    const want = await lossAndGrad("cpu", input, target, opts, gradOut);
    const got = await lossAndGrad("webgpu", input, target, opts, gradOut);
    assert.deepEqual(got.shape, want.shape, name);
    assertClose(got.loss, want.loss, { rtol: 1e-4, atol: 1e-6, msg: `${name} loss` });
    assertClose(got.grad, want.grad, { rtol: 1e-4, atol: 1e-6, msg: `${name} grad` });
  }
});

test("a target outside the classes raises the CPU's IndexError at the next read (a kernel cannot raise)", { skip }, async () => {
  const x = tensor([[1, 2, 3], [0, 0, 1]], { device: "webgpu" });
  const loss = nn.functional.crossEntropy(x, tensor([1, 5], { dtype: "int32", device: "webgpu" }), { reduction: "none" });
  const other = x.sum();
  await assert.rejects(loss.toArrayAsync(), (e: Error) => e instanceof IndexError && e.message === "crossEntropy: target 5 is out of bounds for 3 classes (input shape [2, 3]); labels must be in [0, 2]");
  // reported once: later reads see their own values
  assert.equal(await other.itemAsync(), 7);
  assert.equal(await nn.functional.crossEntropy(x, tensor([2, 2], { dtype: "int32", device: "webgpu" }), { reduction: "sum" }).toAsync("cpu").then((t) => Number.isFinite(t.item())), true);
  const { bernoulli } = await import("../../../src/index.js");
  const b = bernoulli(tensor([0.5, 1.5], { device: "webgpu" }));
  await assert.rejects(b.toArrayAsync(), /^FluxionError: bernoulli: expected all probabilities in \[0, 1\], got p=1.5$/);
});

test("a SimpleNet-style MLP with CrossEntropyLoss trains on webgpu as on the CPU", { skip }, async () => {
  const run = async (device: string) => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 32), new nn.ReLU(), new nn.Linear(32, 4));
    model.to(device);
    const x = randn([16, 3, 4]).to(device), y = tensor(Array.from({ length: 16 }, (_, i) => (i * 5) % 4), { dtype: "int32", device });
    const criterion = new nn.CrossEntropyLoss();
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const losses = await trainSteps(opt, 4, () => criterion.forward(model.forward(x) as Tensor, y));
    return { losses, weights: await Promise.all(model.parameters().map((p) => valuesOf(p))) };
  };
  const cpu = await run("cpu"), gpu = await run("webgpu");
  assertClose(gpu.losses, cpu.losses, { rtol: 1e-4, msg: "losses" });
  cpu.weights.forEach((w, i) => assertClose(gpu.weights[i], w, { rtol: 1e-4, atol: 1e-5, msg: `parameter ${i}` }));
});

/**
 * The device-facing API with WebGPU: moving tensors and modules (`to`, `toAsync`), the
 * asynchronous reads on every device, the errors of synchronous reads of GPU memory, memory
 * release (`dispose()`), and a small MLP's training step on "webgpu" against the CPU's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ArgumentError, DTypeError, DeviceError, FluxionError, initWebGPU, manualSeed, nn, optim, randn, tensor, zeros, type Tensor } from "../../../src/index.js";
import { assertClose } from "../../helpers.js";
import { startWebGPU, valuesOf, trainSteps } from "./setup.js";

const skip = await startWebGPU();

test("before initWebGPU(), the webgpu device is unknown and the error says how to start it", () => {
  const script = `import { tensor } from "./src/index.ts"; try { tensor([1]).to("webgpu"); } catch (e) { console.log(e.message); }`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", cwd: new URL("../../..", import.meta.url).pathname });
  assert.match(r.stdout, /to: unknown or unavailable device 'webgpu' \(the WebGPU backend starts with `await initWebGPU\(\)`\); available: cpu/);
});

test("toArrayAsync and itemAsync read CPU tensors too", async () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(Array.from(await x.t().toArrayAsync()), [1, 3, 2, 4]);
  assert.equal(await x.sum().itemAsync(), 10);
  assert.equal(await tensor([true]).itemAsync<boolean>(), true);
  await assert.rejects(x.itemAsync(), /itemAsync: a Tensor with 4 elements \(shape \[2, 2\]\) cannot be converted to a scalar/);
});

test("the asynchronous reads, toAsync, dispose and initWebGPU refuse unexpected arguments and options", async () => {
  const x = tensor([1, 2]) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const argErr = (re: RegExp) => (e: unknown) => e instanceof ArgumentError && re.test((e as Error).message);
  await assert.rejects(async () => x.toArrayAsync!(1), argErr(/Tensor\.toArrayAsync\(\) takes no arguments but 1 was given/));
  await assert.rejects(async () => (tensor([1]) as unknown as typeof x).itemAsync!(true), argErr(/Tensor\.itemAsync\(\) takes no arguments/));
  assert.throws(() => (tensor([1]) as unknown as typeof x).dispose!("now"), argErr(/Tensor\.dispose\(\) takes no arguments/));
  assert.throws(() => x.toAsync!("cpu", "float32", true), argErr(/Tensor\.toAsync\(\) takes at most 2 arguments \(device, dtype\) but 3 were given/));
  const init = initWebGPU as unknown as (...a: unknown[]) => unknown;
  assert.throws(() => init({ power: "low-power" }), argErr(/initWebGPU\(\): unknown option 'power'; options: powerPreference/));
  assert.throws(() => init({ powerPreference: "fast" }), argErr(/powerPreference must be "high-performance" or "low-power", got/));
  assert.throws(() => init({}, 2), argErr(/initWebGPU\(\) takes at most 1 argument \(options\) but 2 were given/));
});

test("to('webgpu') and toAsync('cpu') move values, shapes and dtypes both ways", { skip }, async () => {
  const x = tensor([[1.5, -2, 3], [4, 5, 6]]);
  const g = x.t().to("webgpu");
  assert.equal(g.device, "webgpu");
  assert.deepEqual([...g.shape], [3, 2]);
  const back = await g.toAsync("cpu");
  assert.equal(back.device, "cpu");
  assert.deepEqual(back.tolist(), [[1.5, 4], [-2, 5], [3, 6]]);
  const i = await tensor([1, -2], { dtype: "int32" }).to("webgpu").toAsync("cpu");
  assert.deepEqual([i.dtype, i.tolist()], ["int32", [1, -2]]);
  const b = await tensor([true, false]).to("webgpu").toAsync("cpu", "float32");
  assert.deepEqual([b.dtype, b.tolist()], ["float32", [1, 0]]);
  assert.equal(await g.sum().itemAsync(), 17.5);
});

test("a synchronous read of a GPU tensor raises a DeviceError naming the asynchronous call", { skip }, async () => {
  const g = tensor([1, 2, 3]).to("webgpu");
  const names = (what: string) => (e: Error) => e instanceof DeviceError && e.message.startsWith(`${what}: this tensor is on webgpu`) && e.message.includes("await t.toArrayAsync()") && e.message.includes("await t.itemAsync()");
  assert.throws(() => g.toTypedArray(), names("toTypedArray"));
  assert.throws(() => g.sum().item(), names("item"));
  assert.throws(() => g.tolist(), names("tolist"));
  assert.throws(() => g.toString(), names("toString (printing)"));
  assert.throws(() => g.nonzero(), (e: Error) => e instanceof DeviceError && /this tensor is on webgpu.*await t.toArrayAsync\(\)/.test(e.message));
  assert.throws(() => g.to("cpu"), (e: Error) => e instanceof DeviceError && /^to: moving a tensor from webgpu to cpu .*await t.toAsync\("cpu"\)/.test(e.message));
  assert.throws(() => g.add(tensor([1, 2, 3])), (e: Error) => e instanceof FluxionError && /expected all tensors to be on the same device, but found webgpu and cpu/.test(e.message));
});

test("dispose() gives a large tensor's GPU memory back; using it afterwards raises", { skip }, async () => {
  const big = zeros([64, 64], { device: "webgpu" }); // 16 KiB: released at once (smaller ones by the GC)
  const view = big.narrow(0, 0, 2);
  big.dispose();
  assert.throws(() => view.add(1), /memory was released \(dispose\(\)\) and cannot be used any more/);
  // the buffer went back to the pool: the next tensor of that size reuses it, with its own values
  const next = zeros([64, 64], { device: "webgpu" }).add(2);
  assert.deepEqual(new Set(await valuesOf(next)), new Set([2]));
});

test("model.to('webgpu'): an MLP's forward, backward and SGD steps give the CPU's losses, gradients and weights", { skip }, async () => {
  const run = async (device: string) => {
    manualSeed(7);
    const model = new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 8), new nn.Tanh(), new nn.Linear(8, 3));
    const x = randn([10, 6]), y = randn([10, 3]);
    model.to(device);
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const losses = await trainSteps(opt, 3, () => nn.functional.mseLoss(model.forward(x.to(device)) as Tensor, y.to(device)));
    const params = model.parameters();
    for (const p of params) assert.equal(p.device, device);
    return {
      losses,
      grads: await Promise.all(params.map((p) => p.grad!.toArrayAsync())),
      weights: await Promise.all(params.map((p) => p.toArrayAsync())),
    };
  };
  const cpu = await run("cpu"), gpu = await run("webgpu");
  assertClose(gpu.losses, cpu.losses, { rtol: 1e-4, msg: "losses" });
  cpu.grads.forEach((g, i) => assertClose(Array.from(gpu.grads[i]!), Array.from(g), { rtol: 1e-4, atol: 1e-6, msg: `grad ${i}` }));
  cpu.weights.forEach((w, i) => assertClose(Array.from(gpu.weights[i]!), Array.from(w), { rtol: 1e-4, atol: 1e-6, msg: `weight ${i}` }));
  assert.ok(cpu.losses[2]! < cpu.losses[0]!, "the loss goes down");
});

const halfSkip = skip || ((await initWebGPU()).float16 && "this adapter stores float16 (float16.test.ts checks it)");

test("float16 on an adapter without shader-f16 raises a DTypeError naming the feature, for uploads, casts and fills", { skip: halfSkip }, () => {
  const names = (e: unknown) => e instanceof DTypeError && /float16 needs the WebGPU adapter feature shader-f16, which this adapter lacks/.test((e as Error).message);
  assert.throws(() => tensor([1, 2], { dtype: "float16" }).to("webgpu"), names);
  assert.throws(() => tensor([1, 2], { device: "webgpu" }).half(), names);
  assert.throws(() => zeros([2], { dtype: "float16", device: "webgpu" }), names);
});

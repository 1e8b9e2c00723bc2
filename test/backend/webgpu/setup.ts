/**
 * Shared by the WebGPU tests: starts the backend once per test file (on a machine without a
 * GPU, through Chromium's SwiftShader Vulkan driver when it is installed: Debian's `chromium`
 * and `libvulkan1`, which .ci/run installs) and compares results with the CPU backend's.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { initWebGPU, type Tensor } from "../../../src/index.js";
import { assertClose, randomTensor } from "../../helpers.js";

const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
/** Mesa's lavapipe (software Vulkan): Mesa 25 (Debian bookworm-backports, as .ci/run installs it) has shader-f16. */
const LAVAPIPE_ICDS = ["/usr/share/vulkan/icd.d/lvp_icd.json", "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json"];

/** Starts WebGPU; resolves to false when it runs, else to the reason the tests skip. */
export async function startWebGPU(): Promise<string | false> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  try {
    await initWebGPU();
    return false;
  } catch (e) {
    return `no WebGPU device here (${(e as Error).message}); on Debian install chromium and libvulkan1 (SwiftShader) as .ci/run does`;
  }
}

/**
 * Starts WebGPU on an adapter that stores float16 (lavapipe where it is installed, unless
 * VK_ICD_FILENAMES names a driver); resolves to false when it does, else to why the tests skip.
 */
export async function startWebGPUHalf(): Promise<string | false> {
  const lavapipe = LAVAPIPE_ICDS.find((f) => existsSync(f));
  if (!process.env.VK_ICD_FILENAMES && lavapipe) process.env.VK_ICD_FILENAMES = lavapipe;
  let info;
  try {
    info = await initWebGPU();
  } catch (e) {
    return `no WebGPU device here (${(e as Error).message})`;
  }
  if (info.float16) return false;
  return `the adapter (${info.adapter}) lacks the WebGPU feature shader-f16, so float16 is not stored on it; on Debian bookworm install mesa-vulkan-drivers from bookworm-backports (Mesa 25's lavapipe has it), as .ci/run does`;
}

/** The elements of a tensor on any device, as numbers (bool as 0/1). */
export async function valuesOf(t: Tensor): Promise<number[]> {
  return Array.from((await t.toArrayAsync()) as ArrayLike<number>, Number);
}

/**
 * Runs `fn` on the CPU inputs and on their webgpu copies and checks that the results agree:
 * same shape, dtype and device, values within `rtol` (1e-4 relative by default).
 */
export async function sameAsCpu(inputs: readonly Tensor[], fn: (...xs: Tensor[]) => Tensor, opts: { rtol?: number; atol?: number; msg?: string } = {}): Promise<Tensor> {
  const want = fn(...inputs);
  const got = fn(...inputs.map((t) => t.to("webgpu")));
  const msg = opts.msg ?? "";
  assert.equal(got.device, "webgpu", `${msg} device`);
  assert.deepEqual([...got.shape], [...want.shape], `${msg} shape`);
  assert.equal(got.dtype, want.dtype, `${msg} dtype`);
  assertClose(await valuesOf(got), Array.from(want.toTypedArray() as ArrayLike<number>, Number), { rtol: opts.rtol ?? 1e-4, atol: opts.atol ?? 1e-6, msg });
  return got;
}

/** `steps` training steps (zeroGrad, the loss, backward, step) on any device; their losses, read asynchronously. */
export async function trainSteps(opt: { zeroGrad(): void; step(): void }, steps: number, lossOf: () => Tensor): Promise<number[]> {
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = lossOf();
    loss.backward();
    opt.step();
    losses.push(await loss.itemAsync());
  }
  return losses;
}

// ---- float16 (float16.test.ts, float16_kernels.test.ts) ----------------------------------------

/** A seeded float16 CPU tensor of uniform values in [lo, hi). */
export function half(shape: readonly number[], seed: number, lo = -2, hi = 2): Tensor {
  return randomTensor(shape, { seed, lo, hi, dtype: "float32" }).half();
}

/** A float16 tensor's values (reads give them as float32), on any device. */
export async function halfValues(t: Tensor): Promise<number[]> {
  assert.equal(t.dtype, "float16");
  return Array.from((await t.toArrayAsync()) as Float32Array);
}

/** A float16 unit in the last place at `v` (the subnormals' spacing near 0). */
export function halfUlp(v: number): number {
  return v === 0 || !Number.isFinite(v) ? 2 ** -24 : Math.max(2 ** (Math.floor(Math.log2(Math.abs(v))) - 10), 2 ** -24);
}

/**
 * `fn` on the float16 CPU inputs and on their webgpu copies: same shape and dtype, values equal
 * (`ulps` = 0) or within `ulps` float16 units in the last place of the CPU's value. Returns the
 * webgpu result.
 */
export async function sameAsCpuHalf(inputs: readonly Tensor[], fn: (...xs: Tensor[]) => Tensor, msg: string, ulps = 0): Promise<Tensor> {
  const want = fn(...inputs);
  const got = fn(...inputs.map((t) => t.to("webgpu")));
  assert.equal(got.device, "webgpu", msg);
  assert.deepEqual([...got.shape], [...want.shape], `${msg}: shape`);
  assert.equal(got.dtype, want.dtype, `${msg}: dtype`);
  const w = Array.from(want.toTypedArray() as ArrayLike<number>, Number);
  const g = Array.from((await got.toArrayAsync()) as ArrayLike<number>, Number);
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i]!)) {
      assert.ok(Number.isNaN(g[i]!), `${msg}: element ${i} is ${g[i]}, the CPU's is NaN`);
      continue;
    }
    assert.ok(Object.is(g[i], w[i]) || Math.abs(g[i]! - w[i]!) <= ulps * halfUlp(w[i]!), `${msg}: element ${i} is ${g[i]}, the CPU's ${w[i]}`);
  }
  return got;
}

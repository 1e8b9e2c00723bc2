/**
 * Finds a WebGPU implementation: the browser's `navigator.gpu`, or in Node the `webgpu` npm
 * package (Google's Dawn), loaded by a dynamic import whose name a bundler cannot see, so
 * the core still bundles for the browser without it. Nothing else in Fluxion touches it.
 *
 * Dawn's GPU object must stay referenced for the whole process (Dawn crashes when the
 * garbage collector takes it while devices live): it is kept in a module variable forever.
 */
import type { Gpu } from "./gpu_types.js";

/** Dawn's GPU object, kept for the process lifetime (see above). */
let keptAlive: Gpu | null = null;

export type GpuLoad = { gpu: Gpu; source: string } | { gpu: null; reason: string };

/** The WebGPU entry point of this environment, or why there is none. */
export async function loadGpu(): Promise<GpuLoad> {
  const nav = (globalThis as { navigator?: { gpu?: Gpu } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: "navigator.gpu" };
  if (keptAlive !== null) return { gpu: keptAlive, source: "the webgpu package (Dawn)" };
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return { gpu: null, reason: "this environment has no navigator.gpu (a browser without WebGPU?)" };
  const name = "webgpu"; // a variable: bundlers leave the import alone
  let mod: { create(options: string[]): Gpu };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    return { gpu: null, reason: `Node.js needs the 'webgpu' package (Dawn) for WebGPU: npm install webgpu (${(e as Error).message.split("\n")[0]})` };
  }
  keptAlive = mod.create([]);
  return { gpu: keptAlive, source: "the webgpu package (Dawn)" };
}

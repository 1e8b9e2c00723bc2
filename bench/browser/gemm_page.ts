/**
 * The page bench/browser_gemm.ts loads in headless Chromium: Fluxion's CPU matmul (the
 * WebAssembly SIMD GEMM there: no native addon in a browser) and TensorFlow.js's wasm
 * backend (tf.min.js and tf-backend-wasm.min.js, loaded by the page as classic scripts),
 * timed call by call on the same page. Bundled by esbuild from Fluxion's sources.
 */
import { manualSeed, rand } from "../../src/index.js";
import { describeWasmGemm } from "../../src/backend/cpu/wasm/gemm.js";

interface Tf {
  wasm: { setWasmPaths(prefix: string): void };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  version: { tfjs: string };
  env(): { getBool(flag: string): boolean; set(flag: string, v: unknown): void };
  randomUniform(shape: number[]): { dispose(): void };
  matMul(a: unknown, b: unknown): { dataSync(): unknown; dispose(): void };
}
const tf = (globalThis as unknown as { tf: Tf }).tf;

/** Milliseconds of each of `reps` calls of `fn`, after `warmup` untimed ones. */
function times(fn: () => void, reps: number, warmup: number): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const bench = {
  async init(wasmPrefix: string) {
    tf.env().set("IS_TEST", false);
    tf.wasm.setWasmPaths(wasmPrefix);
    await tf.setBackend("wasm");
    await tf.ready();
    return {
      crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated ?? false,
      userAgent: (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent,
      fluxion: describeWasmGemm(),
      tfjs: { version: tf.version.tfjs, backend: tf.getBackend(), simd: tf.env().getBool("WASM_HAS_SIMD_SUPPORT"), threads: tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT") },
    };
  },
  /** C = A @ B for random n x n float32 A, B, read back (the result is a CPU typed array). */
  fluxion(n: number, reps: number, warmup: number): number[] {
    manualSeed(1);
    const a = rand([n, n]), b = rand([n, n]);
    return times(() => a.matmul(b).toTypedArray(), reps, warmup);
  },
  /** The same in TensorFlow.js on its wasm backend, its result read back with dataSync. */
  tfjs(n: number, reps: number, warmup: number): number[] {
    const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
    const r = times(() => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    }, reps, warmup);
    a.dispose();
    b.dispose();
    return r;
  },
};
(globalThis as unknown as { bench: typeof bench }).bench = bench;

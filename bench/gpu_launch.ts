/**
 * The WebGPU backend's CPU cost per kernel launch: `n` adds of [64, 128] float32 tensors on
 * "webgpu" (each result disposed once the next exists, as a training loop's temporaries are),
 * then one awaited read. Prints the median over rounds of the encoding loop's time per add
 * (what the host spends: dispatch, WGSL/pipeline lookup, bind group, encoding, submissions)
 * and of the loop plus the read (the device's work too; on SwiftShader that is CPU time as well).
 * Run: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node --import tsx bench/gpu_launch.ts [n] [rounds]
 */
import { initWebGPU, manualSeed, randn } from "../src/index.js";

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 7);

const { adapter } = await initWebGPU();
manualSeed(0);
const a = randn([64, 128]).to("webgpu");
const b = randn([64, 128]).to("webgpu");

async function round(): Promise<{ encode: number; total: number }> {
  const t0 = performance.now();
  let x = a.add(b);
  for (let i = 1; i < N; i++) {
    const next = x.add(b);
    x.dispose();
    x = next;
  }
  const t1 = performance.now();
  await x.toArrayAsync(); // waits for every launch before it
  const t2 = performance.now();
  x.dispose();
  return { encode: ((t1 - t0) * 1000) / N, total: ((t2 - t0) * 1000) / N };
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
await round(); // warm-up: pipelines compiled, buffers pooled
const rs: { encode: number; total: number }[] = [];
for (let r = 0; r < ROUNDS; r++) rs.push(await round());
console.log(`${adapter}: ${N} adds of [64, 128] float32, median of ${ROUNDS} rounds`);
console.log(`  host encoding: ${median(rs.map((r) => r.encode)).toFixed(1)} µs per launch`);
console.log(`  with the read: ${median(rs.map((r) => r.total)).toFixed(1)} µs per launch`);

/**
 * sort / topk / argsort / kthvalue / median along the last dim of a 1024x1024 float32 tensor
 * (and sort along dim 0, a strided axis), at 1 and 2 threads: median of a few runs, in ms.
 * Run: node --import tsx bench/sort_topk.ts
 *
 * AMD EPYC, 2 cores, shared (load ~4, so +-30%), 1 thread / 2 threads, ms:
 *                       before (TS radix sort)   after (native)     PyTorch 1T (given)
 *   sort(1)             294 / 344                24 / 10            74
 *   sort(0) strided     434 / 432                29 / 15
 *   sort(1) f64         416 / 284                32 / 17
 *   topk(10, 1)         332 / 247                2.7 / 2.6          3.5
 *   topk(10, 0)         380 / 197                7.6 / 3.7
 *   topk(512, 1)        363 / 198                23 / 10
 *   kthvalue(100, 1)    357 / 324                14 / 8.7
 *   median(1)           380 / 382                24 / 19
 * Without the addon (FLUXION_NATIVE=0, 1T): sort(1) 253, topk(10, 1) 34 (heap selection), kthvalue(100, 1) 99.
 */
import { manualSeed, randn, setNumThreads, type Tensor } from "../src/index.js";

function time(fn: () => unknown, reps = 7): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[reps >> 1]!;
}

manualSeed(0);
const a: Tensor = randn([1024, 1024]);
const a64 = a.double();
const cases: [string, () => unknown][] = [
  ["sort(1) f32", () => a.sort(1)],
  ["sort(1, desc) f32", () => a.sort(1, true)],
  ["sort(0) f32", () => a.sort(0)],
  ["sort(1) f64", () => a64.sort(1)],
  ["argsort(1) f32", () => a.argsort(1)],
  ["topk(10, 1) f32", () => a.topk(10, 1)],
  ["topk(10, 0) f32", () => a.topk(10, 0)],
  ["topk(512, 1) f32", () => a.topk(512, 1)],
  ["kthvalue(100, 1) f32", () => a.kthvalue(100, 1)],
  ["median(1) f32", () => a.median(1)],
];
for (const threads of [1, 2]) {
  setNumThreads(threads);
  for (const [name, fn] of cases) console.log(`${threads}T ${name.padEnd(22)} ${time(fn).toFixed(2).padStart(8)} ms`);
}

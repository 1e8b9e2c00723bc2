/**
 * Per-layer timings of Fluxion's conv2d primitive passes (forward, input gradient, weight
 * gradient) for the small ResNet's convolution shapes at batch 32, float32, no bias; the
 * same table as bench/conv_layers_torch.py prints for PyTorch. Run:
 *   node --single-threaded-gc --import tsx bench/conv_layers.ts [threads]
 * Prints one line per layer and pass: name pass median_ms min_ms, then the per-step sum.
 * With COLD=1 each timed call starts with cold caches. With CPU=1 the times are the process's CPU time per call instead of wall time (steadier on
 * a machine shared with other work; meaningful at 1 thread only).
 */
import { randn, setNumThreads } from "../src/index.js";
import { dispatch, dispatchAll } from "../src/backend/dispatcher.js";

const THREADS = Number(process.argv[2] ?? 1);
setNumThreads(THREADS);
/** name, C, O, H (= W), kernel, stride, padding, uses per step */
const LAYERS: [string, number, number, number, number, number, number, number][] = [
  ["stem 3-16 32x32", 3, 16, 32, 3, 1, 1, 1],
  ["16-16 32x32", 16, 16, 32, 3, 1, 1, 4],
  ["16-32 s2 32x32", 16, 32, 32, 3, 2, 1, 1],
  ["16-32 1x1 s2", 16, 32, 32, 1, 2, 0, 1],
  ["32-32 16x16", 32, 32, 16, 3, 1, 1, 3],
  ["32-64 s2 16x16", 32, 64, 16, 3, 2, 1, 1],
  ["32-64 1x1 s2", 32, 64, 16, 1, 2, 0, 1],
  ["64-64 8x8", 64, 64, 8, 3, 1, 1, 3],
];
const N = 32;

const CPU = process.env.CPU === "1";
const now = CPU ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

// With COLD=1 every timed call starts with caches cleared of its operands (a 64 MiB buffer
// written in between, outside the timing), as in a training step where other layers' work
// runs between two calls of one layer.
const COLD = process.env.COLD === "1";
const flush = new Float32Array(COLD ? 16 << 20 : 0);
let flushes = 0;

function timeit(fn: () => void, budgetMs = 600): [number, number] {
  for (let i = 0; i < 5; i++) fn();
  const ts: number[] = [];
  const start = performance.now();
  while (performance.now() - start < budgetMs || ts.length < 10) {
    if (COLD) flush.fill(++flushes);
    const t0 = now();
    fn();
    ts.push(now() - t0);
  }
  ts.sort((a, b) => a - b);
  return [ts[ts.length >> 1]!, ts[0]!];
}

const only = process.env.ONLY;
const total = { forward: 0, input: 0, weight: 0 };
for (const [name, C, O, H, k, s, p, uses] of LAYERS) {
  if (only && !name.includes(only)) continue;
  const x = randn([N, C, H, H]), w = randn([O, C, k, k]);
  const win = { kernel: [k, k] as const, stride: [s, s] as const, padding: [p, p] as const, dilation: [1, 1] as const };
  const y = dispatch("conv2d", [x, w], { pass: "forward", ...win });
  const dy = randn(y.shape);
  const res = {
    forward: timeit(() => void dispatch("conv2d", [x, w], { pass: "forward", ...win })),
    input: timeit(() => void dispatch("conv2d", [dy, w], { pass: "input", inputSize: [H, H], ...win })),
    weight: timeit(() => void dispatchAll("conv2d", [x, dy], { pass: "weight", ...win })),
  };
  for (const [pass, [med, min]] of Object.entries(res) as [keyof typeof total, [number, number]][]) {
    console.log(`${name.padEnd(18)} ${pass.padEnd(8)} ${med.toFixed(3).padStart(8)} ${min.toFixed(3).padStart(8)} x${uses}`);
    if (!(pass === "input" && name.startsWith("stem"))) total[pass] += med * uses;
  }
}
const sum = total.forward + total.input + total.weight;
console.log(`per step (medians x uses, stem without input grad): forward ${total.forward.toFixed(2)} input ${total.input.toFixed(2)} weight ${total.weight.toFixed(2)} sum ${sum.toFixed(2)}`);

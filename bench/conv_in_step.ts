/**
 * The convolutions' share of the small ResNet's training step (bench/untuned.ts's "resnet"
 * case) as they run inside it, with their operands fresh from memory and BatchNorm between
 * them: per conv2d primitive call (pass, input shapes, kernel, stride) the median wall and
 * process CPU time over 10 steps after 15 warm-up steps, and the sum per step. Compare with
 * bench/conv_layers.ts (COLD=1 comes closest to this). Run:
 *   node --single-threaded-gc --import tsx bench/conv_in_step.ts [threads]
 */
import { setNumThreads } from "../src/index.js";
import { addDispatchLayer } from "../src/backend/dispatcher.js";
import { makeTrainCase } from "./untuned.js";

setNumThreads(Number(process.argv[2] ?? 1));
const STEPS = 10;
const c = makeTrainCase("resnet");
for (let i = 0; i < 15; i++) c.step();

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const calls = new Map<string, { wall: number[]; cpu: number[] }>();
addDispatchLayer((call, next) => {
  if (call.op !== "conv2d") return next(call);
  const a = call.attrs as { pass: string; kernel: readonly number[]; stride: readonly number[] };
  const key = `${a.pass.padEnd(8)} ${call.inputs.map((t) => t.shape.join("x")).join(" ")} k${a.kernel[0]} s${a.stride[0]}`;
  const t0 = performance.now(), c0 = cpu();
  const outs = next(call);
  const e = calls.get(key) ?? { wall: [], cpu: [] };
  e.wall.push(performance.now() - t0);
  e.cpu.push(cpu() - c0);
  calls.set(key, e);
  return outs;
});
for (let i = 0; i < STEPS; i++) c.step();

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
let wall = 0, cpuMs = 0;
for (const [key, e] of [...calls].sort()) {
  const perStep = e.wall.length / STEPS;
  wall += median(e.wall) * perStep;
  cpuMs += median(e.cpu) * perStep;
  console.log(`${key.padEnd(48)} x${perStep}  wall ${median(e.wall).toFixed(3)}  cpu ${median(e.cpu).toFixed(3)} ms`);
}
console.log(`per step (medians x calls): wall ${wall.toFixed(2)} ms, cpu ${cpuMs.toFixed(2)} ms`);

/**
 * The cost of the allocator's GC pressure on small eager ops (issue 15): CPU and wall time per
 * op of add([64,128], [64,128]) and of a SimpleNet batch-64 training step, with V8's GC counts.
 * Run it once per setting, alternating, e.g.
 *   for i in 1 2 3; do for p in 0 1; do FLUXION_ALLOC_GC_PRESSURE=$p npx tsx bench/gc_pressure.ts; done; done
 * (FLUXION_ALLOC_GC_PRESSURE_EAGER=1: every buffer reported when made, the old behaviour).
 */
import v8 from "node:v8";
import { add, nn, optim, randint, randn, manualSeed } from "../src/index.js";
import { SimpleNet } from "../examples/models.js";

function measure(name: string, perChunk: number, chunks: number, fn: () => void): void {
  for (let i = 0; i < perChunk; i++) fn(); // warm-up
  const prof = new v8.GCProfiler();
  prof.start();
  const walls: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let c = 0; c < chunks; c++) {
    const t0 = performance.now();
    for (let i = 0; i < perChunk; i++) fn();
    walls.push((performance.now() - t0) / perChunk);
  }
  const cpu = process.cpuUsage(cpu0);
  const gcs: Record<string, number> = {};
  for (const e of prof.stop()?.statistics ?? []) gcs[e.gcType] = (gcs[e.gcType] ?? 0) + 1;
  walls.sort((a, b) => a - b);
  const us = (x: number) => (x * 1e3).toFixed(2);
  console.log(`${name}: cpu ${((cpu.user + cpu.system) / (perChunk * chunks)).toFixed(2)} us/op, wall median ${us(walls[walls.length >> 1])} us/op, gc ${JSON.stringify(gcs)}`);
}

manualSeed(0);
const mode = `pressure=${process.env.FLUXION_ALLOC_GC_PRESSURE ?? "default"}${process.env.FLUXION_ALLOC_GC_PRESSURE_EAGER === "1" ? " eager" : ""}`;
console.log(mode);
const a = randn([64, 128]), b = randn([64, 128]);
measure("add [64,128]", 10000, 20, () => add(a, b));
const model = new SimpleNet(), x = randn([64, 1, 28, 28]), y = randint(0, 10, [64]);
const criterion = new nn.CrossEntropyLoss(), opt = new optim.SGD(model.parameters(), { lr: 0.01 });
measure("mlp.train.b64", 100, 20, () => {
  opt.zeroGrad();
  criterion.forward(model.forward(x), y).backward();
  opt.step();
});

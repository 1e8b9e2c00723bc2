/**
 * compile()'s per-call overhead on the seed's SimpleNet training step (batch 64, SGD
 * momentum): eager step vs compiled step (recording + cache lookup + the same kernels), the
 * first call's preparation time, and the compiled step's time split from its stats().
 * Run: node --import tsx bench/compile_overhead.ts [steps]
 */
import { compile, manualSeed, nn, optim, randn, randint, type Tensor } from "../src/index.js";
import { SimpleNet } from "../examples/models.js";

const STEPS = Number(process.argv[2] ?? 200);

function makeStep() {
  manualSeed(0);
  const model = new SimpleNet();
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const criterion = new nn.CrossEntropyLoss();
  return (x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const loss = criterion.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

manualSeed(1);
const batches = Array.from({ length: 16 }, () => [randn([64, 784]), randint(0, 10, [64])] as const);

function time(step: (x: Tensor, y: Tensor) => Tensor): number[] {
  const out: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const [x, y] = batches[i % batches.length]!;
    const t0 = performance.now();
    step(x, y);
    out.push(performance.now() - t0);
  }
  return out;
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;

const eager = makeStep();
const compiled = compile(makeStep());
const [x0, y0] = batches[0]!;
let t = performance.now();
compiled(x0, y0);
const first = performance.now() - t;
compiled.resetStats();
// interleave rounds so both see the same machine load
const e: number[] = [], c: number[] = [];
for (let r = 0; r < 4; r++) {
  e.push(...time(eager));
  c.push(...time(compiled));
}
const s = compiled.stats();
const perCall = (ms: number) => ((ms / s.calls) * 1000).toFixed(1);
console.log(`SimpleNet step, batch 64, ${STEPS * 4} steps each`);
console.log(`eager    median ${median(e).toFixed(3)} ms, mean ${mean(e).toFixed(3)} ms`);
console.log(`compiled median ${median(c).toFixed(3)} ms, mean ${mean(c).toFixed(3)} ms (median ratio ${(median(c) / median(e)).toFixed(3)})`);
console.log(`first compiled call ${first.toFixed(1)} ms (prepare ${s.prepareMs.toFixed(1)} ms after it)`);
console.log(`per compiled call: ${s.graphs / s.calls} graphs; lookup ${perCall(s.lookupMs)} us, kernels ${perCall(s.executeMs)} us, recording ${perCall(s.totalMs - s.lookupMs - s.executeMs - s.prepareMs)} us, total ${perCall(s.totalMs)} us`);
console.log(`hits ${s.cacheHits}, misses ${s.cacheMisses}`);

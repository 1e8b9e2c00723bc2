/**
 * compile() in `npm run bench` (group "compile"): each model's training step eager and
 * compiled, in the same process at the default thread count, interleaved per model so both
 * see the same machine load:
 *   compile.mlp.{eager,compiled}.b64          SimpleNet, batch 64, SGD lr 0.01 (as mlp.train.b64)
 *   compile.cnn.{eager,compiled}.b64          SmallCNN, batch 64, SGD lr 0.01 (as cnn.train.b64)
 *   compile.transformer.{eager,compiled}      TransformerLM (2 layers, d_model 128, 4 heads,
 *                                             seq 64, batch 16), AdamW lr 1e-3 (as transformer.train)
 * Each row gives garbage collection's share of its timed calls. A compiled row's note gives
 * the first call's time (recording + passes + the run), the passes' share of it (the rest
 * is what any call costs) and, from stats() over a few hot calls after the timed ones, the
 * per-call split: recording, cache lookup (the cost of a hit over recording),
 * kernels. Peak memory of the transformer step, eager and compiled, comes from
 * bench/memory_case.ts in fresh processes (mem.transformer, mem.transformer.compiled).
 */
import { spawnSync } from "node:child_process";
import { compile, nn, optim, randn, randint, type Tensor } from "../src/index.js";
import { SimpleNet, SmallCNN } from "../examples/models.js";
import { MLP_TRAIN_TIMING, emit, memoryCaseArgv, runCase, selected } from "./common.js";
import { makeTrainCase } from "./untuned.js";

type Step = () => unknown;

function sgdStep(model: nn.Module, x: Tensor, y: Tensor): (x: Tensor, y: Tensor) => Tensor {
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  return (xb, yb) => {
    optimizer.zeroGrad();
    const loss = criterion.forward(model.forward(xb), yb);
    loss.backward();
    optimizer.step();
    return loss;
  };
}

/** The step as timed: eager, or compiled after one first call whose time is recorded. */
interface Info {
  firstMs?: number;
  prepareMs?: number;
  step?: ReturnType<typeof compile>;
  call?: Step;
}

function prepare(make: () => { fn: (x: Tensor, y: Tensor) => unknown; x: Tensor; y: Tensor }, compiled: boolean, info: Info): Step {
  const { fn, x, y } = make();
  if (!compiled) return () => fn(x, y);
  const step = compile(fn);
  const t0 = performance.now();
  step(x, y);
  info.firstMs = performance.now() - t0;
  info.prepareMs = step.stats().prepareMs;
  step.resetStats();
  info.step = step;
  info.call = () => step(x, y);
  return info.call;
}

/** The compiled step's per-call split over `calls` calls after the timed ones (hot, no warm-up calls in it). */
function hotSplit(info: Info, calls: number): void {
  info.step!.resetStats();
  for (let i = 0; i < calls; i++) info.call!();
}

function splitNote(info: Info): string {
  const s = info.step!.stats();
  const per = (ms: number) => `${((1000 * ms) / Math.max(1, s.calls)).toFixed(0)} µs`;
  const rec = s.totalMs - s.lookupMs - s.executeMs - s.prepareMs;
  return `first call ${info.firstMs!.toFixed(1)} ms (passes ${info.prepareMs!.toFixed(1)} ms of it); per call: recording ${per(rec)}, cache lookup ${per(s.lookupMs)}, kernels ${per(s.executeMs)}; ${s.graphs / Math.max(1, s.calls)} graph(s)/call, ${s.cacheMisses} miss(es) after the first call`;
}

const MODELS: [string, () => { fn: (x: Tensor, y: Tensor) => unknown; x: Tensor; y: Tensor }, object][] = [
  ["mlp", () => { const m = new SimpleNet(), x = randn([64, 1, 28, 28]), y = randint(0, 10, [64]); return { fn: sgdStep(m, x, y), x, y }; }, { ...MLP_TRAIN_TIMING, gc: true }],
  ["cnn", () => { const m = new SmallCNN(), x = randn([64, 1, 28, 28]), y = randint(0, 10, [64]); return { fn: sgdStep(m, x, y), x, y }; }, { minReps: 3, gc: true }],
  ["transformer", () => {
    const c = makeTrainCase("transformer");
    return { fn: () => { c.step(); }, x: c.x, y: c.y };
  }, { minReps: 5, warmup: 3, gc: true }],
];

export async function runCompileCases(impl: string, threads: number | string | undefined): Promise<void> {
  for (const [name, make, timing] of MODELS) {
    const suffix = name === "transformer" ? "" : ".b64";
    for (const mode of ["eager", "compiled"] as const) {
      const id = `compile.${name}.${mode}${suffix}`;
      const info: Info = {};
      if (mode === "eager") await runCase(impl, threads, id, () => prepare(make, false, info), timing);
      else {
        if (!selected(id)) continue;
        let note = "";
        await runCase(impl, threads, id, () => prepare(make, true, info), timing);
        try {
          note = splitNote(info);
        } catch (e) {
          note = String(e);
        }
        emit({ case: `${id}.split`, impl, threads, status: "ok", firstMs: info.firstMs, note });
      }
    }
  }
  for (const compiled of [false, true]) {
    const id = `compile.mem.transformer${compiled ? ".compiled" : ""}`;
    if (!selected(id)) continue;
    const r = spawnSync(process.execPath, memoryCaseArgv(["transformer", "2", ...(compiled ? ["compiled"] : []), "--id", id]), { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8", timeout: 600_000 });
    if (r.status !== 0) emit({ case: id, impl, threads: 2, status: "failed", note: `bench/memory_case.ts exited with ${r.status ?? r.signal}` });
  }
}

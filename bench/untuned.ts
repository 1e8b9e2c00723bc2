/**
 * Fluxion's side of the untuned workloads of issue 15 in `npm run bench` (bench/fluxion.ts calls
 * runUntuned), each at 1 and at 2 threads; bench/untuned_torch.py runs the same cases in PyTorch:
 * - training steps: TransformerLM (AdamW), SmallResNet (SGD momentum), LSTMLM (Adam) at
 *   sequence lengths 25/50/100 (examples/models.ts), with GC's share of the timed steps;
 * - elementwise ops and reductions on 4M floats / 1024×4096, non-square and batched matmuls,
 *   BatchNorm2d and LayerNorm forward+backward;
 * - peak memory above the process baseline of the training steps, each measured in a fresh
 *   child process (bench/memory_case.ts) so that the baselines are clean.
 * With BENCH_PROFILE=1 each training case is also profiled with utils.profile() and its table
 * printed; the split (kernels, GC, the slowest ops) goes to the results for BENCHMARKS.md.
 * makeTrainCase is also what test/examples/models_parity.test.ts checks against PyTorch.
 */
import { spawnSync } from "node:child_process";
import { GCProfiler } from "node:v8";
import { nn, optim, utils, randn, randint, matmul, bmm, Tensor } from "../src/index.js";
import { LSTMLM, SmallResNet, TransformerLM } from "../examples/models.js";
import { PROFILE, QUICK, THREADS, emit, firstLine, memoryCaseArgv, runCase, selected, type ProfileSplit } from "./common.js";

export type TrainName = "transformer" | "resnet" | "lstm";

/** One training case: model, optimizer, inputs, and the step that `npm run bench` times. */
export interface TrainCase {
  model: nn.Module;
  optimizer: optim.Optimizer;
  x: Tensor;
  y: Tensor;
  /** The loss of the current weights on (x, y), with the graph for backward. */
  loss(): Tensor;
  /** zeroGrad, forward, loss, backward, optimizer step. */
  step(): void;
}

/** Cross-entropy over every position: logits [..., C] against targets [...]. */
function lossOver(logits: Tensor, y: Tensor): Tensor {
  return nn.F.crossEntropy(logits.reshape([-1, logits.shape[logits.ndim - 1]!]), y.reshape([-1]));
}

/**
 * The training cases of issue 15 (bench/models_torch.py's make_case mirrors them):
 * transformer: TransformerLM on [16, 64] tokens of 1000, AdamW lr 1e-3;
 * resnet: SmallResNet on [32, 3, 32, 32] images of 10 classes, SGD lr 0.01 momentum 0.9;
 * lstm: LSTMLM on [seq, 32] tokens of 100 (time-major), Adam lr 1e-3.
 * Random inputs unless x and y are given, a fresh model unless one is (the parity test gives
 * PyTorch's inputs, and the model converted to float64).
 */
export function makeTrainCase(name: TrainName, opts: { seq?: number; x?: Tensor; y?: Tensor; model?: nn.Module } = {}): TrainCase {
  let model: nn.Module, optimizer: optim.Optimizer, x: Tensor, y: Tensor;
  if (name === "transformer") {
    model = opts.model ?? new TransformerLM();
    optimizer = new optim.AdamW(model.parameters(), { lr: 1e-3 });
    x = opts.x ?? randint(0, 1000, [16, 64]);
    y = opts.y ?? randint(0, 1000, [16, 64]);
  } else if (name === "resnet") {
    model = opts.model ?? new SmallResNet();
    optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    x = opts.x ?? randn([32, 3, 32, 32]);
    y = opts.y ?? randint(0, 10, [32]);
  } else if (name === "lstm") {
    model = opts.model ?? new LSTMLM();
    optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const seq = opts.seq ?? 50;
    x = opts.x ?? randint(0, 100, [seq, 32]);
    y = opts.y ?? randint(0, 100, [seq, 32]);
  } else {
    throw new Error(`makeTrainCase: unknown case ${String(name)} (transformer, resnet, lstm)`);
  }
  model.train();
  const loss = () => lossOver(model.call(x) as Tensor, y);
  return {
    model, optimizer, x, y, loss,
    step: () => {
      optimizer.zeroGrad();
      loss().backward();
      optimizer.step();
    },
  };
}

/** The training cases timed, by case id prefix (the thread count is appended). */
const TRAIN_CASES: [string, TrainName, number?][] = [
  ["transformer.train", "transformer"],
  ["resnet.train", "resnet"],
  ["lstm.train.s25", "lstm", 25],
  ["lstm.train.s50", "lstm", 50],
  ["lstm.train.s100", "lstm", 100],
];

/** utils.profile() over a few steps: prints the table, returns the split per step. */
function profileSteps(caseId: string, step: () => void): ProfileSplit {
  const steps = QUICK ? 2 : 3;
  const gc = new GCProfiler();
  gc.start();
  const prof = utils.profile(() => { for (let i = 0; i < steps; i++) step(); });
  const gcMs = (gc.stop()?.statistics ?? []).reduce((s, e) => s + e.cost, 0) / 1000;
  console.log(`\n  utils.profile() of ${caseId}, ${steps} steps:\n${prof.table({ rowLimit: 15 })}`);
  console.log(`  Garbage collection (v8.GCProfiler): ${gcMs.toFixed(1)} ms (${((100 * gcMs) / prof.wallMs).toFixed(1)}% of wall)\n`);
  const pct = (ms: number) => (100 * ms) / prof.wallMs;
  return {
    wallMs: prof.wallMs / steps,
    kernelPct: pct(prof.kernelMs),
    gcPct: pct(gcMs),
    ops: prof.byOp.slice(0, 8).map((r) => ({ name: r.name, selfPct: pct(r.selfMs), calls: r.calls / steps })),
  };
}

/** A [n]-element or shaped input with values in a tame range for exp/softmax. */
const input = (shape: number[]) => randn(shape);

/** Forward + backward of a normalization layer with a fixed upstream gradient; grads are dropped each call. */
function normFwdBwd(layer: nn.Module, shape: number[]): () => void {
  const x = randn(shape).requiresGrad_(true), g = randn(shape);
  layer.train();
  return () => {
    (layer.call(x) as Tensor).backward(g);
    x.grad = null;
    layer.zeroGrad();
  };
}

/**
 * Every untuned case at 1 and 2 threads (setThreads from bench/fluxion.ts), then the memory
 * children. `impl` is "fluxion".
 */
export async function runUntuned(impl: string, useThreads: (n: number | undefined) => number | string): Promise<void> {
  for (const t of THREADS) {
    const threads = useThreads(t);
    for (const [prefix, name, seq] of TRAIN_CASES) {
      const id = `${prefix}.t${t}`;
      await runCase(impl, threads, id, () => makeTrainCase(name, { seq }).step, { minReps: 5, warmup: 3, gc: true });
      if (PROFILE && selected(id)) {
        try {
          const split = profileSteps(id, makeTrainCase(name, { seq }).step);
          emit({ case: `profile.${id}`, impl, threads, status: "ok", split, note: `utils.profile(): ${split.wallMs.toFixed(1)} ms/step, kernels ${split.kernelPct.toFixed(0)}%, GC ${split.gcPct?.toFixed(0)}%` });
        } catch (e) {
          emit({ case: `profile.${id}`, impl, threads, status: "failed", note: firstLine(e) });
        }
      }
    }
    const n4m = [4 * 1024 * 1024];
    const unary: [string, (x: Tensor) => Tensor][] = [
      ["exp", (x) => x.exp()], ["gelu", (x) => nn.F.gelu(x)], ["tanh", (x) => x.tanh()], ["sigmoid", (x) => x.sigmoid()],
    ];
    for (const [op, f] of unary) {
      await runCase(impl, threads, `ops.${op}.t${t}`, () => { const x = input(n4m); return () => f(x); });
    }
    for (const op of ["add", "mul"] as const) {
      await runCase(impl, threads, `ops.${op}.t${t}`, () => { const a = input(n4m), b = input(n4m); return () => a[op](b); });
    }
    await runCase(impl, threads, `ops.softmax.t${t}`, () => { const x = input([1024, 4096]); return () => nn.F.softmax(x, -1); });
    await runCase(impl, threads, `ops.sum.t${t}`, () => { const x = input([1024, 4096]); return () => x.sum(-1); });
    await runCase(impl, threads, `mm.wide.t${t}`, () => { const a = input([64, 1024]), b = input([1024, 4096]); return () => matmul(a, b); });
    await runCase(impl, threads, `mm.bmm.t${t}`, () => { const a = input([32, 64, 64]), b = input([32, 64, 64]); return () => bmm(a, b); });
    // xᵀ·y as a weight gradient is computed: x [2048, 256] and y [2048, 1024], x.t() a strided view
    await runCase(impl, threads, `mm.xty.t${t}`, () => { const x = input([2048, 256]), y = input([2048, 1024]); return () => matmul(x.t(), y); });
    await runCase(impl, threads, `norm.bn2d.t${t}`, () => normFwdBwd(new nn.BatchNorm2d(64), [32, 64, 32, 32]));
    await runCase(impl, threads, `norm.ln.t${t}`, () => normFwdBwd(new nn.LayerNorm(512), [32, 128, 512]));
  }
  useThreads(undefined);
  for (const name of ["transformer", "resnet", "lstm"] as const) memoryChild(impl, name);
}

/** Runs bench/memory_case.ts for one case in a fresh Node process (it emits its own result line). */
function memoryChild(impl: string, name: TrainName): void {
  const id = `mem.${name}`;
  if (!selected(id)) return;
  const r = spawnSync(process.execPath, memoryCaseArgv([name, "2"]), { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) emit({ case: id, impl, threads: 2, status: "failed", note: `bench/memory_case.ts exited with ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").filter(Boolean).pop()?.slice(0, 200) ?? ""}` });
}

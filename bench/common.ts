/**
 * Shared by every JavaScript benchmark runner (Fluxion and the JS peers): the case list and
 * sizes, the timing loop (warm-up, then repetitions until a time budget, median), and the one
 * result format — a JSON line per measurement appended to the file named by BENCH_OUT —
 * that bench/report.ts merges with the Python peers' lines (bench/torch_bench.py writes the
 * same shape). Not a framework: each runner still builds its own models in its own API.
 */
import { appendFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GCProfiler } from "node:v8";

/** One measurement, as every runner writes it. `ms` is the median time of one call. */
export interface BenchResult {
  case: string;           // e.g. "gemm.f32.n256.t1", "mlp.train.b64", "dispatch.add2"
  impl: string;           // "fluxion", "pytorch", "numpy", "onnxruntime", "tfjs-wasm", "jax-js"
  threads?: number | string; // thread setting this number was measured at
  status: "ok" | "failed" | "missing" | "unsupported";
  ms?: number;            // median milliseconds per call (for dispatch: per op)
  reps?: number;
  minMs?: number;
  note?: string;          // how it was measured (jit, extrapolated, ...) or why it failed
  gcPct?: number;         // garbage collection's share of the timed calls, % (Node runners, when asked)
  // memory cases (mem.*): peak above the process baseline, MB (2^20 bytes), and the baseline
  rssMB?: number;
  heapMB?: number;        // V8 heap used + external memory (ArrayBuffers included)
  baseRssMB?: number;
  /** profile.* rows (BENCH_PROFILE=1): where a training step's time goes, from utils.profile(). */
  split?: ProfileSplit;
  /** compile.*.split rows: the compiled step's first call, milliseconds. */
  firstMs?: number;
}

/** The share of a step's wall time taken by kernels, GC and the slowest ops (from utils.profile). */
export interface ProfileSplit {
  wallMs: number;      // per step
  kernelPct: number;
  gcPct: number | null;
  ops: { name: string; selfPct: number; calls: number }[]; // by self kernel time, per step
}

export const QUICK = process.env.BENCH_QUICK === "1";
/** Comma-separated case prefixes (gemm, bf16, mlp, cnn, infer, dispatch, fmnist, issue15, ...); empty = all. */
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").map((s) => s.trim()).filter(Boolean);
/** BENCH_PROFILE=1: print utils.profile()'s table of each untuned training case and record the split. */
export const PROFILE = process.env.BENCH_PROFILE === "1";

/**
 * The groups of the untuned workloads of issue 15 (bench/untuned.ts); `--only issue15` selects
 * them all, plus the tuned MLP and CNN training steps that the issue's table re-checks.
 */
export const ISSUE15_GROUPS = ["transformer", "resnet", "lstm", "ops", "mm", "norm", "mem"];

/** Whether a case id is selected by --only (matches a group name, the issue15 alias, or an id prefix). */
export function selected(caseId: string): boolean {
  if (ONLY.length === 0) return true;
  const group = caseGroup(caseId);
  const issue15 = ISSUE15_GROUPS.includes(group) || /^(mlp|cnn)\.train\./.test(caseId);
  return ONLY.some((o) => o === group || caseId.startsWith(o) || (o === "issue15" && issue15));
}

/** The --only group a case id belongs to. */
export function caseGroup(caseId: string): string {
  if (caseId.startsWith("gemm.f32")) return "gemm";
  if (caseId.startsWith("gemm.bf16")) return "bf16";
  if (caseId.includes(".infer.")) return "infer";
  return caseId.split(".")[0]!;
}

export const GEMM_SIZES = QUICK ? [128, 256, 512] : [128, 256, 512, 1024, 2048];
export const BF16_SIZES = QUICK ? [256] : [256, 1024];
export const THREADS = [1, 2];
/** Time each measurement may take (after warm-up); long single calls stop earlier. */
export const BUDGET_MS = QUICK ? 400 : 1500;
/**
 * The MLP training step's warm-up, for every runner: V8 needs thousands of calls to compile
 * an eager step's code paths (Fluxion's: 1.27 ms over the first 200 steps, 0.60 ms after
 * 1300, 0.45 ms after 3000), so at least 3000 calls within a 4 s budget.
 */
export const MLP_TRAIN_TIMING = QUICK ? {} : { warmup: 3000, budgetMs: 4000 };

export function emit(r: BenchResult): void {
  const line = JSON.stringify(r);
  if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, line + "\n");
  const gc = r.gcPct !== undefined ? `; GC ${r.gcPct.toFixed(1)}%` : "";
  const mem = r.rssMB !== undefined ? `peak RSS +${r.rssMB.toFixed(1)} MB${r.heapMB !== undefined ? `, heap+external +${r.heapMB.toFixed(1)} MB` : ""}${r.note ? `; ${r.note}` : ""}` : undefined;
  const shown = r.status === "ok" && r.ms === undefined ? mem ?? r.note : r.status === "ok" ? `${fmtMs(r.ms!)}  (${r.reps} reps${gc}${r.note ? `; ${r.note}` : ""})` : `${r.status}: ${r.note}`;
  console.log(`  ${r.impl.padEnd(12)} ${String(r.threads ?? "").padEnd(8)} ${r.case.padEnd(22)} ${shown}`);
}

export function fmtMs(ms: number): string {
  if (ms < 0.01) return `${(ms * 1000).toFixed(2)} µs`;
  if (ms < 1) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 1000) return `${ms.toFixed(2)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface MeasureOptions {
  warmup?: number;   // untimed calls first (default 3), and for at least a fifth of the budget
  minReps?: number;  // at least this many timed calls (default 5) unless one call is very long
  maxReps?: number;  // at most this many (default 200)
  inner?: number;    // calls per timed repetition; the result is per call (for µs-scale ops)
  budgetMs?: number;
  gc?: boolean;      // also measure garbage collection's share of the timed calls (v8.GCProfiler)
}

/**
 * Times `fn` (sync or async): warm-up calls (at least `warmup`, and for a fifth of the budget,
 * so that JIT-compiled code is measured hot, not the first hundred calls of a 50 µs op),
 * then repetitions until the budget is spent and at least minReps are done; returns the
 * median per call. When the first (warm-up) call takes
 * longer than twice the budget, a single further call is the only sample.
 */
export async function measure(fn: () => unknown, opts: MeasureOptions = {}): Promise<{ ms: number; reps: number; minMs: number; gcPct?: number }> {
  const budget = opts.budgetMs ?? BUDGET_MS;
  const warmup = opts.warmup ?? 3, minReps = opts.minReps ?? 5, maxReps = opts.maxReps ?? 200, inner = opts.inner ?? 1;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
    return (performance.now() - t0) / inner;
  };
  // GC is read with v8.GCProfiler, whose stop() is synchronous: PerformanceObserver's "gc"
  // entries only arrive when the event loop turns, which a synchronous step never lets it do.
  const gcStart = (): (() => number | undefined) => {
    if (!opts.gc) return () => undefined;
    const prof = new GCProfiler();
    prof.start();
    const t0 = performance.now();
    return () => {
      const wall = performance.now() - t0;
      const gcMs = (prof.stop()?.statistics ?? []).reduce((s, e) => s + e.cost, 0) / 1000; // cost is µs
      return wall > 0 ? (100 * gcMs) / wall : undefined;
    };
  };
  const first = await once();
  if (first * inner > 2 * budget) {
    const gcStop = gcStart();
    const second = await once(); // the first call was the warm-up
    return { ms: second, reps: 1, minMs: second, gcPct: gcStop() };
  }
  let spent = first * inner;
  for (let i = 1; (i < warmup || spent < budget / 5) && spent < budget; i++) spent += (await once()) * inner;
  const samples: number[] = [];
  const gcStop = gcStart();
  const start = performance.now();
  while (samples.length < maxReps) {
    samples.push(await once());
    const elapsed = performance.now() - start;
    if (samples.length >= minReps && elapsed >= budget) break;
    if (elapsed >= 3 * budget) break; // slow case: fewer than minReps, say so through reps
  }
  return { ms: median(samples), reps: samples.length, minMs: Math.min(...samples), gcPct: gcStop() };
}

/** Runs one case: skips it when not selected, times it, and emits ok or failed (with the reason). */
export async function runCase(
  impl: string, threads: number | string | undefined, caseId: string,
  setup: () => unknown | Promise<unknown>, opts: MeasureOptions & { note?: string } = {},
): Promise<void> {
  if (!selected(caseId)) return;
  try {
    const fn = await setup();
    if (typeof fn !== "function") throw new Error("setup returned no function");
    const m = await measure(fn as () => unknown, opts);
    emit({ case: caseId, impl, threads, status: "ok", ms: m.ms, reps: m.reps, minMs: m.minMs, note: opts.note, gcPct: m.gcPct });
  } catch (e) {
    emit({ case: caseId, impl, threads, status: "failed", note: firstLine(e) });
  }
}

export function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.slice(0, 200);
}

/** Deterministic pseudo-random float32 data (peers get the same kind of inputs without sharing RNGs). */
export function randomData(n: number, seed = 1, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return out;
}

export function randomLabels(n: number, classes = 10, seed = 7): Int32Array {
  const out = new Int32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; out[i] = (s >>> 16) % classes; }
  return out;
}

/**
 * How to start bench/memory_case.ts in a fresh Node with `args`: its bundle
 * (.memory_case.dist.mjs, Fluxion from dist/) when bench/run.sh runs the bundled runner
 * (FLUXION_BENCH_BUNDLED=1), else the TypeScript file through tsx.
 */
export function memoryCaseArgv(args: readonly string[]): string[] {
  const flags = ["--single-threaded-gc", "--expose-gc"];
  const bundle = fileURLToPath(new URL("./.memory_case.dist.mjs", import.meta.url));
  if (process.env.FLUXION_BENCH_BUNDLED === "1" && existsSync(bundle)) return [...flags, bundle, ...args];
  return [...flags, "--import", "tsx", fileURLToPath(new URL("./memory_case.ts", import.meta.url)), ...args];
}

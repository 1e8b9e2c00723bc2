/**
 * Merges the JSON lines of every runner (bench/common.ts's BenchResult) into the tables of
 * `npm run bench`: medians, Fluxion/peer ratios, the issue's targets met or not, every raw
 * measurement, and the machine it ran on. Prints the tables and, with --write, writes
 * BENCHMARKS.md.
 *   node --import tsx bench/report.ts --results bench/out/results.jsonl --write BENCHMARKS.md \
 *        --command "npm run bench" --load-start "1.2 0.8 0.5" --torch-default "..."
 */
import { readFileSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import type { BenchResult } from "./common.js";
import { issue15Section } from "./report_issue15.js";
import { compileSection } from "./report_compile.js";
import { fmt, ratio, table } from "./report_util.js";

const { values: args } = parseArgs({
  options: {
    results: { type: "string", default: "bench/out/results.jsonl" },
    write: { type: "string" },
    command: { type: "string", default: "npm run bench" },
    "load-start": { type: "string" },
    "torch-default": { type: "string" },
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
  },
});

const rows: BenchResult[] = readFileSync(args.results!, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as BenchResult);
const PEERS = ["pytorch", "numpy", "onnxruntime", "tfjs-wasm", "jax-js"] as const;
const NAMES: Record<string, string> = { fluxion: "Fluxion", pytorch: "PyTorch", numpy: "NumPy/OpenBLAS", onnxruntime: "ONNX Runtime", "tfjs-wasm": "TF.js wasm", "jax-js": "jax-js" };

const results = rows.filter((r) => !r.case.startsWith("info.") && !r.case.startsWith("profile."));
const profiles = rows.filter((r) => r.case.startsWith("profile."));
const infos = rows.filter((r) => r.case.startsWith("info."));
/** Peers reported missing by run.sh (not installed, or their runner could not start). */
const missing = new Map(infos.filter((r) => r.status === "missing").map((r) => [r.impl, r.note ?? "missing"]));

function get(caseId: string, impl: string, threads?: number | string): BenchResult[] {
  return results.filter((r) => r.case === caseId && r.impl === impl && (threads === undefined || String(r.threads) === String(threads)));
}
/** The fastest ok measurement of a peer for a case (PyTorch and ORT are run at 1 and 2 threads). */
function best(caseId: string, impl: string): BenchResult | undefined {
  return get(caseId, impl).filter((r) => r.status === "ok" && r.ms !== undefined).sort((a, b) => a.ms! - b.ms!)[0];
}

const gflops = (n: number, ms: number): string => `${((2 * n ** 3) / (ms * 1e6)).toFixed(n >= 256 || ms < 1 ? 1 : 2)} GF/s`;

/** A peer's cell: its median (and thread setting when it was the best of several), then Fluxion÷peer. */
function peerCell(caseId: string, impl: string, flux: BenchResult | undefined, extra?: (r: BenchResult) => string, showThreads = false): string {
  const r = best(caseId, impl);
  if (!r) {
    const other = get(caseId, impl)[0];
    if (other) return other.status === "unsupported" ? `n/a¹` : `failed²`;
    return missing.has(impl) ? "missing³" : "—";
  }
  const thr = showThreads ? ` @${r.threads}t` : "";
  const lazy = r.note?.includes("includes dataSync") ? "⁴" : "";
  const base = `${fmt(r.ms!)}${lazy}${extra ? ` (${extra(r)})` : ""}${thr}`;
  return flux?.status === "ok" ? `${base} · **${ratio(flux.ms! / r.ms!)}**` : base;
}
function fluxCell(r: BenchResult | undefined, extra?: (r: BenchResult) => string, rowThreads?: number): string {
  if (!r) return "—";
  if (r.status !== "ok") return "failed²";
  const thr = rowThreads !== undefined && String(r.threads) !== String(rowThreads) ? ` @${r.threads}` : "";
  return `${fmt(r.ms!)}${extra ? ` (${extra(r)})` : ""}${thr}`;
}
const sizes = (prefix: string): number[] => [...new Set(results.filter((r) => r.case.startsWith(prefix)).map((r) => Number(/\.n(\d+)\./.exec(r.case)![1])))].sort((a, b) => a - b);

const out: string[] = [];
// float32 GEMM: peers at the same thread count as the row.
const gemmSizes = sizes("gemm.f32");
if (gemmSizes.length) {
  out.push("### float32 GEMM (C = A·B, square n×n)\n");
  const body: string[][] = [];
  for (const t of [1, 2]) for (const n of gemmSizes) {
    const id = `gemm.f32.n${n}.t${t}`, flux = get(id, "fluxion")[0];
    if (!flux && !results.some((r) => r.case === id)) continue;
    body.push([`n=${n}, ${t} thread${t > 1 ? "s" : ""}`, fluxCell(flux, (r) => gflops(n, r.ms!), t), ...PEERS.map((p) => peerCell(id, p, flux, (r) => gflops(n, r.ms!)))]);
  }
  out.push(table(["case", "Fluxion", ...PEERS.map((p) => NAMES[p]!)], body), "");
}
// bfloat16 GEMM against PyTorch's, and against Fluxion's own float32 GEMM.
const bfSizes = sizes("gemm.bf16");
if (bfSizes.length) {
  out.push("### bfloat16 GEMM (float32 accumulation)\n");
  const body: string[][] = [];
  for (const t of [1, 2]) for (const n of bfSizes) {
    const id = `gemm.bf16.n${n}.t${t}`, flux = get(id, "fluxion")[0];
    if (!flux && !results.some((r) => r.case === id)) continue;
    const f32 = get(`gemm.f32.n${n}.t${t}`, "fluxion")[0];
    const own = flux?.status === "ok" && f32?.status === "ok" ? ratio(f32.ms! / flux.ms!) : "—";
    body.push([`n=${n}, ${t} thread${t > 1 ? "s" : ""}`, fluxCell(flux, (r) => gflops(n, r.ms!), t), own, ...["pytorch", "tfjs-wasm", "jax-js"].map((p) => peerCell(id, p, flux, (r) => gflops(n, r.ms!)))]);
  }
  out.push(table(["case", "Fluxion bf16", "Fluxion bf16 speed-up over its f32", "PyTorch", "TF.js wasm", "jax-js"], body), "");
}
// The browser's CPU GEMM (bench/browser_gemm.ts): Fluxion's wasm SIMD path against TF.js wasm, same page.
const browserSizes = sizes("browser.gemm.f32");
if (browserSizes.length) {
  out.push("### float32 GEMM in headless Chromium (WebAssembly SIMD; same page, interleaved)\n");
  const body: string[][] = [];
  for (const config of ["plain", "isolated"]) for (const n of browserSizes) {
    const id = `browser.gemm.f32.n${n}.${config}`, flux = get(id, "fluxion")[0];
    if (!flux) continue;
    body.push([`n=${n}, ${config === "plain" ? "plain page (1 thread each)" : "cross-origin isolated page (TF.js on its threads)"}`, fluxCell(flux, (r) => gflops(n, r.ms!)), peerCell(id, "tfjs-wasm", flux, (r) => gflops(n, r.ms!))]);
  }
  out.push(table(["case", "Fluxion (wasm)", "TF.js wasm"], body), "");
}
// Models, dispatch and the epoch: peers at their best thread setting (shown as @Nt).
const MODEL_CASES: [string, string][] = [
  ["mlp.train.b64", "MLP 784-128-10 training step, batch 64"],
  ["mlp.train.b256", "MLP training step, batch 256"],
  ["cnn.train.b64", "small CNN training step, batch 64"],
  ["mlp.infer.b1", "MLP forward (inference), batch 1"],
  ["mlp.infer.b64", "MLP forward (inference), batch 64"],
  ["cnn.infer.b1", "CNN forward (inference), batch 1"],
  ["cnn.infer.b64", "CNN forward (inference), batch 64"],
  ["dispatch.add2", "dispatch: add of two [2] tensors, per op"],
  ["dispatch.add64x128", "dispatch: add of two [64,128] tensors, per op"],
  ["fmnist.epoch.tensors", "Fashion-MNIST SimpleNet epoch, preloaded tensors"],
  ["fmnist.epoch.loader", "Fashion-MNIST SimpleNet epoch, DataLoader"],
];
const modelBody = MODEL_CASES.filter(([id]) => results.some((r) => r.case === id)).map(([id, label]) => {
  const flux = get(id, "fluxion")[0];
  return [label, fluxCell(flux), ...PEERS.filter((p) => p !== "numpy").map((p) => peerCell(id, p, flux, undefined, p === "pytorch" || p === "onnxruntime"))];
});
if (modelBody.length) {
  out.push("### Training, inference, dispatch overhead, Fashion-MNIST epoch\n");
  out.push(table(["case", "Fluxion", ...PEERS.filter((p) => p !== "numpy").map((p) => NAMES[p]!)], modelBody), "");
}

// Issue 13: float32 and bfloat16-autocast training steps, Fluxion (default threads) and PyTorch (its best thread count per row).
const AMP_CASES: [string, string][] = [["cnn", "small CNN training step, batch 64"], ["transformer", "2-layer TransformerEncoder step (d 128, 4 heads, seq 64, batch 16)"]];
const ampOk = (id: string, impl: string): BenchResult | undefined =>
  results.filter((r) => r.case === id && r.impl === impl && r.status === "ok").sort((a, b) => a.ms! - b.ms!)[0];
const ampRatio = (model: string, impl: string): number | undefined => {
  const b = model === "cnn" ? "b64" : "b16";
  const f = ampOk(`amp.${model}.f32.${b}`, impl), h = ampOk(`amp.${model}.bf16.${b}`, impl);
  return f && h ? h.ms! / f.ms! : undefined;
};
const ampBody = AMP_CASES.filter(([m]) => results.some((r) => r.case.startsWith(`amp.${m}.`))).map(([m, label]) => {
  const b = m === "cnn" ? "b64" : "b16";
  const cell = (dt: string, impl: string) => { const r = ampOk(`amp.${m}.${dt}.${b}`, impl); return r ? fmt(r.ms!) : "—"; };
  const rt = (impl: string) => { const v = ampRatio(m, impl); return v === undefined ? "—" : `${v.toFixed(2)}×`; };
  return [label, cell("f32", "fluxion"), cell("bf16", "fluxion"), rt("fluxion"), cell("f32", "pytorch"), cell("bf16", "pytorch"), rt("pytorch")];
});
if (ampBody.length) {
  out.push("### Mixed precision (issue 13): training step, float32 vs bfloat16 autocast\n");
  out.push(table(["case", "Fluxion f32", "Fluxion bf16", "Fluxion bf16 ÷ f32", "PyTorch f32", "PyTorch autocast bf16", "PyTorch bf16 ÷ f32"], ampBody), "");
}

// The issue's targets (issue 4), met or not, from this run.
const targets: string[][] = [];
/** `notHere`: why the target does not apply on this machine (its values are still shown). */
function target(name: string, values: (number | undefined)[], ok: (v: number) => boolean, show: (v: number) => string, notHere?: string): void {
  const vs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (!vs.length) return targets.push([name, "not measured", "—"]) as unknown as void;
  targets.push([name, vs.map(show).join(", "), notHere ? `n/a: ${notHere}` : vs.every(ok) ? "met" : "**not met**"]);
}
/** The bfloat16 targets are set for CPUs with a bfloat16 dot product (AVX512-BF16 or AMX). */
const noBf16Dot = ["avx512_bf16", "amx_bf16"].some((f) => (execSyncSafe("grep -m1 -o -w " + f + " /proc/cpuinfo") ?? "").trim() === f) ? undefined : "this CPU has neither AVX512-BF16 nor AMX";
const speed = (a?: BenchResult, b?: BenchResult): number | undefined => (a?.status === "ok" && b?.status === "ok" ? b.ms! / a.ms! : undefined);
for (const t of [1, 2]) {
  target(`float32 GEMM n ≥ 256, ${t} thread${t > 1 ? "s" : ""}: ≥ 0.9× NumPy's speed`, gemmSizes.filter((n) => n >= 256).map((n) => speed(get(`gemm.f32.n${n}.t${t}`, "fluxion")[0], best(`gemm.f32.n${n}.t${t}`, "numpy"))), (v) => v >= 0.9, (v) => `${v.toFixed(2)}×`);
}
target("browser float32 GEMM n=1024: ≥ 1.2× TF.js wasm in the same page (issue 14)", ["plain", "isolated"].map((c) => speed(get(`browser.gemm.f32.n1024.${c}`, "fluxion")[0], get(`browser.gemm.f32.n1024.${c}`, "tfjs-wasm")[0])), (v) => v >= 1.2, (v) => `${v.toFixed(2)}×`);
target("bfloat16 GEMM: ≥ 1.7× Fluxion's own float32 speed", bfSizes.flatMap((n) => [1, 2].map((t) => speed(get(`gemm.bf16.n${n}.t${t}`, "fluxion")[0], get(`gemm.f32.n${n}.t${t}`, "fluxion")[0]))), (v) => v >= 1.7, (v) => `${v.toFixed(2)}×`, noBf16Dot);
const timeRatio = (id: string, peer: string): number | undefined => { const s = speed(get(id, "fluxion")[0], best(id, peer)); return s === undefined ? undefined : 1 / s; };
target("MLP training step b64, b256: Fluxion time ÷ PyTorch (best threads) ≤ 1.0", [timeRatio("mlp.train.b64", "pytorch"), timeRatio("mlp.train.b256", "pytorch")], (v) => v <= 1, (v) => v.toFixed(2));
target("CNN training step b64: ÷ PyTorch ≤ 1.0", [timeRatio("cnn.train.b64", "pytorch")], (v) => v <= 1, (v) => v.toFixed(2));
target("CNN inference b64: ÷ ONNX Runtime (best threads) ≤ 1.0", [timeRatio("cnn.infer.b64", "onnxruntime")], (v) => v <= 1, (v) => v.toFixed(2));
target("Fashion-MNIST epoch (preloaded tensors): ÷ PyTorch ≤ 1.0", [timeRatio("fmnist.epoch.tensors", "pytorch")], (v) => v <= 1, (v) => v.toFixed(2));
target("bf16 autocast CNN step b64: ÷ Fluxion's float32 step ≤ 0.7 (issue 13)", [ampRatio("cnn", "fluxion")], (v) => v <= 0.7, (v) => v.toFixed(2), noBf16Dot);
target("bf16 autocast TransformerEncoder step: ÷ Fluxion's float32 step ≤ 0.7 (issue 13)", [ampRatio("transformer", "fluxion")], (v) => v <= 0.7, (v) => v.toFixed(2), noBf16Dot);
target("bfloat16 GEMM n ≥ 512: ≥ 1.8× Fluxion's own float32 speed (issue 13, AVX512-BF16)", bfSizes.filter((n) => n >= 512).flatMap((n) => [1, 2].map((t) => speed(get(`gemm.bf16.n${n}.t${t}`, "fluxion")[0], get(`gemm.f32.n${n}.t${t}`, "fluxion")[0]))), (v) => v >= 1.8, (v) => `${v.toFixed(2)}×`, noBf16Dot);
target("dispatch overhead, tiny add: ÷ PyTorch ≤ 2.0", [timeRatio("dispatch.add2", "pytorch")], (v) => v <= 2, (v) => v.toFixed(2));

// Every measurement, for the record.
const raw = table(["case", "implementation", "threads", "median", "reps", "note"],
  results.map((r) => [r.case, NAMES[r.impl] ?? r.impl, String(r.threads ?? ""), r.status !== "ok" ? r.status : r.ms !== undefined ? fmt(r.ms) : r.rssMB !== undefined ? `+${r.rssMB.toFixed(1)} MB RSS` : "ok",
    String(r.reps ?? ""), [r.gcPct !== undefined ? `GC ${r.gcPct.toFixed(1)}% of the timed steps` : "", r.heapMB !== undefined ? `V8 heap + external +${r.heapMB.toFixed(1)} MB` : "", r.note ?? ""].filter(Boolean).join("; ").replace(/\|/g, "\\|")]));

const footnotes = [
  "¹ n/a: the peer has no such feature (the raw table says which).",
  "² failed: the case ran and threw; the error is in the raw table below.",
  "³ missing: the peer could not be installed or started: " + ([...missing].map(([k, v]) => `${NAMES[k] ?? k}: ${v}`).join("; ") || "none this run") + ".",
  "⁴ jax-js evaluates lazily: its eager add only runs when read back, so the read-back (dataSync) is inside its time.",
  "@default in a Fluxion GEMM cell: this Fluxion had no thread setting, so the row ran at its default.",
  "—: not measured for that peer (e.g. a single-threaded peer has no 2-thread row; ONNX Runtime has no training API).",
];

function lscpu(field: string): string {
  try { return execSync("lscpu", { encoding: "utf8" }).split("\n").find((l) => l.startsWith(field + ":"))?.split(":")[1]?.trim() ?? "?"; } catch { return "?"; }
}
const machine = `${lscpu("Model name")}, ${lscpu("CPU(s)")} CPUs (${lscpu("Core(s) per socket")} cores/socket, ${lscpu("Thread(s) per core")} thread/core), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; flags include ${["avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16"].filter((f) => (execSyncSafe("grep -m1 -o -w " + f + " /proc/cpuinfo") ?? "").trim() === f).join(", ")}`;
function execSyncSafe(cmd: string): string | undefined { try { return execSync(cmd, { encoding: "utf8" }); } catch { return undefined; } }
const infoLines = infos.map((r) => `- ${NAMES[r.impl] ?? r.impl}${r.threads !== undefined ? ` (${r.threads}-thread run)` : ""}: ${r.status === "ok" ? "" : `**${r.status}**: `}${r.note}`);

const summary = [
  "Fluxion ÷ peer in every peer cell (**bold**): the time Fluxion takes divided by the peer's; below 1 Fluxion is faster, above 1 it is that many times slower.",
  "GEMM rows compare every implementation at the row's thread count. Model rows compare Fluxion at its default threads with each peer's best setting, marked @1t/@2t (PyTorch and ONNX Runtime were each run at 1 and 2 threads; TF.js wasm and jax-js run single-threaded in Node).",
  "",
  ...out,
  ...footnotes.map((f) => f + "  "),
  "",
  "### Targets of issue 4\n",
  table(["target", "this run", ""], targets),
  "",
  issue15Section(results, profiles, missing),
  compileSection(results),
].join("\n");

console.log("\n" + summary);

/** The survey's table (bench/survey.sh, written to bench/out/survey.md by a full run). */
function surveySection(): string {
  try {
    return `\n## Survey: ops and layers outside the tuned training steps\n\nFluxion and PyTorch at 1 thread each, one process per side, the best of repeated calls (\`npm run bench:survey\`, bench/survey.ts and bench/survey_torch.py; ".fb": forward and backward). Sorted by ratio, Fluxion ÷ PyTorch; above 1 Fluxion is slower. Most of the remaining gaps are large outputs written to memory a garbage collection has not yet given back (PyTorch frees each result by refcount and reuses its cache-hot block): the same kernels into a reused buffer run about 2x faster.\n\n${readFileSync("bench/out/survey.md", "utf8")}`;
  } catch {
    return "";
  }
}

/** The training-accuracy section written by bench/accuracy.ts, when it has been run. */
function accuracySection(): string {
  try {
    return "\n" + readFileSync("bench/accuracy.md", "utf8");
  } catch {
    return "\n## Training accuracy\n\nNot measured in this run: `node --import tsx bench/accuracy.ts` writes bench/accuracy.md.\n";
  }
}

if (args.write) {
  const now = new Date();
  const doc = `# Fluxion CPU benchmarks

Generated by \`bench/run.sh\` (\`npm run bench\`); do not edit by hand — rerun it.

- **Date:** ${now.toISOString().replace("T", " ").slice(0, 16)} UTC
- **Command:** \`${args.command}\`${args.quick ? " (quick mode: fewer sizes, shorter budgets, the epoch extrapolated from 150 batches)" : ""}${args.seconds ? ` — took ${(Number(args.seconds) / 60).toFixed(1)} min` : ""}
- **Machine:** ${machine}; Node ${process.version}
- **Load average** (1/5/15 min) at start: ${args["load-start"] ?? "?"}; at the end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}. The machine is shared with other agents running builds and tests, so absolute numbers move between runs; the ratios within one run are what matter. Multi-threaded peers (OpenMP/OpenBLAS spin-waiting) suffer most from a busy core.
- **Method:** each case is warmed up (at least 3 calls and a fifth of the budget, so JIT-compiled code runs hot), then repeated until a ${args.quick ? "0.4" : "1.5"} s budget is spent and at least 5 runs are done (fewer for calls over ~1 s); the median is reported. The MLP training steps get at least 3000 warm-up calls within a 4 s budget, in every runner: V8 needs about that many to compile an eager step's code paths (Fluxion's step: 1.27 ms over its first 200 calls, 0.45 ms after 3000). Per-op dispatch times are the median over batches of 1000 (or 100) back-to-back adds. A Fashion-MNIST epoch is ${args.quick ? "its first 150 batches, extrapolated" : "the median of 3 epochs of one training run, for every implementation (Fluxion's first also pays V8's compilation of the hot paths; the raw table gives it)"}. Inputs are random float32; models are the seed's SimpleNet and SmallCNN (examples/fashion-mnist.ts), CrossEntropyLoss, SGD lr 0.01.
- **Thread settings:** PyTorch was run in two processes: \`torch.set_num_threads(1)\` with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=1, and the same at 2 (its own default here: ${args["torch-default"] ?? "?"}); model rows use whichever was faster and say which. NumPy ran with OPENBLAS_NUM_THREADS=1 and 2; NumPy and PyTorch ran with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset and on OpenBLAS (see Versions and kernels for the libblas.so.3 they resolved). ONNX Runtime ran with intraOpNumThreads 1 and 2 (sequential execution, all graph optimizations). TF.js wasm and jax-js are single-threaded in Node. Every Node.js runner (Fluxion, ONNX Runtime, TF.js, jax-js) ran under \`node --single-threaded-gc\`, as \`npm run train\` does: on 2 cores V8's background GC threads otherwise compete with the compute threads (the CNN training step took 11 ms instead of 7.6). Fluxion ran as its npm package is used: the runner bundled against the built \`dist/\` JavaScript (bench/dist_bundle.ts), not the TypeScript sources through tsx, whose loader makes training steps 5-15% slower (a larger heap to mark); the peers ran as their packages ship. Fluxion ran at its default for the model rows and at 1/2 threads for GEMM when it exports a thread setting (see below).

## Versions and kernels

${infoLines.join("\n")}

## Results

${summary}
## All measurements

${raw}
${surveySection()}${accuracySection()}`;
  writeFileSync(args.write, doc);
  console.log(`wrote ${args.write}`);
}

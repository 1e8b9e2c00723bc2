/**
 * The "Issue 15: untuned workloads" section of BENCHMARKS.md (bench/report.ts appends it):
 * Fluxion and PyTorch times and their ratio at 1 and at 2 threads for the cases of
 * bench/untuned.ts and bench/untuned_torch.py plus the tuned MLP/CNN training steps, GC's
 * share of Fluxion's training steps, peak training memory above the process baseline, the
 * issue's targets met or not, and (with `--profile`) where Fluxion's step time goes.
 */
import type { BenchResult, ProfileSplit } from "./common.js";
import { fmt, ratio, table } from "./report_util.js";

/** Case id prefix (the thread count is appended as .t1/.t2) and its row label. */
const CASES: [string, string][] = [
  ["transformer.train", "TransformerEncoder LM training step (2 layers, d_model 128, 4 heads, ff 512, vocab 1000, seq 64, batch 16, AdamW)"],
  ["resnet.train", "small ResNet training step (3×32×32, BasicBlocks 2+2+2 at 16/32/64 channels with BatchNorm, batch 32, SGD momentum)"],
  ["lstm.train.s25", "LSTM LM training step (Embedding 100→64, LSTM 64→256, batch 32, Adam), seq 25"],
  ["lstm.train.s50", "LSTM LM training step, seq 50"],
  ["lstm.train.s100", "LSTM LM training step, seq 100"],
  ["ops.exp", "`exp`, 4M floats"],
  ["ops.gelu", "`gelu` (erf form), 4M floats"],
  ["ops.softmax", "`softmax` over the last dim of 1024×4096"],
  ["ops.add", "`add`, 4M floats"],
  ["ops.mul", "`mul`, 4M floats"],
  ["ops.sum", "`sum` over the last dim of 1024×4096"],
  ["ops.tanh", "`tanh`, 4M floats"],
  ["ops.sigmoid", "`sigmoid`, 4M floats"],
  ["mm.wide", "matmul 64×1024 · 1024×4096"],
  ["mm.bmm", "bmm 32 × (64×64 · 64×64)"],
  ["mm.xty", "xᵀ·y, x 2048×256, y 2048×1024 (xᵀ a strided view)"],
  ["norm.bn2d", "BatchNorm2d(64) forward + backward, 32×64×32×32, training mode"],
  ["norm.ln", "LayerNorm(512) forward + backward, 32×128×512"],
];
/** The tuned cases, re-checked at 1 and 2 threads (their ids carry no thread count). */
const TUNED: [string, string][] = [
  ["mlp.train.b64", "MLP training step, batch 64 (tuned: regression check)"],
  ["mlp.train.b256", "MLP training step, batch 256 (tuned: regression check)"],
  ["cnn.train.b64", "small CNN training step, batch 64 (tuned: regression check)"],
];
const TRAINING = ["transformer", "resnet", "lstm"] as const;
const MEMORY_LABEL: Record<string, string> = { transformer: "TransformerEncoder LM", resnet: "small ResNet", lstm: "LSTM LM (seq 50)" };

export function issue15Section(results: BenchResult[], profiles: BenchResult[], missing: Map<string, string>): string {
  const find = (id: string, impl: string, threads?: number) =>
    results.find((r) => r.case === id && r.impl === impl && (threads === undefined || String(r.threads) === String(threads)));
  const idOf = (prefix: string, t: number) => (TUNED.some(([id]) => id === prefix) ? prefix : `${prefix}.t${t}`);
  const pair = (prefix: string, t: number) => ({ flux: find(idOf(prefix, t), "fluxion", t), torch: find(idOf(prefix, t), "pytorch", t) });
  /** Fluxion time ÷ PyTorch time, when both were measured. */
  const r = (prefix: string, t: number): number | undefined => {
    const { flux, torch } = pair(prefix, t);
    return flux?.status === "ok" && torch?.status === "ok" && flux.ms !== undefined && torch.ms !== undefined ? flux.ms / torch.ms : undefined;
  };
  const cell = (x: BenchResult | undefined, impl: string): string => {
    if (!x) return missing.has(impl) ? "missing³" : "—";
    if (x.status !== "ok" || x.ms === undefined) return "failed²";
    return `${fmt(x.ms)}${x.gcPct !== undefined ? ` (GC ${x.gcPct.toFixed(0)}%)` : ""}`;
  };
  const rows = [...CASES, ...TUNED].filter(([p]) => [1, 2].some((t) => pair(p, t).flux || pair(p, t).torch));
  if (!rows.length && !results.some((x) => x.case.startsWith("mem."))) return "";

  const out: string[] = ["## Issue 15: untuned workloads\n"];
  out.push(
    "Fluxion and PyTorch (OpenBLAS for matmul; oneDNN for its convolutions) on workloads nobody tuned for, each at 1 and at 2 threads (Fluxion `setNumThreads`, PyTorch `torch.set_num_threads` + OMP/OPENBLAS_NUM_THREADS). " +
      "The models are examples/models.ts and their mirrors in bench/models_torch.py (test/examples/models_parity.test.ts checks they have the same parameters, loss and gradients). " +
      "Ratio = Fluxion time ÷ PyTorch time (below 1: Fluxion faster). GC in a Fluxion cell: garbage collection's share of the timed steps (v8.GCProfiler).\n",
  );
  if (rows.length) {
    const body = rows.map(([p, label]) => {
      const cells: string[] = [label];
      for (const t of [1, 2]) {
        const { flux, torch } = pair(p, t), q = r(p, t);
        cells.push(cell(flux, "fluxion"), cell(torch, "pytorch"), q === undefined ? "—" : `**${ratio(q)}**`);
      }
      return cells;
    });
    out.push(table(["case", "Fluxion 1t", "PyTorch 1t", "ratio 1t", "Fluxion 2t", "PyTorch 2t", "ratio 2t"], body), "");
  }

  // peak memory above the baseline, each case in a fresh process
  const memRows = TRAINING.filter((n) => find(`mem.${n}`, "fluxion") || find(`mem.${n}`, "pytorch")).map((n) => {
    const f = find(`mem.${n}`, "fluxion"), p = find(`mem.${n}`, "pytorch");
    const mb = (x: BenchResult | undefined, field: "rssMB" | "heapMB", impl: string) =>
      !x ? (missing.has(impl) ? "missing³" : "—") : x.status !== "ok" || x[field] === undefined ? "failed²" : `+${x[field]!.toFixed(0)} MB`;
    const q = f?.rssMB !== undefined && p?.rssMB !== undefined && p.rssMB > 0 ? `**${ratio(f.rssMB / p.rssMB)}**` : "—";
    return [MEMORY_LABEL[n]!, mb(f, "rssMB", "fluxion"), mb(f, "heapMB", "fluxion"), mb(p, "rssMB", "pytorch"), q];
  });
  if (memRows.length) {
    out.push("### Peak training memory above the process baseline\n");
    out.push("Each case in a fresh process at 2 threads: the baseline is the process after the model, optimizer and inputs exist and a full GC (`gc()` / `gc.collect()`), then 10 steps (5 with --quick); peak RSS is VmHWM after resetting it through /proc/self/clear_refs. Fluxion's V8 heap + external (tensor ArrayBuffers) is sampled at every kernel dispatch; the difference to its RSS is mostly the caching allocator's cached blocks and V8's own reservations (the raw table's note gives the allocator's numbers).\n");
    out.push(table(["training step", "Fluxion RSS", "Fluxion V8 heap + external", "PyTorch RSS", "Fluxion ÷ PyTorch (RSS)"], memRows), "");
  }

  // the issue's targets
  const targets: string[][] = [];
  const judge = (name: string, vals: [string, number | undefined][], ok: (v: number) => boolean, show: (v: number) => string = (v) => ratio(v)) => {
    const have = vals.filter((x): x is [string, number] => x[1] !== undefined && Number.isFinite(x[1]));
    if (!have.length) return targets.push([name, "not measured", "—"]);
    const bad = have.filter(([, v]) => !ok(v));
    const shown = bad.length ? `${have.length - bad.length} of ${have.length} met; not met: ${bad.map(([k, v]) => `${k} ${show(v)}`).join(", ")}` : have.map(([k, v]) => `${k} ${show(v)}`).join(", ");
    return targets.push([name, shown, bad.length ? "**not met**" : "met"]);
  };
  const short = (p: string) => p.replace(/^(ops|mm|norm)\./, "").replace(".train", "");
  for (const t of [1, 2]) judge(`every case ≤ 1.0× PyTorch, ${t} thread${t > 1 ? "s" : ""}`, CASES.map(([p]) => [short(p), r(p, t)]), (v) => v <= 1);
  judge("`exp`, `gelu`, `softmax` ≤ 0.8× (1 and 2 threads)", ["ops.exp", "ops.gelu", "ops.softmax"].flatMap((p) => [1, 2].map((t): [string, number | undefined] => [`${short(p)} ${t}t`, r(p, t)])), (v) => v <= 0.8);
  judge("LSTM and ResNet training steps ≤ 1.0× (1 and 2 threads)", ["lstm.train.s50", "resnet.train"].flatMap((p) => [1, 2].map((t): [string, number | undefined] => [`${short(p)} ${t}t`, r(p, t)])), (v) => v <= 1);
  // linear in the sequence length: the time per time step at seq 100 within 1.2× of that at seq 25
  const growth = (impl: string, t: number): number | undefined => {
    const a = find(`lstm.train.s25.t${t}`, impl), b = find(`lstm.train.s100.t${t}`, impl);
    return a?.ms !== undefined && b?.ms !== undefined && a.status === "ok" && b.status === "ok" ? b.ms / 100 / (a.ms / 25) : undefined;
  };
  judge("LSTM step time linear in the sequence length: (time/seq at 100) ÷ (time/seq at 25) ≤ 1.2 (PyTorch's for reference)",
    [1, 2].flatMap((t): [string, number | undefined][] => [[`Fluxion ${t}t`, growth("fluxion", t)]]), (v) => v <= 1.2, (v) => v.toFixed(2));
  if (targets.length) {
    const ref = [1, 2].map((t) => growth("pytorch", t)).filter((v): v is number => v !== undefined);
    if (ref.length) targets[targets.length - 1]![1] += ` (PyTorch ${ref.map((v) => v.toFixed(2)).join(", ")})`;
  }
  judge("GC below 5% of a training step (Fluxion, timed steps; GC pauses as v8.GCProfiler counts them: the incremental marking between them is not, see bench/gc_marking.ts)",
    CASES.filter(([p]) => p.includes(".train")).flatMap(([p]) => [1, 2].map((t): [string, number | undefined] => [`${short(p)} ${t}t`, find(`${p}.t${t}`, "fluxion")?.gcPct])), (v) => v < 5, (v) => `${v.toFixed(1)}%`);
  judge("peak training memory above baseline ≤ 1.5× PyTorch's (Transformer, ResNet)", ["transformer", "resnet"].map((n): [string, number | undefined] => {
    const f = find(`mem.${n}`, "fluxion")?.rssMB, p = find(`mem.${n}`, "pytorch")?.rssMB;
    return [n, f !== undefined && p ? f / p : undefined];
  }), (v) => v <= 1.5);
  judge("no regression of the tuned cases: MLP and CNN training ≤ 1.0× (1 and 2 threads)", TUNED.flatMap(([p]) => [1, 2].map((t): [string, number | undefined] => [`${p} ${t}t`, r(p, t)])), (v) => v <= 1);
  out.push("### Targets of issue 15\n", table(["target", "this run", ""], targets), "");

  // where Fluxion's step time goes (npm run bench -- --profile)
  const prof = profiles.filter((x) => x.status === "ok" && x.split);
  out.push("### Where Fluxion's training step time goes\n");
  if (!prof.length) {
    out.push("Not profiled in this run: `npm run bench -- --profile` (BENCH_PROFILE=1) runs each training case under `utils.profile()`, prints its table and puts the split here.\n");
  } else {
    out.push("From `utils.profile()` over a few steps after the timed ones (the profiler times every kernel, so steps run a little slower than in the table above). Self % = the op's own kernels' share of the step's wall time; GC from v8.GCProfiler.\n");
    for (const x of prof) {
      const s = x.split as ProfileSplit;
      const rest = 100 - s.kernelPct;
      out.push(`- **${x.case.replace(/^profile\./, "")}**: ${fmt(s.wallMs)} per step; kernels ${s.kernelPct.toFixed(0)}%, the rest (JavaScript, autograd, allocation) ${rest.toFixed(0)}%, GC ${s.gcPct === null ? "?" : s.gcPct.toFixed(0)}% (overlapping). By self kernel time: ${s.ops.map((o) => `${o.name} ${o.selfPct.toFixed(1)}% (${o.calls % 1 ? o.calls.toFixed(1) : o.calls} calls/step)`).join(", ")}.`);
    }
    out.push("");
  }
  return out.join("\n");
}

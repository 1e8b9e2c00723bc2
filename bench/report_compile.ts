/**
 * The "compile()" section of BENCHMARKS.md (bench/report.ts appends it): each model's training
 * step eager and compiled in the same run (bench/compile_cases.ts), their ratio against issue
 * 10's targets, garbage collection's share of each, the compiled step's first call and
 * per-call split, and the transformer step's peak memory eager and compiled.
 */
import type { BenchResult } from "./common.js";
import { fmt, table } from "./report_util.js";

const ROWS: [string, string, number][] = [
  ["mlp", "SimpleNet training step, batch 64, SGD", 0.6],
  ["cnn", "small CNN training step, batch 64, SGD", 0.85],
  ["transformer", "TransformerEncoder LM step (2 layers, d_model 128, 4 heads, seq 64, batch 16, AdamW)", 0.5],
];

export function compileSection(results: BenchResult[]): string {
  const get = (id: string) => results.find((r) => r.case === id && r.impl === "fluxion");
  const body: string[][] = [];
  for (const [name, label, target] of ROWS) {
    const sfx = name === "transformer" ? "" : ".b64";
    const e = get(`compile.${name}.eager${sfx}`), c = get(`compile.${name}.compiled${sfx}`), s = get(`compile.${name}.compiled${sfx}.split`);
    if (!e && !c) continue;
    const ms = (r?: BenchResult) => (r?.status === "ok" && r.ms !== undefined ? `${fmt(r.ms)}${r.gcPct !== undefined ? ` (GC ${r.gcPct.toFixed(0)}%)` : ""}` : r ? r.status : "—");
    const ratio = e?.ms && c?.ms ? c.ms / e.ms : undefined;
    body.push([label, ms(e), ms(c), ratio ? ratio.toFixed(2) : "—", `≤ ${target}${ratio ? (ratio <= target ? " ✓" : " ✗") : ""}`, s?.firstMs !== undefined ? `${s.firstMs.toFixed(0)} ms${s.firstMs < 100 ? " ✓" : " ✗"}` : "—", s?.note?.replace(/^first call [\d.]+ ms /, "") ?? ""]);
  }
  const mem = (id: string) => {
    const r = get(id);
    return r?.status === "ok" && r.rssMB !== undefined ? `+${r.rssMB.toFixed(1)} MB RSS, +${(r.heapMB ?? 0).toFixed(1)} MB heap+external` : r ? r.status : "—";
  };
  const out = ["### compile(): compiled vs eager training steps (issue 10)\n"];
  if (body.length) out.push(table(["case", "eager", "compiled", "compiled ÷ eager", "target", "first call (< 100 ms)", "compiled per-call split"], body), "");
  if (get("compile.mem.transformer") || get("compile.mem.transformer.compiled")) {
    out.push(`Peak memory of the TransformerEncoder LM step above the process baseline (10 steps, fresh process): eager ${mem("compile.mem.transformer")}, compiled ${mem("compile.mem.transformer.compiled")}.`, "");
  }
  return out.join("\n");
}

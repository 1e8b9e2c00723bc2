/**
 * Garbage collection in a training step as V8 itself reports it (--trace-gc), including the
 * incremental marking that v8.GCProfiler, and so the bench's "GC x% of the timed steps", does
 * not count: with --single-threaded-gc the mark-compact's marking runs in small steps on the
 * main thread between kernels ("+ 17 ms in 261 steps since start of marking"), and only its
 * final pause is a GC event. Runs bench/untuned.ts's training case in a child Node and sums,
 * over the timed steps, mark-compacts, scavenges, their pauses and that incremental marking.
 *   node --import tsx bench/gc_marking.ts [resnet|transformer|lstm] [threads] [steps]
 * (FLUXION_ALLOC_GC_PRESSURE passes through: the allocator's pressure sets how often
 * mark-compacts come, see src/backend/cpu/native.ts.)
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [name = "resnet", threads = "1", steps = "40"] = process.argv.slice(2);

if (process.env.GC_MARKING_CHILD === "1") {
  const { setNumThreads } = await import("../src/index.js");
  const { makeTrainCase } = await import("./untuned.js");
  setNumThreads(Number(threads));
  const c = makeTrainCase(name as "resnet");
  for (let i = 0; i < 10; i++) c.step();
  console.log("GC_MARKING start");
  const t0 = performance.now();
  for (let i = 0; i < Number(steps); i++) c.step();
  console.log(`GC_MARKING end ${performance.now() - t0}`);
} else {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--single-threaded-gc", "--trace-gc", "--import", "tsx", script, name, threads, steps],
    { env: { ...process.env, GC_MARKING_CHILD: "1" }, encoding: "utf8", maxBuffer: 64 << 20 });
  const lines = (r.stdout ?? "").split("\n");
  const from = lines.findIndex((l) => l.startsWith("GC_MARKING start")), to = lines.findIndex((l) => l.startsWith("GC_MARKING end"));
  if (r.status !== 0 || from < 0 || to < 0) throw new Error(`bench/gc_marking.ts: the child failed (${r.status ?? r.signal}): ${(r.stderr ?? "").slice(-500)}`);
  const n = Number(steps), wall = Number(lines[to]!.split(" ")[2]);
  let markCompacts = 0, scavenges = 0, pauses = 0, incremental = 0;
  for (const l of lines.slice(from + 1, to)) {
    const pause = /MB, ([\d.]+) \//.exec(l);
    if (!pause) continue;
    pauses += Number(pause[1]);
    if (l.includes("Mark-Compact")) markCompacts++;
    else if (l.includes("Scavenge")) scavenges++;
    const marking = /\+ ([\d.]+) ms in \d+ steps since start of marking/.exec(l);
    if (marking) incremental += Number(marking[1]);
  }
  const per = (x: number) => (x / n).toFixed(2);
  console.log(`${name}, ${threads} thread(s), ${n} steps: ${per(wall)} ms/step; per step ${per(markCompacts)} mark-compacts, ` +
    `${per(scavenges)} scavenges, GC pauses ${per(pauses)} ms (${((100 * pauses) / wall).toFixed(1)}%), ` +
    `incremental marking ${per(incremental)} ms (${((100 * incremental) / wall).toFixed(1)}%)`);
}

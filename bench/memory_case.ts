/**
 * Peak memory of one untuned training case (bench/untuned.ts's makeTrainCase) above the
 * process baseline, in a fresh process so that the baseline is clean. bench/untuned.ts runs
 *   node --single-threaded-gc --expose-gc --import tsx bench/memory_case.ts transformer 2
 * The baseline is taken after the model, optimizer and inputs exist and a full GC has run,
 * just before the first step; then STEPS steps run. Reported (MB = 2^20 bytes):
 * - rssMB: the peak resident set (VmHWM after resetting it through /proc/self/clear_refs;
 *   where that cannot be written, the highest VmRSS sampled) minus the baseline VmRSS;
 * - heapMB: the peak of V8's used heap + external memory (tensor ArrayBuffers, including the
 *   caching allocator's live blocks) minus its baseline, sampled at every kernel dispatch.
 * bench/untuned_torch.py measures PyTorch's RSS the same way. A third argument "compiled" runs
 * the step through compile() (the first call before the baseline); `--id ID` names the result.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { addDispatchLayer, compile, setNumThreads } from "../src/index.js";
import { nativeAllocatorStats } from "../src/backend/cpu/native.js";
import { QUICK, emit, firstLine } from "./common.js";
import { makeTrainCase, type TrainName } from "./untuned.js";

const MB = 2 ** 20;
const STEPS = QUICK ? 5 : 10;

/** A field of /proc/self/status in bytes (VmRSS, VmHWM), or undefined off Linux. */
function procStatus(field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where not allowed. */
function resetPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

const name = process.argv[2] as TrainName;
const threads = Number(process.argv[3] ?? 2);
const compiled = process.argv[4] === "compiled";
const idAt = process.argv.indexOf("--id");
const id = idAt > 0 ? process.argv[idAt + 1]! : `mem.${name}`;
try {
  setNumThreads(threads);
  const c = makeTrainCase(name);
  const step = compiled ? compile(() => c.step()) : () => c.step();
  if (compiled) step(); // the first call prepares the program: setup, before the baseline
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with --expose-gc (the baseline is taken after a full GC)");
  gc();
  const heapNow = () => { const m = process.memoryUsage(); return m.heapUsed + m.external; };
  const baseRss = process.memoryUsage.rss(), baseHeap = heapNow();
  const hwmReset = resetPeakRss();
  let peakHeap = baseHeap, peakRss = baseRss, peakLive = 0;
  const sample = () => {
    peakHeap = Math.max(peakHeap, heapNow());
    if (!hwmReset) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  };
  const remove = addDispatchLayer((call, next) => {
    const outs = next(call);
    sample();
    return outs;
  });
  try {
    for (let i = 0; i < STEPS; i++) {
      step();
      sample();
      peakLive = Math.max(peakLive, nativeAllocatorStats()?.liveBytes ?? 0);
    }
  } finally {
    remove();
  }
  if (hwmReset) peakRss = procStatus("VmHWM") ?? peakRss;
  const stats = nativeAllocatorStats();
  const alloc = stats ? `; caching allocator: peak ${(peakLive / MB).toFixed(1)} MB live after a step, at the end ${(stats.liveBytes / MB).toFixed(1)} MB live, ${(stats.cachedBytes / MB).toFixed(1)} MB cached (limit ${(stats.cacheLimit / MB).toFixed(0)})` : "; caching allocator off";
  emit({
    case: id, impl: "fluxion", threads, status: "ok",
    rssMB: (peakRss - baseRss) / MB, heapMB: (peakHeap - baseHeap) / MB, baseRssMB: baseRss / MB,
    note: `${compiled ? "compiled; " : ""}${STEPS} steps; baseline RSS ${(baseRss / MB).toFixed(0)} MB after setup and a full GC; peak RSS from ${hwmReset ? "VmHWM (reset via /proc/self/clear_refs)" : "VmRSS sampled at every dispatch"}${alloc}`,
  });
} catch (e) {
  emit({ case: id, impl: "fluxion", threads, status: "failed", note: firstLine(e) }); // exit 0: the failure is recorded
}

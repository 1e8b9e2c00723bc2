/**
 * A profiler on the dispatcher's layer (torch.profiler's role): `utils.profile(fn)` runs fn
 * and times every primitive kernel it dispatches, attributing each to its primitive
 * ("matmul", "binary:mul") and to the public op it served ("softmax", "F.crossEntropy",
 * from DispatchCall.publicOp). What is not kernel time (JavaScript, autograd bookkeeping,
 * allocation) is reported as the rest of the wall time, and garbage collection separately
 * where the runtime reports it (Node's v8.GCProfiler).
 *
 * Not for: timing individual kernels precisely (each call is timed with performance.now,
 * ~0.1 µs resolution plus the layer's own overhead); benchmarks live in bench/.
 */
import { _publicOpStackRef, addDispatchLayer, setPublicOpListener, type DispatchCall } from "../backend/dispatcher.js";
import { FluxionError } from "../errors.js";

/** One row of the report: a primitive or a public op. */
export interface ProfileRow {
  name: string;
  /** Calls of the op (for a public op: its invocations, nested ones included). */
  calls: number;
  /** Time of the kernels it dispatched itself, ms (torch.profiler's "Self CPU"). */
  selfMs: number;
  /** Time of all kernels run while it ran, nested ops' included, ms ("CPU total"). */
  totalMs: number;
  /** Bytes written by the kernels (outputs). */
  bytes: number;
  /** The most frequent input shapes, as "[64, 784], [128, 784]". */
  shapes: string;
}

export interface ProfileResult {
  /** Wall time of the profiled function, ms. */
  wallMs: number;
  /** Sum of all kernel times, ms. */
  kernelMs: number;
  /** Garbage collection during the run, ms (null where the runtime does not report it). */
  gcMs: number | null;
  /** By primitive ("matmul", "binary:mul", "reduce:sum"), slowest first. */
  byPrimitive: ProfileRow[];
  /**
   * By public op (each declared op and module: self time from the kernels it dispatched
   * itself, total time including the ops it called; "(direct)" for raw dispatch), by self time.
   */
  byOp: ProfileRow[];
  /** torch.profiler's key_averages().table(): a text table of the rows. */
  table(opts?: { by?: "op" | "primitive"; rowLimit?: number }): string;
}

interface Acc {
  calls: number;
  ms: number;
  totalMs: number;
  bytes: number;
  shapes: Map<string, number>;
}

/** The primitive's name with the sub-op that matters for cost ("binary:mul", "reduce:sum"). */
function primitiveName(call: DispatchCall): string {
  const sub = (call.attrs as { op?: unknown; pass?: unknown }).op ?? (call.attrs as { pass?: unknown }).pass;
  return typeof sub === "string" ? `${call.op}:${sub}` : call.op;
}

function bytesOf(outs: readonly { numel(): number; dtype: string }[]): number {
  let b = 0;
  for (const t of outs) b += t.numel() * (t.dtype === "float64" ? 8 : t.dtype === "float32" || t.dtype === "int32" ? 4 : t.dtype === "bool" ? 1 : 2);
  return b;
}

function acc(map: Map<string, Acc>, key: string): Acc {
  let a = map.get(key);
  if (!a) map.set(key, (a = { calls: 0, ms: 0, totalMs: 0, bytes: 0, shapes: new Map() }));
  return a;
}

/** A kernel's self time, bytes and input shapes on the row that dispatched it. */
function addSelf(a: Acc, ms: number, bytes: number, shape: string): void {
  a.ms += ms;
  a.bytes += bytes;
  if (a.shapes.size < 64 || a.shapes.has(shape)) a.shapes.set(shape, (a.shapes.get(shape) ?? 0) + 1);
}

function rows(map: Map<string, Acc>): ProfileRow[] {
  return [...map].map(([name, a]) => {
    const top = [...a.shapes].sort((x, y) => y[1] - x[1])[0];
    return { name, calls: a.calls, selfMs: a.ms, totalMs: a.totalMs, bytes: a.bytes, shapes: top ? top[0] : "" };
  }).sort((x, y) => y.selfMs - x.selfMs);
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : ms >= 1 ? `${ms.toFixed(2)}ms` : `${(ms * 1000).toFixed(1)}us`;
}
function fmtBytes(b: number): string {
  return b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(2)} GB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KB` : `${b} B`;
}

/**
 * Starts counting GC time; returns a stop function giving the ms spent (null where the
 * runtime cannot say). Node's v8.GCProfiler reports synchronously (PerformanceObserver's
 * "gc" entries arrive only after the current task, too late for a synchronous profile).
 */
function gcTimer(): () => number | null {
  type GCProfiler = { start(): void; stop(): { statistics?: { cost: number }[] } | undefined };
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const v8 = typeof proc?.getBuiltinModule === "function" ? (proc.getBuiltinModule("node:v8") as { GCProfiler?: new () => GCProfiler }) : undefined;
  if (!v8?.GCProfiler) return () => null;
  const profiler = new v8.GCProfiler();
  profiler.start();
  return () => {
    const stats = profiler.stop()?.statistics ?? [];
    return stats.reduce((ms, s) => ms + s.cost / 1000, 0); // cost is in microseconds
  };
}

/**
 * Runs `fn` with every dispatched kernel timed, and returns the report.
 * @example
 * const prof = utils.profile(() => { loss = model(x).sum(); loss.backward(); });
 * console.log(prof.table({ rowLimit: 10 }));
 */
export function profile(fn: () => unknown): ProfileResult {
  if (typeof fn !== "function") throw new FluxionError(`profile: expected a function to run, got ${fn === null ? "null" : typeof fn}`);
  const byPrim = new Map<string, Acc>(), byOp = new Map<string, Acc>();
  const stack = _publicOpStackRef();
  let kernelMs = 0;
  const remove = addDispatchLayer((call, next) => {
    const t0 = performance.now();
    const outs = next(call);
    const ms = performance.now() - t0;
    kernelMs += ms;
    const bytes = call.op === "view" ? 0 : bytesOf(outs); // a view writes nothing
    const shape = call.inputs.map((t) => `[${t.shape.join(", ")}]`).join(", ");
    const p = acc(byPrim, primitiveName(call));
    p.calls++;
    p.totalMs += ms;
    addSelf(p, ms, bytes, shape);
    addSelf(acc(byOp, call.publicOp || "(direct)"), ms, bytes, shape);
    if (!call.publicOp) acc(byOp, "(direct)").calls++;
    // total time goes to every op on the stack once (an op nested in itself counts once)
    for (let i = 0; i < stack.length; i++) {
      const name = stack[i]!;
      if (stack.indexOf(name) === i) acc(byOp, name).totalMs += ms;
    }
    if (!call.publicOp) acc(byOp, "(direct)").totalMs += ms;
    return outs;
  });
  setPublicOpListener((name) => void acc(byOp, name).calls++);
  const stopGc = gcTimer();
  const t0 = performance.now();
  try {
    fn();
  } finally {
    remove();
    setPublicOpListener(null);
  }
  const wallMs = performance.now() - t0;
  const gcMs = stopGc();
  const result: ProfileResult = {
    wallMs, kernelMs, gcMs,
    byPrimitive: rows(byPrim),
    byOp: rows(byOp),
    table: (opts) => formatTable(result, opts?.by ?? "op", opts?.rowLimit ?? 20),
  };
  return result;
}

function formatTable(r: ProfileResult, by: "op" | "primitive", limit: number): string {
  const list = (by === "op" ? r.byOp : r.byPrimitive).slice(0, limit);
  const pct = (ms: number) => `${((100 * ms) / r.wallMs).toFixed(1)}%`;
  const head = [by === "op" ? "Name" : "Primitive", "Self kernels", "Self %", "Kernels total", "Total %", "Calls", "Total avg", "Output", "Most common input shapes"];
  const body = list.map((x) => [
    x.name, fmtMs(x.selfMs), pct(x.selfMs), fmtMs(x.totalMs), pct(x.totalMs), String(x.calls), fmtMs(x.calls ? x.totalMs / x.calls : 0), fmtBytes(x.bytes),
    x.shapes.length > 48 ? x.shapes.slice(0, 45) + "..." : x.shapes,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const other = r.wallMs - r.kernelMs;
  const foot = [
    `Wall time: ${fmtMs(r.wallMs)}; kernels: ${fmtMs(r.kernelMs)} (${pct(r.kernelMs)}); the rest (JavaScript, autograd, allocation): ${fmtMs(other)} (${pct(other)})`,
    r.gcMs === null ? "Garbage collection: not reported by this runtime" : `Garbage collection: ${fmtMs(r.gcMs)} (${pct(r.gcMs)} of wall, overlapping the above)`,
  ];
  return [rule, line(head), rule, ...body.map(line), rule, ...foot].join("\n");
}

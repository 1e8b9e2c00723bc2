/**
 * compile(fn): the public entry. Each call of the compiled function runs the user's JS with
 * the recorder's dispatch layer installed (recorder.ts), so every primitive is recorded
 * instead of run; at a host read and at the end of the call the recorded graph is keyed by
 * its structure and looked up in this function's cache of prepared programs (the graph after
 * the passes); a miss prepares one. The program then runs with this call's tensors and JS
 * scalars (executor.ts). Control flow, learning rates and step counts are therefore always
 * the current call's: only the kernel work is replaced.
 */
import { declareArgs } from "../api/registry.js";
import { addDispatchLayer } from "../backend/dispatcher.js";
import { FluxionError } from "../errors.js";
import { execute } from "./executor.js";
import { formatGraph, kernelCount, type Graph } from "./ir.js";
import { optimize, type Pass, DEFAULT_PASSES } from "./passes/index.js";
import { Recorder, type GraphRunner, type Recording } from "./recorder.js";
import { enterUserCode, leaveUserCode, setKeepSink, setRecording } from "./state.js";

const COMPILE = "compile(Callable fn, *, Any[]? passes=null) -> Any";
const compileArgs = declareArgs(COMPILE, "functions");

export interface GraphBreak {
  /** What ended the graph: "host read in Tensor.item", "unique (output shape depends on the values)". */
  reason: string;
  count: number;
}

export interface CompileStats {
  /** Calls of the compiled function. */
  calls: number;
  /** Graphs run in all (a call without breaks runs one). */
  graphs: number;
  /** Graphs the last call ran. */
  graphsLastCall: number;
  cacheHits: number;
  cacheMisses: number;
  /** Programs in the cache. */
  cacheSize: number;
  /** Graph breaks by reason, most frequent first. */
  breaks: GraphBreak[];
  /** Time spent preparing programs (passes), in milliseconds. */
  prepareMs: number;
  /** Time spent keying recorded graphs and looking them up in the cache, in milliseconds. */
  lookupMs: number;
  /** Time spent running programs (the kernels), in milliseconds. */
  executeMs: number;
  /** Time inside compiled calls in all, in milliseconds (the rest is recording: the user's JS and autograd). */
  totalMs: number;
}

/** One graph of the last call: as recorded, and as prepared (after the passes). */
export interface GraphRecord {
  graph: Graph;
  program: Graph;
  cacheHit: boolean;
  /** Why it ended: a break's reason, or null at the end of the call. */
  endedBy: string | null;
}

export type CompiledFunction<F extends (...args: any[]) => any> = F & {
  /** Counters since compile() (or resetStats()). */
  stats(): CompileStats;
  resetStats(): void;
  /** The last graph the last call ran, after the passes (null before the first call). */
  readonly graph: Graph | null;
  /** Every graph of the last call. */
  readonly graphs: readonly GraphRecord[];
  /** A readable report: each graph of the last call (recorded and prepared), then the stats. */
  explain(): string;
};

export interface CompileOptions {
  /** The passes each new program goes through (default: DEFAULT_PASSES: simplify, cse, fold, dce, epilogue, fuse). */
  passes?: readonly Pass[];
}

interface Prepared {
  graph: Graph;
  program: Graph;
  /** The structural key it was recorded under (Recording.key). */
  key: readonly number[];
}

/** Only one compiled call records at a time; a compiled function called inside another runs inline. */
let active: Recorder | null = null;

class CompiledState implements GraphRunner {
  /** Prepared programs by Recording.keyHash(), confirmed by their full keys. */
  readonly cache = new Map<number, Prepared[]>();
  size = 0;
  calls = 0;
  graphs = 0;
  hits = 0;
  misses = 0;
  prepareMs = 0;
  lookupMs = 0;
  executeMs = 0;
  totalMs = 0;
  breaks = new Map<string, number>();
  last: GraphRecord[] = [];
  current: GraphRecord[] = [];
  constructor(readonly passes: readonly Pass[]) {}

  run(rec: Recording, breakReason: string | null): void {
    const t0 = performance.now();
    const hash = rec.keyHash();
    let bucket = this.cache.get(hash);
    let prep = bucket?.find((p) => rec.sameKey(p.key));
    const t1 = performance.now();
    this.lookupMs += t1 - t0;
    const hit = prep !== undefined;
    if (prep === undefined) {
      const t0 = performance.now();
      const graph = rec.graph();
      prep = { graph, program: optimize(graph, this.passes), key: rec.key };
      if (bucket === undefined) this.cache.set(hash, (bucket = []));
      bucket.push(prep);
      this.size++;
      this.prepareMs += performance.now() - t0;
      this.misses++;
    } else this.hits++;
    this.graphs++;
    if (breakReason !== null) this.breaks.set(breakReason, (this.breaks.get(breakReason) ?? 0) + 1);
    this.current.push({ graph: prep.graph, program: prep.program, cacheHit: hit, endedBy: breakReason });
    const t2 = performance.now();
    try {
      execute(prep.program, rec);
    } finally {
      this.executeMs += performance.now() - t2;
      rec.dispose();
    }
  }
}

/**
 * Compiles `fn` (a training step, an inference function): returns a function with the same
 * signature whose calls record the tensor operations as a graph and run it as one optimized
 * program, cached by structure. See docs/compile.md.
 *
 * @example
 * const step = compile((x: Tensor, y: Tensor) => {
 *   optimizer.zeroGrad();
 *   const loss = criterion(model(x), y);
 *   loss.backward();
 *   optimizer.step();
 *   return loss;
 * });
 * step(x, y); console.log(step.stats());
 * @example
 * const fast = compile(model); // a module compiles as its call: fast(x) is model(x), hooks included
 * fast(x); model.parameters(); // parameters, stateDict and train()/eval() stay on the model
 */
export function compile<F extends (...args: any[]) => any>(fn: F, options?: CompileOptions): CompiledFunction<F> {
  const [, { passes }] = compileArgs.bind(options === undefined ? [fn] : [fn, options]);
  const state = new CompiledState((passes as Pass[] | null) ?? DEFAULT_PASSES);
  const compiled = function (this: unknown, ...args: unknown[]): unknown {
    // Reflect.apply, not fn.apply: a Module is callable, and its own apply(fn) shadows Function's
    if (active !== null) return Reflect.apply(fn, this, args); // nested: part of the outer graph
    const recorder = new Recorder(state);
    active = recorder;
    const remove = addLayer(recorder);
    setRecording(true);
    setKeepSink((h) => recorder.held.push(h));
    const depth = enterUserCode(args); // the compiled function is user code, wherever it is called
    state.calls++;
    state.current = [];
    const start = performance.now();
    let result: unknown;
    try {
      result = Reflect.apply(fn, this, args);
    } catch (e) {
      remove();
      setRecording(false);
      leaveUserCode(depth);
      setKeepSink(null);
      active = null;
      // what ran before the error would have run eagerly: run it, then report the error
      try {
        recorder.flush(null);
      } catch {
        // the user's error is the one to see
      } finally {
        recorder.held.length = 0; // pins nothing once the call is over (Recording.dispose)
      }
      state.last = state.current;
      state.totalMs += performance.now() - start;
      throw e;
    }
    remove();
    setRecording(false);
    leaveUserCode(depth, result);
    setKeepSink(null);
    active = null;
    try {
      recorder.finish(result);
    } finally {
      state.last = state.current;
      state.totalMs += performance.now() - start;
    }
    if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
      throw new FluxionError("compile: the compiled function returned a Promise; compile() records synchronous functions only (await outside it)");
    }
    return result;
  };
  Object.defineProperty(compiled, "name", { value: fn.name || "compiled" });
  const api = {
    stats: (): CompileStats => ({
      calls: state.calls,
      graphs: state.graphs,
      graphsLastCall: state.last.length,
      cacheHits: state.hits,
      cacheMisses: state.misses,
      cacheSize: state.size,
      breaks: [...state.breaks].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
      prepareMs: state.prepareMs,
      lookupMs: state.lookupMs,
      executeMs: state.executeMs,
      totalMs: state.totalMs,
    }),
    resetStats: () => {
      state.calls = state.graphs = state.hits = state.misses = state.prepareMs = state.lookupMs = state.executeMs = state.totalMs = 0;
      state.breaks.clear();
    },
    explain: () => explain(state),
  };
  Object.assign(compiled, api);
  Object.defineProperty(compiled, "graph", { get: () => state.last[state.last.length - 1]?.program ?? null });
  Object.defineProperty(compiled, "graphs", { get: () => state.last.slice() });
  return compiled as unknown as CompiledFunction<F>;
}

function addLayer(r: Recorder): () => void {
  return addDispatchLayer(r.layer);
}

function explain(state: CompiledState): string {
  const out: string[] = [];
  state.last.forEach((g, i) => {
    out.push(`graph ${i + 1} of ${state.last.length}: ${kernelCount(g.graph)} kernels recorded, ${kernelCount(g.program)} after passes, cache ${g.cacheHit ? "hit" : "miss"}${g.endedBy ? `, ended by ${g.endedBy}` : ""}`);
    out.push(indent(formatGraph(g.graph)));
    if (g.program !== g.graph) {
      out.push("after passes:");
      out.push(indent(formatGraph(g.program)));
    }
  });
  const s = {
    calls: state.calls, graphs: state.graphs, hits: state.hits, misses: state.misses,
  };
  out.push(`calls ${s.calls}, graphs ${s.graphs}, cache hits ${s.hits}, misses ${s.misses}, programs ${state.size}`);
  const rec = state.totalMs - state.prepareMs - state.lookupMs - state.executeMs;
  out.push(`time: ${state.totalMs.toFixed(1)} ms in all: recording ${rec.toFixed(1)}, lookup ${state.lookupMs.toFixed(1)}, prepare ${state.prepareMs.toFixed(1)}, kernels ${state.executeMs.toFixed(1)}`);
  for (const [reason, count] of state.breaks) out.push(`break: ${reason} (${count}x)`);
  return out.join("\n");
}

function indent(s: string): string {
  return s.split("\n").map((l) => `  ${l}`).join("\n");
}

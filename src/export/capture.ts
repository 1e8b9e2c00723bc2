/**
 * Tracing for export: runs a function once under compile()'s recorder (src/compile/recorder.ts)
 * and merges the graphs it recorded into one self-contained inference graph whose external
 * buffers are either the traced inputs or weights (the values other tensors held at trace
 * time). As torch.jit.trace, control flow is frozen: JS `if`/`for` ran once, JS scalars
 * are baked in, and a host read (`item()`, `tolist()`, printing, an op that reads values on
 * the host) returns this trace's value and is warned about, since the graph then holds the
 * branch this input took. Not exportable, with a FluxionError naming the public op: random
 * draws (dropout in training mode) and in-place writes to a weight (BatchNorm's running
 * statistics in training mode): call `model.eval()` first.
 */
import { FluxionError } from "../errors.js";
import { addDispatchLayer } from "../backend/dispatcher.js";
import { decompose } from "../backend/decompositions.js";
import type { FusedPrimitiveName } from "../backend/primitives.js";
import { Tensor } from "../tensor/tensor.js";
import type { Storage } from "../tensor/storage.js";
import { noGrad } from "../autograd/grad_mode.js";
import { execute } from "../compile/executor.js";
import type { BufferInfo, Graph, IRNode, ValueInfo } from "../compile/ir.js";
import { Recorder, type Recording } from "../compile/recorder.js";
import { isRecording, setRecording } from "../compile/state.js";
import { simplify } from "../compile/passes/simplify.js";
import { eliminateCommonSubexpressions } from "../compile/passes/cse.js";
import { foldConstants } from "../compile/passes/fold.js";
import { eliminateDeadCode } from "../compile/passes/dce.js";
import type { StorageArray } from "../tensor/dtype.js";

/** What a buffer of an exported graph is. */
export type BufferRole = { kind: "input"; index: number } | { kind: "weight" } | { kind: "internal" };

export interface TracedGraph {
  /** The merged graph after the passes (simplify, cse, fold, dce); `live` = the outputs. */
  graph: Graph;
  roles: BufferRole[];
  /** Per weight buffer: its elements at trace time. */
  weights: Map<number, StorageArray>;
  /** The value id of each input (contiguous over its own buffer) and of each output. */
  inputs: number[];
  outputs: number[];
  /** Whether fn returned one tensor (not an array). */
  single: boolean;
  /** The host reads that happened while tracing (their values are frozen into the graph). */
  hostReads: string[];
}

/** The passes an exported graph goes through (not compile()'s default list, which may grow kernels the exporters do not know). */
const EXPORT_PASSES = [simplify, eliminateCommonSubexpressions, foldConstants, eliminateDeadCode];

/**
 * Traces `fn` on `exampleInputs`. `decompose`: fused primitives recorded as the core
 * primitives of their decomposition (an exporter without a lowering for them: ONNX has no
 * rnnCell, so an LSTM step becomes its matmuls and gate math). `foldCreation` false keeps
 * values computed from full/range (masks, positions) as nodes instead of constants, for an
 * exporter whose sizes are symbolic (onnx.export with dynamic axes).
 */
export function traceFunction(op: string, fn: (...args: Tensor[]) => Tensor | Tensor[], exampleInputs: readonly Tensor[], decomposeOps: ReadonlySet<FusedPrimitiveName> = new Set(), foldCreation = true): TracedGraph {
  if (isRecording()) throw new FluxionError(`${op}: cannot trace inside a compiled call`);
  exampleInputs.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new FluxionError(`${op}: example input ${i} must be a Tensor, got ${t === null ? "null" : typeof t}`);
    if (t.device !== "cpu") throw new FluxionError(`${op}: example input ${i} is on ${t.device}; trace on the CPU`);
  });
  // each input gets its own contiguous storage, so it is a buffer of exactly its elements
  const inputs = exampleInputs.map((t) => noGrad(() => t.detach().clone()));
  const recs: Recording[] = [];
  const hostReads: string[] = [];
  const recorder = new Recorder({
    run(rec, reason) {
      checkExportable(op, rec, new Set(inputs.map((t) => t.storage))); // before it runs: a refused trace changes no weights
      recs.push(rec);
      if (reason !== null) hostReads.push(reason);
      execute(rec.graph(), rec);
    },
  });
  const removeRecorder = addDispatchLayer(recorder.layer);
  // outside the recorder's layer (added after it): the core primitives it dispatches are recorded
  const removeDecompose = decomposeOps.size === 0 ? () => {} : addDispatchLayer((call, next) =>
    decomposeOps.has(call.op as FusedPrimitiveName) ? decompose(call.op as FusedPrimitiveName, call.inputs, call.attrs, call.device ?? call.inputs[0]?.device ?? "cpu") : next(call));
  const remove = () => {
    removeDecompose();
    removeRecorder();
  };
  setRecording(true);
  let result: unknown;
  try {
    result = noGrad(() => fn(...inputs));
  } catch (e) {
    remove();
    setRecording(false);
    recorder.rec.unwatch();
    throw e;
  }
  remove();
  setRecording(false);
  const single = result instanceof Tensor;
  const outs = single ? [result as Tensor] : Array.isArray(result) ? result : null;
  if (outs === null || outs.length === 0 || !outs.every((t) => t instanceof Tensor)) {
    recorder.flush(null);
    throw new FluxionError(`${op}: the traced function must return a Tensor or an array of Tensors`);
  }
  const last = recorder.rec;
  const outLocal = (outs as Tensor[]).map((t) => last.valueFor(t, recorder));
  recorder.flush(null);
  if (recs[recs.length - 1] !== last) recs.push(last); // computed nothing new: only inputs and views
  for (const r of hostReads) {
    console.warn(`fluxion: ${op}: ${r} while tracing: the value read is frozen into the graph (control flow that depends on it will not change for other inputs)`);
  }
  return finish(op, merge(recs, outLocal), inputs, single, hostReads, foldCreation);
}

interface Merged {
  graph: Graph;
  storages: Storage[];
  outputs: number[];
}

/** The recordings split by host reads, as one graph: a buffer computed by an earlier graph is the same buffer in a later one. */
function merge(recs: Recording[], outLocal: number[]): Merged {
  const values: ValueInfo[] = [];
  const buffers: BufferInfo[] = [];
  const nodes: IRNode[] = [];
  const storages: Storage[] = [];
  const bufOf = new Map<Storage, number>();
  let outputs: number[] = [];
  recs.forEach((rec, r) => {
    const base = values.length;
    const bmap: number[] = [];
    const versionBase: number[] = [];
    rec.buffers.forEach((b, i) => {
      const s = rec.storages[i]!;
      let gb = bufOf.get(s);
      if (gb === undefined) {
        gb = buffers.length;
        buffers.push({ ...b, writes: 0 });
        storages.push(s);
        bufOf.set(s, gb);
      }
      bmap.push(gb);
      versionBase.push(buffers[gb]!.writes);
    });
    for (const v of rec.values) values.push({ ...v, buf: bmap[v.buf]!, version: versionBase[v.buf]! + v.version });
    for (const n of rec.nodes) {
      const attrs = n.op === "input" ? { buf: bmap[n.attrs.buf]!, version: versionBase[n.attrs.buf]! + n.attrs.version } : n.attrs;
      nodes.push({ ...n, attrs, inputs: n.inputs.map((v) => v + base), outputs: n.outputs.map((v) => v + base), src: -1 });
    }
    rec.buffers.forEach((b, i) => (buffers[bmap[i]!]!.writes += b.writes));
    if (r === recs.length - 1) outputs = outLocal.map((v) => v + base);
  });
  return { graph: { values, buffers, nodes, live: new Set(outputs) }, storages, outputs };
}

function finish(op: string, m: Merged, inputs: Tensor[], single: boolean, hostReads: string[], foldCreation: boolean): TracedGraph {
  const g0 = m.graph;
  // the input value of each traced input (one a graph reads; unused inputs get one here)
  const inputBuf = new Map<Storage, number>();
  inputs.forEach((t, i) => inputBuf.set(t.storage, i));
  const passes = foldCreation ? EXPORT_PASSES : EXPORT_PASSES.filter((p) => p !== foldConstants);
  const graph = foldConstantsToWeights(passes.reduce((g, p) => p(g), g0));
  const roles: BufferRole[] = graph.buffers.map((b, i) => {
    const k = i < m.storages.length ? inputBuf.get(m.storages[i]!) : undefined;
    return k !== undefined ? { kind: "input", index: k } : b.external ? { kind: "weight" } : { kind: "internal" };
  });
  const weights = new Map<number, StorageArray>();
  graph.buffers.forEach((b, i) => {
    if (roles[i]!.kind === "weight" && !weights.has(i)) weights.set(i, constData.get(graph)?.get(i) ?? m.storages[i]!._peek());
  });
  // one input value per traced input, contiguous over its buffer
  const inputIds = inputs.map((t, k) => {
    let buf = roles.findIndex((r) => r.kind === "input" && r.index === k);
    if (buf < 0) {
      buf = graph.buffers.length;
      graph.buffers.push({ external: true, numel: t.numel(), dtype: t.dtype, device: "cpu", writes: 0 });
      roles.push({ kind: "input", index: k });
    }
    const id = graph.values.length;
    graph.values.push({ shape: t.shape, strides: t.strides, offset: 0, dtype: t.dtype, device: "cpu", buf, version: 0 });
    graph.nodes.unshift({ op: "input", attrs: { buf, version: 0 }, inputs: [], outputs: [id], src: -1, effect: "input", publicOp: "" });
    return id;
  });
  return { graph, roles, weights, inputs: inputIds, outputs: m.outputs, single, hostReads };
}

const constData = new WeakMap<Graph, Map<number, StorageArray>>();

/** `const` nodes (constant folding) become weight buffers read by an input node. */
function foldConstantsToWeights(g: Graph): Graph {
  if (!g.nodes.some((n) => n.op === "const")) return g;
  const data = new Map<number, StorageArray>();
  const buffers = g.buffers.map((b) => ({ ...b }));
  const nodes = g.nodes.map((n) => {
    if (n.op !== "const") return n;
    const v = g.values[n.outputs[0]!]!;
    buffers[v.buf]!.external = true;
    data.set(v.buf, n.attrs.data as StorageArray);
    return { ...n, op: "input", attrs: { buf: v.buf, version: 0 }, effect: "input" as const };
  });
  const out = { ...g, buffers, nodes };
  constData.set(out, data);
  return out;
}

/** Random draws and in-place writes to tensors from outside (weights; the traced inputs are the graph's own copies) have no place in an inference graph. */
function checkExportable(op: string, rec: Recording, inputs: Set<Storage>): void {
  const g0 = rec.graph();
  for (const n of g0.nodes) {
    const who = n.publicOp ? `${n.publicOp} (${n.op})` : n.op;
    if (n.effect === "random") {
      throw new FluxionError(`${op}: ${who} draws random numbers, which an inference graph cannot hold (dropout in training mode?); call model.eval() before exporting`);
    }
    const written = n.effect === "inplace" ? [n.inputs[0]!] : n.effect === "writes" ? n.writes!.map((k) => n.inputs[k]!) : [];
    for (const v of written) {
      const buf = g0.values[v]!.buf;
      if (g0.buffers[buf]!.external && !inputs.has(rec.storages[buf]!)) {
        throw new FluxionError(`${op}: ${who} writes a tensor made outside the traced function in place (BatchNorm's running statistics in training mode?); an exported graph cannot change its weights or inputs: call model.eval() before exporting`);
      }
    }
  }
}

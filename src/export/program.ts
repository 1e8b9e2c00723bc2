/**
 * ExportedProgram: a traced inference graph with its weights, runnable without the model's
 * source code — Fluxion's counterpart of a TorchScript module or a TensorFlow SavedModel.
 * `jit.trace(fn, exampleInputs)` / `exportGraph` make one (capture.ts); `save(path)` writes one safetensors
 * file (the weights as tensors, the graph as JSON in the file's metadata under
 * "fluxion.graph"), `loadGraph(path)` / `ExportedProgram.deserialize(bytes)` read it back.
 * Running interprets the IR node by node through the dispatcher (so the native kernels,
 * autocast and compile() apply as to eager code); a view node is the same view of its
 * input's storage, an in-place node writes its input's (internal) buffer.
 *
 * Not here: the ONNX lowering (onnx/), capture and its rules (capture.ts).
 */
import { FluxionError, ShapeError, fmtShape } from "../errors.js";
import { checkArity } from "../api/check_args.js";
import { dispatchAll } from "../backend/dispatcher.js";
import type { PrimitiveName } from "../backend/primitives.js";
import { Tensor } from "../tensor/tensor.js";
import { Storage } from "../tensor/storage.js";
import type { DType, StorageArray } from "../tensor/dtype.js";
import { noGrad } from "../autograd/grad_mode.js";
import { formatGraph, type Graph, type IRNode } from "../compile/ir.js";
import { serialize, deserializeWithMetadata } from "../io/safetensors.js";
import { readFileBytes, writeFileAtomic } from "../io/node_files.js";
import { traceFunction, type BufferRole } from "./capture.js";

/** The format tag of a saved graph; a file with another tag is refused. */
export const GRAPH_FORMAT = "fluxion.graph/1";
const META_KEY = "fluxion.graph";

interface GraphJSON {
  format: string;
  values: { shape: number[]; strides: number[]; offset: number; dtype: DType; buf: number; version: number }[];
  buffers: { numel: number; dtype: DType; role: BufferRole }[];
  nodes: { op: string; attrs: unknown; inputs: number[]; outputs: number[]; effect: string; publicOp: string; writes?: number[] }[];
  inputs: number[];
  outputs: number[];
  single: boolean;
}

export class ExportedProgram {
  /** @internal */
  constructor(
    /** The graph (IR) it runs; `live` holds the outputs. */
    readonly graph: Graph,
    /** @internal What each buffer is: an input, a weight, or made by a node. */
    readonly roles: readonly BufferRole[],
    /** The weights by buffer id (flat, as stored), read-only by convention. */
    readonly weights: ReadonlyMap<number, Tensor>,
    /** The value id of each input and output. */
    readonly inputIds: readonly number[],
    readonly outputIds: readonly number[],
    /** Whether the traced function returned one tensor (run then returns a Tensor). */
    readonly single: boolean,
  ) {}

  /** The shape and dtype each input must have (those of the example inputs). */
  get inputSpecs(): { shape: readonly number[]; dtype: DType }[] {
    return this.inputIds.map((v) => ({ shape: this.graph.values[v]!.shape, dtype: this.graph.values[v]!.dtype }));
  }

  /** Runs the graph on inputs of the traced shapes and dtypes; returns what the traced function returned. */
  run(...inputs: Tensor[]): Tensor | Tensor[] {
    const g = this.graph;
    if (inputs.length !== this.inputIds.length) throw new FluxionError(`ExportedProgram.run: expected ${this.inputIds.length} input(s), got ${inputs.length}`);
    const bufT = new Map<number, Tensor>(); // a buffer's contiguous flat tensor
    inputs.forEach((t, k) => {
      const v = g.values[this.inputIds[k]!]!;
      if (!(t instanceof Tensor)) throw new FluxionError(`ExportedProgram.run: input ${k} must be a Tensor`);
      if (t.dtype !== v.dtype || t.shape.length !== v.shape.length || t.shape.some((s, d) => s !== v.shape[d])) {
        throw new ShapeError(`ExportedProgram.run: input ${k} must be ${v.dtype} ${fmtShape(v.shape)} as traced, got ${t.dtype} ${fmtShape(t.shape)} (a traced graph has fixed shapes: trace again for other shapes)`);
      }
      bufT.set(v.buf, noGrad(() => t.detach().clone()).reshape([-1]));
    });
    for (const [b, w] of this.weights) bufT.set(b, w);
    const vals: Tensor[] = [];
    const layout = (id: number, base: Tensor) => {
      const v = g.values[id]!;
      return dispatchAll("view", [base], { shape: v.shape, strides: v.strides, offset: v.offset })[0]!;
    };
    noGrad(() => {
      for (const n of g.nodes) {
        if (n.op === "input") {
          const base = bufT.get(n.attrs.buf);
          if (base === undefined) throw new FluxionError(`ExportedProgram.run: buffer b${n.attrs.buf} is read before it is written (a corrupt graph)`);
          vals[n.outputs[0]!] = layout(n.outputs[0]!, base);
          continue;
        }
        const ins = n.inputs.map((i) => vals[i]!);
        const outs = dispatchAll(n.op as PrimitiveName, ins, n.attrs, n.device);
        if (n.effect === "view") {
          vals[n.outputs[0]!] = outs[0]!;
          continue;
        }
        if (n.effect === "inplace") {
          vals[n.outputs[0]!] = ins[0]!;
          continue;
        }
        n.outputs.forEach((o, j) => {
          let t = outs[j]!;
          if (!(t.offset === 0 && t.isContiguous() && t.storage._peek().length === t.numel())) t = t.contiguous();
          bufT.set(g.values[o]!.buf, t);
          vals[o] = t;
        });
      }
    });
    const res = this.outputIds.map((o) => vals[o]!);
    return this.single ? res[0]! : res;
  }

  /** The graph as text, one primitive a line (as compile()'s explain()). */
  toString(): string {
    return formatGraph(this.graph);
  }

  /** The program as safetensors bytes (weights as tensors, the graph as JSON metadata); works without Node. */
  serialize(): Uint8Array {
    const g = this.graph;
    const json: GraphJSON = {
      format: GRAPH_FORMAT,
      values: g.values.map((v) => ({ shape: [...v.shape], strides: [...v.strides], offset: v.offset, dtype: v.dtype, buf: v.buf, version: v.version })),
      buffers: g.buffers.map((b, i) => ({ numel: b.numel, dtype: b.dtype, role: this.roles[i]! })),
      nodes: g.nodes.map((n) => ({ op: n.op, attrs: n.attrs, inputs: n.inputs, outputs: n.outputs, effect: n.effect, publicOp: n.publicOp, ...(n.writes ? { writes: n.writes } : {}) })),
      inputs: [...this.inputIds],
      outputs: [...this.outputIds],
      single: this.single,
    };
    const tensors: Record<string, Tensor> = {};
    for (const [b, w] of this.weights) tensors[`b${b}`] = w;
    return serialize(tensors, { metadata: { [META_KEY]: JSON.stringify(json, replacer) } });
  }

  /** Reads bytes written by serialize(). */
  static deserialize(bytes: Uint8Array, source = "<bytes>"): ExportedProgram {
    const { tensors, metadata } = deserializeWithMetadata(bytes, source);
    const text = metadata?.[META_KEY];
    if (text === undefined) throw new FluxionError(`loadGraph: ${source} holds no '${META_KEY}' metadata: it is not a graph saved by ExportedProgram.save`);
    const j = JSON.parse(text, reviver) as GraphJSON;
    if (j.format !== GRAPH_FORMAT) throw new FluxionError(`loadGraph: ${source} is format '${j.format}', this Fluxion reads '${GRAPH_FORMAT}'`);
    const graph: Graph = {
      values: j.values.map((v) => ({ ...v, device: "cpu" })),
      buffers: j.buffers.map((b) => ({ external: b.role.kind !== "internal", numel: b.numel, dtype: b.dtype, device: "cpu", writes: 0 })),
      nodes: j.nodes.map((n): IRNode => ({ op: n.op, attrs: n.attrs, inputs: n.inputs, outputs: n.outputs, src: -1, effect: n.effect as IRNode["effect"], publicOp: n.publicOp, ...(n.writes ? { writes: n.writes } : {}) })),
      live: new Set(j.outputs),
    };
    const weights = new Map<number, Tensor>();
    j.buffers.forEach((b, i) => {
      if (b.role.kind !== "weight") return;
      const t = tensors[`b${i}`];
      if (t === undefined || t.numel() !== b.numel || t.dtype !== b.dtype) throw new FluxionError(`loadGraph: ${source}: weight b${i} (${b.dtype}, ${b.numel} elements) is missing or has another size or dtype`);
      weights.set(i, t);
    });
    return new ExportedProgram(graph, j.buffers.map((b) => b.role), weights, j.inputs, j.outputs, j.single);
  }

  /** Saves the program to one safetensors file (atomic: a failed save leaves an existing file intact). Node only. */
  save(path: string): void {
    writeFileAtomic(path, this.serialize(), "ExportedProgram.save");
  }
}

/** JSON has no bigint, NaN or infinities: tag them. */
function replacer(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
  if (typeof v === "number" && Object.is(v, -0)) return { $number: "-0" };
  if (ArrayBuffer.isView(v)) throw new FluxionError("ExportedProgram.serialize: an attribute holds a typed array (internal error)");
  return v;
}
function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o.$bigint === "string" && Object.keys(o).length === 1) return BigInt(o.$bigint);
    if (typeof o.$number === "string" && Object.keys(o).length === 1) return o.$number === "-0" ? -0 : Number(o.$number);
  }
  return v;
}

function flatWeight(data: StorageArray, dtype: DType): Tensor {
  return Tensor._contiguous(new Storage(data.slice() as StorageArray, "cpu"), [data.length], dtype);
}

/**
 * Traces `fn` on `exampleInputs` (as torch.jit.trace): runs it once, recording every tensor
 * operation, and returns an ExportedProgram that replays them on new inputs of the same
 * shapes and dtypes, with the weights' values at trace time. Control flow is frozen: JS
 * `if`/`for` and scalars are those of this run; a host read while tracing (`item()`,
 * printing) is warned about, since its value is baked in. Runs under noGrad. Dropout in
 * training mode and BatchNorm updating running statistics are refused: call `model.eval()`.
 * @example
 * model.eval();
 * const prog = jit.trace((x) => model(x), [randn([1, 784])]); // or exportGraph(...)
 * prog.save("simplenet.fxgraph");
 * const y = loadGraph("simplenet.fxgraph").run(x);
 */
export function trace(fn: (...inputs: Tensor[]) => Tensor | Tensor[], exampleInputs: readonly Tensor[] | Tensor): ExportedProgram {
  checkArity("trace", arguments, 2, "fn, exampleInputs");
  if (typeof fn !== "function") throw new FluxionError(`trace: fn must be a function (a Module's forward or a closure), got ${typeof fn}`);
  const ins = exampleInputs instanceof Tensor ? [exampleInputs] : [...exampleInputs];
  const t = traceFunction("trace", fn, ins);
  const weights = new Map<number, Tensor>();
  for (const [b, data] of t.weights) weights.set(b, flatWeight(data, t.graph.buffers[b]!.dtype));
  return new ExportedProgram(t.graph, t.roles, weights, t.inputs, t.outputs, t.single);
}

/** jit.trace under a top-level name (`trace` alone is the matrix trace, as torch.trace). */
export const exportGraph = trace;

/** Loads a program saved by ExportedProgram.save. Node only (in a browser: ExportedProgram.deserialize(bytes)). */
export function loadGraph(path: string): ExportedProgram {
  checkArity("loadGraph", arguments, 1, "path");
  return ExportedProgram.deserialize(readFileBytes(path, "loadGraph"), path);
}

/**
 * The compiler's IR: a straight-line graph of primitive calls over values, as recorded by
 * compile() (recorder.ts) and rewritten by the passes (passes/). It prints like torch.fx:
 *
 *   %3 = matmul(%1, %2) {bias: col}  f32[64,10]
 *
 * A value (%k) is a tensor: a layout (shape, strides, offset, dtype) over a buffer (bK).
 * Buffers are the storages: external ones (tensors made outside the graph: parameters,
 * inputs, optimizer state) and the ones a node allocates. Views add values over the same
 * buffer; in-place primitives (assign, indexPut, binary inPlace) write their input's buffer
 * and give a new value for it, so every use names the buffer's state it reads (`version`).
 *
 * Node kinds beyond the primitives: "input" (a buffer as a graph input, or re-read after an
 * in-place write) and "const" (a value a pass computed once: constant folding). Execution
 * order is the node order; passes keep the order of nodes with effects.
 *
 * Elementwise fusion (passes/fuse_elementwise.ts) replaces a run of elementwise nodes by one
 * `fusedProgram` node (attrs: the program of instructions, its scalars and, in `scalarSrc`,
 * each scalar's recorded node), which the executor dispatches like any primitive.
 */
import type { DType } from "../tensor/dtype.js";
import { contiguousStrides } from "../tensor/shape.js";
import { formatAttrs } from "./attrs.js";

export interface ValueInfo {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  dtype: DType;
  device: string;
  /** The buffer it reads, and which state of it (the buffer's in-place writes before it). */
  buf: number;
  version: number;
}

export interface BufferInfo {
  /** A storage from outside the graph (a graph input), as opposed to one a node allocates. */
  external: boolean;
  /** Its length in elements of `dtype`. */
  numel: number;
  dtype: DType;
  device: string;
  /** In-place writes recorded into it. */
  writes: number;
}

/** What running a node does besides computing its outputs (passes must keep these). */
/** "writes": new outputs, and also writes the inputs at positions `writes` in place (batchNorm's running statistics). */
export type Effect = "pure" | "view" | "inplace" | "writes" | "random" | "input" | "const";

export interface IRNode {
  /** A primitive name, "input" or "const". */
  op: string;
  /** The recorded attributes (for a cached graph: the first recording's; see `src`). */
  attrs: any;
  inputs: number[];
  outputs: number[];
  /**
   * The recorded node this one runs: the executor takes that node's attributes from the
   * current call (so its JS scalars are this call's); -1 for nodes a pass made.
   */
  src: number;
  effect: Effect;
  /** The public op that dispatched it ("F.crossEntropy", "Linear"), "" when none. */
  publicOp: string;
  /** The device of a node without tensor inputs. */
  device?: string;
  /** For effect "writes": the positions of the inputs it writes in place. */
  writes?: number[];
  /**
   * Its (single, contiguous) output is the kernel's result reshaped: a pass moved a
   * reshape after it into it (fuse_epilogue.ts), so the executor accepts the same elements
   * under the value's shape.
   */
  reshapesOutput?: boolean;
}

export interface Graph {
  values: ValueInfo[];
  buffers: BufferInfo[];
  nodes: IRNode[];
  /**
   * The values whose contents must exist after the graph runs (the user may still hold them),
   * or null for all of them: compile() keeps every tensor made in a call (see docs/compile.md).
   */
  live: Set<number> | null;
  /**
   * Internal buffers nobody reads after the graph (see Recording.graph): their memory goes
   * back to the allocator after their last use. Absent or null: those without a live value.
   */
  free?: Set<number> | null;
}

/** Whether a value on `device` lives in host memory (the CPU backend's typed arrays). */
export function onHost(device: string): boolean {
  return device === "cpu" || device.startsWith("cpu:");
}

export function isLive(g: Graph, v: number): boolean {
  return g.live === null || g.live.has(v);
}

const SHORT: Record<DType, string> = {
  float32: "f32", float64: "f64", int32: "i32", bool: "bool", bfloat16: "bf16", float16: "f16", uint8: "u8", int8: "i8", int64: "i64",
};


/** `f32[64,10]`, with strides and offset when the layout is not contiguous from 0. */
export function formatValueType(v: ValueInfo): string {
  let s = `${SHORT[v.dtype]}[${v.shape.join(",")}]`;
  const c = contiguousStrides(v.shape);
  if (v.strides.some((st, d) => st !== c[d] && v.shape[d] !== 1)) s += ` strides=[${v.strides.join(",")}]`;
  if (v.offset !== 0) s += ` offset=${v.offset}`;
  return s;
}

/** One node as a line: `%3 = matmul(%1, %2) {bias: col}  f32[64,10]`. */
export function formatNode(g: Graph, n: IRNode, scalarCounter: { n: number }): string {
  const outs = n.outputs.map((o) => `%${o}`).join(", ");
  let call: string;
  if (n.op === "input") {
    const b = g.buffers[n.attrs.buf]!;
    call = `input(b${n.attrs.buf}${n.attrs.version ? `@${n.attrs.version}` : ""}${b.external ? "" : ", internal"})`;
  } else if (n.op === "const") {
    call = "const()";
  } else {
    const attrs = formatAttrs(n.op, n.attrs, scalarCounter);
    call = `${n.op}(${n.inputs.map((i) => `%${i}`).join(", ")})${attrs ? ` ${attrs}` : ""}`;
  }
  const types = n.outputs.map((o) => formatValueType(g.values[o]!)).join(", ");
  const notes: string[] = [];
  if (n.effect === "inplace") {
    // the outputs over an input's buffer (a fused program also has new ones)
    const bufs = n.outputs.map((o) => g.values[o]!.buf).filter((b) => n.inputs.some((i) => g.values[i]!.buf === b));
    notes.push(`writes ${[...new Set(bufs)].map((b) => `b${b}`).join(", ")}`);
  }
  if (n.effect === "writes") notes.push(`writes ${n.writes!.map((k) => `b${g.values[n.inputs[k]!]!.buf}`).join(", ")}`);
  if (n.publicOp) notes.push(n.publicOp);
  return `${outs} = ${call}  ${types}${notes.length ? `  # ${notes.join("; ")}` : ""}`;
}

/** The whole graph, one node a line, then its live values when not all are. */
export function formatGraph(g: Graph): string {
  const counter = { n: 0 };
  const lines = g.nodes.map((n) => formatNode(g, n, counter));
  if (g.live !== null) lines.push(`live: ${[...g.live].sort((a, b) => a - b).map((v) => `%${v}`).join(", ")}`);
  return lines.join("\n");
}

/** Nodes that run a kernel (not inputs or views): what a graph costs to run. */
export function kernelCount(g: Graph): number {
  let k = 0;
  for (const n of g.nodes) if (n.effect !== "input" && n.effect !== "view") k++;
  return k;
}

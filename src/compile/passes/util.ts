/** Helpers the passes share: which buffers are written in place, renaming uses of a value. */
import type { Graph, IRNode } from "../ir.js";

/** Buffers some in-place node writes: a value over one of them changes during the graph. */
export function writtenBuffers(g: Graph): Set<number> {
  const s = new Set<number>();
  for (const n of g.nodes) {
    if (n.effect === "inplace") for (const o of n.outputs) s.add(g.values[o]!.buf);
    else if (n.effect === "writes") for (const k of n.writes!) s.add(g.values[n.inputs[k]!]!.buf);
  }
  return s;
}

/** `n` with its inputs renamed through `rename` (the same object when none changes). */
export function renamed(n: IRNode, rename: Map<number, number>): IRNode {
  if (rename.size === 0 || !n.inputs.some((v) => rename.has(v))) return n;
  return { ...n, inputs: n.inputs.map((v) => rename.get(v) ?? v) };
}

/** The node that produces each value. */
export function producers(g: Graph): Map<number, IRNode> {
  const m = new Map<number, IRNode>();
  for (const n of g.nodes) for (const o of n.outputs) m.set(o, n);
  return m;
}

/** A `copy` node that materializes `from` into `to` (a live value whose node a pass removed). */
export function copyNode(from: number, to: number, publicOp: string): IRNode {
  return { op: "copy", attrs: {}, inputs: [from], outputs: [to], src: -1, effect: "pure", publicOp };
}

/**
 * Common-subexpression elimination: a pure node with the same op, inputs and attributes as
 * an earlier one is the same tensor. Its uses are renamed to the earlier one's outputs; a
 * live output (one the user holds) gets a `copy` instead, since it must stay its own storage.
 *
 * Keys use structure only: a JS scalar other than 0 and 1 is a graph input whose value may
 * differ in the next call that reuses this program, so nodes with such scalars never merge
 * (each is keyed by its own slot). Nodes whose outputs are written in place later are left
 * alone (the two would stop being equal), as are in-place and random nodes.
 */
import { encodeAttrs, type EncodeContext } from "../attrs.js";
import { isLive, type Graph, type IRNode } from "../ir.js";
import { copyNode, renamed, writtenBuffers } from "./util.js";

export function eliminateCommonSubexpressions(g: Graph): Graph {
  const written = writtenBuffers(g);
  const ctx: EncodeContext = { scalars: [], objects: new Map(), slotted: true };
  const seen = new Map<string, IRNode>();
  const rename = new Map<number, number>();
  const nodes: IRNode[] = [];
  let changed = false;
  for (const n0 of g.nodes) {
    const n = renamed(n0, rename);
    if (n !== n0) changed = true;
    if (n.effect !== "pure" && n.effect !== "view" && n.effect !== "input") {
      nodes.push(n);
      continue;
    }
    const ownsStorage = n.effect === "pure";
    if (ownsStorage && n.outputs.some((o) => written.has(g.values[o]!.buf))) {
      nodes.push(n);
      continue;
    }
    const layout = n.effect === "pure" ? "" : n.outputs.map((o) => { const v = g.values[o]!; return `${v.dtype}[${v.shape}][${v.strides}]+${v.offset}`; }).join();
    const attrs: number[] = [];
    encodeAttrs(n.op, n.attrs, ctx, attrs);
    const key = `${n.op}(${n.inputs.join(",")})${attrs.join(",")}${n.device ?? ""}${layout}`;
    const prev = seen.get(key);
    if (prev === undefined) {
      seen.set(key, n);
      nodes.push(n);
      continue;
    }
    changed = true;
    n.outputs.forEach((o, j) => {
      // a view or input of the same buffer state and layout is the same tensor: just rename
      if (ownsStorage && isLive(g, o)) nodes.push(copyNode(prev.outputs[j]!, o, n.publicOp));
      else rename.set(o, prev.outputs[j]!);
    });
  }
  return changed ? { ...g, nodes } : g;
}

/**
 * Constant folding of graph-internal constants: values computed only from `full`/`range`
 * nodes whose scalars are all keyed by value (0 and 1, attrs.ts) — zeros(), ones(), arange
 * from 0 by 1, and pure ops and views on those. They are computed once when the program is
 * prepared and become `const` nodes. A JS scalar such as lr is a graph input (its value
 * changes between calls that share the program), so nothing that reads one is folded.
 * Random draws, in-place writes and buffers written in place are never constant. Constants
 * nobody outside the folded set reads are left for dead-code elimination.
 */
import { dispatchAll } from "../../backend/dispatcher.js";
import type { PrimitiveName } from "../../backend/primitives.js";
import type { Tensor } from "../../tensor/tensor.js";
import { isSpecialScalar, scalarsOf } from "../attrs.js";
import { onHost, type Graph, type IRNode } from "../ir.js";
import { writtenBuffers } from "./util.js";

export function foldConstants(g: Graph): Graph {
  const written = writtenBuffers(g);
  const constant = new Map<number, Tensor>(); // value -> its computed tensor
  const folded = new Set<IRNode>();
  for (const n of g.nodes) {
    if (n.effect !== "pure" && n.effect !== "view") continue;
    if (!n.outputs.every((o) => onHost(g.values[o]!.device))) continue; // a const is a host array
    if (!n.inputs.every((v) => constant.has(v))) continue;
    if (n.effect === "pure") {
      if (n.inputs.length === 0 && !(n.op === "full" || n.op === "range")) continue;
      if (!scalarsOf(n.op, n.attrs).every(isSpecialScalar)) continue;
      if (n.outputs.some((o) => written.has(g.values[o]!.buf))) continue;
    }
    const outs = dispatchAll(n.op as PrimitiveName, n.inputs.map((v) => constant.get(v)!), n.attrs, n.device);
    n.outputs.forEach((o, j) => constant.set(o, outs[j]!));
    if (n.effect === "pure") folded.add(n);
  }
  if (folded.size === 0) return g;
  const nodes: IRNode[] = [];
  for (const n of g.nodes) {
    if (!folded.has(n)) {
      nodes.push(n);
      continue;
    }
    for (const o of n.outputs) {
      const t = constant.get(o)!.contiguous();
      const data = t.storage.data.slice(t.offset, t.offset + t.numel());
      nodes.push({ op: "const", attrs: { data }, inputs: [], outputs: [o], src: -1, effect: "const", publicOp: n.publicOp });
    }
  }
  return { ...g, nodes };
}

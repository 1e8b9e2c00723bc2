/**
 * Dead-code elimination: drops nodes whose outputs nobody reads and that are not live (the
 * user may hold them; a value over a free buffer is read by nobody after the graph). Nodes with effects stay: in-place writes, and random draws (they
 * advance the generator, so dropping one would change every later random number), and
 * kernels that check index values (gather, scatter): eager raises for a bad index even when
 * the result is unused, and assertions such as binaryCrossEntropy's range check are such
 * gathers whose result nobody reads.
 * Needs are tracked per buffer, not per value: a view, or an `input` node re-reading an
 * internal buffer after an in-place write, reads what the buffer's producer wrote.
 */
import { isLive, type Graph, type IRNode } from "../ir.js";

/** Primitives whose kernels raise on bad index values. */
const CHECKING = new Set(["gather", "scatter"]);

export function eliminateDeadCode(g: Graph): Graph {
  const needed = new Set<number>(); // buffers
  const kept: IRNode[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    const keep = n.effect === "inplace" || n.effect === "writes" || n.effect === "random" || CHECKING.has(n.op) || n.outputs.some((o) => needed.has(g.values[o]!.buf) || (isLive(g, o) && !g.free?.has(g.values[o]!.buf)));
    if (!keep) continue;
    kept.push(n);
    for (const v of n.inputs) needed.add(g.values[v]!.buf);
  }
  kept.reverse();
  return kept.length === g.nodes.length ? g : { ...g, nodes: kept };
}

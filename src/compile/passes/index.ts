/**
 * The pass pipeline a recorded graph goes through before it runs (once per cache entry):
 * simplification, common subexpressions, constant folding, dead code, then epilogue fusion
 * (a ReLU into its matmul/conv, before elementwise fusion could take it) and elementwise
 * fusion (after dead code, so dropped values are not stored).
 */
import { formatGraph, type Graph } from "../ir.js";
import { eliminateCommonSubexpressions } from "./cse.js";
import { eliminateDeadCode } from "./dce.js";
import { foldConstants } from "./fold.js";
import { fuseElementwise } from "./fuse_elementwise.js";
import { fuseEpilogues } from "./fuse_epilogue.js";
import { simplify } from "./simplify.js";

export { eliminateCommonSubexpressions, eliminateDeadCode, foldConstants, fuseElementwise, fuseEpilogues, simplify };

export interface Pass {
  name: string;
  run(g: Graph): Graph;
}

export const DEFAULT_PASSES: readonly Pass[] = [
  { name: "simplify", run: simplify },
  { name: "cse", run: eliminateCommonSubexpressions },
  { name: "fold", run: foldConstants },
  { name: "dce", run: eliminateDeadCode },
  { name: "epilogue", run: fuseEpilogues },
  { name: "fuse", run: fuseElementwise },
];

/** Runs the passes in order; with `trace`, records each pass's printout. */
export function optimize(g: Graph, passes: readonly Pass[] = DEFAULT_PASSES, trace?: { pass: string; graph: string }[]): Graph {
  let cur = g;
  for (const p of passes) {
    cur = p.run(cur);
    trace?.push({ pass: p.name, graph: formatGraph(cur) });
  }
  return cur;
}

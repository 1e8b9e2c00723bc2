/**
 * Algebraic simplification:
 * - view chains: a view of a view reads the same storage, and view attributes are absolute
 *   (shape, strides, offset over the storage), so view(view(x)) is view(x); a view whose
 *   layout is its input's (a double transpose, reshape there and back) is its input.
 * - identities: x*1, 1*x, x/1, x-0, and x+0 / 0+x for integer dtypes (for floats x+0 turns
 *   -0 into +0, so it is not an identity), cast to the same dtype. The constant must come from
 *   a `full` (possibly through views: an expanded scalar) whose value is keyed as 0 or 1
 *   (attrs.ts), and the result must have x's shape. Uses are renamed to x, or, when the result
 *   is live (the user holds it, so it needs its own storage), the node becomes copy(x).
 *   Renaming needs x's buffer unwritten by any in-place node (else a later read would see the
 *   write where the result was taken before it).
 */
import { isSpecialScalar } from "../attrs.js";
import { isLive, type Graph, type IRNode } from "../ir.js";
import { isFloating, type DType } from "../../tensor/dtype.js";
import { copyNode, producers, renamed, writtenBuffers } from "./util.js";

export function simplify(g: Graph): Graph {
  const written = writtenBuffers(g);
  const prod = producers(g);
  const rename = new Map<number, number>();
  const nodes: IRNode[] = [];
  let changed = false;
  const sameLayout = (a: number, b: number) => {
    const x = g.values[a]!, y = g.values[b]!;
    return x.offset === y.offset && x.dtype === y.dtype && x.shape.length === y.shape.length && x.shape.every((s, d) => s === y.shape[d]) && x.strides.every((s, d) => s === y.strides[d] || x.shape[d] === 1);
  };
  for (const n0 of g.nodes) {
    let n = renamed(n0, rename);
    if (n !== n0) changed = true;
    if (n.op === "view" && n.attrs.dtype === undefined) {
      const inner = prod.get(n.inputs[0]!);
      if (inner !== undefined && inner.op === "view" && inner.attrs.dtype === undefined) {
        n = { ...n, inputs: [inner.inputs[0]!] };
        changed = true;
      }
      if (sameLayout(n.outputs[0]!, n.inputs[0]!)) {
        rename.set(n.outputs[0]!, n.inputs[0]!);
        changed = true;
        continue;
      }
      prod.set(n.outputs[0]!, n); // a later view of this one sees the shortened chain
      nodes.push(n);
      continue;
    }
    const x = identityOperand(g, n, prod);
    if (x !== null) {
      const out = n.outputs[0]!;
      if (isLive(g, out)) {
        nodes.push(copyNode(x, out, n.publicOp));
        changed = true;
        continue;
      }
      if (!written.has(g.values[x]!.buf)) {
        rename.set(out, x);
        changed = true;
        continue;
      }
    }
    nodes.push(n);
  }
  return changed ? { ...g, nodes } : g;
}

/** The value of a `full` (seen through views) when it is keyed as 0 or 1; else null. */
function constantOf(v: number, prod: Map<number, IRNode>): number | null {
  let n = prod.get(v);
  while (n !== undefined && n.op === "view" && n.attrs.dtype === undefined) n = prod.get(n.inputs[0]!);
  if (n === undefined || n.op !== "full") return null;
  const value = n.attrs.value as number | bigint;
  if (!isSpecialScalar(value)) return null;
  return Number(value);
}

/** For a node computing one of its operands unchanged, that operand; else null. */
function identityOperand(g: Graph, n: IRNode, prod: Map<number, IRNode>): number | null {
  if (n.effect !== "pure") return null;
  const out = g.values[n.outputs[0]!]!;
  const sameShape = (v: number) => { const s = g.values[v]!.shape; return s.length === out.shape.length && s.every((d, i) => d === out.shape[i]); };
  if (n.op === "cast") return g.values[n.inputs[0]!]!.dtype === n.attrs.dtype ? n.inputs[0]! : null;
  if (n.op !== "binary") return null;
  const [a, b] = n.inputs as [number, number];
  const dtype: DType = g.values[a]!.dtype;
  if (dtype === "bool" || out.dtype !== dtype) return null;
  const op = n.attrs.op as string;
  const ca = constantOf(a, prod), cb = constantOf(b, prod);
  const params = n.attrs.params as readonly number[] | undefined;
  let x: number | null = null;
  if (op === "mul") x = cb === 1 ? a : ca === 1 ? b : null;
  else if (op === "div") x = cb === 1 && (params === undefined || params[0] === 0) ? a : null;
  else if (op === "sub") x = cb === 0 ? a : null;
  else if (op === "add" && !isFloating(dtype)) x = cb === 0 ? a : ca === 0 ? b : null;
  return x !== null && sameShape(x) ? x : null;
}

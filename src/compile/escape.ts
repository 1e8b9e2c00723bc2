/**
 * What of a compiled call is still reachable after it returns. Roots: the call's result, and
 * what the call reported while it ran (state.ts: what user code was handed, and what
 * framework code stored with keepAfterCall — optimizer and GradScaler state, module buffers,
 * .grad). The tensors in those roots (arrays, plain objects, Maps and Sets of them, nested)
 * are kept; everything else the call's graph made is garbage once the call returns, so its
 * memory is reused within the program (recorder.ts keepOnly, executor.ts releasePlan).
 *
 * One exception keeps everything: an autograd graph reachable from those tensors that still
 * holds saved tensors (a compiled forward whose backward runs later, eagerly), since its
 * nodes read tensors nobody was handed.
 */
import type { Node } from "../autograd/node.js";
import { Tensor } from "../tensor/tensor.js";

/** How deep a result is searched for tensors ({ loss, parts: [a, b] } is depth 2). */
const MAX_DEPTH = 8;

export function reachableTensors(roots: readonly unknown[]): Set<Tensor> {
  const out = new Set<Tensor>();
  const seen = new Set<object>();
  const visit = (x: unknown, depth: number): void => {
    if (x === null || typeof x !== "object" || depth > MAX_DEPTH || seen.has(x)) return;
    seen.add(x);
    if (x instanceof Tensor) {
      out.add(x);
      if (x.grad !== null) out.add(x.grad);
    } else if (Array.isArray(x)) for (const v of x) visit(v, depth + 1);
    else if (x instanceof Map) for (const v of x.values()) visit(v, depth + 1);
    else if (x instanceof Set) for (const v of x) visit(v, depth + 1);
    else {
      const proto = Object.getPrototypeOf(x);
      if (proto === Object.prototype || proto === null) for (const v of Object.values(x)) visit(v, depth + 1);
    }
  };
  for (const r of roots) visit(r, 0);
  return out;
}

/** Whether a backward from any of `tensors` would still read tensors its graph holds. */
export function autogradHoldsTensors(tensors: Iterable<Tensor>): boolean {
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const t of tensors) if (t.gradFn !== null) stack.push(t.gradFn);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (n.holdsTensors) return true;
    for (const e of n.next) if (e !== null) stack.push(e.node);
  }
  return false;
}

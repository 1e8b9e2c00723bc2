/**
 * What of a compiled call is still reachable after it returns. Roots: the call's result, and
 * what the call reported while it ran (state.ts: what user code was handed, and what
 * framework code stored with keepAfterCall — optimizer and GradScaler state, module buffers,
 * .grad). The tensors in those roots (arrays, objects, Maps and Sets of them, nested) are
 * kept; everything else the call's graph made is garbage once the call returns, so its
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
/** How many values the search visits at most; past it, everything is kept (null). */
const MAX_VISITS = 100_000;

/**
 * The tensors reachable from `roots` (and their .grad) through arrays, Maps, Sets and any
 * object's own enumerable properties (a named tuple, a user's result class); null when the
 * search would visit too much, so that the caller keeps everything.
 */
export function reachableTensors(roots: readonly unknown[]): Set<Tensor> | null {
  const out = new Set<Tensor>();
  const seen = new Set<object>();
  let visits = 0;
  const visit = (x: unknown, depth: number): boolean => {
    if (x === null || typeof x !== "object" || depth > MAX_DEPTH || seen.has(x)) return true;
    if (++visits > MAX_VISITS) return false;
    seen.add(x);
    if (x instanceof Tensor) {
      out.add(x);
      if (x.grad !== null) out.add(x.grad);
      return true;
    }
    if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) return true;
    const values: Iterable<unknown> = Array.isArray(x) || x instanceof Set ? x : x instanceof Map ? x.values() : Object.values(x);
    for (const v of values) if (!visit(v, depth + 1)) return false;
    return true;
  };
  for (const r of roots) if (!visit(r, 0)) return null;
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

/**
 * The backward engine: walks the graph from the roots in topological order, sums the
 * gradients arriving at each node, runs tensor hooks, calls each node's backward and
 * either accumulates into leaves' .grad (backward) or returns the gradients of chosen
 * inputs (autograd.grad). With createGraph the backward formulas are themselves recorded,
 * which gives higher-order gradients.
 */
import { AutogradError, ShapeError, fmtShape } from "../errors.js";
import type { Storage } from "../tensor/storage.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { noGrad, withGradEnabled } from "./grad_mode.js";
import { retainedOutput, type Node } from "./node.js";
import { edgeOf } from "./record.js";
import { zeros } from "../tensor/creation.js";

export interface EngineOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** autograd.grad: return the gradients of these instead of accumulating into .grad. */
  inputs?: readonly Tensor[];
  allowUnused?: boolean;
  /** backward(inputs=...): accumulate only into these leaves. */
  accumulateOnly?: readonly Tensor[];
}

/** Reverse postorder of a DFS from the roots: every node comes before the nodes it feeds. */
function topologicalOrder(roots: readonly Node[]): Node[] {
  const visited = new Set<Node>();
  const post: Node[] = [];
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    const stack: [Node, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      if (i < node.next.length) {
        top[1]++;
        const child = node.next[i]?.node;
        if (child && !visited.has(child)) {
          visited.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        post.push(node);
      }
    }
  }
  return post.reverse();
}

export function runBackward(roots: readonly Tensor[], rootGrads: readonly Tensor[], opts: EngineOptions): (Tensor | null)[] {
  const rootEdges = roots.map((r, i) => {
    const e = edgeOf(r);
    if (!e) throw new AutogradError(`backward: element ${i} of tensors does not require grad and does not have a gradFn`);
    return e;
  });
  const order = topologicalOrder(rootEdges.map((e) => e.node));

  // autograd.grad targets: where to capture, and which nodes lead to them
  const capture = opts.inputs !== undefined;
  const targets = new Map<Node, Map<number, number[]>>();
  (opts.inputs ?? opts.accumulateOnly ?? []).forEach((t, k) => {
    const e = edgeOf(t);
    if (!e) throw new AutogradError(`grad: input ${k} (shape ${fmtShape(t.shape)}) does not require grad`);
    let m = targets.get(e.node);
    if (!m) targets.set(e.node, (m = new Map()));
    m.set(e.outputNr, [...(m.get(e.outputNr) ?? []), k]);
  });
  const pruned = capture || opts.accumulateOnly !== undefined;
  const needed = new Set<Node>();
  if (pruned) {
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!;
      if (targets.has(n) || n.next.some((e) => e && needed.has(e.node))) needed.add(n);
    }
  }

  const buffers = new Map<Node, (Tensor | null)[]>();
  const addTo = (node: Node, nr: number, g: Tensor) => {
    let buf = buffers.get(node);
    if (!buf) buffers.set(node, (buf = new Array(node.outputs.length).fill(null)));
    const meta = node.outputs[nr]!;
    if (!shapesEqual(g.shape, meta.shape)) {
      throw new ShapeError(`backward: ${node.name} received a gradient of shape ${fmtShape(g.shape)} for an output of shape ${fmtShape(meta.shape)}`);
    }
    if (g.dtype !== meta.dtype) g = g.to(meta.dtype);
    buf[nr] = buf[nr] ? buf[nr]!.add(g) : g;
  };
  withGradEnabled(opts.createGraph, () => rootEdges.forEach((e, i) => addTo(e.node, e.outputNr, rootGrads[i]!)));

  const captured: (Tensor | null)[] = (opts.inputs ?? []).map(() => null);
  // storages already given to a .grad or passed in by the caller: never alias two grads
  const handedOut = new Set<Storage>(rootGrads.map((g) => g.storage));

  for (const node of order) {
    const buf = buffers.get(node);
    if (!buf) continue;
    buffers.delete(node);
    withGradEnabled(opts.createGraph, () => {
      for (let nr = 0; nr < buf.length; nr++) {
        if (!buf[nr]) continue;
        const hooks = node.variable ? node.variable._leafHooks : node.hasHooks(nr) ? node.hooksFor(nr) : [];
        for (const h of hooks) buf[nr] = h(buf[nr]!) ?? buf[nr]!;
        const keep = !capture && retainedOutput(node, nr);
        if (keep) keep.grad = keep.grad ? keep.grad.add(buf[nr]!).detach() : buf[nr]!.detach().clone();
        for (const k of targets.get(node)?.get(nr) ?? []) if (capture) captured[k] = buf[nr]!;
      }
    });
    if (node.variable) {
      const leaf = node.variable;
      if (!capture && buf[0] && (!pruned || targets.has(node))) accumulate(leaf, buf[0], opts.createGraph, handedOut);
      continue;
    }
    if (pruned && !needed.has(node)) continue;
    const grads = buf.map((g, i) => g ?? zeros(node.outputs[i]!.shape, { dtype: node.outputs[i]!.dtype }));
    const saved = node.unpackSaved();
    const inGrads = withGradEnabled(opts.createGraph, () => node.backwardFn!(grads, saved));
    if (!opts.retainGraph) node.release();
    withGradEnabled(opts.createGraph, () => {
      node.next.forEach((e, i) => {
        const g = inGrads[i];
        if (e && g) addTo(e.node, e.outputNr, g);
      });
    });
  }

  if (capture) {
    captured.forEach((g, k) => {
      if (g === null && !opts.allowUnused) {
        throw new AutogradError(`grad: input ${k} appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.`);
      }
    });
  }
  return captured;
}

function accumulate(leaf: Tensor, g: Tensor, createGraph: boolean, handedOut: Set<Storage>): void {
  if (createGraph) {
    leaf.grad = leaf.grad ? leaf.grad.add(g) : g;
    return;
  }
  noGrad(() => {
    if (leaf.grad) {
      leaf.grad.add_(g);
      return;
    }
    let stored = g.detach();
    if (!stored.isContiguous() || handedOut.has(stored.storage)) stored = stored.clone();
    handedOut.add(stored.storage);
    leaf.grad = stored;
  });
}

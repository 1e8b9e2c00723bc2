/**
 * The backward engine: walks the graph from the roots in topological order, sums the
 * gradients arriving at each node, runs tensor hooks, calls each node's backward and
 * either accumulates into leaves' .grad (backward) or returns the gradients of chosen
 * inputs (autograd.grad). With createGraph the backward formulas are themselves recorded,
 * which gives higher-order gradients.
 *
 * Without createGraph, gradients are summed in place where PyTorch sums them in place:
 * the first gradient for a tensor is kept as it came (the formula that made it may have
 * handed the same tensor elsewhere), the second is added out of place into a new buffer
 * that the engine owns, and every later one is added into that buffer in place. Views
 * that pick part of their input pass their gradient on lazily (region_grad.ts), so the
 * gradients of x.select(0, t) for every t land in one x-sized buffer. Gradient buffers the
 * pass made are freed as soon as it is done with them (recycle.ts).
 */
import { dispatch } from "../backend/dispatcher.js";
import { AutogradError, ShapeError, fmtShape } from "../errors.js";
import { zeros } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { shapesEqual } from "../tensor/shape.js";
import type { Storage } from "../tensor/storage.js";
import { Tensor, type GradHook } from "../tensor/tensor.js";
import { describeValue } from "../api/args.js";
import { enterUserCode, keepAfterCall, leaveUserCode } from "../compile/state.js";
import { isAnomalyCheckNanEnabled, isAnomalyEnabled } from "./anomaly_mode.js";
import { withGradEnabled } from "./grad_mode.js";
import { RETAIN_GRAD_MARK, retainedOutput, type Node } from "./node.js";
import { edgeOf } from "./record.js";
import { RegionGrad, dense, type GradValue } from "./region_grad.js";
import { GradRecycler } from "./recycle.js";

export interface EngineOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** autograd.grad: return the gradients of these instead of accumulating into .grad. */
  inputs?: readonly Tensor[];
  allowUnused?: boolean;
  /** backward(inputs=...): accumulate only into these tensors' .grad. */
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
      const child = top[0].next[top[1]++]?.node;
      if (top[1] > top[0].next.length) post.push(stack.pop()![0]);
      else if (child && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
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

  // the tensors whose gradients are wanted (autograd.grad inputs / backward inputs), by node and output
  const capture = opts.inputs !== undefined;
  const wanted = opts.inputs ?? opts.accumulateOnly;
  const targets = new Map<Node, Map<number, number[]>>();
  wanted?.forEach((t, k) => {
    const e = edgeOf(t);
    if (!e) throw new AutogradError(`${capture ? "grad" : "backward"}: input ${k} (shape ${fmtShape(t.shape)}) does not require grad`);
    let m = targets.get(e.node);
    if (!m) targets.set(e.node, (m = new Map()));
    m.set(e.outputNr, [...(m.get(e.outputNr) ?? []), k]);
  });
  // with targets, a node runs its backward only when some target lies beyond it
  const leadsToTarget = new Set<Node>();
  if (wanted) {
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i]!;
      if (n.next.some((e) => e && (targets.has(e.node) || leadsToTarget.has(e.node)))) leadsToTarget.add(n);
    }
  }

  const buffers = new Map<Node, Slots>();
  const rec = new GradRecycler(!opts.createGraph);
  const addTo = (node: Node, nr: number, g: GradValue, from: string) => {
    const meta = node.outputs[nr]!;
    if (!shapesEqual(g.shape, meta.shape)) {
      throw new ShapeError(`backward: ${from} has shape ${fmtShape(g.shape)} but the tensor it is the gradient of has shape ${fmtShape(meta.shape)}`);
    }
    if (g.dtype !== meta.dtype) g = g.to(meta.dtype);
    let slots = buffers.get(node);
    if (!slots) buffers.set(node, (slots = new Slots(node.outputs.length)));
    slots.add(nr, g, opts.createGraph, rec);
  };
  const captured: (Tensor | null)[] = (opts.inputs ?? []).map(() => null);
  // storages already given to a .grad or passed in by the caller: never alias two grads
  const handedOut = new Set<Storage>(rootGrads.map((g) => g.storage));
  const store = (t: Tensor, g: GradValue) => rec.keep(accumulate(t, g, opts.createGraph, handedOut));

  withGradEnabled(opts.createGraph, () => {
    rootEdges.forEach((e, i) => addTo(e.node, e.outputNr, rootGrads[i]!, `the gradient passed for output ${i}`));
    for (const node of order) {
      const slots = buffers.get(node);
      if (!slots) continue;
      buffers.delete(node);
      const buf = slots.vals;
      const arrived = buf.slice(); // what the slots held, released below once used
      for (let nr = 0; nr < buf.length; nr++) {
        if (!buf[nr]) continue;
        const hooks = node.variable ? node.variable._leafHooks : node.hasHooks(nr) ? node.hooksFor(nr) : [];
        const ks = targets.get(node)?.get(nr);
        const keep = !capture && !ks && !wanted ? retainedOutput(node, nr) : undefined;
        // hooks, autograd.grad's results and retained grads see a dense tensor
        if (hooks.length > 0 || (ks && (capture || !node.variable)) || keep) buf[nr] = dense(buf[nr]!);
        let kept = false;
        for (const h of hooks) {
          if (h === RETAIN_GRAD_MARK) {
            // retainGrad() keeps the gradient as the hooks registered before it left it
            if (keep && !kept) store(keep, buf[nr]!);
            kept = true;
            continue;
          }
          rec.keep(buf[nr]);
          const depth = enterUserCode(buf[nr]); // a hook is user code: it may keep what it sees
          let r: Tensor | void = undefined;
          try {
            r = h(buf[nr] as Tensor);
          } finally {
            leaveUserCode(depth, r);
          }
          if (r !== undefined && r !== null) checkHookResult(h, buf[nr] as Tensor, r);
          buf[nr] = r ?? buf[nr]!;
          rec.keep(buf[nr]);
        }
        if (capture) ks?.forEach((k) => rec.keep((captured[k] = buf[nr] as Tensor)));
        else if (!node.variable && ks) ks.forEach((k) => store(wanted![k]!, buf[nr]!)); // backward(inputs) on a non-leaf
        else if (keep && !kept) store(keep, buf[nr]!);
      }
      const done = (grads: readonly (Tensor | null | undefined)[] = []) => {
        arrived.forEach((v) => v && rec.drop(v));
        for (const g of grads) rec.dropIfUnheld(g); // made for this node only, or not wanted
      };
      if (node.variable) {
        if (!capture && buf[0] && (!wanted || targets.has(node))) store(node.variable, buf[0]);
        done(buf.map((v, nr) => (v !== arrived[nr] ? (v as Tensor) : null)));
        continue;
      }
      if (wanted && !leadsToTarget.has(node)) {
        done();
        continue;
      }
      const e0 = node.next[0];
      if (node.region && !opts.createGraph && buf[0]) {
        // a view picking part of its input: the gradient goes on as "this region of the input"
        if (e0) addTo(e0.node, e0.outputNr, RegionGrad.of(buf[0], node.region), `the gradient ${node.name} returned for its input 0`);
        if (!opts.retainGraph) node.release();
        done(buf[0] !== arrived[0] ? [buf[0] as Tensor] : []);
        continue;
      }
      // missing gradients are zeros; integer outputs (argmax indices) carry none, so they get
      // a 0-d placeholder instead of a full-size zero tensor that no formula reads
      const zero = (i: number) => (node.materializeGrads ? zeros(isFloating(node.outputs[i]!.dtype) ? node.outputs[i]!.shape : [], { dtype: node.outputs[i]!.dtype, device: node.outputs[i]!.device }) : null);
      const grads = buf.map((g, i) => (g ? dense(g) : zero(i))) as Tensor[];
      const needs = node.next.map((e) => e !== null);
      const defined = buf.map((g) => !!g);
      let inGrads: (Tensor | null | undefined)[];
      let saved: Tensor[];
      try {
        saved = node.unpackSaved(); // raises if a previous backward freed this node
        if (node.opaque) {
          inGrads = node.backwardFn!(grads, saved, needs, defined);
          [...grads, ...inGrads].forEach((g) => rec.keep(g)); // user code saw them
        } else inGrads = rec.runFormula(() => node.backwardFn!(grads, saved, needs, defined));
      } catch (e) {
        throw node.forwardTrace !== null ? withForwardTrace(e, node) : e;
      }
      if (isAnomalyEnabled() && isAnomalyCheckNanEnabled()) checkNanGrads(node, inGrads);
      if (!opts.retainGraph) {
        if (node.privateSaved) rec.freePrivateSaved(node.privateSaved.map((i) => saved[i]), inGrads);
        node.release();
      }
      node.next.forEach((e, i) => {
        const g = inGrads[i];
        if (e && g) addTo(e.node, e.outputNr, g, `the gradient ${node.name} returned for its input ${i}`);
      });
      done([...grads, ...inGrads]);
    }
  });

  if (capture && !opts.allowUnused) {
    const k = captured.indexOf(null);
    if (k >= 0) throw new AutogradError(`grad: input ${k} appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.`);
  }
  return captured;
}

/** Anomaly mode: a NaN returned by a backward formula raises, naming the node (PyTorch's message). */
function checkNanGrads(node: Node, inGrads: readonly (Tensor | null | undefined)[]): void {
  inGrads.forEach((g, i) => {
    if (!g || !isFloating(g.dtype) || !withGradEnabled(false, () => g.isnan().any().item())) return;
    const e = new AutogradError(`Function '${node.name}' returned nan values in its ${i}th output.`);
    throw node.forwardTrace !== null ? withForwardTrace(e, node) : e;
  });
}

/** Anomaly mode: an error raised in a node's backward also shows where the node was recorded. */
function withForwardTrace(e: unknown, node: Node): unknown {
  if (!(e instanceof Error) || e.message.includes("Traceback of forward call")) return e;
  const before = e.message;
  e.message = `${before}\nError detected in ${node.name}. Traceback of forward call that caused the error:\n${node.forwardTrace}`;
  if (typeof e.stack === "string") e.stack = e.stack.replace(before, e.message);
  return e;
}

/** A tensor hook's replacement gradient must be a Tensor of the gradient's shape and dtype (PyTorch's checks). */
function checkHookResult(hook: GradHook, g: Tensor, r: unknown): void {
  const name = hook.name || "<anonymous>";
  if (!(r instanceof Tensor)) throw new AutogradError(`expected Tensor, but hook '${name}' returned ${describeValue(r)}`);
  if (!shapesEqual(r.shape, g.shape)) throw new AutogradError(`hook '${name}' has changed the size of value (was ${fmtShape(g.shape)}, got ${fmtShape(r.shape)})`);
  if (r.dtype !== g.dtype) throw new AutogradError(`hook '${name}' has changed the type of value (was ${g.dtype} got ${r.dtype})`);
}

/**
 * The gradients arriving at one node, per output. `owned[nr]`: the engine made vals[nr]
 * itself and nothing else holds it, so later gradients may be added into it in place.
 */
class Slots {
  readonly vals: (GradValue | null)[];
  readonly owned: boolean[];
  constructor(n: number) {
    this.vals = new Array(n).fill(null);
    this.owned = new Array(n).fill(false);
  }

  add(nr: number, g: GradValue, createGraph: boolean, rec: GradRecycler): void {
    const old = this.vals[nr];
    rec.hold(g);
    if (!old) {
      this.vals[nr] = g; // maybe shared with whoever made it: never written
      return;
    }
    if (createGraph) {
      this.vals[nr] = dense(old).add(dense(g)); // recorded, for higher-order gradients
      return;
    }
    if (this.owned[nr]) {
      addInPlace(old as Tensor, g);
      rec.drop(g);
      return;
    }
    let buf: Tensor;
    if (!(old instanceof RegionGrad) && !(g instanceof RegionGrad)) buf = dispatch("binary", [old, g], { op: "add" });
    else if (!(g instanceof RegionGrad)) {
      buf = dispatch("copy", [g], {});
      addInPlace(buf, old);
    } else {
      buf = old instanceof RegionGrad ? old.materialize() : dispatch("copy", [old], {});
      addInPlace(buf, g);
    }
    this.vals[nr] = buf;
    this.owned[nr] = true;
    rec.hold(buf);
    rec.drop(old);
    rec.drop(g);
  }
}

/** buf += g, in place (buf is contiguous, of g's shape and dtype, and referenced nowhere else). */
function addInPlace(buf: Tensor, g: GradValue): void {
  if (g instanceof RegionGrad) g.addInto(buf);
  else dispatch("binary", [buf, g], { op: "add", inPlace: true });
}

/**
 * Adds g into t.grad (grad mode is already createGraph's). The first gradient is stored
 * as is unless it is a strided view or already handed to another tensor, so no two .grads
 * share memory; later ones are added in place (or out of place, recorded, with createGraph).
 * A lazy region gradient is added into an existing contiguous .grad region by region.
 * Returns the tensor that became (or replaced) t.grad, null when g was only added into it.
 */
function accumulate(t: Tensor, gv: GradValue, createGraph: boolean, handedOut: Set<Storage>): Tensor | null {
  if (t.grad && gv instanceof RegionGrad && !createGraph && t.grad.isContiguous() && t.grad.dtype === gv.dtype && !t.grad.requiresGrad) {
    gv.addInto(t.grad);
    t.grad.storage.version++;
    return null;
  }
  const g = dense(gv);
  // _grad, not the grad setter: its shape/dtype checks are for user assignments, and these
  // gradients have t's shape and dtype by construction
  if (t.grad) {
    t._grad = createGraph ? t.grad.add(g) : t.grad.add_(g.detach());
    keepAfterCall(t._grad); // a .grad outlives a compiled call
    return createGraph ? t._grad : null;
  }
  let stored = createGraph ? g : g.detach();
  if (!stored.isContiguous() || handedOut.has(stored.storage)) stored = stored.clone({ memoryFormat: "contiguousFormat" });
  handedOut.add(stored.storage);
  t._grad = stored;
  keepAfterCall(stored);
  return stored;
}

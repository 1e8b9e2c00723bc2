/**
 * Runs a prepared program (an IR graph after the passes) with one call's bindings: the
 * call's tensors for each value, and its attributes (so its JS scalars) for each recorded
 * node. Kernels run through the dispatcher as in eager mode; each output's elements go into
 * the storage of the lazy tensor the recording handed out. Views and inputs run nothing
 * (the lazy tensors already share the right storage); in-place nodes write their input's
 * storage, as eager. Every output is checked against the shape and dtype the recorder
 * promised. A fused program (passes/fuse_elementwise.ts) gets this call's JS scalars from
 * the recorded nodes they came from.
 */
import { FluxionError, fmtShape } from "../errors.js";
import { dispatchAll, popPublicOp, pushPublicOp } from "../backend/dispatcher.js";
import { releaseStorage } from "../backend/backend.js";
import type { PrimitiveName } from "../backend/primitives.js";
import type { StorageArray } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { isLive, type Graph } from "./ir.js";
import { deadStorageHook, type Recording } from "./recorder.js";
import { bufferPlan, type BufferPlan } from "./buffer_plan.js";
import { offerOutputs } from "../backend/planned_outputs.js";
import type { FusedNodeAttrs } from "./passes/fuse_elementwise.js";

export function execute(prog: Graph, rec: Recording): void {
  const tensors = rec.tensors;
  const filled = new Set<number>();
  const plan = bufferPlan(prog);
  let i = 0;
  try {
    for (; i < prog.nodes.length; i++) {
      if (i > 0) releaseAfter(plan, i - 1, rec, filled);
      const n = prog.nodes[i]!;
      if (n.effect === "input" || n.effect === "view") continue;
      if (n.op === "const") {
        const out = n.outputs[0]!;
        const data = n.attrs.data as StorageArray;
        // a live constant is the user's tensor: its own copy, so writing it cannot change the program
        fill(tensors[out]!, isLive(prog, out) ? data.slice() : data);
        filled.add(prog.values[out]!.buf);
        continue;
      }
      const inputs: Tensor[] = [];
      for (let k = 0; k < n.inputs.length; k++) inputs.push(tensors[n.inputs[k]!]!);
      const attrs = n.src >= 0 ? rec.callAttrs[n.src] : n.op === "fusedProgram" ? withCallScalars(n.attrs as FusedNodeAttrs, rec.callAttrs) : n.attrs;
      // the public ops the node came from ("linear", "mul_, add_" for a fused one), so a
      // profiler attributes the program's kernels as it does eager's
      if (n.publicOp) pushPublicOp(n.publicOp);
      const offer = plan.offerOf[i] ?? null;
      if (offer !== null) offerOutputs(offer, plan.offerDtypes[i]!);
      let outs: Tensor[];
      try {
        outs = dispatchAll(n.op as PrimitiveName, inputs, attrs as never, n.device);
      } finally {
        if (offer !== null) offerOutputs(null);
        if (n.publicOp) popPublicOp();
      }
      if (n.op === "fusedProgram") {
        // new outputs are adopted; the ones written into an input are already in place
        const fo = (n.attrs as FusedNodeAttrs).outputs;
        for (let j = 0; j < n.outputs.length; j++) {
          if (fo[j]!.inPlace !== undefined) continue;
          adopt(n.op, tensors[n.outputs[j]!]!, outs[j]!, false, plan.arena, plan.views.get(prog.values[n.outputs[j]!]!.buf));
          filled.add(prog.values[n.outputs[j]!]!.buf);
        }
        continue;
      }
      if (n.effect === "inplace") continue;
      for (let j = 0; j < n.outputs.length; j++) {
        const target = tensors[n.outputs[j]!]!;
        adopt(n.op, target, outs[j]!, n.reshapesOutput === true, plan.arena, plan.views.get(prog.values[n.outputs[j]!]!.buf));
        filled.add(prog.values[n.outputs[j]!]!.buf);
      }
    }
  } catch (e) {
    // what did not run must not read as numbers later
    const msg = `compile: this tensor's graph failed before computing it (${(e as Error).message})`;
    for (let b = 0; b < rec.buffers.length; b++) if (!rec.buffers[b]!.external && !filled.has(b)) rec.storages[b]!._lazy = deadStorageHook(msg);
    throw e;
  }
  if (prog.nodes.length > 0) releaseAfter(plan, prog.nodes.length - 1, rec, filled);
  // values a pass dropped (not live): reading them is an error, not a stale zero
  if (prog.live !== null) {
    for (let b = 0; b < rec.buffers.length; b++) {
      if (!rec.buffers[b]!.external && !filled.has(b)) {
        rec.storages[b]!._lazy = notKept;
      }
    }
  }
}

const NOT_KEPT = "compile: this tensor was made inside a compiled function but its value was not kept; return it from the function";
/** One hook for every storage whose value was not kept (it holds no state: a read throws NOT_KEPT). */
const notKept = deadStorageHook(NOT_KEPT);

/**
 * After node `i`: the free buffers' values are dead. Those outside the arena give their
 * memory back to the caching allocator (as eager's releaseStorage would, so later kernels of
 * the step and the next call reuse it); arena places simply become reusable.
 */
function releaseAfter(plan: BufferPlan, i: number, rec: Recording, filled: Set<number>): void {
  const give = plan.releaseAfter.get(i);
  if (give !== undefined) {
    for (const b of give) {
      if (!filled.has(b)) continue;
      const s = rec.storages[b]!;
      releaseStorage(s);
      s._lazy = notKept;
      filled.delete(b);
    }
  }
  const die = plan.dieAfter.get(i);
  if (die !== undefined) {
    for (const b of die) {
      if (!filled.has(b)) continue;
      const s = rec.storages[b]!;
      // a kernel that did not take its place got memory of its own: give that back
      if (s._peek() !== plan.views.get(b)) releaseStorage(s);
      s._lazy = notKept;
      filled.delete(b);
    }
  }
}

/** A fused program's attributes with this call's JS scalars (graph inputs, read from the recorded nodes). */
function withCallScalars(a: FusedNodeAttrs, callAttrs: readonly unknown[]): FusedNodeAttrs {
  if (a.scalarSrc.length === 0) return a;
  const scalars = a.scalarSrc.map(({ src, i }) => {
    const at = callAttrs[src] as { params?: readonly number[]; value?: number };
    return i === undefined ? at.value! : at.params![i]!;
  });
  return { ...a, scalars };
}

function fill(target: Tensor, data: StorageArray): void {
  target.storage._fill(data);
}

/**
 * Moves a kernel's output into the lazy tensor's storage (checked against the recorded
 * metadata). An output in the program's arena (`arena`) is adopted as it is only at its own
 * place (the one offered for it); anywhere else in the arena it is copied out, since that
 * place is reserved for another value's span.
 */
function adopt(op: string, target: Tensor, out: Tensor, reshaped: boolean, arena: ArrayBuffer | null, place: StorageArray | undefined): void {
  const n = target.numel();
  const sameShape = out.shape.length === target.shape.length && out.shape.every((s, d) => s === target.shape[d]);
  if (out.dtype !== target.dtype || (reshaped ? out.numel() !== n || !out.isContiguous() || !target.isContiguous() : !sameShape)) {
    throw new FluxionError(`compile: internal error: ${op} returned ${out.dtype} ${fmtShape(out.shape)} where ${target.dtype} ${fmtShape(target.shape)} was recorded`);
  }
  if (out.storage.memory !== null) {
    // device memory (WebGPU): the handle moves (its buffer may be larger: pooled sizes); an
    // output at an offset into its memory, or strided, is copied out first
    const c = out.offset === 0 && out.isContiguous() ? out : dispatchAll("copy", [out], {})[0]!;
    target.storage._fill(c.storage.memory!);
    return;
  }
  const data = out.storage._peek();
  const own = arena === null || data.buffer !== arena || data === place;
  if (own && out.offset === 0 && out.isContiguous() && data.length === n) target.storage._fill(data);
  else {
    const c = out.contiguous();
    target.storage._fill(c.storage.data.slice(c.offset, c.offset + n));
  }
}

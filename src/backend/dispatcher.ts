/**
 * The dispatcher: the one place every computation passes through.
 *
 *   dispatch(op, inputs, attrs) -> outputs
 *
 * It runs the installed layers (a profiler, a recording hook, later autocast and the
 * compile() tracer), then checks the call against the primitive's contract
 * (primitive_checks.ts) and that the inputs share a device, and finally runs the device's
 * backend kernel. Layers wrap the call like middleware: each gets the call and a `next`
 * to continue, so a layer can observe, rewrite or replace it.
 */
import { DeviceError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { backendFor } from "./backend.js";
import { checkPrimitive } from "./primitive_checks.js";
import type { PrimitiveAttrs, PrimitiveName } from "./primitives.js";
import { RNN_CELL_DECOMPOSITIONS } from "./rnn_cell.js";

export interface DispatchCall<P extends PrimitiveName = PrimitiveName> {
  op: P;
  inputs: readonly Tensor[];
  attrs: PrimitiveAttrs[P];
  /** Device for ops without tensor inputs (creation, random). */
  device?: string;
  /**
   * The public op this primitive serves ("softmax", "F.crossEntropy", "Linear"): the
   * innermost declared op running when it was dispatched (see publicOpStack), or "" when a
   * primitive is dispatched directly. Profilers, autocast and the compiler read it.
   */
  publicOp: string;
}

/**
 * The declared ops running now, outermost first (src/api/registry.ts pushes and pops).
 * A primitive's call carries the innermost; `publicOpStack()` gives the whole chain.
 */
const opStack: string[] = [];
let onPublicOp: ((name: string) => void) | null = null;
/** @internal Marks `name` as running until the matching popPublicOp. */
export function pushPublicOp(name: string): void {
  opStack.push(name);
  if (onPublicOp !== null) onPublicOp(name);
}
/** @internal Calls `fn` with each public op as it starts (the profiler counts calls); null removes it. */
export function setPublicOpListener(fn: ((name: string) => void) | null): void {
  onPublicOp = fn;
}
/** @internal */
export function popPublicOp(): void {
  opStack.pop();
}
/** The declared ops running now, outermost first ("F.crossEntropy", "logSoftmax", ...). */
export function publicOpStack(): readonly string[] {
  return opStack.slice();
}
/** @internal The live stack (not copied), for layers that run on every call. */
export function _publicOpStackRef(): readonly string[] {
  return opStack;
}

export type DispatchLayer = (call: DispatchCall, next: (call: DispatchCall) => Tensor[]) => Tensor[];

const layers: DispatchLayer[] = [];

/** Installs a layer (outermost last) and returns a function that removes it. */
export function addDispatchLayer(layer: DispatchLayer): () => void {
  layers.push(layer);
  return () => {
    const i = layers.indexOf(layer);
    if (i >= 0) layers.splice(i, 1);
  };
}

/** Runs `fn` with `layer` installed. */
export function withDispatchLayer<T>(layer: DispatchLayer, fn: () => T): T {
  const remove = addDispatchLayer(layer);
  try {
    return fn();
  } finally {
    remove();
  }
}

/** The primitive the backend is running now, so kernel-level errors (allocation) can name it. */
let running: PrimitiveName | null = null;
export function runningPrimitive(): PrimitiveName | null {
  return running;
}

function runBackend(call: DispatchCall): Tensor[] {
  checkPrimitive(call);
  let device = call.device;
  for (const t of call.inputs) {
    if (device === undefined) device = t.device;
    else if (t.device !== device) {
      throw new DeviceError(
        `${call.op}: expected all tensors to be on the same device, but found ${device} and ${t.device} (shapes ${call.inputs.map((x) => fmtShape(x.shape)).join(", ")})`,
      );
    }
  }
  const backend = backendFor(device ?? "cpu");
  const outer = running;
  running = call.op;
  try {
    // a fused primitive the backend lacks runs as its decomposition into core primitives
    const kernel = backend.ops[call.op] ?? (RNN_CELL_DECOMPOSITIONS as Record<string, unknown>)[call.op];
    return (kernel as (i: readonly Tensor[], a: unknown, d: string) => Tensor[])(call.inputs, call.attrs, device ?? "cpu");
  } finally {
    running = outer;
  }
}

function runLayers(i: number, call: DispatchCall): Tensor[] {
  if (i < 0) return runBackend(call);
  return layers[i]!(call, (c) => runLayers(i - 1, c));
}

/** Runs a primitive op on its inputs' device and returns all its outputs. */
export function dispatchAll<P extends PrimitiveName>(op: P, inputs: readonly Tensor[], attrs: PrimitiveAttrs[P], device?: string): Tensor[] {
  const call: DispatchCall = { op, inputs, attrs, device, publicOp: opStack.length ? opStack[opStack.length - 1]! : "" } as DispatchCall;
  return layers.length === 0 ? runBackend(call) : runLayers(layers.length - 1, call);
}

/** Runs a primitive op and returns its (first) output. */
export function dispatch<P extends PrimitiveName>(op: P, inputs: readonly Tensor[], attrs: PrimitiveAttrs[P], device?: string): Tensor {
  return dispatchAll(op, inputs, attrs, device)[0]!;
}

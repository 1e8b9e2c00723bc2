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
 *
 * A fused primitive (primitives.ts) that the device's backend does not implement runs as its
 * decomposition into core primitives (decompositions.ts). The layers see the fused call
 * only: the core primitives dispatched inside a decomposition skip them (a profiler times
 * the fused op once, a tracer records one node).
 */
import { DeviceError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { backendFor } from "./backend.js";
import { checkPrimitive } from "./primitive_checks.js";
import { decompose } from "./decompositions.js";
import type { FusedPrimitiveAttrs, FusedPrimitiveName, PrimitiveAttrs, PrimitiveName } from "./primitives.js";

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

/**
 * Layers at the granularity of public ops: each gets the op's key (as publicOp names it),
 * its bound arguments and a `next` that runs the implementation on (possibly rewritten)
 * arguments. A layer here sits above autograd, so what it does to the arguments is
 * differentiated: autocast (src/amp) casts inputs here, recorded by autograd, because the
 * ops' own dtype checks and backward formulas run above the primitive dispatch. The
 * registry runs every declared op through them; layers that call internal functions with
 * their parameters (nn.Linear, nn.Conv2d, the losses) do so by name with runOpLayers.
 */
export type OpLayer = (op: string, args: unknown[], next: (args: unknown[]) => unknown) => unknown;

const opLayers: OpLayer[] = [];

/** Installs an op layer (outermost last) and returns a function that removes it. */
export function addOpLayer(layer: OpLayer): () => void {
  opLayers.push(layer);
  return () => {
    const i = opLayers.indexOf(layer);
    if (i >= 0) opLayers.splice(i, 1);
  };
}

function runOpLayer(i: number, op: string, args: unknown[], impl: (...a: any[]) => unknown): unknown {
  if (i < 0) return impl.apply(null, args);
  return opLayers[i]!(op, args, (a) => runOpLayer(i - 1, op, a, impl));
}

/** Runs `impl(...args)` as the public op `op` through the installed op layers (a plain call when there are none). */
export function runOpLayers(op: string, args: unknown[], impl: (...a: any[]) => unknown): unknown {
  return opLayers.length === 0 ? impl.apply(null, args) : runOpLayer(opLayers.length - 1, op, args, impl);
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
  const impl = backend.ops[call.op] as ((i: readonly Tensor[], a: unknown, d: string) => Tensor[]) | undefined;
  if (impl === undefined) return runDecomposition(call.op as FusedPrimitiveName, call.inputs, call.attrs as never, device ?? "cpu");
  const outer = running;
  running = call.op;
  try {
    return impl(call.inputs, call.attrs, device ?? "cpu");
  } finally {
    running = outer;
  }
}

/** Depth of decompositions running now: their core primitives skip the layers. */
let decomposing = 0;

/**
 * Runs fused primitive `op` as its decomposition into core primitives, which skip the layers.
 * For the dispatcher, and for a backend that implements a fused primitive for some dtypes
 * only (the CPU backend's half-precision inputs).
 */
export function runDecomposition<P extends FusedPrimitiveName>(op: P, inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs[P], device: string): Tensor[] {
  decomposing++;
  try {
    return decompose(op, inputs, attrs, device);
  } finally {
    decomposing--;
  }
}

function runLayers(i: number, call: DispatchCall): Tensor[] {
  if (i < 0) return runBackend(call);
  return layers[i]!(call, (c) => runLayers(i - 1, c));
}

/** Runs a primitive op on its inputs' device and returns all its outputs. */
export function dispatchAll<P extends PrimitiveName>(op: P, inputs: readonly Tensor[], attrs: PrimitiveAttrs[P], device?: string): Tensor[] {
  const call: DispatchCall = { op, inputs, attrs, device, publicOp: opStack.length ? opStack[opStack.length - 1]! : "" } as DispatchCall;
  return layers.length === 0 || decomposing > 0 ? runBackend(call) : runLayers(layers.length - 1, call);
}

/** Runs a primitive op and returns its (first) output. */
export function dispatch<P extends PrimitiveName>(op: P, inputs: readonly Tensor[], attrs: PrimitiveAttrs[P], device?: string): Tensor {
  return dispatchAll(op, inputs, attrs, device)[0]!;
}

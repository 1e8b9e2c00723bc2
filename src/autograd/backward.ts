/** The user-facing autograd entry points: tensor.backward() and autograd.grad(). */
import { ArgumentError, AutogradError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { onesLike } from "../tensor/creation.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { runBackward } from "./engine.js";
import { retainOutput } from "./node.js";
import { defineOp } from "../api/registry.js";
import type { Method } from "../api/types.js";

export interface BackwardOptions {
  /** Keep the graph's saved tensors so backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
  /** Accumulate only into these leaves' .grad. */
  inputs?: readonly Tensor[];
}

function rootGradient(op: string, t: Tensor, g: Tensor | null | undefined, i = 0): Tensor {
  if (g === undefined || g === null) {
    if (t.numel() !== 1) throw new AutogradError(`${op}: grad can be implicitly created only for scalar outputs; output ${i} has shape ${fmtShape(t.shape)}, pass a gradient of that shape`);
    return onesLike(t);
  }
  if (!shapesEqual(g.shape, t.shape)) throw new ShapeError(`${op}: mismatch in shape: grad_output[${i}] has a shape of ${fmtShape(g.shape)} and output[${i}] has a shape of ${fmtShape(t.shape)}; a gradient must have its output's shape`);
  return g;
}

/** Computes gradients of `t` and accumulates them into the leaves' .grad. */
export function backward(t: Tensor, gradient?: Tensor | null, opts?: BackwardOptions): void {
  if (!t.requiresGrad) throw new AutogradError(`backward: element 0 of tensors does not require grad and does not have a gradFn (shape ${fmtShape(t.shape)})`);
  if (opts?.inputs && opts.inputs.length === 0) throw new AutogradError("backward: the inputs option cannot be empty; leave it out to accumulate into every leaf");
  const createGraph = opts?.createGraph ?? false;
  runBackward([t], [rootGradient("backward", t, gradient)], {
    retainGraph: opts?.retainGraph ?? createGraph,
    createGraph,
    accumulateOnly: opts?.inputs,
  });
}

export interface GradOptions {
  /** Gradients w.r.t. each output (required for non-scalar outputs). */
  gradOutputs?: readonly (Tensor | null)[] | Tensor;
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of raising. */
  allowUnused?: boolean;
  /**
   * PyTorch's is_grads_batched (gradOutputs batched along dim 0, run with vmap): not supported;
   * true raises. Loop over the batch and stack the results instead.
   */
  isGradsBatched?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs`, without touching .grad
 * (torch.autograd.grad). With createGraph the results can be differentiated again.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts?: GradOptions): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const gos = opts?.gradOutputs instanceof Tensor ? [opts.gradOutputs] : opts?.gradOutputs ?? [];
  const createGraph = opts?.createGraph ?? false;
  if (opts?.isGradsBatched) {
    throw new AutogradError("grad: isGradsBatched=true is not supported (Fluxion has no vmap); call autograd.grad once per row of the batched gradOutputs with retainGraph: true and stack the results");
  }
  if (opts?.gradOutputs !== undefined && opts.gradOutputs !== null && gos.length !== outs.length) {
    throw new AutogradError(`grad: got ${outs.length} tensors and ${gos.length} gradients; pass one gradOutputs entry (a Tensor or null) per output`);
  }
  gos.forEach((g, i) => {
    if (g !== null && g !== undefined && !(g instanceof Tensor)) throw new ArgumentError(`grad: gradients can be either Tensors or null, but got ${describeValue(g)} (gradOutputs[${i}])`);
  });
  if (ins.length === 0) throw new AutogradError("grad: grad requires non-empty inputs");
  outs.forEach((o, i) => {
    if (!o.requiresGrad) throw new AutogradError(`grad: element ${i} of tensors does not require grad and does not have a gradFn`);
  });
  return runBackward(outs, outs.map((o, i) => rootGradient("grad", o, gos[i], i)), {
    retainGraph: opts?.retainGraph ?? createGraph,
    createGraph,
    inputs: ins,
    allowUnused: opts?.allowUnused,
  });
}

const BACKWARD = "backward(Tensor self, Tensor? gradient=null, bool? retainGraph=null, bool createGraph=false, Tensor[]? inputs=null) -> None";

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Backpropagates from this tensor into the leaves' .grad. */
    backward: Method<typeof BACKWARD>;
  }
}
defineOp(BACKWARD, (t: Tensor, gradient: Tensor | null, retainGraph: boolean | null, createGraph: boolean, inputs: Tensor[] | null) =>
  backward(t, gradient, { retainGraph: retainGraph ?? undefined, createGraph, inputs: inputs ?? undefined }), { variants: "method", group: "autograd" });

/** torch.autograd.grad, with PyTorch's positional order. */
export const gradFn = defineOp(
  "grad(Tensor|Tensor[] outputs, Tensor|Tensor[] inputs, Any? gradOutputs=null, bool? retainGraph=null, bool createGraph=false, bool onlyInputs=true, bool allowUnused=false, bool isGradsBatched=false) -> Tensor[]",
  (outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], gradOutputs: readonly (Tensor | null)[] | Tensor | null, retainGraph: boolean | null, createGraph: boolean, _onlyInputs: boolean, allowUnused: boolean, isGradsBatched: boolean) =>
    grad(outputs, inputs, { gradOutputs: gradOutputs ?? undefined, retainGraph: retainGraph ?? undefined, createGraph, allowUnused, isGradsBatched }),
  { group: "autograd" },
) as unknown as (outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], ...rest: unknown[]) => (Tensor | null)[];

/**
 * torch.autograd.backward(tensors, grad_tensors, retain_graph, create_graph, grad_variables,
 * inputs): backpropagates from one tensor or several at once (their gradients summed in the
 * leaves' .grad in a single pass, as several losses are), each with its gradient (null for a
 * one-element tensor). `gradVariables` is PyTorch's deprecated name for gradTensors.
 */
function backwardMany(tensorsArg: Tensor | Tensor[], gradTensorsArg: Tensor | readonly (Tensor | null)[] | null, retainGraph: boolean | null, createGraph: boolean, gradVariables: Tensor | readonly (Tensor | null)[] | null, inputsArg: Tensor | Tensor[] | null): void {
  if (gradVariables !== null) {
    if (gradTensorsArg !== null) throw new ArgumentError("autograd.backward: gradTensors and gradVariables (its deprecated name) are both given; use only gradTensors");
    gradTensorsArg = gradVariables;
  }
  const tensors = tensorsArg instanceof Tensor ? [tensorsArg] : [...tensorsArg];
  if (gradTensorsArg !== null && !(gradTensorsArg instanceof Tensor) && !Array.isArray(gradTensorsArg)) {
    throw new ArgumentError(`autograd.backward: gradTensors must be a Tensor, an array of Tensors (or nulls) or null, got ${describeValue(gradTensorsArg)}`);
  }
  const grads: (Tensor | null)[] = gradTensorsArg === null ? tensors.map(() => null) : gradTensorsArg instanceof Tensor ? [gradTensorsArg] : [...gradTensorsArg];
  if (grads.length !== tensors.length) throw new AutogradError(`autograd.backward: got ${tensors.length} tensors and ${grads.length} gradients; pass one gradTensors entry (a Tensor or null) per tensor`);
  grads.forEach((g, i) => {
    if (g !== null && g !== undefined && !(g instanceof Tensor)) throw new ArgumentError(`autograd.backward: gradients can be either Tensors or null, but got ${describeValue(g)} (gradTensors[${i}])`);
  });
  tensors.forEach((t, i) => {
    if (!t.requiresGrad) throw new AutogradError(`autograd.backward: element ${i} of tensors does not require grad and does not have a gradFn (shape ${fmtShape(t.shape)})`);
  });
  const inputs = inputsArg === null ? undefined : inputsArg instanceof Tensor ? [inputsArg] : inputsArg;
  if (inputs && inputs.length === 0) throw new AutogradError("autograd.backward: the inputs option cannot be empty; leave it out to accumulate into every leaf");
  if (tensors.length === 0) return; // nothing to do, as in PyTorch
  runBackward(tensors, tensors.map((t, i) => rootGradient("autograd.backward", t, grads[i], i)), {
    retainGraph: retainGraph ?? createGraph,
    createGraph,
    accumulateOnly: inputs,
  });
}

/**
 * torch.autograd.backward with PyTorch's positional order: one tensor or an array of them,
 * and their gradients (`autograd.backward([loss1, loss2])` sums both losses' gradients).
 *
 * @example
 * autograd.backward([lossA, lossB.mul(0.5)]);
 * autograd.backward(y, ones(y.shape), { retainGraph: true });
 */
export const backwardFn = defineOp(
  "backward(Tensor|Tensor[] tensors, Any? gradTensors=null, bool? retainGraph=null, bool createGraph=false, Any? gradVariables=null, Tensor|Tensor[]? inputs=null) -> None",
  backwardMany,
  { group: "autograd", key: "autograd.backward" },
) as unknown as (tensors: Tensor | readonly Tensor[], ...rest: unknown[]) => void;

const originalRetain = Tensor.prototype.retainGrad;
Tensor.prototype.retainGrad = function () {
  originalRetain.call(this);
  if (this.gradFn) retainOutput(this.gradFn, this.outputNr, this);
};

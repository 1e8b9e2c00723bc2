/**
 * Recording ops into the graph. An op computes its outputs with primitives, then calls
 * `record` with its inputs, the tensors its backward needs and the backward closure:
 *
 *   const out = dispatch("unary", [x], { op: "exp" });
 *   return record("ExpBackward0", [x], [out], [out], ([g], [y]) => [g.mul(y)]);
 *
 * Nothing is recorded when grad mode is off or no input requires grad.
 */
import { isFloating } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad_mode.js";
import { Node, type BackwardFn, type Edge } from "./node.js";
import { refreshIfStale } from "./view_grad.js";

/** The edge a gradient for `t` flows along: its grad_fn, its leaf accumulator, or none. */
export function edgeOf(t: Tensor): Edge | null {
  if (t._base && t.gradFn) refreshIfStale(t);
  if (t.gradFn) return { node: t.gradFn, outputNr: t.outputNr };
  if (t._requiresGrad) {
    t._accumulator ??= new Node("AccumulateGrad", [], [{ shape: t.shape, dtype: t.dtype, device: t.device }], [], null, t);
    return { node: t._accumulator, outputNr: 0 };
  }
  return null;
}

export function needsGrad(inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/** Records a node for `outputs` (returned for chaining: `return record(...)[0]`). */
export function record(
  name: string,
  inputs: readonly (Tensor | null | undefined)[],
  outputs: Tensor[],
  saved: readonly Tensor[],
  backward: BackwardFn,
): Tensor[] {
  if (!needsGrad(inputs)) return outputs;
  const next = inputs.map((t) => (t ? edgeOf(t) : null));
  const node = new Node(name, next, outputs.map((o) => ({ shape: o.shape, dtype: o.dtype, device: o.device })), saved, backward);
  outputs.forEach((o, i) => {
    if (!isFloating(o.dtype)) return;
    o.gradFn = node;
    o.outputNr = i;
  });
  return outputs;
}

/** record() for the common single-output case. */
export function record1(name: string, inputs: readonly (Tensor | null | undefined)[], out: Tensor, saved: readonly Tensor[], backward: BackwardFn): Tensor {
  return record(name, inputs, [out], saved, backward)[0]!;
}

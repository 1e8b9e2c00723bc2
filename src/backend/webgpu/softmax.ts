/**
 * WebGPU softmax and logSoftmax with their backward (fused primitives softmax, softmaxBackward):
 * the primitives' decomposition into this backend's kernels, as the dispatcher would run it,
 * except that float16 operands run widened to float32 with each result rounded once, as the CPU
 * backend computes half-precision softmax (a float16 decomposition would round every pass:
 * several float16 ulps off). A single-pass kernel is the faster follow-up.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { runDecomposition } from "../dispatcher.js";
import type { FusedPrimitiveAttrs } from "../primitives.js";
import { viaFloat32 } from "./via_float32.js";

export function softmax(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["softmax"], device: string): Tensor[] {
  return viaFloat32(inputs, (wide) => runDecomposition("softmax", wide, a, device));
}

export function softmaxBackward(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["softmaxBackward"], device: string): Tensor[] {
  return viaFloat32(inputs, (wide) => runDecomposition("softmaxBackward", wide, a, device));
}

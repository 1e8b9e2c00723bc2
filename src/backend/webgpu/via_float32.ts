/**
 * float16 operands of WebGPU kernels that compute in float32 end to end (the convolution,
 * softmax): widened to float32 (exact), run, and each float32 output rounded once back to
 * float16, as the CPU backend runs them (cpu/via_float32.ts), instead of a float16 result per
 * pass that would round at every step.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { cast } from "./elementwise.js";

/** `run(inputs)` directly when no input is float16; else on float32 copies, outputs rounded back. */
export function viaFloat32(inputs: readonly Tensor[], run: (wide: readonly Tensor[]) => Tensor[]): Tensor[] {
  if (!inputs.some((t) => t.dtype === "float16")) return run(inputs);
  const wide = inputs.map((t) => (t.dtype === "float16" ? cast([t], { dtype: "float32" })[0]! : t));
  return run(wide).map((t) => (t.dtype === "float32" ? cast([t], { dtype: "float16" })[0]! : t));
}

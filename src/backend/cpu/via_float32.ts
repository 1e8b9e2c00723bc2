/**
 * Half-precision operands of kernels that have float32/float64 loops only (softmax, im2col,
 * max pooling, the convolution without a bfloat16 GEMM): widened to float32 (exact), run,
 * and each float32 output rounded once back to the half dtype. The math is then float32's,
 * as PyTorch's CPU kernels compute bfloat16 softmax and pooling, and each pass is one native
 * loop instead of a decomposition into half-precision primitives that round every step.
 */
import { isHalf } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cast } from "./elementwise.js";

/** `run(inputs)` directly when no input is half precision; else on widened copies, outputs rounded back. */
export function viaFloat32(inputs: readonly Tensor[], device: string, run: (wide: readonly Tensor[]) => Tensor[]): Tensor[] {
  const half = inputs.find((t) => isHalf(t.dtype))?.dtype;
  if (half === undefined) return run(inputs);
  const wide = inputs.map((t) => (isHalf(t.dtype) ? cast([t], { dtype: "float32" }, device)[0]! : t));
  return run(wide).map((t) => (t.dtype === "float32" ? cast([t], { dtype: half }, device)[0]! : t));
}

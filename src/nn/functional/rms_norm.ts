/**
 * F.rmsNorm (torch.nn.functional.rms_norm, PyTorch 2.4; 1.13 lacks it): x divided by the
 * root mean square over its trailing normalizedShape dims, times an optional weight, composed
 * from tensor ops as PyTorch's composite is (so its gradient is theirs).
 */
import { DTypeError, ShapeError, fmtShape } from "../../errors.js";
import { isHalf } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { finfoImpl } from "../../tensor/type_info.js";
import { defineF } from "./define.js";

/**
 * x * rsqrt(mean(x², trailing dims) + eps) * weight. eps null is the machine epsilon of the
 * dtype PyTorch computes in (float32 for float16/bfloat16 inputs, which are upcast and the
 * result cast back before the weight, as PyTorch's composite).
 * @example F.rmsNorm(x, [64], weight) // x [N, T, 64]
 */
export function rmsNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, eps: number | null = null): Tensor {
  const op = "rmsNorm";
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (x.ndim < k || tail.some((s, i) => s !== shape[i])) {
    throw new ShapeError(`${op}: Given normalized_shape=${fmtShape(shape)}, expected input with shape [*, ${shape.join(", ")}], but got input of size ${fmtShape(x.shape)}`);
  }
  if (!x.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  if (weight !== null && (weight.ndim !== k || weight.shape.some((s, i) => s !== shape[i]))) {
    throw new ShapeError(`${op}: expected weight of shape ${fmtShape(shape)}, got ${fmtShape(weight.shape)}`);
  }
  if (eps !== null && !(eps >= 0)) throw new DTypeError(`${op}: eps must be a non-negative number, got ${eps}`);
  const opmath = isHalf(x.dtype) ? "float32" : x.dtype;
  const e = eps ?? finfoImpl(opmath).eps;
  const up = x.to(opmath);
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const ms = k === 0 ? up.mul(up) : up.mul(up).mean(dims, true);
  const out = up.mul(ms.add(e).rsqrt()).to(x.dtype);
  return weight === null ? out : out.mul(weight);
}

export const RMS_NORM_FNS = {
  rmsNorm: defineF("rmsNorm(Tensor input, int[] normalizedShape, Tensor? weight=null, float? eps=null) -> Tensor", rmsNorm),
};

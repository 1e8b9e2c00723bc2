/**
 * F.localResponseNorm: each element divided by (k + alpha · mean of the squares over `size`
 * neighbouring channels)^beta, the channel window zero-padded as in PyTorch 1.13's Python
 * (size/2 channels before, (size-1)/2 after). The window mean is PyTorch's own avg_pool2d
 * (3-D inputs) or avg_pool3d (4-D and more), called as declared ops so that autocast treats
 * them as PyTorch does (avg_pool3d runs in float32 under CPU autocast, so LRN of a 4-D
 * bfloat16 input returns float32 there, and here).
 */
import { ShapeError, fmtShape } from "../../errors.js";
import { pad } from "../../ops/shape_ops.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import { POOLING_FNS } from "./pooling.js";
import { POOLING3D_FNS } from "./pooling3d.js";

/**
 * Local response normalization across channels (dim 1) of a [N, C, ...] input (3-D or more).
 * @example F.localResponseNorm(x, 5, { alpha: 1e-4, beta: 0.75, k: 2 }) // AlexNet's LRN
 */
export function localResponseNorm(input: Tensor, size: number, opts?: { alpha?: number; beta?: number; k?: number }): Tensor {
  const op = "localResponseNorm";
  if (input.ndim < 3) throw new ShapeError(`${op}: Expected 3D or higher dimensionality input [N, C, ...] (got ${input.ndim} dimensions, shape ${fmtShape(input.shape)})`);
  if (!Number.isInteger(size) || size < 1) throw new ShapeError(`${op}: size must be a positive integer (the number of neighbouring channels), got ${size}`);
  if (input.numel() === 0) return input;
  const alpha = opts?.alpha ?? 1e-4, beta = opts?.beta ?? 0.75, k = opts?.k ?? 1;
  const before = Math.floor(size / 2), after = Math.floor((size - 1) / 2);
  let div = input.mul(input).unsqueeze(1);
  if (input.ndim === 3) {
    div = POOLING_FNS.avgPool2d(pad(div, [0, 0, before, after]), [size, 1], 1).squeeze(1);
  } else {
    const [N, C] = input.shape as [number, number];
    div = div.reshape([N, 1, C, input.shape[2]!, -1]);
    div = POOLING3D_FNS.avgPool3d(pad(div, [0, 0, 0, 0, before, after]), [size, 1, 1], 1).squeeze(1).reshape(input.shape);
  }
  return input.div(div.mul(alpha).add(k).pow(beta));
}

/** The declared form `F` exports (torch.nn.functional's signature and positional order). */
export const LOCAL_RESPONSE_NORM_FNS = {
  localResponseNorm: defineF("localResponseNorm(Tensor input, int size, float alpha=1e-4, float beta=0.75, float k=1.0) -> Tensor", (x: Tensor, size: number, alpha: number, beta: number, k: number) =>
    localResponseNorm(x, size, { alpha, beta, k })),
};

/**
 * F.pixelShuffle and F.pixelUnshuffle (sub-pixel convolution's rearrangement): channels
 * C·r² of [*, C·r², H, W] become an r×r block of pixels, [*, C, H·r, W·r], and back. A
 * reshape, a permute and a reshape, so the gradient is autograd's.
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

function checkFactor(op: string, what: string, r: number): void {
  if (!(r > 0)) throw new FluxionError(`${op}: ${what} must be greater than 0, but got ${r}`);
}

/**
 * [*, C·r², H, W] -> [*, C, H·r, W·r].
 * @example F.pixelShuffle(x, 3) // [1, 9, 4, 4] -> [1, 1, 12, 12]
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  const op = "pixelShuffle", r = upscaleFactor;
  checkFactor(op, "upscaleFactor", r);
  if (input.ndim < 3) throw new ShapeError(`${op}: expects input to have at least 3 dimensions, but got input with ${input.ndim} dimension(s) (shape ${fmtShape(input.shape)})`);
  const batch = input.shape.slice(0, -3);
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  if (c % (r * r) !== 0) throw new ShapeError(`${op}: expects its input's 'channel' dimension to be divisible by the square of upscaleFactor, but input.size(-3)=${c} is not divisible by ${r * r} (input shape ${fmtShape(input.shape)})`);
  const oc = c / (r * r), b = batch.length;
  return input
    .reshape([...batch, oc, r, r, h, w])
    .permute([...batch.map((_, i) => i), b, b + 3, b + 1, b + 4, b + 2])
    .reshape([...batch, oc, h * r, w * r]);
}

/**
 * [*, C, H·r, W·r] -> [*, C·r², H, W], the inverse of pixelShuffle.
 * @example F.pixelUnshuffle(x, 2) // [1, 1, 4, 6] -> [1, 4, 2, 3]
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  const op = "pixelUnshuffle", r = downscaleFactor;
  checkFactor(op, "downscaleFactor", r);
  if (input.ndim < 3) throw new ShapeError(`${op}: expects input to have at least 3 dimensions, but got input with ${input.ndim} dimension(s) (shape ${fmtShape(input.shape)})`);
  const batch = input.shape.slice(0, -3);
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  if (h % r !== 0) throw new ShapeError(`${op}: expects height to be divisible by downscaleFactor, but input.size(-2)=${h} is not divisible by ${r} (input shape ${fmtShape(input.shape)})`);
  if (w % r !== 0) throw new ShapeError(`${op}: expects width to be divisible by downscaleFactor, but input.size(-1)=${w} is not divisible by ${r} (input shape ${fmtShape(input.shape)})`);
  const b = batch.length;
  return input
    .reshape([...batch, c, h / r, r, w / r, r])
    .permute([...batch.map((_, i) => i), b, b + 2, b + 4, b + 1, b + 3])
    .reshape([...batch, c * r * r, h / r, w / r]);
}

export const PIXEL_SHUFFLE_FNS = {
  pixelShuffle: defineF("pixelShuffle(Tensor input, int upscaleFactor) -> Tensor", pixelShuffle),
  pixelUnshuffle: defineF("pixelUnshuffle(Tensor input, int downscaleFactor) -> Tensor", pixelUnshuffle),
};

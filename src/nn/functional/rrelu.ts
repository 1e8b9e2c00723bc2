/**
 * F.rrelu, the randomized leaky ReLU: in training each element x <= 0 gets its own slope
 * drawn uniformly from [lower, upper] (x · r, gradient r; positives pass unchanged), and
 * out of training it is leakyRelu with the mean slope (lower + upper) / 2, as PyTorch's
 * rrelu_with_noise. Slopes come from the default Generator or the one given.
 */
import { FluxionError, DTypeError } from "../../errors.js";
import { where } from "../../ops/elementwise.js";
import { empty } from "../../tensor/creation.js";
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export interface RreluOptions {
  lower?: number;
  upper?: number;
  /** Draw random slopes (default false for F.rrelu, as PyTorch; modules pass their training flag). */
  training?: boolean;
  inplace?: boolean;
  generator?: Generator;
}

/**
 * Randomized leaky ReLU.
 * @example F.rrelu(x, 1 / 8, 1 / 3, true) // random slopes in [1/8, 1/3] for x <= 0
 */
export function rrelu(x: Tensor, opts?: RreluOptions): Tensor {
  const op = "rrelu";
  const lower = opts?.lower ?? 1 / 8, upper = opts?.upper ?? 1 / 3;
  if (!(lower <= upper)) throw new FluxionError(`${op}: Lower bound should be less than or equal to the upper bound (got lower=${lower}, upper=${upper})`);
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) throw new FluxionError(`${op}: lower and upper must be finite, got lower=${lower}, upper=${upper}`);
  if (!x.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  if (!opts?.training) return opts?.inplace ? x.leakyRelu_((lower + upper) / 2) : x.leakyRelu((lower + upper) / 2);
  const slopes = empty(x.shape, { dtype: x.dtype, device: x.device }).uniform_(lower, upper, { generator: opts.generator });
  // PyTorch draws for x <= 0 (zero included: its gradient there is the slope too)
  const noise = where(x.detach().le(0), slopes, 1);
  return opts.inplace ? x.mul_(noise) : x.mul(noise);
}

/** The declared form `F` exports: PyTorch's order and defaults, plus a keyword-only generator. */
export const RRELU_FNS = {
  rrelu: defineF("rrelu(Tensor input, float lower=0.125, float upper=0.3333333333333333, bool training=false, bool inplace=false, *, Generator? generator=null) -> Tensor",
    (x: Tensor, lower: number, upper: number, training: boolean, inplace: boolean, { generator }: { generator: Generator | null }) =>
      rrelu(x, { lower, upper, training, inplace, generator: generator ?? undefined })),
};

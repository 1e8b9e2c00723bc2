/**
 * F.dropout and F.dropout2d: zero elements (or whole channels) with probability p during
 * training and scale the survivors by 1 / (1 - p), so evaluation needs no rescaling. Masks
 * are drawn with bernoulli from the default Generator (or the one given), so manualSeed
 * makes them reproducible.
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { bernoulli, full } from "../../tensor/creation.js";
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export interface DropoutOptions {
  /** Default true, as F.dropout's (modules pass their own training flag). */
  training?: boolean;
  /** Multiply x in place instead of returning a new tensor. */
  inplace?: boolean;
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new FluxionError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/** x · mask / (1 - p) with mask ~ Bernoulli(1 - p) of `maskShape` (broadcast over x). */
function applyMask(x: Tensor, p: number, maskShape: readonly number[], opts?: DropoutOptions): Tensor {
  if (!x.isFloatingPoint()) throw new FluxionError(`dropout: expected a floating point input, got ${x.dtype}`);
  const keep = full(maskShape, 1 - p, { dtype: x.dtype, device: x.device });
  // p = 1 drops everything (torch multiplies by zeros rather than dividing by 0)
  const mask = p === 1 ? keep : bernoulli(keep, { generator: opts?.generator }).div(1 - p);
  return opts?.inplace ? x.mul_(mask) : x.mul(mask);
}

/**
 * Randomly zeroes elements with probability p (training only) and scales the rest by 1/(1-p).
 * @example F.dropout(x, 0.5, { training: model.training })
 */
export function dropout(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  checkP("dropout", p);
  if (!(opts?.training ?? true) || p === 0 || x.numel() === 0) return x;
  return applyMask(x, p, x.shape, opts);
}

/**
 * Zeroes whole channels: input [N, C, H, W] (or [N, C, L], treated channel-wise as torch
 * 1.13 does), one Bernoulli draw per (n, c).
 * @example F.dropout2d(x, 0.2, { training: true })
 */
export function dropout2d(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  checkP("dropout2d", p);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`dropout2d: expected a 3-D or 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (!(opts?.training ?? true) || p === 0 || x.numel() === 0) return x;
  return applyMask(x, p, x.shape.map((s, i) => (i < 2 ? s : 1)), opts);
}

type Gen = { generator: Generator | null };
/** The declared forms `F` exports: PyTorch's order, plus a keyword-only generator. */
export const DROPOUT_FNS = {
  dropout: defineF(
    "dropout(Tensor input, float p=0.5, bool training=true, bool inplace=false, *, Generator? generator=null) -> Tensor",
    (x: Tensor, p: number, training: boolean, inplace: boolean, { generator }: Gen) => dropout(x, p, { training, inplace, generator: generator ?? undefined }),
  ),
  dropout2d: defineF(
    "dropout2d(Tensor input, float p=0.5, bool training=true, bool inplace=false, *, Generator? generator=null) -> Tensor",
    (x: Tensor, p: number, training: boolean, inplace: boolean, { generator }: Gen) => dropout2d(x, p, { training, inplace, generator: generator ?? undefined }),
  ),
};

/**
 * The other dropouts of torch.nn.functional: F.alphaDropout and F.featureAlphaDropout
 * (SELU networks: dropped units take SELU's negative saturation value and the result is
 * shifted and scaled so mean and variance are kept), and F.dropout1d / F.dropout3d (whole
 * channels zeroed, as dropout2d). Each is PyTorch 1.13's _dropout_impl: one Bernoulli(1-p)
 * mask per element (or per [n, c] channel for the feature forms), drawn from the default
 * Generator or the one given, so manualSeed makes them reproducible.
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { bernoulli, full } from "../../tensor/creation.js";
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export interface DropoutVariantOptions {
  /** Apply dropout (F.alphaDropout and F.featureAlphaDropout default to false, F.dropout1d/3d to true, as PyTorch). */
  training?: boolean;
  /** Overwrite the input instead of returning a new tensor. */
  inplace?: boolean;
  generator?: Generator;
}

/** SELU's negative saturation, -λα, in magnitude (PyTorch's alpha in _dropout_impl). */
const SELU_SATURATION = 1.7580993408473766;

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new FluxionError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/**
 * PyTorch's _dropout_impl: x · noise (+ b for alpha dropout) with noise ~ Bernoulli(1 - p)
 * of x's shape, or of [N, C, 1, ...] for the feature forms.
 */
function dropoutImpl(op: string, x: Tensor, p: number, feature: boolean, alpha: boolean, opts: DropoutVariantOptions | undefined, trainingDefault: boolean): Tensor {
  checkP(op, p);
  if (!x.isFloatingPoint()) throw new FluxionError(`${op}: expected a floating point input, got ${x.dtype}`);
  if (feature && x.ndim < 2) throw new ShapeError(`${op}: Feature dropout requires at least 2 dimensions in the input, got shape ${fmtShape(x.shape)}`);
  const inplace = opts?.inplace ?? false;
  if (p === 0 || !(opts?.training ?? trainingDefault) || x.numel() === 0) return x;
  const create = { dtype: x.dtype, device: x.device };
  if (p === 1) return inplace ? x.mul_(0) : x.mul(full([], 0, create)); // PyTorch multiplies by zero, alpha or not
  const noiseShape = feature ? x.shape.map((s, i) => (i < 2 ? s : 1)) : x.shape;
  const keep = bernoulli(full(noiseShape, 1 - p, create), { generator: opts?.generator });
  if (!alpha) {
    const scale = keep.div(1 - p);
    return inplace ? x.mul_(scale) : x.mul(scale);
  }
  const a = 1 / Math.sqrt((SELU_SATURATION * SELU_SATURATION * p + 1) * (1 - p));
  const b = keep.sub(1).mul(SELU_SATURATION * a).add(SELU_SATURATION * a * p); // a·α·(p - 1) where dropped, a·α·p where kept
  const scale = keep.mul(a);
  return inplace ? x.mul_(scale).add_(b) : x.mul(scale).add(b);
}

/**
 * Alpha dropout (for SELU networks): drops elements to the SELU saturation value and
 * rescales so the input's mean and variance are kept. Off unless training is true.
 * @example F.alphaDropout(x, 0.2, { training: model.training })
 */
export function alphaDropout(x: Tensor, p = 0.5, opts?: DropoutVariantOptions): Tensor {
  return dropoutImpl("alphaDropout", x, p, false, true, opts, false);
}

/**
 * Alpha dropout of whole channels of [N, C, ...] (one draw per [n, c]). Off unless training is true.
 * @example F.featureAlphaDropout(x, 0.2, { training: true })
 */
export function featureAlphaDropout(x: Tensor, p = 0.5, opts?: DropoutVariantOptions): Tensor {
  return dropoutImpl("featureAlphaDropout", x, p, true, true, opts, false);
}

/** Feature dropout on an input that may lack the batch dim (`batchedDims`): unbatched ones get one. */
function channelDropout(op: string, x: Tensor, p: number, batchedDims: number, opts?: DropoutVariantOptions): Tensor {
  checkP(op, p);
  if (x.ndim === batchedDims) return dropoutImpl(op, x, p, true, false, opts, true);
  if (opts?.inplace) {
    // unsqueeze_/squeeze_ in PyTorch: the input itself is scaled
    dropoutImpl(op, x.unsqueeze(0), p, true, false, opts, true);
    return x;
  }
  return dropoutImpl(op, x.unsqueeze(0), p, true, false, opts, true).squeeze(0);
}

/**
 * Zeroes whole channels of [N, C, L] (or [C, L]) with probability p, scaling the rest by 1/(1-p).
 * @example F.dropout1d(x, 0.2) // x [N, C, L]
 */
export function dropout1d(x: Tensor, p = 0.5, opts?: DropoutVariantOptions): Tensor {
  const op = "dropout1d";
  checkP(op, p);
  if (x.ndim !== 2 && x.ndim !== 3) {
    throw new ShapeError(`${op}: Expected 2D or 3D input, but received a ${x.ndim}D input (shape ${fmtShape(x.shape)}). Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`);
  }
  return channelDropout(op, x, p, 3, opts);
}

const warned = new Set<string>();
/**
 * Zeroes whole channels of [N, C, D, H, W] (or [C, D, H, W]) with probability p, scaling the
 * rest by 1/(1-p). Other ranks warn (deprecated, as in PyTorch) and are treated as unbatched.
 * @example F.dropout3d(x, 0.2) // x [N, C, D, H, W]
 */
export function dropout3d(x: Tensor, p = 0.5, opts?: DropoutVariantOptions): Tensor {
  const op = "dropout3d";
  checkP(op, p);
  if ((x.ndim !== 4 && x.ndim !== 5) && !warned.has(op)) {
    warned.add(op);
    console.warn(`fluxion: ${op}: Received a ${x.ndim}-D input to dropout3d, which is deprecated (as in PyTorch) and will result in an error in a future release; dropout3d exists to provide channel-wise dropout on 4-D or 5-D inputs`);
  }
  return channelDropout(op, x, p, 5, opts);
}

type Gen = { generator: Generator | null };
type Impl = (x: Tensor, p: number, opts?: DropoutVariantOptions) => Tensor;
const bind = (f: Impl) => (x: Tensor, p: number, training: boolean, inplace: boolean, { generator }: Gen) => f(x, p, { training, inplace, generator: generator ?? undefined });
/** The declared forms `F` exports: PyTorch's order and defaults, plus a keyword-only generator. */
export const DROPOUT_EXTRA_FNS = {
  alphaDropout: defineF("alphaDropout(Tensor input, float p=0.5, bool training=false, bool inplace=false, *, Generator? generator=null) -> Tensor", bind(alphaDropout)),
  featureAlphaDropout: defineF("featureAlphaDropout(Tensor input, float p=0.5, bool training=false, bool inplace=false, *, Generator? generator=null) -> Tensor", bind(featureAlphaDropout)),
  dropout1d: defineF("dropout1d(Tensor input, float p=0.5, bool training=true, bool inplace=false, *, Generator? generator=null) -> Tensor", bind(dropout1d)),
  dropout3d: defineF("dropout3d(Tensor input, float p=0.5, bool training=true, bool inplace=false, *, Generator? generator=null) -> Tensor", bind(dropout3d)),
};

/**
 * F.batchNorm, F.layerNorm, F.groupNorm, F.instanceNorm and F.normalize, composed from
 * reductions and elementwise ops (instance norm is batch norm over [1, N·C, *], as PyTorch's).
 * Batch and layer norm record one node with the closed-form backward (a few passes instead
 * of the dozen a composed graph takes); group norm is composed and autograd derives it.
 * Batch norm normalises with the biased batch variance and updates the running variance
 * with the unbiased one, exactly as PyTorch.
 */
import { isGradEnabled, noGrad } from "../../autograd/grad_mode.js";
import { record1 } from "../../autograd/record.js";
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { reduceGradToShape } from "../../ops/helpers.js";
import { where } from "../../ops/elementwise.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

interface Stats {
  mean: Tensor;
  variance: Tensor;
}

function statsOf(x: Tensor, axes: number[]): Stats {
  const mean = x.mean(axes, { keepdim: true });
  const xc = x.sub(mean);
  return { mean, variance: xc.mul(xc).mean(axes, { keepdim: true }) };
}

/**
 * y = (x - mean) / sqrt(var + eps) · w + b with the statistics over `axes` (biased variance);
 * w and b are already broadcastable to x. Backward, with x̂ the normalised input and
 * ĝ = g · w: dx = invstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)), dw = Σ g · x̂, db = Σ g.
 * Under createGraph the statistics are recomputed from x with grad, so double backward holds.
 */
function normalizeAffine(name: string, x: Tensor, axes: number[], eps: number, w: Tensor | null, b: Tensor | null, stats: Stats): Tensor {
  const { xhat, y } = noGrad(() => {
    const xhat = x.sub(stats.mean).mul(stats.variance.add(eps).rsqrt());
    let y = w ? xhat.mul(w) : xhat;
    if (b) y = y.add(b);
    return { xhat, y };
  });
  const wShape = w?.shape, bShape = b?.shape;
  return record1(name, [x, w, b], y, [x], ([g], [xs]) => {
    let xh = xhat, invstd: Tensor;
    if (isGradEnabled()) {
      const st = statsOf(xs!, axes);
      invstd = st.variance.add(eps).rsqrt();
      xh = xs!.sub(st.mean).mul(invstd);
    } else invstd = stats.variance.add(eps).rsqrt();
    const gh = w ? g!.mul(w) : g!;
    const dx = gh.sub(gh.mean(axes, { keepdim: true })).sub(xh.mul(gh.mul(xh).mean(axes, { keepdim: true }))).mul(invstd);
    return [dx, w ? reduceGradToShape(g!.mul(xh), wShape!) : null, b ? reduceGradToShape(g!, bShape!) : null];
  });
}

export interface BatchNormOptions {
  /** Use batch statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  eps?: number;
}

function checkAffine(op: string, name: string, t: Tensor | null | undefined, shape: readonly number[]): void {
  if (t && (t.ndim !== shape.length || t.shape.some((s, i) => s !== shape[i]))) {
    throw new ShapeError(`${op}: expected ${name} of shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
  }
}

/**
 * Batch normalization over dim 1 of [N, C, *]: y = (x - mean) / sqrt(var + eps) · weight + bias.
 * In training mode the batch mean and biased variance are used and the running stats (when
 * given) are updated in place: running = (1 - momentum) · running + momentum · batch, with the
 * unbiased batch variance. Otherwise the running stats are used.
 * @example F.batchNorm(x, runningMean, runningVar, weight, bias, { training: true })
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null | undefined,
  runningVar: Tensor | null | undefined,
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts?: BatchNormOptions,
): Tensor {
  const op = "batchNorm";
  if (x.ndim < 2) throw new ShapeError(`${op}: expected an input of at least 2 dims [N, C, *], got shape ${fmtShape(x.shape)}`);
  const C = x.shape[1]!;
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) checkAffine(op, name, t, [C]);
  const training = opts?.training ?? false;
  const eps = opts?.eps ?? 1e-5;
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1)); // [1, C, 1, ...]
  const per = (t: Tensor) => t.reshape(bshape);
  if (!training) {
    if (!runningMean || !runningVar) throw new FluxionError(`${op}: running_mean and running_var must be given when training is false`);
    // torch's transform: x · alpha + beta with alpha = weight / sqrt(var + eps), beta = bias - mean · alpha
    let alpha = runningVar.add(eps).rsqrt();
    if (weight) alpha = alpha.mul(weight);
    let beta = runningMean.mul(alpha).neg();
    if (bias) beta = beta.add(bias);
    return x.mul(per(alpha)).add(per(beta));
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const n = x.numel() / C;
  if (n <= 1) throw new ShapeError(`${op}: Expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`);
  const { mean, variance } = noGrad(() => statsOf(x, axes));
  const y = normalizeAffine("NativeBatchNormBackward0", x, axes, eps, weight ? per(weight) : null, bias ? per(bias) : null, { mean, variance });
  const momentum = opts?.momentum ?? 0.1;
  noGrad(() => {
    if (runningMean) runningMean.copy_(mean.reshape([C]).mul(momentum).add(runningMean.mul(1 - momentum)));
    if (runningVar) runningVar.copy_(variance.reshape([C]).mul(n / (n - 1)).mul(momentum).add(runningVar.mul(1 - momentum)));
  });
  return y;
}

export interface LayerNormOptions {
  eps?: number;
}

/**
 * Layer normalization over the trailing dims given by normalizedShape (biased variance),
 * then elementwise weight and bias of that shape.
 * @example F.layerNorm(x, [64], weight, bias) // x [N, T, 64]
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, opts?: LayerNormOptions): Tensor {
  const op = "layerNorm";
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  const k = shape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || tail.some((s, i) => s !== shape[i])) {
    throw new ShapeError(`${op}: Given normalized_shape=${fmtShape(shape)}, expected input with shape [*, ${shape.join(", ")}], but got input of size ${fmtShape(x.shape)}`);
  }
  checkAffine(op, "weight", weight, shape);
  checkAffine(op, "bias", bias, shape);
  const axes = shape.map((_, i) => x.ndim - k + i);
  const stats = noGrad(() => statsOf(x, axes));
  return normalizeAffine("NativeLayerNormBackward0", x, axes, opts?.eps ?? 1e-5, weight ?? null, bias ?? null, stats);
}

/**
 * Group normalization: channels of [N, C, *] split into numGroups groups, each normalised
 * over its channels and spatial positions; then per-channel weight and bias.
 * @example F.groupNorm(x, 2, weight, bias) // x [N, 6, H, W]: groups of 3 channels
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, opts?: LayerNormOptions): Tensor {
  const op = "groupNorm";
  if (x.ndim < 2) throw new ShapeError(`${op}: expected an input of at least 2 dims [N, C, *], got shape ${fmtShape(x.shape)}`);
  const [N, C] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new ShapeError(`${op}: Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(x.shape)} and num_groups=${numGroups}`);
  }
  checkAffine(op, "weight", weight, [C]);
  checkAffine(op, "bias", bias, [C]);
  const g = x.reshape([N, numGroups, -1]);
  const mean = g.mean(2, { keepdim: true });
  const gc = g.sub(mean);
  const invstd = gc.mul(gc).mean(2, { keepdim: true }).add(opts?.eps ?? 1e-5).rsqrt();
  let y = gc.mul(invstd).reshape(x.shape);
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  if (weight) y = y.mul(weight.reshape(bshape));
  if (bias) y = y.add(bias.reshape(bshape));
  return y;
}

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const NORMALIZATION_FNS = {
  batchNorm: defineF(
    "batchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight=null, Tensor? bias=null, bool training=false, float momentum=0.1, float eps=1e-5) -> Tensor",
    (x: Tensor, rm: Tensor | null | undefined, rv: Tensor | null | undefined, w: Tensor | null, b: Tensor | null, training: boolean, momentum: number, eps: number) =>
      batchNorm(x, rm ?? null, rv ?? null, w, b, { training, momentum, eps }),
  ),
  layerNorm: defineF(
    "layerNorm(Tensor input, int[] normalizedShape, Tensor? weight=null, Tensor? bias=null, float eps=1e-5) -> Tensor",
    (x: Tensor, shape: number | number[], w: Tensor | null, b: Tensor | null, eps: number) => layerNorm(x, shape, w, b, { eps }),
  ),
  groupNorm: defineF(
    "groupNorm(Tensor input, int numGroups, Tensor? weight=null, Tensor? bias=null, float eps=1e-5) -> Tensor",
    (x: Tensor, numGroups: number, w: Tensor | null, b: Tensor | null, eps: number) => groupNorm(x, numGroups, w, b, { eps }),
  ),
};

// ---- instance norm and F.normalize ---------------------------------------------------------

/**
 * Instance normalization: each (sample, channel) plane of [N, C, *] normalised over its own
 * positions. As PyTorch, this is batch norm over the input seen as [1, N·C, *] (same
 * gradient), with the running stats repeated per sample and averaged back over the batch.
 * With useInputStats false the running stats normalise instead.
 * @example F.instanceNorm(x) // x [N, C, H, W]: every plane gets mean 0, variance 1
 */
export function instanceNorm(
  x: Tensor,
  runningMean?: Tensor | null,
  runningVar?: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts?: { useInputStats?: boolean; momentum?: number; eps?: number },
): Tensor {
  const op = "instanceNorm";
  if (x.ndim < 3) throw new ShapeError(`${op}: expected an input of at least 3 dims [N, C, *], got shape ${fmtShape(x.shape)}`);
  const [N, C] = x.shape as [number, number];
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) checkAffine(op, name, t, [C]);
  const useInputStats = opts?.useInputStats ?? true;
  if (!useInputStats && (!runningMean || !runningVar)) throw new FluxionError(`${op}: Expected running_mean and running_var to be defined when useInputStats is false`);
  if (useInputStats && x.numel() / (N * C) === 1 && N * C > 0) {
    throw new ShapeError(`${op}: Expected more than 1 spatial element when training, got input size ${fmtShape(x.shape)}`);
  }
  const repeat = (t: Tensor | null | undefined) => (t ? t.repeat(N) : null);
  const rm = noGrad(() => repeat(runningMean)), rv = noGrad(() => repeat(runningVar));
  const y = batchNorm(x.reshape([1, N * C, ...x.shape.slice(2)]), rm, rv, repeat(weight), repeat(bias), {
    training: useInputStats,
    momentum: opts?.momentum ?? 0.1,
    eps: opts?.eps ?? 1e-5,
  });
  noGrad(() => {
    if (runningMean && useInputStats) runningMean.copy_(rm!.view([N, C]).mean(0));
    if (runningVar && useInputStats) runningVar.copy_(rv!.view([N, C]).mean(0));
  });
  return y.reshape(x.shape);
}

/** ||x||_p along `axes` (keepdim), with a zero gradient where the norm is 0 (as torch's norm). */
function pNorm(x: Tensor, p: number, dim: number): Tensor {
  if (p === 2 || p === 1 || p === Infinity || p === -Infinity || p === 0) return x.norm(p, dim, true);
  // |x|^p (p < 1) and s^(1/p) have infinite derivatives at 0: take the power of 1 there and
  // select 0, so zeros get the zero gradient torch's norm gives them instead of NaN
  const a = x.abs(), az = a.eq(0);
  const s = where(az, 0, where(az, 1, a).pow(p)).sum(dim, { keepdim: true });
  const zero = s.eq(0);
  return where(zero, 0, where(zero, 1, s).pow(1 / p));
}

/**
 * Lp normalization along dim: x / max(||x||_p, eps), as torch.nn.functional.normalize.
 * @example F.normalize(x) // each row of x [N, D] scaled to unit L2 norm
 */
export function normalize(x: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  if (!x.isFloatingPoint()) throw new FluxionError(`normalize: expected a floating point input, got ${x.dtype}`);
  const d = dim < 0 ? dim + x.ndim : dim;
  if (d < 0 || d >= Math.max(x.ndim, 1)) throw new ShapeError(`normalize: Dimension out of range (expected to be in range of [${-Math.max(x.ndim, 1)}, ${Math.max(x.ndim, 1) - 1}], but got ${dim})`);
  return x.div(pNorm(x, p, dim).clamp(eps).expandAs(x));
}

/** The declared forms of instanceNorm and normalize. */
export const MORE_NORMALIZATION_FNS = {
  instanceNorm: defineF(
    "instanceNorm(Tensor input, Tensor? runningMean=null, Tensor? runningVar=null, Tensor? weight=null, Tensor? bias=null, bool useInputStats=true, float momentum=0.1, float eps=1e-5) -> Tensor",
    (x: Tensor, rm: Tensor | null, rv: Tensor | null, w: Tensor | null, b: Tensor | null, useInputStats: boolean, momentum: number, eps: number) =>
      instanceNorm(x, rm, rv, w, b, { useInputStats, momentum, eps }),
  ),
  // PyTorch's `out` (write into a given tensor) is left out, as for every F function here
  normalize: defineF("normalize(Tensor input, float p=2.0, int dim=1, float eps=1e-12) -> Tensor", normalize),
};

/**
 * F.batchNorm, F.layerNorm, F.groupNorm, F.instanceNorm and F.normalize. Batch, layer and
 * group norm run as the fused primitives (src/backend/primitives.ts: batchNorm, groupNorm —
 * layer norm is group norm with one group over [rows, features]) with their fused backward;
 * under createGraph the backward is the same closed form in differentiable ops, with the
 * statistics recomputed from x, so second derivatives hold. Instance norm is batch norm over
 * [1, N·C, *], as PyTorch's. Batch norm normalises with the biased batch variance and updates
 * the running variance with the unbiased one, exactly as PyTorch.
 */
import { isGradEnabled, noGrad } from "../../autograd/grad_mode.js";
import type { BackwardFn } from "../../autograd/node.js";
import { record, record1 } from "../../autograd/record.js";
import { dispatchAll } from "../../backend/dispatcher.js";
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { where } from "../../ops/elementwise.js";
import { ones, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export interface BatchNormOptions {
  /** Use batch statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Weight of the new batch statistic in the running average (default 0.1). */
  momentum?: number;
  eps?: number;
}

/** A per-channel (or normalized-shape) tensor of the right shape; `x` given, the message names the input it must fit. */
function checkAffine(op: string, name: string, t: Tensor | null | undefined, shape: readonly number[], x?: Tensor): void {
  if (t && (t.ndim !== shape.length || t.shape.some((s, i) => s !== shape[i]))) {
    const input = x ? ` (one per channel of the input, of shape ${fmtShape(x.shape)})` : "";
    throw new ShapeError(`${op}: expected ${name} of shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}${input}`);
  }
}

function checkFloat(op: string, x: Tensor): void {
  if (!x.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
}

/** t in x's dtype (a differentiable cast), or null. */
function like(t: Tensor | null | undefined, x: Tensor): Tensor | null {
  return t ? (t.dtype === x.dtype ? t : t.to(x.dtype)) : null;
}

/** x's dims other than the channels (dim 1): what batch norm's statistics and dweight/dbias sum over. */
function nonChannelAxes(ndim: number): number[] {
  const axes: number[] = [];
  for (let i = 0; i < ndim; i++) if (i !== 1) axes.push(i);
  return axes;
}

/** A per-channel [C] vector shaped to broadcast against x [N, C, *]. */
function perChannel(v: Tensor, ndim: number): Tensor {
  return v.reshape([v.shape[0]!, ...new Array<number>(Math.max(0, ndim - 2)).fill(1)]);
}

/**
 * dx of y = x̂ · w + b, x̂ = (x - mean) · r with the statistics over `groupAxes` of `xs` (kept):
 * r · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂)), ĝ = g · w. In differentiable ops, statistics recomputed
 * from x: the createGraph backward of batch and group norm. Returns dx and x̂.
 */
function normGradComposed(g: Tensor, xs: Tensor, gh: Tensor, groupAxes: number[], eps: number): { dx: Tensor; xhat: Tensor } {
  const mean = xs.mean(groupAxes, { keepdim: true });
  const xc = xs.sub(mean);
  const r = xc.mul(xc).mean(groupAxes, { keepdim: true }).add(eps).rsqrt();
  const xhat = xc.mul(r);
  const dx = gh.sub(gh.mean(groupAxes, { keepdim: true })).sub(xhat.mul(gh.mul(xhat).mean(groupAxes, { keepdim: true }))).mul(r);
  return { dx, xhat };
}

/**
 * batchNorm's backward (saved: x, mean, invstd and the weight if any): the fused primitive,
 * or under createGraph its formula in differentiable ops. In eval mode the statistics are the
 * running ones, constants.
 */
function batchNormBackward(training: boolean, eps: number, hasWeight: boolean, hasBias: boolean): BackwardFn {
  return ([g0], saved) => {
    const [xs, mean, invstd, w] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const g = g0!.dtype === xs.dtype ? g0! : g0!.to(xs.dtype);
    if (isGradEnabled()) {
      const axes = nonChannelAxes(xs.ndim);
      const gh = w ? g.mul(perChannel(w, xs.ndim)) : g;
      let dx: Tensor, xhat: Tensor;
      if (training) ({ dx, xhat } = normGradComposed(g, xs, gh, axes, eps));
      else {
        const r = perChannel(invstd, xs.ndim);
        xhat = xs.sub(perChannel(mean, xs.ndim)).mul(r);
        dx = gh.mul(r);
      }
      return [dx, hasWeight ? g.mul(xhat).sum(axes) : null, hasBias ? g.sum(axes) : null];
    }
    const [dx, dw, db] = dispatchAll("batchNormBackward", w ? [g, xs, mean, invstd, w] : [g, xs, mean, invstd], { training, weight: w !== undefined });
    return [dx, hasWeight ? dw : null, hasBias ? db : null];
  };
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
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) checkAffine(op, name, t, [C], x);
  const training = opts?.training ?? false;
  const eps = opts?.eps ?? 1e-5;
  const momentum = opts?.momentum ?? 0.1;
  if (!training && (!runningMean || !runningVar)) throw new FluxionError(`${op}: running_mean and running_var must be given when training is false`);
  if (training && C > 0 && x.numel() / C <= 1) throw new ShapeError(`${op}: Expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`);
  // after the size check, as PyTorch's F.batch_norm (its kernel refuses the dtype later)
  checkFloat(op, x);
  const w = like(weight, x), b = like(bias, x);
  // the kernel reads (eval) or updates (training) the running pair in x's dtype; a stat
  // missing from the pair in training is a scratch tensor, updated and dropped
  const given = [runningMean ?? null, runningVar ?? null];
  const running = given.some((r) => r !== null);
  const rs = running ? noGrad(() => given.map((r, i) => (r === null ? (i === 0 ? zeros([C], { dtype: x.dtype, device: x.device }) : ones([C], { dtype: x.dtype, device: x.device })) : r.dtype === x.dtype ? r : r.to(x.dtype)))) : [];
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : []), ...rs];
  const [y, mean, invstd] = dispatchAll(op, inputs, { training, momentum, eps, weight: w !== null, bias: b !== null, running }) as [Tensor, Tensor, Tensor];
  if (training && running) {
    noGrad(() => {
      given.forEach((r, i) => {
        if (r === null) return;
        if (rs[i] !== r) r.copy_(rs[i]!);
        else r.storage.version++;
      });
    });
  }
  return record1("NativeBatchNormBackward0", [x, w, b], y, w ? [x, mean, invstd, w] : [x, mean, invstd], batchNormBackward(training, eps, w !== null, b !== null));
}

export interface LayerNormOptions {
  eps?: number;
}

/** Layer norm's view of x [*, normalized] as [rows, features], and the affine parameters' shape. */
interface LayerNormLayout {
  rows: readonly number[];
  affine: readonly number[];
}

/**
 * group norm's backward (saved: x, mean, rstd and the weight if any) for x [N, C, *] in
 * `groups` groups — and layer norm's (`layout` given: x and g are seen as [rows, features],
 * dx takes x's shape and dweight/dbias the parameters').
 */
function groupNormBackward(groups: number, eps: number, hasWeight: boolean, hasBias: boolean, layout: LayerNormLayout | null): BackwardFn {
  return ([g0], saved) => {
    const [xs0, mean, rstd, w0] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const rows = layout?.rows;
    const xs = rows ? xs0.reshape(rows) : xs0, w = w0 && rows ? w0.reshape([-1]) : w0;
    let g = g0!.dtype === xs.dtype ? g0! : g0!.to(xs.dtype);
    if (rows) g = g.reshape(rows);
    let dx: Tensor, dw: Tensor, db: Tensor;
    if (isGradEnabled()) {
      const N = xs.shape[0]!;
      const gh = w ? g.mul(perChannel(w, xs.ndim)) : g;
      const r = normGradComposed(g.reshape([N, groups, -1]), xs.reshape([N, groups, -1]), gh.reshape([N, groups, -1]), [2], eps);
      const axes = nonChannelAxes(xs.ndim);
      dx = r.dx.reshape(xs.shape);
      dw = g.mul(r.xhat.reshape(xs.shape)).sum(axes);
      db = g.sum(axes);
    } else [dx, dw, db] = dispatchAll("groupNormBackward", w ? [g, xs, mean, rstd, w] : [g, xs, mean, rstd], { groups, weight: w !== undefined }) as [Tensor, Tensor, Tensor];
    if (layout) {
      dx = dx.reshape(xs0.shape);
      dw = dw.reshape(layout.affine);
      db = db.reshape(layout.affine);
    }
    return [dx, hasWeight ? dw : null, hasBias ? db : null];
  };
}

/** Runs the groupNorm primitive on x [N, C, *] and records its node on the original tensors. */
function groupNormOp(name: string, x: Tensor, x2: Tensor, groups: number, w: Tensor | null, b: Tensor | null, w2: Tensor | null, b2: Tensor | null, eps: number, layout: LayerNormLayout | null): Tensor {
  const inputs = [x2, ...(w2 ? [w2] : []), ...(b2 ? [b2] : [])];
  const [y2, mean, rstd] = dispatchAll("groupNorm", inputs, { groups, eps, weight: w2 !== null, bias: b2 !== null }) as [Tensor, Tensor, Tensor];
  const y = layout ? noGrad(() => y2.reshape(x.shape)) : y2;
  return record(name, [x, w, b], [y], w ? [x, mean, rstd, w] : [x, mean, rstd], groupNormBackward(groups, eps, w !== null, b !== null, layout))[0]!;
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
  checkFloat(op, x);
  checkAffine(op, "weight", weight, shape);
  checkAffine(op, "bias", bias, shape);
  const K = shape.reduce((p, s) => p * s, 1);
  const rows = [K === 0 ? 0 : x.numel() / K, K];
  const w = like(weight, x), b = like(bias, x);
  const [x2, w2, b2] = noGrad(() => [x.reshape(rows), w ? w.reshape([K]) : null, b ? b.reshape([K]) : null]);
  return groupNormOp("NativeLayerNormBackward0", x, x2!, 1, w, b, w2, b2, opts?.eps ?? 1e-5, { rows, affine: shape });
}

/**
 * Group normalization: channels of [N, C, *] split into numGroups groups, each normalised
 * over its channels and spatial positions; then per-channel weight and bias.
 * @example F.groupNorm(x, 2, weight, bias) // x [N, 6, H, W]: groups of 3 channels
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, opts?: LayerNormOptions): Tensor {
  const op = "groupNorm";
  if (x.ndim < 2) throw new ShapeError(`${op}: expected an input of at least 2 dims [N, C, *], got shape ${fmtShape(x.shape)}`);
  const C = x.shape[1]!;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new ShapeError(`${op}: Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(x.shape)} and num_groups=${numGroups}`);
  }
  checkFloat(op, x);
  checkAffine(op, "weight", weight, [C], x);
  checkAffine(op, "bias", bias, [C], x);
  const w = like(weight, x), b = like(bias, x);
  return groupNormOp("NativeGroupNormBackward0", x, x, numGroups, w, b, w, b, opts?.eps ?? 1e-5, null);
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
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) checkAffine(op, name, t, [C], x);
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

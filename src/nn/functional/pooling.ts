/**
 * Pooling: F.maxPool2d/1d, F.avgPool2d/1d and F.adaptiveAvgPool2d/1d. Max pooling is the
 * maxPool primitive (values and winning positions in one pass; the gradient scatters back
 * to those positions). Average pooling takes its windows from the unfold primitive (one
 * [N·C, kh·kw, L] block matrix) and sums them, so its gradient follows from the sum and
 * unfold rules. Output sizes, padding rules
 * (max pooling pads with -inf), ceil mode and average divisors are PyTorch's.
 */
import { dispatchAll } from "../../backend/dispatcher.js";
import { record1 } from "../../autograd/record.js";
import { _scatterAddTrusted } from "../../ops/advanced_indexing.js";
import { ShapeError, fmtShape } from "../../errors.js";
import { pad } from "../../ops/shape_ops.js";
import { tensor, zeros } from "../../tensor/creation.js";
import { checkNumel } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf, type IntOrPair, type IntOrSingle } from "./conv.js";
import { unfold } from "./fold.js";
import { defineF } from "./define.js";
import type { Fn } from "../../api/types.js";

export interface MaxPool2dOptions {
  /** Default: kernelSize. */
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
  returnIndices?: boolean;
}
export interface AvgPool2dOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number | null;
}
export interface MaxPool1dOptions {
  stride?: IntOrSingle | null;
  padding?: IntOrSingle;
  dilation?: IntOrSingle;
  ceilMode?: boolean;
  returnIndices?: boolean;
}
export interface AvgPool1dOptions {
  stride?: IntOrSingle | null;
  padding?: IntOrSingle;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/** One spatial dim of a pooling window: output length and the padding after the input. */
interface Axis {
  k: number;
  s: number;
  p: number;
  d: number;
  out: number;
  /** Padding after the input so that the padded length is exactly what `out` windows span (may be negative: a crop). */
  after: number;
}

/** torch's pooling_output_shape, plus the right padding the windows need. */
function axis(op: string, size: number, k: number, s: number, p: number, d: number, ceil: boolean): Axis {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  const after = (out - 1) * s + d * (k - 1) + 1 - size - p;
  return { k, s, p, d, out, after };
}

interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  h: Axis;
  w: Axis;
  unbatched: boolean;
  x4: Tensor;
}

function geometry(op: string, x: Tensor, kernelSize: IntOrPair, stride: IntOrPair | null | undefined, padding: IntOrPair, dilation: IntOrPair, ceil: boolean): Geometry {
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  const k = _tupleOf(op, "kernelSize", kernelSize, 2, 1);
  const s = stride === null || stride === undefined ? k : _tupleOf(op, "stride", stride, 2, 1);
  const p = _tupleOf(op, "padding", padding, 2);
  const d = _tupleOf(op, "dilation", dilation, 2, 1);
  if (p[0]! > Math.floor(k[0]! / 2) || p[1]! > Math.floor(k[1]! / 2)) {
    throw new ShapeError(`${op}: pad should be at most half of kernel size, but got padding (${p.join(", ")}) for kernel size (${k.join(", ")})`);
  }
  const unbatched = x.ndim === 3;
  const x4 = unbatched ? x.unsqueeze(0) : x;
  const [N, C, H, W] = x4.shape as [number, number, number, number];
  const h = axis(op, H, k[0]!, s[0]!, p[0]!, d[0]!, ceil), w = axis(op, W, k[1]!, s[1]!, p[1]!, d[1]!, ceil);
  if (h.out < 1 || w.out < 1) {
    throw new ShapeError(`${op}: Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${h.out}x${w.out}). Output size is too small (kernel (${k.join(", ")}), stride (${s.join(", ")}), padding (${p.join(", ")}), dilation (${d.join(", ")}))`);
  }
  return { N, C, H, W, h, w, unbatched, x4 };
}

/** The [N·C, kh·kw, L] window matrix of a geometry, zero padded. */
function windows(g: Geometry, x: Tensor): Tensor {
  const { h, w } = g;
  const planes = x.reshape([g.N * g.C, 1, g.H, g.W]);
  const kernel: [number, number] = [h.k, w.k], stride: [number, number] = [h.s, w.s], dilation: [number, number] = [h.d, w.d];
  // unfold's own zero padding suffices when no window needs more than p after the input
  if (h.after <= h.p && w.after <= w.p) return unfold(planes, kernel, { stride, dilation, padding: [h.p, w.p] });
  return unfold(pad(planes, [w.p, w.after, h.p, h.after]), kernel, { stride, dilation });
}

function finish(g: Geometry, y: Tensor): Tensor {
  const out = y.reshape([g.N, g.C, g.h.out, g.w.out]);
  return g.unbatched ? out.squeeze(0) : out;
}

/**
 * @internal Max pooling's gradient: each output's gradient `grad` [N, C, oh, ow] added at the
 * input position that won its window (`indices`, flat per plane, from the maxPool kernel or
 * conv2d's pooled forward) of a zero [N, C, H, W].
 */
export function _maxPoolGrad(grad: Tensor, indices: Tensor, inputShape: readonly [number, number, number, number]): Tensor {
  const [N, C, H, W] = inputShape;
  const planes = [N * C, grad.numel() / (N * C || 1)];
  const zero = zeros([1, 1], { dtype: grad.dtype, device: grad.device }).expand([N * C, H * W]); // a fill, not a copy
  // positions from the kernel: in range by construction
  return _scatterAddTrusted(zero, 1, indices.reshape(planes), grad.reshape(planes)).reshape([N, C, H, W]);
}

/**
 * 2-D max pooling over [N, C, H, W] (or [C, H, W]). Padding counts as -inf. With
 * `returnIndices` returns [output, indices] where indices are flat positions h·W + w in
 * each input plane (int32), as torch's.
 * @example F.maxPool2d(x, 2) // [N, C, 28, 28] -> [N, C, 14, 14]
 */
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, opts: MaxPool2dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, opts?: MaxPool2dOptions): Tensor | [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: IntOrPair, opts?: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  return maxPoolNamed("maxPool2d", x, kernelSize, opts);
}

function maxPoolNamed(op: string, x: Tensor, kernelSize: IntOrPair, opts?: MaxPool2dOptions): Tensor | [Tensor, Tensor] {
  const g = geometry(op, x, kernelSize, opts?.stride, opts?.padding ?? 0, opts?.dilation ?? 1, opts?.ceilMode ?? false);
  const { h, w, N, C, H, W } = g;
  const attrs = { outputSize: [h.out, w.out], kernel: [h.k, w.k], stride: [h.s, w.s], padding: [h.p, w.p], dilation: [h.d, w.d] } as const;
  const [values, indices] = dispatchAll("maxPool", [g.x4], attrs) as [Tensor, Tensor];
  const out = record1("MaxPool2DWithIndicesBackward0", [g.x4], values, [indices], ([grad], [idx]) => [_maxPoolGrad(grad!, idx!, [N, C, H, W])]);
  const y = g.unbatched ? out.squeeze(0) : out;
  if (!opts?.returnIndices) return y;
  return [y, g.unbatched ? indices.squeeze(0) : indices];
}

/**
 * 2-D average pooling. The divisor is the window size clipped to the padded input
 * (countIncludePad, the default) or the number of real input elements, or divisorOverride.
 * @example F.avgPool2d(x, 2) // [N, C, 8, 8] -> [N, C, 4, 4]
 */
export function avgPool2d(x: Tensor, kernelSize: IntOrPair, opts?: AvgPool2dOptions): Tensor {
  return avgPoolNamed("avgPool2d", x, kernelSize, opts);
}

function avgPoolNamed(op: string, x: Tensor, kernelSize: IntOrPair, opts?: AvgPool2dOptions): Tensor {
  const g = geometry(op, x, kernelSize, opts?.stride, opts?.padding ?? 0, 1, opts?.ceilMode ?? false);
  const override = opts?.divisorOverride;
  if (override !== undefined && override !== null && (!Number.isFinite(override) || override === 0)) {
    throw new ShapeError(`${op}: divisorOverride must be a non-zero number, got ${override}`);
  }
  const sums = windows(g, g.x4).sum(1); // [N*C, L]
  if (override !== undefined && override !== null) return finish(g, sums.div(override));
  const divisors = avgDivisors(g, opts?.countIncludePad ?? true);
  const first = divisors[0]!;
  if (divisors.every((v) => v === first)) return finish(g, sums.div(first));
  return finish(g, sums.div(tensor(divisors, { shape: [divisors.length], dtype: sums.dtype, device: sums.device })));
}

/** torch's avg_pool2d divisor for every output position (row-major). */
function avgDivisors(g: Geometry, countIncludePad: boolean): Float64Array {
  const along = (a: Axis, size: number) =>
    Array.from({ length: a.out }, (_, o) => {
      const start = o * a.s - a.p;
      const end = Math.min(start + a.k, size + a.p);
      return countIncludePad ? end - start : Math.min(end, size) - Math.max(start, 0);
    });
  const hs = along(g.h, g.H), ws = along(g.w, g.W);
  const out = new Float64Array(hs.length * ws.length);
  hs.forEach((a, i) => ws.forEach((b, j) => (out[i * ws.length + j] = a * b)));
  return out;
}

/** 1-D pooling's window along L: a stride, padding and dilation as it has them. */
interface Window1d {
  k: number;
  s: number;
  p: number;
  d: number;
  ceil: boolean;
}

/**
 * @internal 1-D pooling through the 2-D code with a height-1 window; the window is checked
 * first in 1-D terms (the 2-D messages would name a height and pairs the user never gave).
 */
function as1d(op: string, x: Tensor, win: Window1d, run: (x4: Tensor) => Tensor | [Tensor, Tensor]): Tensor | [Tensor, Tensor] {
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`${op}: expected a 2-D or 3-D input [N, C, L], got shape ${fmtShape(x.shape)}`);
  const { k, s, p, d, ceil } = win;
  if (p > Math.floor(k / 2)) throw new ShapeError(`${op}: pad should be at most half of kernel size, but got padding ${p} for kernel size ${k}`);
  const C = x.shape[x.ndim - 2]!, L = x.shape[x.ndim - 1]!;
  const out = axis(op, L, k, s, p, d, ceil).out;
  if (out < 1) {
    throw new ShapeError(`${op}: Given input size: (${C}x${L}). Calculated output size: (${C}x${out}). Output size is too small (kernel ${k}, stride ${s}, padding ${p}, dilation ${d})`);
  }
  const r = run(x.unsqueeze(-2));
  return Array.isArray(r) ? [r[0].squeeze(-2), r[1].squeeze(-2)] : r.squeeze(-2);
}

function single(op: string, name: string, v: IntOrSingle | null | undefined, fallback: number, min = 0): number {
  return v === null || v === undefined ? fallback : _tupleOf(op, name, v, 1, min)[0]!;
}

/**
 * 1-D max pooling over [N, C, L] (or [C, L]).
 * @example F.maxPool1d(x, 2) // [N, C, 10] -> [N, C, 5]
 */
export function maxPool1d(x: Tensor, kernelSize: IntOrSingle, opts?: MaxPool1dOptions & { returnIndices?: false }): Tensor;
export function maxPool1d(x: Tensor, kernelSize: IntOrSingle, opts: MaxPool1dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: IntOrSingle, opts?: MaxPool1dOptions): Tensor | [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: IntOrSingle, opts?: MaxPool1dOptions): Tensor | [Tensor, Tensor] {
  const op = "maxPool1d";
  const k = single(op, "kernelSize", kernelSize, 1, 1);
  const s = single(op, "stride", opts?.stride, k, 1), p = single(op, "padding", opts?.padding, 0), d = single(op, "dilation", opts?.dilation, 1, 1);
  return as1d(op, x, { k, s, p, d, ceil: opts?.ceilMode ?? false }, (x4) =>
    maxPoolNamed(op, x4, [1, k], { stride: [1, s], padding: [0, p], dilation: [1, d], ceilMode: opts?.ceilMode, returnIndices: opts?.returnIndices }),
  );
}

/**
 * 1-D average pooling over [N, C, L] (or [C, L]).
 * @example F.avgPool1d(x, 3, { stride: 1, padding: 1 }) // [N, C, 10] -> [N, C, 10]
 */
export function avgPool1d(x: Tensor, kernelSize: IntOrSingle, opts?: AvgPool1dOptions): Tensor {
  const op = "avgPool1d";
  const k = single(op, "kernelSize", kernelSize, 1, 1);
  const s = single(op, "stride", opts?.stride, k, 1), p = single(op, "padding", opts?.padding, 0);
  return as1d(op, x, { k, s, p, d: 1, ceil: opts?.ceilMode ?? false }, (x4) =>
    avgPoolNamed(op, x4, [1, k], { stride: [1, s], padding: [0, p], ceilMode: opts?.ceilMode, countIncludePad: opts?.countIncludePad }),
  ) as Tensor;
}

export type AdaptiveSize2d = number | readonly [number | null, number | null];

/** Averaging matrix [out, size]: row i averages [floor(i·size/out), ceil((i+1)·size/out)). */
function adaptiveMatrix(size: number, out: number, like: Tensor): Tensor {
  checkNumel("adaptiveAvgPool2d", [out, size], like.dtype);
  const m = new Float64Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out), end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return tensor(m, { shape: [out, size], dtype: like.dtype, device: like.device });
}

/**
 * Adaptive average pooling to a fixed output size (null keeps that input dim). Window i
 * spans [floor(i·H/oh), ceil((i+1)·H/oh)), as torch, so sizes need not divide.
 * @example F.adaptiveAvgPool2d(x, 1) // global average pool: [N, C, H, W] -> [N, C, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize2d): Tensor {
  const op = "adaptiveAvgPool2d";
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  const [H, W] = x.shape.slice(-2) as [number, number];
  const req = typeof outputSize === "number" ? [outputSize, outputSize] : [...outputSize];
  if (req.length !== 2) throw new ShapeError(`${op}: outputSize must be an integer or 2 integers (or null), got ${JSON.stringify(outputSize)}`);
  const [oh, ow] = [req[0] ?? H, req[1] ?? W];
  if (![oh, ow].every((v) => Number.isInteger(v) && v >= 1)) throw new ShapeError(`${op}: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`);
  if (H === 0 || W === 0) throw new ShapeError(`${op}: expected non-empty spatial dims, got input shape ${fmtShape(x.shape)}`);
  const lead = x.shape.slice(0, -2);
  if (oh === 1 && ow === 1) return x.mean([-2, -1], { keepdim: true });
  if (H % oh === 0 && W % ow === 0) return x.reshape([...lead, oh, H / oh, ow, W / ow]).mean([-3, -1]);
  // separable: average rows, then columns (exact: each window is a rectangle)
  return adaptiveMatrix(H, oh, x).matmul(x).matmul(adaptiveMatrix(W, ow, x).t());
}

/**
 * Adaptive average pooling over the last dim of [N, C, L] (or [C, L]).
 * @example F.adaptiveAvgPool1d(x, 4) // [N, C, 10] -> [N, C, 4]
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`adaptiveAvgPool1d: expected a 2-D or 3-D input [N, C, L], got shape ${fmtShape(x.shape)}`);
  if (x.shape[x.ndim - 1] === 0) throw new ShapeError(`adaptiveAvgPool1d: expected a non-empty length, got input shape ${fmtShape(x.shape)}`);
  return adaptiveAvgPool2d(x.unsqueeze(-2), [1, outputSize]).squeeze(-2);
}

// ---- the declared forms ------------------------------------------------------------------

const MAX_POOL2D = "maxPool2d(Tensor input, int[2] kernelSize, int[2]? stride=null, int[2] padding=0, int[2] dilation=1, bool ceilMode=false, bool returnIndices=false) -> Tensor";
const MAX_POOL1D = "maxPool1d(Tensor input, int[1] kernelSize, int[1]? stride=null, int[1] padding=0, int[1] dilation=1, bool ceilMode=false, bool returnIndices=false) -> Tensor";
type Opt<T> = T | undefined;
/** With returnIndices true the result is [output, indices] (the declaration's types say Tensor). */
type WithIndices<K, O> = {
  (input: Tensor, kernelSize: K, opts: O & { returnIndices: true }): [Tensor, Tensor];
  (input: Tensor, kernelSize: K, stride: Opt<K | null>, padding: Opt<K>, dilation: Opt<K>, ceilMode: Opt<boolean>, returnIndices: true): [Tensor, Tensor];
};

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const POOLING_FNS = {
  maxPool2d: defineF(MAX_POOL2D, (x: Tensor, k: IntOrPair, stride: IntOrPair | null, padding: IntOrPair, dilation: IntOrPair, ceilMode: boolean, returnIndices: boolean) =>
    maxPool2d(x, k, { stride, padding, dilation, ceilMode, returnIndices })) as WithIndices<IntOrPair, MaxPool2dOptions> & Fn<typeof MAX_POOL2D>,
  maxPool1d: defineF(MAX_POOL1D, (x: Tensor, k: IntOrSingle, stride: IntOrSingle | null, padding: IntOrSingle, dilation: IntOrSingle, ceilMode: boolean, returnIndices: boolean) =>
    maxPool1d(x, k, { stride, padding, dilation, ceilMode, returnIndices })) as WithIndices<IntOrSingle, MaxPool1dOptions> & Fn<typeof MAX_POOL1D>,
  avgPool2d: defineF(
    "avgPool2d(Tensor input, int[2] kernelSize, int[2]? stride=null, int[2] padding=0, bool ceilMode=false, bool countIncludePad=true, int? divisorOverride=null) -> Tensor",
    (x: Tensor, k: IntOrPair, stride: IntOrPair | null, padding: IntOrPair, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null) =>
      avgPool2d(x, k, { stride, padding, ceilMode, countIncludePad, divisorOverride }),
  ),
  avgPool1d: defineF(
    "avgPool1d(Tensor input, int[1] kernelSize, int[1]? stride=null, int[1] padding=0, bool ceilMode=false, bool countIncludePad=true) -> Tensor",
    (x: Tensor, k: IntOrSingle, stride: IntOrSingle | null, padding: IntOrSingle, ceilMode: boolean, countIncludePad: boolean) =>
      avgPool1d(x, k, { stride, padding, ceilMode, countIncludePad }),
  ),
  // an output size may leave a dim as it is with null ([null, 7]), so the list is checked here
  adaptiveAvgPool2d: defineF("adaptiveAvgPool2d(Tensor input, int|Any[2] outputSize) -> Tensor", (x: Tensor, size: AdaptiveSize2d) => adaptiveAvgPool2d(x, size)),
  adaptiveAvgPool1d: defineF("adaptiveAvgPool1d(Tensor input, int[1] outputSize) -> Tensor", (x: Tensor, size: number | number[]) =>
    adaptiveAvgPool1d(x, typeof size === "number" ? size : size[0]!)),
};

/**
 * @internal One dim of a pooling window as this file computes it (output length per torch's
 * pooling_output_shape, with ceil mode), for the 3-D poolings built on the 2-D ones.
 */
export function _poolAxis(op: string, size: number, k: number, s: number, p: number, d: number, ceil: boolean): { out: number } {
  return axis(op, size, k, s, p, d, ceil);
}

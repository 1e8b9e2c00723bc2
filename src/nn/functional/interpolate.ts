/**
 * F.interpolate (and the deprecated F.upsample, F.upsampleNearest, F.upsampleBilinear):
 * resizing 3-D, 4-D and 5-D inputs [N, C, *spatial] with PyTorch 1.13's modes and index
 * arithmetic. Every mode is separable, so each spatial axis is resampled on its own
 * (resample.ts: one gather primitive and a weighted sum per axis). This file computes the
 * taps exactly as PyTorch's CPU kernels compute their source indices and weights, including
 * where they do it in float32 (nearest always; the linear and cubic modes for float32
 * inputs), so the same pixels are picked.
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { isFloating } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import { adaptiveTaps, resample, type Taps } from "./resample.js";

export type InterpolateMode = "nearest" | "linear" | "bilinear" | "bicubic" | "trilinear" | "area" | "nearest-exact";

export interface InterpolateOptions {
  /** The output's spatial size (one int for every dim, or one per dim). */
  size?: number | readonly number[] | null;
  /** Multiplier of the spatial size (one for every dim, or one per dim). */
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  /** linear modes only (default false): map corner pixel centres onto each other. */
  alignCorners?: boolean | null;
  /** Compute the output size from scaleFactor, then interpolate as if that size was given. */
  recomputeScaleFactor?: boolean | null;
  /** bilinear/bicubic on 4-D inputs: low-pass filter when downsampling (as PIL). */
  antialias?: boolean;
}

type Round = (v: number) => number;
const identity: Round = (v) => v;

/** PyTorch's area_pixel_compute_scale: input/output ratio (or (in-1)/(out-1) with alignCorners). */
function computeScale(R: Round, size: number, out: number, align: boolean, scale: number | null): number {
  if (align) return out > 1 ? R((size - 1) / (out - 1)) : 0;
  return scale !== null && scale > 0 ? R(1 / scale) : R(size / out);
}

/** PyTorch's area_pixel_compute_source_index. */
function sourceIndex(R: Round, scale: number, o: number, align: boolean, cubic: boolean): number {
  if (align) return R(scale * o);
  const src = R(scale * (o + 0.5) - 0.5);
  return !cubic && src < 0 ? 0 : src;
}

function nearestTaps(size: number, out: number, scale: number | null, exact: boolean): Taps {
  const index = new Int32Array(out);
  // PyTorch 1.13's CPU kernels do this index math in float32, with no shortcut for
  // same-size or double-size outputs: a given scale factor is always used
  const s = Math.fround(scale !== null && scale > 0 ? 1 / scale : size / out);
  for (let o = 0; o < out; o++) index[o] = Math.min(Math.floor(Math.fround(exact ? (o + 0.5) * s : o * s)), size - 1);
  return { size, out, k: 1, index, weight: null };
}

function linearTaps(R: Round, size: number, out: number, scale: number | null, align: boolean): Taps {
  const index = new Int32Array(2 * out), weight = new Float64Array(2 * out);
  const s = computeScale(R, size, out, align, scale);
  for (let o = 0; o < out; o++) {
    if (out === size) {
      // PyTorch copies when the sizes match, whatever the scale factor
      index[o] = index[out + o] = o;
      weight[o] = 1;
      continue;
    }
    const real = sourceIndex(R, s, o, align, false);
    const i0 = Math.trunc(real);
    const lambda1 = R(real - i0);
    index[o] = i0;
    index[out + o] = i0 + (i0 < size - 1 ? 1 : 0);
    weight[o] = R(1 - lambda1);
    weight[out + o] = lambda1;
  }
  return { size, out, k: 2, index, weight };
}

/** Keys' cubic convolution kernel, as PyTorch's get_cubic_upsample_coefficients (A = -0.75). */
function cubicCoefficients(t: number, A: number): [number, number, number, number] {
  const near = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const far = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

function cubicTaps(R: Round, size: number, out: number, scale: number | null, align: boolean): Taps {
  const index = new Int32Array(4 * out), weight = new Float64Array(4 * out);
  const s = computeScale(R, size, out, align, scale);
  for (let o = 0; o < out; o++) {
    const real = sourceIndex(R, s, o, align, true);
    const i0 = Math.floor(real);
    const c = cubicCoefficients(R(real - i0), -0.75);
    for (let j = 0; j < 4; j++) {
      // borders repeat the edge pixel
      index[j * out + o] = Math.min(Math.max(i0 - 1 + j, 0), size - 1);
      weight[j * out + o] = R(c[j]!);
    }
  }
  return { size, out, k: 4, index, weight };
}

/** The antialiasing filters (PIL's): triangle for bilinear, Keys' cubic with a = -0.5 for bicubic. */
function aaFilter(cubic: boolean, x: number): number {
  const v = Math.abs(x);
  if (!cubic) return v < 1 ? 1 - v : 0;
  const a = -0.5;
  if (v < 1) return ((a + 2) * v - (a + 3)) * v * v + 1;
  if (v < 2) return (((v - 5) * v + 8) * v - 4) * a;
  return 0;
}

/**
 * Antialiased taps (PyTorch's _upsample_*_aa, after PIL): when downsampling the filter is
 * widened by the scale, so every input pixel contributes; weights are normalised per output.
 */
function antialiasTaps(R: Round, size: number, out: number, scale: number | null, align: boolean, cubic: boolean): Taps {
  const s = computeScale(R, size, out, align, scale);
  const interp = cubic ? 4 : 2;
  const support = s >= 1 ? interp * 0.5 * s : interp * 0.5;
  const invscale = s >= 1 ? 1 / s : 1;
  const windows: { xmin: number; w: number[] }[] = [];
  let k = 1;
  for (let o = 0; o < out; o++) {
    const center = s * (o + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), size) - xmin;
    const w = Array.from({ length: Math.max(xsize, 0) }, (_, j) => aaFilter(cubic, (j + xmin - center + 0.5) * invscale));
    const total = w.reduce((a, b) => a + b, 0);
    windows.push({ xmin, w: total !== 0 ? w.map((v) => v / total) : w });
    k = Math.max(k, w.length);
  }
  const index = new Int32Array(k * out), weight = new Float64Array(k * out);
  windows.forEach(({ xmin, w }, o) => {
    for (let j = 0; j < k; j++) {
      index[j * out + o] = j < w.length ? xmin + j : Math.min(xmin, size - 1);
      weight[j * out + o] = j < w.length ? R(w[j]!) : 0;
    }
  });
  return { size, out, k, index, weight };
}

const SPATIAL: Record<InterpolateMode, number | null> = { nearest: null, "nearest-exact": null, area: null, linear: 1, bilinear: 2, trilinear: 3, bicubic: 2 };

/** Normalises size or scaleFactor (one value or one per dim) to one per spatial dim, with PyTorch's checks. */
function perDim<T>(op: string, what: "size" | "scaleFactor", v: T | readonly T[], x: Tensor, dims: number): T[] {
  if (!Array.isArray(v)) return new Array<T>(dims).fill(v as T);
  if (v.length !== dims) {
    const name = what === "size" ? "output size" : "scale_factor of shape";
    throw new ShapeError(`${op}: Input and ${what === "size" ? "output" : "scale_factor"} must have the same number of spatial dimensions, but got input with spatial dimensions of ${fmtShape(x.shape.slice(2))} and ${name} ${fmtShape(v as unknown as number[])}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and ${what === "size" ? "output size in (o1, o2, ...,oK)" : "scale_factor in (s1, s2, ...,sK)"} format.`);
  }
  return [...(v as readonly T[])];
}

/**
 * Resizes x [N, C, *spatial] (1 to 3 spatial dims) to `size` or by `scaleFactor`, as
 * torch.nn.functional.interpolate: "nearest" (PyTorch's legacy nearest: floor(o · in/out)),
 * "nearest-exact" (pixel centres), "linear"/"bilinear"/"trilinear" (3-/4-/5-D), "bicubic"
 * (4-D), "area" (adaptive average pooling). Given a scaleFactor, PyTorch uses 1/scaleFactor
 * as the coordinate scale unless recomputeScaleFactor is true; so does this.
 * @example F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }) // [N, C, 16, 16] -> [N, C, 32, 32]
 */
export function interpolate(x: Tensor, opts: InterpolateOptions = {}): Tensor {
  const op = "interpolate";
  const mode = opts.mode ?? "nearest";
  if (!(mode in SPATIAL)) throw new FluxionError(`${op}: unknown mode ${JSON.stringify(mode)}; expected one of ${Object.keys(SPATIAL).join(", ")}`);
  const linearish = SPATIAL[mode] !== null;
  let align = opts.alignCorners ?? null;
  if (!linearish && align !== null) {
    throw new FluxionError(`${op}: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear (got mode ${JSON.stringify(mode)})`);
  }
  const dims = x.ndim - 2;
  if (dims < 1 || dims > 3) {
    throw new ShapeError(`${op}: Input Error: Only 3D, 4D and 5D input Tensors supported (got ${x.ndim}D, shape ${fmtShape(x.shape)}) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got ${mode})`);
  }
  const size = opts.size ?? null, scaleFactor = opts.scaleFactor ?? null;
  if (size !== null && scaleFactor !== null) throw new FluxionError(`${op}: only one of size or scaleFactor should be defined`);
  if (size === null && scaleFactor === null) throw new FluxionError(`${op}: either size or scaleFactor should be defined`);
  let recompute = opts.recomputeScaleFactor ?? null;
  if (recompute && size !== null) throw new FluxionError(`${op}: recomputeScaleFactor is not meaningful with an explicit size.`);
  const inSize = x.shape.slice(2);
  let outSize: number[];
  let scales: (number | null)[] = inSize.map(() => null);
  if (size !== null) {
    outSize = perDim(op, "size", size, x, dims);
    if (!outSize.every((s) => Number.isInteger(s))) throw new ShapeError(`${op}: size must be integers, got ${JSON.stringify(size)}`);
  } else {
    const sf = perDim(op, "scaleFactor", scaleFactor!, x, dims);
    if (!sf.every((s) => typeof s === "number" && Number.isFinite(s))) throw new FluxionError(`${op}: scaleFactor must be finite numbers, got ${JSON.stringify(scaleFactor)}`);
    // "area" always works from an output size
    if (mode === "area") recompute = true;
    outSize = inSize.map((s, i) => Math.floor(s * sf[i]!));
    if (!recompute) scales = sf;
  }
  if (opts.antialias && !((mode === "bilinear" || mode === "bicubic") && x.ndim === 4)) {
    throw new FluxionError(`${op}: Anti-alias option is only supported for bilinear and bicubic modes (got mode ${JSON.stringify(mode)} with a ${x.ndim}D input)`);
  }
  const want = SPATIAL[mode];
  if (want !== null && want !== dims) {
    const needs = mode === "bicubic" ? 4 : want + 2;
    throw new ShapeError(`${op}: Got ${x.ndim}D input (shape ${fmtShape(x.shape)}), but ${mode} mode needs ${needs}D input`);
  }
  if (outSize.some((s) => s <= 0) || inSize.some((s) => s <= 0)) {
    const names = dims === 1 ? ["W"] : dims === 2 ? ["H", "W"] : ["D", "H", "W"];
    const fmt = (v: number[]) => v.map((s, i) => `${names[i]}: ${s}`).join(", ");
    throw new ShapeError(`${op}: Input and output sizes should be greater than 0, but got input (${fmt(inSize)}) output (${fmt(outSize)})`);
  }
  if (mode !== "nearest" && mode !== "nearest-exact" && !isFloating(x.dtype)) {
    throw new FluxionError(`${op}: mode ${JSON.stringify(mode)} needs a floating point input, got ${x.dtype}`);
  }
  align ??= false;
  // PyTorch computes float32 inputs' linear and cubic source indices in float32
  const R: Round = x.dtype === "float64" ? identity : Math.fround;
  const taps = inSize.map((n, i): Taps => {
    const out = outSize[i]!, scale = scales[i]!;
    switch (mode) {
      case "nearest": return nearestTaps(n, out, scale, false);
      case "nearest-exact": return nearestTaps(n, out, scale, true);
      case "area": return adaptiveTaps(n, out);
      case "bicubic": return opts.antialias ? antialiasTaps(R, n, out, scale, align!, true) : cubicTaps(R, n, out, scale, align!);
      default: return opts.antialias ? antialiasTaps(R, n, out, scale, align!, false) : linearTaps(R, n, out, scale, align!);
    }
  });
  return resample(x, inSize.map((_, i) => 2 + i), taps);
}

type Sizes = number | number[] | null;
type Scales = number | number[] | null;

const warned = new Set<string>();
function deprecated(name: string, instead: string): void {
  if (warned.has(name)) return;
  warned.add(name);
  console.warn(`fluxion: F.${name} is deprecated (as in PyTorch); use ${instead} instead`);
}

/** The declared forms (torch.nn.functional's signatures and positional order). */
export const INTERPOLATE_FNS = {
  interpolate: defineF(
    'interpolate(Tensor input, int[]? size=null, float|float[]? scaleFactor=null, "nearest"|"linear"|"bilinear"|"bicubic"|"trilinear"|"area"|"nearest-exact" mode="nearest", bool? alignCorners=null, bool? recomputeScaleFactor=null, bool antialias=false) -> Tensor',
    (x: Tensor, size: Sizes, scaleFactor: Scales, mode: InterpolateMode, alignCorners: boolean | null, recomputeScaleFactor: boolean | null, antialias: boolean) =>
      interpolate(x, { size, scaleFactor, mode, alignCorners, recomputeScaleFactor, antialias }),
  ),
  upsample: defineF(
    'upsample(Tensor input, int[]? size=null, float|float[]? scaleFactor=null, "nearest"|"linear"|"bilinear"|"bicubic"|"trilinear"|"area"|"nearest-exact" mode="nearest", bool? alignCorners=null) -> Tensor',
    (x: Tensor, size: Sizes, scaleFactor: Scales, mode: InterpolateMode, alignCorners: boolean | null) => {
      deprecated("upsample", "F.interpolate");
      return interpolate(x, { size, scaleFactor, mode, alignCorners });
    },
  ),
  upsampleNearest: defineF("upsampleNearest(Tensor input, int[]? size=null, float|float[]? scaleFactor=null) -> Tensor", (x: Tensor, size: Sizes, scaleFactor: Scales) => {
    deprecated("upsampleNearest", 'F.interpolate(x, { mode: "nearest" })');
    return interpolate(x, { size, scaleFactor, mode: "nearest" });
  }),
  upsampleBilinear: defineF("upsampleBilinear(Tensor input, int[]? size=null, float|float[]? scaleFactor=null) -> Tensor", (x: Tensor, size: Sizes, scaleFactor: Scales) => {
    deprecated("upsampleBilinear", 'F.interpolate(x, { mode: "bilinear", alignCorners: true })');
    return interpolate(x, { size, scaleFactor, mode: "bilinear", alignCorners: true });
  }),
};

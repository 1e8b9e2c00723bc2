/**
 * F.avgPool3d and F.maxPool3d over [N, C, D, H, W] (or unbatched [C, D, H, W]), built from
 * the 2-D poolings: a box window is separable, so the (H, W) windows are pooled first (the
 * depth slices as channels), then the depth windows (a [kd, 1] window over [D, oh·ow]).
 * Sums and divisors are products along the dims, maxima the max of the maxima, and the
 * first maximum in (d, h, w) order still wins ties, so values, indices and gradients are
 * PyTorch's. Output sizes, padding limits and ceil mode follow torch's pooling_output_shape.
 */
import { dispatch } from "../../backend/dispatcher.js";
import { ShapeError, fmtShape } from "../../errors.js";
import { tensor } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Fn } from "../../api/types.js";
import { _tupleOf } from "./conv.js";
import type { IntOrTriple } from "./conv3d.js";
import { defineF } from "./define.js";
import { _poolAxis, avgPool2d, maxPool2d } from "./pooling.js";

export interface AvgPool3dOptions {
  /** Default: kernelSize. */
  stride?: IntOrTriple | null;
  padding?: IntOrTriple;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window sum by this instead of the window size. */
  divisorOverride?: number | null;
}
export interface MaxPool3dOptions {
  stride?: IntOrTriple | null;
  padding?: IntOrTriple;
  dilation?: IntOrTriple;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

interface Geometry3d {
  x5: Tensor;
  unbatched: boolean;
  size: number[];
  k: number[];
  s: number[];
  p: number[];
  d: number[];
  out: number[];
}

function geometry3d(op: string, x: Tensor, kernelSize: IntOrTriple, stride: IntOrTriple | null | undefined, padding: IntOrTriple, dilation: IntOrTriple, ceil: boolean): Geometry3d {
  if (x.ndim !== 4 && x.ndim !== 5) throw new ShapeError(`${op}: expected a 4-D or 5-D input [N, C, D, H, W], got shape ${fmtShape(x.shape)}`);
  const k = _tupleOf(op, "kernelSize", kernelSize, 3, 1);
  const s = stride === null || stride === undefined ? k : _tupleOf(op, "stride", stride, 3, 1);
  const p = _tupleOf(op, "padding", padding, 3);
  const d = _tupleOf(op, "dilation", dilation, 3, 1);
  if (p.some((v, i) => v > Math.floor(k[i]! / 2))) {
    throw new ShapeError(`${op}: pad should be smaller than or equal to half of kernel size, but got padding (${p.join(", ")}) for kernel size (${k.join(", ")})`);
  }
  const unbatched = x.ndim === 4;
  const x5 = unbatched ? x.unsqueeze(0) : x;
  const size = x5.shape.slice(2);
  const out = size.map((n, i) => _poolAxis(op, n, k[i]!, s[i]!, p[i]!, d[i]!, ceil).out);
  if (out.some((o) => o < 1)) {
    throw new ShapeError(`${op}: Given input size: (${x5.shape[1]}x${size.join("x")}). Calculated output size: (${x5.shape[1]}x${out.join("x")}). Output size is too small (kernel (${k.join(", ")}), stride (${s.join(", ")}), padding (${p.join(", ")}), dilation (${d.join(", ")}))`);
  }
  return { x5, unbatched, size, k, s, p, d, out };
}

function finish(g: Geometry3d, y: Tensor): Tensor {
  const [N, C] = g.x5.shape as [number, number];
  const out = y.reshape([N, C, ...g.out]);
  return g.unbatched ? out.squeeze(0) : out;
}

/** torch's avg_pool3d divisor along one dim for each output position. */
function divisorsAlong(size: number, k: number, s: number, p: number, out: number, countIncludePad: boolean): number[] {
  return Array.from({ length: out }, (_, o) => {
    const start = o * s - p;
    const end = Math.min(start + k, size + p);
    return countIncludePad ? end - start : Math.min(end, size) - Math.max(start, 0);
  });
}

/**
 * 3-D average pooling. The divisor is the window clipped to the padded input (countIncludePad,
 * the default) or the number of real input elements, or divisorOverride.
 * @example F.avgPool3d(x, 2) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]
 */
export function avgPool3d(x: Tensor, kernelSize: IntOrTriple, opts?: AvgPool3dOptions): Tensor {
  const op = "avgPool3d";
  const ceilMode = opts?.ceilMode ?? false;
  const g = geometry3d(op, x, kernelSize, opts?.stride, opts?.padding ?? 0, 1, ceilMode);
  const override = opts?.divisorOverride;
  if (override !== undefined && override !== null && (!Number.isFinite(override) || override === 0)) {
    throw new ShapeError(`${op}: divisorOverride must be a non-zero number, got ${override}`);
  }
  const [N, C] = g.x5.shape as [number, number];
  const [D, H, W] = g.size as [number, number, number];
  const [od, oh, ow] = g.out as [number, number, number];
  // window sums: (H, W) windows with the depth slices as channels, then the depth windows
  const hw = avgPool2d(g.x5.reshape([N * C, D, H, W]), [g.k[1]!, g.k[2]!], { stride: [g.s[1]!, g.s[2]!], padding: [g.p[1]!, g.p[2]!], ceilMode, divisorOverride: 1 });
  const sums = avgPool2d(hw.reshape([N * C, 1, D, oh * ow]), [g.k[0]!, 1], { stride: [g.s[0]!, 1], padding: [g.p[0]!, 0], ceilMode, divisorOverride: 1 });
  if (override !== undefined && override !== null) return finish(g, sums.div(override));
  const include = opts?.countIncludePad ?? true;
  const [dd, dh, dw] = [0, 1, 2].map((i) => divisorsAlong(g.size[i]!, g.k[i]!, g.s[i]!, g.p[i]!, g.out[i]!, include));
  const divisors = new Float64Array(od * oh * ow);
  dd!.forEach((a, i) => dh!.forEach((b, j) => dw!.forEach((c, l) => (divisors[(i * oh + j) * ow + l] = a * b * c))));
  const first = divisors[0]!;
  if (divisors.every((v) => v === first)) return finish(g, sums.div(first));
  return finish(g, sums.div(tensor(divisors, { shape: [od, oh * ow], dtype: sums.dtype, device: sums.device })));
}

/**
 * 3-D max pooling; padding counts as -inf. With returnIndices returns [output, indices],
 * indices being flat positions d·H·W + h·W + w in each input volume (int32), as torch's.
 * @example F.maxPool3d(x, 2) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]
 */
export function maxPool3d(x: Tensor, kernelSize: IntOrTriple, opts?: MaxPool3dOptions & { returnIndices?: false }): Tensor;
export function maxPool3d(x: Tensor, kernelSize: IntOrTriple, opts: MaxPool3dOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool3d(x: Tensor, kernelSize: IntOrTriple, opts?: MaxPool3dOptions): Tensor | [Tensor, Tensor];
export function maxPool3d(x: Tensor, kernelSize: IntOrTriple, opts?: MaxPool3dOptions): Tensor | [Tensor, Tensor] {
  const op = "maxPool3d";
  const ceilMode = opts?.ceilMode ?? false;
  const g = geometry3d(op, x, kernelSize, opts?.stride, opts?.padding ?? 0, opts?.dilation ?? 1, ceilMode);
  const [N, C] = g.x5.shape as [number, number];
  const [D, H, W] = g.size as [number, number, number];
  const [od, oh, ow] = g.out as [number, number, number];
  const NC = N * C, L = oh * ow;
  const [hwMax, hwIdx] = maxPool2d(g.x5.reshape([NC, D, H, W]), [g.k[1]!, g.k[2]!], {
    stride: [g.s[1]!, g.s[2]!], padding: [g.p[1]!, g.p[2]!], dilation: [g.d[1]!, g.d[2]!], ceilMode, returnIndices: true,
  });
  // ties: the first depth with the maximum wins, and within it the first (h, w): torch's (d, h, w) scan order
  const [values, dIdx] = maxPool2d(hwMax.reshape([NC, 1, D, L]), [g.k[0]!, 1], {
    stride: [g.s[0]!, 1], padding: [g.p[0]!, 0], dilation: [g.d[0]!, 1], ceilMode, returnIndices: true,
  });
  const y = finish(g, values);
  if (!opts?.returnIndices) return y;
  // dIdx = d·L + j (j the output's (h, w) column): the winner's (h, w) index is hwIdx there, and its depth offset d·H·W comes from a table
  const flatWin = dIdx.reshape([NC, od * L]);
  const inner = dispatch("gather", [hwIdx.reshape([NC, D * L]), flatWin], { axis: 1 });
  const depthTable = Int32Array.from({ length: D * L }, (_, q) => Math.floor(q / L) * H * W);
  const table = tensor(depthTable, { shape: [1, D * L], dtype: "int32", device: x.device }).expand([NC, D * L]);
  const indices = finish(g, dispatch("gather", [table, flatWin], { axis: 1 }).add(inner));
  return [y, indices];
}

// ---- the declared forms ------------------------------------------------------------------

const MAX_POOL3D = "maxPool3d(Tensor input, int[3] kernelSize, int[3]? stride=null, int[3] padding=0, int[3] dilation=1, bool ceilMode=false, bool returnIndices=false) -> Tensor";
type Opt<T> = T | undefined;
/** With returnIndices true the result is [output, indices] (the declaration's types say Tensor). */
type WithIndices = {
  (input: Tensor, kernelSize: IntOrTriple, opts: MaxPool3dOptions & { returnIndices: true }): [Tensor, Tensor];
  (input: Tensor, kernelSize: IntOrTriple, stride: Opt<IntOrTriple | null>, padding: Opt<IntOrTriple>, dilation: Opt<IntOrTriple>, ceilMode: Opt<boolean>, returnIndices: true): [Tensor, Tensor];
};

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const POOLING3D_FNS = {
  avgPool3d: defineF(
    "avgPool3d(Tensor input, int[3] kernelSize, int[3]? stride=null, int[3] padding=0, bool ceilMode=false, bool countIncludePad=true, int? divisorOverride=null) -> Tensor",
    (x: Tensor, k: IntOrTriple, stride: IntOrTriple | null, padding: IntOrTriple, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null) =>
      avgPool3d(x, k, { stride, padding, ceilMode, countIncludePad, divisorOverride }),
  ),
  maxPool3d: defineF(MAX_POOL3D, (x: Tensor, k: IntOrTriple, stride: IntOrTriple | null, padding: IntOrTriple, dilation: IntOrTriple, ceilMode: boolean, returnIndices: boolean) =>
    maxPool3d(x, k, { stride, padding, dilation, ceilMode, returnIndices })) as WithIndices & Fn<typeof MAX_POOL3D>,
};

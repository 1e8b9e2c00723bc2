/**
 * F.adaptiveAvgPool3d and F.adaptiveMaxPool1d/2d/3d: pooling to a fixed output size with
 * PyTorch's windows (output i of a dim covers [floor(i·n/out), ceil((i+1)·n/out))). A box
 * window is separable, so each spatial dim is pooled on its own (resample.ts): averages by
 * weighted taps, maxima by a max over the taps that also tracks where the winner came from,
 * which gives torch's flat indices (first maximum in row-major order) for returnIndices.
 */
import { ShapeError, fmtShape } from "../../errors.js";
import { checkNumel } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Fn } from "../../api/types.js";
import { defineF } from "./define.js";
import { adaptiveTaps, maxAxis, resample } from "./resample.js";

export type AdaptiveSize = number | null | readonly (number | null)[];

const DIMS = ["[N, C, L]", "[N, C, H, W]", "[N, C, D, H, W]"];

/** The output size per spatial dim (null keeps the input's), checked. */
function outputSizes(op: string, x: Tensor, n: number, outputSize: AdaptiveSize): number[] {
  if (x.ndim !== n + 1 && x.ndim !== n + 2) throw new ShapeError(`${op}: expected a ${n + 1}-D or ${n + 2}-D input ${DIMS[n - 1]}, got shape ${fmtShape(x.shape)}`);
  const inSize = x.shape.slice(-n);
  const req = Array.isArray(outputSize) ? [...outputSize] : new Array<number | null>(n).fill(outputSize as number | null);
  if (req.length !== n) throw new ShapeError(`${op}: outputSize must be an integer or ${n} integers (or null), got ${JSON.stringify(outputSize)}`);
  const out = req.map((v, i) => v ?? inSize[i]!);
  if (!out.every((v) => Number.isInteger(v) && v >= 1)) throw new ShapeError(`${op}: outputSize must be positive integers, got ${JSON.stringify(outputSize)}`);
  if (inSize.some((v) => v === 0)) throw new ShapeError(`${op}: expected non-empty spatial dims, got input shape ${fmtShape(x.shape)}`);
  // the windows' tables have one entry per output position, even for an empty batch
  checkNumel(op, out, x.dtype);
  checkNumel(op, [...x.shape.slice(0, -n), ...out], x.dtype);
  return out;
}

/**
 * Adaptive average pooling over the last three dims of [N, C, D, H, W] (or [C, D, H, W]).
 * @example F.adaptiveAvgPool3d(x, [1, 7, 7]) // [N, C, D, H, W] -> [N, C, 1, 7, 7]
 */
export function adaptiveAvgPool3d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  const out = outputSizes("adaptiveAvgPool3d", x, 3, outputSize);
  const axes = [x.ndim - 3, x.ndim - 2, x.ndim - 1];
  return resample(x, axes, axes.map((a, i) => adaptiveTaps(x.shape[a]!, out[i]!)));
}

function adaptiveMax(op: string, n: number, x: Tensor, outputSize: AdaptiveSize, returnIndices: boolean): Tensor | [Tensor, Tensor] {
  const out = outputSizes(op, x, n, outputSize);
  const first = x.ndim - n;
  let values = x;
  let carried: Tensor[] = [];
  // last dim first: its winners' positions are carried along as the earlier dims pick theirs
  for (let i = n - 1; i >= 0; i--) {
    const r = maxAxis(values, first + i, adaptiveTaps(x.shape[first + i]!, out[i]!), carried);
    values = r.values;
    carried = [r.positions, ...r.carried];
  }
  if (!returnIndices) return values;
  // carried[i] is the winner's position along dim i: the flat index in row-major order
  const inSize = x.shape.slice(first);
  let flat = carried[0]!;
  for (let i = 1; i < n; i++) flat = flat.mul(inSize[i]!).add(carried[i]!);
  return [values, flat];
}

/**
 * Adaptive max pooling over the last dim of [N, C, L] (or [C, L]); with returnIndices also
 * the int32 positions of the maxima.
 * @example F.adaptiveMaxPool1d(x, 4) // [N, C, 10] -> [N, C, 4]
 */
export function adaptiveMaxPool1d(x: Tensor, outputSize: AdaptiveSize, opts?: { returnIndices?: boolean }): any {
  return adaptiveMax("adaptiveMaxPool1d", 1, x, outputSize, opts?.returnIndices ?? false);
}
/**
 * Adaptive max pooling over the last two dims; indices are flat h·W + w, as torch's.
 * @example F.adaptiveMaxPool2d(x, [5, 7]) // [N, C, H, W] -> [N, C, 5, 7]
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: AdaptiveSize, opts?: { returnIndices?: boolean }): any {
  return adaptiveMax("adaptiveMaxPool2d", 2, x, outputSize, opts?.returnIndices ?? false);
}
/**
 * Adaptive max pooling over the last three dims; indices are flat d·H·W + h·W + w.
 * @example F.adaptiveMaxPool3d(x, 2) // [N, C, D, H, W] -> [N, C, 2, 2, 2]
 */
export function adaptiveMaxPool3d(x: Tensor, outputSize: AdaptiveSize, opts?: { returnIndices?: boolean }): any {
  return adaptiveMax("adaptiveMaxPool3d", 3, x, outputSize, opts?.returnIndices ?? false);
}

// ---- the declared forms ------------------------------------------------------------------

const AMP1 = "adaptiveMaxPool1d(Tensor input, int[1] outputSize, bool returnIndices=false) -> Tensor";
// output sizes may leave a dim as it is with null ([null, 7]), so the list is checked here
const AMP2 = "adaptiveMaxPool2d(Tensor input, int|Any[2] outputSize, bool returnIndices=false) -> Tensor";
const AMP3 = "adaptiveMaxPool3d(Tensor input, int|Any[3] outputSize, bool returnIndices=false) -> Tensor";
/** With returnIndices true the result is [output, indices] (the declaration's types say Tensor). */
type WithIndices<S> = {
  (input: Tensor, outputSize: S, opts: { returnIndices: true }): [Tensor, Tensor];
  (input: Tensor, outputSize: S, returnIndices: true): [Tensor, Tensor];
};
type Sizes = number | readonly (number | null)[];

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const ADAPTIVE_FNS = {
  adaptiveAvgPool3d: defineF("adaptiveAvgPool3d(Tensor input, int|Any[3] outputSize) -> Tensor", (x: Tensor, size: Sizes) => adaptiveAvgPool3d(x, size)),
  adaptiveMaxPool1d: defineF(AMP1, (x: Tensor, size: number | number[], returnIndices: boolean) => adaptiveMaxPool1d(x, size, { returnIndices })) as WithIndices<number | readonly [number]> & Fn<typeof AMP1>,
  adaptiveMaxPool2d: defineF(AMP2, (x: Tensor, size: Sizes, returnIndices: boolean) => adaptiveMaxPool2d(x, size, { returnIndices })) as WithIndices<Sizes> & Fn<typeof AMP2>,
  adaptiveMaxPool3d: defineF(AMP3, (x: Tensor, size: Sizes, returnIndices: boolean) => adaptiveMaxPool3d(x, size, { returnIndices })) as WithIndices<Sizes> & Fn<typeof AMP3>,
};

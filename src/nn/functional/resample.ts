/**
 * Separable resampling along one axis at a time, the engine under F.interpolate and the
 * adaptive poolings: each output position o of an axis reads K input positions ("taps")
 * index[k][o] with weights weight[k][o], so
 *
 *   out[..., o, ...] = Σ_k weight[k][o] · x[..., index[k][o], ...]
 *
 * (nearest: K = 1 and no weights; linear: K = 2; cubic: K = 4; area and antialiased
 * filters: the widest window, narrower ones padded with zero weights). The taps depend only
 * on the sizes, so they are computed on the host; the data never leaves the device: one
 * resample primitive per axis (a fused primitive whose decomposition is the gather, a
 * multiply and a sum over K; the CPU runs it as one native pass). Its gradient is the same
 * primitive transposed (the scatter-add of the weighted gradient), whose gradient is the
 * forward again, so every mode is differentiable, twice too.
 * Max variants (adaptive max pooling) take the max over the K taps instead of a weighted sum.
 */
import { dispatch } from "../../backend/dispatcher.js";
import type { BackwardFn } from "../../autograd/node.js";
import { record1 } from "../../autograd/record.js";
import { _scatterAddTrusted } from "../../ops/advanced_indexing.js";
import { tensor, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";

/** The taps of one axis: K index/weight rows (k-major, K·out entries each) over an input of `size`. */
export interface Taps {
  size: number;
  out: number;
  k: number;
  index: Int32Array;
  /** null: one tap of weight 1 (nearest). */
  weight: Float64Array | null;
}

/** Taps that copy the axis unchanged. */
export function isIdentity(t: Taps): boolean {
  if (t.out !== t.size || t.k !== 1) return false;
  for (let o = 0; o < t.out; o++) if (t.index[o] !== o || (t.weight && t.weight[o] !== 1)) return false;
  return true;
}

function gatherAxisBackward(axis: number, inShape: readonly number[]): BackwardFn {
  return ([g], [idx]) => {
    const zero = zeros(inShape.map(() => 1), { dtype: g!.dtype, device: g!.device }).expand(inShape); // a fill, not a copy
    return [_scatterAddTrusted(zero, axis, idx!, g!)];
  };
}

/**
 * x's entries at `index` (host int32, in range by construction) along `axis`: one gather
 * primitive, with the index broadcast (not copied) over the other dims.
 */
export function gatherAxis(x: Tensor, axis: number, index: Int32Array): Tensor {
  const outShape = x.shape.map((s, d) => (d === axis ? index.length : s));
  const idx = tensor(index, { shape: [index.length], dtype: "int32", device: x.device })
    .reshape(outShape.map((s, d) => (d === axis ? s : 1)))
    .expand(outShape);
  const out = dispatch("gather", [x, idx], { axis });
  return record1("IndexSelectBackward0", [x], out, [idx], gatherAxisBackward(axis, x.shape));
}

/**
 * The resample primitive along `axis` with host taps (index [K, out], weight [K, out] or none),
 * forward or transposed (the gradient), recorded for autograd: each direction's gradient is
 * the other, with the same taps.
 */
function resampleOp(x: Tensor, axis: number, size: number, index: Tensor, weight: Tensor | null, transpose: boolean): Tensor {
  const out = dispatch("resample", weight ? [x, index, weight] : [x, index], { axis, size, transpose });
  return record1(transpose ? "UpsampleBackward0" : "UpsampleForward0", [x], out, [], ([g]) => [resampleOp(g!, axis, size, index, weight, !transpose)]);
}

/** Applies one axis's taps (weighted sum over the K taps). */
export function resampleAxis(x: Tensor, axis: number, taps: Taps): Tensor {
  if (isIdentity(taps)) return x;
  const index = tensor(taps.index, { shape: [taps.k, taps.out], dtype: "int32", device: x.device });
  const weight = taps.weight ? tensor(taps.weight, { shape: [taps.k, taps.out], dtype: x.dtype, device: x.device }) : null;
  return resampleOp(x, axis, taps.size, index, weight, false);
}

/**
 * Resamples the trailing axes of x (axes[i] with taps[i]); axes that shrink most go first, so
 * the later gathers read the smaller tensor. Returns a new tensor even when nothing changes.
 */
export function resample(x: Tensor, axes: readonly number[], taps: readonly Taps[]): Tensor {
  const order = axes.map((a, i) => i).sort((i, j) => taps[i]!.out / taps[i]!.size - taps[j]!.out / taps[j]!.size);
  let y = x;
  for (const i of order) y = resampleAxis(y, axes[i]!, taps[i]!);
  return y === x ? x.clone() : y;
}

/**
 * Adaptive pooling windows of an axis, as PyTorch's: output i covers
 * [floor(i·size/out), ceil((i+1)·size/out)); each window's taps average it (weights 1/len),
 * narrower windows padded with their first index at weight 0.
 */
export function adaptiveTaps(size: number, out: number): Taps {
  const starts = new Int32Array(out), ends = new Int32Array(out);
  let k = 1;
  for (let i = 0; i < out; i++) {
    starts[i] = Math.floor((i * size) / out);
    ends[i] = Math.ceil(((i + 1) * size) / out);
    k = Math.max(k, ends[i]! - starts[i]!);
  }
  const index = new Int32Array(k * out), weight = new Float64Array(k * out);
  for (let i = 0; i < out; i++) {
    const len = ends[i]! - starts[i]!;
    for (let j = 0; j < k; j++) {
      index[j * out + i] = j < len ? starts[i]! + j : starts[i]!;
      weight[j * out + i] = j < len ? 1 / len : 0;
    }
  }
  return { size, out, k, index, weight };
}

/**
 * The max over an axis's taps (weights ignored; padded taps repeat an index of the same
 * window, so they never change the result), and which input position won: [values, positions],
 * positions int32 along `axis`. Ties go to the first tap, i.e. the lowest position.
 * `carried` are earlier axes' winning positions (same shape as x): they are moved along with
 * the winners, so after the last axis they say where along each axis the overall winner lies.
 */
export function maxAxis(x: Tensor, axis: number, taps: Taps, carried: Tensor[]): { values: Tensor; positions: Tensor; carried: Tensor[] } {
  const split = [...x.shape.slice(0, axis), taps.k, taps.out, ...x.shape.slice(axis + 1)];
  const [values, win] = gatherAxis(x, axis, taps.index).reshape(split).max(axis, true) as unknown as [Tensor, Tensor];
  // the winning tap's entry of an int32 [.., K, out, ..] tensor (no gradient to carry)
  const pick = (t: Tensor) => dispatch("gather", [t, win], { axis }).squeeze(axis);
  const table = tensor(taps.index, { shape: [taps.k, taps.out, ...new Array<number>(x.ndim - axis - 1).fill(1)], dtype: "int32", device: x.device });
  const positions = pick(table.expand(split));
  return {
    values: values.squeeze(axis),
    positions,
    carried: carried.map((c) => pick(gatherAxis(c, axis, taps.index).reshape(split))),
  };
}

/**
 * Host-side batch assembly for the data pipeline: gathering rows of a tensor by index and
 * stacking equally shaped tensors, as one typed-array copy each instead of an op per item.
 * Data loading runs before any compute (and torch's DataLoader does the same on the CPU),
 * so these copies are the cheap part; the results are ordinary tensors made by `fromHost`.
 */
import { dispatch } from "../backend/dispatcher.js";
import { DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { arrayFor, isHalf, type DType, type StorageArray } from "../tensor/dtype.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from "../tensor/half.js";
import type { Tensor } from "../tensor/tensor.js";

/** A tensor from its raw row-major elements (half dtypes as their 16-bit patterns, int64 as bigints). */
export function tensorFromRaw(raw: StorageArray, shape: readonly number[], dtype: DType, device = "cpu"): Tensor {
  let values: ArrayLike<number> | ArrayLike<bigint> = raw;
  if (isHalf(dtype)) {
    // fromHost takes values, not bit patterns; widening to float32 and back is exact
    const conv = dtype === "bfloat16" ? bfloat16BitsToFloat32 : float16BitsToFloat32;
    const f = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) f[i] = conv(raw[i] as number);
    values = f;
  }
  return dispatch("fromHost", [], { data: values, shape, dtype }, device);
}

/** Rows `indices` of `t` along dim 0, as a new tensor [indices.length, ...t.shape.slice(1)]. */
export function gatherRows(op: string, t: Tensor, indices: ArrayLike<number>): Tensor {
  if (t.ndim === 0) throw new ShapeError(`${op}: cannot index rows of a 0-d tensor`);
  const n = t.shape[0]!;
  const rest = t.shape.slice(1);
  const row = rest.reduce((a, b) => a * b, 1);
  const src = t._rawContiguous();
  const out = arrayFor(t.dtype, indices.length * row);
  for (let b = 0; b < indices.length; b++) {
    let i = indices[b]!;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new IndexError(`${op}: index ${i} is out of range for a dataset of ${n} items`);
    if (i < 0) i += n;
    if (row === 1) out[b] = src[i]!;
    else (out as Float64Array).set(src.subarray(i * row, (i + 1) * row) as Float64Array, b * row);
  }
  return tensorFromRaw(out, [indices.length, ...rest], t.dtype, t.device);
}

/** Stacks equally shaped tensors of one dtype along a new leading dim. */
export function stackTensors(op: string, items: readonly Tensor[]): Tensor {
  const first = items[0]!;
  const row = first.numel();
  const out = arrayFor(first.dtype, items.length * row);
  items.forEach((t, b) => {
    if (t.dtype !== first.dtype) throw new DTypeError(`${op}: cannot batch tensors of different dtypes (${first.dtype} at item 0, ${t.dtype} at item ${b})`);
    if (t.ndim !== first.ndim || t.shape.some((s, d) => s !== first.shape[d])) {
      throw new ShapeError(`${op}: stack expects each tensor to be equal size, but got ${fmtShape(first.shape)} at item 0 and ${fmtShape(t.shape)} at item ${b}; pad or resize them in a transform, or pass a collateFn`);
    }
    (out as Float64Array).set(t._rawContiguous() as Float64Array, b * row);
  });
  return tensorFromRaw(out, [items.length, ...first.shape], first.dtype, first.device);
}

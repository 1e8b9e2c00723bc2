/** CPU primitives that create tensors: full, range and fromHost (random: random.ts). */
import { isHalf, type DType } from "../../tensor/dtype.js";
import { float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";
import { toInt64 } from "../../ops/elementwise_int64.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";

/**
 * Stored representation of a value in a dtype (raw bits for the 16-bit floats, a bigint for
 * int64: truncated; a bigint value is taken as it is).
 */
export function encoder(dtype: DType): (v: number) => number {
  if (dtype === "bfloat16") return float32ToBFloat16Bits;
  if (dtype === "float16") return float32ToFloat16Bits;
  if (dtype === "bool") return (v) => (v !== 0 ? 1 : 0);
  if (dtype === "int64") return ((v: number | bigint) => (typeof v === "bigint" ? v : toInt64(v))) as unknown as (v: number) => number;
  // the other integer arrays truncate (and wrap) on store
  return (v) => v;
}

export function full(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["full"], device: string): Tensor[] {
  const out = alloc(attrs.shape, attrs.dtype, device, { zero: false });
  const v = typeof attrs.value === "bigint" && attrs.dtype !== "int64" ? Number(attrs.value) : attrs.value;
  (out.storage.data as Float64Array).fill(encoder(attrs.dtype)(v as number));
  return [out];
}

/** Elements of the integer dtypes a 32-byte vector holds: PyTorch's integer linspace works vector by vector. */
const LANES: Partial<Record<DType, number>> = { int32: 8, int64: 4, uint8: 32, int8: 32 };

export function range(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["range"], device: string): Tensor[] {
  const { start, step, n, end } = attrs;
  const out = alloc([n], attrs.dtype, device, { zero: false });
  const d = out.storage.data as Float64Array, enc = encoder(attrs.dtype);
  const lanes = LANES[attrs.dtype];
  if (end !== undefined && lanes !== undefined) {
    integerLinspace(start, end, step, n, (i, v) => (d[i] = enc(v)), lanes);
    return [out];
  }
  if (end !== undefined && (attrs.dtype === "float32" || attrs.dtype === "float64")) {
    floatLinspace(start, end, n, attrs.dtype === "float32" ? Math.fround : (v) => v, d);
    return [out];
  }
  if (end === undefined && (attrs.dtype === "float32" || attrs.dtype === "float64")) {
    floatArange(start, step, n, attrs.dtype === "float32" ? Math.fround : (v) => v, d);
    return [out];
  }
  // linspace: the second half counts back from `end` so the last value is exact (as torch)
  const half = end === undefined ? n : Math.floor(n / 2);
  for (let i = 0; i < n; i++) d[i] = enc(i < half ? start + i * step : end! - (n - 1 - i) * step);
  return [out];
}

/**
 * A float32/float64 arange with exactly PyTorch 1.13's CPU values (test/tensor/arange_parity.test.ts
 * checks them). Its kernel computes in float64 (float32's accumulate type) with fused
 * multiply-adds, and whole pairs of 32-byte vectors come first: each vector's base is
 * start + step·v rounded to the dtype, lane k is base + k·step. So arange(-5.2, -20, -1.1414,
 * float64)[6] is -12.048399999999999 (base -9.7656 plus 2·step), not -12.0484.
 */
function floatArange(start: number, step: number, n: number, round: (v: number) => number, d: Float64Array | Float32Array): void {
  const lanes = round === Math.fround ? 8 : 4;
  const vecEnd = Math.floor(n / (2 * lanes)) * 2 * lanes;
  for (let v = 0; v < vecEnd; v += lanes) {
    const base = round(fma(step, v, start));
    for (let k = 0; k < lanes; k++) d[v + k] = round(fma(k, step, base));
  }
  for (let i = vecEnd; i < n; i++) d[i] = round(fma(step, i, start));
}

/**
 * An integer linspace with exactly PyTorch 1.13's CPU values (checked against it in
 * test/tensor/linspace_parity.test.ts). Its kernel computes start + step·i (first half) or
 * end - step·(n-1-i) (second half) in float64 with a fused multiply-add and truncates; but
 * whole pairs of 32-byte vectors come first, each vector from one such value (its base,
 * truncated) plus k·step for its lanes k, and only the rest element by element. The same
 * value can therefore truncate differently (linspace(7, -3, 25)[9] is 2, not 3). What is
 * emulated is the single-threaded run; PyTorch splits longer ranges (32768 and more) over
 * threads, each starting its own vectors.
 */
function integerLinspace(start: number, end: number, step: number, n: number, store: (i: number, v: number) => void, lanes: number): void {
  const half = Math.floor(n / 2);
  const at = (i: number) => (i < half ? fma(step, i, start) : fma(-step, n - 1 - i, end));
  const vecEnd = Math.floor(n / (2 * lanes)) * 2 * lanes;
  for (let v = 0; v < vecEnd; v += lanes) {
    const base = Math.trunc(at(v));
    for (let k = 0; k < lanes; k++) store(v + k, Math.trunc(base + k * step));
  }
  for (let i = vecEnd; i < n; i++) store(i, Math.trunc(at(i)));
}

/**
 * A float32/float64 linspace with exactly PyTorch 1.13's CPU values (test/tensor/linspace_parity.test.ts
 * checks them). Its kernel works in the output dtype: the endpoints and the step
 * (end - start) / (n - 1) are rounded to it, each value is start + step·i (first half) or
 * end - step·(n-1-i) (second half) with a fused multiply-add, and whole pairs of 32-byte
 * vectors come first, lane k of a vector being base + k·step (the product rounded, then the
 * sum). So float32 values can sit an ulp away from the nearest float to the exact point:
 * linspace(-2, 2, 7)[3] is -5.96e-8, not 0, which moves a bucketize/searchsorted boundary.
 * `round` rounds to the dtype (Math.fround for float32).
 */
function floatLinspace(start: number, end: number, n: number, round: (v: number) => number, d: Float64Array | Float32Array): void {
  const s = round(start), e = round(end);
  const step = round(round(e - s) / round(n - 1));
  const half = Math.floor(n / 2);
  const at = (i: number) => round(i < half ? fma(step, i, s) : fma(-step, n - 1 - i, e));
  const lanes = round === Math.fround ? 8 : 4;
  const vecEnd = Math.floor(n / (2 * lanes)) * 2 * lanes;
  for (let v = 0; v < vecEnd; v += lanes) {
    const base = at(v);
    for (let k = 0; k < lanes; k++) d[v + k] = round(base + round(k * step));
  }
  for (let i = vecEnd; i < n; i++) d[i] = at(i);
}

/**
 * a·b + c rounded once (a fused multiply-add): the product split exactly into two doubles
 * (Dekker), then added to c with the rounding error of that sum carried.
 */
function fma(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p)) return p + c;
  const split = (x: number): [number, number] => {
    const t = 134217729 * x; // 2^27 + 1
    const hi = t - (t - x);
    return [hi, x - hi];
  };
  const [ah, al] = split(a), [bh, bl] = split(b);
  const pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl; // p + pe = a·b exactly
  const s = p + c;
  const bb = s - p;
  const se = (p - (s - bb)) + (c - bb); // s + se = p + c exactly
  return s + (se + pe);
}

export function fromHost(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["fromHost"], device: string): Tensor[] {
  const out = alloc(attrs.shape, attrs.dtype, device);
  const d = out.storage.data as Float64Array, src = attrs.data as ArrayLike<number>;
  // a typed array of the storage's own kind is copied as it is (bigints into int64 included)
  const sameKind = ArrayBuffer.isView(src) && (src instanceof BigInt64Array) === (attrs.dtype === "int64");
  if (isHalf(attrs.dtype) || attrs.dtype === "bool" || (attrs.dtype === "int64" && !sameKind)) {
    const enc = encoder(attrs.dtype);
    for (let i = 0; i < d.length; i++) d[i] = enc(src[i]!);
  } else if (sameKind) d.set(src as unknown as Float64Array);
  else for (let i = 0; i < d.length; i++) d[i] = src[i]!;
  return [out];
}

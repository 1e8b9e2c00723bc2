/** CPU primitives that create tensors: full, range, fromHost and random. */
import { FluxionError } from "../../errors.js";
import { isHalf, type DType } from "../../tensor/dtype.js";
import { float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";

/** Stored representation of a value in a dtype (raw bits for the 16-bit floats). */
function encoder(dtype: DType): (v: number) => number {
  if (dtype === "bfloat16") return float32ToBFloat16Bits;
  if (dtype === "float16") return float32ToFloat16Bits;
  if (dtype === "bool") return (v) => (v !== 0 ? 1 : 0);
  return (v) => v;
}

export function full(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["full"], device: string): Tensor[] {
  const out = alloc(attrs.shape, attrs.dtype, device, { zero: false });
  out.storage.data.fill(encoder(attrs.dtype)(attrs.value));
  return [out];
}

export function range(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["range"], device: string): Tensor[] {
  const { start, step, n, end } = attrs;
  const out = alloc([n], attrs.dtype, device, { zero: false });
  const d = out.storage.data, enc = encoder(attrs.dtype);
  // linspace: the second half counts back from `end` so the last value is exact (as torch)
  const half = end === undefined ? n : Math.floor(n / 2);
  for (let i = 0; i < n; i++) d[i] = enc(i < half ? start + i * step : end! - (n - 1 - i) * step);
  return [out];
}

export function fromHost(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["fromHost"], device: string): Tensor[] {
  const out = alloc(attrs.shape, attrs.dtype, device);
  const d = out.storage.data, src = attrs.data;
  if (isHalf(attrs.dtype) || attrs.dtype === "bool") {
    const enc = encoder(attrs.dtype);
    for (let i = 0; i < d.length; i++) d[i] = enc(src[i]!);
  } else if (ArrayBuffer.isView(src)) (d as Float64Array).set(src as unknown as Float64Array);
  else for (let i = 0; i < d.length; i++) d[i] = src[i]!;
  return [out];
}

export function random(inputs: readonly Tensor[], attrs: PrimitiveAttrs["random"], device: string): Tensor[] {
  const { dist, generator: g, dtype } = attrs;
  const out = alloc(attrs.shape, dtype, device, { zero: false }); // every case writes all n
  const d = out.storage.data, n = d.length, enc = encoder(dtype);
  const f64 = dtype === "float64";
  switch (dist.kind) {
    case "uniform": {
      // draw only as many bits as the dtype's significand holds, so rounding to the dtype
      // never turns a value just under 1 into 1 (rand must stay in [0, 1))
      const span = dist.high - dist.low;
      const bits = dtype === "bfloat16" ? 8 : dtype === "float16" ? 11 : 24;
      const scale = 2 ** -bits;
      for (let i = 0; i < n; i++) d[i] = enc(dist.low + span * (f64 ? g.nextDouble() : (g.nextUint32() >>> (32 - bits)) * scale));
      break;
    }
    case "normal":
      for (let i = 0; i < n; i++) d[i] = enc(dist.mean + dist.std * g.nextNormal());
      break;
    case "randint": {
      const span = dist.high - dist.low;
      for (let i = 0; i < n; i++) d[i] = enc(dist.low + g.nextBelow(span));
      break;
    }
    case "randperm": {
      for (let i = 0; i < n; i++) d[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = g.nextBelow(i + 1);
        const t = d[i]!;
        d[i] = d[j]!;
        d[j] = t;
      }
      break;
    }
    case "bernoulli": {
      const p = inputs[0]!.toTypedArray();
      for (let i = 0; i < n; i++) {
        if (!(p[i]! >= 0 && p[i]! <= 1)) throw new FluxionError(`bernoulli: expected all probabilities in [0, 1], got p=${p[i]} at flat index ${i}`);
      }
      for (let i = 0; i < n; i++) d[i] = enc(g.nextDouble() < p[i]! ? 1 : 0);
      break;
    }
  }
  return [out];
}

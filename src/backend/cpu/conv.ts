/**
 * CPU sliding-window primitives: im2col (unfold) and col2im (fold), which grouped and
 * transposed convolution and average pooling are composed from (each is the other's
 * adjoint, so their gradients come for free); the three passes of an ungrouped convolution
 * (conv2d); and max pooling. Inputs are read through their strides. float32/float64 run on
 * the native kernels (./native.ts) when the addon is loaded; the TypeScript code here is
 * the fallback and the reference.
 */
import { isHalf, type TypedArray } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { cast, copy, unary } from "./elementwise.js";
import { viaFloat32 } from "./via_float32.js";
import { matmul, matmulReference } from "./matmul.js";
import { reduce, reduceReference } from "./reduce.js";
import { nativeAddon, nativeConv2d, nativeFold, nativeMaxPool, nativeUnfold, type ConvGeometry } from "./native.js";

export function outputSize(size: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

/** `t`, or a contiguous copy of it: the kernels here read dense NCHW. */
function contiguous(t: Tensor, device: string): Tensor {
  return t.isContiguous() ? t : copy([t], {}, device)[0]!;
}

export function unfold(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"], device: string): Tensor[] {
  return unfoldImpl(inputs, attrs, device, true);
}

/** The TypeScript im2col: the reference for the native one. */
export function unfoldReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"], device: string): Tensor[] {
  return unfoldImpl(inputs, attrs, device, false);
}

function unfoldImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"], device: string, allowNative: boolean): Tensor[] {
  return viaFloat32(inputs, device, ([x0]) => {
    const x = contiguous(x0!, device);
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
    const oh = outputSize(H, kh, sh, ph, dh), ow = outputSize(W, kw, sw, pw, dw);
    const L = oh * ow;
    // the native im2col writes every column, padding zeros included; the loop below skips them
    const out = alloc([N, C * kh * kw, L], x.dtype, device, { zero: !(allowNative && (x.dtype === "float32" || x.dtype === "float64")) });
    const geometry = { N, C, H, W, kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation, oh, ow };
    if (allowNative && nativeUnfold(x.dtype, geometry, x.storage.data as TypedArray, x.offset, out.storage.data as TypedArray)) return [out];
    const src = x.storage.data, dst = out.storage.data;
    const base = x.offset;
    let o = 0;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const plane = base + (n * C + c) * H * W;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            for (let y = 0; y < oh; y++) {
              const iy = y * sh - ph + i * dh;
              if (iy < 0 || iy >= H) {
                o += ow; // stays zero
                continue;
              }
              const row = plane + iy * W;
              let ix = -pw + j * dw;
              for (let xo = 0; xo < ow; xo++, ix += sw) dst[o++] = ix >= 0 && ix < W ? src[row + ix]! : 0;
            }
          }
        }
      }
    }
    return [out];
  });
}

export function fold(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"], device: string): Tensor[] {
  return foldImpl(inputs, attrs, device, true);
}

/** The TypeScript col2im: the reference for the native one. */
export function foldReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"], device: string): Tensor[] {
  return foldImpl(inputs, attrs, device, false);
}

function foldImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"], device: string, allowNative: boolean): Tensor[] {
  return viaFloat32(inputs, device, ([x0]) => {
    const x = contiguous(x0!, device);
    const [N, CK] = x.shape as [number, number, number];
    const [H, W] = attrs.outputSize;
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
    const C = CK / (kh * kw);
    const oh = outputSize(H, kh, sh, ph, dh), ow = outputSize(W, kw, sw, pw, dw);
    const out = alloc([N, C, H, W], x.dtype, device);
    const geometry = { N, C, H, W, kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation, oh, ow };
    if (allowNative && nativeFold(x.dtype, geometry, x.storage.data as TypedArray, x.offset, out.storage.data as TypedArray)) return [out];
    const src = x.storage.data as TypedArray, dst = out.storage.data as TypedArray;
    let o = x.offset;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const plane = (n * C + c) * H * W;
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            for (let y = 0; y < oh; y++) {
              const iy = y * sh - ph + i * dh;
              if (iy < 0 || iy >= H) {
                o += ow;
                continue;
              }
              const row = plane + iy * W;
              let ix = -pw + j * dw;
              for (let xo = 0; xo < ow; xo++, ix += sw, o++) if (ix >= 0 && ix < W) dst[row + ix] += src[o]!;
            }
          }
        }
      }
    }
    return [out];
  });
}

export function maxPool(inputs: readonly Tensor[], attrs: PrimitiveAttrs["maxPool"], device: string): Tensor[] {
  return maxPoolImpl(inputs, attrs, device, true);
}

/** The TypeScript max pooling: the reference for the native one. */
export function maxPoolReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["maxPool"], device: string): Tensor[] {
  return maxPoolImpl(inputs, attrs, device, false);
}

function maxPoolImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["maxPool"], device: string, allowNative: boolean): Tensor[] {
  return viaFloat32(inputs, device, ([x0]) => {
    const x = contiguous(x0!, device);
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
    const [oh, ow] = attrs.outputSize;
    const out = alloc([N, C, oh, ow], x.dtype, device, { zero: false });
    const indices = alloc([N, C, oh, ow], "int32", device, { zero: false });
    const geometry = { N, C, H, W, kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation, oh, ow };
    const od = out.storage.data as TypedArray, id = indices.storage.data as Int32Array;
    if (allowNative && nativeMaxPool(x.dtype, geometry, x.storage.data as TypedArray, x.offset, od, id)) return [out, indices];
    const src = x.storage.data as TypedArray;
    let o = 0;
    for (let plane = 0; plane < N * C; plane++) {
      const base = x.offset + plane * H * W;
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++, o++) {
          let best = -Infinity, at = -1;
          scan: for (let i = 0; i < kh; i++) {
            const iy = y * sh - ph + i * dh;
            if (iy < 0 || iy >= H) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xo * sw - pw + j * dw;
              if (ix < 0 || ix >= W) continue;
              const v = src[base + iy * W + ix]!;
              if (v > best || at < 0 || v !== v) {
                best = v;
                at = iy * W + ix;
                if (v !== v) break scan;
              }
            }
          }
          od[o] = best;
          id[o] = at;
        }
      }
    }
    return [out, indices];
  });
}

// ---- conv2d: the three passes of an ungrouped convolution --------------------------------

type Conv2dAttrs = PrimitiveAttrs["conv2d"];

function convGeometry(x: readonly number[], w: readonly number[], attrs: Conv2dAttrs): ConvGeometry {
  const [N, C, H, W] = x as [number, number, number, number];
  const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
  return { N, C, H, W, O: w[0]!, ...attrs, oh: outputSize(H, kh, sh, ph, dh), ow: outputSize(W, kw, sw, pw, dw) };
}

/** The forward's max-pooling window (conv2d's `pool`) as maxPool attrs over y [.., oh, ow]. */
function poolAttrs(pool: NonNullable<Conv2dAttrs["pool"]>, oh: number, ow: number): PrimitiveAttrs["maxPool"] {
  const [kh, kw] = pool.kernel, [sh, sw] = pool.stride;
  return { kernel: pool.kernel, stride: pool.stride, padding: [0, 0], dilation: [1, 1], outputSize: [outputSize(oh, kh, sh, 0, 1), outputSize(ow, kw, sw, 0, 1)] };
}

/**
 * Which kernels a bfloat16 convolution runs on: "bf16" the native driver on the bfloat16 GEMM
 * (columns copied as bits, float32 sums rounded once), "widen" the float32 kernels on widened
 * copies, "auto": bf16 where the float32 path is itself im2col + GEMM (no AVX-512: measured
 * 1.1-1.7x faster than widening per pass on Zen 3), or where the GEMM multiplies in bfloat16
 * (vdpbf16ps, AMX) and the layer has more than 32 taps (C·kh·kw); else widen, for AVX-512's
 * float32 direct and Winograd kernels (a first layer's 9 taps leave a GEMM's K mostly empty).
 */
type Bf16ConvPath = "auto" | "bf16" | "widen";
let bf16ConvPath: Bf16ConvPath = "auto";

/** @internal Forces the bfloat16 convolution's kernels (tests and benchmarks); returns the previous setting. */
export function setBf16ConvPath(path: Bf16ConvPath): Bf16ConvPath {
  const prev = bf16ConvPath;
  bf16ConvPath = path;
  return prev;
}

function bf16ConvNative(taps: number): boolean {
  if (bf16ConvPath !== "auto") return bf16ConvPath === "bf16";
  const info = nativeAddon()?.info();
  return info !== undefined && (info.isa !== "avx512" || (info.bf16Dot && taps > 32));
}

export function conv2d(inputs: readonly Tensor[], attrs: Conv2dAttrs, device: string): Tensor[] {
  const ins = inputs.map((t) => contiguous(t, device));
  const dtype = ins[0]!.dtype;
  const taps = ins[attrs.pass === "input" ? 1 : 0]!.shape[1]! * attrs.kernel[0] * attrs.kernel[1];
  if (dtype === "float32" || dtype === "float64" || (dtype === "bfloat16" && nativeAddon() && bf16ConvNative(taps))) {
    const out = conv2dNative(ins, attrs, device);
    if (out) return out;
  } else if (isHalf(dtype) && nativeAddon()) {
    // bfloat16/float16 (autocast's convolutions): the native float32 kernels on the exactly
    // widened inputs, each output rounded once: float32 accumulation, as the bfloat16 GEMM's,
    // where the composite below would run im2col and max pooling in TypeScript loops
    const out = conv2dNative(ins.map((t) => cast([t], { dtype: "float32" }, device)[0]!), attrs, device);
    if (out) return out.map((t) => (t.dtype === "float32" ? cast([t], { dtype }, device)[0]! : t));
  }
  return conv2dComposite(ins, attrs, device, { unfold, fold, matmul, reduce, maxPool, unary });
}

/** The TypeScript convolution (im2col, batched GEMM, col2im): the reference for the native one. */
export function conv2dReference(inputs: readonly Tensor[], attrs: Conv2dAttrs, device: string): Tensor[] {
  const ins = inputs.map((t) => contiguous(t, device));
  return conv2dComposite(ins, attrs, device, { unfold: unfoldReference, fold: foldReference, matmul: matmulReference, reduce: reduceReference, maxPool: maxPoolReference, unary });
}

function conv2dNative(inputs: readonly Tensor[], attrs: Conv2dAttrs, device: string): Tensor[] | null {
  // the native convolution sees float32/float64/bfloat16 only (it declines anything else)
  const data = (t: Tensor | undefined) => (t?.storage.data ?? null) as TypedArray | null;
  if (attrs.pass === "forward") {
    const [x, w, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
    const g = convGeometry(x.shape, w.shape, attrs);
    const pool = attrs.pool ? poolAttrs(attrs.pool, g.oh, g.ow) : null;
    const shape = [g.N, g.O, ...(pool ? pool.outputSize : [g.oh, g.ow])];
    const y = alloc(shape, x.dtype, device, { zero: false });
    const indices = attrs.pool?.indices ? alloc(shape, "int32", device, { zero: false }) : null;
    const ok = nativeConv2d("forward", x.dtype, g, attrs.activation, data(x)!, x.offset, data(w)!, w.offset, data(bias), bias?.offset ?? 0, data(y)!, data(indices ?? undefined), pool);
    return ok ? (indices ? [y, indices] : [y]) : null;
  }
  if (attrs.pass === "input") {
    const [dy, w] = inputs as [Tensor, Tensor];
    const [H, W] = attrs.inputSize!;
    const g = convGeometry([dy.shape[0]!, w.shape[1]!, H, W], w.shape, attrs);
    const dx = alloc([g.N, g.C, H, W], dy.dtype, device, { zero: false });
    const ok = nativeConv2d("input", dy.dtype, g, undefined, data(dy)!, dy.offset, data(w)!, w.offset, null, 0, data(dx)!, null);
    return ok ? [dx] : null;
  }
  const [x, dy] = inputs as [Tensor, Tensor];
  const g = convGeometry(x.shape, [dy.shape[1]!, x.shape[1]!, ...attrs.kernel], attrs);
  const dw = alloc([g.O, g.C, ...attrs.kernel], x.dtype, device, { zero: false });
  const db = alloc([g.O], x.dtype, device, { zero: false });
  const ok = nativeConv2d("weight", x.dtype, g, undefined, data(x)!, x.offset, data(dy)!, dy.offset, null, 0, data(dw)!, data(db));
  return ok ? [dw, db] : null;
}

/** The kernels conv2dComposite runs on (this backend's, or another device's: WebGPU's). */
export interface ConvKernels {
  unfold: typeof unfold;
  fold: typeof fold;
  matmul: typeof matmul;
  reduce: typeof reduce;
  maxPool: typeof maxPool;
  unary: typeof unary;
}

/** A view of contiguous `t`'s storage (broadcast with stride 0 where asked). */
function viewOf(t: Tensor, shape: number[], strides: number[]): Tensor {
  return new Tensor(t.storage, shape, strides, t.offset, t.dtype);
}

/**
 * The passes from im2col/col2im and one batched GEMM (weights broadcast over the batch), on
 * contiguous inputs; the WebGPU backend runs it on its own kernels.
 */
export function conv2dComposite(inputs: readonly Tensor[], attrs: Conv2dAttrs, device: string, k: ConvKernels): Tensor[] {
  const win = { kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation };
  if (attrs.pass === "forward") {
    const [x, w, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
    const g = convGeometry(x.shape, w.shape, attrs);
    const cols = k.unfold([x], win, device)[0]!; // [N, K, L]
    const K = cols.shape[1]!;
    const wb = viewOf(w, [g.N, g.O, K], [0, K, 1]);
    let y = k.matmul(bias ? [wb, cols, bias] : [wb, cols], bias ? { bias: "row" } : {}, device)[0]!;
    if (attrs.activation) y = k.unary([y], { op: attrs.activation }, device)[0]!;
    const out = viewOf(y, [g.N, g.O, g.oh, g.ow], [g.O * g.oh * g.ow, g.oh * g.ow, g.ow, 1]);
    if (!attrs.pool) return [out];
    const pooled = k.maxPool([out], poolAttrs(attrs.pool, g.oh, g.ow), device);
    return attrs.pool.indices ? pooled : [pooled[0]!];
  }
  if (attrs.pass === "input") {
    const [dy, w] = inputs as [Tensor, Tensor];
    const [N, O] = dy.shape as [number, number];
    const K = w.numel() / O, L = dy.numel() / (N * O || 1);
    const wt = viewOf(w, [N, K, O], [0, 1, K]);
    const dcols = k.matmul([wt, viewOf(dy, [N, O, L], [O * L, L, 1])], {}, device)[0]!;
    return k.fold([dcols], { outputSize: attrs.inputSize!, ...win }, device);
  }
  const [x, dy] = inputs as [Tensor, Tensor];
  const [N, O] = dy.shape as [number, number];
  const cols = k.unfold([x], win, device)[0]!; // [N, K, L]
  const K = cols.shape[1]!, L = cols.shape[2]!;
  const dy3 = viewOf(dy, [N, O, L], [O * L, L, 1]);
  const perImage = k.matmul([dy3, viewOf(cols, [N, L, K], [K * L, 1, L])], {}, device)[0]!; // [N, O, K]
  const dw = k.reduce([perImage], { op: "sum", axes: [0], keepdim: false }, device)[0]!;
  const db = k.reduce([dy3], { op: "sum", axes: [0, 2], keepdim: false }, device)[0]!;
  return [viewOf(dw, [O, x.shape[1]!, ...attrs.kernel], [K, attrs.kernel[0] * attrs.kernel[1], attrs.kernel[1], 1]), db];
}

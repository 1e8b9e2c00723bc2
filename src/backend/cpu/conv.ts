/**
 * CPU im2col (unfold) and col2im (fold): the sliding-window primitives that convolution,
 * transposed convolution and pooling are composed from (each is the other's adjoint, so
 * their gradients come for free). Inputs are read through their strides. float32/float64
 * run on the native kernels (./native.ts) when the addon is loaded; these loops are the
 * fallback and the reference.
 */
import { isHalf } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { cast, copy } from "./elementwise.js";
import { nativeFold, nativeUnfold } from "./native.js";

export function outputSize(size: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

/** Runs a kernel on float32 copies of half-precision inputs and rounds the result back. */
function viaFloat32(x: Tensor, device: string, run: (x: Tensor) => Tensor): Tensor {
  if (!isHalf(x.dtype)) return run(x);
  const wide = cast([x], { dtype: "float32" }, device)[0]!;
  return cast([run(wide)], { dtype: x.dtype }, device)[0]!;
}

export function unfold(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"], device: string): Tensor[] {
  return unfoldImpl(inputs, attrs, device, true);
}

/** The TypeScript im2col: the reference for the native one. */
export function unfoldReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"], device: string): Tensor[] {
  return unfoldImpl(inputs, attrs, device, false);
}

function unfoldImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"], device: string, allowNative: boolean): Tensor[] {
  return [viaFloat32(inputs[0]!, device, (x0) => {
    const x = x0.isContiguous() ? x0 : copy([x0], {}, device)[0]!;
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
    const oh = outputSize(H, kh, sh, ph, dh), ow = outputSize(W, kw, sw, pw, dw);
    const L = oh * ow;
    // the native im2col writes every column, padding zeros included; the loop below skips them
    const out = alloc([N, C * kh * kw, L], x.dtype, device, { zero: !(allowNative && (x.dtype === "float32" || x.dtype === "float64")) });
    const geometry = { N, C, H, W, kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation, oh, ow };
    if (allowNative && nativeUnfold(x.dtype, geometry, x.storage.data, x.offset, out.storage.data)) return out;
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
    return out;
  })];
}

export function fold(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"], device: string): Tensor[] {
  return foldImpl(inputs, attrs, device, true);
}

/** The TypeScript col2im: the reference for the native one. */
export function foldReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"], device: string): Tensor[] {
  return foldImpl(inputs, attrs, device, false);
}

function foldImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"], device: string, allowNative: boolean): Tensor[] {
  return [viaFloat32(inputs[0]!, device, (x0) => {
    const x = x0.isContiguous() ? x0 : copy([x0], {}, device)[0]!;
    const [N, CK] = x.shape as [number, number, number];
    const [H, W] = attrs.outputSize;
    const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
    const C = CK / (kh * kw);
    const oh = outputSize(H, kh, sh, ph, dh), ow = outputSize(W, kw, sw, pw, dw);
    const out = alloc([N, C, H, W], x.dtype, device);
    const geometry = { N, C, H, W, kernel: attrs.kernel, stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation, oh, ow };
    if (allowNative && nativeFold(x.dtype, geometry, x.storage.data, x.offset, out.storage.data)) return out;
    const src = x.storage.data, dst = out.storage.data;
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
    return out;
  })];
}

/**
 * The CPU depthwise convolution (the depthwiseConv2d primitive: groups = channels, channel
 * multiplier m): float32/float64 on the native kernel (native/src/depthwise.inc: direct
 * loops per channel plane, vectorised over the output width, planes over the thread pool)
 * when the addon is loaded; else, and for the other float dtypes (widened to float32), the
 * TypeScript loops below, which are also the reference the native kernel is tested against.
 * Inputs are read through contiguous copies where they are views.
 */
import type { TypedArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { copy } from "./elementwise.js";
import { viaFloat32 } from "./via_float32.js";
import { nativeAddon } from "./native.js";
import { outputSize } from "./conv.js";
import { FluxionError } from "../../errors.js";

type Attrs = PrimitiveAttrs["depthwiseConv2d"];

interface DepthwiseAddon {
  depthwiseConv2d?(params: Float64Array, a: TypedArray, b: TypedArray, bias: TypedArray | null, out0: TypedArray, out1: TypedArray | null): boolean;
}

/** The sizes every pass works with: x [N, C, H, W], y [N, C·m, oh, ow], kernel kh x kw. */
interface Geometry {
  N: number; C: number; m: number; H: number; W: number; oh: number; ow: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

function geometry(N: number, C: number, H: number, W: number, a: Attrs): Geometry {
  const [kh, kw] = a.kernel, [sh, sw] = a.stride, [ph, pw] = a.padding, [dh, dw] = a.dilation;
  return { N, C, m: a.multiplier, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh: outputSize(H, kh, sh, ph, dh), ow: outputSize(W, kw, sw, pw, dw) };
}

function contiguous(t: Tensor, device: string): Tensor {
  return t.isContiguous() ? t : copy([t], {}, device)[0]!;
}

export function depthwiseConv2d(inputs: readonly Tensor[], attrs: Attrs, device: string): Tensor[] {
  return impl(inputs, attrs, device, true);
}

/** The TypeScript loops: the reference for the native kernel. */
export function depthwiseConv2dReference(inputs: readonly Tensor[], attrs: Attrs, device: string): Tensor[] {
  return impl(inputs, attrs, device, false);
}

const params = new Float64Array(18); // slot order: enum Slot in native/src/binding_depthwise.cc
const PASS = { forward: 0, input: 1, weight: 2 } as const;

/** Runs the pass on the native kernel; false when the addon is missing, predates it, or the dtype is not float32/float64. */
function runNative(g: Geometry, attrs: Attrs, a: Tensor, b: Tensor, bias: Tensor | undefined, out0: Tensor, out1: Tensor | null): boolean {
  const native = nativeAddon() as DepthwiseAddon | null;
  if (!native?.depthwiseConv2d || (a.dtype !== "float32" && a.dtype !== "float64")) return false;
  const slots = [a.dtype === "float64" ? 1 : 0, PASS[attrs.pass], g.N, g.C, g.m, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, a.offset, b.offset, bias?.offset ?? 0];
  params.set(slots);
  const data = (t: Tensor) => t.storage.data as TypedArray;
  try {
    return native.depthwiseConv2d(params, data(a), data(b), bias ? data(bias) : null, data(out0), out1 ? data(out1) : null);
  } catch (e) {
    throw new FluxionError(`depthwiseConv2d (native kernel): ${String((e as Error).message).replace(/^fluxion native: (depthwiseConv2d: )?/, "")}`);
  }
}

function impl(inputs: readonly Tensor[], attrs: Attrs, device: string, allowNative: boolean): Tensor[] {
  return viaFloat32(inputs, device, (wide) => {
    const ins = wide.map((t) => contiguous(t, device));
    const dtype = ins[0]!.dtype;
    if (attrs.pass === "forward") {
      const [x, w, bias] = ins as [Tensor, Tensor, Tensor | undefined];
      const g = geometry(x.shape[0]!, x.shape[1]!, x.shape[2]!, x.shape[3]!, attrs);
      const y = alloc([g.N, g.C * g.m, g.oh, g.ow], dtype, device, { zero: false });
      if (!(allowNative && runNative(g, attrs, x, w, bias, y, null))) forwardTs(g, x, w, bias, y);
      return [y];
    }
    if (attrs.pass === "input") {
      const [dy, w] = ins as [Tensor, Tensor];
      const [H, W] = attrs.inputSize!;
      const g = geometry(dy.shape[0]!, dy.shape[1]! / attrs.multiplier, H, W, attrs);
      const dx = alloc([g.N, g.C, H, W], dtype, device, { zero: false });
      if (!(allowNative && runNative(g, attrs, dy, w, undefined, dx, null))) inputTs(g, dy, w, dx);
      return [dx];
    }
    const [x, dy] = ins as [Tensor, Tensor];
    const g = geometry(x.shape[0]!, x.shape[1]!, x.shape[2]!, x.shape[3]!, attrs);
    const O = g.C * g.m;
    const dw = alloc([O, 1, g.kh, g.kw], dtype, device, { zero: false });
    const db = alloc([O], dtype, device, { zero: false });
    if (!(allowNative && runNative(g, attrs, x, dy, undefined, dw, db))) weightTs(g, x, dy, dw, db);
    return [dw, db];
  });
}

// ---- the TypeScript loops (sums in double, in the order (i, j) over the taps) -----------------

/** The first and one-past-last output column whose input column ox·sw - pw + j·dw lies in [0, W). */
function columns(g: Geometry, j: number): [number, number] {
  const off = j * g.dw - g.pw;
  const lo = Math.max(0, Math.ceil(-off / g.sw));
  const hi = Math.min(g.ow, Math.floor((g.W - 1 - off) / g.sw) + 1);
  return [lo, Math.max(lo, hi)];
}

function forwardTs(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | undefined, y: Tensor): void {
  const xd = x.storage.data as TypedArray, wd = w.storage.data as TypedArray, yd = y.storage.data as TypedArray;
  const bd = bias ? (bias.storage.data as TypedArray) : null;
  const K = g.kh * g.kw, O = g.C * g.m;
  const acc = new Float64Array(g.ow);
  for (let n = 0; n < g.N; n++) {
    for (let o = 0; o < O; o++) {
      const xp = x.offset + (n * g.C + Math.floor(o / g.m)) * g.H * g.W, wp = w.offset + o * K;
      const yp = (n * O + o) * g.oh * g.ow;
      for (let oy = 0; oy < g.oh; oy++) {
        acc.fill(bd ? bd[bias!.offset + o]! : 0);
        for (let i = 0; i < g.kh; i++) {
          const iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.H) continue;
          for (let j = 0; j < g.kw; j++) {
            const wv = wd[wp + i * g.kw + j]!, [lo, hi] = columns(g, j);
            const row = xp + iy * g.W + j * g.dw - g.pw;
            for (let ox = lo; ox < hi; ox++) acc[ox] += wv * xd[row + ox * g.sw]!;
          }
        }
        for (let ox = 0; ox < g.ow; ox++) yd[yp + oy * g.ow + ox] = acc[ox]!;
      }
    }
  }
}

function inputTs(g: Geometry, dy: Tensor, w: Tensor, dx: Tensor): void {
  const dyd = dy.storage.data as TypedArray, wd = w.storage.data as TypedArray, dxd = dx.storage.data as TypedArray;
  const K = g.kh * g.kw, O = g.C * g.m, L = g.oh * g.ow;
  const acc = new Float64Array(g.H * g.W);
  for (let n = 0; n < g.N; n++) {
    for (let c = 0; c < g.C; c++) {
      acc.fill(0);
      for (let q = 0; q < g.m; q++) {
        const o = c * g.m + q, wp = w.offset + o * K, dyp = dy.offset + (n * O + o) * L;
        for (let oy = 0; oy < g.oh; oy++) {
          for (let i = 0; i < g.kh; i++) {
            const iy = oy * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.H) continue;
            for (let j = 0; j < g.kw; j++) {
              const wv = wd[wp + i * g.kw + j]!, [lo, hi] = columns(g, j);
              const row = iy * g.W + j * g.dw - g.pw, src = dyp + oy * g.ow;
              for (let ox = lo; ox < hi; ox++) acc[row + ox * g.sw] += wv * dyd[src + ox]!;
            }
          }
        }
      }
      dxd.set(acc, (n * g.C + c) * g.H * g.W);
    }
  }
}

function weightTs(g: Geometry, x: Tensor, dy: Tensor, dw: Tensor, db: Tensor): void {
  const xd = x.storage.data as TypedArray, dyd = dy.storage.data as TypedArray;
  const dwd = dw.storage.data as TypedArray, dbd = db.storage.data as TypedArray;
  const K = g.kh * g.kw, O = g.C * g.m, L = g.oh * g.ow;
  for (let o = 0; o < O; o++) {
    const c = Math.floor(o / g.m);
    const sums = new Float64Array(K);
    let sb = 0;
    for (let n = 0; n < g.N; n++) {
      const xp = x.offset + (n * g.C + c) * g.H * g.W, dyp = dy.offset + (n * O + o) * L;
      for (let oy = 0; oy < g.oh; oy++) {
        const src = dyp + oy * g.ow;
        for (let ox = 0; ox < g.ow; ox++) sb += dyd[src + ox]!;
        for (let i = 0; i < g.kh; i++) {
          const iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.H) continue;
          for (let j = 0; j < g.kw; j++) {
            const [lo, hi] = columns(g, j);
            const row = xp + iy * g.W + j * g.dw - g.pw;
            let s = 0;
            for (let ox = lo; ox < hi; ox++) s += dyd[src + ox]! * xd[row + ox * g.sw]!;
            sums[i * g.kw + j] += s;
          }
        }
      }
    }
    dwd.set(sums, o * K);
    dbd[o] = sb;
  }
}

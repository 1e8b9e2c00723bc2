/**
 * The CPU backend's fused batch and group normalization primitives (primitives.ts): the
 * native kernels (./native_fused.ts) where the addon is loaded, else the TypeScript loops
 * here — float64 arithmetic, two-pass statistics, the closed-form backward — which are the
 * reference the native kernels are tested against (`*Reference`). Half-precision inputs run
 * the decomposition. x is made contiguous and seen as [N, C, S] (S: the spatial positions).
 */
import { isHalf, type StorageArray, type TypedArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runDecomposition } from "../dispatcher.js";
import type { FusedPrimitiveAttrs } from "../primitives.js";
import { dense } from "./fused.js";
import { alloc } from "./util.js";
import { nativeBatchNorm, nativeBatchNormBackward, nativeGroupNorm, nativeGroupNormBackward, type NormGeometry } from "./native_fused.js";

/** x [N, C, *] as [N, C, S]; `groups` groups of channels. */
function geometry(x: Tensor, groups = 1): NormGeometry {
  const N = x.shape[0]!, C = x.shape[1]!;
  let S = 1;
  for (let d = 2; d < x.ndim; d++) S *= x.shape[d]!;
  return { N, C, S, G: groups };
}

/** A [C] (or [N, G]) vector's values in float64. */
function values(t: Tensor | null | undefined): Float64Array | null {
  return t ? Float64Array.from(t.toTypedArray() as Float64Array) : null;
}

// ---- batch norm --------------------------------------------------------------------------------

interface BatchNormOperands {
  x: Tensor;
  weight: Float64Array | null;
  bias: Float64Array | null;
  /** Written in place when training, read when not. */
  runningMean: Tensor | null;
  runningVar: Tensor | null;
}

function batchNormLoops(o: BatchNormOperands, a: FusedPrimitiveAttrs["batchNorm"], { N, C, S }: NormGeometry, y: TypedArray, meanOut: TypedArray, invstdOut: TypedArray): void {
  const x = o.x.storage.data as TypedArray, xo = o.x.offset;
  const n = N * S;
  const rm = o.runningMean, rv = o.runningVar;
  const rmv = a.training ? null : values(rm)!, rvv = a.training ? null : values(rv)!;
  for (let c = 0; c < C; c++) {
    let mean: number, invstd: number;
    if (a.training) {
      let s = 0;
      for (let b = 0; b < N; b++) for (let k = (b * C + c) * S, e = k + S; k < e; k++) s += x[xo + k]!;
      mean = s / n;
      let v = 0;
      for (let b = 0; b < N; b++) {
        for (let k = (b * C + c) * S, e = k + S; k < e; k++) {
          const d = x[xo + k]! - mean;
          v += d * d;
        }
      }
      v /= n;
      invstd = 1 / Math.sqrt(v + a.eps);
      if (rm && rv) {
        const im = rm.offset + c * (rm.strides[0] ?? 1), iv = rv.offset + c * (rv.strides[0] ?? 1);
        const rmd = rm.storage.data as TypedArray, rvd = rv.storage.data as TypedArray;
        rmd[im] = (1 - a.momentum) * rmd[im]! + a.momentum * mean;
        rvd[iv] = (1 - a.momentum) * rvd[iv]! + a.momentum * ((v * n) / (n - 1));
      }
    } else {
      mean = rmv![c]!;
      invstd = 1 / Math.sqrt(rvv![c]! + a.eps);
    }
    meanOut[c] = mean;
    invstdOut[c] = invstd;
    const w = o.weight ? o.weight[c]! : 1, bias = o.bias ? o.bias[c]! : 0;
    for (let b = 0; b < N; b++) for (let k = (b * C + c) * S, e = k + S; k < e; k++) y[k] = (x[xo + k]! - mean) * invstd * w + bias;
  }
}

function batchNormImpl(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["batchNorm"], device: string, allowNative: boolean): Tensor[] {
  const x0 = inputs[0]!;
  if (isHalf(x0.dtype)) return runDecomposition("batchNorm", inputs, a, device);
  let i = 1;
  const next = (present: boolean) => (present ? inputs[i++]! : null);
  const w = next(a.weight), b = next(a.bias), rm = next(a.running), rv = next(a.running);
  const o: BatchNormOperands = { x: dense(x0, device), weight: values(w), bias: values(b), runningMean: rm, runningVar: rv };
  const geo = geometry(x0);
  const y = alloc(x0.shape, x0.dtype, device, { zero: false });
  const mean = alloc([geo.C], x0.dtype, device, { zero: false }), invstd = alloc([geo.C], x0.dtype, device, { zero: false });
  const [yd, md, id] = [y, mean, invstd].map((t) => t.storage.data as TypedArray) as [TypedArray, TypedArray, TypedArray];
  if (!(allowNative && nativeBatchNorm(a, geo, o, yd, md, id))) batchNormLoops(o, a, geo, yd, md, id);
  return [y, mean, invstd];
}

function batchNormBackwardLoops(g: Tensor, x: Tensor, mean: Float64Array, invstd: Float64Array, weight: Float64Array | null, training: boolean, { N, C, S }: NormGeometry, dx: TypedArray, dw: TypedArray, db: TypedArray): void {
  const gd = g.storage.data as TypedArray, go = g.offset, xd = x.storage.data as TypedArray, xo = x.offset;
  const n = N * S;
  for (let c = 0; c < C; c++) {
    const m = mean[c]!, r = invstd[c]!, w = weight ? weight[c]! : 1;
    let sg = 0, sgx = 0;
    for (let b = 0; b < N; b++) {
      for (let k = (b * C + c) * S, e = k + S; k < e; k++) {
        const gk = gd[go + k]!;
        sg += gk;
        sgx += gk * (xd[xo + k]! - m) * r;
      }
    }
    db[c] = sg;
    dw[c] = sgx;
    // mean(ĝ) and mean(ĝ · x̂) over the channel, ĝ = g · w
    const mg = (w * sg) / n, mgx = (w * sgx) / n;
    for (let b = 0; b < N; b++) {
      for (let k = (b * C + c) * S, e = k + S; k < e; k++) {
        const gh = gd[go + k]! * w;
        dx[k] = training ? r * (gh - mg - (xd[xo + k]! - m) * r * mgx) : gh * r;
      }
    }
  }
}

function batchNormBackwardImpl(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["batchNormBackward"], device: string, allowNative: boolean): Tensor[] {
  const [g0, x0, mean0, invstd0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  if (isHalf(x0.dtype)) return runDecomposition("batchNormBackward", inputs, a, device);
  const g = dense(g0, device), x = dense(x0, device);
  const mean = values(mean0)!, invstd = values(invstd0)!, weight = a.weight ? values(inputs[4]) : null;
  const geo = geometry(x0);
  const dx = alloc(x0.shape, x0.dtype, device, { zero: false });
  const dw = alloc([geo.C], x0.dtype, device, { zero: false }), db = alloc([geo.C], x0.dtype, device, { zero: false });
  const [dxd, dwd, dbd] = [dx, dw, db].map((t) => t.storage.data as TypedArray) as [TypedArray, TypedArray, TypedArray];
  if (!(allowNative && nativeBatchNormBackward(a.training, geo, g, x, mean, invstd, weight, dxd, dwd, dbd))) {
    batchNormBackwardLoops(g, x, mean, invstd, weight, a.training, geo, dxd, dwd, dbd);
  }
  return [dx, dw, db];
}

export function batchNorm(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["batchNorm"], device: string): Tensor[] {
  return batchNormImpl(inputs, attrs, device, true);
}
export function batchNormBackward(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["batchNormBackward"], device: string): Tensor[] {
  return batchNormBackwardImpl(inputs, attrs, device, true);
}
/** The TypeScript loops only: the reference for the native batch norm kernels. */
export function batchNormReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["batchNorm"], device: string): Tensor[] {
  return batchNormImpl(inputs, attrs, device, false);
}
export function batchNormBackwardReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["batchNormBackward"], device: string): Tensor[] {
  return batchNormBackwardImpl(inputs, attrs, device, false);
}

// ---- group norm (and layer norm: one group over [rows, features]) -----------------------------

function groupNormLoops(x: Tensor, weight: Float64Array | null, bias: Float64Array | null, eps: number, { N, C, S, G }: NormGeometry, y: TypedArray, meanOut: TypedArray, rstdOut: TypedArray): void {
  const xd = x.storage.data as StorageArray as TypedArray, xo = x.offset;
  const K = C / G, D = K * S;
  for (let b = 0; b < N; b++) {
    for (let grp = 0; grp < G; grp++) {
      const start = (b * C + grp * K) * S;
      let s = 0;
      for (let k = start; k < start + D; k++) s += xd[xo + k]!;
      const mean = s / D;
      let v = 0;
      for (let k = start; k < start + D; k++) {
        const d = xd[xo + k]! - mean;
        v += d * d;
      }
      const rstd = 1 / Math.sqrt(v / D + eps);
      meanOut[b * G + grp] = mean;
      rstdOut[b * G + grp] = rstd;
      for (let c = grp * K; c < (grp + 1) * K; c++) {
        const w = weight ? weight[c]! : 1, bb = bias ? bias[c]! : 0;
        for (let k = (b * C + c) * S, e = k + S; k < e; k++) y[k] = (xd[xo + k]! - mean) * rstd * w + bb;
      }
    }
  }
}

function groupNormImpl(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["groupNorm"], device: string, allowNative: boolean): Tensor[] {
  const x0 = inputs[0]!;
  if (isHalf(x0.dtype)) return runDecomposition("groupNorm", inputs, a, device);
  let i = 1;
  const weight = a.weight ? values(inputs[i++]) : null, bias = a.bias ? values(inputs[i++]) : null;
  const x = dense(x0, device);
  const geo = geometry(x0, a.groups);
  const y = alloc(x0.shape, x0.dtype, device, { zero: false });
  const mean = alloc([geo.N, geo.G], x0.dtype, device, { zero: false }), rstd = alloc([geo.N, geo.G], x0.dtype, device, { zero: false });
  const [yd, md, rd] = [y, mean, rstd].map((t) => t.storage.data as TypedArray) as [TypedArray, TypedArray, TypedArray];
  if (!(allowNative && nativeGroupNorm(a.eps, geo, x, weight, bias, yd, md, rd))) groupNormLoops(x, weight, bias, a.eps, geo, yd, md, rd);
  return [y, mean, rstd];
}

function groupNormBackwardLoops(g: Tensor, x: Tensor, mean: Float64Array, rstd: Float64Array, weight: Float64Array | null, { N, C, S, G }: NormGeometry, dx: TypedArray, dw: TypedArray, db: TypedArray): void {
  const gd = g.storage.data as TypedArray, go = g.offset, xd = x.storage.data as TypedArray, xo = x.offset;
  const K = C / G, D = K * S;
  const dws = new Float64Array(C), dbs = new Float64Array(C);
  for (let b = 0; b < N; b++) {
    for (let grp = 0; grp < G; grp++) {
      const m = mean[b * G + grp]!, r = rstd[b * G + grp]!;
      // Σ ĝ and Σ ĝ · x̂ over the group, from per-channel sums
      let sgh = 0, sghx = 0;
      for (let c = grp * K; c < (grp + 1) * K; c++) {
        let sg = 0, sgx = 0;
        for (let k = (b * C + c) * S, e = k + S; k < e; k++) {
          const gk = gd[go + k]!;
          sg += gk;
          sgx += gk * (xd[xo + k]! - m) * r;
        }
        dws[c] += sgx;
        dbs[c] += sg;
        const w = weight ? weight[c]! : 1;
        sgh += w * sg;
        sghx += w * sgx;
      }
      const mg = sgh / D, mgx = sghx / D;
      for (let c = grp * K; c < (grp + 1) * K; c++) {
        const w = weight ? weight[c]! : 1;
        for (let k = (b * C + c) * S, e = k + S; k < e; k++) dx[k] = r * (gd[go + k]! * w - mg - (xd[xo + k]! - m) * r * mgx);
      }
    }
  }
  dw.set(dws);
  db.set(dbs);
}

function groupNormBackwardImpl(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["groupNormBackward"], device: string, allowNative: boolean): Tensor[] {
  const [g0, x0, mean0, rstd0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  if (isHalf(x0.dtype)) return runDecomposition("groupNormBackward", inputs, a, device);
  const g = dense(g0, device), x = dense(x0, device);
  const mean = values(mean0)!, rstd = values(rstd0)!, weight = a.weight ? values(inputs[4]) : null;
  const geo = geometry(x0, a.groups);
  const dx = alloc(x0.shape, x0.dtype, device, { zero: false });
  const dw = alloc([geo.C], x0.dtype, device, { zero: false }), db = alloc([geo.C], x0.dtype, device, { zero: false });
  const [dxd, dwd, dbd] = [dx, dw, db].map((t) => t.storage.data as TypedArray) as [TypedArray, TypedArray, TypedArray];
  if (!(allowNative && nativeGroupNormBackward(geo, g, x, mean, rstd, weight, dxd, dwd, dbd))) groupNormBackwardLoops(g, x, mean, rstd, weight, geo, dxd, dwd, dbd);
  return [dx, dw, db];
}

export function groupNorm(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["groupNorm"], device: string): Tensor[] {
  return groupNormImpl(inputs, attrs, device, true);
}
export function groupNormBackward(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["groupNormBackward"], device: string): Tensor[] {
  return groupNormBackwardImpl(inputs, attrs, device, true);
}
/** The TypeScript loops only: the reference for the native group norm kernels. */
export function groupNormReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["groupNorm"], device: string): Tensor[] {
  return groupNormImpl(inputs, attrs, device, false);
}
export function groupNormBackwardReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["groupNormBackward"], device: string): Tensor[] {
  return groupNormBackwardImpl(inputs, attrs, device, false);
}

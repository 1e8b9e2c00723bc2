/**
 * The CPU backend's fused softmax and cross-entropy primitives (primitives.ts,
 * FusedPrimitiveAttrs): the native single-pass kernels (./native_fused.ts) where the addon
 * is loaded, else the TypeScript loops here, which compute in float64 and round once and are
 * the reference the native kernels are tested against (`*Reference`). Half-precision softmax
 * runs widened to float32 (./via_float32.ts); half-precision cross entropy runs the
 * primitive's decomposition into core primitives.
 *
 * Every operand is made contiguous first and seen as [outer, size, inner] around the reduced
 * (class) axis, so one loop shape covers softmax over any dim and cross entropy over [N, C, d...].
 */
import { IndexError, fmtShape } from "../../errors.js";
import { isHalf, type StorageArray, type TypedArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runDecomposition } from "../dispatcher.js";
import type { FusedPrimitiveAttrs } from "../primitives.js";
import { copy } from "./elementwise.js";
import { viaFloat32 } from "./via_float32.js";
import { alloc } from "./util.js";
import { nativeCrossEntropy, nativeCrossEntropyBackward, nativeSoftmax, nativeSoftmaxBackward, type RowGeometry } from "./native_fused.js";

/** t itself when contiguous, else a contiguous copy (the kernels read plain rows). */
export function dense(t: Tensor, device: string): Tensor {
  return t.isContiguous() ? t : copy([t], {}, device)[0]!;
}

/** The shape seen as [outer, size, inner] around `axis` (a 0-d tensor is one row of one). */
export function around(shape: readonly number[], axis: number): RowGeometry {
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d]!;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d]!;
  return { outer, size: shape.length === 0 ? 1 : shape[axis]!, inner };
}

type Arr = StorageArray;
const num = (a: Arr, i: number): number => Number(a[i]!);

// ---- softmax ---------------------------------------------------------------------------------

function softmaxLoops(x: Arr, xo: number, y: TypedArray, { outer, size: C, inner }: RowGeometry, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * C * inner + i;
      // the max as PyTorch takes it: a NaN stays (then every entry is NaN)
      let m = -Infinity;
      for (let c = 0; c < C; c++) {
        const v = x[xo + base + c * inner] as number;
        if (v > m || v !== v) m = v;
      }
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp((x[xo + base + c * inner] as number) - m);
      if (log) {
        const ls = Math.log(s);
        for (let c = 0; c < C; c++) y[base + c * inner] = (x[xo + base + c * inner] as number) - m - ls;
      } else {
        for (let c = 0; c < C; c++) y[base + c * inner] = Math.exp((x[xo + base + c * inner] as number) - m) / s;
      }
    }
  }
}

function softmaxBackwardLoops(g: Arr, go: number, y: Arr, yo: number, dx: TypedArray, { outer, size: C, inner }: RowGeometry, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * C * inner + i;
      let s = 0;
      for (let c = 0; c < C; c++) {
        const k = base + c * inner;
        s += log ? (g[go + k] as number) : (g[go + k] as number) * (y[yo + k] as number);
      }
      for (let c = 0; c < C; c++) {
        const k = base + c * inner;
        const gk = g[go + k] as number, yk = y[yo + k] as number;
        dx[k] = log ? gk - Math.exp(yk) * s : yk * (gk - s);
      }
    }
  }
}

function softmaxImpl(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["softmax"], device: string, allowNative: boolean): Tensor[] {
  return viaFloat32(inputs, device, ([x0]) => softmaxWide(x0!, a, device, allowNative));
}

function softmaxWide(x0: Tensor, a: FusedPrimitiveAttrs["softmax"], device: string, allowNative: boolean): Tensor[] {
  const x = dense(x0, device);
  const geo = around(x.shape, a.axis);
  const y = alloc(x.shape, x.dtype, device, { zero: false });
  const yd = y.storage.data as TypedArray;
  if (!(allowNative && nativeSoftmax(x.dtype, geo, a.log, x.storage.data as TypedArray, x.offset, yd))) softmaxLoops(x.storage.data, x.offset, yd, geo, a.log);
  return [y];
}

function softmaxBackwardImpl(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["softmaxBackward"], device: string, allowNative: boolean): Tensor[] {
  return viaFloat32(inputs, device, ([g0, y0]) => softmaxBackwardWide(g0!, y0!, a, device, allowNative));
}

function softmaxBackwardWide(g0: Tensor, y0: Tensor, a: FusedPrimitiveAttrs["softmaxBackward"], device: string, allowNative: boolean): Tensor[] {
  const g = dense(g0, device), y = dense(y0, device);
  const geo = around(g.shape, a.axis);
  const dx = alloc(g.shape, g.dtype, device, { zero: false });
  const out = dx.storage.data as TypedArray;
  const gd = g.storage.data as TypedArray, ydat = y.storage.data as TypedArray;
  if (!(allowNative && nativeSoftmaxBackward(g.dtype, geo, a.log, gd, g.offset, ydat, y.offset, out))) softmaxBackwardLoops(gd, g.offset, ydat, y.offset, out, geo, a.log);
  return [dx];
}

export function softmax(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["softmax"], device: string): Tensor[] {
  return softmaxImpl(inputs, attrs, device, true);
}
export function softmaxBackward(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["softmaxBackward"], device: string): Tensor[] {
  return softmaxBackwardImpl(inputs, attrs, device, true);
}
/** The TypeScript loops only: the reference for the native softmax kernels. */
export function softmaxReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["softmax"], device: string): Tensor[] {
  return softmaxImpl(inputs, attrs, device, false);
}
export function softmaxBackwardReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["softmaxBackward"], device: string): Tensor[] {
  return softmaxBackwardImpl(inputs, attrs, device, false);
}

// ---- cross entropy ---------------------------------------------------------------------------

type CrossEntropyAttrs = FusedPrimitiveAttrs["crossEntropy"];

interface CrossEntropyOperands {
  x: Tensor;
  target: Tensor;
  weight: Float64Array | null;
  geo: RowGeometry;
}

function crossEntropyOperands(x0: Tensor, target0: Tensor, weight0: Tensor | undefined, device: string): CrossEntropyOperands {
  const x = dense(x0, device), target = dense(target0, device);
  const geo = around(x.shape, x.ndim === 1 ? 0 : 1);
  const weight = weight0 ? Float64Array.from(weight0.toTypedArray() as Float64Array) : null;
  return { x, target, weight, geo };
}

function badTarget(op: string, x: Tensor, value: number): never {
  const C = x.shape[x.ndim === 1 ? 0 : 1]!;
  throw new IndexError(`${op}: target ${value} is out of bounds for ${C} classes (input shape ${fmtShape(x.shape)}); labels must be in [0, ${C - 1}]`);
}

/**
 * The loops: per position, lse over the classes, then the loss (see primitives.ts); returns
 * the position of the first out-of-range target (nothing is reported as written then), or -1.
 */
function crossEntropyLoops(o: CrossEntropyOperands, a: CrossEntropyAttrs, loss: TypedArray, lse: TypedArray): number {
  const { outer, size: C, inner } = o.geo;
  const x = o.x.storage.data, xo = o.x.offset, t = o.target.storage.data, to = o.target.offset, w = o.weight;
  const eps = a.labelSmoothing;
  let total = 0, wsum = 0;
  for (let p = 0; p < outer * inner; p++) {
    const base = Math.floor(p / inner) * C * inner + (p % inner);
    let m = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = x[xo + base + c * inner] as number;
      if (v > m || v !== v) m = v;
    }
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp((x[xo + base + c * inner] as number) - m);
    const l = m + Math.log(s);
    lse[p] = l;
    const tp = num(t, to + p);
    let li = 0;
    if (tp !== a.ignoreIndex) {
      if (!(tp >= 0 && tp < C)) return p;
      const wt = w ? w[tp]! : 1;
      li = wt * (l - (x[xo + base + tp * inner] as number));
      if (eps > 0) {
        let smooth = 0;
        for (let c = 0; c < C; c++) smooth += (w ? w[c]! : 1) * (l - (x[xo + base + c * inner] as number));
        li = li * (1 - eps) + smooth * (eps / C);
      }
      wsum += wt;
    }
    if (a.reduction === "none") loss[p] = li;
    else total += li;
  }
  if (a.reduction !== "none") loss[0] = a.reduction === "sum" ? total : total / wsum;
  return -1;
}

function crossEntropyBackwardLoops(o: CrossEntropyOperands, a: CrossEntropyAttrs, g: Tensor, lseT: Tensor, dx: TypedArray): number {
  const { outer, size: C, inner } = o.geo;
  const x = o.x.storage.data, xo = o.x.offset, t = o.target.storage.data, to = o.target.offset, w = o.weight;
  const gd = g.storage.data, lse = lseT.storage.data;
  const eps = a.labelSmoothing;
  const n = outer * inner;
  let wsum = 0, W = C;
  if (w) W = w.reduce((s, v) => s + v, 0);
  for (let p = 0; p < n; p++) {
    const tp = num(t, to + p);
    if (tp === a.ignoreIndex) continue;
    if (!(tp >= 0 && tp < C)) return p;
    wsum += w ? w[tp]! : 1;
  }
  for (let p = 0; p < n; p++) {
    const base = Math.floor(p / inner) * C * inner + (p % inner);
    const tp = num(t, to + p);
    if (tp === a.ignoreIndex) {
      for (let c = 0; c < C; c++) dx[base + c * inner] = 0;
      continue;
    }
    const scale = a.reduction === "none" ? num(gd, g.offset + p) : a.reduction === "sum" ? num(gd, g.offset) : num(gd, g.offset) / wsum;
    const wt = w ? w[tp]! : 1;
    const coef = (1 - eps) * wt + (eps > 0 ? (eps / C) * W : 0);
    const l = num(lse, lseT.offset + p);
    for (let c = 0; c < C; c++) {
      const k = base + c * inner;
      let d = Math.exp((x[xo + k] as number) - l) * coef;
      if (c === tp) d -= (1 - eps) * wt;
      if (eps > 0) d -= (eps / C) * (w ? w[c]! : 1);
      dx[k] = d * scale;
    }
  }
  return -1;
}

function crossEntropyImpl(inputs: readonly Tensor[], a: CrossEntropyAttrs, device: string, allowNative: boolean): Tensor[] {
  const [x0, target0] = inputs as [Tensor, Tensor];
  if (isHalf(x0.dtype)) return runDecomposition("crossEntropy", inputs, a, device);
  const o = crossEntropyOperands(x0, target0, a.weight ? inputs[2] : undefined, device);
  const loss = alloc(a.reduction === "none" ? target0.shape : [], x0.dtype, device, { zero: false });
  const lse = alloc(target0.shape, x0.dtype, device, { zero: false });
  const ld = loss.storage.data as TypedArray, sd = lse.storage.data as TypedArray;
  let bad = allowNative ? nativeCrossEntropy(a, o, ld, sd) : false;
  if (bad === false) bad = crossEntropyLoops(o, a, ld, sd);
  if (bad >= 0) badTarget("crossEntropy", x0, num(o.target.storage.data, o.target.offset + bad));
  return [loss, lse];
}

function crossEntropyBackwardImpl(inputs: readonly Tensor[], a: CrossEntropyAttrs, device: string, allowNative: boolean): Tensor[] {
  const [g0, x0, target0, lse0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  if (isHalf(x0.dtype)) return runDecomposition("crossEntropyBackward", inputs, a, device);
  const o = crossEntropyOperands(x0, target0, a.weight ? inputs[4] : undefined, device);
  const g = dense(g0, device), lse = dense(lse0, device);
  const dx = alloc(x0.shape, x0.dtype, device, { zero: false });
  const out = dx.storage.data as TypedArray;
  let bad = allowNative ? nativeCrossEntropyBackward(a, o, g, lse, out) : false;
  if (bad === false) bad = crossEntropyBackwardLoops(o, a, g, lse, out);
  if (bad >= 0) badTarget("crossEntropyBackward", x0, num(o.target.storage.data, o.target.offset + bad));
  return [dx];
}

export function crossEntropy(inputs: readonly Tensor[], attrs: CrossEntropyAttrs, device: string): Tensor[] {
  return crossEntropyImpl(inputs, attrs, device, true);
}
export function crossEntropyBackward(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["crossEntropyBackward"], device: string): Tensor[] {
  return crossEntropyBackwardImpl(inputs, attrs, device, true);
}
/** The TypeScript loops only: the reference for the native cross-entropy kernels. */
export function crossEntropyReference(inputs: readonly Tensor[], attrs: CrossEntropyAttrs, device: string): Tensor[] {
  return crossEntropyImpl(inputs, attrs, device, false);
}
export function crossEntropyBackwardReference(inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs["crossEntropyBackward"], device: string): Tensor[] {
  return crossEntropyBackwardImpl(inputs, attrs, device, false);
}

/**
 * Typed wrappers of the native fused kernels (native/src/binding_fused.cc: softmax, cross
 * entropy, batch and group norm, forward and backward). Each packs its sizes into a
 * Float64Array of parameters (slot order mirrored in the binding) and returns false, writing
 * nothing, where the addon is missing, predates these kernels, or the dtype is not float32 or
 * float64; the caller (./fused.ts, ./fused_norm.ts) then runs its TypeScript loops.
 * Operands are contiguous from their element offsets; outputs are fresh, from element 0.
 * Per-channel vectors (weights, saved statistics) travel as Float64Arrays of their values.
 */
import { FluxionError } from "../../errors.js";
import type { DType, TypedArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { FusedPrimitiveAttrs } from "../primitives.js";
import { nativeAddon } from "./native.js";

type Target = Int32Array | BigInt64Array;

/** What the kernels addon exports for the fused primitives (native/src/binding_fused.cc). */
interface FusedAddon {
  softmax(p: Float64Array, x: TypedArray, y: TypedArray): boolean;
  softmaxBackward(p: Float64Array, g: TypedArray, y: TypedArray, dx: TypedArray): boolean;
  // -1 when done, else the position of the first out-of-range target (nothing useful written)
  crossEntropy(p: Float64Array, x: TypedArray, target: Target, weight: Float64Array | null, loss: TypedArray, lse: TypedArray): number;
  crossEntropyBackward(p: Float64Array, g: TypedArray, x: TypedArray, target: Target, lse: TypedArray, weight: Float64Array | null, dx: TypedArray): number;
  batchNorm(p: Float64Array, x: TypedArray, weight: Float64Array | null, bias: Float64Array | null, runningMean: TypedArray | null, runningVar: TypedArray | null, y: TypedArray, mean: TypedArray, invstd: TypedArray): boolean;
  batchNormBackward(p: Float64Array, g: TypedArray, x: TypedArray, mean: Float64Array, invstd: Float64Array, weight: Float64Array | null, dx: TypedArray, dw: TypedArray, db: TypedArray): boolean;
  groupNorm(p: Float64Array, x: TypedArray, weight: Float64Array | null, bias: Float64Array | null, y: TypedArray, mean: TypedArray, rstd: TypedArray): boolean;
  groupNormBackward(p: Float64Array, g: TypedArray, x: TypedArray, mean: Float64Array, rstd: Float64Array, weight: Float64Array | null, dx: TypedArray, dw: TypedArray, db: TypedArray): boolean;
}

/** A tensor seen as [outer, size, inner] around the axis a kernel reduces. */
export interface RowGeometry {
  outer: number;
  size: number;
  inner: number;
}

/** x [N, C, *] as [N, C, S] with G groups of channels (batch norm: G unused). */
export interface NormGeometry {
  N: number;
  C: number;
  S: number;
  G: number;
}

let fused: FusedAddon | null | undefined;

/** The addon when it has the fused kernels and `dtype` is one they compute in. */
function kernels(dtype: DType): FusedAddon | null {
  if (fused === undefined) {
    const a = nativeAddon() as unknown as Partial<FusedAddon> | null;
    fused = a && typeof a.softmax === "function" && typeof a.groupNormBackward === "function" ? (a as FusedAddon) : null;
  }
  return fused !== null && (dtype === "float32" || dtype === "float64") ? fused : null;
}

/**
 * A binding error (a size that disagrees with an array) as a FluxionError naming the kernel.
 * Each wrapper calls the addon in its own try/catch: no closure per call on these hot paths.
 */
function nativeFailure(kernel: string, e: unknown): never {
  const msg = String((e as Error)?.message ?? e).replace(/^fluxion native: /, "");
  throw new FluxionError(`${kernel} (native kernel): ${msg.startsWith(`${kernel}: `) ? msg.slice(kernel.length + 2) : msg}`);
}

const p = new Float64Array(16); // reused; slot layouts in native/src/binding_fused.cc
const dt = (d: DType): number => (d === "float64" ? 1 : 0);
const REDUCTION = { none: 0, sum: 1, mean: 2 } as const;

function rows(d: DType, g: RowGeometry): void {
  p[0] = dt(d); p[1] = g.outer; p[2] = g.size; p[3] = g.inner;
}

export function nativeSoftmax(d: DType, g: RowGeometry, log: boolean, x: TypedArray, xOffset: number, y: TypedArray): boolean {
  const k = kernels(d);
  if (!k) return false;
  rows(d, g); p[4] = log ? 1 : 0; p[5] = xOffset;
  try {
    return k.softmax(p, x, y);
  } catch (e) {
    return nativeFailure("softmax", e);
  }
}

export function nativeSoftmaxBackward(d: DType, geo: RowGeometry, log: boolean, g: TypedArray, gOffset: number, y: TypedArray, yOffset: number, dx: TypedArray): boolean {
  const k = kernels(d);
  if (!k) return false;
  rows(d, geo); p[4] = log ? 1 : 0; p[5] = gOffset; p[6] = yOffset;
  try {
    return k.softmaxBackward(p, g, y, dx);
  } catch (e) {
    return nativeFailure("softmaxBackward", e);
  }
}

interface CrossEntropyOperands {
  x: Tensor;
  target: Tensor;
  weight: Float64Array | null;
  geo: RowGeometry;
}

function crossEntropyParams(a: FusedPrimitiveAttrs["crossEntropy"], o: CrossEntropyOperands): void {
  rows(o.x.dtype, o.geo);
  p[4] = o.x.offset; p[5] = o.target.offset; p[6] = o.target.dtype === "int64" ? 1 : 0;
  p[7] = a.ignoreIndex; p[8] = a.labelSmoothing; p[9] = REDUCTION[a.reduction];
}

/** -1 when done, the position of the first out-of-range target, or false when not handled. */
export function nativeCrossEntropy(a: FusedPrimitiveAttrs["crossEntropy"], o: CrossEntropyOperands, loss: TypedArray, lse: TypedArray): number | false {
  const k = kernels(o.x.dtype);
  if (!k) return false;
  crossEntropyParams(a, o);
  try {
    return k.crossEntropy(p, o.x.storage.data as TypedArray, o.target.storage.data as Target, o.weight, loss, lse);
  } catch (e) {
    return nativeFailure("crossEntropy", e);
  }
}

export function nativeCrossEntropyBackward(a: FusedPrimitiveAttrs["crossEntropy"], o: CrossEntropyOperands, g: Tensor, lse: Tensor, dx: TypedArray): number | false {
  const k = kernels(o.x.dtype);
  if (!k) return false;
  crossEntropyParams(a, o);
  p[10] = g.offset; p[11] = lse.offset;
  try {
    return k.crossEntropyBackward(p, g.storage.data as TypedArray, o.x.storage.data as TypedArray, o.target.storage.data as Target, lse.storage.data as TypedArray, o.weight, dx);
  } catch (e) {
    return nativeFailure("crossEntropyBackward", e);
  }
}

function norms(d: DType, g: NormGeometry): void {
  p[0] = dt(d); p[1] = g.N; p[2] = g.C; p[3] = g.S; p[4] = g.G;
}

export function nativeBatchNorm(
  a: FusedPrimitiveAttrs["batchNorm"], geo: NormGeometry,
  o: { x: Tensor; weight: Float64Array | null; bias: Float64Array | null; runningMean: Tensor | null; runningVar: Tensor | null },
  y: TypedArray, mean: TypedArray, invstd: TypedArray,
): boolean {
  const k = kernels(o.x.dtype);
  if (!k) return false;
  const rm = o.runningMean, rv = o.runningVar;
  norms(o.x.dtype, geo);
  p[5] = o.x.offset; p[6] = a.training ? 1 : 0; p[7] = a.momentum; p[8] = a.eps;
  p[9] = rm?.offset ?? 0; p[10] = rm?.strides[0] ?? 0; p[11] = rv?.offset ?? 0; p[12] = rv?.strides[0] ?? 0;
  try {
    return k.batchNorm(p, o.x.storage.data as TypedArray, o.weight, o.bias, (rm?.storage.data ?? null) as TypedArray | null, (rv?.storage.data ?? null) as TypedArray | null, y, mean, invstd);
  } catch (e) {
    return nativeFailure("batchNorm", e);
  }
}

export function nativeBatchNormBackward(
  training: boolean, geo: NormGeometry, g: Tensor, x: Tensor, mean: Float64Array, invstd: Float64Array, weight: Float64Array | null,
  dx: TypedArray, dw: TypedArray, db: TypedArray,
): boolean {
  const k = kernels(x.dtype);
  if (!k) return false;
  norms(x.dtype, geo);
  p[5] = g.offset; p[6] = x.offset; p[7] = training ? 1 : 0;
  try {
    return k.batchNormBackward(p, g.storage.data as TypedArray, x.storage.data as TypedArray, mean, invstd, weight, dx, dw, db);
  } catch (e) {
    return nativeFailure("batchNormBackward", e);
  }
}

export function nativeGroupNorm(eps: number, geo: NormGeometry, x: Tensor, weight: Float64Array | null, bias: Float64Array | null, y: TypedArray, mean: TypedArray, rstd: TypedArray): boolean {
  const k = kernels(x.dtype);
  if (!k) return false;
  norms(x.dtype, geo);
  p[5] = x.offset; p[6] = eps;
  try {
    return k.groupNorm(p, x.storage.data as TypedArray, weight, bias, y, mean, rstd);
  } catch (e) {
    return nativeFailure("groupNorm", e);
  }
}

export function nativeGroupNormBackward(
  geo: NormGeometry, g: Tensor, x: Tensor, mean: Float64Array, rstd: Float64Array, weight: Float64Array | null,
  dx: TypedArray, dw: TypedArray, db: TypedArray,
): boolean {
  const k = kernels(x.dtype);
  if (!k) return false;
  norms(x.dtype, geo);
  p[5] = g.offset; p[6] = x.offset;
  try {
    return k.groupNormBackward(p, g.storage.data as TypedArray, x.storage.data as TypedArray, mean, rstd, weight, dx, dw, db);
  } catch (e) {
    return nativeFailure("groupNormBackward", e);
  }
}

/**
 * CPU batched matmul. `matmul` runs the native GEMM (native/, through ./native.ts) for
 * float32, float64 and bfloat16 when the addon is loaded, reading the operands through
 * their strides in place; else float32 runs the WebAssembly SIMD GEMM (./wasm/gemm.ts: the
 * browser's path) where the engine has it; everything else runs `matmulReference`: the
 * TypeScript kernel the native and wasm ones are tested against. There B is
 * packed to contiguous rows when needed, then four rows of A at a time stream over B's
 * rows (i-k-j order) so the inner loop is a contiguous multiply-add that V8 compiles tightly.
 */
import { isIntegral, type TypedArray } from "../../tensor/dtype.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { nativeGemm, type GemmDType, type GemmEpilogue } from "./native.js";
import { binary, unary } from "./elementwise.js";
import { wasmGemmAvailable, wasmGemmF32, wasmGemmPreferred } from "./wasm/gemm.js";

type Work = Float32Array | Float64Array;

function reader(t: Tensor): (i: number) => number {
  const d = t.storage.data as TypedArray;
  if (t.dtype === "bfloat16") return (i) => bfloat16BitsToFloat32(d[i]!);
  if (t.dtype === "float16") return (i) => float16BitsToFloat32(d[i]!);
  return (i) => d[i]!;
}

/** C[M,N] += A[M,K] * B[K,N]; A addressed by strides, B packed row-major, C row-major. */
function gemm(M: number, N: number, K: number, A: Work, pa: number, rsA: number, csA: number, B: Work, C: Work): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const c0 = i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    const a0 = pa + i * rsA;
    for (let k = 0; k < K; k++) {
      const ak = a0 + k * csA;
      const x0 = A[ak]!, x1 = A[ak + rsA]!, x2 = A[ak + 2 * rsA]!, x3 = A[ak + 3 * rsA]!;
      const bk = k * N;
      for (let j = 0; j < N; j++) {
        const b = B[bk + j]!;
        C[c0 + j] += x0 * b;
        C[c1 + j] += x1 * b;
        C[c2 + j] += x2 * b;
        C[c3 + j] += x3 * b;
      }
    }
  }
  for (; i < M; i++) {
    const c0 = i * N, a0 = pa + i * rsA;
    for (let k = 0; k < K; k++) {
      // no skipping of zeros: 0 * inf and 0 * NaN must give NaN
      const x0 = A[a0 + k * csA]!;
      const bk = k * N;
      for (let j = 0; j < N; j++) C[c0 + j] += x0 * B[bk + j]!;
    }
  }
}

/**
 * Batched matmul: native GEMM where it applies, else the wasm one (first with
 * FLUXION_WASM=1), the TypeScript reference otherwise.
 */
export function matmul(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"], device: string): Tensor[] {
  if (wasmGemmPreferred()) return matmulWasm(inputs, attrs, device) ?? matmulNative(inputs, attrs, device) ?? matmulReference(inputs, attrs, device);
  return matmulNative(inputs, attrs, device) ?? matmulWasm(inputs, attrs, device) ?? matmulReference(inputs, attrs, device);
}

/** Calls `item(t, pa, pb)` for each batch item t with its operands' offsets (out is contiguous). */
function forEachBatch(a: Tensor, b: Tensor, batch: readonly number[], item: (t: number, pa: number, pb: number) => void): void {
  const nb = batch.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(batch.length).fill(0);
  let pa = a.offset, pb = b.offset;
  for (let t = 0; t < nb; t++) {
    item(t, pa, pb);
    for (let d = batch.length - 1; d >= 0; d--) {
      pa += a.strides[d]!;
      pb += b.strides[d]!;
      if (++idx[d]! < batch[d]!) break;
      idx[d] = 0;
      pa -= a.strides[d]! * batch[d]!;
      pb -= b.strides[d]! * batch[d]!;
    }
  }
}

/** The wasm SIMD path (float32); null where it is not available. Epilogue as the reference's. */
function matmulWasm(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"], device: string): Tensor[] | null {
  const [a, b, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
  if (a.dtype !== "float32" || b.dtype !== "float32" || !wasmGemmAvailable()) return null;
  const nd = a.shape.length;
  const batch = a.shape.slice(0, nd - 2);
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  const out = alloc([...batch, M, N], "float32", device, { zero: false });
  const ad = a.storage.data as Float32Array, bd = b.storage.data as Float32Array, od = out.storage.data as Float32Array;
  const rsA = a.strides[nd - 2]!, csA = a.strides[nd - 1]!, rsB = b.strides[nd - 2]!, csB = b.strides[nd - 1]!;
  forEachBatch(a, b, batch, (t, pa, pb) => {
    wasmGemmF32(M, N, K, { data: ad, offset: pa, rowStride: rsA, colStride: csA }, { data: bd, offset: pb, rowStride: rsB, colStride: csB }, od, t * M * N);
  });
  return [applyEpilogue(out, bias, attrs, device)];
}

const NATIVE_DTYPES = new Set(["float32", "float64", "bfloat16"]);

/**
 * Batch dims merged where both operands step through them evenly (so a contiguous or
 * stride-0 broadcast batch becomes one native call); each entry is [size, strideA, strideB].
 */
function mergedBatch(a: Tensor, b: Tensor, batch: readonly number[]): [number, number, number][] {
  const dims: [number, number, number][] = [];
  for (let d = 0; d < batch.length; d++) {
    const size = batch[d]!, sa = a.strides[d]!, sb = b.strides[d]!;
    if (size === 1) continue;
    const last = dims[dims.length - 1];
    if (last && last[1] === sa * size && last[2] === sb * size) {
      last[0] *= size;
      last[1] = sa;
      last[2] = sb;
    } else dims.push([size, sa, sb]);
  }
  return dims.length ? dims : [[1, 0, 0]];
}

/** The native path; null when the addon is not loaded or the dtype is not supported. */
function matmulNative(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"], device: string): Tensor[] | null {
  const [a, b, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
  if (!NATIVE_DTYPES.has(a.dtype) || b.dtype !== a.dtype || (bias && bias.dtype !== a.dtype)) return null;
  const epilogue: GemmEpilogue = {
    activation: attrs.activation,
    bias: bias && attrs.bias ? { data: bias.storage.data as TypedArray, offset: bias.offset, stride: bias.strides[0] ?? 0, kind: attrs.bias } : undefined,
  };
  const nd = a.shape.length;
  const batch = a.shape.slice(0, nd - 2);
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  // beta = 0: the GEMM writes every element of C without reading it
  const out = alloc([...batch, M, N], a.dtype, device, { zero: false });
  const dims = mergedBatch(a, b, batch);
  const [inner, isa, isb] = dims[dims.length - 1]!;
  const outer = dims.slice(0, -1);
  const nOuter = outer.reduce((x, d) => x * d[0], 1);
  const dt = a.dtype as GemmDType;
  const idx = new Array<number>(outer.length).fill(0);
  let pa = a.offset, pb = b.offset, pc = 0;
  for (let t = 0; t < nOuter; t++) {
    const ok = nativeGemm(dt, M, N, K, inner,
      { data: a.storage.data as TypedArray, offset: pa, rowStride: a.strides[nd - 2]!, colStride: a.strides[nd - 1]!, batchStride: isa },
      { data: b.storage.data as TypedArray, offset: pb, rowStride: b.strides[nd - 2]!, colStride: b.strides[nd - 1]!, batchStride: isb },
      { data: out.storage.data as TypedArray, offset: pc, rowStride: N, colStride: 1, batchStride: M * N }, epilogue);
    if (!ok) return null;
    pc += inner * M * N;
    for (let d = outer.length - 1; d >= 0; d--) {
      pa += outer[d]![1];
      pb += outer[d]![2];
      if (++idx[d]! < outer[d]![0]) break;
      idx[d] = 0;
      pa -= outer[d]![1] * outer[d]![0];
      pb -= outer[d]![2] * outer[d]![0];
    }
  }
  return [out];
}

/** int64 matmul in exact bigint arithmetic, wrapping at 2^63 like C's int64 (out is contiguous). */
function int64Matmul(a: Tensor, b: Tensor, out: Tensor, batch: readonly number[]): Tensor {
  const nd = a.shape.length;
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  const ad = a.storage.data as BigInt64Array, bd = b.storage.data as BigInt64Array, od = out.storage.data as BigInt64Array;
  const rsA = a.strides[nd - 2]!, csA = a.strides[nd - 1]!, rsB = b.strides[nd - 2]!, csB = b.strides[nd - 1]!;
  forEachBatch(a, b, batch, (t, pa, pb) => {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0n;
        for (let k = 0; k < K; k++) acc = BigInt.asIntN(64, acc + ad[pa + i * rsA + k * csA]! * bd[pb + k * rsB + j * csB]!);
        od[(t * M + i) * N + j] = acc;
      }
    }
  });
  return out;
}

/**
 * int32/int8/uint8 matmul accumulating in int32 with wrap-around (Math.imul and |0), as C's
 * int arithmetic and PyTorch's kernels do: the low 32 bits are exact whatever the sizes (a
 * float64 sum is not, once products of int32 values pass 2^53), and the narrow stores keep
 * the low 8 of them (out is contiguous).
 */
function int32Matmul(a: Tensor, b: Tensor, out: Tensor, batch: readonly number[]): Tensor {
  const nd = a.shape.length;
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  const ad = a.storage.data as Int32Array, bd = b.storage.data as Int32Array, od = out.storage.data as Int32Array;
  const rsA = a.strides[nd - 2]!, csA = a.strides[nd - 1]!, rsB = b.strides[nd - 2]!, csB = b.strides[nd - 1]!;
  forEachBatch(a, b, batch, (t, pa, pb) => {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc = (acc + Math.imul(ad[pa + i * rsA + k * csA]!, bd[pb + k * rsB + j * csB]!)) | 0;
        od[(t * M + i) * N + j] = acc;
      }
    }
  });
  return out;
}

/** The TypeScript kernel: every dtype, any strides; the reference for the native GEMM. */
export function matmulReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"], device: string): Tensor[] {
  const [product] = plainMatmul(inputs as [Tensor, Tensor], device);
  return [applyEpilogue(product!, inputs[2], attrs, device)];
}

/** act(out + bias) with the elementwise kernels (the reference for the fused epilogue). */
function applyEpilogue(out: Tensor, bias: Tensor | undefined, attrs: PrimitiveAttrs["matmul"], device: string): Tensor {
  let r = out;
  if (bias && attrs.bias) {
    const M = out.shape[out.ndim - 2]!;
    const b = attrs.bias === "col" ? bias : new Tensor(bias.storage, [M, 1], [bias.strides[0] ?? 0, 0], bias.offset, bias.dtype);
    r = binary([r, b], { op: "add" }, device)[0]!;
  }
  if (attrs.activation) r = unary([r], { op: attrs.activation === "gelu" ? "geluErf" : attrs.activation }, device)[0]!;
  return r;
}

function plainMatmul([a, b]: [Tensor, Tensor], device: string): Tensor[] {
  const nd = a.shape.length;
  const batch = a.shape.slice(0, nd - 2);
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  const out = alloc([...batch, M, N], a.dtype, device);
  const nb = batch.reduce((x, y) => x * y, 1);
  if (nb * M * N === 0) return [out];
  if (a.dtype === "int64") return [int64Matmul(a, b, out, batch)];
  if (isIntegral(a.dtype)) return [int32Matmul(a, b, out, batch)];
  const f64 = a.dtype === "float64";
  const direct = a.dtype === "float32" || a.dtype === "float64";
  const mk = (n: number): Work => (f64 ? new Float64Array(n) : new Float32Array(n));
  // A is read through its own strides unless it needs widening
  const widenA = !direct;
  const readA = reader(a), readB = reader(b);
  const Bp = mk(K * N);
  const Aw = widenA ? mk(M * K) : null;
  const C = direct ? null : mk(M * N);
  const rsA = a.strides[nd - 2]!, csA = a.strides[nd - 1]!, rsB = b.strides[nd - 2]!, csB = b.strides[nd - 1]!;
  const outData = out.storage.data as TypedArray;
  forEachBatch(a, b, batch, (t, pa, pb) => {
    // pack B rows contiguously (a plain copy when it is already row-major)
    if (direct && csB === 1) {
      const bd = b.storage.data as Work;
      for (let k = 0; k < K; k++) Bp.set(bd.subarray(pb + k * rsB, pb + k * rsB + N), k * N);
    } else if (direct) {
      // strided (e.g. transposed) B: gather without a per-element closure call
      const bd = b.storage.data as Work;
      for (let k = 0; k < K; k++) {
        const src = pb + k * rsB, dst = k * N;
        for (let j = 0; j < N; j++) Bp[dst + j] = bd[src + j * csB]!;
      }
    } else for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) Bp[k * N + j] = readB(pb + k * rsB + j * csB);
    const dst = direct ? (outData.subarray(t * M * N, (t + 1) * M * N) as Work) : C!.fill(0);
    if (Aw) {
      for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) Aw[i * K + k] = readA(pa + i * rsA + k * csA);
      gemm(M, N, K, Aw, 0, K, 1, Bp, dst);
    } else gemm(M, N, K, a.storage.data as Work, pa, rsA, csA, Bp, dst);
    if (!direct) {
      const base = t * M * N;
      const conv = a.dtype === "bfloat16" ? float32ToBFloat16Bits : a.dtype === "float16" ? float32ToFloat16Bits : (v: number) => v;
      for (let i = 0; i < M * N; i++) outData[base + i] = conv(C![i]!);
    }
  });
  return [out];
}

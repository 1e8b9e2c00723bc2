/** Small helpers shared by the CPU kernels: output allocation and operand views. */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { arrayFor, arrayOver, itemSize, type DType, type StorageArray } from "../../tensor/dtype.js";
import { checkNumel, contiguousStrides, fmtBytes, shapesEqual } from "../../tensor/shape.js";
import { runningPrimitive } from "../dispatcher.js";
import { Storage } from "../../tensor/storage.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Operand } from "./loops.js";
import { takeOfferedOutput } from "../planned_outputs.js";
import { POOLED_MIN_BYTES, nativeReleaseBuffer, nativeStorageBuffer } from "./native.js";

export interface AllocOptions {
  /**
   * Whether the elements must start at zero (the default). Pass false only when the kernel
   * writes every element: large buffers then come from the caching allocator unzeroed.
   */
  zero?: boolean;
}

/**
 * A new contiguous tensor for a kernel's output. Memory compile() set aside for this output
 * comes first (planned_outputs.ts). Large buffers come from the native caching allocator
 * (reused memory, given back when the GC collects the tensor); small ones, and all of them
 * without the addon, are plain zero-filled typed arrays.
 */
export function alloc(shape: readonly number[], dtype: DType, device: string, options?: AllocOptions): Tensor {
  // checked before any memory is touched: a size computed from bad attributes (a negative
  // or fractional output size, an absurd count) is an error naming the primitive, not a
  // RangeError from a typed array or the allocator
  const op = runningPrimitive() ?? "alloc";
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${op}: invalid output shape ${fmtShape(shape)} (${dtype}): sizes must be non-negative integers`);
    n *= s;
  }
  checkNumel(op, shape, dtype);
  let data: StorageArray | null = takeOfferedOutput(dtype, n);
  if (data !== null) {
    if (options?.zero ?? true) new Uint8Array(data.buffer, data.byteOffset, data.byteLength).fill(0);
    return Tensor._contiguous(new Storage(data, device), [...shape], dtype);
  }
  try {
    data = storageArray(dtype, n, options?.zero ?? true);
  } catch (e) {
    if (e instanceof FluxionError) throw e;
    throw new FluxionError(`${op}: out of memory: cannot allocate ${fmtBytes(n * itemSize(dtype))} for a tensor of shape ${fmtShape(shape)} (${dtype})`);
  }
  return Tensor._contiguous(new Storage(data, device), [...shape], dtype);
}

/**
 * Backend.release on CPU: a storage whose typed array spans a whole pooled buffer gives the
 * block back to the caching allocator now (small and plain buffers are left to the GC).
 */
export function releaseStorage(storage: Storage): void {
  // a storage compile() has pending or watched is the compiled program's to manage
  if (storage._lazy !== null) return;
  const d = storage.data;
  if (d.byteLength < POOLED_MIN_BYTES || d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength) return;
  nativeReleaseBuffer(d.buffer as ArrayBuffer);
}

/**
 * Host memory for a compiled program's arena (compile/buffer_plan.ts): a block of the caching
 * allocator where it is active (64-byte aligned, huge pages when large: what the kernels'
 * vector loads want), else a plain ArrayBuffer. Never released by hand: the GC frees it with
 * the program.
 */
export function hostArena(bytes: number): ArrayBuffer {
  return nativeStorageBuffer(bytes, false) ?? new ArrayBuffer(bytes);
}

function storageArray(dtype: DType, n: number, zero: boolean): StorageArray {
  const buffer = nativeStorageBuffer(n * itemSize(dtype), zero);
  return buffer ? arrayOver(dtype, buffer) : arrayFor(dtype, n);
}

export function operand(t: Tensor): Operand {
  return { arr: t.storage.data, strides: t.strides, offset: t.offset, dtype: t.dtype };
}

/** The operand read as if broadcast to `shape` (stride 0 along broadcast dims). */
export function broadcastOperand(t: Tensor, shape: readonly number[]): Operand {
  if (shapesEqual(t.shape, shape)) return { arr: t.storage.data, strides: t.strides, offset: t.offset, dtype: t.dtype }; // nothing broadcast
  const nd = shape.length, off = nd - t.shape.length;
  const strides = new Array<number>(nd).fill(0);
  for (let i = 0; i < t.shape.length; i++) strides[off + i] = t.shape[i] === 1 && shape[off + i] !== 1 ? 0 : t.strides[i]!;
  return { arr: t.storage.data, strides, offset: t.offset, dtype: t.dtype };
}

export function outOperand(t: Tensor): Operand {
  return { arr: t.storage.data, strides: t.strides.length ? t.strides : contiguousStrides(t.shape), offset: t.offset, dtype: t.dtype };
}

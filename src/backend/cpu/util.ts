/** Small helpers shared by the CPU kernels: output allocation and operand views. */
import { arrayFor, arrayOver, itemSize, type DType, type StorageArray } from "../../tensor/dtype.js";
import { contiguousStrides, numelOf } from "../../tensor/shape.js";
import { Storage } from "../../tensor/storage.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Operand } from "./loops.js";
import { nativeStorageBuffer } from "./native.js";

export interface AllocOptions {
  /**
   * Whether the elements must start at zero (the default). Pass false only when the kernel
   * writes every element: large buffers then come from the caching allocator unzeroed.
   */
  zero?: boolean;
}

/**
 * A new contiguous tensor for a kernel's output. Large buffers come from the native caching
 * allocator (reused memory, given back when the GC collects the tensor); small ones, and
 * all of them without the addon, are plain zero-filled typed arrays.
 */
export function alloc(shape: readonly number[], dtype: DType, device: string, options?: AllocOptions): Tensor {
  const n = numelOf(shape);
  return Tensor._contiguous(new Storage(storageArray(dtype, n, options?.zero ?? true), device), [...shape], dtype);
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
  const nd = shape.length, off = nd - t.shape.length;
  const strides = new Array<number>(nd).fill(0);
  for (let i = 0; i < t.shape.length; i++) strides[off + i] = t.shape[i] === 1 && shape[off + i] !== 1 ? 0 : t.strides[i]!;
  return { arr: t.storage.data, strides, offset: t.offset, dtype: t.dtype };
}

export function outOperand(t: Tensor): Operand {
  return { arr: t.storage.data, strides: t.strides.length ? t.strides : contiguousStrides(t.shape), offset: t.offset, dtype: t.dtype };
}

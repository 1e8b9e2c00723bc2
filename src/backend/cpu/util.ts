/** Small helpers shared by the CPU kernels: output allocation and operand views. */
import { arrayFor, type DType } from "../../tensor/dtype.js";
import { contiguousStrides, numelOf } from "../../tensor/shape.js";
import { Storage } from "../../tensor/storage.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Operand } from "./loops.js";

export function alloc(shape: readonly number[], dtype: DType, device: string): Tensor {
  return Tensor._contiguous(new Storage(arrayFor(dtype, numelOf(shape)), device), [...shape], dtype);
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

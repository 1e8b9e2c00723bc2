/**
 * asStrided (torch.as_strided): a view of x's storage with any sizes, strides and offset
 * (sliding windows, diagonals, tricks from NumPy's as_strided). The gradient adds each output
 * element's gradient into the storage position it read (several outputs may read one
 * position), then reads that buffer with x's own layout.
 */
import { defineOp, type MethodsOf } from "../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { arange, scalarTensor, zeros } from "../tensor/creation.js";
import { itemSize } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { makeView } from "./views.js";

const SIG = "asStrided(Tensor self, int[] size, int[] stride, int? storageOffset=null) -> Tensor";

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<{ asStrided: typeof SIG }> {}
}

/** The elements x's storage holds (Infinity while compile() has it pending: not known yet). */
function capacity(x: Tensor): number {
  const s = x.storage;
  if (s.memory !== null) return Math.floor(s.memory.byteLength / itemSize(x.dtype));
  return s._lazy !== null ? Infinity : s.data.length;
}

/** One past the largest storage position a layout reads (its offset when it reads nothing). */
function end(size: readonly number[], stride: readonly number[], offset: number): number {
  if (size.includes(0)) return offset;
  return size.reduce((e, n, d) => e + (n - 1) * stride[d]!, offset) + 1;
}

/** The storage positions (int64) a layout reads, relative to `base`, in its shape. */
function positions(size: readonly number[], stride: readonly number[], offset: number, base: number, device: string): Tensor {
  let p = scalarTensor(offset - base, "int64", device);
  size.forEach((n, d) => {
    const shape = size.map((_, k) => (k === d ? n : 1));
    p = p.add(arange(n, { dtype: "int64", device }).mul(stride[d]!).reshape(shape));
  });
  return p.expand(size);
}

export function asStrided(x: Tensor, sizeArg: number | number[], strideArg: number | number[], storageOffset: number | null): Tensor {
  const offset = storageOffset ?? x.offset;
  const size = typeof sizeArg === "number" ? [sizeArg] : sizeArg, stride = typeof strideArg === "number" ? [strideArg] : strideArg; // int[] takes one int
  if (size.length !== stride.length) throw new ShapeError(`asStrided: mismatch in length of strides and shape (size ${fmtShape(size)}, stride ${fmtShape(stride)})`);
  if (size.some((n) => n < 0)) throw new ShapeError(`asStrided: negative sizes are not allowed, got size ${fmtShape(size)}`);
  if (stride.some((s) => s < 0)) throw new ArgumentError(`asStrided: Negative strides are not supported at the moment, got strides: ${fmtShape(stride)}`);
  if (offset < 0) throw new ArgumentError(`asStrided: Tensor: invalid storage offset ${offset}`);
  const need = end(size, stride, offset), cap = capacity(x);
  if (need > cap) {
    throw new ShapeError(`asStrided: sizes ${fmtShape(size)}, strides ${fmtShape(stride)}, storage offset ${offset}, and itemsize ${itemSize(x.dtype)} requiring a storage size of ${need * itemSize(x.dtype)} are out of bounds for storage of size ${cap * itemSize(x.dtype)}`);
  }
  const inShape = [...x.shape], inStrides = [...x.strides], inOffset = x.offset;
  return makeView("AsStridedBackward0", x, size, stride, offset, (g) => {
    // gradients summed per storage position over the span both layouts touch, read back as x
    const base = Math.min(inOffset, offset);
    const span = Math.max(end(size, stride, offset), end(inShape, inStrides, inOffset)) - base;
    const flat = zeros([span], { dtype: g.dtype, device: g.device }).indexAdd(0, positions(size, stride, offset, base, g.device).reshape([-1]), g.reshape([-1]));
    return asStrided(flat, inShape, inStrides, inOffset - base);
  });
}

export const AS_STRIDED_FNS = { asStrided: defineOp(SIG, asStrided) };

/**
 * Memory formats (torch.contiguous_format, channels_last, ...): the order a 4-D (or 5-D)
 * tensor's elements are laid out in, not its shape. `x.contiguous({ memoryFormat: channelsLast })`
 * keeps x's [N, C, H, W] shape with NHWC strides; `x.isContiguous({ memoryFormat })` tests a
 * layout; `x.to({ memoryFormat })` and `module.to({ memoryFormat })` convert; `x.clone()` keeps
 * the layout (preserveFormat, as PyTorch's) and `x.clone({ memoryFormat })` sets it. Every op reads
 * any layout, so a format changes where values sit, never a result.
 */
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";

export type MemoryFormat = "contiguousFormat" | "preserveFormat" | "channelsLast" | "channelsLast3d";
/** torch.contiguous_format: row-major strides (the default). */
export const contiguousFormat: MemoryFormat = "contiguousFormat";
/** torch.preserve_format: keep the input's layout (to(), clone()). */
export const preserveFormat: MemoryFormat = "preserveFormat";
/** torch.channels_last: a 4-D [N, C, H, W] tensor stored as NHWC. */
export const channelsLast: MemoryFormat = "channelsLast";
/** torch.channels_last_3d: a 5-D [N, C, D, H, W] tensor stored as NDHWC. */
export const channelsLast3d: MemoryFormat = "channelsLast3d";
const FORMATS: readonly string[] = [contiguousFormat, preserveFormat, channelsLast, channelsLast3d];

/** The format after checks: a known name, the rank channelsLast/channelsLast3d need. */
export function checkMemoryFormat(op: string, fmt: unknown, x: Tensor | null, allowPreserve: boolean): MemoryFormat {
  if (typeof fmt !== "string" || !FORMATS.includes(fmt) || (!allowPreserve && fmt === preserveFormat)) {
    const known = FORMATS.filter((f) => allowPreserve || f !== preserveFormat);
    throw new ArgumentError(`${op}: memoryFormat must be one of ${known.map((f) => `"${f}"`).join(", ")}, got ${typeof fmt === "string" ? `"${fmt}"` : typeof fmt}`);
  }
  if (x !== null) {
    if (fmt === channelsLast && x.ndim !== 4) throw new ShapeError(`${op}: required rank 4 tensor to use channels_last format, got shape ${fmtShape(x.shape)}`);
    if (fmt === channelsLast3d && x.ndim !== 5) throw new ShapeError(`${op}: required rank 5 tensor to use channels_last_3d format, got shape ${fmtShape(x.shape)}`);
  }
  return fmt as MemoryFormat;
}

/** The dims from innermost to outermost in a format (channels-last: C, then W, H(, D), N). */
function dimOrder(fmt: MemoryFormat, ndim: number): number[] {
  if (fmt === channelsLast || fmt === channelsLast3d) return [1, ...Array.from({ length: ndim - 2 }, (_, i) => ndim - 1 - i), 0];
  return Array.from({ length: ndim }, (_, i) => ndim - 1 - i);
}

/** Whether x is laid out densely in `fmt` (size-1 dims may have any stride, as in PyTorch). */
export function isContiguousIn(x: Tensor, fmt: MemoryFormat): boolean {
  if (x.numel() === 0) return true;
  let expected = 1;
  for (const d of dimOrder(fmt, x.ndim)) {
    const size = x.shape[d]!;
    if (size === 1) continue;
    if (x.strides[d] !== expected) return false;
    expected *= size;
  }
  return true;
}

/** x itself when it is laid out in `fmt` already, else a copy in that layout (differentiable). */
export function toMemoryFormat(x: Tensor, fmt: MemoryFormat): Tensor {
  if (fmt === preserveFormat || isContiguousIn(x, fmt)) return x;
  if (fmt === contiguousFormat) return x.contiguous();
  // permute so the format's innermost dim is last, make that contiguous, permute back
  const order = dimOrder(fmt, x.ndim).reverse();
  const inverse = order.map((_, i) => order.indexOf(i));
  return x.permute(order).contiguous().permute(inverse);
}

/**
 * Whether x's elements fill a dense block with no two at one address, in some dim order
 * (PyTorch's is_non_overlapping_and_dense): what a preserve-format clone copies stride for stride.
 */
export function isNonOverlappingAndDense(x: Tensor): boolean {
  const dims = x.shape.map((_, d) => d).filter((d) => x.shape[d]! > 1).sort((a, b) => x.strides[a]! - x.strides[b]!);
  let expected = 1;
  for (const d of dims) {
    if (x.strides[d] !== expected) return false;
    expected *= x.shape[d]!;
  }
  return true;
}

/** PyTorch's is_channels_last_strides_2d/3d: strides that grow in the channels-last order (C, W, H(, D), N), ambiguous cases NCHW. */
function stridesLikeChannelsLast(x: Tensor): boolean {
  const order = x.ndim === 4 ? [1, 3, 2, 0] : x.ndim === 5 ? [1, 4, 3, 2, 0] : null;
  if (order === null || x.strides[1] === 0) return false;
  let min = 0;
  for (const d of order) {
    const size = x.shape[d]!, stride = x.strides[d]!;
    if (size === 0 || stride < min) return false;
    if (d === 0 && min === x.strides[1]) return false;
    min = size > 1 ? stride * size : stride;
  }
  return true;
}

/** The layout a copy of x should take when x's own strides cannot be kept (torch's suggest_memory_format). */
export function suggestMemoryFormat(x: Tensor): MemoryFormat {
  if (!stridesLikeChannelsLast(x)) return contiguousFormat;
  return x.ndim === 4 ? channelsLast : channelsLast3d;
}

/**
 * Shape ops that build new tensors from pieces of others: cat/stack (and hstack/vstack),
 * split/chunk/tensorSplit (views), pad, flip, roll, repeat/tile and tril/triu.
 *
 * Only `cat`, `pad`, `flip` and `tril`/`triu` touch primitives directly (cat, pad, a
 * negative-stride view + copy, where); the rest are compositions of views and those, so
 * their backward comes from the pieces and is differentiable again (double backward).
 */
import { dispatch } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import type { BackwardFn } from "../autograd/node.js";
import { DTypeError, FluxionError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { readHost } from "../tensor/host_read.js";
import { promoteTypes, type DType } from "../tensor/dtype.js";
import { arange, scalarTensor, zeros } from "../tensor/creation.js";
import { normalizeDim, normalizeDims } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { where } from "./elementwise.js";

const describe = (t: Tensor) => `${fmtShape(t.shape)} ${t.dtype}`;

function isLegacyEmpty(t: Tensor): boolean {
  return t.ndim === 1 && t.shape[0] === 0;
}

// ---- cat / stack ------------------------------------------------------------------------

/**
 * Concatenates tensors along an existing dim. Inputs are promoted to a common dtype (like
 * torch.cat); 1-D tensors of shape [0] are skipped, as PyTorch does for legacy reasons.
 * @example cat([zeros([2, 3]), ones([1, 3])]).shape // [3, 3]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new FluxionError("cat: expected a non-empty list of Tensors");
  tensors.forEach((t, i) => {
    if (t.ndim === 0) throw new ShapeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated; use stack, or unsqueeze it first`);
  });
  let dtype: DType = tensors[0]!.dtype;
  for (const t of tensors) dtype = promoteTypes(dtype, t.dtype);
  const cast = tensors.map((t) => t.to(dtype));
  const skip = cast.map((t) => isLegacyEmpty(t) && cast.some((u) => !isLegacyEmpty(u)));
  const used = cast.filter((_, i) => !skip[i]);
  const firstIndex = skip.indexOf(false);
  const first = used[0]!;
  const d = normalizeDim("cat", dim, first.ndim);
  cast.forEach((t, i) => {
    if (skip[i]) return;
    if (t.ndim !== first.ndim) {
      throw new ShapeError(`cat: tensors must have same number of dimensions: got ${first.ndim} and ${t.ndim} (tensor ${firstIndex} is ${describe(first)}, tensor ${i} is ${describe(t)})`);
    }
    for (let k = 0; k < t.ndim; k++) {
      if (k !== d && t.shape[k] !== first.shape[k]) {
        throw new ShapeError(
          `cat: sizes of tensors must match except in dimension ${d}. Expected size ${first.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list (shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)}, dtype ${dtype})`,
        );
      }
    }
  });
  const out = dispatch("cat", used, { axis: d });
  const lengths = cast.map((t, i) => (skip[i] ? -1 : t.shape[d]!));
  return record1("CatBackward0", cast, out, [], catBackward(lengths, d));
}

/**
 * Each input's gradient is its slice of g; skipped [0]-tensors get an empty gradient.
 * Made outside cat() so the closure, which outlives backward, holds no input.
 */
function catBackward(lengths: readonly number[], d: number): BackwardFn {
  return ([g]) => {
    let pos = 0;
    return lengths.map((len) => {
      if (len < 0) return zeros([0], { dtype: g!.dtype, device: g!.device });
      const piece = g!.narrow(d, pos, len);
      pos += len;
      return piece;
    });
  };
}

/**
 * Stacks equally shaped tensors along a new dim.
 * @example stack([tensor([1, 2]), tensor([3, 4])], 1).tolist() // [[1, 3], [2, 4]]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new FluxionError("stack: expected a non-empty list of Tensors");
  const s0 = tensors[0]!.shape;
  tensors.forEach((t, i) => {
    if (t.ndim !== s0.length || t.shape.some((s, k) => s !== s0[k])) {
      throw new ShapeError(`stack: expects each tensor to be equal size, but got ${fmtShape(s0)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim("stack", dim, s0.length + 1);
  return cat(tensors.map((t) => t.unsqueeze(d)), d);
}

function atLeast(t: Tensor, n: 1 | 2): Tensor {
  // unsqueeze rather than reshape: it also works on 0-d tensors
  while (t.ndim < n) t = t.unsqueeze(0);
  return t;
}

/**
 * Concatenates column-wise: along dim 1, or dim 0 for 1-D inputs (0-d inputs become 1-D).
 * @example hstack([tensor([1, 2]), tensor([3])]).tolist() // [1, 2, 3]
 */
export function hstack(tensors: readonly Tensor[]): Tensor {
  const ts = tensors.map((t) => atLeast(t, 1));
  return cat(ts, ts[0] && ts[0].ndim === 1 ? 0 : 1);
}

/**
 * Concatenates row-wise after making every input at least 2-D (1-D [n] becomes [1, n]).
 * @example vstack([tensor([1, 2]), tensor([3, 4])]).shape // [2, 2]
 */
export function vstack(tensors: readonly Tensor[]): Tensor {
  return cat(tensors.map((t) => atLeast(t, 2)), 0);
}

// ---- split / chunk ----------------------------------------------------------------------

function splitBySizes(x: Tensor, sizes: readonly number[], d: number): Tensor[] {
  let pos = 0;
  return sizes.map((len) => {
    const piece = x.narrow(d, pos, len);
    pos += len;
    return piece;
  });
}

function checkSplittable(op: string, x: Tensor, dim: number): number {
  if (x.ndim === 0) throw new ShapeError(`${op}: expects at least a 1-dimensional tensor, got a 0-d tensor`);
  return normalizeDim(op, dim, x.ndim);
}

/**
 * Splits into views along dim: pieces of `splitSize` (the last may be smaller), or pieces
 * of the given sizes, which must add up to the dim's size.
 * @example split(arange(5), 2).map((t) => t.tolist()) // [[0, 1], [2, 3], [4]]
 */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = checkSplittable("split", x, dim);
  const size = x.shape[d]!;
  if (typeof splitSizeOrSections === "number") {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`split: splitSize must be a non-negative integer, got ${s}`);
    if (s === 0 && size !== 0) throw new ShapeError(`split: splitSize can only be 0 if dimension size is 0, but got dimension size of ${size} (shape ${fmtShape(x.shape)}, dim ${d})`);
    const n = s === 0 ? 1 : Math.max(1, Math.ceil(size / s));
    return splitBySizes(x, Array.from({ length: n }, (_, i) => Math.min(s, size - i * s)), d);
  }
  const sizes = splitSizeOrSections;
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== size) {
    throw new ShapeError(`split: split sizes must be non-negative integers that sum exactly to ${size} (the size of dim ${d} of input ${fmtShape(x.shape)}), but got ${JSON.stringify(sizes)}`);
  }
  return splitBySizes(x, sizes, d);
}

/**
 * Splits into `chunks` views of ceil(size / chunks) elements (the last may be smaller, and
 * fewer chunks may come back), exactly like torch.chunk.
 * @example chunk(arange(5), 3).map((t) => t.tolist()) // [[0, 1], [2, 3], [4]]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  const d = checkSplittable("chunk", x, dim);
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ShapeError(`chunk: expects \`chunks\` to be a positive integer, got: ${chunks}`);
  const size = x.shape[d]!;
  const each = Math.ceil(size / chunks);
  // an empty dim still yields `chunks` empty pieces (split alone would give one)
  if (size === 0) return splitBySizes(x, new Array<number>(chunks).fill(0), d);
  return split(x, each, d);
}

/** torch.tensor_split's tensor form: a 0-d integer tensor is a number of sections, a 1-D one the split indices (read on the host: they decide how many views there are). */
function splitPointsOf(t: Tensor): number | number[] {
  if (t.dtype !== "int64" && t.dtype !== "int32") throw new DTypeError(`tensorSplit: expected tensor_indices_or_sections to have an integer dtype (int64 or int32), but got ${t.dtype} (shape ${fmtShape(t.shape)})`);
  if (t.ndim > 1) throw new ShapeError(`tensorSplit: expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, but got a tensor with ${t.ndim} dims (shape ${fmtShape(t.shape)})`);
  const v = Array.from(readHost(t, "tensorSplit reads its split points"), Number);
  return t.ndim === 0 ? v[0]! : v;
}

/**
 * Splits into `sections` nearly equal views (the first size % sections get one extra
 * element), or at the given indices along dim (torch.tensor_split).
 * @example tensorSplit(arange(5), 3).map((t) => t.tolist()) // [[0, 1], [2, 3], [4]]
 * @example tensorSplit(arange(5), [1, 3]).map((t) => t.tolist()) // [[0], [1, 2], [3, 4]]
 * @example tensorSplit(flat, offsets.narrow(0, 1, offsets.shape[0] - 1)) // jagged rows from their offsets (a tensor: read on the host)
 */
export function tensorSplit(x: Tensor, indicesOrSections: number | readonly number[] | Tensor, dim = 0): Tensor[] {
  if (indicesOrSections instanceof Tensor) indicesOrSections = splitPointsOf(indicesOrSections);
  const d = checkSplittable("tensorSplit", x, dim);
  const size = x.shape[d]!;
  if (typeof indicesOrSections === "number") {
    const n = indicesOrSections;
    if (!Number.isInteger(n) || n <= 0) throw new ShapeError(`tensorSplit: number of sections must be a positive integer, got ${n}`);
    // sections past the size are empty views: a few are PyTorch's semantics, 1e12 would exhaust the heap
    if (n > Math.max(size, 2 ** 20)) throw new ShapeError(`tensorSplit: ${n} sections of a dimension of size ${size} would create ${n} tensors, most of them empty; at most ${Math.max(size, 2 ** 20)} are supported here`);
    const base = Math.floor(size / n), extra = size % n;
    return splitBySizes(x, Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0)), d);
  }
  // slice semantics: indices clamp into [0, size] and a later index before an earlier one is empty
  const bounds = [0, ...indicesOrSections.map((i) => Math.min(size, Math.max(0, i < 0 ? i + size : i))), size];
  const pieces: Tensor[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const start = bounds[k]!;
    pieces.push(x.narrow(d, start, Math.max(0, bounds[k + 1]! - start)));
  }
  return pieces;
}

// ---- pad --------------------------------------------------------------------------------

export type PadMode = "constant" | "reflect" | "replicate" | "circular";
export interface PadOptions {
  /** How to fill the border (default "constant"). */
  mode?: PadMode;
  /** Fill value for mode "constant" (default 0). */
  value?: number;
}

/**
 * Pads (or, with negative amounts, crops) the last dims, like F.pad: `padding` lists
 * [before, after] pairs starting from the last dim.
 * Modes: "constant" (fill with `value`), "reflect" (mirror without repeating the edge),
 * "replicate" (repeat the edge), "circular" (wrap around). Negative amounts crop as PyTorch
 * 1.13 does: reflect and replicate pad the whole input, then crop (pad(x, [-1, 2]) mirrors
 * around the original last element); circular crops first and wraps around what is left,
 * again and again if the padding is longer than that (never longer than the input).
 * Unlike PyTorch, the non-constant modes accept any number of padded dims and any batch shape.
 * @example pad(tensor([1, 2, 3]), [1, 2], { mode: "reflect" }).tolist() // [2, 1, 2, 3, 2, 1]
 */
export function pad(x: Tensor, padding: readonly number[], opts?: PadOptions): Tensor {
  const mode = opts?.mode ?? "constant";
  if (!["constant", "reflect", "replicate", "circular"].includes(mode)) {
    throw new FluxionError(`pad: unknown mode ${JSON.stringify(mode)}; expected "constant", "reflect", "replicate" or "circular"`);
  }
  if (padding.length % 2 !== 0) throw new ShapeError(`pad: padding length must be divisible by 2, got ${padding.length} (${JSON.stringify(padding)})`);
  if (padding.length / 2 > x.ndim) {
    throw new ShapeError(`pad: padding length should be less than or equal to two times the input dimension but got padding length ${padding.length} and input of dimension ${x.ndim} (shape ${fmtShape(x.shape)})`);
  }
  if (padding.some((p) => !Number.isInteger(p))) throw new ShapeError(`pad: padding amounts must be integers, got ${JSON.stringify(padding)}`);
  // pairs[d] = [before, after] for every dim of x
  const pairs: [number, number][] = x.shape.map(() => [0, 0]);
  for (let i = 0; i < padding.length / 2; i++) pairs[x.ndim - 1 - i] = [padding[2 * i]!, padding[2 * i + 1]!];
  if (mode === "constant") return constantPad(x, pairs, opts?.value ?? 0);
  if (opts?.value !== undefined) throw new FluxionError(`pad: padding mode "${mode}" doesn't take in value argument`);
  let r = x;
  pairs.forEach(([before, after], d) => {
    if (before === 0 && after === 0) return;
    const at = `padding (${before}, ${after}) at dimension ${d} of input ${fmtShape(x.shape)}`;
    // negative amounts crop, in PyTorch's order: reflect and replicate pad the whole input
    // and then crop; circular crops first and wraps around what is left
    const cutBefore = Math.max(0, -before), cutAfter = Math.max(0, -after);
    const padBefore = Math.max(0, before), padAfter = Math.max(0, after);
    let size = x.shape[d]!;
    let left: Tensor, right: Tensor;
    if (mode === "circular") {
      if (padBefore > size || padAfter > size) throw new ShapeError(`pad: circular padding size should be at most the corresponding input dimension, but got ${at}`);
      if (cutBefore + cutAfter > size) throw new ShapeError(`pad: negative circular padding crops more than the input has, got ${at}: the output would have size ${size + before + after}`);
      size -= cutBefore + cutAfter;
      r = r.narrow(d, cutBefore, size);
      if (size === 0 && padBefore + padAfter > 0) throw new ShapeError(`pad: circular padding has nothing left to wrap around after cropping, got ${at}`);
      // padding longer than what is left wraps around it again (as PyTorch's copy does)
      const longest = Math.max(padBefore, padAfter);
      const wraps = longest > size ? Math.ceil(longest / size) : 1;
      const tiled = wraps === 1 ? r : cat(Array.from({ length: wraps }, () => r), d);
      left = tiled.narrow(d, wraps * size - padBefore, padBefore);
      right = tiled.narrow(d, 0, padAfter);
    } else {
      if (size + before + after <= 0) throw new ShapeError(`pad: input size ${size} in dimension ${d} is too small for ${mode} ${at}: the output would have size ${size + before + after}`);
      if (mode === "reflect") {
        if (padBefore >= size || padAfter >= size) throw new ShapeError(`pad: reflect padding size should be less than the corresponding input dimension, but got ${at}`);
        left = r.narrow(d, 1, padBefore).flip([d]);
        right = r.narrow(d, size - 1 - padAfter, padAfter).flip([d]);
      } else {
        if (size === 0) throw new ShapeError(`pad: replicate padding needs a non-empty dimension, got ${at}`);
        const edgeShape = (n: number) => r.shape.map((s, k) => (k === d ? n : s));
        left = r.narrow(d, 0, 1).expand(edgeShape(padBefore));
        right = r.narrow(d, size - 1, 1).expand(edgeShape(padAfter));
      }
    }
    if (padBefore > 0 || padAfter > 0) r = cat([left, r, right], d);
    if (mode !== "circular" && (cutBefore > 0 || cutAfter > 0)) r = r.narrow(d, cutBefore, r.shape[d]! - cutBefore - cutAfter);
  });
  // a result that is only crops of x is still a new tensor, as F.pad's
  return r.storage === x.storage ? r.clone() : r;
}

/** Constant padding: negative amounts crop with a view, positive ones use the pad primitive. */
function constantPad(x: Tensor, pairs: [number, number][], value: number): Tensor {
  let r = x;
  pairs.forEach(([before, after], d) => {
    if (before >= 0 && after >= 0) return;
    const cutBefore = Math.max(0, -before), cutAfter = Math.max(0, -after);
    const size = x.shape[d]!;
    if (cutBefore + cutAfter > size) {
      throw new ShapeError(`pad: the input size ${size} in dimension ${d} (shape ${fmtShape(x.shape)}) is too small for padding (${before}, ${after}): the output would have size ${size + before + after}`);
    }
    r = r.narrow(d, cutBefore, size - cutBefore - cutAfter);
  });
  const pads = pairs.map(([b, a]) => [Math.max(0, b), Math.max(0, a)] as const);
  if (pads.every(([b, a]) => b === 0 && a === 0)) return r.clone();
  const out = dispatch("pad", [r], { pads, value });
  return record1("ConstantPadNdBackward0", [r], out, [], constantPadBackward(pads, r.shape));
}

/** The gradient of constant padding: g with the padding cut off (made outside, to hold no input). */
function constantPadBackward(pads: readonly (readonly [number, number])[], inShape: readonly number[]): BackwardFn {
  return ([g]) => {
    let gi = g!;
    pads.forEach(([b], d) => {
      if (gi.shape[d] !== inShape[d]) gi = gi.narrow(d, b, inShape[d]!);
    });
    return [gi];
  };
}

// ---- flip / roll ------------------------------------------------------------------------

/**
 * Reverses the order of elements along the given dims (a copy, like torch.flip).
 * @example flip(tensor([[1, 2], [3, 4]]), [1]).tolist() // [[2, 1], [4, 3]]
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const axes = normalizeDims("flip", dims, x.ndim);
  if (x.ndim === 0) axes.length = 0; // dim 0 / -1 of a 0-d tensor: nothing to reverse
  // a view with negated strides starting at the last element, then a contiguous copy
  let offset = x.offset;
  const strides = [...x.strides];
  for (const d of axes) {
    if (x.shape[d]! > 0) offset += (x.shape[d]! - 1) * strides[d]!;
    strides[d] = -strides[d]!;
  }
  const out = dispatch("copy", [dispatch("view", [x], { shape: x.shape, strides, offset })], {});
  return record1("FlipBackward0", [x], out, [], ([g]) => [flip(g!, axes)]);
}

/**
 * Rotates elements along dims by `shifts` (elements pushed off the end come back at the
 * start). Without dims the tensor is rolled as if flattened, then restored to its shape.
 * @example roll(tensor([1, 2, 3, 4]), 1).tolist() // [4, 1, 2, 3]
 */
export function roll(x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
  const sh = typeof shifts === "number" ? [shifts] : [...shifts];
  const ds = dims === undefined ? [] : typeof dims === "number" ? [dims] : [...dims];
  if (ds.length === 0) {
    if (sh.length !== 1) throw new ShapeError(`roll: without dims, shifts must be a single number, got ${JSON.stringify(shifts)}`);
    if (x.ndim === 0) return x.clone();
    return roll(x.flatten(), sh[0]!, 0).view(x.shape);
  }
  if (sh.length !== ds.length) throw new ShapeError(`roll: shifts and dimensions must align. shifts: ${sh.length}, dims: ${ds.length}`);
  if (x.ndim === 0) {
    // unlike most ops, PyTorch's roll does not take dim 0 or -1 as naming a 0-d tensor itself
    throw new IndexError(`roll: Dimension specified as ${ds[0]} but tensor has no dimensions (a 0-d tensor); roll it without dims`);
  }
  let r = x;
  sh.forEach((shift, i) => {
    if (!Number.isInteger(shift)) throw new ShapeError(`roll: shifts must be integers, got ${shift}`);
    const d = normalizeDim("roll", ds[i]!, x.ndim);
    const n = r.shape[d]!;
    if (n === 0) return;
    const s = ((shift % n) + n) % n;
    if (s !== 0) r = cat([r.narrow(d, n - s, s), r.narrow(d, 0, n - s)], d);
  });
  return r === x ? x.clone() : r;
}

// ---- repeat / tile ----------------------------------------------------------------------

/**
 * Tiles the tensor `sizes[i]` times along each dim (torch.Tensor.repeat); extra leading
 * sizes add new leading dims. Always returns a new tensor.
 * @example repeat(tensor([1, 2]), [2, 2]).tolist() // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  if (sizes.length < x.ndim) {
    throw new ShapeError(`repeat: number of dimensions of repeat dims (${sizes.length}) can not be smaller than number of dimensions of tensor (${x.ndim}, shape ${fmtShape(x.shape)})`);
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new ShapeError(`repeat: repeats must be non-negative integers, got ${fmtShape(sizes)}`);
  const shape = [...new Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
  // view as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...], merge the pairs
  const out = x
    .reshape(shape.flatMap((s) => [1, s]))
    .expand(shape.flatMap((s, i) => [sizes[i]!, s]))
    .reshape(shape.map((s, i) => s * sizes[i]!));
  return out.storage === x.storage ? out.clone() : out;
}

/**
 * Like repeat, but `dims` shorter than the tensor's rank are padded with leading 1s.
 * @example tile(ones([2, 3]), [2]).shape // [2, 6]
 */
export function tile(x: Tensor, dims: readonly number[]): Tensor {
  return repeat(x, [...new Array<number>(Math.max(0, x.ndim - dims.length)).fill(1), ...dims]);
}

// ---- tril / triu ------------------------------------------------------------------------

function triangle(op: "tril" | "triu", x: Tensor, diagonal: number): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${op}: input tensor must have at least 2 dimensions, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new IndexError(`${op}: diagonal must be an integer, got ${diagonal}`);
  const rows = x.shape[x.ndim - 2]!, cols = x.shape[x.ndim - 1]!;
  const j = arange(cols, { device: x.device });
  const i = arange(rows, { device: x.device }).unsqueeze(1);
  const offset = j.sub(i); // j - i: which diagonal each element is on
  const keep = op === "tril" ? offset.le(diagonal) : offset.ge(diagonal);
  return where(keep, x, scalarTensor(0, x.dtype, x.device));
}

/**
 * The lower triangle of the last two dims: elements with j - i <= diagonal; others are 0.
 * @example tril(ones([2, 2])).tolist() // [[1, 0], [1, 1]]
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle("tril", x, diagonal);
}

/**
 * The upper triangle of the last two dims: elements with j - i >= diagonal; others are 0.
 * @example triu(ones([2, 2])).tolist() // [[1, 1], [0, 1]]
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle("triu", x, diagonal);
}

// ---- Tensor methods ---------------------------------------------------------------------

const SIGS = {
  split: "split(Tensor self, int|int[] splitSizeOrSections, int dim=0) -> Tensor[]",
  chunk: "chunk(Tensor self, int chunks, int dim=0) -> Tensor[]",
  tensorSplit: "tensorSplit(Tensor self, int|int[]|Tensor indicesOrSections, int dim=0) -> Tensor[]",
  splitWithSizes: "splitWithSizes(Tensor self, int[] splitSizes, int dim=0) -> Tensor[]",
  unsafeSplit: "unsafeSplit(Tensor self, int splitSize, int dim=0) -> Tensor[]",
  unsafeSplitWithSizes: "unsafeSplitWithSizes(Tensor self, int[] splitSizes, int dim=0) -> Tensor[]",
  unsafeChunk: "unsafeChunk(Tensor self, int chunks, int dim=0) -> Tensor[]",
  flip: "flip(Tensor self, int... dims) -> Tensor",
  fliplr: "fliplr(Tensor self) -> Tensor",
  flipud: "flipud(Tensor self) -> Tensor",
  roll: "roll(Tensor self, int[] shifts, int[]? dims=null) -> Tensor",
  repeat: "repeat(Tensor self, int... repeats) -> Tensor",
  tile: "tile(Tensor self, int... dims) -> Tensor",
  tril: "tril(Tensor self, int diagonal=0) -> Tensor",
  triu: "triu(Tensor self, int diagonal=0) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

function fliplr(x: Tensor): Tensor {
  if (x.ndim < 2) throw new ShapeError(`fliplr: input must be >= 2-D, got shape ${fmtShape(x.shape)}`);
  return flip(x, [1]);
}
function flipud(x: Tensor): Tensor {
  if (x.ndim < 1) throw new ShapeError("flipud: input must be >= 1-D, got a 0-d tensor");
  return flip(x, [0]);
}

/**
 * torch.split_with_sizes: split with a list of sizes only, which must be non-negative and sum
 * to the dim's size. The unsafe_ forms are the same views here: PyTorch's skip the autograd
 * view tracking that makes an in-place change of one piece visible to the others' gradients,
 * and say so ("unsafe"); Fluxion keeps it, which only removes a way to get wrong gradients.
 */
function splitWithSizes(op: string, x: Tensor, sizes: readonly number[], dim: number): Tensor[] {
  const d = checkSplittable(op, x, dim);
  if (sizes.some((s) => s < 0)) throw new ShapeError(`${op}: split_sizes must have only non-negative entries, but got split_sizes=${JSON.stringify(sizes)}`);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x.shape[d]) {
    throw new ShapeError(`${op}: split_sizes must sum exactly to ${x.shape[d]} (input tensor's size at dimension ${d}, shape ${fmtShape(x.shape)}), but got split_sizes=${JSON.stringify(sizes)}`);
  }
  return splitBySizes(x, sizes, d);
}

/** The public, argument-checked forms (torch.cat, torch.split, ...); ops call the functions above directly. */
export const SHAPE_FNS = {
  cat: defineOp("cat(Tensor[] tensors, int dim=0, *, Tensor? out=null) -> Tensor", (ts: readonly Tensor[], dim: number) => cat(ts, dim)),
  concat: defineOp("concat(Tensor[] tensors, int dim=0, *, Tensor? out=null) -> Tensor", (ts: readonly Tensor[], dim: number) => cat(ts, dim)),
  /** torch.concatenate: cat under NumPy's name (PyTorch 1.13 has cat, concat and concatenate). */
  concatenate: defineOp("concatenate(Tensor[] tensors, int dim=0, *, Tensor? out=null) -> Tensor", (ts: readonly Tensor[], dim: number) => cat(ts, dim)),
  stack: defineOp("stack(Tensor[] tensors, int dim=0, *, Tensor? out=null) -> Tensor", (ts: readonly Tensor[], dim: number) => stack(ts, dim)),
  hstack: defineOp("hstack(Tensor[] tensors) -> Tensor", hstack),
  vstack: defineOp("vstack(Tensor[] tensors) -> Tensor", vstack),
  split: defineOp(SIGS.split, split),
  chunk: defineOp(SIGS.chunk, chunk),
  tensorSplit: defineOp(SIGS.tensorSplit, tensorSplit),
  splitWithSizes: defineOp(SIGS.splitWithSizes, (x: Tensor, sizes: number | number[], dim: number) => splitWithSizes("splitWithSizes", x, typeof sizes === "number" ? [sizes] : sizes, dim)),
  unsafeSplit: defineOp(SIGS.unsafeSplit, (x: Tensor, size: number, dim: number) => split(x, size, dim)),
  unsafeSplitWithSizes: defineOp(SIGS.unsafeSplitWithSizes, (x: Tensor, sizes: number | number[], dim: number) =>
    splitWithSizes("unsafeSplitWithSizes", x, typeof sizes === "number" ? [sizes] : sizes, dim)),
  unsafeChunk: defineOp(SIGS.unsafeChunk, chunk),
  flip: defineOp(SIGS.flip, flip),
  fliplr: defineOp(SIGS.fliplr, fliplr),
  flipud: defineOp(SIGS.flipud, flipud),
  roll: defineOp(SIGS.roll, (x: Tensor, shifts: number | number[], dims: number | number[] | null) => roll(x, shifts, dims ?? undefined)),
  repeat: defineOp(SIGS.repeat, repeat, { variants: "method" }),
  tile: defineOp(SIGS.tile, tile),
  tril: defineOp(SIGS.tril, tril),
  triu: defineOp(SIGS.triu, triu),
  pad: defineOp(
    'pad(Tensor input, int[] pad, "constant"|"reflect"|"replicate"|"circular" mode="constant", float? value=null) -> Tensor',
    (x: Tensor, padding: number | number[], mode: PadMode, value: number | null) => pad(x, typeof padding === "number" ? [padding] : padding, { mode, value: value ?? undefined }),
    { group: "nn.functional" },
  ),
};

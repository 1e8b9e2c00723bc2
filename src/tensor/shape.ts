/** Shape arithmetic: sizes, strides, broadcasting, dim normalisation and size limits. */
import { FluxionError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { itemSize, type DType } from "./dtype.js";

export type Shape = readonly number[];

/**
 * The most elements one tensor's storage can hold: a typed array's length limit in V8
 * (2^32). A larger request is refused before any memory is touched.
 */
export const MAX_NUMEL = 2 ** 32;

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major strides; as PyTorch's, a size-0 dim counts as 1 (zeros([2, 0]) has strides [1, 1]). */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i]!, 1);
  }
  return strides;
}

/** Row-major layout check; as in PyTorch, size-1 dims' strides don't matter and empty tensors are contiguous. */
export function isContiguousLayout(shape: Shape, strides: Shape): boolean {
  if (shape.includes(0)) return true;
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `from` broadcasts to exactly `to` (trailing dims equal or 1, no more dims than `to`). */
export function expandableTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  return from.every((d, i) => d === 1 || d === to[off + i]);
}

/** NumPy/PyTorch broadcasting of any number of shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  if (shapes.length === 2 && shapesEqual(shapes[0]!, shapes[1]!)) return shapes[0]!.slice(); // every same-shape binary op
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = nd - s.length + i, d = s[i]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new ShapeError(`${op}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together (dim ${o - nd}: ${out[o]} vs ${d})`);
      }
    }
  }
  return out;
}

/** Wraps a possibly negative dim into [0, ndim); ndim 0 accepts dims -1 and 0 like PyTorch. */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new IndexError(`${op}: dimension ${dim} out of range (expected to be in range of [${-n}, ${n - 1}]) for a tensor of ${ndim} dims`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Normalises a list of dims (or all dims when undefined/null), rejecting repeats. */
export function normalizeDims(op: string, dims: number | readonly number[] | undefined | null, ndim: number): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === "number" ? [dims] : dims;
  const out = list.map((d) => normalizeDim(op, d, ndim));
  if (new Set(out).size !== out.length) throw new IndexError(`${op}: dim ${JSON.stringify(list)} appears multiple times in the list of dims`);
  return out.sort((a, b) => a - b);
}

/**
 * Checks a requested shape: non-negative integer sizes whose product fits in one tensor's
 * storage (MAX_NUMEL; with `dtype`, the message gives the bytes asked for). Returns a copy.
 */
export function checkShape(op: string, shape: readonly number[], dtype?: DType): number[] {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers`);
  }
  checkNumel(op, shape, dtype);
  return [...shape];
}

/** Throws when a shape of valid sizes holds more elements than a tensor's storage can. */
export function checkNumel(op: string, shape: readonly number[], dtype?: DType): void {
  let n = 1;
  for (const s of shape) n *= s;
  if (n <= MAX_NUMEL || shape.includes(0)) return;
  throw new FluxionError(`${op}: cannot allocate a tensor of shape ${fmtShape(shape)}: ${fmtCount(n)} elements${dtype ? ` of ${dtype} (${fmtBytes(n * itemSize(dtype))})` : ""}, more than the ${MAX_NUMEL} elements a tensor's storage can hold`);
}

/** An element count as messages print it: exact while it is, else in scientific notation. */
function fmtCount(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : n.toExponential(3);
}

/** `4000000000000 bytes (3.6 TiB)`. */
export function fmtBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let v = bytes, u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${fmtCount(bytes)} bytes${u >= 0 ? ` (${v.toFixed(1)} ${units[u]})` : ""}`;
}

/** Resolves a -1 entry in a requested shape for view/reshape. */
export function inferShape(op: string, shape: readonly number[], numel: number, from: Shape): number[] {
  let infer = -1, known = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i]!;
    if (s === -1) {
      if (infer >= 0) throw new ShapeError(`${op}: only one dimension can be inferred (-1) in ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${op}: invalid size ${s} in shape ${fmtShape(shape)}`);
    else known *= s;
  }
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel} (shape ${fmtShape(from)})`);
    out[infer] = numel / known;
  } else if (known !== numel) throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel} (shape ${fmtShape(from)})`);
  return out;
}

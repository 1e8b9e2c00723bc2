/**
 * CPU primitives that move or select elements: view, cat, pad, gather, scatter, indexPut.
 * Index values are checked here, while the kernel runs (the ops above never read them on
 * the host first): a bad one raises the IndexError of the call's IndexRule before anything
 * is written; int64 indices and negative ones (where the rule allows them) are resolved to
 * in-range int32 positions first. gather and the general scatter (strided or broadcast
 * indices, int64, negatives) run on the native kernel (native/src/gather.cc) where the addon
 * is loaded: it reads the index in place, checks it as it goes and reports the first bad
 * index, for which the same IndexError is raised here.
 */
import { FluxionError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { Storage } from "../../tensor/storage.js";
import { arrayOver, itemSize, type DType, type TypedArray } from "../../tensor/dtype.js";
import type { IndexRule, PrimitiveAttrs } from "../primitives.js";
import { assign, cast, copy } from "./elementwise.js";
import { isHalf } from "../../tensor/dtype.js";
import { alloc } from "./util.js";
import { full } from "./creation.js";
import { nativeIndexed, nativeScatter } from "./native.js";

export function view(inputs: readonly Tensor[], attrs: PrimitiveAttrs["view"]): Tensor[] {
  const x = inputs[0]!;
  const dtype = attrs.dtype ?? x.dtype;
  const storage = dtype === x.dtype ? x.storage : reinterpret(x.storage, dtype);
  return [new Tensor(storage, [...attrs.shape], [...attrs.strides], attrs.offset, dtype)];
}

/** The bytes of `s` as a storage of `dtype`: a typed array over the same buffer, the same version counter. */
function reinterpret(s: Storage, dtype: DType): Storage {
  const d = s.data, size = itemSize(dtype);
  if (d.byteOffset % size !== 0) {
    throw new FluxionError(`view: this tensor's storage starts at byte ${d.byteOffset} of its buffer, which ${dtype} (${size}-byte elements) cannot be read from; view a copy (x.clone().view(...))`);
  }
  return new Storage(arrayOver(dtype, d.buffer as ArrayBuffer, d.byteOffset, Math.floor(d.byteLength / size)), s.device, s);
}

/** A view of `t`'s storage with the given shape and offset, keeping t's strides. */
function window(t: Tensor, shape: readonly number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, t.strides, offset, t.dtype);
}

export function cat(inputs: readonly Tensor[], attrs: PrimitiveAttrs["cat"], device: string): Tensor[] {
  const axis = attrs.axis;
  const shape = [...inputs[0]!.shape];
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  // the inputs tile the output along `axis`
  const out = alloc(shape, inputs[0]!.dtype, device, { zero: false });
  let pos = 0;
  for (const t of inputs) {
    if (t.numel() > 0) assign([window(out, t.shape, pos * out.strides[axis]!), t], {}, device);
    pos += t.shape[axis]!;
  }
  return [out];
}

export function pad(inputs: readonly Tensor[], attrs: PrimitiveAttrs["pad"], device: string): Tensor[] {
  const x = inputs[0]!;
  const shape = x.shape.map((s, d) => s + attrs.pads[d]![0] + attrs.pads[d]![1]);
  const out = full([], { shape, dtype: x.dtype, value: attrs.value }, device)[0]!;
  const offset = attrs.pads.reduce((o, [before], d) => o + before * out.strides[d]!, 0);
  if (x.numel() > 0) assign([window(out, x.shape, offset), x], {}, device);
  return [out];
}

let nativeIndexing = true;

/**
 * Runs fn with gather and the general scatter on their TypeScript loops (the native general
 * kernel off): the reference the native kernel is tested against.
 */
export function withTypeScriptIndexing<T>(fn: () => T): T {
  const prev = nativeIndexing;
  nativeIndexing = false;
  try {
    return fn();
  } finally {
    nativeIndexing = prev;
  }
}

/** Calls fn(indexValue, indexPos, coords) for every element of index, in row-major order (an int64 index read as numbers). */
function forEachIndex(index: Tensor, fn: (v: number, pos: number, coords: number[]) => void): void {
  const n = index.numel();
  const nd = index.ndim;
  const coords = new Array<number>(nd).fill(0);
  const data = index.storage.data;
  let p = index.offset;
  for (let k = 0; k < n; k++) {
    fn(Number(data[p]!), k, coords);
    for (let d = nd - 1; d >= 0; d--) {
      p += index.strides[d]!;
      if (++coords[d]! < index.shape[d]!) break;
      coords[d] = 0;
      p -= index.strides[d]! * index.shape[d]!;
    }
  }
}

/** Raises the IndexError for index value v: the rule's message, or the kernel's own naming the axis. */
type Fail = (v: number | bigint) => never;
function failer(op: string, size: number, axis: number, shape: readonly number[], rule: IndexRule | undefined): Fail {
  return (v) => {
    const own = `${op}: index ${v} is out of bounds for dimension ${axis} with size ${size} (input shape ${fmtShape(shape)})`;
    throw new IndexError(rule?.error !== undefined ? rule.error.split("{index}").join(String(v)) : own);
  };
}

/**
 * `index` as int32 positions in [0, size): itself when it is int32 and negatives are not
 * allowed (the loops then check each value), else a checked copy with negative values
 * counted from the end. Broadcast (stride-0) dims stay broadcast, so an index expanded
 * along other dims (indexSelect's) is read and copied once.
 */
function resolveIndex(index: Tensor, size: number, negative: boolean, fail: Fail, device: string): Tensor {
  if (index.dtype === "int32" && !negative) return index;
  // a broadcast (stride-0) dim is resolved once; an empty one leaves nothing to resolve (its
  // storage may still hold values a size-1 view of it would read)
  if (index.numel() === 0) return alloc(index.shape, "int32", device, { zero: false });
  const compact = index.shape.map((s, d) => (index.strides[d] === 0 ? 1 : s));
  const out = alloc(compact, "int32", device, { zero: false });
  const od = out.storage.data as Int32Array, data = index.storage.data;
  const nd = compact.length, coords = new Array<number>(nd).fill(0);
  let p = index.offset;
  for (let k = 0; k < od.length; k++) {
    const raw = data[p]!;
    let v = Number(raw);
    if (negative && v < 0) v += size;
    if (!(v >= 0 && v < size)) fail(raw);
    od[k] = v;
    for (let d = nd - 1; d >= 0; d--) {
      p += index.strides[d]!;
      if (++coords[d]! < compact[d]!) break;
      coords[d] = 0;
      p -= index.strides[d]! * compact[d]!;
    }
  }
  return new Tensor(out.storage, index.shape, out.strides.map((st, d) => (index.strides[d] === 0 ? 0 : st)), 0, "int32");
}

/**
 * gather/scatter's shape rule, checked before any element is read or written: index has x's
 * number of dims and is no larger than `other` in every dim but `axis` (axis -1: in every dim).
 */
function checkIndexShape(op: string, index: Tensor, other: Tensor, axis: number): void {
  const ok = index.ndim === other.ndim && index.shape.every((s, d) => d === axis || s <= other.shape[d]!);
  if (!ok) throw new ShapeError(`${op}: index of shape ${fmtShape(index.shape)} does not fit a tensor of shape ${fmtShape(other.shape)}${axis >= 0 ? ` outside dimension ${axis}` : ""}`);
}

export function gather(inputs: readonly Tensor[], attrs: PrimitiveAttrs["gather"], device: string): Tensor[] {
  const x = inputs[0]!;
  const axis = attrs.axis;
  checkIndexShape("gather", inputs[1]!, x, axis);
  const size = x.shape[axis]!;
  const fail = failer("gather", size, axis, x.shape, attrs.index);
  const negative = attrs.index?.negative ?? false;
  const raw = inputs[1]!;
  if (nativeIndexing && raw.numel() > 0) {
    // the native kernel reads int32/int64 indices in place and checks them as it goes
    const out = alloc(raw.shape, x.dtype, device, { zero: false });
    const bad = nativeIndexed("gather", x.dtype, raw.dtype, negative, axis, size, raw.shape, operand(raw), operand(x), operand(out));
    if (bad !== false) {
      if (bad >= 0) fail(valueAt(raw, bad));
      return [out];
    }
  }
  const index = resolveIndex(raw, size, negative, fail, device);
  const out = alloc(index.shape, x.dtype, device, { zero: false }); // one write per index
  const od = out.storage.data, xd = x.storage.data;
  if (isRowSelect(index, x, axis) && gatherRows(x, index, axis, out, fail)) return [out];
  forEachIndex(index, (v, pos, coords) => {
    if (v < 0 || v >= size) fail(v);
    let p = x.offset;
    for (let d = 0; d < coords.length; d++) p += (d === axis ? v : coords[d]!) * x.strides[d]!;
    od[pos] = xd[p]!;
  });
  return [out];
}

function operand(t: Tensor): { data: TypedArray | BigInt64Array; offset: number; strides: readonly number[] } {
  return { data: t.storage.data as TypedArray | BigInt64Array, offset: t.offset, strides: t.strides };
}

/** The element of t at row-major position k (a bigint for int64): a bad index a native kernel reported. */
function valueAt(t: Tensor, k: number): number | bigint {
  let p = t.offset;
  for (let d = t.ndim - 1; d >= 0; d--) {
    const s = t.shape[d]!;
    p += (k % s) * t.strides[d]!;
    k = Math.floor(k / s);
  }
  return t.storage.data[p]!;
}

/**
 * True when index is a 1-D vector broadcast along every other dim to x's sizes
 * (indexSelect's pattern). An index smaller than x in another dim (gather(0, [[0], [2]]) of
 * a [5, 2] x) selects only part of each row, so whole rows would be wrong.
 */
function isRowSelect(index: Tensor, x: Tensor, axis: number): boolean {
  return index.shape.every((s, d) => d === axis || s === x.shape[d]) && index.strides.every((st, d) => d === axis || st === 0 || index.shape[d] === 1);
}

/**
 * indexSelect's fast path: whole blocks x[..., i, <inner>] copied with typed-array set()
 * when the dims after `axis` are contiguous in x. Returns false to use the general loop.
 */
function gatherRows(x: Tensor, index: Tensor, axis: number, out: Tensor, fail: Fail): boolean {
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  let expect = 1;
  for (let d = x.ndim - 1; d > axis; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== expect) return false;
    expect *= x.shape[d]!;
  }
  const n = index.shape[axis]!, size = x.shape[axis]!;
  const idx = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const v = Number(index.storage.data[index.offset + j * index.strides[axis]!]!);
    if (v < 0 || v >= size) fail(v);
    idx[j] = v;
  }
  const outer = x.shape.slice(0, axis);
  const xd = x.storage.data as Float32Array, od = out.storage.data as Float32Array;
  const coords = new Array<number>(axis).fill(0);
  const nOuter = outer.reduce((a, b) => a * b, 1);
  let base = x.offset, dst = 0;
  for (let o = 0; o < nOuter; o++) {
    for (let j = 0; j < n; j++, dst += inner) {
      const src = base + idx[j]! * x.strides[axis]!;
      // short rows (labels: one element) are cheaper copied than viewed through a subarray
      if (inner < 32) for (let e = 0; e < inner; e++) od[dst + e] = xd[src + e]!;
      else od.set(xd.subarray(src, src + inner), dst);
    }
    for (let d = axis - 1; d >= 0; d--) {
      base += x.strides[d]!;
      if (++coords[d]! < outer[d]!) break;
      coords[d] = 0;
      base -= x.strides[d]! * outer[d]!;
    }
  }
  return true;
}

/** A stored element: a number, or a bigint for int64 (whose + and * wrap when stored). */
type Elem = number | bigint;
type Combine = (a: Elem, b: Elem) => Elem;

/** a + b in a kernel's storage type: logical or for bool (so a Uint8Array stays 0/1). */
function adder(dtype: string): Combine {
  return dtype === "bool" ? (a, b) => (a || b ? 1 : 0) : (a, b) => (a as number) + (b as number);
}

/** How scatter combines the old value a with the scattered b: a*b is logical and for bool. */
function combiner(dtype: string, reduce: PrimitiveAttrs["scatter"]["reduce"]): Combine {
  if (reduce === "add") return adder(dtype);
  if (reduce === "multiply") return dtype === "bool" ? (a, b) => (a && b ? 1 : 0) : (a, b) => (a as number) * (b as number);
  return (_a, b) => b;
}

export function scatter(inputs: readonly Tensor[], attrs: PrimitiveAttrs["scatter"], device: string): Tensor[] {
  const [x, , src] = inputs as [Tensor, Tensor, Tensor];
  const axis = attrs.axis;
  const size = x.shape[axis]!;
  checkIndexShape("scatter", inputs[1]!, x, axis);
  checkIndexShape("scatter", inputs[1]!, src, -1);
  const fail = failer("scatter", size, axis, x.shape, attrs.index);
  const negative = attrs.index?.negative ?? false;
  const raw = inputs[1]!;
  // the general layouts (strided or broadcast index, int64 or negative indices) on the native
  // kernel, which checks each index as it goes; the dense int32 one below fills broadcast x blockwise
  const dense = raw.dtype === "int32" && !negative && isDenseScatter(x, raw, src, axis);
  if (nativeIndexing && !dense && raw.numel() > 0 && src.dtype === x.dtype && attrs.reduce !== "multiply" && !(isHalf(x.dtype) && attrs.reduce === "add")) {
    const out = copy([x], {}, device)[0]!;
    const bad = nativeIndexed(attrs.reduce === "add" ? "add" : "set", x.dtype, raw.dtype, negative, axis, size, raw.shape, operand(raw), operand(out), operand(src));
    if (bad !== false) {
      if (bad >= 0) fail(valueAt(raw, bad)); // out is discarded
      return [out];
    }
  }
  const index = resolveIndex(raw, size, negative, fail, device);
  if (isDenseScatter(x, index, src, axis)) return [scatterDense(x, index, src, axis, attrs.reduce, device, fail)];
  // a half-type scatter that is dense once widened checks its indices in the float32 kernel
  const denseHalf = isHalf(x.dtype) && attrs.reduce !== "none" && index.dtype === "int32" && index.isContiguous() && src.isContiguous() &&
    index.shape.every((s, d) => s === src.shape[d] && (d === axis || s === x.shape[d]));
  if (!denseHalf) {
    forEachIndex(index, (v) => {
      if (v < 0 || v >= size) fail(v);
    });
  }
  if (isHalf(x.dtype) && attrs.reduce !== "none") {
    // accumulate in float32 and round once at the end (the index is resolved: no rule needed)
    // x broadcast from one value (max pooling's zeros) widens as one value, so that the dense kernel fills
    const wx = x.numel() > 0 && x.strides.every((s) => s === 0)
      ? (() => { const one = widen(new Tensor(x.storage, [1], [1], x.offset, x.dtype), device); return new Tensor(one.storage, x.shape, x.strides.map(() => 0), 0, "float32"); })()
      : widen(x, device);
    const wide = scatter([wx, index, widen(src, device)], { axis, reduce: attrs.reduce }, device)[0]!;
    return cast([wide], { dtype: x.dtype }, device);
  }
  const out = copy([x], {}, device)[0]!;
  const od = out.storage.data, sd = src.storage.data;
  const combine = combiner(x.dtype, attrs.reduce);
  forEachIndex(index, (v, _pos, coords) => {
    let p = 0, q = src.offset;
    for (let d = 0; d < coords.length; d++) {
      p += (d === axis ? v : coords[d]!) * out.strides[d]!;
      q += coords[d]! * src.strides[d]!;
    }
    od[p] = combine(od[p]!, sd[q]!);
  });
  return [out];
}

/**
 * The layout max pooling's gradient and most scatters have: float32/float64, index and src
 * contiguous with one shape that equals x's outside `axis`. One flat loop, no coordinates.
 */
function isDenseScatter(x: Tensor, index: Tensor, src: Tensor, axis: number): boolean {
  return (x.dtype === "float32" || x.dtype === "float64") && index.dtype === "int32" && index.isContiguous() && src.isContiguous() &&
    index.shape.every((s, d) => s === src.shape[d] && (d === axis || s === x.shape[d]));
}

function scatterDense(x: Tensor, index: Tensor, src: Tensor, axis: number, reduce: PrimitiveAttrs["scatter"]["reduce"], device: string, fail: Fail, allowNative = true): Tensor {
  // the native kernel writes or adds; multiply runs here
  allowNative &&= reduce !== "multiply";
  const add = reduce === "add", mul = reduce === "multiply";
  const size = x.shape[axis]!, len = index.shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < x.ndim; d++) inner *= x.shape[d]!;
  const outer = index.numel() / (len * inner || 1);
  // float32/float64 only (isDenseScatter)
  const sd = src.storage.data as TypedArray, id = index.storage.data as Int32Array;
  // x broadcast from one value (max pooling's zeros): the native kernel fills block by
  // block, while each is in cache, instead of a whole-tensor copy first
  const fill = allowNative && x.numel() > 0 && x.strides.every((s) => s === 0) ? Number(x.storage.data[x.offset]) : null;
  const out = fill === null ? copy([x], {}, device)[0]! : alloc(x.shape, x.dtype, device, { zero: false });
  const od = out.storage.data as TypedArray;
  if (allowNative) {
    const bad = nativeScatter(x.dtype, { outer, size, len, inner }, add, fill, od, id, index.offset, sd, src.offset);
    if (bad !== false) {
      if (bad >= 0) fail(id[index.offset + bad]!); // nothing was written
      return out;
    }
  }
  if (fill !== null) od.fill(fill); // no addon after all
  let q = src.offset, i = index.offset;
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let a = 0; a < len; a++) {
      for (let e = 0; e < inner; e++, q++, i++) {
        const v = id[i]!;
        if (v < 0 || v >= size) fail(v); // out is discarded
        const p = base + v * inner + e;
        od[p] = add ? od[p]! + sd[q]! : mul ? od[p]! * sd[q]! : sd[q]!;
      }
    }
  }
  return out;
}

/** The TypeScript dense scatter: the reference for the native one. */
export function scatterDenseReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["scatter"], device: string): Tensor {
  const [x, index, src] = inputs as [Tensor, Tensor, Tensor];
  return scatterDense(x, index, src, attrs.axis, attrs.reduce, device, failer("scatter", x.shape[attrs.axis]!, attrs.axis, x.shape, attrs.index), false);
}

function widen(t: Tensor, device: string): Tensor {
  return cast([t], { dtype: "float32" }, device)[0]!;
}

export function indexPut(inputs: readonly Tensor[], attrs: PrimitiveAttrs["indexPut"], device: string): Tensor[] {
  const [dst, index, values] = inputs as [Tensor, Tensor, Tensor];
  const n = dst.numel();
  const idx = index._rawContiguous();
  if (values.numel() !== 1 && values.numel() !== idx.length) {
    throw new ShapeError(`indexPut: got ${values.numel()} values (shape ${fmtShape(values.shape)}) for ${idx.length} indices; expected one value per index, or a single value`);
  }
  const error = attrs.index?.error, negative = attrs.index?.negative ?? false;
  for (const raw of idx) {
    const v = Number(raw);
    if (v >= 0 ? v < n : negative && v >= -n) continue;
    throw new IndexError(error !== undefined ? error.split("{index}").join(String(raw)) : `indexPut: index ${raw} is out of bounds for a tensor of ${n} elements (shape ${fmtShape(dst.shape)})`);
  }
  if (isHalf(dst.dtype) && attrs.accumulate) {
    // accumulate in float32 and round once at the end
    const wide = widen(dst, device);
    indexPut([wide, index, widen(values, device)], attrs, device);
    assign([dst, cast([wide], { dtype: dst.dtype }, device)[0]!], {}, device);
    return [dst];
  }
  // element k of values goes to dst's flat element idx[k]; a single value broadcasts
  const vals = (values.dtype === dst.dtype ? values : cast([values], { dtype: dst.dtype }, device)[0]!)._rawContiguous();
  const dd = dst.storage.data;
  const nd = dst.ndim;
  const plus = adder(dst.dtype);
  for (let k = 0; k < idx.length; k++) {
    let rem = Number(idx[k]!), p = dst.offset;
    if (rem < 0) rem += n; // allowed by the rule (checked above)
    for (let d = nd - 1; d >= 0; d--) {
      const s = dst.shape[d]!;
      p += (rem % s) * dst.strides[d]!;
      rem = Math.floor(rem / s);
    }
    const v = vals[vals.length === 1 ? 0 : k]!;
    dd[p] = attrs.accumulate ? plus(dd[p]!, v) : v;
  }
  return [dst];
}

/**
 * CPU kernels for the `sort`, `topk` and `unique` primitives. Both order values ascending with NaN
 * after every number (descending puts NaN first), treat -0 and 0 as equal, and are stable:
 * equal values keep their original order, so indices are deterministic.
 *
 * Why a radix sort: Array.prototype.sort with a comparator costs about a second per million
 * elements in V8. Instead each value becomes an unsigned 64-bit key (two uint32 halves) that
 * orders like the number, and rows are sorted by an LSD radix sort (stable by construction),
 * or by insertion sort when they are short. int64 values (bigints) get keys of their own
 * bits, so values beyond 2^53 order exactly. `topk` takes the first k of that order without
 * sorting whole rows when k is small (a heap of the k best). Where the addon is loaded, the
 * native kernel (native/src/sort.cc, ./native_sort.ts) does both for every dtype but the
 * 16-bit floats, in the same order; these loops are its reference (sortReference,
 * topkReference) and the fallback.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { isHalf, type StorageArray } from "../../tensor/dtype.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { copy } from "./elementwise.js";
import { nativeSortRows, type SortGeometry } from "./native_sort.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word second
const LO = 1 - HI;

/** Working arrays for sorting rows of up to n elements: keys, positions and their copies. */
class RowSorter {
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  private readonly idx: Int32Array;
  private readonly hi2: Uint32Array;
  private readonly lo2: Uint32Array;
  private readonly idx2: Int32Array;
  private readonly bits: number;
  private readonly count: Uint32Array;

  constructor(n: number) {
    [this.hi, this.lo, this.hi2, this.lo2] = [0, 0, 0, 0].map(() => new Uint32Array(n)) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    this.idx = new Int32Array(n);
    this.idx2 = new Int32Array(n);
    // 16-bit digits (4 passes) pay off once the 65536-bucket histogram is small next to n
    this.bits = n >= 65536 ? 16 : 8;
    this.count = new Uint32Array(1 << this.bits);
  }

  /** Sets the key of position k: orders like v, -0 as 0, every NaN above +Infinity; reversed if descending. */
  setKey(k: number, v: number, descending: boolean): void {
    let h: number, l: number;
    if (v !== v) {
      h = 0xffffffff;
      l = 0xffffffff;
    } else {
      f64[0] = v === 0 ? 0 : v;
      h = u32[HI]!;
      l = u32[LO]!;
      // negatives: flip all bits (larger magnitude sorts first); positives: set the sign bit
      if (h & 0x80000000) {
        h = ~h >>> 0;
        l = ~l >>> 0;
      } else h = (h | 0x80000000) >>> 0;
    }
    if (descending) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    this.hi[k] = h;
    this.lo[k] = l;
  }

  /** Sets the key of position k to an int64's bits with the sign flipped (two's complement orders like unsigned then). */
  setKeyInt64(k: number, v: bigint, descending: boolean): void {
    const u = BigInt.asUintN(64, v) ^ 0x8000000000000000n;
    let h = Number(u >> 32n), l = Number(u & 0xffffffffn);
    if (descending) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    this.hi[k] = h;
    this.lo[k] = l;
  }

  /** Sets the key of element `v` of either kind. */
  set(k: number, v: number | bigint, descending: boolean): void {
    if (typeof v === "bigint") this.setKeyInt64(k, v, descending);
    else this.setKey(k, v, descending);
  }

  /** Whether position p orders before q: by key, then by position (the stable sort's order). */
  private before(p: number, q: number): boolean {
    const hp = this.hi[p]!, hq = this.hi[q]!;
    if (hp !== hq) return hp < hq;
    const lp = this.lo[p]!, lq = this.lo[q]!;
    return lp !== lq ? lp < lq : p < q;
  }

  /** Moves v down from the root of the max-heap heap[0..size) (v takes the root's place). */
  private siftDown(heap: Int32Array, v: number, size: number): void {
    let c = 0;
    for (;;) {
      let m = 2 * c + 1;
      if (m >= size) break;
      if (m + 1 < size && this.before(heap[m]!, heap[m + 1]!)) m++;
      if (!this.before(v, heap[m]!)) break;
      heap[c] = heap[m]!;
      c = m;
    }
    heap[c] = v;
  }

  /**
   * The first k positions of sort(n), without sorting all n: a max-heap keeps the k best
   * seen so far (its root the worst of them, replaced by anything before it), then heap
   * sort orders them. (key, position) is a total order, so the result equals sort(n)'s.
   */
  select(n: number, k: number): Int32Array {
    const heap = this.idx;
    if (k === 0) return heap;
    let size = 0;
    for (let r = 0; r < n; r++) {
      if (size < k) {
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!this.before(heap[p]!, r)) break;
          heap[c] = heap[p]!;
          c = p;
        }
        heap[c] = r;
      } else if (this.before(r, heap[0]!)) this.siftDown(heap, r, size);
    }
    for (let end = size - 1; end > 0; end--) {
      const last = heap[end]!;
      heap[end] = heap[0]!;
      this.siftDown(heap, last, end);
    }
    return heap;
  }

  /** Positions 0..n-1 stably sorted by their keys (the returned array is reused by the next call). */
  sort(n: number): Int32Array {
    const { hi, lo, idx } = this;
    for (let i = 0; i < n; i++) idx[i] = i;
    if (n <= 32) {
      for (let i = 1; i < n; i++) {
        const p = idx[i]!, h = hi[p]!, l = lo[p]!;
        let j = i - 1;
        while (j >= 0 && (hi[idx[j]!]! > h || (hi[idx[j]!] === h && lo[idx[j]!]! > l))) {
          idx[j + 1] = idx[j]!;
          j--;
        }
        idx[j + 1] = p;
      }
      return idx;
    }
    const { bits, count } = this;
    const mask = (1 << bits) - 1;
    let [sh, sl, si] = [hi, lo, idx], [dh, dl, di] = [this.hi2, this.lo2, this.idx2];
    for (let pass = 0; pass < 64 / bits; pass++) {
      const shift = (pass * bits) % 32;
      const src = pass * bits < 32 ? sl : sh;
      count.fill(0);
      for (let k = 0; k < n; k++) count[(src[k]! >>> shift) & mask]!++;
      if (count[(src[0]! >>> shift) & mask] === n) continue; // one digit everywhere: nothing moves
      let sum = 0;
      for (let d = 0; d <= mask; d++) {
        const c = count[d]!;
        count[d] = sum;
        sum += c;
      }
      for (let k = 0; k < n; k++) {
        const pos = count[(src[k]! >>> shift) & mask]!++;
        dh[pos] = sh[k]!;
        dl[pos] = sl[k]!;
        di[pos] = si[k]!;
      }
      [sh, sl, si, dh, dl, di] = [dh, dl, di, sh, sl, si];
    }
    return si;
  }
}

/** The elements of x in row-major order as numbers (half types widened; int64 stays bigints), and as stored. */
function contiguousData(x: Tensor, device: string): { raw: StorageArray; wide: ArrayLike<number | bigint> } {
  const src = copy([x], {}, device)[0]!;
  return { raw: src.storage.data, wide: isHalf(x.dtype) ? src.toTypedArray() : src.storage.data };
}

/** x seen as [outer, R, inner] around `axis` (a 0-d tensor as one row of one element). */
function geometryOf(x: Tensor, axis: number): SortGeometry {
  const R = x.ndim === 0 ? 1 : x.shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < x.ndim; d++) inner *= x.shape[d]!;
  return { outer: R * inner === 0 ? 0 : x.numel() / (R * inner), R, inner };
}

/**
 * The first k of each row of x along the axis in sorted order (all of it when k = R) into
 * contiguous [outer, k, inner] values and indices: natively where the addon handles the
 * dtype (and `allowNative`), else in TypeScript.
 */
function sortRows(x: Tensor, axis: number, k: number, descending: boolean, values: Tensor, indices: Tensor, device: string, allowNative: boolean): void {
  const g = geometryOf(x, axis);
  if (g.outer * g.inner === 0 || k === 0) return;
  const id = indices.storage.data as Int32Array, vd = values.storage.data;
  if (allowNative) {
    const c = x.isContiguous() ? x : copy([x], {}, device)[0]!;
    if (nativeSortRows(x.dtype, g, k, descending, c.storage.data, c.offset, vd, id)) return;
  }
  const { raw, wide } = contiguousData(x, device);
  const { outer, R, inner } = g;
  const sorter = new RowSorter(R);
  const select = k < R && k * 8 <= R;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * R * inner + i, outBase = o * k * inner + i;
      for (let r = 0; r < R; r++) sorter.set(r, wide[base + r * inner]!, descending);
      const order = select ? sorter.select(R, k) : sorter.sort(R);
      for (let r = 0; r < k; r++) {
        vd[outBase + r * inner] = raw[base + order[r]! * inner]!;
        id[outBase + r * inner] = order[r]!;
      }
    }
  }
}

function sortImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["sort"], device: string, allowNative: boolean): Tensor[] {
  const x = inputs[0]!;
  const values = alloc(x.shape, x.dtype, device);
  const indices = alloc(x.shape, "int32", device);
  sortRows(x, attrs.axis, x.ndim === 0 ? 1 : x.shape[attrs.axis]!, attrs.descending, values, indices, device, allowNative);
  return [values, indices];
}

export function sort(inputs: readonly Tensor[], attrs: PrimitiveAttrs["sort"], device: string): Tensor[] {
  return sortImpl(inputs, attrs, device, true);
}

/** The TypeScript sort only (the reference the native kernel is tested against). */
export function sortReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["sort"], device: string): Tensor[] {
  return sortImpl(inputs, attrs, device, false);
}

function topkImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["topk"], device: string, allowNative: boolean): Tensor[] {
  const x = inputs[0]!;
  const shape = x.shape.map((s, d) => (d === attrs.axis ? attrs.k : s));
  const values = alloc(shape, x.dtype, device);
  const indices = alloc(shape, "int32", device);
  sortRows(x, attrs.axis, attrs.k, attrs.largest, values, indices, device, allowNative);
  return [values, indices];
}

/**
 * The k largest (or smallest) of each row along the axis, in sorted order: exactly the first
 * k of the stable sort (descending for largest), so NaN counts as the largest value and
 * equal values come in the order of their positions. Rows are not sorted whole: a k well
 * below the row length is selected (a heap here, std::partial_sort / nth_element natively).
 */
export function topk(inputs: readonly Tensor[], attrs: PrimitiveAttrs["topk"], device: string): Tensor[] {
  return topkImpl(inputs, attrs, device, true);
}

/** The TypeScript top-k only (the reference the native kernel is tested against). */
export function topkReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["topk"], device: string): Tensor[] {
  return topkImpl(inputs, attrs, device, false);
}

export function unique(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["unique"], device: string): Tensor[] {
  const x = inputs[0]!;
  const n = x.numel();
  const { raw, wide } = contiguousData(x, device);
  const sorter = new RowSorter(n);
  for (let k = 0; k < n; k++) sorter.set(k, wide[k]!, false);
  const order = sorter.sort(n);
  const inverse = alloc(x.shape, "int32", device);
  const inv = inverse.storage.data;
  const firstOf: number[] = [], counts: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    // NaN !== NaN, so every NaN is its own unique value; -0 === 0 are one value
    if (k === 0 || wide[firstOf[firstOf.length - 1]!] !== wide[i]) {
      firstOf.push(i);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inv[i] = firstOf.length - 1;
  }
  const values = alloc([firstOf.length], x.dtype, device);
  firstOf.forEach((i, k) => (values.storage.data[k] = raw[i]!));
  const countT = alloc([counts.length], "int32", device);
  (countT.storage.data as Int32Array).set(counts);
  return [values, inverse, countT];
}

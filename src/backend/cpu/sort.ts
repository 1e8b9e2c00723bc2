/**
 * CPU kernels for the `sort` and `unique` primitives. Both order values ascending with NaN
 * after every number (descending puts NaN first), treat -0 and 0 as equal, and are stable:
 * equal values keep their original order, so indices are deterministic.
 *
 * Why a radix sort: Array.prototype.sort with a comparator costs about a second per million
 * elements in V8. Instead each value becomes an unsigned 64-bit key (two uint32 halves) that
 * orders like the number, and rows are sorted by an LSD radix sort (stable by construction),
 * or by insertion sort when they are short. int64 values (bigints) get keys of their own
 * bits, so values beyond 2^53 order exactly.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { isHalf, type StorageArray } from "../../tensor/dtype.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { copy } from "./elementwise.js";

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

export function sort(inputs: readonly Tensor[], attrs: PrimitiveAttrs["sort"], device: string): Tensor[] {
  const x = inputs[0]!;
  const values = alloc(x.shape, x.dtype, device);
  const indices = alloc(x.shape, "int32", device);
  const n = x.numel();
  if (n === 0) return [values, indices];
  const { raw, wide } = contiguousData(x, device);
  // a 0-d tensor sorts as one row of one element
  const R = x.ndim === 0 ? 1 : x.shape[attrs.axis]!;
  let inner = 1;
  for (let d = attrs.axis + 1; d < x.ndim; d++) inner *= x.shape[d]!;
  const outer = n / (R * inner);
  const vd = values.storage.data, id = indices.storage.data;
  const sorter = new RowSorter(R);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * R * inner + i;
      for (let r = 0; r < R; r++) sorter.set(r, wide[base + r * inner]!, attrs.descending);
      const order = sorter.sort(R);
      for (let r = 0; r < R; r++) {
        vd[base + r * inner] = raw[base + order[r]! * inner]!;
        id[base + r * inner] = order[r]!;
      }
    }
  }
  return [values, indices];
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

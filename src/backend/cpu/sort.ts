/** CPU sort (stable, NaN as largest, like torch.sort) and unique. */
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { alloc } from "./util.js";
import { copy } from "./elementwise.js";

/** Ascending order with NaN after every number; ties keep their original order. */
function compareAsc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sort(inputs: readonly Tensor[], attrs: PrimitiveAttrs["sort"], device: string): Tensor[] {
  const x = inputs[0]!;
  const axis = attrs.axis;
  const values = alloc(x.shape, x.dtype, device);
  const indices = alloc(x.shape, "int32", device);
  const n = x.numel();
  if (n === 0) return [values, indices];
  const src = copy([x], {}, device)[0]!;
  const sd = src.storage.data, wide = src.data();
  const R = x.shape[axis]!, inner = src.strides[axis]!, outer = n / (R * inner);
  const vd = values.storage.data, id = indices.storage.data;
  const order = new Array<number>(R);
  const sign = attrs.descending ? -1 : 1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * R * inner + i;
      for (let r = 0; r < R; r++) order[r] = r;
      order.sort((p, q) => sign * compareAsc(wide[base + p * inner]!, wide[base + q * inner]!));
      for (let r = 0; r < R; r++) {
        vd[base + r * inner] = sd[base + order[r]! * inner]!;
        id[base + r * inner] = order[r]!;
      }
    }
  }
  return [values, indices];
}

export function unique(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["unique"], device: string): Tensor[] {
  const x = inputs[0]!;
  const raw = copy([x], {}, device)[0]!.storage.data, wide = x.data();
  const n = wide.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => compareAsc(wide[p]!, wide[q]!));
  const inverse = alloc(x.shape, "int32", device);
  const inv = inverse.storage.data;
  const firstOf: number[] = [], counts: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const last = firstOf.length - 1;
    // NaNs are each unique, as in torch
    if (last < 0 || !(wide[firstOf[last]!] === wide[i])) {
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

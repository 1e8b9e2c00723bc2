/**
 * unique(x, dim): the distinct slices of x along dim (torch.unique(..., dim=d)), sorted
 * lexicographically, with the inverse (for each input slice, the index of its slice in the
 * result) and the counts; uniqueConsecutive (torch.unique_consecutive): the same for runs of
 * equal neighbouring slices (or elements), without sorting. The result's shape depends on the data, so the slices are compared
 * on the host (an inherent host read, as unique's and nonzero's); the values are then gathered
 * with indexSelect on the tensor's own device.
 */
import { IndexError, fmtShape } from "../errors.js";
import { noGrad } from "../autograd/grad_mode.js";
import { tensor } from "../tensor/creation.js";
import { readHost } from "../tensor/host_read.js";
import { normalizeDim } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export interface UniqueDimResult {
  values: Tensor;
  /** int32, one entry per slice of the input along dim. */
  inverse: Tensor;
  /** int32, one count per distinct slice. */
  counts: Tensor;
}

/** Compares two numbers as a sort does (NaN last); int64 storage holds bigints. */
function compare(a: number | bigint, b: number | bigint): number {
  if (a === b) return 0;
  if (typeof a === "number" && Number.isNaN(a)) return typeof b === "number" && Number.isNaN(b) ? 0 : 1;
  if (typeof b === "number" && Number.isNaN(b)) return -1;
  return a < b ? -1 : 1;
}

export function uniqueDim(x: Tensor, dim: number): UniqueDimResult {
  return distinctSlices("unique", x, dim, true);
}

/** Runs of equal consecutive slices along dim (elements of the flattened x without dim). */
export function uniqueConsecutive(x: Tensor, dim: number | null): UniqueDimResult {
  if (dim !== null) return distinctSlices("uniqueConsecutive", x, dim, false);
  const r = distinctSlices("uniqueConsecutive", x.reshape([-1]), 0, false);
  return { ...r, inverse: r.inverse.reshape(x.shape) };
}

function distinctSlices(op: string, x: Tensor, dim: number, sorted: boolean): UniqueDimResult {
  if (x.ndim === 0) throw new IndexError(`${op}: dimension specified as ${dim} but the tensor has no dimensions (shape ${fmtShape(x.shape)})`);
  const d = normalizeDim(op, dim, x.ndim);
  return noGrad(() => {
    const rows = x.movedim(d, 0).contiguous();
    const n = rows.shape[0]!;
    const k = n === 0 ? 0 : rows.numel() / n;
    const v = readHost(rows, op) as ArrayLike<number | bigint>;
    const cmpRows = (i: number, j: number): number => {
      for (let c = 0; c < k; c++) {
        const r = compare(v[i * k + c]!, v[j * k + c]!);
        if (r !== 0) return r;
      }
      return 0;
    };
    // equal slices: element by element ===, so NaN never equals NaN (as PyTorch keeps
    // every NaN slice apart); cmpRows orders them for sorting only
    const sameRows = (i: number, j: number): boolean => {
      for (let c = 0; c < k; c++) if (v[i * k + c] !== v[j * k + c]) return false;
      return true;
    };
    const order = Array.from({ length: n }, (_, i) => i);
    if (sorted) order.sort((i, j) => cmpRows(i, j) || i - j);
    const firsts: number[] = [], counts: number[] = [];
    const inverse = new Int32Array(n);
    for (let p = 0; p < n; p++) {
      const i = order[p]!;
      if (p === 0 || !sameRows(order[p - 1]!, i)) {
        firsts.push(i);
        counts.push(0);
      }
      inverse[i] = firsts.length - 1;
      counts[counts.length - 1]!++;
    }
    const idx = tensor(Int32Array.from(firsts), { device: x.device });
    const values = rows.indexSelect(0, idx).movedim(0, d);
    return { values, inverse: tensor(inverse, { device: x.device }), counts: tensor(Int32Array.from(counts), { device: x.device }) };
  });
}

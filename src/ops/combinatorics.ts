/**
 * Index combinatorics, as PyTorch 1.13: cartesianProd (every tuple of one element from each
 * 1-D input, itertools.product's order), combinations (itertools.combinations and
 * combinations_with_replacement of a 1-D input), and trilIndices / triuIndices (the
 * coordinates of a row × col matrix's lower or upper triangle, row by row).
 *
 * cartesianProd is a meshgrid flattened and stacked. combinations gathers the input at
 * index tuples, and trilIndices/triuIndices are such tuples themselves: these depend only on
 * the sizes and r (never on tensor values), so they are generated on the host, like arange,
 * and the gather (indexSelect) carries the gradient back to the input.
 */
import { dispatch } from "../backend/dispatcher.js";
import { checkDevice } from "../backend/backend.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { zeros } from "../tensor/creation.js";
import type { DType } from "../tensor/dtype.js";
import { MAX_NUMEL, checkNumel } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { indexSelect } from "./advanced_indexing.js";
import { meshgrid } from "./meshgrid.js";
import { stack } from "./shape_ops.js";

function check1d(op: string, t: Tensor, position?: number): void {
  if (t.ndim !== 1) throw new ShapeError(`${op}: expect a 1D vector, but got shape ${fmtShape(t.shape)}${position === undefined ? "" : ` (tensor ${position})`}`);
}

/**
 * Every tuple taking one element from each 1-D tensor, in order (the last varying fastest):
 * [Π sizes, n] for n tensors, of their common dtype; one tensor is returned as it is, as
 * PyTorch does (torch.cartesian_prod).
 * @example cartesianProd(tensor([1, 2]), tensor([3, 4])) // [[1, 3], [1, 4], [2, 3], [2, 4]]
 */
export function cartesianProd(tensors: readonly Tensor[]): Tensor {
  if (tensors.length === 0) throw new ShapeError("cartesianProd: expects a non-empty list of tensors");
  tensors.forEach((t, k) => check1d("cartesianProd", t, k));
  if (tensors.length === 1) return tensors[0]!;
  return stack(meshgrid(tensors, "ij").map((g) => g.reshape([-1])), 1);
}

/** C(n, k) as a float, stopping once it passes `limit` (the exact count is then irrelevant). */
function binomial(n: number, k: number, limit: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let c = 1;
  for (let i = 1; i <= k && c <= limit; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

/** The index tuples of combinations of n items taken r at a time, in lexicographic order, flattened. */
function combinationIndices(n: number, r: number, count: number, withReplacement: boolean): Int32Array {
  const out = new Int32Array(count * r);
  const c = Array.from({ length: r }, (_, i) => (withReplacement ? 0 : i));
  for (let k = 0; k < count; k++) {
    out.set(c, k * r);
    // the rightmost position that can still grow, then its right neighbours as small as allowed
    let i = r - 1;
    while (i >= 0 && c[i]! >= (withReplacement ? n - 1 : n - r + i)) i--;
    if (i < 0) break;
    c[i]!++;
    for (let j = i + 1; j < r; j++) c[j] = withReplacement ? c[i]! : c[j - 1]! + 1;
  }
  return out;
}

/**
 * The length-r combinations of a 1-D tensor's elements, in order: [count, r] (without
 * replacement count = C(n, r), with it C(n + r − 1, r)); r = 0 gives an empty [0] tensor, as
 * PyTorch (torch.combinations). Differentiable: each element's gradient sums over its uses.
 * @example combinations(tensor([1, 2, 3])) // [[1, 2], [1, 3], [2, 3]]
 */
export function combinations(x: Tensor, r = 2, withReplacement = false): Tensor {
  const op = "combinations";
  check1d(op, x);
  if (r < 0) throw new ArgumentError(`${op}: expect a non-negative number, but got ${r}`);
  if (r === 0) return zeros([0], { dtype: x.dtype, device: x.device });
  if (r > MAX_NUMEL) throw new FluxionError(`${op}: r = ${r} is more than a tensor's ${MAX_NUMEL} elements can hold`);
  const n = x.shape[0]!;
  const count = withReplacement ? (n === 0 ? 0 : binomial(n + r - 1, r, MAX_NUMEL)) : binomial(n, r, MAX_NUMEL);
  checkNumel(op, [count, r], x.dtype);
  const index = dispatch("fromHost", [], { data: combinationIndices(n, r, count, withReplacement), shape: [count * r], dtype: "int32" }, x.device);
  return indexSelect(x, 0, index).reshape([count, r]);
}

/** Σ_{i < row} clamp(i + c, 0, col): how many of the first columns each row keeps, summed (closed form). */
function sumClamped(row: number, col: number, c: number): number {
  const a = Math.min(row, Math.max(0, 1 - c)); // rows before a keep none
  const b = Math.min(row, Math.max(a, col - c)); // rows from b keep all col
  return (b - a) * c + ((a + b - 1) * (b - a)) / 2 + (row - b) * col;
}

type Kw = { dtype: DType | null; device: string | null };

/** The [2, N] coordinates of a row × col matrix's lower (j − i ≤ offset) or upper (j − i ≥ offset) triangle, row by row. */
function triangleIndices(op: string, lower: boolean, row: number, col: number, offset: number, { dtype, device }: Kw): Tensor {
  if (row < 0) throw new ArgumentError(`${op}: row must be non-negative, got ${row}`);
  if (col < 0) throw new ArgumentError(`${op}: col must be non-negative, got ${col}`);
  const dt = dtype ?? "int64";
  if (dt !== "int64" && dt !== "int32") throw new DTypeError(`${op}: not implemented for ${dt}; the indices are int64 (default) or int32`);
  const dev = checkDevice(device ?? undefined, op);
  const count = lower ? sumClamped(row, col, offset + 1) : row * col - sumClamped(row, col, offset);
  checkNumel(op, [2, count], dt);
  const data = new Float64Array(2 * count);
  let k = 0;
  // only rows that keep something are visited (with col > 0 each visited row keeps at
  // least one entry; an offset far off the matrix, or col = 0, visits none)
  if (count > 0 && lower) {
    for (let i = Math.max(0, -offset); i < row; i++) {
      for (let j = 0, n = Math.min(col, i + offset + 1); j < n; j++, k++) [data[k], data[count + k]] = [i, j];
    }
  } else if (count > 0) {
    for (let i = 0, end = Math.min(row, col - offset); i < end; i++) {
      for (let j = Math.max(0, i + offset); j < col; j++, k++) [data[k], data[count + k]] = [i, j];
    }
  }
  return dispatch("fromHost", [], { data, shape: [2, count], dtype: dt }, dev);
}

/**
 * The coordinates of the lower triangle of a row × col matrix (entries with j − i ≤ offset),
 * as [2, N] int64 (row indices, then column indices), row by row (torch.tril_indices).
 * @example trilIndices(3, 3) // [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
 */
export function trilIndices(row: number, col: number, offset = 0, kw: Kw = { dtype: null, device: null }): Tensor {
  return triangleIndices("trilIndices", true, row, col, offset, kw);
}

/**
 * The coordinates of the upper triangle of a row × col matrix (entries with j − i ≥ offset),
 * as [2, N] int64, row by row (torch.triu_indices).
 * @example triuIndices(3, 3) // [[0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]]
 */
export function triuIndices(row: number, col: number, offset = 0, kw: Kw = { dtype: null, device: null }): Tensor {
  return triangleIndices("triuIndices", false, row, col, offset, kw);
}

const TRIANGLE = 'int row, int col, int offset=0, *, ScalarType? dtype="int64", Device? device=null';

/** The public, argument-checked forms (torch.cartesian_prod, torch.combinations, torch.tril_indices, torch.triu_indices). */
export const COMBINATORICS_FNS = {
  cartesianProd: defineOp("cartesianProd(Tensor... tensors) -> Tensor", cartesianProd),
  combinations: defineOp("combinations(Tensor input, int r=2, bool withReplacement=false) -> Tensor", combinations),
  trilIndices: defineOp(`trilIndices(${TRIANGLE}) -> Tensor`, trilIndices),
  triuIndices: defineOp(`triuIndices(${TRIANGLE}) -> Tensor`, triuIndices),
};

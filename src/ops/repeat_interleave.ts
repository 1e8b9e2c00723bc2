/**
 * torch.repeat_interleave: each element (or slice along a dim) repeated in place,
 * [a, b] -> [a, a, b, b], by one count for all or one count per element; and its
 * repeats-only form, repeatInterleave(r) = the indices 0..n-1 each repeated r[i] times.
 *
 * An int count is an expand + reshape (differentiable as such). A tensor of counts is read
 * once on the host, as PyTorch's CPU kernel reads it, to check it (no negative count, an
 * outputSize equal to the counts' sum) and to size the result; the source positions are
 * then built on the device (a 1 added at each block's end, and a running sum of those) and
 * read with indexSelect, whose gradient adds the repeated slices back.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { isFloating } from "../tensor/dtype.js";
import { zeros } from "../tensor/creation.js";
import { normalizeDim } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { readHost } from "../tensor/host_read.js";
import { castRaw } from "./helpers.js";
import { _scatterAddTrusted } from "./advanced_indexing.js";

/** For counts r (1-D int32): the int32 positions 0..n-1, position i repeated r[i] times. */
function expandCounts(r: Tensor, total: number): Tensor {
  return noGrad(() => {
    const ends = r.cumsum(0); // block i covers [ends[i] - r[i], ends[i])
    // position o belongs to the block of the number of block ends <= o (empty blocks end where the next starts)
    const marks = _scatterAddTrusted(zeros([total + 1], { dtype: "int32", device: r.device }), 0, ends, r.mul(0).add(1));
    return marks.cumsum(0).narrow(0, 0, total).contiguous();
  });
}

/** Validates the counts and returns them as 1-D int32 with the total (read from them unless given). */
function checkCounts(repeats: Tensor, n: number, outputSize: number | null | undefined, what: string): { r: Tensor; total: number } {
  if (isFloating(repeats.dtype) || repeats.dtype === "bool") throw new DTypeError(`repeatInterleave: repeats must be an integer tensor, got ${repeats.dtype} (shape ${fmtShape(repeats.shape)})`);
  if (repeats.ndim > 1) throw new ShapeError(`repeatInterleave: repeats must be 0-dim or 1-dim tensor, got shape ${fmtShape(repeats.shape)}`);
  let r = castRaw(repeats, "int32").reshape([-1]);
  if (r.numel() === 1 && n !== 1) r = r.expand([n]).contiguous();
  if (r.numel() !== n) throw new ShapeError(`repeatInterleave: repeats must have the same size as input along dim: got ${r.numel()} repeats for ${what} of size ${n}`);
  const vals = readHost(r, "repeatInterleave"); // the output size is the counts' sum: an inherent host read
  let total = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = Number(vals[i]);
    if (v < 0) throw new ShapeError(`repeatInterleave: repeats can not be negative (got ${v} at position ${i})`);
    total += v;
  }
  if (outputSize !== null && outputSize !== undefined && outputSize !== total) {
    throw new ShapeError(`repeatInterleave: outputSize (${outputSize}) does not match the sum of repeats (${total})`);
  }
  return { r, total };
}

/**
 * Repeats x's elements (flattened, when dim is null) or its slices along dim: `repeats` is one
 * count for all, or a 0-d/1-D integer tensor with one count per element of that dim.
 * @example tensor([[1, 2], [3, 4]]).repeatInterleave(2) // [1, 1, 2, 2, 3, 3, 4, 4]
 * @example tensor([[1, 2], [3, 4]]).repeatInterleave(tensor([1, 2], { dtype: "int32" }), 0) // [[1, 2], [3, 4], [3, 4]]
 */
export function repeatInterleave(x: Tensor, repeats: number | Tensor, dim?: number | null, outputSize?: number | null): Tensor {
  if (dim === null || dim === undefined) return repeatInterleave(x.reshape([-1]), repeats, 0, outputSize);
  if (x.ndim === 0) throw new IndexError(`repeatInterleave: dimension specified as ${dim} but tensor has no dimensions`);
  const d = normalizeDim("repeatInterleave", dim, x.ndim);
  const n = x.shape[d]!;
  if (typeof repeats === "number") {
    if (!Number.isInteger(repeats) || repeats < 0) throw new ShapeError(`repeatInterleave: repeats can not be negative (got ${repeats})`);
    if (outputSize !== null && outputSize !== undefined && outputSize !== n * repeats) {
      throw new ShapeError(`repeatInterleave: outputSize (${outputSize}) does not match ${n} elements repeated ${repeats} times`);
    }
    // [.., n, ..] -> [.., n, r, ..] (a broadcast view) -> [.., n*r, ..]
    const wide = x.unsqueeze(d + 1).expand(x.shape.flatMap((s, k) => (k === d ? [s, repeats] : [s])));
    const out = wide.reshape(x.shape.map((s, k) => (k === d ? s * repeats : s)));
    return out.storage === x.storage ? out.clone() : out; // a new tensor even for one repeat
  }
  const { r, total } = checkCounts(repeats, n, outputSize, `dim ${d} of input shape ${fmtShape(x.shape)}`);
  return x.indexSelect(d, expandCounts(r, total));
}

/** repeatInterleave(repeats): 0, 1, ... each repeated repeats[i] times (1-D counts only). */
function repeatIndices(repeats: Tensor, outputSize: number | null | undefined): Tensor {
  if (repeats.ndim !== 1) throw new ShapeError(`repeatInterleave: repeat_interleave only accept 1D vector as repeat, got shape ${fmtShape(repeats.shape)}`);
  const { r, total } = checkCounts(repeats, repeats.shape[0]!, outputSize, "the counts");
  const idx = expandCounts(r, total);
  return idx.dtype === repeats.dtype ? idx : castRaw(idx, repeats.dtype);
}

const SELF_DECLS = [
  "repeatInterleave.self_Tensor(Tensor self, Tensor repeats, int? dim=null, *, int? outputSize=null) -> Tensor",
  "repeatInterleave.self_int(Tensor self, int repeats, int? dim=null, *, int? outputSize=null) -> Tensor",
] as const;
const REPEATS_ONLY = "repeatInterleave.Tensor(Tensor repeats, *, int? outputSize=null) -> Tensor";

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<{ repeatInterleave: typeof SELF_DECLS }> {}
}

type Kw = { outputSize?: number | null };
const withSelf = (x: Tensor, repeats: number | Tensor, dim: number | null, { outputSize }: Kw) => repeatInterleave(x, repeats, dim, outputSize);

/**
 * The method (x.repeatInterleave(2, 0)) and the function, which also has PyTorch's
 * repeats-only form: repeatInterleave(tensor([1, 0, 2])) gives [0, 2, 2].
 */
export const REPEAT_INTERLEAVE_FNS = {
  method: defineOp(SELF_DECLS, [withSelf, withSelf], { variants: "method", key: "Tensor.repeatInterleave" }),
  repeatInterleave: defineOp([REPEATS_ONLY, ...SELF_DECLS], [(repeats: Tensor, { outputSize }: Kw) => repeatIndices(repeats, outputSize), withSelf, withSelf]),
};

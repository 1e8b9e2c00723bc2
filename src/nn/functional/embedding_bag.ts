/**
 * F.embeddingBag: the sums, means or maxima of bags of embedding rows (torch's
 * embedding_bag) without materialising the [bags, bagLength, dim] lookup. Bags are given as
 * a 2-D input (one bag per row) or a 1-D input cut by `offsets` (bag b is
 * input[offsets[b] .. offsets[b + 1])).
 *
 * Composed from dispatched ops, with no host read: each index's bag number is a cumulative
 * sum of ones scattered at the offsets; sum and mean are an indexAdd of the looked-up rows
 * (times perSampleWeights) into [bags, dim]; max is a scatterReduce("amax") whose winners
 * (the first maximal row of each bag and feature, as PyTorch's CPU kernel keeps) are then
 * gathered from the weight, so the gradient reaches exactly the row PyTorch's does.
 * Entries equal to paddingIdx are left out of every bag (a mean divides by the others;
 * an empty bag is zeros). The offsets' own rules (offsets[0] = 0, non-decreasing, at most
 * the input's length) are dispatched assertions.
 * Not here: sparse gradients (sparse=true is refused).
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { ArgumentError, DTypeError, FluxionError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { assertAll } from "../../ops/advanced_indexing.js";
import { where } from "../../ops/elementwise.js";
import { scatterReduce } from "../../ops/scatter_reduce.js";
import { cat } from "../../ops/shape_ops.js";
import { shapesEqual } from "../../tensor/shape.js";
import { arange, full, zeros } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import { gatherRows, gradScaled, renorm, rowsRule } from "./embedding.js";

export type EmbeddingBagMode = "sum" | "mean" | "max";

export interface EmbeddingBagOptions {
  /** For a 1-D input: where each bag starts (int32/int64, 1-D). Must be null for a 2-D input. */
  offsets?: Tensor | null;
  /** Rows looked up with a norm above this are rescaled in place to this norm (as F.embedding). */
  maxNorm?: number | null;
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the input (not with "max"). */
  scaleGradByFreq?: boolean;
  /** How a bag is reduced (default "mean"). */
  mode?: EmbeddingBagMode;
  /** A weight per index (input's shape, weight's dtype), multiplying its row: "sum" mode only. */
  perSampleWeights?: Tensor | null;
  /** offsets has one more element, the end of the last bag (CSR style). */
  includeLastOffset?: boolean;
  /** Entries equal to this index take no part in their bag. Negative counts from the end. */
  paddingIdx?: number | null;
}

const OP = "embeddingBag";

function checkIndices(what: string, t: Tensor): void {
  if (t.dtype !== "int64" && t.dtype !== "int32") {
    throw new DTypeError(`${OP}: expected ${what} of integer dtype (int64 or int32), got ${t.dtype} (shape ${fmtShape(t.shape)}); convert with .long()`);
  }
}

/** Each index's bag and whether it is in one, for a 1-D input of length M cut by offsets. */
function bagsFromOffsets(offsets: Tensor, M: number, includeLast: boolean): { bagOf: Tensor; inBag: Tensor | null; B: number } {
  const K = offsets.shape[0]!;
  if (includeLast && K < 1) throw new ShapeError(`${OP}: includeLastOffset: offsets should have at least 1 element (the end of the last bag), got shape ${fmtShape(offsets.shape)}`);
  const B = includeLast ? K - 1 : K;
  const off = offsets.to("int64");
  if (K > 0) {
    assertAll(off.narrow(0, 0, 1).eq(0), `${OP}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0`);
    assertAll(off.narrow(0, K - 1, 1).le(M), `${OP}: offsets[-1] can not be greater than input's length ${M}`);
    if (K > 1) assertAll(off.narrow(0, 1, K - 1).ge(off.narrow(0, 0, K - 1)), `${OP}: offsets must be non-decreasing (bag b is input[offsets[b] .. offsets[b + 1]])`);
  }
  // a 1 where each bag starts (index M: a bag starting at the end, an empty one); the
  // running count of starts, minus one, is each index's bag
  const starts = zeros([M + 1], { dtype: "int64", device: offsets.device }).scatterAdd(0, off.narrow(0, 0, B), full([B], 1, { dtype: "int64", device: offsets.device }));
  const bagOf = starts.cumsum(0).narrow(0, 0, M).sub(1);
  // with includeLastOffset, indices from offsets[-1] on belong to no bag
  const inBag = includeLast ? arange(M, { dtype: "int64", device: offsets.device }).lt(off.narrow(0, K - 1, 1)) : null;
  return { bagOf, inBag, B };
}

/**
 * Reduces bags of rows of `weight` [numEmbeddings, dim] to one row each: [bags, dim].
 * @example
 * F.embeddingBag(tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: "int64" }), weight, tensor([0, 4], { dtype: "int64" }), { mode: "sum" }) // [2, dim]
 * F.embeddingBag(tensor([[1, 2], [4, 5]], { dtype: "int64" }), weight) // the mean of each row's two rows: [2, dim]
 */
export function embeddingBag(input: Tensor, weight: Tensor, opts: EmbeddingBagOptions = {}): Tensor {
  const mode = opts.mode ?? "mean";
  const psw = opts.perSampleWeights ?? null;
  let offsets = opts.offsets ?? null;
  if (weight.ndim !== 2) throw new ShapeError(`${OP}: expected a 2-D weight [num_embeddings, embedding_dim], got shape ${fmtShape(weight.shape)}`);
  checkIndices("input", input);
  if (psw && !shapesEqual(psw.shape, input.shape)) {
    throw new ShapeError(`${OP}: If perSampleWeights (${fmtShape(psw.shape)}) is not null, then it must have the same shape as the input (${fmtShape(input.shape)})`);
  }
  if (input.ndim === 2) {
    if (offsets) throw new ArgumentError(`${OP}: if input is 2D, then offsets has to be null, as input is treated is a mini-batch of fixed length sequences. However, found offsets of shape ${fmtShape(offsets.shape)}`);
  } else if (input.ndim === 1) {
    if (!offsets) throw new ArgumentError(`${OP}: offsets has to be a 1D Tensor but got null (a 1-D input needs offsets; a 2-D input is one bag per row)`);
    checkIndices("offsets", offsets);
    if (offsets.ndim !== 1) throw new ShapeError(`${OP}: offsets has to be a 1D Tensor, got shape ${fmtShape(offsets.shape)}`);
  } else {
    throw new ShapeError(`${OP}: input has to be 1D or 2D Tensor, but got Tensor of dimension ${input.ndim} (shape ${fmtShape(input.shape)})`);
  }
  if (opts.scaleGradByFreq && mode === "max") throw new FluxionError(`${OP}: max mode does not support scaling the gradient by the frequency`);
  if (psw && mode !== "sum") throw new FluxionError(`${OP}: perSampleWeights was not null. perSampleWeights is only supported for mode="sum" (got mode="${mode}")`);
  if (psw && psw.dtype !== weight.dtype) throw new DTypeError(`${OP}: expected perSampleWeights to have the weight's dtype ${weight.dtype}, got ${psw.dtype}`);
  const [V, D] = weight.shape as [number, number];
  let pad = opts.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -V || pad >= V) throw new IndexError(`${OP}: padding_idx must be within the number of embeddings, ${-V} through ${V - 1}, but got ${pad}`);
    if (pad < 0) pad += V;
  }

  const idx = input.reshape([-1]);
  const M = idx.shape[0]!;
  let bagOf: Tensor, inBag: Tensor | null = null, B: number;
  if (input.ndim === 2) {
    // one bag per row (an input with no columns: every bag empty, zeros; PyTorch fails there)
    B = input.shape[0]!;
    const L = input.shape[1]!;
    bagOf = arange(M, { dtype: "int64", device: input.device }).div(Math.max(L, 1), { roundingMode: "floor" });
  } else {
    ({ bagOf, inBag, B } = bagsFromOffsets(offsets!, M, opts.includeLastOffset ?? false));
  }
  const rule = rowsRule(weight, OP);
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) renorm(weight, idx, rule, opts.maxNorm, opts.normType ?? 2);
  const create = { dtype: weight.dtype, device: weight.device };
  // no bags: [0, dim], still from a lookup (which checks the indices), so it has a gradFn
  if (B === 0) return gatherRows(weight, idx, rule).narrow(0, 0, 0);
  let keep: Tensor | null = inBag;
  if (pad !== null) keep = keep ? keep.logicalAnd(idx.ne(pad)) : idx.ne(pad);

  if (mode === "max") return bagMax(weight, idx, bagOf, keep, B, rule);
  const src = opts.scaleGradByFreq ? gradScaled(weight, idx, null, true) : weight;
  let rows = gatherRows(src, idx, rule); // [M, D]
  if (psw) rows = rows.mul(psw.reshape([M, 1]));
  if (keep) rows = where(keep.reshape([M, 1]), rows, 0);
  const sums = zeros([B, D], create).indexAdd(0, bagOf, rows);
  if (mode === "sum") return sums;
  // mean over the entries that count (not padding), 0 for an empty bag
  const ones = keep ? keep.to(weight.dtype) : full([M], 1, create);
  const counts = zeros([B], create).indexAdd(0, bagOf, ones).clampMin(1);
  return sums.div(counts.reshape([B, 1]));
}

/** "max": per bag and feature the largest kept row value, its gradient to that row only. */
function bagMax(weight: Tensor, idx: Tensor, bagOf: Tensor, keep: Tensor | null, B: number, rule: ReturnType<typeof rowsRule>): Tensor {
  const M = idx.shape[0]!, D = weight.shape[1]!;
  const device = weight.device;
  const rowIdx = noGrad(() => {
    const rows = gatherRows(weight, idx, rule);
    const masked = keep ? where(keep.reshape([M, 1]), rows, -Infinity) : rows;
    const bag2d = bagOf.reshape([M, 1]).expand([M, D]);
    const maxv = scatterReduce(full([B, D], -Infinity, { dtype: weight.dtype, device }), 0, bag2d, masked, "amax");
    // the first position holding its bag's maximum (PyTorch's kernel keeps the first of ties)
    let hit = masked.eq(maxv.indexSelect(0, bagOf));
    if (keep) hit = hit.logicalAnd(keep.reshape([M, 1]));
    const pos = where(hit, arange(M, { dtype: "int64", device }).reshape([M, 1]), M);
    const first = scatterReduce(full([B, D], M, { dtype: "int64", device }), 0, bag2d, pos, "amin");
    // its row of the weight; empty bags (first = M) read a stand-in row 0 and are zeroed below
    const idxPlus = cat([idx.to("int64"), zeros([1], { dtype: "int64", device })], 0);
    return { rows: idxPlus.take(first), found: first.lt(M) };
  });
  return where(rowIdx.found, weight.gather(0, rowIdx.rows), 0);
}

/** The declared form `F` exports (torch.nn.functional.embedding_bag's signature and order). */
export const EMBEDDING_BAG_FNS = {
  embeddingBag: defineF(
    'embeddingBag(Tensor input, Tensor weight, Tensor? offsets=null, float? maxNorm=null, float normType=2, bool scaleGradByFreq=false, "sum"|"mean"|"max" mode="mean", bool sparse=false, Tensor? perSampleWeights=null, bool includeLastOffset=false, int? paddingIdx=null) -> Tensor',
    (input: Tensor, weight: Tensor, offsets: Tensor | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, mode: EmbeddingBagMode, sparse: boolean, perSampleWeights: Tensor | null, includeLastOffset: boolean, paddingIdx: number | null) => {
      if (sparse) throw new FluxionError("embeddingBag(): sparse=true (sparse gradients) is not supported; Fluxion computes a dense weight gradient");
      return embeddingBag(input, weight, { offsets, maxNorm, normType, scaleGradByFreq, mode, perSampleWeights, includeLastOffset, paddingIdx });
    },
  ),
};

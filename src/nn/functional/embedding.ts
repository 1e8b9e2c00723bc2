/**
 * F.embedding: rows of a weight matrix picked by integer indices (a gather along dim 0);
 * its gradient adds each output row back into the row it came from (a scatter-add), with
 * the paddingIdx row's gradient kept at zero. The two are each other's backward, so double
 * backward works too. maxNorm renormalises the looked-up rows in place, as torch.
 * Nothing here reads index values on the host: the gather kernel checks them (its error
 * names embedding), and maxNorm's rows and scaleGradByFreq's counts are scatters.
 */
import { dispatch } from "../../backend/dispatcher.js";
import { record1 } from "../../autograd/record.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { DTypeError, FluxionError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import { where } from "../../ops/elementwise.js";
import { arange, scalarTensor, zeros } from "../../tensor/creation.js";
import type { IndexRule } from "../../backend/primitives.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export interface EmbeddingOptions {
  /** Index whose row gets no gradient (and, in nn.Embedding, starts at zero). Negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up with a norm above this are rescaled in place to this norm. */
  maxNorm?: number | null;
  /** The p of the norm for maxNorm (default 2). */
  normType?: number;
  /** Divide each row's gradient by how often its index occurs in the batch. */
  scaleGradByFreq?: boolean;
}

/** The gather/scatter kernels' error for an index outside the weight's rows (naming `op`). */
export function rowsRule(weight: Tensor, op = "embedding"): IndexRule {
  return { error: `${op}: index {index} is out of range for an embedding with ${weight.shape[0]} rows (weight ${fmtShape(weight.shape)})` };
}

/** out[m] = w[idx[m]] for flat int32/int64 idx [M]; backward scatter-adds into [V, D]. */
export function gatherRows(w: Tensor, idx: Tensor, rule?: IndexRule): Tensor {
  const [V, D] = w.shape as [number, number];
  const M = idx.shape[0]!;
  const out = dispatch("gather", [w.detach(), idx.reshape([M, 1]).expand([M, D])], rule ? { axis: 0, index: rule } : { axis: 0 });
  return record1("EmbeddingBackward0", [w], out, [], ([g]) => [scatterRows(g!, idx, V)]);
}

/** out[v] = sum of src[m] with idx[m] = v, shape [V, D]; backward gathers. */
function scatterRows(src: Tensor, idx: Tensor, V: number): Tensor {
  const [M, D] = src.shape as [number, number];
  const base = zeros([1, 1], { dtype: src.dtype, device: src.device }).expand([V, D]); // a fill inside the scatter, not a zeroed copy
  // a contiguous index (M·D int32s, cheap) and src: the native dense scatter-add; an expanded
  // index view would send the kernel down the TypeScript path (several ms for an LM batch)
  const index = dispatch("copy", [idx.reshape([M, 1]).expand([M, D])], {});
  const out = dispatch("scatter", [base, index, src.isContiguous() ? src.detach() : dispatch("copy", [src], {})], { axis: 0, reduce: "add" });
  return record1("EmbeddingDenseBackward0", [src], out, [], ([g]) => [gatherRows(g!, idx)]);
}

/**
 * Looks up rows of `weight` [numEmbeddings, dim] for integer indices of any shape:
 * output shape = input shape + [dim].
 * @example F.embedding(tensor([[0, 2], [1, 0]], { dtype: "int32" }), weight, { paddingIdx: 0 }) // [2, 2, dim]
 */
export function embedding(input: Tensor, weight: Tensor, opts?: EmbeddingOptions): Tensor {
  const op = "embedding";
  if (weight.ndim !== 2) throw new ShapeError(`${op}: expected a 2-D weight [num_embeddings, embedding_dim], got shape ${fmtShape(weight.shape)}`);
  if (input.dtype !== "int64" && input.dtype !== "int32") throw new DTypeError(`${op}: expected integer (int64 or int32) indices, got ${input.dtype} (shape ${fmtShape(input.shape)}); convert with .long()`);
  const [V, D] = weight.shape as [number, number];
  let pad = opts?.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -V || pad >= V) throw new IndexError(`${op}: paddingIdx must be within num_embeddings (${V}), got ${pad}`);
    if (pad < 0) pad += V;
  }
  const idx = input.reshape([-1]);
  const rule = rowsRule(weight);
  if (opts?.maxNorm !== undefined && opts.maxNorm !== null) renorm(weight, idx, rule, opts.maxNorm, opts.normType ?? 2);
  let src = weight;
  if (pad !== null || opts?.scaleGradByFreq) src = gradScaled(weight, idx, pad, opts?.scaleGradByFreq ?? false);
  return gatherRows(src, idx, rule).reshape([...input.shape, D]);
}

/** [V] with a 1 at every row `idx` names (a count per row with `add`), as `dtype`. */
function rowHits(V: number, idx: Tensor, dtype: Tensor["dtype"], device: string, add: boolean, rule?: IndexRule): Tensor {
  const base = zeros([V], { dtype, device });
  const one = scalarTensor(1, dtype, device).expand(idx.shape);
  return dispatch("scatter", [base, idx, one], rule ? { axis: 0, reduce: add ? "add" : "none", index: rule } : { axis: 0, reduce: add ? "add" : "none" });
}

/**
 * Identity on the weight whose backward zeroes the padding row's gradient and, with
 * scaleGradByFreq, divides each row's gradient by its count in the batch.
 */
export function gradScaled(weight: Tensor, idx: Tensor, pad: number | null, byFreq: boolean): Tensor {
  const V = weight.shape[0]!;
  return record1("EmbeddingPaddingBackward0", [weight], weight.detach(), [], ([g]) => {
    const dtype = g!.dtype, device = g!.device;
    // each row's factor: 1 / (its count in the batch) with byFreq (1 for rows not used), 0 for the padding row
    let scale: Tensor = scalarTensor(1, dtype, device).expand([V]);
    if (byFreq) {
      const counts = noGrad(() => rowHits(V, idx, dtype, device, true));
      scale = where(counts.gt(0), counts.reciprocal(), 1);
    }
    if (pad !== null) scale = where(arange(V, { dtype: "int32", device }).eq(pad), 0, scale);
    return [g!.mul(scale.reshape([V, 1]))];
  });
}

/** torch's embedding_renorm_: rows referenced by `idx` with norm > maxNorm are scaled to maxNorm. */
export function renorm(weight: Tensor, idx: Tensor, rule: IndexRule, maxNorm: number, normType: number): void {
  const V = weight.shape[0]!;
  noGrad(() => {
    const mask = rowHits(V, idx, "bool", weight.device, false, rule).reshape([V, 1]); // the kernel checks idx first
    const norms = weight.norm(normType, 1, { keepdim: true });
    const scale = where(norms.gt(maxNorm).logicalAnd(mask), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
    weight.mul_(scale.to(weight.dtype));
  });
}

/** The declared form `F` exports (torch.nn.functional.embedding's signature and order). */
export const EMBEDDING_FNS = {
  embedding: defineF(
    "embedding(Tensor input, Tensor weight, int? paddingIdx=null, float? maxNorm=null, float normType=2.0, bool scaleGradByFreq=false, bool sparse=false) -> Tensor",
    (input: Tensor, weight: Tensor, paddingIdx: number | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, sparse: boolean) => {
      if (sparse) throw new FluxionError("embedding(): sparse=true (sparse gradients) is not supported; Fluxion computes a dense weight gradient");
      return embedding(input, weight, { paddingIdx, maxNorm, normType, scaleGradByFreq });
    },
  ),
};

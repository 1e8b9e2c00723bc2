/**
 * F.multiHeadAttentionForward (torch.nn.functional.multi_head_attention_forward): multi-head
 * attention from explicit weights, and the core nn.MultiheadAttention runs. Inputs are
 * sequence-first [L, N, E] (or unbatched [L, E]), as PyTorch's functional form; the module
 * brings batch-first inputs here. Composed from linear, matmul, softmax and dropout, so
 * autograd derives the backward.
 */
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { cat, pad } from "../../ops/shape_ops.js";
import { zeros } from "../../tensor/creation.js";
import type { Generator } from "../../tensor/random.js";
import { shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _attention, _maskToBias } from "./attention.js";
import { defineF } from "./define.js";
import { linear } from "./linear.js";

/** The weights and flags of one attention call (PyTorch's functional arguments). @internal */
export interface MhaParams {
  numHeads: number;
  /** Packed [3E, E] projection, or null with the separate q/k/v weights. */
  inProjWeight: Tensor | null;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  inProjBias: Tensor | null;
  biasK: Tensor | null;
  biasV: Tensor | null;
  addZeroAttn: boolean;
  /** Dropout on the attention weights (already 0 out of training). */
  dropoutP: number;
  outProjWeight: Tensor;
  outProjBias: Tensor | null;
  keyPaddingMask: Tensor | null;
  needWeights: boolean;
  /** Bool (true = masked out) or float (added), [L, S] or [N·H, L, S]. */
  attnMask: Tensor | null;
  averageAttnWeights: boolean;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  generator?: Generator;
}

/** One more (unmasked) key column at the end of a mask. */
function padLast(mask: Tensor): Tensor {
  if (mask.dtype === "bool") return cat([mask, zeros([...mask.shape.slice(0, -1), 1], { dtype: "bool", device: mask.device })], -1);
  return pad(mask, [0, 1]);
}

/**
 * Multi-head attention over batch-first, batched q0 [N, L, E], k0 [N, S, kdim] (null: the
 * same tensor as v0) and v0 [N, S, vdim]; `batched` says whether the caller's inputs were
 * (the masks' expected shapes and the unbatched result follow it); `selfAttn` whether
 * query, key and value were one tensor (one packed projection). Returns [output [N, L, E],
 * weights or null].
 * @internal shared by F.multiHeadAttentionForward and nn.MultiheadAttention.
 */
export function _multiHeadAttention(op: string, q0: Tensor, k0: Tensor | null, v0: Tensor, batched: boolean, selfAttn: boolean, p: MhaParams): [Tensor, Tensor | null] {
  const H = p.numHeads;
  const E = q0.shape[2]!;
  if (E % H !== 0) throw new FluxionError(`${op}: embed_dim ${E} not divisible by num_heads ${H}`);
  const headDim = E / H;
  const kIn = k0 ?? v0;
  const N = q0.shape[0]!, L = q0.shape[1]!;
  const dtype = p.outProjWeight.dtype;

  // input projections
  let q: Tensor, k: Tensor, v: Tensor;
  const b = p.inProjBias;
  const bq = b?.narrow(0, 0, E) ?? null, bk = b?.narrow(0, E, E) ?? null, bv = b?.narrow(0, 2 * E, E) ?? null;
  if (p.inProjWeight) {
    const w = p.inProjWeight;
    if (selfAttn) [q, k, v] = linear(q0, w, b).chunk(3, -1) as [Tensor, Tensor, Tensor];
    else {
      q = linear(q0, w.narrow(0, 0, E), bq);
      if (k0 === null) [k, v] = linear(v0, w.narrow(0, E, 2 * E), b?.narrow(0, E, 2 * E)).chunk(2, -1) as [Tensor, Tensor];
      else {
        k = linear(kIn, w.narrow(0, E, E), bk);
        v = linear(v0, w.narrow(0, 2 * E, E), bv);
      }
    }
  } else {
    if (!p.qProjWeight || !p.kProjWeight || !p.vProjWeight) throw new FluxionError(`${op}: useSeparateProjWeight is true but qProjWeight, kProjWeight or vProjWeight is null`);
    q = linear(q0, p.qProjWeight, bq);
    k = linear(kIn, p.kProjWeight, bk);
    v = linear(v0, p.vProjWeight, bv);
  }
  let S = k.shape[1]!;

  // masks -> one additive bias broadcastable to [N, H, L, S]
  let attnMask = p.attnMask;
  let kpm = p.keyPaddingMask;
  if (attnMask) {
    const want2 = [L, S], want3 = [batched ? N * H : H, L, S];
    if (!shapesEqual(attnMask.shape, want2) && !shapesEqual(attnMask.shape, want3)) {
      throw new ShapeError(`${op}: The shape of the attn_mask is ${fmtShape(attnMask.shape)}, but should be ${fmtShape(want2)} or ${fmtShape(want3)} (L=${L} queries, S=${S} keys, ${batched ? `batch ${N} x ` : ""}${H} heads)`);
    }
  }
  if (kpm) {
    const want = batched ? [N, S] : [S];
    if (!shapesEqual(kpm.shape, want)) throw new ShapeError(`${op}: expecting key_padding_mask shape of ${fmtShape(want)} ${batched ? "[N, S]" : "[S]"}, but got ${fmtShape(kpm.shape)}`);
    if (!batched) kpm = kpm.unsqueeze(0);
  }
  if (p.biasK && p.biasV) {
    if (p.staticK) throw new FluxionError(`${op}: bias cannot be added to static key.`);
    if (p.staticV) throw new FluxionError(`${op}: bias cannot be added to static value.`);
    k = cat([k, p.biasK.reshape([1, 1, E]).expand([N, 1, E])], 1);
    v = cat([v, p.biasV.reshape([1, 1, E]).expand([N, 1, E])], 1);
    attnMask = attnMask && padLast(attnMask);
    kpm = kpm && padLast(kpm);
  } else if (p.biasK || p.biasV) {
    throw new FluxionError(`${op}: biasK and biasV must be given together (got only ${p.biasK ? "biasK" : "biasV"})`);
  }

  // heads: [N, T, E] -> [N, H, T, headDim]; static keys/values come as [N·H, S, headDim]
  const heads = (t: Tensor) => t.reshape([N, t.shape[1]!, H, headDim]).transpose(1, 2);
  const staticHeads = (name: string, t: Tensor) => {
    if (t.ndim !== 3 || t.shape[0] !== N * H) throw new ShapeError(`${op}: expecting ${name}.size(0) of ${N * H}, but got ${t.ndim === 3 ? t.shape[0] : fmtShape(t.shape)}`);
    if (t.shape[2] !== headDim) throw new ShapeError(`${op}: expecting ${name}.size(2) of ${headDim}, but got ${t.shape[2]}`);
    return t.reshape([N, H, t.shape[1]!, headDim]);
  };
  const qh = heads(q);
  let kh = p.staticK ? staticHeads("static_k", p.staticK) : heads(k);
  let vh = p.staticV ? staticHeads("static_v", p.staticV) : heads(v);
  if (p.addZeroAttn) {
    const z = zeros([N, H, 1, headDim], { dtype, device: q0.device });
    kh = cat([kh, z], 2);
    vh = cat([vh, z], 2);
    attnMask = attnMask && padLast(attnMask);
    kpm = kpm && padLast(kpm);
  }
  S = kh.shape[2]!;
  let bias: Tensor | null = null;
  if (attnMask) {
    bias = _maskToBias(op, "attn_mask", attnMask, dtype, false, true);
    if (attnMask.ndim === 3) bias = bias.reshape([-1, H, L, S]);
  }
  if (kpm) {
    const kb = _maskToBias(op, "key_padding_mask", kpm, dtype, false, true).reshape([N, 1, 1, S]);
    bias = bias ? bias.add(kb) : kb;
  }

  const { output, weights } = _attention(qh, kh, vh, bias, 1 / Math.sqrt(headDim), p.dropoutP, p.generator);
  const out = linear(output.transpose(1, 2).reshape([N, L, E]), p.outProjWeight, p.outProjBias);
  if (!p.needWeights) return [out, null];
  let w = p.averageAttnWeights ? weights.mean(1) : weights;
  if (!batched) w = w.squeeze(0);
  return [out, w];
}

/**
 * query, key and value brought to batch-first, batched [N, T, E], each distinct tensor moved
 * once; key comes back null when it is value (one projection of both).
 * @internal
 */
export function _toBatchFirst(query: Tensor, key: Tensor, value: Tensor, batched: boolean, batchFirst: boolean): { q: Tensor; k: Tensor | null; v: Tensor; selfAttn: boolean } {
  const move = (t: Tensor) => (!batched ? t.unsqueeze(0) : batchFirst ? t : t.transpose(0, 1));
  const sameKV = key === value, selfAttn = sameKV && query === key;
  const v = move(value);
  return { q: selfAttn ? v : move(query), k: sameKV ? null : move(key), v, selfAttn };
}

/**
 * Multi-head attention from explicit weights, as nn.MultiheadAttention computes it:
 * query [L, N, E], key [S, N, kdim], value [S, N, vdim] (or unbatched [L, E], ...) ->
 * [output [L, N, E], weights [N, L, S] (averaged over heads) or [N, H, L, S], or null].
 * @example
 * const [out, w] = F.multiHeadAttentionForward(x, x, x, 16, 4, mha.in_proj_weight, mha.in_proj_bias, null, null, false, 0,
 *   mha.out_proj.weight, mha.out_proj.bias);
 */
export function multiHeadAttentionForward(query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, params: MhaParams & { useSeparateProjWeight: boolean; training: boolean }): [Tensor, Tensor | null] {
  const op = "multiHeadAttentionForward";
  const batched = query.ndim === 3;
  if (query.ndim !== 2 && query.ndim !== 3) throw new ShapeError(`${op}: query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor (shape ${fmtShape(query.shape)})`);
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
    throw new ShapeError(`${op}: For ${batched ? "batched (3-D)" : "unbatched (2-D)"} \`query\`, expected \`key\` and \`value\` to be ${query.ndim}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
  }
  const E = query.shape[query.ndim - 1]!;
  if (E !== embedDimToCheck) throw new ShapeError(`${op}: was expecting embedding dimension of ${embedDimToCheck}, but got ${E}`);
  if (params.useSeparateProjWeight) {
    if (!shapesEqual(key.shape.slice(0, -1), value.shape.slice(0, -1))) {
      throw new ShapeError(`${op}: key's sequence and batch dims ${fmtShape(key.shape.slice(0, -1))} do not match value's ${fmtShape(value.shape.slice(0, -1))}`);
    }
  } else {
    if (!shapesEqual(key.shape, value.shape)) throw new ShapeError(`${op}: key shape ${fmtShape(key.shape)} does not match value shape ${fmtShape(value.shape)}`);
    if (!params.inProjWeight) throw new FluxionError(`${op}: useSeparateProjWeight is false but inProjWeight is null`);
  }
  if (batched && key.shape[1] !== query.shape[1]) throw new ShapeError(`${op}: query and key must have the same batch size, got query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)}`);
  for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
    if (t.dtype !== params.outProjWeight.dtype) throw new DTypeError(`${op}: expected ${name} of the weights' dtype ${params.outProjWeight.dtype}, got ${t.dtype}`);
  }
  if (!(params.dropoutP >= 0 && params.dropoutP <= 1)) throw new FluxionError(`${op}: dropoutP must be in [0, 1], got ${params.dropoutP}`);
  const { q, k, v, selfAttn } = _toBatchFirst(query, key, value, batched, false);
  const [out, w] = _multiHeadAttention(op, q, k, v, batched, selfAttn, {
    ...params, inProjWeight: params.useSeparateProjWeight ? null : params.inProjWeight, dropoutP: params.training ? params.dropoutP : 0,
  });
  return [batched ? out.transpose(0, 1) : out.squeeze(0), w];
}

const DECL = "multiHeadAttentionForward(Tensor query, Tensor key, Tensor value, int embedDimToCheck, int numHeads, Tensor? inProjWeight, Tensor? inProjBias, " +
  "Tensor? biasK, Tensor? biasV, bool addZeroAttn, float dropoutP, Tensor outProjWeight, Tensor? outProjBias, bool training=true, Tensor? keyPaddingMask=null, " +
  "bool needWeights=true, Tensor? attnMask=null, bool useSeparateProjWeight=false, Tensor? qProjWeight=null, Tensor? kProjWeight=null, Tensor? vProjWeight=null, " +
  "Tensor? staticK=null, Tensor? staticV=null, bool averageAttnWeights=true, *, Generator? generator=null) -> (Tensor, Tensor?)";

type T = Tensor | null;
/** The parameters after outProjBias, by name (PyTorch's keywords). */
export interface MhaForwardOptions {
  training?: boolean;
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  averageAttnWeights?: boolean;
  generator?: Generator | null;
}
type Head = [query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number, inProjWeight: T, inProjBias: T, biasK: T, biasV: T,
  addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: T];
/** Written out: the declaration has too many parameters for the generated overloads. */
type MhaForwardFn = {
  (...args: [...Head, opts?: MhaForwardOptions]): [Tensor, Tensor | null];
  (...args: [...Head, training?: boolean, keyPaddingMask?: T, needWeights?: boolean, attnMask?: T, useSeparateProjWeight?: boolean, qProjWeight?: T, kProjWeight?: T,
    vProjWeight?: T, staticK?: T, staticV?: T, averageAttnWeights?: boolean, opts?: { generator?: Generator | null }]): [Tensor, Tensor | null];
};
/** The declared form `F` exports (PyTorch 1.13's signature and positional order, plus a keyword-only generator). */
export const MULTI_HEAD_ATTENTION_FNS = {
  multiHeadAttentionForward: defineF(DECL, (query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number, inProjWeight: T, inProjBias: T, biasK: T, biasV: T,
    addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: T, training: boolean, keyPaddingMask: T, needWeights: boolean, attnMask: T,
    useSeparateProjWeight: boolean, qProjWeight: T, kProjWeight: T, vProjWeight: T, staticK: T, staticV: T, averageAttnWeights: boolean, { generator }: { generator: Generator | null }) =>
    multiHeadAttentionForward(query, key, value, embedDimToCheck, {
      numHeads, inProjWeight, inProjBias, biasK, biasV, addZeroAttn, dropoutP, outProjWeight, outProjBias, training, keyPaddingMask, needWeights, attnMask,
      useSeparateProjWeight, qProjWeight, kProjWeight, vProjWeight, staticK, staticV, averageAttnWeights, generator: generator ?? undefined,
    })) as unknown as MhaForwardFn,
};

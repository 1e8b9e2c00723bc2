/**
 * F.scaledDotProductAttention (torch 2.x semantics: softmax(Q Kᵀ · scale + mask) V, with a
 * boolean mask meaning "may attend" or a float mask added to the scores), and the mask
 * helpers MultiheadAttention shares with it. Composed from matmul, softmax and where, so
 * autograd derives the backward; there is no fused kernel here (the compiler's business).
 */
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { arange, zeros } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Generator } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { dropout } from "./dropout.js";
import { defineF } from "./define.js";

export interface ScaledDotProductAttentionOptions {
  /**
   * Bool mask (true = may attend, false = masked out) or a float mask added to the scores;
   * broadcastable to [..., L, S].
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as torch). */
  dropoutP?: number;
  /** Mask out keys after each query (a lower-triangular, top-left aligned mask). */
  isCausal?: boolean;
  /** Multiplier of Q Kᵀ (default 1/√E). */
  scale?: number | null;
  generator?: Generator;
}

/** A causal mask [L, S] as bool (true = may attend): key j is visible to query i when j <= i. */
export function _causalMask(L: number, S: number, device?: string): Tensor {
  return arange(S, { dtype: "int32", device }).unsqueeze(0).le(arange(L, { dtype: "int32", device }).unsqueeze(1));
}

/**
 * A mask as an additive float bias of the scores' dtype: bool masks become 0 where
 * `attendWhen` and -inf elsewhere; float masks are cast to `dtype`. Which float masks are
 * accepted: any (`anyFloat`, MultiheadAttention, as PyTorch 1.13 adds a float64 mask to float32
 * scores in place), else float32 or `dtype` (F.scaled_dot_product_attention's check).
 * @internal shared with MultiheadAttention (whose bool masks mean the opposite: true = masked).
 */
export function _maskToBias(op: string, name: string, mask: Tensor, dtype: DType, attendWhen: boolean, anyFloat = false): Tensor {
  if (mask.dtype === "bool") {
    const allowed = attendWhen ? mask : mask.logicalNot();
    return zeros(mask.shape, { dtype, device: mask.device }).maskedFill(allowed.logicalNot(), -Infinity);
  }
  if (!mask.isFloatingPoint()) throw new DTypeError(`${op}: only bool and floating-point types are supported for ${name}, got ${mask.dtype}`);
  if (!anyFloat && mask.dtype !== "float32" && mask.dtype !== dtype) {
    throw new DTypeError(`${op}: Expected ${name} dtype to be bool or float32 or to match query dtype, but got ${name}.dtype: ${mask.dtype} and query.dtype: ${dtype}`);
  }
  return mask.dtype === dtype ? mask : mask.to(dtype);
}

/**
 * Attention weights softmax(q kᵀ · scale + bias) and the output weights · v.
 * q [..., L, E], k [..., S, E], v [..., S, Ev]; bias broadcastable to [..., L, S].
 * @internal the shared core of scaledDotProductAttention and MultiheadAttention.
 */
export function _attention(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, scale: number, dropoutP: number, generator?: Generator): { output: Tensor; weights: Tensor } {
  // scaling q (L·E products) instead of the scores (L·S) is cheaper for long keys
  let scores = q.mul(scale).matmul(k.transpose(-2, -1));
  if (bias) scores = scores.add(bias);
  let weights = scores.softmax(-1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, { training: true, generator });
  return { output: weights.matmul(v), weights };
}

/**
 * Scaled dot-product attention (torch.nn.functional.scaled_dot_product_attention):
 * softmax(Q Kᵀ · scale + mask) V over the last two dims; leading dims broadcast.
 * query [..., L, E], key [..., S, E], value [..., S, Ev] → [..., L, Ev].
 * Rows whose keys are all masked out give NaN, as in PyTorch.
 * @example
 * const q = randn([2, 4, 5, 8]), k = randn([2, 4, 6, 8]), v = randn([2, 4, 6, 8]);
 * F.scaledDotProductAttention(q, k, v);                    // [2, 4, 5, 8]
 * F.scaledDotProductAttention(q, q, q, { isCausal: true }); // query i sees keys 0..i
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts?: ScaledDotProductAttentionOptions): Tensor {
  const op = "scaledDotProductAttention";
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new ShapeError(`${op}: expected query, key and value of at least 2 dims [..., L, E], got ${fmtShape(query.shape)}, ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
  }
  const E = query.shape[query.ndim - 1]!, L = query.shape[query.ndim - 2]!, S = key.shape[key.ndim - 2]!;
  if (key.shape[key.ndim - 1] !== E) throw new ShapeError(`${op}: query [..., L, E] and key [..., S, E] must share E, got query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)}`);
  if (value.shape[value.ndim - 2] !== S) throw new ShapeError(`${op}: key [..., S, E] and value [..., S, Ev] must share S, got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`);
  if (!query.isFloatingPoint() || key.dtype !== query.dtype || value.dtype !== query.dtype) {
    throw new DTypeError(`${op}: expected query, key and value of the same floating-point dtype, got ${query.dtype}, ${key.dtype} and ${value.dtype}`);
  }
  const p = opts?.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1)) throw new FluxionError(`${op}: dropoutP must be in [0, 1], got ${p}`);
  const mask = opts?.attnMask ?? null;
  if (opts?.isCausal && mask) throw new FluxionError(`${op}: explicit attnMask should not be set when isCausal is true (the causal mask is built for you)`);
  let bias: Tensor | null = null;
  if (mask) {
    const ms = mask.shape;
    const fits = ms.length <= query.ndim && ms.every((s, i) => {
      const target = i === ms.length - 1 ? S : i === ms.length - 2 ? L : 1;
      return i < ms.length - 2 ? true : s === target || s === 1;
    });
    if (!fits) throw new ShapeError(`${op}: attnMask of shape ${fmtShape(ms)} cannot be broadcast to the attention scores [..., L=${L}, S=${S}] (query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)})`);
    bias = _maskToBias(op, "attnMask", mask, query.dtype, true);
  } else if (opts?.isCausal) {
    bias = _maskToBias(op, "attnMask", _causalMask(L, S, query.device), query.dtype, true);
  }
  const scale = opts?.scale ?? 1 / Math.sqrt(E);
  return _attention(query, key, value, bias, scale, p, opts?.generator).output;
}

/** The declared form `F` exports (torch 2.x's signature; scale and generator keyword-only). */
export const ATTENTION_FNS = {
  scaledDotProductAttention: defineF(
    "scaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask=null, float dropoutP=0.0, bool isCausal=false, *, float? scale=null, Generator? generator=null) -> Tensor",
    (q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null, dropoutP: number, isCausal: boolean, { scale, generator }: { scale: number | null; generator: Generator | null }) =>
      scaledDotProductAttention(q, k, v, { attnMask, dropoutP, isCausal, scale, generator: generator ?? undefined }),
  ),
};

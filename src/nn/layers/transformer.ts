/**
 * MultiheadAttention, TransformerEncoderLayer and TransformerEncoder, as in PyTorch 1.13:
 * same parameter and submodule names (in_proj_weight, out_proj.weight, self_attn.*, linear1,
 * norm1, ...), same default init and the same outputs, so PyTorch stateDicts load unchanged.
 * Attention itself is F.scaledDotProductAttention's core (functional/attention.ts).
 *
 * Mind the mask conventions, which are PyTorch's: in MultiheadAttention and the transformer
 * layers a bool mask is true where attention is NOT allowed (key_padding_mask: true = pad),
 * while F.scaledDotProductAttention's bool mask is true where attention IS allowed.
 */
import { ArgumentError, FluxionError, ShapeError, DTypeError, fmtShape } from "../../errors.js";
import { describeValue } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, declareMethodArgs } from "../args.js";
import { empty } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _causalMask } from "../functional/attention.js";
import { _multiHeadAttention, _toBatchFirst } from "../functional/multi_head_attention.js";
import * as init from "../init.js";
import { deepcopy } from "../../utils/deepcopy.js";
import { Module } from "../module.js";
import { runUserCode } from "../../compile/state.js";
import { Parameter } from "../parameter.js";
import { ModuleList } from "./container.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { LayerNorm } from "./normalization.js";

/** MultiheadAttention's output projection: a Linear, named as in PyTorch so prints match. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** The options-object form of MultiheadAttention's arguments. */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Biases on the input and output projections (default true). */
  bias?: boolean;
  /** Learned bias_k and bias_v appended to the keys and values (default false). */
  addBiasKv?: boolean;
  /** Append a zero key and value (default false). */
  addZeroAttn?: boolean;
  /** Key and value feature sizes (default embedDim); when they differ, separate q/k/v weights. */
  kdim?: number | null;
  vdim?: number | null;
  /** Inputs and output are [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

/** The options-object form of MultiheadAttention.forward's arguments after query, key and value. */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): bool true = ignore that key (padding), or a float mask added. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N · numHeads, L, S]: bool true = NOT allowed to attend, or a float mask added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true): [N, L, S], else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
  /** Causal attention: attnMask, when given, is taken to be the causal mask; when not, one is built. */
  isCausal?: boolean;
}

const MHA = "MultiheadAttention(int embedDim, int numHeads, float dropout=0.0, bool bias=true, bool addBiasKv=false, bool addZeroAttn=false, int? kdim=null, int? vdim=null, bool batchFirst=false, *, Device? device=null, ScalarType? dtype=null)";
const mhaArgs = declareArgs(MHA, "nn");
const MHA_FORWARD = "MultiheadAttention.forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask=null, bool needWeights=true, Tensor? attnMask=null, bool averageAttnWeights=true, bool isCausal=false)";
const mhaForwardArgs = declareMethodArgs(MHA_FORWARD);

/**
 * Multi-head attention (torch.nn.MultiheadAttention): projects query, key and value,
 * attends per head with softmax(q kᵀ/√headDim + masks) v and projects the heads back.
 * Returns [output, weights | null]; output is [L, N, E] ([N, L, E] with batchFirst).
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = randn([2, 5, 16]);
 * const [out, w] = mha.forward(x, x, x); // out [2, 5, 16], w [2, 5, 5] (averaged over heads)
 * mha.forward(x, x, x, padMask, false); // PyTorch's order: keyPaddingMask, needWeights, attnMask, ...
 */
export class MultiheadAttention extends Module {
  declare in_proj_weight: Parameter | null;
  declare q_proj_weight: Parameter | null;
  declare k_proj_weight: Parameter | null;
  declare v_proj_weight: Parameter | null;
  declare in_proj_bias: Parameter | null;
  declare bias_k: Parameter | null;
  declare bias_v: Parameter | null;
  out_proj: NonDynamicallyQuantizableLinear;
  readonly embedDim: number;
  readonly numHeads: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  /** Whether key and value have embedDim features (one packed in_proj_weight). */
  readonly qkvSameEmbedDim: boolean;

  constructor(...args: CtorArgs<typeof MHA>) {
    super();
    const [embedDim, numHeads, dropout, bias, addBiasKv, addZeroAttn, kdim, vdim, batchFirst, { device, dtype }] = mhaArgs.bind(args);
    if (embedDim <= 0 || numHeads <= 0) {
      throw new FluxionError(`MultiheadAttention: embed_dim and num_heads must be positive integers, got ${embedDim} and ${numHeads}`);
    }
    checkLayerSizes("MultiheadAttention", { embed_dim: embedDim, kdim: kdim ?? embedDim, vdim: vdim ?? embedDim }, device);
    if (embedDim % numHeads !== 0) throw new FluxionError(`MultiheadAttention: embed_dim must be divisible by num_heads (got embed_dim=${embedDim}, num_heads=${numHeads})`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.kdim = kdim ?? embedDim;
    this.vdim = vdim ?? embedDim;
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new FluxionError(`MultiheadAttention: dropout must be in [0, 1], got ${this.dropout}`);
    this.batchFirst = batchFirst;
    this.addZeroAttn = addZeroAttn;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    const create = { dtype, device };
    const E = embedDim;
    // PyTorch's registration order, which is the stateDict's
    if (!this.qkvSameEmbedDim) {
      this.registerParameter("q_proj_weight", new Parameter(empty([E, E], create)));
      this.registerParameter("k_proj_weight", new Parameter(empty([E, this.kdim], create)));
      this.registerParameter("v_proj_weight", new Parameter(empty([E, this.vdim], create)));
      this.registerParameter("in_proj_weight", null);
    } else {
      this.registerParameter("in_proj_weight", new Parameter(empty([3 * E, E], create)));
      this.registerParameter("q_proj_weight", null);
      this.registerParameter("k_proj_weight", null);
      this.registerParameter("v_proj_weight", null);
    }
    this.registerParameter("in_proj_bias", bias ? new Parameter(empty([3 * E], create)) : null);
    this.out_proj = new NonDynamicallyQuantizableLinear(E, E, bias, create);
    this.registerParameter("bias_k", addBiasKv ? new Parameter(empty([1, 1, E], create)) : null);
    this.registerParameter("bias_v", addBiasKv ? new Parameter(empty([1, 1, E], create)) : null);
    this.resetParameters();
  }

  /** xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v (PyTorch's _reset_parameters). */
  resetParameters(): void {
    if (this.in_proj_weight) init.xavierUniform_(this.in_proj_weight);
    else for (const w of [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) init.xavierUniform_(w!);
    if (this.in_proj_bias) {
      init.zeros_(this.in_proj_bias);
      init.zeros_(this.out_proj.bias!);
    }
    if (this.bias_k) init.xavierNormal_(this.bias_k);
    if (this.bias_v) init.xavierNormal_(this.bias_v);
  }

  forward(...args: CtorArgs<typeof MHA_FORWARD>): [Tensor, Tensor | null] {
    const [query, key, value, keyPaddingMask, needWeights, attnMaskArg, averageAttnWeights, isCausal] = mhaForwardArgs.bind(args);
    const op = "MultiheadAttention";
    const E = this.embedDim;
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) throw new ShapeError(`${op}: query should be unbatched 2-D [L, E] or batched 3-D but received a ${query.ndim}-D query tensor (shape ${fmtShape(query.shape)})`);
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(`${op}: For ${batched ? "batched (3-D)" : "unbatched (2-D)"} query, expected key and value to be ${query.ndim}-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
    }
    const last = (t: Tensor) => t.shape[t.ndim - 1]!;
    if (last(query) !== E) throw new ShapeError(`${op}: was expecting embedding dimension of ${E}, but got ${last(query)} (query shape ${fmtShape(query.shape)})`);
    if (last(key) !== this.kdim) throw new ShapeError(`${op}: expected key with ${this.kdim} features (kdim), got shape ${fmtShape(key.shape)}`);
    if (last(value) !== this.vdim) throw new ShapeError(`${op}: expected value with ${this.vdim} features (vdim), got shape ${fmtShape(value.shape)}`);
    if (key.shape.slice(0, -1).some((s, i) => s !== value.shape[i])) {
      throw new ShapeError(`${op}: key's sequence and batch dims ${fmtShape(key.shape.slice(0, -1))} do not match value's ${fmtShape(value.shape.slice(0, -1))}`);
    }
    const dtype = this.out_proj.weight.dtype;
    for (const [name, t] of [["query", query], ["key", key], ["value", value]] as const) {
      if (t.dtype !== dtype) throw new DTypeError(`${op}: expected ${name} of dtype ${dtype} (the module's parameter dtype), got ${t.dtype}`);
    }

    // internally batch-first and batched: [N, L, E]
    const { q, k, v, selfAttn } = _toBatchFirst(query, key, value, batched, this.batchFirst);
    if (q.shape[0] !== (k ?? v).shape[0]) throw new ShapeError(`${op}: query and key must have the same batch size, got query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)}${batched ? (this.batchFirst ? " (batchFirst: [N, L, E])" : " ([L, N, E]; pass batchFirst: true for [N, L, E])") : ""}`);
    const L = q.shape[1]!, S = (k ?? v).shape[1]!;
    const attnMask = attnMaskArg ?? (isCausal ? _causalMask(L, S, query.device).logicalNot() : null);
    const [out, w] = _multiHeadAttention(op, q, k, v, batched, selfAttn, {
      numHeads: this.numHeads, inProjWeight: this.in_proj_weight, qProjWeight: this.q_proj_weight, kProjWeight: this.k_proj_weight, vProjWeight: this.v_proj_weight,
      inProjBias: this.in_proj_bias, biasK: this.bias_k, biasV: this.bias_v, addZeroAttn: this.addZeroAttn, dropoutP: this.training ? this.dropout : 0,
      outProjWeight: this.out_proj.weight, outProjBias: this.out_proj.bias, keyPaddingMask, needWeights, attnMask, averageAttnWeights,
    });
    return [!batched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1), w];
  }
}

// ---- transformer encoder --------------------------------------------------------------------

export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor) | Module;

/** The options-object form of TransformerEncoderLayer's arguments. */
export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout after attention, inside and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** "relu" (default), "gelu", a function or a module. */
  activation?: TransformerActivation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** Input [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
  /** Pre-norm: x + sa(norm1(x)), then x + ff(norm2(x)) (default false: post-norm). */
  normFirst?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

/** The options-object form of TransformerEncoderLayer.forward's arguments after src. */
export interface TransformerEncoderForwardOptions {
  /** Attention mask [L, L] or [N · nhead, L, L] (bool true = NOT allowed, or float added). */
  srcMask?: Tensor | null;
  /** [N, L] (bool true = padding). */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (srcMask, when given, is taken to be the causal mask). */
  isCausal?: boolean;
}

const ENCODER_LAYER = 'TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward=2048, float dropout=0.1, "relu"|"gelu"|Callable activation="relu", float layerNormEps=1e-5, bool batchFirst=false, bool normFirst=false, *, Device? device=null, ScalarType? dtype=null)';
const encoderLayerArgs = declareArgs(ENCODER_LAYER, "nn");
const ENCODER_LAYER_FORWARD = "TransformerEncoderLayer.forward(Tensor src, Tensor? srcMask=null, Tensor? srcKeyPaddingMask=null, bool isCausal=false)";
const encoderLayerForwardArgs = declareMethodArgs(ENCODER_LAYER_FORWARD);

/**
 * One transformer encoder layer (torch.nn.TransformerEncoderLayer): self-attention and a
 * feed-forward block, each with a residual connection and LayerNorm (post-norm by default).
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, 64, { batchFirst: true }); // dimFeedforward 64
 * layer.eval();
 * layer.forward(randn([2, 10, 32])); // [2, 10, 32]; layer.forward(src, srcMask) as in PyTorch
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;

  constructor(...args: CtorArgs<typeof ENCODER_LAYER>) {
    super();
    const [dModel, nhead, dff, p, act, eps, batchFirst, normFirst, { device, dtype }] = encoderLayerArgs.bind(args);
    // checked here, so the messages name this layer rather than the attention inside it
    checkLayerSizes("TransformerEncoderLayer", { d_model: dModel, nhead, dim_feedforward: dff }, device, ["d_model", "nhead"]);
    if (dModel % nhead !== 0) throw new FluxionError(`TransformerEncoderLayer: d_model must be divisible by nhead (got d_model=${dModel}, nhead=${nhead})`);
    if (!(p >= 0 && p <= 1)) throw new FluxionError(`TransformerEncoderLayer: dropout must be in [0, 1], got ${p}`);
    this.dModel = dModel;
    this.nhead = nhead;
    const create = { dtype, device };
    this.batchFirst = batchFirst;
    this.normFirst = normFirst;
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: this.batchFirst, ...create });
    this.linear1 = new Linear(dModel, dff, create);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dff, dModel, create);
    this.norm1 = new LayerNorm(dModel, { eps, ...create });
    this.norm2 = new LayerNorm(dModel, { eps, ...create });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    if (act === "relu") this.activation = (x: Tensor) => x.relu();
    else if (act === "gelu") this.activation = (x: Tensor) => x.gelu();
    else if (act instanceof Module) this.activation = act;
    else {
      const fn = act as (x: Tensor) => Tensor; // user code: compile() keeps what it sees
      this.activation = (x: Tensor) => runUserCode(x, () => fn(x));
    }
  }

  forward(...args: CtorArgs<typeof ENCODER_LAYER_FORWARD>): Tensor {
    const [src, srcMask, srcKeyPaddingMask, isCausal] = encoderLayerForwardArgs.bind(args);
    if (src.ndim !== 2 && src.ndim !== 3) throw new ShapeError(`TransformerEncoderLayer.forward(): src should be unbatched 2-D [S, E] or batched 3-D, got shape ${fmtShape(src.shape)}`);
    let x = src;
    const sa = (t: Tensor) =>
      this.dropout1.forward(this.self_attn.forward(t, t, t, { attnMask: srcMask, keyPaddingMask: srcKeyPaddingMask, needWeights: false, isCausal })[0]);
    const act = this.activation as (t: Tensor) => Tensor;
    const ff = (t: Tensor) => this.dropout2.forward(this.linear2.forward(this.dropout.forward(act(this.linear1.forward(t)))));
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(ff(this.norm2.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(ff(x)));
    }
    return x;
  }

  /** A deep copy of this layer (PyTorch's copy.deepcopy, what TransformerEncoder/Decoder's _get_clones uses): parameters, mode, hooks and any field a subclass adds. */
  clone(): TransformerEncoderLayer {
    return deepcopy(this);
  }
}

/** The options-object form of TransformerEncoder's arguments after the layer and its count. */
export interface TransformerEncoderOptions {
  /** A final normalization (e.g. a LayerNorm) after the last layer. */
  norm?: Module | null;
  enableNestedTensor?: boolean;
  maskCheck?: boolean;
}

const ENCODER = "TransformerEncoder(Module encoderLayer, int numLayers, Module? norm=null, bool enableNestedTensor=true, bool maskCheck=true)";
const encoderArgs = declareArgs(ENCODER, "nn");
const ENCODER_FORWARD = "TransformerEncoder.forward(Tensor src, Tensor? mask=null, Tensor? srcKeyPaddingMask=null, bool isCausal=false)";
const encoderForwardArgs = declareMethodArgs(ENCODER_FORWARD);

/**
 * A stack of numLayers copies of an encoder layer (torch.nn.TransformerEncoder); the copies
 * start with equal parameters, as PyTorch's deepcopy. enableNestedTensor and maskCheck are
 * accepted for PyTorch code and change nothing. They pick PyTorch's nested-tensor fast path
 * (eval mode, no grad, batch-first, a srcKeyPaddingMask and no mask), whose only visible
 * effect is at the padded positions: zeros there before the final norm, where Fluxion computes
 * them as in training; the real positions agree.
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { batchFirst: true }), 6);
 * enc.forward(randn([2, 10, 32]), { srcKeyPaddingMask: padMask }); // [2, 10, 32]
 */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;
  readonly enableNestedTensor: boolean;
  readonly maskCheck: boolean;
  constructor(...args: CtorArgs<typeof ENCODER>) {
    super();
    const [encoderLayer, numLayers, norm, enableNestedTensor, maskCheck] = encoderArgs.bind(args);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new ArgumentError(`TransformerEncoder(): argument 'encoderLayer' (position 1) must be a TransformerEncoderLayer (its copies are made with clone()), but got ${describeValue(encoderLayer)}`);
    }
    if (numLayers < 1 || numLayers > 65536) throw new FluxionError(`TransformerEncoder: num_layers must be a positive integer${numLayers > 65536 ? " no larger than 65536" : ""}, got ${numLayers}`);
    this.numLayers = numLayers;
    this.enableNestedTensor = enableNestedTensor;
    this.maskCheck = maskCheck;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = norm;
  }
  forward(...args: CtorArgs<typeof ENCODER_FORWARD>): Tensor {
    const [src, mask, srcKeyPaddingMask, isCausal] = encoderForwardArgs.bind(args);
    let x = src;
    for (const layer of this.layers) x = (layer as TransformerEncoderLayer).call(x, { srcMask: mask, srcKeyPaddingMask, isCausal });
    return this.norm ? (this.norm.call(x) as Tensor) : x;
  }
}

// Outside the class body: a reference to the class inside it makes esbuild emit
// `var TransformerEncoderLayer = class _TransformerEncoderLayer`, and print(model) would then show `_TransformerEncoderLayer(...)`.
function newTransformerEncoderLayer(...args: ConstructorParameters<typeof TransformerEncoderLayer>): TransformerEncoderLayer {
  return new TransformerEncoderLayer(...args);
}

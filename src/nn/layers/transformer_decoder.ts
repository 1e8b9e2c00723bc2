/**
 * TransformerDecoderLayer, TransformerDecoder and Transformer, as in PyTorch 1.13: the same
 * submodule names (self_attn, multihead_attn, linear1, norm1..3, encoder.layers.i, ...), so
 * PyTorch stateDicts load unchanged, and the same post-norm (or normFirst pre-norm) blocks.
 * Masks follow PyTorch's convention (a bool true means NOT allowed; float masks are added),
 * as MultiheadAttention's (transformer.ts).
 */
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape, nameIn } from "../../errors.js";
import { describeValue } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, declareMethodArgs } from "../args.js";
import { full } from "../../tensor/creation.js";
import { isFloating, type DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runUserCode } from "../../compile/state.js";
import * as init from "../init.js";
import { deepcopy } from "../../utils/deepcopy.js";
import { Module } from "../module.js";
import { ModuleList } from "./container.js";
import { Dropout } from "./dropout.js";
import { Linear } from "./linear.js";
import { LayerNorm } from "./normalization.js";
import { MultiheadAttention, TransformerEncoder, TransformerEncoderLayer, type TransformerActivation } from "./transformer.js";

/** "relu", "gelu", a module or a function, as the layer calls it. */
function activationOf(act: TransformerActivation): ((x: Tensor) => Tensor) | Module {
  if (act === "relu") return (x: Tensor) => x.relu();
  if (act === "gelu") return (x: Tensor) => x.gelu();
  if (act instanceof Module) return act;
  const fn = act as (x: Tensor) => Tensor; // user code: compile() keeps what it sees
  return (x: Tensor) => runUserCode(x, () => fn(x));
}

/** The options-object form of TransformerDecoderLayer's arguments after dModel and nhead. */
export interface TransformerDecoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: TransformerActivation;
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

const DECODER_LAYER = 'TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward=2048, float dropout=0.1, "relu"|"gelu"|Callable activation="relu", float layerNormEps=1e-5, bool batchFirst=false, bool normFirst=false, *, Device? device=null, ScalarType? dtype=null)';
const decoderLayerArgs = declareArgs(DECODER_LAYER, "nn");
// tgtIsCausal / memoryIsCausal are PyTorch 2.x's: the given mask is causal, or (none given) build one
const DECODER_LAYER_FORWARD = "TransformerDecoderLayer.forward(Tensor tgt, Tensor memory, Tensor? tgtMask=null, Tensor? memoryMask=null, Tensor? tgtKeyPaddingMask=null, Tensor? memoryKeyPaddingMask=null, bool tgtIsCausal=false, bool memoryIsCausal=false)";
const decoderLayerForwardArgs = declareMethodArgs(DECODER_LAYER_FORWARD);

/**
 * One transformer decoder layer (torch.nn.TransformerDecoderLayer): self-attention over the
 * target, attention to the encoder's memory, and a feed-forward block, each with a residual
 * connection and LayerNorm (post-norm by default).
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, 64, { batchFirst: true });
 * layer.forward(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(10) });
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: ((x: Tensor) => Tensor) | Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly batchFirst: boolean;

  constructor(...args: CtorArgs<typeof DECODER_LAYER>) {
    super();
    const [dModel, nhead, dff, p, act, eps, batchFirst, normFirst, { device, dtype }] = decoderLayerArgs.bind(args);
    checkLayerSizes("TransformerDecoderLayer", { d_model: dModel, nhead, dim_feedforward: dff }, device, ["d_model", "nhead"]);
    if (dModel % nhead !== 0) throw new FluxionError(`TransformerDecoderLayer: d_model must be divisible by nhead (got d_model=${dModel}, nhead=${nhead})`);
    if (!(p >= 0 && p <= 1)) throw new FluxionError(`TransformerDecoderLayer: dropout must be in [0, 1], got ${p}`);
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
    this.normFirst = normFirst;
    const create = { dtype, device };
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst, ...create });
    this.multihead_attn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst, ...create });
    this.linear1 = new Linear(dModel, dff, create);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(dff, dModel, create);
    this.norm1 = new LayerNorm(dModel, { eps, ...create });
    this.norm2 = new LayerNorm(dModel, { eps, ...create });
    this.norm3 = new LayerNorm(dModel, { eps, ...create });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = activationOf(act);
  }

  forward(...args: CtorArgs<typeof DECODER_LAYER_FORWARD>): Tensor {
    const [tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal] = decoderLayerForwardArgs.bind(args);
    if (tgt.ndim !== 2 && tgt.ndim !== 3) throw new ShapeError(`TransformerDecoderLayer.forward(): tgt should be unbatched 2-D [T, E] or batched 3-D, got shape ${fmtShape(tgt.shape)}`);
    const sa = (t: Tensor) => this.dropout1.forward(this.self_attn.forward(t, t, t, { attnMask: tgtMask, keyPaddingMask: tgtKeyPaddingMask, needWeights: false, isCausal: tgtIsCausal })[0]);
    const mha = (t: Tensor) => this.dropout2.forward(this.multihead_attn.forward(t, memory, memory, { attnMask: memoryMask, keyPaddingMask: memoryKeyPaddingMask, needWeights: false, isCausal: memoryIsCausal })[0]);
    const act = this.activation as (t: Tensor) => Tensor;
    const ff = (t: Tensor) => this.dropout3.forward(this.linear2.forward(this.dropout.forward(act(this.linear1.forward(t)))));
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.forward(x)));
      x = x.add(mha(this.norm2.forward(x)));
      x = x.add(ff(this.norm3.forward(x)));
    } else {
      x = this.norm1.forward(x.add(sa(x)));
      x = this.norm2.forward(x.add(mha(x)));
      x = this.norm3.forward(x.add(ff(x)));
    }
    return x;
  }

  /** A deep copy of this layer (PyTorch's copy.deepcopy, what TransformerEncoder/Decoder's _get_clones uses): parameters, mode, hooks and any field a subclass adds. */
  clone(): TransformerDecoderLayer {
    return deepcopy(this);
  }
}

const DECODER = "TransformerDecoder(Module decoderLayer, int numLayers, Module? norm=null)";
const decoderArgs = declareArgs(DECODER, "nn");
const DECODER_FORWARD = "TransformerDecoder.forward(Tensor tgt, Tensor memory, Tensor? tgtMask=null, Tensor? memoryMask=null, Tensor? tgtKeyPaddingMask=null, Tensor? memoryKeyPaddingMask=null, bool? tgtIsCausal=null, bool memoryIsCausal=false)";
const decoderForwardArgs = declareMethodArgs(DECODER_FORWARD);

/**
 * A stack of numLayers copies of a decoder layer (torch.nn.TransformerDecoder), each
 * attending to the same memory; the copies start with equal parameters, as PyTorch's deepcopy.
 * @example const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(32, 4), 6); dec.forward(tgt, memory)
 */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  norm: Module | null;
  readonly numLayers: number;
  constructor(...args: CtorArgs<typeof DECODER>) {
    super();
    const [decoderLayer, numLayers, norm] = decoderArgs.bind(args);
    if (!(decoderLayer instanceof TransformerDecoderLayer)) {
      throw new ArgumentError(`TransformerDecoder(): argument 'decoderLayer' (position 1) must be a TransformerDecoderLayer (its copies are made with clone()), but got ${describeValue(decoderLayer)}`);
    }
    if (numLayers < 1 || numLayers > 65536) throw new FluxionError(`TransformerDecoder: num_layers must be a positive integer${numLayers > 65536 ? " no larger than 65536" : ""}, got ${numLayers}`);
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = norm;
  }
  forward(...args: CtorArgs<typeof DECODER_FORWARD>): Tensor {
    const [tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal, memoryIsCausal] = decoderForwardArgs.bind(args);
    let x = tgt;
    // tgtIsCausal null (PyTorch: detect it from the mask) changes nothing: the mask is used as given
    const causal = { tgtIsCausal: tgtIsCausal ?? false, memoryIsCausal };
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).call(x, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, ...causal });
    return this.norm ? (this.norm.call(x) as Tensor) : x;
  }
}

const TRANSFORMER = 'Transformer(int dModel=512, int nhead=8, int numEncoderLayers=6, int numDecoderLayers=6, int dimFeedforward=2048, float dropout=0.1, "relu"|"gelu"|Callable activation="relu", Module? customEncoder=null, Module? customDecoder=null, float layerNormEps=1e-5, bool batchFirst=false, bool normFirst=false, *, Device? device=null, ScalarType? dtype=null)';
const transformerArgs = declareArgs(TRANSFORMER, "nn");
const TRANSFORMER_FORWARD = "Transformer.forward(Tensor src, Tensor tgt, Tensor? srcMask=null, Tensor? tgtMask=null, Tensor? memoryMask=null, Tensor? srcKeyPaddingMask=null, Tensor? tgtKeyPaddingMask=null, Tensor? memoryKeyPaddingMask=null, bool? srcIsCausal=null, bool? tgtIsCausal=null, bool memoryIsCausal=false)";
const transformerForwardArgs = declareMethodArgs(TRANSFORMER_FORWARD);
// PyTorch 2.x's signature (1.13's is (sz, device="cpu")): device and dtype positional or named
const SUBSEQUENT_MASK = "Transformer.generateSquareSubsequentMask(int sz, Device? device=null, ScalarType? dtype=null)";
const subsequentMaskArgs = declareMethodArgs(SUBSEQUENT_MASK);

function squareSubsequentMask(args: ArrayLike<unknown>): Tensor {
  const [sz, device, dtype] = subsequentMaskArgs.bind(args);
  const op = "Transformer.generateSquareSubsequentMask()";
  if (sz < 0) throw new ArgumentError(`${op}: sz must be a non-negative int, got ${sz}`);
  if (dtype !== null && !isFloating(dtype)) throw new DTypeError(`${op}: the mask holds -inf, so dtype must be floating point, got ${dtype}`);
  return full([sz, sz], -Infinity, { dtype, device }).triu(1);
}

/**
 * The encoder-decoder transformer (torch.nn.Transformer): an encoder and a decoder stack,
 * each ending in a LayerNorm, parameters of 2+ dims initialised xavier-uniform as PyTorch's.
 * @example
 * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, batchFirst: true });
 * model.forward(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[1]) });
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;
  constructor(...args: CtorArgs<typeof TRANSFORMER>) {
    super();
    const [dModel, nhead, nEnc, nDec, dff, p, act, customEncoder, customDecoder, eps, batchFirst, normFirst, { device, dtype }] = transformerArgs.bind(args);
    const layerOpts = { dimFeedforward: dff, dropout: p, activation: act, layerNormEps: eps, batchFirst, normFirst, device, dtype };
    const create = { eps, dtype, device };
    try {
      this.encoder = customEncoder ?? new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layerOpts), nEnc, { norm: new LayerNorm(dModel, create) });
      this.decoder = customDecoder ?? new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layerOpts), nDec, { norm: new LayerNorm(dModel, create) });
    } catch (e) {
      throw nameIn(e, "Transformer"); // "Transformer: TransformerEncoderLayer: dropout must be ..."
    }
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = batchFirst;
    for (const q of this.parameters()) if (q.ndim > 1) init.xavierUniform_(q);
  }
  forward(...args: CtorArgs<typeof TRANSFORMER_FORWARD>): Tensor {
    const [src, tgt, srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask, srcIsCausal, tgtIsCausal, memoryIsCausal] = transformerForwardArgs.bind(args);
    const batched = src.ndim === 3;
    if (batched && tgt.ndim === 3 && src.shape[this.batchFirst ? 0 : 1] !== tgt.shape[this.batchFirst ? 0 : 1]) {
      throw new ShapeError(`Transformer.forward(): the batch number of src and tgt must be equal (src ${fmtShape(src.shape)}, tgt ${fmtShape(tgt.shape)}, batchFirst=${this.batchFirst})`);
    }
    if (src.shape[src.ndim - 1] !== this.dModel || tgt.shape[tgt.ndim - 1] !== this.dModel) {
      throw new ShapeError(`Transformer.forward(): the feature number of src and tgt must be equal to d_model=${this.dModel} (src ${fmtShape(src.shape)}, tgt ${fmtShape(tgt.shape)})`);
    }
    // the causal hints reach a custom encoder/decoder only when set, so one without them still works
    const memory = this.encoder.call(src, { mask: srcMask, srcKeyPaddingMask, ...(srcIsCausal ? { isCausal: true } : {}) }) as Tensor;
    const causal = { ...(tgtIsCausal ? { tgtIsCausal: true } : {}), ...(memoryIsCausal ? { memoryIsCausal: true } : {}) };
    return this.decoder.call(tgt, memory, { tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, ...causal }) as Tensor;
  }
  /**
   * [sz, sz] float mask, -inf above the diagonal and 0 elsewhere (PyTorch's
   * generate_square_subsequent_mask): position i may attend to positions 0..i.
   * @example nn.Transformer.generateSquareSubsequentMask(4) // or generateSquareSubsequentMask(4, "cpu", { dtype: "float64" })
   */
  static generateSquareSubsequentMask(...args: CtorArgs<typeof SUBSEQUENT_MASK>): Tensor {
    return squareSubsequentMask(args);
  }

  /** The static generateSquareSubsequentMask, reachable from an instance as in PyTorch (`self.transformer.generate_square_subsequent_mask(sz)`). */
  generateSquareSubsequentMask(...args: CtorArgs<typeof SUBSEQUENT_MASK>): Tensor {
    return squareSubsequentMask(args);
  }
}

// Outside the class body: a reference to the class inside it makes esbuild emit
// `var TransformerDecoderLayer = class _TransformerDecoderLayer`, and print(model) would then show `_TransformerDecoderLayer(...)`.
function newTransformerDecoderLayer(...args: ConstructorParameters<typeof TransformerDecoderLayer>): TransformerDecoderLayer {
  return new TransformerDecoderLayer(...args);
}

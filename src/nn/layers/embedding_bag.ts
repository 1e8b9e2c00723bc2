/**
 * EmbeddingBag: an Embedding whose looked-up rows are reduced per bag (sum, mean or max)
 * without the intermediate [bags, bagLength, dim] tensor, as torch.nn.EmbeddingBag (the
 * computation is F.embeddingBag, src/nn/functional/embedding_bag.ts).
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { embeddingBag, type EmbeddingBagMode } from "../functional/embedding_bag.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyFloat } from "./repr.js";
import { embeddingTable, paddingIndex, resetEmbeddingTable } from "./embedding.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, declareMethodArgs } from "../args.js";
import { checkNumel } from "../../tensor/shape.js";

/** The options-object form of EmbeddingBag's arguments. */
export interface EmbeddingBagModuleOptions {
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  /** "sum", "mean" (default) or "max". */
  mode?: EmbeddingBagMode;
  /** Sparse gradients: not supported (false only). */
  sparse?: boolean;
  /** Use this tensor as the weight instead of a fresh N(0, 1) one (PyTorch's _weight). */
  weight?: Tensor | null;
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
  dtype?: DType | null;
  device?: string | null;
}

// PyTorch 1.13's positional order, _weight (here `weight`) included
const EMBEDDING_BAG = 'EmbeddingBag(int numEmbeddings, int embeddingDim, float? maxNorm=null, float normType=2.0, bool scaleGradByFreq=false, "sum"|"mean"|"max" mode="mean", bool sparse=false, Tensor? weight=null, bool includeLastOffset=false, int? paddingIdx=null, *, Device? device=null, ScalarType? dtype=null)';
const embeddingBagArgs = declareArgs(EMBEDDING_BAG, "nn");
const FROM_PRETRAINED = 'EmbeddingBag.fromPretrained(Tensor embeddings, bool freeze=true, float? maxNorm=null, float normType=2.0, bool scaleGradByFreq=false, "sum"|"mean"|"max" mode="mean", bool sparse=false, bool includeLastOffset=false, int? paddingIdx=null)';
const fromPretrainedArgs = declareMethodArgs(FROM_PRETRAINED);
const FORWARD = "EmbeddingBag.forward(Tensor input, Tensor? offsets=null, Tensor? perSampleWeights=null)";
const forwardArgs = declareMethodArgs(FORWARD);

/**
 * Bags of embeddings reduced to one vector each: a 2-D input [bags, n] (one bag per row) or
 * a 1-D input with offsets (bag b is input[offsets[b] .. offsets[b + 1]]) -> [bags, dim].
 * @example
 * const bag = new nn.EmbeddingBag(10, 3, { mode: "sum" });
 * bag.forward(tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: "int64" }), tensor([0, 4], { dtype: "int64" })); // [2, 3]
 * String(bag); // "EmbeddingBag(10, 3, mode=sum)"
 */
export class EmbeddingBag extends Module {
  weight: Parameter;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  /** PyTorch's `sparse` attribute: always false here (sparse gradients are refused at construction). */
  readonly sparse: boolean;
  readonly mode: EmbeddingBagMode;
  readonly includeLastOffset: boolean;
  readonly paddingIdx: number | null;

  constructor(...args: CtorArgs<typeof EMBEDDING_BAG>) {
    super();
    const [numEmbeddings, embeddingDim, maxNorm, normType, scaleGradByFreq, mode, sparse, weight, includeLastOffset, paddingIdx, { device, dtype }] = embeddingBagArgs.bind(args);
    if (sparse) throw new FluxionError("EmbeddingBag: sparse gradients are not supported; use sparse=false (the default): optim.SparseAdam takes the dense gradient and updates only the looked-up rows");
    checkLayerSizes("EmbeddingBag", { num_embeddings: numEmbeddings, embedding_dim: embeddingDim }, device);
    if (!weight) checkNumel("EmbeddingBag", [numEmbeddings, embeddingDim], dtype ?? "float32");
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.scaleGradByFreq = scaleGradByFreq;
    this.sparse = sparse;
    this.mode = mode;
    this.includeLastOffset = includeLastOffset;
    this.paddingIdx = paddingIndex("EmbeddingBag", paddingIdx, numEmbeddings);
    this.weight = embeddingTable("EmbeddingBag", weight, numEmbeddings, embeddingDim, dtype, device);
    if (!weight) this.resetParameters();
  }

  /** N(0, 1) weights with the padding row zeroed. */
  resetParameters(): void {
    resetEmbeddingTable(this.weight, this.paddingIdx);
  }

  /**
   * An EmbeddingBag holding the given [num, dim] matrix; frozen (requiresGrad false) unless
   * freeze is false. Arguments in PyTorch's order.
   * @example nn.EmbeddingBag.fromPretrained(tensor([[1, 2.3, 3], [4, 5.1, 6.3]]), { mode: "max" })
   */
  static fromPretrained(...args: CtorArgs<typeof FROM_PRETRAINED>): EmbeddingBag {
    const [embeddings, freeze, maxNorm, normType, scaleGradByFreq, mode, sparse, includeLastOffset, paddingIdx] = fromPretrainedArgs.bind(args);
    if (embeddings.ndim !== 2) throw new ShapeError(`EmbeddingBag.fromPretrained: embeddings parameter is expected to be 2-dimensional, got shape ${fmtShape(embeddings.shape)}`);
    const [n, d] = embeddings.shape as [number, number];
    const e = newEmbeddingBag(n, d, maxNorm, normType, scaleGradByFreq, mode, sparse, embeddings, includeLastOffset, paddingIdx);
    e.weight.requiresGrad_(!freeze);
    return e;
  }

  /** input: 1-D with offsets, or 2-D (offsets null); perSampleWeights ("sum" mode): input's shape. */
  forward(...args: CtorArgs<typeof FORWARD>): Tensor {
    const [input, offsets, perSampleWeights] = forwardArgs.bind(args);
    return embeddingBag(input, this.weight, {
      offsets, perSampleWeights, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq,
      mode: this.mode, includeLastOffset: this.includeLastOffset, paddingIdx: this.paddingIdx,
    });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}

// Outside the class body: a reference to the class inside it makes esbuild emit
// `var EmbeddingBag = class _EmbeddingBag`, and print(model) would then show `_EmbeddingBag(...)`.
function newEmbeddingBag(...args: ConstructorParameters<typeof EmbeddingBag>): EmbeddingBag {
  return new EmbeddingBag(...args);
}

/**
 * Embedding: a lookup table of numEmbeddings vectors, initialised N(0, 1) with the padding
 * row zeroed, as torch.nn.Embedding.
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { empty } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { embedding } from "../functional/embedding.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyFloat } from "./repr.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, checkTensorArg, declareMethodArgs } from "../args.js";
import { checkNumel } from "../../tensor/shape.js";

/** The options-object form of Embedding's arguments. */
export interface EmbeddingModuleOptions {
  /** Row that gets no gradient and starts at zero (negative counts from the end). */
  paddingIdx?: number | null;
  /** Looked-up rows with a larger norm are renormalised in place to maxNorm. */
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  /** Sparse gradients: not supported (false only). */
  sparse?: boolean;
  /** Use this tensor as the weight instead of a fresh N(0, 1) one (PyTorch's _weight). */
  weight?: Tensor | null;
  dtype?: DType | null;
  device?: string | null;
}

const EMBEDDING = "Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx=null, float? maxNorm=null, float normType=2.0, bool scaleGradByFreq=false, bool sparse=false, *, Tensor? weight=null, Device? device=null, ScalarType? dtype=null)";
const embeddingArgs = declareArgs(EMBEDDING, "nn");
const FROM_PRETRAINED = "Embedding.fromPretrained(Tensor embeddings, bool freeze=true, int? paddingIdx=null, float? maxNorm=null, float normType=2.0, bool scaleGradByFreq=false, bool sparse=false)";
const fromPretrainedArgs = declareMethodArgs(FROM_PRETRAINED);

function checkDense(op: string, sparse: boolean): void {
  if (sparse) throw new FluxionError(`${op}: sparse gradients are not supported; use sparse=false (the default): optim.SparseAdam takes the dense gradient and updates only the looked-up rows`);
}

/**
 * A lookup table: int32 indices of any shape -> vectors, output shape = input shape + [dim].
 * @example
 * const emb = new nn.Embedding(10, 3, 0); // padding_idx 0; also new nn.Embedding(10, 3, { paddingIdx: 0 })
 * emb.forward(tensor([[1, 2, 0]], { dtype: "int32" })); // [1, 3, 3]
 * String(emb); // "Embedding(10, 3, padding_idx=0)"
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  /** PyTorch's `sparse` attribute: always false here (sparse gradients are refused at construction). */
  readonly sparse: boolean;

  constructor(...args: CtorArgs<typeof EMBEDDING>) {
    super();
    const [numEmbeddings, embeddingDim, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse, { weight, device, dtype }] = embeddingArgs.bind(args);
    checkDense("Embedding", sparse);
    checkLayerSizes("Embedding", { num_embeddings: numEmbeddings, embedding_dim: embeddingDim }, device);
    if (!weight) checkNumel("Embedding", [numEmbeddings, embeddingDim], dtype ?? "float32");
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingIndex("Embedding", paddingIdx, numEmbeddings);
    this.maxNorm = maxNorm;
    this.normType = normType;
    this.scaleGradByFreq = scaleGradByFreq;
    this.sparse = sparse;
    this.weight = embeddingTable("Embedding", weight, numEmbeddings, embeddingDim, dtype, device);
    if (!weight) this.resetParameters();
  }

  /** N(0, 1) weights with the padding row zeroed. */
  resetParameters(): void {
    resetEmbeddingTable(this.weight, this.paddingIdx);
  }

  /**
   * An Embedding holding the given [num, dim] matrix; frozen (requiresGrad false) unless
   * freeze is false. Arguments in PyTorch's order: (embeddings, freeze, paddingIdx, maxNorm,
   * normType, scaleGradByFreq, sparse).
   * @example nn.Embedding.fromPretrained(tensor([[1, 2.3, 3], [4, 5.1, 6.3]])).forward(tensor([1], { dtype: "int32" }))
   */
  static fromPretrained(...args: CtorArgs<typeof FROM_PRETRAINED>): Embedding {
    const [embeddings, freeze, paddingIdx, maxNorm, normType, scaleGradByFreq, sparse] = fromPretrainedArgs.bind(args);
    if (embeddings.ndim !== 2) throw new ShapeError(`Embedding.fromPretrained: embeddings parameter is expected to be 2-dimensional, got shape ${fmtShape(embeddings.shape)}`);
    checkDense("Embedding.fromPretrained", sparse);
    const [n, d] = embeddings.shape as [number, number];
    const e = newEmbedding(n, d, paddingIdx, maxNorm, normType, scaleGradByFreq, { weight: embeddings });
    e.weight.requiresGrad_(!freeze);
    return e;
  }

  forward(input: Tensor): Tensor {
    checkTensorArg(this, "input", input);
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq });
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ", scale_grad_by_freq=True";
    return s;
  }
}

// ---- shared with EmbeddingBag ----------------------------------------------------------------

/** padding_idx counted from the end when negative, checked against the table's rows. */
export function paddingIndex(layer: string, paddingIdx: number | null, numEmbeddings: number): number | null {
  if (paddingIdx === null) return null;
  if (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) throw new FluxionError(`${layer}: padding_idx must be within num_embeddings (${numEmbeddings}), got ${paddingIdx}`);
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/** The table: the given [num, dim] weight (checked, detached), else a new one to initialise. */
export function embeddingTable(layer: string, weight: Tensor | null | undefined, numEmbeddings: number, embeddingDim: number, dtype: DType | null | undefined, device: string | null | undefined): Parameter {
  if (!weight) return new Parameter(empty([numEmbeddings, embeddingDim], { dtype, device }));
  if (weight.ndim !== 2 || weight.shape[0] !== numEmbeddings || weight.shape[1] !== embeddingDim) {
    throw new ShapeError(`${layer}: shape of weight ${fmtShape(weight.shape)} does not match num_embeddings and embedding_dim [${numEmbeddings}, ${embeddingDim}]`);
  }
  return new Parameter(weight.detach());
}

/** N(0, 1) weights with the padding row zeroed. */
export function resetEmbeddingTable(weight: Tensor, paddingIdx: number | null): void {
  init.normal_(weight);
  if (paddingIdx !== null) noGrad(() => weight.select(0, paddingIdx).fill_(0));
}

// Outside the class body: a reference to the class inside it makes esbuild emit
// `var Embedding = class _Embedding`, and print(model) would then show `_Embedding(...)`.
function newEmbedding(...args: ConstructorParameters<typeof Embedding>): Embedding {
  return new Embedding(...args);
}

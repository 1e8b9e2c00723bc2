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

export interface EmbeddingModuleOptions {
  /** Row that gets no gradient and starts at zero (negative counts from the end). */
  paddingIdx?: number | null;
  /** Looked-up rows with a larger norm are renormalised in place to maxNorm. */
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  /** Use this tensor as the weight instead of a fresh N(0, 1) one. */
  weight?: Tensor;
  dtype?: DType;
  device?: string;
}

/**
 * A lookup table: int32 indices of any shape -> vectors, output shape = input shape + [dim].
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2, 0]], { dtype: "int32" })); // [1, 3, 3]
 * String(emb); // "Embedding(10, 3, padding_idx=0)"
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts?: EmbeddingModuleOptions) {
    super();
    let pad = opts?.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) throw new FluxionError(`Embedding: padding_idx must be within num_embeddings (${numEmbeddings}), got ${pad}`);
      if (pad < 0) pad += numEmbeddings;
    }
    this.paddingIdx = pad;
    this.maxNorm = opts?.maxNorm ?? null;
    this.normType = opts?.normType ?? 2;
    this.scaleGradByFreq = opts?.scaleGradByFreq ?? false;
    if (opts?.weight) {
      const w = opts.weight;
      if (w.ndim !== 2 || w.shape[0] !== numEmbeddings || w.shape[1] !== embeddingDim) {
        throw new ShapeError(`Embedding: shape of weight ${fmtShape(w.shape)} does not match num_embeddings and embedding_dim [${numEmbeddings}, ${embeddingDim}]`);
      }
      this.weight = new Parameter(w.detach());
    } else {
      this.weight = new Parameter(empty([numEmbeddings, embeddingDim], { dtype: opts?.dtype, device: opts?.device }));
      this.resetParameters();
    }
  }

  /** N(0, 1) weights with the padding row zeroed. */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) noGrad(() => this.weight.select(0, this.paddingIdx!).fill_(0));
  }

  /**
   * An Embedding holding the given [num, dim] matrix; frozen (requiresGrad false) unless
   * freeze is false.
   * @example nn.Embedding.fromPretrained(tensor([[1, 2.3, 3], [4, 5.1, 6.3]])).forward(tensor([1], { dtype: "int32" }))
   */
  static fromPretrained(embeddings: Tensor, opts?: Omit<EmbeddingModuleOptions, "weight" | "dtype" | "device"> & { freeze?: boolean }): Embedding {
    if (embeddings.ndim !== 2) throw new ShapeError(`Embedding.fromPretrained: embeddings parameter is expected to be 2-dimensional, got shape ${fmtShape(embeddings.shape)}`);
    const [n, d] = embeddings.shape as [number, number];
    const e = new Embedding(n, d, { ...opts, weight: embeddings });
    e.weight.requiresGrad_(!(opts?.freeze ?? true));
    return e;
  }

  forward(input: Tensor): Tensor {
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

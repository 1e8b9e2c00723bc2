/** nn.CosineSimilarity and nn.PairwiseDistance: modules over F.cosineSimilarity / F.pairwiseDistance. */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cosineSimilarity, pairwiseDistance } from "../functional/distance.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

const COSINE_SIMILARITY = "CosineSimilarity(int dim=1, float eps=1e-8)";
const cosineSimilarityArgs = declareArgs(COSINE_SIMILARITY, "nn");

/** The cosine similarity of two inputs along dim. @example new nn.CosineSimilarity(1, 1e-6).forward(a, b) */
export class CosineSimilarity extends Module {
  readonly dim: number;
  readonly eps: number;
  constructor(...args: CtorArgs<typeof COSINE_SIMILARITY>) {
    super();
    [this.dim, this.eps] = cosineSimilarityArgs.bind(args);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    checkTensorArg(this, "x1", x1, 1);
    checkTensorArg(this, "x2", x2, 2);
    return cosineSimilarity(x1, x2, this.dim, this.eps);
  }
}

const PAIRWISE_DISTANCE = "PairwiseDistance(float p=2.0, float eps=1e-6, bool keepdim=false)";
const pairwiseDistanceArgs = declareArgs(PAIRWISE_DISTANCE, "nn");

/** The p-norm distance between the rows of two inputs. @example new nn.PairwiseDistance().forward(a, b) */
export class PairwiseDistance extends Module {
  readonly norm: number;
  readonly eps: number;
  readonly keepdim: boolean;
  constructor(...args: CtorArgs<typeof PAIRWISE_DISTANCE>) {
    super();
    [this.norm, this.eps, this.keepdim] = pairwiseDistanceArgs.bind(args);
  }
  forward(x1: Tensor, x2: Tensor): Tensor {
    checkTensorArg(this, "x1", x1, 1);
    checkTensorArg(this, "x2", x2, 2);
    return pairwiseDistance(x1, x2, this.norm, this.eps, this.keepdim);
  }
}

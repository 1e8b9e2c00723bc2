/**
 * nn.LocalResponseNorm: F.localResponseNorm as a module (AlexNet's normalization across
 * channels). PyTorch's legacy nn.CrossMapLRN2d, whose forward never drops the first channel
 * from its running window, is reproduced as it is in ./cross_map_lrn2d.ts.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { ShapeError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { localResponseNorm } from "../functional/local_response_norm.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyFloat } from "./repr.js";

const LRN = "LocalResponseNorm(int size, float alpha=1e-4, float beta=0.75, float k=1.0)";
const lrnArgs = declareArgs(LRN, "nn");

/**
 * Divides each element by (k + alpha · mean of the squares over `size` neighbouring channels)^beta.
 * @example new nn.LocalResponseNorm(5, 1e-4, 0.75, 2) // AlexNet's; input [N, C, ...]
 */
export class LocalResponseNorm extends Module {
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  constructor(...args: CtorArgs<typeof LRN>) {
    super();
    [this.size, this.alpha, this.beta, this.k] = lrnArgs.bind(args);
    if (!Number.isInteger(this.size) || this.size < 1) throw new ShapeError(`LocalResponseNorm: size must be a positive integer, got ${this.size}`);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return localResponseNorm(x, this.size, { alpha: this.alpha, beta: this.beta, k: this.k });
  }
  override extraRepr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${pyFloat(this.beta)}, k=${pyFloat(this.k)}`;
  }
}

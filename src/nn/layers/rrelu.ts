/** nn.RReLU: F.rrelu with the module's training flag (random slopes in training, the mean slope in eval). */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { rrelu } from "../functional/rrelu.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { pyFloat } from "./repr.js";

const RRELU = "RReLU(float lower=0.125, float upper=0.3333333333333333, bool inplace=false)";
const rreluArgs = declareArgs(RRELU, "nn");

/**
 * Randomized leaky ReLU: slope ~ U(lower, upper) per element in training, (lower + upper) / 2 in eval.
 * @example const act = new nn.RReLU(0.1, 0.3); act.eval(); act(x) // leakyRelu(x, 0.2)
 */
export class RReLU extends Module {
  readonly lower: number;
  readonly upper: number;
  readonly inplace: boolean;
  constructor(...args: CtorArgs<typeof RRELU>) {
    super();
    [this.lower, this.upper, this.inplace] = rreluArgs.bind(args);
    if (!(this.lower <= this.upper)) throw new FluxionError(`RReLU: Lower bound should be less than or equal to the upper bound (got lower=${this.lower}, upper=${this.upper})`);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return rrelu(x, { lower: this.lower, upper: this.upper, training: this.training, inplace: this.inplace });
  }
  override extraRepr(): string {
    return `lower=${pyFloat(this.lower)}, upper=${pyFloat(this.upper)}${this.inplace ? ", inplace=True" : ""}`;
  }
}

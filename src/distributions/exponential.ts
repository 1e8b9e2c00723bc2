/** Exponential(rate) (torch.distributions.Exponential): rsample is -log1p(-u) / rate, u uniform in [0, 1). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const EXPONENTIAL = "Exponential(Tensor|float rate, bool? validateArgs=null)";
const exponentialArgs = declareArgs(EXPONENTIAL, "distributions");

/**
 * Density rate * exp(-rate * x) on x >= 0.
 * @example new distributions.Exponential(tensor([0.5, 2])).rsample()
 */
export class Exponential extends Distribution {
  static override readonly argConstraints = { rate: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  rate: Tensor;
  constructor(...args: CtorArgs<typeof EXPONENTIAL>) {
    const [rate, validateArgs] = exponentialArgs.bind(args);
    const [r] = broadcastAll("Exponential", ["rate"], [rate]);
    super(r!.shape, [], validateArgs);
    this.rate = r!;
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { rate: this.rate };
  }
  protected override expandFields(): [string, number][] {
    return [["rate", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.nonnegative;
  }
  override get mean(): Tensor {
    return this.rate.reciprocal();
  }
  override get mode(): Tensor {
    return this.rate.mul(0);
  }
  override get stddev(): Tensor {
    return this.rate.reciprocal();
  }
  override get variance(): Tensor {
    return this.rate.pow(-2);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Exponential.rsample", "sampleShape", sampleShape));
    const u = rand(shape, { dtype: this.rate.dtype, device: this.rate.device });
    return u.neg().log1p().neg().div(this.rate);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Exponential.logProb", () => this.rate.log().sub(this.rate.mul(v)));
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return this.rate.neg().mul(v).exp().neg().add(1);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return value.neg().log1p().neg().div(this.rate);
  }
  override entropy(): Tensor {
    return this.rate.log().neg().add(1);
  }
}

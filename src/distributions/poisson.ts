/** Poisson(rate) (torch.distributions.Poisson): counts as floats, PyTorch's dtype. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { poissonSample } from "./samplers.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const POISSON = "Poisson(Tensor|float rate, bool? validateArgs=null)";
const poissonArgs = declareArgs(POISSON, "distributions");

/**
 * P(k) = rate^k exp(-rate) / k! for k = 0, 1, 2, ...
 * @example new distributions.Poisson(tensor([4])).logProb(tensor([2]))
 */
export class Poisson extends Distribution {
  static override readonly argConstraints = { rate: constraints.nonnegative };
  rate: Tensor;
  constructor(...args: CtorArgs<typeof POISSON>) {
    const [rate, validateArgs] = poissonArgs.bind(args);
    const [r] = broadcastAll("Poisson", ["rate"], [rate]);
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
    return constraints.nonnegativeInteger;
  }
  override get mean(): Tensor {
    return this.rate;
  }
  override get mode(): Tensor {
    return this.rate.floor();
  }
  override get variance(): Tensor {
    return this.rate;
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Poisson.sample", "sampleShape", sampleShape));
    return poissonSample(this.rate.detach().expand(shape));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Poisson.logProb", () => v.xlogy(this.rate).sub(this.rate).sub(v.add(1).lgamma()));
  }
}

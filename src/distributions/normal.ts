/** Normal(loc, scale) (torch.distributions.Normal): rsample is loc + scale * eps. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { randn } from "../functional.js";
import { LocScaleDistribution } from "./loc_scale.js";
import { named, shapeArg } from "./utils.js";

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const NORMAL = "Normal(Tensor|float loc, Tensor|float scale, bool? validateArgs=null)";
const normalArgs = declareArgs(NORMAL, "distributions");

/**
 * The normal distribution with mean `loc` and standard deviation `scale` (broadcast together).
 * @example const d = new distributions.Normal(mu, sigma); const z = d.rsample(); d.logProb(z)
 */
export class Normal extends LocScaleDistribution {
  constructor(...args: CtorArgs<typeof NORMAL>) {
    const [loc, scale, validateArgs] = normalArgs.bind(args);
    super("Normal", loc, scale, validateArgs);
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get stddev(): Tensor {
    return this.scale;
  }
  override get variance(): Tensor {
    return this.scale.pow(2);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Normal.rsample", "sampleShape", sampleShape));
    const eps = randn(shape, { dtype: this.loc.dtype, device: this.loc.device });
    return this.loc.add(eps.mul(this.scale));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Normal.logProb", () => v.sub(this.loc).pow(2).neg().div(this.scale.pow(2).mul(2)).sub(this.scale.log()).sub(LOG_SQRT_2PI));
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return v.sub(this.loc).mul(this.scale.reciprocal()).div(Math.SQRT2).erf().add(1).mul(0.5);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return this.loc.add(this.scale.mul(value.mul(2).sub(1).erfinv()).mul(Math.SQRT2));
  }
  override entropy(): Tensor {
    return this.scale.log().add(0.5 + LOG_SQRT_2PI);
  }
}

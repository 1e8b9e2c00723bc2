/** Cauchy(loc, scale) (torch.distributions.Cauchy): rsample is loc + scale * tan(pi (u - 1/2)). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { LocScaleDistribution } from "./loc_scale.js";
import { named, shapeArg } from "./utils.js";

const CAUCHY = "Cauchy(Tensor|float loc, Tensor|float scale, bool? validateArgs=null)";
const cauchyArgs = declareArgs(CAUCHY, "distributions");

/**
 * The Cauchy (Lorentz) distribution: mean and variance undefined (NaN and inf, as PyTorch).
 * @example new distributions.Cauchy(0, 1).cdf(tensor([1])) // 0.75
 */
export class Cauchy extends LocScaleDistribution {
  constructor(...args: CtorArgs<typeof CAUCHY>) {
    const [loc, scale, validateArgs] = cauchyArgs.bind(args);
    super("Cauchy", loc, scale, validateArgs);
  }
  override get mean(): Tensor {
    return this.loc.mul(0).add(NaN).detach();
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    return this.loc.mul(0).add(Infinity).detach();
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Cauchy.rsample", "sampleShape", sampleShape));
    const eps = rand(shape, { dtype: this.loc.dtype, device: this.loc.device }).sub(0.5).mul(Math.PI).tan();
    return this.loc.add(eps.mul(this.scale));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Cauchy.logProb", () => v.sub(this.loc).div(this.scale).pow(2).log1p().neg().sub(this.scale.log()).sub(Math.log(Math.PI)));
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return v.sub(this.loc).div(this.scale).atan().div(Math.PI).add(0.5);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return value.sub(0.5).mul(Math.PI).tan().mul(this.scale).add(this.loc);
  }
  override entropy(): Tensor {
    return this.scale.log().add(Math.log(4 * Math.PI));
  }
}

/** Gumbel(loc, scale) (torch.distributions.Gumbel): rsample is loc - scale log(-log u), u uniform in [tiny, 1 - eps). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { LocScaleDistribution } from "./loc_scale.js";
import { finfo, named, shapeArg } from "./utils.js";

const EULER_GAMMA = 0.57721566490153286060;
const GUMBEL = "Gumbel(Tensor|float loc, Tensor|float scale, bool? validateArgs=null)";
const gumbelArgs = declareArgs(GUMBEL, "distributions");

/**
 * The Gumbel (type-I extreme value) distribution.
 * @example new distributions.Gumbel(0, 1).mean // 0.5772
 */
export class Gumbel extends LocScaleDistribution {
  constructor(...args: CtorArgs<typeof GUMBEL>) {
    const [loc, scale, validateArgs] = gumbelArgs.bind(args);
    super("Gumbel", loc, scale, validateArgs);
  }
  override get mean(): Tensor {
    return this.loc.add(this.scale.mul(EULER_GAMMA));
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get stddev(): Tensor {
    return this.scale.mul(Math.PI / Math.sqrt(6));
  }
  override get variance(): Tensor {
    return this.stddev.pow(2);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Gumbel.rsample", "sampleShape", sampleShape));
    const { tiny, eps } = finfo(this.loc.dtype);
    const u = rand(shape, { dtype: this.loc.dtype, device: this.loc.device }).mul(1 - eps - tiny).add(tiny);
    return this.loc.sub(this.scale.mul(u.log().neg().log()));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Gumbel.logProb", () => {
      const z = this.loc.sub(v).div(this.scale);
      return z.sub(z.exp()).sub(this.scale.log());
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return v.sub(this.loc).div(this.scale).neg().exp().neg().exp();
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return this.loc.sub(this.scale.mul(value.log().neg().log()));
  }
  override entropy(): Tensor {
    return this.scale.log().add(1 + EULER_GAMMA);
  }
}

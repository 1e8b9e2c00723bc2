/** Laplace(loc, scale) (torch.distributions.Laplace): rsample by inverting the CDF of a uniform in (-1, 1). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { LocScaleDistribution } from "./loc_scale.js";
import { finfo, named, shapeArg } from "./utils.js";

const LAPLACE = "Laplace(Tensor|float loc, Tensor|float scale, bool? validateArgs=null)";
const laplaceArgs = declareArgs(LAPLACE, "distributions");

/**
 * Density exp(-|x - loc| / scale) / (2 scale).
 * @example new distributions.Laplace(0, 1).logProb(tensor([0.5]))
 */
export class Laplace extends LocScaleDistribution {
  constructor(...args: CtorArgs<typeof LAPLACE>) {
    const [loc, scale, validateArgs] = laplaceArgs.bind(args);
    super("Laplace", loc, scale, validateArgs);
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get stddev(): Tensor {
    return this.scale.mul(Math.SQRT2);
  }
  override get variance(): Tensor {
    return this.scale.pow(2).mul(2);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Laplace.rsample", "sampleShape", sampleShape));
    // u uniform in [eps - 1, 1), as PyTorch: log1p(-|u|) stays finite
    const eps = finfo(this.loc.dtype).eps;
    const u = rand(shape, { dtype: this.loc.dtype, device: this.loc.device }).mul(2 - eps).add(eps - 1);
    return this.loc.sub(this.scale.mul(u.sign()).mul(u.abs().neg().log1p()));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Laplace.logProb", () => this.scale.mul(2).log().neg().sub(v.sub(this.loc).abs().div(this.scale)));
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    const d = v.sub(this.loc);
    return d.sign().mul(d.abs().neg().div(this.scale).expm1()).mul(-0.5).add(0.5);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    const term = value.sub(0.5);
    return this.loc.sub(this.scale.mul(term.sign()).mul(term.abs().mul(-2).log1p()));
  }
  override entropy(): Tensor {
    return this.scale.mul(2).log().add(1);
  }
}

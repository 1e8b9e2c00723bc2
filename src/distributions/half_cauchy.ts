/** HalfCauchy(scale) (torch.distributions.HalfCauchy): |X| for X ~ Cauchy(0, scale). */
import type { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { full, zerosLike } from "../functional.js";
import { HalfDistribution } from "./half.js";
import { Cauchy } from "./cauchy.js";
import { named } from "./utils.js";

const HALF_CAUCHY = "HalfCauchy(Tensor|float scale, bool? validateArgs=null)";
const halfCauchyArgs = declareArgs(HALF_CAUCHY, "distributions");

/**
 * The absolute value of a centred Cauchy (a common prior on scales); `baseDist` is Cauchy(0, scale).
 * @example new distributions.HalfCauchy(1).icdf(tensor([0.5])) // tensor([1.])
 */
export class HalfCauchy extends HalfDistribution<Cauchy> {
  protected get label(): string {
    return "HalfCauchy";
  }
  constructor(...args: CtorArgs<typeof HALF_CAUCHY>) {
    const [scale, validateArgs] = halfCauchyArgs.bind(args);
    const base = named("HalfCauchy", () => new Cauchy(0, scale, { validateArgs }));
    super(base, validateArgs);
  }
  override get mean(): Tensor {
    return full(this.batchShape, Infinity, { dtype: this.scale.dtype, device: this.scale.device });
  }
  override get mode(): Tensor {
    return zerosLike(this.scale);
  }
  override get variance(): Tensor {
    return this.baseDist.variance;
  }
}

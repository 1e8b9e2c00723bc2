/** HalfCauchy(scale) (torch.distributions.HalfCauchy): |X| for X ~ Cauchy(0, scale). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { full, where, zerosLike } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Cauchy } from "./cauchy.js";
import { named, shapeArg } from "./utils.js";

const HALF_CAUCHY = "HalfCauchy(Tensor|float scale, bool? validateArgs=null)";
const halfCauchyArgs = declareArgs(HALF_CAUCHY, "distributions");

/**
 * The absolute value of a centred Cauchy (a common prior on scales); `baseDist` is Cauchy(0, scale).
 * @example new distributions.HalfCauchy(1).icdf(tensor([0.5])) // tensor([1.])
 */
export class HalfCauchy extends Distribution {
  static override readonly argConstraints = { scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  baseDist: Cauchy;
  constructor(...args: CtorArgs<typeof HALF_CAUCHY>) {
    const [scale, validateArgs] = halfCauchyArgs.bind(args);
    const base = named("HalfCauchy", () => new Cauchy(0, scale, { validateArgs }));
    super(base.batchShape, [], validateArgs);
    this.baseDist = base;
  }
  get scale(): Tensor {
    return this.baseDist.scale;
  }
  protected override params(): Record<string, Tensor | null> {
    return { scale: this.scale };
  }
  protected override afterExpand(): void {
    this.baseDist = this.baseDist.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.nonnegative;
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
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    return this.baseDist.rsample(shapeArg("HalfCauchy.rsample", "sampleShape", sampleShape)).abs();
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("HalfCauchy.logProb", () => {
      const lp = this.baseDist.logProb(v).add(Math.LN2);
      return where(v.ge(0), lp, lp.mul(0).add(-Infinity));
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return this.baseDist.cdf(v).mul(2).sub(1);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return this.baseDist.icdf(value.add(1).div(2));
  }
  override entropy(): Tensor {
    return this.baseDist.entropy().sub(Math.LN2);
  }
}

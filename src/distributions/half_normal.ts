/** HalfNormal(scale) (torch.distributions.HalfNormal): |X| for X ~ Normal(0, scale). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { where } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Normal } from "./normal.js";
import { named, shapeArg } from "./utils.js";

const HALF_NORMAL = "HalfNormal(Tensor|float scale, bool? validateArgs=null)";
const halfNormalArgs = declareArgs(HALF_NORMAL, "distributions");

/**
 * The absolute value of a centred normal; `baseDist` is Normal(0, scale).
 * @example new distributions.HalfNormal(1).mean // sqrt(2 / pi)
 */
export class HalfNormal extends Distribution {
  static override readonly argConstraints = { scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  baseDist: Normal;
  constructor(...args: CtorArgs<typeof HALF_NORMAL>) {
    const [scale, validateArgs] = halfNormalArgs.bind(args);
    const base = named("HalfNormal", () => new Normal(0, scale, { validateArgs }));
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
    return this.scale.mul(Math.sqrt(2 / Math.PI));
  }
  override get mode(): Tensor {
    return this.scale.mul(0).detach();
  }
  override get variance(): Tensor {
    return this.scale.pow(2).mul(1 - 2 / Math.PI);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    return this.baseDist.rsample(shapeArg("HalfNormal.rsample", "sampleShape", sampleShape)).abs();
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("HalfNormal.logProb", () => {
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

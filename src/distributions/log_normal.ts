/** LogNormal(loc, scale) (torch.distributions.LogNormal): exp of a Normal(loc, scale). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Normal } from "./normal.js";
import { named, shapeArg } from "./utils.js";

const LOG_NORMAL = "LogNormal(Tensor|float loc, Tensor|float scale, bool? validateArgs=null)";
const logNormalArgs = declareArgs(LOG_NORMAL, "distributions");

/**
 * X = exp(Y) with Y ~ Normal(loc, scale); `baseDist` is that Normal.
 * @example new distributions.LogNormal(0, 1).mean // exp(0.5)
 */
export class LogNormal extends Distribution {
  static override readonly argConstraints = { loc: constraints.real, scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  baseDist: Normal;
  constructor(...args: CtorArgs<typeof LOG_NORMAL>) {
    const [loc, scale, validateArgs] = logNormalArgs.bind(args);
    const base = named("LogNormal", () => new Normal(loc, scale, { validateArgs }));
    super(base.batchShape, [], validateArgs);
    this.baseDist = base;
  }
  get loc(): Tensor {
    return this.baseDist.loc;
  }
  get scale(): Tensor {
    return this.baseDist.scale;
  }
  protected override params(): Record<string, Tensor | null> {
    return { loc: this.loc, scale: this.scale };
  }
  protected override afterExpand(): void {
    this.baseDist = this.baseDist.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.positive;
  }
  override get mean(): Tensor {
    return this.loc.add(this.scale.pow(2).div(2)).exp();
  }
  override get mode(): Tensor {
    return this.loc.sub(this.scale.pow(2)).exp();
  }
  override get variance(): Tensor {
    const s2 = this.scale.pow(2);
    return s2.expm1().mul(this.loc.mul(2).add(s2).exp());
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    return this.baseDist.rsample(shapeArg("LogNormal.rsample", "sampleShape", sampleShape)).exp();
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("LogNormal.logProb", () => {
      const y = v.log();
      return this.baseDist.logProb(y).sub(y);
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return this.baseDist.cdf(v.log());
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return this.baseDist.icdf(value).exp();
  }
  override entropy(): Tensor {
    return this.baseDist.entropy().add(this.loc);
  }
}

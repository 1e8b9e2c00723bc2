/** Uniform(low, high) (torch.distributions.Uniform): the half-open interval [low, high). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { broadcastAll, named, requireAll, shapeArg } from "./utils.js";

const UNIFORM = "Uniform(Tensor|float low, Tensor|float high, bool? validateArgs=null)";
const uniformArgs = declareArgs(UNIFORM, "distributions");

/**
 * Uniform on [low, high) (low < high elementwise).
 * @example new distributions.Uniform(0, 1).sample([3])
 */
export class Uniform extends Distribution {
  static override readonly argConstraints = { low: constraints.dependent, high: constraints.dependent };
  override get hasRsample(): boolean {
    return true;
  }
  low: Tensor;
  high: Tensor;
  constructor(...args: CtorArgs<typeof UNIFORM>) {
    const [low, high, validateArgs] = uniformArgs.bind(args);
    const [l, h] = broadcastAll("Uniform", ["low", "high"], [low, high]);
    super(l!.shape, [], validateArgs);
    this.low = l!;
    this.high = h!;
    if (this._validateArgs) {
      requireAll(l!.lt(h!), (withValues) => `Uniform: low must be less than high elementwise (Uniform is not defined when low >= high)${withValues ? `, got low ${l!.toString()} and high ${h!.toString()}` : ""}`, "Uniform validateArgs");
    }
  }
  protected override params(): Record<string, Tensor | null> {
    return { low: this.low, high: this.high };
  }
  protected override expandFields(): [string, number][] {
    return [["low", 0], ["high", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.interval(this.low, this.high);
  }
  override get mean(): Tensor {
    return this.high.add(this.low).div(2);
  }
  override get mode(): Tensor {
    return this.high.mul(NaN);
  }
  override get stddev(): Tensor {
    return this.high.sub(this.low).div(12 ** 0.5);
  }
  override get variance(): Tensor {
    return this.high.sub(this.low).pow(2).div(12);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Uniform.rsample", "sampleShape", sampleShape));
    const u = rand(shape, { dtype: this.low.dtype, device: this.low.device });
    return this.low.add(u.mul(this.high.sub(this.low)));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Uniform.logProb", () => {
      const lb = this.low.le(v).to(this.low.dtype), ub = this.high.gt(v).to(this.low.dtype);
      return lb.mul(ub).log().sub(this.high.sub(this.low).log());
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return v.sub(this.low).div(this.high.sub(this.low)).clamp(0, 1);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return value.mul(this.high.sub(this.low)).add(this.low);
  }
  override entropy(): Tensor {
    return this.high.sub(this.low).log();
  }
}

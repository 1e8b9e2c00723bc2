/**
 * Pareto(scale, alpha) (torch.distributions.Pareto): scale * exp(E) for E ~ Exponential(alpha),
 * supported on [scale, inf). A direct class here (PyTorch's is a TransformedDistribution), with
 * the same values.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const PARETO = "Pareto(Tensor|float scale, Tensor|float alpha, bool? validateArgs=null)";
const paretoArgs = declareArgs(PARETO, "distributions");

/**
 * Density alpha scale^alpha / x^(alpha+1) for x >= scale.
 * @example new distributions.Pareto(1, 3).mean // 1.5
 */
export class Pareto extends Distribution {
  static override readonly argConstraints = { alpha: constraints.positive, scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  scale: Tensor;
  alpha: Tensor;
  constructor(...args: CtorArgs<typeof PARETO>) {
    const [scale, alpha, validateArgs] = paretoArgs.bind(args);
    const [s, a] = broadcastAll("Pareto", ["scale", "alpha"], [scale, alpha]);
    super(s!.shape, [], validateArgs);
    this.scale = s!;
    this.alpha = a!;
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { alpha: this.alpha, scale: this.scale };
  }
  protected override expandFields(): [string, number][] {
    return [["scale", 0], ["alpha", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.greaterThanEq(this.scale);
  }
  /** inf for alpha <= 1 (PyTorch clamps alpha at 1). */
  override get mean(): Tensor {
    const a = this.alpha.clampMin(1);
    return a.mul(this.scale).div(a.sub(1));
  }
  override get mode(): Tensor {
    return this.scale;
  }
  /** inf for alpha <= 2. */
  override get variance(): Tensor {
    const a = this.alpha.clampMin(2);
    return this.scale.pow(2).mul(a).div(a.sub(1).pow(2).mul(a.sub(2)));
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Pareto.rsample", "sampleShape", sampleShape));
    const e = rand(shape, { dtype: this.scale.dtype, device: this.scale.device }).neg().log1p().neg().div(this.alpha);
    return e.exp().mul(this.scale);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Pareto.logProb", () => this.alpha.log().add(this.alpha.mul(this.scale.log())).sub(this.alpha.add(1).mul(v.log())));
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return this.scale.div(v).log().mul(this.alpha).expm1().neg();
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return value.neg().log1p().div(this.alpha).neg().exp().mul(this.scale);
  }
  override entropy(): Tensor {
    return this.scale.div(this.alpha).log().add(this.alpha.reciprocal().add(1));
  }
}

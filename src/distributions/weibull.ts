/**
 * Weibull(scale, concentration) (torch.distributions.Weibull): scale * E^(1/concentration) for
 * E ~ Exponential(1). PyTorch builds it as a TransformedDistribution; it is a direct class here
 * (as LogNormal), with the same values.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const EULER = 0.57721566490153286060;
const WEIBULL = "Weibull(Tensor|float scale, Tensor|float concentration, bool? validateArgs=null)";
const weibullArgs = declareArgs(WEIBULL, "distributions");

/**
 * Density (k/λ) (x/λ)^(k-1) exp(-(x/λ)^k) on x > 0 (λ = scale, k = concentration).
 * @example new distributions.Weibull(1, 1.5).rsample([4])
 */
export class Weibull extends Distribution {
  static override readonly argConstraints = { scale: constraints.positive, concentration: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  scale: Tensor;
  concentration: Tensor;
  constructor(...args: CtorArgs<typeof WEIBULL>) {
    const [scale, concentration, validateArgs] = weibullArgs.bind(args);
    const [s, c] = broadcastAll("Weibull", ["scale", "concentration"], [scale, concentration]);
    super(s!.shape, [], validateArgs);
    this.scale = s!;
    this.concentration = c!;
    this.validateParams();
  }
  /** 1 / concentration. */
  get concentrationReciprocal(): Tensor {
    return this.concentration.reciprocal();
  }
  protected override params(): Record<string, Tensor | null> {
    return { scale: this.scale, concentration: this.concentration };
  }
  protected override expandFields(): [string, number][] {
    return [["scale", 0], ["concentration", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.positive;
  }
  override get mean(): Tensor {
    return this.scale.mul(this.concentrationReciprocal.add(1).lgamma().exp());
  }
  override get mode(): Tensor {
    const k = this.concentration;
    return this.scale.mul(k.sub(1).div(k).pow(k.reciprocal()));
  }
  override get variance(): Tensor {
    const r = this.concentrationReciprocal;
    return this.scale.pow(2).mul(r.mul(2).add(1).lgamma().exp().sub(r.add(1).lgamma().mul(2).exp()));
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Weibull.rsample", "sampleShape", sampleShape));
    const e = rand(shape, { dtype: this.scale.dtype, device: this.scale.device }).neg().log1p().neg();
    return e.pow(this.concentrationReciprocal).mul(this.scale);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Weibull.logProb", () => {
      const k = this.concentration, z = v.div(this.scale);
      return k.log().sub(this.scale.log()).add(k.sub(1).mul(z.log())).sub(z.pow(k));
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return v.div(this.scale).pow(this.concentration).neg().expm1().neg();
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return value.neg().log1p().neg().pow(this.concentrationReciprocal).mul(this.scale);
  }
  override entropy(): Tensor {
    const r = this.concentrationReciprocal;
    return r.neg().add(1).mul(EULER).add(this.scale.mul(r).log()).add(1);
  }
}

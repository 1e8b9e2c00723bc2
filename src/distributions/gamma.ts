/** Gamma(concentration, rate) (torch.distributions.Gamma). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { clampTiny, standardGammaRsample } from "./samplers.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const GAMMA = "Gamma(Tensor|float concentration, Tensor|float rate, bool? validateArgs=null)";
const gammaArgs = declareArgs(GAMMA, "distributions");

/**
 * Density rate^c x^(c-1) exp(-rate x) / Γ(c) on x >= 0. Sampling is Marsaglia–Tsang from
 * tensor ops; rsample's gradient with respect to the concentration is PyTorch's implicit
 * reparameterization (samplers.ts).
 * @example new distributions.Gamma(2, 3).sample([5])
 */
export class Gamma extends Distribution {
  static override readonly argConstraints = { concentration: constraints.positive, rate: constraints.positive };
  concentration: Tensor;
  rate: Tensor;
  constructor(...args: CtorArgs<typeof GAMMA>) {
    const [concentration, rate, validateArgs] = gammaArgs.bind(args);
    const [c, r] = broadcastAll("Gamma", ["concentration", "rate"], [concentration, rate]);
    super(c!.shape, [], validateArgs);
    this.concentration = c!;
    this.rate = r!;
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { concentration: this.concentration, rate: this.rate };
  }
  protected override expandFields(): [string, number][] {
    return [["concentration", 0], ["rate", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.nonnegative;
  }
  override get mean(): Tensor {
    return this.concentration.div(this.rate);
  }
  override get mode(): Tensor {
    return this.concentration.sub(1).div(this.rate).clampMin(0);
  }
  override get variance(): Tensor {
    return this.concentration.div(this.rate.pow(2));
  }
  override get hasRsample(): boolean {
    return true;
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Gamma.rsample", "sampleShape", sampleShape));
    const g = standardGammaRsample(this.concentration.expand(shape)).div(this.rate.expand(shape));
    return clampTiny(g);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Gamma.logProb", () => {
      const c = this.concentration, r = this.rate;
      return c.xlogy(r).add(c.sub(1).xlogy(v)).sub(r.mul(v)).sub(c.lgamma());
    });
  }
  override cdf(_value: Tensor): Tensor {
    return this.notDefined("cdf (the regularized incomplete gamma function is not in Fluxion yet)");
  }
  override entropy(): Tensor {
    const c = this.concentration;
    return c.sub(this.rate.log()).add(c.lgamma()).add(c.neg().add(1).mul(c.digamma()));
  }
}

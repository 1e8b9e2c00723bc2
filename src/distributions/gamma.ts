/** Gamma(concentration, rate) (torch.distributions.Gamma). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { standardGamma } from "./samplers.js";
import { broadcastAll, finfo, named, shapeArg } from "./utils.js";

const GAMMA = "Gamma(Tensor|float concentration, Tensor|float rate, bool? validateArgs=null)";
const gammaArgs = declareArgs(GAMMA, "distributions");

/**
 * Density rate^c x^(c-1) exp(-rate x) / Γ(c) on x >= 0. Sampling is Marsaglia–Tsang from
 * tensor ops (samplers.ts); rsample is not offered (PyTorch's implicit gradient w.r.t. the
 * concentration needs the incomplete gamma function's derivative, which Fluxion lacks).
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
  protected params(): Record<string, Tensor | null> {
    return { concentration: this.concentration, rate: this.rate };
  }
  protected override expandFields(): [string, number][] {
    return [["concentration", 0], ["rate", 0]];
  }
  get support(): constraints.Constraint {
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
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Gamma.sample", "sampleShape", sampleShape));
    const g = standardGamma(this.concentration.detach().expand(shape)).div(this.rate.detach().expand(shape));
    return g.clampMin(finfo(g.dtype).tiny);
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

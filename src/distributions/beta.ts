/** Beta(concentration1, concentration0) (torch.distributions.Beta): a two-category Dirichlet. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { stack } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Dirichlet } from "./dirichlet.js";
import { clampTiny, standardGammaRsample } from "./samplers.js";
import { broadcastAll, finfo, named, shapeArg } from "./utils.js";

const BETA = "Beta(Tensor|float concentration1, Tensor|float concentration0, bool? validateArgs=null)";
const betaArgs = declareArgs(BETA, "distributions");

/**
 * Density x^(a-1) (1-x)^(b-1) / B(a, b) on [0, 1], a = concentration1, b = concentration0.
 * @example new distributions.Beta(2, 5).mean // 2/7
 */
export class Beta extends Distribution {
  static override readonly argConstraints = { concentration1: constraints.positive, concentration0: constraints.positive };
  concentration1: Tensor;
  concentration0: Tensor;
  constructor(...args: CtorArgs<typeof BETA>) {
    const [c1, c0, validateArgs] = betaArgs.bind(args);
    const [a, b] = broadcastAll("Beta", ["concentration1", "concentration0"], [c1, c0]);
    super(a!.shape, [], validateArgs);
    this.concentration1 = a!;
    this.concentration0 = b!;
    this.validateParams();
  }
  private get dirichlet(): Dirichlet {
    return new Dirichlet(stack([this.concentration1, this.concentration0], -1), { validateArgs: false });
  }
  protected override params(): Record<string, Tensor | null> {
    return { concentration1: this.concentration1, concentration0: this.concentration0 };
  }
  protected override expandFields(): [string, number][] {
    return [["concentration1", 0], ["concentration0", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.unitInterval;
  }
  override get mean(): Tensor {
    return this.concentration1.div(this.concentration1.add(this.concentration0));
  }
  override get mode(): Tensor {
    return this.dirichlet.mode.select(-1, 0);
  }
  override get variance(): Tensor {
    const a = this.concentration1, b = this.concentration0, t = a.add(b);
    return a.mul(b).div(t.pow(2).mul(t.add(1)));
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** X / (X + Y) for reparameterized X ~ Gamma(a), Y ~ Gamma(b): pathwise gradients to both concentrations. */
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Beta.rsample", "sampleShape", sampleShape));
    const x = standardGammaRsample(this.concentration1.expand(shape));
    const y = standardGammaRsample(this.concentration0.expand(shape));
    return clampTiny(x.div(x.add(y)), 1 - finfo(x.dtype).eps);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Beta.logProb", () => this.dirichlet.logProb(stack([v, v.neg().add(1)], -1)));
  }
  override entropy(): Tensor {
    return this.dirichlet.entropy();
  }
}

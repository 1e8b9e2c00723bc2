/** Dirichlet(concentration) (torch.distributions.Dirichlet): normalized Gamma draws. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { oneHot, where } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { clampTiny, standardGammaRsample } from "./samplers.js";
import { finfo, floatParam, named, shapeArg } from "./utils.js";

const DIRICHLET = "Dirichlet(Tensor concentration, bool? validateArgs=null)";
const dirichletArgs = declareArgs(DIRICHLET, "distributions");

/**
 * Points of the simplex over the last dim of `concentration` (event shape [K]).
 * @example new distributions.Dirichlet(tensor([0.5, 1, 2])).sample() // sums to 1
 */
export class Dirichlet extends Distribution {
  static override readonly argConstraints = { concentration: constraints.independent(constraints.positive, 1) };
  concentration: Tensor;
  constructor(...args: CtorArgs<typeof DIRICHLET>) {
    const [concentration, validateArgs] = dirichletArgs.bind(args);
    const c = floatParam("Dirichlet", "concentration", concentration, 1);
    super(c.shape.slice(0, -1), c.shape.slice(-1), validateArgs);
    this.concentration = c;
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { concentration: this.concentration };
  }
  protected override expandFields(): [string, number][] {
    return [["concentration", 1]];
  }
  override get support(): constraints.Constraint {
    return constraints.simplex;
  }
  override get mean(): Tensor {
    return this.concentration.div(this.concentration.sum(-1, true));
  }
  override get mode(): Tensor {
    const c = this.concentration;
    const cm1 = c.sub(1).clampMin(0);
    const mode = cm1.div(cm1.sum(-1, true));
    // every concentration below 1: the mass piles at a vertex, the largest one's (PyTorch's choice)
    const vertex = oneHot(mode.argmax(-1), c.shape.at(-1)!).to(c.dtype);
    return where(c.lt(1).all(-1, true), vertex, mode);
  }
  override get variance(): Tensor {
    const c = this.concentration, c0 = c.sum(-1, true);
    return c.mul(c0.sub(c)).div(c0.pow(2).mul(c0.add(1)));
  }
  override get hasRsample(): boolean {
    return true;
  }
  /** Normalized reparameterized Gamma draws: pathwise gradients (PyTorch computes the same expectation with _dirichlet_grad). */
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Dirichlet.rsample", "sampleShape", sampleShape));
    const g = standardGammaRsample(this.concentration.expand(shape));
    return clampTiny(g.div(g.sum(-1, true)), 1 - finfo(g.dtype).eps);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Dirichlet.logProb", () => {
      const c = this.concentration;
      return c.sub(1).xlogy(v).sum(-1).add(c.sum(-1).lgamma()).sub(c.lgamma().sum(-1));
    });
  }
  override entropy(): Tensor {
    const c = this.concentration, k = c.shape.at(-1)!, a0 = c.sum(-1);
    return c.lgamma().sum(-1).sub(a0.lgamma()).sub(a0.neg().add(k).mul(a0.digamma())).sub(c.sub(1).mul(c.digamma()).sum(-1));
  }
}

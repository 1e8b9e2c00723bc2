/** HalfNormal(scale) (torch.distributions.HalfNormal): |X| for X ~ Normal(0, scale). */
import type { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { HalfDistribution } from "./half.js";
import { Normal } from "./normal.js";
import { named } from "./utils.js";

const HALF_NORMAL = "HalfNormal(Tensor|float scale, bool? validateArgs=null)";
const halfNormalArgs = declareArgs(HALF_NORMAL, "distributions");

/**
 * The absolute value of a centred normal; `baseDist` is Normal(0, scale).
 * @example new distributions.HalfNormal(1).mean // sqrt(2 / pi)
 */
export class HalfNormal extends HalfDistribution<Normal> {
  protected get label(): string {
    return "HalfNormal";
  }
  constructor(...args: CtorArgs<typeof HALF_NORMAL>) {
    const [scale, validateArgs] = halfNormalArgs.bind(args);
    const base = named("HalfNormal", () => new Normal(0, scale, { validateArgs }));
    super(base, validateArgs);
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
}

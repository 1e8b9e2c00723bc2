/** Chi2(df) (torch.distributions.Chi2): Gamma(df / 2, 1 / 2). */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Gamma } from "./gamma.js";
import * as constraints from "./constraints.js";
import { broadcastAll } from "./utils.js";

const CHI2 = "Chi2(Tensor|float df, bool? validateArgs=null)";
const chi2Args = declareArgs(CHI2, "distributions");

/**
 * The chi-squared distribution with `df` degrees of freedom (a Gamma, so rsample works).
 * @example new distributions.Chi2(3).mean // 3
 */
export class Chi2 extends Gamma {
  static override readonly argConstraints = { df: constraints.positive } as unknown as typeof Gamma.argConstraints;
  constructor(...args: CtorArgs<typeof CHI2>) {
    const [df, validateArgs] = chi2Args.bind(args);
    const [d] = broadcastAll("Chi2", ["df"], [df]);
    super(d!.mul(0.5), 0.5, { validateArgs });
  }
  get df(): Tensor {
    return this.concentration.mul(2);
  }
  protected override params(): Record<string, Tensor | null> {
    return { df: this.df };
  }
}

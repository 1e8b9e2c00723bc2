/**
 * LogisticNormal(loc, scale) (torch.distributions.LogisticNormal): a Normal over K-1 logits
 * pushed onto the K-simplex by StickBreakingTransform; event shape [K].
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import * as constraints from "./constraints.js";
import { Independent } from "./independent.js";
import { Normal } from "./normal.js";
import { TransformedDistribution } from "./transformed_distribution.js";
import { StickBreakingTransform } from "./transforms_event.js";
import { named } from "./utils.js";

const LOGISTIC_NORMAL = "LogisticNormal(Tensor|float loc, Tensor|float scale, bool? validateArgs=null)";
const logisticNormalArgs = declareArgs(LOGISTIC_NORMAL, "distributions");

/**
 * @example new distributions.LogisticNormal(zeros(3), ones(3)).rsample() // 4 entries summing to 1
 */
export class LogisticNormal extends TransformedDistribution {
  static override readonly argConstraints = { loc: constraints.real, scale: constraints.positive };
  constructor(...args: CtorArgs<typeof LOGISTIC_NORMAL>) {
    const [loc, scale, validateArgs] = logisticNormalArgs.bind(args);
    let base = named("LogisticNormal", () => new Normal(loc, scale, { validateArgs }));
    // a scalar Normal is one logit: a 2-simplex
    if (base.batchShape.length === 0) base = base.expand([1]);
    super(base, [new StickBreakingTransform()], validateArgs);
  }
  override get hasRsample(): boolean {
    return true;
  }
  private get normal(): Normal {
    return (this.baseDist as Independent).baseDist as Normal;
  }
  get loc(): Tensor {
    return this.normal.loc;
  }
  get scale(): Tensor {
    return this.normal.scale;
  }
  protected override params(): Record<string, Tensor | null> {
    return { loc: this.loc, scale: this.scale };
  }
  override get support(): constraints.Constraint {
    return constraints.simplex;
  }
}

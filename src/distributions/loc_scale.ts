/**
 * What Normal, Laplace, Cauchy and Gumbel share: a real-valued location and a positive scale,
 * broadcast together into the batch shape, validated, expanded and reported as parameters the
 * same way, a real support and a reparameterized sampler.
 */
import type { Tensor } from "../tensor/tensor.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { broadcastAll, type Param } from "./utils.js";

export abstract class LocScaleDistribution extends Distribution {
  static override readonly argConstraints = { loc: constraints.real, scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  loc: Tensor;
  scale: Tensor;
  protected constructor(name: string, loc: Param, scale: Param, validateArgs: boolean | null) {
    const [l, s] = broadcastAll(name, ["loc", "scale"], [loc, scale]);
    super(l!.shape, [], validateArgs);
    this.loc = l!;
    this.scale = s!;
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { loc: this.loc, scale: this.scale };
  }
  protected override expandFields(): [string, number][] {
    return [["loc", 0], ["scale", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.real;
  }
}

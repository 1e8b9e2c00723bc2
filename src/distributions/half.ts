/**
 * |X| for X a centred distribution symmetric about 0 with a scale (HalfNormal, HalfCauchy):
 * its density is twice X's on [0, inf), its cdf 2 F(x) - 1, its entropy X's minus log 2.
 * A subclass gives its name, the base distribution, and the moments.
 */
import type { Tensor } from "../tensor/tensor.js";
import { where } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { named, shapeArg } from "./utils.js";

export abstract class HalfDistribution<B extends Distribution & { readonly scale: Tensor }> extends Distribution {
  static override readonly argConstraints = { scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  baseDist: B;
  /** The class's PyTorch name, for messages ("HalfNormal"). */
  protected abstract get label(): string;
  protected constructor(base: B, validateArgs: boolean | null) {
    super(base.batchShape, [], validateArgs);
    this.baseDist = base;
  }
  get scale(): Tensor {
    return this.baseDist.scale;
  }
  protected override params(): Record<string, Tensor | null> {
    return { scale: this.scale };
  }
  protected override afterExpand(): void {
    this.baseDist = this.baseDist.expand(this.batchShape) as B;
  }
  override get support(): constraints.Constraint {
    return constraints.nonnegative;
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    return this.baseDist.rsample(shapeArg(`${this.label}.rsample`, "sampleShape", sampleShape)).abs();
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named(`${this.label}.logProb`, () => {
      const lp = this.baseDist.logProb(v).add(Math.LN2);
      return where(v.ge(0), lp, lp.mul(0).add(-Infinity));
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return this.baseDist.cdf(v).mul(2).sub(1);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return this.baseDist.icdf(value.add(1).div(2));
  }
  override entropy(): Tensor {
    return this.baseDist.entropy().sub(Math.LN2);
  }
}

/**
 * Kumaraswamy(concentration1, concentration0) (torch.distributions.Kumaraswamy): a Beta-like
 * density on [0, 1] with a closed-form CDF, so samples are (1 - u^(1/b))^(1/a), reparameterized.
 * A direct class here (PyTorch's is a TransformedDistribution of a Uniform), with the same values.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand, where } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const EULER = 0.57721566490153286060;
const KUMARASWAMY = "Kumaraswamy(Tensor|float concentration1, Tensor|float concentration0, bool? validateArgs=null)";
const kumaraswamyArgs = declareArgs(KUMARASWAMY, "distributions");

/** E[X^n] = b B(1 + n/a, b). */
function moments(a: Tensor, b: Tensor, n: number): Tensor {
  const arg1 = a.reciprocal().mul(n).add(1);
  return b.mul(arg1.lgamma().add(b.lgamma()).sub(arg1.add(b).lgamma()).exp());
}

/**
 * Density a b x^(a-1) (1 - x^a)^(b-1) on [0, 1] (a = concentration1, b = concentration0).
 * @example new distributions.Kumaraswamy(2, 5).rsample([3])
 */
export class Kumaraswamy extends Distribution {
  static override readonly argConstraints = { concentration1: constraints.positive, concentration0: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  concentration1: Tensor;
  concentration0: Tensor;
  constructor(...args: CtorArgs<typeof KUMARASWAMY>) {
    const [c1, c0, validateArgs] = kumaraswamyArgs.bind(args);
    const [a, b] = broadcastAll("Kumaraswamy", ["concentration1", "concentration0"], [c1, c0]);
    super(a!.shape, [], validateArgs);
    this.concentration1 = a!;
    this.concentration0 = b!;
    this.validateParams();
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
    return moments(this.concentration1, this.concentration0, 1);
  }
  /** NaN where either concentration is below 1 (no interior mode), as PyTorch. */
  override get mode(): Tensor {
    const a = this.concentration1, b = this.concentration0;
    const logMode = b.reciprocal().mul(b.neg().log1p()).sub(b.mul(a).neg().log1p());
    return where(b.lt(1).logicalOr(a.lt(1)), logMode.mul(NaN), logMode).exp();
  }
  override get variance(): Tensor {
    return moments(this.concentration1, this.concentration0, 2).sub(this.mean.pow(2));
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Kumaraswamy.rsample", "sampleShape", sampleShape));
    const u = rand(shape, { dtype: this.concentration1.dtype, device: this.concentration1.device });
    return u.pow(this.concentration0.reciprocal()).neg().add(1).pow(this.concentration1.reciprocal());
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Kumaraswamy.logProb", () => {
      const a = this.concentration1, b = this.concentration0;
      return a.log().add(b.log()).add(a.sub(1).mul(v.log())).add(b.sub(1).mul(v.pow(a).neg().log1p()));
    });
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return v.pow(this.concentration1).neg().add(1).pow(this.concentration0).neg().add(1);
  }
  override icdf(value: Tensor): Tensor {
    value = this.checkValue(value, "icdf", false);
    return value.neg().add(1).pow(this.concentration0.reciprocal()).neg().add(1).pow(this.concentration1.reciprocal());
  }
  override entropy(): Tensor {
    const a = this.concentration1, b = this.concentration0;
    const t1 = a.reciprocal().neg().add(1), t0 = b.reciprocal().neg().add(1);
    const H0 = b.add(1).digamma().add(EULER);
    return t0.add(t1.mul(H0)).sub(a.log()).sub(b.log());
  }
}

/**
 * More elementwise transforms (torch.distributions.transforms): PowerTransform, AbsTransform,
 * SoftplusTransform, and CumulativeDistributionTransform (a distribution's CDF as a transform,
 * for copulas). Each maps an event to an event of the same shape.
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { describeValue } from "../api/args.js";
import { broadcastShapes } from "../tensor/shape.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import * as constraints from "./constraints.js";
import { Distribution } from "./distribution.js";
import { Transform } from "./transforms.js";

const group = "distributions.transforms";
const POWER = "PowerTransform(Tensor|float exponent, int cacheSize=0)";
const ABS = "AbsTransform(int cacheSize=0)";
const SOFTPLUS = "SoftplusTransform(int cacheSize=0)";
const CDF = "CumulativeDistributionTransform(Any distribution, int cacheSize=0)";
const powerArgs = declareArgs(POWER, group), absArgs = declareArgs(ABS, group), softplusArgs = declareArgs(SOFTPLUS, group);
const cdfArgs = declareArgs(CDF, group);

/**
 * y = x^exponent on the positive reals.
 * @example new distributions.transforms.PowerTransform(2).forward(tensor([3])) // tensor([9.])
 */
export class PowerTransform extends Transform {
  readonly exponent: Tensor | number;
  constructor(...args: CtorArgs<typeof POWER>) {
    const [exponent, cacheSize] = powerArgs.bind(args);
    super(cacheSize);
    this.exponent = exponent;
  }
  override get domain(): constraints.Constraint {
    return constraints.positive;
  }
  override get codomain(): constraints.Constraint {
    return constraints.positive;
  }
  override get sign(): number {
    if (typeof this.exponent === "number") return Math.sign(this.exponent);
    throw new ArgumentError("PowerTransform.sign: only defined for a number exponent");
  }
  protected override _call(x: Tensor): Tensor {
    return x.pow(this.exponent);
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.pow(typeof this.exponent === "number" ? 1 / this.exponent : this.exponent.reciprocal());
  }
  override logAbsDetJacobian(x: Tensor, y: Tensor): Tensor {
    return y.mul(this.exponent).div(x).abs().log();
  }
  override forwardShape(shape: readonly number[]): number[] {
    return this.exponent instanceof Tensor ? broadcastShapes("PowerTransform", shape, this.exponent.shape) : [...shape];
  }
  override inverseShape(shape: readonly number[]): number[] {
    return this.forwardShape(shape);
  }
}

/** y = |x| (not bijective: the inverse picks the non-negative root, and there is no log-Jacobian). */
export class AbsTransform extends Transform {
  override readonly bijective: boolean = false;
  constructor(...args: CtorArgs<typeof ABS>) {
    super(...absArgs.bind(args));
  }
  override get codomain(): constraints.Constraint {
    return constraints.positive;
  }
  protected override _call(x: Tensor): Tensor {
    return x.abs();
  }
  protected override _inverse(y: Tensor): Tensor {
    return y;
  }
}

/** y = softplus(x) = log(1 + exp(x)); inverse log(-expm1(-y)) + y; log|dy/dx| = -softplus(-x). */
export class SoftplusTransform extends Transform {
  constructor(...args: CtorArgs<typeof SOFTPLUS>) {
    super(...softplusArgs.bind(args));
  }
  override get codomain(): constraints.Constraint {
    return constraints.positive;
  }
  protected override _call(x: Tensor): Tensor {
    return x.softplus();
  }
  protected override _inverse(y: Tensor): Tensor {
    return y.neg().expm1().neg().log().add(y);
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    return x.neg().softplus().neg();
  }
}

/**
 * y = distribution.cdf(x): maps the distribution's support onto [0, 1]; the log-Jacobian is
 * the distribution's logProb.
 * @example new distributions.transforms.CumulativeDistributionTransform(new distributions.Normal(0, 1))
 */
export class CumulativeDistributionTransform extends Transform {
  readonly distribution: Distribution;
  constructor(...args: CtorArgs<typeof CDF>) {
    const [distribution, cacheSize] = cdfArgs.bind(args);
    super(cacheSize);
    if (!(distribution instanceof Distribution)) {
      throw new ArgumentError(`CumulativeDistributionTransform: distribution must be a Distribution, got ${describeValue(distribution)}`);
    }
    this.distribution = distribution;
  }
  override get domain(): constraints.Constraint {
    return this.distribution.support;
  }
  override get codomain(): constraints.Constraint {
    return constraints.unitInterval;
  }
  protected override _call(x: Tensor): Tensor {
    return this.distribution.cdf(x);
  }
  protected override _inverse(y: Tensor): Tensor {
    return this.distribution.icdf(y);
  }
  override logAbsDetJacobian(x: Tensor, _y: Tensor): Tensor {
    return this.distribution.logProb(x);
  }
}

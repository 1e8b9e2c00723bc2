/** StudentT(df, loc, scale) (torch.distributions.StudentT): rsample is loc + scale X / sqrt(Z / df), X normal, Z chi-squared. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { randn, where } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Chi2 } from "./chi2.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const LGAMMA_HALF = 0.5 * Math.log(Math.PI); // lgamma(0.5)
const STUDENT_T = "StudentT(Tensor|float df, Tensor|float loc=0, Tensor|float scale=1, bool? validateArgs=null)";
const studentTArgs = declareArgs(STUDENT_T, "distributions");

/**
 * Student's t with `df` degrees of freedom, location `loc` and scale `scale`.
 * @example new distributions.StudentT(tensor([2])).sample()
 */
export class StudentT extends Distribution {
  static override readonly argConstraints = { df: constraints.positive, loc: constraints.real, scale: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  df: Tensor;
  loc: Tensor;
  scale: Tensor;
  private _chi2: Chi2;
  constructor(...args: CtorArgs<typeof STUDENT_T>) {
    const [df, loc, scale, validateArgs] = studentTArgs.bind(args);
    const [d, l, s] = broadcastAll("StudentT", ["df", "loc", "scale"], [df, loc, scale]);
    super(d!.shape, [], validateArgs);
    [this.df, this.loc, this.scale] = [d!, l!, s!];
    this.validateParams();
    this._chi2 = new Chi2(this.df, { validateArgs: false });
  }
  protected override params(): Record<string, Tensor | null> {
    return { df: this.df, loc: this.loc, scale: this.scale };
  }
  protected override expandFields(): [string, number][] {
    return [["df", 0], ["loc", 0], ["scale", 0]];
  }
  protected override afterExpand(): void {
    this._chi2 = this._chi2.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.real;
  }
  override get mean(): Tensor {
    return where(this.df.le(1), this.loc.mul(0).add(NaN), this.loc);
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    const df = this.df;
    const finite = this.scale.pow(2).mul(df).div(df.sub(2));
    const nan = df.mul(0).add(NaN), inf = df.mul(0).add(Infinity);
    return where(df.gt(2), finite, where(df.gt(1), inf, nan));
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("StudentT.rsample", "sampleShape", sampleShape);
    const X = randn(this.extendedShape(s), { dtype: this.df.dtype, device: this.df.device });
    const Z = this._chi2.rsample(s);
    return this.loc.add(this.scale.mul(X.mul(Z.div(this.df).rsqrt())));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("StudentT.logProb", () => {
      const df = this.df;
      const y = v.sub(this.loc).div(this.scale);
      const Z = this.scale.log().add(df.log().mul(0.5)).add(0.5 * Math.log(Math.PI)).add(df.mul(0.5).lgamma()).sub(df.add(1).mul(0.5).lgamma());
      return df.add(1).mul(-0.5).mul(y.pow(2).div(df).log1p()).sub(Z);
    });
  }
  override entropy(): Tensor {
    const df = this.df;
    const lbeta = df.mul(0.5).lgamma().add(LGAMMA_HALF).sub(df.add(1).mul(0.5).lgamma());
    return this.scale.log().add(df.add(1).mul(0.5).mul(df.add(1).mul(0.5).digamma().sub(df.mul(0.5).digamma()))).add(df.log().mul(0.5)).add(lbeta);
  }
}

/** FisherSnedecor(df1, df2) (torch.distributions.FisherSnedecor): the F distribution, a ratio of scaled chi-squared draws. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { where } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Gamma } from "./gamma.js";
import { clampTiny } from "./samplers.js";
import { broadcastAll, named, shapeArg } from "./utils.js";

const FISHER = "FisherSnedecor(Tensor|float df1, Tensor|float df2, bool? validateArgs=null)";
const fisherArgs = declareArgs(FISHER, "distributions");

/**
 * (X1 / df1) / (X2 / df2) with X1, X2 chi-squared with df1, df2 degrees of freedom; rsample
 * goes through reparameterized Gamma draws.
 * @example new distributions.FisherSnedecor(5, 10).rsample([3])
 */
export class FisherSnedecor extends Distribution {
  static override readonly argConstraints = { df1: constraints.positive, df2: constraints.positive };
  override get hasRsample(): boolean {
    return true;
  }
  df1: Tensor;
  df2: Tensor;
  private gamma1: Gamma;
  private gamma2: Gamma;
  constructor(...args: CtorArgs<typeof FISHER>) {
    const [df1, df2, validateArgs] = fisherArgs.bind(args);
    const [a, b] = broadcastAll("FisherSnedecor", ["df1", "df2"], [df1, df2]);
    super(a!.shape, [], validateArgs);
    this.df1 = a!;
    this.df2 = b!;
    this.validateParams();
    this.gamma1 = new Gamma(this.df1.mul(0.5), this.df1, { validateArgs: false });
    this.gamma2 = new Gamma(this.df2.mul(0.5), this.df2, { validateArgs: false });
  }
  protected override params(): Record<string, Tensor | null> {
    return { df1: this.df1, df2: this.df2 };
  }
  protected override expandFields(): [string, number][] {
    return [["df1", 0], ["df2", 0]];
  }
  protected override afterExpand(): void {
    this.gamma1 = this.gamma1.expand(this.batchShape);
    this.gamma2 = this.gamma2.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.positive;
  }
  /** df2 / (df2 - 2), NaN for df2 <= 2. */
  override get mean(): Tensor {
    const df2 = this.df2;
    return where(df2.le(2), df2.mul(NaN), df2.div(df2.sub(2)));
  }
  /** NaN for df1 <= 2. */
  override get mode(): Tensor {
    const m = this.df1.sub(2).div(this.df1).mul(this.df2).div(this.df2.add(2));
    return where(this.df1.le(2), m.mul(NaN), m);
  }
  /** NaN for df2 <= 4. */
  override get variance(): Tensor {
    const df1 = this.df1, df2 = where(this.df2.le(4), this.df2.mul(NaN), this.df2);
    return df2.pow(2).mul(2).mul(df1.add(df2).sub(2)).div(df1.mul(df2.sub(2).pow(2)).mul(df2.sub(4)));
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("FisherSnedecor.rsample", "sampleShape", sampleShape);
    const x1 = this.gamma1.rsample(s);
    const x2 = clampTiny(this.gamma2.rsample(s));
    return clampTiny(x1.div(x2));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("FisherSnedecor.logProb", () => {
      const ct1 = this.df1.mul(0.5), ct2 = this.df2.mul(0.5), ct3 = this.df1.div(this.df2);
      const t1 = ct1.add(ct2).lgamma().sub(ct1.lgamma()).sub(ct2.lgamma());
      const t2 = ct1.mul(ct3.log()).add(ct1.sub(1).mul(v.log()));
      const t3 = ct1.add(ct2).mul(ct3.mul(v).log1p());
      return t1.add(t2).sub(t3);
    });
  }
}

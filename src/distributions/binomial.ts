/** Binomial(totalCount, probs | logits) (torch.distributions.Binomial): successes in totalCount trials, as floats. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { arange } from "../functional.js";
import { isFloating } from "../tensor/dtype.js";
import { readHostItem } from "../tensor/host_read.js";
import { NotImplementedDistributionError } from "./distribution.js";
import { BinaryProbsDistribution } from "./probs_logits.js";
import * as constraints from "./constraints.js";
import { binomialSample } from "./samplers.js";
import { broadcastAll, named, probsOrLogits, shapeArg } from "./utils.js";

const BINOMIAL = "Binomial(Tensor|float totalCount=1, Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const binomialArgs = declareArgs(BINOMIAL, "distributions");

/** (x.clamp(min=0) + x - x.clamp(max=0)) / 2: max(x, 0) with gradient 1/2 at 0, as PyTorch's _clamp_by_zero. */
function clampByZero(x: Tensor): Tensor {
  return x.clampMin(0).add(x).sub(x.clampMax(0)).div(2);
}

/**
 * P(k) = C(n, k) p^k (1-p)^(n-k) for k = 0..n (n = totalCount, an integer-valued tensor or number).
 * @example new distributions.Binomial(10, { probs: tensor([0.3]) }).sample([5])
 */
export class Binomial extends BinaryProbsDistribution {
  static override readonly argConstraints = { totalCount: constraints.nonnegativeInteger, probs: constraints.unitInterval, logits: constraints.real };
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  totalCount: Tensor;
  constructor(...args: CtorArgs<typeof BINOMIAL>) {
    const [totalCount, probs, logits, validateArgs] = binomialArgs.bind(args);
    probsOrLogits("Binomial", probs, logits);
    const param = (probs ?? logits)!;
    // an integer count tensor takes the probabilities' dtype (PyTorch's type_as)
    const n = totalCount instanceof Tensor && !isFloating(totalCount.dtype) ? totalCount.to(param instanceof Tensor && isFloating(param.dtype) ? param.dtype : "float32") : totalCount;
    const [tc, p] = broadcastAll("Binomial", ["totalCount", probs != null ? "probs" : "logits"], [n, param]);
    super(p!.shape, [], validateArgs);
    this.totalCount = tc!.to(p!.dtype);
    this.setProbsOrLogits(probs != null, p!);
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { totalCount: this.totalCount, ...super.params() };
  }
  protected override expandFields(): [string, number][] {
    return [["totalCount", 0], ...super.expandFields()];
  }
  override get support(): constraints.Constraint {
    return constraints.integerInterval(0, this.totalCount);
  }
  override get mean(): Tensor {
    return this.totalCount.mul(this.probs);
  }
  override get mode(): Tensor {
    return this.totalCount.add(1).mul(this.probs).floor().minimum(this.totalCount);
  }
  override get variance(): Tensor {
    return this.totalCount.mul(this.probs).mul(this.probs.neg().add(1));
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Binomial.sample", "sampleShape", sampleShape));
    return binomialSample(this.totalCount.expand(shape), this.probs.detach().expand(shape));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Binomial.logProb", () => {
      const n = this.totalCount, l = this.logits;
      const normalize = n.mul(clampByZero(l)).add(n.mul(l.abs().neg().exp().log1p())).sub(n.add(1).lgamma());
      return v.mul(l).sub(v.add(1).lgamma()).sub(n.sub(v).add(1).lgamma()).sub(normalize);
    });
  }
  /** The one count every element shares (entropy and enumerateSupport need it, as PyTorch's). */
  private homogeneousCount(what: string): number {
    const hi = this.totalCount.numel() ? readHostItem<number>(this.totalCount.max(), `Binomial.${what}`) : 0;
    const lo = this.totalCount.numel() ? readHostItem<number>(this.totalCount.min(), `Binomial.${what}`) : 0;
    if (lo !== hi) throw new NotImplementedDistributionError(`Binomial.${what}: inhomogeneous total count not supported (totalCount ranges from ${lo} to ${hi})`);
    return hi;
  }
  override entropy(): Tensor {
    this.homogeneousCount("entropy");
    const lp = this.logProb(this.enumerateSupport(false));
    return lp.exp().mul(lp).sum(0).neg();
  }
  override enumerateSupport(expand = true): Tensor {
    const n = this.homogeneousCount("enumerateSupport");
    const p = this._probs ?? this._logits!;
    const values = arange(1 + n, { dtype: p.dtype, device: p.device }).reshape([-1, ...this.batchShape.map(() => 1)]);
    return expand ? values.expand([-1, ...this.batchShape]) : values;
  }
}

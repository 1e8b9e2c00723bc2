/**
 * NegativeBinomial(totalCount, probs | logits) (torch.distributions.NegativeBinomial): the
 * number of successes before totalCount failures, each trial a success with probability probs;
 * counts are floats. Sampling draws Poisson(Gamma(totalCount, exp(-logits))), as PyTorch's.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { isFloating } from "../tensor/dtype.js";
import { onesLike, where } from "../functional.js";
import { BinaryProbsDistribution } from "./probs_logits.js";
import * as constraints from "./constraints.js";
import { Gamma } from "./gamma.js";
import { poissonSample } from "./samplers.js";
import { broadcastAll, named, probsOrLogits, shapeArg } from "./utils.js";

const NEG_BINOMIAL = "NegativeBinomial(Tensor|float totalCount, Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const negBinomialArgs = declareArgs(NEG_BINOMIAL, "distributions");

/** log(sigmoid(x)) = -softplus(-x). */
const logSigmoid = (x: Tensor): Tensor => x.neg().softplus().neg();

/**
 * P(k) = C(k + r - 1, k) p^k (1-p)^r for k = 0, 1, ... (r = totalCount > 0, real-valued).
 * @example new distributions.NegativeBinomial(5, { probs: tensor([0.3]) }).sample([4])
 */
export class NegativeBinomial extends BinaryProbsDistribution {
  static override readonly argConstraints = { totalCount: constraints.greaterThanEq(0), probs: constraints.halfOpenInterval(0, 1), logits: constraints.real };
  totalCount: Tensor;
  constructor(...args: CtorArgs<typeof NEG_BINOMIAL>) {
    const [totalCount, probs, logits, validateArgs] = negBinomialArgs.bind(args);
    probsOrLogits("NegativeBinomial", probs, logits);
    const param = (probs ?? logits)!;
    const n = totalCount instanceof Tensor && !isFloating(totalCount.dtype) ? totalCount.to(param instanceof Tensor && isFloating(param.dtype) ? param.dtype : "float32") : totalCount;
    const [tc, p] = broadcastAll("NegativeBinomial", ["totalCount", probs != null ? "probs" : "logits"], [n, param]);
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
    return constraints.nonnegativeInteger;
  }
  override get mean(): Tensor {
    return this.totalCount.mul(this.logits.exp());
  }
  override get mode(): Tensor {
    return this.totalCount.sub(1).mul(this.logits.exp()).floor().clampMin(0);
  }
  override get variance(): Tensor {
    return this.mean.div(this.logits.neg().sigmoid());
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("NegativeBinomial.sample", "sampleShape", sampleShape);
    return noGrad(() => {
      const gamma = new Gamma(this.totalCount.detach(), this.logits.detach().neg().exp(), { validateArgs: false });
      return poissonSample(gamma.sample(s));
    });
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("NegativeBinomial.logProb", () => {
      const n = this.totalCount, l = this.logits;
      const logUnnormalized = n.mul(logSigmoid(l.neg())).add(v.mul(logSigmoid(l)));
      // no failures and no successes (n + v = 0) has probability 1: lgamma's arguments are moved off the pole there, so the normalization is 0
      const ns = where(n.add(v).eq(0), onesLike(n), n);
      const logNormalization = ns.add(v).lgamma().neg().add(v.add(1).lgamma()).add(ns.lgamma());
      return logUnnormalized.sub(logNormalization);
    });
  }
}

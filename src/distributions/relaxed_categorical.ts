/**
 * ExpRelaxedCategorical and RelaxedOneHotCategorical (torch.distributions.relaxed_categorical):
 * the Concrete / Gumbel-softmax relaxation of a one-hot Categorical at a given temperature.
 * ExpRelaxedCategorical gives the log of a relaxed one-hot vector (logsoftmax of
 * (logits + Gumbel noise) / temperature); RelaxedOneHotCategorical is its exp, on the simplex.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand } from "../functional.js";
import { FluxionError } from "../errors.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Categorical } from "./categorical.js";
import { RelaxedTransformed } from "./relaxed.js";
import { ExpTransform } from "./transforms.js";
import { temperatureTensor } from "./relaxed_bernoulli.js";
import { clampProbs, named, probsOrLogits, shapeArg } from "./utils.js";

const EXP_RELAXED = "ExpRelaxedCategorical(Tensor|float temperature, Tensor? probs=null, Tensor? logits=null, bool? validateArgs=null)";
const RELAXED_ONE_HOT = "RelaxedOneHotCategorical(Tensor|float temperature, Tensor? probs=null, Tensor? logits=null, bool? validateArgs=null)";
const expRelaxedArgs = declareArgs(EXP_RELAXED, "distributions");
const relaxedOneHotArgs = declareArgs(RELAXED_ONE_HOT, "distributions");

/**
 * Log relaxed one-hot vectors (event shape [K]).
 * @example new distributions.ExpRelaxedCategorical(0.5, { logits: tensor([0, 1, 2]) }).rsample().exp().sum() // 1
 */
export class ExpRelaxedCategorical extends Distribution {
  static override readonly argConstraints = { probs: constraints.simplex, logits: constraints.realVector };
  override get hasRsample(): boolean {
    return true;
  }
  temperature: Tensor;
  /** @internal */
  _categorical: Categorical;
  constructor(...args: CtorArgs<typeof EXP_RELAXED>) {
    const [temperature, probs, logits, validateArgs] = expRelaxedArgs.bind(args);
    probsOrLogits("ExpRelaxedCategorical", probs, logits);
    const cat = named("ExpRelaxedCategorical", () => new Categorical({ probs, logits, validateArgs }));
    super(cat.batchShape, [cat.numEvents], validateArgs);
    this._categorical = cat;
    this.temperature = temperatureTensor("ExpRelaxedCategorical", temperature, cat.logits);
  }
  get probs(): Tensor {
    return this._categorical.probs;
  }
  get logits(): Tensor {
    return this._categorical.logits;
  }
  protected override params(): Record<string, Tensor | null> {
    return { temperature: this.temperature, ...(this._categorical as unknown as { params(): Record<string, Tensor | null> }).params() };
  }
  protected override afterExpand(): void {
    this._categorical = this._categorical.expand(this.batchShape);
  }
  override get support(): constraints.Constraint {
    return constraints.realVector;
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("ExpRelaxedCategorical.rsample", "sampleShape", sampleShape));
    const logits = this.logits;
    const u = clampProbs(rand(shape, { dtype: logits.dtype, device: logits.device }));
    const gumbels = u.log().neg().log().neg();
    const scores = logits.add(gumbels).div(this.temperature);
    return scores.sub(scores.logsumexp(-1, true));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("ExpRelaxedCategorical.logProb", () => {
      const K = this._categorical.numEvents;
      const t = this.temperature;
      const logScale = t.log().mul(K - 1).add(lgammaInt(K));
      let score = this.logits.sub(v.mul(t));
      score = score.sub(score.logsumexp(-1, true)).sum(-1);
      return score.add(logScale);
    });
  }
}

/** lgamma(K) for a positive integer K: log((K-1)!). */
function lgammaInt(k: number): number {
  let s = 0;
  for (let i = 2; i < k; i++) s += Math.log(i);
  return s;
}

/**
 * Relaxed one-hot vectors on the simplex (the Gumbel-softmax), reparameterized.
 * @example const y = new distributions.RelaxedOneHotCategorical(0.5, { logits }).rsample() // sums to 1, differentiable in logits
 */
export class RelaxedOneHotCategorical extends RelaxedTransformed {
  static override readonly argConstraints = { probs: constraints.simplex, logits: constraints.realVector };
  constructor(...args: CtorArgs<typeof RELAXED_ONE_HOT>) {
    const [temperature, probs, logits, validateArgs] = relaxedOneHotArgs.bind(args);
    probsOrLogits("RelaxedOneHotCategorical", probs, logits);
    // (the base's errors are named by ExpRelaxedCategorical already, which named() keeps: say
    // which distribution the user built in front of that)
    let base: ExpRelaxedCategorical;
    try {
      base = new ExpRelaxedCategorical(temperature, { probs, logits, validateArgs });
    } catch (e) {
      if (e instanceof FluxionError && !/(^|\W)RelaxedOneHotCategorical(\W|$)/.test(e.message)) e.message = `RelaxedOneHotCategorical: ${e.message}`;
      throw e;
    }
    super(base, [new ExpTransform()], validateArgs);
  }
  override get support(): constraints.Constraint {
    return constraints.simplex;
  }
}

/**
 * LogitRelaxedBernoulli and RelaxedBernoulli (torch.distributions.relaxed_bernoulli): the
 * Concrete / Gumbel-softmax relaxation of a Bernoulli (Maddison et al. 2017, Jang et al. 2017)
 * at a given temperature. LogitRelaxedBernoulli lives on the logits (the reals);
 * RelaxedBernoulli is its sigmoid, on (0, 1), with reparameterized samples that approach
 * Bernoulli draws as the temperature goes to 0.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand, tensor } from "../functional.js";
import { BinaryProbsDistribution } from "./probs_logits.js";
import * as constraints from "./constraints.js";
import { RelaxedTransformed } from "./relaxed.js";
import { SigmoidTransform } from "./transforms.js";
import { broadcastAll, clampProbs, named, probsOrLogits, shapeArg, type Param } from "./utils.js";

const LOGIT_RELAXED = "LogitRelaxedBernoulli(Tensor|float temperature, Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const RELAXED = "RelaxedBernoulli(Tensor|float temperature, Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const logitRelaxedArgs = declareArgs(LOGIT_RELAXED, "distributions");
const relaxedArgs = declareArgs(RELAXED, "distributions");

/** The temperature as a tensor in the parameter's dtype and device. */
export function temperatureTensor(dist: string, t: Param, like: Tensor): Tensor {
  if (t instanceof Tensor) return broadcastAll(dist, ["temperature"], [t])[0]!;
  return tensor(t, { dtype: like.dtype, device: like.device });
}

/**
 * The logit of a RelaxedBernoulli sample: (logit(u) + logits) / temperature, u uniform.
 * @example new distributions.LogitRelaxedBernoulli(0.5, { probs: tensor([0.3]) }).rsample()
 */
export class LogitRelaxedBernoulli extends BinaryProbsDistribution {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  override get hasRsample(): boolean {
    return true;
  }
  temperature: Tensor;
  constructor(...args: CtorArgs<typeof LOGIT_RELAXED>) {
    const [temperature, probs, logits, validateArgs] = logitRelaxedArgs.bind(args);
    probsOrLogits("LogitRelaxedBernoulli", probs, logits);
    const [p] = broadcastAll("LogitRelaxedBernoulli", [probs != null ? "probs" : "logits"], [(probs ?? logits)!]);
    super(p!.shape, [], validateArgs);
    this.temperature = temperatureTensor("LogitRelaxedBernoulli", temperature, p!);
    this.setProbsOrLogits(probs != null, p!);
    this.validateParams();
  }
  protected override params(): Record<string, Tensor | null> {
    return { temperature: this.temperature, ...super.params() };
  }
  override get support(): constraints.Constraint {
    return constraints.real;
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("LogitRelaxedBernoulli.rsample", "sampleShape", sampleShape));
    const probs = clampProbs(this.probs.expand(shape));
    const u = clampProbs(rand(shape, { dtype: probs.dtype, device: probs.device }));
    return u.log().sub(u.neg().log1p()).add(probs.log()).sub(probs.neg().log1p()).div(this.temperature);
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("LogitRelaxedBernoulli.logProb", () => {
      const diff = this.logits.sub(v.mul(this.temperature));
      return this.temperature.log().add(diff).sub(diff.exp().log1p().mul(2));
    });
  }
}

/**
 * sigmoid of a LogitRelaxedBernoulli: values in (0, 1), reparameterized.
 * @example const z = new distributions.RelaxedBernoulli(0.1, { logits }).rsample() // near 0 or 1, differentiable in logits
 */
export class RelaxedBernoulli extends RelaxedTransformed {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  constructor(...args: CtorArgs<typeof RELAXED>) {
    const [temperature, probs, logits, validateArgs] = relaxedArgs.bind(args);
    const base = named("RelaxedBernoulli", () => new LogitRelaxedBernoulli(temperature, { probs, logits, validateArgs }));
    super(base, [new SigmoidTransform()], validateArgs);
  }
  override get support(): constraints.Constraint {
    return constraints.unitInterval;
  }
}

/** Bernoulli(probs | logits) (torch.distributions.Bernoulli): samples are 0./1. in the parameter's dtype. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { arange, bernoulli } from "../functional.js";
import { BinaryProbsDistribution } from "./probs_logits.js";
import * as constraints from "./constraints.js";
import { bceWithLogits, broadcastAll, named, probsOrLogits, shapeArg } from "./utils.js";

const BERNOULLI = "Bernoulli(Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const bernoulliArgs = declareArgs(BERNOULLI, "distributions");

/**
 * 1 with probability `probs` (or sigmoid(`logits`)), else 0.
 * @example const d = new distributions.Bernoulli({ logits }); const a = d.sample(); d.logProb(a)
 */
export class Bernoulli extends BinaryProbsDistribution {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  constructor(...args: CtorArgs<typeof BERNOULLI>) {
    const [probs, logits, validateArgs] = bernoulliArgs.bind(args);
    probsOrLogits("Bernoulli", probs, logits);
    const [p] = broadcastAll("Bernoulli", [probs != null ? "probs" : "logits"], [(probs ?? logits)!]);
    super(p!.shape, [], validateArgs);
    this.setProbsOrLogits(probs != null, p!);
    this.validateParams();
  }
  override get support(): constraints.Constraint {
    return constraints.boolean;
  }
  override get mean(): Tensor {
    return this.probs;
  }
  override get mode(): Tensor {
    const p = this.probs;
    // 0.5 has two modes: NaN, as PyTorch
    return p.ge(0.5).to(p.dtype).maskedFill(p.eq(0.5), NaN);
  }
  override get variance(): Tensor {
    return this.probs.mul(this.probs.neg().add(1));
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Bernoulli.sample", "sampleShape", sampleShape));
    return bernoulli(this.probs.detach().expand(shape));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Bernoulli.logProb", () => bceWithLogits(this.logits, v).neg());
  }
  override entropy(): Tensor {
    return bceWithLogits(this.logits, this.probs);
  }
  override enumerateSupport(expand = true): Tensor {
    const p = this._probs ?? this._logits!;
    const values = arange(2, { dtype: p.dtype, device: p.device }).reshape([-1, ...this.batchShape.map(() => 1)]);
    return expand ? values.expand([-1, ...this.batchShape]) : values;
  }
}

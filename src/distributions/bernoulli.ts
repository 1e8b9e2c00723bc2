/** Bernoulli(probs | logits) (torch.distributions.Bernoulli): samples are 0./1. in the parameter's dtype. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { arange, bernoulli } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { bceWithLogits, broadcastAll, logitsToProbs, named, probsOrLogits, probsToLogits, shapeArg } from "./utils.js";

const BERNOULLI = "Bernoulli(Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const bernoulliArgs = declareArgs(BERNOULLI, "distributions");

/**
 * 1 with probability `probs` (or sigmoid(`logits`)), else 0.
 * @example const d = new distributions.Bernoulli({ logits }); const a = d.sample(); d.logProb(a)
 */
export class Bernoulli extends Distribution {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  override get hasEnumerateSupport(): boolean {
    return true;
  }
  private _probs: Tensor | null = null;
  private _logits: Tensor | null = null;
  constructor(...args: CtorArgs<typeof BERNOULLI>) {
    const [probs, logits, validateArgs] = bernoulliArgs.bind(args);
    probsOrLogits("Bernoulli", probs, logits);
    const [p] = broadcastAll("Bernoulli", [probs != null ? "probs" : "logits"], [(probs ?? logits)!]);
    super(p!.shape, [], validateArgs);
    if (probs != null) this._probs = p!;
    else this._logits = p!;
    this.validateParams();
  }
  get probs(): Tensor {
    return (this._probs ??= logitsToProbs(this._logits!, true));
  }
  get logits(): Tensor {
    return (this._logits ??= probsToLogits(this._probs!, true));
  }
  protected override params(): Record<string, Tensor | null> {
    return { probs: this._probs, logits: this._logits };
  }
  protected override expandFields(): [string, number][] {
    return [["_probs", 0], ["_logits", 0]];
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

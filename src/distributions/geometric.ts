/** Geometric(probs | logits) (torch.distributions.Geometric): failures before the first success. */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { rand, where } from "../functional.js";
import { BinaryProbsDistribution } from "./probs_logits.js";
import * as constraints from "./constraints.js";
import { bceWithLogits, broadcastAll, finfo, named, probsOrLogits, requireAll, shapeArg } from "./utils.js";
import { fmtShape } from "../errors.js";

const GEOMETRIC = "Geometric(Tensor|float? probs=null, Tensor|float? logits=null, bool? validateArgs=null)";
const geometricArgs = declareArgs(GEOMETRIC, "distributions");

/**
 * P(k) = (1 - p)^k p for k = 0, 1, 2, ... (samples are floats, as PyTorch's).
 * @example new distributions.Geometric(0.25).mean // 3
 */
export class Geometric extends BinaryProbsDistribution {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  constructor(...args: CtorArgs<typeof GEOMETRIC>) {
    const [probs, logits, validateArgs] = geometricArgs.bind(args);
    probsOrLogits("Geometric", probs, logits);
    const [p] = broadcastAll("Geometric", [probs != null ? "probs" : "logits"], [(probs ?? logits)!]);
    super(p!.shape, [], validateArgs);
    this.setProbsOrLogits(probs != null, p!);
    this.validateParams();
    // beyond unit_interval: p = 0 never succeeds (PyTorch's extra check)
    if (this._validateArgs && probs != null) {
      requireAll(p!.gt(0), (withValues) => `Geometric: expected parameter probs (Tensor of shape ${fmtShape(p!.shape)}) of distribution ${this.toString()} to be positive${withValues ? ` but found invalid values:\n${p!.toString()}` : ""}`, "Geometric validateArgs");
    }
  }
  override get support(): constraints.Constraint {
    return constraints.nonnegativeInteger;
  }
  override get mean(): Tensor {
    return this.probs.reciprocal().sub(1);
  }
  override get mode(): Tensor {
    return this.probs.mul(0);
  }
  override get variance(): Tensor {
    return this.probs.reciprocal().sub(1).div(this.probs);
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("Geometric.sample", "sampleShape", sampleShape));
    const p = this.probs.detach();
    const u = rand(shape, { dtype: p.dtype, device: p.device }).clampMin(finfo(p.dtype).tiny);
    return u.log().div(p.neg().log1p()).floor();
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Geometric.logProb", () => {
      const p = this.probs;
      // p = 1 and k = 0: 0 * log(0) is 0, not NaN (PyTorch zeroes those probs in the first term)
      const q = where(p.eq(1).logicalAnd(v.eq(0)), p.mul(0), p);
      return v.mul(q.neg().log1p()).add(p.log());
    });
  }
  override entropy(): Tensor {
    return bceWithLogits(this.logits, this.probs).div(this.probs);
  }
}

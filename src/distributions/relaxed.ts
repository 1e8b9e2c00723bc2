/**
 * What RelaxedBernoulli and RelaxedOneHotCategorical share: a TransformedDistribution of a
 * relaxed base (LogitRelaxedBernoulli, ExpRelaxedCategorical) that always has rsample and
 * reads temperature, probs and logits (and its parameters) from that base.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Distribution } from "./distribution.js";
import { TransformedDistribution } from "./transformed_distribution.js";

type RelaxedBase = Distribution & { readonly temperature: Tensor; readonly probs: Tensor; readonly logits: Tensor };

export abstract class RelaxedTransformed extends TransformedDistribution {
  override get hasRsample(): boolean {
    return true;
  }
  private get base(): RelaxedBase {
    return this.baseDist as RelaxedBase;
  }
  get temperature(): Tensor {
    return this.base.temperature;
  }
  get probs(): Tensor {
    return this.base.probs;
  }
  get logits(): Tensor {
    return this.base.logits;
  }
  protected override params(): Record<string, Tensor | null> {
    return (this.base as unknown as { params(): Record<string, Tensor | null> }).params();
  }
}

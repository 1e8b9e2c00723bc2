/**
 * OneHotCategoricalStraightThrough (torch.distributions.OneHotCategoricalStraightThrough): a
 * OneHotCategorical whose rsample passes gradients straight through to the probabilities
 * (Bengio et al. 2013): the value is the one-hot draw, the gradient that of probs.
 */
import { Tensor } from "../tensor/tensor.js";
import { OneHotCategorical } from "./one_hot_categorical.js";

/**
 * @example const a = new distributions.OneHotCategoricalStraightThrough({ logits }).rsample(); // one-hot, d a / d logits = d probs / d logits
 */
export class OneHotCategoricalStraightThrough extends OneHotCategorical {
  override get hasRsample(): boolean {
    return true;
  }
  protected override get distName(): string {
    return "OneHotCategoricalStraightThrough";
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const samples = this.sample(sampleShape);
    const probs = this._categorical.probs;
    return samples.add(probs.sub(probs.detach()));
  }
}

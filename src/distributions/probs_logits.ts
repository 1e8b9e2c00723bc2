/**
 * The state Bernoulli, Geometric and Binomial share: one success probability given as `probs`
 * or as `logits` (PyTorch's probs_to_logits / logits_to_probs with is_binary), the other derived
 * on first read and cached, both carried by expand() and shown by the parameter listing.
 */
import type { Tensor } from "../tensor/tensor.js";
import { Distribution } from "./distribution.js";
import { logitsToProbs, probsToLogits } from "./utils.js";

export abstract class BinaryProbsDistribution extends Distribution {
  protected _probs: Tensor | null = null;
  protected _logits: Tensor | null = null;
  /** Keeps the given parameter (broadcast already): probs when `probsGiven`, else logits. */
  protected setProbsOrLogits(probsGiven: boolean, p: Tensor): void {
    if (probsGiven) this._probs = p;
    else this._logits = p;
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
}

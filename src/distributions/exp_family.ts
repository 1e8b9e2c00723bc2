/**
 * ExponentialFamily (torch.distributions.ExponentialFamily): the base class of distributions
 * whose density is exp(<θ, t(x)> - F(θ) + k(x)). A subclass gives its natural parameters θ,
 * the log-normalizer F and the mean carrier measure E[k(x)]; entropy() (and klDivergence
 * between two members of the same family) then follow from the Bregman divergence of F, with
 * F's gradient taken by autograd as PyTorch's.
 */
import type { Tensor } from "../tensor/tensor.js";
import { enableGrad } from "../autograd/grad_mode.js";
import { grad } from "../autograd/backward.js";
import { Distribution } from "./distribution.js";

/**
 * Extend it as PyTorch's: override `naturalParams`, `logNormalizer(...θ)` and `meanCarrierMeasure`.
 * @example class MyExp extends distributions.ExponentialFamily { get naturalParams() { return [this.rate.neg()]; } logNormalizer(t) { return t.neg().log().neg(); } get meanCarrierMeasure() { return 0; } }
 */
export abstract class ExponentialFamily extends Distribution {
  /** The natural parameters θ (PyTorch's _natural_params). */
  get naturalParams(): Tensor[] {
    return this.notDefined("naturalParams");
  }
  /** The log-normalizer F(θ) (PyTorch's _log_normalizer), a function of tensors so autograd can differentiate it. */
  logNormalizer(..._naturalParams: Tensor[]): Tensor {
    return this.notDefined("logNormalizer");
  }
  /** E[k(x)], the expected carrier measure (PyTorch's _mean_carrier_measure). */
  get meanCarrierMeasure(): Tensor | number {
    return this.notDefined("meanCarrierMeasure");
  }
  /**
   * H = F(θ) - <θ, ∇F(θ)> - E[k(x)], ∇F by autograd at detached θ (so, as PyTorch's, the
   * result carries no gradient to the parameters).
   */
  override entropy(): Tensor {
    return enableGrad(() => {
      const nparams = this.naturalParams.map((p) => p.detach().requiresGrad_(true));
      const lgNormal = this.logNormalizer(...nparams);
      const gradients = grad(lgNormal.sum(), nparams, { createGraph: true });
      let result = lgNormal.sub(this.meanCarrierMeasure);
      nparams.forEach((np, i) => {
        result = result.sub(np.mul(gradients[i]!).reshape([...this.batchShape, -1]).sum(-1));
      });
      return result;
    });
  }
}

/**
 * NAdam: Adam with Nesterov momentum (Dozat), PyTorch 1.13's `_single_tensor_nadam`, op for
 * op, with the momentum schedule μₜ = β₁(1 − ½·0.96^(t·momentumDecay)) and L2 weight decay.
 * (PyTorch 1.13's NAdam has no maximize option.)
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { validateAdamGroup } from "./adam.js";
import { Optimizer, checkOption, freeTemporary, type ParamGroup } from "./optimizer.js";

const NADAM_ARGS = "NAdam(Any params, float lr=2e-3, float[2] betas=[0.9, 0.999], float eps=1e-8, float weightDecay=0, float momentumDecay=4e-3, bool? foreach=null)";
const nadamArgs = declareArgs(NADAM_ARGS, "optim");

export interface NAdamOptions {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** ψ of the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)) (default 4e-3). */
  momentumDecay: number;
}

/**
 * NAdam (torch.optim.NAdam). State per parameter: step, muProduct (the product of the
 * μ's so far), expAvg and expAvgSq.
 *
 * @example
 * const opt = new optim.NAdam(model.parameters(), { lr: 2e-3, momentumDecay: 4e-3 });
 * loss.backward();
 * opt.step();
 */
export class NAdam extends Optimizer<NAdamOptions> {
  constructor(...args: CtorArgs<typeof NADAM_ARGS>) {
    const [params, lr, betas, eps, weightDecay, momentumDecay] = nadamArgs.bind(args);
    super(params, { lr, betas: betas as [number, number], eps, weightDecay, momentumDecay }, "NAdam", nadamArgs.sig);
  }

  protected validateGroup(g: ParamGroup<NAdamOptions>, where: string): void {
    validateAdamGroup("NAdam", g, where);
    checkOption("NAdam", g.momentumDecay >= 0, "momentumDecay value", g.momentumDecay, where, "momentumDecay >= 0");
  }

  protected override isScalarState(key: string): boolean {
    return key === "step" || key === "muProduct";
  }

  protected updateGroup(group: ParamGroup<NAdamOptions>): void {
    const { lr, eps, weightDecay, momentumDecay } = group;
    const [beta1, beta2] = group.betas;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.muProduct = 1;
        state.expAvg = zerosLike(param);
        state.expAvgSq = zerosLike(param);
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
      const biasCorrection2 = 1 - beta2 ** step;

      const grad = weightDecay !== 0 ? param.grad.add(param, { alpha: weightDecay }) : param.grad;
      const mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentumDecay));
      const muNext = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
      // PyTorch keeps mu_product in a float32 0-d tensor (whatever the parameters' dtype), so
      // its products are float32 ones: rounding them here gives the same step sizes
      const muProduct = Math.fround((state.muProduct as number) * Math.fround(mu));
      state.muProduct = muProduct;
      const muProductNext = Math.fround(Math.fround(muProduct * Math.fround(mu)) * Math.fround(muNext));

      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
      const denom = expAvgSq.div(biasCorrection2).sqrt_().add_(eps);
      param.addcdiv_(grad, denom, { value: (-lr * (1.0 - mu)) / (1.0 - muProduct) });
      param.addcdiv_(expAvg, denom, { value: (-lr * muNext) / (1.0 - muProductNext) });
      freeTemporary(denom);
      if (grad !== param.grad) freeTemporary(grad);
    }
  }
}

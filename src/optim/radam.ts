/**
 * RAdam: Adam with the variance of its adaptive learning rate rectified (Liu et al.),
 * PyTorch 1.13's `_single_tensor_radam`, op for op, with L2 weight decay. While the
 * approximated SMA length ρₜ is at most 5 the step is plain momentum SGD.
 * (PyTorch 1.13's RAdam has no maximize option.)
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { validateAdamGroup } from "./adam.js";
import { Optimizer, freeTemporary, type ParamGroup } from "./optimizer.js";

const RADAM_ARGS = "RAdam(Any params, float lr=1e-3, float[2] betas=[0.9, 0.999], float eps=1e-8, float weightDecay=0, bool? foreach=null)";
const radamArgs = declareArgs(RADAM_ARGS, "optim");

export interface RAdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
}

/**
 * RAdam (torch.optim.RAdam). State per parameter: step, expAvg and expAvgSq.
 *
 * @example
 * const opt = new optim.RAdam(model.parameters(), { lr: 1e-3 });
 * loss.backward();
 * opt.step();
 */
export class RAdam extends Optimizer<RAdamOptions> {
  constructor(...args: CtorArgs<typeof RADAM_ARGS>) {
    const [params, lr, betas, eps, weightDecay] = radamArgs.bind(args);
    super(params, { lr, betas: betas as [number, number], eps, weightDecay }, "RAdam", radamArgs.sig);
  }

  protected validateGroup(g: ParamGroup<RAdamOptions>, where: string): void {
    validateAdamGroup("RAdam", g, where);
  }

  protected updateGroup(group: ParamGroup<RAdamOptions>): void {
    const { lr, eps, weightDecay } = group;
    const [beta1, beta2] = group.betas;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = zerosLike(param);
        state.expAvgSq = zerosLike(param);
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2 = 1 - beta2 ** step;

      const grad = weightDecay !== 0 ? param.grad.add(param, { alpha: weightDecay }) : param.grad;
      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });
      const corrected = expAvg.div(biasCorrection1);
      const rhoInf = 2 / (1 - beta2) - 1;
      const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
      let update: Tensor;
      if (rhoT > 5.0) {
        const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        // PyTorch's sqrt(bc2) / denom is Tensor.__rtruediv__: reciprocal, then the product
        const denom = expAvgSq.sqrt().add_(eps);
        const adaptiveLr = denom.reciprocal().mul_(Math.sqrt(biasCorrection2));
        update = corrected.mul(lr).mul_(adaptiveLr).mul_(rect);
        freeTemporary(denom);
        freeTemporary(adaptiveLr);
      } else {
        update = corrected.mul(lr);
      }
      param.sub_(update);
      freeTemporary(update);
      freeTemporary(corrected);
      if (grad !== param.grad) freeTemporary(grad);
    }
  }
}

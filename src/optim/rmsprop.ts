/**
 * RMSprop: PyTorch 1.13's `_single_tensor_rmsprop`, op for op, with momentum, the centered
 * variant (normalize by an estimate of the variance) and maximize.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, refuseUnsupported, type ParamGroup } from "./optimizer.js";

// every parameter is positional in PyTorch 1.13's RMSprop, foreach and maximize included
const RMSPROP_ARGS = "RMSprop(Any params, float lr=1e-2, float alpha=0.99, float eps=1e-8, float weightDecay=0, float momentum=0, bool centered=false, bool? foreach=null, bool maximize=false, bool differentiable=false)";
const rmspropArgs = declareArgs(RMSPROP_ARGS, "optim");

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the centered second moment (the variance estimate) (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * RMSprop (torch.optim.RMSprop). State per parameter: step, squareAvg, and momentumBuffer
 * (momentum > 0) and gradAvg (centered).
 *
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 0.01, momentum: 0.9, centered: true });
 * loss.backward();
 * opt.step();
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(...args: CtorArgs<typeof RMSPROP_ARGS>) {
    const [params, lr, alpha, eps, weightDecay, momentum, centered, , maximize, differentiable] = rmspropArgs.bind(args);
    refuseUnsupported("RMSprop", { differentiable });
    super(params, { lr, alpha, eps, weightDecay, momentum, centered, maximize }, "RMSprop", rmspropArgs.sig);
  }

  protected validateGroup(g: ParamGroup<RMSpropOptions>, where: string): void {
    checkOption("RMSprop", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    checkOption("RMSprop", g.eps >= 0, "epsilon value", g.eps, where, "eps >= 0");
    checkOption("RMSprop", g.momentum >= 0, "momentum value", g.momentum, where, "momentum >= 0");
    checkOption("RMSprop", g.weightDecay >= 0, "weightDecay value", g.weightDecay, where, "weightDecay >= 0");
    checkOption("RMSprop", g.alpha >= 0, "alpha value", g.alpha, where, "alpha >= 0");
  }

  protected updateGroup(group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.squareAvg = zerosLike(param);
      }
      if (momentum > 0 && state.momentumBuffer === undefined) state.momentumBuffer = zerosLike(param);
      if (centered && state.gradAvg === undefined) state.gradAvg = zerosLike(param);
      state.step = (state.step as number) + 1;

      let grad = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
      const squareAvg = state.squareAvg as Tensor;
      squareAvg.mul_(alpha).addcmul_(grad, grad, { value: 1 - alpha });

      let avg: Tensor;
      if (centered) {
        const gradAvg = state.gradAvg as Tensor;
        gradAvg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
        avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt_(); // squareAvg.addcmul(gradAvg, gradAvg, value=-1)
      } else {
        avg = squareAvg.sqrt();
      }
      avg = avg.add_(eps);

      if (momentum > 0) {
        const buf = state.momentumBuffer as Tensor;
        buf.mul_(momentum).addcdiv_(grad, avg);
        param.add_(buf, { alpha: -lr });
      } else {
        param.addcdiv_(grad, avg, { value: -lr });
      }
    }
  }
}

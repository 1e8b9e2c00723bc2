/**
 * RMSprop: PyTorch 1.13's `_single_tensor_rmsprop`, op for op, with momentum, the centered
 * variant (normalize by an estimate of the variance) and maximize.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { Optimizer, checkOption, withDefaults, type ParamGroup, type Params } from "./optimizer.js";

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
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const defaults = withDefaults<RMSpropOptions>("RMSprop", { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, options);
    super(params, defaults, "RMSprop");
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

/**
 * Adadelta: PyTorch 1.13's `_single_tensor_adadelta`, op for op: a running average of
 * squared gradients and one of squared updates, whose ratio sets each element's step
 * (lr only scales the result), with L2 weight decay and maximize.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, freeTemporary, type ParamGroup } from "./optimizer.js";

// foreach is positional and maximize keyword-only in PyTorch 1.13's Adadelta
const ADADELTA_ARGS = "Adadelta(Any params, float lr=1.0, float rho=0.9, float eps=1e-6, float weightDecay=0, bool? foreach=null, *, bool maximize=false)";
const adadeltaArgs = declareArgs(ADADELTA_ARGS, "optim");

export interface AdadeltaOptions {
  /** Scales the computed update before it is applied (default 1.0). */
  lr: number;
  /** Decay rate of both running averages (default 0.9). */
  rho: number;
  /** Added inside both square roots for numerical stability (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adadelta (torch.optim.Adadelta). Each step does
 * v ← ρv + (1−ρ)g²; Δ ← √(u + ε)/√(v + ε)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − lr·Δ.
 * State per parameter: step, squareAvg (v) and accDelta (u).
 *
 * @example
 * const opt = new optim.Adadelta(model.parameters(), { lr: 1.0, rho: 0.9 });
 * loss.backward();
 * opt.step();
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(...args: CtorArgs<typeof ADADELTA_ARGS>) {
    const [params, lr, rho, eps, weightDecay, , { maximize }] = adadeltaArgs.bind(args);
    super(params, { lr, rho, eps, weightDecay, maximize }, "Adadelta", adadeltaArgs.sig);
  }

  protected validateGroup(g: ParamGroup<AdadeltaOptions>, where: string): void {
    checkOption("Adadelta", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    checkOption("Adadelta", g.rho >= 0 && g.rho <= 1, "rho value", g.rho, where, "0 <= rho <= 1");
    checkOption("Adadelta", g.eps >= 0, "epsilon value", g.eps, where, "eps >= 0");
    checkOption("Adadelta", g.weightDecay >= 0, "weightDecay value", g.weightDecay, where, "weightDecay >= 0");
  }

  protected updateGroup(group: ParamGroup<AdadeltaOptions>): void {
    const { lr, rho, eps, weightDecay, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.squareAvg = zerosLike(param);
        state.accDelta = zerosLike(param);
      }
      state.step = (state.step as number) + 1;
      const squareAvg = state.squareAvg as Tensor, accDelta = state.accDelta as Tensor;

      let grad = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
      squareAvg.mul_(rho).addcmul_(grad, grad, { value: 1 - rho });
      const std = squareAvg.add(eps).sqrt_();
      const delta = accDelta.add(eps).sqrt_().div_(std).mul_(grad);
      accDelta.mul_(rho).addcmul_(delta, delta, { value: 1 - rho });
      param.add_(delta, { alpha: -lr });
      for (const t of [std, delta, ...(grad !== param.grad ? [grad] : [])]) freeTemporary(t);
    }
  }
}

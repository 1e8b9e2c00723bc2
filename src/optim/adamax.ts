/**
 * Adamax: Adam with the infinity norm in place of the second moment, PyTorch 1.13's
 * `_single_tensor_adamax`, op for op, with L2 weight decay and maximize.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { validateAdamGroup } from "./adam.js";
import { Optimizer, freeTemporary, type ParamGroup } from "./optimizer.js";

// foreach is positional and maximize keyword-only in PyTorch 1.13's Adamax
const ADAMAX_ARGS = "Adamax(Any params, float lr=2e-3, float[2] betas=[0.9, 0.999], float eps=1e-8, float weightDecay=0, bool? foreach=null, *, bool maximize=false)";
const adamaxArgs = declareArgs(ADAMAX_ARGS, "optim");

export interface AdamaxOptions {
  /** Learning rate (default 2e-3). */
  lr: number;
  /** Decay rates of the gradient's running average and of the infinity norm (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to |g| before the norm is taken, for numerical stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adamax (torch.optim.Adamax). Each step does m ← β₁m + (1−β₁)g; u ← max(β₂u, |g| + ε);
 * θ ← θ − lr/(1 − β₁ᵗ)·m/u. State per parameter: step, expAvg (m) and expInf (u).
 *
 * @example
 * const opt = new optim.Adamax(model.parameters(), { lr: 2e-3 });
 * loss.backward();
 * opt.step();
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  constructor(...args: CtorArgs<typeof ADAMAX_ARGS>) {
    const [params, lr, betas, eps, weightDecay, , { maximize }] = adamaxArgs.bind(args);
    super(params, { lr, betas: betas as [number, number], eps, weightDecay, maximize }, "Adamax", adamaxArgs.sig);
  }

  protected validateGroup(g: ParamGroup<AdamaxOptions>, where: string): void {
    validateAdamGroup("Adamax", g, where);
  }

  protected updateGroup(group: ParamGroup<AdamaxOptions>): void {
    const { lr, eps, weightDecay, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = zerosLike(param);
        state.expInf = zerosLike(param);
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const expAvg = state.expAvg as Tensor, expInf = state.expInf as Tensor;

      let grad = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
      expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
      // PyTorch's amax over cat([β₂u, |g| + ε]): the elementwise maximum, NaN kept
      const normBuf = grad.abs().add_(eps);
      const larger = expInf.mul_(beta2).maximum(normBuf);
      expInf.copy_(larger);
      const clr = lr / (1 - beta1 ** step);
      param.addcdiv_(expAvg, expInf, { value: -clr });
      for (const t of [normBuf, larger, ...(grad !== param.grad ? [grad] : [])]) freeTemporary(t);
    }
  }
}

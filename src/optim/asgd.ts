/**
 * ASGD: averaged stochastic gradient descent (Polyak & Juditsky), PyTorch 1.13's
 * `_single_tensor_asgd`, op for op: SGD with a decaying step size η and weight shrinkage
 * λη, plus a running average `ax` of the iterates that starts after t0 steps.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, freeTemporary, type ParamGroup } from "./optimizer.js";

// every parameter is positional in PyTorch 1.13's ASGD, foreach and maximize included
const ASGD_ARGS = "ASGD(Any params, float lr=1e-2, float lambd=1e-4, float alpha=0.75, float t0=1e6, float weightDecay=0, bool? foreach=null, bool maximize=false)";
const asgdArgs = declareArgs(ASGD_ARGS, "optim");

export interface ASGDOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Decay term λ (default 1e-4). */
  lambd: number;
  /** Power of the step-size decay η = lr / (1 + λ·lr·t)^α (default 0.75). */
  alpha: number;
  /** The step at which averaging starts (default 1e6). */
  t0: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * ASGD (torch.optim.ASGD). Each step does θ ← θ(1 − λη) − η·g; ax ← θ (before t0) or
 * ax + μ(θ − ax); then η ← lr/(1 + λ·lr·t)^α and μ ← 1/max(1, t − t0). State per
 * parameter: step, eta, mu and ax (the averaged parameters).
 *
 * @example
 * const opt = new optim.ASGD(model.parameters(), { lr: 0.01, t0: 100 });
 * loss.backward();
 * opt.step();
 */
export class ASGD extends Optimizer<ASGDOptions> {
  constructor(...args: CtorArgs<typeof ASGD_ARGS>) {
    const [params, lr, lambd, alpha, t0, weightDecay, , maximize] = asgdArgs.bind(args);
    super(params, { lr, lambd, alpha, t0, weightDecay, maximize }, "ASGD", asgdArgs.sig);
  }

  protected validateGroup(g: ParamGroup<ASGDOptions>, where: string): void {
    checkOption("ASGD", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    checkOption("ASGD", g.weightDecay >= 0, "weightDecay value", g.weightDecay, where, "weightDecay >= 0");
  }

  protected override isScalarState(key: string): boolean {
    return key === "step" || key === "eta" || key === "mu";
  }

  protected updateGroup(group: ParamGroup<ASGDOptions>): void {
    const { lr, lambd, alpha, t0, weightDecay, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      // PyTorch keeps eta and mu in float32 0-d tensors (whatever the parameters' dtype):
      // they are rounded to float32 here so the same values reach the update
      if (state.step === undefined) {
        state.step = 0;
        state.eta = Math.fround(lr);
        state.mu = 1;
        state.ax = zerosLike(param);
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const eta = state.eta as number, mu = state.mu as number, ax = state.ax as Tensor;

      let grad = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
      param.mul_(1 - lambd * eta);
      param.add_(grad, { alpha: -eta });
      if (mu !== 1) {
        const diff = param.sub(ax).mul_(mu);
        ax.add_(diff);
        freeTemporary(diff);
      } else {
        ax.copy_(param);
      }
      state.eta = Math.fround(lr / Math.pow(1 + lambd * lr * step, alpha));
      state.mu = Math.fround(1 / Math.max(1, step - t0));
      if (grad !== param.grad) freeTemporary(grad);
    }
  }
}

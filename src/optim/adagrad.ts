/**
 * Adagrad: PyTorch 1.13's `_single_tensor_adagrad` (dense gradients), op for op, with lr
 * decay, L2 weight decay, an initial accumulator value and maximize.
 */
import type { Tensor } from "../tensor/tensor.js";
import { fullLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, type ParamGroup, type ParamState } from "./optimizer.js";

const ADAGRAD_ARGS = "Adagrad(Any params, float lr=1e-2, float lrDecay=0, float weightDecay=0, float initialAccumulatorValue=0, float eps=1e-10, bool? foreach=null, *, bool maximize=false)";
const adagradArgs = declareArgs(ADAGRAD_ARGS, "optim");

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: step t uses lr / (1 + (t − 1)·lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adagrad (torch.optim.Adagrad). State per parameter (created at construction, as in
 * PyTorch): step and sum.
 *
 * @example
 * const opt = new optim.Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 * loss.backward();
 * opt.step();
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(...args: CtorArgs<typeof ADAGRAD_ARGS>) {
    const [params, lr, lrDecay, weightDecay, initialAccumulatorValue, eps, , { maximize }] = adagradArgs.bind(args);
    super(params, { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize }, "Adagrad", adagradArgs.sig);
    for (const g of this.paramGroups) for (const p of g.params) this.initState(p, g);
  }

  private initState(p: Tensor, group: ParamGroup<AdagradOptions>): ParamState {
    const state = this.stateOf(p);
    if (state.step === undefined) {
      state.step = 0;
      state.sum = fullLike(p, group.initialAccumulatorValue);
    }
    return state;
  }

  protected validateGroup(g: ParamGroup<AdagradOptions>, where: string): void {
    checkOption("Adagrad", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    checkOption("Adagrad", g.lrDecay >= 0, "lrDecay value", g.lrDecay, where, "lrDecay >= 0");
    checkOption("Adagrad", g.weightDecay >= 0, "weightDecay value", g.weightDecay, where, "weightDecay >= 0");
    checkOption("Adagrad", g.initialAccumulatorValue >= 0, "initialAccumulatorValue value", g.initialAccumulatorValue, where, "initialAccumulatorValue >= 0");
    checkOption("Adagrad", g.eps >= 0, "epsilon value", g.eps, where, "eps >= 0");
  }

  protected updateGroup(group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      // groups added after construction get their state here
      const state = this.initState(param, group);
      const step = (state.step as number) + 1;
      state.step = step;
      let grad = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sum = state.sum as Tensor;
      sum.addcmul_(grad, grad, { value: 1 });
      const std = sum.sqrt().add_(eps);
      param.addcdiv_(grad, std, { value: -clr });
    }
  }
}

/**
 * SGD with optional momentum (heavy-ball or Nesterov), dampening, L2 weight decay and
 * maximize: PyTorch 1.13's single-tensor `_single_tensor_sgd`, op for op.
 */
import type { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, freeTemporary, refuseUnsupported, type ParamGroup } from "./optimizer.js";
import { fusedSgdUpdate } from "./fused_update.js";

// lr is PyTorch's `required`: null here, and then every parameter group must set it
const SGD_ARGS = "SGD(Any params, float? lr=null, float momentum=0, float dampening=0, float weightDecay=0, bool nesterov=false, *, bool maximize=false, bool? foreach=null, bool differentiable=false)";
const sgdArgs = declareArgs(SGD_ARGS, "optim");

export interface SGDOptions {
  /** Learning rate (required, in the options or in every group). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Stochastic gradient descent (torch.optim.SGD).
 *
 * With momentum μ, dampening τ and weight decay λ, each step does
 * g ← ∇ + λθ; b ← μb + (1−τ)g (b = g on the first step); θ ← θ − lr·(g + μb if nesterov else b).
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), 0.01, 0.9); // or { lr: 0.01, momentum: 0.9 }
 * opt.zeroGrad();
 * criterion.forward(model.forward(x), y).backward();
 * opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(...args: CtorArgs<typeof SGD_ARGS>) {
    const [params, lr, momentum, dampening, weightDecay, nesterov, { maximize, differentiable }] = sgdArgs.bind(args);
    refuseUnsupported("SGD", { differentiable });
    // a null lr stays unset, so addParamGroup reports a group left without one
    const defaults = { lr: (lr ?? undefined) as number, momentum, dampening, weightDecay, nesterov, maximize };
    super(params, defaults, "SGD", sgdArgs.sig);
  }

  protected validateGroup(g: ParamGroup<SGDOptions>, where: string): void {
    checkOption("SGD", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    checkOption("SGD", g.momentum >= 0, "momentum value", g.momentum, where, "momentum >= 0");
    checkOption("SGD", g.weightDecay >= 0, "weightDecay value", g.weightDecay, where, "weightDecay >= 0");
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      checkOption("SGD", false, "nesterov setting", { momentum: g.momentum, dampening: g.dampening }, where, "Nesterov momentum requires a momentum and zero dampening");
    }
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    const temps: Tensor[] = []; // made by this step and used up by it: freed at once
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = momentum !== 0 ? this.stateOf(param) : null;
      const existing = (state?.momentumBuffer as Tensor | undefined) ?? null;
      if ((momentum === 0 || existing !== null) && fusedSgdUpdate(param, param.grad, existing, group)) continue;
      let dP: Tensor = maximize ? param.grad.neg() : param.grad;
      if (maximize) temps.push(dP);
      if (weightDecay !== 0) temps.push((dP = dP.add(param, { alpha: weightDecay })));
      if (state !== null) {
        let buf = state.momentumBuffer as Tensor | undefined;
        if (buf === undefined) {
          buf = dP.detach().clone({ memoryFormat: "contiguousFormat" }); // row-major, as the fused update reads it
          state.momentumBuffer = buf;
        } else {
          buf.mul_(momentum).add_(dP, { alpha: 1 - dampening });
        }
        if (nesterov) temps.push((dP = dP.add(buf, { alpha: momentum })));
        else dP = buf;
      }
      param.add_(dP, { alpha: -lr });
      for (const t of temps) freeTemporary(t);
      temps.length = 0;
    }
  }
}

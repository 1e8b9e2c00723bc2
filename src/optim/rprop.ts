/**
 * Rprop: resilient backpropagation, PyTorch 1.13's `_single_tensor_rprop`, op for op: each
 * element keeps its own step size, grown by etaplus while the gradient's sign holds and
 * shrunk by etaminus when it flips (and that element then skips its update); only the sign
 * of the gradient moves the parameter.
 */
import type { Tensor } from "../tensor/tensor.js";
import { fullLike, zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, freeTemporary, type ParamGroup } from "./optimizer.js";

// every parameter is positional in PyTorch 1.13's Rprop, foreach and maximize included
const RPROP_ARGS = "Rprop(Any params, float lr=1e-2, float[2] etas=[0.5, 1.2], float[2] stepSizes=[1e-6, 50], bool? foreach=null, bool maximize=false)";
const rpropArgs = declareArgs(RPROP_ARGS, "optim");

export interface RpropOptions {
  /** Initial step size of every element (default 1e-2). */
  lr: number;
  /** [etaminus, etaplus]: step-size factors on a sign flip and on a kept sign (default [0.5, 1.2]). */
  etas: [number, number];
  /** [min, max]: bounds of the step sizes (default [1e-6, 50]). */
  stepSizes: [number, number];
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Rprop (torch.optim.Rprop). State per parameter: step, prev (the last gradient used, 0
 * where the sign flipped) and stepSize.
 *
 * @example
 * const opt = new optim.Rprop(model.parameters(), { lr: 0.01, etas: [0.5, 1.2], stepSizes: [1e-6, 50] });
 * loss.backward();
 * opt.step();
 */
export class Rprop extends Optimizer<RpropOptions> {
  constructor(...args: CtorArgs<typeof RPROP_ARGS>) {
    const [params, lr, etas, stepSizes, , maximize] = rpropArgs.bind(args);
    super(params, { lr, etas: etas as [number, number], stepSizes: stepSizes as [number, number], maximize }, "Rprop", rpropArgs.sig);
  }

  protected validateGroup(g: ParamGroup<RpropOptions>, where: string): void {
    checkOption("Rprop", g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
    const [minus, plus] = g.etas;
    checkOption("Rprop", minus > 0 && minus < 1 && plus > 1, "eta values", g.etas, where, "0 < etaminus < 1 < etaplus");
  }

  protected updateGroup(group: ParamGroup<RpropOptions>): void {
    const [etaminus, etaplus] = group.etas;
    const [stepSizeMin, stepSizeMax] = group.stepSizes;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.prev = zerosLike(param);
        state.stepSize = fullLike(param.grad, group.lr);
      }
      state.step = (state.step as number) + 1;
      const prev = state.prev as Tensor, stepSize = state.stepSize as Tensor;

      const g = group.maximize ? param.grad.neg() : param.grad;
      // the sign of g·prev becomes the step-size factor, in place and in PyTorch's order
      const sign = g.mul(prev).sign_();
      sign.maskedFill_(sign.gt(0), etaplus);
      sign.maskedFill_(sign.lt(0), etaminus);
      sign.maskedFill_(sign.eq(0), 1);
      stepSize.mul_(sign).clamp_(stepSizeMin, stepSizeMax);
      // where the sign flipped, this step moves nothing and the next sees a zero gradient
      const grad = g.clone().maskedFill_(sign.eq(etaminus), 0);
      const direction = grad.sign();
      param.addcmul_(direction, stepSize, { value: -1 });
      prev.copy_(grad);
      for (const t of [sign, grad, direction, ...(g !== param.grad ? [g] : [])]) freeTemporary(t);
    }
  }
}

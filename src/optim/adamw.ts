/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch 1.13's
 * `_single_tensor_adamw`. The update is adam.ts's, with the decay applied to the weights.
 */
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, refuseUnsupported, type ParamGroup } from "./optimizer.js";
import { adamUpdate, validateAdamGroup, type AdamOptions } from "./adam.js";

export type AdamWOptions = AdamOptions;

const ADAMW_ARGS = "AdamW(Any params, float lr=1e-3, float[2] betas=[0.9, 0.999], float eps=1e-8, float weightDecay=1e-2, bool amsgrad=false, *, bool maximize=false, bool? foreach=null, bool capturable=false)";
const adamwArgs = declareArgs(ADAMW_ARGS, "optim");

/**
 * AdamW (torch.optim.AdamW): θ ← θ(1 − lr·λ), then the Adam update without an L2 term.
 * Default weightDecay is 1e-2.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * loss.backward();
 * opt.step();
 */
export class AdamW extends Optimizer<AdamWOptions> {
  constructor(...args: CtorArgs<typeof ADAMW_ARGS>) {
    const [params, lr, betas, eps, weightDecay, amsgrad, { maximize, capturable }] = adamwArgs.bind(args);
    refuseUnsupported("AdamW", { capturable });
    super(params, { lr, betas: betas as [number, number], eps, weightDecay, amsgrad, maximize }, "AdamW", adamwArgs.sig);
  }

  protected validateGroup(g: ParamGroup<AdamWOptions>, where: string): void {
    validateAdamGroup("AdamW", g, where);
  }

  protected updateGroup(group: ParamGroup<AdamWOptions>): void {
    for (const p of group.params) if (p.grad !== null) adamUpdate(p, this.stateOf(p), group, true);
  }
}

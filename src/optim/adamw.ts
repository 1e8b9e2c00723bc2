/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch 1.13's
 * `_single_tensor_adamw`. The update is adam.ts's, with the decay applied to the weights.
 */
import { Optimizer, withDefaults, type ParamGroup, type Params } from "./optimizer.js";
import { adamUpdate, validateAdamGroup, type AdamOptions } from "./adam.js";

export type AdamWOptions = AdamOptions;

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
  constructor(params: Params<AdamWOptions>, options: Partial<AdamWOptions> = {}) {
    const defaults = withDefaults<AdamWOptions>("AdamW", { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, options);
    super(params, defaults, "AdamW");
  }

  protected validateGroup(g: ParamGroup<AdamWOptions>, where: string): void {
    validateAdamGroup("AdamW", g, where);
  }

  protected updateGroup(group: ParamGroup<AdamWOptions>): void {
    for (const p of group.params) if (p.grad !== null) adamUpdate(p, this.stateOf(p), group, true);
  }
}

/**
 * Adam (and the shared update that AdamW reuses): PyTorch 1.13's `_single_tensor_adam`,
 * op for op, with amsgrad and maximize. Weight decay is L2 (added to the gradient); AdamW
 * in adamw.ts decays the weights directly instead.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, freeTemporary, refuseUnsupported, type ParamGroup, type ParamState } from "./optimizer.js";
import { fusedAdamUpdate } from "./fused_update.js";

const ADAM_ARGS = "Adam(Any params, float lr=1e-3, float[2] betas=[0.9, 0.999], float eps=1e-8, float weightDecay=0, bool amsgrad=false, *, bool? foreach=null, bool maximize=false, bool capturable=false, bool differentiable=false, bool fused=false)";
const adamArgs = declareArgs(ADAM_ARGS, "optim");

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Weight decay (Adam: L2 penalty, default 0; AdamW: decoupled, default 1e-2). */
  weightDecay: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/** Checks the options of Adam and its kin (AdamW, Adamax, NAdam, RAdam): lr, eps, betas, weight decay, with PyTorch's messages. */
export function validateAdamGroup(name: string, g: ParamGroup<Pick<AdamOptions, "lr" | "eps" | "betas" | "weightDecay">>, where: string): void {
  checkOption(name, g.lr >= 0, "learning rate", g.lr, where, "lr >= 0");
  checkOption(name, g.eps >= 0, "epsilon value", g.eps, where, "eps >= 0");
  checkOption(name, Array.isArray(g.betas) && g.betas.length === 2, "betas", g.betas, where, "a pair [beta1, beta2]");
  checkOption(name, g.betas[0] >= 0 && g.betas[0] < 1, "beta parameter at index 0", g.betas[0], where, "0 <= beta1 < 1");
  checkOption(name, g.betas[1] >= 0 && g.betas[1] < 1, "beta parameter at index 1", g.betas[1], where, "0 <= beta2 < 1");
  checkOption(name, g.weightDecay >= 0, "weightDecay value", g.weightDecay, where, "weightDecay >= 0");
}

/**
 * One Adam step for one parameter. `decoupled` selects AdamW's weight decay
 * (θ ← θ(1 − lr·λ) before the update) over Adam's L2 term (g ← g + λθ).
 */
export function adamUpdate(param: Tensor, state: ParamState, group: ParamGroup<AdamOptions>, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  if (state.step === undefined) {
    state.step = 0;
    state.expAvg = zerosLike(param);
    state.expAvgSq = zerosLike(param);
    if (amsgrad) state.maxExpAvgSq = zerosLike(param);
  }
  const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
  const step = (state.step as number) + 1;
  state.step = step;
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  // a group switched to amsgrad mid-run starts its max from the current average
  if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = zerosLike(param);
  const maxExpAvgSq = amsgrad ? (state.maxExpAvgSq as Tensor) : null;
  const fused = { lr, beta1, beta2, eps, weightDecay, decoupled, maximize, biasCorrection1, biasCorrection2Sqrt: Math.sqrt(biasCorrection2) };
  if (fusedAdamUpdate(param, param.grad!, expAvg, expAvgSq, maxExpAvgSq, fused)) return;

  let grad = maximize ? param.grad!.neg() : param.grad!;
  if (decoupled) param.mul_(1 - lr * weightDecay);
  else if (weightDecay !== 0) grad = grad.add(param, { alpha: weightDecay });

  expAvg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
  expAvgSq.mul_(beta2).addcmul_(grad, grad, { value: 1 - beta2 });

  const stepSize = lr / biasCorrection1;
  const biasCorrection2Sqrt = fused.biasCorrection2Sqrt;
  let avgSq = expAvgSq;
  if (maxExpAvgSq !== null) {
    const larger = maxExpAvgSq.maximum(expAvgSq);
    maxExpAvgSq.copy_(larger);
    freeTemporary(larger);
    avgSq = maxExpAvgSq;
  }
  // PyTorch's (sqrt(v) / c).add_(eps), with the division in place: one temporary, not two
  const denom = avgSq.sqrt().div_(biasCorrection2Sqrt).add_(eps);
  param.addcdiv_(expAvg, denom, { value: -stepSize });
  freeTemporary(denom);
  if (grad !== param.grad) freeTemporary(grad); // maximize's -g, L2's g + λθ
}

/**
 * Adam (torch.optim.Adam): adaptive moment estimation with bias correction; optional
 * AMSGrad and L2 weight decay. State per parameter: step, expAvg, expAvgSq (maxExpAvgSq).
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), 1e-3, [0.9, 0.999]); // or { lr: 1e-3, betas: [0.9, 0.999] }
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(...args: CtorArgs<typeof ADAM_ARGS>) {
    const [params, lr, betas, eps, weightDecay, amsgrad, { maximize, capturable, differentiable, fused }] = adamArgs.bind(args);
    refuseUnsupported("Adam", { capturable, differentiable, fused });
    super(params, { lr, betas: betas as [number, number], eps, weightDecay, amsgrad, maximize }, "Adam", adamArgs.sig);
  }

  protected validateGroup(g: ParamGroup<AdamOptions>, where: string): void {
    validateAdamGroup("Adam", g, where);
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    for (const p of group.params) if (p.grad !== null) adamUpdate(p, this.stateOf(p), group, false);
  }
}

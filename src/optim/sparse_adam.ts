/**
 * SparseAdam: PyTorch 1.13's lazy Adam (`_functional.sparse_adam`), op for op, on the dense
 * gradients that Fluxion's embeddings produce (Fluxion has no sparse tensors).
 *
 * PyTorch's SparseAdam needs a sparse gradient (nn.Embedding(sparse=True)) and updates only
 * the rows that gradient lists: the looked-up rows, minus paddingIdx. Here the rows a step
 * updates are the rows of the dense gradient with a nonzero entry (dim 0 of a parameter with
 * two or more dims, each element of a 0-d or 1-d one). Every other row's parameter and moments
 * stay as they are, as in PyTorch. The one difference: a row that was looked up but got an
 * exactly zero gradient is updated by PyTorch (its moments decay) and skipped here.
 */
import type { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { Optimizer, checkOption, freeTemporary, type ParamGroup } from "./optimizer.js";

const SPARSE_ADAM_ARGS = "SparseAdam(Any params, float lr=1e-3, float[2] betas=[0.9, 0.999], float eps=1e-8, *, bool maximize=false)";
const sparseAdamArgs = declareArgs(SPARSE_ADAM_ARGS, "optim");

export interface SparseAdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * SparseAdam (torch.optim.SparseAdam): the lazy variant of Adam for embedding tables; only the
 * rows that appear in a step's gradient (rows with a nonzero gradient entry, see the file
 * comment) have their moments and parameters updated. No weight decay, as in PyTorch. State
 * per parameter: step (counted on every step the parameter has a gradient), expAvg, expAvgSq.
 *
 * @example
 * const emb = new nn.Embedding(10000, 64);
 * const opt = new optim.SparseAdam(emb.parameters(), { lr: 1e-3 });
 * emb(ids).pow(2).sum().backward();
 * opt.step(); // only the rows of `ids` move
 */
export class SparseAdam extends Optimizer<SparseAdamOptions> {
  constructor(...args: CtorArgs<typeof SPARSE_ADAM_ARGS>) {
    const [params, lr, betas, eps, { maximize }] = sparseAdamArgs.bind(args);
    super(params, { lr, betas: betas as [number, number], eps, maximize }, "SparseAdam", sparseAdamArgs.sig);
  }

  protected validateGroup(g: ParamGroup<SparseAdamOptions>, where: string): void {
    // PyTorch's SparseAdam wants lr and eps strictly positive (Adam accepts 0)
    checkOption("SparseAdam", g.lr > 0, "learning rate", g.lr, where, "lr > 0");
    checkOption("SparseAdam", g.eps > 0, "epsilon value", g.eps, where, "eps > 0");
    checkOption("SparseAdam", Array.isArray(g.betas) && g.betas.length === 2, "betas", g.betas, where, "a pair [beta1, beta2]");
    checkOption("SparseAdam", g.betas[0] >= 0 && g.betas[0] < 1, "beta parameter at index 0", g.betas[0], where, "0 <= beta1 < 1");
    checkOption("SparseAdam", g.betas[1] >= 0 && g.betas[1] < 1, "beta parameter at index 1", g.betas[1], where, "0 <= beta2 < 1");
  }

  protected updateGroup(group: ParamGroup<SparseAdamOptions>): void {
    const { lr, eps, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        state.step = 0;
        state.expAvg = zerosLike(param);
        state.expAvgSq = zerosLike(param);
      }
      const step = (state.step as number) + 1;
      state.step = step;
      const grad = maximize ? param.grad.neg() : param.grad;
      const expAvg = state.expAvg as Tensor, expAvgSq = state.expAvgSq as Tensor;
      // the rows a sparse gradient would list, as a mask that broadcasts over the row
      const nonzero = grad.ne(0);
      const rows = param.ndim >= 2 ? nonzero.flatten(1).any(1).view(param.shape[0]!, ...param.shape.slice(1).map(() => 1)) : nonzero;
      // PyTorch's arithmetic, in its order: old += (1 - b)(new - old); numer and denom from the sums
      const numer = grad.sub(expAvg).mul_(1 - beta1).add_(expAvg);
      const sq = grad.pow(2).sub_(expAvgSq).mul_(1 - beta2).add_(expAvgSq);
      const newAvg = numer.where(rows, expAvg), newAvgSq = sq.where(rows, expAvgSq);
      expAvg.copy_(newAvg);
      expAvgSq.copy_(newAvgSq);
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2 = 1 - beta2 ** step;
      const stepSize = (lr * Math.sqrt(biasCorrection2)) / biasCorrection1;
      const delta = numer.div_(sq.sqrt_().add_(eps)).mul_(-stepSize).where(rows, 0);
      param.add_(delta);
      for (const t of [numer, sq, newAvg, newAvgSq, delta, nonzero]) freeTemporary(t);
      if (rows.storage !== nonzero.storage) freeTemporary(rows);
      if (grad !== param.grad) freeTemporary(grad);
    }
  }
}

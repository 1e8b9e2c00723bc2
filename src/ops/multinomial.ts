/**
 * multinomial: samples category indices from rows of (unnormalized) probabilities, as
 * torch.multinomial(input, num_samples, replacement=False). Composed from ops: with
 * replacement (or one sample) by inverting the cumulative distribution at uniform draws;
 * without replacement by the exponential race PyTorch uses (the k largest p / E, E ~ Exp(1),
 * which is sequential sampling without replacement). Indices are int32, Fluxion's index
 * dtype (int64 in PyTorch). The draws come from the generator, so a seed reproduces them
 * (the streams differ from PyTorch's).
 */
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { noGrad } from "../autograd/grad_mode.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { rand } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { readHostItem } from "../tensor/host_read.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

const SIGS = {
  multinomial: "multinomial(Tensor self, int numSamples, bool replacement=false, *, Generator? generator=null) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

function checkArgs(p: Tensor, k: number, replacement: boolean): void {
  const what = `input ${p.dtype} of shape ${fmtShape(p.shape)}`;
  if (!isFloating(p.dtype)) throw new DTypeError(`multinomial: expected a floating point probability tensor, got ${what}`);
  if (p.ndim !== 1 && p.ndim !== 2) throw new ShapeError(`multinomial: prob_dist must be 1 or 2 dim, got ${what}`);
  const n = p.shape[p.ndim - 1]!;
  if (n === 0) throw new ShapeError(`multinomial: the probability rows are empty (${what})`);
  if (k <= 0) throw new ArgumentError(`multinomial: cannot sample numSamples = ${k} <= 0 samples`);
  if (!replacement && k > n) throw new ArgumentError(`multinomial: cannot sample numSamples = ${k} > prob_dist.size(-1) = ${n} samples without replacement`);
  // the distribution's values decide nothing computed below; they are checked on the CPU, where
  // reading them is synchronous, so bad rows fail loudly instead of giving arbitrary indices
  if (p.device === "cpu") {
    const bad = noGrad(() => p.lt(0).logicalOr(p.isfinite().logicalNot()).any());
    if (readHostItem<boolean>(bad, "multinomial")) throw new FluxionError(`multinomial: probability tensor contains either inf, nan or element < 0 (${what})`);
    const empty = noGrad(() => p.sum(-1).le(0).any());
    if (readHostItem<boolean>(empty, "multinomial")) throw new FluxionError(`multinomial: invalid multinomial distribution (sum of probabilities <= 0) (${what})`);
    if (!replacement && k > 1) {
      const few = noGrad(() => p.gt(0).sum(-1).lt(k).any());
      if (readHostItem<boolean>(few, "multinomial")) throw new FluxionError(`multinomial: invalid multinomial distribution (with replacement=False, not enough non-negative category to sample) (${what})`);
    }
  }
}

function multinomialImpl(p: Tensor, k: number, replacement: boolean, { generator }: { generator: Generator | null }): Tensor {
  checkArgs(p, k, replacement);
  return noGrad(() => {
    const rows = p.ndim === 1 ? p.unsqueeze(0) : p;
    const B = rows.shape[0]!, n = rows.shape[1]!;
    const opts = { dtype: rows.dtype, device: rows.device, ...(generator ? { generator } : {}) };
    let idx: Tensor;
    if (replacement || k === 1) {
      // category i where cdf[i-1] <= u < cdf[i], u uniform in [0, total): the count of cdf <= u
      const cdf = rows.cumsum(1);
      const u = rand([B, k], opts).mul(cdf.index(":", `${n - 1}:`));
      idx = cdf.unsqueeze(1).le(u.unsqueeze(2)).sum(2).clampMax(n - 1).int();
    } else {
      const race = rows.div(rand([B, n], opts).log().neg()); // p / E with E = -log(U) ~ Exp(1)
      idx = race.topk(k, 1).indices;
    }
    return p.ndim === 1 ? idx.squeeze(0) : idx;
  });
}

export const MULTINOMIAL_FNS = {
  multinomial: defineOp(SIGS.multinomial, multinomialImpl),
};

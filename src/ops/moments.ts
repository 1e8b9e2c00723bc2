/**
 * torch.std_mean and torch.var_mean: the standard deviation (or variance) and the mean over
 * the same dims in one call, returned as a plain pair (std, mean) as PyTorch 1.13 returns
 * them. Arguments as std/var take them (src/ops/reduction.ts): dims, the legacy `unbiased`
 * flag or the keyword `correction` (degrees of freedom subtracted from N), keepdim.
 */
import { ArgumentError, DTypeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { isFloating } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";

type Dims = number | readonly number[] | null;
type Kind = "stdMean" | "varMean";

/**
 * [std or var, mean] of x over `dim` (all dims when null or []), with `correction` (or
 * unbiased: true = 1, false = 0; default 1) subtracted from N in the variance.
 * @example const [std, mean] = stdMean(tensor([[1, 2], [3, 5]]), 1); // std [0.7071, 1.4142], mean [1.5, 4]
 */
export function moments(kind: Kind, x: Tensor, dim: Dims, unbiased: boolean | null, keepdim: boolean, correction: number | null): [Tensor, Tensor] {
  if (!isFloating(x.dtype)) throw new DTypeError(`${kind}: only floating point dtypes are supported, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  if (correction !== null && unbiased !== null) throw new ArgumentError(`${kind}(): pass either unbiased or correction, not both`);
  const c = correction ?? (unbiased === false ? 0 : 1);
  const spread = kind === "stdMean" ? x.std(dim, { correction: c, keepdim }) : x.var(dim, { correction: c, keepdim });
  return [spread, x.mean(dim, keepdim)];
}

const DECLS = {
  stdMean: [
    "stdMean(Tensor input, int[]? dim=null, bool? unbiased=null, bool keepdim=false, *, float? correction=null) -> (Tensor, Tensor)",
    "stdMean.unbiased(Tensor input, bool unbiased) -> (Tensor, Tensor)",
  ],
  varMean: [
    "varMean(Tensor input, int[]? dim=null, bool? unbiased=null, bool keepdim=false, *, float? correction=null) -> (Tensor, Tensor)",
    "varMean.unbiased(Tensor input, bool unbiased) -> (Tensor, Tensor)",
  ],
} as const;

type Kw = { correction?: number | null };
const implsOf = (kind: Kind) => [
  (x: Tensor, dim: Dims, unbiased: boolean | null, keepdim: boolean, { correction }: Kw) => moments(kind, x, dim, unbiased, keepdim, correction ?? null),
  (x: Tensor, unbiased: boolean) => moments(kind, x, null, unbiased, false, null),
];

/** torch.std_mean / torch.var_mean (functions only, as in PyTorch). */
export const MOMENTS_FNS = {
  stdMean: defineOp(DECLS.stdMean, implsOf("stdMean")),
  varMean: defineOp(DECLS.varMean, implsOf("varMean")),
};

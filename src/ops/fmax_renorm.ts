/**
 * torch.fmax / fmin (maximum and minimum that ignore a NaN: the other value wins, NaN only
 * where both are) and torch.renorm (each slice along dim whose p-norm exceeds maxnorm scaled
 * down to it). Built from where/comparisons and norms, so their gradients are PyTorch's: fmax's
 * goes wholly to self where self >= other or other is NaN (ties are not split, unlike maximum's),
 * else to other.
 */
import { FluxionError } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { normalizeDim } from "../tensor/shape.js";
import { isFloating } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { asTensor, resultTypeOf, type TensorLike } from "./helpers.js";
import { applyInPlace } from "./inplace.js";

const SIGS = {
  fmax: "fmax(Tensor self, Tensor other) -> Tensor",
  fmin: "fmin(Tensor self, Tensor other) -> Tensor",
  renorm: "renorm(Tensor self, float p, int dim, float maxnorm) -> Tensor",
  renorm_: "renorm_(Tensor self, float p, int dim, float maxnorm) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

function pick(a: Tensor, b: TensorLike, keepA: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const dtype = resultTypeOf(a, b);
  const x = a.to(dtype), y = asTensor(b, dtype, a.device).to(dtype);
  return x.where(keepA(x, y).logicalOr(y.isnan()), y);
}
const fmax = (a: Tensor, b: Tensor) => pick(a, b, (x, y) => x.ge(y));
const fmin = (a: Tensor, b: Tensor) => pick(a, b, (x, y) => x.le(y));

function renorm(x: Tensor, p: number, dim: number, maxnorm: number): Tensor {
  if (!isFloating(x.dtype)) throw new FluxionError(`renorm: expected a floating point tensor, got ${x.dtype}`);
  if (!(p > 0)) throw new FluxionError(`renorm: non-positive norm not supported, got p=${p}`);
  if (!(maxnorm >= 0)) throw new FluxionError(`renorm: expected maxnorm to be >= 0 but got ${maxnorm}`);
  if (x.ndim <= 1) throw new FluxionError(`renorm: input needs at least 2 dimensions, got ${x.ndim} dimensions`);
  const d = normalizeDim("renorm", dim, x.ndim);
  const others = x.shape.map((_, k) => k).filter((k) => k !== d);
  const norms = x.norm(p, others, true);
  // PyTorch's factor: maxnorm / (norm + 1e-7) where the norm exceeds maxnorm, else 1 (and
  // differentiated through the norm, as PyTorch's renorm backward is)
  const factor = norms.add(1e-7).reciprocal().mul(maxnorm).where(norms.gt(maxnorm), 1);
  return x.mul(factor);
}

const m = { variants: "method" } as const;
defineOp(SIGS.renorm_, (x: Tensor, p: number, dim: number, maxnorm: number) => applyInPlace(x, "renorm_", (s) => renorm(s, p, dim, maxnorm), []), m);

export const FMAX_RENORM_FNS = {
  fmax: defineOp(SIGS.fmax, fmax),
  fmin: defineOp(SIGS.fmin, fmin),
  renorm: defineOp(SIGS.renorm, renorm),
};

/**
 * torch.aminmax: the smallest and largest values together, over all elements or along one
 * dim, as a named pair (`const { min, max } = x.aminmax()`, or `[min, max]`). Composed of
 * amin and amax, so NaN propagates and ties share the gradient as theirs do (PyTorch 1.13
 * has no derivative for aminmax; later versions give these same ones).
 */
import { FluxionError, IndexError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { normalizeDim } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * The minimum and maximum of x (over all elements, or along `dim`), with keepdim keeping
 * the reduced dims as size 1 (all of them when dim is null).
 * @example tensor([[1, 5], [3, -2]]).aminmax({ dim: 1 }) // { min: [1, -2], max: [5, 3] }
 */
export function aminmax(x: Tensor, dim: number | null = null, keepdim = false): [Tensor, Tensor] {
  const op = "aminmax";
  if (dim === null) {
    if (x.numel() === 0) throw new FluxionError(`${op}: cannot compute aminmax over an empty dimension as the operation has no identity (shape ${fmtShape(x.shape)})`);
    const kept = (t: Tensor) => (keepdim ? t.reshape(x.shape.map(() => 1)) : t);
    return [kept(x.amin()), kept(x.amax())];
  }
  const d = normalizeDim(op, dim, x.ndim);
  if (x.ndim > 0 && x.shape[d] === 0) throw new IndexError(`${op}: expected reduction dim ${d} to have non-zero size (shape ${fmtShape(x.shape)})`);
  return [x.amin(d, keepdim), x.amax(d, keepdim)];
}

const SIGS = {
  aminmax: "aminmax(Tensor self, *, int? dim=null, bool keepdim=false) -> (Tensor min, Tensor max)",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** The public, argument-checked forms (torch.aminmax, Tensor.aminmax). */
export const AMINMAX_FNS = {
  aminmax: defineOp(SIGS.aminmax, (x: Tensor, { dim, keepdim }: { dim: number | null; keepdim: boolean }) => aminmax(x, dim, keepdim)),
};

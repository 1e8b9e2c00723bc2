/**
 * diff (n-th forward difference along a dim, torch.diff) and the NaN-skipping reductions
 * nansum / nanmean, with countNonzero: compositions of existing ops, so their gradients come
 * from autograd (nansum's and nanmean's are 0 at the NaNs, as PyTorch's).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { isFloating, type DType } from "../tensor/dtype.js";
import { normalizeDim } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { torchDTypeName, whereImpl as where } from "./elementwise.js";
import { cat } from "./shape_ops.js";

type Dims = number | number[] | null;

const SIGS = {
  diff: "diff(Tensor self, int n=1, int dim=-1, Tensor? prepend=null, Tensor? append=null) -> Tensor",
  nansum: "nansum(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor",
  nanmean: "nanmean(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor",
  countNonzero: "countNonzero(Tensor self, int[]? dim=null) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/**
 * out[i] = x[i + 1] - x[i] along dim, n times (logical xor for bool tensors); prepend and
 * append are concatenated along dim first. Past the dim's length the result is empty.
 * @example fx.diff(fx.tensor([1, 3, 6, 10])) // [2, 3, 4]
 */
function diff(x: Tensor, n: number, dim: number, prepend: Tensor | null, append: Tensor | null): Tensor {
  if (n < 0) throw new ArgumentError(`diff: order must be non-negative but got ${n}`);
  if (x.ndim === 0) throw new ShapeError(`diff: expects input to be at least one-dimensional (got shape ${fmtShape(x.shape)})`);
  const d = normalizeDim("diff", dim, x.ndim);
  let r = prepend || append ? cat([...(prepend ? [prepend] : []), x, ...(append ? [append] : [])], d) : x;
  for (let k = 0; k < n && r.shape[d]! > 0; k++) {
    const len = r.shape[d]! - 1;
    const later = r.narrow(d, 1, len), earlier = r.narrow(d, 0, len);
    r = r.dtype === "bool" ? later.logicalXor(earlier) : later.sub(earlier);
  }
  return r;
}

/** x with its NaNs replaced by 0 (integers have none). */
function zeroNaN(x: Tensor): Tensor {
  return isFloating(x.dtype) ? where(x.isnan(), 0, x) : x;
}

function nansum(x: Tensor, dim: Dims, keepdim: boolean, { dtype }: { dtype: DType | null }): Tensor {
  // PyTorch sums integer inputs as sum does, but a float input with an integer dtype reaches
  // its NaN-skipping kernel, which has no integer form
  if (isFloating(x.dtype) && dtype && !isFloating(dtype)) {
    throw new DTypeError(`nansum: "nansum_cpu" not implemented for '${torchDTypeName(dtype)}' (a ${x.dtype} input of shape ${fmtShape(x.shape)} with dtype ${dtype}), as in PyTorch; sum it with a floating point dtype`);
  }
  return zeroNaN(x).sum(dim, keepdim, { dtype });
}

/** The mean of the non-NaN elements (NaN where there are none), as torch.nanmean. */
function nanmean(x: Tensor, dim: Dims, keepdim: boolean, { dtype }: { dtype: DType | null }): Tensor {
  const d = dtype ?? x.dtype;
  if (!isFloating(d)) throw new DTypeError(`nanmean: expected input to have floating point dtype but got ${x.dtype} (shape ${fmtShape(x.shape)})`);
  const count = noGrad(() => x.isnan().logicalNot().sum(dim, keepdim).to(d));
  return nansum(x, dim, keepdim, { dtype: d }).div(count);
}

export const DIFFERENCE_FNS = {
  diff: defineOp(SIGS.diff, diff),
  nansum: defineOp(SIGS.nansum, nansum),
  nanmean: defineOp(SIGS.nanmean, nanmean),
  // the count of non-zero elements (over dim), int64 as PyTorch's
  countNonzero: defineOp(SIGS.countNonzero, (x: Tensor, dim: Dims) => x.ne(0).sum(dim)),
};

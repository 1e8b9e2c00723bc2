/**
 * In-place forms PyTorch's tensors have that the op families do not declare themselves:
 * triu_/tril_, square_, cumsum_/cumprod_, sgn/sgn_, the comparisons eq_/ne_/lt_/le_/gt_/ge_ and
 * logicalAnd_/logicalOr_/logicalXor_/logicalNot_ (the 0/1 result written in self's dtype:
 * `finished.logicalOr_(nextWord.eq(EOS))` in a decoding loop), fillDiagonal_ and the in-place view ops unsqueeze_,
 * squeeze_, t_, transpose_ and its aliases swapaxes_/swapdims_ (which change self's shape and strides, not its values). All
 * go through applyInPlace's checks (shape, dtype, autograd) or, for the view ops, through the
 * out-of-place view whose autograd node self then takes over.
 */
import { AutogradError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import type { DType } from "../tensor/dtype.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { arange } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { applyInPlace } from "./inplace.js";
import type { TensorLike } from "./helpers.js";

const SIGS = {
  triu_: "triu_(Tensor self, int diagonal=0) -> self",
  tril_: "tril_(Tensor self, int diagonal=0) -> self",
  square_: "square_(Tensor self) -> self",
  cumsum_: "cumsum_(Tensor self, int dim) -> self",
  cumprod_: "cumprod_(Tensor self, int dim, *, ScalarType? dtype=null) -> self",
  sgn: "sgn(Tensor self) -> Tensor",
  sgn_: "sgn_(Tensor self) -> self",
  eq_: "eq_(Tensor self, Tensor|Scalar other) -> self",
  ne_: "ne_(Tensor self, Tensor|Scalar other) -> self",
  lt_: "lt_(Tensor self, Tensor|Scalar other) -> self",
  le_: "le_(Tensor self, Tensor|Scalar other) -> self",
  gt_: "gt_(Tensor self, Tensor|Scalar other) -> self",
  ge_: "ge_(Tensor self, Tensor|Scalar other) -> self",
  logicalAnd_: "logicalAnd_(Tensor self, Tensor other) -> self",
  logicalOr_: "logicalOr_(Tensor self, Tensor other) -> self",
  logicalXor_: "logicalXor_(Tensor self, Tensor other) -> self",
  logicalNot_: "logicalNot_(Tensor self) -> self",
  fillDiagonal_: "fillDiagonal_(Tensor self, Scalar fillValue, bool wrap=false) -> self",
  unsqueeze_: "unsqueeze_(Tensor self, int dim) -> self",
  squeeze_: "squeeze_(Tensor self, int? dim=null) -> self",
  t_: "t_(Tensor self) -> self",
  transpose_: "transpose_(Tensor self, int dim0, int dim1) -> self",
  swapaxes_: "swapaxes_(Tensor self, int axis0, int axis1) -> self",
  swapdims_: "swapdims_(Tensor self, int dim0, int dim1) -> self",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

const m = { variants: "method" } as const;
defineOp(SIGS.triu_, (x: Tensor, d: number) => applyInPlace(x, "triu_", (s) => s.triu(d), [], false), m);
defineOp(SIGS.tril_, (x: Tensor, d: number) => applyInPlace(x, "tril_", (s) => s.tril(d), [], false), m);
defineOp(SIGS.square_, (x: Tensor) => applyInPlace(x, "square_", (s) => s.square(), []), m);
defineOp(SIGS.cumsum_, (x: Tensor, dim: number) => applyInPlace(x, "cumsum_", (s) => s.cumsum(dim), [], false), m);
// a dtype other than self's cannot be written in place (PyTorch's "Bad in-place call")
defineOp(SIGS.cumprod_, (x: Tensor, dim: number, { dtype }: { dtype: DType | null }) => {
  if (dtype !== null && dtype !== x.dtype) throw new DTypeError(`cumprod_: Bad in-place call: input tensor dtype ${x.dtype} and output tensor dtype ${dtype} should match`);
  return applyInPlace(x, "cumprod_", (s) => s.cumprod(dim)); // cumprod's backward keeps its input: a copy of self
}, m);
// sgn is sign for real tensors (PyTorch's sgn differs only on complex ones, which Fluxion lacks)
export const sgn = defineOp(SIGS.sgn, (x: Tensor) => x.sign());
defineOp(SIGS.sgn_, (x: Tensor) => x.sign_(), m);
for (const op of ["eq", "ne", "lt", "le", "gt", "ge"] as const) {
  defineOp(SIGS[`${op}_`], (x: Tensor, o: TensorLike) => applyInPlace(x, `${op}_`, (s) => s[op](o).to(x.dtype), [o], false), m);
}
for (const op of ["logicalAnd", "logicalOr", "logicalXor"] as const) {
  defineOp(SIGS[`${op}_`], (x: Tensor, o: Tensor) => applyInPlace(x, `${op}_`, (s) => s[op](o).to(x.dtype), [o], false), m);
}
defineOp(SIGS.logicalNot_, (x: Tensor) => applyInPlace(x, "logicalNot_", (s) => s.logicalNot().to(x.dtype), [], false), m);

/**
 * The main diagonal (every index equal) set to `value`; with `wrap`, a tall 2-D matrix's
 * diagonal starts again every cols + 1 rows (NumPy's fill_diagonal, as PyTorch's). Written
 * through the flattened positions, so gradients flow to the untouched elements only.
 */
function fillDiagonal_(x: Tensor, value: number | boolean | bigint, wrap: boolean): Tensor {
  if (x.ndim < 2) throw new ShapeError(`fillDiagonal_: dimensions must be larger than 1, got shape ${fmtShape(x.shape)}`);
  if (x.ndim > 2 && x.shape.some((s) => s !== x.shape[0])) throw new ShapeError(`fillDiagonal_: all dimensions of input must be of equal length, got shape ${fmtShape(x.shape)}`);
  const n = Math.min(...x.shape);
  // the flat distance between (i, i, ...) and (i + 1, i + 1, ...) in row-major order
  let step = 0, stride = 1;
  for (let d = x.ndim - 1; d >= 0; d--) {
    step += stride;
    stride *= x.shape[d]!;
  }
  const end = x.ndim === 2 && wrap ? x.numel() : (n - 1) * step + 1;
  const positions = n === 0 ? arange(0, { dtype: "int64" }) : arange(0, end, step, { dtype: "int64" });
  return applyInPlace(x, "fillDiagonal_", (s) => s.reshape([-1]).indexFill(0, positions, value).reshape(x.shape), [], false);
}
defineOp(SIGS.fillDiagonal_, fillDiagonal_, m);

/**
 * self takes the shape and strides of `view(self)` (same storage and offset), and its autograd
 * node: PyTorch's in-place view ops. A leaf that requires grad refuses, as PyTorch; the
 * version is bumped, so a backward that saved self's old shape reports the change.
 */
function restride(op: string, x: Tensor, view: (x: Tensor) => Tensor): Tensor {
  if (isGradEnabled() && x.isLeaf && x.requiresGrad) {
    throw new AutogradError(`${op}: a leaf Variable that requires grad is being used in an in-place operation.`);
  }
  const v = view(x);
  const self = x as { -readonly [K in "shape" | "strides" | "offset"]: Tensor[K] };
  self.shape = v.shape;
  self.strides = v.strides;
  self.offset = v.offset;
  x.storage.version++;
  if (isGradEnabled() && v.gradFn !== null) {
    x.gradFn = v.gradFn;
    x.outputNr = v.outputNr;
  }
  return x;
}
defineOp(SIGS.unsqueeze_, (x: Tensor, dim: number) => restride("unsqueeze_", x, (s) => s.unsqueeze(dim)), m);
defineOp(SIGS.squeeze_, (x: Tensor, dim: number | null) => restride("squeeze_", x, (s) => (dim === null ? s.squeeze() : s.squeeze(dim))), m);
defineOp(SIGS.t_, (x: Tensor) => {
  if (x.ndim > 2) throw new FluxionError(`t_(): expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return restride("t_", x, (s) => s.t());
}, m);
defineOp(SIGS.transpose_, (x: Tensor, d0: number, d1: number) => restride("transpose_", x, (s) => s.transpose(d0, d1)), m);
defineOp(SIGS.swapaxes_, (x: Tensor, d0: number, d1: number) => restride("swapaxes_", x, (s) => s.transpose(d0, d1)), m);
defineOp(SIGS.swapdims_, (x: Tensor, d0: number, d1: number) => restride("swapdims_", x, (s) => s.transpose(d0, d1)), m);

/**
 * Tensor.unfold(dimension, size, step): every window of `size` elements along a dim,
 * `step` apart, as a new last dim of a strided view sharing storage (no copy). Not to be
 * confused with F.unfold (im2col over 2-D images, src/nn/functional/fold.ts).
 *
 * Windows may overlap (step < size), so the gradient adds every window's part back into
 * place: a scatter-add along the dim, whose own gradient (a gather) is unfold again.
 */
import { record1 } from "../autograd/record.js";
import { markView } from "../autograd/view_grad.js";
import type { BackwardFn } from "../autograd/node.js";
import { IndexError, ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { arange, zeros } from "../tensor/creation.js";
import { normalizeDim } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { rawView } from "./views.js";
import { _scatterAddTrusted } from "./advanced_indexing.js";

/** unfold's gradient: each window's gradient added back at its elements' places along d. */
function unfoldBackward(inShape: readonly number[], d: number, size: number, step: number): BackwardFn {
  return ([g]) => {
    const windows = g!.shape[d]!;
    // [..., windows, ..., size] -> [..., windows * size, ...]: the k-th row along d goes to w*step + j
    const rows = g!.movedim(-1, d + 1).flatten(d, d + 1);
    const pos = arange(windows, { dtype: "int32", device: g!.device }).mul(step).unsqueeze(1).add(arange(size, { dtype: "int32", device: g!.device })).reshape([-1]);
    const index = pos.reshape(rows.shape.map((s, k) => (k === d ? s : 1))).expand(rows.shape);
    return [_scatterAddTrusted(zeros(inShape, { dtype: g!.dtype, device: g!.device }), d, index, rows)];
  };
}

/**
 * The windows of `size` elements, `step` apart, along `dimension`, as a view: that dim
 * becomes the window count, floor((n - size) / step) + 1, and a new last dim of `size`
 * holds each window (torch.Tensor.unfold).
 * @example arange(5).unfold(0, 2, 2) // [[0, 1], [2, 3]]
 */
export function unfoldWindows(x: Tensor, dimension: number, size: number, step: number): Tensor {
  const d = normalizeDim("unfold", dimension, x.ndim);
  if (x.ndim === 0) return unfoldWindows(x.reshape([1]), 0, size, step).reshape([size]);
  const n = x.shape[d]!;
  if (size < 0) throw new ShapeError(`unfold: size is ${size} but must be >= 0`);
  if (size > n) throw new ShapeError(`unfold: maximum size for tensor at dimension ${d} is ${n} but size is ${size} (shape ${fmtShape(x.shape)})`);
  if (step <= 0) throw new IndexError(`unfold: step is ${step} but must be > 0`);
  const shape = [...x.shape, size], strides = [...x.strides, x.strides[d]!];
  shape[d] = Math.floor((n - size) / step) + 1;
  strides[d] = x.strides[d]! * step;
  const v = record1("UnfoldBackward0", [x], rawView(x, shape, strides, x.offset), [], unfoldBackward(x.shape, d, size, step));
  markView(v);
  return v;
}

const SIGS = {
  unfold: "unfold(Tensor self, int dimension, int size, int step) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** Tensor.unfold is a method only (torch has no torch.unfold function). */
export const WINDOW_FNS = {
  unfold: defineOp(SIGS.unfold, unfoldWindows, { variants: "method" }),
};

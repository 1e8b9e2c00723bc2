/**
 * Diagonals: diagonal (a strided view of the elements whose indices along dim1 and dim2
 * differ by `offset`), diagEmbed (its adjoint: a zero tensor with the input written on
 * such a diagonal), diag (torch.diag: a 1-D tensor to a matrix, a matrix to its diagonal)
 * and trace. The view's gradient is diagEmbed's forward and the other way round, so every
 * order of derivative works.
 */
import { dispatch } from "../backend/dispatcher.js";
import { record1 } from "../autograd/record.js";
import { markView } from "../autograd/view_grad.js";
import type { BackwardFn } from "../autograd/node.js";
import { ShapeError, fmtShape } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { zeros } from "../tensor/creation.js";
import { normalizeDim } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { rawView } from "./views.js";

interface Geometry {
  shape: number[];
  strides: number[];
  offset: number;
}

/** The diagonal's place in a tensor of (shape, strides, offset): the two dims dropped, the diagonal appended. */
function diagonalGeometry(shape: readonly number[], strides: readonly number[], offset0: number, offset: number, d1: number, d2: number): Geometry {
  const len = Math.max(0, Math.min(shape[d1]! - Math.max(0, -offset), shape[d2]! - Math.max(0, offset)));
  let start = offset0;
  if (len > 0) start += offset >= 0 ? offset * strides[d2]! : -offset * strides[d1]!;
  const keep = (_: number, k: number) => k !== d1 && k !== d2;
  return {
    shape: [...shape.filter(keep), len],
    strides: [...strides.filter(keep), strides[d1]! + strides[d2]!],
    offset: start,
  };
}

function checkDims(op: string, dim1: number, dim2: number, ndim: number): [number, number] {
  const d1 = normalizeDim(op, dim1, ndim), d2 = normalizeDim(op, dim2, ndim);
  if (d1 === d2) throw new ShapeError(`${op}: diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  return [d1, d2];
}

/** diagonal's gradient: its input's shape of zeros with g on the diagonal (holds no tensors). */
function diagonalBackward(inShape: readonly number[], offset: number, d1: number, d2: number): BackwardFn {
  return ([g]) => [embedDiagonal(g!, inShape, offset, d1, d2, "DiagonalBackwardBackward0")];
}

/** diagonal(x, offset, d1, d2) for normalized dims: a differentiable view. */
function diagonalView(x: Tensor, offset: number, d1: number, d2: number): Tensor {
  const geo = diagonalGeometry(x.shape, x.strides, x.offset, offset, d1, d2);
  const v = record1("DiagonalBackward0", [x], rawView(x, geo.shape, geo.strides, geo.offset), [], diagonalBackward(x.shape, offset, d1, d2));
  markView(v);
  return v;
}

/** Zeros of `shape` with t written on the (offset, d1, d2) diagonal; its gradient is that diagonal. */
function embedDiagonal(t: Tensor, shape: readonly number[], offset: number, d1: number, d2: number, name: string): Tensor {
  const out = zeros(shape, { dtype: t.dtype, device: t.device });
  const geo = diagonalGeometry(out.shape, out.strides, out.offset, offset, d1, d2);
  dispatch("assign", [dispatch("view", [out], geo), t], {});
  return record1(name, [t], out, [], diagEmbedBackward(offset, d1, d2));
}

function diagEmbedBackward(offset: number, d1: number, d2: number): BackwardFn {
  return ([g]) => [diagonalView(g!, offset, d1, d2)];
}

/**
 * The diagonal of x over dims dim1 and dim2, offset above (offset > 0) or below the main
 * one, as the last dim of a view sharing x's storage (torch.diagonal).
 * @example arange(6).reshape(2, 3).diagonal(1) // [1, 5]
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const [d1, d2] = checkDims("diagonal", dim1, dim2, x.ndim);
  return diagonalView(x, offset, d1, d2);
}

/**
 * A tensor whose (offset, dim1, dim2) diagonals are x's last dim: the output has one more
 * dim, zeros elsewhere (torch.diag_embed).
 * @example diagEmbed(tensor([1, 2])) // [[1, 0], [0, 2]]
 */
export function diagEmbed(x: Tensor, offset = 0, dim1 = -2, dim2 = -1): Tensor {
  if (x.ndim === 0) throw new ShapeError("diagEmbed: expected a tensor with at least 1 dimension, got a 0-d tensor");
  const [d1, d2] = checkDims("diagEmbed", dim1, dim2, x.ndim + 1);
  const n = x.shape[x.ndim - 1]! + Math.abs(offset);
  const rest = x.shape.slice(0, -1);
  const shape: number[] = [];
  for (let k = 0, r = 0; k < x.ndim + 1; k++) shape.push(k === d1 || k === d2 ? n : rest[r++]!);
  return embedDiagonal(x, shape, offset, d1, d2, "DiagEmbedBackward0");
}

/**
 * torch.diag: a 1-D tensor becomes a square matrix with it on the `diagonal`-th diagonal;
 * a matrix gives a copy of that diagonal.
 * @example diag(tensor([1, 2]), 1) // [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
 */
export function diag(x: Tensor, diagonalIndex = 0): Tensor {
  if (x.ndim === 1) return embedDiagonal(x, [x.shape[0]! + Math.abs(diagonalIndex), x.shape[0]! + Math.abs(diagonalIndex)], diagonalIndex, 0, 1, "DiagEmbedBackward0");
  if (x.ndim === 2) return diagonalView(x, diagonalIndex, 0, 1).clone();
  throw new ShapeError(`diag: matrix or a vector expected, got a ${x.ndim}-d tensor (shape ${fmtShape(x.shape)})`);
}

/**
 * The sum of a matrix's main diagonal (integers sum to int32).
 * @example trace(arange(9).reshape(3, 3)) // 12
 */
export function trace(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`trace: expected a matrix, but got tensor with dim ${x.ndim} (shape ${fmtShape(x.shape)})`);
  return diagonalView(x, 0, 0, 1).sum();
}

const SIGS = {
  diagonal: "diagonal(Tensor self, int offset=0, int dim1=0, int dim2=1) -> Tensor",
  diagEmbed: "diagEmbed(Tensor self, int offset=0, int dim1=-2, int dim2=-1) -> Tensor",
  diag: "diag(Tensor self, int diagonal=0) -> Tensor",
  trace: "trace(Tensor self) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

/** The public, argument-checked forms (torch.diagonal, ...). */
export const DIAGONAL_FNS = {
  diagonal: defineOp(SIGS.diagonal, diagonal),
  diagEmbed: defineOp(SIGS.diagEmbed, diagEmbed),
  diag: defineOp(SIGS.diag, diag),
  trace: defineOp(SIGS.trace, trace),
};

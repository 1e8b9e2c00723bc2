/**
 * Small wrappers that dispatch one core primitive each, so the decompositions
 * (decompositions.ts, decompositions_norm.ts) read as formulas.
 */
import { contiguousStrides, isContiguousLayout } from "../tensor/shape.js";
import type { DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import type { BinaryOpName, UnaryOpName } from "../ops/elementwise_table.js";
import { dispatch } from "./dispatcher.js";
import type { ReduceOpName } from "./primitives.js";

/** A 0-d tensor of `value` (broadcasts against anything). */
export function scalar(value: number, dtype: DType, device: string): Tensor {
  return dispatch("full", [], { shape: [], dtype, value }, device);
}
export function unary(op: UnaryOpName, x: Tensor): Tensor {
  return dispatch("unary", [x], { op });
}
export function binary(op: BinaryOpName, a: Tensor, b: Tensor | number): Tensor {
  return dispatch("binary", [a, typeof b === "number" ? scalar(b, a.dtype, a.device) : b], { op });
}
export function reduce(op: ReduceOpName, x: Tensor, axes: readonly number[], keepdim = true): Tensor {
  return dispatch("reduce", [x], { op, axes, keepdim });
}
export function where(cond: Tensor, a: Tensor, b: Tensor | number): Tensor {
  return dispatch("where", [cond, a, typeof b === "number" ? scalar(b, a.dtype, a.device) : b], {});
}
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : dispatch("cast", [x], { dtype });
}
/** x with a new shape of the same size (a view of a contiguous x, else of a copy). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const src = isContiguousLayout(x.shape, x.strides) ? x : dispatch("copy", [x], {});
  return dispatch("view", [src], { shape, strides: contiguousStrides(shape), offset: src.offset });
}
/** The shape with 1 at every axis except `axis` (a per-channel vector's broadcast shape). */
export function alongAxis(shape: readonly number[], axis: number): number[] {
  return shape.map((s, i) => (i === axis ? s : 1));
}

/** Helpers shared by op definitions: scalar operands, dtype casts, gradient reduction. */
import { dispatch } from "../backend/dispatcher.js";
import { DTypeError, fmtShape } from "../errors.js";
import { isIntegral, resultType, type DType } from "../tensor/dtype.js";
import { scalarTensor } from "../tensor/creation.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "./conversion.js";
import { isRecording } from "../compile/state.js";

/** A tensor, or a JS scalar wherever PyTorch accepts a Python scalar (a bigint is an exact int64). */
export type TensorLike = Tensor | number | boolean | bigint;

/** Result dtype of an op over tensors and scalars (torch.result_type). */
export function resultTypeOf(...xs: TensorLike[]): DType {
  // the common case on every binary op: two tensors of one dtype (what promotion gives too)
  if (xs.length === 2) {
    const [a, b] = xs;
    if (a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype) return a.dtype;
  }
  return resultType(xs.map((x) => (x instanceof Tensor ? { dtype: x.dtype, dim: x.ndim } : x)));
}

/** `x` as a tensor of `dtype` on `device` (scalars become 0-d tensors). */
export function asTensor(x: TensorLike, dtype: DType, device: string): Tensor {
  if (x instanceof Tensor) return x.dtype === dtype ? x : cast(x, dtype);
  if (typeof x === "number" && Number.isInteger(x) && (x >= 2 ** 63 || x < -(2 ** 63)) && isIntegral(dtype)) {
    // PyTorch cannot even read such a Python int ("Overflow when unpacking long"); a float
    // operand (a float tensor, or the value as a float in a float tensor) is what works
    throw new DTypeError(`value ${BigInt(x)} is an integer beyond int64's range, so it cannot take part in ${dtype} arithmetic (PyTorch: "Overflow when unpacking long"); use a floating point tensor`);
  }
  return cachedScalar(typeof x === "bigint" ? x : Number(x), dtype, device);
}

/**
 * 0-d tensors for scalar operands, reused: `x.mul(2)` in a loop should not allocate a new
 * constant each time. They are internal (never handed to users), so nothing writes to them.
 */
const scalarCache = new Map<string, Tensor>();
function cachedScalar(value: number | bigint, dtype: DType, device: string): Tensor {
  if (isRecording()) return scalarTensor(value, dtype, device); // compile(): a graph input each call
  const key = `${device}|${dtype}|${Object.is(value, -0) ? "-0" : value}${typeof value === "bigint" ? "n" : ""}`;
  let t = scalarCache.get(key);
  if (!t) {
    if (scalarCache.size >= 4096) scalarCache.clear(); // bounded: schedules produce many distinct values
    t = scalarTensor(value, dtype, device);
    scalarCache.set(key, t);
  }
  return t;
}

export function deviceOf(...xs: TensorLike[]): string {
  for (const x of xs) if (x instanceof Tensor) return x.device;
  return "cpu";
}

/**
 * Sums a broadcast gradient back to `shape` (the input's shape before broadcasting):
 * leading dims are summed away, dims that were 1 are summed with keepdim.
 */
export function reduceGradToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let r = dims.length ? g.sum(dims, { keepdim: true }) : g;
  if (lead > 0) r = r.reshape(shape);
  return r;
}

/** Casts without recording (for integer/bool data paths). */
export function castRaw(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : dispatch("cast", [x], { dtype });
}

export function checkFloat(op: string, x: Tensor): void {
  if (!x.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point tensor, got ${x.dtype} (shape ${fmtShape(x.shape)})`);
}

/**
 * The closed set of primitive ops every backend implements, with their attributes.
 * Everything else in Fluxion (all Tensor methods, nn, optim) is composed from these through
 * `dispatch`, so a new backend, the compiler and autocast each have one small list to handle.
 *
 * Conventions: inputs arrive with any strides (views); outputs are new contiguous tensors,
 * except `view` (shares storage) and the in-place `assign`/`indexPut`, which write into
 * their first input. Binary and ternary inputs already have the same dtype (the op layer
 * promotes and casts) and are broadcast by the backend.
 */
import type { DType } from "../tensor/dtype.js";
import type { Generator } from "../tensor/random.js";
import type { UnaryOpName, BinaryOpName } from "../ops/elementwise_table.js";
import type { RnnCellPrimitiveAttrs } from "./rnn_cell.js";

export type ReduceOpName = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

export type RandomDist =
  | { kind: "uniform"; low: number; high: number }
  | { kind: "normal"; mean: number; std: number }
  | { kind: "randint"; low: number; high: number }
  | { kind: "randperm"; n: number }
  | { kind: "bernoulli" }; // probabilities come as the single input

/** The optional fused primitives (a backend may lack them; the dispatcher then decomposes them). */
export type FusedPrimitiveName = keyof RnnCellPrimitiveAttrs;

export interface PrimitiveAttrs extends RnnCellPrimitiveAttrs {
  /** Elementwise math on one input; params carry e.g. leakyRelu's slope or clamp's bounds. */
  unary: { op: UnaryOpName; params?: readonly number[] };
  /**
   * Elementwise math on two broadcast inputs. With `inPlace`, the result is written into
   * input 0 (already of the broadcast shape and result dtype; input 1 must not partially
   * overlap it) and input 0 is returned: eager `x.add_(y)` without a temporary.
   */
  binary: { op: BinaryOpName; inPlace?: boolean; params?: readonly number[] };
  /** where(cond, a, b), broadcast. */
  where: Record<string, never>;
  /** Converts to another dtype. */
  cast: { dtype: DType };
  /** Reduction over `axes`; argmax/argmin take exactly one axis. */
  reduce: { op: ReduceOpName; axes: readonly number[]; keepdim: boolean };
  /** Inclusive prefix sum/product along one axis. */
  scan: { op: "sum" | "prod"; axis: number };
  /**
   * A view sharing storage (reshape, permute, expand, slice, select ... all reduce to this).
   * With `dtype`, the storage's bytes are read as that dtype (Tensor.view(dtype)); shape,
   * strides and offset then count its elements.
   */
  view: { shape: readonly number[]; strides: readonly number[]; offset: number; dtype?: DType };
  /** A contiguous copy. */
  copy: Record<string, never>;
  /** In place: writes input 1 (broadcast, same dtype) into the view input 0. */
  assign: Record<string, never>;
  /**
   * Batched matmul: [...batch, M, K] x [...batch, K, N] with equal batch shapes, with an
   * optional fused epilogue act(A·B + bias): with `bias`, a 1-D third input is added to
   * every column ("col", length N: nn.Linear) or row ("row", length M: conv channels).
   */
  matmul: { bias?: "row" | "col"; activation?: "relu" | "gelu" | "geluTanh" };
  /** Concatenation along an axis. */
  cat: { axis: number };
  /** Constant padding; pads[d] = [before, after] elements (non-negative) for each dim d. */
  pad: { pads: readonly (readonly [number, number])[]; value: number };
  /** out[i][j] = x[index[i][j]][j] along `axis` (torch.gather). */
  gather: { axis: number };
  /**
   * Returns a copy of input 0 with input 2 scattered at input 1 along `axis`: written
   * ("none"), added ("add") or multiplied in ("multiply"); repeated indices accumulate.
   */
  scatter: { axis: number; reduce: "none" | "add" | "multiply" };
  /** In place: dst.flatten()[index[i]] = (or +=) values[i]; index is int32 over dst's elements. */
  indexPut: { accumulate: boolean };
  /** Sort along an axis: outputs [values, int32 indices]. Stable; NaN sorts as largest. */
  sort: { axis: number; descending: boolean };
  /** Unique elements of the flattened input, sorted: outputs [values, inverse, counts]. */
  unique: Record<string, never>;
  /** Random numbers from a Generator. */
  random: { dist: RandomDist; shape: readonly number[]; dtype: DType; generator: Generator };
  /** A tensor of one value (a bigint only for int64, where it is exact; numbers truncate into integer dtypes). */
  full: { shape: readonly number[]; dtype: DType; value: number | bigint };
  /**
   * start + i * step for i < n (or a linspace that ends exactly at `end`). An int32 linspace
   * (`end` given) has PyTorch 1.13's CPU values: truncated toward zero as its kernel computes
   * them (see integerLinspace in cpu/creation.ts).
   */
  range: { start: number; step: number; n: number; dtype: DType; end?: number };
  /**
   * im2col: [N, C, H, W] -> [N, C*kh*kw, L] sliding blocks (zero padding), L = outH*outW.
   * Convolution and pooling are built from it and its adjoint `fold`.
   */
  unfold: { kernel: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; dilation: readonly [number, number] };
  /** col2im, the adjoint of unfold: [N, C*kh*kw, L] -> [N, C, H, W], overlapping blocks summed. */
  fold: { outputSize: readonly [number, number]; kernel: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; dilation: readonly [number, number] };
  /**
   * Ungrouped 2-D convolution (cross-correlation) of x [N, C, H, W] with w [O, C, kh, kw]
   * and zero padding, in one of three passes (L = oh·ow output positions):
   * "forward": [x, w, bias?] -> [y [N, O, oh, ow]], bias per channel and `activation` fused,
   *   and with `pool` y max-pooled (no padding or dilation, floor mode) into [N, O, poh, pow]
   *   without the full-size y ever being written; with `pool.indices` also the int32
   *   positions of the maxima, as maxPool returns them (for the gradient);
   * "input": [dy, w] -> [dx [N, C, ...inputSize]], the gradient with respect to x;
   * "weight": [x, dy] -> [dw [O, C, kh, kw], db [O]], the gradients of w and of a bias.
   */
  conv2d: {
    pass: "forward" | "input" | "weight";
    kernel: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; dilation: readonly [number, number];
    inputSize?: readonly [number, number];
    activation?: "relu";
    pool?: { kernel: readonly [number, number]; stride: readonly [number, number]; indices?: boolean };
  };
  /**
   * Max pooling: [N, C, H, W] -> [values, int32 indices], both [N, C, oh, ow]. Indices are
   * flat positions (h·W + w) in each input plane; padding never wins; the first maximum
   * wins ties and a NaN wins outright. Windows past the input (ceil mode) are clipped.
   */
  maxPool: { outputSize: readonly [number, number]; kernel: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; dilation: readonly [number, number] };
  /**
   * A tensor built from host values: numbers (half dtypes take float values and are rounded
   * to the dtype), or for int64 also bigints (a BigInt64Array or a bigint array).
   */
  fromHost: { data: ArrayLike<number> | ArrayLike<bigint>; shape: readonly number[]; dtype: DType };
}

export type PrimitiveName = keyof PrimitiveAttrs;
export const PRIMITIVES: readonly PrimitiveName[] = [
  "unary", "binary", "where", "cast", "reduce", "scan", "view", "copy", "assign", "matmul", "cat",
  "pad", "gather", "scatter", "indexPut", "sort", "unique", "unfold", "fold", "conv2d", "maxPool", "random", "full", "range", "fromHost",
  "rnnCell", "rnnCellBackward", // fused, optional: src/backend/rnn_cell.ts
];

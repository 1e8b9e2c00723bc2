/**
 * The primitive ops and their attributes, in two tiers:
 * - the core primitives (`PRIMITIVES`): the closed set every backend implements. Everything
 *   else in Fluxion (all Tensor methods, nn, optim) is composed from these through
 *   `dispatch`, so a new backend, the compiler and autocast each have one small list to handle;
 * - the fused primitives (`FUSED_PRIMITIVES`): an optional tier of a few hot composites
 *   (softmax, cross entropy, batch/group norm, each with its backward) that a backend may
 *   implement as single-pass kernels. Each has a decomposition into core primitives
 *   (decompositions.ts) that the dispatcher runs where a backend lacks it, so a new backend
 *   works before it is fast, and the dispatcher's layers (profiler, compile, autocast) still
 *   see one call naming the fused op.
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
import type { FusedProgramPrimitiveAttrs } from "./fused_program.js";
import type { LinalgPrimitiveAttrs } from "./linalg.js";

/**
 * How gather, scatter and indexPut treat their index (int32 or int64). The kernel checks
 * every value while it runs (no op reads index values on the host first) and raises an
 * IndexError before writing anything: `negative` accepts [-size, 0) as counted from the
 * end (advanced indexing, take; otherwise only [0, size) is valid), and `error` is that
 * IndexError's message with "{index}" standing for the bad value, so the error names the
 * public op (by default the kernel names itself, the axis, its size and the input shape).
 */
export interface IndexRule {
  negative?: boolean;
  error?: string;
}

export type ReduceOpName = "sum" | "prod" | "max" | "min" | "argmax" | "argmin";

export type RandomDist =
  | { kind: "uniform"; low: number; high: number }
  | { kind: "normal"; mean: number; std: number }
  | { kind: "randint"; low: number; high: number }
  | { kind: "randperm"; n: number }
  | { kind: "bernoulli" }; // probabilities come as the single input

export interface CorePrimitiveAttrs {
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
  gather: { axis: number; index?: IndexRule };
  /**
   * Returns a copy of input 0 with input 2 scattered at input 1 along `axis`: written
   * ("none"), added ("add") or multiplied in ("multiply"); repeated indices accumulate.
   */
  scatter: { axis: number; reduce: "none" | "add" | "multiply"; index?: IndexRule };
  /** In place: dst.flatten()[index[i]] = (or +=) values[i]; index is over dst's elements. */
  indexPut: { accumulate: boolean; index?: IndexRule };
  /** Sort along an axis: outputs [values, int32 indices]. Stable; NaN sorts as largest. */
  sort: { axis: number; descending: boolean };
  /** Unique elements of the flattened input, sorted: outputs [values, inverse, counts]. */
  unique: Record<string, never>;
  /** Random numbers from a Generator. */
  random: { dist: RandomDist; shape: readonly number[]; dtype: DType; generator: Generator };
  /** A tensor of one value (a bigint only for int64, where it is exact; numbers truncate into integer dtypes). */
  full: { shape: readonly number[]; dtype: DType; value: number | bigint };
  /**
   * start + i * step for i < n (or a linspace that ends exactly at `end`), with PyTorch
   * 1.13's CPU values: a float32/float64 arange as its kernel's float64 fused multiply-adds
   * and vector lanes give them; a linspace (`end` given) truncated toward zero for integer
   * dtypes, in the dtype's arithmetic for float32/float64 (see floatArange, integerLinspace
   * and floatLinspace in cpu/creation.ts).
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

/**
 * The fused tier. Conventions as above (inputs with any strides, new contiguous outputs, all
 * float inputs of one float dtype); optional inputs are present when their attribute flag
 * says so, in the listed order. Statistics saved for a backward pass are the forward's extra
 * outputs, so the backward never recomputes them.
 */
/**
 * (The recurrent cells, rnnCell and rnnCellBackward, are declared in src/backend/rnn_cell.ts;
 * compile()'s fused elementwise programs, fusedProgram, in src/backend/fused_program.ts; the
 * matrix factorizations and triangular solve, linalg, in src/backend/linalg.ts.)
 */
export interface FusedPrimitiveAttrs extends RnnCellPrimitiveAttrs, FusedProgramPrimitiveAttrs, LinalgPrimitiveAttrs {
  /**
   * softmax (or with `log` logSoftmax) along `axis`, as PyTorch computes it: y = exp(x - m) /
   * Σ exp(x - m) with m the max along the axis (a row holding +inf or NaN, or only -inf,
   * gives NaN; -inf entries beside finite ones give 0, as attention masks use them).
   */
  softmax: { axis: number; log: boolean };
  /**
   * The input gradient of softmax from [g, y] (y the forward's output): y · (g - Σ g·y), or
   * with `log` g - exp(y) · Σ g, sums along `axis`.
   */
  softmaxBackward: { axis: number; log: boolean };
  /**
   * Cross entropy of logits x [C] or [N, C, ...] (classes on dim 1, or 0 when 1-D) at integer
   * class indices [target] (x's shape without the class dim; int32 or int64), with per-class
   * `weight` [C] as an optional third input. For each position i not equal to ignoreIndex
   * (whose target must lie in [0, C), else an IndexError), with lse_i = log Σ_c exp(x_ic) and
   * w_c the weights (1 without): loss_i = (1 - ε) w_t (lse_i - x_it) + ε/C Σ_c w_c (lse_i - x_ic),
   * ε = labelSmoothing; ignored positions give 0. Outputs [loss, lse]: loss per position
   * (reduction "none", target's shape) or its sum ("sum") or that sum divided by Σ_i w_t over
   * the non-ignored positions ("mean", PyTorch's normalisation; 0/0 = NaN when all are
   * ignored), 0-d; lse (target's shape) for the backward.
   */
  crossEntropy: { ignoreIndex: number; labelSmoothing: number; reduction: "none" | "sum" | "mean"; weight: boolean };
  /** The logits' gradient from [g (loss's shape), x, target, lse, weight?]: one output, x's shape. */
  crossEntropyBackward: { ignoreIndex: number; labelSmoothing: number; reduction: "none" | "sum" | "mean"; weight: boolean };
  /**
   * Batch normalization of x [N, C, *] per channel: y = (x - mean) · invstd · weight + bias
   * with optional inputs weight, bias, runningMean, runningVar (each [C], in that order; the
   * running pair is required when not training). Training: mean and invstd = 1/sqrt(var +
   * eps) of the batch (biased variance over N and the spatial dims), and the running pair,
   * when given, is updated in place: r = (1 - momentum) · r + momentum · batch statistic
   * (the unbiased variance, n/(n - 1) · var, n = N · spatial size ≥ 2). Eval: the running
   * statistics normalise. Outputs [y, mean [C], invstd [C]] (the statistics used).
   */
  batchNorm: { training: boolean; momentum: number; eps: number; weight: boolean; bias: boolean; running: boolean };
  /**
   * batchNorm's gradients from [g, x, mean, invstd, weight?] (the forward's saved outputs):
   * [dx, dweight [C], dbias [C]], with dweight = Σ g · x̂ and dbias = Σ g (computed whether or
   * not the forward had a weight and bias). Training: dx = invstd · (ĝ - mean(ĝ) - x̂ ·
   * mean(ĝ · x̂)), ĝ = g · weight, means over N and the spatial dims; eval (statistics
   * constant): dx = g · weight · invstd.
   */
  batchNormBackward: { training: boolean; weight: boolean };
  /**
   * Group normalization of x [N, C, *]: channels split into `groups` groups, each (sample,
   * group) normalised over its channels and spatial positions (biased variance), then
   * per-channel weight and bias (optional inputs, in that order). Layer normalization is this
   * with x seen as [rows, features] and one group; instance normalization, one group per
   * channel. Outputs [y, mean [N, groups], rstd [N, groups]] (rstd = 1/sqrt(var + eps)).
   */
  groupNorm: { groups: number; eps: number; weight: boolean; bias: boolean };
  /**
   * groupNorm's gradients from [g, x, mean, rstd, weight?]: [dx, dweight [C], dbias [C]]
   * (dweight = Σ g · x̂, dbias = Σ g over samples and positions).
   */
  groupNormBackward: { groups: number; weight: boolean };
  /**
   * The k largest (`largest`, else smallest) elements along `axis` of an input of at least
   * one dim, in sorted order: outputs [values, int32 indices], the input's shape with k at
   * `axis` (0 <= k <= its size). Exactly the first k of the stable `sort` (descending for
   * largest): NaN counts as larger than every number, -0 equals 0, and equal values come
   * in the order of their positions (lower index first), so results are deterministic.
   * Its decomposition is that sort and a slice; a backend's kernel selects without sorting
   * whole rows.
   */
  topk: { axis: number; k: number; largest: boolean };
  /**
   * Separable resampling along `axis` (F.interpolate, adaptive average pooling): inputs
   * [x, index, weight?] with index int32 [K, out] (tap k of output position o reads input
   * position index[k][o], which must lie in [0, size)) and weight [K, out] of x's dtype (absent:
   * one tap, K = 1, of weight 1). Forward (transpose false): x [.., size, ..] -> [.., out, ..],
   * y[o] = Σ_k weight[k][o] · x[index[k][o]], each product rounded to the dtype and the sum
   * taken as reduce's sum over k. Transpose (its gradient): x [.., out, ..] -> [.., size, ..],
   * zeros plus y[index[k][o]] += weight[k][o] · x[o], k-major then o, as a scatter-add.
   */
  resample: { axis: number; size: number; transpose: boolean };
  /**
   * Depthwise 2-D convolution (cross-correlation, zero padding): each of the C channels of
   * x [N, C, H, W] convolved with its own m filters, w [C·m, 1, kh, kw] (groups = C, channel
   * multiplier m >= 1, the `multiplier` attribute; output channel o reads input channel
   * floor(o / m)), in one of three passes (as conv2d's):
   * "forward": [x, w, bias?] -> [y [N, C·m, oh, ow]], bias [C·m] added per channel;
   * "input": [dy, w] -> [dx [N, C, ...inputSize]], the gradient with respect to x;
   * "weight": [x, dy] -> [dw [C·m, 1, kh, kw], db [C·m]], the gradients of w and of a bias.
   * Its decomposition is the grouped convolution's im2col (unfold/fold) and batched matmul;
   * a backend's kernel runs direct loops per channel plane without the 9x columns.
   */
  depthwiseConv2d: {
    pass: "forward" | "input" | "weight";
    multiplier: number;
    kernel: readonly [number, number]; stride: readonly [number, number]; padding: readonly [number, number]; dilation: readonly [number, number];
    inputSize?: readonly [number, number];
  };
}

export interface PrimitiveAttrs extends CorePrimitiveAttrs, FusedPrimitiveAttrs {}

export type CorePrimitiveName = keyof CorePrimitiveAttrs;
export type FusedPrimitiveName = keyof FusedPrimitiveAttrs;
export type PrimitiveName = keyof PrimitiveAttrs;

/** The fused tier, which backends may leave out (the dispatcher then runs its decomposition). */
export const FUSED_PRIMITIVES: readonly FusedPrimitiveName[] = [
  "softmax", "softmaxBackward", "crossEntropy", "crossEntropyBackward", "batchNorm", "batchNormBackward", "groupNorm", "groupNormBackward",
  "rnnCell", "rnnCellBackward", "fusedProgram", "linalg", "topk", "resample", "depthwiseConv2d",
];

/** The core primitives, which every backend implements (typed wide, so `PRIMITIVES.includes(call.op)` checks any call). */
export const PRIMITIVES: readonly PrimitiveName[] = [
  "unary", "binary", "where", "cast", "reduce", "scan", "view", "copy", "assign", "matmul", "cat",
  "pad", "gather", "scatter", "indexPut", "sort", "unique", "unfold", "fold", "conv2d", "maxPool", "random", "full", "range", "fromHost",
];

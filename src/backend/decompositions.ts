/**
 * The fused primitives (primitives.ts, FusedPrimitiveAttrs) written as core primitives: what
 * the dispatcher runs when a backend does not implement one (a new backend works before it
 * is fast), and a second, independent implementation the CPU kernels are tested against.
 * Only core primitives are dispatched here, through small helpers (decompositions_helpers.ts);
 * they skip the dispatcher's layers (dispatcher.ts), which have already seen the fused call.
 * No autograd: primitives never record. Batch and group norm are in decompositions_norm.ts, the
 * matrix factorizations (linalg) in decompositions_linalg.ts.
 *
 * Not for: speed (each is a handful of passes; the backends' fused kernels are the fast
 * path), nor argument checks (primitive_checks_fused.ts has run before).
 */
import { fusedProgramDecomposed } from "./fused_program.js";
import { IndexError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { dispatch, dispatchAll } from "./dispatcher.js";
import type { FusedPrimitiveAttrs, FusedPrimitiveName } from "./primitives.js";
import { alongAxis, binary, cast, reduce, reshape, scalar, unary, where } from "./decompositions_helpers.js";
import { rnnCellBackwardDecomposed, rnnCellDecomposed } from "./rnn_cell.js";
import { linalgDecomposed } from "./decompositions_linalg.js";
import { decomposeBatchNorm, decomposeBatchNormBackward, decomposeGroupNorm, decomposeGroupNormBackward } from "./decompositions_norm.js";

// ---- softmax ---------------------------------------------------------------------------------

function softmax(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["softmax"]): Tensor[] {
  const x0 = inputs[0]!;
  const x = x0.ndim === 0 ? reshape(x0, [1]) : x0;
  const shifted = binary("sub", x, reduce("max", x, [a.axis]));
  const e = unary("exp", shifted);
  const s = reduce("sum", e, [a.axis]);
  const y = a.log ? binary("sub", shifted, unary("log", s)) : binary("div", e, s);
  return [x0.ndim === 0 ? reshape(y, []) : y];
}

function softmaxBackward(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["softmaxBackward"]): Tensor[] {
  const [g0, y0] = inputs as [Tensor, Tensor];
  const flat = g0.ndim === 0;
  const g = flat ? reshape(g0, [1]) : g0, y = flat ? reshape(y0, [1]) : y0;
  const dx = a.log
    ? binary("sub", g, binary("mul", unary("exp", y), reduce("sum", g, [a.axis])))
    : binary("mul", y, binary("sub", g, reduce("sum", binary("mul", g, y), [a.axis])));
  return [flat ? reshape(dx, []) : dx];
}

// ---- cross entropy ---------------------------------------------------------------------------

interface Targets {
  classDim: number;
  C: number;
  /** target != ignoreIndex, target's shape with 1 inserted at classDim. */
  valid: Tensor;
  /** int32 class per position (0 where ignored), same shape as valid. */
  index: Tensor;
  /** w[target] (1 without weights), 0 where ignored; same shape as valid. */
  wt: Tensor;
}

/**
 * The targets checked and laid out beside the logits. The range check reads the targets on
 * the host: a kernel would report a bad one itself, but core primitives cannot raise.
 */
function targets(op: string, x: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): Targets {
  const classDim = x.ndim === 1 ? 0 : 1;
  const C = x.shape[classDim]!;
  const keptShape = x.shape.map((s, i) => (i === classDim ? 1 : s));
  const t = reshape(target, keptShape);
  const values = t.toTypedArray() as ArrayLike<number | bigint>;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]!);
    if (v !== ignoreIndex && (v < 0 || v >= C)) throw new IndexError(`${op}: target ${v} is out of bounds for ${C} classes (input shape ${fmtShape(x.shape)}); labels must be in [0, ${C - 1}]`);
  }
  const valid = binary("ne", t, ignoreIndex);
  const index = cast(where(valid, t, 0), "int32");
  let wt: Tensor;
  if (weight) {
    const picked = dispatch("gather", [weight, reshape(index, [index.numel()])], { axis: 0 });
    wt = where(valid, reshape(picked, keptShape), 0);
  } else wt = cast(valid, x.dtype);
  return { classDim, C, valid, index, wt };
}

function crossEntropy(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["crossEntropy"]): Tensor[] {
  const [x, target] = inputs as [Tensor, Tensor];
  const weight = a.weight ? inputs[2]! : null;
  const { classDim, C, valid, index, wt } = targets("crossEntropy", x, target, weight, a.ignoreIndex);
  const m = reduce("max", x, [classDim]);
  const lse = binary("add", unary("log", reduce("sum", unary("exp", binary("sub", x, m)), [classDim])), m);
  const xt = dispatch("gather", [x, index], { axis: classDim });
  // ignored positions select 0 (not multiply: their lse - x_t may be infinite)
  let loss = where(valid, binary("mul", wt, binary("sub", lse, xt)), 0);
  const eps = a.labelSmoothing;
  if (eps > 0) {
    const dev = binary("sub", lse, x);
    const wdev = weight ? binary("mul", dev, reshape(weight, alongAxis(x.shape, classDim))) : dev;
    const smooth = where(valid, reduce("sum", wdev, [classDim]), 0);
    loss = binary("add", binary("mul", loss, 1 - eps), binary("mul", smooth, eps / C));
  }
  const lseOut = reshape(lse, target.shape);
  if (a.reduction === "none") return [reshape(loss, target.shape), lseOut];
  const all = loss.shape.map((_, i) => i);
  const total = reduce("sum", loss, all, false);
  if (a.reduction === "sum") return [total, lseOut];
  return [binary("div", total, reduce("sum", wt, all, false)), lseOut];
}

function crossEntropyBackward(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["crossEntropyBackward"]): Tensor[] {
  const [g, x, target, lse] = inputs as [Tensor, Tensor, Tensor, Tensor];
  const weight = a.weight ? inputs[4]! : null;
  const { classDim, C, valid, index, wt } = targets("crossEntropyBackward", x, target, weight, a.ignoreIndex);
  const keptShape = valid.shape;
  const p = unary("exp", binary("sub", x, reshape(lse, keptShape)));
  const classes = reshape(dispatch("range", [], { start: 0, step: 1, n: C, dtype: "int32" }, x.device), alongAxis(x.shape, classDim));
  const onehot = cast(binary("eq", classes, index), x.dtype);
  const eps = a.labelSmoothing;
  // d loss_i / d x_c = p_c ((1 - ε) w_t + ε/C Σw) - (1 - ε) w_t [c = t] - ε/C w_c
  let coef = binary("mul", wt, 1 - eps);
  let dx: Tensor;
  if (eps > 0) {
    const wsum = weight ? reduce("sum", weight, [0], false) : scalar(C, x.dtype, x.device);
    coef = binary("add", coef, binary("mul", wsum, eps / C));
    const wc = weight ? reshape(weight, alongAxis(x.shape, classDim)) : scalar(1, x.dtype, x.device);
    dx = binary("sub", binary("sub", binary("mul", p, coef), binary("mul", onehot, binary("mul", wt, 1 - eps))), binary("mul", wc, eps / C));
  } else dx = binary("sub", binary("mul", p, coef), binary("mul", onehot, coef));
  let scale: Tensor;
  if (a.reduction === "none") scale = reshape(g, keptShape);
  else if (a.reduction === "sum") scale = g;
  else scale = binary("div", g, reduce("sum", wt, wt.shape.map((_, i) => i), false));
  return [where(valid, binary("mul", dx, scale), 0)];
}

// ---- topk ------------------------------------------------------------------------------------

/** The stable sort (descending for the largest) and its first k along the axis. */
function topk(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["topk"]): Tensor[] {
  const x = inputs[0]!;
  const sorted = dispatchAll("sort", [x], { axis: a.axis, descending: a.largest });
  return sorted.map((t) => {
    const shape = t.shape.map((s, d) => (d === a.axis ? a.k : s));
    return dispatch("copy", [dispatch("view", [t], { shape, strides: t.strides, offset: t.offset })], {});
  });
}

// ---- resample ----------------------------------------------------------------------------------

/** t (1 in every dim it is broadcast along) viewed at `shape` with stride 0 there. */
function broadcastTo(t: Tensor, shape: readonly number[]): Tensor {
  const strides = shape.map((s, d) => (t.shape[d] === 1 && s !== 1 ? 0 : t.strides[d]!));
  return dispatch("view", [t], { shape, strides, offset: t.offset });
}

/** One gather along the axis (the taps broadcast over the other dims), a product with the weights and a sum over the taps; transposed: the scatter-add. */
function resample(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["resample"], device: string): Tensor[] {
  const [x, index, weight] = inputs as [Tensor, Tensor, Tensor | undefined];
  const [K, out] = index.shape as [number, number];
  const axis = a.axis, pre = x.shape.slice(0, axis), post = x.shape.slice(axis + 1), ones = post.map(() => 1);
  const tapShape = [...pre, K * out, ...post];
  const idx = broadcastTo(reshape(index, x.shape.map((_, d) => (d === axis ? K * out : 1))), tapShape);
  const w = weight ? reshape(weight, K === 1 ? [out, ...ones] : [K, out, ...ones]) : null;
  if (!a.transpose) {
    const sel = dispatch("gather", [x, idx], { axis });
    if (!w) return [sel];
    if (K === 1) return [binary("mul", sel, w)];
    return [reduce("sum", binary("mul", reshape(sel, [...pre, K, out, ...post]), w), [axis], false)];
  }
  let src = x;
  if (w) src = K === 1 ? binary("mul", x, w) : reshape(binary("mul", broadcastTo(reshape(x, [...pre, 1, out, ...post]), [...pre, K, out, ...post]), w), tapShape);
  const outShape = [...pre, a.size, ...post];
  const zero = broadcastTo(reshape(scalar(0, x.dtype, device), outShape.map(() => 1)), outShape);
  return [dispatch("scatter", [zero, idx, src], { axis, reduce: "add" })];
}

// ---- depthwise convolution -------------------------------------------------------------------

/** A view of `t`'s storage (contiguous `t`; a stride of 0 broadcasts). */
function viewAs(t: Tensor, shape: readonly number[], strides: readonly number[]): Tensor {
  return dispatch("view", [t], { shape, strides, offset: t.offset });
}

function contiguous(t: Tensor): Tensor {
  return t.isContiguous() ? t : dispatch("copy", [t], {});
}

/**
 * The grouped convolution's im2col with groups = C: columns [N, C, K, L] (K = kh·kw taps,
 * L = oh·ow) and, per channel, its m filters [m, K] broadcast over the batch, one batched
 * matmul per pass (as conv.ts composed it before the primitive), fold for the input gradient.
 */
function depthwiseConv2d(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["depthwiseConv2d"]): Tensor[] {
  const win = { kernel: a.kernel, stride: a.stride, padding: a.padding, dilation: a.dilation };
  const m = a.multiplier, K = a.kernel[0] * a.kernel[1];
  if (a.pass === "forward") {
    const [x, w0, bias] = inputs as [Tensor, Tensor, Tensor | undefined];
    const w = contiguous(w0);
    const [N, C] = x.shape as [number, number];
    const cols = dispatch("unfold", [x], win); // [N, C·K, L]
    const L = cols.shape[2]!, O = C * m;
    const y = dispatch("matmul", [viewAs(w, [N, C, m, K], [0, m * K, K, 1]), viewAs(cols, [N, C, K, L], [C * K * L, K * L, L, 1])], {}); // [N, C, m, L]
    const size = (d: 0 | 1) => Math.floor((x.shape[2 + d]! + 2 * a.padding[d] - a.dilation[d] * (a.kernel[d] - 1) - 1) / a.stride[d]) + 1;
    const y4 = reshape(y, [N, O, size(0), size(1)]);
    return [bias ? binary("add", y4, reshape(bias, [1, O, 1, 1])) : y4];
  }
  if (a.pass === "input") {
    const [dy0, w0] = inputs as [Tensor, Tensor];
    const dy = contiguous(dy0), w = contiguous(w0);
    const [N, O] = dy.shape as [number, number];
    const C = O / m, L = dy.shape[2]! * dy.shape[3]!;
    const dcols = dispatch("matmul", [viewAs(w, [N, C, K, m], [0, m * K, 1, K]), viewAs(dy, [N, C, m, L], [O * L, m * L, L, 1])], {}); // [N, C, K, L]
    return [dispatch("fold", [viewAs(dcols, [N, C * K, L], [C * K * L, L, 1])], { outputSize: a.inputSize!, ...win })];
  }
  const [x, dy0] = inputs as [Tensor, Tensor];
  const dy = contiguous(dy0);
  const [N, C] = x.shape as [number, number];
  const O = C * m, L = dy.shape[2]! * dy.shape[3]!;
  const cols = dispatch("unfold", [x], win);
  const perImage = dispatch("matmul", [viewAs(dy, [N, C, m, L], [O * L, m * L, L, 1]), viewAs(cols, [N, C, L, K], [C * K * L, K * L, 1, L])], {}); // [N, C, m, K]
  const dw = reduce("sum", perImage, [0], false);
  const db = reduce("sum", viewAs(dy, [N, O, L], [O * L, L, 1]), [0, 2], false);
  return [reshape(dw, [O, 1, a.kernel[0], a.kernel[1]]), db];
}

// ---- the table --------------------------------------------------------------------------------

type Decomposition<P extends FusedPrimitiveName> = (inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs[P], device: string) => Tensor[];

const DECOMPOSITIONS: { [P in FusedPrimitiveName]: Decomposition<P> } = {
  softmax,
  softmaxBackward,
  crossEntropy,
  crossEntropyBackward,
  batchNorm: decomposeBatchNorm,
  batchNormBackward: decomposeBatchNormBackward,
  groupNorm: decomposeGroupNorm,
  groupNormBackward: decomposeGroupNormBackward,
  rnnCell: (inputs, a) => rnnCellDecomposed(inputs, a),
  rnnCellBackward: (inputs, a) => rnnCellBackwardDecomposed(inputs, a),
  fusedProgram: (inputs, a) => fusedProgramDecomposed(inputs, a),
  linalg: (inputs, a) => linalgDecomposed(inputs, a),
  topk,
  resample,
  depthwiseConv2d: (inputs, a) => depthwiseConv2d(inputs, a),
};

/** Runs fused primitive `op` as core primitives (called by the dispatcher; attributes already checked). */
export function decompose(op: FusedPrimitiveName, inputs: readonly Tensor[], attrs: unknown, device: string): Tensor[] {
  return (DECOMPOSITIONS[op] as Decomposition<FusedPrimitiveName>)(inputs, attrs as never, device);
}

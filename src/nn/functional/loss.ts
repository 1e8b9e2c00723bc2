/**
 * Loss functions (F.crossEntropy, F.mseLoss, ...), numerically stable and matching
 * PyTorch's formulas, reductions ("mean" | "sum" | "none") and special cases
 * (ignoreIndex, class weights, label smoothing, posWeight).
 */
import { isGradEnabled, noGrad } from "../../autograd/grad_mode.js";
import type { BackwardFn } from "../../autograd/node.js";
import { record1 } from "../../autograd/record.js";
import { dispatch, dispatchAll } from "../../backend/dispatcher.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { arange, scalarTensor, zerosLike } from "../../tensor/creation.js";
import { shapesEqual } from "../../tensor/shape.js";
import { getDefaultDtype } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { where } from "../../ops/elementwise.js";
import { assertAll } from "../../ops/advanced_indexing.js";
import { reduceGradToShape } from "../../ops/helpers.js";
import { defineF } from "./define.js";

export type Reduction = "mean" | "sum" | "none";

export function reduce(op: string, loss: Tensor, reduction: Reduction | undefined): Tensor {
  switch (reduction ?? "mean") {
    case "mean": return loss.mean();
    case "sum": return loss.sum();
    case "none": return loss;
    default: throw new FluxionError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  }
}

export function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(`${op}: target shape ${fmtShape(target.shape)} must match input shape ${fmtShape(input.shape)} (reshape one of them; Fluxion does not broadcast losses)`);
  }
}

/** Binary targets are probabilities: an integer or bool target is refused, as PyTorch refuses it ("Found dtype Long but expected Float"). */
function checkFloatTarget(op: string, input: Tensor, target: Tensor): void {
  if (!target.isFloatingPoint()) {
    throw new DTypeError(`${op}: expected a floating point target (probabilities, like the input's ${input.dtype}), got ${target.dtype} (shape ${fmtShape(target.shape)}); convert it with .float()`);
  }
}

export interface NllOptions {
  /** Per-class rescaling weights, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Class dim and the target's expected shape for input [N, C, ...] or [C]. */
function classLayout(op: string, input: Tensor, target: Tensor): { classDim: number; C: number } {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have at least 1 dimension (classes), got a 0-d tensor`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim]!;
  const expected = input.shape.filter((_, i) => i !== classDim);
  if (!shapesEqual(target.shape, expected)) {
    throw new ShapeError(`${op}: expected target of shape ${fmtShape(expected)} for input of shape ${fmtShape(input.shape)} (class indices), got ${fmtShape(target.shape)}`);
  }
  return { classDim, C };
}

/** Boolean mask [..., C, ...] selecting each element's target class, and the valid mask. */
function targetMask(op: string, input: Tensor, target: Tensor, ignoreIndex: number): { mask: Tensor; valid: Tensor; classDim: number; C: number } {
  if (target.dtype !== "int64" && target.dtype !== "int32") throw new DTypeError(`${op}: expected target of class indices with dtype int64 or int32, got ${target.dtype} (use target.long(), or pass probabilities as a float tensor to crossEntropy)`);
  const { classDim, C } = classLayout(op, input, target);
  const valid = target.ne(ignoreIndex);
  // the labels are checked by a kernel (a gather from 0..C-1 that raises on a bad value), not
  // read on the host: a compiled step keeps its loss in the graph
  const rule = { error: `${op}: target {index} is out of bounds for ${C} classes (input shape ${fmtShape(input.shape)}); labels must be in [0, ${C - 1}]` };
  const labels = where(valid, target, 0);
  const checked = dispatch("gather", [arange(C, { dtype: "int32", device: input.device }), labels.reshape([-1])], { axis: 0, index: rule }).reshape(labels.shape);
  const classes = arange(C, { dtype: "int32", device: input.device }).reshape(input.shape.map((s, i) => (i === classDim ? s : 1)));
  const mask = classes.eq(checked.unsqueeze(classDim)).logicalAnd(valid.unsqueeze(classDim));
  return { mask, valid, classDim, C };
}

function checkWeight(op: string, weight: Tensor | null | undefined, C: number): void {
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) throw new ShapeError(`${op}: weight must be a 1-D tensor of size ${C} (number of classes), got shape ${fmtShape(weight.shape)}`);
}

/** Negative log likelihood of log-probabilities `input` [N, C, ...] at int64/int32 class indices `target`. */
export function nllLoss(input: Tensor, target: Tensor, opts?: NllOptions): Tensor {
  const op = "nllLoss";
  const { mask, classDim, C } = targetMask(op, input, target, opts?.ignoreIndex ?? -100);
  checkWeight(op, opts?.weight, C);
  const w = opts?.weight ? opts.weight.reshape(input.shape.map((s, i) => (i === classDim ? s : 1))) : null;
  const picked = where(mask, w ? input.mul(w) : input, 0).sum(classDim).neg(); // -w[t] * input[t]
  const reduction = opts?.reduction ?? "mean";
  if (reduction !== "mean") return reduce(op, picked, reduction);
  // mean is normalised by the total weight of the non-ignored targets
  const total = w ? where(mask, w, 0).sum() : mask.sum().to(input.dtype);
  return picked.sum().div(total);
}

export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the target with a uniform distribution: (1 - ε) target + ε / C. */
  labelSmoothing?: number;
}

/**
 * Cross entropy of logits `input` [N, C, ...] against int64/int32 class indices [N, ...] or
 * class probabilities (a float tensor shaped like input).
 * @example F.crossEntropy(model.forward(x), labels)
 */
export function crossEntropy(input: Tensor, target: Tensor, opts?: CrossEntropyOptions): Tensor {
  const op = "crossEntropy";
  const eps = opts?.labelSmoothing ?? 0;
  if (eps < 0 || eps > 1) throw new FluxionError(`${op}: labelSmoothing must be between 0.0 and 1.0, got ${eps}`);
  const reduction = opts?.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new FluxionError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  }
  if (!target.isFloatingPoint()) return classCrossEntropy(input, target, opts?.weight ?? null, opts?.ignoreIndex ?? -100, eps, reduction);
  // class probabilities
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = input.logSoftmax(classDim);
  const C = input.shape[classDim]!;
  checkWeight(op, opts?.weight, C);
  const w = opts?.weight ? opts.weight.reshape(input.shape.map((s, i) => (i === classDim ? s : 1))) : null;
  if (shapesEqual(target.shape, input.shape.filter((_, i) => i !== classDim))) {
    // PyTorch: "expected scalar type Long but found Float"; in JS, tensor([1, 2]) is float32
    throw new DTypeError(`${op}: a target of shape ${fmtShape(target.shape)} for input ${fmtShape(input.shape)} is class indices, which must be int64 or int32, got ${target.dtype} (convert with .long(), or build it with tensor([...], { dtype: "int64" }): JavaScript numbers make float32); a floating-point target is class probabilities shaped like the input`);
  }
  checkSameShape(op, input, target);
  if ((opts?.ignoreIndex ?? -100) >= 0) throw new FluxionError(`${op}: ignoreIndex is not supported for floating point (probability) targets, got ignoreIndex ${opts!.ignoreIndex} with target ${target.dtype} of shape ${fmtShape(target.shape)}`);
  const t = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
  const loss = (w ? logp.mul(w) : logp).mul(t).sum(classDim).neg();
  return reduce(op, loss, reduction);
}

/**
 * Cross entropy at class indices as the fused primitive (log-sum-exp, the picked logit, class
 * weights, ignoreIndex, label smoothing and the reduction in one kernel; the kernel reports
 * an out-of-range target), with its fused backward. The class weights get no gradient, as in
 * PyTorch.
 */
function classCrossEntropy(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, labelSmoothing: number, reduction: Reduction): Tensor {
  const op = "crossEntropy";
  if (target.dtype !== "int64" && target.dtype !== "int32") throw new DTypeError(`${op}: expected target of class indices with dtype int64 or int32, got ${target.dtype} (use target.long(), or pass probabilities as a float tensor to crossEntropy)`);
  const x = input.isFloatingPoint() ? input : input.to(getDefaultDtype());
  const { C } = classLayout(op, x, target);
  checkWeight(op, weight, C);
  const w = weight ? noGrad(() => (weight.dtype === x.dtype ? weight.detach() : weight.to(x.dtype))) : null;
  const attrs = { ignoreIndex, labelSmoothing, reduction, weight: w !== null };
  const [loss, lse] = dispatchAll("crossEntropy", w ? [x, target, w] : [x, target], attrs) as [Tensor, Tensor];
  return record1("CrossEntropyLossBackward0", [x], loss, w ? [x, target, lse, w] : [x, target, lse], crossEntropyBackward(attrs));
}

/**
 * crossEntropy's backward (saved: x, target, lse and the weight if any): the fused primitive,
 * or under createGraph the same gradient in differentiable ops —
 * scale · (softmax(x) · ((1 - ε) w_t + ε/C Σw) - (1 - ε) w_t · onehot(t) - ε/C · w), zero at
 * ignored positions, scale = g (or g / Σ w_t for "mean").
 */
function crossEntropyBackward(a: { ignoreIndex: number; labelSmoothing: number; reduction: Reduction; weight: boolean }): BackwardFn {
  return ([g0], saved) => {
    const [x, target, lse, w] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
    const g = g0!.dtype === x.dtype ? g0! : g0!.to(x.dtype);
    if (!isGradEnabled()) return [dispatch("crossEntropyBackward", w ? [g, x, target, lse, w] : [g, x, target, lse], a)];
    const classDim = x.ndim === 1 ? 0 : 1, C = x.shape[classDim]!, eps = a.labelSmoothing;
    const valid = target.ne(a.ignoreIndex).unsqueeze(classDim);
    const t = where(valid, target.unsqueeze(classDim), 0).long();
    const wt = where(valid, w ? w.gather(0, t.reshape([-1])).reshape(t.shape) : 1, 0).to(x.dtype);
    const onehot = zerosLike(x).scatter(classDim, t, 1);
    let coef = wt.mul(1 - eps);
    if (eps > 0) coef = coef.add((w ? w.sum() : scalarTensor(C, x.dtype, x.device)).mul(eps / C));
    let d = x.softmax(classDim).mul(coef).sub(onehot.mul(wt.mul(1 - eps)));
    if (eps > 0) d = d.sub(w ? w.reshape(x.shape.map((s, i) => (i === classDim ? s : 1))).mul(eps / C) : eps / C);
    const scale = a.reduction === "none" ? g.unsqueeze(classDim) : a.reduction === "sum" ? g : g.div(wt.sum());
    return [where(valid, d.mul(scale), 0)];
  };
}

export function mseLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  checkSameShape("mseLoss", input, target);
  const d = input.sub(target);
  return reduce("mseLoss", d.mul(d), opts?.reduction);
}

export function l1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  checkSameShape("l1Loss", input, target);
  return reduce("l1Loss", input.sub(target).abs(), opts?.reduction);
}

/** Quadratic below beta, linear above (divided by beta, as torch.smooth_l1_loss). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction; beta?: number }): Tensor {
  checkSameShape("smoothL1Loss", input, target);
  const beta = opts?.beta ?? 1;
  if (!(beta >= 0)) throw new ArgumentError(`smoothL1Loss: beta must be non-negative (PyTorch: "smooth_l1_loss does not support negative values for beta"), got ${beta}`);
  if (beta === 0) return reduce("smoothL1Loss", smoothL1Beta0(input, target), opts?.reduction);
  // the quadratic part squares the difference itself, not |difference|: abs's derivative, 0
  // at 0, would make the second derivative 0 there instead of 1 / beta
  const diff = input.sub(target), d = diff.abs();
  const loss = where(d.lt(beta), diff.mul(diff).mul(0.5 / beta), d.sub(0.5 * beta));
  return reduce("smoothL1Loss", loss, opts?.reduction);
}

/**
 * |input - target| with the gradients of PyTorch's smooth_l1 kernel at beta 0. Where input ==
 * target it takes the -1 side (its test is x <= -beta) for the input, and for the target too
 * (the target's gradient is the same kernel with the two swapped): abs() would give 0 and -0.
 */
function smoothL1Beta0(input: Tensor, target: Tensor): Tensor {
  const out = noGrad(() => input.sub(target).abs());
  return record1("SmoothL1LossBackward0", [input, target], out, [input, target], ([g], [i, t]) => {
    const x = i!.sub(t!);
    return [where(x.gt(0), g!, g!.neg()), where(x.lt(0), g!, g!.neg())];
  });
}

/** Quadratic below delta, linear above (not divided by delta, as torch.huber_loss). */
export function huberLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction; delta?: number }): Tensor {
  checkSameShape("huberLoss", input, target);
  const delta = opts?.delta ?? 1;
  if (!(delta > 0)) throw new ArgumentError(`huberLoss: delta must be positive (PyTorch: "huber_loss does not support non-positive values for delta"), got ${delta}`);
  const diff = input.sub(target), d = diff.abs(); // squared as smoothL1Loss's, for the second derivative at 0
  const loss = where(d.lt(delta), diff.mul(diff).mul(0.5), d.sub(0.5 * delta).mul(delta));
  return reduce("huberLoss", loss, opts?.reduction);
}

/**
 * Binary cross entropy of probabilities; logs are clamped at -100 as torch does. The
 * gradient is PyTorch's formula, (x - t) / max(x (1 - x), 1e-12): finite where a saturated
 * sigmoid gives exactly 0 or 1 (differentiating the clamped logs gives inf · 0 = NaN there).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: { weight?: Tensor | null; reduction?: Reduction }): Tensor {
  checkSameShape("binaryCrossEntropy", input, target);
  checkFloatTarget("binaryCrossEntropy", input, target);
  noGrad(() => assertAll(input.ge(0).logicalAnd(input.le(1)), "binaryCrossEntropy: all elements of input should be between 0 and 1 (NaN is not); use binaryCrossEntropyWithLogits for logits"));
  const elementwise = noGrad(() => {
    const logP = input.log().clamp(-100);
    const log1mP = input.rsub(1).log().clamp(-100);
    return target.mul(logP).add(target.rsub(1).mul(log1mP)).neg();
  });
  let loss = record1("BinaryCrossEntropyBackward0", [input, target], elementwise, [input, target], ([g], [x, t], needs) => [
    needs[0] ? g!.mul(x!.sub(t!)).div(x!.rsub(1).mul(x!).clampMin(1e-12)) : null,
    needs[1] ? g!.mul(x!.logit().neg()) : null, // d/dt = -logit(x), unclamped as PyTorch's
  ]);
  if (opts?.weight) loss = loss.mul(opts.weight);
  return reduce("binaryCrossEntropy", loss, opts?.reduction);
}

/** log σ(z) = min(z, 0) - log1p(exp(-|z|)), finite for any z (no gradient recorded). */
function logSigmoidRaw(z: Tensor): Tensor {
  const a = z.abs();
  return z.sub(a).mul(0.5).sub(a.neg().exp().log1p());
}

// PyTorch's binary_cross_entropy_with_logits_backward (input) and _target_backward, and for a
// posWeight that requires grad (PyTorch has no derivative there) d/dpw = -t log σ(x). Written
// out rather than differentiated through max(-x, 0) + log1p(exp(-|x|)), whose kinks at x = 0
// gave -1 for softplus(-x)'s slope there instead of -1/2 (zero-initialized logits), and whose
// tails rounded σ(x) - t to values PyTorch does not give.
function bceWithLogitsBackward(hasPosWeight: boolean): BackwardFn {
  return ([g], [x, t, pw], needs) => {
    const shapeOf = (i: number) => [x, t, pw][i]!.shape;
    let gx: Tensor | null = null, gt: Tensor | null = null, gpw: Tensor | null = null;
    if (needs[0]) {
      const sig = x!.sigmoid();
      if (hasPosWeight) {
        const pt = pw!.mul(t!);
        gx = g!.mul(pt.add(1).sub(t!).mul(sig).sub(pt));
      } else gx = g!.mul(sig.sub(t!));
      gx = reduceGradToShape(gx, shapeOf(0));
    }
    if (needs[1]) {
      gt = hasPosWeight ? g!.mul(logSigmoidRaw(x!.neg()).sub(logSigmoidRaw(x!).mul(pw!))) : g!.mul(x!.neg());
      gt = reduceGradToShape(gt, shapeOf(1));
    }
    if (hasPosWeight && needs[2]) gpw = reduceGradToShape(g!.mul(t!.mul(logSigmoidRaw(x!)).neg()), shapeOf(2));
    return hasPosWeight ? [gx, gt, gpw] : [gx, gt];
  };
}

/** Sigmoid + binary cross entropy in one stable expression (posWeight scales positives). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  checkSameShape(op, input, target);
  checkFloatTarget(op, input, target);
  const posWeight = opts?.posWeight ?? null;
  if (posWeight !== null) {
    const pw = posWeight.shape, n = pw.length, m = input.ndim;
    const fits = pw.every((d, i) => d === 1 || i + m - n < 0 || d === input.shape[i + m - n]);
    if (!fits) throw new ShapeError(`${op}: posWeight of shape ${fmtShape(pw)} cannot be broadcast to the input's shape ${fmtShape(input.shape)} (give one weight per class, along the last dim: [${input.shape[m - 1] ?? 1}])`);
  }
  const elementwise = noGrad(() => {
    // log(1 + exp(-x)) computed without overflow: softplus(-x) = max(-x, 0) + log1p(exp(-|x|))
    const logSigNeg = input.neg().clamp(0).add(input.abs().neg().exp().log1p()); // -log sigmoid(x)
    if (posWeight === null) return target.rsub(1).mul(input).add(logSigNeg);
    const logWeight = posWeight.sub(1).mul(target).add(1);
    return target.rsub(1).mul(input).add(logWeight.mul(logSigNeg));
  });
  const inputs = posWeight === null ? [input, target] : [input, target, posWeight];
  let loss = record1("BinaryCrossEntropyWithLogitsBackward0", inputs, elementwise, inputs, bceWithLogitsBackward(posWeight !== null));
  if (opts?.weight) loss = loss.mul(opts.weight);
  return reduce(op, loss, opts?.reduction);
}

let warnedKlDivMean = false;

/**
 * KL divergence with log-probability input, as PyTorch 1.13 computes it: xlogy(target, target) -
 * target * input (so 0 log 0 = 0, while a negative target, or a zero target against an input of
 * -inf, gives NaN as in PyTorch), or exp(target) * (target - input) with logTarget.
 * reduction "mean" (the default) averages over every element and warns once, as PyTorch does:
 * "batchmean" is the KL divergence of the math definition.
 */
export function klDiv(input: Tensor, target: Tensor, opts?: { reduction?: Reduction | "batchmean"; logTarget?: boolean }): Tensor {
  checkSameShape("klDiv", input, target);
  const loss = opts?.logTarget ? target.exp().mul(target.sub(input)) : target.xlogy(target).sub(target.mul(input));
  const reduction = opts?.reduction ?? "mean";
  if (reduction === "mean" && !warnedKlDivMean) {
    warnedKlDivMean = true;
    console.warn("fluxion: klDiv: reduction 'mean' divides the total loss by both the batch size and the support size; 'batchmean' divides only by the batch size, and aligns with the KL div math definition (as PyTorch warns; pass reduction: \"batchmean\")");
  }
  if (reduction === "batchmean") return loss.sum().div(input.ndim > 0 ? input.shape[0]! : 1);
  return reduce("klDiv", loss, reduction);
}

// ---- the declared forms ------------------------------------------------------------------

/**
 * PyTorch's _Reduction.legacy_get_string: the deprecated sizeAverage / reduce, when either is
 * given, decide the reduction (and `reduction` is ignored, as in PyTorch): reduce=false gives
 * "none", else sizeAverage=false gives "sum", else "mean".
 */
export function legacyReduction<R extends string>(sizeAverage: boolean | null, reduce: boolean | null, reduction: R): R | Reduction {
  if (sizeAverage === null && reduce === null) return reduction;
  if (!(reduce ?? true)) return "none";
  return (sizeAverage ?? true) ? "mean" : "sum";
}

type Red = Reduction;
/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const LOSS_FNS = {
  nllLoss: defineF(
    'nllLoss(Tensor input, Tensor target, Tensor? weight=null, bool? sizeAverage=null, int ignoreIndex=-100, bool? reduce=null, "mean"|"sum"|"none" reduction="mean") -> Tensor',
    (x: Tensor, t: Tensor, weight: Tensor | null, sizeAverage: boolean | null, ignoreIndex: number, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return nllLoss(x, t, { weight, ignoreIndex, reduction });
    },
  ),
  crossEntropy: defineF(
    'crossEntropy(Tensor input, Tensor target, Tensor? weight=null, bool? sizeAverage=null, int ignoreIndex=-100, bool? reduce=null, "mean"|"sum"|"none" reduction="mean", float labelSmoothing=0.0) -> Tensor',
    (x: Tensor, t: Tensor, weight: Tensor | null, sizeAverage: boolean | null, ignoreIndex: number, reduce: boolean | null, reduction: Red, labelSmoothing: number) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return crossEntropy(x, t, { weight, ignoreIndex, reduction, labelSmoothing });
    },
  ),
  mseLoss: defineF(
    'mseLoss(Tensor input, Tensor target, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean") -> Tensor',
    (x: Tensor, t: Tensor, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return mseLoss(x, t, { reduction });
    },
  ),
  l1Loss: defineF(
    'l1Loss(Tensor input, Tensor target, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean") -> Tensor',
    (x: Tensor, t: Tensor, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return l1Loss(x, t, { reduction });
    },
  ),
  smoothL1Loss: defineF(
    'smoothL1Loss(Tensor input, Tensor target, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean", float beta=1.0) -> Tensor',
    (x: Tensor, t: Tensor, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red, beta: number) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return smoothL1Loss(x, t, { reduction, beta });
    },
  ),
  huberLoss: defineF(
    'huberLoss(Tensor input, Tensor target, "mean"|"sum"|"none" reduction="mean", float delta=1.0) -> Tensor',
    (x: Tensor, t: Tensor, reduction: Red, delta: number) => huberLoss(x, t, { reduction, delta }),
  ),
  binaryCrossEntropy: defineF(
    'binaryCrossEntropy(Tensor input, Tensor target, Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean") -> Tensor',
    (x: Tensor, t: Tensor, weight: Tensor | null, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return binaryCrossEntropy(x, t, { weight, reduction });
    },
  ),
  binaryCrossEntropyWithLogits: defineF(
    'binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean", Tensor? posWeight=null) -> Tensor',
    (x: Tensor, t: Tensor, weight: Tensor | null, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red, posWeight: Tensor | null) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return binaryCrossEntropyWithLogits(x, t, { weight, reduction, posWeight });
    },
  ),
  klDiv: defineF(
    'klDiv(Tensor input, Tensor target, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none"|"batchmean" reduction="mean", bool logTarget=false) -> Tensor',
    (x: Tensor, t: Tensor, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red | "batchmean", logTarget: boolean) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return klDiv(x, t, { reduction, logTarget });
    },
  ),
};

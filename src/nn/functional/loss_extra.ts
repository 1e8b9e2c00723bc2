/**
 * The ranking, embedding and likelihood losses (F.marginRankingLoss, hingeEmbeddingLoss,
 * softMarginLoss, cosineEmbeddingLoss, tripletMarginLoss, multiMarginLoss,
 * multilabelSoftMarginLoss, poissonNllLoss, gaussianNllLoss), composed from Tensor ops
 * formula for formula as PyTorch 1.13's (ATen's kernels or torch.nn.functional's Python), so
 * their gradients are autograd's. Targets are ±1 labels (float or integer tensors) where
 * PyTorch takes them; as the other losses, inputs and targets must have the same shape.
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { assertAll } from "../../ops/advanced_indexing.js";
import { where } from "../../ops/elementwise.js";
import { arange } from "../../tensor/creation.js";
import { shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";
import { pairwiseDistance } from "./distance.js";
import { logsigmoid } from "./activation.js";
import { checkSameShape, reduce, legacyReduction, type Reduction } from "./loss.js";

/**
 * max(0, -y · (x1 - x2) + margin): x1 should rank above x2 where y = 1, below where y = -1.
 * @example F.marginRankingLoss(scoresA, scoresB, tensor([1, -1, 1]), { margin: 0.5 })
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts?: { margin?: number; reduction?: Reduction }): Tensor {
  const op = "marginRankingLoss";
  checkSameShape(op, input1, input2);
  checkSameShape(op, input1, target);
  return reduce(op, target.neg().mul(input1.sub(input2)).add(opts?.margin ?? 0).clampMin(0), opts?.reduction);
}

/**
 * x where y = 1 and max(0, margin - x) where y = -1 (x is usually a distance).
 * @example F.hingeEmbeddingLoss(distances, tensor([1, -1]))
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts?: { margin?: number; reduction?: Reduction }): Tensor {
  const op = "hingeEmbeddingLoss";
  checkSameShape(op, input, target);
  const marginClamp = input.rsub(opts?.margin ?? 1).clampMin(0);
  const loss = where(target.ne(1), marginClamp, 0).add(where(target.ne(-1), input, 0));
  return reduce(op, loss, opts?.reduction);
}

/**
 * log(1 + exp(-y · x)), the logistic loss of ±1 labels.
 * @example F.softMarginLoss(scores, tensor([1, -1, 1]))
 */
export function softMarginLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor {
  checkSameShape("softMarginLoss", input, target);
  return reduce("softMarginLoss", input.neg().mul(target).exp().log1p(), opts?.reduction);
}

/**
 * 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; x1, x2 are [N, D]
 * (y [N]) or [D] (y a scalar). The squared norms get 1e-12 added, as ATen's.
 * @example F.cosineEmbeddingLoss(a, b, tensor([1, -1]))
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts?: { margin?: number; reduction?: Reduction }): Tensor {
  const op = "cosineEmbeddingLoss";
  if (target.ndim > 1) throw new ShapeError(`${op}: 0D or 1D target tensor expected, multi-target not supported (target shape ${fmtShape(target.shape)})`);
  if (input1.ndim !== target.ndim + 1 || input2.ndim !== target.ndim + 1) {
    throw new ShapeError(`${op}: ${target.ndim}D target tensor expects ${target.ndim + 1}D input tensors, but found inputs with shapes ${fmtShape(input1.shape)} and ${fmtShape(input2.shape)}`);
  }
  checkSameShape(op, input1, input2);
  if (target.ndim === 1 && target.shape[0] !== input1.shape[0]) throw new ShapeError(`${op}: target shape ${fmtShape(target.shape)} must match the batch of the inputs, shape ${fmtShape(input1.shape)}`);
  const d = target.ndim;
  const prodSum = input1.mul(input2).sum(d);
  const mag1 = input1.mul(input1).sum(d).add(1e-12);
  const mag2 = input2.mul(input2).sum(d).add(1e-12);
  const cos = prodSum.div(mag1.mul(mag2).sqrt());
  const loss = where(target.eq(1), cos.rsub(1), 0).add(where(target.eq(-1), cos.sub(opts?.margin ?? 0).clampMin(0), 0));
  return reduce(op, loss, opts?.reduction);
}

export interface TripletMarginOptions {
  margin?: number;
  p?: number;
  eps?: number;
  /** Use the positive-negative distance when it is smaller (the "distance swap"). */
  swap?: boolean;
  reduction?: Reduction;
}

/**
 * max(0, d(a, p) - d(a, n) + margin) with pairwise p-norm distances along the last dim.
 * @example F.tripletMarginLoss(anchor, positive, negative, { margin: 1 })
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts?: TripletMarginOptions): Tensor {
  const op = "tripletMarginLoss";
  if (anchor.ndim !== positive.ndim || anchor.ndim !== negative.ndim) {
    throw new ShapeError(`${op}: the anchor, positive and negative tensors are expected to have the same number of dimensions, but got shapes ${fmtShape(anchor.shape)}, ${fmtShape(positive.shape)} and ${fmtShape(negative.shape)}`);
  }
  const p = opts?.p ?? 2, eps = opts?.eps ?? 1e-6;
  const distPos = pairwiseDistance(anchor, positive, p, eps);
  let distNeg = pairwiseDistance(anchor, negative, p, eps);
  if (opts?.swap) distNeg = distNeg.minimum(pairwiseDistance(positive, negative, p, eps));
  return reduce(op, distPos.sub(distNeg).add(opts?.margin ?? 1).clampMin(0), opts?.reduction);
}

export interface MultiMarginOptions {
  p?: number;
  margin?: number;
  weight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * The multi-class hinge loss: Σ_{j ≠ y} max(0, margin - x[y] + x[j])^p / C per sample
 * (times weight[y]); input [N, C] or [C], target class indices [N] or [].
 * @example F.multiMarginLoss(scores, labels)
 */
export function multiMarginLoss(input: Tensor, target: Tensor, opts?: MultiMarginOptions): Tensor {
  const op = "multiMarginLoss";
  const p = opts?.p ?? 1;
  if (p !== 1 && p !== 2) throw new FluxionError(`${op}: only p == 1 and p == 2 supported, got ${p}`);
  if (target.dtype !== "int64" && target.dtype !== "int32") throw new DTypeError(`${op}: expected target of class indices with dtype int64 or int32, got ${target.dtype}`);
  if (input.ndim > 2 || (input.ndim === 2 ? target.ndim !== 1 || target.shape[0] !== input.shape[0] : target.ndim > 1 || target.numel() !== 1)) {
    throw new ShapeError(`${op}: inconsistent target size: expected input [N, C] with target [N] or input [C] with one target, got input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)}`);
  }
  const x = input.ndim === 2 ? input : input.reshape([1, -1]);
  const t = target.reshape([-1, 1]).long();
  const C = x.shape[1]!;
  const w = opts?.weight ?? null;
  if (w !== null && (w.ndim !== 1 || w.shape[0] !== C)) throw new ShapeError(`${op}: weight must be a 1D tensor of ${C} class weights, got shape ${fmtShape(w.shape)}`);
  noGrad(() => assertAll(t.ge(0).logicalAnd(t.lt(C)), `${op}: target out of range: class indices must be in [0, ${C - 1}]`));
  const xy = x.gather(1, t);
  // relu, not clampMin: PyTorch's kernel counts a class only where the margin is strictly
  // violated (z > 0), so a class exactly at the margin gets no gradient
  let z = x.sub(xy).add(opts?.margin ?? 1).relu();
  if (p === 2) z = z.mul(z);
  if (w !== null) z = z.mul(w.gather(0, t.reshape([-1])).reshape([-1, 1]));
  const otherClass = t.ne(arange(C, { dtype: "int64", device: x.device }).reshape([1, C])); // j ≠ y
  const loss = where(otherClass, z, 0).sum(1).div(C);
  return reduce(op, input.ndim === 2 ? loss : loss.reshape([]), opts?.reduction);
}

/**
 * Multi-label one-versus-all logistic loss, averaged over the C classes of each sample:
 * -(y log σ(x) + (1 - y) log σ(-x)) (times weight), input and target [N, C].
 * @example F.multilabelSoftMarginLoss(logits, labels01)
 */
export function multilabelSoftMarginLoss(input: Tensor, target: Tensor, opts?: { weight?: Tensor | null; reduction?: Reduction }): Tensor {
  const op = "multilabelSoftMarginLoss";
  checkSameShape(op, input, target);
  // PyTorch's -(y logsigmoid(x) + (1 - y) logsigmoid(-x)), through logsigmoid's own gradient (1/2 at 0)
  let loss = target.mul(logsigmoid(input)).add(target.rsub(1).mul(logsigmoid(input.neg()))).neg();
  if (opts?.weight) loss = loss.mul(opts.weight);
  const classDim = input.ndim - 1;
  loss = loss.sum(classDim).div(input.shape[classDim]!);
  return reduce(op, loss, opts?.reduction);
}

export interface PoissonNllOptions {
  /** input is log λ (true, the default) or λ itself. */
  logInput?: boolean;
  /** Add Stirling's approximation of log(target!) where target > 1. */
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/**
 * Negative log likelihood of target under Poisson(λ): exp(x) - y·x with logInput, else
 * λ - y·log(λ + eps).
 * @example F.poissonNllLoss(logRates, counts)
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts?: PoissonNllOptions): Tensor {
  const op = "poissonNllLoss";
  checkSameShape(op, input, target);
  let loss = (opts?.logInput ?? true) ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(opts?.eps ?? 1e-8).log()));
  if (opts?.full) {
    const stirling = target.mul(target.log()).sub(target).add(target.mul(2 * Math.PI).log().mul(0.5));
    loss = loss.add(where(target.le(1), 0, stirling));
  }
  return reduce(op, loss, opts?.reduction);
}

/**
 * Negative log likelihood of target under N(input, var): 0.5 (log var + (input - target)² / var)
 * (+ 0.5 log 2π with full); var has input's shape, or one dim less / a last dim of 1 (one
 * variance per sample). var is clamped to eps without autograd seeing the clamp, as PyTorch.
 * @example F.gaussianNllLoss(mean, target, variance)
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, opts?: { full?: boolean; eps?: number; reduction?: Reduction }): Tensor {
  const op = "gaussianNllLoss";
  checkSameShape(op, input, target);
  let v = variance;
  if (!shapesEqual(v.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    if (shapesEqual(lead, v.shape)) v = v.unsqueeze(-1);
    else if (!(v.ndim === input.ndim && shapesEqual(lead, v.shape.slice(0, -1)) && v.shape[v.ndim - 1] === 1)) {
      throw new ShapeError(`${op}: var is of incorrect size: expected ${fmtShape(input.shape)}, ${fmtShape(lead)} or ${fmtShape([...lead, 1])}, got ${fmtShape(variance.shape)}`);
    }
  }
  const reduction = opts?.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") throw new ArgumentError(`${op}: ${JSON.stringify(reduction)} is not a valid reduction`);
  noGrad(() => assertAll(v.ge(0), `${op}: var has negative entry/entries`));
  const eps = opts?.eps ?? 1e-6;
  v = v.add(noGrad(() => v.clampMin(eps).sub(v))); // clamp(var, eps) with var's own gradient
  let loss = v.log().add(input.sub(target).pow(2).div(v)).mul(0.5);
  if (opts?.full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  return reduce(op, loss, reduction);
}

type Red = Reduction;
const RED = '"mean"|"sum"|"none" reduction="mean"';
/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const LOSS_EXTRA_FNS = {
  marginRankingLoss: defineF(
    `marginRankingLoss(Tensor input1, Tensor input2, Tensor target, float margin=0.0, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (a: Tensor, b: Tensor, t: Tensor, margin: number, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return marginRankingLoss(a, b, t, { margin, reduction });
    },
  ),
  hingeEmbeddingLoss: defineF(
    `hingeEmbeddingLoss(Tensor input, Tensor target, float margin=1.0, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (x: Tensor, t: Tensor, margin: number, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return hingeEmbeddingLoss(x, t, { margin, reduction });
    },
  ),
  softMarginLoss: defineF(
    `softMarginLoss(Tensor input, Tensor target, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (x: Tensor, t: Tensor, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return softMarginLoss(x, t, { reduction });
    },
  ),
  cosineEmbeddingLoss: defineF(
    `cosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, float margin=0.0, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (a: Tensor, b: Tensor, t: Tensor, margin: number, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return cosineEmbeddingLoss(a, b, t, { margin, reduction });
    },
  ),
  tripletMarginLoss: defineF(
    `tripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, float margin=1.0, float p=2, float eps=1e-6, bool swap=false, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (a: Tensor, pos: Tensor, neg: Tensor, margin: number, p: number, eps: number, swap: boolean, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return tripletMarginLoss(a, pos, neg, { margin, p, eps, swap, reduction });
    },
  ),
  multiMarginLoss: defineF(
    `multiMarginLoss(Tensor input, Tensor target, int p=1, float margin=1.0, Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (x: Tensor, t: Tensor, p: number, margin: number, weight: Tensor | null, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return multiMarginLoss(x, t, { p, margin, weight, reduction });
    },
  ),
  multilabelSoftMarginLoss: defineF(
    `multilabelSoftMarginLoss(Tensor input, Tensor target, Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, ${RED}) -> Tensor`,
    (x: Tensor, t: Tensor, weight: Tensor | null, sizeAverage: boolean | null, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return multilabelSoftMarginLoss(x, t, { weight, reduction });
    },
  ),
  poissonNllLoss: defineF(
    `poissonNllLoss(Tensor input, Tensor target, bool logInput=true, bool full=false, bool? sizeAverage=null, float eps=1e-8, bool? reduce=null, ${RED}) -> Tensor`,
    (x: Tensor, t: Tensor, logInput: boolean, full: boolean, sizeAverage: boolean | null, eps: number, reduce: boolean | null, reduction: Red) => {
      reduction = legacyReduction(sizeAverage, reduce, reduction);
      return poissonNllLoss(x, t, { logInput, full, eps, reduction });
    },
  ),
  gaussianNllLoss: defineF(
    `gaussianNllLoss(Tensor input, Tensor target, Tensor var, bool full=false, float eps=1e-6, ${RED}) -> Tensor`,
    (x: Tensor, t: Tensor, v: Tensor, full: boolean, eps: number, reduction: Red) => gaussianNllLoss(x, t, v, { full, eps, reduction }),
  ),
};

/**
 * Loss modules: thin configurable wrappers over the functional losses, with PyTorch's
 * constructor arguments in PyTorch's order, deprecated ones included so positional calls
 * translate unchanged: `new nn.NLLLoss(weight, null, 0)` sets ignoreIndex 0, and
 * sizeAverage / reduce, when given, decide the reduction as PyTorch's legacy rule does.
 * `opts` is what the functional form gets: `F.crossEntropy(input, target, loss.opts)`.
 * Class weights are buffers named as PyTorch's (weight, pos_weight), so they are in the
 * stateDict and follow `module.to(dtype)`.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import * as F from "../functional/loss.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";
import { runOpLayers } from "../../backend/dispatcher.js";

export type Reduction = "mean" | "sum" | "none";

/** PyTorch's _Reduction.legacy_get_string: sizeAverage / reduce (when either is given) override reduction. */
function legacyReduction<R extends string>(sizeAverage: boolean | null, reduce: boolean | null, reduction: R): R | Reduction {
  if (sizeAverage === null && reduce === null) return reduction;
  if (!(reduce ?? true)) return "none";
  return (sizeAverage ?? true) ? "mean" : "sum";
}

/** Shared by every loss: the reduction, and forward(input, target) checking its tensors and calling the functional form. */
abstract class Loss<R extends string = Reduction> extends Module {
  readonly reduction: R;
  constructor(reduction: R) {
    super();
    this.reduction = reduction;
  }
  protected abstract compute(input: Tensor, target: Tensor): Tensor;
  forward(input: Tensor, target: Tensor): Tensor {
    checkTensorArg(this, "input", input, 1);
    checkTensorArg(this, "target", target, 2);
    // under its module name ("nn.CrossEntropyLoss"), so op layers (autocast's float32 losses) see it
    return runOpLayers(`nn.${this.constructor.name}`, [input, target], (i: Tensor, t: Tensor) => this.compute(i, t)) as Tensor;
  }
}

/** A loss with a class-weight buffer named "weight" (torch's _WeightedLoss). */
abstract class WeightedLoss extends Loss {
  declare weight: Tensor | null;
  constructor(weight: Tensor | null, reduction: Reduction) {
    super(reduction);
    this.registerBuffer("weight", weight);
  }
}

/** MSELoss and L1Loss: nothing but the reduction, which PyTorch's legacy sizeAverage / reduce may set. */
abstract class PointwiseLoss extends Loss {
  readonly opts: { reduction: Reduction };
  constructor([sizeAverage, reduce, reduction]: readonly [boolean | null, boolean | null, Reduction]) {
    super(legacyReduction(sizeAverage, reduce, reduction));
    this.opts = { reduction: this.reduction };
  }
}

const CROSS_ENTROPY = 'CrossEntropyLoss(Tensor? weight=null, bool? sizeAverage=null, int ignoreIndex=-100, bool? reduce=null, "mean"|"sum"|"none" reduction="mean", float labelSmoothing=0.0)';
const crossEntropyArgs = declareArgs(CROSS_ENTROPY, "nn");

/**
 * Cross entropy over logits, with class indices (int32) or probabilities as targets.
 * @example const criterion = new nn.CrossEntropyLoss(); criterion.forward(logits, labels)
 * @example new nn.CrossEntropyLoss(classWeights, { labelSmoothing: 0.1 })
 */
export class CrossEntropyLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  readonly labelSmoothing: number;
  constructor(...args: CtorArgs<typeof CROSS_ENTROPY>) {
    const [weight, sizeAverage, ignoreIndex, reduce, reduction, labelSmoothing] = crossEntropyArgs.bind(args);
    super(weight, legacyReduction(sizeAverage, reduce, reduction));
    this.ignoreIndex = ignoreIndex;
    this.labelSmoothing = labelSmoothing;
  }
  get opts(): { weight: Tensor | null; ignoreIndex: number; reduction: Reduction; labelSmoothing: number } {
    return { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction, labelSmoothing: this.labelSmoothing };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, this.opts);
  }
}

const NLL = 'NLLLoss(Tensor? weight=null, bool? sizeAverage=null, int ignoreIndex=-100, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const nllArgs = declareArgs(NLL, "nn");

/** Negative log likelihood of log-probabilities at int32 class indices. */
export class NLLLoss extends WeightedLoss {
  readonly ignoreIndex: number;
  constructor(...args: CtorArgs<typeof NLL>) {
    const [weight, sizeAverage, ignoreIndex, reduce, reduction] = nllArgs.bind(args);
    super(weight, legacyReduction(sizeAverage, reduce, reduction));
    this.ignoreIndex = ignoreIndex;
  }
  get opts(): { weight: Tensor | null; ignoreIndex: number; reduction: Reduction } {
    return { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, this.opts);
  }
}

const MSE = 'MSELoss(bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const mseArgs = declareArgs(MSE, "nn");

/** Mean squared error. @example new nn.MSELoss({ reduction: "sum" }) */
export class MSELoss extends PointwiseLoss {
  constructor(...args: CtorArgs<typeof MSE>) {
    super(mseArgs.bind(args));
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, this.opts);
  }
}

const L1 = 'L1Loss(bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const l1Args = declareArgs(L1, "nn");

/** Mean absolute error. */
export class L1Loss extends PointwiseLoss {
  constructor(...args: CtorArgs<typeof L1>) {
    super(l1Args.bind(args));
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, this.opts);
  }
}

const SMOOTH_L1 = 'SmoothL1Loss(bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean", float beta=1.0)';
const smoothL1Args = declareArgs(SMOOTH_L1, "nn");

/** Squared error below beta, absolute error above. */
export class SmoothL1Loss extends Loss {
  readonly opts: { reduction: Reduction; beta: number };
  readonly beta: number;
  constructor(...args: CtorArgs<typeof SMOOTH_L1>) {
    const [sizeAverage, reduce, reduction, beta] = smoothL1Args.bind(args);
    super(legacyReduction(sizeAverage, reduce, reduction));
    this.beta = beta;
    this.opts = { reduction: this.reduction, beta };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, this.opts);
  }
}

const HUBER = 'HuberLoss("mean"|"sum"|"none" reduction="mean", float delta=1.0)';
const huberArgs = declareArgs(HUBER, "nn");

/** Squared error below delta, delta-scaled absolute error above. */
export class HuberLoss extends Loss {
  readonly opts: { reduction: Reduction; delta: number };
  readonly delta: number;
  constructor(...args: CtorArgs<typeof HUBER>) {
    const [reduction, delta] = huberArgs.bind(args);
    super(reduction);
    this.delta = delta;
    this.opts = { reduction, delta };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.huberLoss(input, target, this.opts);
  }
}

const BCE = 'BCELoss(Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const bceArgs = declareArgs(BCE, "nn");

/** Binary cross entropy of probabilities. */
export class BCELoss extends WeightedLoss {
  constructor(...args: CtorArgs<typeof BCE>) {
    const [weight, sizeAverage, reduce, reduction] = bceArgs.bind(args);
    super(weight, legacyReduction(sizeAverage, reduce, reduction));
  }
  get opts(): { weight: Tensor | null; reduction: Reduction } {
    return { weight: this.weight, reduction: this.reduction };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, this.opts);
  }
}

const BCE_LOGITS = 'BCEWithLogitsLoss(Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean", Tensor? posWeight=null)';
const bceLogitsArgs = declareArgs(BCE_LOGITS, "nn");

/** Binary cross entropy of logits (sigmoid folded in, numerically stable). */
export class BCEWithLogitsLoss extends WeightedLoss {
  declare pos_weight: Tensor | null;
  constructor(...args: CtorArgs<typeof BCE_LOGITS>) {
    const [weight, sizeAverage, reduce, reduction, posWeight] = bceLogitsArgs.bind(args);
    super(weight, legacyReduction(sizeAverage, reduce, reduction));
    this.registerBuffer("pos_weight", posWeight);
  }
  /** The positive-class weight (PyTorch name: pos_weight). */
  get posWeight(): Tensor | null {
    return this.pos_weight;
  }
  get opts(): { weight: Tensor | null; posWeight: Tensor | null; reduction: Reduction } {
    return { weight: this.weight, posWeight: this.pos_weight, reduction: this.reduction };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, this.opts);
  }
}

const KL_DIV = 'KLDivLoss(bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none"|"batchmean" reduction="mean", bool logTarget=false)';
const klDivArgs = declareArgs(KL_DIV, "nn");

/** Kullback-Leibler divergence of log-probabilities input from target. */
export class KLDivLoss extends Loss<Reduction | "batchmean"> {
  readonly opts: { reduction: Reduction | "batchmean"; logTarget: boolean };
  readonly logTarget: boolean;
  constructor(...args: CtorArgs<typeof KL_DIV>) {
    const [sizeAverage, reduce, reduction, logTarget] = klDivArgs.bind(args);
    super(legacyReduction(sizeAverage, reduce, reduction));
    this.logTarget = logTarget;
    this.opts = { reduction: this.reduction, logTarget };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, this.opts);
  }
}

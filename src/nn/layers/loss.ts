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
import * as FX from "../functional/loss_extra.js";
import { ctcLoss, type Lengths } from "../functional/ctc_loss.js";
import { checkTensorArg, declareMethodArgs } from "../args.js";
import { Module } from "../module.js";
import { runOpLayers } from "../../backend/dispatcher.js";

export type Reduction = "mean" | "sum" | "none";


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
    super(F.legacyReduction(sizeAverage, reduce, reduction));
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
    super(weight, F.legacyReduction(sizeAverage, reduce, reduction));
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
    super(weight, F.legacyReduction(sizeAverage, reduce, reduction));
    this.ignoreIndex = ignoreIndex;
  }
  get opts(): { weight: Tensor | null; ignoreIndex: number; reduction: Reduction } {
    return { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, this.opts);
  }
}

const NLL2D = 'NLLLoss2d(Tensor? weight=null, bool? sizeAverage=null, int ignoreIndex=-100, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const nll2dArgs = declareArgs(NLL2D, "nn");
let warnedNll2d = false;

/** PyTorch's deprecated alias of NLLLoss (which takes [N, C, H, W] inputs itself); warns once, as PyTorch's. */
export class NLLLoss2d extends NLLLoss {
  constructor(...args: CtorArgs<typeof NLL2D>) {
    nll2dArgs.bind(args);
    if (!warnedNll2d) {
      warnedNll2d = true;
      console.warn("fluxion: NLLLoss2d has been deprecated. Please use NLLLoss instead as a drop-in replacement and see https://pytorch.org/docs/master/nn.html#torch.nn.NLLLoss for more details.");
    }
    super(...args);
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
    super(F.legacyReduction(sizeAverage, reduce, reduction));
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
    super(weight, F.legacyReduction(sizeAverage, reduce, reduction));
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
    super(weight, F.legacyReduction(sizeAverage, reduce, reduction));
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
    super(F.legacyReduction(sizeAverage, reduce, reduction));
    this.logTarget = logTarget;
    this.opts = { reduction: this.reduction, logTarget };
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return F.klDiv(input, target, this.opts);
  }
}

// ---- ranking, embedding and likelihood losses (src/nn/functional/loss_extra.ts) ---------------

/** A loss of three tensors (two inputs and a target, anchor/positive/negative, or input/target/var). */
abstract class Loss3 extends Module {
  readonly reduction: Reduction;
  constructor(
    reduction: Reduction,
    private readonly names: readonly [string, string, string],
  ) {
    super();
    this.reduction = reduction;
  }
  protected abstract compute(a: Tensor, b: Tensor, c: Tensor): Tensor;
  forward(a: Tensor, b: Tensor, c: Tensor): Tensor {
    this.names.forEach((name, i) => checkTensorArg(this, name, [a, b, c][i], i + 1));
    return runOpLayers(`nn.${this.constructor.name}`, [a, b, c], (x: Tensor, y: Tensor, z: Tensor) => this.compute(x, y, z)) as Tensor;
  }
}

const MARGIN_RANKING = 'MarginRankingLoss(float margin=0.0, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const marginRankingArgs = declareArgs(MARGIN_RANKING, "nn");

/** max(0, -y · (x1 - x2) + margin). @example new nn.MarginRankingLoss(0.5)(x1, x2, y) */
export class MarginRankingLoss extends Loss3 {
  readonly margin: number;
  constructor(...args: CtorArgs<typeof MARGIN_RANKING>) {
    const [margin, sizeAverage, reduce, reduction] = marginRankingArgs.bind(args);
    super(F.legacyReduction(sizeAverage, reduce, reduction), ["input1", "input2", "target"]);
    this.margin = margin;
  }
  protected compute(a: Tensor, b: Tensor, y: Tensor): Tensor {
    return FX.marginRankingLoss(a, b, y, { margin: this.margin, reduction: this.reduction });
  }
}

const HINGE_EMBEDDING = 'HingeEmbeddingLoss(float margin=1.0, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const hingeEmbeddingArgs = declareArgs(HINGE_EMBEDDING, "nn");

/** x where y = 1, max(0, margin - x) where y = -1. @example new nn.HingeEmbeddingLoss()(distances, y) */
export class HingeEmbeddingLoss extends Loss {
  readonly margin: number;
  constructor(...args: CtorArgs<typeof HINGE_EMBEDDING>) {
    const [margin, sizeAverage, reduce, reduction] = hingeEmbeddingArgs.bind(args);
    super(F.legacyReduction(sizeAverage, reduce, reduction));
    this.margin = margin;
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return FX.hingeEmbeddingLoss(input, target, { margin: this.margin, reduction: this.reduction });
  }
}

const SOFT_MARGIN = 'SoftMarginLoss(bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const softMarginArgs = declareArgs(SOFT_MARGIN, "nn");

/** log(1 + exp(-y · x)). @example new nn.SoftMarginLoss()(scores, y) */
export class SoftMarginLoss extends Loss {
  constructor(...args: CtorArgs<typeof SOFT_MARGIN>) {
    const [sizeAverage, reduce, reduction] = softMarginArgs.bind(args);
    super(F.legacyReduction(sizeAverage, reduce, reduction));
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return FX.softMarginLoss(input, target, { reduction: this.reduction });
  }
}

const COSINE_EMBEDDING = 'CosineEmbeddingLoss(float margin=0.0, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const cosineEmbeddingArgs = declareArgs(COSINE_EMBEDDING, "nn");

/** 1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1. @example new nn.CosineEmbeddingLoss()(a, b, y) */
export class CosineEmbeddingLoss extends Loss3 {
  readonly margin: number;
  constructor(...args: CtorArgs<typeof COSINE_EMBEDDING>) {
    const [margin, sizeAverage, reduce, reduction] = cosineEmbeddingArgs.bind(args);
    super(F.legacyReduction(sizeAverage, reduce, reduction), ["input1", "input2", "target"]);
    this.margin = margin;
  }
  protected compute(a: Tensor, b: Tensor, y: Tensor): Tensor {
    return FX.cosineEmbeddingLoss(a, b, y, { margin: this.margin, reduction: this.reduction });
  }
}

const TRIPLET_MARGIN = 'TripletMarginLoss(float margin=1.0, float p=2.0, float eps=1e-6, bool swap=false, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const tripletMarginArgs = declareArgs(TRIPLET_MARGIN, "nn");

/** max(0, d(a, p) - d(a, n) + margin). @example new nn.TripletMarginLoss({ margin: 1 })(anchor, positive, negative) */
export class TripletMarginLoss extends Loss3 {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  constructor(...args: CtorArgs<typeof TRIPLET_MARGIN>) {
    const [margin, p, eps, swap, sizeAverage, reduce, reduction] = tripletMarginArgs.bind(args);
    super(F.legacyReduction(sizeAverage, reduce, reduction), ["anchor", "positive", "negative"]);
    [this.margin, this.p, this.eps, this.swap] = [margin, p, eps, swap];
  }
  protected compute(a: Tensor, pos: Tensor, neg: Tensor): Tensor {
    return FX.tripletMarginLoss(a, pos, neg, { margin: this.margin, p: this.p, eps: this.eps, swap: this.swap, reduction: this.reduction });
  }
}

const MULTI_MARGIN = 'MultiMarginLoss(int p=1, float margin=1.0, Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const multiMarginArgs = declareArgs(MULTI_MARGIN, "nn");

/** The multi-class hinge loss over class indices. @example new nn.MultiMarginLoss()(scores, labels) */
export class MultiMarginLoss extends WeightedLoss {
  readonly p: number;
  readonly margin: number;
  constructor(...args: CtorArgs<typeof MULTI_MARGIN>) {
    const [p, margin, weight, sizeAverage, reduce, reduction] = multiMarginArgs.bind(args);
    super(weight, F.legacyReduction(sizeAverage, reduce, reduction));
    [this.p, this.margin] = [p, margin];
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return FX.multiMarginLoss(input, target, { p: this.p, margin: this.margin, weight: this.weight, reduction: this.reduction });
  }
}

const MULTILABEL_SOFT_MARGIN = 'MultiLabelSoftMarginLoss(Tensor? weight=null, bool? sizeAverage=null, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const multilabelSoftMarginArgs = declareArgs(MULTILABEL_SOFT_MARGIN, "nn");

/** One-versus-all logistic loss over C labels per sample. @example new nn.MultiLabelSoftMarginLoss()(logits, labels01) */
export class MultiLabelSoftMarginLoss extends WeightedLoss {
  constructor(...args: CtorArgs<typeof MULTILABEL_SOFT_MARGIN>) {
    const [weight, sizeAverage, reduce, reduction] = multilabelSoftMarginArgs.bind(args);
    super(weight, F.legacyReduction(sizeAverage, reduce, reduction));
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return FX.multilabelSoftMarginLoss(input, target, { weight: this.weight, reduction: this.reduction });
  }
}

const POISSON_NLL = 'PoissonNLLLoss(bool logInput=true, bool full=false, bool? sizeAverage=null, float eps=1e-8, bool? reduce=null, "mean"|"sum"|"none" reduction="mean")';
const poissonNllArgs = declareArgs(POISSON_NLL, "nn");

/** Poisson negative log likelihood. @example new nn.PoissonNLLLoss()(logRates, counts) */
export class PoissonNLLLoss extends Loss {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  constructor(...args: CtorArgs<typeof POISSON_NLL>) {
    const [logInput, full, sizeAverage, eps, reduce, reduction] = poissonNllArgs.bind(args);
    super(F.legacyReduction(sizeAverage, reduce, reduction));
    [this.logInput, this.full, this.eps] = [logInput, full, eps];
  }
  protected compute(input: Tensor, target: Tensor): Tensor {
    return FX.poissonNllLoss(input, target, { logInput: this.logInput, full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

const GAUSSIAN_NLL = 'GaussianNLLLoss(*, bool full=false, float eps=1e-6, "mean"|"sum"|"none" reduction="mean")';
const gaussianNllArgs = declareArgs(GAUSSIAN_NLL, "nn");

/** Gaussian negative log likelihood of target under N(input, var). @example new nn.GaussianNLLLoss()(mean, target, variance) */
export class GaussianNLLLoss extends Loss3 {
  readonly full: boolean;
  readonly eps: number;
  constructor(...args: CtorArgs<typeof GAUSSIAN_NLL>) {
    const [{ full, eps, reduction }] = gaussianNllArgs.bind(args);
    super(reduction, ["input", "target", "var"]);
    [this.full, this.eps] = [full, eps];
  }
  protected compute(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return FX.gaussianNllLoss(input, target, variance, { full: this.full, eps: this.eps, reduction: this.reduction });
  }
}

// ---- CTC (src/nn/functional/ctc_loss.ts) -------------------------------------------------------

const CTC = 'CTCLoss(int blank=0, "mean"|"sum"|"none" reduction="mean", bool zeroInfinity=false)';
const ctcArgs = declareArgs(CTC, "nn");
const CTC_FORWARD = "CTCLoss.forward(Tensor logProbs, Tensor targets, Tensor|int[] inputLengths, Tensor|int[] targetLengths)";
const ctcForwardArgs = declareMethodArgs(CTC_FORWARD);

/**
 * The connectionist temporal classification loss of log-probabilities [T, N, C] against
 * unaligned targets (padded [N, S] or concatenated), as torch.nn.CTCLoss.
 * @example
 * const ctc = new nn.CTCLoss(); // blank 0
 * const loss = ctc(logits.logSoftmax(2), targets, inputLengths, targetLengths);
 */
export class CTCLoss extends Module {
  readonly blank: number;
  readonly reduction: Reduction;
  readonly zeroInfinity: boolean;
  constructor(...args: CtorArgs<typeof CTC>) {
    super();
    [this.blank, this.reduction, this.zeroInfinity] = ctcArgs.bind(args);
  }
  forward(...args: CtorArgs<typeof CTC_FORWARD>): Tensor {
    const [logProbs, targets, inputLengths, targetLengths] = ctcForwardArgs.bind(args);
    const opts = { blank: this.blank, reduction: this.reduction, zeroInfinity: this.zeroInfinity };
    return runOpLayers("nn.CTCLoss", [logProbs, targets, inputLengths, targetLengths], (lp: Tensor, t: Tensor, il: Lengths, tl: Lengths) => ctcLoss(lp, t, il, tl, opts)) as Tensor;
  }
}

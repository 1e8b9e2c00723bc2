/**
 * The per-epoch schedulers of torch.optim.lr_scheduler: StepLR, MultiStepLR, ConstantLR,
 * LinearLR, ExponentialLR, CosineAnnealingLR, PolynomialLR, LambdaLR and MultiplicativeLR.
 * Each `getLr` is PyTorch 1.13's recursive rule (it reads the group's current lr, so
 * schedulers chain), and `closedFormLr`, where PyTorch has one, its closed form, formula for
 * formula so the values match to the last bit.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { describeValue } from "../../api/args.js";
import { FluxionError } from "../../errors.js";
import { LRScheduler, perGroup, type SchedulerStateDict } from "./base.js";
import { cos, pow } from "./libm.js";

// PyTorch 1.13's signatures; the optimizer is checked by LRScheduler (checkOptimizer)
const STEP_LR = "StepLR(Any optimizer, int stepSize, float gamma=0.1, int lastEpoch=-1, bool verbose=false)";
const MULTI_STEP_LR = "MultiStepLR(Any optimizer, int[] milestones, float gamma=0.1, int lastEpoch=-1, bool verbose=false)";
const CONSTANT_LR = "ConstantLR(Any optimizer, float factor=0.3333333333333333, int totalIters=5, int lastEpoch=-1, bool verbose=false)";
const LINEAR_LR = "LinearLR(Any optimizer, float startFactor=0.3333333333333333, float endFactor=1.0, int totalIters=5, int lastEpoch=-1, bool verbose=false)";
const EXPONENTIAL_LR = "ExponentialLR(Any optimizer, float gamma, int lastEpoch=-1, bool verbose=false)";
const COSINE_ANNEALING_LR = "CosineAnnealingLR(Any optimizer, int tMax, float etaMin=0, int lastEpoch=-1, bool verbose=false)";
const LAMBDA_LR = "LambdaLR(Any optimizer, Callable|Callable[] lrLambda, int lastEpoch=-1, bool verbose=false)";
const MULTIPLICATIVE_LR = "MultiplicativeLR(Any optimizer, Callable|Callable[] lrLambda, int lastEpoch=-1, bool verbose=false)";
const POLYNOMIAL_LR = "PolynomialLR(Any optimizer, int totalIters=5, float power=1.0, int lastEpoch=-1, bool verbose=false)";
const G = "optim.lrScheduler";
const stepLrArgs = declareArgs(STEP_LR, G);
const multiStepLrArgs = declareArgs(MULTI_STEP_LR, G);
const constantLrArgs = declareArgs(CONSTANT_LR, G);
const linearLrArgs = declareArgs(LINEAR_LR, G);
const exponentialLrArgs = declareArgs(EXPONENTIAL_LR, G);
const cosineAnnealingLrArgs = declareArgs(COSINE_ANNEALING_LR, G);
const lambdaLrArgs = declareArgs(LAMBDA_LR, G);
const multiplicativeLrArgs = declareArgs(MULTIPLICATIVE_LR, G);
const polynomialLrArgs = declareArgs(POLYNOMIAL_LR, G);

/**
 * Multiplies each group's lr by gamma every stepSize epochs.
 *
 * @example
 * // lr = 0.05 for epochs 0..29, 0.005 for 30..59, ...
 * const sched = new optim.lrScheduler.StepLR(optimizer, 30, 0.1); // or (optimizer, 30, { gamma: 0.1 })
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(...args: CtorArgs<typeof STEP_LR>) {
    const [optimizer, stepSize, gamma, lastEpoch, verbose] = stepLrArgs.bind(args);
    if (stepSize <= 0) throw new FluxionError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    super(optimizer, lastEpoch, "StepLR", verbose);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, Math.floor(this.lastEpoch / this.stepSize)));
  }
}

/**
 * Multiplies each group's lr by gamma at each milestone epoch (repeated milestones
 * multiply repeatedly).
 *
 * @example
 * const sched = new optim.lrScheduler.MultiStepLR(optimizer, [30, 80], { gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** Sorted milestones, repeats kept (PyTorch's Counter). */
  milestones: number[];
  gamma: number;
  constructor(...args: CtorArgs<typeof MULTI_STEP_LR>) {
    const [optimizer, milestones, gamma, lastEpoch, verbose] = multiStepLrArgs.bind(args);
    super(optimizer, lastEpoch, "MultiStepLR", verbose);
    this.milestones = (typeof milestones === "number" ? [milestones] : [...milestones]).sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * pow(this.gamma, count));
  }
  protected override closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    return this.baseLrs.map((b) => b * pow(this.gamma, passed));
  }
}

/**
 * Multiplies each group's lr by a constant factor until totalIters epochs have passed.
 *
 * @example
 * // lr = 0.025 for epochs 0..3, then 0.05
 * const sched = new optim.lrScheduler.ConstantLR(optimizer, { factor: 0.5, totalIters: 4 });
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(...args: CtorArgs<typeof CONSTANT_LR>) {
    const [optimizer, factor, totalIters, lastEpoch, verbose] = constantLrArgs.bind(args);
    if (!(factor <= 1 && factor >= 0)) throw new FluxionError(`ConstantLR: constant multiplicative factor expected to be between 0 and 1, got ${factor}`);
    super(optimizer, lastEpoch, "ConstantLR", verbose);
    this.factor = factor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch > this.totalIters || this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/**
 * Scales each group's lr linearly from startFactor to endFactor over totalIters epochs
 * (a warm-up when startFactor < 1).
 *
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(...args: CtorArgs<typeof LINEAR_LR>) {
    const [optimizer, startFactor, endFactor, totalIters, lastEpoch, verbose] = linearLrArgs.bind(args);
    if (!(startFactor <= 1 && startFactor >= 0)) throw new FluxionError(`LinearLR: starting multiplicative factor expected to be between 0 and 1, got ${startFactor}`);
    if (!(endFactor <= 1 && endFactor >= 0)) throw new FluxionError(`LinearLR: ending multiplicative factor expected to be between 0 and 1, got ${endFactor}`);
    super(optimizer, lastEpoch, "LinearLR", verbose);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const d = this.endFactor - this.startFactor;
    return this.groups.map((g) => g.lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }
  protected override closedFormLr(): number[] {
    const d = this.endFactor - this.startFactor;
    return this.baseLrs.map((b) => b * (this.startFactor + (d * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters));
  }
}

/**
 * Multiplies each group's lr by gamma every epoch.
 *
 * @example
 * const sched = new optim.lrScheduler.ExponentialLR(optimizer, 0.9);
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(...args: CtorArgs<typeof EXPONENTIAL_LR>) {
    const [optimizer, gamma, lastEpoch, verbose] = exponentialLrArgs.bind(args);
    super(optimizer, lastEpoch, "ExponentialLR", verbose);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * pow(this.gamma, this.lastEpoch));
  }
}

/**
 * Cosine annealing from each group's initial lr down to etaMin over tMax epochs (SGDR
 * without restarts; past tMax the cosine continues back up, as in PyTorch).
 *
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingLR(optimizer, 100, { etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(...args: CtorArgs<typeof COSINE_ANNEALING_LR>) {
    const [optimizer, tMax, etaMin, lastEpoch, verbose] = cosineAnnealingLrArgs.bind(args);
    super(optimizer, lastEpoch, "CosineAnnealingLR", verbose);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + cos((e * Math.PI) / T))) / 2);
    }
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - cos(Math.PI / T))) / 2);
    }
    return this.groups.map((g) => ((1 + cos((Math.PI * e) / T)) / (1 + cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/**
 * Sets each group's lr to its initial lr times lrLambda(epoch) (one function, or one per
 * group). The functions are not part of stateDict().
 *
 * @example
 * const sched = new optim.lrScheduler.LambdaLR(optimizer, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  lrLambdas: Array<(epoch: number) => number>;
  constructor(...args: CtorArgs<typeof LAMBDA_LR>) {
    const [optimizer, lrLambda, lastEpoch, verbose] = lambdaLrArgs.bind(args);
    const lambdas = perGroup("LambdaLR", "lrLambda", optimizer, lrLambda as ((epoch: number) => number) | Array<(epoch: number) => number>);
    super(optimizer, lastEpoch, "LambdaLR", verbose);
    this.lrLambdas = lambdas;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => {
      const factor: unknown = this.lrLambdas[i]!(this.lastEpoch);
      // untyped JS would make a NaN lr of undefined (a lambda without `return`) without a word
      if (typeof factor !== "number") throw new FluxionError(`LambdaLR: lrLambda of parameter group ${i} returned ${describeValue(factor)} for epoch ${this.lastEpoch}; it must return a number`);
      return b * factor;
    });
  }
  override stateDict(): SchedulerStateDict {
    const sd = super.stateDict();
    delete sd.lrLambdas;
    return sd;
  }
}

/**
 * Multiplies each group's lr by lrLambda(epoch) at every step after the first (one
 * function, or one per group). The functions are not part of stateDict().
 *
 * @example
 * // lr = 0.05, then 0.05·0.95, 0.05·0.95², ...
 * const sched = new optim.lrScheduler.MultiplicativeLR(optimizer, (epoch) => 0.95);
 */
export class MultiplicativeLR extends LRScheduler {
  lrLambdas: Array<(epoch: number) => number>;
  constructor(...args: CtorArgs<typeof MULTIPLICATIVE_LR>) {
    const [optimizer, lrLambda, lastEpoch, verbose] = multiplicativeLrArgs.bind(args);
    const lambdas = perGroup("MultiplicativeLR", "lrLambda", optimizer, lrLambda as ((epoch: number) => number) | Array<(epoch: number) => number>);
    super(optimizer, lastEpoch, "MultiplicativeLR", verbose);
    this.lrLambdas = lambdas;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch <= 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g, i) => {
      const factor: unknown = this.lrLambdas[i]!(this.lastEpoch);
      // untyped JS would make a NaN lr of undefined without a word
      if (typeof factor !== "number") throw new FluxionError(`MultiplicativeLR: lrLambda of parameter group ${i} returned ${describeValue(factor)} for epoch ${this.lastEpoch}; it must return a number`);
      return g.lr * factor;
    });
  }
  override stateDict(): SchedulerStateDict {
    const sd = super.stateDict();
    delete sd.lrLambdas;
    return sd;
  }
}

/**
 * Decays each group's lr polynomially to 0 over totalIters epochs:
 * lr = initialLr·(1 − epoch/totalIters)^power, then 0.
 *
 * @example
 * // power 1: lr = 0.05, 0.04, 0.03, 0.02, 0.01, 0, 0, ...
 * const sched = new optim.lrScheduler.PolynomialLR(optimizer, { totalIters: 5, power: 1 });
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(...args: CtorArgs<typeof POLYNOMIAL_LR>) {
    const [optimizer, totalIters, power, lastEpoch, verbose] = polynomialLrArgs.bind(args);
    super(optimizer, lastEpoch, "PolynomialLR", verbose);
    this.totalIters = totalIters;
    this.power = power;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, totalIters: T } = this;
    if (e === 0 || e > T) return this.groups.map((g) => g.lr);
    const decayFactor = pow((1.0 - e / T) / (1.0 - (e - 1) / T), this.power);
    return this.groups.map((g) => g.lr * decayFactor);
  }
  protected override closedFormLr(): number[] {
    // PyTorch raises ZeroDivisionError here; JS would make NaN
    if (this.totalIters === 0) throw new FluxionError("PolynomialLR: step(epoch) divides by totalIters, which is 0");
    return this.baseLrs.map((b) => b * pow(1.0 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters, this.power));
  }
}

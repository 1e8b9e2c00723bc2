/**
 * CyclicLR: the cyclical learning-rate policy (Smith, "Cyclical Learning Rates for Training
 * Neural Networks") as PyTorch 1.13 implements it: each group's lr goes from baseLr up to
 * maxLr over stepSizeUp steps and back over stepSizeDown, the amplitude scaled per cycle
 * ("triangular", "triangular2") or per iteration ("exp_range"), or by a custom scaleFn.
 * Momentum cycles inversely between maxMomentum and baseMomentum. It steps per batch and is
 * not chainable.
 *
 * One addition over 1.13: cycleMomentum also drives beta1 of optimizers with `betas` (Adam,
 * AdamW, ...), as PyTorch 2.0 does; 1.13 refused them ("optimizer must support momentum").
 */
import { describeValue } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import { LRScheduler, checkOptimizer, perGroup } from "./base.js";
import { pow } from "./libm.js";

const CYCLIC_LR =
  'CyclicLR(Any optimizer, float|float[] baseLr, float|float[] maxLr, float stepSizeUp=2000, float? stepSizeDown=null, "triangular"|"triangular2"|"exp_range" mode="triangular", float gamma=1.0, Callable? scaleFn=null, "cycle"|"iterations" scaleMode="cycle", bool cycleMomentum=true, float|float[] baseMomentum=0.8, float|float[] maxMomentum=0.9, int lastEpoch=-1, bool verbose=false)';
const cyclicLrArgs = declareArgs(CYCLIC_LR, "optim.lrScheduler");

/**
 * Cycles each group's lr between baseLr and maxLr; call `step()` after every batch.
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.lrScheduler.CyclicLR(opt, 0.01, 0.1, { stepSizeUp: 4 * loader.length, mode: "triangular2" });
 * for (let epoch = 0; epoch < 16; epoch++) for (const batch of loader) { trainBatch(batch); sched.step(); }
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  /** Steps in one cycle (up + down). */
  totalSize: number;
  /** The fraction of a cycle spent going up. */
  stepRatio: number;
  mode: "triangular" | "triangular2" | "exp_range";
  gamma: number;
  /** What scaleFn is given: the cycle number ("cycle") or the step count ("iterations"). */
  scaleMode: "cycle" | "iterations";
  cycleMomentum: boolean;
  /** Whether the momentum cycled is beta1 of `betas` (Adam and the like) rather than `momentum`. */
  useBeta1: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  /**
   * A user's scale function; not part of stateDict(), as PyTorch's is not picklable either
   * (non-enumerable for that, rather than #private, so utils.deepcopy can copy the scheduler).
   */
  declare private readonly _customScaleFn: ((x: number) => number) | null;

  constructor(...args: CtorArgs<typeof CYCLIC_LR>) {
    const name = "CyclicLR";
    const [optimizer, baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma, scaleFn, scaleMode, cycleMomentum, baseMomentum, maxMomentum, lastEpoch, verbose] = cyclicLrArgs.bind(args);
    checkOptimizer(name, optimizer);
    const baseLrs = perGroup(name, "baseLr", optimizer, baseLr);
    const maxLrs = perGroup(name, "maxLr", optimizer, maxLr);
    // PyTorch divides by these (ZeroDivisionError at the first step); JS would make NaN
    if (!(stepSizeUp > 0 && stepSizeUp < Infinity)) throw new FluxionError(`${name}: stepSizeUp must be a positive number of steps, got ${stepSizeUp}`);
    if (stepSizeDown !== null && !(stepSizeDown >= 0 && stepSizeDown < Infinity)) throw new FluxionError(`${name}: stepSizeDown must be a non-negative number of steps, got ${stepSizeDown}`);
    const groups = optimizer.paramGroups;
    const useBeta1 = cycleMomentum && "betas" in optimizer.defaults;
    let baseMomentums: number[] = [], maxMomentums: number[] = [];
    if (cycleMomentum) {
      if (!("momentum" in optimizer.defaults) && !useBeta1) {
        throw new FluxionError(`${name}: optimizer must support momentum or beta1 with the cycleMomentum option enabled (a momentum or betas option); pass { cycleMomentum: false }`);
      }
      baseMomentums = perGroup(name, "baseMomentum", optimizer, baseMomentum);
      maxMomentums = perGroup(name, "maxMomentum", optimizer, maxMomentum);
    }
    // all checks passed: now write the groups, as PyTorch does before its base constructor
    if (lastEpoch === -1) groups.forEach((g, i) => (g.lr = baseLrs[i]!));
    if (cycleMomentum) {
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [baseMomentums[i]!, ...(g.betas as number[]).slice(1)];
          else g.momentum = baseMomentums[i];
        });
      }
      // 1.13 reads them back from the groups (on resuming, the momenta they hold now)
      baseMomentums = groups.map((g) => (useBeta1 ? (g.betas as number[])[0]! : (g.momentum as number)));
    }
    super(optimizer, lastEpoch, name, verbose);
    const down = stepSizeDown ?? stepSizeUp;
    this.maxLrs = maxLrs;
    this.totalSize = stepSizeUp + down;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    Object.defineProperty(this, "_customScaleFn", { value: scaleFn as ((x: number) => number) | null, enumerable: false });
    // the built-in modes fix the scale mode; a custom scaleFn uses the one given
    this.scaleMode = scaleFn !== null ? scaleMode : mode === "exp_range" ? "iterations" : "cycle";
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    // the first step uses the groups' initialLr as the base lrs (PyTorch sets base_lrs after it)
    this.initialStep();
    this.baseLrs = baseLrs;
  }

  /** The amplitude's scale at x (the cycle number or the step count, per scaleMode). */
  scaleFn(x: number): number {
    if (this._customScaleFn !== null) {
      const v: unknown = this._customScaleFn(x);
      if (typeof v !== "number") throw new FluxionError(`CyclicLR: scaleFn(${x}) returned ${describeValue(v)}; it must return a number`);
      return v;
    }
    if (this.mode === "triangular") return 1.0;
    if (this.mode === "triangular2") return 1 / pow(2.0, x - 1);
    return pow(this.gamma, x);
  }

  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1.0 + this.lastEpoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const at = this.scaleMode === "cycle" ? cycle : this.lastEpoch;
    const lrs = this.baseLrs.map((baseLr, i) => baseLr + (this.maxLrs[i]! - baseLr) * scaleFactor * this.scaleFn(at));
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => {
        const maxM = this.maxMomentums[i]!;
        const momentum = maxM - (maxM - this.baseMomentums[i]!) * scaleFactor * this.scaleFn(at);
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      });
    }
    return lrs;
  }
}

/**
 * ReduceLROnPlateau: lowers the lr when a watched metric stops improving, as PyTorch
 * 1.13's. Unlike the other schedulers it is stepped with the metric and has no schedule
 * of its own, so it does not derive from LRScheduler.
 */
import { bindCall } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { parseSignature } from "../../api/schema.js";
import { FluxionError } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { readHostItem } from "../../tensor/host_read.js";
import type { Optimizer } from "../optimizer.js";
import { checkOptimizer, fmtEpoch, fmtLr, loadOwnState, ownState, perGroup, warnEpochDeprecated, type SchedulerStateDict } from "./base.js";

const REDUCE_LR_ON_PLATEAU =
  'ReduceLROnPlateau(Any optimizer, "min"|"max" mode="min", float factor=0.1, int patience=10, float threshold=1e-4, "rel"|"abs" thresholdMode="rel", int cooldown=0, float|float[] minLr=0, float eps=1e-8, bool verbose=false)';
const plateauArgs = declareArgs(REDUCE_LR_ON_PLATEAU, "optim.lrScheduler");
const stepSig = parseSignature("step(Tensor|float metrics, int? epoch=null)");

/** The keyword arguments of ReduceLROnPlateau (each may also be passed positionally, in PyTorch's order). */
export interface ReduceLROnPlateauOptions {
  /** "min": reduce when the metric stops decreasing (default); "max": stops increasing. */
  mode?: "min" | "max";
  /** new lr = lr · factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** "rel" (default): relative to the best value; "abs": absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces each group's lr by `factor` once the metric has not improved for `patience`
 * epochs.
 *
 * @example
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(optimizer, { mode: "min", patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer<any>;
  factor: number;
  /** The lower bound of each group's lr. */
  minLrs: number[];
  /** minLr when one number was given for all groups (it then also covers groups added later), else null. */
  defaultMinLr: number | null;
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: "min" | "max";
  threshold: number;
  thresholdMode: "rel" | "abs";
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  /** Print each reduction, as PyTorch's `verbose=True` does. */
  verbose: boolean;
  lastEpoch = 0;
  private _lastLr: number[];

  constructor(...args: CtorArgs<typeof REDUCE_LR_ON_PLATEAU>) {
    const name = "ReduceLROnPlateau";
    const [optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps, verbose] = plateauArgs.bind(args);
    if (!(factor < 1)) throw new FluxionError(`${name}: factor should be < 1.0, got ${factor}`);
    checkOptimizer(name, optimizer);
    this.optimizer = optimizer;
    this.factor = factor;
    this.minLrs = perGroup(name, "minLr", optimizer, minLr);
    this.defaultMinLr = Array.isArray(minLr) ? null : (minLr as number);
    this.patience = patience;
    this.cooldown = cooldown;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === "min" ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.eps = eps;
    this.verbose = verbose;
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * Records this epoch's metric (a number or a one-element tensor) and reduces the lr if
   * due. `epoch` (deprecated in PyTorch) sets the epoch number instead of counting.
   */
  step(metrics: number | Tensor, epoch?: number | null): void;
  step(...args: unknown[]): void {
    const [m, epoch] = bindCall([stepSig], undefined, args, false) as [Tensor | number, number | null];
    const current = m instanceof Tensor ? Number(readHostItem<number | bigint>(m, "ReduceLROnPlateau.step")) : m; // PyTorch's float(metrics)
    if (epoch !== null) warnEpochDeprecated();
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // ignore any bad epochs in cooldown
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.minLrs.length) {
      // a group added by addParamGroup since (PyTorch 1.13 fails with an IndexError here; 2.x does this)
      if (this.defaultMinLr === null) {
        throw new FluxionError(
          `ReduceLROnPlateau.step: the optimizer has ${groups.length} parameter groups but minLr has ${this.minLrs.length} values (one per group when the scheduler was built), usually because addParamGroup added a group since; set scheduler.minLrs to one value per group`,
        );
      }
      this.minLrs = new Array<number>(groups.length).fill(this.defaultMinLr);
    }
    groups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) {
        g.lr = newLr;
        if (this.verbose) console.log(`Epoch ${fmtEpoch(this.lastEpoch)}: reducing learning rate of group ${i} to ${fmtLr(newLr)}.`);
      }
    });
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether metric `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === "min" && this.thresholdMode === "rel") return a < best * (1 - this.threshold);
    if (this.mode === "min") return a < best - this.threshold;
    if (this.thresholdMode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /** The learning rates after the last step, one per parameter group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  stateDict(): SchedulerStateDict {
    return ownState(this);
  }

  /** Restores state saved by stateDict(); a JSON round trip's null for ±Infinity is undone. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadOwnState(this, stateDict, "ReduceLROnPlateau");
    this.modeWorse = this.mode === "min" ? Infinity : -Infinity;
    if (this.best === null) this.best = this.modeWorse;
  }
}

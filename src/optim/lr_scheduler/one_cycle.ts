/**
 * OneCycleLR: the 1cycle policy (Smith & Topin) as PyTorch 1.13 implements it: the lr rises
 * from maxLr/divFactor to maxLr, then anneals to initialLr/finalDivFactor (two phases, the
 * fastai default, or three with threePhase); momentum (SGD's momentum or Adam's beta1)
 * cycles inversely. It steps per batch and is not chainable.
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import { LRScheduler, checkOptimizer, perGroup } from "./base.js";
import { cos } from "./libm.js";

const ONE_CYCLE_LR =
  'OneCycleLR(Any optimizer, float|float[] maxLr, int? totalSteps=null, int? epochs=null, int? stepsPerEpoch=null, float pctStart=0.3, "cos"|"linear" annealStrategy="cos", bool cycleMomentum=true, float|float[] baseMomentum=0.85, float|float[] maxMomentum=0.95, float divFactor=25.0, float finalDivFactor=1e4, bool threePhase=false, int lastEpoch=-1, bool verbose=false)';
const oneCycleLrArgs = declareArgs(ONE_CYCLE_LR, "optim.lrScheduler");

type GroupKey = "initialLr" | "maxLr" | "minLr" | "maxMomentum" | "baseMomentum";
interface Phase {
  endStep: number;
  startLr: GroupKey;
  endLr: GroupKey;
  startMomentum: GroupKey;
  endMomentum: GroupKey;
}

/** The keyword arguments of OneCycleLR (each may also be passed positionally, in PyTorch's order). */
export interface OneCycleLROptions {
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum inversely to the lr between baseMomentum and maxMomentum (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase that anneals to minLr (the original paper's schedule) (default false). */
  threePhase?: boolean;
  lastEpoch?: number;
}

function annealCos(start: number, end: number, pct: number): number {
  const cosOut = cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/**
 * The 1cycle learning-rate policy; call `step()` after every batch.
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.lrScheduler.OneCycleLR(opt, 0.01, { epochs: 10, stepsPerEpoch: loader.length });
 * for (let epoch = 0; epoch < 10; epoch++) for (const batch of loader) { trainBatch(batch); sched.step(); }
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: "cos" | "linear";
  cycleMomentum: boolean;
  useBeta1: boolean;
  private schedulePhases: Phase[];

  constructor(...args: CtorArgs<typeof ONE_CYCLE_LR>) {
    const name = "OneCycleLR";
    const [optimizer, maxLr, totalSteps, epochs, stepsPerEpoch, pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase, lastEpoch, verbose] =
      oneCycleLrArgs.bind(args);
    checkOptimizer(name, optimizer);
    let total: number;
    if (totalSteps === null && (epochs === null || stepsPerEpoch === null)) {
      throw new FluxionError(`${name}: you must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    } else if (totalSteps !== null) {
      if (totalSteps <= 0) throw new FluxionError(`${name}: expected positive integer totalSteps, but got ${totalSteps}`);
      total = totalSteps;
    } else {
      if (epochs! <= 0) throw new FluxionError(`${name}: expected positive integer epochs, but got ${epochs}`);
      if (stepsPerEpoch! <= 0) throw new FluxionError(`${name}: expected positive integer stepsPerEpoch, but got ${stepsPerEpoch}`);
      total = epochs! * stepsPerEpoch!;
    }
    if (!(pctStart >= 0 && pctStart <= 1)) throw new FluxionError(`${name}: expected pctStart between 0 and 1, but got ${pctStart}`);
    const maxLrs = perGroup(name, "maxLr", optimizer, maxLr);
    const groups = optimizer.paramGroups;
    let useBeta1 = false;
    let maxMomentums: number[] = [], baseMomentums: number[] = [];
    if (cycleMomentum) {
      if (!("momentum" in optimizer.defaults) && !("betas" in optimizer.defaults)) {
        throw new FluxionError(`${name}: optimizer must support momentum (a momentum or betas option) with the cycleMomentum option enabled; pass { cycleMomentum: false }`);
      }
      useBeta1 = "betas" in optimizer.defaults;
      maxMomentums = perGroup(name, "maxMomentum", optimizer, maxMomentum);
      baseMomentums = perGroup(name, "baseMomentum", optimizer, baseMomentum);
    }
    // all checks passed: now write the groups, as PyTorch does before its base constructor
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDivFactor;
      });
    }
    if (cycleMomentum && lastEpoch === -1) {
      groups.forEach((g, i) => {
        if (useBeta1) g.betas = [maxMomentums[i]!, ...(g.betas as number[]).slice(1)];
        else g.momentum = maxMomentums[i];
        g.maxMomentum = maxMomentums[i];
        g.baseMomentum = baseMomentums[i];
      });
    }
    super(optimizer, lastEpoch, name, verbose);
    this.totalSteps = total;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.schedulePhases = threePhase
      ? [
          { endStep: pctStart * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: 2 * pctStart * total - 2, startLr: "maxLr", endLr: "initialLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
          { endStep: total - 1, startLr: "initialLr", endLr: "minLr", startMomentum: "maxMomentum", endMomentum: "maxMomentum" },
        ]
      : [
          { endStep: pctStart * total - 1, startLr: "initialLr", endLr: "maxLr", startMomentum: "maxMomentum", endMomentum: "baseMomentum" },
          { endStep: total - 1, startLr: "maxLr", endLr: "minLr", startMomentum: "baseMomentum", endMomentum: "maxMomentum" },
        ];
    this.initialStep();
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new FluxionError(`OneCycleLR: tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    }
    const anneal = this.annealStrategy === "cos" ? annealCos : annealLinear;
    return this.groups.map((group) => {
      let startStep = 0;
      let lr = 0, momentum = 0;
      const phases = this.schedulePhases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i]!;
        const endStep = phase.endStep;
        if (stepNum <= endStep || i === phases.length - 1) {
          const pct = (stepNum - startStep) / (endStep - startStep);
          lr = anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum) momentum = anneal(group[phase.startMomentum] as number, group[phase.endMomentum] as number, pct);
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
        else group.momentum = momentum;
      }
      return lr;
    });
  }
}

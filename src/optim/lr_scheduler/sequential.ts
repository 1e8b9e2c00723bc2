/**
 * SequentialLR: hands the schedule from one scheduler to the next at milestone epochs
 * (warm-up then decay), as PyTorch 1.13's: at a milestone the next scheduler restarts
 * with step(0).
 */
import { bindCall, describeValue } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { parseSignature } from "../../api/schema.js";
import { ArgumentError, FluxionError } from "../../errors.js";
import { LRScheduler, checkOptimizer, epochStepInternally, loadWrapperState, wrapperState, type SchedulerStateDict } from "./base.js";

const SEQUENTIAL_LR = "SequentialLR(Any optimizer, Any[] schedulers, int[] milestones, int lastEpoch=-1, bool verbose=false)";
const sequentialLrArgs = declareArgs(SEQUENTIAL_LR, "optim.lrScheduler");
const stepSig = parseSignature("step()");

/**
 * Runs `schedulers[i]` between milestones[i−1] and milestones[i].
 *
 * @example
 * const warmup = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 });
 * const decay = new optim.lrScheduler.ExponentialLR(opt, 0.9);
 * const sched = new optim.lrScheduler.SequentialLR(opt, [warmup, decay], [5]);
 */
export class SequentialLR extends LRScheduler {
  private readonly schedulers: LRScheduler[];
  milestones: number[];

  constructor(...args: CtorArgs<typeof SEQUENTIAL_LR>) {
    // verbose is accepted and, as in PyTorch 1.13, left to the wrapped schedulers
    const [optimizer, schedulers, milestonesArg, lastEpoch, verbose] = sequentialLrArgs.bind(args) as [unknown, LRScheduler[], number | number[], number, boolean];
    const milestones = typeof milestonesArg === "number" ? [milestonesArg] : milestonesArg;
    checkOptimizer("SequentialLR", optimizer);
    if (schedulers.length === 0) throw new FluxionError("SequentialLR: expects at least one scheduler");
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new ArgumentError(`SequentialLR(): schedulers[${i}] must be an LRScheduler, but got ${describeValue(s)}`);
      if (s.optimizer !== optimizer) {
        throw new FluxionError(`SequentialLR: expects all schedulers to belong to the same optimizer, but got the scheduler at index ${i} to be different than the optimizer passed in`);
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new FluxionError(`SequentialLR: expects the number of schedulers provided to be one more than the number of milestone points, but got ${schedulers.length} schedulers and ${milestones.length} milestones`);
    }
    super(optimizer, -1, "SequentialLR", verbose);
    this.schedulers = schedulers;
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // reset the lrs to their initial values and undo the step each scheduler took when built
    for (const g of this.groups) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0]!.initialStep();
    this._lastLr = schedulers[0]!.getLastLr();
  }

  protected getLr(): number[] {
    return this.getLastLr();
  }

  override step(...args: []): void {
    bindCall([stepSig], undefined, args, false);
    this.lastEpoch += 1;
    const idx = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const scheduler = this.schedulers[idx]!;
    // PyTorch 1.13 steps to epoch 0 here (and warns about its own step(epoch); this does not)
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) epochStepInternally(() => scheduler.step(0));
    else scheduler.step();
    this._lastLr = scheduler.getLastLr();
  }

  /** Its own fields plus each wrapped scheduler's state, under `schedulers`. */
  override stateDict(): SchedulerStateDict {
    return wrapperState(this, this.schedulers);
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    loadWrapperState(this, this.name, this.schedulers, stateDict);
  }
}

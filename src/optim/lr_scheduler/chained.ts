/**
 * ChainedScheduler: steps several schedulers of one optimizer together, each applying its
 * rule to the learning rate the previous one left (a constant warm-up factor times an
 * exponential decay), as PyTorch 1.13's: building it steps nothing.
 */
import { bindCall, describeValue } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { parseSignature } from "../../api/schema.js";
import { ArgumentError, FluxionError } from "../../errors.js";
import { LRScheduler, loadWrapperState, wrapperState, type SchedulerStateDict } from "./base.js";

const CHAINED = "ChainedScheduler(Any[] schedulers)";
const chainedArgs = declareArgs(CHAINED, "optim.lrScheduler");
const stepSig = parseSignature("step()");

/**
 * Each `step()` steps every scheduler in order.
 *
 * @example
 * const warm = new optim.lrScheduler.ConstantLR(opt, { factor: 0.1, totalIters: 2 });
 * const decay = new optim.lrScheduler.ExponentialLR(opt, 0.9);
 * const sched = new optim.lrScheduler.ChainedScheduler([warm, decay]); // lr 0.1, 0.09, 0.81, 0.729, ...
 */
export class ChainedScheduler extends LRScheduler {
  private readonly schedulers: LRScheduler[];

  constructor(...args: CtorArgs<typeof CHAINED>) {
    const [schedulers] = chainedArgs.bind(args) as [LRScheduler[]];
    if (schedulers.length === 0) throw new FluxionError("ChainedScheduler: expects at least one scheduler");
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) throw new ArgumentError(`ChainedScheduler(): schedulers[${i}] must be an LRScheduler, but got ${describeValue(s)}`);
      if (s.optimizer !== schedulers[0]!.optimizer) {
        throw new FluxionError(`ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`);
      }
    });
    super(schedulers[0]!.optimizer, -1, "ChainedScheduler");
    this.schedulers = [...schedulers];
    this._lastLr = this.groups.map((g) => g.lr);
  }

  /** (Not used: step() runs the wrapped schedulers.) */
  protected getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  override step(...args: []): void {
    bindCall([stepSig], undefined, args, false);
    for (const s of this.schedulers) s.step();
    this._lastLr = this.groups.map((g) => g.lr);
  }

  /** Its own fields plus each wrapped scheduler's state, under `schedulers`. */
  override stateDict(): SchedulerStateDict {
    return wrapperState(this, this.schedulers);
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    loadWrapperState(this, this.name, this.schedulers, stateDict);
  }
}

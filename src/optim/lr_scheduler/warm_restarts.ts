/**
 * CosineAnnealingWarmRestarts (SGDR, Loshchilov & Hutter) as PyTorch 1.13 implements it: a
 * cosine from each group's initial lr down to etaMin over tI epochs, then a restart, with
 * tI growing by tMult after each restart. It steps per epoch or, as its docs show, with a
 * fractional epoch per batch: `sched.step(epoch + i / iters)`.
 */
import { bindCall } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { parseSignature } from "../../api/schema.js";
import { FluxionError } from "../../errors.js";
import { LRScheduler } from "./base.js";
import { cos, log, pow } from "./libm.js";

const WARM_RESTARTS = "CosineAnnealingWarmRestarts(Any optimizer, int t0, int tMult=1, float etaMin=0, int lastEpoch=-1, bool verbose=false)";
const warmRestartsArgs = declareArgs(WARM_RESTARTS, "optim.lrScheduler");
// a fractional epoch is the documented use, so step takes a float here
const STEP = "step(float? epoch=null)";
const stepSig = parseSignature(STEP);

/**
 * Cosine annealing with warm restarts every t0, t0*tMult, t0*tMult², ... epochs.
 *
 * @example
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(optimizer, 10, 2, { etaMin: 1e-5 });
 * for (let epoch = 0; epoch < 70; epoch++) {
 *   for (let i = 0; i < iters; i++) { train(i); optimizer.step(); sched.step(epoch + i / iters); }
 * }
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** Epochs before the first restart (PyTorch's T_0). */
  t0: number;
  /** The factor each restart multiplies the period by (T_mult). */
  tMult: number;
  etaMin: number;
  /** The current period (T_i) and the epochs since the last restart (T_cur). */
  tI: number;
  tCur: number;
  constructor(...args: CtorArgs<typeof WARM_RESTARTS>) {
    const [optimizer, t0, tMult, etaMin, lastEpoch, verbose] = warmRestartsArgs.bind(args);
    if (t0 <= 0) throw new FluxionError(`CosineAnnealingWarmRestarts: expected a positive integer t0, but got ${t0}`);
    if (tMult < 1) throw new FluxionError(`CosineAnnealingWarmRestarts: expected an integer tMult >= 1, but got ${tMult}`);
    super(optimizer, lastEpoch, "CosineAnnealingWarmRestarts", verbose);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = etaMin;
    this.tCur = lastEpoch;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  /** One epoch on (no argument), or to `epoch`, which may be fractional. */
  override step(...args: CtorArgs<typeof STEP>): void {
    let [epoch] = bindCall([stepSig], undefined, args, false) as [number | null];
    this._stepCount++;
    if (epoch === null && this.lastEpoch < 0) epoch = 0;
    if (epoch === null) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      if (epoch < 0) throw new FluxionError(`CosineAnnealingWarmRestarts.step: expected a non-negative epoch, but got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = epoch % this.t0;
        else {
          // the restart epoch is found as PyTorch does: int(math.log(x, T_mult))
          const n = Math.trunc(log((epoch / this.t0) * (this.tMult - 1) + 1) / log(this.tMult));
          this.tCur = epoch - (this.t0 * (pow(this.tMult, n) - 1)) / (this.tMult - 1);
          this.tI = this.t0 * pow(this.tMult, n);
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.writeLrs(this.getLr(), epoch);
  }
}

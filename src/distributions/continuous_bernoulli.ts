/**
 * ContinuousBernoulli(probs | logits) (torch.distributions.ContinuousBernoulli, Loaiza-Ganem
 * and Cunningham 2019): a density on [0, 1] proportional to p^x (1-p)^(1-x). Near p = 1/2 the
 * normalizer and moments lose precision, so inside `lims` they switch to Taylor expansions
 * around 1/2, as PyTorch's.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError } from "../errors.js";
import { rand, where } from "../functional.js";
import { noGrad } from "../autograd/grad_mode.js";
import { ExponentialFamily } from "./exp_family.js";
import * as constraints from "./constraints.js";
import { bceWithLogits, broadcastAll, clampProbs, logitsToProbs, named, probsOrLogits, probsToLogits, shapeArg } from "./utils.js";

const CONT_BERN = "ContinuousBernoulli(Tensor|float? probs=null, Tensor|float? logits=null, float[2] lims=[0.499, 0.501], bool? validateArgs=null)";
const contBernArgs = declareArgs(CONT_BERN, "distributions");

/**
 * The continuous relaxation of Bernoulli used as a VAE likelihood for pixel intensities in [0, 1].
 * @example new distributions.ContinuousBernoulli(tensor([0.2, 0.7])).rsample()
 */
export class ContinuousBernoulli extends ExponentialFamily {
  static override readonly argConstraints = { probs: constraints.unitInterval, logits: constraints.real };
  override get hasRsample(): boolean {
    return true;
  }
  private _probs: Tensor | null = null;
  private _logits: Tensor | null = null;
  /** The probabilities' band around 1/2 where the Taylor expansions take over. */
  readonly lims: [number, number];
  constructor(...args: CtorArgs<typeof CONT_BERN>) {
    const [probs, logits, lims, validateArgs] = contBernArgs.bind(args);
    probsOrLogits("ContinuousBernoulli", probs, logits);
    const [p] = broadcastAll("ContinuousBernoulli", [probs != null ? "probs" : "logits"], [(probs ?? logits)!]);
    super(p!.shape, [], validateArgs);
    if (!Array.isArray(lims) || lims.length !== 2 || !(lims[0]! < lims[1]!)) {
      throw new ArgumentError(`ContinuousBernoulli: lims must be two numbers [low, high] with low < high, got ${JSON.stringify(lims)}`);
    }
    this.lims = [lims[0]!, lims[1]!];
    if (probs != null) this._probs = p!;
    else this._logits = p!;
    this.validateParams();
    // probabilities are kept inside [eps, 1 - eps], as PyTorch's
    if (this._probs) this._probs = clampProbs(this._probs);
  }
  get probs(): Tensor {
    return (this._probs ??= clampProbs(logitsToProbs(this._logits!, true)));
  }
  get logits(): Tensor {
    return (this._logits ??= probsToLogits(this._probs!, true));
  }
  protected override params(): Record<string, Tensor | null> {
    return { probs: this._probs, logits: this._logits };
  }
  protected override expandFields(): [string, number][] {
    return [["_probs", 0], ["_logits", 0]];
  }
  override get support(): constraints.Constraint {
    return constraints.unitInterval;
  }
  private outsideUnstableRegion(): Tensor {
    return this.probs.le(this.lims[0]).logicalOr(this.probs.gt(this.lims[1]));
  }
  private cutProbs(): Tensor {
    return where(this.outsideUnstableRegion(), this.probs, this.probs.mul(0).add(this.lims[0]));
  }
  /** log C(p), the log of the density's normalizing constant (PyTorch's _cont_bern_log_norm). */
  contBernLogNorm(): Tensor {
    const cut = this.cutProbs();
    const below = where(cut.le(0.5), cut, cut.mul(0));
    const above = where(cut.ge(0.5), cut, cut.mul(0).add(1));
    const logNorm = cut.neg().log1p().sub(cut.log()).abs().log().sub(where(cut.le(0.5), below.mul(-2).log1p(), above.mul(2).sub(1).log()));
    const x = this.probs.sub(0.5).pow(2);
    const taylor = x.mul(104 / 45).add(4 / 3).mul(x).add(Math.LN2);
    return where(this.outsideUnstableRegion(), logNorm, taylor);
  }
  override get mean(): Tensor {
    const cut = this.cutProbs();
    const mus = cut.div(cut.mul(2).sub(1)).add(cut.neg().log1p().sub(cut.log()).reciprocal());
    const x = this.probs.sub(0.5);
    const taylor = x.pow(2).mul(16 / 45).add(1 / 3).mul(x).add(0.5);
    return where(this.outsideUnstableRegion(), mus, taylor);
  }
  override get stddev(): Tensor {
    return this.variance.sqrt();
  }
  override get variance(): Tensor {
    const cut = this.cutProbs();
    const vars = cut.mul(cut.sub(1)).div(cut.mul(-2).add(1).pow(2)).add(cut.neg().log1p().sub(cut.log()).pow(2).reciprocal());
    const x = this.probs.sub(0.5).pow(2);
    const taylor = x.mul(128 / 945).neg().add(1 / 15).mul(x).neg().add(1 / 12);
    return where(this.outsideUnstableRegion(), vars, taylor);
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("ContinuousBernoulli.sample", "sampleShape", sampleShape));
    const u = rand(shape, { dtype: this.probs.dtype, device: this.probs.device });
    return noGrad(() => this.icdf(u));
  }
  /** The inverse CDF at uniform draws: differentiable in the parameters. */
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("ContinuousBernoulli.rsample", "sampleShape", sampleShape));
    return this.icdf(rand(shape, { dtype: this.probs.dtype, device: this.probs.device }));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("ContinuousBernoulli.logProb", () => bceWithLogits(this.logits, v).neg().add(this.contBernLogNorm()));
  }
  override cdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "cdf");
    return named("ContinuousBernoulli.cdf", () => {
      const cut = this.cutProbs();
      const cdfs = cut.pow(v).mul(cut.neg().add(1).pow(v.neg().add(1))).add(cut).sub(1).div(cut.mul(2).sub(1));
      const unbounded = where(this.outsideUnstableRegion(), cdfs, v);
      return where(v.le(0), v.mul(0), where(v.ge(1), v.mul(0).add(1), unbounded));
    });
  }
  override icdf(value: Tensor): Tensor {
    const v = this.checkValue(value, "icdf", false);
    return named("ContinuousBernoulli.icdf", () => {
      const cut = this.cutProbs();
      const inside = cut.neg().add(v.mul(cut.mul(2).sub(1))).log1p().sub(cut.neg().log1p()).div(cut.log().sub(cut.neg().log1p()));
      return where(this.outsideUnstableRegion(), inside, v);
    });
  }
  override entropy(): Tensor {
    const logProbs0 = this.probs.neg().log1p(), logProbs1 = this.probs.log();
    return this.mean.mul(logProbs0.sub(logProbs1)).sub(this.contBernLogNorm()).sub(logProbs0);
  }
  override get naturalParams(): Tensor[] {
    return [this.logits];
  }
  override logNormalizer(x: Tensor): Tensor {
    const [lo, hi] = [this.lims[0] - 0.5, this.lims[1] - 0.5];
    const outside = x.le(lo).logicalOr(x.gt(hi));
    const cut = where(outside, x, x.mul(0).add(lo));
    const logNorm = cut.exp().sub(1).abs().log().sub(cut.abs().log());
    const taylor = x.mul(0.5).add(x.pow(2).div(24)).sub(x.pow(4).div(2880));
    return where(outside, logNorm, taylor);
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }
}

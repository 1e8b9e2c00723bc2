/**
 * Wishart(df, covarianceMatrix | precisionMatrix | scaleTril) (torch.distributions.Wishart):
 * the distribution of Σ_k x_k x_kᵀ for df Gaussian vectors x_k ~ N(0, Σ), over p x p positive
 * definite matrices. As PyTorch's, everything goes through the lower Cholesky factor L of Σ
 * (kept unbroadcast); rsample is the Bartlett decomposition L A Aᵀ Lᵀ with A lower triangular,
 * A_ii = sqrt(χ²(df - i)) and standard normal entries below the diagonal, so gradients reach
 * df (through the reparameterized Gamma draws) and Σ.
 *
 * One difference from PyTorch 1.13: its rsample resamples the samples that *pass* the
 * positive-definite check (its `is_singular` is the check itself, a bug later fixed), so it
 * always warns "Singular sample detected." Here only singular samples are drawn again (up to
 * maxTryCorrection times, 10 by default), with a warning when there are some.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { arange, eye, randn, tensor, where } from "../functional.js";
import { cholesky, slogdet } from "../ops/linalg/index.js";
import { choleskySolve } from "../ops/linalg/cholesky_solve.js";
import { broadcastShapes } from "../tensor/shape.js";
import { readHostItem } from "../tensor/host_read.js";
import { isFloating } from "../tensor/dtype.js";
import { ExponentialFamily } from "./exp_family.js";
import * as constraints from "./constraints.js";
import { Chi2 } from "./chi2.js";
import { precisionToScaleTril } from "./multivariate_normal.js";
import { finfo, floatParam, named, shapeArg } from "./utils.js";

const WISHART = "Wishart(Tensor|float df, Tensor? covarianceMatrix=null, Tensor? precisionMatrix=null, Tensor? scaleTril=null, bool? validateArgs=null)";
const wishartArgs = declareArgs(WISHART, "distributions");
const LOG_2 = Math.log(2);

/** Σ_i digamma(x - i/2) over i < p (PyTorch's _mvdigamma). */
function mvdigamma(x: Tensor, p: number): Tensor {
  return x.unsqueeze(-1).sub(arange(p, { dtype: x.dtype, device: x.device }).div(2)).digamma().sum(-1);
}

let warnedLowDf = false, warnedSingular = false;

/**
 * @example new distributions.Wishart(4, { covarianceMatrix: eye(3) }).rsample([2]) // [2, 3, 3], mean 4·I
 */
export class Wishart extends ExponentialFamily {
  static override readonly argConstraints: Record<string, constraints.Constraint> = {
    covarianceMatrix: constraints.positiveDefinite,
    precisionMatrix: constraints.positiveDefinite,
    scaleTril: constraints.lowerCholesky,
    df: constraints.greaterThan(0),
  };
  override get hasRsample(): boolean {
    return true;
  }
  /** The degrees of freedom, of the batch shape. */
  df: Tensor;
  /** @internal The Cholesky factor of the covariance before broadcasting to the batch shape. */
  _unbroadcastedScaleTril: Tensor;
  private _cov: Tensor | null = null;
  private _prec: Tensor | null = null;
  private _tril: Tensor | null = null;
  private chi2!: Chi2;

  constructor(...args: CtorArgs<typeof WISHART>) {
    const [df, cov, prec, tril, validateArgs] = wishartArgs.bind(args);
    const given = [cov, prec, tril].filter((m) => m != null).length;
    if (given !== 1) throw new ArgumentError("Wishart: exactly one of covarianceMatrix or precisionMatrix or scaleTril may be specified");
    const name = cov != null ? "covarianceMatrix" : prec != null ? "precisionMatrix" : "scaleTril";
    const m = floatParam("Wishart", name, (cov ?? prec ?? tril)!, 0);
    if (m.ndim < 2) throw new ShapeError(`Wishart: ${name} must be at least two-dimensional, with optional leading batch dimensions, got shape ${fmtShape(m.shape)}`);
    const p = m.shape.at(-1)!;
    if (m.shape.at(-2) !== p) throw new ShapeError(`Wishart: ${name} must be batches of square matrices, got shape ${fmtShape(m.shape)}`);
    let d: Tensor, batch: number[];
    if (df instanceof Tensor) {
      if (!isFloating(df.dtype)) throw new ArgumentError(`Wishart: df must be a floating point tensor or a number, got a ${df.dtype} tensor`);
      batch = broadcastShapes("Wishart", m.shape.slice(0, -2), df.shape);
      d = df.expand(batch);
    } else {
      batch = m.shape.slice(0, -2);
      d = tensor(df, { dtype: m.dtype, device: m.device });
    }
    // raised whatever validateArgs says, as PyTorch's ValueError
    if (readHostItem<boolean>(d.le(p - 1).any(), "Wishart")) {
      throw new ArgumentError(`Wishart: Value of df=${df instanceof Tensor ? df.toString() : df} expected to be greater than ndim - 1 = ${p - 1}.`);
    }
    if (!warnedLowDf && readHostItem<boolean>(d.lt(p).any(), "Wishart")) {
      warnedLowDf = true;
      console.warn("fluxion: Wishart: Low df values detected. Singular samples are highly likely to occur for ndim - 1 < df < ndim.");
    }
    super(batch, [p, p], validateArgs);
    this.df = d;
    const mb = m.expand([...batch, p, p]);
    if (cov != null) this._cov = mb;
    else if (prec != null) this._prec = mb;
    else this._tril = mb;
    this.validateParams();
    this._unbroadcastedScaleTril = named("Wishart", () => (cov != null ? cholesky(m) : prec != null ? precisionToScaleTril(m) : m));
    this.makeChi2();
  }
  /** The χ² of the Bartlett decomposition's diagonal: df - i for row i. */
  private makeChi2(): void {
    const p = this.eventShape[0]!, L = this._unbroadcastedScaleTril;
    const dfs = this.df.unsqueeze(-1).sub(arange(p, { dtype: L.dtype, device: L.device }).expand([...this.batchShape, p]));
    this.chi2 = new Chi2(dfs, { validateArgs: false });
  }
  /** As PyTorch's instance arg_constraints: df must exceed p - 1. */
  override get argConstraints(): Record<string, constraints.Constraint> {
    return { ...super.argConstraints, df: constraints.greaterThan(this.eventShape[0]! - 1) };
  }
  protected override params(): Record<string, Tensor | null> {
    return { covarianceMatrix: this._cov, precisionMatrix: this._prec, scaleTril: this._tril, df: this.df };
  }
  protected override expandFields(): [string, number][] {
    return [["df", 0], ["_cov", 2], ["_prec", 2], ["_tril", 2], ["_unbroadcastedScaleTril", 2]];
  }
  protected override afterExpand(): void {
    this.makeChi2();
  }
  override get support(): constraints.Constraint {
    return constraints.positiveDefinite;
  }
  private get matrixShape(): number[] {
    return [...this.batchShape, ...this.eventShape];
  }
  /** df as [...batch, 1, 1], to scale matrices. */
  private get dfMatrix(): Tensor {
    return this.df.reshape([...this.batchShape, 1, 1]);
  }
  get scaleTril(): Tensor {
    return (this._tril ??= this._unbroadcastedScaleTril.expand(this.matrixShape));
  }
  get covarianceMatrix(): Tensor {
    const L = this._unbroadcastedScaleTril;
    return (this._cov ??= L.matmul(L.mT).expand(this.matrixShape));
  }
  get precisionMatrix(): Tensor {
    const L = this._unbroadcastedScaleTril, p = this.eventShape[0]!;
    return (this._prec ??= choleskySolve(eye(p, { dtype: L.dtype, device: L.device }), L, false).expand(this.matrixShape));
  }
  /** df · Σ. */
  override get mean(): Tensor {
    return this.dfMatrix.mul(this.covarianceMatrix);
  }
  /** (df - p - 1) · Σ, NaN where df <= p + 1 (as PyTorch's). */
  override get mode(): Tensor {
    const factor = this.df.sub(this.eventShape[0]! + 1);
    return where(factor.le(0), NaN, factor).reshape([...this.batchShape, 1, 1]).mul(this.covarianceMatrix);
  }
  /** Var(X_ij) = df (Σ_ij² + Σ_ii Σ_jj). */
  override get variance(): Tensor {
    const V = this.covarianceMatrix;
    const dv = V.diagonal(0, -2, -1);
    return this.dfMatrix.mul(V.pow(2).add(dv.unsqueeze(-1).mul(dv.unsqueeze(-2))));
  }
  private bartlett(sampleShape: readonly number[]): Tensor {
    const p = this.eventShape[0]!, L = this._unbroadcastedScaleTril;
    const diag = this.chi2.rsample(sampleShape).sqrt().clampMin(finfo(L.dtype).eps);
    const below = randn([...sampleShape, ...this.batchShape, p, p], { dtype: L.dtype, device: L.device }).tril(-1);
    const chol = L.matmul(below.add(diag.diagEmbed()));
    return chol.matmul(chol.mT);
  }
  /**
   * Bartlett-decomposition samples of shape [...sampleShape, ...batchShape, p, p]; samples that
   * fail the positive-definite check are drawn again, up to `maxTryCorrection` times.
   */
  override rsample(sampleShape: number | readonly number[] = [], maxTryCorrection: number | null = null): Tensor {
    const s = shapeArg("Wishart.rsample", "sampleShape", sampleShape);
    const tries = maxTryCorrection ?? 10;
    if (!Number.isInteger(tries) || tries < 0) throw new ArgumentError(`Wishart.rsample: maxTryCorrection must be a nonnegative integer, got ${maxTryCorrection}`);
    return named("Wishart.rsample", () => {
      let sample = this.bartlett(s);
      const singularOf = (x: Tensor) => constraints.positiveDefinite.check(x).logicalNot().unsqueeze(-1).unsqueeze(-1);
      let singular = singularOf(sample);
      for (let t = 0; t < tries && readHostItem<boolean>(singular.any(), "Wishart.rsample"); t++) {
        if (!warnedSingular) {
          warnedSingular = true;
          console.warn("fluxion: Wishart.rsample: Singular sample detected.");
        }
        sample = where(singular, this.bartlett(s), sample);
        singular = singularOf(sample);
      }
      return sample;
    });
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("Wishart.logProb", () => {
      const nu = this.df, p = this.eventShape[0]!, L = this._unbroadcastedScaleTril;
      const logDetL = L.diagonal(0, -2, -1).log().sum(-1);
      return nu.mul(logDetL.add(p * LOG_2 / 2)).neg()
        .sub(nu.div(2).mvlgamma(p))
        .add(nu.sub(p + 1).div(2).mul(slogdet(v).logabsdet))
        .sub(choleskySolve(v, L, false).diagonal(0, -2, -1).sum(-1).div(2));
    });
  }
  override entropy(): Tensor {
    const nu = this.df, p = this.eventShape[0]!, L = this._unbroadcastedScaleTril;
    const logDetL = L.diagonal(0, -2, -1).log().sum(-1);
    const h = logDetL.add(p * LOG_2 / 2).mul(p + 1)
      .add(nu.div(2).mvlgamma(p))
      .sub(nu.sub(p + 1).div(2).mul(mvdigamma(nu.div(2), p)))
      .add(nu.mul(p / 2));
    return h.shape.length === this.batchShape.length ? h : h.expand(this.batchShape);
  }
  /** (-Σ⁻¹ / 2, (df - p - 1) / 2). */
  override get naturalParams(): Tensor[] {
    return [this.precisionMatrix.div(-2), this.df.sub(this.eventShape[0]! + 1).div(2)];
  }
  override logNormalizer(x: Tensor, y: Tensor): Tensor {
    const p = this.eventShape[0]!;
    const a = y.add((p + 1) / 2);
    return a.mul(slogdet(x.mul(-2)).logabsdet.neg().add(LOG_2 * p)).add(a.mvlgamma(p));
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }
}

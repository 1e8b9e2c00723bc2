/**
 * LowRankMultivariateNormal(loc, covFactor, covDiag)
 * (torch.distributions.LowRankMultivariateNormal): a Gaussian whose covariance is
 * W Wᵀ + diag(D) with W of shape [n, m], m small. logProb, entropy and KL go through the m x m
 * "capacitance" matrix I + Wᵀ D⁻¹ W (Woodbury and the matrix determinant lemma), so the cost is
 * linear in n.
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ShapeError, fmtShape } from "../errors.js";
import { broadcastTensors, eye, randn } from "../functional.js";
import { cholesky, solveTriangular } from "../ops/linalg/index.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { batchMahalanobis } from "./multivariate_normal.js";
import { floatParam, named, shapeArg } from "./utils.js";

const LOWRANK_MVN = "LowRankMultivariateNormal(Tensor loc, Tensor covFactor, Tensor covDiag, bool? validateArgs=null)";
const lowRankArgs = declareArgs(LOWRANK_MVN, "distributions");

/** L, the Cholesky factor of I + Wᵀ D⁻¹ W. */
export function capacitanceTril(W: Tensor, D: Tensor): Tensor {
  const m = W.shape.at(-1)!;
  const K = W.mT.div(D.unsqueeze(-2)).matmul(W).add(eye(m, { dtype: W.dtype, device: W.device }));
  return cholesky(K);
}

/** log det(W Wᵀ + D) = 2 Σ log diag(L) + Σ log D. */
export function lowrankLogdet(D: Tensor, capTril: Tensor): Tensor {
  return capTril.diagonal(0, -2, -1).log().sum(-1).mul(2).add(D.log().sum(-1));
}

/** xᵀ (W Wᵀ + D)⁻¹ x by Woodbury. */
export function lowrankMahalanobis(W: Tensor, D: Tensor, x: Tensor, capTril: Tensor): Tensor {
  const WtDinv = W.mT.div(D.unsqueeze(-2));
  const WtDinvX = WtDinv.matmul(x.unsqueeze(-1)).squeeze(-1);
  return x.pow(2).div(D).sum(-1).sub(batchMahalanobis(capTril, WtDinvX));
}

/**
 * A Gaussian over vectors of length n with covariance covFactor covFactorᵀ + diag(covDiag).
 * @example new distributions.LowRankMultivariateNormal(zeros(3), tensor([[1], [0], [1]]), ones(3)).rsample()
 */
export class LowRankMultivariateNormal extends Distribution {
  static override readonly argConstraints = {
    loc: constraints.realVector,
    covFactor: constraints.independent(constraints.real, 2),
    covDiag: constraints.independent(constraints.positive, 1),
  };
  override get hasRsample(): boolean {
    return true;
  }
  loc: Tensor;
  covFactor: Tensor;
  covDiag: Tensor;
  /** @internal the parameters before broadcasting, and the capacitance's Cholesky factor */
  _unbroadcastedCovFactor: Tensor;
  /** @internal */
  _unbroadcastedCovDiag: Tensor;
  /** @internal */
  _capacitanceTril: Tensor;
  constructor(...args: CtorArgs<typeof LOWRANK_MVN>) {
    const [locArg, factorArg, diagArg, validateArgs] = lowRankArgs.bind(args);
    const D = "LowRankMultivariateNormal";
    const loc = floatParam(D, "loc", locArg, 1);
    const W = floatParam(D, "covFactor", factorArg, 0);
    const diag = floatParam(D, "covDiag", diagArg, 0);
    const n = loc.shape.at(-1)!;
    if (W.ndim < 2) throw new ShapeError(`${D}: covFactor must be at least two-dimensional, with optional leading batch dimensions, got shape ${fmtShape(W.shape)}`);
    if (W.shape.at(-2) !== n) throw new ShapeError(`${D}: covFactor must be a batch of matrices with shape ${n} x m, got shape ${fmtShape(W.shape)}`);
    if (diag.ndim < 1 || diag.shape.at(-1) !== n) throw new ShapeError(`${D}: covDiag must be a batch of vectors with shape [${n}], got shape ${fmtShape(diag.shape)}`);
    let parts: Tensor[];
    try {
      parts = broadcastTensors(loc.unsqueeze(-1), W, diag.unsqueeze(-1));
    } catch {
      throw new ShapeError(`${D}: incompatible batch shapes: loc ${fmtShape(loc.shape)}, covFactor ${fmtShape(W.shape)}, covDiag ${fmtShape(diag.shape)}`);
    }
    const [l, f, d] = parts as [Tensor, Tensor, Tensor];
    super(l.shape.slice(0, -2), [n], validateArgs);
    this.loc = l.select(-1, 0);
    this.covFactor = f;
    this.covDiag = d.select(-1, 0);
    this._unbroadcastedCovFactor = W;
    this._unbroadcastedCovDiag = diag;
    this.validateParams();
    this._capacitanceTril = named(D, () => capacitanceTril(W, diag));
  }
  protected override params(): Record<string, Tensor | null> {
    return { loc: this.loc, covFactor: this.covFactor, covDiag: this.covDiag };
  }
  protected override expandFields(): [string, number][] {
    return [["loc", 1], ["covDiag", 1], ["covFactor", 2]];
  }
  override get support(): constraints.Constraint {
    return constraints.realVector;
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    return this._unbroadcastedCovFactor.pow(2).sum(-1).add(this._unbroadcastedCovDiag).expand([...this.batchShape, ...this.eventShape]);
  }
  private fullShape(): number[] {
    const n = this.eventShape[0]!;
    return [...this.batchShape, n, n];
  }
  /** The lower Cholesky factor of the covariance, computed as sqrt(D) chol(I + D^-1/2 W Wᵀ D^-1/2). */
  get scaleTril(): Tensor {
    const n = this.eventShape[0]!;
    const sqrtD = this._unbroadcastedCovDiag.sqrt().unsqueeze(-1);
    const DinvsqrtW = this._unbroadcastedCovFactor.div(sqrtD);
    const K = DinvsqrtW.matmul(DinvsqrtW.mT).add(eye(n, { dtype: sqrtD.dtype, device: sqrtD.device }));
    return sqrtD.mul(cholesky(K)).expand(this.fullShape());
  }
  get covarianceMatrix(): Tensor {
    const W = this._unbroadcastedCovFactor;
    return W.matmul(W.mT).add(this._unbroadcastedCovDiag.diagEmbed()).expand(this.fullShape());
  }
  get precisionMatrix(): Tensor {
    const WtDinv = this._unbroadcastedCovFactor.mT.div(this._unbroadcastedCovDiag.unsqueeze(-2));
    const A = solveTriangular(this._capacitanceTril, WtDinv, { upper: false });
    return this._unbroadcastedCovDiag.reciprocal().diagEmbed().sub(A.mT.matmul(A)).expand(this.fullShape());
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("LowRankMultivariateNormal.rsample", "sampleShape", sampleShape));
    const opts = { dtype: this.loc.dtype, device: this.loc.device };
    const epsW = randn([...shape.slice(0, -1), this.covFactor.shape.at(-1)!], opts);
    const epsD = randn(shape, opts);
    return this.loc.add(this._unbroadcastedCovFactor.matmul(epsW.unsqueeze(-1)).squeeze(-1)).add(this._unbroadcastedCovDiag.sqrt().mul(epsD));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("LowRankMultivariateNormal.logProb", () => {
      const M = lowrankMahalanobis(this._unbroadcastedCovFactor, this._unbroadcastedCovDiag, v.sub(this.loc), this._capacitanceTril);
      const logDet = lowrankLogdet(this._unbroadcastedCovDiag, this._capacitanceTril);
      return M.add(logDet).add(this.eventShape[0]! * Math.log(2 * Math.PI)).mul(-0.5);
    });
  }
  override entropy(): Tensor {
    const logDet = lowrankLogdet(this._unbroadcastedCovDiag, this._capacitanceTril);
    const H = logDet.add(this.eventShape[0]! * (1 + Math.log(2 * Math.PI))).mul(0.5);
    return this.batchShape.length === 0 ? H : H.expand(this.batchShape);
  }
}

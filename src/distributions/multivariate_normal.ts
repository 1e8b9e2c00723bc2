/**
 * MultivariateNormal(loc, covarianceMatrix | precisionMatrix | scaleTril)
 * (torch.distributions.MultivariateNormal): everything goes through the lower Cholesky factor L
 * of the covariance (kept unbroadcast, as PyTorch's _unbroadcasted_scale_tril).
 */
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError, ShapeError, fmtShape } from "../errors.js";
import { eye, randn } from "../functional.js";
import { cholesky, solveTriangular } from "../ops/linalg/index.js";
import { broadcastShapes } from "../tensor/shape.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { floatParam, named, shapeArg } from "./utils.js";

const MVN = "MultivariateNormal(Tensor loc, Tensor? covarianceMatrix=null, Tensor? precisionMatrix=null, Tensor? scaleTril=null, bool? validateArgs=null)";
const mvnArgs = declareArgs(MVN, "distributions");

/** The lower Cholesky factor of P⁻¹ without inverting P: flip, factor, flip back, solve (PyTorch's _precision_to_scale_tril). */
export function precisionToScaleTril(P: Tensor): Tensor {
  const Lf = cholesky(P.flip([-2, -1]));
  const Linv = Lf.flip([-2, -1]).mT;
  const n = P.shape.at(-1)!;
  return solveTriangular(Linv, eye(n, { dtype: P.dtype, device: P.device }), { upper: false });
}

/** Squared Mahalanobis distance xᵀ (L Lᵀ)⁻¹ x for L [..., n, n] and x [..., n], broadcast. */
export function batchMahalanobis(L: Tensor, x: Tensor): Tensor {
  const shape = broadcastShapes("MultivariateNormal", L.shape.slice(0, -2), x.shape.slice(0, -1));
  const n = x.shape.at(-1)!;
  const z = solveTriangular(L.expand([...shape, n, n]), x.expand([...shape, n]).unsqueeze(-1), { upper: false });
  return z.squeeze(-1).pow(2).sum(-1);
}

/**
 * A Gaussian over vectors of length n (event shape [n]); give exactly one of the covariance,
 * the precision or the covariance's lower Cholesky factor.
 * @example new distributions.MultivariateNormal(zeros(2), { covarianceMatrix: eye(2) }).rsample([5]) // [5, 2]
 */
export class MultivariateNormal extends Distribution {
  static override readonly argConstraints = {
    loc: constraints.realVector,
    covarianceMatrix: constraints.positiveDefinite,
    precisionMatrix: constraints.positiveDefinite,
    scaleTril: constraints.lowerCholesky,
  };
  override get hasRsample(): boolean {
    return true;
  }
  loc: Tensor;
  /** @internal The Cholesky factor before broadcasting to the batch shape. */
  _unbroadcastedScaleTril: Tensor;
  private _cov: Tensor | null = null;
  private _prec: Tensor | null = null;
  private _tril: Tensor | null = null;
  constructor(...args: CtorArgs<typeof MVN>) {
    const [loc, cov, prec, tril, validateArgs] = mvnArgs.bind(args);
    const l = floatParam("MultivariateNormal", "loc", loc, 1);
    const given = [cov, prec, tril].filter((m) => m != null).length;
    if (given !== 1) throw new ArgumentError("MultivariateNormal: exactly one of covarianceMatrix or precisionMatrix or scaleTril may be specified");
    const name = cov != null ? "covarianceMatrix" : prec != null ? "precisionMatrix" : "scaleTril";
    const m = floatParam("MultivariateNormal", name, (cov ?? prec ?? tril)!, 0);
    if (m.ndim < 2) throw new ShapeError(`MultivariateNormal: ${name} must be at least two-dimensional, with optional leading batch dimensions, got shape ${fmtShape(m.shape)}`);
    const n = l.shape.at(-1)!;
    if (m.shape.at(-1) !== n || m.shape.at(-2) !== n) {
      throw new ShapeError(`MultivariateNormal: ${name} must be [..., ${n}, ${n}] to match loc's last dim ${n}, got shape ${fmtShape(m.shape)}`);
    }
    const batch = broadcastShapes("MultivariateNormal", m.shape.slice(0, -2), l.shape.slice(0, -1));
    super(batch, [n], validateArgs);
    this.loc = l.expand([...batch, n]);
    const mb = m.expand([...batch, n, n]);
    if (cov != null) this._cov = mb;
    else if (prec != null) this._prec = mb;
    else this._tril = mb;
    this.validateParams();
    this._unbroadcastedScaleTril = named("MultivariateNormal", () => (cov != null ? cholesky(m) : prec != null ? precisionToScaleTril(m) : m));
  }
  protected override params(): Record<string, Tensor | null> {
    return { loc: this.loc, covarianceMatrix: this._cov, precisionMatrix: this._prec, scaleTril: this._tril };
  }
  protected override expandFields(): [string, number][] {
    return [["loc", 1], ["_cov", 2], ["_prec", 2], ["_tril", 2]];
  }
  override get support(): constraints.Constraint {
    return constraints.realVector;
  }
  get scaleTril(): Tensor {
    return (this._tril ??= this._unbroadcastedScaleTril.expand([...this.batchShape, ...this.eventShape, ...this.eventShape]));
  }
  get covarianceMatrix(): Tensor {
    const L = this._unbroadcastedScaleTril;
    return (this._cov ??= L.matmul(L.mT).expand([...this.batchShape, ...this.eventShape, ...this.eventShape]));
  }
  get precisionMatrix(): Tensor {
    if (this._prec !== null) return this._prec;
    const L = this._unbroadcastedScaleTril;
    const n = this.eventShape[0]!;
    const Linv = solveTriangular(L, eye(n, { dtype: L.dtype, device: L.device }), { upper: false });
    return (this._prec = Linv.mT.matmul(Linv).expand([...this.batchShape, n, n]));
  }
  override get mean(): Tensor {
    return this.loc;
  }
  override get mode(): Tensor {
    return this.loc;
  }
  override get variance(): Tensor {
    return this._unbroadcastedScaleTril.pow(2).sum(-1).expand([...this.batchShape, ...this.eventShape]);
  }
  override rsample(sampleShape: number | readonly number[] = []): Tensor {
    const shape = this.extendedShape(shapeArg("MultivariateNormal.rsample", "sampleShape", sampleShape));
    const eps = randn(shape, { dtype: this.loc.dtype, device: this.loc.device });
    return this.loc.add(this._unbroadcastedScaleTril.matmul(eps.unsqueeze(-1)).squeeze(-1));
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("MultivariateNormal.logProb", () => {
      const L = this._unbroadcastedScaleTril, n = this.eventShape[0]!;
      const M = batchMahalanobis(L, v.sub(this.loc));
      const halfLogDet = L.diagonal(0, -2, -1).log().sum(-1);
      return M.add(n * Math.log(2 * Math.PI)).mul(-0.5).sub(halfLogDet);
    });
  }
  override entropy(): Tensor {
    const L = this._unbroadcastedScaleTril, n = this.eventShape[0]!;
    const h = L.diagonal(0, -2, -1).log().sum(-1).add(0.5 * n * (1 + Math.log(2 * Math.PI)));
    return this.batchShape.length === 0 ? h : h.expand(this.batchShape);
  }
}

/**
 * The KL divergences PyTorch 1.13 registers for ContinuousBernoulli, ExponentialFamily,
 * LowRankMultivariateNormal and Pareto (torch.distributions.kl), each pair with its own formula
 * and the pairs whose supports do not nest as infinity. Registered on import (index.ts imports
 * this file), beside kl.ts's pairs.
 */
import { Tensor } from "../tensor/tensor.js";
import { fullLike, where } from "../functional.js";
import { enableGrad } from "../autograd/grad_mode.js";
import { grad } from "../autograd/backward.js";
import { solveTriangular } from "../ops/linalg/index.js";
import { broadcastShapes } from "../tensor/shape.js";
import { FluxionError, fmtShape } from "../errors.js";
import { Distribution, NotImplementedDistributionError } from "./distribution.js";
import { registerKl } from "./kl.js";
import { Normal } from "./normal.js";
import { Uniform } from "./uniform.js";
import { Exponential } from "./exponential.js";
import { Laplace } from "./laplace.js";
import { Gamma } from "./gamma.js";
import { Beta } from "./beta.js";
import { Gumbel } from "./gumbel.js";
import { MultivariateNormal, batchMahalanobis } from "./multivariate_normal.js";
import { ExponentialFamily } from "./exp_family.js";
import { ContinuousBernoulli } from "./continuous_bernoulli.js";
import { Pareto } from "./pareto.js";
import { LowRankMultivariateNormal, lowrankLogdet, lowrankMahalanobis } from "./lowrank_multivariate_normal.js";
import { sumRightmost } from "./utils.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DistClass = abstract new (...args: any[]) => Distribution;
const inf = (t: Tensor): Tensor => fullLike(t, Infinity);
/** x log x. */
const xLogX = (t: Tensor): Tensor => t.mul(t.log());
/** The squared Frobenius norm over the last two dims (PyTorch's _batch_trace_XXT). */
const traceXXt = (m: Tensor): Tensor => m.pow(2).sum([-2, -1]);

// ---- ContinuousBernoulli

registerKl(ContinuousBernoulli, ContinuousBernoulli, (p, q) => {
  const t1 = p.mean.mul(p.logits.sub(q.logits));
  const t2 = p.contBernLogNorm().add(p.probs.neg().log1p());
  const t3 = q.contBernLogNorm().neg().sub(q.probs.neg().log1p());
  return t1.add(t2).add(t3);
});
registerKl(Beta, ContinuousBernoulli, (p, q) => p.entropy().neg().sub(p.mean.mul(q.logits)).sub(q.probs.neg().log1p()).sub(q.contBernLogNorm()));
registerKl(ContinuousBernoulli, Exponential, (p, q) => p.entropy().neg().sub(q.rate.log()).add(q.rate.mul(p.mean)));
registerKl(ContinuousBernoulli, Normal, (p, q) => {
  const t1 = p.entropy().neg();
  const t2 = q.loc.div(q.scale).pow(2).add(Math.log(2 * Math.PI)).mul(0.5).add(q.scale.log());
  const t3 = p.variance.add(p.mean.pow(2)).sub(q.loc.mul(p.mean).mul(2)).div(q.scale.pow(2).mul(2));
  return t1.add(t2).add(t3);
});
registerKl(ContinuousBernoulli, Uniform, (p, q) => {
  const result = p.entropy().neg().add(q.high.sub(q.low).log());
  // PyTorch 1.13's condition, kept as is
  return where(q.low.ge(0).logicalOr(q.high.le(1)), inf(result), result);
});
registerKl(Uniform, ContinuousBernoulli, (p, q) => {
  const result = p.entropy().neg().sub(p.mean.mul(q.logits)).sub(q.probs.neg().log1p()).sub(q.contBernLogNorm());
  return where(p.high.ge(1).logicalOr(p.low.le(0)), inf(result), result);
});
for (const P of [Exponential, Gamma, Gumbel, Laplace, Normal] as DistClass[]) registerKl(P, ContinuousBernoulli, infiniteLike);
registerKl(ContinuousBernoulli, Pareto, (p) => inf(p.probs));

// ---- Pareto

registerKl(Pareto, Pareto, (p, q) => {
  const scaleRatio = p.scale.div(q.scale), alphaRatio = q.alpha.div(p.alpha);
  const result = q.alpha.mul(scaleRatio.log()).sub(alphaRatio.log()).add(alphaRatio).sub(1);
  return where(p.scale.lt(q.scale), inf(result), result);
});
for (const P of [Beta, Exponential, Gamma, Gumbel, Laplace, Normal] as DistClass[]) registerKl(P, Pareto, infiniteLike);
for (const Q of [Beta, Uniform] as DistClass[]) registerKl(Pareto, Q, (p) => inf(p.scale));
registerKl(Pareto, ContinuousBernoulli, (p) => inf(p.scale));
registerKl(Pareto, Exponential, (p, q) => {
  const scaleRateProd = p.scale.mul(q.rate);
  const result = p.alpha.div(scaleRateProd).log().sub(p.alpha.reciprocal()).add(p.alpha.mul(scaleRateProd).div(p.alpha.sub(1))).sub(1);
  return where(p.alpha.le(1), inf(result), result);
});
registerKl(Pareto, Gamma, (p, q) => {
  const common = p.scale.log().add(p.alpha.reciprocal());
  const t1 = p.alpha.log().sub(common);
  const t2 = q.concentration.lgamma().sub(q.concentration.mul(q.rate.log()));
  const t3 = q.concentration.neg().add(1).mul(common);
  const t4 = q.rate.mul(p.alpha).mul(p.scale).div(p.alpha.sub(1));
  const result = t1.add(t2).add(t3).add(t4).sub(1);
  return where(p.alpha.le(1), inf(result), result);
});
registerKl(Pareto, Normal, (p, q) => {
  const varNormal = q.scale.pow(2).mul(2);
  const common = p.scale.div(p.alpha.sub(1));
  const t1 = q.scale.mul(p.alpha).div(p.scale).mul(Math.sqrt(2 * Math.PI)).log();
  const t2 = p.alpha.reciprocal();
  const t3 = p.alpha.mul(common.pow(2)).div(p.alpha.sub(2));
  const t4 = p.alpha.mul(common).sub(q.loc).pow(2);
  const result = t1.sub(t2).add(t3.add(t4).div(varNormal)).sub(1);
  return where(p.alpha.le(2), inf(result), result);
});
registerKl(Uniform, Pareto, (p, q) => {
  const width = p.high.sub(p.low);
  const t1 = q.alpha.mul(q.scale.pow(q.alpha)).mul(width).log();
  const t2 = xLogX(p.high).sub(xLogX(p.low)).sub(width).div(width);
  const result = t2.mul(q.alpha.add(1)).sub(t1);
  return where(p.low.lt(q.scale), inf(result), result);
});

/** PyTorch's _infinite_like on the first parameter of p (loc, rate, concentration or concentration1). */
function infiniteLike(p: Distribution): Tensor {
  const d = p as unknown as Record<string, Tensor>;
  return inf(d.loc ?? d.rate ?? d.concentration ?? d.concentration1!);
}

// ---- ExponentialFamily (Bregman divergence of the log-normalizer)

registerKl(ExponentialFamily, ExponentialFamily, (p, q) => {
  if (p.constructor !== q.constructor) {
    throw new NotImplementedDistributionError(`klDivergence: the cross KL-divergence between different exponential families (${p.constructor.name} and ${q.constructor.name}) cannot be computed using Bregman divergences`);
  }
  return enableGrad(() => {
    const pParams = p.naturalParams.map((t) => t.detach().requiresGrad_(true));
    const qParams = q.naturalParams;
    const lgNormal = p.logNormalizer(...pParams);
    const gradients = grad(lgNormal.sum(), pParams, { createGraph: true });
    let result = q.logNormalizer(...qParams).sub(lgNormal);
    pParams.forEach((pp, i) => {
      result = result.sub(sumRightmost(qParams[i]!.sub(pp).mul(gradients[i]!), q.eventShape.length));
    });
    return result;
  });
});

// ---- LowRankMultivariateNormal

function sameEvent(p: Distribution, q: Distribution, what: string): void {
  if (p.eventShape.join() !== q.eventShape.join()) {
    throw new FluxionError(`klDivergence: KL-divergence between two ${what} with different event shapes cannot be computed (${fmtShape(p.eventShape)} vs ${fmtShape(q.eventShape)})`);
  }
}

/** A = L_q⁻¹ W_qᵀ D_q⁻¹, the Woodbury factor of q's precision: inv(Σ_q) = inv(D_q) - Aᵀ A. */
function woodburyA(q: LowRankMultivariateNormal): Tensor {
  const WtDinv = q._unbroadcastedCovFactor.mT.div(q._unbroadcastedCovDiag.unsqueeze(-2));
  return solveTriangular(q._capacitanceTril, WtDinv, { upper: false });
}

registerKl(LowRankMultivariateNormal, LowRankMultivariateNormal, (p, q) => {
  sameEvent(p, q, "Low Rank Multivariate Normals");
  const term1 = lowrankLogdet(q._unbroadcastedCovDiag, q._capacitanceTril).sub(lowrankLogdet(p._unbroadcastedCovDiag, p._capacitanceTril));
  const term3 = lowrankMahalanobis(q._unbroadcastedCovFactor, q._unbroadcastedCovDiag, q.loc.sub(p.loc), q._capacitanceTril);
  const A = woodburyA(q);
  const pW = p._unbroadcastedCovFactor, pD = p._unbroadcastedCovDiag, qD = q._unbroadcastedCovDiag;
  const term21 = pD.div(qD).sum(-1);
  const term22 = traceXXt(pW.mul(qD.rsqrt().unsqueeze(-1)));
  const term23 = traceXXt(A.mul(pD.sqrt().unsqueeze(-2)));
  const term24 = traceXXt(A.matmul(pW));
  const term2 = term21.add(term22).sub(term23).sub(term24);
  return term1.add(term2).add(term3).sub(p.eventShape[0]!).mul(0.5);
});

registerKl(MultivariateNormal, LowRankMultivariateNormal, (p, q) => {
  sameEvent(p, q, "(Low Rank) Multivariate Normals");
  const Lp = p._unbroadcastedScaleTril;
  const term1 = lowrankLogdet(q._unbroadcastedCovDiag, q._capacitanceTril).sub(Lp.diagonal(0, -2, -1).log().sum(-1).mul(2));
  const term3 = lowrankMahalanobis(q._unbroadcastedCovFactor, q._unbroadcastedCovDiag, q.loc.sub(p.loc), q._capacitanceTril);
  const A = woodburyA(q);
  const term21 = traceXXt(Lp.mul(q._unbroadcastedCovDiag.rsqrt().unsqueeze(-1)));
  const term22 = traceXXt(A.matmul(Lp));
  return term1.add(term21.sub(term22)).add(term3).sub(p.eventShape[0]!).mul(0.5);
});

registerKl(LowRankMultivariateNormal, MultivariateNormal, (p, q) => {
  sameEvent(p, q, "(Low Rank) Multivariate Normals");
  const Lq = q._unbroadcastedScaleTril;
  const term1 = Lq.diagonal(0, -2, -1).log().sum(-1).mul(2).sub(lowrankLogdet(p._unbroadcastedCovDiag, p._capacitanceTril));
  const term3 = batchMahalanobis(Lq, q.loc.sub(p.loc));
  const n = p.eventShape[0]!, m = p._unbroadcastedCovFactor.shape.at(-1)!;
  const batch = broadcastShapes("klDivergence", Lq.shape.slice(0, -2), p._unbroadcastedCovFactor.shape.slice(0, -2));
  const qTril = Lq.expand([...batch, n, n]);
  const pW = p._unbroadcastedCovFactor.expand([...batch, n, m]);
  const pD = p._unbroadcastedCovDiag.sqrt().diagEmbed().expand([...batch, n, n]);
  const term21 = traceXXt(solveTriangular(qTril, pW, { upper: false }));
  const term22 = traceXXt(solveTriangular(qTril, pD, { upper: false }));
  return term1.add(term21.add(term22)).add(term3).sub(n).mul(0.5);
});


/**
 * Samplers that PyTorch runs as dedicated kernels (_standard_gamma, poisson), built here from
 * tensor ops so they run on every device. Rejection sampling draws a fixed number of rounds
 * at once and keeps each element's first accepted candidate: no host reads, no data-dependent
 * loop. The bounds make a miss astronomically unlikely (see each function).
 */
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import { rand, randn, where, zerosLike } from "../functional.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { finfo } from "./utils.js";

/**
 * The dtype the count samplers compute in: float64 on the CPU, since their acceptance tests
 * subtract log-factorials of the counts (about 1e7 at a rate of 1e6, where float32's rounding
 * would bias the draws); devices without float64 keep the parameter's dtype.
 */
function working(t: Tensor): Tensor {
  return t.device === "cpu" ? t.to("float64") : t;
}

/** The first candidate along dim 0 where `accept` holds (the first round if none does). */
function firstAccepted(accept: Tensor, candidates: Tensor): Tensor {
  const first = accept.to("int32").argmax(0, true);
  return candidates.gather(0, first).squeeze(0);
}

/**
 * Standard Gamma(alpha, 1) samples, alpha's shape and dtype, no gradient: Marsaglia and
 * Tsang's method (2000) with 12 rounds. Its acceptance rate is above 0.95 for every alpha >= 1,
 * so all 12 rounds fail with probability below 0.05^12 ~ 2e-16 per element; alpha < 1 samples
 * Gamma(alpha + 1) and multiplies by u^(1/alpha) (the same paper's boost). Zero-probability
 * results are clamped up to the dtype's smallest normal by the callers, as PyTorch.
 */
export function standardGamma(alpha: Tensor): Tensor {
  return noGrad(() => {
    const ROUNDS = 12;
    const a0 = alpha.detach();
    const opts = { dtype: a0.dtype, device: a0.device };
    const boost = a0.lt(1);
    const a = where(boost, a0.add(1), a0);
    const d = a.sub(1 / 3);
    const c = d.mul(9).rsqrt();
    const x = randn([ROUNDS, ...a0.shape], opts);
    const u = rand([ROUNDS, ...a0.shape], opts);
    const v = x.mul(c).add(1).pow(3);
    const dv = d.mul(v);
    // log u < x^2/2 + d - d v + d log v (v > 0); NaN from log of v <= 0 compares false
    const accept = v.gt(0).logicalAnd(u.log().lt(x.pow(2).mul(0.5).add(d).sub(dv).add(d.mul(v.log()))));
    const g = firstAccepted(accept, dv);
    const b = rand(a0.shape, opts).log().div(a0).exp();
    return where(boost, g.mul(b), g);
  });
}

/**
 * Poisson(rate) counts (rate's shape and dtype, no gradient). Rates below 10: the number of
 * unit-rate exponential arrivals before `rate` (cumulative sums of -log u over 64 draws;
 * P(Poisson(10) >= 64) < 1e-25). Rates from 10: Hörmann's transformed rejection (PTRS, 1993)
 * with 16 rounds, each accepted with probability above 0.86, so a miss is below 1e-13.
 */
export function poissonSample(rate: Tensor): Tensor {
  return noGrad(() => {
    const r = working(rate.detach());
    const opts = { dtype: r.dtype, device: r.device };
    const small = r.lt(10);
    // small rates
    const K = 64;
    const arrivals = rand([K, ...r.shape], opts).neg().log1p().neg().cumsum(0);
    const countSmall = arrivals.lt(r.clampMax(10)).to(r.dtype).sum(0);
    // large rates: PTRS
    const R = 16;
    const lam = r.clampMin(10);
    const slam = lam.sqrt(), loglam = lam.log();
    const b = slam.mul(2.53).add(0.931);
    const a = b.mul(0.02483).sub(0.059);
    const invalpha = b.sub(3.4).reciprocal().mul(1.1328).add(1.1239);
    const vr = b.sub(2).reciprocal().mul(-3.6224).add(0.9277);
    const U = rand([R, ...r.shape], opts).sub(0.5);
    const V = rand([R, ...r.shape], opts);
    const us = U.abs().neg().add(0.5);
    const k = a.mul(2).div(us).add(b).mul(U).add(lam).add(0.43).floor();
    const quick = us.ge(0.07).logicalAnd(V.le(vr));
    const reject = k.lt(0).logicalOr(us.lt(0.013).logicalAnd(V.gt(us)));
    const lhs = V.log().add(invalpha.log()).sub(a.div(us.pow(2)).add(b).log());
    const rhs = lam.neg().add(k.mul(loglam)).sub(k.add(1).lgamma());
    const accept = quick.logicalOr(reject.logicalNot().logicalAnd(lhs.le(rhs)));
    const countLarge = firstAccepted(accept, k.clampMin(0));
    return where(small, countSmall, countLarge).to(rate.dtype);
  });
}

// Coefficients of PyTorch's bivariate rational approximation (ATen/native/Distributions.h,
// standard_gamma_grad_one; Jankowiak & Obermeyer 2018), rows: u^0, u^1, u^2.
const COEF_UV = [
  [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
  [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
  [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-7],
];

/**
 * d x / d alpha for x ~ Gamma(alpha, 1) at fixed CDF (the implicit reparameterization
 * gradient), PyTorch's torch._standard_gamma_grad: a Taylor series for x < 0.8, Rice's saddle
 * point expansion for alpha > 8, a rational approximation otherwise. Every branch is computed
 * and `where` picks, so it is plain tensor ops.
 */
export function standardGammaGrad(alpha: Tensor, x: Tensor): Tensor {
  return noGrad(() => {
    // small x: Taylor series of the incomplete gamma function
    let numer = x.mul(0).add(1), denom = alpha;
    let series1 = numer.div(denom), series2 = numer.div(denom.pow(2));
    for (let i = 1; i <= 5; i++) {
      numer = numer.mul(x.neg().div(i));
      denom = denom.add(1);
      series1 = series1.add(numer.div(denom));
      series2 = series2.add(numer.div(denom.pow(2)));
    }
    const powXAlpha = x.pow(alpha);
    const pdf = x.pow(alpha.sub(1)).mul(x.neg().exp());
    const cdf = powXAlpha.mul(series1);
    const cdfAlpha = x.log().sub(alpha.digamma()).mul(cdf).sub(powXAlpha.mul(series2));
    let small = cdfAlpha.neg().div(pdf);
    small = where(small.isnan(), zerosLike(small), small);
    // large alpha: Rice saddle point expansion (near the mode, then away from it)
    const a2 = alpha.pow(2);
    const nearMode = alpha.mul(12).add(1).mul(alpha).mul(24).add(1)
      .mul(a2.mul(1440).add(x.mul(6).mul(x.mul(-120).add(53))).sub(x.pow(2).mul(65).div(alpha)).add(alpha.mul(x.mul(3600).add(107))))
      .div(a2.pow(2).mul(1244160));
    const d8 = alpha.mul(8).sqrt();
    const term2 = d8.div(alpha.sub(x));
    const logRatio = x.div(alpha).log();
    const term3 = x.sub(alpha).sub(alpha.mul(logRatio)).pow(-1.5);
    const term23 = where(x.lt(alpha), term2.sub(term3), term2.add(term3));
    const term1 = logRatio.mul(term23).sub(alpha.reciprocal().mul(2).sqrt().mul(alpha.add(x)).div(alpha.sub(x).pow(2)));
    const stirling = alpha.mul(24).reciprocal().add(1).div(alpha.mul(12)).add(1);
    const away = stirling.neg().mul(x.mul(term1)).div(d8);
    const large = where(x.ge(alpha.mul(0.9)).logicalAnd(x.le(alpha.mul(1.1))), nearMode, away);
    // otherwise: the rational approximation in u = log(x / alpha), v = log(alpha)
    const u = logRatio, v = alpha.log();
    const cv = COEF_UV[0]!.map((c0, i) => u.mul(COEF_UV[2]![i]!).add(COEF_UV[1]![i]!).mul(u).add(c0));
    const p = cv[3]!.mul(v).add(cv[2]!).mul(v).add(cv[1]!).mul(v).add(cv[0]!);
    const q = cv[7]!.mul(v).add(cv[6]!).mul(v).add(cv[5]!).mul(v).add(cv[4]!);
    const rational = p.div(q).exp();
    return where(x.lt(0.8), small, where(alpha.gt(8), large, rational));
  });
}

/**
 * Standard Gamma samples whose gradient with respect to `alpha` is the implicit
 * reparameterization one (x + (alpha - alpha.detach()) * dx/dalpha: the value is x, the
 * derivative dx/dalpha), as PyTorch's _standard_gamma with its _standard_gamma_grad backward.
 */
export function standardGammaRsample(alpha: Tensor): Tensor {
  const x = standardGamma(alpha);
  if (!alpha.requiresGrad || !isGradEnabled()) return x;
  const g = standardGammaGrad(alpha.detach(), x);
  return x.add(alpha.sub(alpha.detach()).mul(g));
}

/** Values below the dtype's smallest normal raised to it, the gradient left alone (PyTorch clamps value.detach() in place). */
export function clampTiny(t: Tensor, upper?: number): Tensor {
  const { tiny } = finfo(t.dtype);
  const d = t.detach();
  return t.add((upper === undefined ? d.clampMin(tiny) : d.clamp(tiny, upper)).sub(d));
}

/**
 * Binomial(n, p) counts (float, the broadcast shape of n and p, no gradient), PyTorch's
 * choice of method per element: for min(p, 1-p) * n < 10 the geometric-gaps inversion (64
 * gaps drawn at once; more than 64 successes at a mean below 10 has probability < 1e-25),
 * else Hörmann's BTRS transformed rejection (24 rounds, each accepted with probability
 * above 0.7, so a miss is below 1e-12), with the exact log-density ratio as the acceptance
 * test. p > 1/2 samples n - Binomial(n, 1 - p), as PyTorch.
 */
export function binomialSample(count: Tensor, prob: Tensor): Tensor {
  return noGrad(() => {
    const n = working(count.detach()), p0 = working(prob.detach());
    const opts = { dtype: p0.dtype, device: p0.device };
    const flip = p0.gt(0.5);
    const p = where(flip, p0.neg().add(1), p0).clamp(0, 0.5);
    // inversion: successes whose cumulative geometric gaps stay within n
    const G = 64;
    const logq = p.neg().log1p();
    const gaps = rand([G, ...p.shape], opts).log().div(logq).ceil();
    const inversion = gaps.cumsum(0).le(n).to(p.dtype).sum(0);
    // BTRS
    const R = 24;
    const np = n.mul(p), q = p.neg().add(1);
    const spq = np.mul(q).sqrt();
    const b = spq.mul(2.53).add(1.15);
    const a = b.mul(0.0248).add(p.mul(0.01)).sub(0.0873);
    const c = np.add(0.5);
    const vr = b.reciprocal().mul(-4.2).add(0.92);
    const alpha = b.reciprocal().mul(5.1).add(2.83).mul(spq);
    const m = n.add(1).mul(p).floor();
    const lpq = p.div(q).log();
    const h = m.add(1).lgamma().add(n.sub(m).add(1).lgamma());
    const U = rand([R, ...p.shape], opts).sub(0.5);
    const V = rand([R, ...p.shape], opts);
    const us = U.abs().neg().add(0.5);
    const k = a.mul(2).div(us).add(b).mul(U).add(c).floor();
    const inRange = k.ge(0).logicalAnd(k.le(n));
    const quick = us.ge(0.07).logicalAnd(V.le(vr));
    const lhs = V.mul(alpha).div(a.div(us.pow(2)).add(b)).log();
    const rhs = h.sub(k.add(1).lgamma()).sub(n.sub(k).add(1).lgamma()).add(k.sub(m).mul(lpq));
    const accept = inRange.logicalAnd(quick.logicalOr(lhs.le(rhs)));
    const btrs = firstAccepted(accept, k.clamp(0, Infinity).minimum(n));
    const draws = where(np.lt(10), inversion, btrs);
    const out = where(flip, n.sub(draws), draws);
    // no trials or p = 0: 0; p = 1: n (as PyTorch's sample_binomial)
    return where(n.le(0).logicalOr(p0.le(0)), zerosLike(out), where(p0.ge(1), n, out)).to(prob.dtype);
  });
}

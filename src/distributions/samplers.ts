/**
 * Samplers that PyTorch runs as dedicated kernels (_standard_gamma, poisson), built here from
 * tensor ops so they run on every device. Rejection sampling draws a fixed number of rounds
 * at once and keeps each element's first accepted candidate: no host reads, no data-dependent
 * loop. The bounds make a miss astronomically unlikely (see each function).
 */
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad_mode.js";
import { rand, randn, where } from "../functional.js";

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
    const r = rate.detach();
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
    return where(small, countSmall, countLarge);
  });
}

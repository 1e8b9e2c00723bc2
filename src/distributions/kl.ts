/**
 * klDivergence(p, q) and registerKl (torch.distributions.kl): KL(p || q) looked up by the
 * classes of p and q; the most specific registered pair wins (fewest subclass steps from p's
 * class, then from q's), as PyTorch's dispatch on the MRO.
 */
import { Tensor } from "../tensor/tensor.js";
import { ArgumentError, FluxionError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { where } from "../functional.js";
import { solveTriangular } from "../ops/linalg/index.js";
import { broadcastShapes } from "../tensor/shape.js";
import { Distribution, NotImplementedDistributionError } from "./distribution.js";
import { Normal } from "./normal.js";
import { Uniform } from "./uniform.js";
import { Bernoulli } from "./bernoulli.js";
import { Categorical } from "./categorical.js";
import { OneHotCategorical } from "./one_hot_categorical.js";
import { Exponential } from "./exponential.js";
import { Laplace } from "./laplace.js";
import { LogNormal } from "./log_normal.js";
import { Gamma } from "./gamma.js";
import { Beta } from "./beta.js";
import { Dirichlet } from "./dirichlet.js";
import { Poisson } from "./poisson.js";
import { Geometric } from "./geometric.js";
import { Binomial } from "./binomial.js";
import { Gumbel } from "./gumbel.js";
import { MultivariateNormal, batchMahalanobis } from "./multivariate_normal.js";
import { Independent } from "./independent.js";
import { requireAll, sumRightmost } from "./utils.js";
import { declareArgs } from "../api/registry.js";

// declared for the argument checks' messages and docs/api.md
const klArgs = declareArgs("klDivergence(Any p, Any q) -> Tensor", "distributions");
declareArgs("registerKl(Any P, Any Q, Callable? fn=null) -> Any", "distributions");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DistClass = abstract new (...args: any[]) => Distribution;
type KlFn = (p: Distribution, q: Distribution) => Tensor;
const registry = new Map<DistClass, Map<DistClass, KlFn>>();

/**
 * Registers `fn(p, q)` as KL(p || q) for p an instance of `P` and q of `Q`. Without `fn`,
 * returns a function that registers its argument (PyTorch's decorator form).
 * @example registerKl(MyDist, Normal, (p, q) => ...)
 */
export function registerKl<P extends Distribution, Q extends Distribution>(
  P: abstract new (...args: any[]) => P, Q: abstract new (...args: any[]) => Q, fn: (p: P, q: Q) => Tensor): (p: P, q: Q) => Tensor;
export function registerKl<P extends Distribution, Q extends Distribution>(
  P: abstract new (...args: any[]) => P, Q: abstract new (...args: any[]) => Q): <F extends (p: P, q: Q) => Tensor>(fn: F) => F;
export function registerKl(P: unknown, Q: unknown, fn?: unknown): unknown {
  for (const [name, c] of [["P", P], ["Q", Q]] as const) {
    if (typeof c !== "function" || !(c.prototype instanceof Distribution || c === Distribution)) {
      throw new ArgumentError(`registerKl: ${name} must be a Distribution subclass, got ${describeValue(c)}`);
    }
  }
  const add = (f: unknown): unknown => {
    if (typeof f !== "function") throw new ArgumentError(`registerKl: expected a function (p, q) => Tensor, got ${describeValue(f)}`);
    let row = registry.get(P as DistClass);
    if (!row) registry.set(P as DistClass, (row = new Map()));
    row.set(Q as DistClass, f as KlFn);
    return f;
  };
  return fn === undefined ? add : add(fn);
}

/** The classes of `d` from its own up to Distribution. */
function lineage(d: Distribution): DistClass[] {
  const out: DistClass[] = [];
  for (let proto = Object.getPrototypeOf(d); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) out.push(proto.constructor);
  return out;
}

/**
 * KL(p || q), summed over event dims, with the batch shapes broadcast.
 * @example klDivergence(new Normal(0, 1), new Normal(1, 2))
 */
export function klDivergence(...args: [p: Distribution, q: Distribution]): Tensor {
  const [p, q] = klArgs.bind(args) as unknown as [Distribution, Distribution];
  if (!(p instanceof Distribution) || !(q instanceof Distribution)) {
    throw new ArgumentError(`klDivergence: p and q must be Distributions, got ${describeValue(p)} and ${describeValue(q)}`);
  }
  const lp = lineage(p), lq = lineage(q);
  let best: KlFn | null = null, bestRank = Infinity;
  lp.forEach((P, i) => {
    const row = registry.get(P);
    if (!row) return;
    lq.forEach((Q, j) => {
      const f = row.get(Q);
      if (f && i * 1000 + j < bestRank) [best, bestRank] = [f, i * 1000 + j];
    });
  });
  if (best === null) {
    const [a, b] = [p.constructor.name, q.constructor.name];
    throw new NotImplementedDistributionError(`klDivergence: no KL divergence is registered for ${a} and ${b}; register one with registerKl(${a}, ${b}, (p, q) => ...)`);
  }
  return (best as KlFn)(p, q);
}

const inf = (t: Tensor): Tensor => t.mul(0).add(Infinity);

registerKl(Normal, Normal, (p, q) => {
  const varRatio = p.scale.div(q.scale).pow(2);
  const t1 = p.loc.sub(q.loc).div(q.scale).pow(2);
  return varRatio.add(t1).sub(1).sub(varRatio.log()).mul(0.5);
});

registerKl(Bernoulli, Bernoulli, (p, q) => {
  const softplus = (x: Tensor): Tensor => x.softplus();
  let t1 = p.probs.mul(softplus(q.logits.neg()).sub(softplus(p.logits.neg())));
  t1 = where(p.probs.eq(0), t1.mul(0), where(q.probs.eq(0), inf(t1), t1));
  let t2 = p.probs.neg().add(1).mul(softplus(q.logits).sub(softplus(p.logits)));
  t2 = where(p.probs.eq(1), t2.mul(0), where(q.probs.eq(1), inf(t2), t2));
  return t1.add(t2);
});

function klCategorical(p: Categorical, q: Categorical): Tensor {
  let t = p.probs.mul(p.logits.sub(q.logits));
  const shape = broadcastShapes("klDivergence", p.probs.shape, q.probs.shape);
  t = t.expand(shape);
  t = where(p.probs.eq(0).expand(shape), t.mul(0), where(q.probs.eq(0).expand(shape), inf(t), t));
  return t.sum(-1);
}
registerKl(Categorical, Categorical, klCategorical);
registerKl(OneHotCategorical, OneHotCategorical, (p, q) => klCategorical(p._categorical, q._categorical));

registerKl(Uniform, Uniform, (p, q) => {
  const result = q.high.sub(q.low).div(p.high.sub(p.low)).log();
  return where(q.low.gt(p.low).logicalOr(q.high.lt(p.high)), inf(result), result);
});

registerKl(Exponential, Exponential, (p, q) => {
  const ratio = q.rate.div(p.rate);
  return ratio.log().neg().add(ratio).sub(1);
});

registerKl(Laplace, Laplace, (p, q) => {
  const scaleRatio = p.scale.div(q.scale);
  const locAbsDiff = p.loc.sub(q.loc).abs();
  const t1 = scaleRatio.log().neg();
  const t2 = locAbsDiff.div(q.scale);
  const t3 = scaleRatio.mul(locAbsDiff.div(p.scale).neg().exp());
  return t1.add(t2).add(t3).sub(1);
});

registerKl(LogNormal, LogNormal, (p, q) => klDivergence(p.baseDist, q.baseDist));

registerKl(Gamma, Gamma, (p, q) => {
  const t1 = q.concentration.mul(p.rate.div(q.rate).log());
  const t2 = q.concentration.lgamma().sub(p.concentration.lgamma());
  const t3 = p.concentration.sub(q.concentration).mul(p.concentration.digamma());
  const t4 = q.rate.sub(p.rate).mul(p.concentration.div(p.rate));
  return t1.add(t2).add(t3).add(t4);
});

registerKl(Beta, Beta, (p, q) => {
  const sp = p.concentration1.add(p.concentration0), sq = q.concentration1.add(q.concentration0);
  const t1 = q.concentration1.lgamma().add(q.concentration0.lgamma()).add(sp.lgamma());
  const t2 = p.concentration1.lgamma().add(p.concentration0.lgamma()).add(sq.lgamma());
  const t3 = p.concentration1.sub(q.concentration1).mul(p.concentration1.digamma());
  const t4 = p.concentration0.sub(q.concentration0).mul(p.concentration0.digamma());
  const t5 = sq.sub(sp).mul(sp.digamma());
  return t1.sub(t2).add(t3).add(t4).add(t5);
});

registerKl(Dirichlet, Dirichlet, (p, q) => {
  const sp = p.concentration.sum(-1), sq = q.concentration.sum(-1);
  const t1 = sp.lgamma().sub(sq.lgamma());
  const t2 = p.concentration.lgamma().sub(q.concentration.lgamma()).sum(-1);
  const t3 = p.concentration.sub(q.concentration);
  const t4 = p.concentration.digamma().sub(sp.digamma().unsqueeze(-1));
  return t1.sub(t2).add(t3.mul(t4).sum(-1));
});

registerKl(Poisson, Poisson, (p, q) => p.rate.mul(p.rate.log().sub(q.rate.log())).sub(p.rate.sub(q.rate)));

// PyTorch's form: -H(p) - log1p(-q.probs) / p.probs - q.logits
registerKl(Geometric, Geometric, (p, q) => p.entropy().neg().sub(q.probs.neg().log1p().div(p.probs)).sub(q.logits));

registerKl(Binomial, Binomial, (p, q) => {
  // PyTorch 1.13's _kl_binomial_binomial: q.totalCount > p.totalCount is refused, p's larger is inf
  requireAll(p.totalCount.ge(q.totalCount), () => "klDivergence: KL between Binomials where q.totalCount > p.totalCount is not implemented");
  const kl = p.totalCount.mul(p.probs.mul(p.logits.sub(q.logits)).add(p.probs.neg().log1p()).sub(q.probs.neg().log1p()));
  const inf = kl.mul(0).add(Infinity);
  return where(p.totalCount.gt(q.totalCount), inf, kl);
});

registerKl(Gumbel, Gumbel, (p, q) => {
  const EULER = 0.57721566490153286060;
  const ct1 = p.scale.div(q.scale), ct2 = q.loc.div(q.scale), ct3 = p.loc.div(q.scale);
  const t1 = ct1.log().neg().sub(ct2).add(ct3);
  const t2 = ct1.mul(EULER);
  const t3 = ct2.sub(ct3).add(ct1.add(1).lgamma()).exp();
  return t1.add(t2).add(t3).sub(1 + EULER);
});

registerKl(MultivariateNormal, MultivariateNormal, (p, q) => {
  if (p.eventShape[0] !== q.eventShape[0]) {
    throw new FluxionError(`klDivergence: KL-divergence between two MultivariateNormals with different event shapes cannot be computed (${fmtShape(p.eventShape)} vs ${fmtShape(q.eventShape)})`);
  }
  const Lp = p._unbroadcastedScaleTril, Lq = q._unbroadcastedScaleTril, n = p.eventShape[0]!;
  const halfTerm1 = Lq.diagonal(0, -2, -1).log().sum(-1).sub(Lp.diagonal(0, -2, -1).log().sum(-1));
  const batch = broadcastShapes("klDivergence", p.batchShape, q.batchShape);
  const term2 = solveTriangular(Lq.expand([...batch, n, n]), Lp.expand([...batch, n, n]), { upper: false }).pow(2).sum([-2, -1]);
  const term3 = batchMahalanobis(Lq, q.loc.sub(p.loc));
  return halfTerm1.add(term2.add(term3).sub(n).mul(0.5));
});

registerKl(Independent, Independent, (p, q) => {
  if (p.reinterpretedBatchNdims !== q.reinterpretedBatchNdims) {
    throw new NotImplementedDistributionError(`klDivergence: Independent distributions with different reinterpretedBatchNdims (${p.reinterpretedBatchNdims} and ${q.reinterpretedBatchNdims}) are not supported`);
  }
  return sumRightmost(klDivergence(p.baseDist, q.baseDist), p.reinterpretedBatchNdims);
});

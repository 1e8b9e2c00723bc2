/**
 * The distributions added after the first set, beyond PyTorch's values (more_parity.test.ts):
 * the statistics of many draws (means and variances within tolerance, supports respected,
 * fixed seeds), gradcheck of rsample in float64, expand, the ExponentialFamily base class's
 * Bregman entropy and KL on a user subclass, and argument errors naming the distribution and
 * the bad argument.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { distributions as D, FluxionError, type Tensor } from "../../src/index.js";

const N = 40000;
const f64 = (v: number[] | number[][], grad = true): Tensor => fx.tensor(v, { dtype: "float64", requiresGrad: grad });
const near = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Sample mean within 5 standard errors, sample variance within `varTol` (relative). */
function checkMoments(s: Tensor, mean: number, variance: number, what: string, varTol = 0.08): void {
  const x = s.double();
  const m = x.mean().item() as number, v = x.var().item() as number;
  near(m, mean, 5 * Math.sqrt(variance / x.numel()) + 1e-12, `${what} sample mean`);
  near(v, variance, varTol * variance, `${what} sample variance`);
}
const item = (t: Tensor): number => t.double().item() as number;

test("Weibull, Pareto, Kumaraswamy, FisherSnedecor, HalfCauchy: draws have the distribution's moments and support", () => {
  fx.manualSeed(0);
  const w = new D.Weibull(2, 1.5);
  checkMoments(w.sample([N]), item(w.mean), item(w.variance), "Weibull(2, 1.5)");
  const p = new D.Pareto(1, 5);
  const ps = p.sample([N]);
  checkMoments(ps, item(p.mean), item(p.variance), "Pareto(1, 5)", 0.25);
  assert.ok(item(ps.min()) >= 1);
  const k = new D.Kumaraswamy(2, 3);
  const ks = k.rsample([N]);
  checkMoments(ks, item(k.mean), item(k.variance), "Kumaraswamy(2, 3)");
  assert.ok(item(ks.min()) >= 0 && item(ks.max()) <= 1);
  const f = new D.FisherSnedecor(8, 20);
  checkMoments(f.rsample([N]), item(f.mean), item(f.variance), "FisherSnedecor(8, 20)", 0.25);
  // HalfCauchy: the median is the scale
  const hc = new D.HalfCauchy(2).sample([N]);
  near(item(hc.lt(2).double().mean()), 0.5, 5 * Math.sqrt(0.25 / N), "HalfCauchy median");
});

test("ContinuousBernoulli, VonMises, NegativeBinomial, Multinomial: moments of many draws", () => {
  fx.manualSeed(1);
  for (const p of [0.2, 0.5, 0.9]) {
    const cb = new D.ContinuousBernoulli(fx.tensor(p, { dtype: "float64" }));
    checkMoments(cb.rsample([N]), item(cb.mean), item(cb.variance), `ContinuousBernoulli(${p})`);
  }
  // VonMises: circular mean cos/sin and the circular variance 1 - E[cos(x - loc)]
  for (const kappa of [0.05, 2, 50]) {
    const vm = new D.VonMises(fx.tensor(1, { dtype: "float64" }), kappa);
    const s = vm.sample([N]);
    assert.ok(item(s.min()) >= -Math.PI && item(s.max()) < Math.PI, "VonMises samples lie in [-pi, pi)");
    const circVar = 1 - item(s.sub(1).cos().mean());
    near(circVar, item(vm.variance), 0.02, `VonMises(1, ${kappa}) circular variance`);
    if (kappa > 1) near(item(s.sin().mean().atan2(s.cos().mean())), 1, 0.05, `VonMises(1, ${kappa}) circular mean`);
  }
  const nb = new D.NegativeBinomial(4, { probs: fx.tensor(0.3, { dtype: "float64" }) });
  const nbs = nb.sample([N]);
  checkMoments(nbs, item(nb.mean), item(nb.variance), "NegativeBinomial(4, 0.3)");
  assert.equal(item(nbs.sub(nbs.round()).abs().max()), 0, "counts are integers");
  const m = new D.Multinomial(10, fx.tensor([0.2, 0.3, 0.5], { dtype: "float64" }));
  const ms = m.sample([N]);
  assert.deepEqual(ms.shape, [N, 3]);
  assert.equal(item(ms.sum(-1).sub(10).abs().max()), 0, "each draw counts 10 trials");
  [0.2, 0.3, 0.5].forEach((p, i) => checkMoments(ms.select(-1, i), 10 * p, 10 * p * (1 - p), `Multinomial count ${i}`));
});

test("MixtureSameFamily: a two-component Gaussian mixture's draws have the mixture's mean, variance and cdf", () => {
  fx.manualSeed(2);
  const mix = new D.Categorical({ probs: fx.tensor([0.3, 0.7], { dtype: "float64" }) });
  const comp = new D.Normal(fx.tensor([-2, 3], { dtype: "float64" }), fx.tensor([0.5, 1], { dtype: "float64" }));
  const gmm = new D.MixtureSameFamily(mix, comp);
  const s = gmm.sample([N]);
  assert.deepEqual(s.shape, [N]);
  checkMoments(s, item(gmm.mean), item(gmm.variance), "GMM");
  near(item(s.lt(0).double().mean()), item(gmm.cdf(fx.tensor(0, { dtype: "float64" }))), 5 * Math.sqrt(0.25 / N), "GMM cdf(0)");
  // vector components through Independent, a batch of mixtures, and a mixture broadcast over the batch
  const loc = fx.randn([4, 3, 2], { dtype: "float64" });
  const vec = new D.MixtureSameFamily(new D.Categorical({ logits: fx.zeros([3], { dtype: "float64" }) }), new D.Independent(new D.Normal(loc, 0.1), 1));
  assert.deepEqual([vec.batchShape, vec.eventShape], [[4], [2]]);
  assert.deepEqual(vec.sample([5]).shape, [5, 4, 2]);
  assert.deepEqual(vec.logProb(fx.zeros([5, 4, 2], { dtype: "float64" })).shape, [5, 4]);
  const e = vec.expand([6, 4]);
  assert.deepEqual([e.batchShape, e.sample().shape], [[6, 4], [6, 4, 2]]);
});

test("RelaxedBernoulli and RelaxedOneHotCategorical: samples lie in the support and approach Bernoulli/one-hot draws at low temperature", () => {
  fx.manualSeed(3);
  const rb = new D.RelaxedBernoulli(0.05, { probs: fx.tensor([0.3], { dtype: "float64" }) });
  const s = rb.rsample([N]);
  assert.ok(item(s.min()) >= 0 && item(s.max()) <= 1);
  near(item(s.gt(0.5).double().mean()), 0.3, 5 * Math.sqrt(0.21 / N), "RelaxedBernoulli frequency of the 1 side");
  const ro = new D.RelaxedOneHotCategorical(0.05, { probs: fx.tensor([0.2, 0.3, 0.5], { dtype: "float64" }) });
  const o = ro.rsample([N]);
  assert.ok(item(o.sum(-1).sub(1).abs().max()) < 1e-9, "relaxed one-hot vectors sum to 1");
  [0.2, 0.3, 0.5].forEach((p, i) => near(item(o.argmax(-1).eq(i).double().mean()), p, 5 * Math.sqrt(p * (1 - p) / N), `argmax frequency ${i}`));
  const ln = new D.LogisticNormal(fx.zeros([3], { dtype: "float64" }), 1).rsample([100]);
  assert.deepEqual(ln.shape, [100, 4]);
  assert.ok(item(ln.sum(-1).sub(1).abs().max()) < 1e-9, "LogisticNormal draws lie on the simplex");
});

test("LowRankMultivariateNormal: draws have covariance W Wᵀ + D; LKJCholesky draws are correlation Cholesky factors", () => {
  fx.manualSeed(4);
  const W = fx.tensor([[1, 0], [0.5, 1], [-1, 0.3]], { dtype: "float64" });
  const d = new D.LowRankMultivariateNormal(fx.tensor([1, -1, 0], { dtype: "float64" }), W, fx.tensor([0.5, 0.2, 1], { dtype: "float64" }));
  const s = d.rsample([N]);
  const c = s.sub(s.mean(0)).mT.matmul(s.sub(s.mean(0))).div(N - 1);
  const cov = d.covarianceMatrix.tolist() as number[][];
  (c.tolist() as number[][]).forEach((row, i) => row.forEach((x, j) => near(x, cov[i]![j]!, 0.06 * (1 + Math.abs(cov[i]![j]!)), `cov[${i}][${j}]`)));
  // the closed forms agree with one another
  const L = d.scaleTril;
  assert.ok(item(L.matmul(L.mT).sub(d.covarianceMatrix).abs().max()) < 1e-12);
  assert.ok(item(d.precisionMatrix.matmul(d.covarianceMatrix).sub(fx.eye(3, { dtype: "float64" })).abs().max()) < 1e-12);
  const lkj = new D.LKJCholesky(4, 2).sample([50]);
  assert.deepEqual(lkj.shape, [50, 4, 4]);
  assert.equal(item(D.constraints.corrCholesky.check(lkj).logicalNot().double().sum()), 0);
  const lkj64 = new D.LKJCholesky(3, fx.tensor(0.5, { dtype: "float64" })).sample([50]);
  assert.equal(item(D.constraints.corrCholesky.check(lkj64).logicalNot().double().sum()), 0);
});

test("OneHotCategoricalStraightThrough.rsample is a one-hot draw whose gradient is that of probs", () => {
  const logits = f64([0.1, -0.5, 1]);
  const d = new D.OneHotCategoricalStraightThrough({ logits });
  fx.manualSeed(5);
  const a = d.rsample();
  assert.equal(item(a.sum()), 1);
  const w = fx.tensor([1, 2, 3], { dtype: "float64" });
  a.mul(w).sum().backward();
  const p = logits.detach().softmax(-1);
  const pw = item(p.mul(w).sum());
  (logits.grad!.tolist() as number[]).forEach((g, i) => near(g, (p.tolist() as number[])[i]! * ([1, 2, 3][i]! - pw), 1e-12, `d/dlogits[${i}]`));
});

const seeded = (make: (...p: Tensor[]) => D.Distribution) => (...p: Tensor[]): Tensor => {
  fx.manualSeed(11);
  return make(...p).rsample([3]);
};
const GRADCHECK: [string, (...p: Tensor[]) => D.Distribution, Tensor[]][] = [
  ["Weibull", (s, k) => new D.Weibull(s!, k!), [f64([0.5, 2]), f64([0.8, 3])]],
  ["Pareto", (s, a) => new D.Pareto(s!, a!), [f64([0.5, 2]), f64([1.5, 3])]],
  ["HalfCauchy", (s) => new D.HalfCauchy(s!), [f64([0.5, 2])]],
  ["Kumaraswamy", (a, b) => new D.Kumaraswamy(a!, b!), [f64([0.9, 2]), f64([1.5, 3])]],
  ["ContinuousBernoulli", (l) => new D.ContinuousBernoulli({ logits: l! }), [f64([-1.5, 0.7])]],
  ["RelaxedBernoulli", (t, l) => new D.RelaxedBernoulli(t!, { logits: l! }), [f64([0.7]), f64([-1.5, 0.7])]],
  ["RelaxedOneHotCategorical", (t, l) => new D.RelaxedOneHotCategorical(t!, { logits: l! }), [f64([0.7]), f64([-1.5, 0.7, 0.1])]],
  ["LowRankMultivariateNormal", (m, w, d) => new D.LowRankMultivariateNormal(m!, w!, d!), [f64([0.3, -1]), f64([[1], [0.4]]), f64([0.5, 2])]],
  ["LogisticNormal", (l, s) => new D.LogisticNormal(l!, s!), [f64([0.3, -1]), f64([0.5, 2])]],
];
for (const [name, make, params] of GRADCHECK) {
  test(`${name}.rsample passes gradcheck with respect to its parameters`, () => {
    assert.equal(fx.autograd.gradcheck(seeded(make), params), true);
  });
}

test("MixtureSameFamily.logProb and LowRankMultivariateNormal.logProb pass gradcheck", () => {
  const x = fx.tensor([[0.2, -0.4], [1, 1.5]], { dtype: "float64" });
  assert.equal(fx.autograd.gradcheck((pi, mu, s) => new D.MixtureSameFamily(new D.Categorical({ logits: pi! }), new D.Normal(mu!, s!)).logProb(x), [f64([0.2, -0.3]), f64([0.5, -1]), f64([1, 0.6])]), true);
  assert.equal(fx.autograd.gradcheck((m, w, d) => new D.LowRankMultivariateNormal(m!, w!, d!).logProb(x), [f64([0.3, -1]), f64([[1, 0.2], [0.4, -0.3]]), f64([0.5, 2])]), true);
});

/** Exponential(rate) written as an exponential family: θ = -rate, F(θ) = -log(-θ), no carrier measure. */
class ExpFamilyExponential extends D.ExponentialFamily {
  constructor(readonly rate: Tensor) {
    super(rate.shape, []);
  }
  override get naturalParams(): Tensor[] {
    return [this.rate.neg()];
  }
  override logNormalizer(theta: Tensor): Tensor {
    return theta.neg().log().neg();
  }
  override get meanCarrierMeasure(): number {
    return 0;
  }
}

test("ExponentialFamily: entropy and klDivergence follow from the log-normalizer (Bregman divergence), as PyTorch's", () => {
  const rate = fx.tensor([0.5, 2], { dtype: "float64" });
  const p = new ExpFamilyExponential(rate), q = new ExpFamilyExponential(fx.tensor([1, 1], { dtype: "float64" }));
  const H = p.entropy().tolist() as number[];
  [0.5, 2].forEach((r, i) => near(H[i]!, 1 - Math.log(r), 1e-12, `entropy(rate ${r})`));
  const kl = D.klDivergence(p, q).tolist() as number[];
  const closed = D.klDivergence(new D.Exponential(rate), new D.Exponential(fx.tensor([1, 1], { dtype: "float64" }))).tolist() as number[];
  kl.forEach((x, i) => near(x, closed[i]!, 1e-12, `KL[${i}]`));
  assert.throws(() => D.klDivergence(p, new D.ContinuousBernoulli(fx.tensor([0.3, 0.6], { dtype: "float64" }))), /different exponential families/);
});

test("expand broadcasts the parameters of the new distributions without copying", () => {
  const cases: D.Distribution[] = [
    new D.Weibull(fx.tensor([1, 2]), 1.5), new D.Pareto(1, fx.tensor([2, 3])), new D.HalfCauchy(fx.tensor([1, 2])),
    new D.Kumaraswamy(fx.tensor([1, 2]), 2), new D.VonMises(fx.tensor([0, 1]), 2), new D.FisherSnedecor(fx.tensor([3, 4]), 5),
    new D.ContinuousBernoulli(fx.tensor([0.2, 0.7])), new D.NegativeBinomial(3, { logits: fx.tensor([0.2, -1]) }),
    new D.RelaxedBernoulli(0.5, { probs: fx.tensor([0.2, 0.7]) }), new D.LogisticNormal(fx.zeros([2, 3]), 1),
  ];
  for (const d of cases) {
    const e = d.expand([4, 2]);
    assert.deepEqual(e.batchShape, [4, 2], `${d.constructor.name}.expand batchShape`);
    assert.deepEqual(e.sample().shape, [4, 2, ...d.eventShape], `${d.constructor.name}.expand sample shape`);
    assert.deepEqual(e.logProb(e.sample()).shape, [4, 2], `${d.constructor.name}.expand logProb shape`);
  }
  const m = new D.Multinomial(5, fx.tensor([0.2, 0.8])).expand([3]);
  assert.deepEqual([m.batchShape, m.sample().shape], [[3], [3, 2]]);
  const lr = new D.LowRankMultivariateNormal(fx.zeros([3]), fx.ones([3, 1]), fx.ones([3])).expand([2]);
  assert.deepEqual([lr.batchShape, lr.rsample().shape, lr.logProb(fx.zeros([3])).shape], [[2], [2, 3], [2]]);
});

test("argument errors name the distribution and the bad argument (validateArgs on by default)", () => {
  const throwsNamed = (f: () => unknown, re: RegExp): void => assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message));
  throwsNamed(() => new D.Weibull(-1, 1), /Weibull: expected parameter scale .* GreaterThan\(lower_bound=0.0\)/);
  throwsNamed(() => new D.Pareto(1, 0), /Pareto: expected parameter alpha .* GreaterThan/);
  throwsNamed(() => new D.HalfCauchy(-2), /HalfCauchy.*scale.*GreaterThan/);
  throwsNamed(() => new D.Kumaraswamy(1, -1), /Kumaraswamy: expected parameter concentration0/);
  throwsNamed(() => new D.VonMises(0, -1), /VonMises: expected parameter concentration/);
  throwsNamed(() => new D.FisherSnedecor(0, 1), /FisherSnedecor: expected parameter df1/);
  throwsNamed(() => new D.ContinuousBernoulli(1.5), /ContinuousBernoulli: expected parameter probs .* Interval/);
  throwsNamed(() => new D.ContinuousBernoulli(), /ContinuousBernoulli: either probs or logits must be specified/);
  throwsNamed(() => new D.NegativeBinomial(-1, { probs: 0.5 }), /NegativeBinomial: expected parameter totalCount .* GreaterThanEq/);
  throwsNamed(() => new D.NegativeBinomial(2, { probs: 1 }), /NegativeBinomial: expected parameter probs .* HalfOpenInterval/);
  throwsNamed(() => new D.Multinomial(3, fx.tensor([0.5, -0.5])), /Multinomial.*probs.*Simplex/);
  throwsNamed(() => new D.RelaxedBernoulli(0.5, { probs: 2 }), /RelaxedBernoulli.*probs.*Interval/);
  throwsNamed(() => new D.RelaxedOneHotCategorical(0.5), /RelaxedOneHotCategorical.*either probs or logits/);
  throwsNamed(() => new D.LowRankMultivariateNormal(fx.zeros([3]), fx.ones([2, 1]), fx.ones([3])), /LowRankMultivariateNormal: covFactor must be a batch of matrices with shape 3 x m/);
  throwsNamed(() => new D.LowRankMultivariateNormal(fx.zeros([3]), fx.ones([3, 1]), fx.ones([3]).neg()), /LowRankMultivariateNormal: expected parameter covDiag/);
  throwsNamed(() => new D.MixtureSameFamily(new D.Normal(0, 1), new D.Normal(fx.zeros([2]), 1)), /MixtureSameFamily: mixtureDistribution must be an instance of Categorical, got Normal/);
  throwsNamed(() => new D.MixtureSameFamily(new D.Categorical({ logits: fx.zeros([3]) }), new D.Normal(fx.zeros([2]), 1)), /MixtureSameFamily: the mixture's number of components \(3\) does not equal componentDistribution.batchShape\[-1\] \(2\)/);
  throwsNamed(() => new D.LKJCholesky(1), /LKJCholesky: expected dim to be an integer greater than or equal to 2, got dim=1/);
  throwsNamed(() => new D.LKJCholesky(3, -1), /LKJCholesky: expected parameter concentration/);
  // sample values are checked against the support
  throwsNamed(() => new D.Pareto(2, 1).logProb(fx.tensor([1])), /Pareto.logProb: expected value argument .*GreaterThanEq\(lower_bound=tensor\(2.\)\)/);
  throwsNamed(() => new D.Kumaraswamy(2, 2).logProb(fx.tensor([1.5])), /Kumaraswamy.logProb: .* within the support/);
  throwsNamed(() => new D.Multinomial(3, fx.tensor([0.5, 0.5])).logProb(fx.tensor([2, 2])), /Multinomial.logProb: .*Multinomial\(\)/);
  throwsNamed(() => new D.transforms.ReshapeTransform([6], [4]), /ReshapeTransform: inShape \[6\] and outShape \[4\] have different numbers of elements/);
  throwsNamed(() => new D.transforms.CorrCholeskyTransform().forward(fx.zeros([4])), /CorrCholeskyTransform: the input's last dim \(4\)/);
  throwsNamed(() => new D.transforms.CatTransform([new D.transforms.ExpTransform()], 0, [2]).forward(fx.zeros([3])), /CatTransform: expected size 2 along dim 0/);
});

/**
 * Sampling: shapes ([...sampleShape, ...batchShape, ...eventShape]), dtypes, determinism under
 * manualSeed, and the statistics of many draws (Fluxion's random stream is not PyTorch's, so
 * the checks are on the distribution: sample means within a few standard errors of the true
 * mean, sample variances within a few percent, the support respected).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { distributions as D, type Tensor } from "../../src/index.js";

const N = 40000;

/** Mean within 5 standard errors, variance within `varTol` (relative). */
function checkMoments(s: Tensor, mean: number, variance: number, what: string, varTol = 0.06): void {
  const x = s.double();
  const m = x.mean().item() as number, v = x.var().item() as number;
  const se = Math.sqrt(variance / x.numel());
  assert.ok(Math.abs(m - mean) <= 5 * se + 1e-12, `${what}: sample mean ${m} vs ${mean} (se ${se})`);
  assert.ok(Math.abs(v - variance) <= varTol * variance + 1e-12, `${what}: sample variance ${v} vs ${variance}`);
}

test("Normal: rsample/sample shapes and dtype follow [...sampleShape, ...batchShape]; moments match", () => {
  fx.manualSeed(0);
  const d = new D.Normal(fx.tensor([0, 3]), fx.tensor([1, 0.5]));
  assert.deepEqual(d.sample().shape, [2]);
  assert.deepEqual(d.sample([4, 5]).shape, [4, 5, 2]);
  assert.deepEqual(d.sample(7).shape, [7, 2]);
  assert.equal(d.sample().dtype, "float32");
  const s = d.sample([N]);
  checkMoments(s.index(":", 0), 0, 1, "Normal(0, 1)");
  checkMoments(s.index(":", 1), 3, 0.25, "Normal(3, 0.5)");
  const d64 = new D.Normal(fx.tensor([1], { dtype: "float64" }), 2);
  assert.equal(d64.rsample([3]).dtype, "float64");
  assert.deepEqual(d64.batchShape, [1]);
});

test("the same seed gives the same samples; sample() carries no grad, rsample() does", () => {
  const mu = fx.tensor([0.5, -1], { requiresGrad: true });
  const d = new D.Normal(mu, 1);
  fx.manualSeed(42);
  const a = d.sample([3]);
  fx.manualSeed(42);
  const b = d.sample([3]);
  assert.deepEqual(a.tolist(), b.tolist());
  assert.equal(a.requiresGrad, false);
  assert.equal(d.rsample().requiresGrad, true);
  fx.manualSeed(42);
  const c = new D.Categorical({ logits: fx.zeros(5) }).sample([10]);
  fx.manualSeed(42);
  assert.deepEqual(new D.Categorical({ logits: fx.zeros(5) }).sample([10]).tolist(), c.tolist());
});

test("Uniform, Exponential, Laplace, Gumbel, LogNormal: moments of many draws and their supports", () => {
  fx.manualSeed(1);
  const u = new D.Uniform(-1, 3).sample([N]);
  checkMoments(u, 1, 16 / 12, "Uniform(-1, 3)");
  assert.ok((u.min().item() as number) >= -1 && (u.max().item() as number) < 3);
  const e = new D.Exponential(2).sample([N]);
  checkMoments(e, 0.5, 0.25, "Exponential(2)", 0.08);
  assert.ok((e.min().item() as number) >= 0);
  checkMoments(new D.Laplace(1, 2).sample([N]), 1, 8, "Laplace(1, 2)", 0.1);
  const g = 0.5772156649015329;
  checkMoments(new D.Gumbel(1, 2).sample([N]), 1 + 2 * g, (Math.PI ** 2 / 6) * 4, "Gumbel(1, 2)", 0.1);
  const ln = new D.LogNormal(0, 0.5).sample([N]);
  checkMoments(ln, Math.exp(0.125), Math.expm1(0.25) * Math.exp(0.25), "LogNormal(0, 0.5)", 0.1);
  assert.ok((ln.min().item() as number) > 0);
});

test("Cauchy: the median and quartiles of many draws are loc and loc ± scale", () => {
  fx.manualSeed(2);
  const s = new D.Cauchy(1, 2).sample([N]);
  const frac = (t: number): number => s.lt(t).double().mean().item() as number;
  const se = Math.sqrt(0.25 / N);
  assert.ok(Math.abs(frac(1) - 0.5) < 5 * se, `median: ${frac(1)}`);
  assert.ok(Math.abs(frac(3) - 0.75) < 5 * se, `upper quartile: ${frac(3)}`);
  assert.ok(Math.abs(frac(-1) - 0.25) < 5 * se, `lower quartile: ${frac(-1)}`);
});

test("Bernoulli: 0./1. samples in the parameter's dtype with frequency probs; logits give sigmoid(logits)", () => {
  fx.manualSeed(3);
  const s = new D.Bernoulli(fx.tensor([0.2, 0.9])).sample([N]);
  assert.equal(s.dtype, "float32");
  assert.deepEqual(s.shape, [N, 2]);
  assert.ok(s.eq(0).logicalOr(s.eq(1)).all().item());
  checkMoments(s.index(":", 0), 0.2, 0.16, "Bernoulli(0.2)");
  const l = new D.Bernoulli({ logits: fx.tensor([0], { dtype: "float64" }) }).sample([N]);
  assert.equal(l.dtype, "float64");
  checkMoments(l, 0.5, 0.25, "Bernoulli(logits 0)");
});

test("Categorical: int64 indices with the normalized frequencies; OneHotCategorical gives one-hot rows", () => {
  fx.manualSeed(4);
  const d = new D.Categorical(fx.tensor([[1, 0, 3], [2, 2, 0]]));
  const s = d.sample([N]);
  assert.equal(s.dtype, "int64");
  assert.deepEqual(s.shape, [N, 2]);
  const freq = (row: number, k: number): number => s.index(":", row).eq(k).double().mean().item() as number;
  [[0.25, 0, 0.75], [0.5, 0.5, 0]].forEach((ps, row) =>
    ps.forEach((p, k) => assert.ok(Math.abs(freq(row, k) - p) <= 5 * Math.sqrt((p * (1 - p)) / N), `row ${row} category ${k}: ${freq(row, k)} vs ${p}`)),
  );
  assert.deepEqual(new D.Categorical({ probs: fx.tensor([0.5, 0.5]) }).sample().shape, []);
  const oh = new D.OneHotCategorical({ probs: fx.tensor([0.1, 0.6, 0.3]) }).sample([N]);
  assert.deepEqual(oh.shape, [N, 3]);
  assert.equal(oh.dtype, "float32");
  assert.ok(oh.sum(-1).eq(1).all().item());
  const m = oh.mean(0).tolist() as number[];
  [0.1, 0.6, 0.3].forEach((p, k) => assert.ok(Math.abs(m[k]! - p) <= 5 * Math.sqrt((p * (1 - p)) / N), `one-hot ${k}: ${m[k]}`));
});

test("Gamma, Beta, Dirichlet (Marsaglia–Tsang from tensor ops): moments for small and large concentrations", () => {
  fx.manualSeed(5);
  for (const [c, r] of [[0.3, 1], [1, 2], [4.5, 0.5], [50, 10]] as const) {
    const s = new D.Gamma(c, r).sample([N]);
    assert.ok((s.min().item() as number) > 0, `Gamma(${c}, ${r}) positive`);
    checkMoments(s, c / r, c / r ** 2, `Gamma(${c}, ${r})`, c < 1 ? 0.15 : 0.08);
  }
  const g64 = new D.Gamma(fx.tensor([2, 3], { dtype: "float64" }), fx.tensor([1, 1], { dtype: "float64" })).sample([5]);
  assert.equal(g64.dtype, "float64");
  assert.deepEqual(g64.shape, [5, 2]);
  const [a, b] = [2, 5];
  checkMoments(new D.Beta(a, b).sample([N]), a / (a + b), (a * b) / ((a + b) ** 2 * (a + b + 1)), "Beta(2, 5)");
  const conc = [0.5, 1, 2.5];
  const ds = new D.Dirichlet(fx.tensor(conc)).sample([N]);
  assert.deepEqual(ds.shape, [N, 3]);
  assert.ok(ds.sum(-1).sub(1).abs().max().item() as number < 1e-5);
  const a0 = 4;
  conc.forEach((ci, i) => checkMoments(ds.index(":", i), ci / a0, (ci * (a0 - ci)) / (a0 ** 2 * (a0 + 1)), `Dirichlet[${i}]`, 0.08));
});

test("Poisson: integer-valued float counts with mean and variance rate, below and above the sampler's switch at 10", () => {
  fx.manualSeed(6);
  // large rates: the acceptance test's log-factorials need float64 (computed so on the CPU)
  for (const rate of [0, 0.5, 4, 9.9, 10, 37, 1000, 1e6]) {
    const s = new D.Poisson(rate).sample([N / 2]);
    assert.equal(s.dtype, "float32");
    assert.ok(s.eq(s.floor()).all().item(), `Poisson(${rate}) integers`);
    if (rate === 0) assert.equal(s.abs().max().item(), 0);
    else checkMoments(s, rate, rate, `Poisson(${rate})`, 0.08);
  }
});

test("Geometric: failures before the first success, mean (1-p)/p", () => {
  fx.manualSeed(7);
  const p = 0.3;
  const s = new D.Geometric(p).sample([N]);
  assert.ok(s.eq(s.floor()).all().item());
  checkMoments(s, (1 - p) / p, (1 - p) / p ** 2, "Geometric(0.3)", 0.1);
});

test("MultivariateNormal: samples have the covariance, for each of its three parameterizations", () => {
  const cov = fx.tensor([[2, 0.6], [0.6, 1]], { dtype: "float64" });
  const loc = fx.tensor([1, -1], { dtype: "float64" });
  for (const opts of [{ covarianceMatrix: cov }, { precisionMatrix: fx.linalg.inv(cov) }, { scaleTril: fx.linalg.cholesky(cov) }]) {
    fx.manualSeed(8);
    const d = new D.MultivariateNormal(loc, opts);
    const s = d.sample([N]);
    assert.deepEqual(s.shape, [N, 2]);
    const m = s.mean(0).tolist() as number[];
    assert.ok(Math.abs(m[0]! - 1) < 5 * Math.sqrt(2 / N) && Math.abs(m[1]! + 1) < 5 * Math.sqrt(1 / N), `mean ${m}`);
    const c = fx.cov(s.T).tolist() as number[][];
    [[2, 0.6], [0.6, 1]].forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(c[i]![j]! - v) < 0.06, `cov[${i}][${j}] ${c[i]![j]} vs ${v}`)));
  }
  const batched = new D.MultivariateNormal(fx.zeros([3, 2]), { covarianceMatrix: fx.eye(2) });
  assert.deepEqual(batched.batchShape, [3]);
  assert.deepEqual(batched.eventShape, [2]);
  assert.deepEqual(batched.rsample([4]).shape, [4, 3, 2]);
});

test("Independent: samples keep the base's shape, batch dims move to the event", () => {
  const d = new D.Independent(new D.Normal(fx.zeros([4, 3]), fx.ones([4, 3])), 1);
  assert.deepEqual(d.batchShape, [4]);
  assert.deepEqual(d.eventShape, [3]);
  assert.deepEqual(d.sample([2]).shape, [2, 4, 3]);
  assert.equal(d.hasRsample, true);
  assert.deepEqual(d.logProb(fx.zeros([4, 3])).shape, [4]);
});

test("Gamma, Beta, Dirichlet rsample: the mean of the pathwise gradients is the gradient of the mean", () => {
  fx.manualSeed(9);
  const M = 100000;
  const grads = (make: (ps: Tensor[]) => D.Distribution, values: number[]): number[] => {
    const ps = values.map((v) => fx.tensor(v, { dtype: "float64", requiresGrad: true }));
    make(ps).rsample([M]).mean(0).sum().backward();
    return ps.map((p) => p.grad!.item() as number);
  };
  // E[Gamma(c, r)] = c / r
  for (const [c, r] of [[0.5, 2], [3, 1.5], [12, 3]] as const) {
    const [gc, gr] = grads(([a, b]) => new D.Gamma(a!, b!), [c, r]);
    assert.ok(Math.abs(gc! - 1 / r) < 0.03 / r, `Gamma(${c}, ${r}) d/dc ${gc} vs ${1 / r}`);
    assert.ok(Math.abs(gr! + c / r ** 2) < 0.03 * (c / r ** 2), `Gamma(${c}, ${r}) d/dr ${gr} vs ${-c / r ** 2}`);
  }
  // E[Beta(a, b)] = a / (a + b)
  const [ga, gb] = grads(([a, b]) => new D.Beta(a!, b!), [2, 3]);
  assert.ok(Math.abs(ga! - 3 / 25) < 0.006, `Beta d/da ${ga}`);
  assert.ok(Math.abs(gb! + 2 / 25) < 0.006, `Beta d/db ${gb}`);
  // E[Dirichlet(c)_0] = c0 / sum(c)
  const conc = fx.tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
  new D.Dirichlet(conc).rsample([M]).index(":", 0).mean().backward();
  const expected = [5 / 36, -1 / 36, -1 / 36];
  (conc.grad!.tolist() as number[]).forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) < 0.006, `Dirichlet d/dc${i} ${g} vs ${expected[i]}`));
});

test("Binomial: counts in [0, n] with mean np and variance np(1-p), by inversion (np < 10) and BTRS (np >= 10), p above 1/2 by symmetry", () => {
  fx.manualSeed(10);
  for (const [n, p] of [[5, 0.2], [20, 0.45], [100, 0.3], [1000, 0.5], [1e6, 0.3], [40, 0.9], [7, 0.97], [10, 0], [10, 1], [0, 0.5]] as const) {
    const s = new D.Binomial(n, p).sample([N / 2]); // both samplers run per element: half the draws keep this quick
    assert.equal(s.dtype, "float32");
    assert.ok(s.eq(s.floor()).all().item() && (s.min().item() as number) >= 0 && (s.max().item() as number) <= n, `Binomial(${n}, ${p}) support`);
    if (p === 0 || n === 0) assert.equal(s.max().item(), 0);
    else if (p === 1) assert.equal(s.min().item(), n);
    else checkMoments(s, n * p, n * p * (1 - p), `Binomial(${n}, ${p})`, 0.08);
  }
  const d = new D.Binomial(fx.tensor([3, 50]), { logits: fx.tensor([0.2, -0.4]) });
  assert.deepEqual(d.sample([4]).shape, [4, 2]);
  assert.throws(() => new D.Binomial(2.5, 0.5), /Binomial: expected parameter totalCount .* IntegerGreaterThan\(lower_bound=0\)/);
  assert.throws(() => new D.Binomial(fx.tensor([2, 3]), 0.5).entropy(), /inhomogeneous total count/);
  assert.deepEqual(new D.Binomial(2, fx.tensor([0.5, 0.5])).enumerateSupport().tolist(), [[0, 0], [1, 1], [2, 2]]);
  assert.throws(() => new D.Binomial(3, 0.5).logProb(fx.tensor([4])), /IntegerInterval/);
  assert.equal(new D.Binomial(fx.tensor([4], { dtype: "int64" }), fx.tensor([0.5], { dtype: "float64" })).totalCount.dtype, "float64");
});

test("Chi2, HalfNormal, StudentT: moments of many draws", () => {
  fx.manualSeed(12);
  checkMoments(new D.Chi2(3).sample([N]), 3, 6, "Chi2(3)", 0.1);
  const h = new D.HalfNormal(2).sample([N]);
  assert.ok((h.min().item() as number) >= 0);
  checkMoments(h, 2 * Math.sqrt(2 / Math.PI), 4 * (1 - 2 / Math.PI), "HalfNormal(2)");
  const t = new D.StudentT(10, 1, 2).sample([N]);
  checkMoments(t, 1, 4 * (10 / 8), "StudentT(10, 1, 2)", 0.12);
  assert.deepEqual(new D.StudentT(fx.tensor([3, 4]), 0, 1).rsample([5]).shape, [5, 2]);
  assert.equal(String(new D.Chi2(2).argConstraints.df), "GreaterThan(lower_bound=0.0)");
  assert.throws(() => new D.Chi2(-1), /Chi2: expected parameter df/);
  assert.throws(() => new D.StudentT(1, 0, -1), /StudentT: expected parameter scale/);
});

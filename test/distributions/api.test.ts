/**
 * The distributions API as the PyTorch tutorials use it (REINFORCE's Categorical policy
 * gradient, a VAE's Normal rsample), and the behaviour around it: validateArgs errors naming
 * the distribution, the argument and the constraint; sample-value checks; expand;
 * enumerateSupport; masked logits; repr; KL registration and lookup.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { distributions as D, type Tensor } from "../../src/index.js";

const near = (a: number, b: number, tol = 1e-5): void => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

test("REINFORCE: loss = -logProb(sample) * R gives the policy gradient (onehot - softmax) * -R on the logits", () => {
  const logits = fx.tensor([[0.2, -1, 0.5], [1, 1, 1]], { requiresGrad: true });
  const dist = new D.Categorical({ logits });
  fx.manualSeed(0);
  const a = dist.sample();
  assert.equal(a.dtype, "int64");
  assert.deepEqual(a.shape, [2]);
  const R = fx.tensor([2, -1]);
  dist.logProb(a).mul(R).neg().sum().backward();
  const p = logits.detach().softmax(-1);
  const expected = fx.oneHot(a, 3).float().sub(p).mul(R.unsqueeze(1)).neg();
  const g = logits.grad!.tolist() as number[][], e = expected.tolist() as number[][];
  g.forEach((row, i) => row.forEach((x, j) => near(x, e[i]![j]!)));
});

test("VAE: Normal(mu, std).rsample() is mu + std * eps, so gradients reach mu (1) and std (eps)", () => {
  const mu = fx.tensor([0.5, -2], { requiresGrad: true });
  const logVar = fx.tensor([0.1, -0.3], { requiresGrad: true });
  const std = logVar.mul(0.5).exp();
  fx.manualSeed(3);
  const z = new D.Normal(mu, std).rsample();
  fx.manualSeed(3);
  const eps = fx.randn([2]);
  z.sum().backward();
  assert.deepEqual(mu.grad!.tolist(), [1, 1]);
  const expectedLogVarGrad = eps.mul(std.detach()).mul(0.5).tolist() as number[];
  (logVar.grad!.tolist() as number[]).forEach((x, i) => near(x, expectedLogVarGrad[i]!));
  // the KL term of the ELBO against the standard normal, closed form
  const kl = D.klDivergence(new D.Normal(mu, std), new D.Normal(0, 1));
  const closed = mu.pow(2).add(std.pow(2)).sub(std.pow(2).log()).sub(1).mul(0.5);
  (kl.tolist() as number[]).forEach((x, i) => near(x, (closed.tolist() as number[])[i]!));
});

test("masked actions: -inf logits get probability 0, their logProb is -inf and the entropy stays finite", () => {
  const d = new D.Categorical({ logits: fx.tensor([0, -Infinity, 0]) });
  assert.deepEqual(d.probs.tolist(), [0.5, 0, 0.5]);
  assert.equal(d.logProb(fx.tensor(1, { dtype: "int64" })).item(), -Infinity);
  near(d.entropy().item() as number, Math.log(2));
  fx.manualSeed(1);
  assert.equal(d.sample([2000]).eq(1).any().item(), false);
});

test("validateArgs (on by default): invalid parameters raise naming the distribution, the parameter and the constraint", () => {
  assert.throws(() => new D.Normal(0, -1), /Normal: expected parameter scale \(Tensor of shape \[\]\) of distribution Normal\(loc: 0.0, scale: -1.0\) to satisfy the constraint GreaterThan\(lower_bound=0.0\)/);
  assert.throws(() => new D.Bernoulli(1.5), /Bernoulli: expected parameter probs .* Interval\(lower_bound=0.0, upper_bound=1.0\)/);
  assert.throws(() => new D.Categorical(fx.tensor([0.5, -0.5])), /Categorical: expected parameter probs .* Simplex\(\)/);
  assert.throws(() => new D.Uniform(1, 0), /Uniform: low must be less than high/);
  assert.throws(() => new D.Dirichlet(fx.tensor([1, -1])), /Dirichlet: expected parameter concentration/);
  assert.throws(() => new D.MultivariateNormal(fx.zeros(2), { covarianceMatrix: fx.tensor([[1, 2], [2, 1]]) }), /PositiveDefinite\(\)/);
  assert.throws(() => new D.MultivariateNormal(fx.zeros(2), { scaleTril: fx.tensor([[1, 2], [0, 1]]) }), /LowerCholesky\(\)/);
  assert.throws(() => new D.Gamma(0, 1), /Gamma: expected parameter concentration/);
  assert.throws(() => new D.Poisson(-1), /Poisson: expected parameter rate .* GreaterThanEq\(lower_bound=0.0\)/);
  assert.throws(() => new D.Geometric(0), /Geometric: expected parameter probs .* to be positive/);
  // off: the same parameters are accepted
  assert.equal(new D.Normal(0, -1, { validateArgs: false }).scale.item(), -1);
  assert.equal(new D.Uniform(1, 0, false).low.item(), 1);
  D.Distribution.setDefaultValidateArgs(false);
  try {
    assert.equal(new D.Normal(0, -1).scale.item(), -1);
  } finally {
    D.Distribution.setDefaultValidateArgs(true);
  }
  assert.throws(() => new D.Normal(0, -1));
});

test("bad arguments are ArgumentError/ShapeError/DTypeError naming the distribution, never a TypeError", () => {
  assert.throws(() => new D.Normal(0, "a" as never), (e: Error) => e instanceof fx.ArgumentError && /Normal\(\): argument 'scale'/.test(e.message));
  assert.throws(() => new D.Normal(0, 1, { foo: 1 } as never), (e: Error) => e instanceof fx.ArgumentError && /unexpected option 'foo'/.test(e.message));
  assert.throws(() => new D.Categorical(), (e: Error) => e instanceof fx.ArgumentError && /either probs or logits must be specified, but not both/.test(e.message));
  assert.throws(() => new D.Categorical({ probs: fx.ones(2), logits: fx.ones(2) }), /either probs or logits/);
  assert.throws(() => new D.Categorical(fx.tensor(1)), (e: Error) => e instanceof fx.ShapeError && /at least 1 dimension/.test(e.message));
  assert.throws(() => new D.Categorical(fx.tensor([1, 2], { dtype: "int32" })), (e: Error) => e instanceof fx.DTypeError && /floating point/.test(e.message));
  assert.throws(() => new D.Normal(fx.zeros(2), fx.ones(3)), (e: Error) => e instanceof fx.ShapeError && /loc, scale \(\[2\], \[3\]\) do not broadcast/.test(e.message));
  assert.throws(() => new D.MultivariateNormal(fx.zeros(2)), /exactly one of covarianceMatrix or precisionMatrix or scaleTril/);
  assert.throws(() => new D.MultivariateNormal(fx.zeros(2), { covarianceMatrix: fx.eye(3) }), (e: Error) => e instanceof fx.ShapeError);
  assert.throws(() => new D.Independent(new D.Normal(0, 1), 1), (e: Error) => e instanceof fx.ShapeError && /reinterpretedBatchNdims/.test(e.message));
  assert.throws(() => new D.Independent({} as never, 0), (e: Error) => e instanceof fx.ArgumentError && /must be a Distribution/.test(e.message));
  assert.throws(() => new D.Normal(0, 1).sample([-1]), (e: Error) => e instanceof fx.ArgumentError && /sampleShape/.test(e.message));
  assert.throws(() => new D.Normal(0, 1).sample("a" as never), fx.ArgumentError);
});

test("logProb checks its value: a Tensor, the event shape, broadcastable, inside the support", () => {
  const d = new D.Categorical(fx.tensor([0.5, 0.5]));
  assert.throws(() => d.logProb(1 as never), /Categorical.logProb: the value argument must be a Tensor, got int 1/);
  assert.throws(() => d.logProb(fx.tensor(2, { dtype: "int64" })), /within the support \(IntegerInterval\(lower_bound=0, upper_bound=1\)\)/);
  assert.throws(() => new D.Normal(fx.zeros(3), 1).logProb(fx.zeros(2)), /not broadcastable with batch_shape\+event_shape: \[2\] vs \[3\]/);
  assert.throws(() => new D.MultivariateNormal(fx.zeros(2), fx.eye(2)).logProb(fx.zeros(3)), /right-most size of value must match event_shape: \[3\] vs \[2\]/);
  assert.throws(() => new D.Bernoulli(0.5).logProb(fx.tensor([0.5])), /Boolean\(\)/);
  assert.throws(() => new D.Uniform(0, 1).logProb(fx.tensor([2])), /Interval/);
  // without validation, out-of-support values give -inf and numbers are taken
  assert.deepEqual(new D.Uniform(0, 1, { validateArgs: false }).logProb(fx.tensor([2])).tolist(), [-Infinity]);
  near(new D.Normal(0, 1, { validateArgs: false }).logProb(1 as never).item() as number, -1.4189385332046727);
});

test("expand broadcasts the batch shape without copying; Categorical/Independent/MultivariateNormal keep their event dims", () => {
  const n = new D.Normal(fx.tensor([0, 1]), 1).expand([3, 2]);
  assert.deepEqual(n.batchShape, [3, 2]);
  assert.deepEqual(n.sample().shape, [3, 2]);
  assert.ok(n instanceof D.Normal);
  assert.throws(() => new D.Normal(fx.zeros(2), 1).expand([3]), (e: Error) => e instanceof fx.ShapeError && /Normal.expand/.test(e.message));
  assert.deepEqual(new D.Categorical({ logits: fx.zeros([2, 3]) }).expand([4, 2]).sample().shape, [4, 2]);
  const ind = new D.Independent(new D.Normal(fx.zeros(3), 1), 1).expand([2]);
  assert.deepEqual([ind.batchShape, ind.eventShape, ind.sample().shape], [[2], [3], [2, 3]]);
  const mvn = new D.MultivariateNormal(fx.zeros(2), fx.eye(2)).expand([3]);
  assert.deepEqual(mvn.logProb(fx.zeros(2)).shape, [3]);
  near(mvn.logProb(fx.zeros(2)).index(0).item() as number, -Math.log(2 * Math.PI));
  assert.deepEqual(new D.OneHotCategorical(fx.ones(3)).expand([2]).sample().shape, [2, 3]);
});

test("enumerateSupport, mean/mode/variance where PyTorch defines them, perplexity, the repr", () => {
  assert.deepEqual(new D.Bernoulli(fx.tensor([0.2, 0.7])).enumerateSupport().tolist(), [[0, 0], [1, 1]]);
  const c = new D.Categorical(fx.ones([2, 3]));
  assert.deepEqual(c.enumerateSupport().tolist(), [[0, 0], [1, 1], [2, 2]]);
  assert.deepEqual(c.enumerateSupport(false).shape, [3, 1]);
  assert.equal(c.enumerateSupport().dtype, "int64");
  assert.deepEqual(new D.OneHotCategorical(fx.ones(2)).enumerateSupport().tolist(), [[1, 0], [0, 1]]);
  assert.equal(c.hasEnumerateSupport, true);
  assert.equal(new D.Normal(0, 1).hasEnumerateSupport, false);
  assert.throws(() => new D.Normal(0, 1).enumerateSupport(), D.NotImplementedDistributionError);
  assert.ok((c.mean.tolist() as number[]).every(Number.isNaN));
  assert.deepEqual(new D.Categorical(fx.tensor([0.1, 0.7, 0.2])).mode.tolist(), 1);
  assert.ok(Number.isNaN(new D.Bernoulli(0.5).mode.item() as number));
  near(new D.Normal(0, 1).perplexity().item() as number, Math.exp(0.5 + 0.5 * Math.log(2 * Math.PI)));
  assert.throws(() => new D.Poisson(1).entropy(), /Poisson.entropy is not defined/);
  assert.throws(() => new D.Poisson(1).rsample(), /Poisson.rsample: Poisson has no reparameterized sampler/);
  assert.equal(new D.Poisson(1).hasRsample, false);
  assert.equal(new D.Gamma(1, 1).hasRsample, true);
  assert.equal(new D.Normal(fx.zeros(2), 1).toString(), "Normal(loc: torch.Size([2]), scale: torch.Size([2]))");
  assert.equal(new D.Normal(0, 1).toString(), "Normal(loc: 0.0, scale: 1.0)");
  assert.equal(new D.Categorical({ logits: fx.zeros(3) }).toString(), "Categorical(logits: torch.Size([3]))");
  assert.equal(new D.Independent(new D.Normal(0, 1).expand([2]), 1).toString(), "Independent(Normal(loc: torch.Size([2]), scale: torch.Size([2])), 1)");
  assert.equal(String(D.Normal.argConstraints.scale), "GreaterThan(lower_bound=0.0)");
  assert.equal(String(D.Categorical.argConstraints.logits), "IndependentConstraint(Real(), 1)");
  assert.equal(String(new D.Normal(0, 1).argConstraints.scale), "GreaterThan(lower_bound=0.0)");
  assert.equal(String(new D.Uniform(0, 2).support), "Interval(lower_bound=tensor(0.), upper_bound=tensor(2.))");
  assert.equal(String(new D.Categorical(fx.ones(4)).support), "IntegerInterval(lower_bound=0, upper_bound=3)");
});

test("probs and logits convert both ways (Bernoulli: sigmoid; Categorical: softmax, normalized logits)", () => {
  const b = new D.Bernoulli({ logits: fx.tensor([0, Math.log(3)]) });
  (b.probs.tolist() as number[]).forEach((p, i) => near(p, [0.5, 0.75][i]!));
  const c = new D.Categorical({ probs: fx.tensor([1, 3]) });
  (c.logits.tolist() as number[]).forEach((l, i) => near(l, Math.log([0.25, 0.75][i]!)));
  const cl = new D.Categorical({ logits: fx.tensor([1, 1]) });
  (cl.logits.tolist() as number[]).forEach((l) => near(l, Math.log(0.5)));
});

test("klDivergence looks up registered pairs, walking subclasses; registerKl adds pairs (also as a decorator)", () => {
  assert.throws(() => D.klDivergence(new D.Normal(0, 1), new D.Categorical(fx.ones(2))), (e: Error) => e instanceof D.NotImplementedDistributionError && /no KL divergence is registered for Normal and Categorical/.test(e.message));
  assert.throws(() => D.klDivergence(new D.Normal(0, 1), 3 as never), fx.ArgumentError);
  class Shifted extends D.Normal {}
  near(D.klDivergence(new Shifted(0, 1), new D.Normal(1, 1)).item() as number, 0.5);
  D.registerKl(Shifted, D.Normal, () => fx.tensor(42));
  assert.equal(D.klDivergence(new Shifted(0, 1), new D.Normal(1, 1)).item(), 42);
  class Other extends D.Normal {}
  const fn = D.registerKl(Other, Other)((p: Other, q: Other): Tensor => p.loc.sub(q.loc));
  assert.equal(typeof fn, "function");
  assert.equal(D.klDivergence(new Other(3, 1), new Other(1, 1)).item(), 2);
  assert.throws(() => D.registerKl(Object as never, D.Normal, () => fx.tensor(0)), /registerKl: P must be a Distribution subclass/);
  assert.throws(
    () => D.klDivergence(new D.Independent(new D.Normal(fx.zeros([2, 2]), 1), 1), new D.Independent(new D.Normal(fx.zeros([2, 2]), 1), 2)),
    /different reinterpretedBatchNdims/,
  );
  assert.throws(() => D.klDivergence(new D.Binomial(2, 0.5), new D.Binomial(3, 0.5)), /q.totalCount > p.totalCount is not implemented/);
  assert.equal(D.klDivergence(new D.Binomial(3, 0.5), new D.Binomial(2, 0.5)).item(), Infinity);
  assert.throws(() => D.klDivergence(new D.MultivariateNormal(fx.zeros(2), fx.eye(2)), new D.MultivariateNormal(fx.zeros(3), fx.eye(3))), /different event shapes/);  // torch.distributions.kl.kl_divergence / register_kl
  assert.equal(D.kl.klDivergence, D.klDivergence);
  assert.equal(D.kl.registerKl, D.registerKl);
});

test("MultivariateNormal: the three parameterizations agree; covariance, precision and scaleTril read back", () => {
  const cov = fx.tensor([[2, 0.6], [0.6, 1]], { dtype: "float64" });
  const loc = fx.tensor([1, -1], { dtype: "float64" });
  const x = fx.tensor([[0.3, 0.2], [2, -3]], { dtype: "float64" });
  const a = new D.MultivariateNormal(loc, { covarianceMatrix: cov });
  const b = new D.MultivariateNormal(loc, { precisionMatrix: fx.linalg.inv(cov) });
  const c = new D.MultivariateNormal(loc, { scaleTril: fx.linalg.cholesky(cov) });
  for (const d of [b, c]) {
    (d.logProb(x).tolist() as number[]).forEach((v, i) => near(v, (a.logProb(x).tolist() as number[])[i]!, 1e-10));
    (d.covarianceMatrix.reshape([-1]).tolist() as number[]).forEach((v, i) => near(v, [2, 0.6, 0.6, 1][i]!, 1e-10));
    (d.precisionMatrix.matmul(cov).reshape([-1]).tolist() as number[]).forEach((v, i) => near(v, [1, 0, 0, 1][i]!, 1e-10));
  }
  (a.variance.tolist() as number[]).forEach((v, i) => near(v, [2, 1][i]!, 1e-12));
});

test("bad values to every distribution's methods raise FluxionErrors, never a TypeError", () => {
  const all: D.Distribution[] = [
    new D.Normal(0, 1), new D.Uniform(0, 1), new D.Bernoulli(0.3), new D.Categorical(fx.ones(3)), new D.OneHotCategorical(fx.ones(3)),
    new D.Exponential(1), new D.Laplace(0, 1), new D.LogNormal(0, 1), new D.Cauchy(0, 1), new D.Gumbel(0, 1), new D.Poisson(2),
    new D.Geometric(0.5), new D.Gamma(1, 1), new D.Beta(1, 2), new D.Dirichlet(fx.ones(3)),
    new D.MultivariateNormal(fx.zeros(2), fx.eye(2)), new D.Independent(new D.Normal(fx.zeros(2), 1), 1),
  ];
  let calls = 0;
  for (const d of all) {
    const m = d as unknown as Record<string, (x: unknown) => unknown>;
    for (const name of ["logProb", "cdf", "icdf", "sample", "rsample", "expand"]) {
      for (const bad of [null, undefined, "a", [1.5], {}, NaN, -1]) {
        if ((name === "sample" || name === "rsample") && bad === undefined) continue; // the default sample shape
        calls++;
        assert.throws(() => m[name]!.call(d, bad), (e: Error) => e instanceof fx.FluxionError, `${d.constructor.name}.${name}(${String(bad)})`);
      }
    }
  }
  assert.ok(calls > 600);
  // empty batches and empty sample shapes give empty samples
  assert.deepEqual(new D.Normal(fx.tensor([]), 1).sample([2]).shape, [2, 0]);
  assert.deepEqual(new D.Categorical(fx.ones([0, 3])).sample([2]).shape, [2, 0]);
  assert.deepEqual(new D.Normal(0, 1).sample(0).shape, [0]);
});

test("the repr formats one-element parameters as PyTorch's __repr__ does", () => {
  assert.equal(new D.Bernoulli(0.3).toString(), "Bernoulli(probs: 0.30000001192092896)");
  assert.equal(new D.Normal(fx.tensor([0.5]), 1).toString(), "Normal(loc: tensor([0.5000]), scale: tensor([1.]))");
});

test("host reads: none without validateArgs (the math is dispatched ops); with it, each check is a named read", async () => {
  const { onHostRead } = await import("../../src/tensor/host_read.js");
  const reasons: string[] = [];
  const off = onHostRead((r) => reasons.push(r.reason));
  try {
    const mu = fx.tensor([0.5, -1], { requiresGrad: true });
    const n = new D.Normal(mu, fx.tensor([1, 2]), { validateArgs: false });
    n.logProb(n.rsample([3])).sum().backward();
    n.entropy();
    n.cdf(fx.zeros(2));
    const c = new D.Categorical({ logits: fx.randn([2, 3]), validateArgs: false });
    c.logProb(fx.tensor([0, 2], { dtype: "int64" }));
    c.entropy();
    const m = new D.MultivariateNormal(fx.zeros(2), { scaleTril: fx.eye(2), validateArgs: false });
    m.logProb(m.rsample([2]));
    D.klDivergence(n, new D.Normal(0, 1, { validateArgs: false }));
    new D.Gamma(2, 1, { validateArgs: false }).sample([4]);
    new D.Poisson(20, { validateArgs: false }).sample([4]);
    new D.Binomial(30, 0.4, { validateArgs: false }).sample([4]);
    assert.deepEqual(reasons, []);
    new D.Normal(0, 1).logProb(fx.zeros(2));
    assert.deepEqual(reasons, ["Normal validateArgs", "Normal validateArgs", "Normal.logProb validateArgs"]);
  } finally {
    off();
  }
});

test("a user-defined distribution extends Distribution as in PyTorch (super(batchShape, eventShape, validateArgs))", () => {
  class Shifted extends D.Distribution {
    constructor(readonly base: D.Normal, readonly shift: number) {
      super(base.batchShape, [], false);
    }
    override get support(): D.constraints.Constraint {
      return D.constraints.real;
    }
    override rsample(sampleShape: number | readonly number[] = []): Tensor {
      return this.base.rsample(sampleShape).add(this.shift);
    }
    override logProb(value: Tensor): Tensor {
      return this.base.logProb(value.sub(this.shift));
    }
  }
  const d = new Shifted(new D.Normal(fx.zeros(3), 1), 10);
  assert.deepEqual(d.batchShape, [3]);
  assert.deepEqual(d.sample([2]).shape, [2, 3]);
  assert.equal(d.sample().requiresGrad, false);
  near(d.logProb(fx.full([3], 10)).index(0).item() as number, -0.9189385332046727);
  assert.throws(() => d.entropy(), /Shifted.entropy is not defined/);
  assert.throws(() => d.mean, D.NotImplementedDistributionError);
  assert.equal(d.toString(), "Shifted()");
  D.registerKl(Shifted, Shifted, (p, q) => D.klDivergence(p.base, q.base));
  assert.deepEqual(D.klDivergence(d, d).tolist(), [0, 0, 0]);
});

test("TransformedDistribution: a tanh-squashed Gaussian policy (SAC): rsample, then logProb of that sample through the cache", () => {
  const mu = fx.tensor([0.3, 12], { dtype: "float64", requiresGrad: true });
  const std = fx.tensor([0.5, 0.1], { dtype: "float64" });
  const pi = new D.TransformedDistribution(new D.Normal(mu, std), [new D.TanhTransform({ cacheSize: 1 })]);
  assert.equal(pi.hasRsample, true);
  fx.manualSeed(0);
  const a = pi.rsample();
  assert.ok((a.abs().max().item() as number) <= 1);
  // tanh(12) rounds to 1: without the cache atanh(1) is inf; with it the pre-tanh value is reused
  const lp = pi.logProb(a);
  assert.ok((lp.isfinite().all().item() as boolean), `logProb ${lp.toString()}`);
  fx.manualSeed(0);
  const u = new D.Normal(mu.detach(), std).rsample();
  const expected = new D.Normal(mu.detach(), std).logProb(u).sub(u.tanh().pow(2).neg().add(1).log());
  near(lp.index(0).item() as number, expected.index(0).item() as number, 1e-9);
  lp.sum().backward();
  assert.ok(mu.grad !== null);
  assert.equal(String(D.constraints.interval(-1, 1)), String(pi.support));
  // the transforms on their own
  const t = new D.transforms.AffineTransform(1, 2);
  assert.deepEqual(t.forward(fx.tensor([0, 1])).tolist(), [1, 3]);
  assert.deepEqual(t.inv.forward(fx.tensor([1, 3])).tolist(), [0, 1]);
  assert.throws(() => new D.TransformedDistribution(new D.Normal(0, 1), [3 as never]), /transforms must be a Transform or a list of Transforms/);
  assert.throws(() => new D.TransformedDistribution({} as never, []), /baseDistribution must be a Distribution/);
  assert.throws(() => t.forward([1] as never), fx.ArgumentError);
  // exp of a Normal is the LogNormal
  const viaExp = new D.TransformedDistribution(new D.Normal(0.2, 0.7), new D.ExpTransform());
  const x = fx.tensor([0.5, 1, 3]);
  (viaExp.logProb(x).tolist() as number[]).forEach((v, i) => near(v, (new D.LogNormal(0.2, 0.7).logProb(x).tolist() as number[])[i]!));
  assert.deepEqual(viaExp.expand([2, 3]).sample().shape, [2, 3]);
});

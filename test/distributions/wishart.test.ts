/**
 * distributions.Wishart against PyTorch 1.13 (test/fixtures/wishart_torch.json, from
 * wishart_torch.py): logProb, entropy, mean, mode, variance and the three matrices for each
 * parameterization and batched df; the Bartlett sampler's shapes, moments and gradients; the
 * argument checks (exactly one matrix, df > p - 1, validateArgs) and expand().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, ShapeError, distributions, eye, manualSeed, tensor, type Tensor } from "../../src/index.js";

const { Wishart } = distributions;
interface Enc { shape: number[]; v: (number | null)[] }
interface Case {
  name: string; kind: "covariance_matrix" | "precision_matrix" | "scale_tril"; df: number | Enc; param: Enc;
  batch_shape: number[]; event_shape: number[]; values: Enc;
  log_prob: Enc; entropy: Enc; mean: Enc; mode: Enc; variance: Enc; covariance_matrix: Enc; precision_matrix: Enc; scale_tril: Enc;
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/wishart_torch.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };
const dec = (e: Enc): Tensor => tensor(Float64Array.from(e.v, (x) => x ?? NaN), { shape: e.shape });
const KW = { covariance_matrix: "covarianceMatrix", precision_matrix: "precisionMatrix", scale_tril: "scaleTril" } as const;

function close(got: Tensor, want: Enc, what: string, tol = 1e-9): void {
  assert.deepEqual(got.shape, want.shape, `${what} shape`);
  const g = Array.from(got.contiguous().toTypedArray() as Float64Array);
  want.v.forEach((w, i) => {
    if (w === null) assert.ok(Number.isNaN(g[i]), `${what}[${i}]: ${g[i]}, expected NaN`);
    else assert.ok(Math.abs(g[i]! - w) <= tol * Math.max(1, Math.abs(w)), `${what}[${i}]: ${g[i]} vs ${w}`);
  });
}

const build = (c: Case) => new Wishart(typeof c.df === "number" ? c.df : dec(c.df), { [KW[c.kind]]: dec(c.param) });

for (const c of FIX.cases) {
  test(`Wishart matches PyTorch ${FIX.torch}: ${c.name}`, () => {
    const d = build(c);
    assert.deepEqual([d.batchShape, d.eventShape], [c.batch_shape, c.event_shape]);
    close(d.logProb(dec(c.values)), c.log_prob, "logProb");
    close(d.entropy(), c.entropy, "entropy");
    close(d.mean, c.mean, "mean");
    close(d.mode, c.mode, "mode");
    close(d.variance, c.variance, "variance");
    close(d.covarianceMatrix, c.covariance_matrix, "covarianceMatrix");
    close(d.precisionMatrix, c.precision_matrix, "precisionMatrix");
    close(d.scaleTril, c.scale_tril, "scaleTril");
    // the exponential-family entropy (Bregman divergence of the log-normalizer) agrees with the closed form
    close(distributions.ExponentialFamily.prototype.entropy.call(d), c.entropy, "entropy via the log-normalizer", 1e-7);
  });
}

test("rsample: Bartlett samples are positive definite, of the right shape, with the mean df·Σ and variance df(Σij² + ΣiiΣjj)", () => {
  manualSeed(3);
  const S = tensor([[2, 0.5], [0.5, 1]], { dtype: "float64" });
  const d = new Wishart(5, { covarianceMatrix: S });
  const x = d.rsample([20000]);
  assert.deepEqual(x.shape, [20000, 2, 2]);
  assert.equal((distributions.constraints.positiveDefinite.check(x).all().item()), true);
  const mean = x.mean(0), v = x.var(0);
  const m = d.mean, vv = d.variance;
  for (const [got, want, rel] of [[mean, m, 0.03], [v, vv, 0.1]] as const) {
    const g = got.toTypedArray() as Float64Array, w = want.toTypedArray() as Float64Array;
    w.forEach((wi, i) => assert.ok(Math.abs(g[i]! - wi) <= rel * Math.abs(wi), `${g[i]} vs ${wi}`));
  }
  assert.deepEqual(new Wishart(tensor([3, 4], { dtype: "float64" }), { scaleTril: eye(3, { dtype: "float64" }) }).sample([5]).shape, [5, 2, 3, 3]);
  assert.equal(d.hasRsample, true);
});

test("rsample is differentiable with respect to the scale and df", () => {
  const L = tensor([[1.5, 0], [0.3, 0.8]], { dtype: "float64", requiresGrad: true });
  const df = tensor(4.5, { dtype: "float64", requiresGrad: true });
  new Wishart(df, { scaleTril: L }).rsample([3]).sum().backward();
  assert.ok(L.grad && Number.isFinite(L.grad.abs().sum().item() as number) && (L.grad.abs().sum().item() as number) > 0);
  assert.ok(df.grad && Number.isFinite(df.grad.item() as number));
});

test("the arguments are checked as PyTorch checks them", () => {
  const S = eye(3, { dtype: "float64" });
  assert.throws(() => new Wishart(4, {}), (e: unknown) => e instanceof ArgumentError && /exactly one of covarianceMatrix or precisionMatrix or scaleTril/.test(e.message));
  assert.throws(() => new Wishart(4, { covarianceMatrix: S, scaleTril: S }), ArgumentError);
  assert.throws(() => new Wishart(4, { covarianceMatrix: tensor([1, 2]) }), (e: unknown) => e instanceof ShapeError && /at least two-dimensional/.test(e.message));
  assert.throws(() => new Wishart(2, { covarianceMatrix: S }), (e: unknown) => e instanceof ArgumentError && /Value of df=2 expected to be greater than ndim - 1 = 2/.test(e.message));
  assert.throws(() => new Wishart(2, { covarianceMatrix: S, validateArgs: false }), ArgumentError); // raised either way
  assert.throws(() => new Wishart(4, { covarianceMatrix: tensor([[1, 2], [2, 1]], { dtype: "float64" }) }), (e: unknown) => e instanceof FluxionError && /covarianceMatrix.*PositiveDefinite/.test(e.message));
  // without validation the Cholesky factorization itself refuses it, as PyTorch's
  assert.throws(() => new Wishart(4, { covarianceMatrix: tensor([[1, 2], [2, 1]], { dtype: "float64" }), validateArgs: false }), /not positive-definite/);
  assert.throws(() => new Wishart(4, { scaleTril: tensor([[1, 1], [0, 1]], { dtype: "float64" }) }), /LowerCholesky/);
  const d = new Wishart(4, { covarianceMatrix: S });
  assert.throws(() => d.logProb(tensor([[1, 2, 0], [2, 1, 0], [0, 0, 1]], { dtype: "float64" })), /within the support/);
  assert.equal(String(d.argConstraints.df), "GreaterThan(lower_bound=2.0)");
  assert.equal(String(d.support), "PositiveDefinite()");
});

test("expand broadcasts df and the matrices to a new batch shape", () => {
  const d = new Wishart(4, { covarianceMatrix: tensor([[2, 0.5], [0.5, 1]], { dtype: "float64" }) });
  const e = d.expand([3]);
  assert.deepEqual([e.batchShape, e.df.shape, e.mean.shape, e.sample().shape], [[3], [3], [3, 2, 2], [3, 2, 2]]);
  const v = tensor([[1, 0.2], [0.2, 1]], { dtype: "float64" });
  assert.deepEqual(Array.from(e.logProb(v).toTypedArray() as Float64Array), new Array(3).fill(d.logProb(v).item()));
});

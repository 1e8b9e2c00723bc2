/**
 * Reparameterized samples are differentiable functions of the parameters for a fixed seed:
 * gradcheck (float64 finite differences) of rsample for every distribution that has one,
 * and of MultivariateNormal's logProb through its Cholesky factor and precision route.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { distributions as D, type Tensor } from "../../src/index.js";

const f64 = (v: number[] | number[][], grad = true): Tensor => fx.tensor(v, { dtype: "float64", requiresGrad: grad });
/** rsample with the seed fixed, so the draw is a deterministic function of the parameters. */
const seeded = (make: (...p: Tensor[]) => D.Distribution) => (...p: Tensor[]): Tensor => {
  fx.manualSeed(11);
  return make(...p).rsample([3]);
};

const CASES: [string, (...p: Tensor[]) => D.Distribution, Tensor[]][] = [
  ["Normal", (l, s) => new D.Normal(l!, s!), [f64([0.3, -1]), f64([0.5, 2])]],
  ["Uniform", (a, b) => new D.Uniform(a!, b!), [f64([0, -1]), f64([1, 2])]],
  ["Exponential", (r) => new D.Exponential(r!), [f64([0.5, 3])]],
  ["Laplace", (l, s) => new D.Laplace(l!, s!), [f64([0.3, -1]), f64([0.5, 2])]],
  ["LogNormal", (l, s) => new D.LogNormal(l!, s!), [f64([0.3, -1]), f64([0.5, 0.8])]],
  ["Cauchy", (l, s) => new D.Cauchy(l!, s!), [f64([0.3, -1]), f64([0.5, 2])]],
  ["Gumbel", (l, s) => new D.Gumbel(l!, s!), [f64([0.3, -1]), f64([0.5, 2])]],
  ["Gamma (rate)", (r) => new D.Gamma(fx.tensor([0.7, 3], { dtype: "float64" }), r!), [f64([0.5, 2])]],
  ["MultivariateNormal (scaleTril)", (l, L) => new D.MultivariateNormal(l!, { scaleTril: L!.tril() }), [f64([0.3, -1]), f64([[1.2, 0], [0.4, 0.7]])]],
  ["HalfNormal", (s) => new D.HalfNormal(s!), [f64([0.5, 2])]],
  ["StudentT (loc, scale)", (l, s) => new D.StudentT(fx.tensor([3, 7], { dtype: "float64" }), l!, s!), [f64([0.3, -1]), f64([0.5, 2])]],
  ["Independent(Normal)", (l, s) => new D.Independent(new D.Normal(l!, s!), 1), [f64([0.3, -1]), f64([0.5, 2])]],
];

for (const [name, make, params] of CASES) {
  test(`${name}.rsample passes gradcheck with respect to its parameters`, () => {
    assert.equal(fx.autograd.gradcheck(seeded(make), params), true);
  });
}

test("MultivariateNormal.logProb passes gradcheck through cholesky (covariance) and the precision route", () => {
  const x = fx.tensor([[0.2, -0.4], [1, 1.5]], { dtype: "float64" });
  const loc = f64([0.3, -1]);
  const cov = f64([[2, 0.6], [0.6, 1]]);
  // symmetrize so the perturbations stay covariance matrices
  const sym = (m: Tensor): Tensor => m.add(m.mT).mul(0.5);
  assert.equal(fx.autograd.gradcheck((l, c) => new D.MultivariateNormal(l!, { covarianceMatrix: sym(c!), validateArgs: false }).logProb(x), [loc, cov]), true);
  assert.equal(fx.autograd.gradcheck((l, p) => new D.MultivariateNormal(l!, { precisionMatrix: sym(p!), validateArgs: false }).logProb(x), [loc, cov]), true);
});

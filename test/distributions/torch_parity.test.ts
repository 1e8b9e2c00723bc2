/**
 * torch.distributions against PyTorch 1.13 (test/fixtures/distributions_torch.json, from
 * distributions_torch.py), in float64: batch/event shapes, mean, mode, variance, stddev,
 * entropy, logProb, cdf and icdf of every distribution, the gradients of logProb and entropy
 * with respect to the parameters, and klDivergence for the registered pairs with its gradients.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { distributions as D, type Tensor } from "../../src/index.js";

type Enc = { t: unknown; shape: number[] } | { n: number };
type Val = { v: unknown; shape: number[] };
const FIX = JSON.parse(readFileSync(new URL("../fixtures/distributions_torch.json", import.meta.url), "utf8"));

const num = (x: unknown): unknown => (Array.isArray(x) ? x.map(num) : x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : x);

/** The distribution from encoded args, with float64 leaves requiring grad (returned by name). */
function build(name: string, args: Record<string, unknown>): [D.Distribution, Record<string, Tensor>] {
  if (name === "Independent") {
    const [b, bk, n] = args.base as [string, Record<string, unknown>, number];
    const [base, leaves] = build(b, bk);
    return [new D.Independent(base, n), leaves];
  }
  const leaves: Record<string, Tensor> = {};
  const kw: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(args as Record<string, Enc>)) {
    if ("n" in e) kw[k] = e.n;
    else kw[k] = leaves[k] = fx.tensor(e.t as number[], { dtype: "float64", shape: e.shape, requiresGrad: true });
  }
  // every constructor takes its parameters as one options object too
  return [new (D as unknown as Record<string, new (o: unknown) => D.Distribution>)[name]!(kw), leaves];
}

function close(actual: Tensor, expected: Val, what: string, tol = 1e-9): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = (actual.numel() ? actual.double().reshape([-1]).tolist() : []) as number[];
  const e = (expected.shape.length === 0 ? [num(expected.v)] : (num(expected.v) as unknown[]).flat(8)) as number[];
  a.forEach((x, i) => {
    const y = e[i]!;
    if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `${what}[${i}]: ${x} vs NaN`);
    else if (!Number.isFinite(y)) assert.equal(x, y, `${what}[${i}]`);
    else assert.ok(Math.abs(x - y) <= tol * (1 + Math.abs(y)), `${what}[${i}]: ${x} vs ${y}`);
  });
}

function checkGrads(out: Tensor, leaves: Record<string, Tensor>, expected: Record<string, Val | null> | null, what: string, tol = 1e-8): void {
  if (!expected) return;
  const names = Object.keys(leaves);
  const gs = fx.autograd.grad(out.sum(), names.map((k) => leaves[k]!), { allowUnused: true });
  names.forEach((k, i) => {
    const e = expected[k];
    const g = gs[i];
    if (e === null || e === undefined) assert.ok(g === null || g === undefined || (g.abs().max().item() as number) === 0, `${what} d/d${k}: expected none`);
    else close(g!, e, `${what} d/d${k}`, Math.max(tol, 1e-8));
  });
}

for (const c of FIX.cases) {
  const label = `${c.dist}(${Object.keys(c.args).join(", ")})`;
  // parameters given as numbers only are float32 here (the default dtype) and float64 in the fixture
  const numbersOnly = Object.values(c.args as Record<string, Enc>).every((e) => "n" in e);
  const tol = numbersOnly ? 1e-6 : 1e-9;
  test(`${label}: shapes, moments, entropy, logProb, cdf, icdf and gradients match PyTorch`, () => {
    const [d, leaves] = build(c.dist, c.args);
    assert.deepEqual(d.batchShape, c.batchShape, "batchShape");
    assert.deepEqual(d.eventShape, c.eventShape, "eventShape");
    for (const attr of ["mean", "mode", "variance", "stddev"] as const) {
      if (c[attr]) close(d[attr], c[attr], `${label}.${attr}`, tol);
      else assert.throws(() => d[attr], D.NotImplementedDistributionError);
    }
    if (c.entropy) {
      close(d.entropy(), c.entropy, `${label}.entropy`, tol);
      const [d2, l2] = build(c.dist, c.args);
      checkGrads(d2.entropy(), l2, c.entropyGrad, `${label}.entropy`, tol);
    }
    if (c.value) {
      const intValue = c.dist === "Categorical";
      const v = fx.tensor(c.value.v, { dtype: intValue ? "int64" : "float64", shape: c.value.shape });
      close(d.logProb(v), c.logProb, `${label}.logProb`, tol);
      const [d2, l2] = build(c.dist, c.args);
      checkGrads(d2.logProb(v), l2, c.logProbGrad, `${label}.logProb`, tol);
      if (c.cdf) close(d.cdf(v), c.cdf, `${label}.cdf`, tol);
    }
    if (c.icdf) close(d.icdf(fx.tensor(c.q.v, { dtype: "float64", shape: c.q.shape })), c.icdf, `${label}.icdf`, tol);
    void leaves;
  });
}

for (const k of FIX.kl) {
  test(`klDivergence(${k.p[0]}, ${k.q[0]}) and its gradient match PyTorch`, () => {
    const [p, leaves] = build(k.p[0], k.p[1]);
    const [q] = build(k.q[0], k.q[1]);
    const kl = D.klDivergence(p, q);
    close(kl, k.kl, `KL(${k.p[0]} || ${k.q[0]})`);
    checkGrads(kl, leaves, k.grad, `KL(${k.p[0]} || ${k.q[0]})`);
  });
}

test("Gamma's implicit reparameterization gradient matches torch._standard_gamma_grad on all three branches", async () => {
  const { standardGammaGrad } = await import("../../src/distributions/samplers.js");
  const { alpha, x, grad } = FIX.gammaGrad as { alpha: number[]; x: number[]; grad: number[] };
  const g = standardGammaGrad(fx.tensor(alpha, { dtype: "float64" }), fx.tensor(x, { dtype: "float64" })).tolist() as number[];
  g.forEach((v, i) => assert.ok(Math.abs(v - grad[i]!) <= 1e-9 * (1 + Math.abs(grad[i]!)), `alpha ${alpha[i]}, x ${x[i]}: ${v} vs ${grad[i]}`));
});

/** A transform from the fixture's [kind, args] (Tanh is cached, as SAC policies build it). */
function makeTransform([kind, a]: [string, Record<string, Enc | number>]): D.transforms.Transform {
  const T = D.transforms;
  const v = (e: Enc | number): Tensor | number => (typeof e === "number" ? e : "n" in e ? e.n : fx.tensor(e.t as number[], { dtype: "float64", shape: e.shape }));
  if (kind === "Tanh") return new T.TanhTransform(1);
  if (kind === "Exp") return new T.ExpTransform();
  if (kind === "Sigmoid") return new T.SigmoidTransform();
  if (kind === "SigmoidInv") return new T.SigmoidTransform().inv;
  return new T.AffineTransform(v(a.loc!), v(a.scale!), (a.eventDim as number | undefined) ?? 0);
}

for (const c of FIX.transformed) {
  const label = `TransformedDistribution(${c.base[0]}, [${c.transforms.map((t: [string]) => t[0]).join(", ")}])`;
  test(`${label}: shapes, logProb (and its gradient), cdf and icdf match PyTorch`, () => {
    const make = (): [D.Distribution, Record<string, Tensor>] => {
      const [base, leaves] = build(c.base[0], c.base[1]);
      return [new D.TransformedDistribution(base, c.transforms.map(makeTransform)), leaves];
    };
    const [d, leaves] = make();
    assert.deepEqual(d.batchShape, c.batchShape, "batchShape");
    assert.deepEqual(d.eventShape, c.eventShape, "eventShape");
    const v = fx.tensor(c.value.v, { dtype: "float64", shape: c.value.shape });
    close(d.logProb(v), c.logProb, `${label}.logProb`, 1e-6);
    checkGrads(d.logProb(v), leaves, c.logProbGrad, `${label}.logProb`, 1e-6);
    if (c.cdf) close(d.cdf(v), c.cdf, `${label}.cdf`, 1e-6);
    if (c.icdf) close(d.icdf(fx.tensor(c.q.v, { dtype: "float64", shape: c.q.shape })), c.icdf, `${label}.icdf`, 1e-6);
  });
}

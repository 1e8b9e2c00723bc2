/**
 * The distributions, transforms and KL pairs added after the first set, against PyTorch 1.13
 * (test/fixtures/distributions_more_torch.json, from distributions_more_torch.py), in float64:
 * shapes, mean, mode, variance, stddev, entropy, logProb, cdf and icdf where PyTorch has them
 * (and NotImplementedDistributionError where it raises NotImplementedError), the gradients of
 * logProb and entropy with respect to every tensor parameter (nested ones too: a mixture's
 * logits and its components' locs), klDivergence with its gradients, and each transform's
 * forward, inverse, log|det J| and shapes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { distributions as D, type Tensor } from "../../src/index.js";

type Enc = { t: unknown; shape: number[] } | { n: number } | { dist: [string, Record<string, Enc>] };
type Val = { v: unknown; shape: number[] };
const FIX = JSON.parse(readFileSync(new URL("../fixtures/distributions_more_torch.json", import.meta.url), "utf8"));

const num = (x: unknown): unknown => (Array.isArray(x) ? x.map(num) : x === "nan" ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : x);
const f64 = (e: { t?: unknown; v?: unknown; shape: number[] }, requiresGrad = false): Tensor =>
  fx.tensor(num(e.t ?? e.v) as number[], { dtype: "float64", shape: e.shape, requiresGrad });
const Dists = D as unknown as Record<string, new (o: unknown) => D.Distribution>;

/** The distribution from encoded args, with float64 leaves requiring grad (named path.param, as the fixture's). */
function build(name: string, args: Record<string, Enc>, prefix = "", leaves: Record<string, Tensor> = {}): [D.Distribution, Record<string, Tensor>] {
  const kw: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(args)) {
    if ("n" in e) kw[k] = e.n;
    else if ("dist" in e) kw[k] = build(e.dist[0], e.dist[1], `${prefix}${k}.`, leaves)[0];
    else kw[k] = leaves[prefix + k] = f64(e, true);
  }
  // the wrappers take their distributions positionally (an options object would read as the first one);
  // every other constructor takes its parameters as one options object
  if (name === "MixtureSameFamily") return [new D.MixtureSameFamily(kw.mixtureDistribution, kw.componentDistribution), leaves];
  if (name === "Independent") return [new D.Independent(kw.baseDistribution, kw.reinterpretedBatchNdims as number), leaves];
  return [new Dists[name]!(kw), leaves];
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

function checkGrads(out: Tensor, leaves: Record<string, Tensor>, expected: Record<string, Val | null> | null, what: string, tol: number): void {
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

const numbersOnly = (args: Record<string, Enc>): boolean => Object.values(args).every((e) => "n" in e);

for (const c of FIX.cases) {
  const label = `${c.dist}(${Object.keys(c.args).join(", ")})`;
  // parameters given as numbers only are float32 here (the default dtype) and float64 in the fixture
  const tol = numbersOnly(c.args) ? 1e-6 : 1e-9;
  test(`${label}: shapes, moments, entropy, logProb, cdf, icdf and gradients match PyTorch`, () => {
    const [d] = build(c.dist, c.args);
    assert.deepEqual(d.batchShape, c.batchShape, "batchShape");
    assert.deepEqual(d.eventShape, c.eventShape, "eventShape");
    for (const attr of ["mean", "mode", "variance", "stddev"] as const) {
      if (c[attr]) close(d[attr], c[attr], `${label}.${attr}`, tol);
      else assert.throws(() => d[attr], D.NotImplementedDistributionError, `${label}.${attr} is not defined in PyTorch`);
    }
    if (c.entropy) {
      close(d.entropy(), c.entropy, `${label}.entropy`, tol);
      const [d2, l2] = build(c.dist, c.args);
      checkGrads(d2.entropy(), l2, c.entropyGrad, `${label}.entropy`, tol);
    } else {
      assert.throws(() => d.entropy(), D.NotImplementedDistributionError, `${label}.entropy is not defined in PyTorch`);
    }
    if (c.value) {
      const v = f64(c.value);
      close(d.logProb(v), c.logProb, `${label}.logProb`, tol);
      const [d2, l2] = build(c.dist, c.args);
      checkGrads(d2.logProb(v), l2, c.logProbGrad, `${label}.logProb`, tol);
      if (c.cdf) close(d.cdf(v), c.cdf, `${label}.cdf`, tol);
    }
    if (c.icdf) close(d.icdf(f64(c.q)), c.icdf, `${label}.icdf`, tol);
  });
}

for (const k of FIX.kl) {
  test(`klDivergence(${k.p[0]}, ${k.q[0]}) and its gradient match PyTorch`, () => {
    const [p, leaves] = build(k.p[0], k.p[1]);
    const [q] = build(k.q[0], k.q[1]);
    const kl = D.klDivergence(p, q);
    close(kl, k.kl, `KL(${k.p[0]} || ${k.q[0]})`);
    checkGrads(kl, leaves, k.grad, `KL(${k.p[0]} || ${k.q[0]})`, 1e-8);
  });
}

/** A transform from the fixture's kind and args (the same constructions as the script's). */
function makeTransform(kind: string, a: Record<string, Enc>): D.transforms.Transform {
  const T = D.transforms;
  const n = (e: Enc | undefined): number => (e as { n: number }).n;
  switch (kind) {
    case "Power": return new T.PowerTransform("t" in a.exponent! ? f64(a.exponent as { t: unknown; shape: number[] }) : n(a.exponent));
    case "Abs": return new T.AbsTransform();
    case "Softplus": return new T.SoftplusTransform();
    case "Softmax": return new T.SoftmaxTransform();
    case "StickBreaking": return new T.StickBreakingTransform();
    case "LowerCholesky": return new T.LowerCholeskyTransform();
    case "CorrCholesky": return new T.CorrCholeskyTransform();
    case "Reshape": return new T.ReshapeTransform(n(a.inShape) as unknown as number[], n(a.outShape) as unknown as number[]);
    case "Independent": return new T.IndependentTransform(new T.SoftplusTransform(), n(a.n));
    case "Cat": return n(a.dim) === -1
      ? new T.CatTransform([new T.ExpTransform(), new T.AffineTransform(1, 3)], -1, [2, 3])
      : new T.CatTransform([new T.ExpTransform(), new T.SoftplusTransform()], 0, [1, 2]);
    case "Stack": return new T.StackTransform([new T.ExpTransform(), new T.AffineTransform(0.5, 2)], n(a.dim));
    case "CumulativeDistribution": return new T.CumulativeDistributionTransform(new D.Normal(fx.tensor(0.5, { dtype: "float64" }), 2));
    case "Compose": return new T.ComposeTransform([new T.AffineTransform(0.5, 2), new T.StickBreakingTransform()]);
  }
  throw new Error(`unknown transform ${kind}`);
}

for (const c of FIX.transforms) {
  test(`${c.kind}Transform: forward, inverse, log|det J| and shapes match PyTorch`, () => {
    const t = makeTransform(c.kind, c.args);
    const x = f64(c.x);
    const y = t.forward(x);
    close(y, c.y, `${c.kind}.forward`);
    close(t.inverse(y), c.inv, `${c.kind}.inverse`);
    if (c.ldj) close(t.logAbsDetJacobian(x, y), c.ldj, `${c.kind}.logAbsDetJacobian`);
    assert.deepEqual(t.forwardShape(c.x.shape), c.forwardShape, "forwardShape");
    assert.deepEqual(t.inverseShape(c.y.shape), c.inverseShape, "inverseShape");
  });
}

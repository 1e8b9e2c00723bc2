/**
 * tensordot, trapezoid / trapz / cumulativeTrapezoid, gradient, pdist, histogram, unravelIndex
 * and the top-level cosineSimilarity / pairwiseDistance against PyTorch
 * (test/fixtures/numeric_extra_torch.json: values, gradients of float64 cases, refusals),
 * gradcheck where the op is differentiable, and the messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, ShapeError, autograd, randn, tensor } from "../../src/index.js";
import { loadFixture, runCase, signatureMismatches } from "../fixtures/op_cases.js";

const FIX = loadFixture("numeric_extra_torch.json");
const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));

for (const op of ["tensordot", "trapezoid", "trapz", "cumulativeTrapezoid", "gradient", "pdist", "histogram", "cosineSimilarity", "pairwiseDistance"]) {
  test(`${op}: every PyTorch 1.13 case (values, gradients, refusals; non-contiguous too)`, () => {
    const cases = FIX.cases.filter((c) => c.op === op);
    assert.ok(cases.length >= 2, `${op}: ${cases.length} cases`);
    cases.forEach((c, i) => runCase(c, i));
  });
}

test("unravelIndex: PyTorch 2.2's coordinates (int64, indices' shape, negative indices wrap)", () => {
  for (const c of (FIX as unknown as { unravel: { indices: number[]; ishape: number[]; shape: number[]; out: number[][] }[] }).unravel) {
    const idx = tensor(c.indices.map(BigInt)).reshape(c.ishape);
    const r = fx.unravelIndex(idx, c.shape);
    assert.equal(r.length, c.shape.length);
    r.forEach((t, d) => {
      assert.equal(t.dtype, "int64");
      assert.deepEqual(t.shape, c.ishape);
      assert.deepEqual(t.reshape(-1).tolist().map(Number), c.out[d]);
    });
  }
  assert.deepEqual(fx.unravelIndex(tensor([5], { dtype: "int32" }), [2, 3]).map((t) => t.tolist().map(Number)), [[1], [2]]);
  is(() => fx.unravelIndex(tensor([1.5]), [2]), DTypeError, /^unravelIndex: expected 'indices' to be integer dtype, but got float32$/);
  is(() => fx.unravelIndex(tensor([1n]), [2, -1]), ArgumentError, /^unravelIndex: 'shape' cannot have negative values, but got \[2, -1\]$/);
});

test("tensordot, trapezoid, cumulativeTrapezoid, gradient, pdist: gradcheck in float64", () => {
  const a = randn([3, 4], { dtype: "float64", requiresGrad: true }), b = randn([4, 2], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((x, y) => fx.tensordot(x, y, 1), [a, b]));
  const x = tensor([0, 0.5, 1.5, 4], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((y, xs) => fx.trapezoid(y, xs), [a, x]));
  assert.ok(autograd.gradcheck((y, xs) => fx.cumulativeTrapezoid(y, xs), [a, x]));
  assert.ok(autograd.gradcheck((y) => fx.gradient(y, { edgeOrder: 2 })[1]!, [a]));
  assert.ok(autograd.gradcheck((y) => fx.pdist(y, 3), [randn([4, 3], { dtype: "float64", requiresGrad: true })]));
});

test("histogram: the method form, counts that add up, and the messages", () => {
  const x = fx.rand(1000, { dtype: "float64" });
  const [hist, edges] = x.histogram(10);
  assert.equal(hist.sum().item(), 1000);
  assert.deepEqual(edges.shape, [11]);
  const r = fx.histogram(x, 4, { range: [0, 1], density: true });
  assert.ok(Math.abs((r.hist.mul(0.25).sum().item() as number) - 1) < 1e-12);
  is(() => fx.histogram(x, 0), ArgumentError, /^histogram: torch.histogram\(\): bins must be > 0, but got 0$/);
  is(() => fx.histogram(x, 3, { range: [0, 1, 2] }), ArgumentError, /range must be \[min, max\]/);
  is(() => fx.histogram(x, 3, { weight: fx.ones(5, { dtype: "float64" }) }), ShapeError, /same shape as the input tensor \(input \[1000\], weight \[5\]\)/);
  is(() => fx.histogram(x, 3, { weight: fx.ones(1000) }), DTypeError, /same dtype, but got input float64 and weight float32/);
  is(() => fx.histogram(x, tensor([[0, 1]], { dtype: "float64" })), ShapeError, /one dimension/);
});

test("tensordot, trapezoid, gradient, pdist: messages name the op and what was wrong", () => {
  is(() => fx.tensordot(fx.zeros(2, 3), fx.zeros(3, 2), "x" as never), ArgumentError, /^tensordot: dims must be an int or a pair of dim lists/);
  is(() => fx.tensordot(fx.zeros(2, 3), fx.zeros(3, 2), 3), ShapeError, /^tensordot: dims \(3\) must not exceed/);
  is(() => fx.tensordot(fx.zeros(2, 3), fx.zeros(3, 3), [[1, 1], [0, 1]]), ArgumentError, /appears multiple times/);
  is(() => fx.trapezoid(fx.tensor([true, false])), DTypeError, /^trapezoid: expected a numeric tensor y, got bool$/);
  is(() => fx.gradient(fx.zeros(3), { spacing: [fx.zeros(2)] }), ShapeError, /^gradient: torch.gradient expected each tensor in spacing to be 1-D with one coordinate per element/);
  is(() => fx.gradient(fx.zeros(3), { dim: [0, 0] }), ArgumentError, /appears multiple times/);
  is(() => fx.pdist(fx.zeros(3, 2, { dtype: "int32" })), DTypeError, /^pdist: pdist only supports floating-point dtypes/);
});

test("pdist, histogram, gradient, cosineSimilarity, pairwiseDistance: PyTorch's signatures", () => {
  assert.deepEqual(signatureMismatches(FIX, {
    // histogram's bins default (100) is native_functions.yaml's (the docstring shows it required); out= is not supported
    histogram: { omit: ["out"], defaults: { bins: 100 } },
  }), []);
});

test("gradient: a 0-d tensor spacing is used without a host read; bad spacings are ArgumentErrors", () => {
  const y = tensor([1, 4, 9, 16], { dtype: "float64" });
  assert.deepEqual(fx.gradient(y, { spacing: tensor(2, { dtype: "float64" }) })[0]!.tolist(), fx.gradient(y, { spacing: 2 })[0]!.tolist());
  is(() => fx.gradient(y, { spacing: "x" as never }), ArgumentError, /^gradient: spacing must be a number, a 0-d tensor, or a list of numbers or coordinate tensors \(one per dim\), got string "x"$/);
  is(() => fx.gradient(y, { spacing: [NaN] }), ArgumentError, /^gradient: spacing must be/);
  is(() => fx.gradient(y, { spacing: [{}] as never }), ArgumentError, /^gradient: spacing must be/);
});

test("tensordot: dims as a tensor (an int, or a [2, k] pair of dim lists) as PyTorch accepts them", () => {
  const a = randn([3, 4, 5], { dtype: "float64" }), b = randn([4, 5, 2], { dtype: "float64" });
  const want = fx.tensordot(a, b, 2).tolist();
  assert.deepEqual(fx.tensordot(a, b, tensor(2n)).tolist(), want);
  assert.deepEqual(fx.tensordot(a, b, tensor([[1n, 2n], [0n, 1n]])).tolist(), want);
  assert.deepEqual(fx.tensordot(a, b, { dims: [[1, 2], [0, 1]] }).tolist(), want);
});

test("nn.functional.pdist is torch.pdist (PyTorch has both)", () => {
  const x = tensor([[0, 0], [3, 4], [6, 8]]);
  assert.deepEqual(fx.nn.functional.pdist(x).tolist(), [5, 10, 5]);
  assert.deepEqual(fx.nn.functional.pdist(x, { p: 1 }).tolist(), [7, 14, 7]);
});

test("dist (torch.dist and Tensor.dist): the p-norm of the broadcast difference, PyTorch 1.13's values; gradient 0 at equal inputs; F.pdist is torch.pdist", () => {
  const a = tensor([[1, -2, 0.5]]), b = tensor([[0.5], [1]]);
  // torch.dist(a, b, p) for p in 0, 1, 2, 3, inf, -inf, 0.5 (PyTorch 1.13, float32)
  const want: [number, number][] = [[0, 4], [1, 6.5], [2, 3.9686269760131836], [3, 3.500000238418579], [Infinity, 3], [-Infinity, 0], [0.5, 22.34834098815918]];
  for (const [p, v] of want) {
    assert.ok(Math.abs(fx.dist(a, b, p).item() - v) <= 1e-5 * Math.max(1, v), `p=${p}: ${fx.dist(a, b, p).item()} vs ${v}`);
    assert.equal(a.dist(b, { p }).item(), fx.dist(a, b, p).item());
  }
  assert.deepEqual(fx.dist(a, b).shape, []);
  const x = fx.zeros([3], { dtype: "float64", requiresGrad: true });
  fx.dist(x, fx.zeros([3], { dtype: "float64" })).backward();
  assert.deepEqual(x.grad!.tolist(), [0, 0, 0]);
  const y = randn([2, 3], { dtype: "float64" }).requiresGrad_(), z = randn([3], { dtype: "float64" }).requiresGrad_();
  assert.equal(autograd.gradcheck((u: fx.Tensor, v: fx.Tensor) => fx.dist(u, v, 3), [y, z]), true);
  assert.equal(fx.dist(fx.ones([3], { dtype: "float64" }), fx.ones([3])).dtype, "float64");
  is(() => fx.dist(fx.ones([3], { dtype: "int64" }), fx.ones([3], { dtype: "int64" })), DTypeError, /dist: .*input dtype should be either floating point or complex. Got int64 instead/);
  is(() => fx.dist(fx.ones([3]), fx.ones([4])), ShapeError, /3.*4|4.*3/);
});

// pdist is cdist of the input with itself, whose diagonal distances are 0: the gradient's
// masked 0/0 there must not leak NaN into the second derivative (PyTorch 1.13 refuses it)
test("pdist has finite second derivatives (gradgradcheck) for p = 2, 3 and 0.5", () => {
  for (const p of [2, 3, 0.5]) {
    const x = randn([4, 3], { dtype: "float64", requiresGrad: true });
    assert.ok(autograd.gradgradcheck((y) => fx.pdist(y, p), [x]), `p=${p}`);
  }
});

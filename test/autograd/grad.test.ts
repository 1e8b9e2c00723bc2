/** autograd.grad, higher-order gradients, grad mode and detach. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, autograd, enableGrad, isGradEnabled, noGrad, setGradEnabled, tensor, withGradEnabled } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

const f64 = { dtype: "float64" as const, requiresGrad: true };

test("grad returns gradients without touching .grad", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const [g] = autograd.grad(x.mul(x).sum(), x);
  assert.deepEqual(g!.tolist(), [2, 4, 6]);
  assert.equal(x.grad, null);
  assert.equal(g!.requiresGrad, false);
});

test("grad with gradOutputs for non-scalar outputs, several inputs and outputs", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4], { requiresGrad: true });
  const y1 = a.mul(b), y2 = a.add(b);
  const [ga, gb] = autograd.grad([y1, y2], [a, b], { gradOutputs: [tensor([1, 10]), tensor([100, 1000])] });
  // dy1/da = b, dy1/db = a, dy2/d* = 1
  assert.deepEqual(ga!.tolist(), [1 * 3 + 100, 10 * 4 + 1000]);
  assert.deepEqual(gb!.tolist(), [1 * 1 + 100, 10 * 2 + 1000]);
  assert.throws(() => autograd.grad(y1, a), /grad can be implicitly created only for scalar outputs/);
  // a single tensor as gradOutputs
  const [g1] = autograd.grad(a.mul(3), a, { gradOutputs: tensor([1, 2]) });
  assert.deepEqual(g1!.tolist(), [3, 6]);
});

test("grad with respect to a non-leaf stops there", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3);
  const [gh] = autograd.grad(h.mul(h).sum(), h);
  assert.deepEqual(gh!.tolist(), [6, 12]);
  assert.equal(x.grad, null);
});

test("allowUnused: unused inputs give null instead of an error", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const z = tensor([5], { requiresGrad: true });
  const y = x.sum();
  assert.throws(() => autograd.grad(y, [x, z], { retainGraph: true }), (e: Error) => e instanceof AutogradError && /input 1 appears to not have been used in the graph.*allowUnused: true/.test(e.message));
  const [gx, gz] = autograd.grad(y, [x, z], { allowUnused: true });
  assert.deepEqual(gx!.tolist(), [1, 1]);
  assert.equal(gz, null);
  assert.throws(() => autograd.grad(y, tensor([1])), /input 0 \(shape \[1\]\) does not require grad/);
  assert.throws(() => autograd.grad(tensor([1]).sum(), x), /does not require grad and does not have a gradFn/);
});

test("grad frees the graph unless retainGraph", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  autograd.grad(y, x, { retainGraph: true });
  autograd.grad(y, x);
  assert.throws(() => autograd.grad(y, x), /backward through the graph a second time/);
});

test("grad does not run nodes that cannot reach the inputs", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const w = tensor([3, 4], { requiresGrad: true });
  let calls = 0;
  const h = x.mul(w);
  w.registerHook(() => void calls++);
  const [gh] = autograd.grad(h.sum(), h);
  assert.deepEqual(gh!.tolist(), [1, 1]);
  assert.equal(calls, 0, "MulBackward0 (behind the input) must not run");
});

test("createGraph: d2/dx2 of x^3 is 6x and d3/dx3 is 6", () => {
  const x = tensor([1, 2, -3], f64);
  const [g1] = autograd.grad(x.pow(3).sum(), x, { createGraph: true });
  assertClose(g1!, [3, 12, 27]);
  assert.equal(g1!.requiresGrad, true);
  const [g2] = autograd.grad(g1!.sum(), x, { createGraph: true });
  assertClose(g2!, [6, 12, -18]);
  const [g3] = autograd.grad(g2!.sum(), x);
  assertClose(g3!, [6, 6, 6]);
});

test("createGraph through backward(): x.grad is differentiable", () => {
  const x = tensor([0.5, 1.5], f64);
  x.sin().mul(x).sum().backward(undefined, { createGraph: true });
  // d/dx (x sin x) = sin x + x cos x; its derivative: 2 cos x - x sin x
  const g = x.grad!;
  assertClose(g, [0.5, 1.5].map((v) => Math.sin(v) + v * Math.cos(v)));
  assert.equal(g.requiresGrad, true);
  const [h] = autograd.grad(g.sum(), x);
  assertClose(h!, [0.5, 1.5].map((v) => 2 * Math.cos(v) - v * Math.sin(v)));
});

test("Hessian-vector product of a quadratic form is (A + A^T) v", () => {
  const A = tensor([[1, 2], [3, 4]], { dtype: "float64" });
  const x = tensor([0.3, -0.7], f64);
  const v = tensor([1, 2], { dtype: "float64" });
  const f = x.matmul(A.matmul(x)); // x^T A x
  const [g] = autograd.grad(f, x, { createGraph: true });
  const [hv] = autograd.grad(g!, x, { gradOutputs: v });
  // (A + A^T) = [[2, 5], [5, 8]]
  assertClose(hv!, [2 * 1 + 5 * 2, 5 * 1 + 8 * 2]);
});

test("mixed second derivatives: d/dy (d/dx x^2 y^3) = 6 x y^2", () => {
  const x = tensor([2], f64), y = tensor([3], f64);
  const [gx] = autograd.grad(x.pow(2).mul(y.pow(3)).sum(), x, { createGraph: true });
  const [gxy] = autograd.grad(gx!.sum(), y);
  assertClose(gxy!, [6 * 2 * 9]);
});

test("double backward through views, broadcasting and reductions", () => {
  const x = randomTensor([3, 4], { seed: 3, requiresGrad: true });
  const fn = (t: typeof x) => t.t().mul(t.t()).sum(1).exp().mean();
  assert.equal(autograd.gradgradcheck(fn, [x]), true);
  const s = randomTensor([2, 3], { seed: 4, requiresGrad: true });
  assert.equal(autograd.gradgradcheck((t) => t.select(1, 1).narrow(0, 1, 1).mul(t.sum()), [s]), true);
});

test("noGrad, enableGrad and setGradEnabled control recording", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  assert.equal(isGradEnabled(), true);
  const y = noGrad(() => {
    assert.equal(isGradEnabled(), false);
    const inner = enableGrad(() => x.mul(2));
    assert.equal(inner.requiresGrad, true);
    return x.mul(2);
  });
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(isGradEnabled(), true);
  assert.equal(setGradEnabled(false), true);
  try {
    assert.equal(x.mul(3).requiresGrad, false);
  } finally {
    assert.equal(setGradEnabled(true), false);
  }
  assert.equal(withGradEnabled(false, () => x.exp()).requiresGrad, false);
  // the mode is restored even when the block throws
  assert.throws(() => noGrad(() => { throw new Error("boom"); }), /boom/);
  assert.equal(isGradEnabled(), true);
});

test("noGrad and enableGrad decorate methods, as PyTorch's @torch.no_grad() (each call runs in that mode, this and arguments kept)", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  class Gen {
    scale = 3;
    seen: boolean[] = [];
    @noGrad
    generate(t: typeof x, k: number) {
      this.seen.push(isGradEnabled());
      return t.mul(this.scale * k);
    }
    @enableGrad
    withGrad(t: typeof x) {
      this.seen.push(isGradEnabled());
      return t.mul(2);
    }
  }
  const g = new Gen();
  const y = g.generate(x, 2);
  assert.equal(y.requiresGrad, false);
  assert.deepEqual(y.tolist(), [6, 12]);
  assert.equal(isGradEnabled(), true);
  const z = noGrad(() => g.withGrad(x));
  assert.equal(z.requiresGrad, true);
  assert.deepEqual(g.seen, [false, true]);
  // the mode is restored when the method throws
  class Bad {
    @noGrad
    boom(): never {
      throw new Error("boom");
    }
  }
  assert.throws(() => new Bad().boom(), /boom/);
  assert.equal(isGradEnabled(), true);
  // other uses are ArgumentErrors naming the function
  assert.throws(() => noGrad(42 as never), /noGrad: expected a function to run \(noGrad\(\(\) => \.\.\.\)\), but got number 42/);
  assert.throws(() => (noGrad as (f: unknown, c: unknown) => unknown)(() => 1, { kind: "field" }), /noGrad: as a decorator it applies to methods .* with a field context/);
});

test("backward runs inside noGrad (the graph already exists)", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(x).sum();
  noGrad(() => y.backward());
  assert.deepEqual(x.grad!.tolist(), [2, 4]);
});

test("detach shares storage but cuts the graph; detach_ makes a leaf", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  const d = y.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.isLeaf, true);
  assert.equal(d.storage, y.storage);
  noGrad(() => d.add_(1));
  assert.deepEqual(y.tolist(), [3, 5], "writes through detach are seen by the original");
  assert.equal(y.version, 1, "they share the version counter");
  // an in-place op on the detached tensor does not rewrite y's history
  const w = tensor([1, 1], { requiresGrad: true });
  d.add_(w);
  assert.equal(d.gradFn!.name, "AddBackward0");
  assert.equal(y.gradFn!.name, "MulBackward0");

  const z = x.mul(3);
  assert.equal(z.detach_(), z);
  assert.equal(z.isLeaf, true);
  assert.equal(z.requiresGrad, false);
  assert.throws(() => x.mul(1).view(2).detach_(), /can't detach views in-place. Use detach\(\) instead/);
});

test("autograd.backward is the functional form of tensor.backward", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  autograd.backward(x.mul(x), tensor([1, 1]));
  assert.deepEqual(x.grad!.tolist(), [2, 4]);
});

test("autograd.backward takes several tensors and their gradients (null for a scalar), summed in one pass, as torch.autograd.backward", () => {
  const v = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  autograd.backward([v.sum(), v.pow(2).sum()], [null, null]);
  assert.deepEqual(v.grad!.tolist(), [3, 5]);
  v.grad = null;
  autograd.backward([v.sum(), v.pow(2).sum()]);
  assert.deepEqual(v.grad!.tolist(), [3, 5]);
  v.grad = null;
  autograd.backward([v.mul(2), v.pow(2).sum()], [tensor([1, 1], { dtype: "float64" }), null]);
  assert.deepEqual(v.grad!.tolist(), [4, 6]);
  v.grad = null;
  autograd.backward(v.pow(2), tensor([1, 3], { dtype: "float64" }), { createGraph: true });
  assert.deepEqual(v.grad!.tolist(), [2, 12]);
  assert.equal(v.grad!.requiresGrad, true);
  const w = tensor([3], { requiresGrad: true });
  v.grad = null;
  autograd.backward(v.sum().mul(w).sum(), null, { inputs: [w] });
  assert.equal(v.grad, null);
  assert.deepEqual(w.grad!.tolist(), [3]);
  autograd.backward([]); // nothing to do, as in PyTorch
  // PyTorch's messages
  assert.throws(() => autograd.backward([v.sum(), v.sum()], [null]), (e: Error) => e instanceof AutogradError && /got 2 tensors and 1 gradients/.test(e.message));
  assert.throws(() => autograd.backward([v.sum(), tensor([1])]), (e: Error) => e instanceof AutogradError && /element 1 of tensors does not require grad/.test(e.message));
  assert.throws(() => autograd.backward([v.mul(2)]), (e: Error) => e instanceof AutogradError && /grad can be implicitly created only for scalar outputs/.test(e.message));
  assert.throws(() => autograd.backward(v.sum(), v.sum(), { gradVariables: v.sum() }), /gradTensors and gradVariables/);
});

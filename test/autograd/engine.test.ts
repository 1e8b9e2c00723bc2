/** The backward engine seen from Tensor: leaves, .grad accumulation, hooks, retainGrad, graph reuse. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, DTypeError, ShapeError, Tensor, ones, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";

test("leaves are user tensors; ops on a requiring-grad input give non-leaves with a named gradFn", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const c = tensor([4, 5, 6]);
  assert.equal(x.isLeaf, true);
  assert.equal(x.gradFn, null);
  assert.equal(c.isLeaf, true);
  assert.equal(c.requiresGrad, false);
  const y = x.mul(c);
  assert.equal(y.requiresGrad, true);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn!.name, "MulBackward0");
  assert.equal(y.add(1).gradFn!.name, "AddBackward0");
  assert.equal(y.sum().gradFn!.name, "SumBackward0");
  assert.equal(y.exp().gradFn!.name, "ExpBackward0");
  // no input requires grad: no graph
  const z = c.mul(2);
  assert.equal(z.requiresGrad, false);
  assert.equal(z.gradFn, null);
});

test("integer and bool tensors never require grad", () => {
  const i = tensor([1, 2], { dtype: "int32" });
  assert.throws(() => i.requiresGrad_(), (e: Error) => e instanceof DTypeError && /only tensors of floating point dtype can require gradients, got int32/.test(e.message));
  assert.throws(() => tensor([true, false]).requiresGrad_(), DTypeError);
  assert.equal(i.requiresGrad, false);
  // integer results of differentiable inputs carry no history
  const x = tensor([1.5, -2.5], { requiresGrad: true });
  const r = x.gt(0);
  assert.equal(r.dtype, "bool");
  assert.equal(r.requiresGrad, false);
  const n = x.int();
  assert.equal(n.requiresGrad, false);
  assert.equal(n.gradFn, null);
});

test("requiresGrad_ toggles leaves; non-leaves can only stay requiring grad", () => {
  const x = tensor([1, 2]);
  assert.equal(x.requiresGrad_(), x);
  assert.equal(x.requiresGrad, true);
  x.requiresGrad = false;
  assert.equal(x.requiresGrad, false);
  const y = tensor([1, 2], { requiresGrad: true }).mul(2);
  assert.equal(y.requiresGrad_(true), y);
  assert.throws(() => y.requiresGrad_(false), /you can only change requiresGrad of leaf tensors.*detach\(\)/);
});

test(".grad accumulates across two backward calls", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
  const first = x.grad!;
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [5, 7, 9]);
  assert.equal(x.grad, first, "accumulated in place into the same tensor");
  assert.equal(x.grad!.requiresGrad, false);
});

test("gradients of two leaves are independent tensors (z = x + y)", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = tensor([3, 4], { requiresGrad: true });
  x.add(y).sum().backward();
  assert.notEqual(x.grad!.storage, y.grad!.storage);
  x.grad!.mul_(10);
  assert.deepEqual(y.grad!.tolist(), [1, 1]);
  assert.deepEqual(x.grad!.tolist(), [10, 10]);
  // a second backward accumulates into each separately
  x.add(y).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [11, 11]);
  assert.deepEqual(y.grad!.tolist(), [2, 2]);
});

test("a gradient passed to backward is never aliased by .grad", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const g = tensor([5, 6]);
  x.mul(1).backward(g);
  assert.deepEqual(x.grad!.tolist(), [5, 6]);
  assert.notEqual(x.grad!.storage, g.storage);
  x.mul(1).backward(g);
  assert.deepEqual(g.tolist(), [5, 6], "accumulation must not write into the caller's gradient");
  assert.deepEqual(x.grad!.tolist(), [10, 12]);
});

test("createGraph gradients of two leaves are not aliased either", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = tensor([3, 4], { requiresGrad: true });
  x.add(y).sum().backward(undefined, { createGraph: true });
  assert.notEqual(x.grad, y.grad);
  assert.notEqual(x.grad!.storage, y.grad!.storage);
});

test("a broadcast gradient is stored contiguous", () => {
  const x = tensor([[1, 2, 3]], { requiresGrad: true });
  x.expand(4, 3).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[4, 4, 4]]);
  const s = tensor([1, 2, 3], { requiresGrad: true });
  s.sum().backward();
  assert.equal(s.grad!.isContiguous(), true);
  assert.deepEqual(s.grad!.stride(), [1]);
});

test("backward on a non-scalar needs a gradient of the output's shape", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x);
  assert.throws(() => y.backward(), (e: Error) => e instanceof AutogradError && /grad can be implicitly created only for scalar outputs.*shape \[3\]/.test(e.message));
  assert.throws(() => y.backward(ones([2])), (e: Error) => e instanceof ShapeError && /mismatch in shape: grad_output\[0\] has a shape of \[2\] and output\[0\] has a shape of \[3\]/.test(e.message));
  y.backward(tensor([1, 0.5, -1]));
  assert.deepEqual(x.grad!.tolist(), [2, 2, -6]);
});

test("a one-element non-0-d output gets an implicit gradient of ones", () => {
  const x = tensor([3], { requiresGrad: true });
  x.mul(x).backward();
  assert.deepEqual(x.grad!.tolist(), [6]);
});

test("backward on a tensor that does not require grad raises", () => {
  assert.throws(() => tensor([1, 2]).sum().backward(), (e: Error) => e instanceof AutogradError && /does not require grad and does not have a gradFn/.test(e.message));
});

test("backward on a leaf accumulates the gradient itself", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  x.backward(tensor([3, 4]));
  assert.deepEqual(x.grad!.tolist(), [3, 4]);
});

test("backward through the graph a second time raises unless retainGraph", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assertClose(x.grad!, [2 * Math.E, 2 * Math.exp(2)]);
  assert.throws(() => y.backward(), (e: Error) => e instanceof AutogradError && /ExpBackward0: trying to backward through the graph a second time.*retainGraph: true/.test(e.message));
});

test("a graph without saved tensors can be walked again (as in PyTorch)", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.add(1).sum();
  y.backward();
  y.backward();
  assert.deepEqual(x.grad!.tolist(), [2, 2]);
});

test("a shared subexpression receives the sum of its gradients once", () => {
  const x = tensor([2], { requiresGrad: true });
  const a = x.mul(3);
  const y = a.mul(a).add(a); // y = 9x^2 + 3x, dy/dx = 18x + 3
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [39]);
});

test("a deep chain backpropagates without recursion limits", () => {
  const x = tensor([1], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 20000; i++) y = y.add(1);
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [1]);
});

test("retainGrad keeps .grad on a non-leaf and accumulates it; others keep none", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(2);
  const z = y.mul(y);
  y.retainGrad();
  assert.equal(y.retainsGrad, true);
  z.sum().backward(undefined, { retainGraph: true });
  assert.deepEqual(y.grad!.tolist(), [4, 8]);
  assert.equal(z.grad, null);
  z.sum().backward();
  assert.deepEqual(y.grad!.tolist(), [8, 16]);
  assert.deepEqual(x.grad!.tolist(), [16, 32]);
  assert.notEqual(y.grad!.storage, x.grad!.storage);
  // leaves always keep grad; retainGrad on them is a no-op
  x.retainGrad();
  assert.equal(x.retainsGrad, false);
  assert.throws(() => tensor([1]).retainGrad(), /can't retain grad on a tensor that doesn't require grad/);
});

test("a retained gradient is not aliased with the leaf it flows into", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const v = x.view(2, 1);
  v.retainGrad();
  v.sum().backward();
  assert.notEqual(v.grad!.storage, x.grad!.storage);
  v.grad!.zero_();
  assert.deepEqual(x.grad!.tolist(), [1, 1]);
});

test("hooks on non-leaves see and may replace the gradient", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(3);
  const seen: number[][] = [];
  y.registerHook((g) => {
    seen.push(g.tolist());
  });
  y.registerHook((g) => g.mul(10));
  y.sum().backward();
  assert.deepEqual(seen, [[1, 1]]);
  assert.deepEqual(x.grad!.tolist(), [30, 30]);
});

test("hooks on leaves run before accumulation; removing a hook stops it", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const remove = x.registerHook((g) => g.mul(2));
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [4, 8]);
  remove();
  x.grad = null;
  x.mul(x).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2, 4]);
  assert.throws(() => tensor([1]).registerHook(() => {}), /cannot register a hook on a tensor that doesn't require gradient/);
});

test("retainGrad keeps the gradient as the hooks registered before it left it (PyTorch 1.13's order)", () => {
  // PyTorch 1.13: retain_grad() is a hook in registration order (2.x runs it after every hook)
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(1);
  y.retainGrad();
  y.registerHook((g) => g.mul(5));
  y.sum().backward();
  assert.deepEqual(y.grad!.tolist(), [1, 1]);
  assert.deepEqual(x.grad!.tolist(), [5, 5]);
  const a = tensor([1, 2], { requiresGrad: true });
  const b = a.mul(1);
  b.registerHook((g) => g.mul(5));
  b.retainGrad();
  b.retainGrad(); // twice: no second copy
  b.sum().backward();
  assert.deepEqual(b.grad!.tolist(), [5, 5]);
  assert.deepEqual(a.grad!.tolist(), [5, 5]);
});

test("backward({ inputs }) accumulates only into the given tensors", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4], { requiresGrad: true });
  const y = a.mul(b).sum();
  y.backward(undefined, { inputs: [a], retainGraph: true });
  assert.deepEqual(a.grad!.tolist(), [3, 4]);
  assert.equal(b.grad, null);
  // a non-leaf input gets its .grad, and nothing flows past it
  const h = a.mul(2);
  h.mul(b).sum().backward(undefined, { inputs: [h] });
  assert.deepEqual(h.grad!.tolist(), [3, 4]);
  assert.deepEqual(a.grad!.tolist(), [3, 4], "a is behind h: untouched");
  assert.throws(() => y.backward(undefined, { inputs: [] }), /inputs option cannot be empty/);
  assert.throws(() => y.backward(undefined, { inputs: [tensor([1])] }), /input 0 \(shape \[1\]\) does not require grad/);
});

test("gradients of float32 and float64 leaves keep their dtype", () => {
  const x = tensor([1, 2], { requiresGrad: true, dtype: "float64" });
  const w = tensor([3, 4], { requiresGrad: true });
  x.mul(w).sum().backward();
  assert.equal(x.grad!.dtype, "float64");
  assert.equal(w.grad!.dtype, "float32");
  assert.deepEqual(x.grad!.tolist(), [3, 4]);
  assert.deepEqual(w.grad!.tolist(), [1, 2]);
});

test("an unused output of a multi-output op gets a zero gradient, and zero-size tensors work", () => {
  const x = tensor([[1, 5], [7, 3]], { requiresGrad: true });
  const [a, b] = x.unbind(0);
  a!.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[1, 1], [0, 0]]);
  void b;
  const e = zeros([0, 3], { requiresGrad: true });
  e.sum().backward();
  assert.deepEqual(e.grad!.shape, [0, 3]);
});

test("the engine runs each node once even with many paths (diamond)", () => {
  const x = tensor([1], { requiresGrad: true });
  let y: Tensor = x;
  // 30 doublings of a diamond: 2^30 paths, linear work
  for (let i = 0; i < 30; i++) y = y.add(y);
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2 ** 30]);
});

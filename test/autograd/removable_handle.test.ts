/**
 * Hook registrations return PyTorch's RemovableHandle shape: `h = x.register_hook(fn)` ...
 * `h.remove()` translates line by line (the handle is also callable, as before).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, tensor, ones, type Tensor } from "../../src/index.js";

test("Tensor.registerHook returns a handle whose remove() takes the hook out", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const h = a.registerHook((g: Tensor) => g.mul(100));
  a.sum().backward();
  assert.deepEqual(a.grad!.tolist(), [100, 100]);
  h.remove();
  h.remove(); // twice is harmless, as in PyTorch
  a.grad = null;
  a.sum().backward();
  assert.deepEqual(a.grad!.tolist(), [1, 1]);
});

test("a hook on a non-leaf is removed by its handle; calling the handle also removes it", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = a.mul(2);
  const h = b.registerHook((g: Tensor) => g.add(1));
  h();
  b.mul(3).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [6, 6]);
});

test("Module.registerForwardHook / registerForwardPreHook handles have remove()", () => {
  const m = new nn.Linear(2, 1);
  let calls = 0;
  const h1 = m.registerForwardHook(() => void calls++);
  const h2 = m.registerForwardPreHook(() => void calls++);
  m.call(ones([1, 2])); // model(x): hooks run on a call, not on forward() itself
  assert.equal(calls, 2);
  h1.remove();
  h2.remove();
  m.call(ones([1, 2])); // model(x): hooks run on a call, not on forward() itself
  assert.equal(calls, 2);
});

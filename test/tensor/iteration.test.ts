/**
 * Iterating a tensor (Tensor[Symbol.iterator]), as Python's `for row in t`, `a, b = t`,
 * `list(t)` and `zip(t, ...)`: the slices along dim 0 (unbind(0)), views that carry gradients;
 * a 0-d tensor refuses, as torch's "iteration over a 0-d tensor". APIs that take "a Tensor or
 * an iterable of Tensors" still treat a Tensor as one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, Tensor, arange, nn, optim, tensor, zeros } from "../../src/index.js";

test("for...of, spread, destructuring and Array.from walk dim 0 as Python's iteration", () => {
  const x = arange(6).reshape(3, 2);
  const rows: number[][] = [];
  for (const r of x) rows.push(r.tolist() as number[]);
  assert.deepEqual(rows, [[0, 1], [2, 3], [4, 5]]);
  const [a, , c] = x;
  assert.deepEqual([a!.tolist(), c!.tolist()], [[0, 1], [4, 5]]);
  assert.deepEqual([...x.T].map((t) => t.tolist()), [[0, 2, 4], [1, 3, 5]]);
  // 1-D gives 0-d tensors; an empty dim 0 gives nothing (list(torch.zeros(0, 3)) == [])
  const items = Array.from(tensor([7, 8]));
  assert.deepEqual(items.map((t) => [t.shape.length, t.item()]), [[0, 7], [0, 8]]);
  assert.deepEqual([...zeros([0, 3])], []);
  // the slices are views of x
  assert.ok([...x].every((r) => r.storage === x.storage));
});

test("the rows carry gradients back to the tensor (a, b = x; (a + 10 b).sum().backward())", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const [a, b] = x;
  a!.add(b!.mul(10)).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[1, 1], [10, 10]]);
});

test("iterating a 0-d tensor raises, as PyTorch's TypeError", () => {
  assert.throws(() => [...tensor(3)], (e: unknown) => e instanceof ArgumentError && /iteration over a 0-d tensor/.test((e as Error).message));
  assert.throws(() => {
    for (const _ of tensor(1.5)) void _;
  }, /iteration over a 0-d tensor/);
});

test("a single Tensor where an iterable of tensors is accepted stays one tensor", () => {
  const p = new nn.Parameter(zeros([3, 2]));
  p.grad = tensor([[3, 0], [0, 0], [4, 0]]);
  // clip_grad_norm_(tensor, ...) clips that one tensor, not its rows
  assert.equal(nn.utils.clipGradNorm_(p, 1).item(), 5);
  // optimizers refuse a lone Tensor (PyTorch: TypeError "params argument given to the optimizer should be an iterable of Tensors")
  assert.throws(() => new optim.SGD(p as never, { lr: 0.1 }), /single Tensor/);
});

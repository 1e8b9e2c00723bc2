/**
 * broadcastTo (torch.broadcast_to / Tensor.broadcast_to) and broadcastTensors
 * (torch.broadcast_tensors): views expanded to a broadcast shape, with expand's rules and
 * gradients summed back to each input's shape. PyTorch 1.13:
 *   torch.broadcast_to(torch.tensor([1, 2, 3]), (2, 3)) -> [[1, 2, 3], [1, 2, 3]]
 *   a, b = torch.broadcast_tensors(torch.zeros(2, 1), torch.zeros(3)); a.shape, b.shape -> (2, 3), (2, 3)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

test("broadcastTo expands as PyTorch, shares storage and sums gradients back", () => {
  const x = fx.tensor([1, 2, 3], { requiresGrad: true });
  const y = fx.broadcastTo(x, [2, 3]);
  assert.deepEqual(y.tolist(), [[1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(x.broadcastTo([2, -1]).shape, [2, 3]);
  y.mul(fx.tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [5, 7, 9]);
  const base = fx.zeros(1, 2);
  base.broadcastTo([3, 2]).index(0).fill_(7); // a view: writes reach the base
  assert.deepEqual(base.tolist(), [[7, 7]]);
  assert.throws(() => fx.tensor([1, 2]).broadcastTo([3]), (e) => e instanceof fx.ShapeError && /expanded size of the tensor \(3\) must match the existing size \(2\)/.test(e.message));
});

test("broadcastTensors expands every input to the common shape", () => {
  const [a, b, c] = fx.broadcastTensors(fx.zeros(2, 1), fx.ones(3), fx.tensor(5));
  assert.deepEqual([a!.shape, b!.shape, c!.shape], [[2, 3], [2, 3], [2, 3]]);
  assert.deepEqual(c!.tolist(), [[5, 5, 5], [5, 5, 5]]);
  assert.equal(fx.broadcastTensors([fx.zeros(4)]).length, 1);
  assert.throws(() => fx.broadcastTensors(fx.zeros(2), fx.zeros(3)), (e) => e instanceof fx.ShapeError && /^broadcastTensors: shapes \[2\] and \[3\] cannot be broadcast together/.test(e.message));
});

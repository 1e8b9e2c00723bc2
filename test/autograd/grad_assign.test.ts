/**
 * Assigning `t.grad` checks what PyTorch checks (`p.grad = g` raises "assigned grad has data
 * of a different size" / "... of a different type"), so a wrongly shaped gradient fails at the
 * assignment rather than later inside an optimizer step or a backward accumulation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, ones, zeros, ArgumentError, DTypeError, ShapeError } from "../../src/index.js";

test("p.grad = g accepts a tensor of p's shape and dtype, or null", () => {
  const p = new nn.Parameter(ones([2, 2]));
  const g = zeros([2, 2]);
  p.grad = g;
  assert.equal(p.grad, g);
  p.grad = null;
  assert.equal(p.grad, null);
  p.grad = ones([2, 2]);
  p.sum().backward(); // accumulates into the assigned grad
  assert.deepEqual(p.grad.tolist(), [[2, 2], [2, 2]]);
});

test("p.grad = g refuses another shape, another dtype, or a non-tensor", () => {
  const p = new nn.Parameter(ones([2, 2]));
  assert.throws(() => (p.grad = zeros([3])), (e) => e instanceof ShapeError && /^grad: assigned grad has data of a different size \(grad shape \[3\], tensor shape \[2, 2\]\)$/.test(e.message));
  assert.throws(() => (p.grad = zeros([2, 2], { dtype: "float64" })), (e) => e instanceof DTypeError && /^grad: assigned grad has data of a different type \(grad float64, tensor float32\)$/.test(e.message));
  assert.throws(() => (p.grad = 5 as never), (e) => e instanceof ArgumentError && /assigned grad expected to be a Tensor or null but got number/.test(e.message));
  assert.equal(p.grad, null); // nothing half-changed
});

/**
 * Tensor.unfold(dimension, size, step) — sliding windows as a strided view — against
 * PyTorch 1.13 (test/fixtures/missing_ops_torch.json): values, strides, and the gradient
 * of overlapping, touching and gapped windows; gradcheck/gradgradcheck; 0-d and empty
 * windows; errors; and F.unfold staying im2col.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, ShapeError, arange, autograd, nn, tensor, zeros, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, gradsOf, type Enc } from "../fixtures/missing_ops.js";
import { nonContiguous, randomTensor } from "../helpers.js";

interface UnfoldCase { x: Enc; dim: number; size: number; step: number; out: Enc; strides: number[]; w?: Enc; grad?: Enc }

(MO.unfold as UnfoldCase[]).forEach((c) => {
  const what = `unfold(${c.dim}, ${c.size}, ${c.step}) of [${c.x.shape}]`;
  test(`Tensor.unfold matches PyTorch: ${what}`, () => {
    const x = fromEnc(c.x);
    const got = x.unfold(c.dim, c.size, c.step);
    assert.deepEqual(got.shape, c.out.shape);
    assert.deepEqual(got.strides, c.strides, "a view with PyTorch's strides");
    assert.equal(got.storage, x.storage);
    assertValues(got, decAll(c.out.v), { msg: what });
    assertValues(nonContiguous(x).unfold(c.dim, c.size, c.step), decAll(c.out.v), { msg: `${what} strided` });
    if (c.grad) {
      const [g] = gradsOf((a) => a.unfold(c.dim, c.size, c.step), [x], fromEnc(c.w!));
      assertValues(g, decAll(c.grad.v), { msg: `grad ${what}` });
    }
  });
});

test("Tensor.unfold gradients pass gradcheck and gradgradcheck (overlapping and gapped windows)", () => {
  const x = randomTensor([2, 7], { seed: 31, requiresGrad: true });
  for (const [size, step] of [[3, 1], [3, 2], [2, 3], [7, 1]] as const) {
    const f = (t: Tensor) => t.unfold(1, size, step);
    assert.ok(autograd.gradcheck(f, [x]), `${size} ${step}`);
    assert.ok(autograd.gradgradcheck(f, [x]), `gradgrad ${size} ${step}`);
  }
  assert.equal(x.unfold(1, 2, 1).gradFn?.name, "UnfoldBackward0");
});

test("Tensor.unfold of a 0-d tensor and with empty windows", () => {
  const s = tensor(3);
  assert.deepEqual(s.unfold(0, 1, 1).tolist(), [3]);
  assert.deepEqual(s.unfold(-1, 0, 1).shape, [0]);
  assert.deepEqual(arange(7).unfold(0, 0, 1).shape, [8, 0]);
  assert.deepEqual(zeros(0).unfold(0, 0, 1).shape, [1, 0]);
});

test("Tensor.unfold errors; F.unfold is still im2col", () => {
  const x = arange(7);
  assert.throws(() => x.unfold(0, 8, 2), (e: Error) => e instanceof ShapeError && /unfold: maximum size for tensor at dimension 0 is 7 but size is 8/.test(e.message));
  assert.throws(() => x.unfold(0, 3, 0), (e: Error) => e instanceof IndexError && /unfold: step is 0 but must be > 0/.test(e.message));
  assert.throws(() => x.unfold(0, -1, 1), (e: Error) => e instanceof ShapeError && /unfold: size is -1 but must be >= 0/.test(e.message));
  assert.throws(() => x.unfold(1, 2, 1), (e: Error) => e instanceof IndexError && /unfold: dimension 1 out of range/.test(e.message));
  assert.throws(() => tensor(3).unfold(0, 2, 1), /maximum size for tensor at dimension 0 is 1 but size is 2/);
  assert.deepEqual(nn.F.unfold(arange(16).float().reshape(1, 1, 4, 4), 2, { stride: 2 }).shape, [1, 4, 4]);
});

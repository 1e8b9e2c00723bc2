/**
 * diagonal, diag, diagEmbed and trace against PyTorch 1.13 (test/fixtures/missing_ops_torch.json):
 * offsets above, below and past the matrix, any pair of dims in either order, negative dims;
 * diagonal is a view (shares storage, writes reach the input, strides as PyTorch's), diag of
 * a matrix is a copy; gradients with gradcheck/gradgradcheck (each is the other's adjoint),
 * also through in-place writes into the view; errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, IndexError, ShapeError, arange, autograd, diag, diagEmbed, diagonal, tensor, trace, zeros, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, type Enc } from "../fixtures/missing_ops.js";
import { nonContiguous, randomTensor } from "../helpers.js";

interface DiagCase { x: Enc; offset?: number; dim1?: number; dim2?: number; diagonal?: number; out: Enc }

test("diagonal, diag, diagEmbed and trace match PyTorch", () => {
  for (const c of MO.diagonal as DiagCase[]) {
    const x = fromEnc(c.x), msg = `diagonal(${c.offset}, ${c.dim1}, ${c.dim2})`;
    const got = x.diagonal(c.offset!, c.dim1!, c.dim2!);
    assert.deepEqual(got.shape, c.out.shape, msg);
    assertValues(got, decAll(c.out.v), { msg });
    assertValues(diagonal(nonContiguous(x), c.offset, c.dim1, c.dim2), decAll(c.out.v), { msg: `${msg} strided` });
  }
  for (const c of MO.diag as DiagCase[]) {
    const got = diag(fromEnc(c.x), c.diagonal);
    assert.deepEqual(got.shape, c.out.shape, `diag ${c.diagonal}`);
    assertValues(got, decAll(c.out.v), { msg: `diag [${c.x.shape}] ${c.diagonal}` });
  }
  for (const c of MO.diagEmbed as DiagCase[]) {
    const got = fromEnc(c.x).diagEmbed(c.offset!, c.dim1!, c.dim2!);
    assert.deepEqual(got.shape, c.out.shape);
    assertValues(got, decAll(c.out.v), { msg: `diagEmbed(${c.offset}, ${c.dim1}, ${c.dim2})` });
  }
  for (const c of MO.trace as DiagCase[]) {
    const x = fromEnc(c.x), got = trace(x);
    // as PyTorch: an integer trace is a sum, so int64
    assert.equal(got.dtype, x.isFloatingPoint() ? x.dtype : "int64");
    assert.deepEqual(got.shape, []);
    assertValues(got, decAll(c.out.v), { msg: `trace [${c.x.shape}]` });
  }
});

test("diagonal is a view with PyTorch's strides; writes through it reach the input", () => {
  const x = arange(24).reshape(2, 3, 4);
  const d = x.diagonal(1, 1, 2); // shape [2, 3], strides [12, 5], offset 1
  assert.deepEqual(d.shape, [2, 3]);
  assert.deepEqual(d.strides, [12, 5]);
  assert.equal(d.offset, 1);
  assert.equal(d.storage, x.storage);
  d.fill_(-1);
  assert.deepEqual(x.select(0, 1).tolist(), [[12, -1, 14, 15], [16, 17, -1, 19], [20, 21, 22, -1]]);
  // below the main diagonal, and past the matrix: empty
  assert.deepEqual(x.diagonal(-2, 1, 2).tolist(), [[8], [20]]);
  assert.deepEqual(x.diagonal(4, 1, 2).shape, [2, 0]);
  assert.deepEqual(diag(arange(6).reshape(2, 3), -5).shape, [0]);
  // diag of a matrix is a copy
  const m = arange(4).reshape(2, 2), dm = diag(m);
  assert.notEqual(dm.storage, m.storage);
});

test("diagonal, diagEmbed, diag and trace gradients pass gradcheck and gradgradcheck", () => {
  const x = randomTensor([3, 4, 2], { seed: 21, requiresGrad: true });
  const v = randomTensor([2, 3], { seed: 22, requiresGrad: true });
  const m = randomTensor([3, 4], { seed: 23, requiresGrad: true });
  const fns: [string, (t: Tensor) => Tensor, Tensor][] = [
    ["diagonal", (t) => t.diagonal(1, 0, 1), x],
    ["diagonal dims 2,0", (t) => t.diagonal(-1, 2, 0), x],
    ["diagEmbed", (t) => t.diagEmbed(1, 0, 2), v],
    ["diagEmbed default", (t) => diagEmbed(t), v],
    ["diag 1-D", (t) => diag(t.select(0, 0), -2), v],
    ["diag 2-D", (t) => diag(t, 1), m],
    ["trace", (t) => trace(t), m],
  ];
  for (const [name, f, input] of fns) {
    assert.ok(autograd.gradcheck(f, [input]), name);
    assert.ok(autograd.gradgradcheck(f, [input]), `gradgrad ${name}`);
  }
  assert.equal(m.diagonal().gradFn?.name, "DiagonalBackward0");
  // in place into the diagonal view of a non-leaf: the gradient skips the overwritten part
  const base = randomTensor([3, 3], { seed: 24, requiresGrad: true });
  const y = base.mul(2);
  y.diagonal().mul_(3);
  y.sum().backward();
  assert.deepEqual(base.grad!.tolist(), [[6, 2, 2], [2, 6, 2], [2, 2, 6]]);
});

test("diagonal/diag/diagEmbed/trace errors", () => {
  const x = zeros(2, 3);
  assert.throws(() => x.diagonal(0, 1, -1), (e: Error) => e instanceof ShapeError && /diagonal: diagonal dimensions cannot be identical 1, -1/.test(e.message));
  assert.throws(() => x.diagonal(0, 0, 2), (e: Error) => e instanceof IndexError && /diagonal: dimension 2 out of range/.test(e.message));
  assert.throws(() => arange(3).diagonal(), (e: Error) => e instanceof IndexError && /dimension 1 out of range/.test(e.message));
  assert.throws(() => diag(zeros(2, 2, 2)), (e: Error) => e instanceof ShapeError && /diag: matrix or a vector expected, got a 3-d tensor \(shape \[2, 2, 2\]\)/.test(e.message));
  assert.throws(() => diag(tensor(1)), /matrix or a vector expected, got a 0-d tensor/);
  assert.throws(() => diagEmbed(tensor(1)), (e: Error) => e instanceof ShapeError && /diagEmbed: expected a tensor with at least 1 dimension/.test(e.message));
  assert.throws(() => diagEmbed(arange(2), 0, 0, 3), (e: Error) => e instanceof IndexError && /diagEmbed: dimension 3 out of range/.test(e.message));
  assert.throws(() => trace(arange(3)), (e: Error) => e instanceof ShapeError && /trace: expected a matrix, but got tensor with dim 1/.test(e.message));
  assert.throws(() => x.diagonal(0.5), (e: Error) => e instanceof ArgumentError && /argument 'offset' \(position 1\) must be int/.test(e.message));
});

/** Shape arithmetic: strides, contiguity, broadcasting, dim normalisation, -1 inference. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, ShapeError } from "../../src/index.js";
import {
  broadcastShapes, checkShape, contiguousStrides, inferShape, isContiguousLayout, normalizeDim, normalizeDims, numelOf, shapesEqual,
} from "../../src/tensor/shape.js";

test("numel and contiguous strides", () => {
  assert.equal(numelOf([]), 1);
  assert.equal(numelOf([2, 0, 3]), 0);
  assert.equal(numelOf([2, 3, 4]), 24);
  assert.deepEqual(contiguousStrides([2, 3, 4]), [12, 4, 1]);
  assert.deepEqual(contiguousStrides([]), []);
});

test("isContiguousLayout ignores size-1 strides and accepts empty tensors (as PyTorch)", () => {
  assert.ok(isContiguousLayout([2, 3], [3, 1]));
  assert.ok(!isContiguousLayout([2, 3], [1, 2]));
  assert.ok(isContiguousLayout([2, 1, 3], [3, 99, 1]));
  assert.ok(isContiguousLayout([0, 3], [1, 0]));
  assert.ok(isContiguousLayout([], []));
  assert.ok(shapesEqual([1, 2], [1, 2]) && !shapesEqual([1, 2], [2, 1]) && !shapesEqual([1], [1, 1]));
});

test("broadcastShapes follows NumPy rules and names the clashing dim", () => {
  assert.deepEqual(broadcastShapes("add", [2, 1, 3], [4, 1]), [2, 4, 3]);
  assert.deepEqual(broadcastShapes("add", [], [3]), [3]);
  assert.deepEqual(broadcastShapes("add", [0, 1], [1, 5]), [0, 5]);
  assert.deepEqual(broadcastShapes("where", [1], [2, 1], [1, 1, 3]), [1, 2, 3]);
  assert.throws(() => broadcastShapes("add", [2, 3], [4, 3]), (e: Error) => e instanceof ShapeError && /add/.test(e.message) && /\[2, 3\] and \[4, 3\]/.test(e.message) && /dim -2/.test(e.message));
});

test("normalizeDim wraps negatives and rejects out-of-range dims", () => {
  assert.equal(normalizeDim("sum", -1, 3), 2);
  assert.equal(normalizeDim("sum", 0, 0), 0);
  assert.equal(normalizeDim("sum", -1, 0), 0);
  assert.throws(() => normalizeDim("sum", 3, 3), (e: Error) => e instanceof IndexError && /\[-3, 2\]/.test(e.message));
  assert.throws(() => normalizeDim("sum", 0.5, 3), IndexError);
  assert.deepEqual(normalizeDims("sum", [-1, 0], 3), [0, 2]);
  assert.deepEqual(normalizeDims("sum", undefined, 2), [0, 1]);
  assert.throws(() => normalizeDims("sum", [1, -2], 3), (e: Error) => e instanceof IndexError && /multiple times/.test(e.message));
});

test("checkShape and inferShape", () => {
  assert.deepEqual(checkShape("zeros", [2, 0]), [2, 0]);
  assert.throws(() => checkShape("zeros", [2, -1]), ShapeError);
  assert.deepEqual(inferShape("view", [-1, 3], 12, [12]), [4, 3]);
  assert.deepEqual(inferShape("view", [2, -1], 0, [0]), [2, 0]);
  assert.throws(() => inferShape("view", [-1, -1], 12, [12]), (e: Error) => e instanceof ShapeError && /only one dimension/.test(e.message));
  assert.throws(() => inferShape("view", [5, -1], 12, [3, 4]), (e: Error) => e instanceof ShapeError && /\[5, -1\]/.test(e.message) && /size 12/.test(e.message) && /\[3, 4\]/.test(e.message));
  assert.throws(() => inferShape("view", [5], 12, [12]), ShapeError);
  assert.throws(() => inferShape("view", [0, -1], 0, [0]), ShapeError);
});

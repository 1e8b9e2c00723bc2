/**
 * Tensor attributes PyTorch 1.13 users call: elementSize(), storageOffset(), isSigned(),
 * isComplex() (values from torch 1.13: element_size(), storage_offset() of the same views,
 * is_signed()). nbytes and itemsize are PyTorch 2.1 attributes and are not part of 1.13's API.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, Tensor, arange, zeros, type DType } from "../../src/index.js";

test("elementSize() is the bytes per element of each dtype, as torch's element_size()", () => {
  const want: Record<DType, number> = { float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };
  for (const [dtype, size] of Object.entries(want)) assert.equal(zeros([3], { dtype: dtype as DType }).elementSize(), size, dtype);
});

test("storageOffset() of views is PyTorch's storage_offset()", () => {
  const x = arange(24).reshape(2, 3, 4);
  const views: Record<string, [Tensor, number]> = {
    fresh: [x, 0], transpose: [x.transpose(0, 2), 0], narrow: [x.narrow(2, 1, 2), 1], select: [x.select(1, 2), 8], diagonal: [x.diagonal(1, 1, 2), 1],
    index: [x.index(1, ":", 3), 15], flatSlice: [x.reshape(-1).index("5:"), 5], unfold: [x.reshape(-1).unfold(0, 4, 3).select(0, 2), 6],
    expand: [x.index("1:2", "1:2", "2:3").expand(4, 1, 1), 18],
  };
  for (const [name, [t, offset]] of Object.entries(views)) assert.equal(t.storageOffset(), offset, name);
  assert.equal(x.select(1, 2).clone().storageOffset(), 0, "a copy starts at 0");
});

test("isSigned() is false only for bool and uint8; isComplex() is false (no complex dtypes); none takes arguments", () => {
  for (const dtype of ["float64", "float32", "float16", "bfloat16", "int64", "int32", "int8"] as DType[]) assert.equal(zeros([1], { dtype }).isSigned(), true, dtype);
  assert.equal(zeros([1], { dtype: "bool" }).isSigned(), false);
  assert.equal(zeros([1], { dtype: "uint8" }).isSigned(), false);
  assert.equal(zeros([1]).isComplex(), false);
  assert.throws(() => (zeros([1]).elementSize as (a: number) => number)(1), ArgumentError);
  assert.throws(() => (zeros([1]).storageOffset as (a: number) => number)(0), ArgumentError);
});

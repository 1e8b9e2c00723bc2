/**
 * fromTypedArray / asTypedArray: tensors and typed arrays sharing memory (torch.from_numpy and
 * t.numpy()): writes through either side show in the other, views keep their offset, and the
 * cases PyTorch refuses or that cannot share (a non-contiguous layout, 16-bit float dtypes,
 * a tensor requiring grad, an array type with no dtype, a wrong shape) raise naming the call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, DTypeError, FluxionError, ShapeError, arange, fromTypedArray, ones, randn, tensor } from "../../src/index.js";

test("fromTypedArray: a tensor over the array itself, of the array's dtype and the given shape", () => {
  const cases: [ArrayLike<number | bigint> & { length: number }, string][] = [
    [new Float32Array([1, 2, 3, 4, 5, 6]), "float32"], [new Float64Array([1, 2, 3, 4, 5, 6]), "float64"],
    [new Int32Array([1, 2, 3, 4, 5, 6]), "int32"], [new BigInt64Array([1n, 2n, 3n, 4n, 5n, 6n]), "int64"],
    [new Int8Array([1, 2, 3, 4, 5, 6]), "int8"], [new Uint8Array([1, 2, 3, 4, 5, 6]), "uint8"],
  ];
  for (const [arr, dtype] of cases) {
    const t = fromTypedArray(arr, [2, 3]);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(t.shape, [2, 3]);
    (arr as unknown as { [i: number]: number | bigint })[4] = typeof arr[0] === "bigint" ? 50n : 50; // a write to the array ...
    assert.equal(Number(t.toTypedArray()[4]), 50, `${dtype}: the tensor sees it`);
    t.mul_(2); // ... and a write to the tensor
    assert.equal(Number(arr[4]), 100, `${dtype}: the array sees it`);
  }
  assert.deepEqual(fromTypedArray(new Float32Array(4)).shape, [4]); // 1-d by default
  // a typed array over part of a buffer: the tensor reads just those elements
  const buf = new Float32Array([9, 1, 2, 3, 9]);
  assert.deepEqual(Array.from(fromTypedArray(buf.subarray(1, 4)).add(1).toTypedArray()), [2, 3, 4]);
});

test("fromTypedArray: other arrays and wrong shapes raise", () => {
  assert.throws(() => fromTypedArray(new Uint16Array(3)), (e: unknown) => e instanceof DTypeError && /fromTypedArray: expected a Float32Array.*got Uint16Array/.test(e.message));
  assert.throws(() => fromTypedArray([1, 2, 3]), (e: unknown) => e instanceof DTypeError && /got Array/.test(e.message));
  assert.throws(() => fromTypedArray(new Float32Array(5), [2, 3]), (e: unknown) => e instanceof ShapeError && /shape \[2, 3\] holds 6 elements, but the array has 5/.test(e.message));
});

test("asTypedArray: the tensor's own elements, an offset view's too; writes go both ways", () => {
  const t = ones(5);
  const a = t.asTypedArray();
  t.add_(1);
  assert.deepEqual(Array.from(a), [2, 2, 2, 2, 2]);
  a[0] = 7;
  assert.equal(t.toTypedArray()[0], 7);
  const m = arange(12, { dtype: "float32" }).reshape([3, 4]);
  const row = m.select(0, 1).asTypedArray(); // contiguous, at offset 4
  assert.deepEqual(Array.from(row), [4, 5, 6, 7]);
  row[1] = -1;
  assert.equal(m.toTypedArray()[5], -1);
  assert.deepEqual(Array.from(tensor(3).asTypedArray()), [3]); // 0-d: one element
  assert.ok(tensor([1n, 2n]).asTypedArray() instanceof BigInt64Array);
});

test("asTypedArray: non-contiguous layouts, 16-bit floats and tensors that require grad raise", () => {
  assert.throws(() => randn([2, 3]).t().asTypedArray(), (e: unknown) => e instanceof FluxionError && /asTypedArray: a tensor of shape \[3, 2\] with strides \[1, 3\] is not contiguous/.test(e.message));
  assert.throws(() => randn([2]).to("bfloat16").asTypedArray(), (e: unknown) => e instanceof DTypeError && /bfloat16 has no typed array of its own/.test(e.message));
  const w = randn([2], { requiresGrad: true });
  assert.throws(() => w.asTypedArray(), (e: unknown) => e instanceof AutogradError && /requires grad.*detach\(\)\.asTypedArray\(\)/.test(e.message));
  assert.equal(w.detach().asTypedArray().length, 2);
  assert.throws(() => (randn([2]).asTypedArray as (x: number) => unknown)(1), /asTypedArray/);
});

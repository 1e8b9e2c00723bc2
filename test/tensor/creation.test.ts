/** Creating tensors: inference of shape and dtype, explicit options, fills, ranges, eye. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError, DTypeError, DeviceError, FluxionError, ShapeError, arange, empty, emptyLike, eye, full, fullLike, linspace,
  ones, onesLike, tensor, zeros, zerosLike,
} from "../../src/index.js";

const shapeOf = (t: { shape: readonly number[] }) => [...t.shape];

test("tensor: nested arrays give the nested shape; numbers default to float32", () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(shapeOf(t), [2, 3]);
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(shapeOf(tensor([[[1], [2]]])), [1, 2, 1]);
  assert.deepEqual(Array.from(tensor([0.1]).toTypedArray()), [Math.fround(0.1)]);
});

test("tensor: ragged nested arrays throw a ShapeError naming the dim", () => {
  assert.throws(() => tensor([[1, 2], [3]]), (e: Error) => e instanceof ShapeError && /dim 1/.test(e.message) && /length 2/.test(e.message));
  assert.throws(() => tensor([[1, 2], 3] as never), (e: Error) => e instanceof ShapeError && /dim 1/.test(e.message));
  assert.throws(() => tensor([1, [2, 3]] as never), (e: Error) => e instanceof ShapeError && /dim 1/.test(e.message));
  assert.throws(() => tensor([[[1, 2]], [[3, 4], [5, 6]]]), (e: Error) => e instanceof ShapeError && /dim 1/.test(e.message));
  assert.throws(() => tensor([[[1, 2]], [[3, 4, 5]]]), (e: Error) => e instanceof ShapeError && /dim 2/.test(e.message));
});

test("tensor: non-numeric elements are rejected", () => {
  assert.throws(() => tensor(["a"] as never), (e: Error) => e instanceof FluxionError && /string/.test(e.message));
  assert.throws(() => tensor([null] as never), FluxionError);
});

test("tensor: typed arrays keep their dtype (Uint8Array uint8, Int8Array int8); other integer arrays become int32", () => {
  assert.equal(tensor(new Float32Array([1, 2])).dtype, "float32");
  assert.equal(tensor(new Float64Array([1, 2])).dtype, "float64");
  assert.equal(tensor(new Int32Array([1, 2])).dtype, "int32");
  for (const [arr, dtype] of [[new Uint8Array([1, 255]), "uint8"], [new Int8Array([-1, 5]), "int8"], [new Int16Array([-300, 7]), "int32"], [new Uint16Array([1, 65535]), "int32"], [new Uint32Array([7, 2 ** 31 - 1]), "int32"]] as const) {
    const t = tensor(arr);
    assert.equal(t.dtype, dtype, arr.constructor.name);
    assert.deepEqual(t.tolist(), Array.from(arr));
  }
  assert.throws(() => tensor(new Uint32Array([2 ** 31])), DTypeError);
  assert.deepEqual(shapeOf(tensor(new Float32Array(6), { shape: [2, 3] })), [2, 3]);
});

test("tensor: copies its input (later writes to the source don't show)", () => {
  const src = new Float32Array([1, 2, 3]);
  const t = tensor(src);
  src[0] = 100;
  assert.deepEqual(t.tolist(), [1, 2, 3]);
});

test("tensor: booleans give bool; scalars give 0-d tensors", () => {
  const b = tensor([true, false]);
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.tolist(), [true, false]);
  const s = tensor(3.5);
  assert.deepEqual(shapeOf(s), []);
  assert.equal(s.dim(), 0);
  assert.equal(s.item(), 3.5);
  assert.equal(tensor(true).item(), true);
  assert.equal(tensor(true).dtype, "bool");
  assert.equal(tensor([true, 2.5]).dtype, "float32");
});

test("tensor: explicit dtype converts (floats truncate toward zero for int32)", () => {
  const t = tensor([1.7, -1.7, 2], { dtype: "int32" });
  assert.equal(t.dtype, "int32");
  assert.deepEqual(t.tolist(), [1, -1, 2]);
  assert.equal(tensor([1, 2], { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(tensor([0, 2, -1], { dtype: "bool" }).tolist(), [false, true, true]);
  assert.deepEqual(tensor([true, false], { dtype: "float32" }).tolist(), [1, 0]);
  assert.throws(() => tensor([1], { dtype: "int16" as never }), (e: Error) => e instanceof DTypeError && /unknown dtype "int16"/.test(e.message));
});

test("tensor: the shape option reshapes flat data and checks the element count", () => {
  assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).tolist(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(shapeOf(tensor([7], { shape: [] })), []);
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), (e: Error) => e instanceof ShapeError && /\[2, 2\]/.test(e.message) && /3 values/.test(e.message));
  assert.throws(() => tensor([1, 2], { shape: [-1, 2] }), ShapeError);
});

test("tensor: BigInt64Array and bigint values become int64, exactly; int32 keeps its range check", () => {
  const t = tensor(new BigInt64Array([1n, -2n, 2n ** 62n + 1n]));
  assert.equal(t.dtype, "int64");
  assert.deepEqual(t.tolist(), [1, -2, 2n ** 62n + 1n]);
  assert.equal(tensor([1n, 2n]).dtype, "int64");
  assert.equal(tensor(5n).item(), 5);
  assert.throws(() => tensor(new BigInt64Array([2n ** 40n]), { dtype: "int32" }), (e: Error) => e instanceof DTypeError && /1099511627776/.test(e.message) && /int32/.test(e.message));
  assert.throws(() => tensor([-2147483649n], { dtype: "int32" }), DTypeError);
  assert.throws(() => tensor([3e9], { dtype: "int32" }), (e: Error) => e instanceof DTypeError && /int32/.test(e.message));
  assert.equal(tensor(new BigUint64Array([3n])).dtype, "int64");
  assert.equal(tensor([1n, 2]).dtype, "int64");
  assert.equal(tensor([1n, 2.5]).dtype, "float32");
  assert.deepEqual(tensor([1n, 2.5]).tolist(), [1, 2.5]);
  assert.throws(() => tensor([NaN], { dtype: "int32" }), (e: Error) => e instanceof DTypeError && /NaN/.test(e.message));
  assert.throws(() => full([1], Infinity, { dtype: "int32" }), DTypeError);
});

test("tensor: requiresGrad needs a floating dtype", () => {
  assert.equal(tensor([1, 2], { requiresGrad: true }).requiresGrad, true);
  assert.throws(() => tensor([1, 2], { dtype: "int32", requiresGrad: true }), (e: Error) => e instanceof DTypeError && /floating point/.test(e.message));
  assert.throws(() => tensor([true], { requiresGrad: true }), DTypeError);
  assert.throws(() => zeros([2], { dtype: "int32", requiresGrad: true }), DTypeError);
  assert.throws(() => tensor([1]).requiresGrad_(true) && tensor([1], { dtype: "int32" }).requiresGrad_(true), DTypeError);
});

test("tensor: from a tensor copies its values, shape and dtype, without grad history", () => {
  const src = tensor([[1, 2]], { dtype: "float64", requiresGrad: true });
  const t = tensor(src);
  assert.equal(t.dtype, "float64");
  assert.deepEqual(t.tolist(), [[1, 2]]);
  assert.equal(t.requiresGrad, false);
  assert.notEqual(t.storage, src.storage);
  assert.equal(tensor(src, { dtype: "float16" }).dtype, "float16");
  assert.deepEqual(tensor(tensor([1, 2], { dtype: "int32" }).t()).tolist(), [1, 2]);
});

test("tensor: empty arrays", () => {
  assert.deepEqual(shapeOf(tensor([])), [0]);
  assert.deepEqual(shapeOf(tensor([[], []])), [2, 0]);
  assert.equal(tensor([]).dtype, "float32");
  assert.deepEqual(tensor([[]]).tolist(), [[]]);
});

test("device option: cpu is accepted, unknown devices throw DeviceError", () => {
  assert.equal(tensor([1], { device: "cpu" }).device, "cpu");
  assert.equal(zeros([1], { device: "cpu" }).device, "cpu");
  assert.throws(() => tensor([1], { device: "cuda" }), (e: Error) => e instanceof DeviceError && /cuda/.test(e.message));
  for (const f of [() => zeros([1], { device: "tpu" }), () => ones([1], { device: "tpu" }), () => arange(3, { device: "tpu" }), () => eye(2, 2, { device: "tpu" }), () => linspace(0, 1, 3, { device: "tpu" })]) {
    assert.throws(f, DeviceError);
  }
});

test("zeros/ones/full/empty: shape, dtype and fill", () => {
  const z = zeros([2, 3]);
  assert.deepEqual(shapeOf(z), [2, 3]);
  assert.equal(z.dtype, "float32");
  assert.ok(Array.from(z.toTypedArray()).every((v) => v === 0));
  assert.deepEqual(ones(3, { dtype: "int32" }).tolist(), [1, 1, 1]);
  assert.deepEqual(full([2], 7.5).tolist(), [7.5, 7.5]);
  assert.equal(full([2], 7.5).dtype, "float32");
  assert.equal(full([2], true).dtype, "bool");
  assert.deepEqual(full([2], true).tolist(), [true, true]);
  assert.deepEqual(full([], 4).tolist(), 4);
  assert.deepEqual(shapeOf(empty([4, 0])), [4, 0]);
  assert.deepEqual(zeros(0).tolist(), []);
  assert.throws(() => zeros([2, -1]), (e: Error) => e instanceof ShapeError && /\[2, -1\]/.test(e.message));
  assert.throws(() => ones([1.5]), (e: Error) => e instanceof ArgumentError && /ones\(\): argument .size. must be int values.*element 0 is float 1.5/.test(e.message));
  assert.throws(() => full([2], 3e9, { dtype: "int32" }), DTypeError);
});

test("*Like creators copy shape, dtype and device unless overridden", () => {
  const base = tensor([[1, 2]], { dtype: "float64" });
  for (const [t, v] of [[zerosLike(base), 0], [onesLike(base), 1], [fullLike(base, 3), 3], [emptyLike(base), 0]] as const) {
    assert.deepEqual(shapeOf(t), [1, 2]);
    assert.equal(t.dtype, "float64");
    assert.deepEqual(t.tolist(), [[v, v]]);
    assert.equal(t.requiresGrad, false);
  }
  assert.equal(zerosLike(base, { dtype: "int32" }).dtype, "int32");
  assert.equal(onesLike(base, { requiresGrad: true }).requiresGrad, true);
  assert.equal(onesLike(tensor([1], { requiresGrad: true })).requiresGrad, false);
});

test("arange: integer arguments give int32, fractional ones float32", () => {
  const a = arange(5);
  assert.equal(a.dtype, "int32");
  assert.deepEqual(a.tolist(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(2, 8, 3).tolist(), [2, 5]);
  assert.deepEqual(arange(5, 0, -2).tolist(), [5, 3, 1]);
  assert.deepEqual(arange(0).tolist(), []);
  assert.deepEqual(arange(3, 3).tolist(), []);
  const f = arange(0, 2, 0.5);
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.tolist(), [0, 0.5, 1, 1.5]);
  assert.equal(arange(0.5, 3).dtype, "float32");
  assert.deepEqual(arange(0.5, 3).tolist(), [0.5, 1.5, 2.5]);
  assert.equal(arange(4, { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(arange(1, -1, -0.5).tolist(), [1, 0.5, 0, -0.5]);
});

test("arange: element counts match torch.arange for fractional steps", () => {
  // torch: len(torch.arange(start, end, step)) == ceil((end - start) / step), in float64
  const cases: [number, number, number, number][] = [
    [0, 1, 0.1, 10], [0, 1, 0.3, 4], [0, 0.3, 0.1, 3], [1, 2.0000001, 0.25, 5], [0, 10, 1 / 3, 30],
    [0, -1, -0.1, 10], [-1, 1, 0.2, 10], [0, 1.5, 0.5, 3], [0, 1.6, 0.5, 4],
  ];
  for (const [s, e, st, n] of cases) assert.equal(arange(s, e, st).numel(), n, `arange(${s}, ${e}, ${st})`);
  const t = arange(0, 1, 0.1).toTypedArray();
  for (let i = 0; i < 10; i++) assert.equal(t[i], Math.fround(i * 0.1));
});

test("arange: bad steps and bounds throw", () => {
  assert.throws(() => arange(0, 5, 0), (e: Error) => e instanceof FluxionError && /step must be nonzero/.test(e.message));
  assert.throws(() => arange(0, 5, -1), (e: Error) => e instanceof FluxionError && /inconsistent with step sign/.test(e.message));
  assert.throws(() => arange(5, 0, 1), FluxionError);
  assert.throws(() => arange(0, Infinity), (e: Error) => e instanceof FluxionError && /finite/.test(e.message));
  assert.throws(() => arange(NaN), FluxionError);
  assert.throws(() => arange(0, 5, NaN), FluxionError);
});

test("linspace: endpoints exact, steps 0 and 1", () => {
  const t = linspace(0, 1, 5);
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.tolist(), [0, 0.25, 0.5, 0.75, 1]);
  const u = linspace(-3.3, 7.7, 7).toTypedArray();
  assert.equal(u[0], Math.fround(-3.3));
  assert.equal(u[6], Math.fround(7.7));
  const w = linspace(0.1, 0.7, 1000, { dtype: "float64" }).toTypedArray();
  assert.equal(w[0], 0.1);
  assert.equal(w[999], 0.7);
  for (let i = 1; i < 1000; i++) assert.ok(w[i]! > w[i - 1]!);
  assert.deepEqual(linspace(2, 5, 1).tolist(), [2]);
  assert.deepEqual(linspace(2, 5, 0).tolist(), []);
  assert.deepEqual(linspace(5, 2, 4).tolist(), [5, 4, 3, 2]);
  assert.throws(() => linspace(0, 1, -1), (e: Error) => e instanceof FluxionError && /steps/.test(e.message));
  assert.throws(() => linspace(0, 1, 2.5), FluxionError);
});

test("eye: square and rectangular identities", () => {
  assert.deepEqual(eye(3).tolist(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(eye(2, 3).tolist(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(eye(3, 2).tolist(), [[1, 0], [0, 1], [0, 0]]);
  assert.deepEqual(shapeOf(eye(0)), [0, 0]);
  assert.deepEqual(shapeOf(eye(2, 0)), [2, 0]);
  assert.equal(eye(2, 2, { dtype: "int32" }).dtype, "int32");
  assert.equal(eye(2, { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(eye(2, { dtype: "bool" }).tolist(), [[true, false], [false, true]]);
  assert.throws(() => eye(-1), ShapeError);
});

test("reading values: item, tolist, data, numel, dim, size, stride, isContiguous", () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => t.item(), (e: Error) => e instanceof FluxionError && /6 elements/.test(e.message) && /\[2, 3\]/.test(e.message));
  assert.throws(() => zeros([0]).item(), /\[0\]/);
  assert.equal(tensor([[42]]).item(), 42);
  assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(tensor(2).tolist(), 2);
  assert.deepEqual(zeros([2, 0, 1]).tolist(), [[], []]);
  const d = t.toTypedArray();
  assert.ok(d instanceof Float32Array);
  d[0] = 99;
  assert.equal(t.tolist()[0][0], 1, "data() is a copy");
  assert.ok(tensor([true]).toTypedArray() instanceof Uint8Array);
  assert.ok(tensor([1], { dtype: "int32" }).toTypedArray() instanceof Int32Array);
  assert.equal(t.numel(), 6);
  assert.equal(t.dim(), 2);
  assert.equal(t.ndim, 2);
  assert.deepEqual(t.size(), [2, 3]);
  assert.equal(t.size(-1), 3);
  assert.equal(t.size(0), 2);
  assert.throws(() => t.size(2), /out of range/);
  assert.throws(() => tensor(1).size(0), /no dimensions/);
  assert.deepEqual(t.stride(), [3, 1]);
  assert.equal(t.stride(-2), 3);
  assert.ok(t.isContiguous());
  const tt = t.t();
  assert.ok(!tt.isContiguous());
  assert.deepEqual(tt.stride(), [1, 3]);
  assert.deepEqual(tt.tolist(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(Array.from(tt.toTypedArray()), [1, 4, 2, 5, 3, 6]);
  assert.equal(tensor(5).numel(), 1);
  assert.equal(tensor(5).dim(), 0);
  assert.deepEqual(tensor(5).size(), []);
});

test("reading values: data() of a view is a copy of just the view's elements", () => {
  const t = arange(6, { dtype: "float32" }).reshape([2, 3]);
  const row = t.select(0, 1);
  const d = row.toTypedArray();
  assert.deepEqual(Array.from(d), [3, 4, 5]);
  d[0] = -1;
  assert.deepEqual(t.tolist(), [[0, 1, 2], [3, 4, 5]]);
});

test("tensor() reads one-element tensors inside nested data as their values, as torch.tensor([t1, t2])", () => {
  const a = tensor([tensor(1n), tensor(2, { dtype: "int32" })]);
  assert.equal(a.dtype, "int64"); // Python ints, as PyTorch's item() gives them
  assert.deepEqual(a.tolist(), [1, 2]);
  const b = tensor([tensor(1.5), 2]);
  assert.equal(b.dtype, "float32");
  assert.deepEqual(b.tolist(), [1.5, 2]);
  const c = tensor([[tensor([1.5]), tensor(2)], [3, tensor([[4]])]]);
  assert.deepEqual(c.shape, [2, 2]);
  assert.deepEqual(c.tolist(), [[1.5, 2], [3, 4]]);
  assert.equal(tensor([tensor(true), tensor(false)]).dtype, "bool");
  const g = tensor(2, { requiresGrad: true });
  const d = tensor([g.mul(3)]);
  assert.equal(d.requiresGrad, false); // a copy of the values, as in PyTorch
  assert.deepEqual(d.tolist(), [6]);
  assert.throws(() => tensor([tensor([1.5, 2]), tensor([2, 3])]), (e: any) => e.name === "ShapeError" && /tensor: only one element tensors can be converted to scalars, got a tensor of shape \[2\] \(at index \[0\]\); use stack or cat/.test(e.message));
});

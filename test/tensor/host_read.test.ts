/**
 * Host reads (src/tensor/host_read.ts): ops that PyTorch runs without reading values on the
 * host read none here either (index bounds are checked by the kernels, zero tests and
 * clipping are masks and tensors), and the reads that remain are inherent and reported
 * through readHost with the op's name. A read is caught two ways: the onHostRead listener
 * (item/tolist/toTypedArray/readHost), and a spy on the raw element read that counts reads
 * made outside a running kernel (a dispatch layer marks when one runs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, autograd, nn, tensor, zeros, ones, arange } from "../../src/index.js";
import * as F from "../../src/nn/functional/index.js";
import { IndexError } from "../../src/errors.js";
import { addDispatchLayer } from "../../src/backend/dispatcher.js";
import { onHostRead, readHost, readHostItem } from "../../src/tensor/host_read.js";
import { nativeAddon } from "../../src/backend/cpu/native.js";
import { scatter as scatterKernel, scatterDenseReference, gather as gatherKernel, indexPut as indexPutKernel } from "../../src/backend/cpu/structure.js";
import { oneHot, take } from "../../src/ops/advanced_indexing.js";
import { randomTensor } from "../helpers.js";

/** The host reads `fn` makes: reasons told to onHostRead, and raw element reads outside any kernel. */
function readsDuring(fn: () => unknown): { reasons: string[]; rawOutside: number } {
  const reasons: string[] = [];
  let depth = 0, rawOutside = 0, announced = 0;
  const proto = Tensor.prototype as unknown as { _rawContiguous: () => unknown };
  const raw = proto._rawContiguous;
  proto._rawContiguous = function (this: Tensor) {
    // a read the listener was told of is the one that follows it; any other is a bypass
    if (depth === 0 && announced > 0) announced--;
    else if (depth === 0) rawOutside++;
    return raw.call(this);
  };
  const removeLayer = addDispatchLayer((call, next) => {
    depth++;
    try {
      return next(call);
    } finally {
      depth--;
    }
  });
  const removeListener = onHostRead((r) => {
    if (depth === 0) reasons.push(r.reason), announced++;
  });
  try {
    fn();
  } finally {
    removeListener();
    removeLayer();
    proto._rawContiguous = raw;
  }
  return { reasons, rawOutside };
}

function assertNoHostRead(what: string, fn: () => unknown): void {
  const r = readsDuring(fn);
  assert.deepEqual(r.reasons, [], `${what}: host reads ${r.reasons.join(", ")}`);
  assert.equal(r.rawOutside, 0, `${what}: raw element reads outside a kernel`);
}

const i32 = (v: number[] | number[][]) => tensor(v, { dtype: "int32" });
const i64 = (v: number[] | number[][]) => tensor(v, { dtype: "int32" }).to("int64");

test("item, tolist, toTypedArray and readHost tell the listeners, named; removing a listener stops it", () => {
  const seen: string[] = [];
  const remove = onHostRead((r) => seen.push(`${r.reason} ${r.dtype} [${r.shape.join(",")}]`));
  const t = tensor([1, 2]);
  t.tolist();
  t.toTypedArray();
  t.sum().item();
  assert.deepEqual(Array.from(readHost<Float32Array>(t, "myOp")), [1, 2]);
  assert.equal(readHostItem(t.max(), "myOp2"), 2);
  remove();
  t.tolist();
  assert.deepEqual(seen, ["tolist float32 [2]", "toTypedArray float32 [2]", "item float32 []", "myOp float32 [2]", "myOp2 float32 []"]);
});

test("indexing ops read no index values on the host (int32 and int64 indices), forward and backward", () => {
  for (const idx of [i32, i64]) {
    const x = randomTensor([4, 3], { requiresGrad: true });
    assertNoHostRead("gather", () => x.gather(1, idx([[0, 2, 1], [2, 2, 0], [1, 0, 0], [0, 0, 2]])).sum().backward());
    assertNoHostRead("scatter", () => zeros([4, 3]).scatter(0, idx([[3, 0, 1]]), 1));
    assertNoHostRead("scatterAdd", () => zeros([4, 3]).scatterAdd(0, idx([[3, 0, 1]]), ones([1, 3])));
    assertNoHostRead("scatter multiply", () => ones([4, 3]).scatter(0, idx([[3, 0, 1]]), ones([1, 3]).mul(2), { reduce: "multiply" }));
    assertNoHostRead("indexSelect", () => x.indexSelect(0, idx([3, 0, 3])).sum().backward());
    assertNoHostRead("indexAdd", () => zeros([4, 3]).indexAdd(0, idx([3, 0]), ones([2, 3])));
    x.grad = null;
    assertNoHostRead("take", () => x.take(idx([-1, 0, 11])).sum().backward());
    assert.deepEqual(x.grad!.reshape([-1]).tolist(), [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]); // -1 and 11 are one element
    x.grad = null;
    assertNoHostRead("advanced indexing", () => x.index(idx([-1, 0]), idx([2, -3])).sum().backward());
    assertNoHostRead("indexPut_", () => zeros([4, 3]).indexPut_([idx([0, -1]), idx([1, 2])], 5));
    assertNoHostRead("scatterReduce", () => zeros([4]).scatterReduce(0, idx([0, 0, 3]), tensor([1, 2, 3]), "amax"));
    assertNoHostRead("oneHot", () => oneHot(idx([0, 2]), 3));
    const w = randomTensor([5, 3], { requiresGrad: true });
    assertNoHostRead("embedding", () => F.embedding(idx([[0, 4], [4, 1]]), w, { paddingIdx: 1, scaleGradByFreq: true }).sum().backward());
    assertNoHostRead("embedding maxNorm", () => F.embedding(idx([0, 4]), w.detach(), { maxNorm: 0.1 }));
  }
  const [y, pos] = F.maxPool2d(randomTensor([1, 1, 4, 4]), 2, { returnIndices: true }) as unknown as [Tensor, Tensor];
  assertNoHostRead("maxUnpool2d", () => F.maxUnpool2d(y, pos, 2));
});

test("prod and cumprod backward, clipGradNorm_ and integer pow with a tensor exponent read nothing on the host", () => {
  const x = tensor([[2, 0, 3], [1, 2, 3]], { requiresGrad: true });
  assertNoHostRead("prod backward", () => x.prod(1).sum().backward());
  assert.deepEqual(x.grad!.tolist(), [[0, 6, 0], [6, 3, 2]]); // products of the others, exact at the zero
  const c = tensor([[2, 0, 3], [1, 2, 3]], { requiresGrad: true });
  let gc: Tensor | null = null;
  assertNoHostRead("cumprod backward (createGraph)", () => ([gc] = autograd.grad([c.cumprod(1).sum()], [c], { createGraph: true }) as Tensor[]));
  // d/dc_k of sum_i prod_{j<=i} c_j, by hand: row 0 [1 + 0 + 0, 2 + 2*3, 0], row 1 [1 + 2 + 6, 1 + 3, 2]
  assert.deepEqual(gc!.tolist(), [[1, 8, 0], [9, 4, 2]]);
  assert.ok(gc!.requiresGrad, "createGraph keeps the gradient differentiable");
  const p = [new nn.Parameter(zeros([2]))];
  p[0]!.grad = tensor([3, 4]);
  assertNoHostRead("clipGradNorm_", () => nn.utils.clipGradNorm_(p, 2));
  assertNoHostRead("pow int tensor exponent", () => tensor([2, -1], { dtype: "int32" }).pow(tensor([-1, -3], { dtype: "int32" })));
});

test("clipGradNorm_ multiplies every gradient by min(maxNorm / (total + 1e-6), 1), as PyTorch 1.13", () => {
  const mk = (g: number[]) => {
    const q = new nn.Parameter(zeros([g.length]));
    q.grad = tensor(g);
    return q;
  };
  // PyTorch 1.13: clip_grad_norm_([g=[3, 4], g=[12]], 2.0) -> 13, grads [0.46153843, 0.6153846], [1.8461537]
  let ps = [mk([3, 4]), mk([12])];
  assert.equal(nn.utils.clipGradNorm_(ps, 2).item(), 13);
  assert.deepEqual(ps.map((q) => Array.from(q.grad!.toTypedArray())), [[0.4615384340286255, 0.615384578704834], [1.846153736114502]]);
  // below the limit the coefficient is clamped to exactly 1: the gradients keep their bits
  ps = [mk([0.3, 0.4]), mk([0])];
  nn.utils.clipGradNorm_(ps, 2);
  assert.deepEqual(ps.map((q) => Array.from(q.grad!.toTypedArray())), [[0.30000001192092896, 0.4000000059604645], [0]]);
  // a NaN total makes every gradient NaN (PyTorch's clamp keeps the NaN), unless errorIfNonfinite refuses
  ps = [mk([NaN, 4]), mk([12])];
  assert.ok(Number.isNaN(nn.utils.clipGradNorm_(ps, 2).item()));
  assert.ok(ps.every((q) => Array.from(q.grad!.toTypedArray()).every(Number.isNaN)));
  const r = readsDuring(() => assert.throws(() => nn.utils.clipGradNorm_([mk([NaN])], 1, 2, true), /non-finite/));
  assert.deepEqual(r.reasons, ["clipGradNorm_(errorIfNonfinite)"]);
});

test("inherent host reads are reported with the op that needs them", () => {
  const x = tensor([[0, 1], [2, 0]]);
  const reasons = (fn: () => unknown) => readsDuring(fn).reasons;
  assert.deepEqual(reasons(() => x.nonzero()), ["nonzero"]);
  assert.deepEqual(reasons(() => x.index(x.gt(0))), ["nonzero"]);
  assert.deepEqual(reasons(() => x.index(tensor(1, { dtype: "int32" }))), ["index"]);
  assert.deepEqual(reasons(() => arange(3).repeatInterleave(tensor([1, 0, 2], { dtype: "int32" }))), ["repeatInterleave"]);
  assert.deepEqual(reasons(() => oneHot(i32([0, 2]))), ["oneHot"]);
  assert.deepEqual(reasons(() => x.allclose(x)), ["allclose"]);
  assert.equal(readsDuring(() => x.nonzero()).rawOutside, 0); // nonzero reads through readHost, not around it
});

test("out-of-range indices raise the public op's IndexError from the kernel, native and TypeScript paths", () => {
  // float32, dense: the native scatter kernel (when the addon is built) finds the bad index
  const addon = nativeAddon() as unknown as { scatter: (...a: unknown[]) => unknown } | null;
  let nativeCalls = 0;
  const nativeScatter = addon?.scatter;
  if (addon) addon.scatter = (...a: unknown[]) => (nativeCalls++, nativeScatter!.apply(addon, a));
  try {
    assert.throws(() => zeros([2, 3]).scatterAdd(1, i32([[0, 1, 3], [0, 1, 2]]), ones([2, 3])),
      (e: Error) => e instanceof IndexError && e.message === "scatterAdd: index 3 is out of bounds for dimension 1 with size 3 (input shape [2, 3])");
    const f64 = { dtype: "float64" as const };
    assert.throws(() => zeros([3, 2], f64).scatter(0, i32([[0, 1], [-1, 0]]), ones([2, 2], f64)),
      (e: Error) => e instanceof IndexError && e.message === "scatter: index -1 is out of bounds for dimension 0 with size 3 (input shape [3, 2])");
  } finally {
    if (addon) addon.scatter = nativeScatter!;
  }
  if (addon) assert.equal(nativeCalls, 2, "the native scatter ran and found the bad indices");
  // the TypeScript kernels: the dense reference, the general loop (int32 x), gather and indexPut
  const rule = { error: "myOp: bad {index}" };
  const x = zeros([2, 3]), src = ones([2, 3]);
  assert.throws(() => scatterDenseReference([x, i32([[0, 1, 7], [0, 1, 2]]), src], { axis: 1, reduce: "add", index: rule }, "cpu"), /^IndexError: myOp: bad 7$|myOp: bad 7/);
  assert.throws(() => scatterKernel([zeros([2, 3], { dtype: "int32" }), i64([[0, 1, 7], [0, 1, 2]]), ones([2, 3], { dtype: "int32" })], { axis: 1, reduce: "none", index: rule }, "cpu"), /myOp: bad 7/);
  assert.throws(() => gatherKernel([x, i32([[0], [-4]])], { axis: 1, index: { ...rule, negative: true } }, "cpu"), /myOp: bad -4/);
  assert.deepEqual(gatherKernel([arange(3).reshape([1, 3]), i64([[-1, -3, 2]])], { axis: 1, index: { negative: true } }, "cpu")[0]!.tolist(), [[2, 0, 2]]);
  assert.throws(() => indexPutKernel([zeros([4]), i32([1, 4]), tensor([1, 2])], { accumulate: false, index: rule }, "cpu"), /myOp: bad 4/);
  // the ops name themselves, and a failed in-place op leaves its tensor untouched
  assert.throws(() => zeros([3, 2]).indexAdd(0, i64([0, -1]), ones([2, 2])),
    (e: Error) => e instanceof IndexError && e.message === "indexAdd: index -1 is out of bounds for dimension 0 with size 3 (input shape [3, 2])");
  const t = zeros([3]);
  assert.throws(() => t.indexSelect(0, i32([0, 3])), (e: Error) => e instanceof IndexError && e.message === "indexSelect: index 3 is out of bounds for dimension 0 with size 3 (input shape [3])");
  assert.throws(() => t.scatter_(0, i32([1, 5]), 1), /^IndexError: scatter: index 5|scatter: index 5 is out of bounds for dimension 0 with size 3/);
  assert.throws(() => t.index(i64([-4])), (e: Error) => e instanceof IndexError && e.message === "index: index -4 is out of bounds for dimension 0 with size 3");
  assert.throws(() => t.indexPut_([i32([0, 3])], 1), /indexPut_: index 3 is out of bounds for dimension 0 with size 3/);
  assert.throws(() => take(t, i32([-4])), (e: Error) => e instanceof IndexError && e.message === "take: index -4 is out of bounds for a tensor of 3 elements (shape [3])");
  assert.throws(() => F.embedding(i32([5]), zeros([3, 2]), { maxNorm: 1 }), /embedding: index 5 is out of range for an embedding with 3 rows \(weight \[3, 2\]\)/);
  assert.deepEqual(t.tolist(), [0, 0, 0]);
});

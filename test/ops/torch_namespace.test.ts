/**
 * torch-namespace functions and Tensor methods that PyTorch 1.13 has and that need no fixture
 * (values from PyTorch by hand): the split family (splitWithSizes, unsafeSplit/Chunk),
 * concatenate, swapaxes_/swapdims_, cumprod_, the complex API on real tensors (conj, angle,
 * real, imag, isreal, ...), emptyStrided/newEmptyStrided, fill, frombuffer (memory shared with
 * the buffer), range, typename/isStorage/isSigned/isInference, broadcastShapes and the global
 * switches (anomaly mode, warn-always, deterministic debug mode), with PyTorch's errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { FluxionError, Tensor, arange, ones, tensor, zeros } from "../../src/index.js";

const msg = (re: RegExp) => (e: unknown) => e instanceof FluxionError && re.test(e.message);

test("splitWithSizes / unsafeSplitWithSizes split by sizes that must sum to the dim's size", () => {
  assert.deepEqual(fx.splitWithSizes(arange(5), [2, 3]).map((t) => t.tolist()), [[0, 1], [2, 3, 4]]);
  assert.deepEqual(arange(6).reshape([2, 3]).splitWithSizes([1, 2], 1).map((t) => t.tolist()), [[[0], [3]], [[1, 2], [4, 5]]]);
  assert.deepEqual(fx.unsafeSplitWithSizes(arange(5), [1, 4]).map((t) => t.tolist()), [[0], [1, 2, 3, 4]]);
  assert.deepEqual(fx.splitWithSizes(arange(4), [4]).length, 1);
  // views of the input, as split's
  const x = arange(4, { dtype: "float32" });
  fx.splitWithSizes(x, [2, 2])[1]!.fill_(9);
  assert.deepEqual(x.tolist(), [0, 1, 9, 9]);
  assert.throws(() => fx.splitWithSizes(arange(5), [2, 2]), msg(/split_sizes must sum exactly to 5 \(input tensor's size at dimension 0, shape \[5\]\), but got split_sizes=\[2,2\]/));
  assert.throws(() => fx.splitWithSizes(arange(4), [5, -1]), msg(/split_sizes must have only non-negative entries, but got split_sizes=\[5,-1\]/));
  assert.throws(() => fx.splitWithSizes(arange(4), [1, 3], 1), msg(/out of range/i));
  assert.throws(() => fx.splitWithSizes(tensor(1), [1]), msg(/expects at least a 1-dimensional tensor/));
});

test("unsafeChunk / unsafeSplit are chunk and split (views kept track of)", () => {
  assert.deepEqual(fx.unsafeChunk(arange(5), 2).map((t) => t.tolist()), [[0, 1, 2], [3, 4]]);
  assert.deepEqual(arange(5).unsafeSplit(2).map((t) => t.tolist()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(arange(5).unsafeChunk(2).map((t) => t.tolist()), [[0, 1, 2], [3, 4]]);
  assert.throws(() => fx.unsafeChunk(arange(4), 0), FluxionError);
});

test("concatenate is cat", () => {
  assert.deepEqual(fx.concatenate([ones([1, 2]), zeros([2, 2])]).tolist(), [[1, 1], [0, 0], [0, 0]]);
  assert.deepEqual(fx.concatenate([ones([1, 2]), zeros([1, 1])], 1).tolist(), [[1, 1, 0]]);
  assert.throws(() => fx.concatenate([ones([1, 2]), zeros([1, 1])]), FluxionError);
});

test("swapaxes_ / swapdims_ transpose in place; cumprod_ multiplies cumulatively in place", () => {
  const y = arange(6, { dtype: "float32" }).reshape([2, 3]);
  assert.equal(y.swapdims_(0, 1), y);
  assert.deepEqual(y.shape, [3, 2]);
  assert.deepEqual(y.tolist(), [[0, 3], [1, 4], [2, 5]]);
  y.swapaxes_(1, 0);
  assert.deepEqual(y.tolist(), [[0, 1, 2], [3, 4, 5]]);
  assert.throws(() => ones([2], { requiresGrad: true }).swapaxes_(0, 0), msg(/leaf Variable that requires grad/));

  const c = tensor([1, 2, 3]);
  assert.equal(c.cumprod_(0), c);
  assert.deepEqual(c.tolist(), [1, 2, 6]);
  const i = tensor([1, 2, 3], { dtype: "int64" });
  i.cumprod_(0, { dtype: "int64" });
  assert.deepEqual(i.tolist(), [1, 2, 6]);
  assert.throws(() => tensor([1, 2, 3], { dtype: "int64" }).cumprod_(0, { dtype: "float32" }), msg(/Bad in-place call: input tensor dtype int64 and output tensor dtype float32 should match/));
  // gradient flows as cumprod's
  const g = tensor([2, 3, 4], { dtype: "float64", requiresGrad: true });
  g.mul(1).cumprod_(0).sum().backward();
  assert.deepEqual(g.grad!.tolist(), [1 + 3 + 12, 2 + 8, 6]);
});

test("the complex API on real tensors: conj/resolve are identities, isConj/isNeg false, real is self, imag raises", () => {
  const x = tensor([1, -2, NaN, 0, -0]);
  for (const f of [fx.conj, fx.conjPhysical, fx.resolveConj, fx.resolveNeg, fx.real]) assert.equal(f(x), x);
  assert.equal(x.conj(), x);
  assert.equal(x.conjPhysical(), x);
  assert.equal(x.resolveConj(), x);
  assert.equal(x.resolveNeg(), x);
  assert.equal(x.real, x);
  assert.equal(x.isConj(), false);
  assert.equal(fx.isNeg(x), false);
  assert.throws(() => fx.imag(x), msg(/imag is not implemented for tensors with non-complex dtypes/));
  assert.throws(() => x.imag, msg(/imag is not implemented for tensors with non-complex dtypes/));
  const y = ones([2]);
  assert.equal(y.conjPhysical_(), y);
  assert.equal(fx.conjPhysical_(y), y);
  assert.throws(() => ones([2], { requiresGrad: true }).conjPhysical_(), msg(/leaf Variable that requires grad/));
  const r = fx.isreal(tensor([[1, NaN]]));
  assert.equal(r.dtype, "bool");
  assert.deepEqual(r.tolist(), [[true, true]]);
});

test("angle: 0 for x >= 0, pi for x < 0, NaN kept; floats keep their dtype, others become float32; zero gradient", () => {
  const a = fx.angle(tensor([1, -2, NaN, 0, -0, Infinity, -Infinity, -1e-30]));
  assert.equal(a.dtype, "float32");
  assert.deepEqual(a.tolist(), [0, Math.fround(Math.PI), NaN, 0, 0, 0, Math.fround(Math.PI), Math.fround(Math.PI)]);
  assert.equal(tensor([1, -2], { dtype: "float64" }).angle().dtype, "float64");
  assert.deepEqual(tensor([1, -2], { dtype: "float64" }).angle().tolist(), [0, Math.PI]);
  for (const dtype of ["int64", "bool", "uint8", "int32"] as const) assert.equal(fx.angle(tensor([1, 0], { dtype })).dtype, "float32");
  assert.equal(fx.angle(tensor([1], { dtype: "float16" })).dtype, "float16");
  assert.deepEqual(fx.angle(tensor(-2)).shape, []);
  const g = tensor([1, -2, 0], { requiresGrad: true });
  fx.angle(g).sum().backward();
  assert.deepEqual(g.grad!.tolist(), [0, 0, 0]);
});

test("emptyStrided / newEmptyStrided: the size and strides asked for, over a storage just large enough", () => {
  const e = fx.emptyStrided([2, 3], [1, 2]);
  assert.deepEqual([e.shape, e.stride(), e.dtype], [[2, 3], [1, 2], "float32"]);
  assert.equal(e.storage.data.length, 6);
  assert.equal(fx.emptyStrided([2, 3], [1, 2], { dtype: "int64" }).dtype, "int64");
  assert.equal(fx.emptyStrided([0, 3], [3, 1]).numel(), 0);
  assert.equal(fx.emptyStrided([2], [1], { requiresGrad: true }).requiresGrad, true);
  assert.throws(() => fx.emptyStrided([2, 3], [1]), msg(/mismatch in length of strides and shape/));
  const n = ones([2], { dtype: "float64" }).newEmptyStrided([2, 2], [2, 1]);
  assert.deepEqual([n.dtype, n.shape, n.stride()], ["float64", [2, 2], [2, 1]]);
  assert.equal(ones([2]).newEmptyStrided([2, 2], [2, 1], { dtype: "int32" }).dtype, "int32");
});

test("fill(x, v): a filled copy in x's dtype; a tensor value must be 0-d", () => {
  const x = tensor([1, 2], { dtype: "int64" });
  const f = fx.fill(x, 2.5);
  assert.equal(f.dtype, "int64");
  assert.deepEqual(f.tolist(), [2, 2]);
  assert.deepEqual(x.tolist(), [1, 2]); // out of place
  assert.deepEqual(fx.fill(tensor([1, 2]), tensor(3)).tolist(), [3, 3]);
  assert.throws(() => fx.fill(tensor([1, 2]), tensor([3, 3])), msg(/fill: only supports 0-dimension value tensor but got tensor with 1 dimensions/));
  const g = tensor([1, 2], { requiresGrad: true }), v = tensor(3, { requiresGrad: true });
  fx.fill(g, v).mul(tensor([1, 5])).sum().backward();
  assert.deepEqual(g.grad!.tolist(), [0, 0]);
  assert.equal(v.grad!.item(), 6);
});

test("frombuffer: a 1-D tensor over the buffer's bytes, sharing them; PyTorch's checks", () => {
  const b = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const t = fx.frombuffer(b, { dtype: "int32", count: 1, offset: 4 });
  assert.deepEqual([t.shape, t.dtype], [[1], "int32"]);
  assert.deepEqual(t.tolist(), [new Int32Array(b.buffer, 4, 1)[0]]);
  b[4] = 9;
  assert.deepEqual(t.tolist(), [new Int32Array(b.buffer, 4, 1)[0]]); // the buffer's change shows
  t.fill_(0);
  assert.deepEqual([...b], [1, 2, 3, 4, 0, 0, 0, 0]); // and the tensor's
  assert.deepEqual(fx.frombuffer(b.buffer, { dtype: "uint8", offset: 5 }).tolist(), [0, 0, 0]);
  assert.deepEqual(fx.frombuffer(new Float64Array([1.5, 2.5]), { dtype: "float64" }).tolist(), [1.5, 2.5]);
  // a view counts from its own first byte
  assert.deepEqual(fx.frombuffer(b.subarray(2, 4), { dtype: "uint8" }).tolist(), [3, 4]);
  assert.equal(fx.frombuffer(b, { dtype: "uint8", requiresGrad: false }).requiresGrad, false);
  assert.throws(() => fx.frombuffer(b, { dtype: "int32", offset: 1 }), msg(/buffer length \(7 bytes\) after offset \(1 bytes\) must be a multiple of element size \(4\)/));
  assert.throws(() => fx.frombuffer(b, { dtype: "int32", count: 3 }), msg(/requested buffer length \(3 \* 4 bytes\) after offset \(0 bytes\) must not be greater than actual buffer length \(8 bytes\)/));
  assert.throws(() => fx.frombuffer(new Uint8Array(0), { dtype: "int32" }), msg(/both buffer length \(0\) and count \(-1\) must not be 0/));
  assert.throws(() => fx.frombuffer(b, { dtype: "float32", offset: 9 }), msg(/offset \(9 bytes\) must be non-negative and no greater than buffer length \(8 bytes\) minus 1/));
  assert.throws(() => fx.frombuffer(b, { dtype: "int32", offset: 2, count: 1 }), msg(/not a multiple of int32's element size \(4\)/));
  assert.throws(() => fx.frombuffer([1, 2] as never, { dtype: "uint8" }), msg(/expected an ArrayBuffer, SharedArrayBuffer or a view of one/));
  assert.throws(() => (fx.frombuffer as (...a: unknown[]) => Tensor)(b), FluxionError); // dtype is required
});

test("range: the deprecated inclusive-end range, float by default, computed as start + i * step", () => {
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (m: string) => warnings.push(m);
  try {
    const r = fx.range(1, 4);
    assert.deepEqual([r.dtype, r.tolist()], ["float32", [1, 2, 3, 4]]);
    assert.deepEqual(fx.range(1, 4, 0.5).tolist(), [1, 1.5, 2, 2.5, 3, 3.5, 4]);
    assert.deepEqual(fx.range(0, 1, 0.3).tolist(), [0, 0.3, 0.6, 0.9].map(Math.fround));
    const i = fx.range(1, 4, { dtype: "int64" });
    assert.deepEqual([i.dtype, i.tolist()], ["int64", [1, 2, 3, 4]]);
    assert.deepEqual(fx.range(4, 1, -1).tolist(), [4, 3, 2, 1]);
    assert.deepEqual(fx.range(2, 2).tolist(), [2]);
    assert.throws(() => fx.range(4, 1), msg(/upper bound and lower bound inconsistent with step sign/));
    assert.throws(() => fx.range(1, 4, 0), msg(/step must be nonzero/));
    assert.ok(warnings.some((w) => /torch.range is deprecated/.test(w)));
  } finally {
    console.warn = warn;
  }
});

test("typename, isStorage, isSigned, isInference, getDevice-free predicates", () => {
  const names: [fx.DType, string][] = [["float32", "torch.FloatTensor"], ["float64", "torch.DoubleTensor"], ["float16", "torch.HalfTensor"], ["bfloat16", "torch.BFloat16Tensor"],
    ["int64", "torch.LongTensor"], ["int32", "torch.IntTensor"], ["int8", "torch.CharTensor"], ["uint8", "torch.ByteTensor"], ["bool", "torch.BoolTensor"]];
  for (const [dtype, name] of names) assert.equal(fx.typename(zeros([1], { dtype })), name);
  assert.equal(fx.typename(new fx.nn.Linear(1, 1)), "Linear");
  assert.equal(fx.typename(3), "number");
  assert.equal(fx.typename(() => 1), "function");
  assert.throws(() => (fx.typename as (...a: unknown[]) => string)(), FluxionError);
  const x = zeros([2]);
  assert.equal(fx.isStorage(x.storage), true);
  assert.equal(fx.isStorage(x), false);
  assert.deepEqual((["bool", "uint8", "int8", "float16", "bfloat16", "int64"] as const).map((d) => fx.isSigned(zeros([1], { dtype: d }))), [false, false, true, true, true, true]);
  assert.equal(fx.isInference(x), false);
  assert.equal(x.isInference(), false);
  assert.equal(fx.inferenceMode(() => zeros([1]).isInference()), false); // no inference tensors in Fluxion
});

test("broadcastShapes: the broadcast shape of shapes (an int is a 1-D shape)", () => {
  assert.deepEqual(fx.broadcastShapes([2, 1], [3]), [2, 3]);
  assert.deepEqual(fx.broadcastShapes(2, [3, 1]), [3, 2]);
  assert.deepEqual(fx.broadcastShapes(), []);
  assert.deepEqual(fx.broadcastShapes([0, 1], [4]), [0, 4]);
  assert.throws(() => fx.broadcastShapes([2, 1], [3, 4]), msg(/cannot be broadcast/));
  assert.throws(() => fx.broadcastShapes([-1]), msg(/Trying to create tensor with negative dimension \(-1\)/));
  assert.throws(() => fx.broadcastShapes([1.5] as never), msg(/each shape must be an int or a list of ints/));
});

test("isAnomalyEnabled / setAnomalyEnabled are autograd's anomaly-detection switch", () => {
  assert.equal(fx.isAnomalyEnabled(), false);
  fx.setAnomalyEnabled(true);
  try {
    assert.equal(fx.autograd.isAnomalyEnabled(), true);
    assert.equal(fx.isAnomalyEnabled(), true);
    assert.equal(fx.isAnomalyCheckNanEnabled(), true);
    // it is the same machinery: a NaN from a backward formula raises
    const x = tensor([0], { requiresGrad: true });
    assert.throws(() => x.sqrt().mul(0).sum().backward(), FluxionError);
    fx.setAnomalyEnabled(true, false);
    assert.equal(fx.isAnomalyCheckNanEnabled(), false);
  } finally {
    fx.setAnomalyEnabled(false);
  }
  assert.equal(fx.autograd.isAnomalyEnabled(), false);
  assert.equal(fx.isAnomalyCheckNanEnabled(), true);
  assert.throws(() => fx.setAnomalyEnabled("yes" as never), FluxionError);
});

test("setWarnAlways / isWarnAlwaysEnabled and set/getDeterministicDebugMode", () => {
  assert.equal(fx.isWarnAlwaysEnabled(), false);
  fx.setWarnAlways(true);
  assert.equal(fx.isWarnAlwaysEnabled(), true);
  fx.setWarnAlways(false);
  assert.equal(fx.isWarnAlwaysEnabled(), false);

  assert.equal(fx.getDeterministicDebugMode(), 0);
  try {
    fx.setDeterministicDebugMode("warn");
    assert.deepEqual([fx.getDeterministicDebugMode(), fx.areDeterministicAlgorithmsEnabled(), fx.isDeterministicAlgorithmsWarnOnlyEnabled()], [1, true, true]);
    fx.setDeterministicDebugMode(2);
    assert.deepEqual([fx.getDeterministicDebugMode(), fx.areDeterministicAlgorithmsEnabled(), fx.isDeterministicAlgorithmsWarnOnlyEnabled()], [2, true, false]);
    fx.useDeterministicAlgorithms(true, { warnOnly: true });
    assert.equal(fx.getDeterministicDebugMode(), 1);
    fx.setDeterministicDebugMode("default");
    assert.deepEqual([fx.getDeterministicDebugMode(), fx.areDeterministicAlgorithmsEnabled()], [0, false]);
    assert.throws(() => fx.setDeterministicDebugMode("bogus"), msg(/invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got bogus/));
    assert.throws(() => fx.setDeterministicDebugMode(3), msg(/invalid value of debug_mode, expected 0, 1, or 2, but got 3/));
  } finally {
    fx.setDeterministicDebugMode(0);
  }
});

test("Tensor.map2_, getDevice (-1 on the CPU), isShared/shareMemory_ (SharedArrayBuffer-backed), outputNr", () => {
  const x = tensor([1, 2, 3]);
  assert.equal(x.map2_(tensor([10, 20, 30]), tensor([100]), (s, p, q) => (s as number) + (p as number) * (q as number)), x);
  assert.deepEqual(x.tolist(), [1001, 2002, 3003]);
  assert.throws(() => x.map2_(tensor([1, 2, 3]), ones([2]), (s) => s), msg(/map2_: y of shape \[2\] cannot be broadcast to self's shape \[3\]/));
  assert.throws(() => x.map2_(x, x, 3 as never), FluxionError);
  assert.throws(() => ones([2], { requiresGrad: true }).map2_(ones([2]), ones([2]), (s) => s), FluxionError);

  assert.equal(x.getDevice(), -1);
  assert.equal(x.isShared(), false);
  assert.equal(x.shareMemory_(), x);
  const shared = fx.frombuffer(new SharedArrayBuffer(8), { dtype: "float32" });
  assert.equal(shared.isShared(), true);
  assert.equal(shared.narrow(0, 1, 1).isShared(), true);

  assert.equal(tensor([1, 2], { requiresGrad: true }).outputNr, 0);
});

test("histogramdd: D-dimensional histograms by bin counts, ranges, edges, weights and density (PyTorch's values)", () => {
  const x = tensor([[0, 0], [1, 1], [2, 0.5], [0.5, 2], [3, 3]]);
  let [h, e] = fx.histogramdd(x, [2, 3]);
  assert.deepEqual([h.tolist(), e.map((t) => t.tolist()), h.dtype], [[[1, 1, 1], [1, 0, 1]], [[0, 1.5, 3], [0, 1, 2, 3]], "float32"]);
  [h, e] = fx.histogramdd(x, 2, { range: [0, 4, 0, 2], weight: arange(5, { dtype: "float32" }) });
  assert.deepEqual([h.tolist(), e.map((t) => t.tolist())], [[[0, 4], [2, 0]], [[0, 2, 4], [0, 1, 2]]]);
  const r = fx.histogramdd(x, [tensor([0, 1, 3]), tensor([0, 2])], { density: true });
  assert.deepEqual([r.hist.tolist(), r.binEdges.map((t) => t.tolist())], [[[0.25], [0.125]], [[0, 1, 3], [0, 2]]]);
  [h, e] = fx.histogramdd(tensor([[1, 1]], { dtype: "float64" }), 1);
  assert.deepEqual([h.tolist(), e.map((t) => t.tolist()), h.dtype], [[[1]], [[0.5, 1.5], [0.5, 1.5]], "float64"]);
  assert.deepEqual(fx.histogramdd(zeros([2, 3, 2]), 2).hist.shape, [2, 2]); // leading dims are points
  assert.throws(() => fx.histogramdd(x, 2, { range: [0, 1] }), msg(/for a 2-dimensional histogram range should have 4 elements, but got 2/));
  assert.throws(() => fx.histogramdd(x, [2, 3, 4]), msg(/expected 2 sequences of bin edges \(or bin counts\) for a 2-dimensional histogram but got 3/));
  assert.throws(() => fx.histogramdd(tensor([[1, 2]], { dtype: "int64" }), 2), msg(/float32 or float64/));
  assert.throws(() => fx.histogramdd(x, 2, { weight: ones([4]) }), msg(/same shape as the input tensor excluding its innermost dimension/));
});

test("binomial: integer samples in [0, count] whose mean and variance follow the law of large numbers, both samplers", () => {
  const N = 20000;
  // count * min(p, 1 - p) below 10 (inversion) and above (BTRS), p on both sides of 0.5
  for (const [n, p] of [[12, 0.2], [10, 0.9], [5, 0.01], [100, 0.3], [1000, 0.6], [50, 0.5]] as const) {
    const s = fx.binomial(fx.full([N], n, { dtype: "float64" }), fx.full([N], p, { dtype: "float64" }), new fx.Generator(7));
    assert.deepEqual([s.shape, s.dtype], [[N], "float64"]);
    assert.equal(s.sub(s.round()).abs().max().item(), 0, "integers");
    assert.ok((s.min().item() as number) >= 0 && (s.max().item() as number) <= n, "in [0, count]");
    const mean = s.mean().item() as number, variance = s.var().item() as number;
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(mean - n * p) < (5 * sd) / Math.sqrt(N), `mean ${mean} vs ${n * p} (n ${n}, p ${p})`);
    assert.ok(Math.abs(variance / (sd * sd) - 1) < 0.08, `variance ${variance} vs ${sd * sd} (n ${n}, p ${p})`);
  }
  // the edges, as PyTorch: count <= 0 or prob 0 give 0, prob 1 gives count
  assert.deepEqual(fx.binomial(tensor([-3, 0, 4, 3.5]), tensor([0.5, 0.5, 0, 1])).tolist(), [0, 0, 0, 3.5]);
  // a generator makes it reproducible; count and prob broadcast; float32 stays float32
  const a = fx.binomial(tensor([10, 5]), tensor(0.5), new fx.Generator(3)), b = fx.binomial(tensor([10, 5]), tensor(0.5), { generator: new fx.Generator(3) });
  assert.deepEqual([a.tolist(), a.dtype, a.shape], [b.tolist(), "float32", [2]]);
  assert.deepEqual(fx.binomial(tensor(10), tensor([0.5, 0.2])).shape, [2]);
  const c = tensor([10], { requiresGrad: true }), q = tensor([0.5], { requiresGrad: true });
  const d = fx.binomial(c, q);
  assert.equal(d.requiresGrad, true);
  d.sum().backward();
  assert.deepEqual([c.grad!.tolist(), q.grad!.tolist()], [[0], [0]]);
  assert.throws(() => fx.binomial(tensor([10], { dtype: "int64" }), tensor([0.5])), msg(/binomial: expected a floating point count tensor, got int64/));
  assert.throws(() => fx.binomial(tensor([10], { dtype: "float64" }), tensor([0.5])), msg(/Found dtype float32 but expected float64/));
});

// The F functions added for issue 11 section 3, beyond the PyTorch fixtures: finite-difference
// gradchecks in float64 (second derivatives too, where the composition gives them), the
// positional and options forms agreeing, dtypes kept, in-place forms, and every error path
// with its message.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, Generator, autograd, nn, randn, tensor, type Tensor } from "../../src/index.js";
import { assertClose, assertShape } from "../helpers.js";

const F = nn.F;
const { gradcheck, gradgradcheck } = autograd;

/** A float64 leaf with values in [lo, hi) (uniform), seeded. */
function leaf(shape: number[], seed: number, lo = -2, hi = 2): Tensor {
  return randn(shape, { dtype: "float64", generator: new Generator(seed) }).mul(0).add(
    tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => lo + ((hi - lo) * ((i * 7919 + seed * 104729) % 1009)) / 1009), { shape, dtype: "float64" }),
  ).requiresGrad_(true);
}
/** Distinct values in a random order (no ties for max pooling, no kinks hit by accident). */
function distinct(shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const g = new Generator(seed);
  const order = Array.from({ length: n }, (_, i) => ({ i, k: g.nextDouble() })).sort((a, b) => a.k - b.k).map((o) => o.i);
  return tensor(order.map((v) => (v - n / 2) / n + 0.003), { shape, dtype: "float64" }).requiresGrad_(true);
}
const check = (fn: (...t: Tensor[]) => Tensor, inputs: Tensor[]) => assert.ok(gradcheck(fn, inputs, { atol: 1e-6, rtol: 1e-4 }));
const check2 = (fn: (...t: Tensor[]) => Tensor, inputs: Tensor[]) => assert.ok(gradgradcheck(fn, inputs, { atol: 1e-5, rtol: 1e-3 }));

describe("gradcheck in float64", () => {
  it("activations (inputs away from the kinks), and second derivatives of the smooth ones", () => {
    // values in (-3.9, 3.9) that avoid -3, 0, 3, ±0.5 by construction (steps of 0.3, offset 0.1)
    const x = tensor(Array.from({ length: 24 }, (_, i) => -3.5 + 0.3 * i + 0.07), { shape: [4, 6], dtype: "float64" }).requiresGrad_(true);
    const fns: [string, (t: Tensor) => Tensor][] = [
      ["celu", (t) => F.celu(t, 0.7)], ["selu", (t) => F.selu(t)], ["hardsigmoid", (t) => F.hardsigmoid(t)], ["hardswish", (t) => F.hardswish(t)],
      ["relu6", (t) => F.relu6(t.mul(2))], ["hardtanh", (t) => F.hardtanh(t, -1.05, 1.05)], ["mish", (t) => F.mish(t)], ["softsign", (t) => F.softsign(t)],
      ["logsigmoid", (t) => F.logsigmoid(t)], ["softmin", (t) => F.softmin(t, 1)], ["tanhshrink", (t) => F.tanhshrink(t)],
      ["softshrink", (t) => F.softshrink(t, 0.55)], ["hardshrink", (t) => F.hardshrink(t, 0.55)], ["threshold", (t) => F.threshold(t, 0.55, -1)],
      ["glu", (t) => F.glu(t, 1)], ["glu0", (t) => F.glu(t, 0)],
    ];
    for (const [name, f] of fns) assert.ok(gradcheck(f, [x], { atol: 1e-6, rtol: 1e-4 }), name);
    for (const [name, f] of fns.filter(([n]) => ["celu", "selu", "hardswish", "mish", "softsign", "logsigmoid", "softmin", "tanhshrink", "glu"].includes(n))) {
      assert.ok(gradgradcheck(f, [x], { atol: 1e-5, rtol: 1e-3 }), `${name} (second derivative)`);
    }
  });
  it("logsigmoid: the gradient keeps its tail for large x in float32 (PyTorch's log_sigmoid_backward)", () => {
    // PyTorch 1.13: F.logsigmoid(x).sum().backward() in float32; the composite form's gradient rounded 2e-9 to 0
    const x = tensor([-100, -20, 0, 20, 100], { requiresGrad: true });
    const y = F.logsigmoid(x);
    assert.equal(y.gradFn!.name, "LogSigmoidBackward0");
    y.sum().backward();
    const g = x.grad!.tolist() as number[];
    const want = [1, 1, 0.5, 2.061154e-9, 3.783506e-44];
    g.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= 1e-6 * Math.abs(want[i]!), `x=${x.tolist()[i]}: ${v} vs ${want[i]}`));
    assertClose(y.detach(), [-100, -20, -Math.log(2), -2.0611537e-9, 0], { atol: 1e-6 });
  });
  it("prelu in its input and its weight (one value, and one per channel)", () => {
    const x = distinct([2, 3, 4], 1).mul(4).detach().requiresGrad_(true);
    check((a, w) => F.prelu(a, w), [x, tensor([0.25], { dtype: "float64", requiresGrad: true })]);
    check((a, w) => F.prelu(a, w), [x, tensor([0.1, -0.3, 0.6], { dtype: "float64", requiresGrad: true })]);
  });
  it("normalize for p = 2, 1, 3 and inf", () => {
    const x = leaf([3, 4], 2, 0.2, 2);
    for (const [p, dim] of [[2, 1], [1, 0], [3, -1], [Infinity, 1]] as const) check((a) => F.normalize(a, p, dim), [x]);
    check2((a) => F.normalize(a), [x]);
  });
  it("normalize: a zero row gets PyTorch's finite gradient (1/eps), not NaN, for every p", () => {
    // PyTorch 1.13: F.normalize(x, p).sum().backward() for x = [[0, 0, 0], [1, 2, 2]]
    const want: Record<number, number[]> = { 2: [4 / 27, -1 / 27, -1 / 27], 1: [0, 0, 0], 3: [0.27453, -0.068631, -0.068631], 0.5: [-0.020879, 0.0052197, 0.0052197] };
    for (const p of [2, 1, 3, 0.5]) {
      const x = tensor([[0, 0, 0], [1, 2, 2]], { dtype: "float64", requiresGrad: true });
      F.normalize(x, p).sum().backward();
      assert.deepEqual(x.grad!.tolist()[0], [1e12, 1e12, 1e12], `p = ${p}`);
      assertClose(x.grad!.tolist()[1], want[p], { atol: 1e-6, rtol: 1e-4, msg: `p = ${p}` });
    }
    assertClose(F.normalize(tensor([[3, 4]], { dtype: "float64" })), [0.6, 0.8]);
  });
  it("interpolate, every mode (and antialias), first and second derivatives", () => {
    const x3 = leaf([1, 2, 5], 3), x4 = leaf([1, 1, 4, 5], 4), x5 = leaf([1, 1, 3, 2, 3], 5);
    const cases: [Tensor, Record<string, unknown>][] = [
      [x3, { size: 8 }], [x3, { scaleFactor: 1.7, mode: "nearest-exact" }], [x3, { size: 7, mode: "linear" }], [x3, { size: 3, mode: "linear", alignCorners: true }],
      [x4, { size: [6, 7], mode: "bilinear" }], [x4, { scaleFactor: 1.5, mode: "bicubic" }], [x4, { size: [3, 3], mode: "bicubic", alignCorners: true }],
      [x4, { size: [2, 3], mode: "area" }], [x4, { size: [3, 2], mode: "bilinear", antialias: true }], [x4, { size: [2, 3], mode: "bicubic", antialias: true }],
      [x5, { size: [4, 3, 2], mode: "trilinear" }], [x5, { scaleFactor: [1.5, 2, 0.7], mode: "nearest" }],
    ];
    for (const [x, opts] of cases) assert.ok(gradcheck((a) => F.interpolate(a, opts), [x], { atol: 1e-6, rtol: 1e-4 }), JSON.stringify(opts));
    check2((a) => F.interpolate(a, { size: [6, 7], mode: "bilinear" }), [x4]);
  });
  it("conv3d, convTranspose1d and convTranspose3d in input, weight and bias", () => {
    const x = leaf([1, 2, 3, 4, 3], 6), w = leaf([4, 1, 2, 2, 2], 7), b = leaf([4], 8);
    check((a, k, c) => F.conv3d(a, k, c, 1, 1, 1, 2), [x, w, b]);
    check((a, k, c) => F.conv3d(a, k, c, [2, 1, 1], "valid", [1, 2, 1], 2), [x, w, b]);
    check((a, k) => F.conv3d(a, k, null, 1, "same", 1, 2), [x, w]);
    const wt = leaf([2, 2, 2, 2, 2], 9), bt = leaf([4], 10);
    check((a, k, c) => F.convTranspose3d(a, k, c, 2, 1, 1, 2), [x, wt, bt]);
    check((a, k) => F.convTranspose3d(a, k, null, 1, 1, [2, 0, 1], 1, [3, 1, 2]), [x, leaf([2, 3, 2, 2, 2], 11)]);
    check((a, k, c) => F.convTranspose1d(a, k, c, 2, 1, 1), [leaf([2, 2, 5], 12), leaf([2, 3, 3], 13), leaf([3], 14)]);
    check2((a, k) => F.conv3d(a, k, null, 1, 1, 1, 2), [x, w]);
  });
  it("3-D pooling, adaptive pooling, unpooling and instance norm", () => {
    const v = distinct([1, 2, 4, 5, 4], 15);
    check((a) => F.avgPool3d(a, 2, 1, 1, true, false), [v]);
    check((a) => F.avgPool3d(a, [3, 2, 2], 2, [1, 1, 0]), [v]);
    check((a) => F.maxPool3d(a, 2, 2, 1, 1, true), [v]);
    check((a) => F.maxPool3d(a, [2, 3, 2], 1, 0, [2, 1, 1]), [v]);
    check((a) => F.adaptiveAvgPool3d(a, [3, 2, 3]), [v]);
    check((a) => F.adaptiveMaxPool3d(a, [3, 2, 3]), [v]);
    check((a) => F.adaptiveMaxPool2d(a.flatten(1, 2), [3, 3]), [v]);
    check((a) => F.adaptiveMaxPool1d(a.flatten(1), 7), [v]);
    const x = distinct([1, 2, 4, 4], 16);
    const [, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    check((a) => F.maxUnpool2d(a, idx, 2), [leaf([1, 2, 2, 2], 17)]);
    const w = leaf([2], 18), b = leaf([2], 19);
    check((a, ww, bb) => F.instanceNorm(a, null, null, ww, bb), [leaf([2, 2, 5], 20), w, b]);
    check2((a) => F.instanceNorm(a), [leaf([2, 2, 5], 21)]);
  });
});

describe("forms, dtypes and in-place variants", () => {
  const x = randn([2, 3, 5, 6], { generator: new Generator(1) });
  const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.tolist(), b.tolist());
  it("positional arguments and the options object give the same results", () => {
    same(F.interpolate(x, null, 2, "bilinear", true), F.interpolate(x, { scaleFactor: 2, mode: "bilinear", alignCorners: true }));
    same(F.interpolate(x, [7, 3], null, "bicubic", null, null, true), F.interpolate(x, { size: [7, 3], mode: "bicubic", antialias: true }));
    same(F.normalize(x, 1, 2, 0.1), F.normalize(x, { p: 1, dim: 2, eps: 0.1 }));
    same(F.softshrink(x, 0.3), F.softshrink(x, { lambd: 0.3 }));
    same(F.softmin(x, 1, { dtype: "float64" }), x.double().neg().softmax(1));
    same(F.glu(x, 3), F.glu(x, { dim: 3 }));
    const v = x.unsqueeze(2).expand([2, 3, 4, 5, 6]).contiguous();
    same(F.avgPool3d(v, 2, 1, 1, true, false, 3), F.avgPool3d(v, 2, { stride: 1, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 3 }));
    same(F.maxPool3d(v, 3, 2, 1, 1, true), F.maxPool3d(v, 3, { stride: 2, padding: 1, ceilMode: true }));
    same(F.instanceNorm(x, null, null, null, null, true, 0.1, 0.5), F.instanceNorm(x, { eps: 0.5 }));
    const w = randn([4, 3, 2, 2, 2], { generator: new Generator(2) });
    same(F.conv3d(v, w, null, 1, 1), F.conv3d(v, w, { padding: 1 }));
    same(F.convTranspose3d(v, w.transpose(0, 1), null, 2, 1, 1), F.convTranspose3d(v, w.transpose(0, 1), { stride: 2, padding: 1, outputPadding: 1 }));
  });
  it("3-D results are contiguous, as PyTorch's, so .view() works on them", () => {
    const v = randn([2, 4, 3, 4, 5], { generator: new Generator(3) });
    const outs = [
      F.conv3d(v, randn([6, 2, 2, 3, 3]), null, 1, 1, 1, 2), F.conv3d(v, randn([6, 4, 2, 3, 3]), randn([6])),
      F.convTranspose3d(v, randn([4, 3, 2, 2, 2]), null, 2), F.convTranspose3d(v, randn([4, 3, 2, 2, 2]), randn([3])),
      F.maxPool3d(v, 2), F.avgPool3d(v, 2), F.adaptiveMaxPool3d(v, 2), F.adaptiveAvgPool3d(v, [2, 3, 1]), F.interpolate(v, { scaleFactor: 1.5, mode: "trilinear" }),
    ];
    for (const y of outs) assert.ok(y.isContiguous(), `shape ${y.shape}`);
    assertShape(outs[0]!.view(2, -1), [2, outs[0]!.numel() / 2]);
  });
  it("float32 stays float32; nearest modes take integer inputs", () => {
    for (const y of [F.interpolate(x, { scaleFactor: 2, mode: "bicubic" }), F.mish(x), F.hardswish(x), F.normalize(x), F.conv3d(x.unsqueeze(2), randn([1, 3, 1, 2, 2]))]) assert.equal(y.dtype, "float32");
    const ints = tensor([[[1, 2, 3]]], { dtype: "int32" });
    const up = F.interpolate(ints, { scaleFactor: 2 });
    assert.equal(up.dtype, "int32");
    assert.deepEqual(up.tolist(), [[[1, 1, 2, 2, 3, 3]]]);
    assert.deepEqual(F.relu6(tensor([-1, 3, 9], { dtype: "int32" })).tolist(), [0, 3, 6]);
  });
  it("in-place forms write into their input", () => {
    for (const f of [(t: Tensor) => F.relu6(t, true), (t: Tensor) => F.hardswish(t, true), (t: Tensor) => F.celu(t, 2, true), (t: Tensor) => F.threshold(t, 0, 5, true)]) {
      const y = x.clone();
      assert.equal(f(y), y);
      assert.notDeepEqual(y.tolist(), x.tolist());
    }
  });
  it("hand-computed values", () => {
    // bilinear 2x2 -> 3x3 with alignCorners: the centre is the mean of the corners
    const c = F.interpolate(tensor([[[[0, 2], [4, 6]]]]), { size: 3, mode: "bilinear", alignCorners: true });
    assert.deepEqual(c.tolist(), [[[[0, 1, 2], [2, 3, 4], [4, 5, 6]]]]);
    // area 4 -> 2 is the mean of pairs; nearest 2 -> 4 repeats
    assert.deepEqual(F.interpolate(tensor([[[1, 3, 5, 9]]]), { size: 2, mode: "area" }).tolist(), [[[2, 7]]]);
    assert.deepEqual(F.interpolate(tensor([[[1, 3]]]), { size: 4 }).tolist(), [[[1, 1, 3, 3]]]);
    // relu6, hardsigmoid and hardswish at their kinks, and their gradients there (PyTorch's)
    const k = tensor([-3, 0, 3, 6], { dtype: "float64", requiresGrad: true });
    assert.deepEqual(F.hardswish(k).tolist(), [-0, 0, 3, 6]);
    F.hardswish(k).sum().backward();
    assert.deepEqual(k.grad!.tolist(), [-0.5, 0.5, 1, 1]);
    k.grad = null;
    F.relu6(k).sum().backward();
    assert.deepEqual(k.grad!.tolist(), [0, 0, 1, 0]);
    // conv3d with a ones kernel sums 2x2x2 blocks
    const cube = tensor(Array.from({ length: 8 }, (_, i) => i + 1), { shape: [1, 1, 2, 2, 2] });
    assert.deepEqual(F.conv3d(cube, randn([1, 1, 2, 2, 2]).mul(0).add(1)).tolist(), [[[[[36]]]]]);
    // convTranspose3d of a single 1 with stride 2 writes the kernel
    const one = tensor([1], { shape: [1, 1, 1, 1, 1] });
    const k3 = tensor(Array.from({ length: 8 }, (_, i) => i), { shape: [1, 1, 2, 2, 2] });
    assert.deepEqual(F.convTranspose3d(one, k3, null, 2).tolist(), k3.tolist());
  });
});

describe("errors name the function, the argument and what it got", () => {
  const x = randn([1, 2, 4, 4]);
  const throwsF = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message), String(re));
  it("interpolate", () => {
    throwsF(() => F.interpolate(x, { size: 3, alignCorners: true }), /interpolate: align_corners option can only be set with the interpolating modes: linear \| bilinear \| bicubic \| trilinear/);
    throwsF(() => F.interpolate(x, { size: 3, scaleFactor: 2 }), /interpolate: only one of size or scaleFactor should be defined/);
    throwsF(() => F.interpolate(x), /interpolate: either size or scaleFactor should be defined/);
    throwsF(() => F.interpolate(x, { size: [2, 3, 4] }), /interpolate: Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of \[4, 4\] and output size \[2, 3, 4\]/);
    throwsF(() => F.interpolate(x, { scaleFactor: [2] }), /interpolate: Input and scale_factor must have the same number of spatial dimensions/);
    throwsF(() => F.interpolate(x, { size: 3, recomputeScaleFactor: true }), /recomputeScaleFactor is not meaningful with an explicit size/);
    throwsF(() => F.interpolate(x, { size: 3, mode: "nearest", antialias: true }), /Anti-alias option is only supported for bilinear and bicubic modes/);
    throwsF(() => F.interpolate(x, { size: 3, mode: "trilinear" }), /interpolate: Got 4D input \(shape \[1, 2, 4, 4\]\), but trilinear mode needs 5D input/);
    throwsF(() => F.interpolate(x.flatten(2), { size: 3, mode: "bicubic" }), /but bicubic mode needs 4D input/);
    throwsF(() => F.interpolate(x.flatten(), { size: 3 }), /interpolate: Input Error: Only 3D, 4D and 5D input Tensors supported \(got 1D/);
    throwsF(() => F.interpolate(x, { scaleFactor: 0.1 }), /interpolate: Input and output sizes should be greater than 0, but got input \(H: 4, W: 4\) output \(H: 0, W: 0\)/);
    throwsF(() => F.interpolate(tensor([[[1, 2]]], { dtype: "int32" }), { size: 3, mode: "linear" }), /interpolate: mode "linear" needs a floating point input, got int32/);
    assert.throws(() => F.interpolate(x, 3, null, "cubic" as never), (e: Error) => e instanceof ArgumentError && /interpolate\(\): argument 'mode'/.test(e.message));
    assert.throws(() => F.interpolate(x, "3" as never), (e: Error) => e instanceof ArgumentError && /argument 'size'/.test(e.message));
  });
  it("activations and normalize", () => {
    throwsF(() => F.celu(x, 0), /celu: ZeroDivisionError: alpha cannot be 0 for CELU/);
    throwsF(() => F.softshrink(x, -1), /softshrink: lambda must be greater or equal to 0, but found to be -1/);
    throwsF(() => F.glu(x, 0), /glu: Halving dimension must be even, but dimension 0 is size 1/);
    throwsF(() => F.glu(tensor(1)), /glu: glu does not support scalars/);
    throwsF(() => F.prelu(x, randn([1, 2])), /prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = 2/);
    throwsF(() => F.prelu(x, randn([3])), /prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 2/);
    throwsF(() => F.normalize(x, 2, 4), /normalize: Dimension out of range \(expected to be in range of \[-4, 3\], but got 4\)/);
    throwsF(() => F.normalize(tensor([1, 2], { dtype: "int32" }), 2, 0), /normalize: expected a floating point input, got int32/);
    throwsF(() => new nn.Hardtanh(1, -1), /Hardtanh: maxVal must be greater than minVal/);
  });
  it("instance norm", () => {
    throwsF(() => F.instanceNorm(x, null, null, null, null, false), /instanceNorm: Expected running_mean and running_var to be defined when useInputStats is false/);
    throwsF(() => F.instanceNorm(x.flatten(1)), /instanceNorm: expected an input of at least 3 dims \[N, C, \*\], got shape \[1, 32\]/);
    throwsF(() => F.instanceNorm(x, null, null, randn([3])), /instanceNorm: expected weight of shape \[2\], got \[3\]/);
    // the running stats are untouched by a failed call
    const rm = tensor([1, 2]);
    throwsF(() => F.instanceNorm(randn([2, 2, 1]), rm, tensor([1, 1])), /Expected more than 1 spatial element when training/);
    assert.deepEqual(rm.tolist(), [1, 2]);
  });
  it("3-D convolutions", () => {
    const v = randn([1, 4, 3, 4, 4]);
    throwsF(() => F.conv3d(v, randn([2, 4, 3, 3])), /conv3d: expected a 5-D weight, got shape \[2, 4, 3, 3\]/);
    throwsF(() => F.conv3d(v, randn([2, 3, 1, 1, 1])), /conv3d: Given groups=1, weight of size \[2, 3, 1, 1, 1\], expected input\[1, 4, 3, 4, 4\] to have 3 channels, but got 4 channels instead/);
    throwsF(() => F.conv3d(v, randn([3, 2, 1, 1, 1]), null, 1, 0, 1, 2), /conv3d: out_channels \(weight \[3, 2, 1, 1, 1\] dim 0 = 3\) must be divisible by groups \(2\)/);
    throwsF(() => F.conv3d(v, randn([2, 4, 4, 1, 1])), /conv3d: Calculated padded input size per channel: \(3 x 4 x 4\). Kernel size: \(4 x 1 x 1\). Kernel size can't be greater than actual input size/);
    throwsF(() => F.conv3d(v, randn([2, 4, 1, 1, 1]), null, 2, "same"), /conv3d: padding='same' is not supported for strided convolutions/);
    throwsF(() => F.conv3d(v, randn([2, 4, 1, 1, 1], { dtype: "float64" })), /conv3d: input, weight and bias must have the same dtype, got float32, float64/);
    throwsF(() => F.conv3d(v.flatten(2), randn([2, 4, 1, 1, 1])), /conv3d: expected a 4-D or 5-D input \[N, C, D, H, W\], got shape \[1, 4, 48\]/);
    throwsF(() => F.convTranspose3d(v, randn([3, 2, 2, 2, 2])), /convTranspose3d: Given transposed=1, weight of size \[3, 2, 2, 2, 2\], expected input\[1, 4, 3, 4, 4\] to have 3 channels, but got 4 channels instead/);
    throwsF(() => F.convTranspose3d(v, randn([4, 2, 2, 2, 2]), null, 1, 0, 1), /convTranspose3d: output padding must be smaller than either stride or dilation/);
    throwsF(() => F.convTranspose3d(v, randn([4, 2, 2, 2, 2]), randn([3])), /convTranspose3d: expected bias of shape \[2\], got \[3\]/);
    throwsF(() => F.convTranspose1d(randn([1, 4, 3]), randn([4, 2, 2]), null, 1, 3), /convTranspose1d: output size \(-2\) is non-positive/);
    throwsF(() => new nn.Conv3d(4, 2, 3).forward(randn([1, 3, 4, 4, 4])), /Conv3d: expected a 4-D or 5-D input \[N, C, D, H, W\] with C = 4, got shape \[1, 3, 4, 4, 4\]/);
  });
  it("3-D and adaptive pooling", () => {
    const v = randn([1, 2, 3, 4, 4]);
    throwsF(() => F.maxPool3d(v, 2, 2, 2), /maxPool3d: pad should be smaller than or equal to half of kernel size, but got padding \(2, 2, 2\) for kernel size \(2, 2, 2\)/);
    throwsF(() => F.avgPool3d(v, 4), /avgPool3d: Given input size: \(2x3x4x4\). Calculated output size: \(2x0x1x1\). Output size is too small/);
    throwsF(() => F.avgPool3d(v, 2, null, 0, false, true, 0), /avgPool3d: divisorOverride must be a non-zero number, got 0/);
    throwsF(() => F.maxPool3d(x.flatten(2), 2), /maxPool3d: expected a 4-D or 5-D input \[N, C, D, H, W\], got shape \[1, 2, 16\]/);
    assert.throws(() => F.adaptiveAvgPool3d(v, [2, 2] as never), (e: Error) => e instanceof ArgumentError && /adaptiveAvgPool3d\(\): argument 'outputSize' \(position 2\) must be int or Any\[3\], but got array \[2, 2\]/.test(e.message));
    throwsF(() => F.adaptiveAvgPool3d(v, [2, "a", 1] as never), /adaptiveAvgPool3d: outputSize must be positive integers, got \[2,"a",1\]/);
    throwsF(() => F.adaptiveMaxPool2d(x, 0), /adaptiveMaxPool2d: outputSize must be positive integers, got 0/);
    throwsF(() => F.adaptiveMaxPool1d(x, 2), /adaptiveMaxPool1d: expected a 2-D or 3-D input \[N, C, L\], got shape \[1, 2, 4, 4\]/);
  });
  it("maxPool3d indices and adaptive max indices are flat positions in each volume, first maximum on ties", () => {
    // all equal: every window's first element wins
    const flat = tensor(new Array(2 * 4 * 4).fill(1), { shape: [1, 1, 2, 4, 4] });
    const [, idx] = F.maxPool3d(flat, 2, { returnIndices: true });
    assert.deepEqual(idx.tolist(), [[[[[0, 2], [8, 10]]]]]);
    const [, aidx] = F.adaptiveMaxPool2d(tensor(new Array(9).fill(1), { shape: [1, 3, 3] }), 2, true);
    assert.deepEqual(aidx.tolist(), [[[0, 1], [3, 4]]]);
    // a unique maximum anywhere in the volume is found
    const v = randn([1, 1, 3, 4, 5], { generator: new Generator(3) });
    const [m, i] = F.maxPool3d(v, [3, 4, 5], { returnIndices: true });
    assert.equal(m.item(), v.max().item());
    assert.equal(i.item(), v.flatten().argmax().item());
    const [am, ai] = F.adaptiveMaxPool3d(v, 1, true);
    assertShape(am, [1, 1, 1, 1, 1]);
    assert.equal(ai.item(), i.item());
  });
});

// PyTorch 1.13, x = [0, -0, -1, 1] (float64): g = grad(f(x).sum()), h = grad(g.sum()):
// elu(x, 1.5): g [1.5, 1.5, .5518191617571635, 1], h [0, 0, .5518191617571635, 0]
// celu(x, .5): g [1, 1, .1353352832366127, 1], h [0, 0, .2706705664732254, 0]
// selu(x): g [1.7580993408473766, 1.7580993408473766, .646768603034814, 1.0507009873554805], h [0, 0, .646768603034814, 0]
// softplus(x, 2, 2) at x = [1, .5, 1.5] (beta·x = threshold at 1): g [.8807970779778824, .7310585786300049, 1], h [0, .3932238664829637, 0]
describe("activation kinks", () => it("elu, celu, selu and softplus: PyTorch's first and second derivatives at their kinks (x = 0, beta·x = threshold)", () => {
  const cases: [(x: Tensor) => Tensor, number[], number[], number[]][] = [
    [(x) => F.elu(x, 1.5), [0, -0, -1, 1], [1.5, 1.5, 0.5518191617571635, 1], [0, 0, 0.5518191617571635, 0]],
    [(x) => F.celu(x, 0.5), [0, -0, -1, 1], [1, 1, 0.1353352832366127, 1], [0, 0, 0.2706705664732254, 0]],
    [(x) => F.selu(x), [0, -0, -1, 1], [1.7580993408473766, 1.7580993408473766, 0.646768603034814, 1.0507009873554805], [0, 0, 0.646768603034814, 0]],
    [(x) => F.softplus(x, 2, 2), [1, 0.5, 1.5], [0.8807970779778824, 0.7310585786300049, 1], [0, 0.3932238664829637, 0]],
  ];
  for (const [f, xs, g1, g2] of cases) {
    const x = tensor(xs, { dtype: "float64", requiresGrad: true });
    const [g] = autograd.grad(f(x).sum(), [x], { createGraph: true });
    const [h] = autograd.grad(g!.sum(), [x]);
    assertClose(g!, g1, { atol: 1e-14, rtol: 1e-12 });
    assertClose(h!, g2, { atol: 1e-14, rtol: 1e-12 });
  }
}));

// PyTorch 1.13: x = [0, -800, 800]: grad of logsigmoid(x).sum() [.5, 1, 0], of that gradient's
// sum [-.25, 0, 0]; binary_cross_entropy_with_logits([0, 0, 2], [.5, 1, 0], reduction='sum'):
// grad [0, -.5, .8807970779778823]
describe("logsigmoid and binaryCrossEntropyWithLogits at a logit of 0", () => {
  it("have PyTorch's first and second derivatives there (not abs's or clamp's kink)", () => {
    const x = tensor([0, -800, 800], { dtype: "float64", requiresGrad: true });
    const [g] = autograd.grad(F.logsigmoid(x).sum(), [x], { createGraph: true });
    assertClose(g!, [0.5, 1, 0], { atol: 1e-15, rtol: 1e-15 });
    assertClose(autograd.grad(g!.sum(), [x])[0]!, [-0.25, 0, 0], { atol: 1e-15, rtol: 1e-15 });
    const z = tensor([0, 0, 2], { dtype: "float64", requiresGrad: true });
    const [gz] = autograd.grad(F.binaryCrossEntropyWithLogits(z, tensor([0.5, 1, 0], { dtype: "float64" }), { reduction: "sum" }), [z]);
    assertClose(gz!, [0, -0.5, 0.8807970779778823], { atol: 1e-15, rtol: 1e-12 });
  });
});

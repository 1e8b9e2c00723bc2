// The nn layers added for issue 11 section 3: each built from PyTorch's positional call and
// from the options form gives what PyTorch 1.13 builds (fixtures/nn_new_reference.json:
// print, stateDict names and shapes), constructors are declared in PyTorch's order, instance
// norm's running statistics follow PyTorch's, and unpooling inverts max pooling.
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, Generator, nn, randn, tensor, type Tensor } from "../../src/index.js";
import { assertClose, assertShape } from "../helpers.js";
import { camel, declaredCtor, differences, type Departures } from "../fixtures/api_signatures.js";
import { NEW_REF } from "../fixtures/nn_new_cases.js";

const F = nn.F;

/** Each fixture case: Fluxion's positional form (as the torch call) and its options form. */
const CASES: Record<string, [() => nn.Module, () => nn.Module]> = {
  CELU: [() => new nn.CELU(0.5, true), () => new nn.CELU({ alpha: 0.5, inplace: true })],
  CELUDefault: [() => new nn.CELU(), () => new nn.CELU({})],
  HardtanhDefault: [() => new nn.Hardtanh(), () => new nn.Hardtanh({})],
  SELU: [() => new nn.SELU(true), () => new nn.SELU({ inplace: true })],
  Hardsigmoid: [() => new nn.Hardsigmoid(true), () => new nn.Hardsigmoid({ inplace: true })],
  Hardswish: [() => new nn.Hardswish(), () => new nn.Hardswish({ inplace: false })],
  Hardtanh: [() => new nn.Hardtanh(-2.0, 3.0, true), () => new nn.Hardtanh({ minVal: -2, maxVal: 3, inplace: true })],
  ReLU6: [() => new nn.ReLU6(true), () => new nn.ReLU6({ inplace: true })],
  Mish: [() => new nn.Mish(), () => new nn.Mish({})],
  Softsign: [() => new nn.Softsign(), () => new nn.Softsign(...([{}] as unknown as []))],
  LogSigmoid: [() => new nn.LogSigmoid(), () => new nn.LogSigmoid(...([{}] as unknown as []))],
  Softmin: [() => new nn.Softmin(1), () => new nn.Softmin({ dim: 1 })],
  SoftminNoDim: [() => new nn.Softmin(), () => new nn.Softmin({ dim: null })],
  Tanhshrink: [() => new nn.Tanhshrink(), () => new nn.Tanhshrink(...([{}] as unknown as []))],
  Softshrink: [() => new nn.Softshrink(0.25), () => new nn.Softshrink({ lambd: 0.25 })],
  Hardshrink: [() => new nn.Hardshrink(1.5), () => new nn.Hardshrink({ lambd: 1.5 })],
  GLU: [() => new nn.GLU(0), () => new nn.GLU({ dim: 0 })],
  PReLU: [() => new nn.PReLU(3, 0.1), () => new nn.PReLU({ numParameters: 3, init: 0.1 })],
  PReLUDefault: [() => new nn.PReLU(), () => new nn.PReLU({})],
  Threshold: [() => new nn.Threshold(0.1, 20.0, true), () => new nn.Threshold(0.1, 20, { inplace: true })],
  Upsample: [() => new nn.Upsample(null, 2, "bilinear", true), () => new nn.Upsample({ scaleFactor: 2, mode: "bilinear", alignCorners: true })],
  UpsampleSize: [() => new nn.Upsample([4, 6]), () => new nn.Upsample({ size: [4, 6] })],
  UpsampleTuple: [() => new nn.Upsample(null, [2, 1.5], "nearest"), () => new nn.Upsample({ scaleFactor: [2, 1.5], mode: "nearest" })],
  UpsampleAll: [() => new nn.Upsample(null, 1.5, "bicubic", false, true), () => new nn.Upsample({ scaleFactor: 1.5, mode: "bicubic", alignCorners: false, recomputeScaleFactor: true })],
  UpsamplingNearest2d: [() => new nn.UpsamplingNearest2d(null, 3), () => new nn.UpsamplingNearest2d({ scaleFactor: 3 })],
  UpsamplingBilinear2d: [() => new nn.UpsamplingBilinear2d([5, 7]), () => new nn.UpsamplingBilinear2d({ size: [5, 7] })],
  MaxUnpool1d: [() => new nn.MaxUnpool1d(3, 2, 1), () => new nn.MaxUnpool1d(3, { stride: 2, padding: 1 })],
  MaxUnpool2d: [() => new nn.MaxUnpool2d(2), () => new nn.MaxUnpool2d({ kernelSize: 2 })],
  MaxUnpool3d: [() => new nn.MaxUnpool3d([2, 1, 2], 2, [1, 0, 0]), () => new nn.MaxUnpool3d([2, 1, 2], { stride: 2, padding: [1, 0, 0] })],
  InstanceNorm1d: [() => new nn.InstanceNorm1d(3), () => new nn.InstanceNorm1d({ numFeatures: 3 })],
  InstanceNorm2d: [() => new nn.InstanceNorm2d(3, 1e-3, 0.2, true, true), () => new nn.InstanceNorm2d(3, { eps: 1e-3, momentum: 0.2, affine: true, trackRunningStats: true })],
  InstanceNorm3d: [() => new nn.InstanceNorm3d(2, { affine: true }), () => new nn.InstanceNorm3d(2, 1e-5, 0.1, true)],
  Conv3d: [() => new nn.Conv3d(4, 6, 3, 2, 1, 1, 2, false, "zeros"), () => new nn.Conv3d(4, 6, 3, { stride: 2, padding: 1, groups: 2, bias: false })],
  Conv3dRect: [() => new nn.Conv3d(2, 3, [1, 2, 3], [1, 1, 2], [0, 1, 1], [1, 2, 1]), () => new nn.Conv3d(2, 3, [1, 2, 3], { stride: [1, 1, 2], padding: [0, 1, 1], dilation: [1, 2, 1] })],
  Conv3dReflect: [() => new nn.Conv3d(2, 2, 3, 1, 1, { paddingMode: "reflect" }), () => new nn.Conv3d(2, 2, 3, { padding: 1, paddingMode: "reflect" })],
  ConvTranspose1d: [() => new nn.ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, false, 2), () => new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false, dilation: 2 })],
  ConvTranspose3d: [() => new nn.ConvTranspose3d(4, 2, [2, 3, 3], 2, 1, 1), () => new nn.ConvTranspose3d(4, 2, [2, 3, 3], { stride: 2, padding: 1, outputPadding: 1 })],
  AvgPool3d: [() => new nn.AvgPool3d(3, 2, 1, true, false, 2), () => new nn.AvgPool3d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 2 })],
  AvgPool3dDefault: [() => new nn.AvgPool3d([2, 1, 2]), () => new nn.AvgPool3d({ kernelSize: [2, 1, 2] })],
  MaxPool3d: [() => new nn.MaxPool3d(3, 2, 1, 2, true, true), () => new nn.MaxPool3d(3, { stride: 2, padding: 1, dilation: 2, returnIndices: true, ceilMode: true })],
  MaxPool3dDefault: [() => new nn.MaxPool3d(2), () => new nn.MaxPool3d({ kernelSize: 2 })],
  AdaptiveAvgPool3d: [() => new nn.AdaptiveAvgPool3d([2, null, 3]), () => new nn.AdaptiveAvgPool3d({ outputSize: [2, null, 3] })],
  AdaptiveMaxPool1d: [() => new nn.AdaptiveMaxPool1d(4, true), () => new nn.AdaptiveMaxPool1d(4, { returnIndices: true })],
  AdaptiveMaxPool2d: [() => new nn.AdaptiveMaxPool2d([3, null]), () => new nn.AdaptiveMaxPool2d({ outputSize: [3, null] })],
  AdaptiveMaxPool3d: [() => new nn.AdaptiveMaxPool3d(2, true), () => new nn.AdaptiveMaxPool3d(2, { returnIndices: true })],
};

const describeModule = (m: nn.Module) => ({ repr: String(m), state: Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]])) });

test("every new layer fixture has a case and every case a fixture", () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(NEW_REF.layers).sort());
});

for (const [id, [positional, options]] of Object.entries(CASES)) {
  test(`${id}: PyTorch's call (${NEW_REF.layers[id]?.torch}) builds what PyTorch builds (print, stateDict), and the options form the same`, () => {
    const want = NEW_REF.layers[id]!;
    for (const [form, make] of [["positional", positional], ["options", options]] as const) {
      const got = describeModule(make());
      assert.equal(got.repr, want.repr, `${id} (${form}): print`);
      assert.deepEqual(got.state, want.state, `${id} (${form}): stateDict names and shapes`);
    }
  });
}

/** Where the new layers' constructors depart from PyTorch 1.13's, and why. */
const LAYER_DEPARTURES: Record<string, Departures> = {
  // the deprecated aliases of min_val and max_val (PyTorch warns when they are used)
  Hardtanh: { omit: ["minValue", "maxValue"] },
};
const DEVICE_DTYPE: Departures = { keywordOnly: ["device", "dtype"] };

test("the new layers' constructors are declared in PyTorch 1.13's positional order with its defaults", () => {
  const mismatches: string[] = [];
  for (const [name, py] of Object.entries(NEW_REF.signatures.layers)) {
    const sig = declaredCtor(name);
    if (!sig) mismatches.push(`${name}: not declared`);
    // device and dtype are keyword-only in every Fluxion constructor
    else for (const d of differences(sig, py, { ...DEVICE_DTYPE, ...LAYER_DEPARTURES[name] })) mismatches.push(`nn.${name}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
  assert.ok(Object.keys(NEW_REF.signatures.layers).length >= 30);
  assert.equal(camel("track_running_stats"), "trackRunningStats");
});

describe("instance norm layers against PyTorch 1.13 (training steps update the running stats, eval uses them)", () => {
  for (const [id, run] of Object.entries(NEW_REF.normRuns)) {
    it(id, () => {
      const m: nn.Module & { runningMean: Tensor | null; runningVar: Tensor | null; weight: Tensor | null; bias: Tensor | null } =
        id.startsWith("InstanceNorm2d") ? new nn.InstanceNorm2d(3, 1e-3, 0.2, true, true, { dtype: "float64" })
        : id === "InstanceNorm1d_untracked" ? new nn.InstanceNorm1d(3, { dtype: "float64" })
        : new nn.InstanceNorm1d(4, { trackRunningStats: true, dtype: "float64" });
      if (run.weight) {
        m.loadStateDict({ ...m.stateDict(), weight: tensor(run.weight.v, { dtype: "float64" }), bias: tensor(run.bias!.v, { dtype: "float64" }) });
      }
      for (const step of run.steps) {
        if (step.eval) m.eval();
        else m.train();
        const y = m.forward(tensor(step.x.v, { shape: step.x.shape, dtype: "float64" }));
        assertShape(y, step.y.shape);
        assertClose(y, step.y.v, { atol: 1e-10, rtol: 1e-9 });
        if (step.runningMean) assertClose(m.runningMean, step.runningMean.v, { atol: 1e-12, rtol: 1e-10 });
        else if (!step.eval) assert.equal(m.runningMean, null);
        if (step.runningVar) assertClose(m.runningVar, step.runningVar.v, { atol: 1e-12, rtol: 1e-10 });
      }
    });
  }

  it("a non-affine instance norm only warns about a channel mismatch; an affine one refuses", () => {
    const x = randn([2, 5, 6]);
    assertShape(new nn.InstanceNorm1d(3).forward(x), [2, 5, 6]);
    assert.throws(() => new nn.InstanceNorm1d(3, { affine: true }).forward(x), /InstanceNorm1d: expected input's size at dim=1 to match num_features \(3\), but got: 5/);
    assert.throws(() => new nn.InstanceNorm2d(3).forward(randn([3, 4])), /InstanceNorm2d: expected 3D or 4D input \(got 2D input/);
    assert.throws(() => new nn.InstanceNorm1d(3).forward(randn([2, 3, 1])), /instanceNorm: Expected more than 1 spatial element when training, got input size \[2, 3, 1\]/);
  });
});

describe("layers compute what their functional forms compute", () => {
  const x = randn([2, 3, 6, 5], { dtype: "float64", generator: new Generator(7) });
  it("activations (out of place and in place)", () => {
    const pairs: [nn.Module, (t: Tensor) => Tensor][] = [
      [new nn.CELU(0.5), (t) => F.celu(t, 0.5)],
      [new nn.SELU(), (t) => F.selu(t)],
      [new nn.Hardsigmoid(), (t) => F.hardsigmoid(t)],
      [new nn.Hardswish(), (t) => F.hardswish(t)],
      [new nn.Hardtanh(-0.5, 0.5), (t) => F.hardtanh(t, -0.5, 0.5)],
      [new nn.ReLU6(), (t) => t.clamp(0, 6)],
      [new nn.Mish(), (t) => F.mish(t)],
      [new nn.Threshold(0.1, -3), (t) => F.threshold(t, 0.1, -3)],
      [new nn.Softsign(), (t) => F.softsign(t)],
      [new nn.LogSigmoid(), (t) => t.sigmoid().log()],
      [new nn.Tanhshrink(), (t) => F.tanhshrink(t)],
      [new nn.Softshrink(0.3), (t) => F.softshrink(t, 0.3)],
      [new nn.Hardshrink(0.3), (t) => F.hardshrink(t, 0.3)],
      [new nn.Softmin(1), (t) => t.neg().softmax(1)],
      [new nn.GLU(2), (t) => F.glu(t, 2)],
    ];
    for (const [m, f] of pairs) assertClose(m.forward(x), f(x), { atol: 1e-12, rtol: 1e-12, msg: String(m) });
    for (const M of [nn.CELU, nn.SELU, nn.Hardsigmoid, nn.Hardswish, nn.ReLU6, nn.Mish]) {
      const y = x.clone();
      const out = new (M as unknown as new (o: object) => nn.Module)({ inplace: true }).forward(y);
      assert.equal(out, y, `${M.name}(inplace) returns its input`);
      assertClose(y, new (M as unknown as new () => nn.Module)().forward(x), { atol: 0, rtol: 0 });
    }
  });
  it("PReLU: a learnable weight per channel, initialised to init, with PyTorch's stateDict key", () => {
    const m = new nn.PReLU(3, 0.1, { dtype: "float64" });
    assert.deepEqual(m.weight.tolist(), [0.1, 0.1, 0.1]);
    assertClose(m.forward(x), F.prelu(x, m.weight), { atol: 0, rtol: 0 });
    m.forward(x).sum().backward();
    assertClose(m.weight.grad!, x.clamp(null, 0).sum([0, 2, 3]), { atol: 1e-12 });
    assert.deepEqual(Object.keys(m.stateDict()), ["weight"]);
    assert.throws(() => new nn.PReLU(2).forward(randn([1, 3, 2])), /prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and channel size = 3/);
  });
  it("Upsample and its deprecated forms", () => {
    assertClose(new nn.Upsample(null, 2, "bilinear").forward(x), F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }), { atol: 0, rtol: 0 });
    assertClose(new nn.UpsamplingBilinear2d([7, 9]).forward(x), F.interpolate(x, [7, 9], null, "bilinear", true), { atol: 0, rtol: 0 });
    assertClose(new nn.UpsamplingNearest2d(null, 2).forward(x), F.interpolate(x, { scaleFactor: 2 }), { atol: 0, rtol: 0 });
    assertShape(new nn.Upsample([4, 6]).forward(x), [2, 3, 4, 6]);
  });
  it("3-D convolutions and pooling layers", () => {
    const v = randn([1, 4, 5, 6, 5], { dtype: "float64", generator: new Generator(8) });
    const conv = new nn.Conv3d(4, 6, 3, 2, 1, 1, 2, true, "zeros", { dtype: "float64" });
    assertClose(conv.forward(v), F.conv3d(v, conv.weight, conv.bias, 2, 1, 1, 2), { atol: 0, rtol: 0 });
    const reflect = new nn.Conv3d(4, 2, 3, 1, 1, { paddingMode: "reflect", dtype: "float64" });
    assertClose(reflect.forward(v), F.conv3d(F.pad(v, [1, 1, 1, 1, 1, 1], "reflect"), reflect.weight, reflect.bias), { atol: 1e-12 });
    const ct = new nn.ConvTranspose3d(4, 2, [2, 3, 3], 2, 1, 1, { dtype: "float64" });
    assertShape(ct.forward(v), [1, 2, 9, 12, 10]);
    // outputSize picks the output padding, as torch's forward(input, output_size)
    assertShape(ct.forward(v, [8, 11, 9]), [1, 2, 8, 11, 9]);
    assert.throws(() => ct.forward(v, [8, 14, 9]), /ConvTranspose3d: requested an output size of \[8, 14, 9\], but valid sizes range from 11 to 12 in dim 1/);
    const ct1 = new nn.ConvTranspose1d(4, 6, 3, 2, 1, 1, 2, false, 2, { dtype: "float64" });
    const s = v.flatten(2).narrow(2, 0, 7);
    assertClose(ct1.forward(s), F.convTranspose1d(s, ct1.weight, null, 2, 1, 1, 2, 2), { atol: 0, rtol: 0 });
    assertShape(ct1.forward(s, [16]), [1, 6, 16]);
    assertClose(new nn.AvgPool3d(2, 1).forward(v), F.avgPool3d(v, 2, 1), { atol: 0, rtol: 0 });
    assertClose(new nn.MaxPool3d(2).forward(v), F.maxPool3d(v, 2), { atol: 0, rtol: 0 });
    assertClose(new nn.AdaptiveAvgPool3d([2, null, 3]).forward(v), F.adaptiveAvgPool3d(v, [2, null, 3]), { atol: 0, rtol: 0 });
    const [mv, mi] = new nn.AdaptiveMaxPool3d(2, true).forward(v) as [Tensor, Tensor];
    const [fv, fi] = F.adaptiveMaxPool3d(v, 2, true);
    assertClose(mv, fv, { atol: 0, rtol: 0 });
    assert.deepEqual(mi.tolist(), fi.tolist());
    assertShape(new nn.AdaptiveMaxPool2d([3, null]).forward(x) as Tensor, [2, 3, 3, 5]);
    assertShape(new nn.AdaptiveMaxPool1d(2).forward(x.flatten(2)) as Tensor, [2, 3, 2]);
  });
});

describe("max unpooling inverts max pooling", () => {
  it("MaxPool2d(returnIndices) -> MaxUnpool2d puts every maximum back and zeros elsewhere; outputSize restores an odd size", () => {
    // positive values, so that the zeros put around the maxima never win a window
    const x = randn([2, 3, 5, 7], { dtype: "float64", generator: new Generator(3) }).abs().add(0.1);
    const [y, idx] = new nn.MaxPool2d(2, 2, 0, 1, true).forward(x) as [Tensor, Tensor];
    const unpool = new nn.MaxUnpool2d(2);
    const back = unpool.forward(y, idx, [5, 7]);
    assertShape(back, [2, 3, 5, 7]);
    // pooling the unpooled tensor gives the same maxima at the same places
    const [y2, idx2] = F.maxPool2d(back, 2, { returnIndices: true });
    assertClose(y2, y, { atol: 0, rtol: 0 });
    assert.deepEqual(idx2.tolist(), idx.tolist());
    // and it keeps exactly the maxima: the same sum, zeros elsewhere
    assertClose(back.sum(), y.sum(), { atol: 1e-12 });
    assert.equal(back.ne(0).sum().item(), y.numel());
    // without the size, the default 4 x 6 output cannot hold positions of a 5 x 7 plane (as in PyTorch)
    assert.throws(() => unpool.forward(y, idx), /maxUnpool2d: Found an invalid max index: \d+ \(output volumes are of size 4x6\)/);
    assertShape(unpool.forward(y, idx, { outputSize: [2, 3, 5, 7] }), [2, 3, 5, 7]);
    assert.throws(() => unpool.forward(y, idx, [7, 7]), /maxUnpool2d: invalid outputSize \[7,7\] \(dim 0 must be between 2 and 6\)/);
  });
  it("MaxPool1d and MaxPool3d round-trip the same way (unbatched too)", () => {
    const x1 = randn([3, 8], { dtype: "float64", generator: new Generator(4) }).abs().add(0.1);
    const [y1, i1] = F.maxPool1d(x1, 2, { returnIndices: true });
    const b1 = new nn.MaxUnpool1d(2).forward(y1, i1);
    assertShape(b1, [3, 8]);
    assertClose(F.maxPool1d(b1, 2), y1, { atol: 0, rtol: 0 });
    const x3 = randn([1, 2, 4, 4, 6], { dtype: "float64", generator: new Generator(5) }).abs().add(0.1);
    const [y3, i3] = new nn.MaxPool3d(2, { returnIndices: true }).forward(x3) as [Tensor, Tensor];
    const b3 = new nn.MaxUnpool3d(2).forward(y3, i3);
    const [y4, i4] = F.maxPool3d(b3, 2, { returnIndices: true });
    assertClose(y4, y3, { atol: 0, rtol: 0 });
    assert.deepEqual(i4.tolist(), i3.tolist());
  });
  it("the gradient of unpooling gathers the output gradient back at the indices", () => {
    const x = randn([1, 1, 4, 4], { dtype: "float64", generator: new Generator(6) });
    const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    const v = y.detach().requiresGrad_(true);
    const g = randn([1, 1, 4, 4], { dtype: "float64", generator: new Generator(9) });
    F.maxUnpool2d(v, idx, 2).mul(g).sum().backward();
    assertClose(v.grad!, g.flatten(2).gather(2, idx.flatten(2)).reshape([1, 1, 2, 2]), { atol: 0, rtol: 0 });
  });
  it("an index outside the output is refused as PyTorch refuses it, and wrong arguments are ArgumentErrors", () => {
    const y = tensor([[[[1, 2], [3, 4]]]]);
    const idx = tensor([[[[0, 3], [8, 37]]]], { dtype: "int32" });
    assert.throws(() => F.maxUnpool2d(y, idx, 2), (e: Error) => e instanceof FluxionError && /maxUnpool2d: Found an invalid max index: 37 \(output volumes are of size 4x4\)/.test(e.message));
    assert.throws(() => F.maxUnpool2d(y, idx.flatten(), 2), /maxUnpool2d: Expected shape of indices to be same as that of the input tensor \(\[1, 1, 2, 2\]\)/);
    assert.throws(() => F.maxUnpool2d(y, y, 2), /maxUnpool2d: expected indices to be an integer tensor, got float32/);
    assert.throws(() => (new nn.MaxUnpool2d(2).forward as (...a: unknown[]) => Tensor)(y), (e: Error) => e instanceof ArgumentError && /indices/.test(e.message));
  });
});

/**
 * The nn modules added on the parity-nnf branch: built from PyTorch's positional call and
 * from the options form they print and hold what PyTorch 1.13 builds (fixtures/nn_extra_torch.json),
 * their constructors are declared in PyTorch's order, forward is the functional form with the
 * module's settings and training flag, and the lazy modules become the regular ones.
 */
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DTypeError, FluxionError, Generator, ShapeError, amp, manualSeed, nn, ones, optim, rand, randn, tensor, zeros, type Tensor } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";
import { declaredCtor, differences, type Departures } from "../fixtures/api_signatures.js";

const F = nn.F;
const REF = JSON.parse(readFileSync(new URL("../fixtures/nn_extra_torch.json", import.meta.url), "utf8"));

/** Each fixture layer: Fluxion's positional form (as the torch call) and its options form. */
const CASES: Record<string, [() => nn.Module, () => nn.Module]> = {
  LocalResponseNorm: [() => new nn.LocalResponseNorm(3, 1e-3, 0.5, 2.0), () => new nn.LocalResponseNorm(3, { alpha: 1e-3, beta: 0.5, k: 2 })],
  LocalResponseNormDefault: [() => new nn.LocalResponseNorm(2), () => new nn.LocalResponseNorm({ size: 2 })],
  LPPool1d: [() => new nn.LPPool1d(2, 3, 2), () => new nn.LPPool1d(2, 3, { stride: 2 })],
  LPPool2d: [() => new nn.LPPool2d(1.5, [2, 3], null, true), () => new nn.LPPool2d(1.5, [2, 3], { ceilMode: true })],
  ChannelShuffle: [() => new nn.ChannelShuffle(3), () => new nn.ChannelShuffle({ groups: 3 })],
  FractionalMaxPool2dRatio: [() => new nn.FractionalMaxPool2d(3, null, [0.5, 0.5]), () => new nn.FractionalMaxPool2d(3, { outputRatio: [0.5, 0.5] })],
  FractionalMaxPool2dSize: [() => new nn.FractionalMaxPool2d(2, [4, 3], null, true), () => new nn.FractionalMaxPool2d(2, { outputSize: [4, 3], returnIndices: true })],
  FractionalMaxPool2dSamples: [() => new nn.FractionalMaxPool2d(2, 3, null, false, rand([1, 2, 2])), () => new nn.FractionalMaxPool2d(2, { outputSize: 3, _randomSamples: rand([1, 2, 2]) })],
  Fold: [() => new nn.Fold([4, 5], [2, 2], 1, 0, 1), () => new nn.Fold([4, 5], [2, 2], { dilation: 1, padding: 0, stride: 1 })],
  Unfold: [() => new nn.Unfold(3, 1, 1, 2), () => new nn.Unfold(3, { padding: 1, stride: 2 })],
  AlphaDropout: [() => new nn.AlphaDropout(0.2), () => new nn.AlphaDropout({ p: 0.2 })],
  FeatureAlphaDropout: [() => new nn.FeatureAlphaDropout(0.3, true), () => new nn.FeatureAlphaDropout({ p: 0.3, inplace: true })],
  Dropout1d: [() => new nn.Dropout1d(0.1), () => new nn.Dropout1d({ p: 0.1 })],
  Dropout3d: [() => new nn.Dropout3d(), () => new nn.Dropout3d({})],
  RReLU: [() => new nn.RReLU(0.1, 0.3), () => new nn.RReLU({ lower: 0.1, upper: 0.3 })],
  RReLUInplace: [() => new nn.RReLU(0.125, 1 / 3, true), () => new nn.RReLU({ inplace: true })],
  MultiLabelMarginLoss: [() => new nn.MultiLabelMarginLoss(null, null, "sum"), () => new nn.MultiLabelMarginLoss({ reduction: "sum" })],
  TripletMarginWithDistanceLoss: [() => new nn.TripletMarginWithDistanceLoss(), () => new nn.TripletMarginWithDistanceLoss({})],
  TripletMarginWithDistanceLossFn: [
    () => new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a: Tensor, b: Tensor) => a.sub(b).abs().sum(-1), margin: 0.5, swap: true }),
    () => new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a: Tensor, b: Tensor) => a.sub(b).abs().sum(-1), margin: 0.5, swap: true }),
  ],
  AdaptiveLogSoftmaxWithLoss: [() => new nn.AdaptiveLogSoftmaxWithLoss(16, 20, [5, 10], 2.0, true), () => new nn.AdaptiveLogSoftmaxWithLoss(16, 20, [5, 10], { divValue: 2, headBias: true })],
  AdaptiveLogSoftmaxWithLossDefault: [() => new nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]), () => new nn.AdaptiveLogSoftmaxWithLoss({ inFeatures: 8, nClasses: 10, cutoffs: [4] })],
  LazyLinear: [() => new nn.LazyLinear(5), () => new nn.LazyLinear({ outFeatures: 5 })],
  LazyLinearNoBias: [() => new nn.LazyLinear(3, false), () => new nn.LazyLinear(3, { bias: false })],
  LazyConv2d: [() => new nn.LazyConv2d(4, 3, 2, 1), () => new nn.LazyConv2d(4, 3, { stride: 2, padding: 1 })],
  LazyConv1d: [() => new nn.LazyConv1d(2, 3), () => new nn.LazyConv1d({ outChannels: 2, kernelSize: 3 })],
};

const describeModule = (m: nn.Module) => ({ repr: String(m), state: Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]])) });

test("every new layer fixture has a case and every case a fixture", () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(REF.layers).sort());
});

for (const [id, [positional, options]] of Object.entries(CASES)) {
  test(`${id}: PyTorch's call (${REF.layers[id]?.torch}) builds what PyTorch builds, and the options form the same`, () => {
    const want = REF.layers[id]!;
    for (const [form, make] of [["positional", positional], ["options", options]] as const) {
      const got = describeModule(make());
      assert.equal(got.repr, want.repr, `${id} (${form}): print`);
      // (a lazy module's placeholders are in its stateDict, as PyTorch's UninitializedParameters)
      if (want.state) assert.deepEqual(got.state, want.state, `${id} (${form}): stateDict names and shapes`);
    }
  });
}

/** Where the new layers' constructors depart from PyTorch 1.13's, and why. */
const LAYER_DEPARTURES: Record<string, Departures> = {};
const DEVICE_DTYPE: Departures = { keywordOnly: ["device", "dtype"] };

test("the new layers' constructors are declared in PyTorch 1.13's positional order with its defaults", () => {
  const mismatches: string[] = [];
  for (const [name, py] of Object.entries(REF.signatures.layers as Record<string, never>)) {
    const sig = declaredCtor(name);
    if (!sig) mismatches.push(`${name}: not declared`);
    else for (const d of differences(sig, py, { ...DEVICE_DTYPE, ...LAYER_DEPARTURES[name] })) mismatches.push(`nn.${name}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
  assert.equal(Object.keys(REF.signatures.layers).length, 18);
  // LazyConv3d is declared as LazyConv1d/2d are
  assert.deepEqual(declaredCtor("LazyConv3d")!.params.map((p) => p.name), declaredCtor("LazyConv2d")!.params.map((p) => p.name));
});

describe("forward: the functional form with the module's settings", () => {
  it("LocalResponseNorm, LPPool1d/2d, ChannelShuffle", () => {
    const x = randomTensor([2, 6, 5, 4], { seed: 1 });
    assertClose(new nn.LocalResponseNorm(3, 1e-2, 0.6, 2)(x), F.localResponseNorm(x, 3, 1e-2, 0.6, 2), { atol: 0 });
    assertClose(new nn.LPPool2d(2, [2, 3], 1)(x), F.lpPool2d(x, 2, [2, 3], 1), { atol: 0 });
    assertClose(new nn.LPPool1d(3, 2)(x.flatten(2)), F.lpPool1d(x.flatten(2), 3, 2), { atol: 0 });
    assertClose(new nn.ChannelShuffle(2)(x), F.channelShuffle(x, 2), { atol: 0 });
    assert.throws(() => new nn.LocalResponseNorm(2)(zeros([2, 3])), (e) => e instanceof ShapeError && /LocalResponseNorm/.test(e.message));
    assert.throws(() => new nn.ChannelShuffle(0), /ChannelShuffle.*must be positive/);
  });
  it("FractionalMaxPool2d: its _randomSamples buffer fixes the windows (and is in the stateDict); without, fresh ones each call", () => {
    const x = randomTensor([1, 2, 9, 9], { seed: 2 });
    const s = rand([1, 2, 2], { dtype: "float64" });
    const m = new nn.FractionalMaxPool2d(2, [4, 4], null, true, s);
    const [y, i] = m(x) as [Tensor, Tensor];
    const [y2, i2] = F.fractionalMaxPool2d(x, 2, { outputSize: 4, returnIndices: true, _randomSamples: s });
    assertClose(y, y2, { atol: 0 });
    assert.deepEqual(i.tolist(), i2.tolist());
    assert.deepEqual(Object.keys(m.stateDict()), ["_random_samples"]);
    const free = new nn.FractionalMaxPool2d(2, { outputRatio: 0.5 });
    const outs = Array.from({ length: 6 }, () => JSON.stringify((free(randomTensor([1, 1, 21, 23], { seed: 3 })) as Tensor).tolist()));
    assert.ok(new Set(outs).size > 1, "fresh samples on every call");
    assert.throws(() => new nn.FractionalMaxPool2d(2), /requires specifying either an output size, or a pooling ratio/);
    assert.throws(() => new nn.FractionalMaxPool2d(2, 2, 0.5), /only one of outputSize and outputRatio/);
    assert.throws(() => new nn.FractionalMaxPool2d(2, null, 1.5), /outputRatio must be between 0 and 1/);
  });
  it("Fold and Unfold: inverse on non-overlapping blocks, batched and unbatched (as PyTorch's modules)", () => {
    const x = randomTensor([2, 3, 4, 6], { seed: 4 });
    const cols = new nn.Unfold(2, 1, 0, 2)(x);
    assert.deepEqual(cols.shape, [2, 12, 6]);
    assertClose(new nn.Fold([4, 6], 2, 1, 0, 2)(cols), x, { atol: 0 });
    const one = new nn.Unfold([2, 2], { stride: 2 })(x.select(0, 1));
    assert.deepEqual(one.shape, [12, 6]);
    assertClose(new nn.Fold([4, 6], [2, 2], { stride: 2 })(one), x.select(0, 1), { atol: 0 });
  });
  it("AlphaDropout & co. follow train()/eval(); RReLU draws slopes in training and uses the mean slope in eval", () => {
    const x = randn([64, 8, 4]);
    for (const m of [new nn.AlphaDropout(0.5), new nn.FeatureAlphaDropout(0.5), new nn.Dropout1d(0.5), new nn.Dropout3d(0.5)]) {
      const input = m instanceof nn.Dropout3d ? x.reshape([8, 8, 4, 4, 2]) : x;
      assert.notDeepEqual((m(input) as Tensor).tolist(), input.tolist(), `${m.constructor.name} changes its input in training`);
      m.eval();
      assert.equal(m(input), input, `${m.constructor.name} is the identity in eval`);
    }
    const act = new nn.RReLU(0.1, 0.3);
    const y = act(x) as Tensor;
    const neg = x.lt(0);
    const slopes = y.div(x).maskedSelect(neg);
    assert.ok((slopes.min().item() as number) >= 0.1 && (slopes.max().item() as number) <= 0.3);
    assert.ok((slopes.std().item() as number) > 0.03, "different slopes per element");
    act.eval();
    assertClose(act(x), x.leakyRelu(0.2), { atol: 1e-7 });
    assert.throws(() => new nn.RReLU(0.5, 0.1), /RReLU: Lower bound should be less than or equal to the upper bound/);
  });
  it("MultiLabelMarginLoss runs in float32 under autocast (PyTorch's fp32 list); TripletMarginWithDistanceLoss registers a module distance", () => {
    const x = randomTensor([3, 5], { seed: 5 }), t = tensor([[1, 2, -1, 0, 0], [4, -1, 0, 0, 0], [0, 1, 2, 3, 4]], { dtype: "int64" });
    assertClose(new nn.MultiLabelMarginLoss()(x, t), F.multilabelMarginLoss(x, t), { atol: 0 });
    assertClose(new nn.MultiLabelMarginLoss(null, false)(x, t), F.multilabelMarginLoss(x, t, { reduction: "none" }), { atol: 0 });
    amp.autocast({ deviceType: "cpu" }, () => {
      assert.equal(new nn.MultiLabelMarginLoss()(x.float().to("bfloat16"), t).dtype, "float32");
    });
    const loss = new nn.TripletMarginWithDistanceLoss({ distanceFunction: new nn.PairwiseDistance(1), margin: 0.5 });
    assert.deepEqual([...loss.children()].map((c) => c.constructor.name), ["PairwiseDistance"]);
    const [a, p, n] = [randn([4, 3]), randn([4, 3]), randn([4, 3])];
    assertClose(loss(a, p, n), F.tripletMarginLoss(a, p, n, { p: 1, margin: 0.5 }), { atol: 1e-6 });
    const fn = (u: Tensor, v: Tensor) => u.sub(v).abs().sum(-1);
    const withFn = new nn.TripletMarginWithDistanceLoss({ distanceFunction: fn });
    assert.equal(withFn.distanceFunction, fn);
    assert.deepEqual([...withFn.children()], []);
  });
});

describe("lazy modules", () => {
  it("infer their input size on the first call and become the regular module (print, stateDict, class), as PyTorch's", () => {
    for (const [key, make, shape] of [
      ["LazyLinear", () => new nn.LazyLinear(5), [2, 7]],
      ["LazyConv2d", () => new nn.LazyConv2d(4, 3, 2, 1), [1, 3, 8, 8]],
      ["LazyConv1d", () => new nn.LazyConv1d(2, 3), [2, 5, 9]],
    ] as const) {
      const m = (make as () => nn.Module & { hasUninitializedParams(): boolean })();
      assert.ok(m.hasUninitializedParams());
      const y = m(randn([...shape])) as Tensor;
      const want = REF.lazy[key];
      assert.deepEqual(y.shape, want.out, key);
      assert.equal(String(m), want.repr, key);
      assert.deepEqual(describeModule(m).state, want.state, key);
      assert.ok(m instanceof (key === "LazyLinear" ? nn.Linear : key === "LazyConv2d" ? nn.Conv2d : nn.Conv1d));
      assert.ok(!(m as unknown as object as { hasUninitializedParams?: unknown }).hasUninitializedParams, "the lazy API goes with the lazy class, as in PyTorch");
      assert.ok([...m.parameters()].every((p) => p.constructor === nn.Parameter));
    }
  });
  it("get the regular module's initial values (same random stream) and the same outputs", () => {
    manualSeed(42);
    const lazy = new nn.LazyConv2d(4, 3, { padding: 1 });
    const x = randn([2, 3, 5, 5], { generator: new Generator(1) });
    const y = lazy(x) as Tensor;
    manualSeed(42);
    const conv = new nn.Conv2d(3, 4, 3, { padding: 1 });
    assert.deepEqual(lazy.stateDict().weight!.tolist(), conv.weight.tolist());
    assertClose(y, conv(x), { atol: 0 });
    manualSeed(7);
    const lin = new nn.LazyLinear(3);
    lin(zeros([1, 4]));
    manualSeed(7);
    assert.deepEqual(lin.stateDict().weight!.tolist(), new nn.Linear(4, 3).weight.tolist());
  });
  it("an optimizer built before the first call trains the materialized parameters; to(float64) before it is kept", () => {
    const m = new nn.LazyLinear(1);
    const params = [...m.parameters()];
    assert.ok(params.every((p) => p instanceof nn.UninitializedParameter));
    assert.equal(String(params[0]), "<UninitializedParameter>");
    const opt = new optim.SGD(m.parameters(), 0.1);
    const x = randn([8, 3]), target = x.sum(1, true);
    const loss0 = (m(x) as Tensor).sub(target).pow(2).mean();
    assert.deepEqual(params[0]!.shape, [1, 3]);
    assert.equal([...m.parameters()][0], params[0], "the same Parameter object");
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      (m(x) as Tensor).sub(target).pow(2).mean().backward();
      opt.step();
    }
    assert.ok(((m(x) as Tensor).sub(target).pow(2).mean().item() as number) < (loss0.item() as number) / 4);
    const d = new nn.LazyLinear(2).to("float64");
    assert.equal((d(ones([1, 3], { dtype: "float64" })) as Tensor).dtype, "float64");
    assert.equal(d.weight.dtype, "float64");
  });
  it("check their input like PyTorch and name themselves", () => {
    assert.throws(() => new nn.LazyConv2d(4, 3)(zeros([3, 8])), (e) => e instanceof ShapeError && /^LazyConv2d: Expected 3D \(unbatched\) or 4D \(batched\) input to LazyConv2d, but got input of size: \[3, 8\]/.test(e.message));
    assert.throws(() => new nn.LazyConv2d(4, 3, { groups: 2 })(zeros([1, 3, 8, 8])), (e) => e instanceof FluxionError && /LazyConv2d: in_channels must be divisible by groups/.test(e.message));
    assert.throws(() => new nn.LazyConv2d(3, 3, { groups: 2 }), /out_channels \(3\) must be divisible by groups \(2\)/);
    assert.throws(() => new nn.LazyLinear(-1), /LazyLinear: out_features must be a non-negative integer/);
    assert.throws(() => new nn.LazyLinear(2)(tensor(1)), (e) => e instanceof ShapeError && /LazyLinear/.test(e.message));
    assert.throws(() => new nn.LazyLinear(2)([[1, 2]] as never), /LazyLinear.*must be Tensor/);
    assert.throws(() => new nn.LazyLinear(2)(zeros([2, 3], { dtype: "int32" })), (e) => e instanceof DTypeError && /^LazyLinear: expected a floating point input of dtype float32/.test(e.message));
    assert.throws(() => new nn.LazyConv1d(2, 1)(zeros([2, 3], { dtype: "float64" })), (e) => e instanceof DTypeError && /^LazyConv1d: .*of dtype float32.*got float64/.test(e.message));
    // a failed first call leaves the module lazy
    const m = new nn.LazyConv2d(4, 3);
    assert.throws(() => m(zeros([3, 8])));
    assert.ok(m.hasUninitializedParams());
    assert.deepEqual((m(zeros([1, 2, 5, 5])) as Tensor).shape, [1, 4, 3, 3]);
  });
});

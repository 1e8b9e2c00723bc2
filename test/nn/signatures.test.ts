// Every nn layer constructor and nn.init function takes PyTorch's positional order and the
// options object, and anything unexpected is an ArgumentError naming the function, the
// parameter and what it got. Positional forms are compared with what PyTorch 1.13 builds from
// the same call (fixtures/nn_signatures.json, made by fixtures/nn_signatures.py): print,
// state_dict names and shapes, attributes. Mirrors src/nn/layers/ and src/nn/init.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, FluxionError, Generator, Tensor, empty, nn, ones, randn, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";

type Fixture = { torch: string; repr: string; state: Record<string, number[]>; attrs: Record<string, unknown> };
const FIX: Record<string, Fixture> = JSON.parse(readFileSync(new URL("../fixtures/nn_signatures.json", import.meta.url), "utf8"));

const throwsArg = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof ArgumentError, `expected an ArgumentError, got ${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });

/** Each fixture case: Fluxion's positional form (as the torch call) and its options form. */
const CASES: Record<string, [() => nn.Module, () => nn.Module]> = {
  Linear: [() => new nn.Linear(784, 20, false), () => new nn.Linear({ inFeatures: 784, outFeatures: 20, bias: false })],
  Bilinear: [() => new nn.Bilinear(3, 4, 5, false), () => new nn.Bilinear(3, 4, 5, { bias: false })],
  Flatten: [() => new nn.Flatten(0, 2), () => new nn.Flatten({ startDim: 0, endDim: 2 })],
  Unflatten: [() => new nn.Unflatten(1, [2, 5]), () => new nn.Unflatten({ dim: 1, unflattenedSize: [2, 5] })],
  Identity: [() => new nn.Identity(54, { unusedArgument1: 0.1 }), () => new nn.Identity()],
  ReLU: [() => new nn.ReLU(true), () => new nn.ReLU({ inplace: true })],
  LeakyReLU: [() => new nn.LeakyReLU(0.2, true), () => new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true })],
  GELU: [() => new nn.GELU("tanh"), () => new nn.GELU({ approximate: "tanh" })],
  SiLU: [() => new nn.SiLU(true), () => new nn.SiLU({ inplace: true })],
  Sigmoid: [() => new nn.Sigmoid(), () => new nn.Sigmoid(...([{}] as unknown as []))],
  Tanh: [() => new nn.Tanh(), () => new nn.Tanh(...([{}] as unknown as []))],
  ELU: [() => new nn.ELU(0.5, true), () => new nn.ELU({ alpha: 0.5, inplace: true })],
  Softplus: [() => new nn.Softplus(2, 10), () => new nn.Softplus({ beta: 2, threshold: 10 })],
  Softmax: [() => new nn.Softmax(1), () => new nn.Softmax({ dim: 1 })],
  SoftmaxNoDim: [() => new nn.Softmax(), () => new nn.Softmax({ dim: null })],
  LogSoftmax: [() => new nn.LogSoftmax(0), () => new nn.LogSoftmax({ dim: 0 })],
  Conv1d: [() => new nn.Conv1d(16, 33, 3, 2, 1, 1, 1, false, "reflect"), () => new nn.Conv1d(16, 33, 3, { stride: 2, padding: 1, bias: false, paddingMode: "reflect" })],
  Conv2d: [() => new nn.Conv2d(1, 6, 5, 1, 2), () => new nn.Conv2d(1, 6, 5, { padding: 2 })],
  Conv2dAll: [
    () => new nn.Conv2d(4, 8, [3, 5], [2, 1], [4, 2], [3, 1], 2, true, "circular"),
    () => new nn.Conv2d(4, 8, [3, 5], { stride: [2, 1], padding: [4, 2], dilation: [3, 1], groups: 2, paddingMode: "circular" }),
  ],
  Conv2dSame: [() => new nn.Conv2d(3, 3, 3, 1, "same"), () => new nn.Conv2d(3, 3, 3, { padding: "same" })],
  ConvTranspose2d: [() => new nn.ConvTranspose2d(16, 8, 3, 2, 1, 1, 2, false, 2), () => new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false, dilation: 2 })],
  MaxPool2d: [() => new nn.MaxPool2d(3, 2, 1, 2, false, true), () => new nn.MaxPool2d(3, { stride: 2, padding: 1, dilation: 2, ceilMode: true })],
  MaxPool1d: [() => new nn.MaxPool1d(3, 2), () => new nn.MaxPool1d(3, { stride: 2 })],
  AvgPool2d: [() => new nn.AvgPool2d(3, 2, 1, true, false, 2), () => new nn.AvgPool2d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false, divisorOverride: 2 })],
  AvgPool1d: [() => new nn.AvgPool1d(3, 2, 1, true, false), () => new nn.AvgPool1d(3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false })],
  AdaptiveAvgPool2d: [() => new nn.AdaptiveAvgPool2d([5, null]), () => new nn.AdaptiveAvgPool2d({ outputSize: [5, null] })],
  AdaptiveAvgPool1d: [() => new nn.AdaptiveAvgPool1d(4), () => new nn.AdaptiveAvgPool1d({ outputSize: 4 })],
  BatchNorm1d: [() => new nn.BatchNorm1d(100, 1e-3, null, false, false), () => new nn.BatchNorm1d(100, { eps: 1e-3, momentum: null, affine: false, trackRunningStats: false })],
  BatchNorm2d: [() => new nn.BatchNorm2d(32, 1e-5, 0.2), () => new nn.BatchNorm2d(32, { momentum: 0.2 })],
  LayerNorm: [() => new nn.LayerNorm([10, 10], 1e-6, false), () => new nn.LayerNorm([10, 10], { eps: 1e-6, elementwiseAffine: false })],
  GroupNorm: [() => new nn.GroupNorm(3, 6, 1e-3, false), () => new nn.GroupNorm(3, 6, { eps: 1e-3, affine: false })],
  Dropout: [() => new nn.Dropout(0.2, true), () => new nn.Dropout({ p: 0.2, inplace: true })],
  Dropout2d: [() => new nn.Dropout2d(0.3), () => new nn.Dropout2d({ p: 0.3 })],
  Embedding: [() => new nn.Embedding(10, 3, 0, 1.5, 1.0, true), () => new nn.Embedding(10, 3, { paddingIdx: 0, maxNorm: 1.5, normType: 1, scaleGradByFreq: true })],
  EmbeddingFromPretrained: [
    () => nn.Embedding.fromPretrained(ones([4, 2]), false, 1, 2.0, 3.0, true),
    () => nn.Embedding.fromPretrained(ones([4, 2]), { freeze: false, paddingIdx: 1, maxNorm: 2, normType: 3, scaleGradByFreq: true }),
  ],
  RNN: [() => new nn.RNN(10, 20, 2, false, true, 0.5, true, { nonlinearity: "relu" }), () => new nn.RNN(10, 20, { numLayers: 2, bias: false, batchFirst: true, dropout: 0.5, bidirectional: true, nonlinearity: "relu" })],
  LSTM: [() => new nn.LSTM(10, 20, 2), () => new nn.LSTM(10, 20, { numLayers: 2 })],
  LSTMProj: [() => new nn.LSTM(10, 20, 1, true, false, 0.0, false, 5), () => new nn.LSTM(10, 20, { projSize: 5 })],
  GRU: [() => new nn.GRU(8, 16, 1, true, false, 0.0, true), () => new nn.GRU(8, 16, { bidirectional: true })],
  RNNCell: [() => new nn.RNNCell(10, 20, false, "relu"), () => new nn.RNNCell(10, 20, { bias: false, nonlinearity: "relu" })],
  LSTMCell: [() => new nn.LSTMCell(10, 20, false), () => new nn.LSTMCell(10, 20, { bias: false })],
  GRUCell: [() => new nn.GRUCell(10, 20), () => new nn.GRUCell({ inputSize: 10, hiddenSize: 20 })],
  MultiheadAttention: [
    () => new nn.MultiheadAttention(16, 4, 0.1, false, true, true, 8, 12, true),
    () => new nn.MultiheadAttention(16, 4, { dropout: 0.1, bias: false, addBiasKv: true, addZeroAttn: true, kdim: 8, vdim: 12, batchFirst: true }),
  ],
  TransformerEncoderLayer: [
    () => new nn.TransformerEncoderLayer(32, 4, 64, 0.2, "gelu", 1e-6, true, true),
    () => new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, dropout: 0.2, activation: "gelu", layerNormEps: 1e-6, batchFirst: true, normFirst: true }),
  ],
  TransformerEncoder: [
    () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16), 2, new nn.LayerNorm(8), false, false),
    () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2, { norm: new nn.LayerNorm(8), enableNestedTensor: false, maskCheck: false }),
  ],
  CrossEntropyLoss: [() => new nn.CrossEntropyLoss(ones([3]), null, 3, null, "sum", 0.1), () => new nn.CrossEntropyLoss({ weight: ones([3]), ignoreIndex: 3, reduction: "sum", labelSmoothing: 0.1 })],
  NLLLoss: [() => new nn.NLLLoss(null, false), () => new nn.NLLLoss({ reduction: "sum" })],
  MSELoss: [() => new nn.MSELoss(null, false), () => new nn.MSELoss({ reduction: "none" })],
  L1Loss: [() => new nn.L1Loss(true, true, "none"), () => new nn.L1Loss({ sizeAverage: true, reduce: true, reduction: "none" })],
  SmoothL1Loss: [() => new nn.SmoothL1Loss(null, null, "sum", 0.5), () => new nn.SmoothL1Loss({ reduction: "sum", beta: 0.5 })],
  HuberLoss: [() => new nn.HuberLoss("sum", 2.0), () => new nn.HuberLoss({ reduction: "sum", delta: 2 })],
  BCELoss: [() => new nn.BCELoss(null, null, null, "none"), () => new nn.BCELoss({ reduction: "none" })],
  BCEWithLogitsLoss: [() => new nn.BCEWithLogitsLoss(null, null, null, "sum", ones([2])), () => new nn.BCEWithLogitsLoss({ reduction: "sum", posWeight: ones([2]) })],
  KLDivLoss: [() => new nn.KLDivLoss(null, null, "batchmean", true), () => new nn.KLDivLoss({ reduction: "batchmean", logTarget: true })],
  // Sequential's object form is the dict of named modules (below), not an options object
  Sequential: [() => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()), () => new nn.Sequential(...[new nn.Linear(2, 3), new nn.ReLU()])],
  SequentialDict: [
    () => new nn.Sequential({ fc: new nn.Linear(2, 3), act: new nn.ReLU() }),
    () => new nn.Sequential(new Map<string, nn.Module>([["fc", new nn.Linear(2, 3)], ["act", new nn.ReLU()]])),
  ],
  ModuleList: [() => new nn.ModuleList([new nn.Linear(2, 2), new nn.Tanh()]), () => new nn.ModuleList({ modules: [new nn.Linear(2, 2), new nn.Tanh()] })],
  ModuleDict: [() => new nn.ModuleDict({ a: new nn.ReLU(), b: new nn.Linear(1, 1) }), () => new nn.ModuleDict(new Map<string, nn.Module>([["a", new nn.ReLU()], ["b", new nn.Linear(1, 1)]]))],
  EmbeddingBag: [
    () => new nn.EmbeddingBag(10, 3, 1.5, 1.0, true, "sum", false, null, true, 0),
    () => new nn.EmbeddingBag(10, 3, { maxNorm: 1.5, normType: 1, scaleGradByFreq: true, mode: "sum", includeLastOffset: true, paddingIdx: 0 }),
  ],
  EmbeddingBagFromPretrained: [
    () => nn.EmbeddingBag.fromPretrained(ones([4, 2]), false, 2.0, 3.0, false, "max", false, true, 1),
    () => nn.EmbeddingBag.fromPretrained(ones([4, 2]), { freeze: false, maxNorm: 2, normType: 3, mode: "max", includeLastOffset: true, paddingIdx: 1 }),
  ],
  CTCLoss: [() => new nn.CTCLoss(2, "sum", true), () => new nn.CTCLoss({ blank: 2, reduction: "sum", zeroInfinity: true })],
};

/** What a module field reads as, for comparing with the fixture's Python values. */
function plain(v: unknown): unknown {
  return Array.isArray(v) ? v.map(plain) : v;
}

function describe(m: nn.Module) {
  return {
    repr: String(m),
    state: Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]])),
  };
}

test("the fixture covers every case and every case has a fixture", () => {
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(FIX).sort());
});

for (const [id, [positional, options]] of Object.entries(CASES)) {
  test(`${id}: PyTorch's positional call (${FIX[id]?.torch}) builds what PyTorch builds, and the options form the same`, () => {
    const want = FIX[id]!;
    for (const [form, make] of [["positional", positional], ["options", options]] as const) {
      const m = make();
      const got = describe(m);
      assert.equal(got.repr, want.repr, `${id} (${form}): print`);
      assert.deepEqual(got.state, want.state, `${id} (${form}): stateDict names and shapes`);
      for (const [k, v] of Object.entries(want.attrs)) assert.deepEqual(plain((m as unknown as Record<string, unknown>)[k]), v, `${id} (${form}): ${k}`);
    }
  });
}

test("the issue's examples: Conv2d(1, 6, 5, 1, 2) pads by 2, LSTM(10, 20, 2) has two layers, Linear(784, 20, false) no bias", () => {
  const conv = new nn.Conv2d(1, 6, 5, 1, 2);
  assert.deepEqual(conv.stride, [1, 1]);
  assert.deepEqual(conv.padding, [2, 2]);
  assert.deepEqual(conv.forward(randn([2, 1, 28, 28])).shape, [2, 6, 28, 28]);
  const lstm = new nn.LSTM(10, 20, 2);
  assert.equal(lstm.numLayers, 2);
  const [out, [h, c]] = lstm.forward(randn([5, 3, 10]));
  assert.deepEqual([out.shape, h.shape, c.shape], [[5, 3, 20], [2, 3, 20], [2, 3, 20]]);
  assert.equal(new nn.Linear(784, 20, false).bias, null);
});

test("positional and options forms compute the same (same weights, same outputs)", () => {
  const x = randn([2, 4, 9, 9]);
  const a = new nn.Conv2d(4, 8, [3, 2], [2, 1], [1, 0], 1, 2, false, "reflect");
  const b = new nn.Conv2d(4, 8, [3, 2], { stride: [2, 1], padding: [1, 0], groups: 2, bias: false, paddingMode: "reflect" });
  b.loadStateDict(a.stateDict());
  assertClose(b.forward(x), a.forward(x), { atol: 0, rtol: 0 });
  const p1 = new nn.MaxPool2d(3, 2, 1, 1, true), p2 = new nn.MaxPool2d(3, { stride: 2, padding: 1, returnIndices: true });
  const [v1, i1] = p1.forward(x) as [Tensor, Tensor];
  const [v2, i2] = p2.forward(x) as [Tensor, Tensor];
  assertClose(v1, v2, { atol: 0, rtol: 0 });
  assert.deepEqual(i1.tolist(), i2.tolist());
});

test("activations: inplace writes into the input; Softmax() without a dim picks PyTorch's implicit dim", () => {
  const x = tensor([[-1, 2], [3, -4]]);
  const y = new nn.ReLU(true).forward(x);
  assert.equal(y, x);
  assert.deepEqual(x.tolist(), [[0, 2], [3, 0]]);
  const z = tensor([-2, 1]);
  new nn.LeakyReLU(0.5, true).forward(z);
  assert.deepEqual(z.tolist(), [-1, 1]);
  const s = tensor([-1, 1]);
  new nn.SiLU(true).forward(s);
  assertClose(s, [-1 / (1 + Math.E), 1 / (1 + Math.exp(-1))]);
  // ELU in place keeps autograd right on a non-leaf: d/dx of 0.5·(eˣ - 1) at x = -1 is 0.5·e⁻¹
  const leaf = tensor([-1, 2], { dtype: "float64", requiresGrad: true });
  const e = leaf.mul(1);
  const out = new nn.ELU(0.5, true).forward(e);
  assert.equal(out, e);
  assertClose(e, [0.5 * (Math.exp(-1) - 1), 2]);
  out.sum().backward();
  assertClose(leaf.grad!, [0.5 * Math.exp(-1), 1]);
  // no inplace: the input is untouched
  const w = tensor([-1, 1]);
  new nn.ReLU().forward(w);
  assert.deepEqual(w.tolist(), [-1, 1]);
  // PyTorch: dim 0 for 0-, 1- and 3-D inputs, else 1
  const m2 = randn([3, 4]);
  assertClose(new nn.Softmax().forward(m2), m2.softmax(1), { atol: 0, rtol: 0 });
  assertClose(new nn.LogSoftmax().forward(randn([2, 3, 4]).mul(0).add(1)), ones([2, 3, 4]).logSoftmax(0), { atol: 0, rtol: 0 });
});

test("losses: sizeAverage / reduce decide the reduction as PyTorch's legacy rule; weights are buffers", () => {
  const x = tensor([[0.5, -1, 2], [1, 0, -0.5]]), t = tensor([[1, 0, 2], [0, 0, 1]]);
  const want = { mean: nn.F.mseLoss(x, t), sum: nn.F.mseLoss(x, t, { reduction: "sum" }), none: nn.F.mseLoss(x, t, { reduction: "none" }) };
  const cases: [nn.MSELoss, Tensor][] = [
    [new nn.MSELoss(), want.mean],
    [new nn.MSELoss(true), want.mean],
    [new nn.MSELoss(false), want.sum],
    [new nn.MSELoss(null, false), want.none],
    [new nn.MSELoss(false, true, "none"), want.sum], // the legacy pair wins over reduction, as in PyTorch
    [new nn.MSELoss(null, null, "sum"), want.sum],
  ];
  for (const [loss, expected] of cases) assertClose(loss.forward(x, t), expected, { atol: 0, rtol: 0 });
  // a weighted loss keeps its weight as a buffer (in the stateDict, converted by .to())
  const w = tensor([1, 2, 3]);
  const ce = new nn.CrossEntropyLoss(w, null, 1);
  assert.equal(ce.ignoreIndex, 1);
  assert.deepEqual(Object.keys(ce.stateDict()), ["weight"]);
  const logits = randn([4, 3]), labels = tensor([0, 1, 2, 1], { dtype: "int32" });
  assertClose(ce.forward(logits, labels), nn.F.crossEntropy(logits, labels, { weight: w, ignoreIndex: 1 }), { atol: 0, rtol: 0 });
  ce.to("float64");
  assert.equal(ce.weight!.dtype, "float64");
  assert.equal(ce.opts.weight, ce.weight);
  const bce = new nn.BCEWithLogitsLoss(null, null, null, "mean", tensor([2, 1]));
  assert.deepEqual(bce.posWeight!.tolist(), [2, 1]);
  assert.deepEqual(Object.keys(bce.stateDict()), ["pos_weight"]);
});

test("forward methods take PyTorch's positional order too", () => {
  const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  const q = randn([2, 3, 8]);
  const pad = tensor([[false, false, true], [false, true, true]]);
  const [o1, w1] = mha.forward(q, q, q, pad, false);
  const [o2, w2] = mha.forward(q, q, q, { keyPaddingMask: pad, needWeights: false });
  assert.equal(w1, null);
  assert.equal(w2, null);
  assertClose(o1, o2, { atol: 0, rtol: 0 });
  const [, w3] = mha.forward(q, q, q, null, true, null, false);
  assert.deepEqual(w3!.shape, [2, 2, 3, 3]);
  // TransformerEncoder(src, mask): the mask is used, not dropped
  const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16, 0, { batchFirst: true }), 2).eval();
  const causal = tensor([[false, true, true], [false, false, true], [false, false, false]]);
  const a = enc.forward(q, causal), b = enc.forward(q, { mask: causal }), c = enc.forward(q);
  assertClose(a, b, { atol: 0, rtol: 0 });
  assert.ok((a.sub(c).abs().max().item() as number) > 1e-4, "the mask changes the result");
  const layer = enc.layers.at(0) as nn.TransformerEncoderLayer;
  assertClose(layer.forward(q, causal), layer.forward(q, { srcMask: causal }), { atol: 0, rtol: 0 });
  // activation by name, function or module (positional, fifth): the same layer
  const byName = new nn.TransformerEncoderLayer(8, 2, 16, 0, "gelu").eval();
  const byModule = new nn.TransformerEncoderLayer(8, 2, 16, 0, new nn.GELU()).eval();
  const byFn = new nn.TransformerEncoderLayer(8, 2, 16, 0, (t: Tensor) => t.gelu()).eval();
  byModule.loadStateDict(byName.stateDict());
  byFn.loadStateDict(byName.stateDict());
  const s = randn([3, 2, 8]);
  assertClose(byModule.forward(s), byName.forward(s), { atol: 0, rtol: 0 });
  assertClose(byFn.forward(s), byName.forward(s), { atol: 0, rtol: 0 });
  // recurrent layers: (input, hx)
  const lstm = new nn.LSTM(4, 5);
  const x = randn([3, 2, 4]), h0 = randn([1, 2, 5]), c0 = randn([1, 2, 5]);
  const [y1] = lstm.forward(x, [h0, c0]);
  const [y2] = lstm.forward(x, { hx: [h0, c0] });
  assertClose(y1, y2, { atol: 0, rtol: 0 });
  const ct = new nn.ConvTranspose2d(2, 2, 3, 2, 1);
  assert.deepEqual(ct.forward(randn([1, 2, 4, 4]), [8, 8]).shape, [1, 2, 8, 8]);
  assert.deepEqual(ct.forward(randn([1, 2, 4, 4]), { outputSize: [1, 2, 8, 8] }).shape, [1, 2, 8, 8]);
});

test("containers take Modules (or one dict of them) and reject anything else", () => {
  throwsArg(() => new nn.Sequential(5 as never), /^Sequential\(\): argument 'modules' must be Module values, but element 0 is int 5$/);
  throwsArg(() => new nn.Sequential(new nn.ReLU(), [new nn.ReLU()] as never), /Sequential\(\): argument 'modules' must be Module values, but element 1 is array \[ReLU\]/);
  throwsArg(() => new nn.Sequential({ fc: new nn.Linear(1, 1), act: "relu" } as never), /^Sequential\(\): argument 'modules' entry 'act' must be a Module, but got string "relu"$/);
  throwsArg(() => new nn.ModuleList([new nn.ReLU(), 3] as never), /^ModuleList\(\): argument 'modules' \(position 1\) must be Module\[\] or null, but got array \[ReLU, 3\]$/);
  throwsArg(() => new nn.ModuleList(new nn.ReLU() as never), /ModuleList\(\): argument 'modules' \(position 1\) must be Module\[\] or null, but got ReLU/);
  throwsArg(() => new nn.ModuleDict({ a: 3 } as never), /^ModuleDict\(\): argument 'modules' entry 'a' must be a Module, but got int 3$/);
  throwsArg(() => new nn.ModuleDict(5 as never), /ModuleDict\(\): argument 'modules' \(position 1\) must be Dict or null, but got int 5/);
  throwsArg(() => new nn.ModuleList().append(7 as never), /^ModuleList\.append\(\): module must be a Module, but got int 7$/);
  throwsArg(() => new nn.ModuleList().extend(7 as never), /ModuleList\.extend\(\): argument 'modules' must be an iterable of Modules, but got int 7/);
  throwsArg(() => new nn.ModuleDict().set("x", {} as never), /ModuleDict\.set\(\): module must be a Module, but got object \{\}/);
  // any iterable of modules reads as a list, as PyTorch's ModuleList(iterable)
  const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
  assert.equal(new nn.ModuleList(seq).length, 2);
  function* gen() {
    yield new nn.Tanh();
  }
  assert.equal(new nn.ModuleList(gen()).length, 1);
  assert.equal(new nn.ModuleList().length, 0);
  assert.equal(new nn.Sequential().length, 0);
});

test("wrong types, counts, option keys and literals are ArgumentErrors naming the constructor and parameter", () => {
  throwsArg(() => new nn.Conv2d(1, 6, "5" as never), /^Conv2d\(\): argument 'kernelSize' \(position 3\) must be int\[2\] \(or one int\), but got string "5"$/);
  throwsArg(() => new nn.Conv2d(1, 6, 5, { paddding: 1 } as never), /^Conv2d\(\) got an unexpected option 'paddding' \(did you mean 'padding'\?\); valid options: inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias, paddingMode, device, dtype$/);
  // @ts-expect-error device is keyword-only
  throwsArg(() => new nn.Conv2d(1, 6, 5, 1, 2, 1, 1, true, "zeros", "cpu"), /^Conv2d\(\) takes 9 positional arguments but 10 were given; pass device, dtype in an options object$/);
  throwsArg(() => new nn.Conv2d(1, 6, 5, { paddingMode: "mirror" as never }), /Conv2d\(\): option 'paddingMode' must be "zeros" or "reflect" or "replicate" or "circular", but got string "mirror"/);
  throwsArg(() => new nn.Conv2d(1, 6, 5, 1, "full" as never), /Conv2d\(\): argument 'padding' \(position 5\) must be int\[2\] \(or one int\) or "same" or "valid", but got string "full"/);
  throwsArg(() => new nn.Conv2d(1, 6, [3, 3, 3] as never), /argument 'kernelSize' \(position 3\) must be int\[2\]/);
  throwsArg(() => new nn.Conv1d(1, 6, 3, { stride: [1, 2] as never }), /Conv1d\(\): option 'stride' must be int\[1\] \(or one int\), but got array \[1, 2\]/);
  throwsArg(() => new nn.ConvTranspose2d(2, 2, 3, { paddingMode: "reflect" as never }), /ConvTranspose2d\(\): option 'paddingMode' must be "zeros", but got string "reflect"/);
  throwsArg(() => new nn.CrossEntropyLoss({ reduction: "avg" as never }), /^CrossEntropyLoss\(\): option 'reduction' must be "mean" or "sum" or "none", but got string "avg"$/);
  throwsArg(() => new nn.CrossEntropyLoss([1, 2] as never), /CrossEntropyLoss\(\): argument 'weight' \(position 1\) must be Tensor or null, but got array \[1, 2\]/);
  throwsArg(() => new nn.MSELoss("sum" as never), /^MSELoss\(\): argument 'sizeAverage' \(position 1\) must be bool or null, but got string "sum"$/);
  throwsArg(() => new nn.KLDivLoss({ reduction: "batchsum" as never }), /KLDivLoss\(\): option 'reduction' must be "mean" or "sum" or "none" or "batchmean"/);
  throwsArg(() => new nn.HuberLoss("sum", 1, 2 as never), /HuberLoss\(\) takes 2 positional arguments but 3 were given/);
  throwsArg(() => new nn.NLLLoss({ ignore_index: 0 } as never), /NLLLoss\(\) got an unexpected option 'ignore_index' \(did you mean 'ignoreIndex'\?\)/);
  throwsArg(() => new nn.LSTM(10, 20, 2.5), /^LSTM\(\): argument 'numLayers' \(position 3\) must be int, but got float 2\.5$/);
  throwsArg(() => new nn.LSTM(10, 20, { numLayer: 2 } as never), /LSTM\(\) got an unexpected option 'numLayer' \(did you mean 'numLayers'\?\)/);
  // PyTorch 1.13's fourth positional argument of RNN is bias; nonlinearity goes by name
  throwsArg(() => new nn.RNN(10, 20, 2, "relu" as never), /^RNN\(\): argument 'bias' \(position 4\) must be bool, but got string "relu"$/);
  throwsArg(() => new nn.RNN(10, 20, { nonlinearity: "gelu" as never }), /RNN\(\): option 'nonlinearity' must be "tanh" or "relu", but got string "gelu"/);
  throwsArg(() => new nn.GRU(10, 20, { projSize: 5 } as never), /GRU\(\) got an unexpected option 'projSize'/);
  throwsArg(() => new nn.RNNCell(10, 20, true, "sigmoid" as never), /RNNCell\(\): argument 'nonlinearity' \(position 4\) must be "tanh" or "relu"/);
  throwsArg(() => new nn.LSTMCell("10" as never, 20), /LSTMCell\(\): argument 'inputSize' \(position 1\) must be int, but got string "10"/);
  // @ts-expect-error hiddenSize is required
  throwsArg(() => new nn.GRUCell(10), /GRUCell\(\) missing required argument 'hiddenSize' \(position 2\)/);
  throwsArg(() => new nn.MaxPool2d(2, { stride: [1, 2, 3] as never }), /MaxPool2d\(\): option 'stride' must be int\[2\] \(or one int\) or null, but got array \[1, 2, 3\]/);
  // @ts-expect-error kernelSize is required
  throwsArg(() => new nn.MaxPool1d(), /MaxPool1d\(\) missing required argument 'kernelSize' \(position 1\)/);
  throwsArg(() => new nn.AvgPool2d(2, { divisorOverride: 1.5 }), /AvgPool2d\(\): option 'divisorOverride' must be int or null, but got float 1\.5/);
  throwsArg(() => new nn.AvgPool1d(2, 1, 0, "yes" as never), /AvgPool1d\(\): argument 'ceilMode' \(position 4\) must be bool/);
  throwsArg(() => new nn.AdaptiveAvgPool2d([5, "a"] as never), /^AdaptiveAvgPool2d\(\): argument 'outputSize' \(position 1\) must be int\?\[2\] \(or one int\), but got array \[5, a\]$/);
  throwsArg(() => new nn.AdaptiveAvgPool1d([4, 4] as never), /AdaptiveAvgPool1d\(\): argument 'outputSize' \(position 1\) must be int\[1\]/);
  throwsArg(() => new nn.BatchNorm2d(32, { momentum: "0.1" as never }), /BatchNorm2d\(\): option 'momentum' must be float or null, but got string "0\.1"/);
  throwsArg(() => new nn.BatchNorm1d(4, 1e-5, 0.1, true, true, "cpu" as never), /BatchNorm1d\(\) takes 5 positional arguments but 6 were given; pass device, dtype in an options object/);
  throwsArg(() => new nn.LayerNorm([10, "10"] as never), /LayerNorm\(\): argument 'normalizedShape' \(position 1\) must be int\[\] \(or one int\)/);
  throwsArg(() => new nn.GroupNorm(2, 4, { affin: false } as never), /GroupNorm\(\) got an unexpected option 'affin' \(did you mean 'affine'\?\)/);
  throwsArg(() => new nn.Dropout("0.5" as never), /^Dropout\(\): argument 'p' \(position 1\) must be float, but got string "0\.5"$/);
  throwsArg(() => new nn.Dropout2d(0.5, { inPlace: true } as never), /Dropout2d\(\) got an unexpected option 'inPlace' \(did you mean 'inplace'\?\)/);
  throwsArg(() => new nn.Embedding(10, 3.5), /Embedding\(\): argument 'embeddingDim' \(position 2\) must be int, but got float 3\.5/);
  throwsArg(() => nn.Embedding.fromPretrained([[1, 2]] as never), /^Embedding\.fromPretrained\(\): argument 'embeddings' \(position 1\) must be Tensor, but got array \[array\]$/);
  throwsArg(() => new nn.Softmax("1" as never), /Softmax\(\): argument 'dim' \(position 1\) must be int or null, but got string "1"/);
  throwsArg(() => new nn.LogSoftmax(1, 2 as never), /LogSoftmax\(\) takes 1 positional argument but 2 were given/);
  throwsArg(() => new nn.GELU("erf" as never), /GELU\(\): argument 'approximate' \(position 1\) must be "none" or "tanh", but got string "erf"/);
  throwsArg(() => new nn.ReLU(1 as never), /ReLU\(\): argument 'inplace' \(position 1\) must be bool, but got int 1/);
  throwsArg(() => new nn.LeakyReLU({ slope: 0.1 } as never), /LeakyReLU\(\) got an unexpected option 'slope'/);
  throwsArg(() => new nn.ELU(1, true, 3 as never), /ELU\(\) takes 2 positional arguments but 3 were given/);
  throwsArg(() => new nn.Softplus({ beta: "2" } as never), /Softplus\(\): option 'beta' must be float/);
  // @ts-expect-error Sigmoid takes no arguments
  throwsArg(() => new nn.Sigmoid(1), /Sigmoid\(\) takes 0 positional arguments but 1 were given/);
  // @ts-expect-error Tanh takes no options
  throwsArg(() => new nn.Tanh({ x: 1 }), /Tanh\(\) got an unexpected option 'x'; it takes no options/);
  throwsArg(() => new nn.SiLU("no" as never), /SiLU\(\): argument 'inplace'/);
  throwsArg(() => new nn.Flatten(1.5), /Flatten\(\): argument 'startDim' \(position 1\) must be int/);
  throwsArg(() => new nn.Unflatten(1, 4), /^Unflatten\(\): argument 'unflattenedSize' must be a list of ints, but got int 4$/);
  throwsArg(() => new nn.Linear(2, 3, { bias: 0 } as never), /Linear\(\): option 'bias' must be bool, but got int 0/);
  // @ts-expect-error outFeatures is required
  throwsArg(() => new nn.Bilinear(2, 3), /Bilinear\(\) missing required argument 'outFeatures' \(position 3\)/);
  throwsArg(() => new nn.MultiheadAttention(16, 4, { kdim: 8.5 }), /MultiheadAttention\(\): option 'kdim' must be int or null, but got float 8\.5/);
  throwsArg(() => new nn.TransformerEncoderLayer(8, 2, { activation: 3 } as never), /TransformerEncoderLayer\(\): option 'activation' must be "relu" or "gelu" or Callable, but got int 3/);
  throwsArg(() => new nn.TransformerEncoder(new nn.Linear(2, 2), 2), /^TransformerEncoder\(\): argument 'encoderLayer' \(position 1\) must be a TransformerEncoderLayer \(its copies are made with clone\(\)\), but got Linear$/);
  throwsArg(() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 2, "norm" as never), /TransformerEncoder\(\): argument 'norm' \(position 3\) must be Module or null, but got string "norm"/);
  // values the declaration accepts but the layer does not are still FluxionErrors
  assert.throws(() => new nn.Embedding(10, 3, { sparse: true }), (e: Error) => e instanceof FluxionError && /Embedding: sparse gradients are not supported/.test(e.message));
  assert.throws(() => new nn.Conv2d(3, 4, 3, 1, 0, 1, 2), /in_channels \(3\) must be divisible by groups \(2\)/);
  assert.throws(() => new nn.Dropout(1.5), /Dropout: dropout probability has to be between 0 and 1, but got 1\.5/);
});

test("forward with a non-Tensor names the module, the argument and what it got", () => {
  throwsArg(() => new nn.Linear(2, 3).forward([[1, 2]] as never), /^Linear\.forward\(\): argument 'input' \(position 1\) must be Tensor, but got array \[array\]$/);
  throwsArg(() => (new nn.Linear(2, 3) as unknown as (x: unknown) => unknown)([[1, 2]]), /^Linear\.forward\(\): argument 'input'/);
  // the fused Conv2d + ReLU path of Sequential checks too
  throwsArg(() => new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU()).forward(5), /^Conv2d\.forward\(\): argument 'input' \(position 1\) must be Tensor, but got int 5$/);
  const x = randn([2, 3]);
  throwsArg(() => new nn.CrossEntropyLoss().forward(x, [0, 1] as never), /^CrossEntropyLoss\.forward\(\): argument 'target' \(position 2\) must be Tensor, but got array \[0, 1\]$/);
  throwsArg(() => new nn.Bilinear(2, 2, 2).forward(x, "y" as never), /Bilinear\.forward\(\): argument 'input2' \(position 2\) must be Tensor/);
  throwsArg(() => new nn.LSTM(3, 4).forward(randn([2, 1, 3]), randn([1, 1, 4]) as never), /^LSTM\.forward\(\): argument 'hx' \(position 2\) must be Tensor\[2\] or null, but got Tensor/);
  // @ts-expect-error too many arguments
  throwsArg(() => new nn.GRU(3, 4).forward(randn([2, 1, 3]), null, 5), /GRU\.forward\(\) takes 2 positional arguments but 3 were given/);
  throwsArg(() => new nn.RNNCell(3, 4).forward("x" as never), /RNNCell\.forward\(\): argument 'input' \(position 1\) must be Tensor/);
  throwsArg(() => new nn.LSTMCell(3, 4).forward(randn([3]), [randn([4])] as never), /LSTMCell\.forward\(\): argument 'hx' \(position 2\) must be Tensor\[2\] or null/);
  throwsArg(() => new nn.GRUCell(3, 4).forward(randn([3]), "h" as never), /GRUCell\.forward\(\): argument 'hx'/);
  const q = randn([2, 8]);
  throwsArg(() => (new nn.MultiheadAttention(8, 2).forward as (...a: unknown[]) => unknown)(q, q), /^MultiheadAttention\.forward\(\) missing required argument 'value' \(position 3\)$/);
  throwsArg(() => new nn.MultiheadAttention(8, 2).forward(q, q, q, { needWeight: false } as never), /MultiheadAttention\.forward\(\) got an unexpected option 'needWeight' \(did you mean 'needWeights'\?\)/);
  throwsArg(() => new nn.TransformerEncoderLayer(8, 2).forward(q, "mask" as never), /TransformerEncoderLayer\.forward\(\): argument 'srcMask' \(position 2\) must be Tensor or null/);
  throwsArg(() => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2), 1).forward(q, { srcMask: q } as never), /TransformerEncoder\.forward\(\) got an unexpected option 'srcMask'/);
  throwsArg(() => new nn.ConvTranspose2d(2, 2, 3).forward(randn([1, 2, 4, 4]), "8" as never), /ConvTranspose2d\.forward\(\): argument 'outputSize' \(position 2\) must be int\[\] \(or one int\) or null/);
  // every layer with a plain forward(input): a module of each class named in the message
  const layers: nn.Module[] = [
    new nn.Flatten(), new nn.Unflatten(1, [2, 2]), new nn.ReLU(), new nn.LeakyReLU(), new nn.GELU(), new nn.SiLU(), new nn.Sigmoid(), new nn.Tanh(), new nn.ELU(),
    new nn.Softplus(), new nn.Softmax(1), new nn.LogSoftmax(1), new nn.Conv1d(1, 1, 1), new nn.Conv2d(1, 1, 1), new nn.ConvTranspose2d(1, 1, 1), new nn.MaxPool1d(2),
    new nn.MaxPool2d(2), new nn.AvgPool1d(2), new nn.AvgPool2d(2), new nn.AdaptiveAvgPool1d(2), new nn.AdaptiveAvgPool2d(2), new nn.BatchNorm1d(2), new nn.BatchNorm2d(2),
    new nn.LayerNorm(2), new nn.GroupNorm(1, 2), new nn.Dropout(), new nn.Dropout2d(), new nn.Embedding(2, 2), new nn.RNN(2, 2), new nn.LSTM(2, 2), new nn.GRU(2, 2),
    new nn.TransformerEncoderLayer(2, 1), new nn.TransformerEncoder(new nn.TransformerEncoderLayer(2, 1), 1), new nn.MultiheadAttention(2, 1),
    new nn.MSELoss(), new nn.L1Loss(), new nn.SmoothL1Loss(), new nn.HuberLoss(), new nn.BCELoss(), new nn.BCEWithLogitsLoss(), new nn.KLDivLoss(), new nn.NLLLoss(),
  ];
  for (const m of layers) {
    const name = m.constructor.name;
    // the recurrent layers also take a PackedSequence, and say so
    const want = m instanceof nn.RNNBase ? "Tensor or PackedSequence" : "Tensor";
    throwsArg(() => (m as unknown as (...a: unknown[]) => unknown)([1, 2], randn([2])), new RegExp(`^${name}\\.forward\\(\\): argument '(input|src|query)' \\(position 1\\) must be ${want}, but got array \\[1, 2\\]$`));
  }
});

test("a Module subclass without forward, and loadStateDict(null), are clear FluxionErrors", () => {
  // JavaScript users can forget forward (TypeScript's abstract method catches it at compile time)
  const Base = nn.Module as unknown as new () => object;
  class SimpleNet extends Base {
    fc = new nn.Linear(2, 2);
  }
  const net = new SimpleNet() as unknown as nn.Module & ((...a: unknown[]) => unknown);
  const want = (e: Error) => e instanceof FluxionError && e.message === "SimpleNet: forward is not implemented; define forward(...) in the subclass";
  assert.throws(() => net(randn([1, 2])), want);
  assert.throws(() => net.forward(randn([1, 2])), want);
  // a subclass that defines forward is unaffected
  const lin = new nn.Linear(2, 2);
  assert.deepEqual(lin(randn([1, 2])).shape, [1, 2]);
  for (const bad of [null, undefined, 5, "model.pt", [1], randn([2])]) {
    throwsArg(() => lin.loadStateDict(bad as never), /^Linear\.loadStateDict\(\): argument 'stateDict' must be a dict of Tensors \(an object or a Map, as model\.stateDict\(\) or io\.load\(\) return\), but got /);
  }
  assert.deepEqual(lin.loadStateDict(new nn.Linear(2, 2).stateDict()), { missingKeys: [], unexpectedKeys: [] });
});

test("Identity takes and ignores any arguments, as PyTorch's", () => {
  const id = new nn.Identity(54, { unusedArgument1: 0.1, unusedArgument2: false });
  const x = randn([2]);
  assert.equal(id.forward(x), x);
  assert.equal(String(id), "Identity()");
});

// ---- nn.init ----------------------------------------------------------------------------

test("nn.init takes PyTorch's positional order, options objects, and a keyword-only generator", () => {
  const init = nn.init;
  const w = () => empty([64, 32]);
  const same = (a: Tensor, b: Tensor) => assertClose(a, b, { atol: 0, rtol: 0 });
  same(init.kaimingUniform_(w(), 0.2, "fan_out", "relu", { generator: new Generator(1) }),
    init.kaimingUniform_(w(), { a: 0.2, mode: "fan_out", nonlinearity: "relu", generator: new Generator(1) }));
  same(init.kaimingNormal_(w(), 0, "fan_in", "tanh", { generator: new Generator(2) }),
    init.kaimingNormal_({ tensor: w(), nonlinearity: "tanh", generator: new Generator(2) }));
  same(init.xavierUniform_(w(), 2, { generator: new Generator(3) }), init.xavierUniform_(w(), { gain: 2, generator: new Generator(3) }));
  same(init.truncNormal_(w(), 1, 2, -1, 3, { generator: new Generator(4) }), init.truncNormal_(w(), { mean: 1, std: 2, a: -1, b: 3, generator: new Generator(4) }));
  same(init.orthogonal_(w(), 0.5, { generator: new Generator(5) }), init.orthogonal_(w(), { gain: 0.5, generator: new Generator(5) }));
  // the positional values are used: kaiming_uniform with fan_out=64 and relu gain √2 has bound √2·√(3/64)
  const k = init.kaimingUniform_(w(), 0, "fan_out", "relu").abs().max().item() as number;
  const bound = Math.SQRT2 * Math.sqrt(3 / 64);
  assert.ok(k <= bound && k > 0.9 * bound, `max |w| ${k} vs bound ${bound}`);
  const u = init.uniform_(w(), -3, -2);
  assert.ok((u.max().item() as number) <= -2 && (u.min().item() as number) >= -3);
  assert.deepEqual(init.constant_(zeros([2]), 3).tolist(), [3, 3]);
  assert.equal(init.calculateGain("leaky_relu", 0.2), Math.sqrt(2 / 1.04));
  assert.equal(init.calculateGain("conv_transpose3d"), 1);
  assert.deepEqual(init.calculateFanInAndFanOut(empty([8, 4, 3])), { fanIn: 12, fanOut: 24 });
  // errors
  throwsArg(() => init.kaimingUniform_(w(), 0, "fan_avg" as never), /^kaimingUniform_\(\): argument 'mode' \(position 3\) must be "fan_in" or "fan_out", but got string "fan_avg"$/);
  throwsArg(() => init.uniform_([1, 2] as never), /^uniform_\(\): argument 'tensor' \(position 1\) must be Tensor, but got array \[1, 2\]$/);
  throwsArg(() => init.calculateGain("gelu" as never), /calculateGain\(\): argument 'nonlinearity' \(position 1\) must be "linear" or .* or "selu", but got string "gelu"/);
  throwsArg(() => init.normal_(w(), 0, 1, { generator: 5 } as never), /normal_\(\): option 'generator' must be Generator or null, but got int 5/);
  // @ts-expect-error generator is keyword-only
  throwsArg(() => init.xavierNormal_(w(), 1, new Generator(1)), /xavierNormal_\(\) takes 2 positional arguments but 3 were given; pass generator in an options object/);
  // @ts-expect-error val is required
  throwsArg(() => init.constant_(w()), /constant_\(\) missing required argument 'val' \(position 2\)/);
  throwsArg(() => init.eye_(w(), 1 as never), /eye_\(\) takes 1 positional argument but 2 were given/);
  throwsArg(() => init.zeros_(w(), { value: 1 } as never), /zeros_\(\) got an unexpected option 'value'; valid options: tensor/);
  throwsArg(() => init.ones_("t" as never), /ones_\(\): argument 'tensor'/);
  throwsArg(() => init.calculateFanInAndFanOut(null as never), /calculateFanInAndFanOut\(\): argument 'tensor' \(position 1\) must be Tensor, but got null/);
});

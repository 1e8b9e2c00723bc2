// F (torch.nn.functional) and nn.utils as declared ops: PyTorch 1.13's positional order and
// defaults (checked against test/fixtures/api_signatures.json), the options object as an
// equivalent, inplace flags honoured, and ArgumentErrors that name the function, the
// parameter and what it got. Mirrors src/nn/functional/*.ts and src/nn/utils.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, FluxionError, Generator, Tensor, nn, ones, randn, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { registeredOps } from "../../src/api/registry.js";
import { PYTORCH, camel, declaredOp, differences, type Departures } from "../fixtures/api_signatures.js";

const F = nn.F;
const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message), String(re));
const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.tolist(), b.tolist());

/** Where F departs from PyTorch 1.13's Python signatures, and why. */
const F_DEPARTURES: Record<string, Departures> = {
  // PyTorch's builtin takes approximate keyword-only (gelu(x, "tanh") is a TypeError there); its docstring omits the `*`
  gelu: { keywordOnly: ["approximate"] },
  // _stacklevel is an implementation detail of the warning; dim's implicit choice is deprecated, so dim is required
  softmax: { omit: ["_stacklevel"], keywordOnly: ["dtype"], defaults: { dim: undefined } },
  logSoftmax: { omit: ["_stacklevel"], keywordOnly: ["dtype"], defaults: { dim: undefined } },
};

test("every F function is declared in PyTorch 1.13's positional order with its defaults", () => {
  const mismatches: string[] = [];
  for (const [pyName, py] of Object.entries(PYTORCH.functional!)) {
    const name = camel(pyName);
    const sig = declaredOp("nn.functional", name);
    if (!sig) {
      mismatches.push(`${name}: not declared`);
      continue;
    }
    for (const d of differences(sig, py, F_DEPARTURES[name])) mismatches.push(`F.${name}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
});

test("F exports only declared (argument-checked) functions, and every declared one", () => {
  const declared = new Set(registeredOps().filter((o) => o.group === "nn.functional").map((o) => o.name));
  const exported = Object.entries(F).filter(([, v]) => typeof v === "function").map(([k]) => k);
  assert.deepEqual(exported.filter((k) => !declared.has(k)), [], "raw functions exported by F");
  assert.deepEqual([...declared].filter((k) => !exported.includes(k)), [], "declared but not exported");
  // scaledDotProductAttention is torch 2.x's: its order and keyword-only scale by hand
  const sdpa = declaredOp("nn.functional", "scaledDotProductAttention")!;
  assert.deepEqual(sdpa.params.map((p) => [p.name, p.keywordOnly]), [
    ["query", false], ["key", false], ["value", false], ["attnMask", false], ["dropoutP", false], ["isCausal", false], ["scale", true], ["generator", true],
  ]);
});

test("nn.utils is declared in PyTorch 1.13's order", () => {
  const mismatches: string[] = [];
  for (const [pyName, py] of Object.entries(PYTORCH.nn_utils!)) {
    const sig = declaredOp("nn.utils", camel(pyName));
    if (!sig) mismatches.push(`${camel(pyName)}: not declared`);
    else for (const d of differences(sig, py)) mismatches.push(`${camel(pyName)}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
});

test("nn.utils.rnn is declared in PyTorch 1.13's order", () => {
  const mismatches: string[] = [];
  for (const [pyName, py] of Object.entries(PYTORCH.nn_utils_rnn!)) {
    const sig = declaredOp("nn.utils.rnn", camel(pyName));
    if (!sig) mismatches.push(`${camel(pyName)}: not declared`);
    else for (const d of differences(sig, py)) mismatches.push(`${camel(pyName)}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
});

test("positional arguments and the options object give the same results", () => {
  const x = randn([2, 3, 7, 7], { generator: new Generator(1) });
  const w = randn([4, 3, 3, 3], { generator: new Generator(2) }), b = randn([4], { generator: new Generator(3) });
  same(F.conv2d(x, w, b, 1, 2), F.conv2d(x, w, b, { stride: 1, padding: 2 }));
  same(F.conv2d(x, w, b, 2, 1, 2), F.conv2d(x, w, { bias: b, stride: 2, padding: 1, dilation: 2 }));
  const g = randn([4, 2, 3, 3], { generator: new Generator(4) });
  same(F.conv2d(x.narrow(1, 0, 2).repeat(1, 2, 1, 1), g, null, 1, "same", 1, 2), F.conv2d(x.narrow(1, 0, 2).repeat(1, 2, 1, 1), g, null, { padding: "same", groups: 2 }));
  same(F.convTranspose2d(x, w.transpose(0, 1), null, 2, 1, 1), F.convTranspose2d(x, w.transpose(0, 1), null, { stride: 2, padding: 1, outputPadding: 1 }));
  const x1 = x.flatten(2);
  same(F.conv1d(x1, w.flatten(2), b, 3, 1), F.conv1d(x1, w.flatten(2), b, { stride: 3, padding: 1 }));
  same(F.maxPool2d(x, 3, 2, 1), F.maxPool2d(x, 3, { stride: 2, padding: 1 }));
  same(F.maxPool2d(x, 2, null, 0, 2, true), F.maxPool2d(x, 2, { dilation: 2, ceilMode: true }));
  same(F.avgPool2d(x, 3, 2, 1, true, false), F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }));
  same(F.avgPool1d(x1, 4, 2, 2), F.avgPool1d(x1, 4, { stride: 2, padding: 2 }));
  same(F.unfold(x, 3, 1, 1, 2), F.unfold(x, 3, { padding: 1, stride: 2 }));
  same(F.layerNorm(x, [7, 7], null, null, 0.1), F.layerNorm(x, [7, 7], { eps: 0.1 }));
  same(F.groupNorm(x, 3, null, null, 0.1), F.groupNorm(x, 3, { eps: 0.1 }));
  same(F.batchNorm(x, null, null, null, null, true, 0.1, 0.5), F.batchNorm(x, null, null, { training: true, eps: 0.5 }));
  same(F.leakyRelu(x, 0.2), F.leakyRelu(x, { negativeSlope: 0.2 }));
  same(F.hardtanh(x, -0.5, 0.25), x.clamp(-0.5, 0.25));
  same(F.softplus(x, 2, 1), F.softplus(x, { beta: 2, threshold: 1 }));
  same(F.elu(x, 0.5), F.elu(x, { alpha: 0.5 }));
  same(F.softmax(x, 1, { dtype: "float64" }), x.double().softmax(1));
  same(F.dropout(x, 0.3, true, false, { generator: new Generator(9) }), F.dropout(x, { p: 0.3, generator: new Generator(9) }));
  same(F.dropout(x, 0.3, false), x);
  const logits = randn([5, 4], { dtype: "float64", generator: new Generator(5) });
  const labels = tensor([0, 3, 1, 1, 2], { dtype: "int32" });
  same(F.crossEntropy(logits, labels, null, null, 1, null, "sum", 0.2), F.crossEntropy(logits, labels, { ignoreIndex: 1, reduction: "sum", labelSmoothing: 0.2 }));
  same(F.nllLoss(logits, labels, null, null, -100, null, "none"), F.nllLoss(logits, labels, { reduction: "none" }));
  same(F.smoothL1Loss(logits, logits.mul(2), null, null, "sum", 0.5), F.smoothL1Loss(logits, logits.mul(2), { reduction: "sum", beta: 0.5 }));
  same(F.huberLoss(logits, logits.mul(2), "none", 0.5), F.huberLoss(logits, logits.mul(2), { reduction: "none", delta: 0.5 }));
  const logp = logits.logSoftmax(1), q = logits.mul(0.5).softmax(1);
  same(F.klDiv(logp, q, null, null, "batchmean"), F.klDiv(logp, q, { reduction: "batchmean" }));
  const weight = randn([6, 3], { generator: new Generator(6) }), idx = tensor([[0, 5], [2, 0]], { dtype: "int32" });
  same(F.embedding(idx, weight, 0), F.embedding(idx, weight, { paddingIdx: 0 }));
});

test("PyTorch's documented calls work and give hand-computed values", () => {
  // torch docs: inputs = torch.randn(1, 4, 5, 5); filters = torch.randn(8, 4, 3, 3); F.conv2d(inputs, filters, padding=1)
  assert.deepEqual(F.conv2d(randn([1, 4, 5, 5]), randn([8, 4, 3, 3]), { padding: 1 }).shape, [1, 8, 5, 5]);
  // ones * ones kernel with bias 1 and padding 1: corners see 4 ones, edges 6, the centre 9
  assert.deepEqual(F.conv2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]), tensor([1]), 1, 1).tolist(), [[[[5, 7, 5], [7, 10, 7], [5, 7, 5]]]]);
  assert.deepEqual(F.maxPool2d(tensor([[[[1, 2], [3, 4]]]]), 2, 1, 1).tolist(), [[[[1, 2, 2], [3, 4, 4], [3, 4, 4]]]]);
  // cross entropy with label smoothing eps over C classes: (1 - eps) * nll + eps * mean over classes of -log p
  const z = tensor([[2, 0, -1]], { dtype: "float64" }), lse = Math.log(Math.exp(2) + 1 + Math.exp(-1));
  const nll = lse - 2, smooth = (3 * lse - (2 + 0 - 1)) / 3;
  assert.ok(Math.abs((F.crossEntropy(z, tensor([0], { dtype: "int32" }), { labelSmoothing: 0.1 }).item() as number) - (0.9 * nll + 0.1 * smooth)) < 1e-12);
  const [out, indices] = F.maxPool2d(tensor([[[[1, 5], [7, 2]]]]), 2, null, 0, 1, false, true);
  assert.deepEqual([out.tolist(), indices.tolist()], [[[[[7]]]], [[[[2]]]]]);
});

test("inplace=true writes into the input, as PyTorch's does", () => {
  const v = () => tensor([-2, -0.5, 0.5, 2]);
  for (const [name, f, ref] of [
    ["relu", (t: Tensor) => F.relu(t, true), (t: Tensor) => F.relu(t)],
    ["leakyRelu", (t: Tensor) => F.leakyRelu(t, 0.1, true), (t: Tensor) => F.leakyRelu(t, 0.1)],
    ["silu", (t: Tensor) => F.silu(t, true), (t: Tensor) => F.silu(t)],
    ["elu", (t: Tensor) => F.elu(t, 0.5, true), (t: Tensor) => F.elu(t, 0.5)],
    ["hardtanh", (t: Tensor) => F.hardtanh(t, -1, 1, true), (t: Tensor) => F.hardtanh(t, -1, 1)],
  ] as const) {
    const t = v(), want = ref(v());
    const r = f(t);
    assert.equal(r, t, `${name} returns its input`);
    same(t, want);
    assert.deepEqual(v().tolist(), [-2, -0.5, 0.5, 2], `${name} out of place leaves the input`);
  }
  // in place on a non-leaf keeps the gradient right: d/dx elu(x) = 1 or alpha * exp(x)
  const x = tensor([-1, 2], { dtype: "float64", requiresGrad: true });
  F.elu(x.mul(1), 0.5, true).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0.5 * Math.exp(-1), 1]);
});

test("bad calls are ArgumentErrors naming the function, the parameter and what it got", () => {
  const x = randn([1, 1, 4, 4]), w = randn([1, 1, 3, 3]);
  throwsArg(() => F.conv2d(null as never, w), /^conv2d\(\): argument 'input' \(position 1\) must be Tensor, but got null$/);
  throwsArg(() => F.crossEntropy(randn([2, 3]), undefined as never), /^crossEntropy\(\) missing required argument 'target' \(position 2\)$/);
  throwsArg(() => F.crossEntropy(randn([2, 3]), tensor([0, 1], { dtype: "int32" }), { reduction: "avg" as never }), /crossEntropy\(\): option 'reduction' must be "mean" or "sum" or "none", but got string "avg"/);
  throwsArg(() => F.conv2d(x, w, null, { strides: 2 } as never), /conv2d\(\) got an unexpected option 'strides' \(did you mean 'stride'\?\)/);
  throwsArg(() => F.conv2d(x, w, null, 1.5 as never), /conv2d\(\): argument 'stride' \(position 4\) must be int\[2\] \(or one int\), but got float 1.5/);
  throwsArg(() => F.conv2d(x, w, null, 1, "full" as never), /argument 'padding' \(position 5\) must be int\[2\] \(or one int\) or "same" or "valid", but got string "full"/);
  throwsArg(() => (F.relu as (...a: unknown[]) => Tensor)(x, false, 3), /^relu\(\) takes 2 positional arguments but 3 were given$/);
  throwsArg(() => F.maxPool2d(x, [2, 2, 2] as never), /maxPool2d\(\): argument 'kernelSize' \(position 2\) must be int\[2\]/);
  throwsArg(() => F.linear(x, "w" as never), /linear\(\): argument 'weight' \(position 2\) must be Tensor, but got string "w"/);
  throwsArg(() => F.dropout(x, "0.5" as never), /dropout\(\): argument 'p' \(position 2\) must be float, but got string "0.5"/);
  // softmax: dim is required, and PyTorch's third positional (_stacklevel) is not taken for dtype
  throwsArg(() => (F.softmax as (...a: unknown[]) => Tensor)(x), /softmax\(\) missing required argument 'dim'/);
  throwsArg(() => (F.softmax as (...a: unknown[]) => Tensor)(x, 1, 3), /softmax\(\) takes 2 positional arguments but 3 were given; pass dtype in an options object/);
  throwsArg(() => (F.gelu as (...a: unknown[]) => Tensor)(x, "tanh"), /gelu\(\) takes 1 positional argument but 2 were given; pass approximate in an options object/);
  // size_average / reduce keep their slots and, when given, decide the reduction as PyTorch's
  // legacy rule does (reduction is then ignored)
  const y = randn([3]), z = randn([3]);
  assertClose(F.mseLoss(y, z, false), y.sub(z).pow(2).sum().item(), { rtol: 1e-6 });
  assertClose(F.mseLoss(y, z, null, false, "sum"), y.sub(z).pow(2).toTypedArray(), { rtol: 1e-6 });
  assertClose(F.mseLoss(y, z, true, true, "none"), y.sub(z).pow(2).mean().item(), { rtol: 1e-6 });
  const logp = F.logSoftmax(randn([2, 3]), { dim: 1 }), lbl = tensor([0, 1], { dtype: "int32" });
  assert.deepEqual(F.nllLoss(logp, lbl, null, null, -100, false).shape, [2]);
  assertClose(F.nllLoss(logp, lbl, { sizeAverage: false }), F.nllLoss(logp, lbl, { reduction: "sum" }).item(), { rtol: 1e-6 });
  throwsArg(() => F.mseLoss(y, y, "sum" as never), /mseLoss\(\): argument 'sizeAverage' \(position 3\) must be bool or null, but got string "sum"/);
  assert.throws(() => F.embedding(tensor([0], { dtype: "int32" }), randn([2, 2]), null, null, 2, false, true), (e: Error) => e instanceof FluxionError && /sparse=true \(sparse gradients\) is not supported/.test(e.message));
  assert.throws(() => F.hardtanh(y, 1, -1), /hardtanh: minVal cannot be greater than maxVal \(got minVal=1, maxVal=-1\)/);
});

test("nn.utils takes PyTorch's positional order and checks its arguments", () => {
  const withGrad = (g: number[]) => {
    const p = new nn.Parameter(tensor(g.map(() => 0)));
    p.grad = tensor(g);
    return p;
  };
  const a = [withGrad([3, -4])];
  assert.ok(Math.abs((nn.utils.clipGradNorm_(a, 1, "inf").item() as number) - 4) < 1e-6);
  assert.deepEqual((a[0]!.grad!.tolist() as number[]).map((v) => Math.round(v * 1e4) / 1e4), [0.75, -1]);
  assert.throws(() => nn.utils.clipGradNorm_([withGrad([NaN])], 1, 2, true), /non-finite/);
  assert.doesNotThrow(() => nn.utils.clipGradNorm_([withGrad([NaN])], 1, { normType: 2 }));
  const single = withGrad([-3, 3]);
  nn.utils.clipGradValue_(single, 1);
  assert.deepEqual(single.grad!.tolist(), [-1, 1]);
  throwsArg(() => nn.utils.clipGradNorm_(a, "1" as never), /clipGradNorm_\(\): argument 'maxNorm' \(position 2\) must be float, but got string "1"/);
  throwsArg(() => nn.utils.clipGradNorm_(a, 1, "fro" as never), /argument 'normType' \(position 3\) must be float or "inf", but got string "fro"/);
  throwsArg(() => nn.utils.clipGradValue_(5 as never, 1), /clipGradValue_\(\): argument 'parameters' must be a Tensor or an iterable of Tensors, but got int 5/);
  throwsArg(() => nn.utils.parametersToVector([ones([2]), 3] as never), /parametersToVector\(\): parameters\[1\] must be a Tensor, but got int 3/);
  throwsArg(() => nn.utils.vectorToParameters([1, 2] as never, [ones([2])]), /vectorToParameters\(\): argument 'vec' \(position 1\) must be Tensor/);
});

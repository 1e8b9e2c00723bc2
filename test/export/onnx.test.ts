/**
 * onnx.export: the exported models run in ONNX Runtime (onnxruntime-node, an independent
 * implementation of every operator) and give Fluxion's eager outputs to float32 rounding
 * (rtol 1e-4): SimpleNet, the small CNN, a TransformerEncoder LM, and layers the lowering
 * maps one by one (BatchNorm in eval, average pooling through unfold, GELU, LayerNorm,
 * Softmax, views that Reshape/Slice/Transpose/Expand cannot express). Options (names,
 * opsets), the eval-mode switch, and the errors: an op without a lowering, training-mode
 * layers with training: "preserve".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { FluxionError, arange, manualSeed, nn, noGrad, onnx, randn, randint, type Tensor } from "../../src/index.js";
import { SimpleNet, SmallCNN, TransformerLM } from "../../examples/models.js";
import { assertClose } from "../helpers.js";

async function runOrt(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor(t.dtype as "float32" | "int32", t.toTypedArray() as Float32Array, [...t.shape]);
  return session.run(f);
}

/** Exports, runs in ONNX Runtime, compares with eager Fluxion in eval mode; returns the model's mode right after the export. */
async function checkModel(model: nn.Module, x: Tensor, opts: onnx.OnnxExportOptions = {}): Promise<boolean> {
  const bytes = onnx.exportBytes(model, x, opts);
  const modeAfterExport = model.training;
  model.eval();
  const want = noGrad(() => (model as unknown as { forward(x: Tensor): Tensor }).forward(x));
  const out = await runOrt(bytes, { [opts.inputNames?.[0] ?? "input"]: x });
  const got = out[opts.outputNames?.[0] ?? "output"]!;
  assert.deepEqual([...got.dims], [...want.shape]);
  assertClose(Array.from(got.data as Float32Array), want, { rtol: 1e-4, atol: 1e-5 });
  return modeAfterExport;
}

test("SimpleNet (Linear-ReLU-Linear): ONNX Runtime gives Fluxion's outputs", async () => {
  manualSeed(1);
  await checkModel(new SimpleNet(), randn([5, 784]));
});

test("the small CNN (conv, ReLU, max pooling, Linear): ONNX Runtime gives Fluxion's outputs", async () => {
  manualSeed(2);
  await checkModel(new SmallCNN(), randn([3, 1, 28, 28]));
});

test("a TransformerEncoder LM (embeddings, causal mask, attention, LayerNorm) in eval mode: ONNX Runtime gives Fluxion's outputs", async () => {
  manualSeed(3);
  const model = new TransformerLM({ vocab: 40, dModel: 32, nhead: 4, numLayers: 2, dimFeedforward: 64, maxLen: 16 });
  await checkModel(model, randint(0, 40, [3, 12], { dtype: "int32" }));
});

test("nn.TransformerEncoder (sequence-first, GELU, pre-norm, dropout 0.1 switched off by eval) matches", async () => {
  manualSeed(4);
  const layer = new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0.1, activation: "gelu", normFirst: true });
  const enc = new nn.TransformerEncoder(layer, 2);
  enc.train();
  assert.equal(await checkModel(enc, randn([7, 2, 16])), true, "the model's mode is restored after the export");
});

test("BatchNorm (eval), average pooling, GELU, LayerNorm, Softmax, Flatten: matches", async () => {
  manualSeed(5);
  const model = new nn.Sequential(
    new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.AvgPool2d(2),
    new nn.Flatten(), new nn.Linear(64, 6), new nn.GELU(), new nn.LayerNorm(6), new nn.Softmax(1),
  );
  // running statistics that are not the defaults, so eval-mode BatchNorm is really exercised
  model.train();
  noGrad(() => (model as unknown as { forward(x: Tensor): Tensor }).forward(randn([8, 3, 8, 8]).mul(2).add(1)));
  await checkModel(model, randn([2, 3, 8, 8]));
});

test("views ONNX's Reshape/Slice/Transpose cannot express (overlapping windows) lower to a Gather and match", async () => {
  manualSeed(6);
  const fn = (x: Tensor) => x.unfold(1, 4, 2).transpose(1, 2).mul(x.narrow(1, 2, 1).unsqueeze(2)).flip(1);
  const x = randn([3, 10]);
  const bytes = onnx.exportBytes(fn, x);
  const got = (await runOrt(bytes, { input: x })).output!;
  assertClose(Array.from(got.data as Float32Array), fn(x), { rtol: 1e-6 });
});

test("inputNames, outputNames and several inputs/outputs; opset 18 and 20 (axes as inputs, Gelu) also run", async () => {
  manualSeed(7);
  const fn = (a: Tensor, b: Tensor) => [a.matmul(b).gelu(), a.amax(1).sum()] as Tensor[];
  const a = randn([4, 5]), b = randn([5, 3]);
  for (const opsetVersion of [17, 18, 20]) {
    const bytes = onnx.exportBytes(fn, [a, b], { inputNames: ["a", "b"], outputNames: ["y", "s"], opsetVersion });
    const out = await runOrt(bytes, { a, b });
    const [y, s] = fn(a, b);
    assertClose(Array.from(out.y!.data as Float32Array), y!, { msg: `opset ${opsetVersion}` });
    assertClose(Array.from(out.s!.data as Float32Array), s!, { msg: `opset ${opsetVersion}` });
  }
});

test("onnx.export writes the file (atomically) and ONNX Runtime loads it from the path", async () => {
  manualSeed(8);
  const dir = mkdtempSync(join(tmpdir(), "fluxion-onnx-"));
  try {
    const model = new SimpleNet();
    const path = join(dir, "simplenet.onnx");
    onnx.export(model, randn([2, 784]), path, { inputNames: ["x"], outputNames: ["logits"] });
    const session = await ort.InferenceSession.create(path);
    assert.deepEqual([...session.inputNames], ["x"]);
    assert.deepEqual([...session.outputNames], ["logits"]);
    assert.ok(readFileSync(path).length > 4 * (784 * 128 + 128 * 10), "the weights are in the file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("errors: an op without an ONNX lowering is named, with its public op; bad options", () => {
  assert.throws(() => onnx.exportBytes((x: Tensor) => x.sort(1).values, randn([2, 3])), (e: unknown) => e instanceof FluxionError && /primitive 'sort'/.test(e.message) && /sort/.test(e.message));
  assert.throws(() => onnx.exportBytes((x: Tensor) => x.cumprod(0), randn([3])), (e: unknown) => e instanceof FluxionError && /cumulative product/.test(e.message));
  assert.throws(() => onnx.exportBytes(new SimpleNet(), randn([1, 784]), { opsetVersion: 13 }), /opsetVersion must be an integer from 17 to 21, got 13/);
  assert.throws(() => onnx.exportBytes(new SimpleNet(), randn([1, 784]), { inputNames: ["a", "b"] }), /inputNames must be 1 non-empty string/);
});

test("training: 'preserve' keeps training mode, and then Dropout and BatchNorm refuse as an inference graph cannot hold them", () => {
  const drop = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));
  drop.train();
  assert.throws(() => onnx.exportBytes(drop, randn([2, 4]), { training: "preserve" }), (e: unknown) => e instanceof FluxionError && /bernoulli \(random\) draws random numbers/.test(e.message) && /dropout in training mode/.test(e.message) && /model\.eval\(\)/.test(e.message));
  const bn = new nn.Sequential(new nn.BatchNorm1d(4));
  bn.train();
  assert.throws(() => onnx.exportBytes(bn, randn([3, 4]), { training: "preserve" }), (e: unknown) => e instanceof FluxionError && /writes a tensor made outside the traced function in place \(BatchNorm's running statistics/.test(e.message) && /model\.eval\(\)/.test(e.message));
  // the default (eval) exports both
  assert.ok(onnx.exportBytes(drop, randn([2, 4])).length > 0);
  assert.ok(onnx.exportBytes(bn, randn([3, 4])).length > 0);
});

test("dynamicAxes: a symbolic batch axis; one file runs SimpleNet, the CNN and the Transformer LM at other batch sizes", async () => {
  manualSeed(9);
  const cases: [nn.Module, (b: number) => Tensor][] = [
    [new SimpleNet(), (b) => randn([b, 784])],
    [new SmallCNN(), (b) => randn([b, 1, 28, 28])],
    [new TransformerLM({ vocab: 30, dModel: 16, nhead: 2, numLayers: 2, dimFeedforward: 32, maxLen: 8 }), (b) => randint(0, 30, [b, 6], { dtype: "int32" })],
  ];
  for (const [model, make] of cases) {
    const bytes = onnx.exportBytes(model, make(2), { dynamicAxes: { input: { 0: "batch" }, output: { 0: "batch" } } });
    const session = await ort.InferenceSession.create(bytes);
    model.eval();
    for (const b of [1, 5]) {
      const x = make(b);
      const got = (await session.run({ input: new ort.Tensor(x.dtype as "float32", x.toTypedArray() as Float32Array, [...x.shape]) })).output!;
      const want = noGrad(() => (model as unknown as { forward(x: Tensor): Tensor }).forward(x));
      assert.deepEqual([...got.dims], [...want.shape]);
      assertClose(Array.from(got.data as Float32Array), want, { rtol: 1e-4, atol: 1e-5, msg: `${model.constructor.name} batch ${b}` });
    }
  }
  // a model that cannot run at another size says so, naming the sizes it tried
  assert.throws(() => onnx.exportBytes(new SimpleNet(), randn([2, 784]), { dynamicAxes: { input: { 1: "features" } } }), /does not run with the dynamic axes at other sizes \(features = 785\)/);
  assert.throws(() => onnx.exportBytes(new SimpleNet(), randn([2, 784]), { dynamicAxes: { x: [0] } }), /names 'x', which is not an input or output/);
  assert.throws(() => onnx.exportBytes(new SimpleNet(), randn([2, 784]), { dynamicAxes: { input: { 2: "b" } } }), /dynamicAxes\['input'\] must name axes of a rank-2 tensor \(0 to 1\)/);
  // an output whose size follows the batch size other than as a named axis is refused...
  const flatOuter = (x: Tensor) => x.reshape([-1]).outer(x.reshape([-1])).sum(0);
  assert.throws(() => onnx.exportBytes(flatOuter, randn([2, 3]), { dynamicAxes: { input: [0] } }), /output 'output' changes its axis 0 with the dynamic axes \(6, 9, 12 for/);
  assert.throws(() => onnx.exportBytes(flatOuter, randn([2, 3]), { dynamicAxes: { input: { 0: "b" }, output: { 0: "b" } } }), /output 'output' axis 0 is 6, 9, 12 where 'b' is 2, 3, 4: that axis does not follow 'b'/);
  // ...and labelled with a name of its own (PyTorch's list form), it exports: 3·batch values
  const bytes = onnx.exportBytes(flatOuter, randn([2, 3]), { dynamicAxes: { input: [0], output: [0] } });
  const session = await ort.InferenceSession.create(bytes);
  const x5 = randn([5, 3]);
  const got = (await session.run({ input: new ort.Tensor("float32", x5.toTypedArray() as Float32Array, [5, 3]) })).output!;
  assert.deepEqual([...got.dims], [15]);
  assertClose(Array.from(got.data as Float32Array), flatOuter(x5), { rtol: 1e-4, atol: 1e-5 });
});

/** A causal LM whose mask and positions are made in forward for each length (nothing cached). */
class CausalLM extends nn.Module {
  embed = new nn.Embedding(30, 16);
  pos = new nn.Embedding(12, 16);
  encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(16, 2, { dimFeedforward: 32, dropout: 0, batchFirst: true }), 2);
  head = new nn.Linear(16, 30);
  forward(tokens: Tensor): Tensor {
    const L = tokens.shape[1]!;
    const x = this.embed.forward(tokens).add(this.pos.forward(arange(L, { dtype: "int32" })));
    return this.head.forward(this.encoder.forward(x, null, null, true));
  }
}

test("dynamicAxes: batch and sequence axes together; one file runs a causal Transformer LM at other batch sizes and lengths", async () => {
  manualSeed(10);
  const model = new CausalLM();
  const make = (b: number, t: number) => randint(0, 30, [b, t], { dtype: "int32" });
  const bytes = onnx.exportBytes(model, make(2, 5), { dynamicAxes: { input: { 0: "batch", 1: "seq" }, output: { 0: "batch", 1: "seq" } } });
  const session = await ort.InferenceSession.create(bytes);
  model.eval();
  for (const [b, t] of [[1, 3], [4, 9], [3, 5], [2, 12]]) {
    const x = make(b!, t!);
    const got = (await session.run({ input: new ort.Tensor("int32", x.toTypedArray() as Int32Array, [b!, t!]) })).output!;
    const want = noGrad(() => model.forward(x));
    assert.deepEqual([...got.dims], [...want.shape]);
    assertClose(Array.from(got.data as Float32Array), want, { rtol: 1e-4, atol: 1e-5, msg: `batch ${b}, seq ${t}` });
  }
  // flattening [B, T, C] to [B·T, C] gives a product of the two sizes in a Reshape target
  const lin = new nn.Linear(4, 2);
  const flat = (x: Tensor) => lin.forward(x.reshape([-1, 4])).reshape([x.shape[0]!, -1]);
  const fb = onnx.exportBytes(flat, randn([2, 3, 4]), { dynamicAxes: { input: { 0: "b", 1: "t" }, output: { 0: "b", 1: "t2" } } });
  const fs = await ort.InferenceSession.create(fb);
  const x = randn([5, 7, 4]);
  const out = (await fs.run({ input: new ort.Tensor("float32", x.toTypedArray() as Float32Array, [5, 7, 4]) })).output!;
  assert.deepEqual([...out.dims], [5, 14]);
  assertClose(Array.from(out.data as Float32Array), noGrad(() => flat(x)), { rtol: 1e-4, atol: 1e-5 });
  // a model that caches a tensor per length (TransformerLM's masks) cannot follow "seq"
  assert.throws(() => onnx.exportBytes(new TransformerLM({ vocab: 30, dModel: 16, nhead: 2, numLayers: 1, dimFeedforward: 32, maxLen: 12 }), make(2, 5), { dynamicAxes: { input: { 1: "seq" }, output: { 1: "seq" } } }), /the traced graph changes with the dynamic axes \(seq = 6\)/);
  // two inputs sharing a name must agree on its size
  assert.throws(() => onnx.exportBytes((a: Tensor, b: Tensor) => a.add(b.sum()), [randn([2, 3]), randn([4])], { dynamicAxes: { input_0: { 0: "n" }, input_1: { 0: "n" } } }), /dynamic axis 'n' has size 2 in one input and 4 in 'input_1' \(axis 0\); one name is one size/);
});

test("unexpected arguments are refused at run time: unknown option keys (with a near miss named), extra positional arguments", async () => {
  const { jit, loadGraph } = await import("../../src/index.js");
  const m = new nn.Linear(3, 2), x = randn([1, 3]);
  assert.throws(() => onnx.exportBytes(m, x, { inputName: ["x"] } as never), /onnx\.export\(\): unknown option 'inputName' \(did you mean 'inputNames'\?\); options: inputNames, outputNames/);
  assert.throws(() => onnx.export(m, x, "/tmp/never.onnx", { bogus: 1 } as never), /onnx\.export\(\): unknown option 'bogus'; options:/);
  assert.throws(() => onnx.exportBytes(m, x, 17 as never), /onnx\.export\(\): options must be an object, got number/);
  assert.throws(() => (onnx.exportBytes as (...a: unknown[]) => unknown)(m, x, {}, {}), /onnx\.exportBytes\(\) takes at most 3 arguments \(model, exampleInputs, options\) but 4 were given/);
  assert.throws(() => (jit.trace as (...a: unknown[]) => unknown)((t: Tensor) => m.forward(t), [x], { strict: true }), /trace\(\) takes at most 2 arguments \(fn, exampleInputs\) but 3 were given/);
  assert.throws(() => (loadGraph as (...a: unknown[]) => unknown)("a", "b"), /loadGraph\(\) takes at most 1 argument \(path\) but 2 were given/);
});

test("LSTM and GRU (two layers, batch-first) export as their unrolled gate math (ONNX has no rnnCell): ONNX Runtime gives Fluxion's outputs", async () => {
  manualSeed(6);
  class Recurrent extends nn.Module {
    lstm = new nn.LSTM(8, 16, { batchFirst: true, numLayers: 2 });
    gru = new nn.GRU(16, 12, { batchFirst: true });
    head = new nn.Linear(12, 3);
    forward(x: Tensor): Tensor {
      const [h] = this.lstm.forward(x) as [Tensor, unknown];
      const [g] = this.gru.forward(h) as [Tensor, unknown];
      return this.head.forward(g);
    }
  }
  await checkModel(new Recurrent(), randn([2, 5, 8]));
});

test("a loss exports too (crossEntropy as its core primitives): ONNX Runtime gives Fluxion's value", async () => {
  manualSeed(7);
  const logits = randn([6, 5]), labels = randint(0, 5, [6]);
  const fn = (x: Tensor, y: Tensor) => nn.functional.crossEntropy(x, y, { labelSmoothing: 0.1 });
  const out = await runOrt(onnx.exportBytes(fn, [logits, labels], { inputNames: ["logits", "labels"], outputNames: ["loss"] }), { logits, labels });
  assertClose(Array.from(out.loss!.data as Float32Array), [fn(logits, labels).item()], { rtol: 1e-5 });
});

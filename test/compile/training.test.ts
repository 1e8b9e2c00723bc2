/**
 * compile() against eager on whole training steps: the same model trained twice from the same
 * initial weights, once with the step compiled, must give the same losses and parameters
 * (bit for bit: the same kernels run in the same order) — SimpleNet with SGD momentum, with
 * Adam under a scheduler that changes lr between calls (so a JS scalar baked into the graph
 * would show), the small CNN; and inference. Cache hits from the second call on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, manualSeed, nn, optim, randn, randint, noGrad, type Tensor } from "../../src/index.js";
import { SimpleNet, SmallCNN, TransformerLM } from "../../examples/models.js";

function params(m: nn.Module): number[][] {
  return m.parameters().map((p) => Array.from(p.toTypedArray()));
}

function makeBatches(n: number, shape: number[], classes: number, seed: number): [Tensor, Tensor][] {
  manualSeed(seed);
  return Array.from({ length: n }, () => [randn(shape), randint(0, classes, [shape[0]!])] as [Tensor, Tensor]);
}

type Opt = { zeroGrad(): void; step(): void };
function trainer(model: nn.Module, opt: Opt, sched: { step(): void } | null) {
  const criterion = new nn.CrossEntropyLoss();
  return (x: Tensor, y: Tensor): Tensor => {
    opt.zeroGrad();
    const loss = criterion.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
}

function run(makeModel: () => nn.Module, makeOpt: (m: nn.Module) => { opt: Opt; sched: { step(): void } | null }, batches: [Tensor, Tensor][], compiled: boolean) {
  manualSeed(42);
  const model = makeModel();
  const { opt, sched } = makeOpt(model);
  const plain = trainer(model, opt, sched);
  const step = compiled ? compile(plain) : plain;
  const losses: number[] = [];
  let missesAfter2 = -1;
  for (const [x, y] of batches) {
    losses.push(step(x, y).item());
    sched?.step(); // between calls: the next call's lr differs
    if (compiled && losses.length === 2) missesAfter2 = (step as ReturnType<typeof compile>).stats().cacheMisses;
  }
  return { losses, params: params(model), step, missesAfter2 };
}

test("SimpleNet + SGD momentum: 30 compiled steps equal eager, one graph per step, cache hits after warm-up", () => {
  // 5 batches seen 6 times each: the loss falls (memorization) whatever the random draw, so
  // "it trains" checks training and not the luck of 30 fresh batches of random labels
  const distinct = makeBatches(5, [16, 784], 10, 7);
  const batches = Array.from({ length: 30 }, (_, i) => distinct[i % 5]!);
  const mk = (m: nn.Module) => ({ opt: new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }), sched: null });
  const eager = run(() => new SimpleNet(), mk, batches, false);
  const comp = run(() => new SimpleNet(), mk, batches, true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
  assert.ok(eager.losses[29]! < eager.losses[0]!, "it trains");
  const s = (comp.step as ReturnType<typeof compile>).stats();
  assert.equal(s.calls, 30);
  // one graph a step: cross-entropy's label checks read the labels, an input the graph does not write
  assert.equal(s.graphsLastCall, 1);
  assert.equal(s.graphs, 30);
  assert.deepEqual(s.breaks, []);
  // the first step creates the momentum buffers (another graph); from the second call every graph hits
  assert.equal(s.cacheMisses, 2);
  assert.equal(comp.missesAfter2, 2);
  assert.equal(s.cacheHits, 28);
});

test("SimpleNet + Adam with StepLR changing lr between calls: equal to eager; lr and bias correction are graph inputs", () => {
  const batches = makeBatches(25, [8, 784], 10, 8);
  const mk = (m: nn.Module) => {
    const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
    return { opt, sched: new optim.lrScheduler.StepLR(opt, 5, 0.5) };
  };
  const eager = run(() => new SimpleNet(), mk, batches, false);
  const comp = run(() => new SimpleNet(), mk, batches, true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
  const s = (comp.step as ReturnType<typeof compile>).stats();
  // Adam's step count and bias correction change every call, lr every 5: all hit after warm-up
  assert.equal(s.cacheMisses, 2);
  assert.equal(comp.missesAfter2, 2);
  assert.equal(s.cacheHits, 23);
});

test("SmallCNN + SGD: 6 compiled steps equal eager", () => {
  const batches = makeBatches(6, [4, 1, 28, 28], 10, 9);
  const mk = (m: nn.Module) => ({ opt: new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.5 }), sched: null });
  const eager = run(() => new SmallCNN(), mk, batches, false);
  const comp = run(() => new SmallCNN(), mk, batches, true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
  const s = (comp.step as ReturnType<typeof compile>).stats();
  assert.deepEqual([s.cacheMisses, s.cacheHits, s.graphs], [2, 4, 6]);
});

test("a small TransformerEncoder LM + AdamW: compiled steps equal eager in one graph a step (the position ids' bounds check runs in the kernel)", () => {
  const batches = makeBatches(4, [2, 8], 50, 10).map(([x]) => {
    const t = x.abs().mul(10).floor().remainder(50).int();
    return [t, t.flip([1]).reshape([-1])] as [Tensor, Tensor];
  });
  const mkModel = () => new TransformerLM({ vocab: 50, dModel: 16, nhead: 2, numLayers: 2, dimFeedforward: 32, maxLen: 8 });
  const mk = (m: nn.Module) => ({ opt: new optim.AdamW(m.parameters(), { lr: 0.01 }), sched: null });
  // logits [N, L, vocab] flattened for the loss
  const lm = (m: nn.Module) => ({ forward: (x: Tensor) => m.forward(x).reshape([-1, 50]) }) as unknown as nn.Module;
  const run2 = (compiled: boolean) => {
    manualSeed(42);
    const model = mkModel();
    const { opt } = mk(model);
    const step = trainer(lm(model), opt, null);
    const s = compiled ? compile(step) : step;
    return { losses: batches.map(([x, y]) => s(x, y).item()), params: params(model), s };
  };
  const eager = run2(false), comp = run2(true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
  const st = (comp.s as ReturnType<typeof compile>).stats();
  // the embedding's bounds check runs in its gather kernel: no host read, one graph a step
  assert.deepEqual(st.breaks, []);
  assert.equal(st.graphsLastCall, 1);
});

test("inference: compiled forward equals eager; a new batch size misses the cache, the old one hits", () => {
  manualSeed(3);
  const model = new SimpleNet();
  const infer = compile((x: Tensor) => noGrad(() => model.forward(x)));
  const x = randn([5, 784]), x2 = randn([5, 784]), x3 = randn([7, 784]);
  for (const xi of [x, x2, x3, x]) assert.deepEqual(Array.from(infer(xi).toTypedArray()), Array.from(noGrad(() => model.forward(xi)).toTypedArray()));
  const s = infer.stats();
  assert.equal(s.cacheMisses, 2); // [5, 784] and [7, 784]
  assert.equal(s.cacheHits, 2);
  assert.equal(s.cacheSize, 2);
});

/** A small conv net with BatchNorm2d (running statistics written in place by the fused batchNorm primitive) and LayerNorm. */
class NormNet extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  ln = new nn.LayerNorm(4 * 8 * 8);
  fc = new nn.Linear(4 * 8 * 8, 5);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.ln.forward(this.bn.forward(this.conv.forward(x)).relu().flatten(1)));
  }
}

test("fused primitives record: BatchNorm2d (running statistics updated in place) + LayerNorm + crossEntropy, equal to eager in one graph per step", () => {
  const batches = makeBatches(8, [6, 1, 8, 8], 5, 11);
  const mk = (m: nn.Module) => ({ opt: new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }), sched: null });
  const runNorm = (compiled: boolean) => {
    const r = run(() => new NormNet(), mk, batches, compiled);
    return r;
  };
  const eager = runNorm(false);
  const comp = runNorm(true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
  const s = (comp.step as ReturnType<typeof compile>).stats();
  assert.deepEqual(s.breaks, []);
  assert.equal(s.graphsLastCall, 1);
  const printed = (comp.step as ReturnType<typeof compile>).explain();
  assert.match(printed, /batchNorm\(.*# writes b\d+, b\d+/);
  assert.match(printed, /crossEntropy\(/);
});

test("running statistics written by a compiled batchNorm are seen by eager reads after the call", () => {
  manualSeed(3);
  const bn = new nn.BatchNorm1d(3);
  const x = randn([10, 3]);
  const f = compile((t: Tensor) => bn.forward(t));
  f(x);
  manualSeed(3);
  const ref = new nn.BatchNorm1d(3);
  ref.forward(x);
  assert.deepEqual(Array.from(bn.runningMean!.toTypedArray()), Array.from(ref.runningMean!.toTypedArray()));
  assert.deepEqual(Array.from(bn.runningVar!.toTypedArray()), Array.from(ref.runningVar!.toTypedArray()));
  assert.equal(Number(bn.numBatchesTracked!.item()), 1);
});

test("an LSTM language model (fused rnnCell primitives) compiled equals eager", () => {
  class Tiny extends nn.Module {
    emb = new nn.Embedding(20, 8);
    lstm = new nn.LSTM(8, 12, { batchFirst: true });
    fc = new nn.Linear(12, 20);
    forward(x: Tensor): Tensor {
      const [out] = this.lstm.forward(this.emb.forward(x));
      return this.fc.forward(out).flatten(0, 1);
    }
  }
  manualSeed(5);
  const data = Array.from({ length: 5 }, () => [randint(0, 20, [4, 6]), randint(0, 20, [24])] as [Tensor, Tensor]);
  const mk = (m: nn.Module) => ({ opt: new optim.Adam(m.parameters(), { lr: 0.01 }), sched: null });
  const eager = run(() => new Tiny(), mk, data, false);
  const comp = run(() => new Tiny(), mk, data, true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
});

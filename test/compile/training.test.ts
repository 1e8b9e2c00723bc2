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
  const batches = makeBatches(30, [16, 784], 10, 7);
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

test("a small TransformerEncoder LM + AdamW: compiled steps equal eager; the position ids' bounds check is a counted break", () => {
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
  assert.deepEqual(st.breaks, [{ reason: "host read in nn.Embedding", count: 4 }]);
  assert.equal(st.graphsLastCall, 2);
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

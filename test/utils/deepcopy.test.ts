/**
 * utils.deepcopy / copy.deepcopy, as Python's copy.deepcopy of modules and tensors (PyTorch
 * 1.13's Module, Tensor.__deepcopy__ and Parameter.__deepcopy__): a copy made without the
 * constructor gives the same outputs and trains independently; shared submodules and tied
 * parameters stay shared, cycles resolve; registrations (null slots, non-persistent
 * buffers, kinds of fields), hooks, modes and plain fields are copied; tensors as PyTorch:
 * leaves only, storage shared among views, a leaf's .grad copied, a Parameter's not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ArgumentError, AutogradError, FluxionError, Tensor, copy, nn, optim, randn, tensor, utils, zeros, arange, manualSeed,
} from "../../src/index.js";

const { deepcopy } = utils;

let constructed = 0;
class Net extends nn.Module {
  fc1: nn.Linear;
  act = new nn.Tanh();
  fc2: nn.Linear;
  scale: number;
  tags = ["a", "b"];
  cfg = { depth: 2, nested: { widths: [3, 4] }, when: new Date(0), seen: new Set([1]), table: new Map([["k", [1]]]) };
  fn = (x: Tensor) => x.mul(2);
  constructor(hidden: number, scale: number) {
    super();
    constructed++;
    this.fc1 = new nn.Linear(3, hidden, { dtype: "float64" });
    this.fc2 = new nn.Linear(hidden, 2, { dtype: "float64" });
    this.scale = scale;
  }
  forward(x: Tensor): Tensor {
    return this.fn(this.fc2(this.act(this.fc1(x)))).mul(this.scale);
  }
}

test("a module subclass is copied without its constructor: same class, fields, outputs; independent parameters with the same dtype, requiresGrad and class", () => {
  manualSeed(1);
  const m = new Net(5, 0.5);
  m.fc2.bias!.requiresGrad_(false);
  const before = constructed;
  const c = deepcopy(m);
  assert.equal(constructed, before, "the constructor did not run");
  assert.ok(c instanceof Net);
  assert.equal(c.constructor, Net);
  assert.equal(String(c), String(m));
  const x = randn([4, 3], { dtype: "float64" });
  assert.deepEqual(c(x).tolist(), m(x).tolist());
  assert.deepEqual(c.forward(x).tolist(), m.forward(x).tolist());
  const mp = [...m.namedParameters()], cp = [...c.namedParameters()];
  assert.deepEqual(cp.map(([k]) => k), mp.map(([k]) => k));
  cp.forEach(([k, p], i) => {
    const q = mp[i]![1];
    assert.notEqual(p, q, k);
    assert.notEqual(p.storage, q.storage, `${k}: own storage`);
    assert.ok(p instanceof nn.Parameter, `${k} is a Parameter`);
    assert.equal(p.dtype, "float64");
    assert.equal(p.requiresGrad, q.requiresGrad, k);
    assert.deepEqual(p.tolist(), q.tolist());
  });
  assert.equal(c.fc2.bias!.requiresGrad, false);
  // plain fields: values deep-copied, functions shared
  assert.equal(c.scale, 0.5);
  assert.deepEqual(c.tags, ["a", "b"]);
  assert.notEqual(c.tags, m.tags);
  c.tags.push("c");
  c.cfg.nested.widths[0] = 99;
  assert.deepEqual(m.tags, ["a", "b"]);
  assert.equal(m.cfg.nested.widths[0], 3);
  assert.equal(c.fn, m.fn);
  assert.ok(c.cfg.when instanceof Date && c.cfg.when !== m.cfg.when && c.cfg.when.getTime() === 0);
  assert.ok(c.cfg.seen instanceof Set && c.cfg.seen !== m.cfg.seen && c.cfg.seen.has(1));
  assert.deepEqual([...c.cfg.table], [["k", [1]]]);
  assert.notEqual(c.cfg.table.get("k"), m.cfg.table.get("k"));
});

test("training the copy leaves the original unchanged (parameters, optimizer, outputs), and the reverse", () => {
  manualSeed(2);
  const m = new Net(4, 1);
  const x = randn([6, 3], { dtype: "float64" }), y = randn([6, 2], { dtype: "float64" });
  const outBefore = m(x).tolist();
  const sdBefore = Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.tolist()]));
  const target = copy.deepcopy(m);
  const opt = new optim.SGD(target.parameters(), { lr: 0.1, momentum: 0.9 });
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    nn.F.mseLoss(target(x), y).backward();
    opt.step();
  }
  assert.deepEqual(m(x).tolist(), outBefore);
  for (const [k, v] of Object.entries(m.stateDict())) assert.deepEqual(v.tolist(), sdBefore[k], k);
  for (const p of m.parameters()) assert.equal(p.grad, null, "no gradient reached the original");
  assert.notDeepEqual(target(x).tolist(), outBefore);
  // and training the original leaves the copy alone
  const snap = deepcopy(m);
  const snapOut = snap(x).tolist();
  m.fc1.weight.data.add_(1);
  assert.deepEqual(snap(x).tolist(), snapOut);
});

test("shared submodules and tied parameters stay shared within the copy; cycles resolve to the copy", () => {
  class Tied extends nn.Module {
    emb = new nn.Embedding(5, 3);
    head = new nn.Linear(3, 5, { bias: false });
    alias: nn.Module;
    back: { owner: nn.Module | null } = { owner: null };
    constructor() {
      super();
      this.head.weight = this.emb.weight; // weight tying
      this.alias = this.emb;
      this.back.owner = this; // a cycle through a plain object
    }
    forward(i: Tensor): Tensor {
      return this.head(this.emb(i));
    }
  }
  const m = new Tied();
  const c = deepcopy(m);
  assert.equal(c.head.weight, c.emb.weight);
  assert.notEqual(c.emb.weight, m.emb.weight);
  assert.equal(c.alias, c.emb);
  assert.equal(c.back.owner, c);
  assert.deepEqual([...c.namedParameters()].map(([k]) => k), [...m.namedParameters()].map(([k]) => k));
  assert.deepEqual([...c.namedModules()].map(([k]) => k), ["", "emb", "head"]);
  const i = tensor([0, 3], { dtype: "int64" });
  assert.deepEqual(c(i).tolist(), m(i).tolist());
  // a shared memo: copies made in one call family share their copies
  const memo = new Map();
  const a = copy.deepcopy(m.emb, memo), b = copy.deepcopy(m, memo);
  assert.equal(b.emb, a);
});

test("registrations are copied: null parameter/buffer/submodule slots, non-persistent buffers, the kinds of fields (assignment rules)", () => {
  class Slots extends nn.Module {
    fc = new nn.Linear(2, 2);
    constructor() {
      super();
      this.registerBuffer("mask", null);
      this.registerParameter("extra", null);
      this.addModule("sub", null);
      this.registerBuffer("stats", tensor([1, 2, 3]), false);
      this.registerBuffer("count", zeros([], { dtype: "int64" }));
    }
    forward(x: Tensor): Tensor {
      return this.fc(x);
    }
  }
  const m = new Slots();
  const c = deepcopy(m) as Slots & Record<string, unknown>;
  assert.deepEqual(Object.keys(c.stateDict()), Object.keys(m.stateDict()));
  assert.deepEqual(Object.keys(c.stateDict()), ["count", "fc.weight", "fc.bias"], "own parameters, own buffers, then submodules, as PyTorch's");
  assert.deepEqual([...c.namedBuffers()].map(([k]) => k), ["stats", "count"]);
  assert.equal(c.mask, null);
  assert.equal(c.extra, null);
  assert.equal(c.sub, null);
  const stats = c.getBuffer("stats");
  assert.notEqual(stats, m.getBuffer("stats"));
  assert.deepEqual(stats.tolist(), [1, 2, 3]);
  assert.equal(c.getBuffer("count").dtype, "int64");
  // the copy's slots keep their kinds: a parameter takes a Parameter, a submodule a Module
  assert.throws(() => (c.extra = tensor([1])), (e: Error) => e instanceof ArgumentError && /cannot assign .* as parameter 'extra'/.test(e.message));
  assert.throws(() => ((c as Record<string, unknown>).fc = 3), (e: Error) => e instanceof ArgumentError && /cannot assign .* as child module 'fc'/.test(e.message));
  c.extra = new nn.Parameter(tensor([1.5]));
  c.mask = tensor([true, false]);
  assert.deepEqual(Object.keys(c.stateDict()), ["extra", "mask", "count", "fc.weight", "fc.bias"]);
  assert.deepEqual(Object.keys(m.stateDict()), ["count", "fc.weight", "fc.bias"], "the original's registrations are its own");
  assert.equal((m as Slots & Record<string, unknown>).mask, null);
  c.more = new nn.ReLU();
  assert.deepEqual([...c.namedChildren()].map(([k]) => k), ["fc", "more"]);
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), ["fc"]);
});

test("hooks and the training flag are copied; the copy's hooks get the copy, and removing the original's handle leaves the copy's", () => {
  const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5));
  const seen: nn.Module[] = [];
  const h1 = m.registerForwardHook((mod) => {
    seen.push(mod);
    return zeros([1, 2]);
  });
  m.registerForwardPreHook((mod, inputs) => {
    seen.push(mod);
    return inputs;
  });
  m.eval();
  (m.getSubmodule("1") as nn.Module).train();
  const c = deepcopy(m);
  assert.equal(c.training, false);
  assert.equal((c.getSubmodule("0") as nn.Module).training, false);
  assert.equal((c.getSubmodule("1") as nn.Module).training, true);
  h1.remove();
  const x = tensor([[1, 2]]);
  c.getSubmodule("1").eval();
  assert.deepEqual((c(x) as Tensor).tolist(), [[0, 0]], "the copy still has the forward hook");
  assert.deepEqual(seen.slice(-2), [c, c]);
  m.getSubmodule("1").eval();
  assert.notDeepEqual((m(x) as Tensor).tolist(), [[0, 0]]);
  assert.equal(seen[seen.length - 1], m);
});

test("BatchNorm buffers and a lazy module: independent running statistics; a lazy copy stays lazy and materializes on its own", () => {
  const bn = new nn.BatchNorm1d(3);
  bn(randn([8, 3]));
  const c = deepcopy(bn);
  assert.deepEqual(c.running_mean!.tolist(), bn.running_mean!.tolist());
  assert.equal(c.num_batches_tracked!.dtype, "int64");
  assert.equal(c.num_batches_tracked!.item(), 1);
  c(randn([8, 3]));
  assert.equal(bn.num_batches_tracked!.item(), 1);
  assert.equal(c.num_batches_tracked!.item(), 2);
  const lazy = new nn.LazyLinear(4);
  const lc = deepcopy(lazy);
  assert.ok(lc.hasUninitializedParams());
  lc(randn([2, 7]));
  assert.ok(lc instanceof nn.Linear, "the copy turned into a Linear");
  assert.deepEqual(lc.weight.shape, [4, 7]);
  assert.ok(lazy.hasUninitializedParams(), "the original is still lazy");
  assert.deepEqual(lazy.weight.shape, [0]);
  assert.notEqual(lc.weight, lazy.weight);
});

test("tensors as PyTorch: values, dtype, requiresGrad; a leaf's grad copied, a Parameter's not; computed tensors refused", () => {
  const a = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
  a.mul(2).sum().backward();
  const b = deepcopy(a);
  assert.notEqual(b, a);
  assert.notEqual(b.storage, a.storage);
  assert.deepEqual(b.tolist(), [1, 2, 3]);
  assert.equal(b.dtype, "float64");
  assert.equal(b.requiresGrad, true);
  assert.ok(b.isLeaf);
  assert.deepEqual(b.grad!.tolist(), [2, 2, 2]);
  assert.notEqual(b.grad, a.grad);
  b.grad!.zero_();
  assert.deepEqual(a.grad!.tolist(), [2, 2, 2]);
  const p = new nn.Parameter(tensor([1, 2]));
  p.mul(3).sum().backward();
  const q = deepcopy(p);
  assert.ok(q instanceof nn.Parameter);
  assert.equal(q.grad, null, "torch's Parameter.__deepcopy__ does not copy .grad");
  assert.equal(q.requiresGrad, true);
  assert.equal(deepcopy(new nn.Parameter(tensor([1]), false)).requiresGrad, false);
  assert.equal(deepcopy(tensor([1n, 2n])).dtype, "int64");
  assert.equal(deepcopy(a.detach()).requiresGrad, false);
  assert.throws(() => deepcopy(a.mul(2)), (e: Error) => e instanceof AutogradError && /only tensors created explicitly by the user \(graph leaves\) support deepcopy.*MulBackward0/.test(e.message));
  assert.throws(() => deepcopy({ w: [a, a.add(1)] }), (e: Error) => e instanceof AutogradError && /at \.w\[1\]/.test(e.message));
});

test("tensors copied together keep sharing storage (views, offsets, strides); dicts and arrays of tensors are independent of the originals", () => {
  const x = arange(10, { dtype: "float32" });
  const v = x.narrow(0, 2, 3);
  const t = x.view([2, 5]).t();
  const [cx, cv, ct] = deepcopy([x, v, t]);
  assert.equal(cv!.storage, cx!.storage);
  assert.equal(ct!.storage, cx!.storage);
  assert.equal(cv!.storageOffset(), 2);
  assert.deepEqual(ct!.stride(), [1, 5]);
  assert.deepEqual(ct!.tolist(), t.tolist());
  cx!.fill_(0);
  assert.deepEqual(cv!.tolist(), [0, 0, 0]);
  assert.deepEqual(v.tolist(), [2, 3, 4]);
  const alone = deepcopy(v);
  assert.equal(alone.storageOffset(), 2, "the whole storage is copied, as PyTorch's");
  assert.deepEqual(alone.tolist(), [2, 3, 4]);
  const sd = new nn.Linear(2, 2).stateDict();
  const sdc = deepcopy(sd);
  assert.deepEqual(Object.keys(sdc), Object.keys(sd));
  sdc["weight"]!.fill_(7);
  assert.notDeepEqual(sd["weight"]!.tolist(), [[7, 7], [7, 7]]);
  const mp = deepcopy(new Map([["w", x]]));
  assert.ok(mp.get("w") instanceof Tensor);
  assert.notEqual(mp.get("w"), x);
});

test("Transformer layers' clones are deep copies: equal at first, independent, with the layer's hooks and a subclass's fields", () => {
  manualSeed(3);
  class Tagged extends nn.TransformerEncoderLayer {
    tag = "mine";
  }
  const layer = new Tagged(8, 2, 16, 0);
  let calls = 0;
  layer.registerForwardPreHook(() => {
    calls++;
  });
  const enc = new nn.TransformerEncoder(layer, 2);
  const [l0, l1] = [...enc.layers] as Tagged[];
  assert.ok(l0 instanceof Tagged && l1 instanceof Tagged);
  assert.equal(l0.tag, "mine");
  assert.notEqual(l0.linear1.weight, l1.linear1.weight);
  assert.deepEqual(l0.linear1.weight.tolist(), layer.linear1.weight.tolist());
  enc(randn([3, 1, 8]));
  assert.equal(calls, 2, "each clone runs the hook, as PyTorch's deepcopied layers do");
});

test("__deepcopy__(memo) makes an object's own copy; uncopyable values and a bad memo are refused with the path", () => {
  class Handle {
    constructor(public id: number) {}
    __deepcopy__(memo: Map<unknown, unknown>): Handle {
      assert.ok(memo instanceof Map);
      return new Handle(this.id + 100);
    }
  }
  const h = new Handle(1);
  const r = deepcopy({ a: h, b: h });
  assert.equal(r.a.id, 101);
  assert.equal(r.a, r.b);
  assert.throws(() => deepcopy({ cache: { refs: new WeakMap() } }), (e: Error) => e instanceof FluxionError && /deepcopy\(\): cannot copy a WeakMap \(at \.cache\.refs\)/.test(e.message));
  assert.throws(() => deepcopy(1, 5 as unknown as Map<unknown, unknown>), (e: Error) => e instanceof ArgumentError && /deepcopy\(\): argument 'memo' must be a Map/.test(e.message));
  assert.throws(() => (deepcopy as (...a: unknown[]) => unknown)(), (e: Error) => e instanceof ArgumentError && /deepcopy\(\) missing 1 required positional argument: 'x'/.test(e.message));
  assert.throws(() => (deepcopy as (...a: unknown[]) => unknown)(1, new Map(), 3), (e: Error) => e instanceof ArgumentError && /takes from 1 to 2 positional arguments but 3 were given/.test(e.message));
  assert.equal(deepcopy(null), null);
  assert.equal(deepcopy("s"), "s");
  assert.equal(nn.utils.deepcopy, utils.deepcopy);
  assert.equal(copy.deepcopy, utils.deepcopy);
  const frozen = Object.freeze({ k: [1] });
  assert.ok(Object.isFrozen(deepcopy(frozen)));
});

test("a model copied with its optimizer and scheduler: the copy's optimizer holds the copy's parameters and its own state", () => {
  manualSeed(4);
  const m = new nn.Linear(2, 2, { dtype: "float64" });
  const opt = new optim.Adam(m.parameters(), { lr: 0.1 });
  const sched = new optim.lrScheduler.CyclicLR(opt, 0.01, 0.1, { scaleFn: (x: number) => 1 / x, cycleMomentum: false });
  const x = randn([3, 2], { dtype: "float64" });
  m(x).sum().backward();
  opt.step();
  sched.step();
  const { m: cm, opt: copt, sched: csched } = deepcopy({ m, opt, sched });
  assert.equal(copt.paramGroups[0]!.params[0], cm.weight);
  assert.equal(csched.optimizer, copt);
  const expAvg = (o: optim.Adam, p: Tensor) => (o.state.get(p) as Record<string, Tensor>)["expAvg"];
  assert.deepEqual(expAvg(copt, cm.weight)!.tolist(), expAvg(opt, m.weight)!.tolist());
  assert.notEqual(expAvg(copt, cm.weight), expAvg(opt, m.weight));
  const w = m.weight.tolist(), lr = opt.paramGroups[0]!.lr;
  copt.zeroGrad();
  cm(x).sum().backward();
  copt.step();
  csched.step();
  assert.deepEqual(m.weight.tolist(), w);
  assert.notDeepEqual(cm.weight.tolist(), w);
  assert.equal(opt.paramGroups[0]!.lr, lr);
  assert.notEqual(copt.paramGroups[0]!.lr, lr);
  copt.addParamGroup({ params: [new nn.Parameter(randn([2]))] });
  assert.equal(copt.paramGroups.length, 2);
  assert.equal(opt.paramGroups.length, 1);
  assert.throws(() => copt.addParamGroup({ params: [new nn.Parameter(randn([2]))], lr: "x" as unknown as number }), (e: Error) => e instanceof ArgumentError);
});

test("built-in layers copy to equal, independent layers (LSTM, GRU, conv stack, attention, embedding bag, lazy-free transformer)", () => {
  manualSeed(5);
  const cases: [nn.Module, () => unknown[]][] = [
    [new nn.LSTM(3, 4, { numLayers: 2, batchFirst: true }), () => [randn([2, 5, 3])]],
    [new nn.GRU(3, 4, { bidirectional: true }), () => [randn([5, 2, 3])]],
    [new nn.Sequential(new nn.Conv2d(2, 3, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.BatchNorm1d(3)), () => [randn([4, 2, 4, 4])]],
    [new nn.MultiheadAttention(8, 2, { batchFirst: true }), () => { const q = randn([2, 3, 8]); return [q, q, q]; }],
    [new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 16, dropout: 0 }), () => [randn([4, 2, 8]), randn([3, 2, 8])]],
  ];
  for (const [m, inputs] of cases) {
    const name = m.constructor.name;
    m.eval();
    const c = deepcopy(m);
    const xs = inputs();
    const flatOut = (o: unknown): unknown => (o instanceof Tensor ? o.tolist() : Array.isArray(o) ? o.map(flatOut) : o);
    assert.deepEqual(flatOut(c(...xs)), flatOut(m(...xs)), `${name}: same outputs`);
    const params = c.parameters();
    assert.equal(params.length, m.parameters().length, name);
    for (const p of params) p.data.add_(1);
    assert.notDeepEqual(flatOut(c(...xs)), flatOut(m(...xs)), `${name}: the copy's parameters are its own`);
    assert.ok(m.parameters().every((p, i) => p !== params[i]), name);
  }
});

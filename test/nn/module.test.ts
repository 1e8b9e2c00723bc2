import { test } from "node:test";
import assert from "node:assert/strict";
import { copy, nn, Tensor, tensor, zeros, ones, randn, manualSeed, ShapeError } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const tensorValues = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array);

class SimpleNet extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(128, 10);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x)));
  }
}

class WithBuffer extends nn.Module {
  lin = new nn.Linear(3, 2);
  constructor() {
    super();
    this.registerBuffer("running_mean", zeros([2]));
    this.registerBuffer("scratch", ones([2]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return this.lin.forward(x).sub((this as any).running_mean);
  }
}

test("fields register parameters and submodules in declaration order with PyTorch key names", () => {
  const net = new SimpleNet();
  assert.deepEqual([...net.namedParameters()].map(([k, p]) => [k, [...p.shape]]), [
    ["fc1.weight", [128, 784]],
    ["fc1.bias", [128]],
    ["fc2.weight", [10, 128]],
    ["fc2.bias", [10]],
  ]);
  assert.equal(net.parameters().length, 4);
  assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
  assert.deepEqual([...net.namedChildren()].map(([k]) => k), ["fc1", "relu", "fc2"]);
  assert.deepEqual([...net.namedModules()].map(([k]) => k), ["", "fc1", "relu", "fc2"]);
});

test("buffers are in stateDict unless non-persistent; parameters are not buffers", () => {
  const m = new WithBuffer();
  // PyTorch order: a module's own parameters and buffers, then its children
  assert.deepEqual(Object.keys(m.stateDict()), ["running_mean", "lin.weight", "lin.bias"]);
  assert.deepEqual([...m.namedBuffers()].map(([k]) => k), ["running_mean", "scratch"]);
  assert.equal(m.parameters().length, 2);
});

test("stateDict lists a submodule reached by two paths under both (a block's conv that is also net.0), as PyTorch's", () => {
  class Block extends nn.Module {
    conv = new nn.Linear(2, 2);
    bn = new nn.BatchNorm1d(2);
    net = new nn.Sequential(this.conv, this.bn, new nn.ReLU());
    forward(x: Tensor): Tensor {
      return this.net(x);
    }
  }
  const b = new Block();
  // list(Block().state_dict()) in PyTorch 1.13; named_parameters lists each parameter once
  assert.deepEqual(Object.keys(b.stateDict()), [
    "conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
    "net.0.weight", "net.0.bias", "net.1.weight", "net.1.bias", "net.1.running_mean", "net.1.running_var", "net.1.num_batches_tracked",
  ]);
  assert.deepEqual([...b.namedParameters()].map(([k]) => k), ["conv.weight", "conv.bias", "bn.weight", "bn.bias"]);
  assert.equal(b.stateDict({ keepVars: true })["net.0.weight"], b.conv.weight);
  const sd = b.stateDict();
  delete sd["net.0.bias"];
  assert.deepEqual(b.loadStateDict(sd, { strict: false }).missingKeys, ["net.0.bias"]);
  const c = new Block();
  c.loadStateDict(new Block().stateDict());
  assert.throws(() => c.loadStateDict(sd), /Missing key\(s\) in state_dict: "net.0.bias"/);
});

test("printing matches PyTorch's module repr", () => {
  assert.equal(
    new SimpleNet().toString(),
    "SimpleNet(\n  (fc1): Linear(in_features=784, out_features=128, bias=True)\n  (relu): ReLU()\n  (fc2): Linear(in_features=128, out_features=10, bias=True)\n)",
  );
  const seq = new nn.Sequential(new nn.Linear(2, 3, { bias: false }), new nn.Sequential(new nn.GELU(), new nn.Flatten()));
  assert.equal(
    seq.toString(),
    "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=False)\n  (1): Sequential(\n    (0): GELU(approximate='none')\n    (1): Flatten(start_dim=1, end_dim=-1)\n  )\n)",
  );
});

test("stateDict round trip restores outputs exactly; loadStateDict is all-or-nothing", () => {
  manualSeed(1);
  const a = new SimpleNet(), b = new SimpleNet();
  const x = randn([2, 784]);
  assert.notDeepEqual(a.forward(x).tolist(), b.forward(x).tolist());
  b.loadStateDict(a.stateDict());
  assert.deepEqual(a.forward(x).tolist(), b.forward(x).tolist());
  // the loaded values are copies: changing a afterwards does not change b
  a.fc1.bias!.detach().fill_(0);
  assert.notDeepEqual(a.forward(x).tolist(), b.forward(x).tolist());

  const before = b.stateDict()["fc1.weight"]!.clone();
  const bad = { ...a.stateDict(), "fc2.weight": zeros([10, 64]) } as Record<string, Tensor>;
  delete bad["fc2.bias"];
  bad["extra.weight"] = zeros([1]);
  assert.throws(() => b.loadStateDict(bad), (e: unknown) => {
    const m = (e as Error).message;
    return e instanceof ShapeError && /size mismatch for fc2.weight: copying a param with shape \[10, 64\] from checkpoint, the shape in current model is \[10, 128\]/.test(m) && /Missing key\(s\) in state_dict: "fc2.bias"/.test(m) && /Unexpected key\(s\) in state_dict: "extra.weight"/.test(m);
  });
  assert.deepEqual(b.stateDict()["fc1.weight"]!.tolist(), before.tolist(), "nothing was copied");
  const res = b.loadStateDict({ "fc1.weight": a.fc1.weight.detach() }, { strict: false });
  assert.deepEqual(res.missingKeys, ["fc1.bias", "fc2.weight", "fc2.bias"]);
});

test("train/eval propagate; zeroGrad clears grads; requiresGrad_ and apply reach every module", () => {
  const net = new nn.Sequential(new nn.Linear(3, 3), new nn.Sequential(new nn.Linear(3, 1)));
  net.eval();
  assert.ok([...net.modules()].every((m) => !m.training));
  net.train();
  assert.ok([...net.modules()].every((m) => m.training));
  net.forward(ones([2, 3])).sum().backward();
  assert.ok(net.parameters().every((p) => p.grad !== null));
  net.zeroGrad({ setToNone: false });
  assert.ok(net.parameters().every((p) => p.grad!.abs().sum().item() === 0));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  net.requiresGrad_(false);
  assert.ok(net.parameters().every((p) => !p.requiresGrad));
  const names: string[] = [];
  net.apply((m) => names.push(m.constructor.name));
  assert.deepEqual(names, ["Linear", "Linear", "Sequential", "Sequential"]);
});

test("forward hooks and pre-hooks run through call(), can replace values, and can be removed", () => {
  const lin = new nn.Linear(2, 2);
  const seen: number[][] = [];
  const remove = lin.registerForwardHook((_m, _inp, out) => {
    seen.push([...(out as Tensor).shape]);
    return (out as Tensor).mul(0);
  });
  const removePre = lin.registerForwardPreHook((_m, inp) => [(inp[0] as Tensor).mul(2)]);
  const x = ones([1, 2]);
  assertClose(lin.call(x), [[0, 0]]);
  assert.deepEqual(seen, [[1, 2]]);
  remove();
  assertClose(lin.call(x), lin.forward(x.mul(2)));
  removePre();
  assertClose(lin.call(x), lin.forward(x));
});

test("containers: Sequential runs in order, ModuleList/ModuleDict register their modules", () => {
  const seq = new nn.Sequential(new nn.Linear(2, 4), new nn.ReLU(), new nn.Linear(4, 1));
  assert.equal(seq.length, 3);
  assert.ok(seq.at(-1) instanceof nn.Linear);
  assert.deepEqual(Object.keys(seq.stateDict()), ["0.weight", "0.bias", "2.weight", "2.bias"]);
  const x = randn([5, 2]);
  const manual = (seq.at(2) as nn.Linear).forward((seq.at(0) as nn.Linear).forward(x).relu());
  assertClose(seq.forward(x), manual);
  const named = new nn.Sequential({ enc: new nn.Linear(2, 2), act: new nn.Tanh() });
  assert.deepEqual(Object.keys(named.stateDict()), ["enc.weight", "enc.bias"]);

  class Stack extends nn.Module {
    layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
    heads = new nn.ModuleDict({ a: new nn.Linear(2, 1) });
    forward(x: Tensor) {
      for (const l of this.layers) x = (l as nn.Linear).forward(x);
      return (this.heads.get("a") as nn.Linear).forward(x);
    }
  }
  const s = new Stack();
  assert.deepEqual(Object.keys(s.stateDict()), ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "heads.a.weight", "heads.a.bias"]);
  assert.deepEqual(s.heads.keys(), ["a"]);
  assert.throws(() => s.layers.at(5), /index 5 is out of range for 2 modules/);
});

test("containers are typed by what they hold: ModuleList<M> (asked for, or from the declared type) iterates and indexes as M, ModuleDict's modules are typed properties", () => {
  class Block extends nn.Module {
    fc = new nn.Linear(2, 2);
    forward(x: Tensor) {
      return this.fc(x);
    }
  }
  const blocks = new nn.ModuleList<Block>(Array.from({ length: 2 }, () => new Block()));
  for (const b of blocks) assert.deepEqual(b.fc.weight.shape, [2, 2]); // b is a Block, no cast
  assert.equal(blocks.at(-1).fc.outFeatures, 2);
  assert.equal(blocks[0]!.fc, blocks.at(0).fc);
  blocks.append(new Block());
  assert.equal(blocks.pop().constructor.name, "Block");
  const anyList: nn.ModuleList = blocks; // the default holds any Module
  assert.equal(anyList.length, 2);

  const lmHead = new nn.Linear(3, 5, { bias: false });
  const transformer = new nn.ModuleDict({ wte: new nn.Embedding(5, 3), h: blocks, ln_f: new nn.LayerNorm(3) });
  transformer.wte.weight = lmHead.weight; // nanoGPT's weight tying, typed
  assert.equal(transformer.wte.weight, lmHead.weight);
  assert.equal(transformer.get("wte"), transformer.wte);
  assert.equal(transformer.h.at(0).fc.inFeatures, 2);
  assert.equal(transformer.wte(tensor([1, 4], { dtype: "int32" })).shape[1], 3);
  assert.deepEqual(transformer.keys(), ["wte", "h", "ln_f"]);
  // still the one class: instanceof, its name in reprs and messages, subclasses
  assert.ok(transformer instanceof nn.ModuleDict);
  assert.equal(transformer.constructor.name, "ModuleDict");
  assert.match(String(transformer), /^ModuleDict\(\n {2}\(wte\): Embedding\(5, 3\)/);
  assert.throws(() => transformer(), /ModuleDict has no forward\(\)/);
  class Heads extends nn.ModuleDict {
    scale = 2;
  }
  const heads = new Heads({ a: new nn.Linear(1, 1) });
  assert.ok(heads instanceof nn.ModuleDict);
  assert.equal(String(heads).split("\n")[0], "Heads(");
  assert.deepEqual(Object.keys(heads.stateDict()), ["a.weight", "a.bias"]);
  const fromMap: nn.ModuleDict = new nn.ModuleDict(new Map([["x", new nn.ReLU()]]));
  assert.ok(fromMap.get("x") instanceof nn.ReLU);
  // @ts-expect-error a key it does not hold is no property
  assert.equal(transformer.wpe, undefined);
});

test("Linear: y = x Wᵀ + b, PyTorch's default init bounds, clear shape errors", () => {
  const lin = new nn.Linear(3, 2);
  lin.loadStateDict({ weight: tensor([[1, 2, 3], [0, -1, 0.5]]), bias: tensor([0.5, -0.5]) });
  assertClose(lin.forward(tensor([[1, 1, 1], [2, 0, -2]])), [[6.5, -1], [-3.5, -1.5]]);
  const big = new nn.Linear(400, 300);
  const bound = 1 / Math.sqrt(400); // kaiming_uniform(a=√5) gives ±1/√fan_in for the weight too
  for (const p of big.parameters()) {
    const v = p.toTypedArray();
    assert.ok(v.every((e) => Math.abs(e) <= bound + 1e-7));
    assert.ok(Math.max(...v) > 0.95 * bound, "uses the whole range");
  }
  assert.throws(() => lin.forward(ones([4, 28, 28])), (e: unknown) => e instanceof ShapeError && /Linear\(in_features=3, out_features=2\): expected input with last dimension 3, got shape \[4, 28, 28\]/.test((e as Error).message));
});

test("Module.to converts floating parameters and buffers", () => {
  const m = new WithBuffer().to("float64");
  assert.ok(m.parameters().every((p) => p.dtype === "float64" && p.requiresGrad));
  assert.equal(((m as any).running_mean as Tensor).dtype, "float64");
  assert.equal(m.forward(ones([1, 3], { dtype: "float64" })).dtype, "float64");
});

test("modules are callable like PyTorch's: model(x) runs forward with hooks, fields and instanceof still work", () => {
  class Net extends nn.Module {
    fc1 = new nn.Linear(4, 3);
    act = new nn.ReLU();
    fc2 = new nn.Linear(3, 2);
    forward(x: Tensor): Tensor {
      return this.fc2(this.act(this.fc1(x)));
    }
  }
  const net = new Net();
  const x = randn([5, 4]);
  assert.equal(typeof net, "function");
  assert.ok(net instanceof nn.Module && net instanceof Net);
  assert.deepEqual(net(x).tolist(), net.forward(x).tolist());
  let calls = 0;
  net.fc1.registerForwardHook(() => void calls++);
  net(x);
  assert.equal(calls, 1, "calling a submodule runs its hooks");
  assert.deepEqual([...net.namedChildren()].map(([k]) => k), ["fc1", "act", "fc2"]);
  // a function's own length/name do not shadow module members
  const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU());
  assert.equal(seq.length, 2);
  assert.equal(String(net).split("\n")[0], "Net(");
});

test("activation modules match their Tensor methods and print their settings", () => {
  const x = randn([4, 3]);
  assertClose(new nn.Softplus(2, 10)(x), x.softplus({ beta: 2, threshold: 10 }));
  assert.equal(new nn.Softplus(2, 10).toString(), "Softplus(beta=2, threshold=10)");
  assertClose(nn.F.hardtanh(x, -0.5, 0.5), x.clamp(-0.5, 0.5));
  assertClose(new nn.ELU(0.5)(x), x.where(x.gt(0), x.exp().sub(1).mul(0.5)));
  assertClose(new nn.LeakyReLU(0.2)(x), x.leakyRelu(0.2));
  assert.equal(new nn.LeakyReLU(0.2).toString(), "LeakyReLU(negative_slope=0.2)");
  assertClose(new nn.LogSoftmax(1)(x), x.logSoftmax(1));
});

test("nn.Parameter takes requiresGrad positionally or as an option, as PyTorch's requires_grad", () => {
  // nn.Parameter(torch.ones(3), requires_grad=False).requires_grad -> False (the option was ignored: the parameter trained)
  const m = new nn.Linear(2, 2) as nn.Linear & { pe?: nn.Parameter };
  m.pe = new nn.Parameter(ones(3), { requiresGrad: false });
  assert.equal(m.pe.requiresGrad, false);
  assert.equal(new nn.Parameter(ones(3), false).requiresGrad, false);
  assert.equal(new nn.Parameter(ones(3)).requiresGrad, true);
  assert.deepEqual(new nn.Parameter().shape, [0]); // nn.Parameter() is an empty tensor
  assert.throws(() => new nn.Parameter(ones(3), "no" as never), /Parameter\(\): argument 'requiresGrad' \(position 2\) must be bool, but got string "no"/);
  assert.throws(() => new nn.Parameter([1, 2] as never), /Parameter\(\): argument 'data' \(position 1\) must be Tensor or null/);
});

test("train, requiresGrad_, parameters and buffers take PyTorch's keyword as an option (it was stored as a truthy object)", () => {
  // model.train(mode=False): dropout off; model.requires_grad_(requires_grad=False): nothing trains
  const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5));
  m.train({ mode: false });
  assert.equal(m.training, false);
  assert.equal([...m.modules()].every((c) => c.training === false), true);
  assert.equal(m.train().training, true);
  m.requiresGrad_({ requiresGrad: false });
  assert.equal(m.parameters().some((p) => p.requiresGrad), false);
  const x = ones(2).requiresGrad_({ requiresGrad: true });
  assert.equal(x.requiresGrad, true);
  assert.equal(m.parameters({ recurse: false }).length, 0);
  assert.equal(new nn.BatchNorm1d(2).buffers({ recurse: false }).length, 3);
  assert.throws(() => m.train("no" as never), /train\(\): argument 'mode' \(position 1\) must be bool, but got string "no"/);
  assert.throws(() => ones(2).requiresGrad_("yes" as never), /Tensor.requiresGrad_\(\): argument 'requiresGrad' \(position 1\) must be bool/);
  assert.throws(() => ones(2).requiresGrad_({ requires_grad: true } as never), /must be bool, but got object with keys requires_grad/);
});

test("containers: Sequential/ModuleList insert, extend, pop and ModuleDict items, update, pop, clear, as PyTorch 1.13's", () => {
  // s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid()); s.insert(1, nn.GELU()); s.pop(0) -> ReLU(), keys ['0', '1', '2']
  const s = new nn.Sequential(new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid());
  s.insert(1, new nn.GELU());
  assert.deepEqual([...s].map((m) => m.constructor.name), ["ReLU", "GELU", "Tanh", "Sigmoid"]);
  assert.equal(s.pop(0).constructor.name, "ReLU");
  assert.deepEqual([...s.namedChildren()].map(([k, m]) => `${k}:${m.constructor.name}`), ["0:GELU", "1:Tanh", "2:Sigmoid"]);
  s.extend([new nn.ReLU()]);
  assert.equal(s.at(-1).constructor.name, "ReLU");
  const l = new nn.ModuleList<nn.Module>([new nn.Linear(1, 2), new nn.Linear(2, 3)]); // a list of Linears and other modules
  l.insert(-1, new nn.Linear(2, 2));
  assert.deepEqual(Object.keys(l.stateDict()), ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]);
  assert.deepEqual((l.at(1) as nn.Linear).weight.shape, [2, 2]);
  assert.equal((l.pop() as nn.Linear).outFeatures, 3);
  assert.equal(l.length, 2);
  assert.throws(() => l.insert(5, new nn.ReLU()), /ModuleList.insert\(\): index 5 is out of range for 2 modules/);
  assert.throws(() => l.pop(2), /ModuleList.pop\(\): index 2 is out of range for 2 modules/);
  const d = new nn.ModuleDict({ a: new nn.Linear(1, 1) });
  d.update({ b: new nn.ReLU() });
  d.update(new Map([["c", new nn.Tanh()]]));
  assert.deepEqual(d.items().map(([k]) => k), ["a", "b", "c"]);
  assert.equal(d.pop("b").constructor.name, "ReLU");
  assert.deepEqual(d.keys(), ["a", "c"]);
  assert.throws(() => d.pop("zz"), /ModuleDict.pop\(\): no module under key "zz"/);
  d.clear();
  assert.deepEqual(Object.keys(d.stateDict()), []);
});

test("containers: Sequential/ModuleList slice as PyTorch's seq[start:end:step] (names kept by Sequential, renumbered by ModuleList; modules shared)", () => {
  // s = nn.Sequential(nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.ELU()); s[1:3] keys ['1', '2']; s[::-2] keys ['3', '1']; s[5:] empty
  const s = new nn.Sequential(new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid(), new nn.ELU());
  const keys = (m: nn.Module) => [...m.namedChildren()].map(([k, c]) => `${k}:${c.constructor.name}`);
  const mid = s.slice(1, 3);
  assert.ok(mid instanceof nn.Sequential);
  assert.deepEqual(keys(mid), ["1:Tanh", "2:Sigmoid"]);
  assert.equal(mid.at(0), s.at(1)); // the same module object, read by position
  const back = s.slice(null, null, -2);
  assert.deepEqual(keys(back), ["3:ELU", "1:Tanh"]); // run in that order, though JavaScript lists "1" before "3"
  assert.deepEqual(tensorValues(back(tensor([-1, 0.5]))), tensorValues(nn.functional.elu(tensor([-1, 0.5])).tanh()));
  assert.deepEqual(Object.keys(back.stateDict()), []);
  assert.deepEqual(keys(s.slice(5)), []);
  assert.deepEqual(keys(s.slice(-2)), ["2:Sigmoid", "3:ELU"]);
  assert.deepEqual(keys(s.slice(0, -1)), ["0:ReLU", "1:Tanh", "2:Sigmoid"]);
  assert.deepEqual(keys(s.slice(-100, 100)), keys(s));
  assert.deepEqual(keys(s.slice(2, 0, -1)), ["2:Sigmoid", "1:Tanh"]);
  assert.deepEqual(tensorValues(mid(tensor([-1, 0.5]))), tensorValues(tensor([-1, 0.5]).tanh().sigmoid()));
  // named layers (the neural-style tutorial's model[:(i + 1)]) keep their names and their stateDict keys
  const named = new nn.Sequential({ conv_1: new nn.Linear(2, 2), relu_1: new nn.ReLU(), conv_2: new nn.Linear(2, 2) });
  assert.deepEqual(Object.keys(named.slice(0, 2).stateDict()), ["conv_1.weight", "conv_1.bias"]);
  const l = new nn.ModuleList([new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid()]);
  const tail = l.slice(-2);
  assert.deepEqual(keys(l.slice(null, null, -1)), ["0:Sigmoid", "1:Tanh", "2:ReLU"]);
  assert.ok(tail instanceof nn.ModuleList);
  assert.deepEqual(keys(tail), ["0:Tanh", "1:Sigmoid"]);
  assert.equal(tail.at(0), l.at(1));
  assert.equal(l.length, 3); // the original is untouched
  assert.throws(() => s.slice(0, 2, 0), /Sequential.slice\(\): slice step cannot be zero/);
  assert.throws(() => l.slice(0.5), /ModuleList.slice\(\): start must be an int or null, but got/);
  assert.throws(() => (s.slice as (...a: unknown[]) => unknown)(0, 1, 1, 9), /Sequential.slice\(\) takes at most 3 arguments \(start, end, step\) but 4 were given/);
});

test("submodules keep their registration order when names are integer-like (JavaScript lists those first): append after named modules, an OrderedDict, print and stateDict", () => {
  // s = nn.Sequential(OrderedDict(fc=nn.Linear(2, 3), act=nn.Tanh())); s.append(nn.Linear(3, 1)): keys fc, act, 2
  const s = new nn.Sequential({ fc: new nn.Linear(2, 3), act: new nn.Tanh() });
  s.append(new nn.Linear(3, 1));
  assert.deepEqual([...s.namedChildren()].map(([k]) => k), ["fc", "act", "2"]);
  assert.deepEqual(s(ones([4, 2])).shape, [4, 1]); // it ran fc, act, then the appended layer
  assert.deepEqual(Object.keys(s.stateDict()), ["fc.weight", "fc.bias", "2.weight", "2.bias"]);
  assert.match(String(s), /\(fc\): Linear[\s\S]*\(act\): Tanh[\s\S]*\(2\): Linear/);
  assert.deepEqual([...s.namedModules()].map(([k]) => k), ["", "fc", "act", "2"]);
  const m = new nn.Sequential(new Map<string, nn.Module>([["b", new nn.ReLU()], ["10", new nn.Tanh()], ["2", new nn.Sigmoid()]]));
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), ["b", "10", "2"]);
  assert.deepEqual([...copy.deepcopy(m).namedChildren()].map(([k]) => k), ["b", "10", "2"]);
  // a module field replaced by another module keeps its place, as a dict entry does
  (s as unknown as Record<string, nn.Module>).fc = new nn.Linear(2, 3);
  assert.deepEqual([...s.namedChildren()].map(([k]) => k), ["fc", "act", "2"]);
  delete (s as unknown as Record<string, unknown>).act;
  assert.deepEqual([...s.namedChildren()].map(([k]) => k), ["fc", "2"]);
});

test("ParameterList and ParameterDict register their parameters (plain tensors wrapped) as PyTorch's", () => {
  // pl = nn.ParameterList([nn.Parameter(torch.ones(2)), torch.zeros(3, 4)]); [n for n, _ in pl.named_parameters()] -> ['0', '1']
  const pl = new nn.ParameterList([new nn.Parameter(ones(2)), zeros(3, 4)]);
  assert.deepEqual([...pl.namedParameters()].map(([n]) => n), ["0", "1"]);
  assert.ok(pl.at(1) instanceof nn.Parameter && pl.at(1).requiresGrad);
  assert.equal(String(pl), "ParameterList(\n    (0): Parameter containing: [float32 of size 2]\n    (1): Parameter containing: [float32 of size 3x4]\n)");
  pl.append(ones(1)).extend([ones(5)]);
  assert.deepEqual(Object.keys(pl.stateDict()), ["0", "1", "2", "3"]);
  assert.deepEqual([...pl].map((p) => p.shape), [[2], [3, 4], [1], [5]]);
  const pd = new nn.ParameterDict({ a: new nn.Parameter(ones(2)), b: zeros([2], { dtype: "float64" }) });
  assert.deepEqual(pd.keys(), ["a", "b"]);
  assert.equal(pd.get("b")!.dtype, "float64");
  assert.equal(String(pd), "ParameterDict(\n    (a): Parameter containing: [float32 of size 2]\n    (b): Parameter containing: [float64 of size 2]\n)");
  assert.equal(pd.pop("a").shape[0], 2);
  // inside a module: named "ps.0", "ps.1" and trained by an optimizer
  class M extends nn.Module {
    ps = new nn.ParameterList([ones(2), ones(2)]);
    forward(x: Tensor): Tensor {
      return [...this.ps].reduce((y, p) => y.mul(p), x);
    }
  }
  const m = new M();
  assert.deepEqual(Object.keys(m.stateDict()), ["ps.0", "ps.1"]);
  assert.equal(m.parameters().length, 2);
  assert.throws(() => new nn.ParameterList([[1, 2]] as never), /ParameterList\(\): argument 'values'/);
  assert.throws(() => pd.set("c", 3 as never), /ParameterDict.set\(\): value must be a Tensor or a Parameter/);
});

test("namedModules takes PyTorch's (memo, prefix, removeDuplicate), positionally or as options", () => {
  const shared = new nn.Linear(2, 2);
  const model = new nn.Sequential(shared, new nn.ReLU(), shared);
  const names = (it: Iterable<[string, unknown]>) => [...it].map(([n]) => n);
  assert.deepEqual(names(model.namedModules()), ["", "0", "1"]);
  assert.deepEqual(names(model.namedModules({ prefix: "model" })), ["model", "model.0", "model.1"]);
  assert.deepEqual(names(model.namedModules(null, "m")), ["m", "m.0", "m.1"]);
  assert.deepEqual(names(model.namedModules({ removeDuplicate: false })), ["", "0", "1", "2"]);
  const memo = new Set<nn.Module>([shared]);
  assert.deepEqual(names(model.namedModules(memo)), ["", "1"]);
  assert.ok(memo.has(model));
  assert.deepEqual(names(model.namedParameters({ prefix: "model" })), ["model.0.weight", "model.0.bias"]);
  assert.throws(() => model.namedModules("m" as unknown as null), /namedModules\(\): argument 'memo' must be a Set of modules or null, but got string "m"/);
});

test("module traversal and mode methods refuse arguments PyTorch's do not take", () => {
  const model = new nn.Sequential(new nn.Linear(2, 2));
  const extra = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e.name === "ArgumentError" && re.test(e.message));
  extra(() => (model.eval as (x: unknown) => unknown)(true), /Module.eval\(\) takes at most 0 arguments/);
  extra(() => (model.namedChildren as (x: unknown) => unknown)(1), /Module.namedChildren\(\) takes at most 0 arguments/);
  extra(() => (model.children as (x: unknown) => unknown)(1), /Module.children\(\) takes at most 0 arguments/);
  extra(() => (model.modules as (x: unknown) => unknown)(1), /Module.modules\(\) takes at most 0 arguments/);
  extra(() => model.apply(3 as unknown as () => void), /Module.apply\(\): argument 'fn' must be a function of a module, but got int 3/);
  assert.equal(model.eval().training, false);
});

test("children keep PyTorch's _modules order: a TypeScript field declaration reserves its place; a field first set to null or a value joins when it gets its module", () => {
  class Declared extends nn.Module {
    fc: nn.Linear; // `self.fc = nn.Linear(...)` first in Python's __init__
    act = new nn.ReLU();
    constructor() {
      super();
      this.fc = new nn.Linear(2, 2);
    }
    forward(x: Tensor): Tensor {
      return this.act.forward(this.fc.forward(x));
    }
  }
  assert.deepEqual([...new Declared().namedChildren()].map(([k]) => k), ["fc", "act"]);
  class LateModule extends nn.Module {
    a: nn.Module | null = null; // `self.a = None` is a plain attribute in PyTorch until a module arrives
    b = new nn.ReLU();
    constructor() {
      super();
      this.a = new nn.Tanh();
    }
    forward(x: Tensor): Tensor {
      return this.b.forward(x);
    }
  }
  const m = new LateModule();
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), ["b", "a"]);
  // deleting and re-adding a child moves it last, as PyTorch's dict does
  delete (m as unknown as Record<string, unknown>).b;
  m.addModule("b", new nn.ReLU());
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), ["a", "b"]);
});

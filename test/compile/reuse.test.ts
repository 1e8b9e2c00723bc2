/**
 * compile() gives the memory of a call's temporaries back after their last use in the
 * program (Graph.free), so a step reuses its buffers instead of holding every tensor it made
 * until the garbage collector runs. A temporary is something no user code was handed: made
 * inside a framework frame (a declared op, a built-in module, backward, an optimizer step)
 * and neither returned to user code nor stored by the framework (.grad, optimizer state,
 * module buffers). Everything user code was handed keeps its values after the call, wherever
 * it put it: these tests stash tensors in every way user code can reach them and read them
 * after the call, against eager.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { addDispatchLayer, autograd, compile, manualSeed, nn, optim, randn, randint, tensor, FluxionError, type Tensor } from "../../src/index.js";
import type { Graph } from "../../src/compile/ir.js";

const vals = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array);

/** Bytes of the program's internal buffers: freed after their last use, and kept. */
function split(g: Graph): { free: number; kept: number } {
  let free = 0, kept = 0;
  g.buffers.forEach((b, id) => {
    if (b.external) return;
    if (g.free?.has(id)) free += b.numel;
    else kept += b.numel;
  });
  return { free, kept };
}

function mlpStep() {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 10));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const x = randn([16, 32]), y = randint(0, 10, [16]);
  const fn = () => {
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  return { model, opt, fn };
}

test("a training step's activations and backward temporaries are freed in the program; params, grads, optimizer state and the loss stay", () => {
  const eager = mlpStep(), compiled = mlpStep();
  const step = compile(compiled.fn);
  for (let i = 0; i < 4; i++) {
    const le = eager.fn(), lc = step();
    assert.equal(lc.item(), le.item(), `loss at step ${i}`);
  }
  const g = step.graph!;
  const { free, kept } = split(g);
  // kept: the logits (user code was handed them), the loss and the gradients (zeroGrad sets
  // them to None: each step makes new ones); Adam's state exists since the first call.
  // Free: the activations inside the Sequential and backward's temporaries
  const grads = compiled.model.parameters().reduce((n, p) => n + p.numel(), 0);
  assert.ok(free > 16 * (64 + 64 + 64 + 64 + 10), `free ${free} elements`);
  assert.equal(kept, 16 * 10 + 1 + grads);
  // the grads and Adam's state read back right, and equal eager's
  const pe = eager.model.parameters(), pc = compiled.model.parameters();
  pc.forEach((p, i) => {
    assert.deepEqual(vals(p), vals(pe[i]!));
    assert.deepEqual(vals(p.grad!), vals(pe[i]!.grad!));
    const se = eager.opt.stateDict().state[i] as Record<string, Tensor>, sc = compiled.opt.stateDict().state[i] as Record<string, Tensor>;
    assert.deepEqual(vals(sc.expAvg!), vals(se.expAvg!));
  });
});

test("the first call keeps what it creates for later calls: .grad (zeroGrad sets None) and optimizer state, compiled from the start", () => {
  const eager = mlpStep(), compiled = mlpStep();
  const step = compile(compiled.fn);
  step();
  eager.fn();
  const pe = eager.model.parameters();
  compiled.model.parameters().forEach((p, i) => {
    assert.deepEqual(vals(p.grad!), vals(pe[i]!.grad!));
    const s = compiled.opt.stateDict().state[i] as Record<string, Tensor>;
    assert.deepEqual(vals(s.expAvgSq!), vals((eager.opt.stateDict().state[i] as Record<string, Tensor>).expAvgSq!));
  });
});

test("whatever user code was handed keeps its values: outer variables, a module field cache, a user module's intermediates", () => {
  class Net extends nn.Module {
    fc = new nn.Linear(4, 4);
    cache = new Map<number, Tensor>();
    seen: Tensor[] = [];
    forward(x: Tensor): Tensor {
      let bias = this.cache.get(x.shape[0]!);
      if (!bias) this.cache.set(x.shape[0]!, (bias = x.mul(0).add(0.5))); // made in the first call, read in later ones
      const h = this.fc.forward(x);
      this.seen.push(h.relu()); // a user module's intermediate, kept in a field
      return h.add(bias);
    }
  }
  manualSeed(1);
  const net = new Net();
  const x = randn([3, 4]);
  let outer: Tensor | null = null;
  const f = compile((x: Tensor) => {
    const out = net.forward(x);
    outer = out.mul(2); // never returned
    return out.sum();
  });
  for (let i = 0; i < 3; i++) f(x);
  const want = net.fc.forward(x);
  assert.deepEqual(vals(outer!), vals(want.add(0.5).mul(2)));
  assert.equal(net.seen.length, 3);
  for (const s of net.seen) assert.deepEqual(vals(s), vals(want.relu()));
  assert.deepEqual(vals(net.cache.get(3)!), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
});

test("hooks are user code: a forward hook inside a Sequential and a gradient hook keep what they stash", () => {
  manualSeed(2);
  const inner = new nn.Linear(4, 3);
  const model = new nn.Sequential(new nn.Linear(4, 4), new nn.Tanh(), inner);
  const x = randn([2, 4]);
  const stash: Tensor[] = [], grads: Tensor[] = [];
  inner.registerForwardHook((_m, inputs, out) => {
    stash.push((inputs as Tensor[])[0]!, out as Tensor);
  });
  const f = compile(() => {
    const out = model.forward(x);
    out.registerHook((g: Tensor) => {
      grads.push(g);
    });
    const loss = out.pow(2).sum();
    loss.backward();
    return loss;
  });
  f();
  const hidden = model.at(1).forward(model.at(0).forward(x));
  const out = inner.forward(hidden);
  assert.deepEqual(vals(stash[0]!), vals(hidden));
  assert.deepEqual(vals(stash[1]!), vals(out));
  assert.deepEqual(vals(grads[0]!), vals(out.mul(2)));
});

test("a custom autograd.Function's forward and backward are user code: what they stash keeps its values", () => {
  const stash: Tensor[] = [];
  class Cube extends autograd.Function {
    static override forward(ctx: autograd.FunctionCtx, x: Tensor): Tensor {
      ctx.saveForBackward(x);
      const sq = x.mul(x);
      stash.push(sq);
      return sq.mul(x);
    }
    static override backward(ctx: autograd.FunctionCtx, g: Tensor): Tensor {
      const [x] = ctx.savedTensors;
      const d = x!.mul(x!).mul(3);
      stash.push(d);
      return g.mul(d);
    }
  }
  const w = tensor([1, 2, 3], { requiresGrad: true });
  const f = compile(() => {
    const loss = (Cube.apply(w.mul(1)) as Tensor).sum();
    loss.backward();
    return loss;
  });
  assert.equal(f().item(), 36);
  assert.deepEqual(vals(stash[0]!), [1, 4, 9]);
  assert.deepEqual(vals(stash[1]!), [3, 12, 27]);
  assert.deepEqual(vals(w.grad!), [3, 12, 27]);
});

test("a compiled forward whose backward runs later, eagerly, keeps the tensors its autograd graph saved", () => {
  manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(5, 8), new nn.GELU(), new nn.LayerNorm(8), new nn.Linear(8, 1));
  const x = randn([6, 5]);
  const fwd = compile((x: Tensor) => model.forward(x));
  const out = fwd(x);
  assert.equal(fwd.graph!.free ?? null, null, "nothing is freed while a graph holds saved tensors");
  out.sum().backward();
  const got = model.parameters().map((p) => vals(p.grad!));
  model.zeroGrad();
  model.forward(x).sum().backward();
  assert.deepEqual(got, model.parameters().map((p) => vals(p.grad!)));
});

test("a module buffer reassigned inside a call keeps its value (registered buffers outlive calls)", () => {
  class Tracker extends nn.Module {
    declare last: Tensor;
    constructor() {
      super();
      this.registerBuffer("last", tensor([0, 0]));
    }
    forward(x: Tensor): Tensor {
      this.last = noUser(x); // assigned a framework temporary's result
      return x.sum();
    }
  }
  // an op's result made inside another op: the buffer setter is what keeps it
  const noUser = (x: Tensor) => nn.functional.softmax(x.mul(3), 0);
  const m = new Tracker();
  const f = compile((x: Tensor) => m.forward(x));
  f(tensor([1, 2]));
  assert.deepEqual(vals(m.last), vals(nn.functional.softmax(tensor([3, 6]), 0)));
});

test("a framework temporary reached anyway (through a dispatch layer, an internal API) raises when read, never gives stale numbers", () => {
  const f = compile((x: Tensor) => nn.functional.layerNorm(x.mul(2), [4]).sum());
  const x = randn([3, 4]);
  f(x);
  // installed inside the call, the layer runs outside the recorder's: it sees the call's tensors
  const seen: Tensor[] = [];
  const g = compile((x: Tensor) => {
    const remove = addDispatchLayer((call, next) => {
      const outs = next(call);
      seen.push(...outs);
      return outs;
    });
    try {
      return nn.functional.layerNorm(x.mul(2), [4]).sum();
    } finally {
      remove();
    }
  });
  g(x);
  seen.length = 0;
  const loss = g(x);
  let freed = 0;
  for (const t of seen) {
    try {
      t.toTypedArray();
    } catch (e) {
      assert.ok(e instanceof FluxionError);
      assert.match((e as Error).message, /made inside a compiled function but its value was not kept; return it from the function/);
      freed++;
    }
  }
  assert.ok(freed > 0, `none of ${seen.length} tensors was freed`);
  assert.ok(split(g.graph!).free > 0);
  assert.ok(Math.abs(loss.item()) < 1e-5, "layerNorm's rows sum to 0");
});

test("a user Optimizer's updateGroup and a user activation in a TransformerEncoderLayer are user code: what they keep holds its values", () => {
  class Keeper extends optim.Optimizer<{ lr: number }> {
    lastUpdates: Tensor[] = [];
    constructor(params: Tensor[], lr: number) {
      super(params, { lr }, "Keeper");
    }
    protected validateGroup(): void {}
    protected updateGroup(group: optim.ParamGroup<{ lr: number }>): void {
      this.lastUpdates = group.params.map((p) => p.grad!.sign().mul(group.lr));
      group.params.forEach((p, i) => p.sub_(this.lastUpdates[i]!));
    }
  }
  const acts: Tensor[] = [];
  manualSeed(4);
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true, activation: (t: Tensor) => {
    const a = t.sigmoid().mul(t);
    acts.push(a);
    return a;
  } });
  const opt = new Keeper(layer.parameters(), 0.01);
  const src = randn([2, 3, 8]);
  const step = compile(() => {
    opt.zeroGrad();
    const loss = layer.forward(src).pow(2).mean();
    loss.backward();
    opt.step();
    return loss;
  });
  step();
  step();
  assert.equal(acts.length, 2);
  assert.deepEqual(acts[1]!.shape, [2, 3, 16]);
  const a = acts[1]!.toTypedArray() as Float32Array;
  assert.ok(a.every(Number.isFinite) && a.some((v) => v !== 0));
  layer.parameters().forEach((p, i) => assert.deepEqual(vals(opt.lastUpdates[i]!), vals(p.grad!.sign().mul(0.01))));
});

test("a result too large to search for tensors keeps everything; one in a class instance is found", () => {
  const f = compile((x: Tensor) => ({ y: nn.functional.layerNorm(x.mul(2), [4]), junk: Array.from({ length: 150_000 }, () => ({})) }));
  f(randn([3, 4]));
  f(randn([3, 4]));
  assert.equal(f.graph!.free ?? null, null);
  class Result {
    constructor(readonly y: Tensor) {}
  }
  const g = compile((x: Tensor) => new Result(nn.functional.layerNorm(x.mul(2), [4])));
  const x = randn([3, 4]);
  g(x);
  const r = g(x);
  assert.deepEqual(vals(r.y), vals(nn.functional.layerNorm(x.mul(2), [4])));
  assert.ok(split(g.graph!).free > 0);
});

/**
 * Early freeing of backward's own buffers (src/autograd/recycle.ts): gradients the engine is
 * done with and the temporaries of built-in formulas go back to the caching allocator during
 * backward, while everything that escaped (hooks, .grad, autograd.grad results, custom
 * Functions, the caller's gradients, forward tensors) stays intact; results are identical
 * with the freeing turned off. Freed buffers are detached: their typed arrays have length 0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { addDispatchLayer, autograd, cat, manualSeed, nn, optim, randint, randn, type Tensor } from "../../src/index.js";
import { GradRecycler, setGradRecycling } from "../../src/autograd/recycle.js";
import { nativeAllocatorStats, setAllocatorPoison } from "../../src/backend/cpu/native.js";
import { assertClose } from "../helpers.js";

const allocator = nativeAllocatorStats() !== null;
const skip = allocator ? false : "the caching allocator is not loaded (nothing is freed early without it)";
const detached = (t: Tensor) => t.storage.data.length === 0 && t.numel() > 0;

/** Runs fn and returns every tensor of at least `minNumel` elements that a kernel made meanwhile. */
function made(minNumel: number, fn: () => void): Tensor[] {
  const out: Tensor[] = [];
  const remove = addDispatchLayer((call, next) => {
    const outs = next(call);
    if (call.op !== "view") for (const o of outs) if (o.numel() >= minNumel && !call.inputs.includes(o)) out.push(o);
    return outs;
  });
  try {
    fn();
  } finally {
    remove();
  }
  return out;
}

function mlpStep(seed: number): Tensor[] {
  manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(64, 256), new nn.GELU(), new nn.Linear(256, 256), new nn.Tanh(), new nn.Linear(256, 10));
  const x = randn([128, 64]), y = randint(0, 10, [128]);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  for (let i = 0; i < 2; i++) {
    opt.zeroGrad();
    nn.functional.crossEntropy(model(x) as Tensor, y).backward();
    opt.step();
  }
  return model.parameters().map((p) => p.grad!.clone());
}

test("results are the same with early freeing on and off", () => {
  const on = mlpStep(1);
  const old = setGradRecycling(false);
  try {
    const off = mlpStep(1);
    on.forEach((g, k) => assertClose(g, off[k], { atol: 0, rtol: 0, msg: `parameter ${k}` }));
  } finally {
    setGradRecycling(old);
  }
});

test("backward frees its own large buffers and nothing that escaped", { skip }, () => {
  manualSeed(2);
  const w1 = randn([256, 256], { requiresGrad: true }), w2 = randn([256, 256], { requiresGrad: true });
  const x = randn([256, 256]);
  const h = x.matmul(w1).tanh();
  const seen: Tensor[] = [];
  h.registerHook((g) => void seen.push(g));
  const out = h.matmul(w2).sigmoid().mul(h);
  const root = randn([256, 256]);
  const during = made(256 * 256, () => out.backward(root));
  const freed = during.filter(detached);
  assert.ok(freed.length >= 4, `only ${freed.length} of ${during.length} backward buffers were freed early`);
  // what escaped is intact
  for (const t of [seen[0]!, w1.grad!, w2.grad!, root, h, out, x]) assert.ok(!detached(t), "an escaped or forward tensor was freed");
  assert.ok(Number.isFinite(w1.grad!.sum().item()) && Number.isFinite(seen[0]!.sum().item()));
  // and the values are right: recompute without early freeing
  const old = setGradRecycling(false);
  try {
    const [g1, g2] = autograd.grad(x.matmul(w1).tanh().matmul(w2).sigmoid().mul(x.matmul(w1).tanh()), [w1, w2], { gradOutputs: [root] });
    assertClose(w1.grad, g1, { atol: 1e-4 });
    assertClose(w2.grad, g2, { atol: 1e-4 });
  } finally {
    setGradRecycling(old);
  }
});

test("autograd.grad results, retained grads and custom Function gradients are never freed", { skip }, () => {
  manualSeed(3);
  const a = randn([128, 128], { requiresGrad: true });
  const b = a.exp();
  b.retainGrad();
  const c = b.mul(b).sum();
  const [ga] = autograd.grad(c, [a], { retainGraph: true });
  c.backward();
  assert.ok(!detached(ga!) && !detached(b.grad!) && !detached(a.grad!));
  assertClose(ga, a.grad, { atol: 0, rtol: 0 });

  const kept: Tensor[] = [];
  class Keep extends autograd.Function {
    static override forward(_ctx: autograd.FunctionCtx, x: Tensor): Tensor {
      return x.mul(2);
    }
    static override backward(_ctx: autograd.FunctionCtx, g: Tensor): Tensor {
      kept.push(g);
      const out = g.mul(2);
      kept.push(out);
      return out;
    }
  }
  const z = (Keep.apply(a.tanh()) as Tensor).pow(2).sum();
  z.backward();
  assert.equal(kept.length, 2);
  for (const t of kept) assert.ok(!detached(t), "a tensor a custom backward saw was freed");
});

test("a long recurrent training step frees its per-step buffers: live memory stays bounded", { skip }, () => {
  manualSeed(4);
  const lstm = new nn.LSTM(32, 64);
  const x = randn([40, 16, 32]);
  const before = nativeAllocatorStats()!.liveBytes;
  let during = 0;
  const remove = addDispatchLayer((call, next) => {
    const outs = next(call);
    during = Math.max(during, nativeAllocatorStats()!.liveBytes - before);
    return outs;
  });
  try {
    const [out] = lstm(x) as [Tensor, unknown];
    out.pow(2).mean().backward();
  } finally {
    remove();
  }
  // saved for backward: 40 steps of gates [16, 256] and cell states [16, 64] (~0.8 MB in all),
  // the output; the backward's per-step gradients are freed as they are used
  assert.ok(during < 8 * 2 ** 20, `live memory grew by ${(during / 2 ** 20).toFixed(1)} MB during one step`);
});

test("hooks that keep a view of their gradient, and the caller's gradOutputs, stay intact", { skip }, () => {
  manualSeed(5);
  const w = randn([128, 128], { requiresGrad: true });
  const x = randn([128, 128]);
  const h = x.matmul(w).tanh();
  const rows: Tensor[] = [];
  h.registerHook((g) => void rows.push(g.select(0, 3), g.narrow(1, 0, 64)));
  const y = h.mul(h).sigmoid();
  const go = randn([128, 128]);
  const [gw] = autograd.grad(y, [w], { gradOutputs: [go] });
  for (const t of [...rows, go, gw!]) assert.ok(!detached(t), "a kept view or the caller's gradient was freed");
  // the kept rows hold h's gradient: recompute it without early freeing
  const old = setGradRecycling(false);
  try {
    const h2 = x.matmul(w).tanh();
    const [gh] = autograd.grad(h2.mul(h2).sigmoid(), [h2], { gradOutputs: [go] });
    assertClose(rows[0], gh!.select(0, 3), { atol: 0, rtol: 0 });
    assertClose(rows[1], gh!.narrow(1, 0, 64), { atol: 0, rtol: 0 });
  } finally {
    setGradRecycling(old);
  }
});

test("retainGraph: a second backward over the same graph sees intact saved tensors and gives the same gradients", { skip }, () => {
  manualSeed(6);
  const lstm = new nn.LSTM(16, 32);
  const emb = new nn.Embedding(50, 16);
  const idx = randint(0, 50, [12, 8]);
  const [out] = lstm(emb(idx) as Tensor) as [Tensor, unknown];
  const loss = out.tanh().pow(2).mean();
  loss.backward({ retainGraph: true });
  const first = [...lstm.parameters(), ...emb.parameters()].map((p) => p.grad!.clone());
  loss.backward();
  [...lstm.parameters(), ...emb.parameters()].forEach((p, k) => assertClose(p.grad, first[k]!.mul(2), { atol: 1e-6, msg: `parameter ${k}` }));
  assert.throws(() => loss.backward(), /backward/i);
});

test("double backward (createGraph, then a backward through the gradients) matches the run without early freeing", { skip }, () => {
  const run = () => {
    manualSeed(7);
    const w = randn([96, 96], { requiresGrad: true });
    const x = randn([64, 96]);
    const y = x.matmul(w).tanh().mul(x.matmul(w).sigmoid()).sum();
    const [gw] = autograd.grad(y, [w], { createGraph: true });
    const penalty = gw!.pow(2).sum();
    penalty.backward();
    return [gw!.detach().clone(), w.grad!.clone()];
  };
  const on = run();
  const old = setGradRecycling(false);
  try {
    const off = run();
    on.forEach((t, k) => assertClose(t, off[k], { atol: 0, rtol: 0, msg: `result ${k}` }));
  } finally {
    setGradRecycling(old);
  }
});

test("poisoned freed blocks: an LSTM + Embedding step and a Transformer layer step give the same gradients as without early freeing", { skip }, () => {
  const step = () => {
    manualSeed(8);
    const emb = new nn.Embedding(40, 24);
    const lstm = new nn.LSTM(24, 48, { numLayers: 2, bidirectional: true });
    const enc = new nn.TransformerEncoderLayer(24, 4, { dimFeedforward: 64, dropout: 0 });
    const head = new nn.Linear(96 + 24, 40);
    const idx = randint(0, 40, [10, 6]);
    const opt = new optim.Adam([...emb.parameters(), ...lstm.parameters(), ...enc.parameters(), ...head.parameters()], { lr: 1e-2 });
    for (let i = 0; i < 2; i++) {
      opt.zeroGrad();
      const e = emb(idx) as Tensor;
      const [o] = lstm(e) as [Tensor, unknown];
      const t = enc(e) as Tensor;
      const z = head(cat([o, t], -1)) as Tensor;
      nn.functional.crossEntropy(z.reshape([-1, 40]), idx.reshape([-1])).backward();
      opt.step();
    }
    return [...emb.parameters(), ...lstm.parameters(), ...enc.parameters(), ...head.parameters()].map((p) => p.grad!.clone());
  };
  setAllocatorPoison(true);
  try {
    const on = step();
    const old = setGradRecycling(false);
    try {
      const off = step();
      on.forEach((g, k) => assertClose(g, off[k], { atol: 0, rtol: 0, msg: `parameter ${k}` }));
    } finally {
      setGradRecycling(old);
    }
  } finally {
    setAllocatorPoison(false);
  }
});

test("the recycler frees by buffer: an alias (view as another dtype) of an old tensor is old, and a kept alias keeps its base", { skip }, () => {
  const before = randn([64, 64]); // made before the backward: never freed
  const rec = new GradRecycler(true);
  rec.runFormula(() => [before.view("int32").add(0)]); // a formula reading an old buffer through an alias
  const alias = before.view("int32"); // a gradient that is an alias of an old buffer passing through a slot
  rec.hold(alias);
  rec.drop(alias);
  assert.ok(!detached(before), "a buffer older than the backward was freed through its alias");
  const a = randn([64, 64]), b = randn([64, 64]);
  rec.hold(a);
  rec.keep(a.view("int32")); // escaped as an alias
  rec.drop(a);
  assert.ok(!detached(a), "a buffer whose alias escaped was freed");
  rec.hold(b);
  rec.hold(b);
  rec.drop(b);
  assert.ok(!detached(b), "freed while a slot still held it");
  rec.drop(b);
  assert.ok(detached(b), "the control: a held buffer is freed when its last slot lets go");
  const temp: Tensor[] = [];
  const out = rec.runFormula(() => {
    const t = before.mul(2);
    temp.push(t);
    return [t.add(1), null];
  });
  assert.ok(detached(temp[0]!) && !detached(out[0]!), "a formula's temporary is freed, its result is not");
});

test("a recurrent layer's forward frees its input projection and per-step products, never its outputs or saved tensors", { skip }, () => {
  for (const [name, make] of [
    ["LSTM (projSize)", () => new nn.LSTM(24, 48, { projSize: 16 })],
    ["GRU", () => new nn.GRU(24, 48)],
    ["RNN", () => new nn.RNN(24, 48)],
  ] as const) {
    const run = () => {
      manualSeed(9);
      const layer = make();
      const x = randn([12, 100, 24], { requiresGrad: true }); // per-step products of 100 × 48 and up: pooled
      let outs: Tensor[] = [];
      const during = made(100 * 48, () => {
        // the union of three layers, each callable with a Tensor or a PackedSequence: TypeScript resolves no call on it
        const r = (layer as nn.Module)(x) as [Tensor, Tensor | [Tensor, Tensor]];
        outs = [r[0], ...(Array.isArray(r[1]) ? r[1] : [r[1]])];
      });
      for (const t of outs) assert.ok(!detached(t), `${name}: an output was freed`);
      const [o, ...hs] = outs;
      const freed = during.filter(detached).length;
      o!.pow(2).sum().add(hs.reduce((s, t) => s.add(t.sum()), o!.sum())).backward(); // uses the saved tensors
      for (const t of outs) assert.ok(!detached(t), `${name}: an output was freed by backward`);
      // backward frees the layer's own saved per-step workspaces (not the RNN's: it saves none)
      return { freed, freedByBackward: during.filter(detached).length - freed, grads: [x.grad!, ...layer.parameters().map((p) => p.grad!)] };
    };
    const on = run();
    assert.ok(on.freed >= 12, `${name}: only ${on.freed} forward temporaries were freed`);
    if (name !== "RNN") assert.ok(on.freedByBackward >= 12, `${name}: backward freed only ${on.freedByBackward} of the layer's saved workspaces`);
    const old = setGradRecycling(false);
    try {
      const off = run();
      on.grads.forEach((g, k) => assertClose(g, off.grads[k], { atol: 0, rtol: 0, msg: `${name}: gradient ${k}` }));
    } finally {
      setGradRecycling(old);
    }
  }
});

test("an LSTMCell's h and c (the layer's own outputs) survive the backward that frees its workspace", { skip }, () => {
  manualSeed(10);
  const cell = new nn.LSTMCell(24, 48);
  const x = randn([100, 24]);
  const [h, c] = cell(x) as [Tensor, Tensor];
  h.sum().add(c.pow(2).sum()).backward();
  assert.ok(!detached(h) && !detached(c), "the cell's h or c was freed");
  assert.ok(Number.isFinite(c.sum().item()));
});

// After backward(), what backward no longer needs is freed, as in PyTorch: a loss kept for
// logging must not keep the step's activations alive. Every large tensor a step creates is
// watched with a WeakRef (through a dispatch layer) and must be collectable afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as fx from "../../src/index.js";
import { addDispatchLayer, manualSeed, nn, optim, randint, randn, Tensor } from "../../src/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Runs `step` a few times keeping its results, and returns how many large tensors it made stay alive. */
async function liveAfter(steps: number, minNumel: number, step: () => unknown): Promise<{ alive: number; made: number; kept: unknown[] }> {
  const refs: WeakRef<Tensor>[] = [];
  const remove = addDispatchLayer((call, next) => {
    const outs = next(call);
    // in-place ops return their input (a parameter being updated): not something the step made
    for (const o of outs) if (o.numel() >= minNumel && call.op !== "view" && !call.inputs.includes(o)) refs.push(new WeakRef(o));
    return outs;
  });
  const kept: unknown[] = [];
  try {
    for (let i = 0; i < steps; i++) kept.push(step());
  } finally {
    remove();
  }
  const alive = () => refs.filter((r) => r.deref() !== undefined).length;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  // a survivor can still be on its way out: under load, about one run in fifty kept one
  // intermediate through three rounds and lost it in the next few. A leak survives these too.
  for (let i = 0; i < 5 && alive() > 0; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return { alive: alive(), made: refs.length, kept };
}

test("an MLP step's activations are freed while its loss is kept (784-512-512-10, batch 256)", async () => {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const x = randn([256, 784]), y = randint(0, 10, [256]);
  const crit = new nn.CrossEntropyLoss();
  const { alive, made, kept } = await liveAfter(5, 256 * 512, () => {
    opt.zeroGrad();
    const loss = crit(model(x), y);
    loss.backward();
    opt.step();
    return loss;
  });
  assert.ok(made >= 20, `the layer saw only ${made} large tensors`);
  assert.equal(alive, 0, `${alive} of ${made} activation-sized tensors survived while 5 losses were kept`);
  assert.equal(kept.length, 5);
});

test("conv, pooling, batch norm, dropout and attention steps free their activations too", async () => {
  manualSeed(0);
  const cnn = new nn.Sequential(
    new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Dropout(0.1), new nn.Flatten(), new nn.Linear(16 * 8 * 8, 10),
  );
  const x = randn([32, 3, 16, 16]), y = randint(0, 10, [32]);
  const r1 = await liveAfter(3, 32 * 16 * 8 * 8, () => {
    const loss = nn.functional.crossEntropy(cnn(x), y);
    loss.backward();
    return loss;
  });
  assert.equal(r1.alive, 0, `CNN: ${r1.alive} of ${r1.made} survived`);

  const enc = new nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 128, batchFirst: true });
  const s = randn([8, 32, 64]);
  const r2 = await liveAfter(3, 8 * 32 * 64, () => {
    const loss = enc(s).pow(2).mean();
    loss.backward();
    return loss;
  });
  assert.equal(r2.alive, 0, `Transformer: ${r2.alive} of ${r2.made} survived`);

  const lstm = new nn.LSTM(16, 32, { batchFirst: true });
  const seq = randn([8, 20, 16]);
  const r3 = await liveAfter(3, 8 * 32, () => {
    const [out] = lstm(seq);
    const loss = out.sum();
    loss.backward();
    return loss;
  });
  assert.equal(r3.alive, 0, `LSTM: ${r3.alive} of ${r3.made} survived`);
});

test("with retainGraph the saved tensors stay until a backward without it", async () => {
  const w = randn([512, 512], { requiresGrad: true });
  const x = randn([256, 512]);
  const { alive, kept } = await liveAfter(1, 256 * 512, () => {
    const loss = x.matmul(w).tanh().sum();
    loss.backward({ retainGraph: true });
    return loss;
  });
  assert.ok(alive > 0, "retainGraph keeps what a second backward needs");
  (kept[0] as Tensor).backward(); // still works
  assert.throws(() => (kept[0] as Tensor).backward(), /backward through the graph a second time/);
});

test("a chain through many kinds of ops keeps none of its intermediates after backward", async () => {
  manualSeed(0);
  const w = randn([64, 64], { requiresGrad: true });
  const emb = new nn.Embedding(100, 64);
  const ln = new nn.LayerNorm(64), gn = new nn.GroupNorm(4, 64);
  const conv = new nn.Conv1d(64, 64, 3, { padding: 1 });
  const gru = new nn.GRU(64, 64, { batchFirst: true });
  const ids = randint(0, 100, [8, 32]);
  const { alive, made } = await liveAfter(2, 8 * 32 * 64, () => {
    let h = emb(ids); // [8, 32, 64]
    h = ln(h).matmul(w).relu();
    const [a, b] = h.chunk(2, -1);
    h = fx.cat([b!, a!], -1).add(fx.stack([h, h]).mean(0));
    h = gn(h.transpose(1, 2)).transpose(1, 2);
    h = conv(h.permute(0, 2, 1)).permute(0, 2, 1).contiguous();
    h = fx.pad(h, [1, 1]).narrow(-1, 1, 64).softmax(-1).log().clamp(-10, 10);
    h = fx.where(h.gt(-5), h, h.mul(2)).index(fx.slice(null), fx.slice(0, 32)).flip(1).sigmoid().tanh().exp();
    const [out] = gru(h.reshape([8, 32, 64]));
    h = out.gather(2, fx.zeros([8, 32, 64], { dtype: "int32" })).maximum(h).sqrt();
    const loss = h.sum();
    loss.backward();
    return loss;
  });
  assert.ok(made > 30, `only ${made} large tensors seen`);
  assert.equal(alive, 0, `${alive} of ${made} intermediates survived`);
});

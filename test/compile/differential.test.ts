/**
 * compile() against eager on randomly built training steps (seeded): models mixing built-in
 * modules (Linear, ReLU, GELU, Tanh, LayerNorm, Dropout(0), nested Sequentials) with a user
 * module that keeps intermediates in its fields and a user function that leaks one to an
 * outer variable; SGD (momentum, nesterov, weight decay), Adam, AdamW; zeroGrad to None or
 * to zero; results returned as a tensor, an array or an object. Each case runs three steps
 * eagerly and three compiled from the same weights: losses, every returned and stashed
 * tensor, parameters, gradients and optimizer state must be equal bit for bit (the same
 * kernels run in the same order, except the ReLU the epilogue pass moves into its GEMM,
 * which is exact). This checks the freeing of temporaries (Graph.free) and the passes
 * together: a value freed while user code holds it raises, a stale one differs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, manualSeed, nn, optim, randn, randint, type Tensor } from "../../src/index.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    s ^= s >>> 12;
    return (s >>> 0) / 2 ** 32;
  };
}

interface Case {
  width: number;
  batch: number;
  build(): { model: nn.Module; stash: Tensor[] };
  opt(params: Tensor[]): optim.Optimizer;
  setToNone: boolean;
  shape: "tensor" | "array" | "object";
}

function makeCase(seed: number): Case {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const width = pick([4, 8, 24]);
  const batch = pick([5, 16]); // small programs run the TypeScript kernels, larger ones native
  const layers: string[] = [];
  const n = 2 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) layers.push(pick(["linear", "relu", "gelu", "tanh", "norm", "dropout", "nested", "user"]));
  const optKind = pick(["sgd", "sgdm", "nesterov", "adam", "adamw"]);
  return {
    width,
    batch,
    build() {
      const stash: Tensor[] = [];
      class Keep extends nn.Module {
        fc = new nn.Linear(width, width);
        forward(x: Tensor): Tensor {
          const h = this.fc.forward(x);
          stash.push(h.sigmoid()); // a user module's intermediate, kept in a field
          return h.relu().add(x);
        }
      }
      const mods = layers.map((l): nn.Module => {
        switch (l) {
          case "linear": return new nn.Linear(width, width);
          case "relu": return new nn.ReLU();
          case "gelu": return new nn.GELU();
          case "tanh": return new nn.Tanh();
          case "norm": return new nn.LayerNorm(width);
          case "dropout": return new nn.Dropout(0);
          case "nested": return new nn.Sequential(new nn.Linear(width, width), new nn.ReLU(), new nn.Linear(width, width));
          default: return new Keep();
        }
      });
      return { model: new nn.Sequential(...mods, new nn.Linear(width, 3)), stash };
    },
    opt(params) {
      switch (optKind) {
        case "sgd": return new optim.SGD(params, { lr: 0.05, weightDecay: 0.01 });
        case "sgdm": return new optim.SGD(params, { lr: 0.05, momentum: 0.9 });
        case "nesterov": return new optim.SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true });
        case "adam": return new optim.Adam(params, { lr: 0.01 });
        default: return new optim.AdamW(params, { lr: 0.01, weightDecay: 0.1 });
      }
    },
    setToNone: r() < 0.5,
    shape: pick(["tensor", "array", "object"] as const),
  };
}

const flat = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array);

function runCase(c: Case, seed: number, compiled: boolean) {
  manualSeed(seed);
  const { model, stash } = c.build();
  const opt = c.opt(model.parameters());
  const batches = Array.from({ length: 3 }, () => [randn([c.batch, c.width]), randint(0, 3, [c.batch])] as const);
  let leaked: Tensor | null = null;
  const fn = (x: Tensor, y: Tensor) => {
    opt.zeroGrad(c.setToNone);
    const logits = model.forward(x);
    const loss = nn.functional.crossEntropy(logits, y);
    loss.backward();
    opt.step();
    leaked = logits.softmax(1); // never returned: an outer variable holds it
    if (c.shape === "tensor") return loss;
    if (c.shape === "array") return [loss, logits];
    return { loss, parts: { logits } };
  };
  const step = compiled ? compile(fn) : fn;
  const out: number[][] = [];
  for (const [x, y] of batches) {
    const r = step(x, y) as Tensor | Tensor[] | { loss: Tensor; parts: { logits: Tensor } };
    const ts = r instanceof Array ? r : "parts" in r ? [r.loss, r.parts.logits] : [r];
    for (const t of ts) out.push(flat(t));
    out.push(flat(leaked!));
  }
  for (const s of stash) out.push(flat(s));
  for (const p of model.parameters()) {
    out.push(flat(p));
    if (p.grad !== null) out.push(flat(p.grad));
  }
  for (const st of Object.values(opt.stateDict().state)) {
    for (const v of Object.values(st as Record<string, unknown>)) if (v && typeof v === "object" && "toTypedArray" in v) out.push(flat(v as Tensor));
  }
  return out;
}

test("60 random training steps: compiled equals eager bit for bit (returned, stashed and leaked tensors, parameters, grads, optimizer state)", () => {
  for (let seed = 1; seed <= 60; seed++) {
    const c = makeCase(seed);
    const eager = runCase(c, seed, false);
    const comp = runCase(c, seed, true);
    assert.equal(comp.length, eager.length, `case ${seed}: ${comp.length} vs ${eager.length} tensors`);
    comp.forEach((v, i) => assert.deepEqual(v, eager[i], `case ${seed}: tensor ${i} differs`));
  }
});

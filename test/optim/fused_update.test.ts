/**
 * Adam/AdamW's and SGD's fused updates (src/optim/fused_update.ts: one fusedProgram dispatch
 * per parameter) against the op-by-op updates they replace: the same bits in the parameters and
 * every state tensor, over several steps and every variant (AdamW's decoupled decay, Adam's
 * L2 term, maximize, amsgrad), on the native interpreter and on the TypeScript one; one
 * dispatch per parameter where it applies, the op-by-op update where it does not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { addDispatchLayer, manualSeed, optim, randn, type Tensor } from "../../src/index.js";
import { setFusedOptimizerUpdates } from "../../src/optim/fused_update.js";

type Make = (p: Tensor[]) => optim.Optimizer;
const VARIANTS: [string, Make][] = [
  ["AdamW", (p) => new optim.AdamW(p, { lr: 1e-2, weightDecay: 0.05 })],
  ["AdamW amsgrad maximize", (p) => new optim.AdamW(p, { lr: 3e-3, amsgrad: true, maximize: true })],
  ["Adam", (p) => new optim.Adam(p, { lr: 1e-2, betas: [0.8, 0.99], eps: 1e-6 })],
  ["Adam L2 amsgrad", (p) => new optim.Adam(p, { lr: 1e-2, weightDecay: 0.1, amsgrad: true })],
  ["Adam maximize L2", (p) => new optim.Adam(p, { lr: 1e-2, weightDecay: 0.01, maximize: true })],
];
// SGD: fused from the second step where it has momentum (the first copies the gradient into
// the buffer), from the first with only weight decay or maximize; plain SGD is one add_ anyway
const SGD_VARIANTS: [string, Make, number][] = [
  ["SGD momentum", (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9 }), 3],
  ["SGD momentum dampening L2", (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 1e-3 }), 3],
  ["SGD Nesterov maximize", (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, maximize: true }), 3],
  ["SGD L2 only", (p) => new optim.SGD(p, { lr: 0.1, weightDecay: 0.01 }), 4],
];

/** Parameters and state after `steps` steps with seeded gradients (a transposed one too), as bits. */
function run(make: Make, fused: boolean, steps = 4): { bits: number[][]; dispatches: string[] } {
  const old = setFusedOptimizerUpdates(fused);
  try {
    manualSeed(3);
    // the last is below the native kernels' size threshold: its unfused ops run in TypeScript,
    // its program natively (made of ops that give the same bits on both paths)
    const params = [randn([37, 41], { requiresGrad: true }), randn([1000], { requiresGrad: true }), randn([3, 5, 7], { requiresGrad: true }), randn([5], { requiresGrad: true })];
    const opt = make(params);
    const dispatches: string[] = [];
    for (let s = 0; s < steps; s++) {
      params[0]!.grad = randn([41, 37]).t(); // a strided gradient: loaded through its strides
      params[1]!.grad = randn([1000]).mul(s === 2 ? 1e-30 : 1); // tiny moments: the eps path
      params[2]!.grad = randn([3, 5, 7]);
      params[3]!.grad = randn([5]).mul(s + 1);
      const remove = addDispatchLayer((call, next) => (dispatches.push(call.op), next(call)));
      try {
        opt.step();
      } finally {
        remove();
      }
    }
    const state = params.flatMap((p) => Object.values(opt.state.get(p) ?? {}).filter((v): v is Tensor => typeof v === "object" && v !== null && "storage" in v));
    return { bits: [...params, ...state].map((t) => Array.from(new Uint32Array(Float32Array.from(t.toTypedArray() as Float32Array).buffer))), dispatches };
  } finally {
    setFusedOptimizerUpdates(old);
  }
}

for (const [name, make] of VARIANTS) {
  test(`${name}: the fused update gives the op-by-op update's bits, in one dispatch per parameter`, () => {
    const fused = run(make, true), plain = run(make, false);
    assert.equal(fused.bits.length, plain.bits.length);
    fused.bits.forEach((b, i) => assert.deepEqual(b, plain.bits[i], `tensor ${i} differs`));
    // (and the first step's zero state, `full`)
    assert.deepEqual([...new Set(fused.dispatches.filter((op) => op !== "full"))], ["fusedProgram"], "the fused step dispatches only fused programs");
    assert.equal(fused.dispatches.filter((op) => op === "fusedProgram").length, 4 * 4);
    assert.ok(plain.dispatches.length > 10 * 4 * 4, `the op-by-op step made ${plain.dispatches.length} dispatches`);
  });
}

for (const [name, make, fusedSteps] of SGD_VARIANTS) {
  test(`${name}: the fused update gives the op-by-op update's bits`, () => {
    const fused = run(make, true), plain = run(make, false);
    fused.bits.forEach((b, i) => assert.deepEqual(b, plain.bits[i], `tensor ${i} differs`));
    assert.equal(fused.dispatches.filter((op) => op === "fusedProgram").length, fusedSteps * 4);
    assert.ok(plain.dispatches.length > fused.dispatches.length);
  });
}

test("the fused update on the TypeScript kernels (no addon) gives the op-by-op bits too", () => {
  const code = `
    import { manualSeed, optim, randn } from "./src/index.ts";
    import { setFusedOptimizerUpdates } from "./src/optim/fused_update.ts";
    const out = [];
    for (const fused of [true, false]) {
      setFusedOptimizerUpdates(fused);
      manualSeed(5);
      const p = randn([300], { requiresGrad: true }), q = randn([20, 6], { requiresGrad: true });
      for (const opt of [new optim.AdamW([p, q], { lr: 1e-2, amsgrad: true }), new optim.SGD([p, q], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })]) {
        for (let s = 0; s < 3; s++) { p.grad = randn([300]); q.grad = randn([20, 6]); opt.step(); }
        out.push(JSON.stringify([p, q, ...Object.values(opt.state.get(p))].filter((t) => typeof t === "object").map((t) => Array.from(t.toTypedArray()))));
      }
    }
    if (out[0] !== out[2] || out[1] !== out[3]) throw new Error("the fused and op-by-op updates differ");
    console.log("same");`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: { ...process.env, FLUXION_NATIVE: "0" }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "same");
});

test("a gradient sharing memory with the parameter takes the op-by-op update (whose writes it sees)", () => {
  for (const make of [(p: Tensor[]) => new optim.AdamW(p, { lr: 0.1 }), (p: Tensor[]) => new optim.SGD(p, { lr: 0.1, weightDecay: 0.1 })]) {
    manualSeed(6);
    const p = randn([64], { requiresGrad: true });
    p.grad = p.detach(); // the same storage
    const ops: string[] = [];
    const remove = addDispatchLayer((call, next) => (ops.push(call.op), next(call)));
    make([p]).step();
    remove();
    assert.ok(!ops.includes("fusedProgram"), ops.join(","));
  }
});

test("a non-contiguous parameter or a float64 one takes the op-by-op update (same values as unfused)", () => {
  for (const fusedOn of [true, false]) {
    const old = setFusedOptimizerUpdates(fusedOn);
    try {
      manualSeed(4);
      const base = randn([8, 6]);
      const strided = base.t().detach().requiresGrad_(); // a transposed leaf
      const f64 = randn([5], { dtype: "float64", requiresGrad: true });
      const opt = new optim.AdamW([strided, f64], { lr: 0.1 });
      strided.grad = randn([6, 8]);
      f64.grad = randn([5], { dtype: "float64" });
      const ops: string[] = [];
      const remove = addDispatchLayer((call, next) => (ops.push(call.op), next(call)));
      opt.step();
      remove();
      assert.ok(!ops.includes("fusedProgram"), `fused=${fusedOn}: ${ops.join(",")}`);
    } finally {
      setFusedOptimizerUpdates(old);
    }
  }
});

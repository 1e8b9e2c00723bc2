/**
 * The buffer plan (src/compile/buffer_plan.ts): a cached program's temporaries live at fixed
 * places in one arena, reused by every call. These tests pin down that places never alias a
 * value still read (spans that overlap get disjoint bytes), that values which escape the call
 * (returned, .grad, optimizer state, what user code was handed) are never in the arena, so the
 * next call cannot overwrite them, that steady-state calls reuse the same arena, and that
 * the offer of a place to a kernel's allocation (backend/planned_outputs.ts) is exact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, manualSeed, nn, noGrad, optim, randn, randint, type Tensor } from "../../src/index.js";
import { bufferPlan } from "../../src/compile/buffer_plan.js";
import { offerOutputs, takeOfferedOutput } from "../../src/backend/planned_outputs.js";
import type { Graph } from "../../src/compile/ir.js";
import { itemSize } from "../../src/tensor/dtype.js";

const vals = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array);

function mlpStep() {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.GELU(), new nn.Linear(64, 10));
  const opt = new optim.AdamW(model.parameters(), { lr: 1e-2 });
  const fn = (x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const logits = model.forward(x);
    const loss = nn.functional.crossEntropy(logits, y);
    loss.backward();
    opt.step();
    return { loss, probs: logits.softmax(1) };
  };
  return { model, opt, fn };
}

/** Each value's span in node order: [the node that makes its buffer, its last use]. */
function spans(g: Graph): Map<number, [number, number]> {
  const s = new Map<number, [number, number]>();
  g.nodes.forEach((n, i) => {
    for (const v of [...n.inputs, ...n.outputs]) {
      const b = g.values[v]!.buf;
      const cur = s.get(b);
      if (cur === undefined) s.set(b, [i, i]);
      else cur[1] = i;
    }
  });
  return s;
}

test("temporaries whose spans overlap get disjoint places; the arena is smaller than their sum", () => {
  const { fn } = mlpStep();
  const step = compile(fn);
  const x = randn([16, 32]), y = randint(0, 10, [16]);
  step(x, y);
  const g = step.graph!;
  const plan = bufferPlan(g);
  // (the activations and gradients; JS scalars such as lr hold no buffer: their programs read them as operands)
  assert.ok(plan.offsets.size >= 5, `${plan.offsets.size} temporaries in the arena`);
  assert.ok(!g.nodes.some((n) => n.op === "full" && plan.offsets.has(g.values[n.outputs[0]!]!.buf)), "no `full` temporary");
  const sp = spans(g);
  const bytes = (b: number) => g.buffers[b]!.numel * itemSize(g.buffers[b]!.dtype);
  const placed = [...plan.offsets].map(([b, lo]) => ({ b, lo, hi: lo + bytes(b), span: sp.get(b)! }));
  let sum = 0;
  for (const p of placed) {
    sum += p.hi - p.lo;
    assert.ok(p.hi <= plan.bytes, `b${p.b} inside the arena`);
    for (const q of placed) {
      if (p.b >= q.b) continue;
      const live = p.span[0] <= q.span[1] && q.span[0] <= p.span[1];
      if (live) assert.ok(p.hi <= q.lo || q.hi <= p.lo, `b${p.b} [${p.lo},${p.hi}) and b${q.b} [${q.lo},${q.hi}) are read at the same time but overlap`);
    }
  }
  assert.ok(plan.bytes < sum, `arena ${plan.bytes} bytes for ${sum} bytes of temporaries`);
  // nothing that outlives the call is in the arena: external, kept (returned, .grad, state)
  for (const b of plan.offsets.keys()) {
    assert.equal(g.buffers[b]!.external, false);
    assert.ok(g.free?.has(b), `b${b} is a free buffer`);
  }
});

test("with the arena, 30 steps equal eager bit for bit; returned tensors held across calls keep their values", () => {
  const eager = mlpStep(), compiled = mlpStep();
  const step = compile(compiled.fn);
  manualSeed(5);
  const held: { e: ReturnType<typeof eager.fn>; c: ReturnType<typeof eager.fn> }[] = [];
  let arena: ArrayBuffer | null = null;
  for (let i = 0; i < 30; i++) {
    const x = randn([16, 32]), y = randint(0, 10, [16]);
    const e = eager.fn(x, y), c = step(x, y);
    held.push({ e, c });
    assert.equal(c.loss.item(), e.loss.item(), `loss at step ${i}`);
    if (i >= 1) {
      const plan = bufferPlan(step.graph!);
      assert.ok(plan.arena !== null);
      if (arena !== null) assert.equal(plan.arena, arena, "steady-state calls reuse one arena");
      arena = plan.arena;
    }
  }
  assert.equal(step.stats().cacheMisses, 2, "the first call (which creates the optimizer state) and the second");
  // every call's results, read after all the later calls ran
  held.forEach(({ e, c }, i) => {
    assert.deepEqual(vals(c.probs), vals(e.probs), `probs of step ${i}`);
    assert.equal(c.loss.item(), e.loss.item(), `loss of step ${i}`);
  });
  const pe = eager.model.parameters(), pc = compiled.model.parameters();
  pc.forEach((p, k) => {
    assert.deepEqual(vals(p), vals(pe[k]!), `parameter ${k}`);
    assert.deepEqual(vals(p.grad!), vals(pe[k]!.grad!), `grad ${k}`);
  });
});

test("a grad held across calls keeps its values (grads escape: never in the arena)", () => {
  const eager = mlpStep(), compiled = mlpStep();
  const step = compile(compiled.fn);
  const x = randn([16, 32]), y = randint(0, 10, [16]);
  eager.fn(x, y);
  step(x, y);
  const ge = eager.model.parameters().map((p) => p.grad!), gc = compiled.model.parameters().map((p) => p.grad!);
  for (let i = 0; i < 3; i++) {
    eager.fn(randn([16, 32]), y);
    step(randn([16, 32]), y);
  }
  gc.forEach((g, k) => assert.deepEqual(vals(g), vals(ge[k]!), `grad ${k} of the first step`));
});

test("an offered place is taken once, only by an allocation of its dtype and length", () => {
  const a = new Float32Array(12), b = new Int32Array(12);
  offerOutputs([a, null, b], ["float32", "float32", "int32"]);
  try {
    assert.equal(takeOfferedOutput("float32", 11), null, "another length");
    assert.equal(takeOfferedOutput("float64", 12), null, "another dtype");
    assert.equal(takeOfferedOutput("int32", 12), b);
    assert.equal(takeOfferedOutput("float32", 12), a);
    assert.equal(takeOfferedOutput("float32", 12), null, "taken once");
  } finally {
    offerOutputs(null);
  }
  offerOutputs([a], ["float32"]);
  offerOutputs(null);
  assert.equal(takeOfferedOutput("float32", 12), null, "withdrawn");
});

test("every program's places are in one shared arena: two compiled steps of different sizes, alternating, each equal eager bit for bit, and a growth of the arena re-places the smaller program", () => {
  // a small program first (the arena is its size), then a larger one (the arena grows), then
  // both alternately: the small program's places move to the grown arena, and neither
  // program's temporaries survive into the other's run (they are all dead when it ends)
  const small = mlpStep(), smallEager = mlpStep();
  manualSeed(1);
  const big = new nn.Sequential(new nn.Linear(32, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.GELU(), new nn.Linear(512, 10));
  manualSeed(1);
  const bigEager = new nn.Sequential(new nn.Linear(32, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.GELU(), new nn.Linear(512, 10));
  const bigFn = (m: nn.Module) => (x: Tensor) => noGrad(() => m.forward(x).softmax(1).mul(x.sum(1, { keepdim: true }).exp()).sum(0));
  const stepSmall = compile(small.fn), stepBig = compile(bigFn(big));
  manualSeed(7);
  for (let i = 0; i < 6; i++) {
    const x = randn([16, 32]), y = randint(0, 10, [16]);
    const e = smallEager.fn(x, y), c = stepSmall(x, y);
    assert.deepEqual(vals(c.probs), vals(e.probs), `small step ${i}`);
    if (i < 2) continue; // the big program joins from the third round
    const xb = randn([64, 32]);
    assert.deepEqual(vals(stepBig(xb)), vals(bigFn(bigEager)(xb)), `big step ${i}`);
    const ps = bufferPlan(stepSmall.graph!), pb = bufferPlan(stepBig.graph!);
    assert.ok(pb.bytes > ps.bytes, `the big program needs more (${pb.bytes} vs ${ps.bytes} bytes)`);
    assert.equal(pb.arena, ps.arena, "one arena for both");
    assert.ok(pb.arena!.byteLength >= pb.bytes);
  }
});

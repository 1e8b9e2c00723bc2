/**
 * compile()'s semantics, call by call: JS scalars are graph inputs (a cached program runs with
 * each call's values: checked against values computed in plain JS, so a baked constant fails),
 * control flow on JS values, host reads as counted graph breaks, random draws identical to
 * eager, side effects (in-place writes, version counters, .grad), tensors made inside a call
 * hold their values afterwards, errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, manualSeed, rand, randn, tensor, zeros, nn, Generator, FluxionError, type Tensor } from "../../src/index.js";

const F = nn.functional;
const f32 = (v: number) => Math.fround(v);
const vals = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array);

test("JS scalars (mul by a number, clamp bounds, add alpha, full values) are inputs: each call's values run on the cached program", () => {
  const f = compile((x: Tensor, s: number, lo: number, hi: number, alpha: number, fillv: number) => {
    const y = x.mul(s).clamp(lo, hi);
    const z = y.add(x, { alpha });
    return z.add(zeros([3]).fill_(fillv));
  });
  const x = tensor([1, -2, 3]);
  const xs = [1, -2, 3];
  const cases: [number, number, number, number, number][] = [
    [0.37, -0.61, 0.93, 0.29, 0.11],
    [2.71, -0.17, 5.13, -1.39, 0.23], // every scalar changed, none 0 or 1
    [-1.83, -4.07, 0.47, 3.31, -0.77],
  ];
  for (const [s, lo, hi, alpha, fv] of cases) {
    const got = vals(f(x, s, lo, hi, alpha, fv));
    // float32 arithmetic as the kernels do it, in plain JS
    const want = xs.map((v) => {
      const y = Math.min(Math.max(f32(v * f32(s)), f32(lo)), f32(hi));
      return f32(f32(y + f32(f32(alpha) * v)) + f32(fv));
    });
    assert.deepEqual(got, want, `scalars ${[s, lo, hi, alpha, fv]}`);
  }
  const st = f.stats();
  assert.equal(st.cacheMisses, 1);
  assert.equal(st.cacheHits, 2);
  // the printout names the scalars as slots
  assert.match(f.explain(), /clamp, params: \[\$\d+=/);
});

test("0 and 1 are keyed by value: x.mul(1) and x.mul(2) are different programs, both right", () => {
  const f = compile((x: Tensor, s: number) => x.mul(s));
  const x = tensor([1.5, -2]);
  assert.deepEqual(vals(f(x, 1)), [1.5, -2]);
  assert.deepEqual(vals(f(x, 2.5)), [3.75, -5]);
  assert.deepEqual(vals(f(x, 1)), [1.5, -2]);
  assert.deepEqual(vals(f(x, 3.5)), [5.25, -7]);
  assert.deepEqual([f.stats().cacheMisses, f.stats().cacheHits], [2, 2]);
});

test("data-dependent control flow on JS values takes each call's branch", () => {
  const f = compile((x: Tensor, step: number) => (step % 2 === 0 ? x.exp() : x.neg()).sum());
  const x = tensor([0.5, 1]);
  for (let step = 0; step < 4; step++) {
    const want = step % 2 === 0 ? f32(f32(Math.exp(0.5)) + f32(Math.exp(1))) : -1.5;
    assert.equal(f(x, step).item(), want);
  }
  assert.deepEqual([f.stats().cacheMisses, f.stats().cacheHits], [2, 2]);
});

test("a host read inside (item) runs the graph so far, counts a break naming it, and recording goes on", () => {
  const f = compile((x: Tensor) => {
    const s = x.mul(2).sum();
    const v = s.item(); // host read: graph 1 ends here
    return v > 0 ? x.add(v) : x.sub(v); // graph 2, branch on the value
  });
  assert.deepEqual(vals(f(tensor([1, 2]))), [7, 8]);
  assert.deepEqual(vals(f(tensor([-1, -2]))), [5, 4]);
  const s = f.stats();
  assert.equal(s.graphs, 4);
  assert.equal(s.graphsLastCall, 2);
  assert.deepEqual(s.breaks, [{ reason: "host read in Tensor.item", count: 2 }]);
  assert.equal(f.graphs[0]!.endedBy, "host read in Tensor.item");
  assert.match(f.explain(), /ended by host read in Tensor\.item/);
  // printing and toTypedArray break too
  const g = compile((x: Tensor) => {
    const y = x.mul(3);
    const text = y.toString();
    const arr = y.toTypedArray();
    return [text, arr[0]];
  });
  assert.deepEqual(g(tensor([1, 2])), ["tensor([3., 6.])", 3]);
  assert.deepEqual(g.stats().breaks.map((b) => b.reason), ["host read in Tensor.toString"]);
});

test("random ops draw the same numbers as eager with the same seed (dropout, rand, randn with a generator)", () => {
  const run = (fn: (x: Tensor, g: Generator) => Tensor[]) => {
    manualSeed(5);
    const g = new Generator(9);
    const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
    return [fn(x, g), fn(x, g)].flat().map(vals);
  };
  const body = (x: Tensor, g: Generator) => [F.dropout(x, 0.5), rand([3]), randn([2, 2], { generator: g }), F.dropout(x.mul(2), 0.3)];
  const eager = run(body);
  const c = compile(body);
  const comp = run(c);
  assert.deepEqual(comp, eager);
  assert.equal(c.stats().cacheHits, 1);
  // a generator's state read inside the call runs the pending draws first
  const h = compile((g: Generator) => {
    const a = rand([4], { generator: g });
    const state = g.getState();
    const b = rand([4], { generator: g });
    g.setState(state);
    const b2 = rand([4], { generator: g });
    return [a, b, b2];
  });
  const [a, b, b2] = h(new Generator(3));
  const g2 = new Generator(3);
  assert.deepEqual(vals(a!), vals(rand([4], { generator: g2 })));
  assert.deepEqual(vals(b!), vals(rand([4], { generator: g2 })));
  assert.deepEqual(vals(b2!), vals(b!));
});

test("side effects: in-place writes land in the caller's tensors, versions bump as eager, .grad is attached, tensors made inside keep their values", () => {
  const w = tensor([1, 2, 3], { requiresGrad: true });
  const buf = zeros([3]);
  let kept: Tensor | null = null;
  const f = compile((x: Tensor) => {
    const loss = w.mul(x).sum();
    loss.backward();
    buf.add_(w.grad!);
    kept = x.mul(10); // not returned, still referenced afterwards
    return loss;
  });
  const v0 = buf.version;
  const loss = f(tensor([0.5, 0.25, 2]));
  assert.equal(buf.version, v0 + 1);
  assert.equal(loss.item(), 7);
  assert.deepEqual(vals(w.grad!), [0.5, 0.25, 2]);
  assert.deepEqual(vals(buf), [0.5, 0.25, 2]);
  assert.deepEqual(vals(kept!), [5, 2.5, 20]);
  f(tensor([1, 1, 1]));
  assert.deepEqual(vals(w.grad!), [1.5, 1.25, 3]); // accumulated, as eager
  assert.deepEqual(vals(buf), [2, 1.5, 5]);
  assert.equal(buf.version, v0 + 2);
});

test("a Module's parameters updated in place under noGrad, read back between calls", () => {
  const lin = new nn.Linear(2, 1);
  lin.weight.data.fill_(0.5);
  lin.bias!.data.fill_(0);
  const f = compile((x: Tensor) => {
    const y = lin.forward(x).sum();
    y.backward();
    for (const p of lin.parameters()) {
      p.data.sub_(p.grad!.mul(0.25));
      p.grad = null;
    }
    return y;
  });
  assert.equal(f(tensor([[1, 2]])).item(), 1.5);
  assert.deepEqual(vals(lin.weight), [0.25, 0]);
  assert.deepEqual(vals(lin.bias!), [-0.25]);
  assert.equal(f(tensor([[1, 2]])).item(), f32(0.25 - 0.25));
});

test("an error inside the function: what ran before it is kept, the error is the user's, the next call works", () => {
  const acc = zeros([2]);
  const f = compile((x: Tensor, fail: boolean) => {
    acc.add_(x);
    if (fail) throw new Error("boom");
    return acc.mul(2);
  });
  assert.throws(() => f(tensor([1, 2]), true), /boom/);
  assert.deepEqual(vals(acc), [1, 2]);
  assert.deepEqual(vals(f(tensor([1, 1]), false)), [4, 6]);
  // op errors are raised while recording, with eager's message, and leave no half-run graph
  const g = compile((x: Tensor) => x.matmul(tensor([[1, 2, 3]])));
  assert.throws(() => g(tensor([[1, 2]])), (e: unknown) => e instanceof FluxionError && /matmul/.test((e as Error).message) && /1x2|\[1, 2\]/.test((e as Error).message));
  assert.throws(() => compile(42 as never), FluxionError);
});

test("a Module compiles as its call (torch.compile(model)): same outputs as eager, hooks run, the module keeps training", () => {
  manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.Linear(8, 2));
  const seen: number[][] = [];
  model.registerForwardHook((_m, _inputs, out) => void seen.push([...(out as Tensor).shape]));
  const fast = compile(model);
  const x = randn([3, 4]);
  const eager = model(x);
  const compiled = fast(x);
  assert.deepEqual(vals(compiled), vals(eager));
  assert.deepEqual(seen, [[3, 2], [3, 2]]);
  // backward through the compiled call reaches the module's parameters
  model.zeroGrad();
  fast(x).sum().backward();
  const w = (model.at(0) as nn.Linear).weight;
  assert.deepEqual(w.grad!.shape, [8, 4]);
  const g1 = vals(w.grad!);
  model.zeroGrad();
  model(x).sum().backward();
  assert.deepEqual(vals(w.grad!), g1);
  assert.equal(fast.stats().calls, 2);
});

test("nested compiled functions record into the outer graph", () => {
  const inner = compile((x: Tensor) => x.mul(2));
  const outer = compile((x: Tensor) => inner(x).add(1));
  assert.deepEqual(vals(outer(tensor([1, 2]))), [3, 5]);
  assert.equal(outer.stats().graphs, 1);
  assert.equal(inner.stats().calls, 0);
});

test("a compiled function may not return a Promise", () => {
  const f = compile(async (x: Tensor) => x.mul(2));
  assert.throws(() => f(tensor([1])), (e: unknown) => e instanceof FluxionError && /Promise/.test((e as Error).message));
});

test("compile's arguments are checked; passes can be chosen (none: the graph runs as recorded)", () => {
  assert.throws(() => compile("f" as never), (e: unknown) => e instanceof FluxionError && /compile/.test((e as Error).message) && /fn/.test((e as Error).message));
  assert.throws(() => compile((x: Tensor) => x, { passes: 3 } as never), (e: unknown) => e instanceof FluxionError && /passes/.test((e as Error).message));
  const f = compile((x: Tensor) => x.mul(1).t().t(), { passes: [] });
  assert.deepEqual(vals(f(tensor([[1, 2]]))), [1, 2]);
  assert.equal(f.graph!.nodes.filter((n) => n.op === "view").length, 2);
  assert.equal(f.graphs[0]!.graph, f.graphs[0]!.program);
});

test("which host reads break: a tensor the graph computes or writes, not an input it only reads", () => {
  const w = tensor([1, 2]);
  const f = compile((x: Tensor, labels: Tensor) => {
    const seen = x.toTypedArray()[0]; // only read by the graph: no break
    const y = x.mul(2);
    w.add_(y); // w now has a pending write
    const wv = w.toTypedArray()[1]; // break: the write runs first
    const idx = labels.add(0); // an index the graph computes: gather's kernel checks its bounds, no break
    const picked = y.gather(0, idx);
    return [seen, wv, picked];
  });
  const [seen, wv, picked] = f(tensor([3, 4]), tensor([1, 0], { dtype: "int64" })) as [number, number, Tensor];
  assert.equal(seen, 3);
  assert.equal(wv, 10);
  assert.deepEqual(vals(picked), [8, 6]);
  assert.deepEqual(f.stats().breaks.map((b) => b.reason).sort(), ["host read in Tensor.toTypedArray"]);
  assert.equal(f.stats().graphs, 2);
});

test("a primitive without a compile rule (unique: its output shape depends on the values) ends the graph and runs eagerly, counted", () => {
  const f = compile((x: Tensor) => x.mul(2).unique().add(1));
  assert.deepEqual(vals(f(tensor([3, 1, 3, 2]))), [3, 5, 7]);
  assert.deepEqual(vals(f(tensor([5, 5]))), [11]);
  const s = f.stats();
  assert.equal(s.graphs, 4);
  assert.deepEqual(s.breaks.map((b) => [b.reason, b.count]), [["unique (output shape depends on the values) in unique", 2]]);
});

test("losses check their labels and ranges in kernels: nllLoss, BCE and an LSTM step compile without breaks, and bad values still raise", () => {
  const logits = randn([4, 3]);
  const labels = tensor([0, 2, -100, 1], { dtype: "int64" });
  const nll = compile((x: Tensor, t: Tensor) => nn.F.nllLoss(x.logSoftmax(1), t));
  const eager = nn.F.nllLoss(logits.logSoftmax(1), labels).item() as number;
  assert.ok(Math.abs((nll(logits, labels).item() as number) - eager) < 1e-6);
  assert.deepEqual(nll.stats().breaks, []);
  // a bad label raises the loss's own message, from the compiled program
  assert.throws(() => nll(logits, tensor([0, 3, 1, 1], { dtype: "int64" })).item(), /nllLoss: target 3 is out of bounds for 3 classes \(input shape \[4, 3\]\); labels must be in \[0, 2\]/);
  const bce = compile((p: Tensor, y: Tensor) => nn.F.binaryCrossEntropy(p, y));
  const p = tensor([0.2, 0.9, 0.5]), y = tensor([0, 1, 1]);
  assert.ok(Math.abs((bce(p, y).item() as number) - (nn.F.binaryCrossEntropy(p, y).item() as number)) < 1e-6);
  assert.deepEqual(bce.stats().breaks, []);
  assert.throws(() => bce(tensor([0.2, 1.5, 0.5]), y).item(), /binaryCrossEntropy: all elements of input should be between 0 and 1/);
  assert.throws(() => nn.F.binaryCrossEntropy(tensor([0.2, NaN]), tensor([0, 1])), /between 0 and 1 \(NaN is not\)/);
  const lstm = new nn.LSTM(3, 4);
  const step = compile((x: Tensor) => {
    const [out] = lstm.forward(x);
    const loss = out.sum();
    loss.backward();
    return loss;
  });
  step(randn([5, 2, 3]));
  assert.deepEqual(step.stats().breaks, []);
});

test("utils.profile attributes a compiled program's kernels to the public ops they came from (a fused node to all of them)", async () => {
  const { utils, optim } = await import("../../src/index.js");
  const w = new nn.Parameter(randn([8, 4]));
  const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.9 });
  const step = compile((x: Tensor) => {
    opt.zeroGrad();
    const loss = x.matmul(w).relu().sum();
    loss.backward();
    opt.step();
    return loss;
  });
  const x = randn([5, 8]);
  step(x);
  step(x);
  const names = utils.profile(() => step(x)).byOp.filter((r) => r.selfMs > 0).map((r) => r.name);
  assert.ok(names.includes("matmul") && names.includes("relu"), names.join(" | "));
  assert.ok(names.some((n) => /mul_.*add_|add_.*mul_/.test(n)), `the fused momentum update is named by its ops: ${names.join(" | ")}`);
});

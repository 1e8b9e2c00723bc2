/**
 * Recurrent layers (src/nn/layers/rnn.ts) against PyTorch 1.13: outputs, final states and
 * gradients from nn_rnn_reference.json (float64, PyTorch's own weights loaded through
 * loadStateDict), printing, parameter names, errors and gradcheck.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nn, autograd, manualSeed, randn, tensor, zeros, type Tensor, FluxionError, ShapeError, DTypeError } from "../../src/index.js";
import { assertClose, flat } from "../helpers.js";

interface Enc {
  shape: number[];
  v: number[];
}
function dec(e: Enc, opts?: { requiresGrad?: boolean }): Tensor {
  const t = tensor(e.v, { shape: e.shape, dtype: "float64" });
  return opts?.requiresGrad ? t.requiresGrad_(true) : t;
}
interface SeqCase {
  name: string;
  cls: "RNN" | "LSTM" | "GRU";
  args: [number, number];
  kwargs: Record<string, any>;
  train: boolean;
  stateDict: Record<string, Enc>;
  input: Enc;
  hx: Enc[] | null;
  out: Enc;
  states: Enc[];
  gOut: Enc;
  gStates: Enc[];
  gradInput: Enc;
  gradHx: Enc[] | null;
  gradParams: Record<string, Enc>;
}
interface CellCase extends Omit<SeqCase, "cls" | "out" | "states" | "gOut" | "gStates" | "train"> {
  cls: "RNNCell" | "LSTMCell" | "GRUCell";
  outs: Enc[];
  gOuts: Enc[];
}
const ref: { seq: SeqCase[]; cells: CellCase[]; reprs: { cls: string; args: number[]; kwargs: Record<string, any>; repr: string; stateDictKeys: string[]; paramShapes: number[][] }[] } = JSON.parse(
  readFileSync(new URL("../fixtures/nn_rnn_reference.json", import.meta.url), "utf8"),
);

const TOL = { atol: 1e-10, rtol: 1e-8 };

function build(cls: string, args: number[], kwargs: Record<string, any>): nn.Module {
  const C = (nn as any)[cls];
  return new C(...args, kwargs);
}

function loaded(c: { cls: string; args: number[]; kwargs: Record<string, any>; stateDict: Record<string, Enc> }): nn.Module {
  const m = build(c.cls, c.args, c.kwargs).double();
  m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, dec(v)])));
  return m;
}

for (const c of ref.seq) {
  test(`${c.cls} matches PyTorch: ${c.name} (output, final states, input/state/weight gradients)`, () => {
    const m = loaded(c);
    m.train(c.train);
    const x = dec(c.input, { requiresGrad: true });
    const hx = c.hx?.map((h) => dec(h, { requiresGrad: true })) ?? null;
    const [out, st] = m.forward(x, hx === null ? undefined : c.cls === "LSTM" ? hx : hx[0]) as [Tensor, Tensor | Tensor[]];
    const states = Array.isArray(st) ? st : [st];
    assert.deepEqual([...out.shape], c.out.shape, "output shape");
    assertClose(out, c.out.v, { ...TOL, msg: "output" });
    assert.equal(states.length, c.states.length);
    states.forEach((s, i) => {
      assert.deepEqual([...s.shape], c.states[i]!.shape, `state ${i} shape`);
      assertClose(s, c.states[i]!.v, { ...TOL, msg: `state ${i}` });
    });
    let loss = out.mul(dec(c.gOut)).sum();
    states.forEach((s, i) => (loss = loss.add(s.mul(dec(c.gStates[i]!)).sum())));
    loss.backward();
    assertClose(x.grad, c.gradInput.v, { ...TOL, msg: "grad input" });
    hx?.forEach((h, i) => assertClose(h.grad, c.gradHx![i]!.v, { ...TOL, msg: `grad hx[${i}]` }));
    const params = Object.fromEntries(m.namedParameters());
    assert.deepEqual(Object.keys(params), Object.keys(c.gradParams), "parameter names in PyTorch's order");
    for (const [k, g] of Object.entries(c.gradParams)) assertClose(params[k]!.grad, g.v, { ...TOL, msg: `grad ${k}` });
  });
}

for (const c of ref.cells) {
  test(`${c.cls} matches PyTorch: ${c.name}`, () => {
    const m = loaded(c);
    const x = dec(c.input, { requiresGrad: true });
    const hx = c.hx?.map((h) => dec(h, { requiresGrad: true })) ?? null;
    const r = m.forward(x, hx === null ? undefined : c.cls === "LSTMCell" ? hx : hx[0]) as Tensor | Tensor[];
    const outs = Array.isArray(r) ? r : [r];
    outs.forEach((o, i) => {
      assert.deepEqual([...o.shape], c.outs[i]!.shape);
      assertClose(o, c.outs[i]!.v, { ...TOL, msg: `out ${i}` });
    });
    outs.map((o, i) => o.mul(dec(c.gOuts[i]!)).sum()).reduce((a, b) => a.add(b)).backward();
    assertClose(x.grad, c.gradInput.v, { ...TOL, msg: "grad input" });
    hx?.forEach((h, i) => assertClose(h.grad, c.gradHx![i]!.v, { ...TOL, msg: `grad hx[${i}]` }));
    const params = Object.fromEntries(m.namedParameters());
    for (const [k, g] of Object.entries(c.gradParams)) assertClose(params[k]!.grad, g.v, { ...TOL, msg: `grad ${k}` });
  });
}

test("printing, stateDict keys and parameter shapes match PyTorch", () => {
  for (const r of ref.reprs) {
    const m = build(r.cls, r.args, r.kwargs);
    assert.equal(m.toString(), r.repr);
    assert.deepEqual(Object.keys(m.stateDict()), r.stateDictKeys, r.repr);
    assert.deepEqual(m.parameters().map((p) => [...p.shape]), r.paramShapes, r.repr);
  }
});

test("default init is uniform in ±1/sqrt(hiddenSize) for every parameter", () => {
  manualSeed(3);
  const m = new nn.GRU(5, 16, { numLayers: 2, bidirectional: true });
  const bound = 1 / 4;
  const all = m.parameters().flatMap((p) => flat(p));
  assert.ok(all.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...all) > 0.9 * bound && Math.min(...all) < -0.9 * bound, "values fill the range");
  assert.equal(m.allWeights.length, 4);
  assert.deepEqual(m.allWeights[1]!.map((p) => [...p.shape]), [[48, 5], [48, 16], [48], [48]]);
});

test("batchFirst only transposes input and output: same numbers as time-major", () => {
  manualSeed(7);
  const a = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true });
  const b = new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
  b.loadStateDict(a.stateDict());
  const x = randn([6, 2, 3]);
  const [oa, [ha, ca]] = a.forward(x);
  const [ob, [hb, cb]] = b.forward(x.transpose(0, 1));
  assertClose(ob.transpose(0, 1), oa, { atol: 1e-6 });
  assertClose(hb, ha, { atol: 1e-6 });
  assertClose(cb, ca, { atol: 1e-6 });
});

test("a sequence layer equals its cell stepped over time", () => {
  manualSeed(11);
  const gru = new nn.GRU(3, 5);
  const cell = new nn.GRUCell(3, 5);
  cell.loadStateDict({ weight_ih: gru.stateDict().weight_ih_l0!, weight_hh: gru.stateDict().weight_hh_l0!, bias_ih: gru.stateDict().bias_ih_l0!, bias_hh: gru.stateDict().bias_hh_l0! });
  const x = randn([4, 2, 3]);
  const [out, hN] = gru.forward(x);
  let h = zeros([2, 5]);
  x.unbind(0).forEach((xt, t) => {
    h = cell.forward(xt, h);
    assertClose(out.select(0, t), h, { atol: 1e-6 });
  });
  assertClose(hN.select(0, 0), h, { atol: 1e-6 });
});

test("dropout between layers is active only in training mode", () => {
  manualSeed(5);
  const m = new nn.RNN(4, 8, { numLayers: 2, dropout: 0.5 });
  const x = randn([3, 2, 4]);
  m.eval();
  const [e1] = m.forward(x);
  const [e2] = m.forward(x);
  assertClose(e1, e2, { atol: 0, rtol: 0 });
  m.train();
  const [t1] = m.forward(x);
  assert.ok(flat(t1).some((v, i) => Math.abs(v - flat(e1)[i]!) > 1e-6), "training output differs from eval output");
  // only between layers: a 1-layer RNN with dropout is deterministic in training too
  const one = new nn.RNN(4, 8, { dropout: 0.5 });
  assertClose(one.forward(x)[0], one.forward(x)[0], { atol: 0, rtol: 0 });
});

test("gradcheck: a small bidirectional LSTM in float64 (input, initial states and weights)", () => {
  manualSeed(2);
  const m = new nn.LSTM(2, 3, { bidirectional: true }).double();
  const x = randn([3, 2, 2], { dtype: "float64", requiresGrad: true });
  const h0 = randn([2, 2, 3], { dtype: "float64", requiresGrad: true });
  const c0 = randn([2, 2, 3], { dtype: "float64", requiresGrad: true });
  const w = (m as any).weight_hh_l0_reverse as Tensor;
  assert.ok(autograd.gradcheck((xi, hi, ci) => {
    const [o, [h, c]] = m.forward(xi!, [hi!, ci!]);
    return [o, h, c];
  }, [x, h0, c0]));
  // a plain tensor may not replace a registered parameter (PyTorch's rule): unregister it first
  assert.ok(autograd.gradcheck((wi) => {
    delete (m as any).weight_hh_l0_reverse;
    (m as any).weight_hh_l0_reverse = wi;
    try {
      return m.forward(x.detach())[0];
    } finally {
      delete (m as any).weight_hh_l0_reverse;
      m.registerParameter("weight_hh_l0_reverse", w as nn.Parameter);
    }
  }, [w.detach().clone().requiresGrad_(true)]));
});

test("gradcheck: GRUCell and relu RNN in float64", () => {
  manualSeed(4);
  const cell = new nn.GRUCell(3, 2).double();
  const x = randn([2, 3], { dtype: "float64", requiresGrad: true });
  const h = randn([2, 2], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a, b) => cell.forward(a!, b!), [x, h]));
  const rnn = new nn.RNN(3, 2, { nonlinearity: "relu", numLayers: 2 }).double();
  assert.ok(autograd.gradcheck((a) => rnn.forward(a!)[0], [randn([4, 3], { dtype: "float64", requiresGrad: true })]));
});

test("errors name the expected and the received sizes", () => {
  const lstm = new nn.LSTM(10, 20, { numLayers: 2 });
  assert.throws(() => lstm.forward(randn([5, 3, 8])), (e: Error) => e instanceof ShapeError && /input_size. Expected 10, got 8/.test(e.message));
  assert.throws(() => lstm.forward(randn([2, 5, 3, 10])), (e: Error) => e instanceof ShapeError && /2-D or 3-D but received 4-D/.test(e.message));
  assert.throws(() => lstm.forward(randn([5, 3, 10]), [zeros([1, 3, 20]), zeros([2, 3, 20])]), (e: Error) => e instanceof ShapeError && /Expected hidden\[0\] size \[2, 3, 20\], got \[1, 3, 20\]/.test(e.message));
  assert.throws(() => lstm.forward(randn([5, 3, 10]), [zeros([2, 3, 20]), zeros([2, 4, 20])]), (e: Error) => e instanceof ShapeError && /hidden\[1\] size \[2, 3, 20\], got \[2, 4, 20\]/.test(e.message));
  assert.throws(() => new nn.GRU(4, 6).forward(randn([5, 4]), zeros([1, 2, 6])), (e: Error) => e instanceof ShapeError && /unbatched 2-D input, hx should also be 2-D/.test(e.message));
  assert.throws(() => new nn.GRU(4, 6).forward(randn([5, 4], { dtype: "float64" })), (e: Error) => e instanceof DTypeError && /float32.*got float64/.test(e.message));
  assert.throws(() => new nn.GRUCell(4, 6).forward(randn([2, 5])), (e: Error) => e instanceof ShapeError && /got 5 expected 4/.test(e.message));
  assert.throws(() => new nn.LSTMCell(4, 6).forward(randn([2, 4]), [zeros([2, 6]), zeros([3, 6])]), (e: Error) => e instanceof ShapeError && /hidden\[1\] size \[2, 6\], got \[3, 6\]/.test(e.message));
  assert.throws(() => new nn.RNN(4, 6, { nonlinearity: "gelu" as any }), FluxionError);
  assert.throws(() => new nn.LSTM(4, 6, { projSize: 6 }), /proj_size has to be smaller than hidden_size/);
  assert.throws(() => new nn.LSTM(4, 6, { dropout: 1.5 }), /dropout should be a number in range \[0, 1\]/);
});

test("unbatched input returns unbatched output and states", () => {
  manualSeed(9);
  const m = new nn.LSTM(3, 4, { numLayers: 2 });
  const x = randn([5, 3]);
  const [o, [h, c]] = m.forward(x);
  assert.deepEqual([[...o.shape], [...h.shape], [...c.shape]], [[5, 4], [2, 4], [2, 4]]);
  const [ob, [hb]] = m.forward(x.unsqueeze(1));
  assertClose(o, ob.squeeze(1), { atol: 1e-6 });
  assertClose(h, hb.squeeze(1), { atol: 1e-6 });
});

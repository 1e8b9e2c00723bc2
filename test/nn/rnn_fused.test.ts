/**
 * The fused recurrent layer (src/nn/functional/rnn.ts): values and every gradient against
 * the step-by-step Tensor-op reference in float64 for each mode, direction, projection and
 * bias setting; double backward (the createGraph path) by gradgradcheck; the work per step
 * counted with a dispatch layer (one recurrent GEMM and one fused cell each way, so time is
 * linear in the sequence length); float32 against PyTorch's float64 fixtures.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { addDispatchLayer, autograd, manualSeed, nn, randn, tensor, type Tensor } from "../../src/index.js";
import { rnnLayer, rnnLayerReference, type RnnLayerWeights } from "../../src/nn/functional/rnn.js";
import type { RnnCellMode } from "../../src/backend/rnn_cell.js";
import { assertClose } from "../helpers.js";

const GATES = { lstm: 4, gru: 3, tanh: 1, relu: 1 } as const;

interface Setup {
  x: Tensor;
  h0: Tensor;
  c0: Tensor | null;
  w: RnnLayerWeights;
}

function setup(mode: RnnCellMode, o: { T?: number; N?: number; I?: number; H?: number; proj?: number; bias?: boolean; dtype?: "float64" | "float32" } = {}): Setup {
  const { T = 5, N = 3, I = 4, H = 6, proj = 0, bias = true, dtype = "float64" } = o;
  const HO = proj || H, G = GATES[mode] * H;
  const p = (shape: number[]) => randn(shape, { dtype }).mul(0.5).requiresGrad_(true);
  return {
    x: p([T, N, I]),
    h0: p([N, HO]),
    c0: mode === "lstm" ? p([N, H]) : null,
    w: { wih: p([G, I]), whh: p([G, HO]), bih: bias ? p([G]) : null, bhh: bias ? p([G]) : null, whr: proj ? p([proj, H]) : null },
  };
}

const leaves = (s: Setup) => [s.x, s.h0, s.c0, s.w.wih, s.w.whh, s.w.bih, s.w.bhh, s.w.whr].filter((t): t is Tensor => t !== null);

/** The layer's outputs and the gradients of a random weighting of all of them w.r.t. every leaf. */
function outputsAndGrads(layer: typeof rnnLayer, mode: RnnCellMode, s: Setup, reverse: boolean, seed: number): Tensor[] {
  const r = layer(mode, s.x, s.h0, s.c0, s.w, reverse);
  const outs = [r.output, r.h, ...(r.c ? [r.c] : [])];
  manualSeed(seed);
  const loss = outs.map((o) => o.mul(randn(o.shape, { dtype: o.dtype })).sum()).reduce((a, b) => a.add(b));
  const grads = autograd.grad(loss, leaves(s), { allowUnused: true });
  return [...outs.map((o) => o.detach()), ...grads.map((g) => g!)];
}

for (const mode of ["lstm", "gru", "tanh", "relu"] as RnnCellMode[]) {
  test(`${mode}: the fused layer equals the step-by-step reference (values and all gradients, float64)`, () => {
    const variants = [
      { reverse: false, bias: true, proj: 0 },
      { reverse: true, bias: true, proj: 0 },
      { reverse: false, bias: false, proj: 0 },
      ...(mode === "lstm" ? [{ reverse: true, bias: true, proj: 2 }, { reverse: false, bias: false, proj: 3 }] : []),
    ];
    for (const v of variants) {
      manualSeed(10);
      const s = setup(mode, { bias: v.bias, proj: v.proj });
      const got = outputsAndGrads(rnnLayer, mode, s, v.reverse, 1);
      const want = outputsAndGrads(rnnLayerReference, mode, s, v.reverse, 1);
      assert.equal(got.length, want.length);
      got.forEach((g, k) => {
        assert.deepEqual([...g.shape], [...want[k]!.shape], `${JSON.stringify(v)} item ${k}`);
        assertClose(g, want[k], { atol: 1e-12, rtol: 1e-10, msg: `${mode} ${JSON.stringify(v)} item ${k}` });
      });
    }
  });
}

test("gradients flow only to the inputs that need them, and a used-once layer frees nothing early", () => {
  manualSeed(3);
  const s = setup("lstm");
  s.x.requiresGrad_(false);
  s.w.bih!.requiresGrad_(false);
  const r = rnnLayer("lstm", s.x, s.h0, s.c0, s.w, false);
  assert.equal(r.output.gradFn!.name, "LSTMLayerBackward0");
  r.h.sum().backward();
  assert.equal(s.x.grad, null);
  assert.equal(s.w.bih!.grad, null);
  assert.ok(s.w.bhh!.grad !== null && s.w.whh.grad !== null && s.c0!.grad !== null);
  assert.throws(() => r.c!.sum().backward(), /backward through the graph a second time/);
});

test("double backward through the fused layer (gradgradcheck, float64): LSTM with projection, GRU, tanh", () => {
  manualSeed(4);
  for (const [mode, proj] of [["lstm", 2], ["gru", 0], ["tanh", 0]] as const) {
    const s = setup(mode, { T: 3, N: 2, I: 2, H: 3, proj });
    const ins = leaves(s);
    const f = (...a: (Tensor | undefined)[]) => {
      let k = 0;
      const next = () => a[k++]!;
      const x = next(), h0 = next(), c0 = mode === "lstm" ? next() : null;
      const w = { wih: next(), whh: next(), bih: next(), bhh: next(), whr: proj ? next() : null };
      const r = rnnLayer(mode, x, h0, c0, w, true);
      return [r.output, r.h, ...(r.c ? [r.c] : [])];
    };
    assert.ok(autograd.gradcheck(f, ins), `${mode} gradcheck`);
    assert.ok(autograd.gradgradcheck(f, ins), `${mode} gradgradcheck`);
    // the createGraph path (a recomputation) gives the fused path's first derivatives
    const loss = () => f(...ins).map((o, k) => o.mul(k + 1).sin().sum()).reduce((p, q) => p.add(q));
    const plain = autograd.grad(loss(), ins);
    const recorded = autograd.grad(loss(), ins, { createGraph: true });
    recorded.forEach((g, k) => {
      assert.ok(g!.requiresGrad, `${mode} gradient ${k} is differentiable`);
      assertClose(g!.detach(), plain[k], { atol: 1e-12, msg: `${mode} createGraph gradient ${k}` });
    });
  }
});

test("per step: one recurrent GEMM and one fused cell forward, one cell gradient and one GEMM backward", () => {
  manualSeed(5);
  const count = (T: number) => {
    const s = setup("lstm", { T, dtype: "float32" });
    const calls: Record<string, number> = {};
    let largest = 0;
    const remove = addDispatchLayer((call, next) => {
      const outs = next(call);
      const key = call.op === "binary" ? `binary:${(call.attrs as { op: string }).op}` : call.op;
      calls[key] = (calls[key] ?? 0) + 1;
      if (call.op !== "view") for (const o of outs) largest = Math.max(largest, o.numel());
      return outs;
    });
    try {
      const r = rnnLayer("lstm", s.x, s.h0, s.c0, s.w, false);
      r.output.sum().add(r.h.sum()).add(r.c!.sum()).backward();
    } finally {
      remove();
    }
    return { calls, largest };
  };
  const a = count(10), b = count(20);
  assert.equal(a.calls.rnnCell, 10);
  assert.equal(a.calls.rnnCellBackward, 10);
  assert.equal(b.calls.rnnCell, 20);
  // forward: one GEMM per step plus the input projection; backward: one per step (the last,
  // into h0, too) plus dX, dW_ih, and dW_hh as the first step's term plus one over the rest
  assert.equal(a.calls.matmul, 10 + 1 + 10 + 4);
  assert.equal(b.calls.matmul - a.calls.matmul, 20, "10 more steps: 20 more GEMMs, nothing else grows");
  const total = (c: Record<string, number>) => Object.values(c).reduce((x, y) => x + y, 0);
  const perStep = (total(b.calls) - total(a.calls)) / 10;
  assert.ok(perStep <= 8, `${perStep} dispatches per step`);
  // nothing bigger than the [T, N, 4H] projection and its gradient (no per-step full-size buffers)
  assert.equal(b.largest, 20 * 3 * 4 * 6);
});

interface Enc {
  shape: number[];
  v: number[];
}
test("float32 fused layers match PyTorch's float64 fixtures to float32 precision", () => {
  const ref = JSON.parse(readFileSync(new URL("../fixtures/nn_rnn_reference.json", import.meta.url), "utf8")) as {
    seq: { name: string; cls: string; args: number[]; kwargs: Record<string, unknown>; train: boolean; stateDict: Record<string, Enc>; input: Enc; hx: Enc[] | null; out: Enc; states: Enc[]; gOut: Enc; gStates: Enc[]; gradInput: Enc; gradParams: Record<string, Enc> }[];
  };
  const dec = (e: Enc) => tensor(e.v, { shape: e.shape });
  for (const c of ref.seq) {
    const m = new (nn as any)[c.cls](...c.args, c.kwargs) as nn.Module;
    m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, dec(v)])));
    m.train(c.train);
    const x = dec(c.input).requiresGrad_(true);
    const hx = c.hx?.map(dec);
    const [out, st] = m.forward(x, hx === undefined ? undefined : c.cls === "LSTM" ? hx : hx[0]) as [Tensor, Tensor | Tensor[]];
    const states = Array.isArray(st) ? st : [st];
    const tol = { atol: 2e-6, rtol: 1e-5 };
    assertClose(out, c.out.v, { ...tol, msg: `${c.name} output` });
    states.forEach((s, i) => assertClose(s, c.states[i]!.v, { ...tol, msg: `${c.name} state ${i}` }));
    let loss = out.mul(dec(c.gOut)).sum();
    states.forEach((s, i) => (loss = loss.add(s.mul(dec(c.gStates[i]!)).sum())));
    loss.backward();
    assertClose(x.grad, c.gradInput.v, { atol: 1e-5, rtol: 1e-4, msg: `${c.name} grad input` });
    const params = Object.fromEntries(m.namedParameters());
    for (const [k, g] of Object.entries(c.gradParams)) assertClose(params[k]!.grad, g.v, { atol: 1e-5, rtol: 1e-4, msg: `${c.name} grad ${k}` });
  }
});

test("the cells are the layer over one step: LSTMCell equals one step of the reference", () => {
  manualSeed(6);
  const cell = new nn.LSTMCell(4, 5).double();
  const x = randn([3, 4], { dtype: "float64" }), h = randn([3, 5], { dtype: "float64" }), c = randn([3, 5], { dtype: "float64" });
  const [h2, c2] = cell.forward(x, [h, c]);
  const r = rnnLayerReference("lstm", x.unsqueeze(0), h, c, { wih: cell.weight_ih, whh: cell.weight_hh, bih: cell.bias_ih, bhh: cell.bias_hh, whr: null }, false);
  assertClose(h2, r.h, { atol: 1e-14 });
  assertClose(c2, r.c, { atol: 1e-14 });
  assert.equal(h2.gradFn!.name, "LSTMLayerBackward0");
});

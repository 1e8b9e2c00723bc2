/**
 * Attention (src/nn/functional/attention.ts, src/nn/layers/transformer.ts) against PyTorch:
 * F.scaledDotProductAttention against torch 2.x's documented math, MultiheadAttention and
 * the transformer encoder against PyTorch 1.13 modules (nn_attention_reference.json, float64,
 * PyTorch's weights loaded through loadStateDict): outputs, attention weights, gradients,
 * printing, stateDict keys, errors and gradcheck.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nn, autograd, manualSeed, randn, tensor, zeros, ones, type Tensor, DTypeError, ShapeError, FluxionError } from "../../src/index.js";
import { assertClose, flat } from "../helpers.js";

interface Enc {
  shape: number[];
  v: (number | string)[];
  dtype?: "bool";
}
const ref: { sdpa: any[]; mha: any[]; encoder: any[]; reprs: { name: string; repr: string; stateDictKeys: string[]; paramShapes: number[][] }[] } = JSON.parse(
  readFileSync(new URL("../fixtures/nn_attention_reference.json", import.meta.url), "utf8"),
);
const F = nn.F;
const TOL = { atol: 1e-10, rtol: 1e-8 };

function dec(e: Enc, requiresGrad = false): Tensor {
  if (e.dtype === "bool") return tensor(e.v.map(Boolean), { shape: e.shape, dtype: "bool" });
  // the fixture writes infinities as strings ("-inf")
  const t = tensor(e.v.map((x) => (typeof x === "string" ? (x.startsWith("-") ? -Infinity : x === "nan" ? NaN : Infinity) : x)), { shape: e.shape, dtype: "float64" });
  return requiresGrad ? t.requiresGrad_(true) : t;
}
const decOpt = (e: Enc | null) => (e ? dec(e) : null);
const decSd = (sd: Record<string, Enc>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, dec(v)]));

function checkGrads(m: nn.Module, expected: Record<string, Enc>): void {
  const params = Object.fromEntries(m.namedParameters());
  for (const [k, g] of Object.entries(expected)) assertClose(params[k]!.grad, g.v, { ...TOL, msg: `grad ${k}` });
}

for (const c of ref.sdpa) {
  test(`scaledDotProductAttention matches torch 2.x math: ${c.name}`, () => {
    const [q, k, v] = [dec(c.q, true), dec(c.k, true), dec(c.v, true)];
    const out = F.scaledDotProductAttention(q, k, v, { attnMask: decOpt(c.mask), isCausal: c.isCausal, scale: c.scale });
    assert.deepEqual([...out.shape], c.out.shape);
    assertClose(out, c.out.v, TOL);
    out.mul(dec(c.g)).sum().backward();
    [q, k, v].forEach((t, i) => assertClose(t.grad, c.grads[i].v, { ...TOL, msg: `grad ${"qkv"[i]}` }));
  });
}

for (const c of ref.mha) {
  test(`MultiheadAttention matches PyTorch: ${c.name} (output, weights, gradients)`, () => {
    const m = new nn.MultiheadAttention(c.E, c.H, c.kwargs).double();
    m.loadStateDict(decSd(c.stateDict));
    m.eval();
    const q = dec(c.q, true);
    const k = c.selfAttn ? q : dec(c.k, true);
    const v = c.selfAttn || c.sameKv ? k : dec(c.v, true);
    const [out, w] = m.forward(q, k, v, { attnMask: decOpt(c.attnMask), keyPaddingMask: decOpt(c.kpm), averageAttnWeights: c.average });
    assert.deepEqual([...out.shape], c.out.shape, "output shape");
    assertClose(out, c.out.v, { ...TOL, msg: "output" });
    assert.deepEqual([...w!.shape], c.weights.shape, "weights shape");
    assertClose(w, c.weights.v, { ...TOL, msg: "weights" });
    out.mul(dec(c.g)).sum().add(w!.mul(dec(c.gw)).sum()).backward();
    assertClose(q.grad, c.gradQ.v, { ...TOL, msg: "grad query" });
    if (!c.selfAttn) assertClose(k.grad, c.gradK.v, { ...TOL, msg: "grad key" });
    if (!c.selfAttn && !c.sameKv) assertClose(v.grad, c.gradV.v, { ...TOL, msg: "grad value" });
    checkGrads(m, c.gradParams);
    // needWeights: false gives the same output and no weights
    const [out2, w2] = m.forward(q, k, v, { attnMask: decOpt(c.attnMask), keyPaddingMask: decOpt(c.kpm), needWeights: false });
    assert.equal(w2, null);
    assertClose(out2, c.out.v, TOL);
  });
}

for (const c of ref.encoder) {
  test(`Transformer encoder matches PyTorch in eval mode: ${c.name}`, () => {
    const layer = new nn.TransformerEncoderLayer(c.dModel, c.nhead, { ...c.kwargs, dtype: "float64" });
    const m: nn.Module = c.layers ? new nn.TransformerEncoder(layer, c.layers, { norm: c.finalNorm ? new nn.LayerNorm(c.dModel, { dtype: "float64" }) : null }) : layer;
    m.loadStateDict(decSd(c.stateDict));
    m.eval();
    const x = dec(c.x, true);
    const out: Tensor = c.layers
      ? (m as nn.TransformerEncoder).forward(x, { mask: decOpt(c.srcMask), srcKeyPaddingMask: decOpt(c.kpm) })
      : (m as nn.TransformerEncoderLayer).forward(x, { srcMask: decOpt(c.srcMask), srcKeyPaddingMask: decOpt(c.kpm) });
    assert.deepEqual([...out.shape], c.out.shape);
    assertClose(out, c.out.v, { ...TOL, msg: "output" });
    out.mul(dec(c.g)).sum().backward();
    assertClose(x.grad, c.gradX.v, { ...TOL, msg: "grad x" });
    checkGrads(m, c.gradParams);
  });
}

test("printing, stateDict keys and parameter shapes match PyTorch", () => {
  const build: Record<string, () => nn.Module> = {
    mha: () => new nn.MultiheadAttention(16, 4),
    mha_kdim: () => new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 3, bias: false, addBiasKv: true }),
    encoder_layer: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }),
    encoder_layer_gelu: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, activation: "gelu", normFirst: true }),
    encoder: () => new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2, { norm: new nn.LayerNorm(8) }),
  };
  for (const r of ref.reprs) {
    const m = build[r.name]!();
    assert.equal(m.toString(), r.repr, r.name);
    assert.deepEqual(Object.keys(m.stateDict()), r.stateDictKeys, r.name);
    assert.deepEqual(m.parameters().map((p) => [...p.shape]), r.paramShapes, r.name);
  }
});

test("MultiheadAttention default init: xavier-uniform in_proj_weight, zero biases", () => {
  manualSeed(1);
  const m = new nn.MultiheadAttention(16, 4);
  const bound = Math.sqrt(6 / (16 + 48));
  const w = flat(m.in_proj_weight);
  assert.ok(w.every((x) => Math.abs(x) <= bound) && Math.max(...w.map(Math.abs)) > 0.9 * bound);
  assert.ok(flat(m.in_proj_bias).every((x) => x === 0));
  assert.ok(flat(m.out_proj.bias).every((x) => x === 0));
});

test("scaledDotProductAttention: a bool mask equals the matching -inf float mask; isCausal equals the tril mask", () => {
  manualSeed(3);
  const q = randn([2, 4, 3]), k = randn([2, 4, 3]), v = randn([2, 4, 5]);
  const allowed = ones([4, 4], { dtype: "bool" }).tril();
  const asFloat = zeros([4, 4]).maskedFill(allowed.logicalNot(), -Infinity);
  const a = F.scaledDotProductAttention(q, k, v, { attnMask: allowed });
  assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: asFloat }), a, { atol: 1e-6 });
  assertClose(F.scaledDotProductAttention(q, k, v, { isCausal: true }), a, { atol: 1e-6 });
  // the first query sees only the first key: its output is v's first row
  assertClose(a.select(1, 0), v.select(1, 0), { atol: 1e-6 });
});

test("scaledDotProductAttention: dropoutP zeroes weights and rescales the rest", () => {
  manualSeed(4);
  const q = randn([1, 3, 2]), k = randn([1, 6, 2]);
  const v = zeros([1, 6, 6]).add(tensor([[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1]]));
  // with v = I the output rows are the (dropped-out) attention weights themselves
  const full = F.scaledDotProductAttention(q, k, v);
  const dropped = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 });
  const f = flat(full), d = flat(dropped);
  assert.ok(d.some((x) => x === 0), "some weights dropped");
  d.forEach((x, i) => assert.ok(x === 0 || Math.abs(x - 2 * f[i]!) < 1e-6, `kept weight ${i} doubled`));
});

test("gradcheck: scaledDotProductAttention with a float mask and MultiheadAttention in float64", () => {
  manualSeed(5);
  const q = randn([2, 3, 4], { dtype: "float64", requiresGrad: true });
  const k = randn([2, 5, 4], { dtype: "float64", requiresGrad: true });
  const v = randn([2, 5, 2], { dtype: "float64", requiresGrad: true });
  const mask = randn([3, 5], { dtype: "float64" });
  assert.ok(autograd.gradcheck((a, b, c) => F.scaledDotProductAttention(a!, b!, c!, { attnMask: mask, scale: 0.7 }), [q, k, v]));
  const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true }).double();
  const kpm = tensor([[false, false, false, true, true], [false, false, false, false, false]]);
  const x = randn([2, 3, 4], { dtype: "float64", requiresGrad: true });
  const kv = randn([2, 5, 4], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a, b) => {
    const [o, w] = mha.forward(a!, b!, b!, { keyPaddingMask: kpm });
    return [o, w!];
  }, [x, kv]));
});

test("MultiheadAttention: a key padding mask makes padded keys irrelevant", () => {
  manualSeed(6);
  const m = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  const q = randn([1, 3, 8]), kv = randn([1, 5, 8]);
  const kpm = tensor([[false, false, false, true, true]]);
  const [o1, w1] = m.forward(q, kv, kv, { keyPaddingMask: kpm });
  const kv2 = kv.clone();
  kv2.narrow(1, 3, 2).fill_(100);
  const [o2] = m.forward(q, kv2, kv2, { keyPaddingMask: kpm });
  assertClose(o2, o1, { atol: 1e-5 });
  assert.ok(flat(w1!.narrow(2, 3, 2)).every((x) => x === 0), "padded keys get zero weight");
  const [o3] = m.forward(q, kv.narrow(1, 0, 3), kv.narrow(1, 0, 3));
  assertClose(o3, o1, { atol: 1e-5 });
});

test("MultiheadAttention: isCausal without a mask builds the causal mask", () => {
  manualSeed(7);
  const m = new nn.MultiheadAttention(8, 2);
  const x = randn([4, 2, 8]);
  const causal = ones([4, 4], { dtype: "bool" }).triu(1);
  const [a, wa] = m.forward(x, x, x, { attnMask: causal });
  const [b, wb] = m.forward(x, x, x, { isCausal: true });
  assertClose(b, a, { atol: 1e-6 });
  assertClose(wb, wa, { atol: 1e-6 });
});

test("TransformerEncoderLayer: dropout only in training mode; clone copies values", () => {
  manualSeed(8);
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5, batchFirst: true });
  const x = randn([2, 4, 8]);
  layer.eval();
  const e = layer.forward(x);
  assertClose(layer.forward(x), e, { atol: 0, rtol: 0 });
  layer.train();
  assert.ok(flat(layer.forward(x)).some((v, i) => Math.abs(v - flat(e)[i]!) > 1e-6));
  const copy = layer.clone().eval();
  assertClose(copy.forward(x), e, { atol: 1e-6 });
  assert.notEqual(copy.linear1.weight, layer.linear1.weight, "the clone owns its parameters");
});

test("errors name the expected and received shapes", () => {
  const m = new nn.MultiheadAttention(8, 2);
  const x = randn([4, 3, 8]);
  assert.throws(() => m.forward(randn([4, 3, 6]), x, x), (e: Error) => e instanceof ShapeError && /expecting embedding dimension of 8, but got 6/.test(e.message));
  assert.throws(() => m.forward(x, x, x, { attnMask: zeros([4, 5]) }), (e: Error) => e instanceof ShapeError && /attn_mask is \[4, 5\], but should be \[4, 4\] or \[6, 4, 4\]/.test(e.message));
  assert.throws(() => m.forward(x, x, x, { keyPaddingMask: zeros([4, 3], { dtype: "bool" }) }), (e: Error) => e instanceof ShapeError && /key_padding_mask shape of \[3, 4\].*got \[4, 3\]/.test(e.message));
  assert.throws(() => m.forward(x, randn([5, 3, 8]), randn([6, 3, 8])), (e: Error) => e instanceof ShapeError && /do not match value's/.test(e.message));
  assert.throws(() => new nn.MultiheadAttention(10, 3), /divisible by num_heads/);
  assert.throws(() => F.scaledDotProductAttention(randn([2, 3]), randn([4, 5]), randn([4, 5])), (e: Error) => e instanceof ShapeError && /must share E/.test(e.message));
  assert.throws(() => F.scaledDotProductAttention(randn([2, 3]), randn([4, 3]), randn([4, 5]), { attnMask: ones([3, 4], { dtype: "bool" }) }), (e: Error) => e instanceof ShapeError && /cannot be broadcast/.test(e.message));
  assert.throws(() => F.scaledDotProductAttention(randn([2, 3]), randn([2, 3]), randn([2, 3]), { isCausal: true, attnMask: ones([2, 2], { dtype: "bool" }) }), FluxionError);
  assert.throws(() => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as any }), /TransformerEncoderLayer\(\): option 'activation' must be "relu" or "gelu" or Callable, but got string "tanh"/);
});

test("float masks of another float dtype: MultiheadAttention casts them to its dtype (PyTorch 1.13); scaledDotProductAttention takes bool, float32 or the query's dtype (torch 2.x's check)", () => {
  manualSeed(11);
  const m = new nn.MultiheadAttention(4, 2, { batchFirst: true });
  const q = randn([2, 3, 4]);
  const kpm = tensor([[0, 0, -Infinity], [0, -2, 0]]), attn = randn([3, 3]);
  const [o32, w32] = m(q, q, q, { keyPaddingMask: kpm, attnMask: attn });
  const [o64, w64] = m(q, q, q, { keyPaddingMask: kpm.double(), attnMask: attn.double() });
  assert.equal(o64.dtype, "float32");
  assert.equal(w64!.dtype, "float32");
  assertClose(o64, o32, { atol: 1e-6 });
  assertClose(w64!, w32!, { atol: 1e-6 });
  assertClose(m(q, q, q, { attnMask: attn.half(), needWeights: false })[0], m(q, q, q, { attnMask: attn.half().float(), needWeights: false })[0], { atol: 1e-6 });

  const x = randn([2, 3, 4]), mask = randn([3, 3]);
  const ref = F.scaledDotProductAttention(x, x, x, { attnMask: mask });
  const x16 = x.half();
  assert.equal(F.scaledDotProductAttention(x16, x16, x16, { attnMask: mask }).dtype, "float16"); // a float32 mask with a float16 query
  assertClose(F.scaledDotProductAttention(x.double(), x.double(), x.double(), { attnMask: mask.double() }), ref, { atol: 1e-5 });
  assert.throws(() => F.scaledDotProductAttention(x, x, x, { attnMask: mask.double() }),
    (e: Error) => e instanceof DTypeError && /scaledDotProductAttention: Expected attnMask dtype to be bool or float32 or to match query dtype, but got attnMask.dtype: float64 and query.dtype: float32/.test(e.message));
  assert.throws(() => m(q, q, q, { attnMask: zeros([3, 3], { dtype: "int64" }) }), (e: Error) => e instanceof DTypeError && /only bool and floating-point types are supported for attn_mask, got int64/.test(e.message));
});

// The nn API-completeness additions against PyTorch 1.13 (fixtures/nn_compat_torch.json, made by
// fixtures/nn_compat_torch.py): F's in-place activations and their autograd rules, the
// *WithIndices poolings, F.fractionalMaxPool3d, F.multiHeadAttentionForward, F.pdist,
// F.nativeChannelShuffle.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { AutogradError, FluxionError, nn, tensor, randn, pdist, type Tensor } from "../../src/index.js";
import { registeredOps } from "../../src/api/registry.js";
import { assertClose, assertShape, flat } from "../helpers.js";
import { camel as pyCamel, declaredOp, differences } from "../fixtures/api_signatures.js";

const F = nn.F;
type Enc = { shape: number[]; v: number[] };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const REF: any = JSON.parse(readFileSync(new URL("../fixtures/nn_compat_torch.json", import.meta.url), "utf8"));
const t64 = (e: Enc, requiresGrad = false) => tensor(e.v, { shape: e.shape, dtype: "float64", requiresGrad });
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const Fn = F as unknown as Record<string, (...a: unknown[]) => unknown>;

describe("declarations", () => {
  it("the new F functions are declared in PyTorch 1.13's positional order with its defaults", () => {
    const mismatches: string[] = [];
    for (const [pyName, py] of Object.entries(REF.f_signatures as Record<string, Parameters<typeof differences>[1]>)) {
      const sig = declaredOp("nn.functional", pyCamel(pyName));
      if (!sig) mismatches.push(`F.${pyCamel(pyName)}: not declared`);
      else for (const d of differences(sig, py)) mismatches.push(`F.${pyCamel(pyName)}: ${d}`);
    }
    assert.deepEqual(mismatches, []);
  });
});

describe("F in-place activations", () => {
  const { x, gout, cases } = REF.inplace as { x: Enc; gout: Enc; cases: { fn: string; args: number[]; out: Enc; grad: Enc }[] };
  for (const c of cases) {
    it(`F.${camel(c.fn)} writes into its input and matches PyTorch's values and gradient`, () => {
      const leaf = t64(x, true);
      const y = leaf.mul(1);
      const r = Fn[camel(c.fn)]!(y, ...c.args) as Tensor;
      assert.equal(r, y, "returns its input");
      assertClose(r, c.out.v, { atol: 1e-12, rtol: 1e-12 });
      r.mul(t64(gout)).sum().backward();
      // PyTorch's celu backward scales by 1 / alpha rounded to float32 (derivatives.yaml's 1.0/alpha.toFloat()), in every dtype
      const tol = c.fn === "celu_" ? 1e-7 : 1e-12;
      assertClose(leaf.grad!, c.grad.v, { atol: tol, rtol: tol });
    });
  }
  it("each equals the out-of-place function with inplace=true", () => {
    const a = randn([4, 3]), b = a.clone();
    F.elu(a, 0.5, true);
    F.elu_(b, 0.5);
    assertClose(a, flat(b));
    const c = randn([4, 3]);
    const d = c.clone();
    F.threshold(c, 0.2, -3, true);
    F.threshold_(d, 0.2, -3);
    assertClose(c, flat(d));
  });
  it("refuse a leaf that requires grad, as PyTorch", () => {
    const leaf = randn([3], { requiresGrad: true });
    for (const f of [() => F.relu_(leaf), () => F.elu_(leaf), () => F.threshold_(leaf, 0, 0), () => F.hardtanh_(leaf), () => F.selu_(leaf)]) {
      assert.throws(f, (e: unknown) => e instanceof AutogradError && /a leaf Variable that requires grad is being used in an in-place operation/.test((e as Error).message));
    }
  });
  it("overwriting a tensor another op saved makes that op's backward refuse", () => {
    const x = randn([3], { requiresGrad: true });
    const y = x.sigmoid();
    F.relu_(y);
    assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
  });
  it("a negative slope runs forward but its in-place gradient is refused, with PyTorch's messages", () => {
    const cases: [string, (y: Tensor) => Tensor, RegExp][] = [
      ["leakyRelu_", (y) => F.leakyRelu_(y, -0.2), /In-place leakyReLu backward calculation is triggered with a negative slope/],
      ["leakyRelu inplace", (y) => F.leakyRelu(y, -0.2, true), /In-place leakyReLu backward/],
      ["elu_", (y) => F.elu_(y, -0.7), /In-place elu backward calculation is triggered with a negative slope/],
      ["elu inplace", (y) => F.elu(y, -0.7, true), /In-place elu backward/],
      ["celu_", (y) => F.celu_(y, -0.7), /In-place elu backward/],
      ["rrelu_ eval", (y) => F.rrelu_(y, -0.3, -0.1), /In-place leakyReLu backward/],
      ["nn.ELU inplace", (y) => new nn.ELU(-1, true).forward(y), /In-place elu backward/],
    ];
    for (const [name, f, msg] of cases) {
      const x = tensor([-2, -0.5, 0.5, 2], { requiresGrad: true });
      const y = x.mul(1);
      const r = f(y);
      assert.equal(r, y, name);
      assert.throws(() => r.sum().backward(), (e: unknown) => e instanceof AutogradError && msg.test((e as Error).message), name);
    }
    // without autograd a negative slope is fine
    const z = tensor([-2, 2]);
    assertClose(F.leakyRelu_(z, -0.5), [1, 2]);
    // rrelu_ in training with negative slopes differentiates (the noise is saved, not the output)
    const x = tensor([-2, 1], { requiresGrad: true });
    const r = F.rrelu_(x.mul(1), -0.3, -0.1, true);
    r.sum().backward();
    assert.ok(flat(x.grad!)[0]! <= -0.1 && flat(x.grad!)[0]! >= -0.3);
  });
  it("check their arguments as the out-of-place forms", () => {
    assert.throws(() => F.celu_(randn([2]), 0), (e: unknown) => e instanceof FluxionError && /alpha cannot be 0 for CELU/.test((e as Error).message));
    assert.throws(() => F.rrelu_(randn([2]), 0.5, 0.2), /Lower bound should be less than or equal to the upper bound/);
    assert.throws(() => F.elu_(tensor([1, -2], { dtype: "int64" })), /elu_.*can't be cast/);
    assert.throws(() => (F.relu_ as (...a: unknown[]) => unknown)([1, 2]), /relu_\(\)/);
  });
});

describe("the *WithIndices poolings", () => {
  const x = randn([2, 3, 6, 7]);
  it("maxPool{1,2,3}dWithIndices always return [output, indices] equal to returnIndices=true", () => {
    const [o, i] = F.maxPool2dWithIndices(x, 3, 2, 1);
    const [o2, i2] = F.maxPool2d(x, 3, { stride: 2, padding: 1, returnIndices: true });
    assert.deepEqual(flat(o), flat(o2));
    assert.deepEqual(flat(i), flat(i2));
    const [o1, i1] = F.maxPool1dWithIndices(x.flatten(2), 4);
    assertShape(o1, [2, 3, 10]);
    assertShape(i1, [2, 3, 10]);
    const [o3, i3] = F.maxPool3dWithIndices(x.unsqueeze(0), 2, { returnIndices: false });
    assertShape(o3, [1, 2, 1, 3, 3]);
    assertShape(i3, [1, 2, 1, 3, 3]);
  });
  it("adaptiveMaxPool{1,2,3}dWithIndices always return [output, indices]", () => {
    const [o, i] = F.adaptiveMaxPool2dWithIndices(x, [3, null]);
    const [o2, i2] = F.adaptiveMaxPool2d(x, [3, null], true);
    assert.deepEqual(flat(o), flat(o2));
    assert.deepEqual(flat(i), flat(i2));
    assertShape(F.adaptiveMaxPool1dWithIndices(x.flatten(2), 5)[1], [2, 3, 5]);
    assertShape(F.adaptiveMaxPool3dWithIndices(x.unsqueeze(0), 2)[0], [1, 2, 2, 2, 2]);
  });
  it("check their arguments", () => {
    assert.throws(() => F.maxPool2dWithIndices(x, 0), /maxPool2dWithIndices/);
    assert.throws(() => F.adaptiveMaxPool1dWithIndices(randn([3]), 2), /adaptiveMaxPool1d/);
  });
});

describe("F.fractionalMaxPool3d", () => {
  const R = REF.fmp3d;
  const samples = t64(R.samples);
  R.cases.forEach((c: { k: number | number[]; kw: Record<string, unknown>; out: Enc; idx: Enc; gout: Enc; grad: Enc }, n: number) => {
    it(`case ${n}: values, indices and gradient match PyTorch's with the same samples`, () => {
      const x = t64(R.x, true);
      const [o, i] = F.fractionalMaxPool3d(x, c.k as number, { ...c.kw, returnIndices: true, _randomSamples: samples });
      assertShape(o, c.out.shape);
      assertClose(o, c.out.v, { atol: 0, rtol: 0 });
      assert.deepEqual(flat(i), c.idx.v);
      o.mul(t64(c.gout)).sum().backward();
      assertClose(x.grad!, c.grad.v, { atol: 1e-12 });
    });
  });
  it("unbatched [C, T, H, W] input", () => {
    const [o, i] = F.fractionalMaxPool3d(t64(R.x).select(0, 0), 2, { outputSize: [3, 3, 3], returnIndices: true, _randomSamples: samples.narrow(0, 0, 1) });
    assertClose(o, R.unbatched.out.v, { atol: 0, rtol: 0 });
    assert.deepEqual(flat(i), R.unbatched.idx.v);
  });
  it("the *WithIndices forms and the module", () => {
    const x = t64(R.x);
    const [o2, i2] = F.fractionalMaxPool2dWithIndices(x.select(2, 0), 2, [4, 5], null, false, samples.narrow(2, 0, 2).contiguous());
    assertClose(o2, REF.fmp2d_with_indices.out.v, { atol: 0, rtol: 0 });
    assert.deepEqual(flat(i2), REF.fmp2d_with_indices.idx.v);
    const [o3] = F.fractionalMaxPool3dWithIndices(x, 2, { outputSize: [4, 3, 5], _randomSamples: samples });
    assertClose(o3, REF.fmp3d.cases[0].out.v, { atol: 0, rtol: 0 });
    const m = new nn.FractionalMaxPool3d(2, { outputRatio: 0.5 });
    assertShape(m.forward(x) as Tensor, [2, 3, 3, 3, 4]);
    assert.throws(() => new nn.FractionalMaxPool3d(2), /FractionalMaxPool3d requires specifying either an output size, or a pooling ratio/);
  });
  it("checks its arguments", () => {
    const x = randn([1, 2, 5, 5, 5]);
    assert.throws(() => F.fractionalMaxPool3d(randn([2, 5, 5]), 2, { outputSize: 2 }), /fractionalMaxPool3d: Expected 4D or 5D tensor/);
    assert.throws(() => F.fractionalMaxPool3d(x, 2), /requires specifying either an outputSize or an outputRatio/);
    assert.throws(() => F.fractionalMaxPool3d(x, 3, { outputSize: [4, 2, 2] }), /pool time 3 too large relative to input time 5/);
    assert.throws(() => F.fractionalMaxPool3d(x, 2, { outputSize: 2, _randomSamples: randn([1, 2, 2]) }), /_randomSamples of shape \[1, 2, 3\]/);
  });
});

describe("F.multiHeadAttentionForward", () => {
  const R = REF.mha;
  const W = Object.fromEntries(Object.entries(R.W as Record<string, Enc>).map(([k, e]) => [k, t64(e)]));
  const q = t64(R.q), k = t64(R.k), v = t64(R.v);
  const attnMask = t64(R.attn_mask).to("bool"), kpm = t64(R.kpm).to("bool");
  type Opts = Record<string, unknown>;
  const call = (qq: Tensor, kk: Tensor, vv: Tensor, o: Opts = {}) => {
    const { inProjWeight, biasK = null, biasV = null, addZeroAttn = false, outProjWeight = W.out_w, ...rest } = o;
    return F.multiHeadAttentionForward(qq, kk, vv, 8, 2, (inProjWeight === undefined ? W.in_w : inProjWeight) as Tensor | null, W.in_b!, biasK as Tensor | null,
      biasV as Tensor | null, addZeroAttn as boolean, 0, outProjWeight as Tensor, W.out_b!, rest);
  };
  const byName = Object.fromEntries((R.cases as { name: string }[]).map((c) => [c.name, c])) as unknown as Record<string, { out: Enc; w: Enc | null; gout?: Enc; grads?: Record<string, Enc> }>;
  const check = (name: string, [o, w]: [Tensor, Tensor | null]) => {
    const c = byName[name]!;
    assertShape(o, c.out.shape);
    assertClose(o, c.out.v, { atol: 1e-10, rtol: 1e-10, msg: name });
    if (c.w === null) assert.equal(w, null);
    else assertClose(w!, c.w.v, { atol: 1e-10, rtol: 1e-10, msg: `${name} weights` });
  };
  it("self-attention, values and gradients", () => {
    const inW = W.in_w!.clone().requiresGrad_(), outW = W.out_w!.clone().requiresGrad_();
    const r = call(q, q, q, { inProjWeight: inW, outProjWeight: outW });
    check("self", r);
    r[0].mul(t64(byName.self!.gout!)).sum().backward();
    assertClose(inW.grad!, byName.self!.grads!.in_proj_weight!.v, { atol: 1e-10 });
    assertClose(outW.grad!, byName.self!.grads!.out_proj_weight!.v, { atol: 1e-10 });
  });
  it("cross-attention with per-head weights; key is value; bool attnMask", () => {
    check("cross", call(q, k, v, { averageAttnWeights: false }));
    check("kv_same", call(q, k, k, { attnMask }));
  });
  it("biasK/biasV, addZeroAttn, keyPaddingMask and a float [N·H, L, S] mask", () => {
    const bk = W.bias_k!.clone().requiresGrad_();
    const r = call(q, k, v, { biasK: bk, biasV: W.bias_v, addZeroAttn: true, keyPaddingMask: kpm, attnMask: t64(R.float_mask) });
    check("masks_bias_zero", r);
    r[0].mul(t64(byName.masks_bias_zero!.gout!)).sum().backward();
    assertClose(bk.grad!, byName.masks_bias_zero!.grads!.bias_k!.v, { atol: 1e-10 });
  });
  it("separate projection weights (kdim, vdim), static keys/values, needWeights=false, unbatched", () => {
    const kw = W.kw!.clone().requiresGrad_();
    const r = call(q, t64(R.k2), t64(R.v2), { inProjWeight: null, useSeparateProjWeight: true, qProjWeight: W.qw, kProjWeight: kw, vProjWeight: W.vw });
    check("separate", r);
    r[0].mul(t64(byName.separate!.gout!)).sum().backward();
    assertClose(kw.grad!, byName.separate!.grads!.k_proj_weight!.v, { atol: 1e-10 });
    check("static", call(q, k, v, { staticK: t64(R.static_k), staticV: t64(R.static_v) }));
    check("no_weights", call(q, k, v, { needWeights: false }));
    check("unbatched", call(q.select(1, 0), k.select(1, 0), v.select(1, 0), { keyPaddingMask: kpm.select(0, 0), attnMask }));
  });
  it("nn.MultiheadAttention gives what the functional form gives with its weights", () => {
    const mha = new nn.MultiheadAttention(8, 2, { dtype: "float64" });
    const [a, wa] = mha.forward(q, k, v, { attnMask });
    const [b, wb] = F.multiHeadAttentionForward(q, k, v, 8, 2, mha.in_proj_weight, mha.in_proj_bias, null, null, false, 0, mha.out_proj.weight, mha.out_proj.bias, { attnMask });
    assertClose(a, flat(b), { atol: 1e-12 });
    assertClose(wa!, flat(wb), { atol: 1e-12 });
  });
  it("checks its arguments with PyTorch's messages", () => {
    assert.throws(() => call(q, k, v.narrow(0, 0, 4)), /multiHeadAttentionForward: key shape \[5, 3, 8\] does not match value shape \[4, 3, 8\]/);
    assert.throws(() => F.multiHeadAttentionForward(q, k, v, 6, 2, W.in_w!, W.in_b!, null, null, false, 0, W.out_w!, W.out_b!), /was expecting embedding dimension of 6, but got 8/);
    assert.throws(() => F.multiHeadAttentionForward(q, k, v, 8, 3, W.in_w!, W.in_b!, null, null, false, 0, W.out_w!, W.out_b!), /embed_dim 8 not divisible by num_heads 3/);
    assert.throws(() => call(q, k, v, { staticK: randn([5, 6, 4], { dtype: "float64" }) }), /expecting static_k.size\(0\) of 6, but got 5/);
    assert.throws(() => call(q, k, v, { biasK: W.bias_k, biasV: W.bias_v, staticK: t64(R.static_k) }), /bias cannot be added to static key/);
    assert.throws(() => call(q, k, v, { attnMask: attnMask.narrow(0, 0, 2) }), /The shape of the attn_mask is \[2, 5\], but should be \[4, 5\] or \[6, 4, 5\]/);
  });
});

describe("F.pdist and F.nativeChannelShuffle", () => {
  it("F.pdist is torch.pdist", () => {
    const x = randn([4, 3]);
    assert.deepEqual(flat(F.pdist(x, 1.5)), flat(pdist(x, 1.5)));
    assertShape(F.pdist(x), [6]);
    assert.throws(() => F.pdist(randn([3])), /pdist only supports 2D tensors/);
  });
  it("F.nativeChannelShuffle equals F.channelShuffle and checks as it does", () => {
    const x = randn([2, 6, 3]);
    assert.deepEqual(flat(F.nativeChannelShuffle(x, 3)), flat(F.channelShuffle(x, 3)));
    assert.throws(() => F.nativeChannelShuffle(x, 4), /nativeChannelShuffle.*Number of channels must be divisible by groups/);
  });
});

describe("torch-namespace nn forms", () => {
  const V = REF.torch_values;
  const fxAny = fx as unknown as Record<string, (...a: unknown[]) => unknown>;
  it("are declared with ATen's parameters in ATen's order", () => {
    const mismatches: string[] = [];
    for (const [pyName, params] of Object.entries(REF.torch_signatures as Record<string, [string, boolean, boolean][]>)) {
      const name = pyCamel(pyName);
      const sig = registeredOps().find((o) => o.key === name && o.function)?.sigs[0];
      if (!sig) {
        mismatches.push(`${name}: not declared as a torch function`);
        continue;
      }
      const declared = sig.params.filter((p) => !p.keywordOnly).map((p) => (p.name === "self" ? "input" : p.name));
      const want = params.map(([n]) => pyCamel(n));
      if (declared.join() !== want.join()) mismatches.push(`${name}: declared (${declared.join(", ")}), ATen (${want.join(", ")})`);
      if (typeof fxAny[name] !== "function") mismatches.push(`${name}: not exported at the top level`);
    }
    assert.deepEqual(mismatches, []);
  });
  it("torch.<op>_ function forms exist for Tensor's in-place methods and write into their input", () => {
    for (const pyName of REF.torch_inplace_forms as string[]) assert.equal(typeof fxAny[pyCamel(pyName)], "function", pyName);
    const x = tensor([-1, 0.5, 2]);
    assert.equal(fx.relu_(x), x);
    assert.deepEqual(x.tolist(), [0, 0.5, 2]);
    fx.clamp_(x, { max: 1 });
    assert.deepEqual(x.tolist(), [0, 0.5, 1]);
    fx.exp_(x);
    assertClose(x, [1, Math.exp(0.5), Math.E]);
    assert.throws(() => fx.relu_(randn([2], { requiresGrad: true })), /relu_.*a leaf Variable that requires grad/);
    assert.throws(() => (fxAny.clamp_!)(x, "a"), /clamp_\(\): argument 'min'/);
    // documented as functions of the op (marked fn in docs/api.md)
    assert.ok(registeredOps().find((o) => o.key === "exp_")!.function);
  });
  it("torch.batchNorm / instanceNorm / layerNorm / groupNorm with torch's argument order", () => {
    const xb = t64(V.xb), w = t64(V.w_bn), b = t64(V.b_bn);
    const rm = t64(V.rm), rv = t64(V.rv);
    assertClose(fx.batchNorm(xb, w, b, rm, rv, true, 0.3, 1e-3, false), V.batch_norm_train.out.v, { atol: 1e-10 });
    assertClose(rm, V.batch_norm_train.rm.v, { atol: 1e-12 });
    assertClose(rv, V.batch_norm_train.rv.v, { atol: 1e-12 });
    assertClose(fx.batchNorm(xb, w, b, t64(V.rm), t64(V.rv), false, 0.3, 1e-3, false), V.batch_norm_eval.v, { atol: 1e-10 });
    assertClose(fx.instanceNorm(xb, w, b, null, null, true, 0.1, 1e-5, false), V.instance_norm.v, { atol: 1e-10 });
    assertClose(fx.layerNorm(xb, [5], t64(V.layer_norm.w), null, 1e-4), V.layer_norm.out.v, { atol: 1e-10 });
    assertClose(fx.groupNorm(t64(V.group_norm.x), 3), V.group_norm.out.v, { atol: 1e-10 });
    assert.throws(() => (fxAny.batchNorm!)(xb, w, b, rm, rv), /batchNorm\(\).*training/);
  });
  it("torch.embedding(weight, indices, paddingIdx, scaleGradByFreq)", () => {
    const w = t64(V.embedding.w, true);
    const e = fx.embedding(w, tensor(V.embedding.i, { shape: [2, 3], dtype: "int64" }), 2, true);
    assertClose(e, V.embedding.out.v, { atol: 0 });
    e.sum().backward();
    assertClose(w.grad!, V.embedding.grad.v, { atol: 1e-12 });
    assert.throws(() => fx.embedding(w, tensor([0], { dtype: "int64" }), -1, false, true), /sparse=true/);
  });
  it("torch.maxPool1d (no indices), torch.adaptiveMaxPool1d ([values, indices]), torch.avgPool1d", () => {
    const x = t64(V.max_pool1d.x);
    assertClose(fx.maxPool1d(x, 3, 2, 1, 1, true), V.max_pool1d.out.v, { atol: 0 });
    const [v, i] = fx.adaptiveMaxPool1d(x, 4);
    assertClose(v, V.adaptive_max_pool1d.values.v, { atol: 0 });
    assert.deepEqual(flat(i), V.adaptive_max_pool1d.indices);
    assertClose(fx.avgPool1d(x, 4, 3, 2, true, false), V.avg_pool1d.v, { atol: 1e-12 });
    assert.throws(() => (fxAny.maxPool1d!)(x, 3, 2, 1, 1, false, true), /maxPool1d\(\) takes/);
  });
  it("torch.dropout(input, p, train) with train required; the in-place and alpha forms", () => {
    const x = randn([50]);
    assert.equal(fx.dropout(x, 0.5, false), x);
    const y = fx.dropout(x, 0.5, true);
    assert.ok(flat(y).every((v, k) => v === 0 || Math.abs(v - 2 * flat(x)[k]!) < 1e-6));
    const z = x.clone();
    assert.equal(fx.dropout_(z, 0.3, true), z);
    assert.equal(fx.alphaDropout(x, 0.5, false), x);
    assertShape(fx.featureAlphaDropout(randn([2, 3, 4]), 0.5, true), [2, 3, 4]);
    assert.throws(() => (fxAny.dropout!)(x, 0.5), /dropout\(\).*train/);
  });
  it("torch.hardshrink (and Tensor.hardshrink), rrelu, celu, threshold, selu_, prelu", () => {
    const hx = tensor(V.hx.v);
    assertClose(fx.hardshrink(hx, 0.5), V.hardshrink.v, { atol: 0 });
    assertClose(hx.hardshrink(0.5), V.hardshrink.v, { atol: 0 });
    assertClose(fx.rrelu(hx, 0.1, 0.3), V.rrelu_eval.v, { atol: 1e-7 });
    assertClose(fx.celu(tensor(V.hx.v, { dtype: "float64" }), 0.5), V.celu.v, { atol: 1e-12 });
    assertClose(fx.threshold(hx, 0.2, -9), V.threshold.v, { atol: 0 });
    const s = hx.clone();
    assert.equal(fx.selu_(s), s);
    assertClose(hx.prelu(tensor([0.25])), flat(nn.F.prelu(hx, tensor([0.25]))));
  });
  it("convolutions, pixel shuffles, bilinear and channel shuffle equal F's", () => {
    const x = randn([1, 4, 5, 5]), w = randn([2, 4, 3, 3]);
    assert.deepEqual(flat(fx.conv2d(x, w, null, 1, 1)), flat(nn.F.conv2d(x, w, null, 1, 1)));
    assert.deepEqual(flat(fx.convTranspose2d(x, randn([4, 2, 3, 3]))).length, 2 * 7 * 7);
    assert.deepEqual(flat(fx.pixelShuffle(x, 2)), flat(nn.F.pixelShuffle(x, 2)));
    assert.deepEqual(flat(fx.channelShuffle(x, 2)), flat(nn.F.channelShuffle(x, 2)));
    assertShape(fx.bilinear(randn([3, 2]), randn([3, 4]), randn([5, 2, 4])), [3, 5]);
  });
});

describe("nn modules: lazy norms and transposed convolutions, DataParallel, SyncBatchNorm, NLLLoss2d", () => {
  it("LazyBatchNorm2d: placeholders an optimizer can hold, then BatchNorm2d(C) with the same objects", () => {
    const bn = new nn.LazyBatchNorm2d({ eps: 1e-3 });
    assert.equal(String(bn), "LazyBatchNorm2d(0, eps=0.001, momentum=0.1, affine=True, track_running_stats=True)");
    assert.deepEqual(Object.keys(bn.stateDict()), ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    const params = bn.parameters();
    const opt = new fx.optim.SGD(params, 0.1);
    const x = randn([4, 3, 2, 2]);
    const y = bn(x);
    assert.ok(bn instanceof nn.BatchNorm2d);
    assert.equal(String(bn), "BatchNorm2d(3, eps=0.001, momentum=0.1, affine=True, track_running_stats=True)");
    assert.deepEqual(Object.values(bn.stateDict()).map((t) => t.shape), [[3], [3], [3], [3], []]);
    assert.equal(bn.parameters()[0], params[0]);
    const ref = new nn.BatchNorm2d(3, 1e-3);
    assertClose(y, flat(ref(x)), { atol: 1e-6 });
    assertClose(bn.running_mean!, flat(ref.running_mean!), { atol: 1e-7 });
    y.sum().backward();
    opt.step();
  });
  it("LazyInstanceNorm*d default to affine and trackRunningStats (PyTorch 1.13's lazy defaults); unbatched inputs read dim 0", () => {
    const n1 = new nn.LazyInstanceNorm1d();
    assert.equal(String(n1), "LazyInstanceNorm1d(0, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    n1(randn([3, 5]));
    assert.equal(String(n1), "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    const n2 = new nn.LazyInstanceNorm2d({ affine: false, trackRunningStats: false });
    assert.deepEqual(Object.keys(n2.stateDict()), []);
    const x = randn([2, 4, 3, 3]);
    assertClose(n2(x), flat(new nn.InstanceNorm2d(4)(x)), { atol: 1e-6 });
    assert.ok(n2 instanceof nn.InstanceNorm2d);
  });
  it("a lazy norm refuses the input its regular module would, and stays lazy", () => {
    const bn = new nn.LazyBatchNorm2d();
    assert.throws(() => bn(randn([2, 3, 4])), /LazyBatchNorm2d: expected 4D input \(got 3D input, shape \[2, 3, 4\]\)/);
    assert.throws(() => bn(tensor([[[[1]]]], { dtype: "int32" })), /expected a floating point input/);
    assert.ok(bn.hasUninitializedParams());
    assertShape(new nn.LazyBatchNorm1d()(randn([5, 7])), [5, 7]);
    assertShape(new nn.LazyBatchNorm3d()(randn([2, 2, 2, 2, 2])), [2, 2, 2, 2, 2]);
    assertShape(new nn.LazyInstanceNorm3d()(randn([2, 2, 2, 2, 2])), [2, 2, 2, 2, 2]);
  });
  it("LazyConvTranspose1d/2d/3d become ConvTranspose*d with the given settings", () => {
    const ct = new nn.LazyConvTranspose2d(5, 3, { stride: 2, outputPadding: 1 });
    assert.equal(String(ct), "LazyConvTranspose2d(0, 5, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))");
    const x = randn([1, 3, 4, 4]);
    const y = ct(x);
    assertShape(y, [1, 5, 10, 10]);
    assert.ok(ct instanceof nn.ConvTranspose2d);
    assert.equal(String(ct), "ConvTranspose2d(3, 5, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))");
    assertShape(ct.weight, [3, 5, 3, 3]);
    assertClose(y, flat(nn.F.convTranspose2d(x, ct.weight, ct.bias, 2, 0, 1)), { atol: 1e-6 });
    assertShape(new nn.LazyConvTranspose1d(4, 2, 2)(randn([2, 3, 5])), [2, 4, 10]);
    assertShape(new nn.LazyConvTranspose3d(2, 2, { groups: 2 })(randn([1, 4, 2, 2, 2])), [1, 2, 3, 3, 3]);
    assert.throws(() => new nn.LazyConvTranspose2d(5, 3, { groups: 2 }), /out_channels \(5\) must be divisible by groups \(2\)/);
  });
  it("DataParallel wraps the module as `module` (stateDict keys \"module.\") and forward calls it", () => {
    const lin = new nn.Linear(2, 3);
    const dp = new nn.DataParallel(lin);
    assert.equal(String(dp), "DataParallel(\n  (module): Linear(in_features=2, out_features=3, bias=True)\n)");
    assert.deepEqual(Object.keys(dp.stateDict()), ["module.weight", "module.bias"]);
    assert.deepEqual(dp.deviceIds, []);
    assert.equal(dp.module, lin);
    const x = randn([4, 2]);
    assert.deepEqual(flat(dp(x) as Tensor), flat(lin(x)));
    let hooked = 0;
    lin.registerForwardHook(() => void hooked++);
    dp(x);
    assert.equal(hooked, 1);
    assert.throws(() => new nn.DataParallel(randn([2]) as never), /DataParallel/);
  });
  it("SyncBatchNorm: constructs and prints as PyTorch's; convertSyncBatchnorm swaps BatchNorm*d keeping state; forward raises PyTorch's CPU error", () => {
    const s = new nn.SyncBatchNorm(3);
    assert.equal(String(s), "SyncBatchNorm(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
    const inner = new nn.BatchNorm1d(4, { affine: false });
    const seq = new nn.Sequential(new nn.Conv2d(3, 3, 1), new nn.BatchNorm2d(3), new nn.Sequential(inner));
    seq.eval();
    const bn = seq.at(1) as nn.BatchNorm2d;
    const conv = seq.at(0);
    const out = nn.SyncBatchNorm.convertSyncBatchnorm(seq) as nn.Sequential;
    assert.equal(out, seq);
    assert.equal(out.at(0), conv);
    const sync = out.at(1) as nn.SyncBatchNorm;
    assert.ok(sync instanceof nn.SyncBatchNorm);
    assert.equal(sync.weight, bn.weight);
    assert.equal(sync.running_mean, bn.running_mean);
    assert.equal(sync.training, false);
    assert.equal(String((out.at(2) as nn.Sequential).at(0)), "SyncBatchNorm(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=True)");
    assert.deepEqual(Object.keys(out.stateDict()), Object.keys(new nn.Sequential(new nn.Conv2d(3, 3, 1), new nn.BatchNorm2d(3), new nn.Sequential(new nn.BatchNorm1d(4, { affine: false }))).stateDict()));
    for (const mode of [true, false]) {
      s.train(mode);
      assert.throws(() => s(randn([2, 3, 4])), (e: unknown) => e instanceof fx.DeviceError && /SyncBatchNorm expected input tensor to be on GPU/.test((e as Error).message));
    }
  });
  it("NLLLoss2d is NLLLoss, deprecated with PyTorch's warning (once)", () => {
    const warned: string[] = [];
    const orig = console.warn;
    console.warn = (m: string) => void warned.push(m);
    try {
      const l = new nn.NLLLoss2d({ ignoreIndex: 1 });
      new nn.NLLLoss2d();
      assert.equal(String(l), "NLLLoss2d()");
      const x = randn([2, 3, 4, 4]).logSoftmax(1), t = fx.randint(0, 3, [2, 4, 4], { dtype: "int64" });
      assertClose(l(x, t), flat(new nn.NLLLoss({ ignoreIndex: 1 })(x, t)));
    } finally {
      console.warn = orig;
    }
    assert.equal(warned.length, 1);
    assert.match(warned[0]!, /NLLLoss2d has been deprecated. Please use NLLLoss instead/);
  });
});

/** Runs fn with console.warn captured; returns what it printed. */
function capturingWarnings(fn: () => void): string[] {
  const warned: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => void warned.push(m);
  try {
    fn();
  } finally {
    console.warn = orig;
  }
  return warned;
}

describe("nn.init's deprecated names and nn.utils additions", () => {
  it("nn.init.normal, uniform, constant, ... run the underscore form and warn once each, as PyTorch", () => {
    const warned = capturingWarnings(() => {
      const t = fx.empty([3, 3]);
      nn.init.constant(t, 0.5);
      assert.deepEqual(flat(t), new Array(9).fill(0.5));
      nn.init.constant(t, 0.25);
      fx.manualSeed(3);
      const a = nn.init.kaimingUniform(fx.empty([4, 3]), Math.sqrt(5));
      fx.manualSeed(3);
      assert.deepEqual(flat(a), flat(nn.init.kaimingUniform_(fx.empty([4, 3]), Math.sqrt(5))));
      nn.init.eye(t);
      assert.deepEqual(flat(t), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
      for (const f of [nn.init.normal, nn.init.uniform, nn.init.xavierUniform, nn.init.xavierNormal, nn.init.kaimingNormal, nn.init.orthogonal] as ((t: Tensor) => Tensor)[]) f(fx.empty([3, 4]));
      nn.init.sparse(fx.empty([4, 3]), 0.5);
      nn.init.dirac(fx.empty([2, 2, 3]));
    });
    assert.equal(warned.length, 11);
    assert.ok(warned.includes("fluxion: nn.init.constant is now deprecated in favor of nn.init.constant_."));
    assert.throws(() => nn.init.constant(randn([2]) as never), /constant\(\).*val/);
  });
  it("nn.utils.clipGradNorm is clipGradNorm_ with PyTorch's deprecation warning", () => {
    const p = new nn.Parameter(tensor([1, 1]));
    p.grad = tensor([3, 4]);
    let total = 0;
    const warned = capturingWarnings(() => {
      total = nn.utils.clipGradNorm([p], 1).item() as number;
    });
    assert.equal(total, 5);
    assertClose(p.grad!, [0.6, 0.8], { atol: 1e-6 });
    assert.match(warned[0]!, /clip_grad_norm is now deprecated in favor of torch.nn.utils.clip_grad_norm_/);
  });
  it("nn.utils.fuseConvBnWeights matches PyTorch's (bias or not, transposed)", () => {
    const R = REF.fuse;
    const [w, b] = nn.utils.fuseConvBnWeights(t64(R.cw), t64(R.cb), t64(R.rm), t64(R.rv), 1e-3, t64(R.g), t64(R.b));
    assertClose(w, R.w.v, { atol: 1e-12 });
    assertClose(b, R.bias.v, { atol: 1e-12 });
    assert.ok(w instanceof nn.Parameter && w.requiresGrad);
    const [w0, b0] = nn.utils.fuseConvBnWeights(t64(R.cw), null, t64(R.rm), t64(R.rv), 1e-5, null, null);
    assertClose(w0, R.w0.v, { atol: 1e-12 });
    assertClose(b0, R.bias0.v, { atol: 1e-12 });
    const [tw, tb] = nn.utils.fuseConvBnWeights(t64(R.ctw), null, t64(R.rm), t64(R.rv), 1e-5, t64(R.g), t64(R.b), true);
    assertClose(tw, R.tw.v, { atol: 1e-12 });
    assertClose(tb, R.tb.v, { atol: 1e-12 });
    assert.throws(() => nn.utils.fuseConvBnWeights(t64(R.cw), null, t64(R.rm).narrow(0, 0, 3), t64(R.rv), 1e-5, null, null), /expected bnRm of shape \[4\]/);
  });
  it("nn.utils.fuseConvBnEval: one convolution computing conv → bn in eval, to 1e-5; the originals unchanged", () => {
    for (const bias of [true, false]) {
      const conv = new nn.Conv2d(3, 4, 3, { bias, padding: 1 }), bn = new nn.BatchNorm2d(4);
      fx.noGrad(() => {
        bn.running_mean!.copy_(randn([4]));
        bn.running_var!.copy_(randn([4]).abs().add(0.1));
        bn.weight!.copy_(randn([4]));
        bn.bias!.copy_(randn([4]));
      });
      conv.eval();
      bn.eval();
      const before = flat(conv.weight);
      const fused = nn.utils.fuseConvBnEval(conv, bn);
      assert.ok(fused instanceof nn.Conv2d && fused !== conv);
      assert.deepEqual(flat(conv.weight), before);
      const x = randn([2, 3, 6, 6]);
      assertClose(fused(x), flat(bn(conv(x))), { atol: 1e-5, rtol: 1e-5 });
      assertShape(fused.bias!, [4]);
      bn.train();
      assert.throws(() => nn.utils.fuseConvBnEval(conv, bn), /Fusion only for eval!/);
    }
    const ct = new nn.ConvTranspose2d(3, 4, 2), bn = new nn.BatchNorm2d(4);
    ct.eval();
    bn.eval();
    const x = randn([1, 3, 3, 3]);
    assertClose(nn.utils.fuseConvBnEval(ct, bn, true)(x), flat(bn(ct(x))), { atol: 1e-5 });
  });
  it("nn.utils.skipInit builds the module from its class and arguments", () => {
    const fc = nn.utils.skipInit(nn.Linear, 10, 1);
    assert.equal(String(fc), "Linear(in_features=10, out_features=1, bias=True)");
    assertShape(nn.utils.skipInit(nn.Conv2d, 3, 4, 3, { bias: false }).weight, [4, 3, 3, 3]);
    assert.throws(() => (nn.utils.skipInit as (...a: unknown[]) => unknown)(Object, 1), /skipInit: Expected a Module/);
  });
});

describe("signal windows", () => {
  const fns: Record<string, string> = { hann_window: "hannWindow", hamming_window: "hammingWindow", blackman_window: "blackmanWindow", bartlett_window: "bartlettWindow", kaiser_window: "kaiserWindow" };
  it("values match PyTorch's for lengths 0-17, periodic or not, float32 and float64", () => {
    for (const c of REF.windows as { fn: string; n: number; periodic: boolean; args: number[]; dtype: "float32" | "float64"; v: number[] }[]) {
      const w = (fx as unknown as Record<string, (...a: unknown[]) => Tensor>)[fns[c.fn]!]!(c.n, c.periodic, ...c.args, { dtype: c.dtype });
      assert.equal(w.dtype, c.dtype);
      const tol = c.dtype === "float32" ? 2e-6 : 1e-13;
      assertClose(w, c.v, { atol: tol, rtol: tol, msg: `${c.fn}(${c.n}, ${c.periodic}, ${c.args}) ${c.dtype}` });
    }
  });
  it("are declared in ATen's positional order, with PyTorch's errors and requiresGrad", () => {
    for (const [pyName, params] of Object.entries(REF.window_signatures as Record<string, string[]>)) {
      const sig = registeredOps().find((o) => o.key === fns[pyName])!.sigs[0]!;
      assert.deepEqual(sig.params.filter((p) => !p.keywordOnly).map((p) => p.name), params.map(pyCamel), pyName);
    }
    assert.throws(() => fx.hannWindow(4, true, { dtype: "int64" }), (e: unknown) => e instanceof fx.DTypeError && /hannWindow expects floating point dtypes, got: int64/.test((e as Error).message));
    assert.throws(() => fx.kaiserWindow(-1), /kaiserWindow requires non-negative window_length, got window_length=-1/);
    const w = fx.hammingWindow(6, { requiresGrad: true });
    assert.ok(w.requiresGrad && w.isLeaf);
    assert.equal(fx.blackmanWindow(4).dtype, "float32");
  });
});

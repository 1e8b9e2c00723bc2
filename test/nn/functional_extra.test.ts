/**
 * The torch.nn.functional functions added on the parity-nnf branch against PyTorch 1.13
 * (fixtures/nn_extra_torch.json, made by fixtures/nn_extra_torch.py): localResponseNorm,
 * lpPool1d/2d, channelShuffle, fractionalMaxPool2d (fixed samples), rrelu, the dropouts'
 * deterministic cases, multilabelMarginLoss and tripletMarginWithDistanceLoss, values and
 * gradients; their declarations against PyTorch's signatures; the random ones (alphaDropout,
 * featureAlphaDropout, dropout1d/3d, rrelu in training, gumbelSoftmax, fractionalMaxPool2d's
 * own samples) by the distributions and properties they must have; errors.
 */
import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DTypeError, FluxionError, Generator, IndexError, ShapeError, amp, autograd, manualSeed, nn, ones, randn, tensor, zeros, type Tensor } from "../../src/index.js";
import { assertClose, fluxionErrorMessage, randomTensor } from "../helpers.js";
import { camel, declaredOp, differences, type Departures } from "../fixtures/api_signatures.js";
import { decAll } from "../fixtures/math_ref.js";

const F = nn.F;
const Fn = nn.F as unknown as Record<string, (...a: unknown[]) => unknown>;
export const EXTRA_REF = JSON.parse(readFileSync(new URL("../fixtures/nn_extra_torch.json", import.meta.url), "utf8"));
type Enc = { shape: number[]; v: number[] };
interface Case {
  name: string; fn: string; dtype: "float32" | "float64"; intInputs: number[];
  inputs: Enc[]; args: unknown[]; kwargs: Record<string, unknown>; outs: Enc[]; gout?: Enc; grads?: (Enc | null)[];
}

const DISTANCES: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  cosine: (a, b) => F.cosineSimilarity(a, b).rsub(1),
  l1: (a, b) => F.pairwiseDistance(a, b, 1),
};

function kwargsOf(c: Case): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.kwargs)) {
    if (k === "distance_function") out.distanceFunction = DISTANCES[v as string];
    else if (v !== null && typeof v === "object" && "shape" in (v as object)) out[camel(k)] = tensor((v as Enc).v, { shape: (v as Enc).shape, dtype: c.dtype });
    else out[camel(k)] = v;
  }
  return out;
}

describe("new F functions against PyTorch 1.13", () => {
  for (const c of EXTRA_REF.cases as Case[]) {
    it(`${c.name}: F.${camel(c.fn)} outputs${c.gout ? " and gradients" : ""} match`, () => {
      const inputs = c.inputs.map((e, i) => c.intInputs.includes(i)
        ? tensor(e.v, { shape: e.shape, dtype: "int64" })
        : tensor(e.v, { shape: e.shape, dtype: c.dtype, requiresGrad: c.gout !== undefined }));
      const r = Fn[camel(c.fn)]!(...inputs, ...c.args, kwargsOf(c));
      const outs = (Array.isArray(r) ? r : [r]) as Tensor[];
      assert.equal(outs.length, c.outs.length, "number of outputs");
      const tol = c.dtype === "float32" ? { atol: 2e-6, rtol: 2e-6 } : { atol: 1e-12, rtol: 1e-10 };
      outs.forEach((o, i) => {
        assert.deepEqual(o.shape, c.outs[i]!.shape, `shape of output ${i}`);
        if (i > 0) assert.deepEqual(Array.from(o.toTypedArray(), Number), c.outs[i]!.v, "indices");
        else {
          assert.equal(o.dtype, c.dtype);
          assertClose(o, decAll(c.outs[i]!.v), { ...tol, msg: "out" });
        }
      });
      if (!c.gout) return;
      outs[0]!.mul(tensor(c.gout.v, { shape: c.gout.shape, dtype: c.dtype })).sum().backward();
      inputs.forEach((t, i) => {
        if (!t.requiresGrad) return;
        assert.ok(c.grads![i], `input ${i} has a gradient here but not in PyTorch`);
        assertClose(t.grad, decAll(c.grads![i]!.v), { ...tol, msg: `grad of input ${i}` });
      });
    });
  }
});

/** Where the new F functions depart from PyTorch 1.13's Python signatures, and why. */
const DEPARTURES: Record<string, Departures> = {};

test("the new F functions are declared in PyTorch 1.13's positional order with its defaults (random ones with a keyword-only generator)", () => {
  const mismatches: string[] = [];
  for (const [pyName, py] of Object.entries(EXTRA_REF.signatures.functional as Record<string, never>)) {
    const name = camel(pyName);
    const sig = declaredOp("nn.functional", name);
    if (!sig) mismatches.push(`${name}: not declared`);
    else for (const d of differences(sig, py, DEPARTURES[name])) mismatches.push(`F.${name}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
  assert.equal(Object.keys(EXTRA_REF.signatures.functional).length, 15);
  for (const name of ["alphaDropout", "featureAlphaDropout", "dropout1d", "dropout3d", "rrelu", "gumbelSoftmax", "fractionalMaxPool2d"]) {
    assert.ok(declaredOp("nn.functional", name)!.params.some((p) => p.name === "generator" && p.keywordOnly), name);
  }
});

// ---- properties of the random functions ---------------------------------------------------

/** Mean and (population) variance of a tensor's values. */
function moments(t: Tensor): { mean: number; variance: number } {
  const v = Array.from(t.toTypedArray(), Number);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, variance: v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length };
}

describe("alphaDropout and featureAlphaDropout", () => {
  it("keep zero mean and unit variance of standard normal input (200k samples; tolerances 5 standard errors)", () => {
    const x = randn([200000], { generator: new Generator(11), dtype: "float64" });
    for (const p of [0.2, 0.5]) {
      const y = F.alphaDropout(x, p, true, { generator: new Generator(12) });
      const { mean, variance } = moments(y);
      assert.ok(Math.abs(mean) < 0.012, `p=${p}: mean ${mean}`);
      assert.ok(Math.abs(variance - 1) < 0.02, `p=${p}: variance ${variance}`);
      // the band is tight enough to tell: plain dropout's variance, 1/(1-p), falls outside it
      const plain = moments(F.dropout(x, p, true, { generator: new Generator(12) }));
      assert.ok(Math.abs(plain.variance - 1) > 0.2, `plain dropout variance ${plain.variance}`);
    }
  });
  it("drops to a·α·(p-1) with probability p and maps the kept x to a·x + a·α·p (PyTorch's formula)", () => {
    const p = 0.3, alpha = 1.7580993408473766, a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
    const x = randomTensor([40000], { seed: 4, lo: -1, hi: 1 });
    const y = F.alphaDropout(x, p, true, { generator: new Generator(5) });
    const xs = Array.from(x.toTypedArray() as Float64Array), ys = Array.from(y.toTypedArray() as Float64Array);
    let dropped = 0;
    ys.forEach((v, i) => {
      if (Math.abs(v - a * alpha * (p - 1)) < 1e-12) dropped++;
      else assert.ok(Math.abs(v - (a * xs[i]! + a * alpha * p)) < 1e-12, `element ${i}`);
    });
    const rate = dropped / ys.length, se = Math.sqrt((p * (1 - p)) / ys.length);
    assert.ok(Math.abs(rate - p) < 5 * se, `drop rate ${rate}`);
  });
  it("featureAlphaDropout drops whole channels, and gradients are a where kept, 0 where dropped", () => {
    const x = randomTensor([8, 16, 5], { seed: 6, requiresGrad: true });
    const y = F.featureAlphaDropout(x, 0.5, true, { generator: new Generator(7) });
    y.sum().backward();
    const p = 0.5, alpha = 1.7580993408473766, a = 1 / Math.sqrt((alpha * alpha * p + 1) * (1 - p));
    const g = x.grad!.reshape([128, 5]).tolist() as number[][];
    let dropped = 0;
    for (const row of g) {
      assert.ok(row.every((v) => v === row[0]), "one draw per channel");
      assert.ok(Math.abs(row[0]! - a) < 1e-12 || row[0] === 0);
      if (row[0] === 0) dropped++;
    }
    assert.ok(dropped > 40 && dropped < 88, `${dropped} of 128 channels dropped`);
  });
  it("are the identity when not training (their default) and with p = 0; the same seed gives the same mask", () => {
    const x = randn([4, 5]);
    assert.equal(F.alphaDropout(x), x);
    assert.equal(F.featureAlphaDropout(x, 0.5), x);
    assert.equal(F.alphaDropout(x, 0, true), x);
    manualSeed(3);
    const a = F.alphaDropout(x, 0.5, true);
    manualSeed(3);
    assert.deepEqual(F.alphaDropout(x, 0.5, true).tolist(), a.tolist());
  });
  it("inplace writes the input", () => {
    const x = randn([50]);
    const y = F.alphaDropout(x, 0.5, true, true);
    assert.equal(y, x);
  });
});

describe("dropout1d and dropout3d", () => {
  it("zero whole channels with probability p and scale the rest by 1/(1-p), batched and unbatched", () => {
    type Drop = (x: Tensor, p: number, training: boolean, inplace: boolean, o: { generator: Generator }) => Tensor;
    // [function, input shape, number of channels (one draw each)]
    const cases: [Drop, number[], number][] = [
      [F.dropout1d, [16, 32, 6], 16 * 32], [F.dropout1d, [64, 7], 64],
      [F.dropout3d, [8, 16, 2, 3, 2], 8 * 16], [F.dropout3d, [40, 2, 2, 3], 40],
    ];
    for (const [fn, shape, channels] of cases) {
      const y = fn(ones(shape, { dtype: "float64" }), 0.25, true, false, { generator: new Generator(8) });
      assert.deepEqual(y.shape, shape);
      let zeroed = 0;
      for (const r of y.reshape([channels, -1]).tolist() as number[][]) {
        assert.ok(r.every((v) => v === r[0]), "one draw per channel");
        assert.ok(r[0] === 0 || Math.abs(r[0]! - 1 / 0.75) < 1e-12, `value ${r[0]}`);
        if (r[0] === 0) zeroed++;
      }
      const rate = zeroed / channels;
      assert.ok(Math.abs(rate - 0.25) < 5 * Math.sqrt((0.25 * 0.75) / channels), `${shape}: rate ${rate}`);
    }
  });
  it("dropout1d refuses other ranks (as PyTorch); dropout3d warns and treats them as unbatched", () => {
    assert.match(EXTRA_REF.errors.dropout1d_dims, /Expected 2D or 3D input, but received a 4D input/);
    assert.throws(() => F.dropout1d(zeros([2, 3, 4, 5])), (e) => e instanceof ShapeError && /^dropout1d: Expected 2D or 3D input, but received a 4D input/.test(e.message));
    const warn = console.warn;
    console.warn = () => {};
    try {
      assert.deepEqual(F.dropout3d(ones([3, 4, 5]), 0.5).shape, [3, 4, 5]);
    } finally {
      console.warn = warn;
    }
    assert.throws(() => F.dropout3d(tensor(1), 0.5), (e) => e instanceof ShapeError && /Feature dropout requires at least 2 dimensions/.test(e.message));
  });
});

describe("rrelu", () => {
  it("in training draws one slope per non-positive element, uniform in [lower, upper] (mean and spread checked), gradient = slope", () => {
    const x = randomTensor([20000], { seed: 9, lo: -2, hi: 1, requiresGrad: true });
    const y = F.rrelu(x, 0.1, 0.4, true, { generator: new Generator(10) });
    y.sum().backward();
    const xs = Array.from(x.toTypedArray() as Float64Array), ys = Array.from(y.toTypedArray() as Float64Array), gs = Array.from(x.grad!.toTypedArray() as Float64Array);
    const slopes: number[] = [];
    xs.forEach((v, i) => {
      if (v > 0) {
        assert.equal(ys[i], v);
        assert.equal(gs[i], 1);
      } else {
        const r = ys[i]! / v;
        assert.ok(r >= 0.1 && r <= 0.4, `slope ${r}`);
        assert.ok(Math.abs(gs[i]! - r) < 1e-12);
        slopes.push(r);
      }
    });
    const mean = slopes.reduce((a, b) => a + b, 0) / slopes.length;
    const sd = Math.sqrt(slopes.reduce((a, b) => a + (b - mean) ** 2, 0) / slopes.length);
    assert.ok(Math.abs(mean - 0.25) < 0.005, `mean slope ${mean}`); // uniform: 0.25 ± 0.3/√12/√n·5
    assert.ok(Math.abs(sd - 0.3 / Math.sqrt(12)) < 0.005, `slope sd ${sd}`);
  });
  it("out of training is leakyRelu with (lower + upper) / 2; bad bounds are an error naming rrelu", () => {
    const x = randn([10]);
    assertClose(F.rrelu(x, 0.1, 0.3), x.leakyRelu(0.2));
    assert.match(EXTRA_REF.errors.rrelu_bounds, /Lower bound should be less than or equal to the upper bound/);
    assert.throws(() => F.rrelu(x, 0.5, 0.1), (e) => e instanceof FluxionError && /^rrelu: Lower bound should be less than or equal to the upper bound/.test(e.message));
    assert.throws(() => F.rrelu(tensor([1, 2], { dtype: "int64" }), 0.1, 0.2, true), DTypeError);
  });
});

describe("gumbelSoftmax", () => {
  it("soft samples are distributions along dim; their argmax follows softmax(logits) (60k draws, 5 standard errors)", () => {
    const logits = tensor([[1.0, 0.0, -1.0, 2.0]], { dtype: "float64" });
    const n = 60000;
    const y = F.gumbelSoftmax(logits.expand([n, 4]), 0.5, false, { generator: new Generator(13) });
    assertClose(y.sum(1), ones([n], { dtype: "float64" }), { atol: 1e-12 });
    const winners = y.argmax(1);
    const probs = logits.softmax(1).reshape([4]).tolist() as number[];
    for (let k = 0; k < 4; k++) {
      const freq = (winners.eq(k).sum().item() as number) / n;
      assert.ok(Math.abs(freq - probs[k]!) < 5 * Math.sqrt(probs[k]! * (1 - probs[k]!) / n), `class ${k}: ${freq} vs ${probs[k]}`);
    }
  });
  it("hard samples are one-hot with the soft sample's gradient (straight-through), along any dim", () => {
    const logits = randomTensor([3, 5, 2], { seed: 14, requiresGrad: true });
    const hard = F.gumbelSoftmax(logits, { hard: true, dim: 1, generator: new Generator(15) });
    assert.deepEqual(hard.sum(1).tolist(), [[1, 1], [1, 1], [1, 1]]);
    assert.ok((hard.toTypedArray() as Float64Array).every((v) => v === 0 || v === 1));
    const soft = F.gumbelSoftmax(logits.detach().requiresGrad_(true), { dim: 1, generator: new Generator(15) });
    const w = randomTensor([3, 5, 2], { seed: 16 });
    hard.mul(w).sum().backward();
    const l2 = logits.detach().requiresGrad_(true);
    F.gumbelSoftmax(l2, { dim: 1, generator: new Generator(15) }).mul(w).sum().backward();
    assertClose(logits.grad, l2.grad, { atol: 1e-12 });
    assert.equal(soft.argmax(1).tolist().toString(), hard.argmax(1).tolist().toString());
  });
  it("refuses integer logits", () => {
    assert.throws(() => F.gumbelSoftmax(tensor([1, 2], { dtype: "int32" })), (e) => e instanceof DTypeError && /gumbelSoftmax/.test(e.message));
  });
});

describe("fractionalMaxPool2d with its own samples", () => {
  it("outputs lie on the fractional grid: each output is the max of a kh x kw window of the input, windows cover start 0 and end H - kh", () => {
    const x = randomTensor([2, 3, 11, 9], { seed: 17 });
    const [y, idx] = F.fractionalMaxPool2d(x, 2, { outputSize: [6, 5], returnIndices: true, generator: new Generator(18) });
    assert.deepEqual(y.shape, [2, 3, 6, 5]);
    assert.equal(idx.dtype, "int32");
    // the values are the input's at the indices
    assertClose(x.reshape([2, 3, 99]).gather(2, idx.reshape([2, 3, 30]).to("int64")), y.reshape([2, 3, 30]), { atol: 0 });
    const rows = (idx.div(9, { roundingMode: "floor" }).tolist() as number[][][][]).flat(3);
    assert.ok(rows.every((r) => r >= 0 && r < 11));
    // the same generator state gives the same windows; outputRatio computes the size
    const again = F.fractionalMaxPool2d(x, 2, { outputSize: [6, 5], generator: new Generator(18) });
    assert.deepEqual(again.tolist(), y.tolist());
    assert.deepEqual(F.fractionalMaxPool2d(x, 3, { outputRatio: [0.5, 0.7] }).shape, [2, 3, 5, 6]);
  });
  it("gradcheck in float64 with fixed samples, and gradients reach only the winners", () => {
    const x = randomTensor([1, 2, 7, 6], { seed: 19, requiresGrad: true });
    const s = tensor([[[0.3, 0.6], [0.9, 0.1]]], { dtype: "float64" });
    assert.ok(autograd.gradcheck((t) => F.fractionalMaxPool2d(t!, 2, { outputSize: [4, 3], _randomSamples: s }) as Tensor, [x]));
  });
  it("errors name fractionalMaxPool2d with shapes", () => {
    const x = zeros([2, 3, 4, 4]);
    assert.match(EXTRA_REF.errors.fmp_too_large, /pool height 3 too large relative to input height 4/);
    assert.throws(() => F.fractionalMaxPool2d(x, 3, { outputSize: [3, 2] }), (e) => e instanceof ShapeError && /^fractionalMaxPool2d: pool height 3 too large relative to input height 4/.test(e.message));
    assert.throws(() => F.fractionalMaxPool2d(x, 3), (e) => e instanceof FluxionError && /requires specifying either an outputSize or an outputRatio/.test(e.message));
    assert.throws(() => F.fractionalMaxPool2d(zeros([4, 4]), 2, { outputSize: 2 }), (e) => e instanceof ShapeError && /Expected 3D or 4D tensor, but got: \[4, 4\]/.test(e.message));
    assert.throws(() => F.fractionalMaxPool2d(x, 2, { outputSize: 2, outputRatio: 0.5 }), /only one of outputSize and outputRatio/);
    assert.throws(() => F.fractionalMaxPool2d(x, 2, { outputRatio: 1.5 }), /outputRatio must be between 0 and 1/);
    assert.throws(() => F.fractionalMaxPool2d(x, 2, { outputSize: 2, _randomSamples: zeros([2, 3, 3]) }), (e) => e instanceof ShapeError && /_randomSamples of shape \[2, 3, 2\]/.test(e.message));
    assert.throws(() => F.fractionalMaxPool2d(x, 2, { outputSize: 2, _randomSamples: zeros([2, 3, 2], { dtype: "float64" }) }), DTypeError);
    assert.throws(() => F.fractionalMaxPool2d(x, 2, { outputSize: 2, _randomSamples: ones([2, 3, 2]).mul(3) }), (e) => e instanceof IndexError && /fractionalMaxPool2d: _randomSamples must lie in \[0, 1\]/.test(e.message));
    assert.throws(() => F.fractionalMaxPool2d(zeros([2, 0, 4, 4]), 2, { outputSize: 2 }), (e) => e instanceof ShapeError && /dimension 1 being empty/.test(e.message));
  });
});

// ---- the deterministic functions: more than the fixture ----------------------------------

test("channelShuffle: PyTorch 1.13 has no derivative; Fluxion's is the inverse shuffle", () => {
  const x = randomTensor([2, 6, 3], { seed: 20, requiresGrad: true });
  const g = randomTensor([2, 6, 3], { seed: 21 });
  F.channelShuffle(x, 3).mul(g).sum().backward();
  assertClose(x.grad, F.channelShuffle(g, 2), { atol: 0 });
  assert.deepEqual(F.channelShuffle(tensor([[[0], [1], [2], [3]]]), 2).reshape([4]).tolist(), [0, 2, 1, 3]);
  assert.match(EXTRA_REF.errors.shuffle_div, /Got 7 channels and 2 groups/);
  assert.throws(() => F.channelShuffle(zeros([2, 7, 3]), 2), (e) => e instanceof ShapeError && /^channelShuffle: Number of channels must be divisible by groups\. Got 7 channels and 2 groups\./.test(e.message));
  assert.throws(() => F.channelShuffle(zeros([2, 6, 3]), 0), (e) => e instanceof FluxionError && /Number of groups to divide channels in must be positive\. Value of groups:0/.test(e.message));
  assert.throws(() => F.channelShuffle(zeros([2, 6]), 2), (e) => e instanceof ShapeError && /at least 3 dimensions.*\[2, 6\]/.test(e.message));
});

test("localResponseNorm: gradcheck and errors", () => {
  const x = randomTensor([2, 5, 3, 2], { seed: 22, requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => F.localResponseNorm(t!, 3, 0.3, 0.7, 1.5), [x]));
  assert.throws(() => F.localResponseNorm(zeros([2, 3]), 2), (e) => e instanceof ShapeError && /^localResponseNorm: Expected 3D or higher dimensionality input/.test(e.message));
  assert.throws(() => F.localResponseNorm(zeros([2, 3, 4]), 0), ShapeError);
  assert.equal(F.localResponseNorm(zeros([0, 3, 4]), 2).shape[0], 0);
});

test("lpPool: gradcheck of positive inputs, p = 0 refused", () => {
  const x = randomTensor([1, 2, 5, 6], { seed: 23, lo: 0.2, hi: 2, requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => F.lpPool2d(t!, 3, [2, 3], 1), [x]));
  assert.ok(autograd.gradcheck((t) => F.lpPool1d(t!.flatten(2), 2, 3, 2), [x]));
  assert.throws(() => F.lpPool2d(x.detach(), 0, 2), (e) => e instanceof FluxionError && /lpPool2d: normType/.test(e.message));
});

test("multilabelMarginLoss: errors as PyTorch's (out-of-range targets are checked on the device)", () => {
  const E = EXTRA_REF.errors;
  assert.match(E.mlml_range, /'target' is out of range/);
  assert.throws(() => F.multilabelMarginLoss(zeros([2, 3]), tensor([[0, 3, -1], [1, -1, 0]], { dtype: "int64" })), (e) => e instanceof IndexError && /^multilabelMarginLoss: target out of range/.test(e.message));
  assert.throws(() => F.multilabelMarginLoss(zeros([2, 3]), tensor([[0, -2, -1], [1, -1, 0]], { dtype: "int64" })), IndexError);
  assert.throws(() => F.multilabelMarginLoss(zeros([2, 3]), tensor([[0, 2], [1, 0]], { dtype: "int64" })), (e) => e instanceof ShapeError && /inconsistent size \[2, 2\] for argument #2 'target'/.test(e.message));
  assert.throws(() => F.multilabelMarginLoss(zeros([2, 3, 4]), zeros([2, 3, 4], { dtype: "int64" })), (e) => e instanceof ShapeError && /Expected non-empty vector or matrix with optional 0-dim batch size, but got input of shape \[2, 3, 4\]/.test(e.message));
  assert.throws(() => F.multilabelMarginLoss(zeros([2, 3]), zeros([2, 3])), (e) => e instanceof DTypeError && /multilabelMarginLoss: expected target of class indices/.test(e.message));
  // the deprecated reduce=false gives the unreduced loss, as PyTorch's legacy rule
  assert.deepEqual(F.multilabelMarginLoss(zeros([2, 3]), zeros([2, 3], { dtype: "int64" }), null, false).shape, [2]);
  // int32 targets are accepted, an empty batch gives an empty "none" loss
  assertClose(F.multilabelMarginLoss(tensor([[0.1, 0.2, 0.4, 0.8]]), tensor([[3, 0, -1, 1]], { dtype: "int32" })), [0.85], { atol: 1e-6 });
  assert.deepEqual(F.multilabelMarginLoss(zeros([0, 3]), zeros([0, 3], { dtype: "int64" }), { reduction: "none" }).shape, [0]);
  const x = randomTensor([3, 4], { seed: 24, requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => F.multilabelMarginLoss(t!, tensor([[1, -1, 0, 0], [0, 2, 3, -1], [3, 2, 1, 0]], { dtype: "int64" })), [x]));
});

test("tripletMarginWithDistanceLoss: any callable distance (a module too); a non-tensor result is an error naming the op", () => {
  const a = randn([4, 3]), p = randn([4, 3]), n = randn([4, 3]);
  assertClose(F.tripletMarginWithDistanceLoss(a, p, n), F.tripletMarginLoss(a, p, n), { atol: 1e-6 });
  assertClose(F.tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: new nn.PairwiseDistance(1) }), F.tripletMarginLoss(a, p, n, { p: 1 }), { atol: 1e-6 });
  assert.throws(() => F.tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: (() => 3) as never }), (e) => e instanceof FluxionError && /^tripletMarginWithDistanceLoss: distanceFunction must return a Tensor, got/.test(e.message));
  assert.throws(() => F.tripletMarginWithDistanceLoss(a, p, n, { reduction: "max" as never }), /tripletMarginWithDistanceLoss/);
});

test("under CPU autocast the new functions return PyTorch's dtypes (gridSample, fractionalMaxPool2d, multilabelMarginLoss in float32)", () => {
  const x = randn([2, 6, 4, 4]).to("bfloat16");
  const got: Record<string, string> = {};
  amp.autocast({ deviceType: "cpu" }, () => {
    got.gridSample = F.gridSample(x, zeros([2, 3, 3, 2]).to("bfloat16"), { alignCorners: false }).dtype;
    got.affineGrid = F.affineGrid(zeros([2, 2, 3]).to("bfloat16"), [2, 1, 3, 3], { alignCorners: false }).dtype;
    got.lpPool2d = F.lpPool2d(x, 2, 2).dtype;
    got.rrelu = F.rrelu(x).dtype;
    got.fractionalMaxPool2d = F.fractionalMaxPool2d(x, 2, { outputSize: 2 }).dtype;
    got.multilabelMarginLoss = F.multilabelMarginLoss(x.select(3, 0).select(2, 0), zeros([2, 6], { dtype: "int64" })).dtype;
    got.localResponseNorm4d = F.localResponseNorm(x, 3).dtype;
    got.localResponseNorm3d = F.localResponseNorm(x.select(3, 0), 3).dtype;
    got.channelShuffle = F.channelShuffle(x, 2).dtype;
  });
  assert.deepEqual(got, EXTRA_REF.autocast);
  assert.equal(EXTRA_REF.autocast.gridSample, "float32");
});

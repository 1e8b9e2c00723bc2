/** nn normalization: batch/layer/group norm against PyTorch (incl. running stats), gradcheck, modules, errors. */
import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { ShapeError, arange, autograd, nn, ones, tensor, zeros, type Tensor } from "../../src/index.js";
import { assertClose, assertShape, randomTensor } from "../helpers.js";
import { buildModule, dec, reference, reprsOf } from "../fixtures/nn_cases.js";

const F = nn.F;
const tol = { atol: 1e-10, rtol: 1e-8 };

describe("F.batchNorm / layerNorm / groupNorm against PyTorch 1.13", () => {
  for (const c of reference.norm) {
    it(`${c.name}: output, gradients${c.name.includes("train") ? " and updated running stats" : ""} match`, () => {
      const [x, w, b] = c.inputs.map((e) => dec(e!, { requiresGrad: true })) as [Tensor, Tensor, Tensor];
      let out: Tensor;
      let rm: Tensor | null = null, rv: Tensor | null = null;
      if (c.name.startsWith("batchNorm_train")) {
        const C = x.shape[1]!;
        rm = zeros([C], { dtype: "float64" });
        rv = ones([C], { dtype: "float64" });
        out = F.batchNorm(x, rm, rv, w, b, c.kwargs);
      } else if (c.name.startsWith("batchNorm_eval")) {
        out = F.batchNorm(x, tensor(c.runningMeanIn, { dtype: "float64" }), tensor(c.runningVarIn, { dtype: "float64" }), w, b, c.kwargs);
      } else if (c.name.startsWith("layerNorm")) {
        out = F.layerNorm(x, c.normalizedShape, w, b, c.kwargs);
      } else {
        out = F.groupNorm(x, c.numGroups, w, b, c.kwargs);
      }
      assertShape(out, c.out.shape);
      assertClose(out, c.out.v, { ...tol, msg: "out" });
      out.mul(dec(c.gout)).sum().backward();
      [x, w, b].forEach((t, i) => assertClose(t.grad, c.grads[i]!.v, { ...tol, msg: `grad ${i}` }));
      if (rm) {
        assertClose(rm, c.runningMean, { ...tol, msg: "running_mean" });
        assertClose(rv, c.runningVar, { ...tol, msg: "running_var (unbiased)" });
      }
    });
  }
});

describe("BatchNorm modules over several training steps (PyTorch reference)", () => {
  for (const s of reference.bnSteps) {
    it(`${s.cls}(${JSON.stringify(s.kwargs)}): outputs, running stats, num_batches_tracked, eval output`, () => {
      const C = s.inputs[0].shape[1];
      const m = new (nn as any)[s.cls](C, { ...s.kwargs, dtype: "float64" });
      m.loadStateDict({ ...m.stateDict(), weight: tensor(s.weight, { dtype: "float64" }), bias: tensor(s.bias, { dtype: "float64" }) });
      s.inputs.forEach((e: any, i: number) => assertClose(m.forward(dec(e)), s.outs[i].v, { ...tol, msg: `step ${i}` }));
      assertClose(m.running_mean, s.runningMean, tol);
      assertClose(m.running_var, s.runningVar, tol);
      assert.equal(m.num_batches_tracked.item(), s.numBatchesTracked);
      m.eval();
      assertClose(m.forward(dec(s.evalInput)), s.evalOut.v, tol);
      // eval mode leaves the running stats alone
      assertClose(m.runningMean, s.runningMean, tol);
      assert.equal(m.numBatchesTracked.item(), s.numBatchesTracked);
    });
  }
});

describe("normalization hand-computed cases", () => {
  it("batchNorm in training normalises each channel to mean 0, biased variance 1", () => {
    const x = tensor([1, 3, 10, 30], { shape: [2, 2] }); // channel 0: 1, 10; channel 1: 3, 30
    const y = F.batchNorm(x, null, null, null, null, { training: true, eps: 0 });
    assertClose(y, [-1, -1, 1, 1]);
  });
  it("running var is updated with the unbiased batch variance", () => {
    const rm = zeros([1]), rv = ones([1]);
    F.batchNorm(tensor([[1], [3]]), rm, rv, null, null, { training: true, momentum: 0.5 });
    assertClose(rm, [1]); // 0.5 * 0 + 0.5 * 2
    assertClose(rv, [1.5]); // 0.5 * 1 + 0.5 * var([1, 3], unbiased = 2)
  });
  it("layerNorm of [1, 2, 3] and groupNorm with one group equal layer norm over C, H, W", () => {
    assertClose(F.layerNorm(tensor([1, 2, 3]), [3], null, null, { eps: 0 }), [-Math.sqrt(1.5), 0, Math.sqrt(1.5)]);
    const x = randomTensor([2, 3, 2, 2], { dtype: "float32" });
    assertClose(F.groupNorm(x, 1), F.layerNorm(x, [3, 2, 2]), { atol: 1e-5 });
  });
});

describe("normalization gradcheck (float64)", () => {
  const r = (s: number[], seed: number) => randomTensor(s, { seed, requiresGrad: true });
  it("batchNorm training (x, weight, bias) and eval", () => {
    assert.ok(autograd.gradcheck((x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), [r([3, 2, 2, 2], 1), r([2], 2), r([2], 3)]));
    const rm = randomTensor([2], { seed: 4 }), rv = randomTensor([2], { seed: 5, lo: 0.5, hi: 2 });
    assert.ok(autograd.gradcheck((x, w, b) => F.batchNorm(x, rm, rv, w, b), [r([3, 2, 2], 1), r([2], 2), r([2], 3)]));
  });
  it("double backward (gradgradcheck) through the fused batchNorm and layerNorm nodes", () => {
    assert.ok(autograd.gradgradcheck((x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), [r([3, 2, 2], 1), r([2], 2), r([2], 3)]));
    assert.ok(autograd.gradgradcheck((x, w, b) => F.layerNorm(x, [3], w, b), [r([2, 3], 1), r([3], 2), r([3], 3)]));
  });
  it("layerNorm and groupNorm", () => {
    assert.ok(autograd.gradcheck((x, w, b) => F.layerNorm(x, [2, 3], w, b), [r([2, 2, 3], 1), r([2, 3], 2), r([2, 3], 3)]));
    assert.ok(autograd.gradcheck((x, w, b) => F.groupNorm(x, 2, w, b), [r([2, 4, 3], 1), r([4], 2), r([4], 3)]));
  });
});

describe("normalization modules", () => {
  for (const cls of ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm"]) {
    for (const r of reprsOf(cls)) {
      it(`prints ${r.repr} and has torch's stateDict keys and parameter shapes`, () => {
        const m = buildModule(nn, r);
        assert.equal(String(m), r.repr);
        assert.deepEqual(Object.keys(m.stateDict()), r.stateDictKeys);
        assert.deepEqual(m.parameters().map((p: Tensor) => [...p.shape]), r.paramShapes);
      });
    }
  }
  it("initialisation: weight ones, bias zeros, running_mean zeros, running_var ones", () => {
    const bn = new nn.BatchNorm2d(3);
    assert.deepEqual(bn.weight!.tolist(), [1, 1, 1]);
    assert.deepEqual(bn.bias!.tolist(), [0, 0, 0]);
    assert.deepEqual(bn.runningMean!.tolist(), [0, 0, 0]);
    assert.deepEqual(bn.runningVar!.tolist(), [1, 1, 1]);
    assert.equal(bn.numBatchesTracked!.item(), 0);
    assert.deepEqual(new nn.LayerNorm([2, 2]).weight!.tolist(), [[1, 1], [1, 1]]);
    assert.deepEqual(new nn.GroupNorm(2, 4).bias!.tolist(), [0, 0, 0, 0]);
  });
  it("trackRunningStats false uses batch statistics in eval mode too", () => {
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false, affine: false }).eval();
    const x = tensor([[1, 3], [3, 7]]);
    assertClose(bn.forward(x), F.batchNorm(x, null, null, null, null, { training: true }));
  });
  it("BatchNorm2d state round-trips through stateDict", () => {
    const a = new nn.BatchNorm2d(2);
    a.forward(randomTensor([4, 2, 3, 3], { dtype: "float32" }));
    const b = new nn.BatchNorm2d(2);
    b.loadStateDict(a.stateDict());
    assertClose(b.runningMean, a.runningMean);
    assert.equal(b.numBatchesTracked!.item(), 1);
  });
});

describe("normalization errors", () => {
  it("wrong rank, wrong channels, one value per channel, bad normalized shape, bad groups", () => {
    assert.throws(() => new nn.BatchNorm2d(3).forward(ones([2, 3, 4])), /BatchNorm2d: expected 4D input \(got 3D input/);
    assert.throws(() => new nn.BatchNorm1d(3).forward(ones([2, 3, 4, 4])), /BatchNorm1d: expected 2D or 3D input \(got 4D input/);
    assert.throws(() => new nn.BatchNorm2d(3).forward(ones([2, 4, 2, 2])), /BatchNorm2d\(3\): expected input with 3 channels at dim 1, got shape \[2, 4, 2, 2\]/);
    assert.throws(() => new nn.BatchNorm1d(3).forward(ones([1, 3])), /Expected more than 1 value per channel when training, got input size \[1, 3\]/);
    assert.throws(() => F.layerNorm(ones([2, 3]), [4]), /Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size \[2, 3\]/);
    assert.throws(() => F.groupNorm(ones([2, 6, 4]), 4), /Expected number of channels in input to be divisible by num_groups, but got input of shape \[2, 6, 4\] and num_groups=4/);
    assert.throws(() => new nn.GroupNorm(4, 6), /num_channels \(6\) must be divisible by num_groups \(4\)/);
  });
});

describe("BatchNorm with momentum null (a cumulative average)", () => {
  // values from PyTorch 1.13: torch.nn.BatchNorm2d(3, momentum=None) over the three batches below
  const batches = [0, 1, 2].map((i) => {
    const data = Array.from({ length: 24 }, (_, k) => (k * (i + 1)) / 7 - i);
    return tensor(data).reshape([2, 3, 2, 2]);
  });
  it("averages the batch statistics with factor 1/numBatchesTracked, as PyTorch", () => {
    const bn = new nn.BatchNorm2d(3, { momentum: null });
    let out: Tensor | null = null;
    for (const x of batches) out = bn.forward(x);
    assertClose(bn.runningMean!, [1.1428570747375488, 2.2857143878936768, 3.4285714626312256], { rtol: 1e-5 });
    assertClose(bn.runningVar!, [4.054421424865723, 4.054421901702881, 4.054421424865723], { rtol: 1e-5 });
    assert.equal(bn.numBatchesTracked!.item(), 3);
    assertClose(out!.flatten().narrow(0, 0, 6), [-1.2288470268249512, -1.0650006532669067, -0.9011543989181519, -0.7373082041740417, -1.2288469076156616, -1.0650006532669067], { rtol: 1e-5 });
  });
  it("runs inside compile() without a graph break (the factor is a tensor, not a host read)", async () => {
    const { compile } = await import("../../src/index.js");
    const eager = new nn.BatchNorm2d(3, { momentum: null }), compiled = new nn.BatchNorm2d(3, { momentum: null });
    const step = compile((x: Tensor) => compiled.forward(x));
    for (const x of batches) {
      eager.forward(x);
      step(x);
    }
    assert.deepEqual(step.stats().breaks, []);
    assertClose(compiled.runningMean!, eager.runningMean!, { rtol: 1e-6 });
    assertClose(compiled.runningVar!, eager.runningVar!, { rtol: 1e-6 });
  });
});

describe("BatchNorm3d", () => {
  it("normalizes [N, C, D, H, W] per channel as PyTorch 1.13, in training and eval", () => {
    // x = torch.arange(24.).reshape(2, 2, 2, 1, 3).sin().requires_grad_(); bn = torch.nn.BatchNorm3d(2, momentum=0.3)
    // y = bn(x); (y * torch.arange(24.).reshape(2, 2, 2, 1, 3)).sum().backward(); bn.eval(); bn(x)
    const x = arange(24, { dtype: "float32" }).reshape(2, 2, 2, 1, 3).sin().requiresGrad_(true);
    const bn = new nn.BatchNorm3d(2, { momentum: 0.3 });
    const y = bn(x);
    assertClose(y.index(0, 1).flatten(), [-0.4665718674659729, 0.8841599225997925, 1.363595962524414, 0.5309450626373291, -0.8482575416564941, -1.5059791803359985], { rtol: 1e-5, atol: 1e-6 });
    y.mul(arange(24, { dtype: "float32" }).reshape(2, 2, 2, 1, 3)).sum().backward();
    assertClose(x.grad!.index(1, 0).flatten(), [4.035682201385498, 7.049513816833496, 9.4219970703125, 10.282404899597168, 10.150205612182617, 10.457465171813965], { rtol: 1e-5 });
    assertClose(bn.weight!.grad!, [-9.80541706085205, -5.8500752449035645], { rtol: 1e-5 });
    assertClose(bn.runningMean!, [0.0112837515771389, 0.013211391866207123], { rtol: 1e-5 });
    assertClose(bn.runningVar!, [0.8610705733299255, 0.8572850227355957], { rtol: 1e-5 });
    bn.eval();
    assertClose(bn(x).index(1, 1).flatten(), [-0.825355589389801, 0.147602841258049, 0.9717373847961426, 0.8893424868583679, -0.023828325793147087, -0.9282100200653076], { rtol: 1e-5, atol: 1e-6 });
    assert.equal(String(bn), "BatchNorm3d(2, eps=1e-05, momentum=0.3, affine=True, track_running_stats=True)");
    assert.throws(() => bn(zeros(2, 2, 3, 3)), /BatchNorm3d: expected 5D input \(got 4D input, shape \[2, 2, 3, 3\]\)/);
  });
});

test("a norm layer fed the wrong number of channels names the input's shape (GroupNorm(4, 16) given 8 channels)", () => {
  // PyTorch: "Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [16] and input of shape [2, 8, 3, 3]"
  const re = /groupNorm: expected weight of shape \[8\], got \[16\] \(one per channel of the input, of shape \[2, 8, 3, 3\]\)/;
  assert.throws(() => new nn.GroupNorm(4, 16)(zeros(2, 8, 3, 3)), (e: any) => e instanceof ShapeError && re.test(e.message));
  assert.throws(() => F.batchNorm(zeros(2, 8, 3), zeros(16), ones(16)), (e: any) => e instanceof ShapeError && /batchNorm: expected runningMean of shape \[8\], got \[16\] \(one per channel of the input, of shape \[2, 8, 3\]\)/.test(e.message));
  assert.throws(() => new nn.InstanceNorm1d(4, { affine: true })(zeros(2, 3, 5)), (e: any) => e instanceof ShapeError && /shape \[2, 3, 5\]/.test(e.message));
});

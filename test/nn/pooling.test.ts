/** nn pooling: max/avg/adaptive pooling against PyTorch, hand-computed cases, gradcheck, modules, errors. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { arange, autograd, nn, ones, tensor, type Tensor } from "../../src/index.js";
import { assertClose, assertShape, randomTensor } from "../helpers.js";
import { buildModule, dec, reference, reprsOf, type Case } from "../fixtures/nn_cases.js";

const F = nn.F;

function runPoolCase(c: Case, x: Tensor): Tensor {
  const op = c.name.split("_")[0]!;
  switch (op) {
    case "maxPool2d": return F.maxPool2d(x, c.kernelSize, c.kwargs);
    case "avgPool2d": return F.avgPool2d(x, c.kernelSize, c.kwargs);
    case "adaptiveAvgPool2d": return F.adaptiveAvgPool2d(x, c.outputSize);
    case "maxPool1d": return F.maxPool1d(x, c.kernelSize, c.kwargs);
    case "avgPool1d": return F.avgPool1d(x, c.kernelSize, c.kwargs);
    case "adaptiveAvgPool1d": return F.adaptiveAvgPool1d(x, c.outputSize);
    default: throw new Error(`unknown case ${c.name}`);
  }
}

describe("pooling against PyTorch 1.13", () => {
  for (const c of reference.pool) {
    it(`${c.name}: output and input gradient match`, () => {
      const x = dec(c.inputs[0]!, { requiresGrad: true });
      const out = runPoolCase(c, x);
      assertShape(out, c.out.shape);
      assertClose(out, c.out.v, { atol: 1e-12, rtol: 1e-10, msg: "out" });
      out.mul(dec(c.gout)).sum().backward();
      assertClose(x.grad, c.grads[0]!.v, { atol: 1e-12, rtol: 1e-10, msg: "grad" });
      if (c.indices) {
        const [, idx] = F.maxPool2d(x, c.kernelSize, { ...c.kwargs, returnIndices: true });
        assert.equal(idx.dtype, "int32");
        assertShape(idx, c.out.shape);
        assert.deepEqual(Array.from(idx.toTypedArray()), c.indices);
      }
    });
  }
});

describe("pooling hand-computed cases", () => {
  const x = arange(16, { dtype: "float32" }).reshape([1, 1, 4, 4]);
  it("maxPool2d: ties go to the first maximum, a NaN wins its window, the gradient goes to the winner", () => {
    const v = tensor([[3, 3, 1, NaN], [0, 3, 2, 5], [-Infinity, -Infinity, 4, 4], [-Infinity, -Infinity, 4, 9]], { dtype: "float32" })
      .reshape([1, 1, 4, 4]).requiresGrad_();
    const [y, idx] = F.maxPool2d(v, 2, { returnIndices: true });
    assert.deepEqual(idx.tolist(), [[[[0, 3], [8, 15]]]]);
    assert.deepEqual(y.tolist(), [[[[3, NaN], [-Infinity, 9]]]]);
    y.backward(tensor([[[[1, 2], [3, 4]]]], { dtype: "float32" }));
    assert.deepEqual(v.grad!.tolist(), [[[[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 0], [0, 0, 0, 4]]]]);
  });
  it("ReLU's gradient is 0 where the output is 0, even for a NaN incoming gradient (torch's threshold_backward)", () => {
    const v = tensor([-1, 0, 2, 3], { requiresGrad: true });
    v.relu().backward(tensor([NaN, 5, NaN, 7]));
    assert.deepEqual(v.grad!.tolist(), [0, 0, NaN, 7]);
  });
  it("maxPool2d 2x2 takes each block's maximum, with flat indices", () => {
    const [y, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    assert.deepEqual(y.tolist(), [[[[5, 7], [13, 15]]]]);
    assert.deepEqual(idx.tolist(), [[[[5, 7], [13, 15]]]]);
  });
  it("maxPool2d padding counts as -inf (negative inputs stay negative)", () => {
    const y = F.maxPool2d(x.neg(), 2, { padding: 1 });
    assert.deepEqual(y.tolist(), [[[[-0, -1, -3], [-4, -5, -7], [-12, -13, -15]]]]);
  });
  it("maxPool2d gradient goes to the first maximum of each window only", () => {
    const t = tensor([1, 1, 0, 0], { shape: [1, 1, 2, 2], requiresGrad: true });
    F.maxPool2d(t, 2).sum().backward();
    assert.deepEqual(t.grad!.tolist(), [[[[1, 0], [0, 0]]]]);
  });
  it("avgPool2d with padding: countIncludePad divides by 4, otherwise by the real count", () => {
    const o = ones([1, 1, 2, 2]);
    assert.deepEqual(F.avgPool2d(o, 2, { stride: 1, padding: 1 }).tolist(), [[[[0.25, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 0.25]]]]);
    assert.deepEqual(F.avgPool2d(o, 2, { stride: 1, padding: 1, countIncludePad: false }).tolist(), [[[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]]);
  });
  it("ceilMode adds a partial last window", () => {
    assertShape(F.maxPool2d(ones([1, 1, 5, 5]), 2), [1, 1, 2, 2]);
    assertShape(F.maxPool2d(ones([1, 1, 5, 5]), 2, { ceilMode: true }), [1, 1, 3, 3]);
    // partial windows divide by their clipped size (torch): [12, 13, 14] -> 13
    assert.deepEqual(F.avgPool2d(x, 3, { stride: 3, ceilMode: true }).tolist(), [[[[5, 7], [13, 15]]]]);
  });
  it("adaptiveAvgPool2d to 1 is the global mean; non-divisible windows overlap", () => {
    assert.deepEqual(F.adaptiveAvgPool2d(x, 1).tolist(), [[[[7.5]]]]);
    // 4 -> 3: windows [0,2), [1,3), [2,4)
    const r = tensor([0, 3, 6, 9], { shape: [1, 1, 1, 4] });
    assertClose(F.adaptiveAvgPool2d(r, [1, 3]), [1.5, 4.5, 7.5]);
  });
  it("unbatched [C, H, W] inputs", () => {
    assertShape(F.maxPool2d(x.squeeze(0), 2), [1, 2, 2]);
    assertShape(F.avgPool2d(x.squeeze(0), 2), [1, 2, 2]);
    assertShape(F.adaptiveAvgPool2d(x.squeeze(0), [3, 2]), [1, 3, 2]);
  });
});

describe("pooling gradcheck (float64)", () => {
  const x = () => randomTensor([1, 2, 5, 6], { seed: 11, requiresGrad: true });
  it("maxPool2d with padding, dilation, ceil mode", () => {
    assert.ok(autograd.gradcheck((t) => F.maxPool2d(t, 2, { stride: 2, padding: 1, ceilMode: true }), [x()]));
    assert.ok(autograd.gradcheck((t) => F.maxPool2d(t, [2, 3], { stride: 1, dilation: [2, 1] }), [x()]));
  });
  it("avgPool2d with and without countIncludePad, ceil mode, divisorOverride", () => {
    assert.ok(autograd.gradcheck((t) => F.avgPool2d(t, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), [x()]));
    assert.ok(autograd.gradcheck((t) => F.avgPool2d(t, 2, { divisorOverride: 3 }), [x()]));
  });
  it("adaptiveAvgPool2d (non-divisible and divisible) and 1-D pools", () => {
    assert.ok(autograd.gradcheck((t) => F.adaptiveAvgPool2d(t, [3, 4]), [x()]));
    assert.ok(autograd.gradcheck((t) => F.adaptiveAvgPool2d(t, [5, 3]), [x()]));
    const y = randomTensor([2, 2, 7], { seed: 3, requiresGrad: true });
    assert.ok(autograd.gradcheck((t) => F.maxPool1d(t, 3, { stride: 2, padding: 1 }), [y]));
    assert.ok(autograd.gradcheck((t) => F.avgPool1d(t, 2), [y]));
  });
});

describe("pooling modules", () => {
  for (const cls of ["MaxPool2d", "MaxPool1d", "AvgPool2d", "AvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool1d"]) {
    for (const r of reprsOf(cls)) {
      it(`prints ${r.repr}, has no state`, () => {
        const m = buildModule(nn, r);
        assert.equal(String(m), r.repr);
        assert.deepEqual(Object.keys(m.stateDict()), []);
      });
    }
  }
  it("modules forward like their functional forms", () => {
    const x = randomTensor([2, 3, 7, 7], { dtype: "float32" });
    assertClose(new nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(x), F.maxPool2d(x, 3, { stride: 2, padding: 1 }));
    assertClose(new nn.AvgPool2d(2, { ceilMode: true }).forward(x), F.avgPool2d(x, 2, { ceilMode: true }));
    assertClose(new nn.AdaptiveAvgPool2d([3, null]).forward(x), F.adaptiveAvgPool2d(x, [3, 7]));
    const [y, i] = new nn.MaxPool2d(2, { returnIndices: true }).forward(x);
    assertShape(y, [2, 3, 3, 3]);
    assertShape(i, [2, 3, 3, 3]);
  });
  it("every pooling module passes each of its settings to the functional form", () => {
    const x1 = randomTensor([2, 3, 11], { dtype: "float64" }), x2 = randomTensor([2, 3, 9, 10], { dtype: "float64" });
    const x3 = randomTensor([1, 2, 6, 7, 8], { dtype: "float64" });
    const exact = { atol: 0, rtol: 0 };
    assertClose(new nn.MaxPool1d(3, 2, 1, 2, false, true).forward(x1), F.maxPool1d(x1, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }), exact);
    assertClose(new nn.MaxPool3d([2, 3, 2], [1, 2, 1], 1, 1, false, true).forward(x3), F.maxPool3d(x3, [2, 3, 2], { stride: [1, 2, 1], padding: 1, ceilMode: true }), exact);
    assertClose(new nn.AvgPool1d(3, 2, 1, true, false).forward(x1), F.avgPool1d(x1, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), exact);
    assertClose(new nn.AvgPool2d(3, 2, 1, true, true, 5).forward(x2), F.avgPool2d(x2, 3, { stride: 2, padding: 1, ceilMode: true, divisorOverride: 5 }), exact);
    assertClose(new nn.AvgPool3d(2, 1, 1, false, false, 3).forward(x3), F.avgPool3d(x3, 2, { stride: 1, padding: 1, countIncludePad: false, divisorOverride: 3 }), exact);
    assertClose(new nn.AdaptiveAvgPool1d(4).forward(x1), F.adaptiveAvgPool1d(x1, 4), exact);
    assertClose(new nn.AdaptiveAvgPool1d([4]).forward(x1), F.adaptiveAvgPool1d(x1, 4), exact);
    const [v, i] = new nn.AdaptiveMaxPool1d(4, true).forward(x1) as [Tensor, Tensor];
    const [fv, fi] = F.adaptiveMaxPool1d(x1, 4, { returnIndices: true });
    assertClose(v, fv, exact);
    assert.deepEqual(i.tolist(), fi.tolist());
  });
});

describe("pooling errors", () => {
  it("rank, output too small, padding over half the kernel", () => {
    assert.throws(() => F.maxPool2d(ones([4, 4]), 2), /maxPool2d: expected a 3-D or 4-D input \[N, C, H, W\], got shape \[4, 4\]/);
    assert.throws(() => F.maxPool2d(ones([1, 1, 2, 2]), 3), /Given input size: \(1x2x2\)\. Calculated output size: \(1x0x0\)\. Output size is too small/);
    assert.throws(() => F.avgPool2d(ones([1, 1, 4, 4]), 2, { padding: 2 }), /pad should be at most half of kernel size/);
    assert.throws(() => F.adaptiveAvgPool2d(ones([1, 1, 4, 4]), [0, 2]), /outputSize must be positive integers/);
    assert.throws(() => F.maxPool1d(ones([1, 1, 2, 2]), 2), /maxPool1d: expected a 2-D or 3-D input \[N, C, L\]/);
  });
  it("1-D pooling reports in 1-D terms, not as the height-1 2-D pooling it runs as", () => {
    assert.throws(() => F.maxPool1d(ones([2, 3, 5]), 3, { padding: 2 }), { name: "ShapeError", message: "maxPool1d: pad should be at most half of kernel size, but got padding 2 for kernel size 3" });
    assert.throws(() => new nn.AvgPool1d(3, 1, 2)(ones([2, 3, 5])), /avgPool1d: pad should be at most half of kernel size, but got padding 2 for kernel size 3/);
    assert.throws(() => F.avgPool1d(ones([2, 3, 5]), 7), { name: "ShapeError", message: "avgPool1d: Given input size: (3x5). Calculated output size: (3x0). Output size is too small (kernel 7, stride 7, padding 0, dilation 1)" });
    assert.throws(() => F.maxPool1d(ones([3, 5]), 3, { dilation: 3 }), /maxPool1d: Given input size: \(3x5\)\. Calculated output size: \(3x0\)\. Output size is too small \(kernel 3, stride 3, padding 0, dilation 3\)/);
    assert.throws(() => F.maxPool1d(ones([2, 3, 5]), 2, { stride: 0 }), /maxPool1d.*stride/);
    assert.throws(() => F.avgPool1d(ones([2, 3, 5]), 0), /avgPool1d.*kernelSize/);
    assert.equal(F.maxPool1d(ones([2, 3, 5]), 5).shape.join(), "2,3,1");
    assert.equal(F.maxPool1d(ones([2, 3, 5]), 2, { stride: 2, ceilMode: true }).shape.join(), "2,3,3");
  });
});

describe("adaptive pooling: output sizes too large to allocate", () => {
  it("are a FluxionError naming the op, even for an empty batch (the windows' tables are per output position)", () => {
    const F = nn.functional;
    assert.throws(() => F.adaptiveMaxPool1d(ones([2, 3, 8]), 2 ** 53), /^FluxionError: adaptiveMaxPool1d: cannot allocate a tensor of shape \[9007199254740992\]/);
    assert.throws(() => F.adaptiveMaxPool1d(ones([0, 3, 8]), 2 ** 40), /adaptiveMaxPool1d: cannot allocate/);
    assert.throws(() => F.adaptiveAvgPool3d(ones([1, 1, 2, 2, 2]), [1, 2 ** 20, 2 ** 20]), /adaptiveAvgPool3d: cannot allocate/);
    assert.equal(F.adaptiveMaxPool1d(ones([2, 3, 8]), 3).shape.join(), "2,3,3");
  });
});

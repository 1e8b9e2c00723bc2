/** nn conv: F.conv1d/conv2d/convTranspose2d against PyTorch, gradcheck, Conv modules (init, printing, errors). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { autograd, manualSeed, nn, ones, tensor, type Tensor } from "../../src/index.js";
import { assertClose, assertShape, randomTensor } from "../helpers.js";
import { pad } from "../../src/ops/shape_ops.js";
import { buildModule, dec, reference, reprsOf, type Case } from "../fixtures/nn_cases.js";

const F = nn.F;

function runConvCase(c: Case): { out: Tensor; inputs: (Tensor | null)[] } {
  const inputs = c.inputs.map((e) => (e ? dec(e, { requiresGrad: true }) : null));
  const [x, w, b] = inputs as [Tensor, Tensor, Tensor | null];
  const kw = c.kwargs;
  let out: Tensor;
  if (c.name.startsWith("conv2d")) out = F.conv2d(x, w, b, kw);
  else if (c.name.startsWith("conv1d")) out = F.conv1d(x, w, b, kw);
  else out = F.convTranspose2d(x, w, b, kw);
  return { out, inputs };
}

describe("F.conv* against PyTorch 1.13", () => {
  for (const c of reference.conv) {
    it(`${c.name}: output and gradients match`, () => {
      const { out, inputs } = runConvCase(c);
      assertShape(out, c.out.shape);
      assertClose(out, c.out.v, { atol: 1e-10, rtol: 1e-10, msg: "out" });
      out.mul(dec(c.gout)).sum().backward();
      inputs.forEach((t, i) => {
        if (!t) return;
        assertClose(t.grad, c.grads[i]!.v, { atol: 1e-10, rtol: 1e-10, msg: `grad ${i}` });
      });
    });
  }

  it("float32 forward matches the float64 reference to float32 accuracy", () => {
    const c = reference.conv.find((k) => k.name === "conv2d_groups2")!;
    const [x, w, b] = c.inputs.map((e) => dec(e!, { dtype: "float32" }));
    const out = F.conv2d(x!, w!, b, c.kwargs);
    assert.equal(out.dtype, "float32");
    assertClose(out, c.out.v, { atol: 1e-4, rtol: 1e-4 });
  });
});

describe("F.conv2d hand-computed cases", () => {
  it("a 2x2 ones kernel sums each 2x2 window; bias is added", () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { shape: [1, 1, 3, 3] });
    const y = F.conv2d(x, ones([1, 1, 2, 2]), tensor([10]));
    assert.deepEqual(y.tolist(), [[[[22, 26], [34, 38]]]]);
  });
  it("padding 1 with a 3x3 centre-one kernel is the identity", () => {
    const x = tensor([1, 2, 3, 4, 5, 6], { shape: [1, 1, 2, 3] });
    const w = tensor([0, 0, 0, 0, 1, 0, 0, 0, 0], { shape: [1, 1, 3, 3] });
    assert.deepEqual(F.conv2d(x, w, null, { padding: 1 }).tolist(), x.tolist());
  });
  it("conv1d with stride 2 and dilation 2 picks every other sample", () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7], { shape: [1, 1, 7] });
    const w = tensor([1, -1], { shape: [1, 1, 2] });
    // windows (x0, x2), (x2, x4), (x4, x6): x[i] - x[i+2] = -2
    assert.deepEqual(F.conv1d(x, w, null, { stride: 2, dilation: 2 }).tolist(), [[[-2, -2, -2]]]);
  });
  it("convTranspose2d with stride 2 and a ones 2x2 kernel upsamples by repetition", () => {
    const x = tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
    const y = F.convTranspose2d(x, ones([1, 1, 2, 2]), null, { stride: 2 });
    assert.deepEqual(y.tolist(), [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });
  it("'same' keeps the spatial size for odd and even kernels", () => {
    const x = randomTensor([1, 2, 5, 6]);
    for (const k of [[3, 3], [4, 2], [1, 5]] as const) {
      assertShape(F.conv2d(x, randomTensor([3, 2, k[0], k[1]]), null, { padding: "same" }), [1, 3, 5, 6]);
    }
  });
});

describe("F.conv* gradcheck (float64)", () => {
  const g = (fn: (...t: Tensor[]) => Tensor, shapes: number[][]) =>
    autograd.gradcheck(fn, shapes.map((s, i) => randomTensor(s, { seed: 7 + i, requiresGrad: true })));
  it("conv2d with stride, padding, dilation and bias", () => {
    assert.ok(g((x, w, b) => F.conv2d(x, w, b, { stride: [2, 1], padding: 1, dilation: [1, 2] }), [[1, 2, 5, 5], [2, 2, 2, 2], [2]]));
  });
  it("conv2d with groups and asymmetric 'same' padding", () => {
    assert.ok(g((x, w) => F.conv2d(x, w, null, { groups: 2, padding: "same" }), [[1, 4, 4, 3], [2, 2, 2, 2]]));
  });
  it("conv1d", () => {
    assert.ok(g((x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 }), [[2, 2, 6], [3, 2, 3], [3]]));
  });
  it("convTranspose2d with stride, output padding and groups", () => {
    assert.ok(g((x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }), [[1, 2, 3, 2], [2, 1, 3, 2], [2]]));
  });
});

describe("Conv modules", () => {
  for (const cls of ["Conv1d", "Conv2d", "ConvTranspose2d"]) {
    for (const r of reprsOf(cls)) {
      it(`prints ${r.repr} and has torch's stateDict keys and parameter shapes`, () => {
        const m = buildModule(nn, r);
        assert.equal(String(m), r.repr);
        assert.deepEqual(Object.keys(m.stateDict()), r.stateDictKeys);
        assert.deepEqual(m.parameters().map((p: Tensor) => [...p.shape]), r.paramShapes);
      });
    }
  }

  it("default init: weight and bias uniform within ±1/sqrt(fan_in), as torch", () => {
    manualSeed(3);
    const m = new nn.Conv2d(3, 64, 3);
    const bound = 1 / Math.sqrt(27);
    for (const p of [m.weight, m.bias!]) {
      const v = Array.from(p.toTypedArray());
      assert.ok(v.every((a) => Math.abs(a) <= bound));
      assert.ok(Math.max(...v.map(Math.abs)) > 0.9 * bound, "spread covers the range");
    }
    // ConvTranspose2d's fan_in comes from weight dim 1: [in, out, k, k]
    const t = new nn.ConvTranspose2d(64, 2, 3);
    const tb = 1 / Math.sqrt(2 * 9);
    assert.ok(Array.from(t.weight.toTypedArray()).every((a) => Math.abs(a) <= tb));
    assert.ok(Math.max(...Array.from(t.weight.toTypedArray(), Math.abs)) > 0.9 * tb);
  });

  it("Conv2d forward equals F.conv2d with its parameters; accepts unbatched input", () => {
    const m = new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = randomTensor([2, 2, 6, 6], { dtype: "float32" });
    assertClose(m.forward(x), F.conv2d(x, m.weight, m.bias, { stride: 2, padding: 1 }));
    assertShape(m.forward(x.select(0, 0)), [3, 3, 3]);
  });

  it("paddingMode 'reflect' and 'circular' pad before a padding-free convolution", () => {
    const x = randomTensor([1, 2, 5, 5], { dtype: "float32" });
    for (const mode of ["reflect", "circular", "replicate"] as const) {
      const m = new nn.Conv2d(2, 2, 3, { padding: 1, paddingMode: mode });
      const y = m.forward(x);
      assertShape(y, [1, 2, 5, 5]);
      assertClose(y, F.conv2d(pad(x, [1, 1, 1, 1], { mode }), m.weight, m.bias));
    }
  });

  it("Conv1d with 'same' padding and groups", () => {
    const m = new nn.Conv1d(4, 8, 4, { padding: "same", groups: 2 });
    const x = randomTensor([3, 4, 9], { dtype: "float32" });
    assertShape(m.forward(x), [3, 8, 9]);
    assertClose(m.forward(x), F.conv1d(x, m.weight, m.bias, { padding: "same", groups: 2 }));
  });

  it("ConvTranspose2d forward with outputSize picks the output padding", () => {
    const m = new nn.ConvTranspose2d(4, 2, 3, { stride: 2, padding: 1 });
    const x = randomTensor([1, 4, 5, 5], { dtype: "float32" });
    assertShape(m.forward(x), [1, 2, 9, 9]);
    assertShape(m.forward(x, [10, 10]), [1, 2, 10, 10]);
    assertShape(m.forward(x, [1, 2, 9, 10]), [1, 2, 9, 10]);
    assert.throws(() => m.forward(x, [12, 12]), /valid sizes range from 9 to 10/);
    // unbatched [C, H, W]: the size may name the channels too, as PyTorch's [C, H, W] (ConvTranspose1d/3d's rule)
    const u = x.squeeze(0);
    assertShape(m.forward(u, [2, 10, 10]), [2, 10, 10]);
    assertShape(m.forward(u, [10, 9]), [2, 10, 9]);
    // with dilation 2 over stride 1 the output padding may reach 1 (it must stay below stride or dilation)
    const d = new nn.ConvTranspose2d(2, 2, 3, { dilation: 2 });
    const xd = randomTensor([1, 2, 4, 4], { dtype: "float32" });
    assertClose(d.forward(xd, [9, 8]), F.convTranspose2d(xd, d.weight, d.bias, { dilation: 2, outputPadding: [1, 0] }));
    assert.throws(() => d.forward(xd, [10, 8]), /ConvTranspose2d: requested an output size of \[10, 8\], but valid sizes range from 8 to 9 in dim 0/);
  });

  it("a training step gives parameter gradients of the right shapes", () => {
    const m = new nn.Conv2d(1, 4, 3);
    const x = randomTensor([2, 1, 6, 6], { dtype: "float32" });
    m.forward(x).square().mean().backward();
    assertShape(m.weight.grad!, [4, 1, 3, 3]);
    assertShape(m.bias!.grad!, [4]);
  });
});

describe("conv errors", () => {
  it("Conv2d given a flat [64, 784] batch says what it expected", () => {
    const m = new nn.Conv2d(1, 32, 3);
    assert.throws(() => m.forward(ones([64, 784])), { name: "ShapeError", message: "Conv2d: expected a 3-D or 4-D input [N, C, H, W] with C = 1, got shape [64, 784]" });
  });
  it("channel mismatch names both channel counts", () => {
    const m = new nn.Conv2d(1, 32, 3);
    assert.throws(() => m.forward(ones([2, 3, 8, 8])), /Conv2d: expected a 3-D or 4-D input \[N, C, H, W\] with C = 1, got shape \[2, 3, 8, 8\]/);
    assert.throws(() => F.conv2d(ones([2, 3, 8, 8]), ones([4, 2, 3, 3])), /Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[2, 3, 8, 8\] to have 2 channels, but got 3 channels instead/);
  });
  it("mixed dtypes name all three (not a native TypeError)", () => {
    const x64 = ones([1, 1, 5, 5], { dtype: "float64" });
    assert.throws(() => new nn.Conv2d(1, 2, 3).forward(x64), { name: "DTypeError", message: "conv2d: input, weight and bias must have the same dtype, got float64, float32 and float32" });
    assert.throws(() => F.conv1d(ones([1, 2, 5]), ones([3, 2, 2], { dtype: "float64" })), { name: "DTypeError", message: "conv1d: input, weight and bias must have the same dtype, got float32, float64" });
    assert.throws(() => F.convTranspose2d(x64, ones([1, 2, 3, 3])), { name: "DTypeError", message: "convTranspose2d: input, weight and bias must have the same dtype, got float64, float32" });
  });
  it("kernel larger than the padded input", () => {
    assert.throws(() => F.conv2d(ones([1, 1, 2, 2]), ones([1, 1, 3, 3])), /Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(3 x 3\)\. Kernel size can't be greater than actual input size/);
    assert.doesNotThrow(() => F.conv2d(ones([1, 1, 2, 2]), ones([1, 1, 3, 3]), null, { padding: 1 }));
  });
  it("1-D convolutions report in 1-D terms, not as the height-1 2-D convolution they run as", () => {
    // F.conv1d(torch.ones(2, 3, 5), torch.ones(2, 3, 3), dilation=3): "Calculated padded input size per channel: (5). Kernel size: (7). ..."
    const msg = "Calculated padded input size per channel: (5). Kernel size: (7). Kernel size can't be greater than actual input size (input [2, 3, 5], weight [2, 3, 3], padding (0), dilation (3))";
    assert.throws(() => F.conv1d(ones([2, 3, 5]), ones([2, 3, 3]), null, { dilation: 3 }), { name: "ShapeError", message: `conv1d: ${msg}` });
    assert.throws(() => new nn.Conv1d(3, 2, 3, { dilation: 3 })(ones([2, 3, 5])), { name: "ShapeError", message: `Conv1d: ${msg}` });
    assert.throws(() => new nn.Conv1d(3, 2, 7)(ones([3, 5])), /Conv1d: Calculated padded input size per channel: \(5\)\. Kernel size: \(7\)\. .*\(input \[1, 3, 5\], weight \[2, 3, 7\], padding \(0\), dilation \(1\)\)/);
    assert.throws(() => F.conv1d(ones([2, 3, 5]), ones([2, 3, 3]), null, { stride: 2, padding: "same" }), { name: "ShapeError", message: "conv1d: padding='same' is not supported for strided convolutions (stride 2)" });
    assert.doesNotThrow(() => F.conv1d(ones([2, 3, 5]), ones([2, 3, 7]), null, { padding: 1 }));
    assert.doesNotThrow(() => new nn.Conv1d(3, 2, 3, { dilation: 3, padding: "same", paddingMode: "reflect" })(ones([2, 3, 5])));
    assert.throws(() => new nn.Conv1d(3, 2, 5, { paddingMode: "circular", padding: 1 })(ones([2, 3, 2])), /Conv1d: Calculated padded input size per channel: \(4\)\. Kernel size: \(5\)/);
  });
  it("'same' with stride, bad groups, bad output padding", () => {
    assert.throws(() => F.conv2d(ones([1, 1, 5, 5]), ones([1, 1, 3, 3]), null, { stride: 2, padding: "same" }), /padding='same' is not supported for strided convolutions/);
    assert.throws(() => F.conv1d(ones([2, 4, 8]), ones([4, 3, 3]), null, { groups: 2 }), /conv1d: Given groups=2, weight of size \[4, 3, 3\], expected input\[2, 4, 8\] to have 6 channels, but got 4 channels instead/);
    assert.throws(() => F.convTranspose2d(ones([1, 3, 4, 4]), ones([2, 2, 3, 3])), /expected input\[1, 3, 4, 4\] to have 2 channels, but got 3/);
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), /in_channels \(3\) must be divisible by groups \(2\)/);
    assert.throws(() => F.convTranspose2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]), null, { stride: 2, outputPadding: 2 }), /output padding must be smaller than either stride or dilation/);
  });
});

it("conv2d's single-GEMM path has correct second derivatives (gradgradcheck) with bias, stride, padding, dilation", async () => {
  const { randn } = await import("../../src/index.js");
  const nnMod = nn;
  const x = randn([2, 3, 6, 5], { dtype: "float64", requiresGrad: true });
  const w = randn([4, 3, 3, 2], { dtype: "float64", requiresGrad: true });
  const b = randn([4], { dtype: "float64", requiresGrad: true });
  const f = (x_: typeof x, w_: typeof w, b_: typeof b) => nnMod.F.conv2d(x_, w_, b_, { stride: [2, 1], padding: 1, dilation: [1, 2] });
  assert.ok(autograd.gradcheck(f, [x, w, b]));
  assert.ok(autograd.gradgradcheck(f, [x, w, b]));
  const w1 = randn([4, 3, 1, 1], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradgradcheck((x_, w_) => nnMod.F.conv2d(x_, w_), [x, w1]));
});

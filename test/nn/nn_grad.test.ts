/**
 * nn.grad.conv{1,2,3}d{Input,Weight} against PyTorch 1.13's torch.nn.grad
 * (test/fixtures/nn_grad_torch.py), against autograd through F.conv2d (the independent
 * reference), their double backward by gradcheck, and the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { autograd, nn, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const G = nn.grad;
const F = nn.F;
const REF = JSON.parse(readFileSync(new URL("../fixtures/nn_grad_torch.json", import.meta.url), "utf8"));
type Enc = { shape: number[]; v: number[] };
const dec = (e: Enc) => tensor(e.v, { dtype: "float64" }).view(e.shape);

test("nn.grad: convNdInput and convNdWeight match PyTorch for strides, padding, dilation, groups and output padding", () => {
  for (const c of REF.cases) {
    const input = G[`conv${c.k}dInput` as "conv2dInput"], weight = G[`conv${c.k}dWeight` as "conv2dWeight"];
    const gi = input(c.input_size, dec(c.w), dec(c.gy), c.stride, c.padding, c.dilation, c.groups);
    const gw = weight(dec(c.x), c.w.shape, dec(c.gy), { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups });
    assert.deepEqual([...gi.shape], c.gi.shape);
    assertClose(gi, c.gi.v, { atol: 1e-12, rtol: 1e-10 });
    assert.deepEqual([...gw.shape], c.gw.shape);
    assertClose(gw, c.gw.v, { atol: 1e-12, rtol: 1e-10 });
    assert.equal(gi.dtype, "float64");
  }
});

test("nn.grad: the same gradients as autograd through F.conv2d, and differentiable again (gradcheck)", () => {
  fx.manualSeed(5);
  const x = fx.randn([2, 4, 9, 8], { dtype: "float64", requiresGrad: true });
  const w = fx.randn([6, 2, 3, 3], { dtype: "float64", requiresGrad: true });
  const opts = { stride: 2, padding: 1, groups: 2 };
  const y = F.conv2d(x, w, null, opts);
  const gy = fx.randnLike(y);
  y.backward(gy);
  assertClose(G.conv2dInput(x.shape, w, gy, opts), x.grad!.toTypedArray(), { atol: 1e-12 });
  assertClose(G.conv2dWeight(x, w.shape, gy, opts), w.grad!.toTypedArray(), { atol: 1e-12 });
  const gyr = gy.detach().requiresGrad_();
  assert.ok(autograd.gradcheck((w: Tensor, g: Tensor) => G.conv2dInput(x.shape, w, g, opts), [w.detach().requiresGrad_(), gyr]));
  assert.ok(autograd.gradcheck((xx: Tensor, g: Tensor) => G.conv2dWeight(xx, w.shape, g, opts), [x.detach().requiresGrad_(), gyr]));
});

test("nn.grad: an input size no convolution gives, a partial shape and a mismatched grad_output raise", () => {
  const w = fx.randn([1, 1, 3, 3]), gy = fx.randn([1, 1, 4, 4]);
  assert.throws(() => G.conv2dInput([1, 1, 20, 20], w, gy, 2), (e: Error) => e instanceof fx.ShapeError && /valid sizes range from \[9, 9\] to \[10, 10\]/.test(e.message));
  assert.throws(() => G.conv2dInput([1, 20, 20], w, gy, 2), /input_size must have 4 elements/);
  assert.throws(() => G.conv2dInput([2, 1, 9, 9], w, gy, 2), /does not fit grad_output/);
  assert.throws(() => G.conv2dWeight(fx.randn([1, 1, 9, 9]), [1, 1, 3, 3], fx.randn([1, 1, 5, 5]), 2), /grad_output has shape \[1, 1, 5, 5\], but the convolution/);
  assert.throws(() => G.conv2dInput("x" as never, w, gy), /inputSize/);
});

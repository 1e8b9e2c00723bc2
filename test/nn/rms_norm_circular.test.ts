/**
 * nn.RMSNorm / F.rmsNorm (PyTorch 2.4) and nn.CircularPad1d/2d/3d (PyTorch 2.1) against
 * references computed with PyTorch 1.13's ops (test/fixtures/rms_norm_circular_torch.json):
 * values, gradients, eps None, the default dtype, prints, state dicts and refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, ShapeError, nn, tensor, type Tensor } from "../../src/index.js";

const FIX = JSON.parse(readFileSync(new URL("../fixtures/rms_norm_circular_torch.json", import.meta.url), "utf8"));
type Enc = { shape: number[]; v: number[] };
const dec = (e: Enc, requiresGrad = false) => tensor(e.v, { dtype: "float64" }).reshape(e.shape).requiresGrad_(requiresGrad);
const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));

function close(got: Tensor, want: Enc, what: string, tol = 1e-12): void {
  assert.deepEqual(got.shape, want.shape, what);
  const g = got.reshape(-1).tolist() as number[];
  want.v.forEach((v, i) => assert.ok(Math.abs(g[i]! - v) <= tol * (1 + Math.abs(v)), `${what}[${i}]: ${g[i]} vs ${v}`));
}

test("F.rmsNorm: values and gradients (input and weight) as PyTorch's formula, eps None = finfo eps", () => {
  for (const [i, c] of (FIX.rms as { x: Enc; shape: number[]; w: Enc | null; eps: number | null; out: Enc; g: Enc; gx: Enc; gw: Enc | null }[]).entries()) {
    const x = dec(c.x, true), w = c.w ? dec(c.w, true) : null;
    const y = nn.F.rmsNorm(x, c.shape, w, c.eps);
    close(y, c.out, `case ${i}`);
    y.mul(dec(c.g)).sum().backward();
    close(x.grad!, c.gx, `case ${i} grad x`, 1e-10);
    if (w) close(w.grad!, c.gw!, `case ${i} grad w`, 1e-10);
  }
  const x32 = tensor([FIX.rms32.x]);
  const y32 = nn.F.rmsNorm(x32, [3]);
  assert.equal(y32.dtype, "float32");
  (y32.reshape(-1).tolist() as number[]).forEach((v, i) => assert.ok(Math.abs(v - FIX.rms32.out[i]) < 1e-5, `float32 eps: ${v}`));
});

test("F.rmsNorm: gradcheck and gradgradcheck in float64; half inputs computed in float32", () => {
  const x = fx.randn([3, 4], { dtype: "float64", requiresGrad: true }), w = fx.randn([4], { dtype: "float64", requiresGrad: true });
  assert.ok(fx.autograd.gradcheck((a, b) => nn.F.rmsNorm(a, [4], b, 1e-3), [x, w]));
  assert.ok(fx.autograd.gradgradcheck((a, b) => nn.F.rmsNorm(a, [4], b), [x, w]));
  const h = fx.randn([2, 8]).to("bfloat16");
  const yh = nn.F.rmsNorm(h, [8]);
  assert.equal(yh.dtype, "bfloat16");
  const ref = nn.F.rmsNorm(h.to("float32"), [8]).to("bfloat16");
  assert.deepEqual(yh.tolist(), ref.tolist());
});

test("F.rmsNorm: refusals name rmsNorm, the shapes and the dtype", () => {
  is(() => nn.F.rmsNorm(fx.zeros(2, 3), [4]), ShapeError, /^rmsNorm: Given normalized_shape=\[4\], expected input with shape \[\*, 4\], but got input of size \[2, 3\]$/);
  is(() => nn.F.rmsNorm(fx.zeros(2, 3, { dtype: "int32" }), [3]), DTypeError, /^rmsNorm: expected a floating point input, got int32/);
  is(() => nn.F.rmsNorm(fx.zeros(2, 3), [3], fx.ones(4)), ShapeError, /^rmsNorm: expected weight of shape \[3\], got \[4\]$/);
  is(() => nn.F.rmsNorm(fx.zeros(2, 3), [3], null, -1), DTypeError, /eps must be a non-negative number, got -1/);
  is(() => nn.F.rmsNorm(fx.zeros(2, 3), "3" as never), ArgumentError, /rmsNorm\(\): argument 'normalizedShape'/);
});

test("nn.RMSNorm: weight of ones (none without elementwiseAffine), print, forward, state dict, default dtype", () => {
  const m = new nn.RMSNorm([4]);
  assert.equal(String(m), "RMSNorm((4,), eps=None, elementwise_affine=True)");
  assert.deepEqual(m.weight!.tolist(), [1, 1, 1, 1]);
  assert.deepEqual(Object.keys(m.stateDict()), ["weight"]);
  const x = fx.randn(2, 4);
  assert.deepEqual(m.call(x).tolist(), nn.F.rmsNorm(x, [4], m.weight).tolist());
  const n = new nn.RMSNorm(4, 1e-5, false);
  assert.equal(String(n), "RMSNorm((4,), eps=1e-05, elementwise_affine=False)");
  assert.equal(n.weight, null);
  assert.deepEqual(Object.keys(n.stateDict()), []);
  assert.equal(new nn.RMSNorm([2, 3], { dtype: "float64" }).weight!.dtype, "float64");
  fx.setDefaultDtype("float64");
  try {
    assert.equal(new nn.RMSNorm(3).weight!.dtype, "float64");
  } finally {
    fx.setDefaultDtype("float32");
  }
  is(() => new nn.RMSNorm([-1]), ShapeError, /RMSNorm/);
  is(() => new nn.RMSNorm(4, { eps: "x" } as never), ArgumentError, /^RMSNorm\(\): option 'eps' must be float or null, but got string "x"$/);
});

test("nn.CircularPad1d/2d/3d: PyTorch's circular values (batched and unbatched), gradients, prints and refusals", () => {
  const C = { 1: nn.CircularPad1d, 2: nn.CircularPad2d, 3: nn.CircularPad3d } as const;
  for (const c of FIX.pad as { n: 1 | 2 | 3; x: Enc; padding: number[]; out?: Enc; error?: string }[]) {
    const m = new C[c.n](c.padding as never);
    const x = dec(c.x);
    if (c.error) {
      assert.throws(() => m.call(x), (e: unknown) => e instanceof fx.FluxionError && /CircularPad|pad/.test((e as Error).message), c.error);
      continue;
    }
    close(m.call(x) as Tensor, c.out!, `${m} ${JSON.stringify(c.x.shape)}`);
  }
  assert.equal(String(new nn.CircularPad1d(2)), "CircularPad1d((2, 2))");
  assert.equal(String(new nn.CircularPad2d([1, 0, 2, 3])), "CircularPad2d((1, 0, 2, 3))");
  assert.equal(String(new nn.CircularPad3d(1)), "CircularPad3d((1, 1, 1, 1, 1, 1))");
  is(() => new nn.CircularPad1d(fx.zeros(3) as never), ArgumentError, /CircularPad1d/);
  is(() => new nn.CircularPad2d([1, 2]), ArgumentError, /^CircularPad2d\(\): argument 'padding' \(position 1\) must be int\[4\] \(or one int\), but got array \[1, 2\]$/);
  is(() => new nn.CircularPad1d(1).call(fx.zeros(3)), ShapeError, /^CircularPad1d: expected 2D or 3D input \(got 1D input, shape \[3\]\)$/);
  const x = fx.randn([1, 2, 3], { dtype: "float64", requiresGrad: true });
  assert.ok(fx.autograd.gradcheck((a) => new nn.CircularPad1d([2, 1]).call(a) as Tensor, [x]));
});

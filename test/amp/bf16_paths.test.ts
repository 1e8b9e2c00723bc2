/**
 * The fast paths autocast relies on: float32 <-> bfloat16 casts of contiguous tensors (one
 * loop over the bits), the half-precision conv2d primitive on the native float32 kernels
 * (all three passes, fused ReLU and max pooling), and bfloat16 matmuls of autocast regions
 * reaching the native bfloat16 GEMM (not the TypeScript fallback).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { amp, nn, dispatch, tensor, type Tensor } from "../../src/index.js";
import { bfloat16BitsToFloat32, float32ToBFloat16Bits } from "../../src/tensor/half.js";
import { conv2d, conv2dReference } from "../../src/backend/cpu/conv.js";
import { nativeAddon } from "../../src/backend/cpu/native.js";
import { randomTensor } from "../helpers.js";

test("cast: float32 -> bfloat16 -> float32 of contiguous tensors (and views with an offset) round to nearest even like float32ToBFloat16Bits", () => {
  const f = new Float32Array([0, -0, 1, -1, 1.00390625, 1.01171875, 1.0078125, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, -NaN, 1e-40, -1e-45, 65504, 0.1, 1 + 2 ** -8, 1 + 3 * 2 ** -8]);
  const random = randomTensor([1000], { seed: 3, lo: -1e4, hi: 1e4 }).toTypedArray() as Float32Array;
  const all = new Float32Array([...f, ...random]);
  const x = tensor(all);
  for (const src of [x, x.narrow(0, 5, all.length - 5)]) {
    const b = dispatch("cast", [src], { dtype: "bfloat16" });
    const bits = b.storage.data as Uint16Array;
    const vals = src.toTypedArray() as Float32Array;
    for (let i = 0; i < vals.length; i++) assert.equal(bits[b.offset + i], float32ToBFloat16Bits(vals[i]!), `element ${i} (${vals[i]})`);
    const back = dispatch("cast", [b], { dtype: "float32" }).toTypedArray() as Float32Array;
    for (let i = 0; i < vals.length; i++) assert.ok(Object.is(back[i], bfloat16BitsToFloat32(bits[b.offset + i]!)) || (Number.isNaN(back[i]) && Number.isNaN(vals[i])), `back ${i}`);
    // a bfloat16 view with an offset widens from the right place
    const view = b.narrow(0, 2, 4);
    assert.deepEqual(Array.from(dispatch("cast", [view], { dtype: "float32" }).toTypedArray()), Array.from(back.subarray(2, 6)));
  }
});

/** float32 reference: the composite TypeScript convolution in float64 on the bfloat16 values, rounded to bfloat16. */
function reference(ins: Tensor[], attrs: Parameters<typeof conv2d>[1]): Tensor[] {
  const wide = ins.map((t) => dispatch("cast", [t], { dtype: "float64" }));
  return conv2dReference(wide, attrs, "cpu").map((t) => (t.dtype === "float64" ? dispatch("cast", [t], { dtype: "bfloat16" }) : t));
}

function closeBf16(got: Tensor, want: Tensor, msg: string): void {
  assert.equal(got.dtype, want.dtype, msg);
  assert.deepEqual([...got.shape], [...want.shape], msg);
  const g = got.toTypedArray(), w = want.toTypedArray();
  for (let i = 0; i < g.length; i++) {
    const a = Number(g[i]), b = Number(w[i]);
    // one float32 sum rounded once, against a float64 sum rounded once: at most a bfloat16 ulp apart
    assert.ok(Math.abs(a - b) <= 2 ** -7 * Math.abs(b) + 1e-6, `${msg}: element ${i}: ${a} vs ${b}`);
  }
}

test("conv2d primitive in bfloat16: forward (bias, ReLU, max pool with indices), input and weight passes agree with a float64 reference", { skip: nativeAddon() === null ? "native addon not built" : false }, () => {
  const bf = (shape: number[], seed: number) => dispatch("cast", [randomTensor(shape, { seed, lo: -1, hi: 1 })], { dtype: "bfloat16" });
  const x = bf([3, 4, 9, 8], 1), w = bf([5, 4, 3, 3], 2), b = bf([5], 3);
  const win = { kernel: [3, 3] as const, stride: [1, 1] as const, padding: [1, 0] as const, dilation: [1, 1] as const };
  closeBf16(conv2d([x, w, b], { pass: "forward", ...win }, "cpu")[0]!, reference([x, w, b], { pass: "forward", ...win })[0]!, "forward");
  const pooled = conv2d([x, w, b], { pass: "forward", ...win, activation: "relu", pool: { kernel: [2, 2], stride: [2, 2], indices: true } }, "cpu");
  const pooledRef = reference([x, w, b], { pass: "forward", ...win, activation: "relu", pool: { kernel: [2, 2], stride: [2, 2], indices: true } });
  closeBf16(pooled[0]!, pooledRef[0]!, "forward + relu + pool");
  assert.equal(pooled[1]!.dtype, "int32");
  const dy = bf([3, 5, 9, 6], 4);
  closeBf16(conv2d([dy, w], { pass: "input", inputSize: [9, 8], ...win }, "cpu")[0]!, reference([dy, w], { pass: "input", inputSize: [9, 8], ...win })[0]!, "input");
  const [dw, db] = conv2d([x, dy], { pass: "weight", ...win }, "cpu");
  const [dwRef, dbRef] = reference([x, dy], { pass: "weight", ...win });
  closeBf16(dw!, dwRef!, "weight");
  closeBf16(db!, dbRef!, "bias");
});

test("under bfloat16 autocast, nn.Linear's matmuls (forward and backward) run the native bfloat16 GEMM", { skip: nativeAddon() === null ? "native addon not built" : false }, () => {
  const addon = nativeAddon()!;
  const original = addon.gemm;
  const dtypes: number[] = [];
  addon.gemm = (p, a, b, c, bias) => {
    dtypes.push(p[0]!);
    return original.call(addon, p, a, b, c, bias);
  };
  try {
    const lin = new nn.Linear(32, 16);
    const x = randomTensor([8, 32], { seed: 5, dtype: "float32", requiresGrad: true });
    amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => lin(x)).sum().backward();
  } finally {
    addon.gemm = original;
  }
  // forward x·Wᵀ + b, backward dY·W and dYᵀ·X: three GEMMs, all bfloat16 (dtype code 2)
  assert.deepEqual(dtypes, [2, 2, 2]);
});

/**
 * float16 on WebGPU, stored as WGSL f16 where the adapter has `shader-f16`: uploads and reads,
 * elementwise ops, casts, reductions, matmul and copies/views against the CPU backend's float16
 * results (the CPU computes float16 in float32 and rounds to nearest even, as these kernels do)
 * and float64 references. The other kernels' float16 (indexing, random, sort, scans, windows
 * and conv2d, cross entropy, softmax, fused programs): float16_kernels.test.ts. Runs on Mesa's lavapipe (Debian bookworm-backports' Mesa 25 has
 * shader-f16; .ci/run installs it); skips, saying why, where no adapter has the feature.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cat, dispatch, full, pad, tensor, type Tensor } from "../../../src/index.js";
import { float16BitsToFloat32, float32ToFloat16Bits } from "../../../src/tensor/half.js";
import { randomTensor } from "../../helpers.js";
import { half, halfUlp, halfValues, sameAsCpuHalf, startWebGPUHalf } from "./setup.js";

const skip = await startWebGPUHalf();

/** The float16 bits of each value (exact: every float16 is a float32). */
const bitsOf = (values: readonly number[]) => values.map(float32ToFloat16Bits);

test("float16 goes to the GPU and back bit for bit (odd lengths, and views starting mid-word)", { skip }, async () => {
  const bits = Uint16Array.from([0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x3555, 0x1234]);
  const x = tensor(Array.from(bits, float16BitsToFloat32), { dtype: "float16" });
  const g = x.to("webgpu");
  assert.equal(g.dtype, "float16");
  assert.deepEqual(bitsOf(await halfValues(g)), Array.from(bits));
  assert.deepEqual(bitsOf(await halfValues(g.narrow(0, 3, 5))), Array.from(bits.slice(3, 8)), "a view at an odd offset");
  assert.deepEqual(bitsOf(await halfValues(g.narrow(0, 4, 9))), Array.from(bits.slice(4, 13)), "a view ending mid-word");
  const back = await g.toAsync("cpu");
  assert.deepEqual(bitsOf(await halfValues(back)), Array.from(bits));
});

test("float32 to float16 on the GPU rounds to nearest even as the CPU does: ties, subnormals, overflow, NaN, -0", { skip }, async () => {
  const special = [0, -0, 1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 65504, 65519.99, 65520, -65520, 1e6, -Infinity, Infinity, NaN,
    2 ** -14, 2 ** -15, 2 ** -24, 2 ** -25, 2 ** -25 * 1.0001, 3 * 2 ** -25, 2 ** -26, 1e-30, -(2 ** -24) * 1.5, 6.1e-5, 0.1, 1 / 3];
  const random = randomTensor([4000], { seed: 11, lo: -1, hi: 1, dtype: "float64" }).toTypedArray() as Float64Array;
  // values over every exponent f16 has, and past it
  const spread = Array.from(random, (u, i) => Math.sign(u) * Math.abs(u) * 2 ** ((i % 50) - 30));
  const x = tensor([...special, ...spread], { dtype: "float32" });
  const got = bitsOf(await halfValues(x.to("webgpu").half()));
  const want = bitsOf(await halfValues(x.half()));
  // an independent reference: half.ts's rounding of each float32, and hand values
  assert.deepEqual(want, Array.from(x.toTypedArray() as Float32Array, float32ToFloat16Bits), "the CPU's cast agrees with half.ts");
  assert.deepEqual(got.slice(0, 14).map((b) => b.toString(16)), ["0", "8000", "3c00", "3c00", "3c02", "3c01", "7bff", "7bff", "7c00", "fc00", "7c00", "fc00", "7c00", "7e00"], "hand values");
  for (let i = 0; i < want.length; i++) assert.equal(got[i], want[i], `element ${i} (${x.toTypedArray()[i]}): bits ${got[i]!.toString(16)} vs ${want[i]!.toString(16)}`);
});

test("casts from float16 to float32, int32, int64 and bool, and from int32 and bool to float16", { skip }, async () => {
  const x = tensor([0, -0, 1.5, -2.5, 65504, -65504, 3.999, 0.000061, Infinity, -Infinity, NaN], { dtype: "float16" });
  await sameAsCpuHalf([x], (t) => t.float(), "to float32");
  await sameAsCpuHalf([x], (t) => t.bool(), "to bool");
  const finite = tensor([0, 1.5, -2.5, 65504, -65504, 3.999, -0.75], { dtype: "float16" });
  await sameAsCpuHalf([finite], (t) => t.int(), "to int32");
  await sameAsCpuHalf([finite], (t) => t.long(), "to int64");
  await sameAsCpuHalf([tensor([0, 7, -9, 65519, 70000, -2049], { dtype: "int32" })], (t) => t.half(), "int32 to float16");
  await sameAsCpuHalf([tensor([true, false, true])], (t) => t.half(), "bool to float16");
});

test("a float16 cast to int64 that does not fit raises at the next read, as float32's does", { skip }, async () => {
  const y = tensor([1, Infinity], { dtype: "float16" }).to("webgpu").long();
  await assert.rejects(y.toArrayAsync(), /cast \(float16 \[2\] to int64\).*value Infinity/);
});

test("float16 elementwise ops: arithmetic exactly as the CPU rounds it, transcendentals within an ulp, broadcasting and views", { skip }, async () => {
  const a = half([4, 6], 1), b = half([4, 6], 2, 0.5, 3), row = half([6], 3);
  const binary: Record<string, (x: Tensor, y: Tensor) => Tensor> = {
    add: (x, y) => x.add(y), sub: (x, y) => x.sub(y), mul: (x, y) => x.mul(y), div: (x, y) => x.div(y),
    maximum: (x, y) => x.maximum(y), minimum: (x, y) => x.minimum(y),
  };
  for (const [op, fn] of Object.entries(binary)) await sameAsCpuHalf([a, b], fn, op);
  await sameAsCpuHalf([a, row], (x, r) => x.add(r), "add, broadcast row");
  await sameAsCpuHalf([a, b], (x, y) => x.transpose(0, 1).mul(y.transpose(0, 1)), "mul of transposed views");
  await sameAsCpuHalf([a], (x) => x.mul(1000).mul(1000), "overflow to infinity");
  await sameAsCpuHalf([a], (x) => x.neg().abs().relu(), "neg, abs, relu");
  for (const op of ["exp", "tanh", "sigmoid", "sin", "sqrt", "log"] as const) await sameAsCpuHalf([b], (x) => x[op](), op, 1);
  await sameAsCpuHalf([a, b], (x, y) => x.lt(y), "comparison to bool");
  await sameAsCpuHalf([a, b], (x, y) => dispatch("where", [x.gt(0), x, y], {}), "where");
  await sameAsCpuHalf([a, half([4, 6], 4).float()], (x, y) => x.add(y), "float16 + float32 promotes to float32");
  await sameAsCpuHalf([a, b], (x, y) => x.clone().add_(y), "in-place add");
  await sameAsCpuHalf([a, b], (x, y) => { const z = x.clone(); z.narrow(1, 1, 3).mul_(y.narrow(1, 0, 3)); return z; }, "in-place mul into a view");
});

test("float16 reductions accumulate in float32 and round once: sum, mean, prod, max, min, argmax over axes", { skip }, async () => {
  const x = half([5, 7, 9], 5);
  for (const axes of [[0], [2], [0, 2], [0, 1, 2]]) {
    for (const op of ["sum", "max", "min"] as const) {
      await sameAsCpuHalf([x], (t) => dispatch("reduce", [t], { op, axes, keepdim: false }), `${op} over ${axes}`, op === "sum" ? 1 : 0);
    }
    await sameAsCpuHalf([x], (t) => dispatch("reduce", [t.mul(0.5).add(1)], { op: "prod", axes, keepdim: true }), `prod over ${axes}`, 1);
  }
  await sameAsCpuHalf([x], (t) => t.mean(1), "mean", 1);
  await sameAsCpuHalf([x], (t) => t.argmax(2), "argmax");
  // 4096 elements of 1.25: a float16 accumulator would stop at 2048 + ...; the exact sum is 5120
  const ones = full([4096], 1.25, { dtype: "float16" });
  assert.deepEqual(await halfValues(ones.to("webgpu").sum()), [5120]);
  // against float64: each sum of the float16 inputs, rounded once
  const s = await halfValues(x.to("webgpu").sum(2));
  const v = await halfValues(x);
  for (let i = 0; i < 35; i++) {
    let want = 0;
    for (let k = 0; k < 9; k++) want += v[i * 9 + k]!;
    assert.equal(s[i], float16BitsToFloat32(float32ToFloat16Bits(want)), `row ${i}`);
  }
});

test("float16 matmul accumulates in float32: batched, a transposed operand, bias and relu epilogue; against float64", { skip }, async () => {
  const a = half([2, 33, 17], 6), b = half([2, 17, 9], 7), w = half([9, 17], 8), bias = half([9], 9);
  await sameAsCpuHalf([a, b], (x, y) => x.matmul(y), "batched", 1);
  await sameAsCpuHalf([a, w], (x, y) => x.matmul(y.transpose(0, 1)), "transposed weight", 1);
  // the fused bias and relu run in float32 and round once (the CPU rounds the product, then the
  // sum, so it can be off by the product's rounding): against float64 of the float16 operands
  const fused = await halfValues(dispatch("matmul", [a.to("webgpu"), w.to("webgpu").transpose(0, 1).expand([2, 17, 9]), bias.to("webgpu")], { bias: "col", activation: "relu" }));
  const [av0, wv, bv0] = [await halfValues(a), await halfValues(w), await halfValues(bias)];
  for (let i = 0; i < 2 * 33; i++) {
    for (let j = 0; j < 9; j++) {
      let want = bv0[j]!;
      for (let k = 0; k < 17; k++) want += av0[i * 17 + k]! * wv[j * 17 + k]!;
      want = Math.max(want, 0);
      assert.ok(Math.abs(fused[i * 9 + j]! - want) <= halfUlp(want), `bias and relu (${i}, ${j}): ${fused[i * 9 + j]} vs float64 ${want}`);
    }
  }
  const big = half([70, 130], 10), big2 = half([130, 66], 11);
  const got = await halfValues(big.to("webgpu").matmul(big2.to("webgpu")));
  const av = await halfValues(big), bv = await halfValues(big2);
  for (const [i, j] of [[0, 0], [69, 65], [33, 17], [64, 64]] as const) {
    let want = 0;
    for (let k = 0; k < 130; k++) want += av[i * 130 + k]! * bv[k * 66 + j]!;
    assert.ok(Math.abs(got[i * 66 + j]! - want) <= halfUlp(want), `(${i}, ${j}): ${got[i * 66 + j]} vs float64 ${want}`);
  }
  assert.throws(() => a.to("webgpu").matmul(b.float().to("webgpu")), (e: unknown) => e instanceof Error && /float32/.test((e as Error).message));
});

test("float16 copies and views: contiguous copies of permuted views, cat, pad, expand, fill", { skip }, async () => {
  const x = half([3, 4, 5], 12);
  await sameAsCpuHalf([x], (t) => t.permute([2, 0, 1]).contiguous(), "permute + contiguous");
  await sameAsCpuHalf([x], (t) => t.narrow(2, 1, 3).reshape([3, 12]), "narrow + reshape");
  await sameAsCpuHalf([x], (t) => t.select(0, 1).unsqueeze(0).expand([4, 4, 5]).contiguous(), "expand");
  await sameAsCpuHalf([x, half([3, 2, 5], 13)], (t, u) => cat([t, u], 1), "cat");
  await sameAsCpuHalf([x], (t) => pad(t, [1, 2], { value: 1e5 }), "pad with a value past float16's range");
  const gx = full([7], 1 / 3, { dtype: "float16", device: "webgpu" });
  assert.deepEqual(await halfValues(gx), Array(7).fill(float16BitsToFloat32(float32ToFloat16Bits(1 / 3))));
});

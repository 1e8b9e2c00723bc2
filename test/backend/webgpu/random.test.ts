/**
 * Random numbers drawn on the GPU (src/backend/webgpu/random.ts) against the CPU's for the same
 * seed: rand, bernoulli, randint and dropout bit-identical, randn within a few float32 ulps
 * (float32 ln/sin/cos on the device, float64 on the CPU), uniform on another range within an
 * ulp of its bounds; both devices advance the generator alike.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator, bernoulli, manualSeed, nn, rand, randint, randn, randperm, tensor, type Tensor } from "../../../src/index.js";
import { startWebGPU, valuesOf } from "./setup.js";

const skip = await startWebGPU();

/** The same seeded draw on both devices: the values and the generator states after it. */
async function both(make: (device: string, g: Generator) => Tensor): Promise<{ cpu: number[]; gpu: number[] }> {
  const gc = new Generator(11), gg = new Generator(11);
  const want = make("cpu", gc), got = make("webgpu", gg);
  assert.equal(got.device, "webgpu");
  assert.equal(got.dtype, want.dtype);
  assert.deepEqual(gg.getState(), gc.getState(), "the generator advances alike");
  return { cpu: Array.from(want.toTypedArray() as ArrayLike<number>, Number), gpu: await valuesOf(got) };
}

// sizes ending mid-block and covering several workgroups (64 blocks each)
const SIZES = [1, 5, 7, 256, 1027, 70001];

test("rand, randint, bernoulli and randperm on webgpu are bit-identical to the CPU's", { skip }, async () => {
  for (const n of SIZES) {
    let r = await both((device, generator) => rand([n], { device, generator }));
    assert.deepEqual(r.gpu, r.cpu, `rand ${n}`);
    r = await both((device, generator) => randint(-3, 9, [n], { device, generator }));
    assert.deepEqual(r.gpu, r.cpu, `randint ${n}`);
    r = await both((device, generator) => randint(-(2 ** 31), 2 ** 31 - 1, [n], { device, generator }));
    assert.deepEqual(r.gpu, r.cpu, `randint, a 2^32 - 1 span ${n}`);
    const p = tensor(Array.from({ length: n }, (_, i) => (i % 9) / 8));
    r = await both((device, generator) => bernoulli(p.to(device), { generator }));
    assert.deepEqual(r.gpu, r.cpu, `bernoulli ${n}`);
  }
  // a strided probability view, and int32/bool outputs through the in-place form
  const p = tensor(Array.from({ length: 40 }, (_, i) => (i % 5) / 4)).reshape([5, 8]).transpose(0, 1);
  const r = await both((device, generator) => bernoulli(p.to(device), { generator }));
  assert.deepEqual(r.gpu, r.cpu, "bernoulli of a transposed p");
  const perm = await both((device, generator) => randperm(50, { device, generator }));
  assert.deepEqual(perm.gpu, perm.cpu, "randperm (drawn on the host)");
  manualSeed(4);
  const want = nn.functional.dropout(tensor([[1, 2, 3, 4], [5, 6, 7, 8]]), 0.5, { training: true });
  manualSeed(4);
  const got = nn.functional.dropout(tensor([[1, 2, 3, 4], [5, 6, 7, 8]], { device: "webgpu" }), 0.5, { training: true });
  assert.deepEqual(await valuesOf(got), Array.from(want.toTypedArray()));
});

test("randn on webgpu is the CPU's to 2e-6 relative; uniform on [low, high) to an ulp of the bounds", { skip }, async () => {
  for (const n of SIZES) {
    const r = await both((device, generator) => randn([n], { device, generator }));
    let worst = 0, exact = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(r.gpu[i]! - r.cpu[i]!) / Math.abs(r.cpu[i]!));
      if (r.gpu[i] === r.cpu[i]) exact++;
    }
    assert.ok(worst <= 2e-6, `randn ${n}: worst relative difference ${worst}`);
    assert.ok(exact >= n / 4, `randn ${n}: only ${exact} of ${n} bit-identical`);
    const s = await both((device, generator) => randn([n], { device, generator }).mul(0.5).add(2));
    for (let i = 0; i < n; i++) assert.ok(Math.abs(s.gpu[i]! - s.cpu[i]!) <= 4e-6 * Math.abs(s.cpu[i]!));
    const u = await both((device, generator) => rand([n], { device, generator }).uniform_(-3, 7, { generator }));
    for (let i = 0; i < n; i++) {
      assert.ok(u.gpu[i]! >= -3 && u.gpu[i]! < 7);
      assert.ok(Math.abs(u.gpu[i]! - u.cpu[i]!) <= 2 ** -21, `uniform_(-3, 7) element ${i}: ${u.gpu[i]} vs ${u.cpu[i]}`);
    }
  }
});

test("large draws on webgpu have the right moments", { skip }, async () => {
  const n = 1 << 20;
  const moments = (xs: number[]) => {
    let s = 0, s2 = 0;
    for (const v of xs) s += v;
    const mean = s / xs.length;
    for (const v of xs) s2 += (v - mean) ** 2;
    return { mean, variance: s2 / (xs.length - 1) };
  };
  const u = moments(await valuesOf(rand([n], { device: "webgpu", generator: new Generator(1) })));
  assert.ok(Math.abs(u.mean - 0.5) < 0.003 && Math.abs(u.variance - 1 / 12) < 0.001, JSON.stringify(u));
  const z = moments(await valuesOf(randn([n], { device: "webgpu", generator: new Generator(2) })));
  assert.ok(Math.abs(z.mean) < 0.005 && Math.abs(z.variance - 1) < 0.005, JSON.stringify(z));
});

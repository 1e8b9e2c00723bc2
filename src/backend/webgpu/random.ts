/**
 * The WebGPU `random` primitive: Philox4x32-10 drawn on the device, one invocation per 128-bit
 * block, with src/tensor/philox.ts's mapping, so a seed gives the CPU's numbers. The generator
 * state stays on the host: the op reserves its blocks there (as on the CPU) and passes the key
 * and first block to the kernel. WGSL has no 32x32 -> 64-bit multiply: mulhilo builds it from
 * 16-bit halves.
 *
 * Against the CPU: uniform on [0, 1) (rand), bernoulli and randint are bit-identical. Normal
 * runs in float32 (the CPU computes in float64 and rounds), with its own ln and sin/cos on the
 * exactly reduced angle, not WGSL's builtins (whose error bounds are loose): within a few
 * float32 ulps of the CPU's value (the tests hold it to 2e-6 relative). uniform on another
 * [low, high) computes low + (high - low)·u in float32: within an ulp. randperm (a sequential
 * shuffle) is drawn on the host by the CPU's loop and uploaded.
 *
 * A float16 output gets the float32 value rounded once to float16, as the CPU stores it; its
 * uniform draws take 11 bits (philox.ts), so rand stays below 1 and matches the CPU bit for bit,
 * as bernoulli does. Normal is the float32 value above rounded: the CPU's float16 unless that
 * value lies within a few float32 ulps of a float16 rounding boundary.
 */
import { FluxionError } from "../../errors.js";
import { elementsPerBlock } from "../../tensor/philox.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { elementwise, operandOf } from "./elementwise.js";
import { errorFlagWgsl, memoryOf } from "./runtime.js";
import { allocTensor, runtime } from "./state.js";
import { PRELUDE, convertTo, f32OfBits, gpuDType, storageType } from "./wgsl.js";

const WG = 64;

const PHILOX_WGSL = /* wgsl */ `
// (hi, lo) 32 bits of the 64-bit product a * b, from 16-bit halves
fn mulhilo(a: u32, b: u32) -> vec2u {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2u(p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), a * b);
}
fn philox(ctr: vec4u, key: vec2u) -> vec4u {
  var c = ctr; var k = key;
  for (var r = 0; r < 10; r++) {
    if (r > 0) { k = k + vec2u(0x9e3779b9u, 0xbb67ae85u); }
    let m0 = mulhilo(0xd2511f53u, c.x); let m1 = mulhilo(0xcd9e8d57u, c.z);
    c = vec4u(m1.x ^ c.y ^ k.x, m1.y, m0.x ^ c.w ^ k.y, m0.y);
  }
  return c;
}
fn u24(w: u32) -> f32 { return f32(w >> 8u) * 5.9604644775390625e-8; }
// float16's uniform: 11 bits, so that rounding to float16 is exact and never reaches 1
fn u11(w: u32) -> f32 { return f32(w >> 21u) * 0.00048828125; }
// ln(k 2^-24) for k in [1, 2^24] (exact in f32): fdlibm's e_logf.c kernel
fn log_scaled(k: u32) -> f32 {
  var e = i32(firstLeadingBit(k));
  var m = ldexp(f32(k), -e);
  if (m > 1.4142135) { m = m * 0.5; e = e + 1; }
  let f = m - 1.0; let dk = f32(e - 24);
  let s = f / (2.0 + f); let z = s * s; let w = z * z;
  let R = z * (0.66666662693 + w * 0.28498786688) + w * (0.40000972152 + w * 0.24279078841);
  let hfsq = 0.5 * f * f;
  return dk * 0.69313812256 - ((hfsq - (s * (hfsq + R) + dk * 9.0580006145e-6)) - f);
}
// sin (odd) or cos of 2 pi v, v in [0, 1): quadrant and the rest split exactly, |x| <= pi/4
fn sin_cos_2pi(v: f32, odd: bool) -> f32 {
  let t = v * 4.0; let q = i32(floor(t)); var r = t - floor(t);
  let swap = r > 0.5;
  if (swap) { r = 1.0 - r; }
  let x = r * 1.5707963705062866; let z = x * x;
  let s = x + x * z * (-0.16666667 + z * (0.008333331 + z * (-0.00019840874 + z * 2.7525562e-6)));
  let c = 1.0 - 0.5 * z + z * z * (0.041666664 + z * (-0.0013888397 + z * 2.4390448e-5));
  let sq = select(s, c, swap); let cq = select(c, s, swap);
  var sn = -cq; var cs = sq;
  if (q == 0) { sn = sq; cs = cq; } else if (q == 1) { sn = cq; cs = -sq; } else if (q == 2) { sn = -sq; cs = -cq; }
  return select(cs, sn, odd);
}
fn normal24(w: vec4u, s: u32) -> f32 {
  let p = (s >> 1u) << 1u;
  let r = sqrt(-2.0 * log_scaled((w[p] >> 8u) + 1u));
  return r * sin_cos_2pi(u24(w[p + 1u]), (s & 1u) == 1u);
}
// floor((b 2^32 + a) span / 2^64) for span < 2^32
fn below64(a: u32, b: u32, span: u32) -> u32 {
  let hb = mulhilo(b, span); let ha = mulhilo(a, span);
  let mid = hb.y + ha.x;
  return hb.x + select(0u, 1u, mid < hb.y);
}`;

/** The WGSL value of slot `s` of block words `w` for each distribution drawn here (uniform: float32's). */
const VALUE: Record<"uniform" | "normal" | "randint" | "bernoulli", string> = {
  uniform: "a + b * u24(w[s])",
  normal: "a + b * normal24(w, s)",
  randint: "i32(bitcast<u32>(mi[6]) + below64(w[2u * s], w[2u * s + 1u], bitcast<u32>(mi[7])))",
  // an invalid probability gives NaN, and the CPU's error at the next read (a kernel cannot raise)
  bernoulli: "select(select(0.0, 1.0, u24(w[s]) < prob[i]), nan_(), !(prob[i] >= 0.0 && prob[i] <= 1.0))",
};

export function random(inputs: readonly Tensor[], attrs: PrimitiveAttrs["random"], hostRandom: () => Tensor): Tensor[] {
  const { dist, dtype } = attrs;
  const outDtype = gpuDType("random", dtype);
  // randperm, and randint whose values or span do not fit 32 bits, are drawn on the host
  const int32 = (v: number) => v >= -(2 ** 31) && v < 2 ** 31;
  if (dist.kind === "randperm" || (dist.kind === "randint" && !(int32(dist.low) && int32(dist.high - 1) && dist.high - dist.low < 2 ** 32))) return [hostRandom()];
  const out = allocTensor("random", attrs.shape, dtype);
  const n = out.numel();
  let prob: Tensor | null = null;
  if (dist.kind === "bernoulli") {
    const p = inputs[0]!;
    gpuDType("random (bernoulli)", p.dtype);
    // the kernel reads p contiguous, element i beside output i
    prob = allocTensor("random", p.shape, "float32");
    elementwise(prob, [operandOf("random", p, p.shape)], "x", "f32");
  }
  const k = elementsPerBlock(dist.kind, dtype, inputs[0]?.dtype);
  const blocks = Math.ceil(n / k);
  const draw = attrs.generator._reserve(blocks);
  if (n === 0) return [out];
  const rt = runtime();
  const meta = new Int32Array(9);
  meta.set([n, blocks, draw.key0 | 0, draw.key1 | 0, draw.offset0 | 0, draw.offset1 | 0]);
  const floats = new Float32Array(meta.buffer, 24, 2);
  if (dist.kind === "uniform") floats.set([dist.low, dist.high - dist.low]);
  else if (dist.kind === "normal") floats.set([dist.mean, dist.std]);
  else if (dist.kind === "randint") meta.set([dist.low | 0, (dist.high - dist.low) >>> 0], 6);
  const check = prob !== null;
  if (check) {
    meta[8] = rt.check((bits) => new FluxionError(`bernoulli: expected all probabilities in [0, 1], got p=${f32OfBits(bits)}`));
  }
  const valueType = dist.kind === "randint" ? "i32" : "f32";
  // the text follows from the distribution's kind, the output dtype, k and the bernoulli check
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...(check ? [`@group(0) @binding(1) var<storage, read> prob: array<f32>;`] : []),
    `@group(0) @binding(${check ? 2 : 1}) var<storage, read_write> out: array<${storageType(outDtype)}>;`,
    ...(check ? [errorFlagWgsl(3)] : []),
    PRELUDE,
    PHILOX_WGSL,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let blk = gid.x + gid.y * nwg.x * ${WG}u;`,
    `  if (blk >= u32(mi[1])) { return; }`,
    `  let off = bitcast<u32>(mi[4]) + blk;`,
    `  let w = philox(vec4u(off, bitcast<u32>(mi[5]) + select(0u, 1u, off < blk), 0u, 0u), vec2u(bitcast<u32>(mi[2]), bitcast<u32>(mi[3])));`,
    `  let a = bitcast<f32>(mi[6]); let b = bitcast<f32>(mi[7]);`,
    `  for (var s = 0u; s < ${k}u; s++) {`,
    `    let i = blk * ${k}u + s;`,
    `    if (i >= u32(mi[0])) { return; }`,
    ...(check ? [`    if (!(prob[i] >= 0.0 && prob[i] <= 1.0)) { fail(mi[8], bitcast<i32>(prob[i])); }`] : []),
    `    let v = ${dist.kind === "uniform" && outDtype === "float16" ? "a + b * u11(w[s])" : VALUE[dist.kind]};`,
    `    out[i] = ${convertTo("v", valueType, outDtype)};`,
    `  }`,
    `}`,
  ].join("\n");
  const key = `random|${dist.kind}|${outDtype}|${k}|${check}`;
  rt.launch({ key, wgsl }, meta, prob ? [memoryOf(prob.storage)] : [], memoryOf(out.storage), rt.grid(Math.ceil(blocks / WG)), check);
  if (prob) rt.release(memoryOf(prob.storage));
  return [out];
}

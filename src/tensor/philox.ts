/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
 * generator PyTorch and JAX use on GPUs) and the exact mapping from its words to values. This
 * file is the reference: the native kernel (native/src/philox.h) and the WGSL kernel
 * (src/backend/webgpu/random.ts) compute the same numbers, and the tests hold them to it.
 *
 * A generator is a 64-bit key (the seed) and a 64-bit offset counting 128-bit blocks. A random
 * op with n elements reserves ceil(n / k) blocks starting at the offset o (k elements per
 * block, by distribution below) and advances the offset past them. Element i is computed from
 * block o + floor(i / k) alone, slot s = i mod k of it:
 *   words w0..w3 = philox4x32_10(counter = [lo32(b), hi32(b), 0, 0], key = [lo32(seed), hi32(seed)])
 * so every element is a pure function of (seed, offset, i): any element can be drawn alone, in
 * any order, in parallel.
 *
 * Mappings (u24 = (w >>> 8) · 2^-24, exact in float32; u53(a, b) = ((a >>> 5) · 2^26 + (b >>> 6)) · 2^-53,
 * exact in float64; r64(a, b) = b · 2^32 + a):
 * - uniform: float64, k = 2: u = u53(w[2s], w[2s+1]); other floats, k = 4: u = (w[s] >>> (32 - bits)) · 2^-bits
 *   with bits = 24 (float32), 11 (float16), 8 (bfloat16), so the value rounds to the dtype
 *   exactly and stays below 1. Value low + (high - low) · u, in float64, rounded to the dtype.
 * - normal (Box-Muller, both outputs used, no spare state): float64, k = 2: u1 = (r53 + 1) · 2^-53
 *   in (0, 1] with r53 = the 53 bits of u53(w0, w1), u2 = u53(w2, w3); other floats, k = 4:
 *   pair p = s >> 1, u1 = ((w[2p] >>> 8) + 1) · 2^-24, u2 = u24(w[2p+1]). z = √(-2 ln u1) ·
 *   (cos 2πu2 for even s, sin 2πu2 for odd s), with ln, cos and sin as written below (plain
 *   double arithmetic, no library calls: every platform gets the same bits); value mean + std · z.
 * - bernoulli: 1 where u < p, else 0; u = u53 (k = 2) when p is float64, else u24(w[s]) (k = 4).
 * - randint: k = 2: low + floor(r64(w[2s], w[2s+1]) · span / 2^64) (span = high - low; bias at most span/2^64).
 * - randperm: Fisher-Yates, k = 2: for t = 0 .. n-2 (i = n-1-t), swap i with
 *   j = floor(r64 of element t · (i + 1) / 2^64).
 */

const M0 = 0xd2511f53, M1 = 0xcd9e8d57, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

/** The high 32 bits of the 64-bit product of two unsigned 32-bit integers (exact: 16-bit halves in doubles). */
export function mulhi32(a: number, b: number): number {
  const lo = a * (b & 0xffff), hi = a * (b >>> 16); // each < 2^48
  return Math.floor((hi + Math.floor(lo / 65536)) / 65536);
}

/**
 * Philox4x32-10 of counter (c0..c3) under key (k0, k1), all unsigned 32-bit; the four words go
 * into `out`.
 */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, c0), lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2), lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/** A generator's draw for one op: its key and the first block it reserved. */
export interface PhiloxDraw {
  key0: number;
  key1: number;
  /** The first block reserved, as two 32-bit words. */
  offset0: number;
  offset1: number;
}

/** Words of block `b` (0-based, counted from the draw's first block) into `out`. */
export function philoxBlock(d: PhiloxDraw, b: number, out: Uint32Array): void {
  const lo = d.offset0 + b; // < 2^54: exact
  const carry = Math.floor(lo / 4294967296);
  philox4x32(lo >>> 0, (d.offset1 + carry) >>> 0, 0, 0, d.key0, d.key1, out);
}

export const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;

/** 53 random bits of two words as an integer in [0, 2^53). */
export function bits53(a: number, b: number): number {
  return (a >>> 5) * 67108864 + (b >>> 6);
}
/** Uniform in [0, 1) from 53 bits of two words. */
export function u53(a: number, b: number): number {
  return bits53(a, b) * TWO_POW_M53;
}

/** floor((b · 2^32 + a) · span / 2^64): an integer in [0, span) from two words. */
export function below64(a: number, b: number, span: number): number {
  if (span <= 0xffffffff) {
    // (b·2^32 + a)·span / 2^64 = mulhi(b, span) + carry of (lo(b·span) + mulhi(a, span)) past 2^32
    const mid = (Math.imul(b, span) >>> 0) + mulhi32(a, span);
    return mulhi32(b, span) + (mid >= 4294967296 ? 1 : 0);
  }
  return Number(((BigInt(b) * 4294967296n + BigInt(a)) * BigInt(span)) >> 64n);
}

// ln and sin/cos for Box-Muller in plain double arithmetic (fdlibm's kernels: e_log.c,
// k_sin.c, k_cos.c), so TypeScript, the native kernel and any platform compute the same bits.
const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
const LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01;
const LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01;
const LG7 = 1.479819860511658591e-01;
const SQRT2 = 1.4142135623730951;

/** ln(k · 2^-bits) for an integer k in [1, 2^53]. */
export function logScaled(k: number, bits: number): number {
  // k = m · 2^e with m in [1, 2): the exponent from the leading bit
  const hi = Math.floor(k / 4294967296);
  let e = hi > 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(k >>> 0);
  let m = k * 2 ** -e;
  if (m > SQRT2) {
    m *= 0.5;
    e += 1;
  }
  const f = m - 1; // exact (m in [0.7, 1.42])
  const dk = e - bits;
  const s = f / (2 + f), z = s * s, w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6)), t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1, hfsq = 0.5 * f * f;
  return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
}

const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04;
const S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05;
const C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
const PIO2 = 1.5707963267948966;

/** sin(2πv) (odd) or cos(2πv) (even) for v in [0, 1) with at most 53 bits: reduced exactly to |x| <= π/4. */
export function sinCos2Pi(v: number, odd: boolean): number {
  const t = v * 4;
  const q = Math.floor(t);
  let r = t - q; // exact
  let swap = false;
  if (r > 0.5) {
    r = 1 - r;
    swap = true;
  }
  const x = r * PIO2, z = x * x;
  const s = x + z * x * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
  const c = 1 - (0.5 * z - z * (z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))))));
  // sin and cos of the angle within its quadrant, then rotated by q quarter turns
  const sq = swap ? c : s, cq = swap ? s : c;
  const sin = q === 0 ? sq : q === 1 ? cq : q === 2 ? -sq : -cq;
  const cos = q === 0 ? cq : q === 1 ? -sq : q === 2 ? -cq : sq;
  return odd ? sin : cos;
}

/** A standard normal from words (float32 and the halves: 24-bit uniforms) for slot `s` of 4. */
export function normal24(w: Uint32Array, s: number): number {
  const p = (s >> 1) << 1;
  const r = Math.sqrt(-2 * logScaled((w[p]! >>> 8) + 1, 24));
  return r * sinCos2Pi((w[p + 1]! >>> 8) * TWO_POW_M24, (s & 1) === 1);
}

/** A standard normal from all four words (float64: 53-bit uniforms) for slot `s` of 2. */
export function normal53(w: Uint32Array, s: number): number {
  const r = Math.sqrt(-2 * logScaled(bits53(w[0]!, w[1]!) + 1, 53));
  return r * sinCos2Pi(u53(w[2]!, w[3]!), s === 1);
}

/** Elements one block gives a random op (k above); randperm's draws count as its elements. */
export function elementsPerBlock(kind: "uniform" | "normal" | "bernoulli" | "randint" | "randperm", dtype: string, probabilityDtype?: string): number {
  if (kind === "uniform" || kind === "normal") return dtype === "float64" ? 2 : 4;
  if (kind === "bernoulli") return probabilityDtype === "float64" ? 2 : 4;
  return 2;
}

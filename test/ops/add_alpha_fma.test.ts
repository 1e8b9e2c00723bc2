/**
 * add/sub with alpha on float32 round once, a fused multiply-add as PyTorch's vectorized
 * kernel (vec::fmadd): the native kernels use fmaf, the TypeScript loops H.fmaFloat32. Both
 * are checked against an exact reference in BigInt arithmetic (a·b + c as an integer times
 * a power of two, rounded to float32 half-to-even), including inputs where the float64 sum
 * lands exactly halfway between two floats and only its rounding error decides the side.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fmaFloat32 } from "../../src/ops/elementwise_table.js";
import { tensor, noGrad } from "../../src/index.js";

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** A finite double as [integer mantissa, exponent] with value m · 2^e. */
function decompose(x: number): [bigint, number] {
  f64[0] = x;
  const bits = u64[0]!;
  const sign = bits >> 63n ? -1n : 1n;
  const ex = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  return ex === 0 ? [sign * frac, -1074] : [sign * (frac | (1n << 52n)), ex - 1075];
}

/** m · 2^e rounded to float32, half to even (finite results only). */
function roundToFloat32(m: bigint, e: number): number {
  if (m === 0n) return 0;
  const neg = m < 0n;
  let a = neg ? -m : m;
  // keep 24 significant bits, or fewer where the result is subnormal (exponent floor -149)
  const len = a.toString(2).length;
  let drop = Math.max(len - 24, -149 - e);
  if (drop > 0) {
    const half = 1n << BigInt(drop - 1);
    const rest = a & ((1n << BigInt(drop)) - 1n);
    a >>= BigInt(drop);
    if (rest > half || (rest === half && (a & 1n) === 1n)) a += 1n;
    e += drop;
  } else drop = 0;
  const v = Number(a) * 2 ** e;
  return Math.fround(neg ? -v : v);
}

function exactFma32(a: number, b: number, c: number): number {
  const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mc, ec] = decompose(c);
  const mp = ma * mb, ep = ea + eb;
  const e = Math.min(ep, ec);
  const sum = (mp << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (sum === 0n) return a * b + c; // the sign of a zero sum: as IEEE (and fmaf)
  return roundToFloat32(sum, e);
}

const same = (x: number, y: number) => Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y));

test("fmaFloat32: a float64 sum exactly halfway between two floats goes to its rounding error's side", () => {
  // 8(1+2^-23) · -8(1-2^-23) = -(2^6 - 2^-40); + (2^30 + 2^7) = 2^30 + 2^6 + 2^-40: float64
  // rounds it to the midpoint 2^30 + 2^6, where rounding half to even would give 2^30
  const a = 8 * (1 + 2 ** -23), b = -8 * (1 - 2 ** -23), c = 2 ** 30 + 128;
  assert.equal(a * b + c, 2 ** 30 + 64);
  assert.equal(Math.fround(a * b + c), 2 ** 30);
  assert.equal(fmaFloat32(a, b, c), 2 ** 30 + 128);
  assert.equal(exactFma32(a, b, c), 2 ** 30 + 128);
  // the mirror image: 2^30 + 2^6 - 2^-40 is below the midpoint, so 2^30
  assert.equal(fmaFloat32(-a, b, 2 ** 30), 2 ** 30);
  assert.equal(fmaFloat32(a, -b, 2 ** 30 + 128 - 256), exactFma32(a, -b, 2 ** 30 - 128));
  // a true tie (no rounding error) rounds half to even: 1 + 2^-24 -> 1; 1 + 3·2^-24 -> 1 + 2^-22
  assert.equal(fmaFloat32(2 ** -12, 2 ** -12, 1), 1);
  assert.equal(fmaFloat32(3 * 2 ** -12, 2 ** -12, 1), 1 + 2 ** -22);
});

test("fmaFloat32 equals the exact BigInt reference over random float32 triples of mixed magnitudes, zeros, subnormals, overflow, infinities and NaN", () => {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const f = () => {
    const k = rnd();
    if (k < 0.02) return [0, -0, Infinity, -Infinity, NaN][Math.floor(rnd() * 5)]!;
    if (k < 0.05) return Math.fround((rnd() - 0.5) * 2 ** -140); // subnormal
    if (k < 0.08) return Math.fround((rnd() - 0.5) * 2 ** 129); // near the largest float: sums overflow
    return Math.fround((rnd() - 0.5) * 2 ** Math.floor(rnd() * 40 - 20));
  };
  for (let i = 0; i < 20000; i++) {
    const a = f(), b = f(), c = f();
    const want = Number.isFinite(a * b + c) ? exactFma32(a, b, c) : Math.fround(a * b + c);
    assert.ok(same(fmaFloat32(a, b, c), want), `fma(${a}, ${b}, ${c}) = ${fmaFloat32(a, b, c)}, want ${want}`);
  }
  // near-cancellation: c ≈ -a·b, where the rounding error is the whole result
  for (let i = 0; i < 5000; i++) {
    const a = f(), b = f();
    if (!Number.isFinite(a * b)) continue;
    const c = -Math.fround(a * b);
    assert.ok(same(fmaFloat32(a, b, c), exactFma32(a, b, c)), `fma(${a}, ${b}, ${c})`);
  }
});

test("add_/sub_ with alpha on float32 tensors round once (native and TypeScript sizes); float64 computes x + alpha·y in float64", () => {
  for (const n of [7, 70001]) {
    let s = 99 + n;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 2 ** Math.floor(((s >>> 8) % 24) - 12);
    const x = Array.from({ length: n }, rnd), y = Array.from({ length: n }, rnd);
    for (const [alpha, op] of [[0.1, "add_"], [-2.5, "add_"], [1 / 3, "sub_"]] as const) {
      const t = tensor(x), u = tensor(y);
      assert.equal(t.dtype, "float32");
      noGrad(() => (op === "add_" ? t.add_(u, { alpha }) : t.sub_(u, { alpha })));
      const got = t.toTypedArray() as Float32Array;
      const a = Math.fround(op === "add_" ? alpha : -alpha);
      for (let i = 0; i < n; i++) {
        const want = exactFma32(a, Math.fround(y[i]!), Math.fround(x[i]!));
        if (!same(got[i]!, want)) assert.fail(`${op} alpha ${alpha}, n ${n}, element ${i}: ${got[i]} != ${want}`);
      }
    }
  }
  const t = tensor([1, 2, 3], { dtype: "float64" });
  t.add_(tensor([0.1, 0.2, 0.3], { dtype: "float64" }), { alpha: 0.3 });
  assert.deepEqual(t.tolist(), [1 + 0.3 * 0.1, 2 + 0.3 * 0.2, 3 + 0.3 * 0.3]);
});

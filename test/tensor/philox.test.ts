/**
 * Philox4x32-10 and its value mapping (src/tensor/philox.ts): the published known-answer
 * vectors, the exact integer helpers against BigInt, the ln/sin/cos kernels against Math, and
 * the counter-based property (element i of an op depends on the seed, the offset and i only).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  below64, logScaled, mulhi32, normal24, normal53, philox4x32, philoxBlock, sinCos2Pi, u53,
} from "../../src/tensor/philox.js";
import { Generator, rand, randint, randn } from "../../src/index.js";

test("Philox4x32-10 gives Random123's known-answer vectors", () => {
  // Random123 (github.com/DEShawResearch/random123), tests/kat_vectors, the "philox4x32 10"
  // lines: counter (4 words), key (2 words) -> output (4 words). (The all-ones line's third
  // output word is a20bc7c6 there.)
  const kat: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  const out = new Uint32Array(4);
  for (const [c, k, want] of kat) {
    philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out);
    assert.deepEqual(Array.from(out), want);
  }
});

/** A deterministic stream of 32-bit words for the checks below (not the code under test). */
function words(n: number, seed = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  });
}

test("mulhi32 and below64 are exact (BigInt reference), including the extremes", () => {
  const ws = [0, 1, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, ...words(200)];
  for (const a of ws) for (const b of ws.slice(0, 20)) assert.equal(mulhi32(a, b), Number((BigInt(a) * BigInt(b)) >> 32n), `${a} ${b}`);
  const spans = [1, 2, 7, 1000, 2 ** 31, 0xffffffff, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 3, 2 ** 53];
  for (const span of spans) {
    for (const [a, b] of [[0, 0], [0xffffffff, 0xffffffff], [words(1, span)[0]!, words(2, span)[1]!]] as const) {
      const want = Number(((BigInt(b) << 32n) + BigInt(a)) * BigInt(span) >> 64n);
      const got = below64(a, b, span);
      assert.equal(got, want, `span ${span}`);
      assert.ok(got >= 0 && got < span);
    }
  }
});

test("the ln and sin/cos kernels agree with Math.log/sin/cos to a few double ulps", () => {
  for (const [k, bits] of [[1, 24], [2 ** 24, 24], [1, 53], [2 ** 53, 53], [12345, 24], [2 ** 53 - 1, 53], [3, 2]] as const) {
    const want = Math.log(k * 2 ** -bits);
    assert.ok(Math.abs(logScaled(k, bits) - want) <= 4e-16 * Math.max(1, Math.abs(want)), `ln(${k}·2^-${bits})`);
  }
  for (const w of words(2000, 7)) {
    const k = (w >>> 8) + 1;
    const want = Math.log(k * 2 ** -24);
    assert.ok(Math.abs(logScaled(k, 24) - want) <= 4e-16 * Math.max(1, Math.abs(want)));
    const v = (w >>> 8) * 2 ** -24;
    assert.ok(Math.abs(sinCos2Pi(v, true) - Math.sin(2 * Math.PI * v)) < 1e-15, `sin 2π·${v}`);
    assert.ok(Math.abs(sinCos2Pi(v, false) - Math.cos(2 * Math.PI * v)) < 1e-15, `cos 2π·${v}`);
  }
  // the quadrant boundaries are exact (+ 0 folds a -0 into 0)
  assert.deepEqual([0, 0.25, 0.5, 0.75].map((v) => sinCos2Pi(v, true) + 0), [0, 1, 0, -1]);
  assert.deepEqual([0, 0.25, 0.5, 0.75].map((v) => sinCos2Pi(v, false) + 0), [1, 0, -1, 0]);
});

test("element i of a draw is a function of (seed, offset, i) alone: recomputed block by block", () => {
  const g = new Generator(2024);
  rand([5], { generator: g }); // offset 2 blocks
  const state = g.getState();
  assert.deepEqual(state.slice(2), [2, 0]);
  const u = rand([11], { generator: g }).toTypedArray();
  const z = randn([6], { generator: g }).toTypedArray();
  const zz = randn([3], { dtype: "float64", generator: g }).toTypedArray();
  const r = randint(-4, 1000, [5], { generator: g }).toTypedArray();
  const draw = (off: number) => ({ key0: state[0]!, key1: state[1]!, offset0: off, offset1: 0 });
  const w = new Uint32Array(4);
  const wordAt = (off: number, i: number, k: number) => (philoxBlock(draw(off), Math.floor(i / k), w), w);
  // rand: float32, 4 per block, from offset 2
  for (let i = 10; i >= 0; i--) assert.equal(u[i], (wordAt(2, i, 4)[i % 4]! >>> 8) / 2 ** 24);
  // randn float32 from offset 2 + 3
  for (let i = 0; i < 6; i++) assert.equal(z[i], Math.fround(normal24(wordAt(5, i, 4), i % 4)));
  // randn float64 from offset 5 + 2
  for (let i = 0; i < 3; i++) assert.equal(zz[i], normal53(wordAt(7, i, 2), i % 2));
  // randint: 2 per block from offset 7 + 2
  for (let i = 0; i < 5; i++) {
    const ws = wordAt(9, i, 2), s = i % 2;
    assert.equal(r[i], -4 + below64(ws[2 * s]!, ws[2 * s + 1]!, 1004));
  }
  assert.deepEqual(g.getState().slice(2), [12, 0]);
  // the offset's low word carries into the high word
  const h = new Generator(1);
  h.setState([state[0]!, state[1]!, 0xffffffff, 7]);
  const v = rand([8], { dtype: "float64", generator: h }).toTypedArray();
  assert.deepEqual(h.getState().slice(2), [3, 8]);
  philoxBlock({ key0: state[0]!, key1: state[1]!, offset0: 0xffffffff, offset1: 7 }, 1, w);
  const w2 = new Uint32Array(4);
  philox4x32(0, 8, 0, 0, state[0]!, state[1]!, w2);
  assert.deepEqual(Array.from(w), Array.from(w2));
  assert.equal(v[2], u53(w2[0]!, w2[1]!));
});

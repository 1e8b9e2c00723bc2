/**
 * The native Philox fill (native/src/binding_random.cc) against the TypeScript reference loops
 * (src/backend/cpu/random.ts): bit-identical for every distribution and dtype it handles, over
 * sizes that end mid-block and span several thread chunks, and offsets whose low word carries.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { nativeRandom } from "../../src/backend/cpu/native_random.js";
import { referenceFill } from "../../src/backend/cpu/random.js";
import type { RandomDist } from "../../src/backend/primitives.js";
import { Generator } from "../../src/index.js";
import type { DType } from "../../src/tensor/dtype.js";
import { skip } from "./native_helpers.js";

const ARRAY = { float32: Float32Array, float64: Float64Array, int32: Int32Array } as const;
type Out = keyof typeof ARRAY;

/** Native and reference outputs of one draw, compared bit for bit (NaN-free: values compare with ===). */
function compare(dist: RandomDist, dtype: Out, n: number, offset: [number, number], key: [number, number], p?: Float32Array | Float64Array): void {
  const draw = { key0: key[0], key1: key[1], offset0: offset[0], offset1: offset[1] };
  const want = new ARRAY[dtype](n), got = new ARRAY[dtype](n);
  const pDtype: DType | undefined = p ? (p instanceof Float64Array ? "float64" : "float32") : undefined;
  referenceFill({ dist, dtype, shape: [n], generator: new Generator(0) }, want, draw, p ?? null, pDtype);
  assert.equal(nativeRandom(dist, dtype, got, draw, p ?? null, pDtype), true, `native handles ${dist.kind} ${dtype}`);
  for (let i = 0; i < n; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${dist.kind} ${dtype} n=${n} offset=${offset}: element ${i} is ${got[i]} natively, ${want[i]} in TypeScript`);
  }
}

const SIZES = [0, 1, 3, 4, 5, 8191, 8193, 100003];
const OFFSETS: [number, number][] = [[0, 0], [12345, 0], [0xfffffff0, 3]];
const KEYS: [number, number][] = [[0, 0], [0xdeadbeef, 0xffffffff]];

test("native uniform and normal (float32, float64) are bit-identical to TypeScript", { skip }, () => {
  for (const n of SIZES) {
    for (const [oi, offset] of OFFSETS.entries()) {
      const key = KEYS[oi % 2]!;
      for (const dtype of ["float32", "float64"] as const) {
        compare({ kind: "uniform", low: 0, high: 1 }, dtype, n, offset, key);
        compare({ kind: "uniform", low: -2.5, high: 7 }, dtype, n, offset, key);
        compare({ kind: "normal", mean: 0, std: 1 }, dtype, n, offset, key);
        compare({ kind: "normal", mean: 3, std: 0.1 }, dtype, n, offset, key);
      }
    }
  }
});

test("native randint (int32) and bernoulli (float32/float64 p and output) are bit-identical to TypeScript", { skip }, () => {
  for (const n of SIZES) {
    const offset = OFFSETS[n % 3]!, key = KEYS[n % 2]!;
    compare({ kind: "randint", low: -7, high: 100 }, "int32", n, offset, key);
    compare({ kind: "randint", low: -(2 ** 31), high: 2 ** 31 }, "int32", n, offset, key); // span 2^32
    compare({ kind: "randint", low: 0, high: 3 }, "int32", n, offset, key);
    const p32 = Float32Array.from({ length: n }, (_, i) => (i % 11) / 10 > 1 ? 1 : (i % 11) / 10);
    const p64 = Float64Array.from(p32, (v) => v / 3);
    for (const dtype of ["float32", "float64"] as const) {
      compare({ kind: "bernoulli" }, dtype, n, offset, key, p32);
      compare({ kind: "bernoulli" }, dtype, n, offset, key, p64);
    }
  }
});

test("the native kernel refuses what it does not handle (the TypeScript loops run) and bad arguments", { skip }, () => {
  const draw = { key0: 0, key1: 0, offset0: 0, offset1: 0 };
  assert.equal(nativeRandom({ kind: "uniform", low: 0, high: 1 }, "bfloat16", new Uint16Array(4), draw, null, undefined), false);
  assert.equal(nativeRandom({ kind: "randint", low: 0, high: 4 }, "float32", new Float32Array(4), draw, null, undefined), false);
  assert.equal(nativeRandom({ kind: "randperm", n: 4 }, "int32", new Int32Array(4), draw, null, undefined), false);
  assert.throws(() => nativeRandom({ kind: "uniform", low: 0, high: 1 }, "float32", new Float32Array(4), { ...draw, key0: -1 }, null, undefined), /random \(native kernel\): key and offset words/);
  assert.throws(() => nativeRandom({ kind: "bernoulli" }, "float32", new Float32Array(4), draw, new Float32Array(2), "float32"), /random \(native kernel\): bernoulli needs n probabilities/);
});

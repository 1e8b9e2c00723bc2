/**
 * The native sort / top-k kernel (native/src/sort.cc) against the TypeScript kernels of
 * src/backend/cpu/sort.ts (the reference): values bit for bit (NaN payloads and -0 kept) and
 * indices equal, for every dtype the kernel sorts, over random rows with NaN, ±inf, -0/0 and
 * many ties, odd row lengths, every axis of 3-D tensors (strided rows, and rows wider than a
 * tile), non-contiguous inputs, ascending/descending, k from 0 to the row length, at 1 and 2
 * threads. Also: the binding's argument checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getNumThreads, setNumThreads, tensor, type DType, type Tensor } from "../../src/index.js";
import { sort, sortReference, topk, topkReference } from "../../src/backend/cpu/sort.js";
import { nativeAddon } from "../../src/backend/cpu/native.js";
import { nativeSortRows } from "../../src/backend/cpu/native_sort.js";
import { rng, skip } from "./native_helpers.js";

/** A row-major list of values of the dtype: specials and heavy ties for floats, the full range (and ties) for integers. */
function values(dtype: DType, n: number, seed: number): number[] {
  const r = rng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2.5, -2.5, 1e-40, -1e-40];
  return Array.from({ length: n }, () => {
    const u = r();
    switch (dtype) {
      case "float32": case "float64": case "float16": case "bfloat16":
        return u < 0.3 ? specials[Math.floor(r() * specials.length)]! : u < 0.6 ? Math.floor(r() * 7) - 3 : (r() - 0.5) * 1e3;
      case "int32": return u < 0.5 ? Math.floor(r() * 5) - 2 : Math.floor(r() * 2 ** 32) - 2 ** 31;
      case "int64": return u < 0.5 ? Math.floor(r() * 5) - 2 : Math.floor(r() * 2 ** 53) - 2 ** 52;
      case "uint8": return Math.floor(r() * 256);
      case "int8": return Math.floor(r() * 256) - 128;
      default: return u < 0.5 ? 1 : 0;
    }
  });
}

function make(dtype: DType, shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = values(dtype, n, seed);
  return tensor(dtype === "int64" ? data.map((v) => BigInt(v)) : data, { dtype }).reshape(shape);
}

/** The bytes of t's elements in order (NaN payloads and -0 included). */
function bytes(t: Tensor): Uint8Array {
  const c = t.contiguous();
  const d = c.storage.data.subarray(c.offset, c.offset + c.numel());
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

function same(got: Tensor[], want: Tensor[], msg: string): void {
  assert.deepEqual(got[0]!.shape, want[0]!.shape, `${msg}: shape`);
  assert.deepEqual(got[1]!.toTypedArray(), want[1]!.toTypedArray(), `${msg}: indices`);
  assert.deepEqual(bytes(got[0]!), bytes(want[0]!), `${msg}: values (bits)`);
}

/** Runs fn at 1 and at 2 threads. */
function atThreadCounts(fn: (threads: number) => void): void {
  const before = getNumThreads();
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      fn(threads);
    }
  } finally {
    setNumThreads(before);
  }
}

const DTYPES: DType[] = ["float32", "float64", "int32", "int64", "uint8", "int8", "bool", "float16"];
const SHAPES: number[][] = [[1], [7], [33], [49], [300], [3, 1], [5, 17], [4, 65, 3], [2, 3, 40], [3, 129, 21]];

test("native sort equals the TypeScript sort (every dtype, axis, order; strided and non-contiguous rows)", { skip }, () => {
  atThreadCounts((threads) => {
    let seed = 1;
    for (const dtype of DTYPES) {
      for (const shape of SHAPES) {
        const x = make(dtype, shape, seed++);
        const inputs = x.ndim === 3 ? [x, x.permute([2, 0, 1])] : [x];
        for (const input of inputs) {
          for (let axis = 0; axis < input.ndim; axis++) {
            for (const descending of [false, true]) {
              const a = { axis, descending };
              same(sort([input], a, "cpu"), sortReference([input], a, "cpu"), `${dtype} ${JSON.stringify(input.shape)} axis ${axis} desc ${descending} ${threads}T`);
            }
          }
        }
      }
    }
  });
});

test("native top-k equals the TypeScript top-k and the first k of the stable sort (k = 0, 1, small, half, n)", { skip }, () => {
  atThreadCounts((threads) => {
    let seed = 100;
    for (const dtype of DTYPES) {
      for (const shape of [[1], [33], [300], [5, 17], [4, 65, 3], [3, 129, 21], [2, 1000]]) {
        const x = make(dtype, shape, seed++);
        for (let axis = 0; axis < x.ndim; axis++) {
          const n = x.shape[axis]!;
          for (const k of new Set([0, 1, 2, 5, Math.floor(n / 8), Math.floor(n / 8) + 1, 70, Math.floor(n / 2), n - 1, n].filter((k) => k >= 0 && k <= n))) {
            for (const largest of [true, false]) {
              const a = { axis, k, largest };
              const msg = `${dtype} ${JSON.stringify(shape)} axis ${axis} k ${k} largest ${largest} ${threads}T`;
              const got = topk([x], a, "cpu");
              same(got, topkReference([x], a, "cpu"), msg);
              // the first k of the stable sort (descending for largest)
              const sorted = sortReference([x], { axis, descending: largest }, "cpu");
              const cut = sorted.map((t) => t.narrow(axis, 0, k).contiguous());
              same(got, cut, `${msg} vs sort`);
            }
          }
        }
      }
    }
  });
});

test("native sort of large inputs spreads rows over threads with the same result", { skip }, () => {
  const x = make("float32", [257, 300], 7);
  const xt = x.t();
  const want = sortReference([x], { axis: 1, descending: false }, "cpu");
  const wantT = sortReference([xt], { axis: 0, descending: true }, "cpu");
  const wantK = topkReference([x], { axis: 1, k: 9, largest: true }, "cpu");
  atThreadCounts((threads) => {
    same(sort([x], { axis: 1, descending: false }, "cpu"), want, `rows ${threads}T`);
    same(sort([xt], { axis: 0, descending: true }, "cpu"), wantT, `transposed ${threads}T`);
    same(topk([x], { axis: 1, k: 9, largest: true }, "cpu"), wantK, `topk ${threads}T`);
  });
});

test("the native kernel keeps NaN payloads and -0 in the values it moves", { skip }, () => {
  const raw = new Float32Array([3, -0, 0, NaN, -0, 1]);
  new Uint32Array(raw.buffer)[3] = 0x7fc12345; // a NaN with a payload
  const v = new Float32Array(6), id = new Int32Array(6);
  assert.equal(nativeSortRows("float32", { outer: 1, R: 6, inner: 1 }, 6, false, raw, 0, v, id), true);
  assert.deepEqual([...id], [1, 2, 4, 5, 0, 3]);
  assert.ok(Object.is(v[0], -0) && Object.is(v[1], 0) && Object.is(v[2], -0));
  assert.equal(new Uint32Array(v.buffer)[5], 0x7fc12345);
});

test("the binding declines the 16-bit floats and rejects inconsistent arguments", { skip }, () => {
  const g = { outer: 2, R: 3, inner: 1 };
  assert.equal(nativeSortRows("float16", g, 3, false, new Uint16Array(6), 0, new Uint16Array(6), new Int32Array(6)), false);
  assert.throws(() => nativeSortRows("float32", g, 4, false, new Float32Array(6), 0, new Float32Array(8), new Int32Array(8)), /sort \(native kernel\): k is larger than the row/);
  assert.throws(() => nativeSortRows("float32", g, 3, false, new Float32Array(6), 1, new Float32Array(6), new Int32Array(6)), /reach outside an array/);
  assert.throws(() => nativeSortRows("float32", g, 3, false, new Float32Array(6), 0, new Float32Array(5), new Int32Array(6)), /reach outside an array/);
  assert.throws(() => nativeSortRows("float32", g, 3, false, new Float64Array(6) as unknown as Float32Array, 0, new Float32Array(6), new Int32Array(6)), /x must be a typed array of the type/);
  const sortRows = (nativeAddon() as unknown as { sortRows: (...a: unknown[]) => boolean }).sortRows;
  assert.throws(() => sortRows(new Float64Array(7).fill(0.5), new Float32Array(1), new Float32Array(1), new Int32Array(1)), /bad type or order code/);
  assert.throws(() => sortRows(new Float64Array(3), new Float32Array(1), new Float32Array(1), new Int32Array(1)), /expects a Float64Array of 7 parameters/);
});

/**
 * The native prefix sum / product (native/src/scan.cc) against an independent float64 loop:
 * each prefix accumulated in double in order along the axis and rounded to the dtype on store,
 * as the scan primitive defines it (and PyTorch's CPU cumsum, which accumulates float in
 * double). Rows along the last dim (scanned 16 side by side through transposed tiles), along
 * other dims (16 inner positions per step), one long row, strided and offset inputs, odd
 * sizes, NaN and infinities, float32 and float64, at 1 and 2 threads.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dispatch, getNumThreads, setNumThreads, tensor, type Tensor } from "../../src/index.js";
import { nativeAddon } from "../../src/backend/cpu/native.js";

const skip = (nativeAddon() as { scanRows?: unknown } | null)?.scanRows ? false : "the native addon (with scanRows) is not loaded";

function values(n: number, seed: number, prod: boolean): number[] {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => {
    if (i % 997 === 5) return [NaN, Infinity, -Infinity, -0][i % 4]!;
    return prod ? 1 + (r() - 0.5) * 0.02 : (r() - 0.5) * 10;
  });
}

/** The reference: every row along `axis` of x (any strides) in a float64 loop. */
function reference(x: Tensor, axis: number, op: "sum" | "prod"): number[] {
  const shape = x.shape, data = x.toTypedArray() as Float32Array | Float64Array; // contiguous copy, row-major
  const out = new Float64Array(data.length);
  const R = shape[axis]!, inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1), outer = data.length / (R * inner);
  const round = x.dtype === "float32" ? Math.fround : (v: number) => v;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === "sum" ? 0 : 1;
      for (let t = 0; t < R; t++) {
        const k = (o * R + t) * inner + i;
        acc = op === "sum" ? acc + data[k]! : acc * data[k]!;
        out[k] = round(acc);
      }
    }
  }
  return Array.from(out);
}

const CASES: [number[], number, string, ((t: Tensor) => Tensor)?][] = [
  [[100, 130], 1, "rows along the last dim (not a multiple of 16 rows or 64 positions)"],
  [[130, 100], 0, "along the first dim"],
  [[3, 70, 37], 1, "a middle dim"],
  [[5, 9, 300], 2, "few rows"],
  [[1, 5000], 1, "one long row"],
  [[64, 80], 1, "transposed input", (t) => t.mT],
  [[40, 90], 1, "offset slice", (t) => t.narrow(1, 3, 80)],
];

test("native scan: cumsum and cumprod equal the float64 loop bit for bit, at 1 and 2 threads", { skip }, () => {
  const threads = getNumThreads();
  try {
    for (const nt of [1, 2]) {
      setNumThreads(nt);
      let seed = 7;
      for (const dtype of ["float32", "float64"] as const) {
        for (const op of ["sum", "prod"] as const) {
          for (const [shape, axis, name, view] of CASES) {
            const base = tensor(values(shape.reduce((a, b) => a * b, 1), seed++, op === "prod"), { dtype }).reshape(shape);
            const x = view ? view(base) : base;
            const got = Array.from(dispatch("scan", [x], { op, axis }).toTypedArray() as Float32Array);
            const want = reference(x, axis, op);
            for (let i = 0; i < want.length; i++) {
              if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
                assert.fail(`${op} ${dtype} ${name} (${nt} thread(s)): element ${i} is ${got[i]}, the loop gives ${want[i]}`);
              }
            }
          }
        }
      }
    }
  } finally {
    setNumThreads(threads);
  }
});

test("cumsum of a float32 tensor on the native path is PyTorch's double-accumulated prefix", () => {
  // 2^24 + 1 + 1 ...: float32 accumulation would stall at 2^24, double does not
  const x = tensor([2 ** 24, ...new Array(299).fill(1)], { dtype: "float32" });
  const c = x.cumsum(0).toTypedArray();
  assert.equal(c[1], 2 ** 24); // 2^24 + 1 rounds to 2^24 on store
  assert.equal(c[2], 2 ** 24 + 2); // but the accumulator kept the 1
  assert.equal(c[299], Math.fround(2 ** 24 + 299)); // 2^24 + 300: the tie rounds to even
});

/**
 * The native general gather / scatter (native/src/gather.cc) against the TypeScript loops
 * (withTypeScriptIndexing): every dtype, int32 and int64 indices, strided, transposed,
 * offset and expanded (stride-0) index views, strided inputs and sources, indices smaller
 * than the input outside the axis, negative indices where the rule allows them, out-of-range
 * indices (the same IndexError message on both paths), and sizes large enough to run on
 * several threads (scatter-add must give the same bits at every thread count).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, type DType, type Tensor } from "../../src/index.js";
import { gather, scatter, withTypeScriptIndexing } from "../../src/backend/cpu/structure.js";
import { getNumThreads, nativeIndexed, setNumThreads } from "../../src/backend/cpu/native.js";
import type { IndexRule } from "../../src/backend/primitives.js";
import { skip } from "./native_helpers.js";
import { randomTensor } from "../helpers.js";

const ALL: DType[] = ["float32", "float64", "int32", "int64", "bool", "uint8", "int8", "float16", "bfloat16"];
const ADD: DType[] = ["float32", "float64", "int32", "int64", "uint8", "int8"];

function values(t: Tensor): unknown[] {
  return Array.from(t.toTypedArray() as ArrayLike<unknown>);
}

function data(shape: number[], dtype: DType, seed: number): Tensor {
  const lo = dtype === "bool" ? 0 : dtype === "uint8" ? 0 : -100, hi = dtype === "bool" ? 2 : 100;
  const t = randomTensor(shape, { seed, lo, hi, dtype: "float64" });
  return (dtype === "float32" || dtype === "float64" || dtype === "float16" || dtype === "bfloat16" ? t : t.floor()).to(dtype);
}

function indices(shape: number[], lo: number, hi: number, dtype: "int32" | "int64", seed: number): Tensor {
  return randomTensor(shape, { seed, lo, hi }).floor().to(dtype);
}

/** The index layouts: contiguous, transposed, offset slice, expanded along a dim. */
function layouts(shape: number[], lo: number, hi: number, dtype: "int32" | "int64", seed: number): [string, Tensor][] {
  const out: [string, Tensor][] = [["contiguous", indices(shape, lo, hi, dtype, seed)]];
  if (shape.length >= 2) {
    const r = shape.length;
    const tShape = [...shape];
    [tShape[r - 1], tShape[r - 2]] = [tShape[r - 2]!, tShape[r - 1]!];
    out.push(["transposed", indices(tShape, lo, hi, dtype, seed + 1).transpose(r - 1, r - 2)]);
    // a view at an offset with a row stride larger than its rows
    const wide = [...shape];
    wide[r - 1]! += 3;
    wide[0]! += 1;
    const big = indices(wide, lo, hi, dtype, seed + 2);
    out.push(["sliced", big.narrow(0, 1, shape[0]!).narrow(r - 1, 2, shape[r - 1]!)]);
    // broadcast along dim 0 (stride 0), as indexSelect and interpolate's taps
    const one = [...shape];
    one[0] = 1;
    out.push(["expanded", indices(one, lo, hi, dtype, seed + 3).expand(shape)]);
  }
  return out;
}

function sameOnBoth<T>(what: string, run: () => T, compare: (a: T, b: T) => void): void {
  const got = run(), want = withTypeScriptIndexing(run);
  compare(got, want);
  void what;
}

test("gather: native matches the TypeScript loop for every dtype, index type and layout", { skip }, () => {
  const cases: [number[], number[], number][] = [[[6, 9], [6, 5], 1], [[7, 4], [3, 4], 0], [[3, 8, 6], [2, 5, 6], 1], [[4, 3, 5], [4, 3, 7], 2], [[11], [17], 0]];
  let seed = 1;
  for (const dtype of ALL) {
    for (const [xs, is, axis] of cases) {
      for (const itype of ["int32", "int64"] as const) {
        const x = data(xs, dtype, seed++);
        for (const [name, idx] of layouts(is, 0, xs[axis]!, itype, seed++)) {
          const msg = `${dtype} x ${xs} index ${itype} ${name} ${is} axis ${axis}`;
          sameOnBoth(msg, () => gather([x, idx], { axis }, "cpu")[0]!, (a, b) => {
            assert.deepEqual(a.shape, b.shape, msg);
            assert.equal(a.dtype, dtype, msg);
            assert.deepEqual(values(a), values(b), msg);
          });
        }
        // a strided (transposed) input
        if (xs.length >= 2) {
          const xt = data([...xs].reverse(), dtype, seed++).permute(xs.map((_, d) => xs.length - 1 - d));
          const idx = indices(is, 0, xs[axis]!, itype, seed++);
          sameOnBoth("", () => gather([xt, idx], { axis }, "cpu")[0]!, (a, b) => assert.deepEqual(values(a), values(b), `${dtype} transposed x ${xs}`));
        }
      }
    }
  }
});

test("gather: negative indices where the rule allows them; out-of-range ones raise the same IndexError", { skip }, () => {
  const x = data([5, 7], "float32", 3);
  for (const itype of ["int32", "int64"] as const) {
    const idx = indices([5, 6], -7, 7, itype, 4);
    sameOnBoth("", () => gather([x, idx], { axis: 1, index: { negative: true } }, "cpu")[0]!, (a, b) => assert.deepEqual(values(a), values(b)));
    const rules: (IndexRule | undefined)[] = [undefined, { error: "take: out of range: tried to access index {index} on a tensor of 35 elements." }, { negative: true }];
    for (const rule of rules) {
      for (const badValue of [7, 9, -8, 1e6]) {
        if (badValue === -8 && !rule?.negative) continue;
        // the first bad index in row-major order is reported, after others that are also bad
        const bad = indices([5, 6], 0, 7, itype, 5).clone();
        const flat = bad.reshape([-1]);
        flat.narrow(0, 13, 1).fill_(badValue);
        flat.narrow(0, 20, 1).fill_(badValue === 9 ? 11 : 9);
        const attrs = { axis: 1, ...(rule ? { index: rule } : {}) };
        const messages: string[] = [];
        for (const run of [() => gather([x, bad], attrs, "cpu"), () => withTypeScriptIndexing(() => gather([x, bad], attrs, "cpu"))]) {
          assert.throws(run, (e: Error) => {
            assert.ok(e instanceof IndexError, String(e));
            messages.push(e.message);
            return true;
          });
        }
        assert.equal(messages[0], messages[1]);
        assert.ok(messages[0]!.includes(String(badValue)), messages[0]);
      }
    }
  }
  // the default message names the op, the axis, the size and the shape
  const idx = indices([2, 2], 0, 5, "int64", 6).clone();
  idx.reshape([-1]).narrow(0, 3, 1).fill_(5);
  assert.throws(() => gather([x, idx], { axis: 0 }, "cpu"), /^IndexError: gather: index 5 is out of bounds for dimension 0 with size 5 \(input shape \[5, 7\]\)$|gather: index 5 is out of bounds for dimension 0 with size 5 \(input shape \[5, 7\]\)/);
  // an index into an empty axis is always out of range
  const empty = data([3, 0], "float32", 7);
  assert.throws(() => gather([empty, indices([3, 1], 0, 1, "int32", 8)], { axis: 1 }, "cpu"), /index 0 is out of bounds for dimension 1 with size 0/);
  assert.deepEqual(gather([empty, indices([3, 0], 0, 1, "int32", 8)], { axis: 1 }, "cpu")[0]!.shape, [3, 0]);
});

test("scatter and scatter-add: native matches the TypeScript loop (same sums, in the same order)", { skip }, () => {
  const cases: [number[], number[], number][] = [[[6, 9], [6, 12], 1], [[7, 4], [10, 4], 0], [[3, 8, 6], [2, 11, 6], 1], [[4, 3, 5], [4, 2, 9], 2], [[5], [12], 0]];
  let seed = 100;
  for (const reduce of ["add", "none"] as const) {
    for (const dtype of reduce === "add" ? ADD : ALL) {
      for (const [xs, is, axis] of cases) {
        for (const itype of ["int32", "int64"] as const) {
          const x = data(xs, dtype, seed++);
          // repeats: sums in order; plain scatter keeps the last (row-major) write on both paths
          for (const [name, idx] of layouts(is, 0, xs[axis]!, itype, seed++)) {
            const srcShape = idx.shape.map((s) => s + 1);
            const src = data(srcShape, dtype, seed++).narrow(0, 1, idx.shape[0]!); // strided, offset
            const msg = `${reduce} ${dtype} x ${xs} index ${itype} ${name} ${is} axis ${axis}`;
            sameOnBoth(msg, () => scatter([x, idx, src], { axis, reduce }, "cpu")[0]!, (a, b) => {
              assert.deepEqual(a.shape, xs, msg);
              assert.deepEqual(values(a), values(b), msg);
            });
          }
        }
      }
    }
  }
  // x broadcast from one value (interpolate's and gather's gradients start from expanded zeros)
  const zero = data([1, 1], "float32", 9).mul(0).expand([40, 30]);
  const idx = indices([1, 50], 0, 30, "int32", 10).expand([40, 50]);
  const src = data([40, 50], "float32", 11);
  sameOnBoth("", () => scatter([zero, idx, src], { axis: 1, reduce: "add" }, "cpu")[0]!, (a, b) => assert.deepEqual(values(a), values(b)));
});

test("scatter: negative indices and out-of-range errors as the TypeScript loop", { skip }, () => {
  const x = data([4, 6], "float64", 20), src = data([4, 5], "float64", 21);
  const neg = indices([4, 5], -6, 6, "int64", 22);
  sameOnBoth("", () => scatter([x, neg, src], { axis: 1, reduce: "add", index: { negative: true } }, "cpu")[0]!, (a, b) => assert.deepEqual(values(a), values(b)));
  for (const reduce of ["add", "none"] as const) {
    for (const itype of ["int32", "int64"] as const) {
      const bad = indices([4, 5], 0, 6, itype, 23).transpose(0, 1).contiguous().transpose(0, 1); // strided: the general path
      bad.narrow(0, 2, 1).narrow(1, 3, 1).fill_(-1);
      bad.narrow(0, 3, 1).narrow(1, 0, 1).fill_(6);
      const messages: string[] = [];
      for (const run of [() => scatter([x, bad, src], { axis: 1, reduce }, "cpu"), () => withTypeScriptIndexing(() => scatter([x, bad, src], { axis: 1, reduce }, "cpu"))]) {
        assert.throws(run, (e: Error) => {
          assert.ok(e instanceof IndexError, String(e));
          messages.push(e.message);
          return true;
        });
      }
      assert.equal(messages[0], messages[1]);
      assert.match(messages[0]!, /scatter: index -1 is out of bounds for dimension 1 with size 6 \(input shape \[4, 6\]\)/);
    }
  }
  // x is unchanged by a failed scatter
  assert.deepEqual(values(x), values(data([4, 6], "float64", 20)));
});

test("large gathers and scatter-adds on several threads give the same values as one thread and as TypeScript", { skip }, () => {
  const saved = getNumThreads();
  try {
    const cases: [number[], number[], number][] = [[[256, 300], [256, 400], 1], [[300, 64, 5], [500, 64, 5], 0], [[8, 300, 40], [8, 200, 40], 1], [[3, 40, 700], [3, 40, 700], 2]];
    let seed = 200;
    for (const [xs, is, axis] of cases) {
      for (const itype of ["int32", "int64"] as const) {
        for (const [name, idx] of layouts(is, 0, xs[axis]!, itype, seed++)) {
          const x = data(xs, "float32", seed++);
          const src = data([...idx.shape], "float32", seed++);
          const msg = `${xs} ${itype} ${name} axis ${axis}`;
          const g = () => gather([x, idx], { axis }, "cpu")[0]!;
          const s = () => scatter([x, idx, src], { axis, reduce: "add" }, "cpu")[0]!;
          const wantG = values(withTypeScriptIndexing(g)), wantS = values(withTypeScriptIndexing(s));
          for (const threads of [1, 2, 3]) {
            setNumThreads(threads);
            assert.deepEqual(values(g()), wantG, `gather ${msg} ${threads} threads`);
            assert.deepEqual(values(s()), wantS, `scatter-add ${msg} ${threads} threads`);
          }
        }
      }
    }
    // a bad index found by a later thread is still the first in row-major order
    setNumThreads(3);
    const x = data([400, 300], "float32", 300);
    const bad = indices([400, 300], 0, 300, "int64", 301);
    bad.narrow(0, 390, 1).narrow(1, 7, 1).fill_(300);
    bad.narrow(0, 250, 1).narrow(1, 299, 1).fill_(-3);
    assert.throws(() => gather([x, bad], { axis: 1 }, "cpu"), /gather: index -3 is out of bounds/);
    assert.throws(() => scatter([x, bad, x], { axis: 1, reduce: "add" }, "cpu"), /scatter: index -3 is out of bounds/);
  } finally {
    setNumThreads(saved);
  }
});

test("the native kernel takes every dtype (gather, scatter) and the add's (it does not decline to TypeScript)", { skip }, () => {
  const op = (t: Tensor) => ({ data: t.storage.data as never, offset: t.offset, strides: t.strides });
  for (const dtype of ALL) {
    for (const itype of ["int32", "int64"] as const) {
      const x = data([3, 4], dtype, 1), idx = indices([3, 2], 0, 4, itype, 2), out = data([3, 2], dtype, 3);
      assert.equal(nativeIndexed("gather", dtype, itype, false, 1, 4, [3, 2], op(idx), op(x), op(out)), -1, `gather ${dtype} ${itype}`);
      assert.equal(nativeIndexed("set", dtype, itype, false, 1, 4, [3, 2], op(idx), op(x), op(out)), -1, `set ${dtype} ${itype}`);
      assert.equal(nativeIndexed("add", dtype, itype, false, 1, 4, [3, 2], op(idx), op(x), op(out)) !== false, ADD.includes(dtype), `add ${dtype} ${itype}`);
    }
  }
  // a bad index comes back as its row-major position
  const x = data([3, 4], "float32", 1), idx = indices([3, 2], 0, 4, "int64", 2).clone(), out = data([3, 2], "float32", 3);
  idx.reshape([-1]).narrow(0, 4, 1).fill_(-1);
  assert.equal(nativeIndexed("gather", "float32", "int64", false, 1, 4, [3, 2], op(idx), op(x), op(out)), 4);
  assert.equal(nativeIndexed("gather", "float32", "int64", true, 1, 4, [3, 2], op(idx), op(x), op(out)), -1);
  // strides reaching outside an array throw instead of touching memory
  assert.throws(() => nativeIndexed("gather", "float32", "int64", false, 1, 5, [3, 2], op(idx), op(x), op(out)), /gather \(native kernel\): the table reaches outside its array/);
});

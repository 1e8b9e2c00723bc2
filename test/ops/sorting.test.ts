/**
 * Tests for src/ops/sorting.ts and the CPU sort/unique kernels: sort, argsort, msort, topk,
 * kthvalue, median, nanmedian and unique against a plain-JS reference (rows sorted with
 * Array.prototype.sort on [value, index] pairs) and PyTorch results in
 * test/fixtures/sorting_torch.json; ties, NaN, non-contiguous, empty and 0-d inputs;
 * gradients with gradcheck in float64; error messages.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Generator, IndexError, Tensor, autograd, tensor, zeros, type DType } from "../../src/index.js";
import { unique as fxUnique, uniqueConsecutive as fxUniqueConsecutive } from "../../src/index.js";
import { argsort, kthvalue, median, msort, nanmedian, sort, topk, unique } from "../../src/ops/sorting.js";
import { assertClose, assertShape, flat, nonContiguous, randomTensor } from "../helpers.js";

// ---- reference ---------------------------------------------------------------------------

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** NaN-last ascending comparison of [value, index] pairs, ties by index (stable). */
function cmpAsc(a: [number, number], b: [number, number]): number {
  const an = Number.isNaN(a[0]), bn = Number.isNaN(b[0]);
  if (an || bn) return an && bn ? a[1] - b[1] : an ? 1 : -1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1];
}
function cmpDesc(a: [number, number], b: [number, number]): number {
  const an = Number.isNaN(a[0]), bn = Number.isNaN(b[0]);
  if (an || bn) return an && bn ? a[1] - b[1] : an ? -1 : 1;
  return a[0] > b[0] ? -1 : a[0] < b[0] ? 1 : a[1] - b[1];
}

/** Calls fn with each row along dim d (as [value, index] pairs) and writes back what it returns. */
function mapRows(values: number[], shape: readonly number[], d: number, outLen: number, fn: (row: [number, number][]) => [number, number][]): { v: number[]; i: number[]; shape: number[] } {
  const R = shape[d]!, inner = numel(shape.slice(d + 1)), outer = numel(shape.slice(0, d));
  const outShape = [...shape];
  outShape[d] = outLen;
  const v = new Array<number>(numel(outShape)), i = new Array<number>(numel(outShape));
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      const row: [number, number][] = [];
      for (let r = 0; r < R; r++) row.push([values[(o * R + r) * inner + k]!, r]);
      fn(row).forEach(([val, idx], r) => {
        v[(o * outLen + r) * inner + k] = val;
        i[(o * outLen + r) * inner + k] = idx;
      });
    }
  }
  return { v, i, shape: outShape };
}

const gen = new Generator(7);
const randInt = (lo: number, hi: number) => lo + Math.floor(gen.nextDouble() * (hi - lo + 1));
/** Random small integers (many ties), some NaN, as a tensor of dtype. */
function tiedTensor(shape: readonly number[], dtype: DType = "float64", nan = true): Tensor {
  const vals = Array.from({ length: numel(shape) }, () => (nan && gen.nextDouble() < 0.15 ? NaN : randInt(-3, 3)));
  return tensor(new Float64Array(vals), { shape }).to(dtype);
}
let seed = 1;
/** Distinct values (no ties), so gradients are well defined for gradcheck. */
const rg = (shape: readonly number[]) => randomTensor(shape, { seed: seed++, requiresGrad: true });
const weighted = (t: Tensor) => t.mul(randomTensor(t.shape, { seed: 999 }));

const dec = (v: number | string) => (v === "nan" ? NaN : (v as number));
const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/sorting_torch.json", import.meta.url)), "utf8"));
const fx = (x: (number | string)[], shape: number[]) => tensor(new Float64Array(x.map(dec)), { shape });

// ---- sort --------------------------------------------------------------------------------

describe("sort", () => {
  test("matches PyTorch's stable sort with ties and NaN, both directions", () => {
    for (const f of fixtures.sort) {
      const r = sort(fx(f.x, f.shape), f.dim, { descending: f.descending, stable: true });
      assertClose(r.values, f.values.map(dec), { atol: 0, rtol: 0 });
      assert.deepEqual(flat(r.indices), f.indices, `sort ${JSON.stringify(f.shape)} dim ${f.dim} descending ${f.descending}`);
    }
  });

  test("matches the reference on random shapes, dims, dtypes and layouts", () => {
    const dtypes: DType[] = ["float64", "float32", "int32", "bfloat16", "float16"];
    for (let trial = 0; trial < 20; trial++) {
      const nd = randInt(1, 4);
      const shape = Array.from({ length: nd }, () => randInt(0, 5));
      const d = randInt(0, nd - 1);
      const dtype = dtypes[trial % dtypes.length]!;
      const base = tiedTensor(shape, dtype, dtype !== "int32");
      const x = trial % 2 && numel(shape) > 0 ? nonContiguous(base) : base;
      const descending = trial % 3 === 0;
      const r = x.sort(trial % 2 ? d - nd : d, { descending });
      const ref = mapRows(flat(x), shape, d, shape[d]!, (row) => row.sort(descending ? cmpDesc : cmpAsc));
      assertShape(r.values, shape);
      assertShape(r.indices, shape);
      assert.equal(r.values.dtype, dtype);
      assert.equal(r.indices.dtype, "int32");
      assertClose(r.values, ref.v, { atol: 0, rtol: 0, msg: `values ${dtype} ${JSON.stringify(shape)} dim ${d}` });
      assert.deepEqual(flat(r.indices), ref.i, `indices ${dtype} ${JSON.stringify(shape)} dim ${d}`);
    }
  });

  test("handles infinities, -0 and bool", () => {
    const r = sort(tensor([Infinity, -0, NaN, -Infinity, 0, Infinity]));
    assertClose(r.values, [-Infinity, -0, 0, Infinity, Infinity, NaN]);
    assert.deepEqual(flat(r.indices), [3, 1, 4, 0, 5, 2]);
    const b = tensor([true, false, true]).sort(0, { descending: true });
    assert.equal(b.values.dtype, "bool");
    assert.deepEqual(b.values.tolist(), [true, true, false]);
    assert.deepEqual(b.indices.tolist(), [0, 2, 1]);
  });

  test("long rows (radix-sort path, 8- and 16-bit digits) match the reference", () => {
    const negNaN = new Float64Array(new Uint32Array([0, 0xfff80000]).buffer)[0]!; // NaN with the sign bit set
    const specials = [NaN, negNaN, Infinity, -Infinity, 0, -0, 1e-300, -1e-300, 1e300, -1e300];
    for (const [n, dtype] of [[40, "float64"], [1000, "float32"], [3000, "int32"], [70000, "float64"]] as const) {
      const g = new Generator(n);
      const vals = Array.from({ length: n }, (_, k) =>
        dtype === "int32" ? Math.floor((g.nextDouble() - 0.5) * 2e9) : k % 7 === 0 ? specials[k % specials.length]! : Math.round((g.nextDouble() - 0.5) * 200) / 4,
      );
      const x = tensor(new Float64Array(vals)).to(dtype);
      for (const descending of [false, true]) {
        const r = sort(x, 0, { descending });
        const ref = mapRows(flat(x), [n], 0, n, (row) => row.sort(descending ? cmpDesc : cmpAsc));
        assertClose(r.values, ref.v, { atol: 0, rtol: 0, msg: `n=${n} ${dtype}` });
        assert.deepEqual(flat(r.indices), ref.i, `indices n=${n} ${dtype} descending=${descending}`);
      }
    }
  });

  test("0-d and empty tensors", () => {
    const r = sort(tensor(5));
    assertShape(r.values, []);
    assertShape(r.indices, []);
    assert.equal(r.values.item(), 5);
    assert.equal(r.indices.item(), 0);
    const e = sort(zeros([2, 0]), 1);
    assertShape(e.values, [2, 0]);
    assertShape(e.indices, [2, 0]);
  });

  test("argsort and msort", () => {
    const x = tiedTensor([4, 5]);
    assert.deepEqual(flat(argsort(x, 0, { descending: true })), flat(sort(x, 0, { descending: true }).indices));
    assert.equal(argsort(x).dtype, "int32");
    assert.deepEqual(flat(x.argsort()), flat(x.sort().indices));
    assertClose(msort(x), sort(x, 0).values, { atol: 0, rtol: 0 });
    assert.deepEqual(tensor([[2, 1], [1, 3]]).msort().tolist(), [[1, 1], [2, 3]]);
  });

  test("gradient scatters back to the sorted positions (gradcheck, gradgradcheck)", () => {
    assert.ok(autograd.gradcheck((x) => weighted(x!.sort(1).values), [rg([3, 4])]));
    assert.ok(autograd.gradcheck((x) => weighted(x!.sort(0, { descending: true }).values), [nonContiguous(randomTensor([3, 2], { seed: 5 })).requiresGrad_()]));
    assert.ok(autograd.gradcheck((x) => weighted(msort(x!)), [rg([3, 2])]));
    assert.ok(autograd.gradgradcheck((x) => x!.sort(-1).values.pow(2).mul(tensor([1, 2, 3], { dtype: "float64" })), [rg([2, 3])]));
    const x = tensor([3, 1, 2], { dtype: "float64", requiresGrad: true });
    x.sort().values.mul(tensor([10, 20, 30], { dtype: "float64" })).sum().backward();
    assertClose(x.grad!, [30, 10, 20]);
    assert.equal(x.sort().indices.requiresGrad, false);
  });

  test("errors", () => {
    assert.throws(() => sort(zeros([2, 3]), 2), (e: Error) => e instanceof IndexError && /sort: dimension 2 out of range/.test(e.message));
  });
});

// ---- topk / kthvalue ---------------------------------------------------------------------

describe("topk and kthvalue", () => {
  test("topk values match PyTorch (ties, NaN as largest)", () => {
    for (const f of fixtures.topk) {
      const x = fx(f.x, f.shape);
      const r = x.topk(f.k, f.dim, { largest: f.largest });
      assertClose(r.values, f.values.map(dec), { atol: 0, rtol: 0, msg: `topk ${JSON.stringify(f)}` });
      // torch's topk indices for ties are unspecified; ours follow the stable sort
      const d = f.dim < 0 ? f.dim + f.shape.length : f.dim;
      const ref = mapRows(flat(x), f.shape, d, f.k, (row) => row.sort(f.largest ? cmpDesc : cmpAsc).slice(0, f.k));
      assert.deepEqual(flat(r.indices), ref.i);
    }
  });

  test("topk matches the reference on random inputs; k = 0 and k = size", () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = Array.from({ length: randInt(1, 3) }, () => randInt(1, 5));
      const d = randInt(0, shape.length - 1);
      const k = randInt(0, shape[d]!);
      const largest = trial % 2 === 0;
      const x = trial % 3 ? nonContiguous(tiedTensor(shape)) : tiedTensor(shape, "float32");
      const r = topk(x, k, d, { largest, sorted: true });
      const ref = mapRows(flat(x), shape, d, k, (row) => row.sort(largest ? cmpDesc : cmpAsc).slice(0, k));
      assertShape(r.values, ref.shape);
      assert.equal(r.values.dtype, x.dtype);
      assert.equal(r.indices.dtype, "int32");
      assertClose(r.values, ref.v, { atol: 0, rtol: 0 });
      assert.deepEqual(flat(r.indices), ref.i);
    }
    const t0 = topk(tensor(4), 1);
    assertShape(t0.values, []);
    assert.equal(t0.values.item(), 4);
  });

  test("kthvalue picks the k-th smallest, with keepdim", () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = Array.from({ length: randInt(1, 3) }, () => randInt(1, 5));
      const d = randInt(0, shape.length - 1);
      const k = randInt(1, shape[d]!);
      const x = trial % 2 ? nonContiguous(tiedTensor(shape)) : tiedTensor(shape, "int32", false);
      const keepdim = trial % 3 === 0;
      const r = kthvalue(x, k, d, { keepdim });
      const ref = mapRows(flat(x), shape, d, 1, (row) => [row.sort(cmpAsc)[k - 1]!]);
      const outShape = keepdim ? ref.shape : ref.shape.filter((_, i) => i !== d);
      assertShape(r.values, outShape);
      assertShape(r.indices, outShape);
      assert.equal(r.values.dtype, x.dtype);
      assertClose(r.values, ref.v, { atol: 0, rtol: 0 });
      assert.deepEqual(flat(r.indices), ref.i);
    }
    assert.equal(tensor([4, 1, 3]).kthvalue(2).values.item(), 3);
    assert.equal(kthvalue(tensor(2), 1).values.item(), 2);
  });

  test("gradients (gradcheck, gradgradcheck)", () => {
    assert.ok(autograd.gradcheck((x) => weighted(x!.topk(2, 1).values), [rg([3, 4])]));
    assert.ok(autograd.gradcheck((x) => weighted(x!.topk(3, 0, { largest: false }).values), [rg([4, 2])]));
    assert.ok(autograd.gradcheck((x) => weighted(x!.kthvalue(2, 1).values), [rg([3, 4])]));
    assert.ok(autograd.gradcheck((x) => weighted(x!.kthvalue(3, 0, { keepdim: true }).values), [rg([4, 2])]));
    assert.ok(autograd.gradgradcheck((x) => x!.topk(2).values.pow(2), [rg([2, 3])]));
    assert.ok(autograd.gradgradcheck((x) => x!.kthvalue(2).values.pow(3), [rg([2, 3])]));
  });

  test("errors name k and the dim size", () => {
    assert.throws(() => topk(zeros([2, 3]), 4), (e: Error) => e instanceof IndexError && /topk: selected index k out of range \(k = 4, size of dim 1 = 3, input shape \[2, 3\]\)/.test(e.message));
    assert.throws(() => topk(zeros([3]), -1), /topk: selected index k out of range/);
    assert.throws(() => kthvalue(zeros([2, 3]), 0, 1), /kthvalue: selected number k out of range for dimension 1 \(k = 0, size 3, input shape \[2, 3\]\)/);
    assert.throws(() => kthvalue(zeros([2, 3]), 3, 0), /kthvalue: selected number k out of range for dimension 0 \(k = 3, size 2/);
  });
});

// ---- median / nanmedian ------------------------------------------------------------------

describe("median and nanmedian", () => {
  test("match PyTorch, with NaN propagating (median) or ignored (nanmedian)", () => {
    for (const f of fixtures.median) {
      const x = fx(f.x, f.shape);
      assertClose(median(x), [dec(f.medianAll)], { atol: 0, rtol: 0 });
      assertClose(x.nanmedian(), [dec(f.nanmedianAll)], { atol: 0, rtol: 0 });
      assertClose(x.median(f.dim).values, f.median.map(dec), { atol: 0, rtol: 0, msg: `median dim ${f.dim}` });
      assertClose(nanmedian(x, f.dim).values, f.nanmedian.map(dec), { atol: 0, rtol: 0, msg: `nanmedian dim ${f.dim}` });
    }
  });

  test("median(dim) indices point at the median value; keepdim keeps the dim", () => {
    for (let trial = 0; trial < 10; trial++) {
      const shape = Array.from({ length: randInt(1, 3) }, () => randInt(1, 5));
      const d = randInt(0, shape.length - 1);
      const x = trial % 2 ? nonContiguous(tiedTensor(shape)) : tiedTensor(shape, "float32", false);
      const keepdim = trial % 3 === 0;
      for (const kind of ["median", "nanmedian"] as const) {
        const r = kind === "median" ? x.median(d, { keepdim }) : x.nanmedian(d, { keepdim });
        // reference: lower median of the row (first NaN if any for median; NaNs dropped for nanmedian)
        const ref = mapRows(flat(x), shape, d, 1, (row) => {
          const sorted = row.sort(cmpAsc);
          const nums = sorted.filter(([v]) => !Number.isNaN(v));
          if (kind === "median") return [nums.length < sorted.length ? sorted[nums.length]! : sorted[(sorted.length - 1) >> 1]!];
          return [nums.length ? nums[(nums.length - 1) >> 1]! : sorted[0]!];
        });
        const outShape = keepdim ? ref.shape : ref.shape.filter((_, i) => i !== d);
        assertShape(r.values, outShape);
        assert.equal(r.indices.dtype, "int32");
        assertClose(r.values, ref.v, { atol: 0, rtol: 0, msg: `${kind} ${JSON.stringify(shape)} dim ${d}` });
        assert.deepEqual(flat(r.indices), ref.i);
      }
    }
  });

  test("lower median of an even count; dtypes; 0-d and empty", () => {
    assert.equal(median(tensor([3, 1, 4, 2])).item(), 2);
    const i = median(tensor([5, 2, 9, 7], { dtype: "int32" }));
    assert.equal(i.dtype, "int32");
    assert.equal(i.item(), 5);
    assert.equal(median(tensor(4)).item(), 4);
    assert.equal(tensor(4).median(0).values.item(), 4);
    assert.ok(Number.isNaN(median(zeros([0])).item() as number));
    assert.ok(Number.isNaN(nanmedian(tensor([NaN, NaN])).item() as number));
  });

  test("gradients: median(dim) to the chosen element, median() shared among ties", () => {
    assert.ok(autograd.gradcheck((x) => weighted(x!.median(1).values), [rg([3, 4])]));
    assert.ok(autograd.gradcheck((x) => weighted(x!.nanmedian(0, { keepdim: true }).values), [rg([3, 2])]));
    assert.ok(autograd.gradcheck((x) => x!.median(), [rg([2, 3])]));
    assert.ok(autograd.gradcheck((x) => x!.nanmedian(), [rg([5])]));
    assert.ok(autograd.gradgradcheck((x) => x!.median(0).values.pow(2), [rg([3, 2])]));
    const t = tensor([1, 2, 2, 2], { dtype: "float64", requiresGrad: true });
    t.median().backward();
    assertClose(t.grad!, [0, 1 / 3, 1 / 3, 1 / 3]);
    const n = tensor([1, NaN, 3], { dtype: "float64", requiresGrad: true });
    n.median().backward();
    assertClose(n.grad!, [0, 1, 0]);
  });

  test("errors", () => {
    assert.throws(() => zeros([2, 0]).median(1), (e: Error) => e instanceof IndexError && /median: expected reduction dim 1 to have non-zero size \(input shape \[2, 0\]\)/.test(e.message));
    assert.throws(() => median(zeros([0], { dtype: "int32" })), /median: cannot take the median of an empty int32 tensor/);
  });
});

// ---- unique ------------------------------------------------------------------------------

describe("unique", () => {
  test("matches PyTorch's values, inverse and counts", () => {
    for (const f of fixtures.unique) {
      const r = unique(fx(f.x, f.shape), { returnInverse: true, returnCounts: true });
      assertClose(r.values, f.values.map(dec), { atol: 0, rtol: 0 });
      assert.deepEqual(flat(r.inverse), f.inverse);
      assertShape(r.inverse, f.shape);
      assert.deepEqual(flat(r.counts), f.counts);
    }
  });

  test("matches the reference on random inputs; values[inverse] rebuilds the input", () => {
    for (let trial = 0; trial < 8; trial++) {
      const shape = Array.from({ length: randInt(1, 3) }, () => randInt(0, 5));
      const dtype: DType = trial % 2 ? "int32" : "float32";
      const x = trial % 3 && numel(shape) > 0 ? nonContiguous(tiedTensor(shape, dtype, false)) : tiedTensor(shape, dtype, false);
      const xs = flat(x);
      const distinct = [...new Set(xs)].sort((a, b) => a - b);
      const r = x.unique({ sorted: true, returnInverse: true, returnCounts: true });
      assert.equal(r.values.dtype, dtype);
      assert.equal(r.inverse.dtype, "int32");
      assert.equal(r.counts.dtype, "int32");
      assert.deepEqual(flat(r.values), distinct);
      assert.deepEqual(flat(r.counts), distinct.map((v) => xs.filter((u) => u === v).length));
      const vals = flat(r.values);
      assert.deepEqual(flat(r.inverse).map((i) => vals[i]), xs);
    }
  });

  test("long inputs (radix-sort path) with -0 and 0 as one value", () => {
    const g = new Generator(3);
    const vals = Array.from({ length: 5000 }, (_, k) => (k % 11 === 0 ? -0 : Math.floor(g.nextDouble() * 300) - 150));
    const r = unique(tensor(new Float64Array(vals)), { returnInverse: true, returnCounts: true });
    const distinct = [...new Set(vals)].sort((a, b) => a - b);
    assert.deepEqual(flat(r.values).map((v) => v + 0), distinct);
    assert.deepEqual(flat(r.counts), distinct.map((v) => vals.filter((u) => u === v).length));
    assert.deepEqual(flat(r.inverse).map((i) => distinct[i]), vals.map((v) => v + 0));
  });

  test("the return type follows the flags", () => {
    const x = tensor([2, 1, 2, 3, 1]);
    const plain = unique(x);
    assert.ok(plain instanceof Tensor);
    assert.deepEqual(plain.tolist(), [1, 2, 3]);
    const withCounts = x.unique({ returnCounts: true });
    // a tuple as torch returns it, whose parts are also named
    assert.equal(withCounts.length, 2);
    assert.deepEqual(withCounts.counts.tolist(), [2, 2, 1]);
    assert.equal(withCounts[1], withCounts.counts);
    const [values, inverse] = x.unique({ returnInverse: true });
    assert.deepEqual(values!.tolist(), [1, 2, 3]);
    assert.deepEqual(inverse!.tolist(), [1, 0, 1, 2, 0]);
    const all = x.unique(true, true, true);
    assert.equal((all as Tensor[]).length, 3);
  });

  test("torch.unique / torch.uniqueConsecutive take the options object and are typed as the methods (type-checked: no casts)", () => {
    const x = tensor([2, 1, 2, 3, 1]);
    const [values, inverse, counts] = fxUnique(x, { sorted: true, returnInverse: true, returnCounts: true });
    assert.deepEqual([values.tolist(), inverse.tolist(), counts.tolist()], [[1, 2, 3], [1, 0, 1, 2, 0], [2, 2, 1]]);
    const plain: Tensor = fxUnique(x);
    assert.deepEqual(plain.tolist(), [1, 2, 3]);
    const rows = fxUnique(tensor([[1, 2], [0, 5], [1, 2]]), { dim: 0, returnCounts: true });
    assert.deepEqual([rows.values.tolist(), rows.counts.tolist()], [[[0, 5], [1, 2]], [1, 2]]);
    const [runs, runCounts] = fxUniqueConsecutive(tensor([1, 1, 2, 1]), { returnCounts: true });
    assert.deepEqual([runs.tolist(), runCounts.tolist()], [[1, 2, 1], [2, 1, 1]]);
    const asFlags = fxUnique(x, true, false, true) as Tensor[];
    assert.deepEqual(asFlags[1]!.tolist(), [2, 2, 1]);
  });

  test("each NaN is its own value; bool, 0-d and empty inputs", () => {
    const r = unique(tensor([NaN, 1, NaN, 1]), { returnInverse: true, returnCounts: true });
    assertClose(r.values, [1, NaN, NaN]);
    assert.deepEqual(r.inverse.tolist(), [1, 0, 2, 0]);
    assert.deepEqual(r.counts.tolist(), [2, 1, 1]);
    const b = unique(tensor([true, false, true]));
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.tolist(), [false, true]);
    const s = unique(tensor(3), { returnInverse: true });
    assertShape(s.values, [1]);
    assertShape(s.inverse, []);
    assert.equal(s.inverse.item(), 0);
    const e = unique(zeros([0, 2]), { returnInverse: true, returnCounts: true });
    assertShape(e.values, [0]);
    assertShape(e.inverse, [0, 2]);
    assertShape(e.counts, [0]);
  });

  test("is not differentiable: values do not require grad", () => {
    const x = tensor([1, 2, 1], { requiresGrad: true });
    assert.equal(unique(x).requiresGrad, false);
  });
});

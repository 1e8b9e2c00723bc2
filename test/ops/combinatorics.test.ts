/**
 * cartesianProd, combinations, trilIndices and triuIndices against PyTorch 1.13
 * (test/fixtures/combinatorics_torch.json: values, dtypes, gradients, refusals), against
 * itertools-style enumerations for larger sizes, and their size limits: nothing is built
 * (or looped over) before the result is known to fit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, FluxionError, ShapeError, arange, autograd, cartesianProd, combinations, randn, tensor, trilIndices, triuIndices } from "../../src/index.js";
import { loadFixture, runCase, signatureMismatches } from "../fixtures/op_cases.js";

const FIX = loadFixture("combinatorics_torch.json");

for (const op of ["cartesianProd", "combinations", "trilIndices", "triuIndices"]) {
  test(`${op}: every PyTorch 1.13 case (values, dtypes, gradients, refusals)`, () => {
    const cases = FIX.cases.map((c, i) => [c, i] as const).filter(([c]) => c.op === op);
    assert.ok(cases.length > 5);
    for (const [c, i] of cases) runCase(c, i);
  });
}

test("signatures: PyTorch's (layout left out: Fluxion has one; device defaults to the default device)", () => {
  const triangle = { omit: ["layout"], defaults: { device: null } };
  assert.deepEqual(signatureMismatches(FIX, { trilIndices: triangle, triuIndices: triangle }), []);
});

/** Index tuples of n items taken r at a time, lexicographic (itertools.combinations[_with_replacement]). */
function enumerate(n: number, r: number, withReplacement: boolean): number[][] {
  const out: number[][] = [];
  const go = (start: number, acc: number[]) => {
    if (acc.length === r) return void out.push(acc);
    for (let i = start; i < n; i++) go(withReplacement ? i : i + 1, [...acc, i]);
  };
  go(0, []);
  return out;
}

test("combinations equal an itertools-style enumeration, and cartesianProd a nested loop", () => {
  const x = arange(9).mul(10);
  for (const [r, wr] of [[2, false], [4, false], [3, true], [9, false], [1, true]] as const) {
    assert.deepEqual(combinations(x, r, wr).tolist(), enumerate(9, r, wr).map((t) => t.map((i) => i * 10)), `r=${r} withReplacement=${wr}`);
  }
  const a = tensor([1, 2, 3]), b = tensor([4, 5]), c = tensor([6, 7]);
  const want: number[][] = [];
  for (const i of [1, 2, 3]) for (const j of [4, 5]) for (const k of [6, 7]) want.push([i, j, k]);
  assert.deepEqual(cartesianProd(a, b, c).tolist(), want);
  assert.equal(cartesianProd(a), a, "one tensor is returned as it is, as PyTorch does");
});

test("trilIndices/triuIndices equal the triangles of a plain double loop, for many shapes and offsets", () => {
  for (const [row, col] of [[1, 7], [7, 1], [5, 8], [8, 5], [6, 6]]) {
    for (let off = -9; off <= 9; off++) {
      const lo: number[][] = [[], []], up: number[][] = [[], []];
      for (let i = 0; i < row; i++) for (let j = 0; j < col; j++) {
        if (j - i <= off) lo[0]!.push(i), lo[1]!.push(j);
        if (j - i >= off) up[0]!.push(i), up[1]!.push(j);
      }
      assert.deepEqual(trilIndices(row, col, off).tolist(), lo, `tril ${row}x${col} offset ${off}`);
      assert.deepEqual(triuIndices(row, col, off).tolist(), up, `triu ${row}x${col} offset ${off}`);
    }
  }
});

test("gradients: each element's gradient sums over its uses (gradcheck in float64)", () => {
  const x = randn([5], { dtype: "float64", requiresGrad: true }), y = randn([3], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((t) => combinations(t, 3, true), [x]));
  assert.ok(autograd.gradcheck((s, t) => cartesianProd(s, t), [x, y]));
});

test("sizes are checked before anything is built; offsets far off the matrix cost nothing", () => {
  const big = (f: () => unknown, op: string) => assert.throws(f, (e: unknown) => e instanceof FluxionError && new RegExp(`^${op}: cannot allocate a tensor of shape`).test((e as Error).message));
  big(() => trilIndices(1e6, 1e6), "trilIndices");
  big(() => triuIndices(3e5, 3e5, -1e9), "triuIndices");
  big(() => combinations(arange(2000), 4), "combinations");
  assert.deepEqual(trilIndices(1e12, 0).shape, [2, 0]);
  assert.deepEqual(trilIndices(3, 3, -1e15).shape, [2, 0]);
  assert.deepEqual(triuIndices(2, 2, 1e15).shape, [2, 0]);
  assert.deepEqual(combinations(tensor([1, 2]), 3).shape, [0, 3]);
});

test("messages name the op and what was wrong", () => {
  const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));
  is(() => combinations(tensor([1, 2]), -1), ArgumentError, /^combinations: expect a non-negative number, but got -1$/);
  is(() => combinations(tensor([[1, 2]])), ShapeError, /^combinations: expect a 1D vector, but got shape \[1, 2\]$/);
  is(() => cartesianProd(tensor([1]), tensor(2)), ShapeError, /^cartesianProd: expect a 1D vector, but got shape \[\] \(tensor 1\)$/);
  is(() => trilIndices(-1, 3), ArgumentError, /^trilIndices: row must be non-negative, got -1$/);
  is(() => triuIndices(3, 3, { dtype: "float32" }), DTypeError, /^triuIndices: not implemented for float32; the indices are int64 \(default\) or int32$/);
});

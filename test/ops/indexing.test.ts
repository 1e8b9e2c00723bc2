/**
 * Tests for src/ops/indexing.ts and src/ops/advanced_indexing.ts: x.index / indexPut_ against
 * PyTorch fixtures (test/fixtures/indexing_torch.py), the gather/scatter family against
 * float64 loops written here, gradients with gradcheck, errors and failed-write safety.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  DTypeError, IndexError, ShapeError, Tensor, arange, autograd, noGrad, ones, tensor, zeros,
} from "../../src/index.js";
import { slice, type IndexSpec } from "../../src/ops/indexing.js";
import { oneHot } from "../../src/ops/advanced_indexing.js";
import { assertClose, assertShape, flat, nonContiguous, randomTensor } from "../helpers.js";

const { gradcheck, gradgradcheck } = autograd;
const int = (v: unknown, shape?: number[]) => tensor(v as never, { dtype: "int32", ...(shape ? { shape } : {}) });

// ---- PyTorch fixtures -------------------------------------------------------------------

type FxSpec = { int?: number; int0d?: number; slice?: (number | null)[]; none?: 1; ellipsis?: 1; idx?: unknown; mask?: unknown; bool?: boolean };
interface FxRead { name: string; shape: number[]; specs: FxSpec[]; result_shape?: number[]; values?: number[]; view?: boolean; error?: string; message?: string }
interface FxWrite { name: string; shape: number[]; specs: FxSpec[]; value_shape: number[] | null; after: number[] }
const fx = JSON.parse(readFileSync(new URL("../fixtures/indexing_torch.json", import.meta.url), "utf8")) as {
  reads: FxRead[]; writes: FxWrite[]; accumulate: FxWrite[];
};

/**
 * The fixture's specs; with `alt`, the equivalent spellings. A 2-D index tensor alone is not
 * spelled as a nested JS array: one list holding lists is a tuple of indices (PyTorch's rule).
 */
function specsOf(specs: FxSpec[], alt: boolean): IndexSpec[] {
  const nested = (s: FxSpec) => Array.isArray(s.idx) && (s.idx as unknown[]).some(Array.isArray);
  return specs.map((s) => toSpec(s, alt && !(specs.length === 1 && nested(s))));
}

/** Fixture spec -> Fluxion spec; `alt` switches between the equivalent spellings. */
function toSpec(s: FxSpec, alt: boolean): IndexSpec {
  if (s.int !== undefined) return s.int;
  if (s.int0d !== undefined) return int(s.int0d);
  if (s.slice) {
    const [a, b, c] = s.slice;
    return alt ? `${a ?? ""}:${b ?? ""}${c === null ? "" : `:${c}`}` : slice(a, b, c);
  }
  if (s.none) return null;
  if (s.ellipsis) return "...";
  if (s.idx !== undefined) return alt ? (s.idx as number[]) : int(s.idx);
  if (s.mask !== undefined) return tensor(s.mask as never, { dtype: "bool" });
  if (s.bool !== undefined) return alt ? s.bool : tensor(s.bool, { dtype: "bool" });
  throw new Error(`bad fixture spec ${JSON.stringify(s)}`);
}

function base(shape: number[]): Tensor {
  return arange(shape.reduce((a, b) => a * b, 1), { dtype: "float64" }).reshape(shape);
}

for (const c of fx.reads) {
  test(`index matches PyTorch: ${c.name}`, () => {
    for (const alt of [false, true]) {
      const x = base(c.shape);
      const specs = specsOf(c.specs, alt);
      if (c.error) {
        assert.throws(() => x.index(...specs), (e: unknown) => {
          assert.equal((e as Error).name, c.error);
          // same wording as PyTorch; torch numbers dims of advanced indices differently
          const expected = c.message!.replace(/dimension \d+/, "dimension \\d+").replace(/[[\]]/g, "\\$&");
          assert.match((e as Error).message, new RegExp(expected, "i"));
          return true;
        });
        continue;
      }
      const r = x.index(...specs);
      assertShape(r, c.result_shape!);
      assert.equal(r.dtype, "float64");
      assert.deepEqual(flat(r), c.values);
      if (x.numel() > 0) assert.equal(r.storage === x.storage, c.view, `view: expected ${c.view}`);
    }
  });
}

for (const c of fx.writes) {
  test(`indexPut_ matches PyTorch x[specs] = value: ${c.name}`, () => {
    for (const alt of [false, true]) {
      const x = base(c.shape);
      const value = c.value_shape === null ? -1 : base(c.value_shape).add(100);
      const ret = x.indexPut_(specsOf(c.specs, alt), value);
      assert.equal(ret, x);
      assert.deepEqual(flat(x), c.after);
    }
  });
}

for (const c of fx.accumulate) {
  test(`indexPut_ with accumulate matches PyTorch index_put_: ${c.name}`, () => {
    const x = base(c.shape);
    x.indexPut_(c.specs.map((s) => toSpec(s, false)), base(c.value_shape!).add(100), { accumulate: true });
    assert.deepEqual(flat(x), c.after);
  });
}

// ---- index: details the fixtures don't cover ------------------------------------------

test("basic indexing returns views whose writes reach the base", () => {
  const x = zeros([3, 4]);
  x.index(1).fill_(5);
  x.index(":", slice(2)).add_(1);
  x.index("::2", -1).mul_(10);
  assert.deepEqual(x.tolist(), [[0, 0, 1, 10], [5, 5, 6, 6], [0, 0, 1, 10]]);
  const v0 = x.version;
  x.index(0, 0).fill_(7);
  assert.equal(x.version, v0 + 1);
  assert.equal(x.index(0, 0).item(), 7);
});

test("slice takes one-element integer tensors as bounds, as Python's slice reads __index__", () => {
  const d = arange(10);
  const i = tensor(2, { dtype: "int64" });
  // nanoGPT's get_batch: d[i:i+block_size] for i in ix
  assert.deepEqual(d.index(slice(i, i.add(3))).tolist(), [2, 3, 4]);
  assert.deepEqual(d.index(slice(int([-3]))).tolist(), [7, 8, 9]);
  assert.deepEqual(d.index(slice(null, null, tensor(4, { dtype: "int32" }))).tolist(), [0, 4, 8]);
  assert.deepEqual(d.index(slice(tensor(true), 3)).tolist(), [1, 2]);
  const rows = [...int([0, 5])].map((j) => d.index(slice(j, j.add(2))));
  assert.deepEqual(rows.map((r) => r.tolist()), [[0, 1], [5, 6]]);
  // a view, as with number bounds
  d.index(slice(i, 4)).fill_(-1);
  assert.deepEqual(d.index(":5").tolist(), [0, 1, -1, -1, 4]);
  assert.throws(() => slice(tensor(2.0)), (e: Error) => e instanceof IndexError && /only integer tensors of a single element can be converted to an index \(start is float32 of shape \[\]\)/.test(e.message));
  assert.throws(() => slice(0, int([1, 2])), (e: Error) => e instanceof IndexError && /stop is int32 of shape \[2\]/.test(e.message));
  assert.throws(() => slice("1" as never), (e: Error) => e instanceof IndexError && /start must be an int/.test(e.message));
});

test("advanced indexing of non-contiguous inputs copies the right elements", () => {
  const ref = randomTensor([4, 5, 3], { seed: 3 });
  const x = nonContiguous(ref);
  assert.ok(!x.isContiguous());
  const r = x.index([3, 0], ":", [2, 1]);
  assertShape(r, [2, 5]);
  const rv = ref.tolist() as number[][][];
  const expected = [0, 1].map((i) => [0, 1, 2, 3, 4].map((j) => rv[[3, 0][i]!]![j]![[2, 1][i]!]!));
  assertClose(r, expected, { atol: 0, rtol: 0 });
  // a transposed view: x.T[[1, 2]] reads columns
  const m = arange(6).reshape(2, 3);
  assert.deepEqual(m.T.index([2, 0]).tolist(), [[2, 5], [0, 3]]);
});

test("index keeps integer and bool dtypes", () => {
  const x = arange(6).reshape(2, 3);
  const r = x.index([1], [2]);
  assert.equal(r.dtype, "int32");
  assert.deepEqual(r.tolist(), [5]);
  const b = x.gt(2);
  assert.equal(b.index(":", [0, 2]).dtype, "bool");
  assert.deepEqual(b.index(":", [0, 2]).tolist(), [[false, false], [true, true]]);
});

test("index rejects float index tensors with a DTypeError naming the dtype", () => {
  const x = zeros([3]);
  assert.throws(() => x.index(tensor([1])), (e: unknown) => e instanceof DTypeError && /int32 or bool.*float32/.test((e as Error).message));
  assert.throws(() => x.index(1.5), IndexError);
  assert.throws(() => x.index("1:2:3:4"), /invalid index string/);
  assert.throws(() => x.index("::0"), /step cannot be zero/);
  assert.throws(() => x.index("::-1"), /greater than zero/);
  assert.throws(() => x.index("...", "..."), /single ellipsis/);
  assert.throws(() => x.index([1, 0.5]), /only integers or only booleans/);
});

test("index is differentiable (gradcheck, float64)", () => {
  const x = randomTensor([3, 4, 2], { seed: 7, requiresGrad: true });
  const mask = tensor([[true, false, true, true], [false, false, true, false], [true, true, false, false]]);
  const cases: IndexSpec[][] = [
    [1, "1:3"],
    [null, "...", -1],
    [[0, 2, 0], ":", [1, 1, 0]], // separated, duplicate positions
    [":", [[3], [0]], [1, 0]],
    [mask],
    ["::2", [0, 3]],
    [true, [2]],
  ];
  for (const specs of cases) {
    assert.ok(gradcheck((t) => t.index(...specs), [x]), JSON.stringify(specs));
  }
  assert.ok(gradgradcheck((t) => t.index([0, 2, 0], ":", [1, 1, 0]).mul(t.index([1, 1, 2], ":", [0, 1, 1])), [x]));
});

test("index gradient accumulates over repeated indices", () => {
  const x = ones([3], { dtype: "float64", requiresGrad: true });
  x.index([0, 0, 2, 0]).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, 0, 1]);
});

// ---- indexPut_ --------------------------------------------------------------------------

test("indexPut_ autograd: x's gradient is zero where written, value's gathers from there", () => {
  const x0 = randomTensor([3, 4], { seed: 1, requiresGrad: true });
  const v = randomTensor([2], { seed: 2, requiresGrad: true });
  const y = x0.mul(1);
  y.indexPut_([[0, 2], [1, 3]], v);
  const w = arange(12, { dtype: "float64" }).reshape(3, 4);
  y.mul(w).sum().backward();
  const gx = w.tolist() as number[][];
  gx[0]![1] = 0;
  gx[2]![3] = 0;
  assert.deepEqual(x0.grad!.tolist(), gx);
  assert.deepEqual(v.grad!.tolist(), [1, 11]);
});

test("indexPut_ gradients pass gradcheck (overwrite, accumulate, broadcast value, basic view)", () => {
  const x = randomTensor([3, 4], { seed: 4, requiresGrad: true });
  const v = randomTensor([4], { seed: 5, requiresGrad: true });
  const s = randomTensor([], { seed: 6, requiresGrad: true });
  assert.ok(gradcheck((a, b) => a.clone().indexPut_([[0, 2]], b), [x, v]));
  assert.ok(gradcheck((a, b) => a.clone().indexPut_([[0, 2, 0]], b, { accumulate: true }), [x, v]));
  assert.ok(gradcheck((a, b) => a.clone().indexPut_([":", [1, 3]], b), [x, s]));
  assert.ok(gradcheck((a, b) => a.clone().indexPut_([1], b), [x, v]));
  assert.ok(gradcheck((a, b) => a.clone().indexPut_([a.gt(0)], b), [x, s]));
  assert.ok(gradcheck((a, b) => a.indexPut([[2], ":"], b, { accumulate: true }), [x, v]));
  assert.ok(gradgradcheck((a, b) => a.clone().indexPut_([[0, 2]], b.mul(b)).mul(a), [x, v]));
  // through a basic view of a non-leaf: the base's history is rebased
  const v2 = randomTensor([2], { seed: 8, requiresGrad: true });
  assert.ok(gradcheck((a, b) => a.mul(1).indexPut_([1, [0, 2]], b), [x, v2]));
  assert.ok(gradcheck((a, b) => a.mul(1).indexPut_(["1:", [3, 0]], b, { accumulate: true }), [x, v2]));
  assert.ok(gradcheck((a, b) => a.mul(1).indexPut_([-1, "1:3"], b), [x, v2]));
});

test("in-place scatter_, scatterAdd_, indexAdd_ are differentiable on non-leaves", () => {
  const x = randomTensor([3, 4], { seed: 9, requiresGrad: true });
  const s = randomTensor([2, 4], { seed: 10, requiresGrad: true });
  const idx = int([[0, 2, 1, 1], [2, 0, 0, 2]]);
  assert.ok(gradcheck((a, b) => a.mul(1).scatter_(0, idx, b), [x, s]));
  assert.ok(gradcheck((a, b) => a.mul(1).scatterAdd_(0, idx, b), [x, s]));
  assert.ok(gradcheck((a, b) => a.mul(1).indexAdd_(0, int([2, 2]), b, { alpha: 3 }), [x, s]));
});

test("indexPut_ when only the value requires grad still records", () => {
  const x = zeros([4], { dtype: "float64" });
  const v = tensor([2, 3], { dtype: "float64", requiresGrad: true });
  x.indexPut_([[1, 3]], v);
  assert.ok(x.requiresGrad);
  x.mul(tensor([1, 10, 100, 1000], { dtype: "float64" })).sum().backward();
  assert.deepEqual(v.grad!.tolist(), [10, 1000]);
});

test("a failed indexPut_ leaves the tensor unchanged", () => {
  const x = arange(6, { dtype: "float32" }).reshape(2, 3);
  const before = x.tolist(), v0 = x.version;
  assert.throws(() => x.indexPut_([[0, 1], [0, 3]], 9), /index 3 is out of bounds for dimension 1 with size 3/);
  assert.throws(() => x.indexPut_([[0, 1]], tensor([1, 2])), (e: unknown) => e instanceof ShapeError && /value tensor of shape \[2\] cannot be broadcast to indexing result of shape \[2, 3\]/.test((e as Error).message));
  assert.throws(() => x.indexPut_([5], 1), /index 5 is out of bounds for dimension 0 with size 2/);
  assert.throws(() => x.indexPut_([tensor([[true, false]])], 1), /shape of the mask/);
  assert.deepEqual(x.tolist(), before);
  assert.equal(x.version, v0);
});

test("indexPut_ drops the value's leading size-1 dims, as Python's x[i] = v (not with accumulate, as index_put_)", () => {
  // PyTorch: x[1] = ones(1, 2); x[[0, 2]] = ones(1, 2, 2) * 3; x[:, 0] = ones(1, 3) * 4; x[mask] = ones(1, 1) * 5
  const x = zeros([3, 2]);
  x.indexPut_([1], ones([1, 2]));
  assert.deepEqual(x.tolist(), [[0, 0], [1, 1], [0, 0]]);
  x.indexPut_([[0, 2]], ones([1, 2, 2]).mul(3));
  assert.deepEqual(x.tolist(), [[3, 3], [1, 1], [3, 3]]);
  x.indexPut_([":", 0], ones([1, 3]).mul(4));
  assert.deepEqual(x.tolist(), [[4, 3], [4, 1], [4, 3]]);
  x.indexPut_([tensor([true, false, true])], ones([1, 1]).mul(5));
  assert.deepEqual(x.tolist(), [[5, 5], [4, 1], [5, 5]]);
  // GAE's advantages[t] = delta with delta [1, N], gradients reaching the value through the reshape
  const v = tensor([[1, 2]], { dtype: "float64", requiresGrad: true });
  const y = zeros([2, 2], { dtype: "float64" });
  y.indexPut_([0], v.mul(2));
  y.sum().backward();
  assert.deepEqual(v.grad!.tolist(), [[2, 2]]);
  assert.ok(gradcheck((a, b) => a.clone().indexPut_([1, [0, 2]], b), [randomTensor([3, 4], { seed: 11, requiresGrad: true }), randomTensor([1, 1, 2], { seed: 12, requiresGrad: true })]));
  // only leading ones go, and the message names the shape that was passed
  assert.throws(() => zeros([3, 2]).indexPut_([1], ones([2, 1, 2])), (e: unknown) => e instanceof ShapeError && /value tensor of shape \[2, 1, 2\] cannot be broadcast to indexing result of shape \[2\]/.test((e as Error).message));
  assert.throws(() => zeros([3, 2]).indexPut_([1], ones([1, 2]).mul(1), { accumulate: true }), (e: unknown) => e instanceof ShapeError && /value tensor of shape \[1, 2\]/.test((e as Error).message));
  assert.throws(() => zeros([3, 2]).indexPut_([[1]], ones([1, 1, 2]), { accumulate: true }), /value tensor of shape \[1, 1, 2\] cannot be broadcast to indexing result of shape \[1, 2\]/);
});

test("indexPut_ refuses leaves that require grad and overlapping memory", () => {
  const x = zeros([3], { requiresGrad: true });
  assert.throws(() => x.indexPut_([[0]], 1), /leaf Variable/);
  noGrad(() => x.indexPut_([[0]], 1));
  assert.deepEqual(x.tolist(), [1, 0, 0]);
  const e = zeros([1]).expand(3);
  assert.throws(() => e.indexPut_([[0]], 1), /single memory location/);
});

test("indexPut_ reads a value that aliases the target before writing", () => {
  const x = arange(6).reshape(3, 2);
  x.indexPut_([[1, 0]], x.index("0:2")); // swap rows 0 and 1
  assert.deepEqual(x.tolist(), [[2, 3], [0, 1], [4, 5]]);
});

test("indexPut_ with an index tensor refuses a value of another kind (a float into an int tensor), as PyTorch; basic indexing and one value through a mask cast; bool accumulate stays 0/1", () => {
  // PyTorch 1.13: x = torch.zeros(3, dtype=torch.int32); x[[0, 2]] = torch.tensor([1.7, -2.2], dtype=torch.float64)
  // -> "Index put requires the source and destination dtypes match, got Int for the destination and Double for the source."
  const x = zeros([3], { dtype: "int32" });
  const re = /^indexPut_: Index put requires the source and destination dtypes match, got int32 for the destination \(shape \[3\]\) and float64 for the source \(shape \[2\]\); convert the value with \.to\("int32"\)$/;
  assert.throws(() => x.indexPut_([[0, 2]], tensor([1.7, -2.2], { dtype: "float64" })), (e: Error) => e instanceof DTypeError && re.test(e.message));
  assert.throws(() => x.indexPut_([x.ge(0)], tensor([1.5, 2.5, 3.5])), DTypeError); // a mask with several values: index_put, not masked_fill
  assert.throws(() => zeros([3]).indexPut_([[0]], tensor([1], { dtype: "int64" })), /got float32 for the destination \(shape \[3\]\) and int64 for the source/);
  assert.deepEqual(x.tolist(), [0, 0, 0]);
  x.indexPut_([[0, 2]], tensor([1.7, -2.2], { dtype: "float64" }).to("int32"));
  assert.deepEqual(x.tolist(), [1, 0, -2]);
  x.indexPut_(["0:2"], tensor([5.9, 6.1])); // x[0:2] = ...: copy_, which casts
  assert.deepEqual(x.tolist(), [5, 6, -2]);
  x.indexPut_([x.lt(0)], tensor(7.5)); // one element through a bool mask: masked_fill, which casts
  assert.deepEqual(x.tolist(), [5, 6, 7]);
  x.indexPut_([[1]], tensor([9], { dtype: "int64" })); // int32 and int64 mix (Fluxion's int32 defaults)
  assert.deepEqual(x.tolist(), [5, 9, 7]);
  const f = zeros([2]);
  f.indexPut_([[1]], tensor([2.5], { dtype: "float64" })); // floating dtypes mix
  assert.deepEqual(f.tolist(), [0, 2.5]);
  assert.throws(() => f.indexPut_([[0]], tensor([true])), /got float32 for the destination \(shape \[2\]\) and bool for the source/);
  const b = zeros([3], { dtype: "bool" });
  b.indexPut_([[1, 1, 1]], true, { accumulate: true });
  assert.deepEqual(b.tolist(), [false, true, false]);
  assert.deepEqual(flat(b.int()), [0, 1, 0]);
  const h = zeros([2], { dtype: "bfloat16" });
  h.indexPut_([[0, 0, 0, 1]], tensor([0.5, 0.25, 0.125, 3]).bfloat16(), { accumulate: true });
  assert.deepEqual(h.tolist(), [0.875, 3]);
});

// ---- gather / scatter family against float64 loops --------------------------------------

/** All coordinates of a shape in row-major order. */
function coordsOf(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  const n = shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    let r = k;
    const c = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      c[d] = r % shape[d]!;
      r = Math.floor(r / shape[d]!);
    }
    out.push(c);
  }
  return out;
}
function at(t: Tensor, c: readonly number[]): number {
  let v: any = t.tolist();
  for (const i of c) v = v[i];
  return Number(v);
}

test("gather matches a reference loop (dims 0..2, non-contiguous input and index, smaller index)", () => {
  const x = nonContiguous(randomTensor([4, 3, 5], { seed: 11 }));
  for (let dim = 0; dim < 3; dim++) {
    const ishape = [3, 2, 4];
    const size = x.shape[dim]!;
    const idxVals = coordsOf(ishape).map((c) => (c[0]! * 7 + c[1]! * 3 + c[2]!) % size);
    const index = nonContiguous(int(idxVals, ishape));
    const out = x.gather(dim, index);
    assertShape(out, ishape);
    assert.equal(out.dtype, "float64");
    const expected = coordsOf(ishape).map((c) => at(x, c.map((v, d) => (d === dim ? at(index, c) : v))));
    assertClose(out, expected, { atol: 0, rtol: 0 });
  }
  assert.ok(gradcheck((t) => t.gather(1, int([[0, 0, 2], [1, 0, 0]])), [randomTensor([2, 3], { requiresGrad: true })]));
  assert.ok(gradgradcheck((t) => t.gather(0, int([[1, 1], [0, 1]])).pow(2), [randomTensor([2, 2], { requiresGrad: true })]));
});

test("gather on 0-d, zero-size and negative dims", () => {
  assert.equal(tensor(3).gather(0, int(0)).item(), 3);
  assertShape(zeros([2, 3]).gather(1, int([], [2, 0])), [2, 0]);
  assert.deepEqual(tensor([[1, 2], [3, 4]]).gather(-1, int([[1], [0]])).tolist(), [[2], [3]]);
});

test("scatter and scatterAdd match reference loops; gradcheck", () => {
  const x = randomTensor([3, 4], { seed: 21 });
  const src = nonContiguous(randomTensor([3, 5], { seed: 22 }));
  const index = int([[0, 2, 1], [2, 0, 0]]); // shape [2, 3], repeats in column 1 for dim 0
  for (const dim of [0, 1]) {
    const idx = dim === 0 ? int([[0, 2, 1], [2, 0, 1]]) : int([[3, 0, 1], [2, 2, 2]]);
    const ref = x.tolist() as number[][];
    const refAdd = x.tolist() as number[][];
    for (const c of coordsOf(idx.shape)) {
      const t = [...c];
      t[dim] = at(idx, c);
      ref[t[0]!]![t[1]!] = at(src, c);
      refAdd[t[0]!]![t[1]!]! += at(src, c);
    }
    if (dim === 0) assertClose(x.scatter(dim, idx, src), ref, { atol: 0, rtol: 0 }); // no repeats: deterministic
    assertClose(x.scatterAdd(dim, idx, src), refAdd, { atol: 1e-12 });
  }
  assert.deepEqual(zeros([2, 3]).scatter(1, int([[2], [0]]), 1).tolist(), [[0, 0, 1], [1, 0, 0]]);
  assert.deepEqual(zeros([3]).scatterAdd(0, int([0, 0, 2]), tensor([1, 2, 3])).tolist(), [3, 0, 3]);
  const a = randomTensor([3, 4], { seed: 23, requiresGrad: true });
  const s = randomTensor([2, 4], { seed: 24, requiresGrad: true });
  const noRepeat = int([[0, 2, 1, 1], [2, 0, 0, 2]]);
  assert.ok(gradcheck((p, q) => p.scatter(0, noRepeat, q), [a, s]));
  assert.ok(gradcheck((p) => p.scatter(0, noRepeat, 2.5), [a]));
  assert.ok(gradcheck((p, q) => p.scatterAdd(0, index, q), [a, s]));
  assert.ok(gradgradcheck((p, q) => p.scatterAdd(0, index, q.mul(q)).mul(p), [a, s]));
});

test("scatter_ and scatterAdd_ write in place; bad input leaves the tensor unchanged", () => {
  const x = zeros([2, 3]);
  x.scatter_(1, int([[2], [0]]), tensor([[5], [6]]));
  x.scatterAdd_(0, int([[1, 1, 1]]), ones([1, 3]));
  assert.deepEqual(x.tolist(), [[0, 0, 5], [7, 1, 1]]);
  const before = x.tolist();
  assert.throws(() => x.scatter_(1, int([[3]]), 1), (e: unknown) => e instanceof IndexError && /index 3 is out of bounds for dimension 1 with size 3/.test((e as Error).message));
  assert.throws(() => x.scatterAdd_(0, int([[0, 1, 5]]), ones([1, 3])), /index 5 is out of bounds for dimension 0 with size 2/);
  assert.throws(() => x.scatter_(0, int([[-1]]), 1), /index -1 is out of bounds/);
  assert.throws(() => x.scatter_(0, tensor([[0]]), 1), (e: unknown) => e instanceof DTypeError && /int32.*float32/.test((e as Error).message));
  assert.throws(() => x.scatter_(0, int([[0, 0, 0, 0]]), 1), ShapeError);
  assert.throws(() => x.scatterAdd_(0, int([[0]]), ones([1, 1], { dtype: "float64" })), DTypeError);
  assert.deepEqual(x.tolist(), before);
});

test("scatterAdd accumulates bfloat16 in float32", () => {
  const out = zeros([1], { dtype: "bfloat16" }).scatterAdd(0, int(new Array(300).fill(0)), ones([300], { dtype: "bfloat16" }));
  assert.equal(out.dtype, "bfloat16");
  assert.equal(out.item(), 300); // summing in bfloat16 would stall at 256
});

test("indexSelect and indexAdd match reference loops; gradcheck", () => {
  const x = nonContiguous(randomTensor([4, 3], { seed: 31 }));
  const idx = int([3, 0, 3]);
  const xs = x.tolist() as number[][];
  assertClose(x.indexSelect(0, idx), [xs[3], xs[0], xs[3]], { atol: 0, rtol: 0 });
  assertClose(x.indexSelect(1, int([2, 2])), xs.map((r) => [r[2], r[2]]), { atol: 0, rtol: 0 });
  assertShape(x.indexSelect(0, int([], [0])), [0, 3]);
  assertShape(x.indexSelect(1, int(1)), [4, 1]);
  assert.equal(tensor(5).indexSelect(0, int([0])).item(), 5);
  const src = randomTensor([3, 3], { seed: 32 });
  const ref = x.tolist() as number[][];
  (src.tolist() as number[][]).forEach((row, k) => row.forEach((v, j) => (ref[[3, 0, 3][k]!]![j]! += 2 * v)));
  assertClose(x.indexAdd(0, idx, src, { alpha: 2 }), ref, { atol: 1e-12 });
  assert.deepEqual(zeros([3, 2]).indexAdd(0, int([0, 0]), ones([2, 2]), { alpha: 2 }).tolist(), [[4, 4], [0, 0], [0, 0]]);
  const y = zeros([3], { dtype: "int32" });
  y.indexAdd_(0, int([2, 2]), int([1, 5]));
  assert.deepEqual(y.tolist(), [0, 0, 6]);
  const a = randomTensor([4, 3], { seed: 33, requiresGrad: true });
  const b = randomTensor([3, 3], { seed: 34, requiresGrad: true });
  assert.ok(gradcheck((p) => p.indexSelect(0, idx), [a]));
  assert.ok(gradcheck((p, q) => p.indexAdd(0, idx, q, { alpha: -1.5 }), [a, b]));
  assert.ok(gradgradcheck((p) => p.indexSelect(1, int([1, 1, 0])).pow(2), [a]));
  assert.ok(gradgradcheck((p, q) => p.indexAdd(0, idx, q.mul(q)).mul(p), [a, b]));
});

test("indexSelect/indexAdd errors: bounds, vector index, dtype, shapes; indexAdd_ writes nothing on error", () => {
  const x = zeros([3, 2]);
  assert.throws(() => x.indexSelect(0, int([3])), /indexSelect: index 3 is out of bounds for dimension 0 with size 3/);
  assert.throws(() => x.indexSelect(0, int([-1])), IndexError);
  assert.throws(() => x.indexSelect(0, int([[0]])), /vector/);
  assert.throws(() => x.indexSelect(0, tensor([0])), DTypeError);
  assert.throws(() => x.indexAdd_(0, int([0, 1]), ones([3, 2])), ShapeError);
  assert.throws(() => x.indexAdd_(0, int([0, 7]), ones([2, 2])), /index 7 is out of bounds/);
  assert.throws(() => zeros([2], { dtype: "int32" }).indexAdd(0, int([0]), int([1]), { alpha: 0.5 }), DTypeError);
  assert.deepEqual(x.tolist(), [[0, 0], [0, 0], [0, 0]]);
});

test("take reads flat positions (negative from the end); gradcheck", () => {
  const x = nonContiguous(randomTensor([3, 4], { seed: 41 }));
  const idx = int([[0, -1], [5, 11]]);
  const xf = flat(x);
  assertClose(x.take(idx), [[xf[0], xf[11]], [xf[5], xf[11]]], { atol: 0, rtol: 0 });
  assert.equal(tensor(7).take(int(0)).item(), 7);
  assert.throws(() => x.take(int([12])), /take: index 12 is out of bounds for a tensor of 12 elements/);
  assert.throws(() => x.take(int([-13])), IndexError);
  assert.ok(gradcheck((p) => p.take(int([0, 0, -2, 5])), [randomTensor([2, 3], { requiresGrad: true })]));
});

test("oneHot: int32, shape [...S, C], inferred class count, errors name the bad value", () => {
  const r = oneHot(int([0, 2]), 3);
  assert.equal(r.dtype, "int32");
  assert.deepEqual(r.tolist(), [[1, 0, 0], [0, 0, 1]]);
  const labels = int([[1, 3], [0, 0]]);
  const h = oneHot(labels);
  assertShape(h, [2, 2, 4]);
  for (const c of coordsOf([2, 2, 4])) assert.equal(at(h, c), at(labels, c.slice(0, 2)) === c[2] ? 1 : 0);
  assertShape(oneHot(int(2), 4), [4]);
  assertShape(oneHot(int([], [0]), 5), [0, 5]);
  // with numClasses given, the scatter kernel checks the labels (no host read), one message for both ends
  assert.throws(() => oneHot(int([0, -1]), 3), (e: unknown) => e instanceof IndexError && /oneHot: class values must be non-negative and smaller than numClasses \(3\), got -1$/.test((e as Error).message));
  assert.throws(() => oneHot(int([0, 5]), 3), /oneHot: class values must be non-negative and smaller than numClasses \(3\), got 5$/);
  assert.throws(() => oneHot(int([0, -1])), (e: unknown) => e instanceof IndexError && /oneHot: class values must be non-negative, got -1/.test((e as Error).message));
  assert.throws(() => oneHot(int([], [0])), /empty/);
  assert.throws(() => oneHot(tensor([1])), DTypeError);
});

// ---- masks and nonzero -------------------------------------------------------------------

test("nonzero / argwhere: int32 [n, ndim] in row-major order, 0-d and NaN", () => {
  const x = nonContiguous(tensor([[0, 1.5, 0], [NaN, 0, -2]]));
  const nz = x.nonzero();
  assert.equal(nz.dtype, "int32");
  assert.deepEqual(nz.tolist(), [[0, 1], [1, 0], [1, 2]]);
  assert.deepEqual(x.argwhere().tolist(), nz.tolist());
  assertShape(tensor(3).nonzero(), [1, 0]);
  assertShape(tensor(0).nonzero(), [0, 0]);
  assertShape(zeros([2, 0]).nonzero(), [0, 2]);
  assert.deepEqual(tensor([0, -0, 1]).bfloat16().nonzero().tolist(), [[2]]);
});

test("maskedFill / maskedFill_: broadcast mask, scalar or 0-d value, gradients", () => {
  const x = tensor([[1, -2, 3], [-4, 5, -6]]);
  const m = tensor([true, false, true]);
  assert.deepEqual(x.maskedFill(m, 0).tolist(), [[0, -2, 0], [0, 5, 0]]);
  assert.deepEqual(x.maskedFill(x.lt(0), tensor(9)).tolist(), [[1, 9, 3], [9, 5, 9]]);
  const y = x.clone();
  y.maskedFill_(y.lt(0), 0);
  assert.deepEqual(y.tolist(), [[1, 0, 3], [0, 5, 0]]);
  assert.throws(() => x.maskedFill(tensor([1, 0, 1]), 0), DTypeError);
  assert.throws(() => x.maskedFill(tensor([[true], [false], [true]]), 0), ShapeError);
  assert.throws(() => x.maskedFill(m, tensor([1, 2])), /0-dimensional/);
  const before = y.tolist();
  assert.throws(() => y.maskedFill_(tensor([[[true]]]), 1), ShapeError);
  assert.deepEqual(y.tolist(), before);
  const a = randomTensor([2, 3], { seed: 51, requiresGrad: true });
  const v = randomTensor([], { seed: 52, requiresGrad: true });
  assert.ok(gradcheck((p, q) => p.maskedFill(m, q), [a, v]));
  assert.ok(gradcheck((p, q) => p.mul(1).maskedFill_(m, q), [a, v]));
});

test("maskedSelect broadcasts x and mask and returns a 1-D copy; gradcheck", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.deepEqual(x.maskedSelect(tensor([true, false])).tolist(), [1, 3]);
  assert.deepEqual(tensor([1, 2]).maskedSelect(tensor([[true, false], [true, true]])).tolist(), [1, 1, 2]);
  assertShape(x.maskedSelect(zeros([2, 2], { dtype: "bool" })), [0]);
  assertShape(tensor(4).maskedSelect(tensor(true)), [1]);
  const a = randomTensor([2, 3], { seed: 53, requiresGrad: true });
  assert.ok(gradcheck((p) => p.maskedSelect(tensor([true, false, true])), [a]));
});

test("the public helpers are wired as Tensor methods", () => {
  for (const m of ["index", "indexPut_", "indexPut", "maskedFill", "maskedFill_", "maskedSelect", "nonzero", "argwhere", "gather", "scatter", "scatter_", "scatterAdd", "scatterAdd_", "indexSelect", "indexAdd", "indexAdd_", "take"]) {
    assert.equal(typeof (Tensor.prototype as any)[m], "function", m);
  }
});

test("one list index holding sequences is a tuple of indices, as PyTorch's (and old NumPy's) rule", () => {
  const x = arange(12).reshape(3, 4);
  // torch: x[[[0, 1], [2, 2]]] -> [2, 6]; x[[0, [1, 2]]] -> [1, 2]; x[[[True, False, True]]] -> rows 0 and 2
  assert.deepEqual(x.index([[0, 1], [2, 2]]).tolist(), [2, 6]);
  assert.deepEqual(x.index([0, [1, 2]]).tolist(), [1, 2]);
  assert.deepEqual(x.index([[true, false, true]]).tolist(), [[0, 1, 2, 3], [8, 9, 10, 11]]);
  assert.deepEqual(x.index([slice(), 1] as never).tolist(), [1, 5, 9]);
  // a flat list stays one index; 32 or more items are always one index (x[[[0, 1]] * 32] has shape [32, 2, 4])
  assert.deepEqual(x.index([2, 0]).tolist(), [[8, 9, 10, 11], [0, 1, 2, 3]]);
  assert.deepEqual(x.index(Array.from({ length: 32 }, () => [0, 1])).shape, [32, 2, 4]);
  // as separate specs a nested list is a 2-D index (x[:, [[0, 1], [2, 2]]])
  assert.deepEqual(x.index(":", [[0, 1], [2, 2]]).shape, [3, 2, 2]);
  // the same rule for assignment: y[[[0, 1], [2, 2]]] = 5 writes (0, 2) and (1, 2)
  const y = zeros([3, 4]);
  y.indexPut_([[[0, 1], [2, 2]]], 5);
  assert.deepEqual(y.sum({ dim: 0 }).tolist(), [0, 0, 10, 0]);
});

test("gather with an index broadcast to an empty shape reads none of its values (found by the differential fuzz)", () => {
  // torch.take_along_dim(torch.zeros(2, 0, 1), torch.tensor([[[-2, 0, 0]], [[0, 0, 0]]]), 2) -> empty [2, 0, 3]
  const idx = tensor([-2, 0, 0, 0, 0, 0], { dtype: "int64" }).reshape(2, 1, 3);
  assert.deepEqual(zeros([2, 0, 1]).gather(2, idx.expand([2, 0, 3])).shape, [2, 0, 3]);
  assert.deepEqual(zeros([2, 0, 1]).takeAlongDim(idx, 2).shape, [2, 0, 3]);
  assert.throws(() => zeros([2, 1, 1]).takeAlongDim(idx, 2), /index -2 is out of bounds/);
});

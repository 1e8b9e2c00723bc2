/**
 * rot90, takeAlongDim, atleast1d/2d/3d, blockDiag, hsplit/vsplit/dsplit, columnStack, rowStack,
 * dstack, narrowCopy, diagonalScatter, selectScatter, sliceScatter, maskedScatter, put and
 * indexReduce against PyTorch 1.13: every case of test/fixtures/shape_extra_torch.json (written
 * by shape_extra_torch.py) is a call written as data, run here through the same op, its results
 * compared (values, shapes, dtypes) and, for float64 inputs, the gradients of sum(result * w).
 * Then the in-place forms, non-contiguous inputs, and PyTorch's error messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { autograd, tensor, zeros, type DType, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";
import { fluxionErrorMessage, nonContiguous } from "../helpers.js";

const FX = JSON.parse(readFileSync(new URL("../fixtures/shape_extra_torch.json", import.meta.url), "utf8"));
type Enc = { t: unknown[]; shape: number[]; dtype: string } | { list: Enc[] } | number | number[] | string | boolean | null;
type Case = { op: string; args: Enc[]; results: { t: unknown[]; shape: number[]; dtype: string }[]; tuple: boolean; grads?: (unknown[] | null)[]; gradError?: string };

function decode(a: Enc, leaves: Tensor[] | null): unknown {
  if (a !== null && typeof a === "object" && "t" in a) {
    const t = tensor(decAll(a.t), { dtype: a.dtype as DType }).reshape(a.shape);
    if (leaves && a.dtype === "float64") {
      t.requiresGrad_(true);
      leaves.push(t);
    }
    return t;
  }
  if (a !== null && typeof a === "object" && "list" in a) return a.list.map((v) => decode(v, leaves));
  return a;
}

/** The Fluxion call of each fixture op (PyTorch's positional order). */
const OPS: Record<string, (...a: any[]) => Tensor | Tensor[]> = {
  rot90: (x, k = 1, dims = [0, 1]) => fx.rot90(x, k, dims),
  takeAlongDim: (x, i, dim = null) => fx.takeAlongDim(x, i, dim),
  atleast1d: (...ts) => (ts.length === 1 ? fx.atleast1d(ts[0]) : fx.atleast1d(...ts)),
  atleast2d: (...ts) => (ts.length === 1 ? fx.atleast2d(ts[0]) : fx.atleast2d(...ts)),
  atleast3d: (...ts) => (ts.length === 1 ? fx.atleast3d(ts[0]) : fx.atleast3d(...ts)),
  blockDiag: (...ts) => fx.blockDiag(...ts),
  hsplit: (x, s) => fx.hsplit(x, s), vsplit: (x, s) => fx.vsplit(x, s), dsplit: (x, s) => fx.dsplit(x, s),
  columnStack: (ts) => fx.columnStack(ts), rowStack: (ts) => fx.rowStack(ts), dstack: (ts) => fx.dstack(ts),
  narrowCopy: (x, d, s, n) => fx.narrowCopy(x, d, s, n),
  diagonalScatter: (x, s, o = 0, d1 = 0, d2 = 1) => fx.diagonalScatter(x, s, o, d1, d2),
  selectScatter: (x, s, d, i) => fx.selectScatter(x, s, d, i),
  sliceScatter: (x, s, d = 0, a = null, b = null, st = 1) => fx.sliceScatter(x, s, d, a, b, st),
  maskedScatter: (x, m, s) => x.maskedScatter(m, s),
  put: (x, i, s, acc = false) => fx.put(x, i, s, acc),
  indexReduce: (x, d, i, s, r, includeSelf = true) => fx.indexReduce(x, d, i, s, r, { includeSelf }),
};

function checkResult(got: Tensor, want: Case["results"][number], what: string): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  assert.equal(got.dtype, want.dtype, `${what}: dtype`);
  const g = Array.from(got.toTypedArray() as ArrayLike<number | bigint>, Number), w = decAll(want.t);
  g.forEach((v, i) => assert.ok(Object.is(v, w[i]) || Math.abs(v - w[i]!) <= 1e-12 * Math.abs(w[i]!), `${what}[${i}]: ${v} vs ${w[i]}`));
}

(FX.cases as Case[]).forEach((c, n) => {
  const brief = (a: Enc): unknown => (a !== null && typeof a === "object" && "shape" in a ? a.shape : a !== null && typeof a === "object" && "list" in a ? a.list.map(brief) : a);
  const what = `${c.op} case ${n} (${JSON.stringify(c.args.map(brief))})`;
  test(`${what}: PyTorch's values, shapes and dtypes${c.grads ? ", and gradients" : ""}`, () => {
    const r = OPS[c.op]!(...c.args.map((a) => decode(a, null)));
    const results = c.tuple ? (r as Tensor[]) : [r as Tensor];
    assert.equal(Array.isArray(r), c.tuple, `${what}: returns ${c.tuple ? "a list" : "one tensor"}`);
    assert.equal(results.length, c.results.length, `${what}: number of results`);
    results.forEach((t, i) => checkResult(t, c.results[i]!, `${what} result ${i}`));
    if (!c.grads) return;
    const leaves: Tensor[] = [];
    const rr = OPS[c.op]!(...c.args.map((a) => decode(a, leaves)));
    const outs = (Array.isArray(rr) ? rr : [rr]).filter((t) => t.dtype === "float64");
    const loss = outs.map((t) => t.mul(tensor(decAll(FX.weights[String(t.numel())]), { dtype: "float64" }).reshape(t.shape)).sum()).reduce((a, b) => a.add(b));
    const grads = autograd.grad(loss, leaves, { allowUnused: true });
    c.grads.forEach((want, i) => {
      if (want === null) return assert.ok(grads[i] === null || (grads[i]!.abs().max().item() as number) === 0, `${what}: grad ${i} unused`);
      // an input that does not reach the result (an empty source) gets null where PyTorch gives zeros
      const g = grads[i] === null ? new Array<number>(want.length).fill(0) : Array.from(grads[i]!.toTypedArray() as Float64Array), w = decAll(want);
      g.forEach((v, k) => assert.ok(Math.abs(v - w[k]!) <= 1e-12 * (1 + Math.abs(w[k]!)), `${what}: grad ${i}[${k}] ${v} vs ${w[k]}`));
    });
  });
});

test("narrowCopy is differentiable (PyTorch 1.13 has no derivative for narrow_copy, and says so)", () => {
  assert.ok((FX.cases as Case[]).some((c) => c.op === "narrowCopy" && /narrow_copy is not implemented/.test(c.gradError ?? "")));
  const x = tensor([1, 2, 3, 4], { dtype: "float64", requiresGrad: true });
  fx.narrowCopy(x, 0, 1, 2).mul(tensor([5, 7], { dtype: "float64" })).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [0, 5, 7, 0]);
  const y = x.detach().clone();
  const c = y.narrowCopy(0, 1, 2);
  c.fill_(9);
  assert.deepEqual(y.tolist(), [1, 2, 3, 4], "a copy, not a view");
});

test("the in-place forms (maskedScatter_, put_, indexReduce_) write into self, and leave it unchanged when they refuse", () => {
  const x = zeros([2, 3]);
  const m = tensor([[true, false, true], [false, true, false]]);
  assert.equal(x.maskedScatter_(m, tensor([1, 2, 3, 4, 5, 6]).reshape(2, 3)), x);
  assert.deepEqual(x.tolist(), [[1, 0, 2], [0, 3, 0]]);
  // in place the mask broadcasts to self, never self to the mask
  assert.deepEqual(zeros([2, 3]).maskedScatter_(tensor([true, false, true]), tensor([1, 2, 3, 4])).tolist(), [[1, 0, 2], [3, 0, 4]]);
  assert.throws(() => zeros([3]).maskedScatter_(m, tensor([1, 2, 3, 4])), fx.ShapeError);
  const p = zeros([2, 2]);
  assert.equal(p.put_(tensor([0, 0, -1], { dtype: "int64" }), tensor([1, 2, 3]), true), p);
  assert.deepEqual(p.tolist(), [[3, 0], [0, 3]]);
  const before = p.tolist(), version = p.version;
  assert.throws(() => p.put_(tensor([4], { dtype: "int64" }), tensor([1])), fx.FluxionError);
  assert.deepEqual(p.tolist(), before);
  assert.equal(p.version, version);
  const r = fx.full([3], 2);
  r.indexReduce_(0, tensor([0, 0, 2], { dtype: "int64" }), tensor([1, 5, 7]), "amax", { includeSelf: false });
  assert.deepEqual(r.tolist(), [5, 2, 7]);
  assert.deepEqual(fx.full([2], 3).indexReduce(0, tensor([1], { dtype: "int32" }), tensor([4]), "prod").tolist(), [3, 12], "int32 indices too");
});

test("non-contiguous inputs give the contiguous inputs' results", () => {
  const base = tensor(Array.from({ length: 12 }, (_, i) => i * 1.5 - 4), { dtype: "float64" }).reshape(3, 4);
  const nc = nonContiguous(base);
  assert.ok(!nc.isContiguous());
  const same = (f: (t: Tensor) => Tensor | Tensor[]) => {
    const a = [f(base)].flat(), b = [f(nc)].flat();
    a.forEach((t, i) => assert.deepEqual(b[i]!.tolist(), t.tolist()));
  };
  same((t) => fx.rot90(t, 1, [0, 1]));
  same((t) => fx.takeAlongDim(t, t.argsort(1), 1));
  same((t) => fx.hsplit(t, 2));
  same((t) => fx.blockDiag(t, t.narrow(0, 0, 1)));
  same((t) => fx.diagonalScatter(t, tensor([1, 2, 3], { dtype: "float64" })));
  same((t) => fx.sliceScatter(t, zeros([3, 2], { dtype: "float64" }), 1, 0, null, 2));
  same((t) => t.maskedScatter(t.gt(0), t.mul(-1)));
  same((t) => fx.put(t, tensor([0, 11], { dtype: "int64" }), tensor([7, 8], { dtype: "float64" })));
  same((t) => fx.indexReduce(t, 1, tensor([0, 0, 3, 1], { dtype: "int64" }), t.mul(2), "mean"));
  same((t) => fx.columnStack([t, t]));
  same((t) => fx.dstack([t, t]));
  same((t) => fx.narrowCopy(t, 1, 1, 2));
});

test("gradcheck of the scatter family and takeAlongDim (float64)", () => {
  const x = tensor([0.5, -1.5, 2, 3.25, -0.75, 1.25], { dtype: "float64", requiresGrad: true }).reshape(2, 3).detach().requiresGrad_(true);
  const s3 = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a, b) => fx.selectScatter(a, b, 1, 0).mul(a), [x, tensor([4, 5], { dtype: "float64", requiresGrad: true })]));
  const s4 = tensor([1, 2, 3, 4], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a, b) => fx.maskedScatter(a, tensor([true, false, true]), b), [x, s4]));
  assert.ok(autograd.gradcheck((a, b) => fx.put(a, tensor([5, 0, 5], { dtype: "int64" }), b, true), [x, s3]));
  assert.ok(autograd.gradcheck((a) => fx.takeAlongDim(a, tensor([[2, 0], [1, 1]], { dtype: "int64" }), 1), [x]));
  for (const reduce of ["prod", "mean", "amax", "amin"] as const) {
    const src = tensor([0.3, 1.7, -2.2, 0.9, 1.1, -0.4], { dtype: "float64", requiresGrad: true }).reshape(3, 2).detach().requiresGrad_(true);
    assert.ok(autograd.gradcheck((a, b) => fx.indexReduce(a.t(), 0, tensor([0, 2, 0], { dtype: "int64" }), b, reduce), [x, src]), reduce);
  }
});

test("PyTorch's errors, in Fluxion's words naming the op", () => {
  const E = FX.errors;
  const z = zeros([2, 3]);
  const err = (f: () => unknown, re: RegExp, torchKey: string, torchRe: RegExp = re) => {
    assert.match(fluxionErrorMessage(f, torchKey), re);
    assert.match(E[torchKey], torchRe, `PyTorch's ${torchKey}`);
  };
  err(() => fx.rot90(z, 1, [0]), /expected total rotation dims == 2, but got dims = 1/, "rot90Dims");
  err(() => fx.rot90(zeros([3])), /expected total dims >= 2, but got total dims = 1/, "rot90Ndim");
  err(() => fx.rot90(z, 1, [1, 1]), /expected rotation dims to be different, but got dim0 = 1 and dim1 = 1/, "rot90Same");
  err(() => fx.takeAlongDim(z, tensor([[0]]), 1), /dtype of indices should be Long but got float32/, "takeAlongDimDtype", /dtype of indices should be Long but got Float/);
  err(() => fx.takeAlongDim(z, tensor([0], { dtype: "int64" }), 1), /should have the same number of dimensions, but got 2 dimensions for input, and 1 dimensions for indices/, "takeAlongDimNdim");
  err(() => fx.takeAlongDim(z, tensor([[3]], { dtype: "int64" }), 1), /index 3 is out of bounds for dimension 1 with size 3/, "takeAlongDimBounds");
  err(() => fx.blockDiag(zeros([2, 2, 2])), /Input tensors must have 2 or fewer dimensions. Input 0 has 3 dimensions/, "blockDiag3d");
  err(() => fx.hsplit(tensor(1), 1), /requires a tensor with at least 1 dimension, but got a tensor with 0 dimensions/, "hsplit0d");
  err(() => fx.hsplit(z, 2), /attempted to split along dimension 1, but the size of the dimension 3 is not divisible by the split_size 2/, "hsplitDivisible");
  err(() => fx.vsplit(zeros([3]), 1), /requires a tensor with at least 2 dimension, but got a tensor with 1 dimensions/, "vsplit1d");
  err(() => fx.dsplit(z, 1), /requires a tensor with at least 3 dimension, but got a tensor with 2 dimensions/, "dsplit2d");
  err(() => fx.columnStack([]), /column_stack expects a non-empty TensorList/, "columnStackEmpty");
  err(() => fx.narrowCopy(z, 1, 2, 2), /exceeds dimension size|out of range/, "narrowCopyRange", /start \(2\) \+ length \(2\) exceeds dimension size \(3\)/);
  err(() => fx.diagonalScatter(zeros([3, 3]), zeros([2])), /expected src to have a size equal to the slice of self. src size = \[2\], slice size = \[3\]/, "diagonalScatterShape");
  err(() => fx.selectScatter(z, zeros([2]), 0, 0), /expected src to have a size equal to the slice of self. src size = \[2\], slice size = \[3\]/, "selectScatterShape");
  err(() => fx.sliceScatter(z, z, 0, null, null, 0), /slice step must be positive/, "sliceScatterStep");
  const m = tensor([[true, false, true], [false, true, false]]);
  err(() => z.maskedScatter(m, zeros([2])), /Number of elements of source < number of ones in mask/, "maskedScatterCount");
  err(() => z.maskedScatter(m, zeros([6], { dtype: "float64" })), /expected self and source to have same dtypes but got Float and Double/, "maskedScatterDtype", /same dtypes but gotFloat and Double/);
  err(() => z.put(tensor([6], { dtype: "int64" }), tensor([1])), /out of range: tried to access index 6 on a tensor of 6 elements/, "putRange");
  err(() => z.put(tensor([0, 1], { dtype: "int64" }), tensor([1])), /Expected source and index to have the same number of elements, but got source.numel\(\) = 1, index.numel\(\) = 2/, "putNumel");
  err(() => z.put(tensor([0], { dtype: "int64" }), tensor([1], { dtype: "float64" })), /self and source expected to have the same dtype, but got self.dtype = float32 and source.dtype = float64/, "putDtype", /self and source expected to have the same dtype/);
  err(() => zeros([0]).put(tensor([0], { dtype: "int64" }), tensor([1])), /Tried to put elements into an empty tensor/, "putEmpty");
  err(() => z.indexReduce(0, tensor([0], { dtype: "int64" }), zeros([1, 3]), "sum" as never), /argument 'reduce' \(position 4\) must be "prod" or "mean" or "amax" or "amin", but got string "sum"/, "indexReduceSum", /Expected reduce to be one of prod, mean, amax or amin but got sum/);
  err(() => z.indexReduce(0, tensor([0, 1], { dtype: "int64" }), zeros([3, 3]), "amax"), /Number of indices \(2\) should be equal to source.size\(dim\): \(3\), for dim: 0/, "indexReduceCount");
  err(() => z.indexReduce(0, tensor([[0]], { dtype: "int64" }), zeros([1, 3]), "amax"), /Index is supposed to be a vector, but got dim: 2/, "indexReduceVector");
  err(() => z.indexReduce(0, tensor([0], { dtype: "int64" }), zeros([1, 3], { dtype: "float64" }), "amax"), /self \(float32\) and source \(float64\) must have the same scalar type/, "indexReduceDtype", /must have the same scalar type/);
  err(() => z.indexReduce(0, tensor([5], { dtype: "int64" }), zeros([1, 3]), "amax"), /index 5 is out of bounds for dimension 0 with size 2/, "indexReduceRange", /index out of range in self/);
});

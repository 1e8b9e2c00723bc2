/**
 * indexFill / indexFill_ and indexCopy / indexCopy_ against PyTorch 1.13
 * (test/fixtures/index_fill_copy_torch.json: values, gradients including the fill value's,
 * 0-d cases, casts and refusals), plus gradcheck, int32 indices (Fluxion's integer dtype,
 * which PyTorch refuses), in-place semantics and the messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, IndexError, ShapeError, autograd, indexCopy, indexFill, ones, randn, tensor, zeros } from "../../src/index.js";
import { loadFixture, runCase } from "../fixtures/op_cases.js";

const FIX = loadFixture("index_fill_copy_torch.json");

for (const op of ["indexFill", "indexFill_", "indexCopy", "indexCopy_"]) {
  test(`${op}: every PyTorch 1.13 case (values, gradients, refusals; function, method, non-contiguous)`, () => {
    const cases = FIX.cases.map((c, i) => [c, i] as const).filter(([c]) => c.op === op);
    assert.ok(cases.length > 0);
    for (const [c, i] of cases) runCase(c, i);
  });
}

const i64 = (d: number[]) => tensor(d, { dtype: "int64" });

test("gradcheck and gradgradcheck in float64: self, source and the fill value", () => {
  const x = randn([3, 4], { dtype: "float64", requiresGrad: true });
  const src = randn([3, 2], { dtype: "float64", requiresGrad: true });
  const v = randn([], { dtype: "float64", requiresGrad: true });
  const idx = i64([3, 0]);
  assert.ok(autograd.gradcheck((a, s) => indexCopy(a, 1, idx, s), [x, src]));
  assert.ok(autograd.gradgradcheck((a, s) => indexCopy(a, 1, idx, s), [x, src]));
  assert.ok(autograd.gradcheck((a, w) => indexFill(a, -1, i64([1, -1, 1]), w), [x, v]));
  assert.ok(autograd.gradgradcheck((a, w) => indexFill(a, 0, i64([2]), w), [x, v]));
});

test("the fill value's gradient counts each filled slice once, however often its index repeats (PyTorch's unique)", () => {
  const v = tensor(2, { requiresGrad: true });
  indexFill(ones([2, 3]), 1, i64([0, 2, 0, -1]), v).mul(tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
  assert.equal(v.grad?.item(), 1 + 3 + 4 + 6);
});

test("int32 indices work as int64 ones (PyTorch wants int64; int32 is Fluxion's integer dtype)", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.indexFill(1, tensor([0, -1], { dtype: "int32" }), 0).tolist(), [[0, 2, 0], [0, 5, 0]]);
  assert.deepEqual(x.indexCopy(0, tensor([1], { dtype: "int32" }), tensor([[7, 8, 9]])).tolist(), [[1, 2, 3], [7, 8, 9]]);
  assert.throws(() => x.indexFill(1, tensor([0]), 0), (e: unknown) => e instanceof DTypeError && /^indexFill: expected index to be an int64 or int32 tensor, got float32/.test((e as Error).message));
});

test("in place: written into self (version bumped, history rebased); a failed call leaves self untouched", () => {
  const base = randn([2, 3], { requiresGrad: true });
  const x = base.mul(1);
  const r = x.indexCopy_(1, i64([2]), tensor([[10], [20]]));
  assert.equal(r, x);
  assert.deepEqual((x.select(1, 2).tolist() as number[]), [10, 20]);
  x.sum().backward();
  assert.deepEqual(base.grad?.tolist(), [[1, 1, 0], [1, 1, 0]]);
  const y = zeros([2, 2]);
  assert.throws(() => y.indexFill_(0, i64([5]), 1), (e: unknown) => e instanceof IndexError && /^Tensor\.indexFill_\(\): indexFill: index 5 is out of bounds for dimension 0 with size 2 \(input shape \[2, 2\]\)$/.test((e as Error).message));
  assert.deepEqual([y.tolist(), y.version], [[[0, 0], [0, 0]], 0]);
});

test("messages name the op, the shapes and the dtypes", () => {
  const x = zeros([3, 4]);
  const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));
  is(() => x.indexCopy(1, i64([-1]), zeros([3, 1])), IndexError, /^indexCopy: index -1 is out of bounds for dimension 1 with size 4 \(input shape \[3, 4\]\)$/);
  is(() => x.indexCopy(1, i64([0]), zeros([3, 1], { dtype: "float64" })), DTypeError, /^indexCopy: self and source expected to have the same dtype, but got \(self\) float32 and \(source\) float64$/);
  is(() => x.indexCopy(1, i64([0]), zeros([2, 1])), ShapeError, /^indexCopy: source\/destination tensor must have same slice shapes: destination \[3, 4\] and source \[2, 1\] differ outside dimension 1$/);
  is(() => x.indexCopy(1, i64([0, 1]), zeros([3, 1])), IndexError, /^indexCopy: number of indices \(2\) should be equal to source\.size\(dim\) \(1, source shape \[3, 1\], dim 1\)$/);
  is(() => x.indexFill(1, i64([0]), zeros([1])), ShapeError, /^indexFill: only supports a 0-dimensional value tensor, but got tensor with 1 dimension\(s\) \(shape \[1\]\)$/);
  is(() => x.indexFill(1, i64([0]).reshape([1, 1]), 1), IndexError, /^indexFill: index has to be a vector or a scalar \(0-d or 1-d\), got shape \[1, 1\]$/);
  is(() => x.indexFill(2, i64([0]), 1), IndexError, /^indexFill: dimension 2 out of range/);
  is(() => zeros([2], { dtype: "int64" }).indexFill(0, i64([0]), Infinity), Error, /^indexFill: value Infinity cannot be converted to type int64 without overflow$/);
});

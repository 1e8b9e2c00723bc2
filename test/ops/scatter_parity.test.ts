/**
 * scatter with reduce "multiply" and "add" (torch.scatter(dim, index, src, reduce=...) and
 * the value form) against PyTorch (test/fixtures/wrong_values_torch.json): along each dim of
 * 2-D and the middle dim of 3-D inputs, repeated indices, src larger than index, float64,
 * float32 and int32; the dense and general CPU loops (contiguous and strided operands);
 * in place; half types (accumulated in float32, rounded once); an unknown reduce; and the
 * gradients (PyTorch has none for reduce): "add" as scatterAdd's, "multiply" exact with
 * zeros, checked with gradcheck and gradgradcheck.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, arange, autograd, tensor, type Tensor } from "../../src/index.js";
import { WV, assertValues, decAll, fromEnc, type Enc } from "../fixtures/wrong_values.js";
import { nonContiguous } from "../helpers.js";

interface ScCase {
  x: Enc;
  dim: number;
  index: Enc;
  src?: Enc;
  value?: number;
  reduce: "add" | "multiply";
  out: Enc;
}

(WV.scatter as ScCase[]).forEach((c, k) => {
  const what = `${c.reduce} ${c.src ? "src" : `value ${c.value}`} ${c.x.dtype} [${c.x.shape}] dim ${c.dim}`;
  test(`scatter reduce matches PyTorch (${k}): ${what}`, () => {
    const x = fromEnc(c.x), index = fromEnc(c.index), src = c.src ? fromEnc(c.src) : c.value!;
    const want = decAll(c.out.v);
    const tol = { rtol: x.dtype === "float32" ? 1e-6 : 1e-14, msg: what };
    const got = x.scatter(c.dim, index, src, { reduce: c.reduce });
    assert.equal(got.dtype, x.dtype);
    assert.deepEqual(got.shape, c.out.shape);
    assertValues(got, want, tol);
    // strided operands take the general loop instead of the dense one
    const srcNc = src instanceof Object ? nonContiguous(src as Tensor) : src;
    assertValues(nonContiguous(x).scatter(c.dim, nonContiguous(index), srcNc, { reduce: c.reduce }), want, { ...tol, msg: `${what} strided` });
    // in place
    const y = x.clone();
    assert.equal(y.scatter_(c.dim, index, src, { reduce: c.reduce }), y);
    assertValues(y, want, { ...tol, msg: `${what} in place` });
  });
});

test("scatter reduce on half types accumulates in float32 and rounds once", () => {
  const x = tensor([1, 2, 3], { dtype: "bfloat16" }), idx = tensor([0, 0, 0, 2], { dtype: "int32" });
  const src = tensor([1.1, 1.1, 1.1, 3], { dtype: "bfloat16" });
  const want = tensor([1, 2, 3]).scatter(0, idx, src.to("float32"), { reduce: "multiply" }).to("bfloat16");
  assert.deepEqual(x.scatter(0, idx, src, { reduce: "multiply" }).tolist(), want.tolist());
});

test("scatter refuses a reduce other than add or multiply (PyTorch: reduce argument must be either add or multiply)", () => {
  assert.match(WV.scatterBadReduce, /reduce argument must be either add or multiply/);
  const x = tensor([1, 2]), idx = tensor([0], { dtype: "int32" });
  assert.throws(() => x.scatter(0, idx, 1, { reduce: "mean" as never }), (e: Error) => e instanceof FluxionError && /option 'reduce' must be "add" or "multiply" or null, but got string "mean"/.test(e.message));
  // bool multiply is logical and, add logical or (PyTorch's values)
  const b = tensor([true, false, true]), bi = tensor([0, 1], { dtype: "int32" }), bs = tensor([false, true]);
  assert.deepEqual(b.scatter(0, bi, bs, { reduce: "multiply" }).tolist(), [false, false, true]);
  assert.deepEqual(b.scatter(0, bi, bs, { reduce: "add" }).tolist(), [true, true, true]);
});

test("scatter reduce gradients: add passes g through (src gathers it); multiply is exact with zeros (gradcheck, gradgradcheck)", () => {
  const idx = tensor([[0, 0, 2], [1, 1, 0]], { dtype: "int32" });
  const x = tensor([[1.5, 0, 2], [0.5, -1, 3]], { dtype: "float64", requiresGrad: true });
  // src larger than index; zeros: one alone at a target, two at the same target, one beside non-zeros
  const srcs = [
    tensor([[2, 0.5, 4, 9], [-0.7, 1.3, 7, 1]], { dtype: "float64", requiresGrad: true }),
    tensor([[2, 0, 4, 9], [0, 0, 7, 1]], { dtype: "float64", requiresGrad: true }),
    tensor([[0, 3, 0, 9], [0.4, 0, 0, 1]], { dtype: "float64", requiresGrad: true }),
  ];
  for (const src of srcs) {
    for (const reduce of ["multiply", "add"] as const) {
      assert.ok(autograd.gradcheck((a: Tensor, s: Tensor) => a.scatter(1, idx, s, { reduce }), [x, src]), `${reduce} ${src.tolist()}`);
      assert.ok(autograd.gradcheck((a: Tensor) => a.scatter(1, idx, 1.5, { reduce }), [x]), `${reduce} value`);
    }
    assert.ok(autograd.gradgradcheck((a: Tensor, s: Tensor) => a.scatter(1, idx, s, { reduce: "multiply" }), [x, src]));
  }
  const y = x.scatter(1, idx, srcs[1]!, { reduce: "multiply" });
  assert.equal(y.gradFn?.name, "ScatterReduceBackward0");
});

test("gather with an index smaller than the input in another dim selects only those elements", () => {
  // The row-copy fast path took index [4, 1] along dim 0 of a [5, 2] input as whole rows:
  // torch.arange(10.).reshape(5, 2).gather(0, torch.tensor([[0], [2], [2], [4]])) -> [[0], [4], [4], [8]]
  const x = arange(10, { dtype: "float32" }).reshape(5, 2);
  assert.deepEqual(x.gather(0, tensor([[0], [2], [2], [4]], { dtype: "int64" })).tolist(), [[0], [4], [4], [8]]);
  assert.deepEqual(x.double().gather(0, tensor([[4], [3]], { dtype: "int32" })).tolist(), [[8], [6]]);
  // y = torch.arange(24.).reshape(2, 3, 4): y.gather(1, [[[2]], [[0]]]), y.gather(1, [[[2, 1]], [[0, 0]]])
  const y = arange(24, { dtype: "float32" }).reshape(2, 3, 4);
  assert.deepEqual(y.gather(1, tensor([[[2]], [[0]]], { dtype: "int64" })).tolist(), [[[8]], [[12]]]);
  assert.deepEqual(y.gather(1, tensor([[[2, 1]], [[0, 0]]], { dtype: "int64" })).tolist(), [[[8, 5]], [[12, 13]]]);
  // the whole-row pattern (an index broadcast to the input's other sizes) still takes whole rows
  assert.deepEqual(x.gather(0, tensor([3, 1], { dtype: "int64" }).reshape(2, 1).expand(2, 2)).tolist(), [[6, 7], [2, 3]]);
});

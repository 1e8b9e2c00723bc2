import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, randn, autograd, dispatch, tensor, DTypeError, ShapeError } from "../../src/index.js";
import { matmulReference } from "../../src/backend/cpu/matmul.js";
import { assertClose } from "../helpers.js";

const F = nn.F;

test("F.linear equals x Wᵀ + b for 1-D, 2-D and 3-D inputs", () => {
  const w = randn([5, 3], { dtype: "float64" }), b = randn([5], { dtype: "float64" });
  for (const shape of [[3], [4, 3], [2, 4, 3]]) {
    const x = randn(shape, { dtype: "float64" });
    const y = F.linear(x, w, b);
    assert.deepEqual(y.shape, [...shape.slice(0, -1), 5]);
    assertClose(y, x.matmul(w.t()).add(b), { atol: 1e-12 });
    assertClose(F.linear(x, w), x.matmul(w.t()), { atol: 1e-12 });
  }
});

test("F.linear gradients pass gradcheck and gradgradcheck; only needed gradients are computed", () => {
  const x = randn([2, 3, 4], { dtype: "float64", requiresGrad: true });
  const w = randn([5, 4], { dtype: "float64", requiresGrad: true });
  const b = randn([5], { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((x_, w_, b_) => F.linear(x_, w_, b_), [x, w, b]));
  assert.ok(autograd.gradgradcheck((x_, w_, b_) => F.linear(x_, w_, b_), [x, w, b]));
  const data = randn([6, 4], { dtype: "float64" });
  F.linear(data, w, b).sum().backward();
  assert.equal(data.grad, null);
  assertClose(w.grad!, data.sum(0).unsqueeze(0).expand([5, 4]), { atol: 1e-12 });
  assert.deepEqual(w.grad!.stride(), [4, 1], "the weight gradient is produced contiguous");
});

test("F.linear rejects mismatched shapes and dtypes by name", () => {
  assert.throws(() => F.linear(randn([2, 3]), randn([5, 4])), (e: unknown) => e instanceof ShapeError && /expected input with last dimension 4/.test((e as Error).message));
  assert.throws(() => F.linear(randn([2, 4]), randn([5, 4]), randn([4])), /bias \[4\]/);
  assert.throws(() => F.linear(randn([2, 4], { dtype: "float64" }), randn([5, 4])), (e: unknown) => e instanceof DTypeError);
});

test("the matmul primitive's fused epilogue (bias per column or row, activations) matches the composed ops", () => {
  const a = randn([3, 7, 9]), b = randn([3, 9, 5]);
  const col = randn([5]), row = randn([7]);
  for (const activation of [undefined, "relu", "gelu", "geluTanh"] as const) {
    const act = (t: typeof a) => (activation === "relu" ? t.relu() : activation === "gelu" ? t.gelu() : activation === "geluTanh" ? t.gelu({ approximate: "tanh" }) : t);
    const fusedCol = dispatch("matmul", [a, b, col], { bias: "col", activation });
    assertClose(fusedCol, act(a.matmul(b).add(col)), { atol: 1e-5 });
    const fusedRow = dispatch("matmul", [a, b, row], { bias: "row", activation });
    assertClose(fusedRow, act(a.matmul(b).add(row.unsqueeze(1))), { atol: 1e-5 });
    // the TypeScript reference path agrees with the dispatched (native when built) one
    assertClose(matmulReference([a, b, row], { bias: "row", activation }, "cpu")[0]!, fusedRow, { atol: 1e-5 });
  }
  assert.deepEqual(dispatch("matmul", [tensor([[1, 2]]), tensor([[3], [4]]), tensor([-20])], { bias: "col", activation: "relu" }).tolist(), [[0]]);
});

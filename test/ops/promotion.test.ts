/**
 * Type promotion against torch.result_type (fixture): every pair of dtypes as dim-tensor,
 * 0-d tensor and scalar operands, and the dtypes the ops actually produce.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ones, promoteTypes, tensor, type DType } from "../../src/index.js";
import { binary } from "../../src/ops/elementwise.js";
import { resultTypeOf } from "../../src/ops/helpers.js";
import { FIX } from "../fixtures/math_ref.js";

type Kind = "tensor" | "zerod" | "scalar";
function operand(kind: Kind, d: unknown) {
  if (kind === "scalar") return d as number | boolean;
  return ones(kind === "tensor" ? [2] : [], { dtype: d as DType });
}

describe("type promotion matches torch.result_type", () => {
  const rows = FIX.promotion as [Kind, DType, Kind, unknown, DType][];
  it(`all ${rows.length} operand combinations`, () => {
    for (const [k1, d1, k2, d2, want] of rows) {
      const got = resultTypeOf(operand(k1, d1), operand(k2, d2));
      assert.equal(got, want, `${k1} ${d1} with ${k2} ${String(d2)}`);
      // symmetric
      assert.equal(resultTypeOf(operand(k2, d2), operand(k1, d1)), want, `${k2} ${String(d2)} with ${k1} ${d1}`);
    }
  });

  it("ops produce the promoted dtype (add, mul, maximum, where)", () => {
    for (const [k1, d1, k2, d2, want] of (FIX.promotion as [Kind, DType, Kind, unknown, DType][])) {
      const a = operand(k1, d1), b = operand(k2, d2);
      if (want === "bool") continue; // bool + bool stays bool, checked in elementwise tests
      assert.equal(binary("mul", a, b).dtype, want, `mul ${k1} ${d1} ${k2} ${String(d2)}`);
      assert.equal(binary("maximum", a, b).dtype, want);
    }
  });

  it("named cases from the brief", () => {
    const W = FIX.promotionWhere;
    const i32 = tensor([1, 2], { dtype: "int32" });
    assert.equal(i32.add(2.5).dtype, "float32");
    assert.equal(i32.add(2).dtype, "int32");
    assert.equal(ones([2]).add(ones([], { dtype: "float64" })).dtype, "float32");
    assert.equal(i32.add(ones([], { dtype: "float64" })).dtype, W.int32_tensor_f64_zerod);
    assert.equal(ones([2], { dtype: "float16" }).add(ones([], { dtype: "float64" })).dtype, W.f16_tensor_f64_zerod);
    assert.equal(tensor([true, false]).add(2).dtype, W.bool_tensor_int_scalar);
    assert.equal(ones([2], { dtype: "bfloat16" }).add(ones([2], { dtype: "float16" })).dtype, "float32");
    assert.equal(ones([2], { dtype: "bfloat16" }).mul(2.5).dtype, "bfloat16");
  });

  it("division and float functions of integers give float32; comparisons give bool", () => {
    const i32 = tensor([3, 4], { dtype: "int32" });
    assert.equal(i32.div(i32).dtype, FIX.intDivDtype.replace("torch.", ""));
    assert.equal(i32.div(2).dtype, "float32");
    assert.equal(i32.exp().dtype, "float32");
    assert.equal(i32.atan2(i32).dtype, "float32");
    assert.equal(ones([2], { dtype: "float64" }).div(i32).dtype, "float64");
    for (const d of ["bool", "int32", "float32", "float64", "bfloat16", "float16"] as DType[]) {
      assert.equal(ones([2], { dtype: d }).lt(ones([2], { dtype: "float64" })).dtype, "bool");
    }
  });

  it("promoteTypes is symmetric and idempotent", () => {
    const ds: DType[] = ["bool", "int32", "float32", "float64", "bfloat16", "float16"];
    for (const a of ds) {
      assert.equal(promoteTypes(a, a), a);
      for (const b of ds) assert.equal(promoteTypes(a, b), promoteTypes(b, a));
    }
  });
});

it("square: bool squares to int64 (PyTorch's pow promotion), other dtypes keep theirs", () => {
  // torch.tensor([1, 0, 1]).to(dt).square(): bool -> int64; uint8, int8, int32, int64, float32 unchanged
  for (const [dt, want] of [["bool", "int64"], ["uint8", "uint8"], ["int8", "int8"], ["int32", "int32"], ["int64", "int64"], ["float32", "float32"]] as const) {
    const y = tensor([1, 0, 1]).to(dt).square();
    assert.equal(y.dtype, want, dt);
    assert.deepEqual(y.tolist(), [1, 0, 1], dt);
  }
});

/** dtypes: categories, checks and PyTorch's type-promotion rules. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTYPES, DTypeError, promoteTypes, type DType } from "../../src/index.js";
import { checkDType, floatResult, isFloating, itemSize, resultType, arrayFor } from "../../src/tensor/dtype.js";

// torch.promote_types over float32, float64, int32, bool, bfloat16, float16, in this order;
// rows promote with columns. (Every pair of all nine dtypes, uint8/int8/int64 included, is
// checked against PyTorch in dtype_int.test.ts.)
const ORDER: DType[] = ["float32", "float64", "int32", "bool", "bfloat16", "float16"];
const TABLE: DType[][] = [
  ["float32", "float64", "float32", "float32", "float32", "float32"],
  ["float64", "float64", "float64", "float64", "float64", "float64"],
  ["float32", "float64", "int32", "int32", "bfloat16", "float16"],
  ["float32", "float64", "int32", "bool", "bfloat16", "float16"],
  ["float32", "float64", "bfloat16", "bfloat16", "bfloat16", "float32"],
  ["float32", "float64", "float16", "float16", "float32", "float16"],
];

test("promoteTypes matches torch.promote_types for every pair", () => {
  assert.deepEqual([...DTYPES].sort(), [...ORDER, "uint8", "int8", "int64"].sort());
  for (let i = 0; i < ORDER.length; i++) {
    for (let j = 0; j < ORDER.length; j++) {
      assert.equal(promoteTypes(ORDER[i]!, ORDER[j]!), TABLE[i]![j]!, `${ORDER[i]} + ${ORDER[j]}`);
    }
  }
});

test("resultType: dim tensors outrank 0-d tensors, which outrank scalars, within a category", () => {
  const T = (dtype: DType, dim = 1) => ({ dtype, dim });
  assert.equal(resultType([T("int32"), 2.5]), "float32");
  assert.equal(resultType([T("int32"), 2]), "int32");
  assert.equal(resultType([T("bool"), 2]), "int32");
  assert.equal(resultType([T("bool"), true]), "bool");
  assert.equal(resultType([T("float16"), 2.5]), "float16");
  assert.equal(resultType([T("bfloat16"), T("float64", 0)]), "bfloat16");
  assert.equal(resultType([T("int32"), T("float64", 0)]), "float64");
  assert.equal(resultType([T("float32"), T("float64")]), "float64");
  assert.equal(resultType([T("int32"), T("float16", 0), 2.5]), "float16");
  assert.equal(resultType([T("float64", 0), 2.5]), "float64");
  assert.equal(resultType([T("int32", 0), 2.5]), "float32");
  assert.equal(resultType([2, 3]), "int32");
  assert.equal(resultType([2, 3.5]), "float32");
  assert.equal(resultType([true]), "bool");
});

test("dtype helpers", () => {
  assert.ok(isFloating("bfloat16") && isFloating("float16") && isFloating("float64"));
  assert.ok(!isFloating("int32") && !isFloating("bool") && !isFloating("int64") && !isFloating("uint8"));
  assert.equal(floatResult("int64"), "float32");
  assert.equal(floatResult("int32"), "float32");
  assert.equal(floatResult("float16"), "float16");
  assert.deepEqual(DTYPES.map(itemSize), DTYPES.map((d) => arrayFor(d, 1).BYTES_PER_ELEMENT));
  assert.equal(checkDType("float16", "op"), "float16");
  assert.throws(() => checkDType("float8", "cast"), (e: Error) => e instanceof DTypeError && /cast: unknown dtype "float8"/.test(e.message));
});

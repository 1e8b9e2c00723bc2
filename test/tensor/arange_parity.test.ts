/**
 * arange against PyTorch 1.13 (test/fixtures/arange_torch.json, written by arange_torch.py):
 * float32/float64 values bit for bit (its kernel's float64 fused multiply-adds and 8- or
 * 4-lane vectors), and integer dtypes with PyTorch's truncation of start, end and step.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FluxionError, arange } from "../../src/index.js";

interface Case {
  start: number;
  end: number;
  step: number;
  dtype: "float32" | "float64" | "int64" | "int32";
  v: number[] | string;
}
const CASES = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/arange_torch.json"), "utf8")) as Case[];

test("arange gives PyTorch's values bit for bit in every case of the fixture (float32, float64, int64, int32)", () => {
  assert.ok(CASES.length > 200);
  for (const c of CASES) {
    const what = `arange(${c.start}, ${c.end}, ${c.step}, ${c.dtype})`;
    if (typeof c.v === "string") {
      assert.throws(() => arange(c.start, c.end, c.step, { dtype: c.dtype }), (e: Error) => e instanceof FluxionError && /step must be nonzero/.test(e.message), what);
      continue;
    }
    const t = arange(c.start, c.end, c.step, { dtype: c.dtype });
    assert.equal(t.dtype, c.dtype, what);
    assert.deepEqual(t.tolist(), c.v, what);
  }
});

test("an integer arange truncates start, end and step first, as PyTorch", () => {
  // torch.arange(0, 5, 1.5, dtype=torch.long) -> [0, 1, 2, 3, 4]; int32: [0, 1, 2, 3]
  assert.deepEqual(arange(0, 5, 1.5, { dtype: "int64" }).tolist(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(0, 5, 1.5, { dtype: "int32" }).tolist(), [0, 1, 2, 3]);
  assert.deepEqual(arange(-2.5, 3, 2.5, { dtype: "int64" }).tolist(), [-2, 0, 2]);
  assert.throws(() => arange(0, 5, 0.5, { dtype: "int64" }), (e: Error) => e instanceof FluxionError && /^arange: step must be nonzero \(step 0.5 truncates to 0 for int64\)/.test(e.message));
  // float64 arange: the vector lanes count from their base (PyTorch's -12.048399999999999)
  assert.equal(arange(-5.2, -20, -1.1414, { dtype: "float64" }).tolist()[6], -12.048399999999999);
});

/**
 * linspace into int32 against PyTorch 1.13 (test/fixtures/wrong_values_torch.json): the
 * endpoints truncated to integers first, increasing and decreasing ranges, steps that do
 * not divide the range, fractional endpoints, 0, 1 and 2 steps, the int32 extremes, and
 * lengths around and past the 16 elements where PyTorch's kernel switches to its vectors;
 * dtype bool and endpoints past int32 are refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DTypeError, linspace } from "../../src/index.js";
import { WV } from "../fixtures/wrong_values.js";

interface LsCase {
  start: number;
  end: number;
  steps: number;
  v: number[];
}

test("linspace(..., { dtype: int32 }) gives PyTorch's values in every case of the fixture", () => {
  const cases = WV.linspace as LsCase[];
  assert.ok(cases.length > 60);
  for (const c of cases) {
    const t = linspace(c.start, c.end, c.steps, { dtype: "int32" });
    assert.equal(t.dtype, "int32");
    assert.deepEqual(t.tolist(), c.v, `linspace(${c.start}, ${c.end}, ${c.steps})`);
  }
});

test("the cases the issue names: non-divisible ranges and negative steps", () => {
  assert.deepEqual(linspace(0, 10, 7, { dtype: "int32" }).tolist(), [0, 1, 3, 5, 6, 8, 10]);
  assert.deepEqual(linspace(10, 0, 7, { dtype: "int32" }).tolist(), [10, 8, 6, 5, 3, 1, 0]);
  assert.deepEqual(linspace(3, -7, 13, { dtype: "int32" }).tolist(), [3, 2, 1, 0, 0, -1, -1, -2, -3, -4, -5, -6, -7]);
  // endpoints truncated before the step is computed
  assert.deepEqual(linspace(-0.5, 9.5, 5, { dtype: "int32" }).tolist(), [0, 2, 4, 6, 9]);
});

test("linspace refuses dtype bool and int32 endpoints that overflow", () => {
  assert.match(WV.linspaceBool, /"linspace_cpu" not implemented for 'Bool'/);
  assert.throws(() => linspace(0, 1, 5, { dtype: "bool" }), (e: Error) => e instanceof DTypeError && /^linspace: dtype bool is not supported/.test(e.message));
  assert.throws(() => linspace(0, 2 ** 31, 5, { dtype: "int32" }), (e: Error) => e instanceof DTypeError && /linspace: end: value 2147483648 cannot be converted to type int32 without overflow/.test(e.message));
  assert.throws(() => linspace(NaN, 1, 5, { dtype: "int32" }), (e: Error) => e instanceof DTypeError && /linspace: start: value NaN cannot be converted to type int32/.test(e.message));
  // float linspace is unchanged: exact endpoints
  assert.deepEqual(linspace(0, 1, 5).tolist(), [0, 0.25, 0.5, 0.75, 1]);
});

test("float32 and float64 linspace give PyTorch's values bit for bit (test/fixtures/linspace_float_torch.json)", () => {
  const cases = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/linspace_float_torch.json"), "utf8")) as (LsCase & { dtype: "float32" | "float64" })[];
  assert.ok(cases.length > 100);
  for (const c of cases) {
    const t = linspace(c.start, c.end, c.steps, { dtype: c.dtype });
    assert.equal(t.dtype, c.dtype);
    assert.deepEqual(t.tolist(), c.v, `linspace(${c.start}, ${c.end}, ${c.steps}, ${c.dtype})`);
  }
  // the kernel's float32 arithmetic: the middle of linspace(-2, 2, 7) is -2^-24, and its second value rounds to even
  assert.deepEqual(linspace(-2, 2, 7).tolist(), [-2, Math.fround(-4 / 3 + 2 ** -24), Math.fround(-2 / 3 + 2 ** -25), -(2 ** -24), Math.fround(2 / 3 - 2 ** -25), Math.fround(4 / 3 - 2 ** -24), 2]);
});

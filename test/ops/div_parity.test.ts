/**
 * div with a rounding mode (torch.div(..., rounding_mode=...)), floorDivide and integer
 * remainder against PyTorch (test/fixtures/wrong_values_torch.json): every pair of special
 * values, random and near-integer quotients in float64 and float32 (bit for bit, the sign of
 * zero included), int32 (extremes included), mixed scalar operands, the half types;
 * integer division by zero raises ZeroDivisionError as in PyTorch, on the native kernels
 * (large operands) and the TypeScript ones (small), before anything is written; an unknown
 * rounding mode and bool operands are refused; the rounded forms have zero gradient.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, FluxionError, tensor, type DType, type Tensor } from "../../src/index.js";
import { NATIVE_MIN_ELEMENTS } from "../../src/backend/cpu/loops.js";
import { WV, assertValues, decAll, fromEnc } from "../fixtures/wrong_values.js";

const D = WV.div;

/** Runs fn on the whole arrays (native kernels when built) and in chunks too small for them (TypeScript). */
function bothPaths(a: number[], b: number[], dtype: DType, fn: (x: Tensor, y: Tensor) => Tensor): [Tensor, number[]] {
  const whole = fn(tensor(a, { dtype }), tensor(b, { dtype }));
  const chunked: number[] = [];
  const n = NATIVE_MIN_ELEMENTS - 1;
  for (let i = 0; i < a.length; i += n) {
    const part = fn(tensor(a.slice(i, i + n), { dtype }), tensor(b.slice(i, i + n), { dtype }));
    chunked.push(...Array.from(part.toTypedArray(), Number));
  }
  return [whole, chunked];
}

for (const dtype of ["float64", "float32"] as const) {
  test(`div with roundingMode "trunc" and "floor", and floorDivide, match PyTorch bit for bit in ${dtype}`, () => {
    const c = D[dtype];
    const a = decAll(c.a), b = decAll(c.b);
    assert.ok(a.length > NATIVE_MIN_ELEMENTS * 4);
    for (const [mode, fn] of [
      ["trunc", (x: Tensor, y: Tensor) => x.div(y, { roundingMode: "trunc" })],
      ["floor", (x: Tensor, y: Tensor) => x.div(y, { roundingMode: "floor" })],
      ["floorDivide", (x: Tensor, y: Tensor) => x.floorDivide(y)],
    ] as const) {
      const [whole, chunked] = bothPaths(a, b, dtype, fn);
      assert.equal(whole.dtype, dtype);
      const want = decAll(c[mode]);
      // finite x by a subnormal y whose quotient overflows: PyTorch 1.13's vectorised fmod
      // (Sleef) fails there and "floor" gives NaN; later PyTorch, like Python's float //,
      // gives the overflowed quotient, ±inf, as Fluxion does
      let overflowed = 0;
      want.forEach((w, i) => {
        const q = dtype === "float32" ? Math.fround(a[i]! / b[i]!) : a[i]! / b[i]!;
        if (mode !== "trunc" && Number.isNaN(w) && Number.isFinite(a[i]!) && Number.isFinite(b[i]!) && b[i] !== 0 && !Number.isFinite(q)) {
          want[i] = q;
          overflowed++;
        }
      });
      assert.ok(overflowed <= 16, `${overflowed} overflowing quotients`);
      assertValues(whole, want, { rtol: 0, signedZero: true, msg: `${dtype} ${mode} (whole)` });
      assertValues(chunked, want, { rtol: 0, signedZero: true, msg: `${dtype} ${mode} (TypeScript chunks)` });
    }
  });
}

test("float32 rounds the quotient to float32 before truncating, as PyTorch (0.7 / 0.1 is 7, in float64 6)", () => {
  assert.deepEqual(tensor([0.7]).div(tensor([0.1]), { roundingMode: "trunc" }).tolist(), [7]);
  assert.deepEqual(tensor([0.7], { dtype: "float64" }).div(0.1, { roundingMode: "trunc" }).tolist(), [6]);
  // Python's //: 1 // 0.1 is 9 (fmod(1, 0.1) is not 0), not floor(1 / 0.1) = 10
  assert.deepEqual(tensor([1], { dtype: "float64" }).div(0.1, { roundingMode: "floor" }).tolist(), [9]);
});

test("int32 division with rounding modes and remainder match PyTorch and stay int32", () => {
  const c = D.int32;
  const a = decAll(c.a), b = decAll(c.b);
  assert.equal(c.floorDtype, "int32");
  for (const [mode, fn] of [
    ["trunc", (x: Tensor, y: Tensor) => x.div(y, { roundingMode: "trunc" })],
    ["floor", (x: Tensor, y: Tensor) => x.div(y, { roundingMode: "floor" })],
    ["remainder", (x: Tensor, y: Tensor) => x.remainder(y)],
  ] as const) {
    const [whole, chunked] = bothPaths(a, b, "int32", fn);
    assert.equal(whole.dtype, "int32", mode);
    assert.deepEqual(Array.from(whole.toTypedArray()), decAll(c[mode]), `${mode} (whole)`);
    assert.deepEqual(chunked, decAll(c[mode]), `${mode} (TypeScript chunks)`);
  }
  // true division of integers is float32, as before
  assert.equal(tensor([7], { dtype: "int32" }).div(2).dtype, "float32");
});

test("scalar operands follow PyTorch's promotion: int tensor by a float is float, by an int stays int", () => {
  const x = tensor([5, -5, 7], { dtype: "int32" });
  for (const [got, want] of [
    [x.div(2.5, { roundingMode: "floor" }), D.mixed.intByFloat],
    [x.div(2, { roundingMode: "floor" }), D.mixed.intByInt],
    [tensor([2, -2, 3], { dtype: "int32" }).div(7, { roundingMode: "trunc" }), null],
  ] as const) {
    if (!want) continue;
    const w = fromEnc(want);
    assert.equal(got.dtype, w.dtype);
    assert.deepEqual(got.tolist(), w.tolist());
  }
});

test("the half types divide in float32 precision and round once: PyTorch's values", () => {
  for (const c of D.half) {
    const dtype = c.dtype as DType;
    const a = tensor(decAll(c.a), { dtype }), b = tensor(decAll(c.b), { dtype });
    for (const mode of ["trunc", "floor"] as const) {
      const got = a.div(b, { roundingMode: mode });
      assert.equal(got.dtype, dtype);
      assertValues(got.to("float64"), decAll(c[mode]), { rtol: 0, msg: `${dtype} ${mode}` });
    }
  }
});

test("integer division and remainder by zero raise ZeroDivisionError (PyTorch: RuntimeError: ZeroDivisionError), on both kernel paths", () => {
  assert.equal(D.int32.zeroDivision, "ZeroDivisionError");
  assert.equal(D.int32.remainderZero, "ZeroDivisionError");
  for (const n of [5, 1000]) {
    // a zero deep inside the divisor: nothing may be computed around it
    const a = tensor(Array.from({ length: n }, (_, i) => i - 7), { dtype: "int32" });
    const b = tensor(Array.from({ length: n }, (_, i) => (i === n - 2 ? 0 : (i % 5) + 1)), { dtype: "int32" });
    for (const [name, fn] of [
      ["div", () => a.div(b, { roundingMode: "floor" })],
      ["div", () => a.div(b, { roundingMode: "trunc" })],
      ["floorDivide", () => a.floorDivide(b)],
      ["remainder", () => a.remainder(b)],
      ["remainder", () => a.remainder(0)],
      ["div", () => a.div(tensor(0, { dtype: "int32" }), { roundingMode: "trunc" })],
    ] as const) {
      assert.throws(fn, (e: Error) => e instanceof FluxionError && new RegExp(`^(Tensor\\.floorDivide\\(\\): )?${name}: ZeroDivisionError: integer .* by zero \\(int32 tensor of shape \\[${n}\\] by (int32 tensor of shape \\[(${n})?\\]|scalar 0)`).test(e.message), `${name} n=${n}`);
    }
  }
  // floats divide by zero into inf/nan, as PyTorch
  assert.deepEqual(tensor([1, -1, 0]).div(0, { roundingMode: "floor" }).tolist(), [Infinity, -Infinity, NaN]);
  assert.deepEqual(tensor([1.5]).remainder(0).tolist(), [NaN]);
});

test("an unknown rounding mode and bool operands are refused with PyTorch's reasons", () => {
  const x = tensor([7, -7], { dtype: "int32" });
  assert.match(D.int32.badMode, /div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'/);
  assert.throws(() => x.div(2, { roundingMode: "round" as never }), (e: Error) => e instanceof FluxionError && /^Tensor\.div\(\): option 'roundingMode' must be "trunc" or "floor" or null, but got string "round"$/.test(e.message));
  const t = tensor([true, false]);
  assert.throws(() => t.div(t, { roundingMode: "floor" }), (e: Error) => e instanceof DTypeError && /div: rounding mode "floor" is not implemented for bool operands/.test(e.message));
  assert.throws(() => t.remainder(t), (e: Error) => e instanceof DTypeError && /remainder: not implemented for bool operands/.test(e.message));
  // null / undefined: true division
  assert.deepEqual(x.div(2, { roundingMode: null }).tolist(), [3.5, -3.5]);
});

test("the rounded forms have zero gradient (PyTorch's grad * 0) for both operands, broadcast back", () => {
  const a = tensor([[1.5, -2.5, 3.25], [0.5, 7, -1]], { dtype: "float64", requiresGrad: true });
  const b = tensor([0.7, -0.3, 2], { dtype: "float64", requiresGrad: true });
  for (const mode of ["trunc", "floor"] as const) {
    a.grad = null;
    b.grad = null;
    const y = a.div(b, { roundingMode: mode });
    assert.equal(y.gradFn?.name, "DivBackward2");
    y.backward(tensor([[1, 2, 3], [4, Infinity, 6]], { dtype: "float64" }));
    assert.deepEqual(a.grad!.shape, [2, 3]);
    assert.deepEqual(b.grad!.shape, [3]);
    // inf * 0 is NaN, as in PyTorch
    assertValues(a.grad!, [0, 0, 0, 0, NaN, 0], { msg: `${mode} a` });
    assertValues(b.grad!, [0, NaN, 0], { msg: `${mode} b` });
  }
});

/**
 * Scalar operands at the edges, each value as PyTorch 1.13 gives it (checked by running the
 * same calls there): integer numbers beyond int32 take part in promotion as int64 (a Python
 * int's dtype), integers beyond int64 are refused, an integer tensor's scalar exponent must fit
 * its dtype, floor division and remainders by subnormal divisors, clamp with tensor bounds and
 * signed zeros, and the function forms that take a number first (torch.add(2, t)) beside those
 * that refuse one (torch.maximum(2, t)).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, FluxionError, tensor, type Tensor } from "../../src/index.js";

const F = fx as unknown as Record<string, (...a: unknown[]) => Tensor>;
const i8 = () => tensor(Int8Array.from([1, 2, -3]));
const i32 = () => tensor(Int32Array.from([1, 2, -3]));
const bools = () => tensor([true, false]);
const signs = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array, (v) => (Object.is(v, -0) ? "-0" : String(v)));

test("a bool tensor with an integer beyond int32 compares and computes in int64, as a Python int", () => {
  // torch.tensor([True, False]).lt(2**31) is [True, True]; in int32 2**31 would wrap negative
  assert.deepEqual(bools().lt(2 ** 31).tolist(), [true, true]);
  assert.deepEqual(bools().lt(2 ** 40).tolist(), [true, true]);
  assert.deepEqual(bools().gt(-(2 ** 31) - 1).tolist(), [true, true]);
  assert.deepEqual(bools().eq(2 ** 63 - 2 ** 10).tolist(), [false, false]);
  const s = bools().add(2 ** 31);
  assert.equal(s.dtype, "int64");
  assert.deepEqual(s.tolist(), [2147483649, 2147483648]);
  assert.equal(F.add!(2 ** 31, 0).dtype, "int64");
  // within int32 a JS integer stays int32 (README, Promotion)
  assert.equal(bools().add(2 ** 31 - 1).dtype, "int32");
});

test("integer tensors compare with out-of-range integers wrapped into their dtype, as PyTorch", () => {
  assert.deepEqual(i8().lt(2 ** 31).tolist(), [false, false, true]);
  assert.deepEqual(i8().lt(300).tolist(), [true, true, true]);
  assert.deepEqual(i8().eq(257).tolist(), [true, false, false]);
  assert.deepEqual(tensor(Uint8Array.from([1])).lt(-1).tolist(), [true]);
  assert.deepEqual(i32().lt(2 ** 31).tolist(), [false, false, false]);
  assert.deepEqual(i32().eq(2 ** 32 + 1).tolist(), [true, false, false]);
});

test("an integer beyond int64 is refused with integer and bool tensors (PyTorch: Overflow when unpacking long)", () => {
  assert.throws(() => bools().eq(2 ** 63), (e: unknown) => e instanceof DTypeError && /9223372036854775808 is an integer beyond int64's range/.test(e.message));
  assert.throws(() => i32().add(1e20), DTypeError);
  assert.throws(() => tensor([1n]).lt(-(2 ** 64)), DTypeError);
  // a float tensor takes it as a float
  assert.deepEqual(tensor([1, 2]).lt(1e20).tolist(), [true, true]);
});

test("pow of an integer tensor refuses a scalar exponent that does not fit its dtype, as PyTorch", () => {
  for (const [x, e, dt] of [[i8(), 2 ** 31, "int8"], [i8(), 300, "int8"], [i8(), 128, "int8"], [i32(), 2 ** 31, "int32"], [tensor(Uint8Array.from([2])), 256, "uint8"]] as const) {
    assert.throws(() => x.pow(e), (err: unknown) => err instanceof DTypeError && err.message.includes(`value ${e} cannot be converted to type ${dt} without overflow`));
  }
  assert.deepEqual(i8().pow(127).tolist(), [1, 0, 85]);
  assert.deepEqual(i32().pow(2 ** 31 - 1).tolist(), [1, 0, 1431655765]);
  // negative exponents: PyTorch's own message first (int8 ** -129 too)
  assert.throws(() => i8().pow(-129), /negative integer powers are not allowed/);
  // a bool tensor's exponent is an int (int64 beyond int32): nothing overflows
  assert.deepEqual(bools().pow(2 ** 31).tolist(), [1, 0]);
  // a scalar base wraps, as PyTorch: torch.pow(2**31, int8 tensor) is [0, 0, 0]
  assert.deepEqual(F.pow!(2 ** 31, i8()).tolist(), [0, 0, 0]);
  // a fractional exponent makes a float result
  assert.equal(i8().pow(2.5).dtype, "float32");
});

test("floor division, remainder and fmod by subnormal divisors, as PyTorch's scalar kernels", () => {
  const r = F.floorDivide!(5, 1e-310); // 1e-310 is 0 in float32: 5 // 0
  assert.equal(r.dtype, "float32");
  assert.deepEqual(r.shape, []);
  assert.equal(r.item(), Infinity);
  const d = tensor(Float64Array.from([5, -5]));
  assert.deepEqual(F.floorDivide!(d, 1e-310).tolist(), [Infinity, -Infinity]);
  const rem = F.remainder!(d, 1e-310).tolist() as number[], fm = F.fmod!(d, 1e-310).tolist() as number[];
  assert.deepEqual(rem.map((v) => v.toPrecision(5)), ["7.5372e-311", "2.4628e-311"]);
  assert.deepEqual(fm.map((v) => v.toPrecision(5)), ["7.5372e-311", "-7.5372e-311"]);
  const f = tensor([5, -5]);
  assert.deepEqual((F.remainder!(f, 1e-40).tolist() as number[]).map((v) => v.toPrecision(5)), ["4.2249e-41", "5.7750e-41"]);
  assert.deepEqual((F.fmod!(f, 1e-40).tolist() as number[]).map((v) => v.toPrecision(5)), ["4.2249e-41", "-4.2249e-41"]);
});

test("clamp with tensor bounds keeps x on ties (-0.0 stays), NaN bounds give NaN, as PyTorch's scalar kernel", () => {
  assert.deepEqual(signs(fx.clamp(tensor([-0, 0, 1]), tensor([0, -0, 0]), tensor([0, 0, 0]))), ["-0", "0", "0"]);
  assert.deepEqual(signs(fx.clamp(tensor([-0]), tensor([0]))), ["-0"]);
  assert.deepEqual(signs(fx.clamp(tensor([0]), null, tensor([-0]))), ["0"]);
  assert.deepEqual(signs(fx.clamp(tensor([NaN, 1, 2, 5]), tensor([0, NaN, 0, 0]), tensor([1, 1, NaN, 3]))), ["NaN", "NaN", "NaN", "3"]);
  assert.deepEqual(signs(fx.clamp(tensor([NaN, 1, 2, 5]), tensor([0, NaN, 0, 0]))), ["NaN", "NaN", "2", "5"]);
  assert.deepEqual(signs(fx.clamp(tensor([NaN, 1, 2, 5]), null, tensor([0, NaN, 0, 0]))), ["NaN", "NaN", "0", "0"]);
  // min > max: max wins
  assert.deepEqual(fx.clamp(tensor([1, 2, 5]), tensor([3, 3, 3]), tensor([2, 2, 2])).tolist(), [2, 2, 2]);
  // gradients: x inside [lo, hi] (ties included), else the bound it was clamped to
  const x = tensor([1, 2, 5, 3], { requiresGrad: true }), lo = tensor([3, 2, 0, 1], { requiresGrad: true }), hi = tensor([4, 4, 4, 3], { requiresGrad: true });
  fx.clamp(x, lo, hi).sum().backward();
  assert.deepEqual([x.grad!.tolist(), lo.grad!.tolist(), hi.grad!.tolist()], [[0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 1, 0]]);
  // promotion: an int32 tensor with float bounds is float32
  const c = fx.clamp(tensor(Int32Array.from([1, 5, 9])), tensor([2.5, 2, 2]));
  assert.deepEqual([c.dtype, c.tolist()], ["float32", [2.5, 5, 9]]);
});

test("add, sub, mul, div and their aliases take a number first (even two numbers), as PyTorch's", () => {
  const x = tensor([1, 2]), xi = tensor(Int32Array.from([1, 2]));
  const cases: [string, unknown[], string, unknown][] = [
    ["add", [2, x], "float32", [3, 4]], ["add", [2, xi], "int32", [3, 4]], ["add", [2.5, xi], "float32", [3.5, 4.5]], ["add", [2, 3], "int32", 5],
    ["sub", [2, x], "float32", [1, 0]], ["sub", [2, 3], "int32", -1], ["mul", [2, xi], "int32", [2, 4]], ["mul", [2.5, xi], "float32", [2.5, 5]],
    ["mul", [2, 3], "int32", 6], ["div", [2, xi], "float32", [2, 1]], ["div", [2, 4], "float32", 0.5], ["trueDivide", [2, x], "float32", [2, 1]],
    ["floorDivide", [2, xi], "int32", [2, 1]], ["floorDivide", [2.5, xi], "float32", [2, 1]], ["floorDivide", [2, 3], "int32", 0],
    ["multiply", [2, x], "float32", [2, 4]], ["subtract", [2, xi], "int32", [1, 0]], ["divide", [2, x], "float32", [2, 1]],
    ["add", [2, x, { alpha: 2 }], "float32", [4, 6]], ["sub", [2, x, { alpha: 2 }], "float32", [0, -2]],
    ["div", [1, x, { roundingMode: "floor" }], "float32", [1, 0]], ["div", [7, xi, { roundingMode: "trunc" }], "int32", [7, 3]],
    ["add", [true, xi], "int32", [2, 3]], ["mul", [2, tensor([true, false])], "int32", [2, 0]],
    ["subtract", [2, x, { alpha: 2 }], "float32", [0, -2]], ["divide", [7, xi, { roundingMode: "floor" }], "int32", [7, 3]],
  ];
  for (const [op, args, dtype, want] of cases) {
    const r = F[op]!(...args);
    assert.deepEqual([r.dtype, r.tolist()], [dtype, want], `${op}(${args.map(String).join(", ")})`);
  }
  // gradients flow to the tensor operand
  const g = tensor([1, 2], { requiresGrad: true });
  F.div!(1, g).sum().backward();
  assert.deepEqual(g.grad!.tolist(), [-1, -0.25]);
  // out= works for the number-first form too
  const out = fx.zeros([2]);
  F.mul!(3, x, { out });
  assert.deepEqual(out.tolist(), [3, 6]);
  // bool operands of sub are refused either way round
  assert.throws(() => F.sub!(true, x), DTypeError);
});

test("binary ops that PyTorch refuses a number first for refuse it too, naming the argument", () => {
  const x = tensor([1, 2]);
  for (const op of ["maximum", "minimum", "fmod", "eq", "lt", "atan2", "logaddexp", "hypot", "copysign"]) {
    assert.throws(() => F[op]!(2, x), (e: unknown) => e instanceof ArgumentError && e.message.includes(`${op}(): argument 'self' (position 1) must be Tensor, but got int 2`), op);
  }
  // a Scalar self of their own, but not two numbers (torch.pow(2, 3) raises)
  for (const op of ["pow", "remainder", "xlogy", "bitwiseAnd", "floatPower"]) {
    assert.doesNotThrow(() => F[op]!(2, tensor(Int32Array.from([1, 2]))), op);
    assert.throws(() => F[op]!(2, 3), (e: unknown) => e instanceof ArgumentError && e.message.includes("invalid combination of arguments"), op);
  }
  // methods still need a tensor self
  assert.throws(() => (fx.Tensor.prototype.add as (this: unknown, o: number) => Tensor).call(2, 3), FluxionError);
});

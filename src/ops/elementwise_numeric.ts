/**
 * Elementwise ops on a number's representation and on integers, with PyTorch 1.13's
 * signatures and dtype rules: signbit, isposinf, isneginf, frexp, ldexp, nextafter, floatPower,
 * heaviside, gcd, lcm (functions, Tensor methods and the in-place forms PyTorch has). The scalar math is in
 * the elementwise table (elementwise_bits.ts).
 */
import { AutogradError, DTypeError } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { floatResult, isFloating, type DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/creation.js";
import { binary, checkAccepts, defineBinaryGrads, defineUnaryGrads, describe, pow, unary } from "./elementwise.js";
import { applyInPlace } from "./inplace.js";
import { resultTypeOf, type TensorLike } from "./helpers.js";

/** A derivative PyTorch does not have: the output requires grad and backward raises, as there. */
function notImplemented(op: string) {
  return {
    uses: [] as const,
    grad: (): Tensor => {
      throw new AutogradError(`the derivative for '${op}' is not implemented (as in PyTorch)`);
    },
  };
}
defineBinaryGrads({
  heaviside: { a: notImplemented("heaviside"), b: notImplemented("heaviside") },
  nextafter: { a: notImplemented("nextafter"), b: notImplemented("nextafter") },
});
// frexp's mantissa is x 2^-e, e piecewise constant: d mantissa / dx = 2^-e (derivatives.yaml)
defineUnaryGrads({ frexpMantissa: { uses: "x", grad: (g, x) => g.mul(unary("frexpExponent", x).neg().exp2()) } });

/** torch.signbit: whether the sign bit is set (-0 and negative NaN included); false for bool and unsigned. */
function signbitImpl(x: Tensor): Tensor {
  return unary("signbit", x);
}

/** torch.isposinf / torch.isneginf: where x is +inf / -inf (bool); all false for integer and bool tensors. */
function isInfWithSign(x: Tensor, value: number): Tensor {
  return isFloating(x.dtype) ? x.eq(value) : zerosLike(x, { dtype: "bool" });
}

/** torch.frexp: x = mantissa * 2^exponent with |mantissa| in [0.5, 1); the exponent is int32. Floats only. */
function frexpImpl(x: Tensor): [Tensor, Tensor] {
  if (!isFloating(x.dtype)) throw new DTypeError(`frexp: torch.frexp() only supports floating-point dtypes (got ${describe(x)})`);
  return [unary("frexpMantissa", x), unary("frexpExponent", x).to("int32")];
}

/** torch.ldexp: x * 2^other, composed as PyTorch does (so integers give the default float dtype). */
function ldexpImpl(x: Tensor, other: Tensor): Tensor {
  return x.mul(pow(2, other.to(floatResult(other.dtype))));
}

/** torch.float_power: both operands in float64, then pow. */
function floatPowerImpl(x: TensorLike, e: TensorLike): Tensor {
  const f64 = (v: TensorLike) => (v instanceof Tensor ? v.to("float64") : v);
  return x instanceof Tensor ? pow(x.to("float64"), f64(e)) : pow(x, (e as Tensor).to("float64")); // the declarations make one a tensor
}

/** The precision code of nextafter's p0 (elementwise_bits.ts). */
const NEXTAFTER_PRECISION: Partial<Record<DType, number>> = { float64: 0, float32: 1, bfloat16: 2 };

/** torch.nextafter: the next float after x toward other, in their (promoted) float dtype; PyTorch has no float16 kernel. */
function nextafterImpl(x: Tensor, other: Tensor): Tensor {
  const dtype = resultTypeOf(x, other);
  checkAccepts("nextafter", "float", dtype, () => `${describe(x)} and ${describe(other)}`);
  if (dtype === "float16") {
    throw new DTypeError(`nextafter: not implemented for float16 operands (${describe(x)} and ${describe(other)}): "nextafter_cpu" not implemented for 'Half', as in PyTorch; convert them with .float()`);
  }
  return binary("nextafter", x, other, [NEXTAFTER_PRECISION[dtype]!]);
}

/** torch.heaviside: 0 where x < 0, values where x == 0, 1 where x > 0; both of one dtype, as PyTorch requires. */
function heavisideImpl(x: Tensor, values: Tensor): Tensor {
  if (x.dtype !== values.dtype) {
    throw new DTypeError(`heaviside: heaviside is not yet implemented for tensors with different dtypes (input ${describe(x)}, values ${describe(values)}), as in PyTorch`);
  }
  return binary("heaviside", x, values);
}

const SIGS = {
  signbit: "signbit(Tensor self, *, Tensor? out=null) -> Tensor",
  isposinf: "isposinf(Tensor self, *, Tensor? out=null) -> Tensor",
  isneginf: "isneginf(Tensor self, *, Tensor? out=null) -> Tensor",
  frexp: "frexp(Tensor self) -> (Tensor mantissa, Tensor exponent)",
  ldexp: "ldexp(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  nextafter: "nextafter(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  heaviside: "heaviside(Tensor self, Tensor values, *, Tensor? out=null) -> Tensor",
  gcd: "gcd(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  lcm: "lcm(Tensor self, Tensor other, *, Tensor? out=null) -> Tensor",
  ldexp_: "ldexp_(Tensor self, Tensor other) -> self",
  nextafter_: "nextafter_(Tensor self, Tensor other) -> self",
  heaviside_: "heaviside_(Tensor self, Tensor values) -> self",
  gcd_: "gcd_(Tensor self, Tensor other) -> self",
  lcm_: "lcm_(Tensor self, Tensor other) -> self",
  floatPower_: "floatPower_(Tensor self, Tensor|Scalar exponent) -> self",
} as const;
const FLOAT_POWER_METHOD = "floatPower(Tensor self, Tensor|Scalar exponent) -> Tensor";

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS>, MethodsOf<{ floatPower: typeof FLOAT_POWER_METHOD }> {}
}

const m = { variants: "method" } as const;
const gcd = (a: Tensor, b: Tensor) => binary("gcd", a, b);
const lcm = (a: Tensor, b: Tensor) => binary("lcm", a, b);
defineOp(SIGS.ldexp_, (x: Tensor, o: Tensor) => applyInPlace(x, "ldexp_", (s) => ldexpImpl(s, o), [o]), m);
defineOp(SIGS.nextafter_, (x: Tensor, o: Tensor) => applyInPlace(x, "nextafter_", (s) => nextafterImpl(s, o), [o], false), m);
defineOp(SIGS.heaviside_, (x: Tensor, v: Tensor) => applyInPlace(x, "heaviside_", (s) => heavisideImpl(s, v), [v], false), m);
defineOp(SIGS.gcd_, (x: Tensor, o: Tensor) => applyInPlace(x, "gcd_", (s) => gcd(s, o), [o], false), m);
defineOp(SIGS.lcm_, (x: Tensor, o: Tensor) => applyInPlace(x, "lcm_", (s) => lcm(s, o), [o], false), m);
defineOp(SIGS.floatPower_, (x: Tensor, e: TensorLike) => {
  // the result is float64, which only a float64 self can hold (PyTorch's message)
  if (x.dtype !== "float64") throw new DTypeError(`floatPower_: the base given to floatPower_ has dtype ${x.dtype} but the operation's result requires dtype float64`);
  return applyInPlace(x, "floatPower_", (s) => floatPowerImpl(s, e), [e]);
}, m);
defineOp(FLOAT_POWER_METHOD, floatPowerImpl, { variants: "method", key: "Tensor.floatPower" });

export const NUMERIC_FNS = {
  signbit: defineOp(SIGS.signbit, signbitImpl),
  isposinf: defineOp(SIGS.isposinf, (x: Tensor) => isInfWithSign(x, Infinity)),
  isneginf: defineOp(SIGS.isneginf, (x: Tensor) => isInfWithSign(x, -Infinity)),
  frexp: defineOp(SIGS.frexp, frexpImpl),
  ldexp: defineOp(SIGS.ldexp, ldexpImpl),
  nextafter: defineOp(SIGS.nextafter, nextafterImpl),
  heaviside: defineOp(SIGS.heaviside, heavisideImpl),
  gcd: defineOp(SIGS.gcd, gcd),
  lcm: defineOp(SIGS.lcm, lcm),
  // torch.float_power(2, t): a scalar base with a tensor exponent (the function form only)
  floatPower: defineOp([
    "floatPower.Tensor(Tensor self, Tensor|Scalar exponent, *, Tensor? out=null) -> Tensor",
    "floatPower.Scalar(Scalar self, Tensor exponent, *, Tensor? out=null) -> Tensor",
  ], [floatPowerImpl, floatPowerImpl]),
};

/**
 * Elementwise ops whose calls need more than the plain (self) / (self, other) forms of
 * elementwise.ts, declared here with PyTorch's signatures:
 * - a function form with a scalar first argument, as torch.remainder(5, t) (remainder,
 *   floorDivide, the bitwise ops and shifts, xlogy);
 * - parameters the kernel needs in the tensor's precision (sinc, logit's eps, lerp's weight,
 *   deg2rad/rad2deg's constants);
 * - compositions, as PyTorch composes them: isclose/allclose, nanToNum, lerp with a weight
 *   tensor; bitwiseNot of a bool tensor is logicalNot.
 * The scalar math itself lives in the elementwise table (elementwise_table.ts), the
 * derivatives beside the other elementwise ones (elementwise.ts).
 */
import { record1 } from "../autograd/record.js";
import type { BackwardFn } from "../autograd/node.js";
import { noGrad } from "../autograd/grad_mode.js";
import { DTypeError, FluxionError } from "../errors.js";
import { getDefaultDtype, floatResult, isFloating, type DType } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import { checkedValue } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { readHostItem } from "../tensor/host_read.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { Fn } from "../api/types.js";
import { binary, checkAccepts, describe, divide, torchDTypeName, unary, whereImpl } from "./elementwise.js";
import { reduceGradToShape, resultTypeOf, type TensorLike } from "./helpers.js";

/** The precision code of the table's precision params (0 float64, 1 float32: halves compute in float32). */
function precisionOf(d: DType): number {
  return d === "float64" ? 0 : 1;
}
/** A scalar as the kernels of dtype `d` hold it (float32 for float32 and the half types, as PyTorch's opmath). */
function inPrecision(v: number, d: DType): number {
  return d === "float64" ? v : Math.fround(v);
}

// ---- binary ops with a scalar-first function form ----------------------------------------

const SCALAR_FIRST = {
  remainder: ["remainder.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "remainder.Scalar_Tensor(Scalar self, Tensor other) -> Tensor"],
  floorDivide: ["floorDivide.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "floorDivide.Scalar_Tensor(Scalar self, Tensor|Scalar other) -> Tensor"],
  bitwiseAnd: ["bitwiseAnd.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "bitwiseAnd.Scalar_Tensor(Scalar self, Tensor other) -> Tensor"],
  bitwiseOr: ["bitwiseOr.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "bitwiseOr.Scalar_Tensor(Scalar self, Tensor other) -> Tensor"],
  bitwiseXor: ["bitwiseXor.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "bitwiseXor.Scalar_Tensor(Scalar self, Tensor other) -> Tensor"],
  bitwiseLeftShift: ["bitwiseLeftShift.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "bitwiseLeftShift.Scalar_Tensor(Scalar self, Tensor other) -> Tensor"],
  bitwiseRightShift: ["bitwiseRightShift.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "bitwiseRightShift.Scalar_Tensor(Scalar self, Tensor other) -> Tensor"],
  xlogy: ["xlogy.Tensor(Tensor self, Tensor|Scalar other) -> Tensor", "xlogy.Scalar_Self(Scalar self, Tensor other) -> Tensor"],
} as const;
type ScalarFirst = keyof typeof SCALAR_FIRST;
type MethodDecl<K extends string> = `${K}(Tensor self, Tensor|Scalar other) -> Tensor`;

/**
 * floorDivide rounds down, as PyTorch 1.13's floor_divide (before 1.13 it truncated, with a
 * deprecation warning): integers stay integers and dividing them by zero raises.
 */
const SCALAR_FIRST_IMPL: Record<ScalarFirst, (a: TensorLike, b: TensorLike) => Tensor> = {
  remainder: (a, b) => binary("remainder", a, b),
  floorDivide: (a, b) => divide(a, b, { roundingMode: "floor" }, "floorDivide"),
  bitwiseAnd: (a, b) => binary("bitwiseAnd", a, b),
  bitwiseOr: (a, b) => binary("bitwiseOr", a, b),
  bitwiseXor: (a, b) => binary("bitwiseXor", a, b),
  bitwiseLeftShift: (a, b) => binary("bitwiseLeftShift", a, b),
  bitwiseRightShift: (a, b) => binary("bitwiseRightShift", a, b),
  xlogy: (a, b) => binary("xlogy", a, b),
};

const scalarFirstFns = Object.fromEntries(
  (Object.keys(SCALAR_FIRST) as ScalarFirst[]).map((op) => {
    const impl = SCALAR_FIRST_IMPL[op];
    defineOp(`${op}(Tensor self, Tensor|Scalar other) -> Tensor`, impl, { variants: "method", key: `Tensor.${op}` });
    return [op, defineOp(SCALAR_FIRST[op], [impl, impl])];
  }),
) as { [K in ScalarFirst]: Fn<(typeof SCALAR_FIRST)[K]> };

// ---- unary ops with parameters ----------------------------------------------------------------

/** bitwiseNot: ~x on integers; on bool it is logical not (as PyTorch); floats are refused. */
function bitwiseNotImpl(x: Tensor): Tensor {
  return x.dtype === "bool" ? unary("logicalNot", x) : unary("bitwiseNot", x);
}

/** sin(pi x) / (pi x), computed in the precision PyTorch uses for the result dtype. */
function sincImpl(x: Tensor): Tensor {
  return unary("sinc", x, [precisionOf(floatResult(x.dtype))]);
}

/** x * c with c rounded to the result dtype, as PyTorch's deg2rad/rad2deg (a multiplication by a scalar). */
function scaleToFloat(x: Tensor, c: number): Tensor {
  return x.to(floatResult(x.dtype)).mul(c);
}

/** logit(x) = log(x / (1 - x)); with eps, x is first clamped to [eps, 1 - eps] (and the gradient is 0 outside). */
function logitImpl(x: Tensor, eps: number | null): Tensor {
  const d = floatResult(x.dtype);
  if (eps === null || eps < 0) return unary("logit", x, [-1, 0]);
  const lo = inPrecision(eps, d);
  return unary("logit", x, [lo, inPrecision(1 - lo, d)]);
}

/** The largest finite value of a float dtype (torch.finfo(dtype).max). */
const FLOAT_MAX: Partial<Record<DType, number>> = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE, float16: 65504, bfloat16: 3.3895313892515355e38 };

/**
 * nanToNum: NaN to `nan`, +inf to `posinf`, -inf to `neginf` (by default the dtype's largest
 * and lowest finite values); integer and bool tensors are returned as a copy. The gradient
 * flows only where x was finite.
 */
function nanToNumImpl(x: Tensor, nan: number | null, posinf: number | null, neginf: number | null): Tensor {
  if (!isFloating(x.dtype)) return x.clone();
  const max = FLOAT_MAX[x.dtype]!;
  let r = whereImpl(x.isnan(), nan ?? 0, x);
  r = whereImpl(r.eq(Infinity), posinf ?? max, r);
  return whereImpl(r.eq(-Infinity), neginf ?? -max, r);
}

// ---- lerp -------------------------------------------------------------------------------------

/** PyTorch's C++ names of the dtypes, as lerp's dtype messages print them. */
const CPP_DTYPE: Readonly<Record<string, string>> = { float32: "float", float64: "double", int32: "int", bool: "bool", float16: "c10::Half", bfloat16: "c10::BFloat16", int64: "long int" };

/**
 * torch.lerp(start, end, weight) = start + weight * (end - start), computed as PyTorch's
 * kernel (see lerp in elementwise_table.ts): exact at weight 0 and 1. start, end and a weight
 * tensor must share a floating dtype; a scalar weight may be any number.
 * @example lerp(tensor([1, 2]), tensor([3, 5]), 0.5) // tensor([2, 3.5])
 */
function lerpImpl(self: Tensor, end: Tensor, weight: TensorLike): Tensor {
  const tensorWeight = weight instanceof Tensor;
  checkAccepts("lerp", "float", self.dtype, () => `start ${describe(self)}`, tensorWeight ? "lerp_kernel_tensor" : "lerp_kernel_scalar");
  const mismatch = (what: string, t: Tensor) =>
    new DTypeError(`lerp: expected dtype ${CPP_DTYPE[self.dtype] ?? self.dtype} for \`${what}\` but got dtype ${CPP_DTYPE[t.dtype] ?? t.dtype} (start ${describe(self)}, ${what} ${describe(t)}), as in PyTorch`);
  if (end.dtype !== self.dtype) throw mismatch("end", end);
  if (!tensorWeight) return binary("lerp", self, end, [inPrecision(Number(weight), self.dtype), precisionOf(self.dtype)]);
  if (weight.dtype !== self.dtype) throw mismatch("weight", weight);
  broadcastShapes("lerp", self.shape, end.shape, weight.shape);
  const out = noGrad(() => lerpTensorWeight(self, end, weight));
  return record1("LerpBackward1", [self, end, weight], out, [self, end, weight], lerpBackward(self.shape, end.shape, weight.shape));
}

/**
 * lerp with a weight tensor, composed: PyTorch's kernel computes d = end - start and 1 - w in
 * the dtype's compute precision (float32 for float32 and the half types) and fuses the last
 * multiply-add; here that product and sum are computed in float64 and rounded once.
 */
function lerpTensorWeight(s: Tensor, e: Tensor, w: Tensor): Tensor {
  const op: DType = s.dtype === "float64" ? "float64" : "float32";
  const so = s.to(op), eo = e.to(op), wo = w.to(op);
  const d = eo.sub(so).to("float64"), omw = wo.rsub(1).to("float64");
  const s64 = so.to("float64"), e64 = eo.to("float64"), w64 = wo.to("float64");
  return whereImpl(wo.lt(0.5), s64.add(w64.mul(d)), e64.sub(d.mul(omw))).to(s.dtype);
}

/** lerp's backward (PyTorch's): start gets g (1 - w), end g w, weight g (end - start). */
function lerpBackward(ss: readonly number[], se: readonly number[], sw: readonly number[]): BackwardFn {
  return ([g], [s, e, w], needs) => [
    needs[0] ? reduceGradToShape(g!.mul(w!.rsub(1)), ss) : null,
    needs[1] ? reduceGradToShape(g!.mul(w!), se) : null,
    needs[2] ? reduceGradToShape(g!.mul(e!.sub(s!)), sw) : null,
  ];
}

// ---- isclose / allclose --------------------------------------------------------------------------

/**
 * |self - other| <= atol + rtol |other|, elementwise (and equal values, infinities included;
 * NaNs when equalNan). Composed exactly as PyTorch composes it, so tolerances are applied in
 * the operands' dtype (float32 rounds rtol and atol to float32; integers and bool compute in
 * the default float dtype). self and other must have the same dtype.
 * @example isclose(tensor([1, 2]), tensor([1.000001, 2.1])) // tensor([true, false])
 */
function iscloseImpl(self: Tensor, other: Tensor, rtol: number, atol: number, equalNan: boolean, name = "isclose"): Tensor {
  if (self.dtype !== other.dtype) {
    throw new DTypeError(`${name}: ${torchDTypeName(self.dtype)} did not match ${torchDTypeName(other.dtype)} (self ${describe(self)}, other ${describe(other)}): both operands must have the same dtype, as in PyTorch`);
  }
  if (!(rtol >= 0)) throw new FluxionError(`${name}: rtol must be greater than or equal to zero, but got ${rtol}`);
  if (!(atol >= 0)) throw new FluxionError(`${name}: atol must be greater than or equal to zero, but got ${atol}`);
  return noGrad(() => {
    let close = self.eq(other);
    if (equalNan && isFloating(self.dtype)) close = close.logicalOr(self.isnan().logicalAnd(other.isnan()));
    if (rtol === 0 && atol === 0) return close;
    // integers too: their difference could overflow (so 16777217 and 16777216 are 0 apart in float32)
    const a = isFloating(self.dtype) ? self : self.to(getDefaultDtype()), b = isFloating(other.dtype) ? other : other.to(getDefaultDtype());
    const allowed = b.mul(rtol).abs().add(atol);
    const actual = a.sub(b).abs();
    return close.logicalOr(actual.isfinite().logicalAnd(actual.le(allowed)));
  });
}

/** Whether every element of self is close to other's (isclose(...).all()), as a boolean. */
function allcloseImpl(self: Tensor, other: Tensor, rtol: number, atol: number, equalNan: boolean): boolean {
  return readHostItem<boolean>(iscloseImpl(self, other, rtol, atol, equalNan, "allclose").all(), "allclose"); // a JS boolean: an inherent host read
}

/** torch.equal: the same shape and equal elements (NaN is not equal to itself), as a boolean. */
function equalImpl(self: Tensor, other: Tensor): boolean {
  if (self.ndim !== other.ndim || self.shape.some((d, i) => d !== other.shape[i])) return false;
  return readHostItem<boolean>(self.eq(other).all(), "equal"); // a JS boolean: an inherent host read
}

/**
 * The three operands of addcmul/addcdiv in their common dtype, and `value` as that dtype
 * takes it: PyTorch promotes self, tensor1 and tensor2 together (so uint8 * uint8 with an
 * int64 self multiplies in int64) and converts value to the result type (value does not
 * promote: 0.5 with integer tensors is 0).
 */
function promoteAddc(op: string, self: Tensor, t1: Tensor, t2: Tensor, value: number | boolean): [Tensor, Tensor, Tensor, number] {
  const dtype = resultTypeOf(self, t1, t2);
  if (dtype === "bool") throw new DTypeError(`${op}: not implemented for bool tensors (self ${describe(self)}, tensor1 ${describe(t1)}, tensor2 ${describe(t2)}): "${op}_cpu_out" not implemented for 'Bool', as in PyTorch`);
  const [s, a, b] = [self, t1, t2].map((t) => (t.dtype === dtype ? t : t.to(dtype))) as [Tensor, Tensor, Tensor];
  const v = isFloating(dtype) ? Number(value) : Number(checkedValue(op, typeof value === "boolean" ? Number(value) : value, dtype));
  return [s, a, b, v];
}

/** self + value * t1 * t2, multiplied in PyTorch's kernel order ((value * t1) * t2). */
function addcmulImpl(self: Tensor, t1: Tensor, t2: Tensor, { value }: { value: number | boolean }): Tensor {
  const [s, a, b, v] = promoteAddc("addcmul", self, t1, t2, value);
  return s.add(v === 1 ? a.mul(b) : a.mul(v).mul(b));
}

/** self + value * t1 / t2; integer t1 and t2 are refused, as PyTorch does (no integer division). */
function addcdivImpl(self: Tensor, t1: Tensor, t2: Tensor, { value }: { value: number | boolean }): Tensor {
  if (!isFloating(t1.dtype) && !isFloating(t2.dtype)) {
    throw new DTypeError(`addcdiv: integer division with addcdiv is not supported (tensor1 ${describe(t1)}, tensor2 ${describe(t2)}); use self + value * tensor1 / tensor2 with floating point tensors`);
  }
  const [s, a, b, v] = promoteAddc("addcdiv", self, t1, t2, value);
  return s.add(v === 1 ? a.div(b) : a.mul(v).div(b));
}

// ---- declarations --------------------------------------------------------------------------------

const SIGS = {
  bitwiseNot: "bitwiseNot(Tensor self) -> Tensor",
  sinc: "sinc(Tensor self) -> Tensor",
  deg2rad: "deg2rad(Tensor self) -> Tensor",
  rad2deg: "rad2deg(Tensor self) -> Tensor",
  logit: "logit(Tensor self, float? eps=null) -> Tensor",
  nanToNum: "nanToNum(Tensor self, float? nan=0, float? posinf=null, float? neginf=null) -> Tensor",
  lerp: "lerp(Tensor self, Tensor end, Tensor|Scalar weight) -> Tensor",
  isclose: "isclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, bool equalNan=false) -> Tensor",
  allclose: "allclose(Tensor self, Tensor other, float rtol=1e-05, float atol=1e-08, bool equalNan=false) -> bool",
  equal: "equal(Tensor self, Tensor other) -> bool",
  addcmul: "addcmul(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor",
  addcdiv: "addcdiv(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS>, MethodsOf<{ [K in ScalarFirst]: MethodDecl<K> }> {}
}
const DEG_TO_RAD = Math.PI / 180, RAD_TO_DEG = 180 / Math.PI;

export const EXTRA_FNS = {
  ...scalarFirstFns,
  bitwiseNot: defineOp(SIGS.bitwiseNot, bitwiseNotImpl),
  sinc: defineOp(SIGS.sinc, sincImpl),
  deg2rad: defineOp(SIGS.deg2rad, (x: Tensor) => scaleToFloat(x, DEG_TO_RAD)),
  rad2deg: defineOp(SIGS.rad2deg, (x: Tensor) => scaleToFloat(x, RAD_TO_DEG)),
  logit: defineOp(SIGS.logit, logitImpl),
  nanToNum: defineOp(SIGS.nanToNum, nanToNumImpl),
  lerp: defineOp(SIGS.lerp, lerpImpl),
  isclose: defineOp(SIGS.isclose, (a: Tensor, b: Tensor, rtol: number, atol: number, equalNan: boolean) => iscloseImpl(a, b, rtol, atol, equalNan)),
  allclose: defineOp(SIGS.allclose, allcloseImpl),
  equal: defineOp(SIGS.equal, equalImpl),
  addcmul: defineOp(SIGS.addcmul, addcmulImpl),
  addcdiv: defineOp(SIGS.addcdiv, addcdivImpl),
};

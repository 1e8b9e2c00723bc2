/**
 * Elementwise math with broadcasting and scalars: the unary and binary functions of
 * src/ops/elementwise_table.ts as Tensor methods, each with its derivative right beside it.
 * Derivatives are written with Tensor ops, so they are differentiable again (createGraph).
 */
import { dispatch } from "../backend/dispatcher.js";
import { needsGrad, record1 } from "../autograd/record.js";
import { noGrad } from "../autograd/grad_mode.js";
import type { BackwardFn } from "../autograd/node.js";
import { DTypeError, FluxionError, fmtShape } from "../errors.js";
import { arrayFor, floatResult, getDefaultDtype, isFloating, isIntegral, type DType, type TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { checkedValue, zerosLike } from "../tensor/creation.js";
import { BINARY_OPS, UNARY_OPS, ZERO_DIVISION, type BinaryOpName, type OperandDTypes, type UnaryOpName } from "./elementwise_table.js";
import { asTensor, deviceOf, reduceGradToShape, resultTypeOf, type TensorLike } from "./helpers.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { Fn, Method } from "../api/types.js";

export type UnaryGrad = { uses: "x" | "out" | "both" | "none"; grad: (g: Tensor, x: Tensor, out: Tensor, p: readonly number[]) => Tensor };

const SQRT_2_OVER_PI = 0.7978845608028654;

/** d(op)/dx, for each differentiable unary op. Ops absent here have zero gradient. */
const zeroGrad: UnaryGrad = { uses: "none", grad: (g) => zerosLike(g) };

/**
 * ReLU's backward in one kernel: g where the output y > 0, else 0 (torch's
 * threshold_backward). Linear in g, so its own gradient is reluGrad again (createGraph).
 */
export function _reluGrad(g: Tensor, y: Tensor): Tensor {
  // the engine hands every backward a gradient of its output's shape and dtype
  const out = dispatch("binary", [g, y], { op: "reluGrad" });
  return record1("ThresholdBackwardBackward0", [g], out, [y], ([gg], [ys]) => [_reluGrad(gg!, ys!)]);
}

/**
 * Sigmoid's backward in one kernel: g · y · (1 - y) for the output y (torch's
 * sigmoid_backward), instead of three passes and two temporaries. Its own gradient
 * (createGraph): sigmoidGrad(gg, y) for g, gg · g · (1 - 2y) for y.
 */
export function _sigmoidGrad(g: Tensor, y: Tensor): Tensor {
  const out = dispatch("binary", [g, y], { op: "sigmoidGrad" });
  return record1("SigmoidBackwardBackward0", [g, y], out, [g, y], ([gg], [gs, ys]) => [_sigmoidGrad(gg!, ys!), gg!.mul(gs!).mul(ys!.mul(-2).add(1))]);
}

const UNARY_GRADS: Partial<Record<UnaryOpName, UnaryGrad>> = {
  neg: { uses: "none", grad: (g) => g.neg() },
  // piecewise constant: zero gradient, but the output still requires grad (as torch)
  sign: zeroGrad,
  floor: zeroGrad,
  ceil: zeroGrad,
  round: zeroGrad,
  trunc: zeroGrad,
  abs: { uses: "x", grad: (g, x) => g.mul(x.sign()) },
  exp: { uses: "out", grad: (g, _x, y) => g.mul(y) },
  log: { uses: "x", grad: (g, x) => g.div(x) },
  log1p: { uses: "x", grad: (g, x) => g.div(x.add(1)) },
  expm1: { uses: "out", grad: (g, _x, y) => g.mul(y.add(1)) },
  sqrt: { uses: "out", grad: (g, _x, y) => g.div(y.mul(2)) },
  rsqrt: { uses: "out", grad: (g, _x, y) => g.mul(y.pow(3)).mul(-0.5) },
  reciprocal: { uses: "out", grad: (g, _x, y) => g.mul(y.mul(y)).neg() },
  sin: { uses: "x", grad: (g, x) => g.mul(x.cos()) },
  cos: { uses: "x", grad: (g, x) => g.mul(x.sin()).neg() },
  tan: { uses: "out", grad: (g, _x, y) => g.mul(y.mul(y).add(1)) },
  tanh: { uses: "out", grad: (g, _x, y) => g.mul(y.mul(y).rsub(1)) },
  sigmoid: { uses: "out", grad: (g, _x, y) => _sigmoidGrad(g, y) },
  erf: { uses: "x", grad: (g, x) => g.mul(x.mul(x).neg().exp().mul(2 / Math.sqrt(Math.PI))) },
  relu: { uses: "out", grad: (g, _x, y) => _reluGrad(g, y) },
  leakyRelu: { uses: "x", grad: (g, x, _y, p) => whereImpl(x.gt(0), g, g.mul(p[0]!)) },
  geluErf: {
    uses: "x",
    grad: (g, x) => {
      const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x.mul(x).mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI));
      return g.mul(cdf.add(x.mul(pdf)));
    },
  },
  geluTanh: {
    uses: "x",
    grad: (g, x) => {
      const x2 = x.mul(x);
      const t = x.add(x2.mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
      const dt = t.mul(t).rsub(1).mul(x2.mul(3 * 0.044715).add(1)).mul(SQRT_2_OVER_PI);
      return g.mul(t.add(1).mul(0.5).add(x.mul(0.5).mul(dt)));
    },
  },
  silu: {
    uses: "x",
    grad: (g, x) => {
      const s = x.sigmoid();
      return g.mul(s.mul(x.mul(s.rsub(1)).add(1)));
    },
  },
  // sigmoid of beta·x held at the threshold from it on: the same first derivative, and a second
  // derivative of 0 at beta·x = threshold, where PyTorch's softplus_double_backward (x < threshold) has it
  softplus: {
    uses: "x",
    grad: (g, x, _y, [beta, threshold]) => {
      const bx = x.mul(beta!);
      return g.mul(whereImpl(bx.gt(threshold!), 1, whereImpl(bx.lt(threshold!), bx, threshold!).sigmoid()));
    },
  },
  clamp: { uses: "x", grad: (g, x, _y, [lo, hi]) => g.mul(x.ge(lo!).logicalAnd(x.le(hi!))) },
  powScalar: { uses: "x", grad: (g, x, _y, [e]) => (e === 0 ? g.mul(0) : g.mul(x.pow(e! - 1).mul(e!))) },
  // the formulas of PyTorch's derivatives.yaml, so values at domain edges (inf, NaN) agree
  log2: { uses: "x", grad: (g, x) => g.div(x.mul(Math.LN2)) },
  log10: { uses: "x", grad: (g, x) => g.div(x.mul(Math.LN10)) },
  exp2: { uses: "out", grad: (g, _x, y) => g.mul(y.mul(Math.LN2)) },
  asin: { uses: "x", grad: (g, x) => g.mul(x.mul(x).rsub(1).rsqrt()) },
  acos: { uses: "x", grad: (g, x) => g.mul(x.mul(x).rsub(1).rsqrt().neg()) },
  atan: { uses: "x", grad: (g, x) => g.div(x.mul(x).add(1)) },
  sinh: { uses: "x", grad: (g, x) => g.mul(x.cosh()) },
  cosh: { uses: "x", grad: (g, x) => g.mul(x.sinh()) },
  asinh: { uses: "x", grad: (g, x) => g.mul(x.mul(x).add(1).rsqrt()) },
  acosh: { uses: "x", grad: (g, x) => g.mul(x.mul(x).sub(1).rsqrt()) },
  atanh: { uses: "x", grad: (g, x) => g.mul(x.mul(x).rsub(1).reciprocal()) },
  // (pi x cos(pi x) - sin(pi x)) / (pi x^2), and 0 at x = 0
  sinc: {
    uses: "x",
    grad: (g, x) => {
      const px = x.mul(Math.PI);
      return g.mul(whereImpl(x.eq(0), 0, px.mul(px.cos()).sub(px.sin()).div(px.mul(x))));
    },
  },
  frac: { uses: "none", grad: (g) => g },
  // 1 / (x (1 - x)); outside [lo, hi] 0 with eps (clamped there), NaN outside [0, 1] without
  logit: {
    uses: "x",
    grad: (g, x, _y, [lo, hi]) => {
      const d = g.div(x.mul(x.rsub(1)));
      return lo! < 0 ? whereImpl(x.lt(0).logicalOr(x.gt(1)), NaN, d) : whereImpl(x.lt(lo!).logicalOr(x.gt(hi!)), 0, d);
    },
  },
};

/** Adds the derivatives of table ops whose op layer lives elsewhere (the special functions, special.ts). */
export function defineUnaryGrads(rules: Partial<Record<UnaryOpName, UnaryGrad>>): void {
  Object.assign(UNARY_GRADS, rules);
}

const NAME_OF: Record<string, string> = {
  geluErf: "Gelu", geluTanh: "Gelu", powScalar: "Pow", leakyRelu: "LeakyRelu", logaddexp2: "Logaddexp2", lerp: "Lerp",
};
function nodeName(op: string): string {
  const base = NAME_OF[op] ?? op[0]!.toUpperCase() + op.slice(1);
  return `${base}Backward0`;
}

/** Applies a unary op from the table, promoting integers for float ops. */
export function unary(op: UnaryOpName, x: Tensor, params?: readonly number[]): Tensor {
  const def = UNARY_OPS[op];
  if (op === "neg" && x.dtype === "bool") {
    throw new DTypeError(`neg: negation on a bool tensor (shape ${fmtShape(x.shape)}) is not supported; to invert a mask use logicalNot()`);
  }
  if (op === "relu" && x.dtype === "bool") throw new DTypeError(`relu: Boolean inputs not supported for relu (shape ${fmtShape(x.shape)}), as in PyTorch; convert with .int() first`);
  if ("accepts" in def) checkAccepts(op, def.accepts, x.dtype, () => describe(x));
  const input = def.kind === "float" ? x.to(floatResult(x.dtype)) : x;
  const out = dispatch("unary", [input], { op, params });
  const rule = UNARY_GRADS[op];
  // (needsGrad first: the node's name and closure are not built for ops nothing differentiates)
  if (!rule || def.kind === "predicate" || !isFloating(out.dtype) || !needsGrad([input])) return out;
  const saved = rule.uses === "x" ? [input] : rule.uses === "out" ? [out] : rule.uses === "both" ? [input, out] : [];
  return record1(nodeName(op), [input], out, saved, unaryBackward(rule, params ?? []));
}

/**
 * A unary op's backward, made outside unary() so the closure holds neither input nor
 * output (V8 keeps a function's whole closure context): what the formula reads arrives
 * as saved tensors, which the node frees after backward.
 */
function unaryBackward(rule: UnaryGrad, p: readonly number[]): BackwardFn {
  return ([g], s) => {
    // a formula reads only what its `uses` saved; the other argument is never touched
    const xs = (rule.uses === "x" || rule.uses === "both" ? s[0] : undefined) as Tensor;
    const ys = (rule.uses === "out" ? s[0] : rule.uses === "both" ? s[1] : undefined) as Tensor;
    return [rule.grad(g!, xs, ys, p)];
  };
}

/**
 * Per-input derivative formulas of a binary op and the tensors each one reads, so only
 * what a needed gradient uses is saved (x.mul(2) saves nothing for the scalar's side).
 */
export type Operands = { a: Tensor; b: Tensor; out: Tensor };
export type BinaryRule = {
  a?: { uses: readonly (keyof Operands)[]; grad: (g: Tensor, s: Operands) => Tensor };
  b?: { uses: readonly (keyof Operands)[]; grad: (g: Tensor, s: Operands) => Tensor };
};

const BINARY_GRADS: Partial<Record<BinaryOpName, BinaryRule>> = {
  add: { a: { uses: [], grad: (g) => g }, b: { uses: [], grad: (g) => g } },
  sub: { a: { uses: [], grad: (g) => g }, b: { uses: [], grad: (g) => g.neg() } },
  mul: { a: { uses: ["b"], grad: (g, { b }) => g.mul(b) }, b: { uses: ["a"], grad: (g, { a }) => g.mul(a) } },
  div: { a: { uses: ["b"], grad: (g, { b }) => g.div(b) }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(a).div(b.mul(b)).neg() } },
  pow: {
    // d/da a^b = b a^(b-1), defined as 0 where b == 0 (avoids 0 * inf at a == 0)
    a: { uses: ["a", "b"], grad: (g, { a, b }) => whereImpl(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) },
    // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0
    b: { uses: ["a", "b", "out"], grad: (g, { a, b, out }) => whereImpl(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(out).mul(a.log())) },
  },
  maximum: { a: { uses: ["a", "b"], grad: (g, { a, b }) => tieSplit(g, a, b) }, b: { uses: ["a", "b"], grad: (g, { a, b }) => tieSplit(g, b, a) } },
  minimum: { a: { uses: ["a", "b"], grad: (g, { a, b }) => tieSplit(g, b, a) }, b: { uses: ["a", "b"], grad: (g, { a, b }) => tieSplit(g, a, b) } },
  atan2: {
    a: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(b).div(a.mul(a).add(b.mul(b))) },
    b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(a).neg().div(a.mul(a).add(b.mul(b))) },
  },
  // d/db: -floor(a / b) with div's floor rounding (1 // 0.1 is 9), as PyTorch
  remainder: { a: { uses: [], grad: (g) => g }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(divide(a, b, { roundingMode: "floor" })).neg() } },
  fmod: { a: { uses: [], grad: (g) => g }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(divide(a, b, { roundingMode: "trunc" })).neg() } },
  // out / a, 0 where a == 0 (PyTorch's copysign_tensor_self_backward); nothing flows to the sign
  copysign: { a: { uses: ["a", "out"], grad: (g, { a, out }) => g.mul(whereImpl(a.eq(0), 0, out.div(a))) }, b: { uses: [], grad: (g) => zerosLike(g) } },
  logaddexp: {
    a: { uses: ["a", "b"], grad: (g, { a, b }) => g.div(b.sub(a).exp().add(1)) },
    b: { uses: ["a", "b"], grad: (g, { a, b }) => g.div(a.sub(b).exp().add(1)) },
  },
  logaddexp2: {
    a: { uses: ["a", "b"], grad: (g, { a, b }) => g.div(b.sub(a).exp2().add(1)) },
    b: { uses: ["a", "b"], grad: (g, { a, b }) => g.div(a.sub(b).exp2().add(1)) },
  },
  hypot: { a: { uses: ["a", "out"], grad: (g, { a, out }) => g.mul(a).div(out) }, b: { uses: ["b", "out"], grad: (g, { b, out }) => g.mul(b).div(out) } },
  // d/da: xlogy(g, b), also where a == 0, but 0 where a == 0 and b <= 0 (derivatives.yaml:
  // xlogy(grad, other).masked_fill((self == 0) & (other <= 0), 0)), never -inf or NaN there
  xlogy: { a: { uses: ["a", "b"], grad: (g, { a, b }) => g.xlogy(b).maskedFill(a.eq(0).logicalAnd(b.le(0)), 0) }, b: { uses: ["a", "b"], grad: (g, { a, b }) => g.mul(a).div(b) } },
};

/** The binary counterpart of defineUnaryGrads. */
export function defineBinaryGrads(rules: Partial<Record<BinaryOpName, BinaryRule>>): void {
  Object.assign(BINARY_GRADS, rules);
}

/** Scalar-parameter binary ops' derivatives (lerp's weight p0): d/da and d/db. */
const PARAM_BINARY_GRADS: Partial<Record<BinaryOpName, { a: (g: Tensor, p: readonly number[]) => Tensor; b: (g: Tensor, p: readonly number[]) => Tensor }>> = {
  lerp: { a: (g, [w]) => g.mul(1 - w!), b: (g, [w]) => g.mul(w!) },
};

/** The share of max(mine, other)'s gradient that goes to `mine`: all if larger, half on ties (as torch). */
function tieSplit(g: Tensor, mine: Tensor, other: Tensor): Tensor {
  // "not below" rather than "above": where either is NaN (the result is NaN) both get g, as PyTorch's
  return whereImpl(mine.lt(other), 0, whereImpl(mine.eq(other), g.mul(0.5), g));
}

/**
 * Applies a binary op with broadcasting and type promotion. `params` go to the kernel
 * (lerp's weight); ops with params take their derivative from PARAM_BINARY_GRADS.
 */
export function binary(op: BinaryOpName, a: TensorLike, b: TensorLike, params?: readonly number[]): Tensor {
  const def = BINARY_OPS[op];
  let dtype: DType = resultTypeOf(a, b);
  if ("accepts" in def) checkAccepts(op, def.accepts, dtype, () => `${describe(a)} and ${describe(b)}`);
  if (def.kind === "float") dtype = floatResult(dtype);
  if (op === "sub") refuseBoolSub("sub", a, b);
  if (op === "pow" && dtype === "bool") {
    throw new DTypeError(`pow: not implemented for bool operands (${describe(a)} and ${describe(b)}): "pow" not implemented for 'Bool', as in PyTorch; convert them with .int()`);
  }
  if (op === "pow" && isIntegral(dtype) && !(b instanceof Tensor) && Number(b) < 0) {
    throw new DTypeError(`pow: integers to negative integer powers are not allowed (base ${describe(a)}, exponent ${describe(b)}); use a floating point base`);
  }
  // as PyTorch, an integer tensor's scalar exponent must fit its dtype (int8 ** 128 raises:
  // "value cannot be converted to type int8_t without overflow"), where other ops wrap it
  if (op === "pow" && isIntegral(dtype) && !(b instanceof Tensor)) checkedValue("pow", typeof b === "boolean" ? Number(b) : b, dtype);
  const device = deviceOf(a, b);
  const ta = asTensor(a, dtype, device), tb = asTensor(b, dtype, device);
  if (op === "pow" && isIntegral(dtype) && b instanceof Tensor) return intPowTensor(ta, tb);
  const out = dispatchDivision(op, ta, tb, params ? { op, params } : { op }, a, b);
  if (def.kind === "predicate" || !isFloating(out.dtype) || !needsGrad([ta, tb])) return out;
  const pr = params ? PARAM_BINARY_GRADS[op] : undefined;
  if (pr) return record1(nodeName(op), [ta, tb], out, [], paramBinaryBackward(pr, [...params!], ta.shape, tb.shape));
  const rule = BINARY_GRADS[op];
  if (!rule) return out;
  // save only what the needed gradients read
  const ra = ta.requiresGrad ? rule.a : undefined, rb = tb.requiresGrad ? rule.b : undefined;
  const keys = [...new Set([...(ra?.uses ?? []), ...(rb?.uses ?? [])])];
  const saved = keys.map((k) => (k === "a" ? ta : k === "b" ? tb : out));
  return record1(nodeName(op), [ta, tb], out, saved, binaryBackward(keys, ra, rb, ta.shape, tb.shape));
}

/** A parameterised binary op's backward (lerp's weight): params and shapes only. */
function paramBinaryBackward(pr: NonNullable<(typeof PARAM_BINARY_GRADS)[BinaryOpName]>, p: readonly number[], sa: readonly number[], sb: readonly number[]): BackwardFn {
  return ([g], _s, needs) => [needs[0] ? reduceGradToShape(pr.a(g!, p), sa) : null, needs[1] ? reduceGradToShape(pr.b(g!, p), sb) : null];
}

/**
 * As PyTorch, subtraction refuses any bool operand (a bool scalar too: x - true raises there),
 * whatever alpha scales it by: `1 - dones` on a bool mask is usually meant as ~dones.
 */
export function refuseBoolSub(op: string, a: TensorLike, b: TensorLike): void {
  const isBool = (v: TensorLike) => (v instanceof Tensor ? v.dtype === "bool" : typeof v === "boolean");
  if (isBool(a) && isBool(b)) throw new DTypeError(`${op}: subtraction with two bool operands (${describe(a)} and ${describe(b)}) is not supported; use logicalXor() instead`);
  if (isBool(a) || isBool(b)) throw new DTypeError(`${op}: subtraction with a bool operand (${describe(a)} and ${describe(b)}) is not supported, as in PyTorch; to invert a mask use logicalNot(), or convert it with .int() first`);
}

/** PyTorch's names of the dtypes, as its "not implemented for 'Float'" messages print them. */
const TORCH_DTYPE: Readonly<Record<string, string>> = {
  float32: "Float", float64: "Double", float16: "Half", bfloat16: "BFloat16", int32: "Int", bool: "Bool", int64: "Long", int8: "Char", uint8: "Byte", int16: "Short",
};
export function torchDTypeName(d: DType): string {
  return TORCH_DTYPE[d] ?? d;
}

/** PyTorch's CPU kernel of each op with a restricted operand dtype (its refusal names it). */
const TORCH_KERNEL: Readonly<Record<string, string>> = {
  abs: "abs_cpu", floor: "floor_vml_cpu", ceil: "ceil_vml_cpu", round: "round_vml_cpu", trunc: "trunc_vml_cpu",
  remainder: "remainder_cpu", fmod: "fmod_cpu", frac: "frac_cpu", logaddexp: "logaddexp_cpu", logaddexp2: "logaddexp2_cpu", hypot: "hypot_cpu",
  lerp: "lerp_kernel_scalar", bitwiseAnd: "bitwise_and_cpu", bitwiseOr: "bitwise_or_cpu", bitwiseXor: "bitwise_xor_cpu", bitwiseNot: "bitwise_not_cpu",
  bitwiseLeftShift: "lshift_cpu", bitwiseRightShift: "rshift_cpu", gcd: "gcd_cpu", lcm: "lcm_cpu", nextafter: "nextafter_cpu",
  igamma: "igamma_cpu", igammac: "igammac_cpu",
};
const ACCEPTS_HINT: Readonly<Record<OperandDTypes, string>> = {
  float: "convert them with .float()", numeric: "convert them with .int()", integral: "bitwise ops take integer or bool tensors", int: "it takes integer tensors (not bool or floating point)",
};

function accepted(accepts: OperandDTypes, dtype: DType): boolean {
  if (accepts === "float") return isFloating(dtype);
  if (accepts === "numeric") return dtype !== "bool";
  if (accepts === "integral") return !isFloating(dtype);
  return !isFloating(dtype) && dtype !== "bool";
}

/**
 * Refuses an operand dtype the op is not defined for (the table's `accepts`), with PyTorch's
 * own message in ours: remainder(bool, bool) is "remainder_cpu" not implemented for 'Bool'.
 */
export function checkAccepts(op: string, accepts: OperandDTypes, dtype: DType, operands: () => string, kernel = TORCH_KERNEL[op]): void {
  if (accepted(accepts, dtype)) return;
  throw new DTypeError(`${op}: not implemented for ${dtype} operands (${operands()}): "${kernel}" not implemented for '${torchDTypeName(dtype)}', as in PyTorch; ${ACCEPTS_HINT[accepts]}`);
}

/** A binary op's backward; like unaryBackward, it keeps names and shapes, never tensors. */
function binaryBackward(keys: readonly (keyof Operands)[], ra: BinaryRule["a"], rb: BinaryRule["b"], sa: readonly number[], sb: readonly number[]): BackwardFn {
  return ([g], saved, needs) => {
    const s = Object.fromEntries(keys.map((k, i) => [k, saved[i]])) as Operands;
    return [
      needs[0] && ra ? reduceGradToShape(ra.grad(g!, s), sa) : null,
      needs[1] && rb ? reduceGradToShape(rb.grad(g!, s), sb) : null,
    ];
  };
}

/**
 * dispatch("binary", ...), with integer division by zero (raised by the kernel, which checks
 * every divisor before writing) reported with the op and its operands.
 */
function dispatchDivision(name: string, a: Tensor, b: Tensor, attrs: { op: BinaryOpName; params?: readonly number[] }, givenA: TensorLike = a, givenB: TensorLike = b): Tensor {
  try {
    return dispatch("binary", [a, b], attrs);
  } catch (e) {
    if (e instanceof FluxionError && e.message === ZERO_DIVISION) {
      throw new FluxionError(`${name}: ZeroDivisionError: integer ${name === "remainder" || name === "fmod" ? "remainder" : "division"} by zero (${describe(givenA)} by ${describe(givenB)}, which holds a 0), as in PyTorch; divide floats to get inf/nan instead`);
    }
    throw e;
  }
}

export type RoundingMode = "trunc" | "floor";
const ROUNDING_CODE: Record<RoundingMode, number> = { trunc: 1, floor: 2 };
const PRECISION_CODE: Partial<Record<DType, number>> = { float32: 1, bfloat16: 2, float16: 3 };

/**
 * a / b (torch.div). With `roundingMode` "trunc" the quotient is rounded toward zero, with
 * "floor" down (Python's //, torch.floor_divide); integer operands then stay integers and
 * dividing them by zero raises (PyTorch's ZeroDivisionError), floats give inf/nan. The
 * rounded forms have zero gradient, as in PyTorch.
 * @example tensor([7, -7], { dtype: "int32" }).div(2, { roundingMode: "floor" }) // int32 [3, -4]
 */
export function divide(a: TensorLike, b: TensorLike, opts?: { roundingMode?: RoundingMode | null }, name: "div" | "floorDivide" = "div"): Tensor {
  const mode = opts?.roundingMode;
  if (mode === undefined || mode === null) return binary("div", a, b);
  if (mode !== "trunc" && mode !== "floor") {
    throw new FluxionError(`div: expected roundingMode to be one of null, "trunc", or "floor" but found ${JSON.stringify(mode)}`);
  }
  const dtype = resultTypeOf(a, b);
  if (dtype === "bool") {
    const what = name === "div" ? `rounding mode "${mode}" is not implemented` : "not implemented";
    throw new DTypeError(`${name}: ${what} for bool operands (${describe(a)} and ${describe(b)}): "div_${mode}_cpu" not implemented for 'Bool', as in PyTorch; convert them with .int()`);
  }
  const device = deviceOf(a, b);
  const ta = asTensor(a, dtype, device), tb = asTensor(b, dtype, device);
  // p1: the precision PyTorch computes the steps in (divRounded in elementwise_table.ts)
  const params = [ROUNDING_CODE[mode], PRECISION_CODE[dtype] ?? 0];
  const out = dispatchDivision(name, ta, tb, { op: "div", params }, a, b);
  if (!isFloating(dtype)) return out;
  return record1("DivBackward2", [ta, tb], out, [], zeroBackward(ta.shape, tb.shape));
}

/** Piecewise constant: zero gradient (PyTorch's grad * 0, so a NaN gradient stays NaN). */
function zeroBackward(sa: readonly number[], sb: readonly number[]): BackwardFn {
  return ([g], _s, needs) => [needs[0] ? reduceGradToShape(g!.mul(0), sa) : null, needs[1] ? reduceGradToShape(g!.mul(0), sb) : null];
}

export function describe(x: TensorLike): string {
  return x instanceof Tensor ? `${x.dtype} tensor of shape ${fmtShape(x.shape)}` : `scalar ${String(x)}`;
}

/**
 * Integer a ** b for a tensor of exponents, as PyTorch's (which, unlike for a scalar
 * exponent, does not refuse negative ones): a negative power is 1 for a = 1, ±1 for a = -1
 * (by b's parity), else 0 (integer 1 / a^|b|). Chosen by masks, so no value is read on the
 * host; the kernel sees only exponents >= 0.
 */
function intPowTensor(ta: Tensor, tb: Tensor): Tensor {
  const negative = tb.lt(0);
  const power = dispatch("binary", [ta, whereImpl(negative, 0, tb)], { op: "pow" });
  const odd = tb.remainder(2).ne(0);
  const ofNegative = whereImpl(ta.eq(1), 1, whereImpl(ta.eq(-1), whereImpl(odd, -1, 1), 0));
  const out = whereImpl(negative, ofNegative, power);
  return out.dtype === ta.dtype ? out : out.to(ta.dtype); // the scalars above must not widen int8/uint8
}

let warnedUint8Condition = false;

/** where(cond, a, b): a where cond is true, else b (broadcast). */
export function whereImpl(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype === "uint8") {
    // PyTorch 1.13 still takes a uint8 condition (nonzero is true), with a deprecation warning
    if (!warnedUint8Condition) {
      warnedUint8Condition = true;
      console.warn("fluxion: where received a uint8 condition tensor. This behavior is deprecated (as PyTorch 1.13 warns); use a boolean condition instead");
    }
    cond = cond.ne(0);
  }
  if (cond.dtype !== "bool") throw new DTypeError(`where: expected condition to be a bool tensor, got ${cond.dtype} (shape ${fmtShape(cond.shape)})`);
  const dtype = resultTypeOf(a, b);
  const device = deviceOf(cond, a, b);
  const ta = asTensor(a, dtype, device), tb = asTensor(b, dtype, device);
  const out = dispatch("where", [cond, ta, tb], {});
  if (!isFloating(dtype)) return out;
  const sa = ta.shape, sb = tb.shape;
  return record1("WhereBackward0", [null, ta, tb], out, [cond], ([g], [c]) => [
    null,
    reduceGradToShape(whereImpl(c!, g!, 0), sa),
    reduceGradToShape(whereImpl(c!, 0, g!), sb),
  ]);
}

/** Clamps into [min, max]; either bound may be omitted (null/undefined). */
function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) throw new DTypeError("clamp: at least one of 'min' or 'max' must not be None");
  if (min instanceof Tensor || max instanceof Tensor) return clampByTensors(x, min, max);
  // the bounds take part in promotion, as PyTorch's: an int32 tensor with 0.5 gives float32,
  // a bool tensor with an integer bound an integer result (int32 here: a JS integer's dtype)
  const given = [min, max].filter((b): b is number | boolean | bigint => b !== undefined && b !== null);
  const dtype = resultTypeOf(x, ...given);
  if (dtype === "bool") throw new DTypeError(`clamp: not implemented for a bool tensor (shape ${fmtShape(x.shape)}) with bool bounds: "clamp_min_cpu" not implemented for 'Bool', as in PyTorch; use logicalAnd/logicalOr`);
  const input = dtype === x.dtype ? x : x.to(dtype);
  const bound = (b: number | boolean | bigint | null | undefined, absent: number) => {
    if (b === undefined || b === null) return absent;
    if (!isIntegral(dtype)) return Number(b);
    // as PyTorch, an integer bound must fit the dtype (uint8 takes -255..-1 too) and is then
    // converted to it (a uint8's -5 is 251)
    return wrapInto(Number(checkedValue("clamp", typeof b === "boolean" ? Number(b) : b, dtype)), dtype);
  };
  return unary("clamp", input, [bound(min, -Infinity), bound(max, Infinity)]);
}

/**
 * clamp with a tensor bound: PyTorch's values (ties keep x, a NaN bound gives NaN) and gradient, which
 * (unlike maximum's and minimum's) does not split ties: x gets g where lo <= x <= hi (at a
 * bound too), a bound gets g where x is past it; where lo > hi the result is hi, whose
 * gradient it is.
 */
function clampByTensors(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  const lo = min === undefined || min === null ? null : min instanceof Tensor ? min : asTensor(min, x.dtype, x.device);
  const hi = max === undefined || max === null ? null : max instanceof Tensor ? max : asTensor(max, x.dtype, x.device);
  const out = noGrad(() => {
    // PyTorch's scalar kernel: std::min(std::max(x, lo), hi), NaN where a bound is NaN. On a
    // tie x itself is kept, so -0.0 clamped to [0, 0] stays -0.0 (maximum would give 0.0)
    let r: Tensor = x;
    const nanOf = (t: Tensor) => (isFloating(t.dtype) ? t.isnan() : null);
    if (lo) {
      const below = r.lt(lo), nan = nanOf(lo);
      r = whereImpl(nan ? below.logicalOr(nan) : below, lo, r);
    }
    if (hi) {
      const above = hi.lt(r), nan = nanOf(hi);
      r = whereImpl(nan ? above.logicalOr(nan) : above, hi, r);
    }
    return r;
  });
  if (!isFloating(out.dtype)) return out;
  const sx = x.shape, slo = lo?.shape, shi = hi?.shape;
  const hasLo = lo !== null, hasHi = hi !== null;
  return record1("ClampBackward1", [x, lo, hi], out, [x, lo ?? x, hi ?? x], ([g], [xs, l, h]) => {
    let inside = hasLo ? xs!.ge(l!) : null;
    if (hasHi) inside = inside ? inside.logicalAnd(xs!.le(h!)) : xs!.le(h!);
    const loWins = hasLo ? (hasHi ? xs!.lt(l!).logicalAnd(l!.lt(h!)) : xs!.lt(l!)) : null;
    const hiWins = hasHi ? (hasLo ? xs!.gt(h!).logicalOr(h!.lt(l!)) : xs!.gt(h!)) : null;
    return [
      reduceGradToShape(whereImpl(inside!, g!, 0), sx),
      loWins ? reduceGradToShape(whereImpl(loWins, g!, 0), slo!) : null,
      hiWins ? reduceGradToShape(whereImpl(hiWins, g!, 0), shi!) : null,
    ];
  });
}

/** An integer bound stored into `dtype` and read back (wrapping as the dtype does); ±Infinity (no bound) stays. */
function wrapInto(v: number, dtype: DType): number {
  if (!Number.isFinite(v)) return v;
  if (dtype === "int64") return Number(BigInt.asIntN(64, BigInt(v)));
  const a = arrayFor(dtype, 1) as TypedArray;
  a[0] = v;
  return a[0]!;
}

/** Unary ops of the table that are Tensor methods as they are (the others take parameters or are internal). */
const PLAIN_UNARY = [
  "neg", "abs", "sign", "floor", "ceil", "trunc", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt",
  "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "relu", "silu", "logicalNot", "isnan", "isfinite", "isinf",
  "log2", "log10", "exp2", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "frac",
] as const satisfies readonly UnaryOpName[];
type PlainUnary = (typeof PLAIN_UNARY)[number];

/** Binary ops of the table that are Tensor methods as they are (self, other). */
const PLAIN_BINARY = [
  "maximum", "minimum", "atan2", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor", "copysign", "fmod",
] as const satisfies readonly BinaryOpName[];
type PlainBinary = (typeof PLAIN_BINARY)[number];
/** Binary ops whose other operand must be a tensor, as in PyTorch (self, Tensor other). */
const TENSOR_BINARY = ["logaddexp", "logaddexp2", "hypot"] as const satisfies readonly BinaryOpName[];
type TensorBinary = (typeof TENSOR_BINARY)[number];

type UnaryDecl<K extends string> = `${K}(Tensor self, *, Tensor? out=null) -> Tensor`;
type BinaryDecl<K extends string> = `${K}(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor`;
type TensorBinaryDecl<K extends string> = `${K}(Tensor self, Tensor other) -> Tensor`;

const SIGS = {
  add: "add(Tensor self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor",
  sub: "sub(Tensor self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor",
  mul: "mul(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor",
  rsub: "rsub(Tensor self, Tensor|Scalar other, *, Scalar alpha=1) -> Tensor",
  div: "div(Tensor self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null, Tensor? out=null) -> Tensor",
  pow: "pow(Tensor self, Tensor|Scalar exponent) -> Tensor",
  square: "square(Tensor self) -> Tensor",
  leakyRelu: "leakyRelu(Tensor self, float negativeSlope=0.01) -> Tensor",
  gelu: "gelu(Tensor self, *, \"none\"|\"tanh\" approximate=\"none\") -> Tensor",
  softplus: "softplus(Tensor self, float beta=1, float threshold=20) -> Tensor",
  clamp: "clamp(Tensor self, Tensor|Scalar? min=null, Tensor|Scalar? max=null, *, Tensor? out=null) -> Tensor",
  clip: "clip(Tensor self, Tensor|Scalar? min=null, Tensor|Scalar? max=null) -> Tensor",
  round: "round(Tensor self, *, int decimals=0) -> Tensor",
  clampMin: "clampMin(Tensor self, Tensor|Scalar min) -> Tensor",
  clampMax: "clampMax(Tensor self, Tensor|Scalar max) -> Tensor",
} as const;
const WHERE_METHOD = "where(Tensor self, Tensor condition, Tensor|Scalar other) -> Tensor";
const WHERE = "where(Tensor condition, Tensor|Scalar input, Tensor|Scalar other) -> Tensor";

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS>, MethodsOf<{ [K in PlainUnary]: UnaryDecl<K> }>, MethodsOf<{ [K in PlainBinary]: BinaryDecl<K> }>,
    MethodsOf<{ [K in TensorBinary]: TensorBinaryDecl<K> }> {
    /** self where condition is true, else other. */
    where: Method<typeof WHERE_METHOD>;
  }
}

const unaryFns = Object.fromEntries(PLAIN_UNARY.map((op) => [op, defineOp(`${op}(Tensor self, *, Tensor? out=null) -> Tensor`, (x: Tensor) => unary(op, x))])) as { [K in PlainUnary]: Fn<UnaryDecl<K>> };
const binaryFns = Object.fromEntries(PLAIN_BINARY.map((op) => [op, defineOp(`${op}(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor`, (x: Tensor, y: TensorLike) => binary(op, x, y))])) as { [K in PlainBinary]: Fn<BinaryDecl<K>> };
const tensorBinaryFns = Object.fromEntries(TENSOR_BINARY.map((op) => [op, defineOp(`${op}(Tensor self, Tensor other) -> Tensor`, (x: Tensor, y: Tensor) => binary(op, x, y))])) as { [K in TensorBinary]: Fn<TensorBinaryDecl<K>> };

/** a + alpha * b (alpha 1 adds b itself). */
function scaled(x: TensorLike, alpha: number | boolean): TensorLike {
  if (alpha === 1 || alpha === true) return x;
  return x instanceof Tensor ? x.mul(alpha) : Number(x) * Number(alpha);
}

/**
 * a ± alpha * b with the dtype of a ± b, as PyTorch's: alpha never promotes (an integer
 * result refuses a fractional alpha) and a scalar b keeps its kind (int32 + -1.5 * 2 is
 * float32, though the product -3 is a whole number).
 */
function addSub(op: "add" | "sub", a: TensorLike, b: TensorLike, alpha: number | boolean, name: string = op): Tensor {
  if (op === "sub") refuseBoolSub(name, a, b); // before alpha scales one: bool * 2 is no longer bool
  if (alpha === 1 || alpha === true) return binary(op, a, b);
  const dtype = resultTypeOf(a, b);
  if (!isFloating(dtype) && !Number.isInteger(Number(alpha))) {
    throw new DTypeError(`${op}: for integral input tensors, argument alpha must not be a floating point number, got alpha=${alpha} (${describe(a)} and ${describe(b)}), as in PyTorch`);
  }
  // b is scaled in the result's dtype (uint8 * -1 must not wrap before an int64 sub)
  const sb = scaled(b instanceof Tensor && b.dtype !== dtype ? b.to(dtype) : b, alpha);
  const sa = a instanceof Tensor && a.dtype !== dtype && resultTypeOf(a, sb) !== dtype ? a.to(dtype) : a;
  return binary(op, sa, sb);
}
/**
 * The function forms that take a number first, as PyTorch's arithmetic does (torch.add(2, t),
 * torch.mul(3, t), torch.div(1, t), even torch.add(2, 3), a 0-d tensor): the Python binding
 * reads a number as a tensor for add, sub, mul, div and their aliases (true_divide, floor_divide,
 * multiply, subtract, divide). Other binary ops refuse a number first (torch.maximum(2, t)
 * raises), unless they declare a Scalar self of their own (pow, remainder, the bitwise ops).
 */
export const NUMBER_FIRST = {
  add: ["add.Tensor(Tensor self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor", "add.Scalar(Scalar self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor"],
  sub: ["sub.Tensor(Tensor self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor", "sub.Scalar(Scalar self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor"],
  mul: ["mul.Tensor(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor", "mul.Scalar(Scalar self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor"],
  div: [
    "div.Tensor(Tensor self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null, Tensor? out=null) -> Tensor",
    "div.Scalar(Scalar self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null, Tensor? out=null) -> Tensor",
  ],
} as const;
// one declaration each (method and function, so autocast and the profiler see "add" either way)
const both = { variants: "both" } as const;
const addImpl = (x: TensorLike, y: TensorLike, { alpha }: { alpha: number | boolean }) => addSub("add", x, y, alpha);
const subImpl = (x: TensorLike, y: TensorLike, { alpha }: { alpha: number | boolean }) => addSub("sub", x, y, alpha);
const mulImpl = (x: TensorLike, y: TensorLike) => binary("mul", x, y);
const divImpl = (x: TensorLike, y: TensorLike, kw: { roundingMode?: RoundingMode | null }) => divide(x, y, kw);
const add = defineOp(NUMBER_FIRST.add, [addImpl, addImpl], both);
const sub = defineOp(NUMBER_FIRST.sub, [subImpl, subImpl], both);
const mul = defineOp(NUMBER_FIRST.mul, [mulImpl, mulImpl], both);
const div = defineOp(NUMBER_FIRST.div, [divImpl, divImpl], both);
const rsub = defineOp(SIGS.rsub, (x: Tensor, y: TensorLike, { alpha }: { alpha: number | boolean }) => addSub("sub", y, x, alpha, "rsub"));
function powImpl(x: TensorLike, e: TensorLike): Tensor {
  if (x instanceof Tensor && typeof e === "number" && !(isIntegral(x.dtype) && !Number.isInteger(e))) {
    if (e === 1) return x.mul(1);
    return isFloating(x.dtype) ? unary("powScalar", x, [e]) : binary("pow", x, e);
  }
  return binary("pow", x, e);
}
defineOp(SIGS.pow, powImpl, { variants: "method", key: "Tensor.pow" });
// torch.pow(2, t): a scalar base with a tensor exponent (the function form only, as PyTorch)
const pow = defineOp(["pow.Tensor(Tensor self, Tensor|Scalar exponent) -> Tensor", "pow.Scalar(Scalar self, Tensor exponent) -> Tensor"], [powImpl, powImpl]);
// bool squares to int64, as PyTorch's pow(x, 2) promotes it (a bool product would stay bool)
const square = defineOp(SIGS.square, (x: Tensor) => {
  const y = x.dtype === "bool" ? x.to("int64") : x;
  return y.mul(y);
});
/**
 * Rounds half to even; with `decimals`, to that many decimal places (negative: to tens,
 * hundreds...), as PyTorch's kernel: round(x * 10^d) / 10^d, or round(x / 10^-d) * 10^-d,
 * in the tensor's own precision. The gradient is 0 everywhere.
 */
function roundImpl(x: Tensor, { decimals }: { decimals: number }): Tensor {
  if (decimals === 0) return unary("round", x);
  if (!isFloating(x.dtype)) throw new DTypeError(`round: decimals is only supported for floating point tensors, got ${describe(x)} (decimals=${decimals})`);
  return decimals > 0 ? unary("round", x.mul(10 ** decimals)).div(10 ** decimals) : unary("round", x.div(10 ** -decimals)).mul(10 ** -decimals);
}
const round = defineOp(SIGS.round, roundImpl);
// the function forms of these three are nn.functional's (F.gelu ...), with PyTorch's F signatures
const m = { variants: "method" } as const;
defineOp(SIGS.leakyRelu, (x: Tensor, slope: number) => unary("leakyRelu", x, [slope]), m);
defineOp(SIGS.gelu, (x: Tensor, { approximate }: { approximate: "none" | "tanh" }) => unary(approximate === "tanh" ? "geluTanh" : "geluErf", x), m);
defineOp(SIGS.softplus, (x: Tensor, beta: number, threshold: number) => unary("softplus", x, [beta, threshold]), m);
const clampFn = defineOp(SIGS.clamp, clamp);
const clip = defineOp(SIGS.clip, clamp);
const clampMin = defineOp(SIGS.clampMin, (x: Tensor, min: TensorLike) => clamp(x, min, null));
const clampMax = defineOp(SIGS.clampMax, (x: Tensor, max: TensorLike) => clamp(x, null, max));
defineOp(WHERE_METHOD, (x: Tensor, cond: Tensor, other: TensorLike) => whereImpl(cond, x, other), { variants: "method", key: "Tensor.where" });
// torch.where(condition) alone is nonzero(condition, as_tuple=True): one index tensor per dim
const where = defineOp([WHERE, "where.cond(Tensor condition) -> Tensor[]"], [whereImpl, (c: Tensor) => c.nonzero({ asTuple: true })]);

export const {
  neg, abs, sign, floor, ceil, trunc, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos, tan, tanh,
  sigmoid, erf, relu, silu, logicalNot, isnan, isfinite, isinf,
  log2, log10, exp2, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, frac,
} = unaryFns;
export const { maximum, minimum, atan2, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor, copysign, fmod } = binaryFns;
export const { logaddexp, logaddexp2, hypot } = tensorBinaryFns;
export { add, sub, mul, rsub, div, pow, square, clampFn as clamp, clip, clampMin, clampMax, where, round };

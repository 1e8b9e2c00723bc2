/**
 * CPU elementwise primitives: unary, binary, where, cast, copy and in-place assign. Each
 * tries the native kernels first (runElementwiseNative) and falls back to the generated
 * TypeScript loops (runElementwise), which are also the reference the native ones are
 * tested against.
 *
 * int64 operands run the exact bigint forms of src/ops/elementwise_int64.ts where the op
 * has one (operands "raw": the bigints themselves), else the table's expression through
 * Number; casts from int64 have their own exact forms (castExpr).
 */
import { BINARY_OPS, UNARY_OPS } from "../../ops/elementwise_table.js";
import { INT64_BINARY, INT64_UNARY, INT_BINARY } from "../../ops/elementwise_int64.js";
import { isFloating, isIntegral, type DType } from "../../tensor/dtype.js";
import { broadcastShapes } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { rawOperand, runElementwise, runElementwiseNative, type Operand } from "./loops.js";
import { alloc, broadcastOperand, operand, outOperand } from "./util.js";
import { nativeIntTypes } from "./native.js";

export function unary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unary"], device: string): Tensor[] {
  const x = inputs[0]!;
  // x ** 2 is the table's x * x: the same bits from the float32-lane multiply (powScalar's
  // kernel computes in float64, half the width)
  if (attrs.op === "powScalar" && attrs.params?.[0] === 2 && (x.dtype === "float32" || x.dtype === "float64")) return binary([x, x], { op: "mul" }, device);
  const def = UNARY_OPS[attrs.op];
  const out = alloc(x.shape, def.kind === "predicate" ? "bool" : x.dtype, device, { zero: false });
  const o = outOperand(out), ins = [operand(x)];
  if (runElementwiseNative("unary", attrs.op, x.shape, o, ins, attrs.params)) return [out];
  const exact = x.dtype === "int64" ? INT64_UNARY[attrs.op] : undefined;
  if (exact !== undefined) runElementwise(x.shape, rawUnlessBool(o), ins.map(rawOperand), exact, attrs.params);
  else runElementwise(x.shape, o, ins, boolResult(unaryExpr(attrs.op, x.dtype), out.dtype, def.kind), attrs.params);
  return [out];
}

export function binary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["binary"], device: string): Tensor[] {
  const [a, b] = inputs as [Tensor, Tensor];
  const def = BINARY_OPS[attrs.op];
  const shape = broadcastShapes(attrs.op, a.shape, b.shape);
  const out = attrs.inPlace ? a : alloc(shape, def.kind === "predicate" ? "bool" : a.dtype, device, { zero: false });
  const o = outOperand(out), ins = [broadcastOperand(a, shape), broadcastOperand(b, shape)];
  if (runElementwiseNative("binary", attrs.op, shape, o, ins, attrs.params)) return [out];
  const exact = a.dtype === "int64" ? INT64_BINARY[attrs.op] : undefined;
  if (exact !== undefined) {
    runElementwise(shape, rawUnlessBool(o), ins.map(rawOperand), exact, attrs.params);
    return [out];
  }
  // integer operands: the integer form where there is one (wrap-around as C; division by
  // zero raises), else the table's
  const int = isIntegral(a.dtype) || a.dtype === "bool";
  const js = (isIntegral(a.dtype) ? INT_BINARY[attrs.op] : undefined) ?? (int && "jsInt" in def ? def.jsInt : binaryExpr(attrs.op, a.dtype));
  runElementwise(shape, o, ins, boolResult(js, out.dtype, def.kind), attrs.params);
  return [out];
}

/** A unary op's scalar expression for operands of `dtype` (the table's float32 form where it has one). */
export function unaryExpr(op: keyof typeof UNARY_OPS, dtype: DType): string {
  const def = UNARY_OPS[op];
  return dtype === "float32" && "jsFloat32" in def ? def.jsFloat32 : def.js;
}

/** A binary op's scalar expression for floating operands of `dtype` (the table's float32 form where it has one). */
export function binaryExpr(op: keyof typeof BINARY_OPS, dtype: DType): string {
  const def = BINARY_OPS[op];
  return dtype === "float32" && "jsFloat32" in def ? def.jsFloat32 : def.js;
}

/** An int64 output written raw by an exact form; a bool one (predicates) as it is. */
function rawUnlessBool(o: Operand): Operand {
  return o.dtype === "bool" ? o : rawOperand(o);
}

/** Arithmetic on bool operands (true + true) must store true, not 2: test the value against 0. */
function boolResult(expr: string, outDtype: string, kind: string): string {
  return outDtype === "bool" && kind !== "predicate" ? `((${expr}) !== 0)` : expr;
}

export function where(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["where"], device: string): Tensor[] {
  const [c, a, b] = inputs as [Tensor, Tensor, Tensor];
  const shape = broadcastShapes("where", c.shape, a.shape, b.shape);
  const out = alloc(shape, a.dtype, device, { zero: false });
  const o = outOperand(out), ins = [broadcastOperand(c, shape), broadcastOperand(a, shape), broadcastOperand(b, shape)];
  if (runElementwiseNative("where", null, shape, o, ins)) return [out];
  // the values are moved, never converted (int64 bigints stay exact)
  runElementwise(shape, rawOperand(o), [ins[0]!, rawOperand(ins[1]!), rawOperand(ins[2]!)], "(x !== 0 ? y : z)");
  return [out];
}

/**
 * How a value of dtype `from` becomes one of `to` in the TypeScript loops: the expression
 * and whether its input/output are raw (see elementwise_int64.ts for the rules, which are
 * PyTorch's C casts on x86-64). Exported for the native kernels' tests.
 */
export function castExpr(from: DType, to: DType): { expr: string; rawIn: boolean; rawOut: boolean } {
  if (from === to) return { expr: "x", rawIn: true, rawOut: true };
  if (from === "int64") {
    if (to === "float64") return { expr: "Number(x)", rawIn: true, rawOut: false };
    if (to === "bool") return { expr: "(x !== H.ZERO64)", rawIn: true, rawOut: false };
    // float32, bfloat16, float16 (rounded from the float32 value, as PyTorch); int32, uint8, int8
    return { expr: isFloating(to) ? "H.i64ToF32(x)" : "H.i64ToI32(x)", rawIn: true, rawOut: false };
  }
  if (to === "bool") return { expr: "(x !== 0)", rawIn: false, rawOut: false };
  // to int64 the output's write truncates (H.toI64); to int32/int8 through int32, to uint8 through int64
  if (isFloating(from) && (to === "int32" || to === "int8")) return { expr: "H.f2i32(x)", rawIn: false, rawOut: false };
  if (isFloating(from) && to === "uint8") return { expr: "H.f2u8(x)", rawIn: false, rawOut: false };
  return { expr: "x", rawIn: false, rawOut: false };
}

/** out = x converted to out's dtype, in the TypeScript loops. */
function convert(shape: readonly number[], from: DType, o: Operand, x: Operand): void {
  const c = castExpr(from, o.dtype as DType);
  runElementwise(shape, c.rawOut ? rawOperand(o) : o, [c.rawIn ? rawOperand(x) : x], c.expr);
}

/**
 * Whether the native convert may run: an addon older than the integer dtypes stores
 * out-of-range floats into int32 as JavaScript's ToInt32 does (wrapping), where PyTorch
 * (and castExpr) give INT32_MIN.
 */
function nativeConvertOk(from: DType, to: DType): boolean {
  return !(isFloating(from) && !isFloating(to) && to !== "bool") || nativeIntTypes();
}

/**
 * float32 <-> bfloat16 of a contiguous tensor in one tight loop over the bits (autocast casts
 * weights and activations every step; the generic loops call a helper per element, and the
 * native convert moves half types only raw). Round to nearest even, NaN kept quiet, as
 * float32ToBFloat16Bits.
 */
function castBFloat16Contiguous(x: Tensor, out: Tensor): boolean {
  if (!x.isContiguous()) return false;
  const n = x.numel();
  if (x.dtype === "float32" && out.dtype === "bfloat16") {
    const src = x.storage.data as Float32Array, dst = out.storage.data as Uint16Array;
    // signed words: every value stays a small integer for V8 (unsigned ones above 2^31 would be doubles)
    const bits = new Int32Array(src.buffer, src.byteOffset + x.offset * 4, n);
    for (let i = 0; i < n; i++) {
      const b = bits[i]!;
      dst[i] = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    }
    return true;
  }
  if (x.dtype === "bfloat16" && out.dtype === "float32") {
    const src = x.storage.data as Uint16Array, dst = out.storage.data as Float32Array;
    const bits = new Int32Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0, o = x.offset; i < n; i++, o++) bits[i] = src[o]! << 16;
    return true;
  }
  return false;
}

export function cast(inputs: readonly Tensor[], attrs: PrimitiveAttrs["cast"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, attrs.dtype, device, { zero: false });
  const o = outOperand(out), xo = operand(x);
  // the native convert first (bfloat16 <-> float32 included, vectorised), then the TypeScript bit loop
  if (nativeConvertOk(x.dtype, out.dtype) && runElementwiseNative("convert", null, x.shape, o, [xo])) return [out];
  if (castBFloat16Contiguous(x, out)) return [out];
  convert(x.shape, x.dtype, o, xo);
  return [out];
}

export function copy(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["copy"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, x.dtype, device, { zero: false });
  if (runElementwiseNative("convert", null, x.shape, outOperand(out), [operand(x)])) return [out];
  // same dtype: move raw values (no widening of half types)
  runElementwise(x.shape, rawOperand(outOperand(out)), [rawOperand(operand(x))], "x");
  return [out];
}

export function assign(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["assign"], _device: string): Tensor[] {
  const [dst, src] = inputs as [Tensor, Tensor];
  const o = outOperand(dst), s = broadcastOperand(src, dst.shape);
  if (nativeConvertOk(src.dtype, dst.dtype) && runElementwiseNative("convert", null, dst.shape, o, [s])) return [dst];
  convert(dst.shape, src.dtype, o, s);
  return [dst];
}

/**
 * CPU elementwise primitives: unary, binary, where, cast, copy and in-place assign. Each
 * tries the native kernels first (runElementwiseNative) and falls back to the generated
 * TypeScript loops (runElementwise), which are also the reference the native ones are
 * tested against.
 */
import { BINARY_OPS, UNARY_OPS } from "../../ops/elementwise_table.js";
import { broadcastShapes } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { runElementwise, runElementwiseNative } from "./loops.js";
import { alloc, broadcastOperand, operand, outOperand } from "./util.js";

export function unary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unary"], device: string): Tensor[] {
  const x = inputs[0]!;
  const def = UNARY_OPS[attrs.op];
  const out = alloc(x.shape, def.kind === "predicate" ? "bool" : x.dtype, device, { zero: false });
  const o = outOperand(out), ins = [operand(x)];
  if (!runElementwiseNative("unary", attrs.op, x.shape, o, ins, attrs.params)) runElementwise(x.shape, o, ins, boolResult(def.js, out.dtype, def.kind), attrs.params);
  return [out];
}

export function binary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["binary"], device: string): Tensor[] {
  const [a, b] = inputs as [Tensor, Tensor];
  const def = BINARY_OPS[attrs.op];
  const shape = broadcastShapes(attrs.op, a.shape, b.shape);
  const out = attrs.inPlace ? a : alloc(shape, def.kind === "predicate" ? "bool" : a.dtype, device, { zero: false });
  const o = outOperand(out), ins = [broadcastOperand(a, shape), broadcastOperand(b, shape)];
  // integer operands: the table's integer form where it has one (division by zero raises)
  const js = "jsInt" in def && (a.dtype === "int32" || a.dtype === "bool") ? def.jsInt : def.js;
  if (!runElementwiseNative("binary", attrs.op, shape, o, ins, attrs.params)) runElementwise(shape, o, ins, boolResult(js, out.dtype, def.kind), attrs.params);
  return [out];
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
  if (!runElementwiseNative("where", null, shape, o, ins)) runElementwise(shape, o, ins, "(x !== 0 ? y : z)");
  return [out];
}

export function cast(inputs: readonly Tensor[], attrs: PrimitiveAttrs["cast"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, attrs.dtype, device, { zero: false });
  const o = outOperand(out), ins = [operand(x)];
  if (!runElementwiseNative("convert", null, x.shape, o, ins)) runElementwise(x.shape, o, ins, attrs.dtype === "bool" ? "(x !== 0)" : "x");
  return [out];
}

export function copy(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["copy"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, x.dtype, device, { zero: false });
  if (runElementwiseNative("convert", null, x.shape, outOperand(out), [operand(x)])) return [out];
  // same dtype: move raw values (no widening of half types)
  runElementwise(x.shape, { ...outOperand(out), dtype: "float64" }, [{ ...operand(x), dtype: "float64" }], "x");
  return [out];
}

export function assign(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["assign"], _device: string): Tensor[] {
  const [dst, src] = inputs as [Tensor, Tensor];
  const raw = dst.dtype === src.dtype ? "float64" : null;
  const o = outOperand(dst), s = broadcastOperand(src, dst.shape);
  if (runElementwiseNative("convert", null, dst.shape, o, [s])) return [dst];
  runElementwise(dst.shape, raw ? { ...o, dtype: raw } : o, [raw ? { ...s, dtype: raw } : s], dst.dtype === "bool" && src.dtype !== "bool" ? "(x !== 0)" : "x");
  return [dst];
}

/** CPU elementwise primitives: unary, binary, where, cast, copy and in-place assign. */
import { BINARY_OPS, UNARY_OPS } from "../../ops/elementwise_table.js";
import { broadcastShapes } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { runElementwise } from "./loops.js";
import { alloc, broadcastOperand, operand, outOperand } from "./util.js";

export function unary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unary"], device: string): Tensor[] {
  const x = inputs[0]!;
  const def = UNARY_OPS[attrs.op];
  const out = alloc(x.shape, def.kind === "predicate" ? "bool" : x.dtype, device);
  runElementwise(x.shape, outOperand(out), [operand(x)], boolResult(def.js, out.dtype, def.kind), attrs.params);
  return [out];
}

export function binary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["binary"], device: string): Tensor[] {
  const [a, b] = inputs as [Tensor, Tensor];
  const def = BINARY_OPS[attrs.op];
  const shape = broadcastShapes(attrs.op, a.shape, b.shape);
  const out = alloc(shape, def.kind === "predicate" ? "bool" : a.dtype, device);
  runElementwise(shape, outOperand(out), [broadcastOperand(a, shape), broadcastOperand(b, shape)], boolResult(def.js, out.dtype, def.kind));
  return [out];
}

/** Arithmetic on bool operands (true + true) must store true, not 2: test the value against 0. */
function boolResult(expr: string, outDtype: string, kind: string): string {
  return outDtype === "bool" && kind !== "predicate" ? `((${expr}) !== 0)` : expr;
}

export function where(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["where"], device: string): Tensor[] {
  const [c, a, b] = inputs as [Tensor, Tensor, Tensor];
  const shape = broadcastShapes("where", c.shape, a.shape, b.shape);
  const out = alloc(shape, a.dtype, device);
  runElementwise(shape, outOperand(out), [broadcastOperand(c, shape), broadcastOperand(a, shape), broadcastOperand(b, shape)], "(x !== 0 ? y : z)");
  return [out];
}

export function cast(inputs: readonly Tensor[], attrs: PrimitiveAttrs["cast"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, attrs.dtype, device);
  runElementwise(x.shape, outOperand(out), [operand(x)], attrs.dtype === "bool" ? "(x !== 0)" : "x");
  return [out];
}

export function copy(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["copy"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, x.dtype, device);
  // same dtype: move raw values (no widening of half types)
  runElementwise(x.shape, { ...outOperand(out), dtype: "float64" }, [{ ...operand(x), dtype: "float64" }], "x");
  return [out];
}

export function assign(inputs: readonly Tensor[], _attrs: PrimitiveAttrs["assign"], _device: string): Tensor[] {
  const [dst, src] = inputs as [Tensor, Tensor];
  const raw = dst.dtype === src.dtype ? "float64" : null;
  const o = outOperand(dst), s = broadcastOperand(src, dst.shape);
  runElementwise(dst.shape, raw ? { ...o, dtype: raw } : o, [raw ? { ...s, dtype: raw } : s], dst.dtype === "bool" && src.dtype !== "bool" ? "(x !== 0)" : "x");
  return [dst];
}

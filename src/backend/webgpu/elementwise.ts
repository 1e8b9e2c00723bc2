/**
 * WebGPU elementwise primitives: unary, binary, where, cast, copy, assign (and cat and pad,
 * which tile assigns into a filled output, as on the CPU). One generated kernel shape serves
 * them all: one invocation per output element walks the (coalesced) dims once and finds each
 * operand's element through its own strides and offset, so broadcasting, views, negative
 * strides and strided outputs (assign, in-place binary) need no copies.
 */
import { BINARY_OPS, UNARY_OPS, type BinaryOpName, type UnaryOpName } from "../../ops/elementwise_table.js";
import { broadcastShapes, contiguousStrides } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { unsupported } from "./unsupported.js";
import { INT64_OVERFLOW, PRELUDE, WGSL_BINARY, WGSL_DIV, WGSL_UNARY, computeType, convertTo, f32OfBits, gpuDType, int64RangeMessage, storageType, type GpuDType } from "./wgsl.js";
import { allocTensor, fillTensor, runtime } from "./state.js";
import { errorFlagWgsl, memoryOf, type GpuMemory } from "./runtime.js";
import { DTypeError, type FluxionError } from "../../errors.js";

const WG = 256;

/** An operand as the kernel reads it: its dtype, element offset and strides over the output's dims. */
interface Operand {
  t: Tensor;
  dtype: GpuDType;
  strides: number[];
}

export function operandOf(op: string, t: Tensor, shape: readonly number[]): Operand {
  const nd = shape.length, off = nd - t.shape.length;
  const strides = new Array<number>(nd).fill(0);
  for (let i = 0; i < t.shape.length; i++) strides[off + i] = t.shape[i] === 1 && shape[off + i] !== 1 ? 0 : t.strides[i]!;
  return { t, dtype: gpuDType(op, t.dtype), strides };
}

/**
 * Merges adjacent dims that every operand walks as one (stride[d] = stride[d+1] * size[d+1])
 * and drops size-1 dims: fewer index divisions in the kernel, and fewer kernel variants.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * shape[d]!)) {
      outShape[last] = outShape[last]! * shape[d]!;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
      continue;
    }
    outShape.push(shape[d]!);
    strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Runs `expr` (over x, y, z: the operands in their compute types, and p0, p1) for every
 * element of `out` (any strides). `valueType` is the WGSL type of expr's value.
 */
/** A check for elementwise(): where `failIf` holds, the next read raises `error(value)` (runtime.ts). */
export interface ElementCheck {
  /** A WGSL condition of the operands (x, y, z) and the result `v` (the expression's value). */
  failIf: string;
  /** An i32 expression: the value the error names. */
  value: string;
  error: (value: number) => FluxionError;
}

export function elementwise(out: Tensor, ins: readonly Operand[], expr: string, valueType: string, params: readonly number[] = [], check?: ElementCheck): void {
  const n = out.numel();
  if (n === 0) return;
  const rt = runtime();
  const outMem = memoryOf(out.storage);
  const outDtype = gpuDType("elementwise", out.dtype);
  // an input in the output's own buffer is read through the output binding (a buffer cannot be
  // bound read-only and writable in one launch); with another element type it is copied first
  const operands = ins.map((o) => {
    if (memoryOf(o.t.storage) !== outMem || storageType(o.dtype) === storageType(outDtype)) return o;
    return operandOf("elementwise", copyOf(o.t), out.shape);
  });
  const outStrides = out.ndim === 0 ? [] : [...out.strides];
  const { shape, strides } = coalesce(out.shape, [outStrides, ...operands.map((o) => o.strides)]);
  const nd = shape.length;
  // meta: [n, shape..., outOffset, outStrides..., (offset, strides...) per input, params...]
  const meta: number[] = [n, ...shape, out.offset, ...strides[0]!];
  operands.forEach((o, k) => meta.push(o.t.offset, ...strides[k + 1]!));
  const checkAt = meta.length;
  if (check) meta.push(rt.check(check.error));
  const paramAt = meta.length;
  const metaArr = new Int32Array(meta.length + params.length);
  metaArr.set(meta);
  new Float32Array(metaArr.buffer, paramAt * 4, params.length).set(params);

  const bound: GpuMemory[] = [];
  const names = operands.map((o) => {
    const m = memoryOf(o.t.storage);
    if (m === outMem) return "out";
    let i = bound.indexOf(m);
    if (i < 0) i = bound.push(m) - 1;
    return `in${i}`;
  });
  const dtypes = operands.map((o) => o.dtype);
  // everything the text depends on (the meta positions follow from nd, the operands and check)
  const key = `ew|${nd}|${names.join()}|${dtypes.join()}|${outDtype}|${params.length}|${check ? `${check.failIf}|${check.value}` : ""}|${valueType}|${expr}`;
  const wgsl = () => elementwiseWgsl(nd, names, dtypes, outDtype, bound.length, expr, valueType, params.length, check);
  rt.launch({ key, wgsl }, metaArr, bound, outMem, rt.grid(Math.ceil(n / WG)), check !== undefined);
}

/** The WGSL of elementwise(): operand k is `names[k]` (out or in<i>) of `dtypes[k]`; meta laid out as elementwise() writes it. */
function elementwiseWgsl(nd: number, names: readonly string[], dtypes: readonly GpuDType[], outDtype: GpuDType, nBound: number, expr: string, valueType: string, nParams: number, check: ElementCheck | undefined): string {
  const vars = ["x", "y", "z"];
  const lines: string[] = [];
  lines.push(`@group(0) @binding(0) var<storage, read> mi: array<i32>;`);
  for (let i = 0; i < nBound; i++) {
    const dtype = dtypes[names.indexOf(`in${i}`)]!;
    lines.push(`@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${storageType(dtype)}>;`);
  }
  lines.push(`@group(0) @binding(${nBound + 1}) var<storage, read_write> out: array<${storageType(outDtype)}>;`);
  if (check) lines.push(errorFlagWgsl(nBound + 2));
  lines.push(PRELUDE);
  lines.push(`@compute @workgroup_size(${WG})`);
  lines.push(`fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`);
  lines.push(`  let i = i32(gid.x + gid.y * nwg.x * ${WG}u);`);
  lines.push(`  if (i >= mi[0]) { return; }`);
  const outBase = 1 + nd;
  const opBase = (k: number) => outBase + (1 + nd) * (k + 1);
  const checkAt = opBase(names.length), paramAt = checkAt + (check ? 1 : 0);
  lines.push(`  var o = mi[${outBase}];`);
  names.forEach((_, k) => lines.push(`  var a${k} = mi[${opBase(k)}];`));
  if (nd > 0) {
    lines.push(`  var rem = i;`);
    for (let d = nd - 1; d >= 0; d--) {
      lines.push(`  { let s = mi[${1 + d}]; let c = rem % s; rem = rem / s;`);
      lines.push(`    o += c * mi[${outBase + 1 + d}];`);
      names.forEach((_, k) => lines.push(`    a${k} += c * mi[${opBase(k) + 1 + d}];`));
      lines.push(`  }`);
    }
  }
  for (let k = 0; k < nParams; k++) lines.push(`  let p${k} = bitcast<f32>(mi[${paramAt + k}]);`);
  dtypes.forEach((dtype, k) => {
    const ct = computeType(dtype);
    const raw = `${names[k]}[a${k}]`;
    lines.push(`  let ${vars[k]} = ${storageType(dtype) === ct ? raw : `${ct}(${raw})`};`);
  });
  lines.push(`  let v = ${expr};`);
  if (check) lines.push(`  if (${check.failIf}) { fail(mi[${checkAt}], ${check.value}); }`);
  lines.push(`  out[o] = ${convertTo("v", valueType, outDtype)};`);
  lines.push(`}`);
  return lines.join("\n");
}

function copyOf(t: Tensor): Tensor {
  const out = allocTensor("copy", t.shape, t.dtype);
  elementwise(out, [operandOf("copy", t, t.shape)], "x", computeType(gpuDType("copy", t.dtype)));
  return out;
}

/** The WGSL form of an elementwise op for operands of `dtype`, or the error naming what is missing. */
function formOf(kind: "unary" | "binary", op: string, forms: { f?: string; i?: string; l?: string } | undefined, dtype: GpuDType, inputs: readonly Tensor[]): string {
  const form = computeType(dtype) === "f32" ? forms?.f : dtype === "int64" ? (forms?.l ?? forms?.i) : forms?.i;
  if (form === undefined) unsupported(`${kind} (${op})`, inputs, `no WGSL form of ${op} for ${dtype} yet`);
  return form;
}

/** Unary `op`'s WGSL expression of x (p0, p1) for operands of `dtype` (also fused programs'). */
export function unaryExpr(op: PrimitiveAttrs["unary"]["op"], dtype: GpuDType, inputs: readonly Tensor[]): string {
  const expr = formOf("unary", op, WGSL_UNARY[op], dtype, inputs);
  // float math maps NaN to NaN (WGSL's builtins need not: exp(NaN) may be inf); pow has its own rules
  return UNARY_OPS[op].kind === "float" && computeType(dtype) === "f32" && op !== "powScalar" ? `select(${expr}, x, isnan_(x))` : expr;
}

/** Binary `op`'s WGSL expression of x, y (p0) for operands of `dtype` (also fused programs'). */
export function binaryExpr(op: PrimitiveAttrs["binary"]["op"], params: readonly number[] | undefined, dtype: GpuDType, inputs: readonly Tensor[]): string {
  if (op === "div" && (params?.[0] ?? 0) !== 0) unsupported("binary (div with a rounding mode)", inputs, "the rounded division is not ported to WGSL yet");
  return formOf("binary", op, op === "div" ? WGSL_DIV : WGSL_BINARY[op], dtype, inputs);
}

/** The check of an int64 op that can leave the 32 bits webgpu holds int64 in (wgsl.ts), if `op` can. */
function int64Check(op: UnaryOpName | BinaryOpName, dtype: GpuDType, inputs: readonly Tensor[]): ElementCheck | undefined {
  const failIf = dtype === "int64" ? INT64_OVERFLOW[op] : undefined;
  if (failIf === undefined) return undefined;
  const shapes = inputs.map((t) => `[${t.shape.join(", ")}]`).join(" and ");
  return { failIf, value: "x", error: (x) => new DTypeError(int64RangeMessage(`${op} (int64 ${shapes})`, `result (an operand was ${x})`)) };
}

export function unary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unary"]): Tensor[] {
  const x = inputs[0]!;
  const dtype = gpuDType(`unary (${attrs.op})`, x.dtype);
  const def = UNARY_OPS[attrs.op];
  const expr = unaryExpr(attrs.op, dtype, inputs);
  const out = allocTensor("unary", x.shape, def.kind === "predicate" ? "bool" : x.dtype);
  elementwise(out, [operandOf("unary", x, x.shape)], expr, def.kind === "predicate" ? "bool" : computeType(dtype), attrs.params, int64Check(attrs.op, dtype, inputs));
  return [out];
}

export function binary(inputs: readonly Tensor[], attrs: PrimitiveAttrs["binary"]): Tensor[] {
  const [a, b] = inputs as [Tensor, Tensor];
  const dtype = gpuDType(`binary (${attrs.op})`, a.dtype);
  const def = BINARY_OPS[attrs.op];
  const expr = binaryExpr(attrs.op, attrs.params, dtype, inputs);
  const shape = broadcastShapes(attrs.op, a.shape, b.shape);
  const out = attrs.inPlace ? a : allocTensor("binary", shape, def.kind === "predicate" ? "bool" : a.dtype);
  elementwise(out, [operandOf("binary", a, shape), operandOf("binary", b, shape)], expr, def.kind === "predicate" ? "bool" : computeType(dtype), attrs.params, int64Check(attrs.op, dtype, inputs));
  return [out];
}

export function where(inputs: readonly Tensor[]): Tensor[] {
  const [c, a, b] = inputs as [Tensor, Tensor, Tensor];
  const shape = broadcastShapes("where", c.shape, a.shape, b.shape);
  const dtype = gpuDType("where", a.dtype);
  const cond = operandOf("where", c, shape);
  const out = allocTensor("where", shape, a.dtype);
  const test = computeType(cond.dtype) === "f32" ? "nz_(x)" : "x != 0";
  elementwise(out, [cond, operandOf("where", a, shape), operandOf("where", b, shape)], `select(z, y, ${test})`, computeType(dtype));
  return [out];
}

export function cast(inputs: readonly Tensor[], attrs: PrimitiveAttrs["cast"]): Tensor[] {
  const x = inputs[0]!;
  const from = gpuDType("cast", x.dtype);
  const out = allocTensor("cast", x.shape, attrs.dtype);
  // float to int64: the CPU keeps every value below 2^63 (NaN and beyond give INT64_MIN); here
  // what does not fit 32 bits raises
  const check: ElementCheck | undefined = computeType(from) === "f32" && attrs.dtype === "int64"
    ? { failIf: "!(abs(x) < 2147483648.0)", value: "bitcast<i32>(x)", error: (bits) => new DTypeError(int64RangeMessage(`cast (${from} [${x.shape.join(", ")}] to int64)`, `value ${f32OfBits(bits)}`)) }
    : undefined;
  elementwise(out, [operandOf("cast", x, x.shape)], "x", computeType(from), [], check);
  return [out];
}

export function copy(inputs: readonly Tensor[]): Tensor[] {
  return [copyOf(inputs[0]!)];
}

export function assign(inputs: readonly Tensor[]): Tensor[] {
  const [dst, src] = inputs as [Tensor, Tensor];
  gpuDType("assign", dst.dtype);
  elementwise(dst, [operandOf("assign", src, dst.shape)], "x", computeType(gpuDType("assign", src.dtype)));
  return [dst];
}

/** A view of `t`'s storage with the given shape and offset, keeping t's strides. */
function window(t: Tensor, shape: readonly number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, t.strides, offset, t.dtype);
}

export function cat(inputs: readonly Tensor[], attrs: PrimitiveAttrs["cat"]): Tensor[] {
  const axis = attrs.axis;
  const shape = [...inputs[0]!.shape];
  shape[axis] = inputs.reduce((s, t) => s + t.shape[axis]!, 0);
  const out = allocTensor("cat", shape, inputs[0]!.dtype);
  let pos = 0;
  for (const t of inputs) {
    if (t.numel() > 0) assign([window(out, t.shape, pos * out.strides[axis]!), t]);
    pos += t.shape[axis]!;
  }
  return [out];
}

export function pad(inputs: readonly Tensor[], attrs: PrimitiveAttrs["pad"]): Tensor[] {
  const x = inputs[0]!;
  const shape = x.shape.map((s, d) => s + attrs.pads[d]![0] + attrs.pads[d]![1]);
  const out = fillTensor("pad", shape, x.dtype, attrs.value);
  const strides = contiguousStrides(shape);
  const offset = attrs.pads.reduce((o, [before], d) => o + before * strides[d]!, 0);
  if (x.numel() > 0) assign([window(out, x.shape, offset), x]);
  return [out];
}

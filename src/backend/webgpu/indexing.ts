/**
 * WebGPU gather, scatter and indexPut. The index (int32 or int64) is checked by the kernel as it runs:
 * a value out of range (after counting negatives from the end where the call's IndexRule
 * allows them) is skipped and sets the device-side error flag, so the next read raises the
 * CPU's IndexError (runtime.ts); unlike the CPU, the other elements are still written.
 * scatter and indexPut accumulate with atomics (a compare-and-swap loop for float32), so
 * repeated indices add in an unspecified order, and "none" with repeated indices keeps one of
 * the written values (PyTorch calls that nondeterministic too).
 *
 * float16 values are gathered and stored (scatter, indexPut without accumulation) as f16.
 * Accumulating float16 (scatter add/multiply, indexPut accumulate) runs as the CPU backend does
 * it: on float32 copies, the float32 compare-and-swap loop above, and one rounding to float16 at
 * the end. (WGSL atomics are 32-bit only; a compare-and-swap on the 32-bit word holding an f16
 * would work but round every step, giving other values than the CPU's.)
 */
import { DTypeError, IndexError, ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { IndexRule, PrimitiveAttrs } from "../primitives.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { errorFlagWgsl, memoryOf, type GpuMemory } from "./runtime.js";
import { INT64_OVERFLOW, gpuDType, int64RangeMessage, storageType, type GpuDType } from "./wgsl.js";
import { assign, cast, copy } from "./elementwise.js";

const WG = 256;

function checkIndexShape(op: string, index: Tensor, other: Tensor, axis: number): void {
  const ok = index.ndim === other.ndim && index.shape.every((s, d) => d === axis || s <= other.shape[d]!);
  if (!ok) throw new ShapeError(`${op}: index of shape ${fmtShape(index.shape)} does not fit a tensor of shape ${fmtShape(other.shape)}${axis >= 0 ? ` outside dimension ${axis}` : ""}`);
}

function indexDType(op: string, inputs: readonly Tensor[], index: Tensor): void {
  if (index.dtype !== "int32" && index.dtype !== "int64") unsupported(op, inputs, `indices must be int32 or int64 (got ${index.dtype})`);
}

/** A float32 copy of `t` (exact for float16): the accumulating kernels' operand. */
function widen(t: Tensor): Tensor {
  return t.dtype === "float32" ? t : cast([t], { dtype: "float32" })[0]!;
}

/** The IndexError of a bad index value: the rule's message, or the kernel's own (the CPU's words). */
function indexError(rule: IndexRule | undefined, own: (v: number) => string): (v: number) => IndexError {
  return (v) => new IndexError(rule?.error !== undefined ? rule.error.split("{index}").join(String(v)) : own(v));
}

/** Names each distinct buffer once, in binding order from 1. */
function binder(): { bind: (t: Tensor) => string; mems: GpuMemory[]; decls: string[] } {
  const mems: GpuMemory[] = [], decls: string[] = [];
  return {
    mems,
    decls,
    bind(t: Tensor) {
      const m = memoryOf(t.storage);
      let i = mems.indexOf(m);
      if (i < 0) {
        i = mems.push(m) - 1;
        decls.push(`@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${storageType(gpuDType("index", t.dtype))}>;`);
      }
      return `in${i}`;
    },
  };
}

/** WGSL that sets `v` from idx[ip], counting a negative from the end when allowed, and fails out of [0, size). */
function readIndex(I: string, negative: boolean, codeAt: number, sizeExpr: string): string[] {
  return [
    `  let raw = ${I}[ip];`,
    `  var v = raw;`,
    negative ? `  if (v < 0) { v += ${sizeExpr}; }` : "",
    `  if (v < 0 || v >= ${sizeExpr}) { fail(mi[${codeAt}], raw); return; }`,
  ];
}

export function gather(inputs: readonly Tensor[], attrs: PrimitiveAttrs["gather"]): Tensor[] {
  const [x, index] = inputs as [Tensor, Tensor];
  const axis = attrs.axis;
  checkIndexShape("gather", index, x, axis);
  indexDType("gather", inputs, index);
  gpuDType("gather", x.dtype);
  const out = allocTensor("gather", index.shape, x.dtype);
  const n = out.numel(), nd = index.ndim, size = x.shape[axis]!;
  if (n === 0) return [out];
  const rt = runtime();
  const code = rt.check(indexError(attrs.index, (v) => `gather: index ${v} is out of bounds for dimension ${axis} with size ${size} (input shape ${fmtShape(x.shape)})`));
  // meta: [n, size, code, xOff, xAxisStride, iOff, shape..., iStrides..., xStrides (axis: 0)...]
  const xs = x.strides.map((s, d) => (d === axis ? 0 : s));
  const meta = new Int32Array([n, size, code, x.offset, x.strides[axis]!, index.offset, ...index.shape, ...index.strides, ...xs]);
  const b = binder();
  const X = b.bind(x), I = b.bind(index);
  // the text follows from the key (the bindings, dtypes, rank and index rule); built once
  const negative = attrs.index?.negative ?? false;
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...b.decls,
    `@group(0) @binding(${b.mems.length + 1}) var<storage, read_write> out: array<${storageType(gpuDType("gather", x.dtype))}>;`,
    errorFlagWgsl(b.mems.length + 2),
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let e = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  if (e >= mi[0]) { return; }`,
    `  var ip = mi[5]; var xp = mi[3]; var rem = e;`,
    ...Array.from({ length: nd }, (_, k) => nd - 1 - k).map((d) => `  { let s = mi[${6 + d}]; let c = rem % s; rem = rem / s; ip += c * mi[${6 + nd + d}]; xp += c * mi[${6 + 2 * nd + d}]; }`),
    ...readIndex(I, negative, 2, "mi[1]"),
    `  out[e] = ${X}[xp + v * mi[4]];`,
    `}`,
  ].join("\n");
  const key = `gather|${nd}|${x.dtype}|${index.dtype}|${b.decls.join("|")}|${negative}`;
  rt.launch({ key, wgsl }, meta, b.mems, memoryOf(out.storage), rt.grid(Math.ceil(n / WG)), true);
  return [out];
}

/**
 * WGSL storing or combining `val` into out[p] (out declared atomic unless `mode` is "none").
 * int64 (held in 32 bits here) sums and products fail with the check code in `overflowCode`
 * where the exact result does not fit.
 */
function combineInto(mode: "none" | "add" | "multiply", dtype: GpuDType, val: string, overflowCode = ""): string[] {
  if (mode === "none") return [`  out[p] = ${val};`];
  if (dtype === "int64") {
    const failIf = mode === "add" ? INT64_OVERFLOW.add! : INT64_OVERFLOW.mul!;
    // in a block of its own: x, y, v are the names failIf reads
    const update = mode === "add"
      ? [`    let x = atomicAdd(&out[p], ${val}); let y = ${val}; let v = x + y;`]
      : [`    var x = 0; let y = ${val}; var v = 0;`, `    loop { x = atomicLoad(&out[p]); v = x * y; if (atomicCompareExchangeWeak(&out[p], x, v).exchanged) { break; } }`];
    return [`  {`, ...update, `    if (${failIf}) { fail(${overflowCode}, x); }`, `  }`];
  }
  if (dtype === "int32" && mode === "add") return [`  atomicAdd(&out[p], ${val});`];
  if (dtype === "bool") return [mode === "add" ? `  atomicOr(&out[p], ${val});` : `  atomicAnd(&out[p], ${val});`];
  const op = mode === "add" ? "+" : "*";
  const [load, store] = dtype === "float32" ? ["bitcast<f32>(old)", (x: string) => `bitcast<u32>(${x})`] : ["old", (x: string) => x];
  return [
    `  loop {`,
    `    let old = atomicLoad(&out[p]);`,
    `    let r = atomicCompareExchangeWeak(&out[p], old, ${store(`${load} ${op} ${val}`)});`,
    `    if (r.exchanged) { break; }`,
    `  }`,
  ];
}

/** The check code of an int64 accumulation that left 32 bits (combineInto's overflowCode). */
function overflowCheck(op: string, x: Tensor): number {
  return runtime().check((v) => new DTypeError(int64RangeMessage(`${op} (int64 [${x.shape.join(", ")}])`, `result (an element held ${v} and the update overflowed)`)));
}

function outDecl(binding: number, mode: "none" | "add" | "multiply", dtype: GpuDType): string {
  const st = storageType(dtype);
  const elem = mode === "none" ? st : `atomic<${dtype === "int32" || dtype === "int64" ? "i32" : "u32"}>`;
  return `@group(0) @binding(${binding}) var<storage, read_write> out: array<${elem}>;`;
}

export function scatter(inputs: readonly Tensor[], attrs: PrimitiveAttrs["scatter"]): Tensor[] {
  const [x, index, src0] = inputs as [Tensor, Tensor, Tensor];
  const axis = attrs.axis;
  checkIndexShape("scatter", index, x, axis);
  checkIndexShape("scatter", index, src0, -1);
  indexDType("scatter", inputs, index);
  const dtype = gpuDType("scatter", x.dtype);
  if (dtype === "float16" && attrs.reduce !== "none") {
    // accumulate in float32 and round once, as the CPU does (see the top of this file)
    const wide = scatter([widen(x), index, widen(src0)], attrs)[0]!;
    return cast([wide], { dtype: "float16" });
  }
  const src = src0.dtype === x.dtype ? src0 : cast([src0], { dtype: x.dtype })[0]!;
  const out = copy([x])[0]!;
  const n = index.numel(), nd = index.ndim, size = x.shape[axis]!;
  if (n === 0) return [out];
  const rt = runtime();
  const code = rt.check(indexError(attrs.index, (v) => `scatter: index ${v} is out of bounds for dimension ${axis} with size ${size} (input shape ${fmtShape(x.shape)})`));
  const os = out.strides.map((s, d) => (d === axis ? 0 : s));
  // meta: [n, size, code, srcOff, outAxisStride, iOff, shape..., iStrides..., srcStrides..., outStrides (axis: 0)...]
  const metaHead = [n, size, code, src.offset, out.strides[axis]!, index.offset, ...index.shape, ...index.strides, ...src.strides, ...os];
  const meta = new Int32Array([...metaHead, dtype === "int64" && attrs.reduce !== "none" ? overflowCheck(`scatter (${attrs.reduce})`, x) : 0]);
  const b = binder();
  const S = b.bind(src), I = b.bind(index);
  const st = storageType(dtype);
  const negative = attrs.index?.negative ?? false;
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...b.decls,
    outDecl(b.mems.length + 1, attrs.reduce, dtype),
    errorFlagWgsl(b.mems.length + 2),
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let e = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  if (e >= mi[0]) { return; }`,
    `  var ip = mi[5]; var sp = mi[3]; var op = 0; var rem = e;`,
    ...Array.from({ length: nd }, (_, k) => nd - 1 - k).map(
      (d) => `  { let s = mi[${6 + d}]; let c = rem % s; rem = rem / s; ip += c * mi[${6 + nd + d}]; sp += c * mi[${6 + 2 * nd + d}]; op += c * mi[${6 + 3 * nd + d}]; }`,
    ),
    ...readIndex(I, negative, 2, "mi[1]"),
    `  let p = op + v * mi[4];`,
    `  let val: ${st} = ${S}[sp];`,
    ...combineInto(attrs.reduce, dtype, "val", `mi[${metaHead.length}]`),
    `}`,
  ].join("\n");
  const key = `scatter|${nd}|${dtype}|${attrs.reduce}|${b.decls.join("|")}|${negative}`;
  rt.launch({ key, wgsl }, meta, b.mems, memoryOf(out.storage), rt.grid(Math.ceil(n / WG)), true);
  return [out];
}

export function indexPut(inputs: readonly Tensor[], attrs: PrimitiveAttrs["indexPut"]): Tensor[] {
  const [dst, index, values0] = inputs as [Tensor, Tensor, Tensor];
  indexDType("indexPut", inputs, index);
  const dtype = gpuDType("indexPut", dst.dtype);
  const count = index.numel(), n = dst.numel();
  if (values0.numel() !== 1 && values0.numel() !== count) {
    throw new ShapeError(`indexPut: got ${values0.numel()} values (shape ${fmtShape(values0.shape)}) for ${count} indices; expected one value per index, or a single value`);
  }
  if (count === 0) return [dst];
  if (dtype === "float16" && attrs.accumulate) {
    // accumulate in float32 and round once into dst, as the CPU does (see the top of this file)
    const wide = indexPut([widen(dst), index, widen(values0)], attrs)[0]!;
    return assign([dst, cast([wide], { dtype: "float16" })[0]!]);
  }
  const values = copy([values0.dtype === dst.dtype ? values0 : cast([values0], { dtype: dst.dtype })[0]!])[0]!; // contiguous, never dst's own memory
  const idx = index.isContiguous() ? index : copy([index])[0]!;
  const rt = runtime();
  const code = rt.check(indexError(attrs.index, (v) => `indexPut: index ${v} is out of bounds for a tensor of ${n} elements (shape ${fmtShape(dst.shape)})`));
  const nd = dst.ndim;
  // meta: [count, n, code, dstOff, iOff, single value, shape..., dstStrides...]
  const metaHead = [count, n, code, dst.offset, idx.offset, values.numel() === 1 ? 1 : 0, ...dst.shape, ...dst.strides];
  const meta = new Int32Array([...metaHead, dtype === "int64" && attrs.accumulate ? overflowCheck("indexPut (accumulate)", dst) : 0]);
  const b = binder();
  const V = b.bind(values), I = b.bind(idx);
  const mode = attrs.accumulate ? "add" : "none";
  const negative = attrs.index?.negative ?? false;
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...b.decls,
    outDecl(b.mems.length + 1, mode, dtype),
    errorFlagWgsl(b.mems.length + 2),
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let k = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  if (k >= mi[0]) { return; }`,
    `  let ip = mi[4] + k;`,
    ...readIndex(I, negative, 2, "mi[1]"),
    `  var p = mi[3]; var rem = v;`,
    ...Array.from({ length: nd }, (_, j) => nd - 1 - j).map((d) => `  { let s = mi[${6 + d}]; p += (rem % s) * mi[${6 + nd + d}]; rem = rem / s; }`),
    `  let val: ${storageType(dtype)} = ${V}[select(k, 0, mi[5] == 1)];`,
    ...combineInto(mode, dtype, "val", `mi[${metaHead.length}]`),
    `}`,
  ].join("\n");
  const key = `indexPut|${nd}|${dtype}|${mode}|${b.decls.join("|")}|${negative}`;
  rt.launch({ key, wgsl }, meta, b.mems, memoryOf(dst.storage), rt.grid(Math.ceil(count / WG)), true);
  return [dst];
}

/**
 * WebGPU reductions (sum, prod, max, min over any axes, keepdim): one workgroup per output
 * element; its threads stride over the reduced elements (through the input's own strides, so
 * views reduce without a copy) and combine in workgroup memory as a tree. max/min propagate
 * NaN as torch.amax does. argmax/argmin (int32 positions) pick the first NaN, else the first
 * extreme, as the CPU's sequential scan does. int64 sums and products (int64 lives in 32 bits
 * here, wgsl.ts) are checked at every step: a result that does not fit raises at the next read.
 */
import { DTypeError, FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { errorFlagWgsl, memoryOf, type WebGPURuntime } from "./runtime.js";
import { INT64_OVERFLOW, computeType, convertTo, gpuDType, int64RangeMessage, storageType, type GpuDType } from "./wgsl.js";
import { PRELUDE } from "./wgsl.js";
import { coalesce } from "./elementwise.js";

const WG = 256;

export function reduce(inputs: readonly Tensor[], attrs: PrimitiveAttrs["reduce"]): Tensor[] {
  const x = inputs[0]!;
  const op = attrs.op;
  const dtype = gpuDType(`reduce (${op})`, x.dtype);
  if (op === "argmax" || op === "argmin") return [argReduce(x, attrs.axes[0]!, op, attrs.keepdim)];
  // int32 sums wrap as the CPU's stores do (exact modulo 2^32); int64 sums and products are
  // exact or raise (wgsl.ts: int64 lives in 32 bits here); int32 products stay on the CPU
  if ((op === "prod" && dtype !== "float32" && dtype !== "float16" && dtype !== "int64") || (op === "sum" && dtype === "bool")) unsupported(`reduce (${op})`, inputs, `${op} of ${dtype} is not computed on webgpu yet`);
  const axes = new Set(attrs.axes);
  const kept = x.shape.map((_, d) => d).filter((d) => !axes.has(d));
  const red = x.shape.map((_, d) => d).filter((d) => axes.has(d));
  const outShape = attrs.keepdim ? x.shape.map((s, d) => (axes.has(d) ? 1 : s)) : kept.map((d) => x.shape[d]!);
  const out = allocTensor("reduce", outShape, x.dtype);
  const nOut = out.numel();
  if (nOut === 0) return [out];
  let nRed = 1;
  for (const d of red) nRed *= x.shape[d]!;
  if (nRed === 0 && (op === "max" || op === "min")) {
    throw new FluxionError(`reduce (${op}): cannot reduce over a zero-size dimension (input shape [${x.shape.join(", ")}])`);
  }
  const k = coalesce(kept.map((d) => x.shape[d]!), [kept.map((d) => x.strides[d]!)]);
  const r = coalesce(red.map((d) => x.shape[d]!), [red.map((d) => x.strides[d]!)]);
  const nk = k.shape.length, nr = r.shape.length;
  // meta: [nOut, nRed, offset, keptShape..., keptStrides..., redShape..., redStrides...]
  const metaHead = [nOut, nRed, x.offset, ...k.shape, ...k.strides[0]!, ...r.shape, ...r.strides[0]!];
  const ct = computeType(dtype);
  const lowest = ct === "f32" ? "-inf_()" : "i32(-2147483647 - 1)", highest = ct === "f32" ? "inf_()" : "2147483647";
  const nanFirst = (cmp: string) => (ct === "f32" ? `select(b, a, a ${cmp} b || isnan_(a))` : `select(b, a, a ${cmp} b)`);
  const { init, combine } = {
    sum: { init: ct === "f32" ? "0.0" : "0", combine: "a + b" },
    prod: { init: ct === "f32" ? "1.0" : "1", combine: "a * b" },
    max: { init: lowest, combine: nanFirst(">") },
    min: { init: highest, combine: nanFirst("<") },
  }[op];
  const rt = runtime();
  const checked = int64Arithmetic(dtype, op, x, rt);
  const meta = new Int32Array([...metaHead, ...(checked ? [checked.code] : [])]);
  const st = storageType(dtype);
  const load = st === ct ? "inp[j]" : `${ct}(inp[j])`;
  const decode = (n: number, shapeAt: number, strideAt: number, idx: string, acc: string) => {
    const l: string[] = [];
    if (n === 0) return l;
    l.push(`  { var rem = ${idx};`);
    for (let d = n - 1; d >= 0; d--) l.push(`    { let s = mi[${shapeAt + d}]; ${acc} += (rem % s) * mi[${strideAt + d}]; rem = rem / s; }`);
    l.push(`  }`);
    return l;
  };
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    `@group(0) @binding(1) var<storage, read> inp: array<${st}>;`,
    `@group(0) @binding(2) var<storage, read_write> out: array<${st}>;`,
    ...(checked ? [errorFlagWgsl(3)] : []),
    PRELUDE,
    `var<workgroup> part: array<${ct}, ${WG}>;`,
    checked ? checked.combineFn(metaHead.length) : `fn combine(a: ${ct}, b: ${ct}) -> ${ct} { return ${combine}; }`,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {`,
    `  let o = i32(wg.x + wg.y * nwg.x);`,
    `  if (o >= mi[0]) { return; }`,
    `  var base = mi[2];`,
    ...decode(nk, 3, 3 + nk, "o", "base"),
    `  var acc: ${ct} = ${init};`,
    `  for (var r = i32(lid); r < mi[1]; r += ${WG}) {`,
    `    var j = base;`,
    ...decode(nr, 3 + 2 * nk, 3 + 2 * nk + nr, "r", "j").map((l) => "  " + l),
    `    acc = combine(acc, ${load});`,
    `  }`,
    `  part[lid] = acc;`,
    `  workgroupBarrier();`,
    `  for (var s = ${WG / 2}u; s > 0u; s = s / 2u) {`,
    `    if (lid < s) { part[lid] = combine(part[lid], part[lid + s]); }`,
    `    workgroupBarrier();`,
    `  }`,
    `  if (lid == 0u) { out[o] = ${convertTo("part[0]", ct, dtype)}; }`,
    `}`,
  ].join("\n");
  // the text depends on these only (the meta's layout follows from nk and nr)
  const key = `reduce|${op}|${dtype}|${nk}|${nr}|${checked ? 1 : 0}`;
  rt.launch({ key, wgsl }, meta, [memoryOf(x.storage)], memoryOf(out.storage), rt.grid(nOut), checked !== null);
  return [out];
}

/**
 * For int64 sums and products: the check's code (for the kernel's meta) and a combine function
 * that raises (at the next read, through the error flag; it reads the code from meta slot `at`)
 * where the exact result leaves the 32 bits int64 lives in here; null for other dtypes and ops.
 */
function int64Arithmetic(dtype: GpuDType, op: string, x: Tensor, rt: WebGPURuntime): { code: number; combineFn: (at: number) => string } | null {
  if (dtype !== "int64" || (op !== "sum" && op !== "prod")) return null;
  const code = rt.check((a) => new DTypeError(int64RangeMessage(`${op} (int64 [${x.shape.join(", ")}])`, `result (a partial ${op} reached ${a} and the next term overflowed)`)));
  const [v, failIf] = op === "sum" ? ["x + y", INT64_OVERFLOW.add!] : ["x * y", INT64_OVERFLOW.mul!];
  return { code, combineFn: (at) => `fn combine(x: i32, y: i32) -> i32 { let v = ${v}; if (${failIf}) { fail(mi[${at}], x); } return v; }` };
}

/**
 * Inclusive prefix sums and products along one axis (float32, float16, int64): one invocation
 * per row, walking it in order; float sums are compensated (Kahan), close to the CPU's float64
 * accumulation (float16 is read into f32 and each prefix rounded once, as the CPU stores it);
 * int64 ones exact or raising at the next read (int64 lives in 32 bits here).
 */
export function scan(inputs: readonly Tensor[], attrs: PrimitiveAttrs["scan"]): Tensor[] {
  const x = inputs[0]!;
  if (x.dtype !== "float32" && x.dtype !== "float16" && x.dtype !== "int64") unsupported(`scan (${attrs.op})`, inputs, "only float32, float16 and int64 on webgpu (PyTorch scans integers into int64)");
  const out = allocTensor("scan", x.shape, x.dtype);
  if (out.numel() === 0) return [out];
  const R = x.ndim === 0 ? 1 : x.shape[attrs.axis]!;
  const keptAxes = x.shape.map((_, d) => d).filter((d) => d !== attrs.axis);
  const k = coalesce(keptAxes.map((d) => x.shape[d]!), [keptAxes.map((d) => out.strides[d]!), keptAxes.map((d) => x.strides[d]!)]);
  const nk = k.shape.length;
  const rows = out.numel() / R;
  const xs = x.ndim === 0 ? 0 : x.strides[attrs.axis]!, os = x.ndim === 0 ? 0 : out.strides[attrs.axis]!;
  // meta: [rows, R, xOff, xAxisStride, outAxisStride, kept..., outStrides..., xStrides...]
  const metaHead = [rows, R, x.offset, xs, os, ...k.shape, ...k.strides[0]!, ...k.strides[1]!];
  const rt = runtime();
  const dtype = gpuDType("scan", x.dtype);
  const checked = int64Arithmetic(dtype, attrs.op, x, rt);
  const meta = new Int32Array([...metaHead, ...(checked ? [checked.code] : [])]);
  const ct = computeType(dtype), st = storageType(dtype);
  const step = checked
    ? `acc = combine(acc, v);`
    : attrs.op === "sum" ? `let yv = v - comp; let t = acc + yv; comp = (t - acc) - yv; acc = t;` : `acc = acc * v;`;
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    `@group(0) @binding(1) var<storage, read> inp: array<${st}>;`,
    `@group(0) @binding(2) var<storage, read_write> out: array<${st}>;`,
    ...(checked ? [errorFlagWgsl(3), checked.combineFn(metaHead.length)] : []),
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let r = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  if (r >= mi[0]) { return; }`,
    `  var po = 0; var pa = mi[2]; var rem = r;`,
    ...Array.from({ length: nk }, (_, j) => nk - 1 - j).map((d) => `  { let s = mi[${5 + d}]; let c = rem % s; rem = rem / s; po += c * mi[${5 + nk + d}]; pa += c * mi[${5 + 2 * nk + d}]; }`),
    `  var acc: ${ct} = ${attrs.op === "sum" ? "0" : "1"}; var comp: ${ct} = 0;`,
    `  for (var j = 0; j < mi[1]; j++) {`,
    `    let v = ${ct}(inp[pa + j * mi[3]]);`,
    `    ${step}`,
    `    out[po + j * mi[4]] = ${convertTo("acc", ct, dtype)};`,
    `  }`,
    `}`,
  ].join("\n");
  const key = `scan|${attrs.op}|${st}|${nk}|${checked ? 1 : 0}`;
  rt.launch({ key, wgsl }, meta, [memoryOf(x.storage)], memoryOf(out.storage), rt.grid(Math.ceil(rows / WG)), checked !== null);
  return [out];
}

/** argmax/argmin along one axis: one workgroup per output; candidates (value, position) combine in workgroup memory. */
function argReduce(x: Tensor, axis: number, op: "argmax" | "argmin", keepdim: boolean): Tensor {
  const dtype = gpuDType(`reduce (${op})`, x.dtype);
  if (x.ndim === 0) unsupported(`reduce (${op})`, [x], "a 0-d input");
  const R = x.shape[axis]!;
  if (R === 0) throw new FluxionError(`reduce (${op}): cannot reduce over a zero-size dimension (input shape [${x.shape.join(", ")}])`);
  const kept = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const outShape = keepdim ? x.shape.map((s, d) => (d === axis ? 1 : s)) : kept.map((d) => x.shape[d]!);
  const out = allocTensor("reduce", outShape, "int32");
  const nOut = out.numel();
  if (nOut === 0) return out;
  const k = coalesce(kept.map((d) => x.shape[d]!), [kept.map((d) => x.strides[d]!)]);
  const nk = k.shape.length;
  // meta: [nOut, R, offset, axisStride, keptShape..., keptStrides...]
  const meta = new Int32Array([nOut, R, x.offset, x.strides[axis]!, ...k.shape, ...k.strides[0]!]);
  const ct = computeType(dtype), st = storageType(dtype);
  const cmp = op === "argmax" ? ">" : "<";
  const nan = (v: string) => (ct === "f32" ? `isnan_(${v})` : "false");
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    `@group(0) @binding(1) var<storage, read> inp: array<${st}>;`,
    `@group(0) @binding(2) var<storage, read_write> out: array<i32>;`,
    PRELUDE,
    `var<workgroup> pv: array<${ct}, ${WG}>;`,
    `var<workgroup> pi: array<i32, ${WG}>;`,
    `// whether candidate (a, ia) goes before (b, ib): a NaN first, then the extreme, then the smaller position`,
    `fn better(a: ${ct}, ia: i32, b: ${ct}, ib: i32) -> bool {`,
    `  if (ib < 0) { return ia >= 0; }`,
    `  if (ia < 0) { return false; }`,
    `  if (${nan("a")} || ${nan("b")}) { return ${nan("a")} && (!${nan("b")} || ia < ib); }`,
    `  return a ${cmp} b || (a == b && ia < ib);`,
    `}`,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {`,
    `  let o = i32(wg.x + wg.y * nwg.x);`,
    `  if (o >= mi[0]) { return; }`,
    `  var base = mi[2];`,
    ...(nk > 0 ? [`  { var rem = o;`, ...Array.from({ length: nk }, (_, j) => nk - 1 - j).map((d) => `    { let s = mi[${4 + d}]; base += (rem % s) * mi[${4 + nk + d}]; rem = rem / s; }`), `  }`] : []),
    `  var bv: ${ct} = ${ct}(inp[base]); var bi = -1;`,
    `  for (var r = i32(lid); r < mi[1]; r += ${WG}) {`,
    `    let v = ${ct}(inp[base + r * mi[3]]);`,
    `    if (better(v, r, bv, bi)) { bv = v; bi = r; }`,
    `  }`,
    `  pv[lid] = bv; pi[lid] = bi;`,
    `  workgroupBarrier();`,
    `  for (var s = ${WG / 2}u; s > 0u; s = s / 2u) {`,
    `    if (lid < s && better(pv[lid + s], pi[lid + s], pv[lid], pi[lid])) { pv[lid] = pv[lid + s]; pi[lid] = pi[lid + s]; }`,
    `    workgroupBarrier();`,
    `  }`,
    `  if (lid == 0u) { out[o] = pi[0]; }`,
    `}`,
  ].join("\n");
  const rt = runtime();
  rt.launch({ key: `${op}|${dtype}|${nk}`, wgsl }, meta, [memoryOf(x.storage)], memoryOf(out.storage), rt.grid(nOut));
  return out;
}

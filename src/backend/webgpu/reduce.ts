/**
 * WebGPU reductions (sum, prod, max, min over any axes, keepdim): one workgroup per output
 * element; its threads stride over the reduced elements (through the input's own strides, so
 * views reduce without a copy) and combine in workgroup memory as a tree. max/min propagate
 * NaN as torch.amax does. argmax/argmin (int64 output) are not here yet.
 */
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { memoryOf } from "./runtime.js";
import { computeType, convertTo, gpuDType, storageType } from "./wgsl.js";
import { PRELUDE } from "./wgsl.js";
import { coalesce } from "./elementwise.js";

const WG = 256;

export function reduce(inputs: readonly Tensor[], attrs: PrimitiveAttrs["reduce"]): Tensor[] {
  const x = inputs[0]!;
  const op = attrs.op;
  const dtype = gpuDType(`reduce (${op})`, x.dtype);
  if (op === "argmax" || op === "argmin") unsupported(`reduce (${op})`, inputs, "int64 indices are not stored on webgpu yet");
  if ((op === "sum" || op === "prod") && dtype !== "float32") unsupported(`reduce (${op})`, inputs, `PyTorch sums ${dtype} into int64, which webgpu does not store yet`);
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
  const meta = new Int32Array([nOut, nRed, x.offset, ...k.shape, ...k.strides[0]!, ...r.shape, ...r.strides[0]!]);
  const ct = computeType(dtype);
  const lowest = ct === "f32" ? "-inf_()" : "i32(-2147483647 - 1)", highest = ct === "f32" ? "inf_()" : "2147483647";
  const nanFirst = (cmp: string) => (ct === "f32" ? `select(b, a, a ${cmp} b || isnan_(a))` : `select(b, a, a ${cmp} b)`);
  const { init, combine } = {
    sum: { init: "0.0", combine: "a + b" },
    prod: { init: "1.0", combine: "a * b" },
    max: { init: lowest, combine: nanFirst(">") },
    min: { init: highest, combine: nanFirst("<") },
  }[op];
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
  const code = [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    `@group(0) @binding(1) var<storage, read> inp: array<${st}>;`,
    `@group(0) @binding(2) var<storage, read_write> out: array<${st}>;`,
    PRELUDE,
    `var<workgroup> part: array<${ct}, ${WG}>;`,
    `fn combine(a: ${ct}, b: ${ct}) -> ${ct} { return ${combine}; }`,
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
  const rt = runtime();
  rt.launch(code, meta, [memoryOf(x.storage)], memoryOf(out.storage), rt.grid(nOut));
  return [out];
}

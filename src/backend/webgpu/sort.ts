/**
 * WebGPU sort along an axis: values and int32 positions, stable, NaN above everything (first
 * when descending), -0 equal to 0, as the CPU's. Each element finds its rank in its row by
 * counting the elements ordered before it (O(R²) a row: correct and simple, meant for the
 * modest rows of topk/median; a bitonic or radix sort is the faster follow-up). float32,
 * float16 (ordered by its exact float32 value, as the CPU widens it), int32 and int64; values
 * and positions go to two outputs, each of its own element type.
 */
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { allocTensor, runtime } from "./state.js";
import { memoryOf } from "./runtime.js";
import { copy } from "./elementwise.js";
import { gpuDType, storageType } from "./wgsl.js";
import { unsupported } from "./unsupported.js";

const WG = 256;

export function sort(inputs: readonly Tensor[], attrs: PrimitiveAttrs["sort"]): Tensor[] {
  const x0 = inputs[0]!;
  const dtype = gpuDType("sort", x0.dtype);
  if (dtype === "bool") unsupported("sort", inputs, "bool is not sorted on webgpu yet");
  const x = x0.isContiguous() && x0.offset === 0 ? x0 : copy([x0])[0]!;
  const n = x.numel();
  const R = x.ndim === 0 ? 1 : x.shape[attrs.axis]!;
  let inner = 1;
  for (let d = attrs.axis + 1; d < x.ndim; d++) inner *= x.shape[d]!;
  const values = allocTensor("sort", x.shape, x.dtype);
  const indices = allocTensor("sort", x.shape, "int32");
  const st = storageType(dtype);
  // floats (float16 widened exactly) order by their float32 bits: NaN above all, -0 as 0
  const keyFn = dtype === "float32" || dtype === "float16"
    ? `fn key(v0: ${st}) -> u32 { let b = bitcast<u32>(f32(v0)); if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; } if ((b & 0x7fffffffu) == 0u) { return 0x80000000u; } if ((b & 0x80000000u) != 0u) { return ~b; } return b | 0x80000000u; }`
    : `fn key(v: i32) -> u32 { return bitcast<u32>(v) ^ 0x80000000u; }`;
  // the text follows from the dtype and the direction
  const wgsl = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    `@group(0) @binding(1) var<storage, read> inp: array<${st}>;`,
    `@group(0) @binding(2) var<storage, read_write> vals: array<${st}>;`,
    `@group(0) @binding(3) var<storage, read_write> idx: array<i32>;`,
    keyFn,
    `fn ordered(v: ${st}) -> u32 { ${attrs.descending ? "return ~key(v);" : "return key(v);"} }`,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let e = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  if (e >= mi[0]) { return; }`,
    `  let R = mi[1]; let S = mi[2];`,
    `  let s = e % S; let i = (e / S) % R; let base = (e / (S * R)) * R * S + s;`,
    `  let k = ordered(inp[e]);`,
    `  var rank = 0;`,
    `  for (var j = 0; j < R; j++) {`,
    `    let kj = ordered(inp[base + j * S]);`,
    `    if (kj < k || (kj == k && j < i)) { rank++; }`,
    `  }`,
    `  let dst = base + rank * S;`,
    `  vals[dst] = inp[e];`,
    `  idx[dst] = i;`,
    `}`,
  ].join("\n");
  const rt = runtime();
  if (n > 0) rt.launch({ key: `sort|${dtype}|${attrs.descending}`, wgsl }, new Int32Array([n, R, inner]), [memoryOf(x.storage)], [memoryOf(values.storage), memoryOf(indices.storage)], rt.grid(Math.ceil(n / WG)));
  return [values, indices];
}

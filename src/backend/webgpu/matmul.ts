/**
 * WebGPU batched matmul: [...batch, M, K] x [...batch, K, N] -> [...batch, M, N], with the
 * fused epilogue of the primitive (a bias per row or column, then relu/gelu/geluTanh). A 16x16
 * workgroup computes a 16x16 output tile, staging 16x16 tiles of A and B in workgroup memory;
 * operands are read through their own strides (a transposed view multiplies without a copy).
 * Correctness first: one output per thread (register blocking is the next step for speed).
 */
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { memoryOf, type GpuMemory } from "./runtime.js";
import { PRELUDE, WGSL_UNARY } from "./wgsl.js";
import { coalesce } from "./elementwise.js";

const T = 16;

export function matmul(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"]): Tensor[] {
  const [a, b] = inputs as [Tensor, Tensor];
  const bias = attrs.bias ? inputs[2]! : null;
  for (const t of inputs) if (t.dtype !== "float32") unsupported("matmul", inputs, "only float32 is multiplied on webgpu yet");
  const nd = a.ndim;
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  const out = allocTensor("matmul", [...batchShape, M, N], "float32");
  let batch = 1;
  for (const s of batchShape) batch *= s;
  if (out.numel() === 0) return [out];
  const bat = coalesce(batchShape, [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2)]);
  const nb = bat.shape.length;
  // meta: [M, N, K, aOff, aSm, aSk, bOff, bSk, bSn, biasOff, biasStride, batchShape..., aBatchStrides..., bBatchStrides...]
  const meta = new Int32Array([
    M, N, K,
    a.offset, a.strides[nd - 2]!, a.strides[nd - 1]!,
    b.offset, b.strides[nd - 2]!, b.strides[nd - 1]!,
    bias ? bias.offset : 0, bias ? bias.strides[0]! : 0,
    ...bat.shape, ...bat.strides[0]!, ...bat.strides[1]!,
  ]);
  const mems: GpuMemory[] = [];
  const bind = (t: Tensor) => {
    const m = memoryOf(t.storage);
    let i = mems.indexOf(m);
    if (i < 0) i = mems.push(m) - 1;
    return `in${i}`;
  };
  const A = bind(a), B = bind(b), C = bias ? bind(bias) : "";
  const act = attrs.activation === "relu" ? WGSL_UNARY.relu!.f! : attrs.activation === "gelu" ? WGSL_UNARY.geluErf!.f! : attrs.activation === "geluTanh" ? WGSL_UNARY.geluTanh!.f! : "x";
  const batchDecode: string[] = [];
  if (nb > 0) {
    batchDecode.push(`  var rem = bi;`);
    for (let d = nb - 1; d >= 0; d--) {
      batchDecode.push(`  { let s = mi[${11 + d}]; let c = rem % s; rem = rem / s; aBase += c * mi[${11 + nb + d}]; bBase += c * mi[${11 + 2 * nb + d}]; }`);
    }
  }
  const code = [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...mems.map((_, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<f32>;`),
    `@group(0) @binding(${mems.length + 1}) var<storage, read_write> out: array<f32>;`,
    PRELUDE,
    `var<workgroup> As: array<array<f32, ${T}>, ${T}>;`,
    `var<workgroup> Bs: array<array<f32, ${T}>, ${T}>;`,
    `@compute @workgroup_size(${T}, ${T})`,
    `fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {`,
    `  let M = mi[0]; let N = mi[1]; let K = mi[2];`,
    `  let row = i32(wg.y * ${T}u + lid.y); let col = i32(wg.x * ${T}u + lid.x); let bi = i32(wg.z);`,
    `  let ly = lid.y; let lx = lid.x;`,
    `  var aBase = mi[3]; var bBase = mi[6];`,
    ...batchDecode,
    `  var acc = 0.0;`,
    `  for (var t = 0; t < K; t += ${T}) {`,
    `    let ak = t + i32(lx);`,
    `    var av = 0.0;`,
    `    if (row < M && ak < K) { av = ${A}[aBase + row * mi[4] + ak * mi[5]]; }`,
    `    As[ly][lx] = av;`,
    `    let bk = t + i32(ly);`,
    `    var bv = 0.0;`,
    `    if (col < N && bk < K) { bv = ${B}[bBase + bk * mi[7] + col * mi[8]]; }`,
    `    Bs[ly][lx] = bv;`,
    `    workgroupBarrier();`,
    `    for (var k = 0u; k < ${T}u; k++) { acc += As[ly][k] * Bs[k][lx]; }`,
    `    workgroupBarrier();`,
    `  }`,
    `  if (row < M && col < N) {`,
    `    var x = acc;`,
    attrs.bias === "col" ? `    x += ${C}[mi[9] + col * mi[10]];` : attrs.bias === "row" ? `    x += ${C}[mi[9] + row * mi[10]];` : "",
    `    out[(bi * M + row) * N + col] = ${act};`,
    `  }`,
    `}`,
  ].join("\n");
  const rt = runtime();
  const groups = [Math.ceil(N / T), Math.ceil(M / T), batch] as const;
  if (groups.some((g) => g > rt.maxWorkgroups)) unsupported("matmul", inputs, `the grid ${groups.join("x")} exceeds this device's ${rt.maxWorkgroups} workgroups a dimension`);
  rt.launch(code, meta, mems, memoryOf(out.storage), groups);
  return [out];
}

/**
 * WebGPU batched matmul: [...batch, M, K] x [...batch, K, N] -> [...batch, M, N], with the
 * fused epilogue of the primitive (a bias per row or column, then relu/gelu/geluTanh).
 * Register-blocked: a 16x16 workgroup computes a (16*TM)x(16*TN) output tile, each thread a
 * TMxTN block of accumulators, over K in steps of BK through workgroup memory. Thread (x, y)
 * owns rows y + 16i and columns x + 16j, so neighbouring threads read neighbouring words of
 * the staged tiles (no bank conflicts) and write neighbouring output columns. Operands are read
 * through their own strides (a transposed view multiplies without a copy); tile loads map
 * neighbouring threads to neighbouring k (A) and columns (B), contiguous for row-major operands.
 */
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { memoryOf, type GpuMemory } from "./runtime.js";
import { PRELUDE, WGSL_UNARY, convertTo, storageType } from "./wgsl.js";
import { coalesce } from "./elementwise.js";

/** Threads per workgroup side. */
const W = 16;

/** Rows and columns per thread and the K step: big blocks where the output has the tiles to fill the GPU. */
export function matmulBlocking(M: number, N: number): { TM: number; TN: number; BK: number } {
  if (M >= 512 && N >= 512) return { TM: 8, TN: 8, BK: 8 };
  if (M >= 64 && N >= 64) return { TM: 4, TN: 4, BK: 16 };
  return { TM: 1, TN: 1, BK: 16 };
}


export function matmul(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"]): Tensor[] {
  return matmulBlocked(inputs, attrs);
}

/** The matmul with `blocking` instead of matmulBlocking's choice (the tests run every blocking on small shapes). */
export function matmulBlocked(inputs: readonly Tensor[], attrs: PrimitiveAttrs["matmul"], blocking?: { TM: number; TN: number; BK: number }): Tensor[] {
  const [a, b] = inputs as [Tensor, Tensor];
  const bias = attrs.bias ? inputs[2]! : null;
  // float16 is read into f32 and accumulated there, rounded once at the store (as the CPU's half GEMMs)
  const dtype = a.dtype;
  if ((dtype !== "float32" && dtype !== "float16") || inputs.some((t) => t.dtype !== dtype)) unsupported("matmul", inputs, "only float32 and float16 (all operands alike) are multiplied on webgpu yet");
  const st = storageType(dtype);
  const load = (v: string) => (st === "f32" ? v : `f32(${v})`);
  const nd = a.ndim;
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  const batchShape = a.shape.slice(0, nd - 2);
  const out = allocTensor("matmul", [...batchShape, M, N], dtype);
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
  const { TM, TN, BK } = blocking ?? matmulBlocking(M, N);
  const TILE_M = W * TM, TILE_N = W * TN;
  // everything the text depends on: the pipeline is found by it, the text built once
  const key = `mm|${dtype}|${A},${B},${C}|${mems.length}|${attrs.bias ?? ""}|${attrs.activation ?? ""}|${nb}|${TM},${TN},${BK}`;
  const wgsl = (): string => {
    const batchDecode: string[] = [];
    if (nb > 0) {
      batchDecode.push(`  var rem = bi;`);
      for (let d = nb - 1; d >= 0; d--) {
        batchDecode.push(`  { let s = mi[${11 + d}]; let c = rem % s; rem = rem / s; aBase += c * mi[${11 + nb + d}]; bBase += c * mi[${11 + 2 * nb + d}]; }`);
      }
    }
    // tile elements each thread stages (the last round guarded where a tile is not a multiple of 256)
    const loadsA = Math.ceil((TILE_M * BK) / (W * W)), loadsB = Math.ceil((BK * TILE_N) / (W * W));
    const stopA = loadsA * W * W > TILE_M * BK ? ` if (e >= ${TILE_M * BK}) { break; }` : "";
    const stopB = loadsB * W * W > BK * TILE_N ? ` if (e >= ${BK * TILE_N}) { break; }` : "";
    return [
      `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
      ...mems.map((_, i) => `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${st}>;`),
      `@group(0) @binding(${mems.length + 1}) var<storage, read_write> out: array<${st}>;`,
      PRELUDE,
      // staged tiles, k-major: As[k][m], Bs[k][n]
      `var<workgroup> As: array<array<f32, ${TILE_M}>, ${BK}>;`,
      `var<workgroup> Bs: array<array<f32, ${TILE_N}>, ${BK}>;`,
      `@compute @workgroup_size(${W}, ${W})`,
      `fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {`,
      `  let M = mi[0]; let N = mi[1]; let K = mi[2];`,
      `  let row0 = i32(wg.y) * ${TILE_M}; let col0 = i32(wg.x) * ${TILE_N}; let bi = i32(wg.z);`,
      `  let tx = i32(lid.x); let ty = i32(lid.y); let t = i32(li);`,
      `  var aBase = mi[3]; var bBase = mi[6];`,
      ...batchDecode,
      `  var acc: array<array<f32, ${TN}>, ${TM}>;`,
      `  var a: array<f32, ${TM}>;`,
      `  var b: array<f32, ${TN}>;`,
      `  for (var k0 = 0; k0 < K; k0 += ${BK}) {`,
      `    for (var l = 0; l < ${loadsA}; l++) {`,
      `      let e = t + l * ${W * W};${stopA} let r = e / ${BK}; let kk = e % ${BK};`,
      `      let gr = row0 + r; let gk = k0 + kk;`,
      `      var v = 0.0;`,
      `      if (gr < M && gk < K) { v = ${load(`${A}[aBase + gr * mi[4] + gk * mi[5]]`)}; }`,
      `      As[kk][r] = v;`,
      `    }`,
      `    for (var l = 0; l < ${loadsB}; l++) {`,
      `      let e = t + l * ${W * W};${stopB} let kk = e / ${TILE_N}; let c = e % ${TILE_N};`,
      `      let gc = col0 + c; let gk = k0 + kk;`,
      `      var v = 0.0;`,
      `      if (gc < N && gk < K) { v = ${load(`${B}[bBase + gk * mi[7] + gc * mi[8]]`)}; }`,
      `      Bs[kk][c] = v;`,
      `    }`,
      `    workgroupBarrier();`,
      `    for (var kk = 0; kk < ${BK}; kk++) {`,
      `      for (var i = 0; i < ${TM}; i++) { a[i] = As[kk][ty + i * ${W}]; }`,
      `      for (var j = 0; j < ${TN}; j++) { b[j] = Bs[kk][tx + j * ${W}]; }`,
      `      for (var i = 0; i < ${TM}; i++) { for (var j = 0; j < ${TN}; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); } }`,
      `    }`,
      `    workgroupBarrier();`,
      `  }`,
      `  for (var i = 0; i < ${TM}; i++) {`,
      `    let row = row0 + ty + i * ${W};`,
      `    if (row >= M) { break; }`,
      `    for (var j = 0; j < ${TN}; j++) {`,
      `      let col = col0 + tx + j * ${W};`,
      `      if (col >= N) { break; }`,
      `      var x = acc[i][j];`,
      attrs.bias === "col" ? `      x += ${load(`${C}[mi[9] + col * mi[10]]`)};` : attrs.bias === "row" ? `      x += ${load(`${C}[mi[9] + row * mi[10]]`)};` : "",
      `      out[(bi * M + row) * N + col] = ${convertTo(act, "f32", dtype)};`,
      `    }`,
      `  }`,
      `}`,
    ].join("\n");
  };
  const rt = runtime();
  const groups = [Math.ceil(N / TILE_N), Math.ceil(M / TILE_M), batch] as const;
  if (groups.some((g) => g > rt.maxWorkgroups)) unsupported("matmul", inputs, `the grid ${groups.join("x")} exceeds this device's ${rt.maxWorkgroups} workgroups a dimension`);
  rt.launch({ key, wgsl }, meta, mems, memoryOf(out.storage), groups);
  return [out];
}

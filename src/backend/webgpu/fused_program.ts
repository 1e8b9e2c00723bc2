/**
 * compile()'s fused elementwise programs (primitive `fusedProgram`, src/backend/fused_program.ts)
 * as one generated WGSL kernel: one invocation per element of the program's shape loads each
 * input through its own strides (broadcast, views), runs the instructions in registers with
 * the same WGSL forms as the unfused unary/binary kernels (wgsl.ts, each wrapped in a function
 * of x, y, p0, p1; a scalar operand is read from the meta buffer as p0 is), and stores each
 * output: a new contiguous tensor, or in place into an input (bound read-write, read and
 * written through one binding). Every load of an element happens
 * before its stores, as the primitive's contract says. A program that needs more buffers than
 * the device binds at once runs as its decomposition (one kernel per instruction).
 *
 * A float16 program loads f16 into f32 registers, and rounds each instruction's result (and
 * each scalar operand) to float16 at once, as the eager kernels store every op's result: the
 * values of its unfused ops, bit for bit, without their round trips through memory.
 */
import type { Tensor } from "../../tensor/tensor.js";
import { fusedProgramDecomposed, type FusedProgramAttrs } from "../fused_program.js";
import { binaryExpr, coalesce, operandOf, unaryExpr } from "./elementwise.js";
import { memoryOf, type GpuMemory } from "./runtime.js";
import { allocTensor, runtime } from "./state.js";
import { PRELUDE, gpuDType, storageType, type GpuDType } from "./wgsl.js";

const WG = 256;

/**
 * Each program's WGSL per operand layout, kept on its instruction array: a compiled step's
 * programs and an optimizer's per-parameter updates run every call, so the text is built once
 * (and, the same string object each launch, its hash for the pipeline lookup too).
 */
const texts = new WeakMap<readonly unknown[], Map<string, string>>();

/** An instruction's WGSL form (the unfused kernels' expression) as a function of x, y, p0, p1 (f32 registers). */
function instrFunction(name: string, ins: FusedProgramAttrs["code"][number], dtype: GpuDType, inputs: readonly Tensor[]): string {
  if (ins.op === "load" || ins.op === "scalar") return "";
  const expr = ins.op === "unary" ? unaryExpr(ins.fn, dtype, inputs) : binaryExpr(ins.fn, undefined, dtype, inputs);
  return `fn ${name}(x: f32, y: f32, p0: f32, p1: f32) -> f32 { return ${expr}; }`;
}

export function fusedProgram(inputs: readonly Tensor[], a: FusedProgramAttrs): Tensor[] {
  const dtype = gpuDType("fusedProgram", a.dtype);
  const outs = a.outputs.map((o) => (o.inPlace !== undefined ? inputs[o.inPlace]! : allocTensor("fusedProgram", a.shape, dtype)));
  let n = 1;
  for (const s of a.shape) n *= s;
  if (n === 0) return outs;
  const rt = runtime();
  // bindings: each distinct memory once; those an output writes are read-write
  const mems: GpuMemory[] = [];
  const writable = new Set<number>();
  const slot = (m: GpuMemory) => {
    let i = mems.indexOf(m);
    if (i < 0) i = mems.push(m) - 1;
    return i;
  };
  const inSlot = inputs.map((t) => slot(memoryOf(t.storage)));
  const outSlot = outs.map((t) => slot(memoryOf(t.storage)));
  outSlot.forEach((s) => writable.add(s));
  if (mems.length + 2 > rt.device.limits.maxStorageBuffersPerShaderStage) return fusedProgramDecomposed(inputs, a);

  // operands over the program's shape: inputs broadcast, outputs at their own layout
  const all = [...inputs, ...outs];
  const { shape, strides } = coalesce(a.shape, all.map((t) => operandOf("fusedProgram", t, a.shape).strides));
  const cd = shape.length;
  // meta: [n, shape..., (offset, strides...) per operand, scalars as f32 bits...]
  const meta: number[] = [n, ...shape];
  all.forEach((t, k) => meta.push(t.offset, ...strides[k]!));
  const scalarAt = meta.length;
  const metaArr = new Int32Array(meta.length + a.scalars.length);
  metaArr.set(meta);
  new Float32Array(metaArr.buffer, scalarAt * 4, a.scalars.length).set(a.scalars);

  // read-only memories first, then the written ones: launch() binds inputs, then outputs
  const readOnly = mems.map((_, i) => i).filter((i) => !writable.has(i));
  const written = mems.map((_, i) => i).filter((i) => writable.has(i));
  const signature = `${dtype}|${cd}|${inputs.length}|${inSlot.join(",")}|${outSlot.join(",")}|${a.outputs.map((o) => o.reg).join(",")}|${mems.length}`;
  let byCode = texts.get(a.code);
  if (byCode === undefined) texts.set(a.code, (byCode = new Map()));
  let wgsl = byCode.get(signature);
  if (wgsl === undefined) byCode.set(signature, (wgsl = programWgsl(a, dtype, inputs, { cd, scalarAt, inSlot, outSlot, writable, readOnly, written, nOperands: all.length })));
  rt.launch(wgsl, metaArr, readOnly.map((i) => mems[i]!), written.map((i) => mems[i]!), rt.grid(Math.ceil(n / WG)));
  return outs;
}

/** Where a program's operands sit: what its WGSL text depends on besides the program. */
interface Layout {
  cd: number;
  scalarAt: number;
  inSlot: readonly number[];
  outSlot: readonly number[];
  writable: ReadonlySet<number>;
  readOnly: readonly number[];
  written: readonly number[];
  nOperands: number;
}

/** The program's WGSL over `g` (`inputs` only name the op in errors). */
function programWgsl(a: FusedProgramAttrs, dtype: GpuDType, inputs: readonly Tensor[], g: Layout): string {
  const { cd, scalarAt, inSlot, outSlot, writable, readOnly, written } = g;
  const half = dtype === "float16";
  // registers are f32; in a float16 program each value is rounded to float16 as it is made
  const rounded = (v: string) => (half ? `f32(f16_(${v}))` : v);
  const lines: string[] = [`@group(0) @binding(0) var<storage, read> mi: array<i32>;`];
  const order = [...readOnly, ...written];
  order.forEach((m, b) => lines.push(`@group(0) @binding(${b + 1}) var<storage, ${writable.has(m) ? "read_write" : "read"}> b${m}: array<${storageType(dtype)}>;`));
  lines.push(PRELUDE);
  a.code.forEach((ins, k) => {
    const f = instrFunction(`op${k}`, ins, dtype, inputs);
    if (f) lines.push(f);
  });
  lines.push(`@compute @workgroup_size(${WG})`);
  lines.push(`fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`);
  lines.push(`  let i = i32(gid.x + gid.y * nwg.x * ${WG}u);`);
  lines.push(`  if (i >= mi[0]) { return; }`);
  const base = (k: number) => 1 + cd + (1 + cd) * k;
  for (let k = 0; k < g.nOperands; k++) lines.push(`  var a${k} = mi[${base(k)}];`);
  if (cd > 0) {
    lines.push(`  var rem = i;`);
    for (let d = cd - 1; d >= 0; d--) {
      lines.push(`  { let c = rem % mi[${1 + d}]; rem = rem / mi[${1 + d}];`);
      for (let k = 0; k < g.nOperands; k++) lines.push(`    a${k} += c * mi[${base(k) + 1 + d}];`);
      lines.push(`  }`);
    }
  }
  const scalar = (s: number) => `bitcast<f32>(mi[${scalarAt + s}])`;
  a.code.forEach((ins, k) => {
    if (ins.op === "load") lines.push(`  let r${k} = f32(b${inSlot[ins.input]}[a${ins.input}]);`);
    else if (ins.op === "scalar") lines.push(`  let r${k} = ${rounded(scalar(ins.slot))};`);
    else {
      const p = ins.params ?? [];
      const args = [`r${ins.a}`, ins.op === "binary" ? `r${ins.b}` : "0.0", p[0] !== undefined ? scalar(p[0]) : "0.0", p[1] !== undefined ? scalar(p[1]) : "0.0"];
      lines.push(`  let r${k} = ${rounded(`op${k}(${args.join(", ")})`)};`);
    }
  });
  // (f16_ by bits: WGSL's f16() of an infinite f32 is undefined; the value is exact already)
  a.outputs.forEach((o, k) => lines.push(`  b${outSlot[k]}[a${inputs.length + k}] = ${half ? `f16_(r${o.reg})` : `r${o.reg}`};`));
  lines.push(`}`);
  return lines.join("\n");
}

/**
 * WebGPU cross entropy (the fused primitives crossEntropy and crossEntropyBackward; see
 * primitives.ts for the formulas, which these kernels follow). Their decomposition reads the
 * targets on the host to check them, which a GPU cannot do synchronously; here each kernel
 * checks its own target: one outside [0, C) that is not ignoreIndex gives a NaN loss and sets
 * the device-side error flag, so the next read raises the CPU's IndexError (runtime.ts). The
 * backward gives NaN there without flagging: its forward already did.
 *
 * Logits are seen as [outer, C, inner] (classes on dim 1, or dim 0 when 1-D); one invocation
 * per position (forward) or per logit (backward). The reduction ("sum", "mean") runs through
 * this backend's reduce and binary kernels.
 *
 * float16 logits (and weights, gradient and lse) are read into f32; everything runs in f32
 * (the per-position losses and the reduction too) and each output is rounded once to float16.
 * The CPU runs float16 cross entropy as the primitive's decomposition, rounding every step to
 * float16, so the two agree within a few float16 ulps, and these are the closer to the exact value.
 */
import { IndexError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { FusedPrimitiveAttrs } from "../primitives.js";
import { Tensor as TensorClass } from "../../tensor/tensor.js";
import { contiguousStrides } from "../../tensor/shape.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { errorFlagWgsl, memoryOf, type GpuMemory } from "./runtime.js";
import { PRELUDE, convertTo, storageType } from "./wgsl.js";
import { binary, cast, cat, copy } from "./elementwise.js";
import { reduce } from "./reduce.js";

const WG = 256;

/** t when contiguous from element 0, else a contiguous copy: the kernels index plain rows. */
function dense(t: Tensor): Tensor {
  return t.isContiguous() && t.offset === 0 ? t : copy([t])[0]!;
}

function view(t: Tensor, shape: readonly number[], offset: number): Tensor {
  return new TensorClass(t.storage, [...shape], contiguousStrides(shape), offset, t.dtype);
}

interface Geometry {
  /** The logits' shape, for messages. */
  shape: readonly number[];
  x: Tensor;
  /** The logits' (and weights') dtype. */
  dtype: "float32" | "float16";
  target: Tensor;
  weight: Tensor | null;
  C: number;
  inner: number;
  positions: number;
}

function geometry(op: string, inputs: readonly Tensor[], x0: Tensor, target0: Tensor, weight0: Tensor | null): Geometry {
  if ((x0.dtype !== "float32" && x0.dtype !== "float16") || (weight0 !== null && weight0.dtype !== x0.dtype)) {
    unsupported(op, inputs, "only float32 or float16 logits (and weights of the logits' dtype) on webgpu yet");
  }
  if (target0.dtype !== "int32" && target0.dtype !== "int64") unsupported(op, inputs, `class indices must be int32 or int64 (got ${target0.dtype})`);
  const classDim = x0.ndim === 1 ? 0 : 1;
  const C = x0.shape[classDim]!;
  let inner = 1;
  for (let d = classDim + 1; d < x0.ndim; d++) inner *= x0.shape[d]!;
  return { shape: x0.shape, x: dense(x0), dtype: x0.dtype, target: dense(target0), weight: weight0 ? dense(weight0) : null, C, inner, positions: target0.numel() };
}

/**
 * Binds the given buffers in order (each once) and names each tensor's array; `at(k, i)` reads
 * element i of tensor k, a float as f32 (float16 widened).
 */
function bindings(ts: readonly Tensor[]): { mems: GpuMemory[]; names: string[]; decls: string[]; at: (k: number, i: string) => string } {
  const mems: GpuMemory[] = [];
  const names = ts.map((t) => {
    const m = memoryOf(t.storage);
    let i = mems.indexOf(m);
    if (i < 0) i = mems.push(m) - 1;
    return `in${i}`;
  });
  const decls = mems.map((_, i) => {
    const t = ts[names.indexOf(`in${i}`)]!;
    return `@group(0) @binding(${i + 1}) var<storage, read> in${i}: array<${t.dtype === "float32" || t.dtype === "float16" ? storageType(t.dtype) : "i32"}>;`;
  });
  const at = (k: number, i: string) => (ts[k]!.dtype === "float16" ? `f32(${names[k]}[${i}])` : `${names[k]}[${i}]`);
  return { mems, names, decls, at };
}

/** Per position: [loss (P), lse (P), w_t (P)] in one buffer (w_t = 0 where ignored). */
function perPosition(g: Geometry, a: { ignoreIndex: number; labelSmoothing: number }): Tensor {
  const P = g.positions;
  const out = allocTensor("crossEntropy", [3 * P], "float32");
  const ts = g.weight ? [g.x, g.target, g.weight] : [g.x, g.target];
  const { mems, names, decls, at } = bindings(ts);
  const T = names[1]!;
  const X = (i: string) => at(0, i);
  const wAt = (c: string) => (g.weight ? at(2, c) : "1.0");
  const eps = a.labelSmoothing;
  const rt = runtime();
  const shape = fmtShape(g.shape);
  const check = rt.check((v) => new IndexError(`crossEntropy: target ${v} is out of bounds for ${g.C} classes (input shape ${shape}); labels must be in [0, ${g.C - 1}]`));
  const meta = new Int32Array([P, g.C, g.inner, a.ignoreIndex, 0, check]);
  new Float32Array(meta.buffer, 16, 1)[0] = eps;
  // the text follows from the bindings (their names and types) and whether eps is used
  const code = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...decls,
    `@group(0) @binding(${mems.length + 1}) var<storage, read_write> out: array<f32>;`,
    errorFlagWgsl(mems.length + 2),
    PRELUDE,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let i = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  let P = mi[0]; let C = mi[1]; let S = mi[2]; let eps = bitcast<f32>(mi[4]);`,
    `  if (i >= P) { return; }`,
    `  let base = (i / S) * C * S + i % S;`,
    `  var m = -inf_();`,
    `  for (var c = 0; c < C; c++) { let v = ${X("base + c * S")}; if (v > m || isnan_(v)) { m = v; } }`,
    `  var s = 0.0;`,
    `  for (var c = 0; c < C; c++) { s += exp(${X("base + c * S")} - m); }`,
    `  let lse = m + log_(s);`,
    `  let t = ${T}[i];`,
    `  var loss = 0.0; var wt = 0.0;`,
    `  if (t != mi[3]) {`,
    `    if (t < 0 || t >= C) { loss = nan_(); wt = nan_(); fail(mi[5], t); } else {`,
    `      wt = ${wAt("t")};`,
    `      loss = (1.0 - eps) * wt * (lse - ${X("base + t * S")});`,
    eps > 0 ? `      var sm = 0.0; for (var c = 0; c < C; c++) { sm += ${wAt("c")} * (lse - ${X("base + c * S")}); } loss += eps / f32(C) * sm;` : "",
    `    }`,
    `  }`,
    `  out[i] = loss; out[P + i] = lse; out[2 * P + i] = wt;`,
    `}`,
  ].join("\n");
  if (P > 0) rt.launch({ key: `ce|${decls.join("|")}|${names.join(",")}|${eps > 0}`, wgsl: code }, meta, mems, memoryOf(out.storage), rt.grid(Math.ceil(P / WG)), true);
  return out;
}

function sumAll(t: Tensor): Tensor {
  return reduce([t], { op: "sum", axes: t.shape.map((_, i) => i), keepdim: false })[0]!;
}

export function crossEntropy(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["crossEntropy"]): Tensor[] {
  const [x0, target0] = inputs as [Tensor, Tensor];
  const g = geometry("crossEntropy", inputs, x0, target0, a.weight ? inputs[2]! : null);
  const P = g.positions;
  const rows = perPosition(g, a);
  // float16 logits: the float32 results rounded once
  const out = (t: Tensor) => (x0.dtype === "float32" ? t : cast([t], { dtype: x0.dtype })[0]!);
  const loss = view(rows, target0.shape, 0), lse = out(view(rows, target0.shape, P));
  if (a.reduction === "none") return [out(loss), lse];
  const total = sumAll(loss);
  if (a.reduction === "sum") return [out(total), lse];
  return [out(binary([total, sumAll(view(rows, [P], 2 * P))], { op: "div" })[0]!), lse];
}

export function crossEntropyBackward(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["crossEntropyBackward"]): Tensor[] {
  const [g0, x0, target0, lse0] = inputs as [Tensor, Tensor, Tensor, Tensor];
  const geo = geometry("crossEntropyBackward", inputs, x0, target0, a.weight ? inputs[4]! : null);
  const { C, inner: S, positions: P } = geo;
  const eps = a.labelSmoothing;
  const grad = dense(g0), lse = dense(lse0);
  // "mean" divides by Σ w_t over the kept positions; label smoothing with weights needs Σ w
  const denom = a.reduction === "mean" ? sumAll(view(perPosition(geo, a), [P], 2 * P)) : null;
  const wsum = eps > 0 && geo.weight ? sumAll(geo.weight.dtype === "float32" ? geo.weight : cast([geo.weight], { dtype: "float32" })[0]!) : null;
  // the two scalars share one binding (a kernel may bind only 8 storage buffers on many devices)
  const scalars = [denom, wsum].filter((t): t is Tensor => t !== null).map((t) => view(t, [1], t.offset));
  const aux = scalars.length === 0 ? null : scalars.length === 1 ? scalars[0]! : cat(scalars, { axis: 0 })[0]!;
  const ts = [geo.x, geo.target, lse, grad, ...(aux ? [aux] : []), ...(geo.weight ? [geo.weight] : [])];
  const { mems, names, decls, at } = bindings(ts);
  const T = names[1]!;
  const A = aux ? names[4]! : null, wk = aux ? 5 : 4;
  const D = denom ? `${A}[0]` : null, WS = wsum ? `${A}[${denom ? 1 : 0}]` : null;
  const wAt = (c: string) => (geo.weight ? at(wk, c) : "1.0");
  const out = allocTensor("crossEntropyBackward", x0.shape, x0.dtype);
  const n = out.numel();
  const meta = new Int32Array([n, C, S, a.ignoreIndex, 0]);
  new Float32Array(meta.buffer, 16, 1)[0] = eps;
  const scale = `${at(3, a.reduction === "none" ? "i" : "0")}${D ? ` / ${D}` : ""}`;
  // the text follows from the bindings, the reduction, the auxiliary scalars and eps's use
  const key = `ce-backward|${decls.join("|")}|${names.join(",")}|${a.reduction}|${D}|${WS}|${eps > 0}`;
  const code = () => [
    `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
    ...decls,
    `@group(0) @binding(${mems.length + 1}) var<storage, read_write> out: array<${storageType(geo.dtype)}>;`,
    PRELUDE,
    `@compute @workgroup_size(${WG})`,
    `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
    `  let e = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
    `  let C = mi[1]; let S = mi[2]; let eps = bitcast<f32>(mi[4]);`,
    `  if (e >= mi[0]) { return; }`,
    `  let c = (e / S) % C;`,
    `  let i = (e / (C * S)) * S + e % S;`,
    `  let t = ${T}[i];`,
    `  var d = 0.0;`,
    `  if (t != mi[3]) {`,
    `    if (t < 0 || t >= C) { d = nan_(); } else {`,
    `      let wt = ${wAt("t")};`,
    `      let p = exp(${at(0, "e")} - ${at(2, "i")});`,
    `      var coef = (1.0 - eps) * wt;`,
    eps > 0 ? `      coef += eps / f32(C) * ${WS ?? "f32(C)"};` : "",
    `      d = p * coef - select(0.0, (1.0 - eps) * wt, c == t);`,
    eps > 0 ? `      d -= eps / f32(C) * ${wAt("c")};` : "",
    `      d = d * ${scale};`,
    `    }`,
    `  }`,
    `  out[e] = ${convertTo("d", "f32", geo.dtype)};`,
    `}`,
  ].join("\n");
  const rt = runtime();
  if (n > 0) rt.launch({ key, wgsl: code }, meta, mems, memoryOf(out.storage), rt.grid(Math.ceil(n / WG)));
  return [out];
}

/**
 * WebGPU sliding windows: im2col (unfold), col2im (fold, written as a gather over the windows
 * that cover each pixel: no atomics, deterministic), max pooling (values and int32 winning
 * positions, the CPU's tie and NaN rules), and conv2d's three passes composed from them and
 * the batched matmul exactly as the CPU composes its reference (cpu/conv.ts conv2dComposite).
 * Inputs are read through their strides.
 *
 * float32 and float16. The window kernels read float16 into f32 and store f16 (unfold and max
 * pooling copy values exactly; fold sums in f32 and rounds once), as the CPU runs them widened
 * to float32. A float16 convolution runs on float32 copies of its operands and rounds each
 * output once, as the CPU's native convolution does: f32 accumulation, one rounding.
 */
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { conv2dComposite, outputSize } from "../cpu/conv.js";
import { unsupported } from "./unsupported.js";
import { allocTensor, runtime } from "./state.js";
import { memoryOf } from "./runtime.js";
import { PRELUDE, convertTo, storageType } from "./wgsl.js";
import { copy, unary } from "./elementwise.js";
import { viaFloat32 } from "./via_float32.js";
import { matmul } from "./matmul.js";
import { reduce } from "./reduce.js";

const WG = 256;

type WindowDType = "float32" | "float16";

function floatDType(op: string, inputs: readonly Tensor[]): WindowDType {
  const d = inputs[0]!.dtype;
  if ((d !== "float32" && d !== "float16") || inputs.some((t) => t.dtype !== d)) unsupported(op, inputs, "only float32 and float16 (all operands alike) on webgpu yet");
  return d;
}

/** One invocation per output element of `outs[0]` (n of them); the kernel writes each output. */
function launch1(code: string, meta: number[], ins: readonly Tensor[], outs: readonly Tensor[], n: number): void {
  if (n === 0) return;
  const rt = runtime();
  const mems = [...new Set(ins.map((t) => memoryOf(t.storage)))];
  rt.launch(code, new Int32Array(meta), mems, outs.map((t) => memoryOf(t.storage)), rt.grid(Math.ceil(n / WG)));
}

/** The kernel's start: one input and the value output of `dtype` (and max pooling's positions). */
const HEAD = (dtype: WindowDType, positions = false) => [
  `@group(0) @binding(0) var<storage, read> mi: array<i32>;`,
  `@group(0) @binding(1) var<storage, read> in0: array<${storageType(dtype)}>;`,
  `@group(0) @binding(2) var<storage, read_write> out: array<${storageType(dtype)}>;`,
  ...(positions ? [`@group(0) @binding(3) var<storage, read_write> pos: array<i32>;`] : []),
  PRELUDE,
  `@compute @workgroup_size(${WG})`,
  `fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {`,
  `  let e = i32(gid.x + gid.y * nwg.x * ${WG}u);`,
  `  if (e >= mi[0]) { return; }`,
];

// The window kernels' WGSL, one text per dtype and the same for every call (the meta carries
// the geometry): built once, and one string object whose hash the pipeline lookup computes once.
const UNFOLD_WGSL = (dtype: WindowDType) => [
  ...HEAD(dtype),
  `  let C = mi[1]; let H = mi[2]; let W = mi[3]; let kh = mi[4]; let kw = mi[5]; let oh = mi[12]; let ow = mi[13];`,
  `  let L = oh * ow; let K = C * kh * kw;`,
  `  let l = e % L; let k = (e / L) % K; let nn = e / (L * K);`,
  `  let c = k / (kh * kw); let ki = (k / kw) % kh; let kj = k % kw;`,
  `  let iy = (l / ow) * mi[6] - mi[8] + ki * mi[10]; let ix = (l % ow) * mi[7] - mi[9] + kj * mi[11];`,
  `  var v = 0.0;`,
  `  if (iy >= 0 && iy < H && ix >= 0 && ix < W) { v = f32(in0[mi[14] + nn * mi[15] + c * mi[16] + iy * mi[17] + ix * mi[18]]); }`,
  `  out[e] = ${convertTo("v", "f32", dtype)};`,
  `}`,
].join("\n");

const FOLD_WGSL = (dtype: WindowDType) => [
  ...HEAD(dtype),
  `  let C = mi[1]; let H = mi[2]; let W = mi[3]; let kh = mi[4]; let kw = mi[5]; let oh = mi[12]; let ow = mi[13];`,
  `  let ix = e % W; let iy = (e / W) % H; let c = (e / (W * H)) % C; let nn = e / (W * H * C);`,
  `  var acc = 0.0;`,
  `  for (var ki = 0; ki < kh; ki++) {`,
  `    let ty = iy + mi[8] - ki * mi[10];`,
  `    if (ty < 0 || ty % mi[6] != 0 || ty / mi[6] >= oh) { continue; }`,
  `    for (var kj = 0; kj < kw; kj++) {`,
  `      let tx = ix + mi[9] - kj * mi[11];`,
  `      if (tx < 0 || tx % mi[7] != 0 || tx / mi[7] >= ow) { continue; }`,
  `      acc += f32(in0[mi[14] + ((nn * C + c) * kh * kw + ki * kw + kj) * oh * ow + (ty / mi[6]) * ow + tx / mi[7]]);`,
  `    }`,
  `  }`,
  `  out[e] = ${convertTo("acc", "f32", dtype)};`,
  `}`,
].join("\n");

const MAXPOOL_WGSL = (dtype: WindowDType) => [
  ...HEAD(dtype, true),
  `  let C = mi[1]; let H = mi[2]; let W = mi[3]; let kh = mi[4]; let kw = mi[5]; let oh = mi[12]; let ow = mi[13];`,
  `  let ox = e % ow; let oy = (e / ow) % oh; let c = (e / (ow * oh)) % C; let nn = e / (ow * oh * C);`,
  `  let base = mi[14] + nn * mi[15] + c * mi[16];`,
  `  var best = -inf_(); var at = -1;`,
  `  for (var i = 0; i < kh; i++) {`,
  `    let iy = oy * mi[6] - mi[8] + i * mi[10];`,
  `    if (iy < 0 || iy >= H) { continue; }`,
  `    var stop = false;`,
  `    for (var j = 0; j < kw; j++) {`,
  `      let ix = ox * mi[7] - mi[9] + j * mi[11];`,
  `      if (ix < 0 || ix >= W) { continue; }`,
  `      let v = f32(in0[base + iy * mi[17] + ix * mi[18]]);`,
  `      if (v > best || at < 0 || isnan_(v)) { best = v; at = iy * W + ix; if (isnan_(v)) { stop = true; break; } }`,
  `    }`,
  `    if (stop) { break; }`,
  `  }`,
  `  out[e] = ${convertTo("best", "f32", dtype)};`,
  `  pos[e] = at;`,
  `}`,
].join("\n");

const texts = new Map<string, string>();
/** The window kernel `kind`'s text for `dtype`, built on first use. */
function windowWgsl(kind: "unfold" | "fold" | "maxPool", dtype: WindowDType): string {
  const key = `${kind}|${dtype}`;
  let t = texts.get(key);
  if (t === undefined) texts.set(key, (t = (kind === "unfold" ? UNFOLD_WGSL : kind === "fold" ? FOLD_WGSL : MAXPOOL_WGSL)(dtype)));
  return t;
}

// window meta: [n, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, xOff, sN, sC, sH, sW]
function windowMeta(n: number, x: Tensor | null, C: number, H: number, W: number, a: { kernel: readonly number[]; stride: readonly number[]; padding: readonly number[]; dilation: readonly number[] }, oh: number, ow: number): number[] {
  return [n, C, H, W, ...a.kernel, ...a.stride, ...a.padding, ...a.dilation, oh, ow, x?.offset ?? 0, ...(x ? x.strides : [0, 0, 0, 0])];
}

export function unfold(inputs: readonly Tensor[], attrs: PrimitiveAttrs["unfold"]): Tensor[] {
  const dtype = floatDType("unfold", inputs);
  const x = inputs[0]!;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = attrs.kernel;
  const oh = outputSize(H, kh, attrs.stride[0], attrs.padding[0], attrs.dilation[0]), ow = outputSize(W, kw, attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
  const out = allocTensor("unfold", [N, C * kh * kw, oh * ow], dtype);
  const n = out.numel();
  launch1(windowWgsl("unfold", dtype), windowMeta(n, x, C, H, W, attrs, oh, ow), [x], [out], n);
  return [out];
}

export function fold(inputs: readonly Tensor[], attrs: PrimitiveAttrs["fold"]): Tensor[] {
  const dtype = floatDType("fold", inputs);
  const cols = inputs[0]!.isContiguous() ? inputs[0]! : copy([inputs[0]!])[0]!;
  const [N, K, L] = cols.shape as [number, number, number];
  const [kh, kw] = attrs.kernel, [H, W] = attrs.outputSize;
  const C = K / (kh * kw);
  const oh = outputSize(H, kh, attrs.stride[0], attrs.padding[0], attrs.dilation[0]), ow = outputSize(W, kw, attrs.stride[1], attrs.padding[1], attrs.dilation[1]);
  if (oh * ow !== L) unsupported("fold", inputs, `${L} blocks do not tile a ${H}x${W} output`);
  const out = allocTensor("fold", [N, C, H, W], dtype);
  const n = out.numel();
  // each pixel sums the columns of the windows covering it, in the CPU's (window-major) order
  launch1(windowWgsl("fold", dtype), windowMeta(n, cols, C, H, W, attrs, oh, ow), [cols], [out], n);
  return [out];
}

export function maxPool(inputs: readonly Tensor[], attrs: PrimitiveAttrs["maxPool"]): Tensor[] {
  const dtype = floatDType("maxPool", inputs);
  const x = inputs[0]!;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [oh, ow] = attrs.outputSize;
  const M = N * C * oh * ow;
  const values = allocTensor("maxPool", [N, C, oh, ow], dtype);
  const indices = allocTensor("maxPool", [N, C, oh, ow], "int32");
  launch1(windowWgsl("maxPool", dtype), windowMeta(M, x, C, H, W, attrs, oh, ow), [x], [values, indices], M);
  return [values, indices];
}

export function conv2d(inputs: readonly Tensor[], attrs: PrimitiveAttrs["conv2d"]): Tensor[] {
  floatDType("conv2d", inputs);
  // float16: on float32 copies, each float output rounded once (see the top)
  return viaFloat32(inputs, (wide) => {
    const ins = wide.map((t) => (t.isContiguous() ? t : copy([t])[0]!));
    return conv2dComposite(ins, attrs, "webgpu", { unfold, fold, matmul, reduce, maxPool, unary });
  });
}

/**
 * The native kernels' loader and typed wrappers: the only place the core touches the
 * N-API addons (native/). It imports no `node:` module: the addons are opened with
 * `process.dlopen` when running in Node.js, so bundlers and browsers see plain code and
 * simply get `null` here, and the TypeScript kernels run.
 *
 * Two addons, each looked for first in native/ (built by `npm install` / `npm rebuild
 * fluxion`, or `npm run build:native` in a clone) and then among the prebuilt binaries
 * shipped in the package (prebuilds/<platform>-<arch>/):
 * - fluxion_native.node, the kernels: pure N-API, so one binary serves every Node version;
 * - fluxion_alloc.node, the optional caching allocator of tensor storage: it uses V8's C++
 *   API, so it is used only under the Node.js ABI it was built for (its `abi` must equal
 *   process.versions.modules), never under Bun or Deno; without it storage is plain typed
 *   arrays.
 *
 * Not for: deciding which op goes native (the kernels in this folder do, per dtype/shape).
 * Environment: FLUXION_NATIVE=0 disables the addons; FLUXION_NATIVE_ISA=portable|avx2|avx512
 * and FLUXION_NATIVE_BF16=dot|convert force a kernel path (tests); FLUXION_NUM_THREADS
 * sets the initial thread count; FLUXION_NATIVE_ALLOC=0 turns off the caching allocator of
 * tensor storage and FLUXION_ALLOC_CACHE_MB caps its cache.
 */
import { FluxionError } from "../../errors.js";
import type { DType, TypedArray } from "../../tensor/dtype.js";
import type { BinaryOpName, UnaryOpName } from "../../ops/elementwise_table.js";
import type { PrimitiveAttrs, ReduceOpName } from "../primitives.js";

/** What the kernels addon exports (native/src/addon.cc). */
interface Addon {
  gemm(params: Float64Array, a: TypedArray, b: TypedArray, c: TypedArray, bias: TypedArray | null): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  setIsa(name: string): boolean;
  setBf16Mode(mode: string): boolean;
  info(): { isa: string; bf16Dot: boolean; supported: string[]; avx512bf16: boolean; defaultThreads: number; intTypes?: boolean };
  // native/src/binding_ewise.cc: false when the kernels do not handle the op/types
  /** bf16: 16-bit operands hold bfloat16 to compute with (native/src/bf16_ewise.cc). */
  elementwise(params: Float64Array, out: TypedArray, a: TypedArray, b: TypedArray | null, c: TypedArray | null, bf16?: boolean): boolean;
  reduce(params: Float64Array, out: TypedArray, a: TypedArray, bf16?: boolean): boolean;
  unfold(params: Float64Array, image: TypedArray, cols: TypedArray): boolean;
  fold(params: Float64Array, cols: TypedArray, image: TypedArray): boolean;
  maxPool(params: Float64Array, image: TypedArray, values: TypedArray, indices: Int32Array): boolean;
  scatter(params: Float64Array, out: TypedArray, index: Int32Array, src: TypedArray): number | false;
  /** native/src/gather.cc (absent in older builds). */
  resample?(params: Float64Array, x: TypedArray, index: Int32Array, weight: TypedArray | null, y: TypedArray): number | false;
  gather?(params: Float64Array, index: Int32Array | BigInt64Array, table: TypedArray | BigInt64Array, dense: TypedArray | BigInt64Array): number | false;
  /** native/src/scan.cc (absent in older builds). */
  scanRows?(params: Float64Array, x: TypedArray, out: TypedArray): boolean;
  conv2d(params: Float64Array, a: TypedArray, b: TypedArray, c: TypedArray | null, out0: TypedArray, out1: TypedArray | null): boolean;
}

/** What the optional allocator addon exports (native/alloc/allocator.cc). */
interface AllocAddon {
  /** NODE_MODULE_VERSION of the headers it was built against. */
  abi: number;
  allocBuffer(byteLength: number, zero: boolean): ArrayBuffer;
  allocatorStats(): NativeAllocatorStats;
  /** Detaches the buffer so its block returns to the cache now (absent in older builds). */
  releaseBuffer?(buffer: ArrayBuffer): boolean;
  setAllocatorCacheLimit(bytes: number): void;
  emptyAllocatorCache(): void;
  setAllocatorPoison(on: boolean): void;
  /** Absent in older builds; `eager` is ignored by builds before survivor-only pressure. */
  setAllocatorGcPressure?(p: number, eager?: boolean): void;
}

interface NodeProcess {
  versions?: { node?: string; modules?: string; bun?: string; deno?: string };
  release?: { name?: string };
  env: Record<string, string | undefined>;
  platform: string;
  arch: string;
  dlopen(module: { exports: unknown }, filename: string): void;
}

let addon: Addon | null | undefined;
let addonFile: string | null = null;
let unavailableReason = "";
let warned = false;
let threadsWithoutAddon = 1;

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

/**
 * The package's root folder: this file is <root>/src/backend/cpu/native.ts, or
 * <root>/dist/backend/cpu/native.js in the published package. (Not `new URL("...",
 * import.meta.url)`: bundlers would take that for an asset to copy.)
 */
function packageRoot(proc: NodeProcess): string | null {
  const url = import.meta.url;
  if (!url.startsWith("file:")) return null;
  let file = decodeURIComponent(new URL(url).pathname);
  if (proc.platform === "win32") file = file.replace(/^\/([A-Za-z]:)/, "$1");
  return file.split("/").slice(0, -4).join("/");
}

/**
 * Opens the first of `files` (relative to the package root) that loads and passes `accept`;
 * null with the reasons otherwise.
 */
function openAddon<T>(proc: NodeProcess, files: readonly string[], accept: (exports: T) => string | null): { exports: T; file: string } | { reasons: string[] } {
  const root = packageRoot(proc);
  if (root === null) return { reasons: [`not loaded from a file (${import.meta.url.slice(0, 40)})`] };
  const reasons: string[] = [];
  for (const rel of files) {
    const file = `${root}/${rel}`;
    try {
      const mod = { exports: {} as T };
      proc.dlopen(mod, file);
      const refused = accept(mod.exports);
      if (refused === null) return { exports: mod.exports, file };
      reasons.push(`${rel}: ${refused}`);
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0]!;
      reasons.push(`${rel}: ${/cannot open shared object|no such file|not find|ENOENT/i.test(msg) ? "not found" : msg}`);
    }
  }
  return { reasons };
}

/** The kernels addon, loaded on first use; null (with a reason) where it is missing or disabled. */
export function nativeAddon(): Addon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const proc = nodeProcess();
  if (!proc) {
    unavailableReason = "not running in Node.js";
    return null;
  }
  if (proc.env.FLUXION_NATIVE === "0") {
    unavailableReason = "disabled by FLUXION_NATIVE=0";
    return null;
  }
  const r = openAddon<Addon>(proc, ["native/build/Release/fluxion_native.node", `prebuilds/${proc.platform}-${proc.arch}/fluxion_native.node`],
    (x) => (typeof x.gemm === "function" ? null : "not Fluxion's kernels addon"));
  if ("exports" in r) {
    addon = r.exports;
    addonFile = r.file;
  } else {
    unavailableReason = `addon not built or not loadable (${r.reasons.join("; ")})`;
    if (!warned) {
      warned = true;
      // installed as a dependency: what to run in the user's project; in a clone: the repository's script
      const installed = (packageRoot(proc) ?? "").split("/").includes("node_modules");
      const hint = installed
        ? "To build them, run `npm rebuild fluxion` in your project (needs a C++ compiler, make and python3; " +
          "where npm blocks dependencies' install scripts, first `npm install-scripts approve fluxion`)."
        : "To build them, run `npm run build:native`.";
      console.warn(`fluxion: native CPU kernels unavailable: ${unavailableReason}; using the TypeScript kernels (slower). ${hint}`);
    }
  }
  return addon;
}

export interface NativeStatus {
  /** True when the addon is loaded and native kernels run. */
  active: boolean;
  /** Instruction set of the active kernels ("avx512", "avx2", "portable"), or null. */
  isa: string | null;
  /** Instruction sets this CPU supports (each can be forced with setNativeIsa). */
  supportedIsas: string[];
  /** Threads large ops called from this thread may use (see setNumThreads). */
  threads: number;
  /** Why the addon is not active ("" when it is). */
  reason: string;
  /** The kernels addon's file (native/build/... or prebuilds/...), or null. */
  binary: string | null;
  /** Whether tensor storage comes from the native caching allocator. */
  allocator: boolean;
}

/**
 * Which native kernels are active.
 * @example nativeStatus() // { active: true, isa: "avx512", supportedIsas: [...], threads: 2, reason: "", ... }
 */
export function nativeStatus(): NativeStatus {
  const a = nativeAddon();
  const allocator = storagePool() !== null;
  if (!a) return { active: false, isa: null, supportedIsas: [], threads: threadsWithoutAddon, reason: unavailableReason, binary: null, allocator };
  const info = a.info();
  return { active: true, isa: info.isa, supportedIsas: info.supported, threads: a.getNumThreads(), reason: "", binary: addonFile, allocator };
}

/** One line for `backends()`: e.g. "native (avx512, 2 threads) + TypeScript kernels". */
export function describeNative(): string {
  const s = nativeStatus();
  return s.active ? `native (${s.isa}, ${s.threads} thread${s.threads === 1 ? "" : "s"}) + TypeScript kernels` : `TypeScript kernels (native: ${s.reason})`;
}

/**
 * Sets how many threads large CPU ops may use (like torch.set_num_threads); small ops stay
 * on one thread. Defaults to the number of cores (or FLUXION_NUM_THREADS).
 *
 * The setting belongs to the calling JavaScript thread: calling it in a `Worker` changes
 * the ops that worker runs, not the main thread's (nor other workers'), and each new
 * worker starts at the default. The native thread pool itself is shared by the process,
 * so large ops started at the same moment from several threads take turns.
 * @example setNumThreads(1) // single-threaded benchmarks
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  const a = nativeAddon();
  if (a) a.setNumThreads(n);
  else threadsWithoutAddon = n;
}

/** Threads large CPU ops called from this thread may use (torch.get_num_threads). */
export function getNumThreads(): number {
  const a = nativeAddon();
  return a ? a.getNumThreads() : threadsWithoutAddon;
}

/**
 * Forces the native kernels of one instruction set ("portable", "avx2", "avx512") or
 * "auto" for the best; returns false (changing nothing) when the CPU lacks it or the
 * addon is not loaded. Meant for tests and benchmarks.
 */
export function setNativeIsa(isa: "portable" | "avx2" | "avx512" | "auto"): boolean {
  return nativeAddon()?.setIsa(isa) ?? false;
}

/** Forces bfloat16 GEMM to vdpbf16ps ("dot") or float32 conversion ("convert"), or "auto". */
export function setNativeBf16Mode(mode: "amx" | "dot" | "convert" | "auto"): boolean {
  return nativeAddon()?.setBf16Mode(mode) ?? false;
}

/**
 * Runs an addon call. The binding checks every size, stride and offset against the arrays
 * before a kernel touches them and throws on a mismatch (a bug above, or a direct call with
 * inconsistent attributes): that error becomes a FluxionError naming the kernel.
 */
function guarded<T>(kernel: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).replace(/^fluxion native: /, "");
    throw new FluxionError(`${kernel} (native kernel): ${msg.startsWith(`${kernel}: `) ? msg.slice(kernel.length + 2) : msg}`);
  }
}

export type GemmDType = "float32" | "float64" | "bfloat16";
export type GemmActivation = "none" | "relu" | "gelu" | "geluTanh";

/** A matrix operand in a typed array: element offset and row/column/batch strides. */
export interface GemmOperand {
  data: TypedArray;
  offset: number;
  rowStride: number;
  colStride: number;
  /** Stride between batch items (0 broadcasts one matrix over the batch). */
  batchStride?: number;
}

/** The fused epilogue: C = act(alpha * A·B + beta * C + bias). */
export interface GemmEpilogue {
  alpha?: number;
  /** 0 (the default) never reads C, so whatever C held (even NaN) is overwritten. */
  beta?: number;
  /** "col": bias[j] added to column j (nn.Linear); "row": bias[i] to row i (conv channels). */
  bias?: { data: TypedArray; offset: number; stride: number; kind: "row" | "col" };
  activation?: GemmActivation;
}

const DTYPE_CODE: Record<GemmDType, number> = { float32: 0, float64: 1, bfloat16: 2 };
const ACT_CODE: Record<GemmActivation, number> = { none: 0, relu: 1, gelu: 2, geluTanh: 3 };
const params = new Float64Array(23); // slot order: enum P in native/src/addon.cc

/**
 * Batched strided GEMM on the native kernels, in place on the typed arrays:
 *   C[b] = act(alpha * A[b] (M x K) · B[b] (K x N) + beta * C[b] + bias)   for b < batch.
 * bfloat16 arrays are Uint16Array bit patterns, accumulated in float32 and rounded once.
 * Returns false when the addon is not loaded (nothing is written then). Throws on strides
 * that reach outside an array.
 * @example nativeGemm("float32", 2, 2, 2, 1, {data: a, offset: 0, rowStride: 2, colStride: 1}, ...)
 */
export function nativeGemm(
  dtype: GemmDType, M: number, N: number, K: number, batch: number,
  a: GemmOperand, b: GemmOperand, c: GemmOperand, epilogue: GemmEpilogue = {},
): boolean {
  const native = nativeAddon();
  if (!native) return false;
  const p = params;
  p[0] = DTYPE_CODE[dtype]; p[1] = M; p[2] = N; p[3] = K; p[4] = batch;
  p[5] = a.offset; p[6] = a.rowStride; p[7] = a.colStride; p[8] = a.batchStride ?? 0;
  p[9] = b.offset; p[10] = b.rowStride; p[11] = b.colStride; p[12] = b.batchStride ?? 0;
  p[13] = c.offset; p[14] = c.rowStride; p[15] = c.colStride; p[16] = c.batchStride ?? 0;
  p[17] = epilogue.alpha ?? 1; p[18] = epilogue.beta ?? 0;
  const bias = epilogue.bias;
  p[19] = bias?.offset ?? 0; p[20] = bias?.stride ?? 0; p[21] = bias ? (bias.kind === "row" ? 1 : 2) : 0;
  p[22] = ACT_CODE[epilogue.activation ?? "none"];
  guarded("gemm", () => native.gemm(p, a.data, b.data, c.data, bias?.data ?? null));
  return true;
}

// ---- elementwise, reductions, im2col (native/src/binding_ewise.cc) ---------------------

/**
 * Unary op codes: index = the native enum UnaryOp (native/src/ewise.h); keep in sync. Table
 * ops marked `native: false` have no code: nativeElementwise declines them (TypeScript runs).
 */
export const NATIVE_UNARY_OPS: readonly UnaryOpName[] = [
  "neg", "abs", "sign", "floor", "ceil", "round", "trunc", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal",
  "sin", "cos", "tan", "tanh", "sigmoid", "erf", "relu", "leakyRelu", "geluErf", "geluTanh", "silu", "softplus",
  "clamp", "powScalar", "logicalNot", "isnan", "isfinite", "isinf", "log2", "log10", "exp2", "asin", "acos", "atan",
  "sinh", "cosh", "asinh", "acosh", "atanh", "sinc", "frac", "logit", "bitwiseNot",
];
/** Binary op codes: index = the native enum BinaryOp. */
export const NATIVE_BINARY_OPS: readonly BinaryOpName[] = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder", "eq", "ne", "lt", "le", "gt", "ge",
  "logicalAnd", "logicalOr", "logicalXor", "addScaled", "reluGrad", "fmod", "copysign", "logaddexp", "logaddexp2",
  "hypot", "xlogy", "lerp", "bitwiseAnd", "bitwiseOr", "bitwiseXor", "bitwiseLeftShift", "bitwiseRightShift",
  "sigmoidGrad",
];
const UNARY_CODE = new Map<string, number>(NATIVE_UNARY_OPS.map((n, i) => [n, i]));
const BINARY_CODE = new Map<string, number>(NATIVE_BINARY_OPS.map((n, i) => [n, i]));
const REDUCE_CODE: Record<ReduceOpName, number> = { sum: 0, prod: 1, max: 2, min: 3, argmax: 4, argmin: 5 };
/**
 * Element type codes (native EType); the half types are raw 16-bit moves only. uint8, int8
 * and int64 have codes only in an addon that reports `intTypes` (an older binary would
 * refuse the codes); without them those dtypes stay in the TypeScript kernels.
 */
const BASE_ETYPE: Partial<Record<DType, number>> = { float32: 0, float64: 1, int32: 2, bool: 3, bfloat16: 4, float16: 4 };
const INT_ETYPE: Partial<Record<DType, number>> = { uint8: 5, int8: 6, int64: 7 };
let ETYPE: Partial<Record<DType, number>> = BASE_ETYPE;
let intTypes: boolean | undefined;

/**
 * Whether the loaded addon computes uint8/int8/int64 and casts floats to integers as
 * PyTorch does (NaN and out-of-range to INT32_MIN/INT64_MIN); older builds wrapped like
 * JavaScript's ToInt32, so their float -> integer casts are not used.
 */
export function nativeIntTypes(): boolean {
  if (intTypes === undefined) {
    const a = nativeAddon();
    if (!a) return false;
    intTypes = a.info().intTypes === true;
    if (intTypes) ETYPE = { ...BASE_ETYPE, ...INT_ETYPE };
  }
  return intTypes;
}
const EW_KIND = { unary: 0, binary: 1, where: 2, convert: 3 } as const;
const MAX_DIMS = 6;

export type NativeEwKind = keyof typeof EW_KIND;

/** An operand of an elementwise kernel: its array, element offset and dtype. */
export interface NativeEwOperand {
  arr: TypedArray | BigInt64Array;
  offset: number;
  dtype: DType | "raw";
}

const ewParams = new Float64Array(44); // slot layout: Elementwise() in native/src/binding_ewise.cc

/**
 * out = op(ins...) elementwise on the native kernels, in place, over a collapsed `shape`
 * (at most 6 dims) with per-operand strides (`strides[0]` for out, then the inputs).
 * "convert" casts/copies in[0] into out. Returns false, writing nothing, when the addon
 * is missing or does not handle the op on these dtypes (the caller runs TypeScript then).
 */
export function nativeElementwise(
  kind: NativeEwKind, op: string | null, shape: readonly number[], ops: readonly NativeEwOperand[],
  strides: readonly (readonly number[])[], p0 = 0, p1 = 0,
): boolean {
  const native = nativeAddon();
  const nd = shape.length;
  if (!native || nd > MAX_DIMS) return false;
  nativeIntTypes(); // settles ETYPE for this addon
  const code = kind === "unary" ? UNARY_CODE.get(op!) : kind === "binary" ? BINARY_CODE.get(op!) : 0;
  if (code === undefined) return false;
  const p = ewParams;
  p[0] = EW_KIND[kind]; p[1] = code; p[2] = nd; p[3] = p0; p[4] = p1; p[5] = ops.length - 1;
  for (let k = 0; k < ops.length; k++) {
    const o = ops[k]!, s = strides[k]!;
    const type = o.dtype === "raw" ? undefined : ETYPE[o.dtype];
    if (type === undefined) return false;
    p[6 + 2 * k] = type;
    p[7 + 2 * k] = o.offset;
    for (let d = 0; d < nd; d++) p[20 + 6 * k + d] = s[d]!;
  }
  for (let d = 0; d < nd; d++) p[14 + d] = shape[d]!;
  // bfloat16 math and casts run widened to float32 blocks; where() and bf16 -> bf16 moves stay raw
  const bf16 = kind !== "where" && ops.some((o) => o.dtype === "bfloat16") && !(kind === "convert" && ops[0]!.dtype === ops[1]!.dtype);
  // a rounded bfloat16 division rounds the quotient to bfloat16 before truncating or flooring
  // (PyTorch's values), which the widened float32 kernel would not: the TypeScript kernel does it
  if (bf16 && kind === "binary" && op === "div" && p0 !== 0) return false;
  return guarded("elementwise", () => native.elementwise(p, ops[0]!.arr as TypedArray, ops[1]!.arr as TypedArray, (ops[2]?.arr ?? null) as TypedArray | null, (ops[3]?.arr ?? null) as TypedArray | null, bf16));
}

const reduceParams = new Float64Array(19); // slot layout: Reduce() in native/src/binding_ewise.cc

/**
 * out[k] = op over j < R of a[offset + base(k) + j * runStride], for k over the `kept`
 * sizes/strides (out contiguous over them); float64 accumulation. False when not handled.
 */
export function nativeReduce(
  op: ReduceOpName, inDtype: DType, outDtype: DType, kept: readonly number[], keptStrides: readonly number[],
  out: TypedArray | BigInt64Array, a: TypedArray | BigInt64Array, offset: number, R: number, runStride: number,
): boolean {
  const native = nativeAddon();
  const nd = kept.length;
  const inType = ETYPE[inDtype], outType = ETYPE[outDtype];
  if (!native || nd > MAX_DIMS || inType === undefined || outType === undefined) return false;
  const p = reduceParams;
  p[0] = REDUCE_CODE[op]; p[1] = inType; p[2] = outType; p[3] = nd; p[4] = offset; p[5] = R; p[6] = runStride;
  for (let d = 0; d < nd; d++) {
    p[7 + d] = kept[d]!;
    p[13 + d] = keptStrides[d]!;
  }
  return guarded("reduce", () => native.reduce(p, out as TypedArray, a as TypedArray, inDtype === "bfloat16"));
}

const scanParams = new Float64Array(6);

/**
 * The prefix sum or product of contiguous [outer, R, inner] float32/float64 rows (x from
 * `offset`) into contiguous `out` (native/src/scan.cc), the same bits as the reference's loop;
 * false when the addon is missing or predates the kernel, or for another dtype.
 */
export function nativeScan(op: "sum" | "prod", dtype: DType, outer: number, R: number, inner: number, x: TypedArray, offset: number, out: TypedArray): boolean {
  const native = nativeAddon();
  if (!native?.scanRows || (dtype !== "float32" && dtype !== "float64")) return false;
  const p = scanParams;
  p[0] = dtype === "float32" ? 0 : 1; p[1] = op === "sum" ? 0 : 1; p[2] = outer; p[3] = R; p[4] = inner; p[5] = offset;
  return guarded("scan", () => native.scanRows!(p, x, out));
}

/** Geometry of unfold/fold: [N, C, H, W] images, kernel, stride, padding, dilation, output size. */
export interface Im2colGeometry {
  N: number; C: number; H: number; W: number;
  kernel: readonly [number, number]; stride: readonly [number, number];
  padding: readonly [number, number]; dilation: readonly [number, number];
  oh: number; ow: number;
}

const im2colParamsBuffer = new Float64Array(16);

function im2colParams(dtype: DType, g: Im2colGeometry, srcOffset: number): Float64Array {
  const p = im2colParamsBuffer;
  p[0] = ETYPE[dtype]!; p[1] = g.N; p[2] = g.C; p[3] = g.H; p[4] = g.W;
  p[5] = g.kernel[0]; p[6] = g.kernel[1]; p[7] = g.stride[0]; p[8] = g.stride[1];
  p[9] = g.padding[0]; p[10] = g.padding[1]; p[11] = g.dilation[0]; p[12] = g.dilation[1];
  p[13] = g.oh; p[14] = g.ow; p[15] = srcOffset;
  return p;
}

function im2col(fn: "unfold" | "fold", dtype: DType, g: Im2colGeometry, src: TypedArray, srcOffset: number, dst: TypedArray): boolean {
  const native = nativeAddon();
  if (!native || (dtype !== "float32" && dtype !== "float64")) return false;
  return guarded(fn, () => native[fn](im2colParams(dtype, g, srcOffset), src, dst));
}

/** im2col of a contiguous image (from `offset`) into contiguous zeroed/any `cols`; false when not handled. */
export function nativeUnfold(dtype: DType, g: Im2colGeometry, image: TypedArray, offset: number, cols: TypedArray): boolean {
  return im2col("unfold", dtype, g, image, offset, cols);
}

/** col2im: sums contiguous `cols` (from `offset`) into the zero-filled contiguous `image`. */
export function nativeFold(dtype: DType, g: Im2colGeometry, cols: TypedArray, offset: number, image: TypedArray): boolean {
  return im2col("fold", dtype, g, cols, offset, image);
}

/**
 * Max pooling of a contiguous image (from `offset`): window maxima into contiguous `values`,
 * their flat positions in each input plane into `indices`; false when not handled.
 */
export function nativeMaxPool(dtype: DType, g: Im2colGeometry, image: TypedArray, offset: number, values: TypedArray, indices: Int32Array): boolean {
  const native = nativeAddon();
  if (!native || (dtype !== "float32" && dtype !== "float64")) return false;
  return guarded("maxPool", () => native.maxPool(im2colParams(dtype, g, offset), image, values, indices));
}

/** Sizes of a convolution: x [N, C, H, W], w [O, C, kh, kw], y [N, O, oh, ow]. */
export interface ConvGeometry extends Im2colGeometry {
  O: number;
}

const CONV_PASS = { forward: 0, input: 1, weight: 2 } as const;
const convParams = new Float64Array(27);

/**
 * A convolution pass on the native driver (native/src/conv.h), operands contiguous from
 * their offsets, outputs fresh and contiguous:
 * forward (x, w, bias | null) -> y (max-pooled when `pool` is given, with the int32 positions
 * of the maxima in out1 when that is not null); input (dy, w) -> dx; weight (x, dy) -> dw, db.
 * bfloat16 (Uint16Array bits) runs on the bfloat16 GEMM, summing in float32 and rounding each
 * output once. False when not handled (another dtype, or no addon).
 */
export function nativeConv2d(
  pass: keyof typeof CONV_PASS, dtype: DType, g: ConvGeometry, activation: "relu" | undefined,
  a: TypedArray, offA: number, b: TypedArray, offB: number, c: TypedArray | null, offC: number,
  out0: TypedArray, out1: TypedArray | null, pool: Pick<PrimitiveAttrs["maxPool"], "kernel" | "stride" | "outputSize"> | null = null,
): boolean {
  const native = nativeAddon();
  if (!native || (dtype !== "float32" && dtype !== "float64" && dtype !== "bfloat16")) return false;
  const p = convParams;
  p[0] = CONV_PASS[pass]; p[1] = DTYPE_CODE[dtype as GemmDType];
  p[2] = g.N; p[3] = g.C; p[4] = g.H; p[5] = g.W; p[6] = g.O;
  p[7] = g.kernel[0]; p[8] = g.kernel[1]; p[9] = g.stride[0]; p[10] = g.stride[1];
  p[11] = g.padding[0]; p[12] = g.padding[1]; p[13] = g.dilation[0]; p[14] = g.dilation[1];
  p[15] = g.oh; p[16] = g.ow; p[17] = ACT_CODE[activation ?? "none"];
  p[18] = offA; p[19] = offB; p[20] = offC;
  // forward's max-pooling epilogue: window, stride and pooled size (a zero window: none)
  p[21] = pool?.kernel[0] ?? 0; p[22] = pool?.kernel[1] ?? 0; p[23] = pool?.stride[0] ?? 0; p[24] = pool?.stride[1] ?? 0;
  p[25] = pool?.outputSize[0] ?? 0; p[26] = pool?.outputSize[1] ?? 0;
  return guarded("conv2d", () => native.conv2d(p, a, b, c, out0, out1));
}

const scatterParams = new Float64Array(10);

/**
 * Dense scatter(-add) along an axis: contiguous out [outer, size, inner] receives contiguous
 * src [outer, len, inner] at the int32 positions of index (same shape as src); with `fill`,
 * out is first set to that value block by block (else it already holds x). Returns -1 when
 * done, the position of the first out-of-range index (nothing written), or false when not
 * handled.
 */
export function nativeScatter(dtype: DType, geometry: { outer: number; size: number; len: number; inner: number }, add: boolean, fill: number | null, out: TypedArray, index: Int32Array, indexOffset: number, src: TypedArray, srcOffset: number): number | false {
  const native = nativeAddon();
  if (!native || (dtype !== "float32" && dtype !== "float64")) return false;
  const p = scatterParams;
  p[0] = ETYPE[dtype]!; p[1] = geometry.outer; p[2] = geometry.size; p[3] = geometry.len; p[4] = geometry.inner;
  p[5] = add ? 1 : 0; p[6] = indexOffset; p[7] = srcOffset; p[8] = fill === null ? 0 : 1; p[9] = fill ?? 0;
  return guarded("scatter", () => native.scatter(p, out, index, src));
}

// ---- general gather / scatter (native/src/gather.cc) ------------------------------------

/** An operand of nativeIndexed: its array, element offset and strides over the index's shape. */
export interface IndexedOperand {
  data: TypedArray | BigInt64Array;
  offset: number;
  strides: readonly number[];
}

const MAX_GATHER_DIMS = 12;
const gatherParams = new Float64Array(10 + 4 * MAX_GATHER_DIMS);
const GATHER_MODE = { gather: 0, set: 1, add: 2 } as const;

/**
 * The general gather / scatter along `axis` over the index's `shape` (any strides; int32 or
 * int64 index): "gather" writes dense[c] = table[c with axis -> index[c]]; "set" and "add"
 * write or add dense[c] into table[c with axis -> index[c]], destinations receiving their values in
 * row-major order (the TypeScript loops' sums). `table.strides` along the axis steps
 * over its `size` positions; negative indices count from the end when `negative`. Returns
 * -1 when done, the row-major position of the first index outside the range (the kernel
 * may have written part of its output), or false when not handled (no addon or an older one,
 * the dtypes, more than 12 dims, add on bool or 16-bit floats).
 */
export function nativeIndexed(
  mode: keyof typeof GATHER_MODE, dtype: DType, indexDtype: DType, negative: boolean, axis: number, size: number,
  shape: readonly number[], index: IndexedOperand, table: IndexedOperand, dense: IndexedOperand,
): number | false {
  const native = nativeAddon();
  const nd = shape.length;
  if (!native?.gather || nd < 1 || nd > MAX_GATHER_DIMS || !nativeIntTypes()) return false;
  const type = ETYPE[dtype], itype = ETYPE[indexDtype];
  if (type === undefined || (indexDtype !== "int32" && indexDtype !== "int64")) return false;
  if (mode === "add" && (dtype === "bool" || type === ETYPE.bfloat16)) return false;
  const p = gatherParams;
  p[0] = GATHER_MODE[mode]; p[1] = type; p[2] = itype!; p[3] = negative ? 1 : 0; p[4] = nd; p[5] = axis; p[6] = size;
  p[7] = index.offset; p[8] = table.offset; p[9] = dense.offset;
  for (let d = 0; d < nd; d++) {
    p[10 + d] = shape[d]!;
    p[10 + MAX_GATHER_DIMS + d] = index.strides[d]!;
    p[10 + 2 * MAX_GATHER_DIMS + d] = table.strides[d]!;
    p[10 + 3 * MAX_GATHER_DIMS + d] = dense.strides[d]!;
  }
  return guarded("gather", () => native.gather!(p, index.data as Int32Array | BigInt64Array, table.data, dense.data));
}

const resampleParams = new Float64Array(10);

/**
 * The resample primitive's native kernel (native/src/gather.cc): contiguous x, index [K, out],
 * weight [K, out] (null: K = 1) and a fresh contiguous y. Returns -1 when done, the position
 * in index of a value outside [0, size) (nothing computed), or false when not handled.
 */
export function nativeResample(
  dtype: DType, g: { outer: number; size: number; out: number; inner: number; K: number; transpose: boolean },
  x: { storage: { data: unknown }; offset: number }, index: { storage: { data: unknown }; offset: number },
  weight: { storage: { data: unknown }; offset: number } | null, y: { storage: { data: unknown } },
): number | false {
  const native = nativeAddon();
  if (!native?.resample || (dtype !== "float32" && dtype !== "float64")) return false;
  const p = resampleParams;
  p[0] = dtype === "float32" ? 0 : 1; p[1] = g.outer; p[2] = g.size; p[3] = g.out; p[4] = g.inner; p[5] = g.K; p[6] = g.transpose ? 1 : 0;
  p[7] = x.offset; p[8] = index.offset; p[9] = weight?.offset ?? 0;
  return guarded("resample", () => native.resample!(p, x.storage.data as TypedArray, index.storage.data as Int32Array, (weight?.storage.data ?? null) as TypedArray | null, y.storage.data as TypedArray));
}

// ---- tensor storage: the caching allocator (native/src/allocator.cc) --------------------

/**
 * Buffers smaller than this stay plain typed arrays: V8 serves them from its own heap
 * cheaply, and the call into the addon would cost more than it saves.
 */
export const POOLED_MIN_BYTES = 16384;

/** Counters of the caching allocator, in bytes of block capacity. */
export interface NativeAllocatorStats {
  /** Held in the free lists, ready for reuse. */
  cachedBytes: number;
  /** Handed out to ArrayBuffers that the GC has not collected yet. */
  liveBytes: number;
  /** The cap on cachedBytes. */
  cacheLimit: number;
  hits: number;
  misses: number;
  /** Blocks returned to the system to stay under the cap. */
  trimmed: number;
  /** GC pressure reported to V8 for live blocks that survived a GC (absent in older builds). */
  pressureBytes?: number;
  /** Blocks under pressure not reported yet: made since the GC before the last one. */
  pressurePendingBlocks?: number;
  /** V8's external-memory count of the calling isolate (absent in older builds). */
  v8ExternalBytes?: number;
}

let pool: AllocAddon | null | undefined;
let poolReason = "";

/** The allocator addon, loaded on first use (only where the kernels addon loaded); null where unavailable. */
function storagePool(): AllocAddon | null {
  if (pool !== undefined) return pool;
  pool = null;
  const proc = nodeProcess();
  if (!proc || !nativeAddon()) {
    poolReason = "no native kernels";
    return null;
  }
  const env = proc.env;
  if (env.FLUXION_NATIVE_ALLOC === "0") {
    poolReason = "disabled by FLUXION_NATIVE_ALLOC=0";
    return null;
  }
  // V8's C++ API: only in the Node.js whose ABI it was built for
  const abi = proc.versions?.modules;
  if (proc.release?.name !== "node" || proc.versions?.bun || proc.versions?.deno || !abi) {
    poolReason = "not Node.js";
    return null;
  }
  const r = openAddon<AllocAddon>(proc, ["native/alloc/build/Release/fluxion_alloc.node", `prebuilds/${proc.platform}-${proc.arch}/fluxion_alloc.abi${abi}.node`],
    (x) => (String(x.abi) === abi ? null : `built for Node ABI ${x.abi}, this is ${abi}`));
  if (!("exports" in r)) {
    poolReason = r.reasons.join("; ");
    return null;
  }
  pool = r.exports;
  const mb = Number(env.FLUXION_ALLOC_CACHE_MB);
  if (env.FLUXION_ALLOC_CACHE_MB !== undefined && Number.isFinite(mb) && mb >= 0) pool.setAllocatorCacheLimit(mb * 2 ** 20);
  const p = Number(env.FLUXION_ALLOC_GC_PRESSURE);
  pool.setAllocatorGcPressure?.(env.FLUXION_ALLOC_GC_PRESSURE !== undefined && Number.isFinite(p) && p >= 0 && p <= 63.75 ? p : DEFAULT_GC_PRESSURE,
    env.FLUXION_ALLOC_GC_PRESSURE_EAGER === "1");
  return pool;
}

/**
 * See setAllocatorGcPressure. Measured on bench/memory_case.ts at 2 threads, peak RSS above
 * baseline (shared machine, 2-3 runs each): SmallResNet +152..176 MB at 0, +130..159 at 1,
 * +107..112 at 2 and 3 (eager p = 1, the old default: +107..112); TransformerLM +84..107 at 0,
 * +87..128 at 2 (noisy), +85..87 at 3. Survivor-only pressure costs small ops little
 * (bench/gc_pressure.ts, 6 alternated runs each: CPU per add [64,128] 0.8-1.35x that of p = 0,
 * SimpleNet b64 step within noise; eager p = 1 took 2.5-4x the CPU per add and 1.3x per step).
 */
export const DEFAULT_GC_PRESSURE = 2;

/** Why the caching allocator is not active ("" when it is). */
export function nativeAllocatorReason(): string {
  return storagePool() ? "" : poolReason;
}

/**
 * An ArrayBuffer of exactly `byteLength` bytes from the caching allocator, zero-filled
 * when `zero`, else holding arbitrary old values; null when the allocator is off or the
 * buffer is small (the caller allocates a plain typed array then). Never freed by hand:
 * the block goes back to its free list when the GC collects the buffer.
 */
export function nativeStorageBuffer(byteLength: number, zero: boolean): ArrayBuffer | null {
  if (byteLength < POOLED_MIN_BYTES) return null;
  const p = pool === undefined ? storagePool() : pool;
  return p ? p.allocBuffer(byteLength, zero) : null;
}

/**
 * Gives a pooled buffer's block back to the cache now: the buffer is detached, so every typed
 * array over it has length 0 afterwards. Only for buffers nothing will touch again. False
 * when the allocator is off (the GC then frees the buffer as usual).
 */
export function nativeReleaseBuffer(buffer: ArrayBuffer): boolean {
  const p = pool === undefined ? storagePool() : pool;
  return p?.releaseBuffer?.(buffer) ?? false;
}

/** The allocator's counters, or null when it is off. */
export function nativeAllocatorStats(): NativeAllocatorStats | null {
  return storagePool()?.allocatorStats() ?? null;
}

/** Caps the bytes kept cached for reuse (cold blocks are returned to the system first). */
export function setAllocatorCacheLimit(bytes: number): void {
  if (!(bytes >= 0)) throw new RangeError(`setAllocatorCacheLimit: expected a non-negative byte count, got ${bytes}`);
  storagePool()?.setAllocatorCacheLimit(bytes);
}

/** Returns every cached block to the system (like torch.cuda.empty_cache). */
export function emptyAllocatorCache(): void {
  storagePool()?.emptyAllocatorCache();
}

/**
 * How hard the allocator pushes V8 to collect (default FLUXION_ALLOC_GC_PRESSURE, else
 * DEFAULT_GC_PRESSURE): each tensor buffer that survives a GC is reported to V8 as 1 + p
 * times its size, so its mark-compact, which frees tensors that autograd saved and released,
 * comes sooner. Higher: lower peak memory, more GC time. p in [0, 63.75]. Short-lived
 * buffers are not reported (they would keep V8's incremental marking running); `eager`
 * (FLUXION_ALLOC_GC_PRESSURE_EAGER=1) reports every buffer when it is made, as before.
 */
export function setAllocatorGcPressure(p: number, eager = false): void {
  if (!(p >= 0 && p <= 63.75)) throw new FluxionError(`setAllocatorGcPressure: p must be a number between 0 and 63.75, got ${p}`);
  storagePool()?.setAllocatorGcPressure?.(p, eager);
}

/** Tests: fill blocks with 0xff bytes as they are released, so a premature reuse shows. */
export function setAllocatorPoison(on: boolean): void {
  storagePool()?.setAllocatorPoison(on);
}

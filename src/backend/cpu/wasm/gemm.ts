/**
 * The WebAssembly SIMD float32 GEMM (the browser's fast CPU matmul; ./gemm_module.ts
 * generates the module): packs the operands, read through their strides, into a scratch
 * wasm memory that grows as needed and is reused across calls (the copies are O(n^2)
 * against the product's O(n^3)), runs the blocked kernel, and copies C out.
 *
 * When it runs: ../matmul.ts uses it for float32 where the native addon is not loaded (a
 * browser; Node with FLUXION_NATIVE=0) and the engine validates WebAssembly SIMD.
 * Environment (Node): FLUXION_WASM=0 turns it off (the TypeScript kernels run);
 * FLUXION_WASM=1 prefers it to the native addon (tests); FLUXION_WASM_RELAXED=0 keeps
 * to plain SIMD where relaxed-simd is available.
 */
import { gemmModule } from "./gemm_module.js";

/** A strided float32 matrix: element (i, j) is data[offset + i * rowStride + j * colStride]. */
export interface WasmMatrix {
  data: Float32Array;
  offset: number;
  rowStride: number;
  colStride: number;
}

/** Tile shapes: 6x8 fits x86's 16 vector registers with fused multiply-adds, 4x8 without. */
const TILE = { relaxed: { mr: 6, nv: 2 }, plain: { mr: 4, nv: 2 } } as const;
/** K block (a 6 x 256 A panel and an 8 x 256 B panel stay in L1) and row block, in tiles. */
const KC = 256, MC_TILES = 20;
const PAGE = 65536;

/** The parts of the WebAssembly JS API used here (the project's lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

type Pack = (src: number, strideP: number, strideK: number, count: number, K: number, dst: number) => void;

interface Engine {
  gemm: (ap: number, bp: number, cp: number, Mp: number, K: number, ldc: number, jBegin: number, jEnd: number, kc: number, mc: number) => void;
  packA: Pack;
  packB: Pack;
  memory: WasmMemory;
  mr: number;
  nr: number;
  relaxed: boolean;
  view: Float32Array;
}

let engine: Engine | null | undefined;
let unavailable = "";

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

function instantiate(wasm: WasmApi, relaxed: boolean): Engine | null {
  const tile = relaxed ? TILE.relaxed : TILE.plain;
  const bytes = gemmModule({ ...tile, relaxed });
  if (!wasm.validate(bytes)) return null;
  const memory = new wasm.Memory({ initial: 1 });
  const exports = new wasm.Instance(new wasm.Module(bytes), { env: { memory } }).exports;
  return { gemm: exports.gemm as Engine["gemm"], packA: exports.packA as Pack, packB: exports.packB as Pack, memory, mr: tile.mr, nr: tile.nv * 4, relaxed, view: new Float32Array(memory.buffer) };
}

function load(): Engine | null {
  if (engine !== undefined) return engine;
  engine = null;
  if (env("FLUXION_WASM") === "0") unavailable = "disabled by FLUXION_WASM=0";
  else if (!wasm) unavailable = "no WebAssembly in this engine";
  else {
    try {
      engine = (env("FLUXION_WASM_RELAXED") !== "0" ? instantiate(wasm, true) : null) ?? instantiate(wasm, false);
      if (!engine) unavailable = "the engine does not validate WebAssembly SIMD (simd128)";
    } catch (e) {
      unavailable = `WebAssembly SIMD module failed to load: ${(e as Error).message}`;
    }
  }
  return engine;
}

/** Whether the wasm GEMM can run here. */
export function wasmGemmAvailable(): boolean {
  return load() !== null;
}

/** Whether FLUXION_WASM=1 asks for the wasm GEMM ahead of the native one (read once: every matmul asks). */
export function wasmGemmPreferred(): boolean {
  return (preferred ??= env("FLUXION_WASM") === "1");
}
let preferred: boolean | undefined;

/** What runs (for describe()/diagnostics): the kernel flavour, or why none. */
export function describeWasmGemm(): { available: boolean; relaxed?: boolean; tile?: string; reason?: string } {
  const e = load();
  return e ? { available: true, relaxed: e.relaxed, tile: `${e.mr}x${e.nr}` } : { available: false, reason: unavailable };
}

function ensureBytes(e: Engine, bytes: number): Float32Array {
  const have = e.memory.buffer.byteLength;
  if (have < bytes) e.memory.grow(Math.ceil((bytes - have) / PAGE));
  if (e.view.buffer !== e.memory.buffer) e.view = new Float32Array(e.memory.buffer);
  return e.view;
}

/**
 * The elements [lo, hi] of `m.data` that a rows x cols matrix spans (strides may be
 * negative: flipped views), or null where they are too sparse to copy whole (a thin slice
 * of a large matrix), which are then packed here in JavaScript.
 */
function denseSpan(m: WasmMatrix, rows: number, cols: number): [number, number] | null {
  const dr = (rows - 1) * m.rowStride, dc = (cols - 1) * m.colStride;
  const lo = m.offset + Math.min(0, dr) + Math.min(0, dc), hi = m.offset + Math.max(0, dr) + Math.max(0, dc);
  return hi - lo + 1 <= 2 * rows * cols + 64 ? [lo, hi] : null;
}

/**
 * Packs `count` lines (rows of A, or columns of B: the line stride is strideP) of K
 * elements into panels of P at element `at` of the wasm memory, as the module's pack does
 * (zero lines pad count up to P). Dense operands are copied in raw at `rawAt` and packed by
 * the module; sparse ones are gathered here.
 */
function packPanels(e: Engine, pack: Pack, m: WasmMatrix, span: [number, number] | null, strideP: number, strideK: number, count: number, K: number, P: number, at: number, rawAt: number): void {
  if (span) {
    e.view.set(m.data.subarray(span[0], span[1] + 1), rawAt);
    pack((rawAt + m.offset - span[0]) * 4, strideP, strideK, count, K, at * 4);
    return;
  }
  const src = m.data, dst = e.view;
  for (let r = 0; r < count + ((P - (count % P)) % P); r++) {
    const base = at + (r - (r % P)) * K + (r % P);
    if (r >= count) for (let k = 0; k < K; k++) dst[base + k * P] = 0;
    else for (let k = 0, s = m.offset + r * strideP; k < K; k++, s += strideK) dst[base + k * P] = src[s]!;
  }
}

/**
 * out[outOffset + i*N + j] = sum_k A[i, k] * B[k, j] for i < M, j < N (every element
 * written; K = 0 gives zeros). Returns false when the wasm GEMM is not available.
 */
export function wasmGemmF32(M: number, N: number, K: number, a: WasmMatrix, b: WasmMatrix, out: Float32Array, outOffset: number): boolean {
  const e = load();
  if (!e) return false;
  if (M === 0 || N === 0) return true;
  if (K === 0) {
    out.fill(0, outOffset, outOffset + M * N);
    return true;
  }
  const { mr, nr } = e;
  const Mp = Math.ceil(M / mr) * mr, Np = Math.ceil(N / nr) * nr;
  const spanA = denseSpan(a, M, K), spanB = denseSpan(b, K, N);
  // in floats: packed A, packed B, C, then the raw copies of dense operands
  const ap = 0, bp = Mp * K, cp = bp + Np * K, rawA = cp + Mp * Np;
  const rawB = rawA + (spanA ? spanA[1] - spanA[0] + 1 : 0);
  const view = ensureBytes(e, (rawB + (spanB ? spanB[1] - spanB[0] + 1 : 0)) * 4);
  packPanels(e, e.packA, a, spanA, a.rowStride, a.colStride, M, K, mr, ap, rawA);
  packPanels(e, e.packB, b, spanB, b.colStride, b.rowStride, N, K, nr, bp, rawB);
  e.gemm(ap * 4, bp * 4, cp * 4, Mp, K, Np, 0, Np, KC, mr * MC_TILES);
  if (Np === N) out.set(view.subarray(cp, cp + M * N), outOffset);
  else for (let i = 0; i < M; i++) out.set(view.subarray(cp + i * Np, cp + i * Np + N), outOffset + i * N);
  return true;
}

/**
 * The WebAssembly SIMD GEMM (src/backend/cpu/wasm/): the generated module's size and
 * validity, the packed kernel against a float64 reference over odd, strided, transposed and
 * empty shapes and across its cache blocks, bit-for-bit determinism, both kernel flavours
 * (plain SIMD here; relaxed-simd's fused multiply-add in a child with V8's flag), and the
 * matmul primitive routed to it (FLUXION_WASM=1) — including the matmul and convolution
 * test files run whole on that path without the native addon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { gemmModule } from "../../src/backend/cpu/wasm/gemm_module.js";
import { describeWasmGemm, wasmGemmF32, type WasmMatrix } from "../../src/backend/cpu/wasm/gemm.js";

/** Deterministic values in [-1, 1), with a few exact zeros. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = i % 17 === 3 ? 0 : ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

type Layout = "row" | "col" | "strided" | "flipped" | "sparse";
const LAYOUTS: readonly Layout[] = ["row", "col", "strided", "flipped", "sparse"];

/**
 * An M x K (or K x N) matrix stored with the given layout inside a larger buffer: "row"
 * (row-major), "col" (column-major, i.e. a transposed view), "strided" (row-major with
 * padding between rows and elements, at an offset), "flipped" (rows in reverse: a negative
 * row stride) or "sparse" (a thin slice of a much wider matrix, too sparse to copy whole).
 */
function matrix(rows: number, cols: number, layout: Layout, seed: number): WasmMatrix & { at(i: number, j: number): number } {
  const strides: Record<Layout, [number, number]> = { row: [cols, 1], col: [1, rows], strided: [2 * cols + 3, 2], flipped: [-cols, 1], sparse: [50 * cols + 7, 1] };
  const [rowStride, colStride] = strides[layout];
  const offset = layout === "strided" ? 5 : layout === "flipped" ? Math.max(0, rows - 1) * cols : 0;
  const data = values(Math.max(0, rows - 1) * Math.abs(rowStride) + Math.max(0, cols - 1) * colStride + 6, seed);
  return { data, offset, rowStride, colStride, at: (i, j) => data[offset + i * rowStride + j * colStride]! };
}

function check(M: number, N: number, K: number, la: Layout, lb: Layout): Float32Array {
  const a = matrix(M, K, la, M * 31 + K), b = matrix(K, N, lb, K * 17 + N + 1);
  const out = new Float32Array(M * N + 2).fill(Number.NaN); // the sentinels past the end stay
  assert.equal(wasmGemmF32(M, N, K, a, b, out, 1), true);
  assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[M * N + 1]!), "writes only its M x N block");
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let ref = 0, mag = 0;
      for (let k = 0; k < K; k++) {
        ref += a.at(i, k) * b.at(k, j);
        mag += Math.abs(a.at(i, k) * b.at(k, j));
      }
      const got = out[1 + i * N + j]!;
      const tol = (K + 2) * 2 ** -23 * mag;
      assert.ok(Math.abs(got - ref) <= tol, `${M}x${K} @ ${K}x${N} (${la}, ${lb}) at (${i}, ${j}): ${got} vs ${ref} (tol ${tol})`);
    }
  }
  return out;
}

test("the generated GEMM modules validate and stay under 4 KB (synchronous compile on a browser's main thread)", () => {
  for (const relaxed of [false, true]) {
    for (const tile of [{ mr: 4, nv: 2 }, { mr: 6, nv: 2 }]) {
      const bytes = gemmModule({ ...tile, relaxed });
      assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
      assert.deepEqual([...bytes.subarray(0, 8)], [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
      // Node 20 validates relaxed-simd only behind --experimental-wasm-relaxed-simd
      if (!relaxed) assert.equal((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes), true);
    }
  }
  assert.equal(describeWasmGemm().available, true);
});

test("wasm GEMM matches a float64 reference: odd sizes, 1x1, vectors, every layout (transposed, strided, flipped, sparse)", () => {
  for (const [M, N, K] of [[1, 1, 1], [1, 9, 5], [7, 1, 3], [3, 5, 2], [5, 7, 9], [13, 17, 11], [6, 8, 4], [4, 16, 33]]) {
    for (const la of LAYOUTS) for (const lb of LAYOUTS) check(M!, N!, K!, la, lb);
  }
});

test("wasm GEMM across K blocks (K > 256), row blocks and many column panels", () => {
  check(131, 45, 300, "row", "row");
  check(97, 70, 513, "col", "strided");
  check(250, 9, 260, "strided", "col");
  check(40, 33, 270, "sparse", "flipped");
});

test("wasm GEMM with K = 0 writes zeros, and empty M or N writes nothing", () => {
  const out = new Float32Array(6).fill(7);
  const a = matrix(2, 0, "row", 1), b = matrix(0, 3, "row", 2);
  assert.equal(wasmGemmF32(2, 3, 0, a, b, out, 0), true);
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 0]);
  const untouched = new Float32Array(3).fill(7);
  assert.equal(wasmGemmF32(0, 3, 4, matrix(0, 4, "row", 1), matrix(4, 3, "row", 2), untouched, 0), true);
  assert.deepEqual([...untouched], [7, 7, 7]);
});

test("wasm GEMM propagates NaN and infinity (no skipped zeros)", () => {
  const a = { data: Float32Array.from([0, 1, Number.NaN, 1]), offset: 0, rowStride: 2, colStride: 1 };
  const b = { data: Float32Array.from([Infinity, 0, 1, 2]), offset: 0, rowStride: 2, colStride: 1 };
  const out = new Float32Array(4);
  wasmGemmF32(2, 2, 2, a, b, out, 0);
  // row 0: 0 * inf + 1 * 1 = NaN, 0 * 0 + 1 * 2 = 2; row 1: NaN everywhere
  assert.ok(Number.isNaN(out[0]!));
  assert.equal(out[1], 2);
  assert.ok(Number.isNaN(out[2]!) && Number.isNaN(out[3]!));
});

test("wasm GEMM is bit-for-bit deterministic, whatever ran before in its scratch memory", () => {
  const first = check(37, 29, 301, "row", "col");
  check(300, 200, 100, "row", "row"); // grows and dirties the scratch memory
  const again = check(37, 29, 301, "row", "col");
  assert.deepEqual(new Uint32Array(again.buffer), new Uint32Array(first.buffer));
});

/** Runs `code` (an ES module) in a child Node with the given flags and environment. */
function child(code: string, env: Record<string, string>, flags: string[] = []) {
  return spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });
}

const PROBE = `
import { describeWasmGemm, wasmGemmF32 } from "./src/backend/cpu/wasm/gemm.ts";
import { manualSeed, randn } from "./src/index.ts";
manualSeed(3);
const a = randn([2, 33, 70]), b = randn([70, 19]), bias = randn([19]);
const c = a.matmul(b);
const direct = new Float32Array(2 * 33 * 19);
const ad = a.toTypedArray(), bd = b.toTypedArray();
for (let t = 0; t < 2; t++) wasmGemmF32(33, 19, 70, { data: ad, offset: t * 33 * 70, rowStride: 70, colStride: 1 }, { data: bd, offset: 0, rowStride: 19, colStride: 1 }, direct, t * 33 * 19);
let maxErr = 0;
const cd = c.toTypedArray(), ref = a.double().matmul(b.double()).toTypedArray();
for (let i = 0; i < cd.length; i++) maxErr = Math.max(maxErr, Math.abs(cd[i] - ref[i]));
console.log(JSON.stringify({ info: describeWasmGemm(), sameAsDirect: cd.every((v, i) => Object.is(v, direct[i])), maxErr }));
`;

test("matmul runs on the wasm GEMM with FLUXION_WASM=1 (plain SIMD, and relaxed-simd's FMA where V8 enables it)", () => {
  for (const flags of [[], ["--experimental-wasm-relaxed-simd"]]) {
    const r = child(PROBE, { FLUXION_WASM: "1" }, flags);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(res.info.available, true);
    assert.equal(res.info.relaxed, flags.length > 0);
    assert.equal(res.info.tile, flags.length > 0 ? "6x8" : "4x8");
    assert.equal(res.sameAsDirect, true, "matmul's values are the wasm kernel's, bit for bit");
    assert.ok(res.maxErr < 1e-4, `max error ${res.maxErr}`);
  }
});

test("FLUXION_WASM=0 turns the wasm GEMM off, saying so", () => {
  const r = child(`import { describeWasmGemm } from "./src/backend/cpu/wasm/gemm.ts"; console.log(JSON.stringify(describeWasmGemm()));`, { FLUXION_WASM: "0" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { available: false, reason: "disabled by FLUXION_WASM=0" });
});

test("the matmul and convolution test files pass without the addon, on the wasm GEMM (as in a browser)", () => {
  const files = ["test/ops/linalg.test.ts", "test/nn/linear.test.ts", "test/ops/einsum.test.ts", "test/nn/conv.test.ts"];
  // without NODE_TEST_CONTEXT, which would make the child report to this runner instead of printing
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", ...files], { encoding: "utf8", env: { ...env, FLUXION_NATIVE: "0", FLUXION_WASM: "1" }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  assert.match(r.stdout, /# fail 0/);
});

/**
 * The native GEMM against the TypeScript reference kernel (matmulReference), on every
 * instruction-set path this CPU supports: edge sizes (1, primes, sizes off the tile and
 * past the cache blocks), transposed, strided and broadcast-batched operands, float64,
 * bfloat16 (AMX tiles, vdpbf16ps and the convert path, each forced on in turn) and the fused
 * epilogue.
 * Skipped when the addon is not built (CI builds it, and native_loader.test.ts checks that).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dispatch, type DType, type Tensor } from "../../src/index.js";
import { matmul, matmulReference } from "../../src/backend/cpu/matmul.js";
import { nativeGemm, type GemmOperand, nativeStatus, setNativeBf16Mode, setNativeIsa, setNumThreads, getNumThreads } from "../../src/backend/cpu/native.js";
import { isas, skip, status, withIsa } from "./native_helpers.js";
import { assertClose, randomTensor } from "../helpers.js";


function asStrided(t: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  return dispatch("view", [t], { shape, strides, offset });
}

/** Checks native vs reference for a ⋅ b (inputs already built, any strides). */
function check(a: Tensor, b: Tensor, msg: string): void {
  const got = matmul([a, b], {}, "cpu")[0]!;
  const want = matmulReference([a, b], {}, "cpu")[0]!;
  const K = a.shape[a.ndim - 1]!;
  if (a.dtype === "float64") assertClose(got.toTypedArray(), want.toTypedArray(), { atol: 1e-11 * K, rtol: 1e-12, msg });
  else if (a.dtype === "float32") assertClose(got.toTypedArray(), want.toTypedArray(), { atol: 2e-6 * K, rtol: 1e-5, msg });
  // bfloat16: both round the float32 sum once; summation order may move it by an ulp
  else assertClose(got.toTypedArray(), want.toTypedArray(), { atol: 1e-3 * K, rtol: 2 ** -7, msg });
}

function rand(shape: number[], dtype: DType, seed: number): Tensor {
  return randomTensor(shape, { seed, dtype: "float64" }).to(dtype);
}

// M picks the float32 tile height on AVX-512 (12 rows, or 8 where that pads less): both
// run here, and [152, 40, 1040] spans two row blocks and two K blocks of the 8-row family.
const SIZES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 1], [5, 1, 3], [2, 3, 4], [13, 17, 11], [31, 33, 29], [12, 32, 64],
  [97, 65, 130], [100, 1, 257], [1, 300, 200], [67, 129, 513], [64, 121, 288], [152, 40, 1040],
];

for (const isa of isas) {
  test(`native GEMM (${isa}) matches the TypeScript reference on edge sizes, float32 and float64`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 1;
      for (const dt of ["float32", "float64"] as const)
        for (const [M, N, K] of SIZES) check(rand([M, K], dt, seed++), rand([K, N], dt, seed++), `${isa} ${dt} ${M}x${K} · ${K}x${N}`);
    });
  });

  test(`native GEMM (${isa}) handles transposed and strided operands`, { skip }, () => {
    withIsa(isa, () => {
      const M = 37, K = 45, N = 53;
      const a = rand([M, K], "float32", 11), b = rand([K, N], "float32", 12);
      const aT = rand([K, M], "float32", 13).mT, bT = rand([N, K], "float32", 14).mT;
      check(aT, b, "Aᵀ·B");
      check(a, bT, "A·Bᵀ (nn.Linear)");
      check(aT, bT, "Aᵀ·Bᵀ");
      // every other row and column of a bigger buffer, starting at an offset
      const big = rand([2 * M + 1, 3 * K], "float32", 15);
      const aS = asStrided(big, [M, K], [2 * 3 * K, 2], 3 * K + 1);
      const bigB = rand([K * N * 2 + 5], "float32", 16);
      const bS = asStrided(bigB, [K, N], [1, 2 * K], 5);  // column-major with gaps
      check(aS, bS, "strided A · strided B");
      // the Linear weight gradient: xᵀ·dy with x [batch, in], dy [batch, out]
      const x = rand([64, 100], "float32", 17), dy = rand([64, 30], "float32", 18);
      check(x.mT, dy, "xᵀ·dy");
      // one or two rows skip packing: B's columns contiguous (a Linear weight), B's rows
      // contiguous, strided A, and K below and above the 16 interleaved sums
      for (const [m, k, n] of [[1, 784, 128], [2, 37, 5], [1, 7, 33]]) {
        const am = rand([m, k], "float64", 19), w = rand([n, k], "float64", 20), bm = rand([k, n], "float64", 21);
        check(am, w.mT, `${m}x${k} · Wᵀ`);
        check(am, bm, `${m}x${k} · ${k}x${n}`);
        check(rand([k, m], "float32", 22).mT, w.to("float32").mT, `strided ${m}x${k} · Wᵀ`);
      }
      // a B with neither layout takes the packed path
      const bX = asStrided(rand([4 * 9 * 8], "float32", 23), [9, 8], [2, 20], 0);
      check(rand([1, 9], "float32", 24), bX, "1x9 · strided B");
    });
  });

  test(`native GEMM (${isa}) runs batches, including stride-0 broadcast and non-mergeable batch strides`, { skip }, () => {
    withIsa(isa, () => {
      const a = rand([3, 4, 9, 7], "float32", 21), b = rand([3, 4, 7, 5], "float32", 22);
      check(a, b, "contiguous batch");
      const bOne = rand([7, 5], "float32", 23).expand([3, 4, 7, 5]);
      check(a, bOne, "B broadcast over the batch (stride 0)");
      const aOne = rand([1, 4, 9, 7], "float32", 24).expand([3, 4, 9, 7]);
      check(aOne, b, "A broadcast over the outer batch dim only");
      const aP = rand([4, 3, 9, 7], "float64", 25).permute([1, 0, 2, 3]);
      check(aP, rand([3, 4, 7, 5], "float64", 26), "permuted batch dims, float64");
      // many small items: spread over threads one GEMM each
      check(rand([64, 20, 24], "float32", 27), rand([64, 24, 20], "float32", 28), "64 small items");
    });
  });
}

// setNativeBf16Mode's type in native.ts predates "amx"; the addon accepts it.
const setBf16Mode = setNativeBf16Mode as (mode: "amx" | "dot" | "convert" | "auto") => boolean;
const amx = status.active && isas.includes("avx512") && setBf16Mode("amx");
if (status.active) setBf16Mode("auto");
const noAmx = skip || (amx ? false : "AMX-BF16 not available on this CPU/OS");
const bf16Modes = isas.includes("avx512") ? ([...(amx ? ["amx"] : []), "dot", "convert"] as const) : (["convert"] as const);

/** Runs fn with bfloat16 GEMM forced to `mode` (and the ISA to `isa`), restoring "auto". */
function withBf16Mode(mode: string, isa: string, fn: () => void): void {
  assert.ok(setNativeIsa(isa as "avx512"));
  assert.ok(setBf16Mode(mode as "amx"), `bfloat16 mode ${mode}`);
  try {
    fn();
  } finally {
    setBf16Mode("auto");
    setNativeIsa("auto");
  }
}

test("native bfloat16 GEMM matches float32 math on the rounded inputs (AMX, vdpbf16ps and convert paths)", { skip }, () => {
  for (const isa of isas)
    for (const mode of isa === "avx512" ? bf16Modes : (["convert"] as const))
      withBf16Mode(mode, isa, () => {
        let seed = 100;
        for (const [M, N, K] of [[1, 1, 1], [13, 17, 11], [31, 33, 30], [40, 70, 515]] as [number, number, number][]) {
          check(rand([M, K], "bfloat16", seed++), rand([K, N], "bfloat16", seed++), `bf16 ${isa}/${mode} ${M}x${K}x${N}`);
          check(rand([K, M], "bfloat16", seed++).mT, rand([N, K], "bfloat16", seed++).mT, `bf16 transposed ${isa}/${mode} ${M}x${K}x${N}`);
        }
      });
});

test("native bfloat16 GEMM on AMX: edge sizes around the 32 x 32 tile and the K step of 32, past the cache blocks", { skip: noAmx }, () => {
  withBf16Mode("amx", "avx512", () => {
    let seed = 300;
    const sizes: [number, number, number][] = [
      [1, 1, 1], [2, 3, 2], [16, 16, 32], [32, 32, 32], [33, 31, 33], [17, 47, 63], [64, 64, 64],
      [97, 65, 130], [1, 300, 200], [300, 1, 7], [37, 41, 1031], [259, 70, 33], [20, 2049, 40],
    ];
    for (const [M, N, K] of sizes) check(rand([M, K], "bfloat16", seed++), rand([K, N], "bfloat16", seed++), `amx ${M}x${K}x${N}`);
  });
});

test("native bfloat16 GEMM on AMX: transposed, strided and batched operands", { skip: noAmx }, () => {
  withBf16Mode("amx", "avx512", () => {
    const M = 37, K = 45, N = 53;
    const a = rand([M, K], "bfloat16", 311), b = rand([K, N], "bfloat16", 312);
    const aT = rand([K, M], "bfloat16", 313).mT, bT = rand([N, K], "bfloat16", 314).mT;
    check(aT, b, "amx Aᵀ·B");
    check(a, bT, "amx A·Bᵀ (nn.Linear)");
    check(aT, bT, "amx Aᵀ·Bᵀ");
    const big = rand([2 * M + 1, 3 * K], "bfloat16", 315);
    const aS = asStrided(big, [M, K], [2 * 3 * K, 2], 3 * K + 1);
    const bS = asStrided(rand([K * N * 2 + 5], "bfloat16", 316), [K, N], [1, 2 * K], 5);
    check(aS, bS, "amx strided A · strided B");
    check(rand([64, 100], "bfloat16", 317).mT, rand([64, 30], "bfloat16", 318), "amx xᵀ·dy");
    check(rand([3, 4, 9, 40], "bfloat16", 319), rand([3, 4, 40, 5], "bfloat16", 320), "amx contiguous batch");
    check(rand([3, 4, 9, 40], "bfloat16", 321), rand([40, 5], "bfloat16", 322).expand([3, 4, 40, 5]), "amx B broadcast over the batch");
    check(rand([64, 20, 24], "bfloat16", 323), rand([64, 24, 20], "bfloat16", 324), "amx 64 small items");
    const before = getNumThreads();
    try {
      for (const t of [1, 2]) {
        setNumThreads(t);
        check(rand([300, 600], "bfloat16", 325), rand([600, 700], "bfloat16", 326), `amx 300x600 · 600x700, ${t} threads`);
      }
    } finally {
      setNumThreads(before);
    }
  });
});

test("native bfloat16 GEMM fused epilogue (bias, activation, alpha/beta) agrees with AMX forced on and off", { skip }, () => {
  const M = 29, N = 41, K = 70;
  const a = rand([M, K], "bfloat16", 331), b = rand([N, K], "bfloat16", 332).mT;
  for (const mode of isas.includes("avx512") ? bf16Modes : (["convert"] as const))
    withBf16Mode(mode, isas.includes("avx512") ? "avx512" : "portable", () => {
      for (const [kind, len] of [["col", N], ["row", M]] as const)
        for (const activation of ["relu", "gelu", "geluTanh"] as const) {
          const bias = rand([len], "bfloat16", 333);
          const got = matmul([a, b, bias], { bias: kind, activation }, "cpu")[0]!;
          const want = matmulReference([a, b, bias], { bias: kind, activation }, "cpu")[0]!;
          // the reference rounds the product to bf16 before the bias; the kernel rounds once
          assertClose(got.toTypedArray(), want.toTypedArray(), { atol: 2e-2, rtol: 2 ** -6, msg: `bf16 ${mode} ${kind} bias ${activation}` });
        }
      // alpha and beta: C = 0.5 A·B + 2 C0, against float64 math on the bf16 inputs
      const C0 = rand([M, N], "bfloat16", 334);
      const C = (C0.storage.data as Uint16Array).slice();
      const A64 = a.to("float64").toTypedArray() as Float64Array, B64 = b.contiguous().to("float64").toTypedArray() as Float64Array;
      const C64 = C0.to("float64").toTypedArray() as Float64Array;
      assert.ok(nativeGemm("bfloat16", M, N, K, 1,
        { data: a.storage.data as Uint16Array, offset: a.offset, rowStride: a.strides[0]!, colStride: a.strides[1]! },
        { data: b.storage.data as Uint16Array, offset: b.offset, rowStride: b.strides[0]!, colStride: b.strides[1]! },
        { data: C, offset: 0, rowStride: N, colStride: 1 }, { alpha: 0.5, beta: 2 }));
      const want = epilogueRef(M, N, K, A64, B64, C64, 0.5, 2, null, "col", ACTS.none);
      const got = [...C].map((h) => new Float32Array(new Uint32Array([h << 16]).buffer)[0]!);
      assertClose(got, want, { atol: 1e-2, rtol: 2 ** -7, msg: `bf16 ${mode} alpha/beta` });
    });
});

test("FLUXION_NATIVE_ISA below AVX-512 turns the AMX and vdpbf16ps paths off", { skip }, () => {
  if (!isas.includes("avx2")) return;
  withIsa("avx2", () => {
    const a = rand([33, 70], "bfloat16", 341), b = rand([70, 35], "bfloat16", 342);
    check(a, b, "bf16 on avx2 (convert)");
    assert.equal(nativeStatus().isa, "avx2");
  });
});

test("native GEMM with threads matches the single-threaded result on large blocked products", { skip }, () => {
  const before = getNumThreads();
  try {
    // past every cache block: K > KC, M > MC, N > NC on the AVX-512 path; wide (threads
    // split the columns) and narrow (threads split the rows, sharing packed B)
    for (const [M, K, N] of [[150, 1100, 2100], [300, 1100, 100]]) {
      const a = rand([M, K], "float32", 31), b = rand([K, N], "float32", 32);
      setNumThreads(1);
      const one = matmul([a, b], {}, "cpu")[0]!;
      setNumThreads(2);
      const two = matmul([a, b], {}, "cpu")[0]!;
      assertClose(two.toTypedArray(), one.toTypedArray(), { atol: 1e-3, rtol: 1e-5 });
      check(a, b, `${M}x${K} · ${K}x${N}`);
    }
  } finally {
    setNumThreads(before);
  }
});

/** float64 reference for C = act(alpha A B + beta C0 + bias). */
function epilogueRef(M: number, N: number, K: number, A: Float64Array, B: Float64Array, C0: Float64Array, alpha: number, beta: number, bias: Float64Array | null, kind: "row" | "col", act: (x: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * K + k]! * B[k * N + j]!;
      let v = alpha * s + (beta === 0 ? 0 : beta * C0[i * N + j]!);
      if (bias) v += kind === "row" ? bias[i]! : bias[j]!;
      out.push(act(v));
    }
  return out;
}

/** erf by Simpson's rule on 2/√π ∫₀ˣ e^(-t²) dt (error far below the tolerances). */
const erf = (x: number): number => {
  const n = 4000, h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((2 / Math.sqrt(Math.PI)) * s * h) / 3;
};
const ACTS = {
  none: (x: number) => x,
  relu: (x: number) => Math.max(0, x),
  gelu: (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  geluTanh: (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
};

test("native GEMM fused epilogue: alpha, beta, row/column bias and activations (float64 and float32)", { skip }, () => {
  for (const isa of isas) {
    setNativeIsa(isa);
    let seed = 200;
    // [40, 200, 300]: one block of rows, split by columns over the threads (bias slices);
    // [64, 10, 300]: narrow, computed transposed (the row and column biases trade places)
    for (const [M, N, K] of [[5, 7, 3], [29, 41, 1100], [3, 2, 0], [40, 200, 300], [64, 10, 300]] as [number, number, number][]) {
      for (const act of ["none", "relu", "gelu", "geluTanh"] as const) {
        for (const kind of ["row", "col"] as const) {
          const [alpha, beta] = act === "none" ? [0.5, 2] : act === "relu" ? [1, 0] : [1.5, -1];
          const A = randomTensor([M * K], { seed: seed++ }).toTypedArray() as Float64Array;
          const B = randomTensor([K * N], { seed: seed++ }).toTypedArray() as Float64Array;
          const C0 = randomTensor([M * N], { seed: seed++ }).toTypedArray() as Float64Array;
          const bias = randomTensor([kind === "row" ? M : N], { seed: seed++ }).toTypedArray() as Float64Array;
          const want = epilogueRef(M, N, K, A, B, C0, alpha, beta, bias, kind, ACTS[act]);
          for (const dt of ["float64", "float32"] as const) {
            const Arr = dt === "float64" ? Float64Array : Float32Array;
            const C = Arr.from(C0);
            if (beta === 0) C.fill(NaN); // beta 0 must not read C
            assert.ok(nativeGemm(dt, M, N, K, 1,
              { data: Arr.from(A), offset: 0, rowStride: K, colStride: 1 },
              { data: Arr.from(B), offset: 0, rowStride: N, colStride: 1 },
              { data: C, offset: 0, rowStride: N, colStride: 1 },
              { alpha, beta, bias: { data: Arr.from(bias), offset: 0, stride: 1, kind }, activation: act }));
            const tol = dt === "float64" ? 1e-10 : 1e-4 * Math.max(1, K);
            assertClose(C, want, { atol: tol, rtol: dt === "float64" ? 1e-10 : 1e-4, msg: `${isa} ${dt} ${M}x${N}x${K} ${act} ${kind} bias` });
          }
        }
      }
    }
  }
  setNativeIsa("auto");
});

test("native GEMM rejects strides that reach outside the arrays, without writing", { skip }, () => {
  const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4).fill(7);
  assert.throws(() => nativeGemm("float32", 2, 2, 3, 1,
    { data: a, offset: 1, rowStride: 3, colStride: 1 },
    { data: b, offset: 0, rowStride: 2, colStride: 1 },
    { data: c, offset: 0, rowStride: 2, colStride: 1 }), /outside/);
  assert.throws(() => nativeGemm("float32", 2, 2, 3, 2,
    { data: a, offset: 0, rowStride: 3, colStride: 1, batchStride: 0 },
    { data: b, offset: 0, rowStride: 2, colStride: 1, batchStride: 0 },
    { data: c, offset: 0, rowStride: 2, colStride: 1, batchStride: 4 }), /outside/);
  assert.deepEqual([...c], [7, 7, 7, 7]);
});

/**
 * float64 reference for C[b] = act(A[b]·B[b] + bias) with every operand addressed by
 * (offset, row, column, batch) strides, read from the arrays given to the kernel.
 */
function stridedRef(M: number, N: number, K: number, batch: number, a: GemmOperand, b: GemmOperand, bias: ArrayLike<number> | null, relu: boolean): Float64Array {
  const out = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        const pa = a.offset + t * (a.batchStride ?? 0) + i * a.rowStride, pb = b.offset + t * (b.batchStride ?? 0) + j * b.colStride;
        for (let k = 0; k < K; k++) s += (a.data[pa + k * a.colStride] as number) * (b.data[pb + k * b.rowStride] as number);
        if (bias) s += bias[j]!;
        out[(t * M + i) * N + j] = relu ? Math.max(0, s) : s;
      }
  return out;
}

test("native GEMM with one block of rows packs each B panel right before its tiles: wide, transposed, strided, batched, past the K and N blocks", { skip }, () => {
  const before = getNumThreads();
  try {
    let seed = 400;
    const data = (n: number, dt: "float32" | "float64") => (dt === "float32" ? Float32Array : Float64Array).from(randomTensor([n], { seed: seed++ }).toTypedArray() as Float64Array);
    // [M, K, N, batch, layout of B]: 64 x 1100 · 1100 x 2100 spans two K blocks and two N
    // blocks (KC 1024, NC 2048 on AVX-512) with a partial last panel; M = 144 is exactly one
    // row block (MC); the small ones have N off the panel width and odd strides. Row-major B
    // past 8 panels (the group packed together) with a partial last panel: [32, 300, 300]
    // and [70, 260, 400] (two K blocks on AVX2)
    const cases: [number, number, number, number, "rows" | "cols" | "gaps"][] = [
      [64, 1100, 2100, 1, "cols"], [144, 130, 97, 1, "rows"], [13, 37, 75, 3, "gaps"], [7, 300, 33, 2, "cols"],
      [32, 300, 300, 2, "rows"], [70, 260, 400, 1, "rows"],
    ];
    for (const isa of isas) {
      setNativeIsa(isa);
      for (const [M, K, N, batch, layout] of cases) {
        for (const dt of ["float32", "float64"] as const) {
          if (dt === "float64" && M * K * N > 1e7) continue; // the float32 run covers the big blocks
          // A transposed for the small cases (column-major, with a gap between the batch items)
          const aT = M < 64;
          const A = data(batch * (M * K + 3), dt);
          const a: GemmOperand = aT
            ? { data: A, offset: 2, rowStride: 1, colStride: M, batchStride: M * K + 3 }
            : { data: A, offset: 0, rowStride: K, colStride: 1, batchStride: M * K };
          const B = data(batch * 2 * K * N + 8, dt);
          const b: GemmOperand =
            layout === "rows" ? { data: B, offset: 0, rowStride: N, colStride: 1, batchStride: K * N }
            : layout === "cols" ? { data: B, offset: 1, rowStride: 1, colStride: K, batchStride: K * N }  // x·Wᵀ
            : { data: B, offset: 5, rowStride: 2 * N, colStride: 2, batchStride: 2 * K * N };              // every other element
          const bias = data(N, dt);
          for (const threads of [1, 2]) {
            setNumThreads(threads);
            for (const withBias of [false, true]) {
              const C = new (dt === "float32" ? Float32Array : Float64Array)(batch * M * N).fill(NaN);
              assert.ok(nativeGemm(dt, M, N, K, batch, a, b, { data: C, offset: 0, rowStride: N, colStride: 1, batchStride: M * N },
                withBias ? { bias: { data: bias, offset: 0, stride: 1, kind: "col" }, activation: "relu" } : {}));
              const want = stridedRef(M, N, K, batch, a, b, withBias ? bias : null, withBias);
              const tol = dt === "float64" ? 1e-12 * K : 2e-6 * K;
              assertClose(C, want, { atol: tol, rtol: dt === "float64" ? 1e-12 : 1e-5, msg: `${isa} ${dt} ${batch}x ${M}x${K} · ${K}x${N} B ${layout}, ${threads} threads${withBias ? ", bias + ReLU" : ""}` });
            }
          }
        }
      }
    }
  } finally {
    setNativeIsa("auto");
    setNumThreads(before);
  }
});

test("the GEMM's ReLU epilogue gives the eager relu kernel's bits (x < 0 ? 0 : x): NaN stays NaN (one K block and several, bias or none, each ISA)", { skip }, () => {
  // rows of A: random; all NaN (every output NaN); all -0 (a zero row)
  for (const isa of isas) {
    withIsa(isa, () => {
      for (const K of [48, 1100]) {
        const M = 40, N = 36;
        const A = new Float32Array(M * K).map(() => Math.random() - 0.5);
        A.fill(NaN, 3 * K, 4 * K);
        A.fill(-0, 7 * K, 8 * K);
        const B = new Float32Array(K * N).map(() => Math.random() + 0.01);
        const bias = new Float32Array(N).map(() => Math.random() - 0.5);
        const a = { data: A, offset: 0, rowStride: K, colStride: 1 };
        const b = { data: B, offset: 0, rowStride: N, colStride: 1 };
        for (const withBias of [false, true]) {
          const ep = withBias ? { bias: { data: bias, offset: 0, stride: 1, kind: "col" as const } } : {};
          const fused = new Float32Array(M * N), plain = new Float32Array(M * N);
          assert.ok(nativeGemm("float32", M, N, K, 1, a, b, { data: fused, offset: 0, rowStride: N, colStride: 1 }, { ...ep, activation: "relu" }));
          assert.ok(nativeGemm("float32", M, N, K, 1, a, b, { data: plain, offset: 0, rowStride: N, colStride: 1 }, ep));
          const want = plain.map((x) => (x < 0 ? 0 : x));
          for (let i = 0; i < M * N; i++) assert.ok(Object.is(fused[i], want[i]), `${isa} K=${K}${withBias ? " bias" : ""} [${Math.floor(i / N)}, ${i % N}]: ${fused[i]} vs ${want[i]}`);
          assert.ok(Number.isNaN(fused[3 * N]!), "NaN stays NaN");
        }
      }
    });
  }
});

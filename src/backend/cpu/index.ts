/**
 * The CPU backend in TypeScript: every primitive as a loop over typed arrays. It runs
 * anywhere JavaScript runs and is the reference the native kernels are tested against;
 * where the native addon is loaded (./native.ts), kernels such as matmul route to it.
 * It implements the fused primitives too (./fused.ts, ./fused_norm.ts: native single-pass
 * kernels, else TypeScript loops), and the matrix factorizations (./linalg.ts, TypeScript).
 */
import { registerBackend, type Backend } from "../backend.js";
import { assign, binary, cast, copy, unary, where } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { reduce, scan } from "./reduce.js";
import { cat, gather, indexPut, pad, scatter, view } from "./structure.js";
import { sort, topk, unique } from "./sort.js";
import { fromHost, full, range } from "./creation.js";
import { random } from "./random.js";
import { conv2d, fold, maxPool, unfold } from "./conv.js";
import { depthwiseConv2d } from "./depthwise.js";
import { describeNative, nativeStatus } from "./native.js";
import { describeWasmGemm } from "./wasm/gemm.js";
import { crossEntropy, crossEntropyBackward, softmax, softmaxBackward } from "./fused.js";
import { batchNorm, batchNormBackward, groupNorm, groupNormBackward } from "./fused_norm.js";
import { resample } from "./resample.js";
import { rnnCell, rnnCellBackward } from "./rnn_cell.js";
import { fusedProgram } from "./fused_program.js";
import { linalg } from "./linalg.js";
import { releaseStorage } from "./util.js";

/** backends()'s line, e.g. "native (avx512, 2 threads) + TypeScript kernels", or with the wasm GEMM where it runs matmul. */
function describe(): string {
  const wasm = describeWasmGemm();
  if (nativeStatus().active || !wasm.available) return describeNative();
  return `${describeNative()} + WebAssembly SIMD GEMM (${wasm.tile}${wasm.relaxed ? ", relaxed-simd FMA" : ""})`;
}

export const cpuBackend: Backend = {
  name: "cpu",
  describe: describe,
  release: releaseStorage,
  ops: { unary, binary, where, cast, reduce, scan, view, copy, assign, matmul, cat, pad, gather, scatter, indexPut, sort, unique, unfold, fold, conv2d, maxPool, random, full, range, fromHost,
    softmax, softmaxBackward, crossEntropy, crossEntropyBackward, batchNorm, batchNormBackward, groupNorm, groupNormBackward, rnnCell, rnnCellBackward, fusedProgram, linalg, topk, resample, depthwiseConv2d },
};

registerBackend(cpuBackend);

/**
 * ONNX Runtime (onnxruntime-node, CPU execution provider) as a peer of `npm run bench`:
 * float32 GEMM through a one-node MatMul graph, and MLP/CNN inference, each at
 * intraOpNumThreads 1 and 2. Inference-only: ONNX Runtime has no eager training API.
 * The .onnx files come from bench/export_onnx.py (directory in ONNX_DIR).
 *   BENCH_OUT=results.jsonl ONNX_DIR=bench/out/onnx node --import tsx bench/peers/onnxruntime.mjs
 * Lives in bench/peers/ so that its imports resolve to bench/peers/node_modules; plain JavaScript
 * because the root type-check (tsconfig includes bench/) runs where the peers are not installed.
 */
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { GEMM_SIZES, THREADS, randomData, runCase, emit } from "../common.js";

const IMPL = "onnxruntime";
const dir = process.env.ONNX_DIR ?? "bench/out/onnx";
const pkg = (await import("onnxruntime-node/package.json", { with: { type: "json" } })).default;
emit({ case: "info.version", impl: IMPL, status: "ok", note: `onnxruntime-node ${pkg.version}, CPU execution provider` });

async function session(file, threads) {
  return ort.InferenceSession.create(join(dir, file), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all",
  });
}

for (const t of THREADS) {
  const mm = await session("matmul.onnx", t);
  for (const n of GEMM_SIZES) {
    await runCase(IMPL, t, `gemm.f32.n${n}.t${t}`, () => {
      const feeds = { a: new ort.Tensor("float32", randomData(n * n, 1), [n, n]), b: new ort.Tensor("float32", randomData(n * n, 2), [n, n]) };
      return () => mm.run(feeds);
    });
  }
  for (const model of ["mlp", "cnn"]) {
    const s = await session(`${model}.onnx`, t);
    for (const b of [1, 64]) {
      await runCase(IMPL, t, `${model}.infer.b${b}`, () => {
        const feeds = { x: new ort.Tensor("float32", randomData(b * 784, 3), [b, 1, 28, 28]) };
        return () => s.run(feeds);
      });
    }
  }
}

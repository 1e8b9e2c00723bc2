/**
 * TensorFlow.js on its WebAssembly backend (@tensorflow/tfjs-backend-wasm) as a peer of
 * `npm run bench`. Single-threaded unless the wasm backend reports thread support (Node
 * without cross-origin isolation has none). Models are written with tf ops, NHWC for the CNN;
 * training uses tf.train.sgd with softmax cross-entropy. Each timed call reads its result
 * back (dataSync) so that nothing is left pending. Plain JavaScript: the root type-check
 * (tsconfig includes bench/) runs where the peers are not installed.
 *   BENCH_OUT=results.jsonl node --import tsx bench/peers/tfjs.mjs
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { BF16_SIZES, GEMM_SIZES, MLP_TRAIN_TIMING, THREADS, emit, randomData, randomLabels, runCase, selected } from "../common.js";

const IMPL = "tfjs-wasm";
tf.env().set("IS_TEST", false);
await tf.setBackend("wasm");
await tf.ready();
const threaded = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT");
const threads = threaded ? "wasm threads" : 1;
emit({ case: "info.version", impl: IMPL, status: "ok", note: `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, SIMD ${tf.env().getBool("WASM_HAS_SIMD_SUPPORT")}, threads ${threaded ? "yes" : "no (1 thread)"}` });

// GEMM: the 1-thread rows only, unless the wasm backend is multi-threaded.
for (const t of THREADS) {
  if (!threaded && t !== 1) continue;
  for (const n of GEMM_SIZES) {
    await runCase(IMPL, threads, `gemm.f32.n${n}.t${t}`, () => {
      const a = tf.tensor2d(randomData(n * n, 1), [n, n]), b = tf.tensor2d(randomData(n * n, 2), [n, n]);
      return () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); };
    });
  }
}
for (const n of BF16_SIZES) {
  if (selected(`gemm.bf16.n${n}.t1`)) emit({ case: `gemm.bf16.n${n}.t1`, impl: IMPL, threads, status: "unsupported", note: "TensorFlow.js has no bfloat16 dtype" });
}

const glorot = (shape, fanIn, seed) =>
  tf.variable(tf.tensor(randomData(shape.reduce((a, b) => a * b, 1), seed, 1 / Math.sqrt(fanIn)), shape));

function mlp() {
  const params = { w1: glorot([784, 128], 784, 11), b1: tf.variable(tf.zeros([128])), w2: glorot([128, 10], 128, 12), b2: tf.variable(tf.zeros([10])) };
  const forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x.reshape([x.shape[0], 784]), params.w1), params.b1)), params.w2), params.b2);
  return { params, forward };
}

function cnn() {
  const params = {
    k1: glorot([3, 3, 1, 32], 9, 21), c1: tf.variable(tf.zeros([32])),
    k2: glorot([3, 3, 32, 64], 288, 22), c2: tf.variable(tf.zeros([64])),
    w: glorot([1600, 10], 1600, 23), b: tf.variable(tf.zeros([10])),
  };
  const forward = (x) => {
    let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, params.k1, 1, "valid"), params.c1)), 2, 2, "valid");
    h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, params.k2, 1, "valid"), params.c2)), 2, 2, "valid");
    return tf.add(tf.matMul(h.reshape([x.shape[0], 1600]), params.w), params.b);
  };
  return { params, forward };
}

function trainStep(model, x, labels) {
  const opt = tf.train.sgd(0.01);
  const vars = Object.values(model.params);
  const step = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x)), true, vars);
    loss.dataSync();
    loss.dispose();
  };
  step(); // a missing kernel (Conv2DBackpropFilter) fails here, in setup
  return step;
}

const nhwc = (b) => tf.tensor4d(randomData(b * 784, 3), [b, 28, 28, 1]);
const flat = (b) => tf.tensor4d(randomData(b * 784, 3), [b, 1, 28, 28]);
const oneHot = (b) => tf.oneHot(tf.tensor1d(randomLabels(b), "int32"), 10);

for (const b of [64, 256]) await runCase(IMPL, threads, `mlp.train.b${b}`, () => trainStep(mlp(), flat(b), oneHot(b)), MLP_TRAIN_TIMING);
await runCase(IMPL, threads, "cnn.train.b64", () => trainStep(cnn(), nhwc(64), oneHot(64)));
for (const b of [1, 64]) {
  for (const [name, make, input] of [["mlp", mlp, flat], ["cnn", cnn, nhwc]]) {
    await runCase(IMPL, threads, `${name}.infer.b${b}`, () => {
      const m = make(), x = input(b);
      return () => { const y = tf.tidy(() => m.forward(x)); y.dataSync(); y.dispose(); };
    });
  }
}
// Dispatch overhead: an eager op without reading the result back (TF.js wasm runs synchronously).
for (const [id, shape] of [["dispatch.add2", [2]], ["dispatch.add64x128", [64, 128]]]) {
  await runCase(IMPL, threads, id, () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = tf.tensor(randomData(n, 1), shape), b = tf.tensor(randomData(n, 2), shape);
    return () => tf.add(a, b).dispose();
  }, { inner: id === "dispatch.add2" ? 1000 : 100, warmup: 5 });
}

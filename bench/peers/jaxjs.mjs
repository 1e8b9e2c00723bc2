/**
 * jax-js (@jax-js/jax) on its WebAssembly device as a peer of `npm run bench`. Training steps
 * and inference are jit-compiled (the way jax-js is meant to be used); GEMM is a jitted matmul.
 * jax-js counts references by hand: every function consumes its arguments, so inputs that are
 * reused are passed as `.ref`, and results are consumed by reading them back (dataSync), which
 * also forces jax-js's lazy evaluation. In Node there is no global Worker, so its wasm runs on
 * one thread. No bfloat16 dtype. Plain JavaScript: the root type-check (tsconfig includes
 * bench/) runs where the peers are not installed.
 *   BENCH_OUT=results.jsonl node --import tsx bench/peers/jaxjs.mjs
 */
import { readFileSync } from "node:fs";
import { init, defaultDevice, jit, valueAndGrad, numpy as np, nn, lax, tree } from "@jax-js/jax";
import { BF16_SIZES, GEMM_SIZES, MLP_TRAIN_TIMING, THREADS, emit, randomData, randomLabels, runCase, selected } from "../common.js";

const IMPL = "jax-js";
const devices = await init("wasm");
defaultDevice("wasm");
const threaded = typeof globalThis.Worker !== "undefined" && typeof SharedArrayBuffer !== "undefined";
const threads = threaded ? "wasm workers" : 1;
const pkg = JSON.parse(readFileSync(new URL("node_modules/@jax-js/jax/package.json", import.meta.url), "utf8"));
emit({ case: "info.version", impl: IMPL, status: "ok", note: `@jax-js/jax ${pkg.version}, devices ${devices.join("/")}, using wasm, ${threaded ? "multi-threaded" : "1 thread (no Worker global in Node)"}` });

const arr = (data, shape) => np.array(data).reshape(shape);

for (const t of THREADS) {
  if (!threaded && t !== 1) continue;
  for (const n of GEMM_SIZES) {
    await runCase(IMPL, threads, `gemm.f32.n${n}.t${t}`, () => {
      const a = arr(randomData(n * n, 1), [n, n]), b = arr(randomData(n * n, 2), [n, n]);
      const mm = jit((x, y) => np.matmul(x, y));
      return () => { const c = mm(a.ref, b.ref); c.dataSync(); };
    }, { note: "jit" });
  }
}
for (const n of BF16_SIZES) {
  if (selected(`gemm.bf16.n${n}.t1`)) emit({ case: `gemm.bf16.n${n}.t1`, impl: IMPL, threads, status: "unsupported", note: "jax-js has no bfloat16 dtype" });
}

const init_ = (shape, fanIn, seed) => arr(randomData(shape.reduce((a, b) => a * b, 1), seed, 1 / Math.sqrt(fanIn)), shape);
const zeros = (n) => np.zeros([n]);

const mlpParams = () => ({ w1: init_([784, 128], 784, 11), b1: zeros(128), w2: init_([128, 10], 128, 12), b2: zeros(10) });
function mlpForward(p, x) {
  const h = nn.relu(np.matmul(x.reshape([x.shape[0], 784]), p.w1).add(p.b1));
  return np.matmul(h, p.w2).add(p.b2);
}

const cnnParams = () => ({
  k1: init_([32, 1, 3, 3], 9, 21), c1: zeros(32), k2: init_([64, 32, 3, 3], 288, 22), c2: zeros(64),
  w: init_([1600, 10], 1600, 23), b: zeros(10),
});
const maxPool2 = (h) => lax.reduceWindow(h, (w) => np.max(w), [2, 2], [2, 2]);
function cnnForward(p, x) {
  const n = x.shape[0];
  let h = maxPool2(nn.relu(lax.conv(x, p.k1, [1, 1], "VALID").add(p.c1.reshape([1, 32, 1, 1]))));
  h = maxPool2(nn.relu(lax.conv(h, p.k2, [1, 1], "VALID").add(p.c2.reshape([1, 64, 1, 1]))));
  return np.matmul(h.reshape([n, 1600]), p.w).add(p.b);
}

const crossEntropy = (logits, oneHot) => nn.logSoftmax(logits, -1).mul(oneHot).sum(-1).mean().neg();

function trainStep(forward, params0, b) {
  const x = arr(randomData(b * 784, 3), [b, 1, 28, 28]);
  const y = nn.oneHot(np.array(randomLabels(b), { dtype: np.int32 }), 10);
  const lossFn = (p, xb, yb) => crossEntropy(forward(p, xb), yb);
  const step = jit((p, xb, yb) => {
    const [loss, grads] = valueAndGrad(lossFn)(tree.map((w) => w.ref, p), xb, yb);
    return [loss, tree.map((w, g) => w.sub(g.mul(0.01)), p, grads)];
  });
  let params = params0;
  const run = () => {
    const [loss, next] = step(params, x.ref, y.ref);
    loss.dataSync(); // dataSync consumes the array
    params = next;
  };
  run(); // fails here, in setup, if a gradient is missing
  return run;
}

for (const b of [64, 256]) await runCase(IMPL, threads, `mlp.train.b${b}`, () => trainStep(mlpForward, mlpParams(), b), { note: "jit", ...MLP_TRAIN_TIMING });
await runCase(IMPL, threads, "cnn.train.b64", () => trainStep(cnnForward, cnnParams(), 64), { note: "jit", minReps: 3 });
for (const b of [1, 64]) {
  for (const [name, forward, params] of [["mlp", mlpForward, mlpParams], ["cnn", cnnForward, cnnParams]]) {
    await runCase(IMPL, threads, `${name}.infer.b${b}`, () => {
      const p = params(), x = arr(randomData(b * 784, 3), [b, 1, 28, 28]);
      const f = jit(forward);
      const run = () => { f(tree.map((w) => w.ref, p), x.ref).dataSync(); };
      run(); // compiles
      return run;
    }, { note: "jit" });
  }
}
// Dispatch overhead: jax-js evaluates lazily, so each eager add is read back (dataSync) to run at all.
for (const [id, shape] of [["dispatch.add2", [2]], ["dispatch.add64x128", [64, 128]]]) {
  await runCase(IMPL, threads, id, () => {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = arr(randomData(n, 1), shape), b = arr(randomData(n, 2), shape);
    return () => { const c = a.ref.add(b.ref); c.dataSync(); };
  }, { inner: id === "dispatch.add2" ? 200 : 50, warmup: 5, note: "eager, includes dataSync (lazy evaluation)" });
}

/**
 * The native fused kernels (native/src/fused_*.inc: softmax, cross entropy, batch and group
 * norm, forward and backward) against the TypeScript loops (src/backend/cpu/fused*.ts, float64
 * arithmetic), on every instruction-set path this CPU supports, float32 and float64, at 1 and
 * 2 threads (bit-identical: the work is split by shape, not by thread count): long rows (the
 * online max-and-sum), softmax over non-last dims (positions in the lanes, tails), -inf masks,
 * ±inf and NaN rows, large logits, constant rows and channels, large means, strided running
 * statistics. Also the kernels' float32 exp (≤ 2 ulp over a sweep of float32 inputs) and the
 * binding's refusal of arrays that do not hold what the sizes say. Skipped without the addon.
 *
 * Tolerances (relative to the largest magnitude of the reference): float32 2e-5 (the kernels
 * compute in float32 lanes with float64 statistics; the reference in float64, rounded once);
 * float64 1e-12.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { FluxionError, setNumThreads, getNumThreads, tensor, type DType, type Tensor } from "../../src/index.js";
import { nativeAddon } from "../../src/backend/cpu/native.js";
import { nativeGroupNorm, nativeSoftmax } from "../../src/backend/cpu/native_fused.js";
import {
  crossEntropy, crossEntropyBackward, crossEntropyBackwardReference, crossEntropyReference,
  softmax, softmaxBackward, softmaxBackwardReference, softmaxReference,
} from "../../src/backend/cpu/fused.js";
import {
  batchNorm, batchNormBackward, batchNormBackwardReference, batchNormReference,
  groupNorm, groupNormBackward, groupNormBackwardReference, groupNormReference,
} from "../../src/backend/cpu/fused_norm.js";
import { isas, skip, withIsa } from "./native_helpers.js";
import { randomTensor } from "../helpers.js";

const DTYPES: DType[] = ["float32", "float64"];

function r(shape: number[], seed: number, dtype: DType, lo = -3, hi = 3): Tensor {
  return randomTensor(shape, { seed, dtype: "float64", lo, hi }).to(dtype);
}

/** Asserts |a - b| <= tol · max(1, max |b|) elementwise, NaN where NaN, infinities equal. */
function near(a: Tensor, b: Tensor, dtype: DType, msg: string): void {
  assert.deepEqual(a.shape, b.shape, msg);
  const x = Array.from(a.toTypedArray() as Float64Array), y = Array.from(b.toTypedArray() as Float64Array);
  let scale = 1;
  for (const v of y) if (Number.isFinite(v) && Math.abs(v) > scale) scale = Math.abs(v);
  const tol = (dtype === "float32" ? 2e-5 : 1e-12) * scale;
  for (let i = 0; i < y.length; i++) {
    const p = x[i]!, q = y[i]!;
    if (Number.isNaN(q)) assert.ok(Number.isNaN(p), `${msg}: [${i}] native ${p}, reference NaN`);
    else if (!Number.isFinite(q)) assert.equal(p, q, `${msg}: [${i}]`);
    else assert.ok(Math.abs(p - q) <= tol, `${msg}: [${i}] native ${p}, reference ${q} (tolerance ${tol})`);
  }
}

/** Runs fn at 1 and at 2 threads: the results must be the same bits. */
function bothThreadCounts(fn: () => Tensor[], msg: string): Tensor[] {
  const saved = getNumThreads();
  try {
    setNumThreads(1);
    const one = fn();
    setNumThreads(2);
    const two = fn();
    one.forEach((t, i) => assert.deepEqual(Array.from(two[i]!.toTypedArray() as Float64Array), Array.from(t.toTypedArray() as Float64Array), `${msg}: output ${i} differs between 1 and 2 threads`));
    return two;
  } finally {
    setNumThreads(saved);
  }
}

/** Sets elements of t (contiguous, float) at flat positions. */
function poke(t: Tensor, values: [number, number][]): Tensor {
  const d = t.toTypedArray() as Float64Array;
  for (const [i, v] of values) d[i] = v;
  return t;
}

for (const isa of isas) {
  test(`native softmax / logSoftmax and backward = TypeScript loops (${isa})`, { skip }, () => {
    withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const longRow = poke(r([2, 40000], 1, dtype, -8, 8), [[5, -Infinity], [7, -Infinity]]);
        // the second row's first 20000 are -inf: its first blocks add nothing, then the max appears
        const masked = r([2, 40000], 2, dtype);
        poke(masked, Array.from({ length: 20000 }, (_, i) => [40000 + i, -Infinity] as [number, number]));
        const hard = tensor([[1, 2, 3, 4, 5], [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity], [Infinity, 0, 1, 2, 3], [-Infinity, 5, -Infinity, 6, 1], [NaN, 1, 2, 3, 4], [1e4, -1e4, 3e3, 9e3, 88]], { dtype });
        const cases: [Tensor, number, string][] = [
          [r([64, 1000], 3, dtype, -10, 10), 1, "rows of 1000"],
          [longRow, 1, "rows of 40000 (online max and sum)"],
          [masked, 1, "a long row whose first blocks are -inf"],
          [r([4, 37, 33], 4, dtype), 1, "dim 1 of [4, 37, 33] (lanes and a tail)"],
          [r([9, 3], 5, dtype), 0, "dim 0 of [9, 3] (fewer positions than lanes)"],
          [r([3, 5, 70], 6, dtype), 1, "dim 1 of [3, 5, 70]"],
          [r([300, 17], 7, dtype), 1, "many short rows (threads)"],
          [hard, 1, "±inf, NaN and large rows"],
          [r([1, 1], 8, dtype), 1, "one element"],
          [r([0, 5], 9, dtype), 1, "no rows"],
        ];
        for (const [x, axis, name] of cases) {
          for (const log of [false, true]) {
            const msg = `${isa} ${dtype} ${name} log=${log}`;
            const [y] = bothThreadCounts(() => softmax([x], { axis, log }, "cpu"), msg);
            near(y!, softmaxReference([x], { axis, log }, "cpu")[0]!, dtype, msg);
            if (name.startsWith("±inf")) continue;
            const g = r([...x.shape], 10, dtype);
            const [dx] = bothThreadCounts(() => softmaxBackward([g, y!], { axis, log }, "cpu"), `${msg} backward`);
            near(dx!, softmaxBackwardReference([g, y!], { axis, log }, "cpu")[0]!, dtype, `${msg} backward`);
          }
        }
      }
    });
  });

  test(`native crossEntropy and backward = TypeScript loops (${isa})`, { skip }, () => {
    withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const N = 300, C = 37;
        const t = tensor(Array.from({ length: N }, (_, i) => (i % 13 === 5 ? -100 : (i * 7) % C)), { dtype: "int32" });
        const layouts: [Tensor, Tensor, string][] = [
          [r([N, C], 11, dtype, -6, 6), t, "[300, 37] int32"],
          [r([N, C], 12, dtype, -6, 6), t.long(), "[300, 37] int64"],
          [poke(r([4, 20000], 13, dtype), [[3, 95], [20001, -Infinity]]), tensor([3, 1, 19999, -100], { dtype: "int32" }), "rows of 20000"],
          [r([3, 5, 4, 6], 14, dtype), tensor(Array.from({ length: 72 }, (_, i) => (i % 9 === 0 ? -100 : i % 5)), { shape: [3, 4, 6], dtype: "int32" }), "[3, 5, 4, 6]"],
          [poke(r([6, 9], 15, dtype), [[7, -Infinity], [8, -Infinity], [16, -Infinity]]), tensor([1, 2, 3, 4, 5, 6], { dtype: "int32" }), "-inf logits of unused classes"],
        ];
        for (const [x, target, name] of layouts) {
          const Cx = x.shape[1]!;
          const w = r([Cx], 16, dtype, 0.1, 2);
          for (const reduction of ["none", "sum", "mean"] as const) {
            for (const [labelSmoothing, weight] of [[0, false], [0.15, true], [0, true], [0.3, false]] as const) {
              if (name.startsWith("-inf") && labelSmoothing > 0) continue;
              const a = { ignoreIndex: -100, labelSmoothing, reduction, weight };
              const ins = weight ? [x, target, w] : [x, target];
              const msg = `${isa} ${dtype} ${name} ${reduction} smoothing ${labelSmoothing} weight ${weight}`;
              const [loss, lse] = bothThreadCounts(() => crossEntropy(ins, a, "cpu"), msg);
              const [rl, rs] = crossEntropyReference(ins, a, "cpu");
              near(loss!, rl!, dtype, `${msg} loss`);
              near(lse!, rs!, dtype, `${msg} lse`);
              const g = reduction === "none" ? r([...target.shape], 17, dtype) : tensor(0.7, { dtype });
              const bins = weight ? [g, x, target, rs!, w] : [g, x, target, rs!];
              const [dx] = bothThreadCounts(() => crossEntropyBackward(bins, a, "cpu"), `${msg} backward`);
              near(dx!, crossEntropyBackwardReference(bins, a, "cpu")[0]!, dtype, `${msg} backward`);
            }
          }
        }
        // a bad target: an IndexError naming it, from the forward and the backward
        const x = r([5, 4], 18, dtype), bad = tensor([0, 1, 4, 2, 3], { dtype: "int32" });
        const a = { ignoreIndex: -100, labelSmoothing: 0, reduction: "mean" as const, weight: false };
        assert.throws(() => crossEntropy([x, bad], a, "cpu"), /crossEntropy: target 4 is out of bounds for 4 classes/);
        const lse = crossEntropyReference([x, tensor([0, 1, 1, 2, 3], { dtype: "int32" })], a, "cpu")[1]!;
        assert.throws(() => crossEntropyBackward([tensor(1, { dtype }), x, bad.long(), lse], a, "cpu"), /crossEntropyBackward: target 4 is out of bounds/);
      }
    });
  });

  test(`native batchNorm and backward = TypeScript loops, running stats updated alike (${isa})`, { skip }, () => {
    withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const constant = r([5, 3, 4, 4], 21, dtype);
        (constant.toTypedArray() as Float64Array).fill(0.5);
        const cases: [Tensor, string][] = [
          [r([8, 6, 9, 11], 22, dtype, -2, 5), "[8, 6, 9, 11]"],
          [r([40, 130], 23, dtype), "[40, 130] (channels in lanes, several tiles)"],
          [r([300, 5], 24, dtype), "[300, 5] (more rows than a flush)"],
          [r([6, 4, 3], 25, dtype), "[6, 4, 3] (planes shorter than the lanes)"],
          [r([4, 3, 20, 20], 26, dtype).add(100), "a large mean"],
          [constant, "constant channels"],
          [r([2, 70, 200], 27, dtype), "[2, 70, 200] (threads over channels)"],
        ];
        for (const [x, name] of cases) {
          const C = x.shape[1]!;
          for (const training of [true, false]) {
            for (const affine of [true, false]) {
              const w = r([C], 28, dtype), b = r([C], 29, dtype);
              // running stats as strided views (every other element of a buffer)
              const rmBase = r([2 * C], 30, dtype), rvBase = r([2 * C], 31, dtype, 0.5, 2);
              const view = (t: Tensor) => t.reshape([C, 2]).select(1, 0);
              const a = { training, momentum: 0.25, eps: 1e-5, weight: affine, bias: affine, running: true };
              const msg = `${isa} ${dtype} ${name} training ${training} affine ${affine}`;
              const rm1 = rmBase.clone(), rv1 = rvBase.clone(), rm2 = rmBase.clone(), rv2 = rvBase.clone();
              const ins = (rm: Tensor, rv: Tensor) => (affine ? [x, w, b, view(rm), view(rv)] : [x, view(rm), view(rv)]);
              const setThreads = getNumThreads();
              setNumThreads(2);
              const out = batchNorm(ins(rm1, rv1), a, "cpu");
              setNumThreads(setThreads);
              const ref = batchNormReference(ins(rm2, rv2), a, "cpu");
              out.forEach((t, i) => near(t, ref[i]!, dtype, `${msg} output ${i}`));
              near(rm1, rm2, dtype, `${msg} running mean`);
              near(rv1, rv2, dtype, `${msg} running var`);
              const g = r([...x.shape], 32, dtype);
              const bins = affine ? [g, x, ref[1]!, ref[2]!, w] : [g, x, ref[1]!, ref[2]!];
              const grads = bothThreadCounts(() => batchNormBackward(bins, { training, weight: affine }, "cpu"), `${msg} backward`);
              const rg = batchNormBackwardReference(bins, { training, weight: affine }, "cpu");
              // constant channels: invstd = 1/sqrt(eps) magnifies the rounding of dx
              grads.forEach((t, i) => near(name.startsWith("constant") && i === 0 ? t.mul(1e-3) : t, name.startsWith("constant") && i === 0 ? rg[i]!.mul(1e-3) : rg[i]!, dtype, `${msg} grad ${i}`));
            }
          }
        }
      }
    });
  });

  test(`native groupNorm (and layer norm) and backward = TypeScript loops (${isa})`, { skip }, () => {
    withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const constRows = r([6, 37], 41, dtype);
        (constRows.toTypedArray() as Float64Array).fill(-1.5, 37, 74);
        const cases: [Tensor, number, string][] = [
          [r([200, 37], 42, dtype), 1, "layer norm: [200, 37] (features not a multiple of the lanes)"],
          [r([4096, 64], 43, dtype), 1, "layer norm: [4096, 64] (more samples than chunks)"],
          [r([3, 512], 44, dtype).add(1000), 1, "layer norm: a large mean"],
          [constRows, 1, "layer norm: a constant row"],
          [r([5, 6, 7, 9], 45, dtype), 3, "[5, 6, 7, 9], 3 groups"],
          [r([5, 6, 7, 9], 46, dtype), 6, "one group per channel"],
          [r([2, 8], 47, dtype), 4, "[2, 8], 4 groups"],
          // groups past the cache size: statistics in one read, around the first element
          [r([2, 4, 64, 80], 51, dtype).add(50), 1, "[2, 4, 64, 80], one group of 20480 (one read), mean 50"],
          [r([3, 20000], 52, dtype, -1, 5), 1, "layer norm: [3, 20000] (one read)"],
        ];
        for (const [x, groups, name] of cases) {
          const C = x.shape[1]!;
          for (const affine of [true, false]) {
            const w = r([C], 48, dtype), b = r([C], 49, dtype);
            const a = { groups, eps: 1e-5, weight: affine, bias: affine };
            const msg = `${isa} ${dtype} ${name} affine ${affine}`;
            const ins = affine ? [x, w, b] : [x];
            const out = bothThreadCounts(() => groupNorm(ins, a, "cpu"), msg);
            const ref = groupNormReference(ins, a, "cpu");
            out.forEach((t, i) => near(t, ref[i]!, dtype, `${msg} output ${i}`));
            const g = r([...x.shape], 50, dtype);
            const bins = affine ? [g, x, ref[1]!, ref[2]!, w] : [g, x, ref[1]!, ref[2]!];
            const grads = bothThreadCounts(() => groupNormBackward(bins, { groups, weight: affine }, "cpu"), `${msg} backward`);
            const rg = groupNormBackwardReference(bins, { groups, weight: affine }, "cpu");
            grads.forEach((t, i) => near(t, rg[i]!, dtype, `${msg} grad ${i}`));
          }
        }
      }
    });
  });

  test(`the fused kernels' float32 exp is within 2 ulp of exp (${isa})`, { skip }, () => {
    const addon = nativeAddon() as unknown as { expF32(x: Float32Array, y: Float32Array): void };
    withIsa(isa, () => {
      const n = 1 << 20;
      const x = new Float32Array(n), y = new Float32Array(n), bits = new Uint32Array(x.buffer);
      let worst = 0, at = 0;
      // every 97th float32 from 0 up to 89 and from -0 down to -104 (exp's whole finite range and its edges)
      for (const [hi, sign] of [[0x42b20000, 0], [0x42d00000, 0x80000000]] as const) {
        for (let start = 0; start < hi; start += n * 97) {
          let k = 0;
          for (let v = start; v < hi && k < n; v += 97) bits[k++] = (v | sign) >>> 0;
          addon.expF32(x.subarray(0, k), y.subarray(0, k));
          for (let i = 0; i < k; i++) {
            const want = Math.exp(x[i]!), got = y[i]!;
            if (got === Math.fround(want)) continue;
            // an ulp of the result: the spacing of float32 at |want| (the smallest denormal at least)
            const e = Math.max(Math.floor(Math.log2(Math.abs(want))), -126);
            const err = Math.abs(got - want) / 2 ** (e - 23);
            if (!(err <= worst)) [worst, at] = [err, x[i]!];
          }
        }
      }
      assert.ok(worst <= 2, `${isa}: max error ${worst} ulp at x = ${at}`);
      const special = new Float32Array([NaN, Infinity, -Infinity, 0, -0, 88.8, -104.5, 1e-30]), out = new Float32Array(8);
      addon.expF32(special, out);
      assert.ok(Number.isNaN(out[0]!));
      assert.deepEqual(Array.from(out.subarray(1)), [Infinity, 0, 1, 1, Infinity, 0, 1]);
    });
  });
}

test("the binding refuses arrays that do not hold what the sizes say", { skip }, () => {
  const a = nativeAddon() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const p = (v: number[]) => new Float64Array(v);
  assert.throws(() => a.softmax!(p([0, 4, 5, 1, 0, 0]), new Float32Array(19), new Float32Array(20)), /softmax: x and y must be typed arrays/);
  assert.throws(() => a.softmax!(p([0, 4, 5, 1, 0, 2]), new Float32Array(20), new Float32Array(20)), /softmax: x and y/);
  assert.throws(() => a.softmax!(p([1, 4, 5, 1, 0, 0]), new Float32Array(20), new Float32Array(20)), /softmax: x and y/);
  assert.throws(() => a.softmax!(p([0, 4.5, 5, 1, 0, 0]), new Float32Array(20), new Float32Array(20)), /softmax: bad parameters/);
  assert.throws(() => a.crossEntropy!(p([0, 3, 4, 1, 0, 0, 0, -100, 0, 2]), new Float32Array(12), new Int32Array(2), null, new Float32Array(1), new Float32Array(3)), /crossEntropy: target must be/);
  assert.throws(() => a.crossEntropy!(p([0, 3, 4, 1, 0, 0, 0, -100, 0, 2]), new Float32Array(12), new Int32Array(3), new Float64Array(3), new Float32Array(1), new Float32Array(3)), /crossEntropy: weight must be/);
  assert.throws(() => a.crossEntropy!(p([0, 3, 4, 1, 0, 0, 0, -100, 2, 2]), new Float32Array(12), new Int32Array(3), null, new Float32Array(1), new Float32Array(3)), /crossEntropy: bad parameters/);
  assert.throws(() => a.batchNorm!(p([0, 2, 3, 4, 1, 0, 0, 0.1, 1e-5, 0, 1, 0, 1]), new Float32Array(24), null, null, null, null, new Float32Array(24), new Float32Array(3), new Float32Array(3)), /batchNorm: the running statistics/);
  assert.throws(() => a.batchNorm!(p([0, 2, 3, 4, 1, 0, 1, 0.1, 1e-5, 0, 2, 0, 1]), new Float32Array(24), null, null, new Float32Array(4), new Float32Array(3), new Float32Array(24), new Float32Array(3), new Float32Array(3)), /batchNorm: the running statistics/);
  assert.throws(() => a.groupNorm!(p([0, 2, 6, 1, 4, 0, 1e-5]), new Float32Array(12), null, null, new Float32Array(12), new Float32Array(8), new Float32Array(8)), /groupNorm: bad parameters \(groups must divide the channels\)/);
  assert.throws(() => a.groupNormBackward!(p([0, 2, 6, 1, 3, 0, 0]), new Float32Array(12), new Float32Array(12), new Float64Array(5), new Float64Array(6), null, new Float32Array(12), new Float32Array(6), new Float32Array(6)), /groupNormBackward: mean, rstd/);
  // through the typed wrappers: a FluxionError naming the kernel
  assert.throws(() => nativeSoftmax("float32", { outer: 4, size: 5, inner: 1 }, false, new Float32Array(19), 0, new Float32Array(20)),
    (e: unknown) => e instanceof FluxionError && /^softmax \(native kernel\): x and y must be typed arrays/.test((e as Error).message));
  assert.throws(() => nativeGroupNorm(1e-5, { N: 2, C: 6, S: 1, G: 4 }, tensor([1], { dtype: "float32" }), null, null, new Float32Array(12), new Float32Array(8), new Float32Array(8)),
    (e: unknown) => e instanceof FluxionError && /^groupNorm \(native kernel\): bad parameters/.test((e as Error).message));
  // what passes the checks runs: the smallest softmax
  const y = new Float32Array(2);
  assert.equal(a.softmax!(p([0, 1, 2, 1, 0, 0]), new Float32Array([0, 0]), y), true);
  assert.deepEqual(Array.from(y), [0.5, 0.5]);
});

// Layer and group norm write outputs larger than the last-level cache with non-temporal
// stores (where a row starts vector-aligned; plain stores elsewhere). Forced on small tensors
// through FLUXION_STREAM_MIN_BYTES in child processes: the same bits as plain stores, for
// aligned and misaligned rows, the [N, C, S] path, float32 and float64, every ISA, 1 and 2 threads.
test("groupNorm/layer norm with non-temporal stores (forced) give the same bits as plain stores", { skip }, () => {
  const code = `
    import { groupNorm, groupNormBackward } from "./src/backend/cpu/fused_norm.ts";
    import { setNativeIsa, nativeStatus } from "./src/backend/cpu/native.ts";
    import { randn, manualSeed, setNumThreads } from "./src/index.ts";
    import { createHash } from "node:crypto";
    const h = createHash("sha256");
    for (const isa of nativeStatus().supportedIsas) {
      setNativeIsa(isa);
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        for (const dtype of ["float32", "float64"]) {
          for (const [shape, groups] of [[[200, 37], 1], [[64, 512], 1], [[33, 64], 1], [[5, 6, 7, 9], 3], [[4, 8, 16, 16], 2]]) {
            manualSeed(7);
            const x = randn(shape, { dtype }), w = randn([shape[1]], { dtype }), b = randn([shape[1]], { dtype }), g = randn(shape, { dtype });
            const [y, mean, rstd] = groupNorm([x, w, b], { groups, eps: 1e-5, weight: true, bias: true }, "cpu");
            const grads = groupNormBackward([g, x, mean, rstd, w], { groups, weight: true }, "cpu");
            for (const t of [y, mean, rstd, ...grads]) { const d = t.toTypedArray(); h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)); }
          }
        }
      }
    }
    console.log(h.digest("hex"));`;
  const run = (env: Record<string, string>) => {
    const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    return res.stdout.trim();
  };
  const plain = run({ FLUXION_STREAM_MIN_BYTES: String(2 ** 40) }), streamed = run({ FLUXION_STREAM_MIN_BYTES: "1" });
  assert.match(plain, /^[0-9a-f]{64}$/);
  assert.equal(streamed, plain);
});

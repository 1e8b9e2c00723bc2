/**
 * Every native kernel over the whole range of its attributes, against the TypeScript kernel
 * it replaces (the reference), on every instruction-set path this CPU supports, at 1 and 2
 * threads: max pooling (kernel, stride, padding, dilation, ceil-mode output sizes, each per
 * dim), convolution (kernel, stride, padding, dilation, bias, ReLU, the max-pooling epilogue
 * with and without indices; all three passes; channel counts that pick the GEMM, direct and
 * Winograd paths), unfold/fold, reductions over every set of axes of 3-D and 4-D tensors
 * (each op, keepdim, permuted layouts), dense scatter (every axis, write/add, broadcast fill),
 * elementwise binary ops over broadcast and strided shapes (div's rounding modes and integer
 * division by zero included) and matmul's epilogues. Grouped convolution, which the op layer
 * builds from unfold and matmul, is compared end to end with FLUXION_NATIVE=0 in a child.
 *
 * The existing per-kernel tests (native_*.test.ts) cover the common attributes and layouts
 * in depth; this one exists because a kernel path taken only for some attributes can ignore
 * the others (native max pooling's 2x2 stride-2 path ignored dilation). Tolerances: pooling,
 * unfold/fold, max/min and short sums are bit-identical; long sums and GEMM-based results
 * differ by summation order only.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { FluxionError, Generator, arange, dispatch, nn, type DType, type Tensor } from "../../src/index.js";
import type { PrimitiveAttrs, ReduceOpName } from "../../src/backend/primitives.js";
import { conv2d, conv2dReference, fold, foldReference, maxPool, maxPoolReference, outputSize, unfold, unfoldReference } from "../../src/backend/cpu/conv.js";
import { reduce, reduceReference } from "../../src/backend/cpu/reduce.js";
import { scatter, scatterDenseReference } from "../../src/backend/cpu/structure.js";
import { matmul, matmulReference } from "../../src/backend/cpu/matmul.js";
import { binary } from "../../src/backend/cpu/elementwise.js";
import { runElementwise, runElementwiseNative } from "../../src/backend/cpu/loops.js";
import { alloc, broadcastOperand, outOperand } from "../../src/backend/cpu/util.js";
import { BINARY_OPS, type BinaryOpName } from "../../src/ops/elementwise_table.js";
import { getNumThreads, setNumThreads } from "../../src/backend/cpu/native.js";
import { isas, skip, withIsa } from "./native_helpers.js";
import { assertClose, randomTensor } from "../helpers.js";

type Pair = [number, number];
const F = nn.F;

/** Runs fn on every ISA at 1 and 2 threads, restoring the thread count. */
function everywhere(fn: (where: string) => void): void {
  const before = getNumThreads();
  try {
    for (const isa of isas)
      withIsa(isa, () => {
        for (const threads of [1, 2]) {
          setNumThreads(threads);
          fn(`${isa} ${threads}t`);
        }
      });
  } finally {
    setNumThreads(before);
  }
}

/** Exactly equal, NaN matching NaN and the sign of zero included. */
function sameBits(got: Tensor, want: Tensor, msg: string): void {
  assert.deepEqual(got.shape, want.shape, `${msg}: shape`);
  assert.equal(got.dtype, want.dtype, `${msg}: dtype`);
  const g = got.toTypedArray(), w = want.toTypedArray();
  for (let i = 0; i < w.length; i++) {
    if (Object.is(g[i], w[i]) || (g[i] !== g[i] && w[i] !== w[i])) continue;
    assert.fail(`${msg}: element ${i}: native ${g[i]}, reference ${w[i]}`);
  }
}

/** A seeded sample of `k` items (all of them when there are fewer). */
function sample<T>(items: T[], k: number, seed: number): T[] {
  const g = new Generator(seed), a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = g.nextBelow(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

function product<T>(...lists: T[][]): T[][] {
  return lists.reduce<T[][]>((acc, l) => acc.flatMap((p) => l.map((v) => [...p, v])), [[]]);
}

/** Values with ties and specials: rounded to halves, a NaN and infinities sprinkled in. */
function values(shape: number[], dtype: DType, seed: number, specials = true): Tensor {
  const t = randomTensor(shape, { seed, lo: -4, hi: 4 }).mul(2).round().div(2);
  if (specials) {
    const d = t.toTypedArray();
    for (let i = 5; i < d.length; i += 97) d[i] = [NaN, Infinity, -Infinity][i % 3]!;
  }
  return t.to(dtype);
}

// ---- max pooling -----------------------------------------------------------------------

/** PyTorch's pooling output size (floor or ceil mode), or 0 when the window does not fit. */
function poolOut(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

test("the issue's case: native max pooling with kernel 2, stride 2, dilation 2", () => {
  const x = arange(36).to("float32").reshape([1, 1, 6, 6]);
  assert.deepEqual(F.maxPool2d(x, 2, { stride: 2, dilation: 2 }).tolist(), [[[[14, 16], [26, 28]]]]);
  everywhere((where) => {
    const a = { kernel: [2, 2] as Pair, stride: [2, 2] as Pair, padding: [0, 0] as Pair, dilation: [2, 2] as Pair, outputSize: [2, 2] as Pair };
    const [v, i] = maxPool([x], a, "cpu");
    assert.deepEqual(v!.tolist(), [[[[14, 16], [26, 28]]]], where);
    assert.deepEqual(i!.tolist(), [[[[14, 16], [26, 28]]]], where);
  });
});

test("native max pooling matches the TypeScript kernel for every kernel, stride, padding, dilation and ceil mode", { skip }, () => {
  // per dim: [kernel, stride, padding, dilation]; padding at most half the kernel, as PyTorch requires
  const dims: [number, number, number, number][] = [];
  for (const [k, s, d] of product([1, 2, 3], [1, 2, 3], [1, 2])) for (let p = 0; p <= Math.floor(k / 2); p++) dims.push([k, s, p, d]);
  type Dim = [number, number, number, number];
  const combos = sample(product<Dim | boolean>(dims, dims, [false, true]) as [Dim, Dim, boolean][], 90, 7);
  // the vectorised float32 2x2 stride-2 kernel and its neighbours, always
  for (const d of [1, 2]) for (const p of [0, 1]) combos.push([[2, 2, p, d], [2, 2, p, d], false], [[2, 2, 0, d], [2, 2, 0, 1], true]);
  let seed = 1, checked = 0;
  everywhere((where) => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      for (const [[kh, sh, ph, dh], [kw, sw, pw, dw], ceil] of combos) {
        const shape = [2, 3, 9, 11];
        const oh = poolOut(9, kh, sh, ph, dh, ceil), ow = poolOut(11, kw, sw, pw, dw, ceil);
        if (oh < 1 || ow < 1) continue;
        const x = values(shape, dtype, seed++);
        const a = { kernel: [kh, kw] as Pair, stride: [sh, sw] as Pair, padding: [ph, pw] as Pair, dilation: [dh, dw] as Pair, outputSize: [oh, ow] as Pair };
        const msg = `${where} ${dtype} k${a.kernel} s${a.stride} p${a.padding} d${a.dilation}${ceil ? " ceil" : ""}`;
        for (const input of [x, x.transpose(2, 3).contiguous().transpose(2, 3)]) {
          const [v, i] = maxPool([input], a, "cpu"), [rv, ri] = maxPoolReference([input], a, "cpu");
          sameBits(v!, rv!, `${msg} values`);
          sameBits(i!, ri!, `${msg} indices`);
          checked++;
        }
      }
      // past the threading threshold, with dilation
      const big = values([8, 16, 26, 26], dtype, seed++);
      for (const d of [1, 2]) {
        const o = poolOut(26, 2, 2, 0, d, false);
        const a = { kernel: [2, 2] as Pair, stride: [2, 2] as Pair, padding: [0, 0] as Pair, dilation: [d, d] as Pair, outputSize: [o, o] as Pair };
        const [v, i] = maxPool([big], a, "cpu"), [rv, ri] = maxPoolReference([big], a, "cpu");
        sameBits(v!, rv!, `${where} ${dtype} big d${d} values`);
        sameBits(i!, ri!, `${where} ${dtype} big d${d} indices`);
      }
    }
  });
  assert.ok(checked > 500);
});

// ---- convolution -------------------------------------------------------------------------

test("native conv2d matches the TypeScript composition for every stride, padding, dilation, epilogue and pass", { skip }, () => {
  const kernels: Pair[] = [[1, 1], [3, 3], [2, 3], [3, 1]];
  const channels: [number, number][] = [[1, 5], [3, 16], [4, 32], [16, 13]];
  const pools: (PrimitiveAttrs["conv2d"]["pool"] | undefined)[] = [undefined, { kernel: [2, 2], stride: [2, 2] }, { kernel: [3, 3], stride: [2, 2] }, { kernel: [2, 3], stride: [1, 2] }];
  const all = product<unknown>(kernels, [[1, 1], [2, 2], [1, 3]], [[0, 0], [1, 1], [2, 1]], [[1, 1], [2, 2], [1, 2]], channels, [0, 1, 2, 3], [0, 1, 2, 3]) as [Pair, Pair, Pair, Pair, [number, number], number, number][];
  // always the Winograd (3x3, stride 1, undilated, 4+ channels, 2x2 pool) and direct (stride-1 float32) shapes
  const combos = [...sample(all, 70, 11), [[3, 3], [1, 1], [1, 1], [1, 1], [16, 13], 1, 1], [[3, 3], [1, 1], [0, 0], [1, 1], [4, 32], 3, 1], [[3, 3], [1, 1], [1, 1], [2, 2], [3, 16], 0, 2]] as typeof all;
  let seed = 100;
  everywhere((where) => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      const tol = dtype === "float32" ? { atol: 5e-4, rtol: 1e-4 } : { atol: 1e-11, rtol: 1e-11 };
      for (const [kernel, stride, padding, dilation, [C, O], epilogue, poolIx] of combos) {
        const [N, H, W] = [2, 10, 9];
        const oh = outputSize(H, kernel[0], stride[0], padding[0], dilation[0]), ow = outputSize(W, kernel[1], stride[1], padding[1], dilation[1]);
        if (oh < 1 || ow < 1) continue;
        const win = { kernel, stride, padding, dilation };
        const msg = `${where} ${dtype} C${C} O${O} k${kernel} s${stride} p${padding} d${dilation}`;
        const x = randomTensor([N, C, H, W], { seed: seed++, dtype }), w = randomTensor([O, C, ...kernel], { seed: seed++, dtype });
        const b = randomTensor([O], { seed: seed++, dtype }), dy = randomTensor([N, O, oh, ow], { seed: seed++, dtype });
        const bias = epilogue & 1, relu = epilogue & 2;
        const fwd = { pass: "forward" as const, ...win, ...(relu ? { activation: "relu" as const } : {}) };
        const ins = bias ? [x, w, b] : [x, w];
        const full = conv2dReference(ins, fwd, "cpu")[0]!;
        assertClose(conv2d(ins, fwd, "cpu")[0]!, full, { ...tol, msg: `${msg} forward bias=${bias} relu=${relu}` });
        const pool = pools[poolIx];
        if (pool && oh >= pool.kernel[0] && ow >= pool.kernel[1]) {
          const po = [outputSize(oh, pool.kernel[0], pool.stride[0], 0, 1), outputSize(ow, pool.kernel[1], pool.stride[1], 0, 1)] as Pair;
          const [want, wantIdx] = maxPoolReference([full], { ...pool, padding: [0, 0], dilation: [1, 1], outputSize: po }, "cpu");
          const got = conv2d(ins, { ...fwd, pool }, "cpu")[0]!;
          assertClose(got, want!, { ...tol, msg: `${msg} pool ${pool.kernel}/${pool.stride}` });
          const [gv, gi] = conv2d(ins, { ...fwd, pool: { ...pool, indices: true } }, "cpu");
          assertClose(gv!, want!, { ...tol, msg: `${msg} pool with indices` });
          // positions: the reference's, or one holding a value within rounding of it
          const fv = full.toTypedArray(), per = oh * ow, pooled = po[0] * po[1], g = gi!.toTypedArray(), r = wantIdx!.toTypedArray();
          for (let e = 0; e < g.length; e++) {
            const plane = Math.floor(e / pooled) * per;
            if (g[e] !== r[e]) assert.ok(Math.abs(fv[plane + g[e]!]! - fv[plane + r[e]!]!) <= 1e-4, `${msg} pool index ${e}: ${g[e]} vs ${r[e]}`);
          }
        }
        const inp = { pass: "input" as const, ...win, inputSize: [H, W] as Pair };
        assertClose(conv2d([dy, w], inp, "cpu")[0]!, conv2dReference([dy, w], inp, "cpu")[0]!, { ...tol, msg: `${msg} input pass` });
        const wp = { pass: "weight" as const, ...win };
        const [dw, db] = conv2d([x, dy], wp, "cpu"), [rdw, rdb] = conv2dReference([x, dy], wp, "cpu");
        assertClose(dw!, rdw!, { ...tol, atol: tol.atol * 10, msg: `${msg} weight pass dw` });
        assertClose(db!, rdb!, { ...tol, msg: `${msg} weight pass db` });
      }
    }
  });
});

// ---- unfold / fold ----------------------------------------------------------------------------

test("native unfold and fold match im2col/col2im for every kernel, stride, padding and dilation", { skip }, () => {
  const dims: [number, number, number, number][] = product([1, 2, 3, 4], [1, 2, 3], [0, 1, 2, 3], [1, 2, 3]) as [number, number, number, number][];
  const combos = sample(product(dims, dims) as [[number, number, number, number], [number, number, number, number]][], 80, 13);
  let seed = 500;
  everywhere((where) => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      for (const [[kh, sh, ph, dh], [kw, sw, pw, dw]] of combos) {
        const [H, W] = [8, 11];
        if (outputSize(H, kh, sh, ph, dh) < 1 || outputSize(W, kw, sw, pw, dw) < 1) continue;
        const u = { kernel: [kh, kw] as Pair, stride: [sh, sw] as Pair, padding: [ph, pw] as Pair, dilation: [dh, dw] as Pair };
        const msg = `${where} ${dtype} k${u.kernel} s${u.stride} p${u.padding} d${u.dilation}`;
        const x = values([2, 3, H, W], dtype, seed++, false);
        const cols = unfoldReference([x], u, "cpu")[0]!;
        sameBits(unfold([x], u, "cpu")[0]!, cols, `${msg} unfold`);
        const c = values([...cols.shape], dtype, seed++, false);
        sameBits(fold([c], { outputSize: [H, W], ...u }, "cpu")[0]!, foldReference([c], { outputSize: [H, W], ...u }, "cpu")[0]!, `${msg} fold`);
      }
    }
  });
});

// ---- reductions -------------------------------------------------------------------------------

test("native reductions match the TypeScript loops over every set of axes, each op and keepdim", { skip }, () => {
  const ops: ReduceOpName[] = ["sum", "prod", "max", "min", "argmax", "argmin"];
  let seed = 900;
  everywhere((where) => {
    for (const shape of [[3, 4, 5], [2, 3, 4, 5], [2, 70, 3]]) {
      const nd = shape.length;
      const axisSets = Array.from({ length: 2 ** nd - 1 }, (_, m) => Array.from({ length: nd }, (_, d) => d).filter((d) => ((m + 1) >> d) & 1));
      for (const dtype of ["float32", "float64", "int32"] as DType[]) {
        const base = dtype === "int32" ? values(shape, "float64", seed++, false).mul(1000).to("int32") : values(shape, dtype, seed++);
        const perm = Array.from({ length: nd }, (_, d) => nd - 1 - d);
        for (const [layout, x] of [["contiguous", base], ["permuted", base.permute(perm).contiguous().permute(perm)]] as const) {
          for (const axes of axisSets) {
            for (const op of ops) {
              if ((op === "argmax" || op === "argmin") && axes.length !== 1) continue;
              const input = op === "prod" ? x.clamp(-1.5, 1.5) : x; // products of many values stay finite
              for (const keepdim of [false, true]) {
                const attrs = { op, axes, keepdim };
                const got = reduce([input], attrs, "cpu")[0]!, want = reduceReference([input], attrs, "cpu")[0]!;
                const msg = `${where} ${op} ${dtype} [${shape}] ${layout} axes [${axes}] keepdim=${keepdim}`;
                const R = axes.reduce((p, a) => p * shape[a]!, 1);
                if ((op === "sum" || op === "prod") && R >= 64 && dtype !== "int32") assertClose(got, want, { atol: 0, rtol: dtype === "float32" ? 2 ** -22 : 1e-12, msg });
                else sameBits(got, want, msg);
              }
            }
          }
        }
      }
    }
  });
});

// ---- scatter ----------------------------------------------------------------------------------

test("native dense scatter matches the TypeScript loop along every axis, writing, adding and filling", { skip }, () => {
  let seed = 1300;
  everywhere((where) => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      for (const [xs, axis, len] of [[[6, 5, 4], 0, 9], [[6, 5, 4], 1, 3], [[6, 5, 4], 2, 7], [[40, 30], 1, 50], [[300, 200], 1, 20]] as [number[], number, number][]) {
        const is = xs.map((s, d) => (d === axis ? len : s));
        const src = values(is, dtype, seed++, false);
        const index = randomTensor(is, { seed: seed++, lo: 0, hi: xs[axis]! }).floor().to("int32");
        for (const reduce of ["add", "none"] as const) {
          // distinct targets for plain writes (a repeated target's winner is unspecified)
          const idx = reduce === "add" ? index : arange(len).remainder(xs[axis]!).to("int32").reshape(is.map((s, d) => (d === axis ? s : 1))).expand(is).contiguous();
          if (reduce === "none" && len > xs[axis]!) continue;
          for (const [fill, x] of [["copy", values(xs, dtype, seed++, false)], ["fill", values([1], dtype, seed++, false).reshape(xs.map(() => 1)).expand(xs)]] as const) {
            const attrs = { axis, reduce };
            sameBits(scatter([x, idx, src], attrs, "cpu")[0]!, scatterDenseReference([x, idx, src], attrs, "cpu"), `${where} ${dtype} [${xs}] axis ${axis} ${reduce} ${fill}`);
          }
        }
      }
    }
  });
});

// ---- elementwise: broadcasting and strides, div's rounding modes ------------------------

/** Broadcast pairs of every rank up to 4, and strided (transposed, sliced) operands. */
function broadcastPairs(seed: number): [number[], number[]][] {
  const g = new Generator(seed), pairs: [number[], number[]][] = [];
  for (let i = 0; i < 24; i++) {
    const nd = 1 + g.nextBelow(4), full = Array.from({ length: nd }, () => 2 + g.nextBelow(6));
    const a = full.map((s) => (g.nextBelow(3) === 0 ? 1 : s)), b = full.map((s) => (g.nextBelow(3) === 0 ? 1 : s));
    pairs.push([a, b.slice(g.nextBelow(nd))]);
  }
  pairs.push([[64, 50], [50]], [[7, 1, 9], [1, 8, 1]], [[3000], []]);
  return pairs;
}

/** A strided view of a tensor of `shape`: every other element of a twice-as-long last dim. */
function strided(shape: number[], dtype: DType, seed: number): Tensor {
  const big = values([...shape.slice(0, -1), 2 * (shape[shape.length - 1] ?? 1)], dtype, seed, false);
  return shape.length === 0 ? values([], dtype, seed, false) : dispatch("view", [big], { shape, strides: [...big.strides.slice(0, -1), 2], offset: 1 });
}

test("native binary ops match the TypeScript loops on broadcast and strided operands, div's rounding modes included", { skip }, () => {
  const ops: [BinaryOpName, number[]][] = [
    ["add", []], ["mul", []], ["maximum", []], ["lt", []], ["remainder", []], ["div", []], ["div", [1, 0]], ["div", [2, 0]],
    ["fmod", []], ["copysign", []], ["lerp", [0.25, 0]], ["lerp", [0.75, 1]], ["bitwiseXor", []], ["bitwiseLeftShift", []], ["bitwiseRightShift", []],
  ];
  let seed = 2000;
  everywhere((where) => {
    for (const [sa, sb] of broadcastPairs(17)) {
      for (const dtype of ["float32", "float64", "int32"] as DType[]) {
        for (const [op, p] of ops) {
          const def = BINARY_OPS[op];
          if (dtype === "int32" && op === "div" && p.length === 0) continue; // true division is float (promoted by the op layer)
          if ("accepts" in def && (def.accepts === "float" ? dtype === "int32" : def.accepts !== "numeric" && dtype !== "int32")) continue; // refused by the op layer
          // float32 rounds div's rounded quotient to float32 (p1 = 1), as the op layer asks
          const params = op === "div" && p.length ? [p[0]!, dtype === "float32" ? 1 : 0] : p;
          const intForm = "jsInt" in def && dtype === "int32";
          const nonzero = (t: Tensor) => (intForm ? t.add(t.eq(0).to(dtype)) : t); // division by zero is tested below
          for (const layout of ["contiguous", "strided"] as const) {
            const a = layout === "strided" ? strided(sa, dtype, seed++) : values(sa, dtype, seed++, false);
            const b = nonzero(layout === "strided" ? strided(sb, dtype, seed++) : values(sb, dtype, seed++, false));
            const got = binary([a, b], { op, params }, "cpu")[0]!;
            const shape = [...got.shape];
            const want = alloc(shape, got.dtype, "cpu");
            runElementwise(shape, outOperand(want), [broadcastOperand(a, shape), broadcastOperand(b, shape)], intForm ? def.jsInt : def.js, params);
            sameBits(got, want, `${where} ${op}(${params}) ${dtype} ${layout} [${sa}] with [${sb}]`);
          }
        }
      }
    }
  });
});

test("integer division by zero: the native kernel declines before writing, the TypeScript kernel raises", { skip }, () => {
  everywhere((where) => {
    for (const [op, params] of [["remainder", []], ["fmod", []], ["div", [1, 0]], ["div", [2, 0]]] as [BinaryOpName, number[]][]) {
      const a = arange(200).to("int32"), b = arange(200).remainder(7).to("int32"); // zeros at 0, 7, 14, ...
      const out = alloc([200], "int32", "cpu");
      (out.storage.data as Int32Array).fill(-5);
      assert.equal(runElementwiseNative("binary", op, [200], outOperand(out), [broadcastOperand(a, [200]), broadcastOperand(b, [200])], params), false, `${where} ${op}`);
      assert.ok(out.storage.data.every((v) => v === -5), `${where} ${op}: nothing written`);
      // a zero only in the broadcast divisor
      const zero = arange(1).to("int32").expand([200]);
      assert.equal(runElementwiseNative("binary", op, [200], outOperand(out), [broadcastOperand(a, [200]), broadcastOperand(zero, [200])], params), false);
      assert.throws(() => binary([a, b], { op, params }, "cpu"), (e: Error) => e instanceof FluxionError && /ZeroDivisionError/.test(e.message), `${where} ${op}`);
      // and without a zero the native kernel takes it
      assert.equal(runElementwiseNative("binary", op, [200], outOperand(out), [broadcastOperand(a, [200]), broadcastOperand(b.add(1), [200])], params), true);
    }
  });
});

// ---- matmul epilogues ----------------------------------------------------------------------

test("native matmul matches the reference for every epilogue, bias kind and broadcast batch", { skip }, () => {
  let seed = 3000;
  everywhere((where) => {
    for (const dtype of ["float32", "float64"] as DType[]) {
      for (const [M, K, N] of [[5, 7, 3], [33, 20, 17], [64, 48, 40]]) {
        for (const bias of [undefined, "row", "col"] as const) {
          for (const activation of [undefined, "relu", "gelu", "geluTanh"] as const) {
            const a = randomTensor([2, M, K], { seed: seed++, dtype }), bT = randomTensor([2, N, K], { seed: seed++, dtype });
            const b = bT.transpose(1, 2); // a transposed operand
            const ins = bias ? [a, b, randomTensor([bias === "row" ? M : N], { seed: seed++, dtype })] : [a, b];
            const attrs = { ...(bias ? { bias } : {}), ...(activation ? { activation } : {}) };
            const tol = dtype === "float32" ? { atol: 2e-5 * K, rtol: 1e-5 } : { atol: 1e-12 * K, rtol: 1e-12 };
            assertClose(matmul(ins, attrs, "cpu")[0]!, matmulReference(ins, attrs, "cpu")[0]!, { ...tol, msg: `${where} ${dtype} [${M}, ${K}, ${N}] bias=${bias} ${activation}` });
          }
        }
      }
    }
  });
});

// ---- grouped convolution and pooling end to end, against FLUXION_NATIVE=0 --------------------

const probe = `
  import { nn, randn, manualSeed } from "./src/index.ts";
  const F = nn.F;
  manualSeed(3);
  const out = {};
  const x = randn([2, 6, 11, 10], { dtype: "float64" }).requiresGrad_(true);
  for (const [groups, stride, padding, dilation] of [[2, 1, 1, 1], [3, 2, 0, 2], [6, 1, 2, 1], [2, [2, 1], [1, 2], [1, 2]]]) {
    const w = randn([12, 6 / groups, 3, 3], { dtype: "float64" }).requiresGrad_(true), b = randn([12], { dtype: "float64" });
    x.grad = null;
    const y = F.conv2d(x, w, b, { groups, stride, padding, dilation });
    y.mul(y).sum().backward();
    out["conv g" + groups + " s" + stride + " p" + padding + " d" + dilation] = [y.tolist(), x.grad.tolist(), w.grad.tolist()];
  }
  for (const [k, s, p, d, ceilMode] of [[2, 2, 0, 2, false], [3, 2, 1, 2, true], [2, 1, 1, 1, true], [3, 3, 1, 1, true], [[2, 3], [1, 2], [1, 1], [2, 1], false]]) {
    const y = F.maxPool2d(x.detach().to("float32"), k, { stride: s, padding: p, dilation: d, ceilMode });
    out["maxPool k" + k + " s" + s + " p" + p + " d" + d + " ceil" + ceilMode] = y.tolist();
  }
  console.log(JSON.stringify(out));
`;

test("grouped convolution (forward and gradients) and max pooling give the same values natively and with FLUXION_NATIVE=0", { skip }, () => {
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const ts = run({ FLUXION_NATIVE: "0" }), native = run({});
  assert.deepEqual(Object.keys(native), Object.keys(ts));
  for (const k of Object.keys(ts)) assertClose(native[k], ts[k], { atol: 1e-10, rtol: 1e-10, msg: k });
});

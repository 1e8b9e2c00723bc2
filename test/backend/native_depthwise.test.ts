/**
 * The depthwiseConv2d primitive's CPU kernels: the native one (native/src/depthwise.inc, on
 * every ISA path this CPU has, at 1 and 2 threads) against the TypeScript reference
 * (src/backend/cpu/depthwise.ts) and against the decomposition (the grouped im2col + batched
 * matmul that backends without the primitive run), all three passes, over random shapes:
 * kernels 1/3/5 and non-square, strides 1/2/3, padding 0/1/2, dilation 1/2, multiplier 1/2,
 * odd sizes, batch 1, float32 and float64, non-contiguous inputs. The weight gradient is the
 * same bits at any thread count. Also: the primitive's argument checks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getNumThreads, setNumThreads, type DType, type Tensor } from "../../src/index.js";
import { dispatch, runDecomposition } from "../../src/backend/dispatcher.js";
import { depthwiseConv2d, depthwiseConv2dReference } from "../../src/backend/cpu/depthwise.js";
import type { PrimitiveAttrs } from "../../src/backend/primitives.js";
import { assertClose, randomTensor } from "../helpers.js";
import { isas, rng, skip, withIsa } from "./native_helpers.js";

type Attrs = PrimitiveAttrs["depthwiseConv2d"];
type P2 = [number, number];

interface Case { N: number; C: number; m: number; H: number; W: number; k: P2; s: P2; p: P2; d: P2 }

const FIXED: Case[] = [
  { N: 2, C: 3, m: 1, H: 9, W: 11, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1] },
  { N: 1, C: 4, m: 2, H: 7, W: 7, k: [5, 5], s: [2, 2], p: [2, 2], d: [1, 1] },
  { N: 2, C: 2, m: 1, H: 10, W: 13, k: [3, 3], s: [2, 2], p: [0, 0], d: [2, 2] },
  { N: 1, C: 5, m: 2, H: 6, W: 40, k: [1, 1], s: [1, 1], p: [0, 0], d: [1, 1] },
  { N: 3, C: 2, m: 1, H: 8, W: 37, k: [3, 5], s: [1, 2], p: [1, 2], d: [2, 1] },
  { N: 1, C: 3, m: 2, H: 5, W: 70, k: [3, 3], s: [3, 3], p: [1, 1], d: [1, 1] },
];

function randomCases(n: number, seed: number): Case[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Case[] = [];
  while (out.length < n) {
    const k = pick([1, 3, 5]), s = pick([1, 2]), p = pick([0, 1, 2]), d = pick([1, 2]);
    const H = 3 + Math.floor(r() * 12), W = 3 + Math.floor(r() * 40);
    if (d * (k - 1) + 1 > Math.min(H, W) + 2 * p) continue;
    out.push({ N: pick([1, 2, 3]), C: 1 + Math.floor(r() * 5), m: pick([1, 2]), H, W, k: [k, k], s: [s, s], p: [p, p], d: [d, d] });
  }
  return out;
}

function attrs(c: Case, pass: Attrs["pass"]): Attrs {
  return { pass, multiplier: c.m, kernel: c.k, stride: c.s, padding: c.p, dilation: c.d, ...(pass === "input" ? { inputSize: [c.H, c.W] as P2 } : {}) };
}

function outSize(c: Case): P2 {
  return [0, 1].map((i) => Math.floor((([c.H, c.W][i]! + 2 * c.p[i]! - c.d[i]! * (c.k[i]! - 1) - 1) / c.s[i]!)) + 1) as P2;
}

/** The three passes' inputs for case c (seeded). */
function operands(c: Case, dtype: DType, seed: number) {
  const [oh, ow] = outSize(c);
  const O = c.C * c.m;
  return {
    x: randomTensor([c.N, c.C, c.H, c.W], { seed, dtype }),
    w: randomTensor([O, 1, ...c.k], { seed: seed + 1, dtype }),
    b: randomTensor([O], { seed: seed + 2, dtype }),
    dy: randomTensor([c.N, O, oh, ow], { seed: seed + 3, dtype }),
  };
}

type Kernel = (inputs: readonly Tensor[], a: Attrs, device: string) => Tensor[];
const decomposed: Kernel = (inputs, a, device) => runDecomposition("depthwiseConv2d", inputs, a, device);

function passes(k: Kernel, c: Case, o: ReturnType<typeof operands>, bias: boolean): Tensor[] {
  return [
    ...k(bias ? [o.x, o.w, o.b] : [o.x, o.w], attrs(c, "forward"), "cpu"),
    ...k([o.dy, o.w], attrs(c, "input"), "cpu"),
    ...k([o.x, o.dy], attrs(c, "weight"), "cpu"),
  ];
}

function close(got: Tensor[], want: Tensor[], dtype: DType, msg: string): void {
  const tol = dtype === "float64" ? { atol: 1e-11, rtol: 1e-11 } : { atol: 2e-4, rtol: 2e-4 };
  ["y", "dx", "dw", "db"].forEach((name, i) => {
    assert.deepEqual(got[i]!.shape, want[i]!.shape, `${msg} ${name} shape`);
    assertClose(got[i]!, want[i]!, { ...tol, msg: `${msg} ${name}` });
  });
}

function atThreads(fn: (threads: number) => void): void {
  const before = getNumThreads();
  try {
    for (const t of [1, 2]) {
      setNumThreads(t);
      fn(t);
    }
  } finally {
    setNumThreads(before);
  }
}

const CASES = [...FIXED, ...randomCases(30, 17)];

test("the TypeScript reference equals the decomposition (grouped im2col + matmul), float64", () => {
  CASES.forEach((c, i) => {
    const o = operands(c, "float64", 100 + i);
    close(passes(depthwiseConv2dReference, c, o, i % 2 === 0), passes(decomposed, c, o, i % 2 === 0), "float64", `case ${JSON.stringify(c)}`);
  });
});

test("native kernel against the TypeScript reference on every ISA path, float32 and float64, 1 and 2 threads", { skip }, () => {
  for (const isa of isas) {
    withIsa(isa, () => {
      atThreads((threads) => {
        for (const dtype of ["float32", "float64"] as const) {
          CASES.forEach((c, i) => {
            const o = operands(c, dtype, 300 + i);
            const bias = i % 2 === 1;
            close(passes(depthwiseConv2d, c, o, bias), passes(depthwiseConv2dReference, c, o, bias), dtype, `${isa} ${threads}t ${dtype} ${JSON.stringify(c)}`);
          });
        }
      });
    });
  }
});

test("larger planes (vector blocks and tails): native vs reference, float32", { skip }, () => {
  const big: Case[] = [
    { N: 2, C: 3, m: 1, H: 33, W: 67, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1] },
    { N: 2, C: 2, m: 2, H: 31, W: 65, k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1] },
    { N: 1, C: 2, m: 1, H: 20, W: 100, k: [5, 5], s: [1, 1], p: [2, 2], d: [2, 2] },
  ];
  for (const isa of isas) {
    withIsa(isa, () => atThreads(() => big.forEach((c, i) => {
      const o = operands(c, "float32", 700 + i);
      close(passes(depthwiseConv2d, c, o, true), passes(depthwiseConv2dReference, c, o, true), "float32", `${isa} ${JSON.stringify(c)}`);
    })));
  }
});

test("non-contiguous inputs read through their strides", () => {
  const c: Case = { N: 2, C: 3, m: 2, H: 6, W: 7, k: [3, 3], s: [1, 2], p: [1, 1], d: [1, 1] };
  const o = operands(c, "float32", 900);
  // the same values as views: x and dy transposed twice through a permuted copy
  const xv = o.x.permute([0, 1, 3, 2]).contiguous().permute([0, 1, 3, 2]);
  const dyv = o.dy.permute([0, 1, 3, 2]).contiguous().permute([0, 1, 3, 2]);
  assert.ok(!xv.isContiguous() && !dyv.isContiguous());
  close(passes(depthwiseConv2d, c, { ...o, x: xv, dy: dyv }, true), passes(depthwiseConv2dReference, c, o, true), "float32", "views");
});

test("the weight gradient is the same bits at 1 and 2 threads", { skip }, () => {
  const c: Case = { N: 4, C: 8, m: 2, H: 20, W: 24, k: [3, 3], s: [1, 1], p: [1, 1], d: [1, 1] };
  const o = operands(c, "float32", 1000);
  const got: number[][] = [];
  atThreads(() => {
    const [dw, db] = depthwiseConv2d([o.x, o.dy], attrs(c, "weight"), "cpu");
    got.push([...dw!.toTypedArray(), ...db!.toTypedArray()] as number[]);
  });
  assert.deepEqual(got[0], got[1]);
});

test("bfloat16 runs widened to float32 and rounds once", () => {
  const c = FIXED[0]!;
  const o = operands(c, "float32", 1100);
  const bf = { x: o.x.to("bfloat16"), w: o.w.to("bfloat16"), b: o.b.to("bfloat16"), dy: o.dy.to("bfloat16") };
  const wide = { x: bf.x.to("float32"), w: bf.w.to("float32"), b: bf.b.to("float32"), dy: bf.dy.to("float32") };
  const got = passes(depthwiseConv2d, c, bf, true), want = passes(depthwiseConv2d, c, wide, true);
  got.forEach((t, i) => {
    assert.equal(t.dtype, "bfloat16");
    assert.deepEqual(Array.from(t.toTypedArray()), Array.from(want[i]!.to("bfloat16").toTypedArray()));
  });
});

test("the primitive's checks: shapes, passes, multiplier", () => {
  const c = FIXED[0]!;
  const o = operands(c, "float32", 1200);
  const fwd = attrs(c, "forward");
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.w.reshape([c.C, 1, 9])], fwd), /depthwiseConv2d: expected input 1 to be 4-D/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.w], { ...fwd, multiplier: 2 }), /depthwiseConv2d: expected the weight of shape \[6, 1, 3, 3\]/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.w], { ...fwd, multiplier: 0 }), /multiplier must be an integer >= 1/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.w, o.b.reshape([1, 3])], fwd), /expected the bias of shape \[3\]/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.w], { ...fwd, pass: "sideways" as "forward" }), /unknown pass/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.dy, o.w], { ...attrs(c, "input"), inputSize: [c.H + 5, c.W] }), /expected the gradient of shape/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.dy.narrow(3, 0, 2)], attrs(c, "weight")), /expected the gradient of shape/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x.to("float64"), o.w], fwd), /expected inputs of one dtype/);
  assert.throws(() => dispatch("depthwiseConv2d", [o.x, o.w], { ...fwd, kernel: [9, 9], padding: [0, 0] }), /depthwiseConv2d/);
});

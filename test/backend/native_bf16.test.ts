/**
 * The native bfloat16 paths (native/src/bf16_ewise.cc): elementwise ops, float32 <-> bfloat16
 * casts, reductions and the max-pooling gradient's scatter on bfloat16 tensors, on every
 * instruction-set path this CPU supports.
 *
 * References: float64 arithmetic rounded to bfloat16 where one rounding is exact (a single
 * add/sub/mul/div/sqrt of bfloat16 values: rounding the float64 result to float32 and then to
 * bfloat16 equals rounding the exact value once, as float64 and float32 carry more than twice
 * the bits of the next format plus two), and the TypeScript kernels they replace (runElementwise,
 * reduceReference): bit-identical for ops the float32 kernels compute exactly, within one
 * bfloat16 ulp for ops that call libm (the two libraries' float64 results round to float32, then
 * to bfloat16, and a float32 value that lands on a bfloat16 tie can round either way).
 * Skipped when the addon is not built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arrayFor, type DType, type TypedArray } from "../../src/tensor/dtype.js";
import { UNARY_OPS, BINARY_OPS, type BinaryOpName, type UnaryOpName } from "../../src/ops/elementwise_table.js";
import { runElementwise, runElementwiseNative, type Operand } from "../../src/backend/cpu/loops.js";
import { castExpr } from "../../src/backend/cpu/elementwise.js";
import { reduce, reduceReference } from "../../src/backend/cpu/reduce.js";
import { bfloat16BitsToFloat32, float32ToBFloat16Bits } from "../../src/tensor/half.js";
import { tensor, zeros } from "../../src/index.js";
import { isas, skip, withIsa, rng } from "./native_helpers.js";


const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e-40, -3e-39, 1e30, -1e30, 88.8, -104, 3.3e38];

/** bfloat16 bit patterns of mixed values: specials, small and large, exact halves. */
function bf16Values(n: number, seed: number): Uint16Array {
  const r = rng(seed), a = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    const v = u < 0.08 ? SPECIALS[Math.floor(r() * SPECIALS.length)]! : u < 0.6 ? (r() - 0.5) * 8 : u < 0.8 ? (r() - 0.5) * 100 : Math.round((r() - 0.5) * 10) / 2;
    a[i] = float32ToBFloat16Bits(v);
  }
  return a;
}

const f = bfloat16BitsToFloat32;

/** Distance in bfloat16 ulps of two finite values. */
function bf16Ulps(a: number, b: number): number {
  if (a === b) return 0;
  const e = Math.max(Math.floor(Math.log2(Math.max(Math.abs(a), Math.abs(b)))), -126);
  return Math.abs(a - b) / 2 ** (e - 7);
}

function compareBf16(got: ArrayLike<number>, want: ArrayLike<number>, maxUlps: number, msg: string, outDtype: DType = "bfloat16", absTol = 1e-37): void {
  for (let i = 0; i < want.length; i++) {
    const gb = got[i]!, wb = want[i]!;
    if (gb === wb) continue;
    if (outDtype !== "bfloat16") assert.fail(`${msg}: element ${i}: native ${gb}, reference ${wb}`);
    const g = f(gb), w = f(wb);
    if (g !== g && w !== w) continue;
    if (maxUlps > 0 && Number.isFinite(g) && Number.isFinite(w) && bf16Ulps(g, w) <= maxUlps) continue;
    // libm results that underflow: one side a bfloat16 denormal or two, the other zero
    if (maxUlps > 0 && Math.abs(g - w) <= absTol) continue;
    // libm near overflow: one side rounds to the largest finite value, the other to infinity
    if (maxUlps > 0 && Math.abs(g) >= 3.3e38 && Math.abs(w) >= 3.3e38 && Math.sign(g) === Math.sign(w)) continue;
    assert.fail(`${msg}: element ${i}: native ${g} (0x${gb.toString(16)}), reference ${w} (0x${wb.toString(16)})`);
  }
}

// single IEEE operations, compares, selects: the float32 kernels are exact and one more rounding is too
const EXACT_UNARY = new Set<UnaryOpName>(["neg", "abs", "sign", "floor", "ceil", "round", "trunc", "sqrt", "reciprocal", "relu", "leakyRelu", "clamp", "frac", "isnan", "isfinite", "isinf", "logicalNot"]);
const EXACT_BINARY = new Set<BinaryOpName>(["add", "sub", "mul", "div", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor", "reluGrad", "copysign"]);
const PREDICATE = new Set<string>(["isnan", "isfinite", "isinf", "logicalNot", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);

interface Layout { name: string; shape: number[]; strides: number[][]; sizes: number[] }

/** Contiguous (around the vector widths and the block size), broadcast, transposed and strided. */
function layouts(nin: number): Layout[] {
  const L: Layout[] = [];
  const same = (shape: number[], s: number[], size: number): Pick<Layout, "strides" | "sizes"> => ({ strides: Array.from({ length: nin }, () => s), sizes: Array.from({ length: nin }, () => size) });
  for (const n of [48, 63, 1024, 1029, 70001]) L.push({ name: `contiguous [${n}]`, shape: [n], ...same([n], [1], n) });
  L.push({ name: "transposed", shape: [37, 53], ...same([37, 53], [1, 37], 37 * 53) });
  L.push({ name: "strided", shape: [5, 7, 9], ...same([5, 7, 9], [140, 18, 2], 5 * 140) });
  if (nin === 2) {
    L.push({ name: "scalar broadcast", shape: [37, 53], strides: [[53, 1], [0, 0]], sizes: [37 * 53, 1] });
    L.push({ name: "row broadcast (bias)", shape: [37, 53], strides: [[53, 1], [0, 1]], sizes: [37 * 53, 53] });
    L.push({ name: "column broadcast", shape: [37, 53], strides: [[53, 1], [1, 0]], sizes: [37 * 53, 37] });
  }
  return L;
}

function contiguous(shape: number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

function run(kind: "unary" | "binary", op: string, layout: Layout, outDtype: DType, native: boolean, params: number[]): TypedArray {
  const n = layout.shape.reduce((a, b) => a * b, 1);
  const out: Operand = { arr: arrayFor(outDtype, n) as TypedArray, strides: contiguous(layout.shape), offset: 0, dtype: outDtype };
  const ins: Operand[] = layout.strides.map((s, k) => ({ arr: bf16Values(layout.sizes[k]!, 7 + k), strides: s, offset: 0, dtype: "bfloat16" }));
  if (native) {
    assert.ok(runElementwiseNative(kind, op, layout.shape, out, ins, params), `${kind} ${op} on bfloat16 runs natively`);
  } else {
    const def = kind === "unary" ? UNARY_OPS[op as UnaryOpName] : BINARY_OPS[op as BinaryOpName];
    runElementwise(layout.shape, out, ins, def.js, params);
  }
  return out.arr as TypedArray;
}

const PARAMS: Record<string, number[]> = { leakyRelu: [0.01], clamp: [-1.5, 2], powScalar: [2.5], addScaled: [0.125], lerp: [0.3], softplus: [1, 20], logit: [-1], elu: [1, 1] };

for (const isa of isas) {
  test(`${isa}: bfloat16 unary ops match the TypeScript kernels (exact ops bit for bit, libm ops within a bfloat16 ulp)`, { skip }, () => {
    withIsa(isa, () => {
      for (const op of ["neg", "abs", "floor", "sqrt", "reciprocal", "exp", "log", "tanh", "sigmoid", "relu", "leakyRelu", "geluErf", "geluTanh", "silu", "clamp", "erf", "isnan"] as UnaryOpName[]) {
        for (const layout of layouts(1)) {
          const outDtype: DType = PREDICATE.has(op) ? "bool" : "bfloat16";
          const p = PARAMS[op] ?? [];
          // gelu(x) for large negative x is x * (1 + erf(x / sqrt 2)) / 2 (or 1 + tanh), a cancellation: each
          // library's erf error shows as an absolute error near float32's epsilon times |x|
          const absTol = op === "geluErf" || op === "geluTanh" ? 1e-12 : 1e-37;
          compareBf16(run("unary", op, layout, outDtype, true, p), run("unary", op, layout, outDtype, false, p), EXACT_UNARY.has(op) ? 0 : 1, `${isa} ${op} ${layout.name}`, outDtype, absTol);
        }
      }
    });
  });

  test(`${isa}: bfloat16 binary ops with broadcasting match the TypeScript kernels`, { skip }, () => {
    withIsa(isa, () => {
      for (const op of ["add", "sub", "mul", "div", "maximum", "minimum", "addScaled", "reluGrad", "pow", "lt", "eq"] as BinaryOpName[]) {
        for (const layout of layouts(2)) {
          const outDtype: DType = PREDICATE.has(op) ? "bool" : "bfloat16";
          const p = PARAMS[op] ?? [];
          compareBf16(run("binary", op, layout, outDtype, true, p), run("binary", op, layout, outDtype, false, p), EXACT_BINARY.has(op) ? 0 : 1, `${isa} ${op} ${layout.name}`, outDtype);
        }
      }
    });
  });
}

test("bfloat16 add/sub/mul/div/sqrt are the exactly rounded float64 results", { skip }, () => {
  const n = 5000, a = bf16Values(n, 11), b = bf16Values(n, 12);
  const layout: Layout = { name: "contiguous", shape: [n], strides: [[1], [1]], sizes: [n, n] };
  const ops: [string, (x: number, y: number) => number][] = [["add", (x, y) => x + y], ["sub", (x, y) => x - y], ["mul", (x, y) => x * y], ["div", (x, y) => x / y]];
  for (const [op, fn] of ops) {
    const out = new Uint16Array(n);
    const ins: Operand[] = [a, b].map((arr) => ({ arr, strides: [1], offset: 0, dtype: "bfloat16" as DType }));
    assert.ok(runElementwiseNative("binary", op, layout.shape, { arr: out, strides: [1], offset: 0, dtype: "bfloat16" }, ins));
    for (let i = 0; i < n; i++) {
      const want = float32ToBFloat16Bits(Math.fround(fn(f(a[i]!), f(b[i]!))));
      if (out[i] !== want && !(Number.isNaN(f(out[i]!)) && Number.isNaN(f(want)))) assert.fail(`${op}(${f(a[i]!)}, ${f(b[i]!)}): native ${f(out[i]!)}, exact ${f(want)}`);
    }
  }
  const out = new Uint16Array(n);
  assert.ok(runElementwiseNative("unary", "sqrt", [n], { arr: out, strides: [1], offset: 0, dtype: "bfloat16" }, [{ arr: a, strides: [1], offset: 0, dtype: "bfloat16" }]));
  for (let i = 0; i < n; i++) {
    const want = float32ToBFloat16Bits(Math.fround(Math.sqrt(f(a[i]!))));
    if (out[i] !== want && !(Number.isNaN(f(out[i]!)) && Number.isNaN(f(want)))) assert.fail(`sqrt(${f(a[i]!)}): native ${f(out[i]!)}, exact ${f(want)}`);
  }
});

test("float32 -> bfloat16 casts round to nearest even, keep NaN, infinities and denormals; bfloat16 -> float32 is exact", { skip }, () => {
  // ties (the low 16 bits exactly 0x8000, both parities), just above and below them, the
  // largest finite value rounding to infinity, denormals, NaN with a payload below bit 16
  const words = [0x3f808000, 0x3f818000, 0x3f808001, 0x3f807fff, 0x7f7fffff, 0xff7f8000, 0x00018000, 0x80008000, 0x7f800001, 0xffc00000, 0x7f800000, 0x80000000];
  const bits = new Uint32Array(2000);
  for (let i = 0; i < bits.length; i++) bits[i] = i < words.length ? words[i]! : (Math.floor(rng(5 + i)() * 2 ** 32) >>> 0);
  const x = new Float32Array(bits.buffer);
  const out = new Uint16Array(x.length);
  assert.ok(runElementwiseNative("convert", null, [x.length], { arr: out, strides: [1], offset: 0, dtype: "bfloat16" }, [{ arr: x, strides: [1], offset: 0, dtype: "float32" }]));
  for (let i = 0; i < x.length; i++) assert.equal(out[i], float32ToBFloat16Bits(x[i]!), `bits 0x${bits[i]!.toString(16)}`);
  assert.equal(out[8]! & 0x7fc0, 0x7fc0, "a NaN whose payload lies below bit 16 stays a (quiet) NaN");
  const back = new Float32Array(x.length);
  assert.ok(runElementwiseNative("convert", null, [x.length], { arr: back, strides: [1], offset: 0, dtype: "float32" }, [{ arr: out, strides: [1], offset: 0, dtype: "bfloat16" }]));
  for (let i = 0; i < x.length; i++) assert.ok(Object.is(back[i], f(out[i]!)), `widen 0x${out[i]!.toString(16)}`);
  // the tensor API takes the same path (strided source)
  const t = tensor([[1.00390625, 3], [-2.00390625, 1e-39]]).t();
  assert.deepEqual(t.to("bfloat16").toTypedArray(), Float32Array.from([1.00390625, -2.00390625, 3, 1e-39], (v) => f(float32ToBFloat16Bits(v))));
});

test("bfloat16 reductions (float64 accumulation, one rounding) give the TypeScript kernels' results", { skip }, () => {
  for (const shape of [[64, 10], [33, 130], [4, 5, 300]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    // moderate values: with ±1e30 among them a sum depends on the order of accumulation
    const x = tensor(Array.from(bf16Values(n, 3), (h) => (Math.abs(f(h)) < 100 ? f(h) : 1)), { shape, dtype: "float32" }).to("bfloat16");
    for (const op of ["sum", "max", "min", "argmax"] as const) {
      for (const axes of [[shape.length - 1], [0]]) {
        const attrs = { op, axes, keepdim: false };
        const got = reduce([x], attrs, "cpu")[0]!, want = reduceReference([x], attrs, "cpu")[0]!;
        assert.equal(got.dtype, op === "argmax" ? "int32" : "bfloat16");
        const bits = (t: typeof got) => (t.dtype === "bfloat16" ? Array.from(t.toTypedArray() as Float32Array, (v) => float32ToBFloat16Bits(v)) : Array.from(t.toTypedArray() as Int32Array));
        compareBf16(bits(got), bits(want), op === "sum" ? 1 : 0, `${op} ${shape} over ${axes}`, got.dtype);
      }
    }
  }
});

test("the max-pooling gradient's scatter-add on bfloat16 equals float32's rounded once", { skip }, () => {
  const idx = tensor(Array.from({ length: 64 * 25 }, (_, i) => (i * 7) % 121), { shape: [64, 25], dtype: "int32" });
  const src = tensor(Array.from({ length: 64 * 25 }, (_, i) => Math.sin(i) * 3), { shape: [64, 25] }).to("bfloat16");
  const got = zeros([64, 121], { dtype: "bfloat16" }).scatterAdd(1, idx, src);
  const want = zeros([64, 121]).scatterAdd(1, idx, src.to("float32")).to("bfloat16");
  assert.equal(got.dtype, "bfloat16");
  assert.deepEqual(got.toTypedArray(), want.toTypedArray());
  // a bad index still raises, from the widened float32 kernel
  assert.throws(() => zeros([4, 5], { dtype: "bfloat16" }).scatterAdd(1, tensor([[0, 5]], { dtype: "int32" }).expand([4, 2]).contiguous(), zeros([4, 2], { dtype: "bfloat16" })), /out of bounds|index/i);
});

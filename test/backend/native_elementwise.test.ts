/**
 * The native elementwise kernels (unary, binary, where, convert = cast/copy/assign) against
 * the generated TypeScript loops they replace (runElementwise), on every instruction-set
 * path this CPU supports: contiguous, scalar-, row- and column-broadcast, transposed and
 * general strided layouts with offsets, sizes around the vector widths and past the
 * threading threshold, special values (NaN, ±inf, ±0, denormals, int32 extremes), and
 * each dtype the kernels handle (float32, float64, int32, bool; uint8, int8 and int64 for
 * integer arithmetic, compares and every cast; half types only move) that the op is defined
 * for (bitwise ops and shifts: integers and bool only).
 *
 * Tolerances: ops that are a single IEEE operation (or compares, selects, moves) must be
 * bit-identical (NaN matching NaN), and so must compositions of them (lerp, add_ with alpha:
 * the kernels are compiled without fused multiply-adds). Ops calling libm (exp, log, tanh, erf, pow, ...) use
 * the C library where the reference uses V8's Math; both are within an ulp or so of the
 * exact result, so they may differ by a few ulps: 4 ulps of the output dtype, 16 for
 * float64 erf-based ops (the reference's erf is accurate to a few float64 ulps itself).
 * Skipped when the addon is not built (CI builds it; native_loader.test.ts checks that).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { arrayFor, type DType, type TypedArray } from "../../src/tensor/dtype.js";
import { BINARY_OPS, UNARY_OPS, type BinaryOpName, type UnaryOpName } from "../../src/ops/elementwise_table.js";
import { runElementwise, runElementwiseNative, type Operand } from "../../src/backend/cpu/loops.js";
import { NATIVE_BINARY_OPS, NATIVE_UNARY_OPS } from "../../src/backend/cpu/native.js";
import { binaryExpr, castExpr, unaryExpr } from "../../src/backend/cpu/elementwise.js";
import { INT64_BINARY, INT64_UNARY, INT_BINARY } from "../../src/ops/elementwise_int64.js";
import { isas, skip, withIsa, rng } from "./native_helpers.js";
import { tensor } from "../../src/index.js";
import { float32ToBFloat16Bits, float32ToFloat16Bits } from "../../src/tensor/half.js";


// ---- value generation ---------------------------------------------------------------


const FLOAT_SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e-40, -3e-39, 1e30, -1e30, 88.8, -104, 710, 3.4e38];
const INT_SPECIALS = [0, 1, -1, 2147483647, -2147483648, 65536, -65536, 46341, 7];

const INT64_SPECIALS = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 40n), 3037000500n, 7n];

function values(n: number, dtype: DType, seed: number): TypedArray {
  if (dtype === "int64") {
    const r = rng(seed), b = new BigInt64Array(n);
    for (let i = 0; i < n; i++) b[i] = r() < 0.2 ? INT64_SPECIALS[Math.floor(r() * INT64_SPECIALS.length)]! : BigInt(Math.floor((r() - 0.5) * 2 ** 40));
    return b as unknown as TypedArray;
  }
  const r = rng(seed), a = arrayFor(dtype, n) as TypedArray;
  for (let i = 0; i < n; i++) {
    const u = r();
    if (dtype === "bool") a[i] = u < 0.5 ? 1 : 0;
    else if (dtype === "int32") a[i] = u < 0.1 ? INT_SPECIALS[Math.floor(r() * INT_SPECIALS.length)]! : Math.floor((r() - 0.5) * 200);
    else if (dtype === "uint8" || dtype === "int8") a[i] = Math.floor(r() * 256); // the store wraps into the dtype
    else if (u < 0.08) a[i] = FLOAT_SPECIALS[Math.floor(r() * FLOAT_SPECIALS.length)]!;
    else if (u < 0.6) a[i] = (r() - 0.5) * 8;
    else if (u < 0.8) a[i] = (r() - 0.5) * 100;
    else a[i] = Math.round((r() - 0.5) * 10) / 2; // exact halves: ties for round, equal operands
  }
  // half types: valid encodings of those values (canonical NaN, as every kernel writes)
  if (dtype === "bfloat16" || dtype === "float16") {
    const enc = dtype === "bfloat16" ? float32ToBFloat16Bits : float32ToFloat16Bits;
    const f = values(n, "float32", seed);
    for (let i = 0; i < n; i++) a[i] = enc(f[i]!);
  }
  return a;
}

// ---- comparison ---------------------------------------------------------------------

/** Distance in units of the last place of `dtype` between two finite numbers. */
function ulps(a: number, b: number, dtype: DType): number {
  if (a === b) return 0;
  const mant = dtype === "float32" ? 23 : 52, minExp = dtype === "float32" ? -126 : -1022;
  const e = Math.max(Math.floor(Math.log2(Math.max(Math.abs(a), Math.abs(b)))), minExp);
  return Math.abs(a - b) / 2 ** (e - mant);
}

function compare(got: TypedArray, want: TypedArray, dtype: DType, maxUlps: number, msg: string, absTol = dtype === "float64" ? 4e-15 : 0): void {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Object.is(g, w) || (g !== g && w !== w)) continue;
    if (maxUlps > 0 && Number.isFinite(g) && Number.isFinite(w) && ulps(g, w, dtype) <= maxUlps) continue;
    // float64 compositions like 1 + erf(x) cancel, magnifying an ulp of libm into many
    // ulps of a small result; the absolute error stays at float64 precision
    if (maxUlps > 0 && Math.abs(g - w) <= absTol) continue;
    assert.fail(`${msg}: element ${i}: native ${g}, reference ${w}`);
  }
}

// ops whose value comes from libm (may differ from V8's Math by an ulp or so)
const LIBM_UNARY = new Set<UnaryOpName>([
  "exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "geluErf", "geluTanh", "silu", "softplus", "powScalar",
  "log2", "log10", "exp2", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sinc", "logit",
]);
const LIBM_BINARY = new Set<BinaryOpName>(["pow", "atan2", "logaddexp", "logaddexp2", "hypot", "xlogy"]);

/** The dtypes a table op is tested on: those its `accepts` allows, else all four math dtypes. */
function dtypesOf(def: { kind: string; accepts?: string }): DType[] {
  if (def.accepts === "integral") return ["int32", "bool"];
  if (def.accepts === "int") return ["int32"];
  return def.kind === "float" || def.accepts === "float" ? ["float32", "float64"] : ["float32", "float64", "int32", "bool"];
}

// ---- layouts ------------------------------------------------------------------------

interface Layout {
  name: string;
  shape: number[];
  /** Per input: [strides, offset, storage size]. */
  ins: [number[], number, number][];
  out?: [number[], number, number];
}

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

function layouts(nin: number): Layout[] {
  const L: Layout[] = [];
  const same = (shape: number[], strides: number[], off: number, size: number): [number[], number, number][] =>
    Array.from({ length: nin }, () => [strides, off, size]);
  for (const n of [48, 61, 64, 127, 1000, 70001]) L.push({ name: `contiguous [${n}]`, shape: [n], ins: same([n], [1], 0, n) });
  const M = 37, N = 53;
  L.push({ name: "2-d contiguous", shape: [M, N], ins: same([M, N], [N, 1], 0, M * N) });
  L.push({ name: "transposed", shape: [M, N], ins: same([M, N], [1, M], 0, M * N) });
  L.push({ name: "strided with offset", shape: [5, 7, 9], ins: same([5, 7, 9], [140, 18, 2], 3, 5 * 140) });
  // transposed inputs past the blocked walk's threshold (4096 elements): blocks of 16 rows
  // with a remainder, innermost pieces of 256 with a remainder, other outer dims
  L.push({ name: "transposed, blocked", shape: [70, 130], ins: same([70, 130], [1, 70], 2, 70 * 130 + 2) });
  L.push({
    name: "3-d, last input transposed, blocked", shape: [3, 40, 300],
    ins: [...Array.from({ length: nin - 1 }, (): [number[], number, number] => [[12000, 300, 1], 0, 36000]), [[12000, 1, 40], 5, 36005]],
  });
  if (nin >= 2) {
    // the last input broadcast in the layouts training hits
    const bcast = (name: string, strides: number[], size: number, big = M): Layout => ({
      name, shape: [big, N],
      ins: [...Array.from({ length: nin - 1 }, (): [number[], number, number] => [[N, 1], 0, big * N]), [strides, 0, size]],
    });
    L.push(bcast("scalar broadcast", [0, 0], 1));
    L.push(bcast("row broadcast [M,N] + [N]", [0, 1], N));
    L.push(bcast("column broadcast [M,N] + [M,1]", [1, 0], M));
    L.push(bcast("large scalar broadcast", [0, 0], 1, 1300));
    const first: Layout = { name: "first operand scalar", shape: [M, N], ins: same([M, N], [N, 1], 0, M * N) };
    first.ins[0] = [[0, 0], 2, 3];
    L.push(first);
  }
  const so: Layout = { name: "strided output", shape: [M, N], ins: same([M, N], [N, 1], 0, M * N), out: [[1, M + 2], 1, N * (M + 2) + 1] };
  L.push(so);
  L.push({ name: "0-d broadcast to 64", shape: [4, 16], ins: same([4, 16], [0, 0], 0, 1) });
  return L;
}

function operandsFor(layout: Layout, inDtypes: readonly DType[], outDtype: DType, seed: number, nonzeroDivisor = false): { ins: Operand[]; out: () => Operand } {
  const ins = layout.ins.map(([strides, offset, size], k) => ({ arr: values(size, inDtypes[k]!, seed * 7 + k), strides, offset, dtype: inDtypes[k]! }));
  // integer division by zero raises (native_attrs.test.ts checks that): divisors of 1 instead
  if (nonzeroDivisor) (ins[1]!.arr as Float64Array).forEach((v, i, a) => { if (v === 0) a[i] = 1; });
  const [ostr, ooff, osize] = layout.out ?? [contiguousStrides(layout.shape), 0, layout.shape.reduce((x, y) => x * y, 1)];
  // both outputs start from the same (nonzero) contents, so untouched elements compare too
  const init = values(osize, outDtype, seed * 13);
  return { ins, out: () => ({ arr: init.slice(), strides: ostr, offset: ooff, dtype: outDtype }) };
}

/** Runs native and reference on identical operands; returns [native, reference] outputs. */
function runBoth(kind: "unary" | "binary" | "where" | "convert", op: string | null, expr: string, layout: Layout, inDtypes: DType[], outDtype: DType, params: number[], seed: number, nonzeroDivisor = false): [TypedArray, TypedArray] {
  const { ins, out } = operandsFor(layout, inDtypes, outDtype, seed, nonzeroDivisor);
  const got = out(), want = out();
  assert.ok(runElementwiseNative(kind, op, layout.shape, got, ins, params), `native declined ${kind} ${op} ${inDtypes}`);
  runElementwise(layout.shape, want, ins, expr, params);
  return [got.arr as TypedArray, want.arr as TypedArray];
}

function boolExpr(expr: string, outDtype: DType, kind: string): string {
  return outDtype === "bool" && kind !== "predicate" ? `((${expr}) !== 0)` : expr;
}

const UNARY_PARAMS: Partial<Record<UnaryOpName, number[][]>> = {
  leakyRelu: [[0.01], [-2.5]],
  softplus: [[1, 20], [2.5, 3]],
  // incl. signed-zero bounds (Math.max(-0, 0) is 0, Math.min(0, -0) is -0) and NaN bounds
  clamp: [[-1.5, 2.25], [0, Infinity], [-0, Infinity], [-Infinity, 0.1], [-Infinity, -0], [-Infinity, 0], [3, -3], [NaN, 1], [-1, NaN]],
  powScalar: [[2], [0.5], [-0.5], [3], [-1], [0.3], [0]],
  // precision: float64, float32
  sinc: [[0], [1]],
  // no eps; eps 0.1 (lo, hi); eps 0; eps above 0.5
  logit: [[-1, 0], [0.1, 0.9], [0, 1], [0.6, 0.4]],
};
const BINARY_PARAMS: Partial<Record<BinaryOpName, number[][]>> = {
  // alpha of add_/sub_ (float32: a fused multiply-add, rounded once; float64: two roundings)
  addScaled: [[0.1], [-2.5], [1 / 3]],
  // weight, precision (as the op layer passes them: a float32 weight rounded to float32)
  lerp: [[0.3, 0], [0.7, 0], [-0.7, 0], [1.5, 0], [0.5, 0], [Math.fround(0.3), 1], [Math.fround(0.7), 1], [0, 1], [1, 1]],
};

/** Table ops marked native: false: the addon has no kernel, the TypeScript loop runs. */
function tsOnly(def: object): boolean {
  return "native" in def && def.native === false;
}

test("the table's native: false marks exactly the ops without a native op code", () => {
  for (const [name, def] of Object.entries(UNARY_OPS)) assert.equal(tsOnly(def), !NATIVE_UNARY_OPS.includes(name as UnaryOpName), `unary ${name}`);
  for (const [name, def] of Object.entries(BINARY_OPS)) assert.equal(tsOnly(def), !NATIVE_BINARY_OPS.includes(name as BinaryOpName), `binary ${name}`);
});

test("the native kernels decline the TypeScript-only ops cleanly (nothing written, false returned)", { skip }, () => {
  for (const [kind, table] of [["unary", UNARY_OPS], ["binary", BINARY_OPS]] as const) {
    const layout = layouts(kind === "unary" ? 1 : 2)[0]!;
    for (const [name, def] of Object.entries(table)) {
      if (!tsOnly(def)) continue;
      const dt: DType = "accepts" in def && def.accepts === "int" ? "int32" : "float64";
      const { ins, out } = operandsFor(layout, kind === "unary" ? [dt] : [dt, dt], def.kind === "predicate" ? "bool" : dt, 1);
      const o = out(), before = Array.from(o.arr as TypedArray);
      assert.equal(runElementwiseNative(kind, name, layout.shape, o, ins, [0, 0]), false, `${kind} ${name}`);
      assert.deepEqual(Array.from(o.arr as TypedArray), before, `${kind} ${name} wrote nothing`);
    }
  }
});

for (const isa of isas) {
  test(`native unary ops (${isa}) match the TypeScript loops on every layout, float32/float64/int32/bool`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 1;
      for (const [name, def] of Object.entries(UNARY_OPS) as [UnaryOpName, (typeof UNARY_OPS)[UnaryOpName]][]) {
        if (tsOnly(def)) continue; // no native kernel (checked below)
        // integer/bool inputs reach "float" ops only after promotion by the op layer
        const dtypes = dtypesOf(def);
        for (const dt of dtypes) {
          const outD: DType = def.kind === "predicate" ? "bool" : dt;
          for (const params of UNARY_PARAMS[name] ?? [[]]) {
            for (const layout of layouts(1)) {
              const [got, want] = runBoth("unary", name, boolExpr(unaryExpr(name, dt), outD, def.kind), layout, [dt], outD, params, seed++);
              const tol = LIBM_UNARY.has(name) ? ((name === "erf" || name === "geluErf") && dt === "float64" ? 16 : 4) : 0;
              // the float32 vector kernels (native/src/vecmath.h) compute gelu's negative tail
              // without the reference's 1 + erf(x) cancellation: tiny results differ by up to
              // the reference's own absolute error (test/backend/native_vecmath.test.ts checks them)
              const gelu32 = (name === "geluErf" || name === "geluTanh") && dt === "float32";
              compare(got, want, outD, dt === "int32" ? 0 : tol, `${isa} ${name}(${params}) ${dt} ${layout.name}`, gelu32 ? 4e-15 : undefined);
            }
          }
        }
      }
    });
  });

  test(`native binary ops (${isa}) match the TypeScript loops incl. broadcasts, float32/float64/int32/bool`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 1000;
      for (const [name, def] of Object.entries(BINARY_OPS) as [BinaryOpName, (typeof BINARY_OPS)[BinaryOpName]][]) {
        if (tsOnly(def)) continue;
        // int32 pow overflows into ToInt32 of a huge float64 whose last bits libm and V8
        // disagree on: the kernels decline it (TypeScript runs)
        const dtypes = name === "pow" ? ["float32", "float64", "bool"] as DType[] : dtypesOf(def);
        for (const dt of dtypes) {
          const outD: DType = def.kind === "predicate" ? "bool" : dt;
          // integer operands use the table's integer form where it has one (as the CPU backend does)
          const intForm = "jsInt" in def && (dt === "int32" || dt === "bool");
          // and int32's exact forms (mul is Math.imul: products past 2^53 keep their low bits)
          // and float32's own forms (addScaled's fused multiply-add)
          const js = (dt === "int32" ? INT_BINARY[name] : undefined) ?? (intForm ? def.jsInt : binaryExpr(name, dt));
          for (const params of BINARY_PARAMS[name] ?? [[]]) {
            for (const layout of layouts(2)) {
              const [got, want] = runBoth("binary", name, boolExpr(js, outD, def.kind), layout, [dt, dt], outD, params, seed++, intForm);
              compare(got, want, outD, LIBM_BINARY.has(name) ? 4 : 0, `${isa} ${name}(${params}) ${dt} ${layout.name}`);
            }
          }
        }
      }
    });
  });

  test(`native where, casts and copies (${isa}) match the TypeScript loops`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 5000;
      for (const dt of ["float32", "float64", "int32", "bool", "bfloat16", "float16"] as DType[]) {
        for (const layout of layouts(3)) {
          const [got, want] = runBoth("where", null, "(x !== 0 ? y : z)", layout, ["bool", dt, dt], dt, [], seed++);
          compare(got, want, dt, 0, `${isa} where ${dt} ${layout.name}`);
        }
        // copy/assign of one dtype: raw moves (the reference moves values as float64)
        for (const layout of layouts(1)) {
          const { ins, out } = operandsFor(layout, [dt], dt, seed++);
          const got = out(), want = out();
          assert.ok(runElementwiseNative("convert", null, layout.shape, got, ins));
          runElementwise(layout.shape, { ...want, dtype: "float64" }, [{ ...ins[0]!, dtype: "float64" }], "x");
          compare(got.arr as TypedArray, want.arr as TypedArray, dt, 0, `${isa} copy ${dt} ${layout.name}`);
        }
      }
      // every cast between the computed dtypes, against the TypeScript cast (PyTorch's C
      // casts: NaN and out-of-range floats to INT32_MIN/INT64_MIN, uint8 through int64, ...)
      const math: DType[] = ["float32", "float64", "int32", "bool", "uint8", "int8", "int64"];
      for (const from of math) {
        for (const to of math) {
          if (from === to) continue;
          const c = castExpr(from, to);
          for (const layout of layouts(1)) {
            const { ins, out } = operandsFor(layout, [from], to, seed++);
            const got = out(), want = out();
            assert.ok(runElementwiseNative("convert", null, layout.shape, got, ins), `native declined cast ${from} -> ${to}`);
            runElementwise(layout.shape, c.rawOut ? { ...want, dtype: "raw" } : want, [c.rawIn ? { ...ins[0]!, dtype: "raw" } : ins[0]!], c.expr);
            compare(got.arr as TypedArray, want.arr as TypedArray, to, 0, `${isa} cast ${from} -> ${to} ${layout.name}`);
          }
        }
      }
      // where and moves of the integer dtypes
      for (const dt of ["uint8", "int8", "int64"] as DType[]) {
        for (const layout of layouts(3)) {
          const { ins, out } = operandsFor(layout, ["bool", dt, dt], dt, seed++);
          const got = out(), want = out();
          assert.ok(runElementwiseNative("where", null, layout.shape, got, ins));
          runElementwise(layout.shape, { ...want, dtype: "raw" }, [ins[0]!, { ...ins[1]!, dtype: "raw" }, { ...ins[2]!, dtype: "raw" }], "(x !== 0 ? y : z)");
          compare(got.arr as TypedArray, want.arr as TypedArray, dt, 0, `${isa} where ${dt} ${layout.name}`);
        }
      }
    });
  });
}

for (const isa of isas) {
  test(`native integer ops (${isa}) on uint8/int8/int64 match the exact TypeScript forms (wrap-around, compares)`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 9000;
      const binary: BinaryOpName[] = ["add", "sub", "mul", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"];
      for (const dt of ["uint8", "int8", "int64"] as DType[]) {
        for (const name of binary) {
          const pred = BINARY_OPS[name].kind === "predicate";
          const outD: DType = pred ? "bool" : dt;
          const exact = dt === "int64" ? INT64_BINARY[name]! : INT_BINARY[name] ?? BINARY_OPS[name].js;
          for (const layout of layouts(2)) {
            const { ins, out } = operandsFor(layout, [dt, dt], outD, seed++);
            const got = out(), want = out();
            assert.ok(runElementwiseNative("binary", name, layout.shape, got, ins), `native declined ${name} ${dt}`);
            const raw = dt === "int64";
            runElementwise(layout.shape, raw && !pred ? { ...want, dtype: "raw" } : want, raw ? ins.map((o) => ({ ...o, dtype: "raw" as const })) : ins, exact);
            compare(got.arr as TypedArray, want.arr as TypedArray, outD, 0, `${isa} ${name} ${dt} ${layout.name}`);
          }
        }
        for (const name of ["neg", "abs"] as UnaryOpName[]) {
          for (const layout of layouts(1)) {
            const { ins, out } = operandsFor(layout, [dt], dt, seed++);
            const got = out(), want = out();
            assert.ok(runElementwiseNative("unary", name, layout.shape, got, ins), `native declined ${name} ${dt}`);
            const raw = dt === "int64";
            runElementwise(layout.shape, raw ? { ...want, dtype: "raw" } : want, raw ? ins.map((o) => ({ ...o, dtype: "raw" as const })) : ins, raw ? INT64_UNARY[name]! : UNARY_OPS[name].js);
            compare(got.arr as TypedArray, want.arr as TypedArray, dt, 0, `${isa} ${name} ${dt} ${layout.name}`);
          }
        }
      }
    });
  });
}

test("the native kernels decline what they do not handle, so the TypeScript loops run", { skip }, () => {
  const shape = [64];
  const op = (dtype: DType): Operand => ({ arr: arrayFor(dtype, 64), strides: [1], offset: 0, dtype });
  // float16 is computed in TypeScript (widened), and converted there; bfloat16 math and its
  // float32 casts are native (native_bf16.test.ts), other bfloat16 casts are not
  assert.equal(runElementwiseNative("unary", "exp", shape, op("float16"), [op("float16")]), false);
  assert.equal(runElementwiseNative("convert", null, shape, op("float16"), [op("bfloat16")]), false);
  assert.equal(runElementwiseNative("convert", null, shape, op("float64"), [op("bfloat16")]), false);
  assert.equal(runElementwiseNative("convert", null, shape, op("float32"), [op("float16")]), false);
  assert.equal(runElementwiseNative("binary", "pow", shape, op("int32"), [op("int32"), op("int32")]), false);
  // bitwise ops and shifts are defined on integers and bool only
  assert.equal(runElementwiseNative("binary", "bitwiseAnd", shape, op("float32"), [op("float32"), op("float32")]), false);
  assert.equal(runElementwiseNative("binary", "bitwiseLeftShift", shape, op("float64"), [op("float64"), op("float64")]), false);
  assert.equal(runElementwiseNative("unary", "bitwiseNot", shape, op("float32"), [op("float32")]), false);
  // the integer dtypes: division, remainder, pow, sign ... run in TypeScript (exact forms, ZeroDivisionError)
  for (const dt of ["uint8", "int8", "int64"] as DType[]) {
    for (const name of ["div", "remainder", "pow", "logicalAnd", "addScaled"] as BinaryOpName[]) {
      assert.equal(runElementwiseNative("binary", name, shape, op(name === "logicalAnd" ? "bool" : dt), [op(dt), op(dt)], [1]), false, `${name} ${dt}`);
    }
    assert.equal(runElementwiseNative("unary", "sign", shape, op(dt), [op(dt)]), false);
  }
  // tiny ops stay in TypeScript
  assert.equal(runElementwiseNative("binary", "add", [2], op("float32"), [op("float32"), op("float32")]), false);
  // more than 6 non-mergeable dims
  const sh = [2, 2, 2, 2, 2, 2, 2];
  const st = [256, 64, 16, 4, 1, 128, 512].map((s) => s);
  const big = (dtype: DType): Operand => ({ arr: arrayFor(dtype, 1024), strides: st, offset: 0, dtype });
  assert.equal(runElementwiseNative("unary", "neg", sh, { ...big("float32"), strides: contiguousStrides(sh) }, [big("float32")]), false);
});

test("a bad stride from TypeScript throws instead of touching memory outside the array", { skip }, () => {
  const a: Operand = { arr: new Float32Array(64), strides: [2], offset: 0, dtype: "float32" };
  const o: Operand = { arr: new Float32Array(64), strides: [1], offset: 0, dtype: "float32" };
  assert.throws(() => runElementwiseNative("unary", "neg", [64], o, [a]), /strides reach outside/);
  assert.throws(() => runElementwiseNative("unary", "neg", [64], { ...o, offset: 1 }, [{ ...a, strides: [1] }]), /strides reach outside/);
});

/** Runs an ES module snippet in a fresh Node with tsx; returns its stdout (throws on failure). */
function runChild(code: string, env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: { ...process.env, ...env }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

// a small forward pass through the elementwise ops, as exact values (bit patterns)
const probe = `
  import { tensor, where } from "./src/index.ts";
  import { nativeStatus } from "./src/backend/cpu/native.ts";
  const x = tensor(Array.from({ length: 300 }, (_, i) => Math.sin(i) * 5)).reshape([20, 15]);
  const b = tensor(Array.from({ length: 15 }, (_, i) => i / 7 - 1));
  const y = x.add(b).mul(0.3).relu().sub(x.mT.contiguous().mT).div(x.abs().add(1)).sqrt().neg();
  const z = where(x.gt(0), x.maximum(b), y).to("float64").mul(1 / 3);
  const bits = (t) => Array.from(new Uint32Array(new Float32Array(t.to("float32").toTypedArray()).buffer));
  console.log(JSON.stringify({ isa: nativeStatus().isa, y: bits(y), z: Array.from(z.toTypedArray()).map(String) }));
`;

test("FLUXION_NATIVE=0 and FLUXION_NATIVE_ISA=portable give bit-identical elementwise results", { skip }, () => {
  const ts = JSON.parse(runChild(probe, { FLUXION_NATIVE: "0" }));
  const portable = JSON.parse(runChild(probe, { FLUXION_NATIVE_ISA: "portable" }));
  const best = JSON.parse(runChild(probe, {}));
  assert.equal(ts.isa, null);
  assert.equal(portable.isa, "portable");
  assert.deepEqual(portable.y, ts.y);
  assert.deepEqual(portable.z, ts.z);
  assert.deepEqual(best.y, ts.y);
  assert.deepEqual(best.z, ts.z);
});

test("tensor ops use the native kernels transparently (values as PyTorch gives them)", () => {
  const x = tensor(Array.from({ length: 64 }, (_, i) => (i % 8) - 3.5));
  assert.deepEqual(x.relu().sum().item(), 8 * (0.5 + 1.5 + 2.5 + 3.5));
  assert.deepEqual(x.clamp(-1, 1).tolist().slice(0, 8), [-1, -1, -1, -0.5, 0.5, 1, 1, 1]);
  assert.deepEqual(x.gt(0).to("int32").sum().item(), 32);
});

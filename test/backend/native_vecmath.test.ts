/**
 * Accuracy of the float32 vector math kernels (native/src/vecmath.h: exp, log, tanh,
 * sigmoid, erf, gelu, silu, softplus, sin/cos, pow, ...) on the AVX-512 and AVX2 paths:
 * every result within 2 ulp (of float32, at the exact value's magnitude; 2^-149 among the
 * subnormals) of a float64 reference, over a dense deterministic sample of each function's
 * domain: every 4099th float32 bit pattern of both signs (all binades: subnormals, overflow
 * and underflow thresholds) plus 2^19 evenly spaced values over the range where the function
 * is not constant, plus the special values (NaN, ±inf, ±0, denormals, FLT_MAX). Infinite,
 * NaN and zero results must match the reference's exactly (sign of zero included). The two
 * ISA paths must also agree bit for bit (vecmath.h is written once for both).
 *
 * The references are float64 formulas that do not cancel where the float32 result is small
 * (gelu's negative tail through erfc's continued fraction, gelu-tanh as x sigmoid(2v));
 * native/tools/vecmath_sweep.cc runs the same check over every float32 (a dev tool).
 * Also: results do not depend on the layout (strided, broadcast, offset, partial vectors),
 * on threading, or on the non-temporal store path (forced on in a child process).
 * Skipped when the addon is not built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { erf as erf64 } from "../../src/ops/elementwise_table.js";
import { runElementwiseNative, type Operand } from "../../src/backend/cpu/loops.js";
import { isas, skip, withIsa, type Isa } from "./native_helpers.js";

const vectorIsas = isas.filter((i): i is Isa => i === "avx2" || i === "avx512");

// ---- inputs ---------------------------------------------------------------------------

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
function fromBits(b: number): number {
  u32[0] = b >>> 0;
  return f32[0]!;
}

const FLT_MAX = 3.4028234663852886e38, DENORM_MIN = 2 ** -149;
const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, DENORM_MIN, -DENORM_MIN, 2 ** -126 - DENORM_MIN, -(2 ** -126), 1e-40, -1e-40, 2 ** -126,
  FLT_MAX, -FLT_MAX, 1, -1, 0.5, -0.5, 2, -2, 1e-7, -1e-7, 88.72283, 88.72284, -87.33654, -87.33655, -103.97207, -103.97209, 89, -104, 1e30, -1e30];

/** Every `step`-th float32 bit pattern of both signs (finite), plus the specials. */
function bitSweep(step: number): number[] {
  const v: number[] = [...SPECIALS];
  for (let b = 0; b < 0x7f800000; b += step) v.push(fromBits(b), fromBits(b | 0x80000000));
  return v;
}
/** n values evenly spaced over [lo, hi], rounded to float32. */
function grid(lo: number, hi: number, n: number): number[] {
  const v: number[] = [];
  for (let i = 0; i <= n; i++) v.push(Math.fround(lo + ((hi - lo) * i) / n));
  return v;
}
const SWEEP = bitSweep(4099); // ~1.04M values

// ---- float64 references ------------------------------------------------------------------

/** erfc(u) for u >= 0 without cancellation: 1 - erf below 2.5, the continued fraction above. */
function erfc64(u: number): number {
  if (u < 2.5) return 1 - erf64(u);
  if (u > 27) return 0;
  let f = u;
  for (let n = 120; n >= 1; n--) f = u + n / 2 / f;
  return Math.exp(-u * u) / Math.sqrt(Math.PI) / f;
}
function sigmoid64(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
function gelu64(x: number): number {
  if (x === -Infinity) return NaN; // the reference table: -inf * 0
  return x < 0 ? 0.5 * x * erfc64(-x * Math.SQRT1_2) : 0.5 * x * (1 + erf64(x * Math.SQRT1_2));
}
function geluTanh64(x: number): number {
  if (x === -Infinity) return NaN;
  const v2 = 2 * 0.7978845608028654 * (x + 0.044715 * x * x * x);
  return x / (1 + Math.exp(-v2)); // x (1 + tanh v) / 2 = x sigmoid(2v)
}
/** C's pow where JavaScript differs (1^y, (-1)^±inf). */
function pow64(x: number, y: number): number {
  if (x === 1 || (x === -1 && !Number.isFinite(y) && y === y)) return 1;
  return Math.pow(x, y);
}

interface UnaryCase {
  op: string;
  params?: [number, number];
  ref: (x: number) => number;
  /** where the function is not constant in float32: densely gridded */
  range: [number, number];
}
const UNARY: UnaryCase[] = [
  { op: "exp", ref: Math.exp, range: [-104, 89] },
  { op: "exp2", ref: (x) => 2 ** x, range: [-150, 128] },
  { op: "expm1", ref: Math.expm1, range: [-18, 89] },
  { op: "log", ref: Math.log, range: [0, 16] },
  { op: "log1p", ref: Math.log1p, range: [-1, 16] },
  { op: "log2", ref: Math.log2, range: [0, 16] },
  { op: "log10", ref: Math.log10, range: [0, 16] },
  { op: "tanh", ref: Math.tanh, range: [-10, 10] },
  { op: "sinh", ref: Math.sinh, range: [-90, 90] },
  { op: "cosh", ref: Math.cosh, range: [-90, 90] },
  { op: "sigmoid", ref: sigmoid64, range: [-105, 18] },
  { op: "silu", ref: (x) => x * sigmoid64(x), range: [-110, 20] },
  { op: "softplus", params: [1, 20], ref: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), range: [-104, 25] },
  { op: "atan", ref: Math.atan, range: [-20, 20] },
  { op: "erf", ref: erf64, range: [-5, 5] },
  { op: "geluErf", ref: gelu64, range: [-16, 6] },
  { op: "geluTanh", ref: geluTanh64, range: [-14, 6] },
  { op: "sin", ref: Math.sin, range: [-100, 100] },
  { op: "cos", ref: Math.cos, range: [-100, 100] },
  { op: "tan", ref: Math.tan, range: [-10, 10] },
  ...[2.5, -1.7, 3, -2, 7, 1 / 3].map((p): UnaryCase => ({ op: "powScalar", params: [p, 0], ref: (x) => pow64(x, p), range: [-4, 40] })),
];

// ---- ulp distance -------------------------------------------------------------------------

const d64 = new Float64Array(1), d32 = new Uint32Array(d64.buffer);
/** float32's unit in the last place at the magnitude of t (a finite double). */
function ulpOf(t: number): number {
  d64[0] = t;
  const e = ((d32[1]! >>> 20) & 0x7ff) - 1023; // |t| in [2^e, 2^(e+1)) (0 and double subnormals: tiny e)
  return 2 ** Math.max(e - 23, -149);
}

interface Worst { ulps: number; at: number; got: number; want: number }

/**
 * The largest error of `got` against the float64 reference values in ulps; Infinity for a
 * NaN/infinity/zero-sign mismatch (those must be exact).
 */
function worstError(xs: Float32Array, got: Float32Array, want: Float64Array): Worst {
  let w: Worst = { ulps: 0, at: NaN, got: NaN, want: NaN };
  for (let i = 0; i < xs.length; i++) {
    const g = got[i]!, t = want[i]!, tf = Math.fround(t);
    let e: number;
    if (t !== t || g !== g) e = t !== t && g !== g ? 0 : Infinity;
    else if (!Number.isFinite(tf) || !Number.isFinite(g)) e = g === tf ? 0 : Infinity;
    else if (tf === 0 && g === 0) e = Object.is(g, tf) ? 0 : Infinity;
    else e = Math.abs(g - t) / ulpOf(t);
    if (e > w.ulps) w = { ulps: e, at: xs[i]!, got: g, want: t };
  }
  return w;
}

function contiguous(arr: Float32Array, offset = 0): Operand {
  return { arr, strides: [1], offset, dtype: "float32" };
}

function runUnary(op: string, xs: Float32Array, params: readonly number[] = []): Float32Array {
  const out = new Float32Array(xs.length);
  assert.ok(runElementwiseNative("unary", op, [xs.length], contiguous(out), [contiguous(xs)], params), `native declined ${op}`);
  return out;
}
function runBinary(op: string, a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  assert.ok(runElementwiseNative("binary", op, [a.length], contiguous(out), [contiguous(a), contiguous(b)]), `native declined ${op}`);
  return out;
}
function bitsEqual(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i] && !(a[i] !== a[i] && b[i] !== b[i])) return i;
  return -1;
}

// ---- the sweeps ------------------------------------------------------------------------------

for (const c of UNARY) {
  const name = c.params ? `${c.op}(${c.params.join(", ")})` : c.op;
  test(`vecmath ${name}: within 2 ulp of float64 on a dense sweep, specials exact, AVX2 = AVX-512`, { skip: skip || vectorIsas.length === 0 }, () => {
    const xs = Float32Array.from([...SWEEP, ...grid(c.range[0], c.range[1], 1 << 19)]);
    const want = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) want[i] = c.ref(xs[i]!);
    const results: Float32Array[] = [];
    for (const isa of vectorIsas) {
      withIsa(isa, () => {
        const got = runUnary(c.op, xs, c.params);
        const w = worstError(xs, got, want);
        assert.ok(w.ulps <= 2, `${isa} ${name}: ${w.ulps.toFixed(3)} ulp at x = ${w.at} (got ${w.got}, float64 ${w.want})`);
        results.push(got);
      });
    }
    if (results.length === 2) {
      const i = bitsEqual(results[0]!, results[1]!);
      assert.equal(i, -1, `${name}: AVX2 and AVX-512 differ at x = ${xs[i]}: ${results[0]![i]} vs ${results[1]![i]}`);
    }
  });
}

test("vecmath geluErf at the edges of its polynomial pieces (multiples of 1/4 up to 4) and of the float path: within 2 ulp, AVX2 = AVX-512", { skip: skip || vectorIsas.length === 0 }, () => {
  // 64 float32 neighbours on each side of ±k/4, k = 0..16 (4 is where the double-lane path
  // takes over), in an order that puts pieces and both paths side by side in one vector
  const xs: number[] = [];
  u32[0] = 0;
  for (let k = 0; k <= 16; k++) {
    f32[0] = k / 4;
    const b = u32[0]!;
    for (let d = -64; d <= 64; d++) {
      if (b + d < 0) continue;
      xs.push(fromBits(b + d), fromBits((b + d) | 0x80000000));
    }
  }
  const x = Float32Array.from(xs);
  const want = Float64Array.from(x, gelu64);
  const results: Float32Array[] = [];
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      const got = runUnary("geluErf", x);
      const w = worstError(x, got, want);
      assert.ok(w.ulps <= 2, `${isa} geluErf: ${w.ulps.toFixed(3)} ulp at x = ${w.at} (got ${w.got}, float64 ${w.want})`);
      results.push(got);
    });
  }
  if (results.length === 2) assert.equal(bitsEqual(results[0]!, results[1]!), -1, "AVX2 and AVX-512 differ");
});

test("vecmath pow(x, y) with tensor exponents: within 2 ulp, negative bases, specials", { skip: skip || vectorIsas.length === 0 }, () => {
  const a: number[] = [], b: number[] = [];
  const sp = [0, -0, 1, -1, Infinity, -Infinity, NaN, 0.5, 2, -2, 1e-40, FLT_MAX];
  for (const x of sp) for (const y of [...sp, 3, -3, 2.5, -0.5]) { a.push(x); b.push(y); }
  let s = 12345;
  const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let i = 0; i < 1 << 20; i++) {
    const k = i % 4;
    if (k === 0) { a.push(r() * 100); b.push((r() - 0.5) * 20); } // everything in range
    else if (k === 1) { a.push(-r() * 10); b.push(Math.round((r() - 0.5) * 30)); } // negative base, integral exponent
    else if (k === 2) { a.push(-r() * 10); b.push((r() - 0.5) * 10); } // negative base: NaN unless integral
    else { a.push(fromBits(Math.floor(r() * 0x7f800000))); b.push((r() - 0.5) * 4); } // any magnitude, over/underflow
  }
  const xa = Float32Array.from(a), xb = Float32Array.from(b);
  const want = new Float64Array(xa.length);
  for (let i = 0; i < xa.length; i++) want[i] = pow64(xa[i]!, xb[i]!);
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      const got = runBinary("pow", xa, xb);
      const w = worstError(xa, got, want);
      assert.ok(w.ulps <= 2, `${isa} pow: ${w.ulps} ulp at x = ${w.at} (got ${w.got}, float64 ${w.want})`);
    });
  }
});

test("vecmath: the worst-case check can fail (a 3-ulp error and a zero's sign are caught)", () => {
  const xs = Float32Array.from([1, 2]);
  const want = Float64Array.from([1, 0]);
  assert.equal(worstError(xs, Float32Array.from([1 + 3 * 2 ** -23, 0]), want).ulps, 3);
  assert.equal(worstError(xs, Float32Array.from([1, -0]), want).ulps, Infinity);
  assert.equal(worstError(xs, Float32Array.from([NaN, 0]), want).ulps, Infinity);
  assert.equal(ulpOf(1e-44), DENORM_MIN);
  assert.equal(ulpOf(1.5), 2 ** -23);
});

// ---- layouts, threads, streaming stores -------------------------------------------------------

const LAYOUT_OPS: [string, number[]][] = [["exp", []], ["tanh", []], ["geluErf", []], ["sin", []], ["powScalar", [2.5, 0]], ["softplus", [1, 20]], ["sigmoid", []], ["silu", []]];

test("vecmath: results do not depend on layout (strided, offset, partial vectors) or threading", { skip: skip || vectorIsas.length === 0 }, () => {
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      for (const [op, params] of LAYOUT_OPS) {
        // contiguous reference over 3 * 37 * 41 values (past the threading threshold) ...
        const n = 3 * 37 * 41 * 16;
        const xs = new Float32Array(n);
        for (let i = 0; i < n; i++) xs[i] = Math.fround(Math.sin(i * 0.37) * 12);
        const ref = runUnary(op, xs, params);
        // ... a transposed view [41*16, 111] of it, written into an offset output
        const rows = 111, cols = 41 * 16;
        const out = new Float32Array(n + 3);
        assert.ok(runElementwiseNative("unary", op, [cols, rows], { arr: out, strides: [rows, 1], offset: 3, dtype: "float32" },
          [{ arr: xs, strides: [1, cols], offset: 0, dtype: "float32" }], params));
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
          const g = out[3 + c * rows + r]!, w = ref[r * cols + c]!;
          if (!Object.is(g, w)) assert.fail(`${isa} ${op} transposed: [${r}, ${c}] ${g} vs ${w}`);
        }
        // partial vectors (the native path starts at 48 elements), misaligned in and out
        for (let len = 48; len <= 90; len++) {
          const o = new Float32Array(len + 1);
          assert.ok(runElementwiseNative("unary", op, [len], contiguous(o, 1), [contiguous(xs, 7)], params));
          for (let i = 0; i < len; i++) if (!Object.is(o[1 + i], ref[7 + i])) assert.fail(`${isa} ${op} len ${len} [${i}]: ${o[1 + i]} vs ${ref[7 + i]}`);
        }
      }
    });
  }
});

// sigmoid and silu run contiguous rows in blocks of vectors, two passes each (vecmath_rows.h,
// Staged); a block with a lane outside the fast range (|x| >= 87, inf, NaN) runs the one-pass
// function instead. Either way a value's result must not depend on its block.
test("vecmath sigmoid/silu: a block holding a value outside the fast range leaves its neighbours' bits unchanged", { skip: skip || vectorIsas.length === 0 }, () => {
  const n = 4099;  // whole blocks on both ISAs plus a partial vector
  const base = new Float32Array(n);
  for (let i = 0; i < n; i++) base[i] = Math.fround(Math.sin(i * 0.61) * 30);
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      for (const op of ["sigmoid", "silu"]) {
        const clean = runUnary(op, base);
        for (const special of [NaN, Infinity, -Infinity, 87, -87, 100, -100, -120]) {
          for (const at of [0, 300, 1023, 2048, 4095, 4098]) {
            const xs = base.slice();
            xs[at] = special;
            const got = runUnary(op, xs);
            const alone = runUnary(op, new Float32Array(64).fill(special)); // the native path starts at 48 elements
            for (let i = 0; i < n; i++) {
              const want = i === at ? alone[0]! : clean[i]!;
              if (!Object.is(got[i], want)) assert.fail(`${isa} ${op} with ${special} at ${at}: [${i}] ${got[i]} vs ${want}`);
            }
          }
        }
      }
    });
  }
});

test("vecmath: broadcast float32 add/sub/mul/div (stride 0 operands) equal the scalar loop bit for bit", { skip: skip || vectorIsas.length === 0 }, () => {
  const rows = 67, cols = 515;
  const a = new Float32Array(rows * cols), row = new Float32Array(cols), col = new Float32Array(rows);
  for (let i = 0; i < a.length; i++) a[i] = Math.fround(Math.cos(i) * 3);
  for (let i = 0; i < cols; i++) row[i] = Math.fround(1 + i / 7);
  for (let i = 0; i < rows; i++) col[i] = Math.fround(-2 + i / 3);
  const js: Record<string, (x: number, y: number) => number> = { add: (x, y) => x + y, sub: (x, y) => x - y, mul: (x, y) => x * y, div: (x, y) => x / y };
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      for (const op of Object.keys(js)) {
        for (const [name, b, bs, swap] of [["row", row, [0, 1], false], ["col", col, [1, 0], false], ["scalar-first", col, [0, 0], true]] as const) {
          const out = new Float32Array(a.length);
          const A: Operand = { arr: a, strides: [cols, 1], offset: 0, dtype: "float32" };
          const B: Operand = { arr: b, strides: bs, offset: 0, dtype: "float32" };
          assert.ok(runElementwiseNative("binary", op, [rows, cols], { arr: out, strides: [cols, 1], offset: 0, dtype: "float32" }, swap ? [B, A] : [A, B]));
          for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
            const av = a[r * cols + c]!, bv = b[bs[0] * r + bs[1] * c]!;
            const w = Math.fround(swap ? js[op]!(bv, av) : js[op]!(av, bv));
            if (!Object.is(out[r * cols + c], w)) assert.fail(`${isa} ${op} ${name} [${r}, ${c}]: ${out[r * cols + c]} vs ${w}`);
          }
        }
      }
    });
  }
});

test("vecmath: non-temporal stores (forced on small tensors) give the same bits", { skip: skip || vectorIsas.length === 0 }, () => {
  const code = `
    import { runElementwiseNative } from "./src/backend/cpu/loops.ts";
    import { setNativeIsa } from "./src/backend/cpu/native.ts";
    import { createHash } from "node:crypto";
    const h = createHash("sha256");
    for (const isa of ${JSON.stringify(vectorIsas)}) {
      setNativeIsa(isa);
      for (const n of [48, 63, 64, 65, 1000, 4099, 70001]) for (const off of [0, 1, 5]) {
        const a = new Float32Array(n + off), b = new Float32Array(n + off);
        for (let i = 0; i < a.length; i++) { a[i] = Math.sin(i) * 5; b[i] = Math.cos(i * 3); }
        for (const [kind, op, ins] of [["unary", "exp", [a]], ["unary", "sigmoid", [a]], ["binary", "add", [a, b]], ["binary", "mul", [a, b]]]) {
          const out = new Float32Array(n + off);
          const ok = runElementwiseNative(kind, op, [n], { arr: out, strides: [1], offset: off, dtype: "float32" },
            ins.map((x) => ({ arr: x, strides: [1], offset: off, dtype: "float32" })));
          if (!ok) throw new Error("declined " + op);
          h.update(new Uint8Array(out.buffer));
        }
      }
    }
    console.log(h.digest("hex"));`;
  const run = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const plain = run({ FLUXION_STREAM_MIN_BYTES: String(1 << 40) }), streamed = run({ FLUXION_STREAM_MIN_BYTES: "1" });
  assert.match(plain, /^[0-9a-f]{64}$/);
  assert.equal(streamed, plain);
});

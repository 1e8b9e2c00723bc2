/**
 * The threaded paths of the native elementwise driver and reductions (ewise_driver.inc's
 * ew_run, reduce.inc's reduce_typed): a large op is cut into tasks of about 16K elements
 * (up to 64 per thread) that the pool hands out dynamically, so a task boundary can fall
 * anywhere in a row, next to a broadcast operand's reuse, or inside a strided output. Each
 * case runs at 1 and at 2 threads and must give bit-identical results, which also equal
 * the TypeScript loops (exact ops) or stay within the vector math's bound of them.
 * Skipped when the addon is not built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runElementwise, runElementwiseNative, type Operand } from "../../src/backend/cpu/loops.js";
import { BINARY_OPS, UNARY_OPS } from "../../src/ops/elementwise_table.js";
import { tensor, setNumThreads, getNumThreads } from "../../src/index.js";
import { isas, skip, withIsa, rng } from "./native_helpers.js";


function data(n: number, seed: number, scale = 4): Float32Array {
  const r = rng(seed), a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() - 0.5) * 2 * scale;
  return a;
}

interface Case { name: string; shape: number[]; ins: [number[], number, number][]; out?: [number[], number, number] }

function contiguous(shape: number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

// sizes around the task grain (16384) and the thread thresholds (16K for vector math, 32K
// for cheap ops); rows of odd length so task boundaries fall inside rows
function cases(nin: number): Case[] {
  const C: Case[] = [];
  const same = (strides: number[], off: number, size: number): [number[], number, number][] => Array.from({ length: nin }, () => [strides, off, size]);
  for (const n of [16383, 16385, 32767, 32769, 3 * 16384 + 5, 1_048_576 + 3]) C.push({ name: `contiguous [${n}]`, shape: [n], ins: same([1], 0, n) });
  const M = 301, N = 333; // 100233 elements: 6 tasks, boundaries inside rows
  C.push({ name: `2-d [${M}, ${N}]`, shape: [M, N], ins: same([N, 1], 0, M * N) });
  C.push({ name: "strided input with offset", shape: [M, N], ins: same([2 * N + 1, 2], 5, M * (2 * N + 1) + 5) });
  C.push({ name: "transposed input", shape: [M, N], ins: same([1, M], 0, M * N) });
  C.push({ name: "strided output", shape: [M, N], ins: same([N, 1], 0, M * N), out: [[N + 3, 1], 2, M * (N + 3) + 2] });
  if (nin === 2) {
    C.push({ name: "row broadcast [M,N] + [N]", shape: [M, N], ins: [[[N, 1], 0, M * N], [[0, 1], 0, N]] });
    C.push({ name: "column broadcast [M,N] + [M,1]", shape: [M, N], ins: [[[N, 1], 0, M * N], [[1, 0], 0, M]] });
    C.push({ name: "scalar broadcast", shape: [M, N], ins: [[[N, 1], 0, M * N], [[0, 0], 3, 4]] });
    C.push({ name: "first operand scalar", shape: [M, N], ins: [[[0, 0], 1, 2], [[N, 1], 0, M * N]] });
  }
  return C;
}

function run(kind: "unary" | "binary", op: string, expr: string, c: Case, threads: number, native: boolean, seed: number): Float32Array {
  const ins: Operand[] = c.ins.map(([strides, offset, size], k) => ({ arr: data(size, seed * 7 + k), strides, offset, dtype: "float32" }));
  const [ostr, ooff, osize] = c.out ?? [contiguous(c.shape), 0, c.shape.reduce((a, b) => a * b, 1)];
  const out: Operand = { arr: data(osize, seed * 13), strides: ostr, offset: ooff, dtype: "float32" }; // untouched elements compare too
  if (native) {
    setNumThreads(threads);
    assert.ok(runElementwiseNative(kind, op, c.shape, out, ins, []), `native declined ${op}`);
  } else {
    runElementwise(c.shape, out, ins, expr, []);
  }
  return out.arr as Float32Array;
}

function firstDiff(a: Float32Array, b: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const UNARY = ["exp", "sigmoid", "tanh", "geluErf", "relu"] as const;
const BINARY = ["add", "mul", "sub", "div"] as const;

for (const isa of isas) {
  test(`threaded elementwise (${isa}): tasks split anywhere give the 1-thread bits and the reference's values`, { skip }, () => {
    const saved = getNumThreads();
    try {
      withIsa(isa, () => {
        let seed = 1;
        for (const op of UNARY) {
          for (const c of cases(1)) {
            const one = run("unary", op, "", c, 1, true, seed), two = run("unary", op, "", c, 2, true, seed);
            const i = firstDiff(one, two);
            assert.equal(i, -1, `${isa} ${op} ${c.name}: 2 threads differ from 1 at ${i} (${one[i]} vs ${two[i]})`);
            const want = run("unary", op, UNARY_OPS[op].js, c, 1, false, seed);
            for (let k = 0; k < want.length; k++) {
              const tol = op === "relu" ? 0 : 4 * 2 ** -24 * Math.max(Math.abs(want[k]!), 2 ** -126);
              // gelu's negative tail: the reference's 1 + erf(x) cancels (native_vecmath checks it)
              const abs = op === "geluErf" ? 1e-7 : 0;
              assert.ok(Math.abs(two[k]! - want[k]!) <= tol + abs, `${isa} ${op} ${c.name} at ${k}: ${two[k]} vs ${want[k]}`);
            }
            seed++;
          }
        }
        for (const op of BINARY) {
          for (const c of cases(2)) {
            const one = run("binary", op, "", c, 1, true, seed), two = run("binary", op, "", c, 2, true, seed);
            const want = run("binary", op, BINARY_OPS[op].js, c, 1, false, seed);
            const i = firstDiff(one, two), j = firstDiff(two, want);
            assert.equal(i, -1, `${isa} ${op} ${c.name}: 2 threads differ from 1 at ${i} (${one[i]} vs ${two[i]})`);
            assert.equal(j, -1, `${isa} ${op} ${c.name}: differs from the TypeScript loop at ${j} (${two[j]} vs ${want[j]})`);
            seed++;
          }
        }
      });
    } finally {
      setNumThreads(saved);
    }
  });

  test(`threaded reductions (${isa}): sum/amax over rows and columns at 1 and 2 threads agree bit for bit`, { skip }, () => {
    const saved = getNumThreads();
    try {
      withIsa(isa, () => {
        // rows x cols with many tasks (>= 16K elements each), odd counts so tasks are uneven
        for (const [rows, cols] of [[1023, 4097], [37, 16385], [5000, 7], [3, 70001]] as const) {
          const a = data(rows * cols, rows + cols, 1);
          const x = tensor(a).reshape([rows, cols]);
          for (const dim of [0, 1]) {
            const got = [1, 2].map((t) => {
              setNumThreads(t);
              return [x.sum(dim).data() as Float32Array, x.amax(dim).data() as Float32Array];
            });
            for (const k of [0, 1]) {
              const i = firstDiff(got[0]![k]!, got[1]![k]!);
              assert.equal(i, -1, `${isa} [${rows}, ${cols}] ${k ? "amax" : "sum"}(${dim}): 2 threads differ at ${i}`);
            }
            // and the sums against float64 (a loose bound: the exact one is native_reduce_f32's)
            const n = dim === 1 ? rows : cols, R = dim === 1 ? cols : rows;
            for (let o = 0; o < n; o++) {
              let s = 0, t = 0;
              for (let j = 0; j < R; j++) {
                const v = dim === 1 ? a[o * cols + j]! : a[j * cols + o]!;
                s += v;
                t += Math.abs(v);
              }
              assert.ok(Math.abs(got[1]![0]![o]! - s) <= 64 * 2 ** -24 * t + 2 ** -24 * Math.abs(s), `${isa} sum(${dim})[${o}] of [${rows}, ${cols}]: ${got[1]![0]![o]} vs ${s}`);
            }
          }
        }
      });
    } finally {
      setNumThreads(saved);
    }
  });
}

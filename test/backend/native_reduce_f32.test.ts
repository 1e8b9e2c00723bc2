/**
 * float32 reductions over the last dim on the AVX-512/AVX2 paths (native/src/reduce.inc):
 * `sum`/`mean` accumulate pairwise in float32 vector lanes (vsum_f32), so their error is
 * bounded against a float64 reference by (pairwise depth) * eps * sum |x|, far below plain
 * float32 accumulation's R * eps (which these bounds reject on 1e6-element rows);
 * `amax`/`amin` run vector max/min without an index and must equal the reference exactly,
 * NaN propagation and the sign of a zero result included. Also: results do not depend on
 * the thread count. Skipped when the addon is not built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tensor, setNumThreads, getNumThreads } from "../../src/index.js";
import { isas, skip, withIsa, type Isa, rng } from "./native_helpers.js";

const vectorIsas = isas.filter((i): i is Isa => i === "avx2" || i === "avx512");
const EPS = 2 ** -24;


/** Row sums in float64 and sums of |x|, of a [rows, cols] float32 array. */
function reference(a: Float32Array, rows: number, cols: number): { sum: Float64Array; abs: Float64Array } {
  const sum = new Float64Array(rows), abs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0, t = 0;
    for (let c = 0; c < cols; c++) { const v = a[r * cols + c]!; s += v; t += Math.abs(v); }
    sum[r] = s;
    abs[r] = t;
  }
  return { sum, abs };
}

/** An upper bound on the pairwise scheme's depth for a run of R: 4 adds per lane in a block and 3 to merge the 8 accumulators (counted as 8 + 2, the earlier 4-accumulator scheme's), log2 of the blocks, the tail. */
function depth(R: number): number {
  return 8 + 2 + Math.ceil(Math.log2(Math.max(2, R / 256))) + 2;
}

test("float32 sum/mean over 1e6-element rows: pairwise-accurate against float64", { skip: skip || vectorIsas.length === 0 }, () => {
  const rows = 3, cols = 1_048_583; // odd: a partial tail vector
  const r = rng(7);
  const data: [string, Float32Array][] = [
    ["uniform [0, 1)", Float32Array.from({ length: rows * cols }, () => r())],
    // equal values: rounding errors all go one way, which sequential accumulation piles up
    ["constant 1/3", new Float32Array(rows * cols).fill(1 / 3)],
    ["zero-mean", Float32Array.from({ length: rows * cols }, () => (r() - 0.5) * 4 + (r() < 0.001 ? 1000 : 0))],
  ];
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      for (const [name, a] of data) {
        const { sum, abs } = reference(a, rows, cols);
        const x = tensor(a).reshape([rows, cols]);
        const s = x.sum(-1).toTypedArray(), m = x.mean(-1).toTypedArray();
        for (let i = 0; i < rows; i++) {
          const bound = depth(cols) * EPS * abs[i]!;
          const err = Math.abs(s[i]! - sum[i]!);
          assert.ok(err <= bound, `${isa} sum ${name} row ${i}: ${s[i]} vs float64 ${sum[i]} (error ${err}, bound ${bound})`);
          assert.ok(Math.abs(m[i]! - sum[i]! / cols) <= bound / cols + Math.abs(sum[i]! / cols) * EPS * 2, `${isa} mean ${name} row ${i}: ${m[i]} vs ${sum[i]! / cols}`);
          // with no cancellation the error is a few ulps of the result (plain float32 accumulation: thousands)
          if (!name.startsWith("zero")) assert.ok(err <= 8 * EPS * 2 * Math.abs(sum[i]!), `${isa} sum ${name} row ${i}: relative error ${err / sum[i]!}`);
        }
      }
    });
  }
});

test("float32 sum: every run length 64..700 (block and tail edges) within the pairwise bound; threads agree", { skip: skip || vectorIsas.length === 0 }, () => {
  const r = rng(3);
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      for (let cols = 64; cols <= 700; cols += 7) {
        const rows = 5;
        const a = Float32Array.from({ length: rows * cols }, () => (r() - 0.3) * 10);
        const { sum, abs } = reference(a, rows, cols);
        const s = tensor(a).reshape([rows, cols]).sum(-1).toTypedArray();
        for (let i = 0; i < rows; i++) {
          assert.ok(Math.abs(s[i]! - sum[i]!) <= depth(cols) * EPS * abs[i]! + Math.abs(sum[i]!) * EPS, `${isa} cols ${cols} row ${i}: ${s[i]} vs ${sum[i]}`);
        }
      }
      // 1024 x 4096 (the issue's case) on 1 and 2 threads: the same bits
      const a = Float32Array.from({ length: 1024 * 4096 }, () => r() - 0.5);
      const x = tensor(a).reshape([1024, 4096]);
      const before = getNumThreads();
      try {
        setNumThreads(1);
        const one = x.sum(-1).toTypedArray(), oneMax = x.amax(-1).toTypedArray();
        setNumThreads(2);
        assert.deepEqual(x.sum(-1).toTypedArray(), one);
        assert.deepEqual(x.amax(-1).toTypedArray(), oneMax);
      } finally {
        setNumThreads(before);
      }
    });
  }
});

test("float32 amax/amin over the last dim: exactly the reference (NaN anywhere, zero signs, infinities, tails)", { skip: skip || vectorIsas.length === 0 }, () => {
  const r = rng(11);
  const rowsOf: [string, (cols: number) => Float32Array][] = [
    ["random", (n) => Float32Array.from({ length: n }, () => (r() - 0.5) * 100)],
    ["NaN first", (n) => Float32Array.from({ length: n }, (_, i) => (i === 0 ? NaN : r()))],
    ["NaN last", (n) => Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? NaN : r()))],
    ["NaN middle", (n) => Float32Array.from({ length: n }, (_, i) => (i === n >> 1 ? NaN : -r()))],
    ["zeros -0 first", (n) => Float32Array.from({ length: n }, (_, i) => (i === 0 ? -0 : i === 5 ? 0 : i % 2 ? -r() - 1 : r() - 2))],
    ["zeros +0 first", (n) => Float32Array.from({ length: n }, (_, i) => (i === 1 ? 0 : i === n - 1 ? -0 : -r() - 1))],
    ["all -0/+0", (n) => Float32Array.from({ length: n }, (_, i) => (i % 3 ? -0 : 0))],
    ["infinities", (n) => Float32Array.from({ length: n }, (_, i) => (i === 7 ? Infinity : i === n - 2 ? -Infinity : r()))],
    ["extreme in the tail", (n) => Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? 5 : i === n - 2 ? -5 : r()))],
  ];
  for (const isa of vectorIsas) {
    withIsa(isa, () => {
      for (const cols of [64, 65, 127, 128, 129, 1000, 4099]) {
        for (const [name, make] of rowsOf) {
          const a = make(cols);
          let mx = a[0]!, mn = a[0]!;
          for (let i = 1; i < cols; i++) {
            const v = a[i]!;
            if (mx === mx && (v > mx || v !== v)) mx = v;
            if (mn === mn && (v < mn || v !== v)) mn = v;
          }
          const x = tensor(a).reshape([1, cols]);
          const gx = x.amax(-1).toTypedArray()[0]!, gn = x.amin(-1).toTypedArray()[0]!;
          assert.ok(Object.is(gx, mx), `${isa} amax ${name} cols ${cols}: ${gx} vs ${mx}`);
          assert.ok(Object.is(gn, mn), `${isa} amin ${name} cols ${cols}: ${gn} vs ${mn}`);
        }
      }
    });
  }
});

/** Sums over dim 1 of a [groups, R, n] float32 array in float64, and the sums of |x|. */
function columnReference(a: Float32Array, groups: number, R: number, n: number): { sum: Float64Array; abs: Float64Array } {
  const sum = new Float64Array(groups * n), abs = new Float64Array(groups * n);
  for (let g = 0; g < groups; g++)
    for (let j = 0; j < R; j++)
      for (let c = 0; c < n; c++) {
        const v = a[(g * R + j) * n + c]!;
        sum[g * n + c]! += v;
        abs[g * n + c]! += Math.abs(v);
      }
  return { sum, abs };
}

test("float32 column sums (sum over a strided dim): 16-row pairwise blocks into float64, the same bits at 1 and 2 threads", { skip: skip || vectorIsas.length === 0 }, () => {
  const r = rng(5);
  const before = getNumThreads();
  try {
    for (const isa of vectorIsas) {
      withIsa(isa, () => {
        // run lengths around the 16-row block, column counts around the vector width and the
        // 1024-column pass; one group (a bias gradient) and several
        for (const [groups, R, n] of [[1, 1, 5], [1, 15, 8], [1, 16, 17], [1, 17, 33], [2, 40, 300], [1, 1000, 1030], [3, 333, 4099], [1, 4096, 64]] as const) {
          const a = Float32Array.from({ length: groups * R * n }, () => (r() - 0.3) * 10 + (r() < 0.001 ? 1e4 : 0));
          const { sum, abs } = columnReference(a, groups, R, n);
          const x = tensor(a).reshape([groups, R, n]);
          setNumThreads(1);
          const one = x.sum(1).toTypedArray();
          for (let i = 0; i < groups * n; i++) {
            // 4 levels of float32 additions per block, the float64 sum of the blocks, one rounding
            const bound = 5 * EPS * abs[i]! + Math.abs(sum[i]!) * EPS;
            assert.ok(Math.abs(one[i]! - sum[i]!) <= bound, `${isa} [${groups}, ${R}, ${n}] column ${i}: ${one[i]} vs float64 ${sum[i]} (bound ${bound})`);
          }
          setNumThreads(2);
          assert.deepEqual(x.sum(1).toTypedArray(), one, `${isa} [${groups}, ${R}, ${n}]: 2 threads differ from 1`);
        }
        // the issue's 1024 x 4096 over dim 0: split over threads by column ranges
        const a = Float32Array.from({ length: 1024 * 4096 }, () => r() - 0.5);
        const x = tensor(a).reshape([1024, 4096]);
        setNumThreads(1);
        const one = x.sum(0).toTypedArray();
        setNumThreads(2);
        assert.deepEqual(x.sum(0).toTypedArray(), one);
      });
    }
  } finally {
    setNumThreads(before);
  }
});

test("float32 full sums of long runs: fixed pieces added in float64, within the pairwise bound, the same bits at 1 and 2 threads", { skip: skip || vectorIsas.length === 0 }, () => {
  const r = rng(9);
  const before = getNumThreads();
  try {
    for (const isa of vectorIsas) {
      withIsa(isa, () => {
        // below, at and past two pieces of 65536, a partial last piece, and several outputs
        for (const [rows, cols] of [[1, 131071], [1, 131072], [1, 300001], [3, 200003]] as const) {
          const a = Float32Array.from({ length: rows * cols }, () => (r() - 0.5) * 4 + (r() < 0.001 ? 1000 : 0));
          const { sum, abs } = reference(a, rows, cols);
          const x = tensor(a).reshape([rows, cols]);
          setNumThreads(1);
          const one = x.sum(-1).toTypedArray();
          for (let i = 0; i < rows; i++) {
            const bound = depth(cols) * EPS * abs[i]! + Math.abs(sum[i]!) * EPS;
            assert.ok(Math.abs(one[i]! - sum[i]!) <= bound, `${isa} [${rows}, ${cols}] row ${i}: ${one[i]} vs float64 ${sum[i]}`);
          }
          setNumThreads(2);
          assert.deepEqual(x.sum(-1).toTypedArray(), one, `${isa} [${rows}, ${cols}]: 2 threads differ from 1`);
          if (rows === 1) assert.equal(x.sum().item(), one[0], "sum() of one row is its row sum");
        }
      });
    }
  } finally {
    setNumThreads(before);
  }
});

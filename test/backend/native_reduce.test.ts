/**
 * The native reductions (sum, prod, max, min, argmax, argmin) and im2col/col2im (unfold,
 * fold) against their TypeScript references (reduceReference, unfoldReference,
 * foldReference), on every instruction-set path this CPU supports: reductions over the
 * last dim, leading dims, middle and several dims, all dims, empty runs; transposed and
 * strided inputs (both loop shapes); NaN, ±inf and ±0 ties; int32 wrap-around; sizes past
 * the threading threshold; convolution geometries with stride, padding and dilation.
 *
 * Tolerances: max/min/argmax/argmin, sums over runs shorter than 64 elements, the "outer"
 * (column) sums, max pooling and unfold/fold are bit-identical to the reference (same order of float64
 * operations). Sums/products over longer contiguous runs keep 8 partial float64 sums, a
 * different order: within 1e-12 relative (float64) or an ulp after rounding (float32); on
 * the AVX-512/AVX2 paths float32 sums over contiguous last-dim runs accumulate pairwise in
 * float32 lanes: within 24 eps * sum |x| (native_reduce_f32.test.ts checks them further).
 * Skipped when the addon is not built.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dispatch, tensor, type DType, type Tensor } from "../../src/index.js";
import type { ReduceOpName } from "../../src/backend/primitives.js";
import { reduce, reduceReference } from "../../src/backend/cpu/reduce.js";
import { fold, foldReference, maxPool, maxPoolReference, outputSize, unfold, unfoldReference } from "../../src/backend/cpu/conv.js";
import { isas, skip, withIsa } from "./native_helpers.js";
import { randomTensor } from "../helpers.js";


/** Random values with specials sprinkled in, as a tensor of `dtype`. */
function rand(shape: number[], dtype: DType, seed: number, specials = true): Tensor {
  const t = randomTensor(shape, { seed, dtype: "float64", lo: -4, hi: 4 });
  const d = t.toTypedArray() as Float64Array;
  const sp = [NaN, Infinity, -Infinity, 0, -0, 2, 2, -2];
  if (specials) for (let i = 0; i < d.length; i += 17) d[i] = sp[(i * 7 + seed) % sp.length]!;
  if (dtype === "int32") for (let i = 0; i < d.length; i++) d[i] = Number.isFinite(d[i]!) ? Math.round(d[i]! * 1e8) : 3;
  return t.to(dtype);
}

function sameBits(got: ArrayLike<number>, want: ArrayLike<number>, msg: string, rel = 0): void {
  assert.equal(got.length, want.length, msg);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Object.is(g, w) || (g !== g && w !== w)) continue;
    if (rel > 0 && Number.isFinite(w) && Math.abs(g - w) <= rel * Math.max(1, Math.abs(w))) continue;
    assert.fail(`${msg}: element ${i}: native ${g}, reference ${w}`);
  }
}

const OPS: ReduceOpName[] = ["sum", "prod", "max", "min", "argmax", "argmin"];

/** [shape, axes, view] cases; view turns the contiguous tensor into a strided one. */
const CASES: [number[], number[], ((t: Tensor) => Tensor) | null, string][] = [
  [[64, 10], [1], null, "rows of 10 (softmax)"],
  [[7, 300], [1], null, "long rows (lanes)"],
  [[64, 10], [0], null, "over the batch dim (bias grad, outer loop)"],
  [[600, 130], [0], null, "column sums past the thread threshold"],
  [[5, 6, 7], [1], null, "middle dim"],
  [[5, 6, 7], [0, 2], null, "first and last dims (copied to one run)"],
  [[4, 5, 6], [0, 1, 2], null, "all dims"],
  [[3, 0, 4], [1], null, "empty run"],
  [[40, 50], [1], (t) => t.mT, "transposed input, last dim"],
  [[40, 50], [0], (t) => t.mT, "transposed input, first dim"],
  [[2, 70000], [1], null, "two long rows"],
  [[300, 200], [1], null, "many rows past the thread threshold"],
  [[9, 12], [1], (t) => dispatch("view", [t], { shape: [9, 5], strides: [12, 2], offset: 1 }), "strided slice"],
  // sums from 32K elements over dims that are not one run go in two stages (floats)
  [[16, 8, 32, 16], [0, 2, 3], null, "conv bias gradient (two stages)"],
  [[6, 40, 10, 30], [1, 3], (t) => t.permute([0, 2, 1, 3]), "permuted, two runs (two stages)"],
  [[8, 16, 16, 32], [0, 2, 3], (t) => t.permute([0, 3, 1, 2]), "channels-last memory, one run"],
];

for (const isa of isas) {
  test(`native reductions (${isa}) match the TypeScript reference`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 1;
      for (const dt of ["float32", "float64", "int32"] as DType[]) {
        for (const [shape, axes, view, name] of CASES) {
          for (const op of OPS) {
            const empty = shape.includes(0);
            if (empty && op !== "sum" && op !== "prod") continue;
            if ((op === "argmax" || op === "argmin") && axes.length !== 1) continue;
            const base = rand(shape, dt, seed++, op !== "prod");
            const x = view ? view(base) : base;
            for (const keepdim of [false, true]) {
              const attrs = { op, axes, keepdim };
              const got = reduce([x], attrs, "cpu")[0]!, want = reduceReference([x], attrs, "cpu")[0]!;
              assert.deepEqual(got.shape, want.shape);
              assert.equal(got.dtype, want.dtype);
              const R = axes.reduce((p, a) => p * x.shape[a]!, 1);
              const reordered = (op === "sum" || op === "prod") && R >= 64 && dt !== "int32";
              if (op === "sum" && dt === "float32" && (isa !== "portable" || name.includes("two stages"))) {
                // float32 lanes: rows pairwise (vsum_f32), columns in pairwise 16-row blocks
                // (colsum_f32); two stages round the partial sums to float32: within
                // 24 eps * sum |x| of the float64 sum
                const bound = reduceReference([x.abs()], attrs, "cpu")[0]!.toTypedArray();
                const g = got.toTypedArray(), w = want.toTypedArray();
                for (let i = 0; i < w.length; i++) {
                  if (Object.is(g[i], w[i]) || (g[i] !== g[i] && w[i] !== w[i])) continue;
                  assert.ok(Math.abs(g[i]! - w[i]!) <= 24 * 2 ** -24 * bound[i]!, `${isa} sum float32 ${name}: element ${i}: native ${g[i]}, reference ${w[i]}, sum |x| ${bound[i]}`);
                }
                continue;
              }
              sameBits(got.toTypedArray(), want.toTypedArray(), `${isa} ${op} ${dt} ${name} keepdim=${keepdim}`, reordered ? (dt === "float32" ? 2 ** -23 : 1e-12) : 0);
            }
          }
        }
      }
    });
  });

  test(`native unfold/fold (${isa}) match the TypeScript im2col/col2im`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 100;
      const geoms: [number[], [number, number], [number, number], [number, number], [number, number]][] = [
        [[2, 3, 8, 9], [3, 3], [1, 1], [0, 0], [1, 1]],
        [[1, 2, 7, 7], [3, 3], [1, 1], [1, 1], [1, 1]],
        [[2, 1, 9, 11], [2, 2], [2, 2], [0, 0], [1, 1]],
        [[1, 3, 10, 13], [3, 2], [2, 3], [2, 1], [2, 1]],
        [[3, 4, 5, 5], [5, 5], [1, 1], [4, 4], [1, 1]],
        [[64, 1, 28, 28], [3, 3], [1, 1], [0, 0], [1, 1]],
        // images up to 16 wide with column stride 1 fold a row at a time in registers
        [[2, 3, 11, 12], [3, 3], [2, 1], [1, 2], [2, 1]],
        [[4, 32, 13, 13], [3, 3], [1, 1], [0, 0], [1, 1]],
        // column stride 2 (AVX2 float32 unfolds from the rows' even and odd columns): the small
        // ResNet's downsampling layer; an odd width with a vector part, a tail and a partial
        // last register; dilation with padding (a shift past the row's start); 1x1 with rows
        // shorter than a register; an odd padding (both phases, shifts -2..0)
        [[2, 3, 32, 32], [3, 3], [2, 2], [1, 1], [1, 1]],
        [[1, 2, 7, 37], [3, 3], [1, 2], [1, 1], [1, 1]],
        [[2, 2, 9, 21], [3, 5], [2, 2], [0, 2], [1, 2]],
        [[1, 4, 6, 6], [1, 1], [2, 2], [0, 0], [1, 1]],
        [[1, 1, 5, 40], [2, 4], [1, 2], [0, 3], [1, 1]],
      ];
      for (const dt of ["float32", "float64"] as DType[]) {
        for (const [shape, kernel, stride, padding, dilation] of geoms) {
          const x = rand(shape, dt, seed++);
          const u = { kernel, stride, padding, dilation };
          const cols = unfold([x], u, "cpu")[0]!, ref = unfoldReference([x], u, "cpu")[0]!;
          sameBits(cols.toTypedArray(), ref.toTypedArray(), `${isa} unfold ${dt} ${shape} k${kernel} s${stride} p${padding} d${dilation}`);
          const f = { outputSize: [shape[2]!, shape[3]!] as [number, number], ...u };
          const c = rand([...ref.shape], dt, seed++, false);
          sameBits(fold([c], f, "cpu")[0]!.toTypedArray(), foldReference([c], f, "cpu")[0]!.toTypedArray(), `${isa} fold ${dt} ${shape}`);
          // a strided (non-contiguous) image is copied first, then unfolded
          const xt = x.transpose(2, 3);
          sameBits(unfold([xt], u, "cpu")[0]!.toTypedArray(), unfoldReference([xt], u, "cpu")[0]!.toTypedArray(), `${isa} unfold transposed ${dt}`);
        }
      }
    });
  });

  test(`native max pooling (${isa}) matches the TypeScript kernel: values, winning positions, NaN, ties, clipped windows`, { skip }, () => {
    withIsa(isa, () => {
      let seed = 300;
      const geoms: [number[], [number, number], [number, number], [number, number], [number, number], number][] = [
        [[64, 32, 26, 26], [2, 2], [2, 2], [0, 0], [1, 1], 0], // the vectorised 2x2 kernel (float32)...
        [[3, 2, 11, 41], [2, 2], [2, 2], [0, 0], [1, 1], 0], // ...with odd sizes and rows of 20 outputs
        [[2, 2, 7, 7], [2, 2], [2, 2], [0, 0], [1, 1], 1], // ceil mode: clipped last windows, general kernel
        [[2, 3, 7, 9], [3, 3], [2, 2], [1, 1], [1, 1], 1], // one extra (ceil-mode) window per dim
        [[1, 2, 11, 10], [3, 2], [1, 3], [1, 1], [2, 1], 0],
        [[3, 1, 5, 5], [5, 5], [1, 1], [2, 2], [1, 1], 0],
      ];
      for (const dt of ["float32", "float64"] as DType[]) {
        for (const [shape, kernel, stride, padding, dilation, extra] of geoms) {
          // rounded values make ties common
          const x = rand(shape, dt, seed++).mul(2).round();
          const oh = outputSize(shape[2]!, kernel[0], stride[0], padding[0], dilation[0]) + extra;
          const ow = outputSize(shape[3]!, kernel[1], stride[1], padding[1], dilation[1]) + extra;
          const a = { outputSize: [oh, ow] as [number, number], kernel, stride, padding, dilation };
          for (const input of [x, x.transpose(2, 3).contiguous().transpose(2, 3)]) {
            const [v, i] = maxPool([input], a, "cpu"), [rv, ri] = maxPoolReference([input], a, "cpu");
            assert.deepEqual(v!.shape, [shape[0], shape[1], oh, ow]);
            assert.equal(i!.dtype, "int32");
            sameBits(v!.toTypedArray(), rv!.toTypedArray(), `${isa} maxPool values ${dt} ${shape} k${kernel}`);
            sameBits(i!.toTypedArray(), ri!.toTypedArray(), `${isa} maxPool indices ${dt} ${shape} k${kernel}`);
          }
        }
      }
    });
  });
}

test("reductions of bool and half tensors give the TypeScript kernels' results (bfloat16 natively: native_bf16.test.ts)", () => {
  const b = rand([8, 40], "float32", 3, false).gt(0);
  const attrs = { op: "max" as const, axes: [1], keepdim: false };
  assert.deepEqual(reduce([b], attrs, "cpu")[0]!.tolist(), reduceReference([b], attrs, "cpu")[0]!.tolist());
  const h = rand([8, 40], "bfloat16", 4, false);
  const s = { op: "sum" as const, axes: [1], keepdim: false };
  assert.deepEqual(reduce([h], s, "cpu")[0]!.tolist(), reduceReference([h], s, "cpu")[0]!.tolist());
});

test("argmax/argmin of long float32 rows (the vector path): ties keep the first, a NaN wins, zeros and infinities", { skip }, () => {
  const R = 257;
  const base = () => Array.from({ length: R }, (_, i) => Math.sin(i * 12.9898) * 100);
  const rows: number[][] = [];
  let r = base(); r[40] = 500; r[41] = 500; r[200] = 500; rows.push(r); // tied max: the first, 40
  r = base(); r[10] = -500; r[250] = -500; rows.push(r); // tied min: 10
  r = base(); r[100] = NaN; r[150] = NaN; r[3] = 900; rows.push(r); // the first NaN wins: 100
  r = base(); r[256] = NaN; rows.push(r); // a NaN in the tail: 256
  rows.push(Array.from({ length: R }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -1))); // max ±0: -0 at 0 comes first
  rows.push(Array.from({ length: R }, () => -Infinity)); // all equal: 0
  r = Array.from({ length: R }, () => 1); r[R - 1] = 2; rows.push(r); // max at the very end
  const x = tensor(rows, { dtype: "float32" });
  for (const isa of isas) {
    withIsa(isa, () => {
      const argmax = reduce([x], { op: "argmax", axes: [1], keepdim: false }, "cpu")[0]!.tolist() as number[];
      const argmin = reduce([x], { op: "argmin", axes: [1], keepdim: false }, "cpu")[0]!.tolist() as number[];
      assert.deepEqual([argmax[0], argmax[2], argmax[3], argmax[4], argmax[5], argmax[6]], [40, 100, 256, 0, 0, 256], `${isa} argmax`);
      assert.deepEqual([argmin[1], argmin[2], argmin[3], argmin[5]], [10, 100, 256, 0], `${isa} argmin`);
      for (const op of ["argmax", "argmin"] as const) {
        assert.deepEqual(reduce([x], { op, axes: [1], keepdim: false }, "cpu")[0]!.tolist(), reduceReference([x], { op, axes: [1], keepdim: false }, "cpu")[0]!.tolist(), `${isa} ${op}`);
      }
    });
  }
});

/**
 * segmentReduce (torch.segment_reduce) against PyTorch 1.13 (test/fixtures/segment_reduce_torch.py):
 * every reduction with lengths (empty segments) or offsets (not starting at 0), with and
 * without initial, 1-D / 2-D data along axis 0 and 3-D data along axis 1 with 2-D lengths, in
 * float32 and float64, outputs and gradients; gradcheck in float64; PyTorch's argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, DTypeError, FluxionError, ShapeError, autograd, segmentReduce, tensor, type Tensor } from "../../src/index.js";

type V = (number | "nan" | "inf" | "-inf")[];
interface Enc { shape: number[]; dtype: "float32" | "float64"; v: V }
interface Case {
  reduce: "sum" | "mean" | "max" | "min" | "prod"; data: Enc; initial: number | null; axis: number;
  lengths?: { shape: number[]; v: number[] }; offsets?: { shape: number[]; v: number[] }; out: Enc; w: Enc; grad: Enc;
}
const CASES: Case[] = JSON.parse(readFileSync(new URL("../fixtures/segment_reduce_torch.json", import.meta.url), "utf8"));
const num = (v: V[number]) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);
const fromEnc = (e: Enc) => tensor(e.v.map(num), { shape: e.shape, dtype: e.dtype });
const i64 = (e: { shape: number[]; v: number[] }) => tensor(e.v, { shape: e.shape, dtype: "int64" });

function assertValues(t: Tensor, e: Enc, msg: string): void {
  assert.deepEqual(t.shape, e.shape, `${msg}: shape`);
  assert.equal(t.dtype, e.dtype, `${msg}: dtype`);
  const got = t.flatten().tolist() as number[];
  const tol = e.dtype === "float64" ? 1e-12 : 1e-6;
  e.v.forEach((v, i) => {
    const want = num(v);
    const ok = Number.isNaN(want) ? Number.isNaN(got[i]) : !Number.isFinite(want) ? got[i] === want : Math.abs(got[i]! - want) <= tol * Math.max(1, Math.abs(want));
    assert.ok(ok, `${msg}: element ${i}: ${got[i]} vs PyTorch ${want}`);
  });
}

CASES.forEach((c, k) => {
  const what = `${c.reduce}${c.initial !== null ? ` initial=${c.initial}` : ""} ${c.data.dtype} [${c.data.shape}] axis ${c.axis} ${c.lengths ? `lengths ${JSON.stringify(c.lengths.v)}` : `offsets ${JSON.stringify(c.offsets!.v)}`}`;
  test(`segmentReduce matches PyTorch (${k}): ${what}`, () => {
    const x = fromEnc(c.data).requiresGrad_();
    const opts = { axis: c.axis, initial: c.initial, ...(c.lengths ? { lengths: i64(c.lengths) } : { offsets: i64(c.offsets!) }) };
    const y = segmentReduce(x, c.reduce, opts);
    assertValues(y, c.out, `${what}: output`);
    const finite = y.isfinite();
    y.where(finite, 0).mul(fromEnc(c.w)).sum().backward();
    assertValues(x.grad!, c.grad, `${what}: grad`);
  });
});

test("segmentReduce: float64 gradcheck of every reduction (distinct values, so max / min have no ties)", () => {
  const x = tensor([0.3, -1.2, 2.5, 0.7, -0.4, 1.9, 0.1], { dtype: "float64", requiresGrad: true });
  const lengths = tensor([2, 0, 4, 1], { dtype: "int64" });
  for (const reduce of ["sum", "mean", "max", "min", "prod"] as const) {
    for (const initial of [null, -3.5]) {
      const f = (t: Tensor) => segmentReduce(t, reduce, { lengths, initial: initial ?? (reduce === "mean" || reduce === "max" || reduce === "min" ? 0.05 : null) });
      assert.ok(autograd.gradcheck(f, [x], { atol: 1e-6, rtol: 1e-4 }), `${reduce} initial ${initial}`);
    }
  }
});

test("segmentReduce: lengths win over offsets; int32 lengths; a negative axis; unsafe skips the host checks", () => {
  const d = tensor([1, 2, 3]);
  assert.deepEqual(segmentReduce(d, "sum", { lengths: tensor([1, 2], { dtype: "int64" }), offsets: tensor([0, 2, 3], { dtype: "int64" }) }).tolist(), [1, 5]);
  assert.deepEqual(segmentReduce(d, "max", { lengths: tensor([2, 1], { dtype: "int32" }) }).tolist(), [2, 3]);
  const x = tensor([[1, 2], [3, 0], [3, 5]]);
  assert.deepEqual(segmentReduce(x, "sum", { lengths: tensor([1, 2], { dtype: "int64" }), axis: -2 }).tolist(), [[1, 2], [6, 5]]);
  // with unsafe, lengths summing short leave the tail in no segment
  assert.deepEqual(segmentReduce(d, "sum", { lengths: tensor([1, 1], { dtype: "int64" }), unsafe: true }).tolist(), [1, 2]);
});

test("segmentReduce refuses what PyTorch refuses, naming the problem", () => {
  const d = tensor([1, 2, 3]);
  const L = (v: number[] | number[][]) => tensor(v, { dtype: "int64" });
  const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
    [() => segmentReduce(d, "sum", { lengths: L([1, -1, 3]) }), FluxionError, /^segmentReduce: lengths contains negative value! \(-1\)$/],
    [() => segmentReduce(d, "sum", { lengths: L([1, 1]) }), FluxionError, /expected all rows of lengths along axis to sum to data.size\(0\) = 3 when !unsafe, got a row summing to 2/],
    [() => segmentReduce(d, "sum", { lengths: tensor([1, 2]) }), DTypeError, /lengths must be an int64 or int32 tensor, got float32/],
    [() => segmentReduce(d, "sum", { offsets: L([0, 2, 1, 3]) }), FluxionError, /offsets must be non-decreasing/],
    [() => segmentReduce(d, "sum", { offsets: L([0, 4]) }), FluxionError, /offsets must lie in \[0, data.size\(0\) = 3\], got 4/],
    [() => segmentReduce(d, "sum", {}), ArgumentError, /either lengths or offsets must be defined/],
    [() => segmentReduce(d, "sum", { indices: L([0, 0, 1]) }), FluxionError, /indices based reduction is not supported yet/],
    [() => segmentReduce(d, "sum", { lengths: L([[1, 2]]) }), ShapeError, /lengths must have between 1 and data.dim\(\) \(1\) dims, got shape \[1, 2\]/],
    [() => segmentReduce(tensor([[1, 2, 4]]), "sum", { lengths: L([2, 1]), axis: 1 }), ShapeError, /expected axis to be the last dimension of lengths \(0\) but got 1/],
    [() => segmentReduce(tensor([[1, 2], [3, 4]]), "sum", { lengths: L([[2], [2], [2]]), axis: 1 }), ShapeError, /leading dims of lengths \[3, 1\] must match data's dims before axis 1, \[2\]/],
    [() => segmentReduce(tensor([1, 2], { dtype: "int64" }), "sum", { lengths: L([2]) }), DTypeError, /data must be a floating point tensor, got int64/],
    [() => segmentReduce(d, "avg" as never, { lengths: L([3]) }), ArgumentError, /argument 'reduce' \(position 2\) must be "sum" or "mean" or "max" or "min" or "prod", but got string "avg"/],
  ];
  for (const [f, cls, re] of cases) assert.throws(f, (e: Error) => e instanceof cls && re.test(e.message), String(re));
});

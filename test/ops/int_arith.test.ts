/**
 * Integer arithmetic and reductions on uint8, int8, int32 and int64 against PyTorch 1.13
 * (test/fixtures/dtype_int_torch.json): C's wrap-around (int64 exactly, as bigints, past
 * 2^53), integer division and remainder, pow, mixed integer dtypes, Python-int scalars, and
 * sum/prod/cumsum/cumprod accumulating in int64. Each runs with generated loops and again
 * with the closure path (no `new Function`), which must agree.
 */
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { cat, full, stack, tensor, type DType, type Tensor } from "../../src/index.js";
import { setCodegenDisabled } from "../../src/backend/cpu/codegen.js";
import { INT_FIX, encodeAll, fluxionDType, fromFix, type FixTensor } from "../fixtures/dtype_int_ref.js";

afterEach(() => setCodegenDisabled(false));

const INTS = ["uint8", "int8", "int32", "int64"] as const;

/** Checks `got` against a fixture tensor: dtype (Fluxion's name for it) and every value exactly. */
function check(got: Tensor, want: FixTensor, what: string): void {
  assert.equal(got.dtype, fluxionDType(want.dtype), `${what}: dtype`);
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  assert.deepEqual(encodeAll(got), want.v, `${what}: values`);
}

/** Runs `body` with code generation on, then off (closures). */
function bothPaths(body: () => void): void {
  body();
  setCodegenDisabled(true);
  try {
    body();
  } finally {
    setCodegenDisabled(false);
  }
}

test("elementwise ops on each integer dtype wrap like PyTorch (add/sub/mul/neg/abs/sign/max/min/compare/div/remainder/pow/clamp)", () => {
  bothPaths(() => {
    for (const d of INTS) {
      const F = INT_FIX.arith[d];
      const a = fromFix(F.a), b = fromFix(F.b);
      assert.equal(a.dtype, d);
      check(a.add(b), F.add, `${d} add`);
      check(a.sub(b), F.sub, `${d} sub`);
      check(a.mul(b), F.mul, `${d} mul`);
      check(a.neg(), F.neg, `${d} neg`);
      check(a.abs(), F.abs, `${d} abs`);
      check(a.sign(), F.sign, `${d} sign`);
      check(a.maximum(b), F.maximum, `${d} maximum`);
      check(a.minimum(b), F.minimum, `${d} minimum`);
      check(a.eq(b), F.eq, `${d} eq`);
      check(a.lt(b), F.lt, `${d} lt`);
      check(a.ge(b), F.ge, `${d} ge`);
      check(a.div(b, { roundingMode: "floor" }), F.floorDivide, `${d} floor divide`);
      check(a.div(b, { roundingMode: "trunc" }), F.truncDivide, `${d} trunc divide`);
      check(a.remainder(b), F.remainder, `${d} remainder`);
      check(a.div(b), F.div, `${d} true division (float32)`);
      check(fromFix(F.powBase).pow(fromFix(F.powExp)), F.pow, `${d} pow`);
      check(a.clamp(-5, 100), F.clamp, `${d} clamp`);
      check(a.add(5), F.addScalar, `${d} + 5`);
      check(a.mul(3), F.mulScalar, `${d} * 3`);
      check(a.rsub(1), F.subScalarRev, `${d} 1 - a`);
    }
  });
});

test("large tensors (the native kernels' size) wrap like the small ones: int32 products past 2^53, int64/uint8/int8 add and mul", () => {
  // PyTorch 1.13: (2^31 - 1)^2 as int32 is 1, and times -(2^31 - 1) is -1
  const x = full([64], 2 ** 31 - 1, { dtype: "int32" });
  assert.deepEqual([...new Set(x.mul(x).tolist() as number[])], [1]);
  assert.deepEqual([...new Set(x.mul(x.neg()).tolist() as number[])], [-1]);
  const l = full([100], 2n ** 62n + 3n);
  assert.deepEqual([...new Set((l.mul(l).add(l).tolist() as bigint[]).map(String))], [String(BigInt.asIntN(64, (2n ** 62n + 3n) ** 2n + 2n ** 62n + 3n))]);
  const u = full([100], 200, { dtype: "uint8" });
  assert.deepEqual([...new Set(u.add(u).tolist() as number[])], [144]);
  assert.deepEqual([...new Set(u.mul(u).tolist() as number[])], [64]);
  const c = full([100], -128, { dtype: "int8" });
  assert.deepEqual([...new Set(c.neg().tolist() as number[])], [-128]);
  assert.deepEqual([...new Set(c.abs().tolist() as number[])], [-128]);
  assert.deepEqual([...new Set(c.lt(u.to("int8")).tolist() as boolean[])], [true]);
});

test("ops between integer dtypes promote (uint8 with int8 to int32, PyTorch's int16, same values)", () => {
  for (const m of INT_FIX.mixed as { a: DType; b: DType; add: FixTensor; mul: FixTensor; lt: FixTensor }[]) {
    const a = fromFix(INT_FIX.arith[m.a].a), b = fromFix(INT_FIX.arith[m.b].b);
    check(a.add(b), m.add, `${m.a} + ${m.b}`);
    check(a.mul(b), m.mul, `${m.a} * ${m.b}`);
    check(a.lt(b), m.lt, `${m.a} < ${m.b}`);
  }
  for (const d of INTS) check(fromFix(INT_FIX.arith[d].a).add(tensor(0.5)), INT_FIX.floatMix[d], `${d} + 0-d float32`);
});

test("Python-int scalars keep the tensor's dtype and wrap into it", () => {
  const S = INT_FIX.scalars;
  check(tensor([1, 200], { dtype: "uint8" }).add(300), S.uint8_plus_300, "uint8 + 300");
  check(tensor([1, 200], { dtype: "uint8" }).sub(2), S.uint8_minus_2, "uint8 - 2");
  check(tensor([100, -100], { dtype: "int8" }).mul(3), S.int8_times_3, "int8 * 3");
  check(tensor([2n ** 62n, -5n]).add(2 ** 40), S.int64_plus_2p40, "int64 + 2^40");
  check(tensor([2n ** 62n, -5n]).add(2n ** 40n), S.int64_plus_2p40, "int64 + 2n^40n");
  check(tensor([1, -1], { dtype: "int32" }).add(2 ** 31), S.int32_plus_2p31, "int32 + 2^31");
  check(tensor(250, { dtype: "uint8" }).add(10), S.zerod_uint8_plus_int, "0-d uint8 + 10");
  // documented difference: an integer scalar is int32 here, so bool + 2 is int32 (PyTorch: int64)
  const b = tensor([true, false]).add(2);
  assert.equal(b.dtype, "int32");
  assert.deepEqual(encodeAll(b), S.bool_plus_int.v);
  assert.equal(tensor([true, false]).add(2n).dtype, "int64");
  // bigint scalars are exact past 2^53
  assert.deepEqual(tensor([2n ** 60n]).add(2n ** 53n + 1n).tolist(), [2n ** 60n + 2n ** 53n + 1n]);
  assert.deepEqual(tensor([2n ** 60n]).eq(2n ** 60n + 1n).tolist(), [false]);
});

test("sum/prod/cumsum/cumprod of integer and bool tensors accumulate in int64; max/min keep the dtype", () => {
  bothPaths(() => {
    for (const [d, F] of Object.entries(INT_FIX.reductions) as [string, Record<string, FixTensor & string>][]) {
      const x = fromFix(F.x), x2 = x.reshape([2, 3]);
      check(x.sum(), F.sum, `${d} sum`);
      check(x2.sum(0), F.sum0, `${d} sum(0)`);
      check(x2.sum(1), F.sum1, `${d} sum(1)`);
      check(x.prod(), F.prod, `${d} prod`);
      check(x2.prod(1), F.prod1, `${d} prod(1)`);
      check(x.cumsum(0), F.cumsum, `${d} cumsum`);
      check(x.cumprod(0), F.cumprod, `${d} cumprod`);
      check(x.max(), F.max, `${d} max`);
      check(x.min(), F.min, `${d} min`);
      check(x.sum({ dtype: "float64" }), F.sumFloat, `${d} sum(dtype=float64)`);
      if (F.argmax) {
        // indices are int32 in Fluxion (PyTorch: int64); the values agree
        assert.deepEqual(encodeAll(x.argmax()), (F.argmax as FixTensor).v);
        assert.deepEqual(encodeAll(x.argmin()), (F.argmin as FixTensor).v);
      }
      assert.match(F.meanError, /mean/);
      assert.throws(() => x.mean(), /mean: could not infer output dtype/);
    }
    const W = INT_FIX.int64Wrap;
    check(tensor([2n ** 62n, 2n ** 62n, 2n ** 62n, 2n ** 62n]).sum(), W.sum, "int64 sum wraps at 2^63");
    check(tensor([2n ** 32n, 2n ** 32n, 3n]).prod(), W.prod, "int64 prod wraps");
    check(tensor([2n ** 62n, 2n ** 62n, 2n ** 62n, 2n ** 62n]).cumsum(0), W.cumsum, "int64 cumsum wraps");
  });
});

test("narrow integer sums take the float64 kernels only while exact: 2^22 + 1 int32 maxima sum exactly (past 2^53)", () => {
  const n = 2 ** 22 + 1, v = 2 ** 31 - 1;
  const s = full([n], v, { dtype: "int32" }).sum();
  assert.equal(s.dtype, "int64");
  assert.equal(s.item(), BigInt(n) * BigInt(v)); // odd and above 2^53: a float64 sum cannot hold it
  const u = full([1000], 255, { dtype: "uint8" });
  assert.equal(u.sum().item(), 255000);
  assert.deepEqual(u.cumsum(0).narrow(0, 998, 2).tolist(), [254745, 255000]);
  assert.equal(u.cumsum(0).dtype, "int64");
});

test("int64 reductions are exact on long runs, in both loop shapes", () => {
  // 3 * (2^53 + 1) summed 1000 times: float64 accumulation would round every step
  const n = 1000, big = 2n ** 53n + 1n;
  const x = tensor(Array.from({ length: 2 * n }, (_, i) => (i % 2 ? big : 3n))).reshape([n, 2]);
  assert.deepEqual(x.sum(0).tolist(), [3000, big * BigInt(n)]);
  assert.deepEqual(x.t().sum(1).tolist(), [3000, big * BigInt(n)]);
  assert.deepEqual(x.sum(1).narrow(0, 0, 2).tolist(), [big + 3n, big + 3n]);
  assert.deepEqual(x.amax(0).tolist(), [3, big]);
  assert.deepEqual(x.select(1, 1).cumsum(0).select(0, n - 1).item(), big * BigInt(n));
});

test("in-place integer ops: wrap into the tensor's dtype; float results cannot be written into ints", () => {
  const u = tensor([250, 3], { dtype: "uint8" });
  u.add_(10);
  assert.deepEqual(u.tolist(), [4, 13]);
  const l = tensor([2n ** 62n]);
  l.mul_(2);
  assert.deepEqual(l.tolist(), [-(2n ** 63n)]);
  assert.throws(() => tensor([1n]).add_(0.5), /result type float32 can't be cast to the desired output type int64/);
  assert.throws(() => tensor([true]).add_(tensor([1], { dtype: "int8" })), /can't be cast to the desired output type bool/);
  const i = tensor([1], { dtype: "int32" });
  i.add_(tensor([2n ** 40n + 5n]));
  assert.deepEqual(i.tolist(), [6]); // computed in int64, stored into int32: the low 32 bits
});

test("matmul of int64 is exact with wrap-around; uint8/int8 matmul wraps into the dtype", () => {
  const a = tensor([[2n ** 40n, 3n], [1n, -1n]]), b = tensor([[2n ** 30n, 1n], [5n, 7n]]);
  assert.deepEqual(a.matmul(b).tolist(), [[BigInt.asIntN(64, 2n ** 70n) + 15n, 2n ** 40n + 21n], [2n ** 30n - 5n, -6]].map((r) => r.map((v) => (typeof v === "bigint" && v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v))));
  const u = tensor([[200, 100]], { dtype: "uint8" }), w = tensor([[2], [3]], { dtype: "uint8" });
  assert.deepEqual(u.matmul(w).tolist(), [[(400 + 300) % 256]]);
  assert.equal(u.matmul(w).dtype, "uint8");
});

test("where, cat, stack, views, flip and indexing move int64 values exactly", () => {
  const x = tensor([2n ** 60n + 1n, -3n, 2n ** 53n + 1n]);
  const w = x.where(x.gt(0), tensor([0n]));
  assert.deepEqual(w.tolist(), [2n ** 60n + 1n, 0, 2n ** 53n + 1n]);
  assert.deepEqual(x.flip([0]).tolist(), [2n ** 53n + 1n, -3, 2n ** 60n + 1n]);
  assert.deepEqual(x.unsqueeze(0).expand([2, 3]).contiguous().select(0, 1).tolist(), x.tolist());
  const c = x.unsqueeze(0).t();
  assert.deepEqual(c.contiguous().reshape([-1]).tolist(), x.tolist());
  assert.deepEqual(cat([x, x.narrow(0, 0, 1)]).tolist(), [...x.tolist(), 2n ** 60n + 1n]);
  assert.deepEqual(stack([x, x]).shape, [2, 3]);
  assert.deepEqual(x.index([2, 0]).tolist(), [2n ** 53n + 1n, 2n ** 60n + 1n]);
  const y = x.clone();
  y.indexPut_([tensor([1n])], tensor([7n]));
  assert.deepEqual(y.tolist(), [2n ** 60n + 1n, 7, 2n ** 53n + 1n]);
  assert.deepEqual(x.view("float64").view("int64").tolist(), x.tolist());
});

test("integer matmul wraps as C's int arithmetic, exact past 2^53 (found by the differential fuzz)", () => {
  // torch: int32 [[3, 1, 5]] @ [[2147483646], [7], [-2147483647]] -> [[6]]; the same in int8 -> [[6]]; uint8 [[100, 100]] @ [[3], [3]] -> [[88]]
  const a = tensor([[3, 1, 5]], { dtype: "int32" }), b = tensor([[2147483646], [7], [-2147483647]], { dtype: "int32" });
  assert.deepEqual(a.matmul(b).tolist(), [[6]]);
  assert.deepEqual(a.to("int8").matmul(b.to("int8")).tolist(), [[6]]);
  assert.deepEqual(tensor([[100, 100]], { dtype: "uint8" }).matmul(tensor([[3], [3]], { dtype: "uint8" })).tolist(), [[88]]);
  assert.deepEqual(a.t().contiguous().t().matmul(b).tolist(), [[6]]); // through strides too
});

/**
 * bincount, histc and isin against PyTorch 1.13 (test/fixtures/counting_torch.json: values,
 * result dtypes and the calls PyTorch refuses), plus the messages, the host reads they make
 * (only what PyTorch reads: bincount's extremes, histc's data range when asked for), and
 * brute-force references for random inputs on both of isin's paths.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, bincount, histc, isin, manualSeed, randint, randn, tensor, zeros } from "../../src/index.js";
import { onHostRead, type HostRead } from "../../src/tensor/host_read.js";
import { loadFixture, runCase, signatureMismatches } from "../fixtures/op_cases.js";

const FIX = loadFixture("counting_torch.json");

for (const op of ["bincount", "histc", "isin"]) {
  test(`${op}: every PyTorch 1.13 case (values, dtypes, refusals; function, method, non-contiguous)`, () => {
    const cases = FIX.cases.map((c, i) => [c, i] as const).filter(([c]) => c.op === op);
    assert.ok(cases.length > 10);
    for (const [c, i] of cases) runCase(c, i);
  });
}

test("signatures: PyTorch's parameters, order and defaults", () => {
  assert.deepEqual(signatureMismatches(FIX), []);
});

const i64 = (d: number[]) => tensor(d, { dtype: "int64" });
const reads = (f: () => unknown): HostRead[] => {
  const seen: HostRead[] = [];
  const stop = onHostRead((r) => seen.push(r));
  try {
    f();
  } finally {
    stop();
  }
  return seen;
};

test("bincount: result dtypes (int64; float32 weights stay float32, others float64) and the messages", () => {
  assert.deepEqual(bincount(i64([0, 1, 1, 3])).tolist(), [1, 2, 0, 1]);
  assert.equal(bincount(i64([0, 1]), tensor([0.5, 1])).dtype, "float32");
  assert.equal(bincount(i64([0, 1]), tensor([1, 2], { dtype: "int32" })).dtype, "float64");
  assert.deepEqual(i64([2, 2]).bincount({ minlength: 4 }).tolist(), [0, 0, 2, 0]);
  const e = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (err: unknown) => err instanceof E && re.test((err as Error).message));
  e(() => bincount(i64([0, -1])), FluxionError, /^bincount: only supports 1-d non-negative integral inputs, got a negative value -1$/);
  e(() => bincount(tensor([0, 1])), DTypeError, /^bincount: only supports 1-d non-negative integral inputs, got a float32 tensor of shape \[2\]$/);
  e(() => bincount(i64([1, 2]), tensor([1])), ShapeError, /^bincount: weights should be 1-d and have the same length as input, got weights \[1\] for input \[2\]$/);
  e(() => bincount(i64([1]), null, -1), ArgumentError, /^bincount: minlength should be >= 0, got -1$/);
  e(() => bincount(i64([2 ** 33])), FluxionError, /^bincount: cannot allocate a tensor of shape \[8589934593\]/);
});

test("bincount reads only its input's smallest and largest value on the host (the output's length is the data's)", () => {
  const seen = reads(() => bincount(i64([3, 1, 4, 1, 5])));
  assert.deepEqual(seen.map((r) => [r.reason, r.shape]), [["bincount", [2]]]);
});

test("bincount equals a plain count on random inputs, with weights", () => {
  manualSeed(5);
  const x = randint(0, 12, [300], { dtype: "int64" }), w = randn([300], { dtype: "float64" });
  const xv = x.tolist() as number[], wv = w.tolist() as number[];
  const count = new Array<number>(12).fill(0), sum = new Array<number>(12).fill(0);
  xv.forEach((v, k) => {
    count[v]!++;
    sum[v]! += wv[k]!;
  });
  const max = Math.max(...xv);
  assert.deepEqual(bincount(x).tolist(), count.slice(0, max + 1));
  (bincount(x, w).tolist() as number[]).forEach((v, k) => assert.ok(Math.abs(v - sum[k]!) < 1e-12));
});

test("histc: messages; no host read when min and max are given, one (the data range) when they are equal", () => {
  const e = (f: () => unknown, re: RegExp) => assert.throws(f, (err: unknown) => err instanceof FluxionError && re.test((err as Error).message));
  e(() => histc(tensor([1, NaN])), /^histc: range of \[NaN, NaN\] is not finite$/);
  e(() => histc(tensor([1]), 4, 3, 1), /^histc: max must be larger than min \(got min 3, max 1\)$/);
  e(() => histc(tensor([1]), 0), /^histc: bins must be > 0, but got 0$/);
  e(() => histc(tensor([1], { dtype: "int64" })), /^histc: expected a floating point input, got int64 \(shape \[1\]\)$/);
  const x = randn([50]);
  assert.deepEqual(reads(() => histc(x, 10, -1, 1)), []);
  assert.deepEqual(reads(() => histc(x, 10)).map((r) => r.reason), ["histc"]);
  assert.deepEqual(reads(() => histc(zeros([0]), 10)), []);
});

test("histc: float16 works (PyTorch 1.13's CPU kernel has no data range for it), counts in x's dtype", () => {
  const h = histc(tensor([0.5, 1.5, 1.5, 3], { dtype: "float16" }), 3, 0, 3);
  assert.deepEqual([h.dtype, h.tolist()], ["float16", [1, 2, 1]]);
});

test("isin: both paths (a few test elements compared at once, many sorted and searched) equal a plain membership test", () => {
  manualSeed(11);
  for (const [n, m] of [[40, 3], [40, 200], [5, 1], [1, 50], [200, 1000]] as const) {
    const e = randint(-20, 20, [n], { dtype: "int64" }), t = randint(-20, 20, [m], { dtype: "int64" });
    const tv = new Set(t.tolist() as number[]);
    const want = (e.tolist() as number[]).map((v) => tv.has(v));
    assert.deepEqual(isin(e, t).tolist(), want, `${n} elements, ${m} test elements`);
    assert.deepEqual(isin(e, t, { invert: true }).tolist(), want.map((b) => !b));
  }
});

test("isin: float16 works (PyTorch 1.13 has no CPU kernel for it); bool, bfloat16 and two scalars are refused", () => {
  assert.deepEqual(isin(tensor([1, 2], { dtype: "float16" }), tensor([2], { dtype: "float16" })).tolist(), [false, true]);
  assert.throws(() => isin(tensor([true]), tensor([true])), (e: unknown) => e instanceof DTypeError && /^isin: unsupported input type encountered for isin\(\): bool \(shape \[1\]\)$/.test((e as Error).message));
  assert.throws(() => isin(tensor([1], { dtype: "bfloat16" }), 1), DTypeError);
  assert.throws(() => fx.isin(1 as never, 2 as never), (e: unknown) => e instanceof ArgumentError && /^isin: at least one of elements and testElements must be a Tensor, got two scalars$/.test((e as Error).message));
});

test("isin: NaN is in nothing on either path (PyTorch 1.13's sorting path can say otherwise; its broadcast path agrees with this)", () => {
  const e = tensor([NaN, 1, 2.5, -0]);
  const few = tensor([NaN, 0]), many = tensor([...new Array<number>(40).fill(NaN), 0, 2.5]);
  assert.deepEqual(isin(e, few).tolist(), [false, false, false, true]);
  assert.deepEqual(isin(e, many).tolist(), [false, false, true, true]);
  assert.deepEqual(isin(e, many, { invert: true }).tolist(), [true, true, false, false]);
  // +inf is found only where the set holds +inf, not where it holds NaN (both sort last)
  const inf = tensor([Infinity, -Infinity]);
  assert.deepEqual(isin(inf, many).tolist(), [false, false]);
  assert.deepEqual(isin(inf, tensor([...new Array<number>(40).fill(NaN), Infinity, -Infinity])).tolist(), [true, true]);
});

test("histc: many bins in bfloat16 (where bins - 1 is not exact) still count every element in range", () => {
  const h = histc(tensor([0, 0.5, 1, 1, 0.999], { dtype: "bfloat16" }), 301, 0, 1);
  assert.equal(h.shape[0], 301);
  assert.equal(h.float().sum().item(), 5);
  assert.equal(h.float().select(0, 300).item(), 3);
});

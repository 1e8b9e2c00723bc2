/**
 * cummax, cummin and logcumsumexp against PyTorch 1.13 (test/fixtures/missing_ops_torch.json):
 * ties and NaNs (the latest index wins), float64/float32/int32/bool, 0-d and empty dims,
 * infinities and large values for logcumsumexp; gradients (PyTorch's, from the fixture, and
 * gradcheck/gradgradcheck); lengths that are not powers of two against a plain sequential
 * loop (the ops run as a log-step parallel scan); named-tuple results; errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, IndexError, autograd, cummax, cummin, logcumsumexp, tensor, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, gradsOf, tolFor, type Enc } from "../fixtures/missing_ops.js";
import { nonContiguous, randomTensor } from "../helpers.js";

interface ExtremeOut { values: Enc; indices: Enc; w?: Enc; grad?: Enc }
interface ExtremeCase { x: Enc; dim: number; cummax: ExtremeOut; cummin: ExtremeOut }
interface LcseCase { x: Enc; dim: number; out: Enc; w?: Enc; grad?: Enc }

(MO.cumExtreme as ExtremeCase[]).forEach((c, k) => {
  const what = `${c.x.dtype} [${c.x.shape}] dim ${c.dim}`;
  test(`cummax/cummin match PyTorch (${k}): ${what}`, () => {
    const x = fromEnc(c.x);
    for (const name of ["cummax", "cummin"] as const) {
      const ref = c[name];
      const r = name === "cummax" ? x.cummax(c.dim) : x.cummin(c.dim);
      const [values, indices] = r;
      assert.equal(r.values, values);
      assert.equal(r.indices, indices);
      assert.equal(values!.dtype, x.dtype);
      assert.equal(indices!.dtype, "int32");
      assert.deepEqual(values!.shape, ref.values.shape);
      assertValues(values, decAll(ref.values.v), { ...tolFor(c.x.dtype), msg: `${name} ${what}` });
      assert.deepEqual(Array.from(indices!.toTypedArray()), ref.indices.v, `${name} indices ${what}`);
      const fn = name === "cummax" ? cummax : cummin;
      assert.deepEqual(Array.from(fn(nonContiguous(x), c.dim).indices.toTypedArray()), ref.indices.v, `${name} strided ${what}`);
      if (ref.grad) {
        const [g] = gradsOf((a) => fn(a, c.dim).values, [x], fromEnc(ref.w!));
        assertValues(g, decAll(ref.grad.v), { msg: `${name} grad ${what}` });
      }
    }
  });
});

(MO.logcumsumexp as LcseCase[]).forEach((c, k) => {
  const what = `${c.x.dtype} [${c.x.shape}] dim ${c.dim} ${c.x.v.slice(0, 4).join(",")}`;
  test(`logcumsumexp matches PyTorch (${k}): ${what}`, () => {
    const x = fromEnc(c.x);
    const got = x.logcumsumexp(c.dim);
    assert.equal(got.dtype, x.dtype);
    assert.deepEqual(got.shape, c.out.shape);
    const tol = c.x.dtype === "float32" ? { rtol: 1e-5, atol: 1e-5 } : { rtol: 1e-12, atol: 1e-12 };
    assertValues(got, decAll(c.out.v), { ...tol, msg: what });
    if (c.grad) {
      const [g] = gradsOf((a) => logcumsumexp(a, c.dim), [x], fromEnc(c.w!));
      assertValues(g, decAll(c.grad.v), { rtol: 1e-10, atol: 1e-12, msg: `grad ${what}` });
    }
  });
});

/** Sequential references along the last dim of a [rows, n] array. */
function seqExtreme(row: number[], kind: "max" | "min"): [number[], number[]] {
  const v: number[] = [], i: number[] = [];
  let cur = NaN, at = -1;
  row.forEach((x, k) => {
    const better = k === 0 || Number.isNaN(x) || (!Number.isNaN(cur) && (kind === "max" ? x >= cur : x <= cur));
    if (better) [cur, at] = [x, k];
    v.push(cur);
    i.push(at);
  });
  return [v, i];
}

test("cummax/cummin/logcumsumexp agree with a sequential loop for lengths that are not powers of two", () => {
  for (const n of [1, 2, 3, 7, 37, 64, 65, 1000]) {
    // rounded values: many ties
    const row = Array.from({ length: n }, (_, k) => Math.round(Math.sin(k * 1.7) * 5));
    const x = tensor(row, { dtype: "float64" });
    for (const kind of ["max", "min"] as const) {
      const [v, i] = seqExtreme(row, kind);
      const r = kind === "max" ? x.cummax(0) : x.cummin(0);
      assert.deepEqual(r.values.tolist(), v, `${kind} n=${n}`);
      assert.deepEqual(r.indices.tolist(), i, `${kind} indices n=${n}`);
    }
    const lse: number[] = [];
    let acc = -Infinity;
    for (const v of row) {
      const m = Math.max(acc, v);
      acc = m + Math.log(Math.exp(acc - m) + Math.exp(v - m));
      lse.push(acc);
    }
    assertValues(x.logcumsumexp(0), lse, { rtol: 1e-12, msg: `logcumsumexp n=${n}` });
  }
});

test("cummax/cummin/logcumsumexp gradients pass gradcheck and gradgradcheck", () => {
  const x = randomTensor([3, 5], { seed: 11, requiresGrad: true });
  for (const dim of [0, 1, -1]) {
    assert.ok(autograd.gradcheck((a: Tensor) => a.cummax(dim).values, [x]));
    assert.ok(autograd.gradcheck((a: Tensor) => a.cummin(dim).values, [x]));
    assert.ok(autograd.gradgradcheck((a: Tensor) => a.cummax(dim).values, [x]));
    assert.ok(autograd.gradcheck((a: Tensor) => a.logcumsumexp(dim), [x]));
    assert.ok(autograd.gradgradcheck((a: Tensor) => a.logcumsumexp(dim), [x]));
  }
  const y = x.cummax(1).values;
  assert.equal(y.gradFn?.name, "CummaxBackward0");
  assert.equal(x.logcumsumexp(0).gradFn?.name, "LogcumsumexpBackward0");
  // a 0-d tensor scans as one element
  const s = tensor(2, { dtype: "float64", requiresGrad: true });
  assert.ok(autograd.gradcheck((a: Tensor) => a.logcumsumexp(0), [s]));
  assert.deepEqual(s.cummin(-1).indices.shape, []);
});

test("cumulative results never alias their input", () => {
  const x = tensor([[1, 2]]);
  const v = x.cummax(0).values, l = x.logcumsumexp(0);
  assert.notEqual(v.storage, x.storage);
  assert.notEqual(l.storage, x.storage);
});

test("cumulative op errors: dim out of range, integer logcumsumexp", () => {
  assert.throws(() => tensor([1, 2]).cummax(1), (e: Error) => e instanceof IndexError && /cummax: dimension 1 out of range/.test(e.message));
  assert.throws(() => tensor([1, 2], { dtype: "int32" }).logcumsumexp(0), (e: Error) => e instanceof DTypeError && /logcumsumexp: expected a floating point tensor, got int32/.test(e.message));
  // @ts-expect-error a missing argument, as untyped JavaScript can call it
  assert.throws(() => tensor([1, 2]).cummin(), /missing required argument 'dim'/);
});

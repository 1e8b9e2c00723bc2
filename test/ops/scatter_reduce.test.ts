/**
 * scatterReduce (torch.scatter_reduce) against PyTorch 1.13 (test/fixtures/missing_ops_torch.json):
 * every reduce with includeSelf true and false, ties, zeros, NaN, float64/float32/int32/bool,
 * src larger than index, 0-d; the method, function and in-place forms; strided operands;
 * PyTorch's gradients (amax/amin ties split evenly, self counted even when excluded; prod
 * with zeros), gradcheck/gradgradcheck (also where PyTorch has none: src larger than index,
 * double backward of prod with several zeros per target); errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, FluxionError, IndexError, ShapeError, autograd, scatterReduce, tensor, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, gradsOf, tolFor, type Enc } from "../fixtures/missing_ops.js";
import { nonContiguous, randomTensor } from "../helpers.js";

type Reduce = "sum" | "prod" | "mean" | "amax" | "amin";
interface Case {
  x: Enc; dim: number; index: Enc; src: Enc; reduce: Reduce; includeSelf: boolean; out: Enc;
  w?: Enc; gradX?: Enc; gradSrc?: Enc;
}

const i32 = (v: unknown) => tensor(v as number[], { dtype: "int32" });

(MO.scatterReduce as Case[]).forEach((c, k) => {
  const what = `${c.reduce} includeSelf=${c.includeSelf} ${c.x.dtype} [${c.x.shape}] dim ${c.dim} src [${c.src.shape}]`;
  test(`scatterReduce matches PyTorch (${k}): ${what}`, () => {
    const x = fromEnc(c.x), index = fromEnc(c.index), src = fromEnc(c.src);
    const want = decAll(c.out.v), tol = { ...tolFor(c.x.dtype), msg: what };
    const got = x.scatterReduce(c.dim, index, src, c.reduce, { includeSelf: c.includeSelf });
    assert.equal(got.dtype, x.dtype);
    assert.deepEqual(got.shape, c.out.shape);
    assertValues(got, want, tol);
    // the function form, positional; strided operands
    assertValues(scatterReduce(x, c.dim, index, src, c.reduce, { includeSelf: c.includeSelf }), want, tol);
    if (x.ndim > 0) assertValues(nonContiguous(x).scatterReduce(c.dim, nonContiguous(index), nonContiguous(src), c.reduce, { includeSelf: c.includeSelf }), want, { ...tol, msg: `${what} strided` });
    // in place writes the same values and returns self
    const y = x.clone();
    assert.equal(y.scatterReduce_(c.dim, index, src, c.reduce, { includeSelf: c.includeSelf }), y);
    assertValues(y, want, { ...tol, msg: `${what} in place` });
    if (c.gradX) {
      const [gx, gs] = gradsOf((a, b) => a.scatterReduce(c.dim, index, b, c.reduce, { includeSelf: c.includeSelf }), [x, src], fromEnc(c.w!));
      assertValues(gx, decAll(c.gradX.v), { rtol: 1e-10, atol: 1e-12, msg: `${what} grad self` });
      assertValues(gs, decAll(c.gradSrc!.v), { rtol: 1e-10, atol: 1e-12, msg: `${what} grad src` });
    }
  });
});

test("scatterReduce: the fixture covers every reduce both ways, with gradients, ties and zeros", () => {
  const cases = MO.scatterReduce as Case[];
  for (const r of ["sum", "prod", "mean", "amax", "amin"]) {
    for (const inc of [true, false]) assert.ok(cases.some((c) => c.reduce === r && c.includeSelf === inc && c.gradX), `${r} ${inc}`);
  }
  assert.ok(cases.some((c) => c.x.dtype === "bool") && cases.some((c) => c.x.dtype === "int32") && cases.some((c) => c.x.shape.length === 0));
});

test("scatterReduce gradients pass gradcheck and gradgradcheck (continuous values, zeros, src larger than index)", () => {
  const idx = i32([[0, 0, 2], [1, 1, 0]]);
  const x = randomTensor([2, 3], { seed: 3, requiresGrad: true });
  const srcs = [
    randomTensor([2, 3], { seed: 4, requiresGrad: true }),
    randomTensor([2, 4], { seed: 5, requiresGrad: true }), // larger than index: PyTorch 1.13's backward fails here
  ];
  for (const src of srcs) {
    for (const reduce of ["sum", "prod", "mean", "amax", "amin"] as const) {
      for (const includeSelf of [true, false]) {
        const f = (a: Tensor, s: Tensor) => a.scatterReduce(1, idx, s, reduce, { includeSelf });
        assert.ok(autograd.gradcheck(f, [x, src]), `${reduce} ${includeSelf} [${src.shape}]`);
        assert.ok(autograd.gradgradcheck(f, [x, src]), `gradgrad ${reduce} ${includeSelf} [${src.shape}]`);
      }
    }
  }
  // prod with zeros: one at a target, two at one target (PyTorch refuses the double backward), one in self
  const xz = tensor([[0, 2, 3], [1.5, 0, -1]], { dtype: "float64", requiresGrad: true });
  const sz = tensor([[0, 0.5, 4], [0, 0, 2]], { dtype: "float64", requiresGrad: true });
  for (const includeSelf of [true, false]) {
    const f = (a: Tensor, s: Tensor) => a.scatterReduce(1, idx, s, "prod", { includeSelf });
    assert.ok(autograd.gradcheck(f, [xz, sz]), `prod zeros ${includeSelf}`);
    assert.ok(autograd.gradgradcheck(f, [xz, sz]), `prod zeros gradgrad ${includeSelf}`);
  }
  assert.equal(x.scatterReduce(1, idx, srcs[0]!, "amax").gradFn?.name, "ScatterReduceBackward0");
});

test("scatterReduce: amax/amin gradients split ties evenly and count self even when excluded (as PyTorch)", () => {
  const x = tensor([5, 1, 2], { dtype: "float64", requiresGrad: true });
  const s = tensor([5, 3, 5, 7], { dtype: "float64", requiresGrad: true });
  const idx = i32([0, 0, 0, 1]);
  x.scatterReduce(0, idx, s, "amax", { includeSelf: false }).sum().backward();
  assertValues(x.grad, [0, 0, 1]);
  assertValues(s.grad, [1 / 3, 0, 1 / 3, 1], { rtol: 1e-15 });
});

test("scatterReduce integer mean rounds down; bool reduces as logical or / and", () => {
  const x = i32([5, 1, -7]), s = i32([2, 3, 4, -4]), idx = i32([0, 0, 1, 1]);
  assert.deepEqual(x.scatterReduce(0, idx, s, "mean").tolist(), [3, 0, -7]); // 10/3 and 1/3 round down
  assert.deepEqual(x.scatterReduce(0, idx, s, "mean", { includeSelf: false }).tolist(), [2, 0, -7]);
  assert.deepEqual(i32([1]).scatterReduce(0, i32([0]), i32([-4]), "mean").tolist(), [-2]); // -3/2 floors to -2
  const b = tensor([true, false]);
  assert.deepEqual(b.scatterReduce(0, i32([0, 1]), tensor([false, true]), "sum").tolist(), [true, true]);
  assert.deepEqual(b.scatterReduce(0, i32([0, 1]), tensor([false, true]), "prod").tolist(), [false, false]);
});

test("scatterReduce amax/amin with many values per target takes the extreme (no write races)", () => {
  const n = 2000;
  const vals = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 100);
  const targets = vals.map((_, i) => (i * 7919) % 13);
  const want = (kind: "max" | "min") => Array.from({ length: 13 }, (_, t) => {
    const mine = vals.filter((_, i) => targets[i] === t);
    return kind === "max" ? Math.max(...mine) : Math.min(...mine);
  });
  const x = tensor(new Array(13).fill(0), { dtype: "float64" });
  const src = tensor(vals, { dtype: "float64" }), idx = i32(targets);
  assertValues(x.scatterReduce(0, idx, src, "amax", { includeSelf: false }), want("max"));
  assertValues(x.scatterReduce(0, idx, src, "amin", { includeSelf: false }), want("min"));
});

test("scatterReduce errors name the op and what was wrong, and leave self unchanged", () => {
  const x = tensor([1, 2, 3]), src = tensor([1, 1]);
  assert.throws(() => x.scatterReduce(0, i32([0, 1]), src, "max" as never), (e: Error) => e instanceof ArgumentError && /Tensor\.scatterReduce\(\): argument 'reduce' \(position 4\) must be "sum" or "prod" or "mean" or "amax" or "amin", but got string "max"/.test(e.message));
  assert.throws(() => x.scatterReduce(0, tensor([0, 1]), src, "sum"), (e: Error) => e instanceof DTypeError && /scatterReduce: expected index to be an int64 or int32 tensor, got float32/.test(e.message));
  assert.throws(() => x.scatterReduce(0, i32([0, 1]), src.double(), "sum"), (e: Error) => e instanceof DTypeError && /expected self and src to have the same dtype, but got self float32 and src float64/.test(e.message));
  assert.throws(() => x.scatterReduce(0, i32([0, 3]), src, "amax"), (e: Error) => e instanceof IndexError && /index 3 is out of bounds for dimension 0 with size 3/.test(e.message));
  assert.throws(() => x.scatterReduce(0, i32([0, 1, 2]), src, "sum"), (e: Error) => e instanceof ShapeError && /size of index \(\[3\]\) must be no larger than src \(\[2\]\)/.test(e.message));
  assert.throws(() => x.scatterReduce(0, i32([[0]]), src, "sum"), (e: Error) => e instanceof ShapeError && /same number of dimensions/.test(e.message));
  assert.throws(() => x.scatterReduce(1, i32([0]), src, "sum"), (e: Error) => e instanceof IndexError && /dimension 1 out of range/.test(e.message));
  assert.throws(() => tensor([true]).scatterReduce(0, i32([0]), tensor([true]), "mean"), (e: Error) => e instanceof DTypeError && /reduce "mean" is not implemented for bool/.test(e.message));
  const y = tensor([1, 2, 3]);
  assert.throws(() => y.scatterReduce_(0, i32([5]), tensor([9]), "sum"), FluxionError);
  assert.deepEqual(y.tolist(), [1, 2, 3]);
  const leaf = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => leaf.scatterReduce_(0, i32([0]), tensor([1]), "sum"), /leaf Variable that requires grad/);
});

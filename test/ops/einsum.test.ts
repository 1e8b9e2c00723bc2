/**
 * einsum against PyTorch 1.13 (test/fixtures/missing_ops_torch.json): explicit and implicit
 * outputs, ellipsis broadcasting, repeated labels (diagonals), size-1 broadcasting, three
 * operands, spaces, uppercase labels, empty dims, int32 — values and the gradients of every
 * operand; the list and sublist forms; contraction planning (a batched matmul, never a
 * broadcast product of all operands: checked on every dispatched primitive); gradgradcheck;
 * PyTorch's error messages.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, DTypeError, ShapeError, autograd, einsum, ones, randn, tensor, withDispatchLayer, type Tensor } from "../../src/index.js";
import { MO, assertValues, decAll, fromEnc, gradsOf, type Enc } from "../fixtures/missing_ops.js";
import { nonContiguous, randomTensor } from "../helpers.js";

interface EinCase { equation: string; operands: Enc[]; out: Enc; w?: Enc; grads?: Enc[] }

(MO.einsum as EinCase[]).forEach((c) => {
  const what = `einsum("${c.equation}") of ${c.operands.map((o) => `[${o.shape}]`).join(", ")}`;
  test(`${what} matches PyTorch`, () => {
    const ops = c.operands.map(fromEnc);
    const got = einsum(c.equation, ...ops);
    assert.deepEqual(got.shape, c.out.shape);
    assertValues(got, decAll(c.out.v), { rtol: 1e-12, atol: 1e-12, msg: what });
    assertValues(einsum(c.equation, ops), decAll(c.out.v), { rtol: 1e-12, atol: 1e-12, msg: `${what} list form` });
    assertValues(einsum(c.equation, ...ops.map((o) => (o.ndim > 0 ? nonContiguous(o) : o))), decAll(c.out.v), { rtol: 1e-12, atol: 1e-12, msg: `${what} strided` });
    if (c.grads) {
      const gs = gradsOf((...a) => einsum(c.equation, ...a), ops, fromEnc(c.w!));
      gs.forEach((g, k) => assertValues(g, decAll(c.grads![k]!.v), { rtol: 1e-10, atol: 1e-12, msg: `${what} grad ${k}` }));
    }
  });
});

test("einsum on int32 operands", () => {
  for (const c of MO.einsumInt as EinCase[]) {
    const got = einsum(c.equation, ...c.operands.map(fromEnc));
    assert.equal(got.dtype, "int32");
    assert.deepEqual(got.tolist().flat(), c.out.v);
  }
});

test("einsum sublist form: operands with label numbers (0-51, '...'), optional output", () => {
  const a = randomTensor([2, 3], { seed: 61 }), b = randomTensor([3, 4], { seed: 62 });
  assertValues(einsum(a, [0, 1], b, [1, 2], [0, 2]), Array.from(a.matmul(b).toTypedArray()), { rtol: 1e-14 });
  assertValues(einsum(a, [0, 1], b, [1, 2]), Array.from(a.matmul(b).toTypedArray()), { rtol: 1e-14 });
  assert.deepEqual(einsum(randomTensor([5, 2, 3]), ["...", 0, 1], [1, "..."]).shape, [3, 5]); // "...AB->B...": A summed
  // 26 is "a", 0 is "A": implicit output order puts uppercase first
  assert.deepEqual(einsum(ones(2, 3), [26, 1], ones(4, 5), [0, 27]).shape, [4, 3, 2, 5]); // "aB,Ab" -> "ABab"
  assert.throws(() => einsum(a, [0, 52]), (e: Error) => e instanceof ShapeError && /expected subscript to be within the range \[0, 52\), but got 52/.test(e.message));
  assert.throws(() => einsum(a, [0, 1], b), /operand 1 has no sublist/);
});

test("einsum contracts pairs as batched matmuls, never through a broadcast product of all operands", () => {
  const a = randn(64, 8), b = randn(8, 64), c = randn(64, 4);
  const seen: { op: string; numel: number }[] = [];
  const r = withDispatchLayer((call, next) => {
    const out = next(call);
    seen.push({ op: call.op, numel: out.reduce((n, t) => Math.max(n, t.numel()), 0) });
    return out;
  }, () => einsum("ij,jk,kl->il", a, b, c));
  assert.deepEqual(r.shape, [64, 4]);
  assert.equal(seen.filter((s) => s.op === "matmul").length, 2);
  // the cheaper pair goes first, (b, c) -> [8, 4], so nothing larger than an operand is made
  // (left to right, (a, b) would make [64, 64]; a broadcast product i*j*k*l would be 131072)
  const largest = Math.max(...seen.map((s) => s.numel));
  assert.ok(largest <= 8 * 64, `largest intermediate ${largest}`);
  assertValues(r, Array.from(a.matmul(b.matmul(c)).toTypedArray()), { rtol: 1e-4, atol: 1e-4 });
  // batch dims stay batch dims: one matmul over [b*h] batches
  const q = randn(2, 3, 5, 4), k = randn(2, 3, 6, 4);
  const calls: string[] = [];
  withDispatchLayer((call, next) => (calls.push(call.op), next(call)), () => einsum("bhqd,bhkd->bhqk", q, k));
  assert.equal(calls.filter((op) => op === "matmul").length, 1);
});

test("einsum gradients pass gradcheck and gradgradcheck", () => {
  const a = randomTensor([2, 3, 3], { seed: 71, requiresGrad: true });
  const b = randomTensor([3, 4], { seed: 72, requiresGrad: true });
  const cases: [string, Tensor[]][] = [
    ["bij,jk->bik", [a, b]],
    ["bii->bi", [a]],
    ["bij,bjk", [a, a]],
    ["...ij,jk->...k", [a, b]],
    ["bij,jk,bil->kl", [a, b, a]],
  ];
  for (const [eq, ops] of cases) {
    const f = (...xs: Tensor[]) => einsum(eq, ...xs);
    assert.ok(autograd.gradcheck(f, ops), eq);
    assert.ok(autograd.gradgradcheck(f, ops), `gradgrad ${eq}`);
  }
});

test("einsum errors as PyTorch words them", () => {
  const o = (...s: number[]) => ones(s);
  const shapeErr = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ShapeError && re.test(e.message), String(re));
  shapeErr(() => einsum("ii->i", o(2, 3)), /einsum\(\): subscript i is repeated for operand 0 but the sizes don't match, 3 != 2/);
  shapeErr(() => einsum("i,j", o(2)), /einsum\(\): fewer operands were provided than specified in the equation/);
  shapeErr(() => einsum("i", o(2), o(3)), /einsum\(\): more operands were provided than specified in the equation/);
  shapeErr(() => einsum("i->ii", o(2)), /einsum\(\): output subscript i appears more than once in the output/);
  shapeErr(() => einsum("i->k", o(2)), /einsum\(\): output subscript k does not appear in the equation for any input operand/);
  shapeErr(() => einsum("i1", o(2)), /einsum\(\): invalid subscript given at index 1 in the equation string, subscripts must be in \[a-zA-Z\]/);
  shapeErr(() => einsum("ij", o(2)), /einsum\(\): the number of subscripts in the equation \(2\) does not match the number of dimensions \(1\) for operand 0 and no ellipsis was given/);
  shapeErr(() => einsum("ij...", o(2)), /einsum\(\): the number of subscripts in the equation \(2\) is more than the number of dimensions \(1\) for operand 0/);
  shapeErr(() => einsum("i.j", o(2, 3)), /einsum\(\): found '\.' for operand 0 that is not part of any ellipsis/);
  shapeErr(() => einsum("...i...", o(2, 3)), /for which an ellipsis was already found/);
  shapeErr(() => einsum("i,i", o(2), o(3)), /einsum\(\): subscript i has size 3 for operand 1 which does not broadcast with previously seen size 2/);
  shapeErr(() => einsum("...i,...i", o(2, 3), o(4, 3)), /einsum\(\): dimension 0 covered by ellipsis in operand 1 has size 4 which does not broadcast with previously seen ellipsis with size 2/);
  shapeErr(() => einsum("i->i->i", o(2)), /more than one '->'/);
  assert.throws(() => einsum("i,i", o(2), ones([2], { dtype: "float64" })), (e: Error) => e instanceof DTypeError && /einsum\(\): expected all operands to have the same dtype, but operand 0 is float32 and operand 1 is float64/.test(e.message));
  assert.throws(() => einsum("i"), (e: Error) => e instanceof ShapeError && /must specify the equation string and at least one operand/.test(e.message));
  assert.throws(() => einsum("i", tensor([1]), 3 as never), ArgumentError);
});

/**
 * addmm, addmv, addr, baddbmm, addbmm (and their in-place forms) against PyTorch 1.13
 * (test/fixtures/blas_like_torch.json: values, dtypes, gradients of sum(out * w), and the
 * calls PyTorch refuses), plus what the fixture cannot say: gradcheck in float64, beta = 0
 * ignoring NaN in self while still giving self a zero gradient, the messages, out=, and
 * the dtype rules that differ per op.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { DTypeError, FluxionError, ShapeError, autograd, full, ones, randn, tensor, zeros, type Tensor } from "../../src/index.js";
import { fromEnc, loadFixture, runCase, signatureMismatches, type Enc } from "../fixtures/op_cases.js";
import { decAll } from "../fixtures/math_ref.js";

const FIX = loadFixture("blas_like_torch.json");
const OPS = ["addmm", "addmv", "addr", "baddbmm", "addbmm"] as const;

for (const op of OPS) {
  for (const name of [op, `${op}_`]) {
    test(`${name}: every PyTorch 1.13 case (values, dtypes, gradients, refusals; function, method, non-contiguous)`, () => {
      const cases = FIX.cases.map((c, i) => [c, i] as const).filter(([c]) => c.op === name);
      assert.ok(cases.length > 0, `no fixture cases for ${name}`);
      for (const [c, i] of cases) runCase(c, i);
    });
  }
}

test("signatures: PyTorch's parameters, order, defaults and keyword-only beta/alpha/out", () => {
  assert.deepEqual(signatureMismatches(FIX), []);
});

const f64 = (...s: number[]) => randn(s, { dtype: "float64", requiresGrad: true });

test("gradcheck and gradgradcheck in float64, with beta and alpha and a broadcast self", () => {
  const cases: [string, (...t: Tensor[]) => Tensor, Tensor[]][] = [
    ["addmm", (s, a, b) => fx.addmm(s, a, b, { beta: 0.5, alpha: -2 }), [f64(4), f64(3, 2), f64(2, 4)]],
    ["addmv", (s, a, b) => fx.addmv(s, a, b, { beta: 2, alpha: 0.5 }), [f64(1), f64(3, 2), f64(2)]],
    ["addr", (s, a, b) => fx.addr(s, a, b, { beta: -1, alpha: 3 }), [f64(3, 1), f64(3), f64(2)]],
    ["baddbmm", (s, a, b) => fx.baddbmm(s, a, b, { beta: 0.25, alpha: 1.5 }), [f64(2, 1, 4), f64(2, 3, 2), f64(2, 2, 4)]],
    ["addbmm", (s, a, b) => fx.addbmm(s, a, b, { alpha: 0.75 }), [f64(3, 4), f64(2, 3, 2), f64(2, 2, 4)]],
  ];
  for (const [name, fn, inputs] of cases) {
    assert.ok(autograd.gradcheck(fn, inputs), name);
    assert.ok(autograd.gradgradcheck(fn, inputs), `${name} (second order)`);
  }
});

test("beta = 0: NaN and inf in self do not reach the result, and self's gradient is zero (not missing)", () => {
  const a = ones([2, 3]), b = ones([3, 2]);
  const self = full([2, 2], NaN).requiresGrad_(true);
  const y = fx.addmm(self, a.requiresGrad_(true), b, { beta: 0 });
  assert.deepEqual(y.tolist(), [[3, 3], [3, 3]]);
  assert.equal(y.gradFn?.name, "AddmmBackward0");
  y.sum().backward();
  assert.deepEqual(self.grad?.tolist(), [[0, 0], [0, 0]]);
  assert.deepEqual(a.grad?.tolist(), [[2, 2, 2], [2, 2, 2]]);
  for (const [name, r] of [
    ["addmv", fx.addmv(full([2], Infinity), ones([2, 3]), ones([3]), { beta: 0 })],
    ["addr", fx.addr(full([2, 2], NaN), ones([2]), ones([2]), { beta: 0 })],
    ["baddbmm", fx.baddbmm(full([1, 2, 2], NaN), ones([1, 2, 3]), ones([1, 3, 2]), { beta: 0 })],
    ["addbmm", fx.addbmm(full([2, 2], NaN), ones([2, 2, 3]), ones([2, 3, 2]), { beta: 0 })],
  ] as const) {
    assert.ok((r.isnan().any().item() as boolean) === false && (r.isinf().any().item() as boolean) === false, `${name}: ${r.toString()}`);
  }
});

test("in place: the result is written into self, and its history follows; self must already have the product's shape", () => {
  const s = zeros([2, 2]), a = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const r = s.addmm_(a, tensor([[1, 0], [0, 1]]), { alpha: 2 });
  assert.equal(r, s);
  assert.deepEqual(s.tolist(), [[2, 4], [6, 8]]);
  assert.equal(s.version, 1);
  s.sum().backward();
  assert.deepEqual(a.grad?.tolist(), [[2, 2], [2, 2]]);
  const v = tensor([1, 2]);
  assert.throws(() => v.addmm_(ones([2, 2]), ones([2, 2])), (e: unknown) => e instanceof ShapeError && /^addmm_: output with shape \[2\] doesn't match the broadcast shape \[2, 2\]/.test(e.message));
  assert.deepEqual(v.tolist(), [1, 2]);
  // addmv_/baddbmm_ refuse a self of another dtype (their out-of-place forms cast it), as PyTorch
  assert.throws(() => zeros([2], { dtype: "float64" }).addmv_(ones([2, 2]), ones([2])), (e: unknown) => e instanceof DTypeError && /^addmv_: self has dtype float64 but the product has float32/.test(e.message));
  const w = zeros([2, 2], { dtype: "float64" }).addr_(ones([2]), ones([2]));
  assert.deepEqual([w.dtype, w.tolist()], ["float64", [[1, 1], [1, 1]]]);
});

test("dtypes: addmm/addbmm want one dtype; addmv/baddbmm cast self to the factors'; addr promotes; bool only for addr", () => {
  const e = (f: () => unknown, re: RegExp) => assert.throws(f, (err: unknown) => err instanceof DTypeError && re.test((err as Error).message));
  e(() => fx.addmm(zeros([2, 2], { dtype: "float64" }), ones([2, 2]), ones([2, 2])), /^addmm: expected self and mat1 and mat2 to have the same dtype, but got self float64, mat1 float32, mat2 float32$/);
  e(() => fx.addbmm(zeros([2, 2]), ones([1, 2, 2]), ones([1, 2, 2], { dtype: "float64" })), /^addbmm: expected self and batch1 and batch2 to have the same dtype/);
  e(() => fx.addmv(zeros([2]), ones([2, 2]), ones([2], { dtype: "float64" })), /^addmv: expected mat and vec to have the same dtype, but got mat float32, vec float64$/);
  assert.equal(fx.addmv(zeros([2], { dtype: "float64" }), ones([2, 2]), ones([2])).dtype, "float32");
  assert.equal(fx.baddbmm(zeros([1, 2, 2], { dtype: "int64" }), ones([1, 2, 2]), ones([1, 2, 2])).dtype, "float32");
  assert.equal(fx.addr(zeros([2, 2], { dtype: "int32" }), ones([2]), ones([2], { dtype: "float64" })).dtype, "float64");
  e(() => fx.addmm(ones([2, 2], { dtype: "bool" }), ones([2, 2], { dtype: "bool" }), ones([2, 2], { dtype: "bool" })), /^addmm: not implemented for bool tensors/);
  // integer results: beta/alpha truncated toward zero (addmm family), a fraction refused (addr)
  const i64 = (d: number[][]) => tensor(d, { dtype: "int64" });
  assert.deepEqual(fx.addmm(i64([[1, 2]]), i64([[3]]), i64([[5, 7]]), { beta: -1.5, alpha: 2.7 }).tolist(), [[29, 40]]);
  assert.throws(() => fx.addr(i64([[1, 2]]), tensor([3], { dtype: "int64" }), tensor([5, 7], { dtype: "int64" }), { alpha: 0.5 }),
    (err: unknown) => err instanceof FluxionError && /^addr: for integral input tensors, argument alpha must not be a floating point number, got 0\.5 \(dtype int64\)$/.test((err as Error).message));
  assert.throws(() => fx.addmm(i64([[1]]), i64([[1]]), i64([[1]]), { alpha: Infinity }), /addmm: argument alpha must be finite for integral input tensors/);
});

test("shape errors name the op and the shapes", () => {
  const s = (f: () => unknown, re: RegExp) => assert.throws(f, (err: unknown) => err instanceof ShapeError && re.test((err as Error).message));
  s(() => fx.addmm(zeros([2, 3]), ones([2, 4]), ones([5, 3])), /^addmm: mat1 and mat2 shapes cannot be multiplied \(2x4 and 5x3\)$/);
  s(() => fx.addmm(zeros([2, 3]), ones([4]), ones([4, 3])), /^addmm: mat1 must be a matrix, got 1-D tensor \(shape \[4\]\)$/);
  s(() => fx.addmm(zeros([4]), ones([2, 4]), ones([4, 3])), /^addmm: self of shape \[4\] cannot be broadcast to the product's shape \[2, 3\]$/);
  s(() => fx.addmv(zeros([2]), ones([2, 4]), ones([3])), /^addmv: size mismatch: mat 2x4 cannot multiply vec of size 3$/);
  s(() => fx.addr(zeros([2, 3]), ones([2, 1]), ones([3])), /^addr: expected 1-D argument vec1, but got 2-D \(shape \[2, 1\]\)$/);
  s(() => fx.baddbmm(zeros([2, 3, 5]), ones([2, 3, 4]), ones([3, 4, 5])), /^baddbmm: batch1 and batch2 must have same number of batches, got 2 and 3/);
  s(() => fx.addbmm(zeros([3, 5]), ones([2, 3, 4]), ones([2, 3, 5])), /^addbmm: incompatible matrix sizes for bmm \(3x4 and 3x5\)/);
  s(() => fx.baddbmm(zeros([3, 5]), ones([3, 4]), ones([4, 5])), /^baddbmm: batch1 must be a 3D tensor, got 2-D tensor \(shape \[3, 4\]\)$/);
});

test("out=: the result written into out (no autograd through it, as PyTorch)", () => {
  const out = zeros([2, 2]);
  assert.equal(fx.addmm(ones([2]), ones([2, 3]), ones([3, 2]), { alpha: 2, out }), out);
  assert.deepEqual(out.tolist(), [[7, 7], [7, 7]]);
  const o3 = zeros([2, 1, 1]);
  fx.baddbmm(zeros([1]), ones([2, 1, 3]), ones([2, 3, 1]), { out: o3 });
  assert.deepEqual(o3.tolist(), [[[3]], [[3]]]);
  assert.throws(() => fx.addr(zeros([2, 2]), ones([2], { requiresGrad: true }), ones([2]), { out: zeros([2, 2]) }), /out=\.\.\. arguments don't support automatic differentiation/);
});

test("addbmm sums the batch's products; an empty batch leaves beta·self", () => {
  const b1 = tensor([[[1, 2]], [[3, 4]]]), b2 = tensor([[[1], [1]], [[2], [0]]]);
  assert.deepEqual(fx.addbmm(zeros([1, 1]), b1, b2).tolist(), [[3 + 6]]);
  assert.deepEqual(fx.addbmm(ones([1, 2]), zeros([0, 1, 3]), zeros([0, 3, 2]), { beta: 3 }).tolist(), [[3, 3]]);
});

test("addr in float32 rounds as PyTorch's kernel ((alpha·vec1)·vec2, then + beta·self in one rounding): bit for bit", () => {
  const c = FIX.cases.find((k) => k.op === "addr" && k.kw.alpha === 0.7 && "tensor" in k.args[1]! && k.args[1].tensor.dtype === "float32");
  assert.ok(c && c.out && !Array.isArray(c.out));
  const [s, v1, v2] = c.args.map((a) => fromEnc((a as { tensor: Enc }).tensor));
  const r = fx.addr(s!, v1!, v2!, { beta: 0.3, alpha: 0.7 });
  assert.deepEqual(Array.from(r.toTypedArray() as Float32Array), Array.from(Float32Array.from(decAll(c.out.v))));
});

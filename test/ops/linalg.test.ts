/**
 * matmul / mm / bmm / mv / dot / outer against a plain triple-loop float64 reference, for
 * every torch.matmul rank combination, broadcast batches, transposed operands, sizes
 * 1/primes/zero; error messages; gradcheck and gradgradcheck.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tensor, autograd, bmm, dot, matmul, mm, mv, ones, outer, tensor, zeros } from "../../src/index.js";
import { flat } from "../helpers.js";
import { FIX, assertThrowsWith, assertValues, broadcastShapeRef, numel, randT, ravel, unravel, withLayout } from "../fixtures/math_ref.js";

/** torch.matmul semantics written out with loops. */
function matmulRef(a: Tensor, b: Tensor): { shape: number[]; v: number[] } {
  const av = flat(a), bv = flat(b);
  let as = [...a.shape], bs = [...b.shape];
  const aVec = as.length === 1, bVec = bs.length === 1;
  if (aVec) as = [1, as[0]!];
  if (bVec) bs = [bs[0]!, 1];
  const M = as[as.length - 2]!, K = as[as.length - 1]!, N = bs[bs.length - 1]!;
  assert.equal(bs[bs.length - 2], K);
  const batch = broadcastShapeRef(as.slice(0, -2), bs.slice(0, -2))!;
  const ab = as.slice(0, -2), bb = bs.slice(0, -2);
  const v: number[] = [];
  for (let t = 0; t < numel(batch); t++) {
    const idx = unravel(t, batch);
    const ia = ravel(ab.map((s, d) => (s === 1 ? 0 : idx[batch.length - ab.length + d]!)), ab);
    const ib = ravel(bb.map((s, d) => (s === 1 ? 0 : idx[batch.length - bb.length + d]!)), bb);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += av[ia * M * K + i * K + k]! * bv[ib * K * N + k * N + j]!;
        v.push(s);
      }
    }
  }
  let shape = [...batch, M, N];
  if (aVec) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (bVec) shape = shape.slice(0, -1);
  return { shape, v };
}

const CASES: [number[], number[]][] = [
  [[5], [5]], [[3], [3, 4]], [[4, 3], [3]], [[2, 3], [3, 4]], [[1, 1], [1, 1]], [[7, 13], [13, 11]],
  [[2, 3, 4], [4, 5]], [[3, 4], [2, 4, 5]], [[2, 1, 3, 4], [5, 4, 2]], [[2, 3, 4], [2, 4, 5]], [[3], [2, 3, 4]],
  [[2, 3, 4], [4]], [[0, 3], [3, 4]], [[3, 0], [0, 4]], [[2, 0, 3], [3, 5]], [[4, 17], [17, 1]], [[1], [1]], [[0], [0]],
];

describe("matmul matches the loop reference", () => {
  for (const [sa, sb] of CASES) {
    it(`${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`, () => {
      for (const la of ["contiguous", "transposed", "strided"] as const) {
        for (const lb of ["contiguous", "transposed"] as const) {
          const a = withLayout(randT(sa, 1), la), b = withLayout(randT(sb, 2), lb);
          const out = a.matmul(b);
          const ref = matmulRef(a, b);
          assert.deepEqual([...out.shape], ref.shape);
          assertValues(out, ref.v, { rtol: 1e-12, atol: 1e-12, msg: `${la}/${lb}` });
          assert.equal(out.dtype, "float64");
        }
      }
    });
  }

  it("float32 and int32 operands", () => {
    const a = randT([6, 5], 3).float(), b = randT([5, 7], 4).float();
    const out = matmul(a, b);
    assert.equal(out.dtype, "float32");
    assertValues(out, matmulRef(a, b).v, { rtol: 1e-5, atol: 1e-5 });
    const ia = tensor([[1, 2], [3, 4]], { dtype: "int32" });
    const r = ia.matmul(ia);
    assert.equal(r.dtype, "int32");
    assert.deepEqual(flat(r), [7, 10, 15, 22]);
  });

  it("bfloat16/float16: float32 accumulation rounded to the half type (as torch)", () => {
    for (const dt of ["bfloat16", "float16"] as const) {
      const F = FIX.half[dt];
      const a = tensor(new Float64Array(F.a.map(Number))).to(dt).reshape([8, 8]);
      const b = tensor(new Float64Array(F.b.map(Number))).to(dt).reshape([8, 8]);
      const out = a.matmul(b);
      assert.equal(out.dtype, dt);
      assertValues(out, F.matmul.map(Number), { rtol: dt === "bfloat16" ? 2 ** -7 : 2 ** -10, atol: 1e-2 });
    }
  });

  it("NaN and inf propagate through zeros (0 * NaN is NaN)", () => {
    const a = tensor(new Float64Array([0, 1]), { shape: [1, 2] });
    const b = tensor(new Float64Array([NaN, 1, 2, 3]), { shape: [2, 2] });
    assertValues(a.matmul(b), [NaN, 3]);
    assertValues(tensor(new Float64Array([0, 0])).dot(tensor(new Float64Array([Infinity, 1]))), [NaN]);
  });
});

describe("mm, bmm, mv, dot, outer", () => {
  it("values", () => {
    const a = randT([3, 4], 5), b = randT([4, 2], 6), v = randT([4], 7), w = randT([3], 8);
    assertValues(mm(a, b), matmulRef(a, b).v);
    assertValues(a.mm(b.T.contiguous().T), matmulRef(a, b).v);
    assertValues(mv(a, v), matmulRef(a, v).v);
    assertValues(a.mv(v), matmulRef(a, v).v);
    assertValues(dot(v, v), [flat(v).reduce((s, x) => s + x * x, 0)]);
    assert.deepEqual(dot(v, v).shape, []);
    const o = outer(w, v);
    assert.deepEqual(o.shape, [3, 4]);
    assertValues(o, flat(w).flatMap((x) => flat(v).map((y) => x * y)));
    const ba = randT([2, 3, 4], 9), bb = randT([2, 4, 5], 10);
    assertValues(bmm(ba, bb), matmulRef(ba, bb).v);
    assertValues(ba.bmm(withLayout(bb, "transposed")), matmulRef(ba, bb).v);
  });

  it("errors name the op, the shapes and the dtypes", () => {
    assertThrowsWith(() => ones([64, 784]).matmul(ones([128, 10])), FIX.matmulErrors.mm);
    assertThrowsWith(() => ones([64, 784]).mm(ones([128, 10])), "mat1 and mat2 shapes cannot be multiplied (64x784 and 128x10)");
    assertThrowsWith(() => ones([4]).matmul(ones([5, 3])), FIX.matmulErrors.vm);
    assertThrowsWith(() => ones([3, 4]).matmul(ones([5])), "(3x4 and 5x1)");
    assertThrowsWith(() => ones([2, 3, 4]).matmul(ones([2, 5, 6])), "[2, 3, 4]", "[2, 5, 6]");
    assertThrowsWith(() => ones([2, 3, 4]).matmul(ones([3, 4, 5])), "[2]", "[3]");
    assertThrowsWith(() => ones([2, 2]).matmul(ones([2, 2], { dtype: "float64" })), "float32", "float64");
    assertThrowsWith(() => ones([2, 2]).matmul(ones([])), "matmul", "1 dimension");
    assertThrowsWith(() => ones([2]).mm(ones([2, 2])), "mm", "2-D", "[2]");
    assertThrowsWith(() => ones([2, 2, 2]).bmm(ones([3, 2, 2])), "bmm", "[2, 2, 2]", "[3, 2, 2]");
    assertThrowsWith(() => ones([2, 2]).bmm(ones([2, 2])), "bmm", "3-D");
    assertThrowsWith(() => ones([3]).dot(ones([4])), "dot", "[3]", "[4]");
    assertThrowsWith(() => ones([3, 1]).dot(ones([3])), "dot", "1D");
    assertThrowsWith(() => ones([3]).mv(ones([3])), "mv");
    assertThrowsWith(() => ones([3, 1]).outer(ones([3])), "outer");
    assertThrowsWith(() => tensor([[true]]).matmul(tensor([[true]])), "bool");
  });

  it("zero-size products are zero-filled", () => {
    const r = zeros([2, 0]).matmul(zeros([0, 3]));
    assert.deepEqual(r.shape, [2, 3]);
    assert.deepEqual(flat(r), [0, 0, 0, 0, 0, 0]);
  });
});

describe("gradients", () => {
  for (const [sa, sb] of [[[3], [3]], [[3], [3, 2]], [[2, 3], [3]], [[2, 3], [3, 4]], [[2, 1, 2, 3], [3, 3, 2]], [[2, 2, 3], [3, 2]]] as [number[], number[]][]) {
    it(`gradcheck matmul ${JSON.stringify(sa)} @ ${JSON.stringify(sb)} (non-contiguous too)`, () => {
      const a = randT(sa, 11).requiresGrad_(true), b = withLayout(randT(sb, 12), "transposed").requiresGrad_(true);
      assert.ok(autograd.gradcheck((x, y) => x!.matmul(y!), [a, b]));
    });
  }
  it("gradcheck mm, bmm, mv, dot, outer", () => {
    const a = randT([2, 3], 13).requiresGrad_(true), b = randT([3, 2], 14).requiresGrad_(true);
    const v = randT([3], 15).requiresGrad_(true), w = randT([2], 16).requiresGrad_(true);
    assert.ok(autograd.gradcheck((x, y) => x!.mm(y!), [a, b]));
    assert.ok(autograd.gradcheck((x, y) => x!.mv(y!), [a, v]));
    assert.ok(autograd.gradcheck((x, y) => x!.dot(y!), [v, v.detach().mul(2).requiresGrad_(true)]));
    assert.ok(autograd.gradcheck((x, y) => x!.outer(y!), [v, w]));
    const ba = randT([2, 2, 3], 17).requiresGrad_(true), bb = randT([2, 3, 2], 18).requiresGrad_(true);
    assert.ok(autograd.gradcheck((x, y) => x!.bmm(y!), [ba, bb]));
  });
  it("gradgradcheck matmul", () => {
    const a = randT([2, 3], 19).requiresGrad_(true), b = randT([3, 2], 20).requiresGrad_(true);
    assert.ok(autograd.gradgradcheck((x, y) => x!.matmul(y!), [a, b]));
    const c = randT([2, 2, 3], 21).requiresGrad_(true);
    assert.ok(autograd.gradgradcheck((x, y) => x!.matmul(y!), [c, b]));
  });
});

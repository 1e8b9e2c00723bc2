/** nn embedding: lookups and padding/frequency gradients against PyTorch, maxNorm, gradcheck, module. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addDispatchLayer, autograd, manualSeed, nn, randint, randn, tensor, type Tensor } from "../../src/index.js";
import { assertClose, assertShape, randomTensor } from "../helpers.js";
import { buildModule, dec, reference, reprsOf } from "../fixtures/nn_cases.js";

const F = nn.F;
const idx = (v: number[] | number[][]) => tensor(v, { dtype: "int32" });

describe("F.embedding against PyTorch 1.13", () => {
  for (const c of reference.embedding.filter((k) => k.inputs)) {
    it(`${c.name}: output and weight gradient match`, () => {
      const i = dec(c.inputs[0], { dtype: "int32" });
      const w = dec(c.inputs[1], { requiresGrad: true });
      const out = F.embedding(i, w, { paddingIdx: c.paddingIdx, scaleGradByFreq: c.scaleGradByFreq });
      assertShape(out, c.out.shape);
      assertClose(out, c.out.v, { atol: 0, rtol: 0 });
      out.mul(dec(c.gout)).sum().backward();
      assertClose(w.grad, c.grads[1].v, { atol: 1e-12, rtol: 1e-12 });
    });
  }
  it("maxNorm renormalises the looked-up rows in place", () => {
    const c = reference.embedding.find((k) => k.name === "embedding_maxnorm")!;
    const w = dec(c.weightIn);
    const out = F.embedding(idx(c.indices), w, { maxNorm: c.maxNorm });
    assertClose(out, c.out.v, { atol: 1e-12, rtol: 1e-10 });
    assertClose(w, c.weightAfter.v, { atol: 1e-12, rtol: 1e-10 });
  });
});

describe("F.embedding hand-computed cases", () => {
  it("picks rows; output shape = index shape + [dim]; repeated indices accumulate gradient", () => {
    const w = tensor([[0, 1], [2, 3], [4, 5]], { requiresGrad: true });
    const y = F.embedding(idx([[2, 0], [2, 2]]), w);
    assert.deepEqual(y.tolist(), [[[4, 5], [0, 1]], [[4, 5], [4, 5]]]);
    y.sum().backward();
    assert.deepEqual(w.grad!.tolist(), [[1, 1], [0, 0], [3, 3]]);
  });
  it("the paddingIdx row gets zero gradient", () => {
    const w = tensor([[0, 1], [2, 3], [4, 5]], { requiresGrad: true });
    F.embedding(idx([1, 1, 0, 2]), w, { paddingIdx: 1 }).sum().backward();
    assert.deepEqual(w.grad!.tolist(), [[1, 1], [0, 0], [1, 1]]);
  });
  it("gradcheck (float64), and double backward through the gradient", () => {
    // (a looked-up padding row deliberately gets no gradient, so only other rows are checked)
    const i = idx([[0, 3], [3, 2]]);
    assert.ok(autograd.gradcheck((w) => F.embedding(i, w, { paddingIdx: 1, scaleGradByFreq: false }), [randomTensor([4, 3], { requiresGrad: true })]));
    assert.ok(autograd.gradgradcheck((w) => F.embedding(i, w).square(), [randomTensor([4, 3], { requiresGrad: true })]));
  });
});

describe("Embedding module", () => {
  for (const r of reprsOf("Embedding")) {
    it(`prints ${r.repr} with stateDict key weight`, () => {
      const m = buildModule(nn, r);
      assert.equal(String(m), r.repr);
      assert.deepEqual(Object.keys(m.stateDict()), r.stateDictKeys);
      assert.deepEqual(m.parameters().map((p: Tensor) => [...p.shape]), r.paramShapes);
    });
  }
  it("initialises N(0, 1) with the padding row zeroed", () => {
    manualSeed(0);
    const m = new nn.Embedding(200, 50, { paddingIdx: 3 });
    const v = Array.from(m.weight.toTypedArray());
    assert.deepEqual(m.weight.select(0, 3).tolist(), new Array(50).fill(0));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    assert.ok(Math.abs(mean) < 0.03 && Math.abs(std - 1) < 0.03, `mean ${mean}, std ${std}`);
  });
  it("forward and the padding row's gradient", () => {
    const m = new nn.Embedding(5, 2, { paddingIdx: -1 });
    assert.equal(m.paddingIdx, 4);
    const y = m.forward(idx([4, 1, 4]));
    assertShape(y, [3, 2]);
    assert.deepEqual(y.select(0, 0).tolist(), [0, 0]);
    y.sum().backward();
    assert.deepEqual(m.weight.grad!.select(0, 4).tolist(), [0, 0]);
    assert.deepEqual(m.weight.grad!.select(0, 1).tolist(), [1, 1]);
  });
  it("fromPretrained copies the matrix and freezes it by default", () => {
    const e = nn.Embedding.fromPretrained(tensor([[1, 2.5, 3], [4, 5, 6]]));
    assert.equal(String(e), "Embedding(2, 3)");
    assert.equal(e.weight.requiresGrad, false);
    assert.deepEqual(e.forward(idx([1])).tolist(), [[4, 5, 6]]);
    assert.equal(nn.Embedding.fromPretrained(tensor([[1, 2]]), { freeze: false }).weight.requiresGrad, true);
  });
  it("has PyTorch's attributes, sparse included (false: sparse=true is refused), as EmbeddingBag", () => {
    const m = new nn.Embedding(5, 2, { sparse: false, paddingIdx: 1 });
    assert.equal(m.sparse, false);
    assert.equal(nn.Embedding.fromPretrained(tensor([[1, 2]])).sparse, false);
    assert.deepEqual([m.numEmbeddings, m.embeddingDim, m.paddingIdx, m.maxNorm, m.normType, m.scaleGradByFreq], [5, 2, 1, null, 2, false]);
    assert.equal(new nn.EmbeddingBag(5, 2).sparse, false);
    assert.throws(() => new nn.Embedding(5, 2, { sparse: true }), /Embedding: sparse gradients are not supported/);
    assert.throws(() => new nn.Embedding(5, 2, { sparse: true }), /optim\.SparseAdam takes the dense gradient/);
  });
  it("errors: float indices, out-of-range index, bad paddingIdx", () => {
    const m = new nn.Embedding(5, 2);
    assert.throws(() => m.forward(tensor([1.0, 2.0])), /embedding: expected integer \(int64 or int32\) indices, got float32/);
    assert.throws(() => m.forward(idx([1, 5])), /embedding: index 5 is out of range for an embedding with 5 rows/);
    assert.throws(() => new nn.Embedding(5, 2, { paddingIdx: 5 }), /padding_idx must be within num_embeddings \(5\), got 5/);
  });
});

describe("F.embedding backward takes the dense scatter-add (native where loaded)", () => {
  it("hands the scatter a contiguous index and gradient, and sums repeated rows like a float64 loop", () => {
    manualSeed(11);
    const V = 30, D = 48, i = randint(0, V, [7, 9]);
    const w = randn([V, D], { requiresGrad: true });
    const g = randn([9, 7, D]).transpose(0, 1); // a non-contiguous incoming gradient
    const scatters: Tensor[][] = [];
    const remove = addDispatchLayer((call, next) => {
      if (call.op === "scatter") scatters.push([...call.inputs]);
      return next(call);
    });
    try {
      F.embedding(i, w).backward(g);
    } finally {
      remove();
    }
    assert.equal(scatters.length, 1);
    assert.ok(scatters[0]![1]!.isContiguous() && scatters[0]![2]!.isContiguous(), "the scatter got a strided index or gradient (TypeScript path)");
    const iv = i.toTypedArray(), gv = g.contiguous().toTypedArray();
    const want = new Float64Array(V * D);
    for (let m = 0; m < iv.length; m++) for (let d = 0; d < D; d++) want[Number(iv[m]) * D + d] += gv[m * D + d]!;
    assertClose(w.grad, tensor(Array.from(want)).reshape([V, D]), { atol: 1e-5 });
  });
});

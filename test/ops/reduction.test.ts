/**
 * Reductions, scans and softmax against plain-loop float64 references over single,
 * multiple and negative dims, keepdim, non-contiguous inputs and empty dims; PyTorch values
 * for the edge cases (NaN, -inf rows, empty all/any, var corrections, norms); errors;
 * gradcheck and gradgradcheck.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, ShapeError, Tensor, autograd, cumprod, cumsum, logSoftmax, logsumexp, softmax, stdMean, tensor, zeros } from "../../src/index.js";
import { assertClose, flat } from "../helpers.js";
import { FIX, assertThrowsWith, assertValues, decAll, numel, randT, unravel, withLayout, type Layout } from "../fixtures/math_ref.js";

/** Groups the elements of `x` by their position outside `dims`: one list per output element. */
function groups(x: Tensor, dims: number[]): { outShape: number[]; keepShape: number[]; lists: number[][] } {
  const v = flat(x), shape = [...x.shape];
  const all = dims.length === 0 ? shape.map((_, i) => i) : dims.map((d) => (d < 0 ? d + shape.length : d));
  const outShape = shape.filter((_, i) => !all.includes(i));
  const keepShape = shape.map((s, i) => (all.includes(i) ? 1 : s));
  const lists: number[][] = Array.from({ length: numel(outShape) }, () => []);
  for (let k = 0; k < v.length; k++) {
    const idx = unravel(k, shape).filter((_, i) => !all.includes(i));
    let o = 0;
    for (let d = 0; d < outShape.length; d++) o = o * outShape[d]! + idx[d]!;
    lists[o]!.push(v[k]!);
  }
  return { outShape, keepShape, lists };
}

const sumOf = (l: number[]) => l.reduce((a, b) => a + b, 0);
const meanOf = (l: number[]) => sumOf(l) / l.length;
const varOf = (l: number[], c: number) => {
  const m = meanOf(l);
  return sumOf(l.map((x) => (x - m) ** 2)) / Math.max(0, l.length - c);
};
const REDUCTIONS: Record<string, { f: (x: Tensor, dims: number[], keepdim: boolean) => Tensor; ref: (l: number[]) => number; nonEmpty?: boolean }> = {
  sum: { f: (x, d, k) => x.sum(d, { keepdim: k }), ref: sumOf },
  mean: { f: (x, d, k) => x.mean(d, { keepdim: k }), ref: meanOf },
  amax: { f: (x, d, k) => x.amax(d, { keepdim: k }), ref: (l) => Math.max(...l), nonEmpty: true },
  amin: { f: (x, d, k) => x.amin(d, { keepdim: k }), ref: (l) => Math.min(...l), nonEmpty: true },
  var0: { f: (x, d, k) => x.var(d, { keepdim: k, correction: 0 }), ref: (l) => varOf(l, 0) },
  var1: { f: (x, d, k) => x.var(d, { keepdim: k }), ref: (l) => varOf(l, 1) },
  std2: { f: (x, d, k) => x.std(d, { keepdim: k, correction: 2 }), ref: (l) => Math.sqrt(varOf(l, 2)) },
  logsumexp: { f: (x, d, k) => x.logsumexp(d, { keepdim: k }), ref: (l) => Math.log(sumOf(l.map(Math.exp))) },
  norm1: { f: (x, d, k) => x.norm(1, d, { keepdim: k }), ref: (l) => sumOf(l.map(Math.abs)) },
  norm2: { f: (x, d, k) => x.norm(2, d, { keepdim: k }), ref: (l) => Math.sqrt(sumOf(l.map((v) => v * v))) },
  normFro: { f: (x, d, k) => x.norm("fro", d, { keepdim: k }), ref: (l) => Math.sqrt(sumOf(l.map((v) => v * v))) },
  normInf: { f: (x, d, k) => x.norm(Infinity, d, { keepdim: k }), ref: (l) => Math.max(...l.map(Math.abs)), nonEmpty: true },
  norm3: { f: (x, d, k) => x.norm(3, d, { keepdim: k }), ref: (l) => sumOf(l.map((v) => Math.abs(v) ** 3)) ** (1 / 3) },
  all: { f: (x, d, k) => x.gt(0).all(d, { keepdim: k }), ref: (l) => Number(l.every((v) => v > 0)) },
  any: { f: (x, d, k) => x.gt(1.5).any(d, { keepdim: k }), ref: (l) => Number(l.some((v) => v > 1.5)) },
};

const DIM_CASES: [number[], number[]][] = [
  [[4, 5], [0]], [[4, 5], [1]], [[4, 5], [-1]], [[4, 5], [0, 1]], [[4, 5], []], [[2, 3, 4], [0, 2]], [[2, 3, 4], [1]],
  [[2, 3, 4], [-3, -2]], [[3, 1, 5], [1]], [[64, 12], [0]], [[7], [0]], [[2, 3, 4, 5], [1, 3]], [[5, 3, 2], [0]],
];

describe("reductions match the loop reference", () => {
  for (const [name, op] of Object.entries(REDUCTIONS)) {
    it(name, () => {
      DIM_CASES.forEach(([shape, dims], ci) => {
        for (const layout of ["contiguous", "transposed", "strided"] as Layout[]) {
          for (const keepdim of [false, true]) {
            const x = withLayout(randT(shape, 10 + ci), layout);
            const out = op.f(x, dims, keepdim);
            const g = groups(x, dims);
            assert.deepEqual([...out.shape], keepdim ? g.keepShape : g.outShape, `${name} ${JSON.stringify([shape, dims])} keepdim=${keepdim}`);
            assertValues(out, g.lists.map(op.ref), { rtol: 1e-12, atol: 1e-14, msg: `${name} ${JSON.stringify([shape, dims])} ${layout}` });
          }
        }
      });
    });
  }

  it("prod over one dim, all dims, and with zeros", () => {
    for (const [shape, dim] of [[[4, 5], 0], [[4, 5], 1], [[2, 3, 4], -2], [[6], 0]] as [number[], number][]) {
      const x = withLayout(randT(shape, 3), "transposed");
      const g = groups(x, [dim]);
      assertValues(x.prod(dim), g.lists.map((l) => l.reduce((a, b) => a * b, 1)), { rtol: 1e-12 });
      assert.deepEqual([...x.prod(dim, { keepdim: true }).shape], g.keepShape);
    }
    const x = randT([3, 4], 4);
    assertValues(x.prod(), [flat(x).reduce((a, b) => a * b, 1)], { rtol: 1e-12 });
    assertValues(tensor([[2, 0], [3, 4]]).prod(0), [6, 0]);
  });

  it("sum of a [64, 128] matrix over dim 0 (strided run, swept by rows) and over dim 1", () => {
    const x = randT([64, 128], 5);
    const g0 = groups(x, [0]), g1 = groups(x, [1]);
    assertValues(x.sum(0), g0.lists.map(sumOf), { rtol: 1e-12 });
    assertValues(x.float().sum(0), g0.lists.map(sumOf), { rtol: 1e-5, atol: 1e-5 });
    assertValues(x.sum(1), g1.lists.map(sumOf), { rtol: 1e-12 });
    assertValues(x.amax(0), g0.lists.map((l) => Math.max(...l)));
    assert.deepEqual(flat(x.argmax(0)), g0.lists.map((l) => l.indexOf(Math.max(...l))));
  });

  it("integer and bool inputs: sum gives int64 (as PyTorch), mean refuses", () => {
    const i = tensor([[1, 2], [3, 4]], { dtype: "int32" });
    assert.equal(i.sum().dtype, "int64");
    assert.equal(i.sum().item(), 10);
    assert.equal(tensor([true, true, false]).sum().item(), 2);
    assert.equal(i.sum(0, { dtype: "float64" }).dtype, "float64");
    assertThrowsWith(() => i.mean(), "mean", "int32");
    assertThrowsWith(() => i.var(), "var", "int32");
  });

  it("half dtypes accumulate in float and round once", () => {
    for (const dt of ["bfloat16", "float16"] as const) {
      const F = FIX.half[dt];
      const a = tensor(new Float64Array(F.a.map(Number))).to(dt).reshape([8, 8]);
      const ulp = dt === "bfloat16" ? 2 ** -7 : 2 ** -10;
      assert.equal(a.sum().dtype, dt);
      assertValues(a.sum(), [Number(F.sum)], { rtol: ulp });
      assertValues(a.sum(0), F.sum0.map(Number), { rtol: ulp, atol: ulp });
    }
  });
});

describe("edge cases match PyTorch", () => {
  const R = FIX.red;
  const x = tensor(new Float64Array(decAll(R.input)), { shape: [3, 4] });
  it("max/min along a dim: values and first-occurrence indices; NaN wins", () => {
    const mx = x.max(1), mn = x.min(1);
    assertValues(mx.values, decAll(R.maxV));
    assert.deepEqual(flat(mx.indices), R.maxI);
    assert.equal(mx.indices.dtype, "int32");
    assertValues(mn.values, decAll(R.minV));
    assert.deepEqual(flat(mn.indices), R.minI);
    assert.deepEqual(flat(x.argmax(0)), R.argmax0);
    assert.deepEqual(flat(x.argmin(0)), R.argmin0);
    assertValues(x.amax(1), decAll(R.amax1));
    assertValues(x.amin(0), decAll(R.amin0));
    assert.deepEqual([...x.narrow(0, 0, 2).argmax(null, { keepdim: true }).shape], R.argmaxAllKeep);
    assert.equal(x.narrow(0, 0, 2).argmax().item(), 7);
    const kd = x.max(-1, { keepdim: true });
    assert.deepEqual([...kd.values.shape], [3, 1]);
    assert.deepEqual([...kd.indices.shape], [3, 1]);
  });

  it("var/std with corrections 0, 1, 2 and too few elements", () => {
    const v = tensor(new Float64Array([1, 2, 4, 7, 0.5, 0.5, 0.5, 0.5]), { shape: [2, 4] });
    for (const c of [0, 1, 2]) assertValues(v.var(1, { correction: c }), decAll(FIX.var[String(c)]));
    assertValues(tensor(new Float64Array([3])).var(), decAll([FIX.varTooFew.c1]));
    assertValues(tensor(new Float64Array([1, 2])).var(0, { correction: 2 }), decAll([FIX.varTooFew.c2]));
  });

  it("all/any over empty sets are true/false", () => {
    assert.equal(zeros([0]).bool().all().item(), FIX.allEmpty);
    assert.equal(zeros([0]).bool().any().item(), FIX.anyEmpty);
    assert.deepEqual(zeros([2, 0]).all(1).tolist(), FIX.allEmptyDim);
    assert.deepEqual(zeros([2, 0]).any(1).tolist(), [false, false]);
    assert.equal(tensor([NaN]).all().item(), true);
    assert.equal(tensor([1, 2, 0]).all().dtype, "bool");
  });

  it("logsumexp handles -inf rows, +inf and large values; empty dims give -inf", () => {
    const l = tensor(new Float64Array(decAll(FIX.logsumexp.input)), { shape: [4, 2] });
    assertValues(l.logsumexp(1), decAll(FIX.logsumexp.out));
    assertValues(logsumexp(zeros([2, 0], { dtype: "float64" }), 1), decAll(FIX.logsumexpEmpty));
  });

  it("norms: p = 1, 2, inf, -inf, 3, 0, 0.5 and Frobenius", () => {
    const n = tensor(new Float64Array(decAll(FIX.norm.input)), { shape: [2, 3] });
    for (const p of [1, 2, Infinity, -Infinity, 3, 0, 0.5]) {
      const key = p === Infinity ? "inf" : p === -Infinity ? "-inf" : String(p);
      assertValues(n.norm(p, 1), decAll(FIX.norm[key]), { msg: `p=${key}` });
    }
    assertValues(n.norm(), [FIX.norm.froAll]);
    assertValues(n.norm("fro"), [FIX.norm.froAll]);
  });

  it("softmax/logSoftmax are stable for large logits", () => {
    const s = tensor(new Float64Array(decAll(FIX.softmax.input)), { shape: [3, 3] });
    assertValues(s.softmax(1), decAll(FIX.softmax.softmax));
    assertValues(s.logSoftmax(1), decAll(FIX.softmax.logSoftmax));
    assertValues(s.float().softmax(-1), decAll(FIX.softmax.softmax), { rtol: 1e-6, atol: 1e-7 });
    assertValues(softmax(tensor([-Infinity, 0]), 0), [0, 1]);
    assertValues(logSoftmax(tensor([-Infinity, 0]), 0), [-Infinity, 0]);
  });

  it("cumprod through zeros", () => {
    assertValues(tensor(new Float64Array([2, 0, 3, 0, 5])).cumprod(0), decAll(FIX.cumprodZeros));
  });

  it("dim = [] reduces every dim (as torch.sum(x, dim=[]))", () => {
    assertValues(tensor([[1, 2, 3], [4, 5, 6]]).sum([]), [21]);
    assert.equal(FIX.sumEmptyDimList, 6);
  });

  it("0-d tensors: dims 0 and -1 name the tensor itself", () => {
    const s = tensor(2.5, { dtype: "float64" });
    for (const r of [s.sum(0), s.mean(-1), s.amax(0), s.prod(0), s.cumsum(0), s.cumprod(-1), s.logsumexp(0), s.max(0).values, s.norm(2, 0)]) {
      assert.deepEqual(r.shape, []);
    }
    assert.equal(s.sum(0).item(), 2.5);
    assert.equal(s.cumsum(0).item(), 2.5);
    assert.equal(s.softmax(0).item(), 1);
    assert.equal(s.logSoftmax(0).item(), 0);
    assert.equal(s.argmax(0).item(), 0);
    assert.equal(s.max(0).indices.item(), 0);
    assert.equal(tensor(true).all(0).item(), true);
    assertThrowsWith(() => s.sum(1), "sum", "out of range");
  });

  it("empty dims: sums are 0, products 1, means NaN, softmax empty; max refuses", () => {
    const e = zeros([3, 0], { dtype: "float64" });
    assertValues(e.sum(1), [0, 0, 0]);
    assertValues(e.prod(1), [1, 1, 1]);
    assertValues(e.mean(1), [NaN, NaN, NaN]);
    assert.deepEqual(e.sum(0).shape, [0]);
    assert.deepEqual(e.softmax(1).shape, [3, 0]);
    assert.deepEqual(e.cumsum(1).shape, [3, 0]);
    assert.deepEqual(e.amax(0).shape, [0]);
    assertThrowsWith(() => e.max(1), "max", "non-zero size", "[3, 0]");
    assertThrowsWith(() => e.amax(1), "amax", "[3, 0]");
    assertThrowsWith(() => e.argmin(1), "argmin", "[3, 0]");
    assertThrowsWith(() => e.max(), "max", "[3, 0]");
  });

  it("bad dims raise IndexError naming the range", () => {
    const x = zeros([2, 3]);
    assertThrowsWith(() => x.sum(2), "sum", "dimension 2 out of range", "[-2, 1]");
    assertThrowsWith(() => x.mean(-3), "mean", "out of range");
    assertThrowsWith(() => x.max(5), "max", "out of range");
    assertThrowsWith(() => x.softmax(2), "softmax", "out of range");
    assertThrowsWith(() => x.cumsum(-3), "cumsum", "out of range");
    assertThrowsWith(() => x.sum([0, 0]), "sum", "multiple times");
  });
});

describe("scans and softmax match the loop reference", () => {
  const cases: [number[], number][] = [[[5], 0], [[3, 4], 0], [[3, 4], 1], [[2, 3, 4], -2], [[2, 3, 4], 2], [[4, 1], 1]];
  /** Applies f to each line along dim, by loops. */
  function along(x: Tensor, dim: number, f: (l: number[]) => number[]): number[] {
    const shape = [...x.shape], v = flat(x), d = dim < 0 ? dim + shape.length : dim;
    const out = new Array<number>(v.length);
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1), n = shape[d]!;
    for (let k = 0; k < v.length; k++) {
      if (unravel(k, shape)[d] !== 0) continue;
      const line = Array.from({ length: n }, (_, i) => v[k + i * stride]!);
      f(line).forEach((y, i) => (out[k + i * stride] = y));
    }
    return out;
  }
  const SCANS: Record<string, { f: (x: Tensor, d: number) => Tensor; ref: (l: number[]) => number[] }> = {
    cumsum: { f: cumsum, ref: (l) => l.map((_, i) => sumOf(l.slice(0, i + 1))) },
    cumprod: { f: cumprod, ref: (l) => l.map((_, i) => l.slice(0, i + 1).reduce((a, b) => a * b, 1)) },
    softmax: { f: softmax, ref: (l) => l.map((v) => Math.exp(v) / sumOf(l.map(Math.exp))) },
    logSoftmax: { f: logSoftmax, ref: (l) => l.map((v) => v - Math.log(sumOf(l.map(Math.exp)))) },
  };
  for (const [name, op] of Object.entries(SCANS)) {
    it(name, () => {
      cases.forEach(([shape, dim], ci) => {
        for (const layout of ["contiguous", "transposed", "strided"] as Layout[]) {
          const x = withLayout(randT(shape, 50 + ci), layout);
          const out = op.f(x, dim);
          assert.deepEqual(out.shape, shape);
          assertValues(out, along(x, dim, op.ref), { rtol: 1e-12, atol: 1e-14, msg: `${name} ${JSON.stringify(shape)} dim ${dim} ${layout}` });
        }
      });
      if (name.startsWith("cum")) assert.equal(op.f(tensor([1, 2], { dtype: "int32" }), 0).dtype, "int64");
      // as PyTorch ("softmax_kernel_impl" not implemented for 'Int'): integers need the dtype argument
      else assert.throws(() => op.f(tensor([1, 2], { dtype: "int32" }), 0), (e: Error) => e instanceof DTypeError && new RegExp(`^${name}: expected a floating point input, got int32`).test(e.message));
    });
  }
});

describe("gradients (gradcheck in float64)", () => {
  const x = () => withLayout(randT([3, 4], 71, 0.3, 2), "transposed").requiresGrad_(true);
  const cases: Record<string, (t: Tensor) => Tensor> = {
    sum: (t) => t.sum(),
    sumDim: (t) => t.sum(0),
    sumDims: (t) => t.sum([0, 1], { keepdim: true }),
    mean: (t) => t.mean(-1),
    prod: (t) => t.prod(1),
    prodAll: (t) => t.prod(),
    max: (t) => t.max(1).values,
    min: (t) => t.min(0, { keepdim: true }).values,
    amax: (t) => t.amax(0),
    amin: (t) => t.amin([0, 1]),
    var: (t) => t.var(1),
    var0: (t) => t.var(0, { correction: 0 }),
    std: (t) => t.std(),
    logsumexp: (t) => t.logsumexp(1),
    norm2: (t) => t.norm(),
    norm1: (t) => t.norm(1, 1),
    norm3: (t) => t.norm(3, 0),
    normInf: (t) => t.norm(Infinity, 1),
    cumsum: (t) => t.cumsum(1),
    cumprod: (t) => t.cumprod(0),
    softmax: (t) => t.softmax(1),
    logSoftmax: (t) => t.logSoftmax(0),
  };
  for (const [name, f] of Object.entries(cases)) {
    it(name, () => assert.ok(autograd.gradcheck(f, [x()]), name));
  }
  it("prod and cumprod with zeros", () => {
    const z = tensor(new Float64Array([0.5, 0, 2, 1.5, 0, 3, 1, 2]), { shape: [2, 4], requiresGrad: true });
    assert.ok(autograd.gradcheck((t) => t!.prod(1), [z]));
    assert.ok(autograd.gradcheck((t) => t!.cumprod(1), [z]));
  });
  const gg: Record<string, (t: Tensor) => Tensor> = {
    softmax: (t) => t.softmax(1), logSoftmax: (t) => t.logSoftmax(1), sum: (t) => t.sum(0).mul(t.sum(0)), mean: (t) => t.mean(1).exp(),
    var: (t) => t.var(1), norm: (t) => t.norm(2, 1), logsumexp: (t) => t.logsumexp(0), prod: (t) => t.prod(1), cumprod: (t) => t.cumprod(1),
  };
  for (const [name, f] of Object.entries(gg)) {
    it(`gradgradcheck ${name}`, () => assert.ok(autograd.gradgradcheck(f, [randT([2, 3], 81, 0.3, 2).requiresGrad_(true)]), name));
  }
});

describe("gradients where a p-norm or a std is 0 are 0, as PyTorch's (not NaN)", () => {
  it("norm with p other than 1, 2 and inf", () => {
    // x = torch.tensor([[0., 0., 0.], [1., -2., 0.]], requires_grad=True)
    // for p in [3, 1.5, 0.5, -1]: n = x.norm(p=p, dim=1); n.sum().backward(); n, x.grad
    const want: Record<number, [number[], number[][]]> = {
      3: [[0, 2.0800838470458984], [[0, 0, 0], [0.23112042248249054, -0.9244816899299622, 0]]],
      1.5: [[0, 2.447260856628418], [[0, 0, 0], [0.6392340064048767, -0.9040133953094482, 0]]],
      0.5: [[0, 5.828427791595459], [[0, 0, 0], [2.4142136573791504, -1.7071068286895752, 0]]],
      [-1]: [[0, 0], [[0, 0, 0], [0, 0, 0]]],
    };
    for (const [p, [norm, grad]] of Object.entries(want)) {
      const x = tensor([[0, 0, 0], [1, -2, 0]], { requiresGrad: true });
      const n = x.norm(Number(p), { dim: 1 });
      assertClose(n, norm, { rtol: 1e-6, msg: `p=${p}` });
      n.sum().backward();
      assertClose(x.grad!, grad, { rtol: 1e-6, atol: 1e-7, msg: `p=${p} grad` });
    }
    const y = randT([3, 4], 7, 0.3, 2).requiresGrad_(true);
    for (const p of [3, 1.5, 0.5]) {
      assert.ok(autograd.gradcheck((t) => t.norm(p, 1), [y]), `gradcheck p=${p}`);
      assert.ok(autograd.gradgradcheck((t) => t.norm(p, 1), [y]), `gradgradcheck p=${p}`);
    }
  });
  it("std and stdMean of a constant slice", () => {
    // x = torch.tensor([[1., 1., 1.], [1., 2., 4.]], requires_grad=True); x.std(1).sum().backward(); x.grad
    const x = tensor([[1, 1, 1], [1, 2, 4]], { requiresGrad: true });
    x.std(1).sum().backward();
    assertClose(x.grad!, [[0, 0, 0], [-0.4364357590675354, -0.10910891741514206, 0.5455447435379028]], { rtol: 1e-6 });
    // x.grad = None; s, m = torch.std_mean(x, 1); (s + m).sum().backward(); x.grad
    x.grad = null;
    const [s, m] = stdMean(x, 1);
    s.add(m).sum().backward();
    assertClose(x.grad!, [[1 / 3, 1 / 3, 1 / 3], [-0.1031024158000946, 0.22422441840171814, 0.878878116607666]], { rtol: 1e-6 });
    const y = randT([3, 4], 9, 0.3, 2).requiresGrad_(true);
    assert.ok(autograd.gradgradcheck((t) => t.std(1), [y]));
  });
});

describe("all/any of uint8 keep uint8, as PyTorch 1.13", () => {
  it("returns uint8 0/1 for uint8 input and bool otherwise", () => {
    // u = torch.tensor([[1, 0], [2, 3]], dtype=torch.uint8); u.all() -> tensor(0, dtype=torch.uint8); u.any(1) -> [1, 1] uint8
    const u = tensor([[1, 0], [2, 3]], { dtype: "uint8" });
    assert.equal(u.all().dtype, "uint8");
    assert.equal(u.all().item(), 0);
    assert.deepEqual(u.any(1).tolist(), [1, 1]);
    assert.equal(u.any(1).dtype, "uint8");
    assert.equal(tensor([1, 0], { dtype: "int32" }).all().dtype, "bool");
  });
});

it("max()/min() of the whole tensor are MaxBackward1/MinBackward1 (as torch), amax/amin AmaxBackward0/AminBackward0; ties share the gradient", () => {
  const x = tensor([1, 3, 3], { requiresGrad: true });
  const y = x.max();
  assert.equal(y.gradFn!.name, "MaxBackward1");
  assert.match(String(y), /grad_fn=<MaxBackward1>/);
  assert.equal(x.min().gradFn!.name, "MinBackward1");
  assert.equal(x.amax().gradFn!.name, "AmaxBackward0");
  assert.equal(x.amin().gradFn!.name, "AminBackward0");
  assert.equal(x.max(0).values.gradFn!.name, "MaxBackward0");
  y.backward();
  assert.deepEqual([...x.grad!.data()], [0, 0.5, 0.5]); // torch: tensor([0.0000, 0.5000, 0.5000])
});

// PyTorch 1.13 parity found by the differential fuzz (test/fuzz/diff_torch.test.ts); the values
// in the comments are PyTorch's.
describe("reductions: PyTorch parity from the differential fuzz", () => {
  it("argmax/argmin refuse bool tensors (\"argmax_cpu\" not implemented for 'Bool'); max(dim) of bool works", () => {
    const b = tensor([true, false, true]);
    for (const f of [() => b.argmax(), () => b.argmin(0), () => b.argmax(-1, true)]) {
      assert.throws(f, (e: Error) => e instanceof DTypeError && /arg(max|min): not implemented for bool tensors/.test(e.message));
    }
    assert.deepEqual(b.max(0).values.item(), true); // torch.return_types.max(values=tensor(True), indices=tensor(0))
    assert.equal(b.int().argmax().item(), 0);
  });

  it("softmax/logSoftmax of integers need the dtype argument; a 0-d logSoftmax is +0", () => {
    const i = tensor([1, 2], { dtype: "int64" });
    assert.throws(() => i.logSoftmax(0), /logSoftmax: expected a floating point input, got int64/);
    assert.deepEqual(softmax(i, 0, "float64").dtype, "float64"); // torch.softmax(i, 0, dtype=torch.float64)
    // torch.log_softmax(torch.tensor(-4.6, dtype=torch.float64), -1) -> tensor(0.) (x - logsumexp(x)), not -0
    assert.ok(Object.is(tensor(-4.6, { dtype: "float64" }).logSoftmax(-1).item(), 0));
    assert.ok(Object.is(tensor([-1]).reshape(1, 1).logSoftmax(1).item(), 0));
    assert.ok(Number.isNaN(tensor(NaN).logSoftmax(0).item()));
  });

  it("std/var of float32 accumulate in float64, as PyTorch's kernel: no overflow on the way", () => {
    const x = tensor([1e30, -1e30, 3]);
    // torch.std(x, 0) -> tensor(1.0000e+30); torch.var(x) -> inf (1e60 is past float32)
    assert.equal(x.std(0).dtype, "float32");
    assertClose(x.std(0), [1e30], { rtol: 1e-6 });
    assert.equal(x.var().item(), Infinity);
    assertClose(stdMean(x, 0)[0], [1e30], { rtol: 1e-6 });
    // torch.std(torch.tensor([2.5, 0.996, -2.797, 1e30, -1e30]), 0) -> 7.0711e+29; correction=0: 6.3246e+29
    assertClose(tensor([2.5, 0.996, -2.797, 1e30, -1e30]).std(0), [7.071067565216947e29], { rtol: 1e-6 });
    assertClose(tensor([2.5, 0.996, -2.797, 1e30, -1e30]).std(0, { correction: 0 }), [6.324555320336759e29], { rtol: 1e-6 });
    const g = tensor([1, 2, 4], { requiresGrad: true });
    g.std().backward();
    assertClose(g.grad!, [-0.43643578, -0.10910895, 0.54554473], { rtol: 1e-6 });
  });

  it("norm: \"fro\" over more than two dims raises; ±inf over an empty set is 0", () => {
    const x = zeros([2, 3, 1]);
    assert.throws(() => x.norm("fro", [0, 1, 2]), (e: Error) => e instanceof ShapeError && /norm: p="fro" reduces at most 2 dims/.test(e.message));
    assert.equal(x.norm("fro", [0, 1]).shape.length, 1);
    // torch.norm(torch.zeros(2, 0, 4), float('-inf'), -2) -> zeros [2, 4]; torch.norm(torch.zeros(0), float('inf')) -> 0
    for (const p of [Infinity, -Infinity]) {
      const r = zeros([2, 0, 4]).norm(p, -2);
      assert.deepEqual(r.shape, [2, 4]);
      assert.deepEqual(flat(r), new Array(8).fill(0));
      assert.equal(zeros([0]).norm(p).item(), 0);
    }
    assert.equal(tensor([-3, 2]).norm(-Infinity).item(), 2);
  });
});

// PyTorch 1.13: x = [1, nan, 3, nan]; grad of x.max() and of x.min(): [0, .5, 0, .5]
describe("max()/min() of a tensor with NaN", () => {
  it("share the gradient among the NaNs (PyTorch's evenly_distribute_backward), not NaN everywhere", () => {
    const x = tensor([1, NaN, 3, NaN], { dtype: "float64", requiresGrad: true });
    assert.deepEqual(autograd.grad(x.max(), [x])[0]!.tolist(), [0, 0.5, 0, 0.5]);
    assert.deepEqual(autograd.grad(x.min(), [x])[0]!.tolist(), [0, 0.5, 0, 0.5]);
  });
});

// PyTorch 1.13: x = [[1, 2, 4], [3, 1, 2]]; grad of var(x, 1, correction=3).sum():
// [[-inf, -inf, inf], [inf, -inf, nan]]; g = grad of var(x, 1).sum() (create_graph):
// [[-4/3, -1/3, 5/3], [1, -1, 0]], and grad of g.pow(2).sum(): [[-8/3, -2/3, 10/3], [2, -2, 0]]
describe("var's gradient", () => {
  it("is PyTorch's 2(x - mean) / (N - correction): ±inf with no degrees of freedom left, and differentiable again", () => {
    const x = tensor([[1, 2, 4], [3, 1, 2]], { dtype: "float64", requiresGrad: true });
    assert.deepEqual(autograd.grad(x.var(1, { correction: 3 }).sum(), [x])[0]!.tolist(), [[-Infinity, -Infinity, Infinity], [Infinity, -Infinity, NaN]]);
    const [g] = autograd.grad(x.var(1).sum(), [x], { createGraph: true });
    assertClose(g!, [[-4 / 3, -1 / 3, 5 / 3], [1, -1, 0]], { atol: 1e-14, rtol: 1e-14 });
    assertClose(autograd.grad(g!.pow(2).sum(), [x])[0]!, [[-8 / 3, -2 / 3, 10 / 3], [2, -2, 0]], { atol: 1e-14, rtol: 1e-14 });
  });
});

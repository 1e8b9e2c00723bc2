/**
 * Tests for src/ops/shape_ops.ts: every op against an independent float64 reference
 * (index arithmetic over flat arrays below, or PyTorch results in
 * test/fixtures/shape_ops_torch.json), on contiguous, non-contiguous, empty and 0-d
 * inputs; gradients with gradcheck in float64; error messages.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Generator, ShapeError, IndexError, FluxionError, Tensor, arange, autograd, ones, tensor, zeros, type DType } from "../../src/index.js";
import { cat, chunk, flip, hstack, pad, repeat, roll, split, stack, tensorSplit, tile, tril, triu, vstack, type PadMode } from "../../src/ops/shape_ops.js";
import { assertClose, assertShape, flat, nonContiguous, randomTensor } from "../helpers.js";

// ---- reference: row-major arrays indexed by coordinates ----------------------------------

interface Ref {
  shape: number[];
  v: number[];
}
const refOf = (t: Tensor): Ref => ({ shape: [...t.shape], v: flat(t) });
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
function coordsOf(k: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = k % shape[d]!;
    k = Math.floor(k / shape[d]!);
  }
  return c;
}
function at(r: Ref, c: readonly number[]): number {
  let k = 0;
  for (let d = 0; d < r.shape.length; d++) k = k * r.shape[d]! + c[d]!;
  return r.v[k]!;
}
/** A reference array of `shape` whose element at coordinates c is fn(c). */
function build(shape: readonly number[], fn: (c: number[]) => number): Ref {
  return { shape: [...shape], v: Array.from({ length: numel(shape) }, (_, k) => fn(coordsOf(k, shape))) };
}
function assertRef(actual: Tensor, expected: Ref, msg?: string): void {
  assertShape(actual, expected.shape);
  assertClose(actual, expected.v, { atol: 0, rtol: 0, msg });
}

const gen = new Generator(42);
const randInt = (lo: number, hi: number) => lo + Math.floor(gen.nextDouble() * (hi - lo + 1));
const randShape = (nd: number, lo = 1, hi = 4) => Array.from({ length: nd }, () => randInt(lo, hi));
let seed = 1;
const rt = (shape: readonly number[], dtype: DType = "float64") => randomTensor(shape, { seed: seed++, dtype });
const rg = (shape: readonly number[]) => randomTensor(shape, { seed: seed++, requiresGrad: true });

/** Weighted sum so gradcheck sees distinct gradients per output element. */
const weighted = (t: Tensor) => t.mul(randomTensor(t.shape, { seed: 999 }));

const fixtures = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/shape_ops_torch.json", import.meta.url)), "utf8"));

// ---- cat / stack / hstack / vstack -------------------------------------------------------

describe("cat", () => {
  function catRef(xs: Ref[], d: number): Ref {
    const shape = [...xs[0]!.shape];
    shape[d] = xs.reduce((s, x) => s + x.shape[d]!, 0);
    return build(shape, (c) => {
      let i = c[d]!;
      for (const x of xs) {
        if (i < x.shape[d]!) return at(x, c.map((v, k) => (k === d ? i : v)));
        i -= x.shape[d]!;
      }
      throw new Error("unreachable");
    });
  }

  test("matches the reference on random shapes, every dim, contiguous or not", () => {
    for (let trial = 0; trial < 12; trial++) {
      const nd = randInt(1, 4);
      const base = randShape(nd);
      const d = randInt(0, nd - 1);
      const xs = Array.from({ length: randInt(1, 4) }, (_, i) => {
        const s = [...base];
        s[d] = randInt(0, 3);
        const t = rt(s);
        return i % 2 ? nonContiguous(t) : t;
      });
      const out = cat(xs, trial % 2 ? d : d - nd);
      assertRef(out, catRef(xs.map(refOf), d), `trial ${trial}`);
      assert.equal(out.dtype, "float64");
    }
  });

  test("promotes dtypes across inputs like torch.cat", () => {
    const a = tensor([[1, 2]], { dtype: "int32" }), b = tensor([[true, false]]), c = tensor([[0.5, 1.5]], { dtype: "float32" });
    assert.equal(cat([a, b]).dtype, "int32");
    assertClose(cat([a, b]), [1, 2, 1, 0]);
    const abc = cat([a, b, c]);
    assert.equal(abc.dtype, "float32");
    assertClose(abc, [1, 2, 1, 0, 0.5, 1.5]);
    assert.equal(cat([c, tensor([[1, 2]], { dtype: "float64" })]).dtype, "float64");
    assert.equal(cat([tensor([[1]], { dtype: "bfloat16" }), tensor([[2]], { dtype: "float16" })]).dtype, "float32");
  });

  test("skips legacy 1-D empty tensors but keeps their dtype in the promotion", () => {
    const x = rt([2, 3], "float32");
    const out = cat([zeros([0], { dtype: "float64" }), x, zeros([0])], 1);
    assert.equal(out.dtype, "float64");
    assertRef(out, refOf(x));
    assertShape(cat([zeros([0]), zeros([0])]), [0]);
  });

  test("concatenates zero-size tensors", () => {
    assertShape(cat([zeros([0, 3]), zeros([0, 3])]), [0, 3]);
    assertRef(cat([zeros([2, 0]), tensor([[1], [2]])], 1), { shape: [2, 1], v: [1, 2] });
  });

  test("always returns a new tensor", () => {
    const x = tensor([1, 2]);
    const y = cat([x]);
    assert.notEqual(y.storage, x.storage);
    assertClose(y, [1, 2]);
  });

  test("gradient is the matching slice of the output gradient (gradcheck, gradgradcheck)", () => {
    const a = rg([2, 3]), b = rg([2, 1]), c = rg([2, 2]);
    assert.ok(autograd.gradcheck((a, b, c) => weighted(cat([a!, b!, c!], 1)), [a, b, c]));
    assert.ok(autograd.gradgradcheck((a, b) => cat([a!, b!], -1).pow(2), [a, b]));
    // the same tensor twice gets both slices
    const x = rg([2]);
    cat([x, x]).mul(tensor([1, 2, 3, 4], { dtype: "float64" })).sum().backward();
    assertClose(x.grad!, [4, 6]);
  });

  test("gradient flows through the dtype promotion back to the float32 input", () => {
    const a = tensor([1, 2], { requiresGrad: true }), b = tensor([3], { dtype: "float64" });
    const y = cat([a, b]);
    assert.equal(y.dtype, "float64");
    y.mul(tensor([2, 3, 4], { dtype: "float64" })).sum().backward();
    assert.equal(a.grad!.dtype, "float32");
    assertClose(a.grad!, [2, 3]);
  });

  test("errors name the op, the sizes and the tensor", () => {
    assert.throws(() => cat([ones([2, 3]), ones([2, 4])]), (e: Error) => e instanceof ShapeError && /cat: sizes of tensors must match except in dimension 0\. Expected size 3 but got size 4 for tensor number 1 in the list \(shapes \[2, 3\] and \[2, 4\]/.test(e.message));
    assert.throws(() => cat([ones([2, 3]), ones([3])]), /cat: tensors must have same number of dimensions: got 2 and 1/);
    assert.throws(() => cat([tensor(1)]), /cat: zero-dimensional tensor \(at position 0\) cannot be concatenated/);
    assert.throws(() => cat([]), (e: Error) => e instanceof FluxionError && /cat: expected a non-empty list/.test(e.message));
    assert.throws(() => cat([ones([2])], 1), (e: Error) => e instanceof IndexError && /cat: dimension 1 out of range/.test(e.message));
  });
});

describe("stack, hstack, vstack", () => {
  test("stack inserts a new dim at every position", () => {
    const shape = [2, 3];
    const xs = [rt(shape), nonContiguous(rt(shape)), rt(shape)];
    const refs = xs.map(refOf);
    for (const d of [0, 1, 2, -1]) {
      const dd = d < 0 ? d + 3 : d;
      const outShape = [...shape];
      outShape.splice(dd, 0, 3);
      assertRef(stack(xs, d), build(outShape, (c) => at(refs[c[dd]!]!, c.filter((_, k) => k !== dd))));
    }
  });

  test("stack of 0-d tensors is 1-D; dtypes are promoted", () => {
    const s = stack([tensor(1, { dtype: "int32" }), tensor(2.5, { dtype: "float64" })]);
    assertShape(s, [2]);
    assert.equal(s.dtype, "float64");
    assertClose(s, [1, 2.5]);
  });

  test("stack gradcheck and errors", () => {
    assert.ok(autograd.gradcheck((a, b) => weighted(stack([a!, b!], 1)), [rg([2, 3]), rg([2, 3])]));
    assert.throws(() => stack([ones([2, 3]), ones([2, 4])]), (e: Error) => e instanceof ShapeError && /stack: expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[2, 4\] at entry 1/.test(e.message));
    assert.throws(() => stack([]), /stack: expected a non-empty list/);
    assert.throws(() => stack([ones([2])], 2), /stack: dimension 2 out of range/);
  });

  test("hstack and vstack follow torch for 0-d, 1-D and 2-D inputs", () => {
    const h = hstack([tensor(1, { dtype: "int32" }), tensor([2, 3], { dtype: "int32" })]);
    assert.equal(h.dtype, "int32");
    assert.deepEqual(h.tolist(), [1, 2, 3]);
    assert.deepEqual(hstack([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])]).tolist(), [[1, 3, 4], [2, 5, 6]]);
    assert.deepEqual(vstack([tensor([1, 2]), tensor([[3, 4], [5, 6]])]).tolist(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(vstack([tensor(1), tensor(2)]).tolist(), [[1], [2]]);
    assert.ok(autograd.gradcheck((a, b) => weighted(vstack([a!, b!])), [rg([3]), rg([2, 3])]));
    assert.ok(autograd.gradcheck((a, b) => weighted(hstack([a!, b!])), [rg([3]), rg([2])]));
  });
});

// ---- split / chunk / tensorSplit ---------------------------------------------------------

describe("split, chunk, tensorSplit", () => {
  const sizesOf = (ts: Tensor[], d: number) => ts.map((t) => t.shape[d]);

  test("split by size returns views whose pieces reassemble the input", () => {
    const x = rt([3, 7, 2]);
    const parts = split(x, 3, 1);
    assert.deepEqual(sizesOf(parts, 1), [3, 3, 1]);
    for (const p of parts) assert.equal(p.storage, x.storage, "split returns views");
    let pos = 0;
    const r = refOf(x);
    for (const p of parts) {
      const start = pos;
      assertRef(p, build(p.shape, (c) => at(r, [c[0]!, c[1]! + start, c[2]!])));
      pos += p.shape[1]!;
    }
    assert.deepEqual(sizesOf(x.split(7, 1), 1), [7]);
    assert.deepEqual(sizesOf(x.split(10, 1), 1), [7]);
    assert.deepEqual(sizesOf(x.split(1, -1), 2), [1, 1]);
  });

  test("split by sections, including empty sections and non-contiguous input", () => {
    const x = nonContiguous(rt([5, 3]));
    const parts = x.split([2, 0, 3]);
    assert.deepEqual(sizesOf(parts, 0), [2, 0, 3]);
    assertRef(parts[2]!, build([3, 3], (c) => at(refOf(x), [c[0]! + 2, c[1]!])));
    assert.deepEqual(sizesOf(split(zeros([0, 2]), 2), 0), [0]);
    assert.deepEqual(sizesOf(split(zeros([0, 2]), 0), 0), [0]);
  });

  test("chunk matches torch.chunk piece sizes", () => {
    for (const { n, chunks, sizes } of fixtures.chunk) {
      assert.deepEqual(sizesOf(chunk(arange(n), chunks), 0), sizes, `chunk(arange(${n}), ${chunks})`);
    }
    assert.deepEqual(arange(10).reshape(2, 5).chunk(2, 1).map((t) => t.tolist()), [[[0, 1, 2], [5, 6, 7]], [[3, 4], [8, 9]]]);
  });

  test("tensorSplit by sections and by indices", () => {
    assert.deepEqual(tensorSplit(arange(7), 3).map((t) => t.tolist()), [[0, 1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(arange(5).tensorSplit([1, 3]).map((t) => t.tolist()), [[0], [1, 2], [3, 4]]);
    assert.deepEqual(arange(5).tensorSplit([3, 1, 9]).map((t) => t.tolist()), [[0, 1, 2], [], [1, 2, 3, 4], []]);
    assert.deepEqual(arange(5).tensorSplit([-2]).map((t) => t.tolist()), [[0, 1, 2], [3, 4]]);
  });

  test("tensorSplit by a tensor (torch.tensor_split's tensor_indices_or_sections): 1-D indices, a 0-d section count, PyTorch's checks", () => {
    // torch.tensor_split(torch.arange(6.), torch.tensor([1, 1, 4])) -> [[0.], [], [1., 2., 3.], [4., 5.]]: jagged rows from offsets
    const f = arange(6).float();
    assert.deepEqual(tensorSplit(f, tensor([1, 1, 4], { dtype: "int64" })).map((t) => t.tolist()), [[0], [], [1, 2, 3], [4, 5]]);
    assert.deepEqual(f.tensorSplit(tensor(4, { dtype: "int64" })).map((t) => t.tolist()), [[0, 1], [2, 3], [4], [5]]);
    assert.deepEqual(f.view(2, 3).tensorSplit(tensor([1], { dtype: "int32" }), 1).map((t) => t.tolist()), [[[0], [3]], [[1, 2], [4, 5]]]);
    assert.throws(() => f.tensorSplit(tensor([1.5])), (e: Error) => e.name === "DTypeError" && /^tensorSplit: expected tensor_indices_or_sections to have an integer dtype \(int64 or int32\), but got float32/.test(e.message));
    assert.throws(() => f.tensorSplit(tensor([[1]], { dtype: "int64" })), (e: Error) => e instanceof ShapeError && /zero-dimensional or one-dimensional tensor, but got a tensor with 2 dims/.test(e.message));
  });

  test("gradients of the pieces land in the right places (gradcheck)", () => {
    const x = rg([5, 2]);
    assert.ok(autograd.gradcheck((x) => split(x!, [1, 4]).map(weighted), [x]));
    assert.ok(autograd.gradcheck((x) => chunk(x!, 3, 0).map(weighted), [x]));
    assert.ok(autograd.gradcheck((x) => tensorSplit(x!, [2], 1).map(weighted), [x]));
    const y = rg([4]);
    const [a, b] = y.split(2);
    a!.mul(2).sum().add(b!.mul(3).sum()).backward();
    assertClose(y.grad!, [2, 2, 3, 3]);
  });

  test("errors", () => {
    assert.throws(() => split(arange(5), [2, 2]), (e: Error) => e instanceof ShapeError && /split: split sizes must be non-negative integers that sum exactly to 5 \(the size of dim 0 of input \[5\]\), but got \[2,2\]/.test(e.message));
    assert.throws(() => split(arange(5), 0), /split: splitSize can only be 0 if dimension size is 0, but got dimension size of 5/);
    assert.throws(() => split(tensor(1), 1), /split: expects at least a 1-dimensional tensor/);
    assert.throws(() => chunk(arange(5), 0), /chunk: expects `chunks` to be a positive integer, got: 0/);
    assert.throws(() => tensorSplit(arange(5), 0), /tensorSplit: number of sections must be a positive integer/);
  });
});

// ---- pad ---------------------------------------------------------------------------------

describe("pad", () => {
  /** Reference: each output coordinate maps to an input coordinate (or the fill value). */
  function padRef(x: Ref, padding: readonly number[], mode: PadMode, value: number): Ref {
    const nd = x.shape.length;
    const pairs = x.shape.map(() => [0, 0]);
    for (let i = 0; i < padding.length / 2; i++) pairs[nd - 1 - i] = [padding[2 * i]!, padding[2 * i + 1]!];
    const outShape = x.shape.map((s, d) => s + pairs[d]![0]! + pairs[d]![1]!);
    return build(outShape, (c) => {
      const src: number[] = [];
      for (let d = 0; d < nd; d++) {
        const n = x.shape[d]!;
        let i = c[d]! - pairs[d]![0]!;
        if (i < 0 || i >= n) {
          if (mode === "constant") return value;
          if (mode === "reflect") i = i < 0 ? -i : 2 * (n - 1) - i;
          else if (mode === "replicate") i = i < 0 ? 0 : n - 1;
          else i = ((i % n) + n) % n;
        }
        src.push(i);
      }
      return at(x, src);
    });
  }

  test("matches PyTorch's F.pad in every mode", () => {
    for (const f of fixtures.pad) {
      const x = tensor(new Float64Array(f.x), { shape: f.shape });
      const out = pad(x, f.pad, f.mode === "constant" ? { value: 1.5 } : { mode: f.mode });
      assertShape(out, f.outShape);
      assertClose(out, f.out, { atol: 0, rtol: 0, msg: `${f.mode} ${JSON.stringify(f.pad)}` });
    }
  });

  test("matches the reference on random shapes, non-contiguous inputs and any batch rank", () => {
    const modes: PadMode[] = ["constant", "reflect", "replicate", "circular"];
    for (let trial = 0; trial < 16; trial++) {
      const mode = modes[trial % 4]!;
      const nd = randInt(1, 4);
      const shape = randShape(nd, 2, 4);
      const npad = randInt(1, nd);
      const padding: number[] = [];
      for (let i = 0; i < npad; i++) {
        const n = shape[nd - 1 - i]!;
        const hi = mode === "reflect" ? n - 1 : mode === "circular" ? n : 3;
        const lo = mode === "constant" ? -1 : 0;
        padding.push(randInt(lo, hi), randInt(lo, hi));
      }
      const x = trial % 2 ? nonContiguous(rt(shape)) : rt(shape);
      const out = pad(x, padding, mode === "constant" ? { value: -7 } : { mode });
      assertRef(out, padRef(refOf(x), padding, mode, -7), `${mode} ${JSON.stringify(shape)} ${JSON.stringify(padding)}`);
      assert.equal(out.dtype, "float64");
    }
  });

  test("keeps integer and bool dtypes; zero padding copies", () => {
    const i = pad(tensor([1, 2], { dtype: "int32" }), [1, 0], { value: 5 });
    assert.equal(i.dtype, "int32");
    assert.deepEqual(i.tolist(), [5, 1, 2]);
    const b = pad(tensor([true]), [0, 1]);
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.tolist(), [true, false]);
    const x = tensor([1, 2]);
    const same = pad(x, [0, 0]);
    assert.notEqual(same.storage, x.storage);
    assertClose(same, [1, 2]);
    assertShape(pad(zeros([2, 0]), [1, 1]), [2, 2]);
  });

  test("gradcheck in every mode, and gradgradcheck", () => {
    const x = rg([2, 3, 4]);
    assert.ok(autograd.gradcheck((x) => weighted(pad(x!, [1, 2, -1, 1], { value: 3 })), [x]));
    assert.ok(autograd.gradcheck((x) => weighted(pad(x!, [2, 3, 1, 2], { mode: "reflect" })), [x]));
    assert.ok(autograd.gradcheck((x) => weighted(pad(x!, [2, 3, 1, 2], { mode: "replicate" })), [x]));
    assert.ok(autograd.gradcheck((x) => weighted(pad(x!, [4, 3, 3, 1], { mode: "circular" })), [x]));
    assert.ok(autograd.gradgradcheck((x) => pad(x!, [1, 1], { value: 2 }).pow(2), [rg([2, 2])]));
    assert.ok(autograd.gradgradcheck((x) => pad(x!, [1, 1], { mode: "reflect" }).pow(2), [rg([3])]));
  });

  test("errors name the problem and the shapes", () => {
    assert.throws(() => pad(ones([2, 3]), [1]), (e: Error) => e instanceof ShapeError && /pad: padding length must be divisible by 2, got 1/.test(e.message));
    assert.throws(() => pad(ones([3]), [1, 1, 1, 1]), /pad: padding length should be less than or equal to two times the input dimension but got padding length 4 and input of dimension 1 \(shape \[3\]\)/);
    assert.throws(() => pad(ones([1, 3]), [3, 0], { mode: "reflect" }), /pad: reflect padding size should be less than the corresponding input dimension, but got padding \(3, 0\) at dimension 1 of input \[1, 3\]/);
    assert.throws(() => pad(ones([3]), [4, 0], { mode: "circular" }), /pad: circular padding size should be at most/);
    assert.throws(() => pad(ones([3]), [-3, 0], { mode: "replicate" }), /pad: input size 3 in dimension 0 is too small for replicate padding \(-3, 0\) at dimension 0 of input \[3\]: the output would have size 0/);
    assert.throws(() => pad(ones([3]), [1, 0], { mode: "replicate", value: 1 }), /pad: padding mode "replicate" doesn't take in value argument/);
    assert.throws(() => pad(ones([3]), [-2, -2]), /pad: the input size 3 in dimension 0 \(shape \[3\]\) is too small for padding \(-2, -2\)/);
    assert.throws(() => pad(ones([3]), [1, 1], { mode: "edge" as PadMode }), /pad: unknown mode "edge"/);
  });
});

// ---- flip / roll -------------------------------------------------------------------------

describe("flip and roll", () => {
  test("flip matches the reference for every subset of dims", () => {
    for (let trial = 0; trial < 10; trial++) {
      const nd = randInt(1, 4);
      const shape = randShape(nd, 0, 4);
      const x = trial % 2 ? nonContiguous(rt(shape)) : rt(shape);
      const dims = shape.map((_, d) => d).filter(() => gen.nextDouble() < 0.5);
      const r = refOf(x);
      const out = x.flip(dims.map((d) => (d % 2 ? d - nd : d)));
      assertRef(out, build(shape, (c) => at(r, c.map((v, d) => (dims.includes(d) ? shape[d]! - 1 - v : v)))), `flip ${JSON.stringify(shape)} ${dims}`);
      assert.equal(out.isContiguous(), true);
      assert.notEqual(out.storage, x.storage);
    }
    assert.deepEqual(tensor([[1, 2], [3, 4]], { dtype: "int32" }).flip(0, 1).tolist(), [[4, 3], [2, 1]]);
    assert.equal(tensor([true, false]).flip(0).dtype, "bool");
    assert.deepEqual(tensor([[1, 2], [3, 4]]).fliplr().tolist(), [[2, 1], [4, 3]]);
    assert.deepEqual(tensor([[1, 2], [3, 4]]).flipud().tolist(), [[3, 4], [1, 2]]);
    assert.equal(flip(tensor(3), [0]).item(), 3);
  });

  test("flip gradient is flip (gradcheck, gradgradcheck) and errors", () => {
    assert.ok(autograd.gradcheck((x) => weighted(flip(x!, [0, 2])), [rg([2, 3, 2])]));
    assert.ok(autograd.gradgradcheck((x) => x!.flip(1).pow(2), [rg([2, 3])]));
    assert.throws(() => flip(ones([2, 2]), [0, 0]), (e: Error) => e instanceof IndexError && /flip: dim \[0,0\] appears multiple times/.test(e.message));
    assert.throws(() => flip(ones([2]), [1]), /flip: dimension 1 out of range/);
    assert.throws(() => ones([2]).fliplr(), /fliplr: input must be >= 2-D, got shape \[2\]/);
  });

  test("roll matches PyTorch and the reference", () => {
    for (const f of fixtures.roll) {
      const x = tensor(new Float64Array(f.x), { shape: f.shape });
      assertClose(roll(x, f.shifts, f.dims ?? undefined), f.out, { atol: 0, rtol: 0, msg: `roll ${JSON.stringify(f)}` });
    }
    for (let trial = 0; trial < 8; trial++) {
      const shape = randShape(randInt(1, 3), 0, 5);
      const x = nonContiguous(rt(shape));
      const d = randInt(0, shape.length - 1), s = randInt(-7, 7);
      const r = refOf(x);
      const n = shape[d]!;
      assertRef(x.roll(s, d), build(shape, (c) => at(r, c.map((v, k) => (k === d ? (((v - s) % n) + n) % n : v)))));
    }
    assert.equal(roll(tensor(2), 3).item(), 2);
    // PyTorch's roll does not take dim 0 as naming a 0-d tensor (most ops do)
    assert.throws(() => tensor(2).roll(1, 0), (e: Error) => e instanceof IndexError && /^roll: Dimension specified as 0 but tensor has no dimensions/.test(e.message));
    assertShape(roll(zeros([2, 0]), 1), [2, 0]);
    assert.deepEqual(roll(tensor([1, 2, 3], { dtype: "int32" }), -1).tolist(), [2, 3, 1]);
  });

  test("roll gradcheck and errors", () => {
    assert.ok(autograd.gradcheck((x) => weighted(roll(x!, [1, -2], [0, 1])), [rg([3, 4])]));
    assert.ok(autograd.gradcheck((x) => weighted(roll(x!, 5)), [rg([2, 3])]));
    assert.throws(() => roll(ones([2, 2]), [1, 1], [0]), (e: Error) => e instanceof ShapeError && /roll: shifts and dimensions must align\. shifts: 2, dims: 1/.test(e.message));
    assert.throws(() => roll(ones([2, 2]), [1, 1]), /roll: without dims, shifts must be a single number/);
  });
});

// ---- repeat / tile -----------------------------------------------------------------------

describe("repeat and tile", () => {
  function repeatRef(x: Ref, reps: readonly number[]): Ref {
    const lead = reps.length - x.shape.length;
    const shape = [...new Array<number>(lead).fill(1), ...x.shape];
    return build(shape.map((s, i) => s * reps[i]!), (c) => at(x, c.slice(lead).map((v, k) => v % x.shape[k]!)));
  }

  test("repeat matches PyTorch and the reference, including extra leading dims", () => {
    for (const f of fixtures.repeat) {
      const x = tensor(new Float64Array(f.x), { shape: f.shape });
      const out = x.repeat(f.reps);
      assertShape(out, f.outShape);
      assertClose(out, f.out, { atol: 0, rtol: 0 });
    }
    for (let trial = 0; trial < 8; trial++) {
      const shape = randShape(randInt(0, 3), 1, 3);
      const reps = randShape(shape.length + randInt(0, 2), 0, 3);
      const x = trial % 2 && shape.length ? nonContiguous(rt(shape)) : rt(shape);
      assertRef(repeat(x, reps), repeatRef(refOf(x), reps), `repeat ${JSON.stringify(shape)} x ${JSON.stringify(reps)}`);
    }
  });

  test("repeat always copies and keeps the dtype", () => {
    const x = tensor([[1, 2]], { dtype: "int32" });
    const y = x.repeat(1, 1);
    assert.notEqual(y.storage, x.storage);
    assert.equal(y.dtype, "int32");
    const z = tensor([7]).repeat(3);
    assert.deepEqual(z.tolist(), [7, 7, 7]);
    assert.deepEqual(z.stride(), [1], "a real copy, not a stride-0 view");
  });

  test("0-d inputs repeat into new dims", () => {
    assert.deepEqual(tensor(3).repeat(2, 2).tolist(), [[3, 3], [3, 3]]);
    assert.equal(tensor(3).repeat([]).item(), 3);
    assert.deepEqual(tile(tensor(3), [2]).tolist(), [3, 3]);
  });

  test("tile pads missing repeats with leading ones", () => {
    assertShape(tile(ones([2, 3]), [2]), [2, 6]);
    assert.deepEqual(tensor([[1, 2]]).tile(2, 1, 1).tolist(), [[[1, 2]], [[1, 2]]]);
  });

  test("gradient sums over the tiling (gradcheck, gradgradcheck, hand-computed)", () => {
    assert.ok(autograd.gradcheck((x) => weighted(x!.repeat(2, 1, 3)), [rg([2, 2])]));
    assert.ok(autograd.gradgradcheck((x) => x!.repeat(2, 2).pow(2), [rg([2])]));
    assert.ok(autograd.gradcheck((x) => weighted(tile(x!, [2, 1, 2])), [rg([2, 3])]));
    const x = rg([2]);
    x.repeat(3).mul(tensor([1, 2, 3, 4, 5, 6], { dtype: "float64" })).sum().backward();
    assertClose(x.grad!, [1 + 3 + 5, 2 + 4 + 6]);
  });

  test("errors", () => {
    assert.throws(() => ones([2, 3]).repeat(2), (e: Error) => e instanceof ShapeError && /repeat: number of dimensions of repeat dims \(1\) can not be smaller than number of dimensions of tensor \(2, shape \[2, 3\]\)/.test(e.message));
    assert.throws(() => ones([2]).repeat(-1), /repeat: repeats must be non-negative integers/);
  });
});

// ---- tril / triu -------------------------------------------------------------------------

describe("tril and triu", () => {
  test("match PyTorch for several diagonals and batch shapes", () => {
    for (const f of fixtures.tril) {
      const x = tensor(new Float64Array(f.x), { shape: f.shape });
      assertClose(tril(x, f.k), f.tril, { atol: 0, rtol: 0, msg: `tril k=${f.k}` });
      assertClose(x.triu(f.k), f.triu, { atol: 0, rtol: 0, msg: `triu k=${f.k}` });
    }
  });

  test("match the reference on non-contiguous and empty inputs, keeping dtypes", () => {
    for (const [shape, k] of [[[3, 5], 1], [[2, 4, 3], -1], [[0, 3], 0], [[3, 0], 0]] as const) {
      const x = shape[0] ? nonContiguous(rt(shape)) : rt(shape);
      const r = refOf(x), nd = shape.length;
      const diag = (c: number[]) => c[nd - 1]! - c[nd - 2]!;
      assertRef(x.tril(k), build(shape, (c) => (diag(c) <= k ? at(r, c) : 0)));
      assertRef(x.triu(k), build(shape, (c) => (diag(c) >= k ? at(r, c) : 0)));
    }
    const b = triu(ones([2, 2], { dtype: "bool" }));
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.tolist(), [[true, true], [false, true]]);
    assert.equal(tril(ones([2, 2], { dtype: "int32" })).dtype, "int32");
  });

  test("gradient is masked the same way (gradcheck) and errors", () => {
    assert.ok(autograd.gradcheck((x) => weighted(tril(x!, 1)), [rg([3, 4])]));
    assert.ok(autograd.gradcheck((x) => weighted(triu(x!, -1)), [rg([2, 3, 3])]));
    assert.throws(() => tril(ones([3])), (e: Error) => e instanceof ShapeError && /tril: input tensor must have at least 2 dimensions, got shape \[3\]/.test(e.message));
    assert.throws(() => triu(tensor(1)), /triu: input tensor must have at least 2 dimensions/);
  });
});

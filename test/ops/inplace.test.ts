/** In-place ops: values, dtype/shape checks, version counters and autograd through writes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, DTypeError, FluxionError, Generator, ShapeError, Tensor, autograd, noGrad, ones, tensor, zeros } from "../../src/index.js";
import { assertClose, randomTensor } from "../helpers.js";

type Op = [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor];
const w = () => tensor([0.5, -2, 3, 1.5]);
const OPS: Op[] = [
  ["add_", (t) => t.add_(w(), { alpha: 2 }), (t) => t.add(w(), { alpha: 2 })],
  ["sub_", (t) => t.sub_(w()), (t) => t.sub(w())],
  ["mul_", (t) => t.mul_(w()), (t) => t.mul(w())],
  ["div_", (t) => t.div_(w()), (t) => t.div(w())],
  ["pow_", (t) => t.pow_(3), (t) => t.pow(3)],
  ["neg_", (t) => t.neg_(), (t) => t.neg()],
  ["abs_", (t) => t.abs_(), (t) => t.abs()],
  ["exp_", (t) => t.exp_(), (t) => t.exp()],
  ["log_", (t) => t.abs_().log_(), (t) => t.abs().log()],
  ["sqrt_", (t) => t.abs_().sqrt_(), (t) => t.abs().sqrt()],
  ["sigmoid_", (t) => t.sigmoid_(), (t) => t.sigmoid()],
  ["tanh_", (t) => t.tanh_(), (t) => t.tanh()],
  ["relu_", (t) => t.relu_(), (t) => t.relu()],
  ["clamp_", (t) => t.clamp_(-0.5, 1), (t) => t.clamp(-0.5, 1)],
  ["addcmul_", (t) => t.addcmul_(w(), w(), { value: 0.5 }), (t) => t.add(w().mul(w()).mul(0.5))],
  ["addcdiv_", (t) => t.addcdiv_(w(), w().add(5), { value: 2 }), (t) => t.add(w().div(w().add(5)).mul(2))],
  ["lerp_", (t) => t.lerp_(w(), 0.25), (t) => t.add(w().sub(t).mul(0.25))],
];

test("in-place ops on a non-leaf give the same values and gradients as their out-of-place forms", () => {
  for (const [name, inplace, outOfPlace] of OPS) {
    const x1 = tensor([0.3, -1.2, 2, 0.7], { requiresGrad: true });
    const x2 = tensor([0.3, -1.2, 2, 0.7], { requiresGrad: true });
    const y1 = x1.mul(2);
    const r = inplace(y1);
    assert.equal(r, y1, `${name} returns self`);
    const y2 = outOfPlace(x2.mul(2));
    assertClose(y1, y2, { msg: name });
    const g = tensor([1, 2, 3, 4]);
    y1.mul(y1).backward(g);
    y2.mul(y2).backward(g);
    assertClose(x1.grad!, x2.grad!, { msg: `${name} gradient` });
    assert.equal(y1.version > 0, true);
  }
});

test("in-place ops write through to the same storage and bump the version", () => {
  const x = tensor([1, 2, 3]);
  const storage = x.storage;
  x.add_(1).mul_(2);
  assert.deepEqual(x.tolist(), [4, 6, 8]);
  assert.equal(x.storage, storage);
  assert.equal(x.version, 2);
  x.zero_();
  assert.deepEqual(x.tolist(), [0, 0, 0]);
  x.fill_(2.5);
  assert.deepEqual(x.tolist(), [2.5, 2.5, 2.5]);
  x.fill_(tensor(4));
  assert.deepEqual(x.tolist(), [4, 4, 4]);
  assert.throws(() => x.fill_(tensor([1, 2])), /fill_: only supports 0-dimension value tensor but got tensor with 1 dimensions/);
  const b = tensor([true, false]);
  b.fill_(true);
  assert.deepEqual(b.tolist(), [true, true]);
  x.add_(x);
  assert.deepEqual(x.tolist(), [8, 8, 8], "an operand aliasing self is read before the write");
});

test("in-place on a leaf that requires grad raises, also through a view; noGrad allows it", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  assert.throws(() => x.add_(1), (e: Error) => e instanceof AutogradError && /add_: a leaf Variable that requires grad is being used in an in-place operation/.test(e.message));
  assert.throws(() => x.narrow(0, 0, 2).mul_(2), (e: Error) => e instanceof AutogradError && /mul_: a view of a leaf Variable that requires grad is being used in an in-place operation/.test(e.message));
  assert.throws(() => x.zero_(), AutogradError);
  assert.deepEqual(x.tolist(), [1, 2, 3], "nothing written");
  assert.equal(x.version, 0);
  noGrad(() => {
    x.sub_(tensor([1, 1, 1]));
    x.narrow(0, 2, 1).mul_(10);
  });
  assert.deepEqual(x.tolist(), [0, 1, 20]);
  assert.equal(x.isLeaf, true);
  assert.equal(x.requiresGrad, true);
  assert.equal(x.gradFn, null);
});

test("in-place on a tensor that doesn't require grad, with a grad operand, makes it a non-leaf", () => {
  const y = ones([3]);
  const w2 = tensor([1, 2, 3], { requiresGrad: true });
  y.mul_(w2);
  assert.equal(y.isLeaf, false);
  assert.equal(y.gradFn!.name, "MulBackward0");
  y.mul(y).sum().backward();
  assert.deepEqual(w2.grad!.tolist(), [2, 4, 6]);
});

test("overwriting a non-leaf with constant values gives its history a zero gradient", () => {
  for (const [name, op] of [["zero_", (t: Tensor) => t.zero_()], ["fill_", (t: Tensor) => t.fill_(3)], ["copy_", (t: Tensor) => t.copy_(ones([3]))], ["uniform_", (t: Tensor) => t.uniform_()]] as const) {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    op(y);
    assert.equal(y.requiresGrad, true, name);
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [0, 0, 0], name);
  }
  const x = tensor([1, 2, 3], { requiresGrad: true });
  assert.equal(x.mul(2).zero_().gradFn!.name, "ZeroBackward0");
  assert.equal(x.mul(2).copy_(ones([3])).gradFn!.name, "CopyBackwards");
});

test("writing into a view of a non-leaf: CopySlices gives correct gradients to the base's input", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(2);
  y.select(0, 1).mul_(3);
  assert.deepEqual(y.tolist(), [[2, 4], [18, 24]]);
  assert.equal(y.gradFn!.name, "CopySlices");
  y.mul(tensor([[1, 10], [100, 1000]])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[2, 20], [600, 6000]]);
});

test("writing a grad-requiring value into a view of a plain tensor", () => {
  const buf = zeros([2, 3]);
  const v = tensor([1, 2, 3], { requiresGrad: true });
  buf.select(0, 1).copy_(v.mul(v));
  assert.equal(buf.requiresGrad, true);
  assert.deepEqual(buf.tolist(), [[0, 0, 0], [1, 4, 9]]);
  buf.mul(tensor([[5, 5, 5], [1, 10, 100]])).sum().backward();
  assert.deepEqual(v.grad!.tolist(), [2, 40, 600]);
});

test("in-place through views of a non-contiguous base and through a permuted view", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const y = x.mul(1).t(); // y is itself a (non-contiguous) view
  y.select(0, 2).mul_(tensor([10, 100]));
  const z = x.mul(1);
  const head = z.t().narrow(0, 0, 2);
  z.t().narrow(0, 1, 2).add_(head.add(head)); // (add saves nothing, so the write doesn't invalidate it)
  y.sum().add(z.mul(z).sum()).backward();
  // d/dx of sum(y): 1 except column 2: [10, 100]; of sum(z^2) with z[:,1:] = x[:,1:] + 2 x[:,:2]
  const zv = [[1, 2 + 2, 3 + 4], [4, 5 + 8, 6 + 10]];
  const expected = [
    [1 + 2 * zv[0]![0]! + 4 * zv[0]![1]!, 1 + 2 * zv[0]![1]! + 4 * zv[0]![2]!, 10 + 2 * zv[0]![2]!],
    [1 + 2 * zv[1]![0]! + 4 * zv[1]![1]!, 1 + 2 * zv[1]![1]! + 4 * zv[1]![2]!, 100 + 2 * zv[1]![2]!],
  ];
  assertClose(x.grad!, expected);
});

test("in-place through views passes gradcheck and gradgradcheck", () => {
  const x = randomTensor([3, 4], { seed: 31, requiresGrad: true });
  const fn = (t: Tensor) => {
    const y = t.mul(1);
    y.narrow(1, 1, 2).mul_(t.narrow(1, 0, 2));
    y.select(0, 2).sigmoid_();
    y.t().select(0, 3).add_(y.select(1, 0));
    return y.exp();
  };
  assert.equal(autograd.gradcheck(fn, [x]), true);
  assert.equal(autograd.gradgradcheck(fn, [x]), true);
});

test("views of a base modified in place see the new history", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(2);
  const v = y.select(0, 0);
  y.mul_(3);
  assert.deepEqual(v.tolist(), [6, 12]);
  v.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[6, 6], [0, 0]]);
  // overlapping sibling views: a write through one is seen by the other's gradient
  const a = tensor([1, 2, 3], { requiresGrad: true });
  const b = a.mul(1);
  const first = b.narrow(0, 0, 2), last = b.narrow(0, 1, 2);
  first.mul_(10);
  last.sum().backward();
  assert.deepEqual(a.grad!.tolist(), [0, 10, 1]);
});

test("a view made in noGrad mode of a grad-requiring tensor can't be written with grad on", () => {
  const y = tensor([1, 2, 3], { requiresGrad: true }).mul(2);
  const v = noGrad(() => y.narrow(0, 0, 2));
  assert.throws(() => v.mul_(2), /mul_: a view created in noGrad mode .* is being modified in-place with grad mode enabled/);
  assert.deepEqual(y.tolist(), [2, 4, 6]);
  noGrad(() => v.mul_(2));
  assert.deepEqual(y.tolist(), [4, 8, 6]);
});

test("modifying a tensor saved for backward raises an error naming the version", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(1);
  const z = y.exp(); // saves its output
  const s = y.mul(y); // saves y
  z.add_(1);
  assert.throws(() => z.sum().backward(), (e: Error) => e instanceof AutogradError && /ExpBackward0: one of the variables needed for gradient computation has been modified by an inplace operation: \[float32 \[3\]\] is at version 1; expected version 0 instead/.test(e.message));
  // a view shares the counter: writing through it invalidates y too
  y.narrow(0, 0, 1).add_(1);
  assert.equal(y.version, 1);
  assert.throws(() => s.sum().backward(), /MulBackward0: .* is at version 1; expected version 0 instead/);
  // without saved tensors in the way, the same pattern is fine
  const q = tensor([1, 2], { requiresGrad: true });
  const r = q.add(1);
  const t = r.add(2);
  r.mul_(5);
  t.sum().backward();
  assert.deepEqual(q.grad!.tolist(), [1, 1]);
});

test("copy_ broadcasts, casts and carries gradients (also across float dtypes)", () => {
  const a = zeros([2, 3]);
  a.copy_(tensor([1, 2, 3]));
  assert.deepEqual(a.tolist(), [[1, 2, 3], [1, 2, 3]]);
  const i = zeros([3], { dtype: "int32" });
  i.copy_(tensor([1.7, -2.2, 3.9]));
  assert.deepEqual(i.tolist(), [1, -2, 3]);
  assert.equal(i.dtype, "int32");
  const b = zeros([2], { dtype: "bool" });
  b.copy_(tensor([0, 5]));
  assert.deepEqual(b.tolist(), [false, true]);
  assert.throws(() => zeros([2]).copy_(tensor([1, 2, 3])), ShapeError);
  const src = tensor([1.5, 2.5], { dtype: "float64", requiresGrad: true });
  const dst = zeros([3, 2]);
  dst.copy_(src);
  assert.equal(dst.dtype, "float32");
  dst.mul(tensor([[1, 2], [3, 4], [5, 6]])).sum().backward();
  assert.equal(src.grad!.dtype, "float64");
  assert.deepEqual(src.grad!.tolist(), [9, 12]);
  // copying a tensor onto an overlapping view of itself reads before writing
  const o = tensor([1, 2, 3, 4]);
  o.narrow(0, 1, 3).copy_(o.narrow(0, 0, 3));
  assert.deepEqual(o.tolist(), [1, 1, 2, 3]);
});

test("dtype and shape errors leave the tensor unchanged", () => {
  const i = tensor([1, 2, 3], { dtype: "int32" });
  assert.throws(() => i.add_(1.5), (e: Error) => e instanceof DTypeError && e.message === "add_: result type float32 can't be cast to the desired output type int32");
  assert.throws(() => i.mul_(tensor([0.5, 0.5, 0.5])), /result type float32 can't be cast to the desired output type int32/);
  assert.throws(() => i.div_(2), /result type float32 can't be cast to the desired output type int32/);
  assert.throws(() => tensor([true]).add_(tensor([2], { dtype: "int32" })), /result type int32 can't be cast to the desired output type bool/);
  assert.deepEqual(i.tolist(), [1, 2, 3]);
  assert.equal(i.version, 0);
  i.add_(2);
  assert.deepEqual(i.tolist(), [3, 4, 5]);
  const f = tensor([1, 2, 3]);
  f.add_(tensor([1, 1, 1], { dtype: "int32" }));
  assert.equal(f.dtype, "float32");
  f.mul_(tensor([2, 2, 2], { dtype: "float64" }));
  assert.deepEqual(f.tolist(), [4, 6, 8]);
  assert.equal(f.dtype, "float32");
  assert.throws(() => f.add_(ones([2, 3])), (e: Error) => e instanceof ShapeError && /add_: output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/.test(e.message));
  assert.deepEqual(f.tolist(), [4, 6, 8]);
  assert.equal(f.version, 2);
});

test("writing to an expanded tensor raises", () => {
  const x = tensor([1, 2, 3]);
  const e = x.expand(2, 3);
  assert.throws(() => e.add_(1), (err: Error) => err instanceof FluxionError && /add_: unsupported operation: more than one element of the written-to tensor \(shape \[2, 3\], strides \[0, 1\]\) refers to a single memory location. Please clone\(\) the tensor/.test(err.message));
  assert.throws(() => e.t().fill_(0), /more than one element of the written-to tensor/);
  assert.deepEqual(x.tolist(), [1, 2, 3]);
  e.select(0, 1).add_(1); // one row of it is fine
  assert.deepEqual(x.tolist(), [2, 3, 4]);
});

test("random fills write in place with a seeded generator", () => {
  const a = zeros([1000]);
  a.uniform_(2, 3, { generator: new Generator(5) });
  const v = a.toTypedArray();
  assert.ok(v.every((t) => t >= 2 && t < 3));
  const b = zeros([1000]).uniform_(2, 3, { generator: new Generator(5) });
  assert.deepEqual(b.tolist(), a.tolist());
  const n = zeros([4000]).normal_(1, 2, { generator: new Generator(6) });
  const mean = n.mean().item() as number;
  assert.ok(Math.abs(mean - 1) < 0.15, `mean ${mean}`);
  assert.equal(n.version, 1);
  assert.throws(() => tensor([1], { requiresGrad: true }).normal_(), /leaf Variable/);
});

test("add_/sub_/mul_/div_ without autograd write in place with one binary kernel, same values as out-of-place", async () => {
  const { withDispatchLayer, randn, noGrad, tensor } = await import("../../src/index.js");
  const x = randn([4, 5]), y = randn([5]);
  const expected = x.add(y.mul(-0.5)).mul(3).div(y).sub(2);
  const ops: string[] = [];
  const before = x.version;
  withDispatchLayer((call, next) => {
    ops.push(call.op + ((call.attrs as { inPlace?: boolean }).inPlace ? ":inPlace" : ""));
    return next(call);
  }, () => {
    x.add_(y, { alpha: -0.5 }).mul_(3).div_(y).sub_(2);
  });
  assert.deepEqual(x.tolist(), expected.tolist());
  assert.equal(x.version, before + 4);
  assert.ok(!ops.includes("assign"), `no copy-back: ${ops.join(",")}`);
  assert.equal(ops.filter((o) => o === "binary:inPlace").length, 4);
  // a partially overlapping operand takes the general path (reads never see half-written data)
  const z = tensor([1, 2, 3, 4]);
  z.add_(z.flip(0));
  assert.deepEqual(z.tolist(), [5, 5, 5, 5]);
  // parameters updated under noGrad (the optimizer pattern)
  const p = randn([3], { requiresGrad: true });
  const p0 = p.detach().clone();
  noGrad(() => p.sub_(tensor([1, 1, 1]), { alpha: 0.1 }));
  assert.deepEqual(p.tolist(), p0.sub(0.1).tolist());
  assert.ok(p.isLeaf && p.requiresGrad);
});

test("addcmul_/addcdiv_ without autograd (the optimizers' path) write self + value·t1·t2 (t1/t2) in place, broadcasting t1 and t2, as a float64 reference", () => {
  for (const dtype of ["float32", "float64"] as const) {
    // [300, 70] takes the pooled (native) buffers; t2 broadcasts over the rows
    const x0 = randomTensor([300, 70], { seed: 1, dtype: "float64" });
    const a = randomTensor([300, 70], { seed: 2, dtype: "float64" }), b = randomTensor([70], { seed: 3, dtype: "float64" }).abs().add(0.5);
    const xd = x0.toTypedArray(), ad = a.toTypedArray(), bd = b.toTypedArray();
    for (const [op, f] of [["addcmul_", (u: number, v: number) => u * v], ["addcdiv_", (u: number, v: number) => u / v]] as const) {
      const x = x0.to(dtype).clone(), storage = x.storage, version = x.storage.version;
      const r = noGrad(() => (op === "addcmul_" ? x.addcmul_(a.to(dtype), b.to(dtype), { value: -0.25 }) : x.addcdiv_(a.to(dtype), b.to(dtype), { value: -0.25 })));
      assert.equal(r, x, `${op} returns self`);
      assert.equal(x.storage, storage, `${op} writes into self's storage`);
      assert.ok(x.storage.version > version, `${op} bumps the version`);
      const want = Array.from(xd, (v, i) => v - 0.25 * f(ad[i]!, bd[i % 70]!));
      assertClose(x.toTypedArray(), want, { atol: dtype === "float32" ? 1e-5 : 1e-13, rtol: dtype === "float32" ? 1e-5 : 1e-13, msg: `${op} ${dtype}` });
    }
  }
  // a product that does not fit self still raises PyTorch's error, and self is untouched
  const x = zeros([3]);
  assert.throws(() => noGrad(() => x.addcmul_(ones([2, 3]), ones([3]))), ShapeError);
  assert.deepEqual(Array.from(x.toTypedArray()), [0, 0, 0]);
});

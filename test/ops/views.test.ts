/** View ops: shapes, strides, shared storage, copy-only-when-needed, errors, gradients. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IndexError, ShapeError, Tensor, arange, autograd, noGrad, tensor } from "../../src/index.js";
import { nonContiguous, randomTensor } from "../helpers.js";

const base = () => arange(24).reshape(2, 3, 4).float();

/** Asserts v is a view of t: same storage, and a write through v is seen by t. */
function assertSharesStorage(t: Tensor, v: Tensor): void {
  assert.equal(v.storage, t.storage, "same storage");
  const before = t.version;
  noGrad(() => v.fill_(-7));
  assert.ok(t.tolist().flat(4).includes(-7), "write through the view reaches the base");
  assert.equal(t.version, before + 1, "views share the version counter");
}

test("view/reshape(-1)/flatten/unflatten: shapes, strides and shared storage", () => {
  const x = base();
  const v = x.view(6, 4);
  assert.deepEqual(v.shape, [6, 4]);
  assert.deepEqual(v.stride(), [4, 1]);
  assert.deepEqual(x.view([-1]).shape, [24]);
  assert.deepEqual(x.view(4, -1, 2).shape, [4, 3, 2]);
  assert.deepEqual(x.reshape(-1).shape, [24]);
  assert.deepEqual(x.flatten().shape, [24]);
  assert.deepEqual(x.flatten(1).shape, [2, 12]);
  assert.deepEqual(x.flatten(0, 1).shape, [6, 4]);
  assert.deepEqual(x.unflatten(2, [2, 2]).shape, [2, 3, 2, 2]);
  assert.deepEqual(x.unflatten(-1, [-1, 1]).shape, [2, 3, 4, 1]);
  assert.deepEqual(tensor(5).flatten().shape, [1]);
  assert.deepEqual(x.viewAs(tensor(new Float32Array(24)).view(4, 6)).shape, [4, 6]);
  assertSharesStorage(x, x.view(-1).narrow(0, 5, 1));
  assertSharesStorage(x, x.reshape(4, 6).select(1, 0));
  assertSharesStorage(x, x.flatten().narrow(0, 0, 1));
  assert.equal(x.flatten(2).storage, x.storage);
});

test("view on an incompatible layout raises with PyTorch's message; reshape copies only then", () => {
  const x = base();
  const p = x.permute(2, 0, 1);
  assert.throws(() => p.view(-1), (e: Error) => e instanceof ShapeError && /view: size \[24\] is not compatible with input tensor's size \[4, 2, 3\] and stride \[1, 12, 4\] \(at least one dimension spans across two contiguous subspaces\). Use reshape\(...\) instead./.test(e.message));
  const r = p.reshape(-1);
  assert.notEqual(r.storage, x.storage, "reshape copies when the view is impossible");
  assert.deepEqual(r.tolist().slice(0, 4), [0, 4, 8, 12]);
  // a permuted tensor can still be viewed where dims stay contiguous chunks
  const q = x.transpose(0, 1); // [3, 2, 4], strides [4, 12, 1]
  assert.equal(q.reshape(3, 2, 2, 2).storage, x.storage);
  assert.deepEqual(q.view(3, 2, 2, 2).stride(), [4, 12, 2, 1]);
  // a narrowed row keeps a viewable layout
  assert.equal(x.narrow(2, 1, 2).reshape(6, 2).storage, x.storage);
  assert.notEqual(x.narrow(2, 1, 2).reshape(12).storage, x.storage);
  assert.throws(() => x.view(5, -1), /shape \[5, -1\] is invalid for input of size 24/);
  assert.throws(() => x.view(-1, -1), /only one dimension can be inferred/);
  // size-1 dims and 0-d tensors
  assert.deepEqual(tensor(3).view(1, 1).shape, [1, 1]);
  assert.deepEqual(tensor([3]).view([]).shape, []);
  assert.deepEqual(tensor(new Float32Array(0)).view(0, 5).shape, [0, 5]);
  // expanded (stride 0) tensors cannot be flattened by a view
  assert.throws(() => tensor([1, 2, 3]).expand(2, 3).view(6), /not compatible/);
  assert.deepEqual(tensor([1, 2, 3]).expand(2, 3).reshape(6).tolist(), [1, 2, 3, 1, 2, 3]);
});

test("permute/transpose/t/T/mT/movedim: shapes, strides, shared storage", () => {
  const x = base();
  const p = x.permute(2, 0, 1);
  assert.deepEqual(p.shape, [4, 2, 3]);
  assert.deepEqual(p.stride(), [1, 12, 4]);
  assert.deepEqual(x.permute([-1, 0, 1]).stride(), [1, 12, 4]);
  assert.deepEqual(x.transpose(0, 2).shape, [4, 3, 2]);
  assert.deepEqual(x.transpose(0, 2).stride(), [1, 4, 12]);
  assert.deepEqual(x.mT.shape, [2, 4, 3]);
  assert.deepEqual(x.mT.stride(), [12, 1, 4]);
  assert.deepEqual(x.T.shape, [4, 3, 2]);
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(m.t().tolist(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(m.T.tolist(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(tensor([1, 2]).t().tolist(), [1, 2]);
  assert.deepEqual(tensor(4).t().shape, []);
  assert.throws(() => x.t(), /t: expects a tensor with <= 2 dimensions, but self is 3D/);
  assert.throws(() => tensor([1]).mT, /mT: tensor must have at least 2 dimensions/);
  assert.deepEqual(x.movedim(0, 2).shape, [3, 4, 2]);
  assert.deepEqual(x.movedim(-1, 0).stride(), [1, 12, 4]);
  assert.deepEqual(x.movedim([0, 1], [2, 0]).shape, [3, 4, 2]);
  assert.throws(() => x.movedim([0, 1], [2]), /movedim: Invalid source or destination dims/);
  assert.throws(() => x.permute(0, 1), /permute: number of dims don't match/);
  assert.throws(() => x.permute(0, 1, 1), /permute: repeated dim/);
  assert.throws(() => x.transpose(0, 3), IndexError);
  for (const v of [x.permute(1, 2, 0), x.transpose(1, 2), x.mT, x.T, x.movedim(0, -1), m.t()]) {
    assert.equal(v.storage === x.storage || v.storage === m.storage, true);
  }
  assertSharesStorage(x, x.permute(2, 1, 0).select(0, 3));
});

test("squeeze/unsqueeze: shapes, strides, no-op dims", () => {
  const x = tensor(new Float32Array(6)).view(1, 2, 1, 3);
  assert.deepEqual(x.squeeze().shape, [2, 3]);
  assert.deepEqual(x.squeeze(0).shape, [2, 1, 3]);
  assert.deepEqual(x.squeeze(1).shape, [1, 2, 1, 3], "squeezing a non-1 dim is a no-op");
  assert.deepEqual(x.squeeze([0, 2]).shape, [2, 3]);
  assert.deepEqual(x.squeeze(-2).shape, [1, 2, 3]);
  assert.deepEqual(tensor(7).squeeze().shape, []);
  assert.deepEqual(tensor(7).squeeze(0).shape, []);
  const y = base();
  assert.deepEqual(y.unsqueeze(0).shape, [1, 2, 3, 4]);
  assert.deepEqual(y.unsqueeze(0).stride(), [24, 12, 4, 1]);
  assert.deepEqual(y.unsqueeze(-1).shape, [2, 3, 4, 1]);
  assert.deepEqual(y.unsqueeze(-1).stride(), [12, 4, 1, 1]);
  assert.deepEqual(y.unsqueeze(1).stride(), [12, 12, 4, 1]);
  assert.deepEqual(tensor(1).unsqueeze(0).shape, [1]);
  assert.throws(() => y.unsqueeze(4), IndexError);
  assertSharesStorage(y, y.unsqueeze(1).squeeze(1).select(0, 1));
});

test("expand: broadcast shapes with stride 0, -1 keeps a dim, errors name the sizes", () => {
  const x = tensor([[1], [2]]);
  const e = x.expand(3, 2, 4);
  assert.deepEqual(e.shape, [3, 2, 4]);
  assert.deepEqual(e.stride(), [0, 1, 0]);
  assert.deepEqual(x.expand(-1, 3).tolist(), [[1, 1, 1], [2, 2, 2]]);
  assert.deepEqual(x.expandAs(tensor(new Float32Array(6)).view(2, 3)).shape, [2, 3]);
  assert.equal(e.storage, x.storage);
  const same = x.expand(2, 1);
  assert.notEqual(same, x, "a view is a new tensor even when nothing changes");
  assert.equal(same.storage, x.storage);
  assert.throws(() => x.expand(3, 3), /expand: the expanded size of the tensor \(3\) must match the existing size \(2\) at non-singleton dimension 0. Target sizes: \[3, 3\]. Tensor sizes: \[2, 1\]/);
  assert.throws(() => x.expand(4), /must be greater or equal to the number of dimensions/);
  assert.throws(() => x.expand(-1, 2, 1), /-1 is not allowed in a leading, non-existing dimension/);
  noGrad(() => x.add_(10));
  assert.deepEqual(e.select(0, 2).tolist(), [[11, 11, 11, 11], [12, 12, 12, 12]]);
});

test("narrow/select/unbind: offsets, negative indices, errors", () => {
  const x = base();
  const n = x.narrow(2, 1, 2);
  assert.deepEqual(n.shape, [2, 3, 2]);
  assert.deepEqual(n.stride(), [12, 4, 1]);
  assert.equal(n.offset, 1);
  assert.deepEqual(x.narrow(-1, -2, 2).tolist()[0][0], [2, 3]);
  assert.throws(() => x.narrow(2, 3, 2), /narrow: start \(3\) \+ length \(2\) exceeds dimension size \(4\)/);
  const s = x.select(1, -1);
  assert.deepEqual(s.shape, [2, 4]);
  assert.equal(s.offset, 8);
  assert.deepEqual(s.tolist(), [[8, 9, 10, 11], [20, 21, 22, 23]]);
  assert.throws(() => x.select(1, 3), /select: index 3 is out of bounds for dimension 1 with size 3/);
  assert.throws(() => tensor(1).select(0, 0), IndexError);
  const parts = x.unbind(1);
  assert.equal(parts.length, 3);
  assert.deepEqual(parts[2]!.tolist(), s.tolist());
  for (const p of parts) assert.equal(p.storage, x.storage);
  assertSharesStorage(x, x.narrow(0, 1, 1));
  assertSharesStorage(x, parts[0]!);
});

test("views of views keep the root base and compose offsets", () => {
  const x = base();
  const v = x.select(0, 1).narrow(1, 1, 2).t();
  assert.equal(v._base, x);
  assert.deepEqual(v.tolist(), [[13, 17, 21], [14, 18, 22]]);
  assert.equal(x.view(-1)._base, x);
  assert.equal(x.detach()._base, null, "detach is not a differentiable view");
});

test("contiguous and clone copy only when asked or needed", () => {
  const x = base();
  assert.equal(x.contiguous(), x);
  const t = x.transpose(0, 1);
  const c = t.contiguous();
  assert.notEqual(c.storage, x.storage);
  assert.equal(c.isContiguous(), true);
  assert.deepEqual(c.tolist(), t.tolist());
  const k = x.clone();
  assert.notEqual(k.storage, x.storage);
  assert.deepEqual(k.tolist(), x.tolist());
});

test("gradients of view ops pass gradcheck (contiguous and non-contiguous float64 inputs)", () => {
  const views: [string, (t: Tensor) => Tensor][] = [
    ["view", (t) => t.view(3, 2, 2)],
    ["reshape(-1)", (t) => t.reshape(-1)],
    ["permute", (t) => t.permute(1, 0)],
    ["transpose", (t) => t.transpose(0, 1)],
    ["t", (t) => t.t()],
    ["T", (t) => t.T],
    ["mT", (t) => t.unsqueeze(0).mT],
    ["squeeze", (t) => t.unsqueeze(1).squeeze(1)],
    ["unsqueeze", (t) => t.unsqueeze(-1)],
    ["expand", (t) => t.unsqueeze(0).expand(2, 3, 4)],
    ["flatten", (t) => t.flatten()],
    ["unflatten", (t) => t.unflatten(1, [2, 2])],
    ["narrow", (t) => t.narrow(1, 1, 2)],
    ["select", (t) => t.select(1, 2)],
    ["unbind", (t) => t.unbind(0)[1]!],
    ["movedim", (t) => t.movedim(0, 1)],
    ["chain", (t) => t.t().narrow(0, 1, 2).reshape(-1).view(3, 2).select(1, 0)],
  ];
  for (const [name, f] of views) {
    const c = randomTensor([3, 4], { seed: 21, requiresGrad: true });
    const nc = nonContiguous(randomTensor([3, 4], { seed: 22 })).requiresGrad_();
    // multiply by a fixed weight so every element's gradient differs
    const weighted = (t: Tensor) => {
      const y = f(t);
      return y.mul(arange(y.numel()).double().add(1).view(y.shape));
    };
    assert.equal(autograd.gradcheck(weighted, [c]), true, `${name} (contiguous)`);
    assert.equal(autograd.gradcheck(weighted, [nc]), true, `${name} (non-contiguous)`);
  }
});

test("second derivatives of selecting views (gradgradcheck)", () => {
  const x = randomTensor([3, 4], { seed: 23, requiresGrad: true });
  for (const f of [(t: Tensor) => t.select(0, 1).pow(2), (t: Tensor) => t.narrow(1, 1, 2).pow(3), (t: Tensor) => t.expand(2, 3, 4).pow(2).sum(0)]) {
    assert.equal(autograd.gradgradcheck(f, [x]), true);
  }
});

test("gradient of a view flows back with the input's shape", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  x.t().select(0, 1).mul(tensor([10, 100])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 10, 0], [0, 100, 0]]);
  assert.equal(x.t().gradFn!.name, "TBackward0");
  assert.equal(x.transpose(0, 1).gradFn!.name, "TransposeBackward0");
  assert.equal(x.permute(1, 0).gradFn!.name, "PermuteBackward0");
  assert.equal(x.narrow(1, 0, 2).gradFn!.name, "SliceBackward0");
  assert.equal(x.select(0, 0).gradFn!.name, "SelectBackward0");
  assert.equal(x.view(-1).gradFn!.name, "ViewBackward0");
  assert.equal(x.expand(2, 2, 3).gradFn!.name, "ExpandBackward0");
});

test("movedim of a 0-d tensor: dims 0 and -1 name the tensor itself (a view), as PyTorch", () => {
  const x = tensor(5);
  for (const [s, d] of [[0, 0], [-1, -1], [-1, 0], [[0], [-1]]] as [number | number[], number | number[]][]) {
    const r = x.movedim(s, d);
    assert.deepEqual(r.shape, []);
    assert.equal(r.item(), 5);
    assert.equal(r.storage, x.storage);
  }
  assert.throws(() => x.movedim(1, 0), (e: Error) => e instanceof IndexError);
});

// The bad calls issue 12 §2 lists, one by one, with the messages they must give: absurd
// sizes name the op, the shape and the bytes (and never the allocator's internals),
// non-tensor arguments name the argument, deep or cyclic nesting is refused before the
// stack overflows, messages point at what the user called (Linear's in_features, copy_),
// and a failed in-place op or optimizer step leaves every value and version counter as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, FluxionError, ShapeError, Tensor, nn, optim, tensor, zeros } from "../../src/index.js";

const F = nn.functional;
const throwsFx = (f: () => unknown, re: RegExp, not?: RegExp) =>
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof FluxionError, `expected a FluxionError, got ${e?.constructor?.name}: ${e?.message}`);
    assert.match(e.message, re);
    if (not) assert.doesNotMatch(e.message, not);
    return true;
  });

test("absurd sizes: a FluxionError naming the op, the shape and the bytes, before any memory is touched", () => {
  throwsFx(() => fx.zeros([1e12]), /^zeros: cannot allocate a tensor of shape \[1000000000000\]: 1000000000000 elements of float32 \(4000000000000 bytes \(3\.6 TiB\)\), more than the 4294967296 elements a tensor's storage can hold$/);
  throwsFx(() => fx.zeros([2 ** 53]), /^zeros: cannot allocate a tensor of shape \[9007199254740992\]: 9\.007e\+15 elements of float32 \(3\.603e\+16 bytes/, /allocBuffer|native/);
  throwsFx(() => fx.randperm(1e12), /^randperm: cannot allocate a tensor of shape \[1000000000000\]: .* of int32 \(4000000000000 bytes/);
  throwsFx(() => fx.eye(1e6), /^eye: cannot allocate a tensor of shape \[1000000, 1000000\]: 1000000000000 elements of float32/);
  throwsFx(() => fx.arange(1e12), /^arange: cannot allocate a tensor of shape \[1000000000000\]/);
  throwsFx(() => fx.linspace(0, 1, 1e12), /^linspace: cannot allocate/);
  throwsFx(() => fx.rand(2 ** 32 + 1), /^rand: cannot allocate a tensor of shape \[4294967297\].*17179869188 bytes/);
  throwsFx(() => fx.full([1e6, 1e6], 1, { dtype: "float64" }), /^full: .*8000000000000 bytes/);
  throwsFx(() => fx.ones([2 ** 20, 2 ** 20], { dtype: "bool" }), /^ones: .*1099511627776 bytes \(1\.0 TiB\)/);
  // sizes made inside an op: the primitive that would allocate, under the op the user called
  throwsFx(() => zeros([2]).repeat(2 ** 20, 2 ** 20), /^Tensor\.repeat\(\): \w+: cannot allocate a tensor of shape \[.*\]: .* bytes/);
  throwsFx(() => zeros([1]).expand([2 ** 17, 2 ** 17]).contiguous(), /^Tensor\.contiguous\(\): copy: cannot allocate a tensor of shape \[131072, 131072\]: 17179869184 elements of float32 \(68719476736 bytes \(64\.0 GiB\)\)/);
  throwsFx(() => F.pad(zeros([2]), [2 ** 33, 0]), /^pad: cannot allocate a tensor of shape \[8589934594\]: .*34359738376 bytes/);
  throwsFx(() => zeros([2]).tensorSplit(1e12), /^tensorSplit: 1000000000000 sections/);
  // an expanded view allocates nothing, so it is fine, as in PyTorch
  assert.deepEqual(zeros([1]).expand([2 ** 17, 2 ** 17]).shape, [131072, 131072]);
  // negative and fractional sizes name the function that was called
  throwsFx(() => fx.zeros(-1), /^zeros: invalid shape \[-1\]: sizes must be non-negative integers$/);
  throwsFx(() => fx.empty([2, -3]), /^empty: invalid shape \[2, -3\]/);
  assert.throws(() => fx.ones(1.5), (e: Error) => e instanceof ArgumentError && /^ones\(\): argument 'size' must be int values/.test(e.message));
});

test("non-tensor arguments name the function and the argument", () => {
  const t = tensor([[1, 2], [3, 4]]);
  const arg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message));
  arg(() => fx.matmul(t, 5 as never), /^matmul\(\): argument 'other' \(position 2\) must be Tensor, but got int 5$/);
  arg(() => fx.cat([t, 5] as never), /^cat\(\): argument 'tensors' \(position 1\) must be Tensor\[\], but got array \[Tensor, 5\]$/);
  arg(() => t.add(undefined as never), /^Tensor\.add\(\) missing required argument 'other' \(position 1\)$/);
  arg(() => F.conv2d(null as never, zeros([1, 1, 1, 1])), /^conv2d\(\): argument 'input' \(position 1\) must be Tensor, but got null$/);
  arg(() => F.crossEntropy(t, undefined as never), /^crossEntropy\(\) missing required argument 'target' \(position 2\)$/);
  arg(() => new nn.Linear(2, 2).forward([[1, 2]] as never), /^Linear\.forward\(\): argument 'input' \(position 1\) must be Tensor, but got array \[array\]$/);
  arg(() => new nn.Linear(2, 2).loadStateDict(null as never), /^Linear\.loadStateDict\(\): argument 'stateDict' must be a dict of Tensors/);
  // @ts-expect-error a subclass without forward, as plain JavaScript can write it
  class NoForward extends nn.Module {}
  throwsFx(() => (new NoForward() as unknown as (x: Tensor) => Tensor)(t), /^NoForward: forward is not implemented; define forward\(\.\.\.\) in the subclass$/);
  arg(() => new nn.Sequential(5 as never), /^Sequential\(\): argument 'modules' must be Module values, but element 0 is int 5$/);
  // the primitives behind them name themselves when called directly
  throwsFx(() => fx.dispatch("matmul", [t, 5 as never], {}), /^matmul: input 1 must be a Tensor, got int 5$/);
});

test("deeply nested or self-containing data is refused before the stack overflows; 128 levels work, as in PyTorch", () => {
  let deep: unknown = [1];
  for (let i = 0; i < 100000; i++) deep = [deep];
  throwsFx(() => tensor(deep as never), /^tensor: too many dimensions: the data is nested more than 128 levels deep \(PyTorch's limit\), or an array contains itself$/);
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  throwsFx(() => tensor(cyclic as never), /^tensor: too many dimensions/);
  let ok: unknown = [2.5];
  for (let i = 1; i < 128; i++) ok = [ok];
  const t = tensor(ok as never);
  assert.equal(t.ndim, 128);
  assert.equal(t.item(), 2.5);
  // a ragged array deep down is still a ShapeError naming where
  throwsFx(() => tensor([[[1, 2]], [[3]]]), /^tensor: ragged nested array: expected a sequence of length 2 at dim 2 \(at index \[1\]\[0\]\) but got length 1$/);
});

test("messages point at what was called: Linear's in_features, copy_, a layer's sizes and device, SGD's NaN", () => {
  throwsFx(() => new nn.Linear(-1, 5), /^Linear: in_features must be a non-negative integer, got -1$/, /full|empty/);
  throwsFx(() => new nn.Linear(5, 1e12), /^Linear: out_features must be a non-negative integer no larger than 4294967296/);
  throwsFx(() => new nn.Conv2d(-7, 2, 3), /^Conv2d: in_channels must be a non-negative integer, got -7$/);
  throwsFx(() => new nn.Conv1d(1, 1, 2 ** 33), /^Conv1d: cannot allocate a tensor of shape \[1, 1, 8589934592\]/);
  throwsFx(() => new nn.Embedding(10, -1), /^Embedding: embedding_dim must be a non-negative integer, got -1$/);
  throwsFx(() => new nn.BatchNorm2d(4, { device: "tpu" }), /^BatchNorm2d: unknown or unavailable device 'tpu'/);
  throwsFx(() => new nn.LSTM(4, 4, 1e12), /^LSTM: num_layers must be a positive integer no larger than 65536, got 1000000000000$/);
  throwsFx(() => new nn.TransformerEncoderLayer(4, 2, 8, -1), /^TransformerEncoderLayer: dropout must be in \[0, 1\], got -1$/);
  throwsFx(() => zeros([2, 3]).copy_(zeros([4])), /^copy_: src of shape \[4\] cannot be broadcast to the shape of self \[2, 3\]$/, /expand/);
  throwsFx(() => zeros([2, 3]).copy_(zeros([7, 1, 3])), /^copy_: src of shape \[7, 1, 3\]/);
  throwsFx(() => new optim.SGD(new nn.Linear(2, 2).parameters(), { lr: NaN }), /^SGD: invalid learning rate: NaN/);
  // an op built on another names the one that was called, then the one that failed
  throwsFx(() => zeros([2, 3]).viewAs(zeros([4])), /^Tensor\.viewAs\(\): view: shape \[4\] is invalid for input of size 6/);
  throwsFx(() => zeros([2, 3]).add_(zeros([4, 2, 3])), /^add_: output with shape \[2, 3\] doesn't match the broadcast shape \[4, 2, 3\]$/);
  throwsFx(() => zeros([2, 3]).addcmul_(zeros([3, 2]), zeros([3, 2])), /^Tensor\.addcmul_\(\): mul: shapes \[3, 2\] and \[3, 2\]|^Tensor\.addcmul_\(\): add: shapes \[2, 3\] and \[3, 2\]/);
  throwsFx(() => fx.swapaxes(zeros([2]), 0, 3), /^swapaxes\(\): transpose: dimension 3 out of range/);
});

test("a failed in-place op leaves the tensor's values and version unchanged", () => {
  const cases: [string, (x: Tensor) => unknown][] = [
    ["add_ of a larger broadcast", (x) => x.add_(zeros([4, 2, 3]))],
    ["mul_ of a mismatched shape", (x) => x.mul_(zeros([3, 2]))],
    ["copy_ of a wrong shape", (x) => x.copy_(zeros([4]))],
    ["clamp_ with a mismatched bound", (x) => x.clamp_(zeros([5]))],
    ["scatter_ with an index out of range", (x) => x.scatter_(1, tensor([[0, 9, 1]], { dtype: "int32" }), zeros([1, 3]).add(7))],
    ["scatter_ with a float index", (x) => x.scatter_(1, tensor([[0, 1, 1]]), zeros([1, 3]))],
    ["indexPut_ out of range", (x) => x.indexPut_([tensor([0, 5], { dtype: "int32" })], tensor(1))],
    ["maskedFill_ with a non-bool mask", (x) => x.maskedFill_(zeros([2, 3]), 1)],
    ["fill_ with a 1-D value", (x) => x.fill_(zeros([3]))],
    ["uniform_ from > to", (x) => x.uniform_(2, 1)],
    ["normal_ with a negative std", (x) => x.normal_(0, -1)],
    ["truncNormal_ with a > b", (x) => nn.init.truncNormal_(x, 0, 1, 2, -2)],
    ["truncNormal_ far outside [a, b]", (x) => nn.init.truncNormal_(x, 100, 1, -2, 2)],
  ];
  for (const [what, f] of cases) {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    const version = x.version;
    assert.throws(() => f(x), FluxionError, what);
    assert.deepEqual(x.tolist(), [[1, 2, 3], [4, 5, 6]], `${what}: values changed`);
    assert.equal(x.version, version, `${what}: version changed`);
  }
});

test("a failed optimizer step leaves every parameter and the optimizer state unchanged", () => {
  for (const make of [
    (p: Iterable<Tensor>) => new optim.SGD(p, 0.1, 0.9),
    (p: Iterable<Tensor>) => new optim.Adam(p, 0.1),
    (p: Iterable<Tensor>) => new optim.AdamW(p, 0.1),
    (p: Iterable<Tensor>) => new optim.RMSprop(p, 0.1),
    (p: Iterable<Tensor>) => new optim.Adagrad(p, 0.1),
  ]) {
    const model = new nn.Linear(3, 2);
    const opt = make(model.parameters());
    const [w, b] = [...model.parameters()] as [Tensor, Tensor];
    const snapshot = () => [w.tolist(), b.tolist(), w.version, b.version];
    const before = snapshot(), stateSize = opt.state.size;
    w.grad = fx.onesLike(w);
    // assigning a gradient that does not fit is refused at once, as PyTorch's p.grad = g ...
    throwsFx(() => (b.grad = zeros([5])), /assigned grad has data of a different size/);
    // ... so the mismatch the optimizer must still catch is made behind the setter's back
    b._grad = zeros([5]); // the second parameter's gradient does not fit it
    throwsFx(() => opt.step(), /\.step\(\): params\[1\] of parameter group 0 \(shape \[2\], float32\) has a gradient of shape \[5\] \(float32\); .*Nothing was updated$/);
    assert.deepEqual(snapshot(), before);
    assert.equal(opt.state.size, stateSize);
    b._grad = zeros([2], { dtype: "float64" });
    throwsFx(() => opt.step(), /has a gradient of shape \[2\] \(float64\)/);
    b.grad = zeros([2]);
    opt.paramGroups[0]!.lr = NaN; // edited between steps
    throwsFx(() => opt.step(), /NaN/);
    assert.deepEqual(snapshot(), before);
    // with everything fixed, the step runs
    opt.paramGroups[0]!.lr = 0.1;
    opt.step();
    assert.notDeepEqual(w.tolist(), before[0]);
  }
});

test("empty tensors are fine where PyTorch's are: strides as PyTorch's, in-place ops and reductions succeed", () => {
  assert.deepEqual(zeros([2, 0]).strides, [1, 1]);
  assert.deepEqual(zeros([3, 0, 2]).strides, [2, 2, 1]);
  for (const f of [(x: Tensor) => x.clamp_(0, 1), (x: Tensor) => x.clip_(0, 1), (x: Tensor) => x.add_(1), (x: Tensor) => x.zero_(), (x: Tensor) => x.fill_(3), (x: Tensor) => x.copy_(zeros([0]))]) {
    const x = zeros([2, 0]);
    assert.deepEqual(f(x).shape, [2, 0]);
  }
  assert.equal(zeros([2, 0]).sum().item(), 0);
  assert.deepEqual(zeros([2, 0]).sum(1).tolist(), [0, 0]);
  assert.ok(Number.isNaN(zeros([2, 0]).mean().item() as number)); // as torch: the mean of nothing
});

test("every error above is a ShapeError, DTypeError, IndexError or ArgumentError where one applies", () => {
  assert.throws(() => fx.zeros(-1), ShapeError);
  assert.throws(() => tensor([[1], [2, 3]]), ShapeError);
  assert.throws(() => new nn.Linear(-1, 5), ShapeError);
  assert.throws(() => fx.dispatch("gather", [zeros([2]), tensor([0], { dtype: "int32" })], { axis: 3 }), fx.IndexError);
  assert.throws(() => fx.dispatch("gather", [zeros([2]), zeros([1])], { axis: 0 }), fx.DTypeError);
});

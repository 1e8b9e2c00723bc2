/**
 * PyTorch spellings and setup calls translated programs use: the NumPy-style aliases
 * (multiply, subtract, divide, greater, ...), logical in-place ops, Tensor compat methods
 * (ndimension, H/mH/adjoint, sumToSize, resize_, dataPtr, apply_/map_, isCpu, and the clear
 * errors of cuda()/pinMemory()/short()), and torch-level settings (deterministic algorithms,
 * matmul precision, print options, backends flags, resultType/canCast, cuda seeding).
 * Expected values are PyTorch 1.13's for the same calls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { AutogradError, DTypeError, DeviceError, ShapeError, ArgumentError, tensor, zeros, arange } from "../../src/index.js";

test("aliases run the ops they name, with their options and in-place forms", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(torch.multiply(x, 2).tolist(), [[2, 4, 6], [8, 10, 12]]);
  assert.deepEqual(x.subtract(1, { alpha: 2 }).tolist(), [[-1, 0, 1], [2, 3, 4]]);
  assert.deepEqual(torch.divide(x, 4, { roundingMode: "floor" }).tolist(), [[0, 0, 0], [1, 1, 1]]);
  assert.deepEqual(x.divide(4).tolist(), [[0.25, 0.5, 0.75], [1, 1.25, 1.5]]);
  assert.deepEqual(x.greater(2).tolist(), [[false, false, true], [true, true, true]]);
  assert.deepEqual(torch.greaterEqual(x, 2).tolist(), [[false, true, true], [true, true, true]]);
  assert.deepEqual(torch.less(x, 2).tolist(), [[true, false, false], [false, false, false]]);
  assert.deepEqual(x.lessEqual(tensor([1, 5, 9])).tolist(), [[true, true, true], [false, true, true]]);
  assert.deepEqual(torch.notEqual(x, 3).tolist(), [[true, true, false], [true, true, true]]);
  const y = x.clone();
  y.multiply_(2).subtract_(1, { alpha: 2 }).divide_(4);
  assert.deepEqual(y.tolist(), [[0, 0.5, 1], [1.5, 2, 2.5]]);
  const q = tensor([5, -5], { dtype: "int64" });
  q.divide_(2, { roundingMode: "trunc" });
  assert.deepEqual(q.tolist(), [2, -2]);
  const c = tensor([1, 2, 3]);
  c.greater_(2);
  assert.deepEqual([c.tolist(), c.dtype], [[0, 0, 1], "float32"]);
  assert.throws(() => torch.subtract(x, 1, { alpha: 2, bogus: 1 } as never), ArgumentError);
  const out = zeros([2, 3]);
  torch.multiply(x, x, { out });
  assert.deepEqual(out.tolist(), [[1, 4, 9], [16, 25, 36]]);
});

test("logicalAnd_/logicalOr_/logicalXor_/logicalNot_ write 0/1 in self's dtype", () => {
  const a = tensor([1, 0, 2, 0]);
  a.logicalAnd_(tensor([1, 1, 0, 0]));
  assert.deepEqual([a.tolist(), a.dtype], [[1, 0, 0, 0], "float32"]);
  const b = tensor([1, 0, 2, 0], { dtype: "int64" });
  b.logicalOr_(tensor([0, 0, 1, 1]));
  assert.deepEqual(b.tolist(), [1, 0, 1, 1]);
  const c = tensor([true, false]);
  c.logicalXor_(tensor([true, true]));
  assert.deepEqual(c.tolist(), [false, true]);
  const d = tensor([3, 0]);
  d.logicalNot_();
  assert.deepEqual(d.tolist(), [0, 1]);
});

test("Tensor compat: ndimension, H/mH/adjoint, isCpu, sumToSize", () => {
  const x = arange(6).reshape(2, 3).float();
  assert.equal(x.ndimension(), 2);
  assert.deepEqual(x.H.tolist(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(zeros([2, 3, 4]).mH.shape, [2, 4, 3]);
  assert.deepEqual(torch.adjoint(x).shape, [3, 2]);
  assert.deepEqual(x.adjoint().tolist(), x.t().tolist());
  assert.throws(() => tensor([1]).H, (e: Error) => e instanceof ShapeError && e.message.includes("tensor.H is only supported on matrices (2-D tensors). Got 1-D tensor."));
  assert.throws(() => tensor([1]).mH, ShapeError);
  assert.equal(x.isCpu, true);
  assert.deepEqual(x.sumToSize(1, 3).tolist(), [[3, 5, 7]]);
  assert.deepEqual(x.sumToSize([2, 1]).tolist(), [[3], [12]]);
  assert.deepEqual(zeros([5]).sumToSize(1).tolist(), [0]);
  assert.deepEqual(x.sumToSize(3).tolist(), [3, 5, 7]);
  assert.throws(() => x.sumToSize(2), (e: Error) => e instanceof ShapeError && /size \[2\] is not expandable to size \[2, 3\]/.test(e.message));
});

test("resize_ and resizeAs_ reshape in place, growing the storage with zeros", () => {
  const r = tensor([1, 2, 3]);
  const v0 = r.version;
  assert.equal(r.resize_(2, 2), r);
  assert.deepEqual(r.tolist(), [[1, 2], [3, 0]]);
  assert.ok(r.version > v0);
  r.resize_(3);
  assert.deepEqual(r.tolist(), [1, 2, 3]);
  r.resizeAs_(zeros([1, 2]));
  assert.deepEqual(r.tolist(), [[1, 2]]);
  const g = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => g.resize_(4), (e: Error) => e instanceof AutogradError && /cannot resize variables that require grad/.test(e.message));
  assert.throws(() => tensor([1]).resize_(-1), ShapeError);
});

test("dataPtr: views are offset by their position in bytes, other storages differ", () => {
  const d = arange(6, { dtype: "float64" });
  assert.equal(d.narrow(0, 2, 2).dataPtr(), d.dataPtr() + 16);
  assert.equal(d.reshape(2, 3).dataPtr(), d.dataPtr());
  assert.notEqual(d.clone().dataPtr(), d.dataPtr());
  assert.equal(d.view("int64").dataPtr(), d.dataPtr());
});

test("apply_ and map_ run a JavaScript callback per element, in place", () => {
  const a = arange(4).float();
  assert.equal(a.apply_((v) => Number(v) * 10), a);
  assert.deepEqual(a.tolist(), [0, 10, 20, 30]);
  a.map_(tensor([1, 2, 3, 4]), (p, q) => Number(p) + Number(q));
  assert.deepEqual(a.tolist(), [1, 12, 23, 34]);
  const i = tensor([1, 2], { dtype: "int64" });
  i.apply_((v) => Number(v) * 3);
  assert.deepEqual(i.tolist(), [3, 6]);
  const m = zeros([2, 2]);
  m.map_(tensor([1, 2]), (_p, q) => q);
  assert.deepEqual(m.tolist(), [[1, 2], [1, 2]]);
  assert.throws(() => a.apply_(5 as never), ArgumentError);
  assert.throws(() => tensor([1], { requiresGrad: true }).apply_((v) => v), AutogradError);
  assert.throws(() => a.map_(tensor([1, 2]), (p) => p), ShapeError);
});

test("what a CPU-only framework without int16 cannot do raises a clear error", () => {
  const x = zeros([2]);
  assert.throws(() => x.cuda(), (e: Error) => e instanceof DeviceError && /no CUDA device/.test(e.message));
  assert.throws(() => x.pinMemory(), (e: Error) => e instanceof DeviceError && /pinMemory/.test(e.message));
  assert.equal(x.isPinned(), false);
  assert.throws(() => x.short(), (e: Error) => e instanceof DTypeError && /no int16 dtype/.test(e.message));
  torch.cuda.manualSeed(1);
  torch.cuda.manualSeedAll(2);
  torch.cuda.emptyCache();
  assert.throws(() => torch.cuda.manualSeed(1.5), ArgumentError);
  assert.throws(() => torch.cuda.synchronize(), DeviceError);
});

test("torch-level settings are checked and remembered", () => {
  torch.useDeterministicAlgorithms(true, { warnOnly: true });
  assert.equal(torch.areDeterministicAlgorithmsEnabled(), true);
  assert.equal(torch.isDeterministicAlgorithmsWarnOnlyEnabled(), true);
  torch.useDeterministicAlgorithms(false);
  assert.equal(torch.areDeterministicAlgorithmsEnabled(), false);
  assert.equal(torch.getFloat32MatmulPrecision(), "highest");
  torch.setFloat32MatmulPrecision("high");
  assert.equal(torch.getFloat32MatmulPrecision(), "high");
  assert.throws(() => torch.setFloat32MatmulPrecision("fast" as never), ArgumentError);
  torch.setFloat32MatmulPrecision("highest");
  assert.equal(torch.setFlushDenormal(true), false);
  torch.setNumInteropThreads(2);
  assert.equal(torch.getNumInteropThreads(), 2);
  assert.throws(() => torch.setNumInteropThreads(0), ArgumentError);
  torch.backends.cudnn.deterministic = true;
  torch.backends.cudnn.benchmark = false;
  assert.equal(torch.backends.cudnn.deterministic, true);
  assert.equal(torch.backends.mps.isAvailable(), false);
  assert.deepEqual(torch.backends().map((b) => b.device).includes("cpu"), true);
  assert.equal(torch.resultType(tensor([1, 2], { dtype: "int64" }), 1.5), "float32");
  assert.equal(torch.resultType(tensor([1, 2], { dtype: "int32" }), tensor([1], { dtype: "float64" })), "float64");
  assert.equal(torch.canCast("float32", "int32"), false);
  assert.equal(torch.canCast("int32", "float32"), true);
  assert.equal(torch.canCast("int64", "bool"), false);
  assert.equal(typeof torch.autocast, "function");
});

test("setPrintoptions: profiles, single options and sciMode, as torch.set_printoptions", () => {
  const t = tensor([1.23456, 2.5]);
  try {
    torch.setPrintoptions({ precision: 2 });
    assert.equal(String(t), "tensor([1.23, 2.50])");
    torch.setPrintoptions({ sciMode: true });
    assert.equal(String(t), "tensor([1.23e+00, 2.50e+00])");
    torch.setPrintoptions({ profile: "short" });
    assert.equal(String(t), "tensor([1.23, 2.50])");
    torch.setPrintoptions({ profile: "full" });
    assert.equal(String(zeros([2000])).includes("..."), false);
    assert.throws(() => torch.setPrintoptions({ profile: "long" as never }), ArgumentError);
  } finally {
    torch.setPrintoptions({ profile: "default" });
  }
  assert.equal(String(t), "tensor([1.2346, 2.5000])");
  assert.equal(String(zeros([2000])).includes("..."), true);
});

/**
 * The torch.* functions that are not math: isTensor, isFloatingPoint, isComplex, numel,
 * isNonzero, isSameSize (values and PyTorch's errors), the default generator's state (seed,
 * initialSeed, getRngState/setRngState replaying the same stream) and inferenceMode
 * (PyTorch 1.13's grad-mode rules, nesting, restoring after a throw).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, nn, type Tensor } from "../../src/index.js";

const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));

test("isTensor, isFloatingPoint, isComplex, numel: values as PyTorch", () => {
  assert.equal(fx.isTensor(fx.zeros(2)), true);
  assert.equal(fx.isTensor(new nn.Parameter(fx.zeros(2))), true);
  for (const v of [3, [1, 2], null, undefined, "x", { shape: [2] }]) assert.equal(fx.isTensor(v), false);
  assert.equal(fx.isFloatingPoint(fx.zeros(2)), true);
  assert.equal(fx.isFloatingPoint(fx.zeros(2, { dtype: "bfloat16" })), true);
  assert.equal(fx.isFloatingPoint(fx.zeros(2, { dtype: "int64" })), false);
  assert.equal(fx.isFloatingPoint(fx.tensor([true])), false);
  assert.equal(fx.isComplex(fx.zeros(2)), false);
  assert.equal(fx.numel(fx.zeros([2, 3, 4])), 24);
  assert.equal(fx.numel(fx.zeros([])), 1);
  assert.equal(fx.numel(fx.zeros([0, 3])), 0);
  is(() => fx.isFloatingPoint(3 as never), ArgumentError, /^isFloatingPoint\(\): argument 'input' \(position 1\) must be Tensor/);
  is(() => fx.numel([1, 2] as never), ArgumentError, /^numel\(\): argument 'input'/);
  is(() => (fx.isTensor as (...a: unknown[]) => unknown)(), ArgumentError, /^isTensor\(\) takes 1 argument \(obj\), but got 0$/);
});

test("isNonzero: the truth of one element (NaN is true); more or none is ambiguous, as PyTorch", () => {
  assert.equal(fx.isNonzero(fx.tensor([0])), false);
  assert.equal(fx.isNonzero(fx.tensor(1.5)), true);
  assert.equal(fx.isNonzero(fx.tensor([[NaN]])), true);
  assert.equal(fx.isNonzero(fx.tensor([false])), false);
  assert.equal(fx.isNonzero(fx.tensor([-3n])), true);
  assert.equal(fx.tensor([0n]).isNonzero(), false);
  is(() => fx.isNonzero(fx.zeros(2)), FluxionError, /^isNonzero: Boolean value of Tensor with more than one value is ambiguous \(shape \[2\]\)$/);
  is(() => fx.isNonzero(fx.zeros(0)), FluxionError, /^isNonzero: Boolean value of Tensor with no values is ambiguous \(shape \[0\]\)$/);
});

test("isSameSize: equal shapes, function and method", () => {
  assert.equal(fx.isSameSize(fx.zeros(2, 3), fx.ones(2, 3, { dtype: "int32" })), true);
  assert.equal(fx.zeros(2, 3).isSameSize(fx.zeros(3, 2)), false);
  assert.equal(fx.zeros(2).isSameSize(fx.zeros(2, 1)), false);
  assert.equal(fx.zeros([]).isSameSize(fx.zeros([])), true);
  is(() => fx.zeros(2).isSameSize([2] as never), ArgumentError, /isSameSize\(\): argument 'other'/);
});

test("getRngState/setRngState: a uint8 state that replays the same random stream (rand, randn, randint, dropout)", () => {
  fx.manualSeed(123);
  const s = fx.getRngState();
  assert.equal(s.dtype, "uint8");
  assert.deepEqual(s.shape, [16]);
  const draw = () => [fx.rand(5).tolist(), fx.randn(3, { dtype: "float64" }).tolist(), fx.randint(0, 100, [4]).tolist(), fx.nn.F.dropout(fx.ones(8), 0.5).tolist()];
  const a = draw();
  const b = draw();
  assert.notDeepEqual(a, b);
  fx.setRngState(s);
  assert.deepEqual(draw(), a);
  assert.deepEqual(draw(), b);
  // the state is a copy: drawing does not change it, and changing it does not move the generator
  const s2 = fx.getRngState();
  s2.zero_();
  fx.setRngState(s);
  assert.deepEqual(draw(), a);
  // the same as manualSeed's stream
  fx.manualSeed(123);
  assert.deepEqual(draw(), a);
});

test("setRngState: refuses states that are not from getRngState", () => {
  const s = fx.getRngState();
  const before = fx.getRngState().tolist();
  is(() => fx.setRngState(s.to("int32")), DTypeError, /^setRngState: expected a uint8 tensor \(from getRngState\(\)\), got dtype int32$/);
  is(() => fx.setRngState(s.index("0:8")), ShapeError, /^setRngState: expected a state of 16 bytes \(shape \[16\], from getRngState\(\)\), got shape \[8\]$/);
  is(() => fx.setRngState(s.reshape(4, 4)), ShapeError, /got shape \[4, 4\]/);
  is(() => fx.setRngState([1, 2] as never), ArgumentError, /^setRngState\(\): argument 'newState' \(position 1\) must be Tensor/);
  assert.deepEqual(fx.getRngState().tolist(), before);
});

test("seed / initialSeed: seed() reseeds with a fresh integer that initialSeed() reports; manualSeed's seed too", () => {
  fx.manualSeed(42);
  assert.equal(fx.initialSeed(), 42);
  const s = fx.seed();
  assert.ok(Number.isSafeInteger(s) && s >= 0);
  assert.equal(fx.initialSeed(), s);
  const a = fx.rand(4).tolist();
  fx.manualSeed(s);
  assert.deepEqual(fx.rand(4).tolist(), a);
  assert.notEqual(fx.seed(), fx.seed());
  fx.manualSeed(0);
});

test("inferenceMode: no graph inside, grad mode back afterwards, isInferenceModeEnabled inside only", () => {
  const w = fx.randn(3, { requiresGrad: true });
  assert.equal(fx.isInferenceModeEnabled(), false);
  const y = fx.inferenceMode(() => {
    assert.equal(fx.isInferenceModeEnabled(), true);
    assert.equal(fx.isGradEnabled(), false);
    return w.mul(2);
  });
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(fx.isInferenceModeEnabled(), false);
  assert.equal(fx.isGradEnabled(), true);
  assert.equal(w.mul(2).requiresGrad, true);
});

test("inferenceMode(false): off, with grad mode on even inside noGrad (PyTorch 1.13's guard); nesting restores", () => {
  fx.inferenceMode(() => {
    const r = fx.inferenceMode(false, () => [fx.isInferenceModeEnabled(), fx.isGradEnabled()]);
    assert.deepEqual(r, [false, true]);
    assert.equal(fx.isInferenceModeEnabled(), true);
    assert.equal(fx.isGradEnabled(), false);
  });
  fx.noGrad(() => {
    assert.deepEqual(fx.inferenceMode({ mode: false }, () => [fx.isInferenceModeEnabled(), fx.isGradEnabled()]), [false, true]);
    assert.equal(fx.isGradEnabled(), false);
    assert.deepEqual(fx.inferenceMode({ mode: true }, () => [fx.isInferenceModeEnabled(), fx.isGradEnabled()]), [true, false]);
    assert.deepEqual(fx.inferenceMode({ enabled: true }, () => fx.isInferenceModeEnabled()), true);
  });
  assert.equal(fx.isGradEnabled(), true);
});

test("inferenceMode: a throw inside restores both modes; bad arguments are ArgumentErrors", () => {
  assert.throws(() => fx.inferenceMode(() => { throw new Error("boom"); }), /boom/);
  assert.equal(fx.isInferenceModeEnabled(), false);
  assert.equal(fx.isGradEnabled(), true);
  is(() => (fx.inferenceMode as (...a: unknown[]) => unknown)(), ArgumentError, /^inferenceMode\(\): expected inferenceMode\(fn\)/);
  is(() => (fx.inferenceMode as (...a: unknown[]) => unknown)(true), ArgumentError, /^inferenceMode\(\): expected/);
  is(() => (fx.inferenceMode as (...a: unknown[]) => unknown)("yes", () => 1), ArgumentError, /^inferenceMode\(\): argument 'mode' must be bool, but got string yes$/);
  is(() => (fx.inferenceMode as (...a: unknown[]) => unknown)({ mode: 1 }, () => 1), ArgumentError, /argument 'mode' must be bool, but got number 1/);
  is(() => (fx.inferenceMode as (...a: unknown[]) => unknown)({ mdoe: true }, () => 1), ArgumentError, /^inferenceMode\(\): unknown option 'mdoe' \(expected 'mode'\)$/);
  is(() => (fx.inferenceMode as (...a: unknown[]) => unknown)(() => 1, () => 2), ArgumentError, /expected inferenceMode/);
  const t: Tensor = fx.inferenceMode(true, () => fx.ones(2));
  assert.deepEqual(t.tolist(), [1, 1]);
});

test("Generator.setState takes getRngState()'s uint8 tensor too (a generator replays the default stream)", () => {
  fx.manualSeed(11);
  const s = fx.getRngState();
  const a = fx.rand(4).tolist();
  const g = new fx.Generator(0);
  g.setState(s);
  assert.deepEqual(g.getState(), Array.from(new Uint32Array(Uint8Array.from(s.toTypedArray() as Uint8Array).buffer)));
  assert.deepEqual(fx.rand(4, { generator: g }).tolist(), a);
  is(() => g.setState(s.to("int32")), FluxionError, /^Generator.setState: a state tensor must be uint8 of shape \[16\] \(from getRngState\(\)\), got int32 of shape \[16\]$/);
});

test("device() checks a device string as torch.device parses it; cuda.isAvailable() is false", () => {
  assert.equal(fx.device("cpu"), "cpu");
  assert.equal(fx.device("cuda:1"), "cuda:1"); // accepted as PyTorch accepts it without CUDA
  assert.equal(fx.device("cpu", 0), "cpu:0");
  assert.equal(fx.device({ type: "webgpu" }), "webgpu");
  assert.equal(fx.device("cpu", { index: 0 }), "cpu:0");
  // the translation idiom: device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
  const device = fx.device(fx.cuda.isAvailable() ? "cuda" : "cpu");
  assert.equal(fx.zeros(2, { device }).device, "cpu");
  assert.equal(fx.cuda.deviceCount(), 0);
  const dev = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e.name === "DeviceError" && re.test(e.message), String(re));
  dev(() => fx.device("foo"), /^device: Expected one of cpu, cuda, .*, webgpu device type at start of device string: foo$/);
  dev(() => fx.device("cuda:x"), /^device: Invalid device string: 'cuda:x'$/);
  dev(() => fx.device("cuda:0", 1), /^device: type \(string\) must not include an index because index was passed explicitly: cuda:0$/);
  dev(() => fx.device("cpu", -1), /^device: Device index must not be negative, got -1$/);
  dev(() => fx.zeros(1).to(fx.device("cuda")), /unknown or unavailable device 'cuda'; available: cpu/);
  assert.throws(() => fx.device(3 as never), (e: Error) => e instanceof ArgumentError && /device\(\): argument 'type' \(position 1\) must be str/.test(e.message));
  assert.throws(() => (fx.cuda.isAvailable as (...a: unknown[]) => boolean)(1), /cuda.isAvailable\(\) takes no arguments, but got 1/);
  // nanoGPT's scaler = torch.cuda.amp.GradScaler(enabled=(dtype == 'float16')): amp.GradScaler
  assert.equal(fx.cuda.amp.GradScaler, fx.amp.GradScaler);
  const scaler = new fx.cuda.amp.GradScaler({ enabled: false });
  const loss = fx.tensor(2.5);
  assert.equal(scaler.scale(loss), loss);
  assert.equal(new fx.cuda.amp.GradScaler().getScale(), 65536);
});

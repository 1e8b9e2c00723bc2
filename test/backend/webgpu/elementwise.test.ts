/**
 * The WebGPU elementwise primitives against the CPU backend: every unary and binary op with
 * a WGSL form (float32, and int32/bool where it has one), broadcasting, strided, offset and
 * negative-stride views, in-place writes into views, where, casts, copy, cat and pad.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { NotImplementedOnDeviceError, dispatch, dispatchAll, tensor, type Tensor } from "../../../src/index.js";
import { WGSL_BINARY, WGSL_UNARY } from "../../../src/backend/webgpu/wgsl.js";
import type { BinaryOpName, UnaryOpName } from "../../../src/ops/elementwise_table.js";
import { sameAsCpu, startWebGPU, valuesOf } from "./setup.js";

const skip = await startWebGPU();

const GENERAL = [-3, -2.5, -1.5, -0.7, -0.5, -1e-3, 0, 1e-3, 0.5, 0.7, 1.5, 2.5, 3, 1.25];
const POSITIVE = [1e-3, 0.1, 0.5, 1, 2, 10, 100, 3.5];
/** Inputs inside each op's domain (the CPU gives NaN outside, which tests nothing). */
const DOMAIN: Partial<Record<UnaryOpName, number[]>> = {
  log: POSITIVE, sqrt: POSITIVE, rsqrt: POSITIVE, log2: POSITIVE, log10: POSITIVE,
  log1p: [-0.9, -0.5, -1e-5, 0, 1e-5, 0.5, 3, 100],
  asin: [-0.99, -0.5, -1e-3, 0, 0.3, 0.9], acos: [-0.99, -0.5, -1e-3, 0, 0.3, 0.9], atanh: [-0.99, -0.5, -1e-3, 0, 0.3, 0.9],
  acosh: [1, 1.5, 3, 10], tan: [-1.2, -0.5, 0, 0.5, 1.2], reciprocal: [-3, -0.5, 0.25, 2, 7],
};
const PARAMS: Partial<Record<UnaryOpName, number[][]>> = {
  leakyRelu: [[0.01]], softplus: [[1, 20], [2, 1]], clamp: [[-0.5, 0.7]], powScalar: [[2], [3], [-1], [1.5]],
};

test("every unary op with a WGSL form gives the CPU's float32 values", { skip }, async () => {
  for (const op of Object.keys(WGSL_UNARY) as UnaryOpName[]) {
    if (WGSL_UNARY[op]!.f === undefined) continue;
    const x = tensor(op === "powScalar" ? POSITIVE.concat([-2, -0.5, 0]) : DOMAIN[op] ?? GENERAL);
    for (const params of PARAMS[op] ?? [undefined]) {
      await sameAsCpu([x], (t) => dispatch("unary", [t], { op, params }), { msg: `${op}(${params ?? ""})` });
    }
  }
});

test("unary ops on int32 keep integers; predicates give bool", { skip }, async () => {
  const x = tensor([-5, -2, -1, 0, 1, 3, 7], { dtype: "int32" });
  for (const op of Object.keys(WGSL_UNARY) as UnaryOpName[]) {
    if (WGSL_UNARY[op]!.i === undefined) continue;
    await sameAsCpu([x], (t) => dispatch("unary", [t], { op }), { msg: op });
  }
  const special = tensor([NaN, Infinity, -Infinity, 0, -1.5]);
  for (const op of ["isnan", "isinf", "isfinite", "logicalNot"] as const) {
    const r = await sameAsCpu([special], (t) => dispatch("unary", [t], { op }), { msg: op });
    assert.equal(r.dtype, "bool");
  }
});

test("every binary op with a WGSL form gives the CPU's values, broadcast ([3,1,4] with [5,4])", { skip }, async () => {
  const a = tensor(Array.from({ length: 12 }, (_, i) => GENERAL[i % GENERAL.length]!)).reshape([3, 1, 4]);
  const b = tensor(Array.from({ length: 20 }, (_, i) => [-2, -1, 0.5, 1, 2, 3, 1.5, -0.5, 0][i % 9]!)).reshape([5, 4]);
  const ai = tensor([-7, -3, 0, 5, 2, 9, -1, 4, 6, -8, 1, 3], { dtype: "int32" }).reshape([3, 1, 4]);
  const bi = tensor(Array.from({ length: 20 }, (_, i) => (i * 7) % 11 - 3), { dtype: "int32" }).reshape([5, 4]);
  for (const op of Object.keys(WGSL_BINARY) as BinaryOpName[]) {
    const forms = WGSL_BINARY[op]!;
    const params = op === "addScaled" ? [0.5] : undefined;
    if (forms.f !== undefined) await sameAsCpu([a, b], (x, y) => dispatch("binary", [x, y], { op, params }), { msg: `${op} float32` });
    if (forms.i !== undefined) {
      const y = op.includes("Shift") ? bi.abs() : bi;
      await sameAsCpu([ai, y], (x, z) => dispatch("binary", [x, z], { op, params }), { msg: `${op} int32` });
    }
  }
  await sameAsCpu([a, b], (x, y) => dispatch("binary", [x, y], { op: "div", params: [0, 1] }), { msg: "div" });
  const p = tensor([true, false, true, true]), q = tensor([true, true, false, true]);
  for (const op of ["eq", "ne", "logicalAnd", "logicalOr", "logicalXor", "maximum"] as const) {
    await sameAsCpu([p, q], (x, y) => dispatch("binary", [x, y], { op }), { msg: `${op} bool` });
  }
});

test("strided, offset, expanded and negative-stride views are read in place", { skip }, async () => {
  const base = tensor(Array.from({ length: 60 }, (_, i) => Math.sin(i) * 3)).reshape([3, 4, 5]);
  await sameAsCpu([base], (x) => x.permute([2, 0, 1]).exp());
  await sameAsCpu([base], (x) => x.narrow(1, 1, 2).add(x.narrow(1, 2, 2)));
  await sameAsCpu([base], (x) => x.select(2, 3).mul(x.select(0, 1).t().narrow(0, 0, 3).expand([3, 4])));
  // a reversed view: strides -1 from the last element
  await sameAsCpu([base], (x) => dispatch("view", [x], { shape: [4, 5], strides: [-5, -1], offset: 59 }).relu());
  await sameAsCpu([base], (x) => x.transpose(0, 2).contiguous());
  await sameAsCpu([base], (x) => dispatch("view", [x], { shape: [20], strides: [3], offset: 1 }).neg());
});

test("in-place binary and assign write through views of their first input", { skip }, async () => {
  const x = tensor(Array.from({ length: 24 }, (_, i) => i - 11.5)).reshape([4, 6]);
  const y = tensor([1, 2, 3, 4]);
  await sameAsCpu([x, y], (a, b) => {
    const c = a.clone();
    c.t().narrow(0, 1, 3).add_(b.reshape([1, 4]));
    return c;
  });
  await sameAsCpu([x, y], (a, b) => {
    const c = a.clone();
    dispatch("assign", [c.narrow(1, 2, 1), b.reshape([4, 1])], {});
    dispatch("binary", [c, c.narrow(0, 0, 1)], { op: "mul", inPlace: true });
    return c;
  });
});

test("where, casts between float32, int32 and bool, copy, cat and pad", { skip }, async () => {
  const x = tensor([-2.7, -0.5, 0, 0.5, 3.9, 1e10, -1e10, NaN]);
  await sameAsCpu([x], (t) => t.int(), { msg: "float32 -> int32 (truncation, INT32_MIN out of range)" });
  await sameAsCpu([x], (t) => t.bool(), { msg: "float32 -> bool" });
  await sameAsCpu([x], (t) => t.bool().float(), { msg: "bool -> float32" });
  await sameAsCpu([x], (t) => t.int().float(), { msg: "int32 -> float32" });
  await sameAsCpu([x], (t) => t.bool().int(), { msg: "bool -> int32" });
  const c = tensor([[true], [false], [true]]), a = tensor([[1, 2], [3, 4], [5, 6]]), b = tensor([-1, -2]);
  await sameAsCpu([c, a, b], (m, p, q) => dispatch("where", [m, p, q], {}));
  await sameAsCpu([c, a.int(), b.int()], (m, p, q) => dispatch("where", [m, p, q], {}));
  await sameAsCpu([a, b], (p, q) => dispatch("cat", [p.t(), q.reshape([1, 2]).t().expand([2, 3])], { axis: 0 }));
  await sameAsCpu([a], (p) => dispatch("pad", [p.t()], { pads: [[1, 0], [2, 1]], value: -7 }));
  await sameAsCpu([a], (p) => p.int().t().contiguous());
});

test("creation: tensors from host values, full, arange and linspace on the device", { skip }, async () => {
  const f = tensor([[1.5, -2], [3, 4.25]], { device: "webgpu" });
  assert.equal(f.device, "webgpu");
  assert.deepEqual(await valuesOf(f), [1.5, -2, 3, 4.25]);
  assert.deepEqual(await valuesOf(tensor([true, false, true], { device: "webgpu" })), [1, 0, 1]);
  assert.deepEqual(await valuesOf(tensor([7, -3], { dtype: "int32", device: "webgpu" })), [7, -3]);
  const { zeros, full, arange, linspace } = await import("../../../src/index.js");
  assert.deepEqual(await valuesOf(zeros([2, 2], { device: "webgpu" })), [0, 0, 0, 0]);
  assert.deepEqual(await valuesOf(full([3], -1.5, { device: "webgpu" })), [-1.5, -1.5, -1.5]);
  assert.deepEqual(await valuesOf(full([2], 9, { dtype: "int32", device: "webgpu" })), [9, 9]);
  assert.deepEqual(await valuesOf(arange(0, 5, 2, { device: "webgpu" })), Array.from(arange(0, 5, 2).toTypedArray()));
  assert.deepEqual(await valuesOf(linspace(-1, 1, 5, { device: "webgpu" })), Array.from(linspace(-1, 1, 5).toTypedArray()));
});

test("an op or mode without a WGSL form raises, naming itself and the device", { skip }, async () => {
  const x = tensor([1, 2, 3], { device: "webgpu" });
  assert.throws(() => dispatch("binary", [x, x], { op: "div", params: [2, 1] }), (e: Error) => e instanceof NotImplementedOnDeviceError && /^binary \(div with a rounding mode\): not implemented on the webgpu device/.test(e.message));
  const message = (re: RegExp) => (e: Error) => re.test(e.message);
  assert.throws(() => dispatch("unary", [x], { op: "sinc", params: [1] }), message(/^unary \(sinc\): not implemented on the webgpu device yet \(inputs \[3\] float32\)/));
  assert.throws(() => dispatchAll("unique", [x], {}), message(/^unique: not implemented on the webgpu device yet \(inputs \[3\] float32\).*toAsync\("cpu"\)/));
  assert.throws(() => tensor([1, 2], { dtype: "float64", device: "webgpu" }), message(/fromHost: dtype float64 is not supported on webgpu yet \(float32, int32, int64 and bool are(, and float16)?\)/));
});

test("unary and binary float32 ops agree with the CPU on NaN, infinities, zeros and out-of-domain inputs", { skip }, async () => {
  const special = tensor([NaN, Infinity, -Infinity, -2, -1, -0, 0, 1, 2, 0.5]);
  for (const op of Object.keys(WGSL_UNARY) as UnaryOpName[]) {
    if (WGSL_UNARY[op]!.f === undefined) continue;
    for (const params of PARAMS[op] ?? [undefined]) {
      await sameAsCpu([special], (t) => dispatch("unary", [t], { op, params }), { msg: `${op}(${params ?? ""}) on specials` });
    }
  }
  const a = special.reshape([10, 1]), b = special.reshape([1, 10]);
  for (const op of Object.keys(WGSL_BINARY) as BinaryOpName[]) {
    if (WGSL_BINARY[op]!.f === undefined) continue;
    const params = op === "addScaled" ? [0.5] : undefined;
    await sameAsCpu([a, b], (x, y) => dispatch("binary", [x, y], { op, params }), { msg: `${op} on specials` });
  }
});

/**
 * The fused primitive tier (src/backend/primitives.ts): the CPU backend's TypeScript kernels
 * (`*Reference`, float64 loops) against the decompositions into core primitives
 * (src/backend/decompositions*.ts) — two independent implementations — on random and hard
 * inputs, strided operands, every attribute; the dispatcher's fallback to the decomposition
 * on a backend without fused kernels (its layers see one fused call); the contract checks
 * of primitive_checks.ts; out-of-range targets reported by every implementation.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, FluxionError, IndexError, dispatch, dispatchAll, nn, tensor, withDispatchLayer, type DType, type Tensor } from "../../src/index.js";
import { runDecomposition } from "../../src/backend/dispatcher.js";
import type { FusedPrimitiveAttrs, FusedPrimitiveName } from "../../src/backend/primitives.js";
import { crossEntropyBackwardReference, crossEntropyReference, softmaxBackwardReference, softmaxReference } from "../../src/backend/cpu/fused.js";
import { batchNormBackwardReference, batchNormReference, groupNormBackwardReference, groupNormReference } from "../../src/backend/cpu/fused_norm.js";
import { assertClose, nonContiguous, randomTensor } from "../helpers.js";
import { NOFUSED } from "./fused_helpers.js";

type Kernel<P extends FusedPrimitiveName> = (inputs: readonly Tensor[], attrs: FusedPrimitiveAttrs[P], device: string) => Tensor[];

/** Runs the TypeScript kernel and the decomposition on the same inputs and compares every output. */
function agree<P extends FusedPrimitiveName>(op: P, kernel: Kernel<P>, inputs: Tensor[], attrs: FusedPrimitiveAttrs[P], msg: string, tol = 1e-12): Tensor[] {
  const a = kernel(inputs, attrs, "cpu");
  const b = runDecomposition(op, inputs, attrs, "cpu");
  assert.equal(a.length, b.length, msg);
  a.forEach((t, i) => {
    assert.deepEqual(t.shape, b[i]!.shape, `${msg}: output ${i} shape`);
    assert.equal(t.dtype, b[i]!.dtype, `${msg}: output ${i} dtype`);
    assertClose(t, b[i]!, { rtol: tol, atol: tol, msg: `${msg}: output ${i}` });
  });
  return a;
}

const r = (shape: number[], seed: number, dtype: DType = "float64", lo = -3, hi = 3) => randomTensor(shape, { seed, dtype, lo, hi });

test("softmax and its backward: TypeScript kernels = decompositions, any axis, strided and hard inputs", () => {
  const inf = Infinity;
  const hard = tensor([[1, 2, 3, 4], [-inf, -inf, -inf, -inf], [inf, 0, 1, 2], [-inf, 5, -inf, 6], [NaN, 1, 2, 3], [1e4, -1e4, 3e3, 9e3]], { dtype: "float64" });
  const cases: [Tensor, number, string][] = [
    [r([7, 9], 1), 1, "rows"],
    [r([7, 9], 2), 0, "columns"],
    [r([3, 5, 4, 2], 3), 1, "a middle dim"],
    [nonContiguous(r([6, 8], 4)), 1, "a strided input"],
    [r([4, 6], 5).mT, 1, "a transposed input"],
    [hard, 1, "±inf, NaN and large rows"],
    [tensor(2.5, { dtype: "float64" }), 0, "a 0-d tensor"],
    [r([3, 5], 6, "float32"), 1, "float32"],
  ];
  for (const [x, axis, name] of cases) {
    for (const log of [false, true]) {
      const tol = x.dtype === "float32" ? 1e-6 : 1e-12;
      const [y] = agree("softmax", softmaxReference, [x], { axis, log }, `softmax ${name} log=${log}`, tol);
      const g = r([...x.shape], 9, x.dtype);
      if (name.startsWith("±inf")) continue;
      agree("softmaxBackward", softmaxBackwardReference, [g, y!], { axis, log }, `softmaxBackward ${name} log=${log}`, tol);
    }
  }
  // PyTorch's answers on the hard rows: a row with +inf or NaN, or only -inf, is NaN; -inf beside finite gives 0
  const y = softmaxReference([hard], { axis: 1, log: false }, "cpu")[0]!.tolist() as number[][];
  assert.ok(y[1]!.every(Number.isNaN) && y[2]!.every(Number.isNaN) && y[4]!.every(Number.isNaN));
  assertClose(y[3], [0, 1 / (1 + Math.E), 0, Math.E / (1 + Math.E)], { rtol: 1e-15, atol: 0 });
});

test("crossEntropy and its backward: TypeScript kernels = decompositions, every option", () => {
  const t11 = tensor([3, 0, -100, 10, 7, 7, 1, -100, 5, 2, 9, 4], { dtype: "int32" });
  const w = r([11], 21, "float64", 0.1, 2);
  const layouts: [Tensor, Tensor, string][] = [
    [r([12, 11], 22), t11, "[N, C] int32 targets"],
    [r([12, 11], 23), t11.long(), "[N, C] int64 targets"],
    [nonContiguous(r([12, 11], 24)), t11, "strided logits"],
    [r([2, 11, 3, 2], 25), tensor([[[1, 2], [3, -100], [10, 0]], [[5, 5], [6, 7], [-100, 8]]], { dtype: "int32" }), "[N, C, d1, d2]"],
    [r([11], 26), tensor(4, { dtype: "int32" }), "unbatched [C]"],
  ];
  for (const [x, target, name] of layouts) {
    for (const reduction of ["none", "sum", "mean"] as const) {
      for (const [labelSmoothing, weight] of [[0, false], [0.2, false], [0, true], [0.3, true]] as const) {
        const a = { ignoreIndex: -100, labelSmoothing, reduction, weight };
        const ins = weight ? [x, target, w] : [x, target];
        const msg = `${name}, ${reduction}, smoothing ${labelSmoothing}, weight ${weight}`;
        const [loss, lse] = agree("crossEntropy", crossEntropyReference, ins, a, msg);
        const g = reduction === "none" ? r([...loss!.shape], 27) : tensor(1.7, { dtype: "float64" });
        agree("crossEntropyBackward", crossEntropyBackwardReference, weight ? [g, x, target, lse!, w] : [g, x, target, lse!], a, `${msg} (backward)`);
      }
    }
  }
  // an ignoreIndex that is a real class; all targets ignored: the mean is 0/0
  const x = r([4, 3], 28);
  agree("crossEntropy", crossEntropyReference, [x, tensor([0, 1, 2, 1], { dtype: "int32" })], { ignoreIndex: 1, labelSmoothing: 0.1, reduction: "mean", weight: false }, "ignoreIndex 1");
  const [allIgnored] = crossEntropyReference([x, tensor([-100, -100, -100, -100], { dtype: "int32" })], { ignoreIndex: -100, labelSmoothing: 0, reduction: "mean", weight: false }, "cpu");
  assert.ok(Number.isNaN(allIgnored!.item() as number));
});

test("a target out of range is an IndexError from the kernel, the decomposition and the dispatcher", () => {
  const x = r([3, 4], 31), bad = tensor([1, 4, 0], { dtype: "int32" });
  const a = { ignoreIndex: -100, labelSmoothing: 0, reduction: "mean" as const, weight: false };
  const named = /crossEntropy: target 4 is out of bounds for 4 classes \(input shape \[3, 4\]\)/;
  assert.throws(() => crossEntropyReference([x, bad], a, "cpu"), (e: unknown) => e instanceof IndexError && named.test((e as Error).message));
  assert.throws(() => runDecomposition("crossEntropy", [x, bad], a, "cpu"), (e: unknown) => e instanceof IndexError && named.test((e as Error).message));
  assert.throws(() => dispatch("crossEntropy", [x, tensor([-1, 0, 0], { dtype: "int32" })], a), /target -1 is out of bounds/);
  const lse = dispatchAll("crossEntropy", [x, tensor([1, 2, 0], { dtype: "int32" })], a)[1]!;
  assert.throws(() => dispatch("crossEntropyBackward", [tensor(1, { dtype: "float64" }), x, bad, lse], a), /crossEntropyBackward: target 4 is out of bounds/);
});

test("batchNorm and its backward: TypeScript kernels = decompositions (train, eval, running stats, affine or not)", () => {
  for (const [shape, name] of [[[6, 4, 3, 5], "[N, C, H, W]"], [[10, 5], "[N, C]"], [[4, 3, 7], "[N, C, L]"]] as [number[], string][]) {
    const C = shape[1]!;
    const x = r(shape, 41, "float64", -2, 4);
    for (const training of [true, false]) {
      for (const affine of [true, false]) {
        const w = r([C], 42), b = r([C], 43);
        const rm = r([C], 44), rv = r([C], 45, "float64", 0.5, 2);
        const a = { training, momentum: 0.2, eps: 1e-5, weight: affine, bias: affine, running: true };
        const ins = (rmx: Tensor, rvx: Tensor) => (affine ? [x, w, b, rmx, rvx] : [x, rmx, rvx]);
        const rm1 = rm.clone(), rv1 = rv.clone(), rm2 = rm.clone(), rv2 = rv.clone();
        const msg = `${name} training ${training} affine ${affine}`;
        const out1 = batchNormReference(ins(rm1, rv1), a, "cpu");
        const out2 = runDecomposition("batchNorm", ins(rm2, rv2), a, "cpu");
        out1.forEach((t, i) => assertClose(t, out2[i]!, { rtol: 1e-12, atol: 1e-12, msg: `${msg}: output ${i}` }));
        assertClose(rm1, rm2, { rtol: 1e-14, atol: 1e-14, msg: `${msg}: running mean` });
        assertClose(rv1, rv2, { rtol: 1e-14, atol: 1e-14, msg: `${msg}: running var` });
        if (!training) assertClose(rm1, rm, { rtol: 0, atol: 0, msg: "eval leaves the running stats" });
        else assert.ok(Math.abs((rm1.tolist() as number[])[0]! - (rm.tolist() as number[])[0]!) > 1e-6, "training updates the running mean");
        const g = r(shape, 46);
        agree("batchNormBackward", batchNormBackwardReference, affine ? [g, x, out1[1]!, out1[2]!, w] : [g, x, out1[1]!, out1[2]!], { training, weight: affine }, `${msg} (backward)`);
      }
    }
    // no running statistics (training only), on a strided input
    const xs = nonContiguous(x);
    agree("batchNorm", batchNormReference, [xs], { training: true, momentum: 0.1, eps: 1e-3, weight: false, bias: false, running: false }, `${name} strided, no running stats`);
  }
});

test("groupNorm and its backward: TypeScript kernels = decompositions (groups, layer-norm layout, constant groups)", () => {
  const constant = tensor(new Array(2 * 4 * 3).fill(0.75), { shape: [2, 4, 3], dtype: "float64" });
  const cases: [Tensor, number, string][] = [
    [r([3, 6, 4, 5], 51), 3, "[N, C, H, W], 3 groups"],
    [r([3, 6, 4, 5], 52), 6, "one group per channel"],
    [r([3, 6, 4, 5], 53), 1, "one group"],
    [r([7, 16], 54), 1, "layer norm: [rows, features]"],
    [nonContiguous(r([5, 4, 6], 55)), 2, "strided"],
    [constant, 2, "constant groups"],
  ];
  for (const [x, groups, name] of cases) {
    const C = x.shape[1]!;
    for (const affine of [true, false]) {
      const w = r([C], 56), b = r([C], 57);
      const a = { groups, eps: 1e-5, weight: affine, bias: affine };
      const [, mean, rstd] = agree("groupNorm", groupNormReference, affine ? [x, w, b] : [x], a, `${name} affine ${affine}`);
      const g = r([...x.shape], 58);
      // constant groups: rstd = 1/sqrt(eps) magnifies rounding in dx
      agree("groupNormBackward", groupNormBackwardReference, affine ? [g, x, mean!, rstd!, w] : [g, x, mean!, rstd!], { groups, weight: affine }, `${name} affine ${affine} (backward)`, name.startsWith("constant") ? 1e-9 : 1e-12);
    }
  }
});

test("half-precision softmax and its backward run in float32 and round once: within one half-precision ulp of float64 on the same values", () => {
  for (const dtype of ["bfloat16", "float16"] as const) {
    const ulp = dtype === "bfloat16" ? 2 ** -7 : 2 ** -10;
    const within = (got: Tensor, want64: Tensor, msg: string) => {
      assert.equal(got.dtype, dtype, msg);
      assert.deepEqual(got.shape, want64.shape, msg);
      const a = got.to("float64").toTypedArray(), b = want64.toTypedArray();
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(Number(a[i]) - Number(b[i])) <= ulp * Math.abs(Number(b[i])) + 1e-5, `${msg}: element ${i}: ${a[i]} vs ${b[i]}`);
    };
    for (const log of [false, true]) {
      for (const axis of [0, 1]) {
        const x = r([5, 37], 61 + axis, dtype), g = r([5, 37], 63 + axis, dtype);
        const msg = `${dtype} ${log ? "logSoftmax" : "softmax"} axis ${axis}`;
        const y = dispatch("softmax", [x], { axis, log });
        within(y, softmaxReference([x.to("float64")], { axis, log }, "cpu")[0]!, msg);
        // the strided (transposed) operand is read through its strides
        within(dispatch("softmax", [x.t()], { axis: 1 - axis, log }), softmaxReference([x.to("float64").t()], { axis: 1 - axis, log }, "cpu")[0]!, `${msg} (transposed)`);
        const dx = dispatch("softmaxBackward", [g, y], { axis, log });
        within(dx, softmaxBackwardReference([g.to("float64"), y.to("float64")], { axis, log }, "cpu")[0]!, `${msg} backward`);
      }
    }
  }
});

test("half-precision cross entropy takes the decomposition inside the CPU backend", () => {
  const x = r([4, 6], 61).to("bfloat16"), t = tensor([0, 5, 2, 3], { dtype: "int32" });
  const attrs = { reduction: "mean", ignoreIndex: -100, labelSmoothing: 0, weight: false } as const;
  const [loss] = dispatchAll("crossEntropy", [x, t], attrs);
  assert.equal(loss!.dtype, "bfloat16");
  assertClose(loss!, runDecomposition("crossEntropy", [x, t], attrs, "cpu")[0]!, { rtol: 0, atol: 0 });
});

test("float16 and bfloat16 through the ops: outputs and gradients in the dtype, close to float64's", () => {
  const F = nn.F;
  const t = tensor([[0, 1, 2], [3, 4, 5], [0, -100, 0], [5, 5, 1]], { dtype: "int64" });
  const ops: [string, (x: Tensor, w: Tensor, b: Tensor) => Tensor][] = [
    ["softmax", (x) => x.softmax(1)],
    ["logSoftmax", (x) => x.logSoftmax(-1)],
    // over 18 features: a 3-feature row of small variance magnifies half-precision rounding in dx
    ["layerNorm", (x, w, b) => F.layerNorm(x, [6, 3], w.reshape([6, 1]).expand([6, 3]), b.reshape([6, 1]).expand([6, 3]))],
    ["batchNorm", (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true })],
    ["groupNorm", (x, w, b) => F.groupNorm(x, 2, w, b)],
    ["crossEntropy", (x) => F.crossEntropy(x, t, { labelSmoothing: 0.1 })],
  ];
  for (const dtype of ["float16", "bfloat16"] as const) {
    const tol = dtype === "float16" ? 4e-3 : 3e-2;
    const xh = r([4, 6, 3], 101).to(dtype), wh = r([6], 102).to(dtype), bh = r([6], 103).to(dtype);
    for (const [name, f] of ops) {
      const x = xh.clone().requiresGrad_(true), x64 = xh.to("float64").requiresGrad_(true);
      const y = f(x, wh, bh), y64 = f(x64, wh.to("float64"), bh.to("float64"));
      assert.equal(y.dtype, dtype, `${dtype} ${name}: output dtype`);
      const g = r([...y.shape], 104).to(dtype);
      y.backward(g);
      y64.backward(g.to("float64"));
      assert.equal(x.grad!.dtype, dtype, `${dtype} ${name}: gradient dtype`);
      assertClose(y.to("float64"), y64, { rtol: tol, atol: tol * 4, msg: `${dtype} ${name}: output` });
      assertClose(x.grad!.to("float64"), x64.grad!, { rtol: tol, atol: tol * 4, msg: `${dtype} ${name}: gradient` });
    }
  }
});

test("the dispatcher runs the decomposition where the backend lacks the fused kernel; its layers see the fused call only", () => {
  const data = [[1, 2, 3], [0.5, -1, 4]];
  const x = tensor(data, { dtype: "float64", device: NOFUSED }), xc = tensor(data, { dtype: "float64" });
  const calls: { op: string; publicOp: string }[] = [];
  const y = withDispatchLayer((call, next) => {
    calls.push({ op: call.op, publicOp: call.publicOp });
    return next(call);
  }, () => x.logSoftmax(1));
  assert.deepEqual(calls, [{ op: "softmax", publicOp: "logSoftmax" }]);
  assert.equal(y.device, NOFUSED);
  assertClose(y, xc.logSoftmax(1), { rtol: 1e-15, atol: 1e-15 });
  // the same through a profiler-like layer nested twice: each layer sees one call per fused op
  let seen = 0;
  const x3 = x.reshape([2, 3, 1]);
  withDispatchLayer((c, next) => (seen++, next(c)), () => withDispatchLayer((c, next) => next(c), () => dispatchAll("batchNorm", [x3], { training: true, momentum: 0.1, eps: 1e-5, weight: false, bias: false, running: false })));
  assert.equal(seen, 1);
});

test("the primitive checks refuse bad fused calls with a FluxionError naming the primitive", () => {
  const x = r([4, 3], 71), t = tensor([0, 1, 2, 1], { dtype: "int32" });
  const ce = { ignoreIndex: -100, labelSmoothing: 0, reduction: "mean" as const, weight: false };
  const fails = (fn: () => unknown, re: RegExp, cls: new (...a: never[]) => Error = FluxionError) =>
    assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), String(re));
  fails(() => dispatch("softmax", [tensor([1, 2, 3], { dtype: "int32" })], { axis: 0, log: false }), /softmax: expected the input of a floating point dtype, got int32/, DTypeError);
  fails(() => dispatch("softmax", [x], { axis: 2, log: false }), /softmax: axis 2 is out of range for a tensor of 2 dims/);
  fails(() => dispatch("softmax", [x], { axis: 1, log: "yes" as never }), /softmax: log must be true or false/);
  fails(() => dispatch("softmaxBackward", [x, r([3, 4], 72)], { axis: 1, log: false }), /softmaxBackward: expected the output y of shape \[4, 3\], got \[3, 4\]/);
  fails(() => dispatch("softmaxBackward", [x, x.float()], { axis: 1, log: false }), /softmaxBackward: expected inputs of one dtype, got float64, float32/, DTypeError);
  fails(() => dispatch("crossEntropy", [x, t.float()], ce), /crossEntropy: expected an int32 or int64 target of class indices, got float32/, DTypeError);
  fails(() => dispatch("crossEntropy", [x, tensor([0, 1], { dtype: "int32" })], ce), /crossEntropy: expected the target of shape \[4\], got \[2\]/);
  fails(() => dispatch("crossEntropy", [x, t, r([4], 73)], { ...ce, weight: true }), /crossEntropy: expected the weight of shape \[3\], got \[4\]/);
  fails(() => dispatch("crossEntropy", [x, t], { ...ce, reduction: "avg" as never }), /crossEntropy: unknown reduction string "avg"/);
  fails(() => dispatch("crossEntropy", [x, t], { ...ce, labelSmoothing: 1.5 }), /crossEntropy: labelSmoothing must be a number in \[0, 1\], got float 1.5/);
  fails(() => dispatch("crossEntropy", [x, t, r([3], 74)], ce), /crossEntropy: expected 2 input tensors, got 3/);
  fails(() => dispatch("crossEntropyBackward", [r([4], 75), x, t, r([4], 76)], ce), /crossEntropyBackward: expected the gradient of shape \[\], got \[4\]/);
  const bn = { training: true, momentum: 0.1, eps: 1e-5, weight: true, bias: false, running: false };
  fails(() => dispatch("batchNorm", [r([4], 77)], { ...bn, weight: false }), /batchNorm: expected an input of at least 2 dims, got shape \[4\]/);
  fails(() => dispatch("batchNorm", [x, r([4], 78)], bn), /batchNorm: expected weight of shape \[3\], got \[4\]/);
  fails(() => dispatch("batchNorm", [x], { ...bn, weight: false, training: false }), /batchNorm: evaluation \(training false\) needs the running statistics/);
  fails(() => dispatch("batchNorm", [x, r([3], 79)], { ...bn, eps: NaN }), /batchNorm: eps must be a finite number, got float NaN/);
  fails(() => dispatch("batchNorm", [r([1, 3], 80), r([3], 81), r([3], 82)], { ...bn, weight: false, running: true }), /batchNorm: updating the running variance needs at least 2 values per channel/);
  fails(() => dispatch("batchNorm", [x, r([1], 83).expand([3]), r([3], 84)], { ...bn, weight: false, running: true }), /batchNorm: the destination .* has several elements at one memory location/);
  fails(() => dispatchAll("batchNormBackward", [x, x, r([3], 85), r([4], 86)], { training: true, weight: false }), /batchNormBackward: expected invstd of shape \[3\], got \[4\]/);
  fails(() => dispatch("groupNorm", [r([2, 6, 3], 87)], { groups: 4, eps: 1e-5, weight: false, bias: false }), /groupNorm: groups \(4\) must divide the channels \(6\)/);
  fails(() => dispatch("groupNorm", [r([2, 6, 3], 88)], { groups: 0, eps: 1e-5, weight: false, bias: false }), /groupNorm: groups must be an integer >= 1, got int 0/);
  fails(() => dispatchAll("groupNormBackward", [r([2, 6], 89), r([2, 6], 90), r([2, 3], 91), r([2, 2], 92)], { groups: 3, weight: false }), /groupNormBackward: expected rstd of shape \[2, 3\], got \[2, 2\]/);
});

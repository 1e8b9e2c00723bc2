/**
 * The primitives' contract (primitives.ts), checked by the dispatcher before any backend
 * runs: the inputs are tensors, as many as the primitive takes, of the ranks and dtypes it
 * reads; attributes are integers in range; and the sizes a kernel derives from them agree
 * with the tensors it reads and writes (a conv2d's output size with its image, a fold's
 * blocks with its columns, a view's extent with its storage). The ops above call the
 * primitives correctly; this is for direct `dispatch` calls and for ops with a bug, so no
 * kernel (TypeScript or native) reads past an array, writes past one, or silently makes
 * numbers out of `undefined`. Each violation is a FluxionError naming the primitive.
 *
 * The fused primitives' checks (FUSED_CHECKS) hold them to the same contract.
 *
 * Not for: user-level argument checks (src/api/args.ts and the ops name the public op);
 * semantics the ops decide (dtype promotion, which mixes of dtypes a kernel converts).
 */
import { describeValue } from "../api/args.js";
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { BINARY_OPS, UNARY_OPS } from "../ops/elementwise_table.js";
import { isDType, isFloating, itemSize, type DType } from "../tensor/dtype.js";
import { Generator } from "../tensor/random.js";
import { broadcastShapes, checkNumel, expandableTo, shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { DispatchCall } from "./dispatcher.js";
import { backendFor } from "./backend.js";
import type { FusedPrimitiveName, IndexRule, PrimitiveAttrs, PrimitiveName } from "./primitives.js";
import { RNN_CELL_CHECKS } from "./rnn_cell.js";
import { checkFusedProgram } from "./fused_program.js";
import { checkLinalg } from "./linalg.js";

type Pair = readonly [number, number];

function bad(op: string, msg: string): never {
  throw new ShapeError(`${op}: ${msg}`);
}

/** `inputs` holds between min and max tensors (optional trailing ones may be absent, not undefined). */
function tensors(op: string, inputs: unknown, min: number, max = min): readonly Tensor[] {
  if (!Array.isArray(inputs)) throw new ArgumentError(`${op}: inputs must be an array of tensors, got ${describeValue(inputs)}`);
  if (inputs.length < min || inputs.length > max) {
    throw new ArgumentError(`${op}: expected ${min === max ? min : `${min} to ${max}`} input tensor${max === 1 ? "" : "s"}, got ${inputs.length}`);
  }
  for (let i = 0; i < inputs.length; i++) {
    const t: unknown = inputs[i];
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: input ${i} must be a Tensor, got ${describeValue(t)}`);
  }
  return inputs as Tensor[];
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= min;
}

function int(op: string, name: string, v: unknown, min: number): number {
  if (!isInt(v, min)) bad(op, `${name} must be an integer >= ${min}, got ${describeValue(v)}`);
  return v;
}

function pair(op: string, name: string, v: unknown, min: number): Pair {
  if (!Array.isArray(v) || v.length !== 2 || !isInt(v[0], min) || !isInt(v[1], min)) {
    bad(op, `${name} must be two integers >= ${min}, got ${describeValue(v)}`);
  }
  return v as unknown as Pair;
}

function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) bad(op, `${name} must be a finite number, got ${describeValue(v)}`);
  return v;
}

/** A number (NaN and infinities included: padding with -inf, normal_(nan) are the ops' business). */
function number(op: string, name: string, v: unknown): number {
  if (typeof v !== "number") bad(op, `${name} must be a number, got ${describeValue(v)}`);
  return v;
}

/** A shape attribute: non-negative integers (whose product fits one tensor, for a new one of `dtype`). */
function shapeAttr(op: string, v: unknown, dtype: DType | null): readonly number[] {
  if (!Array.isArray(v) || !v.every((s) => isInt(s, 0))) bad(op, `shape must be a list of non-negative integers, got ${describeValue(v)}`);
  if (dtype !== null) checkNumel(op, v, isDType(dtype) ? dtype : undefined);
  return v;
}

function dtypeAttr(op: string, v: unknown): void {
  if (!isDType(v)) throw new DTypeError(`${op}: unknown dtype ${describeValue(v)}`);
}

/** An axis of a tensor of `ndim` dims (a 0-d tensor has axis 0, as normalizeDim allows). */
function axisAttr(op: string, v: unknown, ndim: number): number {
  if (!isInt(v, 0) || v >= Math.max(ndim, 1)) throw new IndexError(`${op}: axis ${typeof v === "number" ? v : describeValue(v)} is out of range for a tensor of ${ndim} dims`);
  return v;
}

function rank(op: string, what: string, t: Tensor, ndim: number): void {
  if (t.ndim !== ndim) bad(op, `expected ${what} to be ${ndim}-D, got shape ${fmtShape(t.shape)}`);
}

function sameDType(op: string, ts: readonly Tensor[]): void {
  if (ts.some((t) => t.dtype !== ts[0]!.dtype)) throw new DTypeError(`${op}: expected inputs of one dtype, got ${ts.map((t) => t.dtype).join(", ")}`);
}

/** A tensor written in place has no memory location under two elements (a broadcast, stride-0 dim). */
function writable(op: string, t: Tensor): void {
  if (t.shape.some((s, d) => s > 1 && t.strides[d] === 0)) {
    bad(op, `the destination (shape ${fmtShape(t.shape)}, strides ${fmtShape(t.strides)}) has several elements at one memory location; write into a contiguous copy`);
  }
}

/** An index tensor (int32, or int64 as PyTorch's) and the optional rule for its values. */
function indexOperand(op: string, index: Tensor, rule: IndexRule | undefined): void {
  if (index.dtype !== "int32" && index.dtype !== "int64") throw new DTypeError(`${op}: expected an int32 index tensor (or int64), got ${index.dtype} (shape ${fmtShape(index.shape)})`);
  if (rule === undefined) return;
  if (rule === null || typeof rule !== "object") bad(op, `index must be an object { negative?, error? }, got ${describeValue(rule)}`);
  if (rule.negative !== undefined && typeof rule.negative !== "boolean") bad(op, `index.negative must be a boolean, got ${describeValue(rule.negative)}`);
  if (rule.error !== undefined && typeof rule.error !== "string") bad(op, `index.error must be a string, got ${describeValue(rule.error)}`);
}

/** A sliding window's output length: floor((size + 2p - d(k-1) - 1) / s) + 1, at least 1. */
function windows(op: string, what: string, size: number, k: number, s: number, p: number, d: number): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  if (span < 0) bad(op, `the kernel (${k}, dilation ${d}) is larger than the padded input ${what} (${size} + 2·${p})`);
  return Math.floor(span / s) + 1;
}

interface Window {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
}

function windowAttrs(op: string, a: Window): Window {
  return { kernel: pair(op, "kernel", a.kernel, 1), stride: pair(op, "stride", a.stride, 1), padding: pair(op, "padding", a.padding, 0), dilation: pair(op, "dilation", a.dilation, 1) };
}

/** The output size [oh, ow] of window `w` over an H x W image. */
function windowOutput(op: string, w: Window, H: number, W: number): Pair {
  return [windows(op, "height", H, w.kernel[0], w.stride[0], w.padding[0], w.dilation[0]), windows(op, "width", W, w.kernel[1], w.stride[1], w.padding[1], w.dilation[1])];
}

/** A floating-point tensor (the fused primitives compute on float dtypes only). */
function float(op: string, what: string, t: Tensor): void {
  if (!isFloating(t.dtype)) throw new DTypeError(`${op}: expected ${what} of a floating point dtype, got ${t.dtype} (shape ${fmtShape(t.shape)})`);
}

function bool(op: string, name: string, v: unknown): void {
  if (typeof v !== "boolean") bad(op, `${name} must be true or false, got ${describeValue(v)}`);
}

function sameShape(op: string, what: string, t: Tensor, shape: readonly number[]): void {
  if (!shapesEqual(t.shape, shape)) bad(op, `expected ${what} of shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
}

/** Inputs of a fused primitive: x first (float, at least `minRank` dims), then `count` more of x's dtype. */
function fusedInputs(op: string, inputs: unknown, count: number, minRank: number): readonly Tensor[] {
  const ts = tensors(op, inputs, 1 + count);
  float(op, "the input", ts[0]!);
  if (ts[0]!.ndim < minRank) bad(op, `expected an input of at least ${minRank} dims, got shape ${fmtShape(ts[0]!.shape)}`);
  return ts;
}

/** crossEntropy(Backward)'s shared attributes, target and weight; returns the target's shape. */
function crossEntropyArgs(op: string, a: PrimitiveAttrs["crossEntropy"], x: Tensor, target: Tensor, weight: Tensor | undefined): readonly number[] {
  if (!["none", "sum", "mean"].includes(a.reduction)) bad(op, `unknown reduction ${describeValue(a.reduction)}`);
  if (!Number.isSafeInteger(a.ignoreIndex)) bad(op, `ignoreIndex must be an integer, got ${describeValue(a.ignoreIndex)}`);
  if (typeof a.labelSmoothing !== "number" || !(a.labelSmoothing >= 0 && a.labelSmoothing <= 1)) bad(op, `labelSmoothing must be a number in [0, 1], got ${describeValue(a.labelSmoothing)}`);
  bool(op, "weight", a.weight);
  if (target.dtype !== "int32" && target.dtype !== "int64") throw new DTypeError(`${op}: expected an int32 or int64 target of class indices, got ${target.dtype}`);
  const classDim = x.ndim === 1 ? 0 : 1;
  sameShape(op, "the target", target, x.shape.filter((_, i) => i !== classDim));
  if (weight) {
    sameDType(op, [x, weight]);
    sameShape(op, "the weight", weight, [x.shape[classDim]!]);
  }
  return target.shape;
}

/** The [C] vectors after x (weight, bias, running stats, saved statistics): of x's dtype and shape `shape`. */
function vectors(op: string, x: Tensor, ts: readonly Tensor[], names: readonly string[], shape: readonly number[]): void {
  ts.forEach((t, i) => {
    sameDType(op, [x, t]);
    sameShape(op, names[i]!, t, shape);
  });
}

/** The names of the optional [C] inputs that are present, as their flags say. */
function present(names: readonly string[], flags: readonly unknown[]): string[] {
  return names.filter((_, i) => flags[i] === true);
}

function groupsOf(op: string, groups: unknown, C: number): number {
  const G = int(op, "groups", groups, 1);
  if (C % G !== 0) bad(op, `groups (${G}) must divide the channels (${C})`);
  return G;
}

type FusedChecks = { [P in FusedPrimitiveName]: (inputs: readonly unknown[], attrs: PrimitiveAttrs[P]) => void };

const FUSED_CHECKS: FusedChecks = {
  softmax(inputs, a) {
    const [x] = fusedInputs("softmax", inputs, 0, 0);
    axisAttr("softmax", a.axis, x!.ndim);
    bool("softmax", "log", a.log);
  },
  softmaxBackward(inputs, a) {
    const [g, y] = fusedInputs("softmaxBackward", inputs, 1, 0);
    sameDType("softmaxBackward", [g!, y!]);
    sameShape("softmaxBackward", "the output y", y!, g!.shape);
    axisAttr("softmaxBackward", a.axis, g!.ndim);
    bool("softmaxBackward", "log", a.log);
  },
  crossEntropy(inputs, a) {
    const ts = fusedInputs("crossEntropy", inputs, a.weight === true ? 2 : 1, 1);
    crossEntropyArgs("crossEntropy", a, ts[0]!, ts[1]!, ts[2]);
  },
  crossEntropyBackward(inputs, a) {
    const op = "crossEntropyBackward";
    const ts = tensors(op, inputs, a.weight === true ? 5 : 4);
    const [g, x, target, lse, weight] = ts as [Tensor, Tensor, Tensor, Tensor, Tensor | undefined];
    float(op, "the logits", x);
    if (x.ndim < 1) bad(op, `expected logits of at least 1 dim, got shape ${fmtShape(x.shape)}`);
    const tshape = crossEntropyArgs(op, a, x, target, weight);
    sameDType(op, [x, g, lse]);
    sameShape(op, "the gradient", g, a.reduction === "none" ? tshape : []);
    sameShape(op, "lse", lse, tshape);
  },
  batchNorm(inputs, a) {
    const op = "batchNorm";
    for (const k of ["training", "weight", "bias", "running"] as const) bool(op, k, a[k]);
    finite(op, "eps", a.eps);
    finite(op, "momentum", a.momentum);
    if (!a.training && !a.running) bad(op, `evaluation (training false) needs the running statistics (running true)`);
    const names = present(["weight", "bias", "runningMean", "runningVar"], [a.weight, a.bias, a.running, a.running]);
    const ts = fusedInputs(op, inputs, names.length, 2);
    const x = ts[0]!, C = x.shape[1]!;
    vectors(op, x, ts.slice(1), names, [C]);
    if (a.training && a.running && C > 0 && x.numel() / C < 2) bad(op, `updating the running variance needs at least 2 values per channel, got input of shape ${fmtShape(x.shape)}`);
    if (a.running && a.training) ts.slice(-2).forEach((t) => writable(op, t));
  },
  batchNormBackward(inputs, a) {
    const op = "batchNormBackward";
    bool(op, "training", a.training);
    bool(op, "weight", a.weight);
    const ts = tensors(op, inputs, a.weight === true ? 5 : 4);
    const [g, x] = ts as [Tensor, Tensor];
    float(op, "the input", x);
    if (x.ndim < 2) bad(op, `expected an input of at least 2 dims, got shape ${fmtShape(x.shape)}`);
    sameDType(op, [x, g]);
    sameShape(op, "the gradient", g, x.shape);
    vectors(op, x, ts.slice(2), ["mean", "invstd", "weight"], [x.shape[1]!]);
  },
  groupNorm(inputs, a) {
    const op = "groupNorm";
    for (const k of ["weight", "bias"] as const) bool(op, k, a[k]);
    finite(op, "eps", a.eps);
    const names = present(["weight", "bias"], [a.weight, a.bias]);
    const ts = fusedInputs(op, inputs, names.length, 2);
    const x = ts[0]!;
    groupsOf(op, a.groups, x.shape[1]!);
    vectors(op, x, ts.slice(1), names, [x.shape[1]!]);
  },
  groupNormBackward(inputs, a) {
    const op = "groupNormBackward";
    bool(op, "weight", a.weight);
    const ts = tensors(op, inputs, a.weight === true ? 5 : 4);
    const [g, x, mean, rstd, weight] = ts as [Tensor, Tensor, Tensor, Tensor, Tensor | undefined];
    float(op, "the input", x);
    if (x.ndim < 2) bad(op, `expected an input of at least 2 dims, got shape ${fmtShape(x.shape)}`);
    const G = groupsOf(op, a.groups, x.shape[1]!);
    sameDType(op, [x, g]);
    sameShape(op, "the gradient", g, x.shape);
    vectors(op, x, [mean, rstd], ["mean", "rstd"], [x.shape[0]!, G]);
    if (weight) vectors(op, x, [weight], ["weight"], [x.shape[1]!]);
  },
  rnnCell: (inputs, a) => RNN_CELL_CHECKS.rnnCell(inputs, a),
  rnnCellBackward: (inputs, a) => RNN_CELL_CHECKS.rnnCellBackward(inputs, a),
  fusedProgram: checkFusedProgram,
  linalg: checkLinalg,
  topk(inputs, a) {
    const [x] = tensors("topk", inputs, 1);
    if (x!.ndim < 1) bad("topk", `expected an input of at least 1 dim, got shape ${fmtShape(x!.shape)}`);
    const axis = axisAttr("topk", a.axis, x!.ndim);
    bool("topk", "largest", a.largest);
    const size = x!.shape[axis]!;
    if (!isInt(a.k, 0) || a.k > size) throw new IndexError(`topk: k must be an integer from 0 to the size of axis ${axis} (${size}), got ${typeof a.k === "number" ? a.k : describeValue(a.k)} (input shape ${fmtShape(x!.shape)})`);
  },
  resample(inputs, a) {
    const op = "resample";
    const ts = tensors(op, inputs, 2, 3);
    const [x, index, weight] = ts as [Tensor, Tensor, Tensor | undefined];
    bool(op, "transpose", a.transpose);
    const axis = axisAttr(op, a.axis, x.ndim);
    const size = int(op, "size", a.size, 0);
    if (index.dtype !== "int32" || index.ndim !== 2) bad(op, `expected an int32 index of shape [K, out], got ${index.dtype} of shape ${fmtShape(index.shape)}`);
    const [K, out] = index.shape as [number, number];
    if (!weight && K !== 1) bad(op, `without weights there is one tap, got an index of shape ${fmtShape(index.shape)}`);
    if (weight) {
      float(op, "the input", x);
      sameDType(op, [x, weight]);
      sameShape(op, "the weight", weight, index.shape);
    }
    const along = a.transpose ? out : size;
    if (x.shape[axis] !== along) bad(op, `expected ${along} positions along dimension ${axis} of the input, got shape ${fmtShape(x.shape)}`);
  },
  depthwiseConv2d(inputs, a) {
    const op = "depthwiseConv2d";
    if (!["forward", "input", "weight"].includes(a.pass)) bad(op, `unknown pass ${describeValue(a.pass)}`);
    const ts = tensors(op, inputs, 2, a.pass === "forward" ? 3 : 2);
    sameDType(op, ts);
    float(op, "the input", ts[0]!);
    ts.forEach((t, i) => i < 2 && rank(op, `input ${i}`, t, 4));
    const m = int(op, "multiplier", a.multiplier, 1);
    const w = windowAttrs(op, a);
    const [p, q, bias] = ts as [Tensor, Tensor, Tensor | undefined];
    const filters = (C: number): readonly number[] => [C * m, 1, w.kernel[0], w.kernel[1]];
    if (a.pass === "forward") {
      // p = x [N, C, H, W], q = w [C·m, 1, kh, kw]
      windowOutput(op, w, p.shape[2]!, p.shape[3]!);
      sameShape(op, "the weight", q, filters(p.shape[1]!));
      if (bias) sameShape(op, "the bias", bias, [q.shape[0]!]);
      return;
    }
    if (a.pass === "input") {
      // p = dy [N, C·m, oh, ow], q = w [C·m, 1, kh, kw]
      const [H, W] = pair(op, "inputSize", a.inputSize, 1);
      const [oh, ow] = windowOutput(op, w, H, W);
      if (p.shape[1]! % m !== 0) bad(op, `the gradient's channels (${p.shape[1]}) must be a multiple of the multiplier (${m})`);
      sameShape(op, "the weight", q, filters(p.shape[1]! / m));
      sameShape(op, "the gradient", p, [p.shape[0]!, q.shape[0]!, oh, ow]);
      return;
    }
    // weight pass: p = x [N, C, H, W], q = dy [N, C·m, oh, ow]
    const [oh, ow] = windowOutput(op, w, p.shape[2]!, p.shape[3]!);
    sameShape(op, "the gradient", q, [p.shape[0]!, p.shape[1]! * m, oh, ow]);
  },
};

type Checks = { [P in PrimitiveName]: (inputs: readonly unknown[], attrs: PrimitiveAttrs[P]) => void };

const CHECKS: Checks = {
  unary(inputs, a) {
    tensors("unary", inputs, 1);
    if (!Object.hasOwn(UNARY_OPS, a.op)) bad("unary", `unknown op ${describeValue(a.op)}`);
  },
  binary(inputs, a) {
    const [x, y] = tensors("binary", inputs, 2);
    if (!Object.hasOwn(BINARY_OPS, a.op)) bad("binary", `unknown op ${describeValue(a.op)}`);
    const shape = broadcastShapes(a.op, x!.shape, y!.shape); // named as the kernel names it
    if (a.inPlace && !shapesEqual(shape, x!.shape)) bad(a.op, `output with shape ${fmtShape(x!.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
    if (a.inPlace) writable(a.op, x!);
  },
  where(inputs) {
    const [c, x, y] = tensors("where", inputs, 3);
    broadcastShapes("where", c!.shape, x!.shape, y!.shape);
  },
  cast(inputs, a) {
    tensors("cast", inputs, 1);
    dtypeAttr("cast", a.dtype);
  },
  reduce(inputs, a) {
    const [x] = tensors("reduce", inputs, 1);
    const ops = ["sum", "prod", "max", "min", "argmax", "argmin"];
    if (!ops.includes(a.op)) bad("reduce", `unknown op ${describeValue(a.op)}`);
    if (!Array.isArray(a.axes)) bad("reduce", `axes must be a list of integers, got ${describeValue(a.axes)}`);
    a.axes.forEach((ax) => axisAttr(`reduce (${a.op})`, ax, x!.ndim));
    if (new Set(a.axes).size !== a.axes.length) throw new IndexError(`reduce: axes ${fmtShape(a.axes)} repeat an axis`);
    if ((a.op === "argmax" || a.op === "argmin") && a.axes.length !== 1) bad("reduce", `${a.op} takes exactly one axis, got ${fmtShape(a.axes)}`);
  },
  scan(inputs, a) {
    const [x] = tensors("scan", inputs, 1);
    if (a.op !== "sum" && a.op !== "prod") bad("scan", `unknown op ${describeValue(a.op)}`);
    axisAttr("scan", a.axis, x!.ndim);
  },
  view(inputs, a) {
    const [x] = tensors("view", inputs, 1);
    const shape = shapeAttr("view", a.shape, null); // a view allocates nothing: expand(1e12) is fine
    if (!Array.isArray(a.strides) || a.strides.length !== shape.length || !a.strides.every((s) => Number.isSafeInteger(s))) {
      bad("view", `strides must be ${shape.length} integers (one per dim of shape ${fmtShape(shape)}), got ${describeValue(a.strides)}`);
    }
    int("view", "offset", a.offset, 0);
    if (a.dtype !== undefined) dtypeAttr("view", a.dtype);
    // the storage's length in elements of the view's dtype (CPU storage: a typed array;
    // device memory: its size over the element size the backend gives the dtype)
    const storage = x!.storage;
    let length: number;
    if (storage.memory !== null) {
      const b = backendFor(storage.device);
      length = Math.floor(storage.memory.byteLength / (b.deviceItemSize?.(a.dtype ?? x!.dtype) ?? itemSize(a.dtype ?? x!.dtype)));
    } else {
      const data = storage.data;
      if (!ArrayBuffer.isView(data)) return;
      length = a.dtype === undefined || a.dtype === x!.dtype ? data.length : Math.floor(data.byteLength / itemSize(a.dtype));
    }
    let lo = a.offset, hi = a.offset;
    for (let d = 0; d < shape.length; d++) {
      if (shape[d] === 0) return; // no element is addressed
      const span = (shape[d]! - 1) * a.strides[d]!;
      if (span < 0) lo += span;
      else hi += span;
    }
    if (lo < 0 || hi >= length) {
      bad("view", `shape ${fmtShape(shape)} with strides ${fmtShape(a.strides)} and offset ${a.offset} reaches elements ${lo}..${hi}, outside a storage of ${length} elements`);
    }
  },
  copy(inputs) {
    tensors("copy", inputs, 1);
  },
  assign(inputs) {
    const [dst, src] = tensors("assign", inputs, 2);
    if (!expandableTo(src!.shape, dst!.shape)) bad("assign", `source of shape ${fmtShape(src!.shape)} cannot be broadcast to the destination's shape ${fmtShape(dst!.shape)}`);
    writable("assign", dst!);
  },
  matmul(inputs, a) {
    const ts = tensors("matmul", inputs, 2, 3);
    const [x, y, bias] = ts as [Tensor, Tensor, Tensor | undefined];
    sameDType("matmul", ts);
    if (x.ndim < 2 || y.ndim !== x.ndim) bad("matmul", `expected operands [...batch, M, K] and [...batch, K, N] of equal rank (2 or more), got shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`);
    const nd = x.ndim, M = x.shape[nd - 2]!, K = x.shape[nd - 1]!, N = y.shape[nd - 1]!;
    if (y.shape[nd - 2] !== K || !shapesEqual(x.shape.slice(0, -2), y.shape.slice(0, -2))) {
      bad("matmul", `shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)} cannot be multiplied (batch dims must be equal and K = ${K} must match ${y.shape[nd - 2]})`);
    }
    if (a.bias !== undefined && a.bias !== "row" && a.bias !== "col") bad("matmul", `bias must be "row" or "col", got ${describeValue(a.bias)}`);
    if ((bias === undefined) !== (a.bias === undefined)) bad("matmul", `a bias input needs attrs.bias ("row" or "col") and attrs.bias needs a third input`);
    if (bias) {
      const n = a.bias === "row" ? M : N;
      if (bias.ndim !== 1 || bias.shape[0] !== n) bad("matmul", `a ${a.bias} bias must be 1-D of length ${n}, got shape ${fmtShape(bias.shape)}`);
    }
    if (a.activation !== undefined && !["relu", "gelu", "geluTanh"].includes(a.activation)) bad("matmul", `unknown activation ${describeValue(a.activation)}`);
  },
  cat(inputs, a) {
    const ts = tensors("cat", inputs, 1, Infinity);
    const first = ts[0]!;
    const axis = axisAttr("cat", a.axis, first.ndim);
    sameDType("cat", ts);
    for (const t of ts) {
      if (t.ndim !== first.ndim || t.shape.some((s, d) => d !== axis && s !== first.shape[d])) {
        bad("cat", `tensors of shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} differ outside axis ${axis}`);
      }
    }
  },
  pad(inputs, a) {
    const [x] = tensors("pad", inputs, 1);
    if (!Array.isArray(a.pads) || a.pads.length !== x!.ndim) bad("pad", `pads must hold one [before, after] pair per dim (${x!.ndim}), got ${describeValue(a.pads)}`);
    a.pads.forEach((p, d) => pair("pad", `pads[${d}]`, p, 0));
    number("pad", "value", a.value);
  },
  gather(inputs, a) {
    const [x, index] = tensors("gather", inputs, 2);
    axisAttr("gather", a.axis, x!.ndim);
    indexOperand("gather", index!, a.index);
    if (index!.ndim !== x!.ndim) bad("gather", `index of shape ${fmtShape(index!.shape)} must have as many dims as the input (shape ${fmtShape(x!.shape)})`);
  },
  scatter(inputs, a) {
    const [x, index, src] = tensors("scatter", inputs, 3);
    axisAttr("scatter", a.axis, x!.ndim);
    indexOperand("scatter", index!, a.index);
    sameDType("scatter", [x!, src!]);
    if (!["none", "add", "multiply"].includes(a.reduce)) bad("scatter", `unknown reduce ${describeValue(a.reduce)}`);
    if (index!.ndim !== x!.ndim) bad("scatter", `index of shape ${fmtShape(index!.shape)} must have as many dims as the input (shape ${fmtShape(x!.shape)})`);
  },
  indexPut(inputs, a) {
    const [dst, index] = tensors("indexPut", inputs, 3);
    indexOperand("indexPut", index!, a.index);
    writable("indexPut", dst!);
  },
  sort(inputs, a) {
    const [x] = tensors("sort", inputs, 1);
    axisAttr("sort", a.axis, x!.ndim);
  },
  unique(inputs) {
    tensors("unique", inputs, 1);
  },
  random(inputs, a) {
    const ts = tensors("random", inputs, a.dist?.kind === "bernoulli" ? 1 : 0);
    const shape = shapeAttr("random", a.shape, a.dtype);
    dtypeAttr("random", a.dtype);
    if (!(a.generator instanceof Generator)) throw new ArgumentError(`random: generator must be a Generator, got ${describeValue(a.generator)}`);
    const d = a.dist;
    switch (d?.kind) {
      case "uniform":
        number("random", "low", d.low);
        number("random", "high", d.high);
        break;
      case "normal":
        number("random", "mean", d.mean);
        number("random", "std", d.std);
        break;
      case "randint":
        if (!Number.isSafeInteger(d.low) || !Number.isSafeInteger(d.high) || d.high <= d.low) bad("random", `randint needs integers low < high, got ${d.low}, ${d.high}`);
        break;
      case "randperm":
        if (!isInt(d.n, 0) || !shapesEqual(shape, [d.n])) bad("random", `randperm of ${describeValue(d.n)} needs shape [n], got ${fmtShape(shape)}`);
        break;
      case "bernoulli":
        if (!shapesEqual(ts[0]!.shape, shape)) bad("random", `bernoulli's probabilities (shape ${fmtShape(ts[0]!.shape)}) must have the output shape ${fmtShape(shape)}`);
        break;
      default:
        bad("random", `unknown distribution ${describeValue(d)}`);
    }
  },
  full(inputs, a) {
    tensors("full", inputs, 0);
    shapeAttr("full", a.shape, a.dtype);
    dtypeAttr("full", a.dtype);
    // a bigint is an exact int64 value
    if (typeof a.value === "bigint") {
      if (a.dtype !== "int64") bad("full", `a bigint value needs dtype int64, got ${String(a.dtype)}`);
    } else number("full", "value", a.value);
  },
  range(inputs, a) {
    tensors("range", inputs, 0);
    int("range", "n", a.n, 0);
    checkNumel("range", [a.n], a.dtype);
    dtypeAttr("range", a.dtype);
    finite("range", "start", a.start);
    finite("range", "step", a.step);
    if (a.end !== undefined) finite("range", "end", a.end);
  },
  unfold(inputs, a) {
    const [x] = tensors("unfold", inputs, 1);
    rank("unfold", "the input [N, C, H, W]", x!, 4);
    windowOutput("unfold", windowAttrs("unfold", a), x!.shape[2]!, x!.shape[3]!);
  },
  fold(inputs, a) {
    const [x] = tensors("fold", inputs, 1);
    rank("fold", "the columns [N, C·kh·kw, L]", x!, 3);
    const w = windowAttrs("fold", a);
    const [H, W] = pair("fold", "outputSize", a.outputSize, 1);
    const [oh, ow] = windowOutput("fold", w, H, W);
    const taps = w.kernel[0] * w.kernel[1];
    if (x!.shape[1]! % taps !== 0 || x!.shape[2] !== oh * ow) {
      bad("fold", `columns of shape ${fmtShape(x!.shape)} do not fit kernel ${fmtShape(w.kernel)} over an output of ${H}x${W} (expected [N, C·${taps}, ${oh * ow}])`);
    }
  },
  conv2d(inputs, a) {
    const op = "conv2d";
    if (!["forward", "input", "weight"].includes(a.pass)) bad(op, `unknown pass ${describeValue(a.pass)}`);
    const ts = tensors(op, inputs, 2, a.pass === "forward" ? 3 : 2);
    sameDType(op, ts);
    ts.forEach((t, i) => i < 2 && rank(op, `input ${i}`, t, 4));
    const w = windowAttrs(op, a);
    const [p, q, bias] = ts as [Tensor, Tensor, Tensor | undefined];
    if (a.activation !== undefined && a.activation !== "relu") bad(op, `unknown activation ${describeValue(a.activation)}`);
    if (a.pass === "forward") {
      // p = x [N, C, H, W], q = w [O, C, kh, kw]
      const [oh, ow] = windowOutput(op, w, p.shape[2]!, p.shape[3]!);
      if (q.shape[1] !== p.shape[1] || q.shape[2] !== w.kernel[0] || q.shape[3] !== w.kernel[1]) {
        bad(op, `weight of shape ${fmtShape(q.shape)} does not fit input ${fmtShape(p.shape)} and kernel ${fmtShape(w.kernel)} (expected [O, ${p.shape[1]}, ${w.kernel[0]}, ${w.kernel[1]}])`);
      }
      if (bias && (bias.ndim !== 1 || bias.shape[0] !== q.shape[0])) bad(op, `bias must be 1-D of length ${q.shape[0]}, got shape ${fmtShape(bias.shape)}`);
      if (a.pool !== undefined) {
        const k = pair(op, "pool.kernel", a.pool.kernel, 1), s = pair(op, "pool.stride", a.pool.stride, 1);
        windowOutput(`${op} (pool)`, { kernel: k, stride: s, padding: [0, 0], dilation: [1, 1] }, oh, ow);
      }
      return;
    }
    if (a.pass === "input") {
      // p = dy [N, O, oh, ow], q = w [O, C, kh, kw]
      const [H, W] = pair(op, "inputSize", a.inputSize, 1);
      const [oh, ow] = windowOutput(op, w, H, W);
      if (q.shape[0] !== p.shape[1] || q.shape[2] !== w.kernel[0] || q.shape[3] !== w.kernel[1] || p.shape[2] !== oh || p.shape[3] !== ow) {
        bad(op, `the input pass's gradient ${fmtShape(p.shape)} and weight ${fmtShape(q.shape)} do not fit kernel ${fmtShape(w.kernel)} over an input of ${H}x${W} (expected [N, ${q.shape[0]}, ${oh}, ${ow}] and [O, C, ${w.kernel[0]}, ${w.kernel[1]}])`);
      }
      return;
    }
    // weight pass: p = x [N, C, H, W], q = dy [N, O, oh, ow]
    const [oh, ow] = windowOutput(op, w, p.shape[2]!, p.shape[3]!);
    if (q.shape[0] !== p.shape[0] || q.shape[2] !== oh || q.shape[3] !== ow) {
      bad(op, `the weight pass's gradient ${fmtShape(q.shape)} does not fit input ${fmtShape(p.shape)} and kernel ${fmtShape(w.kernel)} (expected [${p.shape[0]}, O, ${oh}, ${ow}])`);
    }
  },
  maxPool(inputs, a) {
    const op = "maxPool";
    const [x] = tensors(op, inputs, 1);
    rank(op, "the input [N, C, H, W]", x!, 4);
    const w = windowAttrs(op, a);
    const out = pair(op, "outputSize", a.outputSize, 0);
    // floor mode's size, or ceil mode's (one more window when the last one starts inside the
    // input or its left padding: torch's pooling_output_shape)
    for (const d of [0, 1] as const) {
      const size = x!.shape[2 + d]!, s = w.stride[d], p = w.padding[d];
      const floor = windows(op, d === 0 ? "height" : "width", size, w.kernel[d], s, p, w.dilation[d]);
      let ceil = Math.floor((size + 2 * p - w.dilation[d] * (w.kernel[d] - 1) - 1 + s - 1) / s) + 1;
      if ((ceil - 1) * s >= size + p) ceil--;
      if (out[d] !== floor && out[d] !== ceil) bad(op, `outputSize ${fmtShape(out)} does not fit input ${fmtShape(x!.shape)} with kernel ${fmtShape(w.kernel)}, stride ${fmtShape(w.stride)}, padding ${fmtShape(w.padding)}, dilation ${fmtShape(w.dilation)} (${d === 0 ? "height" : "width"}: ${floor}${ceil !== floor ? ` or ${ceil}` : ""})`);
    }
  },
  fromHost(inputs, a) {
    tensors("fromHost", inputs, 0);
    const shape = shapeAttr("fromHost", a.shape, a.dtype);
    dtypeAttr("fromHost", a.dtype);
    const n = shape.reduce((x, y) => x * y, 1);
    const data = a.data as ArrayLike<number> | null | undefined;
    if (data === null || typeof data !== "object" || typeof data.length !== "number" || data.length !== n) {
      bad("fromHost", `data must hold ${n} values for shape ${fmtShape(shape)}, got ${describeValue(data)}`);
    }
  },
  ...FUSED_CHECKS,
};

/** Throws a FluxionError naming the primitive when `call` breaks the primitive's contract. */
export function checkPrimitive(call: DispatchCall): void {
  const check = Object.hasOwn(CHECKS, call.op) ? (CHECKS[call.op] as (i: readonly unknown[], a: unknown) => void) : undefined;
  if (!check) throw new ArgumentError(`dispatch: unknown primitive ${describeValue(call.op)}`);
  if (call.attrs === null || typeof call.attrs !== "object") throw new ArgumentError(`${call.op}: attrs must be an object, got ${describeValue(call.attrs)}`);
  check(call.inputs, call.attrs);
}

/**
 * Creating tensors: from JS data (tensor), constant fills, ranges, eye, *Like variants and
 * random tensors. Every creation goes through the dispatcher (fromHost, full, range,
 * random), so a device backend allocates its own memory.
 *
 * dtype inference: JS numbers have no int/float distinction, so nested arrays of numbers
 * become float32 (the default float dtype) and booleans become bool; typed arrays keep
 * their type (Int32Array -> int32, Uint8Array -> uint8, Int8Array -> int8, BigInt64Array ->
 * int64; the other integer arrays -> int32, range-checked); bigint values make int64.
 * Ranges (arange) follow PyTorch's rule with Fluxion's default integer dtype: all-integer
 * arguments give int32 (PyTorch: int64).
 */
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import type { StorageArray } from "./dtype.js";
import { dispatch } from "../backend/dispatcher.js";
import { checkDevice } from "../backend/backend.js";
import { getDefaultDtype, DEFAULT_INT, checkDType, isFloating, isIntegral, type DType } from "./dtype.js";
import { checkNumel, checkShape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import { Tensor } from "./tensor.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { RandomDist } from "../backend/primitives.js";

export interface CreateOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

/** Nested arrays of values; a one-element tensor inside is read as its value (as torch.tensor([t1, t2])). */
export type NestedArray = number | boolean | bigint | Tensor | readonly NestedArray[];
export type TensorData = NestedArray | ArrayLike<number> | BigInt64Array | ArrayBufferView | Tensor;

function finish(t: Tensor, opts: CreateOptions | undefined, op: string): Tensor {
  if (opts?.requiresGrad) {
    if (!isFloating(t.dtype)) throw new DTypeError(`${op}: only tensors of floating point dtype can require gradients, got ${t.dtype}`);
    t.requiresGrad_(true);
  }
  return t;
}

function dtypeOf(opts: CreateOptions | undefined, fallback: DType, op: string): DType {
  return opts?.dtype === undefined ? fallback : checkDType(opts.dtype, op);
}

function shapeArg(op: string, shape: number | readonly number[], dtype?: DType): number[] {
  return checkShape(op, typeof shape === "number" ? [shape] : shape, dtype);
}

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

/**
 * The integers a JS number or bigint may have to be stored in an integer dtype, as PyTorch
 * checks a Python int ("value cannot be converted to type uint8 without overflow"): the
 * dtype's range, where for uint8 negatives down to -255 are allowed too (they wrap, as C's
 * unsigned conversion does).
 */
const INT_RANGE: Partial<Record<DType, readonly [bigint, bigint]>> = {
  uint8: [-255n, 255n], int8: [-128n, 127n], int32: [BigInt(INT32_MIN), BigInt(INT32_MAX)], int64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * `v` checked to fit the integer dtype and truncated toward zero, as PyTorch converts a
 * Python scalar: a whole number or bigint must lie in INT_RANGE (a Python int's rule), a
 * fractional number between the dtype's lowest and largest value (a Python float's rule:
 * -0.5 does not fit uint8). Returns a bigint for int64, a number otherwise (other dtypes
 * take v as a number).
 */
export function checkedValue(op: string, v: number | bigint, dtype: DType): number | bigint {
  const range = INT_RANGE[dtype];
  if (range === undefined) return Number(v);
  const t = typeof v === "bigint" ? v : Number.isFinite(v) ? BigInt(Math.trunc(v)) : null;
  const lowest = dtype === "uint8" ? 0 : Number(range[0]);
  const fractionalOut = typeof v === "number" && !Number.isInteger(v) && !(v >= lowest && v <= Number(range[1]));
  if (t === null || t < range[0] || t > range[1] || fractionalOut) throw new DTypeError(`${op}: value ${v} cannot be converted to type ${dtype} without overflow`);
  return dtype === "int64" ? t : Number(t);
}

/**
 * The deepest nesting tensor() reads, as torch.tensor (deeper data, or an array that
 * contains itself, is refused before the walk, which recurses once per level).
 */
const MAX_NESTING = 128;

/** Flattens nested arrays, checking that they are rectangular. */
function flattenNested(op: string, data: NestedArray): { shape: number[]; flat: (number | boolean | bigint)[] } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    if (shape.length === MAX_NESTING) {
      throw new ShapeError(`${op}: too many dimensions: the data is nested more than ${MAX_NESTING} levels deep (PyTorch's limit), or an array contains itself`);
    }
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  checkNumel(op, shape);
  const flat: (number | boolean | bigint)[] = [];
  const path: number[] = [];
  const where = () => (path.length ? ` (at index [${path.join("][")}])` : "");
  const walk = (x: NestedArray, d: number) => {
    if (d === shape.length) {
      if (Array.isArray(x)) {
        throw new ShapeError(`${op}: ragged nested array: expected a scalar at dim ${d}${where()} but got a sequence of length ${x.length}; the first elements give shape ${fmtShape(shape)}`);
      }
      if (x instanceof Tensor) {
        // torch.tensor([torch.tensor(1), torch.tensor(2)]): each one-element tensor is read as a
        // Python scalar would be (an integer one as an int, so the result is int64 as in PyTorch)
        if (x.numel() !== 1) throw new ShapeError(`${op}: only one element tensors can be converted to scalars, got a tensor of shape ${fmtShape(x.shape)}${where()}; use stack or cat to combine tensors`);
        const v = x.item<number | boolean | bigint>();
        flat.push(typeof v === "number" && isIntegral(x.dtype) ? BigInt(v) : v);
        return;
      }
      if (typeof x !== "number" && typeof x !== "boolean" && typeof x !== "bigint") {
        throw new FluxionError(`${op}: could not convert ${x === null ? "null" : typeof x} ${String(x)}${where()} to a tensor element; expected a number, boolean or bigint`);
      }
      flat.push(x);
      return;
    }
    if (!Array.isArray(x)) throw new ShapeError(`${op}: ragged nested array: expected a sequence of length ${shape[d]} at dim ${d}${where()} but got a scalar`);
    if (x.length !== shape[d]) throw new ShapeError(`${op}: ragged nested array: expected a sequence of length ${shape[d]} at dim ${d}${where()} but got length ${x.length}`);
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      walk(x[i]!, d + 1);
      path.pop();
    }
  };
  walk(data, 0);
  return { shape, flat };
}

/**
 * Creates a tensor from nested arrays, a typed array or a scalar.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
function tensorImpl(data: TensorData, opts?: CreateOptions & { shape?: readonly number[] }): Tensor {
  const op = "tensor";
  const device = checkDevice(opts?.device, op);
  // numbers, except int64 data (BigInt64Array, bigint values), which stay bigints
  let values: ArrayLike<number | bigint>;
  let shape: number[];
  let inferred: DType;
  if (data instanceof Tensor) {
    // torch.tensor(t) copies (and warns that clone().detach() says so more clearly)
    values = data.toTypedArray<StorageArray>();
    shape = [...data.shape];
    inferred = data.dtype;
  } else if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView) throw new FluxionError(`${op}: DataView is not supported; pass a typed array`);
    [values, inferred] = [data as unknown as ArrayLike<number | bigint>, typedArrayDType(data)];
    shape = [values.length];
  } else {
    const { shape: s, flat } = flattenNested(op, data as NestedArray);
    shape = s;
    const allBool = flat.length > 0 && flat.every((v) => typeof v === "boolean");
    // bigints mark int64 data; plain numbers alongside them keep it integer only if whole
    const intData = flat.some((v) => typeof v === "bigint") && flat.every((v) => typeof v !== "number" || Number.isInteger(v));
    inferred = allBool ? "bool" : intData ? "int64" : getDefaultDtype();
    values = flat.map((v) => (typeof v === "boolean" ? Number(v) : v));
  }
  if (opts?.shape) {
    const want = shapeArg(op, opts.shape);
    if (want.reduce((a, b) => a * b, 1) !== values.length) throw new ShapeError(`${op}: shape [${want.join(", ")}] does not match ${values.length} values`);
    shape = want;
  }
  const dtype = dtypeOf(opts, inferred, op);
  return finish(dispatch("fromHost", [], { data: hostValues(op, values, dtype), shape, dtype }, device), opts, op);
}

/** The dtype a typed array's elements make (integer arrays without a dtype of their own: int32). */
function typedArrayDType(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return "int64";
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "uint8";
  if (data instanceof Int8Array) return "int8";
  return "int32";
}

/**
 * The values as fromHost takes them for `dtype`: range-checked (and truncated) for the
 * integer dtypes, bigints for int64, numbers otherwise. Arrays that already hold the dtype's
 * own kind of values pass through.
 */
function hostValues(op: string, values: ArrayLike<number | bigint>, dtype: DType): ArrayLike<number> | ArrayLike<bigint> {
  if (dtype === "int64") {
    if (values instanceof BigInt64Array) return values;
    return BigInt64Array.from(values as ArrayLike<number | bigint>, (v) => checkedValue(op, v, dtype) as bigint);
  }
  const same = (dtype === "int32" && values instanceof Int32Array) || (dtype === "int8" && values instanceof Int8Array) ||
    (dtype === "uint8" && values instanceof Uint8Array) || values instanceof Float32Array || values instanceof Float64Array;
  if (isIntegral(dtype) && !same) return Array.from(values, (v) => checkedValue(op, v, dtype) as number);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array || Array.prototype.some.call(values, (v) => typeof v === "bigint")) {
    return Array.from(values, Number);
  }
  return values as ArrayLike<number>;
}

/** A 0-d tensor holding one value (a bigint is exact in int64). */
export function scalarTensor(value: number | boolean | bigint, dtype: DType, device = "cpu"): Tensor {
  return dispatch("full", [], { shape: [], dtype, value: typeof value === "bigint" ? value : Number(value) }, device);
}

/**
 * A tensor filled with `value`: float32 for numbers, bool for booleans, int64 for bigints,
 * unless `dtype` says otherwise. Into an integer dtype the value is truncated and must fit.
 * @example full([2, 3], 7); full([2], 1, { dtype: "int32" }); full([2], 2n ** 62n)
 */
function fullImpl(shape: number | readonly number[], value: number | boolean | bigint, opts?: CreateOptions, op = "full"): Tensor {
  const dtype = dtypeOf(opts, typeof value === "boolean" ? "bool" : typeof value === "bigint" ? "int64" : getDefaultDtype(), op);
  const v = typeof value === "boolean" ? Number(value) : checkedValue(op, value, dtype);
  return finish(dispatch("full", [], { shape: shapeArg(op, shape, dtype), dtype, value: v }, checkDevice(opts?.device, op)), opts, op);
}
/** @example zeros([2, 3]); zeros(4, { dtype: "int32" }) */
function zerosImpl(shape: number | readonly number[], opts?: CreateOptions, op = "zeros"): Tensor {
  return fullImpl(shape, 0, { ...opts, dtype: opts?.dtype ?? getDefaultDtype() }, op);
}
/** @example ones([2, 3], { requiresGrad: true }) */
function onesImpl(shape: number | readonly number[], opts?: CreateOptions, op = "ones"): Tensor {
  return fullImpl(shape, 1, { ...opts, dtype: opts?.dtype ?? getDefaultDtype() }, op);
}
/** Uninitialised in PyTorch; zero-filled here (ArrayBuffers are always zeroed). */
function emptyImpl(shape: number | readonly number[], opts?: CreateOptions, op = "empty"): Tensor {
  return zerosImpl(shape, opts, op);
}

function likeOpts(t: Tensor, opts?: CreateOptions): CreateOptions {
  return { dtype: t.dtype, device: t.device, ...opts };
}
/** Zeros with `t`'s shape, dtype and device (overridable through opts). */
function zerosLikeImpl(t: Tensor, opts?: CreateOptions): Tensor {
  return zerosImpl(t.shape, likeOpts(t, opts), "zerosLike");
}
/** Ones with `t`'s shape, dtype and device (overridable through opts). */
function onesLikeImpl(t: Tensor, opts?: CreateOptions): Tensor {
  return onesImpl(t.shape, likeOpts(t, opts), "onesLike");
}
/** `value` with `t`'s shape, dtype and device (overridable through opts). */
function fullLikeImpl(t: Tensor, value: number | boolean | bigint, opts?: CreateOptions): Tensor {
  return fullImpl(t.shape, value, likeOpts(t, opts), "fullLike");
}
/** Like empty(): zero-filled, with `t`'s shape, dtype and device. */
function emptyLikeImpl(t: Tensor, opts?: CreateOptions): Tensor {
  return zerosImpl(t.shape, likeOpts(t, opts), "emptyLike");
}

/**
 * Values from start to end (exclusive) by step; arange(n) is 0..n-1. All-integer arguments
 * give int32, otherwise float32. The length is ceil((end - start) / step) computed in float64,
 * as torch.arange, so arange(0, 1, 0.1) has 10 elements.
 * @example arange(5); arange(1, 2, 0.25); arange(5, 0, -1)
 */
function arangeImpl(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  const op = "arange";
  if (end === undefined) [start, end] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new FluxionError(`${op}: unsupported range: start ${start} and end ${end} must be finite`);
  if (step === 0 || !Number.isFinite(step)) throw new FluxionError(`${op}: step must be nonzero and finite, got ${step}`);
  if ((end - start) / step < 0) throw new FluxionError(`${op}: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = dtypeOf(opts, allInt ? DEFAULT_INT : getDefaultDtype(), op);
  let n = Math.max(0, Math.ceil((end - start) / step));
  if (isIntegral(dtype) && !allInt) {
    // as PyTorch's kernel: an integer arange computes in int64 from start, end and step each
    // truncated toward zero, so arange(0, 5, 1.5, int64) is [0, 1, 2, 3, 4] (step 1). Its
    // length is ceil((end - start) / step) from the truncated values for int64, from the
    // given ones for the other integer dtypes (arange(0, 5, 1.5, int32) is [0, 1, 2, 3])
    const [xs, xe, xstep] = [Math.trunc(start), Math.trunc(end), Math.trunc(step)];
    if (xstep === 0) throw new FluxionError(`${op}: step must be nonzero (step ${step} truncates to 0 for ${dtype})`);
    if ((xe - xs) / xstep < 0) throw new FluxionError(`${op}: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step}, truncated for ${dtype} to ${xs}, ${xe}, ${xstep})`);
    if (dtype === "int64") n = Math.max(0, Math.ceil((xe - xs) / xstep));
    [start, step] = [xs + 0, xstep];
  }
  checkNumel(op, [n], dtype);
  return finish(dispatch("range", [], { start, step, n, dtype }, checkDevice(opts?.device, op)), opts, op);
}

/**
 * `steps` evenly spaced values from start to end inclusive; both endpoints are exact (the
 * second half counts back from `end`, as torch does). With an integer dtype the values are
 * PyTorch's: start and end truncated to integers, then each value truncated (so
 * linspace(0, 10, 7, int32) is [0, 1, 3, 5, 6, 8, 10]); dtype bool is refused.
 * @example linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1]
 */
function linspaceImpl(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  const op = "linspace";
  if (!Number.isInteger(steps) || steps < 0) throw new FluxionError(`${op}: number of steps must be a non-negative integer, got ${steps}`);
  const dtype = dtypeOf(opts, getDefaultDtype(), op);
  if (dtype === "bool") throw new DTypeError(`${op}: dtype bool is not supported (PyTorch: "linspace_cpu" not implemented for 'Bool'); create an integer or float linspace and compare it instead`);
  if (isIntegral(dtype)) {
    // as PyTorch: the endpoints are converted to the integer dtype first (toward zero), the
    // step is computed in float64 from them, and the range primitive rounds like its kernel
    // (uint8 takes -255..-1, wrapped as its store does: linspace(-1, 5, 4) starts at 255)
    const asDtype = (v: number) => (dtype === "uint8" ? ((v % 256) + 256) % 256 : v);
    start = asDtype(Number(checkedValue(`${op}: start`, start, dtype)));
    end = asDtype(Number(checkedValue(`${op}: end`, end, dtype)));
  }
  checkNumel(op, [steps], dtype);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  return finish(dispatch("range", [], { start, step, n: steps, dtype, end: steps > 1 ? end : undefined }, checkDevice(opts?.device, op)), opts, op);
}

/**
 * Identity matrix n x m (m defaults to n).
 * @example eye(3); eye(2, 3); eye(3, { dtype: "float64" })
 */
function eyeImpl(n: number, m?: number | CreateOptions, opts?: CreateOptions): Tensor;
function eyeImpl(n: number, mOrOpts?: number | CreateOptions, maybeOpts?: CreateOptions): Tensor {
  const op = "eye";
  const m = typeof mOrOpts === "number" ? mOrOpts : n;
  const opts = typeof mOrOpts === "object" ? mOrOpts : maybeOpts;
  const device = checkDevice(opts?.device, op);
  const dtype = dtypeOf(opts, getDefaultDtype(), op);
  const out = dispatch("full", [], { shape: checkShape(op, [n, m], dtype), dtype, value: 0 }, device);
  const k = Math.min(n, m);
  if (k > 0) {
    const diag = dispatch("view", [out], { shape: [k], strides: [m + 1], offset: 0 });
    dispatch("assign", [diag, scalarTensor(1, dtype, device)], {});
  }
  return finish(out, opts, op);
}

function randomTensor(op: string, dist: RandomDist, shape: number | readonly number[], opts: RandomOptions | undefined, fallback: DType, input?: Tensor): Tensor {
  const dtype = dtypeOf(opts, fallback, op);
  const device = input?.device ?? checkDevice(opts?.device, op);
  const t = dispatch("random", input ? [input] : [], { dist, shape: shapeArg(op, shape, dtype), dtype, generator: opts?.generator ?? defaultGenerator }, device);
  return finish(t, opts, op);
}

function requireFloat(op: string, opts: CreateOptions | undefined): void {
  if (opts?.dtype !== undefined && !isFloating(opts.dtype)) throw new DTypeError(`${op}: expected a floating point dtype, got ${opts.dtype}`);
}

/**
 * Uniform samples in [0, 1).
 * @example rand([2, 3]); rand(4, { generator: new Generator(0) })
 */
function randImpl(shape: number | readonly number[], opts?: RandomOptions): Tensor {
  requireFloat("rand", opts);
  return randomTensor("rand", { kind: "uniform", low: 0, high: 1 }, shape, opts, getDefaultDtype());
}
/**
 * Standard normal samples.
 * @example manualSeed(0); randn([2, 3])
 */
function randnImpl(shape: number | readonly number[], opts?: RandomOptions): Tensor {
  requireFloat("randn", opts);
  return randomTensor("randn", { kind: "normal", mean: 0, std: 1 }, shape, opts, getDefaultDtype());
}
/**
 * Integers uniform in [low, high); `randint(high, shape)` draws from [0, high).
 * @example randint(0, 10, [2, 3]); randint(6, [4], { dtype: "float32" })
 */
function randintImpl(high: number, shape: number | readonly number[], opts?: RandomOptions): Tensor;
function randintImpl(low: number, high: number, shape: number | readonly number[], opts?: RandomOptions): Tensor;
function randintImpl(a: number, b: number | readonly number[], c?: number | readonly number[] | RandomOptions, d?: RandomOptions): Tensor {
  const [low, high, shape, opts] = typeof b === "number" ? [a, b, c as number | readonly number[], d] : [0, a, b, c as RandomOptions | undefined];
  if (shape === undefined) throw new FluxionError("randint: missing the shape argument, e.g. randint(0, 10, [2, 3])");
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new FluxionError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  const dtype = opts?.dtype ?? DEFAULT_INT, range = INT_RANGE[dtype];
  // uint8's range check admits negatives (they wrap); a random draw must land in [0, 255]
  const [min, max] = dtype === "uint8" ? [0, 255] : range ? [Number(range[0]), Number(range[1])] : [-Infinity, Infinity];
  if (low < min || high - 1 > max) {
    throw new DTypeError(`randint: range [${low}, ${high}) does not fit in ${dtype}; pass a wider dtype (int64 or a float dtype)`);
  }
  return randomTensor("randint", { kind: "randint", low, high }, shape, opts, DEFAULT_INT);
}
/** A random permutation of 0..n-1. */
function randpermImpl(n: number, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new FluxionError(`randperm: n must be a non-negative integer, got ${n}`);
  return randomTensor("randperm", { kind: "randperm", n }, [n], opts, DEFAULT_INT);
}
/** 0/1 samples with the probabilities in `p` (same shape and dtype as p). */
function bernoulliImpl(p: Tensor, opts?: RandomOptions): Tensor {
  if (!isFloating(p.dtype)) throw new DTypeError(`bernoulli: expected a floating point probability tensor, got ${p.dtype}`);
  return randomTensor("bernoulli", { kind: "bernoulli" }, p.shape, { ...opts, requiresGrad: false }, p.dtype, p.detach());
}
/** rand() with `t`'s shape, dtype and device. */
function randLikeImpl(t: Tensor, opts?: RandomOptions): Tensor {
  return randImpl(t.shape, { dtype: t.dtype, device: t.device, ...opts });
}
/** randn() with `t`'s shape, dtype and device. */
function randnLikeImpl(t: Tensor, opts?: RandomOptions): Tensor {
  return randnImpl(t.shape, { dtype: t.dtype, device: t.device, ...opts });
}

// ---- declarations: the public, argument-checked forms ----------------------------------

const CREATE = "ScalarType? dtype=null, Device? device=null, bool requiresGrad=false";
const RANDOM = `Generator? generator=null, ${CREATE}`;
type Kw = { dtype?: DType | null; device?: string | null; requiresGrad?: boolean; generator?: Generator | null };
/** The options object as the implementations above read it (null means "not given"). */
function kw(o: Kw): RandomOptions {
  const r: RandomOptions = {};
  if (o.dtype) r.dtype = o.dtype;
  if (o.device) r.device = o.device;
  if (o.requiresGrad) r.requiresGrad = true;
  if (o.generator) r.generator = o.generator;
  return r;
}

export const tensor = defineOp(
  `tensor(Any data, *, ${CREATE}, int[]? shape=null) -> Tensor`,
  (data: TensorData, o: Kw & { shape?: number[] | null }) => tensorImpl(data, { ...kw(o), shape: o.shape ?? undefined }),
);
export const full = defineOp(`full(int[] size, Scalar fillValue, *, ${CREATE}) -> Tensor`, (size: number | number[], v: number | boolean, o: Kw) => fullImpl(size, v, kw(o)));
export const zeros = defineOp(`zeros(int... size, *, ${CREATE}) -> Tensor`, (size: number[], o: Kw) => zerosImpl(size, kw(o)));
export const ones = defineOp(`ones(int... size, *, ${CREATE}) -> Tensor`, (size: number[], o: Kw) => onesImpl(size, kw(o)));
export const empty = defineOp(`empty(int... size, *, ${CREATE}) -> Tensor`, (size: number[], o: Kw) => emptyImpl(size, kw(o)));
export const zerosLike = defineOp(`zerosLike(Tensor input, *, ${CREATE}) -> Tensor`, (t: Tensor, o: Kw) => zerosLikeImpl(t, kw(o)));
export const onesLike = defineOp(`onesLike(Tensor input, *, ${CREATE}) -> Tensor`, (t: Tensor, o: Kw) => onesLikeImpl(t, kw(o)));
export const emptyLike = defineOp(`emptyLike(Tensor input, *, ${CREATE}) -> Tensor`, (t: Tensor, o: Kw) => emptyLikeImpl(t, kw(o)));
export const fullLike = defineOp(`fullLike(Tensor input, Scalar fillValue, *, ${CREATE}) -> Tensor`, (t: Tensor, v: number | boolean, o: Kw) => fullLikeImpl(t, v, kw(o)));
export const arange = defineOp(
  [`arange(float end, *, ${CREATE}) -> Tensor`, `arange.start(float start, float end, float step=1, *, ${CREATE}) -> Tensor`],
  [(end: number, o: Kw) => arangeImpl(0, end, 1, kw(o)), (start: number, end: number, step: number, o: Kw) => arangeImpl(start, end, step, kw(o))],
);
export const linspace = defineOp(`linspace(float start, float end, int steps, *, ${CREATE}) -> Tensor`, (a: number, b: number, n: number, o: Kw) => linspaceImpl(a, b, n, kw(o)));
export const eye = defineOp(`eye(int n, int? m=null, *, ${CREATE}) -> Tensor`, (n: number, m: number | null, o: Kw) => eyeImpl(n, m ?? n, kw(o)));
export const rand = defineOp(`rand(int... size, *, ${RANDOM}) -> Tensor`, (size: number[], o: Kw) => randImpl(size, kw(o)));
export const randn = defineOp(`randn(int... size, *, ${RANDOM}) -> Tensor`, (size: number[], o: Kw) => randnImpl(size, kw(o)));
export const randint = defineOp(
  [`randint(int high, int[] size, *, ${RANDOM}) -> Tensor`, `randint.low(int low, int high, int[] size, *, ${RANDOM}) -> Tensor`],
  [(high: number, size: number | number[], o: Kw) => randintImpl(0, high, size, kw(o)), (low: number, high: number, size: number | number[], o: Kw) => randintImpl(low, high, size, kw(o))],
);
export const randperm = defineOp(`randperm(int n, *, ${RANDOM}) -> Tensor`, (n: number, o: Kw) => randpermImpl(n, kw(o)));
export const randLike = defineOp(`randLike(Tensor input, *, ${RANDOM}) -> Tensor`, (t: Tensor, o: Kw) => randLikeImpl(t, kw(o)));
export const randnLike = defineOp(`randnLike(Tensor input, *, ${RANDOM}) -> Tensor`, (t: Tensor, o: Kw) => randnLikeImpl(t, kw(o)));
/** torch.scalar_tensor: a 0-d tensor (float32 unless dtype says otherwise). */
export const scalarTensorFn = defineOp(
  `scalarTensor(Scalar s, *, ${CREATE}) -> Tensor`,
  (v: number | boolean, o: Kw) => fullImpl([], v, { ...kw(o), dtype: o.dtype ?? getDefaultDtype() }),
);
export const bernoulli = defineOp(`bernoulli(Tensor self, *, Generator? generator=null) -> Tensor`, (p: Tensor, o: Kw) => bernoulliImpl(p, kw(o)));

// ---- x.new_zeros(...) and friends: new tensors with x's dtype and device ------------------

const NEW_SIGS = {
  newZeros: `newZeros(Tensor self, int... size, *, ${CREATE}) -> Tensor`,
  newOnes: `newOnes(Tensor self, int... size, *, ${CREATE}) -> Tensor`,
  newEmpty: `newEmpty(Tensor self, int... size, *, ${CREATE}) -> Tensor`,
  newFull: `newFull(Tensor self, int[] size, Scalar fillValue, *, ${CREATE}) -> Tensor`,
  newTensor: `newTensor(Tensor self, Any data, *, ${CREATE}) -> Tensor`,
} as const;

declare module "./tensor.js" {
  interface Tensor extends MethodsOf<typeof NEW_SIGS> {}
}

/** The options with `t`'s dtype and device filling what the call leaves out (as Tensor.new_*). */
function newOpts(t: Tensor, o: Kw): CreateOptions {
  return { ...kw(o), dtype: o.dtype ?? t.dtype, device: o.device ?? t.device };
}
const method = { variants: "method" } as const;
defineOp(NEW_SIGS.newZeros, (t: Tensor, size: number[], o: Kw) => zerosImpl(size, newOpts(t, o), "newZeros"), method);
defineOp(NEW_SIGS.newOnes, (t: Tensor, size: number[], o: Kw) => onesImpl(size, newOpts(t, o), "newOnes"), method);
defineOp(NEW_SIGS.newEmpty, (t: Tensor, size: number[], o: Kw) => emptyImpl(size, newOpts(t, o), "newEmpty"), method);
// the fill value does not choose the dtype here (unlike full): x.new_full(s, 7) has x's dtype
defineOp(NEW_SIGS.newFull, (t: Tensor, size: number | number[], v: number | boolean, o: Kw) => fullImpl(size, v, newOpts(t, o), "newFull"), method);
// a tensor argument is copied (detached), as torch's new_tensor
defineOp(NEW_SIGS.newTensor, (t: Tensor, data: TensorData, o: Kw) => tensorImpl(data, newOpts(t, o)), method);

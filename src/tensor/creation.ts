/**
 * Creating tensors: from JS data (tensor), constant fills, ranges, eye, *Like variants and
 * random tensors. Every creation goes through the dispatcher (fromHost, full, range,
 * random), so a device backend allocates its own memory.
 *
 * dtype inference: JS numbers have no int/float distinction, so nested arrays of numbers
 * become float32 (the default float dtype) and booleans become bool; typed arrays keep
 * their type (Int32Array -> int32); BigInt64Array/bigint values are checked and become
 * int32. Ranges (arange) follow PyTorch: all-integer arguments give int32.
 */
import { DTypeError, FluxionError, ShapeError } from "../errors.js";
import { dispatch } from "../backend/dispatcher.js";
import { checkDevice } from "../backend/backend.js";
import { DEFAULT_FLOAT, DEFAULT_INT, checkDType, isFloating, type DType } from "./dtype.js";
import { checkShape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import type { Tensor } from "./tensor.js";
import type { RandomDist } from "../backend/primitives.js";

export interface CreateOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

export type NestedArray = number | boolean | bigint | readonly NestedArray[];
export type TensorData = NestedArray | ArrayLike<number> | BigInt64Array | ArrayBufferView;

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

function shapeArg(op: string, shape: number | readonly number[]): number[] {
  return checkShape(op, typeof shape === "number" ? [shape] : shape);
}

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;
function int64ToInt32(op: string, v: bigint | number): number {
  const n = Number(v);
  if (n < INT32_MIN || n > INT32_MAX) throw new DTypeError(`${op}: int64 value ${v} does not fit in int32, Fluxion's integer dtype`);
  return n;
}

/** Flattens nested arrays, checking that they are rectangular. */
function flattenNested(op: string, data: NestedArray): { shape: number[]; flat: (number | boolean | bigint)[] } {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const flat: (number | boolean | bigint)[] = [];
  const walk = (x: NestedArray, d: number) => {
    if (d === shape.length) {
      if (Array.isArray(x)) throw new ShapeError(`${op}: ragged nested array: expected a scalar at depth ${d}, got an array`);
      if (typeof x !== "number" && typeof x !== "boolean" && typeof x !== "bigint") {
        throw new FluxionError(`${op}: could not convert ${typeof x} ${String(x)} to a tensor element`);
      }
      flat.push(x);
      return;
    }
    if (!Array.isArray(x)) throw new ShapeError(`${op}: ragged nested array: expected a sequence of length ${shape[d]} at dim ${d}, got a scalar`);
    if (x.length !== shape[d]) throw new ShapeError(`${op}: ragged nested array: expected a sequence of length ${shape[d]} at dim ${d} (got ${x.length})`);
    for (const v of x) walk(v, d + 1);
  };
  walk(data, 0);
  return { shape, flat };
}

/**
 * Creates a tensor from nested arrays, a typed array or a scalar.
 * @example tensor([[1, 2], [3, 4]], { requiresGrad: true })
 */
export function tensor(data: TensorData, opts?: CreateOptions & { shape?: readonly number[] }): Tensor {
  const op = "tensor";
  const device = checkDevice(opts?.device, op);
  let values: ArrayLike<number>;
  let shape: number[];
  let inferred: DType;
  if (ArrayBuffer.isView(data)) {
    if (data instanceof DataView) throw new FluxionError(`${op}: DataView is not supported; pass a typed array`);
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      values = Int32Array.from(data as BigInt64Array, (v) => int64ToInt32(op, v));
      inferred = "int32";
    } else if (data instanceof Float32Array) [values, inferred] = [data, "float32"];
    else if (data instanceof Float64Array) [values, inferred] = [data, "float64"];
    else [values, inferred] = [data as unknown as ArrayLike<number>, "int32"];
    shape = [values.length];
  } else {
    const { shape: s, flat } = flattenNested(op, data as NestedArray);
    shape = s;
    const allBool = flat.length > 0 && flat.every((v) => typeof v === "boolean");
    const anyBig = flat.some((v) => typeof v === "bigint");
    inferred = allBool ? "bool" : anyBig ? "int32" : DEFAULT_FLOAT;
    values = flat.map((v) => (typeof v === "bigint" ? int64ToInt32(op, v) : Number(v)));
  }
  if (opts?.shape) {
    const want = checkShape(op, opts.shape);
    if (want.reduce((a, b) => a * b, 1) !== values.length) throw new ShapeError(`${op}: shape [${want.join(", ")}] does not match ${values.length} values`);
    shape = want;
  }
  const dtype = dtypeOf(opts, inferred, op);
  if (dtype === "int32" && !(values instanceof Int32Array)) {
    values = Int32Array.from(values as ArrayLike<number>, (v) => int64ToInt32(op, Math.trunc(v)));
  }
  return finish(dispatch("fromHost", [], { data: values, shape, dtype }, device), opts, op);
}

/** A 0-d tensor holding one value. */
export function scalarTensor(value: number | boolean, dtype: DType, device = "cpu"): Tensor {
  return dispatch("full", [], { shape: [], dtype, value: Number(value) }, device);
}

export function full(shape: number | readonly number[], value: number | boolean, opts?: CreateOptions): Tensor {
  const op = "full";
  const dtype = dtypeOf(opts, typeof value === "boolean" ? "bool" : DEFAULT_FLOAT, op);
  return finish(dispatch("full", [], { shape: shapeArg(op, shape), dtype, value: Number(value) }, checkDevice(opts?.device, op)), opts, op);
}
export function zeros(shape: number | readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 0, { ...opts, dtype: opts?.dtype ?? DEFAULT_FLOAT });
}
export function ones(shape: number | readonly number[], opts?: CreateOptions): Tensor {
  return full(shape, 1, { ...opts, dtype: opts?.dtype ?? DEFAULT_FLOAT });
}
/** Uninitialised in PyTorch; zero-filled here (ArrayBuffers are always zeroed). */
export function empty(shape: number | readonly number[], opts?: CreateOptions): Tensor {
  return zeros(shape, opts);
}

function likeOpts(t: Tensor, opts?: CreateOptions): CreateOptions {
  return { dtype: t.dtype, device: t.device, ...opts };
}
export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  return zeros(t.shape, likeOpts(t, opts));
}
export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  return ones(t.shape, likeOpts(t, opts));
}
export function fullLike(t: Tensor, value: number | boolean, opts?: CreateOptions): Tensor {
  return full(t.shape, value, likeOpts(t, opts));
}
export function emptyLike(t: Tensor, opts?: CreateOptions): Tensor {
  return zeros(t.shape, likeOpts(t, opts));
}

/**
 * Values from start to end (exclusive) by step; arange(n) is 0..n-1.
 * All-integer arguments give int32, otherwise float32.
 */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  const op = "arange";
  if (end === undefined) [start, end] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new FluxionError(`${op}: step must be nonzero and finite, got ${step}`);
  if ((end - start) / step < 0) throw new FluxionError(`${op}: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = dtypeOf(opts, allInt ? DEFAULT_INT : DEFAULT_FLOAT, op);
  const n = Math.max(0, Math.ceil((end - start) / step));
  return finish(dispatch("range", [], { start, step, n, dtype }, checkDevice(opts?.device, op)), opts, op);
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  const op = "linspace";
  if (!Number.isInteger(steps) || steps < 0) throw new FluxionError(`${op}: number of steps must be a non-negative integer, got ${steps}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const dtype = dtypeOf(opts, DEFAULT_FLOAT, op);
  return finish(dispatch("range", [], { start, step, n: steps, dtype, end: steps > 1 ? end : undefined }, checkDevice(opts?.device, op)), opts, op);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m: number = n, opts?: CreateOptions): Tensor {
  const op = "eye";
  const device = checkDevice(opts?.device, op);
  const dtype = dtypeOf(opts, DEFAULT_FLOAT, op);
  const out = dispatch("full", [], { shape: checkShape(op, [n, m]), dtype, value: 0 }, device);
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
  const t = dispatch("random", input ? [input] : [], { dist, shape: shapeArg(op, shape), dtype, generator: opts?.generator ?? defaultGenerator }, device);
  return finish(t, opts, op);
}

function requireFloat(op: string, opts: CreateOptions | undefined): void {
  if (opts?.dtype !== undefined && !isFloating(opts.dtype)) throw new DTypeError(`${op}: expected a floating point dtype, got ${opts.dtype}`);
}

/** Uniform samples in [0, 1). */
export function rand(shape: number | readonly number[], opts?: RandomOptions): Tensor {
  requireFloat("rand", opts);
  return randomTensor("rand", { kind: "uniform", low: 0, high: 1 }, shape, opts, DEFAULT_FLOAT);
}
/** Standard normal samples. */
export function randn(shape: number | readonly number[], opts?: RandomOptions): Tensor {
  requireFloat("randn", opts);
  return randomTensor("randn", { kind: "normal", mean: 0, std: 1 }, shape, opts, DEFAULT_FLOAT);
}
/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: number | readonly number[], opts?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new FluxionError(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  return randomTensor("randint", { kind: "randint", low, high }, shape, opts, DEFAULT_INT);
}
/** A random permutation of 0..n-1. */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new FluxionError(`randperm: n must be a non-negative integer, got ${n}`);
  return randomTensor("randperm", { kind: "randperm", n }, [n], opts, DEFAULT_INT);
}
/** 0/1 samples with the probabilities in `p` (same shape and dtype as p). */
export function bernoulli(p: Tensor, opts?: RandomOptions): Tensor {
  if (!isFloating(p.dtype)) throw new DTypeError(`bernoulli: expected a floating point probability tensor, got ${p.dtype}`);
  return randomTensor("bernoulli", { kind: "bernoulli" }, p.shape, { ...opts, requiresGrad: false }, p.dtype, p.detach());
}
export function randLike(t: Tensor, opts?: RandomOptions): Tensor {
  return rand(t.shape, { dtype: t.dtype, device: t.device, ...opts });
}
export function randnLike(t: Tensor, opts?: RandomOptions): Tensor {
  return randn(t.shape, { dtype: t.dtype, device: t.device, ...opts });
}

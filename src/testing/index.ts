/**
 * torch.testing: assertClose (torch.testing.assert_close) compares tensors, numbers and nested
 * arrays/objects of them with dtype-aware default tolerances and PyTorch's failure messages;
 * makeTensor (torch.testing.make_tensor) makes random test inputs of any dtype.
 */
import { ArgumentError, FluxionError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { isFloating, isHalf, type DType } from "../tensor/dtype.js";
import { randint, rand } from "../tensor/creation.js";
import { finfoImpl } from "../tensor/type_info.js";
import { pyFloat } from "../nn/layers/repr.js";

/** A failed assertClose (Python's AssertionError): the message says what differs and where. */
export class AssertionError extends FluxionError {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** torch.testing's default (rtol, atol) per dtype; exact for integers and bool. */
const DEFAULT_TOLERANCES: Partial<Record<DType, [number, number]>> = {
  float16: [1e-3, 1e-5], bfloat16: [1.6e-2, 1e-5], float32: [1.3e-6, 1e-5], float64: [1e-7, 1e-7],
};
const tolerancesOf = (d: DType): [number, number] => DEFAULT_TOLERANCES[d] ?? [0, 0];

export interface AssertCloseOptions {
  /** Relative tolerance; with atol, or both omitted (the dtype's defaults). */
  rtol?: number | null;
  atol?: number | null;
  /** NaN equals NaN (default false). */
  equalNan?: boolean;
  /** The dtypes must match (default true); otherwise both are compared as float64. */
  checkDtype?: boolean;
  /** The devices must match (default true). */
  checkDevice?: boolean;
  /** The strides must match (default false). */
  checkStride?: boolean;
  /** Replaces the failure message: a string, or a function of the generated one. */
  msg?: string | ((generated: string) => string) | null;
}

type Leaf = Tensor | number | boolean | bigint;
const isLeaf = (v: unknown): v is Leaf => v instanceof Tensor || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint";
const typeName = (v: unknown): string => (v === null ? "null" : v instanceof Tensor ? "Tensor" : Array.isArray(v) ? "Array" : typeof v);

function fail(message: string, path: string, msg: AssertCloseOptions["msg"]): never {
  const full = path ? `${message}\n\nThe failure occurred for item ${path}` : message;
  throw new AssertionError(typeof msg === "string" ? msg : typeof msg === "function" ? msg(full) : full);
}

/** The values compared: float64 numbers (int64 through Number), the index of each flat element. */
function flatValues(t: Tensor): number[] {
  const flat = t.detach().contiguous().reshape([-1]).tolist() as (number | boolean | bigint)[];
  return flat.map((v) => Number(v));
}

function indexOf(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return idx.length === 1 ? `(${idx[0]},)` : `(${idx.join(", ")})`;
}

/** torch.max over values: NaN wins (its first position), else the first largest. */
function maxWithIndex(v: number[]): [number, number] {
  let best = -Infinity, at = 0;
  for (let i = 0; i < v.length; i++) {
    if (Number.isNaN(v[i]!)) return [NaN, i];
    if (v[i]! > best) [best, at] = [v[i]!, i];
  }
  return [best, at];
}

function compareValues(a: number[], e: number[], shape: readonly number[], rtol: number, atol: number, equalNan: boolean, exact: boolean, scalar: boolean, path: string, opts: AssertCloseOptions): void {
  let bad = 0;
  const absDiff: number[] = [], relDiff: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = e[i]!;
    const d = Math.abs(x - y);
    absDiff.push(x === y ? 0 : d);
    relDiff.push(x === y ? 0 : d / Math.abs(y));
    const close = x === y || (equalNan && Number.isNaN(x) && Number.isNaN(y)) || (Number.isFinite(x) && Number.isFinite(y) && d <= atol + rtol * Math.abs(y));
    if (!close) bad++;
  }
  if (bad === 0) return;
  const what = scalar ? "Scalars" : "Tensor-likes";
  const allowed = (t: number) => (exact ? "" : ` (up to ${pyFloat(t)} allowed)`);
  const fmt = (v: number) => (exact && Number.isInteger(v) ? String(v) : pyFloat(v));
  if (scalar) {
    fail(`${what} are not ${exact ? "equal" : "close"}!\n\nAbsolute difference: ${fmt(absDiff[0]!)}${allowed(atol)}\nRelative difference: ${pyFloat(relDiff[0]!)}${allowed(rtol)}`, path, opts.msg);
  }
  const [ma, ia] = maxWithIndex(absDiff), [mr, ir] = maxWithIndex(relDiff);
  const pct = ((bad / a.length) * 100).toFixed(1);
  fail(
    `${what} are not ${exact ? "equal" : "close"}!\n\nMismatched elements: ${bad} / ${a.length} (${pct}%)\n` +
      `Greatest absolute difference: ${fmt(ma)} at index ${indexOf(ia, shape)}${allowed(atol)}\n` +
      `Greatest relative difference: ${pyFloat(mr)} at index ${indexOf(ir, shape)}${allowed(rtol)}`,
    path, opts.msg,
  );
}

function compareLeaves(actual: Leaf, expected: Leaf, path: string, opts: AssertCloseOptions): void {
  const tensors = actual instanceof Tensor;
  if (tensors !== expected instanceof Tensor) {
    throw new ArgumentError(`assertClose: no comparison pair was able to handle inputs of type ${typeName(actual)} and ${typeName(expected)}${path ? ` (item ${path})` : ""}`);
  }
  let rtol: number, atol: number;
  const given = opts.rtol != null || opts.atol != null;
  if (actual instanceof Tensor && expected instanceof Tensor) {
    const attr = (name: string, a: string, b: string) => { if (a !== b) fail(`The values for attribute '${name}' do not match: ${a} != ${b}.`, path, opts.msg); };
    attr("shape", fmtShape(actual.shape), fmtShape(expected.shape));
    if (opts.checkDevice ?? true) attr("device", actual.device, expected.device);
    if (opts.checkDtype ?? true) attr("dtype", actual.dtype, expected.dtype);
    if (opts.checkStride ?? false) attr("stride()", fmtShape(actual.strides), fmtShape(expected.strides));
    const [ra, aa] = tolerancesOf(actual.dtype), [rb, ab] = tolerancesOf(expected.dtype);
    [rtol, atol] = given ? [opts.rtol!, opts.atol!] : [Math.max(ra, rb), Math.max(aa, ab)];
    const exact = !given && rtol === 0 && atol === 0 && !isFloating(actual.dtype) && !isFloating(expected.dtype);
    compareValues(flatValues(actual), flatValues(expected), actual.shape, rtol, atol, opts.equalNan ?? false, exact, actual.ndim === 0, path, opts);
    return;
  }
  // Python numbers: a float compares as float64, integers and bools exactly
  const floating = (typeof actual === "number" && !Number.isInteger(actual)) || (typeof expected === "number" && !Number.isInteger(expected));
  [rtol, atol] = given ? [opts.rtol!, opts.atol!] : floating ? [1e-7, 1e-7] : [0, 0];
  compareValues([Number(actual)], [Number(expected)], [], rtol, atol, opts.equalNan ?? false, !given && !floating, true, path, opts);
}

function walk(actual: unknown, expected: unknown, path: string, opts: AssertCloseOptions): void {
  if (isLeaf(actual) && isLeaf(expected)) return compareLeaves(actual, expected, path, opts);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) fail(`The length of the sequences mismatch: ${actual.length} != ${expected.length}`, path, opts.msg);
    actual.forEach((a, i) => walk(a, expected[i], `${path}[${i}]`, opts));
    return;
  }
  const plain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
  if (plain(actual) && plain(expected)) {
    const ka = Object.keys(actual).sort(), ke = Object.keys(expected).sort();
    if (ka.join("\u0000") !== ke.join("\u0000")) fail(`The keys of the mappings do not match:\nMissing keys in the actual mapping: ${JSON.stringify(ke.filter((k) => !(k in actual)))}\nExtra keys in the actual mapping: ${JSON.stringify(ka.filter((k) => !(k in expected)))}`, path, opts.msg);
    for (const k of ka) walk(actual[k], expected[k], `${path}['${k}']`, opts);
    return;
  }
  throw new ArgumentError(`assertClose: no comparison pair was able to handle inputs of type ${typeName(actual)} and ${typeName(expected)}${path ? ` (item ${path})` : ""}`);
}

/**
 * torch.testing.assert_close: passes when actual and expected (tensors, numbers, or arrays
 * and objects of them, nested) have the same structure, shapes, dtypes and devices and their
 * values satisfy |actual - expected| <= atol + rtol * |expected| elementwise. Default
 * tolerances follow the dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7 both; integers
 * and bool: exact); give rtol and atol together or neither.
 * @example testing.assertClose(model(x), expected, { rtol: 1e-4, atol: 1e-5 })
 */
export function assertClose(actual: unknown, expected: unknown, opts: AssertCloseOptions = {}): void {
  if (typeof opts !== "object" || opts === null) throw new ArgumentError(`assertClose: options must be an object, got ${typeof opts}`);
  const known = new Set(["rtol", "atol", "equalNan", "checkDtype", "checkDevice", "checkStride", "msg"]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new ArgumentError(`assertClose: unexpected option '${k}' (known: ${[...known].join(", ")})`);
  if ((opts.rtol == null) !== (opts.atol == null)) {
    throw new ArgumentError(`assertClose: Both 'rtol' and 'atol' must be either specified or omitted, but got no ${opts.rtol == null ? "rtol" : "atol"}.`);
  }
  for (const k of ["rtol", "atol"] as const) {
    const v = opts[k];
    if (v != null && (typeof v !== "number" || !(v >= 0))) throw new ArgumentError(`assertClose: ${k} must be a non-negative number, got ${String(v)}`);
  }
  walk(actual, expected, "", opts);
}

export interface MakeTensorOptions {
  /** Required, as in PyTorch. */
  dtype: DType;
  device?: string;
  low?: number | null;
  high?: number | null;
  requiresGrad?: boolean;
  /** A strided view (every other element of a tensor twice as long in the last dim). */
  noncontiguous?: boolean;
  /** Zeros replaced by a small value (floats: the dtype's eps; integers: 1). */
  excludeZero?: boolean;
}

/**
 * torch.testing.make_tensor: random values of `dtype` in [low, high) (floats: [-9, 9];
 * integers: [-9, 10), uint8 from 0; bool: true/false), for tests.
 * @example testing.makeTensor([2, 3], { dtype: "float32" })
 */
export function makeTensor(shape: number | readonly number[], opts: MakeTensorOptions): Tensor {
  if (typeof opts !== "object" || opts === null || typeof opts.dtype !== "string") throw new ArgumentError("makeTensor: the dtype option is required, as in PyTorch (e.g. { dtype: \"float32\" })");
  const known = ["dtype", "device", "low", "high", "requiresGrad", "noncontiguous", "excludeZero"];
  for (const k of Object.keys(opts)) if (!known.includes(k)) throw new ArgumentError(`makeTensor: unexpected option '${k}' (known: ${known.join(", ")})`);
  const size = typeof shape === "number" ? [shape] : [...shape];
  const dtype = opts.dtype, device = opts.device ?? "cpu";
  const low = opts.low ?? null, high = opts.high ?? null;
  if (low !== null && high !== null && low > high) throw new ArgumentError(`makeTensor: low must be less than or equal to high, but got low=${low}, high=${high}`);
  const full = opts.noncontiguous && size.length > 0 ? [...size.slice(0, -1), size[size.length - 1]! * 2] : size;
  let t: Tensor;
  if (dtype === "bool") t = randint(0, 2, full, { dtype: "int64" }).to("bool");
  else if (isFloating(dtype)) {
    const lo = low ?? -9, hi = high ?? 9;
    t = rand(full, { dtype: isHalf(dtype) ? "float32" : dtype }).mul(hi - lo).add(lo).to(dtype);
  } else {
    const lo = Math.ceil(low ?? (dtype === "uint8" ? 0 : -9)), hi = Math.floor(high ?? 10);
    t = randint(lo, hi === lo ? hi + 1 : hi, full, { dtype });
  }
  if (opts.noncontiguous && size.length > 0) t = t.unfold(-1, 1, 2).squeeze(-1); // x[..., ::2]
  if (opts.excludeZero && dtype !== "bool") {
    const replacement = isFloating(dtype) ? finfoImpl(dtype).eps : 1;
    t = t.maskedFill(t.eq(0), replacement);
  }
  if (device !== "cpu") t = t.to(device);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

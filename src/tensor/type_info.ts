/**
 * torch.finfo / torch.iinfo: the numerical properties of a dtype (bits, eps, largest and
 * smallest values), with PyTorch 1.13's values. Plain objects, no tensors: they are read by
 * user code to pick epsilons and fill values (`fullLike(x, finfo(x.dtype).min)`).
 */
import { DTypeError } from "../errors.js";
import { getDefaultDtype, isDType, isFloating, isIntegral, type DType } from "./dtype.js";

/** torch.finfo(dtype): properties of a floating-point dtype. */
export class FInfo {
  constructor(
    readonly dtype: DType,
    /** Storage bits. */
    readonly bits: number,
    /** The difference between 1 and the next representable value. */
    readonly eps: number,
    /** The largest finite value. */
    readonly max: number,
    /** The lowest finite value (-max). */
    readonly min: number,
    /** The smallest positive normal value (also `smallestNormal`). */
    readonly tiny: number,
    /** 10^-digits: the approximate decimal resolution. */
    readonly resolution: number,
  ) {
    Object.freeze(this);
  }
  /** The smallest positive normal value (torch.finfo's smallest_normal; the same as tiny). */
  get smallestNormal(): number {
    return this.tiny;
  }
  toString(): string {
    const g = formatG;
    return `finfo(resolution=${g(this.resolution)}, min=${g(this.min)}, max=${g(this.max)}, eps=${g(this.eps)}, smallest_normal=${g(this.tiny)}, tiny=${g(this.tiny)}, dtype=${this.dtype})`;
  }
}

/**
 * A number as Python's "%g" prints it (6 significant digits, ties to even on the exact binary
 * value: float16's eps 0.0009765625 is 0.000976562), as torch.finfo's repr does.
 */
function formatG(v: number): string {
  if (v === 0) return "0";
  const [m, e] = Math.abs(v).toExponential(20).split("e") as [string, string];
  const digits = m.replace(".", "");
  let head = BigInt(digits.slice(0, 6));
  const rest = digits.slice(6);
  if (rest > "5" + "0".repeat(rest.length - 1) || (rest === "5" + "0".repeat(rest.length - 1) && head % 2n === 1n)) head += 1n;
  let exp = Number(e);
  let h = head.toString();
  if (h.length > 6) { h = h.slice(0, 6); exp += 1; }
  const sign = v < 0 ? "-" : "";
  const strip = (x: string) => (x.includes(".") ? x.replace(/0+$/, "").replace(/\.$/, "") : x);
  if (exp < -4 || exp >= 6) return `${sign}${strip(`${h[0]}.${h.slice(1)}`)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  const fixed = exp >= 0 ? `${h.slice(0, exp + 1)}.${h.slice(exp + 1)}` : `0.${"0".repeat(-exp - 1)}${h}`;
  return sign + strip(fixed);
}

/** torch.iinfo(dtype): properties of an integer dtype; int64's bounds are bigints (exact). */
export class IInfo {
  constructor(
    readonly dtype: DType,
    readonly bits: number,
    readonly max: number | bigint,
    readonly min: number | bigint,
  ) {
    Object.freeze(this);
  }
  toString(): string {
    return `iinfo(min=${this.min}, max=${this.max}, dtype=${this.dtype})`;
  }
}

const FINFO: Partial<Record<DType, FInfo>> = {
  float16: new FInfo("float16", 16, 2 ** -10, 65504, -65504, 2 ** -14, 1e-3),
  bfloat16: new FInfo("bfloat16", 16, 2 ** -7, 3.3895313892515355e38, -3.3895313892515355e38, 2 ** -126, 0.01),
  float32: new FInfo("float32", 32, 2 ** -23, 3.4028234663852886e38, -3.4028234663852886e38, 2 ** -126, 1e-6),
  float64: new FInfo("float64", 64, Number.EPSILON, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** -1022, 1e-15),
};

const IINFO: Partial<Record<DType, IInfo>> = {
  uint8: new IInfo("uint8", 8, 255, 0),
  int8: new IInfo("int8", 8, 127, -128),
  int32: new IInfo("int32", 32, 2147483647, -2147483648),
  int64: new IInfo("int64", 64, 2n ** 63n - 1n, -(2n ** 63n)),
};

function named(d: unknown): string {
  return typeof d === "string" ? JSON.stringify(d) : String(d);
}

/**
 * The properties of a floating-point dtype (the default dtype when none is given), as torch.finfo.
 * @example finfo("float32").eps // 1.1920928955078125e-7; finfo().max
 */
export function finfoImpl(dtype: DType | null): FInfo {
  const d = dtype ?? getDefaultDtype();
  if (isDType(d) && isFloating(d)) return FINFO[d]!;
  throw new DTypeError(`finfo: requires a floating point dtype (float16, bfloat16, float32, float64), got ${named(d)}; use iinfo for integer dtypes`);
}

/**
 * The properties of an integer dtype, as torch.iinfo (int64's max and min are bigints).
 * @example iinfo("int32").max // 2147483647; iinfo("int64").min // -9223372036854775808n
 */
export function iinfoImpl(dtype: DType): IInfo {
  if (isDType(dtype) && isIntegral(dtype)) return IINFO[dtype]!;
  throw new DTypeError(`iinfo: requires an integer dtype (uint8, int8, int32, int64), got ${named(dtype)}${dtype === "bool" ? " (bool is not supported by iinfo, as in PyTorch)" : isDType(dtype) ? "; use finfo for floating point dtypes" : ""}`);
}

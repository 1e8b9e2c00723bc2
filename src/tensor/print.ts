/**
 * Printing tensors the way PyTorch does: `tensor([[1.0000, 2.5000]], requires_grad=True)`.
 * Same number formatting rules (integer-valued floats print as `1.`, four decimals
 * otherwise, scientific when the range is wide), same line width (80), and tensors over
 * 1000 elements summarised with `...` keeping 3 items at each edge.
 */
import { getDefaultDtype, DEFAULT_INT, type StorageArray } from "./dtype.js";
import { contiguousStrides } from "./shape.js";
import type { Tensor } from "./tensor.js";

/** torch's PRINT_OPTS (setPrintoptions): sciMode null lets each tensor choose its notation. */
export const printOptions: { precision: number; threshold: number; edgeitems: number; linewidth: number; sciMode: boolean | null } =
  { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };

/** Python's str(float) spelling of non-finite values. */
function nonFinite(v: number): string {
  return v !== v ? "nan" : v > 0 ? "inf" : "-inf";
}

/** A finite double's magnitude as an exact fraction m * 2^e (m, e integers). */
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
function exactBinary(a: number): { m: bigint; e: number } {
  f64[0] = a;
  const bits = u64[0]!;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  return exp === 0 ? { m: frac, e: -1074 } : { m: frac | 0x10000000000000n, e: exp - 1075 };
}

/**
 * round(a * 10^k) for a finite a >= 0, computed exactly with ties to even, as Python's
 * float formatting does. (JS toFixed/toExponential break exact ties upwards, so 0.03125
 * would print as 0.0313 where PyTorch prints 0.0312.)
 */
function roundScaled(a: number, k: number): bigint {
  const { m, e } = exactBinary(a);
  let num = m, den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den, r2 = (num % den) * 2n;
  return r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q;
}

function signOf(v: number): string {
  return v < 0 || Object.is(v, -0) ? "-" : "";
}

/** Python's "{:.Nf}". */
export function formatFixed(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const digits = roundScaled(Math.abs(v), precision).toString().padStart(precision + 1, "0");
  const body = precision === 0 ? digits : digits.slice(0, -precision) + "." + digits.slice(-precision);
  return signOf(v) + body;
}

/** Python's "{:.Ne}": ties to even, at least two exponent digits. */
export function formatSci(v: number, precision: number): string {
  if (!Number.isFinite(v)) return nonFinite(v);
  const a = Math.abs(v);
  let exp = 0, n = 0n;
  if (a !== 0) {
    const lo = 10n ** BigInt(precision), hi = lo * 10n;
    exp = Math.floor(Math.log10(a));
    // log10 can be off by one near powers of ten, and rounding can carry into a new digit
    for (let tries = 0; tries < 4; tries++) {
      n = roundScaled(a, precision - exp);
      if (n >= hi) exp++;
      else if (n < lo) exp--;
      else break;
    }
  }
  const digits = n.toString().padStart(precision + 1, "0");
  const mant = precision === 0 ? digits : digits[0] + "." + digits.slice(1);
  const e = Math.abs(exp).toString().padStart(2, "0");
  return `${signOf(v)}${mant}e${exp < 0 ? "-" : "+"}${e}`;
}

class Formatter {
  private intMode = true;
  private sciMode = false;
  width = 1;

  // int64 values arrive as bigints, which only the non-floating path (String(v)) sees
  constructor(private readonly floating: boolean, private readonly isBool: boolean, values: number[]) {
    const p = printOptions.precision;
    if (!floating) {
      for (const v of values) this.width = Math.max(this.width, this.plain(v).length);
      return;
    }
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    const abs = finite.map(Math.abs);
    const min = Math.min(...abs), max = Math.max(...abs);
    this.intMode = finite.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.width = Math.max(this.width, formatSci(v, p).length);
      } else for (const v of finite) this.width = Math.max(this.width, formatFixed(v, 0).length + 1);
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.width = Math.max(this.width, formatSci(v, p).length);
    } else for (const v of finite) this.width = Math.max(this.width, formatFixed(v, p).length);
    if (printOptions.sciMode !== null) this.sciMode = printOptions.sciMode; // forced; the width stays, as PyTorch's
  }

  private plain(v: number): string {
    return this.isBool ? (v ? "True" : "False") : String(v);
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (this.sciMode) s = formatSci(v, printOptions.precision);
    else if (this.intMode) s = Number.isFinite(v) ? formatFixed(v, 0) + "." : nonFinite(v);
    else s = formatFixed(v, printOptions.precision);
    return s.padStart(this.width);
  }
}

/** Indices kept along a dim of size n when summarising. */
function keptIndices(n: number, summarize: boolean): (number | null)[] {
  const e = printOptions.edgeitems;
  if (!summarize || n <= 2 * e) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: e }, (_, i) => i), null, ...Array.from({ length: e }, (_, i) => n - e + i)];
}

function collect(flat: ArrayLike<number>, shape: readonly number[], strides: readonly number[], summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (d: number, off: number) => {
    if (d === shape.length) return void out.push(flat[off]!);
    for (const i of keptIndices(shape[d]!, summarize)) if (i !== null) walk(d + 1, off + i * strides[d]!);
  };
  walk(0, 0);
  return out;
}

function render(flat: ArrayLike<number>, shape: readonly number[], strides: readonly number[], f: Formatter, summarize: boolean, indent: number, d = 0, off = 0): string {
  const nd = shape.length - d;
  if (nd === 0) return f.format(flat[off]!);
  const idx = keptIndices(shape[d]!, summarize);
  if (nd === 1) {
    const perLine = Math.max(1, Math.floor((printOptions.linewidth - indent) / (f.width + 2)));
    const items = idx.map((i) => (i === null ? " ..." : f.format(flat[off + i * strides[d]!]!)));
    const lines: string[] = [];
    for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(", "));
    return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
  }
  const parts = idx.map((i) => (i === null ? "..." : render(flat, shape, strides, f, summarize, indent + 1, d + 1, off + i * strides[d]!)));
  return "[" + parts.join("," + "\n".repeat(nd - 1) + " ".repeat(indent + 1)) + "]";
}

/** The tensor's body, e.g. `[[1., 2.],\n [3., 4.]]`, indented for a prefix of `indent` chars. */
export function formatValues(t: Tensor, indent: number): string {
  const flat = t.toTypedArray<StorageArray>() as ArrayLike<number>;
  const shape = t.shape, strides = contiguousStrides(shape);
  const summarize = t.numel() > printOptions.threshold;
  const values = collect(flat, shape, strides, summarize);
  const f = new Formatter(t.isFloatingPoint(), t.dtype === "bool", values);
  return render(flat, shape, strides, f, summarize, indent);
}

export function formatTensor(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device !== "cpu") suffixes.push(`device='${t.device}'`);
  let body: string;
  if (t.numel() === 0) {
    // as PyTorch: the shape unless it is (0,), and any dtype but the default float one,
    // since there are no values to tell an integer tensor from a float one
    body = "[]";
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")})`);
    if (t.dtype !== getDefaultDtype()) suffixes.push(`dtype=${t.dtype}`);
  } else {
    body = formatValues(t, indent);
    // as PyTorch, the default dtypes go without a suffix: float32, int64 and bool, and int32,
    // Fluxion's default integer dtype (what arange and argmax give: PyTorch prints those
    // without a suffix too); every other dtype is named
    if (!(t.dtype === getDefaultDtype() || t.dtype === DEFAULT_INT || t.dtype === "int64" || t.dtype === "bool")) suffixes.push(`dtype=${t.dtype}`);
  }
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  let out = prefix + body;
  let lastLine = out.length - out.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (lastLine + s.length + 2 > printOptions.linewidth) {
      out += ",\n" + " ".repeat(indent) + s;
      lastLine = indent + s.length;
    } else {
      out += ", " + s;
      lastLine += s.length + 2;
    }
  }
  return out + ")";
}

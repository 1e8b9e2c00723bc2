/**
 * Generated strided loops for the TypeScript CPU backend. An elementwise kernel is a scalar
 * expression (from src/ops/elementwise_table.ts) dropped into a loop over any number of
 * dims with per-operand strides; adjacent dims that are contiguous for every operand are
 * merged first, so a contiguous op becomes one flat loop that V8 optimises well.
 * bfloat16/float16 operands are widened on read and rounded on write inside the loop;
 * int64 operands (bigints) are read as Number and written truncated (H.toI64), unless the
 * kernel labels them "raw": then the expression gets and gives the bigints themselves
 * (the exact int64 forms of src/ops/elementwise_int64.ts, casts, moves).
 *
 * `runElementwiseNative` hands the same collapsed loop to the native kernels (./native.ts)
 * when the addon is loaded, the op/dtypes are ones it handles and the op is big enough for
 * the call to pay off; the generated loops remain the fallback and the reference.
 *
 * Where `new Function` is forbidden (a strict Content-Security-Policy, some edge runtimes:
 * see codegen.ts), the same expression runs as closures (expr.ts) in a generic strided loop.
 */
import { isHalf, type DType, type StorageArray } from "../../tensor/dtype.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";
import { ELEMENTWISE_HELPERS } from "../../ops/elementwise_table.js";
import { INT64_HELPERS } from "../../ops/elementwise_int64.js";
import { nativeElementwise, type NativeEwKind } from "./native.js";
import { codegenAvailable, compileFunction } from "./codegen.js";
import { compileExpr, type ScalarFn } from "./expr.js";

/** An operand's dtype, or "raw": its stored values as they are (bigints for int64). */
export type LoopDType = DType | "raw";

export interface Operand {
  arr: StorageArray;
  strides: readonly number[];
  offset: number;
  dtype: LoopDType;
}

/** The operand with its stored values passed to and from the expression unconverted. */
export function rawOperand(o: Operand): Operand {
  return { ...o, dtype: "raw" };
}

const H = { ...ELEMENTWISE_HELPERS, ...INT64_HELPERS, bf2f: bfloat16BitsToFloat32, h2f: float16BitsToFloat32, f2bf: float32ToBFloat16Bits, f2h: float32ToFloat16Bits };

function readWrap(d: LoopDType, raw: string): string {
  return d === "bfloat16" ? `H.bf2f(${raw})` : d === "float16" ? `H.h2f(${raw})` : d === "int64" ? `Number(${raw})` : raw;
}
function writeWrap(d: LoopDType, v: string): string {
  return d === "bfloat16" ? `H.f2bf(${v})` : d === "float16" ? `H.f2h(${v})` : d === "int64" ? `H.toI64(${v})` : v;
}

const NAMES = ["x", "y", "z"];
type LoopFn = (shape: readonly number[], ...args: unknown[]) => void;
/**
 * Keyed by path (tests switch code generation off and on) and input count, then expression,
 * output dtype and each input dtype: nested maps of strings V8 has hashed already (the
 * table's expressions and the dtype names are constants), because this runs on every small
 * op and a key concatenated from them would be a new string to hash and compare each call.
 */
type LoopCache = Map<string, LoopCache | LoopFn>;
const newCaches = (): LoopCache[] => [new Map(), new Map(), new Map(), new Map()];
const caches = { js: newCaches(), closures: newCaches() };

function compileLoop(inDtypes: readonly LoopDType[], outDtype: LoopDType, expr: string): LoopFn {
  const codegen = codegenAvailable();
  let level = (codegen ? caches.js : caches.closures)[inDtypes.length]!;
  const keys = [expr, outDtype, ...inDtypes];
  for (let k = 0; k < keys.length - 1; k++) {
    let next = level.get(keys[k]!) as LoopCache | undefined;
    if (next === undefined) level.set(keys[k]!, (next = new Map()));
    level = next;
  }
  const last = keys[keys.length - 1]!;
  let fn = level.get(last) as LoopFn | undefined;
  if (fn === undefined) level.set(last, (fn = (codegen ? makeLoop(inDtypes, outDtype, expr) : null) ?? closureLoop(inDtypes, outDtype, expr)));
  return fn;
}

/** The loop as generated source, compiled; null where code generation is not allowed. */
function makeLoop(inDtypes: readonly LoopDType[], outDtype: LoopDType, expr: string): LoopFn | null {
  const n = inDtypes.length;
  const ids = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i)); // a, b, c
  const all = ["o", ...ids];
  const params = all.flatMap((v) => [v, `s${v}`, `p${v}0`]);
  const reads = ids.map((v, i) => `const ${NAMES[i]} = ${readWrap(inDtypes[i]!, `${v}[q${v}]`)};`).join(" ");
  const src = `
return function loop(shape, ${params.join(", ")}, p0, p1) {
  const nd = shape.length;
  if (nd === 0) { ${all.map((v) => `const q${v} = p${v}0;`).join(" ")} ${reads} o[qo] = ${writeWrap(outDtype, expr)}; return; }
  const n0 = shape[nd - 1];
  ${all.map((v) => `const i${v} = s${v}[nd - 1]; let p${v} = p${v}0;`).join("\n  ")}
  let outer = 1;
  for (let d = 0; d < nd - 1; d++) outer *= shape[d];
  const idx = new Int32Array(nd);
  for (let k = 0; k < outer; k++) {
    ${all.map((v) => `let q${v} = p${v};`).join(" ")}
    for (let i = 0; i < n0; i++) {
      ${reads}
      o[qo] = ${writeWrap(outDtype, expr)};
      ${all.map((v) => `q${v} += i${v};`).join(" ")}
    }
    for (let d = nd - 2; d >= 0; d--) {
      ${all.map((v) => `p${v} += s${v}[d];`).join(" ")}
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
      ${all.map((v) => `p${v} -= s${v}[d] * shape[d];`).join(" ")}
    }
  }
};`;
  const make = compileFunction(["H"], src) as ((h: typeof H) => LoopFn) | null;
  return make ? make(H) : null;
}

type Read = (arr: StorageArray, i: number) => number;
type Write = (arr: StorageArray, i: number, v: number | boolean) => void;

function reader(d: LoopDType): Read {
  if (d === "bfloat16") return (a, i) => bfloat16BitsToFloat32(a[i] as number);
  if (d === "float16") return (a, i) => float16BitsToFloat32(a[i] as number);
  if (d === "int64") return (a, i) => Number(a[i]);
  // "raw" int64 values are bigints: they flow through the closures as they are
  return (a, i) => a[i] as number;
}
function writer(d: LoopDType): Write {
  if (d === "bfloat16") return (a, i, v) => void (a[i] = float32ToBFloat16Bits(v as number));
  if (d === "float16") return (a, i, v) => void (a[i] = float32ToFloat16Bits(v as number));
  if (d === "int64") return (a, i, v) => void (a[i] = INT64_HELPERS.toI64(v));
  // a typed array store converts as the generated `o[q] = expr` does (true -> 1, ToInt32, ...)
  return (a, i, v) => void ((a as unknown as (number | boolean)[])[i] = v);
}

/**
 * The loop without code generation: the expression as closures (expr.ts) and a generic
 * walk over the collapsed dims, with the generated loop's argument order.
 */
function closureLoop(inDtypes: readonly LoopDType[], outDtype: LoopDType, expr: string): LoopFn {
  const f: ScalarFn = compileExpr(expr, { Math, Number, H, Infinity, NaN });
  const n = inDtypes.length;
  const reads = inDtypes.map(reader);
  const write = writer(outDtype);
  return (shape, ...args) => {
    const nd = shape.length;
    const arrs: StorageArray[] = [], strides: (readonly number[])[] = [], pos: number[] = [];
    for (let k = 0; k <= n; k++) {
      arrs.push(args[3 * k] as StorageArray);
      strides.push(args[3 * k + 1] as readonly number[]);
      pos.push(args[3 * k + 2] as number);
    }
    const p0 = args[3 * n + 3] as number, p1 = args[3 * n + 4] as number;
    const o = arrs[0]!;
    const value = (q: readonly number[]): number | boolean =>
      f(n > 0 ? reads[0]!(arrs[1]!, q[1]!) : 0, n > 1 ? reads[1]!(arrs[2]!, q[2]!) : 0, n > 2 ? reads[2]!(arrs[3]!, q[3]!) : 0, p0, p1);
    if (nd === 0) {
      write(o, pos[0]!, value(pos));
      return;
    }
    const n0 = shape[nd - 1]!;
    const inner = strides.map((s) => s[nd - 1]!);
    let outer = 1;
    for (let d = 0; d < nd - 1; d++) outer *= shape[d]!;
    const idx = new Int32Array(nd);
    const q = pos.slice();
    for (let k = 0; k < outer; k++) {
      for (let m = 0; m <= n; m++) q[m] = pos[m]!;
      for (let i = 0; i < n0; i++) {
        write(o, q[0]!, value(q));
        for (let m = 0; m <= n; m++) q[m]! += inner[m]!;
      }
      for (let d = nd - 2; d >= 0; d--) {
        for (let m = 0; m <= n; m++) pos[m]! += strides[m]![d]!;
        if (++idx[d]! < shape[d]!) break;
        idx[d] = 0;
        for (let m = 0; m <= n; m++) pos[m]! -= strides[m]![d]! * shape[d]!;
      }
    }
  };
}

/**
 * Merges dims that are contiguous for every operand and drops size-1 dims. Returns the
 * reduced shape and, per operand, its strides over that shape.
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  // no elements: one empty dim (a size-0 dim's stride says nothing; it may block merging)
  if (shape.includes(0)) return { shape: [0], strides: strides.map(() => [1]) };
  // (plain loops: this runs on every elementwise op, small ones included)
  const m = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let k = 0; k < m; k++) outStrides.push([]);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < m; k++) merge = outStrides[k]![last] === strides[k]![d]! * size;
    if (merge) {
      outShape[last]! *= size;
      for (let k = 0; k < m; k++) outStrides[k]![last] = strides[k]![d]!;
    } else {
      outShape.push(size);
      for (let k = 0; k < m; k++) outStrides[k]!.push(strides[k]![d]!);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * out[i] = expr(ins[0][i], ins[1][i], ...) over `shape`, every operand addressed through its
 * own strides (0 for broadcast dims). Variables in expr: x, y, z for the inputs, p0, p1
 * for params, H.* helpers.
 */
export function runElementwise(shape: readonly number[], out: Operand, ins: readonly Operand[], expr: string, params: readonly number[] = []): void {
  let size = 1;
  for (const s of shape) size *= s;
  if (size === 0) return;
  const { shape: cs, strides } = collapseDims(shape, [out.strides, ...ins.map((o) => o.strides)]);
  const fn = compileLoop(ins.map((o) => o.dtype), out.dtype, expr);
  const args: unknown[] = [out.arr, strides[0], out.offset];
  ins.forEach((o, k) => args.push(o.arr, strides[k + 1], o.offset));
  fn(cs, ...args, params[0] ?? 0, params[1] ?? 0);
}


/**
 * Below this many elements an op stays in TypeScript: the generated loop finishes before
 * the crossing into the addon (argument checks, typed-array lookups) would (measured:
 * both take ~1-2 µs around 32-64 float32 elements).
 */
export const NATIVE_MIN_ELEMENTS = 48;

/**
 * The native version of runElementwise for the op `op` of `kind` (names as in
 * elementwise_table.ts; "where" and "convert" take none). Returns false, having written
 * nothing, when the TypeScript loop should run instead.
 */
export function runElementwiseNative(
  kind: NativeEwKind, op: string | null, shape: readonly number[], out: Operand, ins: readonly Operand[], params: readonly number[] = [],
): boolean {
  let size = 1;
  for (const s of shape) size *= s;
  if (size < NATIVE_MIN_ELEMENTS || out.dtype === "raw" || ins.some((o) => o.dtype === "raw")) return false;
  // float16 is only moved natively; bfloat16 converts to and from float32 (bf16_ewise.cc)
  if (kind === "convert" && out.dtype !== ins[0]!.dtype && (isHalf(out.dtype as DType) || isHalf(ins[0]!.dtype as DType)) &&
      !((out.dtype === "bfloat16" && ins[0]!.dtype === "float32") || (out.dtype === "float32" && ins[0]!.dtype === "bfloat16"))) return false;
  const { shape: cs, strides } = collapseDims(shape, [out.strides, ...ins.map((o) => o.strides)]);
  return nativeElementwise(kind, op, cs, [out, ...ins], strides, params[0] ?? 0, params[1] ?? 0);
}

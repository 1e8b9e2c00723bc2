/**
 * Generated strided loops for the TypeScript CPU backend. An elementwise kernel is a scalar
 * expression (from src/ops/elementwise_table.ts) dropped into a loop over any number of
 * dims with per-operand strides; adjacent dims that are contiguous for every operand are
 * merged first, so a contiguous op becomes one flat loop that V8 optimises well.
 * bfloat16/float16 operands are widened on read and rounded on write inside the loop.
 *
 * `runElementwiseNative` hands the same collapsed loop to the native kernels (./native.ts)
 * when the addon is loaded, the op/dtypes are ones it handles and the op is big enough for
 * the call to pay off; the generated loops remain the fallback and the reference.
 */
import { isHalf, type DType, type TypedArray } from "../../tensor/dtype.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";
import { ELEMENTWISE_HELPERS } from "../../ops/elementwise_table.js";
import { nativeElementwise, type NativeEwKind } from "./native.js";

export interface Operand {
  arr: TypedArray;
  strides: readonly number[];
  offset: number;
  dtype: DType;
}

const H = { ...ELEMENTWISE_HELPERS, bf2f: bfloat16BitsToFloat32, h2f: float16BitsToFloat32, f2bf: float32ToBFloat16Bits, f2h: float32ToFloat16Bits };

function readWrap(d: DType, raw: string): string {
  return d === "bfloat16" ? `H.bf2f(${raw})` : d === "float16" ? `H.h2f(${raw})` : raw;
}
function writeWrap(d: DType, v: string): string {
  return d === "bfloat16" ? `H.f2bf(${v})` : d === "float16" ? `H.f2h(${v})` : v;
}

const NAMES = ["x", "y", "z"];
type LoopFn = (shape: readonly number[], ...args: unknown[]) => void;
const cache = new Map<string, LoopFn>();

function compileLoop(inDtypes: readonly DType[], outDtype: DType, expr: string): LoopFn {
  const key = `${inDtypes.join(",")}>${outDtype}:${expr}`;
  let fn = cache.get(key);
  if (fn) return fn;
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
  fn = new Function("H", src)(H) as LoopFn;
  cache.set(key, fn);
  return fn;
}

/**
 * Merges dims that are contiguous for every operand and drops size-1 dims. Returns the
 * reduced shape and, per operand, its strides over that shape.
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last]! *= size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
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
  if (size < NATIVE_MIN_ELEMENTS) return false;
  // the half types are only moved natively, never converted or computed on
  if (kind === "convert" && out.dtype !== ins[0]!.dtype && (isHalf(out.dtype) || isHalf(ins[0]!.dtype))) return false;
  const { shape: cs, strides } = collapseDims(shape, [out.strides, ...ins.map((o) => o.strides)]);
  return nativeElementwise(kind, op, cs, [out, ...ins], strides, params[0] ?? 0, params[1] ?? 0);
}

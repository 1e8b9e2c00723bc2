/**
 * CPU reductions and scans. The reduced dims are merged into one strided run (copying the
 * input first when they cannot be merged), so each kernel is a loop over kept positions
 * with an inner loop over the run. Accumulation is in float64 (JS numbers), except int64:
 * bigints, exact, wrapping at 2^63 as C's int64 does (the op layer sums and multiplies
 * every integer dtype in int64, as PyTorch).
 * Reductions go to the native kernels (./native.ts) when the addon is loaded and handles
 * the dtypes; the generated loops here are the fallback and the reference. Where
 * `new Function` is forbidden (codegen.ts), closures built from the same REDUCERS table
 * run instead, with the same order of operations (hence the same results).
 */
import type { DType, StorageArray, TypedArray } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs, ReduceOpName } from "../primitives.js";
import { collapseDims } from "./loops.js";
import { alloc } from "./util.js";
import { copy } from "./elementwise.js";
import { nativeAddon, nativeReduce, nativeScan } from "./native.js";
import { codegenAvailable, compileFunction } from "./codegen.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";

const H = { bf2f: bfloat16BitsToFloat32, h2f: float16BitsToFloat32, f2bf: float32ToBFloat16Bits, f2h: float32ToFloat16Bits, Z: 0n, O: 1n, wrap: (v: bigint) => BigInt.asIntN(64, v) };

/**
 * Per op: the accumulator's start, the step folding in value `v` (at position `j` of the
 * run) and the result. max/min/argmax/argmin start from the run's first element (the op
 * layer rejects empty runs for them, except all/any: bool min/max, whose empty result is
 * the identity `empty`). Each step is written twice, as source for the generated loops and
 * as a function for the closure path: `fold` (sum, prod) gives the new accumulator,
 * `takes` (the others) says whether `v` replaces it (and, for argmax/argmin, its index).
 */
const REDUCERS: Record<ReduceOpName, { init: string; step: string; first: boolean; fold?: (acc: number, v: number) => number; takes?: (v: number, acc: number) => boolean }> = {
  sum: { init: "0", step: "acc += v;", first: false, fold: (acc, v) => acc + v },
  prod: { init: "1", step: "acc *= v;", first: false, fold: (acc, v) => acc * v },
  // a NaN wins and stays (NaN compares false, so nothing replaces it)
  max: { init: "0", step: "if (v > acc || v !== v) acc = v;", first: true, takes: (v, acc) => v > acc || v !== v },
  min: { init: "0", step: "if (v < acc || v !== v) acc = v;", first: true, takes: (v, acc) => v < acc || v !== v },
  // first occurrence wins; a NaN counts as the extreme and the first NaN is kept
  argmax: { init: "0", step: "if (acc === acc && (v > acc || v !== v)) { acc = v; bi = j; }", first: true, takes: (v, acc) => acc === acc && (v > acc || v !== v) },
  argmin: { init: "0", step: "if (acc === acc && (v < acc || v !== v)) { acc = v; bi = j; }", first: true, takes: (v, acc) => acc === acc && (v < acc || v !== v) },
};

type ReduceFn = (kept: number[], o: unknown, a: unknown, sa: number[], pa0: number, R: number, rs: number) => void;
const cache = new Map<string, ReduceFn>();

/**
 * int64 runs the same steps on bigints: constants become H.Z/H.O, and a product wraps at
 * every step (a sum only grows by a bit per doubling, and wraps when stored).
 */
function int64Step(op: ReduceOpName, src: string): string {
  return op === "prod" ? "acc = H.wrap(acc * v);" : src;
}
function int64Const(c: string): string {
  // NaN is max/min's empty value, which the op layer never lets int64 reach
  return c === "1" ? "H.O" : c === "0" || c === "NaN" ? "H.Z" : c;
}

function readExpr(d: DType): string {
  return d === "bfloat16" ? "H.bf2f(r)" : d === "float16" ? "H.h2f(r)" : "r";
}
function writeExpr(d: DType, v: string): string {
  return d === "bfloat16" ? `H.f2bf(${v})` : d === "float16" ? `H.f2h(${v})` : v;
}

/** The result of reducing an empty run: the identity of bool min (all) / max (any). */
function emptyValue(op: ReduceOpName, inD: DType): string {
  if (op === "sum") return "0";
  if (op === "prod") return "1";
  if (inD === "bool" && (op === "min" || op === "max")) return op === "min" ? "1" : "0";
  return op === "argmax" || op === "argmin" ? "0" : "NaN";
}

/**
 * Two loop shapes. "inner": each output walks its run (best when the run is contiguous).
 * "outer": the kept dims' innermost is contiguous and the run is strided (a sum over dim 0
 * of a matrix), so rows of the run are swept in order into a row of accumulators, reading
 * memory sequentially instead of striding down columns.
 */
function compileReduce(op: ReduceOpName, inD: DType, outD: DType, shape: "inner" | "outer"): ReduceFn {
  // keyed by the path too: tests switch code generation off and on
  const key = `${codegenAvailable() ? "js" : "closures"}:${op}:${inD}>${outD}:${shape}`;
  let fn = cache.get(key);
  if (fn) return fn;
  fn = makeReduce(op, inD, outD, shape) ?? closureReduce(op, inD, outD);
  cache.set(key, fn);
  return fn;
}

function makeReduce(op: ReduceOpName, inD: DType, outD: DType, shape: "inner" | "outer"): ReduceFn | null {
  const big = inD === "int64";
  const r0 = REDUCERS[op];
  const r = big ? { ...r0, init: int64Const(r0.init), step: int64Step(op, r0.step) } : r0;
  const isArg = op === "argmax" || op === "argmin";
  const result = isArg ? "bi" : "acc";
  const empty = big && !isArg ? int64Const(emptyValue(op, inD)) : emptyValue(op, inD);
  const advance = (last: string) => `
    for (let d = ${last}; d >= 0; d--) {
      pa += sa[d];
      if (++idx[d] < kept[d]) break;
      idx[d] = 0;
      pa -= sa[d] * kept[d];
    }`;
  const body = shape === "inner"
    ? `
  const nd = kept.length;
  let outer = 1;
  for (let d = 0; d < nd; d++) outer *= kept[d];
  const idx = new Int32Array(nd);
  let pa = pa0;
  for (let k = 0; k < outer; k++) {
    if (R === 0) { o[k] = ${writeExpr(outD, empty)}; } else {
      let q = pa, j0 = 0, bi = 0;
      let acc = ${r.first ? "rd(a[q])" : r.init};
      ${r.first ? "q += rs; j0 = 1;" : ""}
      for (let j = j0; j < R; j++) { const v = rd(a[q]); ${r.step} q += rs; }
      o[k] = ${writeExpr(outD, result)};
    }
    ${advance("nd - 1")}
  }`
    : `
  const nd = kept.length, n0 = kept[nd - 1];
  let outer = 1;
  for (let d = 0; d < nd - 1; d++) outer *= kept[d];
  const accs = new ${big ? "BigInt64Array" : "Float64Array"}(n0);
  const bis = new Int32Array(n0);
  const idx = new Int32Array(nd);
  let pa = pa0, ko = 0;
  for (let k = 0; k < outer; k++) {
    if (R === 0) { for (let i = 0; i < n0; i++) o[ko + i] = ${writeExpr(outD, empty)}; } else {
      ${r.first ? "for (let i = 0; i < n0; i++) accs[i] = rd(a[pa + i]);" : `accs.fill(${r.init});`}
      ${isArg ? "bis.fill(0);" : ""}
      for (let j = ${r.first ? 1 : 0}; j < R; j++) {
        let q = pa + j * rs;
        for (let i = 0; i < n0; i++, q++) {
          const v = rd(a[q]);
          let acc = accs[i]${isArg ? ", bi = bis[i]" : ""};
          ${r.step}
          accs[i] = acc;${isArg ? " bis[i] = bi;" : ""}
        }
      }
      for (let i = 0; i < n0; i++) { ${isArg ? "const bi = bis[i];" : "const acc = accs[i];"} o[ko + i] = ${writeExpr(outD, result)}; }
    }
    ko += n0;
    ${advance("nd - 2")}
  }`;
  const src = `
const rd = (r) => ${readExpr(inD)};
return function reduce(kept, o, a, sa, pa0, R, rs) {${body}
};`;
  const make = compileFunction(["H"], src) as ((h: typeof H) => ReduceFn) | null;
  return make ? make(H) : null;
}

const READ: Partial<Record<DType, (r: number) => number>> = { bfloat16: H.bf2f, float16: H.h2f };
const wrapProd = (acc: number, v: number) => BigInt.asIntN(64, BigInt(acc) * BigInt(v)) as unknown as number;
const WRITE: Partial<Record<DType, (v: number) => number>> = { bfloat16: H.f2bf, float16: H.f2h };

/**
 * The reduction without code generation: each output walks its run (the "inner" shape),
 * folding in the same order as the generated loops of either shape.
 */
function closureReduce(op: ReduceOpName, inD: DType, outD: DType): ReduceFn {
  const r = REDUCERS[op];
  const isArg = op === "argmax" || op === "argmin";
  const rd = READ[inD] ?? ((v: number) => v);
  const wr = WRITE[outD] ?? ((v: number) => v);
  // int64: bigint constants (typed as numbers here: only + * < > flow through them)
  const big = inD === "int64";
  const num = (c: string) => (big ? (BigInt(c === "NaN" ? 0 : c) as unknown as number) : Number(c));
  const empty = isArg ? 0 : big ? num(emptyValue(op, inD)) : wr(Number(emptyValue(op, inD)));
  const { takes } = r;
  const fold = big && op === "prod" ? wrapProd : r.fold;
  const init = num(r.init);
  return (kept, o, a, sa, pa0, R, rs) => {
    const out = o as StorageArray as Float64Array, src = a as StorageArray as Float64Array;
    const nd = kept.length;
    let outer = 1;
    for (let d = 0; d < nd; d++) outer *= kept[d]!;
    const idx = new Int32Array(nd);
    let pa = pa0;
    for (let k = 0; k < outer; k++) {
      if (R === 0) out[k] = empty;
      else {
        let q = pa, bi = 0, j = 0;
        let acc = init;
        if (r.first) {
          acc = rd(src[q] as number);
          q += rs;
          j = 1;
        }
        if (fold) for (; j < R; j++, q += rs) acc = fold(acc, rd(src[q] as number));
        else {
          for (; j < R; j++, q += rs) {
            const v = rd(src[q] as number);
            if (takes!(v, acc)) {
              acc = v;
              bi = j;
            }
          }
        }
        out[k] = wr(isArg ? bi : acc);
      }
      for (let d = nd - 1; d >= 0; d--) {
        pa += sa[d]!;
        if (++idx[d]! < kept[d]!) break;
        idx[d] = 0;
        pa -= sa[d]! * kept[d]!;
      }
    }
  };
}

/** Splits x into kept dims and a single strided run over the reduced dims. */
function splitRun(x: Tensor, axes: readonly number[], device: string): { x: Tensor; kept: number[]; keptStrides: number[]; R: number; rs: number } {
  const keptAxes = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const red = collapseDims(axes.map((d) => x.shape[d]!), [axes.map((d) => x.strides[d]!)]);
  if (red.shape.length > 1) {
    // reduced dims are not one strided run: copy with them moved last, then retry
    const perm = [...keptAxes, ...axes];
    const permuted = new Tensor(x.storage, perm.map((d) => x.shape[d]!), perm.map((d) => x.strides[d]!), x.offset, x.dtype);
    const c = copy([permuted], {}, device)[0]!;
    const k = keptAxes.length;
    return splitRun(c, perm.slice(k).map((_, i) => k + i), device);
  }
  const kept = collapseDims(keptAxes.map((d) => x.shape[d]!), [keptAxes.map((d) => x.strides[d]!)]);
  return { x, kept: kept.shape, keptStrides: kept.strides[0]!, R: red.shape[0] ?? 1, rs: red.strides[0]?.[0] ?? 0 };
}

/** Reduction: the native kernels where they apply, the TypeScript reference otherwise. */
export function reduce(inputs: readonly Tensor[], attrs: PrimitiveAttrs["reduce"], device: string): Tensor[] {
  return reduceImpl(inputs, attrs, device, true);
}

/** The TypeScript kernel: every dtype; the reference for the native reductions. */
export function reduceReference(inputs: readonly Tensor[], attrs: PrimitiveAttrs["reduce"], device: string): Tensor[] {
  return reduceImpl(inputs, attrs, device, false);
}

/** Tensors from this many elements sum over dims that are not one strided run in two stages. */
const TWO_STAGE_MIN = 1 << 15;

/**
 * The reduced axes that form one strided run with the innermost one (the reduced axis of
 * smallest stride): [2, 3] of [0, 2, 3] over an NCHW tensor.
 */
function innerRun(x: Tensor, axes: readonly number[]): number[] {
  let a = axes[0]!;
  for (const d of axes) if (Math.abs(x.strides[d]!) < Math.abs(x.strides[a]!)) a = d;
  const run = [a];
  while (a > 0 && axes.includes(a - 1) && x.strides[a - 1] === x.strides[a]! * x.shape[a]!) run.unshift(--a);
  return run;
}

function reduceImpl(inputs: readonly Tensor[], attrs: PrimitiveAttrs["reduce"], device: string, allowNative: boolean): Tensor[] {
  const x0 = inputs[0]!;
  // dims past the last name nothing (a 0-d tensor's dim 0): reducing over them is a copy
  const axes = attrs.axes.filter((a) => a < x0.ndim).sort((a, b) => a - b);
  if (allowNative && attrs.op === "sum" && (x0.dtype === "float32" || x0.dtype === "float64") && axes.length > 1 && x0.numel() >= TWO_STAGE_MIN) {
    // a sum over dims that are not one run (a conv bias gradient, [0, 2, 3]): the innermost
    // run first, then the rest of the (now much smaller) partial sums, instead of copying the
    // whole tensor into one run. Another order of additions than the reference's (a
    // rounding difference); small tensors keep the copy, and the reference's exact bits.
    const inner = innerRun(x0, axes);
    if (inner.length < axes.length && collapseDims(axes.map((d) => x0.shape[d]!), [axes.map((d) => x0.strides[d]!)]).shape.length > 1) {
      const partial = reduceImpl([x0], { op: "sum", axes: inner, keepdim: true }, device, true)[0]!;
      return reduceImpl([partial], { ...attrs, axes }, device, true);
    }
  }
  const outShape = x0.shape.flatMap((s, d) => (axes.includes(d) ? (attrs.keepdim ? [1] : []) : [s]));
  const isArg = attrs.op === "argmax" || attrs.op === "argmin";
  const outD: DType = isArg ? "int32" : x0.dtype;
  // both kernels write every output element (the empty-run value when R = 0)
  const out = alloc(outShape, outD, device, { zero: false });
  if (out.numel() === 0) return [out];
  const { x, kept, keptStrides, R, rs } = splitRun(x0, axes, device);
  // tiny reductions stay in TypeScript: the call into the addon would cost more
  if (allowNative && out.numel() * Math.max(R, 1) >= 48 && nativeReduce(attrs.op, x.dtype, outD, kept, keptStrides, out.storage.data, x.storage.data, x.offset, R, rs)) return [out];
  const nk = kept.length;
  const shape = nk > 0 && keptStrides[nk - 1] === 1 && rs > 1 && kept[nk - 1]! >= 4 ? "outer" : "inner";
  compileReduce(attrs.op, x.dtype, outD, shape)(kept, out.storage.data, x.storage.data, keptStrides, x.offset, R, rs);
  return [out];
}

type ScanFn = (kept: number[], o: unknown, so: number[], a: unknown, sa: number[], pa0: number, R: number, ors: number, ars: number) => void;
const scanCache = new Map<string, ScanFn>();

export function scan(inputs: readonly Tensor[], attrs: PrimitiveAttrs["scan"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, x.dtype, device);
  if (out.numel() === 0) return [out];
  const axis = attrs.axis;
  // a 0-d input scans a run of one element
  const R = x.ndim === 0 ? 1 : x.shape[axis]!;
  if ((x.dtype === "float32" || x.dtype === "float64") && out.numel() >= 256 && nativeAddon()?.scanRows) {
    // the native kernel reads [outer, R, inner] rows from a contiguous input (copied if not)
    const c = x.isContiguous() ? x : copy([x], {}, device)[0]!;
    let outer = 1, inner = 1;
    for (let d = 0; d < x.ndim; d++) {
      if (d < axis) outer *= x.shape[d]!;
      else if (d > axis) inner *= x.shape[d]!;
    }
    if (nativeScan(attrs.op, x.dtype, outer, R, inner, c.storage.data as TypedArray, c.offset, out.storage.data as TypedArray)) return [out];
  }
  const keptAxes = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const kept = collapseDims(keptAxes.map((d) => x.shape[d]!), [keptAxes.map((d) => out.strides[d]!), keptAxes.map((d) => x.strides[d]!)]);
  const key = `${codegenAvailable() ? "js" : "closures"}:${attrs.op}:${x.dtype}`;
  let fn = scanCache.get(key);
  if (!fn) {
    const big = x.dtype === "int64";
    const step = attrs.op === "sum" ? "acc += rd(a[qa]);" : big ? "acc = H.wrap(acc * a[qa]);" : "acc *= rd(a[qa]);";
    const make = compileFunction(["H"], `
const rd = (r) => ${readExpr(x.dtype)};
return function scan(kept, o, so, a, sa, pa0, R, ors, ars) {
  const nd = kept.length;
  let outer = 1;
  for (let d = 0; d < nd; d++) outer *= kept[d];
  const idx = new Int32Array(nd);
  let po = 0, pa = pa0;
  for (let k = 0; k < outer; k++) {
    let acc = ${big ? (attrs.op === "sum" ? "H.Z" : "H.O") : attrs.op === "sum" ? 0 : 1}, qo = po, qa = pa;
    for (let j = 0; j < R; j++) { ${step} o[qo] = ${writeExpr(x.dtype, "acc")}; qo += ors; qa += ars; }
    for (let d = nd - 1; d >= 0; d--) {
      po += so[d]; pa += sa[d];
      if (++idx[d] < kept[d]) break;
      idx[d] = 0; po -= so[d] * kept[d]; pa -= sa[d] * kept[d];
    }
  }
};`) as ((h: typeof H) => ScanFn) | null;
    fn = make ? make(H) : closureScan(attrs.op, x.dtype);
    scanCache.set(key, fn);
  }
  fn(kept.shape, out.storage.data, kept.strides[0]!, x.storage.data, kept.strides[1]!, x.offset, R, out.strides[axis] ?? 0, x.strides[axis] ?? 0);
  return [out];
}

/** The scan without code generation, in the generated loop's order. */
function closureScan(op: "sum" | "prod", d: DType): ScanFn {
  const rd = READ[d] ?? ((v: number) => v);
  const wr = WRITE[d] ?? ((v: number) => v);
  const big = d === "int64";
  const zero = (big ? 0n : 0) as number, one = (big ? 1n : 1) as number;
  const mul = big ? wrapProd : (x: number, y: number) => x * y;
  return (kept, o, so, a, sa, pa0, R, ors, ars) => {
    const out = o as StorageArray as Float64Array, src = a as StorageArray as Float64Array;
    const nd = kept.length;
    let outer = 1;
    for (let d = 0; d < nd; d++) outer *= kept[d]!;
    const idx = new Int32Array(nd);
    let po = 0, pa = pa0;
    for (let k = 0; k < outer; k++) {
      let acc = op === "sum" ? zero : one, qo = po, qa = pa;
      for (let j = 0; j < R; j++) {
        acc = op === "sum" ? acc + rd(src[qa] as number) : mul(acc, rd(src[qa] as number));
        out[qo] = wr(acc);
        qo += ors;
        qa += ars;
      }
      for (let d = nd - 1; d >= 0; d--) {
        po += so[d]!;
        pa += sa[d]!;
        if (++idx[d]! < kept[d]!) break;
        idx[d] = 0;
        po -= so[d]! * kept[d]!;
        pa -= sa[d]! * kept[d]!;
      }
    }
  };
}

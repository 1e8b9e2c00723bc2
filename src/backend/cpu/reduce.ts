/**
 * CPU reductions and scans. The reduced dims are merged into one strided run (copying the
 * input first when they cannot be merged), so each kernel is a loop over kept positions
 * with an inner loop over the run. Accumulation is in float64 (JS numbers).
 */
import type { DType } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs, ReduceOpName } from "../primitives.js";
import { collapseDims } from "./loops.js";
import { alloc } from "./util.js";
import { copy } from "./elementwise.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBFloat16Bits, float32ToFloat16Bits } from "../../tensor/half.js";

const H = { bf2f: bfloat16BitsToFloat32, h2f: float16BitsToFloat32, f2bf: float32ToBFloat16Bits, f2h: float32ToFloat16Bits };

const REDUCERS: Record<ReduceOpName, { init: string; step: string; result: string }> = {
  sum: { init: "let acc = 0;", step: "acc += v;", result: "acc" },
  prod: { init: "let acc = 1;", step: "acc *= v;", result: "acc" },
  max: { init: "let acc = R > 0 ? rd(a[q]) : NaN;", step: "if (v > acc || v !== v) acc = v;", result: "acc" },
  min: { init: "let acc = R > 0 ? rd(a[q]) : NaN;", step: "if (v < acc || v !== v) acc = v;", result: "acc" },
  // first occurrence wins; a NaN counts as the extreme and the first NaN is kept
  argmax: { init: "let best = rd(a[q]), bi = 0;", step: "if (best === best && (v > best || v !== v)) { best = v; bi = j; }", result: "bi" },
  argmin: { init: "let best = rd(a[q]), bi = 0;", step: "if (best === best && (v < best || v !== v)) { best = v; bi = j; }", result: "bi" },
};

type ReduceFn = (kept: number[], o: unknown, a: unknown, sa: number[], pa0: number, R: number, rs: number) => void;
const cache = new Map<string, ReduceFn>();

function readExpr(d: DType): string {
  return d === "bfloat16" ? "H.bf2f(r)" : d === "float16" ? "H.h2f(r)" : "r";
}
function writeExpr(d: DType, v: string): string {
  return d === "bfloat16" ? `H.f2bf(${v})` : d === "float16" ? `H.f2h(${v})` : v;
}

function compileReduce(op: ReduceOpName, inD: DType, outD: DType): ReduceFn {
  const key = `${op}:${inD}>${outD}`;
  let fn = cache.get(key);
  if (fn) return fn;
  const r = REDUCERS[op];
  const src = `
const rd = (r) => ${readExpr(inD)};
return function reduce(kept, o, a, sa, pa0, R, rs) {
  const nd = kept.length;
  let outer = 1;
  for (let d = 0; d < nd; d++) outer *= kept[d];
  const idx = new Int32Array(nd);
  let pa = pa0;
  for (let k = 0; k < outer; k++) {
    let q = pa;
    ${r.init}
    for (let j = 0; j < R; j++) { const v = rd(a[q]); ${r.step} q += rs; }
    o[k] = ${writeExpr(outD, r.result)};
    for (let d = nd - 1; d >= 0; d--) {
      pa += sa[d];
      if (++idx[d] < kept[d]) break;
      idx[d] = 0;
      pa -= sa[d] * kept[d];
    }
  }
};`;
  fn = new Function("H", src)(H) as ReduceFn;
  cache.set(key, fn);
  return fn;
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

export function reduce(inputs: readonly Tensor[], attrs: PrimitiveAttrs["reduce"], device: string): Tensor[] {
  const x0 = inputs[0]!;
  const axes = [...attrs.axes].sort((a, b) => a - b);
  const outShape = x0.shape.flatMap((s, d) => (axes.includes(d) ? (attrs.keepdim ? [1] : []) : [s]));
  const isArg = attrs.op === "argmax" || attrs.op === "argmin";
  const outD: DType = isArg ? "int32" : x0.dtype;
  const out = alloc(outShape, outD, device);
  if (out.numel() === 0) return [out];
  const { x, kept, keptStrides, R, rs } = splitRun(x0, axes, device);
  compileReduce(attrs.op, x.dtype, outD)(kept, out.storage.data, x.storage.data, keptStrides, x.offset, R, rs);
  return [out];
}

type ScanFn = (kept: number[], o: unknown, so: number[], a: unknown, sa: number[], pa0: number, R: number, ors: number, ars: number) => void;
const scanCache = new Map<string, ScanFn>();

export function scan(inputs: readonly Tensor[], attrs: PrimitiveAttrs["scan"], device: string): Tensor[] {
  const x = inputs[0]!;
  const out = alloc(x.shape, x.dtype, device);
  if (out.numel() === 0) return [out];
  const axis = attrs.axis;
  const keptAxes = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const kept = collapseDims(keptAxes.map((d) => x.shape[d]!), [keptAxes.map((d) => out.strides[d]!), keptAxes.map((d) => x.strides[d]!)]);
  const key = `${attrs.op}:${x.dtype}`;
  let fn = scanCache.get(key);
  if (!fn) {
    const step = attrs.op === "sum" ? "acc += rd(a[qa]);" : "acc *= rd(a[qa]);";
    fn = new Function("H", `
const rd = (r) => ${readExpr(x.dtype)};
return function scan(kept, o, so, a, sa, pa0, R, ors, ars) {
  const nd = kept.length;
  let outer = 1;
  for (let d = 0; d < nd; d++) outer *= kept[d];
  const idx = new Int32Array(nd);
  let po = 0, pa = pa0;
  for (let k = 0; k < outer; k++) {
    let acc = ${attrs.op === "sum" ? 0 : 1}, qo = po, qa = pa;
    for (let j = 0; j < R; j++) { ${step} o[qo] = ${writeExpr(x.dtype, "acc")}; qo += ors; qa += ars; }
    for (let d = nd - 1; d >= 0; d--) {
      po += so[d]; pa += sa[d];
      if (++idx[d] < kept[d]) break;
      idx[d] = 0; po -= so[d] * kept[d]; pa -= sa[d] * kept[d];
    }
  }
};`)(H) as ScanFn;
    scanCache.set(key, fn);
  }
  fn(kept.shape, out.storage.data, kept.strides[0]!, x.storage.data, kept.strides[1]!, x.offset, x.shape[axis]!, out.strides[axis]!, x.strides[axis]!);
  return [out];
}

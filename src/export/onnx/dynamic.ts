/**
 * Dynamic axes for onnx.export (PyTorch's `dynamic_axes`): named symbolic sizes, such as a
 * batch axis and a sequence axis. The lowering bakes every shape into int64 constants
 * (Reshape targets, Slice bounds, Expand shapes); to let the sizes vary, the model is traced
 * and lowered again with each symbol one larger, every combination (2^S graphs for S symbols,
 * the examples' slices repeated along the grown axes), and once with every symbol two larger
 * as a check. The graphs must have the same nodes and attributes; an int64 constant that
 * differs must be, element by element, a multilinear polynomial of the symbols' sizes (a + b·B
 * + c·T + d·B·T for batch B and sequence T: flattening [B, T, C] to [B·T, C] gives the
 * product), fitted exactly on the 2^S graphs and checked on the last; it is then computed at
 * run time from the inputs' Shape. Anything else that changes with a symbol (a constant of
 * another type or length, an attribute) is an error naming the ONNX node.
 *
 * A symbol on several inputs is one size (the examples must agree on it). An output axis
 * named by a symbol of the inputs must follow it; one named by a symbol no input has is only
 * labelled (ONNX allows that); every other output axis must keep its size.
 */
import { ArgumentError, FluxionError } from "../../errors.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { arange } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { traceFunction, type TracedGraph } from "../capture.js";
import { TRACED_AS_CORE, type Lowered } from "./lower.js";
import { ONNX_DTYPE, type OnnxNode, type OnnxTensor } from "./proto.js";

type Axes = Record<string, Record<number, string> | readonly number[]>;

/** Up to this many symbols: 2^S + 1 more traces. */
const MAX_SYMBOLS = 4;

/** Each named input's or output's dynamic axes, as axis -> symbol name (PyTorch's default names for the list form). */
function parseAxes(op: string, name: string, spec: Record<number, string> | readonly number[], rank: number): Map<number, string> {
  const out = new Map<number, string>();
  const bad = (why: string) => new ArgumentError(`${op}: dynamicAxes['${name}'] ${why}, got ${JSON.stringify(spec)}`);
  const axisOf = (a: unknown) => {
    const n = typeof a === "number" ? a : typeof a === "string" && /^-?\d+$/.test(a) ? Number(a) : NaN;
    if (!Number.isInteger(n) || n < -rank || n >= rank) throw bad(`must name axes of a rank-${rank} tensor (0 to ${rank - 1})`);
    return n < 0 ? n + rank : n;
  };
  if (Array.isArray(spec)) spec.forEach((a, i) => out.set(axisOf(a), `${name}_dynamic_axes_${i + 1}`));
  else if (spec !== null && typeof spec === "object") {
    for (const [a, s] of Object.entries(spec)) {
      if (typeof s !== "string" || s === "") throw bad("must map each axis to a non-empty name");
      out.set(axisOf(a), s);
    }
  } else throw bad("must be an object of {axis: name} or a list of axes");
  return out;
}

export function makeAxesDynamic(
  op: string, fn: (...xs: Tensor[]) => Tensor | Tensor[], ins: readonly Tensor[], traced: TracedGraph, lowered: Lowered,
  inputNames: readonly string[], outputNames: readonly string[], axes: Axes, lower: (t: TracedGraph) => Lowered,
): { lowered: Lowered; dims: { inputs: (string | number)[][]; outputs: (string | number)[][] } } {
  if (axes === null || typeof axes !== "object" || Array.isArray(axes)) throw new ArgumentError(`${op}: dynamicAxes must be an object of {name: {axis: "symbol"}}`);
  for (const k of Object.keys(axes)) {
    if (!inputNames.includes(k) && !outputNames.includes(k)) throw new ArgumentError(`${op}: dynamicAxes names '${k}', which is not an input or output (${[...inputNames, ...outputNames].join(", ")})`);
  }
  const outShape = (t: TracedGraph, k: number) => t.graph.values[t.outputs[k]!]!.shape;
  const inAxes = inputNames.map((n, k) => (axes[n] !== undefined ? parseAxes(op, n, axes[n]!, ins[k]!.ndim) : new Map<number, string>()));
  const outAxes = outputNames.map((n, k) => (axes[n] !== undefined ? parseAxes(op, n, axes[n]!, outShape(traced, k).length) : new Map<number, string>()));
  // the symbols the inputs carry, each with its example size
  const size = new Map<string, number>();
  inAxes.forEach((m, k) => m.forEach((s, a) => {
    const n = ins[k]!.shape[a]!;
    const had = size.get(s);
    if (had !== undefined && had !== n) throw new ArgumentError(`${op}: dynamic axis '${s}' has size ${had} in one input and ${n} in '${inputNames[k]}' (axis ${a}); one name is one size`);
    if (n === 0) throw new ArgumentError(`${op}: dynamic axis '${s}' of '${inputNames[k]}' has size 0 in the example; give an example with at least one element there`);
    size.set(s, n);
  }));
  const symbols = [...size.keys()];
  if (symbols.length === 0) throw new ArgumentError(`${op}: dynamicAxes must make at least one axis of an input dynamic`);
  if (symbols.length > MAX_SYMBOLS) throw new ArgumentError(`${op}: at most ${MAX_SYMBOLS} dynamic axis names, got ${symbols.length} (${symbols.join(", ")})`);
  const S = symbols.length;

  // traces with symbol s grown by grow[s] (the slices along its axes repeated cyclically)
  const variant = (grow: readonly number[]) => {
    const xs = ins.map((x, k) => {
      let y = x;
      inAxes[k]!.forEach((s, a) => {
        const e = grow[symbols.indexOf(s)]!;
        if (e > 0) y = noGrad(() => y.indexSelect(a, arange(x.shape[a]! + e, { dtype: "int32" }).remainder(x.shape[a]!)));
      });
      return y;
    });
    const what = symbols.map((s, i) => `${s} = ${size.get(s)! + grow[i]!}`).join(", ");
    let t: TracedGraph;
    try {
      t = traceFunction(op, fn, xs, TRACED_AS_CORE, false);
    } catch (e) {
      throw new FluxionError(`${op}: the model does not run with the dynamic axes at other sizes (${what}): ${(e as Error).message}`);
    }
    return { grow, t, l: lower(t), what };
  };
  // corners of the unit cube (bit i of c: symbol i one larger); corner 0 is the example itself
  const corners = Array.from({ length: 2 ** S }, (_, c) => (c === 0 ? { grow: symbols.map(() => 0), t: traced, l: lowered, what: "the example" } : variant(symbols.map((_, i) => (c >> i) & 1))));
  const check = variant(symbols.map(() => 2));
  const all = [...corners, check];

  // outputs: a named axis follows its symbol; the others keep their sizes
  const sizeIn = (v: { grow: readonly number[] }, s: string) => size.get(s)! + v.grow[symbols.indexOf(s)]!;
  traced.outputs.forEach((_, k) => {
    const shapes = all.map((v) => outShape(v.t, k));
    if (shapes.some((sh) => sh.length !== shapes[0]!.length)) throw new FluxionError(`${op}: output '${outputNames[k]}' changes its rank with the dynamic axes`);
    const axesK = outAxes[k]!;
    for (let a = 0; a < shapes[0]!.length; a++) {
      const s = axesK.get(a);
      const seen = shapes.map((sh) => sh[a]!);
      if (s === undefined) {
        if (seen.some((n) => n !== seen[0])) throw new FluxionError(`${op}: output '${outputNames[k]}' changes its axis ${a} with the dynamic axes (${seen.join(", ")} for ${all.map((v) => v.what).join("; ")}); name it in dynamicAxes or export with fixed shapes`);
      } else if (size.has(s) && seen.some((n, i) => n !== sizeIn(all[i]!, s))) {
        throw new FluxionError(`${op}: output '${outputNames[k]}' axis ${a} is ${seen.join(", ")} where '${s}' is ${all.map((v) => sizeIn(v, s)).join(", ")}: that axis does not follow '${s}'`);
      }
    }
  });

  const sameNodes = (a: readonly OnnxNode[], b: readonly OnnxNode[]) =>
    a.length === b.length && a.every((n, i) => n.opType === b[i]!.opType && n.inputs.join() === b[i]!.inputs.join() && n.outputs.join() === b[i]!.outputs.join() && JSON.stringify(n.attrs) === JSON.stringify(b[i]!.attrs));
  for (const v of all.slice(1)) {
    if (!sameNodes(lowered.nodes, v.l.nodes)) {
      const i = lowered.nodes.findIndex((n, j) => !sameNodes([n], [v.l.nodes[j] ?? n]));
      throw new FluxionError(`${op}: the traced graph changes with the dynamic axes (${v.what})${i >= 0 ? ` at ONNX node ${lowered.nodes[i]!.name} (${lowered.nodes[i]!.opType})` : ""}; export with fixed shapes`);
    }
  }
  const maps = all.map((v) => new Map(v.l.initializers.map((t) => [t.name, t])));
  const users = (name: string) => lowered.nodes.filter((n) => n.inputs.includes(name)).map((n) => `${n.name} (${n.opType})`).join(", ");

  // d_s = (the symbol's size at run time) - (its example size), as a [1] int64, and the
  // products of d over subsets of symbols, made on first use
  const prelude: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const i64 = (name: string, values: readonly bigint[], dims: readonly number[]) => initializers.push({ name, dims, dataType: ONNX_DTYPE.int64, raw: new Uint8Array(BigInt64Array.from(values).buffer) });
  const deltas = new Map<number, string>();
  const delta = (i: number): string => {
    let d = deltas.get(i);
    if (d !== undefined) return d;
    const s = symbols[i]!;
    const k = inAxes.findIndex((m) => [...m.values()].includes(s));
    const a = [...inAxes[k]!.entries()].find(([, v]) => v === s)![0];
    const dim = `dyn_${i}_size`, base = `dyn_${i}_example`;
    d = `dyn_${i}_delta`;
    prelude.push({ opType: "Shape", name: `Shape_dyn_${i}`, inputs: [inputNames[k]!], outputs: [dim], attrs: [{ name: "start", type: "int", value: a }, { name: "end", type: "int", value: a + 1 }] });
    i64(base, [BigInt(size.get(s)!)], [1]);
    prelude.push({ opType: "Sub", name: `Sub_dyn_${i}`, inputs: [dim, base], outputs: [d], attrs: [] });
    deltas.set(i, d);
    return d;
  };
  const products = new Map<number, string>();
  const product = (subset: number): string => {
    let p = products.get(subset);
    if (p !== undefined) return p;
    const bits = symbols.map((_, i) => i).filter((i) => (subset >> i) & 1);
    p = delta(bits[0]!);
    for (const i of bits.slice(1)) {
      const next = `dyn_prod_${subset}_${i}`;
      prelude.push({ opType: "Mul", name: `Mul_dyn_${subset}_${i}`, inputs: [p, delta(i)], outputs: [next], attrs: [] });
      p = next;
    }
    products.set(subset, p);
    return p;
  };

  for (const t0 of lowered.initializers) {
    const ts = maps.map((m) => m.get(t0.name));
    if (ts.some((t) => !t || t.dims.join() !== t0.dims.join() || t.dataType !== t0.dataType)) {
      throw new FluxionError(`${op}: constant '${t0.name}' changes its shape with the dynamic axes (read by ${users(t0.name)}); export with fixed shapes`);
    }
    if (ts.every((t) => equalBytes(t0.raw, t!.raw))) {
      initializers.push(t0);
      continue;
    }
    if (t0.dataType !== ONNX_DTYPE.int64 || t0.dims.length > 1) throw new FluxionError(`${op}: constant '${t0.name}' (read by ${users(t0.name)}) holds values that depend on the dynamic axes; export with fixed shapes`);
    const vals = ts.map((t) => new BigInt64Array(t!.raw.slice().buffer));
    const n = vals[0]!.length;
    // Möbius inversion over the cube's corners: coef[U] = Σ_{V ⊆ U} (-1)^{|U \ V|} v(V), so
    // v(d) = Σ_U coef[U] Π_{i ∈ U} d_i at every corner; checked where every d_i = 2
    const coef = Array.from({ length: 2 ** S }, (_, U) => {
      const c = new BigInt64Array(n);
      for (let V = U; ; V = (V - 1) & U) {
        const sign = popcount(U & ~V) % 2 === 0 ? 1n : -1n;
        for (let e = 0; e < n; e++) c[e] = c[e]! + sign * vals[V]![e]!;
        if (V === 0) break;
      }
      return c;
    });
    const checkVals = vals[2 ** S]!;
    for (let e = 0; e < n; e++) {
      let want = 0n;
      coef.forEach((c, U) => (want += c[e]! * 2n ** BigInt(popcount(U))));
      if (want !== checkVals[e]) throw new FluxionError(`${op}: constant '${t0.name}' (read by ${users(t0.name)}) is not a multilinear function of the dynamic axes' sizes; export with fixed shapes`);
    }
    // the constant at run time: coef[0] + Σ_{U ≠ ∅} coef[U] · Π d_i (some term is nonzero: the
    // constant differs between corners); a 0-d constant is computed as [1] (the sizes are [1]
    // tensors) and squeezed back
    const dims = t0.dims.length === 0 ? [1] : t0.dims;
    const result = t0.dims.length === 0 ? `${t0.name}_1d` : t0.name;
    const terms = coef.map((c, U) => U).filter((U) => U > 0 && coef[U]!.some((x) => x !== 0n));
    let acc = `${t0.name}_at_example`;
    i64(acc, [...coef[0]!], dims);
    terms.forEach((U, i) => {
      const cn = `${t0.name}_coef_${U}`, term = `${t0.name}_term_${U}`;
      const sum = i === terms.length - 1 ? result : `${t0.name}_sum_${U}`;
      i64(cn, [...coef[U]!], dims);
      prelude.push({ opType: "Mul", name: `Mul_${t0.name}_${U}`, inputs: [product(U), cn], outputs: [term], attrs: [] });
      prelude.push({ opType: "Add", name: `Add_${t0.name}_${U}`, inputs: [acc, term], outputs: [sum], attrs: [] });
      acc = sum;
    });
    if (t0.dims.length === 0) prelude.push({ opType: "Squeeze", name: `Squeeze_${t0.name}`, inputs: [result], outputs: [t0.name], attrs: [] });
  }
  const label = (shape: readonly number[], m: Map<number, string>) => shape.map((n, a) => m.get(a) ?? n);
  return {
    lowered: { nodes: [...prelude, ...lowered.nodes], initializers },
    dims: { inputs: ins.map((x, k) => label(x.shape, inAxes[k]!)), outputs: traced.outputs.map((_, k) => label(outShape(traced, k), outAxes[k]!)) },
  };
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x &= x - 1) c++;
  return c;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A dynamic batch axis for onnx.export. The lowering bakes every shape into int64 constants
 * (Reshape targets, Slice bounds); to let the batch size vary, the model is traced and
 * lowered again at batch sizes B+1 and B+2 (the example's rows repeated). The three ONNX
 * graphs must have the same nodes and attributes; an int64 constant that differs must be
 * a + b·batch in every element (fitted on B, B+1, checked on B+2) and is then computed at
 * run time from the first input's batch size (Shape → Mul → Add). Anything else that
 * changes with the batch size (a constant of another type or length, an attribute) is an
 * error naming the ONNX node. Only axis 0 can be dynamic, and it must be every dynamic
 * input's axis 0 (one symbolic batch size).
 */
import { FluxionError } from "../../errors.js";
import { noGrad } from "../../autograd/grad_mode.js";
import { arange } from "../../tensor/creation.js";
import type { Tensor } from "../../tensor/tensor.js";
import { traceFunction, type TracedGraph } from "../capture.js";
import { TRACED_AS_CORE, type Lowered } from "./lower.js";
import { ONNX_DTYPE, type OnnxNode, type OnnxTensor } from "./proto.js";

type Axes = Record<string, Record<number, string> | readonly number[]>;

function axisName(op: string, name: string, spec: Record<number, string> | readonly number[]): string {
  const keys = Array.isArray(spec) ? spec.map(String) : Object.keys(spec);
  if (keys.length !== 1 || keys[0] !== "0") throw new FluxionError(`${op}: dynamicAxes['${name}'] must name axis 0 only (the batch axis), got ${JSON.stringify(spec)}`);
  return Array.isArray(spec) ? "batch" : String((spec as Record<number, string>)[0]);
}

export function makeBatchDynamic(
  op: string, fn: (...xs: Tensor[]) => Tensor | Tensor[], ins: readonly Tensor[], traced: TracedGraph, lowered: Lowered,
  inputNames: readonly string[], outputNames: readonly string[], axes: Axes, lower: (t: TracedGraph) => Lowered,
): { lowered: Lowered; dims: { inputs: (string | null)[]; outputs: (string | null)[] } } {
  if (axes === null || typeof axes !== "object") throw new FluxionError(`${op}: dynamicAxes must be an object of {name: {0: "batch"}}`);
  for (const k of Object.keys(axes)) {
    if (!inputNames.includes(k) && !outputNames.includes(k)) throw new FluxionError(`${op}: dynamicAxes names '${k}', which is not an input or output (${[...inputNames, ...outputNames].join(", ")})`);
  }
  const inDims = inputNames.map((n) => (axes[n] !== undefined ? axisName(op, n, axes[n]!) : null));
  const outDims = outputNames.map((n) => (axes[n] !== undefined ? axisName(op, n, axes[n]!) : null));
  const first = inDims.findIndex((d) => d !== null);
  if (first < 0) throw new FluxionError(`${op}: dynamicAxes must make the batch axis of at least one input dynamic`);
  const B = ins[first]!.shape[0];
  if (B === undefined) throw new FluxionError(`${op}: input '${inputNames[first]}' has no axis 0 to make dynamic`);
  inDims.forEach((d, k) => {
    if (d !== null && ins[k]!.shape[0] !== B) throw new FluxionError(`${op}: the dynamic inputs must share one batch size, but '${inputNames[k]}' has ${ins[k]!.shape[0]} rows and '${inputNames[first]}' ${B}`);
  });
  // the examples at B+1 and B+2 rows (rows repeated cyclically)
  const grown = (extra: number) => ins.map((x, k) => (inDims[k] === null ? x : noGrad(() => x.indexSelect(0, arange(B + extra, { dtype: "int32" }).remainder(B)))));
  const variants = [1, 2].map((extra) => {
    const t = traceFunction(op, fn, grown(extra), TRACED_AS_CORE);
    return { t, l: lower(t) };
  });
  // outputs: axis 0 is B, B+1, B+2 where made dynamic; every other dim (and undeclared outputs) fixed
  traced.outputs.forEach((_, k) => {
    const shapes = [traced, variants[0]!.t, variants[1]!.t].map((t) => t.graph.values[t.outputs[k]!]!.shape);
    const rest = (sh: readonly number[]) => (outDims[k] === null ? sh : sh.slice(1)).join();
    if (outDims[k] !== null && (shapes[0]![0] !== B || shapes[1]![0] !== B + 1 || shapes[2]![0] !== B + 2)) {
      throw new FluxionError(`${op}: output '${outputNames[k]}' has ${shapes.map((sh) => sh[0]).join(", ")} rows for batch sizes ${B}, ${B + 1}, ${B + 2}: its axis 0 is not the batch axis`);
    }
    if (rest(shapes[0]!) !== rest(shapes[1]!) || rest(shapes[0]!) !== rest(shapes[2]!)) {
      throw new FluxionError(`${op}: output '${outputNames[k]}' changes its shape with the batch size (${shapes.map((sh) => `[${sh.join(", ")}]`).join(", ")}) other than in a dynamic axis 0`);
    }
  });
  const [l1, l2] = [variants[0]!.l, variants[1]!.l];
  const sameNodes = (a: readonly OnnxNode[], b: readonly OnnxNode[]) =>
    a.length === b.length && a.every((n, i) => n.opType === b[i]!.opType && n.inputs.join() === b[i]!.inputs.join() && n.outputs.join() === b[i]!.outputs.join() && JSON.stringify(n.attrs) === JSON.stringify(b[i]!.attrs));
  if (!sameNodes(lowered.nodes, l1.nodes) || !sameNodes(lowered.nodes, l2.nodes)) {
    const i = lowered.nodes.findIndex((n, j) => !sameNodes([n], [l1.nodes[j] ?? n]) || !sameNodes([n], [l2.nodes[j] ?? n]));
    throw new FluxionError(`${op}: the traced graph changes with the batch size${i >= 0 ? ` (at ONNX node ${lowered.nodes[i]!.name}, ${lowered.nodes[i]!.opType})` : ""}; export with fixed shapes`);
  }
  const byName = (l: Lowered) => new Map(l.initializers.map((t) => [t.name, t]));
  const [m1, m2] = [byName(l1), byName(l2)];
  const users = (name: string) => lowered.nodes.filter((n) => n.inputs.includes(name)).map((n) => `${n.name} (${n.opType})`).join(", ");
  const prelude: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let batch: string | null = null;
  for (const t0 of lowered.initializers) {
    const t1 = m1.get(t0.name), t2 = m2.get(t0.name);
    if (!t1 || !t2 || t1.dims.join() !== t0.dims.join() || t2.dims.join() !== t0.dims.join() || t1.dataType !== t0.dataType || t2.dataType !== t0.dataType) {
      throw new FluxionError(`${op}: constant '${t0.name}' changes its shape with the batch size (read by ${users(t0.name)}); export with fixed shapes`);
    }
    if (equalBytes(t0.raw, t1.raw) && equalBytes(t0.raw, t2.raw)) {
      initializers.push(t0);
      continue;
    }
    if (t0.dataType !== ONNX_DTYPE.int64 || t0.dims.length > 1) throw new FluxionError(`${op}: constant '${t0.name}' (read by ${users(t0.name)}) holds values that depend on the batch size; export with fixed shapes`);
    const [v0, v1, v2] = [t0, t1, t2].map((t) => new BigInt64Array(t.raw.slice().buffer));
    const a = new BigInt64Array(v0!.length), c = new BigInt64Array(v0!.length);
    for (let i = 0; i < v0!.length; i++) {
      a[i] = v1![i]! - v0![i]!;
      c[i] = v0![i]! - a[i]! * BigInt(B);
      if (v2![i] !== a[i]! * BigInt(B + 2) + c[i]!) throw new FluxionError(`${op}: constant '${t0.name}' (read by ${users(t0.name)}) is not linear in the batch size; export with fixed shapes`);
    }
    if (batch === null) {
      batch = "batch_size";
      prelude.push({ opType: "Shape", name: "Shape_batch", inputs: [inputNames[first]!], outputs: [batch], attrs: [{ name: "start", type: "int", value: 0 }, { name: "end", type: "int", value: 1 }] });
    }
    const an = `${t0.name}_per_batch`, cn = `${t0.name}_offset`, prod = `${t0.name}_scaled`;
    initializers.push({ name: an, dims: t0.dims, dataType: ONNX_DTYPE.int64, raw: new Uint8Array(a.buffer) });
    initializers.push({ name: cn, dims: t0.dims, dataType: ONNX_DTYPE.int64, raw: new Uint8Array(c.buffer) });
    prelude.push({ opType: "Mul", name: `Mul_${t0.name}`, inputs: [batch, an], outputs: [prod], attrs: [] });
    // a 0-d constant stays 0-d: the batch size is [1], so reshape the sum back
    if (t0.dims.length === 0) {
      const sum = `${t0.name}_1d`;
      prelude.push({ opType: "Add", name: `Add_${t0.name}`, inputs: [prod, cn], outputs: [sum], attrs: [] });
      prelude.push({ opType: "Squeeze", name: `Squeeze_${t0.name}`, inputs: [sum], outputs: [t0.name], attrs: [] });
    } else prelude.push({ opType: "Add", name: `Add_${t0.name}`, inputs: [prod, cn], outputs: [t0.name], attrs: [] });
  }
  return { lowered: { nodes: [...prelude, ...lowered.nodes], initializers }, dims: { inputs: inDims, outputs: outDims } };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

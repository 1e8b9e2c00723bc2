/**
 * Lowering a traced Fluxion graph (capture.ts) to ONNX nodes. Each Fluxion value is a layout
 * (shape, strides, offset) over a buffer; each buffer state has one ONNX tensor holding it
 * contiguously (a graph input, an initializer, a node's output), and a value is derived from
 * it by Reshape / Slice / Transpose / Expand (`layout`), or, for a layout those cannot
 * express, a Gather with constant indices. Values computed only from `full`/`range` (masks,
 * position ids) are computed here and written as initializers. Each primitive maps to a few
 * ONNX operators (`lowerNode`); a primitive or mode without a mapping is a FluxionError
 * naming it and the public op it came from.
 */
import { FluxionError } from "../../errors.js";
import { contiguousStrides } from "../../tensor/shape.js";
import { dispatchAll } from "../../backend/dispatcher.js";
import type { FusedPrimitiveName, PrimitiveAttrs, PrimitiveName } from "../../backend/primitives.js";
import type { DType, StorageArray } from "../../tensor/dtype.js";
import { Tensor } from "../../tensor/tensor.js";
import { Storage } from "../../tensor/storage.js";
import { noGrad } from "../../autograd/grad_mode.js";
import type { IRNode, ValueInfo } from "../../compile/ir.js";
import type { TracedGraph } from "../capture.js";
import { ONNX_DTYPE, type OnnxAttr, type OnnxNode, type OnnxTensor } from "./proto.js";

/** Fused primitives ONNX has no operator for: onnx.export traces them as their core primitives. */
export const TRACED_AS_CORE: ReadonlySet<FusedPrimitiveName> = new Set(["rnnCell", "crossEntropy"]);

export interface LowerOptions {
  opsetVersion: number;
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Names for weight buffers (by the typed array they hold: a parameter's storage). */
  weightNames: Map<StorageArray, { name: string; shape: readonly number[] }>;
  /**
   * full and range (arange) as ONNX nodes whose sizes are int64 constants, instead of values
   * computed at export: with dynamic axes those sizes (a causal mask's, positions') follow them.
   */
  symbolicCreation?: boolean;
}

export interface Lowered {
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);


function onnxType(dtype: DType, what: string): number {
  const t = (ONNX_DTYPE as Record<string, number>)[dtype];
  if (t === undefined) throw new FluxionError(`onnx.export: ${what} has dtype ${dtype}, which ONNX cannot hold`);
  return t;
}

function rawBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
}

interface Base {
  name: string;
  shape: readonly number[];
}

export class Lowering {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly bases = new Map<string, Base>();
  private readonly lowered = new Map<number, string>();
  /** Buffer states computed at export (from full/range only), as contiguous tensors. */
  private readonly folded = new Map<string, Tensor>();
  private n = 0;

  constructor(private readonly t: TracedGraph, private readonly opts: LowerOptions) {
    for (const n of opts.inputNames) this.used.add(n);
    for (const n of opts.outputNames) this.used.add(n);
  }

  /**
   * The buffer state each value reads ("buf@version"), following view nodes to their input:
   * after CSE a view's input may be another (equal) buffer than the one it was recorded over.
   */
  private readonly keyOf = new Map<number, { buf: number; version: number }>();

  run(): Lowered {
    const g = this.t.graph;
    // weights that are not the model's parameters or buffers (a cached mask, a closure's
    // tensor) are constants like computed ones: each value read from them is an initializer
    for (const [buf, data] of this.t.weights) {
      if (!this.opts.weightNames.has(data)) this.folded.set(`${buf}@0`, Tensor._contiguous(new Storage(data, "cpu"), [data.length], g.buffers[buf]!.dtype));
    }
    for (const n of g.nodes) {
      if (n.op === "input") this.keyOf.set(n.outputs[0]!, { buf: n.attrs.buf, version: n.attrs.version });
      else if (n.effect === "view") this.keyOf.set(n.outputs[0]!, this.keyOf.get(n.inputs[0]!)!);
      else for (const o of n.outputs) this.keyOf.set(o, { buf: g.values[o]!.buf, version: g.values[o]!.version });
    }
    this.t.inputs.forEach((v, k) => {
      const info = g.values[v]!;
      this.bases.set(`${info.buf}@0`, { name: this.opts.inputNames[k]!, shape: info.shape });
    });
    for (const n of g.nodes) this.node(n);
    this.t.outputs.forEach((v, k) => this.emit("Identity", [this.value(v)], [], this.opts.outputNames[k]!));
    return { nodes: this.nodes, initializers: this.initializers };
  }

  // ---- names, constants, emitting ----------------------------------------------------------

  private fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${this.n++}`;
    this.used.add(name);
    return name;
  }

  /** Appends an ONNX node; returns its (first) output's name. */
  emit(opType: string, inputs: readonly string[], attrs: readonly OnnxAttr[] = [], output?: string, nOut = 1, doc?: string): string {
    const outs = [output ?? this.fresh(`${opType.toLowerCase()}_out`)];
    for (let i = 1; i < nOut; i++) outs.push(this.fresh(`${opType.toLowerCase()}_out`));
    this.nodes.push({ opType, name: this.fresh(`${opType}_${this.nodes.length}`), inputs, outputs: outs, attrs, ...(doc ? { docString: doc } : {}) });
    return outs[0]!;
  }
  private emitMulti(opType: string, inputs: readonly string[], attrs: readonly OnnxAttr[], nOut: number): string[] {
    this.emit(opType, inputs, attrs, undefined, nOut);
    return [...this.nodes[this.nodes.length - 1]!.outputs];
  }

  initializer(hint: string, dtype: DType, dims: readonly number[], data: ArrayBufferView): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [...dims], dataType: onnxType(dtype, hint), raw: rawBytes(data) });
    return name;
  }
  /** A constant of any dtype ONNX holds, from numbers (or bigints for int64). */
  constant(hint: string, dtype: DType, dims: readonly number[], values: readonly (number | bigint)[]): string {
    if (dtype === "int64") return this.initializer(hint, dtype, dims, BigInt64Array.from(values.map((v) => BigInt(v))));
    const C = ({ float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, uint8: Uint8Array, int8: Int8Array } as Record<string, any>)[dtype];
    if (!C) throw new FluxionError(`onnx.export: a ${dtype} constant is not supported`);
    return this.initializer(hint, dtype, dims, C.from(values.map((v) => (dtype === "bool" ? (Number(v) ? 1 : 0) : Number(v)))));
  }

  i64(values: readonly number[], hint = "const"): string {
    return this.initializer(hint, "int64", [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));
  }
  /** A scalar (0-d) constant of `dtype`. */
  scalar(dtype: DType, value: number, hint = "const"): string {
    const C = ({ float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, uint8: Uint8Array, int8: Int8Array } as Record<string, any>)[dtype];
    if (C === undefined) throw new FluxionError(`onnx.export: a ${dtype} scalar constant is not supported`);
    return this.initializer(hint, dtype, [], C.from([value]));
  }

  // ---- values and layouts -------------------------------------------------------------------

  private baseOf(id: number): Base {
    const v = this.keyOf.get(id)!;
    const key = `${v.buf}@${v.version}`;
    let b = this.bases.get(key);
    if (b !== undefined) return b;
    const role = this.t.roles[v.buf]!;
    if (role.kind !== "weight" || v.version !== 0) throw new FluxionError(`onnx.export: internal error: buffer b${v.buf}@${v.version} read before it is written`);
    const data = this.t.weights.get(v.buf)!;
    const known = this.opts.weightNames.get(data);
    const dtype = this.t.graph.buffers[v.buf]!.dtype;
    b = known && prod(known.shape) === data.length
      ? { name: this.initializer(known.name, dtype, known.shape, data), shape: known.shape }
      : { name: this.initializer(known ? `${known.name}.storage` : "weight", dtype, [data.length], data), shape: [data.length] };
    this.bases.set(key, b);
    return b;
  }

  /** Value `id` as a tensor when its buffer state was computed at export. */
  private foldedValue(id: number): Tensor | undefined {
    const v = this.t.graph.values[id]!;
    const k = this.keyOf.get(id)!;
    const base = this.folded.get(`${k.buf}@${k.version}`);
    if (base === undefined) return undefined;
    return noGrad(() => dispatchAll("view", [base], { shape: v.shape, strides: v.strides, offset: v.offset })[0]!);
  }

  /** The ONNX name holding value `id` (lowering its layout on first use). */
  value(id: number): string {
    const memo = this.lowered.get(id);
    if (memo !== undefined) return memo;
    const v = this.t.graph.values[id]!;
    let name: string;
    const f = this.foldedValue(id);
    if (f !== undefined) {
      const c = noGrad(() => f.contiguous());
      const data = c.storage._peek().subarray(c.offset, c.offset + c.numel());
      name = this.initializer("const", c.dtype, c.shape, data);
    } else name = this.layout(this.baseOf(id), v);
    this.lowered.set(id, name);
    return name;
  }

  /** `base` (the buffer's elements, contiguous in `base.shape`) viewed with v's shape, strides and offset. */
  private layout(base: Base, v: ValueInfo): string {
    const N = prod(base.shape);
    const { shape, strides, offset } = v;
    const numel = prod(shape);
    const c = contiguousStrides(shape);
    const isContig = shape.every((s, d) => s === 1 || strides[d] === c[d]);
    if (offset === 0 && isContig && numel === N) return sameShape(shape, base.shape) ? base.name : this.emit("Reshape", [base.name, this.i64(shape, "shape")]);
    const flat = base.shape.length === 1 ? base.name : this.emit("Reshape", [base.name, this.i64([N], "shape")]);
    if (numel === 0) throw new FluxionError("onnx.export: an empty view is not supported");
    const real = shape.map((_, d) => d).filter((d) => shape[d]! > 1 && strides[d] !== 0);
    const sorted = [...real].sort((a, b) => strides[b]! - strides[a]!);
    const ok = sorted.every((d, j) => {
      if (strides[d]! < 0) return false;
      if (j === sorted.length - 1) return true;
      const inner = sorted[j + 1]!;
      return strides[d]! % strides[inner]! === 0 && strides[d]! >= strides[inner]! * shape[inner]!;
    });
    if (!ok) return this.gatherLayout(flat, v);
    let x: string;
    if (sorted.length === 0) {
      x = this.emit("Slice", [flat, this.i64([offset]), this.i64([offset + 1]), this.i64([0])]);
    } else {
      const t = sorted.map((d) => strides[d]!);
      const s = sorted.map((d) => shape[d]!);
      const factors = [s[0]!, ...t.slice(0, -1).map((ti, j) => ti / t[j + 1]!), t[t.length - 1]!];
      const length = s[0]! * t[0]!;
      let region = flat;
      if (offset !== 0 || length !== N) {
        region = this.emit("Slice", [flat, this.i64([offset]), this.i64([Math.min(offset + length, N)]), this.i64([0])]);
        if (offset + length > N) region = this.emit("Pad", [region, this.i64([0, offset + length - N])], [{ name: "mode", type: "string", value: "constant" }]);
      }
      x = this.emit("Reshape", [region, this.i64(factors, "shape")]);
      const ends = [...s, 1];
      if (ends.some((e, j) => e !== factors[j])) {
        x = this.emit("Slice", [x, this.i64(ends.map(() => 0)), this.i64(ends), this.i64(ends.map((_, j) => j))]);
      }
      x = this.emit("Reshape", [x, this.i64(s, "shape")]);
      const perm = real.map((d) => sorted.indexOf(d));
      if (perm.some((p, i) => p !== i)) x = this.emit("Transpose", [x], [{ name: "perm", type: "ints", value: perm }]);
    }
    const withOnes = shape.map((s, d) => (real.includes(d) ? s : 1));
    if (real.length !== shape.length) x = this.emit("Reshape", [x, this.i64(withOnes, "shape")]);
    if (withOnes.some((s, d) => s !== shape[d])) x = this.emit("Expand", [x, this.i64(shape, "shape")]);
    return x;
  }

  /** Any layout: a Gather of the flat buffer at constant positions. */
  private gatherLayout(flat: string, v: ValueInfo): string {
    const n = prod(v.shape);
    const idx = new BigInt64Array(n);
    const pos = new Array<number>(v.shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let p = v.offset;
      for (let d = 0; d < pos.length; d++) p += pos[d]! * v.strides[d]!;
      idx[i] = BigInt(p);
      for (let d = pos.length - 1; d >= 0; d--) {
        if (++pos[d]! < v.shape[d]!) break;
        pos[d] = 0;
      }
    }
    return this.emit("Gather", [flat, this.initializer("view_index", "int64", v.shape, idx)], [{ name: "axis", type: "int", value: 0 }]);
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private node(n: IRNode): void {
    const g = this.t.graph;
    if (n.op === "input" || n.effect === "view") return; // a layout over its buffer: lowered where it is used
    // values computed only from full/range (and views of them): computed here
    const creation = n.op === "full" || (n.op === "range" && (n.attrs as PrimitiveAttrs["range"]).end === undefined);
    if (n.effect === "pure" && n.inputs.every((i) => this.foldedValue(i) !== undefined) && (n.inputs.length > 0 || n.op === "full" || n.op === "range") && !(creation && this.opts.symbolicCreation)) {
      const outs = noGrad(() => dispatchAll(n.op as PrimitiveName, n.inputs.map((i) => this.foldedValue(i)!), n.attrs, n.device));
      n.outputs.forEach((o, j) => {
        const v = g.values[o]!;
        this.folded.set(`${v.buf}@${v.version}`, noGrad(() => outs[j]!.contiguous()));
      });
      return;
    }
    const outs = lowerPrimitive(this, n, g.values);
    n.outputs.forEach((o, j) => {
      const name = outs[j];
      if (name === undefined) return; // an output the lowering does not produce (must be unused)
      const v = g.values[o]!;
      this.bases.set(`${v.buf}@${v.version}`, { name, shape: v.shape });
      this.lowered.set(o, name);
    });
  }

  /** Names an unsupported primitive or mode. */
  unsupported(n: IRNode, what: string): never {
    throw new FluxionError(`onnx.export: ${what}${n.publicOp ? ` (from ${n.publicOp})` : ""} has no ONNX lowering${n.op.endsWith("Backward") ? " (a gradient: export an inference function, under noGrad, with model.eval())" : ""}`);
  }

  /** Throws when an output the lowering does not produce is read by a later node or returned. */
  requireUnused(n: IRNode, k: number, what: string): void {
    const o = n.outputs[k]!;
    const g = this.t.graph;
    const buf = g.values[o]!.buf;
    const read = g.nodes.some((m) => m.inputs.some((i) => g.values[i]!.buf === buf)) || this.t.outputs.some((i) => g.values[i]!.buf === buf);
    if (read) this.unsupported(n, what);
  }

  get graph(): TracedGraph["graph"] {
    return this.t.graph;
  }

  /** A 1-D constant of `n` copies of `value` in `dtype`. */
  filled(hint: string, dtype: DType, n: number, value: number): string {
    const C = dtype === "float64" ? Float64Array : dtype === "float32" ? Float32Array : null;
    if (C === null) throw new FluxionError(`onnx.export: a ${dtype} normalization is not supported (float32 or float64)`);
    return this.initializer(hint, dtype, [n], new C(n).fill(value));
  }

  get opset(): number {
    return this.opts.opsetVersion;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, d) => s === b[d]);
}

// ---- primitives --------------------------------------------------------------------------------

const UNARY: Record<string, string> = {
  neg: "Neg", abs: "Abs", sign: "Sign", floor: "Floor", ceil: "Ceil", round: "Round", exp: "Exp", log: "Log", sqrt: "Sqrt",
  reciprocal: "Reciprocal", sin: "Sin", cos: "Cos", tan: "Tan", tanh: "Tanh", sigmoid: "Sigmoid", erf: "Erf", relu: "Relu",
  asin: "Asin", acos: "Acos", atan: "Atan", sinh: "Sinh", cosh: "Cosh", asinh: "Asinh", acosh: "Acosh", atanh: "Atanh",
  isnan: "IsNaN", isinf: "IsInf",
};
const BINARY: Record<string, string> = {
  add: "Add", sub: "Sub", mul: "Mul", pow: "Pow", maximum: "Max", minimum: "Min",
  eq: "Equal", lt: "Less", le: "LessOrEqual", gt: "Greater", ge: "GreaterOrEqual",
};
const LOGICAL: Record<string, string> = { logicalAnd: "And", logicalOr: "Or", logicalXor: "Xor" };

/** erf GELU: 0.5·x·(1 + erf(x/√2)) (ONNX Gelu exists from opset 20). */
function gelu(L: Lowering, x: string, dtype: DType, approximate: boolean): string {
  if (L.opset >= 20) return L.emit("Gelu", [x], [{ name: "approximate", type: "string", value: approximate ? "tanh" : "none" }]);
  let inner: string;
  if (approximate) {
    const cube = L.emit("Mul", [L.emit("Mul", [x, x]), x]);
    const arg = L.emit("Mul", [L.emit("Add", [x, L.emit("Mul", [cube, L.scalar(dtype, 0.044715)])]), L.scalar(dtype, Math.sqrt(2 / Math.PI))]);
    inner = L.emit("Tanh", [arg]);
  } else inner = L.emit("Erf", [L.emit("Mul", [x, L.scalar(dtype, Math.SQRT1_2)])]);
  return L.emit("Mul", [L.emit("Mul", [x, L.scalar(dtype, 0.5)]), L.emit("Add", [inner, L.scalar(dtype, 1)])]);
}

function toBool(L: Lowering, x: string, dtype: DType): string {
  return dtype === "bool" ? x : L.emit("Cast", [x], [{ name: "to", type: "int", value: ONNX_DTYPE.bool }]);
}

function reduceOp(L: Lowering, op: string, x: string, axes: readonly number[], keepdim: boolean): string {
  const kd: OnnxAttr = { name: "keepdims", type: "int", value: keepdim ? 1 : 0 };
  if (op === "ReduceSum" || L.opset >= 18) return L.emit(op, [x, L.i64(axes, "axes")], [kd]);
  return L.emit(op, [x], [kd, { name: "axes", type: "ints", value: axes }]);
}

function lowerPrimitive(L: Lowering, n: IRNode, values: readonly ValueInfo[]): (string | undefined)[] {
  const ins = () => n.inputs.map((i) => L.value(i));
  const vin = (k: number) => values[n.inputs[k]!]!;
  const out = values[n.outputs[0]!]!;
  switch (n.op) {
    case "unary": {
      const a = n.attrs as PrimitiveAttrs["unary"];
      const [x] = ins() as [string];
      const dt = vin(0).dtype;
      const p = a.params ?? [];
      if (a.op in UNARY) return [L.emit(UNARY[a.op]!, [x])];
      switch (a.op) {
        case "rsqrt": return [L.emit("Reciprocal", [L.emit("Sqrt", [x])])];
        case "leakyRelu": return [L.emit("LeakyRelu", [x], [{ name: "alpha", type: "float", value: p[0]! }])];
        case "geluErf": return [gelu(L, x, dt, false)];
        case "geluTanh": return [gelu(L, x, dt, true)];
        case "silu": return [L.emit("Mul", [x, L.emit("Sigmoid", [x])])];
        case "clamp": return [L.emit("Clip", [x, L.scalar(dt, p[0]!), L.scalar(dt, p[1]!)])];
        case "powScalar": return [L.emit("Pow", [x, L.scalar(dt, p[0]!)])];
        case "logicalNot": return [L.emit("Not", [toBool(L, x, dt)])];
        case "isfinite": return [L.emit("Not", [L.emit("Or", [L.emit("IsNaN", [x]), L.emit("IsInf", [x])])])];
        case "log2": return [L.emit("Div", [L.emit("Log", [x]), L.scalar(dt, Math.LN2)])];
        case "log10": return [L.emit("Div", [L.emit("Log", [x]), L.scalar(dt, Math.LN10)])];
        case "softplus": {
          const [beta, threshold] = [p[0] ?? 1, p[1] ?? 20];
          const bx = L.emit("Mul", [x, L.scalar(dt, beta)]);
          const sp = L.emit("Div", [L.emit("Softplus", [bx]), L.scalar(dt, beta)]);
          return [L.emit("Where", [L.emit("Greater", [bx, L.scalar(dt, threshold)]), x, sp])];
        }
      }
      return L.unsupported(n, `unary op '${a.op}'`);
    }
    case "binary": {
      const a = n.attrs as PrimitiveAttrs["binary"];
      if (a.inPlace) {
        const v = vin(0);
        const buf = L.graph.buffers[v.buf]!;
        if (!(v.offset === 0 && prod(v.shape) === buf.numel)) L.unsupported(n, `an in-place ${a.op} into part of a tensor`);
      }
      const [x, y] = ins() as [string, string];
      const dt = vin(0).dtype;
      const p = a.params ?? [];
      if (a.op in BINARY) return [L.emit(BINARY[a.op]!, [x, y])];
      if (a.op in LOGICAL) return [L.emit(LOGICAL[a.op]!, [toBool(L, x, dt), toBool(L, y, vin(1).dtype)])];
      switch (a.op) {
        case "ne": return [L.emit("Not", [L.emit("Equal", [x, y])])];
        case "addScaled": return [L.emit("Add", [x, L.emit("Mul", [y, L.scalar(dt, p[0]!)])])];
        case "div":
          if ((p[0] ?? 0) === 0 && (dt === "float32" || dt === "float64")) return [L.emit("Div", [x, y])];
          break;
        case "fmod": return [L.emit("Mod", [x, y], [{ name: "fmod", type: "int", value: dt === "float32" || dt === "float64" ? 1 : 0 }])];
      }
      return L.unsupported(n, `binary op '${a.op}'${a.op === "div" ? " with rounding or integer operands" : ""}`);
    }
    case "where": {
      const [c, x, y] = ins() as [string, string, string];
      return [L.emit("Where", [toBool(L, c, vin(0).dtype), x, y])];
    }
    case "cast": return [L.emit("Cast", ins(), [{ name: "to", type: "int", value: onnxType((n.attrs as PrimitiveAttrs["cast"]).dtype, "cast") }])];
    case "copy": return [L.emit("Identity", ins())];
    case "reduce": {
      const a = n.attrs as PrimitiveAttrs["reduce"];
      const [x] = ins() as [string];
      const axes = a.axes.filter((d) => d < vin(0).shape.length);
      if (axes.length === 0) return [L.emit("Identity", [x])];
      if (a.op === "argmax" || a.op === "argmin") {
        if (axes.length !== 1) L.unsupported(n, `${a.op} over ${axes.length} axes`);
        const r = L.emit(a.op === "argmax" ? "ArgMax" : "ArgMin", [x], [{ name: "axis", type: "int", value: axes[0]! }, { name: "keepdims", type: "int", value: a.keepdim ? 1 : 0 }]);
        return [L.emit("Cast", [r], [{ name: "to", type: "int", value: ONNX_DTYPE.int32 }])];
      }
      const op = { sum: "ReduceSum", prod: "ReduceProd", max: "ReduceMax", min: "ReduceMin" }[a.op];
      return [reduceOp(L, op, x, axes, a.keepdim)];
    }
    case "scan": {
      const a = n.attrs as PrimitiveAttrs["scan"];
      if (a.op !== "sum") L.unsupported(n, "cumulative product (scan prod)");
      return [L.emit("CumSum", [...ins(), L.i64([a.axis], "axis")])];
    }
    case "matmul": {
      const a = n.attrs as PrimitiveAttrs["matmul"];
      const [x, w, b] = ins() as [string, string, string | undefined];
      let y: string;
      if (a.bias === "col" && vin(0).shape.length === 2) y = L.emit("Gemm", [x, w, b!]);
      else {
        y = L.emit("MatMul", [x, w]);
        if (a.bias === "col") y = L.emit("Add", [y, b!]);
        else if (a.bias === "row") y = L.emit("Add", [y, L.emit("Unsqueeze", [b!, L.i64([1], "axes")])]);
      }
      if (a.activation === "relu") y = L.emit("Relu", [y]);
      else if (a.activation === "gelu") y = gelu(L, y, out.dtype, false);
      else if (a.activation === "geluTanh") y = gelu(L, y, out.dtype, true);
      return [y];
    }
    case "cat": return [L.emit("Concat", ins(), [{ name: "axis", type: "int", value: (n.attrs as PrimitiveAttrs["cat"]).axis }])];
    case "pad": {
      const a = n.attrs as PrimitiveAttrs["pad"];
      const pads = [...a.pads.map((p) => p[0]), ...a.pads.map((p) => p[1])];
      return [L.emit("Pad", [...ins(), L.i64(pads, "pads"), L.scalar(vin(0).dtype, a.value as number)], [{ name: "mode", type: "string", value: "constant" }])];
    }
    case "gather": {
      const a = n.attrs as PrimitiveAttrs["gather"];
      const [x, idx] = ins() as [string, string];
      const i64 = L.emit("Cast", [idx], [{ name: "to", type: "int", value: ONNX_DTYPE.int64 }]);
      return [L.emit("GatherElements", [x, i64], [{ name: "axis", type: "int", value: a.axis }])];
    }
    case "softmax": {
      const a = n.attrs as PrimitiveAttrs["softmax"];
      return [L.emit(a.log ? "LogSoftmax" : "Softmax", ins(), [{ name: "axis", type: "int", value: a.axis }])];
    }
    case "batchNorm": {
      const a = n.attrs as PrimitiveAttrs["batchNorm"];
      if (a.training || !a.running) L.unsupported(n, "batchNorm in training mode (batch statistics); call model.eval() before exporting");
      const names = ins();
      const C = vin(0).shape[1]!, dt = vin(0).dtype;
      let k = 1;
      const weight = a.weight ? names[k++]! : L.filled("bn_ones", dt, C, 1);
      const bias = a.bias ? names[k++]! : L.filled("bn_zeros", dt, C, 0);
      const [mean, variance] = [names[k]!, names[k + 1]!];
      L.requireUnused(n, 1, "batchNorm's saved statistics");
      L.requireUnused(n, 2, "batchNorm's saved statistics");
      return [L.emit("BatchNormalization", [names[0]!, weight, bias, mean, variance], [{ name: "epsilon", type: "float", value: a.eps }])];
    }
    case "groupNorm": {
      const a = n.attrs as PrimitiveAttrs["groupNorm"];
      L.requireUnused(n, 1, "groupNorm's saved statistics");
      L.requireUnused(n, 2, "groupNorm's saved statistics");
      const names = ins();
      const shape = vin(0).shape, dt = vin(0).dtype;
      const [N, C] = [shape[0]!, shape[1]!];
      let k = 1;
      const weight = a.weight ? names[k++] : undefined;
      const bias = a.bias ? names[k++] : undefined;
      const eps: OnnxAttr = { name: "epsilon", type: "float", value: a.eps };
      if (a.groups === 1 && shape.length === 2) {
        // LayerNorm over the last dim (nn.LayerNorm and the Transformer layers record this)
        const w = weight ?? L.filled("ln_ones", dt, C, 1);
        return [L.emit("LayerNormalization", [names[0]!, w, ...(bias ? [bias] : [])], [{ name: "axis", type: "int", value: 1 }, eps])];
      }
      const rest = prod(shape) / (N * a.groups);
      const grouped = L.emit("Reshape", [names[0]!, L.i64([N, a.groups, rest], "shape")]);
      const normed = L.emit("LayerNormalization", [grouped, L.filled("gn_ones", dt, rest, 1)], [{ name: "axis", type: "int", value: 2 }, eps]);
      let y = L.emit("Reshape", [normed, L.i64(shape, "shape")]);
      const chan = [C, ...shape.slice(2).map(() => 1)];
      if (weight) y = L.emit("Mul", [y, L.emit("Reshape", [weight, L.i64(chan, "shape")])]);
      if (bias) y = L.emit("Add", [y, L.emit("Reshape", [bias, L.i64(chan, "shape")])]);
      return [y];
    }
    case "conv2d": {
      const a = n.attrs as PrimitiveAttrs["conv2d"];
      if (a.pass !== "forward") L.unsupported(n, `conv2d's ${a.pass} gradient`);
      if (a.pool?.indices) L.unsupported(n, "conv2d with pooling indices");
      let y = L.emit("Conv", ins(), [
        { name: "kernel_shape", type: "ints", value: a.kernel },
        { name: "strides", type: "ints", value: a.stride },
        { name: "pads", type: "ints", value: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]] },
        { name: "dilations", type: "ints", value: a.dilation },
      ]);
      if (a.activation === "relu") y = L.emit("Relu", [y]);
      if (a.pool) y = L.emit("MaxPool", [y], [{ name: "kernel_shape", type: "ints", value: a.pool.kernel }, { name: "strides", type: "ints", value: a.pool.stride }]);
      return [y];
    }
    case "maxPool": {
      const a = n.attrs as PrimitiveAttrs["maxPool"];
      L.requireUnused(n, 1, "maxPool's indices (Fluxion counts them per plane, ONNX over the whole tensor)");
      const [H, W] = [vin(0).shape[2]!, vin(0).shape[3]!];
      const floorSize = (s: number, d: number) => Math.floor((s + 2 * a.padding[d]! - a.dilation[d]! * (a.kernel[d]! - 1) - 1) / a.stride[d]!) + 1;
      const ceil = floorSize(H, 0) !== a.outputSize[0] || floorSize(W, 1) !== a.outputSize[1] ? 1 : 0;
      return [L.emit("MaxPool", ins(), [
        { name: "kernel_shape", type: "ints", value: a.kernel },
        { name: "strides", type: "ints", value: a.stride },
        { name: "pads", type: "ints", value: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]] },
        { name: "dilations", type: "ints", value: a.dilation },
        { name: "ceil_mode", type: "int", value: ceil },
      ])];
    }
    case "unfold": {
      // im2col as a grouped convolution with one-hot kernels: output channel c·kh·kw + i·kw + j
      // picks input channel c at kernel position (i, j), zero padding as unfold's
      const a = n.attrs as PrimitiveAttrs["unfold"];
      const [N, C] = [vin(0).shape[0]!, vin(0).shape[1]!];
      const [kh, kw] = a.kernel, K = kh * kw;
      const w = new Float32Array(C * K * K);
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) w[(c * K + k) * K + k] = 1;
      if (vin(0).dtype !== "float32") L.unsupported(n, `unfold of ${vin(0).dtype}`);
      const y = L.emit("Conv", [...ins(), L.initializer("unfold_kernel", "float32", [C * K, 1, kh, kw], w)], [
        { name: "kernel_shape", type: "ints", value: a.kernel },
        { name: "strides", type: "ints", value: a.stride },
        { name: "pads", type: "ints", value: [a.padding[0], a.padding[1], a.padding[0], a.padding[1]] },
        { name: "dilations", type: "ints", value: a.dilation },
        { name: "group", type: "int", value: C },
      ]);
      return [L.emit("Reshape", [y, L.i64([N, C * K, out.shape[2]!], "shape")])];
    }
    // only with symbolicCreation (else computed at export): the sizes as int64 constants
    case "full": {
      const a = n.attrs as PrimitiveAttrs["full"];
      return [L.emit("Expand", [L.constant("fill", a.dtype, [], [a.value]), L.i64(a.shape, "shape")])];
    }
    case "range": {
      // arange: Range over int64 [0, n), then cast, scaled and shifted in the output dtype
      const a = n.attrs as PrimitiveAttrs["range"];
      let r = L.emit("Range", [L.constant("range_start", "int64", [], [0]), L.constant("range_n", "int64", [], [a.n]), L.constant("range_step", "int64", [], [1])]);
      if (a.dtype !== "int64") r = L.emit("Cast", [r], [{ name: "to", type: "int", value: onnxType(a.dtype, "range") }]);
      if (a.step !== 1) r = L.emit("Mul", [r, L.constant("range_step", a.dtype, [], [a.step])]);
      if (a.start !== 0) r = L.emit("Add", [r, L.constant("range_start", a.dtype, [], [a.start])]);
      return [r];
    }
  }
  return L.unsupported(n, `primitive '${n.op}'`);
}

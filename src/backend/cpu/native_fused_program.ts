/**
 * The typed wrapper of the native fused-program interpreter (native/src/binding_fused_program.cc).
 * The program's instructions travel as an Int32Array (6 slots each: kind, op code, a, b,
 * scalar slot of p0, of p1; -1 for none; a scalar operand is kind 4 with its slot as p0),
 * then one store per output (kind 3: output index, register); the dims, the input count, the iteration space, collapsed over every operand's strides, and each
 * operand's offset and strides (inputs, then outputs) as a Float64Array; the scalars as a
 * Float64Array. Returns false, writing nothing, when the addon is missing or predates this
 * kernel, or the program is not float32; the caller then runs the TypeScript interpreter.
 */
import { FluxionError } from "../../errors.js";
import type { TypedArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { FUSABLE_BINARY, FUSABLE_UNARY, type FusedProgramAttrs } from "../fused_program.js";
import { collapseDims } from "./loops.js";
import { nativeAddon } from "./native.js";
import { broadcastOperand, outOperand } from "./util.js";

interface FusedProgramAddon {
  fusedProgram(params: Float64Array, code: Int32Array, scalars: Float64Array, arrays: TypedArray[]): boolean;
}

let kernel: FusedProgramAddon | null | undefined;
const MAX_DIMS = 8;

function addon(): FusedProgramAddon | null {
  if (kernel === undefined) {
    const a = nativeAddon() as unknown as Partial<FusedProgramAddon> | null;
    kernel = a && typeof a.fusedProgram === "function" ? (a as FusedProgramAddon) : null;
  }
  return kernel;
}

/** The bytecode of a program (cached on the attrs object: a prepared program runs many times). */
const encoded = new WeakMap<readonly unknown[], Int32Array | null>();
function encode(a: FusedProgramAttrs): Int32Array | null {
  let code = encoded.get(a.code);
  if (code !== undefined) return code;
  code = new Int32Array(6 * (a.code.length + a.outputs.length));
  let ok = true;
  a.code.forEach((ins, k) => {
    const s = code!.subarray(6 * k, 6 * k + 6);
    s.fill(-1);
    if (ins.op === "load") {
      s[0] = 0; s[1] = 0; s[2] = ins.input;
      return;
    }
    if (ins.op === "scalar") {
      s[0] = 4; s[1] = 0; s[4] = ins.slot;
      return;
    }
    const c = ins.op === "unary" ? FUSABLE_UNARY[ins.fn] : FUSABLE_BINARY[ins.fn];
    if (c === undefined) ok = false;
    s[0] = ins.op === "unary" ? 1 : 2; s[1] = c ?? 0; s[2] = ins.a;
    if (ins.op === "binary") s[3] = ins.b;
    if (ins.params?.[0] !== undefined) s[4] = ins.params[0];
    if (ins.params?.[1] !== undefined) s[5] = ins.params[1];
  });
  a.outputs.forEach((o, k) => {
    const s = code!.subarray(6 * (a.code.length + k), 6 * (a.code.length + k) + 6);
    s.fill(-1);
    s[0] = 3; s[1] = 0; s[2] = o.reg; s[3] = k;
  });
  if (!ok) code = null;
  encoded.set(a.code, code);
  return code;
}

/**
 * The parameter block of the last layouts a program ran over (one entry per program: a
 * compiled step runs each of its programs over the same layouts every call, so the block is
 * built once and only the arrays change). Reused only when every operand's shape, strides
 * and offset equal the ones it was built for (sameLayouts); otherwise rebuilt.
 */
interface LayoutBlock {
  /** The input count, the program's ndim and shape, then per operand (inputs, then outputs): ndim, then shape and strides per dim, offset. */
  layouts: number[];
  params: Float64Array;
  scalars: Float64Array;
}
const blocks = new WeakMap<readonly unknown[], LayoutBlock>();

function pushLayout(out: number[], t: Tensor): void {
  out.push(t.shape.length);
  for (let d = 0; d < t.shape.length; d++) out.push(t.shape[d]!, t.strides[d]!);
  out.push(t.offset);
}

function programLayout(inputs: readonly Tensor[], shape: readonly number[]): number[] {
  return [inputs.length, shape.length, ...shape];
}

function sameLayouts(layouts: readonly number[], inputs: readonly Tensor[], shape: readonly number[], outs: readonly Tensor[]): boolean {
  if (layouts[0] !== inputs.length || layouts[1] !== shape.length) return false;
  let i = 2;
  for (let d = 0; d < shape.length; d++) if (layouts[i++] !== shape[d]) return false;
  for (let j = 0; j < inputs.length + outs.length; j++) {
    const t = j < inputs.length ? inputs[j]! : outs[j - inputs.length]!;
    const nd = t.shape.length;
    if (layouts[i++] !== nd) return false;
    for (let d = 0; d < nd; d++) if (layouts[i++] !== t.shape[d] || layouts[i++] !== t.strides[d]) return false;
    if (layouts[i++] !== t.offset) return false;
  }
  return i === layouts.length;
}

/** The parameter block of `a` over these operands' layouts (see nativeFusedProgram's header); null past MAX_DIMS. */
function paramBlock(inputs: readonly Tensor[], a: FusedProgramAttrs, outs: readonly Tensor[]): LayoutBlock | null {
  const cached = blocks.get(a.code);
  if (cached !== undefined && cached.scalars.length === a.scalars.length && sameLayouts(cached.layouts, inputs, a.shape, outs)) return cached;
  const ops = [...inputs.map((t) => broadcastOperand(t, a.shape)), ...outs.map(outOperand)];
  const { shape, strides } = collapseDims(a.shape, ops.map((o) => o.strides));
  const nd = shape.length;
  if (nd > MAX_DIMS) return null;
  const p = new Float64Array(2 + nd + ops.length * (1 + nd));
  p[0] = nd;
  p[1] = inputs.length;
  for (let d = 0; d < nd; d++) p[2 + d] = shape[d]!;
  ops.forEach((o, j) => {
    const base = 2 + nd + j * (1 + nd);
    p[base] = o.offset;
    for (let d = 0; d < nd; d++) p[base + 1 + d] = strides[j]![d]!;
  });
  const layouts = programLayout(inputs, a.shape);
  for (const t of inputs) pushLayout(layouts, t);
  for (const t of outs) pushLayout(layouts, t);
  const block = { layouts, params: p, scalars: new Float64Array(a.scalars.length) };
  blocks.set(a.code, block);
  return block;
}

/** Runs the program natively into `outs` (new outputs, or the inputs written in place); false when it cannot. */
export function nativeFusedProgram(inputs: readonly Tensor[], a: FusedProgramAttrs, outs: readonly Tensor[]): boolean {
  if (a.dtype !== "float32") return false;
  const k = addon();
  if (k === null) return false;
  const code = encode(a);
  if (code === null) return false;
  const block = paramBlock(inputs, a, outs);
  if (block === null) return false;
  const scalars = block.scalars;
  for (let i = 0; i < scalars.length; i++) scalars[i] = a.scalars[i]!;
  const arrays: TypedArray[] = [];
  for (const t of inputs) arrays.push(t.storage.data as TypedArray);
  for (const t of outs) arrays.push(t.storage.data as TypedArray);
  try {
    return k.fusedProgram(block.params, code, scalars, arrays);
  } catch (e) {
    throw new FluxionError(`fusedProgram (native): ${(e as Error).message}`);
  }
}

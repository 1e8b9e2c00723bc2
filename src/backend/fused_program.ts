/**
 * The fused-program primitive, `fusedProgram`: a straight-line program of elementwise
 * instructions over one iteration space, run as one kernel (compile()'s elementwise fusion,
 * src/compile/passes/fuse_elementwise.ts, makes them; nothing in eager code does). It is an
 * optional ("fused") primitive like softmax: the CPU backend runs it as a numexpr-style
 * interpreter (native: native/src/fused_program*.cc over L1-sized blocks; TypeScript:
 * cpu/fused_program.ts), the WebGPU backend generates one WGSL kernel per program
 * (webgpu/fused_program.ts), and a backend without it gets the decomposition below, which
 * runs each instruction as the core primitive it came from.
 *
 * Registers are numbered by instruction: instruction k defines register k.
 *   { op: "load", input: i }                        input i, broadcast to `shape`
 *   { op: "scalar", slot: s }                       scalars[s] rounded to the program's dtype,
 *                                                   the same at every element (a JS scalar such
 *                                                   as lr read as an operand: no tensor, no kernel)
 *   { op: "unary", fn, a, params? }                 unary primitive fn on register a
 *   { op: "binary", fn, a, b, params? }             binary primitive fn on registers a, b
 * `params` are indices into `scalars` (the JS scalars of the recorded nodes: this call's
 * values, never constants of the program). Each output stores a register: a new contiguous
 * tensor of `shape`, or with `inPlace: i` into input i (which has `shape` exactly), returned
 * as that output. All of a program's loads happen before its stores for each element, so an
 * input written in place may be read (at the same layout) by the same program.
 *
 * Programs are made of the ops in FUSABLE_UNARY / FUSABLE_BINARY (the ones the native
 * interpreter computes exactly as the eager kernels do, bit for bit on the same path), in
 * float32, or in float16, where each instruction's result is rounded to float16 as the eager
 * kernel's store rounds it (so a program gives its unfused ops' values on every backend).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import { BINARY_OPS, UNARY_OPS, type BinaryOpName, type UnaryOpName } from "../ops/elementwise_table.js";
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { dispatch } from "./dispatcher.js";

export type FusedInstr =
  | { op: "load"; input: number }
  | { op: "scalar"; slot: number }
  | { op: "unary"; fn: UnaryOpName; a: number; params?: readonly number[] }
  | { op: "binary"; fn: BinaryOpName; a: number; b: number; params?: readonly number[] };

export interface FusedOutput {
  reg: number;
  /** Written into this input (of the program's shape) instead of a new tensor. */
  inPlace?: number;
}

export interface FusedProgramAttrs {
  shape: readonly number[];
  dtype: DType;
  code: readonly FusedInstr[];
  scalars: readonly number[];
  outputs: readonly FusedOutput[];
}

export interface FusedProgramPrimitiveAttrs {
  fusedProgram: FusedProgramAttrs;
}

/** Unary ops a program may hold, with their native op codes (native/src/fused_program.inc). */
export const FUSABLE_UNARY: Partial<Record<UnaryOpName, number>> = {
  neg: 0, abs: 1, relu: 2, sqrt: 3, exp: 4, log: 5, log1p: 6, expm1: 7, tanh: 8, sigmoid: 9, silu: 10,
  geluErf: 11, geluTanh: 12, erf: 13, rsqrt: 14, reciprocal: 15, leakyRelu: 16, clamp: 17,
};
/** Binary ops a program may hold (div only without a rounding mode), with their native codes. */
export const FUSABLE_BINARY: Partial<Record<BinaryOpName, number>> = {
  add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, addScaled: 6, reluGrad: 7, sigmoidGrad: 8,
};

// ---- the contract, checked by the dispatcher ----------------------------------------------

function bad(msg: string): never {
  throw new ArgumentError(`fusedProgram: ${msg}`);
}

// (module-level, not closures: checkFusedProgram runs on every dispatch of a program)
function reg(r: unknown, k: number): void {
  if (!Number.isInteger(r) || (r as number) < 0 || (r as number) >= k) bad(`instruction ${k} reads register ${String(r)}, which is not defined before it`);
}
function slot(s: unknown, k: number, nScalars: number): void {
  if (!Number.isInteger(s) || (s as number) < 0 || (s as number) >= nScalars) bad(`instruction ${k} reads scalar ${String(s)} of ${nScalars}`);
}
function slots(p: readonly number[] | undefined, k: number, nScalars: number): void {
  if (p !== undefined) for (const s of p) slot(s, k, nScalars);
}

export function checkFusedProgram(inputs: readonly unknown[], a: FusedProgramAttrs): void {
  if (a === null || typeof a !== "object" || !Array.isArray(a.shape) || !Array.isArray(a.code) || !Array.isArray(a.outputs) || !Array.isArray(a.scalars)) {
    bad("attributes must hold shape, code, scalars and outputs arrays");
  }
  if (!a.shape.every((s) => Number.isSafeInteger(s) && s >= 0)) bad(`bad shape ${String(a.shape)}`);
  if (a.dtype !== "float32" && a.dtype !== "float64" && a.dtype !== "float16") throw new DTypeError(`fusedProgram: programs compute in float32, float64 or float16, got ${String(a.dtype)}`);
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) bad("inputs must be tensors");
  const ts = inputs as readonly Tensor[];
  const nd = a.shape.length;
  for (const [i, t] of ts.entries()) {
    if (t.dtype !== a.dtype) throw new DTypeError(`fusedProgram: input ${i} has dtype ${t.dtype}, the program computes in ${a.dtype}`);
    const off = nd - t.ndim;
    if (off < 0 || t.shape.some((s, d) => s !== 1 && s !== a.shape[off + d])) {
      throw new ShapeError(`fusedProgram: input ${i} of shape ${fmtShape(t.shape)} does not broadcast to the program's shape ${fmtShape(a.shape)}`);
    }
  }
  const code = a.code as readonly FusedInstr[];
  const nScalars = a.scalars.length;
  for (let k = 0; k < code.length; k++) {
    const ins = code[k]!;
    if (ins.op === "load") {
      if (!Number.isInteger(ins.input) || ins.input < 0 || ins.input >= ts.length) bad(`instruction ${k} loads input ${String(ins.input)} of ${ts.length}`);
    } else if (ins.op === "scalar") {
      if (ts.length === 0) bad(`instruction ${k} reads a scalar, which needs at least one tensor input (the program's device)`);
      slot(ins.slot, k, nScalars);
    } else if (ins.op === "unary") {
      if (!Object.hasOwn(UNARY_OPS, ins.fn) || UNARY_OPS[ins.fn].kind === "predicate") bad(`instruction ${k}: unknown or non-numeric unary op ${String(ins.fn)}`);
      reg(ins.a, k);
      slots(ins.params, k, nScalars);
    } else if (ins.op === "binary") {
      if (!Object.hasOwn(BINARY_OPS, ins.fn) || BINARY_OPS[ins.fn].kind === "predicate") bad(`instruction ${k}: unknown or non-numeric binary op ${String(ins.fn)}`);
      reg(ins.a, k);
      reg(ins.b, k);
      slots(ins.params, k, nScalars);
    } else bad(`instruction ${k} has unknown kind ${String((ins as { op: unknown }).op)}`);
  }
  for (const o of a.outputs as readonly FusedOutput[]) {
    reg(o.reg, a.code.length);
    if (o.inPlace !== undefined) {
      const t = ts[o.inPlace];
      if (t === undefined) bad(`an output is written into input ${o.inPlace} of ${ts.length}`);
      if (t.ndim !== nd || t.shape.some((s, d) => s !== a.shape[d])) {
        throw new ShapeError(`fusedProgram: an output written in place needs an input of the program's shape ${fmtShape(a.shape)}, got ${fmtShape(t.shape)}`);
      }
    }
  }
}

/** The JS scalars instruction `ins` reads, as the primitive's params. */
export function paramsOf(ins: { params?: readonly number[] }, scalars: readonly number[]): number[] | undefined {
  return ins.params === undefined ? undefined : ins.params.map((s) => scalars[s]!);
}

// ---- the decomposition into core primitives ------------------------------------------------

/** Each instruction as the core primitive it came from (for backends without fused programs). */
export function fusedProgramDecomposed(inputs: readonly Tensor[], a: FusedProgramAttrs): Tensor[] {
  const regs: Tensor[] = [];
  const loaded = new Set<number>();
  for (const ins of a.code) {
    if (ins.op === "load") {
      loaded.add(regs.length);
      regs.push(inputs[ins.input]!);
    } else if (ins.op === "scalar") {
      loaded.add(regs.length);
      regs.push(dispatch("full", [], { shape: [], dtype: a.dtype, value: a.scalars[ins.slot]! }, inputs[0]!.device));
    } else if (ins.op === "unary") regs.push(dispatch("unary", [regs[ins.a]!], { op: ins.fn, params: paramsOf(ins, a.scalars) }));
    else regs.push(dispatch("binary", [regs[ins.a]!, regs[ins.b]!], { op: ins.fn, params: paramsOf(ins, a.scalars) }));
  }
  const outs = a.outputs.map((o) => {
    const r = regs[o.reg]!;
    const full = r.ndim === a.shape.length && r.shape.every((s, d) => s === a.shape[d]);
    return full && !loaded.has(o.reg) ? r : dispatch("copy", [broadcastTo(r, a.shape)], {});
  });
  // stores after every computation, as the kernels do
  a.outputs.forEach((o, k) => {
    if (o.inPlace !== undefined) {
      dispatch("assign", [inputs[o.inPlace]!, outs[k]!], {});
      outs[k] = inputs[o.inPlace]!;
    }
  });
  return outs;
}

function broadcastTo(t: Tensor, shape: readonly number[]): Tensor {
  const off = shape.length - t.ndim;
  const strides = shape.map((s, d) => (d < off || t.shape[d - off] !== s ? 0 : t.strides[d - off]!));
  return dispatch("view", [t], { shape, strides, offset: t.offset });
}

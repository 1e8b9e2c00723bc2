/**
 * The CPU fused-program kernel (primitive `fusedProgram`, src/backend/fused_program.ts):
 * the native interpreter (./native_fused_program.ts) where the addon is loaded and the
 * iteration space is as large as eager's native threshold, else this TypeScript interpreter, which runs each instruction over the whole iteration space through
 * the same generated loops as the eager elementwise kernels (loops.ts), so a fused program
 * gives exactly the values its unfused ops give on the TypeScript path. Not blocked: it is
 * the fallback and the reference, the native interpreter is the fast path.
 */
import { arrayFor } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { paramsOf, type FusedProgramAttrs } from "../fused_program.js";
import { NATIVE_MIN_ELEMENTS, runElementwise, type Operand } from "./loops.js";
import { nativeFusedProgram } from "./native_fused_program.js";
import { alloc, broadcastOperand, outOperand } from "./util.js";
import { encoder } from "./creation.js";
import { binaryExpr, unaryExpr } from "./elementwise.js";

/**
 * Ops whose native and TypeScript kernels give the same bits: IEEE operations rounded once
 * (float32 results of a float64 +, -, *, / or sqrt of floats are the correctly rounded float32
 * ones; addScaled is a float32 FMA on both), selections and sign changes. A program of only these runs natively at any size.
 */
const SAME_BITS_ANY_PATH: ReadonlySet<string> = new Set(["add", "sub", "mul", "div", "addScaled", "maximum", "minimum", "reluGrad", "neg", "abs", "relu", "sqrt"]);

function sameBitsAnyPath(a: FusedProgramAttrs): boolean {
  for (const ins of a.code) if ((ins.op === "unary" || ins.op === "binary") && !SAME_BITS_ANY_PATH.has(ins.fn)) return false;
  return true;
}

export function fusedProgram(inputs: readonly Tensor[], a: FusedProgramAttrs, device: string): Tensor[] {
  const outs = a.outputs.map((o) => (o.inPlace !== undefined ? inputs[o.inPlace]! : alloc(a.shape, a.dtype, device, { zero: false })));
  // below eager's native threshold the unfused ops would run in TypeScript: so does the
  // program, so that compiled and eager give the same bits at every size (unless its ops
  // give the same bits either way: an optimizer's update of a bias, one call into the addon
  // instead of an instruction-by-instruction TypeScript pass)
  let n = 1;
  for (const s of a.shape) n *= s;
  if ((n >= NATIVE_MIN_ELEMENTS || sameBitsAnyPath(a)) && nativeFusedProgram(inputs, a, outs)) return outs;
  runFusedProgramTS(inputs, a, outs);
  return outs;
}

/** The TypeScript interpreter: writes the program's outputs into `outs`. */
export function runFusedProgramTS(inputs: readonly Tensor[], a: FusedProgramAttrs, outs: readonly Tensor[]): void {
  let n = 1;
  for (const s of a.shape) n *= s;
  const contiguous: number[] = [];
  for (let d = a.shape.length - 1, acc = 1; d >= 0; d--) {
    contiguous[d] = acc;
    acc *= a.shape[d]!;
  }
  // a register that is a new output is computed straight into it
  const direct = new Map<number, Tensor>();
  a.outputs.forEach((o, k) => {
    const op = a.code[o.reg]!.op;
    if (o.inPlace === undefined && op !== "load" && op !== "scalar" && !direct.has(o.reg)) direct.set(o.reg, outs[k]!);
  });
  const regs: Operand[] = [];
  a.code.forEach((ins, k) => {
    if (ins.op === "load") {
      regs.push(broadcastOperand(inputs[ins.input]!, a.shape));
      return;
    }
    if (ins.op === "scalar") {
      // one element (rounded to the dtype, as a `full` kernel's fill), broadcast everywhere
      const arr = arrayFor(a.dtype, 1);
      arr[0] = encoder(a.dtype)(a.scalars[ins.slot]!);
      regs.push({ arr, strides: a.shape.map(() => 0), offset: 0, dtype: a.dtype });
      return;
    }
    const target = direct.get(k);
    const out: Operand = target ? outOperand(target) : { arr: arrayFor(a.dtype, n), strides: contiguous, offset: 0, dtype: a.dtype };
    if (ins.op === "unary") runElementwise(a.shape, out, [regs[ins.a]!], unaryExpr(ins.fn, a.dtype), paramsOf(ins, a.scalars));
    else runElementwise(a.shape, out, [regs[ins.a]!, regs[ins.b]!], binaryExpr(ins.fn, a.dtype), paramsOf(ins, a.scalars));
    regs.push(out);
  });
  // stores last: an input written in place may have been read above
  a.outputs.forEach((o, k) => {
    if (o.inPlace === undefined && direct.get(o.reg) === outs[k]) return;
    runElementwise(a.shape, outOperand(outs[k]!), [regs[o.reg]!], "x");
  });
}

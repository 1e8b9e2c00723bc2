/**
 * A fused program with scalar operands (JS scalars read as registers), shared by the CPU
 * interpreters' tests (test/compile/fuse_elementwise.test.ts) and the WGSL one's
 * (test/backend/webgpu/fused_program.test.ts): x (strided) and y (broadcast over the rows),
 *   r7 = clamp((x * s0) / (s1 + 0.1 * y), s2, s3),  and s1 itself stored as an output (a splat).
 * With the default scalars 0.1 and 1/3 are not float32 numbers, so the rounding to the
 * program's dtype (as `full` fills) shows.
 */
import type { FusedProgramAttrs } from "../../src/backend/fused_program.js";

export const SCALAR_OPERANDS = [0.1, 1 / 3, -0.5, 0.75];

export function scalarOperandProgram(rows: number, cols: number, scalars: readonly number[] = SCALAR_OPERANDS): FusedProgramAttrs {
  return {
    shape: [rows, cols], dtype: "float32", scalars,
    code: [
      { op: "load", input: 0 }, { op: "scalar", slot: 0 }, { op: "binary", fn: "mul", a: 0, b: 1 }, // r2 = x * s0
      { op: "load", input: 1 }, { op: "scalar", slot: 1 }, { op: "binary", fn: "addScaled", a: 4, b: 3, params: [0] }, // r5 = s1 + s0 * y
      { op: "binary", fn: "div", a: 2, b: 5 }, { op: "unary", fn: "clamp", a: 6, params: [2, 3] }, // r7 = clamp(r2 / r5, s2, s3)
    ],
    outputs: [{ reg: 7 }, { reg: 4 }],
  };
}

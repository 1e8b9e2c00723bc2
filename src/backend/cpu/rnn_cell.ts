/**
 * The CPU kernels of the fused recurrent-cell primitives (src/backend/rnn_cell.ts says what
 * they compute): the native kernel (native/src/rnn_cell.inc, through ./native_rnn.ts) for
 * float32/float64 operands with contiguous columns where the addon is loaded, else the
 * TypeScript loops below. The loops compute in float64 and round once per output; they are
 * the reference the native kernel is tested against. Other dtypes (bfloat16, float16) run
 * the decomposition into core primitives.
 */
import type { RnnCellAttrs, RnnCellMode } from "../rnn_cell.js";
import { rnnCellBackwardDecomposed, rnnCellDecomposed } from "../rnn_cell.js";
import type { Tensor } from "../../tensor/tensor.js";
import { alloc } from "./util.js";
import { nativeRnnCell } from "./native_rnn.js";

/** Output widths (in units of H) per mode and pass, in the primitive's output order. */
function outputWidths(mode: RnnCellMode, backward: boolean): number[] {
  if (mode === "lstm") return backward ? [4, 1] : [1, 1, 4];
  if (mode === "gru") return backward ? [3, 3, 1] : [1, 4];
  return [1];
}

/** H: the width of the operand that is [N, H] in every mode and pass. */
function hiddenSize(inputs: readonly Tensor[], mode: RnnCellMode, backward: boolean): number {
  if (backward) return inputs[0]!.shape[1]!;
  return mode === "tanh" || mode === "relu" ? inputs[0]!.shape[1]! : inputs[2]!.shape[1]!;
}

function run(inputs: readonly Tensor[], a: RnnCellAttrs, device: string, backward: boolean, native: boolean): Tensor[] {
  const dtype = inputs[0]!.dtype;
  const N = inputs[0]!.shape[0]!, H = hiddenSize(inputs, a.mode, backward);
  const outs = outputWidths(a.mode, backward).map((w) => alloc([N, w * H], dtype, device, { zero: false }));
  if (!(native && nativeRnnCell(a.mode, backward, inputs, outs))) cellLoops(a.mode, backward, N, H, inputs, outs);
  return outs;
}

const fastDType = (t: Tensor) => t.dtype === "float32" || t.dtype === "float64";

export function rnnCell(inputs: readonly Tensor[], a: RnnCellAttrs, device: string): Tensor[] {
  return fastDType(inputs[0]!) ? run(inputs, a, device, false, true) : rnnCellDecomposed(inputs, a);
}

export function rnnCellBackward(inputs: readonly Tensor[], a: RnnCellAttrs, device: string): Tensor[] {
  return fastDType(inputs[0]!) ? run(inputs, a, device, true, true) : rnnCellBackwardDecomposed(inputs, a);
}

/** The TypeScript loops only (float32/float64): the reference of the native kernel's tests. */
export function rnnCellReference(inputs: readonly Tensor[], a: RnnCellAttrs, backward: boolean): Tensor[] {
  return run(inputs, a, inputs[0]!.device, backward, false);
}

// ---- the loops -------------------------------------------------------------------------

/** Reads element (n, j) of a 2-D operand. */
interface Reader {
  d: Float64Array | Float32Array;
  o: number;
  rs: number;
  cs: number;
}
const reader = (t: Tensor): Reader => ({ d: t.storage.data as Float64Array, o: t.offset, rs: t.strides[0]!, cs: t.strides[1]! });
const at = (r: Reader, n: number, j: number) => r.d[r.o + n * r.rs + j * r.cs]!;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function cellLoops(mode: RnnCellMode, backward: boolean, N: number, H: number, inputs: readonly Tensor[], outs: Tensor[]): void {
  const r = inputs.map(reader);
  const o = outs.map((t) => t.storage.data as Float64Array);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < H; j++) {
      if (mode === "lstm" && !backward) {
        const [xg, hh, c] = r as [Reader, Reader, Reader];
        const gate = (k: number) => at(xg, n, k * H + j) + at(hh, n, k * H + j);
        const i = sigmoid(gate(0)), f = sigmoid(gate(1)), g = Math.tanh(gate(2)), og = sigmoid(gate(3));
        const c2 = f * at(c, n, j) + i * g;
        o[0]![n * H + j] = og * Math.tanh(c2);
        o[1]![n * H + j] = c2;
        const w = n * 4 * H + j;
        o[2]![w] = i;
        o[2]![w + H] = f;
        o[2]![w + 2 * H] = g;
        o[2]![w + 3 * H] = og;
      } else if (mode === "lstm") {
        const [dha, dhb, dc2, ws, c, c2] = r as Reader[];
        const i = at(ws!, n, j), f = at(ws!, n, H + j), g = at(ws!, n, 2 * H + j), og = at(ws!, n, 3 * H + j);
        const dh = at(dha!, n, j) + at(dhb!, n, j);
        const tc = Math.tanh(at(c2!, n, j));
        const dct = at(dc2!, n, j) + dh * og * (1 - tc * tc);
        const w = n * 4 * H + j;
        o[0]![w] = dct * g * (i * (1 - i));
        o[0]![w + H] = dct * at(c!, n, j) * (f * (1 - f));
        o[0]![w + 2 * H] = dct * i * (1 - g * g);
        o[0]![w + 3 * H] = dh * tc * (og * (1 - og));
        o[1]![n * H + j] = dct * f;
      } else if (mode === "gru" && !backward) {
        const [xg, hh, h] = r as [Reader, Reader, Reader];
        const rg = sigmoid(at(xg, n, j) + at(hh, n, j));
        const z = sigmoid(at(xg, n, H + j) + at(hh, n, H + j));
        const hn = at(hh, n, 2 * H + j);
        const nn = Math.tanh(at(xg, n, 2 * H + j) + rg * hn);
        o[0]![n * H + j] = nn + z * (at(h, n, j) - nn);
        const w = n * 4 * H + j;
        o[1]![w] = rg;
        o[1]![w + H] = z;
        o[1]![w + 2 * H] = nn;
        o[1]![w + 3 * H] = hn;
      } else if (mode === "gru") {
        const [dha, dhb, ws, h] = r as Reader[];
        const rg = at(ws!, n, j), z = at(ws!, n, H + j), nn = at(ws!, n, 2 * H + j), hn = at(ws!, n, 3 * H + j);
        const dh = at(dha!, n, j) + at(dhb!, n, j);
        const dnp = dh * (1 - z) * (1 - nn * nn);
        const drp = dnp * hn * (rg * (1 - rg));
        const dzp = dh * (at(h!, n, j) - nn) * (z * (1 - z));
        const w = n * 3 * H + j;
        o[0]![w] = drp;
        o[0]![w + H] = dzp;
        o[0]![w + 2 * H] = dnp;
        o[1]![w] = drp;
        o[1]![w + H] = dzp;
        o[1]![w + 2 * H] = dnp * rg;
        o[2]![n * H + j] = dh * z;
      } else if (!backward) {
        const v = at(r[0]!, n, j) + at(r[1]!, n, j);
        o[0]![n * H + j] = mode === "tanh" ? Math.tanh(v) : v < 0 ? 0 : v;
      } else {
        const dh = at(r[0]!, n, j) + at(r[1]!, n, j), y = at(r[2]!, n, j);
        o[0]![n * H + j] = mode === "tanh" ? dh * (1 - y * y) : y <= 0 ? 0 : dh;
      }
    }
  }
}

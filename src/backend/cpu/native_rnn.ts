/**
 * The typed wrapper of the native fused recurrent-cell kernel (native/src/binding_rnn.cc):
 * marshals the operands of an rnnCell / rnnCellBackward call into its parameter block.
 * Kept apart from native.ts, which it uses only to reach the loaded addon.
 */
import type { RnnCellMode } from "../rnn_cell.js";
import type { TypedArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { FluxionError } from "../../errors.js";
import { nativeAddon } from "./native.js";

interface RnnAddon {
  rnnCell?(params: Float64Array, inputs: TypedArray[], outputs: TypedArray[]): void;
}

const MODE_CODE: Record<RnnCellMode, number> = { lstm: 0, gru: 1, tanh: 2, relu: 3 };
const params = new Float64Array(5 + 2 * 9);

/** Columns contiguous and rows at a non-negative stride: what the native kernel addresses. */
const rowMajor = (t: Tensor) => (t.strides[1] === 1 || t.shape[1]! <= 1) && t.strides[0]! >= 0;

/**
 * Runs the native kernel on float32/float64 operands (outputs contiguous, freshly allocated);
 * false when the addon is missing or older than the kernel, or an input's columns are strided
 * (the caller then runs the TypeScript loops).
 */
export function nativeRnnCell(mode: RnnCellMode, backward: boolean, inputs: readonly Tensor[], outputs: readonly Tensor[]): boolean {
  const native = nativeAddon() as RnnAddon | null;
  if (!native?.rnnCell) return false;
  for (const t of inputs) if (!rowMajor(t)) return false;
  const p = params;
  p[0] = MODE_CODE[mode];
  p[1] = backward ? 1 : 0;
  p[2] = inputs[0]!.dtype === "float64" ? 1 : 0;
  p[3] = inputs[0]!.shape[0]!;
  p[4] = outputs[0]!.shape[1]! / (mode === "lstm" && backward ? 4 : mode === "gru" && backward ? 3 : 1);
  let k = 5;
  for (const t of [...inputs, ...outputs]) {
    p[k++] = t.offset;
    p[k++] = t.shape[0]! <= 1 ? Math.max(t.strides[0]!, 0) : t.strides[0]!;
  }
  try {
    native.rnnCell(p, inputs.map((t) => t.storage.data as TypedArray), outputs.map((t) => t.storage.data as TypedArray));
  } catch (e) {
    throw new FluxionError(`rnnCell (native kernel): ${String((e as Error).message).replace(/^fluxion native: (rnnCell: )?/, "")}`);
  }
  return true;
}

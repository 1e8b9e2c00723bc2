/**
 * nn.utils.rnn: padSequence, as torch.nn.utils.rnn.pad_sequence (the usual collate step
 * for variable-length sequences). Packed sequences (pack_padded_sequence) are not here.
 */
import { defineOp } from "../api/registry.js";
import { FluxionError, ShapeError, fmtShape } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { cat, stack } from "../ops/shape_ops.js";

/**
 * Stacks sequences of different lengths (dim 0 of each) into one tensor, padding the shorter
 * ones with paddingValue: [maxLen, B, *] or, with batchFirst, [B, maxLen, *].
 * @example nn.utils.rnn.padSequence([a, b, c], true) // a: [3], b: [1], c: [2] -> [3, 3]
 */
export const padSequence = defineOp(
  "padSequence(Tensor[] sequences, bool batchFirst=false, float paddingValue=0.0) -> Tensor",
  (sequences: Tensor[], batchFirst: boolean, paddingValue: number): Tensor => {
    if (sequences.length === 0) throw new FluxionError("padSequence: received an empty list of sequences");
    const trailing = sequences[0]!.shape.slice(1);
    sequences.forEach((s, i) => {
      if (s.ndim === 0 || s.ndim - 1 !== trailing.length || s.shape.slice(1).some((d, k) => d !== trailing[k])) {
        throw new ShapeError(`padSequence: sequence ${i} has shape ${fmtShape(s.shape)}; every sequence must be [length, ${trailing.join(", ") || "*"}] as sequence 0 (${fmtShape(sequences[0]!.shape)})`);
      }
    });
    const maxLen = Math.max(...sequences.map((s) => s.shape[0]!));
    const padded = sequences.map((s) => (s.shape[0] === maxLen ? s : cat([s, s.newFull([maxLen - s.shape[0]!, ...trailing], paddingValue)], 0)));
    return stack(padded, batchFirst ? 0 : 1);
  },
  { group: "nn.utils.rnn", key: "nn.utils.rnn.padSequence" },
);

/**
 * nn.utils.rnn, as torch.nn.utils.rnn: padSequence (the usual collate step for
 * variable-length sequences), PackedSequence and packing (packPaddedSequence, packSequence,
 * padPackedSequence), and unpackSequence / unpadSequence back to a list.
 *
 * Sequence lengths are host numbers (PyTorch requires them on the CPU for the same reason:
 * they decide shapes); the data only goes through dispatched ops (one indexSelect to pack,
 * one to pad), so gradients flow through packing and unpacking.
 */
import { defineOp } from "../api/registry.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { full, tensor } from "../tensor/creation.js";
import { isIntegral } from "../tensor/dtype.js";
import { readHost } from "../tensor/host_read.js";
import { Tensor } from "../tensor/tensor.js";
import { cat, stack } from "../ops/shape_ops.js";
import { PackedSequence, invertPermutation } from "./packed_sequence.js";

export { PackedSequence } from "./packed_sequence.js";

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

/** Lengths given as a tensor or a list, as host numbers (read on the host: they define shapes). */
function hostLengths(op: string, lengths: Tensor | readonly number[] | number): number[] {
  if (!(lengths instanceof Tensor)) return typeof lengths === "number" ? [lengths] : [...lengths];
  if (lengths.ndim !== 1) {
    throw new ShapeError(`${op}: 'lengths' argument should be a 1D tensor (or a list), but got a ${lengths.ndim}D ${lengths.dtype} tensor of shape ${fmtShape(lengths.shape)}`);
  }
  // PyTorch takes torch.as_tensor(lengths, dtype=torch.int64): float lengths (what
  // tensor([5, 3]) makes here) are truncated as that cast truncates them
  return Array.from(readHost(isIntegral(lengths.dtype) ? lengths : lengths.long(), op), Number);
}

/** Batch positions ordered by length, longest first, ties in batch order (a stable sort, as torch.sort gives). */
function sortedByLength(lengths: readonly number[]): number[] {
  return lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
}

/**
 * Packs a padded batch [T, B, *] ([B, T, *] with batchFirst) of sequences with the given
 * lengths (a list or an integer tensor; in decreasing order unless enforceSorted is false,
 * which sorts them and records the permutation). The result feeds nn.RNN/LSTM/GRU.
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(padded, [4, 2, 3], false, false);
 * const [out, hN] = lstm.forward(packed);
 */
export const packPaddedSequence = defineOp(
  "packPaddedSequence(Tensor input, Tensor|int[] lengths, bool batchFirst=false, bool enforceSorted=true) -> PackedSequence",
  (input: Tensor, lengthsArg: Tensor | number[], batchFirst: boolean, enforceSorted: boolean): PackedSequence => {
    const op = "packPaddedSequence";
    if (input.ndim < 2) throw new ShapeError(`${op}: expected a padded batch [T, B, *] (or [B, T, *] with batchFirst), got shape ${fmtShape(input.shape)}`);
    const lengths = hostLengths(op, lengthsArg);
    const x = batchFirst ? input.transpose(0, 1) : input; // [T, B, *]
    const [T, B] = x.shape as [number, number];
    if (lengths.some((l) => !Number.isInteger(l))) throw new DTypeError(`${op}: lengths must be integers, got [${lengths.join(", ")}]`);
    if (x.numel() === 0 && lengths.length === 0) throw new FluxionError(`${op}: Cannot pack empty tensors.`);
    if (lengths.length !== B) throw new ShapeError(`${op}: Expected \`len(lengths)\` to be equal to batch_size, but got ${lengths.length} (batch_size=${B}, input shape ${fmtShape(input.shape)})`);
    let sorted: number[] | null = null;
    if (enforceSorted) {
      if (lengths.some((l, i) => i > 0 && l > lengths[i - 1]!)) {
        throw new FluxionError(`${op}: \`lengths\` array must be sorted in decreasing order when \`enforceSorted\` is true, got [${lengths.join(", ")}]. You can pass \`enforceSorted: false\` to packPaddedSequence and/or packSequence to sidestep this requirement.`);
      }
    } else sorted = sortedByLength(lengths);
    const lens = sorted ? sorted.map((i) => lengths[i]!) : lengths;
    if (lens[B - 1]! <= 0) throw new FluxionError(`${op}: Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0 (lengths [${lengths.join(", ")}])`);
    if (lens[0]! > T) throw new ShapeError(`${op}: a length of ${lens[0]} exceeds the padded sequence length ${T} (input shape ${fmtShape(input.shape)}${batchFirst ? ", batchFirst" : ""})`);
    // step t holds the sequences longer than t: rows t·B + (sorted position) of x viewed as [T·B, *]
    const batchSizes: number[] = [];
    const rows: number[] = [];
    for (let t = 0; t < lens[0]!; t++) {
      let n = 0;
      while (n < B && lens[n]! > t) {
        rows.push(t * B + (sorted ? sorted[n]! : n));
        n++;
      }
      batchSizes.push(n);
    }
    const flat = x.reshape([T * B, ...x.shape.slice(2)]);
    const data = flat.indexSelect(0, tensor(rows, { dtype: "int64", device: input.device }));
    const sortedIndices = sorted ? tensor(sorted, { dtype: "int64", device: input.device }) : null;
    return new PackedSequence(data, batchSizes, sortedIndices, invertPermutation(sortedIndices));
  },
  { group: "nn.utils.rnn", key: "nn.utils.rnn.packPaddedSequence" },
);

/**
 * The inverse of packPaddedSequence: [padded [T, B, *] (or [B, T, *]), lengths] with the
 * batch in its original order, padded with paddingValue to totalLength steps (default the
 * longest sequence).
 * @example const [padded, lengths] = nn.utils.rnn.padPackedSequence(out, true);
 */
export const padPackedSequence = defineOp(
  "padPackedSequence(PackedSequence sequence, bool batchFirst=false, float paddingValue=0.0, int? totalLength=null) -> (Tensor, Tensor)",
  (sequence: PackedSequence, batchFirst: boolean, paddingValue: number, totalLength: number | null): [Tensor, Tensor] => {
    const op = "padPackedSequence";
    const sizes = sequence._batchSizes;
    const T = sizes.length, B = sizes[0] ?? 0;
    const steps = totalLength ?? T;
    if (steps < T) throw new ShapeError(`${op}: Expected total_length to be at least the length of the longest sequence in input, but got total_length=${totalLength} and max sequence length being ${T}`);
    const data = sequence.data;
    const R = data.shape[0]!;
    // each padded (t, b) reads its data row, or row R: one row of paddingValue appended
    const rows: number[] = [];
    let offset = 0;
    for (let t = 0; t < steps; t++) {
      const n = sizes[t] ?? 0;
      for (let b = 0; b < B; b++) rows.push(b < n ? offset + b : R);
      offset += n;
    }
    const padRow = full([1, ...data.shape.slice(1)], paddingValue, { dtype: data.dtype, device: data.device });
    let padded = cat([data, padRow], 0).indexSelect(0, tensor(rows, { dtype: "int64", device: data.device })).reshape([steps, B, ...data.shape.slice(1)]);
    let lengths = tensor(Array.from({ length: B }, (_, b) => sizes.filter((n) => n > b).length), { dtype: "int64" });
    if (sequence.unsortedIndices) {
      padded = padded.indexSelect(1, sequence.unsortedIndices);
      lengths = lengths.indexSelect(0, sequence.unsortedIndices.to("cpu"));
    }
    return [batchFirst ? padded.transpose(0, 1) : padded, lengths];
  },
  { group: "nn.utils.rnn", key: "nn.utils.rnn.padPackedSequence" },
);

/**
 * Packs a list of sequences [length_i, *] (longest first unless enforceSorted is false):
 * padSequence then packPaddedSequence.
 * @example nn.utils.rnn.packSequence([tensor([1, 2, 3]), tensor([4, 5]), tensor([6])]).data // [1, 4, 6, 2, 5, 3]
 */
export const packSequence = defineOp(
  "packSequence(Tensor[] sequences, bool enforceSorted=true) -> PackedSequence",
  (sequences: Tensor[], enforceSorted: boolean): PackedSequence => {
    if (sequences.length === 0) throw new FluxionError("packSequence: received an empty list of sequences");
    return packPaddedSequence(padSequence(sequences), sequences.map((s) => s.shape[0] ?? 0), { enforceSorted });
  },
  { group: "nn.utils.rnn", key: "nn.utils.rnn.packSequence" },
);

/**
 * The sequences of a PackedSequence as a list, in the original batch order (the inverse of packSequence).
 * @example nn.utils.rnn.unpackSequence(nn.utils.rnn.packSequence([a, b], false)) // [a, b]
 */
export const unpackSequence = defineOp(
  "unpackSequence(PackedSequence packedSequences) -> Tensor[]",
  (packed: PackedSequence): Tensor[] => {
    const [padded, lengths] = padPackedSequence(packed, true);
    return unpadSequence(padded, lengths, true);
  },
  { group: "nn.utils.rnn", key: "nn.utils.rnn.unpackSequence" },
);

/**
 * The sequences of a padded batch [T, B, *] ([B, T, *] with batchFirst) as a list, each cut
 * to its length (the inverse of padSequence). Unlike PyTorch 1.13's, the input is not
 * transposed in place.
 * @example nn.utils.rnn.unpadSequence(padSequence([a, b]), [a.shape[0], b.shape[0]]) // [a, b]
 */
export const unpadSequence = defineOp(
  "unpadSequence(Tensor paddedSequences, Tensor|int[] lengths, bool batchFirst=false) -> Tensor[]",
  (padded: Tensor, lengthsArg: Tensor | number[], batchFirst: boolean): Tensor[] => {
    const op = "unpadSequence";
    if (padded.ndim < 2) throw new ShapeError(`${op}: expected a padded batch [T, B, *] (or [B, T, *] with batchFirst), got shape ${fmtShape(padded.shape)}`);
    const lengths = hostLengths(op, lengthsArg);
    const x = batchFirst ? padded : padded.transpose(0, 1); // [B, T, *]
    const [B, T] = x.shape as [number, number];
    if (lengths.length !== B) throw new ShapeError(`${op}: got ${lengths.length} lengths for a batch of ${B} (padded shape ${fmtShape(padded.shape)})`);
    return lengths.map((l, b) => {
      if (!Number.isInteger(l) || l < 0 || l > T) throw new ArgumentError(`${op}: length ${l} of sequence ${b} is not in [0, ${T}]`);
      return x.select(0, b).narrow(0, 0, l);
    });
  },
  { group: "nn.utils.rnn", key: "nn.utils.rnn.unpadSequence" },
);

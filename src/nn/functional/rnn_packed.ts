/**
 * One layer and direction of a recurrent net over a packed batch (PackedSequence data
 * [rows, I] with host batch sizes), on the fused layer of rnn.ts: the time steps fall into
 * runs over which the batch size is constant (sequences are sorted longest first, so a run
 * ends where some sequences end), and each run is one rnnLayer call on a [steps, B, I] view
 * of the packed rows; between runs the finished sequences leave the batch.
 *
 * Forward in time, a sequence's final state is the state when it leaves (the last step it
 * has); backward in time, each sequence joins, from its initial state, at its own last
 * step, and every final state is the one after step 0. That is cuDNN's and PyTorch's
 * variable-length semantics, with no padding ever computed.
 */
import type { RnnCellMode } from "../../backend/rnn_cell.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat } from "../../ops/shape_ops.js";
import { rnnLayer, type RnnLayerWeights } from "./rnn.js";

export interface PackedLayerResult {
  /** Packed output rows [rows, H'], in the input's row order. */
  output: Tensor;
  /** Each sequence's final hidden state [B0, H'] (sorted order). */
  h: Tensor;
  /** Final cell states [B0, H] (LSTM only). */
  c: Tensor | null;
}

/** Runs of time steps with the same batch size: [first step, step count, batch size, first row]. */
function runsOf(batchSizes: readonly number[]): [number, number, number, number][] {
  const runs: [number, number, number, number][] = [];
  let row = 0;
  for (let t = 0; t < batchSizes.length; t++) {
    const b = batchSizes[t]!;
    const last = runs[runs.length - 1];
    if (last && last[2] === b) last[1]++;
    else runs.push([t, 1, b, row]);
    row += b;
  }
  return runs;
}

/**
 * `mode`'s layer over packed rows `data` [Σ batchSizes, I] from h0 [B0, H'] (and c0 [B0, H]),
 * backwards in time when `reverse`. Differentiable in data, h0, c0 and the weights.
 */
export function rnnLayerPacked(mode: RnnCellMode, data: Tensor, batchSizes: readonly number[], h0: Tensor, c0: Tensor | null, w: RnnLayerWeights, reverse: boolean): PackedLayerResult {
  const runs = runsOf(batchSizes);
  const I = data.shape[1]!;
  const outs: Tensor[] = new Array(runs.length);
  const stepsOf = (k: number) => {
    const [, steps, B, row] = runs[k]!;
    return data.narrow(0, row, steps * B).reshape([steps, B, I]);
  };
  const flatOut = (o: Tensor) => o.reshape([o.shape[0]! * o.shape[1]!, o.shape[2]!]);
  if (!reverse) {
    let h = h0, c = c0;
    const doneH: Tensor[] = [], doneC: Tensor[] = [];
    for (let k = 0; k < runs.length; k++) {
      const B = runs[k]![2];
      if (h.shape[0]! > B) {
        // the sequences B.. ended with the previous run: their states are final
        doneH.push(h.narrow(0, B, h.shape[0]! - B));
        h = h.narrow(0, 0, B);
        if (c) {
          doneC.push(c.narrow(0, B, c.shape[0]! - B));
          c = c.narrow(0, 0, B);
        }
      }
      const r = rnnLayer(mode, stepsOf(k), h, c, w, false);
      outs[k] = flatOut(r.output);
      h = r.h;
      c = r.c;
    }
    // rows in batch order: the longest sequences (still running at the end) first
    const hN = cat([h, ...doneH.reverse()], 0);
    const cN = c ? cat([c, ...doneC.reverse()], 0) : null;
    return { output: cat(outs, 0), h: hN, c: cN };
  }
  let h: Tensor | null = null, c: Tensor | null = null;
  for (let k = runs.length - 1; k >= 0; k--) {
    const B = runs[k]![2];
    const had = h ? h.shape[0]! : 0;
    if (had < B) {
      // sequences B_had.. start here (at their last step), from their initial states
      h = h ? cat([h, h0.narrow(0, had, B - had)], 0) : h0.narrow(0, 0, B);
      if (c0) c = c ? cat([c, c0.narrow(0, had, B - had)], 0) : c0.narrow(0, 0, B);
    }
    const r = rnnLayer(mode, stepsOf(k), h!, c, w, true);
    outs[k] = flatOut(r.output);
    h = r.h;
    c = r.c;
  }
  return { output: cat(outs, 0), h: h!, c };
}

/**
 * nn.utils.rnn.padSequence, as torch.nn.utils.rnn.pad_sequence. PyTorch 1.13:
 *   pad_sequence([[1., 2, 3], [4.], [5., 6]]) -> [[1, 4, 5], [2, 0, 6], [3, 0, 0]]
 *   pad_sequence(..., batch_first=True, padding_value=-1) -> [[1, 2, 3], [4, -1, -1], [5, 6, -1]]
 *   pad_sequence([ones(2, 3), zeros(1, 3)], True).shape -> (2, 2, 3); int64 sequences stay int64
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

const { padSequence } = fx.nn.utils.rnn;

test("padSequence pads to the longest sequence, time-major or batch-first", () => {
  const seqs = [fx.tensor([1, 2, 3]), fx.tensor([4]), fx.tensor([5, 6])];
  assert.deepEqual(padSequence(seqs).tolist(), [[1, 4, 5], [2, 0, 6], [3, 0, 0]]);
  assert.deepEqual(padSequence(seqs, true, -1).tolist(), [[1, 2, 3], [4, -1, -1], [5, 6, -1]]);
  assert.deepEqual(padSequence([fx.ones(2, 3), fx.zeros(1, 3)], { batchFirst: true }).shape, [2, 2, 3]);
  assert.equal(padSequence([fx.tensor([1n, 2n]), fx.tensor([3n])]).dtype, "int64");
  const a = fx.tensor([1, 2], { requiresGrad: true });
  padSequence([a, fx.tensor([3, 4, 5])], true).mul(fx.tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
  assert.deepEqual(a.grad!.tolist(), [1, 2]);
});

test("padSequence refuses an empty list and mismatched trailing dims", () => {
  assert.throws(() => padSequence([]), (e) => e instanceof fx.FluxionError && /^padSequence: received an empty list of sequences$/.test(e.message));
  assert.throws(() => padSequence([fx.ones(2, 3), fx.ones(1, 4)]), (e) => e instanceof fx.ShapeError && /sequence 1 has shape \[1, 4\]/.test(e.message));
});

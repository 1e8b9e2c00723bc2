/**
 * multinomial(input, numSamples, replacement=false, generator): indices drawn from rows of
 * unnormalized probabilities, as torch.multinomial (nanoGPT's and the char-RNN tutorials'
 * sampling step). The draws are seeded (not PyTorch's stream), so the checks are on the
 * distribution: frequencies within a few standard errors, zero-probability categories never
 * drawn, no repeats without replacement; and PyTorch's argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";

test("with replacement, the frequencies follow the (unnormalized) probabilities; zero-probability categories never appear", () => {
  fx.manualSeed(0);
  const p = fx.tensor([1, 0, 6, 3]); // unnormalized, as torch allows
  const s = fx.multinomial(p, 20000, true);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(s.shape, [20000]);
  const freq = [0, 1, 2, 3].map((c) => s.eq(c).float().mean().item());
  [0.1, 0, 0.6, 0.3].forEach((q, c) => assert.ok(Math.abs(freq[c]! - q) < 4 * Math.sqrt((q * (1 - q)) / 20000) + 1e-12, `category ${c}: ${freq[c]} vs ${q}`));
});

test("without replacement (the default), rows are distinct draws, first draws proportional to the weights", () => {
  fx.manualSeed(1);
  const w = fx.tensor([[1, 2, 0, 1], [0, 0, 5, 1]]);
  const two = w.multinomial(2);
  assert.deepEqual(two.shape, [2, 2]);
  const rows = two.tolist() as number[][];
  assert.notEqual(rows[0]![0], rows[0]![1]);
  assert.deepEqual([...rows[1]!].sort(), [2, 3]); // the only two categories with mass
  const perm = fx.tensor([1, 2, 3, 4]).multinomial(4).tolist() as number[];
  assert.deepEqual([...perm].sort(), [0, 1, 2, 3]);
  const first = [0, 0, 0, 0];
  const batch = fx.tensor([1, 2, 3, 4]).expand(4000, 4).multinomial(2);
  (batch.index(":", 0).tolist() as number[]).forEach((c) => first[c]!++);
  [0.1, 0.2, 0.3, 0.4].forEach((q, c) => assert.ok(Math.abs(first[c]! / 4000 - q) < 4 * Math.sqrt((q * (1 - q)) / 4000), `first draw ${c}: ${first[c]! / 4000} vs ${q}`));
});

test("a generator reproduces the draws; one sample from a 1-D input is a 1-element tensor", () => {
  const g = new fx.Generator();
  const p = fx.tensor([0.2, 0.5, 0.3]);
  g.manualSeed(5);
  const a = p.multinomial(6, true, { generator: g }).tolist();
  g.manualSeed(5);
  assert.deepEqual(p.multinomial(6, true, { generator: g }).tolist(), a);
  assert.deepEqual(p.multinomial(1).shape, [1]);
});

test("bad distributions and sample counts raise PyTorch's errors", () => {
  const err = (f: () => unknown, type: new (...a: any[]) => Error, re: RegExp) => assert.throws(f, (e) => e instanceof type && re.test((e as Error).message));
  err(() => fx.tensor([1, -1]).multinomial(1), fx.FluxionError, /^multinomial: probability tensor contains either inf, nan or element < 0 \(input float32 of shape \[2\]\)$/);
  err(() => fx.tensor([NaN, 1]).multinomial(1), fx.FluxionError, /contains either inf, nan or element < 0/);
  err(() => fx.tensor([0, 0]).multinomial(1), fx.FluxionError, /invalid multinomial distribution \(sum of probabilities <= 0\)/);
  err(() => fx.tensor([1, 0]).multinomial(2), fx.FluxionError, /not enough non-negative category to sample/);
  err(() => fx.tensor([1, 1]).multinomial(3), fx.ArgumentError, /cannot sample numSamples = 3 > prob_dist.size\(-1\) = 2 samples without replacement/);
  err(() => fx.tensor([1, 2], { dtype: "int64" }).multinomial(1), fx.DTypeError, /expected a floating point probability tensor, got input int64/);
  err(() => fx.zeros(2, 2, 2).multinomial(1), fx.ShapeError, /prob_dist must be 1 or 2 dim/);
});

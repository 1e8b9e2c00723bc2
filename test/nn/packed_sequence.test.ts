/**
 * nn.utils.rnn's PackedSequence, packPaddedSequence, padPackedSequence, packSequence,
 * unpackSequence and unpadSequence, and nn.RNN / nn.LSTM / nn.GRU over a PackedSequence,
 * against PyTorch 1.13 (test/fixtures/packed_sequence_torch.py): the packed fields, padding
 * back (paddingValue, totalLength, batchFirst, the original batch order), gradients through
 * packing; recurrent outputs, final states at each sequence's last step (bidirectional,
 * multi-layer, projections, initial states in the caller's order) and every gradient; plus
 * the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { nn, tensor, type Tensor } from "../../src/index.js";
import { onHostRead } from "../../src/tensor/host_read.js";
import { assertClose, fluxionErrorMessage } from "../helpers.js";

type Enc = { shape: number[]; v: number[] };
const REF = JSON.parse(readFileSync(new URL("../fixtures/packed_sequence_torch.json", import.meta.url), "utf8"));
const { PackedSequence, packPaddedSequence, padPackedSequence, packSequence, unpackSequence, unpadSequence, padSequence } = nn.utils.rnn;
const f64 = (e: Enc, requiresGrad = false) => tensor(e.v, { shape: e.shape, dtype: "float64", requiresGrad });
const opts = { atol: 1e-12, rtol: 1e-10 };

type Pack = {
  name: string; input: Enc; lengths: number[]; batchFirst: boolean; enforceSorted: boolean; paddingValue: number; totalLength: number | null;
  data: Enc; batchSizes: number[]; sortedIndices: number[] | null; unsortedIndices: number[] | null; padded: Enc; padLengths: number[]; g: Enc; grad: Enc;
};

for (const c of REF.packs as Pack[]) {
  test(`packPaddedSequence / padPackedSequence ${c.name}: PyTorch's fields, padding and gradient`, () => {
    for (const lengths of [c.lengths, tensor(c.lengths, { dtype: "int64" })]) {
      const x = f64(c.input, true);
      const p = packPaddedSequence(x, lengths, c.batchFirst, c.enforceSorted);
      assert.ok(p instanceof PackedSequence);
      assertClose(p.data, c.data.v, opts);
      assert.deepEqual(p.data.shape, c.data.shape);
      assert.deepEqual(p.batchSizes.tolist(), c.batchSizes);
      assert.equal(p.batchSizes.dtype, "int64");
      assert.deepEqual(p.sortedIndices?.tolist() ?? null, c.sortedIndices);
      assert.deepEqual(p.unsortedIndices?.tolist() ?? null, c.unsortedIndices);
      const [padded, lens] = padPackedSequence(p, { batchFirst: c.batchFirst, paddingValue: c.paddingValue, totalLength: c.totalLength });
      assert.deepEqual(padded.shape, c.padded.shape);
      assertClose(padded, c.padded.v, opts);
      assert.deepEqual(lens.tolist(), c.padLengths);
      assert.equal(lens.dtype, "int64");
      padded.mul(f64(c.g)).sum().backward();
      assertClose(x.grad!, c.grad.v, opts);
    }
  });
}

test("packSequence / unpackSequence: PyTorch's packing of a list, and the list back in its order", () => {
  const r = REF.packSequence;
  const seqs = (r.sequences as Enc[]).map((e) => f64(e));
  const p = packSequence(seqs, false);
  assertClose(p.data, r.data.v, opts);
  assert.deepEqual(p.batchSizes.tolist(), r.batchSizes);
  assert.deepEqual(p.sortedIndices!.tolist(), r.sortedIndices);
  const back = unpackSequence(p);
  assert.equal(back.length, 3);
  back.forEach((t, i) => assert.deepEqual(t.tolist(), seqs[i]!.tolist()));
  (r.unpacked as Enc[]).forEach((e, i) => assertClose(back[i]!, e.v, opts));
  // as PyTorch's pack_sequence: sorted by default, and [1, 4, 2, 5, 3] for [1, 2, 3], [4, 5]
  const q = packSequence([tensor([1, 2, 3]), tensor([4, 5])]);
  assert.deepEqual(q.data.tolist(), [1, 4, 2, 5, 3]);
  assert.deepEqual(q.batchSizes.tolist(), [2, 2, 1]);
  assert.equal(q.sortedIndices, null);
  // destructures as PyTorch's namedtuple
  const [data, batchSizes, sortedIndices, unsortedIndices] = q;
  assert.equal(data, q.data);
  assert.equal(batchSizes, q.batchSizes);
  assert.equal(sortedIndices, null);
  assert.equal(unsortedIndices, null);
  assert.match(String(q), /^PackedSequence\(data=tensor\(\[1\., 4\., 2\., 5\., 3\.\]\), batch_sizes=tensor\(\[2, 2, 1\]\), sorted_indices=None, unsorted_indices=None\)$/);
});

test("unpadSequence cuts each sequence to its length and leaves the input as it was (PyTorch 1.13 transposes it in place)", () => {
  const seqs = [tensor([1, 2, 3]), tensor([4]), tensor([5, 6])];
  const padded = padSequence(seqs);
  const before = padded.tolist();
  for (const lengths of [[3, 1, 2], tensor([3, 1, 2], { dtype: "int64" })]) {
    assert.deepEqual(unpadSequence(padded, lengths).map((t) => t.tolist()), [[1, 2, 3], [4], [5, 6]]);
  }
  assert.deepEqual(padded.tolist(), before);
  assert.deepEqual(unpadSequence(padSequence(seqs, true), [3, 1, 2], true).map((t) => t.tolist()), [[1, 2, 3], [4], [5, 6]]);
});

test("new PackedSequence: unsortedIndices defaults to the inverse of sortedIndices; to() converts the data", () => {
  const p = new PackedSequence(fx.zeros([3]), tensor([2, 1], { dtype: "int64" }), tensor([1, 0], { dtype: "int64" }));
  assert.deepEqual(p.unsortedIndices!.tolist(), [1, 0]);
  const q = new PackedSequence(fx.zeros([6]), [3, 2, 1], tensor([2, 0, 1], { dtype: "int64" }));
  assert.deepEqual(q.unsortedIndices!.tolist(), [1, 2, 0]);
  assert.equal(q.double().data.dtype, "float64");
  assert.equal(q.to("float64").sortedIndices, q.sortedIndices);
  assert.equal(q.float(), q);
});

type Rnn = {
  name: string; cls: "RNN" | "LSTM" | "GRU"; args: [number, number]; kwargs: Record<string, unknown>; enforceSorted: boolean;
  stateDict: Record<string, Enc>; input: Enc; lengths: number[]; hx: Enc[] | null; outData: Enc; batchSizes: number[]; padded: Enc;
  states: Enc[]; g: Enc; gStates: Enc[]; gradInput: Enc; gradHx: Enc[] | null; gradParams: Record<string, Enc>;
};

for (const c of REF.rnns as Rnn[]) {
  test(`${c.cls} over a PackedSequence, ${c.name}: outputs, final states and gradients match PyTorch`, () => {
    const m = new (nn[c.cls] as unknown as new (...a: unknown[]) => nn.RNNBase)(...c.args, { ...c.kwargs, dtype: "float64" });
    m.eval();
    m.loadStateDict(Object.fromEntries(Object.entries(c.stateDict).map(([k, v]) => [k, f64(v)])));
    const x = f64(c.input, true);
    const hx = c.hx ? c.hx.map((h) => f64(h, true)) : null;
    const packed = packPaddedSequence(x, c.lengths, c.kwargs.batchFirst === true, c.enforceSorted);
    const forward = m.forward as (input: unknown, hx?: unknown) => [InstanceType<typeof PackedSequence>, Tensor | [Tensor, Tensor]];
    const [out, hn] = forward.call(m, packed, hx ? (c.cls === "LSTM" ? [hx[0], hx[1]] : hx[0]) : null);
    assert.ok(out instanceof PackedSequence);
    assert.equal(out.batchSizes, packed.batchSizes);
    assert.equal(out.sortedIndices, packed.sortedIndices);
    assertClose(out.data, c.outData.v, opts);
    const states = Array.isArray(hn) ? hn : [hn];
    states.forEach((s, i) => {
      assert.deepEqual(s.shape, c.states[i]!.shape);
      assertClose(s, c.states[i]!.v, { ...opts, msg: `state ${i}` });
    });
    assertClose(padPackedSequence(out, c.kwargs.batchFirst === true)[0], c.padded.v, opts);
    let loss = out.data.mul(f64(c.g)).sum();
    states.forEach((s, i) => (loss = loss.add(s.mul(f64(c.gStates[i]!)).sum())));
    loss.backward();
    assertClose(x.grad!, c.gradInput.v, { ...opts, msg: "grad input" });
    hx?.forEach((h, i) => assertClose(h.grad!, c.gradHx![i]!.v, { ...opts, msg: `grad hx ${i}` }));
    for (const [k, p] of m.namedParameters()) assertClose(p.grad!, c.gradParams[k]!.v, { ...opts, msg: `grad ${k}` });
  });
}

test("a packed batch gives each sequence what running it alone gives (the padding never enters)", () => {
  fx.manualSeed(3);
  const lstm = new nn.LSTM(2, 3, { bidirectional: true, numLayers: 2 });
  const seqs = [fx.randn([4, 2]), fx.randn([1, 2]), fx.randn([3, 2])];
  const [out, [h]] = lstm.forward(packSequence(seqs, false));
  const [padded] = padPackedSequence(out, true);
  seqs.forEach((s, i) => {
    const [alone, [hAlone]] = lstm.forward(s);
    assertClose(padded.select(0, i).narrow(0, 0, s.shape[0]!), alone, { atol: 1e-6 });
    assertClose(h.select(1, i), hAlone, { atol: 1e-6 });
  });
});

test("calling a recurrent module with a PackedSequence (rnn(packed), PyTorch's form) types and runs as forward(packed); parameters are typed by PyTorch's names", () => {
  fx.manualSeed(4);
  const packed = packPaddedSequence(fx.randn([4, 3, 2]), [4, 2, 3], { enforceSorted: false });
  const gru = new nn.GRU(2, 3, { bidirectional: true });
  const [out, h]: [nn.utils.rnn.PackedSequence, Tensor] = gru(packed);
  const [outF, hF] = gru.forward(packed);
  assertClose(out.data, outF.data);
  assertClose(h, hF);
  const lstm = new nn.LSTM(2, 3, { projSize: 2 });
  const [lOut, [lh, lc]]: [nn.utils.rnn.PackedSequence, [Tensor, Tensor]] = lstm(packed, null);
  assert.deepEqual([lOut.data.shape, lh.shape, lc.shape], [[9, 2], [1, 3, 2], [1, 3, 3]]);
  const rnn = new nn.RNN(2, 3);
  const [rOut]: [nn.utils.rnn.PackedSequence, Tensor] = rnn(packed);
  assert.ok(rOut instanceof nn.utils.rnn.PackedSequence);
  const [tOut]: [Tensor, Tensor] = gru(fx.randn([4, 3, 2])); // the Tensor form still types as Tensor
  assert.deepEqual(tOut.shape, [4, 3, 6]);
  // gru.weight_hh_l0_reverse.grad as in PyTorch, no cast
  out.data.sum().backward();
  const w: nn.Parameter = gru.weight_hh_l0_reverse;
  assert.deepEqual([w.shape, w.grad!.shape, gru.bias_ih_l0.shape, lstm.weight_hr_l0.shape], [[9, 3], [9, 3], [9], [2, 3]]);
});

test("packing reads lengths on the host (as PyTorch, which keeps them on the CPU); the recurrent layers read nothing more", () => {
  const reads: string[] = [];
  const off = onHostRead((r) => void reads.push(r.reason));
  try {
    const packed = packPaddedSequence(fx.randn([4, 3, 2]), tensor([4, 2, 3], { dtype: "int64" }), false, false);
    assert.deepEqual(reads, ["packPaddedSequence"]);
    const [out] = new nn.GRU(2, 3, { bidirectional: true }).forward(packed);
    padPackedSequence(out);
    assert.deepEqual(reads, ["packPaddedSequence"]);
  } finally {
    off();
  }
});

test("bad packing arguments and packed inputs raise FluxionErrors naming the function", () => {
  const x = fx.randn([4, 3, 2]);
  const msg = (f: () => unknown) => fluxionErrorMessage(f, "call");
  assert.match(msg(() => packPaddedSequence(x, [4, 2, 3])), /`lengths` array must be sorted in decreasing order when `enforceSorted` is true, got \[4, 2, 3\]/);
  assert.match(msg(() => packPaddedSequence(x, [4, 3, 0])), /Length of all samples has to be greater than 0/);
  assert.match(msg(() => packPaddedSequence(x, [4, 3])), /Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3/);
  assert.match(msg(() => packPaddedSequence(x, [5, 3, 2])), /a length of 5 exceeds the padded sequence length 4/);
  assert.match(msg(() => packPaddedSequence(x, tensor([[4, 3, 1]], { dtype: "int64" }))), /'lengths' argument should be a 1D tensor \(or a list\), but got a 2D int64 tensor of shape \[1, 3\]/);
  assert.match(msg(() => packPaddedSequence(x, tensor([4, 3, 0.5]))), /Length of all samples has to be greater than 0/);
  assert.match(msg(() => packPaddedSequence(fx.zeros([0, 0]), [])), /Cannot pack empty tensors/);
  assert.match(msg(() => packPaddedSequence(fx.zeros([3]), [3])), /expected a padded batch \[T, B, \*\]/);
  const p = packPaddedSequence(x, [4, 2, 3], false, false);
  assert.match(msg(() => padPackedSequence(p, false, 0, 3)), /Expected total_length to be at least the length of the longest sequence in input, but got total_length=3 and max sequence length being 4/);
  assert.throws(() => padPackedSequence(x as never), (e) => e instanceof fx.ArgumentError && /argument 'sequence' \(position 1\) must be PackedSequence/.test(e.message));
  assert.match(msg(() => packSequence([])), /received an empty list of sequences/);
  assert.match(msg(() => new PackedSequence(fx.zeros([3]), [2, 2])), /data \(shape \[3\]\) must have the sum of batchSizes \(4\) rows/);
  assert.match(msg(() => new PackedSequence(fx.zeros([3]), [1, 2])), /batchSizes must be positive and non-increasing, got \[1, 2\]/);
  assert.match(msg(() => unpadSequence(fx.zeros([3, 2]), [4, 1])), /length 4 of sequence 0 is not in \[0, 3\]/);
  // a packed input to a recurrent layer: its data's feature size, dtype, hidden state shapes
  const lstm = new nn.LSTM(2, 3);
  assert.match(msg(() => lstm.forward(packPaddedSequence(fx.randn([4, 3, 5]), [4, 2, 1]))), /LSTM: input.size\(-1\) must be equal to input_size. Expected 2, got 5/);
  assert.match(msg(() => lstm.forward(p.double())), /LSTM: expected input of dtype float32 .*got float64/);
  assert.match(msg(() => lstm.forward(p, [fx.zeros([1, 2, 3]), fx.zeros([1, 3, 3])])), /Expected hidden\[0\] size \[1, 3, 3\], got \[1, 2, 3\]/);
  assert.match(msg(() => new nn.GRU(2, 3).forward(p, fx.zeros([3, 3]))), /For batched 3-D input, hx should also be 3-D/);
});

test("packPaddedSequence takes float lengths as PyTorch's as_tensor(lengths, dtype=int64) does (truncated)", () => {
  const x = fx.randn([3, 4, 2]);
  // tensor([4, 2, 1]) is float32 here where torch.tensor([4, 2, 1]) is int64: both pack the same
  for (const lengths of [tensor([4, 2, 1]), tensor([4.9, 2.5, 1], { dtype: "float64" })]) {
    const p = packPaddedSequence(x, lengths, true);
    assert.deepEqual(p.batchSizes.tolist(), [3, 2, 1, 1]);
    assert.equal(p.batchSizes.dtype, "int64");
    assert.deepEqual(p.data.shape, [7, 2]);
  }
  const q = packPaddedSequence(x, tensor([2, 4, 1]), true, false);
  assert.deepEqual(q.sortedIndices!.tolist(), [1, 0, 2]);
});

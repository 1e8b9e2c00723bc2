/**
 * TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch 1.13: the
 * stateDict names, a full encoder-decoder forward with masks and its input gradient, the
 * subsequent mask, prints and errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arange, nn, noGrad, randn, tensor } from "../../src/index.js";
import { assertClose, assertShape } from "../helpers.js";

/** Every stateDict entry filled with sin(0.37 k + i) * 0.3, as the PyTorch reference did. */
function fill(m: nn.Module): void {
  noGrad(() => Object.values(m.stateDict()).forEach((p, i) => p.copy_(arange(p.numel(), { dtype: "float32" }).mul(0.37).add(i).sin().reshape(p.shape).mul(0.3))));
}

test("nn.Transformer matches PyTorch 1.13 (batchFirst, causal target mask, memory padding mask, gradient)", () => {
  // m = nn.Transformer(8, 2, 1, 2, 12, dropout=0.0, batch_first=True); fill(m) as above
  // src = (torch.arange(96.) * 0.11).cos().reshape(2, 6, 8); tgt = (torch.arange(64.) * 0.07).sin().reshape(2, 4, 8).requires_grad_()
  // out = m(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4),
  //         memory_key_padding_mask=torch.tensor([[False] * 5 + [True], [False] * 6])); out[1, 2]; out.sum().backward(); tgt.grad[0, 3]
  const m = new nn.Transformer(8, 2, 1, 2, 12, { dropout: 0, batchFirst: true });
  fill(m);
  const src = arange(96, { dtype: "float32" }).mul(0.11).cos().reshape(2, 6, 8);
  const tgt = arange(64, { dtype: "float32" }).mul(0.07).sin().reshape(2, 4, 8).requiresGrad_(true);
  const pad = tensor([[false, false, false, false, false, true], [false, false, false, false, false, false]]);
  const out = m(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(4), memoryKeyPaddingMask: pad });
  assertShape(out, [2, 4, 8]);
  assertClose(out.index(1, 2), [0.3655967116355896, 0.24782094359397888, 0.3190007507801056, 0.28367912769317627, 0.28924304246902466, 0.21540088951587677, 0.2144491821527481, 0.31148654222488403], { rtol: 1e-4, atol: 1e-6 });
  out.sum().backward();
  assertClose(tgt.grad!.index(0, 3), [0.0021807190496474504, 0.00580188911408186, -0.0053949421271681786, -0.002749271225184202, 0.0015362058766186237, -0.002216854365542531, 0.0011695959838107228, -0.0004305301117710769], { rtol: 1e-3, atol: 1e-6 });
  const keys = Object.keys(m.stateDict());
  assert.equal(keys.length, 52); // len(m.state_dict()), in the same order as PyTorch (fill depends on it)
  assert.ok(keys.includes("decoder.layers.1.multihead_attn.in_proj_weight") && keys.includes("encoder.norm.weight") && keys.includes("decoder.norm.bias"));
});

test("TransformerDecoderLayer / TransformerDecoder: shapes, prints, the subsequent mask and errors", () => {
  const layer = new nn.TransformerDecoderLayer(8, 2, 16);
  assert.equal(String(layer).split("\n").filter((l) => /^  \(/.test(l)).map((l) => l.trim().split(":")[0]).join(" "),
    "(self_attn) (multihead_attn) (linear1) (dropout) (linear2) (norm1) (norm2) (norm3) (dropout1) (dropout2) (dropout3)");
  const dec = new nn.TransformerDecoder(layer, 3, { norm: new nn.LayerNorm(8) });
  dec.eval();
  assertShape(dec(randn(5, 2, 8), randn(7, 2, 8)), [5, 2, 8]);
  assert.deepEqual(Object.keys(dec.stateDict()).filter((k) => k.startsWith("layers.2.norm3")), ["layers.2.norm3.weight", "layers.2.norm3.bias"]);
  // nn.Transformer.generate_square_subsequent_mask(3)
  assert.deepEqual(nn.Transformer.generateSquareSubsequentMask(3).tolist(), [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
  // on an instance too (self.transformer.generate_square_subsequent_mask(sz)); device and dtype positional or named
  const inst = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 });
  assert.deepEqual(inst.generateSquareSubsequentMask(2).tolist(), [[0, -Infinity], [0, 0]]);
  assert.equal(nn.Transformer.generateSquareSubsequentMask(2, "cpu", "float64").dtype, "float64");
  assert.equal(inst.generateSquareSubsequentMask(2, { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(nn.Transformer.generateSquareSubsequentMask(0).shape, [0, 0]);
  assert.throws(() => nn.Transformer.generateSquareSubsequentMask(-1), /generateSquareSubsequentMask\(\): sz must be a non-negative int, got -1/);
  assert.throws(() => nn.Transformer.generateSquareSubsequentMask(2.5), /generateSquareSubsequentMask\(\): argument 'sz' \(position 1\) must be int/);
  assert.throws(() => inst.generateSquareSubsequentMask(3, { dtype: "bool" }), /the mask holds -inf, so dtype must be floating point, got bool/);
  assert.throws(() => new nn.TransformerDecoder(new nn.Linear(2, 2) as never, 2), /TransformerDecoder\(\): argument 'decoderLayer' \(position 1\) must be a TransformerDecoderLayer/);
  assert.throws(() => new nn.TransformerDecoderLayer(8, 3), /d_model must be divisible by nhead/);
  const t = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 1, dimFeedforward: 8 });
  assert.throws(() => t(randn(4, 2, 8), randn(3, 3, 8)), /Transformer.forward\(\): the batch number of src and tgt must be equal/);
  assert.throws(() => t(randn(4, 2, 6), randn(3, 2, 6)), /the feature number of src and tgt must be equal to d_model=8/);
});

test("PyTorch 2.x's causal hints: tgtIsCausal / memoryIsCausal / srcIsCausal use the given mask, or build the causal one when none is given", () => {
  const m = new nn.Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 1, numDecoderLayers: 2, dimFeedforward: 12, dropout: 0, batchFirst: true });
  fill(m);
  const src = arange(80, { dtype: "float32" }).mul(0.13).cos().reshape(2, 5, 8);
  const tgt = arange(64, { dtype: "float32" }).mul(0.07).sin().reshape(2, 4, 8);
  const tgtMask = nn.Transformer.generateSquareSubsequentMask(4);
  const ref = m(src, tgt, { tgtMask });
  assertClose(m(src, tgt, { tgtIsCausal: true }), ref, { atol: 1e-6 });
  assertClose(m(src, tgt, { tgtMask, tgtIsCausal: true }), ref, { atol: 1e-6 });
  assertClose(m(src, tgt, { tgtMask, tgtIsCausal: null, srcIsCausal: null }), ref, { atol: 1e-6 }); // None: PyTorch detects; the mask decides either way
  const srcMask = nn.Transformer.generateSquareSubsequentMask(5);
  assertClose(m(src, tgt, { srcIsCausal: true, tgtIsCausal: true }), m(src, tgt, { srcMask, tgtMask }), { atol: 1e-6 });
  // memory attention, top-left aligned [T, S] as PyTorch's causal masks
  const memMask = nn.Transformer.generateSquareSubsequentMask(5).narrow(0, 0, 4);
  assertClose(m(src, tgt, { memoryIsCausal: true }), m(src, tgt, { memoryMask: memMask }), { atol: 1e-6 });
  const dec = m.decoder as nn.TransformerDecoder, layer = dec.layers.at(0) as nn.TransformerDecoderLayer;
  const mem = randn(2, 5, 8);
  assertClose(layer(tgt, mem, { tgtIsCausal: true }), layer(tgt, mem, tgtMask), { atol: 1e-6 });
  assertClose(dec(tgt, mem, null, null, null, null, true), dec(tgt, mem, tgtMask), { atol: 1e-6 });
  assert.throws(() => layer(tgt, mem, { tgtIsCausal: "yes" as never }), /TransformerDecoderLayer.forward\(\): option 'tgtIsCausal' must be bool/);
});

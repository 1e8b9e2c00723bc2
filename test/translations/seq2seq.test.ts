/**
 * Sequence-to-sequence translation, translated line by line from
 * test/fixtures/translations/seq2seq.py (-> seq2seq.json, PyTorch 1.13).
 * (1) nn.Transformer (batchFirst): Embedding(paddingIdx) scaled by Math.sqrt(dModel) with the pad
 * row zeroed under noGrad, a sinusoidal PositionalEncoding (registerBuffer, persistent and not),
 * padding masks from x.eq(PAD), generateSquareSubsequentMask on the class and on the instance,
 * CrossEntropyLoss(ignoreIndex, labelSmoothing) on logits.reshape(-1, V), Adam; a dropout-0.1
 * copy in eval mode, a seq-first copy on transposed inputs, a normFirst/gelu variant, greedy
 * decoding through transformer.encoder / .decoder.
 * (2) A GRU encoder-decoder with Bahdanau attention: bidirectional GRU over packPaddedSequence
 * (enforceSorted false) / padPackedSequence, h_n.view(1, 2, -1, H), masked_fill(mask == 0,
 * -1e10) then softmax, bmm, deterministic teacher forcing, clipGradNorm_, Adam; then
 * nn.MultiheadAttention (seq-first, kdim/vdim) with needWeights / averageAttnWeights and float,
 * bool and 3-D attnMask.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("seq2seq.json");
const PAD = 0, BOS = 1, EOS = 2;
const SRC_V = 11, TGT_V = 12;
const D = 16, H = 4, FF = 32;

function close(a: number, b: number, msg: string, tol = 1e-4): void {
  assert.ok(Math.abs(a - b) < tol, `${msg}: ${a} vs PyTorch ${b}`);
}

/** A row of `length` ids in [3, vocab) followed by EOS, from the LCG. */
function tokens(seed: number, vocab: number, length: number): number[] {
  return [...(detLabels(length, seed, vocab - 3).add(3).tolist() as number[]), EOS];
}

function batch(lengths: number[], seed: number, vocab: number, bos = false): Tensor {
  const rows = lengths.map((n, i) => [...(bos ? [BOS] : []), ...tokens(seed + i, vocab, n)]);
  const width = Math.max(...rows.map((r) => r.length));
  return torch.tensor(rows.map((r) => [...r, ...Array(width - r.length).fill(PAD)]), { dtype: torch.long });
}

class PositionalEncoding extends nn.Module {
  dropout: nn.Dropout;
  batchFirst: boolean;
  declare pe: Tensor;
  constructor(dModel: number, dropout = 0.1, maxLen = 32, batchFirst = true, persistent = true) {
    super();
    this.dropout = new nn.Dropout({ p: dropout });
    this.batchFirst = batchFirst;
    const position = torch.arange(maxLen).unsqueeze(1);
    const divTerm = torch.exp(torch.arange(0, dModel, 2).mul(-Math.log(10000.0) / dModel));
    let pe = torch.zeros(maxLen, dModel);
    pe.indexPut_([":", "0::2"], torch.sin(position.mul(divTerm)));
    pe.indexPut_([":", "1::2"], torch.cos(position.mul(divTerm)));
    pe = batchFirst ? pe.unsqueeze(0) : pe.unsqueeze(1);
    this.registerBuffer("pe", pe, { persistent });
  }

  forward(x: Tensor): Tensor {
    if (this.batchFirst) x = x.add(this.pe.index(":", `:${x.size(1)}`));
    else x = x.add(this.pe.index(`:${x.size(0)}`));
    return this.dropout(x);
  }
}

interface TransformerOpts { dropout?: number; batchFirst?: boolean; normFirst?: boolean; activation?: "relu" | "gelu"; persistent?: boolean }

class Seq2SeqTransformer extends nn.Module {
  batchFirst: boolean;
  src_tok: nn.Embedding;
  tgt_tok: nn.Embedding;
  pos: PositionalEncoding;
  transformer: nn.Transformer;
  generator: nn.Linear;
  constructor({ dropout = 0.0, batchFirst = true, normFirst = false, activation = "relu", persistent = true }: TransformerOpts = {}) {
    super();
    this.batchFirst = batchFirst;
    this.src_tok = new nn.Embedding(SRC_V, D, { paddingIdx: PAD });
    this.tgt_tok = new nn.Embedding(TGT_V, D, { paddingIdx: PAD });
    this.pos = new PositionalEncoding(D, dropout, 32, batchFirst, persistent);
    this.transformer = new nn.Transformer({
      dModel: D, nhead: H, numEncoderLayers: 2, numDecoderLayers: 2,
      dimFeedforward: FF, dropout, activation, batchFirst, normFirst,
    });
    this.generator = new nn.Linear(D, TGT_V);
  }

  embedSrc(src: Tensor): Tensor {
    return this.pos(this.src_tok(src).mul(Math.sqrt(D)));
  }

  embedTgt(tgt: Tensor): Tensor {
    return this.pos(this.tgt_tok(tgt).mul(Math.sqrt(D)));
  }

  forward(src: Tensor, tgt: Tensor, srcPad: Tensor, tgtPad: Tensor): Tensor {
    const t = this.batchFirst ? tgt.size(1) : tgt.size(0);
    const tgtMask = this.transformer.generateSquareSubsequentMask(t);
    const out = this.transformer(this.embedSrc(src), this.embedTgt(tgt), {
      tgtMask, srcKeyPaddingMask: srcPad, tgtKeyPaddingMask: tgtPad, memoryKeyPaddingMask: srcPad,
    });
    return this.generator(out);
  }
}

function make(seed: number, opts: TransformerOpts = {}): Seq2SeqTransformer {
  const m = new Seq2SeqTransformer(opts);
  initDeterministic(m, seed);
  torch.noGrad(() => {
    m.src_tok.weight.index(PAD).fill_(0);
    m.tgt_tok.weight.indexPut_([PAD], 0);
  });
  return m;
}

const src = batch([6, 3, 4], 10, SRC_V); // [3, 7], the first row unpadded
const tgt = batch([4, 5, 2], 20, TGT_V, true); // [3, 7]: BOS ... EOS PAD
const tgtIn = tgt.index(":", ":-1"), tgtOut = tgt.index(":", "1:");
const srcPad = src.eq(PAD), tgtPad = tgtIn.eq(PAD);

test("seq2seq data: token batches match PyTorch's", () => {
  assertTensor(src, FIX.src, { msg: "src" });
  assertTensor(tgt, FIX.tgt, { msg: "tgt" });
});

test("nn.Transformer seq2seq: label-smoothed loss, Adam steps, eval copies, seq-first layout, pre-norm gelu and greedy decoding match PyTorch", () => {
  const criterion = new nn.CrossEntropyLoss({ ignoreIndex: PAD, labelSmoothing: 0.1 });
  const model = make(100);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.01, betas: [0.9, 0.98], eps: 1e-9 });
  const tfLosses: number[] = [];
  let first: Record<string, Tensor> = {};
  for (let step = 0; step < 3; step++) {
    model.train();
    const logits = model(src, tgtIn, srcPad, tgtPad);
    const loss = criterion(logits.reshape(-1, logits.shape[logits.ndim - 1]!), tgtOut.reshape(-1));
    optimizer.zeroGrad();
    loss.backward();
    if (step === 0) {
      first = {
        logits, grad_src_tok: model.src_tok.weight.grad!,
        grad_in_proj: ((model.transformer.decoder as nn.TransformerDecoder).layers.at(1) as nn.TransformerDecoderLayer).multihead_attn.in_proj_weight!.grad!,
        grad_gen: model.generator.weight.grad!,
      };
    }
    optimizer.step();
    tfLosses.push(loss.item());
  }
  tfLosses.forEach((l, i) => close(l, FIX.tf_losses[i], `transformer step ${i} loss`));
  assertTensor(first.logits!, FIX.tf_first.logits, { atol: 1e-4, msg: "first logits" });
  assertTensor(first.grad_src_tok!, FIX.tf_first.grad_src_tok, { atol: 1e-5, msg: "src_tok.weight.grad" });
  assertTensor(first.grad_in_proj!, FIX.tf_first.grad_in_proj, { atol: 1e-5, msg: "decoder.layers[1].multihead_attn.in_proj_weight.grad" });
  assertTensor(first.grad_gen!, FIX.tf_first.grad_gen, { atol: 1e-5, msg: "generator.weight.grad" });

  const mask4 = nn.Transformer.generateSquareSubsequentMask(4);
  assertTensor(torch.isneginf(mask4), FIX.mask4.neginf, { msg: "mask4 -inf" });
  assertTensor(mask4.maskedFill(torch.isneginf(mask4), 0), FIX.mask4.v, { msg: "mask4" });
  assert.deepEqual(Object.keys(model.stateDict()), FIX.sd_keys); // a plain object: Object.keys for .keys()
  assertTensor(model.generator.weight, FIX.gen_weight, { atol: 1e-5, msg: "generator.weight after 3 steps" });
  assertTensor(model.src_tok.weight, FIX.src_tok, { atol: 1e-5, msg: "src_tok.weight after 3 steps (pad row untouched)" });
  assertTensor(optimizer.state.get(model.generator.weight)!.expAvgSq as Tensor, FIX.exp_avg_sq_gen, { atol: 1e-7, msg: "exp_avg_sq" });

  // a dropout-0.1 copy in eval mode, and a seq-first copy with a non-persistent pe
  model.eval();
  const drop = new Seq2SeqTransformer({ dropout: 0.1 });
  drop.loadStateDict(model.stateDict());
  drop.eval();
  const seqFirst = new Seq2SeqTransformer({ batchFirst: false, persistent: false });
  const missing = seqFirst.loadStateDict(model.stateDict(), { strict: false });
  seqFirst.eval();
  assert.deepEqual(missing.missingKeys, FIX.missing);
  assert.deepEqual(missing.unexpectedKeys, FIX.unexpected);
  const [evalLogits, dropLogits, sfLogits] = torch.noGrad(() => [
    model(src, tgtIn, srcPad, tgtPad),
    drop(src, tgtIn, srcPad, tgtPad),
    seqFirst(src.t(), tgtIn.t(), srcPad, tgtPad),
  ]);
  assertTensor(evalLogits!, FIX.eval_logits, { atol: 1e-4, msg: "eval logits" });
  assertTensor(dropLogits!, FIX.drop_logits, { atol: 1e-4, msg: "dropout-0.1 copy, eval mode" });
  assertTensor(sfLogits!, FIX.sf_logits, { atol: 1e-4, msg: "seq-first logits [T, N, V]" });

  // pre-norm, GELU: one step's loss and gradients
  const pre = make(200, { normFirst: true, activation: "gelu" });
  const preLogits = pre(src, tgtIn, srcPad, tgtPad);
  const preLoss = criterion(preLogits.reshape(-1, TGT_V), tgtOut.reshape(-1));
  preLoss.backward();
  const prePlain = F.crossEntropy(preLogits.reshape(-1, TGT_V), tgtOut.reshape(-1), { ignoreIndex: PAD });
  close(preLoss.item(), FIX.pre_loss, "norm_first loss");
  close(prePlain.item(), FIX.pre_plain, "norm_first loss without smoothing");
  const preEnc = pre.transformer.encoder as nn.TransformerEncoder, preDec = pre.transformer.decoder as nn.TransformerDecoder;
  assertTensor((preEnc.layers.at(0) as nn.TransformerEncoderLayer).norm1.weight!.grad!, FIX.pre_grad_norm1, { atol: 1e-5, msg: "pre-norm encoder norm1.weight.grad" });
  assertTensor((preDec.layers.at(0) as nn.TransformerDecoderLayer).linear1.weight.grad!, FIX.pre_grad_lin1, { atol: 1e-5, msg: "pre-norm decoder linear1.weight.grad" });
  assertTensor(pre.tgt_tok.weight.grad!, FIX.pre_grad_tgt_tok, { atol: 1e-5, msg: "pre-norm tgt_tok.weight.grad" });

  const greedyDecode = (model: Seq2SeqTransformer, src: Tensor, maxLen: number) =>
    torch.noGrad(() => {
      model.eval();
      const srcPad = src.eq(PAD);
      const memory = model.transformer.encoder(model.embedSrc(src), { srcKeyPaddingMask: srcPad });
      let ys = torch.full([src.size(0), 1], BOS, { dtype: torch.long });
      const finished = torch.zeros(src.size(0), { dtype: torch.bool });
      let prob!: Tensor;
      for (let i = 0; i < maxLen - 1; i++) {
        const tgtMask = nn.Transformer.generateSquareSubsequentMask(ys.size(1));
        const out = model.transformer.decoder(model.embedTgt(ys), memory, { tgtMask, memoryKeyPaddingMask: srcPad });
        prob = model.generator(out.index(":", -1));
        const nextWord = prob.argmax({ dim: -1 }).maskedFill(finished, PAD);
        ys = torch.cat([ys, nextWord.unsqueeze(1)], { dim: 1 });
        finished.logicalOr_(nextWord.eq(EOS));
        if (finished.all().item()) break;
      }
      return [ys, memory, prob] as const;
    });
  const [ys, memory, lastProb] = greedyDecode(model, src, 6);
  assertTensor(ys, FIX.ys, { msg: "greedy tokens" });
  assert.equal(ys.dtype, "int64");
  assertTensor(lastProb, FIX.last_prob, { atol: 1e-4, msg: "last step's logits" });
  // PyTorch 1.13's eval-mode encoder runs padded batches as nested tensors and returns
  // LayerNorm(0) at the padded positions; only the real positions are comparable
  const keep = srcPad.logicalNot().unsqueeze(-1).expand(-1, -1, D);
  const fixMemory = torch.tensor(FIX.memory.v as number[]).reshape(FIX.memory.shape);
  assertTensor(memory.index(keep), { shape: [keep.sum().item()], dtype: "float32", v: fixMemory.index(keep).tolist() as number[] }, { atol: 1e-4, msg: "memory (unpadded positions)" });

  // the PyTorch translation tutorial's forms, on the seq-first copy: its collate_fn (torch.cat of
  // BOS, ids, EOS; pad_sequence with padding_value), its hand-made subsequent mask, create_mask
  // with an all-False bool src_mask, and translate()'s batch-of-one greedy loop
  function tutorialSquareSubsequentMask(sz: number): Tensor {
    let mask = torch.triu(torch.ones([sz, sz])).eq(1).transpose(0, 1);
    mask = mask.float().maskedFill(mask.eq(0), -Infinity).maskedFill(mask.eq(1), 0.0);
    return mask;
  }

  function collateFn(batch: [number[], number[]][]): [Tensor, Tensor] {
    const srcBatch: Tensor[] = [], tgtBatch: Tensor[] = [];
    // torch.tensor of Python ints is int64; of JS numbers float32 (docs/pytorch.md): say long
    const long = (ids: number[]) => torch.tensor(ids, { dtype: torch.long });
    for (const [srcIds, tgtIds] of batch) {
      srcBatch.push(torch.cat([long([BOS]), long(srcIds), long([EOS])]));
      tgtBatch.push(torch.cat([long([BOS]), long(tgtIds), long([EOS])]));
    }
    return [nn.utils.rnn.padSequence(srcBatch, { paddingValue: PAD }), nn.utils.rnn.padSequence(tgtBatch, { paddingValue: PAD })];
  }

  function createMask(src: Tensor, tgt: Tensor): [Tensor, Tensor, Tensor, Tensor] {
    const srcSeqLen = src.shape[0]!, tgtSeqLen = tgt.shape[0]!;
    const tgtMask = tutorialSquareSubsequentMask(tgtSeqLen);
    const srcMask = torch.zeros([srcSeqLen, srcSeqLen]).type(torch.bool);
    const srcPaddingMask = src.eq(PAD).transpose(0, 1);
    const tgtPaddingMask = tgt.eq(PAD).transpose(0, 1);
    return [srcMask, tgtMask, srcPaddingMask, tgtPaddingMask];
  }

  assertTensor(torch.isneginf(tutorialSquareSubsequentMask(4)), FIX.tutorial_mask_neginf, { msg: "the tutorial's mask" });
  const pairs: [number[], number[]][] = [[[4, 7, 9, 5], [6, 3]], [[8, 3], [5, 9, 10, 4]], [[10, 6, 7], [7]]];
  const [tSrc, tTgt] = collateFn(pairs); // [S, N], [T, N]
  assertTensor(tSrc, FIX.t_src, { msg: "collate src" });
  assertTensor(tTgt, FIX.t_tgt, { msg: "collate tgt" });
  const tTgtInput = tTgt.index(":-1", ":");
  const [srcMask, tgtMask, srcPaddingMask, tgtPaddingMask] = createMask(tSrc, tTgtInput);
  const [tLogits, tLoss, tMemory] = torch.noGrad(() => {
    const outs = seqFirst.transformer(seqFirst.embedSrc(tSrc), seqFirst.embedTgt(tTgtInput), srcMask, tgtMask, null,
      srcPaddingMask, tgtPaddingMask, srcPaddingMask);
    const tLogits = seqFirst.generator(outs);
    const tLoss = F.crossEntropy(tLogits.reshape(-1, tLogits.shape[tLogits.ndim - 1]!), tTgt.index("1:", ":").reshape(-1), { ignoreIndex: PAD });
    const tMemory = seqFirst.transformer.encoder(seqFirst.embedSrc(tSrc), srcMask, srcPaddingMask);
    return [tLogits, tLoss, tMemory];
  });
  assertTensor(tLogits, FIX.t_logits, { atol: 1e-4, msg: "tutorial-form logits" });
  close(tLoss.item(), FIX.t_loss, "tutorial-form loss");
  assertTensor(tMemory, FIX.t_memory, { atol: 1e-4, msg: "memory with a src_mask (no nested-tensor path in PyTorch: padded positions agree too)" });

  const tutorialGreedyDecode = (model: Seq2SeqTransformer, src: Tensor, srcMask: Tensor, maxLen: number, startSymbol: number) =>
    torch.noGrad(() => {
      const memory = model.transformer.encoder(model.embedSrc(src), srcMask);
      let ys = torch.ones(1, 1).fill_(startSymbol).type(torch.long);
      const probs: Tensor[] = [];
      for (let i = 0; i < maxLen - 1; i++) {
        const tgtMask = tutorialSquareSubsequentMask(ys.size(0)).type(torch.bool);
        let out = model.transformer.decoder(model.embedTgt(ys), memory, tgtMask);
        out = out.transpose(0, 1);
        const prob = model.generator(out.index(":", -1));
        probs.push(prob);
        const [, nextWordT] = torch.max(prob, { dim: 1 });
        const nextWord = nextWordT.item();
        ys = torch.cat([ys, torch.ones(1, 1).typeAs(src.data).fill_(nextWord)], { dim: 0 });
        if (nextWord === EOS) break;
      }
      return [ys, torch.cat(probs)] as const;
    });
  let one = tSrc.index(":", "1:2");
  one = one.index(`:${one.ne(PAD).sum().item()}`);
  const [tYs, tProbs] = tutorialGreedyDecode(seqFirst, one, torch.zeros(one.shape[0]!, one.shape[0]!).type(torch.bool), 5, BOS);
  assertTensor(tYs, FIX.t_ys, { msg: "tutorial greedy tokens" });
  assertTensor(tProbs, FIX.t_probs, { atol: 1e-4, msg: "tutorial greedy logits" });
});

// ---- (2) GRU encoder-decoder with Bahdanau attention ---------------------------------------
const EMB = 6, ENC_H = 5, DEC_H = 7;

class Encoder extends nn.Module {
  embedding = new nn.Embedding(SRC_V, EMB, { paddingIdx: PAD });
  rnn = new nn.GRU(EMB, ENC_H, { bidirectional: true });
  fc = new nn.Linear(ENC_H * 2, DEC_H);

  forward(src: Tensor, srcLen: Tensor): [Tensor, Tensor, Tensor] { // src [S, N]
    const embedded = this.embedding(src);
    const packed = nn.utils.rnn.packPaddedSequence(embedded, srcLen.to("cpu"), { enforceSorted: false });
    const [packedOutputs, hidden0] = this.rnn(packed);
    const [outputs, outLen] = nn.utils.rnn.padPackedSequence(packedOutputs); // [S, N, 2 ENC_H]
    const h = hidden0.view(1, 2, -1, ENC_H).index(-1); // [2, N, ENC_H]
    const hidden = torch.tanh(this.fc(torch.cat([h.index(0), h.index(1)], { dim: 1 })));
    return [outputs, hidden, outLen];
  }
}

class Attention extends nn.Module {
  attn = new nn.Linear(ENC_H * 2 + DEC_H, DEC_H);
  v = new nn.Linear(DEC_H, 1, { bias: false });

  forward(hidden: Tensor, encoderOutputs: Tensor, mask: Tensor): Tensor {
    const srcLen = encoderOutputs.shape[0]!;
    hidden = hidden.unsqueeze(1).repeat(1, srcLen, 1);
    encoderOutputs = encoderOutputs.permute(1, 0, 2);
    const energy = torch.tanh(this.attn(torch.cat([hidden, encoderOutputs], { dim: 2 })));
    let attention = this.v(energy).squeeze(2);
    attention = attention.maskedFill(mask.eq(0), -1e10);
    return F.softmax(attention, { dim: 1 });
  }
}

class Decoder extends nn.Module {
  attention = new Attention();
  embedding = new nn.Embedding(TGT_V, EMB);
  rnn = new nn.GRU(ENC_H * 2 + EMB, DEC_H);
  fc_out = new nn.Linear(ENC_H * 2 + DEC_H + EMB, TGT_V);

  forward(input: Tensor, hidden: Tensor, encoderOutputs: Tensor, mask: Tensor): [Tensor, Tensor, Tensor] {
    const embedded = this.embedding(input.unsqueeze(0)); // [1, N, EMB]
    const a = this.attention(hidden, encoderOutputs, mask).unsqueeze(1); // [N, 1, S]
    const weighted = torch.bmm(a, encoderOutputs.permute(1, 0, 2)).permute(1, 0, 2);
    let output: Tensor;
    [output, hidden] = this.rnn(torch.cat([embedded, weighted], { dim: 2 }), hidden.unsqueeze(0));
    assert.ok(output.eq(hidden).all().item());
    const prediction = this.fc_out(torch.cat([output.squeeze(0), weighted.squeeze(0), embedded.squeeze(0)], { dim: 1 }));
    return [prediction, hidden.squeeze(0), a.squeeze(1)];
  }
}

class Seq2Seq extends nn.Module {
  encoder = new Encoder();
  decoder = new Decoder();

  forward(src: Tensor, srcLen: Tensor, trg: Tensor, teacherForcing: boolean[]): [Tensor, Tensor] {
    const [trgLen, batchSize] = trg.shape as [number, number];
    const outputs = torch.zeros(trgLen, batchSize, TGT_V);
    const attentions = torch.zeros(trgLen, batchSize, src.shape[0]!);
    let [encoderOutputs, hidden] = this.encoder(src, srcLen);
    const mask = src.ne(PAD).permute(1, 0);
    let input = trg.index(0, ":");
    for (let t = 1; t < trgLen; t++) {
      let output: Tensor, a: Tensor;
      [output, hidden, a] = this.decoder(input, hidden, encoderOutputs, mask);
      outputs.indexPut_([t], output);
      attentions.indexPut_([t], a);
      const top1 = output.argmax(1);
      input = teacherForcing[t] ? trg.index(t) : top1;
    }
    return [outputs, attentions];
  }
}

test("GRU seq2seq with Bahdanau attention: packed bidirectional encoder, masked softmax, teacher forcing, clipGradNorm_ and Adam match PyTorch", () => {
  const rnnSrc = src.t().contiguous(), rnnTrg = tgt.t().contiguous(); // [S, N], [T, N]
  const srcLen = rnnSrc.ne(PAD).sum(0);
  const s2s = new Seq2Seq();
  initDeterministic(s2s, 400);
  const opt2 = new torch.optim.Adam(s2s.parameters(), { lr: 0.01 });
  const crit2 = new nn.CrossEntropyLoss({ ignoreIndex: PAD });
  const teacher = [true, true, false, true, false, true, true];
  const rnnLosses: number[] = [], gradNorms: number[] = [];
  let first: Record<string, Tensor> = {};
  for (let step = 0; step < 3; step++) {
    s2s.train();
    opt2.zeroGrad();
    const [output, attentions] = s2s(rnnSrc, srcLen, rnnTrg, teacher);
    const out = output.index("1:").view(-1, TGT_V);
    const loss = crit2(out, rnnTrg.index("1:").view(-1));
    loss.backward();
    gradNorms.push(nn.utils.clipGradNorm_(s2s.parameters(), 1.0).item());
    if (step === 0) {
      first = {
        output, attentions,
        grad_gru_w_hh_reverse: s2s.encoder.rnn.weight_hh_l0_reverse.grad!,
        grad_attn: s2s.decoder.attention.attn.weight.grad!,
        grad_emb: s2s.encoder.embedding.weight.grad!,
      };
    }
    opt2.step();
    rnnLosses.push(loss.item());
  }
  rnnLosses.forEach((l, i) => close(l, FIX.rnn_losses[i], `GRU seq2seq step ${i} loss`));
  gradNorms.forEach((g, i) => close(g, FIX.grad_norms[i], `step ${i} total grad norm`));
  assertTensor(first.output!, FIX.rnn_first.output, { atol: 1e-5, msg: "decoder outputs" });
  assertTensor(first.attentions!, FIX.rnn_first.attentions, { atol: 1e-5, msg: "attention weights" });
  assertTensor(first.grad_gru_w_hh_reverse!, FIX.rnn_first.grad_gru_w_hh_reverse, { atol: 1e-5, msg: "encoder.rnn.weight_hh_l0_reverse.grad" });
  assertTensor(first.grad_attn!, FIX.rnn_first.grad_attn, { atol: 1e-5, msg: "attention.attn.weight.grad" });
  assertTensor(first.grad_emb!, FIX.rnn_first.grad_emb, { atol: 1e-5, msg: "encoder.embedding.weight.grad (pad row zero)" });
  assertTensor(s2s.decoder.rnn.weight_ih_l0, FIX.gru_w_ih, { atol: 1e-5, msg: "decoder.rnn.weight_ih_l0 after 3 steps" });
  assertTensor(s2s.decoder.fc_out.bias!, FIX.fc_out_b, { atol: 1e-5, msg: "decoder.fc_out.bias after 3 steps" });

  const [encOut, encHidden, outLen, hN] = torch.noGrad(() => {
    s2s.eval();
    const [encOut, encHidden, outLen] = s2s.encoder(rnnSrc, srcLen);
    const [, hN] = s2s.encoder.rnn(nn.utils.rnn.packPaddedSequence(s2s.encoder.embedding(rnnSrc), srcLen, { enforceSorted: false }));
    return [encOut, encHidden, outLen, hN];
  });
  assertTensor(srcLen, FIX.src_len, { msg: "src_len" });
  assertTensor(outLen, FIX.out_len, { msg: "pad_packed_sequence lengths" });
  assertTensor(encOut, FIX.enc_out, { atol: 1e-5, msg: "encoder outputs (zeros past each length)" });
  assertTensor(encHidden, FIX.enc_hidden, { atol: 1e-5, msg: "encoder hidden" });
  assertTensor(hN, FIX.h_n, { atol: 1e-5, msg: "h_n [2, N, H]" });

  // nn.MultiheadAttention: decoder states attending to encoder outputs
  const mha = new nn.MultiheadAttention(DEC_H + 1, 2, { kdim: ENC_H * 2, vdim: ENC_H * 2 });
  initDeterministic(mha, 500);
  const q = det([3, 3, DEC_H + 1], 510); // [L, N, E], seq-first
  const kv = encOut.detach().clone().requiresGrad_(); // [S, N, 2 ENC_H]
  const S = kv.shape[0]!;
  const kpm = rnnSrc.eq(PAD).t(); // [N, S]
  const floatMask = det([3, S], 520, 0.5);
  const boolMask = torch.zeros(3, S, { dtype: torch.bool });
  boolMask.indexPut_([0, "4:"], true);
  const mask3 = det([3 * 2, 3, S], 530, 0.5);
  const [o1, w1] = mha(q, kv, kv, { keyPaddingMask: kpm, needWeights: true, averageAttnWeights: false });
  const [o2, w2] = mha(q, kv, kv, { keyPaddingMask: kpm, attnMask: floatMask });
  const [o3, w3] = mha(q, kv, kv, { attnMask: boolMask, needWeights: false });
  const [o4, w4] = mha(q, kv, kv, { keyPaddingMask: kpm, attnMask: mask3, averageAttnWeights: false });
  const mhaLoss = o1.pow(2).mean().add(o2.abs().mean()).add(o3.sum().mul(0.1)).add(o4.square().sum().mul(0.01));
  mhaLoss.backward();
  assert.equal(w3, null);
  assertTensor(o1, FIX.o1, { atol: 1e-5, msg: "o1" });
  assertTensor(w1!, FIX.w1, { atol: 1e-5, msg: "w1 per head [N, H, L, S]" });
  assertTensor(o2, FIX.o2, { atol: 1e-5, msg: "o2 (float attn_mask)" });
  assertTensor(w2!, FIX.w2, { atol: 1e-5, msg: "w2 averaged [N, L, S]" });
  assertTensor(o3, FIX.o3, { atol: 1e-5, msg: "o3 (bool attn_mask)" });
  assertTensor(o4, FIX.o4, { atol: 1e-5, msg: "o4 (3-D attn_mask)" });
  assertTensor(w4!, FIX.w4, { atol: 1e-5, msg: "w4" });
  close(mhaLoss.item(), FIX.mha_loss, "mha loss");
  assertTensor(kv.grad!, FIX.grad_kv, { atol: 1e-5, msg: "kv.grad" });
  assertTensor(mha.q_proj_weight!.grad!, FIX.grad_q_proj, { atol: 1e-5, msg: "q_proj_weight.grad" });
  assertTensor(mha.k_proj_weight!.grad!, FIX.grad_k_proj, { atol: 1e-5, msg: "k_proj_weight.grad" });
  assertTensor(mha.out_proj.weight.grad!, FIX.grad_out_proj, { atol: 1e-5, msg: "out_proj.weight.grad" });
});

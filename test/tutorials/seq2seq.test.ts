/**
 * "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention"
 * (pytorch.org/tutorials/intermediate/seq2seq_translation_tutorial), its batched version,
 * translated line by line: EncoderRNN (Embedding + GRU, batchFirst), BahdanauAttention
 * (tanh(Wa q + Ua k), softmax, bmm), AttnDecoderRNN with teacher forcing and greedy decoding
 * through topk, NLLLoss over logSoftmax outputs and Adam; then evaluation with the attention
 * weights. Checked against PyTorch 1.13 (test/fixtures/tutorials/seq2seq.py -> seq2seq.json,
 * which also holds the synthetic corpus, see the script for the changes from the tutorial).
 * Lines that needed more than the mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bmm, cat, empty, nn, noGrad, optim, tanh, tensor, type Tensor } from "../../src/index.js";
import { assertTensor, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("seq2seq.json");
const F = nn.F;

const SOS_token = 0;
const EOS_token = 1;
const PAD_token = 2;
const MAX_LENGTH = 6;
const [VOCAB_IN, VOCAB_OUT] = [11, 9];
const [N_PAIRS, BATCH, N_EPOCHS] = [12, 4, 30];
const hiddenSize = 16;
assert.ok(EOS_token === 1 && FIX.pairs.length === N_PAIRS);

const pairs = FIX.pairs as [number[], number[]][];
const inputIds = tensor(pairs.map((p) => p[0]), { dtype: "int64" }); // torch.tensor(..., dtype=torch.long)
const targetIds = tensor(pairs.map((p) => p[1]), { dtype: "int64" });

class EncoderRNN extends nn.Module {
  hiddenSize: number;
  embedding: nn.Embedding;
  gru: nn.GRU;
  dropout: nn.Dropout;
  constructor(inputSize: number, hiddenSize: number, dropoutP = 0.1) {
    super();
    this.hiddenSize = hiddenSize;

    this.embedding = new nn.Embedding(inputSize, hiddenSize);
    this.gru = new nn.GRU(hiddenSize, hiddenSize, { batchFirst: true });
    this.dropout = new nn.Dropout(dropoutP);
  }

  forward(input: Tensor): [Tensor, Tensor] {
    const embedded = this.dropout(this.embedding(input));
    const [output, hidden] = this.gru(embedded);
    return [output, hidden];
  }
}

class BahdanauAttention extends nn.Module {
  Wa: nn.Linear;
  Ua: nn.Linear;
  Va: nn.Linear;
  constructor(hiddenSize: number) {
    super();
    this.Wa = new nn.Linear(hiddenSize, hiddenSize);
    this.Ua = new nn.Linear(hiddenSize, hiddenSize);
    this.Va = new nn.Linear(hiddenSize, 1);
  }

  forward(query: Tensor, keys: Tensor): [Tensor, Tensor] {
    let scores = this.Va(tanh(this.Wa(query).add(this.Ua(keys))));
    scores = scores.squeeze(2).unsqueeze(1);

    const weights = F.softmax(scores, -1);
    const context = bmm(weights, keys);

    return [context, weights];
  }
}

class AttnDecoderRNN extends nn.Module {
  embedding: nn.Embedding;
  attention: BahdanauAttention;
  gru: nn.GRU;
  out: nn.Linear;
  dropout: nn.Dropout;
  constructor(hiddenSize: number, outputSize: number, dropoutP = 0.1) {
    super();
    this.embedding = new nn.Embedding(outputSize, hiddenSize);
    this.attention = new BahdanauAttention(hiddenSize);
    this.gru = new nn.GRU(2 * hiddenSize, hiddenSize, { batchFirst: true });
    this.out = new nn.Linear(hiddenSize, outputSize);
    this.dropout = new nn.Dropout(dropoutP);
  }

  forward(encoderOutputs: Tensor, encoderHidden: Tensor, targetTensor: Tensor | null = null): [Tensor, Tensor, Tensor] {
    const batchSize = encoderOutputs.size(0);
    let decoderInput = empty(batchSize, 1, { dtype: "int64" }).fill_(SOS_token);
    let decoderHidden = encoderHidden;
    const decoderOutputs: Tensor[] = [];
    const attentions: Tensor[] = [];

    for (let i = 0; i < MAX_LENGTH; i++) {
      let decoderOutput: Tensor, attnWeights: Tensor;
      [decoderOutput, decoderHidden, attnWeights] = this.forwardStep(decoderInput, decoderHidden, encoderOutputs);
      decoderOutputs.push(decoderOutput);
      attentions.push(attnWeights);

      if (targetTensor !== null) {
        // Teacher forcing: Feed the target as the next input
        decoderInput = targetTensor.index(":", i).unsqueeze(1); // Teacher forcing
      } else {
        // Without teacher forcing: use its own predictions as the next input
        const [, topi] = decoderOutput.topk(1);
        decoderInput = topi.squeeze(-1).detach(); // detach from history as input
      }
    }

    let outputs = cat(decoderOutputs, 1);
    outputs = F.logSoftmax(outputs, -1);
    const attn = cat(attentions, 1);

    return [outputs, decoderHidden, attn];
  }

  forwardStep(input: Tensor, hidden: Tensor, encoderOutputs: Tensor): [Tensor, Tensor, Tensor] {
    const embedded = this.dropout(this.embedding(input));

    const query = hidden.permute(1, 0, 2);
    const [context, attnWeights] = this.attention(query, encoderOutputs);
    const inputGru = cat([embedded, context], 2);

    let [output, newHidden] = this.gru(inputGru, hidden) as [Tensor, Tensor];
    output = this.out(output);

    return [output, newHidden, attnWeights];
  }
}

function trainEpoch(batches: [Tensor, Tensor][], encoder: EncoderRNN, decoder: AttnDecoderRNN, encoderOptimizer: optim.Optimizer<any>, decoderOptimizer: optim.Optimizer<any>, criterion: nn.NLLLoss): number {
  let totalLoss = 0;
  for (const [inputTensor, targetTensor] of batches) {
    encoderOptimizer.zeroGrad();
    decoderOptimizer.zeroGrad();

    const [encoderOutputs, encoderHidden] = encoder(inputTensor);
    const [decoderOutputs] = decoder(encoderOutputs, encoderHidden, targetTensor);

    const loss = criterion(
      decoderOutputs.view(-1, decoderOutputs.size(-1)),
      targetTensor.view(-1),
    );
    loss.backward();

    encoderOptimizer.step();
    decoderOptimizer.step();

    totalLoss += loss.item();
  }

  return totalLoss / batches.length;
}

function evaluate(encoder: EncoderRNN, decoder: AttnDecoderRNN, inputTensor: Tensor): [Tensor, Tensor, Tensor] {
  return noGrad(() => { // with torch.no_grad():
    const [encoderOutputs, encoderHidden] = encoder(inputTensor);
    const [decoderOutputs, , decoderAttn] = decoder(encoderOutputs, encoderHidden);

    const [, topi] = decoderOutputs.topk(1);
    const decodedIds = topi.squeeze();
    return [decodedIds, decoderAttn, decoderOutputs];
  });
}

test("seq2seq with Bahdanau attention: 30 epochs of Adam match PyTorch's losses, greedy decoding and attention", () => {
  const encoder = new EncoderRNN(VOCAB_IN, hiddenSize, 0.0);
  const decoder = new AttnDecoderRNN(hiddenSize, VOCAB_OUT, 0.0);
  initDeterministic(encoder, 100);
  initDeterministic(decoder, 200);

  const batches: [Tensor, Tensor][] = [];
  for (let i = 0; i < N_PAIRS; i += BATCH) batches.push([inputIds.index(`${i}:${i + BATCH}`), targetIds.index(`${i}:${i + BATCH}`)]);
  const encoderOptimizer = new optim.Adam(encoder.parameters(), 0.01);
  const decoderOptimizer = new optim.Adam(decoder.parameters(), 0.01);
  const criterion = new nn.NLLLoss({ ignoreIndex: PAD_token });
  const losses: number[] = [];
  for (let e = 0; e < N_EPOCHS; e++) losses.push(trainEpoch(batches, encoder, decoder, encoderOptimizer, decoderOptimizer, criterion));
  losses.forEach((l, e) => assert.ok(Math.abs(l - FIX.losses[e]) <= 2e-4 * Math.max(1, FIX.losses[e]), `epoch ${e}: loss ${l} vs PyTorch ${FIX.losses[e]}`));

  const [decodedIds, attn, outputs] = evaluate(encoder, decoder, inputIds.index(`:${BATCH}`));
  assert.deepEqual(decodedIds.tolist(), FIX.decoded_ids);
  assert.equal(decodedIds.dtype, "int32"); // topk's indices: Fluxion's integer dtype (int64 in PyTorch)
  assertTensor(attn, FIX.attentions, { atol: 2e-4, msg: "attentions" });
  assertTensor(outputs, FIX.eval_outputs, { atol: 2e-3, msg: "eval outputs" });
  assertTensor((encoder.gru as any).weight_hh_l0 as Tensor, FIX.encoder_gru_weight_hh, { atol: 2e-4, msg: "encoder weight_hh_l0" }); // the cast is for TypeScript only
  assertTensor(decoder.out.bias!, FIX.decoder_out_bias, { atol: 2e-4, msg: "decoder out.bias" });
});

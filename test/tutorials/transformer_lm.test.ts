/**
 * "Language Modeling with nn.Transformer and torchtext"
 * (pytorch.org/tutorials/beginner/transformer_tutorial, as of PyTorch 1.13) translated line
 * by line: PositionalEncoding (a registered buffer filled through strided index assignment),
 * TransformerEncoder with the square subsequent mask, Embedding scaled by sqrt(d_model),
 * batchify / get_batch, CrossEntropyLoss, SGD with clipGradNorm_ and StepLR, and evaluate()
 * under noGrad in eval mode. Checked against PyTorch 1.13
 * (test/fixtures/tutorials/transformer_lm.py -> transformer_lm.json, which holds the
 * synthetic token stream used instead of WikiText-2; see the script for the changes).
 * Lines that needed more than the mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, noGrad, optim, type Tensor } from "../../src/index.js";
import { initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("transformer_lm.json");
const { TransformerEncoder, TransformerEncoderLayer } = nn;

class TransformerModel extends nn.Module {
  modelType: string;
  posEncoder: PositionalEncoding;
  transformerEncoder: nn.TransformerEncoder;
  encoder: nn.Embedding;
  dModel: number;
  decoder: nn.Linear;

  constructor(ntoken: number, dModel: number, nhead: number, dHid: number, nlayers: number, dropout = 0.5) {
    super();
    this.modelType = "Transformer";
    this.posEncoder = new PositionalEncoding(dModel, dropout);
    const encoderLayers = new TransformerEncoderLayer(dModel, nhead, dHid, dropout);
    this.transformerEncoder = new TransformerEncoder(encoderLayers, nlayers);
    this.encoder = new nn.Embedding(ntoken, dModel);
    this.dModel = dModel;
    this.decoder = new nn.Linear(dModel, ntoken);

    this.initWeights();
  }

  initWeights(): void {
    const initrange = 0.1;
    this.encoder.weight.data.uniform_(-initrange, initrange);
    this.decoder.bias!.data.zero_();
    this.decoder.weight.data.uniform_(-initrange, initrange);
  }

  /** src: [seq_len, batch_size], srcMask: [seq_len, seq_len] -> [seq_len, batch_size, ntoken] */
  forward(src: Tensor, srcMask: Tensor): Tensor {
    src = this.encoder(src).mul(Math.sqrt(this.dModel));
    src = this.posEncoder(src);
    let output = this.transformerEncoder(src, srcMask);
    output = this.decoder(output);
    return output;
  }
}

/** Generates an upper-triangular matrix of -inf, with zeros on diag. */
function generateSquareSubsequentMask(sz: number): Tensor {
  return torch.triu(torch.ones(sz, sz).mul(-Infinity), 1);
}

class PositionalEncoding extends nn.Module {
  dropout: nn.Dropout;
  declare pe: Tensor; // a registered buffer (the declaration is for TypeScript only)

  constructor(dModel: number, dropout = 0.1, maxLen = 5000) {
    super();
    this.dropout = new nn.Dropout(dropout);

    const position = torch.arange(maxLen).unsqueeze(1);
    const divTerm = torch.exp(torch.arange(0, dModel, 2).mul(-Math.log(10000.0) / dModel));
    const pe = torch.zeros(maxLen, 1, dModel);
    pe.indexPut_([":", 0, "0::2"], torch.sin(position.mul(divTerm))); // pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe.indexPut_([":", 0, "1::2"], torch.cos(position.mul(divTerm)));
    this.registerBuffer("pe", pe);
  }

  /** x: [seq_len, batch_size, embedding_dim] */
  forward(x: Tensor): Tensor {
    x = x.add(this.pe.index(`:${x.size(0)}`));
    return this.dropout(x);
  }
}

/** Divides the data into bsz separate sequences, removing extra elements that wouldn't cleanly fit. */
function batchify(data: Tensor, bsz: number): Tensor {
  const seqLen = Math.floor(data.size(0) / bsz);
  data = data.index(`:${seqLen * bsz}`);
  data = data.view(bsz, seqLen).t().contiguous();
  return data;
}

const bptt = 8;
function getBatch(source: Tensor, i: number): [Tensor, Tensor] {
  const seqLen = Math.min(bptt, source.shape[0]! - 1 - i); // len(source)
  const data = source.index(`${i}:${i + seqLen}`);
  const target = source.index(`${i + 1}:${i + 1 + seqLen}`).reshape(-1);
  return [data, target];
}

test("the nn.Transformer language-model tutorial: 3 epochs match PyTorch's losses, validation loss and lr", () => {
  const ntokens = 13; // size of vocabulary
  const stream = FIX.stream as number[];
  const trainData = batchify(torch.tensor(stream.slice(0, 240), { dtype: "int64" }), 4); // [60, 4]
  const valData = batchify(torch.tensor(stream.slice(240), { dtype: "int64" }), 2); // [30, 2]

  const emsize = 16; // embedding dimension
  const dHid = 32; // dimension of the feedforward network model in nn.TransformerEncoder
  const nlayers = 2; // number of nn.TransformerEncoderLayer in nn.TransformerEncoder
  const nhead = 2; // number of heads in nn.MultiheadAttention
  const dropout = 0.0; // dropout probability
  const model = new TransformerModel(ntokens, emsize, nhead, dHid, nlayers, dropout);
  initDeterministic(model, 300);

  const criterion = new nn.CrossEntropyLoss();
  const lr = 0.5; // learning rate
  const optimizer = new optim.SGD(model.parameters(), { lr });
  const scheduler = new optim.lrScheduler.StepLR(optimizer, 1.0, { gamma: 0.95 });

  function train(model: TransformerModel): number[] {
    model.train(); // turn on train mode
    const losses: number[] = [];
    let srcMask = generateSquareSubsequentMask(bptt);

    for (let i = 0; i < trainData.size(0) - 1; i += bptt) {
      const [data, targets] = getBatch(trainData, i);
      const seqLen = data.size(0);
      if (seqLen !== bptt) srcMask = srcMask.index(`:${seqLen}`, `:${seqLen}`); // only on last batch
      const output = model(data, srcMask);
      const loss = criterion(output.view(-1, ntokens), targets);

      optimizer.zeroGrad();
      loss.backward();
      nn.utils.clipGradNorm_(model.parameters(), 0.5);
      optimizer.step();

      losses.push(loss.item());
    }
    return losses;
  }

  function evaluate(model: TransformerModel, evalData: Tensor): number {
    model.eval(); // turn on evaluation mode
    let totalLoss = 0;
    let srcMask = generateSquareSubsequentMask(bptt);
    noGrad(() => {
      for (let i = 0; i < evalData.size(0) - 1; i += bptt) {
        const [data, targets] = getBatch(evalData, i);
        const seqLen = data.size(0);
        if (seqLen !== bptt) srcMask = srcMask.index(`:${seqLen}`, `:${seqLen}`);
        const output = model(data, srcMask);
        const outputFlat = output.view(-1, ntokens);
        totalLoss += seqLen * criterion(outputFlat, targets).item();
      }
    });
    return totalLoss / (evalData.shape[0]! - 1);
  }

  for (let epoch = 1; epoch < 4; epoch++) {
    const want = FIX.epochs[epoch - 1];
    assert.ok(Math.abs(scheduler.getLastLr()[0]! - want.lr) < 1e-15, `epoch ${epoch} lr`);
    const losses = train(model);
    assert.equal(losses.length, want.losses.length);
    losses.forEach((l, k) => assert.ok(Math.abs(l - want.losses[k]) <= 5e-4, `epoch ${epoch} batch ${k}: loss ${l} vs PyTorch ${want.losses[k]}`));
    const valLoss = evaluate(model, valData);
    assert.ok(Math.abs(valLoss - want.val_loss) <= 5e-4, `epoch ${epoch}: val loss ${valLoss} vs PyTorch ${want.val_loss}`);
    assert.ok(Math.abs(Math.exp(valLoss) - want.val_ppl) <= 5e-3, `epoch ${epoch}: val ppl`);
    scheduler.step();
  }
  assert.ok(Math.abs(scheduler.getLastLr()[0]! - FIX.final_lr) < 1e-15);
  const pe5 = model.posEncoder.pe.index(5, 0).tolist() as number[];
  pe5.forEach((v, k) => assert.ok(Math.abs(v - FIX.pe_row5[k]) < 1e-6, `pe[5, 0, ${k}]`));
});

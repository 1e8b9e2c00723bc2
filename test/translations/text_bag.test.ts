/**
 * A text classifier with EmbeddingBag and offsets, translated line by line from
 * test/fixtures/translations/text_bag.py (-> text_bag.json, PyTorch 1.13): collate_batch
 * building the flat token tensor and the offsets by cumsum, EmbeddingBag(mean) -> Linear,
 * init_weights through .data.uniform_/zero_, CrossEntropyLoss, SGD with clipGradNorm_ and
 * StepLR, accuracy by argmax.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, type Tensor } from "../../src/index.js";
import { assertTensor, detLabels, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("text_bag.json");

const vocabSize = 20, emsize = 6, numClass = 3;

class TextClassificationModel extends nn.Module {
  embedding: nn.EmbeddingBag;
  fc: nn.Linear;
  constructor(vocabSize: number, embedDim: number, numClass: number) {
    super();
    this.embedding = new nn.EmbeddingBag(vocabSize, embedDim, { sparse: false });
    this.fc = new nn.Linear(embedDim, numClass);
    this.initWeights();
  }

  initWeights(): void {
    const initrange = 0.5;
    this.embedding.weight.data.uniform_(-initrange, initrange);
    this.fc.weight.data.uniform_(-initrange, initrange);
    this.fc.bias!.data.zero_();
  }

  forward(text: Tensor, offsets: Tensor): Tensor {
    const embedded = this.embedding(text, offsets);
    return this.fc(embedded);
  }
}

type Sample = [number, number[]];

function collateBatch(batch: Sample[]): [Tensor, Tensor, Tensor] {
  const labelList: number[] = [], textList: Tensor[] = [], offsets: number[] = [0];
  for (const [label, text] of batch) {
    labelList.push(label);
    const processedText = torch.tensor(text, { dtype: torch.int64 });
    textList.push(processedText);
    offsets.push(processedText.size(0));
  }
  const labels = torch.tensor(labelList, { dtype: torch.int64 });
  // torch.tensor(offsets[:-1]) is int64 in PyTorch; a list of JS numbers is float32 here
  const offs = torch.tensor(offsets.slice(0, -1), { dtype: torch.int64 }).cumsum({ dim: 0 });
  return [labels, torch.cat(textList), offs];
}

test("EmbeddingBag text classifier: two epochs match PyTorch's offsets, losses, accuracy, lr and logits", () => {
  const lengths = [3, 5, 2, 4, 1, 6, 3, 2];
  const ids = detLabels(lengths.reduce((a, b) => a + b), 70, vocabSize).tolist() as number[];
  const labels = detLabels(lengths.length, 71, numClass).tolist() as number[];
  const samples: Sample[] = [];
  let pos = 0;
  lengths.forEach((n, i) => {
    samples.push([labels[i]!, ids.slice(pos, pos + n)]);
    pos += n;
  });
  const batches = [samples.slice(0, 4), samples.slice(4, 8)];

  const model = new TextClassificationModel(vocabSize, emsize, numClass);
  initDeterministic(model, 80);
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 5.0 });
  const scheduler = new torch.optim.lrScheduler.StepLR(optimizer, 1.0, { gamma: 0.1 });

  const losses: number[] = [], accs: number[] = [], lrs: number[] = [], offs: number[][] = [];
  for (let epoch = 0; epoch < 2; epoch++) {
    model.train();
    let totalAcc = 0, totalCount = 0;
    for (const batch of batches) {
      const [label, text, offsets] = collateBatch(batch);
      assert.equal(offsets.dtype, "int64");
      offs.push(offsets.tolist() as number[]);
      optimizer.zeroGrad();
      const predictedLabel = model(text, offsets);
      const loss = criterion(predictedLabel, label);
      loss.backward();
      torch.nn.utils.clipGradNorm_(model.parameters(), 0.1);
      optimizer.step();
      totalAcc += predictedLabel.argmax(1).eq(label).sum().item();
      totalCount += label.size(0);
      losses.push(loss.item());
    }
    accs.push(totalAcc / totalCount);
    scheduler.step();
    lrs.push(scheduler.getLastLr()[0]!);
  }
  assert.deepEqual(offs, FIX.offsets);
  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-5, `batch ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));
  assert.deepEqual(accs, FIX.accs);
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - FIX.lrs[i]) < 1e-12));

  model.eval();
  const logits = torch.noGrad(() => {
    const [, text, offsets] = collateBatch(samples);
    return model(text, offsets);
  });
  assertTensor(logits, FIX.logits, { atol: 1e-5, msg: "logits" });
  assertTensor(model.embedding.weight, FIX.embedding_weight, { atol: 1e-5, msg: "embedding.weight" });
});

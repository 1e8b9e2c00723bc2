/**
 * word2vec skip-gram with negative sampling, translated line by line from
 * test/fixtures/translations/word2vec.py (-> word2vec.json, PyTorch 1.13): two nn.Embedding
 * tables (sparse: false) initialised through weight.data.uniform_(-0.5/D, 0.5/D) and
 * uniform_(-0, 0), bmm of [B,1,D] x [B,D,K] batches, F.logsigmoid and squeeze(), negatives from
 * torch.multinomial over unigram^0.75 (a seed: shape, dtype and range only), deterministic
 * negatives for the values, SGD, and the nearest words by topk on cosine similarities.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { assertTensor, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("word2vec.json");
const V = 20, D = 8, K = 5, B = 12;

class SkipGram extends nn.Module {
  inEmbed: nn.Embedding;
  outEmbed: nn.Embedding;
  constructor(vocabSize: number, embDim: number) {
    super();
    this.inEmbed = new nn.Embedding(vocabSize, embDim, { sparse: false });
    this.outEmbed = new nn.Embedding(vocabSize, embDim, { sparse: false });
    const initRange = 0.5 / embDim;
    this.inEmbed.weight.data.uniform_(-initRange, initRange);
    this.outEmbed.weight.data.uniform_(-0, 0);
  }

  forward(center: Tensor, context: Tensor, negatives: Tensor): Tensor {
    const v = this.inEmbed(center).unsqueeze(1); // [B, 1, D]
    const uPos = this.outEmbed(context).unsqueeze(2); // [B, D, 1]
    const uNeg = this.outEmbed(negatives); // [B, K, D]
    const posScore = torch.bmm(v, uPos).squeeze(); // [B]
    const negScore = torch.bmm(v, uNeg.transpose(1, 2)).squeeze(); // [B, K]
    const posLoss = F.logsigmoid(posScore);
    const negLoss = F.logsigmoid(negScore.neg()).sum(1);
    return posLoss.add(negLoss).mean().neg();
  }
}

test("word2vec: skip-gram with negative sampling (Embedding x2, bmm, logsigmoid), multinomial negatives and topk neighbours match PyTorch", () => {
  torch.manualSeed(0);
  const model = new SkipGram(V, D);
  const initRange = 0.5 / D;
  const wInit = model.inEmbed.weight.detach().clone();
  const uniformStats = {
    min_ok: wInit.min().ge(-initRange).item(), max_ok: wInit.max().le(initRange).item(),
    out_all_zero: model.outEmbed.weight.eq(0).all().item(),
  };
  assert.deepEqual(uniformStats, FIX.uniform_stats);
  assert.equal(model.inEmbed.sparse, false);

  // unigram^0.75 noise distribution; multinomial draws checked for shape/dtype/range only
  const counts = detLabels(200, 400, V).bincount({ minlength: V }).float();
  let noiseDist = counts.pow(0.75);
  noiseDist = noiseDist.div(noiseDist.sum());
  const sampled = torch.multinomial(noiseDist, B * K, { replacement: true }).view(B, K);
  assertTensor(noiseDist, FIX.noise_dist, { atol: 1e-7, msg: "noise_dist" });
  assert.deepEqual([...sampled.shape], FIX.sampled_shape);
  assert.equal(FIX.sampled_dtype, "int64");
  assert.equal(sampled.dtype, "int32"); // Fluxion's default integer dtype (README: sampled and returned indices are int32)
  assert.ok(sampled.min().item() >= 0 && sampled.max().item() < V, "sampled indices in [0, V)");

  // deterministic weights for the value check
  initDeterministic(model, 410);
  torch.noGrad(() => {
    model.inEmbed.weight.mul_(0.5);
  });

  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.5 });
  const losses: number[] = [];
  let gradIn!: Tensor, bmmShape!: number[], squeezedShape!: number[];
  for (let step = 0; step < 5; step++) {
    const center = detLabels(B, 420 + step, V);
    const context = detLabels(B, 430 + step, V);
    const negatives = detLabels(B * K, 440 + step, V).view(B, K);
    const loss = model(center, context, negatives);
    optimizer.zeroGrad();
    loss.backward();
    if (step === 0) {
      gradIn = model.inEmbed.weight.grad!.clone();
      const v = model.inEmbed(center).unsqueeze(1);
      const uNeg = model.outEmbed(negatives);
      bmmShape = [...torch.bmm(v, uNeg.transpose(1, 2)).shape];
      squeezedShape = [...torch.bmm(v, uNeg.transpose(1, 2)).squeeze().shape];
    }
    optimizer.step();
    losses.push(loss.item());
  }
  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-5, `step ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));
  assertTensor(gradIn, FIX.grad_in, { atol: 1e-6, msg: "in_embed.weight.grad" });
  assert.deepEqual(bmmShape, FIX.bmm_shape);
  assert.deepEqual(squeezedShape, FIX.squeezed_shape);
  assertTensor(model.inEmbed.weight, FIX.in_weight, { atol: 1e-5, msg: "in_embed.weight" });
  assertTensor(model.outEmbed.weight, FIX.out_weight, { atol: 1e-5, msg: "out_embed.weight" });

  // nearest words by cosine similarity
  const [topVals, topIdx, best] = torch.noGrad(() => {
    const emb = model.inEmbed.weight;
    const query = torch.tensor([3, 7], { dtype: "int64" });
    const sims = F.cosineSimilarity(emb.index(query).unsqueeze(1), emb.unsqueeze(0), { dim: 2 }); // [2, V]
    const [topVals, topIdx] = torch.topk(sims, { k: 4, dim: 1 });
    const normed = emb.div(emb.norm({ dim: 1, keepdim: true }));
    const sims2 = normed.matmul(normed.T);
    sims2.fillDiagonal_(-1.0);
    const best = sims2.topk(3, { largest: true, sorted: true });
    return [topVals, topIdx, best] as const;
  });
  assertTensor(topVals, FIX.top_vals, { atol: 1e-5, msg: "top_vals" });
  assertTensor(topIdx, FIX.top_idx, { msg: "top_idx" });
  assertTensor(best.values, FIX.best_vals, { atol: 1e-5, msg: "best.values" });
  assertTensor(best.indices, FIX.best_idx, { msg: "best.indices" });
});

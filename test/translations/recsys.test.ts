/**
 * Recommender systems and tabular deep learning, translated line by line from
 * test/fixtures/translations/recsys.py (-> recsys.json, PyTorch 1.13): tabular preprocessing
 * (isnan, nanToNum, standardization with mean / std(unbiased=false) over dim 0, bucketize,
 * F.oneHot and scatter_), a Dataset returning objects with a custom collateFn (variable-length
 * histories flattened into EmbeddingBag input with offsets and perSampleWeights) behind a
 * DataLoader with a BatchSampler; TensorDataset, Subset, ConcatDataset, randomSplit with
 * fractions; samplers checked by property (their random streams are not PyTorch's). Models:
 * a DLRM (EmbeddingBag sum/mean/max, pairwise interactions by bmm indexed with triuIndices /
 * trilIndices) under F.binaryCrossEntropyWithLogits(posWeight, weight) and RMSprop(centered,
 * momentum); a DeepFM under BCELoss and Adagrad(lrDecay, initialAccumulatorValue); matrix
 * factorization (Embedding with paddingIdx / maxNorm) under a hand-written BPR loss; an
 * Embedding trained by SparseAdam. Ranking losses (MarginRanking, TripletMargin(p=1, swap),
 * TripletMarginWithDistance, CosineEmbedding, HingeEmbedding, MultiLabelSoftMargin,
 * SoftMargin) and metrics by hand (AUC from argsort ranks, recall@k with topk / isin, NDCG);
 * segmentReduce pooling the same bags as EmbeddingBag.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { BatchSampler, ConcatDataset, DataLoader, Dataset, SequentialSampler, SubsetRandomSampler, Subset, TensorDataset, WeightedRandomSampler, randomSplit } from "../../src/data/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("recsys.json");
const N = 16, nDense = 3, nUsers = 6, nItems = 9, nCats = 4, d = 4;
const boundaries = torch.tensor([-0.5, 0.0, 0.5]);

// ---- tabular preprocessing
let raw = det([N, nDense], 700);
const nanMask = det([N, nDense], 701).gt(0.6);
raw = raw.maskedFill(nanMask, NaN);
const isnan = torch.isnan(raw);
const colFill = torch.where(isnan, torch.zerosLike(raw), raw).sum(0).div(isnan.logicalNot().sum(0));
const filled = torch.where(isnan, colFill.expandAs(raw), raw);
const clean = torch.nanToNum(raw, { nan: 0.0, posinf: 1.0, neginf: -1.0 });
const mean = filled.mean({ dim: 0 });
const std = filled.std({ dim: 0, unbiased: false });
const dense = filled.sub(mean).div(std.add(1e-6));
const bins = torch.bucketize(filled.index(":", 0).contiguous(), boundaries);
const binsRight = torch.bucketize(filled.index(":", 0).contiguous(), boundaries, { right: true });
const edgeCases = torch.tensor([-0.7, -0.5, 0.0, 0.3, 0.5, 1.0]);
const edgeBins = [torch.bucketize(edgeCases, boundaries).tolist(), torch.bucketize(edgeCases, boundaries, { right: true }).tolist()];
const binOnehot = F.oneHot(bins, { numClasses: boundaries.shape[0]! + 1 }).float();
const users = detLabels(N, 702, nUsers - 1).add(1); // 0 is the padding user
const items = detLabels(N, 703, nItems);
const cats = detLabels(N, 704, nCats);
const catOnehot = torch.zeros(N, nCats).scatter_(1, cats.unsqueeze(1), 1.0);
const labels = detLabels(N, 705, 2).float();
const histLen = detLabels(N, 706, 3).add(1).tolist() as number[];
const histTotal = histLen.reduce((a, b) => a + b, 0);
const histFlat = detLabels(histTotal, 707, nItems);
const histW = det([histTotal], 708, 0.5, 1.0);
const genres = det([N, 5], 709).gt(0.2).float();

interface Row {
  dense: Tensor; user: Tensor; item: Tensor; cat: Tensor; onehot: Tensor; hist: Tensor; hist_w: Tensor; label: Tensor; genres: Tensor;
}
type Batch = Record<keyof Row | "offsets", Tensor>;

class RecDataset extends Dataset<Row> {
  starts: number[];
  constructor() {
    super();
    const starts = [0];
    for (const n of histLen.slice(0, -1)) starts.push(starts[starts.length - 1]! + n);
    this.starts = starts;
  }

  get length(): number {
    return N;
  }

  get(i: number): Row {
    const s = this.starts[i]!, n = histLen[i]!;
    return {
      dense: dense.index(i), user: users.index(i), item: items.index(i), cat: cats.index(i), onehot: torch.cat([binOnehot.index(i), catOnehot.index(i)]),
      hist: histFlat.index(`${s}:${s + n}`), hist_w: histW.index(`${s}:${s + n}`), label: labels.index(i), genres: genres.index(i),
    };
  }
}

function collate(batch: Row[]): Batch {
  const out = {} as Batch;
  for (const k of ["dense", "user", "item", "cat", "onehot", "label", "genres"] as const) out[k] = torch.stack(batch.map((b) => b[k]));
  const lengths = torch.tensor(batch.map((b) => b.hist.shape[0]!), { dtype: torch.long });
  out.offsets = torch.cat([torch.zeros(1, { dtype: torch.long }), torch.cumsum(lengths, { dim: 0 }).index(":-1")]);
  out.hist = torch.cat(batch.map((b) => b.hist));
  out.hist_w = torch.cat(batch.map((b) => b.hist_w));
  return out;
}

class DLRM extends nn.Module {
  bot = new nn.Sequential(new nn.Linear(nDense, 8), new nn.ReLU(), new nn.Linear(8, d));
  user = new nn.Embedding(nUsers, d, { paddingIdx: 0 });
  item = new nn.Embedding(nItems, d, { maxNorm: 1.0 });
  histSum = new nn.EmbeddingBag(nItems, d, { mode: "sum" });
  histMean = new nn.EmbeddingBag(nItems, d, { mode: "mean" });
  histMax = new nn.EmbeddingBag(nItems, d, { mode: "max" });
  li: Tensor;
  lj: Tensor;
  top: nn.Sequential;
  constructor() {
    super();
    const nF = 6;
    [this.li, this.lj] = torch.triuIndices(nF, nF, 1).unbind(0) as [Tensor, Tensor];
    this.top = new nn.Sequential(new nn.Linear(d + (nF * (nF - 1)) / 2, 8), new nn.ReLU(), new nn.Linear(8, 1));
  }

  forward(b: Batch): [Tensor, Tensor] {
    const x = this.bot(b.dense);
    const feats = [x, this.user(b.user), this.item(b.item),
      this.histSum(b.hist, b.offsets, { perSampleWeights: b.hist_w }),
      this.histMean(b.hist, b.offsets), this.histMax(b.hist, b.offsets)];
    const T = torch.stack(feats, { dim: 1 });
    const Z = torch.bmm(T, T.transpose(1, 2));
    const inter = Z.index(":", this.li, this.lj);
    return [this.top(torch.cat([x, inter], { dim: 1 })).squeeze(1), Z];
  }
}

class DeepFM extends nn.Module {
  first = new nn.Embedding(nUsers + nItems + nCats, 1);
  emb = new nn.Embedding(nUsers + nItems + nCats, d);
  deep = new nn.Sequential(new nn.Linear(3 * d + nDense, 8), new nn.ReLU(), new nn.Dropout(0.0), new nn.Linear(8, 1));
  wide = new nn.Linear(boundaries.shape[0]! + 1 + nCats, 1);

  forward(b: Batch): Tensor {
    const idx = torch.stack([b.user, b.item.add(nUsers), b.cat.add(nUsers + nItems)], { dim: 1 });
    const first = this.first(idx).sum({ dim: 1 }).squeeze(1);
    const e = this.emb(idx);
    const fm = e.sum({ dim: 1 }).pow(2).sub(e.pow(2).sum({ dim: 1 })).sum({ dim: 1 }).mul(0.5);
    const deep = this.deep(torch.cat([e.flatten(1), b.dense], { dim: 1 })).squeeze(1);
    return first.add(fm).add(deep).add(this.wide(b.onehot).squeeze(1));
  }
}

class MF extends nn.Module {
  U = new nn.Embedding(nUsers, d, { paddingIdx: 0, sparse: false });
  V = new nn.Embedding(nItems, d, { maxNorm: 1.5, normType: 2.0 });

  // one V lookup per forward: maxNorm renormalizes V.weight in place
  forward(u: Tensor, i: Tensor): Tensor {
    return this.U(u).unsqueeze(1).mul(this.V(i)).sum(-1);
  }
}

test("recsys: preprocessing, DLRM / DeepFM / MF / SparseAdam training, ranking losses and metrics match PyTorch", () => {
  assertTensor(isnan, FIX.raw_isnan, { msg: "isnan" });
  assertTensor(colFill, FIX.col_fill, { atol: 1e-6, msg: "col_fill" });
  assertTensor(clean, FIX.clean, { atol: 1e-6, msg: "nanToNum" });
  assertTensor(mean, FIX.mean, { atol: 1e-6, msg: "mean" });
  assertTensor(std, FIX.std, { atol: 1e-6, msg: "std(unbiased=false)" });
  assertTensor(dense, FIX.dense, { atol: 1e-5, msg: "standardized" });
  assertTensor(bins, FIX.bins, { msg: "bucketize" });
  assert.equal(bins.dtype, "int64");
  assertTensor(binsRight, FIX.bins_right, { msg: "bucketize right" });
  assert.deepEqual(edgeBins, FIX.edge_bins);
  assertTensor(binOnehot, FIX.bin_onehot, { msg: "oneHot" });
  assertTensor(catOnehot, FIX.cat_onehot, { msg: "scatter_ one-hot" });

  const dlrm = new DLRM(), deepfm = new DeepFM(), mf = new MF();
  initDeterministic(dlrm, 710);
  initDeterministic(deepfm, 730);
  initDeterministic(mf, 750);
  torch.noGrad(() => {
    dlrm.user.weight.index(0).fill_(0);
    mf.U.weight.index(0).fill_(0);
  });
  // a zero-initialized output layer: the first step's logits are exactly 0
  nn.init.zeros_((dlrm.top.at(2) as nn.Linear).weight);
  nn.init.zeros_((dlrm.top.at(2) as nn.Linear).bias!);
  const optDlrm = new torch.optim.RMSprop(dlrm.parameters(), { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.5, weightDecay: 1e-3 });
  const optFm = new torch.optim.Adagrad(deepfm.parameters(), { lr: 0.05, lrDecay: 0.1, initialAccumulatorValue: 0.1, weightDecay: 1e-3 });
  const optMf = new torch.optim.Adagrad(mf.parameters(), { lr: 0.1, initialAccumulatorValue: 0.05 });
  const spEmb = new nn.Embedding(nItems, d, { sparse: false }); // Fluxion has no sparse gradients; SparseAdam takes the dense one
  initDeterministic(spEmb, 760);
  const optSp = new torch.optim.SparseAdam(spEmb.parameters(), { lr: 0.05, betas: [0.8, 0.9] });
  const bce = new nn.BCELoss();
  const posWeight = torch.tensor([2.0]);

  const ds = new RecDataset();
  const loader = new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), { batchSize: 6, dropLast: false }), collateFn: collate });
  const histLosses: number[][] = [];
  let firstBatch: Record<string, Tensor> | null = null;
  for (let epoch = 0; epoch < 2; epoch++) {
    for (const b of loader) {
      const sampleW = b.label.add(1.0);
      const [logit, Z] = dlrm(b);
      const lossDlrm = F.binaryCrossEntropyWithLogits(logit, b.label, { weight: sampleW, posWeight });
      const p = torch.sigmoid(deepfm(b));
      const lossFm = bce(p, b.label);
      const neg = b.item.add(1).add(b.cat).remainder(nItems);
      const sPn = mf(b.user, torch.stack([b.item, neg], { dim: 1 }));
      const bpr = F.logsigmoid(sPn.index(":", 0).sub(sPn.index(":", 1))).mean().neg();
      const spLoss = spEmb(b.hist).mul(b.hist_w.unsqueeze(1)).sum().pow(2).mul(0.01);
      for (const o of [optDlrm, optFm, optMf, optSp]) o.zeroGrad();
      lossDlrm.add(lossFm).add(bpr).add(spLoss).backward();
      if (firstBatch === null) {
        firstBatch = {
          offsets: b.offsets, hist: b.hist, logit, Z,
          g_hist_sum: dlrm.histSum.weight.grad!, g_top2: (dlrm.top.at(2) as nn.Linear).weight.grad!, g_top2_bias: (dlrm.top.at(2) as nn.Linear).bias!.grad!, g_hist_max: dlrm.histMax.weight.grad!,
          g_user: dlrm.user.weight.grad!, g_fm_emb: deepfm.emb.weight.grad!, g_mf_V: mf.V.weight.grad!,
          g_sp: spEmb.weight.grad!,
        };
      }
      for (const o of [optDlrm, optFm, optMf, optSp]) o.step();
      histLosses.push([lossDlrm.item(), lossFm.item(), bpr.item(), spLoss.item()]);
    }
  }
  for (const [k, v] of Object.entries(firstBatch!)) assertTensor(v, FIX.first_batch[k], { atol: 1e-5, msg: `first batch ${k}` });
  assert.equal(histLosses.length, FIX.losses.length);
  histLosses.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - FIX.losses[i][k]) < 1e-4, `step ${i} loss ${k}: ${v} vs PyTorch ${FIX.losses[i][k]}`)));

  // tril gives the same pairs, transposed
  const [li2, lj2] = torch.trilIndices(6, 6, -1).unbind(0) as [Tensor, Tensor];
  const full = collate(Array.from({ length: N }, (_, i) => ds.get(i)));
  const r = torch.noGrad(() => {
    const [logitAll, ZAll] = dlrm(full);
    const trilEqual = torch.equal(ZAll.index(":", li2, lj2), ZAll.index(":", lj2, li2));
    const scoresFm = torch.sigmoid(deepfm(full));
    // jagged pooling by hand: segmentReduce over the looked-up rows gives EmbeddingBag's bags
    const lengths = torch.tensor(histLen, { dtype: torch.long });
    const rows = dlrm.histSum.weight.index(full.hist);
    const segSum = torch.segmentReduce(rows.mul(full.hist_w.unsqueeze(1)), "sum", { lengths });
    const segMax = torch.segmentReduce(dlrm.histMax.weight.index(full.hist), "max", { lengths });
    const segMean = torch.segmentReduce(dlrm.histMean.weight.index(full.hist), "mean", { offsets: torch.cat([full.offsets, torch.tensor([full.hist.shape[0]!], { dtype: torch.long })]) });
    const jagged = torch.tensorSplit(full.hist, full.offsets.index("1:"));
    const paddedHist = nn.utils.rnn.padSequence(jagged, { batchFirst: true, paddingValue: -1 });
    const segOk = [torch.allclose(segSum, dlrm.histSum(full.hist, full.offsets, { perSampleWeights: full.hist_w }), { atol: 1e-6 }),
      torch.allclose(segMax, dlrm.histMax(full.hist, full.offsets)),
      torch.allclose(segMean, dlrm.histMean(full.hist, full.offsets), { atol: 1e-6 })];
    // AUC via ranks (Mann-Whitney U)
    const isPos = full.label.eq(1);
    const auc = (scores: Tensor): Tensor => {
      const ranks = torch.empty(N);
      ranks.indexPut_([torch.argsort(scores)], torch.arange(1, N + 1).float());
      const npos = full.label.sum();
      const nneg = npos.neg().add(N);
      return ranks.index(isPos).sum().sub(npos.mul(npos.add(1)).div(2)).div(npos.mul(nneg));
    };
    // recall@k and NDCG@k for each user over all items
    const R = mf.U.weight.matmul(mf.V.weight.T);
    const k = 3;
    const topk = torch.topk(R, k, { dim: 1 }).indices;
    const relevant = torch.zeros(nUsers, nItems, { dtype: torch.bool });
    relevant.indexPut_([full.user, full.item], true);
    const hits = torch.stack(Array.from({ length: nUsers }, (_, u) => torch.isin(topk.index(u), relevant.index(u).nonzero().squeeze(1)))).float();
    const nRel = relevant.sum(1).float();
    const recall = hits.sum(1).div(nRel.clamp({ min: 1 }));
    const discount = torch.log2(torch.arange(2, k + 2).float()).reciprocal();
    const dcg = hits.mul(discount).sum(1);
    const idcg = torch.stack((nRel.tolist() as number[]).map((n) => discount.index(`:${Math.min(n, k)}`).sum()));
    const ndcg = torch.where(nRel.gt(0), dcg.div(idcg.clamp({ min: 1e-12 })), torch.zeros(nUsers));
    return { k, logitAll, trilEqual, segOk, segSum, paddedHist, scoresFm, auc: auc(logitAll), aucFm: auc(scoresFm), topk, recall, ndcg };
  });
  const k = r.k;
  assertTensor(r.logitAll, FIX.logit_all, { atol: 1e-4, msg: "dlrm logits" });
  assertTensor(r.scoresFm, FIX.scores_fm, { atol: 1e-5, msg: "deepfm scores" });
  assert.equal(r.trilEqual, FIX.tril_equal);
  assert.deepEqual(r.segOk, FIX.seg_ok);
  assertTensor(r.paddedHist, FIX.padded_hist, { msg: "tensorSplit + padSequence" });
  assertTensor(r.segSum, FIX.seg_sum, { atol: 1e-5, msg: "segmentReduce sum" });
  assert.ok(Math.abs(r.auc.item() - FIX.auc) < 1e-6, `auc ${r.auc.item()} vs ${FIX.auc}`);
  assert.ok(Math.abs(r.aucFm.item() - FIX.auc_fm) < 1e-6, `auc_fm ${r.aucFm.item()} vs ${FIX.auc_fm}`);
  // user 0 is the padding row (all scores 0): which of the tied items topk returns is
  // PyTorch's quickselect order, not a contract; the other users' scores are distinct
  assert.deepEqual(r.topk.shape, FIX.topk.shape);
  assert.deepEqual(r.topk.index("1:").flatten().tolist(), FIX.topk.v.slice(k));
  assertTensor(r.recall, FIX.recall, { atol: 1e-6, msg: "recall@3" });
  assertTensor(r.ndcg, FIX.ndcg, { atol: 1e-6, msg: "ndcg@3" });

  // ranking / metric losses on the trained embeddings
  const anchor = mf.U(full.user).detach().requiresGrad_();
  const posE = mf.V(full.item).detach(), negE = mf.V(full.item.add(3).remainder(nItems)).detach();
  const y = labels.mul(2).sub(1);
  const rankL = new nn.MarginRankingLoss({ margin: 0.1 })(anchor.mul(posE).sum(1), anchor.mul(negE).sum(1), y);
  const trip = new nn.TripletMarginLoss({ margin: 0.5, p: 1, swap: true })(anchor, posE, negE);
  const tripD = new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a: Tensor, b: Tensor) => F.cosineSimilarity(a, b).rsub(1.0), margin: 0.3, swap: true })(anchor, posE, negE);
  const cosL = new nn.CosineEmbeddingLoss({ margin: 0.2 })(anchor, posE, y);
  const hinge = new nn.HingeEmbeddingLoss({ margin: 1.0 })(anchor.sub(posE).norm({ dim: 1 }), y);
  const mlsm = new nn.MultiLabelSoftMarginLoss({ weight: torch.tensor([1.0, 2.0, 0.5, 1.0, 1.5]) })(anchor.matmul(torch.ones(d, 5)).mul(0.3), genres);
  const soft = new nn.SoftMarginLoss()(anchor.mul(posE).sum(1), y);
  const total = rankL.add(trip).add(tripD).add(cosL).add(hinge).add(mlsm).add(soft);
  total.backward();
  [rankL, trip, tripD, cosL, hinge, mlsm, soft].forEach((l, i) => assert.ok(Math.abs(l.item() - FIX.extra[i]) < 1e-5, `extra loss ${i}: ${l.item()} vs ${FIX.extra[i]}`));
  assertTensor(anchor.grad!, FIX.anchor_grad, { atol: 1e-5, msg: "anchor.grad" });

  const P = FIX.params;
  assertTensor((dlrm.top.at(0) as nn.Linear).weight, P.dlrm_top0, { atol: 1e-5, msg: "dlrm.top[0].weight" });
  assertTensor(dlrm.item.weight, P.dlrm_item, { atol: 1e-5, msg: "dlrm.item (maxNorm)" });
  assertTensor(dlrm.histMax.weight, P.dlrm_hist_max, { atol: 1e-5, msg: "dlrm.hist_max" });
  assertTensor(dlrm.user.weight, P.dlrm_user, { atol: 1e-5, msg: "dlrm.user (paddingIdx)" });
  assertTensor(deepfm.emb.weight, P.fm_emb, { atol: 1e-5, msg: "deepfm.emb" });
  assertTensor(deepfm.wide.weight, P.fm_wide, { atol: 1e-5, msg: "deepfm.wide" });
  assertTensor(mf.U.weight, P.mf_U, { atol: 1e-5, msg: "mf.U" });
  assertTensor(mf.V.weight, P.mf_V, { atol: 1e-5, msg: "mf.V" });
  assertTensor(spEmb.weight, P.sp, { atol: 1e-5, msg: "SparseAdam embedding" });
  const S = FIX.state;
  const top0 = (dlrm.top.at(0) as nn.Linear).weight;
  assertTensor(optDlrm.state.get(top0)!.gradAvg as Tensor, S.rms_grad_avg, { atol: 1e-5, msg: "RMSprop grad_avg" });
  assertTensor(optDlrm.state.get(top0)!.momentumBuffer as Tensor, S.rms_mom, { atol: 1e-5, msg: "RMSprop momentum_buffer" });
  assertTensor(optFm.state.get(deepfm.emb.weight)!.sum as Tensor, S.adagrad_sum, { atol: 1e-5, msg: "Adagrad sum" });
  assertTensor(optSp.state.get(spEmb.weight)!.expAvg as Tensor, S.sp_exp_avg, { atol: 1e-5, msg: "SparseAdam exp_avg" });
  assertTensor(optSp.state.get(spEmb.weight)!.expAvgSq as Tensor, S.sp_exp_avg_sq, { atol: 1e-6, msg: "SparseAdam exp_avg_sq" });

  // datasets: TensorDataset, Subset, ConcatDataset, randomSplit by fractions
  const tds = new TensorDataset(dense, labels);
  const sub = new Subset(tds, [1, 3, 5]);
  const catDs = new ConcatDataset([tds, sub]);
  const parts = randomSplit(catDs, [0.75, 0.25], { generator: new torch.Generator().manualSeed(0) });
  assert.deepEqual(parts.map((p) => p.length), FIX.split_lengths);
  assert.equal(catDs.length, FIX.cat_len);
  assert.deepEqual(catDs.cumulativeSizes, FIX.cumulative_sizes);
  const [x17, y17] = catDs.get(17);
  assertTensor(x17, FIX.cat_item[0], { atol: 1e-5, msg: "catDs[17]" });
  assert.equal(y17.item(), FIX.cat_item[1]);
  // the split is a partition of the indices, the same for the same seed
  const idx = parts.flatMap((p) => [...p.indices]).sort((a, b) => a - b);
  assert.deepEqual(idx, Array.from({ length: catDs.length }, (_, i) => i));
  const again = randomSplit(catDs, [0.75, 0.25], { generator: new torch.Generator().manualSeed(0) });
  assert.deepEqual([...again[0]!.indices], [...parts[0]!.indices]);
});

test("recsys: samplers draw valid, reproducible indices from a seeded Generator", () => {
  const weights = labels.mul(3).add(1); // positives weighted 4x
  const draw = (seed: number) => [...new WeightedRandomSampler(weights, 200, { replacement: true, generator: new torch.Generator().manualSeed(seed) })];
  const a = draw(1), b = draw(1), c = draw(2);
  assert.equal(a.length, 200);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.every((i) => Number.isInteger(i) && i >= 0 && i < N));
  const posShare = a.filter((i) => labels.index(i).item() === 1).length / a.length;
  const nPos = labels.sum().item(), expected = (4 * nPos) / (4 * nPos + (N - nPos));
  assert.ok(Math.abs(posShare - expected) < 0.15, `weighted share of positives ${posShare} vs ${expected}`);
  const noRep = [...new WeightedRandomSampler(weights, N, { replacement: false, generator: new torch.Generator().manualSeed(3) })];
  assert.deepEqual([...noRep].sort((x, y) => x - y), Array.from({ length: N }, (_, i) => i));

  const subset = [2, 5, 7, 11];
  const srs = [...new SubsetRandomSampler(subset, { generator: new torch.Generator().manualSeed(4) })];
  assert.deepEqual([...srs].sort((x, y) => x - y), subset);
  assert.deepEqual(srs, [...new SubsetRandomSampler(subset, { generator: new torch.Generator().manualSeed(4) })]);

  const bs = new BatchSampler(new SubsetRandomSampler(subset, { generator: new torch.Generator().manualSeed(5) }), 3, false);
  const batches = [...bs];
  assert.equal(bs.length, 2);
  assert.deepEqual(batches.map((x) => x.length), [3, 1]);
  assert.equal(new BatchSampler(new SequentialSampler(subset), { batchSize: 3, dropLast: true }).length, 1);

  const loader = new DataLoader(new RecDataset(), { batchSize: 5, sampler: new WeightedRandomSampler(weights, 12, { generator: new torch.Generator().manualSeed(6) }), collateFn: collate });
  const shapes = [...loader].map((bt) => [bt.dense.shape[0], bt.offsets.shape[0], bt.hist.shape[0] === bt.hist_w.shape[0]]);
  assert.equal(loader.length, 3);
  assert.deepEqual(shapes.map((s) => s.slice(0, 2)), [[5, 5], [5, 5], [2, 2]]);
  assert.ok(shapes.every((s) => s[2] === true));
});

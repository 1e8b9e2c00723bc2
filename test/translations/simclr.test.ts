/**
 * SimCLR-style contrastive learning, translated line by line from
 * test/fixtures/translations/simclr.py (-> simclr.json, PyTorch 1.13): an encoder with
 * BatchNorm1d and a projection head, biases zeroed through model.apply and nn.init.zeros_,
 * two noisy views, F.normalize(dim=1), z @ z.T / temperature with the diagonal masked by
 * eye(...).bool() and maskedFill(-inf) (and -9e15), NT-Xent as F.crossEntropy against labels
 * from arange and cat; F.cosineSimilarity, nn.CosineEmbeddingLoss and nn.TripletMarginLoss;
 * SGD with nesterov momentum and weight decay; ReduceLROnPlateau stepped on loss.item().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("simclr.json");
const inDim = 6, hid = 16, feat = 8, projDim = 4;
const N = 8;
const temperature = 0.5;

class SimCLR extends nn.Module {
  encoder: nn.Sequential;
  projector: nn.Sequential;
  constructor() {
    super();
    this.encoder = new nn.Sequential(new nn.Linear(inDim, hid), new nn.BatchNorm1d(hid), new nn.ReLU(), new nn.Linear(hid, feat));
    this.projector = new nn.Sequential(new nn.Linear(feat, feat), new nn.ReLU(), new nn.Linear(feat, projDim));
  }

  forward(x: Tensor): [Tensor, Tensor] {
    const h = this.encoder(x);
    return [h, this.projector(h)];
  }
}

function ntXent(z1: Tensor, z2: Tensor, temperature: number, fill = -Infinity): [Tensor, Tensor, Tensor] {
  const n = z1.shape[0]!;
  let z = torch.cat([z1, z2], { dim: 0 });
  z = F.normalize(z, { dim: 1 });
  let sim = z.matmul(z.T).div(temperature);
  const mask = torch.eye(2 * n, { device: z.device }).bool();
  sim = sim.maskedFill(mask, fill);
  const labels = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]);
  return [F.crossEntropy(sim, labels), sim, labels];
}

/** The other common form (the SimCLR reference implementation): boolean-mask indexing. */
function infoNce(features: Tensor, batchSize: number, nViews = 2, temperature = 0.5): [Tensor, Tensor] {
  let labels = torch.cat(Array.from({ length: nViews }, () => torch.arange(batchSize)), { dim: 0 });
  labels = labels.unsqueeze(0).eq(labels.unsqueeze(1)).float();
  features = F.normalize(features, { dim: 1 });
  let similarityMatrix = torch.matmul(features, features.T);
  const mask = torch.eye(labels.shape[0]!, { dtype: torch.bool });
  labels = labels.index(mask.logicalNot()).view(labels.shape[0]!, -1);
  similarityMatrix = similarityMatrix.index(mask.logicalNot()).view(similarityMatrix.shape[0]!, -1);
  const positives = similarityMatrix.index(labels.bool()).view(labels.shape[0]!, -1);
  const negatives = similarityMatrix.index(labels.bool().logicalNot()).view(similarityMatrix.shape[0]!, -1);
  let logits = torch.cat([positives, negatives], { dim: 1 });
  labels = torch.zeros(logits.shape[0]!, { dtype: torch.long });
  logits = logits.div(temperature);
  return [logits, labels];
}

test("SimCLR: NT-Xent with a masked similarity matrix, cosine/triplet losses, nesterov SGD and ReduceLROnPlateau match PyTorch", () => {
  const model = new SimCLR();
  initDeterministic(model, 300);

  function zeroBias(m: nn.Module): void {
    if (m instanceof nn.Linear) nn.init.zeros_(m.bias!);
  }

  model.apply(zeroBias);
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.003, momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
  const scheduler = new torch.optim.lrScheduler.ReduceLROnPlateau(optimizer, { mode: "min", factor: 0.5, patience: 0, threshold: 0.01 });
  const cosEmb = new nn.CosineEmbeddingLoss({ margin: 0.2 });
  const triplet = new nn.TripletMarginLoss({ margin: 1.0, p: 2 });

  const data = det([N, inDim], 310);
  const losses: number[] = [], parts: number[][] = [], lrs: number[] = [];
  let first: Record<string, Tensor> = {};
  let z1!: Tensor, z2!: Tensor;
  for (let epoch = 0; epoch < 6; epoch++) {
    model.train();
    const x1 = data.add(det([N, inDim], 320 + epoch).mul(0.3));
    const x2 = data.add(det([N, inDim], 330 + epoch).mul(0.3));
    let h1: Tensor, h2: Tensor;
    [h1, z1] = model(x1);
    [h2, z2] = model(x2);
    const [lossNtx, sim, labels] = ntXent(z1, z2, temperature);
    const cos = F.cosineSimilarity(z1, z2, { dim: 1 });
    const target = torch.ones(N);
    target.indexPut_([`${N / 2}:`], -1);
    const lossCos = cosEmb(h1, h2, target);
    const negative = torch.roll(z2, 1, { dims: 0 });
    const lossTrip = triplet(z1, z2, negative);
    const loss = lossNtx.add(lossCos.mul(0.5)).add(lossTrip.mul(0.1));
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    scheduler.step(loss.item());
    losses.push(loss.item());
    parts.push([lossNtx.item(), lossCos.item(), lossTrip.item(), cos.mean().item()]);
    lrs.push(optimizer.paramGroups[0]!.lr);
    if (epoch === 0) {
      first = {
        sim, labels, cos,
        grad_w0: (model.encoder.at(0) as nn.Linear).weight.grad!,
        grad_bn_w: (model.encoder.at(1) as nn.BatchNorm1d).weight!.grad!,
      };
    }
  }

  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-4, `epoch ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));
  parts.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - FIX.parts[i][k]) < 1e-4, `epoch ${i} part ${k}: ${v} vs ${FIX.parts[i][k]}`)));
  assert.deepEqual(lrs, FIX.lrs);

  // the first step's similarity matrix (-inf on the diagonal; the fixture records where, JSON having no -Infinity)
  assert.equal(first.sim!.dtype, "float32");
  const neginf = torch.isneginf(first.sim!);
  assert.equal(neginf.dtype, "bool");
  assertTensor(neginf, FIX.first.sim_neginf, { msg: "isneginf(sim)" });
  assertTensor(first.sim!.maskedFill(neginf, 0.0), FIX.first.sim, { atol: 1e-5, msg: "sim" });
  assert.equal(FIX.first.labels.dtype, "int64");
  assert.equal(first.labels!.dtype, "int32"); // Fluxion's default integer dtype (README: arange with integer arguments)
  assertTensor(first.labels!, FIX.first.labels, { msg: "labels" });
  assertTensor(first.cos!, FIX.first.cos, { atol: 1e-5, msg: "cos" });
  assertTensor(first.grad_w0!, FIX.first.grad_w0, { atol: 1e-5, msg: "encoder[0].weight.grad" });
  assertTensor(first.grad_bn_w!, FIX.first.grad_bn_w, { atol: 1e-5, msg: "encoder[1].weight.grad" });

  // the -9e15 fill gives the same loss as -inf
  const [loss9e15] = torch.noGrad(() => ntXent(z1, z2, temperature, -9e15));
  const [lossInf] = torch.noGrad(() => ntXent(z1, z2, temperature));
  const [logits, nceLabels] = torch.noGrad(() => infoNce(torch.cat([z1, z2], { dim: 0 }), N));
  const lossNce = F.crossEntropy(logits, nceLabels);
  const top1 = logits.argmax({ dim: 1 }).eq(nceLabels).float().mean();
  assertTensor(logits, FIX.logits, { atol: 1e-5, msg: "info_nce logits" });
  assert.equal(nceLabels.dtype, "int64");
  assert.ok(Math.abs(lossNce.item() - FIX.loss_nce) < 1e-4, `info_nce loss: ${lossNce.item()} vs ${FIX.loss_nce}`);
  assert.equal(top1.item(), FIX.top1);
  assert.ok(Math.abs(loss9e15.item() - FIX.loss_9e15) < 1e-4, `-9e15: ${loss9e15.item()} vs ${FIX.loss_9e15}`);
  assert.ok(Math.abs(lossInf.item() - FIX.loss_inf) < 1e-4, `-inf: ${lossInf.item()} vs ${FIX.loss_inf}`);

  const bn = model.encoder.at(1) as nn.BatchNorm1d;
  assertTensor(bn.runningMean!, FIX.bn_running_mean, { atol: 1e-5, msg: "running_mean" });
  assertTensor(bn.runningVar!, FIX.bn_running_var, { atol: 1e-5, msg: "running_var" });
  assert.equal(Number(bn.numBatchesTracked!.item()), FIX.bn_num_batches);
  assertTensor((model.projector.at(2) as nn.Linear).weight, FIX.w_last, { atol: 1e-5, msg: "projector[2].weight" });
  assertTensor(optimizer.state.get((model.projector.at(2) as nn.Linear).weight)!.momentumBuffer as Tensor, FIX.momentum_buffer, { atol: 1e-5, msg: "momentum_buffer" });

  model.eval();
  const [zEval, pairwise] = torch.noGrad(() => {
    const [hEval, zEval] = model(data);
    const emb = F.normalize(hEval, { dim: 1 });
    return [zEval, F.cosineSimilarity(emb.unsqueeze(1), emb.unsqueeze(0), { dim: -1 })];
  });
  assertTensor(zEval, FIX.z_eval, { atol: 1e-4, msg: "z_eval" });
  assertTensor(pairwise, FIX.pairwise, { atol: 1e-5, msg: "pairwise" });
});

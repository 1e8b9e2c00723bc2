/**
 * A message-passing GNN (GCN-style) over an edge list, translated line by line from
 * test/fixtures/translations/gnn.py (-> gnn.json, PyTorch 1.13): self loops by torch.cat,
 * degrees by indexAdd_, deg^-1/2 with inf masked to 0, messages gathered by x[src] and
 * aggregated by indexAdd_ (layer 1) or scatterAdd over an expanded index (layer 2), nllLoss on
 * logSoftmax masked to training nodes, Adam with weight decay, and mean pooling per graph
 * by scatterAdd_ / bincount.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FIX = loadFixture("gnn.json");
const numNodes = 7, inDim = 5, hid = 8, nClasses = 3;

class GCNLayer extends nn.Module {
  lin: nn.Linear;
  bias: nn.Parameter;
  constructor(inDim: number, outDim: number) {
    super();
    this.lin = new nn.Linear(inDim, outDim, { bias: false });
    this.bias = new nn.Parameter(torch.zeros(outDim));
  }

  forward(x: Tensor, edgeIndex: Tensor, useScatter = false): Tensor {
    const n = x.size(0);
    const loops = torch.arange(n, { dtype: torch.long }).unsqueeze(0).repeat(2, 1);
    edgeIndex = torch.cat([edgeIndex, loops], { dim: 1 });
    const [src, dst] = [edgeIndex.index(0), edgeIndex.index(1)];
    const deg = torch.zeros(n).indexAdd_(0, dst, torch.ones(dst.size(0)));
    let degInvSqrt = deg.pow(-0.5);
    degInvSqrt = degInvSqrt.maskedFill(degInvSqrt.eq(Infinity), 0);
    const norm = degInvSqrt.index(src).mul(degInvSqrt.index(dst));
    const h = this.lin(x);
    const msg = h.index(src).mul(norm.view(-1, 1));
    let out: Tensor;
    if (useScatter) {
      const index = dst.view(-1, 1).expandAs(msg);
      out = torch.zerosLike(h).scatterAdd(0, index, msg);
    } else {
      out = torch.zeros(n, h.size(1)).indexAdd_(0, dst, msg);
    }
    return out.add(this.bias);
  }
}

class GCN extends nn.Module {
  conv1 = new GCNLayer(inDim, hid);
  conv2 = new GCNLayer(hid, nClasses);

  forward(x: Tensor, edgeIndex: Tensor): Tensor {
    x = F.relu(this.conv1(x, edgeIndex));
    x = F.dropout(x, { p: 0.5, training: false });
    return this.conv2(x, edgeIndex, true); // use_scatter=True
  }
}

test("GCN over an edge list: four Adam steps match PyTorch's masked NLL losses, outputs and mean-pooled graphs", () => {
  const x = det([numNodes, inDim], 110);
  const edges = detLabels(2 * 10, 111, numNodes).view(2, 10);
  const edgeIndex = torch.cat([edges, edges.flip(0)], { dim: 1 }); // undirected
  const y = detLabels(numNodes, 112, nClasses);
  const trainMask = torch.tensor([true, true, false, true, true, false, true]);
  const batch = torch.tensor([0, 0, 0, 1, 1, 1, 1], { dtype: torch.long });

  const model = new GCN();
  initDeterministic(model, 120);
  const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.01, weightDecay: 5e-4 });

  const losses: number[] = [];
  for (let epoch = 0; epoch < 4; epoch++) {
    model.train();
    optimizer.zeroGrad();
    const out = model(x, edgeIndex);
    const loss = F.nllLoss(F.logSoftmax(out, { dim: 1 }).index(trainMask), y.index(trainMask));
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-5, `epoch ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));

  model.eval();
  torch.noGrad(() => {
    const out = model(x, edgeIndex);
    const pred = out.argmax({ dim: 1 });
    const notTrain = trainMask.logicalNot(); // ~train_mask
    const correct = Number(pred.index(notTrain).eq(y.index(notTrain)).sum().item()); // int(...)
    const counts = torch.bincount(batch, { minlength: 2 }).clamp({ min: 1 });
    let pooled = torch.zeros(2, out.size(1)).scatterAdd_(0, batch.view(-1, 1).expandAs(out), out);
    pooled = pooled.div(counts.view(-1, 1));
    assert.equal(correct, FIX.correct);
    assertTensor(out, FIX.out, { atol: 1e-5, msg: "out" });
    assertTensor(pooled, FIX.pooled, { atol: 1e-5, msg: "pooled" });
    assert.equal(pooled.dtype, "float32");
  });
  assertTensor(model.conv1.bias.grad!, FIX.bias_grad, { atol: 1e-5, msg: "conv1.bias.grad" });
});

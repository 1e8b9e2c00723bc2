/**
 * A small U-Net-style segmentation net, translated line by line from
 * test/fixtures/translations/unet.py (-> unet.json, PyTorch 1.13): double-conv blocks
 * (Conv2d + BatchNorm2d + ReLU(inplace)), MaxPool2d down, ConvTranspose2d up, torch.cat skip
 * connections, CrossEntropyLoss(weight, ignoreIndex=255) over [N, C, H, W] logits, SGD with
 * Nesterov momentum, pixel accuracy through a boolean mask and IoU through `&` / `|`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FIX = loadFixture("unet.json");
const nClasses = 3;

class DoubleConv extends nn.Module {
  net: nn.Sequential;
  constructor(inCh: number, outCh: number) {
    super();
    this.net = new nn.Sequential(
      new nn.Conv2d(inCh, outCh, { kernelSize: 3, padding: 1, bias: false }),
      new nn.BatchNorm2d(outCh),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(outCh, outCh, { kernelSize: 3, padding: 1, bias: false }),
      new nn.BatchNorm2d(outCh),
      new nn.ReLU({ inplace: true }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.net(x);
  }
}

class UNet extends nn.Module {
  inc: DoubleConv; pool: nn.MaxPool2d; down1: DoubleConv; down2: DoubleConv;
  up1: nn.ConvTranspose2d; conv1: DoubleConv; up2: nn.ConvTranspose2d; conv2: DoubleConv; outc: nn.Conv2d;
  constructor(inCh = 1, nClasses = 3, base = 4) {
    super();
    this.inc = new DoubleConv(inCh, base);
    this.pool = new nn.MaxPool2d(2);
    this.down1 = new DoubleConv(base, base * 2);
    this.down2 = new DoubleConv(base * 2, base * 4);
    this.up1 = new nn.ConvTranspose2d(base * 4, base * 2, { kernelSize: 2, stride: 2 });
    this.conv1 = new DoubleConv(base * 4, base * 2);
    this.up2 = new nn.ConvTranspose2d(base * 2, base, { kernelSize: 2, stride: 2 });
    this.conv2 = new DoubleConv(base * 2, base);
    this.outc = new nn.Conv2d(base, nClasses, { kernelSize: 1 });
  }

  forward(x: Tensor): Tensor {
    const x1 = this.inc(x);
    const x2 = this.down1(this.pool(x1));
    const x3 = this.down2(this.pool(x2));
    x = this.up1(x3);
    x = this.conv1(torch.cat([x2, x], { dim: 1 }));
    x = this.up2(x);
    x = this.conv2(torch.cat([x1, x], { dim: 1 }));
    return this.outc(x);
  }
}

test("U-Net: three Nesterov steps match PyTorch's weighted CrossEntropy over [N, C, H, W], logits, accuracy and IoU", () => {
  const model = new UNet();
  initDeterministic(model, 90);
  const images = det([2, 1, 8, 8], 100);
  const masks = detLabels(2 * 8 * 8, 101, nClasses).view(2, 8, 8);
  masks.indexPut_([0, 0, ":3"], 255); // unlabeled pixels
  const criterion = new nn.CrossEntropyLoss({ weight: torch.tensor([0.5, 1.0, 2.0]), ignoreIndex: 255 });
  const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });

  const losses: number[] = [];
  for (let step = 0; step < 3; step++) {
    model.train();
    optimizer.zeroGrad();
    const logits = model(images);
    assert.deepEqual(logits.shape, [2, nClasses, 8, 8]);
    const loss = criterion(logits, masks);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-5, `step ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));

  model.eval();
  torch.noGrad(() => {
    const logits = model(images);
    const pred = logits.argmax({ dim: 1 });
    const valid = masks.ne(255);
    const acc = pred.index(valid).eq(masks.index(valid)).float().mean().item();
    const inter = pred.eq(1).bitwiseAnd(masks.eq(1)).sum().item();
    const union = pred.eq(1).bitwiseOr(masks.eq(1)).sum().item();
    const perPixel = F.crossEntropy(logits, masks, { ignoreIndex: 255, reduction: "none" });
    assert.ok(Math.abs(acc - FIX.acc) < 1e-6, `accuracy ${acc} vs PyTorch ${FIX.acc}`);
    assert.equal(inter, FIX.inter);
    assert.equal(union, FIX.union);
    assertTensor(logits, FIX.logits, { atol: 1e-4, msg: "logits" });
    assertTensor(perPixel, FIX.per_pixel, { atol: 1e-4, msg: "per-pixel loss" });
    const bn = model.down2.net.at(1) as nn.BatchNorm2d; // model.down2.net[1]
    assertTensor(bn.runningMean!, FIX.running_mean, { atol: 1e-5, msg: "running_mean" });
  });
});

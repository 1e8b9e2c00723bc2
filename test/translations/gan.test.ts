/**
 * A GAN step on 2-D toy data, translated line by line from test/fixtures/translations/gan.py
 * (-> gan.json, PyTorch 1.13): MLP generator and discriminator in nn.Sequential,
 * BCEWithLogitsLoss against onesLike(...).mul(0.9) / zerosLike labels, two Adams with betas
 * (0.5, 0.999), the discriminator step on fake.detach(), the generator step with D frozen by
 * requiresGrad_(false), zeroGrad(setToNone=true), and sigmoid(...).mean() statistics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("gan.json");
const latentDim = 3, dataDim = 2;

test("GAN: four D/G steps with BCEWithLogits, detach and a frozen D match PyTorch", () => {
  const G = new nn.Sequential(new nn.Linear(latentDim, 16), new nn.LeakyReLU(0.2), new nn.Linear(16, dataDim));
  const D = new nn.Sequential(new nn.Linear(dataDim, 16), new nn.LeakyReLU(0.2), new nn.Linear(16, 1));
  initDeterministic(G, 170);
  initDeterministic(D, 180);
  const criterion = new nn.BCEWithLogitsLoss();
  const optG = new torch.optim.Adam(G.parameters(), { lr: 2e-3, betas: [0.5, 0.999] });
  const optD = new torch.optim.Adam(D.parameters(), { lr: 2e-3, betas: [0.5, 0.999] });

  const dLosses: number[] = [], gLosses: number[] = [], stats: number[][] = [];
  for (let step = 0; step < 4; step++) {
    const real = det([8, dataDim], 190 + step, 0.5, 1.0);
    const z = det([8, latentDim], 200 + step);

    // discriminator
    const fake = G(z);
    const dReal = D(real);
    const dFake = D(fake.detach());
    const lossD = criterion(dReal, torch.onesLike(dReal).mul(0.9)).add(criterion(dFake, torch.zerosLike(dFake)));
    optD.zeroGrad({ setToNone: true });
    lossD.backward();
    optD.step();

    // generator, with D frozen
    D.requiresGrad_(false);
    const dOut = D(fake);
    const lossG = criterion(dOut, torch.onesLike(dOut));
    optG.zeroGrad({ setToNone: true });
    lossG.backward();
    optG.step();
    D.requiresGrad_(true);

    dLosses.push(lossD.item());
    gLosses.push(lossG.item());
    stats.push([torch.sigmoid(dReal).mean().item(), torch.sigmoid(dOut).mean().item()]);
    assert.ok((D.at(0) as nn.Linear).weight.grad !== null && (G.at(0) as nn.Linear).weight.grad !== null);
  }
  dLosses.forEach((l, i) => assert.ok(Math.abs(l - FIX.d_losses[i]) < 1e-5, `step ${i}: D loss ${l} vs PyTorch ${FIX.d_losses[i]}`));
  gLosses.forEach((l, i) => assert.ok(Math.abs(l - FIX.g_losses[i]) < 1e-5, `step ${i}: G loss ${l} vs PyTorch ${FIX.g_losses[i]}`));
  stats.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - FIX.stats[i][k]) < 1e-5, `step ${i} stat ${k}: ${v} vs ${FIX.stats[i][k]}`)));

  const samples = torch.noGrad(() => G(det([5, latentDim], 210)));
  assertTensor(samples, FIX.samples, { atol: 1e-5, msg: "samples" });
  // D's gradients are those of its own step: the frozen D took none from the G step
  assertTensor((D.at(0) as nn.Linear).weight.grad!, FIX.d0_weight_grad, { atol: 1e-6, msg: "D[0].weight.grad" });
});

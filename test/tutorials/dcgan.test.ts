/**
 * The "DCGAN Tutorial" (pytorch.org/tutorials/beginner/dcgan_faces_tutorial) translated line
 * by line: Generator (ConvTranspose2d + BatchNorm2d + ReLU, Tanh), Discriminator (Conv2d +
 * BatchNorm2d + LeakyReLU(0.2, inplace), Sigmoid), weightsInit through Module.apply and the
 * class name, BCELoss, two Adams with betas (0.5, 0.999) and the alternating training loop
 * (fake.detach() for D, D(fake) for G). Checked against PyTorch 1.13
 * (test/fixtures/tutorials/dcgan.py -> dcgan.json; 16x16 images and LCG data instead of
 * CelebA, see the script). Lines that needed more than the mechanical changes say so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, optim, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("dcgan.json");

const nc = 1; // Number of channels in the training images
const nz = 8; // Size of z latent vector (i.e. size of generator input)
const ngf = 4; // Size of feature maps in generator
const ndf = 4; // Size of feature maps in discriminator
const lr = 0.0002; // Learning rate for optimizers
const beta1 = 0.5; // Beta1 hyperparameter for Adam optimizers
const batchSize = 6;
const nSteps = 5;

// custom weights initialization called on netG and netD
const initialized: string[] = [];
function weightsInit(m: nn.Module): void {
  const classname = m.constructor.name; // m.__class__.__name__
  if (classname.indexOf("Conv") !== -1) {
    nn.init.normal_((m as nn.Conv2d).weight.data, 0.0, 0.02);
    initialized.push(classname);
  } else if (classname.indexOf("BatchNorm") !== -1) {
    nn.init.normal_((m as nn.BatchNorm2d).weight!.data, 1.0, 0.02);
    nn.init.constant_((m as nn.BatchNorm2d).bias!.data, 0);
    initialized.push(classname);
  }
}

class Generator extends nn.Module {
  main = new nn.Sequential(
    // input is Z, going into a convolution
    new nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, { bias: false }),
    new nn.BatchNorm2d(ngf * 4),
    new nn.ReLU(true),
    // state size. (ngf*4) x 4 x 4
    new nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, { bias: false }),
    new nn.BatchNorm2d(ngf * 2),
    new nn.ReLU(true),
    // state size. (ngf*2) x 8 x 8
    new nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, { bias: false }),
    new nn.Tanh(),
    // state size. (nc) x 16 x 16
  );

  forward(input: Tensor): Tensor {
    return this.main(input);
  }
}

class Discriminator extends nn.Module {
  main = new nn.Sequential(
    // input is (nc) x 16 x 16
    new nn.Conv2d(nc, ndf, 4, 2, 1, { bias: false }),
    new nn.LeakyReLU(0.2, true),
    // state size. (ndf) x 8 x 8
    new nn.Conv2d(ndf, ndf * 2, 4, 2, 1, { bias: false }),
    new nn.BatchNorm2d(ndf * 2),
    new nn.LeakyReLU(0.2, true),
    // state size. (ndf*2) x 4 x 4
    new nn.Conv2d(ndf * 2, 1, 4, 1, 0, { bias: false }),
    new nn.Sigmoid(),
  );

  forward(input: Tensor): Tensor {
    return this.main(input);
  }
}

test("DCGAN: 5 alternating D/G steps match PyTorch's losses, D outputs, BatchNorm statistics and samples", () => {
  const netG = new Generator();
  netG.apply(weightsInit);
  const netD = new Discriminator();
  netD.apply(weightsInit);
  assert.deepEqual(initialized, ["ConvTranspose2d", "BatchNorm2d", "ConvTranspose2d", "BatchNorm2d", "ConvTranspose2d", "Conv2d", "Conv2d", "BatchNorm2d", "Conv2d"]);
  initDeterministic(netG, 400);
  initDeterministic(netD, 500);

  const criterion = new nn.BCELoss();
  const fixedNoise = det([4, nz, 1, 1], 600);
  const realLabel = 1;
  const fakeLabel = 0;
  const optimizerD = new optim.Adam(netD.parameters(), { lr, betas: [beta1, 0.999] });
  const optimizerG = new optim.Adam(netG.parameters(), { lr, betas: [beta1, 0.999] });

  const GLosses: number[] = [];
  const DLosses: number[] = [];
  for (let i = 0; i < nSteps; i++) {
    const realCpu = det([batchSize, nc, 16, 16], 700 + i);
    // (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
    // Train with all-real batch
    netD.zeroGrad();
    const bSize = realCpu.size(0);
    const label = torch.full([bSize], realLabel, { dtype: torch.float });
    let output = netD(realCpu).view(-1);
    const errDReal = criterion(output, label);
    errDReal.backward();
    const Dx = output.mean().item();

    // Train with all-fake batch
    const noise = det([bSize, nz, 1, 1], 800 + i);
    const fake = netG(noise);
    label.fill_(fakeLabel);
    output = netD(fake.detach()).view(-1);
    const errDFake = criterion(output, label);
    errDFake.backward();
    const DGz1 = output.mean().item();
    const errD = errDReal.add(errDFake);
    optimizerD.step();

    // (2) Update G network: maximize log(D(G(z)))
    netG.zeroGrad();
    label.fill_(realLabel); // fake labels are real for generator cost
    output = netD(fake).view(-1);
    const errG = criterion(output, label);
    errG.backward();
    const DGz2 = output.mean().item();
    optimizerG.step();

    GLosses.push(errG.item());
    DLosses.push(errD.item());
    [Dx, DGz1, DGz2].forEach((v, k) => assert.ok(Math.abs(v - FIX.stats[i][k]) < 1e-5, `step ${i} stat ${k}: ${v} vs PyTorch ${FIX.stats[i][k]}`));
  }
  GLosses.forEach((l, i) => assert.ok(Math.abs(l - FIX.G_losses[i]) < 1e-5, `step ${i}: G loss ${l} vs PyTorch ${FIX.G_losses[i]}`));
  DLosses.forEach((l, i) => assert.ok(Math.abs(l - FIX.D_losses[i]) < 1e-5, `step ${i}: D loss ${l} vs PyTorch ${FIX.D_losses[i]}`));

  const fake = torch.noGrad(() => netG(fixedNoise).detach().cpu());
  assertTensor(fake, FIX.fake, { atol: 1e-5, msg: "samples" });
  const bn = (netD.main as any)[3] as nn.BatchNorm2d; // netD.main[3] (the cast is for TypeScript only)
  assertTensor(bn.runningVar!, FIX.running_var, { atol: 1e-5, msg: "running_var" });
  assert.equal(Number(bn.numBatchesTracked!.item()), FIX.num_batches_tracked);
});

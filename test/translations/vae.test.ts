/**
 * A VAE on random binary data, translated line by line from test/fixtures/translations/vae.py
 * (-> vae.json, PyTorch 1.13): the reparameterization mu + eps * std, a sigmoid decoder,
 * BCE with reduction='sum' plus the KL term, Adam, and decoding prior samples under noGrad.
 * eps comes from the LCG on both sides (randnLike is checked for shape and dtype only).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, optim, slice, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FIX = loadFixture("vae.json");

const D = 12, H = 8, Z = 3;

class VAE extends nn.Module {
  fc1 = new nn.Linear(D, H);
  fc21 = new nn.Linear(H, Z);
  fc22 = new nn.Linear(H, Z);
  fc3 = new nn.Linear(Z, H);
  fc4 = new nn.Linear(H, D);

  encode(x: Tensor): [Tensor, Tensor] {
    const h1 = F.relu(this.fc1(x));
    return [this.fc21(h1), this.fc22(h1)];
  }

  reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor): Tensor {
    const std = torch.exp(logvar.mul(0.5));
    return mu.add(eps.mul(std));
  }

  decode(z: Tensor): Tensor {
    const h3 = F.relu(this.fc3(z));
    return torch.sigmoid(this.fc4(h3));
  }

  forward(x: Tensor, eps: Tensor): [Tensor, Tensor, Tensor] {
    const [mu, logvar] = this.encode(x.view(-1, D));
    const z = this.reparameterize(mu, logvar, eps);
    return [this.decode(z), mu, logvar];
  }
}

function lossFunction(reconX: Tensor, x: Tensor, mu: Tensor, logvar: Tensor): [Tensor, Tensor, Tensor] {
  const BCE = F.binaryCrossEntropy(reconX, x.view(-1, D), { reduction: "sum" });
  const KLD = torch.sum(logvar.add(1).sub(mu.pow(2)).sub(logvar.exp())).mul(-0.5);
  return [BCE.add(KLD), BCE, KLD];
}

test("VAE: four Adam steps match PyTorch's BCE(sum) + KL losses, the encoder's mu and decoded samples", () => {
  const model = new VAE();
  initDeterministic(model, 30);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const data = det([6, D], 40).gt(0).float();
  assert.equal(data.sum().item(), FIX.data_sum);
  const noise = torch.randnLike(data.index(":", slice(null, Z)));
  assert.deepEqual(noise.shape, [6, Z]);
  assert.equal(noise.dtype, "float32");

  model.train();
  for (let epoch = 0; epoch < 4; epoch++) {
    const eps = det([6, Z], 50 + epoch);
    optimizer.zeroGrad();
    const [reconBatch, mu, logvar] = model(data, eps);
    const [loss, bce, kld] = lossFunction(reconBatch, data, mu, logvar);
    loss.backward();
    optimizer.step();
    const perSample = loss.item() / data.shape[0]!; // loss.item() / len(data)
    assert.ok(Math.abs(perSample - FIX.losses[epoch]) < 1e-5, `epoch ${epoch}: loss ${perSample} vs PyTorch ${FIX.losses[epoch]}`);
    assert.ok(Math.abs(bce.item() - FIX.bces[epoch]) < 1e-4, `epoch ${epoch}: BCE ${bce.item()} vs ${FIX.bces[epoch]}`);
    assert.ok(Math.abs(kld.item() - FIX.klds[epoch]) < 1e-5, `epoch ${epoch}: KL ${kld.item()} vs ${FIX.klds[epoch]}`);
  }

  model.eval();
  const [sample, mu] = torch.noGrad(() => {
    let sample = det([4, Z], 60);
    sample = model.decode(sample).cpu();
    const [mu] = model.encode(data);
    return [sample, mu] as const;
  });
  assert.equal(mu.requiresGrad, false);
  assertTensor(sample.view(4, 1, 3, 4), FIX.sample, { atol: 1e-5, msg: "samples" });
  assertTensor(mu, FIX.mu, { atol: 1e-5, msg: "mu" });
  assertTensor(model.fc22.bias!.grad!, FIX.grad_fc22_bias, { atol: 1e-5, msg: "fc22.bias.grad" });
});

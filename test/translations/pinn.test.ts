/**
 * Autograd-heavy research code, translated line by line from test/fixtures/translations/pinn.py
 * (-> pinn.json, PyTorch 1.13): a physics-informed network for viscous Burgers (u_x, u_t, u_xx
 * by autograd.grad with createGraph; Tanh / sin / SiLU / Softplus MLPs; Adam then LBFGS with
 * strong Wolfe), WGAN-GP's gradient penalty through a Conv2d + LayerNorm + LeakyReLU critic,
 * autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp), a network's Hessian-vector
 * product by double backward, MAML's inner loop on F.linear with fast weights and
 * nn.utils.stateless.functionalCall, gradcheck / gradgradcheck (with gradOutputs, nondetTol,
 * fastMode), torch.dist, autograd.backward over several losses, detectAnomaly, and the errors
 * a user hits on the way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { autograd, nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const FIX = loadFixture("pinn.json");
const F = nn.functional;
const { gradcheck, gradgradcheck } = autograd;
const { hessian, hvp, jacobian, jvp, vhp, vjp } = autograd.functional;
const { parametersToVector, stateless } = nn.utils;

function err(fn: () => unknown): string | null {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

function close(a: number, b: number, tol: number, msg: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${msg}: ${a} vs PyTorch ${b}`);
}

// ---------------------------------------------------------------- 1. PINN for Burgers
class Sin extends nn.Module {
  forward(x: Tensor): Tensor {
    return torch.sin(x);
  }
}

const ACTS: Record<string, () => nn.Module> = {
  tanh: () => new nn.Tanh(),
  sin: () => new Sin(),
  silu: () => new nn.SiLU(),
  softplus: () => new nn.Softplus({ beta: 2.0 }),
};

class PINN extends nn.Module {
  net: nn.Sequential;
  constructor(act: () => nn.Module, hidden = 16) {
    super();
    this.net = new nn.Sequential(new nn.Linear(2, hidden), act(), new nn.Linear(hidden, hidden), act(), new nn.Linear(hidden, 1));
  }

  forward(x: Tensor, t: Tensor): Tensor {
    return this.net(torch.cat([x, t], 1));
  }
}

function derivative(u: Tensor, x: Tensor): Tensor {
  return torch.autograd.grad(u, x, { gradOutputs: torch.onesLike(u), createGraph: true, retainGraph: true })[0]!;
}

const nu = 0.01 / Math.PI;
const xF = det([24, 1], 500).requiresGrad_();
const tF = det([24, 1], 501, 0.5, 0.5).requiresGrad_();
const x0 = det([12, 1], 502);
const t0 = torch.zerosLike(x0);
const u0 = torch.sin(x0.mul(Math.PI)).neg();
const tB = det([8, 1], 503, 0.5, 0.5);
const [xLb, xRb] = [torch.onesLike(tB).neg(), torch.onesLike(tB)];

function pinnLoss(model: PINN): [Tensor, Tensor[]] {
  const u = model(xF, tF);
  const uX = derivative(u, xF);
  const uT = derivative(u, tF);
  const uXx = derivative(uX, xF);
  const f = uT.add(u.mul(uX)).sub(uXx.mul(nu));
  const lossF = torch.mean(f.pow(2));
  const loss0 = F.mseLoss(model(x0, t0), u0);
  const lossB = model(xLb, tB).pow(2).mean().add(model(xRb, tB).pow(2).mean());
  return [lossF.add(loss0).add(lossB), [u, uX, uT, uXx, lossF, loss0, lossB]];
}

Object.entries(ACTS).forEach(([name, act], i) => {
  test(`PINN (${name}): u, u_x, u_t, u_xx by autograd.grad(createGraph), the residual loss's parameter gradients and Adam${name === "tanh" ? " then LBFGS(strong_wolfe)" : ""} match PyTorch`, () => {
    const e = FIX.pinn[name];
    const model = new PINN(act);
    initDeterministic(model, 510 + 10 * i);
    let [loss, [u, uX, uT, uXx, lf, l0, lb]] = pinnLoss(model);
    torch.autograd.backward([lf!, l0!.add(lb!)]); // the same gradients as loss.backward()
    assertTensor(u!, e.u, { atol: 1e-5, msg: "u" });
    assertTensor(uX!, e.u_x, { atol: 1e-5, msg: "u_x" });
    assertTensor(uT!, e.u_t, { atol: 1e-5, msg: "u_t" });
    assertTensor(uXx!, e.u_xx, { atol: 1e-5, msg: "u_xx" });
    [lf!, l0!, lb!].forEach((l, k) => close(l.item(), e.parts[k], 1e-5, `loss part ${k}`));
    assertTensor((model.net.at(0) as nn.Linear).weight.grad!, e.grad0, { atol: 1e-5, msg: "grad0" });
    assertTensor((model.net.at(2) as nn.Linear).weight.grad!, e.grad2, { atol: 1e-5, msg: "grad2" });

    const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      opt.zeroGrad();
      [loss] = pinnLoss(model);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    losses.forEach((l, k) => close(l, e.adam_losses[k], 1e-4, `adam step ${k}`));
    if (name !== "tanh") return;
    const lbfgs = new torch.optim.LBFGS(model.parameters(), { lr: 1.0, maxIter: 6, historySize: 10, lineSearchFn: "strong_wolfe" });
    const closure = () => {
      lbfgs.zeroGrad();
      const [loss] = pinnLoss(model);
      loss.backward();
      return loss;
    };
    const lbfgsLosses = [0, 1].map(() => lbfgs.step(closure).item());
    lbfgsLosses.forEach((l, k) => close(l, e.lbfgs_losses[k], 1e-3, `lbfgs step ${k}`));
    close(pinnLoss(model)[0].item(), e.lbfgs_final, 1e-3, "lbfgs final");
    assert.equal(lbfgs.state.get(model.parameters()[0]!)!.nIter, e.n_iter);
    assertTensor((model.net.at(0) as nn.Linear).weight, e.final_w0, { atol: 2e-3, msg: "final w0" });
    assertTensor((model.net.at(4) as nn.Linear).bias!, e.final_b4, { atol: 2e-3, msg: "final b4" });
  });
});

test("PINN: the gradient w.r.t. a joint (x, t) leaf sliced by columns, and both leaves in one autograd.grad call", () => {
  const e = FIX.pinn.cols;
  const model = new PINN(ACTS.tanh!);
  initDeterministic(model, 510);
  const xt = torch.cat([xF, tF], 1).detach().requiresGrad_(true);
  const u = model.net(xt);
  const du = torch.autograd.grad(u.sum(), xt, { createGraph: true })[0]!;
  const uXxCols = torch.autograd.grad(du.index(":", "0:1").sum(), xt, { createGraph: true })[0]!.index(":", "0:1");
  const [gX, gT] = torch.autograd.grad(model(xF, tF), [xF, tF], torch.ones(24, 1));
  assertTensor(du, e.du, { atol: 1e-5, msg: "du" });
  assertTensor(uXxCols, e.u_xx, { atol: 1e-5, msg: "u_xx" });
  assertTensor(gX!, e.g_x, { atol: 1e-5, msg: "g_x" });
  assertTensor(gT!, e.g_t, { atol: 1e-5, msg: "g_t" });
});

// ---------------------------------------------------------------- 2. WGAN-GP
class Critic extends nn.Module {
  conv = new nn.Sequential(new nn.Conv2d(1, 4, 3, { stride: 2, padding: 1 }), new nn.LayerNorm([4, 4, 4]), new nn.LeakyReLU(0.2),
    new nn.Conv2d(4, 8, 3, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2));
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear(32, 16), new nn.LayerNorm(16), new nn.LeakyReLU(0.2), new nn.Linear(16, 1));

  forward(x: Tensor): Tensor {
    return this.head(this.conv(x));
  }
}

function gradientPenalty(D: Critic, real: Tensor, fake: Tensor, alpha: Tensor): Tensor {
  const interpolates = alpha.mul(real).add(alpha.rsub(1).mul(fake)).requiresGrad_(true);
  const dInterpolates = D(interpolates);
  let gradients = torch.autograd.grad(dInterpolates, interpolates, {
    gradOutputs: torch.onesLike(dInterpolates), createGraph: true, retainGraph: true, onlyInputs: true,
  })[0]!;
  gradients = gradients.view(gradients.size(0), -1);
  return gradients.norm(2, { dim: 1 }).sub(1).pow(2).mean();
}

test("WGAN-GP: the gradient penalty's double backward through Conv2d, LayerNorm and LeakyReLU, and Adam(betas=(0, 0.9)) steps match PyTorch", () => {
  const e = FIX.wgan;
  const G = new nn.Sequential(new nn.Linear(4, 32), new nn.ReLU(), new nn.Linear(32, 64), new nn.Tanh());
  const D = new Critic();
  initDeterministic(G, 600);
  initDeterministic(D, 620);
  const optG = new torch.optim.Adam(G.parameters(), { lr: 1e-3, betas: [0.0, 0.9] });
  const optD = new torch.optim.Adam(D.parameters(), { lr: 1e-3, betas: [0.0, 0.9] });
  const lambdaGp = 10.0;
  const dLosses: number[] = [], gps: number[] = [], gLosses: number[] = [];
  for (let it = 0; it < 3; it++) {
    const real = det([6, 1, 8, 8], 630 + it);
    for (let c = 0; c < 2; c++) {
      const z = det([6, 4], 640 + 10 * it + c);
      const fake = G(z).view(-1, 1, 8, 8);
      const alpha = det([6, 1, 1, 1], 660 + 10 * it + c, 0.5, 0.5);
      optD.zeroGrad();
      const gp = gradientPenalty(D, real, fake.detach(), alpha);
      const dLoss = D(fake.detach()).mean().sub(D(real).mean()).add(gp.mul(lambdaGp));
      dLoss.backward();
      if (it === 0 && c === 0) {
        for (const [n, p] of D.namedParameters()) assertTensor(p.grad!, e.first_grads[n], { atol: 1e-4, msg: `first grad ${n}` });
      }
      optD.step();
      dLosses.push(dLoss.item());
      gps.push(gp.item());
    }
    optG.zeroGrad();
    const gLoss = D(G(det([6, 4], 690 + it)).view(-1, 1, 8, 8)).mean().neg();
    gLoss.backward();
    optG.step();
    gLosses.push(gLoss.item());
  }
  dLosses.forEach((l, k) => close(l, e.d_loss[k], 1e-4, `d_loss ${k}`));
  gps.forEach((l, k) => close(l, e.gp[k], 1e-4, `gp ${k}`));
  gLosses.forEach((l, k) => close(l, e.g_loss[k], 1e-4, `g_loss ${k}`));
  const finals = [...D.namedParameters(), ...[...G.namedParameters()].slice(0, 2)];
  for (const [n, p] of finals) assertTensor(p, e.final[n], { atol: 1e-4, msg: `final ${n}` });

  const z = det([6, 4], 640 + 10 * 2 + 1), real = det([6, 1, 8, 8], 630 + 2);
  close(torch.dist(real, G(z).view(-1, 1, 8, 8)).item(), e.dist_real_fake, 1e-5, "dist(real, fake)");
  const zg = torch.zeros([2, 3], { requiresGrad: true });
  zg.norm(2, { dim: 1 }).sum().backward();
  assertTensor(zg.grad!, e.zero_norm_grad, { msg: "norm's gradient at zero" });
});

// ---------------------------------------------------------------- 3. autograd.functional
function fVec(x: Tensor): Tensor {
  return torch.stack([x.index(0).pow(2).mul(x.index(1)), torch.sin(x.index(1)).mul(x.index(2)), torch.exp(x.index(0).sub(x.index(2))), x.pow(2).sum()]);
}

function fPair(x: Tensor, y: Tensor): Tensor {
  return x.pow(3).sum().mul(y.tanh().sum()).add(x.matmul(y));
}

const xa = det([3], 700, 0.8).double();
const ya = det([3], 701, 0.8).double();
const v4 = det([4], 702).double();
const v3 = det([3], 703).double();
const fExpSin = (x: Tensor) => x.exp().mul(x.sin()).sum();

test("autograd.functional: jacobian (vectorize, forward-mode), hessian, vjp, jvp, hvp, vhp and a createGraph jacobian match PyTorch", () => {
  const e = FIX.functional;
  const o = { atol: 1e-10, rtol: 1e-10 };
  assertTensor(jacobian(fVec, xa) as Tensor, e.J, { ...o, msg: "J" });
  assertTensor(jacobian(fVec, xa, { vectorize: true }) as Tensor, e.J_vec, { ...o, msg: "J vectorize" });
  assertTensor(jacobian(fVec, xa, { vectorize: true, strategy: "forward-mode" }) as Tensor, e.J_fwd, { ...o, msg: "J forward-mode" });
  const Jxy = jacobian(fPair, [xa, ya]) as Tensor[];
  Jxy.forEach((j, k) => assertTensor(j, e.J_pair[k], { ...o, msg: `J_pair ${k}` }));
  const Hxy = hessian(fPair, [xa, ya]) as Tensor[][];
  Hxy.forEach((row, r) => row.forEach((h, c) => assertTensor(h, e.H_pair[r][c], { ...o, msg: `H_pair ${r}${c}` })));
  assertTensor(hessian(fExpSin, xa) as Tensor, e.H, { ...o, msg: "H" });
  assertTensor(hessian(fExpSin, xa, { vectorize: true, outerJacobianStrategy: "forward-mode" }) as Tensor, e.H_fwd, { ...o, msg: "H forward-over-reverse" });
  const [out, vjpRes] = vjp(fVec, xa, v4);
  assertTensor(out as Tensor, e.vjp[0], { ...o, msg: "vjp out" });
  assertTensor(vjpRes, e.vjp[1], { ...o, msg: "vjp" });
  assertTensor(jvp(fVec, xa, v3)[1] as Tensor, e.jvp, { ...o, msg: "jvp" });
  assertTensor(hvp((x, y) => fPair(x, y), [xa, ya], [v3, v3])[1][1]!, e.hvp, { ...o, msg: "hvp" });
  assertTensor(vhp((x, y) => fPair(x, y), [xa, ya], [v3, v3])[1][0]!, e.vhp, { ...o, msg: "vhp" });
  const xr = xa.clone().requiresGrad_();
  const Jc = jacobian(fVec, xr, { createGraph: true }) as Tensor;
  Jc.pow(2).sum().backward();
  assertTensor(xr.grad!, e.J_create_graph_grad, { ...o, msg: "grad through a createGraph jacobian" });
});

test("a network's Hessian-vector product by double backward (influence functions) matches PyTorch", () => {
  const e = FIX.functional;
  const net = new nn.Sequential(new nn.Linear(3, 5), new nn.Tanh(), new nn.Linear(5, 1));
  initDeterministic(net, 710);
  const [X, Y] = [det([10, 3], 720), det([10, 1], 721)];
  const loss = F.mseLoss(net(X), Y);
  const params = net.parameters().filter((p) => p.requiresGrad);
  const grads = torch.autograd.grad(loss, params, { createGraph: true }) as Tensor[];
  const vs = params.map((p, i) => det([...p.shape], 730 + i));
  const gv = grads.map((g, i) => g.mul(vs[i]!).sum()).reduce((a, b) => a.add(b));
  const Hv = torch.autograd.grad(gv, params, { retainGraph: true }) as Tensor[];
  Hv.forEach((h, k) => assertTensor(h, e.Hv[k], { atol: 1e-5, msg: `Hv ${k}` }));
  assertTensor(parametersToVector(Hv), e.Hv_flat, { atol: 1e-5, msg: "Hv flat" });
  close(torch.sqrt(grads.map((g) => g.pow(2).sum()).reduce((a, b) => a.add(b))).item(), e.grad_norm, 1e-5, "grad norm");
});

// ---------------------------------------------------------------- 4. MAML
class MetaNet extends nn.Module {
  l1 = new nn.Linear(1, 16);
  l2 = new nn.Linear(16, 16);
  l3 = new nn.Linear(16, 1);

  forward(x: Tensor): Tensor {
    return this.l3(torch.relu(this.l2(torch.tanh(this.l1(x)))));
  }
}

function functionalForward(x: Tensor, w: Tensor[]): Tensor {
  x = torch.tanh(F.linear(x, w[0]!, w[1]!));
  x = F.relu(F.linear(x, w[2]!, w[3]!));
  return F.linear(x, w[4]!, w[5]!);
}

test("MAML: fast weights with createGraph, the query loss through stateless.functionalCall, second-order meta-gradients and Adam match PyTorch", () => {
  const e = FIX.maml;
  const meta = new MetaNet();
  initDeterministic(meta, 740);
  const metaOpt = new torch.optim.Adam(meta.parameters(), { lr: 1e-2 });
  const innerLr = 0.05;
  const metaLosses: number[] = [], inner: number[] = [];
  for (let it = 0; it < 3; it++) {
    metaOpt.zeroGrad();
    let metaLoss: Tensor | number = 0.0;
    for (let task = 0; task < 2; task++) {
      const [amp, phase] = [1.0 + 0.5 * task + 0.1 * it, 0.3 * task];
      const [xs, xq] = [det([5, 1], 750 + 10 * it + task, 2.0), det([5, 1], 760 + 10 * it + task, 2.0)];
      const [ys, yq] = [torch.sin(xs.add(phase)).mul(amp), torch.sin(xq.add(phase)).mul(amp)];
      let fast: Tensor[] = meta.parameters();
      for (let step = 0; step < 2; step++) {
        const innerLoss = F.mseLoss(functionalForward(xs, fast), ys);
        const grads = torch.autograd.grad(innerLoss, fast, { createGraph: true });
        fast = fast.map((w, k) => w.sub(grads[k]!.mul(innerLr)));
        inner.push(innerLoss.item());
      }
      const names = [...meta.namedParameters()].map(([n]) => n);
      const q = stateless.functionalCall(meta, Object.fromEntries(names.map((n, k) => [n, fast[k]!])), [xq]) as Tensor;
      metaLoss = F.mseLoss(q, yq).add(metaLoss);
    }
    metaLoss = (metaLoss as Tensor).div(2);
    metaLoss.backward();
    if (it === 0) meta.parameters().forEach((p, k) => assertTensor(p.grad!, e.first_grads[k], { atol: 1e-5, msg: `meta grad ${k}` }));
    metaOpt.step();
    metaLosses.push(metaLoss.item());
  }
  inner.forEach((l, k) => close(l, e.inner[k], 1e-4, `inner loss ${k}`));
  metaLosses.forEach((l, k) => close(l, e.meta_loss[k], 1e-4, `meta loss ${k}`));
  meta.parameters().forEach((p, k) => assertTensor(p, e.final[k], { atol: 1e-4, msg: `final ${k}` }));
});

// ---------------------------------------------------------------- 5. gradcheck, anomaly
function compMlp(x: Tensor, w: Tensor): Tensor {
  return torch.tanh(x.matmul(w)).pow(2).sum(1).mul(torch.sigmoid(x).prod(1));
}

function compSoftplus(x: Tensor): Tensor {
  return F.softplus(x, { beta: 2 }).logsumexp(0).add(x.norm({ dim: 0 })).add(F.silu(x).mean(0));
}

function compLn(x: Tensor, w: Tensor, b: Tensor): Tensor {
  return F.gelu(F.layerNorm(x, [4], w, b)).mul(F.leakyRelu(x, 0.2));
}

function compConv(x: Tensor, w: Tensor): Tensor {
  return F.conv2d(x, w, { padding: 1 }).tanh().mean([2, 3]);
}

test("gradcheck and gradgradcheck in float64 on composite functions, and detectAnomaly naming the backward op that made a NaN", () => {
  const e = FIX.checks;
  const gx = det([3, 4], 800, 0.7).double().requiresGrad_();
  const gw = det([4, 2], 801, 0.7).double().requiresGrad_();
  const lw = det([4], 802, 0.3, 1.0).double().requiresGrad_();
  const lb = det([4], 803, 0.3).double().requiresGrad_();
  const cx = det([1, 2, 3, 3], 804).double().requiresGrad_();
  const cw = det([2, 2, 3, 3], 805, 0.4).double().requiresGrad_();
  const checks = [gradcheck(compMlp, [gx, gw]), gradgradcheck(compMlp, [gx, gw]),
    gradcheck(compSoftplus, [gx]), gradgradcheck(compSoftplus, [gx]),
    gradcheck(compLn, [gx, lw, lb]), gradgradcheck(compLn, [gx, lw, lb]),
    gradcheck(compConv, [cx, cw]), gradgradcheck(compConv, [cx, cw]),
    gradgradcheck(compMlp, [gx, gw], [torch.ones(3, { dtype: "float64" })], { nondetTol: 1e-12 }),
    gradcheck((a: Tensor, b: Tensor) => torch.dist(a, b, 3), [gx, det([4], 806).double().requiresGrad_()], { fastMode: true })];
  assert.deepEqual(checks, e.gradcheck);

  const xn = torch.tensor([0.0, 1.0, 4.0], { requiresGrad: true });
  const y = torch.where(xn.gt(0), xn.sqrt(), torch.zerosLike(xn));
  y.sum().backward();
  assert.deepEqual((xn.grad!.tolist() as number[]).map((v) => Number.isNaN(v)), e.nan_grad);
  xn.grad = null;
  const anomalyMsg = err(() => autograd.detectAnomaly(() => {
    const y = torch.where(xn.gt(0), xn.sqrt(), torch.zerosLike(xn));
    y.sum().backward();
  }));
  assert.ok(anomalyMsg?.includes(e.anomaly), `${anomalyMsg} vs ${e.anomaly}`);
  autograd.setDetectAnomaly(true);
  const anomalyDiv = err(() => xn.div(xn).sum().backward());
  autograd.setDetectAnomaly(false);
  assert.ok(anomalyDiv?.includes(e.anomaly_div), `${anomalyDiv} vs ${e.anomaly_div}`);
});

// ---------------------------------------------------------------- errors a user hits
test("the errors a user hits: implicit gradient of a non-scalar, a second derivative without createGraph, unused and non-differentiable inputs, forward-mode misuse, a non-scalar hessian, a bad v, backward twice", () => {
  const e = FIX.errors;
  const model = new PINN(ACTS.tanh!);
  const xe = det([4, 1], 900).requiresGrad_();
  const te = det([4, 1], 901).requiresGrad_();
  const ue = model(xe, te);
  const uXNoGraph = torch.autograd.grad(ue, xe, torch.onesLike(ue), { retainGraph: true })[0]!;
  const unused = torch.zeros([1], { requiresGrad: true });
  const xr = xa.clone().requiresGrad_();
  const got: Record<string, string | null> = {
    nonscalar: err(() => torch.autograd.grad(ue, xe)),
    no_create_graph: err(() => torch.autograd.grad(uXNoGraph, xe, torch.onesLike(uXNoGraph))),
    unused: err(() => torch.autograd.grad(ue.sum(), [xe, unused], { retainGraph: true })),
    not_requires_grad: err(() => torch.autograd.grad(ue.sum(), [xe, torch.zeros(1)], { retainGraph: true })),
    fwd_no_vectorize: err(() => jacobian(fVec, xa, { strategy: "forward-mode" })),
    fwd_create_graph: err(() => jacobian(fVec, xr, { vectorize: true, strategy: "forward-mode", createGraph: true })),
    hessian_nonscalar: err(() => hessian(fVec, xa)),
    vjp_bad_v: err(() => vjp(fVec, xa, v3)),
  };
  const unusedAllowed = torch.autograd.grad(ue.sum(), [xe, unused], { retainGraph: true, allowUnused: true }).map((g) => g === null);
  assert.deepEqual(unusedAllowed, e.unused_allowed);
  ue.sum().backward();
  got.twice = err(() => ue.sum().backward());
  // each Fluxion message carries PyTorch's key phrase (Fluxion's also name the op and shapes)
  const phrase: Record<string, RegExp> = {
    nonscalar: /grad can be implicitly created only for scalar outputs/,
    no_create_graph: /element 0 of tensors does not require grad and does not have a grad_?fn/i,
    unused: /appears to not have been used in the graph.*allowUnused/,
    not_requires_grad: /input 1 .*does not require grad/,
    fwd_no_vectorize: /only implemented for `?vectorize/,
    fwd_create_graph: /createGraph.*forward-mode.*not supported together/,
    hessian_nonscalar: /should contain a single element/,
    vjp_bad_v: /v has invalid size: should be \[4\] but got \[3\]/,
    twice: /backward through the graph a second time/,
  };
  for (const [k, re] of Object.entries(phrase)) {
    assert.ok(e[k] !== null && got[k] !== null, `${k}: both must raise (PyTorch: ${e[k]}; Fluxion: ${got[k]})`);
    assert.match(got[k]!, re, `${k}: ${got[k]}`);
  }
});


/**
 * PPO with a hybrid action space, translated line by line from
 * test/fixtures/translations/ppo.py (-> ppo.json, PyTorch 1.13): a tiny vectorized environment
 * in tensor ops, an agent with a shared Tanh trunk and Categorical / Normal (log_std Parameter
 * through expandAs) / value heads initialised by nn.init.orthogonal_ and constant_, noGrad
 * rollouts stacked from lists, deterministic actions with logProb / entropy / probs, GAE in a
 * reversed loop into zerosLike, normalized advantages, the clipped surrogate (max and min
 * forms), a clipped value loss or smoothL1Loss, mseLoss, approx_kl and clip fractions,
 * clipGradNorm_'s total norm, Adam(eps=1e-5), minibatches from an argsort permutation, LambdaLR
 * annealing, klDivergence of Categoricals and (Independent) Normals, and a state-dict round
 * trip of agent, optimizer and scheduler through io.serialize / io.deserialize.
 * Lines that needed more than the mechanical changes say so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { distributions, io, nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const { Beta, Categorical, Independent, Normal, TanhTransform, TransformedDistribution, klDivergence } = distributions;
const FIX = loadFixture("ppo.json");

const OBS_DIM = 4, N_DISC = 3, N_CONT = 2, HID = 16;
const NUM_ENVS = 2, NUM_STEPS = 8;
const BATCH = NUM_ENVS * NUM_STEPS;
const NUM_MINIBATCHES = 4, UPDATE_EPOCHS = 2, NUM_UPDATES = 2;
const MB = Math.floor(BATCH / NUM_MINIBATCHES);
const GAMMA = 0.99, LAM = 0.95, CLIP = 0.1, ENT_COEF = 0.01, VF_COEF = 0.5, MAX_GRAD_NORM = 0.5, LR = 3e-2;

class ToyEnv {
  horizon: number;
  pos: Tensor;
  vel: Tensor;
  t: Tensor;
  goal: Tensor;
  constructor(n: number, horizon = 5) {
    this.horizon = horizon;
    this.pos = torch.zeros(n);
    this.vel = torch.zeros(n);
    this.t = torch.arange(n);
    this.goal = torch.tensor([0.5, -0.3]);
  }

  obs(): Tensor {
    return torch.stack([this.pos, this.vel, this.goal.sub(this.pos), this.t.float().div(this.horizon)], { dim: 1 });
  }

  step(aDisc: Tensor, aCont: Tensor): [Tensor, Tensor, Tensor] {
    const force = aDisc.float().sub(1.0).mul(0.2).add(torch.tanh(aCont.index(":", 0)).mul(0.1));
    this.vel = this.vel.mul(0.9).add(force);
    this.pos = this.pos.add(this.vel.mul(0.5));
    const reward = this.pos.sub(this.goal).abs().neg().sub(aCont.pow(2).sum(1).mul(0.01));
    this.t = this.t.add(1);
    const done = this.t.ge(this.horizon);
    this.pos = torch.where(done, torch.zerosLike(this.pos), this.pos);
    this.vel = torch.where(done, torch.zerosLike(this.vel), this.vel);
    this.t = torch.where(done, torch.zerosLike(this.t), this.t);
    return [this.obs(), reward, done];
  }
}

function layerInit(layer: nn.Linear, std = Math.sqrt(2), biasConst = 0.0): nn.Linear {
  nn.init.orthogonal_(layer.weight, std);
  nn.init.constant_(layer.bias!, biasConst);
  return layer;
}

type Dists = [InstanceType<typeof Categorical>, InstanceType<typeof Normal>, Tensor];

class Agent extends nn.Module {
  trunk: nn.Sequential;
  actor: nn.Linear;
  actorMean: nn.Linear;
  actorLogstd: nn.Parameter;
  critic: nn.Linear;
  constructor() {
    super();
    this.trunk = new nn.Sequential(layerInit(new nn.Linear(OBS_DIM, HID)), new nn.Tanh(), layerInit(new nn.Linear(HID, HID)), new nn.Tanh());
    this.actor = layerInit(new nn.Linear(HID, N_DISC), 0.01);
    this.actorMean = layerInit(new nn.Linear(HID, N_CONT), 0.01);
    this.actorLogstd = new nn.Parameter(torch.zeros(1, N_CONT));
    this.critic = layerInit(new nn.Linear(HID, 1), 1.0);
  }

  // CleanRL's Agent has no forward (PyTorch raises only if it is called); Fluxion's Module
  // declares forward abstract, so TypeScript wants one: the same refusal, written out
  forward(): never {
    throw new Error("Agent: use getValue / getActionAndValue");
  }

  getValue(x: Tensor): Tensor {
    return this.critic(this.trunk(x));
  }

  dists(x: Tensor): Dists {
    const h = this.trunk(x);
    const logits = this.actor(h);
    const actionMean = this.actorMean(h);
    const actionLogstd = this.actorLogstd.expandAs(actionMean);
    const actionStd = torch.exp(actionLogstd);
    return [new Categorical({ logits }), new Normal(actionMean, actionStd), this.critic(h)];
  }

  getActionAndValue(x: Tensor, aDisc: Tensor | null = null, aCont: Tensor | null = null, u: Tensor | null = null, eps: Tensor | null = null): [Tensor, Tensor, Tensor, Tensor, Tensor] {
    const [cat, normal, value] = this.dists(x);
    if (aDisc === null) {
      // deterministic stand-ins for cat.sample() / normal.sample()
      aDisc = cat.probs.cumsum(-1).lt(u!.unsqueeze(-1)).sum(-1).clamp({ max: N_DISC - 1 });
      aCont = normal.mean.add(normal.stddev.mul(eps!));
    }
    const logprob = cat.logProb(aDisc).add(normal.logProb(aCont!).sum(-1));
    const entropy = cat.entropy().add(normal.entropy().sum(-1));
    return [aDisc, aCont!, logprob, entropy, value];
  }
}

type Batch = [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];

function ppoUpdate(agent: Agent, optimizer: torch.optim.Adam, b: Batch, perm: Tensor, valueLoss = "clipped"): number[][] {
  const [bObs, bDisc, bCont, bLogprobs, bAdvantages, bReturns, bValues] = b;
  const logs: number[][] = [];
  for (let epoch = 0; epoch < UPDATE_EPOCHS; epoch++) {
    for (let start = 0; start < BATCH; start += MB) {
      const mbInds = perm.index(epoch).index(`${start}:${start + MB}`);
      let [, , newlogprob, entropy, newvalue] = agent.getActionAndValue(bObs.index(mbInds), bDisc.long().index(mbInds), bCont.index(mbInds));
      const logratio = newlogprob.sub(bLogprobs.index(mbInds));
      const ratio = logratio.exp();
      const [oldApproxKl, approxKl, clipfrac] = torch.noGrad(() => [
        logratio.neg().mean(),
        ratio.sub(1).sub(logratio).mean(),
        ratio.sub(1.0).abs().gt(CLIP).float().mean().item(),
      ] as const);
      let mbAdv = bAdvantages.index(mbInds);
      mbAdv = mbAdv.sub(mbAdv.mean()).div(mbAdv.std().add(1e-8));
      const pgLoss1 = mbAdv.neg().mul(ratio);
      const pgLoss2 = mbAdv.neg().mul(torch.clamp(ratio, 1 - CLIP, 1 + CLIP));
      const pgLoss = torch.max(pgLoss1, pgLoss2).mean();
      const surr = torch.min(ratio.mul(mbAdv), torch.clamp(ratio, 1 - CLIP, 1 + CLIP).mul(mbAdv)).mean().neg();
      newvalue = newvalue.view(-1);
      let vLoss: Tensor;
      if (valueLoss === "clipped") {
        const vLossUnclipped = newvalue.sub(bReturns.index(mbInds)).pow(2);
        const vClipped = bValues.index(mbInds).add(torch.clamp(newvalue.sub(bValues.index(mbInds)), -CLIP, CLIP));
        const vLossClipped = vClipped.sub(bReturns.index(mbInds)).pow(2);
        vLoss = torch.max(vLossUnclipped, vLossClipped).mean().mul(0.5);
      } else {
        vLoss = F.smoothL1Loss(newvalue, bReturns.index(mbInds));
      }
      const mse = F.mseLoss(newvalue, bReturns.index(mbInds));
      const entropyLoss = entropy.mean();
      const loss = pgLoss.sub(entropyLoss.mul(ENT_COEF)).add(vLoss.mul(VF_COEF));
      optimizer.zeroGrad();
      loss.backward();
      const gradNorm = nn.utils.clipGradNorm_(agent.parameters(), MAX_GRAD_NORM);
      optimizer.step();
      logs.push([loss.item(), pgLoss.item(), surr.item(), vLoss.item(), mse.item(), entropyLoss.item(),
        oldApproxKl.item(), approxKl.item(), clipfrac, gradNorm.item()]);
    }
  }
  return logs;
}

const LOG_NAMES = ["loss", "pg_loss", "surr", "v_loss", "mse", "entropy", "old_approx_kl", "approx_kl", "clipfrac", "grad_norm"];

function assertLogs(got: number[][], want: number[][], what: string): void {
  assert.equal(got.length, want.length);
  got.forEach((row, i) => row.forEach((v, k) => {
    const w = want[i]![k]!;
    assert.ok(Math.abs(v - w) <= 2e-5 + 1e-4 * Math.abs(w), `${what} minibatch ${i} ${LOG_NAMES[k]}: ${v} vs PyTorch ${w}`);
  }));
}

test("PPO: rollouts, GAE, clipped surrogate and value losses, KLs, LambdaLR and a checkpoint round trip match PyTorch", () => {
  // orthogonal_ draws from the RNG: check its properties, then start both sides from the LCG
  torch.manualSeed(0);
  const agent = new Agent();
  const w0 = (agent.trunk[0] as nn.Linear).weight; // [16, 4]: columns orthonormal, scaled by the gain
  const w2 = (agent.trunk[2] as nn.Linear).weight; // [16, 16]: orthogonal
  assertTensor(w0.T.matmul(w0), FIX.ortho.w0_gram, { atol: 1e-5, msg: "W0^T W0" });
  assertTensor(w2.matmul(w2.T), FIX.ortho.w2_gram, { atol: 1e-5, msg: "W2 W2^T" });
  assertTensor(agent.actor.weight.norm({ dim: 1 }), FIX.ortho.actor_row_norms, { atol: 1e-6, msg: "actor row norms" });
  let biasSum = 0;
  for (const m of agent.modules()) if (m instanceof nn.Linear) biasSum += m.bias!.abs().sum().item();
  assert.equal(biasSum, FIX.ortho.bias_sum);
  initDeterministic(agent, 400);
  const optimizer = new torch.optim.Adam(agent.parameters(), { lr: LR, eps: 1e-5 });
  const scheduler = new torch.optim.lrScheduler.LambdaLR(optimizer, (update: number) => 1.0 - update / NUM_UPDATES);

  const env = new ToyEnv(NUM_ENVS);
  let nextObs = env.obs();
  let nextDone = torch.zeros(NUM_ENVS);
  const us = det([NUM_UPDATES, NUM_STEPS, NUM_ENVS], 410, 0.5, 0.5);
  const epss = det([NUM_UPDATES, NUM_STEPS, NUM_ENVS, N_CONT], 411);

  function rollout(update: number): Batch {
    const obsL: Tensor[] = [], discL: Tensor[] = [], contL: Tensor[] = [], logpL: Tensor[] = [], rewL: Tensor[] = [], doneL: Tensor[] = [], valL: Tensor[] = [];
    for (let step = 0; step < NUM_STEPS; step++) {
      obsL.push(nextObs);
      doneL.push(nextDone);
      const [aDisc, aCont, logprob, , value] = torch.noGrad(() => agent.getActionAndValue(nextObs, null, null, us.index(update, step), epss.index(update, step)));
      valL.push(value.flatten());
      discL.push(aDisc);
      contL.push(aCont);
      logpL.push(logprob);
      const [obs, reward, done] = env.step(aDisc, aCont);
      nextObs = obs;
      rewL.push(reward.view(-1));
      nextDone = done.float();
    }
    return [obsL, discL, contL, logpL, rewL, doneL, valL].map((x) => torch.stack(x)) as Batch;
  }

  function computeGae(rewards: Tensor, values: Tensor, dones: Tensor, nextValue: Tensor, nextDone: Tensor): [Tensor, Tensor] {
    const advantages = torch.zerosLike(rewards);
    let lastgaelam: Tensor | number = 0;
    for (let t = NUM_STEPS - 1; t >= 0; t--) {
      let nextnonterminal: Tensor, nextvalues: Tensor;
      if (t === NUM_STEPS - 1) {
        nextnonterminal = nextDone.rsub(1.0);
        nextvalues = nextValue;
      } else {
        nextnonterminal = dones.index(t + 1).rsub(1.0);
        nextvalues = values.index(t + 1);
      }
      const delta = rewards.index(t).add(nextvalues.mul(GAMMA).mul(nextnonterminal)).sub(values.index(t));
      // advantages[t] = lastgaelam = ...: JavaScript has no chained item assignment
      lastgaelam = delta.add(nextnonterminal.mul(GAMMA * LAM).mul(lastgaelam));
      advantages.indexPut_([t], lastgaelam);
    }
    return [advantages, advantages.add(values)];
  }

  const perms = torch.stack(Array.from({ length: NUM_UPDATES + 1 }, (_, u) => torch.argsort(det([UPDATE_EPOCHS, BATCH], 420 + u), { dim: 1 })));
  let b!: Batch;
  for (let update = 0; update < NUM_UPDATES; update++) {
    const W = FIX.updates[update];
    const lrNow = optimizer.paramGroups[0]!.lr;
    assert.equal(lrNow, W.lr);
    const [obs, disc, cont, logprobs, rewards, dones, values] = rollout(update);
    const [advantages, returns] = torch.noGrad(() => {
      const nextValue = agent.getValue(nextObs).reshape(1, -1);
      return computeGae(rewards, values, dones, nextValue, nextDone);
    });
    b = [obs.reshape([-1, OBS_DIM]), disc.reshape(-1), cont.reshape([-1, N_CONT]), logprobs.reshape(-1),
      advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)];
    assert.equal(disc.dtype, "int64");
    assertTensor(disc, W.disc, { msg: `update ${update} discrete actions` });
    assertTensor(cont, W.cont, { atol: 1e-5, msg: `update ${update} continuous actions` });
    assertTensor(logprobs, W.logprobs, { atol: 1e-5, msg: `update ${update} logprobs` });
    assertTensor(rewards, W.rewards, { atol: 1e-5, msg: `update ${update} rewards` });
    assertTensor(dones, W.dones, { msg: `update ${update} dones` });
    assertTensor(values, W.values, { atol: 1e-5, msg: `update ${update} values` });
    assertTensor(advantages, W.advantages, { atol: 1e-5, msg: `update ${update} advantages` });
    assertTensor(returns, W.returns, { atol: 1e-5, msg: `update ${update} returns` });

    const [oldCat, oldNormal] = torch.noGrad(() => agent.dists(b[0]));
    const logs = ppoUpdate(agent, optimizer, b, perms.index(update), update === 0 ? "clipped" : "smooth_l1");
    assertLogs(logs, W.logs, `update ${update}`);
    scheduler.step();
    torch.noGrad(() => {
      const [newCat, newNormal, newV] = agent.dists(b[0]);
      const [yPred, yTrue] = [newV.view(-1), b[5]];
      const explainedVar = torch.var(yTrue.sub(yPred)).div(torch.var(yTrue)).rsub(1);
      assert.ok(Math.abs(explainedVar.item() - W.explained_var) < 1e-4, `explained variance ${explainedVar.item()} vs ${W.explained_var}`);
      assertTensor(klDivergence(oldCat, newCat), W.kl_cat, { atol: 1e-5, rtol: 1e-3, msg: "KL(Categorical)" });
      assertTensor(klDivergence(oldNormal, newNormal).sum(-1), W.kl_normal, { atol: 1e-5, rtol: 1e-3, msg: "KL(Normal)" });
      assertTensor(klDivergence(new Independent(oldNormal, 1), new Independent(newNormal, 1)), W.kl_indep, { atol: 1e-5, rtol: 1e-3, msg: "KL(Independent)" });
      assertTensor(newCat.probs.index(0), W.probs0, { atol: 1e-5, msg: "probs[0]" });
      assertTensor(newCat.entropy().index(":4"), W.entropy_cat, { atol: 1e-5, msg: "Categorical entropy" });
    });
  }

  // Independent(Normal, 1) is the same density as the summed Normal logProb
  const [, normal] = agent.dists(b[0].index(":4"));
  const indep = new Independent(normal, 1);
  assertTensor(indep.logProb(b[2].index(":4")), FIX.indep_logprob, { atol: 1e-5, msg: "Independent.logProb" });
  assertTensor(indep.entropy(), FIX.indep_entropy, { atol: 1e-5, msg: "Independent.entropy" });
  assert.deepEqual([[...indep.batchShape], [...indep.eventShape], [...normal.batchShape]], FIX.batch_event);
  // rsample is differentiable in mean and log_std
  const a = normal.rsample();
  a.sum().backward();
  assert.deepEqual([...agent.actorLogstd.grad!.shape], FIX.logstd_grad_shape);

  // save / load round trip (torch.save into a BytesIO: io.serialize / io.deserialize)
  const buf = io.serialize({ agent: agent.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict() });
  const ckpt = io.deserialize(buf) as any;
  const agent2 = new Agent();
  agent2.loadStateDict(ckpt.agent);
  const optimizer2 = new torch.optim.Adam(agent2.parameters(), { lr: LR, eps: 1e-5 });
  optimizer2.loadStateDict(ckpt.optimizer);
  const scheduler2 = new torch.optim.lrScheduler.LambdaLR(optimizer2, (update: number) => 1.0 - update / NUM_UPDATES);
  scheduler2.loadStateDict(ckpt.scheduler);
  assert.equal(scheduler2.lastEpoch, NUM_UPDATES);
  // as in PyTorch: the scheduler built after optimizer.loadStateDict resets lr to initial_lr * lambda(0)
  assert.equal(optimizer2.paramGroups[0]!.lr, FIX.restored_lr);
  // PyTorch 1.13 keeps Adam's step as a 0-d tensor (.item() reads it); here it is a number
  assert.equal(optimizer2.stateDict().state[0]!.step, FIX.restored_step);
  const bEval = b.map((x) => x.clone()) as Batch;
  const logs2 = ppoUpdate(agent2, optimizer2, bEval, perms.index(NUM_UPDATES));
  assertLogs(logs2, FIX.restored_logs, "restored");
  assertTensor(agent2.critic.weight, FIX.restored_critic_weight, { atol: 1e-5, msg: "restored critic.weight" });
  assertTensor(agent2.actorLogstd, FIX.restored_logstd, { atol: 1e-5, msg: "restored actor_logstd" });
  assertTensor(agent.actor.weight, FIX.final_actor_weight, { atol: 1e-5, msg: "actor.weight" });
  assertTensor(agent.actorLogstd, FIX.final_logstd, { atol: 1e-5, msg: "actor_logstd" });

  // more of the genre: invalid-action masks, MultiDiscrete heads, a tanh-squashed Gaussian, a Beta
  // head, observation normalization, and the utilities around the update
  const X = FIX.extra;
  const logits = det([4, 5], 430, 2.0);
  const masks = torch.tensor([[true, true, false, true, false], [true, false, false, false, true],
    [false, true, true, true, true], [true, true, true, true, false]]);
  const maskedLogits = torch.where(masks, logits, torch.tensor(-1e8)); // CleanRL's CategoricalMasked
  const cm = new Categorical({ logits: maskedLogits });
  let pLogP = cm.logits.mul(cm.probs);
  pLogP = torch.where(masks, pLogP, torch.tensor(0.0));
  assertTensor(pLogP.sum(-1).neg(), X.masked_entropy, { atol: 1e-5, msg: "masked entropy" });
  assertTensor(cm.probs, X.masked_probs, { atol: 1e-6, msg: "masked probs" });
  assertTensor(cm.logProb(torch.tensor([0, 4, 3, 1], { dtype: "int64" })), X.masked_logprob, { atol: 1e-5, msg: "masked logProb" });
  assertTensor(cm.mode, X.masked_mode, { msg: "masked mode" });
  const cm2 = new Categorical({ logits: logits.maskedFill(masks.logicalNot(), torch.finfo(logits.dtype).min) });
  assertTensor(cm2.entropy(), X.finfo_entropy, { atol: 1e-5, msg: "finfo.min-masked entropy" });
  assertTensor(klDivergence(new Categorical({ probs: cm.probs }), new Categorical({ logits })), X.kl_probs_logits, { atol: 1e-5, msg: "KL(probs || logits)" });

  const nvec = [3, 2]; // MultiDiscrete
  const splitLogits = torch.split(det([4, 5], 431), nvec, { dim: 1 });
  const multi = splitLogits.map((l) => new Categorical({ logits: l }));
  const mdAction = torch.stack([torch.tensor([0, 2, 1, 2], { dtype: "int64" }), torch.tensor([1, 0, 0, 1], { dtype: "int64" })]);
  // zip(md_action, multi): iterating a tensor gives its rows
  const mdRows = [...mdAction];
  assertTensor(torch.stack(mdRows.map((a, i) => multi[i]!.logProb(a))).sum(0), X.md_logprob, { atol: 1e-5, msg: "MultiDiscrete logProb" });
  assertTensor(torch.stack(multi.map((c) => c.entropy())).sum(0), X.md_entropy, { atol: 1e-5, msg: "MultiDiscrete entropy" });
  assertTensor(multi[1]!.enumerateSupport(), X.md_enum, { msg: "enumerateSupport" });
  const s3 = multi[0]!.sample([3]);
  assert.deepEqual([[...s3.shape], `torch.${multi[0]!.sample().dtype}`], X.md_sample_shape);

  const mu = det([4, 2], 432), logStd = det([4, 2], 433, 3.0).clamp(-2, 1); // squashed Gaussian (SAC's head)
  const std = logStd.exp();
  const u = mu.add(std.mul(det([4, 2], 434)));
  const act = torch.tanh(u);
  const squashed = new TransformedDistribution(new Normal(mu, std), [new TanhTransform({ cacheSize: 1 })]);
  assertTensor(squashed.logProb(act).sum(-1), X.tanh_logprob, { atol: 1e-4, msg: "TanhTransform logProb" });
  assertTensor(new Normal(mu, std).logProb(u).sub(u.neg().add(Math.log(2)).sub(F.softplus(u.mul(-2))).mul(2)).sum(-1), X.tanh_manual, { atol: 1e-5, msg: "squashed logProb, softplus form" });
  assertTensor(new Normal(mu, std).logProb(u).sub(torch.log(act.pow(2).rsub(1).add(1e-6))).sum(1, { keepdim: true }), X.tanh_eps, { atol: 1e-5, msg: "squashed logProb, 1e-6 form" });

  const [alpha, beta] = F.softplus(det([4, 4], 435)).add(1.0).chunk(2, { dim: -1 }); // Beta head
  const betaD = new Beta(alpha!, beta!);
  assertTensor(betaD.logProb(det([4, 2], 436, 0.4, 0.5)).sum(-1), X.beta_logprob, { atol: 1e-5, msg: "Beta logProb" });
  assertTensor(betaD.entropy().sum(-1), X.beta_entropy, { atol: 1e-5, msg: "Beta entropy" });
  assertTensor(betaD.mean, X.beta_mean, { atol: 1e-6, msg: "Beta mean" });

  class RunningMeanStd { // gym's NormalizeObservation
    mean: Tensor;
    var: Tensor;
    count: number;
    constructor(shape: number[], epsilon = 1e-4) {
      this.mean = torch.zeros(shape, { dtype: torch.float64 });
      this.var = torch.ones(shape, { dtype: torch.float64 });
      this.count = epsilon;
    }

    update(x: Tensor): void {
      const [batchMean, batchVar, batchCount] = [x.mean(0), x.var(0, { unbiased: false }), x.shape[0]!];
      const delta = batchMean.sub(this.mean);
      const tot = this.count + batchCount;
      this.mean = this.mean.add(delta.mul(batchCount).div(tot));
      const m2 = this.var.mul(this.count).add(batchVar.mul(batchCount)).add(delta.pow(2).mul(this.count).mul(batchCount).div(tot));
      this.var = m2.div(tot);
      this.count = tot;
    }
  }

  const rms = new RunningMeanStd([OBS_DIM]);
  for (const chunk of b[0].double().split(8)) rms.update(chunk);
  const normObs = torch.clamp(b[0].sub(rms.mean.float()).div(torch.sqrt(rms.var.float().add(1e-8))), -10, 10);
  assertTensor(normObs.index(":4"), X.norm_obs, { atol: 1e-4, msg: "normalized observations" });
  assertTensor(rms.var, X.rms_var, { atol: 1e-9, msg: "running var" });
  assert.ok(Math.abs(rms.count - X.rms_count) < 1e-12);

  const adv = b[4];
  const [std_, mean_] = torch.stdMean(adv, { unbiased: false });
  const stats = [adv.std({ unbiased: false }).item(), adv.std().item(), std_!.item(), mean_!.item(), adv.var({ unbiased: true }).item()];
  stats.forEach((v, i) => assert.ok(Math.abs(v - X.adv_stats[i]) < 1e-5, `adv stat ${i}: ${v} vs ${X.adv_stats[i]}`));
  assert.ok(Math.abs(nn.init.calculateGain("tanh") - X.gain_tanh) < 1e-12);
  assert.deepEqual(scheduler2.getLastLr(), X.last_lr);
  const infNorm = nn.utils.clipGradNorm_(agent2.parameters(), 0.05, { normType: Infinity });
  assert.ok(Math.abs(infNorm.item() - X.inf_norm) < 1e-4, `inf norm ${infNorm.item()} vs ${X.inf_norm}`);
  assertTensor(agent2.actorLogstd.grad!, X.clipped_logstd_grad, { atol: 1e-5, msg: "inf-norm clipped grad" });
  const vec = nn.utils.parametersToVector(agent2.parameters());
  assert.equal(vec.numel(), X.vec[0]);
  assert.ok(Math.abs(vec.sum().item() - X.vec[1]) < 1e-3);
  nn.utils.vectorToParameters(vec.mul(0.5), agent2.parameters());
  assertTensor(agent2.critic.bias!, X.halved_critic_bias, { atol: 1e-5, msg: "vectorToParameters" });
  for (const g of optimizer2.paramGroups) g.lr = 0.25 * LR; // CleanRL anneals by writing the lr itself
  optimizer2.zeroGrad();
  agent2.getValue(b[0]).mean().backward();
  optimizer2.step();
  assertTensor(agent2.critic.bias!, X.manual_lr_critic_bias, { atol: 1e-5, msg: "step at the written lr" });
});

test("PPO: the mistakes a user makes raise as PyTorch's do", () => {
  const E = FIX.errors;
  /** Fluxion's message leads with the op; the rest carries PyTorch's wording (snake_case camelCased, shapes as [2]). */
  const says = (...parts: (string | RegExp)[]) => (e: Error) => parts.every((p) => (typeof p === "string" ? e.message.includes(p) : p.test(e.message)));
  assert.ok(E.cat_support.includes("within the support (IntegerInterval(lower_bound=0, upper_bound=2))"));
  assert.throws(() => new Categorical({ logits: torch.zeros(2, 3) }).logProb(torch.tensor([0n, 3n])),
    says("within the support (IntegerInterval(lower_bound=0, upper_bound=2)) of the distribution Categorical(logits: torch.Size([2, 3])), but found invalid values:\ntensor([0, 3])"));
  assert.ok(E.normal_scale.includes("to satisfy the constraint GreaterThan(lower_bound=0.0)"));
  assert.throws(() => new Normal(torch.zeros(2), torch.ones(2).neg()), says("parameter scale", "to satisfy the constraint GreaterThan(lower_bound=0.0), but found invalid values:\ntensor([-1., -1.])"));
  assert.ok(E.kl_pair.includes("Categorical and q type Normal"));
  assert.throws(() => klDivergence(new Categorical({ logits: torch.zeros(3) }), new Normal(torch.zeros(3), torch.ones(3))),
    (e: Error) => e instanceof distributions.NotImplementedDistributionError && /for Categorical and Normal/.test(e.message));
  assert.ok(E.indep_ndims.endsWith("actual 3 vs 2"));
  assert.throws(() => new Independent(new Normal(torch.zeros(2, 3), torch.ones(2, 3)), 3), says("reinterpretedBatchNdims <= len(baseDistribution.batchShape), actual 3 vs 2"));
  // GAE's `1 - dones` with a bool dones
  assert.ok(E.bool_rsub.includes("with a bool tensor is not supported"));
  assert.throws(() => torch.tensor([true, false]).rsub(1.0), (e: Error) => e instanceof torch.DTypeError && /subtraction with a bool operand.*logicalNot\(\)/.test(e.message));
  assert.ok(E.nonfinite.includes("is non-finite, so it cannot be clipped"));
  const p = new nn.Parameter(torch.zeros(2));
  p.grad = torch.tensor([NaN, 1.0]);
  assert.throws(() => nn.utils.clipGradNorm_([p], 0.5, { errorIfNonfinite: true }), says("is non-finite", "so it cannot be clipped"));
  assert.equal(E.iter_0d, "iteration over a 0-d tensor");
  assert.throws(() => [...torch.tensor(1.0)], says(E.iter_0d));
  // stricter than PyTorch (docs/pytorch.md): the value head's [N, 1] against returns [N] is a
  // ShapeError, where PyTorch warns and broadcasts to [N, N]; CleanRL writes newvalue.view(-1)
  assert.throws(() => F.mseLoss(torch.zeros(4, 1), torch.zeros(4)), (e: Error) => e instanceof torch.ShapeError && /target shape \[4\] must match input shape \[4, 1\]/.test(e.message));
});

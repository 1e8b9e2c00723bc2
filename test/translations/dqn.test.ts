/**
 * A DQN step with a target network, translated line by line from
 * test/fixtures/translations/dqn.py (-> dqn.json, PyTorch 1.13): a replay buffer of tensors,
 * Q(s, a) through gather on the actions, the target network's max masked by `done`,
 * SmoothL1Loss, clip_grad_value_, Adam(amsgrad) and the target synced through
 * loadStateDict(stateDict()). Lines that needed more than the mechanical changes say so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, optim, type Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FIX = loadFixture("dqn.json");

const nObservations = 4, nActions = 3;
const BATCH_SIZE = 4, GAMMA = 0.99, LR = 1e-3;

class DQN extends nn.Module {
  layer1: nn.Linear;
  layer2: nn.Linear;
  layer3: nn.Linear;
  constructor(nObservations: number, nActions: number) {
    super();
    this.layer1 = new nn.Linear(nObservations, 16);
    this.layer2 = new nn.Linear(16, 16);
    this.layer3 = new nn.Linear(16, nActions);
  }

  forward(x: Tensor): Tensor {
    x = F.relu(this.layer1(x));
    x = F.relu(this.layer2(x));
    return this.layer3(x);
  }
}

type Transition = [Tensor, Tensor, Tensor, Tensor, Tensor];

test("DQN: three replay steps match PyTorch's Huber losses, Q(s, a) and the synced target network", () => {
  const policyNet = new DQN(nObservations, nActions);
  initDeterministic(policyNet, 10);
  const targetNet = new DQN(nObservations, nActions);
  targetNet.loadStateDict(policyNet.stateDict());
  const optimizer = new optim.Adam(policyNet.parameters(), { lr: LR, amsgrad: true });
  const criterion = new nn.SmoothL1Loss();

  // deque([], maxlen=8): a JS array trimmed from the front
  const memory: Transition[] = [];
  const states = det([10, nObservations], 20);
  const actions = detLabels(10, 21, nActions);
  const rewards = det([10], 22);
  for (let t = 0; t < 10; t++) {
    const done = t % 4 === 3;
    memory.push([states.index(t), actions.index(t).view(1), rewards.index(t).view(1), states.index((t + 1) % 10), torch.tensor([done])]);
    if (memory.length > 8) memory.shift();
  }

  // greedy action selection for the first state
  const greedy = torch.noGrad(() => policyNet(states.index(0).unsqueeze(0)).max(1)[1].view(1, 1));
  assert.equal(greedy.item(), FIX.greedy);

  const batches = [[0, 2, 5, 7], [1, 3, 4, 6], [7, 6, 0, 2]];
  let stateActionValues!: Tensor, expected!: Tensor;
  batches.forEach((idx, step) => {
    assert.equal(idx.length, BATCH_SIZE);
    const transitions = idx.map((i) => memory[i]!);
    // state, action, reward, next_state, done = zip(*transitions)
    const [state, action, reward, nextState, done] = [0, 1, 2, 3, 4].map((k) => transitions.map((tr) => tr[k]!));
    const stateBatch = torch.stack(state!);
    const actionBatch = torch.cat(action!).unsqueeze(1);
    const rewardBatch = torch.cat(reward!);
    const nextStateBatch = torch.stack(nextState!);
    const doneBatch = torch.cat(done!);
    assert.equal(doneBatch.dtype, "bool");

    stateActionValues = policyNet(stateBatch).gather(1, actionBatch);
    const nextValues = torch.noGrad(() => targetNet(nextStateBatch).max(1)[0].maskedFill(doneBatch, 0.0));
    expected = nextValues.mul(GAMMA).add(rewardBatch);

    const loss = criterion(stateActionValues, expected.unsqueeze(1));
    optimizer.zeroGrad();
    loss.backward();
    nn.utils.clipGradValue_(policyNet.parameters(), 0.5);
    for (const p of policyNet.parameters()) assert.ok(p.grad!.abs().max().item() <= 0.5);
    optimizer.step();
    assert.ok(Math.abs(loss.item() - FIX.losses[step]) < 1e-5, `step ${step}: loss ${loss.item()} vs PyTorch ${FIX.losses[step]}`);
    assertTensor(stateActionValues, FIX.qs[step], { atol: 1e-5, msg: `step ${step} Q(s, a)` });
    if (step % 2 === 1) targetNet.loadStateDict(policyNet.stateDict());
  });

  const huber = F.huberLoss(stateActionValues, expected.unsqueeze(1), { delta: 0.5 });
  assert.ok(Math.abs(huber.item() - FIX.huber) < 1e-5);
  assertTensor(targetNet.layer3.weight, FIX.target_layer3_weight, { atol: 1e-5, msg: "target layer3.weight" });
  assertTensor(policyNet.layer3.bias!, FIX.policy_layer3_bias, { atol: 1e-5, msg: "policy layer3.bias" });
  // the target network holds copies, not the policy's tensors
  assert.notEqual(targetNet.layer3.weight, policyNet.layer3.weight);
});

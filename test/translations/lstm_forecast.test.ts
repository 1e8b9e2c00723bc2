/**
 * A time-series LSTM forecaster over variable-length series, translated line by line from
 * test/fixtures/translations/lstm_forecast.py (-> lstm_forecast.json, PyTorch 1.13):
 * padSequence, packPaddedSequence(enforceSorted=false) into a 2-layer batch-first LSTM,
 * padPackedSequence back, the last valid step by gather over lengths - 1, a Linear head,
 * MSELoss with RMSprop, and a 3-step autoregressive rollout feeding (h, c) back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, type Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const { packPaddedSequence, padPackedSequence, padSequence } = nn.utils.rnn;
const FIX = loadFixture("lstm_forecast.json");

class Forecaster extends nn.Module {
  lstm: nn.LSTM;
  head: nn.Linear;
  constructor(nFeatures = 2, hidden = 5) {
    super();
    this.lstm = new nn.LSTM(nFeatures, hidden, { numLayers: 2, batchFirst: true });
    this.head = new nn.Linear(hidden, nFeatures);
  }

  forward(x: Tensor, lengths: Tensor): [Tensor, [Tensor, Tensor], Tensor] {
    const packed = packPaddedSequence(x, lengths, { batchFirst: true, enforceSorted: false });
    const [packedOut, [h, c]] = this.lstm(packed);
    const [out, outLengths] = padPackedSequence(packedOut, { batchFirst: true });
    const idx = outLengths.sub(1).view(-1, 1, 1).expand(-1, 1, out.size(2));
    const last = out.gather(1, idx).squeeze(1);
    return [this.head(last), [h, c], out];
  }
}

test("LSTM forecaster on packed variable-length series: RMSprop steps and a rollout match PyTorch", () => {
  const lengths = [5, 3, 6, 2];
  const series = lengths.map((n, i) => det([n + 1, 2], 150 + i));
  const inputs = padSequence(series.map((s) => s.index(":-1")), { batchFirst: true });
  const targets = torch.stack(series.map((s) => s.index(-1)));
  const lengthsT = torch.tensor(lengths, { dtype: torch.int64 }); // torch.tensor(lengths) is int64 in PyTorch
  assert.deepEqual(inputs.shape, FIX.inputs_shape);

  const model = new Forecaster();
  initDeterministic(model, 160);
  const optimizer = new torch.optim.RMSprop(model.parameters(), { lr: 0.01 });
  const criterion = new nn.MSELoss();

  const losses: number[] = [];
  let pred!: Tensor, h!: Tensor, out!: Tensor;
  for (let step = 0; step < 3; step++) {
    optimizer.zeroGrad();
    [pred, [h], out] = model(inputs, lengthsT);
    const loss = criterion(pred, targets);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-5, `step ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));
  assertTensor(pred, FIX.pred, { atol: 1e-5, msg: "pred" });
  assertTensor(h, FIX.h, { atol: 1e-5, msg: "h_n" });
  assertTensor(out, FIX.out, { atol: 1e-5, msg: "padded output" });

  const rollout = torch.noGrad(() => {
    let x = series[0]!.index(-1).view(1, 1, 2);
    let state: [Tensor, Tensor] | null = null;
    const steps: Tensor[] = [];
    for (let k = 0; k < 3; k++) {
      let o: Tensor;
      [o, state] = model.lstm(x, state);
      x = model.head(o.index(":", -1)).view(1, 1, 2);
      steps.push(x.view(-1));
    }
    return torch.stack(steps);
  });
  assertTensor(rollout, FIX.rollout, { atol: 1e-5, msg: "rollout" });
});

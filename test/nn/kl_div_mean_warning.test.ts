/** klDiv / KLDivLoss with reduction "mean" (the default) warn once, as PyTorch's UserWarning does; "batchmean" does not. */
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { nn, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

test("reduction 'mean' of klDiv warns once, naming 'batchmean'; the value is still the elementwise mean", () => {
  const warn = mock.method(console, "warn", () => {});
  try {
    const x = tensor([[-1, -2]]), t = tensor([[0.5, 0.5]]);
    nn.F.klDiv(x, t, { reduction: "batchmean" });
    nn.F.klDiv(x, t, { reduction: "sum" });
    assert.equal(warn.mock.callCount(), 0);
    assertClose(new nn.KLDivLoss()(x, t), [0.4034264], { atol: 1e-6 }); // torch: tensor(0.4034) with the UserWarning
    nn.F.klDiv(x, t, { reduction: "mean" });
    assert.equal(warn.mock.callCount(), 1);
    assert.match(String(warn.mock.calls[0]!.arguments[0]), /^fluxion: klDiv: reduction 'mean' divides the total loss by both the batch size and the support size; 'batchmean' divides only by the batch size/);
  } finally {
    warn.mock.restore();
  }
});

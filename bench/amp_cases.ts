/**
 * Issue 13's speed rows (`--only amp`): a training step in float32 and under bfloat16
 * autocast, for the small CNN (batch 64) and a 2-layer TransformerEncoder (d_model 128,
 * 4 heads, feed-forward 512, sequence 64, batch 16, no dropout; loss: MSE against a fixed
 * target). bench/amp_torch.py times the same steps in PyTorch with
 * torch.autocast("cpu", dtype=torch.bfloat16). The GEMM rows are gemm.bf16.* (group bf16).
 */
import { amp, nn, optim, randn, randint, type Tensor } from "../src/index.js";
import { SmallCNN } from "../examples/models.js";
import type { runCase as RunCase } from "./common.js";

/** One optimizer step of `model` on (x, y) with `criterion`, under bfloat16 autocast or not. */
function step(model: nn.Module, criterion: (out: Tensor, y: Tensor) => Tensor, x: Tensor, y: Tensor, bf16: boolean): () => void {
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  const ac = { deviceType: "cpu", dtype: "bfloat16", enabled: bf16 } as const;
  return () => {
    optimizer.zeroGrad();
    const loss = amp.autocast(ac, () => criterion(model(x), y));
    loss.backward();
    optimizer.step();
  };
}

export function transformerEncoder(): nn.Module {
  return new nn.TransformerEncoder(new nn.TransformerEncoderLayer(128, 4, { dimFeedforward: 512, dropout: 0, batchFirst: true }), 2);
}

export async function runAmp(impl: string, threads: number | string, runCase: typeof RunCase): Promise<void> {
  const ce = new nn.CrossEntropyLoss();
  for (const dt of ["f32", "bf16"] as const) {
    await runCase(impl, threads, `amp.cnn.${dt}.b64`, () => step(new SmallCNN(), (o, y) => ce(o, y), randn([64, 1, 28, 28]), randint(0, 10, [64]), dt === "bf16"), { minReps: 3 });
  }
  for (const dt of ["f32", "bf16"] as const) {
    await runCase(impl, threads, `amp.transformer.${dt}.b16`, () => step(transformerEncoder(), (o, y) => nn.functional.mseLoss(o, y), randn([16, 64, 128]), randn([16, 64, 128]), dt === "bf16"), { minReps: 3 });
  }
}

"""PyTorch's side of issue 13's speed rows (bench/amp_cases.ts): the small CNN (batch 64) and a
2-layer TransformerEncoder (d_model 128, 4 heads, feed-forward 512, sequence 64, batch 16, no
dropout, MSE loss) training step in float32 and under torch.autocast("cpu", torch.bfloat16)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def bench_amp(threads, run_case, small_cnn):
    def step(model, criterion, x, y, bf16):
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def run():
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = criterion(model(x), y)
            loss.backward()
            opt.step()
        return run

    def encoder():
        layer = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True)
        return nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    for dt in ("f32", "bf16"):
        run_case("pytorch", threads, f"amp.cnn.{dt}.b64",
                 lambda dt=dt: step(small_cnn(), nn.CrossEntropyLoss(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,)), dt == "bf16"))
    for dt in ("f32", "bf16"):
        run_case("pytorch", threads, f"amp.transformer.{dt}.b16",
                 lambda dt=dt: step(encoder(), F.mse_loss, torch.randn(16, 64, 128), torch.randn(16, 64, 128), dt == "bf16"))

"""PyTorch reference for the main job: the same recipe as examples/fashion-mnist.ts
(SimpleNet 784-128-10 or the small CNN, CrossEntropyLoss, SGD, batch 64, pixels scaled to
[0, 1], shuffled each epoch), reading Debian's Fashion-MNIST IDX files.

  /usr/bin/python3 bench/fashion_mnist_torch.py --epochs 5 --lr 0.01 --momentum 0 --model mlp --seeds 0 1 2
Prints one JSON line per seed with the test accuracy after each epoch and the wall time."""
import argparse, gzip, json, os, struct, time
import numpy as np
import torch
import torch.nn as nn

def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    _, _, dtype, ndim = struct.unpack(">BBBB", raw[:4])
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)

def load(root, split):
    x = read_idx(os.path.join(root, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(root, f"{split}-labels-idx1-ubyte.gz"))
    return torch.tensor(x, dtype=torch.float32).unsqueeze(1) / 255.0, torch.tensor(y, dtype=torch.int64)

class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)
    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x.flatten(1))))

def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--model", default="mlp")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--amp", default="none", choices=["none", "bf16"])  # torch.autocast("cpu", torch.bfloat16) around forward + loss
    p.add_argument("--data", default=os.environ.get("FLUXION_DATA", "/usr/share/datasets/fashion-mnist"))
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    for seed in a.seeds:
        torch.manual_seed(seed)
        model = small_cnn() if a.model == "cnn" else SimpleNet()
        opt = torch.optim.Adam(model.parameters(), lr=a.lr) if a.optimizer == "adam" else torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum)
        crit = nn.CrossEntropyLoss()
        accs, times = [], []
        for _ in range(a.epochs):
            t0 = time.time()
            perm = torch.randperm(len(xtr))
            for i in range(0, len(xtr), a.batch_size):
                idx = perm[i:i + a.batch_size]
                opt.zero_grad()
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.amp == "bf16"):
                    loss = crit(model(xtr[idx]), ytr[idx])
                loss.backward()
                opt.step()
            times.append(time.time() - t0)
            with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.amp == "bf16"):
                accs.append((model(xte).argmax(1) == yte).float().mean().item())
        print(json.dumps({"seed": seed, "model": a.model, "lr": a.lr, "momentum": a.momentum, "optimizer": a.optimizer, "amp": a.amp, "accuracy": accs, "epoch_seconds": times}), flush=True)

if __name__ == "__main__":
    main()

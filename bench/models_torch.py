"""PyTorch mirrors of the untuned-workload models of issue 15 (examples/models.ts:
TransformerLM, SmallResNet, LSTMLM): the same layers, sizes and parameter names, so that
a state_dict written here loads into Fluxion's model unchanged
(test/examples/models_parity.test.ts runs bench/models_parity_torch.py and checks one step).
Used by bench/untuned_torch.py (`npm run bench`)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def causal_mask(L):
    """[L, L] bool, True = may NOT attend (a later position), as PyTorch's attention takes it."""
    return torch.triu(torch.ones(L, L, dtype=torch.bool), 1)


class TransformerLM(nn.Module):
    def __init__(self, vocab=1000, d_model=128, nhead=4, num_layers=2, dim_feedforward=512, max_len=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True)
        # enable_nested_tensor only matters for the inference fast path; training takes the regular one
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocab)
        self._masks = {}

    def forward(self, tokens):
        L = tokens.shape[1]
        if L not in self._masks:
            self._masks[L] = causal_mask(L)
        x = self.embed(tokens) + self.pos(torch.arange(L))
        return self.head(self.encoder(x, self._masks[L]))


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = (nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))
                           if stride != 1 or in_planes != planes else None)

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        identity = self.downsample(x) if self.downsample is not None else x
        return F.relu(out + identity)


class SmallResNet(nn.Module):
    def __init__(self, blocks=2, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)

        def stage(in_planes, planes, stride):
            return nn.Sequential(*[BasicBlock(in_planes if i == 0 else planes, planes, stride if i == 0 else 1) for i in range(blocks)])
        self.layer1 = stage(16, 16, 1)
        self.layer2 = stage(16, 32, 2)
        self.layer3 = stage(32, 64, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.layer3(self.layer2(self.layer1(h)))
        return self.fc(self.pool(h).flatten(1))


class LSTMLM(nn.Module):
    def __init__(self, vocab=100, embed_dim=64, hidden=256):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out)


# The training-step setups shared by the bench and the parity check: model, inputs' shapes,
# loss over every position, optimizer (same hyper-parameters as bench/untuned.ts).
def make_case(name, seq=50):
    """(model, input shape, input kind, classes, optimizer factory) of one training case."""
    if name == "transformer":
        return TransformerLM(), (16, 64), "tokens", 1000, lambda p: torch.optim.AdamW(p, lr=1e-3)
    if name == "resnet":
        return SmallResNet(), (32, 3, 32, 32), "images", 10, lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)
    if name == "lstm":
        return LSTMLM(), (seq, 32), "tokens", 100, lambda p: torch.optim.Adam(p, lr=1e-3)
    raise ValueError(f"unknown case {name}")


def make_inputs(shape, kind, classes, gen):
    """Inputs and targets: token ids (targets per position) or images (a class per image)."""
    if kind == "tokens":
        return torch.randint(0, classes, shape, generator=gen), torch.randint(0, classes, shape, generator=gen)
    return torch.randn(shape, generator=gen), torch.randint(0, classes, (shape[0],), generator=gen)


def loss_fn(logits, y):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

"""PyTorch's side of bench/survey.sh (bench/survey.ts is Fluxion's): the same cases, the
best of repeated calls, printed as one JSON object {case: microseconds}. Threads: argv[1]."""
import sys, time, json, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1])); torch.manual_seed(0)
def timeit(f, budget=0.6):
    for _ in range(3): f()
    best = 1e9; t_end = time.perf_counter() + budget; n = 0
    while n < 5 or time.perf_counter() < t_end:
        t0 = time.perf_counter(); f(); best = min(best, time.perf_counter() - t0); n += 1
    return best * 1e6
def fb(layer, *shapes):
    xs = [torch.randn(*s, requires_grad=True) for s in shapes]
    def f():
        out = layer(*xs)
        if isinstance(out, tuple): out = out[0]
        out.sum().backward()
    return f
C = {}
C["conv1d.fb"] = fb(nn.Conv1d(64, 64, 3, padding=1), (32, 64, 128))
C["dwconv.fb"] = fb(nn.Conv2d(32, 32, 3, padding=1, groups=32), (32, 32, 32, 32))
C["convT.fb"] = fb(nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1), (16, 64, 16, 16))
C["conv5x5s2.fb"] = fb(nn.Conv2d(32, 64, 5, stride=2, padding=2), (16, 32, 32, 32))
C["up.nearest.fb"] = fb(lambda x: F.interpolate(x, scale_factor=2, mode="nearest"), (16, 32, 32, 32))
C["up.bilinear.fb"] = fb(lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False), (16, 32, 32, 32))
C["gru.fb"] = fb(nn.GRU(64, 128), (50, 32, 64))
C["lstm2bi.fb"] = fb(nn.LSTM(64, 128, num_layers=2, bidirectional=True), (30, 16, 64))
mha = nn.MultiheadAttention(128, 4, batch_first=True)
C["mha.fb"] = fb(lambda x: mha(x, x, x, need_weights=False), (16, 64, 128))
C["maxpool.fb"] = fb(nn.MaxPool2d(2), (32, 64, 32, 32))
C["avgpool3s1.fb"] = fb(nn.AvgPool2d(3, 1, 1), (32, 64, 32, 32))
C["adaptiveavg.fb"] = fb(nn.AdaptiveAvgPool2d(1), (32, 256, 16, 16))
C["bn1d.fb"] = fb(nn.BatchNorm1d(512), (256, 512))
C["groupnorm.fb"] = fb(nn.GroupNorm(8, 64), (32, 64, 32, 32))
emb = nn.Embedding(10000, 128); idx = torch.randint(0, 10000, (64, 50))
def embf():
    emb(idx).sum().backward()
C["embedding.fb"] = embf
a = torch.randn(1024, 1024); ia = torch.randint(0, 1024, (1024, 1024)); m = a > 0
C["gather"] = lambda: torch.gather(a, 1, ia)
C["scatter_add"] = lambda: torch.zeros(1024, 1024).scatter_add_(1, ia, a)
C["index_select"] = lambda: a.index_select(0, ia[0])
C["masked_fill"] = lambda: a.masked_fill(m, 0.0)
C["where"] = lambda: torch.where(m, a, -a)
C["cumsum"] = lambda: a.cumsum(1)
C["sort"] = lambda: a.sort(1)
C["topk"] = lambda: a.topk(10, 1)
C["argmax"] = lambda: a.argmax(1)
b = torch.randn(4096, 1024)
C["mean.dim0"] = lambda: b.mean(0)
C["var.dim1"] = lambda: b.var(1)
C["norm"] = lambda: b.norm()
C["transpose.contig"] = lambda: a.t().contiguous()
c4 = torch.randn(32, 64, 32, 32)
C["permute.contig"] = lambda: c4.permute(0, 2, 3, 1).contiguous()
C["cat"] = lambda: torch.cat([a, a, a], 1)
C["softmax.dim0"] = lambda: torch.softmax(a, 0)
C["logsumexp"] = lambda: torch.logsumexp(a, 1)
C["log_softmax.fb"] = fb(lambda x: F.log_softmax(x, 1), (1024, 1024))
C["pow2"] = lambda: a.pow(2)
C["clamp"] = lambda: a.clamp(-0.5, 0.5)
C["abs_sum_mixed"] = lambda: (a.abs() * 2 + 1).sum()
s = torch.randn(10)
def tiny():
    t = s
    for _ in range(100): t = t + 1
    return t
C["tiny100"] = tiny
x2 = torch.randn(64, 3, 32, 32)
C["linear.small.fb"] = fb(nn.Linear(128, 64), (32, 128))
C["bmm.fb"] = fb(lambda p, q: torch.bmm(p, q), (64, 32, 48), (64, 48, 32))
C["layernorm.small.fb"] = fb(nn.LayerNorm(64), (128, 64))
C["dropout"] = (lambda d: (lambda: d(a)))(nn.Dropout(0.1).train())
C["randn"] = lambda: torch.randn(1024, 1024)
C["arange_outer"] = lambda: torch.outer(torch.arange(1024.), torch.arange(1024.))
C["mse.fb"] = fb(lambda p: F.mse_loss(p, torch.zeros_like(p)), (1024, 1024))
C["ce.fb"] = fb(lambda p: F.cross_entropy(p, torch.zeros(4096, dtype=torch.long)), (4096, 100))
sel = sys.argv[2:]
out = {}
for k, f in C.items():
    if sel and k not in sel: continue
    out[k] = timeit(f)
print(json.dumps(out))

# PyTorch's side of bench/depthwise.ts: python3 bench/depthwise_torch.py [threads]
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
cases = [("dw3x3 s1 [32,32,32,32]", 32, 32, 1, 32, 3, 1, 1), ("dw3x3 s2 [32,32,32,32]", 32, 32, 1, 32, 3, 2, 1),
         ("dw5x5 s1 [16,64,16,16]", 16, 64, 1, 16, 5, 1, 2), ("dw3x3 m2 [16,32,28,28]", 16, 32, 2, 28, 3, 1, 1)]
for name, N, C, m, H, k, s, p in cases:
    conv = torch.nn.Conv2d(C, C * m, k, padding=p, stride=s, groups=C)
    x = torch.randn(N, C, H, H, requires_grad=True)
    def step():
        x.grad = None; conv.zero_grad(); conv(x).sum().backward()
    for _ in range(3): step()
    fwd, both = [], []
    for _ in range(15):
        t = time.perf_counter()
        with torch.no_grad(): conv(x)
        fwd.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter(); step(); both.append((time.perf_counter() - t) * 1e3)
    fwd.sort(); both.sort()
    print(f"{name:26} threads {torch.get_num_threads()}: forward {fwd[7]:.2f} ms, forward+backward {both[7]:.2f} ms")

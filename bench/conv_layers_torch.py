"""Per-layer timings of PyTorch's conv2d passes for the small ResNet's convolution shapes
(bench/conv_layers.ts is Fluxion's side): forward, input gradient and weight gradient
(aten.convolution_backward with one output mask each), batch 32, float32, no bias.
Run with /usr/bin/python3 and OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset; argv[1] = threads.
Prints one line per layer and pass: name pass median_ms min_ms. With CPU=1 the times are the
process's CPU time per call (steadier on a shared machine; meaningful at 1 thread only).
With COLD=1 each timed call starts with cold caches."""
import os
import sys
import time
import torch

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(THREADS)
# name, C, O, H(=W), kernel, stride, padding, uses per step
LAYERS = [
    ("stem 3-16 32x32", 3, 16, 32, 3, 1, 1, 1),
    ("16-16 32x32", 16, 16, 32, 3, 1, 1, 4),
    ("16-32 s2 32x32", 16, 32, 32, 3, 2, 1, 1),
    ("16-32 1x1 s2", 16, 32, 32, 1, 2, 0, 1),
    ("32-32 16x16", 32, 32, 16, 3, 1, 1, 3),
    ("32-64 s2 16x16", 32, 64, 16, 3, 2, 1, 1),
    ("32-64 1x1 s2", 32, 64, 16, 1, 2, 0, 1),
    ("64-64 8x8", 64, 64, 8, 3, 1, 1, 3),
]
N = 32


NOW = time.process_time if os.environ.get("CPU") == "1" else time.perf_counter
# COLD=1: every timed call starts with caches cleared of its operands (a 64 MiB buffer
# written in between, outside the timing), as bench/conv_layers.ts does
COLD = os.environ.get("COLD") == "1"
FLUSH = torch.empty(16 << 20) if COLD else None


def timeit(fn, budget=0.6):
    for _ in range(5):
        fn()
    ts = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget or len(ts) < 10:
        if COLD:
            FLUSH.fill_(len(ts))
        t0 = NOW()
        fn()
        ts.append(NOW() - t0)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[0] * 1e3


torch.manual_seed(0)
total = {"forward": 0.0, "input": 0.0, "weight": 0.0}
for name, C, O, H, k, s, p, uses in LAYERS:
    x = torch.randn(N, C, H, H)
    w = torch.randn(O, C, k, k)
    y = torch.nn.functional.conv2d(x, w, None, s, p)
    dy = torch.randn_like(y)
    args = (dy, x, w, None, [s, s], [p, p], [1, 1], False, [0, 0], 1)
    with torch.no_grad():
        res = {
            "forward": timeit(lambda: torch.nn.functional.conv2d(x, w, None, s, p)),
            "input": timeit(lambda: torch.ops.aten.convolution_backward(*args, [True, False, False])),
            "weight": timeit(lambda: torch.ops.aten.convolution_backward(*args, [False, True, False])),
        }
    for pas, (med, mn) in res.items():
        print(f"{name:18s} {pas:8s} {med:8.3f} {mn:8.3f} x{uses}")
        if not (pas == "input" and name.startswith("stem")):
            total[pas] += med * uses
print("per step (medians x uses, stem without input grad):", {k: round(v, 2) for k, v in total.items()}, "sum", round(sum(total.values()), 2))

"""PyTorch's side of the untuned workloads of issue 15 in `npm run bench` (bench/untuned.ts is
Fluxion's): the same case ids, shapes, models (bench/models_torch.py) and optimizers, in the
PyTorch process of one thread count (bench/torch_bench.py calls bench_untuned), plus the peak
memory of the training steps, each measured in a fresh process (memory_case) so that the
baseline is clean. Gradients are dropped with zero_grad(set_to_none=True), as Fluxion's
zeroGrad() does."""
import gc, os, re, subprocess, sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models_torch import make_case, make_inputs, loss_fn

MB = 2 ** 20
TRAIN_CASES = [("transformer.train", "transformer", None), ("resnet.train", "resnet", None),
               ("lstm.train.s25", "lstm", 25), ("lstm.train.s50", "lstm", 50), ("lstm.train.s100", "lstm", 100)]


def train_step(name, seq=None):
    """The training step of one case on random inputs (bench/untuned.ts's makeTrainCase)."""
    model, shape, kind, classes, make_opt = make_case(name, seq or 50)
    x, y = make_inputs(shape, kind, classes, torch.Generator().manual_seed(1))
    model.train()
    opt = make_opt(model.parameters())

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def norm_fwd_bwd(layer, shape):
    x, g = torch.randn(*shape, requires_grad=True), torch.randn(*shape)
    layer.train()

    def step():
        layer(x).backward(g)
        x.grad = None
        layer.zero_grad(set_to_none=True)
    return step


def bench_untuned(threads, run_case, emit, selected, quick):
    """Every untuned case in this process (its thread count is fixed by bench/run.sh); the
    2-thread process also measures memory."""
    impl, t = "pytorch", threads
    for prefix, name, seq in TRAIN_CASES:
        run_case(impl, t, f"{prefix}.t{t}", lambda name=name, seq=seq: train_step(name, seq), min_reps=5)
    n4m = 4 * 1024 * 1024

    def unary(f):
        x = torch.randn(n4m)
        return lambda: f(x)
    for op, f in [("exp", torch.exp), ("gelu", F.gelu), ("tanh", torch.tanh), ("sigmoid", torch.sigmoid)]:
        run_case(impl, t, f"ops.{op}.t{t}", lambda f=f: unary(f))
    for op in ("add", "mul"):
        def setup(op=op):
            a, b = torch.randn(n4m), torch.randn(n4m)
            return lambda: getattr(a, op)(b)
        run_case(impl, t, f"ops.{op}.t{t}", setup)

    def last_dim(f):
        x = torch.randn(1024, 4096)
        return lambda: f(x)
    run_case(impl, t, f"ops.softmax.t{t}", lambda: last_dim(lambda x: F.softmax(x, -1)))
    run_case(impl, t, f"ops.sum.t{t}", lambda: last_dim(lambda x: x.sum(-1)))

    def mm(sa, sb, f):
        a, b = torch.randn(*sa), torch.randn(*sb)
        return lambda: f(a, b)
    run_case(impl, t, f"mm.wide.t{t}", lambda: mm((64, 1024), (1024, 4096), torch.mm))
    run_case(impl, t, f"mm.bmm.t{t}", lambda: mm((32, 64, 64), (32, 64, 64), torch.bmm))
    run_case(impl, t, f"mm.xty.t{t}", lambda: mm((2048, 256), (2048, 1024), lambda x, y: torch.mm(x.t(), y)))
    run_case(impl, t, f"norm.bn2d.t{t}", lambda: norm_fwd_bwd(nn.BatchNorm2d(64), (32, 64, 32, 32)))
    run_case(impl, t, f"norm.ln.t{t}", lambda: norm_fwd_bwd(nn.LayerNorm(512), (32, 128, 512)))

    if t == 2:
        for name in ("transformer", "resnet", "lstm"):
            if not selected(f"mem.{name}"):
                continue
            r = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_bench.py"),
                                "--impl", "pytorch", "--threads", str(t), "--memory", name], stderr=subprocess.PIPE, text=True, timeout=600)
            if r.returncode != 0:
                why = [line for line in r.stderr.splitlines() if line.strip()][-1:] or [""]
                emit({"case": f"mem.{name}", "impl": impl, "threads": t, "status": "failed", "note": f"memory child exited with {r.returncode}: {why[0][:200]}"})


def proc_status(field):
    try:
        m = re.search(rf"^{field}:\s+(\d+) kB", open("/proc/self/status").read(), re.M)
        return int(m.group(1)) * 1024 if m else None
    except OSError:
        return None


def memory_case(name, threads, emit, quick):
    """Peak RSS above the baseline over the steps of one training case, in this (fresh)
    process; the same method as bench/memory_case.ts (baseline after setup and gc.collect(),
    peak from VmHWM after resetting it through /proc/self/clear_refs)."""
    case = f"mem.{name}"
    try:
        steps = 5 if quick else 10
        torch.set_num_threads(threads)
        step = train_step(name)
        gc.collect()
        base = proc_status("VmRSS")
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            reset = True
        except OSError:
            reset = False
        peak = base
        for _ in range(steps):
            step()
            peak = max(peak, proc_status("VmRSS"))
        if reset:
            peak = proc_status("VmHWM")
        how = "VmHWM (reset via /proc/self/clear_refs)" if reset else "VmRSS sampled after each step"
        emit({"case": case, "impl": "pytorch", "threads": threads, "status": "ok", "rssMB": (peak - base) / MB, "baseRssMB": base / MB,
              "note": f"{steps} steps; baseline RSS {base / MB:.0f} MB after setup and gc.collect(); peak RSS from {how}"})
    except Exception as e:
        emit({"case": case, "impl": "pytorch", "threads": threads, "status": "failed", "note": f"{type(e).__name__}: {e}"[:200]})

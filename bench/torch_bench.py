"""The Python peers of `npm run bench`: PyTorch (eager, torch.no_grad + eval for inference)
and NumPy/OpenBLAS (float32 GEMM only). One process per (peer, thread count); bench/run.sh
starts it with OMP_NUM_THREADS/OPENBLAS_NUM_THREADS set to the same count, because
torch.set_num_threads alone does not reach the OpenBLAS that Debian's torch calls for matmul.

  BENCH_OUT=results.jsonl /usr/bin/python3 bench/torch_bench.py --impl pytorch --threads 2

Writes one JSON line per measurement in the format of bench/common.ts (BenchResult); honours
BENCH_QUICK=1 and BENCH_ONLY=gemm,mlp,issue15,... exactly as the JavaScript runners do. The
untuned workloads of issue 15 are in bench/untuned_torch.py; `--memory CASE` is its
memory-measuring child process."""
import argparse, json, os, re, statistics, sys, time

QUICK = os.environ.get("BENCH_QUICK") == "1"
EPOCHS = 1 if QUICK else 3
ONLY = [s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()]
GEMM_SIZES = [128, 256, 512] if QUICK else [128, 256, 512, 1024, 2048]
BF16_SIZES = [256] if QUICK else [256, 1024]
BUDGET_S = 0.4 if QUICK else 1.5
# MLP_TRAIN_TIMING in bench/common.ts: the same warm-up for every runner's MLP training step
MLP_TRAIN_TIMING = {} if QUICK else {"warmup": 3000, "budget": 4.0}


def case_group(case_id):
    if case_id.startswith("gemm.f32"):
        return "gemm"
    if case_id.startswith("gemm.bf16"):
        return "bf16"
    if ".infer." in case_id:
        return "infer"
    return case_id.split(".")[0]


# ISSUE15_GROUPS in bench/common.ts: `--only issue15` selects them and the tuned MLP/CNN training steps
ISSUE15_GROUPS = ["transformer", "resnet", "lstm", "ops", "mm", "norm", "mem"]


def selected(case_id):
    group = case_group(case_id)
    issue15 = group in ISSUE15_GROUPS or case_id.startswith(("mlp.train.", "cnn.train."))
    return not ONLY or any(o == group or case_id.startswith(o) or (o == "issue15" and issue15) for o in ONLY)


def emit(rec):
    rec = {k: v for k, v in rec.items() if v is not None}
    if os.environ.get("BENCH_OUT"):
        with open(os.environ["BENCH_OUT"], "a") as f:
            f.write(json.dumps(rec) + "\n")
    shown = f"{rec['ms']:.4f} ms ({rec.get('reps')} reps{'; ' + rec['note'] if rec.get('note') else ''})" if "ms" in rec else \
        f"peak RSS +{rec['rssMB']:.1f} MB; {rec.get('note')}" if "rssMB" in rec else f"{rec['status']}: {rec.get('note')}"
    print(f"  {rec['impl']:<12} {str(rec.get('threads', '')):<8} {rec['case']:<22} {shown}", flush=True)


def measure(fn, warmup=3, min_reps=5, max_reps=200, inner=1, budget=None):
    """Same rules as measure() in bench/common.ts: warm-up (at least `warmup` calls and a fifth
    of the budget), then repetitions until the budget,
    median per call; after a first call longer than twice the budget, one more call is the
    only sample."""
    budget = budget or BUDGET_S

    def once():
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        return (time.perf_counter() - t0) / inner

    first = once()
    if first * inner > 2 * budget:  # the first call was the warm-up; one more is the sample
        second = once()
        return second, 1, second
    spent, calls = first * inner, 1
    while (calls < warmup or spent < budget / 5) and spent < budget:
        spent += once() * inner
        calls += 1
    samples, start = [], time.perf_counter()
    while len(samples) < max_reps:
        samples.append(once())
        elapsed = time.perf_counter() - start
        if (len(samples) >= min_reps and elapsed >= budget) or elapsed >= 3 * budget:
            break
    return statistics.median(samples), len(samples), min(samples)


def run_case(impl, threads, case_id, setup, note=None, **opts):
    if not selected(case_id):
        return
    try:
        fn = setup()
        med, reps, mn = measure(fn, **opts)
        emit({"case": case_id, "impl": impl, "threads": threads, "status": "ok", "ms": med * 1e3, "reps": reps, "minMs": mn * 1e3, "note": note})
    except Exception as e:  # a failing case is reported, not dropped
        emit({"case": case_id, "impl": impl, "threads": threads, "status": "failed", "note": f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"})


def blas_info(np):
    """Which OpenBLAS build and kernel this process runs (NumPy's or torch's): threadpoolctl
    when installed, else asking the loaded libopenblas through ctypes."""
    try:
        import threadpoolctl
        infos = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} kernel, {i.get('num_threads')} threads ({os.path.basename(i.get('filepath', ''))})"
                 for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if infos:
            return "threadpoolctl: " + "; ".join(infos)
    except ImportError:
        pass
    try:
        import ctypes
        libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower() and line.split()[-1].startswith("/")})
        for path in libs:
            lib = ctypes.CDLL(path)
            for sym in ("openblas_get_corename", "openblas_get_config"):
                getattr(lib, sym).restype = ctypes.c_char_p
            return f"ctypes: {lib.openblas_get_config().decode()} core {lib.openblas_get_corename().decode()}, {lib.openblas_get_num_threads()} threads ({path})"
    except Exception as e:
        return f"kernel unknown ({e})"
    return "no OpenBLAS found in the process"


def torch_blas_info(torch):
    """Which BLAS this torch calls for matmul. Debian's torch links libblas.so.3, which
    update-alternatives resolves to OpenBLAS or to the slow reference BLAS (bench/run.sh
    prints which and makes the peers load OpenBLAS): the BLAS libraries mapped into the
    process say which one was loaded; threadpoolctl (when installed) or OpenBLAS itself
    (ctypes) say its build and kernel; torch.__config__.show() gives the build's BLAS_INFO."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # load the BLAS before asking it
    libs = sorted({f[-1] for f in (line.split() for line in open("/proc/self/maps"))
                   if len(f) >= 6 and f[-1].startswith("/") and re.search(r"blas|blis|mkl", os.path.basename(f[-1]) + os.path.dirname(f[-1]))})
    kind = ("OpenBLAS" if any("openblas" in lib for lib in libs) else "MKL" if any("mkl" in lib for lib in libs)
            else "the reference BLAS (slow)" if any("/blas/" in lib for lib in libs) else "unknown")
    config = re.search(r"BLAS_INFO=[^,\s]*", torch.__config__.show())
    detail = blas_info(None) if kind == "OpenBLAS" else "not OpenBLAS"
    return f"BLAS: {kind}; {detail}; libraries mapped: {', '.join(libs) or 'none'}; torch build {config.group(0) if config else 'BLAS_INFO unknown'}"


def bench_numpy(threads):
    import numpy as np
    a0 = np.random.default_rng(0)
    np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)  # load the BLAS before asking it
    emit({"case": "info.blas", "impl": "numpy", "threads": threads, "status": "ok", "note": f"numpy {np.__version__}; {blas_info(np)}"})
    for n in GEMM_SIZES:
        def setup(n=n):
            a = a0.standard_normal((n, n), dtype=np.float32)
            b = a0.standard_normal((n, n), dtype=np.float32)
            c = np.empty((n, n), np.float32)
            return lambda: np.matmul(a, b, out=c)
        run_case("numpy", threads, f"gemm.f32.n{n}.t{threads}", setup)


def bench_torch(threads):
    import torch
    import torch.nn as nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    emit({"case": "info.torch", "impl": "pytorch", "threads": threads, "status": "ok",
          "note": f"torch {torch.__version__}; intra-op threads {torch.get_num_threads()}; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
                  f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')}"})
    emit({"case": "info.blas", "impl": "pytorch", "threads": threads, "status": "ok", "note": torch_blas_info(torch)})
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from fashion_mnist_torch import SimpleNet, small_cnn, load

    for n in GEMM_SIZES:
        def setup(n=n):
            a, b = torch.randn(n, n), torch.randn(n, n)
            return lambda: torch.mm(a, b)
        run_case("pytorch", threads, f"gemm.f32.n{n}.t{threads}", setup)
    for n in BF16_SIZES:
        def setup(n=n):
            a, b = torch.randn(n, n).bfloat16(), torch.randn(n, n).bfloat16()
            return lambda: torch.mm(a, b)
        run_case("pytorch", threads, f"gemm.bf16.n{n}.t{threads}", setup)

    def train_step(model, x, y):
        crit = nn.CrossEntropyLoss()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def step():
            opt.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            opt.step()
        return step

    def inference(model, x):
        model.eval()

        def fwd():
            with torch.no_grad():
                model(x)
        return fwd

    for b in (64, 256):
        run_case("pytorch", threads, f"mlp.train.b{b}", lambda b=b: train_step(SimpleNet(), torch.randn(b, 1, 28, 28), torch.randint(0, 10, (b,))), **MLP_TRAIN_TIMING)
    run_case("pytorch", threads, "cnn.train.b64", lambda: train_step(small_cnn(), torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))))
    from amp_torch import bench_amp  # issue 13: float32 and bfloat16-autocast training steps
    bench_amp(threads, run_case, small_cnn)
    for b in (1, 64):
        run_case("pytorch", threads, f"mlp.infer.b{b}", lambda b=b: inference(SimpleNet(), torch.randn(b, 1, 28, 28)))
        run_case("pytorch", threads, f"cnn.infer.b{b}", lambda b=b: inference(small_cnn(), torch.randn(b, 1, 28, 28)))

    def add(shape):
        a, b = torch.randn(*shape), torch.randn(*shape)
        return lambda: a.add(b)
    run_case("pytorch", threads, "dispatch.add2", lambda: add((2,)), inner=1000, warmup=5)
    run_case("pytorch", threads, "dispatch.add64x128", lambda: add((64, 128)), inner=100, warmup=5)
    run_case("pytorch", threads, "random.randn4M", lambda: lambda: torch.randn(1 << 22), warmup=2)
    run_case("pytorch", threads, "random.rand4M", lambda: lambda: torch.rand(1 << 22), warmup=2)

    # A Fashion-MNIST SimpleNet epoch (batch 64): preloaded tensors indexed by a permutation,
    # as bench/fashion_mnist_torch.py trains, and through torch's DataLoader over a TensorDataset;
    # the median of EPOCHS epochs of one training run (bench/fluxion.ts does the same).
    def epoch(case_id, use_loader):
        if not selected(case_id):
            return
        try:
            xtr, ytr = load(os.environ.get("FLUXION_DATA", "/usr/share/datasets/fashion-mnist"), "train")
            model, crit = SimpleNet(), nn.CrossEntropyLoss()
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            batches = (len(xtr) + 63) // 64
            limit = 150 if QUICK else batches
            times = []
            for _ in range(EPOCHS):
                if use_loader:
                    it = iter(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr), batch_size=64, shuffle=True))
                else:
                    perm = torch.randperm(len(xtr))
                    it = ((xtr[perm[i:i + 64]], ytr[perm[i:i + 64]]) for i in range(0, len(xtr), 64))
                seen, t0 = 0, time.perf_counter()
                for x, y in it:
                    opt.zero_grad()
                    loss = crit(model(x), y)
                    loss.backward()
                    opt.step()
                    loss.item()
                    seen += 1
                    if seen >= limit:
                        break
                times.append((time.perf_counter() - t0) * 1e3 * batches / seen)
            notes = [f"median of {len(times)} epochs, first {times[0]:.0f} ms"] + ([f"{seen} of {batches} batches, extrapolated"] if seen < batches else [])
            emit({"case": case_id, "impl": "pytorch", "threads": threads, "status": "ok", "ms": sorted(times)[len(times) // 2], "reps": len(times),
                  "note": "; ".join(notes)})
        except Exception as e:
            emit({"case": case_id, "impl": "pytorch", "threads": threads, "status": "failed", "note": f"{type(e).__name__}: {e}"[:200]})
    epoch("fmnist.epoch.loader", True)
    epoch("fmnist.epoch.tensors", False)

    # The tuned training steps run above in this process; the untuned workloads of issue 15:
    from untuned_torch import bench_untuned
    bench_untuned(threads, run_case, emit, selected, QUICK)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--impl", choices=["pytorch", "numpy"], required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--memory", choices=["transformer", "resnet", "lstm"], help="measure one training case's peak memory (a child of the pytorch run)")
    a = p.parse_args()
    try:
        if a.memory:
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            from untuned_torch import memory_case
            return memory_case(a.memory, a.threads, emit, QUICK)
        (bench_torch if a.impl == "pytorch" else bench_numpy)(a.threads)
    except ImportError as e:
        emit({"case": "info.missing", "impl": a.impl, "threads": a.threads, "status": "missing", "note": f"import failed: {e}"})


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# `npm run bench:survey`: Fluxion against PyTorch on ops and layers outside the tuned
# training steps (depthwise and transposed convolutions, interpolation, pooling, GRU,
# attention, indexing, sorting, random draws, reductions over other dims, ...), each side in
# its own process at THREADS threads (default 1: the least noisy on a shared machine), the
# best of repeated calls. Prints a markdown table sorted by ratio (Fluxion ÷ PyTorch; above 1:
# Fluxion slower) for BENCHMARKS.md's survey section.
#   bash bench/survey.sh [THREADS] [case ...]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-1}; shift || true
PY=/usr/bin/python3
out=bench/out; mkdir -p "$out"
# the peer's BLAS picks its own kernel (the environment's OpenBLAS overrides are for tests)
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$threads" "$PY" bench/survey_torch.py "$threads" "$@" > "$out/survey_torch.json"
node --single-threaded-gc --import tsx bench/survey.ts "$threads" "$@" > "$out/survey_fluxion.json"
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
"$PY" - "$out/survey_fluxion.json" "$out/survey_torch.json" "$threads" "$cpu" <<'PYEOF'
import json, sys, datetime
f, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def fmt(us): return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.0f} µs"
print(f"{datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {sys.argv[4]}, {sys.argv[3]} thread(s), PyTorch {__import__('torch').__version__}\n")
print("| case | Fluxion | PyTorch | Fluxion ÷ PyTorch |\n| --- | --- | --- | --- |")
for k in sorted((k for k in t if k in f), key=lambda k: -f[k] / t[k]):
    print(f"| {k} | {fmt(f[k])} | {fmt(t[k])} | {f[k] / t[k]:.2f} |")
missing = [k for k in t if k not in f]
if missing: print(f"\nno Fluxion result: {', '.join(missing)}")
PYEOF

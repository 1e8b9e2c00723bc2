#!/usr/bin/env bash
# `npm run bench`: Fluxion against PyTorch, NumPy/OpenBLAS, ONNX Runtime, TensorFlow.js (wasm)
# and jax-js on this machine, in one run. Installs what is missing (the JS peers into
# bench/peers/node_modules from bench/peers/package-lock.json — never into the root package;
# Debian's python3-torch/python3-numpy when absent and we are root), runs every runner one
# after another, each writing JSON lines to bench/out/results.jsonl, then bench/report.ts
# prints the tables and writes BENCHMARKS.md. A peer that cannot be installed or started is
# recorded as missing, with the reason.
#
#   bash bench/run.sh                  full run (~20-25 min on 2 cores), writes BENCHMARKS.md
#   bash bench/run.sh --quick          fewer sizes, shorter budgets (~6-10 min)
#   bash bench/run.sh --only gemm,mlp  groups: gemm bf16 amp mlp cnn infer dispatch fmnist compile browser, and issue 15's
#                                      transformer resnet lstm ops mm norm mem (all of them, with the
#                                      MLP/CNN training steps: issue15), or case-id prefixes
#   bash bench/run.sh --profile        also print utils.profile()'s table of each issue-15 training
#                                      case (BENCH_PROFILE=1) and put the split in the report
#   bash bench/run.sh --write FILE     where to write the report (default: BENCHMARKS.md for a full
#                                      run, bench/out/BENCHMARKS.partial.md for --quick/--only)
#   bash bench/run.sh --peers fluxion,pytorch   run only these runners
#                                      (fluxion pytorch numpy onnxruntime tfjs-wasm jax-js, and browser:
#                                      Fluxion's wasm GEMM vs TF.js wasm in headless Chromium)
set -uo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
quick=0 only="" write="" peers="fluxion,pytorch,numpy,onnxruntime,tfjs-wasm,jax-js,browser"
command_line="npm run bench${*:+ -- $*}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    --only=*) only="${1#*=}" ;;
    --write) write="$2"; shift ;;
    --write=*) write="${1#*=}" ;;
    --peers) peers="$2"; shift ;;
    --peers=*) peers="${1#*=}" ;;
    --profile) export BENCH_PROFILE=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$write" ]; then
  if [ $quick = 0 ] && [ -z "$only" ] && [ "$peers" = "fluxion,pytorch,numpy,onnxruntime,tfjs-wasm,jax-js,browser" ]; then write=BENCHMARKS.md; else write=bench/out/BENCHMARKS.partial.md; fi
fi
wants() { [[ ",$peers," == *",$1,"* ]]; }

out=bench/out
mkdir -p "$out/logs"
results="$out/results.jsonl"
: > "$results"
export BENCH_OUT="$PWD/$results" BENCH_QUICK=$quick BENCH_ONLY="$only"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)

# One JSON line saying a peer is missing (or its runner died), with the reason.
record() { # impl status reason
  node -e 'const [impl, status, note] = process.argv.slice(1); require("fs").appendFileSync(process.env.BENCH_OUT, JSON.stringify({ case: "info.runner", impl, status, note }) + "\n")' "$1" "$2" "$3"
}
# Runs one runner; a non-zero exit is recorded: "missing" if it produced no result, else "failed".
run_runner() { # impl label timeout_s command...
  local impl=$1 label=$2 limit=$3; shift 3
  local log="$out/logs/$label.log"
  echo "== $label"
  timeout "$limit" "$@" > >(tee "$log") 2> >(tee -a "$log" >&2)
  local rc=$?
  sleep 0.2  # let tee flush
  if [ $rc -ne 0 ]; then
    local why; why=$(grep -v '^\s*$' "$log" | grep -iE 'error|exception|not found|cannot' | tail -1 | cut -c1-200)
    [ $rc = 124 ] && why="timed out after ${limit}s"
    if grep -q "\"impl\":\"$impl\"" "$results"; then record "$impl" failed "$label exited with status $rc: ${why:-see bench/out/logs/$label.log}";
    else record "$impl" missing "$label exited with status $rc: ${why:-see bench/out/logs/$label.log}"; fi
  fi
}

# Every Node.js runner gets the same V8 flags: on 2 cores the background GC threads would
# otherwise compete with the compute threads (README, Speed tips; BENCHMARKS.md says so).
NODE_RUN=(node --single-threaded-gc --import tsx)
out_dir_logs="$out/logs"
# The Node.js runners run bundled, without a TypeScript loader (tsx's makes a training step
# 5-15% slower: a larger heap for V8 to mark): bench/dist_bundle.ts bundles a runner with its
# TypeScript helpers and, for Fluxion, imports the built package (dist/) as npm users do.
NODE_JS=(node --single-threaded-gc)
# bundled ENTRY -> prints the bundle's path (.NAME.dist.mjs beside ENTRY); fails on errors
bundled() {
  local out; out="$(dirname "$1")/.$(basename "${1%.*}").dist.mjs"
  node --import tsx bench/dist_bundle.ts "$1" "$out" >> "$out_dir_logs/bundle.log" 2>&1 && echo "$out"
}

# Root packages (tsx) for the TypeScript runners.
[ -d node_modules/tsx ] || npm ci --no-audit --no-fund

# JS peers, in their own folder.
js_peers_ok=1
if ! [ -d bench/peers/node_modules/onnxruntime-node ] || ! [ -d bench/peers/node_modules/@tensorflow/tfjs-backend-wasm ] || ! [ -d bench/peers/node_modules/@jax-js/jax ] || ! [ -d bench/peers/node_modules/@tensorflow/tfjs ]; then
  echo "== installing the JS peers into bench/peers (onnxruntime-node, @tensorflow/tfjs(+wasm), @jax-js/jax)"
  # onnxruntime-node's install script downloads GPU binaries (fails offline); its CPU library ships in the package.
  if ! ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix bench/peers --no-audit --no-fund --ignore-scripts > "$out/logs/npm-peers.log" 2>&1; then
    js_peers_ok=0
    why=$(grep -iE 'ERR!' "$out/logs/npm-peers.log" | head -2 | tr '\n' ' ' | cut -c1-200)
    for p in onnxruntime tfjs-wasm jax-js; do record "$p" missing "npm ci --prefix bench/peers failed: ${why:-see bench/out/logs/npm-peers.log}"; done
  fi
fi

# Python peers: Debian's torch and numpy.
if ! "$PY" -c "import torch, numpy" 2>/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing python3-torch python3-numpy (Debian)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy) > "$out/logs/apt.log" 2>&1
fi
# Their BLAS: Debian's torch and numpy link libblas.so.3, which update-alternatives may resolve
# to the reference BLAS (many times slower than OpenBLAS). Say which it resolves to; when it is
# not OpenBLAS, install libopenblas0-pthread if we can and point only the peers' commands at it.
# The peers' commands also drop OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE that the environment may carry
# (tuning overrides for this machine's tests): OpenBLAS picks its kernel itself, as a user's would.
multiarch=$("$PY" -c "import sysconfig; print(sysconfig.get_config_var('MULTIARCH') or '')" 2>/dev/null)
blas_link="libblas.so.3${multiarch:+-$multiarch}"
blas_alt=$(update-alternatives --query "$blas_link" 2>/dev/null | sed -n 's/^Value: //p')
[ -n "$blas_alt" ] || blas_alt=$(readlink -f "/usr/lib/${multiarch:-x86_64-linux-gnu}/libblas.so.3" 2>/dev/null)
openblas_dir="/usr/lib/${multiarch:-x86_64-linux-gnu}/openblas-pthread"
peer_env=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
if [[ "$blas_alt" == *openblas* ]]; then
  blas_note="libblas.so.3 resolves to $blas_alt (update-alternatives --display $blas_link)"
else
  if ! [ -e "$openblas_dir/libblas.so.3" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing libopenblas0-pthread (libblas.so.3 resolves to ${blas_alt:-nothing})"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread) >> "$out/logs/apt.log" 2>&1
  fi
  if [ -e "$openblas_dir/libblas.so.3" ]; then
    peer_env+=("LD_LIBRARY_PATH=$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
    blas_note="libblas.so.3 resolves to ${blas_alt:-nothing} (not OpenBLAS): the Python peers load $openblas_dir/libblas.so.3 through LD_LIBRARY_PATH"
  else
    blas_note="libblas.so.3 resolves to ${blas_alt:-nothing} and OpenBLAS is not installed (apt-get install libopenblas0-pthread): the Python peers run on that BLAS"
  fi
fi
echo "== BLAS of the Python peers: $blas_note"
node -e 'require("fs").appendFileSync(process.env.BENCH_OUT, JSON.stringify({ case: "info.blas-alternative", impl: "pytorch", status: "ok", note: process.argv[1] }) + "\n")' "$blas_note"

torch_ok=0; numpy_ok=0
"$PY" -c "import numpy" 2>/dev/null && numpy_ok=1
"$PY" -c "import torch" 2>/dev/null && torch_ok=1
torch_default=$(env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS "$PY" -c "import torch; print(f'torch.get_num_threads() = {torch.get_num_threads()}')" 2>/dev/null || echo "torch unavailable")

if wants numpy; then
  if [ $numpy_ok = 1 ]; then
    for t in 1 2; do
      run_runner numpy "numpy-t$t" 600 env "${peer_env[@]}" OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t "$PY" bench/torch_bench.py --impl numpy --threads $t
    done
  else record numpy missing "python3 cannot import numpy (apt-get install python3-numpy)"; fi
fi
if wants pytorch; then
  if [ $torch_ok = 1 ]; then
    for t in 1 2; do
      run_runner pytorch "pytorch-t$t" 1500 env "${peer_env[@]}" OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t "$PY" bench/torch_bench.py --impl pytorch --threads $t
    done
  else record pytorch missing "python3 cannot import torch (apt-get install python3-torch)"; fi
fi
if wants onnxruntime && [ $js_peers_ok = 1 ]; then
  if [ $torch_ok = 1 ] && "$PY" bench/export_onnx.py "$out/onnx" > "$out/logs/export_onnx.log" 2>&1; then
    ONNX_DIR="$out/onnx" run_runner onnxruntime onnxruntime 600 "${NODE_JS[@]}" "$(bundled bench/peers/onnxruntime.mjs)"
  else record onnxruntime missing "the ONNX models could not be exported (bench/export_onnx.py needs torch; see bench/out/logs/export_onnx.log)"; fi
fi
if wants tfjs-wasm && [ $js_peers_ok = 1 ]; then run_runner tfjs-wasm tfjs-wasm 600 "${NODE_JS[@]}" "$(bundled bench/peers/tfjs.mjs)"; fi
if wants jax-js && [ $js_peers_ok = 1 ]; then run_runner jax-js jax-js 900 "${NODE_JS[@]}" "$(bundled bench/peers/jaxjs.mjs)"; fi
# Fluxion as npm users run it: the built package (dist/, from this tree's sources), not the
# sources through tsx's loader (5-15% slower steps: bench/dist_bundle.ts)
if wants fluxion; then
  # (its memory cases run bench/memory_case.ts in fresh processes: bundled too)
  if npm run -s build > "$out/logs/build.log" 2>&1 && fluxion_js=$(bundled bench/fluxion.ts) && bundled bench/memory_case.ts > /dev/null; then
    FLUXION_BENCH_BUNDLED=1 run_runner fluxion fluxion 2700 "${NODE_JS[@]}" "$fluxion_js"
  else record fluxion failed "building dist/ or bundling bench/fluxion.ts against it failed: $(grep -ihE 'error' "$out/logs/build.log" "$out/logs/bundle.log" | head -1 | cut -c1-200)"; fi
fi
# the browser's CPU GEMM against TF.js wasm in headless Chromium (skipped without Chromium)
if wants browser && [ $js_peers_ok = 1 ]; then
  if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then run_runner fluxion browser 900 "${NODE_RUN[@]}" bench/browser_gemm.ts;
  else record fluxion missing "browser GEMM: no Chromium at ${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)"; fi
fi

# the survey of ops and layers outside the tuned steps (bench/survey.sh), 1 thread each side:
# a full run only (bench/report.ts puts its table in the report)
rm -f "$out/survey.md"
if [ $quick = 0 ] && [ -z "$only" ] && wants fluxion && wants pytorch && [ $torch_ok = 1 ]; then
  echo "== survey"
  bash bench/survey.sh 1 > "$out/survey.md" 2> "$out/logs/survey.log" || { rm -f "$out/survey.md"; record fluxion failed "bench/survey.sh failed: see bench/out/logs/survey.log"; }
fi

seconds=$(( $(date +%s) - started ))
quick_flag=(); [ $quick = 1 ] && quick_flag=(--quick)
node --import tsx bench/report.ts --results "$results" --write "$write" --command "$command_line" \
  --load-start "$load_start" --torch-default "$torch_default" --seconds "$seconds" "${quick_flag[@]}"

#!/usr/bin/env bash
# The main job in one command: installs what is missing (npm packages; Debian's
# Fashion-MNIST package when no --data is given, the data is not found and we are root),
# then trains. Arguments go to examples/fashion-mnist.ts (--help lists them), e.g.
#   bash scripts/fashion-mnist.sh --epochs 5 --lr 0.01 --model cnn
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
# native kernels (a failed build only warns: training then runs on the TypeScript kernels)
[ -f native/build/Release/fluxion_native.node ] || node native/build.mjs
# --data names the data explicitly (the program then looks nowhere else), and --help trains nothing
explicit=0
for a in "$@"; do
  case "$a" in --data | --data=* | -h | --help) explicit=1 ;; esac
done
data_dir="${FLUXION_DATA:-/usr/share/datasets/fashion-mnist}"
if [ "$explicit" = 0 ] && [ ! -f "$data_dir/train-images-idx3-ubyte.gz" ] && [ ! -f "$data_dir/train-images-idx3-ubyte" ] &&
  [ ! -f "$data_dir/fashion-mnist/train-images-idx3-ubyte.gz" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Fashion-MNIST not found in $data_dir: installing Debian's dataset-fashion-mnist" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist
fi
# V8's background GC threads would compete with the kernels' threads on a small machine
# (README, "Speed tips"): the CNN's training step 13 -> 9 ms on 2 cores, the MLP unchanged
exec node --single-threaded-gc --import tsx examples/fashion-mnist.ts "$@"

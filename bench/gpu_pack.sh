#!/usr/bin/env bash
# Packs `npm run bench:gpu` (bench/gpu.ts) for a GPU machine that has no Node.js or npm, such as
# the device tool's lent machines, into .gpu/ (kept out of git through .git/info/exclude, ~35 MB):
#   .gpu/node.xz                        this machine's node binary, compressed
#   .gpu/src/backend/cpu/bench_gpu.mjs  bench/gpu.ts bundled with Fluxion by esbuild; it sits where
#                                       src/backend/cpu/native.ts sits, so native.ts's package-root
#                                       rule (four levels up) finds the addons in .gpu/native/
#   .gpu/native/.../*.node              the kernels addon and the allocator, built here (x86-64)
#   .gpu/node_modules/webgpu            Dawn for linux-x64 only (the bundle imports it at run time)
# On the GPU machine, from the repository root (carry .gpu, and .gl with the Vulkan loader as the
# device README says):
#   xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node && /tmp/node .gpu/src/backend/cpu/bench_gpu.mjs --json $OUT/gpu.json
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f native/build/Release/fluxion_native.node ] || npm run build:native
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu
mkdir -p .gpu/src/backend/cpu .gpu/native/build/Release .gpu/native/alloc/build/Release .gpu/node_modules/webgpu/dist
node_modules/.bin/esbuild bench/gpu.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --log-level=warning --outfile=.gpu/src/backend/cpu/bench_gpu.mjs
echo '{ "type": "module" }' > .gpu/package.json
cp native/build/Release/fluxion_native.node .gpu/native/build/Release/
cp native/alloc/build/Release/fluxion_alloc.node .gpu/native/alloc/build/Release/ 2>/dev/null || true
cp node_modules/webgpu/package.json node_modules/webgpu/index.js .gpu/node_modules/webgpu/
cp -r node_modules/webgpu/dist/linux-x64 .gpu/node_modules/webgpu/dist/
xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > .gpu/node.xz
du -sh .gpu

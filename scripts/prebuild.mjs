#!/usr/bin/env node
// Puts this machine's native addons into prebuilds/<platform>-<arch>/ so that they ship
// inside the package (npm pack / npm publish run this as "prepack"): users on the same
// platform get native speed without a compiler, on any Node version for the kernels
// (pure N-API) and on this Node major for the optional allocator, which is named after
// its ABI (fluxion_alloc.abi<NODE_MODULE_VERSION>.node). The addons are (re)built first
// when missing or older than their sources, then each copy is loaded once to check it.
// FLUXION_NATIVE=0 packs without prebuilt addons.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
rmSync(path.join(root, "prebuilds"), { recursive: true, force: true });
if (process.env.FLUXION_NATIVE === "0") {
  console.log("fluxion: FLUXION_NATIVE=0: packing without prebuilt addons");
  process.exit(0);
}
const native = path.join(root, "native");
const kernels = path.join(native, "build", "Release", "fluxion_native.node");
const allocator = path.join(native, "alloc", "build", "Release", "fluxion_alloc.node");

/** Newest modification time of the files directly in `dirs` (and the single files given). */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) t = Math.max(t, statSync(path.join(p, f)).mtimeMs);
    else t = Math.max(t, st.mtimeMs);
  }
  return t;
}

const stale = (binary, sources) => !existsSync(binary) || statSync(binary).mtimeMs < newest(sources);
const allocSources = ["allocator.cc", "allocator.h", "binding.gyp"].map((f) => path.join(native, "alloc", f));
if (stale(kernels, [path.join(native, "src"), path.join(native, "binding.gyp")]) || stale(allocator, allocSources)) {
  console.log("fluxion: native addons missing or older than their sources: building them");
  const r = spawnSync(process.execPath, [path.join(native, "build.mjs"), "--strict"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
}

const dir = path.join(root, "prebuilds", `${process.platform}-${process.arch}`);
mkdirSync(dir, { recursive: true });
const copies = {
  kernels: path.join(dir, "fluxion_native.node"),
  allocator: path.join(dir, `fluxion_alloc.abi${process.versions.modules}.node`),
};
copyFileSync(kernels, copies.kernels);
copyFileSync(allocator, copies.allocator);

// load both in a fresh process: a copy that does not load must not ship
const check = `
  const k = { exports: {} }, a = { exports: {} };
  process.dlopen(k, ${JSON.stringify(copies.kernels)});
  process.dlopen(a, ${JSON.stringify(copies.allocator)});
  if (typeof k.exports.gemm !== "function") throw new Error("kernels addon without gemm");
  if (String(a.exports.abi) !== process.versions.modules) throw new Error("allocator built for ABI " + a.exports.abi);
`;
const r = spawnSync(process.execPath, ["-e", check], { encoding: "utf8" });
if (r.status !== 0) {
  console.error(`fluxion: the prebuilt addons do not load: ${r.stderr}`);
  process.exit(1);
}
console.log(`fluxion: prebuilt addons in prebuilds/${process.platform}-${process.arch}/`);

#!/usr/bin/env node
// Builds Fluxion's two native addons with node-gyp, offline against the installed Node
// headers when they are there:
//   native/build/Release/fluxion_native.node       the kernels (binding.gyp; pure N-API: any
//                                                   Node >= 20, Bun, Deno)
//   native/alloc/build/Release/fluxion_alloc.node  the optional caching allocator (alloc/;
//                                                   V8's C++ API: tied to one Node major)
//
// Run as the package's "install" script (npm install / npm ci / `npm rebuild fluxion`):
// where Fluxion is installed as a dependency (under node_modules) and its prebuilt binaries
// (prebuilds/<platform>-<arch>/, made by scripts/prebuild.mjs when the package is packed)
// load, nothing is compiled. A failed build only warns: Fluxion then runs on its TypeScript
// kernels. With --strict (`npm run build:native`, CI) both addons are always built and a
// failed build fails the command.
// Environment: FLUXION_NATIVE=0 skips everything; FLUXION_BUILD_FROM_SOURCE=1 compiles even
// when a prebuilt binary loads.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const strict = process.argv.includes("--strict");
const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.dirname(here);
/** Installed into someone's project (not a clone of the repository). */
const asDependency = packageRoot.split(path.sep).includes("node_modules");
const rebuildHint = asDependency
  ? "install a C++ compiler, make and python3, then run `npm rebuild fluxion` in your project"
  : "run `npm run build:native`";
// (recent npm versions block dependencies' install scripts until `npm install-scripts approve fluxion`;
// the prebuilt binaries need no script at all)

if (process.env.FLUXION_NATIVE === "0") {
  console.log("fluxion: FLUXION_NATIVE=0, not building the native addon");
  process.exit(0);
}

/** Where the prebuilt binaries for this platform live, and the allocator's name for this Node. */
export const prebuildDir = path.join(packageRoot, "prebuilds", `${process.platform}-${process.arch}`);
const allocPrebuilt = path.join(prebuildDir, `fluxion_alloc.abi${process.versions.modules}.node`);

function loads(file) {
  if (!existsSync(file)) return false;
  try {
    process.dlopen({ exports: {} }, file);
    return true;
  } catch {
    return false;
  }
}

// node-gyp: our dev dependency, else the one npm runs scripts with, else npm's bundled copy
function findNodeGyp() {
  try {
    return createRequire(import.meta.url).resolve("node-gyp/bin/node-gyp.js");
  } catch {}
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/** Node's headers in /usr/include/node (Debian's nodejs-dev / libnode-dev), if installed. */
function systemHeaders() {
  const version = "/usr/include/node/node_version.h";
  if (!existsSync("/usr/include/node/node_api.h") || !existsSync(version)) return null;
  const abi = /#define NODE_MODULE_VERSION (\d+)/.exec(readFileSync(version, "utf8"))?.[1];
  return { abi };
}

/** Runs `node-gyp rebuild` in `dir`; returns an error message or null. */
function gypRebuild(dir, { needsMatchingHeaders }) {
  const gyp = findNodeGyp();
  if (!gyp) return "node-gyp not found";
  const args = [gyp, "rebuild", "--directory", dir, `--jobs=${process.env.JOBS ?? "max"}`];
  // local headers: no download, works offline. N-API code builds against any recent ones;
  // the allocator needs the running Node's own (else node-gyp fetches them)
  const sys = systemHeaders();
  if (!process.env.npm_config_nodedir && sys && (!needsMatchingHeaders || sys.abi === process.versions.modules)) args.push("--nodedir=/usr");
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
  return r.status === 0 ? null : `node-gyp exited with ${r.status ?? r.signal}`;
}

function fail(what, msg) {
  if (strict) {
    console.error(`fluxion: ${what} build failed: ${msg}`);
    process.exit(1);
  }
  console.warn(`fluxion: ${what} not built (${msg}); Fluxion works without it${what === "native addon" ? " on its TypeScript kernels (slower)" : ""}. To build it, ${rebuildHint}.`);
}

function buildAllocator() {
  const err = gypRebuild(path.join(here, "alloc"), { needsMatchingHeaders: true });
  if (err) fail("native allocator", err);
  else console.log("fluxion: native allocator built: native/alloc/build/Release/fluxion_alloc.node");
}

if (!strict && asDependency && process.env.FLUXION_BUILD_FROM_SOURCE !== "1" && loads(path.join(prebuildDir, "fluxion_native.node"))) {
  console.log(`fluxion: using the prebuilt native addon (prebuilds/${process.platform}-${process.arch})`);
  // the allocator is per Node major: build it only when no prebuilt one fits this Node
  if (!loads(allocPrebuilt)) buildAllocator();
  process.exit(0);
}

const err = gypRebuild(here, { needsMatchingHeaders: false });
if (err) {
  fail("native addon", err);
  process.exit(0);
}
console.log("fluxion: native addon built: native/build/Release/fluxion_native.node");
buildAllocator();

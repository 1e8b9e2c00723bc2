#!/usr/bin/env node
// Builds the native kernels addon (native/binding.gyp) with node-gyp, offline against the
// installed Node headers. Run by `npm install` / `npm ci` (the root "install" script),
// where a failed build only warns: Fluxion then runs on its TypeScript kernels. With
// --strict (`npm run build:native`, CI) a failed build fails the command.
// FLUXION_NATIVE=0 skips the build.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const strict = process.argv.includes("--strict");
const here = path.dirname(fileURLToPath(import.meta.url));

if (process.env.FLUXION_NATIVE === "0") {
  console.log("fluxion: FLUXION_NATIVE=0, not building the native addon");
  process.exit(0);
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

function fail(msg) {
  if (strict) {
    console.error(`fluxion: native addon build failed: ${msg}`);
    process.exit(1);
  }
  console.warn(`fluxion: native addon not built (${msg}); Fluxion will use its TypeScript kernels.`);
  process.exit(0);
}

const gyp = findNodeGyp();
if (!gyp) fail("node-gyp not found");
const args = [gyp, "rebuild", "--directory", here];
// build against the local Node headers when they are installed (no download, works offline)
if (!process.env.npm_config_nodedir && existsSync("/usr/include/node/node_api.h")) args.push("--nodedir=/usr");
const jobs = process.env.JOBS ?? "max";
const r = spawnSync(process.execPath, [...args, `--jobs=${jobs}`], { stdio: ["ignore", "inherit", "inherit"] });
if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal}`);
console.log("fluxion: native addon built: native/build/Release/fluxion_native.node");

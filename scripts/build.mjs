#!/usr/bin/env node
// Builds the published JavaScript: src/ -> dist/ (ES modules + .d.ts declarations) with
// tsc (tsconfig.build.json), from a clean dist/. Run by `npm run build` and by the
// "prepare" script (npm install in a clone, npm pack, npm publish).
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
rmSync(path.join(root, "dist"), { recursive: true, force: true });
// typescript's "exports" hide bin/: find it next to its package.json
const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
if (r.status !== 0) {
  console.error("fluxion: build failed (tsc -p tsconfig.build.json)");
  process.exit(1);
}
console.log("fluxion: built dist/ (JavaScript + .d.ts)");

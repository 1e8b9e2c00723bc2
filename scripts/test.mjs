#!/usr/bin/env node
// Runs the test suite: `npm test` (test/**/*.test.ts), `npm run test:slow` (test/**/*.slow.ts),
// or the files given as arguments.
//
// Why not `node --import tsx --test` directly: tsx's loader costs ~0.6 s per test process
// before the first line runs, and Fluxion's ~230 source modules then load through it one by
// one (another ~0.6 s); with ~220 test files that was 40% of the suite's 10 minutes. So the
// test files are first bundled with esbuild (a few seconds for all of them; shared code goes
// into common chunks) and Node's test runner runs the plain JavaScript, one process per file
// as before. `import.meta.url` (and .dirname/.filename) keep meaning the original .ts file, so
// fixtures, the native addon and self-spawning tests find their files as under tsx; child
// processes that a test starts with `--import tsx` still run the sources.
import * as esbuild from "esbuild";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outdir = path.join(root, "build", "test-js");

function findTests(dir, suffix, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findTests(p, suffix, out);
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const slow = args[0] === "--slow";
const named = slow ? args.slice(1) : args;
const files = (named.length > 0 ? named.map((f) => path.resolve(f)) : findTests(path.join(root, "test"), slow ? ".slow.ts" : ".test.ts")).sort();

// Each source file's import.meta becomes its own location, as it is when tsx runs the file.
const keepImportMeta = {
  name: "keep-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (a) => {
      let text = readFileSync(a.path, "utf8");
      if (text.includes("import.meta")) {
        text = text
          .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(a.path).href))
          .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(a.path)))
          .replaceAll("import.meta.filename", JSON.stringify(a.path));
      }
      return { contents: text, loader: /\.[cm]?ts$/.test(a.path) ? "ts" : "js" };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const t0 = Date.now();
await esbuild.build({
  entryPoints: files,
  outdir,
  outbase: root,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true, // Fluxion itself lands in shared chunks, written once
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  keepNames: true, // class names stay what the sources say: a module's repr and error messages use them
  sourcemap: "linked", // stack traces name the .ts files (--enable-source-maps below)
  plugins: [keepImportMeta],
  logLevel: "warning",
});
console.log(`# bundled ${files.length} test files with esbuild in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const bundled = files.map((f) => path.join(outdir, path.relative(root, f)).replace(/\.ts$/, ".mjs"));
const r = spawnSync(process.execPath, ["--enable-source-maps", "--test", ...bundled], { stdio: "inherit", cwd: root });
process.exit(r.status ?? 1);

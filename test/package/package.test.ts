/**
 * The package as a user gets it: `npm pack` (which builds dist/ and the prebuilt addons),
 * then the tarball installed offline into empty projects, and used
 * - from a plain `.mjs` under plain `node` (no TypeScript loader): a small model trains, on
 *   the prebuilt native addon although the install ran with --ignore-scripts;
 * - without any loadable addon: the TypeScript kernels train it, and the warning tells the
 *   user what to run in their project (`npm rebuild fluxion`);
 * - from a strict `tsc` project (strict, exactOptionalPropertyTypes, erasableSyntaxOnly,
 *   ES2020, no @types/node) that reads Fluxion's .d.ts only, and from tsx;
 * - bundled by esbuild for the browser: no Node built-in in the bundle, and the bundle
 *   trains in a bare JavaScript context (no `process`) that forbids `new Function`, as a
 *   strict Content-Security-Policy does.
 * The tarball carries no tests, benchmarks or TypeScript sources. typescript, tsx and
 * esbuild come from this repository's node_modules. Without a built addon (and outside
 * FLUXION_REQUIRE_NATIVE=1) the tarball is packed without prebuilt binaries and the native
 * checks are skipped.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import * as esbuild from "esbuild";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name: string) => path.join(repo, "node_modules", ".bin", name);
const required = process.env.FLUXION_REQUIRE_NATIVE === "1" || !!process.env.CI;
const nativeBuilt = existsSync(path.join(repo, "native/build/Release/fluxion_native.node"));
const withNative = required || nativeBuilt;
const platform = `${process.platform}-${process.arch}`;

let work = "";
let tarball = "";
/** Tarballs of the package's runtime dependencies, packed from this repository's node_modules. */
let depTarballs: string[] = [];
/** A project with the tarball installed with --ignore-scripts (the prebuilt binaries must do). */
let app = "";

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/**
 * The registry dependencies (not bundled) of the package, with theirs, as tarballs packed
 * from node_modules: an offline install cannot resolve them from npm's cache, which `npm ci`
 * fills with tarballs but not with the registry's package documents (CI's fresh machine).
 */
function packDependencies(): string[] {
  const manifest = (dir: string) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; bundleDependencies?: string[] };
  const root = manifest(repo);
  const bundled = new Set(root.bundleDependencies ?? []);
  // [name, the directory of the package that depends on it]: a nested copy wins, as in Node's lookup
  const todo = Object.keys(root.dependencies ?? {}).filter((d) => !bundled.has(d)).map((d) => [d, repo] as const);
  const seen = new Set<string>();
  const tarballs: string[] = [];
  while (todo.length) {
    const [name, from] = todo.pop()!;
    const nested = path.join(from, "node_modules", name);
    const dir = existsSync(nested) ? nested : path.join(repo, "node_modules", name);
    if (seen.has(dir)) continue;
    seen.add(dir);
    const out = ok(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work, dir], repo), `npm pack ${name}`);
    tarballs.push(path.join(work, (JSON.parse(out.slice(out.indexOf("[\n"))) as { filename: string }[])[0]!.filename));
    todo.push(...Object.keys(manifest(dir).dependencies ?? {}).map((d) => [d, dir] as const));
  }
  return tarballs;
}

/** An empty ES-module project with the tarball (and its dependencies' tarballs) installed offline. */
function project(name: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  ok(run("npm", ["install", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", tarball, ...depTarballs], dir), `npm install in ${name}`);
  return dir;
}

// A regression y = x·[1, -2, 0.5] + 0.3 that a linear layer fits exactly: the loss must fall
// by orders of magnitude and the weights come out right.
const consumerJs = `
import { nn, optim, tensor, randn, manualSeed, nativeStatus } from "fluxion";
manualSeed(0);
const model = new nn.Sequential(new nn.Linear(3, 1));
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const x = randn([64, 3]);
const y = x.matmul(tensor([[1], [-2], [0.5]])).add(0.3);
const losses = [];
for (let i = 0; i < 150; i++) {
  opt.zeroGrad();
  const loss = nn.functional.mseLoss(model.forward(x), y);
  loss.backward();
  opt.step();
  losses.push(Number(loss.item()));
}
const [w, b] = model.parameters().map((p) => p.tolist());
console.log(JSON.stringify({ first: losses[0], last: losses.at(-1), w, b, status: nativeStatus() }));
`;

interface Trained {
  first: number;
  last: number;
  w: number[][];
  b: number[];
  status: { active: boolean; binary: string | null; allocator: boolean; reason: string };
}

function checkTrained(r: Trained, what: string): void {
  assert.ok(r.last < r.first * 1e-6, `${what}: loss ${r.first} -> ${r.last}`);
  [1, -2, 0.5].forEach((want, j) => assert.ok(Math.abs(r.w[0]![j]! - want) < 1e-3, `${what}: weight ${j} = ${r.w[0]![j]}`));
  assert.ok(Math.abs(r.b[0]! - 0.3) < 1e-3, `${what}: bias ${r.b[0]}`);
}

const consumerTs = `
import { nn, optim, tensor, randn, manualSeed, nativeStatus, type Tensor, type NativeStatus } from "fluxion";

class Net extends nn.Module {
  fc1 = new nn.Linear(3, 8);
  fc2 = new nn.Linear(8, 1);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}
manualSeed(0);
const net = new Net();
const opt = new optim.Adam(net.parameters(), { lr: 0.01, betas: [0.9, 0.999] });
const x: Tensor = randn([64, 3]);
const y = x.matmul(tensor([[1], [-2], [0.5]]));
const losses: number[] = [];
for (let i = 0; i < 60; i++) {
  opt.zeroGrad();
  const loss: Tensor = nn.functional.mseLoss(net.forward(x), y);
  loss.backward();
  opt.step();
  losses.push(Number(loss.item()));
}
const status: NativeStatus = nativeStatus();
const shape: readonly number[] = net.forward(x).shape;
console.log(JSON.stringify({ first: losses[0], last: losses[losses.length - 1], shape, native: status.active }));
`;

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "fluxion-package-"));
  const out = ok(run("npm", ["pack", "--json", "--pack-destination", work], repo, withNative ? {} : { FLUXION_NATIVE: "0" }), "npm pack");
  // npm prints the scripts' output before the JSON
  const info = JSON.parse(out.slice(out.indexOf("[\n"))) as { filename: string }[];
  tarball = path.join(work, info[0]!.filename);
  depTarballs = packDependencies();
  app = project("app");
  writeFileSync(path.join(app, "consumer.mjs"), consumerJs);
  const ts = path.join(app, "ts");
  mkdirSync(ts);
  writeFileSync(path.join(ts, "consumer.ts"), consumerTs);
  writeFileSync(path.join(ts, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, exactOptionalPropertyTypes: true, erasableSyntaxOnly: true, noUncheckedIndexedAccess: true,
      target: "ES2020", lib: ["ES2020", "DOM"], module: "nodenext", moduleResolution: "nodenext",
      skipLibCheck: true, noEmit: true, types: [],
    },
    include: ["consumer.ts"],
  }));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the tarball holds dist/ (JavaScript + .d.ts), the addon sources and prebuilt binaries, and no tests, benchmarks or .ts sources", () => {
  const files = ok(run("tar", ["-tzf", tarball], work), "tar").split("\n").filter(Boolean).map((f) => f.replace(/^package\//, ""));
  for (const f of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/backend/cpu/native.js", "native/build.mjs", "native/binding.gyp", "native/src/addon.cc", "native/alloc/allocator.cc", "node_modules/node-addon-api/napi.h"])
    assert.ok(files.includes(f), `missing ${f}`);
  if (withNative) {
    assert.ok(files.includes(`prebuilds/${platform}/fluxion_native.node`));
    assert.ok(files.includes(`prebuilds/${platform}/fluxion_alloc.abi${process.versions.modules}.node`));
  }
  const unwanted = files.filter((f) => /^(test|bench|examples|src|scripts|docs|\.ci)\//.test(f) || /^native\/(alloc\/)?build\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")));
  assert.deepEqual(unwanted, []);
});

test("import \"fluxion\" from a plain .mjs under plain node trains a model, on the prebuilt addon without install scripts", () => {
  const r = run(process.execPath, ["consumer.mjs"], app);
  const res = JSON.parse(ok(r, "node consumer.mjs")) as Trained;
  checkTrained(res, "plain node");
  if (withNative) {
    assert.equal(res.status.active, true, res.status.reason);
    assert.equal(res.status.binary, path.join(app, `node_modules/fluxion/prebuilds/${platform}/fluxion_native.node`));
    assert.equal(res.status.allocator, true, "the prebuilt allocator matches this Node");
    assert.equal(r.stderr, "", "no warning");
  }
});

test("the install script, where npm runs it, uses the prebuilt addon and compiles nothing", { skip: withNative ? false : "packed without prebuilt addons" }, () => {
  const r = run(process.execPath, ["node_modules/fluxion/native/build.mjs"], app);
  assert.match(ok(r, "install script"), new RegExp(`using the prebuilt native addon \\(prebuilds/${platform}\\)`));
  assert.equal(existsSync(path.join(app, "node_modules/fluxion/native/build")), false);
});

test("without a loadable addon the TypeScript kernels train the model, and the warning says to run npm rebuild fluxion", () => {
  const bare = path.join(work, "bare");
  cpSync(app, bare, { recursive: true });
  rmSync(path.join(bare, "node_modules/fluxion/prebuilds"), { recursive: true, force: true });
  const r = run(process.execPath, ["consumer.mjs"], bare);
  const res = JSON.parse(ok(r, "node consumer.mjs without addons")) as Trained;
  checkTrained(res, "TypeScript kernels");
  assert.equal(res.status.active, false);
  assert.match(res.status.reason, /native\/build\/Release\/fluxion_native\.node: not found; prebuilds\/[\w-]+\/fluxion_native\.node: not found/);
  assert.match(r.stderr, /fluxion: native CPU kernels unavailable: .*using the TypeScript kernels.*run `npm rebuild fluxion` in your project/);
  assert.doesNotMatch(r.stderr, /build:native/, "no script that exists only in Fluxion's repository");
});


test("a strict tsc project (exactOptionalPropertyTypes, erasableSyntaxOnly, ES2020, no @types/node) type-checks against the .d.ts only", () => {
  const dir = path.join(app, "ts");
  ok(run(bin("tsc"), ["-p", "."], dir), "tsc");
  const read = ok(run(bin("tsc"), ["-p", ".", "--listFilesOnly"], dir), "tsc --listFilesOnly").split("\n").filter((f) => f.includes("node_modules/fluxion/"));
  assert.ok(read.some((f) => f.endsWith("node_modules/fluxion/dist/index.d.ts")), read.join("\n"));
  assert.deepEqual(read.filter((f) => !f.endsWith(".d.ts")), [], "no Fluxion source is type-checked by the consumer");
  assert.ok(!readdirSync(path.join(app, "node_modules")).includes("@types"), "no @types/node in the consumer project");
});

test("tsx runs the TypeScript consumer", () => {
  const out = ok(run(bin("tsx"), ["ts/consumer.ts"], app), "tsx consumer.ts");
  const res = JSON.parse(out) as { first: number; last: number; shape: number[]; native: boolean };
  assert.deepEqual(res.shape, [64, 1]);
  assert.ok(res.last < res.first / 10, `loss ${res.first} -> ${res.last}`);
  assert.equal(res.native, withNative);
});

test("esbuild bundles it for the browser without Node built-ins, and the bundle trains where new Function is forbidden", async () => {
  const entry = path.join(app, "browser.mjs");
  writeFileSync(entry, consumerJs.replace("console.log(JSON.stringify(", "globalThis.result = (("));
  const built = await esbuild.build({ entryPoints: [entry], absWorkingDir: app, bundle: true, platform: "browser", format: "iife", write: false, metafile: true, logLevel: "silent" });
  assert.deepEqual(built.errors, []);
  assert.deepEqual(built.warnings.map((w) => w.text), []);
  const inputs = Object.keys(built.metafile!.inputs);
  assert.ok(inputs.some((f) => f.includes("node_modules/fluxion/dist/")), "bundled from dist/");
  assert.deepEqual(inputs.filter((f) => f.startsWith("node:") || !f.includes("/") && f !== "browser.mjs"), [], "no Node built-in module");
  const code = built.outputFiles![0]!.text;
  assert.doesNotMatch(code, /\brequire\(|["']node:/);
  // a bare context: no process, no require; strings cannot become code (a strict CSP)
  const ctx = vm.createContext({ TextEncoder, TextDecoder }, { codeGeneration: { strings: false, wasm: false } });
  vm.runInContext(code, ctx);
  const res = JSON.parse(JSON.stringify(ctx.result)) as Trained;
  checkTrained(res, "browser bundle");
  assert.equal(res.status.active, false);
  assert.equal(res.status.reason, "not running in Node.js");
});

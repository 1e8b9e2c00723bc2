/**
 * Class names survive bundling. esbuild (used by tsup, Bun-style builds and our own browser
 * page) emits `var Embedding = class _Embedding` for a class whose body refers to itself, so
 * its `name` reads "_Embedding" and `print(model)` would show `_Embedding(10, 3)`. Fluxion's
 * modules keep such references outside their class bodies; this test bundles src/index.ts
 * with esbuild's defaults (no keepNames) and compares every nn and distributions export's name
 * and a few reprs (distributions name themselves by their class in reprs and messages) with
 * those of the unbundled sources.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import * as fx from "../../src/index.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

/** What the check prints: each nn export that is a class, by its export name, and some reprs. */
const PROBE = `
const names = {};
for (const [k, v] of Object.entries(fx.nn)) if (typeof v === "function" && /^[A-Z]/.test(k) && v.prototype) names[k] = v.name;
for (const [k, v] of Object.entries(fx.distributions)) if (typeof v === "function" && /^[A-Z]/.test(k) && v.prototype) names["distributions." + k] = v.name;
const reprs = [
  String(new fx.nn.Embedding(10, 3)),
  String(fx.nn.Embedding.fromPretrained(fx.ones([4, 2]))),
  String(fx.nn.EmbeddingBag.fromPretrained(fx.ones([4, 2]))),
  String(new fx.nn.TransformerEncoderLayer(8, 2, 16)).split("\\n")[0],
  String(new fx.nn.TransformerDecoderLayer(8, 2, 16)).split("\\n")[0],
  new fx.nn.Linear(2, 3).constructor.name,
  String(new fx.distributions.Independent(new fx.distributions.Normal(fx.zeros([2]), 1), 1)),
  (() => { try { fx.distributions.klDivergence(new fx.distributions.Normal(0, 1), new fx.distributions.Poisson(1)); } catch (e) { return e.message; } })(),
];
`;

function expected(): { names: Record<string, string>; reprs: string[] } {
  return new Function("fx", `${PROBE}; return { names, reprs };`)(fx) as { names: Record<string, string>; reprs: string[] };
}

test("an esbuild bundle of Fluxion (no keepNames) keeps every nn and distributions class's name and repr", async () => {
  const dir = path.join(repo, "build", "bundled-names");
  mkdirSync(dir, { recursive: true });
  const bundle = path.join(dir, `fluxion-${process.pid}.mjs`);
  await esbuild.build({ entryPoints: [path.join(repo, "src/index.ts")], outfile: bundle, bundle: true, format: "esm", platform: "node", packages: "external", logLevel: "silent" });
  // the TypeScript kernels: the bundle's own path does not lead to the native addon
  const code = `const fx = await import(${JSON.stringify(bundle)}); ${PROBE}; console.log(JSON.stringify({ names, reprs }));`;
  const env: NodeJS.ProcessEnv = { ...process.env, FLUXION_NATIVE: "0" };
  delete env.FLUXION_REQUIRE_NATIVE;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", env });
  rmSync(bundle, { force: true });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop()!) as ReturnType<typeof expected>;
  const want = expected();
  assert.ok(Object.keys(want.names).length > 100, `only ${Object.keys(want.names).length} nn classes found`);
  const renamed = Object.keys(want.names).filter((k) => got.names[k] !== want.names[k]).map((k) => `${k}: ${got.names[k]}`);
  assert.deepEqual(renamed, []);
  assert.deepEqual(got.reprs, want.reprs);
  assert.equal(want.reprs[1], "Embedding(4, 2)");
});

/**
 * The README and docs/ stand on their own: every relative link points at a file inside the
 * repository that exists, no text points outside it (`../shared/...`), and the options the
 * README documents for the main job are the program's, with the same defaults.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

test("README and docs: relative links resolve to files inside the repository", () => {
  let links = 0;
  for (const doc of DOCS) {
    const text = readFileSync(join(ROOT, doc), "utf8");
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split("#")[0]!;
      if (/^[a-z]+:/i.test(target) || target === "") continue; // web links and in-page anchors
      const abs = resolve(ROOT, dirname(doc), target);
      const rel = relative(ROOT, abs);
      assert.ok(!rel.startsWith("..") && !rel.startsWith("/"), `${doc} links outside the repository: ${m[1]}`);
      assert.ok(existsSync(abs), `${doc} links to a missing file: ${m[1]}`);
      links++;
    }
    assert.doesNotMatch(text, /\.\.\/shared\/|\/work\//, `${doc} points outside the repository`);
  }
  assert.ok(links > 5, `found ${links} links`);
  assert.ok(readFileSync(join(ROOT, "README.md"), "utf8").includes("[docs/design.md](docs/design.md)"));
});

test("the README's options for the main job are the program's, with its defaults", async () => {
  const { OPTIONS } = await import("../../examples/fashion-mnist.js");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\n/g, " ");
  const m = /Options \(`--help` lists them with their defaults\): `([^`]*)`/.exec(readme);
  assert.ok(m, "the README lists the options");
  const documented = new Map<string, string>();
  // a switch (--compile) is written alone
  for (const [, name, value] of m[1]!.matchAll(/--([a-z-]+)(?: ([^-\s]\S*))?/g)) documented.set(name!, value ?? "");
  assert.deepEqual([...documented.keys()], Object.keys(OPTIONS));
  for (const [name, spec] of Object.entries(OPTIONS) as [string, { default?: string; arg: string; flag?: boolean }][]) {
    if (spec.flag) {
      assert.equal(documented.get(name), "", `--${name} is a switch`);
      continue;
    }
    // a choice is written with its choices, the default first ("sgd|adam"); others with the default
    if (spec.arg.includes("|")) {
      assert.equal(documented.get(name), spec.arg, `--${name}`);
      assert.equal(spec.arg.split("|")[0], spec.default, `--${name}: the default comes first`);
    } else if (spec.arg === "DIR") assert.equal(documented.get(name), "DIR", `--${name}`); // paths: the placeholder
    else assert.equal(documented.get(name), spec.default, `--${name}`);
  }
});

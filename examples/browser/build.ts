/**
 * Builds the browser demo: esbuild bundles main.ts (with Fluxion's sources, which import no
 * Node module) into examples/browser/dist/main.js, next to copies of index.html and style.css.
 * `npm run demo` runs it before serving; the browser test runs it too.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

export const PAGE_DIR = path.dirname(fileURLToPath(import.meta.url));
export const DIST_DIR = path.join(PAGE_DIR, "dist");

export interface BuildResult {
  dir: string;
  /** Bytes of the bundle. */
  bundleBytes: number;
  /** The bundle's inputs (to check that no Node built-in got in). */
  inputs: string[];
}

/** Bundles the page into `outDir` (default examples/browser/dist); raises on any esbuild error or warning. */
export async function buildDemo(outDir: string = DIST_DIR): Promise<BuildResult> {
  mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(PAGE_DIR, "main.ts")],
    outfile: path.join(outDir, "main.js"),
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    keepNames: true, // print(model) names the layers as the sources do, minified or not
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
  });
  if (result.errors.length || result.warnings.length) {
    throw new Error(`esbuild: ${[...result.errors, ...result.warnings].map((m) => m.text).join("; ")}`);
  }
  for (const file of ["index.html", "style.css"]) copyFileSync(path.join(PAGE_DIR, file), path.join(outDir, file));
  const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
  return { dir: outDir, bundleBytes: out.bytes, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * Bundles a bench runner with Fluxion taken from the built package (dist/, what `npm run
 * build` makes and npm users import) instead of the TypeScript sources: every import that
 * resolves into src/ becomes an import of the same module under dist/ (so all of them share
 * one copy of Fluxion's state), the rest (the runner, examples/models.ts) is bundled.
 * bench/run.sh runs Fluxion this way: under tsx's loader the same steps are 5-15% slower
 * (measured 2026-12-07: TransformerEncoder LM step at 2 threads 54.5 vs 46.1 ms, SmallResNet
 * 69 vs 62 ms), mostly from a larger heap for V8 to mark (the transpiled sources and their
 * source maps).
 *   node --import tsx bench/dist_bundle.ts bench/fluxion.ts bench/.fluxion.dist.mjs
 * The output sits next to its entry, so the runner's `new URL("./x.ts", import.meta.url)`
 * still finds its sibling scripts.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, "src") + path.sep, dist = path.join(root, "dist") + path.sep;

export async function bundleAgainstDist(entry: string, outfile: string): Promise<void> {
  if (!existsSync(path.join(dist, "index.js"))) throw new Error("bench/dist_bundle.ts: dist/ is not built (npm run build)");
  const outDir = path.dirname(path.resolve(outfile));
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
    packages: "external",
    keepNames: true,
    plugins: [{
      name: "fluxion-from-dist",
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          const abs = path.resolve(args.resolveDir, args.path);
          if (!abs.startsWith(src)) return undefined;
          const target = path.join(dist, path.relative(src, abs)).replace(/\.ts$/, ".js");
          if (!existsSync(target)) throw new Error(`bench/dist_bundle.ts: ${args.path} (from ${args.importer}) has no built module ${target}`);
          let rel = path.relative(outDir, target).split(path.sep).join("/");
          if (!rel.startsWith(".")) rel = `./${rel}`;
          return { path: rel, external: true };
        });
      },
    }],
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) throw new Error("usage: node --import tsx bench/dist_bundle.ts <entry.ts> <out.mjs>");
  await bundleAgainstDist(entry, outfile);
}

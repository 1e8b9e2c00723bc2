/**
 * Browser CPU GEMM: Fluxion's WebAssembly SIMD matmul against TensorFlow.js's wasm backend
 * (XNNPACK) on the same page of the same headless Chromium (the system's /usr/bin/chromium,
 * or $CHROMIUM, driven by playwright-core), float32 n x n for n = 256, 512, 1024. Rounds
 * alternate the two, each round timing a few calls of each; the medians over all calls give
 * GFLOP/s and the ratio. Two page configurations:
 *   plain     no cross-origin isolation: no SharedArrayBuffer, so both run on one thread;
 *   isolated  served with COOP/COEP: TF.js's wasm backend runs XNNPACK on its threads
 *             (Fluxion's wasm GEMM is single-threaded so far).
 * Needs the JS peers (bench/peers: `npm ci --prefix bench/peers`, which bench/run.sh does).
 *
 *   node --import tsx bench/browser_gemm.ts [--rounds 5] [--sizes 256,512,1024] [--configs plain,isolated]
 *   BENCH_OUT=results.jsonl ...   also writes JSON lines (case browser.gemm.f32.n<N>.<config>)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { emit, median, QUICK, selected } from "./common.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TF = path.join(HERE, "peers/node_modules/@tensorflow");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const rounds = Number(arg("rounds", QUICK ? "3" : "5"));
const sizes = arg("sizes", QUICK ? "256,1024" : "256,512,1024").split(",").map(Number);
const configs = arg("configs", "plain,isolated").split(",") as ("plain" | "isolated")[];
// under `npm run bench -- --only GROUPS`: the group is "browser"
if (!configs.some((c) => sizes.some((n) => selected(`browser.gemm.f32.n${n}.${c}`)))) process.exit(0);

for (const f of [CHROMIUM, path.join(TF, "tfjs/dist/tf.min.js"), path.join(TF, "tfjs-backend-wasm/dist/tf-backend-wasm.min.js")]) {
  if (!existsSync(f)) {
    console.error(`browser_gemm: missing ${f} (Chromium: apt-get install chromium; TF.js: npm ci --prefix bench/peers)`);
    process.exit(1);
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), "fluxion-browser-gemm-"));
await esbuild.build({ entryPoints: [path.join(HERE, "browser/gemm_page.ts")], outfile: path.join(dir, "page.js"), bundle: true, platform: "browser", format: "esm", target: "es2022", minify: true, logLevel: "silent" });
writeFileSync(path.join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>GEMM</title>
<script src="tf.min.js"></script><script src="tf-backend-wasm.min.js"></script><script type="module" src="page.js"></script>`);
const FILES: Record<string, string> = {
  "index.html": path.join(dir, "index.html"),
  "page.js": path.join(dir, "page.js"),
  "tf.min.js": path.join(TF, "tfjs/dist/tf.min.js"),
  "tf-backend-wasm.min.js": path.join(TF, "tfjs-backend-wasm/dist/tf-backend-wasm.min.js"),
};
for (const w of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]) FILES[w] = path.join(TF, "tfjs-backend-wasm/dist", w);

// /plain/<file> and /isolated/<file>; the latter with the headers that make the page cross-origin isolated
const server = http.createServer((req, res) => {
  const [, config, name] = /^\/(plain|isolated)\/([\w.-]*)$/.exec(new URL(req.url ?? "/", "http://x").pathname) ?? [];
  const file = config ? FILES[name || "index.html"] : undefined;
  if (!file) {
    res.writeHead(404).end();
    return;
  }
  const type = file.endsWith(".wasm") ? "application/wasm" : file.endsWith(".html") ? "text/html; charset=utf-8" : "text/javascript; charset=utf-8";
  const isolation = config === "isolated" ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
  res.writeHead(200, { "content-type": type, "cache-control": "no-cache", ...isolation }).end(readFileSync(file));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  ignoreDefaultArgs: ["--headless"],
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
type Bench = { init(p: string): Promise<Record<string, unknown>>; fluxion(n: number, r: number, w: number): number[]; tfjs(n: number, r: number, w: number): number[] };
const gflops = (n: number, ms: number) => (2 * n ** 3) / ms / 1e6;
try {
  for (const config of configs) {
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${origin}/${config}/`);
    await page.waitForFunction(() => "bench" in globalThis);
    const info = await page.evaluate((p) => (globalThis as unknown as { bench: Bench }).bench.init(p), `${origin}/${config}/`);
    console.log(`== ${config}: ${JSON.stringify(info)}`);
    emit({ case: `info.browser.${config}`, impl: "fluxion", status: "ok", note: JSON.stringify(info) });
    for (const n of sizes) {
      const reps = n >= 1024 ? 3 : n >= 512 ? 6 : 20;
      const all: Record<"fluxion" | "tfjs", number[]> = { fluxion: [], tfjs: [] };
      for (let r = 0; r < rounds; r++) {
        // alternate which goes first, so neither always runs on a cooler (or hotter) core
        for (const impl of r % 2 ? (["tfjs", "fluxion"] as const) : (["fluxion", "tfjs"] as const)) {
          all[impl].push(...(await page.evaluate(([impl, n, reps, warm]) => (globalThis as unknown as { bench: Bench }).bench[impl](n, reps, warm), [impl, n, reps, r === 0 ? 2 : 1] as const)));
        }
      }
      const f = median(all.fluxion), t = median(all.tfjs);
      const threads = config === "isolated" && (info as { tfjs: { threads: boolean } }).tfjs.threads ? "wasm threads" : 1;
      emit({ case: `browser.gemm.f32.n${n}.${config}`, impl: "fluxion", threads: 1, status: "ok", ms: f, reps: all.fluxion.length, minMs: Math.min(...all.fluxion) });
      emit({ case: `browser.gemm.f32.n${n}.${config}`, impl: "tfjs-wasm", threads, status: "ok", ms: t, reps: all.tfjs.length, minMs: Math.min(...all.tfjs) });
      console.log(`${config.padEnd(8)} n=${String(n).padEnd(5)} fluxion ${gflops(n, f).toFixed(1).padStart(6)} GFLOP/s (${f.toFixed(2)} ms)   tfjs-wasm ${gflops(n, t).toFixed(1).padStart(6)} GFLOP/s (${t.toFixed(2)} ms)   ratio ${(t / f).toFixed(2)}x`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

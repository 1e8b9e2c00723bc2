import * as esbuild from "esbuild";
import http from "node:http";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
await esbuild.build({ entryPoints: ["/tmp/wz/exp_page.ts"], outfile: "/tmp/wz/exp_page.js", bundle: true, format: "esm", platform: "browser" });
const peers = "/work/wt/wasm/bench/peers/node_modules/@tensorflow";
const files: Record<string, string> = {
  "/": "/tmp/wz/exp.html", "/exp_page.js": "/tmp/wz/exp_page.js",
  "/tf.min.js": `${peers}/tfjs/dist/tf.min.js`, "/tf-backend-wasm.min.js": `${peers}/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`,
  "/tfjs-backend-wasm.wasm": `${peers}/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm`,
  "/tfjs-backend-wasm-simd.wasm": `${peers}/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm`,
  "/tfjs-backend-wasm-threaded-simd.wasm": `${peers}/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm`,
};
const { writeFileSync } = await import("node:fs");
writeFileSync("/tmp/wz/exp.html", `<!doctype html><script src="/tf.min.js"></script><script src="/tf-backend-wasm.min.js"></script><script type="module" src="/exp_page.js"></script>`);
const isolated = process.env.ISO === "1";
const server = http.createServer((req, res) => {
  const f = files[req.url!.split("?")[0]!];
  if (!f) { res.writeHead(404).end(); return; }
  const type = f.endsWith(".wasm") ? "application/wasm" : f.endsWith(".html") ? "text/html" : "text/javascript";
  res.writeHead(200, { "content-type": type, ...(isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {}) });
  res.end(readFileSync(f));
}).listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const port = (server.address() as any).port;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", ignoreDefaultArgs: ["--headless"], args: ["--headless=new", "--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
page.on("console", (m) => console.log("page:", m.text()));
await page.goto(`http://127.0.0.1:${port}/`);
await page.waitForFunction(() => (globalThis as any).runVariant !== undefined);
console.log("isolated", await page.evaluate(() => (globalThis as any).crossOriginIsolated));
console.log(await page.evaluate(async () => { const tf = (globalThis as any).tf; tf.wasm.setWasmPaths("/"); await tf.setBackend("wasm"); await tf.ready(); return [tf.getBackend(), tf.env().getBool("WASM_HAS_SIMD_SUPPORT"), tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")]; }));
const tfjs = (n: number) => page.evaluate(async (n) => { const tf = (globalThis as any).tf; const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]); const ts: number[] = []; for (let r = 0; r < 7; r++) { const t = performance.now(); const c = tf.matMul(a, b); c.dataSync(); c.dispose(); ts.push(performance.now() - t); } ts.sort((x, y) => x - y); return (2 * n ** 3 / ts[3]! / 1e6).toFixed(1); }, n);
const variants = JSON.parse(process.env.VARIANTS ?? "[[4,2,false,2,256,20],[6,2,true,2,256,20],[4,3,true,2,256,20],[4,2,true,2,256,20]]");
const n = Number(process.env.N ?? 1024);
for (let round = 0; round < Number(process.env.ROUNDS ?? 2); round++) {
  console.log("tfjs", await tfjs(n));
  for (const v of variants) console.log(JSON.stringify(v), await page.evaluate(([n, v]) => (globalThis as any).runVariant(n, ...v, 7), [n, v] as const));
}
await browser.close(); server.close();

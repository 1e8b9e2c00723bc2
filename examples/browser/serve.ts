/**
 * `npm run demo`: builds the browser demo (build.ts) and serves it on localhost with a small
 * static server (node:http, no dependency), which also serves Fashion-MNIST's four IDX files
 * under /data/ from Debian's dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist),
 * or from --data DIR. The files go out as they are on disk (gzip); the page inflates them.
 *
 *   npm run demo                       # http://localhost:8080/
 *   npm run demo -- --port 9000 --data ~/data/fashion-mnist
 *
 * localhost counts as a secure context, so WebGPU is available there without HTTPS.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildDemo, DIST_DIR } from "./build.js";
import { splitFiles } from "./files.js";

export const DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist";
export const DATA_FILES: readonly string[] = [true, false].flatMap((train) => Object.values(splitFiles(train)));

/** The data files missing from `dir` (all four are needed). */
export function missingDataFiles(dir: string): string[] {
  return DATA_FILES.filter((f) => !existsSync(path.join(dir, f)));
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".gz": "application/gzip",
};

/**
 * Makes the page cross-origin isolated (it loads only its own files), which gives it
 * SharedArrayBuffer: what WebAssembly threads need (TF.js's wasm backend uses them there).
 */
export const CROSS_ORIGIN_ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } as const;

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `pageDir` (the built page) at / and the IDX files of `dataDir` at /data/. Only those
 * files: any other path is a 404, so nothing outside the two folders can be read.
 */
export function startDemoServer(opts: { pageDir?: string; dataDir?: string; port?: number; host?: string } = {}): Promise<DemoServer> {
  const pageDir = opts.pageDir ?? DIST_DIR, dataDir = opts.dataDir ?? DEFAULT_DATA_DIR;
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    let file: string | null = null;
    if (pathname.startsWith("/data/")) {
      const name = pathname.slice("/data/".length);
      if (DATA_FILES.includes(name)) file = path.join(dataDir, name);
    } else {
      const name = pathname === "/" ? "index.html" : pathname.slice(1);
      if (/^[\w.-]+$/.test(name)) file = path.join(pageDir, name);
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (file === null || !existsSync(file) || !statSync(file).isFile()) {
      const hint = pathname.startsWith("/data/") ? ` (the Fashion-MNIST files are looked for in ${dataDir})` : "";
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end(`not found: ${pathname}${hint}\n`);
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "content-length": statSync(file).size,
      "cache-control": "no-cache",
      ...CROSS_ORIGIN_ISOLATION,
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://${opts.host ?? "127.0.0.1"}:${port}/`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

function parseArgs(argv: readonly string[]): { port: number; dataDir: string } {
  let port = 8080, dataDir = process.env.FLUXION_DATA ?? DEFAULT_DATA_DIR;
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (name === "--port" && value !== undefined && /^\d+$/.test(value) && Number(value) < 65536) port = Number(value);
    else if (name === "--data" && value) dataDir = value;
    else throw new Error(`usage: npm run demo -- [--port N] [--data DIR]  (bad argument: ${argv[i - (inline === undefined ? 1 : 0)]})`);
  }
  return { port, dataDir };
}

async function main(): Promise<number> {
  let args: { port: number; dataDir: string };
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const missing = missingDataFiles(args.dataDir);
  if (missing.length) {
    console.error(
      `demo: Fashion-MNIST not found: ${args.dataDir} lacks ${missing.join(", ")}.\n` +
        `  On Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist (installs ${DEFAULT_DATA_DIR}),\n` +
        `  or point --data (or FLUXION_DATA) at a folder holding the four .gz IDX files.`,
    );
    return 1;
  }
  const built = await buildDemo();
  console.log(`demo: built ${path.relative(process.cwd(), built.dir)}/main.js (${(built.bundleBytes / 1024).toFixed(0)} KiB)`);
  const server = await startDemoServer({ dataDir: args.dataDir, port: args.port });
  console.log(`demo: serving ${server.url} (Fashion-MNIST from ${args.dataDir}); Ctrl-C stops`);
  return new Promise(() => {}); // serve until interrupted
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then((code) => process.exit(code), (e) => {
    console.error(`demo: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}

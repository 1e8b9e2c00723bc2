/**
 * Dataset downloads over real HTTP: a server on 127.0.0.1 serves fixture IDX files (there
 * is no network in CI), and `load({ root, download: true })` fetches them with the global
 * fetch, checks each file's MD5, skips a mirror that serves wrong or truncated bytes, and
 * loads what it saved.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FluxionError, data } from "../../src/index.js";
import { idxBytes } from "./idx_writer.js";

const { datasets } = data;

const files: Record<string, Uint8Array> = {
  "train-images-idx3-ubyte.gz": gzipSync(idxBytes(0x08, [3, 2, 2], [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])),
  "train-labels-idx1-ubyte.gz": gzipSync(idxBytes(0x08, [3], [4, 0, 9])),
  "t10k-images-idx3-ubyte.gz": gzipSync(idxBytes(0x08, [1, 2, 2], [7, 7, 7, 7])),
  "t10k-labels-idx1-ubyte.gz": gzipSync(idxBytes(0x08, [1], [2])),
};
const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

let server: Server;
let base = "";
let scratch = "";
const requests: string[] = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "fluxion-download-"));
  server = createServer((req, res) => {
    const url = req.url ?? "";
    requests.push(url);
    const name = url.slice(url.lastIndexOf("/") + 1);
    const body = files[name];
    if (!body || url.startsWith("/missing/")) {
      res.writeHead(404, "Not Found").end("no such file");
    } else if (url.startsWith("/corrupt/")) {
      const bad = Uint8Array.from(body);
      bad[bad.length - 1] ^= 0xff; // same length, wrong bytes
      res.writeHead(200, { "content-length": String(bad.length) }).end(bad);
    } else if (url.startsWith("/cut/")) {
      // announces the full length, sends half, then drops the connection
      res.writeHead(200, { "content-length": String(body.length) });
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
    } else {
      res.writeHead(200, { "content-length": String(body.length) }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  base = `http://127.0.0.1:${addr.port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

/** A dataset class like MNIST whose published files are the fixtures above, on `mirrors`. */
function servedDataset(mirrors: string[], md5Of: (f: string) => string = (f) => md5(files[f]!)) {
  const r = (f: string) => ({ file: f, md5: md5Of(f) });
  return class Served extends datasets.MNIST {
    static override readonly spec = {
      ...datasets.MNIST_SPEC,
      name: "Served",
      folder: "served",
      systemDir: join(scratch, "no-system-copy"),
      mirrors,
      train: [r("train-images-idx3-ubyte.gz"), r("train-labels-idx1-ubyte.gz")] as const,
      test: [r("t10k-images-idx3-ubyte.gz"), r("t10k-labels-idx1-ubyte.gz")] as const,
    };
  };
}

test("load({ root, download: true }) fetches over HTTP, skips mirrors with a 404, wrong or cut bytes, and loads", async () => {
  const Served = servedDataset([`${base}/missing/`, `${base}/corrupt/`, `${base}/cut/`, `${base}/good/`]);
  const root = join(scratch, "root-http");
  requests.length = 0;
  const ds = await Served.load({ root, download: true, quiet: true });
  assert.deepEqual(requests, ["missing", "corrupt", "cut", "good"].flatMap((m) => [`/${m}/train-images-idx3-ubyte.gz`]).concat(["missing", "corrupt", "cut", "good"].map((m) => `/${m}/train-labels-idx1-ubyte.gz`)));
  assert.deepEqual(readdirSync(root).sort(), ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"], "the verified files, no temporary files");
  assert.deepEqual([...readFileSync(join(root, "train-images-idx3-ubyte.gz"))], [...files["train-images-idx3-ubyte.gz"]!]);
  assert.equal(ds.length, 3);
  assert.deepEqual(ds.targets.tolist(), [4, 0, 9]);
  assert.deepEqual([...ds.image(1).pixels], [10, 11, 12, 13]);
  // afterwards the synchronous constructor finds them in that root
  assert.deepEqual(new Served({ root }).targets.tolist(), [4, 0, 9]);
  // and a second load fetches nothing
  requests.length = 0;
  await Served.load({ root, download: true, quiet: true });
  assert.deepEqual(requests, []);
});

test("download: when no mirror serves bytes with the published MD5, the error lists each attempt and nothing is saved", async () => {
  const Served = servedDataset([`${base}/good/`, `${base}/corrupt/`], () => "0".repeat(32));
  const root = join(scratch, "root-bad-md5");
  await assert.rejects(Served.load({ root, quiet: true }), (e: unknown) => {
    assert.ok(e instanceof FluxionError);
    const got = md5(files["train-images-idx3-ubyte.gz"]!);
    assert.ok(e.message.startsWith(`Served: could not download train-images-idx3-ubyte.gz into ${root}. Tried:\n`), e.message);
    assert.ok(e.message.includes(`${base}/good/train-images-idx3-ubyte.gz: MD5 mismatch (got ${got}, expected ${"0".repeat(32)}; ${files["train-images-idx3-ubyte.gz"]!.length} bytes)`));
    assert.ok(e.message.includes(`${base}/corrupt/train-images-idx3-ubyte.gz: MD5 mismatch`));
    return true;
  });
  assert.deepEqual(readdirSync(root), [], "nothing unverified is written");
  // download: false never fetches: the constructor's not-found error
  requests.length = 0;
  await assert.rejects(Served.load({ root, download: false }), /Served: dataset not found in /);
  assert.deepEqual(requests, []);
});

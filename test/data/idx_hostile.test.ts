/**
 * readIdxFile against hostile files: the header bounds everything after it. A gzip bomb
 * (a small file inflating far past what its dims declare) fails after inflating only the
 * declared size; a compressed size that cannot hold the declared dims, or a raw file whose
 * size disagrees with them (a sparse 8 GB file here), fails before the data is read; FIFOs
 * and devices are refused without blocking.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, truncateSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { data } from "../../src/index.js";
import { idxBytes } from "./idx_writer.js";
import { fluxionErrorMessage, withTempDir } from "../helpers.js";

const SRC = resolve(import.meta.dirname, "../../src");

const readError = (path: string) => fluxionErrorMessage(() => data.readIdxFile(path), `readIdxFile(${path})`);

/**
 * A gzip bomb: the header of [10, 28, 28] uint8 images (7856 bytes in all), then `mb`
 * further gzip members of 1 MB of zeros each (about 1 KB compressed apiece).
 */
function bomb(mb: number): Uint8Array {
  const head = gzipSync(idxBytes(0x08, [10, 28, 28], []));
  const member = gzipSync(new Uint8Array(1 << 20));
  const out = new Uint8Array(head.length + mb * member.length);
  out.set(head, 0);
  for (let i = 0; i < mb; i++) out.set(member, head.length + i * member.length);
  return out;
}

test("a gzip bomb (0.5 MB inflating to 512 MB) fails after inflating what the header declares", () => {
  withTempDir("idx-hostile", (dir) => {
    const path = join(dir, "train-images-idx3-ubyte.gz");
    writeFileSync(path, bomb(512));
    // in a fresh process, so its peak memory is the bomb's doing alone
    const probe = `import { readIdxFile } from ${JSON.stringify(join(SRC, "data/idx.js"))};
const before = process.resourceUsage().maxRSS;
let message = "";
try { readIdxFile(${JSON.stringify(path)}); } catch (e) { message = e.message; }
console.log(JSON.stringify({ message, grewKB: process.resourceUsage().maxRSS - before }));`;
    const script = join(dir, "probe.ts");
    writeFileSync(script, probe);
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const { message, grewKB } = JSON.parse(r.stdout) as { message: string; grewKB: number };
    assert.equal(message, `readIdxFile: ${path} decompresses to more than the 7856 bytes its header declares (dims [10, 28, 28] of uint8); the file is corrupt or a decompression bomb`);
    assert.ok(grewKB < 64 * 1024, `peak memory grew by ${(grewKB / 1024).toFixed(0)} MB`);
  });
});

test("dims the compressed size cannot hold are refused before inflating", () => {
  withTempDir("idx-hostile", (dir) => {
    const path = join(dir, "claims.gz");
    writeFileSync(path, gzipSync(idxBytes(0x08, [60000, 1000, 1000], [])));
    assert.match(readError(path), /^readIdxFile: .*claims\.gz: its header declares 60000000016 bytes \(dims \[60000, 1000, 1000\] of uint8\), but \d+ gzip-compressed bytes cannot hold that much; the file is corrupt$/);
  });
});

test("a raw file whose size disagrees with its dims fails before its data is read (sparse 8 GB)", () => {
  withTempDir("idx-hostile", (dir) => {
    const path = join(dir, "padded-idx1-ubyte");
    writeFileSync(path, idxBytes(0x08, [3], [1, 2, 3]));
    truncateSync(path, 8 * 2 ** 30);
    const t0 = Date.now();
    assert.equal(readError(path), `IDX file ${path}: corrupt: ${8 * 2 ** 30 - 8 - 3} unexpected bytes after the 3 data bytes that dims [3] of uint8 need`);
    assert.ok(Date.now() - t0 < 2000);
    const cut = join(dir, "cut-idx1-ubyte");
    writeFileSync(cut, idxBytes(0x08, [5], [1, 2, 3, 4, 5]).subarray(0, 11));
    assert.equal(readError(cut), `IDX file ${cut}: truncated: dims [5] of uint8 need 5 data bytes but only 3 follow the header (the file is incomplete; fetch it again)`);
  });
});

test("gzip files: exact sizes load, short or long ones are errors", () => {
  withTempDir("idx-hostile", (dir) => {
    const good = join(dir, "good.gz");
    writeFileSync(good, gzipSync(idxBytes(0x0b, [2, 2], [-1, 2, -3, 300])));
    assert.deepEqual([...data.readIdxFile(good).data], [-1, 2, -3, 300]);
    const long = join(dir, "long.gz");
    writeFileSync(long, gzipSync(new Uint8Array([...idxBytes(0x08, [2], [1, 2]), 9])));
    assert.match(readError(long), /long\.gz decompresses to more than the 10 bytes its header declares \(dims \[2\] of uint8\)/);
    const short = join(dir, "short.gz");
    writeFileSync(short, gzipSync(idxBytes(0x08, [2], [1, 2]).subarray(0, 9)));
    assert.match(readError(short), /short\.gz: truncated: dims \[2\] of uint8 need 2 data bytes but only 1 follow/);
    const headless = join(dir, "headless.gz");
    writeFileSync(headless, gzipSync(new Uint8Array([0, 0, 8, 3, 0, 0])));
    assert.match(readError(headless), /headless\.gz: truncated: header declares 3 dims \(16 header bytes\) but the file has 6 bytes/);
  });
});

test("readIdxFile refuses FIFOs and devices", () => {
  withTempDir("idx-hostile", (dir) => {
    if (process.platform !== "win32") {
      const fifo = join(dir, "train-labels-idx1-ubyte");
      execFileSync("mkfifo", [fifo]);
      assert.equal(readError(fifo), `readIdxFile: ${fifo} is a named pipe (FIFO), not a regular file; only regular files can be read (a device or pipe could block or never end)`);
    }
    if (existsSync("/dev/zero")) assert.match(readError("/dev/zero"), /^readIdxFile: \/dev\/zero is a character device, not a regular file/);
  });
});

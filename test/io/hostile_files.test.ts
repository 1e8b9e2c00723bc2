/**
 * io.load against hostile paths and files: devices and FIFOs are refused without reading
 * or blocking, a header's offsets are checked against the file's size before its data is
 * read, the header is capped, and a header naming a key twice is an error (JSON.parse
 * would silently keep the last one).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, openSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FluxionError, io, tensor } from "../../src/index.js";
import { findDuplicateKey } from "../../src/io/safetensors.js";
import { fluxionErrorMessage, withTempDir } from "../helpers.js";

/** Safetensors bytes from a header given as JSON text (so duplicates survive) and a body. */
function rawFile(headerJson: string, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const loadError = (path: string) => fluxionErrorMessage(() => io.load(path), `io.load(${path})`);

test("io.load refuses a character device (/dev/zero would be read forever) and a directory", { skip: !existsSync("/dev/zero") && "no /dev/zero" }, () => {
  const t0 = Date.now();
  assert.equal(loadError("/dev/zero"), "load: /dev/zero is a character device, not a regular file; only regular files can be read (a device or pipe could block or never end)");
  assert.ok(Date.now() - t0 < 1000, "refused without reading");
  withTempDir("hostile", (dir) => {
    assert.match(loadError(dir), /^load: .* is a directory, not a regular file/);
  });
});

test("io.load refuses a FIFO without blocking on it", { skip: process.platform === "win32" && "no mkfifo" }, () => {
  withTempDir("hostile", (dir) => {
    const fifo = join(dir, "pipe.safetensors");
    execFileSync("mkfifo", [fifo]);
    // no writer ever opens the pipe: a plain open() for reading would block this test forever
    assert.equal(loadError(fifo), `load: ${fifo} is a named pipe (FIFO), not a regular file; only regular files can be read (a device or pipe could block or never end)`);
  });
});

test("the header's offsets are checked against the file size before the data is read (a sparse 8 GB file)", () => {
  withTempDir("hostile", (dir) => {
    const path = join(dir, "padded.safetensors");
    writeFileSync(path, io.serialize({ w: tensor([1, 2, 3, 4]) }));
    truncateSync(path, 8 * 2 ** 30); // sparse: no disk used, but reading it would need 8 GB
    const t0 = Date.now();
    assert.match(loadError(path), /padded\.safetensors is not a valid safetensors file: 858993\d+ unexpected trailing bytes after the last tensor$/);
    assert.ok(Date.now() - t0 < 2000, `failed fast (${Date.now() - t0} ms)`);
  });
});

test("a header length over the 100 MB cap, or longer than the file, fails before the header is read", () => {
  withTempDir("hostile", (dir) => {
    const huge = join(dir, "huge-header.safetensors");
    const len = new Uint8Array(8);
    new DataView(len.buffer).setBigUint64(0, 100_000_001n, true);
    writeFileSync(huge, len);
    truncateSync(huge, 200_000_000); // sparse
    assert.match(loadError(huge), /huge-header\.safetensors is not a valid safetensors file: header length 100000001 is implausibly large \(limit 100000000\)/);
    const short = join(dir, "short.safetensors");
    new DataView(len.buffer).setBigUint64(0, 5000n, true);
    const fd = openSync(short, "w");
    writeSync(fd, len);
    writeSync(fd, new TextEncoder().encode("{}"));
    closeSync(fd);
    assert.match(loadError(short), /short\.safetensors is not a valid safetensors file: truncated: header claims 5000 bytes but only 2 follow the length field/);
  });
});

test("a header naming a tensor twice (also via an escape, or a field inside an entry) is an error", () => {
  const spec = (o: number) => `{"dtype":"F32","shape":[1],"data_offsets":[${o},${o + 4}]}`;
  const body = new Uint8Array(8);
  const cases: [string, string][] = [
    [`{"w":${spec(0)},"w":${spec(4)}}`, `the header names "w" twice`],
    [`{"w":${spec(0)}, "\\u0077" :${spec(4)}}`, `the header names "w" twice`],
    [`{"a":${spec(0)},"b":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[4,8]}}`, `the header names "dtype" twice`],
    [`{"__metadata__":{"k":"1","k":"2"},"a":${spec(0)},"b":${spec(4)}}`, `the header names "k" twice`],
  ];
  for (const [json, problem] of cases) {
    assert.throws(() => io.deserialize(rawFile(json, body), "dup.st"), (e: unknown) => e instanceof FluxionError && e.message === `deserialize: dup.st is not a valid safetensors file: ${problem}`, json);
  }
  // equal keys in different objects are not duplicates
  const ok = io.deserialize(rawFile(`{"a":${spec(0)},"b":${spec(4)}}`, body));
  assert.deepEqual(Object.keys(ok), ["a", "b"]);
  withTempDir("hostile", (dir) => {
    const path = join(dir, "dup.safetensors");
    writeFileSync(path, rawFile(`{"w":${spec(0)},"w":${spec(4)}}`, body));
    assert.match(loadError(path), /dup\.safetensors is not a valid safetensors file: the header names "w" twice$/);
  });
});

test("findDuplicateKey: strings holding quotes, braces and colons, arrays of objects, nesting", () => {
  assert.equal(findDuplicateKey(`{"a":1,"b":2}`), null);
  assert.equal(findDuplicateKey(`{"a":"}{\\":","b":"a","a":3}`), "a");
  assert.equal(findDuplicateKey(`{"a\\"b":1,"a\\"b":2}`), 'a"b');
  assert.equal(findDuplicateKey(`{"x":"a", "y":"a"}`), null, "equal values are not keys");
  assert.equal(findDuplicateKey(`[{"a":1},{"a":2}]`), null, "one key per object");
  assert.equal(findDuplicateKey(`{"o":{"a":1},"p":{"a":2,"q":{"a":3}}}`), null);
  assert.equal(findDuplicateKey(`{"o":{"a":[{"z":1}],"b":{"z":2},"a":0}}`), "a");
  assert.equal(findDuplicateKey(`{ "k" : 1 ,\n\t"k"\r\n: 2 }`), "k");
  assert.equal(findDuplicateKey(`{"\\\\":1,"\\u005c":2}`), "\\");
});

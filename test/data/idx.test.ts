/** The IDX reader on files the test writes itself: raw and gzipped, every element type, and broken files. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FluxionError, data } from "../../src/index.js";
import { idxBytes } from "./idx_writer.js";
import { withTempDir } from "../helpers.js";

test("parseIdx reads the header and uint8 images", () => {
  const pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
  const { type, shape, data: d } = data.parseIdx(idxBytes(0x08, [2, 2, 3], pixels));
  assert.equal(type, "uint8");
  assert.deepEqual(shape, [2, 2, 3]);
  assert.ok(d instanceof Uint8Array);
  assert.deepEqual([...d], pixels);
});

test("parseIdx decodes every element type big-endian", () => {
  const cases: [number, string, number[]][] = [
    [0x09, "int8", [-128, -1, 0, 127]],
    [0x0b, "int16", [-32768, -2, 258, 32767]],
    [0x0c, "int32", [-2147483648, -1, 16909060, 2147483647]],
    [0x0d, "float32", [1.5, -0.25, 3.4028234663852886e38, 0]],
    [0x0e, "float64", [Math.PI, -1e-300, 2 ** 60, -0.5]],
  ];
  for (const [code, type, values] of cases) {
    const r = data.parseIdx(idxBytes(code, [4], values));
    assert.equal(r.type, type);
    assert.deepEqual([...r.data], values, type);
  }
});

test("readIdxFile reads raw and gzipped files (detected by content)", () => {
  withTempDir("idx", (dir) => {
    const bytes = idxBytes(0x08, [5], [9, 0, 0, 3, 7]);
    writeFileSync(join(dir, "labels-idx1-ubyte"), bytes);
    writeFileSync(join(dir, "labels-idx1-ubyte.gz"), gzipSync(bytes));
    writeFileSync(join(dir, "misnamed.bin"), gzipSync(bytes));
    for (const name of ["labels-idx1-ubyte", "labels-idx1-ubyte.gz", "misnamed.bin"]) {
      const r = data.readIdxFile(join(dir, name));
      assert.deepEqual(r.shape, [5], name);
      assert.deepEqual([...r.data], [9, 0, 0, 3, 7], name);
    }
  });
});

test("broken IDX files are FluxionErrors naming the file and what is wrong", () => {
  withTempDir("idx", (dir) => {
    const good = idxBytes(0x08, [2, 3, 3], Array.from({ length: 18 }, (_, i) => i));
    const cases: [string, Uint8Array, RegExp][] = [
      ["truncated-data", good.subarray(0, good.length - 5), /truncated: dims \[2, 3, 3\] of uint8 need 18 data bytes but only 13 follow the header/],
      ["truncated-header", good.subarray(0, 9), /truncated: header declares 3 dims \(16 header bytes\) but the file has 9 bytes/],
      ["tiny", good.subarray(0, 2), /truncated: 2 bytes, fewer than the 4-byte magic number/],
      ["wrong-magic", new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), /bad magic number 50 4b 03 04/],
      ["bad-type", idxBytes(0x08, [1], [1]).map((b, i) => (i === 2 ? 0x0a : b)), /unknown element type code 0x0a/],
      ["trailing", new Uint8Array([...good, 1, 2, 3]), /corrupt: 3 unexpected bytes after the 18 data bytes/],
      ["zero-dims", new Uint8Array([0, 0, 8, 0]), /has 0 dimensions/],
    ];
    for (const [name, bytes, re] of cases) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      assert.throws(() => data.readIdxFile(path), (e: unknown) => {
        assert.ok(e instanceof FluxionError, `${name}: ${e}`);
        assert.match(e.message, re, name);
        assert.ok(e.message.includes(path), `${name}: message names the file: ${e.message}`);
        return true;
      });
    }
    // a gzip stream cut short
    const gz = gzipSync(good);
    const cut = join(dir, "cut.gz");
    writeFileSync(cut, gz.subarray(0, gz.length - 10));
    assert.throws(() => data.readIdxFile(cut), new RegExp(`${cut.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is a corrupt or truncated gzip file`));
    // a gzip of a truncated IDX file is caught by the size check after decompression
    const inner = join(dir, "inner.gz");
    writeFileSync(inner, gzipSync(good.subarray(0, 20)));
    assert.throws(() => data.readIdxFile(inner), /inner\.gz: truncated: dims \[2, 3, 3\] of uint8 need 18 data bytes but only 4 follow/);
    assert.throws(() => data.readIdxFile(join(dir, "absent")), /readIdxFile: no such file: .*absent/);
  });
});

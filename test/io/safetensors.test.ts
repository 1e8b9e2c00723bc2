/** io.serialize / io.deserialize: the safetensors format in memory, against the spec and torch. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FluxionError, Tensor, io, tensor, type DType } from "../../src/index.js";
import { flat, withTempDir } from "../helpers.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures");

/** An independent reading of safetensors bytes (DataView + JSON), sharing no code with src/io. */
function parseIndependently(bytes: Uint8Array): { header: Record<string, any>; body: DataView; headerLen: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  const text = Buffer.from(bytes.subarray(8, 8 + headerLen)).toString("utf8");
  return { header: JSON.parse(text), body: new DataView(bytes.buffer, bytes.byteOffset + 8 + headerLen), headerLen };
}

/** Bit patterns of a half tensor's values, read back through data() (float32) to bits. */
function f32Bits(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => new Uint32Array(new Float32Array([v]).buffer)[0]!);
}

test("round trip keeps dtype, shape and exact values for every dtype Fluxion writes", () => {
  const cases: [DType, number[] | boolean[], number[]][] = [
    ["float32", [1.5, -0, Infinity, -Infinity, NaN, 3.4028234663852886e38, 1.401298464324817e-45], [7]],
    ["float64", [Math.PI, -0, Number.MIN_VALUE, Number.MAX_VALUE, NaN, -1e-300], [2, 3]],
    ["bfloat16", [1, -2.5, 3.140625, 65280, -Infinity, NaN], [3, 2]],
    ["float16", [0.5, -1, 65504, 6.103515625e-5, 5.960464477539063e-8, Infinity], [6]],
    ["int32", [-2147483648, -1, 0, 1, 2147483647, 12345], [2, 1, 3]],
    ["bool", [true, false, false, true], [2, 2]],
  ];
  for (const [dtype, values, shape] of cases) {
    const t = tensor(values as number[], { dtype }).reshape(shape);
    const back = io.deserialize(io.serialize({ x: t })).x!;
    assert.equal(back.dtype, dtype, dtype);
    assert.deepEqual([...back.shape], shape, dtype);
    if (dtype === "bfloat16" || dtype === "float16" || dtype === "float32") assert.deepEqual(f32Bits(back.toTypedArray()), f32Bits(t.toTypedArray()), dtype);
    else assert.deepEqual(flat(back), flat(t), dtype);
  }
});

test("serialize writes the layout of the spec: LE u64 header length, space-padded JSON, LE data at offsets", () => {
  const w = tensor([[1, 2, 3], [4, 5, 6]]); // float32
  const b = tensor([258, -1], { dtype: "int32" });
  const m = tensor([true, false, true]);
  const bytes = io.serialize({ w, b, m }, { metadata: { epoch: "3" } });
  const { header, body, headerLen } = parseIndependently(bytes);
  assert.equal(headerLen % 8, 0, "data starts 8-byte aligned");
  const headerText = Buffer.from(bytes.subarray(8, 8 + headerLen)).toString("utf8");
  assert.match(headerText, /^\{.*\} *$/, "JSON padded with trailing spaces only");
  assert.deepEqual(header.__metadata__, { epoch: "3" });
  assert.deepEqual(header.w, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header.b, { dtype: "I32", shape: [2], data_offsets: [24, 32] });
  assert.deepEqual(header.m, { dtype: "BOOL", shape: [3], data_offsets: [32, 35] });
  assert.equal(bytes.length, 8 + headerLen + 35);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => body.getFloat32(4 * i, true)), [1, 2, 3, 4, 5, 6]);
  assert.equal(body.getInt32(24, true), 258);
  assert.equal(body.getUint8(24), 2, "little-endian: low byte first");
  assert.equal(body.getInt32(28, true), -1);
  assert.deepEqual([body.getUint8(32), body.getUint8(33), body.getUint8(34)], [1, 0, 1]);
});

test("half dtypes are stored as their 16-bit patterns", () => {
  const bytes = io.serialize({ h: tensor([1, -2], { dtype: "float16" }), b: tensor([1, -2], { dtype: "bfloat16" }) });
  const { header, body } = parseIndependently(bytes);
  assert.equal(header.h.dtype, "F16");
  assert.equal(header.b.dtype, "BF16");
  const [h0, b0] = [header.h.data_offsets[0], header.b.data_offsets[0]];
  assert.deepEqual([body.getUint16(h0, true), body.getUint16(h0 + 2, true)], [0x3c00, 0xc000]);
  assert.deepEqual([body.getUint16(b0, true), body.getUint16(b0 + 2, true)], [0x3f80, 0xc000]);
});

test("views, 0-d and empty tensors and Map state dicts round trip", () => {
  const base = tensor([[1, 2, 3], [4, 5, 6]]);
  const state = new Map<string, Tensor>([
    ["transposed", base.t()],
    ["row", base.select(0, 1)],
    ["scalar", tensor(2.5)],
    ["empty", tensor([]).reshape([0, 3])],
  ]);
  const back = io.deserialize(io.serialize(state));
  assert.deepEqual(Object.keys(back), ["transposed", "row", "scalar", "empty"], "file order = dict order");
  assert.deepEqual(back.transposed!.tolist(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(back.row!.tolist(), [4, 5, 6]);
  assert.deepEqual([...back.scalar!.shape], []);
  assert.equal(back.scalar!.item(), 2.5);
  assert.deepEqual([...back.empty!.shape], [0, 3]);
});

test("metadata round trips; no metadata reads as null", () => {
  const bytes = io.serialize({ a: tensor([1]) }, { metadata: { format: "pt", step: "100" } });
  assert.deepEqual({ ...io.deserializeWithMetadata(bytes).metadata }, { format: "pt", step: "100" });
  assert.equal(io.deserializeWithMetadata(io.serialize({ a: tensor([1]) })).metadata, null);
  assert.throws(() => io.serialize({ a: tensor([1]) }, { metadata: { step: 100 as unknown as string } }), /metadata values must be strings; 'step' is number/);
});

test("non-tensor values make a structured checkpoint; what is not data is an error naming the entry", () => {
  const back = io.deserialize(io.serialize({ w: tensor([1]), lr: 0.1, nested: { a: tensor([2]) } }));
  assert.equal(back.lr, 0.1);
  assert.deepEqual(back.nested.a.tolist(), [2]);
  assert.throws(() => io.serialize({ w: tensor([1]), f: Symbol("s") as never }), (e: unknown) => {
    assert.ok(e instanceof FluxionError);
    assert.match(e.message, /cannot save 'f': a symbol is not data/);
    return true;
  });
  assert.throws(() => io.serialize({ __metadata__: tensor([1]) }), /reserved/);
});

/** Builds safetensors bytes from a header object and a body, for corrupt-file tests. */
function rawFile(header: unknown, body: Uint8Array, headerLenOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLenOverride ?? json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

test("corrupt or truncated bytes are clear errors naming the source and the problem", () => {
  const good = io.serialize({ w: tensor([[1, 2], [3, 4]]) });
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, 5), /ckpt\.st is not a valid safetensors file: truncated: 5 bytes, fewer than the 8-byte header length/],
    [good.subarray(0, 20), /truncated: header claims \d+ bytes but only 12 follow/],
    [good.subarray(0, good.length - 3), /truncated: tensor 'w' ends at data byte 16 but the file holds only 13 bytes/],
    [rawFile("{not json", new Uint8Array(0)), /header is not valid UTF-8 JSON/],
    [rawFile("[1, 2]", new Uint8Array(0)), /header is not a JSON object/],
    [rawFile({ w: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'w' \(F32, shape \[2\]\) needs 8 bytes but data_offsets \[0, 4\] span 4/],
    [rawFile({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor 'w' has an invalid shape \[-1\]/],
    [rawFile({ w: { dtype: "F32", shape: [1], data_offsets: [4, 0] } }, new Uint8Array(4)), /invalid data_offsets \[4,0\]/],
    [rawFile({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array(6)), /2 unexpected trailing bytes after the last tensor/],
    [rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [2, 6] } }, new Uint8Array(6)), /tensor 'b' overlaps/],
    [rawFile({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /a gap of 4 bytes before tensor 'a'/],
    [rawFile({ a: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor 'a' has dtype "C64", which Fluxion cannot read/],
    [rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0)), /__metadata__ must be an object of string values/],
    [rawFile("{}", new Uint8Array(0), 2 ** 40), /header length 1099511627776 is implausibly large/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => io.deserialize(bytes, "ckpt.st"), (e: unknown) => {
      assert.ok(e instanceof FluxionError, `${re}: not a FluxionError: ${e}`);
      assert.match(e.message, re);
      assert.match(e.message, /ckpt\.st/, "names the source");
      return true;
    });
  }
});

test("I64 (torch's default integer) loads as int64 exactly; U64/U32 as int64 (U64 range-checked); I8/U8 keep their dtype", () => {
  const body = new Uint8Array(24);
  const dv = new DataView(body.buffer);
  dv.setBigInt64(0, -7n, true);
  dv.setBigInt64(8, 2n ** 62n + 1n, true);
  dv.setBigInt64(16, -(2n ** 63n), true);
  const t = io.deserialize(rawFile({ idx: { dtype: "I64", shape: [3], data_offsets: [0, 24] } }, body)).idx!;
  assert.equal(t.dtype, "int64");
  assert.deepEqual(t.tolist(), [-7, 2n ** 62n + 1n, -(2n ** 63n)]);
  dv.setBigUint64(0, 5n, true);
  dv.setBigUint64(16, 2n ** 63n, true);
  const u = io.deserialize(rawFile({ u: { dtype: "U64", shape: [2], data_offsets: [0, 16] } }, body.slice(0, 16))).u!;
  assert.equal(u.dtype, "int64");
  assert.deepEqual(u.tolist(), [5, 2n ** 62n + 1n]);
  assert.throws(() => io.deserialize(rawFile({ u: { dtype: "U64", shape: [3], data_offsets: [0, 24] } }, body), "big.st"), /big\.st: tensor 'u' \(U64\) holds 9223372036854775808 at element 2, which does not fit in int64/);
  const u32 = io.deserialize(rawFile({ w: { dtype: "U32", shape: [1], data_offsets: [0, 4] } }, new Uint8Array([255, 255, 255, 255]))).w!;
  assert.equal(u32.dtype, "int64");
  assert.deepEqual(u32.tolist(), [4294967295]);
  const i8 = io.deserialize(rawFile({ b: { dtype: "I8", shape: [2], data_offsets: [0, 2] } }, new Uint8Array([255, 7]))).b!;
  assert.equal(i8.dtype, "int8");
  assert.deepEqual(i8.tolist(), [-1, 7]);
  const u8 = io.deserialize(rawFile({ b: { dtype: "U8", shape: [2], data_offsets: [0, 2] } }, new Uint8Array([255, 7]))).b!;
  assert.equal(u8.dtype, "uint8");
  assert.deepEqual(u8.tolist(), [255, 7]);
});

test("int64, uint8 and int8 round-trip through serialize/deserialize bit for bit", () => {
  const state = { l: tensor([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]), u: tensor([0, 255, 7], { dtype: "uint8" }), c: tensor([-128, 127], { dtype: "int8" }) };
  const back = io.deserialize(io.serialize(state));
  for (const [k, t] of Object.entries(state)) {
    assert.equal(back[k]!.dtype, t.dtype, k);
    assert.deepEqual(back[k]!.tolist(), t.tolist(), k);
  }
  // the header names the safetensors codes PyTorch uses
  const bytes = io.serialize(state);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual([header.l.dtype, header.u.dtype, header.c.dtype], ["I64", "U8", "I8"]);
});

test("a file written by torch (test/fixtures/io_make_safetensors.py) reads with torch's values", () => {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, "io_torch.safetensors")));
  const expected = JSON.parse(readFileSync(join(FIXTURES, "io_torch_expected.json"), "utf8"));
  const { tensors, metadata } = io.deserializeWithMetadata(bytes, "io_torch.safetensors");
  assert.deepEqual({ ...metadata }, expected.__metadata__);
  const dtypes: Record<string, DType> = { F32: "float32", F64: "float64", BF16: "bfloat16", F16: "float16", I32: "int32", BOOL: "bool", I64: "int64", U8: "uint8", I8: "int8" };
  const names = Object.keys(expected).filter((k) => k !== "__metadata__");
  assert.deepEqual(Object.keys(tensors).sort(), names.sort());
  for (const name of names) {
    const want = expected[name], got = tensors[name]!;
    assert.equal(got.dtype, dtypes[want.dtype], name);
    assert.deepEqual([...got.shape], want.shape, name);
    // float32 values: torch printed the exact float32 value as a float64, so equality is exact;
    // integers beyond 2^53 are strings in the JSON
    assert.deepEqual(exactValues(got.tolist()), want.values, name);
  }
  assert.ok(Object.is(tensors.f32!.tolist()[1][2], -0), "-0.0 keeps its sign");
  assert.deepEqual(tensors["fc.weight"]!.tolist(), [[0, 2, 4], [1, 3, 5]], "torch's transposed tensor stored row-major");
});

/** Nested values with bigints (int64 beyond 2^53) as strings, as the fixture script writes them. */
function exactValues(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(exactValues);
  return typeof v === "bigint" ? String(v) : v;
}

/** Runs the fixture script's --check mode; null when python3 with torch is not available here. */
function torchCheck(path: string): any | null {
  if (!existsSync("/usr/bin/python3")) return null;
  try {
    return JSON.parse(execFileSync("/usr/bin/python3", [join(FIXTURES, "io_make_safetensors.py"), "--check", path], { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] }));
  } catch (e) {
    if (/No module named 'torch'/.test(String((e as { stderr?: unknown }).stderr))) return null;
    throw e;
  }
}

test("a file Fluxion writes is parsed by torch (fixture script --check) to the same values", (t) => {
  withTempDir("io", (dir) => {
    const path = join(dir, "fluxion.safetensors");
    const state = {
      "fc1.weight": tensor([[0.25, -1.5], [3, 1e-3]]),
      "fc1.bias": tensor([0.1, -0.2], { dtype: "float64" }),
      half: tensor([1, -2.5, 65504], { dtype: "float16" }),
      brain: tensor([1, -2.5, 3.140625], { dtype: "bfloat16" }),
      steps: tensor([-3, 2147483647], { dtype: "int32" }),
      mask: tensor([true, false]),
      big: tensor([2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 5n]),
      pixels: tensor([0, 128, 255], { dtype: "uint8" }),
      q: tensor([-128, -1, 127], { dtype: "int8" }),
    };
    writeFileSync(path, io.serialize(state, { metadata: { framework: "fluxion" } }));
    const out = torchCheck(path);
    if (out === null) return t.skip("needs /usr/bin/python3 with torch");
    assert.deepEqual(out.__metadata__, { framework: "fluxion" });
    const codes: Record<string, string> = { "fc1.weight": "F32", "fc1.bias": "F64", half: "F16", brain: "BF16", steps: "I32", mask: "BOOL", big: "I64", pixels: "U8", q: "I8" };
    for (const [name, t] of Object.entries(state)) {
      assert.equal(out[name].dtype, codes[name], name);
      assert.deepEqual(out[name].shape, [...t.shape], name);
      assert.deepEqual(out[name].values, exactValues(t.tolist()), name);
    }
  });
});

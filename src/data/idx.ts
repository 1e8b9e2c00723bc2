/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 *
 *   bytes 0-1  zero
 *   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte  3    number of dims d
 *   4*d bytes  each dim as a big-endian uint32
 *   rest       the elements, big-endian, row-major
 *
 * `parseIdx` works on bytes (no Node); `readIdxFile` reads a file, gunzipping it when it
 * starts with the gzip magic. Every inconsistency is a FluxionError naming the file and
 * what is wrong, so a truncated download never turns into silent garbage.
 */
import { FluxionError } from "../errors.js";
import { gunzipExact, gunzipPrefix, isGzip, openRegularFile } from "../io/node_files.js";

export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxContents {
  type: IdxType;
  shape: number[];
  data: IdxArray;
}

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: "uint8", size: 1 },
  0x09: { type: "int8", size: 1 },
  0x0b: { type: "int16", size: 2 },
  0x0c: { type: "int32", size: 4 },
  0x0d: { type: "float32", size: 4 },
  0x0e: { type: "float64", size: 8 },
};

function bad(source: string, problem: string): FluxionError {
  return new FluxionError(`IDX file ${source}: ${problem}`);
}

/** What an IDX header says: the element type, the dims, and the byte counts they imply. */
export interface IdxHeader {
  type: IdxType;
  /** Bytes per element. */
  itemSize: number;
  shape: number[];
  /** 4 + 4 * ndim. */
  headerLength: number;
  /** Bytes of element data the dims call for (may exceed 2^53 for absurd dims: compare, don't index). */
  dataLength: number;
}

/** The longest possible IDX header: 4 bytes of magic and 255 dims. */
export const MAX_IDX_HEADER = 4 + 4 * 255;

/**
 * Parses an IDX header from the first bytes of a file (at least 4 + 4 * ndim of them; the
 * data need not follow). Used to check sizes before reading or inflating the rest.
 */
export function parseIdxHeader(bytes: Uint8Array, source = "<bytes>"): IdxHeader {
  if (bytes.length < 4) throw bad(source, `truncated: ${bytes.length} bytes, fewer than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw bad(source, `bad magic number ${hex} (an IDX file starts with 00 00 <type> <ndim>); is it still gzip-compressed or not an IDX file?`);
  }
  const code = bytes[2]!, ndim = bytes[3]!;
  const t = TYPES[code];
  if (!t) throw bad(source, `unknown element type code 0x${code.toString(16).padStart(2, "0")} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  if (ndim === 0) throw bad(source, "has 0 dimensions");
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) throw bad(source, `truncated: header declares ${ndim} dims (${headerLength} header bytes) but the file has ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d, false));
  const dataLength = shape.reduce((a, b) => a * b, 1) * t.size;
  return { type: t.type, itemSize: t.size, shape, headerLength, dataLength };
}

function describeHeader(h: IdxHeader): string {
  return `dims [${h.shape.join(", ")}] of ${h.type}`;
}

/** The error for `have` data bytes after a header that calls for h.dataLength. */
function sizeMismatch(h: IdxHeader, have: number, source: string): FluxionError {
  const want = h.dataLength;
  if (have < want) return bad(source, `truncated: ${describeHeader(h)} need ${want} data bytes but only ${have} follow the header (the file is incomplete; fetch it again)`);
  return bad(source, `corrupt: ${have - want} unexpected bytes after the ${want} data bytes that ${describeHeader(h)} need`);
}

/**
 * Parses IDX bytes (already decompressed).
 * @example
 * const { shape, data } = data.parseIdx(bytes, "train-labels-idx1-ubyte"); // shape [60000], data Uint8Array
 */
export function parseIdx(bytes: Uint8Array, source = "<bytes>"): IdxContents {
  const h = parseIdxHeader(bytes, source);
  const { headerLength: headerLen, dataLength: want } = h;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const numel = want / h.itemSize;
  const have = bytes.length - headerLen;
  if (have !== want) throw sizeMismatch(h, have, source);
  const body = bytes.subarray(headerLen);
  let data: IdxArray;
  switch (h.type) {
    case "uint8":
      data = body;
      break;
    case "int8":
      data = new Int8Array(body.buffer, body.byteOffset, body.length);
      break;
    case "int16":
      data = Int16Array.from({ length: numel }, (_, i) => view.getInt16(headerLen + 2 * i, false));
      break;
    case "int32":
      data = Int32Array.from({ length: numel }, (_, i) => view.getInt32(headerLen + 4 * i, false));
      break;
    case "float32":
      data = Float32Array.from({ length: numel }, (_, i) => view.getFloat32(headerLen + 4 * i, false));
      break;
    case "float64":
      data = Float64Array.from({ length: numel }, (_, i) => view.getFloat64(headerLen + 8 * i, false));
      break;
  }
  return { type: h.type, shape: h.shape, data };
}

/**
 * Reads an IDX file, raw or gzip-compressed (detected by content, not by name). The header
 * is read first and bounds everything after it: a raw file must have exactly the size its
 * dims call for (checked before reading the data), and a gzip file is inflated only up to
 * that size, so a truncated, padded or bomb file fails fast with a FluxionError. Only
 * regular files are read (not FIFOs or devices).
 * @example
 * const labels = data.readIdxFile("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
 */
export function readIdxFile(path: string): IdxContents {
  const what = "readIdxFile";
  const file = openRegularFile(path, what);
  let bytes: Uint8Array;
  try {
    const start = file.read(0, Math.min(file.size, MAX_IDX_HEADER));
    if (isGzip(start)) {
      const compressed = file.read(0, file.size);
      const h = parseIdxHeader(gunzipPrefix(compressed, MAX_IDX_HEADER, path, what), path);
      bytes = gunzipExact(compressed, h.headerLength + h.dataLength, path, what, describeHeader(h));
    } else {
      const h = parseIdxHeader(start, path);
      if (file.size - h.headerLength !== h.dataLength) throw sizeMismatch(h, file.size - h.headerLength, path);
      bytes = file.read(0, file.size);
    }
  } finally {
    file.close();
  }
  return parseIdx(bytes, path);
}

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
import { gunzip, isGzip, readFileBytes } from "../io/node_files.js";

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

/**
 * Parses IDX bytes (already decompressed).
 * @example
 * const { shape, data } = data.parseIdx(bytes, "train-labels-idx1-ubyte"); // shape [60000], data Uint8Array
 */
export function parseIdx(bytes: Uint8Array, source = "<bytes>"): IdxContents {
  if (bytes.length < 4) throw bad(source, `truncated: ${bytes.length} bytes, fewer than the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw bad(source, `bad magic number ${hex} (an IDX file starts with 00 00 <type> <ndim>); is it still gzip-compressed or not an IDX file?`);
  }
  const code = bytes[2]!, ndim = bytes[3]!;
  const t = TYPES[code];
  if (!t) throw bad(source, `unknown element type code 0x${code.toString(16).padStart(2, "0")} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  if (ndim === 0) throw bad(source, "has 0 dimensions");
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) throw bad(source, `truncated: header declares ${ndim} dims (${headerLen} header bytes) but the file has ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d, false));
  const numel = shape.reduce((a, b) => a * b, 1);
  const want = numel * t.size, have = bytes.length - headerLen;
  if (have < want) {
    throw bad(source, `truncated: dims [${shape.join(", ")}] of ${t.type} need ${want} data bytes but only ${have} follow the header (the file is incomplete; fetch it again)`);
  }
  if (have > want) throw bad(source, `corrupt: ${have - want} unexpected bytes after the ${want} data bytes that dims [${shape.join(", ")}] of ${t.type} need`);
  const body = bytes.subarray(headerLen);
  let data: IdxArray;
  switch (t.type) {
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
  return { type: t.type, shape, data };
}

/**
 * Reads an IDX file, raw or gzip-compressed (detected by content, not by name).
 * @example
 * const labels = data.readIdxFile("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
 */
export function readIdxFile(path: string): IdxContents {
  let bytes = readFileBytes(path, "readIdxFile");
  if (isGzip(bytes)) bytes = gunzip(bytes, path, "readIdxFile");
  return parseIdx(bytes, path);
}

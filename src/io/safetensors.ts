/**
 * The safetensors format, in memory: `serialize(stateDict)` -> bytes and
 * `deserialize(bytes)` -> tensors. Pure TypeScript with no Node imports, so it runs in
 * browsers too; file access lives in checkpoint.ts.
 *
 * Layout (https://github.com/huggingface/safetensors):
 *   8 bytes   little-endian u64 N, the header length
 *   N bytes   UTF-8 JSON: { "__metadata__"?: {str: str}, name: { dtype, shape, data_offsets: [begin, end] } }
 *             padded with spaces so the data starts 8-byte aligned
 *   rest      the tensors' bytes, little-endian, row-major; offsets are relative to here,
 *             contiguous and non-overlapping, covering the whole rest of the file
 *
 * Fluxion writes F32, F64, BF16, F16, I64, I32, U8, I8 and BOOL, as PyTorch's safetensors
 * does. It reads those plus U64 and U32 (to int64; U64 with a range check) and I16/U16
 * (widened to int32).
 */
import { dispatch } from "../backend/dispatcher.js";
import { FluxionError, fmtShape } from "../errors.js";
import type { DType, TypedArray } from "../tensor/dtype.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from "../tensor/half.js";
import { Tensor } from "../tensor/tensor.js";

/** A state dict: names to tensors, as a plain object or a Map (Module.stateDict() output). */
export type StateDict = Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;

/** Free-form string metadata stored in the header's `__metadata__`. */
export type Metadata = Record<string, string>;

export interface SerializeOptions {
  metadata?: Metadata;
}

/**
 * What deserialize found: the tensors (in file order) and the metadata, if any, as
 * null-prototype objects (a key may be any string, "constructor" and "__proto__" included).
 */
export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Metadata | null;
}

const WRITE_CODES: Partial<Record<DType, string>> = {
  float32: "F32",
  float64: "F64",
  bfloat16: "BF16",
  float16: "F16",
  int32: "I32",
  int64: "I64",
  uint8: "U8",
  int8: "I8",
  bool: "BOOL",
};

/** Codes Fluxion reads, with their byte size and the Fluxion dtype they load as. */
const READ_CODES: Record<string, { size: number; dtype: DType }> = {
  F32: { size: 4, dtype: "float32" },
  F64: { size: 8, dtype: "float64" },
  BF16: { size: 2, dtype: "bfloat16" },
  F16: { size: 2, dtype: "float16" },
  I32: { size: 4, dtype: "int32" },
  BOOL: { size: 1, dtype: "bool" },
  I64: { size: 8, dtype: "int64" },
  U8: { size: 1, dtype: "uint8" },
  I8: { size: 1, dtype: "int8" },
  U64: { size: 8, dtype: "int64" },
  U32: { size: 4, dtype: "int64" },
  I16: { size: 2, dtype: "int32" },
  U16: { size: 2, dtype: "int32" },
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The safetensors reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

function entriesOf(op: string, dict: StateDict): [string, Tensor][] {
  if (dict === null || typeof dict !== "object") throw new FluxionError(`${op}: expected a state dict (object or Map of name -> Tensor), got ${dict === null ? "null" : typeof dict}`);
  const entries: [string, unknown][] = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
  for (const [name, value] of entries) {
    if (!(value instanceof Tensor)) {
      const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
      throw new FluxionError(`${op}: state dict entry '${name}' is ${kind}, not a Tensor; only tensors can be saved in safetensors (put strings in metadata)`);
    }
    if (name === "__metadata__") throw new FluxionError(`${op}: '__metadata__' is reserved by the safetensors format and cannot name a tensor`);
  }
  return entries as [string, Tensor][];
}

/** A tensor's elements as little-endian bytes in row-major order. */
function tensorBytes(t: Tensor): Uint8Array {
  const raw = t._rawContiguous();
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (LITTLE_ENDIAN || raw.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length), k = raw.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += k) for (let j = 0; j < k; j++) out[i + j] = bytes[i + k - 1 - j]!;
  return out;
}

/**
 * Encodes a state dict as safetensors bytes. Tensors are written in the dict's order;
 * views are written as their values (contiguous). Works without Node (browsers).
 * @example
 * const bytes = io.serialize({ weight: tensor([[1, 2], [3, 4]]) }, { metadata: { epoch: "3" } });
 * const back = io.deserialize(bytes).weight; // tensor([[1., 2.], [3., 4.]])
 */
export function serialize(stateDict: StateDict, opts: SerializeOptions = {}): Uint8Array {
  const op = "serialize";
  const entries = entriesOf(op, stateDict);
  // null prototypes: a tensor or metadata key named "__proto__" is then an ordinary key
  // (on a plain object, assigning it would set the prototype and JSON would drop it)
  const header = Object.create(null) as Record<string, unknown>;
  if (opts.metadata !== undefined) {
    if (opts.metadata === null || typeof opts.metadata !== "object") throw new FluxionError(`${op}: metadata must be an object of strings, got ${opts.metadata === null ? "null" : typeof opts.metadata}`);
    const meta = Object.create(null) as Metadata;
    for (const [k, v] of Object.entries(opts.metadata)) {
      if (typeof v !== "string") throw new FluxionError(`${op}: metadata values must be strings; '${k}' is ${typeof v}`);
      meta[k] = v;
    }
    header.__metadata__ = meta;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    if (t.device !== "cpu") throw new FluxionError(`${op}: tensor '${name}' is on ${t.device}; move it to the CPU first (await t.toArray() / t.cpu())`);
    const code = WRITE_CODES[t.dtype];
    if (code === undefined) throw new FluxionError(`${op}: tensor '${name}' has dtype ${t.dtype}, which Fluxion cannot write to safetensors`);
    const data = tensorBytes(t);
    header[name] = { dtype: code, shape: [...t.shape], data_offsets: [offset, offset + data.length] };
    chunks.push(data);
    offset += data.length;
  }
  let json = JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) headerBytes = new TextEncoder().encode(json + " ".repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function corrupt(source: string, problem: string): FluxionError {
  return new FluxionError(`deserialize: ${source} is not a valid safetensors file: ${problem}`);
}

/** Decodes one tensor's bytes into values for the fromHost primitive. */
function decode(code: string, bytes: Uint8Array, n: number, name: string, source: string): ArrayLike<number> | ArrayLike<bigint> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // on little-endian hosts the bytes are the values; slice() makes an aligned, owned copy
  const copyAs = <A extends TypedArray | BigInt64Array>(ctor: { new (buf: ArrayBuffer): A }): A => new ctor(bytes.slice().buffer);
  switch (code) {
    case "F32":
      if (LITTLE_ENDIAN) return copyAs(Float32Array);
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, true));
    case "F64":
      if (LITTLE_ENDIAN) return copyAs(Float64Array);
      return Float64Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, true));
    case "I32":
      if (LITTLE_ENDIAN) return copyAs(Int32Array);
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true));
    case "BF16":
    case "F16": {
      // fromHost takes float values for the half dtypes and rounds them back exactly
      const conv = code === "BF16" ? bfloat16BitsToFloat32 : float16BitsToFloat32;
      return Float32Array.from({ length: n }, (_, i) => conv(view.getUint16(i * 2, true)));
    }
    case "BOOL":
    case "U8":
      return Uint8Array.from(bytes);
    case "I8":
      return Int8Array.from({ length: n }, (_, i) => view.getInt8(i));
    case "I64":
      if (LITTLE_ENDIAN) return copyAs(BigInt64Array);
      return BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(i * 8, true));
    case "U32":
      return BigInt64Array.from({ length: n }, (_, i) => BigInt(view.getUint32(i * 4, true)));
    case "I16":
      return Int32Array.from({ length: n }, (_, i) => view.getInt16(i * 2, true));
    case "U16":
      return Int32Array.from({ length: n }, (_, i) => view.getUint16(i * 2, true));
    case "U64": {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigUint64(i * 8, true);
        if (v > 0x7fffffffffffffffn) {
          throw new FluxionError(`deserialize: ${source}: tensor '${name}' (${code}) holds ${v} at element ${i}, which does not fit in int64, Fluxion's widest integer dtype`);
        }
        out[i] = v;
      }
      return out;
    }
  }
  throw corrupt(source, `unknown dtype ${code}`);
}

/**
 * The first key that occurs twice in one object of a JSON text, or null. JSON.parse keeps
 * the last duplicate silently, so a header naming a tensor twice would lose one without a
 * word. `text` must already be valid JSON (this scanner only tracks strings and nesting).
 */
export function findDuplicateKey(text: string): string | null {
  const stack: (Set<string> | null)[] = []; // a Set per open object, null per open array
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) stack.push(new Set());
    else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x22) {
      let j = i + 1, escaped = false;
      for (; text.charCodeAt(j) !== 0x22; j++) {
        if (text.charCodeAt(j) === 0x5c) {
          escaped = true;
          j++; // skip the escaped character (it may be a quote)
        }
      }
      let k = j + 1;
      while (k < text.length && " \t\n\r".includes(text[k]!)) k++;
      const keys = stack.at(-1);
      if (text[k] === ":" && keys) {
        // "a" and "\u0061" are the same key: compare decoded strings
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (keys.has(key)) return key;
        keys.add(key);
      }
      i = j;
    }
  }
  return null;
}

/** Where one tensor's bytes are in the data section, as the header says. */
export interface TensorSpec {
  name: string;
  code: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * The header length from a file's first 8 bytes, checked against the 100 MB cap and the
 * bytes that follow (`available`), before any of the header is read.
 */
export function readHeaderLength(first8: Uint8Array, available: number, source: string): number {
  if (first8.length < 8) throw corrupt(source, `truncated: ${first8.length} bytes, fewer than the 8-byte header length`);
  const headerLen = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER)) throw corrupt(source, `header length ${headerLen} is implausibly large (limit ${MAX_HEADER}); the file is corrupt or not safetensors`);
  const n = Number(headerLen);
  if (n > available) throw corrupt(source, `truncated: header claims ${n} bytes but only ${available} follow the length field`);
  return n;
}

/**
 * Parses and checks a header (the JSON after the length field) against the size of the
 * data section that follows it: dtypes, shapes, offsets, sizes, duplicate names, and that
 * the tensors tile the data section exactly. Nothing of the data is needed, so a file's
 * size is checked before its data is read.
 */
export function parseHeader(headerBytes: Uint8Array, dataLen: number, source: string): { metadata: Metadata | null; specs: TensorSpec[] } {
  let header: unknown, text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
    header = JSON.parse(text);
  } catch (e) {
    throw corrupt(source, `header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw corrupt(source, "header is not a JSON object");
  const dup = findDuplicateKey(text);
  if (dup !== null) throw corrupt(source, `the header names ${JSON.stringify(dup)} twice`);

  let metadata: Metadata | null = null;
  const specs: TensorSpec[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== "string")) {
        throw corrupt(source, "__metadata__ must be an object of string values");
      }
      metadata = Object.assign(Object.create(null) as Metadata, raw as Metadata);
      continue;
    }
    const spec = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) throw corrupt(source, `entry '${name}' is not an object`);
    const code = spec.dtype;
    if (typeof code !== "string" || !Object.hasOwn(READ_CODES, code)) {
      throw new FluxionError(`deserialize: ${source}: tensor '${name}' has dtype ${JSON.stringify(code)}, which Fluxion cannot read (supported: ${Object.keys(READ_CODES).join(", ")})`);
    }
    const shape = spec.shape, offs = spec.data_offsets;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw corrupt(source, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((s) => Number.isSafeInteger(s) && s >= 0) || offs[0] > offs[1]) {
      throw corrupt(source, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    const want = numel * READ_CODES[code]!.size;
    if (offs[1] - offs[0] !== want) {
      throw corrupt(source, `tensor '${name}' (${code}, shape ${fmtShape(shape)}) needs ${want} bytes but data_offsets [${offs[0]}, ${offs[1]}] span ${offs[1] - offs[0]}`);
    }
    if (offs[1] > dataLen) {
      throw corrupt(source, `truncated: tensor '${name}' ends at data byte ${offs[1]} but the file holds only ${dataLen} bytes of tensor data`);
    }
    specs.push({ name, code, shape: shape as number[], begin: offs[0], end: offs[1] });
  }
  // the format requires the tensors to tile the data section exactly
  const sorted = [...specs].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of sorted) {
    if (s.begin !== cursor) throw corrupt(source, s.begin < cursor ? `tensor '${s.name}' overlaps the previous tensor's bytes` : `a gap of ${s.begin - cursor} bytes before tensor '${s.name}'`);
    cursor = s.end;
  }
  if (cursor !== dataLen) throw corrupt(source, `${dataLen - cursor} unexpected trailing bytes after the last tensor`);
  return { metadata, specs };
}

/**
 * The tensors of a data section laid out by parseHeader's specs, as a null-prototype
 * object (in file order): a tensor may be named "constructor" or "__proto__".
 */
export function decodeTensors(specs: readonly TensorSpec[], data: Uint8Array, source: string): Record<string, Tensor> {
  const out = Object.create(null) as Record<string, Tensor>;
  for (const s of specs) {
    const { dtype } = READ_CODES[s.code]!;
    const numel = s.shape.reduce((a, b) => a * b, 1);
    const values = decode(s.code, data.subarray(s.begin, s.end), numel, s.name, source);
    out[s.name] = dispatch("fromHost", [], { data: values, shape: s.shape, dtype }, "cpu");
  }
  return out;
}

/**
 * Decodes safetensors bytes into tensors and metadata (both null-prototype objects, so any
 * name is safe). Every structural problem (truncated bytes, bad JSON, a name given twice,
 * offsets that overlap or run past the end, sizes that disagree with the shape) is a
 * FluxionError naming `source` and the problem.
 * @example
 * const { tensors, metadata } = io.deserializeWithMetadata(bytes);
 */
export function deserializeWithMetadata(bytes: Uint8Array, source = "<bytes>"): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new FluxionError(`deserialize: expected a Uint8Array of safetensors bytes, got ${bytes === null ? "null" : typeof bytes}`);
  const n = readHeaderLength(bytes.subarray(0, 8), bytes.length - 8, source);
  const dataStart = 8 + n;
  const { metadata, specs } = parseHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, source);
  return { tensors: decodeTensors(specs, bytes.subarray(dataStart), source), metadata };
}

/**
 * Decodes safetensors bytes into a state dict (name -> Tensor). Needs no Node.
 * @example
 * const state = io.deserialize(new Uint8Array(await (await fetch("model.safetensors")).arrayBuffer()));
 * model.loadStateDict(state);
 */
export function deserialize(bytes: Uint8Array, source = "<bytes>"): Record<string, Tensor> {
  return deserializeWithMetadata(bytes, source).tensors;
}

/**
 * The ONNX protobuf messages Fluxion writes (a subset of onnx/onnx.proto3: ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto and the type/shape
 * messages), encoded with protobufjs's minimal runtime (its Writer does the wire format:
 * varints, lengths, packed fields). Field numbers are ONNX's; only what the exporter emits
 * is here. Pure (no Node): encoding works in a browser too.
 */
import protobuf from "protobufjs/minimal.js";

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, bfloat16: 16 } as const;

export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  dataType: number;
  /** Little-endian element bytes (raw_data). */
  raw: Uint8Array;
}

export type OnnxAttr =
  | { name: string; type: "float"; value: number }
  | { name: string; type: "int"; value: number }
  | { name: string; type: "string"; value: string }
  | { name: string; type: "tensor"; value: OnnxTensor }
  | { name: string; type: "floats"; value: readonly number[] }
  | { name: string; type: "ints"; value: readonly number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs: readonly OnnxAttr[];
  docString?: string;
}

export interface OnnxValueInfo {
  name: string;
  elemType: number;
  /** A number, or a name for a symbolic (dynamic) dimension. */
  dims: readonly (number | string)[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  docString?: string;
}

type Writer = protobuf.Writer;
const VARINT = 0, FIXED32 = 5, LEN = 2;
const tag = (field: number, wire: number) => (field << 3) | wire;

function str(w: Writer, field: number, s: string): void {
  w.uint32(tag(field, LEN)).string(s);
}
function msg(w: Writer, field: number, body: (w: Writer) => void): void {
  w.uint32(tag(field, LEN)).fork();
  body(w);
  w.ldelim();
}
function int64(w: Writer, field: number, v: number): void {
  w.uint32(tag(field, VARINT)).int64(v);
}
function packedInt64(w: Writer, field: number, vs: readonly number[]): void {
  if (vs.length === 0) return;
  w.uint32(tag(field, LEN)).fork();
  for (const v of vs) w.int64(v);
  w.ldelim();
}

function tensor(w: Writer, t: OnnxTensor): void {
  packedInt64(w, 1, t.dims); // dims
  w.uint32(tag(2, VARINT)).int32(t.dataType); // data_type
  str(w, 8, t.name); // name
  w.uint32(tag(9, LEN)).bytes(t.raw); // raw_data
}

const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function attribute(w: Writer, a: OnnxAttr): void {
  str(w, 1, a.name);
  switch (a.type) {
    case "float": w.uint32(tag(2, FIXED32)).float(a.value); break;
    case "int": int64(w, 3, a.value); break;
    case "string": w.uint32(tag(4, LEN)).bytes(new TextEncoder().encode(a.value)); break;
    case "tensor": msg(w, 5, (w) => tensor(w, a.value)); break;
    case "floats":
      w.uint32(tag(7, LEN)).fork();
      for (const f of a.value) w.float(f);
      w.ldelim();
      break;
    case "ints": packedInt64(w, 8, a.value); break;
  }
  w.uint32(tag(20, VARINT)).int32(ATTR_TYPE[a.type]);
}

function node(w: Writer, n: OnnxNode): void {
  for (const i of n.inputs) str(w, 1, i);
  for (const o of n.outputs) str(w, 2, o);
  str(w, 3, n.name);
  str(w, 4, n.opType);
  for (const a of n.attrs) msg(w, 5, (w) => attribute(w, a));
  if (n.docString) str(w, 6, n.docString);
}

function valueInfo(w: Writer, v: OnnxValueInfo): void {
  str(w, 1, v.name);
  msg(w, 2, (w) => // TypeProto
    msg(w, 1, (w) => { // TypeProto.Tensor
      w.uint32(tag(1, VARINT)).int32(v.elemType);
      msg(w, 2, (w) => { // TensorShapeProto
        for (const d of v.dims) msg(w, 1, (w) => (typeof d === "number" ? int64(w, 1, d) : str(w, 2, d)));
      });
    }));
}

/** The model as ONNX protobuf bytes. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = protobuf.Writer.create();
  int64(w, 1, m.irVersion); // ir_version
  str(w, 2, m.producerName);
  str(w, 3, m.producerVersion);
  if (m.docString) str(w, 6, m.docString);
  msg(w, 7, (w) => { // graph
    for (const n of m.nodes) msg(w, 1, (w) => node(w, n));
    str(w, 2, m.graphName);
    for (const t of m.initializers) msg(w, 5, (w) => tensor(w, t));
    for (const i of m.inputs) msg(w, 11, (w) => valueInfo(w, i));
    for (const o of m.outputs) msg(w, 12, (w) => valueInfo(w, o));
  });
  msg(w, 8, (w) => { // opset_import: the default domain
    str(w, 1, "");
    int64(w, 2, m.opsetVersion);
  });
  const bytes = w.finish();
  // protobufjs hands back a Node Buffer under Node: give a plain Uint8Array everywhere
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

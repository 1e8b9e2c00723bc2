/** Test helper: writes IDX bytes independently of src/data/idx.ts (big-endian via DataView). */
/** Writes an IDX file's bytes: magic 00 00 <code> <ndim>, big-endian dims, big-endian values. */
export function idxBytes(code: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[code]!;
  const out = new Uint8Array(4 + 4 * shape.length + size * values.length);
  const dv = new DataView(out.buffer);
  out[2] = code;
  out[3] = shape.length;
  shape.forEach((s, d) => dv.setUint32(4 + 4 * d, s, false));
  const at = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const o = at + size * i;
    if (code === 0x08) dv.setUint8(o, v);
    else if (code === 0x09) dv.setInt8(o, v);
    else if (code === 0x0b) dv.setInt16(o, v, false);
    else if (code === 0x0c) dv.setInt32(o, v, false);
    else if (code === 0x0d) dv.setFloat32(o, v, false);
    else dv.setFloat64(o, v, false);
  });
  return out;
}

/**
 * torch.save-style checkpoints in safetensors: a dict of tensors plus plain values, such as
 * `{ epoch, loss, model: model.stateDict(), optimizer: optimizer.stateDict() }`.
 *
 * The tensors go into the file as ordinary safetensors entries named by their path
 * ("model/fc1.weight", "optimizer/state/0/momentumBuffer"), so PyTorch's
 * `safetensors.torch.load_file` reads them; the rest of the structure (numbers, strings,
 * booleans, null, arrays, objects, Maps, bigints, and where each tensor goes) is JSON in the
 * header's metadata under STRUCTURE_KEY. A flat name -> Tensor dict is written as a plain
 * safetensors file, exactly as before. Pure TypeScript, no Node (browsers too).
 */
import { FluxionError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { deserializeWithMetadata, serialize, type Metadata, type SafetensorsContents, type SerializeOptions } from "./safetensors.js";

/** The metadata key holding the structure of a checkpoint that is more than name -> Tensor. */
export const STRUCTURE_KEY = "fluxion.structure";

/**
 * What io.save accepts: a state dict, or tensors, numbers, strings, booleans, bigints and null
 * in (nested) arrays, plain objects and Maps. Checked at run time, naming the path of
 * anything else (a Module, a function, a class instance).
 */
export type Checkpoint = object;

/** True for a name -> Tensor dict (object or Map), which is written as plain safetensors. */
export function isFlatStateDict(x: unknown): x is Record<string, Tensor> | ReadonlyMap<string, Tensor> {
  if (x instanceof Map) return [...x.values()].every((v) => v instanceof Tensor);
  if (typeof x !== "object" || x === null || Array.isArray(x) || x instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(x).every((v) => v instanceof Tensor);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Keys starting with "$" are escaped with another "$", so they cannot pass for markers. */
const escapeKey = (k: string) => (k.startsWith("$") ? `$${k}` : k);
const unescapeKey = (k: string) => (k.startsWith("$$") ? k.slice(1) : k);

/**
 * Splits a checkpoint into its tensors (by path) and a JSON structure that refers to them.
 * The same Tensor object reached twice is stored once. Throws a FluxionError naming the path
 * of anything that cannot be saved (a Module, a function, a class instance, a cycle).
 */
export function packCheckpoint(op: string, value: unknown): { tensors: Map<string, Tensor>; structure: string } {
  const tensors = new Map<string, Tensor>();
  const seen = new Map<Tensor, string>();
  const active = new Set<object>();
  const where = (path: string[]) => (path.length ? `'${path.join("/")}'` : "the checkpoint");
  const encode = (v: unknown, path: string[]): Json => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return v as Json;
    if (typeof v === "number") return Number.isFinite(v) ? v : { $number: String(v) };
    if (typeof v === "bigint") return { $bigint: v.toString() };
    if (v instanceof Tensor) {
      let key = seen.get(v);
      if (key === undefined) {
        key = path.join("/") || "tensor";
        while (tensors.has(key)) key += "_";
        tensors.set(key, v);
        seen.set(v, key);
      }
      return { $tensor: key };
    }
    if ((typeof v === "object" || typeof v === "function") && typeof (v as { stateDict?: unknown }).stateDict === "function") {
      throw new FluxionError(`${op}: cannot save ${where(path)}: a ${(v as object).constructor?.name ?? "module"} is not plain data; save its stateDict() instead`);
    }
    if (typeof v !== "object") throw new FluxionError(`${op}: cannot save ${where(path)}: a ${typeof v} is not data (save numbers, strings, booleans, tensors, and arrays, objects or Maps of them)`);
    if (active.has(v)) throw new FluxionError(`${op}: cannot save ${where(path)}: the checkpoint refers to itself (a cycle)`);
    active.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => (x === undefined ? null : encode(x, [...path, String(i)])));
      if (v instanceof Map) {
        return { $map: [...v].map(([k, x], i) => {
          if (typeof k !== "string" && typeof k !== "number") throw new FluxionError(`${op}: cannot save ${where(path)}: Map keys must be strings or numbers, key ${i} is ${typeof k}`);
          return [k, encode(x, [...path, String(k)])];
        }) };
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new FluxionError(`${op}: cannot save ${where(path)}: a ${(v as object).constructor?.name ?? "object"} is not plain data`);
      }
      const out: { [k: string]: Json } = Object.create(null);
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[escapeKey(k)] = encode(x, [...path, k]);
      return out;
    } finally {
      active.delete(v);
    }
  };
  const structure = JSON.stringify(encode(value, []));
  return { tensors, structure };
}

/** Rebuilds a checkpoint from its structure and tensors (objects are null-prototype, as state dicts are). */
export function unpackCheckpoint(structure: string, tensors: Readonly<Record<string, Tensor>>, source: string): unknown {
  let json: Json;
  try {
    json = JSON.parse(structure) as Json;
  } catch (e) {
    throw new FluxionError(`load: ${source}: the checkpoint structure in the metadata is not valid JSON (${(e as Error).message})`);
  }
  const decode = (v: Json): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(decode);
    if (typeof v.$tensor === "string") {
      const t = tensors[v.$tensor];
      if (!t) throw new FluxionError(`load: ${source}: the checkpoint structure refers to tensor '${v.$tensor}', which the file does not hold`);
      return t;
    }
    if (typeof v.$number === "string") return Number(v.$number);
    if (typeof v.$bigint === "string") return BigInt(v.$bigint);
    if (Array.isArray(v.$map)) return new Map((v.$map as [string, Json][]).map(([k, x]) => [k, decode(x)]));
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, x] of Object.entries(v)) out[unescapeKey(k)] = decode(x);
    return out;
  };
  return decode(json);
}

/** The metadata with the structure added; the key is reserved. */
export function withStructure(op: string, metadata: Metadata | undefined, structure: string): Metadata {
  if (metadata && Object.hasOwn(metadata, STRUCTURE_KEY)) throw new FluxionError(`${op}: the metadata key '${STRUCTURE_KEY}' is reserved for the checkpoint's structure`);
  return { ...metadata, [STRUCTURE_KEY]: structure };
}

export interface SaveOptions extends SerializeOptions {
  /** "safetensors" (the only format): stated to save under a .pt/.pth name without a warning. */
  format?: "safetensors";
}

/** Safetensors bytes for a checkpoint: plain for a flat state dict, with the structure otherwise. */
export function encodeCheckpoint(op: string, obj: unknown, opts: SaveOptions): Uint8Array {
  if (opts.format !== undefined && opts.format !== "safetensors") throw new FluxionError(`${op}: format must be "safetensors" (the only format Fluxion writes), got ${JSON.stringify(opts.format)}`);
  const meta = opts.metadata;
  if (isFlatStateDict(obj)) return serialize(obj, { metadata: meta });
  if (obj === undefined) throw new FluxionError(`${op}: nothing to save (got undefined)`);
  const { tensors, structure } = packCheckpoint(op, obj);
  return serialize(tensors, { metadata: withStructure(op, meta, structure) });
}

/** The checkpoint a file's tensors and metadata hold. */
export function decodeCheckpoint(contents: SafetensorsContents, source: string): unknown {
  const structure = contents.metadata?.[STRUCTURE_KEY];
  return structure === undefined ? contents.tensors : unpackCheckpoint(structure, contents.tensors, source);
}

/**
 * In memory: a checkpoint (a state dict, or a dict of state dicts, tensors and plain values)
 * as safetensors bytes. Needs no Node.
 * @example
 * const bytes = io.serialize({ step: 10, model: model.stateDict() });
 */
export function serializeCheckpoint(obj: Checkpoint, opts: SaveOptions = {}): Uint8Array {
  return encodeCheckpoint("serialize", obj, opts);
}

/**
 * In memory: the checkpoint that safetensors bytes hold (a state dict, or the structure
 * serialize was given). Needs no Node.
 * @example
 * model.loadStateDict(io.deserialize(bytes));
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function deserializeCheckpoint(bytes: Uint8Array, source = "<bytes>"): any {
  return decodeCheckpoint(deserializeWithMetadata(bytes, source), source);
}

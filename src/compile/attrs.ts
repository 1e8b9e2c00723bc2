/**
 * Which attribute values are structure and which are JS scalars (graph inputs).
 *
 * Structure (part of a graph's cache key): op names, shapes, axes, strides, offsets, dtypes,
 * kernel geometry, string modes, and the identity of objects such as Generators (numbered in
 * order of first use, so a call with another generator in the same place still matches).
 * Scalars (not in the key; each call's own values run): the numbers at the paths below —
 * unary/binary params (clamp bounds, slopes, alpha), `full` and `pad` values, random
 * distribution parameters, range start/step/end. Any numeric attribute of a primitive not
 * listed here (one added later) counts as structure: a changed value recompiles, never reuses.
 *
 * As torch-xla does, the special scalars 0 and 1 are keyed by value, so passes may simplify
 * x*1 or fold zeros(); every other scalar is keyed only as "a scalar".
 */

/** Whether attribute `path` (dot-joined keys; array items share their array's path) of `op` holds scalars. */
export function isScalarPath(op: string, path: string): boolean {
  switch (op) {
    case "unary":
    case "binary":
      return path === "params";
    case "full":
    case "pad":
      return path === "value";
    case "random":
      return path === "dist.low" || path === "dist.high" || path === "dist.mean" || path === "dist.std";
    case "range":
      return path === "start" || path === "step" || path === "end";
    case "fusedProgram":
      return path === "scalars";
    default:
      return false;
  }
}

/** 0 and 1 are keyed by value (positive zero only); every other scalar is a graph input. */
export function isSpecialScalar(v: number | bigint): boolean {
  return typeof v === "bigint" ? v === 0n || v === 1n : Object.is(v, 0) || v === 1;
}

export interface EncodeContext {
  /** The scalars met, in order (this call's values). */
  scalars: (number | bigint)[];
  /** Objects (generators) numbered by first use. */
  objects: Map<object, number>;
  /** For CSE: key each non-special scalar by its slot (never equal to another) rather than "$". */
  slotted?: boolean;
}

/**
 * Strings in a key (op names, attribute names, modes, dtypes, devices) as numbers, the same
 * for the whole process: a key is an array of numbers, compared and hashed as such (a cache
 * lookup of a 1000-node graph costs microseconds, where strings would first be built and
 * flattened).
 */
const interned = new Map<string, number>();
export function intern(s: string): number {
  let id = interned.get(s);
  if (id === undefined) interned.set(s, (id = interned.size));
  return id;
}

/**
 * Tags of the key's prefix code: each value starts with one, so two different attribute
 * objects never encode to the same numbers.
 */
const K = {
  Num: -1, NegZero: -2, NaN: -3, Big: -4, Str: -5, True: -6, False: -7, Null: -8, Undef: -9,
  Arr: -10, Obj: -11, End: -12, Id: -13, Scalar: -14, Scalar0: -15, Scalar1: -16, BigScalar: -17, BigScalar0: -18, BigScalar1: -19, Slot: -20,
} as const;

function encNum(v: number | bigint, out: number[]): void {
  if (typeof v === "bigint") out.push(K.Big, intern(String(v)));
  else if (Number.isNaN(v)) out.push(K.NaN);
  else if (Object.is(v, -0)) out.push(K.NegZero);
  else out.push(K.Num, v);
}

/** The ops isScalarPath has cases for (keep the two together): only theirs need each attribute's path built. */
const SCALAR_OPS = new Set(["unary", "binary", "full", "pad", "random", "range", "fusedProgram"]);

/** `path` is null for an op without scalar paths (no attribute is a scalar: no paths built). */
function enc(op: string, v: unknown, path: string | null, ctx: EncodeContext, out: number[]): void {
  if (typeof v === "number" || typeof v === "bigint") {
    if (path === null || !isScalarPath(op, path)) return encNum(v, out);
    const slot = ctx.scalars.push(v) - 1;
    const big = typeof v === "bigint";
    if (isSpecialScalar(v)) out.push(big ? (v === 0n ? K.BigScalar0 : K.BigScalar1) : v === 0 ? K.Scalar0 : K.Scalar1);
    else if (ctx.slotted) out.push(K.Slot, slot);
    else out.push(big ? K.BigScalar : K.Scalar);
    return;
  }
  if (typeof v === "string") return void out.push(K.Str, intern(v));
  if (typeof v === "boolean") return void out.push(v ? K.True : K.False);
  if (v === null) return void out.push(K.Null);
  if (v === undefined) return void out.push(K.Undef);
  if (Array.isArray(v)) {
    out.push(K.Arr, v.length);
    for (let i = 0; i < v.length; i++) enc(op, v[i], path, ctx, out);
    return;
  }
  if (typeof v === "object" && !ArrayBuffer.isView(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      out.push(K.Obj);
      for (const k in v as Record<string, unknown>) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) continue;
        out.push(intern(k));
        enc(op, x, path === null ? null : path ? `${path}.${k}` : k, ctx, out);
      }
      out.push(K.End);
      return;
    }
  }
  // any other object (a Generator): by identity
  let id = ctx.objects.get(v as object);
  if (id === undefined) ctx.objects.set(v as object, (id = ctx.objects.size));
  out.push(K.Id, id);
}

/** Appends the structural encoding of a node's attributes to `out`; pushes its scalars onto ctx.scalars. */
export function encodeAttrs(op: string, attrs: unknown, ctx: EncodeContext, out: number[]): void {
  enc(op, attrs, SCALAR_OPS.has(op) ? "" : null, ctx, out);
}

/** The JS scalars of a node's attributes, in encoding order. */
export function scalarsOf(op: string, attrs: unknown): (number | bigint)[] {
  const ctx: EncodeContext = { scalars: [], objects: new Map() };
  enc(op, attrs, SCALAR_OPS.has(op) ? "" : null, ctx, []);
  return ctx.scalars;
}

function structuralNumber(v: number | bigint): string {
  if (typeof v === "bigint") return `${v}n`;
  return Object.is(v, -0) ? "-0" : String(v);
}

function show(op: string, v: unknown, path: string, counter: { n: number }): string {
  if (typeof v === "number" || typeof v === "bigint") {
    if (!isScalarPath(op, path)) return structuralNumber(v);
    return isSpecialScalar(v) ? String(v) : `$${counter.n++}=${v}`;
  }
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => show(op, x, path, counter)).join(", ")}]`;
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      const parts: string[] = [];
      for (const k in v as Record<string, unknown>) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) parts.push(`${k}: ${show(op, x, path ? `${path}.${k}` : k, counter)}`);
      }
      return `{${parts.join(", ")}}`;
    }
    return (v as object).constructor?.name ?? "object";
  }
  return String(v);
}

/**
 * Attributes for printing: `{op: mul, params: [$2=0.9]}`; a JS scalar input shows its number
 * (counted across the graph by `counter`) and this recording's value; 0 and 1, keyed by
 * value, print plainly. Empty attrs print "".
 */
export function formatAttrs(op: string, attrs: unknown, counter: { n: number }): string {
  if (op === "fusedProgram") return formatProgram(attrs as FusedProgramView, counter);
  if (attrs === null || typeof attrs !== "object" || Object.keys(attrs as object).every((k) => (attrs as Record<string, unknown>)[k] === undefined)) return "";
  return show(op, attrs, "", counter);
}

interface FusedProgramView {
  shape: readonly number[];
  code: readonly { op: string; input?: number; slot?: number; fn?: string; a?: number; b?: number; params?: readonly number[] }[];
  scalars: readonly number[];
  outputs: readonly { reg: number; inPlace?: number }[];
}

/**
 * A fused program (passes/fuse_elementwise.ts) on one line: `{[64,128]: r2 = mul(in0, in1);
 * r3 = addScaled(r0, r2, $4=-0.01) -> r2, r3 into in0}` (registers rK, inputs inK, JS scalars,
 * whether an op's parameter or a scalar operand: `mul(in0, $5=0.9)`).
 */
function formatProgram(a: FusedProgramView, counter: { n: number }): string {
  const scalar = a.scalars.map((v) => (isSpecialScalar(v) ? String(v) : `$${counter.n++}=${v}`));
  const reg = (r: number) => {
    const ins = a.code[r]!;
    return ins.op === "load" ? `in${ins.input}` : ins.op === "scalar" ? scalar[ins.slot!]! : `r${r}`;
  };
  const lines: string[] = [];
  a.code.forEach((ins, k) => {
    if (ins.op === "load" || ins.op === "scalar") return;
    const args = [ins.a!, ...(ins.op === "binary" ? [ins.b!] : [])].map(reg);
    for (const p of ins.params ?? []) args.push(scalar[p]!);
    lines.push(`r${k} = ${ins.fn}(${args.join(", ")})`);
  });
  const outs = a.outputs.map((o) => (o.inPlace !== undefined ? `${reg(o.reg)} into in${o.inPlace}` : reg(o.reg)));
  return `{[${a.shape.join(",")}]: ${lines.join("; ")} -> ${outs.join(", ")}}`;
}

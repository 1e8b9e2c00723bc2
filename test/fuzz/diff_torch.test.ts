/**
 * Differential fuzz against PyTorch 1.13: every case of test/fixtures/diff_fuzz_torch.json
 * (written by diff_fuzz_torch.py from a fixed seed: elementwise, comparison, bitwise, integer
 * division, pow, reductions, softmax, matmul, shape and indexing ops on random shapes, dtypes,
 * layouts and special values) is replayed in Fluxion, as the method or the function the case
 * names, on inputs built with the same views (transposed, strided, expanded). The result must
 * have PyTorch's dtype, shape and values: integers and bools exactly, floats within a few
 * ulps (reductions and products within rounding of their inputs' size), NaN where NaN,
 * infinities and the sign of zero exactly. Where PyTorch raises, Fluxion must raise a
 * FluxionError. The only exceptions are ALLOWED's documented differences.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { FluxionError, Tensor, tensor, type DType } from "../../src/index.js";

type Raw = number | string | boolean | null | Raw[];
interface TEnc { dtype: DType; shape: number[]; v: Raw[]; lay: "c" | "t" | "s" | "e"; bs?: number[] }
type Arg = { t: TEnc } | { s: Raw; k: "int" | "float" | "bool" } | { list: Arg[] } | { dtype: DType } | Raw;
interface Out { dtype: string; shape: number[]; v: Raw[] }
type Result = Out | { list: Result[] };
interface Case {
  id: number;
  fam: string;
  op: string;
  fx: string;
  call: "m" | "f";
  args: Arg[];
  kw: Record<string, Arg>;
  out?: Result;
  err?: string;
  msg?: string;
  /** Where Fluxion differs on purpose (altWhy says how), the result it should give. */
  alt?: Result;
  altWhy?: "int32-index" | "view-flatten";
}

const FIX = JSON.parse(readFileSync(new URL("../fixtures/diff_fuzz_torch.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

// ---- decoding ------------------------------------------------------------------------------

function num(v: Raw): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (v === "-0") return -0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") return Number(v);
  return v as number;
}

function big(v: Raw): bigint {
  return typeof v === "boolean" ? BigInt(v ? 1 : 0) : BigInt(v as number | string);
}

function baseTensor(dtype: DType, v: Raw[], shape: number[]): Tensor {
  switch (dtype) {
    case "bool": return tensor(v as boolean[], { shape, dtype: "bool" });
    case "float32": return tensor(Float32Array.from(v, num), { shape });
    case "float64": return tensor(Float64Array.from(v, num), { shape });
    case "int32": return tensor(Int32Array.from(v, num), { shape });
    case "int8": return tensor(Int8Array.from(v, num), { shape });
    case "uint8": return tensor(Uint8Array.from(v, num), { shape });
    case "int64": return tensor(BigInt64Array.from(v, big), { shape });
    default: throw new Error(`fixture dtype ${dtype}`);
  }
}

/** The input as the case made it: contiguous, transposed storage, every other element, or expanded. */
function makeTensor(e: TEnc): Tensor {
  const base = baseTensor(e.dtype, e.v, e.lay === "e" ? e.bs! : e.shape);
  switch (e.lay) {
    case "c": return base;
    case "t": return base.transpose(-1, -2).contiguous().transpose(-1, -2);
    case "s": return fx.stack([base, fx.zerosLike(base)], -1).select(-1, 0);
    case "e": return base.expand(e.shape);
  }
}

function decode(a: Arg): unknown {
  if (a === null || typeof a !== "object" || Array.isArray(a)) return a;
  if ("t" in a) return makeTensor(a.t);
  if ("s" in a) return a.k === "bool" ? a.s : num(a.s);
  if ("list" in a) return a.list.map(decode);
  if ("dtype" in a) return a.dtype;
  throw new Error(`fixture argument ${JSON.stringify(a)}`);
}

function run(c: Case): unknown {
  const args = c.args.map(decode);
  const kwKeys = Object.keys(c.kw);
  const kw = Object.fromEntries(kwKeys.map((k) => [k, decode(c.kw[k]!)]));
  const tail = kwKeys.length ? [kw] : [];
  if (c.call === "m") {
    const self = args[0] as Record<string, unknown>;
    const f = self[c.fx];
    if (typeof f !== "function") throw new Error(`Tensor.${c.fx} is not a method`);
    return (f as (...a: unknown[]) => unknown).apply(self, [...args.slice(1), ...tail]);
  }
  const f = (fx as unknown as Record<string, unknown>)[c.fx];
  if (typeof f !== "function") throw new Error(`fx.${c.fx} is not a function`);
  return (f as (...a: unknown[]) => unknown)(...args, ...tail);
}

// ---- documented differences ---------------------------------------------------------------

const tensorArgs = (c: Case): TEnc[] => {
  const out: TEnc[] = [];
  const walk = (a: Arg) => {
    if (a && typeof a === "object" && !Array.isArray(a)) {
      if ("t" in a) out.push(a.t);
      else if ("list" in a) a.list.forEach(walk);
    }
  };
  c.args.forEach(walk);
  Object.values(c.kw).forEach(walk);
  return out;
};
const hasIntScalar = (c: Case) => [...c.args, ...Object.values(c.kw)].some((a) => a !== null && typeof a === "object" && !Array.isArray(a) && "s" in a && a.k === "int");

/** What Fluxion should do instead of what PyTorch does, by a documented difference. */
interface Allowance {
  reason: string;
  /** The expected result under the difference, or null where it does not apply. */
  expect?(c: Case): Result | null;
  /** Whether Fluxion is to raise (a FluxionError) where PyTorch returns. */
  raises?(c: Case): boolean;
}

const numel = (r: Result): number => ("list" in r ? r.list.reduce((a, x) => a + numel(x), 0) : r.shape.reduce((a, b) => a * b, 1));

const toInt32 = (o: Out): Out => ({ dtype: "int32", shape: o.shape, v: o.v.map((x) => Number(BigInt.asIntN(32, big(x)))) });

const ALLOWED: Allowance[] = [
  {
    reason: "indices Fluxion returns (argmax, argmin, max/min along a dim) are int32, Fluxion's default integer dtype (README, Integer dtypes)",
    expect(c) {
      if (!c.out) return null;
      if ((c.op === "argmax" || c.op === "argmin") && "dtype" in c.out) return toInt32(c.out);
      if ((c.op === "max" || c.op === "min") && "list" in c.out) return { list: [c.out.list[0]!, toInt32(c.out.list[1] as Out)] };
      return null;
    },
  },
  {
    reason: "a JS integer scalar within int32's range is int32 where Python's int is int64: a bool tensor with such a number, or such integer scalars alone, give int32 (README, Promotion; beyond int32 it is int64, as PyTorch)",
    expect(c) {
      if (!c.out || !("dtype" in c.out) || c.out.dtype !== "int64" || !hasIntScalar(c)) return null;
      // (where's condition does not take part in the promotion)
      if (tensorArgs(c).some((t) => t.dtype !== "bool" && !(c.op === "where" && t === (c.args[0] as { t: TEnc }).t))) return null;
      return toInt32(c.out);
    },
  },
  {
    reason: "index tensors may be int32 as well as int64 (docs/design.md, Integer dtypes); PyTorch 1.13 wants int64 for gather, take and take_along_dim",
    expect: (c) => (c.altWhy === "int32-index" ? c.alt! : null),
  },
  {
    reason: "takeAlongDim without dim flattens any input; PyTorch 1.13's view(-1) refuses a non-contiguous one (docs/pytorch.md)",
    expect: (c) => (c.altWhy === "view-flatten" ? c.alt! : null),
  },
  {
    reason: "maskedSelect takes bool masks only; PyTorch 1.13 still takes uint8 with a deprecation warning (docs/pytorch.md)",
    raises: (c) => c.op === "masked_select" && (c.args[1] as { t: TEnc }).t.dtype === "uint8",
  },
  {
    reason: "PyTorch 1.13 skips some checks for an empty input and returns it (softmax of an integer tensor, triu/tril below 2-D, gather with a float index, nansum of floats into an integer dtype, roll's dims, the matmul family's dtypes); Fluxion checks the same whatever the size (docs/pytorch.md)",
    raises: (c) => ["softmax", "log_softmax", "triu", "tril", "gather", "nansum", "roll", "mm", "matmul", "bmm", "mv", "dot"].includes(c.op) && c.out !== undefined && numel(c.out) === 0,
  },
  {
    reason: "argmax/argmin of a bool tensor raise; PyTorch 1.13 skips its dtype check when the reduced dim has size 1 (docs/pytorch.md)",
    raises: (c) => {
      if ((c.op !== "argmax" && c.op !== "argmin") || !c.out || (c.args[0] as { t: TEnc }).t.dtype !== "bool") return false;
      const shape = (c.args[0] as { t: TEnc }).t.shape, d = c.args[1];
      return typeof d === "number" && (shape.length === 0 || shape.at(d) === 1);
    },
  },
  {
    reason: "indexSelect of a 0-d input takes exactly one index; PyTorch 1.13 returns the 0-d input for any number of zeros, and uninitialized memory for none (docs/pytorch.md)",
    raises: (c) => c.op === "index_select" && "t" in (c.args[0] as { t: TEnc }) && (c.args[0] as { t: TEnc }).t.shape.length === 0 && (c.args[2] as { t: TEnc }).t.v.length !== 1,
  },
];

// ---- comparison ------------------------------------------------------------------------------

const EPS: Record<string, number> = { float32: 2 ** -23, float64: 2 ** -52 };
/** A few of the smallest subnormals: libms differ by one there. */
const TINY: Record<string, number> = { float32: 4 * 2 ** -149, float64: 4 * 2 ** -1074 };

/** The magnitude of the largest finite float input, and the count of input elements. */
function inputScale(c: Case): { scale: number; n: number } {
  let scale = 1, n = 1;
  for (const t of tensorArgs(c)) {
    n += t.v.length;
    for (const x of t.v) {
      const v = Math.abs(num(x));
      if (Number.isFinite(v) && v > scale) scale = v;
    }
  }
  return { scale, n };
}

/**
 * Each operand's magnitude at each element of an elementwise result of shape `out`
 * (broadcast by hand from the fixture's values, not by Fluxion): operand k at element i.
 */
function operandMagnitudes(c: Case, out: readonly number[]): number[][] {
  const operands = c.args.filter((a) => a !== null && typeof a === "object" && !Array.isArray(a) && ("t" in a || "s" in a)) as ({ t: TEnc } | { s: Raw; k: string })[];
  const n = out.reduce((a, b) => a * b, 1);
  return operands.map((a) => {
    if ("s" in a) return new Array<number>(n).fill(Math.abs(num(a.s)));
    const shape = a.t.lay === "e" ? a.t.bs! : a.t.shape, v = a.t.v.map((x) => Math.abs(num(x)));
    return Array.from({ length: n }, (_, i) => {
      let rem = i, src = 0, stride = 1;
      for (let d = out.length - 1, e = shape.length - 1; d >= 0; d--, e--) {
        const pos = rem % out[d]!;
        rem = Math.floor(rem / out[d]!);
        if (e >= 0) {
          if (shape[e]! !== 1) src += pos * stride;
          stride *= shape[e]!;
        }
      }
      return v[src] ?? 0;
    });
  });
}

/**
 * The absolute error allowed at each element besides a few ulps of the result: ops that add
 * or subtract their operands round to the operands' size (PyTorch and Fluxion compute
 * logaddexp, lerp, addcmul in different orders), sums and products to the inputs' size.
 */
function absoluteTolerance(c: Case, out: readonly number[], eps: number): (i: number) => number {
  const opt = (k: string) => (c.kw[k] !== undefined ? Math.abs(num((decode(c.kw[k]!) as number))) : 1);
  const SUM_LIKE = new Set(["add", "sub", "logaddexp", "remainder", "fmod", "lerp", "addcmul", "addcdiv", "floor_divide", "div"]);
  if ((c.fam === "binary" || c.fam === "ternary") && SUM_LIKE.has(c.op)) {
    const m = operandMagnitudes(c, out);
    const scale = (i: number): number => {
      const at = m.map((col) => col[i]!);
      switch (c.op) {
        case "addcmul": return at[0]! + opt("value") * at[1]! * at[2]!;
        case "addcdiv": return at[0]! + opt("value") * at[1]! / at[2]!;
        case "lerp": return (at[0]! + at[1]!) * (1 + (at[2] ?? 1));
        default: return Math.max(...at) * (c.op === "add" || c.op === "sub" ? Math.max(1, opt("alpha")) : 1);
      }
    };
    return (i) => 4 * eps * scale(i);
  }
  if (c.fam === "reduce" || c.fam === "matmul") {
    const { scale, n } = inputScale(c);
    if (["amax", "amin", "max", "min", "argmax", "argmin", "all", "any", "count_nonzero"].includes(c.op)) return () => 0;
    if (["prod", "cumprod", "std", "var", "norm", "logsumexp"].includes(c.op)) return () => 0; // relative: see below
    return () => 4 * eps * n * scale * (c.fam === "matmul" ? scale : 1);
  }
  return () => 0;
}

function relativeTolerance(c: Case, eps: number): number {
  if (["amax", "amin", "max", "min"].includes(c.op)) return 0;
  if (c.fam === "reduce" || c.fam === "matmul") return 8 * eps * inputScale(c).n;
  return 16 * eps;
}

function flatValues(t: Tensor): (number | bigint | boolean)[] {
  const a = t.contiguous().toTypedArray() as ArrayLike<number | bigint>;
  if (t.dtype === "bool") return Array.from(a, (x) => x !== 0);
  return Array.from(a);
}

function compare(c: Case, got: unknown, want: Result, where = "result"): string | null {
  if ("list" in want) {
    if (!Array.isArray(got)) return `${where}: expected ${want.list.length} tensors, got ${got instanceof Tensor ? "a tensor" : typeof got}`;
    if (got.length !== want.list.length) return `${where}: ${got.length} tensors, expected ${want.list.length}`;
    for (let i = 0; i < got.length; i++) {
      const m = compare(c, got[i], want.list[i]!, `${where}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (!(got instanceof Tensor)) return `${where}: expected a tensor, got ${typeof got}`;
  if (got.dtype !== want.dtype) return `${where}: dtype ${got.dtype}, expected ${want.dtype}`;
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return `${where}: shape [${got.shape}], expected [${want.shape}]`;
  const vals = flatValues(got);
  const isFloat = want.dtype === "float32" || want.dtype === "float64";
  const eps = EPS[want.dtype] ?? 0;
  const atol = isFloat ? absoluteTolerance(c, want.shape, eps) : () => 0;
  const rtol = relativeTolerance(c, eps);
  for (let i = 0; i < vals.length; i++) {
    const g = vals[i]!, w = want.v[i]!;
    if (!isFloat) {
      const ok = want.dtype === "bool" ? g === w : want.dtype === "int64" ? g === big(w) : g === num(w);
      if (!ok) return `${where}[${i}]: ${String(g)}, expected ${String(w)}`;
      continue;
    }
    const gv = g as number, wv = num(w);
    if (Number.isNaN(wv) || Number.isNaN(gv)) {
      if (Number.isNaN(wv) !== Number.isNaN(gv)) return `${where}[${i}]: ${gv}, expected ${wv}`;
      continue;
    }
    if (!Number.isFinite(wv) || !Number.isFinite(gv)) {
      if (gv !== wv) return `${where}[${i}]: ${gv}, expected ${wv}`;
      continue;
    }
    if (wv === 0 && gv === 0) {
      if (Object.is(gv, -0) !== Object.is(wv, -0)) return `${where}[${i}]: ${Object.is(gv, -0) ? "-0" : "0"}, expected ${Object.is(wv, -0) ? "-0" : "0"}`;
      continue;
    }
    if (Math.abs(gv - wv) > rtol * Math.abs(wv) + atol(i) + TINY[want.dtype]!) return `${where}[${i}]: ${gv}, expected ${wv} (diff ${Math.abs(gv - wv)})`;
  }
  return null;
}

/** How many cases each allowance excused (each must excuse some: a stale entry is removed). */
const used = new Map<Allowance, number>();
const excuse = (a: Allowance) => (used.set(a, (used.get(a) ?? 0) + 1), null);

/** Null when Fluxion agrees with PyTorch on this case (or differs only as ALLOWED says). */
function check(c: Case): string | null {
  let got: unknown;
  let thrown: unknown = undefined;
  try {
    got = run(c);
  } catch (e) {
    thrown = e;
  }
  if (c.err !== undefined) {
    if (thrown === undefined) {
      for (const a of ALLOWED) {
        const w = a.expect?.(c);
        if (w && compare(c, got, w) === null) return excuse(a);
      }
      return `PyTorch raised ${c.err} (${c.msg}), Fluxion returned ${got instanceof Tensor ? `${got.dtype} [${got.shape}]` : typeof got}`;
    }
    if (!(thrown instanceof FluxionError)) return `PyTorch raised ${c.err} (${c.msg}); Fluxion threw ${(thrown as Error)?.constructor?.name}: ${String((thrown as Error)?.message).slice(0, 160)}`;
    return null;
  }
  const raising = ALLOWED.find((a) => a.raises?.(c));
  if (thrown instanceof FluxionError && raising) return excuse(raising);
  if (thrown !== undefined) return `Fluxion threw ${(thrown as Error)?.constructor?.name}: ${String((thrown as Error)?.message).slice(0, 200)}`;
  const m = compare(c, got, c.out!);
  if (m === null) return null;
  for (const a of ALLOWED) {
    const w = a.expect?.(c);
    if (w && compare(c, got, w) === null) return excuse(a);
  }
  return m;
}

function describeCase(c: Case): string {
  const arg = (a: Arg): string => {
    if (a === null || typeof a !== "object" || Array.isArray(a)) return JSON.stringify(a);
    if ("t" in a) return `${a.t.dtype}[${a.t.shape}]${a.t.lay !== "c" ? `(${a.t.lay}${a.t.bs ? ` from [${a.t.bs}]` : ""})` : ""}=${JSON.stringify(a.t.v).slice(0, 80)}`;
    if ("s" in a) return `${a.k} ${String(a.s)}`;
    if ("list" in a) return `[${a.list.map(arg).join(", ")}]`;
    return a.dtype;
  };
  const kw = Object.entries(c.kw).map(([k, v]) => `${k}: ${arg(v)}`).join(", ");
  return `#${c.id} ${c.call === "m" ? "method" : "fx"}.${c.fx}(${c.args.map(arg).join(", ")}${kw ? `, {${kw}}` : ""})`;
}

const families = [...new Set(FIX.cases.map((c) => c.fam))];
for (const fam of families) {
  const cases = FIX.cases.filter((c) => c.fam === fam);
  test(`${fam}: ${cases.length} cases agree with PyTorch ${FIX.torch}`, () => {
    const bad: string[] = [];
    for (const c of cases) {
      const m = check(c);
      if (m) bad.push(`${describeCase(c)}\n    ${m}`);
    }
    assert.equal(bad.length, 0, `${bad.length} of ${cases.length} cases differ:\n${bad.slice(0, 40).join("\n")}`);
  });
}

test("every documented difference excuses some case (the list holds no stale entry)", () => {
  for (const a of ALLOWED) assert.ok((used.get(a) ?? 0) > 0, `unused: ${a.reason}`);
});

test("the fixture covers every family, dtype and layout, and both outcomes", () => {
  assert.ok(FIX.cases.length >= 3000);
  const dtypes = new Set(FIX.cases.flatMap((c) => tensorArgs(c).map((t) => t.dtype)));
  for (const d of ["float32", "float64", "int32", "int64", "bool", "uint8", "int8"]) assert.ok(dtypes.has(d as DType), d);
  const lays = new Set(FIX.cases.flatMap((c) => tensorArgs(c).map((t) => t.lay)));
  assert.deepEqual([...lays].sort(), ["c", "e", "s", "t"]);
  assert.ok(FIX.cases.filter((c) => c.err).length > 200);
});

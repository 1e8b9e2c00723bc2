/**
 * Binding a call's arguments to a signature, as PyTorch's Python argument parser does:
 * positional arguments in declaration order, then an optional trailing options object
 * whose keys name any parameter (`x.sum(1, true)`, `x.sum(1, { keepdim: true })` and
 * `x.sum({ dim: 1, keepdim: true })` are the same call). Every value is checked against
 * its declared type; a wrong type, a missing argument, too many positional arguments or
 * an unknown option key raise an ArgumentError naming the function, the parameter and
 * what it got. With overloads, the first signature that binds wins, and when none does
 * the message lists them all.
 *
 * The result is the implementation's calling convention: the positional-or-keyword
 * parameters in order (defaults filled in), then, when the signature has keyword-only
 * parameters, one options object holding them.
 */
import { ArgumentError, DTypeError } from "../errors.js";
import { DTYPES, isDType } from "../tensor/dtype.js";
import { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import type { BaseType, Param, ParamType, Signature, TypeAtom } from "./schema.js";

/** Checks for types whose classes live above this layer (Module): registered by their files. */
const extraChecks: Partial<Record<BaseType, (v: unknown) => boolean>> = {};
export function registerTypeCheck(base: BaseType, check: (v: unknown) => boolean): void {
  extraChecks[base] = check;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function matchesBase(base: BaseType, v: unknown): boolean {
  switch (base) {
    case "Tensor": return v instanceof Tensor;
    case "Scalar": return typeof v === "number" || typeof v === "boolean" || typeof v === "bigint";
    case "int": return typeof v === "number" && Number.isInteger(v);
    case "float": return typeof v === "number";
    case "bool": return typeof v === "boolean";
    case "str": return typeof v === "string";
    case "ScalarType": return isDType(v);
    case "Device": return typeof v === "string";
    case "Generator": return v instanceof Generator;
    case "Callable": return typeof v === "function";
    case "Dict": return isPlainObject(v) || v instanceof Map;
    case "Any": return v !== undefined;
    default: return extraChecks[base]?.(v) ?? false;
  }
}

function matchesAtom(atom: TypeAtom, v: unknown): boolean {
  if (atom.kind === "base") return matchesBase(atom.base, v);
  if (atom.kind === "literal") return v === atom.value;
  // int[] and int[N] also take a single int, as PyTorch's IntArrayRef does
  if (atom.of === "int" && typeof v === "number") return Number.isInteger(v);
  if (!Array.isArray(v)) return false;
  if (atom.length !== undefined && v.length !== atom.length) return false;
  for (let i = 0; i < v.length; i++) if (!(matchesBase(atom.of, v[i]) || (atom.nullableItems && v[i] === null))) return false;
  return true;
}

export function matchesType(type: ParamType, v: unknown): boolean {
  const atoms = type.atoms;
  if (v === null) return type.nullable || atoms.some((a) => a.kind === "base" && a.base === "Any");
  for (let i = 0; i < atoms.length; i++) if (matchesAtom(atoms[i]!, v)) return true;
  return false;
}

/** How a value reads in a message: `string "abc"`, `number NaN`, `Tensor float32 [2, 3]`. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (v instanceof Tensor) return `Tensor (${v.dtype}, shape [${v.shape.join(", ")}])`;
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
  if (typeof v === "number") return Number.isInteger(v) ? `int ${v}` : `float ${v}`;
  if (typeof v === "boolean" || typeof v === "bigint") return `${typeof v} ${String(v)}`;
  if (typeof v === "function") return instanceName(v) ?? `function ${v.name || "(anonymous)"}`;
  if (Array.isArray(v)) {
    const items = v.slice(0, 6).map((x) => (x instanceof Tensor ? "Tensor" : Array.isArray(x) ? "array" : typeof x === "function" ? instanceName(x) ?? "function" : typeof x === "object" && x !== null ? "object" : String(x)));
    return `array [${items.join(", ")}${v.length > 6 ? ", ..." : ""}]`;
  }
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    const shown = keys.slice(0, 6).map((k) => {
      const x = v[k];
      return `${k}: ${typeof x === "string" ? JSON.stringify(x) : typeof x === "number" || typeof x === "boolean" || x == null ? String(x) : describeValue(x)}`;
    });
    return `object {${shown.join(", ")}${keys.length > 6 ? ", ..." : ""}}`;
  }
  return (v as object).constructor?.name ?? typeof v;
}

/** A callable object of a class (an nn.Module) reads as its class name, not its source. */
function instanceName(f: Function): string | null {
  const proto = Object.getPrototypeOf(f);
  return proto && proto !== Function.prototype && typeof proto.constructor === "function" ? proto.constructor.name : null;
}

/** The types a parameter takes, in words: `int or int[]`. */
function typeWords(t: ParamType): string {
  const words = t.atoms.map((a) => (a.kind === "literal" ? JSON.stringify(a.value) : a.kind === "list" ? `${a.of}${a.nullableItems ? "?" : ""}[${a.length ?? ""}]${a.of === "int" ? " (or one int)" : ""}` : a.base === "ScalarType" ? "dtype" : a.base));
  if (t.nullable) words.push("null");
  return words.join(" or ");
}

/** `sum()` or `Tensor.sum()` or `Linear()` as messages name a callable. */
export function callName(sig: Signature, asMethod: boolean): string {
  return asMethod ? `Tensor.${sig.name}()` : `${sig.name}()`;
}

/** Why a signature did not bind: the message, built only when it is needed. */
class BindFailure {
  /** 1 once the positional arguments fitted (the failure is in the options or a missing argument): such an overload is the closer one. */
  stage = 0;
  constructor(
    readonly message: () => string,
    /** A bad dtype raises a DTypeError, as the dtype checks elsewhere do. */
    readonly dtype = false,
  ) {}
}

/** A failure past the positional arguments (see BindFailure.stage). */
function further(f: BindFailure): BindFailure {
  f.stage = 1;
  return f;
}

function isDTypeParam(p: Param): boolean {
  return p.type.atoms.some((a) => a.kind === "base" && a.base === "ScalarType");
}

/** The message for a value that does not fit `p`; unknown dtype names list the known ones. */
function mismatch(what: string, p: Param, v: unknown): BindFailure {
  const known = isDTypeParam(p) && typeof v === "string";
  return new BindFailure(() => `${what} must be ${typeWords(p.type)}, but got ${known ? `unknown dtype ${JSON.stringify(v)} (dtypes: ${DTYPES.join(", ")})` : describeValue(v)}`, known);
}

/** The Levenshtein distance ignoring case, for "did you mean" (option keys, parameter group keys). */
export function nameDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

function suggestion(key: string, params: readonly Param[]): string {
  let best = "", bestD = Infinity;
  for (const p of params) {
    const dd = nameDistance(key, p.name);
    if (dd < bestD) [best, bestD] = [p.name, dd];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean '${best}'?)` : "";
}

/** Varargs of ints (sizes) also take one list: view(2, 3) or view([2, 3]). */
function unpackable(p: Param): boolean {
  const a = p.type.atoms[0]!;
  return a.kind === "base" && a.base === "int";
}

/** Whether a trailing plain object fills this positional slot (a required Dict/Any) rather than being the options. */
function takesObject(p: Param | undefined): boolean {
  return p !== undefined && !p.hasDefault && !p.type.nullable && p.type.atoms.some((a) => a.kind === "base" && (a.base === "Dict" || a.base === "Any"));
}

/**
 * The argument position from which an undefined is a value (to be refused) rather than an
 * argument not given: the start of a variadic parameter of tensors or indices when the
 * signature has no keyword-only parameters (so no options object can follow); else none.
 */
function undefinedIsValueFrom(sig: Signature, first: number): number {
  if (sig.params.length > sig.positionalCount) return Infinity;
  for (let k = first; k < sig.positionalCount; k++) {
    const p = sig.params[k]!;
    if (p.type.varargs) return unpackable(p) ? Infinity : k - first;
  }
  return Infinity;
}

/**
 * Binds `args` (the user's arguments, after `self` for a method) to `sig`. Returns the
 * implementation's arguments, or a BindFailure saying why this signature does not fit.
 * This runs on every call of every op, so the common case allocates only the result.
 */
function tryBind(sig: Signature, self: Tensor | undefined, args: ArrayLike<unknown>, asMethod: boolean): unknown[] | BindFailure {
  const params = sig.params, npos = sig.positionalCount;
  const first = self === undefined ? 0 : 1; // a method's `self` is bound already
  let n = args.length;
  // trailing undefineds are "not given", except in the values of a variadic Tensor/Any
  // parameter with no options object after it: there x.index(i) with i undefined is a mistake
  // to report, not x.index() (the whole tensor)
  const valuesFrom = undefinedIsValueFrom(sig, first);
  while (n > 0 && n <= valuesFrom && args[n - 1] === undefined) n--;
  let options: Record<string, unknown> | null = null;
  if (n > 0) {
    const last = args[n - 1];
    if (typeof last === "object" && isPlainObject(last) && !takesObject(params[first + n - 1])) {
      options = last;
      n--;
    }
  }
  const hasKw = params.length > npos;
  const out: unknown[] = new Array(hasKw ? npos + 1 : npos);
  if (first === 1) out[0] = self;
  // positional arguments
  let pi = first;
  for (let ai = 0; ai < n; ai++, pi++) {
    const v = args[ai];
    if (pi >= npos) {
      const max = npos - first;
      return new BindFailure(() => `${callName(sig, asMethod)} takes ${max} positional argument${max === 1 ? "" : "s"} but ${n} were given${hasKw ? `; pass ${params.slice(npos).map((q) => q.name).join(", ")} in an options object` : ""}`);
    }
    const p = params[pi]!;
    if (p.type.varargs) {
      // the rest of the positional arguments, or (for sizes: view([2, 3])) one list of them
      const unpack = n - ai === 1 && Array.isArray(v) && unpackable(p);
      const rest = unpack ? (v as unknown[]) : Array.prototype.slice.call(args, ai, n);
      for (let k = 0; k < rest.length; k++) {
        if (!matchesType(p.type, rest[k])) {
          return new BindFailure(() => `${callName(sig, asMethod)}: argument '${p.name}' must be ${typeWords(p.type)} values${unpackable(p) ? " (or one list of them)" : ""}, but element ${k} is ${describeValue(rest[k])}`);
        }
      }
      out[pi] = rest;
      pi++;
      break;
    }
    if (v === undefined) continue;
    if (!matchesType(p.type, v)) return mismatch(`${callName(sig, asMethod)}: argument '${p.name}' (position ${ai + 1})`, p, v);
    out[pi] = v;
  }
  // the options object
  let kw: Record<string, unknown> | null = null;
  if (options !== null) {
    for (const key in options) {
      if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
      const v = options[key];
      let idx = -1;
      for (let k = first; k < params.length; k++) if (params[k]!.name === key) { idx = k; break; }
      if (idx < 0) {
        const rest = params.slice(first);
        return further(new BindFailure(() => `${callName(sig, asMethod)} got an unexpected option '${key}'${suggestion(key, rest)}; ${rest.length ? `valid options: ${rest.map((q) => q.name).join(", ")}` : "it takes no options"}`));
      }
      if (v === undefined) continue;
      const p = params[idx]!;
      const ok = p.type.varargs ? Array.isArray(v) && v.every((x) => matchesType(p.type, x)) : matchesType(p.type, v);
      if (!ok) return further(mismatch(`${callName(sig, asMethod)}: option '${key}'`, p, v));
      if (idx < npos) {
        if (out[idx] !== undefined) return further(new BindFailure(() => `${callName(sig, asMethod)} got multiple values for argument '${key}' (positional and in the options object)`));
        out[idx] = v;
      } else (kw ??= {})[key] = v;
    }
  }
  // defaults and missing arguments
  for (let k = first; k < npos; k++) {
    if (out[k] !== undefined) continue;
    const p = params[k]!;
    if (p.type.varargs) out[k] = [];
    else if (p.hasDefault) out[k] = Array.isArray(p.default) ? [...p.default] : p.default;
    else if (!p.type.nullable) return further(new BindFailure(() => `${callName(sig, asMethod)} missing required argument '${p.name}' (position ${k - first + 1})`));
  }
  if (!hasKw) return out;
  if (kw === null && sig.kwDefaults !== null) out[npos] = sig.kwDefaults;
  else {
    kw ??= {};
    for (let k = npos; k < params.length; k++) {
      const p = params[k]!;
      if (kw[p.name] !== undefined) continue;
      if (p.hasDefault) kw[p.name] = Array.isArray(p.default) ? [...p.default] : p.default;
      else if (!p.type.nullable) return further(new BindFailure(() => `${callName(sig, asMethod)} missing required option '${p.name}'`));
    }
    out[npos] = kw;
  }
  return out;
}

/** Which overload the last successful bindCall chose (read right after the call). */
export let boundOverload = 0;

/**
 * Binds a call to the first overload that accepts it and returns the implementation's
 * arguments; throws an ArgumentError naming what was wrong (one overload) or listing every
 * overload (several).
 */
/** Per overload list with a number-first overload: the method's overloads (Tensor self) and their indices. */
const methodOverloads = new WeakMap<readonly Signature[], { sigs: readonly Signature[]; index: readonly number[] }>();

/** The overloads a call may bind: all of them, or for a method only those with a Tensor self (not torch.add's number-first one). */
function overloadsFor(allSigs: readonly Signature[], asMethod: boolean): { sigs: readonly Signature[]; index: readonly number[] | null } {
  // the hot path (every op call) allocates nothing: functions, and methods with one overload
  if (!asMethod || allSigs.length === 1) return { sigs: allSigs, index: null };
  let m = methodOverloads.get(allSigs);
  if (m === undefined) {
    const index = allSigs.map((_, i) => i).filter((i) => allSigs[i]!.params[0]?.type.text === "Tensor");
    m = { sigs: index.map((i) => allSigs[i]!), index };
    methodOverloads.set(allSigs, m);
  }
  return m;
}

export function bindCall(allSigs: readonly Signature[], self: Tensor | undefined, args: ArrayLike<unknown>, asMethod: boolean): unknown[] {
  const { sigs, index } = overloadsFor(allSigs, asMethod);
  let firstFailure: BindFailure | null = null;
  for (let i = 0; i < sigs.length; i++) {
    const r = tryBind(sigs[i]!, self, args, asMethod);
    if (!(r instanceof BindFailure)) {
      boundOverload = index === null ? i : index[i]!;
      return r;
    }
    // an unknown dtype name says most about what was meant (view("int8")); else the overload
    // whose positional arguments fitted (meshgrid([a, b], { indexing: "IJ" }): the bad option)
    if (firstFailure === null || (r.dtype && !firstFailure.dtype) || (r.dtype === firstFailure.dtype && r.stage > firstFailure.stage)) firstFailure = r;
  }
  if (sigs.length === 1) throw new (firstFailure!.dtype ? DTypeError : ArgumentError)(firstFailure!.message());
  const got = Array.prototype.map.call(args, (a: unknown) => describeValue(a)).join(", ");
  const list = sigs.map((s) => ` * ${s.name}(${s.params.slice(asMethod ? 1 : 0).map((p, i) => (s.params[i + (asMethod ? 1 : 0)]!.keywordOnly && (i === 0 || !s.params[i - 1 + (asMethod ? 1 : 0)]!.keywordOnly) ? "*, " : "") + paramText(p)).join(", ")})`).join("\n");
  const Err = firstFailure!.dtype ? DTypeError : ArgumentError;
  throw new Err(`${callName(sigs[0]!, asMethod)} received an invalid combination of arguments - got (${got}), but expected one of:\n${list}\n(closest: ${firstFailure!.message()})`);
}

/** A parameter as the docs and messages print it: `int[]? dim=null`. */
export function paramText(p: Param): string {
  return `${p.type.text} ${p.name}${p.hasDefault ? `=${JSON.stringify(p.default)}` : ""}`;
}

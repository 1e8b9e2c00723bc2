/**
 * Signatures of the public API, written as PyTorch writes them in native_functions.yaml
 * (with Fluxion's camelCase names and JS literals for defaults):
 *
 *   "sum(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor"
 *
 * This file parses such a declaration once into a `Signature`: its parameters (type,
 * default, keyword-only or not) and its return type. `args.ts` binds a call's arguments to
 * it, and the generator (scripts/gen-api.ts) turns the same declarations into the
 * TypeScript overloads and docs/api.md, so one string per op drives checking, types and docs.
 *
 * Types: Tensor, Scalar (number, boolean or bigint), int, float, bool, str, ScalarType (a dtype),
 * Device, Generator, Module, PackedSequence, Callable, Dict, Any; `T[]` a list (int[] also takes one int,
 * int[2] one int or a list of two; `int?[2]` lets items be null), `T...` varargs (or one list), `"a"|"b"` string
 * literals, `A|B` unions; a trailing `?` also accepts null. Parameters after `*` are
 * keyword-only: they reach the implementation in a trailing options object.
 */
import { FluxionError } from "../errors.js";

export type BaseType =
  | "Tensor" | "Scalar" | "int" | "float" | "bool" | "str" | "ScalarType" | "Device"
  | "Generator" | "Module" | "PackedSequence" | "Callable" | "Dict" | "Any";

/** One alternative of a parameter's type. */
export type TypeAtom =
  | { kind: "base"; base: BaseType }
  | { kind: "list"; of: BaseType; length?: number; nullableItems?: boolean }
  | { kind: "literal"; value: string };

export interface ParamType {
  atoms: readonly TypeAtom[];
  nullable: boolean;
  /** `T...`: takes the rest of the positional arguments (or one list of them). */
  varargs: boolean;
  /** The type as written in the declaration, for messages and docs. */
  text: string;
}

export interface Param {
  name: string;
  type: ParamType;
  /** Undefined when the parameter is required. */
  default?: unknown;
  hasDefault: boolean;
  keywordOnly: boolean;
}

export interface Signature {
  /** The public name ("sum", "Linear"); overloads share it. */
  name: string;
  /** The overload's tag after a dot ("max.dim" -> "dim"), or "". */
  overload: string;
  /** All parameters in declaration order (`self` included for methods). */
  params: readonly Param[];
  /** How many parameters come before `*` (positional-or-keyword). */
  positionalCount: number;
  /**
   * The options object an implementation gets when the caller names no keyword-only
   * parameter (frozen, shared by every call); null when a keyword-only one is required.
   */
  kwDefaults: Readonly<Record<string, unknown>> | null;
  /** Return types as written ("Tensor", "(Tensor values, Tensor indices)", "self"). */
  returns: string;
  /** The declaration as written. */
  text: string;
}

const BASES: readonly BaseType[] = ["Tensor", "Scalar", "int", "float", "bool", "str", "ScalarType", "Device", "Generator", "Module", "PackedSequence", "Callable", "Dict", "Any"];

function bad(decl: string, why: string): never {
  throw new FluxionError(`invalid signature ${JSON.stringify(decl)}: ${why}`);
}

/** Splits on `sep` at bracket depth 0 and outside quotes. */
function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0, quote = false, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quote = !quote;
    else if (!quote && (c === "(" || c === "[" || c === "{")) depth++;
    else if (!quote && (c === ")" || c === "]" || c === "}")) depth--;
    else if (!quote && depth === 0 && c === sep) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((x) => x.trim());
}

function parseType(decl: string, text: string): ParamType {
  let t = text;
  let nullable = false, varargs = false;
  if (t.endsWith("...")) {
    varargs = true;
    t = t.slice(0, -3);
  }
  if (t.endsWith("?")) {
    nullable = true;
    t = t.slice(0, -1);
  }
  const atoms = splitTop(t, "|").map((a): TypeAtom => {
    if (a.startsWith('"')) {
      if (!a.endsWith('"') || a.length < 2) bad(decl, `bad string literal ${a}`);
      return { kind: "literal", value: a.slice(1, -1) };
    }
    const list = /^(\w+)(\?)?\[(\d*)\]$/.exec(a);
    if (list) {
      if (!BASES.includes(list[1] as BaseType)) bad(decl, `unknown type ${list[1]}`);
      const atom: TypeAtom = { kind: "list", of: list[1] as BaseType, length: list[3] ? Number(list[3]) : undefined };
      if (list[2]) atom.nullableItems = true;
      return atom;
    }
    if (!BASES.includes(a as BaseType)) bad(decl, `unknown type ${a}`);
    return { kind: "base", base: a as BaseType };
  });
  if (varargs && (atoms.length !== 1 || atoms[0]!.kind !== "base")) bad(decl, `varargs must be of one base type, got ${text}`);
  return { atoms, nullable, varargs, text };
}

/** Parses a default written as a JS literal: null, true, false, numbers, "strings", [lists]. */
function parseDefault(decl: string, text: string): unknown {
  if (text === "null") return null;
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  if (/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text)) return Number(text);
  if (text.startsWith('"') && text.endsWith('"')) return text.slice(1, -1);
  if (text.startsWith("[") && text.endsWith("]")) {
    const inner = text.slice(1, -1).trim();
    return inner === "" ? [] : splitTop(inner, ",").map((x) => parseDefault(decl, x));
  }
  return bad(decl, `cannot parse default ${text}`);
}

/** Parses one declaration: `name[.overload](params) -> returns`. */
export function parseSignature(decl: string): Signature {
  const open = decl.indexOf("(");
  let close = -1;
  for (let i = open, depth = 0, quote = false; open >= 0 && i < decl.length; i++) {
    const c = decl[i]!;
    if (c === '"') quote = !quote;
    else if (!quote && c === "(") depth++;
    else if (!quote && c === ")" && --depth === 0) {
      close = i;
      break;
    }
  }
  const m = close < 0 ? null : /^\s*([A-Za-z_$][\w$]*)(?:\.(\w+))?\s*$/.exec(decl.slice(0, open));
  const after = close < 0 ? null : /^\s*(?:->\s*(.+?))?\s*$/.exec(decl.slice(close + 1));
  if (!m || !after) bad(decl, "expected name(params) -> returns");
  const [, name, overload = ""] = m;
  const body = decl.slice(open + 1, close);
  const returns = after[1] ?? "Tensor";
  const params: Param[] = [];
  let keywordOnly = false, positionalCount = 0;
  const parts = body.trim() === "" ? [] : splitTop(body, ",");
  for (const part of parts) {
    if (part === "*") {
      if (keywordOnly) bad(decl, "two '*' markers");
      keywordOnly = true;
      continue;
    }
    const eq = splitTop(part, "=");
    const head = eq[0]!;
    const sp = head.lastIndexOf(" ");
    if (sp < 0) bad(decl, `parameter ${JSON.stringify(part)} needs a type and a name`);
    const typeText = head.slice(0, sp).trim(), pname = head.slice(sp + 1).trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(pname)) bad(decl, `bad parameter name ${pname}`);
    if (params.some((p) => p.name === pname)) bad(decl, `duplicate parameter ${pname}`);
    const type = parseType(decl, typeText);
    const hasDefault = eq.length > 1;
    const dflt = hasDefault ? parseDefault(decl, eq.slice(1).join("=").trim()) : undefined;
    if (type.varargs && (keywordOnly || hasDefault)) bad(decl, `varargs ${pname} must be positional without a default`);
    params.push({ name: pname, type, default: dflt, hasDefault, keywordOnly });
    if (!keywordOnly) positionalCount++;
  }
  const vi = params.findIndex((p) => p.type.varargs);
  if (vi >= 0 && vi !== positionalCount - 1) bad(decl, "varargs must be the last positional parameter");
  let kwDefaults: Record<string, unknown> | null = {};
  for (const p of params.slice(positionalCount)) {
    if (p.hasDefault) kwDefaults[p.name] = Object.freeze(p.default);
    else if (!p.type.nullable) kwDefaults = null;
    if (kwDefaults === null) break;
  }
  return { name: name!, overload, params, positionalCount, kwDefaults: kwDefaults && Object.freeze(kwDefaults), returns: returns.trim(), text: decl.trim() };
}

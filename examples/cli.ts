/**
 * Command-line options for the example programs: each program declares a table of options
 * (placeholder, default, help, a parser that validates), and this file turns it into strict
 * parsing and `--help` text. Every mistake is a UsageError with a one-line message, which
 * the program prints and exits with code 2, without a stack trace.
 *
 * Values follow `--name value` or `--name=value`. A value may start with one dash, so
 * `--lr -1` reads -1 (and is then rejected by the parser, not by the syntax); a token
 * starting with `--` is never taken as a value. Unknown options, a missing value, an
 * option given twice and stray arguments are errors. `-h`/`--help` anywhere asks for help.
 * A switch (`flag: true`, e.g. `--compile`) takes no value: given, it parses "true", else
 * its default.
 */
import { statSync } from "node:fs";

/** A mistake on the command line: the message is one line, shown as is. */
export class UsageError extends Error {
  override name = "UsageError";
}

export interface OptionSpec<T> {
  /** The value's placeholder in --help ("N", "X", "DIR"). */
  arg: string;
  /** The raw default, parsed like a given value; absent: the option is optional and has none. */
  default?: string;
  /** Shown in --help after the default, when there is no raw default (e.g. "FLUXION_DATA, else ..."). */
  defaultText?: string;
  help: string;
  /** A switch: `--name` alone, no value (parsed from "true" when given). */
  flag?: boolean;
  /** Turns the raw text into the value, throwing UsageError when it is not valid. */
  parse(raw: string, flag: string): T;
}

export type OptionTable = Record<string, OptionSpec<unknown>>;
export type ParsedOptions<O extends OptionTable> = { [K in keyof O]: O[K] extends OptionSpec<infer T> ? (O[K] extends { default: string } ? T : T | undefined) : never };

/** Whether the command line asks for help (-h or --help as an option, not as another option's value). */
export function wantsHelp(argv: readonly string[], table: OptionTable): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") return true;
    if (a.startsWith("--") && !a.includes("=") && Object.hasOwn(table, a.slice(2)) && !table[a.slice(2)]!.flag) i++; // skip its value
  }
  return false;
}

/**
 * Parses `argv` against `table`: every given value and every default goes through its
 * option's parser. Throws UsageError on the first mistake.
 */
export function parseOptions<O extends OptionTable>(argv: readonly string[], table: O): ParsedOptions<O> {
  const raw = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--") || a === "--") {
      throw new UsageError(a.startsWith("-") && a !== "-" && a !== "--" ? `unknown option ${a}` : `unexpected argument ${JSON.stringify(a)}; options are written --name value`);
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!Object.hasOwn(table, name)) throw new UsageError(`unknown option --${name}`);
    let value: string;
    if (table[name]!.flag) {
      if (eq >= 0) throw new UsageError(`--${name} is a switch and takes no value, got ${JSON.stringify(a.slice(eq + 1))}`);
      value = "true";
    } else if (eq >= 0) value = a.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name} needs a value (${table[name]!.arg})`);
      value = next;
      i++;
    }
    if (raw.has(name)) throw new UsageError(table[name]!.flag ? `--${name} is given twice` : `--${name} is given twice (${JSON.stringify(raw.get(name))} and ${JSON.stringify(value)})`);
    raw.set(name, value);
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const given = raw.get(name) ?? spec.default;
    out[name] = given === undefined ? undefined : spec.parse(given, `--${name}`);
  }
  return out as ParsedOptions<O>;
}

/** The options part of --help: one line per option with its default, aligned. */
export function optionsHelp(table: OptionTable): string {
  const rows: [string, string][] = Object.entries(table).map(([name, s]) => {
    const dflt = s.flag ? "" : s.default !== undefined ? ` (default: ${s.default})` : s.defaultText ? ` (default: ${s.defaultText})` : "";
    return [s.flag ? `--${name}` : `--${name} ${s.arg}`, `${s.help}${dflt}`];
  });
  rows.push(["-h, --help", "print this help and exit"]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`).join("\n");
}

// ---- value parsers -----------------------------------------------------------------------

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A whole number >= min (and <= max). */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): OptionSpec<number>["parse"] {
  return (raw, flag) => {
    const v = Number(raw);
    if (!INTEGER.test(raw.trim()) || !Number.isSafeInteger(v) || v < min || v > max) {
      throw new UsageError(`${flag} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(raw)}`);
    }
    return v;
  };
}

/** A finite decimal number in [min, max) or (min, max), as `what` describes it ("> 0"). */
export function decimal(test: (v: number) => boolean, what: string): OptionSpec<number>["parse"] {
  return (raw, flag) => {
    const v = Number(raw);
    if (!DECIMAL.test(raw.trim()) || !Number.isFinite(v) || !test(v)) throw new UsageError(`${flag} must be a number ${what}, got ${JSON.stringify(raw)}`);
    return v;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(...choices: T[]): OptionSpec<T>["parse"] {
  return (raw, flag) => {
    if (!(choices as string[]).includes(raw)) throw new UsageError(`${flag} must be one of ${choices.join(", ")}, got ${JSON.stringify(raw)}`);
    return raw as T;
  };
}

/** A directory that exists. */
export function existingDir(raw: string, flag: string): string {
  if (raw === "") throw new UsageError(`${flag} needs a directory, got an empty string`);
  let isDir = false;
  try {
    isDir = statSync(raw).isDirectory();
  } catch {
    throw new UsageError(`${flag}: no such directory: ${raw}`);
  }
  if (!isDir) throw new UsageError(`${flag}: not a directory: ${raw}`);
  return raw;
}

/** A directory to write into: created if missing, but never a path naming a file. */
export function outputDir(raw: string, flag: string): string {
  if (raw === "") throw new UsageError(`${flag} needs a directory, got an empty string`);
  try {
    if (!statSync(raw).isDirectory()) throw new UsageError(`${flag}: not a directory: ${raw}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // missing is fine (created when the run starts); a path through a file is not
    const code = (e as { code?: string }).code;
    if (code !== "ENOENT") throw new UsageError(`${flag}: cannot use ${raw} as a directory (${code ?? String(e)})`);
  }
  return raw;
}

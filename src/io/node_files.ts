/**
 * The Node.js edge of Fluxion: every file-system, gzip, checksum, environment and network
 * call of `io` and `data` goes through this one small module, so the rest of the library
 * stays free of `node:` imports and bundles for the browser unchanged.
 *
 * Node's built-in modules are fetched lazily with `process.getBuiltinModule` (Node >= 20.16)
 * instead of static imports: a bundler sees no `node:` import, and in a browser the first
 * file operation fails with a FluxionError that says to use the in-memory APIs instead
 * (`io.serialize` / `io.deserialize`, datasets built from bytes).
 *
 * Not here: parsing (safetensors.ts, data/idx.ts are pure and work on bytes).
 */
import type * as NodeFs from "node:fs";
import type * as NodePath from "node:path";
import type * as NodeZlib from "node:zlib";
import type * as NodeCrypto from "node:crypto";
import type * as NodeOs from "node:os";
import { FluxionError } from "../errors.js";

interface NodeModules {
  fs: typeof NodeFs;
  path: typeof NodePath;
  zlib: typeof NodeZlib;
  crypto: typeof NodeCrypto;
  os: typeof NodeOs;
}

let cached: NodeModules | null = null;

/** Node's built-in modules, or a clear error outside Node. */
function node(what: string): NodeModules {
  if (cached) return cached;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const get = proc?.getBuiltinModule;
  if (typeof get !== "function") {
    throw new FluxionError(
      `${what}: file access needs Node.js >= 20.16 (process.getBuiltinModule); in a browser use the in-memory APIs ` +
        `(io.serialize / io.deserialize, or build datasets from bytes with data.parseIdx)`,
    );
  }
  const load = <T>(id: string) => get.call(proc, id) as T;
  cached = {
    fs: load("node:fs"),
    path: load("node:path"),
    zlib: load("node:zlib"),
    crypto: load("node:crypto"),
    os: load("node:os"),
  };
  return cached;
}

/** Hooks for tests that simulate a crash between writing the temporary file and renaming it. */
export const _testHooks: { afterTempWrite: ((tempPath: string) => void) | null } = { afterTempWrite: null };

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Reads a whole file; a missing or unreadable file is a FluxionError naming it. */
export function readFileBytes(path: string, what: string): Uint8Array {
  const { fs } = node(what);
  try {
    const buf = fs.readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new FluxionError(`${what}: no such file: ${path}`);
    throw new FluxionError(`${what}: cannot read ${path}: ${describeError(e)}`);
  }
}

export function fileExists(path: string): boolean {
  const { fs } = node("fileExists");
  try {
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

export function joinPath(...parts: string[]): string {
  return node("joinPath").path.join(...parts);
}

export function makeDirs(dir: string, what: string): void {
  try {
    node(what).fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new FluxionError(`${what}: cannot create directory ${dir}: ${describeError(e)}`);
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory is written,
 * fsynced and renamed over `path`, so a crash or error mid-write leaves any previous file
 * untouched (rename within one directory is atomic on POSIX file systems).
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, what: string): void {
  const { fs, path: p } = node(what);
  const dir = p.dirname(p.resolve(path));
  const temp = p.join(dir, `.${p.basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, "w", 0o644);
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    _testHooks.afterTempWrite?.(temp);
    fs.renameSync(temp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing; the original error matters */
      }
    }
    try {
      fs.unlinkSync(temp);
    } catch {
      /* the temp file may never have been created */
    }
    throw new FluxionError(`${what}: could not write ${path} (any previous file there is unchanged): ${describeError(e)}`);
  }
  // make the rename itself durable; best effort (not every platform can fsync a directory)
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* ignore */
  }
}

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes; corrupt or truncated data is a FluxionError naming `source`. */
export function gunzip(bytes: Uint8Array, source: string, what: string): Uint8Array {
  const { zlib } = node(what);
  try {
    const out = zlib.gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new FluxionError(`${what}: ${source} is a corrupt or truncated gzip file (${describeError(e)}); delete it and fetch it again`);
  }
}

/** Hex digest of the bytes ("md5", "sha256", ...). */
export function hashHex(bytes: Uint8Array, algorithm: string): string {
  return node("hash").crypto.createHash(algorithm).update(bytes).digest("hex");
}

/** An environment variable (undefined outside Node or when unset/empty). */
export function envVar(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = proc?.env?.[name];
  return v === undefined || v === "" ? undefined : v;
}

/** The per-user cache directory for Fluxion: $XDG_CACHE_HOME/fluxion or ~/.cache/fluxion. */
export function userCacheDir(): string {
  const { os, path } = node("userCacheDir");
  return path.join(envVar("XDG_CACHE_HOME") ?? path.join(os.homedir(), ".cache"), "fluxion");
}

/** Writes a progress line to stderr (overwritten in place on a terminal). */
export function writeProgress(line: string, done: boolean): void {
  const proc = (globalThis as { process?: { stderr?: { isTTY?: boolean; write(s: string): unknown } } }).process;
  const err = proc?.stderr;
  if (!err) return;
  if (err.isTTY) err.write(`\r${line}${done ? "\n" : ""}`);
  else if (done) err.write(`${line}\n`);
}

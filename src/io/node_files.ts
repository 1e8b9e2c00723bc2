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
import type * as NodeBuffer from "node:buffer";
import { FluxionError } from "../errors.js";

interface NodeModules {
  fs: typeof NodeFs;
  path: typeof NodePath;
  zlib: typeof NodeZlib;
  crypto: typeof NodeCrypto;
  os: typeof NodeOs;
  buffer: typeof NodeBuffer;
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
    buffer: load("node:buffer"),
  };
  return cached;
}

/** Hooks for tests that simulate a crash between writing the temporary file and renaming it. */
export const _testHooks: { afterTempWrite: ((tempPath: string) => void) | null } = { afterTempWrite: null };

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A regular file opened for reading, with its size at open time. */
export interface RegularFile {
  readonly path: string;
  readonly size: number;
  /** Exactly `length` bytes from `position`; a file that shrank meanwhile is a FluxionError. */
  read(position: number, length: number): Uint8Array;
  close(): void;
}

function fileKind(st: NodeFs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

function notRegular(what: string, path: string, st: NodeFs.Stats): FluxionError {
  return new FluxionError(`${what}: ${path} is ${fileKind(st)}, not a regular file; only regular files can be read (a device or pipe could block or never end)`);
}

function openError(what: string, path: string, e: unknown): FluxionError {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return new FluxionError(`${what}: no such file: ${path}`);
  return new FluxionError(`${what}: cannot read ${path}: ${describeError(e)}`);
}

/**
 * Opens `path` for reading after checking that it is a regular file: /dev/zero would be
 * read forever and opening a FIFO blocks until a writer appears. The path is stat'ed
 * before opening and the descriptor fstat'ed after (opened non-blocking, so a FIFO swapped
 * in between cannot block either).
 */
export function openRegularFile(path: string, what: string): RegularFile {
  const { fs } = node(what);
  let st: NodeFs.Stats;
  try {
    st = fs.statSync(path);
  } catch (e) {
    throw openError(what, path, e);
  }
  if (!st.isFile()) throw notRegular(what, path, st);
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw openError(what, path, e);
  }
  let size: number;
  try {
    const fst = fs.fstatSync(fd);
    if (!fst.isFile()) throw notRegular(what, path, fst);
    size = fst.size;
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof FluxionError ? e : openError(what, path, e);
  }
  return {
    path,
    size,
    read(position: number, length: number): Uint8Array {
      let out: Uint8Array;
      try {
        out = new Uint8Array(length);
      } catch (e) {
        throw new FluxionError(`${what}: ${path}: cannot hold ${length} bytes in memory (${describeError(e)})`);
      }
      let got = 0;
      try {
        while (got < length) {
          const n = fs.readSync(fd, out, got, length - got, position + got);
          if (n === 0) break;
          got += n;
        }
      } catch (e) {
        throw openError(what, path, e);
      }
      if (got < length) throw new FluxionError(`${what}: ${path} ended after ${position + got} bytes while ${position + length} were expected (did the file change while being read?)`);
      return out;
    },
    close(): void {
      try {
        fs.closeSync(fd);
      } catch {
        /* nothing useful to do */
      }
    },
  };
}

/**
 * Reads a whole regular file; a missing, unreadable or non-regular file (directory, FIFO,
 * device) is a FluxionError naming it.
 */
export function readFileBytes(path: string, what: string): Uint8Array {
  const f = openRegularFile(path, what);
  try {
    return f.read(0, f.size);
  } finally {
    f.close();
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
 * Temporary files of writeFileAtomic are named `.<target name>.tmp-<pid>-<8 hex digits>`
 * next to the target. A writer killed between creating and renaming one (kill -9, power
 * loss) leaves it behind; the next save to the same target removes such leftovers.
 */
function tempName(base: string, pid: number, tag: string): string {
  return `.${base}.tmp-${pid}-${tag}`; // removeStaleTemps' pattern must match this
}

/** A temp file whose writer is still alive is left alone unless it is older than this (pid reuse). */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;
/**
 * A temp file whose writer is gone is removed once it is this old: the grace covers a writer
 * in another pid namespace (a container sharing the directory), whose pid means nothing here.
 */
export const ORPHAN_TEMP_AGE_MS = 10 * 1000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether a process with this id may exist: only ESRCH proves it is gone (EPERM: someone else's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== "ESRCH";
  }
}

/**
 * Removes leftover temp files of earlier saves to `dir/base`: only names of exactly our
 * scheme for this target, and only when the writing process is gone (and the file older
 * than ORPHAN_TEMP_AGE_MS) or the file is older than STALE_TEMP_AGE_MS. A concurrent save by a live process (another program, or a worker
 * thread of this one, which shares our pid) is never touched while it is fresh. Best effort:
 * a file that vanished meanwhile or cannot be removed is skipped.
 */
export function removeStaleTemps(dir: string, base: string, now = Date.now()): string[] {
  const { fs, path: p } = node("removeStaleTemps");
  const pattern = new RegExp(`^${escapeRegExp(`.${base}.tmp-`)}(\\d{1,10})-[0-9a-f]{8}$`);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const full = p.join(dir, name);
    try {
      const st = fs.lstatSync(full);
      if (!st.isFile()) continue;
      const age = now - st.mtimeMs;
      const orphan = pid !== process.pid && age > ORPHAN_TEMP_AGE_MS && !processAlive(pid);
      if (age <= STALE_TEMP_AGE_MS && !orphan) continue;
      fs.unlinkSync(full);
      removed.push(full);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory is written,
 * fsynced and renamed over `path`, so a crash or error mid-write leaves any previous file
 * untouched (rename within one directory is atomic on POSIX file systems). Leftover temp
 * files of earlier, killed saves to the same path are removed first (removeStaleTemps).
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, what: string): void {
  const { fs, path: p, crypto } = node(what);
  const dir = p.dirname(p.resolve(path));
  const base = p.basename(path);
  removeStaleTemps(dir, base);
  const temp = p.join(dir, tempName(base, process.pid, crypto.randomBytes(4).toString("hex")));
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

function corruptGzip(what: string, source: string, e: unknown): FluxionError {
  return new FluxionError(`${what}: ${source} is a corrupt or truncated gzip file (${describeError(e)}); delete it and fetch it again`);
}

/** Deflate cannot expand data by more than about 1032:1 (zlib's FAQ), gzip framing aside. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The first (at least) `want` bytes of gzip data, decompressing as little input as needed:
 * input prefixes of growing length are inflated without requiring the stream's end, so
 * each try's output is bounded by deflate's ratio times a small input. Fewer than `want`
 * bytes come back only when the whole stream is shorter.
 */
export function gunzipPrefix(bytes: Uint8Array, want: number, source: string, what: string): Uint8Array {
  const { zlib } = node(what);
  for (let n = 64; ; n *= 4) {
    const input = bytes.subarray(0, Math.min(n, bytes.length));
    let out: Uint8Array;
    try {
      out = zlib.gunzipSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw corruptGzip(what, source, e);
    }
    if (out.length >= want || input.length === bytes.length) return out;
  }
}

/**
 * Decompresses gzip bytes that must inflate to exactly `expected` bytes, the size the
 * file's own header declares (`detail` says how, for messages: "dims [3, 28, 28] of uint8").
 * Inflation stops as soon as the output would pass `expected`, so a decompression bomb
 * costs at most `expected` bytes of memory, and a claim the compressed size cannot back is
 * refused before inflating anything. Fewer bytes than expected are returned as they are
 * (the caller's parser reports the truncation).
 */
export function gunzipExact(bytes: Uint8Array, expected: number, source: string, what: string, detail: string): Uint8Array {
  const { zlib, buffer } = node(what);
  const claim = `its header declares ${expected} bytes (${detail})`;
  if (expected > MAX_DEFLATE_RATIO * bytes.length + 1024) {
    throw new FluxionError(`${what}: ${source}: ${claim}, but ${bytes.length} gzip-compressed bytes cannot hold that much; the file is corrupt`);
  }
  if (expected > buffer.constants.MAX_LENGTH) throw new FluxionError(`${what}: ${source}: ${claim}, more than one buffer can hold (${buffer.constants.MAX_LENGTH})`);
  let out: Uint8Array;
  try {
    out = zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, expected) });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new FluxionError(`${what}: ${source} decompresses to more than the ${expected} bytes ${claim.replace(/ \d+ bytes/, "")}; the file is corrupt or a decompression bomb`);
    }
    throw corruptGzip(what, source, e);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
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

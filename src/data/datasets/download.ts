/**
 * Fetching dataset files: each file from the first mirror that answers with bytes whose MD5
 * matches, written atomically into the target directory, with a progress line on stderr.
 * `fetch` is injectable so tests never touch the network. When every mirror fails the
 * error lists what was tried and says how to get the files by hand.
 */
import { FluxionError } from "../../errors.js";
import { fileExists, hashHex, joinPath, makeDirs, readFileBytes, writeFileAtomic, writeProgress } from "../../io/node_files.js";

/** One file of a dataset and its published MD5. */
export interface Resource {
  file: string;
  md5: string;
}

/** The subset of the WHATWG fetch that downloads need. */
export type FetchLike = (url: string) => Promise<{ ok: boolean; status: number; statusText?: string; body?: ReadableStream<Uint8Array> | null; arrayBuffer(): Promise<ArrayBuffer>; headers?: { get(name: string): string | null } }>;

export interface DownloadOptions {
  /** Replaces the global fetch (tests, proxies). */
  fetch?: FetchLike;
  /** No progress output. */
  quiet?: boolean;
  /** Appended to the error when everything fails: how to get the files another way. */
  howTo?: string;
  /** Name used in messages ("FashionMNIST"). */
  what?: string;
}

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}

async function fetchBytes(fetchFn: FetchLike, url: string, file: string, quiet: boolean): Promise<Uint8Array> {
  const res = await fetchFn(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  const total = Number(res.headers?.get("content-length") ?? 0) || 0;
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let got = 0, lastShown = -1;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    if (!quiet) {
      const pct = total ? Math.floor((100 * got) / total) : -1;
      if (pct !== lastShown) {
        lastShown = pct;
        const bar = total ? `[${"#".repeat(Math.floor(pct / 5)).padEnd(20, ".")}] ${String(pct).padStart(3)}% ${mb(got)}/${mb(total)} MB` : `${mb(got)} MB`;
        writeProgress(`Downloading ${file} ${bar}`, false);
      }
    }
  }
  if (!quiet) writeProgress(`Downloading ${file} done, ${mb(got)} MB`, true);
  const out = new Uint8Array(got);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** True when `dir/file` exists with the expected MD5. */
export function hasVerifiedFile(dir: string, r: Resource): boolean {
  const path = joinPath(dir, r.file);
  return fileExists(path) && hashHex(readFileBytes(path, "download"), "md5") === r.md5;
}

/**
 * Downloads `resources` from the first working mirror into `dir` (files already there with
 * the right MD5 are kept). Throws a FluxionError listing every failed attempt.
 * @example
 * await downloadResources([{ file: "t10k-labels-idx1-ubyte.gz", md5: "bb300c..." }], [mirror], dir);
 */
export async function downloadResources(resources: readonly Resource[], mirrors: readonly string[], dir: string, opts: DownloadOptions = {}): Promise<void> {
  const what = opts.what ?? "download";
  const fetchFn = opts.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (!fetchFn) throw new FluxionError(`${what}: no fetch() available to download with.${opts.howTo ? ` ${opts.howTo}` : ""}`);
  makeDirs(dir, what);
  for (const r of resources) {
    if (hasVerifiedFile(dir, r)) continue;
    const failures: string[] = [];
    let saved = false;
    for (const mirror of mirrors) {
      const url = mirror.endsWith("/") ? mirror + r.file : `${mirror}/${r.file}`;
      let bytes: Uint8Array;
      try {
        bytes = await fetchBytes(fetchFn, url, r.file, opts.quiet ?? false);
      } catch (e) {
        failures.push(`${url}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      const md5 = hashHex(bytes, "md5");
      if (md5 !== r.md5) {
        failures.push(`${url}: MD5 mismatch (got ${md5}, expected ${r.md5}; ${bytes.length} bytes)`);
        continue;
      }
      writeFileAtomic(joinPath(dir, r.file), bytes, what);
      saved = true;
      break;
    }
    if (!saved) {
      throw new FluxionError(`${what}: could not download ${r.file} into ${dir}. Tried:\n  ${failures.join("\n  ")}${opts.howTo ? `\n${opts.howTo}` : ""}`);
    }
  }
}

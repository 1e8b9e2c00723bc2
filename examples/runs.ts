/**
 * Where a training run writes, so that no run ever overwrites another's results or a
 * better model:
 *
 *   <out>/<model>-<YYYYMMDD-HHMMSS>[-k]/   one folder per run (local time), claimed with an
 *                                          exclusive mkdir, so two runs never share one
 *   <out>/best-<model>.safetensors         the best weights so far; replaced only by a
 *                                          strictly higher test accuracy on the same test set
 *
 * The best file carries its own record in the safetensors metadata (accuracy, run, epoch,
 * test-set digest), so weights and record are replaced together by one atomic save. The
 * compare-and-replace runs under a lock file, so two runs finishing at once cannot let the
 * worse one win.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { FluxionError, io, type Tensor } from "../src/index.js";

/** Creates and returns a new run folder under `out` (missing parents are created). */
export function claimRunDir(out: string, prefix: string, now = new Date()): string {
  const fail = (e: unknown) => new FluxionError(`cannot create a run folder in ${out}: ${e instanceof Error ? e.message : String(e)}`);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw fail(e);
  }
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  for (let k = 1; ; k++) {
    const dir = join(out, `${prefix}-${stamp}${k > 1 ? `-${k}` : ""}`);
    try {
      mkdirSync(dir); // fails if it exists: the folder is ours alone
      return dir;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw fail(e);
    }
  }
}

/** What best-<model>.safetensors records about itself. */
export interface BestRecord {
  /** Test accuracy as a fraction (0.8431). */
  accuracy: number;
  /** The run folder's name and the epoch the weights are from. */
  run: string;
  epoch: number;
  /** Digest of the test images and labels the accuracy was measured on. */
  testSet: string;
}

function recordFromMetadata(meta: Record<string, string> | null): BestRecord | null {
  if (!meta) return null;
  const accuracy = Number(meta.testAccuracy), epoch = Number(meta.epoch);
  if (!Number.isFinite(accuracy) || !Number.isInteger(epoch) || typeof meta.run !== "string" || typeof meta.testSet !== "string") return null;
  return { accuracy, run: meta.run, epoch, testSet: meta.testSet };
}

/**
 * The record of the best file at `path`: null when there is none; "unreadable" with the
 * reason when a file is there but is not a best file we can trust (it is then never replaced).
 */
export function readBest(path: string): BestRecord | null | { unreadable: string } {
  try {
    statSync(path);
  } catch {
    return null;
  }
  try {
    const rec = recordFromMetadata(io.loadWithMetadata(path).metadata);
    return rec ?? { unreadable: "its metadata has no testAccuracy/run/epoch/testSet record" };
  } catch (e) {
    return { unreadable: e instanceof Error ? e.message : String(e) };
  }
}

/** Runs `fn` holding `<path>.lock` (created exclusively; a lock older than a minute is stale). */
function withLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx"));
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { force: true });
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new FluxionError(`could not lock ${lock} for 10 s; if no other run is saving, delete it`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Keeps `path` holding the best weights across a run's epochs: `offer` saves a model when
 * it beats the record there (strictly higher accuracy, same test set), re-reading the file
 * under a lock so a concurrent run's better model is never overwritten; `summary` says
 * what happened. A file that cannot be read, or was measured on another test set, is never
 * replaced.
 */
export class BestCheckpoint {
  /** The accuracy to beat, as far as this run knows (Infinity: never replace). */
  private toBeat = -1;
  /** What the file held before this run first replaced it; undefined until then. */
  private replaced: BestRecord | null | undefined = undefined;
  /** The last record this run wrote. */
  private written: BestRecord | null = null;
  /** The record that beat this run (read at the start or found when offering). */
  private holder: BestRecord | null = null;
  /** Why the file is left alone, when it is not comparable. */
  private blocked: string | null = null;

  constructor(readonly path: string, readonly testSet: string) {
    this.check(readBest(path));
  }

  /** Updates what we know from the file's current record; false when it is not comparable. */
  private check(current: ReturnType<typeof readBest>): current is BestRecord | null {
    if (current && "unreadable" in current) this.blocked = `${this.path} could not be read as a best checkpoint (${current.unreadable}); left as is`;
    else if (current && current.testSet !== this.testSet) this.blocked = `${this.path} was measured on a different test set (run ${current.run}); left as is`;
    else {
      if (current && current !== this.written && current.accuracy > this.toBeat) this.holder = current;
      this.toBeat = Math.max(this.toBeat, current?.accuracy ?? -1);
      return true;
    }
    this.toBeat = Infinity;
    return false;
  }

  /** Saves `weights` as the best if `record` beats the file's record; returns whether it did. */
  offer(weights: Record<string, Tensor> | Map<string, Tensor>, record: BestRecord, extra: Record<string, string> = {}): boolean {
    if (record.testSet !== this.testSet) throw new FluxionError(`BestCheckpoint.offer: record for test set ${record.testSet}, expected ${this.testSet}`);
    if (record.accuracy <= this.toBeat) return false;
    return withLock(this.path, () => {
      const current = readBest(this.path);
      if (!this.check(current) || (current && record.accuracy <= current.accuracy)) return false;
      const metadata = { ...extra, testAccuracy: String(record.accuracy), run: record.run, epoch: String(record.epoch), testSet: record.testSet };
      io.save(weights, this.path, { metadata });
      if (this.replaced === undefined) this.replaced = current;
      this.written = record;
      this.holder = null;
      this.toBeat = record.accuracy;
      return true;
    });
  }

  /** What happened to the file, for the metrics JSON. */
  get outcome(): { action: "created" | "replaced" | "kept" | "left as is"; record: BestRecord | null; previous: BestRecord | null; reason?: string } {
    if (this.blocked) return { action: "left as is", record: null, previous: null, reason: this.blocked };
    if (this.written && !this.holder) return { action: this.replaced ? "replaced" : "created", record: this.written, previous: this.replaced ?? null };
    return { action: "kept", record: this.holder, previous: null };
  }

  /** One line for the console: what happened to the file, compared with `ours` (this run's best epoch). */
  summary(ours: { accuracy: number; epoch: number }): string {
    const pct = (a: number) => `${(100 * a).toFixed(2)}%`;
    const mine = `this run's epoch ${ours.epoch} (${pct(ours.accuracy)})`;
    const o = this.outcome;
    if (o.action === "left as is") return `best: ${o.reason}`;
    if (o.action === "created") return `best: ${this.path} created from ${mine}`;
    if (o.action === "replaced") return `best: ${this.path} replaced: ${mine} beats ${pct(o.previous!.accuracy)} (run ${o.previous!.run}, epoch ${o.previous!.epoch})`;
    return `best: ${this.path} kept: ${pct(o.record!.accuracy)} (run ${o.record!.run}, epoch ${o.record!.epoch}) is not beaten by ${mine}`;
  }
}

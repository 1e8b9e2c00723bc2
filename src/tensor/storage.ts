/**
 * Storage: the memory a tensor and all its views share. On CPU it is a garbage-collected
 * typed array; the version counter is bumped by every in-place write so autograd can tell
 * when a tensor saved for backward was modified afterwards. x.view(dtype) reads the same
 * bytes through another typed array: a second Storage sharing the first one's counter.
 *
 * Inside a compile()d call a storage can be pending (its elements not computed yet) or
 * watched (a recorded graph reads or writes it): `_lazy` is then set, and the first access
 * to `data` runs the recorded graph before it returns (src/compile/recorder.ts).
 */
import type { StorageArray } from "./dtype.js";

let created = 0;
/** The sequence number the next Storage gets: storages with seq >= it are made later. */
export function nextStorageSeq(): number {
  return created;
}
let tracker: Storage[] | null = null;
/** Collects every Storage made until the next call into `into` (null stops); returns the previous collector. */
export function collectStorages(into: Storage[] | null): Storage[] | null {
  const prev = tracker;
  tracker = into;
  return prev;
}

/** @internal What a pending or watched storage calls on its first `data` access (compile). */
export interface LazyStorageHook {
  realize(storage: Storage): void;
  /** The storage's owner gave it up (releaseStorage: nothing reads or writes it again). */
  release?(storage: Storage): void;
}

export class Storage {
  /**
   * Creation order of the memory (autograd frees gradient buffers it made itself: see
   * src/autograd/recycle.ts). An alias (the same bytes read as another dtype) has its
   * base's number: it is as old as the memory it reads.
   */
  readonly seq: number;
  /** The version counter, one per set of bytes: shared with the storages aliasing them. */
  private readonly counter: { version: number };
  /** @internal Set while compile() has this storage pending or watched; null otherwise. */
  _lazy: LazyStorageHook | null = null;
  private _data: StorageArray;
  constructor(
    /** The elements; for bfloat16/float16 the raw 16-bit patterns. */
    data: StorageArray,
    public readonly device: string,
    /** For Tensor.view(dtype): the storage whose bytes `data` reads as another dtype. */
    aliasOf?: Storage,
  ) {
    this._data = data;
    this.counter = aliasOf ? aliasOf.counter : { version: 0 };
    this.seq = aliasOf ? aliasOf.seq : created++;
    if (tracker !== null && !aliasOf) tracker.push(this);
  }
  /** The elements; for bfloat16/float16 the raw 16-bit patterns. */
  get data(): StorageArray {
    if (this._lazy !== null) this._lazy.realize(this);
    return this._data;
  }
  /** @internal The array as it is now, without realizing a pending graph (compile's bookkeeping). */
  _peek(): StorageArray {
    return this._data;
  }
  /** @internal compile(): gives a pending storage the elements its graph computed. */
  _fill(data: StorageArray): void {
    this._data = data;
  }
  get version(): number {
    return this.counter.version;
  }
  set version(v: number) {
    this.counter.version = v;
  }
}

/**
 * Storage: the memory a tensor and all its views share. On CPU it is a garbage-collected
 * typed array; the version counter is bumped by every in-place write so autograd can tell
 * when a tensor saved for backward was modified afterwards. x.view(dtype) reads the same
 * bytes through another typed array: a second Storage sharing the first one's counter.
 */
import type { StorageArray } from "./dtype.js";

export class Storage {
  /** The version counter, one per set of bytes: shared with the storages aliasing them. */
  private readonly counter: { version: number };
  constructor(
    /** The elements; for bfloat16/float16 the raw 16-bit patterns. */
    public readonly data: StorageArray,
    public readonly device: string,
    /** For Tensor.view(dtype): the storage whose bytes `data` reads as another dtype. */
    aliasOf?: Storage,
  ) {
    this.counter = aliasOf ? aliasOf.counter : { version: 0 };
  }
  get version(): number {
    return this.counter.version;
  }
  set version(v: number) {
    this.counter.version = v;
  }
}

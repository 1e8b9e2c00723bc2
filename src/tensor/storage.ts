/**
 * Storage: the memory a tensor and all its views share. On CPU it is a garbage-collected
 * typed array; the version counter is bumped by every in-place write so autograd can tell
 * when a tensor saved for backward was modified afterwards.
 */
import type { TypedArray } from "./dtype.js";

export class Storage {
  version = 0;
  constructor(
    /** The elements; for bfloat16/float16 the raw 16-bit patterns. */
    public readonly data: TypedArray,
    public readonly device: string,
  ) {}
}

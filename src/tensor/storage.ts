/**
 * Storage: the memory a tensor and all its views share. On CPU it is a garbage-collected
 * typed array; the version counter is bumped by every in-place write so autograd can tell
 * when a tensor saved for backward was modified afterwards. x.view(dtype) reads the same
 * bytes through another typed array: a second Storage sharing the first one's counter.
 *
 * On a device with its own memory (WebGPU) the storage holds that backend's handle instead
 * (`memory`, opaque here): its elements cannot be read synchronously, so `data` raises a
 * DeviceError that names the asynchronous reads (`await t.toArrayAsync()`), and the backend
 * reads them back (Backend.readAsync).
 *
 * Inside a compile()d call a storage can be pending (its elements not computed yet) or
 * watched (a recorded graph reads or writes it): `_lazy` is then set, and the first access
 * to `data` runs the recorded graph before it returns (src/compile/recorder.ts).
 */
import { DeviceError } from "../errors.js";
import type { StorageArray } from "./dtype.js";

/**
 * Device memory a backend owns (a GPU buffer): opaque to everything but that backend. The
 * storages that alias one memory (dtype views) share the object, so it is also the key that
 * tells whether two storages read the same bytes.
 */
export interface DeviceMemory {
  /** The size in bytes the storage may address. */
  readonly byteLength: number;
}

const NO_HOST_ARRAY = new Float32Array(0);

/** The message of a synchronous read of device memory: names the asynchronous calls. */
export function syncReadError(what: string, device: string): DeviceError {
  return new DeviceError(
    `${what}: this tensor is on ${device}, whose memory cannot be read synchronously; ` +
      `use \`await t.toArrayAsync()\` (a typed array), \`await t.itemAsync()\` (one value) or \`await t.toAsync("cpu")\` (a CPU tensor)`,
  );
}

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
  /**
   * The backend's device memory (WebGPU); null for host storage, whose elements are `data`.
   * Set by the constructor, and by `_fill` when compile() gives a pending storage its values.
   */
  memory: DeviceMemory | null;
  constructor(
    /** The elements (for bfloat16/float16 the raw 16-bit patterns), or a backend's device memory. */
    data: StorageArray | DeviceMemory,
    public readonly device: string,
    /** For Tensor.view(dtype): the storage whose bytes `data` reads as another dtype. */
    aliasOf?: Storage,
  ) {
    this._data = NO_HOST_ARRAY;
    this.memory = null;
    this._fill(data);
    this.counter = aliasOf ? aliasOf.counter : { version: 0 };
    this.seq = aliasOf ? aliasOf.seq : created++;
    if (tracker !== null && !aliasOf) tracker.push(this);
  }
  /** The elements; for bfloat16/float16 the raw 16-bit patterns. */
  get data(): StorageArray {
    if (this._lazy !== null) this._lazy.realize(this); // a pending storage may get device memory
    if (this.memory !== null) throw syncReadError("reading tensor values", this.device);
    return this._data;
  }
  /**
   * The memory the elements live in, as a key: storages that alias each other give the same
   * one (the typed array's buffer on the host, the backend's handle on a device).
   */
  memoryKey(): object {
    return this.memory ?? this.data.buffer;
  }
  /**
   * @internal The host array as it is now, without realizing a pending graph (compile's
   * bookkeeping); device memory has none (compile() reads `memory` there).
   */
  _peek(): StorageArray {
    if (this.memory !== null) throw new DeviceError(`internal error: a host array was asked of ${this.device} memory`);
    return this._data;
  }
  /**
   * @internal Sets the contents: a host array, or device memory (the constructor; compile()
   * giving a pending storage the elements its graph computed).
   */
  _fill(data: StorageArray | DeviceMemory): void {
    if (ArrayBuffer.isView(data)) {
      this._data = data as StorageArray;
      this.memory = null;
    } else {
      this._data = NO_HOST_ARRAY;
      this.memory = data as DeviceMemory;
    }
  }
  get version(): number {
    return this.counter.version;
  }
  set version(v: number) {
    this.counter.version = v;
  }
}

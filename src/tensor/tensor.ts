/**
 * Tensor: dtype, shape, strides, offset and a reference to shared storage, plus the
 * autograd fields. This file holds only the core (metadata, reading values, autograd
 * entry points); the math methods are attached by the files in src/ops/, each next to the
 * op it exposes, so an op's function, its backward and its method live in one place.
 */
import { ArgumentError, AutogradError, DTypeError, FluxionError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { isFloating, isHalf, itemSize, type DType, type StorageArray, type TypedArray } from "./dtype.js";
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from "./half.js";
import { contiguousStrides, isContiguousLayout, normalizeDim, numelOf } from "./shape.js";
import { checkMemoryFormat, isContiguousIn, type MemoryFormat } from "../ops/memory_format.js";
import { syncReadError, type Storage } from "./storage.js";
import { backendFor, releaseStorage } from "../backend/backend.js";
import type { Node } from "../autograd/node.js";
import { formatTensor } from "./print.js";
import { noteHostRead } from "./host_read.js";
import { removableHandle, type RemovableHandle } from "./removable_handle.js";

export type GradHook = (grad: Tensor) => Tensor | void;

export class Tensor {
  /** Set by autograd: the node that produced this tensor (null for leaves). */
  gradFn: Node | null = null;
  /** Which output of gradFn this tensor is. */
  outputNr = 0;
  /** @internal the storage behind `grad`. */
  _grad: Tensor | null = null;
  /** For views: the tensor that owns the storage (in-place writes through views rebase it). */
  _base: Tensor | null = null;
  /** @internal leaf requires-grad flag; non-leaves require grad through gradFn. */
  _requiresGrad = false;
  /** @internal hooks on a leaf's gradient (non-leaf hooks live on gradFn). */
  _leafHooks: GradHook[] = [];
  /** @internal the AccumulateGrad node of a leaf, shared by all uses. */
  _accumulator: Node | null = null;
  /** @internal set by retainGrad() on a non-leaf. */
  _retainsGrad = false;
  /**
   * @internal for a differentiable view: the storage version at which its gradFn was last
   * known to be right (autograd/view_grad.ts). A field, not a WeakMap entry: a WeakMap of
   * every short-lived view made V8's ephemeron marking most of each full GC (~12 ms a
   * ResNet step).
   */
  _viewVersion = -1;

  /** @internal Use the creation functions (tensor, zeros, ...) instead. */
  constructor(
    public readonly storage: Storage,
    public readonly shape: readonly number[],
    public readonly strides: readonly number[],
    public readonly offset: number,
    public readonly dtype: DType,
  ) {
    // `new torch.Tensor([1, 2])` translated from PyTorch's legacy constructor lands here
    if (shape === undefined) throw new FluxionError("new Tensor(...) is Fluxion's internal constructor; make tensors with tensor(data) (torch.tensor; torch.Tensor(data) is tensor(data, { dtype: \"float32\" })), zeros(sizes), empty(sizes), ...");
  }

  /** @internal A contiguous tensor over the whole storage. */
  static _contiguous(storage: Storage, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(storage, shape, contiguousStrides(shape), 0, dtype);
  }

  get device(): string {
    return this.storage.device;
  }
  /** Bumped by every in-place write to the storage (shared by views). */
  get version(): number {
    return this.storage.version;
  }
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  numel(): number {
    return numelOf(this.shape);
  }
  /** PyTorch's alias of numel(). */
  nelement(): number {
    noArguments("nelement", arguments.length);
    return this.numel();
  }
  /** Bytes of the elements this tensor spans (PyTorch 2.1's nbytes: numel x itemsize). */
  get nbytes(): number {
    return this.numel() * this.itemsize;
  }
  /** Bytes per element (PyTorch 2.1's itemsize; elementSize() as a property). */
  get itemsize(): number {
    return this.elementSize();
  }
  /** Always false: Fluxion has no CUDA device (PyTorch's is_cuda; see `device`). */
  get isCuda(): boolean {
    return false;
  }

  /** size() is the shape; size(d) one dim of it (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    this._checkHasDims("size", dim);
    return this.shape[normalizeDim("size", dim, this.ndim)]!;
  }
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this.strides];
    this._checkHasDims("stride", dim);
    return this.strides[normalizeDim("stride", dim, this.ndim)]!;
  }
  /** size(d)/stride(d) of a 0-d tensor would read past its (empty) shape. */
  private _checkHasDims(op: string, dim: number): void {
    if (this.ndim === 0) throw new IndexError(`${op}: dimension specified as ${dim} but tensor has no dimensions`);
  }
  /**
   * Whether the elements are laid out densely in row-major order, or in `memoryFormat`'s order
   * (x.isContiguous({ memoryFormat: channelsLast }), or the format alone).
   */
  isContiguous(memoryFormat?: MemoryFormat | { memoryFormat?: MemoryFormat }): boolean {
    if (memoryFormat === undefined) return isContiguousLayout(this.shape, this.strides);
    if (arguments.length > 1) throw new ArgumentError(`Tensor.isContiguous() takes at most 1 argument (memoryFormat), but ${arguments.length} were given`);
    const fmt = typeof memoryFormat === "object" && memoryFormat !== null ? memoryFormat.memoryFormat ?? "contiguousFormat" : memoryFormat;
    return isContiguousIn(this, checkMemoryFormat("isContiguous", fmt, null, false));
  }
  isFloatingPoint(): boolean {
    return isFloating(this.dtype);
  }
  /** Whether the dtype is signed (every dtype but bool and uint8), as torch's is_signed(). */
  isSigned(): boolean {
    noArguments("isSigned", arguments.length);
    return this.dtype !== "bool" && this.dtype !== "uint8";
  }
  /** Always false: Fluxion has no complex dtypes (torch's is_complex()). */
  isComplex(): boolean {
    noArguments("isComplex", arguments.length);
    return false;
  }
  /**
   * The size of one element in bytes (torch's element_size()): 8 for float64 and int64, 4 for
   * float32 and int32, 2 for the half types, 1 for int8, uint8 and bool.
   * @example zeros([2], { dtype: "float64" }).elementSize() // 8
   */
  elementSize(): number {
    noArguments("elementSize", arguments.length);
    return itemSize(this.dtype);
  }
  /**
   * Where this tensor starts in its storage, in elements (torch's storage_offset()): 0 for a
   * fresh tensor, nonzero for views such as x.narrow(0, 1, 2) or x.select(0, 3).
   * @example arange(6).reshape(2, 3).select(0, 1).storageOffset() // 3
   */
  storageOffset(): number {
    noArguments("storageOffset", arguments.length);
    return this.offset;
  }

  // ---- autograd -------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._requiresGrad || this.gradFn !== null;
  }
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }
  /** True for tensors created by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Sets requiresGrad on a leaf in place and returns it (torch's requires_grad_; also `{ requiresGrad }`). */
  requiresGrad_(arg: boolean | { requiresGrad?: boolean } = true): this {
    const value = typeof arg === "object" && arg !== null && Object.keys(arg).every((k) => k === "requiresGrad") ? (arg.requiresGrad ?? true) : arg;
    if (typeof value !== "boolean") {
      throw new ArgumentError(`Tensor.requiresGrad_(): argument 'requiresGrad' (position 1) must be bool, but got ${typeof arg === "object" && arg !== null ? `object with keys ${Object.keys(arg).join(", ")}` : `${typeof arg} ${String(arg)}`}`);
    }
    if (this.gradFn !== null) {
      if (value) return this;
      throw new AutogradError(
        "requiresGrad_: you can only change requiresGrad of leaf tensors. If you want to use a computed tensor in a subgraph that doesn't require differentiation, use detach().",
      );
    }
    if (value && !isFloating(this.dtype)) {
      throw new DTypeError(`requiresGrad_: only tensors of floating point dtype can require gradients, got ${this.dtype}`);
    }
    this._requiresGrad = value;
    return this;
  }

  /**
   * Accumulated gradient (leaves, and non-leaves after retainGrad()). Assigning checks what
   * PyTorch checks: a Tensor (or null) of this tensor's shape and dtype.
   */
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) throw new ArgumentError(`grad: assigned grad expected to be a Tensor or null but got ${g === undefined ? "undefined" : typeof g}`);
      if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
        throw new ShapeError(`grad: assigned grad has data of a different size (grad shape ${fmtShape(g.shape)}, tensor shape ${fmtShape(this.shape)})`);
      }
      if (g.dtype !== this.dtype) throw new DTypeError(`grad: assigned grad has data of a different type (grad ${g.dtype}, tensor ${this.dtype})`);
    }
    this._grad = g;
  }

  /** Keeps .grad on a non-leaf after backward (leaves always keep it). */
  retainGrad(): void {
    if (!this.requiresGrad) throw new AutogradError("retainGrad: can't retain grad on a tensor that doesn't require grad");
    if (this.gradFn !== null) this._retainsGrad = true;
  }
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /**
   * Registers a hook called with this tensor's gradient during backward; returning a tensor
   * replaces the gradient. Returns a handle that removes the hook: `h.remove()` (or `h()`).
   */
  registerHook(hook: GradHook): RemovableHandle {
    if (typeof hook !== "function") throw new ArgumentError(`registerHook: the hook must be a function of the gradient, got ${hook === null ? "null" : typeof hook}`);
    if (!this.requiresGrad) throw new AutogradError("registerHook: cannot register a hook on a tensor that doesn't require gradient");
    const list = this.gradFn ? this.gradFn.hooksFor(this.outputNr) : this._leafHooks;
    return removableHandle(list, hook);
  }

  // ---- reading values -------------------------------------------------------------------

  /** @internal The raw elements in row-major order (a copy when the tensor is a view). */
  _rawContiguous(): StorageArray {
    const n = this.numel();
    if (this.offset === 0 && this.isContiguous() && this.storage.data.length === n) return this.storage.data;
    if (this.isContiguous()) return this.storage.data.subarray(this.offset, this.offset + n);
    return this.contiguous().storage.data;
  }

  /**
   * The elements as a new typed array in row-major order (torch's `.numpy()`):
   * Float32Array, Float64Array, Int32Array, Uint8Array for bool and uint8, Int8Array,
   * BigInt64Array for int64; bfloat16/float16 are widened to Float32Array. Synchronous on CPU.
   *
   * The declared type is the number arrays; name the array type for an int64 tensor:
   * `t.toTypedArray<BigInt64Array>()` (as tfjs's `dataSync<D>()` does).
   * @example tensor([1n, 2n]).toTypedArray<BigInt64Array>() // BigInt64Array [1n, 2n]
   */
  toTypedArray(): TypedArray;
  toTypedArray<A extends StorageArray>(): A;
  toTypedArray(): StorageArray {
    this._checkHostReadable("toTypedArray");
    noteHostRead(this, "toTypedArray");
    return this._readValues();
  }

  /**
   * The elements as a typed array over the tensor's own memory (torch's `.numpy()`, which
   * shares it too): writes through either show in the other; fromTypedArray(array) is the way
   * back. For contiguous CPU tensors (any offset: a row of a matrix is one) of the dtypes with
   * a typed array of their own; a tensor that requires grad is refused, as PyTorch refuses
   * (detach() first). `toTypedArray()` copies instead, from any layout and dtype.
   * @example const t = ones(3); const a = t.asTypedArray(); t.add_(1); a // Float32Array [2, 2, 2]
   */
  asTypedArray(): TypedArray;
  asTypedArray<A extends StorageArray>(): A;
  asTypedArray(): StorageArray {
    noArguments("asTypedArray", arguments.length);
    this._checkHostReadable("asTypedArray");
    if (this.requiresGrad) throw new AutogradError("asTypedArray: can't share the memory of a tensor that requires grad (PyTorch: Can't call numpy() on Tensor that requires grad); use t.detach().asTypedArray()");
    if (this.dtype === "bfloat16" || this.dtype === "float16") {
      throw new DTypeError(`asTypedArray: ${this.dtype} has no typed array of its own (its storage holds 16-bit patterns); toTypedArray() gives the values as a Float32Array`);
    }
    if (!this.isContiguous()) {
      throw new FluxionError(`asTypedArray: a tensor of shape ${fmtShape(this.shape)} with strides ${fmtShape(this.strides)} is not contiguous, so no typed array can hold its elements in order; contiguous() copies it into one that is`);
    }
    noteHostRead(this, "asTypedArray");
    const data = this.storage.data;
    return data.subarray(this.offset, this.offset + this.numel()) as StorageArray;
  }

  /** @internal Throws the DeviceError naming the asynchronous reads when the elements live in device memory. */
  _checkHostReadable(what: string): void {
    if (this.storage.memory !== null) throw syncReadError(what, this.device);
  }

  /**
   * The elements as a new typed array in row-major order, as `toTypedArray()` gives them, on
   * any device: a GPU tensor's memory is read back asynchronously (WebGPU cannot read it
   * synchronously); a CPU tensor's is read at once.
   * @example const values = await x.to("webgpu").relu().toArrayAsync(); // Float32Array
   */
  async toArrayAsync(): Promise<TypedArray>;
  async toArrayAsync<A extends StorageArray>(): Promise<A>;
  async toArrayAsync(): Promise<StorageArray> {
    noArguments("toArrayAsync", arguments.length);
    // pending in compile(): its graph runs first (or, for a value it did not keep, this raises)
    if (this.storage._lazy !== null) this.storage._lazy.realize(this.storage);
    if (this.storage.memory === null) return this.toTypedArray();
    noteHostRead(this, "toArrayAsync");
    const c = this.isContiguous() ? this : this.contiguous();
    const raw = await backendFor(c.device).readAsync!(c.storage, c.offset, c.numel(), c.dtype);
    return widenHalf(this.dtype, raw);
  }

  /** The single value of a one-element tensor (as `item()` gives it), on any device. */
  async itemAsync<T extends number | boolean | bigint = number>(): Promise<T> {
    noArguments("itemAsync", arguments.length);
    if (this.numel() !== 1) {
      throw new FluxionError(`itemAsync: a Tensor with ${this.numel()} elements (shape ${fmtShape(this.shape)}) cannot be converted to a scalar`);
    }
    const values = await this.toArrayAsync<StorageArray>();
    return elementValue(this.dtype, values[0]!) as T;
  }

  /**
   * Gives this tensor's memory back now rather than when the garbage collector finds it (GPU
   * memory is scarcer than the collector knows). The tensor, and every view sharing its
   * storage, must not be used afterwards. Optional: unreferenced memory is released anyway.
   */
  dispose(): void {
    noArguments("dispose", arguments.length);
    releaseStorage(this.storage);
  }

  /** @internal toTypedArray() without telling the host-read listeners (host_read.ts does). */
  _readValues(): StorageArray {
    const raw = this._rawContiguous();
    if (isHalf(this.dtype)) {
      const conv = this.dtype === "bfloat16" ? bfloat16BitsToFloat32 : float16BitsToFloat32;
      const out = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = conv(raw[i] as number);
      return out;
    }
    return raw.slice();
  }

  /**
   * PyTorch's `t.data`: this tensor detached from autograd, sharing its storage, so
   * `p.data.add_(-lr * g)` updates p without recording. Assigning `t.data = other` makes
   * this tensor use other's storage, shape and dtype (torch's set_data).
   *
   * For code written against earlier Fluxion versions, calling it, `t.toTypedArray()`, still
   * returns the typed array (deprecated: use `t.toTypedArray()`).
   */
  get data(): DataAccessor {
    return dataAccessor(this);
  }
  set data(other: Tensor) {
    if (!(other instanceof Tensor)) throw new FluxionError(`data: can only assign a Tensor to .data, got ${other === null ? "null" : typeof other}`);
    if (this.requiresGrad && !isFloating(other.dtype)) throw new DTypeError(`data: cannot assign a ${other.dtype} tensor to .data of a tensor that requires grad`);
    const self = this as { -readonly [K in "storage" | "shape" | "strides" | "offset" | "dtype"]: Tensor[K] };
    self.storage = other.storage;
    self.shape = other.shape;
    self.strides = other.strides;
    self.offset = other.offset;
    self.dtype = other.dtype;
  }

  /**
   * The single value of a one-element tensor as a JS number; for a bool tensor a boolean
   * (as PyTorch's item()), and for an int64 value beyond the safe integers (|v| > 2^53 - 1)
   * a bigint, so no value is ever rounded. Typed as number unless asked:
   * `mask.any().item<boolean>()`, `big.item<bigint>()`.
   * @example tensor([2n ** 60n]).item<bigint>() // 1152921504606846976n; tensor([7n]).item() // 7
   */
  item<T extends number | boolean | bigint = number>(): T {
    this._checkHostReadable("item");
    noteHostRead(this, "item");
    return this._itemValue() as T;
  }

  /** @internal item() without telling the host-read listeners (host_read.ts does). */
  _itemValue(): number | boolean | bigint {
    if (this.numel() !== 1) {
      throw new FluxionError(`item: a Tensor with ${this.numel()} elements (shape ${fmtShape(this.shape)}) cannot be converted to a scalar`);
    }
    return elementValue(this.dtype, this._readValues()[0]!);
  }

  /**
   * Nested JS arrays of the values (a number or boolean for 0-d tensors); int64 elements
   * as item() gives them (numbers, bigints beyond the safe integers).
   */
  tolist(): any {
    this._checkHostReadable("tolist");
    noteHostRead(this, "tolist");
    const flat = this._readValues();
    const dtype = this.dtype;
    const shape = this.shape;
    let pos = 0;
    const build = (d: number): any => {
      if (d === shape.length) return elementValue(dtype, flat[pos++]!);
      const out = new Array(shape[d]);
      for (let i = 0; i < shape[d]!; i++) out[i] = build(d + 1);
      return out;
    };
    return build(0);
  }

  toString(): string {
    this._checkHostReadable("toString (printing)");
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Iterates over dim 0, as Python's `for row in t`, `a, b = t` and `zip(t, ...)` do: the
   * slices of `unbind(0)` (views, differentiable). A 0-d tensor raises, as PyTorch's.
   * @example
   * const [mu, logStd] = out.T;         // mu, log_std = out.T
   * for (const row of batch) total += f(row);  // for row in batch: ...
   */
  [Symbol.iterator](): Iterator<Tensor> {
    if (this.ndim === 0) throw new ArgumentError(`iteration over a 0-d tensor (shape ${fmtShape(this.shape)}); read it with item()`);
    return this.unbind(0)[Symbol.iterator]();
  }

  /** @internal Throws unless `i` is a valid index into dim `d`. */
  _checkIndex(op: string, d: number, i: number): number {
    const n = this.shape[d]!;
    if (!Number.isInteger(i) || i < -n || i >= n) {
      throw new IndexError(`${op}: index ${i} is out of bounds for dimension ${d} with size ${n} (shape ${fmtShape(this.shape)})`);
    }
    return i < 0 ? i + n : i;
  }
}

/** Refuses arguments to a method that takes none (JavaScript callers get no type check). */
function noArguments(method: string, given: number): void {
  if (given > 0) throw new ArgumentError(`Tensor.${method}() takes no arguments but ${given} ${given === 1 ? "was" : "were"} given`);
}

/** Raw half-precision patterns widened to float32 (as toTypedArray gives them); other arrays as they are. */
function widenHalf(dtype: DType, raw: StorageArray): StorageArray {
  if (!isHalf(dtype)) return raw;
  const conv = dtype === "bfloat16" ? bfloat16BitsToFloat32 : float16BitsToFloat32;
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = conv(raw[i] as number);
  return out;
}

/** One stored element as item() returns it: bool as boolean, int64 as a number when that is exact. */
function elementValue(dtype: DType, v: number | bigint): number | boolean | bigint {
  if (typeof v === "bigint") return v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v;
  return dtype === "bool" ? v !== 0 : v;
}

/** `t.data`: a detached tensor that can also be called as the old `t.data()` typed-array read. */
export type DataAccessor = Tensor & (() => TypedArray);

let warnedDataCall = false;
/**
 * The detached view behind `t.data`, wrapped so that calling it (`t.data()`, the typed-array
 * read of earlier versions) still works. Property reads, writes and method calls all go to
 * the detached tensor, and `instanceof Tensor` holds.
 */
function dataAccessor(t: Tensor): DataAccessor {
  const detached = (t as unknown as { detach(): Tensor }).detach();
  const call = function data(): TypedArray {
    if (!warnedDataCall) {
      warnedDataCall = true;
      console.warn("fluxion: t.data() is deprecated; use t.toTypedArray() (t.data is now the detached tensor, as in PyTorch)");
    }
    return detached.toTypedArray();
  };
  return new Proxy(call, {
    get: (_f, key) => {
      const v = Reflect.get(detached, key, detached);
      return v;
    },
    set: (_f, key, value) => Reflect.set(detached, key, value, detached),
    has: (_f, key) => Reflect.has(detached, key),
    getPrototypeOf: () => Tensor.prototype,
    apply: () => call(),
  }) as unknown as DataAccessor;
}

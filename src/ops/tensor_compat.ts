/**
 * Tensor methods PyTorch programs call that are about memory and legacy spellings rather than
 * math: ndimension(), the conjugate transposes H/mH/adjoint() (plain transposes: Fluxion has
 * no complex dtypes), sumToSize, resize_/resizeAs_, dataPtr(), isCpu, isPinned(), the
 * per-element JavaScript callbacks apply_/map_/map2_, getDevice(), isShared()/shareMemory_(), the layout predicates (layout, isSparse,
 * isQuantized, isMeta), and clear errors for what a CPU-only
 * framework without int16 cannot do (cuda(), pinMemory(), short()).
 */
import { defineOp, type MethodsOf } from "../api/registry.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { AutogradError, DTypeError, DeviceError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { tensor } from "../tensor/creation.js";
import { itemSize } from "../tensor/dtype.js";
import { checkNumel, contiguousStrides, expandableTo } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { reduceGradToShape } from "./helpers.js";
import { applyInPlace } from "./inplace.js";

const SIGS = {
  ndimension: "ndimension(Tensor self) -> int",
  adjoint: "adjoint(Tensor self) -> Tensor",
  sumToSize: "sumToSize(Tensor self, int... size) -> Tensor",
  resize_: "resize_(Tensor self, int... size) -> self",
  resizeAs_: "resizeAs_(Tensor self, Tensor other) -> self",
  dataPtr: "dataPtr(Tensor self) -> int",
  isPinned: "isPinned(Tensor self) -> bool",
  pinMemory: "pinMemory(Tensor self) -> Tensor",
  cuda: "cuda(Tensor self, Device? device=null, bool nonBlocking=false) -> Tensor",
  apply_: "apply_(Tensor self, Callable callable) -> self",
  map_: "map_(Tensor self, Tensor other, Callable callable) -> self",
  map2_: "map2_(Tensor self, Tensor x, Tensor y, Callable callable) -> self",
  getDevice: "getDevice(Tensor self) -> int",
  isShared: "isShared(Tensor self) -> bool",
  shareMemory_: "shareMemory_(Tensor self) -> self",
  short: "short(Tensor self) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {
    /** The conjugate transpose of a matrix (x.H): its transpose, as Fluxion's tensors are real. */
    readonly H: Tensor;
    /** The conjugate transpose of the last two dims (x.mH): x.mT for real tensors. */
    readonly mH: Tensor;
    /** Whether the tensor is on the CPU (torch's is_cpu). */
    readonly isCpu: boolean;
    /** "strided": Fluxion's only layout (torch.strided; no sparse layouts). */
    readonly layout: "strided";
    /** Always false: Fluxion has no sparse tensors (torch's is_sparse). */
    readonly isSparse: boolean;
    /** Always false: Fluxion has no quantized tensors (torch's is_quantized). */
    readonly isQuantized: boolean;
    /** Always false: Fluxion has no meta device (torch's is_meta). */
    readonly isMeta: boolean;
  }
}

const m = { variants: "method" } as const;

function adjoint(x: Tensor): Tensor {
  if (x.ndim < 2) throw new ShapeError(`adjoint: tensor must have at least 2 dimensions, got shape ${fmtShape(x.shape)}`);
  return x.transpose(-2, -1);
}

/** x summed over the dims `size` broadcasts to (torch's sum_to_size). */
function sumToSize(x: Tensor, size: number[]): Tensor {
  if (!expandableTo(size, x.shape)) throw new ShapeError(`sumToSize: size ${fmtShape(size)} is not expandable to size ${fmtShape(x.shape)}`);
  return reduceGradToShape(x, size);
}

/**
 * self takes `size` with contiguous strides from its offset; the storage grows (the new
 * elements are zeros, where PyTorch leaves them uninitialized) when it is too small.
 */
function resize_(x: Tensor, size: number[]): Tensor {
  if (size.some((s) => !Number.isInteger(s) || s < 0)) throw new ShapeError(`resize_: sizes must be non-negative integers, got ${fmtShape(size)}`);
  if (isGradEnabled() && x.requiresGrad) throw new AutogradError("resize_: cannot resize variables that require grad");
  if (x.device !== "cpu") throw new DeviceError(`resize_: only CPU tensors can be resized (this one is on ${x.device})`);
  checkNumel("resize_", [x.offset + size.reduce((a, b) => a * b, 1)], x.dtype);
  const numel = size.reduce((a, b) => a * b, 1);
  const need = x.offset + numel;
  const data = x.storage.data;
  if (need > data.length) {
    const grown = new (data.constructor as new (n: number) => typeof data)(need);
    (grown as { set(a: ArrayLike<unknown>): void }).set(data as ArrayLike<unknown>);
    x.storage._fill(grown);
  }
  const self = x as { -readonly [K in "shape" | "strides"]: Tensor[K] };
  self.shape = [...size];
  self.strides = contiguousStrides(size);
  x.storage.version++;
  return x;
}

/** Synthetic base addresses of host memories, so dataPtr() compares the way addresses do. */
const bases = new WeakMap<object, number>();
let nextBase = 1 << 16;
function dataPtr(x: Tensor): number {
  const data = x.device === "cpu" ? x.storage.data : null;
  const key = data ? data.buffer : x.storage.memoryKey();
  let base = bases.get(key);
  if (base === undefined) {
    base = nextBase;
    nextBase += Math.ceil(((key as { byteLength?: number }).byteLength ?? 0) / 64) * 64 + 64;
    bases.set(key, base);
  }
  return base + (data?.byteOffset ?? 0) + x.offset * itemSize(x.dtype);
}

/** The elements as JavaScript numbers (booleans for bool), in row-major order. */
function valuesOf(x: Tensor): (number | boolean)[] {
  const flat = x.contiguous().reshape([-1]).tolist() as (number | boolean | bigint)[];
  return flat.map((v) => (typeof v === "bigint" ? Number(v) : v));
}

function checkCallback(op: string, fn: unknown): void {
  if (typeof fn !== "function") throw new FluxionError(`${op}: expected a function, got ${fn === null ? "null" : typeof fn}`);
}

function applyCallback(op: string, x: Tensor, compute: () => (number | boolean | bigint)[]): Tensor {
  if (x.device !== "cpu") throw new DeviceError(`${op}: only works on CPU tensors (this one is on ${x.device})`);
  if (isGradEnabled() && x.requiresGrad) throw new AutogradError(`${op}: can't call ${op} on a tensor that requires grad`);
  return applyInPlace(x, op, () => {
    const out = compute();
    const values = x.dtype === "int64" ? out.map((v) => (typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v))))) : out.map((v) => (typeof v === "bigint" ? Number(v) : v));
    return tensor(values as number[], { dtype: x.dtype }).reshape(x.shape);
  }, [], false);
}

type Callback = (...values: (number | boolean)[]) => number | boolean | bigint;

/**
 * Every element replaced by fn(element), in place (torch's apply_): a JavaScript callback per
 * element, CPU only and slow, for tests and preprocessing. int64 elements arrive as numbers;
 * the results are converted to self's dtype.
 */
function apply_(x: Tensor, fn: Callback): Tensor {
  checkCallback("apply_", fn);
  return applyCallback("apply_", x, () => valuesOf(x).map((v) => fn(v)));
}

/** x[i] = fn(x[i], other[i]) in place, other broadcast to x's shape (torch's map_). */
function map_(x: Tensor, other: Tensor, fn: Callback): Tensor {
  checkCallback("map_", fn);
  if (!expandableTo(other.shape, x.shape)) throw new ShapeError(`map_: other of shape ${fmtShape(other.shape)} cannot be broadcast to self's shape ${fmtShape(x.shape)}`);
  return applyCallback("map_", x, () => {
    const b = valuesOf(other.expand(x.shape));
    return valuesOf(x).map((v, i) => fn(v, b[i]!));
  });
}

/** x[i] = fn(x[i], a[i], b[i]) in place, a and b broadcast to x's shape (torch's map2_). */
function map2_(x: Tensor, a: Tensor, b: Tensor, fn: Callback): Tensor {
  checkCallback("map2_", fn);
  for (const [name, t] of [["x", a], ["y", b]] as const) {
    if (!expandableTo(t.shape, x.shape)) throw new ShapeError(`map2_: ${name} of shape ${fmtShape(t.shape)} cannot be broadcast to self's shape ${fmtShape(x.shape)}`);
  }
  return applyCallback("map2_", x, () => {
    const va = valuesOf(a.expand(x.shape)), vb = valuesOf(b.expand(x.shape));
    return valuesOf(x).map((v, i) => fn(v, va[i]!, vb[i]!));
  });
}

/** The bytes' buffer is a SharedArrayBuffer (what JavaScript shares between threads without copying). */
function isShared(x: Tensor): boolean {
  return x.device === "cpu" && typeof SharedArrayBuffer !== "undefined" && x.storage.data.buffer instanceof SharedArrayBuffer;
}

export const COMPAT_FNS = {
  adjoint: defineOp(SIGS.adjoint, adjoint),
};
defineOp(SIGS.ndimension, (x: Tensor) => x.ndim, m);
defineOp(SIGS.sumToSize, sumToSize, m);
defineOp(SIGS.resize_, resize_, m);
defineOp(SIGS.resizeAs_, (x: Tensor, other: Tensor) => resize_(x, [...other.shape]), m);
defineOp(SIGS.dataPtr, dataPtr, m);
defineOp(SIGS.isPinned, () => false, m);
defineOp(SIGS.pinMemory, () => {
  throw new DeviceError("pinMemory: pinned memory is for copies to a CUDA device, which Fluxion does not have (CPU tensors need no pinning)");
}, m);
defineOp(SIGS.cuda, () => {
  throw new DeviceError('cuda: Fluxion has no CUDA device (torch.cuda.isAvailable() is false); its GPU device is "webgpu": x.to("webgpu") after await initWebGPU()');
}, m);
defineOp(SIGS.short, () => {
  throw new DTypeError("short: Fluxion has no int16 dtype (its integer dtypes are uint8, int8, int32 and int64)");
}, m);

defineOp(SIGS.apply_, apply_, m);
defineOp(SIGS.map_, map_, m);
defineOp(SIGS.map2_, map2_, m);
/** -1 for a CPU tensor (as PyTorch's get_device()), 0 for the one WebGPU device. */
defineOp(SIGS.getDevice, (x: Tensor) => (x.device === "cpu" ? -1 : Number(/:(\d+)$/.exec(x.device)?.[1] ?? 0)), m);
/**
 * isShared(): whether the elements live in a SharedArrayBuffer (a tensor made by frombuffer over
 * one), which worker threads can read and write without copies; PyTorch's shared memory is for
 * other processes. shareMemory_() returns self and moves nothing: Fluxion's storages may be
 * aliased by views of other dtypes, which a move would separate. To share a tensor with
 * workers, make it over a SharedArrayBuffer: `frombuffer(new SharedArrayBuffer(n * 4), { dtype: "float32" })`.
 */
defineOp(SIGS.isShared, isShared, m);
defineOp(SIGS.shareMemory_, (x: Tensor) => x, m);

const P = Tensor.prototype;
Object.defineProperty(P, "H", {
  get(this: Tensor) {
    if (this.ndim !== 2) throw new ShapeError(`H: tensor.H is only supported on matrices (2-D tensors). Got ${this.ndim}-D tensor.`);
    return this.transpose(0, 1);
  },
});
Object.defineProperty(P, "mH", {
  get(this: Tensor) {
    if (this.ndim < 2) throw new ShapeError(`mH: tensor must have at least 2 dimensions, got shape ${fmtShape(this.shape)}`);
    return this.transpose(-2, -1);
  },
});
Object.defineProperty(P, "isCpu", { get(this: Tensor) { return this.device === "cpu"; } });
Object.defineProperty(P, "layout", { get: () => "strided" });
for (const name of ["isSparse", "isQuantized", "isMeta"]) Object.defineProperty(P, name, { get: () => false });

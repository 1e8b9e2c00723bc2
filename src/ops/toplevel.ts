/**
 * The torch.* functions that are not tensor math: the default dtype, finfo/iinfo, type
 * predicates (isTensor, isFloatingPoint, numel, ...) and the default generator's state
 * (seed, initialSeed, getRngState/setRngState), typename/isStorage, broadcastShapes and the
 * anomaly-mode switches (isAnomalyEnabled/setAnomalyEnabled, autograd's detectAnomaly state).
 * Declared like every op, so the arguments are checked and documented the same way.
 */
import { defineOp } from "../api/registry.js";
import { ArgumentError, DTypeError, DeviceError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { isInferenceModeEnabled as inferenceEnabled } from "../autograd/grad_mode.js";
import { isAnomalyCheckNanEnabled as anomalyCheckNan, isAnomalyEnabled as anomalyEnabled, setDetectAnomaly } from "../autograd/anomaly_mode.js";
import { broadcastShapes as broadcast } from "../tensor/shape.js";
import { Storage } from "../tensor/storage.js";
import { getDefaultDtype as getDefault, setDefaultDtype as setDefault, type DType } from "../tensor/dtype.js";
import { defaultGenerator } from "../tensor/random.js";
import { FInfo, IInfo, finfoImpl, iinfoImpl } from "../tensor/type_info.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { GradScaler } from "../amp/grad_scaler.js";

const fn = { variants: "function" } as const;

/** torch.set_default_dtype: float32 (the initial default), float64, float16 or bfloat16. */
export const setDefaultDtype = defineOp("setDefaultDtype(ScalarType d) -> None", (d: DType) => setDefault(d), fn);
/** torch.get_default_dtype. */
export const getDefaultDtype = defineOp("getDefaultDtype() -> ScalarType", () => getDefault(), fn) as () => DType;

/** torch.finfo: bits, eps, max, min, tiny (smallestNormal), resolution of a float dtype (the default dtype when omitted). */
export const finfo = defineOp("finfo(ScalarType? type=null) -> Any", (d: DType | null) => finfoImpl(d), fn) as (type?: DType | null | { type?: DType | null }) => FInfo;
/** torch.iinfo: bits, max, min of an integer dtype (int64's as bigints). */
export const iinfo = defineOp("iinfo(ScalarType type) -> Any", (d: DType) => iinfoImpl(d), fn) as (type: DType | { type: DType }) => IInfo;

/**
 * torch.is_tensor: whether obj is a Tensor (a Parameter is one). A plain function rather than
 * a declared op: any value, undefined and option-like objects included, is the argument.
 * @example isTensor(zeros(2)) // true; isTensor([1, 2]) // false
 */
export function isTensor(obj: unknown): boolean {
  if (arguments.length !== 1) throw new ArgumentError(`isTensor() takes 1 argument (obj), but got ${arguments.length}`);
  return obj instanceof Tensor;
}
/** torch.is_floating_point. */
export const isFloatingPoint = defineOp("isFloatingPoint(Tensor input) -> bool", (t: Tensor) => t.isFloatingPoint(), fn);
/** torch.is_complex: always false, Fluxion has no complex dtypes. */
export const isComplex = defineOp("isComplex(Tensor input) -> bool", () => false, fn);
/** torch.is_signed: whether the dtype holds negative values (all but bool and uint8). */
export const isSigned = defineOp("isSigned(Tensor input) -> bool", (t: Tensor) => t.isSigned(), fn);
/**
 * torch.is_inference: always false. Tensors made inside inferenceMode are ordinary tensors in
 * Fluxion (PyTorch's "inference tensors" refuse later autograd use; Fluxion's do not).
 */
export const isInference = defineOp("isInference(Tensor self) -> bool", () => false);
/** torch.numel. */
export const numel = defineOp("numel(Tensor input) -> int", (t: Tensor) => t.numel(), fn);

const ISNONZERO = "isNonzero(Tensor self) -> bool";
const ISSAMESIZE = "isSameSize(Tensor self, Tensor other) -> bool";

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Always false (torch.Tensor.is_inference): Fluxion has no inference tensors, see isInference. */
    isInference(): boolean;
    /** Whether the one value of a one-element tensor is nonzero (torch.Tensor.is_nonzero; reads it on the host). */
    isNonzero(): boolean;
    /** Whether the shapes are equal (torch.Tensor.is_same_size). */
    isSameSize(other: Tensor): boolean;
  }
}

/**
 * torch.is_nonzero: the truth of a one-element tensor (a host read, as bool(t)); more or
 * fewer elements are ambiguous, as in PyTorch.
 */
export const isNonzero = defineOp(ISNONZERO, (t: Tensor) => {
  const n = t.numel();
  if (n === 0) throw new FluxionError(`isNonzero: Boolean value of Tensor with no values is ambiguous (shape ${fmtShape(t.shape)})`);
  if (n > 1) throw new FluxionError(`isNonzero: Boolean value of Tensor with more than one value is ambiguous (shape ${fmtShape(t.shape)})`);
  const v = t.item() as number | boolean | bigint;
  return typeof v === "bigint" ? v !== 0n : Number(v) !== 0; // NaN is nonzero, as in PyTorch
});
/** torch.is_same_size. */
export const isSameSize = defineOp(ISSAMESIZE, (a: Tensor, b: Tensor) => a.ndim === b.ndim && a.shape.every((s, i) => s === b.shape[i]));

/**
 * torch.seed: reseeds the default generator with a non-deterministic seed (below 2^53, so it
 * is an exact JS number) and returns it.
 */
export const seed = defineOp("seed() -> int", () => {
  const s = Math.floor(Math.random() * 2 ** 21) * 2 ** 32 + ((Date.now() ^ Math.floor(Math.random() * 2 ** 32)) >>> 0);
  defaultGenerator.manualSeed(s);
  return s;
}, fn);
/** torch.initial_seed: the default generator's seed. */
export const initialSeed = defineOp("initialSeed() -> int", () => defaultGenerator.initialSeed(), fn);

const STATE_BYTES = 16;

/**
 * torch.get_rng_state: the default generator's state as a uint8 tensor (16 bytes: the Philox
 * key and offset, little-endian; PyTorch's CPU state is a 5056-byte Mersenne Twister state,
 * so the two are not interchangeable). setRngState(state) replays the stream from there.
 * @example const s = getRngState(); const a = rand(3); setRngState(s); rand(3) // equals a
 */
export const getRngState = defineOp("getRngState() -> Tensor", () => tensor(new Uint8Array(new Uint32Array(defaultGenerator.getState()).buffer)), fn);

/** torch.set_rng_state: restores a state from getRngState(). */
export const setRngState = defineOp("setRngState(Tensor newState) -> None", (state: Tensor) => {
  if (state.dtype !== "uint8") throw new DTypeError(`setRngState: expected a uint8 tensor (from getRngState()), got dtype ${state.dtype}`);
  if (state.ndim !== 1 || state.shape[0] !== STATE_BYTES) {
    throw new ShapeError(`setRngState: expected a state of ${STATE_BYTES} bytes (shape [${STATE_BYTES}], from getRngState()), got shape ${fmtShape(state.shape)}`);
  }
  const bytes = Uint8Array.from(state.toTypedArray() as Uint8Array);
  defaultGenerator.setState(Array.from(new Uint32Array(bytes.buffer)));
}, fn);

/** torch.is_inference_mode_enabled. */
export const isInferenceModeEnabled = defineOp("isInferenceModeEnabled() -> bool", () => inferenceEnabled(), fn);

/** PyTorch 1.13's device types (torch.device accepts any of them, built or not) and Fluxion's webgpu. */
const DEVICE_TYPES = ["cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "ort", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "privateuseone", "webgpu"];

/**
 * torch.device: devices are strings in Fluxion ("cpu", "webgpu"), so this checks a device
 * string as PyTorch parses it and returns it ("cuda:1", or type:index when index is given).
 * Like PyTorch, a device type that is not available here is accepted until a tensor is put
 * on it (`cuda` then raises a DeviceError naming the available devices).
 * @example
 * const device = device(cuda.isAvailable() ? "cuda" : "cpu"); // "cpu"
 * zeros(2, { device }); model.to(device);
 */
export const device = defineOp("device(str type, int? index=null) -> str", (type: string, index: number | null) => {
  const m = /^([a-z_]+)(?::(\d+))?$/.exec(type);
  if (m === null) {
    if (/^[a-z_]+(:|$)/.test(type) && DEVICE_TYPES.includes(type.split(":")[0]!)) throw new DeviceError(`device: Invalid device string: '${type}'`);
    throw new DeviceError(`device: Expected one of ${DEVICE_TYPES.join(", ")} device type at start of device string: ${type}`);
  }
  if (!DEVICE_TYPES.includes(m[1]!)) throw new DeviceError(`device: Expected one of ${DEVICE_TYPES.join(", ")} device type at start of device string: ${type}`);
  if (index === null) return type;
  if (m[2] !== undefined) throw new DeviceError(`device: type (string) must not include an index because index was passed explicitly: ${type}`);
  if (index < 0) throw new DeviceError(`device: Device index must not be negative, got ${index}`);
  return `${type}:${index}`;
}, fn) as (type: string | { type: string; index?: number | null }, index?: number | null | { index?: number | null }) => string;

/**
 * torch.cuda's queries, for the `device = "cuda" if torch.cuda.is_available() else "cpu"`
 * idiom: Fluxion has no CUDA backend (its GPU device is "webgpu", see initWebGPU), so
 * isAvailable() is false and deviceCount() is 0.
 */
export const cuda = {
  /** torch.cuda.is_available(): always false. */
  isAvailable(...args: unknown[]): boolean {
    if (args.length !== 0) throw new ArgumentError(`cuda.isAvailable() takes no arguments, but got ${args.length}`);
    return false;
  },
  /** torch.cuda.device_count(): always 0. */
  deviceCount(...args: unknown[]): number {
    if (args.length !== 0) throw new ArgumentError(`cuda.deviceCount() takes no arguments, but got ${args.length}`);
    return 0;
  },
  /** torch.cuda.manual_seed(seed): nothing to seed (as PyTorch's without CUDA); the seed is checked. */
  manualSeed(seed: unknown): void {
    checkSeed("cuda.manualSeed", seed);
  },
  /** torch.cuda.manual_seed_all(seed): as manualSeed. */
  manualSeedAll(seed: unknown): void {
    checkSeed("cuda.manualSeedAll", seed);
  },
  /** torch.cuda.empty_cache(): nothing is cached for a device that does not exist. */
  emptyCache(...args: unknown[]): void {
    if (args.length !== 0) throw new ArgumentError(`cuda.emptyCache() takes no arguments, but got ${args.length}`);
  },
  /** torch.cuda.synchronize(): raises, as PyTorch's without CUDA. */
  synchronize(): never {
    throw noCuda("cuda.synchronize");
  },
  /** torch.cuda.current_device(): raises, as PyTorch's without CUDA. */
  currentDevice(): never {
    throw noCuda("cuda.currentDevice");
  },
  /** torch.cuda.get_device_name(): raises, as PyTorch's without CUDA. */
  getDeviceName(): never {
    throw noCuda("cuda.getDeviceName");
  },
  /**
   * torch.cuda.amp: its GradScaler is amp.GradScaler (which scales on any device), so
   * `scaler = torch.cuda.amp.GradScaler(enabled=(dtype == "float16"))` translates as is.
   * Autocast is `amp.autocast` with a deviceType (Fluxion's devices are "cpu" and "webgpu").
   */
  amp: { GradScaler } as { readonly GradScaler: typeof GradScaler },
};
function noCuda(what: string): DeviceError {
  return new DeviceError(`${what}: Fluxion has no CUDA device (cuda.isAvailable() is false); its GPU device is "webgpu"`);
}
function checkSeed(what: string, seed: unknown): void {
  if (!(typeof seed === "bigint" || (typeof seed === "number" && Number.isInteger(seed)))) {
    throw new ArgumentError(`${what}: seed must be an integer, got ${typeof seed === "number" ? seed : typeof seed}`);
  }
}

/** PyTorch's legacy tensor type names, by dtype (torch.typename, Tensor.type()). */
const TYPE_NAMES: Record<DType, string> = {
  float32: "torch.FloatTensor", float64: "torch.DoubleTensor", float16: "torch.HalfTensor", bfloat16: "torch.BFloat16Tensor",
  int64: "torch.LongTensor", int32: "torch.IntTensor", int8: "torch.CharTensor", uint8: "torch.ByteTensor", bool: "torch.BoolTensor",
} as Record<DType, string>;

/**
 * torch.typename: "torch.FloatTensor" (the legacy type name) for a tensor; for anything else
 * its class name (PyTorch gives the Python module path, "torch.nn.modules.linear.Linear",
 * which has no JavaScript equivalent), or typeof for a primitive ("number", "string").
 * @example typename(zeros(2)) // "torch.FloatTensor"; typename(new nn.Linear(1, 1)) // "Linear"
 */
export function typename(obj: unknown): string {
  if (arguments.length !== 1) throw new ArgumentError(`typename() takes 1 argument (obj), but got ${arguments.length}`);
  if (obj instanceof Tensor) return TYPE_NAMES[obj.dtype] ?? `torch.${obj.dtype}`;
  if (obj === null) return "null";
  if (typeof obj === "object" || typeof obj === "function") {
    // callable instances (a Module is one) are named by their class, plain functions "function"
    const name = (Object.getPrototypeOf(obj) as { constructor?: { name?: string } } | null)?.constructor?.name;
    if (typeof obj === "function" && (name === undefined || name === "Function")) return "function";
    return name && name.length > 0 ? name : "Object";
  }
  return typeof obj;
}

/**
 * torch.is_storage: whether obj is a tensor's storage (`x.storage`, a Storage); a tensor is not one.
 * @example isStorage(x.storage) // true; isStorage(x) // false
 */
export function isStorage(obj: unknown): boolean {
  if (arguments.length !== 1) throw new ArgumentError(`isStorage() takes 1 argument (obj), but got ${arguments.length}`);
  return obj instanceof Storage;
}

/**
 * torch.broadcast_shapes: the shape tensors of these shapes broadcast to, without making
 * tensors; an int is a 1-D shape, as in PyTorch.
 * @example broadcastShapes([2, 1], [3]) // [2, 3]
 */
export function broadcastShapes(...shapes: (number | readonly number[])[]): number[] {
  const list = shapes.map((s, i) => {
    const shape = typeof s === "number" ? [s] : s;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d))) {
      throw new ArgumentError(`broadcastShapes: each shape must be an int or a list of ints, got ${JSON.stringify(s)} at position ${i}`);
    }
    const bad = shape.find((d) => d < 0);
    if (bad !== undefined) throw new ShapeError(`broadcastShapes: Trying to create tensor with negative dimension (${bad}): ${fmtShape(shape)}`);
    return shape;
  });
  return broadcast("broadcastShapes", ...list);
}

/** torch.is_anomaly_enabled: whether autograd's anomaly detection is on (autograd.detectAnomaly / setDetectAnomaly). */
export const isAnomalyEnabled = defineOp("isAnomalyEnabled() -> bool", () => anomalyEnabled(), fn);
/** torch.is_anomaly_check_nan_enabled: whether anomaly detection checks backward results for NaN. */
export const isAnomalyCheckNanEnabled = defineOp("isAnomalyCheckNanEnabled() -> bool", () => anomalyCheckNan(), fn);
/**
 * torch.set_anomaly_enabled(enabled, check_nan=True): turns autograd's anomaly detection on or
 * off, the same switch as autograd.setDetectAnomaly.
 * @example setAnomalyEnabled(true); isAnomalyEnabled() // true
 */
export const setAnomalyEnabled = defineOp("setAnomalyEnabled(bool enabled, bool checkNan=true) -> None", (enabled: boolean, checkNan: boolean) => {
  setDetectAnomaly(enabled, checkNan);
}, fn);

/**
 * amp.autocast: regions where the matmul/convolution family runs in bfloat16 (or float16)
 * and losses in float32, with PyTorch's CPU policy (./policy.ts).
 *
 *   amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => { loss = criterion(model(x), y) });
 *   using _ = amp.autocast({ deviceType: "cpu" }).enter();   // `with torch.autocast("cpu"):`
 *
 * It is an op layer of the dispatcher (src/backend/dispatcher.ts addOpLayer), installed
 * while a region is open: for each public op with a policy it casts the floating tensor
 * arguments with the differentiable cast, so autograd records the casts (their backward
 * casts gradients back: float32 parameters get float32 gradients) and the op itself sees
 * one dtype. Ops inside a listed op run with autocast suspended, as PyTorch's do. Casting
 * at primitive granularity cannot work here: ops check operand dtypes and record their
 * backward (with the tensors they save) above the primitive dispatch.
 */
import { addOpLayer } from "../backend/dispatcher.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError, DTypeError, FluxionError } from "../errors.js";
import { cast } from "../ops/conversion.js";
import { isFloating, promoteTypes, type DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { castPolicy, type CastPolicy } from "./policy.js";

/** The dtypes autocast can lower to. */
export type AutocastDType = "bfloat16" | "float16";

/** autocast's arguments as one object (the form a PyTorch user's keywords translate to). */
export interface AutocastOptions {
  /** The device whose ops are autocast; Fluxion's CPU backend: "cpu". */
  deviceType: string;
  /** The low-precision dtype; "bfloat16" by default on CPU (as PyTorch's). */
  dtype?: AutocastDType;
  /** false makes a region that turns autocast off (inside an enabled one, say). Default true. */
  enabled?: boolean;
  /** Reuse the cast of a float32 parameter within a region (PyTorch's cache_enabled). Default true. */
  cacheEnabled?: boolean | null;
}

interface State {
  enabled: boolean;
  dtype: AutocastDType;
  cacheEnabled: boolean;
}

const DEVICE_TYPES = ["cpu"];
let state: State = { enabled: false, dtype: "bfloat16", cacheEnabled: true };
/** Open regions (enabled or not): the layer is installed while > 0 and the cache cleared at 0. */
let nesting = 0;
/** > 0 inside an op with a policy: its inner ops are not autocast again. */
let suspended = 0;
let removeLayer: (() => void) | null = null;

/** Casts of float32 leaf parameters, reused while a region is open (weights used twice cast once). */
const castCache = new Map<Tensor, { version: number; cast: Tensor }>();

const AUTOCAST = "AutocastMode(str deviceType, ScalarType? dtype=null, bool enabled=true, bool? cacheEnabled=null)";
const autocastArgs = declareArgs(AUTOCAST, "amp");

function validated(args: ArrayLike<unknown>, where: string): State {
  const [deviceType, dtype0, enabled, cacheEnabled] = autocastArgs.bind(args);
  checkDeviceType(deviceType, where);
  const dtype = dtype0 ?? "bfloat16";
  if (dtype !== "bfloat16" && dtype !== "float16") {
    throw new DTypeError(`${where}: dtype must be "bfloat16" or "float16" (the lower-precision dtypes autocast runs in), got ${dtype}`);
  }
  return { enabled, dtype, cacheEnabled: cacheEnabled ?? true };
}

function open(next: State): State {
  const prev = state;
  state = next;
  if (nesting++ === 0) removeLayer = addOpLayer(autocastLayer);
  return prev;
}

function close(prev: State): void {
  state = prev;
  if (--nesting === 0) {
    castCache.clear(); // as PyTorch's: casts live until the outermost region exits
    removeLayer?.();
    removeLayer = null;
  }
}

/**
 * A region's handle, PyTorch's autocast object: `enter()` turns its settings on (returning
 * the handle, so `using _ = amp.autocast(opts).enter()` closes it at the end of the block),
 * `exit()` restores what was on before. Regions close innermost first.
 */
export class AutocastMode {
  private readonly settings: State;
  /** The states to restore, one per enter() not yet exited (a handle may be re-entered). */
  private readonly saved: State[] = [];

  /** Takes autocast's arguments: `("cpu", "bfloat16")` or `({ deviceType: "cpu", dtype: "bfloat16" })`. */
  constructor(...args: CtorArgs<typeof AUTOCAST>) {
    this.settings = validated(args, creatingFor);
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }
  get dtype(): AutocastDType {
    return this.settings.dtype;
  }

  /** Turns the region on (torch.autocast's __enter__). */
  enter(): this {
    this.saved.push(open(this.settings));
    openHandles.push(this);
    return this;
  }

  /** Restores the settings from before the matching enter() (torch.autocast's __exit__). */
  exit(): void {
    if (this.saved.length === 0) throw new FluxionError("amp.autocast: exit() called on a region that is not entered");
    if (openHandles[openHandles.length - 1] !== this) {
      throw new FluxionError("amp.autocast: exit() of an outer region while an inner one is still entered; regions close innermost first");
    }
    openHandles.pop();
    close(this.saved.pop()!);
  }

  /** `using` support: the same as exit(). */
  [Symbol.dispose](): void {
    this.exit();
  }

  /** Runs `fn` inside the region and closes it, also when `fn` throws. */
  run<T>(fn: () => T): T {
    this.enter();
    let r: T;
    try {
      r = fn();
    } finally {
      this.exit();
    }
    if (r !== null && typeof r === "object" && typeof (r as { then?: unknown }).then === "function") {
      throw new FluxionError("amp.autocast: the function returned a Promise; the region closed before it settled, so its awaited part ran without autocast. Use a synchronous function, or enter()/exit() around the awaited code");
    }
    return r;
  }
}

const openHandles: AutocastMode[] = [];
/** Which name argument errors carry: the function the user called. */
let creatingFor = "AutocastMode";

/**
 * Autocast, PyTorch's `torch.autocast(device_type, dtype, enabled, cache_enabled)`.
 * With a function, runs it in the region and returns its result; without, returns the
 * region's handle (`.enter()`/`.exit()`, or `using`). Regions nest: an inner one (say
 * `enabled: false`) applies until it exits, then the outer one again.
 * @example
 * const loss = amp.autocast({ deviceType: "cpu", dtype: "bfloat16" }, () => criterion(model(x), y));
 * loss.backward(); // outside the region, as in PyTorch
 * @example
 * const ac = amp.autocast({ deviceType: "cpu" }).enter();
 * try { ... } finally { ac.exit(); }
 */
export function autocast<T>(opts: AutocastOptions, fn: () => T): T;
export function autocast(opts: AutocastOptions): AutocastMode;
export function autocast<T>(deviceType: string, fn: () => T): T;
export function autocast<T>(deviceType: string, dtype: AutocastDType | null, fn: () => T): T;
export function autocast<T>(deviceType: string, dtype: AutocastDType | null, enabled: boolean, fn: () => T): T;
export function autocast(...args: CtorArgs<typeof AUTOCAST>): AutocastMode;
export function autocast(...args: unknown[]): unknown {
  const fn = typeof args[args.length - 1] === "function" ? (args.pop() as () => unknown) : undefined;
  creatingFor = "amp.autocast";
  let mode: AutocastMode;
  try {
    mode = new AutocastMode(...(args as CtorArgs<typeof AUTOCAST>));
  } finally {
    creatingFor = "AutocastMode";
  }
  return fn === undefined ? mode : mode.run(fn);
}

function checkDeviceType(deviceType: string, where: string): void {
  if (!DEVICE_TYPES.includes(deviceType)) throw new ArgumentError(`${where}: deviceType '${deviceType}' is not supported; autocast runs on ${DEVICE_TYPES.map((d) => `'${d}'`).join(", ")}`);
}

/** Whether ops on `deviceType` are autocast now (torch.is_autocast_cpu_enabled). */
export function isAutocastEnabled(deviceType = "cpu"): boolean {
  checkDeviceType(deviceType, "amp.isAutocastEnabled");
  return state.enabled;
}

/** The dtype autocast lowers to on `deviceType` (torch.get_autocast_cpu_dtype). */
export function getAutocastDtype(deviceType = "cpu"): AutocastDType {
  checkDeviceType(deviceType, "amp.getAutocastDtype");
  return state.dtype;
}

// ---- the op layer ---------------------------------------------------------------------------

/** A tensor autocast may cast: floating but not float64 (as PyTorch's is_eligible), on an autocast device. */
function eligible(t: Tensor): boolean {
  return t.dtype !== "float64" && isFloating(t.dtype) && DEVICE_TYPES.includes(t.device);
}

function castTo(t: Tensor, dtype: DType): Tensor {
  if (!eligible(t) || t.dtype === dtype) return t;
  const cacheable = state.cacheEnabled && dtype === state.dtype && t.dtype === "float32" && t.isLeaf && t.requiresGrad && t._base === null && isGradEnabled();
  if (!cacheable) return cast(t, dtype);
  const hit = castCache.get(t);
  if (hit && hit.version === t.version) return hit.cast;
  const c = cast(t, dtype);
  castCache.set(t, { version: t.version, cast: c });
  return c;
}

/** Applies `f` to the tensors among an op's arguments: top level, in arrays, in an options object. */
function mapTensors(args: unknown[], f: (t: Tensor) => Tensor): unknown[] {
  return args.map((a) => {
    if (a instanceof Tensor) return f(a);
    if (Array.isArray(a)) return a.some((x) => x instanceof Tensor) ? a.map((x) => (x instanceof Tensor ? f(x) : x)) : a;
    if (a !== null && typeof a === "object" && Object.getPrototypeOf(a) === Object.prototype) {
      const o = a as Record<string, unknown>;
      if (!Object.values(o).some((v) => v instanceof Tensor)) return a;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(o)) Object.defineProperty(copy, k, { value: o[k] instanceof Tensor ? f(o[k] as Tensor) : o[k], enumerable: true, writable: true, configurable: true });
      return copy;
    }
    return a;
  });
}

function widestDtype(args: unknown[], start: DType): DType {
  let d = start;
  mapTensors(args, (t) => {
    if (eligible(t)) d = promoteTypes(d, t.dtype);
    return t;
  });
  return d;
}

function castArgs(policy: CastPolicy, args: unknown[]): unknown[] {
  const target = policy === "lowerPrecision" ? state.dtype : policy === "fp32" ? "float32" : widestDtype(args, state.dtype);
  return mapTensors(args, (t) => castTo(t, target));
}

function autocastLayer(op: string, args: unknown[], next: (args: unknown[]) => unknown): unknown {
  if (!state.enabled || suspended > 0) return next(args);
  const policy = castPolicy(op);
  if (policy === undefined) return next(args);
  const cast = castArgs(policy, args);
  suspended++;
  try {
    return next(cast);
  } finally {
    suspended--;
  }
}

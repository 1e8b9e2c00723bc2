/**
 * deepcopy: Python's copy.deepcopy for what a Fluxion program holds — modules, tensors and
 * the plain values around them (target networks, EMA teachers, "best model" snapshots).
 *
 * As Python's: one memo per call maps each original object to its copy, so an object met
 * twice (a submodule or parameter shared by two layers, a cycle) is copied once and stays
 * shared within the copy; functions are shared, not copied; a class with a
 * `__deepcopy__(memo)` method makes its own copy. Modules are copied without running their
 * constructor (module.ts's _deepcopyModule: fields, registrations, hooks, training flag).
 * Tensors as torch.Tensor.__deepcopy__: only leaves (a tensor computed by a recorded op is
 * refused, as in PyTorch); a plain tensor's storage is copied whole, once per storage, so
 * views copied together still share memory; requiresGrad and a leaf's .grad are copied. A
 * Parameter is copied as torch's Parameter.__deepcopy__: a clone of its data, the same
 * requiresGrad and class, no .grad. Copies run through the dispatcher (a `copy` primitive
 * per storage): nothing is read on the host, and device tensors stay on their device.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { describeValue } from "../api/args.js";
import { backendFor } from "../backend/backend.js";
import { dispatch } from "../backend/dispatcher.js";
import { ArgumentError, AutogradError, FluxionError } from "../errors.js";
import { Module, _deepcopyModule } from "../nn/module.js";
import { Parameter } from "../nn/parameter.js";
import { itemSize } from "../tensor/dtype.js";
import type { Storage } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor.js";

/** The memo of a deepcopy call: each original object (or storage) and its copy. */
export type DeepcopyMemo = Map<unknown, unknown>;

/**
 * A deep copy of `x`, as Python's `copy.deepcopy(x)`: a module (any subclass, its
 * constructor not called) with independent parameters and buffers, a tensor, or arrays,
 * Maps, Sets and objects holding them. Pass a `memo` Map to share it across calls (Python's
 * memo dict).
 * @example
 * const target = utils.deepcopy(policy); // DQN target network: same outputs, trained separately
 * const snapshot = copy.deepcopy(model.stateDict());
 */
export function deepcopy<T>(x: T, memo?: DeepcopyMemo): T {
  if (arguments.length === 0) throw new ArgumentError("deepcopy() missing 1 required positional argument: 'x'");
  if (arguments.length > 2) throw new ArgumentError(`deepcopy() takes from 1 to 2 positional arguments but ${arguments.length} were given`);
  if (memo !== undefined && memo !== null && !(memo instanceof Map)) throw new ArgumentError(`deepcopy(): argument 'memo' must be a Map (Python's memo dict), but got ${describeValue(memo)}`);
  return copyValue(x, memo ?? new Map(), "") as T;
}

function at(path: string): string {
  return path === "" ? "" : ` (at ${path})`;
}

function copyValue(v: unknown, memo: DeepcopyMemo, path: string): unknown {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return v;
  if (memo.has(v)) return memo.get(v);
  const own = (v as { __deepcopy__?: unknown }).__deepcopy__;
  if (typeof own === "function") {
    const r: unknown = own.call(v, memo);
    memo.set(v, r);
    return r;
  }
  if (v instanceof Module) return _deepcopyModule(v, memo, (x, k) => copyValue(x, memo, `${path}.${k}`));
  if (typeof v === "function") return v; // Python shares functions too
  if (v instanceof Tensor) return copyTensor(v, memo, path);
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    if (Object.getPrototypeOf(v) !== Array.prototype) Object.setPrototypeOf(out, Object.getPrototypeOf(v) as object);
    memo.set(v, out);
    copyProperties(v, out, memo, path, new Set(["length"]));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(copyValue(k, memo, `${path}[key]`), copyValue(x, memo, `${path}[${String(k)}]`));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(copyValue(x, memo, `${path}[item]`));
    return out;
  }
  if (v instanceof Date) return remember(memo, v, new Date(v.getTime()));
  if (v instanceof RegExp) {
    const r = new RegExp(v.source, v.flags);
    r.lastIndex = v.lastIndex;
    return remember(memo, v, r);
  }
  if (v instanceof ArrayBuffer) return remember(memo, v, v.slice(0));
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return remember(memo, v, new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));
    return remember(memo, v, (v as unknown as { slice(): unknown }).slice());
  }
  if (v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef || v instanceof Promise || (typeof FinalizationRegistry !== "undefined" && v instanceof FinalizationRegistry)) {
    throw new FluxionError(`deepcopy(): cannot copy a ${v.constructor.name}${at(path)}; its contents are not reachable (define __deepcopy__(memo) on the object holding it)`);
  }
  // any other object, as Python copies an instance: same prototype, every own property copied
  const out = Object.create(Object.getPrototypeOf(v) as object | null) as object;
  memo.set(v, out);
  copyProperties(v as object, out, memo, path, null);
  if (Object.isFrozen(v)) Object.freeze(out);
  else if (Object.isSealed(v)) Object.seal(out);
  else if (!Object.isExtensible(v)) Object.preventExtensions(out);
  return out;
}

function remember<T>(memo: DeepcopyMemo, v: unknown, copy: T): T {
  memo.set(v, copy);
  return copy;
}

/** Own properties (symbols and non-enumerable ones too), descriptors kept, data values copied. */
function copyProperties(src: object, dst: object, memo: DeepcopyMemo, path: string, skip: Set<string> | null): void {
  for (const key of Reflect.ownKeys(src)) {
    if (skip !== null && typeof key === "string" && skip.has(key)) continue;
    const desc = Reflect.getOwnPropertyDescriptor(src, key)!;
    if ("value" in desc) desc.value = copyValue(desc.value, memo, `${path}${typeof key === "string" ? (/^\d+$/.test(key) ? `[${key}]` : `.${key}`) : `[${String(key)}]`}`);
    Reflect.defineProperty(dst, key, desc);
  }
}

/** The number of `dtype` elements a storage holds (device memory: its size over the backend's element size). */
function storageLength(storage: Storage, t: Tensor): number {
  if (storage.memory !== null) {
    const b = backendFor(storage.device);
    return Math.floor(storage.memory.byteLength / (b.deviceItemSize?.(t.dtype) ?? itemSize(t.dtype)));
  }
  return storage.data.length;
}

function copyTensor(t: Tensor, memo: DeepcopyMemo, path: string): Tensor {
  if (t.gradFn !== null) {
    throw new AutogradError(`deepcopy(): only tensors created explicitly by the user (graph leaves) support deepcopy, but this one${at(path)} was computed by ${t.gradFn.name}; detach() it first`);
  }
  return noGrad(() => {
    let out: Tensor;
    if (t instanceof Parameter) {
      // torch's Parameter.__deepcopy__: Parameter(self.data.clone(), self.requires_grad); no .grad
      out = new Parameter(dispatch("copy", [t.detach()], {}), t.requiresGrad);
      const proto = Object.getPrototypeOf(t) as object;
      if (proto !== Parameter.prototype) Object.setPrototypeOf(out, proto); // UninitializedParameter, a user's subclass
      memo.set(t, out);
      return out;
    }
    // the whole storage once, so tensors sharing memory share it in the copy too
    let whole = memo.get(t.storage) as Tensor | undefined;
    if (whole === undefined) {
      const n = storageLength(t.storage, t);
      whole = dispatch("copy", [dispatch("view", [t], { shape: [n], strides: [1], offset: 0 })], {});
      memo.set(t.storage, whole);
    }
    out = dispatch("view", [whole], { shape: t.shape, strides: t.strides, offset: t.offset });
    memo.set(t, out);
    if (t.requiresGrad) out.requiresGrad_(true);
    if (t.grad !== null) out.grad = copyValue(t.grad, memo, `${path}.grad`) as Tensor;
    return out;
  });
}

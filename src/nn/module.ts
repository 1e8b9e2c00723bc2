/**
 * nn.Module: the base class of layers and models. As in PyTorch, parameters and submodules
 * assigned to fields are registered automatically (found by walking the instance's own
 * fields in declaration order), buffers are registered explicitly with registerBuffer, and
 * stateDict keys use PyTorch's dotted names (`fc1.weight`, `bn.running_mean`).
 *
 * @example
 * class SimpleNet extends nn.Module {
 *   fc1 = new nn.Linear(784, 128);
 *   relu = new nn.ReLU();
 *   fc2 = new nn.Linear(128, 10);
 *   forward(x: Tensor) { return this.fc2(this.relu(this.fc1(x))); }
 * }
 * const model = new SimpleNet();
 * model(x); // same as model.call(x): forward with hooks; model.forward(x) skips hooks
 *
 * Modules are callable like PyTorch's: the constructor returns a function object whose
 * prototype is the module's class, so `instanceof`, fields and methods all behave as usual.
 */
import { ArgumentError, FluxionError, ShapeError, fmtShape, nameIn } from "../errors.js";
import { popPublicOp, pushPublicOp } from "../backend/dispatcher.js";
import { noGrad } from "../autograd/grad_mode.js";
import { enterFramework, enterUserCode, leaveFramework, leaveUserCode, runUserCode } from "../compile/state.js";
import { bindCall, describeValue, registerTypeCheck } from "../api/args.js";
import { checkArity } from "../api/check_args.js";
import { parseSignature } from "../api/schema.js";
import type { CtorArgs } from "../api/types.js";
import type { DType } from "../tensor/dtype.js";
import { checkMemoryFormat, toMemoryFormat, type MemoryFormat } from "../ops/memory_format.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";
import { removableHandle, type RemovableHandle } from "../tensor/removable_handle.js";
import { BackwardHook, type FullBackwardHook } from "./backward_hook.js";
import { defineSlot, moduleProxy, type AttrState } from "./module_attrs.js";

// The methods' arguments in PyTorch's positional order (or an options object naming them), as
// everywhere else: `m.loadStateDict(sd, false)`, `this.registerBuffer("mask", m, false)`.
const REGISTER_BUFFER = "registerBuffer(str name, Tensor? tensor, bool persistent=true)";
const NAMED_PARAMETERS = "namedParameters(str prefix=\"\", bool recurse=true)";
const NAMED_BUFFERS = "namedBuffers(str prefix=\"\", bool recurse=true)";
const NAMED_MODULES = "namedModules(Any? memo=null, str prefix=\"\", bool removeDuplicate=true)";
const ZERO_GRAD = "zeroGrad(bool setToNone=true)";
const TRAIN = "train(bool mode=true)";
const REQUIRES_GRAD_ = "requiresGrad_(bool requiresGrad=true)";
const PARAMETERS = "parameters(bool recurse=true)";
const BUFFERS = "buffers(bool recurse=true)";
const LOAD_STATE_DICT = "loadStateDict(Dict stateDict, bool strict=true)";
const STATE_DICT = "stateDict(Dict? destination=null, str prefix=\"\", bool keepVars=false)";
const SIGS = {
  registerBuffer: parseSignature(REGISTER_BUFFER),
  namedParameters: parseSignature(NAMED_PARAMETERS),
  namedBuffers: parseSignature(NAMED_BUFFERS),
  namedModules: parseSignature(NAMED_MODULES),
  zeroGrad: parseSignature(ZERO_GRAD),
  train: parseSignature(TRAIN),
  requiresGrad_: parseSignature(REQUIRES_GRAD_),
  parameters: parseSignature(PARAMETERS),
  buffers: parseSignature(BUFFERS),
  loadStateDict: parseSignature(LOAD_STATE_DICT),
  stateDict: parseSignature(STATE_DICT),
};

/** Called after forward with the inputs and output; a returned value (not undefined or null) replaces the output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown;
/** Called before forward with the inputs; a returned array replaces them (any other value becomes the one input). */
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown;
export type { FullBackwardHook } from "./backward_hook.js";
export type StateDict = Record<string, Tensor>;
/**
 * What loadStateDict returns, as PyTorch's _IncompatibleKeys named tuple: the keys by name
 * (`r.missingKeys`) or unpacked in order (`const [missing, unexpected] = m.loadStateDict(sd, false)`).
 */
export type IncompatibleKeys = { missingKeys: string[]; unexpectedKeys: string[] } & Iterable<string[]>;

function incompatibleKeys(missingKeys: string[], unexpectedKeys: string[]): IncompatibleKeys {
  const r = { missingKeys, unexpectedKeys };
  // not enumerable: the object still reads (and compares) as { missingKeys, unexpectedKeys }
  Object.defineProperty(r, Symbol.iterator, {
    value: function* () {
      yield missingKeys;
      yield unexpectedKeys;
    },
    enumerable: false,
  });
  return r as IncompatibleKeys;
}

interface ModuleInternals extends AttrState {
  /** Fields a forward pre-hook recomputes from other state (weightNorm's weight): a deep copy copies them detached. */
  recomputed: Set<string>;
  forwardHooks: ForwardHook[];
  forwardPreHooks: ForwardPreHook[];
  backwardHooks: FullBackwardHook[];
}

const internals = new WeakMap<Module, ModuleInternals>();
function state(m: Module): ModuleInternals {
  let s = internals.get(m);
  if (!s) {
    s = { buffers: new Map(), nonPersistent: new Set(), params: new Map(), paramFields: new Set(), moduleFields: new Set(), childOrder: new Set(), recomputed: new Set(), forwardHooks: [], forwardPreHooks: [], backwardHooks: [] };
    internals.set(m, s);
  }
  return s;
}

/**
 * A module object with the given prototype and nothing else: a function that calls the
 * module (so modules are callable) whose prototype is the class's, wrapped in the Proxy that
 * applies PyTorch's __setattr__ rules to assignments (module_attrs.ts).
 */
function moduleShell(proto: object): Module {
  const callable = ((...inputs: unknown[]) => module.call(...inputs)) as unknown as Module;
  // a plain function's own `length` and `name` would shadow module fields and getters
  delete (callable as { length?: number }).length;
  delete (callable as { name?: string }).name;
  Object.setPrototypeOf(callable, proto);
  const module = moduleProxy(callable, state);
  rawModules.set(module, callable);
  return module;
}

/** Each module (the Proxy) and the object it wraps: writes to the latter bypass the attribute rules. */
const rawModules = new WeakMap<Module, Module>();

/** What other files do when a module is deep-copied (lazy.ts: a lazy module's copy is still lazy). */
const copyListeners: ((src: Module, copy: Module) => void)[] = [];
/** @internal Registers `fn(src, copy)`, run after each module copy. */
export function onModuleCopy(fn: (src: Module, copy: Module) => void): void {
  copyListeners.push(fn);
}

/**
 * @internal deepcopy (utils/deepcopy.ts) of a module: a new module of the same class, made
 * without running its constructor (as Python's copy.deepcopy), registered in `memo` before
 * anything inside is copied (so cycles and shared submodules resolve to the copy). Every own
 * property is copied with `copyValue` (descriptors kept: a read-only field stays read-only),
 * the registrations (parameters, buffers, persistence, kinds of fields) and the hook lists
 * (the hook functions themselves are shared, as PyTorch's deepcopy shares functions).
 */
export function _deepcopyModule(src: Module, memo: Map<unknown, unknown>, copyValue: (v: unknown, key: string) => unknown): Module {
  const copy = moduleShell(Object.getPrototypeOf(src) as object);
  memo.set(src, copy);
  const s = state(src);
  const ns = state(copy);
  for (const k of s.paramFields) ns.paramFields.add(k);
  for (const k of s.moduleFields) ns.moduleFields.add(k);
  for (const k of s.childOrder) ns.childOrder.add(k);
  for (const k of s.recomputed) ns.recomputed.add(k);
  ns.forwardHooks.push(...s.forwardHooks);
  ns.forwardPreHooks.push(...s.forwardPreHooks);
  ns.backwardHooks.push(...s.backwardHooks);
  const slotNames = new Set([...s.params.keys(), ...s.buffers.keys()]);
  // the registered slots first (their order is the registries' order), then the fields in order
  for (const [k, v] of s.params) defineSlot(copy, "param", k, v === null ? null : (copyValue(v, k) as Parameter), ns);
  for (const [k, v] of s.buffers) defineSlot(copy, "buffer", k, v === null ? null : (copyValue(v, k) as Tensor), ns);
  for (const k of s.nonPersistent) ns.nonPersistent.add(k); // defineSlot forgets it
  for (const key of Reflect.ownKeys(src)) {
    if (typeof key === "string" && slotNames.has(key)) continue;
    const desc = Reflect.getOwnPropertyDescriptor(src, key)!;
    // a weight a hook computes (a non-leaf) is copied as its values: the copy's hook recomputes it
    if (typeof key === "string" && s.recomputed.has(key) && desc.value instanceof Tensor) desc.value = desc.value.detach();
    if ("value" in desc) desc.value = copyValue(desc.value, typeof key === "string" ? key : String(key));
    // through the proxy: the kinds of the fields were copied above, so the rules just agree
    Reflect.defineProperty(copy, key, desc);
  }
  for (const fn of copyListeners) fn(src, copy);
  return copy;
}

/** @internal Marks (or with false unmarks) a field that a forward pre-hook recomputes (weightNorm's weight): deepcopy copies it detached. */
export function _markRecomputed(m: Module, name: string, on: boolean): void {
  if (on) state(m).recomputed.add(name);
  else state(m).recomputed.delete(name);
}

/** @internal The forward pre-hooks of a module, live (weightNorm / spectralNorm find and remove theirs). */
export function _forwardPreHooks(m: Module): ForwardPreHook[] {
  return state(m).forwardPreHooks;
}

/** @internal What `name` is on m (not its submodules): a parameter (registered, or a field holding one), a buffer, or neither. */
export function _tensorKind(m: Module, name: string): "param" | "buffer" | null {
  const s = state(m);
  if (s.params.has(name) || (s.paramFields.has(name) && Object.hasOwn(m, name))) return "param";
  return s.buffers.has(name) ? "buffer" : null;
}

/** @internal m's own parameters and buffers (persistent or not), by name, in stateDict order. */
export function _ownTensors(m: Module): [string, Tensor][] {
  const out: [string, Tensor][] = [...m["ownParameters"]()];
  for (const [k, b] of state(m).buffers) if (b) out.push([k, b]);
  return out;
}

/**
 * @internal Puts `value` (any value: a plain tensor where a Parameter was) in place of m's
 * attribute `name` without the attribute rules (stateless.functionalCall): a registered
 * parameter or buffer takes it in its slot; a field, a computed attribute (a parametrized
 * tensor's getter) or a name m lacks is shadowed by an own field. Returns what undoes it,
 * which gives the value held just before (forward may have assigned a new one).
 */
export function _swapAttribute(m: Module, name: string, value: unknown): () => unknown {
  const s = state(m);
  const slots = (s.params.has(name) ? s.params : s.buffers.has(name) ? s.buffers : null) as Map<string, unknown> | null;
  if (slots) {
    const old = slots.get(name);
    slots.set(name, value);
    return () => {
      const now = slots.get(name);
      slots.set(name, old);
      return now;
    };
  }
  const raw = rawModules.get(m)!;
  const desc = Reflect.getOwnPropertyDescriptor(raw, name);
  Reflect.defineProperty(raw, name, { value, writable: true, configurable: true, enumerable: desc?.enumerable ?? true });
  return () => {
    const now = Reflect.get(raw, name);
    if (desc) Reflect.defineProperty(raw, name, desc);
    else Reflect.deleteProperty(raw, name);
    return now;
  };
}

/** `Module` in a declaration (`Sequential(Module... modules)`) is this class. */
declare module "../api/types.js" {
  interface ExtraBaseTypes {
    Module: Module;
  }
}

/** Calling a module runs forward with its hooks, typed from the subclass's forward. */
export interface Module {
  (...inputs: Parameters<this["forward"]>): ReturnType<this["forward"]>;
}

export abstract class Module {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training!: boolean;

  constructor() {
    const module = moduleShell(new.target.prototype);
    module.training = true;
    return module;
  }

  /** The computation; override in subclasses. */
  abstract forward(...inputs: any[]): any;

  /**
   * Runs forward with the registered hooks (PyTorch's module(x)), in PyTorch's order: forward
   * pre-hooks, the backward hooks' input side, forward, forward hooks, their output side.
   */
  call(...inputs: any[]): any {
    const s = state(this);
    // a pre-hook's array replaces the inputs, any other value (not undefined or null) is the one input, as PyTorch wraps a non-tuple
    const pre = (xs: unknown[], h: ForwardPreHook): unknown[] => {
      const r = h(this, xs);
      return r === undefined || r === null ? xs : Array.isArray(r) ? r : [r];
    };
    if (s.forwardPreHooks.length > 0) inputs = runUserCode(inputs, () => s.forwardPreHooks.reduce(pre, inputs));
    // the hooks registered now (one removed before backward still runs, as in PyTorch)
    const bw = s.backwardHooks.length > 0 ? new BackwardHook(this, s.backwardHooks.slice()) : null;
    if (bw) inputs = bw.setupInputHook(inputs);
    // kernels the module dispatches itself are attributed to it ("nn.Linear") by profilers
    pushPublicOp(`nn.${this.constructor.name}`);
    // a user's forward is user code, whatever called the module: compile() keeps what it
    // sees (a built-in forward is a framework frame of its own: markBuiltInModules)
    const user = !builtInForwards.has(this.forward);
    const depth = user ? enterUserCode(inputs) : 0;
    let out: any;
    try {
      out = this.forward(...inputs);
    } catch (e) {
      throw nameIn(e, this.constructor.name); // the innermost module names itself: "Upsample: interpolate: ..."
    } finally {
      if (user) leaveUserCode(depth, out);
      popPublicOp();
    }
    if (s.forwardHooks.length > 0) out = runUserCode([inputs, out], () => s.forwardHooks.reduce((o, h) => h(this, inputs, o) ?? o, out));
    if (bw) out = bw.setupOutputHook(out);
    return out;
  }

  /** Whether any hook is registered (nn.Sequential only fuses modules without). */
  _hasHooks(): boolean {
    const s = state(this);
    return s.forwardHooks.length > 0 || s.forwardPreHooks.length > 0 || s.backwardHooks.length > 0;
  }

  /**
   * hook(module, inputs, output) runs after every forward of module(...) (not of
   * module.forward(...)); a returned value replaces the output. PyTorch 1.13's form: no
   * prepend or withKwargs options.
   * @example const h = model.fc1.registerForwardHook((m, inputs, out) => void acts.push(out)); h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    return removableHandle(state(this).forwardHooks, checkHook("registerForwardHook", hook, arguments));
  }
  /**
   * hook(module, inputs) runs before every forward of module(...); a returned array replaces
   * the inputs (a single value becomes the one input).
   * @example model.registerForwardPreHook((m, [x]) => [x.mul(2)])
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    return removableHandle(state(this).forwardPreHooks, checkHook("registerForwardPreHook", hook, arguments));
  }
  /**
   * hook(module, gradInput, gradOutput) runs when the gradients of a call's inputs are
   * computed (after those of its outputs), as PyTorch's register_full_backward_hook:
   * gradInput has an entry per positional input (null for non-tensors), gradOutput per output
   * (null where none arrived); returning an array of the same length replaces gradInput.
   * Forward then sees aliases of its tensor inputs, and the caller gets aliases of the outputs.
   * @example model.fc.registerFullBackwardHook((m, gradIn, gradOut) => gradIn.map((g) => g?.clamp(-1, 1) ?? null))
   */
  registerFullBackwardHook(hook: FullBackwardHook): RemovableHandle {
    return removableHandle(state(this).backwardHooks, checkHook("registerFullBackwardHook", hook, arguments));
  }

  /**
   * Registers a buffer: state that is saved in stateDict but is not a parameter
   * (BatchNorm's running_mean). Accessible as a property of the same name.
   */
  registerBuffer(...args: CtorArgs<typeof REGISTER_BUFFER>): void {
    const [name, value, persistent] = bindCall([SIGS.registerBuffer], undefined, args, false) as [string, Tensor | null, boolean];
    const s = state(this);
    defineSlot(this, "buffer", name, value, s);
    if (!persistent) s.nonPersistent.add(name);
  }

  /** Registers a parameter (a Parameter, or null: registered as None) under an explicit name (fields holding a Parameter need not). */
  registerParameter(name: string, value: Parameter | null): void {
    defineSlot(this, "param", name, value, state(this));
  }

  /** Registers a submodule (or null: registered as None) under an explicit name (fields holding a Module need not). */
  addModule(name: string, module: Module | null): void {
    if (module !== null && !isModule(module)) throw new ArgumentError(`${this.constructor.name}.addModule(): ${describeValue(module)} is not a Module`);
    if (typeof name !== "string" || !name || name.includes(".")) throw new FluxionError(`${this.constructor.name}.addModule(): invalid module name ${JSON.stringify(name)}: must be a non-empty string without "."`);
    if (module === null) {
      state(this).moduleFields.add(name);
      state(this).childOrder.add(name);
    }
    (this as any)[name] = module;
  }

  /** PyTorch's other name for addModule. */
  registerModule(name: string, module: Module | null): void {
    checkArity("Module.registerModule", arguments, 2, "name, module");
    this.addModule(name, module);
  }

  /**
   * The submodule at a dotted path ("layer1.0.conv1"; "" is this module itself), as PyTorch's
   * get_submodule: an error names the first part of the path that is missing or not a Module.
   */
  getSubmodule(target: string): Module {
    checkArity("Module.getSubmodule", arguments, 1, "target");
    if (typeof target !== "string") throw new ArgumentError(`${this.constructor.name}.getSubmodule(): target must be a dotted path string, got ${describeValue(target)}`);
    let mod: Module = this;
    if (target === "") return mod;
    for (const item of target.split(".")) {
      const next = (mod as any)[item] as unknown;
      if (next === undefined || !Object.prototype.hasOwnProperty.call(mod, item)) throw new ArgumentError(`${this.constructor.name}.getSubmodule(): ${mod.constructor.name} has no attribute \`${item}\` (path "${target}")`);
      if (!isModule(next)) throw new ArgumentError(`${this.constructor.name}.getSubmodule(): \`${item}\` is not an nn.Module (path "${target}")`);
      mod = next;
    }
    return mod;
  }
  /** The parameter at a dotted path ("fc.weight"), as PyTorch's get_parameter. */
  getParameter(target: string): Parameter {
    checkArity("Module.getParameter", arguments, 1, "target");
    const [mod, name] = this.splitTarget("getParameter", target);
    const p = [...mod.ownParameters()].find(([k]) => k === name)?.[1];
    if (p === undefined) throw new ArgumentError(`${this.constructor.name}.getParameter(): \`${name}\` is not an nn.Parameter of ${mod.constructor.name} (path "${target}")`);
    return p;
  }
  /** The buffer at a dotted path ("bn.running_mean", the names namedBuffers gives), as PyTorch's get_buffer. */
  getBuffer(target: string): Tensor {
    checkArity("Module.getBuffer", arguments, 1, "target");
    const [mod, name] = this.splitTarget("getBuffer", target);
    const b = state(mod).buffers.get(name);
    if (!b) throw new ArgumentError(`${this.constructor.name}.getBuffer(): \`${name}\` is not a buffer of ${mod.constructor.name} (path "${target}")`);
    return b;
  }
  private splitTarget(op: string, target: string): [Module, string] {
    if (typeof target !== "string" || target === "") throw new ArgumentError(`${this.constructor.name}.${op}(): target must be a non-empty dotted path string, got ${describeValue(target)}`);
    const cut = target.lastIndexOf(".");
    return [this.getSubmodule(cut < 0 ? "" : target.slice(0, cut)), target.slice(cut + 1)];
  }

  // ---- traversal ------------------------------------------------------------------------

  /**
   * The direct submodules in PyTorch's `_modules` order (module_attrs.ts's childOrder: where
   * each was registered, or declared as a TypeScript field), not property order, which puts
   * integer-like names first: a Sequential built from named modules and then appended to
   * runs "conv", "act", "2" in that order. Then any module field the registry does not know.
   */
  namedChildren(): Generator<[string, Module]> {
    checkArity("Module.namedChildren", arguments, 0, "");
    return this.walkChildren();
  }
  private *walkChildren(): Generator<[string, Module]> {
    const seen = new Set<string>();
    for (const k of [...state(this).childOrder]) {
      const v: unknown = Object.hasOwn(this, k) ? (this as Record<string, unknown>)[k] : undefined;
      if (isModule(v)) {
        seen.add(k);
        yield [k, v];
      }
    }
    for (const [k, v] of Object.entries(this)) if (!seen.has(k) && isModule(v)) yield [k, v];
  }
  children(): Generator<Module> {
    checkArity("Module.children", arguments, 0, "");
    return (function* (it) {
      for (const [, m] of it) yield m;
    })(this.walkChildren());
  }
  /**
   * This module and every submodule with its dotted name, depth first, as PyTorch's
   * named_modules(memo, prefix, remove_duplicate): `prefix` starts every name, a module
   * reached twice is listed once unless `removeDuplicate` is false, and `memo` (a Set of
   * modules) holds those already listed.
   * @example for (const [name, m] of model.namedModules()) if (m instanceof nn.Linear) ...
   */
  namedModules(...args: CtorArgs<typeof NAMED_MODULES>): Generator<[string, Module]> {
    const [memo, prefix, removeDuplicate] = bindCall([SIGS.namedModules], undefined, args, false) as [unknown, string, boolean];
    if (memo !== null && !(memo instanceof Set)) throw new ArgumentError(`Module.namedModules(): argument 'memo' must be a Set of modules or null, but got ${describeValue(memo)}`);
    return this.walkModules((memo as Set<Module> | null) ?? new Set(), prefix, removeDuplicate);
  }
  private *walkModules(memo: Set<Module>, prefix: string, removeDuplicate: boolean): Generator<[string, Module]> {
    if (memo.has(this)) return;
    if (removeDuplicate) memo.add(this);
    yield [prefix, this];
    for (const [k, m] of this.walkChildren()) yield* m.walkModules(memo, prefix ? `${prefix}.${k}` : k, removeDuplicate);
  }
  modules(): Generator<Module> {
    checkArity("Module.modules", arguments, 0, "");
    return (function* (it) {
      for (const [, m] of it) yield m;
    })(this.walkModules(new Set(), "", true));
  }

  /** This module's own parameters (fields and registered), in declaration order. */
  private *ownParameters(): Generator<[string, Parameter]> {
    for (const [k, v] of state(this).params) if (v) yield [k, v];
    for (const [k, v] of Object.entries(this)) if (v instanceof Parameter) yield [k, v];
  }

  *namedParameters(...args: CtorArgs<typeof NAMED_PARAMETERS>): Generator<[string, Parameter]> {
    const [prefix, recurse] = bindCall([SIGS.namedParameters], undefined, args, false) as [string, boolean];
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules({ prefix }) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m.ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${k}` : k, p];
      }
    }
  }
  /** All parameters, for an optimizer: `new optim.SGD(model.parameters(), { lr: 0.01 })`. */
  parameters(...args: CtorArgs<typeof PARAMETERS>): Parameter[] {
    const [recurse] = bindCall([SIGS.parameters], undefined, args, false) as [boolean];
    return [...this.namedParameters({ recurse })].map(([, p]) => p);
  }
  *namedBuffers(...args: CtorArgs<typeof NAMED_BUFFERS>): Generator<[string, Tensor]> {
    const [prefix, recurse] = bindCall([SIGS.namedBuffers], undefined, args, false) as [string, boolean];
    const mods: Iterable<[string, Module]> = recurse ? this.namedModules({ prefix }) : [[prefix, this]];
    for (const [mp, m] of mods) for (const [k, b] of state(m).buffers) if (b) yield [mp ? `${mp}.${k}` : k, b];
  }
  buffers(...args: CtorArgs<typeof BUFFERS>): Tensor[] {
    const [recurse] = bindCall([SIGS.buffers], undefined, args, false) as [boolean];
    return [...this.namedBuffers({ recurse })].map(([, b]) => b);
  }

  // ---- modes and bulk changes -----------------------------------------------------------

  /** Training mode on (or off: `train(false)`, `train({ mode: false })`) for this module and its submodules. */
  train(...args: CtorArgs<typeof TRAIN>): this {
    const [mode] = bindCall([SIGS.train], undefined, args, false) as [boolean];
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    checkArity("Module.eval", arguments, 0, "");
    return this.train(false);
  }
  zeroGrad(...args: CtorArgs<typeof ZERO_GRAD>): void {
    const [setToNone] = bindCall([SIGS.zeroGrad], undefined, args, false) as [boolean];
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else noGrad(() => p.grad!.zero_());
    }
  }
  requiresGrad_(...args: CtorArgs<typeof REQUIRES_GRAD_>): this {
    const [requiresGrad] = bindCall([SIGS.requiresGrad_], undefined, args, false) as [boolean];
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /** Calls fn on every submodule (children first) and on this module. */
  apply(fn: (m: Module) => void): this {
    checkArity("Module.apply", arguments, 1, "fn");
    if (typeof fn !== "function") throw new ArgumentError(`Module.apply(): argument 'fn' must be a function of a module, but got ${describeValue(fn)}`);
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Casts floating-point parameters and buffers in place (their storage is replaced), as
   * PyTorch's forms: to(device), to(dtype), to(device, dtype), to(tensor) (its dtype and
   * device), to({ device, dtype }); a trailing nonBlocking flag is accepted and ignored.
   */
  to(arg: DType | string | Tensor | { dtype?: DType; device?: string; memoryFormat?: MemoryFormat }, dtype?: DType | boolean, nonBlocking?: boolean): this {
    const isDevice = (a: string) => a.includes(":") || a === "cpu" || a === "webgpu";
    const opts: { dtype?: DType; device?: string; memoryFormat?: MemoryFormat } = typeof arg === "string" ? (isDevice(arg) ? { device: arg } : { dtype: arg as DType }) : arg;
    if (typeof dtype === "string") {
      if (typeof arg !== "string" || !isDevice(arg)) throw new ArgumentError(`Module.to(): a dtype as the second argument follows a device (to(device, dtype)), but the first argument is ${describeValue(arg)}`);
      opts.dtype = dtype;
    } else if (dtype !== undefined && typeof dtype !== "boolean") {
      throw new ArgumentError(`Module.to(): argument 'dtype' (position 2) must be a dtype or null, but got ${describeValue(dtype)}`);
    }
    checkArity("Module.to", arguments, 3, "device, dtype, nonBlocking");
    void nonBlocking;
    // memoryFormat: channelsLast lays out the 4-D parameters and buffers (conv weights) NHWC, the rest stay
    const fmt = opts.memoryFormat != null && !(arg instanceof Tensor) ? checkMemoryFormat("Module.to", opts.memoryFormat, null, true) : null;
    const rank = fmt === "channelsLast" ? 4 : fmt === "channelsLast3d" ? 5 : -1;
    const convert = (t: Tensor): Tensor => {
      let r = t;
      if (opts.dtype && t.isFloatingPoint()) r = r.to(opts.dtype);
      if (opts.device) r = r.to(opts.device);
      if (fmt !== null && (rank < 0 || r.ndim === rank)) r = toMemoryFormat(r, fmt);
      return r;
    };
    for (const m of this.modules()) {
      const s = state(m);
      for (const [k, v] of Object.entries(m)) {
        if (v instanceof Parameter) (m as any)[k] = rewrap(v, convert);
      }
      for (const [k, v] of s.params) if (v) s.params.set(k, rewrap(v, convert));
      for (const [k, v] of s.buffers) if (v) s.buffers.set(k, noGrad(() => convert(v)));
    }
    return this;
  }
  /** Moves every parameter and buffer to the CPU (PyTorch's module.cpu()). */
  cpu(): this {
    checkArity("Module.cpu", arguments, 0, "");
    return this.to("cpu");
  }
  float(): this { return this.castAll("float", "float32", arguments); }
  double(): this { return this.castAll("double", "float64", arguments); }
  half(): this { return this.castAll("half", "float16", arguments); }
  bfloat16(): this { return this.castAll("bfloat16", "bfloat16", arguments); }
  /** float()/double()/half()/bfloat16(): no arguments (PyTorch's take none either). */
  private castAll(name: string, dtype: DType, args: IArguments): this {
    checkArity(`Module.${name}`, args, 0, "");
    return this.to(dtype);
  }

  // ---- state dict -----------------------------------------------------------------------

  /**
   * Parameters and persistent buffers by PyTorch-style dotted name, in registration order,
   * as a null-prototype object: `sd["fc1.weight"]` and `Object.keys(sd)` work as on a plain
   * object, and no key (not even "constructor" or "__proto__") collides with an inherited one.
   * As PyTorch's: `prefix` starts every key, `destination` is filled instead of a new object,
   * and `keepVars` keeps the live tensors (detached copies sharing storage otherwise).
   */
  stateDict(...args: CtorArgs<typeof STATE_DICT>): StateDict {
    const [destination, prefix, keepVars] = bindCall([SIGS.stateDict], undefined, args, false) as [StateDict | null, string, boolean];
    const out = destination ?? (Object.create(null) as StateDict);
    for (const [k, t] of this.stateEntries()) out[prefix + k] = keepVars ? t : t.detach();
    return out;
  }

  /**
   * The live parameters and persistent buffers by dotted name (what stateDict copies out).
   * As PyTorch's state_dict, a submodule reached by two paths (a TCN block's conv1 that is
   * also net.0) is listed under both.
   */
  private stateEntries(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, m] of this.namedModules({ removeDuplicate: false })) {
      const pre = name ? `${name}.` : "";
      for (const [k, p] of m.ownParameters()) out.set(pre + k, p);
      const s = state(m);
      for (const [k, b] of s.buffers) if (b && !s.nonPersistent.has(k)) out.set(pre + k, b);
    }
    return out;
  }

  /**
   * Copies values from a state dict (an object or a Map of name -> Tensor). Everything is
   * checked first (that each value is a Tensor of the right shape, and with strict the key
   * sets), so a failed load leaves the module unchanged. Keys are compared as strings only:
   * "constructor" or "__proto__" is an ordinary (here: unexpected) key.
   */
  loadStateDict(...args: CtorArgs<typeof LOAD_STATE_DICT>): IncompatibleKeys {
    const sd: unknown = args[0];
    if (sd === null || typeof sd !== "object" || Array.isArray(sd) || sd instanceof Tensor) {
      throw new ArgumentError(`${this.constructor.name}.loadStateDict(): argument 'stateDict' must be a dict of Tensors (an object or a Map, as model.stateDict() or io.load() return), but got ${describeValue(sd)}`);
    }
    const [, strict] = bindCall([SIGS.loadStateDict], undefined, args, false) as [unknown, boolean];
    const given: ReadonlyMap<string, unknown> = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateEntries();
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    for (const [k, t] of given) {
      const mine = own.get(k);
      if (!mine) continue;
      if (!(t instanceof Tensor)) problems.push(`${k}: expected a Tensor, got ${t === null ? "null" : Array.isArray(t) ? "an array" : typeof t}`);
      else if (t.shape.length !== mine.shape.length || t.shape.some((s, i) => s !== mine.shape[i])) {
        problems.push(`size mismatch for ${k}: copying a param with shape ${fmtShape(t.shape)} from checkpoint, the shape in current model is ${fmtShape(mine.shape)}`);
      }
    }
    if (strict) {
      if (missingKeys.length) problems.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}`);
      if (unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}`);
    }
    if (problems.length) throw new ShapeError(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join("\n\t")}`);
    noGrad(() => {
      for (const [k, t] of given) own.get(k)?.copy_(t as Tensor);
    });
    return incompatibleKeys(missingKeys, unexpectedKeys);
  }

  // ---- printing -------------------------------------------------------------------------

  /** Extra text inside the parentheses of this module's print, e.g. "in_features=784, ...". */
  extraRepr(): string {
    return "";
  }

  toString(): string {
    const lines: string[] = [];
    for (const [k, m] of this.namedChildren()) lines.push(`(${k}): ${indent(m.toString())}`);
    const extra = this.extraRepr();
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}(${extra})`;
    const body = [...(extra ? extra.split("\n") : []), ...lines].map((l) => "  " + l).join("\n");
    return `${name}(\n${body}\n)`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

// Outside the class body: a reference to Module inside it makes esbuild emit
// `var Module = class _Module` (the class's name then reads "_Module").
function isModule(v: unknown): v is Module {
  return v instanceof Module;
}
registerTypeCheck("Module", isModule);

// What runs when a subclass defines no forward (PyTorch's _forward_unimplemented); the
// abstract declaration keeps TypeScript subclasses honest, this catches JavaScript ones.
Object.defineProperty(Module.prototype, "forward", {
  value: function forward(this: Module): never {
    throw new FluxionError(`${this.constructor.name}: forward is not implemented; define forward(...) in the subclass`);
  },
  writable: true,
  configurable: true,
  enumerable: false,
});

/** A hook registration takes one function (PyTorch 1.13's take nothing else). */
function checkHook<T>(method: string, hook: T, args: IArguments): T {
  checkArity(`Module.${method}`, args, 1, "hook");
  if (typeof hook !== "function") throw new ArgumentError(`Module.${method}(): argument 'hook' must be a function, but got ${describeValue(hook)}`);
  return hook;
}

function indent(s: string): string {
  return s.split("\n").join("\n  ");
}

/** The forward methods of Fluxion's own modules (markBuiltInModules): framework code. */
const builtInForwards = new WeakSet<Function>();

/**
 * @internal nn/index.ts: every exported layer class's own forward is framework code, a
 * framework frame however it is called (module.call(x) or module.forward(x)): wrapped so.
 */
export function markBuiltInModules(classes: Iterable<unknown>): void {
  for (const c of classes) {
    if (typeof c !== "function" || !(c.prototype instanceof Module)) continue;
    // the class and its bases up to Module (an unexported base such as ReLU's defines forward)
    for (let proto = c.prototype; proto !== Module.prototype; proto = Object.getPrototypeOf(proto)) {
      if (!Object.hasOwn(proto, "forward") || builtInForwards.has(proto.forward)) continue;
      const inner = proto.forward as (...a: unknown[]) => unknown;
      const forward = function (this: Module, ...args: unknown[]): unknown {
        enterFramework();
        let r: unknown;
        try {
          return (r = inner.apply(this, args));
        } finally {
          leaveFramework(r);
        }
      };
      Object.defineProperty(forward, "name", { value: "forward" });
      proto.forward = forward;
      builtInForwards.add(forward);
    }
  }
}

function rewrap(p: Parameter, convert: (t: Tensor) => Tensor): Parameter {
  const t = noGrad(() => convert(p));
  if (t === p) return p;
  const np = new Parameter(t.detach(), p.requiresGrad);
  return np;
}

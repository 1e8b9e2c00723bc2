/**
 * The Optimizer base class: parameter groups (each with its own options), per-parameter
 * state, zeroGrad, the step template (closure under enableGrad, update under noGrad) and
 * stateDict/loadStateDict in PyTorch's layout. The update rules themselves live one per file
 * (sgd.ts, adam.ts, ...), written with in-place Tensor ops so they go through the dispatcher
 * like any other computation; this file knows nothing about any particular rule.
 */
import { enableGrad, noGrad } from "../autograd/grad_mode.js";
import { bindCall, describeValue, isPlainObject, matchesType, nameDistance } from "../api/args.js";
import { parseSignature, type Param, type Signature } from "../api/schema.js";
import type { CtorArgs } from "../api/types.js";
import { ArgumentError, FluxionError, fmtShape } from "../errors.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { readHostItem } from "../tensor/host_read.js";
import { enterFramework, keepAfterCall, leaveFramework } from "../compile/state.js";
import { releaseStorage } from "../backend/backend.js";
import { pyFloat, pyValue } from "../nn/layers/repr.js";

/**
 * An optimizer's per-parameter state: moment buffers (tensors) and counters (numbers); LBFGS
 * also keeps lists (its curvature history).
 */
export type ParamState = Record<string, Tensor | number | Array<Tensor | number | null>>;

/** Options every optimizer has. */
export interface BaseOptions {
  lr: number;
}

/**
 * A parameter group as the optimizer holds it: its parameters plus a full set of options
 * (defaults filled in). Schedulers add keys such as `initialLr`, as PyTorch's do.
 */
export type ParamGroup<O extends BaseOptions = BaseOptions> = O & { params: Tensor[]; [key: string]: unknown };

/** A parameter group as the user passes it: `{ params, ...optionsOverridingTheDefaults }`. */
export type ParamGroupInput<O extends BaseOptions = BaseOptions> = Partial<O> & { params: Tensor | Iterable<Tensor>; [key: string]: unknown };

/** What an optimizer accepts: tensors (one group) or parameter groups. */
export type Params<O extends BaseOptions = BaseOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** The serialisable state of an optimizer: parameters are replaced by their indices. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: Array<{ params: number[]; [key: string]: unknown }>;
}

/**
 * snake_case -> camelCase, so state dicts written by PyTorch (exp_avg, weight_decay) load.
 * Only plain snake_case words are converted: "__proto__" or "_private" stay as they are.
 */
function camelKey(key: string): string {
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(key)) return key;
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function copyOption(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/**
 * Sets `obj[key] = value` as an own data property. Plain assignment of "__proto__" would set
 * the prototype instead (letting a state dict inject inherited options), so option and
 * state keys read from a state dict are always defined, never assigned.
 */
function defineKey(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * PyTorch options that select an implementation Fluxion does not have. Off (their default)
 * they are accepted; on, they are refused rather than ignored. (`foreach` only picks
 * PyTorch's multi-tensor loop, which computes the same numbers, so any value is accepted.)
 */
const UNSUPPORTED_FLAGS: Record<string, string> = {
  differentiable: "differentiable=true (autograd through the optimizer step) is not supported",
  capturable: "capturable=true (CUDA graph capture) is not supported",
  fused: "fused=true (the fused CUDA implementation) is not supported",
};

/** Throws for any unsupported implementation flag that is switched on. */
export function refuseUnsupported(name: string, flags: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(flags)) {
    if (v === true && k in UNSUPPORTED_FLAGS) throw new ArgumentError(`${name}(): ${UNSUPPORTED_FLAGS[k]}; leave '${k}' false`);
  }
}

const ZERO_GRAD = "zeroGrad(bool setToNone=true)";
const zeroGradSig = parseSignature(ZERO_GRAD);
const STEP = "step(Callable? closure=null)";

/** The updateGroup methods of Fluxion's own optimizers (markBuiltInOptimizers). */
const builtInUpdates = new WeakSet<Function>();

/** @internal optim/index.ts: the exported optimizers' updates are framework code. */
export function markBuiltInOptimizers(classes: Iterable<unknown>): void {
  for (const c of classes) if (typeof c === "function" && Object.hasOwn(c.prototype, "updateGroup")) builtInUpdates.add(c.prototype.updateGroup);
}
const stepSig = parseSignature(STEP);

/**
 * Base class of all optimizers. Subclasses declare their constructor's arguments in
 * PyTorch's order (`declareArgs`, whose types also check parameter groups' values), pass
 * the defaults, validate option values and implement `updateGroup`, which runs inside
 * `noGrad`.
 *
 * @example
 * const opt = new optim.SGD([{ params: [w], lr: 0.1 }, { params: [b] }], { lr: 0.01 });
 * loss.backward();
 * opt.step();
 * opt.zeroGrad();
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** Default options, used for keys a parameter group doesn't set. */
  readonly defaults: O;
  /** The parameter groups; options can be changed between steps (`paramGroups[0].lr = 0.01`). */
  paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created lazily by the first step that sees a gradient. */
  state = new Map<Tensor, ParamState>();
  /**
   * The declared parameters by name: what a parameter group's values are checked against.
   * Non-enumerable (out of the optimizer's fields) rather than #private, so utils.deepcopy
   * can copy an optimizer.
   */
  declare private readonly _declared: ReadonlyMap<string, Param>;

  /**
   * @param defaults every option's value for groups that don't set it
   * @param name the optimizer's name for error messages ("SGD")
   * @param signature the constructor's declaration, whose types parameter groups' values must have
   */
  protected constructor(params: Params<O>, defaults: O, protected readonly name: string, signature?: Signature) {
    this.defaults = defaults;
    Object.defineProperty(this, "_declared", { value: new Map((signature?.params ?? []).filter((p) => p.name !== "params").map((p) => [p.name, p])), enumerable: false });
    if (params instanceof Tensor) {
      throw new FluxionError(`${name}: params should be an iterable of Tensors or parameter groups, but got a single Tensor (shape ${fmtShape(params.shape)}); wrap it in an array`);
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== "function") {
      throw new FluxionError(`${name}: params should be an iterable of Tensors or parameter groups, but got ${params === null ? "null" : typeof params}`);
    }
    const list = Array.from(params as Iterable<Tensor | ParamGroupInput<O>>);
    if (list.length === 0) throw new FluxionError(`${name}: optimizer got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>] : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Checks one group's options; throws a FluxionError naming the bad value. */
  protected abstract validateGroup(group: ParamGroup<O>, where: string): void;

  /** Applies one update to the parameters of `group` that have a gradient (runs in noGrad). */
  protected abstract updateGroup(group: ParamGroup<O>): void;

  /**
   * Adds a parameter group (fine-tuning: unfreeze layers and give them their own lr).
   * Options missing from the group are taken from the defaults.
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `parameter group ${this.paramGroups.length}`;
    if (group === null || typeof group !== "object" || !("params" in group)) {
      throw new FluxionError(`${this.name}: ${where} must be an object with a 'params' key`);
    }
    const raw = group.params;
    if (raw instanceof Set) {
      throw new FluxionError(`${this.name}: optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use an array instead.`);
    }
    const params = raw instanceof Tensor ? [raw] : Array.from(raw as Iterable<Tensor>);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new FluxionError(`${this.name}: optimizer can only optimize Tensors, but params[${i}] of ${where} is ${p === null ? "null" : typeof p}`);
      if (!p.isLeaf && !p.retainsGrad) throw new FluxionError(`${this.name}: can't optimize a non-leaf Tensor (params[${i}] of ${where}, shape ${fmtShape(p.shape)}); optimize the leaf it was computed from, or detach() it and set requiresGrad`);
    });
    if (new Set(params).size !== params.length) {
      throw new FluxionError(`${this.name}: ${where} contains the same parameter more than once; it would be updated twice per step`);
    }
    this.paramGroups.forEach((other, gi) => {
      const shared = params.findIndex((p) => other.params.includes(p));
      if (shared >= 0) throw new FluxionError(`${this.name}: some parameters appear in more than one parameter group (params[${shared}] of ${where} is already in parameter group ${gi})`);
    });
    this.checkGroupValues(group, where);
    const full: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) full[k] = copyOption(v);
    for (const [k, v] of Object.entries(group)) if (k !== "params" && v !== undefined) full[k] = copyOption(v);
    full.params = params;
    const complete = full as ParamGroup<O>;
    if (complete.lr === undefined || complete.lr === null) {
      throw new FluxionError(`${this.name}: ${where} didn't specify a value of the required option lr (pass { lr } to the optimizer or to the group)`);
    }
    this.validateGroup(complete, where);
    this.paramGroups.push(complete);
  }

  /**
   * Checks a parameter group's values against the declaration: a declared option must have
   * its declared type (`lr: "0.1"` is an ArgumentError), and a key that is a near miss of
   * one (`weight_decay`, `betas` as `beta`, `LR`) is refused rather than ignored. Other keys
   * are kept, as PyTorch keeps them (a group's `name`, a scheduler's `initialLr`).
   */
  private checkGroupValues(group: Record<string, unknown>, where: string): void {
    if (this._declared.size === 0) return;
    for (const [key, v] of Object.entries(group)) {
      if (key === "params" || v === undefined) continue;
      const p = this._declared.get(key);
      if (p) {
        // null only where PyTorch's default is None (foreach); lr may not be null in a group
        const nullOk = p.type.nullable && p.default === null && key !== "lr";
        if (v === null ? !nullOk : !matchesType(p.type, v)) {
          const type = p.type.text.replace(/\?$/, "") + (nullOk ? " or null" : "");
          throw new ArgumentError(`${this.name}(): option '${key}' of ${where} must be ${type}, but got ${describeValue(v)}`);
        }
        refuseUnsupported(this.name, { [key]: v });
        continue;
      }
      let near: string | null = null;
      for (const name of this._declared.keys()) {
        if (camelKey(key) === name || nameDistance(key, name) <= Math.max(1, Math.floor(name.length / 4))) near = name;
      }
      if (near !== null) {
        throw new ArgumentError(`${this.name}(): unknown option '${key}' in ${where} (did you mean '${near}'?); options: ${[...this._declared.keys()].join(", ")}`);
      }
    }
  }

  /**
   * Clears the gradients of all optimized parameters: to null (the default, cheaper; the
   * next backward allocates fresh ones) or, with `setToNone` false, to zeros in place.
   * @example opt.zeroGrad(); opt.zeroGrad(false); opt.zeroGrad({ setToNone: false })
   */
  zeroGrad(...args: CtorArgs<typeof ZERO_GRAD>): void {
    const [setToNone] = bindCall([zeroGradSig], undefined, args, false) as [boolean];
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (setToNone) p.grad = null;
        else {
          const g = p.grad.gradFn !== null ? p.grad.detach() : p.grad;
          g.requiresGrad_(false);
          noGrad(() => g.zero_());
          p.grad = g;
        }
      }
    }
  }

  /**
   * Performs one optimization step. `closure`, when given, re-evaluates the model (with
   * grad mode on) and returns the loss, which step returns.
   */
  step<T = unknown>(...args: [closure?: (() => T) | null]): T | undefined {
    const [closure] = bindCall([stepSig], undefined, args, false) as [(() => T) | null];
    const loss = closure ? enableGrad(closure) : undefined;
    // a built-in update is a framework frame: its temporaries are its own (compile/state.ts);
    // a subclass's updateGroup is user code, which may keep what it makes
    const builtIn = builtInUpdates.has(this.updateGroup);
    if (builtIn) enterFramework();
    try {
      this.checkStep();
      noGrad(() => {
        for (const group of this.paramGroups) this.updateGroup(group);
      });
    } finally {
      if (builtIn) leaveFramework();
    }
    return loss;
  }

  /**
   * Everything a step reads, checked before any parameter is updated, so a failed step
   * changes nothing: each group's options (they may have been edited since) and each
   * gradient's shape and dtype against its parameter's (PyTorch refuses such a grad when
   * it is assigned).
   */
  private checkStep(): void {
    this.paramGroups.forEach((group, gi) => {
      const where = `parameter group ${gi}`;
      this.validateGroup(group, where);
      group.params.forEach((p, i) => {
        const g: unknown = p.grad;
        if (g === null || g === undefined) return;
        if (!(g instanceof Tensor) || !shapesEqual(g.shape, p.shape) || g.dtype !== p.dtype) {
          const got = g instanceof Tensor ? `shape ${fmtShape(g.shape)} (${g.dtype})` : describeValue(g);
          throw new FluxionError(`${this.name}.step(): params[${i}] of ${where} (shape ${fmtShape(p.shape)}, ${p.dtype}) has a gradient of ${got}; a gradient must match its parameter's shape and dtype. Nothing was updated`);
        }
      });
    });
  }

  /** The state of `p`, created empty on first use (PyTorch's defaultdict). */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = {}));
    keepAfterCall(s); // the tensors step() puts in it outlive a compiled call
    return s;
  }

  /**
   * The optimizer's state as `{ state: { index: {...} }, paramGroups: [{ ...options,
   * params: [indices] }] }`, indices numbering the parameters in group order as PyTorch
   * does. State tensors are returned by reference (save them before stepping again);
   * loadStateDict copies.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") defineKey(packed, k, copyOption(v));
      packed.params = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed as { params: number[] };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s }; // spreading defines keys, "__proto__" included
    }
    return { state, paramGroups };
  }

  /**
   * Restores state saved by stateDict() into an optimizer over the same parameters (same
   * group sizes, same order). Tensors are copied and cast to each parameter's dtype. Also
   * accepts PyTorch's snake_case keys (param_groups, exp_avg, weight_decay). Nothing
   * changes if the state dict doesn't fit. Keys are plain data: a saved option or state
   * named "__proto__" or "constructor" is stored as such and never changes a prototype.
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (!isPlainObject(stateDict)) throw new ArgumentError(`${where}(): expected a state dict object { state, paramGroups }, as stateDict() returns, but got ${describeValue(stateDict)}`);
    const sd = stateDict as unknown as Record<string, unknown>;
    const own = (o: object, k: string) => (Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined);
    const savedGroups = (own(sd, "paramGroups") ?? own(sd, "param_groups")) as Array<Record<string, unknown>> | undefined;
    const savedState = own(sd, "state") ?? {};
    if (!Array.isArray(savedGroups)) throw new FluxionError(`${where}: the state dict has no paramGroups array`);
    if (savedState === null || typeof savedState !== "object") throw new FluxionError(`${where}: the state dict's state is ${savedState === null ? "null" : typeof savedState}; expected an object of index -> state`);
    if (savedGroups.length !== this.paramGroups.length) {
      throw new FluxionError(`${where}: loaded state dict has ${savedGroups.length} parameter groups, but the optimizer has ${this.paramGroups.length}`);
    }
    const idToParam = new Map<number, Tensor>();
    const newGroups = savedGroups.map((saved, gi) => {
      if (saved === null || typeof saved !== "object") throw new FluxionError(`${where}: parameter group ${gi} of the state dict is ${saved === null ? "null" : typeof saved}, not an object`);
      const ids = own(saved, "params") as number[] | undefined;
      const params = this.paramGroups[gi]!.params;
      if (!Array.isArray(ids)) throw new FluxionError(`${where}: parameter group ${gi} of the state dict has no params list`);
      if (ids.length !== params.length) {
        throw new FluxionError(`${where}: parameter group ${gi} has ${ids.length} parameters in the state dict, but ${params.length} in the optimizer`);
      }
      ids.forEach((id, i) => idToParam.set(Number(id), params[i]!));
      const group: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(saved)) if (k !== "params") defineKey(group, camelKey(k), copyOption(v));
      this.checkGroupValues(group, `parameter group ${gi} of the loaded state dict`);
      for (const [k, v] of Object.entries(this.defaults)) if (!Object.hasOwn(group, k)) defineKey(group, k, copyOption(v));
      group.params = params;
      this.validateGroup(group as ParamGroup<O>, `parameter group ${gi} of the loaded state dict`);
      return group as ParamGroup<O>;
    });
    const newState = new Map<Tensor, ParamState>();
    for (const [id, entry] of Object.entries(savedState as Record<string, unknown>)) {
      const p = idToParam.get(Number(id));
      if (!p) throw new FluxionError(`${where}: the state dict has state for parameter index ${id}, which no parameter group lists`);
      if (entry === null || typeof entry !== "object") throw new FluxionError(`${where}: the state of parameter ${id} is ${entry === null ? "null" : typeof entry}, not an object`);
      const entries = Object.entries(entry).map(([k, v]): [string, unknown] => [camelKey(k), v]);
      newState.set(p, this.loadParamState(p, id, entries, where));
    }
    this.paramGroups = newGroups;
    this.state = newState;
  }

  /**
   * Whether state `key` is a number however it was saved: PyTorch keeps step (and NAdam's
   * mu_product, ASGD's eta and mu) as 0-d tensors, which are read back as numbers here.
   */
  protected isScalarState(key: string): boolean {
    return key === "step";
  }

  /**
   * One parameter's saved state (keys already camelCase) as loadStateDict restores it:
   * scalars (isScalarState) as numbers, tensors copied and cast to the parameter's dtype and
   * checked against its shape, null entries dropped. Throws, naming the entry, on anything
   * else. An optimizer whose state holds more (LBFGS's history) overrides it.
   */
  protected loadParamState(p: Tensor, id: string, entries: ReadonlyArray<[string, unknown]>, where: string): ParamState {
    const s: ParamState = {};
    for (const [key, v] of entries) {
      if (v === null || v === undefined) continue;
      if (this.isScalarState(key)) {
        if (v instanceof Tensor && v.numel() !== 1) throw new FluxionError(`${where}: state '${key}' of parameter ${id} must be a number or a one-element tensor, but got shape ${fmtShape(v.shape)}`);
        defineKey(s, key, v instanceof Tensor ? Number(readHostItem<number | bigint>(v, "Optimizer.loadStateDict")) : Number(v));
      } else if (v instanceof Tensor) {
        if (!shapesEqual(v.shape, p.shape)) {
          throw new FluxionError(`${where}: state '${key}' of parameter ${id} has shape ${fmtShape(v.shape)}, but the parameter has shape ${fmtShape(p.shape)}`);
        }
        defineKey(s, key, noGrad(() => (p.isFloatingPoint() ? v.to(p.dtype) : v).clone()));
      } else if (typeof v === "number") defineKey(s, key, v);
      else throw new FluxionError(`${where}: state '${key}' of parameter ${id} is a ${typeof v}; expected a Tensor or a number`);
    }
    return s;
  }

  toString(): string {
    const lines = this.paramGroups.map((g, i) => {
      const opts = Object.keys(g)
        .filter((k) => k !== "params")
        .sort()
        .map((k) => `    ${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}: ${groupValue(g[k])}`);
      return `Parameter Group ${i}\n${opts.join("\n")}`;
    });
    return `${this.name} (\n${lines.join("\n")}\n)`;
  }
}

/** A group option as PyTorch's print(optimizer) shows it: 1e-08, (0.9, 0.999), True, None. */
function groupValue(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (Array.isArray(v)) return `(${v.map(groupValue).join(", ")}${v.length === 1 ? "," : ""})`;
  if (typeof v === "string") return `'${v}'`;
  return pyValue(v);
}

/** A value as option messages print it: numbers as JS prints them (NaN, Infinity), not JSON's null. */
function fmtOption(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(fmtOption).join(", ")}]`;
  if (isPlainObject(v)) return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${fmtOption(x)}`).join(", ")} }`;
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** Throws unless `value` satisfies `ok`: "Adam: invalid beta parameter at index 1: 1 (parameter group 0)". */
/**
 * Gives a tensor the optimizer made for one update and used up (a denominator, -g, g + λθ)
 * back to the caching allocator now rather than when the GC finds it, as PyTorch's refcount
 * would. Only for tensors that never left the step.
 */
export function freeTemporary(t: Tensor): void {
  releaseStorage(t.storage);
}

export function checkOption(name: string, ok: boolean, what: string, value: unknown, where: string, expected: string): void {
  if (!ok) throw new FluxionError(`${name}: invalid ${what}: ${fmtOption(value)} (${where}; expected ${expected})`);
}

/**
 * LRScheduler, the base of the epoch/step schedulers: it owns the bookkeeping PyTorch's
 * `_LRScheduler` does (initialLr in each group, baseLrs, lastEpoch, the initial step,
 * getLastLr, stateDict). Subclasses give the recursive (chainable) rule in `getLr` and,
 * where PyTorch has one, the closed form used by `step(epoch)`.
 */
import { bindCall, describeValue } from "../../api/args.js";
import { parseSignature } from "../../api/schema.js";
import type { CtorArgs } from "../../api/types.js";
import { ArgumentError, FluxionError } from "../../errors.js";
import { Optimizer, type ParamGroup } from "../optimizer.js";

/** A scheduler's saved state: its own fields (numbers, arrays, nested scheduler states). */
export type SchedulerStateDict = Record<string, unknown>;

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)])) as T;
  return v;
}

/** Fields of `obj` that describe its state: everything but the optimizer and functions. */
export function ownState(obj: object, exclude: readonly string[] = []): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === "optimizer" || exclude.includes(k) || typeof v === "function" || v instanceof Optimizer) continue;
    out[k] = deepCopy(v);
  }
  return out;
}

/** PyTorch's names of scheduler fields that are not plain snake_case of Fluxion's. */
const PYTORCH_KEYS: Record<string, string> = {
  T_max: "tMax",
  T_0: "t0",
  T_i: "tI",
  T_cur: "tCur",
  T_mult: "tMult",
  _step_count: "_stepCount",
  _last_lr: "_lastLr",
  _schedulers: "schedulers",
  _milestones: "milestones",
  _schedule_phases: "schedulePhases",
};
/**
 * Keys of a PyTorch state dict that Fluxion has no field for: PyTorch's internal flag, and
 * functions (the scale and anneal functions, LambdaLR's lambdas), which PyTorch saves as
 * None or methods and Fluxion takes from the constructor.
 */
const PYTORCH_ONLY = new Set(["_get_lr_called_within_step", "_scale_fn_ref", "_scale_fn_custom", "anneal_func", "lr_lambdas"]);

function camelKey(key: string): string {
  if (Object.hasOwn(PYTORCH_KEYS, key)) return PYTORCH_KEYS[key]!;
  if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(key)) return key;
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A state dict with PyTorch's names (base_lrs, last_epoch, T_max, _step_count, OneCycleLR's
 * phases with end_step and "initial_lr") in Fluxion's (baseLrs, lastEpoch, tMax, ...), so a
 * schedule saved by PyTorch (as JSON, say) resumes here; PyTorch-only entries are dropped.
 * Fluxion's own state dicts pass unchanged.
 */
function fromPyTorchNames(sd: SchedulerStateDict): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(sd)) {
    if (PYTORCH_ONLY.has(k)) continue;
    let value = v;
    if (k === "_schedule_phases" && Array.isArray(v)) {
      value = v.map((phase: unknown) =>
        phase !== null && typeof phase === "object"
          ? Object.fromEntries(Object.entries(phase).map(([pk, pv]) => [camelKey(pk), typeof pv === "string" ? camelKey(pv) : pv]))
          : phase,
      );
    }
    Object.defineProperty(out, camelKey(k), { value, writable: true, enumerable: true, configurable: true });
  }
  return out;
}

/**
 * Copies `sd` onto `obj` after checking every key is one of obj's own state fields
 * (PyTorch's snake_case names are accepted too, see fromPyTorchNames). Keys are data: a
 * "__proto__" or "constructor" key is refused as unknown, never assigned.
 */
export function loadOwnState(obj: object, sd: SchedulerStateDict, name: string, exclude: readonly string[] = []): void {
  if (sd === null || typeof sd !== "object" || Array.isArray(sd)) throw new ArgumentError(`${name}.loadStateDict(): expected a state dict object, as stateDict() returns, but got ${describeValue(sd)}`);
  const known = ownState(obj, exclude);
  const state = fromPyTorchNames(sd);
  for (const k of Object.keys(state)) {
    if (!Object.hasOwn(known, k)) throw new FluxionError(`${name}.loadStateDict: unexpected key '${k}' in the state dict; expected keys: ${Object.keys(known).join(", ")}`);
  }
  for (const [k, v] of Object.entries(state)) (obj as Record<string, unknown>)[k] = deepCopy(v);
}

/** `value` for each group: an array must have one entry per group. */
export function perGroup<T>(name: string, what: string, optimizer: Optimizer<any>, value: T | readonly T[]): T[] {
  checkOptimizer(name, optimizer);
  const n = optimizer.paramGroups.length;
  if (Array.isArray(value)) {
    if (value.length !== n) throw new FluxionError(`${name}: expected ${n} values for ${what} (one per parameter group), got ${value.length}`);
    return [...value];
  }
  return new Array<T>(n).fill(value as T);
}

export function checkOptimizer(name: string, optimizer: unknown): asserts optimizer is Optimizer<any> {
  if (!(optimizer instanceof Optimizer)) {
    throw new FluxionError(`${name}: ${optimizer === null ? "null" : (optimizer as object)?.constructor?.name ?? typeof optimizer} is not an Optimizer`);
  }
}

/** PyTorch's `{:.4e}`: 1.0000e-02 (two exponent digits at least). */
export function fmtLr(lr: number): string {
  return lr.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2");
}

/** PyTorch's `%.5d` / `%.2f` of an epoch in verbose messages. */
export function fmtEpoch(epoch: number): string {
  return Number.isInteger(epoch) ? (epoch < 0 ? "-" : "") + String(Math.abs(epoch)).padStart(5, "0") : epoch.toFixed(2);
}

const STEP_COUNTED = Symbol("fluxion.lrScheduler.countedStep");
/** optimizer.step() calls since the last scheduler built on the optimizer made its initial step (PyTorch's optimizer._step_count). */
const optimizerSteps = new WeakMap<object, number>();

/**
 * PyTorch's `with_counter`: replaces the optimizer's step (its class's, or one a subclass
 * overrides) with one that counts its calls first, so a scheduler can tell whether
 * optimizer.step() ran before its own first step(). Counted per `this`, so a deepcopy of the
 * optimizer (which shares the function) counts its own steps.
 */
function countOptimizerSteps(optimizer: Optimizer<any>): void {
  const original = optimizer.step as ((...a: unknown[]) => unknown) & { [STEP_COUNTED]?: true };
  if (original[STEP_COUNTED]) return;
  const counted = function step(this: object, ...a: unknown[]): unknown {
    optimizerSteps.set(this, (optimizerSteps.get(this) ?? 0) + 1);
    return Reflect.apply(original, this, a);
  };
  Object.defineProperty(counted, STEP_COUNTED, { value: true });
  Object.defineProperty(optimizer, "step", { value: counted, writable: true, configurable: true, enumerable: false });
}

/** PyTorch's warnings at a scheduler's first step() when optimizer.step() has not run since it was built. */
function warnStepOrder(optimizer: Optimizer<any>): void {
  if (!(optimizer.step as { [STEP_COUNTED]?: true })[STEP_COUNTED]) {
    console.warn(
      "fluxion: Seems like `optimizer.step()` has been overridden after learning rate scheduler initialization (as PyTorch warns). Please, make sure to call `optimizer.step()` before `lr_scheduler.step()`. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
    );
  } else if ((optimizerSteps.get(optimizer) ?? 0) < 1) {
    console.warn(
      "fluxion: Detected call of `lr_scheduler.step()` before `optimizer.step()` (as PyTorch warns). You should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`. Failure to do this will result in skipping the first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
    );
  }
}

let warnedEpoch = false;
let internalEpochStep = false;

/** PyTorch's EPOCH_DEPRECATION_WARNING, once per process (Python shows a warning once per call site). */
export function warnEpochDeprecated(): void {
  if (warnedEpoch || internalEpochStep) return;
  warnedEpoch = true;
  console.warn(
    "fluxion: The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where possible (as PyTorch warns). Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch is different from null, the closed form is used instead of the new chainable form, where available.",
  );
}

/** @internal Runs `fn` (SequentialLR's step(0) at a milestone) without the epoch deprecation warning. */
export function epochStepInternally<T>(fn: () => T): T {
  const was = internalEpochStep;
  internalEpochStep = true;
  try {
    return fn();
  } finally {
    internalEpochStep = was;
  }
}

/** The scheduler in its initialStep(), whose step() is the first. */
let initialStepping: LRScheduler | null = null;

const STEP = "step(int? epoch=null)";
const stepSig = parseSignature(STEP);

/**
 * Base class of the learning-rate schedulers that step once per epoch (or batch).
 * Construction performs the first step (lastEpoch becomes 0), as PyTorch's does; call
 * `step()` after each `optimizer.step()`: as in PyTorch, a first `step()` with no
 * `optimizer.step()` since the scheduler was built warns (the optimizer's step is wrapped
 * to count its calls, as PyTorch's `with_counter` does).
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer<any>;
  /** Each group's initialLr when the scheduler was created. */
  baseLrs: number[];
  /** Index of the last epoch stepped (−1 before the initial step). */
  lastEpoch: number;
  /** Print each learning-rate change, as PyTorch's `verbose=True` does. */
  verbose: boolean;
  protected _stepCount = 0;
  protected _lastLr: number[] = [];
  /** The scheduler's name in messages (the class's by default). */
  protected readonly name: string;

  /**
   * Sets up the groups' initialLr and baseLrs. A subclass sets its own fields after this and
   * then calls `this.initialStep()` (PyTorch's `__init__` takes the first step itself, which
   * JavaScript cannot do before a subclass's fields exist). `name` may be left out, or given
   * PyTorch's positional `verbose` instead: `super(optimizer, lastEpoch, verbose)`.
   * @example
   * class WarmupLR extends optim.lrScheduler.LRScheduler {
   *   constructor(optimizer: optim.Optimizer, readonly warmup: number, lastEpoch = -1) {
   *     super(optimizer, lastEpoch);
   *     this.initialStep();
   *   }
   *   protected getLr(): number[] {
   *     return this.baseLrs.map((b) => (b * Math.min(this.lastEpoch + 1, this.warmup)) / this.warmup);
   *   }
   * }
   */
  protected constructor(optimizer: Optimizer<any>, lastEpoch = -1, name?: string | boolean, verbose = false) {
    if (typeof name === "boolean") [name, verbose] = [undefined, name];
    name ??= new.target.name;
    this.name = name;
    checkOptimizer(name, optimizer);
    this.optimizer = optimizer;
    this.verbose = verbose;
    countOptimizerSteps(optimizer);
    const groups = optimizer.paramGroups as ParamGroup[];
    if (lastEpoch === -1) {
      for (const g of groups) if (!("initialLr" in g)) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (!("initialLr" in g)) throw new FluxionError(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer (lastEpoch = ${lastEpoch})`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /**
   * Resets the step counts and performs the first step (lastEpoch −1 → 0, the groups' lrs set
   * to epoch 0's): call it at the end of a subclass's constructor.
   */
  initialStep(): void {
    optimizerSteps.set(this.optimizer, 0);
    this._stepCount = 0;
    const was = initialStepping;
    initialStepping = this;
    try {
      this.step();
    } finally {
      initialStepping = was;
    }
  }

  /** The learning rate of each group after one more step (the chainable rule). */
  protected abstract getLr(): number[];

  /** The learning rate of each group at `lastEpoch`, computed from baseLrs (when defined). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups as ParamGroup[];
  }

  /**
   * Advances the schedule and writes the new learning rates into the optimizer's groups.
   * `epoch` (deprecated in PyTorch) jumps to that epoch using the closed form.
   */
  step(...args: CtorArgs<typeof STEP>): void {
    const [epoch] = bindCall([stepSig], undefined, args, false) as [number | null];
    if (this._stepCount === 0 && initialStepping !== this) {
      throw new FluxionError(`${this.name}.step(): the scheduler has not taken its initial step; a subclass of LRScheduler must call this.initialStep() at the end of its constructor (PyTorch's __init__ does it)`);
    }
    if (this._stepCount === 1) warnStepOrder(this.optimizer); // the first step() after the initial one
    this._stepCount++;
    let values: number[];
    if (epoch === null) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      warnEpochDeprecated();
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.writeLrs(values, epoch);
  }

  /**
   * Writes `values` into the groups they are for, as PyTorch's zip(param_groups, values):
   * a group added by addParamGroup after the scheduler was built has no base lr (LambdaLR,
   * CosineAnnealingWarmRestarts, ...) and keeps its lr. getLastLr() then lists every group.
   */
  protected writeLrs(values: readonly number[], epoch: number | null): void {
    const groups = this.groups;
    for (let i = 0; i < Math.min(groups.length, values.length); i++) {
      const g = groups[i]!;
      g.lr = values[i]!;
      if (this.verbose) {
        console.log(epoch === null ? `Adjusting learning rate of group ${i} to ${fmtLr(g.lr)}.` : `Epoch ${fmtEpoch(epoch)}: adjusting learning rate of group ${i} to ${fmtLr(g.lr)}.`);
      }
    }
    this._lastLr = groups.map((g) => g.lr);
  }

  /** The learning rates this scheduler last set, one per parameter group. */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** The scheduler's state (every field but the optimizer and functions). */
  stateDict(): SchedulerStateDict {
    return ownState(this, ["name"]);
  }

  /** Restores state saved by stateDict(); unknown keys are refused. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    loadOwnState(this, stateDict, this.name, ["name"]);
  }
}

/** A scheduler wrapping others (SequentialLR, ChainedScheduler): its own fields plus each wrapped scheduler's state, under `schedulers`. */
export function wrapperState(obj: LRScheduler, schedulers: readonly LRScheduler[]): SchedulerStateDict {
  return { ...ownState(obj, ["name", "schedulers"]), schedulers: schedulers.map((s) => s.stateDict()) };
}

/** Restores wrapperState's dict into `obj` and its wrapped `schedulers`. */
export function loadWrapperState(obj: LRScheduler, name: string, schedulers: readonly LRScheduler[], stateDict: SchedulerStateDict): void {
  if (stateDict === null || typeof stateDict !== "object" || Array.isArray(stateDict)) {
    throw new ArgumentError(`${name}.loadStateDict(): expected a state dict object, as stateDict() returns, but got ${describeValue(stateDict)}`);
  }
  const { schedulers: states, ...own } = fromPyTorchNames(stateDict);
  if (!Array.isArray(states) || states.length !== schedulers.length) {
    throw new FluxionError(`${name}.loadStateDict: expected states for ${schedulers.length} schedulers, got ${Array.isArray(states) ? states.length : "none"}`);
  }
  loadOwnState(obj, own, name, ["name", "schedulers"]);
  states.forEach((s, i) => schedulers[i]!.loadStateDict(s as SchedulerStateDict));
}

/**
 * nn.utils.prune (torch.nn.utils.prune): pruning a module's tensor by a mask. Pruning
 * `weight` moves the parameter to `weight_orig`, registers the buffer `weight_mask`, and
 * makes `weight` a plain attribute, `weight_orig * weight_mask`, recomputed by a forward
 * pre-hook before every call; so the state dict keys are PyTorch's (`bias, weight_orig,
 * weight_mask`) and gradients flow into `weight_orig` only where the mask is 1. Pruning the
 * same tensor again combines the masks (a PruningContainer prunes only what is still
 * unpruned); `remove` makes the pruning permanent (the parameter `weight` holds the masked
 * values; no hook, no mask).
 *
 * Differences from PyTorch, all forced by JavaScript:
 * - `amount`: an integer is a number of entries (or channels) to prune and a non-integer in
 *   [0, 1] a fraction, as PyTorch's int and float. JavaScript has one number type, so 1 (and
 *   0) are counts: `amount: 1.0` prunes one entry, not all of them (pass the count instead).
 * - the random methods draw from Fluxion's generator (manualSeed), so their masks are not
 *   PyTorch's for the same seed.
 * - `globalUnstructured(parameters, method, { amount, importanceScores })`: the keyword
 *   arguments in one options object; importance scores as a Map from `[module, name]` pairs
 *   (matched by module identity and name) to tensors, in place of PyTorch's dict keyed by tuples.
 * - a method class's `apply(module, name, ...args)` takes the constructor's arguments in
 *   order (PyTorch's keyword forms: `L1Unstructured.apply(m, "weight", 0.3)`), with
 *   `importanceScores` in a trailing options object where PyTorch takes it.
 * Custom methods subclass BasePruningMethod and implement computeMask(t, defaultMask), with a
 * static (or instance) PRUNING_TYPE of "unstructured", "structured" (with a `dim`) or "global".
 */
import { describeValue, isPlainObject } from "../api/args.js";
import { checkArity, checkOptions } from "../api/check_args.js";
import { noGrad } from "../autograd/grad_mode.js";
import { ArgumentError, FluxionError, IndexError, ShapeError } from "../errors.js";
import { fmtShape } from "../errors.js";
import { cat } from "../ops/shape_ops.js";
import { onesLike, rand, randLike, zerosLike } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { Module, _forwardPreHooks, _markRecomputed, type ForwardPreHook } from "./module.js";
import { Parameter } from "./parameter.js";

export type PruningType = "unstructured" | "structured" | "global";

type Attrs = Record<string, unknown>;

/** The pruning method behind each forward pre-hook this module registered. */
const hookMethods = new WeakMap<Function, BasePruningMethod>();

function pruningType(method: BasePruningMethod): PruningType {
  const own = (method as { PRUNING_TYPE?: unknown }).PRUNING_TYPE;
  const type = own ?? (method.constructor as { PRUNING_TYPE?: unknown }).PRUNING_TYPE;
  if (type !== "unstructured" && type !== "structured" && type !== "global") {
    throw new FluxionError(`prune: ${method.constructor.name} must define PRUNING_TYPE as "unstructured", "structured" or "global" (got ${describeValue(type)})`);
  }
  return type;
}

/** Python's round(): halves go to the even neighbour (round(2.5) is 2). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function validateAmountInit(amount: unknown): asserts amount is number {
  if (typeof amount !== "number" || Number.isNaN(amount)) throw new ArgumentError(`prune: invalid type for amount: ${describeValue(amount)}. Must be int or float.`);
  if ((Number.isInteger(amount) && amount < 0) || (!Number.isInteger(amount) && (amount > 1 || amount < 0))) {
    throw new ArgumentError(`prune: amount=${amount} should either be a float in the range [0, 1] or a non-negative integer`);
  }
}

/** _compute_nparams_toprune: an integer amount is a count, a fraction of the size otherwise (Python rounding). */
function nparamsToPrune(amount: number, size: number): number {
  return Number.isInteger(amount) ? amount : roundHalfEven(amount * size);
}

function validateAmount(amount: number, nparams: number, size: number): void {
  if (Number.isInteger(amount) && nparams > size) throw new ArgumentError(`prune: amount=${amount} should be smaller than the number of parameters to prune=${size}`);
}

function validateStructured(t: Tensor): void {
  if (t.ndim <= 1) throw new ShapeError(`prune: Structured pruning can only be applied to multidimensional tensors. Found tensor of shape ${fmtShape(t.shape)} with ${t.ndim} dims`);
}

function validateDim(t: Tensor, dim: number): void {
  if (!Number.isInteger(dim) || dim >= t.ndim || dim < -t.ndim) throw new IndexError(`prune: Invalid index ${dim} for tensor of size ${fmtShape(t.shape)}`);
}

/** An index spec list selecting `sel` along `dim` and everything along the other dims. */
function alongDim(ndim: number, dim: number, sel: Tensor): (string | Tensor)[] {
  const specs: (string | Tensor)[] = Array.from({ length: ndim }, () => ":");
  specs[dim < 0 ? dim + ndim : dim] = sel;
  return specs;
}

/**
 * A pruning method: computeMask(t, defaultMask) gives the new mask of t (defaultMask: the mask
 * so far). Registered on a module as a forward pre-hook (see BasePruningMethod.apply).
 */
export abstract class BasePruningMethod {
  /** The pruned tensor's name on its module (set by apply). */
  _tensorName: string | null = null;

  abstract computeMask(t: Tensor, defaultMask: Tensor): Tensor;

  /** The pruned tensor: the mask (in the original's dtype) times `name_orig`. */
  applyMask(module: Module): Tensor {
    if (this._tensorName === null) throw new FluxionError(`prune: ${this.constructor.name} has not been applied to a module`);
    const attrs = module as unknown as Attrs;
    const mask = attrs[`${this._tensorName}_mask`] as Tensor, orig = attrs[`${this._tensorName}_orig`] as Tensor;
    return mask.to(orig.dtype).mul(orig);
  }

  /**
   * Prunes `module[name]` with a new method of this class (`new this(...args)`), combined with
   * any pruning already there in a PruningContainer. Returns the method (or container) now
   * registered. `importanceScores` (same shape as the tensor) ranks entries instead of it.
   */
  static apply<T extends BasePruningMethod>(this: new (...args: any[]) => T, module: Module, name: string, ...args: any[]): T | PruningContainer {
    let importanceScores: Tensor | null = null;
    const last = args[args.length - 1];
    if (last !== null && typeof last === "object" && !(last instanceof Tensor) && !Array.isArray(last) && Object.keys(last).every((k) => k === "importanceScores")) {
      importanceScores = ((last as { importanceScores?: Tensor | null }).importanceScores ?? null);
      args = args.slice(0, -1);
    }
    return applyMethod(this, module, name, args, importanceScores) as T | PruningContainer;
  }

  /** t times the mask this method computes for it (the module is not touched). */
  prune(t: Tensor, defaultMask: Tensor | null = null, importanceScores: Tensor | null = null): Tensor {
    if (importanceScores !== null && !sameShape(importanceScores, t)) throw new ShapeError(`prune: importance_scores should have the same shape as tensor t (${fmtShape(importanceScores.shape)} vs ${fmtShape(t.shape)})`);
    const scores = importanceScores ?? t;
    return t.mul(noGrad(() => this.computeMask(scores, defaultMask ?? onesLike(t))));
  }

  /**
   * Makes the pruning permanent: `module[name]` becomes a Parameter (the same object as
   * `name_orig`, its values now the masked ones); `name_orig` and `name_mask` are gone. The
   * hook is not removed here (prune.remove does both).
   */
  remove(module: Module): void {
    const name = this._tensorName;
    if (name === null) throw new FluxionError(`prune: Module ${module.constructor.name} has to be pruned before pruning can be removed`);
    const attrs = module as unknown as Attrs;
    const weight = noGrad(() => this.applyMask(module));
    if (name in attrs) delete attrs[name];
    const orig = attrs[`${name}_orig`] as Parameter;
    orig.data = weight.detach();
    delete attrs[`${name}_orig`];
    delete attrs[`${name}_mask`];
    _markRecomputed(module, name, false);
    attrs[name] = orig;
  }
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape.every((s, i) => s === b.shape[i]);
}

/**
 * Several pruning methods applied in turn to one tensor: each new one prunes only what the
 * masks before it kept (for a structured method: only channels not already all zero).
 */
export class PruningContainer extends BasePruningMethod {
  private methods: BasePruningMethod[] = [];

  constructor(...methods: BasePruningMethod[]) {
    super();
    if (methods.length === 1) this._tensorName = methods[0]!._tensorName;
    for (const m of methods) this.addPruningMethod(m);
  }

  addPruningMethod(method: BasePruningMethod): void {
    if (!(method instanceof BasePruningMethod)) throw new ArgumentError(`PruningContainer.addPruningMethod(): ${describeValue(method)} is not a BasePruningMethod subclass`);
    if (this._tensorName !== method._tensorName) {
      throw new ArgumentError(`PruningContainer.addPruningMethod(): Can only add pruning methods acting on the parameter named '${this._tensorName}' to PruningContainer. Found '${method._tensorName}'`);
    }
    this.methods.push(method);
  }

  get length(): number {
    return this.methods.length;
  }
  at(i: number): BasePruningMethod | undefined {
    return this.methods.at(i);
  }
  [Symbol.iterator](): Iterator<BasePruningMethod> {
    return this.methods[Symbol.iterator]();
  }

  /** The last method's mask over the part of t the mask so far keeps, written into that mask. */
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    const method = this.methods[this.methods.length - 1];
    if (method === undefined) throw new FluxionError("PruningContainer.computeMask(): the container holds no pruning method");
    const newMask = defaultMask.to(t.dtype).clone();
    const type = pruningType(method);
    let slc: (string | Tensor)[];
    if (type === "unstructured") {
      slc = [defaultMask.eq(1)]; // prune entries of t where the mask is 1
    } else if (type === "structured") {
      const rawDim = (method as { dim?: unknown }).dim;
      if (typeof rawDim !== "number") throw new FluxionError('PruningContainer: pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.');
      const dim = rawDim < 0 ? t.ndim + rawDim : rawDim;
      if (dim < 0) throw new IndexError(`PruningContainer: Index is out of bounds for tensor with dimensions ${t.ndim}`);
      // the channels along dim not already all zero
      const others = t.shape.map((_, d) => d).filter((d) => d !== dim);
      const keep = (others.length ? defaultMask.sum(others) : defaultMask).ne(0);
      slc = alongDim(t.ndim, dim, keep);
    } else {
      slc = Array.from({ length: t.ndim }, () => ":");
    }
    const partial = method.computeMask(t.index(...slc), defaultMask.index(...slc));
    newMask.indexPut_(slc, partial.to(newMask.dtype));
    return newMask;
  }
}

/** Prunes nothing (the mask stays all ones): gives a module the pruning reparameterization. */
export class Identity extends BasePruningMethod {
  static PRUNING_TYPE: PruningType = "unstructured";
  computeMask(_t: Tensor, defaultMask: Tensor): Tensor {
    return defaultMask;
  }
}

/** An unstructured method that zeroes the `amount` entries `pick` chooses (a fraction in [0, 1], or a count). */
abstract class AmountUnstructured extends BasePruningMethod {
  static PRUNING_TYPE: PruningType = "unstructured";
  readonly amount: number;
  constructor(amount: number) {
    super();
    validateAmountInit(amount);
    this.amount = amount;
  }
  /** The flat indices of the n entries of t to prune. */
  protected abstract pick(t: Tensor, n: number): Tensor;
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    const size = t.numel();
    const n = nparamsToPrune(this.amount, size);
    validateAmount(this.amount, n, size);
    const mask = defaultMask.contiguous().clone();
    if (n !== 0) mask.view(-1).indexPut_([this.pick(t, n)], 0);
    return mask;
  }
}

/** Prunes `amount` entries chosen at random (a fraction in [0, 1], or a count). */
export class RandomUnstructured extends AmountUnstructured {
  protected pick(t: Tensor, n: number): Tensor {
    return randLike(t).view(-1).topk(n).indices;
  }
}

/** Prunes the `amount` entries of smallest absolute value (a fraction in [0, 1], or a count). */
export class L1Unstructured extends AmountUnstructured {
  protected pick(t: Tensor, n: number): Tensor {
    return t.abs().reshape(-1).topk(n, -1, false).indices;
  }
}

/** Prunes `amount` whole channels along `dim` chosen at random. */
export class RandomStructured extends BasePruningMethod {
  static PRUNING_TYPE: PruningType = "structured";
  readonly amount: number;
  readonly dim: number;
  constructor(amount: number, dim = -1) {
    super();
    validateAmountInit(amount);
    this.amount = amount;
    this.dim = dim;
  }
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    validateStructured(t);
    validateDim(t, this.dim);
    const size = t.shape.at(this.dim)!;
    const n = nparamsToPrune(this.amount, size);
    validateAmount(this.amount, n, size);
    if (n === 0) return defaultMask;
    const prob = rand([size]);
    const threshold = prob.kthvalue(n).values;
    const mask = zerosLike(t);
    mask.indexPut_(alongDim(t.ndim, this.dim, prob.gt(threshold)), 1);
    return mask.mul_(defaultMask.to(mask.dtype));
  }
}

/** Prunes the `amount` channels along `dim` of smallest Ln norm (n a number, or "fro", Infinity, -Infinity). */
export class LnStructured extends BasePruningMethod {
  static PRUNING_TYPE: PruningType = "structured";
  readonly amount: number;
  readonly n: number | "fro";
  readonly dim: number;
  constructor(amount: number, n: number | "fro", dim = -1) {
    super();
    validateAmountInit(amount);
    if (typeof n !== "number" && n !== "fro") throw new ArgumentError(`LnStructured: n must be a number, Infinity, -Infinity or "fro", got ${describeValue(n)}`);
    this.amount = amount;
    this.n = n;
    this.dim = dim;
  }
  computeMask(t: Tensor, defaultMask: Tensor): Tensor {
    validateStructured(t);
    validateDim(t, this.dim);
    const size = t.shape.at(this.dim)!;
    const n = nparamsToPrune(this.amount, size);
    validateAmount(this.amount, n, size);
    if (n === 0) return defaultMask;
    const dim = this.dim < 0 ? this.dim + t.ndim : this.dim;
    const norm = t.norm(this.n, t.shape.map((_, d) => d).filter((d) => d !== dim));
    const { indices } = norm.topk(size - n, -1, true);
    const mask = zerosLike(t);
    mask.indexPut_(alongDim(t.ndim, dim, indices), 1);
    return mask.mul_(defaultMask.to(mask.dtype));
  }
}

/** Prunes where a given mask is 0 (combined with the mask so far). */
export class CustomFromMask extends BasePruningMethod {
  static PRUNING_TYPE: PruningType = "global";
  readonly mask: Tensor;
  constructor(mask: Tensor) {
    super();
    if (!(mask instanceof Tensor)) throw new ArgumentError(`CustomFromMask: mask must be a Tensor, got ${describeValue(mask)}`);
    this.mask = mask;
  }
  computeMask(_t: Tensor, defaultMask: Tensor): Tensor {
    if (!sameShape(defaultMask, this.mask)) throw new ShapeError(`CustomFromMask: the mask's shape ${fmtShape(this.mask.shape)} is not the tensor's ${fmtShape(defaultMask.shape)}`);
    return defaultMask.mul(this.mask.to(defaultMask.dtype));
  }
}

/** The pruning method registered for module[name] (a forward pre-hook), and its index among the hooks. */
function findMethod(module: Module, name: string): { index: number; method: BasePruningMethod } | null {
  const hooks = _forwardPreHooks(module);
  for (let i = 0; i < hooks.length; i++) {
    const method = hookMethods.get(hooks[i]!);
    if (method !== undefined && method._tensorName === name) return { index: i, method };
  }
  return null;
}

function checkTarget(op: string, module: unknown, name: unknown): asserts module is Module {
  if (!(module instanceof Module)) throw new ArgumentError(`${op}(): argument 'module' (position 1) must be a Module, but got ${describeValue(module)}`);
  if (typeof name !== "string" || name === "") throw new ArgumentError(`${op}(): argument 'name' (position 2) must be a non-empty string, but got ${describeValue(name)}`);
}

/** BasePruningMethod.apply: the new method combined with any already on module[name], then registered. */
function applyMethod(cls: new (...args: any[]) => BasePruningMethod, module: Module, name: string, args: unknown[], importanceScores: Tensor | null): BasePruningMethod {
  checkTarget(`${cls.name}.apply`, module, name);
  const attrs = module as unknown as Attrs;
  const orig = attrs[name];
  if (!(orig instanceof Tensor)) throw new FluxionError(`${cls.name}.apply(): ${module.constructor.name} has no tensor \`${name}\` to prune (got ${describeValue(orig)})`);
  if (importanceScores !== null && (!(importanceScores instanceof Tensor) || !sameShape(importanceScores, orig))) {
    throw new ShapeError(`${cls.name}.apply(): importance_scores should have the same shape as parameter ${name} of ${module.constructor.name} (${importanceScores instanceof Tensor ? fmtShape(importanceScores.shape) : describeValue(importanceScores)} vs ${fmtShape(orig.shape)})`);
  }
  const old = findMethod(module, name);
  const method: BasePruningMethod = new cls(...args);
  method._tensorName = name;
  if (old === null && (!(orig instanceof Parameter) || ![...module.namedParameters({ recurse: false })].some(([k, p]) => k === name && p === orig))) {
    throw new FluxionError(`${cls.name}.apply(): \`${name}\` is not a parameter of ${module.constructor.name}; prune parameters (a buffer or plain tensor attribute is not pruned)`);
  }
  // the new mask first, so that a method that fails leaves the module as it was; on top of
  // earlier pruning, through a container holding the history and the new method
  let combined: BasePruningMethod = method;
  if (old !== null) {
    const history = old.method instanceof PruningContainer ? [...old.method] : [old.method];
    const container = new PruningContainer(history[0]!);
    for (const m of [...history.slice(1), method]) container.addPruningMethod(m);
    combined = container;
  }
  const defaultMask = old === null ? onesLike(orig) : (attrs[`${name}_mask`] as Tensor).detach().contiguous().clone();
  const mask = noGrad(() => combined.computeMask((importanceScores ?? orig).detach(), defaultMask));
  const registered = old !== null && old.method instanceof PruningContainer ? old.method : combined;
  if (old === null) {
    delete attrs[name];
    attrs[`${name}_orig`] = orig; // a field: listed after the parameters already there, as PyTorch appends it
    module.registerBuffer(`${name}_mask`, mask);
  } else {
    // the container already on the module grows (a caller holding it sees the new method), as PyTorch's
    if (old.method instanceof PruningContainer) old.method.addPruningMethod(method);
    (attrs as Record<string, Tensor>)[`${name}_mask`] = mask;
  }
  attrs[name] = registered.applyMask(module);
  if (old !== null) _forwardPreHooks(module).splice(old.index, 1);
  const hook: ForwardPreHook = (m) => {
    (m as unknown as Attrs)[name] = registered.applyMask(m);
  };
  hookMethods.set(hook, registered);
  module.registerForwardPreHook(hook);
  _markRecomputed(module, name, true);
  return registered;
}

/** Applies the pruning reparameterization to module[name] without pruning anything. Returns the module. */
export function identity<M extends Module>(module: M, name: string): M {
  checkArity("identity", arguments, 2, "module, name");
  Identity.apply(module, name);
  return module;
}

/** Prunes `amount` random entries of module[name] (a fraction in [0, 1], or a count). Returns the module. */
export function randomUnstructured<M extends Module>(module: M, name: string, amount: number | { amount: number }): M {
  checkArity("randomUnstructured", arguments, 3, "module, name, amount");
  if (isPlainObject(amount)) checkOptions("randomUnstructured", amount, ["amount"]);
  RandomUnstructured.apply(module, name, amountOf("randomUnstructured", amount));
  return module;
}

/**
 * Prunes the `amount` entries of module[name] with the smallest |value| (or the smallest
 * importance scores). Returns the module.
 * @example prune.l1Unstructured(model.fc1, "weight", 0.3); model.fc1.weight_mask
 */
export function l1Unstructured<M extends Module>(module: M, name: string, amount: number | { amount: number; importanceScores?: Tensor | null }, opts?: { importanceScores?: Tensor | null }): M {
  checkArity("l1Unstructured", arguments, 4, "module, name, amount, options");
  checkOptions("l1Unstructured", isPlainObject(amount) ? amount : opts, isPlainObject(amount) ? ["amount", "importanceScores"] : ["importanceScores"]);
  const o = isPlainObject(amount) ? amount : { amount, ...opts };
  L1Unstructured.apply(module, name, amountOf("l1Unstructured", o.amount), { importanceScores: o.importanceScores ?? null });
  return module;
}

/** Prunes `amount` random channels of module[name] along `dim`. Returns the module. */
export function randomStructured<M extends Module>(module: M, name: string, amount: number | { amount: number; dim: number }, dim?: number): M {
  checkArity("randomStructured", arguments, 4, "module, name, amount, dim");
  if (isPlainObject(amount)) checkOptions("randomStructured", amount, ["amount", "dim"]);
  const o = isPlainObject(amount) ? amount : { amount, dim };
  if (typeof o.dim !== "number") throw new ArgumentError(`randomStructured(): missing required argument 'dim'`);
  RandomStructured.apply(module, name, amountOf("randomStructured", o.amount), o.dim);
  return module;
}

/** Prunes the `amount` channels of module[name] along `dim` with the smallest Ln norm. Returns the module. */
export function lnStructured<M extends Module>(module: M, name: string, amount: number | { amount: number; n: number | "fro"; dim: number; importanceScores?: Tensor | null }, n?: number | "fro", dim?: number, opts?: { importanceScores?: Tensor | null }): M {
  checkArity("lnStructured", arguments, 6, "module, name, amount, n, dim, options");
  checkOptions("lnStructured", isPlainObject(amount) ? amount : opts, isPlainObject(amount) ? ["amount", "n", "dim", "importanceScores"] : ["importanceScores"]);
  const o = isPlainObject(amount) ? amount : { amount, n, dim, ...opts };
  if (o.n === undefined) throw new ArgumentError(`lnStructured(): missing required argument 'n'`);
  if (typeof o.dim !== "number") throw new ArgumentError(`lnStructured(): missing required argument 'dim'`);
  LnStructured.apply(module, name, amountOf("lnStructured", o.amount), o.n, o.dim, { importanceScores: o.importanceScores ?? null });
  return module;
}

/** Prunes module[name] where `mask` is 0. Returns the module. */
export function customFromMask<M extends Module>(module: M, name: string, mask: Tensor | { mask: Tensor }): M {
  checkArity("customFromMask", arguments, 3, "module, name, mask");
  if (isPlainObject(mask)) checkOptions("customFromMask", mask, ["mask"]);
  CustomFromMask.apply(module, name, mask instanceof Tensor ? mask : mask?.mask);
  return module;
}

function amountOf(op: string, amount: unknown): number {
  if (amount === undefined) throw new ArgumentError(`${op}(): missing required argument 'amount'`);
  validateAmountInit(amount);
  return amount;
}

/**
 * Prunes several tensors together: `method` (an unstructured method class, such as
 * L1Unstructured) ranks all their entries at once (`amount` of the total). `parameters` are
 * `[module, name]` pairs; `importanceScores` a Map from such pairs to tensors of their shapes.
 * @example prune.globalUnstructured([[model.conv1, "weight"], [model.fc1, "weight"]], prune.L1Unstructured, { amount: 0.2 })
 */
export function globalUnstructured(
  parameters: Iterable<readonly [Module, string]>,
  pruningMethod: new (...args: any[]) => BasePruningMethod,
  opts: { amount?: number; importanceScores?: Map<readonly [Module, string], Tensor> | null; [k: string]: unknown } = {},
): void {
  checkArity("globalUnstructured", arguments, 3, "parameters, pruningMethod, options");
  // the built-in methods' keyword arguments are known; a custom method's go to its constructor in order
  if (pruningMethod === L1Unstructured || pruningMethod === RandomUnstructured) checkOptions("globalUnstructured", opts, ["amount", "importanceScores"]);
  else checkOptions("globalUnstructured", opts, Object.keys(opts ?? {}));
  if (parameters === null || typeof (parameters as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== "function") throw new ArgumentError("globalUnstructured(): parameters is not an Iterable");
  const pairs = [...parameters];
  for (const p of pairs) {
    if (!Array.isArray(p) || p.length !== 2) throw new ArgumentError(`globalUnstructured(): each parameter must be a [module, name] pair, got ${describeValue(p)}`);
    checkTarget("globalUnstructured", p[0], p[1]);
  }
  if (typeof pruningMethod !== "function" || !(pruningMethod.prototype instanceof BasePruningMethod)) throw new ArgumentError(`globalUnstructured(): pruningMethod must be a BasePruningMethod subclass, got ${describeValue(pruningMethod)}`);
  const { importanceScores = null, ...kwargs } = opts;
  if (importanceScores !== null && !(importanceScores instanceof Map)) throw new ArgumentError("globalUnstructured(): importanceScores must be a Map from [module, name] pairs to tensors");
  const scoreOf = (m: Module, name: string): Tensor | undefined => {
    if (importanceScores === null) return undefined;
    for (const [[km, kn], v] of importanceScores) if (km === m && kn === name) return v;
    return undefined;
  };
  const attrs = (m: Module) => m as unknown as Attrs;
  const method = new pruningMethod(...Object.values(kwargs));
  method._tensorName = "temp";
  if (pruningType(method) !== "unstructured") throw new ArgumentError(`globalUnstructured(): Only "unstructured" PRUNING_TYPE supported for the pruningMethod. Found method ${pruningMethod.name} of type ${pruningType(method)}`);
  const finalMask = noGrad(() => {
    const scores = cat(pairs.map(([m, n]) => (scoreOf(m, n) ?? (attrs(m)[n] as Tensor)).detach().reshape(-1)));
    const defaultMask = cat(pairs.map(([m, n]) => ((attrs(m)[`${n}_mask`] as Tensor | undefined) ?? onesLike(attrs(m)[n] as Tensor)).reshape(-1)));
    const container = new PruningContainer();
    container._tensorName = "temp";
    container.addPruningMethod(method);
    return container.computeMask(scores, defaultMask);
  });
  let pointer = 0;
  for (const [m, n] of pairs) {
    const param = attrs(m)[n] as Tensor;
    const k = param.numel();
    customFromMask(m, n, finalMask.narrow(0, pointer, k).viewAs(param));
    pointer += k;
  }
}

/** Makes the pruning of module[name] permanent and removes its hook (torch.nn.utils.prune.remove). Returns the module. */
export function remove<M extends Module>(module: M, name: string): M {
  checkArity("remove", arguments, 2, "module, name");
  checkTarget("remove", module, name);
  const found = findMethod(module, name);
  if (found === null) throw new ArgumentError(`remove(): Parameter '${name}' of module ${module.constructor.name} has to be pruned before pruning can be removed`);
  found.method.remove(module);
  _forwardPreHooks(module).splice(found.index, 1);
  return module;
}

/** Whether module or any submodule has a pruning hook. */
export function isPruned(module: Module): boolean {
  checkArity("isPruned", arguments, 1, "module");
  if (!(module instanceof Module)) throw new ArgumentError(`isPruned(): argument 'module' must be a Module, but got ${describeValue(module)}`);
  for (const [, m] of module.namedModules()) if (_forwardPreHooks(m).some((h) => hookMethods.has(h))) return true;
  return false;
}

/** The pruning method (or PruningContainer, holding the history) on module[name], or null (PyTorch finds it among module._forward_pre_hooks). */
export function pruningMethodOf(module: Module, name: string): BasePruningMethod | null {
  checkArity("pruningMethodOf", arguments, 2, "module, name");
  checkTarget("pruningMethodOf", module, name);
  return findMethod(module, name)?.method ?? null;
}

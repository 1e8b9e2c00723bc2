/** Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (keys become stateDict prefixes). */
import { ArgumentError, FluxionError, IndexError } from "../../errors.js";
import { describeValue, isPlainObject } from "../../api/args.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkArity } from "../../api/check_args.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { Tensor } from "../../tensor/tensor.js";
import { ReLU } from "./activation.js";
import { Conv2d } from "./conv.js";
import { MaxPool2d } from "./pooling.js";
import { _tupleOf, type PoolWindow } from "../functional/conv.js";

/**
 * Modules under the keys "0", "1", ...: the shared part of Sequential and ModuleList. `M` is
 * the type of the modules held (a ModuleList of Blocks iterates and indexes as Blocks).
 */
abstract class IndexedModules<M extends Module = Module> extends Module {
  /** seq[0], seq[1], ...: the modules by position (seq.at(-1) counts from the end). */
  readonly [index: number]: M;
  override get length(): number {
    return [...this.children()].length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): M {
    const list = [...this.children()] as M[];
    const j = i < 0 ? i + list.length : i;
    if (j < 0 || j >= list.length) throw new IndexError(`${this.constructor.name}.at: index ${i} is out of range for ${list.length} modules`);
    return list[j]!;
  }
  /**
   * PyTorch's `seq[start:end:step]`: the modules from start to end (exclusive) every step, in
   * a new container of this class that holds the same module objects (`model[:i + 1]` is
   * `model.slice(0, i + 1)`, `layers[::-1]` is `layers.slice(null, null, -1)`). Python's slice
   * rules: negative positions count from the end, out-of-range ones clamp, a negative step
   * walks backwards. A Sequential keeps the modules' names and their order (`seq[::-1]` has keys
   * "3", "2", ...; read them by position with `at`), a ModuleList numbers them from 0, as
   * PyTorch does.
   */
  slice(start: number | null = null, end: number | null = null, step: number | null = null): this {
    const op = `${this.constructor.name}.slice()`;
    checkArity(`${this.constructor.name}.slice`, arguments, 3, "start, end, step");
    const entries = [...this.namedChildren()];
    const picked = sliceIndices(op, entries.length, start, end, step).map((i) => entries[i]!);
    return this._fromSlice(picked);
  }
  /** The container of this class that slice() returns, holding the picked [name, module] pairs. */
  protected abstract _fromSlice(entries: [string, Module][]): this;
  append(m: M): this {
    checkModule(`${this.constructor.name}.append()`, "module", m);
    this.addModule(String(this.length), m);
    return this;
  }
  /** Appends every module of an iterable (PyTorch's extend). */
  extend(ms: Iterable<M>): this {
    if (ms === null || typeof (ms as Iterable<Module> | undefined)?.[Symbol.iterator] !== "function" || typeof ms === "string") {
      throw new ArgumentError(`${this.constructor.name}.extend(): argument 'modules' must be an iterable of Modules, but got ${describeValue(ms)}`);
    }
    for (const m of ms) this.append(m);
    return this;
  }
  /** Inserts m before position index (negative counts from the end), renumbering the rest. */
  insert(index: number, m: M): this {
    const op = `${this.constructor.name}.insert()`;
    checkModule(op, "module", m);
    const list = [...this.children()];
    const j = this.position(op, index, list.length, true);
    list.splice(j, 0, m);
    this.renumber(list);
    return this;
  }
  /** Removes and returns the module at index (default the last), renumbering the rest. */
  pop(index = -1): M {
    const list = [...this.children()] as M[];
    const [m] = list.splice(this.position(`${this.constructor.name}.pop()`, index, list.length, false), 1);
    this.renumber(list);
    return m!;
  }
  /** index as a position in [0, n) (or [0, n] when inserting), negative counting from the end. */
  private position(op: string, index: number, n: number, inserting: boolean): number {
    if (!Number.isInteger(index)) throw new ArgumentError(`${op}: index must be an int, but got ${describeValue(index)}`);
    const j = index < 0 ? index + n : index;
    if (j < 0 || j > n || (!inserting && j === n)) throw new IndexError(`${op}: index ${index} is out of range for ${n} modules`);
    return j;
  }
  /** Re-registers the modules under "0", "1", ... in the order given. */
  private renumber(list: readonly Module[]): void {
    for (const [k] of [...this.namedChildren()]) delete (this as Record<string, unknown>)[k];
    list.forEach((m, i) => this.addModule(String(i), m));
  }
  [Symbol.iterator](): Iterator<M> {
    return this.children() as Iterator<M>;
  }
}

/** The positions Python's slice(start, end, step).indices(n) walks through. */
function sliceIndices(op: string, n: number, start: number | null, end: number | null, step: number | null): number[] {
  for (const [name, v] of [["start", start], ["end", end], ["step", step]] as const) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) throw new ArgumentError(`${op}: ${name} must be an int or null, but got ${describeValue(v)}`);
  }
  const st = step ?? 1;
  if (st === 0) throw new ArgumentError(`${op}: slice step cannot be zero`);
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  const out: number[] = [];
  if (st > 0) {
    const e = end === null || end === undefined ? n : clamp(end, 0, n);
    for (let i = start === null || start === undefined ? 0 : clamp(start, 0, n); i < e; i += st) out.push(i);
  } else {
    const e = end === null || end === undefined ? -1 : clamp(end, -1, n - 1);
    for (let i = start === null || start === undefined ? n - 1 : clamp(start, -1, n - 1); i > e; i += st) out.push(i);
  }
  return out;
}

/** Throws an ArgumentError unless m is a Module. */
function checkModule(op: string, what: string, m: unknown): asserts m is Module {
  if (!(m instanceof Module)) throw new ArgumentError(`${op}: ${what} must be a Module, but got ${describeValue(m)}`);
}

/** A dict of modules (a plain object or a Map, PyTorch's OrderedDict) as checked [name, module] pairs. */
function dictEntries(op: string, dict: Record<string, unknown> | Map<string, unknown>): [string, Module][] {
  const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
  for (const [k, m] of entries) {
    if (typeof k !== "string") throw new ArgumentError(`${op}: argument 'modules' must have string keys, but got key ${describeValue(k)}`);
    checkModule(op, `argument 'modules' entry '${k}'`, m);
  }
  return entries as [string, Module][];
}

function isDict(v: unknown): v is Record<string, unknown> | Map<string, unknown> {
  return v instanceof Map || isPlainObject(v);
}

const SEQUENTIAL = "Sequential(Module... modules)";
const sequentialArgs = declareArgs(SEQUENTIAL, "nn");

/**
 * Runs its modules in order. Takes modules, or one dict of named modules (an object or a
 * Map, as PyTorch's OrderedDict), whose keys become the stateDict prefixes.
 * @example const mlp = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * @example new nn.Sequential({ fc: new nn.Linear(4, 2), act: new nn.ReLU() }) // stateDict keys fc.weight, fc.bias
 */
export class Sequential extends IndexedModules {
  constructor(...args: CtorArgs<typeof SEQUENTIAL> | [Record<string, Module> | Map<string, Module>]) {
    super();
    const first = args[0];
    if (args.length === 1 && isDict(first)) {
      for (const [k, m] of dictEntries("Sequential()", first)) this.addModule(k, m);
    } else {
      const [modules] = sequentialArgs.bind(args);
      modules.forEach((m, i) => this.addModule(String(i), m));
    }
  }
  protected _fromSlice(entries: [string, Module][]): this {
    return new (this.constructor as new (modules: Map<string, Module>) => this)(new Map(entries));
  }
  forward(x: any): any {
    const mods = [...this.children()];
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i]!;
      if (plain(m, Conv2d) && plain(mods[i + 1], ReLU)) {
        const pool = mods[i + 2];
        const window = plain(pool, MaxPool2d) ? fusablePool(pool as MaxPool2d) : null;
        const fused = window ? [m, mods[i + 1]!, pool!] : [m, mods[i + 1]!];
        try {
          x = window ? (m as Conv2d)._forwardReluMaxPool(x, window) : (m as Conv2d)._forwardRelu(x);
        } catch (e) {
          // bad input: run the modules one by one, so the error is the one that module gives
          if (!(e instanceof FluxionError)) throw e;
          for (const f of fused) x = f.call(x);
        }
        i += fused.length - 1;
      } else x = m.call(x);
    }
    return x;
  }
}

/**
 * Whether `m` is exactly a `cls` (not a subclass, whose forward may differ) without hooks
 * (they would miss the intermediate outputs). nn.Sequential runs a plain Conv2d followed
 * by a plain ReLU as one convolution with the ReLU in its epilogue (the same values and
 * gradients without a pass over the activations), and with a plain MaxPool2d after them
 * also pools in that kernel, so the full-size activations are never written.
 */
function plain(m: Module | undefined, cls: unknown): boolean {
  return m !== undefined && Object.getPrototypeOf(m) === (cls as { prototype: object }).prototype && !m._hasHooks();
}

/** The pooling window when the kernel can pool it (no padding or dilation, floor mode, values only). */
function fusablePool(p: MaxPool2d): PoolWindow | null {
  const pair = (name: string, v: number | readonly number[]) => _tupleOf("MaxPool2d", name, v, 2) as [number, number];
  if (p.ceilMode || p.returnIndices || pair("padding", p.padding).some((v) => v !== 0) || pair("dilation", p.dilation).some((v) => v !== 1)) return null;
  return { kernel: pair("kernelSize", p.kernelSize), stride: pair("stride", p.stride) };
}

const MODULE_LIST = "ModuleList(Module[]? modules=null)";
const moduleListArgs = declareArgs(MODULE_LIST, "nn");

/**
 * A list of modules whose parameters are registered (plain arrays are not). Takes an array
 * or any iterable of modules (another ModuleList, a generator). Typed by what it holds when
 * asked (`new nn.ModuleList<Block>(...)`, or a field declared `nn.ModuleList<Block>`), so
 * `for (const block of this.h)` and `this.h.at(0)` are Blocks without a cast; otherwise it
 * holds any Module (a list of Linears then takes a ReLU too: M is not inferred from the array).
 * @example new nn.ModuleList(Array.from({ length: 3 }, () => new nn.Linear(8, 8)))
 * @example h: nn.ModuleList<Block> = new nn.ModuleList(Array.from({ length: 2 }, () => new Block(config)))
 */
export class ModuleList<M extends Module = Module> extends IndexedModules<M> {
  constructor(...args: CtorArgs<typeof MODULE_LIST> | [Iterable<NoInfer<M>>]) {
    super();
    const first = args[0];
    // an iterable that is not an array (a ModuleList, a generator) is read into one first; a
    // tensor (iterable too) is left for the binder to refuse as not a list of Modules
    if (args.length === 1 && (typeof first === "object" || typeof first === "function") && first !== null && !Array.isArray(first) && !(first instanceof Tensor)) {
      if (typeof (first as Iterable<unknown>)[Symbol.iterator] === "function") args = [[...(first as Iterable<Module>)]];
    }
    const [modules] = moduleListArgs.bind(args);
    for (const m of modules ?? []) this.append(m as M);
  }
  protected _fromSlice(entries: [string, Module][]): this {
    return new (this.constructor as new (modules: Module[]) => this)(entries.map(([, m]) => m));
  }
  forward(): never {
    throw new FluxionError("ModuleList has no forward(); iterate over it in your module's forward");
  }
}

const MODULE_DICT = "ModuleDict(Dict? modules=null)";
const moduleDictArgs = declareArgs(MODULE_DICT, "nn");

/** What a ModuleDict holds: modules by name (the type of `new nn.ModuleDict({...})`'s argument). */
export type ModuleRecord = Record<string, Module>;

// The class is ModuleDictBase so that the exported ModuleDict can be both the constructor and
// a generic type whose instances carry their modules as typed properties (below).
class ModuleDictBase extends Module {
  constructor(modules?: ModuleRecord | Map<string, Module> | null) {
    super();
    // one dict is the modules (PyTorch's only parameter), never an options object
    const [dict] = arguments.length === 1 && isDict(modules) ? [modules] : moduleDictArgs.bind(arguments);
    if (dict) for (const [k, m] of dictEntries("ModuleDict()", dict as Record<string, unknown> | Map<string, unknown>)) this.set(k, m);
  }
  forward(): never {
    throw new FluxionError("ModuleDict has no forward(); look modules up in your module's forward");
  }
  get(key: string): Module | undefined {
    const v = (this as any)[key];
    return v instanceof Module ? v : undefined;
  }
  set(key: string, m: Module): this {
    checkModule("ModuleDict.set()", "module", m);
    if (key === "training") throw new FluxionError(`ModuleDict: "${key}" is reserved`);
    this.addModule(key, m);
    return this;
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  keys(): string[] {
    return [...this.namedChildren()].map(([k]) => k);
  }
  values(): Module[] {
    return [...this.children()];
  }
  entries(): [string, Module][] {
    return [...this.namedChildren()];
  }
  /** [name, module] pairs (PyTorch's items(); the same as entries()). */
  items(): [string, Module][] {
    return this.entries();
  }
  /** Adds or replaces modules from a dict (an object or a Map) or [name, module] pairs. */
  update(modules: Record<string, Module> | Map<string, Module> | Iterable<[string, Module]>): this {
    const entries = isDict(modules) ? dictEntries("ModuleDict.update()", modules as Record<string, unknown> | Map<string, unknown>) : [...(modules as Iterable<[string, Module]>)];
    for (const [k, m] of entries) this.set(k, m);
    return this;
  }
  /** Removes and returns the module under key. */
  pop(key: string): Module {
    const m = this.get(key);
    if (m === undefined) throw new IndexError(`ModuleDict.pop(): no module under key ${JSON.stringify(key)}; keys: ${this.keys().join(", ") || "(none)"}`);
    delete (this as Record<string, unknown>)[key];
    return m;
  }
  /** Removes every module. */
  clear(): void {
    for (const k of this.keys()) delete (this as Record<string, unknown>)[k];
  }
  get size(): number {
    return this.keys().length;
  }
}
// reprs, messages and `constructor.name` say ModuleDict (set here, so bundlers' renames do not show)
Object.defineProperty(ModuleDictBase, "name", { value: "ModuleDict" });

/**
 * A ModuleDict holding the modules `T`, each also a typed property: PyTorch's
 * `self.transformer.wte` is `this.transformer.wte` without a cast. The type leaves out names
 * that ModuleDict's own methods use (`keys`, `update`, ...): reach those with `get(key)`.
 * (At run time such a module hides the method on that dict, where PyTorch keeps the method.)
 */
export type ModuleDict<T extends ModuleRecord = {}> = ModuleDictBase & Omit<T, keyof ModuleDictBase>;

/** The constructor: `T` is inferred from the object given. */
export interface ModuleDictConstructor {
  new <T extends ModuleRecord = {}>(modules?: T | Map<string, Module> | null): ModuleDict<T>;
  readonly prototype: ModuleDict;
}

/**
 * A string-keyed dict of modules; takes an object or a Map (PyTorch's OrderedDict). The
 * modules are properties too, typed when the dict is given as an object.
 * @example new nn.ModuleDict({ conv: new nn.Conv2d(1, 4, 3), pool: new nn.MaxPool2d(2) })
 * @example
 * transformer = new nn.ModuleDict({ wte: new nn.Embedding(65, 32), h: new nn.ModuleList([new Block()]) });
 * this.transformer.wte(idx) // typed as nn.Embedding
 */
export const ModuleDict: ModuleDictConstructor = ModuleDictBase as unknown as ModuleDictConstructor;

/** A Parameter as ParameterList/ParameterDict store it: tensors that are not one are wrapped (requiring grad), as PyTorch's. */
function asParameter(op: string, v: unknown): Parameter {
  if (v instanceof Parameter) return v;
  if (v instanceof Tensor) return new Parameter(v);
  throw new ArgumentError(`${op}: value must be a Tensor or a Parameter, but got ${describeValue(v)}`);
}

/** PyTorch's print of a held parameter: "Parameter containing: [float32 of size 3x4]". */
function parameterLine(k: string, p: Parameter): string {
  return `(${k}): Parameter containing: [${p.dtype} of size ${p.shape.join("x")}]`;
}

/** PyTorch's print of ParameterList/ParameterDict: one line per parameter. */
function parameterContainerString(name: string, lines: readonly string[]): string {
  if (lines.length === 0) return `${name}()`;
  if (lines.length === 1) return `${name}(  ${lines[0]})`;
  return `${name}(\n${lines.map((l) => "    " + l).join("\n")}\n)`;
}

const PARAMETER_LIST = "ParameterList(Tensor[]? values=null)";
const parameterListArgs = declareArgs(PARAMETER_LIST, "nn");

/**
 * A list of parameters registered under "0", "1", ... (plain tensors are wrapped as
 * Parameters); a module's parameters, stateDict and optimizer see them.
 * @example this.scales = new nn.ParameterList([ones(4), ones(8)]); this.scales.at(1)
 */
export class ParameterList extends Module {
  /** list[0], list[1], ...: the parameters by position (list.at(-1) counts from the end). */
  readonly [index: number]: Parameter;
  constructor(...args: CtorArgs<typeof PARAMETER_LIST> | [Iterable<Tensor>]) {
    super();
    const first = args[0];
    if (args.length === 1 && typeof first === "object" && first !== null && !Array.isArray(first) && !(first instanceof Tensor) && typeof (first as Iterable<Tensor>)[Symbol.iterator] === "function") {
      args = [[...(first as Iterable<Tensor>)]];
    }
    const [values] = parameterListArgs.bind(args);
    for (const v of values ?? []) this.append(v);
  }
  private list(): Parameter[] {
    return Object.values(this).filter((v): v is Parameter => v instanceof Parameter);
  }
  override get length(): number {
    return this.list().length;
  }
  /** The i-th parameter (negative counts from the end). */
  at(i: number): Parameter {
    const list = this.list();
    const j = i < 0 ? i + list.length : i;
    if (!Number.isInteger(i) || j < 0 || j >= list.length) throw new IndexError(`ParameterList.at: index ${i} is out of range for ${list.length} parameters`);
    return list[j]!;
  }
  append(value: Tensor): this {
    (this as Record<string, unknown>)[String(this.length)] = asParameter("ParameterList.append()", value);
    return this;
  }
  extend(values: Iterable<Tensor>): this {
    if (values === null || typeof (values as Iterable<Tensor> | undefined)?.[Symbol.iterator] !== "function" || values instanceof Tensor) {
      throw new ArgumentError(`ParameterList.extend(): argument 'values' must be an iterable of Tensors, but got ${describeValue(values)}`);
    }
    for (const v of values) this.append(v);
    return this;
  }
  [Symbol.iterator](): Iterator<Parameter> {
    return this.list()[Symbol.iterator]();
  }
  forward(): never {
    throw new FluxionError("ParameterList has no forward(); use its parameters in your module's forward");
  }
  override toString(): string {
    return parameterContainerString("ParameterList", this.list().map((p, i) => parameterLine(String(i), p)));
  }
}

const PARAMETER_DICT = "ParameterDict(Dict? parameters=null)";
const parameterDictArgs = declareArgs(PARAMETER_DICT, "nn");

/**
 * A string-keyed dict of parameters (an object or a Map; plain tensors are wrapped as
 * Parameters); the keys become stateDict names.
 * @example this.gains = new nn.ParameterDict({ low: ones(1), high: ones(1) }); this.gains.get("low")
 */
export class ParameterDict extends Module {
  constructor(parameters?: Record<string, Tensor> | Map<string, Tensor> | null) {
    super();
    // one dict is the parameters (PyTorch's only parameter), never an options object
    const [dict] = arguments.length === 1 && isDict(parameters) ? [parameters] : parameterDictArgs.bind(arguments);
    if (dict) this.update(dict as Record<string, Tensor> | Map<string, Tensor>);
  }
  get(key: string): Parameter | undefined {
    const v = (this as Record<string, unknown>)[key];
    return v instanceof Parameter ? v : undefined;
  }
  set(key: string, value: Tensor): this {
    if (key === "training") throw new FluxionError(`ParameterDict: "${key}" is reserved`);
    (this as Record<string, unknown>)[key] = asParameter("ParameterDict.set()", value);
    return this;
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  keys(): string[] {
    return this.items().map(([k]) => k);
  }
  values(): Parameter[] {
    return this.items().map(([, p]) => p);
  }
  items(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }
  entries(): [string, Parameter][] {
    return this.items();
  }
  get size(): number {
    return this.items().length;
  }
  /** Adds or replaces parameters from a dict (an object or a Map) or [name, tensor] pairs. */
  update(parameters: Record<string, Tensor> | Map<string, Tensor> | Iterable<[string, Tensor]>): this {
    const entries = parameters instanceof Map ? [...parameters.entries()] : isPlainObject(parameters) ? Object.entries(parameters) : [...(parameters as Iterable<[string, Tensor]>)];
    for (const [k, v] of entries) this.set(k, v);
    return this;
  }
  /** Removes and returns the parameter under key. */
  pop(key: string): Parameter {
    const p = this.get(key);
    if (p === undefined) throw new IndexError(`ParameterDict.pop(): no parameter under key ${JSON.stringify(key)}; keys: ${this.keys().join(", ") || "(none)"}`);
    delete (this as Record<string, unknown>)[key];
    return p;
  }
  forward(): never {
    throw new FluxionError("ParameterDict has no forward(); look parameters up in your module's forward");
  }
  override toString(): string {
    return parameterContainerString("ParameterDict", this.items().map(([k, p]) => parameterLine(k, p)));
  }
}

/** Containers: Sequential, ModuleList, ModuleDict (keys become stateDict prefixes). */
import { FluxionError, IndexError } from "../../errors.js";
import { Module } from "../module.js";
import { ReLU } from "./activation.js";
import { Conv2d } from "./conv.js";
import { MaxPool2d } from "./pooling.js";
import { _tupleOf, type PoolWindow } from "../functional/conv.js";

/** Modules under the keys "0", "1", ...: the shared part of Sequential and ModuleList. */
abstract class IndexedModules extends Module {
  override get length(): number {
    return [...this.children()].length;
  }
  /** The i-th module (negative counts from the end). */
  at(i: number): Module {
    const list = [...this.children()];
    const j = i < 0 ? i + list.length : i;
    if (j < 0 || j >= list.length) throw new IndexError(`${this.constructor.name}.at: index ${i} is out of range for ${list.length} modules`);
    return list[j]!;
  }
  append(m: Module): this {
    this.addModule(String(this.length), m);
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.children();
  }
}

/**
 * Runs its modules in order.
 * @example const mlp = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const first = modules[0];
    if (modules.length === 1 && !(first instanceof Module) && typeof first === "object") {
      for (const [k, m] of Object.entries(first)) this.addModule(k, m);
    } else (modules as Module[]).forEach((m, i) => this.addModule(String(i), m));
  }
  forward(x: any): any {
    const mods = [...this.children()];
    for (let i = 0; i < mods.length; i++) {
      const m = mods[i]!;
      if (plain(m, Conv2d) && plain(mods[i + 1], ReLU)) {
        const pool = mods[i + 2];
        const window = plain(pool, MaxPool2d) ? fusablePool(pool as MaxPool2d) : null;
        x = window ? (m as Conv2d)._forwardReluMaxPool(x, window) : (m as Conv2d)._forwardRelu(x);
        i += window ? 2 : 1;
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

/** A list of modules whose parameters are registered (plain arrays are not). */
export class ModuleList extends IndexedModules {
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }
  forward(): never {
    throw new FluxionError("ModuleList has no forward(); iterate over it in your module's forward");
  }
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }
}

/** A string-keyed dict of modules. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  forward(): never {
    throw new FluxionError("ModuleDict has no forward(); look modules up in your module's forward");
  }
  get(key: string): Module | undefined {
    const v = (this as any)[key];
    return v instanceof Module ? v : undefined;
  }
  set(key: string, m: Module): this {
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
  get size(): number {
    return this.keys().length;
  }
}

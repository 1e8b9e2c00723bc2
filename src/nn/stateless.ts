/**
 * nn.utils.stateless.functionalCall (torch.nn.utils.stateless.functional_call, PyTorch 1.13;
 * torch.func.functional_call in 2.x): calls a module with some of its parameters and buffers
 * replaced by given tensors for the duration of the call — MAML's fast weights, ensembles,
 * per-sample gradients — leaving the module as it was afterwards.
 *
 * Each named attribute is shadowed by an accessor for the call (as 1.13's class swap makes
 * getattr return the replacement): the module reads the given tensor, an assignment to it
 * writes into the given dictionary, and the module's own registrations are never touched.
 */
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/** The replacements: a plain object or a Map from dotted names ("l1.weight") to tensors. */
export type ParametersAndBuffers = Record<string, Tensor> | Map<string, Tensor>;

export interface FunctionalCallOptions {
  /** PyTorch's kwargs: passed to the module as its trailing options object. */
  kwargs?: Record<string, unknown> | null;
  /**
   * PyTorch 2.x's strict: raise when a key names no parameter or buffer of the module, or a
   * parameter or buffer has no key (default false: such a key is set as a plain attribute for
   * the call, as in 1.13).
   */
  strict?: boolean;
}

type Attrs = Record<string, unknown>;

function entriesOf(given: unknown): [string, Tensor][] {
  let entries: [unknown, unknown][];
  if (given instanceof Map) entries = [...given.entries()];
  else if (given !== null && typeof given === "object" && !Array.isArray(given) && !(given instanceof Tensor)) entries = Object.entries(given);
  else throw new ArgumentError(`functionalCall(): parametersAndBuffers must be an object (or a Map) from names to Tensors, but got ${describeValue(given)}`);
  for (const [k, v] of entries) {
    if (typeof k !== "string" || k === "") throw new ArgumentError(`functionalCall(): parametersAndBuffers has a key ${describeValue(k)}; keys are dotted names such as "fc.weight"`);
    if (!(v instanceof Tensor)) throw new ArgumentError(`functionalCall(): parametersAndBuffers["${k}"] must be a Tensor, but got ${describeValue(v)}`);
  }
  return entries as [string, Tensor][];
}

function checkStrict(module: Module, names: readonly string[]): void {
  const own = new Set([...module.namedParameters(), ...module.namedBuffers()].map(([n]) => n));
  const unexpected = names.filter((n) => !own.has(n));
  const missing = [...own].filter((n) => !names.includes(n));
  if (unexpected.length === 0 && missing.length === 0) return;
  const lines = [`functionalCall(): Error(s) in reparametrizing for ${module.constructor.name}:`];
  if (unexpected.length) lines.push(`\tUnexpected key(s): ${unexpected.map((n) => `'${n}'`).join(", ")}.`);
  if (missing.length) lines.push(`\tMissing key(s): ${missing.map((n) => `'${n}'`).join(", ")}.`);
  throw new FluxionError(lines.join("\n"));
}

/**
 * Runs `module(...args)` with the parameters and buffers named in `parametersAndBuffers`
 * replaced by the given tensors (torch.nn.utils.stateless.functional_call). `args` is one
 * argument or an array of them (PyTorch's tuple); the options object's `kwargs`, when given,
 * is passed to the module as its trailing options object. Returns what the module returns;
 * the module is unchanged after.
 *
 * @example
 * const fast = Object.fromEntries([...model.namedParameters()].map(([n, p], i) => [n, p.sub(grads[i].mul(lr))]));
 * const out = nn.utils.stateless.functionalCall(model, fast, [x]);
 */
export const functionalCall = defineOp(
  "functionalCall(Module module, Any parametersAndBuffers, Any args, Dict? kwargs=null, *, bool strict=false) -> Any",
  (module: Module, parametersAndBuffers: unknown, args: unknown, kwargs: Record<string, unknown> | null, { strict }: { strict: boolean }): unknown => {
    const entries = entriesOf(parametersAndBuffers);
    if (strict) checkStrict(module, entries.map(([n]) => n));
    const store = parametersAndBuffers as Attrs | Map<string, Tensor>;
    const read = (k: string) => (store instanceof Map ? store.get(k) : store[k]);
    const write = (k: string, v: unknown) => (store instanceof Map ? store.set(k, v as Tensor) : (store[k] = v));
    // resolve every path before touching anything, so a bad key leaves the module as it was
    const slots = entries.map(([path]) => {
      const cut = path.lastIndexOf(".");
      const owner = module.getSubmodule(cut < 0 ? "" : path.slice(0, cut));
      return { path, owner, name: path.slice(cut + 1) };
    });
    const restore: (() => void)[] = [];
    try {
      for (const { path, owner, name } of slots) {
        const before = Object.getOwnPropertyDescriptor(owner, name);
        // an accessor passes the module's assignment rules by (module_attrs.ts): nothing is re-registered
        Object.defineProperty(owner, name, {
          get: () => read(path),
          set: (v: unknown) => write(path, v),
          enumerable: before?.enumerable ?? false,
          configurable: true,
        });
        restore.push(() => {
          if (before) Object.defineProperty(owner, name, before);
          else delete (owner as unknown as Attrs)[name];
        });
      }
      const list = Array.isArray(args) ? args : [args];
      return kwargs === null || kwargs === undefined ? module(...list) : module(...list, kwargs);
    } finally {
      for (const undo of restore.reverse()) undo();
    }
  },
  { group: "nn.utils.stateless", key: "nn.utils.stateless.functionalCall" },
) as unknown as (module: Module, parametersAndBuffers: ParametersAndBuffers, args: unknown, opts?: FunctionalCallOptions) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

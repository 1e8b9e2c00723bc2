/**
 * nn.utils.stateless.functionalCall (torch.nn.utils.stateless.functional_call, with PyTorch
 * 2.0's tieWeights and strict; also torch.func.functionalCall): calls a module with other
 * tensors in place of its parameters and buffers, named as namedParameters / namedBuffers
 * name them ("fc1.weight", "bn.running_mean"). The tensors are put in place for the call only
 * (restored afterwards, also when forward throws), so gradients flow to the tensors given,
 * not to the module's parameters: meta-learning inner loops, ensembles of weights, Hessians
 * in the parameters. A name that is a parametrized tensor (nn.utils.parametrize) replaces the
 * computed value, switching the parametrization off for the call; to keep it, give
 * "parametrizations.<name>.original".
 */
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { Module, _ownTensors, _swapAttribute } from "./module.js";

type Attrs = Record<string, unknown>;
type TensorDict = Record<string, Tensor> | Map<string, Tensor>;

/** Every parameter and buffer of the module by every name it has (a tensor shared by two layers, or a layer reached twice, under each). */
function namedTensors(module: Module): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [prefix, m] of module.namedModules({ removeDuplicate: false })) {
    for (const [k, t] of _ownTensors(m)) out.push([prefix ? `${prefix}.${k}` : k, t]);
  }
  return out;
}

/**
 * The given tensors with each tied name (a tensor the module holds under several names)
 * given for all of its names (PyTorch 2.0's _untie_named_tensors_map).
 */
function untie(op: string, module: Module, given: Map<string, Tensor>): Map<string, Tensor> {
  const namesOf = new Map<Tensor, string[]>();
  for (const [name, t] of namedTensors(module)) {
    const names = namesOf.get(t);
    if (names) {
      if (!names.includes(name)) names.push(name);
    } else namesOf.set(t, [name]);
  }
  const tied = new Map<string, string[]>();
  for (const names of namesOf.values()) if (names.length > 1) for (const n of names) tied.set(n, names);
  const out = new Map(given);
  for (const name of given.keys()) {
    const names = tied.get(name);
    if (!names) continue;
    const values = new Set(names.filter((n) => given.has(n)).map((n) => given.get(n)));
    if (values.size > 1) throw new FluxionError(`${op}(): got multiple values for keys [${[...names].sort().map((n) => `'${n}'`).join(", ")}], which are tied. Consider using tieWeights: false`);
    for (const n of names) out.set(n, given.get(name)!);
  }
  return out;
}

function checkKeys(op: string, module: Module, given: Map<string, Tensor>): void {
  const valid = new Set(namedTensors(module).map(([n]) => n));
  const missing = [...valid].filter((k) => !given.has(k)).sort();
  const unexpected = [...given.keys()].filter((k) => !valid.has(k)).sort();
  const msgs: string[] = [];
  if (unexpected.length) msgs.push(`Unexpected key(s): ${unexpected.map((k) => `'${k}'`).join(", ")}.`);
  if (missing.length) msgs.push(`Missing key(s): ${missing.map((k) => `'${k}'`).join(", ")}.`);
  if (msgs.length) throw new FluxionError(`${op}(): Error(s) in reparametrizing for ${module.constructor.name}:\n\t${msgs.join("\n\t")}`);
}

/** The dicts given (one, or an array of them for torch.func's form) as one Map, each value checked. */
function tensorMap(op: string, dicts: unknown): Map<string, Tensor> {
  const list = Array.isArray(dicts) ? dicts : [dicts];
  const out = new Map<string, Tensor>();
  list.forEach((d, i) => {
    const where = Array.isArray(dicts) ? `parametersAndBuffers[${i}]` : "parametersAndBuffers";
    if (!(d instanceof Map) && (d === null || typeof d !== "object" || d instanceof Tensor)) {
      throw new ArgumentError(`${op}(): argument '${where}' must be a dict of name -> Tensor (an object or a Map, as model.stateDict() or Object.fromEntries(model.namedParameters()) give), but got ${describeValue(d)}`);
    }
    const entries: [unknown, unknown][] = d instanceof Map ? [...d.entries()] : Object.entries(d as object);
    for (const [k, t] of entries) {
      if (typeof k !== "string") throw new ArgumentError(`${op}(): ${where} has a key that is not a string: ${describeValue(k)}`);
      if (!(t instanceof Tensor)) throw new ArgumentError(`${op}(): ${where}['${k}'] must be a Tensor, but got ${describeValue(t)}`);
      if (out.has(k)) throw new FluxionError(`${op}(): ${k} appeared in multiple dictionaries; behavior of functionalCall is ambiguous`);
      out.set(k, t);
    }
  });
  return out;
}

/** The module and attribute name that a dotted name reaches ("encoder.fc.weight": encoder.fc, "weight"). */
function resolve(op: string, module: Module, name: string): [Module, string] {
  const parts = name.split(".");
  const leaf = parts.pop()!;
  let m = module;
  for (const [i, p] of parts.entries()) {
    const next = (m as unknown as Attrs)[p];
    if (!(next instanceof Module)) {
      throw new ArgumentError(`${op}(): key '${name}': ${i === 0 ? module.constructor.name : parts.slice(0, i).join(".")} has no submodule '${p}' (got ${describeValue(next)})`);
    }
    m = next;
  }
  if (leaf === "") throw new ArgumentError(`${op}(): key '${name}' does not name a tensor`);
  return [m, leaf];
}

/** Runs `fn` with the tensors of `given` in place of the module's (PyTorch's _reparametrize_module); puts back what forward assigned into `dict`. */
export function reparametrizeModule<T>(op: string, module: Module, dict: unknown, given: Map<string, Tensor>, tieWeights: boolean, strict: boolean, fn: () => T): T {
  const untied = tieWeights ? untie(op, module, given) : given;
  if (strict) checkKeys(op, module, given);
  const targets = [...untied].map(([name, t]) => [...resolve(op, module, name), name, t] as const);
  const undo: [string, () => unknown][] = [];
  try {
    for (const [m, leaf, name, t] of targets) undo.push([name, _swapAttribute(m, leaf, t)]);
    return fn();
  } finally {
    // in reverse, so a module reached under two names gets its own tensor back last
    for (const [name, restore] of undo.reverse()) {
      const now = restore();
      // forward assigned a new tensor (PyTorch 2.0 writes it back into the dict given)
      if (now !== untied.get(name) && now instanceof Tensor && given.has(name) && !Array.isArray(dict)) {
        if (dict instanceof Map) dict.set(name, now);
        else (dict as Attrs)[name] = now;
      }
    }
  }
}

function run(op: string, module: Module, dicts: unknown, args: unknown, kwargs: Record<string, unknown> | Map<string, unknown> | null, o: { tieWeights: boolean; strict: boolean }): unknown {
  const given = tensorMap(op, dicts);
  // a non-array args is the one argument (PyTorch: a non-tuple); kwargs become a trailing options object, as Fluxion's forwards take keyword arguments
  const inputs = Array.isArray(args) ? [...args] : args === undefined ? [] : [args];
  if (kwargs !== null) inputs.push(kwargs instanceof Map ? Object.fromEntries(kwargs) : kwargs);
  return reparametrizeModule(op, module, dicts, given, o.tieWeights, o.strict, () => module.call(...inputs));
}

/**
 * Calls `module(...args)` with the tensors of `parametersAndBuffers` (an object or Map of
 * name -> Tensor, names as namedParameters/namedBuffers give them) in place of the module's
 * own, restored after the call (also when it throws). `args` is an array of the forward's
 * arguments (anything else is the one argument); `kwargs`, when given, is passed as a
 * trailing options object. With `tieWeights` (default) a tensor the module holds under
 * several names is replaced under all of them when one is given; with `strict` every
 * parameter and buffer must be given, and no other name. A name the module lacks is set as
 * an attribute for the call. A buffer that forward updates in place (BatchNorm's running
 * stats) updates the tensor given.
 * @example
 * const params = Object.fromEntries([...model.namedParameters()].map(([k, p]) => [k, p.detach().requiresGrad_()]));
 * const out = nn.utils.stateless.functionalCall(model, params, [x]);
 * out.sum().backward(); // gradients in params["fc.weight"].grad, not in model.fc.weight.grad
 */
export const functionalCall = defineOp(
  "functionalCall(Module module, Dict parametersAndBuffers, Any args, Dict? kwargs=null, *, bool tieWeights=true, bool strict=false) -> Any",
  (module: Module, dict: TensorDict, args: unknown, kwargs: Record<string, unknown> | null, o: { tieWeights: boolean; strict: boolean }): unknown => run("functionalCall", module, dict, args, kwargs, o),
  { group: "nn.utils.stateless", key: "nn.utils.stateless.functionalCall" },
);

/**
 * torch.func.functional_call: functionalCall that also takes an array of dicts (parameters
 * and buffers apart, say), whose names must not repeat.
 * @example func.functionalCall(model, [params, buffers], [x])
 */
export const funcFunctionalCall = defineOp(
  "functionalCall(Module module, Any parameterAndBufferDicts, Any args, Dict? kwargs=null, *, bool tieWeights=true, bool strict=false) -> Any",
  (module: Module, dicts: unknown, args: unknown, kwargs: Record<string, unknown> | null, o: { tieWeights: boolean; strict: boolean }): unknown => run("functionalCall", module, dicts, args, kwargs, o),
  { group: "func", key: "func.functionalCall" },
);

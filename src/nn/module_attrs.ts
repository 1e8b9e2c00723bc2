/**
 * What assigning to a module's attribute does, as PyTorch's Module.__setattr__ /
 * __delattr__: a Parameter registers as a parameter, a Module as a submodule, and a name
 * once registered keeps its kind —
 *   - a parameter takes only a Parameter or null ("cannot assign Tensor ... as parameter
 *     'weight' (nn.Parameter or null expected)"); null keeps it registered, as None;
 *   - a submodule takes only a Module or null;
 *   - a buffer takes a Tensor or null (and a Parameter or Module turns it into one of those).
 * Other values are plain attributes.
 *
 * JavaScript has no __setattr__, so each module is a Proxy (module.ts's constructor) whose
 * defineProperty trap sees every assignment to a plain field (class field definitions and
 * `this.x = v` alike); parameters and buffers registered by name (registerParameter /
 * registerBuffer) are accessor properties whose setters apply the same rules. Reads go to
 * the module directly (no get trap). One difference: a field first set to null (BatchNorm's
 * weight without affine) is a plain attribute here, where PyTorch's register_parameter(name,
 * None) registers it; registerParameter(name, null) does register it.
 */
import { describeValue } from "../api/args.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { keepAfterCall } from "../compile/state.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";
import { Module } from "./module.js";

/** The registrations of one module that the rules read and write (module.ts's internals). */
export interface AttrState {
  /** Parameters registered by name (accessor properties). */
  params: Map<string, Parameter | null>;
  buffers: Map<string, Tensor | null>;
  nonPersistent: Set<string>;
  /** Plain fields that hold (or held, now null) a Parameter. */
  paramFields: Set<string>;
  /** Plain fields that hold (or held, now null) a Module. */
  moduleFields: Set<string>;
  /**
   * The submodule slots in PyTorch's `_modules` order: a name enters when it is registered
   * as a module, or earlier where a TypeScript field declaration (`fc: nn.Linear;`, defined
   * as undefined before the constructor assigns it) reserves its place, as the Python
   * assignment it translates would. Property order cannot say this: JavaScript lists
   * integer-like names ("0", "2") before every other.
   */
  childOrder: Set<string>;
}

type StateOf = (m: Module) => AttrState;

function refuse(m: Module, value: unknown, kind: string, name: string, expected: string): never {
  throw new ArgumentError(`${m.constructor.name}: cannot assign ${describeValue(value)} as ${kind} '${name}' (${expected} or null expected)`);
}

/** Forgets every registration of `name` (before it becomes something else). */
function unregister(target: object, s: AttrState, name: string): void {
  if (s.params.has(name) || s.buffers.has(name)) Reflect.deleteProperty(target, name); // the accessor
  s.params.delete(name);
  s.buffers.delete(name);
  s.nonPersistent.delete(name);
  s.paramFields.delete(name);
  s.moduleFields.delete(name);
}

/**
 * A name registered as one kind becomes another: unregistered, and a submodule's field
 * removed, so the name is registered last (PyTorch's registries are insertion-ordered).
 */
function changeKind(target: object, s: AttrState, name: string): boolean {
  const wasModule = s.moduleFields.has(name);
  unregister(target, s, name);
  if (wasModule) s.childOrder.delete(name);
  if (wasModule) Reflect.deleteProperty(target, name);
  return wasModule;
}

/** The module callable wrapped so that assignments follow the rules above. */
export function moduleProxy(callable: Module, stateOf: StateOf): Module {
  const proxy: Module = new Proxy(callable, {
    defineProperty(target, key, desc) {
      if (typeof key === "string" && "value" in desc) {
        const s = stateOf(proxy), v: unknown = desc.value;
        const given = v !== null && v !== undefined;
        if (v === undefined && !Object.hasOwn(target, key)) s.childOrder.add(key); // a declaration: its place, should a module come
        // PyTorch's order of checks: a Parameter; else a parameter's name; a Module; else a submodule's name
        let moved = false;
        if (v instanceof Parameter) {
          if (!s.paramFields.has(key)) moved = changeKind(target, s, key);
          s.paramFields.add(key);
        } else if (given && s.paramFields.has(key)) {
          refuse(proxy, v, "parameter", key, "nn.Parameter");
        } else if (v instanceof Module) {
          if (!s.moduleFields.has(key)) moved = changeKind(target, s, key);
          s.moduleFields.add(key);
          s.childOrder.add(key);
        } else if (given && s.moduleFields.has(key)) {
          refuse(proxy, v, "child module", key, "nn.Module");
        }
        // an assignment to an existing field passes only the value: the re-created field needs the rest
        if (moved) return Reflect.defineProperty(target, key, { writable: true, enumerable: true, configurable: true, ...desc });
      }
      return Reflect.defineProperty(target, key, desc);
    },
    deleteProperty(target, key) {
      if (typeof key === "string") {
        unregister(target, stateOf(proxy), key);
        stateOf(proxy).childOrder.delete(key);
      }
      return Reflect.deleteProperty(target, key);
    },
  });
  return proxy;
}

/**
 * Registers `name` as a parameter (kind "param") or buffer, exposed as a non-enumerable
 * accessor whose setter applies the rules: a parameter takes a Parameter or null, a buffer
 * a Tensor or null; a Parameter or Module given to a buffer (a Module to a parameter)
 * re-registers the name as that (a Module given to a parameter is refused, as in PyTorch).
 */
export function defineSlot(m: Module, kind: "param" | "buffer", name: string, value: Tensor | null, s: AttrState): void {
  const what = kind === "param" ? "parameter" : "buffer";
  if (typeof name !== "string" || !name || name.includes(".")) throw new FluxionError(`${m.constructor.name}: invalid ${what} name ${JSON.stringify(name)}: must be a non-empty string without "."`);
  const slots: Map<string, Tensor | null> = kind === "param" ? s.params : s.buffers;
  const mine = slots.has(name) || (kind === "param" && s.paramFields.has(name));
  // an attribute as PyTorch's hasattr sees one: the module's own fields and its class's
  // members, not Object.prototype's (a parameter may be named "__proto__" or "constructor").
  // An own field holding undefined is what a TypeScript declaration without initializer
  // (`bias!: Parameter | null;`) leaves: a type annotation, which makes no attribute in Python
  const own = Object.getOwnPropertyDescriptor(m, name);
  const declaredOnly = own !== undefined && "value" in own && own.value === undefined && own.configurable === true && !s.moduleFields.has(name);
  const exists = (own !== undefined && !declaredOnly) || (own === undefined && name in m && !(name in Object.prototype));
  if (!mine && exists) throw new FluxionError(`${m.constructor.name}: attribute '${name}' already exists (register${kind === "param" ? "Parameter" : "Buffer"} cannot reuse it)`);
  if (kind === "param" && value !== null && !(value instanceof Parameter)) {
    throw new ArgumentError(`${m.constructor.name}.registerParameter(): cannot assign ${describeValue(value)} object to parameter '${name}' (nn.Parameter or null required)`);
  }
  if (kind === "buffer" && value !== null && !(value instanceof Tensor)) {
    throw new ArgumentError(`${m.constructor.name}.registerBuffer(): cannot assign ${describeValue(value)} object to buffer '${name}' (Tensor or null required)`);
  }
  unregister(m, s, name);
  slots.set(name, value);
  keepAfterCall(value); // a module's state outlives a compiled call
  Object.defineProperty(m, name, {
    get: () => slots.get(name),
    set: (v: unknown) => {
      if (kind === "buffer" && (v instanceof Module || v instanceof Parameter)) {
        // becomes a submodule or a parameter: a plain field from now on
        unregister(m, s, name);
        (m as unknown as Record<string, unknown>)[name] = v;
        return;
      }
      if (v !== null && v !== undefined && !(kind === "param" ? v instanceof Parameter : v instanceof Tensor)) refuse(m, v, what, name, kind === "param" ? "nn.Parameter" : "Tensor");
      keepAfterCall(v as Tensor | null);
      slots.set(name, (v ?? null) as Tensor | null);
    },
    enumerable: false,
    configurable: true,
  });
}

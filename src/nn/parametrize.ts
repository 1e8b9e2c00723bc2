/**
 * nn.utils.parametrize (PyTorch 1.13's torch.nn.utils.parametrize): a tensor of a module
 * computed, on every read, by a module (the "parametrization") from unconstrained tensors.
 *
 * registerParametrization(module, "weight", p) moves the parameter (or buffer) to
 * `module.parametrizations.weight.original` (a ParametrizationList holding p as item 0), and
 * gives the module a class of its own, `Parametrized<Class>`, a subclass of its class whose
 * prototype has a `weight` accessor: reading it runs `p(original)` (so gradients reach
 * `original`), assigning to it runs `p.rightInverse(value)` into `original`. As in PyTorch,
 * stateDict keys are `parametrizations.weight.original` and `parametrizations.weight.0.<buffers>`,
 * `instanceof` the original class still holds, and removeParametrizations puts a parameter
 * back (and the class). A parametrization whose rightInverse returns several tensors keeps
 * them as `original0`, `original1`, ... and its forward takes them all.
 *
 * The accessor lives on the class, not on the instance, because module fields are data
 * properties checked by the attribute rules (module_attrs.ts): `parametrizations` is an
 * ordinary submodule (a ModuleDict), `original` an ordinary registered parameter, so
 * parameters(), namedParameters(), to(), deepcopy and loadStateDict need nothing special.
 * Python's `with parametrize.cached():` is a callback here: `parametrize.cached(() => ...)`.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { ArgumentError, DTypeError, FluxionError, NotImplementedError, ShapeError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { ModuleDict, ModuleList } from "./layers/container.js";
import { Module, _tensorKind } from "./module.js";
import { Parameter } from "./parameter.js";

type Attrs = Record<string, unknown>;

/** A module after registerParametrization: its `parametrizations` dict typed (`m.parametrizations.weight.original`). */
export type Parametrized<M extends Module> = M & { parametrizations: ModuleDict & Record<string, ParametrizationList> };

/** A parametrization's optional right inverse (PyTorch's right_inverse), looked up as a method. */
type RightInverse = (value: Tensor) => Tensor | readonly Tensor[];
function rightInverseOf(m: Module): RightInverse | null {
  const f = (m as unknown as { rightInverse?: unknown }).rightInverse;
  return typeof f === "function" ? (f as RightInverse).bind(m) : null;
}

function shapeEq(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function registerTensor(m: Module, name: string, t: Tensor): void {
  if (t instanceof Parameter) m.registerParameter(name, t);
  else m.registerBuffer(name, t);
}

/** PyTorch's set_: `original` takes the value's storage, shape and dtype, and stays the same object (an optimizer holding it still does). */
function setTensor(original: Tensor, value: Tensor): void {
  noGrad(() => {
    original.data = value.detach();
  });
}

/**
 * The container at `module.parametrizations[name]`: the parametrizations of one tensor (items
 * "0", "1", ..., applied in order) and the unconstrained tensor(s) they start from, `original`
 * (or `original0`, `original1`, ... when the first one's rightInverse returns several).
 * Made by registerParametrization; not for users to construct.
 */
export class ParametrizationList extends ModuleList {
  /** The unconstrained tensor (a Parameter, or a buffer), when the first parametrization's rightInverse returns one. */
  declare original: Tensor;
  /** `original0`, `original1`, ...: the unconstrained tensors when it returns several. */
  readonly [k: `original${number}`]: Tensor;
  /** Whether the parametrizations may change the tensor's shape and dtype (registered with unsafe). */
  unsafe: boolean;
  /** One original tensor (`original`), or several (`original0`, ...). */
  isTensor: boolean;
  ntensors: number;

  constructor(modules: Module[], original: Tensor, unsafe = false) {
    if (!Array.isArray(modules) || modules.length === 0) throw new FluxionError("ParametrizationList requires one or more modules.");
    super(modules);
    this.unsafe = unsafe;
    const originalShape = original.shape, originalDtype = original.dtype;
    let value: unknown = original;
    noGrad(() => {
      for (const m of [...this.children()].reverse()) {
        const inv = rightInverseOf(m);
        if (!inv) continue;
        try {
          value = inv(value as Tensor);
        } catch (e) {
          if (!(e instanceof NotImplementedError)) throw e;
        }
      }
    });
    const isTensor = value instanceof Tensor;
    if (!isTensor && !Array.isArray(value)) throw new ArgumentError(`'rightInverse' must return a Tensor or an array of tensors. Got ${describeValue(value)}`);
    this.isTensor = isTensor;
    this.ntensors = isTensor ? 1 : (value as readonly Tensor[]).length;
    if (isTensor) {
      const t = value as Tensor;
      if (t.dtype !== original.dtype) throw new DTypeError(`When \`rightInverse\` outputs one tensor, it may not change the dtype.\noriginal.dtype: ${original.dtype}\nrightInverse(original).dtype: ${t.dtype}`);
      if (t !== original) setTensor(original, t);
      registerTensor(this, "original", original);
    } else {
      (value as readonly unknown[]).forEach((v, i) => {
        if (!(v instanceof Tensor)) throw new ArgumentError(`'rightInverse' must return a Tensor or an array of tensors. Got element ${i} of the array: ${describeValue(v)}`);
        const t = original instanceof Parameter ? new Parameter(v.detach(), original.requiresGrad) : v.detach().requiresGrad_(original.requiresGrad);
        registerTensor(this, `original${i}`, t);
      });
    }
    if (!this.unsafe) {
      const Z: unknown = this.call();
      if (!(Z instanceof Tensor)) throw new ArgumentError(`A parametrization must return a tensor. Got ${describeValue(Z)}.`);
      if (Z.dtype !== originalDtype) {
        throw new DTypeError(`Registering a parametrization may not change the dtype of the tensor, unless \`unsafe\` flag is enabled.\nunparametrized dtype: ${originalDtype}\nparametrized dtype: ${Z.dtype}`);
      }
      if (!shapeEq(Z.shape, originalShape)) {
        throw new ShapeError(`Registering a parametrization may not change the shape of the tensor, unless \`unsafe\` flag is enabled.\nunparametrized shape: ${fmtShape(originalShape)}\nparametrized shape: ${fmtShape(Z.shape)}`);
      }
    }
  }

  /** The original tensors, in order (`original`, or `original0`, `original1`, ...). */
  originals(): Tensor[] {
    const a = this as unknown as Attrs;
    return this.isTensor ? [a.original as Tensor] : Array.from({ length: this.ntensors }, (_, i) => a[`original${i}`] as Tensor);
  }

  /**
   * Sets the originals so that the parametrized tensor is `value`: each parametrization's
   * rightInverse, last registered first, then the result stored in place in `original`
   * (what assigning `module.weight = value` runs).
   */
  rightInverse(value: Tensor): void {
    noGrad(() => {
      let v: Tensor | readonly Tensor[] = value;
      for (const m of [...this.children()].reverse()) {
        const inv = rightInverseOf(m);
        if (!inv) throw new FluxionError(`parametrization ${m.constructor.name} does not implement rightInverse, so the parametrized tensor cannot be assigned to (define rightInverse(value) on it)`);
        v = inv(v as Tensor);
      }
      const originals = this.originals();
      if (this.isTensor) {
        if (!(v instanceof Tensor)) throw new ArgumentError(`\`rightInverse\` should return a tensor. Got ${describeValue(v)}`);
        if (v.dtype !== originals[0]!.dtype) throw new DTypeError(`The tensor returned by \`rightInverse\` has dtype ${v.dtype} while \`original\` has dtype ${originals[0]!.dtype}`);
        setTensor(originals[0]!, v);
        return;
      }
      if (!Array.isArray(v)) throw new ArgumentError(`'rightInverse' must return an array of tensors. Got ${describeValue(v)}.`);
      if (v.length !== this.ntensors) throw new ArgumentError(`'rightInverse' must return an array of tensors of length ${this.ntensors}. Got an array of length ${v.length}.`);
      (v as readonly unknown[]).forEach((t, i) => {
        if (!(t instanceof Tensor)) throw new ArgumentError(`\`rightInverse\` must return an array of tensors. Got element ${i}: ${describeValue(t)}`);
        if (t.dtype !== originals[i]!.dtype) throw new DTypeError(`Tensor ${i} returned by \`rightInverse\` has dtype ${t.dtype} while \`original${i}\` has dtype ${originals[i]!.dtype}`);
      });
      (v as readonly Tensor[]).forEach((t, i) => setTensor(originals[i]!, t));
    });
  }

  /** The parametrized tensor: the first parametrization of the originals, then each next one of the previous result. */
  // @ts-expect-error ModuleList's forward is typed never (it has none); this list's computes the tensor
  override forward(): Tensor {
    const [first, ...rest] = [...this.children()];
    let x = first!.call(...this.originals()) as Tensor;
    for (const m of rest) x = m.call(x) as Tensor;
    return x;
  }
}

// ---- caching ----------------------------------------------------------------------------

let cacheDepth = 0;
let cache = new Map<Module, Map<string, Tensor>>();

/**
 * Runs `fn` with parametrized tensors computed once and reused (PyTorch's `with
 * parametrize.cached():`): useful when a parametrized weight is read several times in a
 * forward (an RNN's recurrent kernel, tied weights). The values are dropped when the
 * outermost cached() call returns (or its promise settles, for an async fn).
 * @example const out = nn.utils.parametrize.cached(() => model(x));
 */
export function cached<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new ArgumentError(`parametrize.cached(): argument 'fn' must be a function to run with the cache on (Python's \`with cached():\` block), but got ${describeValue(fn)}`);
  cacheDepth++;
  const leave = () => {
    cacheDepth--;
    if (cacheDepth === 0) cache = new Map();
  };
  let r: T;
  try {
    r = fn();
  } catch (e) {
    leave();
    throw e;
  }
  if (r instanceof Promise) return r.finally(leave) as T;
  leave();
  return r;
}

// ---- the parametrized class -------------------------------------------------------------

/** The classes made by injectClass, and the class each one extends. */
const parametrizedClasses = new WeakMap<Function, Function>();

function listOf(module: Module, name: string): ParametrizationList {
  return ((module as unknown as Attrs).parametrizations as unknown as Attrs)[name] as ParametrizationList;
}

/** Gives the module a class of its own, Parametrized<Class> extending its class (PyTorch's _inject_new_class). */
function injectClass(module: Module): void {
  const cls = (Object.getPrototypeOf(module) as { constructor: abstract new () => Module }).constructor;
  const Parametrized = class extends (cls as unknown as new () => object) {};
  Object.defineProperty(Parametrized, "name", { value: `Parametrized${cls.name}` });
  parametrizedClasses.set(Parametrized, cls);
  Object.setPrototypeOf(module, Parametrized.prototype);
}

/** The accessor `name` on the module's Parametrized class (PyTorch's _inject_property). */
function injectProperty(module: Module, name: string): void {
  Object.defineProperty(Object.getPrototypeOf(module), name, {
    get(this: Module): Tensor {
      const list = listOf(this, name);
      if (cacheDepth === 0) return list.call() as Tensor;
      let mine = cache.get(this);
      if (!mine) cache.set(this, (mine = new Map()));
      let t = mine.get(name);
      if (t === undefined) mine.set(name, (t = list.call() as Tensor));
      return t;
    },
    set(this: Module, value: Tensor) {
      listOf(this, name).rightInverse(value);
    },
    enumerable: false,
    configurable: true,
  });
}

function checkName(op: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || name === "") throw new ArgumentError(`${op}(): argument 'tensorName' must be a non-empty string, but got ${describeValue(name)}`);
}

/**
 * Registers a parametrization of `module[tensorName]` (a parameter or a buffer, or a tensor
 * already parametrized, to chain another): from now on reading `module[tensorName]` returns
 * `parametrization(original)`, computed on every read, with gradients flowing to `original`
 * (`module.parametrizations[tensorName].original`). The parametrization is a Module whose
 * forward maps the original to the value; an optional `rightInverse(value)` computes the
 * original from a value (at registration, from the current tensor, and on assignment
 * `module.weight = value`), and may return several tensors (`original0`, `original1`, ...).
 * Unless `unsafe`, the parametrized tensor must keep the shape and dtype. Returns the module.
 * @example
 * class Symmetric extends nn.Module {
 *   forward(X: Tensor) { return X.triu().add(X.triu(1).mT); }
 *   rightInverse(A: Tensor) { return A.triu(); }
 * }
 * const m = nn.utils.parametrize.registerParametrization(new nn.Linear(5, 5), "weight", new Symmetric());
 * m.weight // symmetric; m.parametrizations.weight.original is what the optimizer trains
 */
export const registerParametrization: <M extends Module>(module: M, tensorName: string, parametrization: Module, opts?: { unsafe?: boolean }) => Parametrized<M> = defineOp(
  "registerParametrization(Module module, str tensorName, Module parametrization, *, bool unsafe=false) -> Module",
  (module: Module, tensorName: string, parametrization: Module, o: { unsafe: boolean }): Module => {
    checkName("registerParametrization", tensorName);
    const unsafe = o.unsafe;
    parametrization.train(module.training);
    const attrs = module as unknown as Attrs;
    if (isParametrized(module, tensorName)) {
      if (!unsafe) {
        const Y = attrs[tensorName] as Tensor;
        const X: unknown = parametrization.call(Y);
        if (!(X instanceof Tensor)) throw new ArgumentError(`A parametrization must return a tensor. Got ${describeValue(X)}.`);
        if (X.dtype !== Y.dtype) {
          throw new DTypeError(`Registering a parametrization may not change the dtype of the tensor, unless the \`unsafe\` flag is enabled.\nmodule.${tensorName}.dtype: ${Y.dtype}\nparametrization(module.${tensorName}).dtype: ${X.dtype}`);
        }
        if (!shapeEq(X.shape, Y.shape)) {
          throw new ShapeError(`Registering a parametrization may not change the shape of the tensor, unless the \`unsafe\` flag is enabled.\nmodule.${tensorName}.shape: ${fmtShape(Y.shape)}\nparametrization(module.${tensorName}).shape: ${fmtShape(X.shape)}`);
        }
        const inv = rightInverseOf(parametrization);
        if (inv) {
          let Z: unknown = undefined;
          try {
            Z = inv(X);
          } catch (e) {
            if (!(e instanceof NotImplementedError)) throw e;
          }
          if (Z !== undefined) {
            if (!(Z instanceof Tensor)) throw new ArgumentError(`parametrization.rightInverse must return a tensor. Got: ${describeValue(Z)}`);
            if (Z.dtype !== Y.dtype) {
              throw new DTypeError(`The tensor returned by parametrization.rightInverse must have the same dtype as module.${tensorName}, unless the \`unsafe\` flag is enabled.\nmodule.${tensorName}.dtype: ${Y.dtype}\nreturned dtype: ${Z.dtype}`);
            }
            if (!shapeEq(Z.shape, Y.shape)) {
              throw new ShapeError(`The tensor returned by parametrization.rightInverse must have the same shape as module.${tensorName}, unless the \`unsafe\` flag is enabled.\nmodule.${tensorName}.shape: ${fmtShape(Y.shape)}\nreturned shape: ${fmtShape(Z.shape)}`);
            }
          }
        }
      }
      const list = listOf(module, tensorName);
      list.append(parametrization);
      list.unsafe ||= unsafe;
      return module;
    }
    const kind = _tensorKind(module, tensorName);
    const original = attrs[tensorName];
    if (kind === null || !(original instanceof Tensor)) {
      const have = [...module.namedParameters({ recurse: false }), ...module.namedBuffers({ recurse: false })].map(([k]) => k);
      throw new FluxionError(
        `registerParametrization(): module ${module.constructor.name} does not have a parameter, a buffer, or a parametrized element with name '${tensorName}'` +
          (kind !== null ? ` (it is None)` : ` (its parameters and buffers: ${have.join(", ") || "none"})`),
      );
    }
    // everything that can fail first: the module is unchanged if the parametrization is refused
    const list = new ParametrizationList([parametrization], original, unsafe);
    delete attrs[tensorName];
    if (!isParametrized(module)) {
      injectClass(module);
      attrs.parametrizations = new ModuleDict();
    }
    injectProperty(module, tensorName);
    (attrs.parametrizations as ModuleDict).set(tensorName, list);
    return module;
  },
  { group: "nn.utils.parametrize", key: "nn.utils.parametrize.registerParametrization" },
);

/**
 * Whether the module has a parametrization (on `tensorName`, or on any tensor when it is
 * not given).
 * @example nn.utils.parametrize.isParametrized(m, "weight") // true
 */
export const isParametrized = defineOp(
  "isParametrized(Module module, str? tensorName=null) -> bool",
  (module: Module, tensorName: string | null): boolean => {
    const p = (module as unknown as Attrs).parametrizations;
    if (!(p instanceof ModuleDict) || !parametrizedClasses.has(module.constructor)) return false;
    return tensorName === null ? p.keys().length > 0 : p.keys().includes(tensorName);
  },
  { group: "nn.utils.parametrize", key: "nn.utils.parametrize.isParametrized" },
);

/**
 * Removes the parametrizations of `module[tensorName]`: it becomes a parameter (or buffer)
 * again, holding the current parametrized value (`leaveParametrized`, the default) or the
 * original tensor (only when there is one). The original's object is kept (its storage
 * takes the value), so an optimizer holding it keeps working. The module's class goes back
 * when nothing is parametrized any more. Returns the module.
 * @example nn.utils.parametrize.removeParametrizations(m, "weight") // m.weight is a Parameter again
 */
export const removeParametrizations: <M extends Module>(module: M, tensorName: string, leaveParametrized?: boolean | { leaveParametrized?: boolean }) => M = defineOp(
  "removeParametrizations(Module module, str tensorName, bool leaveParametrized=true) -> Module",
  (module: Module, tensorName: string, leaveParametrized: boolean): Module => {
    checkName("removeParametrizations", tensorName);
    if (!isParametrized(module, tensorName)) throw new FluxionError(`removeParametrizations(): module ${module.constructor.name} does not have a parametrization on ${tensorName}`);
    const attrs = module as unknown as Attrs;
    const list = listOf(module, tensorName);
    let original: Tensor;
    if (list.isTensor) {
      original = list.originals()[0]!;
      if (leaveParametrized) {
        const t = noGrad(() => attrs[tensorName] as Tensor);
        setTensor(original, t);
      }
    } else {
      if (!leaveParametrized) throw new FluxionError("removeParametrizations(): Cannot leave unparametrized (`leaveParametrized: false`) a tensor that is parametrized in terms of a sequence of tensors.");
      const t = noGrad(() => attrs[tensorName] as Tensor);
      const requiresGrad = list.originals().some((o) => o.requiresGrad);
      original = requiresGrad ? new Parameter(t.detach()) : t.detach();
    }
    const proto = Object.getPrototypeOf(module) as object;
    delete (proto as Attrs)[tensorName];
    (attrs.parametrizations as ModuleDict).pop(tensorName);
    // a parameter back as a field (registered last, as PyTorch's register_parameter), a buffer registered
    if (original instanceof Parameter) attrs[tensorName] = original;
    else module.registerBuffer(tensorName, original);
    if (!isParametrized(module)) {
      delete attrs.parametrizations;
      Object.setPrototypeOf(module, Object.getPrototypeOf(proto) as object);
    }
    return module;
  },
  { group: "nn.utils.parametrize", key: "nn.utils.parametrize.removeParametrizations" },
);

/**
 * The module's class before parametrizations were registered (its class if none were).
 * @example nn.utils.parametrize.typeBeforeParametrizations(m) === nn.Linear
 */
export function typeBeforeParametrizations(module: Module): Function {
  if (!(module instanceof Module)) throw new ArgumentError(`typeBeforeParametrizations(): argument 'module' must be a Module, but got ${describeValue(module)}`);
  return parametrizedClasses.get(module.constructor) ?? module.constructor;
}

/**
 * Registers on `toModule` the parametrizations of `fromModule` (on `tensorName`, or on every
 * parametrized tensor), sharing the parametrization modules and the original tensors; a
 * tensor `toModule` lacks is created first as a Parameter of the parametrized value.
 * Returns toModule.
 */
export function transferParametrizationsAndParams(fromModule: Module, toModule: Module, tensorName: string | null = null): Module {
  if (!(fromModule instanceof Module) || !(toModule instanceof Module)) throw new ArgumentError(`transferParametrizationsAndParams(): arguments 'fromModule' and 'toModule' must be Modules, but got ${describeValue(fromModule)} and ${describeValue(toModule)}`);
  if (!isParametrized(fromModule)) return toModule;
  const from = fromModule as unknown as Attrs, to = toModule as unknown as Attrs;
  const names = tensorName === null ? (from.parametrizations as ModuleDict).keys() : [tensorName];
  for (const name of names) {
    if (!(name in to)) to[name] = new Parameter(noGrad(() => (from[name] as Tensor).detach()));
    const fromList = listOf(fromModule, name);
    for (const p of fromList.children()) registerParametrization(toModule, name, p);
    const toList = listOf(toModule, name) as unknown as Attrs;
    if (fromList.isTensor) toList.original = (fromList as unknown as Attrs).original;
    else for (let i = 0; i < fromList.ntensors; i++) toList[`original${i}`] = (fromList as unknown as Attrs)[`original${i}`];
  }
  return toModule;
}

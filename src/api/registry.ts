/**
 * The op table: every public op is declared once, beside its implementation,
 *
 *   export const sum = defineOp(SIGS.sum, sumImpl);
 *
 * and that declaration gives the function form (`fx.sum(x, 1)`), the Tensor method
 * (`x.sum(1, true)`), run-time argument checking (args.ts), the TypeScript overloads
 * (types.ts) and the API reference (scripts/gen-api-docs.ts, from `registeredOps()`).
 *
 * An implementation takes the declaration's positional-or-keyword parameters in order,
 * with defaults filled in, then (when the declaration has keyword-only parameters) one
 * options object holding those. Results declared as `(Tensor values, Tensor indices)`
 * become named tuples (return_types.ts): `const [v, i] = x.max(1)` and `.values` both work.
 */
import { ArgumentError, AutogradError, DTypeError, DeviceError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import { isFloating, isIntegral, type DType } from "../tensor/dtype.js";
import { shapesEqual } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { bindCall, boundOverload } from "./args.js";
import { popPublicOp, pushPublicOp, runOpLayers } from "../backend/dispatcher.js";
import { enterFramework, leaveFramework } from "../compile/state.js";
import { namedTupleFactory } from "./return_types.js";
import { parseSignature, type Signature } from "./schema.js";
import type { BoundArgs, CtorArgs, Fn, Method } from "./types.js";

type Impl = (...args: any[]) => unknown;

export interface OpEntry {
  readonly name: string;
  /** The registry key ("sum", "F.relu", "Tensor.where"), which dispatch calls carry as publicOp. */
  readonly key: string;
  readonly sigs: Signature[];
  readonly impls: Impl[];
  /** Per overload: builds the named tuple of a tuple-returning overload. */
  readonly tuples: (((r: unknown) => unknown) | null)[];
  readonly method: boolean;
  /** Whether it has a function form (set by defineOp, or later by functionFormOf). */
  function: boolean;
  /** Where it is documented ("tensor", "nn.functional", ...). */
  readonly group: string;
  /** Per overload: whether it declares PyTorch's keyword `Tensor? out` (written by invoke, not the implementation). */
  readonly hasOut: boolean[];
}

const ops = new Map<string, OpEntry>();

export interface DefineOptions {
  /** "both" (default when the first parameter is `Tensor self`), "function" or "method". */
  variants?: "both" | "function" | "method";
  /** Docs section; defaults to "tensor" for ops with a method, else "functions". */
  group?: string;
  /** Registry key when it differs from the declared name (F.relu beside Tensor.relu). */
  key?: string;
}

/** Runs a bound call of `entry`. */
function invoke(entry: OpEntry, self: Tensor | undefined, args: ArrayLike<unknown>, asMethod: boolean): unknown {
  const bound = bindCall(entry.sigs, self, args, asMethod);
  const index = entry.sigs.length === 1 ? 0 : boundOverload;
  // out=: the implementation computes as without it (its options lose `out`), then the result
  // is written into out here
  let out: Tensor | null = null;
  if (entry.hasOut[index]) {
    const kw = bound[bound.length - 1] as { out?: Tensor | null };
    if (kw.out != null) {
      const { out: given, ...rest } = kw;
      bound[bound.length - 1] = rest;
      out = given!;
    }
  }
  pushPublicOp(entry.key);
  let r: unknown;
  depth++;
  enterFramework();
  try {
    r = runOpLayers(entry.key, bound, entry.impls[index]!); // op layers (autocast) see every declared op
    if (out !== null) r = writeOut(entry.name, out, r);
  } catch (e) {
    throw depth === 1 ? namingOp(e, entry.name, asMethod) : e;
  } finally {
    depth--;
    leaveFramework(r); // undefined when it threw
    popPublicOp();
  }
  const tuple = entry.tuples[index];
  return tuple ? tuple(r) : r;
}

/** Whether a result of dtype `from` may be written into an out of dtype `to` (PyTorch's canCast). */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from)) return isFloating(to);
  if (isIntegral(from)) return to !== "bool";
  return true;
}

/**
 * PyTorch's out=: `result` written into `out` (a tensor of the result's shape, of a dtype the
 * result may be cast to, on its device), which is returned. No automatic differentiation, as
 * in PyTorch; no resizing of an out of another shape (PyTorch resizes it, with a warning
 * unless it is empty): that raises.
 */
function writeOut(name: string, out: Tensor, result: unknown): Tensor {
  if (!(result instanceof Tensor)) throw new ArgumentError(`${name}(): out= takes the op's one tensor result`);
  if (isGradEnabled() && (result.requiresGrad || out.requiresGrad)) {
    throw new AutogradError(`${name}(): functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad`);
  }
  if (out.device !== result.device) throw new DeviceError(`${name}(): out is on ${out.device} but the result is on ${result.device}`);
  if (!canCast(result.dtype, out.dtype)) throw new DTypeError(`${name}(): result type ${result.dtype} can't be cast to the desired output type ${out.dtype}`);
  if (!shapesEqual(out.shape, result.shape)) {
    throw new ShapeError(`${name}(): out has shape ${fmtShape(out.shape)} but the result has shape ${fmtShape(result.shape)}; out is not resized (PyTorch resizes it): pass an out of the result's shape`);
  }
  noGrad(() => out.copy_(result));
  return out;
}

/** How many op calls are running (ops call other ops): only the user's call renames errors. */
let depth = 0;

/**
 * An error raised inside the op the user called names that op: `x.viewAs(y)` failing in the
 * view it is built on reads "Tensor.viewAs(): view: shape [7, 1, 3] is invalid ...", and
 * `x.add_(y)` "Tensor.add_(): add: shapes ...". Messages that already name it are kept.
 */
function namingOp(e: unknown, name: string, asMethod: boolean): unknown {
  if (!(e instanceof FluxionError) || new RegExp(`(^|\\W)${name}(\\W|$)`).test(e.message)) return e;
  const before = e.message;
  e.message = `${asMethod ? "Tensor." : ""}${name}(): ${before}`;
  if (typeof e.stack === "string") e.stack = e.stack.replace(before, e.message);
  return e;
}

/**
 * Declares an op: one declaration string (or a list of overloads, each with its own
 * implementation) and returns its function form. Methods are attached to Tensor.
 */
export function defineOp<const S extends string | readonly string[]>(decl: S, impl: Impl | readonly Impl[], opts: DefineOptions = {}): Fn<S> {
  const decls = typeof decl === "string" ? [decl] : (decl as readonly string[]);
  const impls = typeof impl === "function" ? decls.map(() => impl) : [...impl];
  if (impls.length !== decls.length) throw new FluxionError(`defineOp: ${decls.length} declarations but ${impls.length} implementations`);
  const sigs = decls.map(parseSignature);
  const name = sigs[0]!.name;
  if (sigs.some((s) => s.name !== name)) throw new FluxionError(`defineOp: overloads must share a name, got ${sigs.map((s) => s.name).join(", ")}`);
  const tensorSelf = (s: Signature) => s.params[0]?.name === "self" && s.params[0].type.text === "Tensor";
  const selfFirst = sigs.every(tensorSelf);
  const variants = opts.variants ?? (selfFirst ? "both" : "function");
  // a method form needs 'Tensor self' in every overload, or (variants "both" asked for, as
  // torch.add's number-first form beside Tensor.add) in the first: a method call, whose self is
  // a tensor, never binds a Scalar self
  if (variants !== "function" && !selfFirst && !(opts.variants === "both" && tensorSelf(sigs[0]!))) {
    throw new FluxionError(`defineOp: ${name} has a method form, so every overload must start with 'Tensor self'`);
  }
  const key = opts.key ?? name;
  if (ops.has(key)) throw new FluxionError(`defineOp: ${key} is declared twice`);
  const entry: OpEntry = {
    name, key, sigs, impls,
    tuples: sigs.map((s) => namedTupleFactory(name, s.returns)),
    method: variants !== "function",
    function: variants !== "method",
    group: opts.group ?? (variants !== "function" ? "tensor" : "functions"),
    hasOut: sigs.map((sg) => sg.params.some((q) => q.name === "out" && q.keywordOnly && /^Tensor\??$/.test(q.type.text))),
  };
  ops.set(key, entry);
  if (entry.method) {
    Object.defineProperty(Tensor.prototype, name, {
      value: function (this: unknown, ...args: unknown[]) {
        if (!(this instanceof Tensor)) throw new ArgumentError(`Tensor.${name}() called on ${this === undefined ? "undefined" : String(this)}; call it as a method of a tensor (x.${name}(...)) or use the function form`);
        return invoke(entry, this, args, true);
      },
      writable: true, configurable: true, enumerable: false,
    });
  }
  const fn = function (...args: unknown[]) { return invoke(entry, undefined, args, false); };
  Object.defineProperty(fn, "name", { value: name });
  return fn as unknown as Fn<S>;
}

/**
 * The function form of a declared method (torch.exp_(x) beside x.exp_(), torch.clamp_(x, 0)):
 * the same declaration, so the same argument checks, errors and docs (the op is marked *fn*).
 */
export function functionFormOf(key: string): (...args: unknown[]) => unknown {
  const entry = ops.get(key);
  if (!entry || !entry.method) throw new FluxionError(`functionFormOf: ${key} is not a declared method`);
  entry.function = true;
  const fn = function (...args: unknown[]) { return invoke(entry, undefined, args, false); };
  Object.defineProperty(fn, "name", { value: entry.name });
  return fn;
}

/** Every declared op, for the docs and for tests that iterate over the whole API. */
export function registeredOps(): readonly OpEntry[] {
  return [...ops.values()];
}

/** The method types of a table of declarations: `interface Tensor extends MethodsOf<typeof SIGS> {}`. */
export type MethodsOf<T extends Record<string, string | readonly string[]>> = { [K in keyof T]: Method<T[K]> };

/** A declared constructor (or other callable that binds its own arguments), for the docs. */
const ctors = new Map<string, { sig: Signature; group: string }>();

/**
 * Declares the arguments of a constructor (a Module, an optimizer, a DataLoader):
 *
 *   const LINEAR = "Linear(int inFeatures, int outFeatures, bool bias=true, *, Device? device=null, ScalarType? dtype=null)";
 *   const linearArgs = declareArgs(LINEAR, "nn");
 *   class Linear extends Module {
 *     constructor(...args: CtorArgs<typeof LINEAR>) {
 *       const [inFeatures, outFeatures, bias, { device, dtype }] = linearArgs.bind(args);
 *
 * `bind` checks the call exactly as ops are checked and returns the values in declaration
 * order (defaults filled in), with the keyword-only ones in a trailing object.
 */
export function declareArgs<const S extends string>(decl: S, group: string): { sig: Signature; bind(args: ArrayLike<unknown>): BoundArgs<S> } {
  const sig = parseSignature(decl);
  if (ctors.has(sig.name)) throw new FluxionError(`declareArgs: ${sig.name} is declared twice`);
  ctors.set(sig.name, { sig, group });
  return { sig, bind: (args) => bindCall([sig], undefined, args, false) as BoundArgs<S> };
}

/** Every declared constructor, for the docs. */
export function registeredConstructors(): readonly { sig: Signature; group: string }[] {
  return [...ctors.values()];
}

export type { CtorArgs };

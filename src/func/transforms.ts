/**
 * torch.func (functorch) transforms: grad, gradAndValue, vjp, jvp, jacrev, jacfwd, hessian
 * and vmap. They compose (vmap(grad(f)) gives per-sample gradients, grad(grad(f)) a second
 * derivative) and take pytrees: arrays and plain objects of tensors, such as the parameter
 * dict functionalCall takes.
 *
 * They are built on the autograd engine: grad differentiates with createGraph (so an outer
 * transform can differentiate again) and returns tensors cut from the graph when nothing
 * outside asked for gradients; vmap runs the function once per index of the mapped dims and
 * stacks the results, so a function vmap accepts gives PyTorch's values, at the speed of a
 * loop rather than of one batched kernel.
 */
import { withDispatchLayer } from "../backend/dispatcher.js";
import { gradFn } from "../autograd/backward.js";
import { enableGrad } from "../autograd/grad_mode.js";
import { jacobian as autogradJacobian } from "../autograd/functional.js";
import { ArgumentError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defaultGenerator } from "../tensor/random.js";
import { stack } from "../ops/shape_ops.js";
import { zerosLike } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";

// ---- pytrees -----------------------------------------------------------------------------

type Tree = unknown;
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Tensor) && Object.getPrototypeOf(v) === Object.prototype;

/** The tensors of a tree in order, and a function that builds the same tree from new leaves. */
function flatten(tree: Tree): [Tensor[], (leaves: readonly unknown[]) => Tree] {
  const leaves: Tensor[] = [];
  const build = (t: Tree): ((next: () => unknown) => Tree) => {
    if (t instanceof Tensor) {
      leaves.push(t);
      return (next) => next();
    }
    if (Array.isArray(t)) {
      const parts = t.map(build);
      return (next) => parts.map((p) => p(next));
    }
    if (isPlain(t)) {
      const parts = Object.entries(t).map(([k, v]) => [k, build(v)] as const);
      return (next) => Object.fromEntries(parts.map(([k, p]) => [k, p(next)]));
    }
    return () => t; // numbers, strings, null: kept as they are
  };
  const make = build(tree);
  return [leaves, (newLeaves) => {
    let i = 0;
    return make(() => newLeaves[i++]);
  }];
}

function checkFunc(op: string, func: unknown): asserts func is (...args: unknown[]) => unknown {
  if (typeof func !== "function") throw new ArgumentError(`${op}: expected a function, got ${func === null ? "null" : typeof func}`);
}

/** Refuses an options object that is not one, or that names an option `known` lacks (JavaScript callers get no type check). */
function checkOptions(op: string, opts: unknown, known: readonly string[]): void {
  if (opts === undefined) return;
  if (!isPlain(opts)) throw new ArgumentError(`${op}: options must be an object, got ${opts === null ? "null" : typeof opts}`);
  for (const k of Object.keys(opts)) if (!known.includes(k)) throw new ArgumentError(`${op}: unexpected option '${k}' (known: ${known.join(", ")})`);
}

type Argnums = number | readonly number[];
function checkArgnums(op: string, argnums: unknown, nargs: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : Array.isArray(argnums) ? argnums : null;
  if (list === null || list.length === 0 || list.some((a) => !Number.isInteger(a))) throw new ArgumentError(`${op}: argnums must be an int or a non-empty array of ints, got ${String(argnums)}`);
  return list.map((a: number) => {
    const i = a < 0 ? a + nargs : a;
    if (i < 0 || i >= nargs) throw new ArgumentError(`${op}: Got argnums=${a}, but only ${nargs} positional inputs`);
    return i;
  });
}

// ---- grad, gradAndValue, vjp, jvp ------------------------------------------------------------

export interface GradOptions {
  /** Which positional arguments to differentiate: an index or several (default 0). */
  argnums?: Argnums;
  /** func returns [output, aux]: aux is passed through, not differentiated. */
  hasAux?: boolean;
}

/**
 * Runs func on args with the leaves of args[argnums] made differentiable: returns the output,
 * the aux value, the tracked leaves per argnum and the rebuilders. A leaf that already
 * requires grad (an outer transform's variable) is used as it is, so gradients compose.
 */
function trace(op: string, func: (...a: unknown[]) => unknown, args: unknown[], nums: number[], hasAux: boolean) {
  const tracked = nums.map((i) => {
    const [leaves, rebuild] = flatten(args[i]);
    const vars = leaves.map((t) => (t.requiresGrad ? t : t.detach().requiresGrad_(true)));
    return { leaves, vars, rebuild };
  });
  const callArgs = [...args];
  nums.forEach((i, k) => (callArgs[i] = tracked[k]!.rebuild(tracked[k]!.vars)));
  let out = enableGrad(() => func(...callArgs));
  let aux: unknown = undefined;
  if (hasAux) {
    if (!Array.isArray(out) || out.length !== 2) throw new FluxionError(`${op}(f)(*args): output of function f should be a tuple: (output, aux) if hasAux is true`);
    [out, aux] = out as [unknown, unknown];
  }
  return { out, aux, tracked };
}

/** Gradients of `out` w.r.t. the tracked leaves (zeros where unused); cut from the graph unless an input was tracked outside. */
function gradsOf(out: Tensor, tracked: { leaves: Tensor[]; vars: Tensor[] }[], gradOutput?: Tensor): Tensor[][] {
  const vars = tracked.flatMap((t) => t.vars);
  const grads = out.requiresGrad ? gradFn([out], vars, { gradOutputs: gradOutput ? [gradOutput] : undefined, createGraph: true, allowUnused: true }) : vars.map(() => null);
  let k = 0;
  return tracked.map((t) => t.leaves.map((leaf) => {
    const g = grads[k++] ?? zerosLike(leaf);
    return leaf.requiresGrad ? g : g.detach();
  }));
}

function gradAndValueImpl(op: string, func: unknown, opts: GradOptions | undefined) {
  checkFunc(op, func);
  checkOptions(op, opts, ["argnums", "hasAux"]);
  const hasAux = opts?.hasAux ?? false;
  return (...args: unknown[]): [unknown, unknown] => {
    const nums = checkArgnums(op, opts?.argnums ?? 0, args.length);
    const { out, aux, tracked } = trace(op, func, args, nums, hasAux);
    if (!(out instanceof Tensor)) throw new FluxionError(`${op}(f)(*args): Expected f(*args) to return a Tensor, got ${typeof out}`);
    if (out.numel() !== 1 || out.ndim !== 0) {
      throw new ShapeError(`${op}(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with ${out.ndim} dims (shape ${fmtShape(out.shape)}). Maybe you wanted to use the vjp or jacrev APIs instead?`);
    }
    const grads = gradsOf(out, tracked).map((g, k) => tracked[k]!.rebuild(g));
    const g = typeof (opts?.argnums ?? 0) === "number" ? grads[0] : grads;
    const value = tracked.some((t) => t.leaves.some((l) => l.requiresGrad)) ? out : out.detach();
    return [g, hasAux ? [value, aux] : value];
  };
}

/**
 * torch.func.grad: a function returning the gradient of scalar func w.r.t. args[argnums]
 * (a tree of tensors gives a tree of gradients; several argnums give an array).
 * @example const dLoss = func.grad(loss)(params, x, y); // params a { name: Tensor } object
 */
export function grad(func: (...args: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  const f = gradAndValueImpl("grad", func, opts);
  return (...args) => {
    const [g, value] = f(...args);
    return opts?.hasAux ? [g, (value as [unknown, unknown])[1]] : g;
  };
}

/** torch.func.grad_and_value: [gradient, value] (with hasAux: [gradient, [value, aux]]). */
export function gradAndValue(func: (...args: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => [unknown, unknown] {
  return gradAndValueImpl("gradAndValue", func, opts);
}

/**
 * torch.func.vjp: [func(...primals), vjpFn] where vjpFn(cotangents) returns one gradient per
 * primal (an array), the cotangents shaped as the output.
 */
export function vjp(func: (...args: never[]) => unknown, ...primals: unknown[]): [unknown, (cotangents: unknown) => unknown[]] {
  checkFunc("vjp", func);
  let hasAux = false;
  const last = primals[primals.length - 1];
  if (isPlain(last) && "hasAux" in last && Object.keys(last).length === 1) {
    hasAux = Boolean(last.hasAux);
    primals = primals.slice(0, -1);
  }
  const nums = primals.map((_, i) => i);
  const { out, aux, tracked } = trace("vjp", func, primals, nums, hasAux);
  const [outs, rebuildOut] = flatten(out);
  const vjpFn = (cotangents: unknown): unknown[] => {
    const [cts] = flatten(cotangents);
    if (cts.length !== outs.length) throw new ArgumentError(`vjp: Expected pytree structure of cotangents to be the same as pytree structure of outputs (${outs.length} tensors), got ${cts.length}`);
    cts.forEach((c, i) => {
      if (c.shape.join() !== outs[i]!.shape.join()) throw new ShapeError(`vjp: Mismatch in shape: cotangent ${i} has shape ${fmtShape(c.shape)} and output has shape ${fmtShape(outs[i]!.shape)}`);
    });
    const total = outs.reduce<Tensor | null>((acc, o, i) => {
      const term = o.mul(cts[i]!).sum();
      return acc === null ? term : acc.add(term);
    }, null);
    const grads = total === null ? tracked.map((t) => t.leaves.map((l) => zerosLike(l))) : gradsOf(total, tracked);
    return grads.map((g, k) => tracked[k]!.rebuild(g));
  };
  const value = rebuildOut(outs.map((o) => (tracked.some((t) => t.leaves.some((l) => l.requiresGrad)) ? o : o.detach())));
  return (hasAux ? [value, vjpFn, aux] : [value, vjpFn]) as [unknown, (c: unknown) => unknown[]];
}

/**
 * torch.func.jvp: [func(...primals), J·tangents], by the double-vjp trick (the vjp is linear
 * in its cotangent, so differentiating it w.r.t. a dummy cotangent gives J·v).
 */
export function jvp(func: (...args: never[]) => unknown, primals: readonly unknown[], tangents: readonly unknown[]): [unknown, unknown] {
  checkFunc("jvp", func);
  if (!Array.isArray(primals) || !Array.isArray(tangents)) throw new ArgumentError("jvp: Expected primals and tangents to be arrays (tuples), e.g. jvp(f, [x], [v])");
  if (primals.length !== tangents.length) throw new ArgumentError(`jvp: Expected primals and tangents to have the same length, got ${primals.length} and ${tangents.length}`);
  const { out, tracked } = trace("jvp", func, [...primals], primals.map((_, i) => i), false);
  const [outs, rebuild] = flatten(out);
  const vars = tracked.flatMap((t) => t.vars);
  const [ts] = flatten(tangents);
  if (ts.length !== vars.length) throw new ArgumentError(`jvp: Expected tangents to have the same structure as primals (${vars.length} tensors), got ${ts.length}`);
  ts.forEach((t, i) => {
    if (t.shape.join() !== vars[i]!.shape.join()) throw new ShapeError(`jvp: Expected primal ${i} (shape ${fmtShape(vars[i]!.shape)}) and its tangent (shape ${fmtShape(t.shape)}) to have the same shape`);
  });
  // vᵀJ is linear in v: differentiating (vᵀJ)·t w.r.t. a dummy v gives J·t
  const dummies = outs.map((o) => zerosLike(o).requiresGrad_(true));
  const jv = enableGrad(() => {
    const total1 = outs.reduce<Tensor | null>((acc, o, i) => (o.requiresGrad ? (acc === null ? o.mul(dummies[i]!).sum() : acc.add(o.mul(dummies[i]!).sum())) : acc), null);
    if (total1 === null) return dummies.map((d) => zerosLike(d));
    const gs = gradFn([total1], vars, { createGraph: true, allowUnused: true });
    const total2 = gs.reduce<Tensor | null>((acc, g, i) => (g && g.requiresGrad ? (acc === null ? g.mul(ts[i]!).sum() : acc.add(g.mul(ts[i]!).sum())) : acc), null);
    if (total2 === null) return dummies.map((d) => zerosLike(d));
    const tracking = tracked.some((t) => t.leaves.some((l) => l.requiresGrad));
    return gradFn([total2], dummies, { createGraph: tracking, allowUnused: true }).map((g, i) => g ?? zerosLike(dummies[i]!));
  });
  const tracking = tracked.some((t) => t.leaves.some((l) => l.requiresGrad));
  const cut = (t: Tensor) => (tracking ? t : t.detach());
  return [rebuild(outs.map(cut)), rebuild(jv.map(cut))];
}

// ---- jacobians -----------------------------------------------------------------------------

/** torch.func.jacrev / jacfwd: the Jacobian of func w.r.t. args[argnums] (out.shape + arg.shape). */
function jacobianOf(op: string, func: unknown, opts: GradOptions | undefined) {
  checkFunc(op, func);
  checkOptions(op, opts, ["argnums", "hasAux"]);
  return (...args: unknown[]): unknown => {
    const nums = checkArgnums(op, opts?.argnums ?? 0, args.length);
    for (const i of nums) if (!(args[i] instanceof Tensor)) throw new ArgumentError(`${op}: argument ${i} must be a Tensor, got ${typeof args[i]}`);
    const inputs = nums.map((i) => args[i] as Tensor);
    const f = (...xs: Tensor[]) => {
      const callArgs = [...args];
      nums.forEach((i, k) => (callArgs[i] = xs[k]));
      const out = func(...callArgs);
      if (opts?.hasAux) throw new ArgumentError(`${op}: hasAux is not supported by Fluxion's ${op}; return the output alone`);
      if (!(out instanceof Tensor) && !(Array.isArray(out) && out.every((o) => o instanceof Tensor))) throw new FluxionError(`${op}: f must return a Tensor or an array of Tensors, got ${typeof out}`);
      return out as Tensor | Tensor[];
    };
    const anyTracked = inputs.some((x) => x.requiresGrad);
    const jac = autogradJacobian(f, typeof (opts?.argnums ?? 0) === "number" ? inputs[0]! : inputs, { createGraph: anyTracked });
    return jac;
  };
}
export function jacrev(func: (...args: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  return jacobianOf("jacrev", func, opts);
}
export function jacfwd(func: (...args: never[]) => unknown, opts?: GradOptions): (...args: unknown[]) => unknown {
  return jacobianOf("jacfwd", func, opts);
}
/** torch.func.hessian: the Jacobian of the Jacobian (jacfwd(jacrev(func))). */
export function hessian(func: (...args: never[]) => unknown, opts?: { argnums?: Argnums }): (...args: unknown[]) => unknown {
  checkFunc("hessian", func);
  return jacobianOf("hessian", jacobianOf("jacrev", func, opts), opts);
}

// ---- vmap ----------------------------------------------------------------------------------

export interface VmapOptions {
  /** Per positional argument (a tree like it): the dim to map over, or null to pass it whole. Default 0 for every tensor. */
  inDims?: unknown;
  /** Where the mapped dim goes in each output (an int, or a tree like the output). Default 0. */
  outDims?: unknown;
  /** Random ops inside func: "error" (the default) refuses them, "different" draws per element, "same" the same draws for all. */
  randomness?: "error" | "different" | "same";
  /** Accepted for PyTorch's signature; the elements run one at a time anyway. */
  chunkSize?: number | null;
}

/** The dims tree matched to a tree of values: one entry per tensor leaf (an int or null); an int or null stands for a whole subtree. */
function leafDims(op: string, values: unknown, dims: unknown): (number | null)[] {
  const out: (number | null)[] = [];
  const walk = (a: unknown, d: unknown, where: string) => {
    if (a instanceof Tensor) {
      if (d !== null && !Number.isInteger(d)) throw new ArgumentError(`${op}: the dim for ${where} must be an int or null, got ${String(d)}`);
      out.push(d as number | null);
    } else if (Array.isArray(a)) {
      a.forEach((x, i) => walk(x, Array.isArray(d) ? d[i] : d, `${where}[${i}]`));
    } else if (isPlain(a)) {
      Object.entries(a).forEach(([k, x]) => walk(x, isPlain(d) ? d[k] : d, `${where}.${k}`));
    }
  };
  walk(values, dims, "inputs");
  return out;
}

/**
 * torch.func.vmap: func mapped over a dim of its inputs. vmap(f)(x) is stack([f(x[0]),
 * f(x[1]), ...]): func runs once per index (a loop, not a batched kernel), so any function
 * vmap accepts gives PyTorch's values.
 * @example const perSample = func.vmap(func.grad(loss), { inDims: [null, 0, 0] })(params, xs, ys);
 */
export function vmap(func: (...args: never[]) => unknown, opts: VmapOptions = {}): (...args: unknown[]) => unknown {
  checkFunc("vmap", func);
  checkOptions("vmap", opts, ["inDims", "outDims", "randomness", "chunkSize"]);
  const randomness = opts.randomness ?? "error";
  if (!["error", "different", "same"].includes(randomness)) throw new ArgumentError(`vmap: Only allowed values for randomness are 'error', 'different', or 'same'. Got ${String(randomness)}`);
  return (...args: unknown[]): unknown => {
    const inDims = opts.inDims ?? 0;
    const dimsTree = Array.isArray(inDims) ? inDims : args.map(() => inDims);
    if (Array.isArray(inDims) && inDims.length !== args.length) throw new ArgumentError(`vmap(f, in_dims=${JSON.stringify(inDims)}, ...)(<inputs>): in_dims is not compatible with the structure of inputs: ${inDims.length} in_dims for ${args.length} arguments`);
    const [leaves, rebuild] = flatten(args);
    const dims = leafDims("vmap", args, dimsTree).map((d, i) => (d === null ? null : d < 0 ? d + leaves[i]!.ndim : d));
    let size: number | null = null;
    dims.forEach((d, i) => {
      if (d === null) return;
      const t = leaves[i]!;
      if (d < 0 || d >= t.ndim) throw new ShapeError(`vmap: Tried to map over dim ${d} of a tensor with ${t.ndim} dims (shape ${fmtShape(t.shape)})`);
      if (size !== null && t.shape[d] !== size) throw new ShapeError(`vmap: Expected all tensors to have the same size in the mapped dimension, got sizes ${size} and ${t.shape[d]} for the mapped dimension`);
      size = t.shape[d]!;
    });
    if (size === null) throw new ArgumentError("vmap: at least one input must be a Tensor mapped over a dim (in_dims not null)");
    const n: number = size;
    if (n === 0) throw new ShapeError("vmap: the mapped dimension has size 0; there is nothing to map over");
    const state = randomness === "same" ? defaultGenerator.getState() : null;
    const results: unknown[] = [];
    for (let b = 0; b < n; b++) {
      const callArgs = rebuild(leaves.map((t, i) => (dims[i] === null ? t : t.select(dims[i]!, b)))) as unknown[];
      if (state !== null) defaultGenerator.setState(state);
      const run = () => func(...(callArgs as never[]));
      results.push(randomness === "error" ? withDispatchLayer((call, next) => {
        if (call.op === "random") throw new FluxionError("vmap: called random operation while in randomness error mode. Please either use the 'same' or 'different' randomness flags on vmap or perform the randomness operation out of vmap");
        return next(call);
      }, run) : run());
    }
    const [first, rebuildOut] = flatten(results[0]);
    if (first.length === 0) throw new FluxionError(`vmap: f must return a Tensor (or a tree of Tensors), got ${typeof results[0]}`);
    const outs = results.map((r) => flatten(r)[0]);
    const outDims = opts.outDims ?? 0;
    const [outDimLeaves] = Array.isArray(outDims) || isPlain(outDims) ? [leafDims("vmap", results[0], outDims)] : [first.map(() => outDims as number)];
    return rebuildOut(first.map((_, j) => {
      const d = outDimLeaves[j] ?? 0;
      const parts = outs.map((o) => o[j]!);
      const dim = d < 0 ? d + parts[0]!.ndim + 1 : d;
      return stack(parts, dim);
    }));
  };
}


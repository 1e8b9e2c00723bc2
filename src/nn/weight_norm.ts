/**
 * nn.utils.weightNorm / removeWeightNorm and nn.utils.spectralNorm / removeSpectralNorm:
 * PyTorch 1.13's hook-based reparameterizations (torch.nn.utils.weight_norm and
 * spectral_norm). The weight becomes a plain tensor attribute recomputed by a forward
 * pre-hook before every call, from
 *   - weight norm: parameters `weight_g` (the norm over every dim but `dim`) and `weight_v`
 *     (the direction): weight = v * g / ||v||;
 *   - spectral norm: the parameter `weight_orig` and buffers `weight_u`, `weight_v` (the
 *     power iteration's vectors, advanced in place by each call in training mode):
 *     weight = weight_orig / sigma, sigma = u . (W v) with W the weight as a matrix;
 * so the state dict keys are PyTorch's (`bias, weight_g, weight_v`; `bias, weight_orig,
 * weight_u, weight_v`). The hooks read everything from the module they are called with, so
 * a deep copy of the module (utils.deepcopy) carries a working reparameterization.
 * Not here: the load-state-dict hook that upgrades spectral-norm checkpoints saved before
 * PyTorch 1.0 (without weight_v), and the parametrizations API (nn.utils.parametrizations).
 */
import { noGrad } from "../autograd/grad_mode.js";
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { ArgumentError, FluxionError, IndexError } from "../errors.js";
import { randn } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { normalize } from "./functional/normalization.js";
import { ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from "./layers/conv.js";
import { UninitializedParameter } from "./layers/lazy.js";
import { Module, _forwardPreHooks, _markRecomputed, type ForwardPreHook } from "./module.js";
import { Parameter } from "./parameter.js";

/** A module after weightNorm(module, name): its `${name}_g` and `${name}_v` parameters typed. */
export type WeightNormed<M extends Module, N extends string = "weight"> = M & { [K in `${N}_g` | `${N}_v`]: Parameter };
/** A module after spectralNorm(module, name): `${name}_orig` (a parameter), `${name}_u` and `${name}_v` (buffers) typed. */
export type SpectralNormed<M extends Module, N extends string = "weight"> = M & { [K in `${N}_orig`]: Parameter } & { [K in `${N}_u` | `${N}_v`]: Tensor };

/** weightNorm's call forms, each returning the module it was given (its own type kept, as PyTorch's T_module). */
export interface WeightNormFn {
  <M extends Module>(module: M, opts?: { dim?: number | null }): WeightNormed<M>;
  <M extends Module, N extends string>(module: M, name: N, dim?: number | null | { dim?: number | null }): WeightNormed<M, N>;
  <M extends Module, N extends string = "weight">(module: M, opts: { name?: N; dim?: number | null }): WeightNormed<M, N>;
}
interface SpectralNormOptions {
  nPowerIterations?: number;
  eps?: number;
  dim?: number | null;
}
/** spectralNorm's call forms, each returning the module it was given (its own type kept). */
export interface SpectralNormFn {
  <M extends Module>(module: M, opts?: SpectralNormOptions): SpectralNormed<M>;
  <M extends Module, N extends string>(module: M, name: N, nPowerIterations?: number | SpectralNormOptions, eps?: number | SpectralNormOptions, dim?: number | null | SpectralNormOptions): SpectralNormed<M, N>;
  <M extends Module, N extends string = "weight">(module: M, opts: SpectralNormOptions & { name?: N }): SpectralNormed<M, N>;
}
/** removeWeightNorm / removeSpectralNorm: the module back, its own type kept. */
export type RemoveNormFn = <M extends Module>(module: M, name?: string | { name?: string }) => M;

interface NormHook {
  kind: "weightNorm" | "spectralNorm";
  name: string;
}
/** The hooks these functions registered, with what they reparameterize (PyTorch finds its WeightNorm / SpectralNorm objects among the hooks). */
const normHooks = new WeakMap<Function, NormHook>();

/** Each weight-norm hook's dim (-1: the whole tensor), for removeWeightNorm. */
const weightNormDims = new WeakMap<Function, number>();
/** Each spectral-norm hook's settings, for removeSpectralNorm. */
const spectralSettings = new WeakMap<Function, { dim: number; nPowerIterations: number; eps: number }>();

type Attrs = Record<string, unknown>;

function findHook(module: Module, kind: NormHook["kind"], name: string): number {
  return _forwardPreHooks(module).findIndex((h) => {
    const meta = normHooks.get(h);
    return meta !== undefined && meta.kind === kind && meta.name === name;
  });
}

function checkModule(op: string, module: unknown, name: unknown): asserts module is Module {
  if (!(module instanceof Module)) throw new ArgumentError(`${op}(): argument 'module' (position 1) must be a Module, but got ${describeValue(module)}`);
  if (typeof name !== "string" || name === "") throw new ArgumentError(`${op}(): argument 'name' must be a non-empty string, but got ${describeValue(name)}`);
}

/** The parameter `name` of `module`, checked as PyTorch's apply() checks it. */
function parameterOf(op: string, module: Module, name: string): Parameter {
  const w = (module as unknown as Attrs)[name];
  const own = [...module.namedParameters({ recurse: false })].some(([k, p]) => k === name && p === w);
  if (w === null || w === undefined) {
    if (own || name in module) throw new FluxionError(`${op}(): cannot be applied as parameter \`${name}\` is None`);
  }
  if (!(w instanceof Parameter) || !own) throw new FluxionError(`${op}(): ${module.constructor.name} has no parameter \`${name}\` (got ${describeValue(w)})`);
  if (w instanceof UninitializedParameter) {
    throw new FluxionError(`${op}(): the module passed can't have uninitialized parameters. Make sure to run the dummy forward before applying ${op === "weightNorm" ? "weight" : "spectral"} normalization`);
  }
  return w;
}

// ---- weight norm ------------------------------------------------------------------------

/** @internal torch.norm_except_dim(v, 2, dim): the 2-norm over every dim but `dim` (kept as size 1); dim -1: over all, a 0-d tensor. */
export function normExceptDim(v: Tensor, dim: number): Tensor {
  if (dim === -1) return v.norm();
  const others = v.shape.map((_, i) => i).filter((i) => i !== dim);
  if (others.length === 0) return v.abs();
  return v.norm(2, others, true);
}

function weightNormDim(op: string, dim: number | null, ndim: number): number {
  if (dim === null || dim === -1) return -1; // PyTorch 1.13: None and -1 both mean the whole tensor
  const d = dim < 0 ? dim + ndim : dim;
  if (d < 0 || d >= ndim) throw new IndexError(`${op}(): Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}], but got ${dim})`);
  return d;
}

function computeWeightNorm(module: Module, name: string, dim: number): Tensor {
  const g = (module as unknown as Attrs)[`${name}_g`] as Tensor, v = (module as unknown as Attrs)[`${name}_v`] as Tensor;
  return v.mul(g.div(normExceptDim(v, dim)));
}

/**
 * Reparameterizes `module[name]` as `name_g * name_v / ||name_v||` (torch.nn.utils.weight_norm):
 * `dim` is the dim the norm is kept for (0: one per output channel; null, or -1 as in
 * PyTorch 1.13: one norm for the whole tensor). Returns the module.
 * @example const m = nn.utils.weightNorm(new nn.Linear(20, 40)); m.weight_g.shape // [40, 1]
 */
export const weightNorm: WeightNormFn = defineOp(
  'weightNorm(Module module, str name="weight", int? dim=0) -> Module',
  (module: Module, name: string, dim: number | null): Module => {
    checkModule("weightNorm", module, name);
    if (findHook(module, "weightNorm", name) >= 0) throw new FluxionError(`weightNorm(): Cannot register two weight_norm hooks on the same parameter ${name}`);
    const weight = parameterOf("weightNorm", module, name);
    const d = weightNormDim("weightNorm", dim, weight.ndim);
    const attrs = module as unknown as Attrs;
    const g = new Parameter(noGrad(() => normExceptDim(weight.detach(), d)));
    const v = new Parameter(weight.detach());
    delete attrs[name];
    attrs[`${name}_g`] = g;
    attrs[`${name}_v`] = v;
    attrs[name] = computeWeightNorm(module, name, d);
    const hook: ForwardPreHook = (m) => {
      (m as unknown as Attrs)[name] = computeWeightNorm(m, name, d);
    };
    normHooks.set(hook, { kind: "weightNorm", name });
    weightNormDims.set(hook, d);
    module.registerForwardPreHook(hook);
    _markRecomputed(module, name, true);
    return module;
  },
  { group: "nn.utils", key: "nn.utils.weightNorm" },
);

/**
 * Undoes weightNorm: `module[name]` is a Parameter again, holding the current weight
 * (torch.nn.utils.remove_weight_norm). Returns the module.
 */
export const removeWeightNorm: RemoveNormFn = defineOp(
  'removeWeightNorm(Module module, str name="weight") -> Module',
  (module: Module, name: string): Module => {
    checkModule("removeWeightNorm", module, name);
    const i = findHook(module, "weightNorm", name);
    if (i < 0) throw new FluxionError(`removeWeightNorm(): weight_norm of '${name}' not found in ${module}`);
    const attrs = module as unknown as Attrs;
    const hooks = _forwardPreHooks(module);
    const weight = noGrad(() => computeWeightNorm(module, name, weightNormDims.get(hooks[i]!)!).detach());
    delete attrs[name];
    delete attrs[`${name}_g`];
    delete attrs[`${name}_v`];
    attrs[name] = new Parameter(weight);
    hooks.splice(i, 1);
    _markRecomputed(module, name, false);
    return module;
  },
  { group: "nn.utils", key: "nn.utils.removeWeightNorm" },
);

// ---- spectral norm ----------------------------------------------------------------------

function weightMatrix(weight: Tensor, dim: number): Tensor {
  let w = weight;
  if (dim !== 0) w = w.permute([dim, ...w.shape.map((_, i) => i).filter((i) => i !== dim)]);
  return w.reshape([w.shape[0]!, -1]);
}

function computeSpectralNorm(module: Module, name: string, dim: number, nPowerIterations: number, eps: number, doPowerIteration: boolean): Tensor {
  const attrs = module as unknown as Attrs;
  const weight = attrs[`${name}_orig`] as Tensor;
  let u = attrs[`${name}_u`] as Tensor, v = attrs[`${name}_v`] as Tensor;
  const mat = weightMatrix(weight, dim);
  if (doPowerIteration) {
    noGrad(() => {
      // in place, as PyTorch's normalize(..., out=v): the buffers carry the iteration to the next call
      for (let i = 0; i < nPowerIterations; i++) {
        v.copy_(normalize(mat.t().mv(u), 2, 0, eps));
        u.copy_(normalize(mat.mv(v), 2, 0, eps));
      }
      u = u.clone();
      v = v.clone();
    });
  }
  const sigma = u.dot(mat.mv(v));
  return weight.div(sigma);
}

/**
 * Rescales `module[name]` by its largest singular value, estimated by power iteration
 * (torch.nn.utils.spectral_norm): the parameter moves to `name_orig`, the iteration's
 * vectors are the buffers `name_u` and `name_v` (random at first, advanced nPowerIterations
 * times by each call in training mode). `dim` is the output dim (default 0; 1 for
 * ConvTranspose). Returns the module.
 * @example const d = nn.utils.spectralNorm(new nn.Linear(20, 40)); d.weight_u.shape // [40]
 */
export const spectralNorm: SpectralNormFn = defineOp(
  'spectralNorm(Module module, str name="weight", int nPowerIterations=1, float eps=1e-12, int? dim=null) -> Module',
  (module: Module, name: string, nPowerIterations: number, eps: number, dim: number | null): Module => {
    checkModule("spectralNorm", module, name);
    if (nPowerIterations <= 0) throw new FluxionError(`spectralNorm(): Expected nPowerIterations to be positive, but got nPowerIterations=${nPowerIterations}`);
    if (findHook(module, "spectralNorm", name) >= 0) throw new FluxionError(`spectralNorm(): Cannot register two spectral_norm hooks on the same parameter ${name}`);
    const weight = parameterOf("spectralNorm", module, name);
    let d = dim ?? (module instanceof ConvTranspose1d || module instanceof ConvTranspose2d || module instanceof ConvTranspose3d ? 1 : 0);
    if (d < 0) d += weight.ndim;
    if (d < 0 || d >= Math.max(weight.ndim, 1)) throw new IndexError(`spectralNorm(): Dimension out of range (expected to be in range of [${-weight.ndim}, ${weight.ndim - 1}], but got ${dim})`);
    const [u, v] = noGrad(() => {
      const mat = weightMatrix(weight.detach(), d);
      const create = { dtype: weight.dtype, device: weight.device };
      return [normalize(randn([mat.shape[0]!], create), 2, 0, eps), normalize(randn([mat.shape[1]!], create), 2, 0, eps)];
    });
    const attrs = module as unknown as Attrs;
    delete attrs[name];
    attrs[`${name}_orig`] = weight;
    attrs[name] = weight.detach();
    module.registerBuffer(`${name}_u`, u!);
    module.registerBuffer(`${name}_v`, v!);
    const hook: ForwardPreHook = (m) => {
      (m as unknown as Attrs)[name] = computeSpectralNorm(m, name, d, nPowerIterations, eps, m.training);
    };
    normHooks.set(hook, { kind: "spectralNorm", name });
    spectralSettings.set(hook, { dim: d, nPowerIterations, eps });
    module.registerForwardPreHook(hook);
    _markRecomputed(module, name, true);
    return module;
  },
  { group: "nn.utils", key: "nn.utils.spectralNorm" },
);

/**
 * Undoes spectralNorm: `module[name]` is a Parameter again, holding weight_orig / sigma
 * with the current u and v (no further iteration), and the buffers are gone
 * (torch.nn.utils.remove_spectral_norm). Returns the module.
 */
export const removeSpectralNorm: RemoveNormFn = defineOp(
  'removeSpectralNorm(Module module, str name="weight") -> Module',
  (module: Module, name: string): Module => {
    checkModule("removeSpectralNorm", module, name);
    const i = findHook(module, "spectralNorm", name);
    if (i < 0) throw new FluxionError(`removeSpectralNorm(): spectral_norm of '${name}' not found in ${module}`);
    const hooks = _forwardPreHooks(module);
    const s = spectralSettings.get(hooks[i]!)!;
    const weight = noGrad(() => computeSpectralNorm(module, name, s.dim, s.nPowerIterations, s.eps, false).detach());
    const attrs = module as unknown as Attrs;
    delete attrs[name];
    delete attrs[`${name}_u`];
    delete attrs[`${name}_v`];
    delete attrs[`${name}_orig`];
    attrs[name] = new Parameter(weight);
    hooks.splice(i, 1);
    _markRecomputed(module, name, false);
    return module;
  },
  { group: "nn.utils", key: "nn.utils.removeSpectralNorm" },
);

/**
 * nn.init: in-place initialisers (uniform_, normal_, xavier/kaiming, orthogonal_, ...) with
 * PyTorch's fan and gain rules, so every layer's default initialisation matches PyTorch's
 * and the same recipe trains the same way. All run under noGrad. Each is declared once with
 * PyTorch's signature (`kaimingUniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu",
 * *, generator)`), so positional calls, options objects and argument checks work as for ops.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import type { Generator } from "../tensor/random.js";
import { rand, randn, tensor, zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { readHost } from "../tensor/host_read.js";

export type Nonlinearity = "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "conv_transpose3d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";
export type FanMode = "fan_in" | "fan_out";
type Gen = { generator: Generator | null };
/** The options-object form of kaimingUniform_/kaimingNormal_'s arguments after the tensor. */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator | null;
}

// PyTorch's nn.init signatures (1.13), camelCased; the generator is keyword-only, as in later PyTorch
const NONLINEARITY = '"linear"|"conv1d"|"conv2d"|"conv3d"|"conv_transpose1d"|"conv_transpose2d"|"conv_transpose3d"|"sigmoid"|"tanh"|"relu"|"leaky_relu"|"selu"';
const SIGS = {
  calculateGain: `calculateGain(${NONLINEARITY} nonlinearity, float? param=null) -> float`,
  calculateFanInAndFanOut: "calculateFanInAndFanOut(Tensor tensor) -> Any",
  uniform_: "uniform_(Tensor tensor, float a=0.0, float b=1.0, *, Generator? generator=null) -> Tensor",
  normal_: "normal_(Tensor tensor, float mean=0.0, float std=1.0, *, Generator? generator=null) -> Tensor",
  constant_: "constant_(Tensor tensor, Scalar val) -> Tensor",
  zeros_: "zeros_(Tensor tensor) -> Tensor",
  ones_: "ones_(Tensor tensor) -> Tensor",
  eye_: "eye_(Tensor tensor) -> Tensor",
  xavierUniform_: "xavierUniform_(Tensor tensor, float gain=1.0, *, Generator? generator=null) -> Tensor",
  xavierNormal_: "xavierNormal_(Tensor tensor, float gain=1.0, *, Generator? generator=null) -> Tensor",
  kaimingUniform_: `kaimingUniform_(Tensor tensor, float a=0, "fan_in"|"fan_out" mode="fan_in", ${NONLINEARITY} nonlinearity="leaky_relu", *, Generator? generator=null) -> Tensor`,
  kaimingNormal_: `kaimingNormal_(Tensor tensor, float a=0, "fan_in"|"fan_out" mode="fan_in", ${NONLINEARITY} nonlinearity="leaky_relu", *, Generator? generator=null) -> Tensor`,
  truncNormal_: "truncNormal_(Tensor tensor, float mean=0.0, float std=1.0, float a=-2.0, float b=2.0, *, Generator? generator=null) -> Tensor",
  orthogonal_: "orthogonal_(Tensor tensor, float gain=1, *, Generator? generator=null) -> Tensor",
  dirac_: "dirac_(Tensor tensor, int groups=1) -> Tensor",
  sparse_: "sparse_(Tensor tensor, float sparsity, float std=0.01, *, Generator? generator=null) -> Tensor",
} as const;
/** Registry keys: Tensor.uniform_ and friends already use the bare names. */
const opts = (name: string) => ({ group: "nn.init", variants: "function", key: `nn.init.${name}` }) as const;

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); param is
 * leaky_relu's negative slope (default 0.01).
 * @example init.calculateGain("leaky_relu", 0.2) // √(2 / (1 + 0.2²))
 */
export const calculateGain = defineOp(SIGS.calculateGain, (nonlinearity: Nonlinearity, param: number | null): number => {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d": case "conv_transpose1d": case "conv_transpose2d": case "conv_transpose3d": case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
  }
}, opts("calculateGain"));

/** fan_in and fan_out of a weight: dims 1 and 0 times the receptive field size. */
export const calculateFanInAndFanOut: (tensor: Tensor) => { fanIn: number; fanOut: number } = defineOp(SIGS.calculateFanInAndFanOut, (t: Tensor) => {
  if (t.ndim < 2) throw new ShapeError(`calculateFanInAndFanOut: fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}, opts("calculateFanInAndFanOut"));

function fan(t: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === "fan_in" ? fanIn : fanOut;
}

/** Fills with U(a, b). @example init.uniform_(w, -0.1, 0.1) */
export const uniform_ = defineOp(SIGS.uniform_, (t: Tensor, a: number, b: number, { generator }: Gen) =>
  noGrad(() => t.uniform_(a, b, { generator })), opts("uniform_"));

/** Fills with N(mean, std²). */
export const normal_ = defineOp(SIGS.normal_, (t: Tensor, mean: number, std: number, { generator }: Gen) =>
  noGrad(() => t.normal_(mean, std, { generator })), opts("normal_"));

/** Fills with val. */
export const constant_ = defineOp(SIGS.constant_, (t: Tensor, val: number | boolean) => noGrad(() => t.fill_(val)), opts("constant_"));

export const zeros_ = defineOp(SIGS.zeros_, (t: Tensor) => noGrad(() => t.fill_(0)), opts("zeros_"));

export const ones_ = defineOp(SIGS.ones_, (t: Tensor) => noGrad(() => t.fill_(1)), opts("ones_"));

/** Identity matrix into a 2-D tensor. */
export const eye_ = defineOp(SIGS.eye_, (t: Tensor) => {
  if (t.ndim !== 2) throw new ShapeError(`eye_: only tensors with 2 dimensions are supported, got shape ${fmtShape(t.shape)}`);
  return noGrad(() => {
    t.zero_();
    const k = Math.min(t.shape[0]!, t.shape[1]!);
    for (let i = 0; i < k; i++) t.select(0, i).narrow(0, i, 1).fill_(1);
    return t;
  });
}, opts("eye_"));

let warnedZeroElement = false;
/**
 * PyTorch's fan-based initialisers do nothing to a tensor without elements (a layer with 0
 * input channels), with a warning, where the fan would divide by zero.
 */
function zeroElementNoOp(op: string, t: Tensor): Tensor {
  if (!warnedZeroElement) {
    warnedZeroElement = true;
    console.warn(`fluxion: ${op}: Initializing zero-element tensors is a no-op`);
  }
  return t;
}

/** U(-a, a) with a = gain·√(6 / (fan_in + fan_out)) (Glorot). */
export const xavierUniform_ = defineOp(SIGS.xavierUniform_, (t: Tensor, gain: number, gen: Gen) => {
  if (t.numel() === 0) return zeroElementNoOp("xavierUniform_", t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(3) * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a, gen);
}, opts("xavierUniform_"));

/** N(0, std²) with std = gain·√(2 / (fan_in + fan_out)) (Glorot). */
export const xavierNormal_ = defineOp(SIGS.xavierNormal_, (t: Tensor, gain: number, gen: Gen) => {
  if (t.numel() === 0) return zeroElementNoOp("xavierNormal_", t);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), gen);
}, opts("xavierNormal_"));

/**
 * U(-bound, bound) with bound = gain·√(3 / fan) (He); `a` is the negative slope of the
 * rectifier after this layer (leaky_relu).
 * @example init.kaimingUniform_(w, Math.sqrt(5)) // what nn.Linear does; also init.kaimingUniform_(w, { a: Math.sqrt(5) })
 */
export const kaimingUniform_ = defineOp(SIGS.kaimingUniform_, (t: Tensor, a: number, mode: FanMode, nonlinearity: Nonlinearity, gen: Gen) => {
  if (t.numel() === 0) return zeroElementNoOp("kaimingUniform_", t);
  const gain = calculateGain(nonlinearity, a);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan(t, mode)));
  return uniform_(t, -bound, bound, gen);
}, opts("kaimingUniform_"));

/** N(0, std²) with std = gain / √fan (He). @example init.kaimingNormal_(w, 0, "fan_out", "relu") */
export const kaimingNormal_ = defineOp(SIGS.kaimingNormal_, (t: Tensor, a: number, mode: FanMode, nonlinearity: Nonlinearity, gen: Gen) => {
  if (t.numel() === 0) return zeroElementNoOp("kaimingNormal_", t);
  const gain = calculateGain(nonlinearity, a);
  return normal_(t, 0, gain / Math.sqrt(fan(t, mode)), gen);
}, opts("kaimingNormal_"));

/** Normal values redrawn until inside [a, b] (torch.nn.init.trunc_normal_ up to sampling method). */
export const truncNormal_ = defineOp(SIGS.truncNormal_, (t: Tensor, mean: number, std: number, a: number, b: number, { generator }: Gen) => {
  if (!Number.isFinite(mean) || !(std > 0 && std < Infinity) || !(a < b)) {
    throw new FluxionError(`truncNormal_: expected a finite mean, a positive finite std and a < b, got mean=${mean}, std=${std}, a=${a}, b=${b}`);
  }
  return noGrad(() => {
    const n = t.numel();
    const vals = new Float64Array(n);
    // rejection sampling in batches of float64 normals (one draw each), bounded: [a, b] far out
    // in the tails would otherwise never fill
    let budget = 1000 * n + 1000, filled = 0;
    while (filled < n) {
      const m = Math.min(Math.max(n - filled, 64), budget);
      if (m === 0) throw new FluxionError(`truncNormal_: [a, b] = [${a}, ${b}] holds too little of N(${mean}, ${std}²) to sample (mean more than a few std outside it)`);
      budget -= m;
      const z = readHost<Float64Array>(randn([m], { dtype: "float64", generator: generator ?? undefined }), "truncNormal_"); // initialization, on the host
      for (let i = 0; i < m && filled < n; i++) {
        const v = mean + std * z[i]!;
        if (v >= a && v <= b) vals[filled++] = v;
      }
    }
    return t.copy_(tensorFrom(vals, t));
  });
}, opts("truncNormal_"));

/** A (semi-)orthogonal matrix from the QR decomposition of a normal matrix (torch's recipe). */
export const orthogonal_ = defineOp(SIGS.orthogonal_, (t: Tensor, gain: number, { generator }: Gen): Tensor => {
  if (t.ndim < 2) throw new ShapeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(t.shape)}`);
  const rows = t.shape[0]!, cols = t.numel() / rows;
  const transpose = rows < cols;
  const [m, n] = transpose ? [cols, rows] : [rows, cols];
  const a = Array.from(readHost<Float64Array>(randn([m, n], { dtype: "float64", generator }), "orthogonal_")); // QR on the host: initialization, not a training step
  // modified Gram-Schmidt QR of the m x n matrix a (m >= n): q has orthonormal columns
  const q = new Float64Array(m * n);
  const rDiag = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = a[i * n + j]!;
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i * n + k]! * v[i]!;
      for (let i = 0; i < m; i++) v[i]! -= dot * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    rDiag[j] = norm;
    for (let i = 0; i < m; i++) q[i * n + j] = v[i]! / norm;
  }
  // sign fix (q * sign(diag r)) makes the distribution uniform, as torch does; R's diagonal is positive here already
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    const v = gain * q[i * n + j]!;
    if (transpose) out[j * cols + i] = v;
    else out[i * cols + j] = v;
  }
  return noGrad(() => t.copy_(tensorFrom(out, t)));
}, opts("orthogonal_"));

function tensorFrom(values: Float64Array, like: Tensor): Tensor {
  return tensor(values, { shape: like.shape, dtype: "float64" }).to(like.dtype);
}

/**
 * The Dirac delta of a convolution's weight [out, in, *kernel] (3-, 4- or 5-D): each output
 * channel of each of `groups` groups passes its own input channel through at the kernel's
 * centre, so the layer starts as the identity on the channels it keeps (torch.nn.init.dirac_).
 */
export const dirac_ = defineOp(SIGS.dirac_, (t: Tensor, groups: number): Tensor => {
  if (t.ndim < 3 || t.ndim > 5) throw new ShapeError(`dirac_: only tensors with 3, 4, or 5 dimensions are supported, got shape ${fmtShape(t.shape)}`);
  if (!(groups >= 1) || t.shape[0]! % groups !== 0) throw new FluxionError(`dirac_: dim 0 (${t.shape[0]}) must be divisible by groups (${groups})`);
  const outPerGroup = t.shape[0]! / groups, n = Math.min(outPerGroup, t.shape[1]!);
  // the flat positions of [g * outPerGroup + d, d, centre...] for d < n in each group
  const inner = t.shape.slice(2).reduce((a, b) => a * b, 1), centre = t.shape.slice(2).reduce((acc, k, i, ks) => acc + Math.floor(k / 2) * ks.slice(i + 1).reduce((a, b) => a * b, 1), 0);
  const rowStride = t.shape[1]! * inner;
  const positions: number[] = [];
  for (let g = 0; g < groups; g++) for (let d = 0; d < n; d++) positions.push((g * outPerGroup + d) * rowStride + d * inner + centre);
  return noGrad(() => t.copy_(zeros([t.numel()], { dtype: t.dtype, device: t.device }).indexFill(0, tensor(positions, { dtype: "int64", device: t.device }), 1).reshape(t.shape)));
}, opts("dirac_"));

/**
 * A sparse 2-D matrix: N(0, std²) values with a `sparsity` fraction of each column (rounded
 * up) set to zero, at rows drawn independently per column (torch.nn.init.sparse_).
 */
export const sparse_ = defineOp(SIGS.sparse_, (t: Tensor, sparsity: number, std: number, { generator }: Gen): Tensor => {
  if (t.ndim !== 2) throw new ShapeError(`sparse_: only tensors with 2 dimensions are supported, got shape ${fmtShape(t.shape)}`);
  if (!(sparsity >= 0 && sparsity <= 1)) throw new FluxionError(`sparse_: sparsity must be in [0, 1], got ${sparsity}`);
  const [rows, cols] = t.shape as [number, number];
  const numZeros = Math.ceil(sparsity * rows);
  return noGrad(() => {
    normal_(t, 0, std, { generator });
    if (numZeros === 0 || cols === 0) return t;
    // a random permutation of the rows per column: the order of random keys
    const order = rand([rows, cols], { generator }).argsort(0).narrow(0, 0, numZeros);
    return t.scatter_(0, order, 0);
  });
}, opts("sparse_"));

// ---- PyTorch's deprecated names without the underscore ------------------------------------

const warnedDeprecated = new Set<string>();
/** `name` (nn.init.normal ...): the in-place initializer `name_` under its pre-0.4 name, warning once as PyTorch does. */
type InPlaceName = { [K in keyof typeof SIGS]: K extends `${infer N}_` ? N : never }[keyof typeof SIGS];
function deprecatedAlias<F extends (...a: never[]) => unknown>(name: InPlaceName, fn: F): F {
  const decl = SIGS[`${name}_` as keyof typeof SIGS].replace(`${name}_(`, `${name}(`);
  return defineOp(decl, (...args: unknown[]) => {
    if (!warnedDeprecated.has(name)) {
      warnedDeprecated.add(name);
      console.warn(`fluxion: nn.init.${name} is now deprecated in favor of nn.init.${name}_.`);
    }
    // the bound values (and the keyword-only options object, where there is one) in the same order
    return (fn as unknown as (...a: unknown[]) => unknown)(...args);
  }, opts(name)) as unknown as F;
}

export const uniform = deprecatedAlias("uniform", uniform_);
export const normal = deprecatedAlias("normal", normal_);
export const constant = deprecatedAlias("constant", constant_);
export const eye = deprecatedAlias("eye", eye_);
export const dirac = deprecatedAlias("dirac", dirac_);
export const xavierUniform = deprecatedAlias("xavierUniform", xavierUniform_);
export const xavierNormal = deprecatedAlias("xavierNormal", xavierNormal_);
export const kaimingUniform = deprecatedAlias("kaimingUniform", kaimingUniform_);
export const kaimingNormal = deprecatedAlias("kaimingNormal", kaimingNormal_);
export const orthogonal = deprecatedAlias("orthogonal", orthogonal_);
export const sparse = deprecatedAlias("sparse", sparse_);

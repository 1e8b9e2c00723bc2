/**
 * nn.init: in-place initialisers (uniform_, normal_, xavier/kaiming, orthogonal_, ...) with
 * PyTorch's fan and gain rules, so every layer's default initialisation matches PyTorch's
 * and the same recipe trains the same way. All run under noGrad.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { randn, tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";

export type Nonlinearity = "linear" | "conv1d" | "conv2d" | "conv3d" | "conv_transpose1d" | "conv_transpose2d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";
export type FanMode = "fan_in" | "fan_out";
interface GenOpt {
  generator?: Generator;
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "conv3d": case "conv_transpose1d": case "conv_transpose2d": case "sigmoid":
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
    default:
      throw new FluxionError(`calculateGain: unsupported nonlinearity ${nonlinearity}`);
  }
}

/** fan_in and fan_out of a weight: dims 1 and 0 times the receptive field size. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ShapeError(`calculateFanInAndFanOut: fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape ${fmtShape(t.shape)})`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function fan(t: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === "fan_in" ? fanIn : fanOut;
}

export function uniform_(t: Tensor, a = 0, b = 1, opts?: GenOpt): Tensor {
  return noGrad(() => t.uniform_(a, b, { generator: opts?.generator }));
}
export function normal_(t: Tensor, mean = 0, std = 1, opts?: GenOpt): Tensor {
  return noGrad(() => t.normal_(mean, std, { generator: opts?.generator }));
}
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}
/** Identity matrix into a 2-D tensor. */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new ShapeError(`eye_: only tensors with 2 dimensions are supported, got shape ${fmtShape(t.shape)}`);
  return noGrad(() => {
    t.zero_();
    const k = Math.min(t.shape[0]!, t.shape[1]!);
    for (let i = 0; i < k; i++) t.select(0, i).narrow(0, i, 1).fill_(1);
    return t;
  });
}

export function xavierUniform_(t: Tensor, gain = 1, opts?: GenOpt): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(3) * Math.sqrt(2 / (fanIn + fanOut));
  return uniform_(t, -a, a, opts);
}
export function xavierNormal_(t: Tensor, gain = 1, opts?: GenOpt): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

export interface KaimingOptions extends GenOpt {
  /** Negative slope of the rectifier after this layer (leaky_relu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}
export function kaimingUniform_(t: Tensor, opts?: KaimingOptions): Tensor {
  const gain = calculateGain(opts?.nonlinearity ?? "leaky_relu", opts?.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fan(t, opts?.mode ?? "fan_in")));
  return uniform_(t, -bound, bound, opts);
}
export function kaimingNormal_(t: Tensor, opts?: KaimingOptions): Tensor {
  const gain = calculateGain(opts?.nonlinearity ?? "leaky_relu", opts?.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan(t, opts?.mode ?? "fan_in")), opts);
}

/** Normal values redrawn until inside [a, b] (torch.nn.init.trunc_normal_ up to sampling method). */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, opts?: GenOpt): Tensor {
  const g = opts?.generator ?? defaultGenerator;
  return noGrad(() => {
    const n = t.numel();
    const vals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v: number;
      do v = mean + std * g.nextNormal(); while (v < a || v > b);
      vals[i] = v;
    }
    return t.copy_(tensorFrom(vals, t));
  });
}

/** A (semi-)orthogonal matrix from the QR decomposition of a normal matrix (torch's recipe). */
export function orthogonal_(t: Tensor, gain = 1, opts?: GenOpt): Tensor {
  if (t.ndim < 2) throw new ShapeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(t.shape)}`);
  const rows = t.shape[0]!, cols = t.numel() / rows;
  const transpose = rows < cols;
  const [m, n] = transpose ? [cols, rows] : [rows, cols];
  const a = Array.from(randn([m, n], { dtype: "float64", generator: opts?.generator }).toTypedArray() as Float64Array);
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
}

function tensorFrom(values: Float64Array, like: Tensor): Tensor {
  return tensor(values, { shape: like.shape, dtype: "float64" }).to(like.dtype);
}

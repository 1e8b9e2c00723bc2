/**
 * F.fractionalMaxPool2d and 3d (Graham's fractional max pooling): max over kh x kw windows whose
 * start rows and columns advance by a non-integer stride, pseudo-randomly, so the output can
 * be any size up to H - kh + 1 by W - kw + 1. As PyTorch 1.13: each [n, c] plane has two
 * samples u in [0, 1) (`_randomSamples` [N, C, 2]: u[0] for the columns, u[1] for the rows,
 * drawn fresh each call unless given) and output position i starts at
 *
 *   trunc((i + u) · α) - trunc(u · α),  α = (in - k) / (out - 1),  the last at in - k,
 *
 * computed on the device in the input's dtype (so float32 rounds as PyTorch's does). The
 * windows are read with gathers and reduced with max, so autograd scatters the gradient to
 * the winners. Indices (with returnIndices) are flat h·W + w positions per plane, int32 as
 * this library's other pooling indices (PyTorch: int64); F.maxUnpool2d takes them. The 3-D
 * form is the same over [T, H, W] windows with three samples per plane.
 */
import { noGrad } from "../../autograd/grad_mode.js";
import { DTypeError, DeviceError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { assertAll } from "../../ops/advanced_indexing.js";
import { cat, stack } from "../../ops/shape_ops.js";
import { arange, full, rand } from "../../tensor/creation.js";
import type { Generator } from "../../tensor/random.js";
import { shapesEqual } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf, type IntOrPair } from "./conv.js";
import type { IntOrTriple } from "./conv3d.js";
import { defineF } from "./define.js";
import type { Fn } from "../../api/types.js";

export interface FractionalMaxPool3dOptions {
  /** The output's [T, H, W] (or one size for all); this or outputRatio. */
  outputSize?: IntOrTriple | null;
  /** The output size as a fraction of the input's, in (0, 1) (one for all dims or [t, h, w]). */
  outputRatio?: number | readonly [number, number, number] | null;
  /** Also return the winners' flat positions. */
  returnIndices?: boolean;
  /** [N, C, 3] samples in [0, 1) fixing the windows (default: drawn from the generator). */
  _randomSamples?: Tensor | null;
  generator?: Generator;
}

export interface FractionalMaxPool2dOptions {
  /** The output's [H, W] (or one size for both); this or outputRatio. */
  outputSize?: IntOrPair | null;
  /** The output size as a fraction of the input's, in (0, 1) (one for both dims or [h, w]). */
  outputRatio?: number | readonly [number, number] | null;
  /** Also return the winners' flat positions. */
  returnIndices?: boolean;
  /** [N, C, 2] samples in [0, 1) fixing the windows (default: drawn from the generator). */
  _randomSamples?: Tensor | null;
  generator?: Generator;
}

/** The window starts of one axis for every plane: [..., out] int32, from samples [...]. */
function intervals(samples: Tensor, inSize: number, outSize: number, pool: number): Tensor {
  const lead = samples.shape;
  const last = full([...lead, 1], inSize - pool, { dtype: "int32", device: samples.device });
  if (outSize <= 1) return outSize === 1 ? last : last.narrow(-1, 0, 0);
  // α as PyTorch computes it, in the samples' dtype (float32 division rounded once)
  const exact = (inSize - pool) / (outSize - 1);
  const alpha = samples.dtype === "float64" ? exact : Math.fround(exact);
  const u = samples.unsqueeze(-1);
  const i = arange(outSize - 1, { dtype: samples.dtype, device: samples.device });
  const starts = i.add(u).mul(alpha).trunc().sub(u.mul(alpha).trunc()).to("int32");
  return cat([starts, last.expand([...lead, 1])], -1);
}

/**
 * 2-D fractional max pooling over [N, C, H, W] (or [C, H, W]).
 * @example F.fractionalMaxPool2d(x, 3, { outputSize: [13, 12] })
 * @example F.fractionalMaxPool2d(x, 2, { outputRatio: 0.5, returnIndices: true }) // [output, indices]
 */
export function fractionalMaxPool2d(input: Tensor, kernelSize: IntOrPair, opts?: FractionalMaxPool2dOptions): Tensor | [Tensor, Tensor] {
  return fractionalMaxPoolNd("fractionalMaxPool2d", 2, input, kernelSize, opts as FractionalMaxPoolOptions);
}

/**
 * 3-D fractional max pooling over [N, C, T, H, W] (or [C, T, H, W]); `_randomSamples` is
 * [N, C, 3] (u[0] for T, u[1] for H, u[2] for W, as PyTorch's); indices are flat t·H·W + h·W + w.
 * @example F.fractionalMaxPool3d(x, 2, { outputSize: [4, 5, 6] })
 */
export function fractionalMaxPool3d(input: Tensor, kernelSize: IntOrTriple, opts?: FractionalMaxPool3dOptions): Tensor | [Tensor, Tensor] {
  return fractionalMaxPoolNd("fractionalMaxPool3d", 3, input, kernelSize, opts as FractionalMaxPoolOptions);
}

interface FractionalMaxPoolOptions {
  outputSize?: number | readonly number[] | null;
  outputRatio?: number | readonly number[] | null;
  returnIndices?: boolean;
  _randomSamples?: Tensor | null;
  generator?: Generator;
}

/** Fractional max pooling over the last `nd` dims (2 or 3). */
function fractionalMaxPoolNd(op: string, nd: 2 | 3, input: Tensor, kernelSize: number | readonly number[], opts?: FractionalMaxPoolOptions): Tensor | [Tensor, Tensor] {
  const dims = nd === 2 ? "3D or 4D" : "4D or 5D";
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2) throw new ShapeError(`${op}: Expected ${dims} tensor, but got: ${fmtShape(input.shape)}`);
  if (!input.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point input, got ${input.dtype}`);
  for (let d = 1; d < input.ndim; d++) {
    if (input.shape[d] === 0) throw new ShapeError(`${op}: Expected input to have non-zero size for non-batch dimensions, but got ${fmtShape(input.shape)} with dimension ${d} being empty.`);
  }
  const k = _tupleOf(op, "kernelSize", kernelSize, nd, 1);
  const x = input.ndim === nd + 1 ? input.unsqueeze(0) : input;
  const [N, C] = x.shape as [number, number];
  const sizes = x.shape.slice(2);
  const { outputSize, outputRatio } = opts ?? {};
  let out: number[];
  if (outputSize !== null && outputSize !== undefined) {
    if (outputRatio !== null && outputRatio !== undefined) throw new FluxionError(`${op}: only one of outputSize and outputRatio may be specified`);
    out = _tupleOf(op, "outputSize", outputSize, nd);
  } else if (outputRatio !== null && outputRatio !== undefined) {
    const r = typeof outputRatio === "number" ? new Array<number>(nd).fill(outputRatio) : [...outputRatio];
    if (r.length !== nd || !r.every((v) => typeof v === "number" && v > 0 && v < 1)) throw new FluxionError(`${op}: outputRatio must be between 0 and 1 (got ${JSON.stringify(outputRatio)})`);
    out = sizes.map((s, a) => Math.trunc(s * r[a]!));
  } else {
    throw new FluxionError(`${op}: requires specifying either an outputSize or an outputRatio`);
  }
  const axisNames = nd === 2 ? ["height", "width"] : ["time", "height", "width"];
  sizes.forEach((s, a) => {
    if (out[a]! + k[a]! - 1 > s) {
      throw new ShapeError(`${op}: pool ${axisNames[a]} ${k[a]} too large relative to input ${axisNames[a]} ${s} for output ${axisNames[a]} ${out[a]} (input shape ${fmtShape(input.shape)})`);
    }
  });

  let samples = opts?._randomSamples ?? null;
  if (samples === null) samples = rand([N, C, nd], { dtype: input.dtype, device: input.device, generator: opts?.generator });
  else {
    if (!shapesEqual(samples.shape, [N, C, nd])) throw new ShapeError(`${op}: expected _randomSamples of shape ${fmtShape([N, C, nd])} (batch, channels, ${nd}), got ${fmtShape(samples.shape)}`);
    if (samples.dtype !== input.dtype) throw new DTypeError(`${op}: expected _randomSamples of the input's dtype ${input.dtype}, got ${samples.dtype}`);
    if (samples.device !== input.device) throw new DeviceError(`${op}: _randomSamples is on ${samples.device} but the input is on ${input.device}`);
    const s = samples;
    noGrad(() => assertAll(s.ge(0).logicalAnd(s.le(1)), `${op}: _randomSamples must lie in [0, 1]`));
  }
  // which sample drives which axis: PyTorch's 2-D kernel takes u[0] for the width, u[1] for the
  // height; its 3-D one u[0], u[1], u[2] for time, height, width
  const sampleOf = nd === 2 ? [1, 0] : [0, 1, 2];
  // flat strides of the spatial axes in one plane
  const strides = sizes.map((_, a) => sizes.slice(a + 1).reduce((p, v) => p * v, 1));
  // window corners [N, C, ...out] as flat positions in a plane
  let base: Tensor | null = null;
  for (let a = 0; a < nd; a++) {
    const starts = intervals(samples.select(2, sampleOf[a]!), sizes[a]!, out[a]!, k[a]!).mul(strides[a]!); // [N, C, out_a]
    const shaped = starts.reshape([N, C, ...out.map((o, b) => (b === a ? o : 1))]);
    base = base === null ? shaped : base.add(shaped);
  }
  // every window offset, row-major as PyTorch scans them (the first maximum wins ties)
  const offsets: Tensor[] = [];
  const K = k.reduce((p, v) => p * v, 1);
  for (let i = 0; i < K; i++) {
    let off = 0;
    for (let a = nd - 1, rest = i; a >= 0; a--) {
      off += (rest % k[a]!) * strides[a]!;
      rest = Math.floor(rest / k[a]!);
    }
    offsets.push(off === 0 ? base! : base!.add(off));
  }
  const Q = out.reduce((p, v) => p * v, 1);
  const plane = sizes.reduce((p, v) => p * v, 1);
  const index = stack(offsets, 2).reshape([N, C, K * Q]);
  const values = x.reshape([N, C, plane]).gather(2, index).reshape([N, C, K, Q]);
  const [best, which] = values.max(2, true) as unknown as [Tensor, Tensor];
  let result = best.reshape([N, C, ...out]);
  if (input.ndim === nd + 1) result = result.squeeze(0);
  if (!opts?.returnIndices) return result;
  let indices = index.reshape([N, C, K, Q]).gather(2, which).reshape([N, C, ...out]);
  if (input.ndim === nd + 1) indices = indices.squeeze(0);
  return [result, indices];
}

const DECL = "fractionalMaxPool2d(Tensor input, int[2] kernelSize, int[2]? outputSize=null, float|float[2]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null, *, Generator? generator=null) -> Tensor";
const DECL3 = "fractionalMaxPool3d(Tensor input, int[3] kernelSize, int[3]? outputSize=null, float|float[3]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null, *, Generator? generator=null) -> Tensor";
const DECL_IDX = "fractionalMaxPool2dWithIndices(Tensor input, int[2] kernelSize, int[2]? outputSize=null, float|float[2]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null, *, Generator? generator=null) -> (Tensor, Tensor)";
const DECL3_IDX = "fractionalMaxPool3dWithIndices(Tensor input, int[3] kernelSize, int[3]? outputSize=null, float|float[3]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null, *, Generator? generator=null) -> (Tensor, Tensor)";
type Opt<T> = T | undefined;
/** With returnIndices true the result is [output, indices] (the declaration's types say Tensor). */
type WithIndices<K, R> = {
  (input: Tensor, kernelSize: K, opts: { outputSize?: K | null; outputRatio?: R | null; returnIndices: true; _randomSamples?: Tensor | null; generator?: Generator | null }): [Tensor, Tensor];
  (input: Tensor, kernelSize: K, outputSize: Opt<K | null>, outputRatio: Opt<R | null>, returnIndices: true, _randomSamples?: Tensor | null): [Tensor, Tensor];
};
type Impl = (op: string, nd: 2 | 3, x: Tensor, k: number | number[], opts: FractionalMaxPoolOptions) => Tensor | [Tensor, Tensor];
/** A declared form's implementation: PyTorch's positional order, `always` giving the tuple whatever returnIndices says (the *WithIndices forms). */
const bind = (op: string, nd: 2 | 3, always: boolean, impl: Impl = fractionalMaxPoolNd) =>
  (x: Tensor, k: number | number[], outputSize: number | number[] | null, outputRatio: number | number[] | null, returnIndices: boolean, _randomSamples: Tensor | null, { generator }: { generator: Generator | null }) =>
    impl(op, nd, x, k, { outputSize, outputRatio, returnIndices: always || returnIndices, _randomSamples, generator: generator ?? undefined });

/**
 * The declared forms `F` exports (torch.nn.functional's signatures and positional order, plus
 * a keyword-only generator). The *WithIndices forms always return [output, indices], as PyTorch's.
 */
export const FRACTIONAL_MAX_POOL_FNS = {
  fractionalMaxPool2d: defineF(DECL, bind("fractionalMaxPool2d", 2, false)) as WithIndices<IntOrPair, number | readonly [number, number]> & Fn<typeof DECL>,
  fractionalMaxPool3d: defineF(DECL3, bind("fractionalMaxPool3d", 3, false)) as WithIndices<IntOrTriple, number | readonly [number, number, number]> & Fn<typeof DECL3>,
  fractionalMaxPool2dWithIndices: defineF(DECL_IDX, bind("fractionalMaxPool2dWithIndices", 2, true)),
  fractionalMaxPool3dWithIndices: defineF(DECL3_IDX, bind("fractionalMaxPool3dWithIndices", 3, true)),
};

/**
 * F.fractionalMaxPool2d (Graham's fractional max pooling): max over kh x kw windows whose
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
 * this library's other pooling indices (PyTorch: int64); F.maxUnpool2d takes them.
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
import { defineF } from "./define.js";
import type { Fn } from "../../api/types.js";

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
  const op = "fractionalMaxPool2d";
  if (input.ndim !== 3 && input.ndim !== 4) throw new ShapeError(`${op}: Expected 3D or 4D tensor, but got: ${fmtShape(input.shape)}`);
  if (!input.isFloatingPoint()) throw new DTypeError(`${op}: expected a floating point input, got ${input.dtype}`);
  for (let d = 1; d < input.ndim; d++) {
    if (input.shape[d] === 0) throw new ShapeError(`${op}: Expected input to have non-zero size for non-batch dimensions, but got ${fmtShape(input.shape)} with dimension ${d} being empty.`);
  }
  const [kh, kw] = _tupleOf(op, "kernelSize", kernelSize, 2, 1) as [number, number];
  const x = input.ndim === 3 ? input.unsqueeze(0) : input;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const { outputSize, outputRatio } = opts ?? {};
  let oh: number, ow: number;
  if (outputSize !== null && outputSize !== undefined) {
    if (outputRatio !== null && outputRatio !== undefined) throw new FluxionError(`${op}: only one of outputSize and outputRatio may be specified`);
    [oh, ow] = _tupleOf(op, "outputSize", outputSize, 2) as [number, number];
  } else if (outputRatio !== null && outputRatio !== undefined) {
    const r = typeof outputRatio === "number" ? [outputRatio, outputRatio] : [...outputRatio];
    if (r.length !== 2 || !r.every((v) => typeof v === "number" && v > 0 && v < 1)) throw new FluxionError(`${op}: outputRatio must be between 0 and 1 (got ${JSON.stringify(outputRatio)})`);
    [oh, ow] = [Math.trunc(H * r[0]!), Math.trunc(W * r[1]!)];
  } else {
    throw new FluxionError(`${op}: requires specifying either an outputSize or an outputRatio`);
  }
  if (oh + kh - 1 > H) throw new ShapeError(`${op}: pool height ${kh} too large relative to input height ${H} for output height ${oh} (input shape ${fmtShape(input.shape)})`);
  if (ow + kw - 1 > W) throw new ShapeError(`${op}: pool width ${kw} too large relative to input width ${W} for output width ${ow} (input shape ${fmtShape(input.shape)})`);

  let samples = opts?._randomSamples ?? null;
  if (samples === null) samples = rand([N, C, 2], { dtype: input.dtype, device: input.device, generator: opts?.generator });
  else {
    if (!shapesEqual(samples.shape, [N, C, 2])) throw new ShapeError(`${op}: expected _randomSamples of shape ${fmtShape([N, C, 2])} (batch, channels, 2), got ${fmtShape(samples.shape)}`);
    if (samples.dtype !== input.dtype) throw new DTypeError(`${op}: expected _randomSamples of the input's dtype ${input.dtype}, got ${samples.dtype}`);
    if (samples.device !== input.device) throw new DeviceError(`${op}: _randomSamples is on ${samples.device} but the input is on ${input.device}`);
    const s = samples;
    noGrad(() => assertAll(s.ge(0).logicalAnd(s.le(1)), `${op}: _randomSamples must lie in [0, 1]`));
  }
  const rows = intervals(samples.select(2, 1), H, oh, kh); // [N, C, oh]
  const cols = intervals(samples.select(2, 0), W, ow, kw); // [N, C, ow]
  const base = rows.mul(W).unsqueeze(-1).add(cols.unsqueeze(-2)); // [N, C, oh, ow] window corners
  // every window offset, row-major as PyTorch scans them (the first maximum wins ties)
  const offsets: Tensor[] = [];
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) offsets.push(a * W + b === 0 ? base : base.add(a * W + b));
  const Q = oh * ow, K = kh * kw;
  const index = stack(offsets, 2).reshape([N, C, K * Q]);
  const values = x.reshape([N, C, H * W]).gather(2, index).reshape([N, C, K, Q]);
  const [best, which] = values.max(2, true) as unknown as [Tensor, Tensor];
  let out = best.reshape([N, C, oh, ow]);
  if (input.ndim === 3) out = out.squeeze(0);
  if (!opts?.returnIndices) return out;
  let indices = index.reshape([N, C, K, Q]).gather(2, which).reshape([N, C, oh, ow]);
  if (input.ndim === 3) indices = indices.squeeze(0);
  return [out, indices];
}

const DECL = "fractionalMaxPool2d(Tensor input, int[2] kernelSize, int[2]? outputSize=null, float|float[2]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null, *, Generator? generator=null) -> Tensor";
type Opt<T> = T | undefined;
/** With returnIndices true the result is [output, indices] (the declaration's types say Tensor). */
type WithIndices = {
  (input: Tensor, kernelSize: IntOrPair, opts: Omit<FractionalMaxPool2dOptions, "returnIndices" | "generator"> & { returnIndices: true; generator?: Generator | null }): [Tensor, Tensor];
  (input: Tensor, kernelSize: IntOrPair, outputSize: Opt<IntOrPair | null>, outputRatio: Opt<number | readonly [number, number] | null>, returnIndices: true, _randomSamples?: Tensor | null): [Tensor, Tensor];
};

/** The declared form `F` exports (torch.nn.functional's signature and positional order, plus a keyword-only generator). */
export const FRACTIONAL_MAX_POOL_FNS = {
  fractionalMaxPool2d: defineF(DECL, (x: Tensor, k: IntOrPair, outputSize: IntOrPair | null, outputRatio: number | [number, number] | null, returnIndices: boolean, _randomSamples: Tensor | null, { generator }: { generator: Generator | null }) =>
    fractionalMaxPool2d(x, k, { outputSize, outputRatio, returnIndices, _randomSamples, generator: generator ?? undefined })) as WithIndices & Fn<typeof DECL>,
};

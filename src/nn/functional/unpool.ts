/**
 * F.maxUnpool1d/2d/3d: the partial inverse of max pooling. Each input value is written at
 * its index (a flat position in the output plane/volume, as max pooling returns them) of a
 * zero output: one scatter primitive per call; its gradient gathers the output gradient back
 * at the same indices. Output sizes and checks are PyTorch 1.13's (_unpool_output_size).
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { _scatterWithRule } from "../../ops/advanced_indexing.js";
import { zeros } from "../../tensor/creation.js";
import { isFloating } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf } from "./conv.js";
import { defineF } from "./define.js";

type Size = number | readonly number[];

export interface MaxUnpoolOptions {
  /** Default: kernelSize. */
  stride?: Size | null;
  padding?: Size;
  /** The output's spatial size (or its full size); default (in - 1)·stride - 2·padding + kernel. */
  outputSize?: readonly number[] | null;
}

const DIMS = ["[N, C, L]", "[N, C, H, W]", "[N, C, D, H, W]"];

/** PyTorch's _unpool_output_size. */
function unpoolOutputSize(op: string, inSize: readonly number[], k: number[], s: number[], p: number[], outputSize: readonly number[] | null | undefined): number[] {
  const n = k.length;
  const dflt = inSize.map((v, d) => (v - 1) * s[d]! + k[d]! - 2 * p[d]!);
  if (outputSize === null || outputSize === undefined) return dflt;
  let size = [...outputSize];
  if (size.length === n + 2) size = size.slice(2);
  if (size.length !== n) throw new ShapeError(`${op}: outputSize should be a sequence containing ${n} or ${n + 2} elements, but it has a length of '${outputSize.length}'`);
  size.forEach((v, d) => {
    const lo = dflt[d]! - s[d]!, hi = dflt[d]! + s[d]!;
    if (!(Number.isInteger(v) && lo < v && v < hi)) throw new ShapeError(`${op}: invalid outputSize ${JSON.stringify(outputSize)} (dim ${d} must be between ${lo} and ${hi})`);
  });
  return size;
}

function maxUnpool(op: string, n: number, x: Tensor, indices: Tensor, kernelSize: Size, opts?: MaxUnpoolOptions): Tensor {
  if (x.ndim !== n + 1 && x.ndim !== n + 2) throw new ShapeError(`${op}: expected a ${n + 1}-D or ${n + 2}-D input ${DIMS[n - 1]}, got shape ${fmtShape(x.shape)}`);
  if (isFloating(indices.dtype) || indices.dtype === "bool") throw new FluxionError(`${op}: expected indices to be an integer tensor, got ${indices.dtype}`);
  if (indices.ndim !== x.ndim || indices.shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(`${op}: Expected shape of indices to be same as that of the input tensor (${fmtShape(x.shape)}) but got indices tensor with shape: ${fmtShape(indices.shape)}`);
  }
  const k = _tupleOf(op, "kernelSize", kernelSize, n, 1);
  const s = opts?.stride === null || opts?.stride === undefined ? k : _tupleOf(op, "stride", opts.stride, n, 1);
  const p = _tupleOf(op, "padding", opts?.padding ?? 0, n);
  const unbatched = x.ndim === n + 1;
  const lead = unbatched ? [1, x.shape[0]!] : x.shape.slice(0, 2);
  const outSize = unpoolOutputSize(op, x.shape.slice(-n), k, s, p, opts?.outputSize);
  if (outSize.some((v) => v <= 0)) throw new ShapeError(`${op}: output size (${outSize.join(", ")}) must be positive (input ${fmtShape(x.shape)})`);
  const volume = outSize.reduce((a, b) => a * b, 1);
  const flatIdx = indices.reshape([lead[0]!, lead[1]!, -1]);
  // the scatter kernel checks the indices (no host read); an index outside the output is the
  // caller's error, named as PyTorch's kernel names it
  const rule = { error: `${op}: Found an invalid max index: {index} (output volumes are of size ${outSize.join("x")})` };
  const idx = flatIdx.dtype === "int32" || flatIdx.dtype === "int64" ? flatIdx : flatIdx.to("int32");
  const base = zeros([lead[0]!, lead[1]!, volume], { dtype: x.dtype, device: x.device });
  const out = _scatterWithRule(base, 2, idx, x.reshape([lead[0]!, lead[1]!, -1]), rule).reshape([...lead, ...outSize]);
  return unbatched ? out.squeeze(0) : out;
}

/**
 * Inverse of maxPool1d: [N, C, L] values and their indices -> [N, C, L'] with zeros elsewhere.
 * @example const [y, i] = F.maxPool1d(x, 2, { returnIndices: true }); F.maxUnpool1d(y, i, 2) // x's maxima in place, zeros elsewhere
 */
export function maxUnpool1d(x: Tensor, indices: Tensor, kernelSize: Size, opts?: MaxUnpoolOptions): Tensor {
  return maxUnpool("maxUnpool1d", 1, x, indices, kernelSize, opts);
}
/**
 * Inverse of maxPool2d: [N, C, H, W] values and their indices -> [N, C, H', W'] with zeros elsewhere.
 * @example const [y, i] = F.maxPool2d(x, 2, { returnIndices: true }); F.maxUnpool2d(y, i, 2)
 */
export function maxUnpool2d(x: Tensor, indices: Tensor, kernelSize: Size, opts?: MaxUnpoolOptions): Tensor {
  return maxUnpool("maxUnpool2d", 2, x, indices, kernelSize, opts);
}
/**
 * Inverse of maxPool3d: [N, C, D, H, W] values and their indices -> [N, C, D', H', W'].
 * @example const [y, i] = F.maxPool3d(x, 2, { returnIndices: true }); F.maxUnpool3d(y, i, 2)
 */
export function maxUnpool3d(x: Tensor, indices: Tensor, kernelSize: Size, opts?: MaxUnpoolOptions): Tensor {
  return maxUnpool("maxUnpool3d", 3, x, indices, kernelSize, opts);
}

type Impl = (x: Tensor, indices: Tensor, k: Size, stride: Size | null, padding: Size, outputSize: number | number[] | null) => Tensor;
const bound = (impl: typeof maxUnpool1d): Impl => (x, indices, k, stride, padding, outputSize) =>
  impl(x, indices, k, { stride, padding, outputSize: typeof outputSize === "number" ? [outputSize] : outputSize });

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const UNPOOL_FNS = {
  maxUnpool1d: defineF("maxUnpool1d(Tensor input, Tensor indices, int[1] kernelSize, int[1]? stride=null, int[1] padding=0, int[]? outputSize=null) -> Tensor", bound(maxUnpool1d)),
  maxUnpool2d: defineF("maxUnpool2d(Tensor input, Tensor indices, int[2] kernelSize, int[2]? stride=null, int[2] padding=0, int[]? outputSize=null) -> Tensor", bound(maxUnpool2d)),
  maxUnpool3d: defineF("maxUnpool3d(Tensor input, Tensor indices, int[3] kernelSize, int[3]? stride=null, int[3] padding=0, int[]? outputSize=null) -> Tensor", bound(maxUnpool3d)),
};

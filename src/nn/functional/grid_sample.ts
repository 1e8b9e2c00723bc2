/**
 * F.affineGrid and F.gridSample, the two halves of a spatial transformer: affineGrid turns
 * a batch of affine matrices into a sampling grid of normalized coordinates in [-1, 1], and
 * gridSample reads an input at those (fractional) positions.
 *
 * gridSample is composed from Tensor ops with PyTorch 1.13's index arithmetic
 * (aten/src/ATen/native/GridSampler.h): the grid is unnormalized to pixel coordinates,
 * folded into range by the padding mode, and each output reads its taps (2 per axis for
 * bilinear, 1 for nearest, 4 for bicubic) with one gather per tap from the flattened
 * spatial dims. Tap positions are computed on the device from the grid (no host reads).
 * The gathers' backward scatters into the input and the tap weights are differentiable
 * functions of the grid, so autograd gives both of PyTorch's gradients; where PyTorch's
 * hand-written backward departs from plain calculus (a clipped coordinate has no gradient
 * on the border itself, a reflected one flips sign) the composition spells it out.
 */
import { DeviceError, DTypeError, FluxionError, ShapeError, fmtShape } from "../../errors.js";
import { where } from "../../ops/elementwise.js";
import { stack } from "../../ops/shape_ops.js";
import { linspace, ones } from "../../tensor/creation.js";
import { checkNumel } from "../../tensor/shape.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

export type GridSampleMode = "bilinear" | "nearest" | "bicubic";
export type GridSamplePadding = "zeros" | "border" | "reflection";

export interface GridSampleOptions {
  /** "bilinear" (default), "nearest", or "bicubic" (4-D inputs only). */
  mode?: GridSampleMode;
  /** What lies outside the input: "zeros" (default), "border" (edge pixels repeated) or "reflection". */
  paddingMode?: GridSamplePadding;
  /** -1 and 1 are the centres of the corner pixels (true) or their outer edges (false, the default). */
  alignCorners?: boolean | null;
}

let warnedAlign = false;
/** PyTorch warns when alignCorners is left out (its default changed in 1.3); here once. */
function resolveAlign(alignCorners: boolean | null | undefined): boolean {
  if (alignCorners !== null && alignCorners !== undefined) return alignCorners;
  if (!warnedAlign) {
    warnedAlign = true;
    console.warn("fluxion: the default of gridSample and affineGrid is alignCorners=false since PyTorch 1.3.0; pass alignCorners: true for the old behavior (or false to silence this)");
  }
  return false;
}

// ---- affineGrid -------------------------------------------------------------------------

/** PyTorch's linspace_from_neg_one: the normalized centres of `n` pixels along an axis. */
function baseAxis(theta: Tensor, n: number, align: boolean): Tensor {
  const opts = { dtype: theta.dtype, device: theta.device };
  if (n <= 1) return linspace(0, 0, 1, opts);
  const r = linspace(-1, 1, n, opts);
  return align ? r : r.mul(n - 1).div(n);
}

/**
 * The sampling grid of a batch of affine matrices: theta [N, 2, 3] with size [N, C, H, W]
 * gives [N, H, W, 2]; theta [N, 3, 4] with size [N, C, D, H, W] gives [N, D, H, W, 3].
 * Each grid point is theta · (x, y[, z], 1) for the normalized centre (x, y, z) of an
 * output pixel; x runs along W.
 * @example
 * const theta = tensor([[[1, 0, 0], [0, 1, 0]]]); // the identity
 * const grid = F.affineGrid(theta, [1, 3, 8, 8], { alignCorners: false }); // [1, 8, 8, 2]
 * F.gridSample(img, grid, { alignCorners: false }); // img again
 */
export function affineGrid(theta: Tensor, size: readonly number[], opts?: { alignCorners?: boolean | null }): Tensor {
  const op = "affineGrid";
  const align = resolveAlign(opts?.alignCorners);
  if (!theta.isFloatingPoint()) throw new DTypeError(`${op}: Expected theta to have floating point type, but got ${theta.dtype}`);
  if (size.length !== 4 && size.length !== 5) {
    throw new ShapeError(`${op}: only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size [${size.join(", ")}]`);
  }
  const nd = size.length - 2;
  if (theta.ndim !== 3 || theta.shape[1] !== nd || theta.shape[2] !== nd + 1) {
    throw new ShapeError(`${op}: Expected a batch of ${nd}D affine matrices of shape Nx${nd}x${nd + 1} for size [${size.join(", ")}]. Got ${fmtShape(theta.shape)}.`);
  }
  if (size.some((s) => s <= 0)) throw new ShapeError(`${op}: Expected non-zero, positive output size. Got [${size.join(", ")}]`);
  if (theta.shape[0] !== size[0]) throw new ShapeError(`${op}: theta holds ${theta.shape[0]} matrices (shape ${fmtShape(theta.shape)}) but size [${size.join(", ")}] asks for a batch of ${size[0]}`);
  const N = size[0]!;
  const spatial = size.slice(2); // [H, W] or [D, H, W]
  const outShape = [N, ...spatial];
  checkNumel(op, [...outShape, nd + 1], theta.dtype);
  // PyTorch's base grid [N, *spatial, nd + 1]: (x, y[, z], 1), x along the last spatial dim
  const columns: Tensor[] = [];
  for (let k = 0; k < nd; k++) {
    const axis = nd - 1 - k;
    const shape = spatial.map((s, i) => (i === axis ? s : 1));
    columns.push(baseAxis(theta, spatial[axis]!, align).reshape([1, ...shape]).expand(outShape));
  }
  columns.push(ones(outShape, { dtype: theta.dtype, device: theta.device }));
  const points = spatial.reduce((a, b) => a * b, 1);
  const base = stack(columns, -1).reshape([N, points, nd + 1]);
  return base.bmm(theta.transpose(1, 2)).reshape([...outShape, nd]);
}

// ---- gridSample: coordinates ------------------------------------------------------------

/** Normalized [-1, 1] -> pixel coordinates (PyTorch's grid_sampler_unnormalize, same operation order). */
function unnormalize(coord: Tensor, size: number, align: boolean): Tensor {
  return align ? coord.add(1).div(2).mul(size - 1) : coord.add(1).mul(size).sub(1).div(2);
}

/**
 * clamp(x, 0, size - 1), with PyTorch's gradient: 1 strictly inside, 0 on the border
 * itself and outside (clip_coordinates_set_grad counts the border as clipped).
 */
function clip(x: Tensor, size: number): Tensor {
  const inside = x.gt(0).logicalAnd(x.lt(size - 1));
  return where(inside, x, x.detach().clamp(0, size - 1));
}

/** PyTorch's reflect_coordinates: x folded into [twiceLow/2, twiceHigh/2], gradient ±1. */
function reflect(x: Tensor, twiceLow: number, twiceHigh: number): Tensor {
  if (twiceLow === twiceHigh) return x.mul(0).detach(); // one-pixel axis with alignCorners: always 0
  const min = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
  const shifted = x.sub(min);
  const sign = where(shifted.detach().lt(0), -1, 1); // PyTorch's grad multiplier: -1 below min, else 1
  const dist = shifted.mul(sign);
  const extra = dist.fmod(span);
  const evenFlips = dist.detach().div(span).floor().remainder(2).eq(0);
  return where(evenFlips, extra.add(min), extra.neg().add(span + min));
}

/** PyTorch's compute_coordinates: the padding mode's folding of a pixel coordinate. */
function foldCoordinates(x: Tensor, size: number, padding: GridSamplePadding, align: boolean): Tensor {
  if (padding === "border") return clip(x, size);
  if (padding === "reflection") return clip(align ? reflect(x, 0, 2 * (size - 1)) : reflect(x, -1, 2 * size - 1), size);
  return x;
}

/** PyTorch's cubic convolution coefficients of the 4 taps at offset t in [0, 1) (A = -0.75). */
function cubicCoefficients(t: Tensor): Tensor[] {
  const A = -0.75;
  const near = (x: Tensor) => x.mul(A + 2).sub(A + 3).mul(x).mul(x).add(1); // |x| <= 1
  const far = (x: Tensor) => x.mul(A).sub(5 * A).mul(x).add(8 * A).mul(x).sub(4 * A); // 1 < |x| < 2
  return [far(t.add(1)), near(t), near(t.rsub(1)), far(t.rsub(2))];
}

/**
 * Rounding to the nearest pixel as PyTorch 1.13's CPU kernels round: the 4-D one (vectorized)
 * half to even (x.round()), the 5-D one with std::round, half away from zero (this).
 */
function roundHalfAway(x: Tensor): Tensor {
  const t = x.trunc();
  return where(x.sub(t).abs().ge(0.5), t.add(x.sign()), t);
}

// ---- gridSample: taps -------------------------------------------------------------------

/** One axis's taps for every output point: integer positions (as floats) and weights. */
interface AxisTaps {
  positions: Tensor[];
  /** null: nearest (weight 1). */
  weights: Tensor[] | null;
}

/**
 * A tap's position as an int32 flat offset along the axis, and whether it lies inside
 * (out-of-range taps read position 0 and are masked, so huge or NaN coordinates never
 * reach an integer cast or the gather).
 */
function tapIndex(pos: Tensor, size: number, indexType: "int32" | "int64"): { index: Tensor; valid: Tensor } {
  const valid = pos.ge(0).logicalAnd(pos.le(size - 1));
  return { index: where(valid, pos.detach(), 0).to(indexType), valid };
}

/** 1 where the tap is valid, else 0, connected to the grid with a zero gradient (PyTorch's nearest-mode grid gradient is zeros, not none). */
function maskOf(pos: Tensor, valid: Tensor): Tensor {
  return where(valid, pos.mul(0).add(1), 0); // pos is floor/round of a coordinate: its gradient is zero
}

/**
 * Samples input [N, C, *spatial] at grid [N, *out, nd] with PyTorch's modes and padding.
 * @example
 * const grid = F.affineGrid(theta, [N, C, 28, 28], { alignCorners: false });
 * const warped = F.gridSample(img, grid, { alignCorners: false }); // [N, C, 28, 28]
 * F.gridSample(img, grid, { mode: "bicubic", paddingMode: "reflection", alignCorners: true });
 */
export function gridSample(input: Tensor, grid: Tensor, opts?: GridSampleOptions): Tensor {
  const op = "gridSample";
  const mode = opts?.mode ?? "bilinear", padding = opts?.paddingMode ?? "zeros";
  if (mode !== "bilinear" && mode !== "nearest" && mode !== "bicubic") {
    throw new FluxionError(`${op}: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '${String(mode)}'`);
  }
  if (padding !== "zeros" && padding !== "border" && padding !== "reflection") {
    throw new FluxionError(`${op}: expected paddingMode to be 'zeros', 'border', or 'reflection', but got: '${String(padding)}'`);
  }
  const align = resolveAlign(opts?.alignCorners);
  if (input.device !== grid.device) throw new DeviceError(`${op}: expected input and grid to be on same device, but input is on ${input.device} and grid is on ${grid.device}`);
  if ((input.ndim !== 4 && input.ndim !== 5) || grid.ndim !== input.ndim) {
    throw new ShapeError(`${op}: expected 4D or 5D input and grid with same number of dimensions, but got input with sizes ${fmtShape(input.shape)} and grid with sizes ${fmtShape(grid.shape)}`);
  }
  if (!input.isFloatingPoint() || input.dtype !== grid.dtype) {
    throw new DTypeError(`${op}: expected input and grid to have the same floating point dtype, but input has ${input.dtype} and grid has ${grid.dtype}`);
  }
  const nd = input.ndim - 2;
  if (input.shape[0] !== grid.shape[0]) {
    throw new ShapeError(`${op}: expected grid and input to have same batch size, but got input with sizes ${fmtShape(input.shape)} and grid with sizes ${fmtShape(grid.shape)}`);
  }
  if (grid.shape[grid.ndim - 1] !== nd) {
    throw new ShapeError(`${op}: expected grid to have size ${nd} in last dimension, but got grid with sizes ${fmtShape(grid.shape)}`);
  }
  for (let d = 2; d < input.ndim; d++) {
    if (input.shape[d] === 0) throw new ShapeError(`${op}: expected input to have non-empty spatial dimensions, but input has sizes ${fmtShape(input.shape)} with dimension ${d} being empty`);
  }
  if (nd === 3 && mode === "bicubic") throw new ShapeError(`${op}: bicubic interpolation only supports 4D input, got input of shape ${fmtShape(input.shape)}`);

  const [N, C] = input.shape as [number, number];
  const spatial = input.shape.slice(2);
  const outSpatial = grid.shape.slice(1, -1);
  const Q = outSpatial.reduce((a, b) => a * b, 1);
  const P = spatial.reduce((a, b) => a * b, 1);
  const coords = grid.reshape([N, Q, nd]);
  // the taps of each spatial axis (input order: [D,] H, W); grid[..., 0] is x, along W
  const axes: AxisTaps[] = spatial.map((size, a) => {
    const g = coords.select(2, nd - 1 - a);
    if (mode === "bicubic") {
      const x = unnormalize(g, size, align); // bicubic folds each tap, not the coordinate
      const x0 = x.floor();
      const positions = [-1, 0, 1, 2].map((k) => foldCoordinates(x0.add(k), size, padding, align));
      return { positions, weights: cubicCoefficients(x.sub(x0)) };
    }
    const x = foldCoordinates(unnormalize(g, size, align), size, padding, align);
    if (mode === "nearest") return { positions: [nd === 2 ? x.round() : roundHalfAway(x)], weights: null };
    const x0 = x.floor();
    return { positions: [x0, x0.add(1)], weights: [x0.add(1).sub(x), x.sub(x0)] };
  });

  const flat = input.reshape([N, C, P]);
  const strides = spatial.map((_, a) => spatial.slice(a + 1).reduce((p, s) => p * s, 1));
  const indexType = P < 2 ** 31 ? "int32" : "int64";
  /** The weighted values of one combination of taps (one per axis). */
  const sampleAt = (taps: readonly number[]): Tensor => {
    let index: Tensor | null = null, valid: Tensor | null = null, weight: Tensor | null = null;
    // weights multiplied x first, as PyTorch multiplies them
    for (let a = nd - 1; a >= 0; a--) {
      const pos = axes[a]!.positions[taps[a]!]!;
      const tap = tapIndex(pos, spatial[a]!, indexType);
      const term = strides[a] === 1 ? tap.index : tap.index.mul(strides[a]!);
      index = index ? index.add(term) : term;
      valid = valid ? valid.logicalAnd(tap.valid) : tap.valid;
      const w = axes[a]!.weights ? axes[a]!.weights![taps[a]!]! : maskOf(pos, tap.valid);
      weight = weight ? weight.mul(w) : w;
    }
    // out-of-range taps add nothing, and pass no gradient to the grid
    if (mode !== "nearest") weight = where(valid!, weight!, 0);
    const values = flat.gather(2, index!.unsqueeze(1).expand([N, C, Q]));
    return values.mul(weight!.unsqueeze(1));
  };
  let combos: number[][] = [[]];
  for (const t of axes) combos = combos.flatMap((c) => t.positions.map((_, k) => [...c, k]));
  return combos.map(sampleAt).reduce((a, b) => a.add(b)).reshape([N, C, ...outSpatial]);
}

// ---- the declared forms -----------------------------------------------------------------

/** The declared forms `F` exports (torch.nn.functional's signatures and positional order). */
export const GRID_SAMPLE_FNS = {
  affineGrid: defineF("affineGrid(Tensor theta, int[] size, bool? alignCorners=null) -> Tensor", (theta: Tensor, size: number | number[], alignCorners: boolean | null) =>
    affineGrid(theta, typeof size === "number" ? [size] : size, { alignCorners })),
  gridSample: defineF(
    'gridSample(Tensor input, Tensor grid, "bilinear"|"nearest"|"bicubic" mode="bilinear", "zeros"|"border"|"reflection" paddingMode="zeros", bool? alignCorners=null) -> Tensor',
    (x: Tensor, grid: Tensor, mode: GridSampleMode, paddingMode: GridSamplePadding, alignCorners: boolean | null) => gridSample(x, grid, { mode, paddingMode, alignCorners }),
  ),
};

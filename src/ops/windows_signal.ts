/**
 * torch's signal windows: hannWindow, hammingWindow, blackmanWindow, bartlettWindow and
 * kaiserWindow, with PyTorch's options (periodic, dtype, device, requiresGrad) and its
 * arithmetic: each is built from arange in the requested dtype by the same sequence of ops as
 * ATen's (so float32 windows round as PyTorch's do). A periodic window of length N is the
 * symmetric one of length N + 1 without its last value; lengths 0 and 1 give [] and [1].
 * (Not to be confused with windows.ts, Tensor.unfold's sliding windows.)
 */
import { defineOp } from "../api/registry.js";
import { DTypeError, FluxionError } from "../errors.js";
import { arange, ones, empty } from "../tensor/creation.js";
import { getDefaultDtype, isFloating, type DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { cat } from "./shape_ops.js";
import "./special.js"; // Tensor.i0

type Kw = { dtype: DType | null; device: string | null; requiresGrad: boolean };
const CREATE = "ScalarType? dtype=null, Device? device=null, bool requiresGrad=false";

/** The shared frame: checks, the 0/1-length cases, the periodic trim, requiresGrad. */
function window(op: string, length: number, periodic: boolean, o: Kw, build: (n: number, dtype: DType, device: string | undefined) => Tensor): Tensor {
  const dtype = o.dtype ?? getDefaultDtype();
  if (!isFloating(dtype)) throw new DTypeError(`${op}: ${op} expects floating point dtypes, got: ${dtype}`);
  if (!Number.isInteger(length) || length < 0) throw new FluxionError(`${op}: ${op} requires non-negative window_length, got window_length=${length}`);
  const device = o.device ?? undefined;
  let w: Tensor;
  if (length === 0) w = empty([0], { dtype, device });
  else if (length === 1) w = ones([1], { dtype, device });
  else {
    const full = build(periodic ? length + 1 : length, dtype, device);
    w = periodic ? full.narrow(0, 0, length).contiguous() : full;
  }
  if (o.requiresGrad) w.requiresGrad_(true);
  return w;
}

/** alpha - beta · cos(2πk / (N - 1)), as ATen's hamming_window. */
function hamming(n: number, alpha: number, beta: number, dtype: DType, device: string | undefined): Tensor {
  return arange(n, { dtype, device }).mul((Math.PI * 2) / (n - 1)).cos().mul(-beta).add(alpha);
}

export const SIGNAL_WINDOW_FNS = {
  /**
   * The Hann window 0.5 - 0.5 · cos(2πk / (N - 1)) (N = length + 1 when periodic).
   * @example hannWindow(4) // [0, 0.5, 1, 0.5]
   */
  hannWindow: defineOp(`hannWindow(int windowLength, bool periodic=true, *, ${CREATE}) -> Tensor`, (length: number, periodic: boolean, o: Kw) =>
    window("hannWindow", length, periodic, o, (n, dtype, device) => hamming(n, 0.5, 0.5, dtype, device))),
  /**
   * The generalized Hamming window alpha - beta · cos(2πk / (N - 1)).
   * @example hammingWindow(5, false) // [0.08, 0.54, 1, 0.54, 0.08]
   */
  hammingWindow: defineOp(`hammingWindow(int windowLength, bool periodic=true, float alpha=0.54, float beta=0.46, *, ${CREATE}) -> Tensor`,
    (length: number, periodic: boolean, alpha: number, beta: number, o: Kw) => window("hammingWindow", length, periodic, o, (n, dtype, device) => hamming(n, alpha, beta, dtype, device))),
  /**
   * The Blackman window 0.42 - 0.5 · cos(2πk / (N - 1)) + 0.08 · cos(4πk / (N - 1)).
   * @example blackmanWindow(5, false)
   */
  blackmanWindow: defineOp(`blackmanWindow(int windowLength, bool periodic=true, *, ${CREATE}) -> Tensor`, (length: number, periodic: boolean, o: Kw) =>
    window("blackmanWindow", length, periodic, o, (n, dtype, device) => {
      const k = arange(n, { dtype, device }).mul(Math.PI / (n - 1));
      return k.mul(4).cos().mul(0.08).sub(k.mul(2).cos().mul(0.5)).add(0.42);
    })),
  /**
   * The Bartlett (triangular) window 1 - |2k / (N - 1) - 1|.
   * @example bartlettWindow(5, false) // [0, 0.5, 1, 0.5, 0]
   */
  bartlettWindow: defineOp(`bartlettWindow(int windowLength, bool periodic=true, *, ${CREATE}) -> Tensor`, (length: number, periodic: boolean, o: Kw) =>
    window("bartlettWindow", length, periodic, o, (n, dtype, device) => {
      const w = arange(n, { dtype, device }).mul(2 / (n - 1));
      const firstHalf = ((n - 1) >> 1) + 1;
      return cat([w.narrow(0, 0, firstHalf), w.narrow(0, firstHalf, n - firstHalf).mul(-1).add(2)]);
    })),
  /**
   * The Kaiser window I0(β · √(1 - ((k - α) / α)²)) / I0(β), α = (N - 1) / 2.
   * @example kaiserWindow(8, true, 5)
   */
  kaiserWindow: defineOp(`kaiserWindow(int windowLength, bool periodic=true, float beta=12.0, *, ${CREATE}) -> Tensor`,
    (length: number, periodic: boolean, beta: number, o: Kw) => window("kaiserWindow", length, periodic, o, (n, dtype, device) => {
      const alpha = (n - 1) / 2;
      const r = arange(n, { dtype, device }).sub(alpha).div(alpha);
      const i0beta = ones([], { dtype, device }).mul(beta).i0();
      return r.mul(r).neg().add(1).sqrt().mul(beta).i0().div(i0beta);
    })),
};

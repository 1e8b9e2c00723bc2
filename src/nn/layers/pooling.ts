/**
 * Pooling modules: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d. They hold their
 * arguments as given (printing them as PyTorch does) and call the functional forms.
 */
import type { Tensor } from "../../tensor/tensor.js";
import type { IntOrPair, IntOrSingle } from "../functional/conv.js";
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d, type AdaptiveSize2d } from "../functional/pooling.js";
import { Module } from "../module.js";
import { pyValue } from "./repr.js";

export interface MaxPoolOptions<T> {
  /** Default: kernelSize. */
  stride?: T | null;
  padding?: T;
  dilation?: T;
  returnIndices?: boolean;
  ceilMode?: boolean;
}

/** The settings and print shared by MaxPool1d and MaxPool2d (torch's _MaxPoolNd). */
abstract class MaxPoolNd<T extends IntOrPair | IntOrSingle> extends Module {
  readonly stride: T;
  readonly padding: T;
  readonly dilation: T;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(readonly kernelSize: T, opts?: MaxPoolOptions<T>) {
    super();
    this.stride = opts?.stride ?? kernelSize;
    this.padding = opts?.padding ?? (0 as T);
    this.dilation = opts?.dilation ?? (1 as T);
    this.returnIndices = opts?.returnIndices ?? false;
    this.ceilMode = opts?.ceilMode ?? false;
  }
  /** The options as the functional form takes them. */
  protected options() {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode, returnIndices: this.returnIndices };
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}, dilation=${pyValue(this.dilation)}, ceil_mode=${pyValue(this.ceilMode)}`;
  }
}

/**
 * 2-D max pooling. With returnIndices, forward returns [output, indices].
 * @example
 * const pool = new nn.MaxPool2d(2);
 * pool.forward(x);  // [N, C, 28, 28] -> [N, C, 14, 14]
 * String(pool);     // "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
 */
export class MaxPool2d extends MaxPoolNd<IntOrPair> {
  forward(x: Tensor): any {
    return maxPool2d(x, this.kernelSize, this.options());
  }
}

/**
 * 1-D max pooling over [N, C, L].
 * @example new nn.MaxPool1d(3, { stride: 2 }).forward(x) // [N, C, 50] -> [N, C, 24]
 */
export class MaxPool1d extends MaxPoolNd<IntOrSingle> {
  forward(x: Tensor): any {
    return maxPool1d(x, this.kernelSize, this.options());
  }
}

export interface AvgPoolOptions<T> {
  stride?: T | null;
  padding?: T;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/**
 * 2-D average pooling.
 * @example new nn.AvgPool2d(2).forward(x) // [N, C, 8, 8] -> [N, C, 4, 4]; prints "AvgPool2d(kernel_size=2, stride=2, padding=0)"
 */
export class AvgPool2d extends Module {
  readonly stride: IntOrPair;
  readonly padding: IntOrPair;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(readonly kernelSize: IntOrPair, opts?: AvgPoolOptions<IntOrPair>) {
    super();
    this.stride = opts?.stride ?? kernelSize;
    this.padding = opts?.padding ?? 0;
    this.ceilMode = opts?.ceilMode ?? false;
    this.countIncludePad = opts?.countIncludePad ?? true;
    this.divisorOverride = opts?.divisorOverride ?? null;
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue(this.kernelSize)}, stride=${pyValue(this.stride)}, padding=${pyValue(this.padding)}`;
  }
}

/**
 * 1-D average pooling over [N, C, L]. Prints its sizes as 1-tuples, as torch's does.
 * @example new nn.AvgPool1d(3, { stride: 2 }).forward(x) // [N, C, 7] -> [N, C, 3]
 */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(kernelSize: IntOrSingle, opts?: Omit<AvgPoolOptions<IntOrSingle>, "divisorOverride">) {
    super();
    const one = (v: IntOrSingle) => (typeof v === "number" ? v : v[0]);
    this.kernelSize = one(kernelSize);
    this.stride = one(opts?.stride ?? kernelSize);
    this.padding = one(opts?.padding ?? 0);
    this.ceilMode = opts?.ceilMode ?? false;
    this.countIncludePad = opts?.countIncludePad ?? true;
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }
  override extraRepr(): string {
    return `kernel_size=${pyValue([this.kernelSize])}, stride=${pyValue([this.stride])}, padding=${pyValue([this.padding])}`;
  }
}

/**
 * Adaptive average pooling to a fixed output size (null keeps that input dim).
 * @example new nn.AdaptiveAvgPool2d([5, 7]).forward(x) // [N, C, H, W] -> [N, C, 5, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2d) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

/**
 * Adaptive average pooling over the last dim of [N, C, L].
 * @example new nn.AdaptiveAvgPool1d(4).forward(x) // [N, C, 10] -> [N, C, 4]
 */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `output_size=${pyValue(this.outputSize)}`;
  }
}

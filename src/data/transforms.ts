/**
 * Transforms (torchvision.transforms): Compose, ToTensor, Normalize, RandomHorizontalFlip,
 * RandomCrop, Lambda. Each works on one item or on a batch:
 *   - ByteImage: [H, W(, C)] one image, or a batched ByteImage [N, H, W(, C)];
 *   - Tensor: [H, W] or [C, H, W] one image, [N, C, H, W] a batch.
 * Random transforms draw from a Generator (default: the global one) and, on a batch, make
 * an independent choice per image. Datasets apply a "batchable" transform to whole batches
 * (the DataLoader fast path); Lambda is per item unless told otherwise.
 *
 * Constructors take torchvision's positional order and a trailing options object
 * (`new RandomCrop(28, 4)` or `new RandomCrop(28, { padding: 4 })`); Fluxion's additions
 * (a Generator, ToTensor's range, Lambda's batchable) are keyword-only.
 */
import { describeValue } from "../api/args.js";
import { declareArgs } from "../api/registry.js";
import { ArgumentError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { getDefaultDtype, isFloating, type TypedArray } from "../tensor/dtype.js";
import { float32ToBFloat16Bits, float32ToFloat16Bits } from "../tensor/half.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { tensorFromRaw } from "./host.js";
import { ByteImage } from "./image.js";

// torchvision.transforms' signatures (0.14, beside PyTorch 1.13)
const G = "data.transforms";
const composeArgs = declareArgs("Compose(Any[] transforms)", G);
const lambdaArgs = declareArgs("Lambda(Callable lambd, *, bool batchable=false)", G);
const toTensorArgs = declareArgs("ToTensor(*, float[2] range=[0, 1])", G);
const normalizeArgs = declareArgs("Normalize(float|float[] mean, float|float[] std, bool inplace=false)", G);
const flipArgs = declareArgs("RandomHorizontalFlip(float p=0.5, *, Generator? generator=null)", G);
const cropArgs = declareArgs(
  'RandomCrop(int[] size, int[]? padding=null, bool padIfNeeded=false, float fill=0, "constant"|"edge"|"reflect"|"symmetric" paddingMode="constant", *, Generator? generator=null)',
  G,
);

/** Calling a transform runs forward, as torchvision's transforms are called: `t(x)`. */
export interface Transform<I = any, O = any> {
  (x: I): O;
}

/**
 * A transform: call it, `t(x)`, or `t.forward(x)` (nn.Module's name for it; `apply` would
 * clash with Function.prototype.apply). Subclass it for your own, or pass a plain function.
 */
export abstract class Transform<I = any, O = any> {
  /**
   * True when forward() accepts a batch as well as a single item. False by default, so a
   * custom transform only ever sees single items unless it says otherwise.
   */
  declare readonly batchable: boolean;
  abstract forward(x: I): O;

  /** What goes between the parentheses when printed (torchvision's __repr__): "mean=[0.5], std=[0.5]". */
  extraRepr(): string {
    return "";
  }
  toString(): string {
    return `${this.constructor.name}(${this.extraRepr()})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  constructor() {
    // a function object with this class's prototype, so `t(x)` works (as nn.Module does)
    const callable = ((x: I) => callable.forward(x)) as unknown as Transform<I, O>;
    delete (callable as { length?: number }).length;
    delete (callable as { name?: string }).name;
    Object.setPrototypeOf(callable, new.target.prototype);
    Object.defineProperty(callable, "batchable", { value: false, writable: true, configurable: true, enumerable: true });
    return callable;
  }
}

/** Anything datasets and Compose accept as a transform. */
export type TransformLike<I = any, O = any> = Transform<I, O> | ((x: I) => O);

/** Applies a transform object or function. */
export function applyTransform<I, O>(t: TransformLike<I, O>, x: I): O {
  return t instanceof Transform ? t.forward(x) : t(x);
}

/** Whether `t` may be applied to a whole batch (plain functions are assumed per-item). */
export function isBatchable(t: TransformLike | undefined): boolean {
  return t === undefined || (t instanceof Transform && t.batchable);
}

/**
 * Applies transforms in order.
 * @example
 * const t = new Compose([new ToTensor(), new Normalize([0.5], [0.5])]);
 */
export class Compose extends Transform {
  override readonly batchable: boolean;
  readonly transforms: readonly TransformLike[];
  constructor(transforms: readonly TransformLike[]);
  constructor(...args: unknown[]) {
    super();
    const [transforms] = composeArgs.bind(args) as [TransformLike[]];
    transforms.forEach((t, i) => {
      if (typeof t !== "function") throw new ArgumentError(`Compose(): transforms[${i}] must be a Transform or a function, but got ${describeValue(t)}`);
    });
    this.transforms = [...transforms];
    this.batchable = this.transforms.every(isBatchable);
  }
  override toString(): string {
    return `Compose(\n${this.transforms.map((t) => `    ${t instanceof Transform ? t.toString() : `<function ${t.name || "(anonymous)"}>`}`).join("\n")}\n)`;
  }
  forward(x: unknown): any {
    return this.transforms.reduce((v, t) => applyTransform(t, v), x);
  }
}

/**
 * Wraps a function as a transform. Pass `{ batchable: true }` when it also handles batches.
 * @example
 * const flat = new Lambda((x: Tensor) => x.flatten(-3), { batchable: true });
 */
export class Lambda<I = any, O = any> extends Transform<I, O> {
  override readonly batchable: boolean;
  readonly fn: (x: I) => O;
  constructor(lambd: (x: I) => O, opts?: { lambd?: (x: I) => O; batchable?: boolean });
  constructor(...args: unknown[]) {
    super();
    const [lambd, { batchable }] = lambdaArgs.bind(args);
    this.fn = lambd as (x: I) => O;
    this.batchable = batchable;
  }
  forward(x: I): O {
    return this.fn(x);
  }
}

/**
 * 8-bit pixels to a float tensor of the default dtype (float32 unless setDefaultDtype changed it): a ByteImage [H, W(, C)] becomes [C, H, W] (a batch
 * [N, C, H, W]) with values p / 255 in [0, 1], or mapped linearly onto `range`
 * (`{ range: [-1, 1] }` gives 2p/255 - 1). An int32 tensor is scaled the same way keeping
 * its layout; a floating tensor passes through unchanged (as torchvision does).
 * @example
 * new ToTensor().forward(new ByteImage(new Uint8Array([0, 255]), [1, 2])); // tensor([[[0., 1.]]])
 */
export class ToTensor extends Transform<ByteImage | Tensor, Tensor> {
  override readonly batchable: boolean = true;
  readonly range: readonly [number, number];
  private readonly lut = new Float32Array(256);

  constructor(opts?: { range?: readonly [number, number] });
  constructor(...args: unknown[]) {
    super();
    const [{ range }] = toTensorArgs.bind(args);
    this.range = [range[0]!, range[1]!];
    for (let p = 0; p < 256; p++) this.lut[p] = this.lutValue(p);
  }

  forward(x: ByteImage | Tensor): Tensor {
    if (x instanceof Tensor) {
      if (isFloating(x.dtype)) return x;
      const [lo, hi] = this.range;
      return x.to(getDefaultDtype()).mul((hi - lo) / 255).add(lo);
    }
    if (!(x instanceof ByteImage)) throw new FluxionError(`ToTensor: expected a ByteImage or a Tensor, got ${typeof x}`);
    const n = x.count, h = x.height, w = x.width, c = x.channels;
    // the default dtype, as torchvision's ToTensor (float64: the exact quotients; float16/bfloat16: rounded from float32's)
    const dtype = getDefaultDtype();
    const wide = dtype === "float64";
    const lut = wide ? Float64Array.from(this.lut, (_, p) => this.lutValue(p)) : this.lut;
    const src = x.pixels, out = wide ? new Float64Array(src.length) : new Float32Array(src.length);
    const plane = h * w;
    if (c === 1) for (let i = 0; i < src.length; i++) out[i] = lut[src[i]!]!;
    else {
      // HWC -> CHW per image
      for (let b = 0; b < n; b++) {
        const base = b * plane * c;
        for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = lut[src[base + p * c + k]!]!;
      }
    }
    const t = tensorFromRaw(out, x.batched ? [n, c, h, w] : [c, h, w], wide ? "float64" : "float32");
    return wide || dtype === "float32" ? t : t.to(dtype);
  }

  /** Pixel value p mapped into the range. */
  private lutValue(p: number): number {
    const [lo, hi] = this.range;
    return p === 0 ? lo : p === 255 ? hi : lo + (p * (hi - lo)) / 255;
  }
}

function perChannel(op: string, v: number | readonly number[], name: string): number[] {
  const arr = typeof v === "number" ? [v] : [...v];
  if (arr.length === 0 || !arr.every(Number.isFinite)) throw new FluxionError(`${op}: ${name} must be a finite number or a non-empty list of them, got ${JSON.stringify(v)}`);
  return arr;
}

/**
 * (x - mean[c]) / std[c] per channel, on float tensors [C, H, W] or [N, C, H, W] ([H, W]
 * with one mean/std). A single number applies to every channel.
 * @example
 * new Normalize([0.2860], [0.3530]).forward(x) // Fashion-MNIST's mean and std
 */
export class Normalize extends Transform<Tensor, Tensor> {
  override readonly batchable: boolean = true;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Write the result into the input tensor (torchvision's inplace). */
  readonly inplace: boolean;

  constructor(mean: number | readonly number[], std: number | readonly number[], inplace?: boolean);
  constructor(mean: number | readonly number[], std: number | readonly number[], opts?: { inplace?: boolean });
  constructor(...args: unknown[]) {
    super();
    const [mean, std, inplace] = normalizeArgs.bind(args);
    this.inplace = inplace;
    this.mean = perChannel("Normalize", mean, "mean");
    this.std = perChannel("Normalize", std, "std");
    if (this.std.some((s) => s === 0)) throw new FluxionError(`Normalize: std evaluated to zero after conversion (std = [${this.std.join(", ")}]), leading to division by zero`);
    if (this.mean.length !== this.std.length && this.mean.length !== 1 && this.std.length !== 1) {
      throw new FluxionError(`Normalize: mean has ${this.mean.length} values but std has ${this.std.length}`);
    }
  }
  override extraRepr(): string {
    return `mean=[${this.mean.join(", ")}], std=[${this.std.join(", ")}]`;
  }

  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) throw new FluxionError("Normalize: expected a float tensor; apply ToTensor first to convert images");
    if (!isFloating(x.dtype)) throw new FluxionError(`Normalize: expected a floating point tensor, got ${x.dtype}; apply ToTensor first`);
    const k = Math.max(this.mean.length, this.std.length);
    const channels = x.ndim >= 3 ? x.shape[x.ndim - 3]! : 1;
    if (x.ndim < 2) throw new ShapeError(`Normalize: expected an image tensor [C, H, W] or a batch [N, C, H, W], got shape ${fmtShape(x.shape)}`);
    if (k !== 1 && k !== channels) {
      throw new ShapeError(`Normalize: ${k} mean/std values for an image with ${channels} channels (shape ${fmtShape(x.shape)})`);
    }
    const shape = k === 1 ? [1] : [k, 1, 1];
    const fill = (v: readonly number[]) => tensorFromRaw(Float32Array.from({ length: k }, (_, i) => v[v.length === 1 ? 0 : i]!), shape, "float32").to(x.dtype);
    return this.inplace ? x.sub_(fill(this.mean)).div_(fill(this.std)) : x.sub(fill(this.mean)).div(fill(this.std));
  }
}

/** How an image or batch is laid out: N images, each [A, H, W, B] (A = CHW channels, B = HWC channels). */
interface Layout {
  n: number;
  a: number;
  h: number;
  w: number;
  b: number;
  src: TypedArray;
  /** Rebuilds the same kind of input from new elements with new H and W. */
  rebuild(raw: TypedArray, h: number, w: number): ByteImage | Tensor;
  /** The stored representation of a fill value. */
  encode(v: number): number;
}

function layoutOf(op: string, x: ByteImage | Tensor): Layout {
  if (x instanceof ByteImage) {
    const lead = x.batched ? [x.count] : [];
    const tail = x.shape.length === (x.batched ? 4 : 3) ? [x.channels] : [];
    return {
      n: x.count, a: 1, h: x.height, w: x.width, b: x.channels, src: x.pixels,
      rebuild: (raw, h, w) => new ByteImage(raw as Uint8Array, [...lead, h, w, ...tail], x.batched),
      encode: (v) => Math.min(255, Math.max(0, Math.round(v))),
    };
  }
  if (!(x instanceof Tensor)) throw new FluxionError(`${op}: expected a ByteImage or a Tensor, got ${typeof x}`);
  if (x.ndim < 2 || x.ndim > 4) throw new ShapeError(`${op}: expected an image [H, W] / [C, H, W] or a batch [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  const batched = x.ndim === 4;
  const h = x.shape[x.ndim - 2]!, w = x.shape[x.ndim - 1]!;
  const lead = x.shape.slice(0, x.ndim - 2);
  const dtype = x.dtype;
  return {
    n: batched ? x.shape[0]! : 1, a: x.ndim >= 3 ? x.shape[x.ndim - 3]! : 1, h, w, b: 1, src: x._rawContiguous() as TypedArray,
    rebuild: (raw, nh, nw) => tensorFromRaw(raw, [...lead, nh, nw], dtype, x.device),
    encode: dtype === "bfloat16" ? float32ToBFloat16Bits : dtype === "float16" ? float32ToFloat16Bits : dtype === "bool" ? (v) => (v ? 1 : 0) : (v) => v,
  };
}

function sameArrayType(src: TypedArray, n: number): TypedArray {
  return new (src.constructor as new (n: number) => TypedArray)(n);
}

/**
 * Mirrors images left-right with probability p (each image of a batch independently).
 * @example
 * const flip = new RandomHorizontalFlip(0.5, { generator: new Generator(0) });
 */
export class RandomHorizontalFlip extends Transform<ByteImage | Tensor, ByteImage | Tensor> {
  override readonly batchable: boolean = true;
  readonly p: number;
  readonly generator: Generator | undefined;
  constructor(p?: number, opts?: { p?: number; generator?: Generator | null });
  constructor(opts?: { p?: number; generator?: Generator | null });
  constructor(...args: unknown[]) {
    super();
    const [p, { generator }] = flipArgs.bind(args);
    if (!(p >= 0 && p <= 1)) throw new FluxionError(`RandomHorizontalFlip: p must be a probability in [0, 1], got ${p}`);
    this.p = p;
    this.generator = generator ?? undefined;
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }

  forward<X extends ByteImage | Tensor>(x: X): X {
    const L = layoutOf("RandomHorizontalFlip", x);
    const g = this.generator ?? defaultGenerator;
    const flips = Array.from({ length: L.n }, () => g.nextFloat() < this.p);
    if (!flips.some(Boolean)) return x;
    const { src, a, h, w, b } = L;
    const out = sameArrayType(src, src.length);
    const per = a * h * w * b, rowLen = w * b;
    for (let s = 0; s < L.n; s++) {
      const base = s * per;
      if (!flips[s]) {
        out.set(src.subarray(base, base + per), base);
        continue;
      }
      for (let r = 0; r < a * h; r++) {
        const row = base + r * rowLen;
        for (let c = 0; c < w; c++) for (let k = 0; k < b; k++) out[row + c * b + k] = src[row + (w - 1 - c) * b + k]!;
      }
    }
    return L.rebuild(out, h, w) as X;
  }
}

export type PaddingMode = "constant" | "edge" | "reflect" | "symmetric";

export interface RandomCropOptions {
  size?: number | readonly number[];
  /** Border added before cropping: all sides, [left/right, top/bottom] or [left, top, right, bottom]. */
  padding?: number | readonly number[] | null;
  /** Pad further when the image is smaller than the crop, instead of failing. */
  padIfNeeded?: boolean;
  /** Value of the padded border in "constant" mode (default 0). */
  fill?: number;
  /** How the border is made: "constant" (fill), "edge", "reflect" or "symmetric" (torchvision's modes). */
  paddingMode?: PaddingMode;
  generator?: Generator | null;
}

/** Where a source index lands after padding in `mode`; -1 means the fill value. */
function padIndex(mode: PaddingMode, i: number, n: number): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case "constant": return -1;
    case "edge": return i < 0 ? 0 : n - 1;
    case "reflect": return i < 0 ? -i : 2 * (n - 1) - i;
    case "symmetric": return i < 0 ? -i - 1 : 2 * n - 1 - i;
  }
}

/**
 * For each position of one axis after two rounds of padding (the padding, then
 * padIfNeeded's, as torchvision pads twice), the source index or -1 for the fill value.
 */
function axisMap(mode: PaddingMode, n: number, first: readonly [number, number], second: readonly [number, number], axis: string): Int32Array {
  const n1 = n + first[0] + first[1];
  for (const [size, [before, after]] of [[n, first], [n1, second]] as const) {
    const most = Math.max(before, after);
    if (most === 0) continue;
    const ok = mode === "constant" || (mode === "edge" ? size > 0 : mode === "reflect" ? most < size : most <= size);
    if (!ok) throw new ShapeError(`RandomCrop: ${mode} padding of ${most} is too large for an image ${axis} of ${size} (${mode === "reflect" ? "it must be smaller than" : "it may be at most"} the ${axis})`);
  }
  const map = new Int32Array(n1 + second[0] + second[1]);
  for (let u = 0; u < map.length; u++) {
    const v = padIndex(mode, u - second[0], n1);
    map[u] = v < 0 ? -1 : padIndex(mode, v - first[0], n);
  }
  return map;
}

/**
 * Crops a random size[0] x size[1] window, after optional padding (each image of a batch
 * gets its own window). The window's top row is drawn first, then its left column.
 * @example
 * const crop = new RandomCrop(28, 4); // the classic CIFAR/MNIST augmentation; or (28, { padding: 4 })
 */
export class RandomCrop extends Transform<ByteImage | Tensor, ByteImage | Tensor> {
  override readonly batchable: boolean = true;
  readonly size: readonly [number, number];
  readonly padding: readonly [number, number, number, number];
  readonly fill: number;
  readonly padIfNeeded: boolean;
  readonly paddingMode: PaddingMode;
  readonly generator: Generator | undefined;

  constructor(size: number | readonly number[], opts?: RandomCropOptions);
  constructor(size: number | readonly number[], padding: number | readonly number[] | null | undefined, opts?: RandomCropOptions);
  constructor(
    size: number | readonly number[], padding: number | readonly number[] | null | undefined, padIfNeeded?: boolean, fill?: number, paddingMode?: PaddingMode, opts?: RandomCropOptions,
  );
  constructor(...args: unknown[]) {
    super();
    const [size, p, padIfNeeded, fill, paddingMode, { generator }] = cropArgs.bind(args);
    const sz = typeof size === "number" ? [size, size] : size.length === 1 ? [size[0]!, size[0]!] : size;
    if (sz.length !== 2 || !sz.every((v) => v > 0)) throw new FluxionError(`RandomCrop: size must be a positive integer or 2 of them, got ${JSON.stringify(size)}`);
    this.size = [sz[0]!, sz[1]!];
    const pads = p === null ? [0] : typeof p === "number" ? [p] : p;
    if (![1, 2, 4].includes(pads.length) || !pads.every((v) => v >= 0)) {
      throw new FluxionError(`RandomCrop: padding must be one non-negative integer, or a list of 2 or 4 of them, got ${JSON.stringify(p)}`);
    }
    const [l, t = l, r = l, b = t] = pads as number[];
    this.padding = pads.length === 2 ? [l!, t, l!, t] : [l!, t, r, b];
    this.fill = fill;
    this.padIfNeeded = padIfNeeded;
    this.paddingMode = paddingMode;
    this.generator = generator ?? undefined;
  }

  forward<X extends ByteImage | Tensor>(x: X): X {
    const L = layoutOf("RandomCrop", x);
    const [th, tw] = this.size;
    const [pl, pt, pr, pb] = this.padding;
    // padIfNeeded pads both sides by the shortfall, after the padding (as torchvision)
    const eh = this.padIfNeeded ? Math.max(0, th - (L.h + pt + pb)) : 0;
    const ew = this.padIfNeeded ? Math.max(0, tw - (L.w + pl + pr)) : 0;
    const hp = L.h + pt + pb + 2 * eh, wp = L.w + pl + pr + 2 * ew;
    if (hp < th || wp < tw) {
      throw new ShapeError(`RandomCrop: required crop size ${th}x${tw} is larger than the (padded) input image ${hp}x${wp}; pass { padIfNeeded: true } or more padding`);
    }
    const rows = axisMap(this.paddingMode, L.h, [pt, pb], [eh, eh], "height");
    const cols = axisMap(this.paddingMode, L.w, [pl, pr], [ew, ew], "width");
    const g = this.generator ?? defaultGenerator;
    const { src, a, h, w, b } = L;
    const fill = L.encode(this.fill);
    const out = sameArrayType(src, L.n * a * th * tw * b);
    const inPer = a * h * w * b, outPer = a * th * tw * b;
    for (let s = 0; s < L.n; s++) {
      const top = g.nextBelow(hp - th + 1), left = g.nextBelow(wp - tw + 1);
      for (let c = 0; c < a; c++) {
        for (let y = 0; y < th; y++) {
          const sy = rows[top + y]!;
          const outRow = s * outPer + (c * th + y) * tw * b;
          if (sy < 0) {
            out.fill(fill, outRow, outRow + tw * b);
            continue;
          }
          const inRow = s * inPer + (c * h + sy) * w * b;
          for (let xx = 0; xx < tw; xx++) {
            const sx = cols[left + xx]!;
            for (let k = 0; k < b; k++) out[outRow + xx * b + k] = sx < 0 ? fill : src[inRow + sx * b + k]!;
          }
        }
      }
    }
    return L.rebuild(out, th, tw) as X;
  }
}

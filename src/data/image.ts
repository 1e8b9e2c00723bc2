/**
 * ByteImage: 8-bit pixels as datasets store them, the role PIL images play in torchvision.
 * Fluxion has no uint8 tensor dtype, so images stay as bytes until a transform (ToTensor)
 * turns them into float32 tensors; this also keeps a 60000-image dataset at 47 MB.
 *
 * Layout is height-width-channels (HWC, like PIL and NumPy images); a batch adds a leading
 * dim. Grayscale images may omit the channel dim ([H, W]).
 */
import { FluxionError, ShapeError, fmtShape } from "../errors.js";

export class ByteImage {
  /**
   * @param pixels row-major bytes, `shape.reduce(*)` of them
   * @param shape [H, W], [H, W, C], or with `batched` a leading N: [N, H, W] / [N, H, W, C]
   * @param batched whether dim 0 indexes images
   * @example
   * const img = new data.ByteImage(new Uint8Array([0, 255, 128, 64]), [2, 2]);
   */
  constructor(
    public readonly pixels: Uint8Array,
    public readonly shape: readonly number[],
    public readonly batched = false,
  ) {
    const min = batched ? 3 : 2;
    if (shape.length < min || shape.length > min + 1) {
      throw new ShapeError(`ByteImage: expected shape ${batched ? "[N, H, W] or [N, H, W, C]" : "[H, W] or [H, W, C]"}, got ${fmtShape(shape)}`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (pixels.length !== n) throw new FluxionError(`ByteImage: shape ${fmtShape(shape)} needs ${n} pixels, got ${pixels.length}`);
  }

  /** Number of images (1 when not batched). */
  get count(): number {
    return this.batched ? this.shape[0]! : 1;
  }
  get height(): number {
    return this.shape[this.batched ? 1 : 0]!;
  }
  get width(): number {
    return this.shape[this.batched ? 2 : 1]!;
  }
  /** Channels (1 for [H, W] grayscale). */
  get channels(): number {
    return this.shape.length === (this.batched ? 4 : 3) ? this.shape[this.shape.length - 1]! : 1;
  }

  /** Image i of a batch (a copy). */
  at(i: number): ByteImage {
    if (!this.batched) throw new FluxionError("ByteImage.at: not a batch");
    const per = this.pixels.length / this.shape[0]!;
    return new ByteImage(this.pixels.slice(i * per, (i + 1) * per), this.shape.slice(1), false);
  }

  /** Stacks equally shaped single images into a batch. */
  static stack(images: readonly ByteImage[]): ByteImage {
    const first = images[0]!;
    const per = first.pixels.length;
    const out = new Uint8Array(per * images.length);
    images.forEach((img, i) => {
      if (img.batched || img.shape.length !== first.shape.length || img.shape.some((s, d) => s !== first.shape[d])) {
        throw new ShapeError(`ByteImage.stack: image ${i} has shape ${fmtShape(img.shape)}${img.batched ? " (a batch)" : ""}, expected ${fmtShape(first.shape)}`);
      }
      out.set(img.pixels, i * per);
    });
    return new ByteImage(out, [images.length, ...first.shape], true);
  }

  toString(): string {
    return `ByteImage(shape=${fmtShape(this.shape)}${this.batched ? ", batched" : ""})`;
  }
}

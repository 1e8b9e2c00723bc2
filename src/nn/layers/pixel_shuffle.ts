/** nn.PixelShuffle and nn.PixelUnshuffle: modules over F.pixelShuffle / F.pixelUnshuffle. */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import type { Tensor } from "../../tensor/tensor.js";
import { pixelShuffle, pixelUnshuffle } from "../functional/pixel_shuffle.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

const PIXEL_SHUFFLE = "PixelShuffle(int upscaleFactor)";
const pixelShuffleArgs = declareArgs(PIXEL_SHUFFLE, "nn");

/** [*, C·r², H, W] -> [*, C, H·r, W·r]. @example new nn.PixelShuffle(3).forward(x) // [1, 9, 4, 4] -> [1, 1, 12, 12] */
export class PixelShuffle extends Module {
  readonly upscaleFactor: number;
  constructor(...args: CtorArgs<typeof PIXEL_SHUFFLE>) {
    super();
    [this.upscaleFactor] = pixelShuffleArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return pixelShuffle(x, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

const PIXEL_UNSHUFFLE = "PixelUnshuffle(int downscaleFactor)";
const pixelUnshuffleArgs = declareArgs(PIXEL_UNSHUFFLE, "nn");

/** [*, C, H·r, W·r] -> [*, C·r², H, W]. @example new nn.PixelUnshuffle(2).forward(x) // [1, 1, 4, 6] -> [1, 4, 2, 3] */
export class PixelUnshuffle extends Module {
  readonly downscaleFactor: number;
  constructor(...args: CtorArgs<typeof PIXEL_UNSHUFFLE>) {
    super();
    [this.downscaleFactor] = pixelUnshuffleArgs.bind(args);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return pixelUnshuffle(x, this.downscaleFactor);
  }
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}

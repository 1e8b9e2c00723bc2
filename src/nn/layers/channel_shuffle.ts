/** nn.ChannelShuffle: F.channelShuffle as a module. */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { channelShuffle } from "../functional/channel_shuffle.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

const CHANNEL_SHUFFLE = "ChannelShuffle(int groups)";
const channelShuffleArgs = declareArgs(CHANNEL_SHUFFLE, "nn");

/** Interleaves the channels of `groups` groups (ShuffleNet). @example new nn.ChannelShuffle(2).forward(x) // channels [0, 1, 2, 3] -> [0, 2, 1, 3] */
export class ChannelShuffle extends Module {
  readonly groups: number;
  constructor(...args: CtorArgs<typeof CHANNEL_SHUFFLE>) {
    super();
    [this.groups] = channelShuffleArgs.bind(args);
    if (this.groups <= 0) throw new FluxionError(`ChannelShuffle: Number of groups to divide channels in must be positive. Value of groups:${this.groups}`);
  }
  forward(x: Tensor): Tensor {
    checkTensorArg(this, "input", x);
    return channelShuffle(x, this.groups);
  }
  override extraRepr(): string {
    return `groups=${this.groups}`;
  }
}

/**
 * F.channelShuffle (ShuffleNet's channel shuffle): the C channels of [N, C, *] seen as
 * [groups, C/groups] and transposed, so each group's channels are spread over all groups.
 * A reshape, a transpose and a copy, as PyTorch's math kernel.
 */
import { FluxionError, ShapeError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { defineF } from "./define.js";

/**
 * Interleaves the channels of `groups` groups: channel order [g0c0, g1c0, ..., g0c1, g1c1, ...].
 * @example F.channelShuffle(x, 2) // channels [0, 1, 2, 3] -> [0, 2, 1, 3]
 */
export function channelShuffle(input: Tensor, groups: number): Tensor {
  const op = "channelShuffle";
  if (input.ndim <= 2) throw new ShapeError(`${op}: expects input to have at least 3 dimensions, but got input with sizes ${fmtShape(input.shape)}`);
  if (!Number.isInteger(groups) || groups <= 0) throw new FluxionError(`${op}: Number of groups to divide channels in must be positive. Value of groups:${groups}`);
  const [N, C] = input.shape as [number, number];
  if (C % groups !== 0) throw new ShapeError(`${op}: Number of channels must be divisible by groups. Got ${C} channels and ${groups} groups.`);
  const rest = input.shape.slice(2);
  return input.reshape([N, groups, C / groups, ...rest]).transpose(1, 2).reshape(input.shape);
}

/** The declared form `F` exports (torch.nn.functional's signature and positional order). */
export const CHANNEL_SHUFFLE_FNS = {
  channelShuffle: defineF("channelShuffle(Tensor input, int groups) -> Tensor", (x: Tensor, groups: number) => channelShuffle(x, groups)),
  /** PyTorch's native_channel_shuffle: the same shuffle (its CPU kernel gives the same values). */
  nativeChannelShuffle: defineF("nativeChannelShuffle(Tensor input, int groups) -> Tensor", (x: Tensor, groups: number) => channelShuffle(x, groups)),
};

/**
 * `F`: the functional forms of layers, activations and losses (torch.nn.functional). Each
 * is the declared, argument-checked form (PyTorch's positional order and a trailing options
 * object; see define.ts); the layers call the raw functions of the files directly.
 */
import { ACTIVATION_FNS, MORE_ACTIVATION_FNS } from "./activation.js";
import { INPLACE_ACTIVATION_FNS } from "./activation_inplace.js";
import { ADAPTIVE_FNS } from "./adaptive.js";
import { ATTENTION_FNS } from "./attention.js";
import { CONV_FNS } from "./conv.js";
import { CONV3D_FNS } from "./conv3d.js";
import { DISTANCE_FNS } from "./distance.js";
import { DROPOUT_FNS } from "./dropout.js";
import { EMBEDDING_FNS } from "./embedding.js";
import { EMBEDDING_BAG_FNS } from "./embedding_bag.js";
import { FOLD_FNS } from "./fold.js";
import { INTERPOLATE_FNS } from "./interpolate.js";
import { LINEAR_FNS } from "./linear.js";
import { LOSS_FNS } from "./loss.js";
import { LOSS_EXTRA_FNS } from "./loss_extra.js";
import { CTC_LOSS_FNS } from "./ctc_loss.js";
import { MORE_NORMALIZATION_FNS, NORMALIZATION_FNS } from "./normalization.js";
import { POOLING_FNS } from "./pooling.js";
import { POOLING3D_FNS } from "./pooling3d.js";
import { UNPOOL_FNS } from "./unpool.js";
import { PIXEL_SHUFFLE_FNS } from "./pixel_shuffle.js";
import { SHAPE_FNS } from "../../ops/shape_ops.js";
import { ADVANCED_INDEXING_FNS } from "../../ops/advanced_indexing.js";
import { GRID_SAMPLE_FNS } from "./grid_sample.js";
import { LOCAL_RESPONSE_NORM_FNS } from "./local_response_norm.js";
import { LP_POOL_FNS } from "./lp_pool.js";
import { CHANNEL_SHUFFLE_FNS } from "./channel_shuffle.js";
import { DROPOUT_EXTRA_FNS } from "./dropout_extra.js";
import { RRELU_FNS } from "./rrelu.js";
import { GUMBEL_SOFTMAX_FNS } from "./gumbel_softmax.js";
import { MULTILABEL_MARGIN_LOSS_FNS } from "./multilabel_margin_loss.js";
import { TRIPLET_DISTANCE_LOSS_FNS } from "./triplet_distance_loss.js";
import { FRACTIONAL_MAX_POOL_FNS } from "./fractional_max_pool.js";
import { RMS_NORM_FNS } from "./rms_norm.js";
import { POOL_WITH_INDICES_FNS } from "./pool_with_indices.js";
import { MULTI_HEAD_ATTENTION_FNS } from "./multi_head_attention.js";

export const { relu, leakyRelu, gelu, silu, sigmoid, tanh, softplus, elu, hardtanh, softmax, logSoftmax } = ACTIVATION_FNS;
export const { relu_, leakyRelu_, elu_, selu_, celu_, hardtanh_, rrelu_, threshold_ } = INPLACE_ACTIVATION_FNS;
export const { linear, bilinear } = LINEAR_FNS;
export const { nllLoss, crossEntropy, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv } = LOSS_FNS;
export const { marginRankingLoss, hingeEmbeddingLoss, softMarginLoss, cosineEmbeddingLoss, tripletMarginLoss, multiMarginLoss, multilabelSoftMarginLoss, poissonNllLoss, gaussianNllLoss } = LOSS_EXTRA_FNS;
export const { ctcLoss } = CTC_LOSS_FNS;
export const { unfold, fold } = FOLD_FNS;
export const { conv1d, conv2d, convTranspose2d } = CONV_FNS;
export const { maxPool2d, maxPool1d, avgPool2d, avgPool1d, adaptiveAvgPool2d, adaptiveAvgPool1d } = POOLING_FNS;
export const { batchNorm, layerNorm, groupNorm } = NORMALIZATION_FNS;
export const { celu, selu, hardsigmoid, hardswish, relu6, mish, softsign, logsigmoid, softmin, tanhshrink, softshrink, hardshrink, threshold, glu, prelu } = MORE_ACTIVATION_FNS;
export const { interpolate, upsample, upsampleNearest, upsampleBilinear } = INTERPOLATE_FNS;
export const { instanceNorm, normalize } = MORE_NORMALIZATION_FNS;
export const { rmsNorm } = RMS_NORM_FNS;
export const { conv3d, convTranspose1d, convTranspose3d } = CONV3D_FNS;
export const { avgPool3d, maxPool3d } = POOLING3D_FNS;
export const { maxUnpool1d, maxUnpool2d, maxUnpool3d } = UNPOOL_FNS;
export const { adaptiveAvgPool3d, adaptiveMaxPool1d, adaptiveMaxPool2d, adaptiveMaxPool3d } = ADAPTIVE_FNS;
export const { dropout, dropout2d } = DROPOUT_FNS;
export const { cosineSimilarity, pairwiseDistance, pdist } = DISTANCE_FNS;
export const { embedding } = EMBEDDING_FNS;
export const { embeddingBag } = EMBEDDING_BAG_FNS;
export const { scaledDotProductAttention } = ATTENTION_FNS;
export const { pad } = SHAPE_FNS;
export const { oneHot } = ADVANCED_INDEXING_FNS;
export const { pixelShuffle, pixelUnshuffle } = PIXEL_SHUFFLE_FNS;
export const { affineGrid, gridSample } = GRID_SAMPLE_FNS;
export const { localResponseNorm } = LOCAL_RESPONSE_NORM_FNS;
export const { lpPool1d, lpPool2d } = LP_POOL_FNS;
export const { channelShuffle, nativeChannelShuffle } = CHANNEL_SHUFFLE_FNS;
export const { alphaDropout, featureAlphaDropout, dropout1d, dropout3d } = DROPOUT_EXTRA_FNS;
export const { rrelu } = RRELU_FNS;
export const { gumbelSoftmax } = GUMBEL_SOFTMAX_FNS;
export const { multilabelMarginLoss } = MULTILABEL_MARGIN_LOSS_FNS;
export const { tripletMarginWithDistanceLoss } = TRIPLET_DISTANCE_LOSS_FNS;
export const { fractionalMaxPool2d, fractionalMaxPool3d, fractionalMaxPool2dWithIndices, fractionalMaxPool3dWithIndices } = FRACTIONAL_MAX_POOL_FNS;
export const {
  maxPool1dWithIndices, maxPool2dWithIndices, maxPool3dWithIndices, adaptiveMaxPool1dWithIndices, adaptiveMaxPool2dWithIndices, adaptiveMaxPool3dWithIndices,
} = POOL_WITH_INDICES_FNS;
export const { multiHeadAttentionForward } = MULTI_HEAD_ATTENTION_FNS;


export type { Reduction, NllOptions, CrossEntropyOptions } from "./loss.js";
export type { TripletMarginOptions, MultiMarginOptions, PoissonNllOptions } from "./loss_extra.js";
export type { CtcLossOptions } from "./ctc_loss.js";
export type { Conv1dOptions, Conv2dOptions, ConvTranspose2dOptions, ConvPadding1d, ConvPadding2d, IntOrPair, IntOrSingle } from "./conv.js";
export type { MaxPool2dOptions, AvgPool2dOptions, MaxPool1dOptions, AvgPool1dOptions, AdaptiveSize2d } from "./pooling.js";
export type { BatchNormOptions, LayerNormOptions } from "./normalization.js";
export type { InterpolateMode, InterpolateOptions } from "./interpolate.js";
export type { Conv3dOptions, ConvTranspose1dOptions, ConvTranspose3dOptions, ConvPadding3d, IntOrTriple } from "./conv3d.js";
export type { AvgPool3dOptions, MaxPool3dOptions } from "./pooling3d.js";
export type { MaxUnpoolOptions } from "./unpool.js";
export type { AdaptiveSize } from "./adaptive.js";
export type { DropoutOptions } from "./dropout.js";
export type { EmbeddingOptions } from "./embedding.js";
export type { EmbeddingBagOptions, EmbeddingBagMode } from "./embedding_bag.js";
export type { ScaledDotProductAttentionOptions } from "./attention.js";
export type { GridSampleMode, GridSamplePadding, GridSampleOptions } from "./grid_sample.js";
export type { DropoutVariantOptions } from "./dropout_extra.js";
export type { RreluOptions } from "./rrelu.js";
export type { GumbelSoftmaxOptions } from "./gumbel_softmax.js";
export type { DistanceFunction, TripletMarginWithDistanceOptions } from "./triplet_distance_loss.js";
export type { FractionalMaxPool2dOptions, FractionalMaxPool3dOptions } from "./fractional_max_pool.js";
export type { MhaForwardOptions } from "./multi_head_attention.js";

/**
 * The torch.* function forms: `fx.sum(x, 1)`, `fx.matmul(a, b)`, `fx.cat([a, b], 1)` ...
 * for every op PyTorch has as a function, each the same declared op as the Tensor method
 * (src/api/registry.ts), so arguments are checked the same way. Also the dtype constants
 * (`fx.float32`, `fx.long` ...), accepted wherever a dtype string is.
 */
import { ADVANCED_INDEXING_FNS } from "./ops/advanced_indexing.js";
import { EXTRA_FNS } from "./ops/elementwise_extra.js";
import { INDEXING_FNS } from "./ops/indexing.js";
import { LINALG_FNS } from "./ops/linalg.js";
import { SHAPE_FNS } from "./ops/shape_ops.js";
import { SORTING_FNS } from "./ops/sorting.js";
import { VIEW_FNS } from "./ops/views.js";
import { SCATTER_REDUCE_FNS } from "./ops/scatter_reduce.js";
import { CUMULATIVE_FNS } from "./ops/cumulative.js";
import { DIAGONAL_FNS } from "./ops/diagonal.js";
import { REPEAT_INTERLEAVE_FNS } from "./ops/repeat_interleave.js";
import { SEGMENT_REDUCE_FNS } from "./ops/segment_reduce.js";
import { MESHGRID_FNS } from "./ops/meshgrid.js";
import { MOMENTS_FNS } from "./ops/moments.js";
import { EINSUM_FNS } from "./ops/einsum.js";
import { MULTINOMIAL_FNS } from "./ops/multinomial.js";
import { DIFFERENCE_FNS } from "./ops/difference.js";
import { SEARCHSORTED_FNS } from "./ops/searchsorted.js";
import { BLAS_LIKE_FNS } from "./ops/blas_like.js";
import { CDIST_FNS } from "./ops/cdist.js";
import { COUNTING_FNS } from "./ops/counting.js";
import { ISIN_FNS } from "./ops/isin.js";
import { INDEX_FILL_COPY_FNS } from "./ops/index_fill_copy.js";
import { KRON_FNS } from "./ops/kron.js";
import { AMINMAX_FNS } from "./ops/aminmax.js";
import { COMBINATORICS_FNS } from "./ops/combinatorics.js";
import { TORCH_LINALG_FNS } from "./ops/linalg/torch_forms.js";
import { SPECIAL_FNS } from "./ops/special.js";
import { IGAMMA_FNS } from "./ops/special_more.js";
import { NUMERIC_FNS } from "./ops/elementwise_numeric.js";
import { ALIAS_FNS } from "./ops/aliases.js";
import { COMPAT_FNS } from "./ops/tensor_compat.js";
import { AS_STRIDED_FNS } from "./ops/as_strided.js";
import { FMAX_RENORM_FNS } from "./ops/fmax_renorm.js";
import { SHAPE_EXTRA_FNS } from "./ops/shape_extra.js";
import { SCATTER_EXTRA_FNS } from "./ops/scatter_extra.js";
import { STATISTICS_FNS } from "./ops/statistics.js";
import { CREATION_EXTRA_FNS } from "./ops/creation_extra.js";
import { NUMERIC_EXTRA_FNS } from "./ops/numeric_extra.js";
import { DISTANCE_FNS } from "./nn/functional/distance.js";
import { TORCH_INPLACE_FNS, TORCH_NN_FNS } from "./nn/functional/torch_forms.js";
import { TORCH_NATIVE_FNS } from "./nn/functional/torch_forms_native.js";
import { SIGNAL_WINDOW_FNS } from "./ops/windows_signal.js";
import { REAL_COMPLEX_FNS } from "./ops/real_complex.js";
import { LOWRANK_FNS } from "./ops/linalg/lowrank.js";

export {
  neg, abs, sign, floor, ceil, round, trunc, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos, tan, tanh,
  sigmoid, erf, relu, silu, logicalNot, isnan, isfinite, isinf,
  mul, maximum, minimum, atan2, eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalXor,
  add, sub, rsub, div, pow, square, clamp, clip, clampMin, clampMax, where,
  log2, log10, exp2, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, frac, copysign, fmod, logaddexp, logaddexp2, hypot,
} from "./ops/elementwise.js";
export {
  sum, mean, prod, max, min, amax, amin, argmax, argmin, var, std, logsumexp, norm, all, any, cumsum, cumprod, softmax, logSoftmax,
} from "./ops/reduction.js";
export {
  tensor, full, zeros, ones, empty, zerosLike, onesLike, emptyLike, fullLike, arange, linspace, eye,
  rand, randn, randint, randperm, randLike, randnLike, bernoulli, scalarTensorFn as scalarTensor,
} from "./tensor/creation.js";
export { fromTypedArray } from "./tensor/typed_array_bridge.js";

export const { reshape, permute, transpose, swapaxes, swapdims, t, squeeze, unsqueeze, flatten, unflatten, narrow, select, clone, detach, unbind, movedim, moveaxis, broadcastTo, broadcastTensors } = VIEW_FNS;
export const { cat, concat, concatenate, stack, hstack, vstack, split, chunk, tensorSplit, splitWithSizes, unsafeSplit, unsafeSplitWithSizes, unsafeChunk, flip, fliplr, flipud, roll, tile, tril, triu, pad } = SHAPE_FNS;
export const { matmul, mm, bmm, mv, dot, outer } = LINALG_FNS;
export const { sort, argsort, msort, topk, kthvalue, median, nanmedian, unique, uniqueConsecutive } = SORTING_FNS;
export const { gather, scatter, scatterAdd, indexSelect, indexAdd, take, nonzero, argwhere, oneHot } = ADVANCED_INDEXING_FNS;
export const { indexPut, maskedFill, maskedSelect } = INDEXING_FNS;
export const { scatterReduce } = SCATTER_REDUCE_FNS;
export const { segmentReduce } = SEGMENT_REDUCE_FNS;
export const { cummax, cummin, logcumsumexp } = CUMULATIVE_FNS;
export const { diagonal, diagEmbed, diag, trace } = DIAGONAL_FNS;
export const { repeatInterleave } = REPEAT_INTERLEAVE_FNS;
export const { meshgrid } = MESHGRID_FNS;
export const { stdMean, varMean } = MOMENTS_FNS;
export const { einsum } = EINSUM_FNS;
export const { multinomial } = MULTINOMIAL_FNS;
export const { diff, nansum, nanmean, countNonzero } = DIFFERENCE_FNS;
export const { searchsorted, bucketize } = SEARCHSORTED_FNS;
export const { addmm, addmv, addr, baddbmm, addbmm } = BLAS_LIKE_FNS;
export const { cdist } = CDIST_FNS;
export const { bincount, histc } = COUNTING_FNS;
export const { isin } = ISIN_FNS;
export const { indexFill, indexCopy } = INDEX_FILL_COPY_FNS;
export const { kron } = KRON_FNS;
export const { aminmax } = AMINMAX_FNS;
export const { cartesianProd, combinations, trilIndices, triuIndices } = COMBINATORICS_FNS;
export const {
  inverse, det, logdet, slogdet, cholesky, qr, svd, pinverse, cross, matrixPower, matrixExp, triangularSolve, lu, luSolve, luUnpack,
  geqrf, orgqr, ormqr, choleskySolve, choleskyInverse, inner, vdot, dist, ger, chainMatmul, frobeniusNorm, nuclearNorm, vander,
} = TORCH_LINALG_FNS;
/** torch.svd_lowrank / torch.pca_lowrank: randomized low-rank SVD and PCA (src/ops/linalg/lowrank.ts). */
export const { svdLowrank, pcaLowrank } = LOWRANK_FNS;
export const {
  remainder, floorDivide, bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseLeftShift, bitwiseRightShift, xlogy,
  bitwiseNot, sinc, deg2rad, rad2deg, logit, nanToNum, lerp, isclose, allclose, equal, addcmul, addcdiv,
} = EXTRA_FNS;
export const { erfc, erfinv, lgamma, digamma, polygamma, mvlgamma, i0 } = SPECIAL_FNS;
export const { igamma, igammac } = IGAMMA_FNS;
export const { signbit, isposinf, isneginf, frexp, ldexp, nextafter, heaviside, gcd, lcm, floatPower } = NUMERIC_FNS;
export const {
  arccos, arcsin, arctan, arccosh, arcsinh, arctanh, arctan2, negative, positive, absolute, fix, trueDivide, ravel,
  multiply, subtract, divide, greater, greaterEqual, less, lessEqual, notEqual,
} = ALIAS_FNS;
export const { fmax, fmin, renorm } = FMAX_RENORM_FNS;
export { sgn } from "./ops/inplace_extra.js";
export const { adjoint } = COMPAT_FNS;
export const { asStrided } = AS_STRIDED_FNS;
export const {
  rot90, takeAlongDim, hsplit, vsplit, dsplit, narrowCopy, atleast1d, atleast2d, atleast3d, blockDiag, columnStack, rowStack, dstack,
} = SHAPE_EXTRA_FNS;
export const { diagonalScatter, selectScatter, sliceScatter, maskedScatter, put, indexReduce } = SCATTER_EXTRA_FNS;
export const { mode, quantile, nanquantile, cov, corrcoef } = STATISTICS_FNS;
export const { asTensor, asarray, logspace, normal, poisson, binomial, randintLike, diagflat, emptyStrided, fill, frombuffer, range } = CREATION_EXTRA_FNS;
export const { tensordot, trapezoid, trapz, cumulativeTrapezoid, gradient, pdist, unravelIndex, histogram, histogramdd } = NUMERIC_EXTRA_FNS;
/** torch.cosine_similarity / torch.pairwise_distance: nn.functional's, also at the top level as in PyTorch. */
export const { cosineSimilarity, pairwiseDistance } = DISTANCE_FNS;
/**
 * torch's nn functions (torch.conv2d, torch.layer_norm, torch.dropout(input, p, train),
 * torch.embedding(weight, indices), ...), with torch's signatures (src/nn/functional/torch_forms.ts).
 */
export const {
  conv1d, conv2d, conv3d, convTranspose1d, convTranspose2d, convTranspose3d, pixelShuffle, pixelUnshuffle, prelu, hardshrink, selu, selu_, celu, celu_,
  rrelu, rrelu_, threshold, threshold_, maxPool1d, maxPool2d, maxPool3d, avgPool1d, adaptiveAvgPool1d, adaptiveMaxPool1d, bilinear, channelShuffle,
  nativeChannelShuffle, dropout, dropout_, alphaDropout, alphaDropout_, featureAlphaDropout, featureAlphaDropout_, layerNorm, groupNorm, batchNorm,
  instanceNorm, embedding, featureDropout, featureDropout_, maxPool1dWithIndices, convolution, constantPadNd, binaryCrossEntropyWithLogits,
  cosineEmbeddingLoss, hingeEmbeddingLoss, klDiv, marginRankingLoss, poissonNllLoss, tripletMarginLoss, ctcLoss,
} = TORCH_NN_FNS;
/**
 * torch.native_layer_norm / native_batch_norm / native_group_norm / native_dropout (their tuples),
 * the functional cells torch.rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell, torch.norm_except_dim
 * and the removed torch.matrix_rank (src/nn/functional/torch_forms_native.ts).
 */
export const {
  nativeLayerNorm, nativeBatchNorm, nativeGroupNorm, nativeDropout, rnnTanhCell, rnnReluCell, lstmCell, gruCell, normExceptDim, matrixRank, embeddingBag,
} = TORCH_NATIVE_FNS;
/** torch.relu_(x), torch.exp_(x), torch.clamp_(x, 0), ...: Tensor's in-place methods as functions. */
export const {
  abs_, acos_, acosh_, addmv_, arccos_, arccosh_, arcsin_, arcsinh_, arctan_, arctanh_, asin_, asinh_, atan_, atanh_, ceil_, clamp_, clampMax_, clampMin_,
  clip_, cos_, cosh_, deg2rad_, detach_, erf_, erfc_, exp_, exp2_, expm1_, fill_, fix_, floor_, frac_, gcd_, i0_, indexPut_, lcm_, ldexp_, log_, log10_,
  log1p_, log2_, logit_, nanToNum_, neg_, negative_, rad2deg_, reciprocal_, relu_, resizeAs_, round_, rsqrt_, sigmoid_, sin_, sinc_, sinh_, sqrt_, square_,
  tan_, tanh_, trunc_, xlogy_, zero_,
} = TORCH_INPLACE_FNS;
/** torch.conj, torch.angle, torch.real, torch.imag, ...: PyTorch's complex API on real tensors (src/ops/real_complex.ts). */
export const { conj, conjPhysical, conjPhysical_, resolveConj, resolveNeg, isConj, isNeg, angle, isreal, real, imag } = REAL_COMPLEX_FNS;
/** torch.hann_window and the other signal windows (src/ops/windows_signal.ts). */
export const { hannWindow, hammingWindow, blackmanWindow, bartlettWindow, kaiserWindow } = SIGNAL_WINDOW_FNS;

// dtype constants: torch.float32 and its aliases are plain dtype strings here
export const float32 = "float32", float = "float32", float64 = "float64", double = "float64";
export const float16 = "float16", half = "float16", bfloat16 = "bfloat16";
export const int32 = "int32", int = "int32", bool = "bool";
export const int64 = "int64", long = "int64", uint8 = "uint8", int8 = "int8";

/**
 * Autocast's op policy: which public ops run in the low-precision dtype, which in float32,
 * which in the widest dtype of their inputs, keyed by the names DispatchCall.publicOp and
 * the op layers carry ("matmul", "F.linear", "F.crossEntropy").
 *
 * The lists are PyTorch 1.13's CPU lists (aten/src/ATen/autocast_mode.cpp, AutocastCPU),
 * checked op by op against torch.autocast("cpu", dtype=torch.bfloat16) in
 * test/fixtures/amp_policy_torch.py. Note that on CPU PyTorch 1.13 does NOT list softmax,
 * log-softmax, layer/batch/group norm, exp/log/pow or sum/mean: they run in whatever dtype
 * reaches them (bfloat16 after a linear layer), as here. PyTorch names that Fluxion does
 * not implement yet are kept, so an op added under that name is covered at once.
 */

/** How autocast treats a public op's floating tensor arguments. */
export type CastPolicy =
  /** cast to the autocast dtype (bfloat16/float16): the matmul and convolution family */
  | "lowerPrecision"
  /** cast to float32: losses and ops whose accuracy suffers in 16 bits */
  | "fp32"
  /** cast to the widest floating dtype among them (concatenation) */
  | "promote";

const LOWER_PRECISION = [
  "matmul", "mm", "bmm", "baddbmm", "addmm", "addbmm",
  "F.linear", "F.conv1d", "F.conv2d", "F.conv3d", "F.convTbc",
  // not listed by PyTorch, whose einsum reaches bmm before any dtype check; Fluxion's checks
  // its operands first, so it is listed to give PyTorch's result (bfloat16) for mixed inputs
  "einsum",
];

const FP32 = [
  // losses
  "F.nllLoss", "F.crossEntropy", "F.mseLoss", "F.l1Loss", "F.smoothL1Loss", "F.huberLoss",
  "F.binaryCrossEntropy", "F.binaryCrossEntropyWithLogits", "F.klDiv", "F.marginRankingLoss",
  "F.hingeEmbeddingLoss", "F.softMarginLoss", "F.multiMarginLoss", "F.multilabelMarginLoss",
  "F.tripletMarginLoss", "F.cosineEmbeddingLoss", "F.poissonNllLoss", "F.ctcLoss",
  // the loss modules, whose forward runs the functional forms' internals (see src/nn/layers/loss.ts)
  "nn.NLLLoss", "nn.CrossEntropyLoss", "nn.MSELoss", "nn.L1Loss", "nn.SmoothL1Loss", "nn.HuberLoss",
  "nn.BCELoss", "nn.BCEWithLogitsLoss", "nn.KLDivLoss", "nn.MarginRankingLoss", "nn.HingeEmbeddingLoss",
  "nn.SoftMarginLoss", "nn.MultiMarginLoss", "nn.MultiLabelMarginLoss", "nn.TripletMarginLoss",
  "nn.CosineEmbeddingLoss", "nn.PoissonNLLLoss", "nn.CTCLoss",
  // reductions and linear algebra that lose too much in 16 bits
  "prod", "trace", "cdist", "quantile", "nanquantile", "polar", "stft", "inverse", "pinverse",
  "cholesky", "choleskyInverse", "choleskySolve", "F.bilinear", "qr", "svd", "triangularSolve",
  // torch.linalg (listed by their ATen names: linalg_cholesky ...)
  "linalg.cholesky", "linalg.choleskyEx", "linalg.inv", "linalg.invEx", "linalg.solve", "linalg.qr", "linalg.eigh",
  "linalg.eigvalsh", "linalg.svd", "linalg.svdvals", "linalg.lstsq", "linalg.matrixRank", "linalg.matrixNorm",
  // 3-d pooling and friends
  "F.avgPool3d", "F.maxPool3d", "F.adaptiveAvgPool3d", "F.adaptiveMaxPool3d", "F.maxUnpool2d",
  "F.maxUnpool3d", "F.fractionalMaxPool2d", "F.fractionalMaxPool3d", "F.gridSample",
];

const PROMOTE = [
  "cat", "stack", "indexCopy", "Tensor.indexCopy",
  // not in PyTorch 1.13's lists, whose CPU kernels run a bfloat16 input with a float32
  // weight in float32: the widest dtype gives the same result
  "F.convTranspose1d", "F.convTranspose2d", "F.convTranspose3d",
];

const POLICY = new Map<string, CastPolicy>([
  ...LOWER_PRECISION.map((k) => [k, "lowerPrecision"] as const),
  ...FP32.map((k) => [k, "fp32"] as const),
  ...PROMOTE.map((k) => [k, "promote"] as const),
]);

/** The policy of a public op, or undefined when autocast leaves it alone (its inner ops are still autocast). */
export function castPolicy(op: string): CastPolicy | undefined {
  return POLICY.get(op);
}

/** Every op with a policy, for docs and tests. */
export function autocastOps(): ReadonlyMap<string, CastPolicy> {
  return POLICY;
}

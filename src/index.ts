/**
 * Fluxion: eager tensors with define-by-run autograd and a PyTorch-style API.
 *
 * @example
 * import { tensor } from "fluxion";
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * console.log(x.grad.toString()); // tensor([[2., 4.], [6., 8.]])
 */
import "./backend/cpu/index.js";
import "./ops/views.js";
import "./ops/conversion.js";
import "./ops/elementwise.js";
import "./ops/reduction.js";
import "./ops/linalg.js";
import "./ops/inplace.js";
import "./ops/shape_ops.js";
import "./ops/sorting.js";
import "./ops/indexing.js";
import "./ops/scatter_reduce.js";
import "./ops/cumulative.js";
import "./ops/diagonal.js";
import "./ops/windows.js";
import "./ops/repeat_interleave.js";
import "./ops/meshgrid.js";
import "./ops/moments.js";
import "./ops/einsum.js";
import "./ops/linalg/torch_forms.js";
import "./ops/special.js";
import "./ops/elementwise_numeric.js";
import "./ops/aliases.js";
import "./ops/inplace_random.js";
import "./ops/inplace_extra.js";
import "./ops/tensor_compat.js";
import "./ops/shape_extra.js";
import "./ops/scatter_extra.js";
import "./ops/statistics.js";
import "./ops/toplevel.js";
import "./ops/creation_extra.js";
import "./ops/numeric_extra.js";
import "./ops/real_complex.js";
import "./autograd/backward.js";

export { Tensor, type GradHook } from "./tensor/tensor.js";
export { type RemovableHandle } from "./tensor/removable_handle.js";
export { type DType, DTYPES, promoteTypes } from "./tensor/dtype.js";
export { type CreateOptions, type RandomOptions, type TensorData, type NestedArray } from "./tensor/creation.js";
export { Generator, manualSeed, defaultGenerator } from "./tensor/random.js";
export {
  setDefaultDtype, getDefaultDtype, finfo, iinfo, isTensor, isFloatingPoint, isComplex, numel, isNonzero, isSameSize,
  seed, initialSeed, getRngState, setRngState, isInferenceModeEnabled, device, cuda, isSigned, isInference, typename, isStorage,
  broadcastShapes, isAnomalyEnabled, isAnomalyCheckNanEnabled, setAnomalyEnabled,
} from "./ops/toplevel.js";
export { FInfo, IInfo } from "./tensor/type_info.js";
export { printOptions } from "./tensor/print.js";
export { contiguousFormat, preserveFormat, channelsLast, channelsLast3d, type MemoryFormat } from "./ops/memory_format.js";
export * from "./errors.js";
export { dispatch, dispatchAll, addDispatchLayer, withDispatchLayer, publicOpStack, type DispatchCall, type DispatchLayer } from "./backend/dispatcher.js";
export { PRIMITIVES, type PrimitiveName, type PrimitiveAttrs } from "./backend/primitives.js";
export { registerBackend, type Backend } from "./backend/backend.js";
export {
  backends, useDeterministicAlgorithms, areDeterministicAlgorithmsEnabled, isDeterministicAlgorithmsWarnOnlyEnabled,
  setFloat32MatmulPrecision, getFloat32MatmulPrecision, setFlushDenormal, setNumInteropThreads, getNumInteropThreads,
  setPrintoptions, resultType, canCast, setDeterministicDebugMode, getDeterministicDebugMode, setWarnAlways, isWarnAlwaysEnabled,
} from "./ops/config.js";
export { initWebGPU, type WebGPUInfo } from "./backend/webgpu/index.js";
export { setNumThreads, getNumThreads, nativeStatus, setNativeIsa, type NativeStatus } from "./backend/cpu/native.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, withGradEnabled, inferenceMode } from "./autograd/grad_mode.js";
export * as autograd from "./autograd/index.js";
export type { TensorLike } from "./ops/helpers.js";
export { type PadMode, type PadOptions } from "./ops/shape_ops.js";
export { type SortResult, type SortOptions, type TopkOptions, type UniqueOptions, type UniqueResult } from "./ops/sorting.js";
export { slice, Slice, type IndexSpec } from "./ops/indexing.js";
export * from "./functional.js";
/** torch.special: the special functions under PyTorch's names (special.ndtr, special.gammaln, ...). */
export { special } from "./ops/special.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
/** torch.linalg: factorizations, solvers, norms (docs/linalg.md). */
export * as linalg from "./ops/linalg/index.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
/** torch.save / torch.load: io.save and io.load (safetensors files). */
export { save, load } from "./io/index.js";
export * as utils from "./utils/index.js";
/** Python's copy module: `copy.deepcopy(model)` (also utils.deepcopy). */
export * as copy from "./utils/copy.js";
export { compile, type CompiledFunction, type CompileStats, type CompileOptions, type GraphBreak, type GraphRecord } from "./compile/index.js";
/** Static graphs for deployment: jit.trace() / exportGraph(), loadGraph(), and ONNX export (docs/export.md). */
export { exportGraph, loadGraph, ExportedProgram, onnx } from "./export/index.js";
/** torch.jit.trace / torch.jit.load (top-level `trace` is the matrix trace, as torch.trace). */
export * as jit from "./export/jit.js";
export type { OnnxExportOptions } from "./export/onnx/index.js";
export * as amp from "./amp/index.js";
/** torch.autocast: amp.autocast under PyTorch's top-level name. */
export { autocast } from "./amp/index.js";
export * as testing from "./testing/index.js";
/** torch.func: grad, vjp, jvp, jacrev, jacfwd, hessian, vmap and functionalCall. */
export * as func from "./func/index.js";
/** torch.vmap (torch.func.vmap). */
export { vmap } from "./func/index.js";
/** torch.distributions: Normal, Categorical, MultivariateNormal, ..., klDivergence (docs/distributions.md). */
export * as distributions from "./distributions/index.js";

/**
 * The torch.* settings reproducibility and setup boilerplate calls: deterministic algorithms,
 * float32 matmul precision, flush-denormal, inter-op threads, print options, the
 * torch.backends flags (cudnn.deterministic, cudnn.benchmark, ...) and result_type/can_cast.
 * Each is checked and remembered as PyTorch's is. What a flag asks for already holds on
 * Fluxion's CPU kernels (they are deterministic, and float32 matmul always runs in float32),
 * or concerns a device Fluxion does not have, so none changes a result.
 */
import { defineOp } from "../api/registry.js";
import { backends_ } from "../backend/backend.js";
import { ArgumentError } from "../errors.js";
import { isFloating, isIntegral, type DType } from "../tensor/dtype.js";
import { printOptions } from "../tensor/print.js";
import { resultTypeOf, type TensorLike } from "./helpers.js";

const fn = { variants: "function" } as const;

const deterministic = { enabled: false, warnOnly: false };
/**
 * torch.use_deterministic_algorithms: remembered for areDeterministicAlgorithmsEnabled().
 * Fluxion's CPU kernels give the same bits on every run already (threads split work the same
 * way each time, scatter-adds accumulate in index order).
 */
export const useDeterministicAlgorithms = defineOp("useDeterministicAlgorithms(bool mode, *, bool warnOnly=false) -> None", (mode: boolean, { warnOnly }: { warnOnly: boolean }) => {
  deterministic.enabled = mode;
  deterministic.warnOnly = warnOnly;
}, fn);
/** torch.are_deterministic_algorithms_enabled. */
export const areDeterministicAlgorithmsEnabled = defineOp("areDeterministicAlgorithmsEnabled() -> bool", () => deterministic.enabled, fn);
/** torch.is_deterministic_algorithms_warn_only_enabled. */
export const isDeterministicAlgorithmsWarnOnlyEnabled = defineOp("isDeterministicAlgorithmsWarnOnlyEnabled() -> bool", () => deterministic.warnOnly, fn);

const DEBUG_MODES = ["default", "warn", "error"] as const;
/**
 * torch.set_deterministic_debug_mode: "default" (0), "warn" (1) or "error" (2), the other
 * spelling of useDeterministicAlgorithms: "warn" is (true, warnOnly), "error" is true,
 * "default" is false.
 * @example setDeterministicDebugMode("warn"); getDeterministicDebugMode() // 1
 */
export const setDeterministicDebugMode = defineOp("setDeterministicDebugMode(str|int debugMode) -> None", (mode: string | number) => {
  let level: number;
  if (typeof mode === "string") {
    level = DEBUG_MODES.indexOf(mode as (typeof DEBUG_MODES)[number]);
    if (level < 0) throw new ArgumentError(`setDeterministicDebugMode: invalid value of debug_mode, expected one of \`default\`, \`warn\`, \`error\`, but got ${mode}`);
  } else {
    if (mode !== 0 && mode !== 1 && mode !== 2) throw new ArgumentError(`setDeterministicDebugMode: invalid value of debug_mode, expected 0, 1, or 2, but got ${mode}`);
    level = mode;
  }
  deterministic.enabled = level > 0;
  deterministic.warnOnly = level === 1;
}, fn);
/** torch.get_deterministic_debug_mode: 0 (off), 1 (warn only) or 2 (error), from useDeterministicAlgorithms's state. */
export const getDeterministicDebugMode = defineOp("getDeterministicDebugMode() -> int", () => (!deterministic.enabled ? 0 : deterministic.warnOnly ? 1 : 2), fn);

let warnAlways = false;
/**
 * torch.set_warn_always: remembered for isWarnAlwaysEnabled(). Fluxion's warnings (deprecations,
 * klDiv's "mean") are printed with console.warn on every call whatever the flag, which is what
 * PyTorch does with the flag on.
 */
export const setWarnAlways = defineOp("setWarnAlways(bool b) -> None", (b: boolean) => {
  warnAlways = b;
}, fn);
/** torch.is_warn_always_enabled: the flag setWarnAlways set (false initially, as PyTorch). */
export const isWarnAlwaysEnabled = defineOp("isWarnAlwaysEnabled() -> bool", () => warnAlways, fn);

let matmulPrecision: "highest" | "high" | "medium" = "highest";
/**
 * torch.set_float32_matmul_precision: "highest" (the default), "high" or "medium". Remembered;
 * float32 matmuls run in float32 at every setting (as PyTorch's CPU ones do).
 */
export const setFloat32MatmulPrecision = defineOp('setFloat32MatmulPrecision("highest"|"high"|"medium" precision) -> None', (p: typeof matmulPrecision) => {
  matmulPrecision = p;
}, fn);
/** torch.get_float32_matmul_precision. */
export const getFloat32MatmulPrecision = defineOp("getFloat32MatmulPrecision() -> str", () => matmulPrecision, fn);

/**
 * torch.set_flush_denormal: returns whether flushing denormals could be set. Fluxion's kernels
 * keep IEEE denormals (JavaScript has no switch for them), so it is false, and nothing changes.
 */
export const setFlushDenormal = defineOp("setFlushDenormal(bool mode) -> bool", () => false, fn);

let interopThreads = 1;
/** torch.set_num_interop_threads: remembered (Fluxion runs one op at a time; intra-op threads are setNumThreads). */
export const setNumInteropThreads = defineOp("setNumInteropThreads(int num) -> None", (n: number) => {
  if (n < 1) throw new ArgumentError(`setNumInteropThreads: number of interop threads must be positive, got ${n}`);
  interopThreads = n;
}, fn);
/** torch.get_num_interop_threads. */
export const getNumInteropThreads = defineOp("getNumInteropThreads() -> int", () => interopThreads, fn);

const PROFILES = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
} as const;
/**
 * torch.set_printoptions: a profile ("default", "short", "full") first, then the single
 * options given; sciMode true/false forces scientific notation on or off, null (the default)
 * lets each tensor choose.
 * @example setPrintoptions({ precision: 2, sciMode: false })
 */
export const setPrintoptions = defineOp(
  'setPrintoptions(int? precision=null, float? threshold=null, int? edgeitems=null, int? linewidth=null, "default"|"short"|"full"? profile=null, bool? sciMode=null) -> None',
  (precision: number | null, threshold: number | null, edgeitems: number | null, linewidth: number | null, profile: keyof typeof PROFILES | null, sciMode: boolean | null) => {
    for (const [k, v] of [["precision", precision], ["edgeitems", edgeitems], ["linewidth", linewidth]] as const) {
      if (v !== null && v < 0) throw new ArgumentError(`setPrintoptions: ${k} must be non-negative, got ${v}`);
    }
    if (profile !== null) Object.assign(printOptions, PROFILES[profile]);
    if (precision !== null) printOptions.precision = precision;
    if (threshold !== null) printOptions.threshold = threshold;
    if (edgeitems !== null) printOptions.edgeitems = edgeitems;
    if (linewidth !== null) printOptions.linewidth = linewidth;
    printOptions.sciMode = sciMode;
  },
  fn,
);

/** torch.result_type: the dtype an arithmetic op on these two operands computes in. */
export const resultType = defineOp("resultType(Tensor|Scalar tensor, Tensor|Scalar other) -> ScalarType", (a: TensorLike, b: TensorLike) => resultTypeOf(a, b), fn);

/** PyTorch's can_cast: no floating -> integral or bool, no integral -> bool. */
export function canCastDType(from: DType, to: DType): boolean {
  if (isFloating(from)) return isFloating(to);
  if (isIntegral(from)) return to !== "bool";
  return true;
}
/** torch.can_cast: whether an in-place op may write a `from` result into a `to` tensor. */
export const canCast = defineOp("canCast(ScalarType from, ScalarType to) -> bool", canCastDType, fn);

/**
 * torch.backends: the function lists Fluxion's backends (backends()); its fields are
 * PyTorch's flags, plain settable values that a script may read and write
 * (torch.backends.cudnn.deterministic = true) and that change nothing here: Fluxion has no
 * cuDNN, CUDA or MPS, and its CPU kernels are its own.
 */
export const backends = Object.assign(backends_, {
  cudnn: { enabled: true, benchmark: false, deterministic: false, allowTf32: true, isAvailable: () => false, version: () => null },
  cuda: { matmul: { allowTf32: false, allowFp16ReducedPrecisionReduction: true, allowBf16ReducedPrecisionReduction: true }, isBuilt: () => false },
  mps: { isAvailable: () => false, isBuilt: () => false },
  mkldnn: { enabled: true, isAvailable: () => false },
  openmp: { isAvailable: () => false },
});

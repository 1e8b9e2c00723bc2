/**
 * Shared by the fused-primitive tests: a "nofused" device — the CPU backend's core kernels
 * without any fused primitive, registered as its own backend, so every fused call on its
 * tensors runs the dispatcher's decomposition into core primitives (what a new backend gets
 * before it has fused kernels).
 */
import { registerBackend, type Backend } from "../../src/backend/backend.js";
import { cpuBackend } from "../../src/backend/cpu/index.js";
import { FUSED_PRIMITIVES } from "../../src/backend/primitives.js";

/** The device whose backend lacks the fused tier. */
export const NOFUSED = "nofused";

const ops: Record<string, unknown> = { ...cpuBackend.ops };
for (const f of FUSED_PRIMITIVES) delete ops[f];
registerBackend({ name: NOFUSED, describe: () => "CPU core primitives only (test)", ops: ops as unknown as Backend["ops"] });

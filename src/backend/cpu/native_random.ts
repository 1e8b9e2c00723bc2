/**
 * The typed wrapper of the native Philox fill (native/src/binding_random.cc): float32/float64
 * uniform, normal and bernoulli, int32 randint; everything else (the 16-bit floats, int64,
 * randperm) stays in the TypeScript loops of random.ts, which compute the same values.
 */
import type { RandomDist } from "../primitives.js";
import type { DType, TypedArray } from "../../tensor/dtype.js";
import type { PhiloxDraw } from "../../tensor/philox.js";
import { FluxionError } from "../../errors.js";
import { nativeAddon } from "./native.js";

interface RandomAddon {
  randomFill?(params: Float64Array, out: TypedArray, p: TypedArray | null): boolean;
}

const KIND: Partial<Record<RandomDist["kind"], number>> = { uniform: 0, normal: 1, randint: 2, bernoulli: 3 };
const OUT_TYPE: Partial<Record<DType, number>> = { float32: 0, float64: 1, int32: 2 };
const params = new Float64Array(10);

/**
 * Fills `out` (n = its length) natively; false, writing nothing, when the addon is missing or
 * older than the kernel, or the distribution/dtypes are not among those it handles.
 */
export function nativeRandom(dist: RandomDist, dtype: DType, out: ArrayLike<number>, draw: PhiloxDraw, p: ArrayLike<number> | null, pDtype: DType | undefined): boolean {
  const kind = KIND[dist.kind], outType = OUT_TYPE[dtype];
  if (kind === undefined || outType === undefined) return false;
  if (dist.kind === "randint" ? dtype !== "int32" : dtype === "int32") return false;
  if (dist.kind === "bernoulli" && pDtype !== "float32" && pDtype !== "float64") return false;
  const native = nativeAddon() as RandomAddon | null;
  if (!native?.randomFill) return false;
  const [a, b] = dist.kind === "normal" ? [dist.mean, dist.std] : dist.kind === "uniform" || dist.kind === "randint" ? [dist.low, dist.high - dist.low] : [0, 0];
  params.set([kind, outType, out.length, draw.key0, draw.key1, draw.offset0, draw.offset1, a, b, pDtype === "float64" ? 1 : 0]);
  try {
    return native.randomFill(params, out as TypedArray, p as TypedArray | null);
  } catch (e) {
    throw new FluxionError(`random (native kernel): ${String((e as Error).message).replace(/^fluxion native: (randomFill: )?/, "")}`);
  }
}

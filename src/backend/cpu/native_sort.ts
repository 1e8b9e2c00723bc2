/**
 * The typed wrapper of the native sort / top-k kernel (native/src/sort.cc): rows along an
 * axis of a contiguous [outer, R, inner] tensor, sorted (k = R) or cut to their first k in
 * sorted order, in exactly the order of the TypeScript kernels of ./sort.ts (stable; NaN
 * above every number, first when descending; -0 equal to 0). float32, float64, int32, int64,
 * uint8, int8 and bool; the 16-bit floats stay in TypeScript.
 */
import { FluxionError } from "../../errors.js";
import type { DType, StorageArray } from "../../tensor/dtype.js";
import { nativeAddon } from "./native.js";

interface SortAddon {
  sortRows?(params: Float64Array, x: StorageArray, values: StorageArray, indices: Int32Array): boolean;
}

/** The native EType codes (native/src/ewise.h) of the dtypes the kernel sorts. */
const TYPE: Partial<Record<DType, number>> = { float32: 0, float64: 1, int32: 2, bool: 3, uint8: 5, int8: 6, int64: 7 };
const params = new Float64Array(7);

/** Rows of a tensor seen as [outer, R, inner] around the sorted axis. */
export interface SortGeometry {
  outer: number;
  R: number;
  inner: number;
}

/**
 * Sorts each row of `x` (contiguous from `offset`) and writes its first k values and int32
 * positions into contiguous [outer, k, inner] `values` / `indices`. False, writing nothing,
 * when the addon is missing or predates the kernel, or the dtype is not one it sorts.
 */
export function nativeSortRows(
  dtype: DType, g: SortGeometry, k: number, descending: boolean,
  x: StorageArray, offset: number, values: StorageArray, indices: Int32Array,
): boolean {
  const type = TYPE[dtype];
  if (type === undefined) return false;
  const native = nativeAddon() as SortAddon | null;
  if (!native?.sortRows) return false;
  params[0] = type; params[1] = g.outer; params[2] = g.R; params[3] = g.inner;
  params[4] = k; params[5] = descending ? 1 : 0; params[6] = offset;
  try {
    return native.sortRows(params, x, values, indices);
  } catch (e) {
    throw new FluxionError(`sort (native kernel): ${String((e as Error).message).replace(/^fluxion native: (sortRows: )?/, "")}`);
  }
}

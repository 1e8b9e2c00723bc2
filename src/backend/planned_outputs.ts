/**
 * Planned outputs: memory a caller has already set aside for the outputs of the kernel it is
 * about to run. compile()'s executor (src/compile/buffer_plan.ts) gives each temporary of a
 * program a fixed place in one arena and offers those places here around each kernel; a
 * host backend's output allocation (cpu/util.ts alloc) takes an offered array whose dtype
 * and length match exactly instead of allocating, so a cached program's steady state
 * allocates nothing for its temporaries. Nothing else is promised: a kernel may take none
 * (the executor then keeps what it returned), and an offered array is only ever used for one
 * allocation of this kernel, so it can never alias a value another kernel still reads.
 */
import type { DType, StorageArray } from "../tensor/dtype.js";

/** The arrays on offer now (taken ones set to null), and their count; reused, so offering makes no garbage. */
const slots: (StorageArray | null)[] = [];
const slotDtypes: DType[] = [];
let count = 0;

/**
 * @internal Offers `arrays` (null entries are skipped) to the allocations of the next kernel;
 * `null` withdraws the offer. The caller withdraws it when the kernel returns (also on error).
 */
export function offerOutputs(arrays: readonly (StorageArray | null)[] | null, dtypes?: readonly DType[]): void {
  count = 0;
  if (arrays === null) return;
  for (let i = 0; i < arrays.length; i++) {
    slots[i] = arrays[i]!;
    slotDtypes[i] = dtypes![i]!;
  }
  count = arrays.length;
}

/**
 * An offered array of `n` elements of `dtype`, taken (offered once: a second allocation of the
 * same size gets its own memory); null when none fits.
 */
export function takeOfferedOutput(dtype: DType, n: number): StorageArray | null {
  for (let i = 0; i < count; i++) {
    const a = slots[i]!;
    if (a !== null && a.length === n && slotDtypes[i] === dtype) {
      slots[i] = null;
      return a;
    }
  }
  return null;
}

/**
 * torch.meshgrid: coordinate grids from 0-D/1-D tensors. Each output is one input reshaped
 * to run along its own dim and expanded (a broadcast view, no copy) to the grid's shape;
 * "ij" indexing puts the first input along dim 0, "xy" (NumPy's default) swaps the first two
 * dims. Like PyTorch 1.13, omitting `indexing` uses "ij" and warns once.
 */
import { DTypeError, DeviceError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import type { Tensor } from "../tensor/tensor.js";

let warnedIndexing = false;

type Indexing = "ij" | "xy";

/**
 * Grids of coordinates: for n inputs of sizes s1..sn, n tensors of shape [s1, .., sn]
 * ([s2, s1, s3, ..] with indexing "xy"), the k-th varying along input k.
 * @example const [gx, gy] = meshgrid(tensor([1, 2]), tensor([3, 4, 5]), { indexing: "ij" }); // gx: [[1, 1, 1], [2, 2, 2]]
 */
export function meshgrid(tensors: readonly Tensor[], indexing: Indexing | null = null): Tensor[] {
  if (tensors.length === 0) throw new ShapeError("meshgrid: expects a non-empty TensorList");
  if (indexing === null) {
    if (!warnedIndexing) {
      warnedIndexing = true;
      console.warn('fluxion: torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument (as PyTorch 1.13 warns); using indexing "ij"');
    }
    indexing = "ij";
  }
  if (indexing !== "ij" && indexing !== "xy") throw new FluxionError(`meshgrid: indexing must be one of "xy" or "ij", but received: ${String(indexing)}`);
  const first = tensors[0]!;
  tensors.forEach((t, k) => {
    if (t.ndim > 1) throw new ShapeError(`meshgrid: expected 0D or 1D tensors, but tensor ${k} has shape ${fmtShape(t.shape)}`);
    if (t.dtype !== first.dtype) throw new DTypeError(`meshgrid: expects all tensors to have the same dtype, but tensor 0 is ${first.dtype} and tensor ${k} is ${t.dtype}`);
    if (t.device !== first.device) throw new DeviceError(`meshgrid: expects all tensors to have the same device, but tensor 0 is on ${first.device} and tensor ${k} on ${t.device}`);
  });
  const sizes = tensors.map((t) => t.numel());
  // "xy" is "ij" with the first two inputs' roles swapped in the output's dims
  const swap = indexing === "xy" && tensors.length >= 2;
  const dimOf = (k: number) => (swap && k < 2 ? 1 - k : k);
  const shape = sizes.map((_, j) => sizes[dimOf(j)]!);
  return tensors.map((t, k) => t.reshape(shape.map((s, j) => (j === dimOf(k) ? s : 1))).expand(shape));
}

// varargs first: a bad option on the common form is the failure the message shows
const DECLS = [
  `meshgrid(Tensor... tensors, *, "ij"|"xy"? indexing=null) -> Tensor[]`,
  `meshgrid.list(Tensor[] tensors, *, "ij"|"xy"? indexing=null) -> Tensor[]`,
] as const;

type Kw = { indexing: Indexing | null };
const impl = (tensors: Tensor[], { indexing }: Kw) => meshgrid(tensors, indexing);

/** meshgrid(a, b, { indexing }) or meshgrid([a, b], { indexing }). */
export const MESHGRID_FNS = {
  meshgrid: defineOp(DECLS, [impl, impl]),
};

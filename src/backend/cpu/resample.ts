/**
 * The resample primitive on the CPU (F.interpolate's and adaptive average pooling's taps
 * along one axis): float32/float64 on the native kernel (native/src/gather.cc), which forms
 * the same rounded products and sums as the decomposition (gather, multiply, sum over the
 * taps; the transpose a scatter-add in the same order) without the [.., K·out, ..]
 * intermediates; other dtypes, or no addon, run the decomposition.
 */
import { IndexError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { runDecomposition } from "../dispatcher.js";
import type { FusedPrimitiveAttrs } from "../primitives.js";
import { copy } from "./elementwise.js";
import { nativeResample } from "./native.js";
import { alloc } from "./util.js";

function dense(t: Tensor, device: string): Tensor {
  return t.isContiguous() ? t : copy([t], {}, device)[0]!;
}

export function resample(inputs: readonly Tensor[], a: FusedPrimitiveAttrs["resample"], device: string): Tensor[] {
  const [x0, index0, weight0] = inputs as [Tensor, Tensor, Tensor | undefined];
  if (x0.dtype === "float32" || x0.dtype === "float64") {
    const x = dense(x0, device), index = dense(index0, device), weight = weight0 ? dense(weight0, device) : null;
    const [K, out] = index.shape as [number, number];
    const shape = x.shape.map((s, d) => (d === a.axis ? (a.transpose ? a.size : out) : s));
    let outer = 1, inner = 1;
    for (let d = 0; d < a.axis; d++) outer *= x.shape[d]!;
    for (let d = a.axis + 1; d < x.ndim; d++) inner *= x.shape[d]!;
    const y = alloc(shape, x.dtype, device, { zero: false });
    const bad = nativeResample(x.dtype, { outer, size: a.size, out, inner, K, transpose: a.transpose }, x, index, weight, y);
    if (bad !== false) {
      if (bad >= 0) {
        const v = (index.storage.data as Int32Array)[index.offset + bad]!;
        throw new IndexError(`resample: index ${v} is out of bounds for dimension ${a.axis} with size ${a.size} (input shape [${x.shape.join(", ")}])`);
      }
      return [y];
    }
  }
  return runDecomposition("resample", inputs, a, device);
}

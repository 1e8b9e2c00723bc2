/**
 * The one error of a primitive (or a dtype, or a mode of one) the WebGPU backend does not run
 * yet: it names the op, the device, the inputs and what to do, and never computes a wrong result.
 */
import { NotImplementedOnDeviceError, fmtShape } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";

export function unsupported(op: string, inputs: readonly Tensor[], why?: string): never {
  const ins = inputs.length ? ` (inputs ${inputs.map((t) => `${fmtShape(t.shape)} ${t.dtype}`).join(", ")})` : "";
  throw new NotImplementedOnDeviceError(
    `${op}: not implemented on the webgpu device yet${ins}${why ? `: ${why}` : ""}; move the tensors to the CPU for it (\`await t.toAsync("cpu")\`)`,
  );
}

/** A backend entry for primitive `op` that raises the error above. */
export function notImplemented(op: string): (inputs: readonly Tensor[]) => Tensor[] {
  return (inputs) => unsupported(op, inputs);
}

/**
 * Saving and loading state dicts as safetensors files: `io.save(stateDict, path)` and
 * `io.load(path)`. Encoding lives in safetensors.ts; the file system in node_files.ts.
 * Saves are atomic (temp file + fsync + rename), so an interrupted save never destroys the
 * previous checkpoint.
 */
import { readFileBytes, writeFileAtomic } from "./node_files.js";
import { deserializeWithMetadata, serialize, type SafetensorsContents, type SerializeOptions, type StateDict } from "./safetensors.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * Saves a state dict (object or Map of name -> Tensor) to `path` in the safetensors format,
 * readable by PyTorch's `safetensors.torch.load_file`. Atomic: a failure leaves any file
 * already at `path` untouched.
 * @example
 * io.save(model.stateDict(), "simplenet.safetensors", { metadata: { epoch: "5" } });
 */
export function save(stateDict: StateDict, path: string, opts: SerializeOptions = {}): void {
  const bytes = serialize(stateDict, opts); // fails on bad input before touching the disk
  writeFileAtomic(path, bytes, "save");
}

/**
 * Loads a safetensors file into a state dict (name -> Tensor). A truncated or corrupt file
 * is a FluxionError naming the file and the problem.
 * @example
 * model.loadStateDict(io.load("simplenet.safetensors"));
 */
export function load(path: string): Record<string, Tensor> {
  return loadWithMetadata(path).tensors;
}

/**
 * Like load, also returning the header's `__metadata__` (null when absent).
 * @example
 * const { tensors, metadata } = io.loadWithMetadata("simplenet.safetensors");
 */
export function loadWithMetadata(path: string): SafetensorsContents {
  return deserializeWithMetadata(readFileBytes(path, "load"), path);
}

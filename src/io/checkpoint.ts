/**
 * Saving and loading state dicts as safetensors files: `io.save(stateDict, path)` and
 * `io.load(path)`. Encoding lives in safetensors.ts; the file system in node_files.ts.
 * Saves are atomic (temp file + fsync + rename), so an interrupted save never destroys the
 * previous checkpoint.
 */
import { openRegularFile, writeFileAtomic } from "./node_files.js";
import { decodeTensors, parseHeader, readHeaderLength, serialize, type SafetensorsContents, type SerializeOptions, type StateDict } from "./safetensors.js";
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
 * Loads a safetensors file into a state dict (name -> Tensor, a null-prototype object in
 * file order). A truncated or corrupt file is a FluxionError naming the file and the
 * problem; so is a path that is not a regular file (a directory, FIFO or device).
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
  // read in steps, each bounded by what came before: the length field, the header (at most
  // 100 MB), then, once the header's offsets agree with the file's size, the data
  const file = openRegularFile(path, "load");
  try {
    const n = readHeaderLength(file.read(0, Math.min(8, file.size)), file.size - 8, path);
    const dataLen = file.size - 8 - n;
    const { metadata, specs } = parseHeader(file.read(8, n), dataLen, path);
    return { tensors: decodeTensors(specs, file.read(8 + n, dataLen), path), metadata };
  } finally {
    file.close();
  }
}
